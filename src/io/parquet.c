/* Parquet pages and footer of the CDR columns (see parquet.h). */
#include "io/parquet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"
#include "io/cdrfmt.h"

const char CG_PQ_MAGIC[4] = {'P', 'A', 'R', '1'};

/* Parquet's enums (parquet.thrift). */
enum { T_INT32 = 1, T_INT64 = 2, T_BYTE_ARRAY = 6 };
enum { E_PLAIN = 0, E_RLE = 3, E_RLE_DICT = 8 };
enum { PG_DATA = 0, PG_DICT = 2 };
enum { CT_UTF8 = 0, CT_TIMESTAMP_MILLIS = 9 };

/* Column kinds and when a column is null. */
enum { K_STR, K_I32, K_I64, K_TS, K_DICT };
enum { N_NEVER, N_DATA, N_NOT_SMS, N_NOT_DATA };

typedef struct colspec {
    const char *name;
    int kind, nulls;
    int ndict;                  /* dictionary entries */
    const char *const *dict;    /* NULL for tz_name: the run's zone */
    unsigned char width;        /* bits per dictionary index */
    unsigned char max;          /* most bytes one value takes */
} colspec;

static const char *const D_TYPE[] = {"CALL", "SMS", "DATA"};
static const char *const D_DIR[] = {"MO", "MT"};
static const char *const D_RECTYPE[] = {"mscVoiceRecord", "sgsnSMORecord", "sgsnSMTRecord",
                                        "sgsnPDPRecord", "pgwRecord"};
static const char *const D_CAUSE[] = {"normalRelease", "noAnswer", "busy", "failure",
                                      "deliverySuccess", "deliveryFailure"};
static const char *const D_STATUS[] = {"SENT", "DELIVERED", "FAILED"};
static const char *const D_APN[] = {"internet", "ims", "mms"};
static const char *const D_RAT[] = {"WCDMA", "LTE", "NR"};

/* The column order and names of the CSV header (FORMAT.md section 2). */
enum {
    C_TYPE, C_SRC, C_DST, C_DIR, C_START, C_END, C_TZ, C_TZOFF, C_DUR, C_MCCMNC, C_IMSI,
    C_IMEI, C_CELL, C_RECTYPE, C_CAUSE, C_SEG, C_STATUS, C_IN, C_OUT, C_DDUR, C_APN, C_RAT
};
static const colspec COLS[CG_PQ_NCOLS] = {
    {"event_type", K_DICT, N_NEVER, 3, D_TYPE, 2, 1},
    {"msisdn_src", K_STR, N_NEVER, 0, NULL, 0, 24},
    {"msisdn_dst", K_STR, N_DATA, 0, NULL, 0, 24},
    {"direction", K_DICT, N_NEVER, 2, D_DIR, 1, 1},
    {"start_ts_ms", K_TS, N_NEVER, 0, NULL, 0, 8},
    {"end_ts_ms", K_TS, N_NEVER, 0, NULL, 0, 8},
    {"tz_name", K_DICT, N_NEVER, 1, NULL, 1, 1},
    {"tz_offset_min", K_I32, N_NEVER, 0, NULL, 0, 4},
    {"duration_sec", K_I32, N_NEVER, 0, NULL, 0, 4},
    {"mccmnc", K_STR, N_NEVER, 0, NULL, 0, 24},
    {"imsi", K_STR, N_NEVER, 0, NULL, 0, 24},
    {"imei", K_STR, N_NEVER, 0, NULL, 0, 24},
    {"cell_id", K_I32, N_NEVER, 0, NULL, 0, 4},
    {"record_type", K_DICT, N_NEVER, 5, D_RECTYPE, 3, 1},
    {"cause_for_record_closing", K_DICT, N_NEVER, 6, D_CAUSE, 3, 1},
    {"sms_segments", K_I32, N_NOT_SMS, 0, NULL, 0, 4},
    {"sms_status", K_DICT, N_NOT_SMS, 3, D_STATUS, 2, 1},
    {"data_bytes_in", K_I64, N_NOT_DATA, 0, NULL, 0, 8},
    {"data_bytes_out", K_I64, N_NOT_DATA, 0, NULL, 0, 8},
    {"data_duration_sec", K_I32, N_NOT_DATA, 0, NULL, 0, 4},
    {"apn", K_DICT, N_NOT_DATA, 3, D_APN, 2, 1},
    {"rat", K_DICT, N_NOT_DATA, 3, D_RAT, 2, 1},
};

