/* Merging the outputs of `generate --shard K/N` runs (SPEC 4 and 6): checks
 * that a day's shards are complete and consistent, then builds the day
 * bundle by copying compressed bytes (no recompression) and writes the
 * summary last. Used by `cdrgen merge OUT` (cli/cmd_merge.c). */
#ifndef CG_MERGE_H
#define CG_MERGE_H

#include <stddef.h>
#include <stdint.h>
#include "core/config.h"
#include "core/err.h"
#include "io/json.h"

/* What cg_merge_day did with a day. */
enum {
    CG_MERGE_DONE = 0,     /* bundle and summary written */
    CG_MERGE_NO_STATS = 1, /* the day directory has no stats_shard*.json: skipped */
    CG_MERGE_CLEANED = 2   /* no part files left, but summary and bundle are there and
                            * agree with the stats (an unsharded run with
                            * --cleanup-after-archive): nothing to do */
};

typedef struct cg_merge_result {
    int status;               /* CG_MERGE_* */
    int shards;               /* N */
    int parts;                /* part files copied */
    int codec;                /* enum cg_codec of the parts */
    uint64_t calls, sms, data;
    uint64_t bundle_bytes;    /* compressed size of the bundle */
    char bundle[CG_PATH_MAX]; /* path of the bundle */
} cg_merge_result;

/* OUT/subscribers.csv from the shards' OUT/subscribers_shardKKK.csv, K =
 * 0..shards-1, in shard order, one header: CG_ERUNTIME naming a missing or
 * headless shard file. *written 0 (CG_OK, nothing done) when there is none
 * of them (an unsharded run writes subscribers.csv itself); *rows:
 * subscribers written. */
/* DAYDIR/anomalies.csv from the shards' anomalies_shardKKK.csv, in shard
 * order, one header, when the run had anomalies (none of them: CG_OK,
 * *rows 0); a missing one is an error naming it. */
int cg_merge_labels(const char *out_dir, const char *daydir, int shards, uint64_t *rows,
                    cg_err *err);

int cg_merge_subscribers(const char *out_dir, int shards, uint64_t *rows, int *written,
                         cg_err *err);
/* OUT/labels/fraud.csv (kind 0) or churn.csv (1) from the shards' files,
 * as cg_merge_subscribers. */
int cg_merge_case_labels(const char *out_dir, int shards, int kind, uint64_t *rows,
                         int *written, cg_err *err);

/* Length of the header member / frame at the start of a part file whose
 * first n bytes are buf (n may stop anywhere after that member): the member
 * must decompress to exactly CG_CDR_HEADER. name is for messages. A part
 * that does not start so is CG_ERUNTIME ("NAME: does not start with the CDR
 * header as its own gzip member"). */
int cg_merge_header_len(const void *buf, size_t n, int codec, const char *name, size_t *hlen,
                        cg_err *err);

/* Merges day `date` (YYYY-MM-DD) of out_dir: reads OUT/DATE/stats_shard*.json,
 * requires shards 0..N-1 exactly once, every part file's shard among them,
 * parts 000..M-1 of each shard without gaps, one codec; then writes
 * OUT/cdr_DATE.csv[.gz|.zst] = the header member of shard 0's first part and
 * every part's bytes after its header member (shard order, then part order),
 * removes bundles of the other codecs, and writes OUT/DATE/summary.json last.
 * The caller holds OUT/.cdrgen.lock exclusively. Inconsistent input is
 * CG_ERUNTIME naming the day and shard or file. */
int cg_merge_day(const char *out_dir, const char *date, cg_merge_result *res, cg_err *err);

/* Reads and parses a stats_shardKKK.json (cg_json_parse_stats); errors name
 * the file. st is freed with cg_stats_free. */
int cg_merge_read_stats(const char *path, cg_stats *st, cg_err *err);

/* The names YYYY-MM-DD (valid dates) of directories in out_dir, sorted, in a
 * malloc'ed array of 11-byte strings (*n may be 0). */
int cg_merge_list_days(const char *out_dir, char (**days)[11], size_t *n, cg_err *err);

#endif
