/* The output interface of the engine: how one subscriber-day's records
 * become bytes of a part file. The engine cuts those bytes into parts at
 * row boundaries, compresses each piece and writes it in order; a format
 * only says what a row looks like and what heads every part.
 *
 * CSV implements it today (gen/outfmt_csv.c). A columnar format that needs
 * whole row groups (Parquet) gets a block hook here, and its file names a
 * kind in io/layout; ARCHITECTURE.md says where each piece goes. */
#ifndef CG_OUTFMT_H
#define CG_OUTFMT_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/synth.h"

typedef struct cg_outfmt {
    const char *name;   /* "csv" */
    const char *header; /* text that begins every part and the bundle */
    size_t max_row;     /* no row is longer (the buffer bound per record) */
    size_t state_size;  /* per-worker formatter state, zeroed, then init */
    void (*init)(void *state, const cg_config *cfg);
    /* Appends the rows of records [from, to) of rb at out (room for
     * (to - from) x max_row bytes); adds the calls, SMS and data rows
     * written to n[0..2]; returns the bytes written. */
    size_t (*rows)(void *state, const cg_recbuf *rb, size_t from, size_t to, char *out,
                   uint64_t n[3]);
} cg_outfmt;

/* The CSV of FORMAT.md section 2. */
extern const cg_outfmt cg_outfmt_csv;

#endif
