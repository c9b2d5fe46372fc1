/* Tests of `generate`'s output layout (SPEC 4), in-process: part names and
 * rotation rule, each part a complete file with its header, the bundle
 * equal to the header plus the parts' rows, stats and summary, codecs,
 * --cleanup-after-archive, no temporary files left, and determinism across
 * --workers (compressed bytes too) and seeds. */
#include <dirent.h>
#include <stdint.h>

#include "test_gen_rows.h"

static const char *DATE = "2025-01-15";

/* Names in dir, sorted, '\n'-joined into buf (dot files included). */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_dir(const char *dir, char *buf, size_t cap)
{
    char *names[4096];
    int n = 0;
    buf[0] = 0;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) && n < 4096)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            names[n++] = strdup(de->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    size_t len = 0;
    for (int k = 0; k < n; k++) {
        len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s\n", names[k]);
        free(names[k]);
    }
}

/* Checks the day directory of a finished run and returns its number of part
 * files: parts part000..partK-1 with the codec's extension, stats and
 * summary, nothing else; each part = header + rows; every part but the last
 * reaches rotate_bytes only with its last row (SPEC 4: a new part starts
 * once a part reaches N uncompressed bytes, header included); the bundle =
 * one header + the parts' rows in part order. */
static int check_layout(const cg_config *cfg, int parts_kept)
{
    char dir[CG_PATH_MAX + 32], path[CG_PATH_MAX + 128], names[65536];
    snprintf(dir, sizeof dir, "%s/%s", cfg->out, DATE);
    const char *ext = cg_codec_ext(cfg->codec);
    size_t hl = sizeof GR_HEADER; /* header line with its '\n' */
    char *bundle_want = malloc(hl);
    memcpy(bundle_want, GR_HEADER, hl - 1);
    bundle_want[hl - 1] = '\n';
    size_t bw = hl;
    int k = 0;
    for (;; k++) {
        snprintf(path, sizeof path, "%s/cdr_%s_shard000_part%03d.csv%s", dir, DATE, k, ext);
        if (!gr_exists(path))
            break;
        size_t n;
        char *t = gr_read(path, &n);
        CHECK(t != NULL);
        if (!t)
            break;
        CHECK_MSG(n > hl && memcmp(t, GR_HEADER, hl - 1) == 0 && t[hl - 1] == '\n',
                  "part %d header", k);
        CHECK_MSG(n > 0 && t[n - 1] == '\n', "part %d ends mid-row", k);
        /* Header exactly once. */
        CHECK(strstr(t + 1, "\nevent_type;") == NULL);
        /* The part's rows, and the rotation rule. */
        const char *last = t + n - 1;
        while (last > t && last[-1] != '\n')
            last--;
        size_t without_last = (size_t)(last - t);
        int is_last = 0;
        snprintf(path, sizeof path, "%s/cdr_%s_shard000_part%03d.csv%s", dir, DATE, k + 1, ext);
        is_last = !gr_exists(path);
        if (!is_last) {
            CHECK_MSG(n >= cfg->rotate_bytes, "part %d: %zu bytes < %llu", k, n,
                      (unsigned long long)cfg->rotate_bytes);
            /* A part holds at least one row, so with N <= header length
             * each part is the header and one row. */
            CHECK_MSG(without_last < cfg->rotate_bytes || without_last == hl,
                      "part %d: %zu bytes before its last row", k, without_last);
        } else {
            CHECK(without_last < cfg->rotate_bytes || without_last == hl);
        }
        bundle_want = realloc(bundle_want, bw + n - hl);
        memcpy(bundle_want + bw, t + hl, n - hl);
        bw += n - hl;
        free(t);
    }
    if (parts_kept)
        CHECK(k >= 1);
    else
        CHECK_EQ_INT(k, 0);

    /* The day directory holds exactly those files. */
    char want[65536];
    size_t wl = 0;
    for (int p = 0; p < k; p++)
        wl += (size_t)snprintf(want + wl, sizeof want - wl, "cdr_%s_shard000_part%03d.csv%s\n",
                               DATE, p, ext);
    wl += (size_t)snprintf(want + wl, sizeof want - wl, "stats_shard000.json\nsummary.json\n");
    list_dir(dir, names, sizeof names);
    CHECK_MSG(strcmp(names, want) == 0, "day directory:\n%s\nwant:\n%s", names, want);
    /* OUT: the lock, the day, the bundle, cells.csv, subscribers.csv; no
     * temporary file. */
    snprintf(want, sizeof want, ".cdrgen.lock\n%s\ncdr_%s.csv%s\ncells.csv\nsubscribers.csv\n",
             DATE, DATE, ext);
    list_dir(cfg->out, names, sizeof names);
    CHECK_MSG(strcmp(names, want) == 0, "OUT:\n%s\nwant:\n%s", names, want);

    snprintf(path, sizeof path, "%s/cdr_%s.csv%s", cfg->out, DATE, ext);
    size_t n;
    char *b = gr_read(path, &n);
    CHECK(b != NULL);
    if (parts_kept)
        CHECK_MSG(b && n == bw && memcmp(b, bundle_want, n) == 0,
                  "bundle (%zu bytes) != header + rows of the parts (%zu bytes)", n, bw);
    else
        CHECK(b && n > 1000000 && memcmp(b, GR_HEADER, hl - 1) == 0 &&
              strstr(b + 1, "\nevent_type;") == NULL);
    free(b);
    free(bundle_want);
    return k;
}