static int is_null(int nulls, int type)
{
    switch (nulls) {
    case N_DATA: return type == CG_REC_DATA;
    case N_NOT_SMS: return type != CG_REC_SMS;
    case N_NOT_DATA: return type != CG_REC_DATA;
    default: return 0;
    }
}

static int ptype(int kind)
{
    switch (kind) {
    case K_I32: return T_INT32;
    case K_I64:
    case K_TS: return T_INT64;
    default: return T_BYTE_ARRAY;
    }
}

static int pq_codec(int codec)
{
    return codec == CG_CODEC_ZSTD ? 6 : codec == CG_CODEC_GZIP ? 2 : 0;
}

cg_pq_colinfo cg_pq_col(int k)
{
    const colspec *cs = &COLS[k];
    return (cg_pq_colinfo){cs->name, ptype(cs->kind), cs->nulls != N_NEVER, cs->kind == K_DICT};
}

struct cg_pq_cols {
    size_t n;
    uint8_t *type; /* the event type of each row: it says which columns are null */
    unsigned char *v[CG_PQ_NCOLS];
    size_t vlen[CG_PQ_NCOLS];
    unsigned char *page, *zs;
    size_t page_cap, zs_cap;
    cg_tw hdr;
    char tz[128];
};

/* ---- the page builder ---- */

int cg_pq_cols_new(cg_pq_cols **out, const char *tz_name, cg_err *err)
{
    cg_pq_cols *c = calloc(1, sizeof *c);
    if (!c)
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    /* The buffers are sized for a full page set once, then reused. */
    c->type = malloc(CG_PQ_PAGE_ROWS);
    int ok = c->type != NULL;
    for (int k = 0; k < CG_PQ_NCOLS && ok; k++)
        ok = (c->v[k] = malloc((size_t)CG_PQ_PAGE_ROWS * COLS[k].max)) != NULL;
    if (!ok) {
        cg_pq_cols_free(c);
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    }
    snprintf(c->tz, sizeof c->tz, "%s", tz_name);
    *out = c;
    return CG_OK;
}

void cg_pq_cols_free(cg_pq_cols *c)
{
    if (!c)
        return;
    free(c->type);
    for (int k = 0; k < CG_PQ_NCOLS; k++)
        free(c->v[k]);
    free(c->page);
    free(c->zs);
    cg_tw_free(&c->hdr);
    free(c);
}

size_t cg_pq_cols_rows(const cg_pq_cols *c)
{
    return c->n;
}

static inline void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static inline void put_u64(unsigned char *p, uint64_t v)
{
    put_u32(p, (uint32_t)v);
    put_u32(p + 4, (uint32_t)(v >> 32));
}

static inline void add_i32(cg_pq_cols *c, int k, int32_t v)
{
    put_u32(c->v[k] + c->vlen[k], (uint32_t)v);
    c->vlen[k] += 4;
}

static inline void add_i64(cg_pq_cols *c, int k, int64_t v)
{
    put_u64(c->v[k] + c->vlen[k], (uint64_t)v);
    c->vlen[k] += 8;
}

static inline void add_dict(cg_pq_cols *c, int k, unsigned v)
{
    c->v[k][c->vlen[k]++] = (unsigned char)v;
}

/* A digit string as a PLAIN BYTE_ARRAY: 4-byte length, the digits (the
 * same text as the CSV field). */
static inline void add_dnum(cg_pq_cols *c, int k, uint64_t x, int width)
{
    unsigned char *p = c->v[k] + c->vlen[k];
    size_t n = cg_fmt_dnum((char *)p + 4, x, width);
    put_u32(p, (uint32_t)n);
    c->vlen[k] += 4 + n;
}

