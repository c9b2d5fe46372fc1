/* The ground truth of a run (FORMAT.md "subscribers.csv"): who every
 * subscriber of the shard is in the People model — number, profile,
 * activity levels, sociability, home and work cells, household, work place
 * or school, circles — written atomically to OUT/subscribers_shardKKK.csv
 * (and, for an unsharded run, as OUT/subscribers.csv, the file merge builds
 * from the shards' files). */
#ifndef CG_TRUTH_H
#define CG_TRUTH_H

#include <stdint.h>

#include "core/err.h"
#include "core/synth.h"

/* Subscribers [lo, hi) of the model; shard < 0 for an unsharded run. */
int cg_truth_write(const cg_model *m, uint64_t lo, uint64_t hi, const char *out, int shard,
                   cg_err *err);

#endif
