/* Tests for io/arrow: round trips through the writer and reader, and every
 * rejection the reader promises, on hand-corrupted copies of a small file
 * (located with the FlatBuffers reader so the patches hit the right field). */
#include <dirent.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/arrow.h"
#include "io/flatbuf.h"
#include "testhelp.h"

static char dir[] = "/tmp/cg-test-arrow.XXXXXX";
static char path[512];
static uint8_t *good; /* the small reference file */
static size_t good_len;

static void event(uint64_t i, cg_sub_event *ev)
{
    ev->ts_ms = 1704067200000 + (int64_t)i * 7;
    ev->type = (uint8_t)(i % 5);
    ev->imsi = 262011000000000ULL + i * 3;
    ev->msisdn = i % 9 == 4 ? 0 : 4915100000000ULL + i;
    ev->imei = i % 13 == 6 ? 0 : 350000000000000ULL + i;
    ev->mccmnc = 26201 + (uint32_t)(i % 4);
    if (i == 1)
        ev->imsi = UINT64_MAX;
}

static int write_rows(const char *p, uint64_t n, cg_err *err)
{
    cg_arrow_writer *w;
    int rc = cg_arrow_writer_open(&w, p, err);
    if (rc)
        return rc;
    /* Add in uneven chunks to cross batch boundaries mid-chunk. */
    cg_sub_event buf[777];
    for (uint64_t i = 0; i < n;) {
        size_t k = 0;
        for (; k < 777 && i < n; k++, i++)
            event(i, &buf[k]);
        if ((rc = cg_arrow_writer_add(w, buf, k, err))) {
            cg_arrow_writer_abort(w);
            return rc;
        }
    }
    return cg_arrow_writer_close(w, err);
}

static void test_roundtrip_250001(void)
{
    cg_err err = {0};
    snprintf(path, sizeof path, "%s/big.arrow", dir);
    CHECK_EQ_INT(write_rows(path, 250001, &err), CG_OK);
    cg_arrow_reader *r;
    CHECK_EQ_INT(cg_arrow_reader_open(&r, path, &err), CG_OK);
    if (!r) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK_EQ_INT(cg_arrow_reader_rows(r), 250001);
    CHECK_EQ_INT(cg_arrow_reader_nbatches(r), 3);
    CHECK_EQ_INT(cg_arrow_reader_batch_rows(r, 0), 100000);
    CHECK_EQ_INT(cg_arrow_reader_batch_rows(r, 2), 50001);
    CHECK_EQ_INT(cg_arrow_reader_batch_first_row(r, 2), 200000);
    uint64_t bad = 0, nulls = 0, i = 0;
    for (size_t b = 0; b < cg_arrow_reader_nbatches(r); b++)
        for (uint64_t k = 0; k < cg_arrow_reader_batch_rows(r, b); k++, i++) {
            cg_sub_event got, want;
            cg_arrow_reader_get(r, b, k, &got);
            event(i, &want);
            nulls += got.msisdn == 0;
            bad += got.ts_ms != want.ts_ms || got.type != want.type || got.imsi != want.imsi ||
                   got.msisdn != want.msisdn || got.imei != want.imei ||
                   got.mccmnc != want.mccmnc;
        }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(nulls, (250001 + 4) / 9); /* rows with i % 9 == 4 */
    cg_arrow_reader_close(r);
    CHECK_EQ_INT(th_count_entries(dir), 1); /* no temp file left behind */
    unlink(path);
}

static void test_empty_file(void)
{
    cg_err err = {0};
    snprintf(path, sizeof path, "%s/empty.arrow", dir);
    CHECK_EQ_INT(write_rows(path, 0, &err), CG_OK);
    cg_arrow_reader *r;
    CHECK_EQ_INT(cg_arrow_reader_open(&r, path, &err), CG_OK);
    if (r) {
        CHECK_EQ_INT(cg_arrow_reader_rows(r), 0);
        CHECK_EQ_INT(cg_arrow_reader_nbatches(r), 0);
        cg_arrow_reader_close(r);
    }
    unlink(path);
}

