/* Parquet (io/thrift, io/parquet, io/pqread, gen/pqsink): the compact
 * protocol round-trips and refuses malformed input; a generated run read
 * back from Parquet is, line for line, the CSV of the same run, for every
 * codec and with negative zone offsets, part files and bundle alike; the
 * footer reader refuses every truncation of a real file. */
#include "gen/engine.h"
#include "gen/outfmt.h"
#include "io/cdrread.h"
#include "io/parquet.h"
#include "io/thrift.h"
#include "test_gen_rows.h"

static void test_thrift_roundtrip(void)
{
    cg_tw w;
    memset(&w, 0, sizeof w);
    cg_tw_i32(&w, 1, -7);
    cg_tw_i64(&w, 2, INT64_MIN);
    cg_tw_i64(&w, 40, INT64_MAX); /* a jump of more than 15: the long field header */
    cg_tw_bool(&w, 41, 1);
    cg_tw_str(&w, 42, "abc");
    cg_tw_list(&w, 43, CG_TT_I32, 20); /* 15 or more: the long list header */
    for (int i = 0; i < 20; i++)
        cg_tw_el_i32(&w, i - 10);
    cg_tw_begin(&w, 44);
    cg_tw_i32(&w, 1, 99);
    cg_tw_end(&w);
    cg_tw_i32(&w, 45, 5);
    cg_tw_end(&w);
    CHECK(!w.oom);
    cg_tr r = {w.p, w.p + w.len, 0, 0};
    int last = 0, id, t, seen = 0;
    while ((t = cg_tr_field(&r, &last, &id)) != CG_TT_STOP) {
        switch (id) {
        case 1: CHECK_EQ_INT(t, CG_TT_I32); CHECK_EQ_INT(cg_tr_zigzag(&r), -7); seen++; break;
        case 2: CHECK(cg_tr_zigzag(&r) == INT64_MIN); seen++; break;
        case 40: CHECK(cg_tr_zigzag(&r) == INT64_MAX); seen++; break;
        case 41: CHECK_EQ_INT(t, CG_TT_TRUE); seen++; break;
        case 42: {
            size_t n;
            const unsigned char *s = cg_tr_bin(&r, &n);
            CHECK(n == 3 && s && memcmp(s, "abc", 3) == 0);
            seen++;
            break;
        }
        case 43: {
            uint32_t n;
            CHECK_EQ_INT(cg_tr_list(&r, &n), CG_TT_I32);
            CHECK_EQ_INT(n, 20);
            for (uint32_t i = 0; i < n; i++)
                CHECK_EQ_INT(cg_tr_zigzag(&r), (int)i - 10);
            seen++;
            break;
        }
        case 44: cg_tr_skip(&r, t); seen++; break;
        case 45: CHECK_EQ_INT(cg_tr_zigzag(&r), 5); seen++; break;
        default: CHECK_MSG(0, "unexpected field %d", id);
        }
    }
    CHECK(!r.bad && r.p == r.end);
    CHECK_EQ_INT(seen, 8);
    /* every truncation is noticed */
    for (size_t cut = 0; cut < w.len; cut++) {
        cg_tr q = {w.p, w.p + cut, 0, 0};
        cg_tr_skip(&q, CG_TT_STRUCT);
        CHECK_MSG(q.bad, "truncated at %zu not noticed", cut);
    }
    /* nesting deeper than the bound is refused, not recursed into */
    unsigned char deep[64];
    memset(deep, 0x1c, sizeof deep); /* field 1, type struct, again and again */
    cg_tr d = {deep, deep + sizeof deep, 0, 0};
    cg_tr_skip(&d, CG_TT_STRUCT);
    CHECK(d.bad);
    cg_tw_free(&w);
}

/* Every line of a file through cdrread, into one buffer. */
static char *lines_of(const char *path, size_t *n)
{
    cg_cdrread *r;
    cg_err err;
    *n = 0;
    if (cg_cdrread_open(&r, path, &err)) {
        fprintf(stderr, "  %s\n", err.msg);
        return NULL;
    }
    size_t cap = 1 << 20;
    char *b = malloc(cap);
    for (;;) {
        const char *l;
        size_t len;
        int has;
        if (cg_cdrread_line(r, &l, &len, &has, &err)) {
            fprintf(stderr, "  %s\n", err.msg);
            free(b);
            b = NULL;
            break;
        }
        if (!has)
            break;
        while (*n + len + 1 > cap)
            b = realloc(b, cap *= 2);
        memcpy(b + *n, l, len);
        b[*n + len] = '\n';
        *n += len + 1;
    }
    cg_cdrread_close(r);
    return b;
}

static int run(cg_config *cfg)
{
    cg_err err;
    int rc = cg_gen_run(cfg, &cg_outfmt_csv, NULL, &err);
    if (rc)
        fprintf(stderr, "  cg_gen_run: %s\n", err.msg);
    return rc;
}

static void check_same(const char *csv, const char *pq)
{
    size_t a, b;
    char *x = lines_of(csv, &a), *y = lines_of(pq, &b);
    CHECK(x && y);
    CHECK_MSG(x && y && a == b && memcmp(x, y, a) == 0, "%s and %s differ (%zu vs %zu bytes)", csv,
              pq, a, b);
    CHECK(a > 100000);
    free(x);
    free(y);
}

