/* The Parquet side of the engine's ordered writer: page sets come in, in
 * block order; row groups go out to a file, each column chunk its
 * dictionary page (when it has one) and its data pages; a part ends with
 * the footer of its row groups, a day bundle with the footer of all of
 * them (FORMAT.md "Parquet").
 *
 * A row group closes when it holds CG_PQS_RG_UNC bytes of uncompressed
 * pages, or CG_PQS_RG_ROWS rows; a part, as a CSV part does, once its
 * uncompressed bytes reach --rotate-bytes (at a page-set boundary). Both
 * count bytes before compression, so where files and row groups end does
 * not depend on the codec library's build. Only the writer (one thread at a
 * time) touches a sink. */
#ifndef CG_PQSINK_H
#define CG_PQSINK_H

#include <stdint.h>

#include "io/afile.h"
#include "io/parquet.h"

#define CG_PQS_RG_UNC ((uint64_t)16 << 20)
#define CG_PQS_RG_ROWS 1048576

typedef struct cg_pqsink {
    const cg_pq_dicts *dicts;
    int codec;
    uint64_t rotate;
    /* the open row group: each column's data pages */
    unsigned char *b[CG_PQ_NCOLS];
    size_t len[CG_PQ_NCOLS], cap[CG_PQ_NCOLS];
    int64_t unc[CG_PQ_NCOLS];
    int64_t rows;
    uint64_t rg_unc;
    uint64_t part_unc; /* the open part's uncompressed bytes, magic included */
    cg_pq_rg *part_rgs, *day_rgs;
    size_t npart, part_cap, nday, day_cap;
    cg_tw tw;
} cg_pqsink;

void cg_pqsink_init(cg_pqsink *s, const cg_pq_dicts *d, int codec, uint64_t rotate);
void cg_pqsink_free(cg_pqsink *s);
/* Adds a page set (its pages in z). Returns 0, 1 when the row group is to
 * be flushed, 2 when the part is also to be closed after it; -1 (err set)
 * when out of memory. */
int cg_pqsink_add(cg_pqsink *s, const unsigned char *z, const cg_pq_set *set, cg_err *err);
/* Writes the open row group to f, whose part-relative position *pos
 * advances; the row group is listed for the part and, shifted by
 * bundle_shift, for the day. *rows gets its rows. */
int cg_pqsink_flush(cg_pqsink *s, cg_afile *f, uint64_t *pos, int64_t bundle_shift,
                    uint64_t *rows, cg_err *err);
/* The part's footer (in s->tw), and a new part begins. */
int cg_pqsink_part_footer(cg_pqsink *s, cg_err *err);
/* The day's footer (in s->tw). */
int cg_pqsink_day_footer(cg_pqsink *s, cg_err *err);

#endif
