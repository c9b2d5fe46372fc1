/* The fraud and churn part of `cdrgen report` (docs/SCENARIOS.md): the
 * label counts of OUT/labels/fraud.csv and churn.csv, and per scenario its
 * signature metric for the labelled subscribers against an unlabelled
 * sample, with the hits of the scenario's simple rule in each. The rules
 * read only the CDRs (and the premium ranges an analyst would know); the
 * labels only split the subscribers. Bounded memory: every labelled
 * subscriber (at most CG_FREP_MAX_LABELLED) and a bottom-k hash sample of
 * CG_FREP_SAMPLE unlabelled ones; off-net numbers in a table of
 * CG_FREP_NUMBERS. */
#ifndef CG_FRAUDREP_H
#define CG_FRAUDREP_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

#define CG_FREP_SAMPLE 20000
#define CG_FREP_MAX_LABELLED 100000
#define CG_FREP_NUMBERS (1u << 20)
#define CG_FREP_SCENARIOS 7 /* core/fraud.h: sim_box .. churn */

typedef struct cg_frep_metric {
    const char *metric, *rule;
    double labelled, unlabelled;   /* medians; NaN when none */
    uint64_t n_labelled, n_unlabelled, hit_labelled, hit_unlabelled;
} cg_frep_metric;

typedef struct cg_frep {
    int present;                        /* the run has labels */
    uint64_t cases[CG_FREP_SCENARIOS];  /* label rows by scenario (subscribers) */
    uint64_t numbers;                   /* Wangiri numbers labelled */
    cg_frep_metric m[CG_FREP_SCENARIOS];
    int numbers_capped;                 /* the off-net number table filled up */
    int labelled_capped;
} cg_frep;

typedef struct cg_frep_state cg_frep_state;

/* Reads the labels of out_dir, whose first day is day0 (days since 1970)
 * and which has ndays days (none there: *st NULL, rep->present 0). */
int cg_frep_open(cg_frep_state **st, const char *out_dir, int32_t day0, int ndays, cg_frep *rep,
                 cg_err *err);

/* One CDR row: its owner and other party, type (0 call, 1 SMS, 2 data),
 * MO, answered (a call that was), duration, start (UTC ms, local offset),
 * the run's day index, IMSI, its cell's site and position (site < 0:
 * unknown). -1 when out of memory. */
typedef struct cg_frep_row {
    uint64_t owner, other, imsi;
    int type, mo, answered;
    int64_t dur_s, t_ms;
    int off_min, day;
    int site;
    double lat, lon;
} cg_frep_row;
int cg_frep_add(cg_frep_state *st, const cg_frep_row *r);

/* The metrics into rep; frees st. */
void cg_frep_finish(cg_frep_state *st, cg_frep *rep);

/* The report's "fraud" JSON object (rep->present) or null. */
void cg_frep_json(FILE *f, const cg_frep *rep);
/* Its text lines. */
void cg_frep_print(FILE *f, const cg_frep *rep);

#endif