static void test_read_back_as_csv(void)
{
    static const char *zones[] = {"Europe/Amsterdam", "America/Sao_Paulo"};
    static const int codecs[] = {CG_CODEC_ZSTD, CG_CODEC_GZIP, CG_CODEC_NONE};
    for (int z = 0; z < 2; z++) {
        cg_config c;
        gr_config(&c, 1200, "2025-01-15", 1);
        snprintf(c.tz_name, sizeof c.tz_name, "%s", zones[z]);
        c.codec = CG_CODEC_NONE;
        CHECK_EQ_INT(run(&c), CG_OK);
        char csv[CG_PATH_MAX + 64];
        snprintf(csv, sizeof csv, "%s/cdr_2025-01-15.csv", c.out);
        for (int k = 0; k < 3; k++) {
            cg_config p = c;
            char o[sizeof c.out + 16];
            snprintf(o, sizeof o, "%s-pq%d", c.out, k);
            CHECK(strlen(o) < sizeof p.out);
            memcpy(p.out, o, sizeof p.out - 1);
            p.out[sizeof p.out - 1] = '\0';
            p.out_format = CG_FMT_PARQUET;
            p.codec = codecs[k];
            p.rotate_bytes = 400000; /* several parts, each of its row groups */
            CHECK_EQ_INT(run(&p), CG_OK);
            char pq[CG_PATH_MAX + 64];
            snprintf(pq, sizeof pq, "%s/cdr_2025-01-15.parquet", p.out);
            check_same(csv, pq);
            /* the parts, in order, are the bundle's rows */
            size_t all = 0, got = 0;
            char *want = lines_of(csv, &all);
            char *cat = malloc(all + 1);
            for (int part = 0;; part++) {
                char pp[CG_PATH_MAX + 96];
                snprintf(pp, sizeof pp, "%s/2025-01-15/cdr_2025-01-15_shard000_part%03d.parquet",
                         p.out, part);
                if (access(pp, F_OK) != 0) {
                    CHECK_MSG(part >= 3, "only %d parts", part);
                    break;
                }
                size_t n;
                char *l = lines_of(pp, &n);
                char *nl = l ? memchr(l, '\n', n) : NULL; /* each part starts with the header */
                size_t h = nl ? (size_t)(nl - l) + 1 : 0;
                if (part == 0)
                    h = 0;
                if (l && got + n - h <= all) {
                    memcpy(cat + got, l + h, n - h);
                    got += n - h;
                }
                free(l);
            }
            CHECK(want && got == all && memcmp(cat, want, all) == 0);
            free(cat);
            free(want);
        }
    }
}

static void test_footer_truncations(void)
{
    cg_config c;
    gr_config(&c, 40, "2025-01-15", 1);
    c.out_format = CG_FMT_PARQUET;
    c.codec = CG_CODEC_ZSTD;
    CHECK_EQ_INT(run(&c), CG_OK);
    char path[CG_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/cdr_2025-01-15.parquet", c.out);
    size_t n = 0;
    unsigned char *f = (unsigned char *)gr_slurp(path, &n);
    CHECK(f && n > 100);
    cg_pq_rg *rgs;
    size_t nrg, need;
    int codec;
    uint64_t dend;
    cg_err err;
    CHECK_EQ_INT(cg_pq_footer_read(f, n, n, "x", &rgs, &nrg, &codec, &dend, &need, &err), CG_OK);
    CHECK_EQ_INT(codec, CG_CODEC_ZSTD);
    CHECK(nrg == 1 && need == 0 && dend < n);
    int64_t rows = nrg ? rgs[0].rows : 0;
    free(rgs);
    /* a tail too short for the footer asks for more */
    CHECK_EQ_INT(cg_pq_footer_read(f + n - 16, 16, n, "x", &rgs, &nrg, &codec, &dend, &need, &err),
                 CG_OK);
    CHECK(need > 16 && need <= n);
    /* every byte of the footer changed is refused or read consistently */
    for (size_t i = (size_t)dend; i < n - 8; i++) {
        unsigned char keep = f[i];
        f[i] ^= 0x5a;
        int rc = cg_pq_footer_read(f, n, n, "x", &rgs, &nrg, &codec, &dend, &need, &err);
        if (rc == CG_OK) {
            for (size_t g = 0; g < nrg; g++)
                for (int k = 0; k < CG_PQ_NCOLS; k++)
                    CHECK(rgs[g].c[k].data_off >= 4 &&
                          (uint64_t)(rgs[g].c[k].data_off) < dend);
            free(rgs);
        } else {
            CHECK(strstr(err.msg, "x: not a Parquet part written by cdrgen") == err.msg);
        }
        f[i] = keep;
    }
    /* the file's every page checks out, and a changed page byte does not */
    CHECK_EQ_INT(cg_pq_footer_read(f, n, n, "x", &rgs, &nrg, &codec, &dend, &need, &err), CG_OK);
    const cg_pq_chunk *ch = &rgs[0].c[1];
    CHECK_EQ_INT(cg_pq_check_chunk("x", f + ch->data_off, (size_t)ch->comp, codec, rows, 0, &err),
                 CG_OK);
    f[ch->data_off + ch->comp - 3] ^= 0xff;
    CHECK(cg_pq_check_chunk("x", f + ch->data_off, (size_t)ch->comp, codec, rows, 0, &err) != CG_OK);
    free(rgs);
    free(f);
}

int main(void)
{
    RUN_TEST(test_thrift_roundtrip);
    RUN_TEST(test_read_back_as_csv);
    RUN_TEST(test_footer_truncations);
    TEST_REPORT();
}
