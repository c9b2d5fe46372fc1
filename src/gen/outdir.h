/* The output directory's hygiene for generate: its locks, and what of an
 * earlier run's files a new run removes before it writes a day (FORMAT.md,
 * SCALE-OUT.md). Names come from io/layout. */
#ifndef CG_OUTDIR_H
#define CG_OUTDIR_H

#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

/* Takes flock(2) on OUT/.cdrgen.lock (shared when sharded, else exclusive)
 * and, when sharded, OUT/.cdrgen.shardKKK.lock exclusive, into fds[0..1]
 * (-1 when not taken). Two runs into one directory would interleave files:
 * the second is refused naming the lock. The caller closes the fds. */
int cg_outdir_lock(const cg_config *cfg, int fds[2], cg_err *err);

/* Removes a day's earlier outputs before the day is written: its summary
 * first (so the day stops looking complete), the bundles and this shard's
 * parts and stats (every shard's when not sharded); when sharded, the files
 * of other shards that are provably of another run; then temporary files
 * of killed writers. run_fp: this run's fingerprint. */
int cg_outdir_clear_day(const cg_config *cfg, const char *daydir, const char *date, int shard,
                        uint64_t run_fp, cg_err *err);

#endif
