/* The two small JSON documents of an output day (SPEC section 4): per-shard
 * stats and the day summary. Writers format into a caller's buffer; the
 * strict parsers accept exactly those shapes, for `merge`. */
#ifndef CG_JSON_H
#define CG_JSON_H

#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

/* What a shard records of its day, for `merge` to prove the day whole:
 * {"shard":K,"calls":C,"sms":S,"data":D,"shards":N,"run":"<16 hex>",
 *  "parts":M,"part_rows":[r0,..],"part_bytes":[b0,..]} (FORMAT.md). */
/* Kinds of anomalies counted (gen/anomaly.h, in its order), and their
 * names as the label files write them. */
#define CG_STATS_ANOM 11
extern const char *const cg_anom_kind_names[CG_STATS_ANOM];

typedef struct cg_stats {
    int shard, shards;     /* K of N (an unsharded run: 0 of 1) */
    uint64_t n[3];         /* calls, sms, data records */
    uint64_t run;          /* run fingerprint: seed, configuration, database */
    uint32_t parts;        /* part files 000..M-1 */
    uint64_t *part_rows;   /* [parts] rows of each part, its header excluded */
    uint64_t *part_bytes;  /* [parts] size of each part file */
    int has_anom;          /* the run had anomalies: their counts by kind */
    uint64_t anom[CG_STATS_ANOM];
} cg_stats;

/* Bytes cg_json_stats needs at most for m parts. */
#define CG_JSON_STATS_MAX(m) (256 + CG_STATS_ANOM * 21 + (size_t)(m) * 42)

/* Formats st and a newline. Returns the length the full text needs (like
 * snprintf); it was truncated when >= cap. */
size_t cg_json_stats(char *buf, size_t cap, const cg_stats *st);

/* {"total_calls":C,"total_sms":S,"total_data":D,"shards":N} and a newline;
 * with anom (not NULL), "anomalies":[counts by kind] before the '}'. */
size_t cg_json_summary(char *buf, size_t cap, uint64_t calls, uint64_t sms, uint64_t data,
                       int shards);
size_t cg_json_summary_anom(char *buf, size_t cap, uint64_t calls, uint64_t sms, uint64_t data,
                            int shards, const uint64_t *anom);

/* Parses text[0..n) as one object with exactly the keys of cg_stats (any
 * order, any JSON whitespace): non-negative integers (shard < shards <=
 * 2^31), run a string of 16 lowercase hex digits, part_rows and part_bytes
 * arrays of `parts` integers, allocated here (cg_stats_free). Anything else
 * is CG_ERUNTIME with a message such as "stats JSON, byte 17: duplicate key
 * \"sms\"": it does not know the file name, so callers prefix it. */
int cg_json_parse_stats(const char *text, size_t n, cg_stats *st, cg_err *err);
void cg_stats_free(cg_stats *st);

/* Same for the summary shape: total_calls, total_sms, total_data, shards
 * (and, optional, anomalies: CG_STATS_ANOM counts, into anom when not NULL,
 * *has_anom 1). */
int cg_json_parse_summary(const char *text, size_t n, uint64_t *calls, uint64_t *sms,
                          uint64_t *data, int *shards, cg_err *err);
int cg_json_parse_summary_anom(const char *text, size_t n, uint64_t *calls, uint64_t *sms,
                               uint64_t *data, int *shards, uint64_t *anom, int *has_anom,
                               cg_err *err);

#endif
