/* The `db` sub-commands: generate, validate and convert a subscriber
 * database. Command layer: prints its summary to stdout and the validator's
 * error list to stderr; the one-line failure goes back through cg_err. */
#include "cli/commands.h"

#include <stdio.h>
#include <time.h>

#include "db/subcsv.h"
#include "db/subgen.h"
#include "db/subsource.h"
#include "db/subvalidate.h"

#define VALIDATE_MAX_REPORT 20

int cg_cmd_db_generate(const cg_config *cfg, const char *path, cg_err *err)
{
    int fmt;
    int rc = cg_subfmt_of(path, &fmt, err);
    if (rc == CG_OK)
        rc = cg_subgen_check(cfg, err);
    if (rc)
        return rc;
    cg_subsink *sink;
    if ((rc = cg_subsink_open(&sink, path, err)))
        return rc;
    cg_subgen_stats st;
    if ((rc = cg_subgen_run(cfg, sink, &st, err))) {
        cg_subsink_abort(sink);
        return rc;
    }
    if ((rc = cg_subsink_close(sink, err)))
        return rc;
    printf("events_written: %llu\nactive_subscribers: %llu\nnumbers_in_cooldown: %llu\n",
           (unsigned long long)st.events, (unsigned long long)st.active,
           (unsigned long long)st.cooldown);
    return CG_OK;
}

static void report(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "%s\n", msg);
}

/* ISO 8601 UTC with milliseconds for years 0000..9999; any other int64
 * (INT64_MIN included) as the number itself, said to be out of range. */
static void fmt_ts(char *buf, size_t n, int64_t ms)
{
    int64_t rem = ms % 1000, sec = ms / 1000; /* no overflow at INT64_MIN */
    if (rem < 0) {
        rem += 1000;
        sec -= 1;
    }
    time_t s = (time_t)sec;
    struct tm tm;
    if (!gmtime_r(&s, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900) {
        snprintf(buf, n, "%lld ms (not in years 0000..9999)", (long long)ms);
        return;
    }
    size_t k = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + k, n - k, ".%03dZ", (int)rem);
}

int cg_cmd_db_validate(const char *path, cg_err *err)
{
    cg_subsrc *src;
    int rc = cg_subsrc_open(&src, path, err);
    if (rc)
        return rc;
    cg_subval_stats st;
    rc = cg_subval_run(src, &st, VALIDATE_MAX_REPORT, report, NULL, err);
    cg_subsrc_close(src);
    if (rc)
        return rc;
    if (st.errors) {
        if (st.errors > VALIDATE_MAX_REPORT)
            fprintf(stderr, "%s: ... %llu more errors not shown\n", path,
                    (unsigned long long)(st.errors - VALIDATE_MAX_REPORT));
        return cg_err_set(err, CG_ERUNTIME, "%s: invalid: %llu errors (first at row %llu)", path,
                          (unsigned long long)st.errors, (unsigned long long)st.first_error_row);
    }
    char t0[64] = "-", t1[64] = "-";
    if (st.events) {
        fmt_ts(t0, sizeof t0, st.ts_min);
        fmt_ts(t1, sizeof t1, st.ts_max);
    }
    printf("events: %llu\nunique_imsis: %llu\nunique_msisdns: %llu\n",
           (unsigned long long)st.events, (unsigned long long)st.imsis,
           (unsigned long long)st.msisdns);
    for (int t = 0; t <= CG_EV_ASSIGN_NUMBER; t++)
        printf("%s: %llu\n", cg_subcsv_type_name(t), (unsigned long long)st.by_type[t]);
    printf("held_msisdns: %llu\ntime_range: %s .. %s\n", (unsigned long long)st.held, t0, t1);
    return CG_OK;
}

int cg_cmd_db_convert(const char *in, const char *out, cg_err *err)
{
    int fmt;
    int rc = cg_subfmt_of(out, &fmt, err);
    if (rc)
        return rc;
    cg_subsrc *src;
    if ((rc = cg_subsrc_open(&src, in, err)))
        return rc;
    cg_subsink *sink;
    if ((rc = cg_subsink_open(&sink, out, err))) {
        cg_subsrc_close(src);
        return rc;
    }
    cg_sub_event buf[4096];
    size_t n = 0;
    for (;;) {
        int has;
        if ((rc = cg_subsrc_next(src, &buf[n], &has, err)))
            break;
        if (has)
            n++;
        if (n == sizeof buf / sizeof buf[0] || (!has && n)) {
            if ((rc = cg_subsink_add(sink, buf, n, err)))
                break;
            n = 0;
        }
        if (!has)
            break;
    }
    cg_subsrc_close(src);
    if (rc) {
        cg_subsink_abort(sink);
        return rc;
    }
    return cg_subsink_close(sink, err);
}