void cg_pq_add(cg_pq_cols *c, const cg_rec *r, uint64_t n[3])
{
    int t = r->type;
    c->type[c->n++] = (uint8_t)t;
    n[t]++;
    add_dict(c, C_TYPE, (unsigned)t);
    add_dnum(c, C_SRC, r->src, 0);
    if (t != CG_REC_DATA)
        add_dnum(c, C_DST, r->dst, 0);
    add_dict(c, C_DIR, r->dir == CG_DIR_MO ? 0u : 1u);
    add_i64(c, C_START, r->start_ms);
    add_i64(c, C_END, r->start_ms + (int64_t)r->dur_s * 1000);
    add_dict(c, C_TZ, 0);
    add_i32(c, C_TZOFF, r->tz_off);
    add_i32(c, C_DUR, (int32_t)r->dur_s);
    add_dnum(c, C_MCCMNC, r->mccmnc, 5);
    add_dnum(c, C_IMSI, r->imsi, 0);
    add_dnum(c, C_IMEI, r->imei, 15);
    add_i32(c, C_CELL, (int32_t)r->cell);
    add_dict(c, C_RECTYPE, r->rectype);
    add_dict(c, C_CAUSE, r->cause);
    if (t == CG_REC_SMS) {
        add_i32(c, C_SEG, r->sms_seg);
        add_dict(c, C_STATUS, r->sms_status);
    } else if (t == CG_REC_DATA) {
        add_i64(c, C_IN, (int64_t)r->up);
        add_i64(c, C_OUT, (int64_t)r->down);
        add_i32(c, C_DDUR, (int32_t)r->dur_s);
        add_dict(c, C_APN, r->apn);
        add_dict(c, C_RAT, r->rat);
    }
}