static void test_abort_leaves_nothing(void)
{
    cg_err err = {0};
    cg_arrow_writer *w;
    snprintf(path, sizeof path, "%s/aborted.arrow", dir);
    CHECK_EQ_INT(cg_arrow_writer_open(&w, path, &err), CG_OK);
    cg_sub_event ev;
    event(0, &ev);
    CHECK_EQ_INT(cg_arrow_writer_add(w, &ev, 1, &err), CG_OK);
    cg_arrow_writer_abort(w);
    CHECK_EQ_INT(th_count_entries(dir), 0);
    CHECK_EQ_INT(cg_arrow_reader_open(&(cg_arrow_reader *){0}, path, &err), CG_ERUNTIME);
    CHECK(strstr(err.msg, "aborted.arrow: cannot open") != NULL);
}

static void test_open_errors(void)
{
    cg_err err = {0};
    cg_arrow_reader *r;
    CHECK_EQ_INT(cg_arrow_writer_open(&(cg_arrow_writer *){0}, "/nonexistent-dir/x.arrow", &err),
                 CG_ERUNTIME);
    CHECK(strstr(err.msg, "/nonexistent-dir/x.arrow") != NULL);
    snprintf(path, sizeof path, "%s/short.arrow", dir);
    FILE *f = fopen(path, "wb");
    fputs("ARROW1\0", f);
    fclose(f);
    CHECK_EQ_INT(cg_arrow_reader_open(&r, path, &err), CG_ERUNTIME);
    CHECK(strstr(err.msg, "short.arrow: truncated") != NULL);
    unlink(path);
}

/* ---- corruption helpers: find fields of the reference file ---- */

static cg_fb_buf fbuf, mbuf;

static cg_fb_table footer_of(uint8_t *p, size_t len)
{
    int32_t fl;
    memcpy(&fl, p + len - 10, 4);
    fbuf.p = p + len - 10 - fl;
    fbuf.len = (size_t)fl;
    cg_fb_table t;
    memset(&t, 0, sizeof t);
    CHECK_EQ_INT(cg_fb_root(&fbuf, &t), 0);
    return t;
}

/* Pointer to the vtable slot of field id, and to the field's bytes. */
static uint8_t *slot(const cg_fb_table *t, int id) { return (uint8_t *)t->b->p + t->vt + 4 + 2 * id; }
static uint8_t *fld(const cg_fb_table *t, int id)
{
    uint16_t off;
    memcpy(&off, slot(t, id), 2);
    CHECK(off != 0);
    return (uint8_t *)t->b->p + t->pos + off;
}

static cg_fb_table sub(const cg_fb_table *t, int id)
{
    cg_fb_table s;
    int present = 0;
    memset(&s, 0, sizeof s);
    CHECK_EQ_INT(cg_fb_table_field(t, id, &s, &present), 0);
    CHECK(present);
    return s;
}

static cg_fb_table column(uint8_t *p, size_t len, int c)
{
    cg_fb_table ft = footer_of(p, len), schema = sub(&ft, 1), field;
    cg_fb_vec fields;
    int present;
    memset(&field, 0, sizeof field);
    CHECK_EQ_INT(cg_fb_vec_field(&schema, 1, 4, &fields, &present), 0);
    CHECK_EQ_INT(cg_fb_vec_table(&fields, (uint32_t)c, &field), 0);
    return field;
}

static uint8_t *block(uint8_t *p, size_t len, int id_vec)
{
    cg_fb_table ft = footer_of(p, len);
    uint32_t off;
    uint8_t *at = fld(&ft, id_vec);
    memcpy(&off, at, 4);
    return at + off; /* vector: count, then 24-byte Blocks */
}

