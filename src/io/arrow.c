/* Arrow IPC file writer and reader for the subscriber-database schema (see
 * arrow.h). Metadata is FlatBuffers (io/flatbuf.h); field ids follow the
 * Arrow format files Schema.fbs, Message.fbs and File.fbs. */
#include "io/arrow.h"
#include "core/mem.h"
#include "io/afile.h"
#include "io/mapguard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/flatbuf.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "arrow.c writes and reads column buffers in host order: little-endian hosts only"
#endif

/* FlatBuffers field ids and enum values from the Arrow format. */
enum {
    MD_V4 = 3, MD_V5 = 4,                          /* MetadataVersion */
    HDR_SCHEMA = 1, HDR_DICT = 2, HDR_BATCH = 3,   /* MessageHeader */
    TYPE_INT = 2,                                  /* Type union */
    MSG_VERSION = 0, MSG_HEADER_TYPE = 1, MSG_HEADER = 2, MSG_BODYLEN = 3,
    FOOTER_VERSION = 0, FOOTER_SCHEMA = 1, FOOTER_DICTS = 2, FOOTER_BATCHES = 3,
    SCHEMA_ENDIAN = 0, SCHEMA_FIELDS = 1,
    FIELD_NAME = 0, FIELD_NULLABLE = 1, FIELD_TYPE_TYPE = 2, FIELD_TYPE = 3,
    FIELD_DICT = 4, FIELD_CHILDREN = 5,
    INT_BITWIDTH = 0, INT_SIGNED = 1,
    RB_LENGTH = 0, RB_NODES = 1, RB_BUFFERS = 2, RB_COMPRESSION = 3
};

#define NCOLS 6
#define BLOCK_SIZE 24 /* struct Block { long offset; int metaDataLength; pad; long bodyLength; } */
#define NODE_SIZE 16  /* struct FieldNode { long length; long null_count; } */
#define BUF_SIZE 16   /* struct Buffer { long offset; long length; } */

static const struct col {
    const char *name;
    int bytes;
    int is_signed;
    int nullable;
    const char *tname;
} COLS[NCOLS] = {
    {"timestamp_ms", 8, 1, 0, "Int64"},
    {"event_type", 1, 0, 0, "UInt8"},
    {"imsi", 8, 0, 0, "UInt64"},
    {"msisdn", 8, 0, 1, "UInt64"},
    {"imei", 8, 0, 1, "UInt64"},
    {"mccmnc", 4, 0, 0, "UInt32"},
};

static const char MAGIC[6] = {'A', 'R', 'R', 'O', 'W', '1'};

/* ======================================================================
 * Writer
 * ====================================================================== */

struct cg_arrow_writer {
    FILE *f;      /* buffered writes to af's file (a second descriptor) */
    cg_afile af;  /* the temporary file, renamed into place by close */
    char *path;
    uint64_t off; /* bytes written so far */
    size_t n;     /* rows buffered */
    int failed;   /* a write failed: only abort is allowed now */
    int64_t *ts;
    uint8_t *type;
    uint64_t *imsi, *msisdn, *imei;
    uint32_t *mccmnc;
    uint8_t *bitmap; /* scratch validity bitmap */
    struct {
        int64_t offset, body;
        int32_t meta;
    } *blocks;
    size_t nblocks, capblocks;
    cg_fb_builder fb;
};

static void writer_free(cg_arrow_writer *w)
{
    if (w->f)
        fclose(w->f);
    cg_afile_abort(&w->af);
    free(w->path);
    free(w->ts);
    free(w->type);
    free(w->imsi);
    free(w->msisdn);
    free(w->imei);
    free(w->mccmnc);
    free(w->bitmap);
    free(w->blocks);
    cg_fb_builder_free(&w->fb);
    free(w);
}

void cg_arrow_writer_abort(cg_arrow_writer *w)
{
    if (!w)
        return;
    if (w->f) {
        fclose(w->f);
        w->f = NULL;
    }
    writer_free(w); /* removes the temporary file */
}

static int wr(cg_arrow_writer *w, const void *p, size_t n, cg_err *err)
{
    if (n && fwrite(p, 1, n, w->f) != n)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: write failed", w->path);
    w->off += n;
    return CG_OK;
}

static int wr_pad(cg_arrow_writer *w, size_t n, cg_err *err)
{
    static const uint8_t zero[8];
    size_t pad = (8 - n % 8) % 8;
    return wr(w, zero, pad, err);
}