static void put_uleb(unsigned char **p, uint64_t v)
{
    while (v >= 0x80) {
        *(*p)++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *(*p)++ = (unsigned char)v;
}

/* The RLE/bit-packed hybrid of FORMAT "Encodings": one bit-packed run of
 * ceil(n/8) groups of 8 values, width bits each, least significant bit
 * first (the padding values are 0). Returns the end. */
static unsigned char *bitpack(unsigned char *p, const unsigned char *v, size_t n, int width)
{
    size_t groups = (n + 7) / 8;
    put_uleb(&p, (uint64_t)groups << 1 | 1);
    for (size_t g = 0; g < groups; g++) {
        uint64_t acc = 0;
        for (size_t i = 0; i < 8 && g * 8 + i < n; i++)
            acc |= (uint64_t)v[g * 8 + i] << (i * (size_t)width);
        for (int b = 0; b < width; b++)
            *p++ = (unsigned char)(acc >> (8 * b));
    }
    return p;
}

static int grow_bytes(unsigned char **b, size_t *cap, size_t need, cg_err *err)
{
    unsigned char *t = cg_grow(*b, cap, need, 1);
    if (!t)
        return cg_err_set(err, CG_ERUNTIME, "out of memory encoding Parquet pages");
    *b = t;
    return CG_OK;
}

/* Compresses c->page[0..unc) and appends page header + body to o. */
static int emit_page(cg_pq_cols *c, cg_codec_ctx *codec, size_t unc, int dict, int32_t nvals,
                     int enc, cg_pq_out *o, cg_pq_page *pg, cg_err *err)
{
    CG_TRY(grow_bytes(&c->zs, &c->zs_cap, cg_codec_bound(codec, unc), err));
    size_t zn = 0;
    CG_TRY(cg_codec_compress(codec, c->page, unc, c->zs, c->zs_cap, &zn, err));
    if (unc > INT32_MAX || zn > INT32_MAX)
        return cg_err_set(err, CG_ERUNTIME, "Parquet page over 2 GiB");
    cg_tw *h = &c->hdr;
    cg_tw_reset(h);
    cg_tw_i32(h, 1, dict ? PG_DICT : PG_DATA);
    cg_tw_i32(h, 2, (int32_t)unc);
    cg_tw_i32(h, 3, (int32_t)zn);
    cg_tw_begin(h, dict ? 7 : 5);
    cg_tw_i32(h, 1, nvals);
    cg_tw_i32(h, 2, enc);
    if (!dict) {
        cg_tw_i32(h, 3, E_RLE);
        cg_tw_i32(h, 4, E_RLE);
    }
    cg_tw_end(h);
    cg_tw_end(h); /* the PageHeader */
    if (h->oom)
        return cg_err_set(err, CG_ERUNTIME, "out of memory encoding Parquet pages");
    CG_TRY(grow_bytes(&o->z, &o->zcap, o->zlen + h->len + zn, err));
    pg->off = o->zlen;
    memcpy(o->z + o->zlen, h->p, h->len);
    memcpy(o->z + o->zlen + h->len, c->zs, zn);
    o->zlen += h->len + zn;
    pg->len = (uint32_t)(h->len + zn);
    pg->unc = (uint32_t)(h->len + unc);
    return CG_OK;
}

int cg_pq_encode(cg_pq_cols *c, cg_codec_ctx *codec, cg_pq_out *o, cg_err *err)
{
    size_t n = c->n;
    if (n == 0)
        return CG_OK;
    cg_pq_set *s = cg_grow(o->sets, &o->setcap, o->nsets + 1, sizeof *s);
    if (!s)
        return cg_err_set(err, CG_ERUNTIME, "out of memory encoding Parquet pages");
    o->sets = s;
    s = &o->sets[o->nsets];
    s->rows = (uint32_t)n;
    unsigned char defs[CG_PQ_PAGE_ROWS];
    for (int k = 0; k < CG_PQ_NCOLS; k++) {
        const colspec *cs = &COLS[k];
        /* levels (4-byte length, hybrid) + values: at most this */
        size_t need = 4 + 16 + n / 8 + 1 + 1 + 16 + c->vlen[k] + n;
        CG_TRY(grow_bytes(&c->page, &c->page_cap, need, err));
        unsigned char *p = c->page;
        if (cs->nulls != N_NEVER) {
            for (size_t i = 0; i < n; i++)
                defs[i] = (unsigned char)!is_null(cs->nulls, c->type[i]);
            unsigned char *e = bitpack(p + 4, defs, n, 1);
            put_u32(p, (uint32_t)(e - p - 4));
            p = e;
        }
        int enc = E_PLAIN;
        if (cs->kind == K_DICT) {
            enc = E_RLE_DICT;
            *p++ = cs->width;
            p = bitpack(p, c->v[k], c->vlen[k], cs->width);
        } else {
            memcpy(p, c->v[k], c->vlen[k]);
            p += c->vlen[k];
        }
        CG_TRY(emit_page(c, codec, (size_t)(p - c->page), 0, (int32_t)n, enc, o, &s->pg[k], err));
        c->vlen[k] = 0;
    }
    o->nsets++;
    c->n = 0;
    return CG_OK;
}

void cg_pq_out_clear(cg_pq_out *o)
{
    o->zlen = 0;
    o->nsets = 0;
}

void cg_pq_out_free(cg_pq_out *o)
{
    free(o->z);
    free(o->sets);
    memset(o, 0, sizeof *o);
}

/* ---- dictionary pages ---- */

int cg_pq_dicts_build(cg_pq_dicts *d, cg_codec_ctx *codec, const char *tz_name, cg_err *err)
{
    memset(d, 0, sizeof *d);
    cg_pq_cols *c = NULL;
    CG_TRY(cg_pq_cols_new(&c, tz_name, err));
    cg_pq_out o;
    memset(&o, 0, sizeof o);
    int rc = CG_OK;
    for (int k = 0; k < CG_PQ_NCOLS && !rc; k++) {
        const colspec *cs = &COLS[k];
        if (cs->kind != K_DICT)
            continue;
        size_t need = 0;
        for (int i = 0; i < cs->ndict; i++)
            need += 4 + strlen(cs->dict ? cs->dict[i] : tz_name);
        if ((rc = grow_bytes(&c->page, &c->page_cap, need, err)))
            break;
        unsigned char *p = c->page;
        for (int i = 0; i < cs->ndict; i++) {
            const char *s = cs->dict ? cs->dict[i] : tz_name;
            size_t sl = strlen(s);
            put_u32(p, (uint32_t)sl);
            memcpy(p + 4, s, sl);
            p += 4 + sl;
        }
        cg_pq_page pg = {0, 0, 0};
        rc = emit_page(c, codec, need, 1, cs->ndict, E_PLAIN, &o, &pg, err);
        d->off[k] = pg.off;
        d->len[k] = pg.len;
        d->unc[k] = pg.unc;
    }
    cg_pq_cols_free(c);
    if (rc) {
        cg_pq_out_free(&o);
        return rc;
    }
    free(o.sets);
    d->b = o.z;
    return CG_OK;
}

void cg_pq_dicts_free(cg_pq_dicts *d)
{
    free(d->b);
    memset(d, 0, sizeof *d);
}

/* ---- footer ---- */

static void put_schema(cg_tw *w)
{
    cg_tw_list(w, 2, CG_TT_STRUCT, CG_PQ_NCOLS + 1);
    cg_tw_begin(w, 0);
    cg_tw_str(w, 4, "schema");
    cg_tw_i32(w, 5, CG_PQ_NCOLS);
    cg_tw_end(w);
    for (int k = 0; k < CG_PQ_NCOLS; k++) {
        const colspec *cs = &COLS[k];
        cg_tw_begin(w, 0);
        cg_tw_i32(w, 1, ptype(cs->kind));
        cg_tw_i32(w, 3, cs->nulls == N_NEVER ? 0 : 1);
        cg_tw_str(w, 4, cs->name);
        if (cs->kind == K_STR || cs->kind == K_DICT || cs->kind == K_TS) {
            cg_tw_i32(w, 6, cs->kind == K_TS ? CT_TIMESTAMP_MILLIS : CT_UTF8);
            cg_tw_begin(w, 10); /* LogicalType */
            if (cs->kind == K_TS) {
                cg_tw_begin(w, 8); /* TIMESTAMP */
                cg_tw_bool(w, 1, 1); /* isAdjustedToUTC */
                cg_tw_begin(w, 2);   /* unit */
                cg_tw_begin(w, 1);   /* MILLIS */
                cg_tw_end(w);
                cg_tw_end(w);
                cg_tw_end(w);
            } else {
                cg_tw_begin(w, 1); /* STRING */
                cg_tw_end(w);
            }
            cg_tw_end(w);
        }
        cg_tw_end(w);
    }
}

static void put_chunk(cg_tw *w, int k, const cg_pq_chunk *ch, int64_t rows, int codec)
{
    const colspec *cs = &COLS[k];
    cg_tw_begin(w, 0);
    cg_tw_i64(w, 2, ch->dict_off >= 0 ? ch->dict_off : ch->data_off);
    cg_tw_begin(w, 3);
    cg_tw_i32(w, 1, ptype(cs->kind));
    int dict = cs->kind == K_DICT, opt = cs->nulls != N_NEVER;
    cg_tw_list(w, 2, CG_TT_I32, (uint32_t)(1 + (dict || opt) + dict));
    cg_tw_el_i32(w, E_PLAIN);
    if (dict || opt)
        cg_tw_el_i32(w, E_RLE);
    if (dict)
        cg_tw_el_i32(w, E_RLE_DICT);
    cg_tw_list(w, 3, CG_TT_BINARY, 1);
    cg_tw_el_str(w, cs->name);
    cg_tw_i32(w, 4, pq_codec(codec));
    cg_tw_i64(w, 5, rows);
    cg_tw_i64(w, 6, ch->unc);
    cg_tw_i64(w, 7, ch->comp);
    cg_tw_i64(w, 9, ch->data_off);
    if (ch->dict_off >= 0)
        cg_tw_i64(w, 11, ch->dict_off);
    cg_tw_end(w);
    cg_tw_end(w);
}

void cg_pq_rg_shift(cg_pq_rg *g, int64_t shift)
{
    for (int k = 0; k < CG_PQ_NCOLS; k++) {
        if (g->c[k].dict_off >= 0)
            g->c[k].dict_off += shift;
        g->c[k].data_off += shift;
    }
}

void cg_pq_footer(cg_tw *w, const cg_pq_rg *rgs, size_t n, int codec)
{
    size_t start = w->len;
    int64_t rows = 0;
    for (size_t i = 0; i < n; i++)
        rows += rgs[i].rows;
    w->depth = 0;
    w->last[0] = 0;
    cg_tw_i32(w, 1, 1);
    put_schema(w);
    cg_tw_i64(w, 3, rows);
    cg_tw_list(w, 4, CG_TT_STRUCT, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        const cg_pq_rg *g = &rgs[i];
        int64_t unc = 0, comp = 0;
        cg_tw_begin(w, 0);
        cg_tw_list(w, 1, CG_TT_STRUCT, CG_PQ_NCOLS);
        for (int k = 0; k < CG_PQ_NCOLS; k++) {
            put_chunk(w, k, &g->c[k], g->rows, codec);
            unc += g->c[k].unc;
            comp += g->c[k].comp;
        }
        cg_tw_i64(w, 2, unc);
        cg_tw_i64(w, 3, g->rows);
        const cg_pq_chunk *c0 = &g->c[0];
        cg_tw_i64(w, 5, c0->dict_off >= 0 ? c0->dict_off : c0->data_off);
        cg_tw_i64(w, 6, comp);
        cg_tw_end(w);
    }
    cg_tw_str(w, 6, "cdrgen version " CG_VERSION);
    cg_tw_end(w);
    unsigned char tail[8];
    put_u32(tail, (uint32_t)(w->len - start));
    memcpy(tail + 4, CG_PQ_MAGIC, 4);
    cg_tw_raw(w, tail, 8);
}

/* ---- reading a footer we wrote (merge) ---- */

static int64_t rd_i64(cg_tr *r, int type)
{
    if (type != CG_TT_I32 && type != CG_TT_I64) {
        r->bad = 1;
        return 0;
    }
    return cg_tr_zigzag(r);
}

/* ColumnMetaData: codec, sizes and offsets; *codec -1 until seen. */
static void rd_colmeta(cg_tr *r, int k, cg_pq_chunk *ch, int64_t *nvals, int *codec)
{
    int last = 0, id, t, type = -1;
    ch->dict_off = -1;
    ch->data_off = ch->unc = ch->comp = -1;
    while ((t = cg_tr_field(r, &last, &id)) != CG_TT_STOP) {
        switch (id) {
        case 1: type = (int)rd_i64(r, t); break;
        case 4: *codec = (int)rd_i64(r, t); break;
        case 5: *nvals = rd_i64(r, t); break;
        case 6: ch->unc = rd_i64(r, t); break;
        case 7: ch->comp = rd_i64(r, t); break;
        case 9: ch->data_off = rd_i64(r, t); break;
        case 11: ch->dict_off = rd_i64(r, t); break;
        default: cg_tr_skip(r, t); break;
        }
    }
    if (type != ptype(COLS[k].kind))
        r->bad = 1;
}

static int bad_file(cg_err *err, const char *name, const char *why)
{
    return cg_err_set(err, CG_ERUNTIME, "%s: not a Parquet part written by cdrgen (%s)", name,
                      why);
}

/* The file's last bytes read first: a footer is usually shorter. */
#define PQ_TAIL 65536

/* n bytes at off of fd; -1 on an error or a short file (errno 0). */
static int pread_full(int fd, void *p, size_t n, uint64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, (char *)p + got, n - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (k == 0)
                errno = 0;
            return -1;
        }
        got += (size_t)k;
    }
    return 0;
}

