/* cdrgen merge OUT: after `generate --shard K/N` runs for K = 0..N-1 wrote
 * into OUT (on one machine or on a shared volume), builds every day's bundle
 * and summary (io/merge.c), one stdout line per merged day. */
#include "cli/commands.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/afile.h"
#include "io/codec.h"
#include "io/layout.h"
#include "io/merge.h"

/* OUT/.cdrgen.lock exclusively: shard runs hold it shared, so a merge never
 * reads parts that a shard on this host is still writing. The lock lasts
 * until *fd is closed at the end of the command. */
static int lock_out(const char *out, int *fd, cg_err *err)
{
    cg_path path;
    cg_lay_run_lock(&path, out);
    CG_TRY(cg_path_ok(&path, err));
    int busy, rc = cg_flock(path.s, 1, fd, &busy, err);
    if (rc && busy)
        return cg_err_set(err, CG_ERUNTIME, "%s: a cdrgen generate run is still writing "
                          "into this directory (lock %s is held); merge once every shard "
                          "has finished", out, path.s);
    return rc;
}

static int merge_days(const char *out_dir, cg_err *err);

int cg_cmd_merge(const char *out_dir, cg_err *err)
{
    struct stat st;
    if (!out_dir || !out_dir[0])
        return cg_err_set(err, CG_EUSAGE, "merge: give the output directory (cdrgen merge OUT)");
    if (stat(out_dir, &st) != 0)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot open output directory", out_dir);
    if (!S_ISDIR(st.st_mode))
        return cg_err_set(err, CG_ERUNTIME, "%s: not a directory", out_dir);
    int lock_fd;
    int rc = lock_out(out_dir, &lock_fd, err);
    if (rc)
        return rc;
    rc = merge_days(out_dir, err);
    close(lock_fd);
    return rc;
}

static int merge_days(const char *out_dir, cg_err *err)
{
    int rc;
    char (*days)[11] = NULL;
    size_t ndays = 0;
    if ((rc = cg_merge_list_days(out_dir, &days, &ndays, err)))
        return rc;
    size_t merged = 0, kept = 0;
    int shards = 0;
    cg_merge_result *res = malloc(sizeof *res);
    if (!res) {
        free(days);
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    }
    for (size_t i = 0; i < ndays; i++) {
        if ((rc = cg_merge_day(out_dir, days[i], res, err)))
            break;
        switch (res->status) {
        case CG_MERGE_NO_STATS:
            fprintf(stderr, "note: %s/%s: no stats_shard*.json, skipped\n", out_dir, days[i]);
            break;
        case CG_MERGE_CLEANED:
            fprintf(stderr, "note: %s/%s: part files already removed; %s and summary.json are "
                    "up to date\n", out_dir, days[i], res->bundle);
            kept++;
            break;
        default:
            printf("%s: %d shard%s, %d part%s, %llu calls, %llu sms, %llu data records -> %s\n",
                   days[i], res->shards, res->shards == 1 ? "" : "s", res->parts,
                   res->parts == 1 ? "" : "s", (unsigned long long)res->calls,
                   (unsigned long long)res->sms, (unsigned long long)res->data, res->bundle);
            fflush(stdout);
            merged++;
            shards = res->shards;
        }
    }
    free(res);
    free(days);
    if (rc)
        return rc;
    if (merged + kept == 0)
        return cg_err_set(err, CG_ERUNTIME, "%s: no day directory (YYYY-MM-DD) with "
                          "stats_shard*.json files: nothing to merge", out_dir);
    if (shards > 0) {
        uint64_t rows;
        int written;
        CG_TRY(cg_merge_subscribers(out_dir, shards, &rows, &written, err));
        if (!written)
            return CG_OK;
        printf("subscribers: %d shard%s, %llu subscribers -> %s/subscribers.csv\n", shards,
               shards == 1 ? "" : "s", (unsigned long long)rows, out_dir);
        for (int kind = 0; kind < 2; kind++) {
            CG_TRY(cg_merge_case_labels(out_dir, shards, kind, &rows, &written, err));
            if (written)
                printf("labels: %d shard%s, %llu cases -> %s/labels/%s.csv\n", shards,
                       shards == 1 ? "" : "s", (unsigned long long)rows, out_dir,
                       kind ? "churn" : "fraud");
        }
    }
    return CG_OK;
}
