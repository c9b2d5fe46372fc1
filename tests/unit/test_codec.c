/* Codec tests: chunked members/frames concatenate into files that our own
 * decoder and the real gzip/zstd tools read back exactly; empty input,
 * determinism, level validation and corrupt input. */
#include "io/codec.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testhelp.h"

static char tmpdir[256];

/* CDR-like text: compressible but not trivially so. */
static char *make_text(size_t n, uint64_t seed)
{
    char *s = malloc(n + 1);
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    size_t i = 0;
    while (i < n) {
        char row[160];
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        int len = snprintf(row, sizeof row,
                           "CALL;316%08llu;316%08llu;MO;17356%08llu;Europe/Amsterdam;60;%llu;20408;\n",
                           (unsigned long long)(x % 100000000), (unsigned long long)((x >> 20) % 100000000),
                           (unsigned long long)((x >> 7) % 100000000), (unsigned long long)(x % 997));
        for (int k = 0; k < len && i < n; k++)
            s[i++] = row[k];
    }
    s[n] = '\0';
    return s;
}

/* Compresses in[] in chunks of the given sizes and writes the concatenation
 * to path; returns the compressed size or 0 on failure. */
static size_t write_chunked(int codec, int level, const char *in, const size_t *sizes, int nchunks,
                            const char *path)
{
    cg_codec_ctx *c;
    cg_err err;
    if (cg_codec_new(&c, codec, level, &err) != CG_OK)
        return 0;
    FILE *f = fopen(path, "wb");
    size_t off = 0, total = 0;
    for (int i = 0; i < nchunks; i++) {
        size_t cap = cg_codec_bound(c, sizes[i]);
        char *out = malloc(cap ? cap : 1);
        size_t on = 0;
        int rc = cg_codec_compress(c, in + off, sizes[i], out, cap, &on, &err);
        CHECK_MSG(rc == CG_OK, "%s", err.msg);
        fwrite(out, 1, on, f);
        total += on;
        off += sizes[i];
        free(out);
    }
    fclose(f);
    cg_codec_free(c);
    return total;
}

/* Runs cmd and returns its whole stdout (malloc'ed). */
static char *run_capture(const char *cmd, size_t *n)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    size_t cap = 1 << 16, used = 0;
    char *buf = malloc(cap);
    size_t r;
    while ((r = fread(buf + used, 1, cap - used, p)) > 0) {
        used += r;
        if (used == cap)
            buf = realloc(buf, cap *= 2);
    }
    int st = pclose(p);
    if (st != 0) {
        free(buf);
        return NULL;
    }
    *n = used;
    return buf;
}

static void round_trip(int codec, int level)
{
    /* the big chunk makes the decoder grow its buffer; slow levels get less */
    size_t sizes[] = {1000, 0, 250000, 1, 70000, level <= 6 ? 3u << 20 : 300000u};
    size_t total = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        total += sizes[i];
    char *text = make_text(total, (uint64_t)codec * 100 + (uint64_t)level);
    char path[512];
    snprintf(path, sizeof path, "%s/rt_%s_%d%s", tmpdir, cg_codec_name(codec), level,
             cg_codec_ext(codec));
    size_t csize = write_chunked(codec, level, text, sizes, 6, path);
    CHECK(csize > 0);
    if (codec != CG_CODEC_NONE)
        CHECK_MSG(csize < total / 2, "%s level %d: %zu -> %zu", cg_codec_name(codec), level, total, csize);
    else
        CHECK_EQ_INT(csize, total);

    char *out = NULL;
    size_t on = 0;
    cg_err err;
    int rc = cg_codec_decompress_file(path, codec, &out, &on, &err);
    CHECK_MSG(rc == CG_OK, "%s", err.msg);
    CHECK_EQ_INT(on, total);
    CHECK(out && memcmp(out, text, total) == 0);
    CHECK(out && out[on] == '\0');
    free(out);

    if (codec != CG_CODEC_NONE) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "%s -dc '%s'", cg_codec_name(codec), path);
        out = run_capture(cmd, &on);
        CHECK_MSG(out != NULL, "%s failed", cmd);
        CHECK_EQ_INT(out ? on : 0, total);
        CHECK(out && on == total && memcmp(out, text, total) == 0);
        free(out);
    }
    unlink(path);
    free(text);
}