/* Schema table with its six fields; returns its position in w->fb. */
static size_t build_schema(cg_fb_builder *b)
{
    size_t fpos;
    cg_fb_field sf[] = {{SCHEMA_FIELDS, 4, 0}};
    size_t schema = cg_fb_add_table(b, sf, 1, &fpos);
    size_t vec = cg_fb_add_vec(b, NCOLS, 4, 4, NULL);
    cg_fb_patch(b, fpos, vec);
    for (int c = 0; c < NCOLS; c++) {
        size_t pos[5];
        cg_fb_field ff[] = {
            {FIELD_NAME, 4, 0},
            {FIELD_NULLABLE, 1, (uint64_t)COLS[c].nullable},
            {FIELD_TYPE_TYPE, 1, TYPE_INT},
            {FIELD_TYPE, 4, 0},
            {FIELD_CHILDREN, 4, 0},
        };
        size_t field = cg_fb_add_table(b, ff, 5, pos);
        cg_fb_patch(b, vec + 4 + 4 * (size_t)c, field);
        cg_fb_patch(b, pos[0], cg_fb_add_string(b, COLS[c].name));
        cg_fb_field it[] = {{INT_BITWIDTH, 4, (uint64_t)COLS[c].bytes * 8},
                            {INT_SIGNED, 1, (uint64_t)COLS[c].is_signed}};
        cg_fb_patch(b, pos[3], cg_fb_add_table(b, it, 2, NULL));
        /* C++ Arrow rejects a Field whose children vector is absent. */
        cg_fb_patch(b, pos[4], cg_fb_add_vec(b, 0, 4, 4, NULL));
    }
    return schema;
}

/* Writes one framed message (continuation, length, w->fb) and returns its
 * metadata length (framing included). */
static int write_message(cg_arrow_writer *w, int32_t *meta, cg_err *err)
{
    if (w->fb.oom)
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", w->path);
    cg_fb_finish(&w->fb);
    uint8_t head[8];
    cg_fb_put_u32(head, 0xFFFFFFFFu);
    cg_fb_put_u32(head + 4, (uint32_t)w->fb.len);
    int rc = wr(w, head, 8, err);
    if (!rc)
        rc = wr(w, w->fb.p, w->fb.len, err);
    *meta = (int32_t)(8 + w->fb.len);
    return rc;
}

static int write_schema_message(cg_arrow_writer *w, cg_err *err)
{
    cg_fb_builder *b = &w->fb;
    size_t root = cg_fb_start(b), pos[4];
    cg_fb_field mf[] = {{MSG_VERSION, 2, MD_V5}, {MSG_HEADER_TYPE, 1, HDR_SCHEMA},
                        {MSG_HEADER, 4, 0}, {MSG_BODYLEN, 8, 0}};
    size_t msg = cg_fb_add_table(b, mf, 4, pos);
    cg_fb_patch(b, root, msg);
    cg_fb_patch(b, pos[2], build_schema(b));
    int32_t meta;
    return write_message(w, &meta, err);
}

static const void *col_data(const cg_arrow_writer *w, int c)
{
    switch (c) {
    case 0: return w->ts;
    case 1: return w->type;
    case 2: return w->imsi;
    case 3: return w->msisdn;
    case 4: return w->imei;
    default: return w->mccmnc;
    }
}

static size_t pad8(size_t n) { return (n + 7) & ~(size_t)7; }

