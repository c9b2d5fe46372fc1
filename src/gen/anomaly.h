/* Data-quality anomalies (`anomalies:`, MODEL.md "Anomalies"): a
 * subscriber-day's clean records made dirty the way switches and mediation
 * make them (duplicates, missing fields, orphaned halves, bad timestamps,
 * corrupt values, records filed a day late), every change labelled. Which
 * record gets which anomaly is a pure function of (seed, subscriber, day,
 * the record's rank in the subscriber's clean day); a record gets at most
 * one. A late (or wrong-day) record leaves its day and is appended to the
 * subscriber's next day, which recomputes the day before for the few
 * subscribers that can have such records. Labels are CSV lines
 * (CG_ANOM_HEADER) in the order of the rows. */
#ifndef CG_ANOMALY_H
#define CG_ANOMALY_H

#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"
#include "core/synth.h"
#include "io/cdrfmt.h"
#include "io/layout.h"

enum cg_anom_kind {
    CG_AN_LATE = 0, CG_AN_WRONG_DAY, CG_AN_DUPLICATE, CG_AN_SHIFTED, CG_AN_MISSING,
    CG_AN_ORPHAN, CG_AN_FUTURE, CG_AN_END_BEFORE, CG_AN_IMSI, CG_AN_CELL, CG_AN_DURATION,
    CG_AN_KINDS
};

/* Their names: cg_anom_kind_names (io/json.h). */

#define CG_ANOM_HEADER CG_ANOM_LABEL_HEADER

/* Per-worker scratch. */
typedef struct cg_anom_scratch {
    cg_rec *late;     /* the records of the day before filed late into this one */
    size_t *late_rank;
    int *late_kind;
    size_t nlate, late_cap;
    uint32_t *order;  /* the day's records in output order */
    size_t order_cap;
    cg_cdrfmt fmt;    /* formats a record to read its fields */
    int fmt_ready;
    char row[CG_CDR_MAX_ROW];
} cg_anom_scratch;

void cg_anom_scratch_free(cg_anom_scratch *s);

/* Before subscriber i's day is made: its day before (dp_prev, built with
 * its own day before; NULL: no late records configured), recomputed in rb
 * when it can file late, and the records it files late kept in sc. -1
 * when out of memory. */
int cg_anom_prev(const cg_model *m, const cg_dayparams *dp_prev, uint64_t i, cg_recbuf *rb,
                 cg_anom_scratch *sc);

/* Applies the anomalies to subscriber i's records rb of day dp (dates:
 * prev_date, date, next_date "YYYY-MM-DD"); appends to them those that
 * cg_anom_prev kept, labels into lab, counts by kind into cnt. -1 when out
 * of memory (rb->over_cap: too many records). */
int cg_anom_apply(const cg_model *m, const cg_dayparams *dp, uint64_t i, const char *prev_date, const char *date, const char *next_date,
                  cg_recbuf *rb, cg_anom_scratch *sc, cg_text *lab,
                  uint64_t cnt[CG_AN_KINDS]);

#endif
