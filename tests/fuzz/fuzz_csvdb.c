/* libFuzzer harness for the CSV subscriber database: the bytes are read
 * through the generic source (db/subsource, the same path as `db validate`)
 * and checked by the streaming validator. Any input must be either refused
 * with one line or validated, with every reported rule break one line and
 * counts that add up. Replayed without libFuzzer by tests/fuzz/replay.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/subsource.h"
#include "db/subvalidate.h"
#include "fuzzfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int reported;

static void on_error(void *ctx, const char *msg)
{
    (void)ctx;
    fz_check_line(msg);
    reported++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_write("fuzz.csv", data, size);
    cg_subsrc *src;
    cg_err err;
    cg_err_clear(&err);
    if (cg_subsrc_open(&src, path, &err) != CG_OK) {
        fz_check_line(err.msg);
        return 0;
    }
    cg_subval_stats st;
    memset(&st, 0, sizeof st);
    reported = 0;
    int rc = cg_subval_run(src, &st, 5, on_error, NULL, &err);
    if (rc != CG_OK) {
        fz_check_line(err.msg);
    } else {
        uint64_t sum = 0;
        for (int t = 0; t < 5; t++)
            sum += st.by_type[t];
        /* every event has one of the five types; at most 5 reports; the
         * first error row is set exactly when there are errors */
        if (sum > st.events || st.errors > st.events || reported > 5 ||
            (uint64_t)reported > st.errors || (st.errors != 0) != (st.first_error_row != 0) ||
            st.held > st.msisdns) {
            fprintf(stderr, "fuzz: inconsistent stats events=%llu sum=%llu errors=%llu "
                    "reported=%d first=%llu held=%llu msisdns=%llu\n",
                    (unsigned long long)st.events, (unsigned long long)sum,
                    (unsigned long long)st.errors, reported,
                    (unsigned long long)st.first_error_row, (unsigned long long)st.held,
                    (unsigned long long)st.msisdns);
            abort();
        }
    }
    cg_subsrc_close(src);
    return 0;
}