static char *read_bundle(const cg_config *cfg, size_t *n)
{
    char path[CG_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/cdr_%s.csv%s", cfg->out, DATE, cg_codec_ext(cfg->codec));
    return gr_read(path, n);
}

/* gzip with a small rotate size: many parts, all rules of check_layout. */
static void test_layout_gzip_rotation(void)
{
    cg_config cfg;
    gr_config(&cfg, 3000, DATE, 1);
    cfg.rotate_bytes = 300000;
    CHECK_EQ_INT(gr_run(&cfg), CG_OK);
    int parts = check_layout(&cfg, 1);
    /* ~3000 x 20 rows x 170 bytes = 10 MB: some 30 parts. */
    CHECK_MSG(parts > 10, "%d parts", parts);
    gr_cleanup(&cfg);
}

/* A rotate size above the day's size: one part, part000. */
static void test_layout_single_part(void)
{
    cg_config cfg;
    gr_config(&cfg, 500, DATE, 1);
    CHECK_EQ_INT(gr_run(&cfg), CG_OK);
    CHECK_EQ_INT(check_layout(&cfg, 1), 1);
    gr_cleanup(&cfg);
}

/* rotate_bytes 1: every row closes its part (header + one row each). */
static void test_layout_rotate_every_row(void)
{
    cg_config cfg;
    gr_config(&cfg, 5, DATE, 1);
    cfg.rotate_bytes = 1;
    CHECK_EQ_INT(gr_run(&cfg), CG_OK);
    size_t n;
    char *b = read_bundle(&cfg, &n);
    size_t rows = 0;
    for (size_t k = 0; b && k < n; k++)
        rows += b[k] == '\n';
    free(b);
    int parts = check_layout(&cfg, 1);
    CHECK_EQ_INT(parts, rows - 1);
    gr_cleanup(&cfg);
}

/* zstd and none: their extensions, the layout rules, and the same
 * decompressed bundle as gzip for the same seed. */
static void test_codecs(void)
{
    cg_config g, z, p;
    gr_config(&g, 1500, DATE, 1);
    gr_config(&z, 1500, DATE, 1);
    gr_config(&p, 1500, DATE, 1);
    g.rotate_bytes = z.rotate_bytes = p.rotate_bytes = 500000;
    z.codec = CG_CODEC_ZSTD;
    p.codec = CG_CODEC_NONE;
    CHECK_EQ_INT(gr_run(&g), CG_OK);
    CHECK_EQ_INT(gr_run(&z), CG_OK);
    CHECK_EQ_INT(gr_run(&p), CG_OK);
    int kg = check_layout(&g, 1), kz = check_layout(&z, 1), kp = check_layout(&p, 1);
    CHECK(kg > 1);
    CHECK_EQ_INT(kz, kg);
    CHECK_EQ_INT(kp, kg);
    size_t ng, nz, np;
    char *bg = read_bundle(&g, &ng), *bz = read_bundle(&z, &nz), *bp = read_bundle(&p, &np);
    CHECK(bg && bz && bp && ng == nz && ng == np && memcmp(bg, bz, ng) == 0 &&
          memcmp(bg, bp, ng) == 0);
    free(bg);
    free(bz);
    free(bp);
    gr_cleanup(&g);
    gr_cleanup(&z);
    gr_cleanup(&p);
}

/* --cleanup-after-archive: no parts, but bundle, stats and summary. */
static void test_cleanup_after_archive(void)
{
    cg_config cfg;
    gr_config(&cfg, 3000, DATE, 1);
    cfg.rotate_bytes = 1000000;
    cfg.cleanup_after_archive = 1;
    CHECK_EQ_INT(gr_run(&cfg), CG_OK);
    check_layout(&cfg, 0);
    gr_cleanup(&cfg);
}

/* Byte-for-byte equality of two runs' files (compressed bytes). */
static int same_file(const cg_config *a, const cg_config *b, const char *rel)
{
    char pa[CG_PATH_MAX + 128], pb[CG_PATH_MAX + 128];
    snprintf(pa, sizeof pa, "%s/%s", a->out, rel);
    snprintf(pb, sizeof pb, "%s/%s", b->out, rel);
    size_t na = 0, nb = 0;
    char *x = gr_slurp(pa, &na), *y = gr_slurp(pb, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

/* Same seed: identical compressed bytes of every file for --workers 1, 2
 * and 7 (parts included, rotation mid-block), over two days; another seed
 * changes the rows. */
static void test_determinism_workers_seed(void)
{
    static const int W[3] = {1, 2, 7};
    cg_config c[3];
    for (int k = 0; k < 3; k++) {
        gr_config(&c[k], 2100, DATE, 2);
        c[k].workers = W[k];
        c[k].rotate_bytes = 700000;
        CHECK_EQ_INT(gr_run(&c[k]), CG_OK);
    }
    char dir[CG_PATH_MAX + 32], names[65536];
    snprintf(dir, sizeof dir, "%s/%s", c[0].out, DATE);
    list_dir(dir, names, sizeof names);
    int files = 0;
    for (char *s = names, *nl; (nl = strchr(s, '\n')); s = nl + 1) {
        *nl = 0;
        char rel[600];
        if (snprintf(rel, sizeof rel, "%s/%.500s", DATE, s) >= (int)sizeof rel)
            continue;
        for (int k = 1; k < 3; k++)
            CHECK_MSG(same_file(&c[0], &c[k], rel), "%s differs with --workers %d", rel, W[k]);
        files++;
    }
    CHECK(files > 4);
    static const char *const rel[] = {"cdr_2025-01-15.csv.gz", "cdr_2025-01-16.csv.gz",
                                      "cells.csv", "2025-01-16/summary.json"};
    for (int r = 0; r < 4; r++)
        for (int k = 1; k < 3; k++)
            CHECK_MSG(same_file(&c[0], &c[k], rel[r]), "%s differs with --workers %d", rel[r],
                      W[k]);
    cg_config o;
    gr_config(&o, 2100, DATE, 1);
    o.seed = 43;
    CHECK_EQ_INT(gr_run(&o), CG_OK);
    size_t n0, n1;
    char *b0 = read_bundle(&c[0], &n0), *b1 = read_bundle(&o, &n1);
    CHECK(b0 && b1 && (n0 != n1 || memcmp(b0, b1, n0) != 0));
    free(b0);
    free(b1);
    for (int k = 0; k < 3; k++)
        gr_cleanup(&c[k]);
    gr_cleanup(&o);
}

/* Shard output: no bundle or summary; a stats file with the shard number. */
static void test_shard_layout(void)
{
    cg_config cfg;
    gr_config(&cfg, 1000, DATE, 1);
    cfg.shard_k = 1;
    cfg.shard_n = 3;
    CHECK_EQ_INT(gr_run(&cfg), CG_OK);
    char path[CG_PATH_MAX + 128];
    snprintf(path, sizeof path, "%s/%s/cdr_%s_shard001_part000.csv.gz", cfg.out, DATE, DATE);
    CHECK(gr_exists(path));
    snprintf(path, sizeof path, "%s/%s/stats_shard001.json", cfg.out, DATE);
    size_t n;
    char *t = gr_slurp(path, &n);
    CHECK(t && strncmp(t, "{\"shard\":1,\"calls\":", 19) == 0);
    free(t);
    snprintf(path, sizeof path, "%s/%s/summary.json", cfg.out, DATE);
    CHECK(!gr_exists(path));
    snprintf(path, sizeof path, "%s/cdr_%s.csv.gz", cfg.out, DATE);
    CHECK(!gr_exists(path));
    gr_cleanup(&cfg);
}

/* --shard 0/2 and 1/2 into one OUT: their parts' rows, in shard order,
 * are exactly the rows of the unsharded run (SPEC 6). */
static void test_shards_union(void)
{
    cg_config all, sh;
    gr_config(&all, 1200, DATE, 1);
    gr_config(&sh, 1200, DATE, 1);
    CHECK_EQ_INT(gr_run(&all), CG_OK);
    for (int k = 0; k < 2; k++) {
        sh.shard_k = k;
        sh.shard_n = 2;
        sh.workers = k + 1;
        CHECK_EQ_INT(gr_run(&sh), CG_OK);
    }
    size_t hl = sizeof GR_HEADER, cat_n = 0, n;
    char *cat = NULL, path[CG_PATH_MAX + 128];
    for (int k = 0; k < 2; k++)
        for (int p = 0;; p++) {
            snprintf(path, sizeof path, "%s/%s/cdr_%s_shard%03d_part%03d.csv.gz", sh.out, DATE,
                     DATE, k, p);
            if (!gr_exists(path))
                break;
            char *t = gr_read(path, &n);
            CHECK(t && n >= hl && memcmp(t, GR_HEADER, hl - 1) == 0);
            if (!t || n < hl)
                break;
            cat = realloc(cat, cat_n + n);
            memcpy(cat + cat_n, t + hl, n - hl);
            cat_n += n - hl;
            free(t);
        }
    char *b = read_bundle(&all, &n);
    CHECK_MSG(b && cat && n == cat_n + hl && memcmp(b + hl, cat, cat_n) == 0,
              "shards: %zu bytes of rows, unsharded %zu", cat_n, b ? n - hl : 0);
    free(b);
    free(cat);
    gr_cleanup(&all);
    gr_cleanup(&sh);
}

/* The OUT lock is released when cg_cmd_generate returns (it once leaked its
 * descriptor, so a second run in the same process found the directory
 * "locked" by itself). */
static void test_rerun_same_out_in_process(void)
{
    cg_config cfg;
    gr_config(&cfg, 100, DATE, 1);
    CHECK_EQ_INT(gr_run(&cfg), CG_OK);
    CHECK_EQ_INT(gr_run(&cfg), CG_OK);
    gr_cleanup(&cfg);
}

int main(void)
{
    RUN_TEST(test_layout_gzip_rotation);
    RUN_TEST(test_layout_single_part);
    RUN_TEST(test_layout_rotate_every_row);
    RUN_TEST(test_codecs);
    RUN_TEST(test_cleanup_after_archive);
    RUN_TEST(test_determinism_workers_seed);
    RUN_TEST(test_shard_layout);
    RUN_TEST(test_shards_union);
    RUN_TEST(test_rerun_same_out_in_process);
    TEST_REPORT();
}
