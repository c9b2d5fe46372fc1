/* The two small JSON documents of an output day (SPEC section 4): per-shard
 * stats and the day summary. Writers format into a caller's buffer; the
 * strict parsers accept exactly those shapes, for `merge`. */
#ifndef CG_JSON_H
#define CG_JSON_H

#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

/* {"shard":N,"calls":C,"sms":S,"data":D} and a newline. Returns the length
 * the full text needs (like snprintf); it was truncated when >= cap. */
size_t cg_json_stats(char *buf, size_t cap, int shard, uint64_t calls, uint64_t sms,
                     uint64_t data);

/* {"total_calls":C,"total_sms":S,"total_data":D,"shards":N} and a newline. */
size_t cg_json_summary(char *buf, size_t cap, uint64_t calls, uint64_t sms, uint64_t data,
                       int shards);

/* Parse text[0..n) as one object with exactly the keys shard, calls, sms,
 * data (any order, any JSON whitespace), each a non-negative integer (shard
 * below 2^31). Anything else is CG_ERUNTIME with a message such as
 * "stats JSON, byte 17: duplicate key \"sms\"": it does not know the file
 * name, so callers prefix it. */
int cg_json_parse_stats(const char *text, size_t n, int *shard, uint64_t *calls, uint64_t *sms,
                        uint64_t *data, cg_err *err);

/* Same for the summary shape: total_calls, total_sms, total_data, shards. */
int cg_json_parse_summary(const char *text, size_t n, uint64_t *calls, uint64_t *sms,
                          uint64_t *data, int *shards, cg_err *err);

#endif