/* Writes the buffered rows as one record batch. */
static int flush_batch(cg_arrow_writer *w, cg_err *err)
{
    size_t n = w->n, nbm = (n + 7) / 8;
    int64_t nulls[NCOLS] = {0};
    for (size_t i = 0; i < n; i++) {
        nulls[3] += w->msisdn[i] == 0;
        nulls[4] += w->imei[i] == 0;
    }
    /* Body layout: per column, [validity if it has nulls] then values. */
    int64_t boff[2 * NCOLS], blen[2 * NCOLS], body = 0;
    for (int c = 0; c < NCOLS; c++) {
        boff[2 * c] = body;
        blen[2 * c] = nulls[c] ? (int64_t)nbm : 0;
        body += (int64_t)pad8((size_t)blen[2 * c]);
        boff[2 * c + 1] = body;
        blen[2 * c + 1] = (int64_t)n * COLS[c].bytes;
        body += (int64_t)pad8((size_t)blen[2 * c + 1]);
    }

    cg_fb_builder *b = &w->fb;
    size_t root = cg_fb_start(b), mpos[4], rpos[3];
    cg_fb_field mf[] = {{MSG_VERSION, 2, MD_V5}, {MSG_HEADER_TYPE, 1, HDR_BATCH},
                        {MSG_HEADER, 4, 0}, {MSG_BODYLEN, 8, (uint64_t)body}};
    cg_fb_patch(b, root, cg_fb_add_table(b, mf, 4, mpos));
    cg_fb_field rf[] = {{RB_LENGTH, 8, (uint64_t)n}, {RB_NODES, 4, 0}, {RB_BUFFERS, 4, 0}};
    cg_fb_patch(b, mpos[2], cg_fb_add_table(b, rf, 3, rpos));
    size_t nodes = cg_fb_add_vec(b, NCOLS, NODE_SIZE, 8, NULL);
    cg_fb_patch(b, rpos[1], nodes);
    for (int c = 0; c < NCOLS && !b->oom; c++) {
        cg_fb_put_u64(b->p + nodes + 4 + NODE_SIZE * (size_t)c, (uint64_t)n);
        cg_fb_put_u64(b->p + nodes + 4 + NODE_SIZE * (size_t)c + 8, (uint64_t)nulls[c]);
    }
    size_t bufs = cg_fb_add_vec(b, 2 * NCOLS, BUF_SIZE, 8, NULL);
    cg_fb_patch(b, rpos[2], bufs);
    for (int k = 0; k < 2 * NCOLS && !b->oom; k++) {
        cg_fb_put_u64(b->p + bufs + 4 + BUF_SIZE * (size_t)k, (uint64_t)boff[k]);
        cg_fb_put_u64(b->p + bufs + 4 + BUF_SIZE * (size_t)k + 8, (uint64_t)blen[k]);
    }

    void *blocks = cg_grow(w->blocks, &w->capblocks, w->nblocks + 1, sizeof *w->blocks);
    if (!blocks)
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", w->path);
    w->blocks = blocks;
    int64_t start = (int64_t)w->off;
    int32_t meta;
    int rc = write_message(w, &meta, err);
    for (int c = 0; c < NCOLS && !rc; c++) {
        if (blen[2 * c]) {
            const uint64_t *v = c == 3 ? w->msisdn : w->imei;
            memset(w->bitmap, 0, nbm);
            for (size_t i = 0; i < n; i++)
                if (v[i])
                    w->bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
            rc = wr(w, w->bitmap, nbm, err);
            if (!rc)
                rc = wr_pad(w, nbm, err);
        }
        if (!rc)
            rc = wr(w, col_data(w, c), (size_t)blen[2 * c + 1], err);
        if (!rc)
            rc = wr_pad(w, (size_t)blen[2 * c + 1], err);
    }
    if (rc)
        return rc;
    w->blocks[w->nblocks].offset = start;
    w->blocks[w->nblocks].meta = meta;
    w->blocks[w->nblocks].body = body;
    w->nblocks++;
    w->n = 0;
    return CG_OK;
}

int cg_arrow_writer_open(cg_arrow_writer **out, const char *path, cg_err *err)
{
    *out = NULL;
    cg_arrow_writer *w = calloc(1, sizeof *w);
    if (!w)
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", path);
    size_t N = CG_ARROW_BATCH_ROWS;
    w->path = strdup(path);
    w->ts = malloc(N * sizeof *w->ts);
    w->type = malloc(N);
    w->imsi = malloc(N * sizeof *w->imsi);
    w->msisdn = malloc(N * sizeof *w->msisdn);
    w->imei = malloc(N * sizeof *w->imei);
    w->mccmnc = malloc(N * sizeof *w->mccmnc);
    w->bitmap = malloc((N + 7) / 8);
    if (!w->path || !w->ts || !w->type || !w->imsi || !w->msisdn || !w->imei ||
        !w->mccmnc || !w->bitmap) {
        writer_free(w);
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", path);
    }
    /* Temp file in the same directory so the final rename is atomic. */
    int rc = cg_afile_open(&w->af, path, err);
    if (rc) {
        writer_free(w);
        return rc;
    }
    int fd = fcntl(w->af.fd, F_DUPFD_CLOEXEC, 0);
    w->f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!w->f) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        cg_arrow_writer_abort(w);
        return cg_err_errno(err, CG_ERUNTIME, e, "%s: cannot open", path);
    }
    static const uint8_t head[8] = {'A', 'R', 'R', 'O', 'W', '1', 0, 0};
    rc = wr(w, head, 8, err);
    if (!rc)
        rc = write_schema_message(w, err);
    if (rc) {
        cg_arrow_writer_abort(w);
        return rc;
    }
    *out = w;
    return CG_OK;
}