static int rd_rowgroup(cg_tr *r, cg_pq_rg *g, int *codec)
{
    int last = 0, id, t, ncols = -1;
    g->rows = -1;
    while ((t = cg_tr_field(r, &last, &id)) != CG_TT_STOP) {
        if (id == 1 && t == CG_TT_LIST) {
            uint32_t n;
            if (cg_tr_list(r, &n) != CG_TT_STRUCT || n != CG_PQ_NCOLS) {
                r->bad = 1;
                break;
            }
            for (int k = 0; k < CG_PQ_NCOLS && !r->bad; k++) {
                int l2 = 0, i2, t2, seen = 0;
                int64_t nvals = -1;
                while ((t2 = cg_tr_field(r, &l2, &i2)) != CG_TT_STOP) {
                    if (i2 == 3 && t2 == CG_TT_STRUCT) {
                        int c = -1;
                        rd_colmeta(r, k, &g->c[k], &nvals, &c);
                        if (*codec == -1)
                            *codec = c;
                        if (c != *codec)
                            r->bad = 1;
                        seen = 1;
                    } else {
                        cg_tr_skip(r, t2);
                    }
                }
                if (!seen || nvals < 0)
                    r->bad = 1;
                /* every column holds one value per row (no repetition) */
                if (k == 0)
                    g->rows = nvals;
                else if (nvals != g->rows)
                    r->bad = 1;
            }
            ncols = CG_PQ_NCOLS;
        } else if (id == 3) {
            int64_t rows = rd_i64(r, t);
            if (g->rows >= 0 && rows != g->rows)
                r->bad = 1;
            g->rows = rows;
        } else {
            cg_tr_skip(r, t);
        }
    }
    return ncols == CG_PQ_NCOLS && !r->bad ? 0 : -1;
}

