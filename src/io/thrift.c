/* Thrift compact protocol (see thrift.h). */
#include "io/thrift.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

void cg_tw_reset(cg_tw *w)
{
    w->len = 0;
    w->oom = 0;
    w->depth = 0;
    w->last[0] = 0;
}

void cg_tw_free(cg_tw *w)
{
    free(w->p);
    memset(w, 0, sizeof *w);
}

void cg_tw_raw(cg_tw *w, const void *p, size_t n)
{
    if (w->oom)
        return;
    unsigned char *b = cg_grow(w->p, &w->cap, w->len + n, 1);
    if (!b) {
        w->oom = 1;
        return;
    }
    w->p = b;
    if (n)
        memcpy(w->p + w->len, p, n);
    w->len += n;
}

static void put_varint(cg_tw *w, uint64_t v)
{
    unsigned char b[10];
    size_t n = 0;
    while (v >= 0x80) {
        b[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    b[n++] = (unsigned char)v;
    cg_tw_raw(w, b, n);
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static void field(cg_tw *w, int id, int type)
{
    int d = id - w->last[w->depth];
    if (d > 0 && d <= 15) {
        unsigned char b = (unsigned char)(d << 4 | type);
        cg_tw_raw(w, &b, 1);
    } else {
        unsigned char b = (unsigned char)type;
        cg_tw_raw(w, &b, 1);
        put_varint(w, zigzag(id));
    }
    w->last[w->depth] = (int16_t)id;
}

void cg_tw_i32(cg_tw *w, int id, int32_t v)
{
    field(w, id, CG_TT_I32);
    put_varint(w, zigzag(v));
}

void cg_tw_i64(cg_tw *w, int id, int64_t v)
{
    field(w, id, CG_TT_I64);
    put_varint(w, zigzag(v));
}

void cg_tw_bool(cg_tw *w, int id, int v)
{
    field(w, id, v ? CG_TT_TRUE : CG_TT_FALSE);
}

void cg_tw_bin(cg_tw *w, int id, const void *s, size_t n)
{
    field(w, id, CG_TT_BINARY);
    put_varint(w, n);
    cg_tw_raw(w, s, n);
}

void cg_tw_str(cg_tw *w, int id, const char *s)
{
    cg_tw_bin(w, id, s, strlen(s));
}

void cg_tw_begin(cg_tw *w, int id)
{
    if (id > 0)
        field(w, id, CG_TT_STRUCT);
    if (w->depth + 1 >= CG_TW_DEPTH) {
        w->oom = 1;
        return;
    }
    w->last[++w->depth] = 0;
}

void cg_tw_end(cg_tw *w)
{
    unsigned char b = CG_TT_STOP;
    cg_tw_raw(w, &b, 1);
    if (w->depth > 0)
        w->depth--;
}

void cg_tw_list(cg_tw *w, int id, int etype, uint32_t n)
{
    field(w, id, CG_TT_LIST);
    if (n < 15) {
        unsigned char b = (unsigned char)(n << 4 | (uint32_t)etype);
        cg_tw_raw(w, &b, 1);
    } else {
        unsigned char b = (unsigned char)(0xf0 | etype);
        cg_tw_raw(w, &b, 1);
        put_varint(w, n);
    }
}

void cg_tw_el_i32(cg_tw *w, int32_t v)
{
    put_varint(w, zigzag(v));
}

void cg_tw_el_str(cg_tw *w, const char *s)
{
    size_t n = strlen(s);
    put_varint(w, n);
    cg_tw_raw(w, s, n);
}

/* ---- reader ---- */

static unsigned char get_byte(cg_tr *r)
{
    if (r->bad || r->p >= r->end) {
        r->bad = 1;
        return 0;
    }
    return *r->p++;
}

uint64_t cg_tr_varint(cg_tr *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        unsigned char b = get_byte(r);
        if (r->bad)
            return 0;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    r->bad = 1;
    return 0;
}

int64_t cg_tr_zigzag(cg_tr *r)
{
    uint64_t v = cg_tr_varint(r);
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

int cg_tr_field(cg_tr *r, int *last, int *id)
{
    unsigned char b = get_byte(r);
    if (r->bad)
        return CG_TT_STOP;
    int type = b & 0x0f;
    if (type == CG_TT_STOP) {
        *id = 0;
        return CG_TT_STOP;
    }
    int d = b >> 4;
    if (d)
        *id = *last + d;
    else {
        int64_t v = cg_tr_zigzag(r);
        if (v < -32768 || v > 32767)
            r->bad = 1;
        *id = (int)v;
    }
    *last = *id;
    if (type > CG_TT_STRUCT)
        r->bad = 1;
    return r->bad ? CG_TT_STOP : type;
}

int cg_tr_list(cg_tr *r, uint32_t *n)
{
    unsigned char b = get_byte(r);
    uint64_t k = b >> 4;
    if (k == 15)
        k = cg_tr_varint(r);
    /* every element takes at least one byte (a bool list's too) */
    if (r->bad || k > (uint64_t)(r->end - r->p)) {
        r->bad = 1;
        *n = 0;
        return CG_TT_STOP;
    }
    *n = (uint32_t)k;
    return b & 0x0f;
}

const unsigned char *cg_tr_bin(cg_tr *r, size_t *n)
{
    uint64_t k = cg_tr_varint(r);
    if (r->bad || k > (uint64_t)(r->end - r->p)) {
        r->bad = 1;
        *n = 0;
        return NULL;
    }
    const unsigned char *s = r->p;
    r->p += k;
    *n = (size_t)k;
    return s;
}

void cg_tr_skip(cg_tr *r, int type)
{
    if (r->bad)
        return;
    if (++r->depth > CG_TW_DEPTH) {
        r->bad = 1;
        return;
    }
    size_t n;
    uint32_t k;
    int last = 0, id;
    switch (type) {
    case CG_TT_TRUE:
    case CG_TT_FALSE: break; /* a bool field's value is its type */
    case CG_TT_BYTE: get_byte(r); break;
    case CG_TT_I16:
    case CG_TT_I32:
    case CG_TT_I64: cg_tr_varint(r); break;
    case CG_TT_DOUBLE:
        for (int i = 0; i < 8; i++)
            get_byte(r);
        break;
    case CG_TT_BINARY: cg_tr_bin(r, &n); break;
    case CG_TT_LIST:
    case CG_TT_SET: {
        int et = cg_tr_list(r, &k);
        for (uint32_t i = 0; i < k && !r->bad; i++) {
            if (et == CG_TT_TRUE || et == CG_TT_FALSE)
                get_byte(r); /* a bool list element is a byte */
            else
                cg_tr_skip(r, et);
        }
        break;
    }
    case CG_TT_MAP: {
        uint64_t m = cg_tr_varint(r);
        if (m) {
            unsigned char kv = get_byte(r);
            if (m > (uint64_t)(r->end - r->p))
                r->bad = 1;
            for (uint64_t i = 0; i < m && !r->bad; i++) {
                cg_tr_skip(r, kv >> 4);
                cg_tr_skip(r, kv & 0x0f);
            }
        }
        break;
    }
    case CG_TT_STRUCT:
        while (!r->bad) {
            int t = cg_tr_field(r, &last, &id);
            if (t == CG_TT_STOP)
                break;
            cg_tr_skip(r, t);
        }
        break;
    default: r->bad = 1; break;
    }
    r->depth--;
}