int cg_arrow_writer_add(cg_arrow_writer *w, const cg_sub_event *ev, size_t n, cg_err *err)
{
    if (w->failed)
        return cg_err_set(err, CG_ERUNTIME, "%s: writer used after a failed write", w->path);
    for (size_t i = 0; i < n; i++) {
        size_t k = w->n++;
        w->ts[k] = ev[i].ts_ms;
        w->type[k] = ev[i].type;
        w->imsi[k] = ev[i].imsi;
        w->msisdn[k] = ev[i].msisdn;
        w->imei[k] = ev[i].imei;
        w->mccmnc[k] = ev[i].mccmnc;
        if (w->n == CG_ARROW_BATCH_ROWS) {
            int rc = flush_batch(w, err);
            if (rc) {
                w->failed = 1;
                return rc;
            }
        }
    }
    return CG_OK;
}

static int write_footer(cg_arrow_writer *w, cg_err *err)
{
    cg_fb_builder *b = &w->fb;
    size_t root = cg_fb_start(b), pos[4];
    cg_fb_field ff[] = {{FOOTER_VERSION, 2, MD_V5}, {FOOTER_SCHEMA, 4, 0},
                        {FOOTER_DICTS, 4, 0}, {FOOTER_BATCHES, 4, 0}};
    cg_fb_patch(b, root, cg_fb_add_table(b, ff, 4, pos));
    cg_fb_patch(b, pos[1], build_schema(b));
    cg_fb_patch(b, pos[2], cg_fb_add_vec(b, 0, BLOCK_SIZE, 8, NULL));
    size_t vec = cg_fb_add_vec(b, (uint32_t)w->nblocks, BLOCK_SIZE, 8, NULL);
    cg_fb_patch(b, pos[3], vec);
    for (size_t i = 0; i < w->nblocks && !b->oom; i++) {
        uint8_t *p = b->p + vec + 4 + BLOCK_SIZE * i;
        cg_fb_put_u64(p, (uint64_t)w->blocks[i].offset);
        cg_fb_put_u32(p + 8, (uint32_t)w->blocks[i].meta);
        cg_fb_put_u64(p + 16, (uint64_t)w->blocks[i].body);
    }
    if (b->oom)
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", w->path);
    cg_fb_finish(b);
    uint8_t tail[10];
    cg_fb_put_u32(tail, (uint32_t)b->len);
    memcpy(tail + 4, MAGIC, 6);
    int rc = wr(w, b->p, b->len, err);
    return rc ? rc : wr(w, tail, sizeof tail, err);
}

int cg_arrow_writer_close(cg_arrow_writer *w, cg_err *err)
{
    static const uint8_t eos[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0};
    int rc = w->failed ? cg_err_set(err, CG_ERUNTIME, "%s: writer used after a failed write", w->path)
                       : w->n ? flush_batch(w, err) : CG_OK;
    if (!rc)
        rc = wr(w, eos, sizeof eos, err);
    if (!rc)
        rc = write_footer(w, err);
    if (!rc && (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0))
        rc = cg_err_errno(err, CG_ERUNTIME, errno, "%s: write failed", w->path);
    if (!rc) {
        int e = fclose(w->f);
        w->f = NULL;
        if (e != 0)
            rc = cg_err_errno(err, CG_ERUNTIME, errno, "%s: write failed", w->path);
    }
    if (!rc)
        rc = cg_afile_commit(&w->af, 0, err);
    if (rc) {
        cg_arrow_writer_abort(w);
        return rc;
    }
    writer_free(w);
    return CG_OK;
}

/* ======================================================================
 * Reader
 * ====================================================================== */

typedef struct rbatch {
    uint64_t rows, first;
    const uint8_t *val[NCOLS];
    const uint8_t *valid[NCOLS]; /* NULL: no nulls in this column */
} rbatch;

struct cg_arrow_reader {
    const uint8_t *p;
    size_t len;
    int mapped;
    rbatch *b;
    size_t nb;
    uint64_t rows;
};