int cg_pq_footer_read(const unsigned char *tail, size_t tail_n, uint64_t file_n,
                      const char *name, cg_pq_rg **rgs, size_t *n, int *codec,
                      uint64_t *data_end, size_t *need, cg_err *err)
{
    *rgs = NULL;
    *n = 0;
    *need = 0;
    if (file_n < 12 || tail_n < 8 || tail_n > file_n)
        return bad_file(err, name, "too short");
    if (memcmp(tail + tail_n - 4, CG_PQ_MAGIC, 4) != 0)
        return bad_file(err, name, "no PAR1 at the end");
    const unsigned char *q = tail + tail_n - 8;
    uint64_t flen = (uint64_t)q[0] | (uint64_t)q[1] << 8 | (uint64_t)q[2] << 16 |
                    (uint64_t)q[3] << 24;
    if (flen + 12 > file_n)
        return bad_file(err, name, "footer length beyond the file");
    if (flen + 8 > tail_n) {
        *need = (size_t)flen + 8;
        return CG_OK;
    }
    *data_end = file_n - 8 - flen;
    /* the schema we write, to compare byte for byte */
    cg_tw sw;
    memset(&sw, 0, sizeof sw);
    sw.last[0] = 1;
    put_schema(&sw);
    if (sw.oom) {
        cg_tw_free(&sw);
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    }
    cg_tr r = {tail + tail_n - 8 - flen, tail + tail_n - 8, 0, 0};
    int last = 0, id, t, schema_ok = 0, have_rows = 0;
    int64_t rows = 0;
    cg_pq_rg *g = NULL;
    size_t ng = 0;
    *codec = -1;
    while (!r.bad && (t = cg_tr_field(&r, &last, &id)) != CG_TT_STOP) {
        if (id == 2 && t == CG_TT_LIST) {
            const unsigned char *s0 = r.p;
            cg_tr_skip(&r, CG_TT_LIST);
            schema_ok = !r.bad && (size_t)(r.p - s0) == sw.len - 1 &&
                        memcmp(s0, sw.p + 1, sw.len - 1) == 0;
            if (!schema_ok)
                break;
        } else if (id == 3) {
            rows = rd_i64(&r, t);
            have_rows = 1;
        } else if (id == 4 && t == CG_TT_LIST) {
            uint32_t k;
            if (cg_tr_list(&r, &k) != CG_TT_STRUCT) {
                r.bad = 1;
                break;
            }
            free(g);
            g = k ? calloc(k, sizeof *g) : NULL;
            if (k && !g) {
                cg_tw_free(&sw);
                return cg_err_set(err, CG_ERUNTIME, "out of memory");
            }
            ng = k;
            for (uint32_t i = 0; i < k && !r.bad; i++)
                if (rd_rowgroup(&r, &g[i], codec))
                    r.bad = 1;
        } else {
            cg_tr_skip(&r, t);
        }
    }
    cg_tw_free(&sw);
    const char *why = NULL;
    if (r.bad)
        why = "malformed footer";
    else if (!schema_ok)
        why = "not the CDR schema";
    else if (!have_rows)
        why = "no row count";
    int64_t sum = 0;
    for (size_t i = 0; i < ng && !why; i++) {
        sum += g[i].rows;
        for (int k = 0; k < CG_PQ_NCOLS && !why; k++) {
            const cg_pq_chunk *c = &g[i].c[k];
            int64_t first = c->dict_off >= 0 ? c->dict_off : c->data_off;
            if (first < 4 || c->comp < 0 || c->unc < 0 || c->data_off < first ||
                (uint64_t)first + (uint64_t)c->comp > *data_end ||
                (uint64_t)c->data_off >= (uint64_t)first + (uint64_t)c->comp ||
                (c->dict_off >= 0) != (COLS[k].kind == K_DICT))
                why = "a column chunk outside the file";
        }
    }
    if (!why && sum != rows)
        why = "row count differs from its row groups'";
    if (!why && ng && *codec != 0 && *codec != 2 && *codec != 6)
        why = "a codec cdrgen does not write";
    if (why) {
        free(g);
        return bad_file(err, name, why);
    }
    *codec = !ng ? -1 : *codec == 6 ? CG_CODEC_ZSTD : *codec == 2 ? CG_CODEC_GZIP : CG_CODEC_NONE;
    *rgs = g;
    *n = ng;
    return CG_OK;
}

