/* io/merge: the header member of a part is found for every codec and level
 * and nothing else passes for it; cg_merge_day on hand-made shard outputs
 * writes header + every body in shard/part order and the summary, and
 * refuses incomplete or inconsistent days with messages naming the shard. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/afile.h"
#include "io/cdrfmt.h"
#include "io/codec.h"
#include "io/json.h"
#include "io/merge.h"
#include "testhelp.h"

static const char *ROWA = "CALL;316120000001;316120000002;MO;1;2;Europe/Amsterdam;60;1;20408;"
                          "204080000000001;359000000000001;1;mscVoiceRecord;normalRelease;;;;;;;\n";
static const char *ROWB = "SMS;316120000002;316120000001;MT;5;6;Europe/Amsterdam;60;1;20408;"
                          "204080000000002;359000000000002;7;sgsnSMTRecord;deliverySuccess;1;"
                          "DELIVERED;;;;;\n";

/* Appends one compressed chunk of text to buf at *n. */
static void add(cg_codec_ctx *c, const char *text, char *buf, size_t *n)
{
    size_t zn = 0;
    cg_err e;
    int rc = cg_codec_compress(c, text, strlen(text), buf + *n, 1 << 16, &zn, &e);
    CHECK_EQ_INT(rc, 0);
    *n += zn;
}

static void test_header_len_every_codec(void)
{
    static const struct { int codec, level; } cases[] = {
        {CG_CODEC_GZIP, 1}, {CG_CODEC_GZIP, 6}, {CG_CODEC_GZIP, 12},
        {CG_CODEC_ZSTD, 1}, {CG_CODEC_ZSTD, 19}, {CG_CODEC_NONE, 1}};
    char *buf = malloc(1 << 18);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cg_codec_ctx *c;
        cg_err e;
        CHECK_EQ_INT(cg_codec_new(&c, cases[i].codec, cases[i].level, &e), 0);
        size_t n = 0, hl = 0, got = 0;
        add(c, CG_CDR_HEADER, buf, &n);
        hl = n;
        add(c, ROWA, buf, &n);
        add(c, ROWB, buf, &n);
        CHECK_EQ_INT(cg_merge_header_len(buf, n, cases[i].codec, "p", &got, &e), 0);
        CHECK_EQ_INT(got, hl);
        /* only the header member itself is enough */
        CHECK_EQ_INT(cg_merge_header_len(buf, hl, cases[i].codec, "p", &got, &e), 0);
        CHECK_EQ_INT(got, hl);
        if (cases[i].codec != CG_CODEC_NONE) {
            /* truncated header member */
            CHECK_EQ_INT(cg_merge_header_len(buf, hl - 1, cases[i].codec, "p", &got, &e),
                         CG_ERUNTIME);
            CHECK(strstr(e.msg, "p: ") == e.msg);
            /* header and rows in one member: not a cdrgen part */
            n = 0;
            char both[1024];
            snprintf(both, sizeof both, "%s%s", CG_CDR_HEADER, ROWA);
            add(c, both, buf, &n);
            CHECK_EQ_INT(cg_merge_header_len(buf, n, cases[i].codec, "p", &got, &e),
                         CG_ERUNTIME);
            CHECK(strstr(e.msg, "does not start with the CDR header") != NULL);
        }
        /* a body member first */
        n = 0;
        add(c, ROWA, buf, &n);
        add(c, CG_CDR_HEADER, buf, &n);
        CHECK_EQ_INT(cg_merge_header_len(buf, n, cases[i].codec, "p", &got, &e), CG_ERUNTIME);
        /* the header minus its newline, then the newline (for none, those
         * are simply the header's bytes) */
        n = 0;
        char shorter[1024];
        snprintf(shorter, sizeof shorter, "%.*s", (int)CG_CDR_HEADER_LEN - 1, CG_CDR_HEADER);
        add(c, shorter, buf, &n);
        add(c, "\n", buf, &n);
        CHECK_EQ_INT(cg_merge_header_len(buf, n, cases[i].codec, "p", &got, &e),
                     cases[i].codec == CG_CODEC_NONE ? CG_OK : CG_ERUNTIME);
        cg_codec_free(c);
    }
    free(buf);
}