/* Message and RecordBatch tables of batch 0. */
static void batch0(uint8_t *p, size_t len, cg_fb_table *msg, cg_fb_table *rb)
{
    int64_t off;
    memcpy(&off, block(p, len, 3) + 4, 8);
    uint32_t mlen;
    memcpy(&mlen, p + off + 4, 4);
    mbuf.p = p + off + 8;
    mbuf.len = mlen;
    CHECK_EQ_INT(cg_fb_root(&mbuf, msg), 0);
    *rb = sub(msg, 2);
}

static uint8_t *vec_elem(const cg_fb_table *t, int id, size_t size, int i)
{
    uint32_t off;
    uint8_t *at = fld(t, id);
    memcpy(&off, at, 4);
    return at + off + 4 + size * (size_t)i;
}

static void put64(uint8_t *p, int64_t v) { memcpy(p, &v, 8); }
static void put32(uint8_t *p, int32_t v) { memcpy(p, &v, 4); }
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

/* Opens a corrupted copy and checks the error names the file and has frag. */
static void expect_reject(const uint8_t *p, size_t len, const char *frag, int line)
{
    cg_err err = {0};
    cg_arrow_reader *r = NULL;
    int rc = cg_arrow_reader_open_mem(&r, p, len, "t.arrow", &err);
    CHECK_MSG(rc == CG_ERUNTIME && r == NULL, "line %d: accepted (wanted '%s')", line, frag);
    CHECK_MSG(strncmp(err.msg, "t.arrow: ", 9) == 0 && strstr(err.msg, frag) != NULL &&
                  strchr(err.msg, '\n') == NULL,
              "line %d: got '%s', wanted '%s'", line, err.msg, frag);
    cg_arrow_reader_close(r);
}

#define CORRUPT_CASE(frag, ...)                                                                   \
    do {                                                                                          \
        uint8_t *p = malloc(good_len);                                                            \
        size_t len = good_len;                                                                    \
        memcpy(p, good, good_len);                                                                \
        (void)len;                                                                                \
        __VA_ARGS__;                                                                              \
        expect_reject(p, len, frag, __LINE__);                                                    \
        free(p);                                                                                  \
    } while (0)

static void test_reference_file_ok(void)
{
    cg_err err = {0};
    cg_arrow_reader *r = NULL;
    CHECK_EQ_INT(cg_arrow_reader_open_mem(&r, good, good_len, "t.arrow", &err), CG_OK);
    if (!r)
        return;
    CHECK_EQ_INT(cg_arrow_reader_rows(r), 20);
    cg_sub_event ev;
    cg_arrow_reader_get(r, 0, 4, &ev);
    CHECK_EQ_INT(ev.msisdn, 0);
    cg_arrow_reader_get(r, 0, 6, &ev);
    CHECK_EQ_INT(ev.imei, 0);
    CHECK(ev.msisdn == 4915100000006ULL);
    cg_arrow_reader_get(r, 0, 1, &ev);
    CHECK(ev.imsi == UINT64_MAX);
    cg_arrow_reader_close(r);
}

static void test_reject_framing(void)
{
    CORRUPT_CASE("no ARROW1 magic at the start", p[0] = 'X');
    CORRUPT_CASE("no ARROW1 magic at the end", p[len - 1] = 'X');
    CORRUPT_CASE("no ARROW1 magic at the end", len -= 1);
    CORRUPT_CASE("truncated", len = 12);
    CORRUPT_CASE("footer size", put32(p + len - 10, (int32_t)len));
    CORRUPT_CASE("footer size -5", put32(p + len - 10, -5));
    CORRUPT_CASE("footer size", put32(p + len - 10, INT32_MAX));
}