int cg_pq_page_header(cg_tr *r, int *type, int64_t *unc, int64_t *comp, int32_t *nvals)
{
    int last = 0, id, t;
    *type = -1;
    *unc = *comp = -1;
    *nvals = -1;
    while ((t = cg_tr_field(r, &last, &id)) != CG_TT_STOP) {
        if (id >= 1 && id <= 3 && t == CG_TT_I32) {
            int64_t v = cg_tr_zigzag(r);
            if (id == 1)
                *type = (int)v;
            else if (id == 2)
                *unc = v;
            else
                *comp = v;
        } else if ((id == 5 || id == 7) && t == CG_TT_STRUCT) {
            int l2 = 0, i2, t2;
            while ((t2 = cg_tr_field(r, &l2, &i2)) != CG_TT_STOP) {
                if (i2 == 1 && t2 == CG_TT_I32) {
                    int64_t v = cg_tr_zigzag(r);
                    *nvals = v >= 0 && v <= INT32_MAX ? (int32_t)v : -1;
                } else {
                    cg_tr_skip(r, t2);
                }
            }
        } else {
            cg_tr_skip(r, t);
        }
    }
    return r->bad || *unc < 0 || *unc > INT32_MAX || *comp < 0 || *comp > r->end - r->p ||
                   *nvals < 0
               ? -1
               : 0;
}

