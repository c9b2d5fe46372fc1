/* libFuzzer harness for `cdrgen report`'s readers: the bytes up to the
 * first blank line become OUT/cells.csv, the rest a day's bundle
 * OUT/cdr_2025-01-01.csv (with its day directory), also read as
 * subscribers.csv, as the day's events.json and summary.json and as the
 * what follows a second blank line as the fraud and churn labels
 * (OUT/labels/fraud.csv, churn.csv). The report must either
 * refuse them with one line or measure them: counts that add up, shares in
 * [0, 1]. Replayed without libFuzzer by tests/fuzz/replay.sh. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzzfile.h"
#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void share_ok(double v)
{
    if (!isnan(v) && !(v >= 0 && v <= 1)) {
        fprintf(stderr, "fuzz: a share out of [0, 1]: %g\n", v);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *sep = NULL;
    for (size_t i = 0; i + 1 < size; i++)
        if (data[i] == '\n' && data[i + 1] == '\n') {
            sep = data + i;
            break;
        }
    size_t nc = sep ? (size_t)(sep - data) + 1 : size;
    const uint8_t *rest = sep ? sep + 2 : data + size;
    size_t nr = (size_t)(data + size - rest);
    /* a second blank line: what follows it is the labels */
    const uint8_t *lab = NULL;
    size_t nl = 0;
    for (size_t i = 0; i + 1 < nr; i++)
        if (rest[i] == '\n' && rest[i + 1] == '\n') {
            lab = rest + i + 2;
            nl = nr - i - 2;
            nr = i + 1;
            break;
        }
    char dir[600];
    snprintf(dir, sizeof dir, "%s/2025-01-01", fz_scratch());
    mkdir(dir, 0700);
    fz_write("cells.csv", data, nc);
    fz_write("cdr_2025-01-01.csv", rest, nr);
    fz_write("subscribers.csv", rest, nr); /* the same bytes through the subscribers reader */
    fz_write("2025-01-01/events.json", rest, nr); /* ... and the events.json reader */
    fz_write("2025-01-01/summary.json", rest, nr); /* ... and the summary's anomaly counts */
    snprintf(dir, sizeof dir, "%s/labels", fz_scratch());
    mkdir(dir, 0700);
    char lp[700];
    for (int k = 0; k < 2; k++) { /* the labels, after a second blank line; else none */
        snprintf(lp, sizeof lp, "%s/labels/%s.csv", fz_scratch(), k ? "churn" : "fraud");
        if (lab)
            fz_write(k ? "labels/churn.csv" : "labels/fraud.csv", lab, nl);
        else
            unlink(lp);
    }
    cg_report rep;
    cg_err err;
    cg_err_clear(&err);
    if (cg_report_run(fz_scratch(), 1, &rep, &err) != CG_OK) {
        fz_check_line(err.msg);
        return 0;
    }
    if (rep.calls + rep.sms + rep.data > rep.rows || rep.implausible_pairs > rep.move_pairs ||
        rep.days != 1) {
        fprintf(stderr, "fuzz: report counts do not add up\n");
        abort();
    }
    share_ok(rep.top_share_p50);
    share_ok(rep.night_reg_p50);
    share_ok(rep.commuter_share);
    share_ok(rep.sites_inner30);
    for (int k = 0; k < CG_FREP_SCENARIOS; k++)
        if (rep.fraud.m[k].hit_labelled > rep.fraud.m[k].n_labelled ||
            rep.fraud.m[k].hit_unlabelled > rep.fraud.m[k].n_unlabelled) {
            fprintf(stderr, "fuzz: a rule hits more subscribers than it counts\n");
            abort();
        }
    FILE *f = fopen("/dev/null", "w");
    if (f) {
        cg_report_print(f, &rep, 1);
        cg_report_print(f, &rep, 0);
        cg_report_series_json(f, &rep);
        fclose(f);
    }
    cg_report_free(&rep);
    return 0;
}