static void test_gzip_round_trip(void)
{
    round_trip(CG_CODEC_GZIP, 1);
    round_trip(CG_CODEC_GZIP, 6);
    round_trip(CG_CODEC_GZIP, 12);
}

static void test_zstd_round_trip(void)
{
    round_trip(CG_CODEC_ZSTD, 1);
    round_trip(CG_CODEC_ZSTD, 3);
    round_trip(CG_CODEC_ZSTD, 19);
}

static void test_none_round_trip(void)
{
    round_trip(CG_CODEC_NONE, 0);
    round_trip(CG_CODEC_NONE, 99); /* level ignored */
}

/* n == 0 gives a valid member/frame that the tools decode to nothing. */
static void test_empty_input(void)
{
    int codecs[] = {CG_CODEC_GZIP, CG_CODEC_ZSTD, CG_CODEC_NONE};
    for (int i = 0; i < 3; i++) {
        cg_codec_ctx *c;
        cg_err err;
        CHECK_EQ_INT(cg_codec_new(&c, codecs[i], 1, &err), CG_OK);
        unsigned char out[256];
        size_t on = 12345;
        CHECK_EQ_INT(cg_codec_compress(c, NULL, 0, out, sizeof out, &on, &err), CG_OK);
        if (codecs[i] == CG_CODEC_NONE) {
            CHECK_EQ_INT(on, 0);
        } else {
            CHECK(on > 0 && on <= cg_codec_bound(c, 0));
            char *d = NULL;
            size_t dn = 99;
            CHECK_EQ_INT(cg_codec_decompress_buf(out, on, codecs[i], "empty", &d, &dn, &err), CG_OK);
            CHECK_EQ_INT(dn, 0);
            free(d);
            char path[512], cmd[700];
            snprintf(path, sizeof path, "%s/empty%s", tmpdir, cg_codec_ext(codecs[i]));
            FILE *f = fopen(path, "wb");
            fwrite(out, 1, on, f);
            fclose(f);
            snprintf(cmd, sizeof cmd, "%s -dc '%s'", cg_codec_name(codecs[i]), path);
            char *t = run_capture(cmd, &dn);
            CHECK_MSG(t != NULL, "%s failed", cmd);
            CHECK_EQ_INT(t ? dn : 99, 0);
            free(t);
            unlink(path);
        }
        cg_codec_free(c);
    }
}

/* Same input and level give the same bytes, from fresh and reused contexts. */
static void test_determinism(void)
{
    int codecs[] = {CG_CODEC_GZIP, CG_CODEC_ZSTD};
    char *text = make_text(500000, 7);
    char *other = make_text(300000, 8);
    for (int i = 0; i < 2; i++) {
        cg_codec_ctx *a, *b;
        cg_err err;
        CHECK_EQ_INT(cg_codec_new(&a, codecs[i], 3, &err), CG_OK);
        CHECK_EQ_INT(cg_codec_new(&b, codecs[i], 3, &err), CG_OK);
        size_t cap = cg_codec_bound(a, 500000);
        char *o1 = malloc(cap), *o2 = malloc(cap), *o3 = malloc(cap);
        size_t n1, n2, n3;
        CHECK_EQ_INT(cg_codec_compress(a, text, 500000, o1, cap, &n1, &err), CG_OK);
        /* b compresses something else first: state must not leak into frames */
        CHECK_EQ_INT(cg_codec_compress(b, other, 300000, o2, cap, &n2, &err), CG_OK);
        CHECK_EQ_INT(cg_codec_compress(b, text, 500000, o2, cap, &n2, &err), CG_OK);
        CHECK_EQ_INT(cg_codec_compress(a, text, 500000, o3, cap, &n3, &err), CG_OK);
        CHECK_EQ_INT(n1, n2);
        CHECK_EQ_INT(n1, n3);
        CHECK(n1 == n2 && memcmp(o1, o2, n1) == 0);
        CHECK(n1 == n3 && memcmp(o1, o3, n1) == 0);
        free(o1);
        free(o2);
        free(o3);
        cg_codec_free(a);
        cg_codec_free(b);
    }
    free(text);
    free(other);
}