int cg_pq_read_fd(int fd, const char *path, uint64_t *size, cg_pq_rg **rgs, size_t *n,
                  int *codec, uint64_t *data_end, cg_err *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot stat", path);
    *size = (uint64_t)st.st_size;
    unsigned char magic[4] = {0};
    if (*size < 12 || pread_full(fd, magic, 4, 0) != 0 || memcmp(magic, CG_PQ_MAGIC, 4) != 0)
        return bad_file(err, path, *size < 12 ? "too short" : "no PAR1 at the start");
    size_t want = *size < PQ_TAIL ? (size_t)*size : PQ_TAIL, need = 0;
    for (int pass = 0; pass < 2; pass++) {
        unsigned char *tail = malloc(want);
        if (!tail)
            return cg_err_set(err, CG_ERUNTIME, "out of memory");
        int rc = pread_full(fd, tail, want, *size - want)
                     ? cg_err_errno(err, CG_ERUNTIME, errno ? errno : EIO, "%s: read failed", path)
                     : cg_pq_footer_read(tail, want, *size, path, rgs, n, codec, data_end, &need,
                                         err);
        free(tail);
        if (rc || !need)
            return rc;
        want = need;
    }
    return bad_file(err, path, "footer not found");
}

/* One column chunk of a Parquet part: every page header parses, every page
 * decompresses to its stated size, the data pages hold `rows` values. */
int cg_pq_check_chunk(const char *path, const unsigned char *b, size_t n, int codec,
                           int64_t rows, int has_dict, cg_err *err)
{
    cg_tr r = {b, b + n, 0, 0};
    int64_t vals = 0;
    int npage = 0;
    while (r.p < r.end && !r.bad) {
        int type;
        int64_t unc, comp;
        int32_t nv;
        int hbad = cg_pq_page_header(&r, &type, &unc, &comp, &nv);
        int want_dict = has_dict && npage == 0;
        if (hbad || type != (want_dict ? 2 : 0))
            return cg_err_set(err, CG_ERUNTIME, "%s: a malformed Parquet page header near "
                              "byte %zu of a column chunk", path, (size_t)(r.p - b));
        char *out = NULL;
        size_t outn = 0;
        if (codec != CG_CODEC_NONE || comp) {
            CG_TRY(cg_codec_decompress_buf(r.p, (size_t)comp, codec, path, &out, &outn, err));
            free(out);
        }
        if ((int64_t)outn != unc)
            return cg_err_set(err, CG_ERUNTIME, "%s: a Parquet page decompresses to %zu bytes, "
                              "its header says %lld", path, outn, (long long)unc);
        if (!want_dict)
            vals += nv;
        r.p += comp;
        npage++;
    }
    if (vals != rows)
        return cg_err_set(err, CG_ERUNTIME, "%s: a column chunk holds %lld values for %lld rows",
                          path, (long long)vals, (long long)rows);
    return CG_OK;
}
