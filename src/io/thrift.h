/* The Thrift compact protocol, as much of it as a Parquet footer and page
 * header need: a writer into a growable buffer and a bounded reader that
 * skips what it does not know (io/parquet.c is its one user).
 *
 * Compact protocol in short: a field header is one byte (delta of the field
 * id from the previous one << 4 | type) or, for a larger jump, the type
 * byte and a zigzag varint id; integers are zigzag varints; a binary is a
 * varint length and its bytes; a list header is (size << 4 | element type)
 * or (0xf0 | type) and a varint size; a bool field carries its value in
 * the type (1 true, 2 false); a struct ends with a 0 byte. */
#ifndef CG_THRIFT_H
#define CG_THRIFT_H

#include <stddef.h>
#include <stdint.h>

enum {
    CG_TT_STOP = 0, CG_TT_TRUE = 1, CG_TT_FALSE = 2, CG_TT_BYTE = 3, CG_TT_I16 = 4,
    CG_TT_I32 = 5, CG_TT_I64 = 6, CG_TT_DOUBLE = 7, CG_TT_BINARY = 8, CG_TT_LIST = 9,
    CG_TT_SET = 10, CG_TT_MAP = 11, CG_TT_STRUCT = 12
};

#define CG_TW_DEPTH 16

typedef struct cg_tw {
    unsigned char *p;
    size_t len, cap;
    int oom;                     /* an append failed: the bytes are not usable */
    int depth;
    int16_t last[CG_TW_DEPTH];   /* previous field id per open struct */
} cg_tw;

void cg_tw_reset(cg_tw *w); /* keeps the buffer */
void cg_tw_free(cg_tw *w);
void cg_tw_raw(cg_tw *w, const void *p, size_t n);
void cg_tw_i32(cg_tw *w, int id, int32_t v);
void cg_tw_i64(cg_tw *w, int id, int64_t v);
void cg_tw_bool(cg_tw *w, int id, int v);
void cg_tw_bin(cg_tw *w, int id, const void *s, size_t n);
void cg_tw_str(cg_tw *w, int id, const char *s);
/* A struct field (id > 0) or a list element (id 0): fields follow, then
 * cg_tw_end. */
void cg_tw_begin(cg_tw *w, int id);
void cg_tw_end(cg_tw *w);
/* A list field of n elements of type etype; the elements follow (structs
 * through cg_tw_begin(w, 0), others through the el_ functions). */
void cg_tw_list(cg_tw *w, int id, int etype, uint32_t n);
void cg_tw_el_i32(cg_tw *w, int32_t v);
void cg_tw_el_str(cg_tw *w, const char *s);

/* A bounded reader: every read checks the end; bad is set for good on any
 * malformed or truncated input, and then everything reads as 0. */
typedef struct cg_tr {
    const unsigned char *p, *end;
    int bad;
    int depth;
} cg_tr;

uint64_t cg_tr_varint(cg_tr *r);
int64_t cg_tr_zigzag(cg_tr *r);
/* The next field header in the struct whose previous id is *last: its type
 * (CG_TT_STOP at the end) and id. */
int cg_tr_field(cg_tr *r, int *last, int *id);
/* A list header: element type and count (bounded by the bytes left). */
int cg_tr_list(cg_tr *r, uint32_t *n);
/* Binary: pointer and length inside the input. */
const unsigned char *cg_tr_bin(cg_tr *r, size_t *n);
/* Skips a value of the type (nested at most CG_TW_DEPTH deep). */
void cg_tr_skip(cg_tr *r, int type);

#endif