/* Incompressible input fits in cg_codec_bound; a smaller buffer is an error, not an overflow. */
static void test_bound_and_small_buffer(void)
{
    size_t n = 200000;
    unsigned char *in = malloc(n);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        in[i] = (unsigned char)x;
    }
    int codecs[] = {CG_CODEC_GZIP, CG_CODEC_ZSTD, CG_CODEC_NONE};
    for (int i = 0; i < 3; i++) {
        cg_codec_ctx *c;
        cg_err err;
        CHECK_EQ_INT(cg_codec_new(&c, codecs[i], 1, &err), CG_OK);
        size_t cap = cg_codec_bound(c, n);
        CHECK(cap >= n);
        unsigned char *out = malloc(cap);
        size_t on;
        CHECK_EQ_INT(cg_codec_compress(c, in, n, out, cap, &on, &err), CG_OK);
        CHECK(on <= cap);
        char *d = NULL;
        size_t dn = 0;
        CHECK_EQ_INT(cg_codec_decompress_buf(out, on, codecs[i], "rand", &d, &dn, &err), CG_OK);
        CHECK(dn == n && memcmp(d, in, n) == 0);
        free(d);
        CHECK_EQ_INT(cg_codec_compress(c, in, n, out, n / 2, &on, &err), CG_ERUNTIME);
        CHECK(strstr(err.msg, "too small") != NULL);
        free(out);
        cg_codec_free(c);
    }
    free(in);
}

static void test_levels(void)
{
    cg_codec_ctx *c = (cg_codec_ctx *)&c;
    cg_err err;
    int bad_gz[] = {0, -1, 13, 100};
    for (int i = 0; i < 4; i++) {
        CHECK_EQ_INT(cg_codec_new(&c, CG_CODEC_GZIP, bad_gz[i], &err), CG_EUSAGE);
        CHECK(c == NULL);
        CHECK(strstr(err.msg, "--compression-level") != NULL);
        CHECK(strstr(err.msg, "1-12") != NULL);
    }
    int bad_zs[] = {0, -5, 20, 22};
    for (int i = 0; i < 4; i++) {
        CHECK_EQ_INT(cg_codec_new(&c, CG_CODEC_ZSTD, bad_zs[i], &err), CG_EUSAGE);
        CHECK(strstr(err.msg, "--compression-level") != NULL);
        CHECK(strstr(err.msg, "1-19") != NULL);
    }
    for (int l = 1; l <= 12; l++) {
        CHECK_EQ_INT(cg_codec_new(&c, CG_CODEC_GZIP, l, &err), CG_OK);
        cg_codec_free(c);
    }
    CHECK_EQ_INT(cg_codec_new(&c, CG_CODEC_ZSTD, 19, &err), CG_OK);
    cg_codec_free(c);
    CHECK_EQ_INT(cg_codec_new(&c, CG_CODEC_NONE, -7, &err), CG_OK);
    CHECK_EQ_INT(cg_codec_codec(c), CG_CODEC_NONE);
    cg_codec_free(c);
    CHECK_EQ_INT(cg_codec_new(&c, 9, 1, &err), CG_EUSAGE);
}

static void test_names(void)
{
    CHECK_EQ_STR(cg_codec_ext(CG_CODEC_GZIP), ".gz");
    CHECK_EQ_STR(cg_codec_ext(CG_CODEC_ZSTD), ".zst");
    CHECK_EQ_STR(cg_codec_ext(CG_CODEC_NONE), "");
    CHECK_EQ_STR(cg_codec_name(CG_CODEC_GZIP), "gzip");
    CHECK_EQ_STR(cg_codec_name(CG_CODEC_ZSTD), "zstd");
    CHECK_EQ_STR(cg_codec_name(CG_CODEC_NONE), "none");
    CHECK_EQ_INT(cg_codec_from_name("gzip"), CG_CODEC_GZIP);
    CHECK_EQ_INT(cg_codec_from_name("zstd"), CG_CODEC_ZSTD);
    CHECK_EQ_INT(cg_codec_from_name("none"), CG_CODEC_NONE);
    CHECK_EQ_INT(cg_codec_from_name("gz"), -1);
    CHECK_EQ_INT(cg_codec_from_name(""), -1);
}