static void test_reject_schema(void)
{
    CORRUPT_CASE("column 'imsi' has type Int(32, signed), expected UInt64", {
        cg_fb_table f = column(p, len, 2), ty = sub(&f, 3);
        put32(fld(&ty, 0), 32);
        fld(&ty, 1)[0] = 1;
    });
    CORRUPT_CASE("column 'timestamp_ms' has type Int(64, unsigned), expected Int64", {
        cg_fb_table f = column(p, len, 0), ty = sub(&f, 3);
        fld(&ty, 1)[0] = 0;
    });
    CORRUPT_CASE("column 'mccmnc' has type Utf8, expected UInt32", {
        cg_fb_table f = column(p, len, 5);
        fld(&f, 2)[0] = 5;
    });
    CORRUPT_CASE("column 3 is named 'imsx', expected 'imsi'", {
        cg_fb_table f = column(p, len, 2);
        uint32_t off;
        memcpy(&off, fld(&f, 0), 4);
        fld(&f, 0)[off + 4 + 3] = 'x';
    });
    CORRUPT_CASE("schema has 5 columns", {
        cg_fb_table ft = footer_of(p, len), s = sub(&ft, 1);
        uint32_t off;
        memcpy(&off, fld(&s, 1), 4);
        put32(fld(&s, 1) + off, 5);
    });
    CORRUPT_CASE("big-endian", {
        /* Endianness is absent (Little by default): point its slot at the
         * non-zero fields offset. */
        cg_fb_table ft = footer_of(p, len), s = sub(&ft, 1);
        memcpy(slot(&s, 0), slot(&s, 1), 2);
    });
    CORRUPT_CASE("column 'event_type' is dictionary-encoded", {
        cg_fb_table f = column(p, len, 1);
        memcpy(slot(&f, 4), slot(&f, 3), 2);
    });
    CORRUPT_CASE("unsupported metadata version 3", {
        cg_fb_table ft = footer_of(p, len);
        put16(fld(&ft, 0), 2);
    });
    CORRUPT_CASE("dictionary batches are not supported", put32(block(p, len, 2), 1));
    CORRUPT_CASE("corrupt footer metadata", {
        cg_fb_table ft = footer_of(p, len);
        put32((uint8_t *)ft.b->p + ft.pos, -100000); /* vtable outside */
    });
}

static void test_reject_batches(void)
{
    cg_fb_table msg, rb;
    CORRUPT_CASE("lies outside the file", put64(block(p, len, 3) + 4, (int64_t)len));
    CORRUPT_CASE("lies outside the file", put64(block(p, len, 3) + 4 + 16, INT64_MAX));
    CORRUPT_CASE("lies outside the file", put32(block(p, len, 3) + 4 + 8, -8));
    CORRUPT_CASE("record batch message has unsupported metadata version 2", {
        batch0(p, len, &msg, &rb);
        put16(fld(&msg, 0), 1);
    });
    CORRUPT_CASE("dictionary batches are not supported", {
        batch0(p, len, &msg, &rb);
        fld(&msg, 1)[0] = 2;
    });
    CORRUPT_CASE("holds message type 1", {
        batch0(p, len, &msg, &rb);
        fld(&msg, 1)[0] = 1;
    });
    CORRUPT_CASE("column 'timestamp_ms' has 20 rows, the batch says 21", {
        batch0(p, len, &msg, &rb);
        put64(fld(&rb, 0), 21);
    });
    CORRUPT_CASE("column 'imsi' must not be null but has 1 nulls", {
        batch0(p, len, &msg, &rb);
        put64(vec_elem(&rb, 1, 16, 2) + 8, 1);
    });
    CORRUPT_CASE("column 'msisdn' has an impossible null count 21", {
        batch0(p, len, &msg, &rb);
        put64(vec_elem(&rb, 1, 16, 3) + 8, 21);
    });
    CORRUPT_CASE("column 'mccmnc' values buffer (offset 9223372036854775807", {
        batch0(p, len, &msg, &rb);
        put64(vec_elem(&rb, 2, 16, 11), INT64_MAX);
    });
    CORRUPT_CASE("does not fit in the", {
        batch0(p, len, &msg, &rb);
        put64(vec_elem(&rb, 2, 16, 1) + 8, INT64_MAX);
    });
    CORRUPT_CASE("column 'event_type' values buffer has 1 bytes, 20 rows need 20", {
        batch0(p, len, &msg, &rb);
        put64(vec_elem(&rb, 2, 16, 3) + 8, 1);
    });
    CORRUPT_CASE("column 'msisdn' validity bitmap has 0 bytes", {
        batch0(p, len, &msg, &rb);
        put64(vec_elem(&rb, 2, 16, 6) + 8, 0);
    });
    CORRUPT_CASE("body length", {
        batch0(p, len, &msg, &rb);
        put64(fld(&msg, 3), 1 << 20);
    });
    CORRUPT_CASE("BodyCompression", {
        /* Grow the vtable by one slot (id 3) pointing at the length field:
         * the two bytes after it are padding or the table's soffset. */
        batch0(p, len, &msg, &rb);
        uint8_t *vt = (uint8_t *)rb.b->p + rb.vt;
        put16(vt, 12);
        if (vt[10] == 0 && vt[11] == 0)
            put16(vt + 10, 8);
    });
    CORRUPT_CASE("field nodes", {
        batch0(p, len, &msg, &rb);
        uint32_t off;
        memcpy(&off, fld(&rb, 1), 4);
        put32(fld(&rb, 1) + off, 5);
    });
}

