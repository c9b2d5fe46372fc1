/* Locks and clearing of the output directory (see outdir.h). */
#include "gen/outdir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "io/afile.h"
#include "io/json.h"
#include "io/layout.h"
#include "io/merge.h"

static int take_lock(const char *out, const cg_path *lp, int exclusive, int *fdp, cg_err *err)
{
    CG_TRY(cg_path_ok(lp, err));
    int busy, rc = cg_flock(lp->s, exclusive, fdp, &busy, err);
    if (rc && busy)
        return cg_err_set(err, CG_ERUNTIME,
                          "%s: another cdrgen run is writing into this directory "
                          "(lock %s is held); wait for it or use another --out",
                          out, lp->s);
    return rc;
}

int cg_outdir_lock(const cg_config *cfg, int fds[2], cg_err *err)
{
    cg_path lp;
    cg_lay_run_lock(&lp, cfg->out);
    CG_TRY(take_lock(cfg->out, &lp, cfg->shard_n == 0, &fds[0], err));
    if (cfg->shard_n) {
        cg_lay_shard_lock(&lp, cfg->out, cfg->shard_k);
        CG_TRY(take_lock(cfg->out, &lp, 1, &fds[1], err));
    }
    return CG_OK;
}

/* Shard K's stats file in daydir says it is of run (N, fp)? Unreadable,
 * older or damaged stats are not. */
static int stats_of_run(const char *daydir, int k, int N, uint64_t fp)
{
    cg_path sp;
    cg_lay_stats(&sp, daydir, k);
    cg_stats st;
    cg_err e;
    if (sp.overflow || cg_merge_read_stats(sp.s, &st, &e) != CG_OK)
        return 0;
    int ours = st.shards == N && st.run == fp;
    cg_stats_free(&st);
    return ours;
}

/* Shard k's files are foreign to run (N, fp): k >= N, or its stats exist
 * and name another run; and only while nobody runs shard k (its lock is
 * free). A shard of this run that is running holds its lock and has no
 * stats yet; one that finished has matching stats. */
static int shard_is_foreign(const char *outdir, const char *daydir, int k, int N, uint64_t fp)
{
    int foreign = k >= N || !stats_of_run(daydir, k, N, fp);
    if (foreign && k < N) {
        cg_path sp;
        cg_lay_stats(&sp, daydir, k);
        foreign = !sp.overflow && access(sp.s, F_OK) == 0;
    }
    if (!foreign)
        return 0;
    cg_path lp;
    cg_lay_shard_lock(&lp, outdir, k);
    int lfd, busy;
    cg_err e;
    if (lp.overflow || cg_flock(lp.s, 1, &lfd, &busy, &e) != CG_OK)
        return 0;
    close(lfd); /* nobody runs shard k: its files are stale */
    return 1;
}

/* Sharded runs only: removes the files of other shards that are provably
 * of another run (shard_is_foreign), so a re-run with other flags never
 * leaves old shards for merge to mix in. Parts first, stats last: the
 * stats are the evidence the decision is made on (per name, as a listing
 * has no order). */
static int clear_foreign_shards(const char *outdir, const char *daydir, const char *date,
                                int self, int N, uint64_t fp, cg_err *err)
{
    DIR *d = opendir(daydir);
    if (!d)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot open directory", daydir);
    int rc = CG_OK;
    struct dirent *de;
    for (int pass = 0; pass < 2 && rc == CG_OK; pass++) {
        long last = -1;
        int foreign = 0;
        rewinddir(d);
        while (rc == CG_OK && (de = readdir(d))) {
            const char *n = de->d_name;
            long k = pass ? cg_lay_parse_stats(n) : cg_lay_part_shard(n, date);
            if (k < 0 || k == self)
                continue;
            if (k != last) {
                last = k;
                foreign = shard_is_foreign(outdir, daydir, (int)k, N, fp);
            }
            if (!foreign)
                continue;
            cg_path path;
            cg_lay_join(&path, daydir, n);
            if ((rc = cg_path_ok(&path, err)))
                break;
            if (unlink(path.s) != 0 && errno != ENOENT)
                rc = cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot remove", path.s);
        }
    }
    closedir(d);
    return rc;
}

static int unlink_ok(const cg_path *p, cg_err *err)
{
    CG_TRY(cg_path_ok(p, err));
    if (unlink(p->s) != 0 && errno != ENOENT)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot remove", p->s);
    return CG_OK;
}

/* This shard's parts and stats (every shard's when not sharded). */
static int clear_own(const cg_config *cfg, const char *daydir, const char *date, int shard,
                     cg_err *err)
{
    cg_path part_prefix;
    cg_lay_part_prefix(&part_prefix, date, cfg->shard_n ? shard : -1);
    CG_TRY(cg_path_ok(&part_prefix, err));
    DIR *d = opendir(daydir);
    if (!d)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot open directory", daydir);
    struct dirent *de;
    int rc = CG_OK;
    while (rc == CG_OK && (de = readdir(d))) {
        const char *n = de->d_name;
        cg_path lab;
        cg_lay_labels(&lab, "", cfg->shard_n ? shard : -1); /* "/anomalies..." */
        int ours = strncmp(n, part_prefix.s, part_prefix.len) == 0 ||
                   !strcmp(n, lab.s + 1) || (!cfg->shard_n && !strncmp(n, "anomalies_shard", 15)) ||
                   (cfg->shard_n ? cg_lay_parse_stats(n) == shard
                                 : strncmp(n, "stats_shard", 11) == 0);
        if (!ours)
            continue;
        cg_path path;
        cg_lay_join(&path, daydir, n);
        rc = unlink_ok(&path, err);
    }
    closedir(d);
    return rc;
}

int cg_outdir_clear_day(const cg_config *cfg, const char *daydir, const char *date, int shard,
                        uint64_t run_fp, cg_err *err)
{
    cg_path path;
    cg_lay_summary(&path, daydir);
    CG_TRY(unlink_ok(&path, err));
    if (cfg->shard_n == 0) {
        /* an earlier run's label of the day's events (every shard of a
         * sharded run writes the same one, so none removes it) */
        cg_lay_join(&path, daydir, "events.json");
        CG_TRY(unlink_ok(&path, err));
        static const int codecs[] = {CG_CODEC_NONE, CG_CODEC_GZIP, CG_CODEC_ZSTD, CG_LAY_PARQUET};
        for (int k = 0; k < 4; k++) {
            cg_lay_bundle(&path, cfg->out, date, codecs[k]);
            CG_TRY(unlink_ok(&path, err));
        }
    }
    CG_TRY(clear_own(cfg, daydir, date, shard, err));
    if (cfg->shard_n)
        CG_TRY(clear_foreign_shards(cfg->out, daydir, date, shard, cfg->shard_n, run_fp, err));
    return cg_remove_tmp_files(daydir, err);
}