/* Truncated, corrupted, empty and missing files are CG_ERUNTIME naming the file. */
static void test_corrupt(void)
{
    int codecs[] = {CG_CODEC_GZIP, CG_CODEC_ZSTD};
    char *text = make_text(100000, 3);
    for (int i = 0; i < 2; i++) {
        cg_codec_ctx *c;
        cg_err err;
        CHECK_EQ_INT(cg_codec_new(&c, codecs[i], 1, &err), CG_OK);
        size_t cap = cg_codec_bound(c, 100000) * 2;
        unsigned char *out = malloc(cap);
        size_t n1, n2;
        CHECK_EQ_INT(cg_codec_compress(c, text, 50000, out, cap, &n1, &err), CG_OK);
        CHECK_EQ_INT(cg_codec_compress(c, text + 50000, 50000, out + n1, cap - n1, &n2, &err), CG_OK);
        char *d = NULL;
        size_t dn = 0;
        /* cut inside the second member/frame */
        CHECK_EQ_INT(cg_codec_decompress_buf(out, n1 + n2 / 2, codecs[i], "cut.file", &d, &dn, &err),
                     CG_ERUNTIME);
        CHECK(d == NULL);
        CHECK_MSG(strstr(err.msg, "cut.file") != NULL, "%s", err.msg);
        /* cut just before the checksum/trailer */
        CHECK_EQ_INT(cg_codec_decompress_buf(out, n1 + n2 - 1, codecs[i], "cut1", &d, &dn, &err),
                     CG_ERUNTIME);
        /* flip a byte in the middle of the first member/frame's payload */
        out[n1 / 2] ^= 0x55;
        CHECK_EQ_INT(cg_codec_decompress_buf(out, n1 + n2, codecs[i], "flip", &d, &dn, &err),
                     CG_ERUNTIME);
        out[n1 / 2] ^= 0x55;
        /* trailing garbage after complete members/frames */
        memcpy(out + n1 + n2, "garbage!", 8);
        CHECK_EQ_INT(cg_codec_decompress_buf(out, n1 + n2 + 8, codecs[i], "trail", &d, &dn, &err),
                     CG_ERUNTIME);
        /* and the intact buffer still decodes */
        CHECK_EQ_INT(cg_codec_decompress_buf(out, n1 + n2, codecs[i], "ok", &d, &dn, &err), CG_OK);
        CHECK(dn == 100000 && memcmp(d, text, dn) == 0);
        free(d);
        CHECK_EQ_INT(cg_codec_decompress_buf(out, 0, codecs[i], "empty.gz", &d, &dn, &err), CG_ERUNTIME);
        CHECK(strstr(err.msg, "empty.gz: empty") != NULL);
        free(out);
        cg_codec_free(c);
    }
    free(text);
    char path[512];
    snprintf(path, sizeof path, "%s/does-not-exist.gz", tmpdir);
    char *d = NULL;
    size_t dn;
    cg_err err;
    CHECK_EQ_INT(cg_codec_decompress_file(path, CG_CODEC_GZIP, &d, &dn, &err), CG_ERUNTIME);
    CHECK(strstr(err.msg, path) != NULL && strstr(err.msg, "No such file") != NULL);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s/cg-codec.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN_TEST(test_names);
    RUN_TEST(test_levels);
    RUN_TEST(test_gzip_round_trip);
    RUN_TEST(test_zstd_round_trip);
    RUN_TEST(test_none_round_trip);
    RUN_TEST(test_empty_input);
    RUN_TEST(test_determinism);
    RUN_TEST(test_bound_and_small_buffer);
    RUN_TEST(test_corrupt);
    rmdir(tmpdir);
    TEST_REPORT();
}
