/* The output layout (FORMAT.md section 1), the one module that spells and
 * reads the names of the files generate writes and merge reads:
 *
 *   OUT/.cdrgen.lock                         run lock (shared by shards)
 *   OUT/.cdrgen.shardKKK.lock                one shard's lock
 *   OUT/cells.csv                            cell catalog
 *   OUT/subscribers.csv                      who everyone is (ground truth)
 *   OUT/subscribers_shardKKK.csv             one shard's part of it
 *   OUT/labels/fraud.csv, churn.csv          the fraud and churn cases
 *   OUT/labels/fraud_shardKKK.csv, ...       one shard's part of them
 *   OUT/cdr_DATE.csv[.gz|.zst]               day bundle (or cdr_DATE.parquet)
 *   OUT/DATE/cdr_DATE_shardKKK_partPPP.csv[.gz|.zst]   (or .parquet)
 *   OUT/DATE/stats_shardKKK.json
 *   OUT/DATE/summary.json
 *
 * (KKK, PPP: at least three digits; temporary names are io/afile's.)
 *
 * Paths are built in a cg_path, which reports overflow instead of
 * truncating: a too-long name keeps its error until the caller checks it
 * with cg_path_ok (SQLite's StrAccum), so no path is ever silently cut. */
#ifndef CG_LAYOUT_H
#define CG_LAYOUT_H

#include <stddef.h>

#include "core/config.h"
#include "core/err.h"

typedef struct cg_path {
    char s[CG_PATH_MAX];
    size_t len;
    int overflow; /* an append did not fit: s holds what did, never used */
} cg_path;

void cg_path_init(cg_path *p);
/* Appends printf-formatted text; on overflow sets p->overflow for good. */
void cg_path_add(cg_path *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* CG_OK, or CG_ERUNTIME "PATH...: path longer than N bytes". */
int cg_path_ok(const cg_path *p, cg_err *err);

/* Each resets p and builds one name; check with cg_path_ok before use. */
void cg_lay_join(cg_path *p, const char *dir, const char *name);
void cg_lay_daydir(cg_path *p, const char *out, const char *date);
/* The kind of a CDR file, which its name ends in: an enum cg_codec for CSV
 * (".csv", ".csv.gz", ".csv.zst"), CG_LAY_PARQUET for ".parquet" (its codec
 * is inside, per page). */
#define CG_LAY_PARQUET 16
int cg_lay_kind(int format, int codec);
void cg_lay_bundle(cg_path *p, const char *out, const char *date, int kind);
void cg_lay_part(cg_path *p, const char *daydir, const char *date, int shard, int part,
                 int kind);
void cg_lay_stats(cg_path *p, const char *daydir, int shard);
void cg_lay_summary(cg_path *p, const char *daydir);
void cg_lay_run_lock(cg_path *p, const char *out);
/* OUT/subscribers.csv (shard < 0) or OUT/subscribers_shardKKK.csv, and
 * their first line (FORMAT.md "subscribers.csv"). */
#define CG_SUBSCRIBERS_HEADER                                                           \
    "msisdn,profile,activity_calls,activity_sms,activity_data,sociability,home_cell,"   \
    "work_cell,place,household,workplace,circle_neighbourhood,circle_town\n"
void cg_lay_subscribers(cg_path *p, const char *out, int shard);
/* DAYDIR/anomalies.csv (shard < 0) or DAYDIR/anomalies_shardKKK.csv: the
 * labels of the anomalies (FORMAT.md "anomalies.csv"), and their header. */
#define CG_ANOM_LABEL_HEADER                                                                 \
    "file_date,record_date,owner_msisdn,rank,event_type,start_ts_ms,kind,field,old_value," \
    "new_value\n"
void cg_lay_labels(cg_path *p, const char *daydir, int shard);
void cg_lay_shard_lock(cg_path *p, const char *out, int shard);
/* OUT/labels/fraud.csv and OUT/labels/churn.csv (kind 0, 1; shard < 0), or
 * their shards' fraud_shardKKK.csv, churn_shardKKK.csv: the cases of the
 * fraud scenarios and churn (FORMAT.md "labels"), and their header. */
#define CG_CASE_LABEL_HEADER "msisdn,imsi,scenario,role,group_id,start_ts_ms,end_ts_ms\n"
void cg_lay_case_labels(cg_path *p, const char *out, int kind, int shard);
void cg_lay_labels_dir(cg_path *p, const char *out);

/* File names (no directory) as generate spells them, and nothing else:
 * "stats_shard007.json" -> 7; "stats_shard7.json", "stats_shard0007.json"
 * -> -1. */
long cg_lay_parse_stats(const char *name);
/* "cdr_DATE_shardKKK_partPPP.csv[.gz|.zst]" or "....parquet" of DATE -> 0
 * with shard, part and kind (in codec) set; -1 for any other name. */
int cg_lay_parse_part(const char *name, const char *date, int *shard, int *part, int *codec);
/* Shard number of any name beginning "cdr_DATE_shardKKK" (a part, or a
 * damaged one), else -1: what generate clears of another run. */
long cg_lay_part_shard(const char *name, const char *date);
/* The prefix every part of DATE (shard < 0) or of DATE and shard has. */
void cg_lay_part_prefix(cg_path *p, const char *date, int shard);

#endif
