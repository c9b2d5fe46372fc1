/* The generate engine: runs the model over every day and subscriber of a
 * shard on N worker threads and writes the part files, stats, bundle and
 * summary of SPEC 4 in the output format given. No printing, no exit
 * codes: the command line (cli/cmd_generate.c) gets progress, notes and the
 * day totals through hooks. See engine.c for the threading protocol. */
#ifndef CG_ENGINE_H
#define CG_ENGINE_H

#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "gen/outfmt.h"

typedef struct cg_gen_progress {
    const char *date; /* YYYY-MM-DD of the day being written */
    int day_no, days; /* 0-based day of the run, days in the run */
    uint64_t subs_done, subs_total, rows, raw_bytes;
    double elapsed_s; /* since the day's workers started */
    int final;        /* the last call of the day */
} cg_gen_progress;

typedef struct cg_gen_hooks {
    void *ctx;
    /* From the calling thread, about every 250 ms while a day runs and once
     * when it ends; NULL: no progress polling at all. */
    void (*progress)(void *ctx, const cg_gen_progress *p);
    /* After each day is complete on disk. */
    void (*day_done)(void *ctx, const char *date, const uint64_t counts[3]);
    /* A one-line note ("note") or warning ("warning") found before anything
     * is written (a date the clocks skipped, --subs larger than the
     * database). */
    void (*note)(void *ctx, const char *kind, const char *msg);
} cg_gen_hooks;

/* Generates cfg->days days from cfg->start_day into cfg->out. Exit-code
 * semantics of the returned code: CG_EUSAGE for a configuration that
 * cannot run (more shards than subscribers, a day before the epoch),
 * CG_ERUNTIME otherwise. hooks may be NULL. */
int cg_gen_run(const cg_config *cfg, const cg_outfmt *fmt, const cg_gen_hooks *hooks,
               cg_err *err);

#endif