static char dir[256];

static void put(const char *name, const void *data, size_t n)
{
    char path[512];
    cg_err e;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    CHECK_EQ_INT(cg_write_file_atomic(path, data, n, &e), 0);
}

static uint64_t g_rows[4][8], g_bytes[4][8];
static int g_parts[4];

/* A part of shard k: header member + one member per row given. */
static void put_part(cg_codec_ctx *c, int k, int part, const char *r1, const char *r2)
{
    char *buf = malloc(1 << 16), name[128];
    size_t n = 0;
    add(c, CG_CDR_HEADER, buf, &n);
    if (r1)
        add(c, r1, buf, &n);
    if (r2)
        add(c, r2, buf, &n);
    snprintf(name, sizeof name, "2025-01-15/cdr_2025-01-15_shard%03d_part%03d.csv.zst", k, part);
    put(name, buf, n);
    free(buf);
    g_rows[k][part] = (uint64_t)(r1 != NULL) + (r2 != NULL);
    g_bytes[k][part] = n;
    if (part + 1 > g_parts[k])
        g_parts[k] = part + 1;
}

/* Stats of shard k of a 3-shard run `run`, its parts as put_part wrote them. */
static void put_stats_run(int k, uint64_t calls, uint64_t sms, int shards, uint64_t run)
{
    char json[1024], name[64];
    cg_stats st = {k, shards, {calls, sms, 0}, run, (uint32_t)g_parts[k], g_rows[k], g_bytes[k], 0, {0}};
    size_t n = cg_json_stats(json, sizeof json, &st);
    snprintf(name, sizeof name, "2025-01-15/stats_shard%03d.json", k);
    put(name, json, n);
}

static void put_stats(int k, uint64_t calls, uint64_t sms)
{
    put_stats_run(k, calls, sms, 3, 42);
}

