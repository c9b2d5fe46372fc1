/* Bounds-checked FlatBuffers reader and a small forward builder (see
 * flatbuf.h). The reader trusts nothing: every load is preceded by a check
 * that the bytes lie inside the buffer, with 64-bit arithmetic so offsets
 * near 2^32 cannot wrap. */
#include "io/flatbuf.h"

#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "core/check.h"
#include "core/mem.h"

static uint16_t ld16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t ld64(const uint8_t *p) { return (uint64_t)ld32(p) | ((uint64_t)ld32(p + 4) << 32); }

static int check_table(const cg_fb_buf *b, uint64_t pos, cg_fb_table *t)
{
    if (pos > b->len || b->len - pos < 4)
        return -1;
    int64_t so = (int32_t)ld32(b->p + pos);
    int64_t vt = (int64_t)pos - so;
    if (vt < 0 || (uint64_t)vt > b->len || b->len - (uint64_t)vt < 4)
        return -1;
    uint16_t vsize = ld16(b->p + vt), tsize = ld16(b->p + vt + 2);
    if (vsize < 4 || (vsize & 1) || (uint64_t)vt + vsize > b->len)
        return -1;
    if (tsize < 4 || pos + tsize > b->len)
        return -1;
    t->b = b;
    t->pos = (size_t)pos;
    t->vt = (size_t)vt;
    t->vsize = vsize;
    t->tsize = tsize;
    return 0;
}

/* Offset of field id inside the table (0 = absent), checked to hold size
 * bytes within the table's inline part. */
static int field_off(const cg_fb_table *t, int id, size_t size, size_t *off)
{
    size_t slot = 4 + 2 * (size_t)id;
    *off = 0;
    if (id < 0 || slot + 2 > t->vsize)
        return 0;
    size_t o = ld16(t->b->p + t->vt + slot);
    if (o == 0)
        return 0;
    if (o < 4 || o + size > t->tsize)
        return -1;
    *off = o;
    return 0;
}

int cg_fb_root(const cg_fb_buf *b, cg_fb_table *t)
{
    if (b->len < 4)
        return -1;
    return check_table(b, ld32(b->p), t);
}

int cg_fb_has(const cg_fb_table *t, int id)
{
    size_t off;
    return field_off(t, id, 1, &off) == 0 && off != 0;
}

int cg_fb_u8(const cg_fb_table *t, int id, uint8_t def, uint8_t *v)
{
    size_t off;
    if (field_off(t, id, 1, &off))
        return -1;
    *v = off ? t->b->p[t->pos + off] : def;
    return 0;
}

int cg_fb_i16(const cg_fb_table *t, int id, int16_t def, int16_t *v)
{
    size_t off;
    if (field_off(t, id, 2, &off))
        return -1;
    *v = off ? (int16_t)ld16(t->b->p + t->pos + off) : def;
    return 0;
}

int cg_fb_i32(const cg_fb_table *t, int id, int32_t def, int32_t *v)
{
    size_t off;
    if (field_off(t, id, 4, &off))
        return -1;
    *v = off ? (int32_t)ld32(t->b->p + t->pos + off) : def;
    return 0;
}

int cg_fb_i64(const cg_fb_table *t, int id, int64_t def, int64_t *v)
{
    size_t off;
    if (field_off(t, id, 8, &off))
        return -1;
    *v = off ? (int64_t)ld64(t->b->p + t->pos + off) : def;
    return 0;
}

/* Follows the uoffset stored in field id; *target = 0 when absent. */
static int ref_field(const cg_fb_table *t, int id, uint64_t *target, int *present)
{
    size_t off;
    *present = 0;
    if (field_off(t, id, 4, &off))
        return -1;
    if (!off)
        return 0;
    uint64_t at = (uint64_t)t->pos + off;
    *target = at + ld32(t->b->p + at);
    if (*target >= t->b->len)
        return -1;
    *present = 1;
    return 0;
}

int cg_fb_table_field(const cg_fb_table *t, int id, cg_fb_table *sub, int *present)
{
    uint64_t target = 0;
    if (ref_field(t, id, &target, present))
        return -1;
    return *present ? check_table(t->b, target, sub) : 0;
}

static int check_vec(const cg_fb_buf *b, uint64_t target, size_t elem_size, cg_fb_vec *v)
{
    if (target > b->len || b->len - target < 4)
        return -1;
    uint32_t n = ld32(b->p + target);
    if ((uint64_t)n * elem_size > b->len - target - 4)
        return -1;
    v->b = b;
    v->pos = (size_t)target + 4;
    v->n = n;
    return 0;
}

int cg_fb_vec_field(const cg_fb_table *t, int id, size_t elem_size, cg_fb_vec *v, int *present)
{
    uint64_t target = 0;
    v->b = t->b;
    v->pos = 0;
    v->n = 0;
    if (ref_field(t, id, &target, present))
        return -1;
    return *present ? check_vec(t->b, target, elem_size, v) : 0;
}

int cg_fb_str_field(const cg_fb_table *t, int id, const char **s, uint32_t *n, int *present)
{
    cg_fb_vec v;
    *s = "";
    *n = 0;
    if (cg_fb_vec_field(t, id, 1, &v, present))
        return -1;
    if (*present) {
        *s = (const char *)t->b->p + v.pos;
        *n = v.n;
    }
    return 0;
}

