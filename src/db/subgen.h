/* Generator of the subscriber database (SPEC 5 "Generation"): an initial
 * population joining at 2024-01-01T00:00Z, then day by day device changes,
 * SIM swaps, number releases, re-assignments after a cool-down and rare new
 * subscribers, streamed to a sink in timestamp order. */
#ifndef CG_SUBGEN_H
#define CG_SUBGEN_H

#include <stdint.h>
#include "core/config.h"
#include "core/err.h"
#include "db/subsource.h"

#define CG_SUBGEN_T0_MS 1704067200000LL /* 2024-01-01T00:00:00Z */
#define CG_SUBGEN_DAY_MS 86400000LL

typedef struct cg_subgen_stats {
    uint64_t events;   /* rows written */
    uint64_t active;   /* subscribers holding a number at the end */
    uint64_t cooldown; /* released numbers not yet re-assigned at the end */
} cg_subgen_stats;

/* Checks the db_* fields, prefixes and mccmnc_pool (CG_EUSAGE naming the
 * flag). */
int cg_subgen_check(const cg_config *cfg, cg_err *err);

/* Daily probability of an event whose probability over 365 days is annual. */
double cg_subgen_daily_prob(double annual);

/* Writes the whole database to sink (does not close it). Deterministic for
 * (cfg->seed, the db_* fields, prefixes, mccmnc_pool). */
int cg_subgen_run(const cg_config *cfg, cg_subsink *sink, cg_subgen_stats *st, cg_err *err);

#endif