static void test_merge_day(void)
{
    snprintf(dir, sizeof dir, "%s/cg-merge-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    char path[512];
    cg_err e;
    snprintf(path, sizeof path, "%s/2025-01-15", dir);
    CHECK_EQ_INT(cg_mkdir_p(path, &e), 0);
    snprintf(path, sizeof path, "%s/2025-01-16", dir); /* a day without stats */
    CHECK_EQ_INT(cg_mkdir_p(path, &e), 0);
    snprintf(path, sizeof path, "%s/not-a-day", dir);
    CHECK_EQ_INT(cg_mkdir_p(path, &e), 0);

    cg_codec_ctx *c;
    CHECK_EQ_INT(cg_codec_new(&c, CG_CODEC_ZSTD, 3, &e), 0);
    put_part(c, 0, 0, ROWA, ROWB);
    put_part(c, 0, 1, ROWB, NULL);
    put_part(c, 1, 0, NULL, NULL); /* a shard-day without rows */
    put_part(c, 2, 0, ROWA, NULL);
    put_stats(0, 1, 2);
    put_stats(1, 0, 0);
    /* the stats say 3 shards: the missing last one shows */
    cg_merge_result *r = malloc(sizeof *r);
    CHECK_EQ_INT(cg_merge_day(dir, "2025-01-15", r, &e), CG_ERUNTIME);
    CHECK_MSG(strstr(e.msg, "shard 2 of 3 is missing (no stats_shard002.json)") != NULL, "%s", e.msg);
    put_stats(2, 1, 0);

    char (*days)[11];
    size_t nd;
    CHECK_EQ_INT(cg_merge_list_days(dir, &days, &nd, &e), 0);
    CHECK_EQ_INT(nd, 2);
    if (nd == 2) {
        CHECK_EQ_STR(days[0], "2025-01-15");
        CHECK_EQ_STR(days[1], "2025-01-16");
    }
    free(days);
    CHECK_EQ_INT(cg_merge_day(dir, "2025-01-16", r, &e), 0);
    CHECK_EQ_INT(r->status, CG_MERGE_NO_STATS);

    CHECK_EQ_INT(cg_merge_day(dir, "2025-01-15", r, &e), 0);
    CHECK_EQ_INT(r->status, CG_MERGE_DONE);
    CHECK_EQ_INT(r->shards, 3);
    CHECK_EQ_INT(r->parts, 4);
    CHECK_EQ_INT(r->calls, 2);
    CHECK_EQ_INT(r->sms, 2);
    char *text = NULL, want[2048];
    size_t tn = 0;
    snprintf(path, sizeof path, "%s/cdr_2025-01-15.csv.zst", dir);
    CHECK_EQ_INT(cg_codec_decompress_file(path, CG_CODEC_ZSTD, &text, &tn, &e), 0);
    snprintf(want, sizeof want, "%s%s%s%s%s", CG_CDR_HEADER, ROWA, ROWB, ROWB, ROWA);
    CHECK_EQ_STR(text, want);
    free(text);
    snprintf(path, sizeof path, "%s/2025-01-15/summary.json", dir);
    CHECK_EQ_INT(cg_codec_decompress_file(path, CG_CODEC_NONE, &text, &tn, &e), 0);
    CHECK_EQ_STR(text, "{\"total_calls\":2,\"total_sms\":2,\"total_data\":0,\"shards\":3}\n");
    free(text);

    /* a part the stats do not know (an earlier run's) */
    put_part(c, 0, 3, ROWA, NULL);
    g_parts[0] = 2;
    CHECK_EQ_INT(cg_merge_day(dir, "2025-01-15", r, &e), CG_ERUNTIME);
    CHECK_MSG(strstr(e.msg, "part file cdr_2025-01-15_shard000_part003.csv.zst is not one of the 2 "
                            "part(s) that stats_shard000.json records") != NULL, "%s", e.msg);
    snprintf(path, sizeof path, "%s/2025-01-15/cdr_2025-01-15_shard000_part003.csv.zst", dir);
    unlink(path);
    /* a gap: the stats know 4 parts, 2 and 3 are missing */
    g_parts[0] = 4;
    put_stats(0, 1, 2);
    CHECK_EQ_INT(cg_merge_day(dir, "2025-01-15", r, &e), CG_ERUNTIME);
    CHECK_MSG(strstr(e.msg, "shard 0 of 3: part 002 is missing") != NULL, "%s", e.msg);
    g_parts[0] = 2;
    put_stats(0, 1, 2);
    /* a truncated part; one with a flipped byte (same size); one with a row
     * more than its shard wrote */
    snprintf(path, sizeof path, "%s/2025-01-15/cdr_2025-01-15_shard000_part001.csv.zst", dir);
    CHECK_EQ_INT(truncate(path, (off_t)g_bytes[0][1] - 3), 0);
    CHECK_EQ_INT(cg_merge_day(dir, "2025-01-15", r, &e), CG_ERUNTIME);
    CHECK_MSG(strstr(e.msg, "shard000_part001.csv.zst: ") != NULL &&
              strstr(e.msg, "but its shard wrote") != NULL, "%s", e.msg);
    put_part(c, 0, 1, ROWB, NULL);
    FILE *fp = fopen(path, "r+b");
    CHECK(fp != NULL);
    if (fp) {
        fseek(fp, (long)g_bytes[0][1] - 6, SEEK_SET);
        int ch = fgetc(fp);
        fseek(fp, (long)g_bytes[0][1] - 6, SEEK_SET);
        fputc(ch ^ 0x55, fp);
        fclose(fp);
    }
    CHECK_EQ_INT(cg_merge_day(dir, "2025-01-15", r, &e), CG_ERUNTIME);
    CHECK_MSG(strstr(e.msg, "shard000_part001.csv.zst: corrupt zstd data") != NULL, "%s", e.msg);
    put_part(c, 0, 1, ROWB, NULL);
    g_rows[0][1] = 2;
    put_stats(0, 1, 2);
    CHECK_EQ_INT(cg_merge_day(dir, "2025-01-15", r, &e), CG_ERUNTIME);
    CHECK_MSG(strstr(e.msg, "shard000_part001.csv.zst: 1 rows, but its shard wrote 2") != NULL, "%s", e.msg);
    g_rows[0][1] = 1;
    put_stats(0, 1, 2);
    /* stats of two runs: another shard count, another fingerprint */
    put_stats_run(1, 0, 0, 4, 42);
    CHECK_EQ_INT(cg_merge_day(dir, "2025-01-15", r, &e), CG_ERUNTIME);
    CHECK_MSG(strstr(e.msg, "is of a run with 3 shard(s), stats_shard001.json of one with 4") != NULL, "%s", e.msg);
    put_stats_run(1, 0, 0, 3, 43);
    CHECK_EQ_INT(cg_merge_day(dir, "2025-01-15", r, &e), CG_ERUNTIME);
    CHECK_MSG(strstr(e.msg, "are of different runs") != NULL, "%s", e.msg);
    put_stats(1, 0, 0);
    /* stats of an older cdrgen */
    put("2025-01-15/stats_shard001.json", "{\"shard\":1,\"calls\":0,\"sms\":0,\"data\":0}", 38);
    CHECK_EQ_INT(cg_merge_day(dir, "2025-01-15", r, &e), CG_ERUNTIME);
    CHECK_MSG(strstr(e.msg, "stats_shard001.json: stats JSON") != NULL &&
              strstr(e.msg, "re-run that shard") != NULL, "%s", e.msg);
    put_stats(1, 0, 0);
    /* a missing middle shard */
    snprintf(path, sizeof path, "%s/2025-01-15/stats_shard001.json", dir);
    unlink(path);
    CHECK_EQ_INT(cg_merge_day(dir, "2025-01-15", r, &e), CG_ERUNTIME);
    CHECK(strstr(e.msg, "/2025-01-15: shard 1 of 3 is missing (no stats_shard001.json)") != NULL);
    put_stats(1, 0, 0);
    /* a part of another codec */
    put("2025-01-15/cdr_2025-01-15_shard002_part001.csv", CG_CDR_HEADER, CG_CDR_HEADER_LEN);
    CHECK_EQ_INT(cg_merge_day(dir, "2025-01-15", r, &e), CG_ERUNTIME);
    CHECK(strstr(e.msg, "two codecs") != NULL);
    snprintf(path, sizeof path, "%s/2025-01-15/cdr_2025-01-15_shard002_part001.csv", dir);
    unlink(path);
    /* stats whose content names another shard */
    {
        char json[512];
        cg_stats st = {2, 3, {0, 0, 0}, 42, (uint32_t)g_parts[1], g_rows[1], g_bytes[1], 0, {0}};
        size_t jn = cg_json_stats(json, sizeof json, &st);
        put("2025-01-15/stats_shard001.json", json, jn);
    }
    CHECK_EQ_INT(cg_merge_day(dir, "2025-01-15", r, &e), CG_ERUNTIME);
    CHECK(strstr(e.msg, "its name says shard 1") != NULL);
    put_stats(1, 0, 0);
    /* not-quite names */
    put("2025-01-15/stats_shard1.json", "{}", 2);
    CHECK_EQ_INT(cg_merge_day(dir, "2025-01-15", r, &e), CG_ERUNTIME);
    CHECK(strstr(e.msg, "stats_shard1.json: unexpected stats file name") != NULL);
    snprintf(path, sizeof path, "%s/2025-01-15/stats_shard1.json", dir);
    unlink(path);
    put("2025-01-15/cdr_2025-01-15_shard000_part000.csv.zst.bak", "x", 1);
    CHECK_EQ_INT(cg_merge_day(dir, "2025-01-15", r, &e), CG_ERUNTIME);
    CHECK(strstr(e.msg, "unexpected part file name") != NULL);
    snprintf(path, sizeof path, "%s/2025-01-15/cdr_2025-01-15_shard000_part000.csv.zst.bak", dir);
    unlink(path);
    /* consistent again: same bundle as before */
    CHECK_EQ_INT(cg_merge_day(dir, "2025-01-15", r, &e), 0);
    snprintf(path, sizeof path, "%s/cdr_2025-01-15.csv.zst", dir);
    CHECK_EQ_INT(cg_codec_decompress_file(path, CG_CODEC_ZSTD, &text, &tn, &e), 0);
    CHECK_EQ_STR(text, want);
    free(text);

    cg_codec_free(c);
    free(r);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

int main(void)
{
    RUN_TEST(test_header_len_every_codec);
    RUN_TEST(test_merge_day);
    TEST_REPORT();
}