int cg_fb_vec_table(const cg_fb_vec *v, uint32_t i, cg_fb_table *t)
{
    if (i >= v->n)
        return -1;
    uint64_t at = (uint64_t)v->pos + 4 * (uint64_t)i;
    return check_table(v->b, at + ld32(v->b->p + at), t);
}

/* Callers check i < v->n and that the struct fits (cg_fb_vec_field bounds
 * the vector by elem_size); an index past it is a bug, not bad input. */
int64_t cg_fb_vec_i64(const cg_fb_vec *v, uint32_t i, size_t elem_size, size_t off)
{
    CG_ASSERT(i < v->n && off + 8 <= elem_size);
    return (int64_t)ld64(v->b->p + v->pos + (size_t)i * elem_size + off);
}

int32_t cg_fb_vec_i32(const cg_fb_vec *v, uint32_t i, size_t elem_size, size_t off)
{
    CG_ASSERT(i < v->n && off + 4 <= elem_size);
    return (int32_t)ld32(v->b->p + v->pos + (size_t)i * elem_size + off);
}

/* ---- builder ---- */

void cg_fb_put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void cg_fb_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void cg_fb_builder_init(cg_fb_builder *b) { memset(b, 0, sizeof *b); }

void cg_fb_builder_free(cg_fb_builder *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* Appends n zero bytes; returns their position (garbage if b->oom). */
static size_t grow(cg_fb_builder *b, size_t n)
{
    if (b->oom || n > SIZE_MAX - b->len) {
        b->oom = 1;
        return 0;
    }
    uint8_t *p = cg_grow_min(b->p, &b->cap, b->len + n, 1, 256);
    if (!p) {
        b->oom = 1;
        return 0;
    }
    b->p = p;
    size_t pos = b->len;
    memset(b->p + pos, 0, n);
    b->len += n;
    return pos;
}

/* Pads so that (len + ahead) is a multiple of align. */
static void pad_for(cg_fb_builder *b, size_t align, size_t ahead)
{
    size_t r = (b->len + ahead) % align;
    if (r)
        grow(b, align - r);
}

size_t cg_fb_start(cg_fb_builder *b)
{
    b->len = 0;
    return grow(b, 4);
}

size_t cg_fb_add_table(cg_fb_builder *b, const cg_fb_field *f, int n, size_t *pos)
{
    int maxid = -1;
    size_t off[CG_FB_MAX_FIELDS];
    /* Callers build the fixed Arrow schema tables: more fields, or an id
     * beyond them, is a bug (the vtable below is indexed by id). */
    CG_ASSERT(n >= 0 && n <= CG_FB_MAX_FIELDS);
    for (int k = 0; k < n; k++)
        CG_ASSERT(f[k].id >= 0 && f[k].id < CG_FB_MAX_FIELDS);
    size_t cursor = 4;
    /* Widest fields first so that each lands on its natural alignment
     * (the table itself starts 8-aligned). */
    for (int size = 8; size >= 1; size /= 2)
        for (int k = 0; k < n; k++)
            if (f[k].size == size) {
                cursor = (cursor + (size_t)size - 1) / (size_t)size * (size_t)size;
                off[k] = cursor;
                cursor += (size_t)size;
            }
    for (int k = 0; k < n; k++)
        if (f[k].id > maxid)
            maxid = f[k].id;
    size_t vsize = 4 + 2 * (size_t)(maxid + 1);
    pad_for(b, 2, 0);
    size_t vt = grow(b, vsize);
    pad_for(b, 8, 0);
    size_t t = grow(b, cursor);
    if (b->oom)
        return 0;
    uint8_t *v = b->p + vt;
    v[0] = (uint8_t)vsize;
    v[1] = (uint8_t)(vsize >> 8);
    v[2] = (uint8_t)cursor;
    v[3] = (uint8_t)(cursor >> 8);
    cg_fb_put_u32(b->p + t, (uint32_t)(t - vt));
    for (int k = 0; k < n; k++) {
        v[4 + 2 * f[k].id] = (uint8_t)off[k];
        v[5 + 2 * f[k].id] = (uint8_t)(off[k] >> 8);
        uint8_t *d = b->p + t + off[k];
        for (int i = 0; i < f[k].size; i++)
            d[i] = (uint8_t)(f[k].val >> (8 * i));
        if (pos)
            pos[k] = t + off[k];
    }
    return t;
}

void cg_fb_patch(cg_fb_builder *b, size_t at, size_t target)
{
    if (!b->oom)
        cg_fb_put_u32(b->p + at, (uint32_t)(target - at));
}

size_t cg_fb_add_string(cg_fb_builder *b, const char *s)
{
    size_t n = strlen(s);
    pad_for(b, 4, 0);
    size_t pos = grow(b, 4 + n + 1);
    if (!b->oom) {
        cg_fb_put_u32(b->p + pos, (uint32_t)n);
        memcpy(b->p + pos + 4, s, n);
    }
    return pos;
}

size_t cg_fb_add_vec(cg_fb_builder *b, uint32_t n, size_t elem_size, size_t align, const void *data)
{
    pad_for(b, 4, 0);
    pad_for(b, align < 4 ? 4 : align, 4);
    size_t pos = grow(b, 4 + (size_t)n * elem_size);
    if (!b->oom) {
        cg_fb_put_u32(b->p + pos, n);
        if (data && n)
            memcpy(b->p + pos + 4, data, (size_t)n * elem_size);
    }
    return pos;
}

void cg_fb_finish(cg_fb_builder *b) { pad_for(b, 8, 0); }
