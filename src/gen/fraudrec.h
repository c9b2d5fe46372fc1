/* The records of the fraud scenarios (MODEL.md "Fraud and churn",
 * docs/SCENARIOS.md), added to a subscriber-day after its own are made
 * (the model's post hook), and the run's labels. A scenario's records are
 * ordinary CDRs: only the labels tell them. Both records of an on-net call
 * (a SIM box's) are made by each side alone: the callee of a SIM's slot is
 * a keyed permutation of the day, which the callee inverts. */
#ifndef CG_FRAUDREC_H
#define CG_FRAUDREC_H

#include <stdint.h>

#include "core/err.h"
#include "core/synth.h"

/* The post hook (cg_model.post): subscriber i's scenario records of day
 * dp into rb. -1 when out of memory. */
int cg_fraudrec_post(const cg_model *m, const cg_dayparams *dp, uint64_t i, cg_recbuf *rb);

/* The labels of subscribers [lo, hi) (and, for shard 0 or an unsharded
 * run, the campaigns' numbers) into OUT/labels/fraud[_shardKKK].csv and
 * churn[_shardKKK].csv; with no cases configured, an unsharded run
 * removes those an earlier run left. */
int cg_fraud_labels_write(const cg_model *m, uint64_t lo, uint64_t hi, const char *out,
                          int shard, cg_err *err);

#endif
