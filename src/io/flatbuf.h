/* Just enough FlatBuffers for Arrow IPC metadata: a bounds-checked reader
 * (every offset, vtable and vector is checked against the buffer, so any
 * input is safe) and a forward-writing builder for the few tables we emit. */
#ifndef CG_FLATBUF_H
#define CG_FLATBUF_H

#include <stddef.h>
#include <stdint.h>

/* ---- reading ---- */

typedef struct cg_fb_buf {
    const uint8_t *p;
    size_t len;
} cg_fb_buf;

/* A validated table: pos of the table, its vtable and their sizes. */
typedef struct cg_fb_table {
    const cg_fb_buf *b;
    size_t pos, vt;
    uint16_t vsize, tsize;
} cg_fb_table;

/* A validated vector: pos of its first element and element count. */
typedef struct cg_fb_vec {
    const cg_fb_buf *b;
    size_t pos;
    uint32_t n;
} cg_fb_vec;

/* All return 0 on success, -1 when the buffer is malformed. Field getters
 * distinguish "absent" (return 0, *present = 0) from malformed (-1). */
int cg_fb_root(const cg_fb_buf *b, cg_fb_table *t);
int cg_fb_has(const cg_fb_table *t, int id);
int cg_fb_u8(const cg_fb_table *t, int id, uint8_t def, uint8_t *v);
int cg_fb_i16(const cg_fb_table *t, int id, int16_t def, int16_t *v);
int cg_fb_i32(const cg_fb_table *t, int id, int32_t def, int32_t *v);
int cg_fb_i64(const cg_fb_table *t, int id, int64_t def, int64_t *v);
int cg_fb_table_field(const cg_fb_table *t, int id, cg_fb_table *sub, int *present);
/* elem_size: bytes per element (4 for vectors of tables/strings). */
int cg_fb_vec_field(const cg_fb_table *t, int id, size_t elem_size, cg_fb_vec *v, int *present);
int cg_fb_str_field(const cg_fb_table *t, int id, const char **s, uint32_t *n, int *present);
int cg_fb_vec_table(const cg_fb_vec *v, uint32_t i, cg_fb_table *t);
/* Little-endian loads from a vector of structs (caller knows the layout). */
int64_t cg_fb_vec_i64(const cg_fb_vec *v, uint32_t i, size_t elem_size, size_t off);
int32_t cg_fb_vec_i32(const cg_fb_vec *v, uint32_t i, size_t elem_size, size_t off);

/* ---- building (forward: children are written after their parent) ---- */

typedef struct cg_fb_builder {
    uint8_t *p;
    size_t len, cap;
    int oom;
} cg_fb_builder;

/* One inline field of a table being written: id, byte size (1,2,4,8) and
 * value; ref fields (size 4) get their offset patched by cg_fb_patch. */
typedef struct cg_fb_field {
    int id;
    int size;
    uint64_t val;
} cg_fb_field;

void cg_fb_builder_init(cg_fb_builder *b);
void cg_fb_builder_free(cg_fb_builder *b);
/* Reserves the root offset at 0; patch it with cg_fb_patch(b, 0, table). */
size_t cg_fb_start(cg_fb_builder *b);
/* Writes vtable + table; fills pos[k] with the position of f[k]. */
/* At most this many fields per table, ids 0..CG_FB_MAX_FIELDS-1 (checked). */
#define CG_FB_MAX_FIELDS 16
size_t cg_fb_add_table(cg_fb_builder *b, const cg_fb_field *f, int n, size_t *pos);
/* Makes the uoffset at `at` point to `target` (target must be after it). */
void cg_fb_patch(cg_fb_builder *b, size_t at, size_t target);
size_t cg_fb_add_string(cg_fb_builder *b, const char *s);
/* Vector of n elements of elem_size bytes aligned to align; data may be
 * NULL (zero-filled, e.g. offsets patched later). Returns the vector pos;
 * elements start at pos + 4. */
size_t cg_fb_add_vec(cg_fb_builder *b, uint32_t n, size_t elem_size, size_t align, const void *data);
/* Pads the buffer to a multiple of 8. */
void cg_fb_finish(cg_fb_builder *b);

void cg_fb_put_u32(uint8_t *p, uint32_t v);
void cg_fb_put_u64(uint8_t *p, uint64_t v);

#endif