/* Copies an untrusted name into out, clipped and with '?' for bytes that
 * are not printable ASCII, so error lines stay one readable line. */
static const char *clean(char *out, size_t cap, const char *s, uint32_t n)
{
    size_t k = 0;
    for (uint32_t i = 0; i < n && k + 4 < cap; i++)
        out[k++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (n > 0 && k < n && k + 4 >= cap) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
    return out;
}

static const char *type_name(uint8_t t)
{
    static const char *names[] = {
        "NONE", "Null", "Int", "FloatingPoint", "Binary", "Utf8", "Bool", "Decimal", "Date",
        "Time", "Timestamp", "Interval", "List", "Struct", "Union", "FixedSizeBinary",
        "FixedSizeList", "Map", "Duration", "LargeBinary", "LargeUtf8", "LargeList",
        "RunEndEncoded", "BinaryView", "Utf8View", "ListView", "LargeListView"};
    return t < sizeof names / sizeof *names ? names[t] : "unknown type";
}

static int check_version(const char *name, const char *what, int16_t v, cg_err *err)
{
    if (v < MD_V4 || v > MD_V5)
        return cg_err_set(err, CG_ERUNTIME,
                          "%s: %s has unsupported metadata version %d (need V4 or V5)", name,
                          what, v + 1);
    return CG_OK;
}

#define CORRUPT(what) cg_err_set(err, CG_ERUNTIME, "%s: corrupt %s metadata", name, what)

static int check_schema(const cg_fb_table *footer, const char *name, cg_err *err)
{
    cg_fb_table schema, field, type;
    cg_fb_vec fields, children;
    int present;
    char buf[80];
    if (cg_fb_table_field(footer, FOOTER_SCHEMA, &schema, &present))
        return CORRUPT("schema");
    if (!present)
        return cg_err_set(err, CG_ERUNTIME, "%s: footer has no schema", name);
    int16_t endian;
    if (cg_fb_i16(&schema, SCHEMA_ENDIAN, 0, &endian))
        return CORRUPT("schema");
    if (endian != 0)
        return cg_err_set(err, CG_ERUNTIME, "%s: big-endian schema is not supported", name);
    if (cg_fb_vec_field(&schema, SCHEMA_FIELDS, 4, &fields, &present))
        return CORRUPT("schema");
    if (fields.n != NCOLS)
        return cg_err_set(err, CG_ERUNTIME,
                          "%s: schema has %u columns, expected 6 (timestamp_ms, event_type, "
                          "imsi, msisdn, imei, mccmnc)",
                          name, fields.n);
    for (uint32_t c = 0; c < NCOLS; c++) {
        const char *s;
        uint32_t n;
        if (cg_fb_vec_table(&fields, c, &field) || cg_fb_str_field(&field, FIELD_NAME, &s, &n, &present))
            return CORRUPT("schema field");
        if (n != strlen(COLS[c].name) || memcmp(s, COLS[c].name, n) != 0)
            return cg_err_set(err, CG_ERUNTIME, "%s: column %u is named '%s', expected '%s'", name,
                              c + 1, clean(buf, sizeof buf, s, n), COLS[c].name);
        const char *cn = COLS[c].name;
        if (cg_fb_has(&field, FIELD_DICT))
            return cg_err_set(err, CG_ERUNTIME,
                              "%s: column '%s' is dictionary-encoded (not supported)", name, cn);
        uint8_t tt;
        if (cg_fb_u8(&field, FIELD_TYPE_TYPE, 0, &tt) ||
            cg_fb_table_field(&field, FIELD_TYPE, &type, &present))
            return CORRUPT("schema field");
        if (tt != TYPE_INT || !present)
            return cg_err_set(err, CG_ERUNTIME, "%s: column '%s' has type %s, expected %s", name,
                              cn, type_name(tt), COLS[c].tname);
        int32_t bits;
        uint8_t sgn;
        if (cg_fb_i32(&type, INT_BITWIDTH, 0, &bits) || cg_fb_u8(&type, INT_SIGNED, 0, &sgn))
            return CORRUPT("schema field");
        if (bits != COLS[c].bytes * 8 || (sgn != 0) != COLS[c].is_signed)
            return cg_err_set(err, CG_ERUNTIME,
                              "%s: column '%s' has type Int(%d, %s), expected %s", name, cn,
                              (int)bits, sgn ? "signed" : "unsigned", COLS[c].tname);
        if (cg_fb_vec_field(&field, FIELD_CHILDREN, 4, &children, &present))
            return CORRUPT("schema field");
        if (children.n)
            return cg_err_set(err, CG_ERUNTIME, "%s: column '%s' has child fields, expected %s",
                              name, cn, COLS[c].tname);
        /* Nullability is not compared: pyarrow and arrow-js mark every
         * column nullable by default. Nulls where we need values are
         * rejected per batch instead. */
    }
    return CG_OK;
}

/* Validates the message of block i and fills bt. end: first byte after
 * the last message (the footer starts there). */
static int check_batch(const cg_arrow_reader *r, const cg_fb_vec *blocks, uint32_t i, size_t end,
                       rbatch *bt, const char *name, cg_err *err)
{
    int64_t off = cg_fb_vec_i64(blocks, i, BLOCK_SIZE, 0);
    int32_t meta = cg_fb_vec_i32(blocks, i, BLOCK_SIZE, 8);
    int64_t blen = cg_fb_vec_i64(blocks, i, BLOCK_SIZE, 16);
    if (off < 8 || meta < 8 || blen < 0 || (uint64_t)off > end ||
        (uint64_t)meta > end - (uint64_t)off || (uint64_t)blen > end - (uint64_t)off - (uint64_t)meta)
        return cg_err_set(err, CG_ERUNTIME,
                          "%s: record batch %u (offset %lld, metadata %d, body %lld bytes) "
                          "lies outside the file",
                          name, i, (long long)off, (int)meta, (long long)blen);
    const uint8_t *m = r->p + off;
    uint32_t mlen, skip = 8;
    memcpy(&mlen, m, 4);
    if (mlen == 0xFFFFFFFFu)
        memcpy(&mlen, m + 4, 4);
    else
        skip = 4; /* pre-0.15 framing: no continuation marker */
    if (mlen == 0 || mlen > (uint32_t)meta - skip)
        return cg_err_set(err, CG_ERUNTIME,
                          "%s: record batch %u: message length %u does not fit its %d-byte block",
                          name, i, mlen, (int)meta);
    cg_fb_buf fb = {m + skip, mlen};
    cg_fb_table msg, rb;
    cg_fb_vec nodes, bufs;
    int16_t ver;
    uint8_t ht;
    int64_t mbody, length;
    int present;
    if (cg_fb_root(&fb, &msg) || cg_fb_i16(&msg, MSG_VERSION, 0, &ver) ||
        cg_fb_u8(&msg, MSG_HEADER_TYPE, 0, &ht) || cg_fb_i64(&msg, MSG_BODYLEN, 0, &mbody))
        return CORRUPT("record batch message");
    if (check_version(name, "record batch message", ver, err))
        return CG_ERUNTIME;
    if (ht == HDR_DICT)
        return cg_err_set(err, CG_ERUNTIME, "%s: dictionary batches are not supported", name);
    if (ht != HDR_BATCH)
        return cg_err_set(err, CG_ERUNTIME,
                          "%s: block %u holds message type %u, expected a RecordBatch", name, i,
                          ht);
    if (mbody < 0 || mbody > blen)
        return cg_err_set(err, CG_ERUNTIME,
                          "%s: record batch %u: body length %lld exceeds its block (%lld bytes)",
                          name, i, (long long)mbody, (long long)blen);
    if (cg_fb_table_field(&msg, MSG_HEADER, &rb, &present) || !present ||
        cg_fb_i64(&rb, RB_LENGTH, 0, &length) ||
        cg_fb_vec_field(&rb, RB_NODES, NODE_SIZE, &nodes, &present) ||
        cg_fb_vec_field(&rb, RB_BUFFERS, BUF_SIZE, &bufs, &present))
        return CORRUPT("record batch message");
    if (cg_fb_has(&rb, RB_COMPRESSION))
        return cg_err_set(err, CG_ERUNTIME,
                          "%s: record batch %u has compressed buffers (BodyCompression), "
                          "not supported",
                          name, i);
    if (length < 0 || (uint64_t)length > r->len)
        return cg_err_set(err, CG_ERUNTIME, "%s: record batch %u has impossible length %lld",
                          name, i, (long long)length);
    if (nodes.n != NCOLS || bufs.n != 2 * NCOLS)
        return cg_err_set(err, CG_ERUNTIME,
                          "%s: record batch %u has %u field nodes and %u buffers, expected 6 "
                          "and 12",
                          name, i, nodes.n, bufs.n);
    const uint8_t *body = m + meta;
    bt->rows = (uint64_t)length;
    for (uint32_t c = 0; c < NCOLS; c++) {
        const char *cn = COLS[c].name;
        int64_t nlen = cg_fb_vec_i64(&nodes, c, NODE_SIZE, 0);
        int64_t nulls = cg_fb_vec_i64(&nodes, c, NODE_SIZE, 8);
        if (nlen != length)
            return cg_err_set(err, CG_ERUNTIME,
                              "%s: record batch %u: column '%s' has %lld rows, the batch says "
                              "%lld",
                              name, i, cn, (long long)nlen, (long long)length);
        if (nulls < 0 || nulls > length)
            return cg_err_set(err, CG_ERUNTIME,
                              "%s: record batch %u: column '%s' has an impossible null count "
                              "%lld",
                              name, i, cn, (long long)nulls);
        if (nulls && !COLS[c].nullable)
            return cg_err_set(err, CG_ERUNTIME,
                              "%s: record batch %u: column '%s' must not be null but has %lld "
                              "nulls",
                              name, i, cn, (long long)nulls);
        int64_t bo[2], bl[2];
        for (int k = 0; k < 2; k++) {
            bo[k] = cg_fb_vec_i64(&bufs, 2 * c + (uint32_t)k, BUF_SIZE, 0);
            bl[k] = cg_fb_vec_i64(&bufs, 2 * c + (uint32_t)k, BUF_SIZE, 8);
            if (bo[k] < 0 || bl[k] < 0 || bo[k] > mbody || bl[k] > mbody - bo[k])
                return cg_err_set(err, CG_ERUNTIME,
                                  "%s: record batch %u: column '%s' %s buffer (offset %lld, "
                                  "length %lld) does not fit in the %lld-byte body",
                                  name, i, cn, k ? "values" : "validity", (long long)bo[k],
                                  (long long)bl[k], (long long)mbody);
        }
        uint64_t need = (uint64_t)length * (uint64_t)COLS[c].bytes;
        if ((uint64_t)bl[1] < need)
            return cg_err_set(err, CG_ERUNTIME,
                              "%s: record batch %u: column '%s' values buffer has %lld bytes, "
                              "%lld rows need %llu",
                              name, i, cn, (long long)bl[1], (long long)length,
                              (unsigned long long)need);
        if (nulls && (uint64_t)bl[0] < ((uint64_t)length + 7) / 8)
            return cg_err_set(err, CG_ERUNTIME,
                              "%s: record batch %u: column '%s' validity bitmap has %lld bytes, "
                              "%lld rows need %llu",
                              name, i, cn, (long long)bl[0], (long long)length,
                              (unsigned long long)((uint64_t)length + 7) / 8);
        bt->val[c] = body + bo[1];
        bt->valid[c] = nulls ? body + bo[0] : NULL;
    }
    return CG_OK;
}

static int validate(cg_arrow_reader *r, const char *name, cg_err *err)
{
    size_t len = r->len;
    if (len >= 6 && memcmp(r->p, MAGIC, 6) != 0)
        return cg_err_set(err, CG_ERUNTIME,
                          "%s: not an Arrow IPC file (no ARROW1 magic at the start)", name);
    if (len < 18)
        return cg_err_set(err, CG_ERUNTIME, "%s: truncated Arrow file (%zu bytes)", name, len);
    if (memcmp(r->p + len - 6, MAGIC, 6) != 0)
        return cg_err_set(err, CG_ERUNTIME,
                          "%s: no ARROW1 magic at the end (truncated or not an Arrow file)",
                          name);
    int32_t flen;
    memcpy(&flen, r->p + len - 10, 4);
    if (flen <= 0 || (size_t)flen > len - 18)
        return cg_err_set(err, CG_ERUNTIME,
                          "%s: footer size %d lies outside the %zu-byte file", name, (int)flen,
                          len);
    size_t fstart = len - 10 - (size_t)flen;
    cg_fb_buf fb = {r->p + fstart, (size_t)flen};
    cg_fb_table footer;
    cg_fb_vec dicts, blocks;
    int16_t ver;
    int present;
    if (cg_fb_root(&fb, &footer) || cg_fb_i16(&footer, FOOTER_VERSION, 0, &ver))
        return CORRUPT("footer");
    if (check_version(name, "footer", ver, err) || check_schema(&footer, name, err))
        return CG_ERUNTIME;
    if (cg_fb_vec_field(&footer, FOOTER_DICTS, BLOCK_SIZE, &dicts, &present) ||
        cg_fb_vec_field(&footer, FOOTER_BATCHES, BLOCK_SIZE, &blocks, &present))
        return CORRUPT("footer");
    if (dicts.n)
        return cg_err_set(err, CG_ERUNTIME, "%s: dictionary batches are not supported", name);
    r->nb = blocks.n;
    r->b = calloc(blocks.n ? blocks.n : 1, sizeof *r->b);
    if (!r->b)
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", name);
    for (uint32_t i = 0; i < blocks.n; i++) {
        if (check_batch(r, &blocks, i, fstart, &r->b[i], name, err))
            return CG_ERUNTIME;
        r->b[i].first = r->rows;
        r->rows += r->b[i].rows;
    }
    return CG_OK;
}

int cg_arrow_reader_open_mem(cg_arrow_reader **out, const void *buf, size_t len, const char *name,
                             cg_err *err)
{
    *out = NULL;
    cg_arrow_reader *r = calloc(1, sizeof *r);
    if (!r)
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", name);
    r->p = buf;
    r->len = len;
    if (validate(r, name, err)) {
        cg_arrow_reader_close(r);
        return CG_ERUNTIME;
    }
    *out = r;
    return CG_OK;
}

int cg_arrow_reader_open(cg_arrow_reader **out, const char *path, cg_err *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot open", path);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return cg_err_errno(err, CG_ERUNTIME, e, "%s: cannot stat", path);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return cg_err_set(err, CG_ERUNTIME, "%s: not a regular file", path);
    }
    size_t len = (size_t)st.st_size;
    if (len < 18) {
        /* Too small to map usefully; validate a copy for the right message. */
        uint8_t small[18];
        ssize_t got = read(fd, small, sizeof small);
        close(fd);
        cg_arrow_reader *r = NULL;
        int rc = cg_arrow_reader_open_mem(&r, small, got > 0 ? (size_t)got : 0, path, err);
        cg_arrow_reader_close(r);
        return rc ? rc : cg_err_set(err, CG_ERUNTIME, "%s: truncated Arrow file", path);
    }
    void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);
    if (p == MAP_FAILED)
        return cg_err_errno(err, CG_ERUNTIME, e, "%s: cannot mmap", path);
    cg_mapguard_watch(p, len, path); /* a SIGBUS in it names path (mapguard.h) */
    int rc = cg_arrow_reader_open_mem(out, p, len, path, err);
    if (rc) {
        cg_mapguard_unwatch(p);
        munmap(p, len);
        return rc;
    }
    (*out)->mapped = 1;
    return CG_OK;
}

