/* libFuzzer harness for the CSV subscriber database: the bytes are read
 * through the generic source (db/subsource, the same path as `db validate`)
 * and checked by the streaming validator. Any input must be either refused
 * with one line or validated, with every reported rule break one line and
 * counts that add up. The same bytes then go through the lookup index of
 * generate --subscriber-db (db/subindex), which must refuse them with one
 * line or answer lookups consistently. Replayed without libFuzzer by
 * tests/fuzz/replay.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/subindex.h"
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

/* MSISDNs come out ascending and are found again at their position; a
 * lookup at any instant either finds no holder or one. */
static void check_index(const char *path)
{
    cg_subidx *x;
    cg_err err;
    cg_err_clear(&err);
    if (cg_subidx_open(&x, path, &err) != CG_OK) {
        fz_check_line(err.msg);
        return;
    }
    uint64_t n = cg_subidx_count(x), prev = 0;
    for (uint64_t i = 0; i < n && i < 64; i++) {
        uint64_t m = cg_subidx_msisdn(x, i);
        if ((i && m <= prev) || cg_subidx_find(x, m) != i) {
            fprintf(stderr, "fuzz: index order broken at %llu\n", (unsigned long long)i);
            abort();
        }
        prev = m;
        static const int64_t ts[] = {INT64_MIN, -1, 0, 1704067200000, 1704067200001,
                                     1735689600000, INT64_MAX};
        for (size_t k = 0; k < sizeof ts / sizeof ts[0]; k++) {
            cg_ident id;
            (void)cg_subidx_lookup(x, i, ts[k], &id);
            if (k + 1 < sizeof ts / sizeof ts[0])
                (void)cg_subidx_held_between(x, i, ts[k], ts[k + 1]);
        }
    }
    cg_subidx_close(x);
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
    check_index(path);
    return 0;
}