/* Every truncation and every single-bit flip must be handled without
 * reading out of bounds (run under ASan by `make asan`). */
static void test_all_truncations_and_bitflips(void)
{
    cg_err err;
    uint8_t *p = malloc(good_len);
    int accepted_trunc = 0;
    for (size_t l = 0; l < good_len; l++) {
        uint8_t *q = malloc(l ? l : 1);
        memcpy(q, good, l);
        cg_arrow_reader *r = NULL;
        accepted_trunc += cg_arrow_reader_open_mem(&r, q, l, "t.arrow", &err) == CG_OK;
        cg_arrow_reader_close(r);
        free(q);
    }
    CHECK_EQ_INT(accepted_trunc, 0);
    uint64_t read_rows = 0;
    for (size_t i = 0; i < good_len; i++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy(p, good, good_len);
            p[i] ^= (uint8_t)(1u << bit);
            cg_arrow_reader *r = NULL;
            if (cg_arrow_reader_open_mem(&r, p, good_len, "t.arrow", &err) == CG_OK) {
                for (size_t b = 0; b < cg_arrow_reader_nbatches(r); b++)
                    for (uint64_t k = 0; k < cg_arrow_reader_batch_rows(r, b); k++) {
                        cg_sub_event ev;
                        cg_arrow_reader_get(r, b, k, &ev);
                        read_rows++;
                    }
                cg_arrow_reader_close(r);
            } else {
                CHECK(strncmp(err.msg, "t.arrow: ", 9) == 0);
            }
        }
    CHECK(read_rows > 0); /* flips in the data are accepted and read */
    free(p);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    cg_err err = {0};
    snprintf(path, sizeof path, "%s/small.arrow", dir);
    if (write_rows(path, 20, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    FILE *f = fopen(path, "rb");
    struct stat st;
    stat(path, &st);
    good_len = (size_t)st.st_size;
    good = malloc(good_len);
    if (!f || fread(good, 1, good_len, f) != good_len)
        return 1;
    fclose(f);
    unlink(path);

    RUN_TEST(test_roundtrip_250001);
    RUN_TEST(test_empty_file);
    RUN_TEST(test_abort_leaves_nothing);
    RUN_TEST(test_open_errors);
    RUN_TEST(test_reference_file_ok);
    RUN_TEST(test_reject_framing);
    RUN_TEST(test_reject_schema);
    RUN_TEST(test_reject_batches);
    RUN_TEST(test_all_truncations_and_bitflips);
    free(good);
    rmdir(dir);
    TEST_REPORT();
}