uint64_t cg_arrow_reader_rows(const cg_arrow_reader *r) { return r->rows; }
size_t cg_arrow_reader_nbatches(const cg_arrow_reader *r) { return r->nb; }
uint64_t cg_arrow_reader_batch_rows(const cg_arrow_reader *r, size_t b) { return r->b[b].rows; }
uint64_t cg_arrow_reader_batch_first_row(const cg_arrow_reader *r, size_t b)
{
    return r->b[b].first;
}

static int is_null(const rbatch *bt, int c, uint64_t row)
{
    return bt->valid[c] && !(bt->valid[c][row / 8] & (1u << (row % 8)));
}

void cg_arrow_reader_get(const cg_arrow_reader *r, size_t b, uint64_t row, cg_sub_event *ev)
{
    const rbatch *bt = &r->b[b];
    memcpy(&ev->ts_ms, bt->val[0] + row * 8, 8);
    ev->type = bt->val[1][row];
    memcpy(&ev->imsi, bt->val[2] + row * 8, 8);
    memcpy(&ev->msisdn, bt->val[3] + row * 8, 8);
    memcpy(&ev->imei, bt->val[4] + row * 8, 8);
    memcpy(&ev->mccmnc, bt->val[5] + row * 4, 4);
    if (is_null(bt, 3, row))
        ev->msisdn = 0;
    if (is_null(bt, 4, row))
        ev->imei = 0;
}

void cg_arrow_reader_close(cg_arrow_reader *r)
{
    if (!r)
        return;
    if (r->mapped) {
        cg_mapguard_unwatch(r->p);
        munmap((void *)r->p, r->len);
    }
    free(r->b);
    free(r);
}
