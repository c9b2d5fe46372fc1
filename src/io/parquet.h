/* Parquet output of the 22 CDR columns (FORMAT.md "Parquet"): the smallest
 * writer the format allows us, in three pieces.
 *
 *  - A page builder (one per worker): records are appended column by column
 *    into plain-encoded buffers; cg_pq_encode turns the rows so far into a
 *    page set, one compressed data page (page header included) per column.
 *  - The dictionary pages: the categorical columns use fixed dictionaries
 *    (every value the format can take, in a fixed order; tz_name the run's
 *    zone), so a dictionary page is the same bytes in every column chunk of
 *    a run and data pages from any worker combine into any row group.
 *  - The footer: FileMetaData in the Thrift compact protocol, written from a
 *    list of row groups, and read back (by merge) from a file we wrote.
 *
 * Everything here is a function of the records, the codec and the zone:
 * the same bytes for any worker count. */
#ifndef CG_PARQUET_H
#define CG_PARQUET_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/synth.h"
#include "io/codec.h"
#include "io/thrift.h"

#define CG_PQ_NCOLS 22
/* Rows of one page set at most (a block of subscribers is cut into page
 * sets of this many rows). */
#define CG_PQ_PAGE_ROWS 16384

extern const char CG_PQ_MAGIC[4]; /* "PAR1" */

typedef struct cg_pq_page {
    size_t off;   /* in the cg_pq_out's z */
    uint32_t len; /* bytes: page header + compressed body */
    uint32_t unc; /* page header + uncompressed body */
} cg_pq_page;

typedef struct cg_pq_set {
    uint32_t rows;
    cg_pq_page pg[CG_PQ_NCOLS];
} cg_pq_set;

/* The page sets of a block, in order. */
typedef struct cg_pq_out {
    unsigned char *z;
    size_t zlen, zcap;
    cg_pq_set *sets;
    size_t nsets, setcap;
} cg_pq_out;

void cg_pq_out_clear(cg_pq_out *o);
void cg_pq_out_free(cg_pq_out *o);

typedef struct cg_pq_cols cg_pq_cols;

int cg_pq_cols_new(cg_pq_cols **c, const char *tz_name, cg_err *err);
void cg_pq_cols_free(cg_pq_cols *c);
size_t cg_pq_cols_rows(const cg_pq_cols *c);
/* Appends one record (the builder must hold fewer than CG_PQ_PAGE_ROWS
 * rows); counts it in n[type]. */
void cg_pq_add(cg_pq_cols *c, const cg_rec *r, uint64_t n[3]);
/* The rows so far as one page set appended to o (nothing for 0 rows); the
 * builder is empty after. */
int cg_pq_encode(cg_pq_cols *c, cg_codec_ctx *codec, cg_pq_out *o, cg_err *err);

/* The dictionary page of each categorical column (len 0 for the others),
 * the same for every column chunk of a run. */
typedef struct cg_pq_dicts {
    unsigned char *b;
    size_t off[CG_PQ_NCOLS];
    uint32_t len[CG_PQ_NCOLS], unc[CG_PQ_NCOLS];
} cg_pq_dicts;

int cg_pq_dicts_build(cg_pq_dicts *d, cg_codec_ctx *codec, const char *tz_name, cg_err *err);
void cg_pq_dicts_free(cg_pq_dicts *d);

/* What a reader of our files needs to know of column k (0..21). */
typedef struct cg_pq_colinfo {
    const char *name;
    int physical; /* 1 INT32, 2 INT64, 6 BYTE_ARRAY */
    int nullable, dict;
} cg_pq_colinfo;

cg_pq_colinfo cg_pq_col(int k);

/* One column chunk and one row group, offsets from the start of the file. */
typedef struct cg_pq_chunk {
    int64_t dict_off; /* -1: none */
    int64_t data_off;
    int64_t unc, comp; /* page bytes, headers included */
} cg_pq_chunk;

typedef struct cg_pq_rg {
    int64_t rows;
    cg_pq_chunk c[CG_PQ_NCOLS];
} cg_pq_rg;

/* Moves a row group's offsets by shift bytes (its file is copied into
 * another at a different position). */
void cg_pq_rg_shift(cg_pq_rg *g, int64_t shift);

/* The file's tail: FileMetaData of these row groups, its length and the
 * magic, appended to w. codec is an enum cg_codec. */
void cg_pq_footer(cg_tw *w, const cg_pq_rg *rgs, size_t n, int codec);

/* Reads the footer of a Parquet file we wrote: tail is the file's last
 * tail_n bytes (or all of it), file_n the file's size. Checks the magic, the
 * schema (byte for byte ours), 22 columns of one codec in every row group
 * and every offset inside the file; sets *rgs (malloc'ed), *n, *codec and
 * *data_end (where the footer begins). Errors are CG_ERUNTIME naming name.
 * *need > tail_n (and CG_OK) asks for a longer tail. */
int cg_pq_footer_read(const unsigned char *tail, size_t tail_n, uint64_t file_n,
                      const char *name, cg_pq_rg **rgs, size_t *n, int *codec,
                      uint64_t *data_end, size_t *need, cg_err *err);

/* cg_pq_footer_read on an open file: checks the leading magic, reads the
 * tail (longer when the footer needs it); *size is the file's size. */
int cg_pq_read_fd(int fd, const char *path, uint64_t *size, cg_pq_rg **rgs, size_t *n,
                  int *codec, uint64_t *data_end, cg_err *err);

/* A page header at r (its type, uncompressed and compressed body sizes and
 * values), its body in r's bytes after it: 0, or -1 when malformed. */
int cg_pq_page_header(cg_tr *r, int *type, int64_t *unc, int64_t *comp, int32_t *nvals);

/* One column chunk b[0..n) of a file we wrote: every page header parses,
 * the dictionary page comes first when has_dict, every page decompresses
 * (codec: enum cg_codec) to its stated size, the data pages hold rows
 * values. CG_ERUNTIME naming name otherwise. */
int cg_pq_check_chunk(const char *name, const unsigned char *b, size_t n, int codec,
                      int64_t rows, int has_dict, cg_err *err);

#endif
