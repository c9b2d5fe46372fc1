/* Subscriber database: CSV parsing and its error messages, the generator's
 * invariants (validity, order, determinism, cool-down, numbering, rates),
 * every validator rule on hand-made files, Arrow round trip. */
#include <dirent.h>
#include <sys/stat.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/commands.h"
#include "core/config.h"
#include "db/subcsv.h"
#include "db/subgen.h"
#include "db/subsource.h"
#include "db/subvalidate.h"
#include "testhelp.h"

#define HDR CG_SUBCSV_HEADER "\n"
static char tmpdir[] = "/tmp/cg-subdb.XXXXXX";
static char pbuf[4][512];

static const char *tpath(int slot, const char *name)
{
    snprintf(pbuf[slot], sizeof pbuf[slot], "%s/%s", tmpdir, name);
    return pbuf[slot];
}

/* ---- CSV ---- */

/* Reads a whole CSV file; returns the error code, the message in err. */
static int read_all(const char *path, uint64_t *rows, cg_err *err)
{
    cg_subsrc *s;
    int rc = cg_subsrc_open(&s, path, err);
    if (rc)
        return rc;
    cg_sub_event ev;
    int has = 1;
    *rows = 0;
    while (rc == CG_OK && has) {
        rc = cg_subsrc_next(s, &ev, &has, err);
        if (rc == CG_OK && has)
            (*rows)++;
    }
    cg_subsrc_close(s);
    return rc;
}

static void expect_parse_error(const char *body, const char *want)
{
    const char *p = tpath(0, "p.csv");
    th_write_file(p, body);
    cg_err err = {0};
    uint64_t rows;
    int rc = read_all(p, &rows, &err);
    CHECK_EQ_INT(rc, CG_ERUNTIME);
    char full[600];
    snprintf(full, sizeof full, "%s%s", p, want);
    CHECK_MSG(strncmp(err.msg, full, strlen(full)) == 0, "got \"%s\", want prefix \"%s\"", err.msg,
              full);
}

#define ROW1 "1704067200000,NEW_SUBSCRIBER,204080000000001,31612000001,490154203237518,20408\n"

static void test_csv_roundtrip_and_forms(void)
{
    cg_sub_event ev = {-5, CG_EV_RELEASE_NUMBER, 204080000000001ull, 31612000001ull, 0, 20408};
    char buf[CG_SUBCSV_ROW_MAX];
    size_t n = cg_subcsv_format(buf, &ev);
    CHECK_EQ_INT(n, strlen("-5,RELEASE_NUMBER,204080000000001,31612000001,,20408\n"));
    CHECK(memcmp(buf, "-5,RELEASE_NUMBER,204080000000001,31612000001,,20408\n", n) == 0);
    cg_sub_event back;
    cg_err err = {0};
    CHECK_EQ_INT(cg_subcsv_parse(buf, n - 1, &back, "x", 1, &err), CG_OK);
    CHECK_EQ_INT(back.ts_ms, -5);
    CHECK_EQ_INT(back.type, CG_EV_RELEASE_NUMBER);
    CHECK(back.imsi == ev.imsi && back.msisdn == ev.msisdn && back.imei == 0 &&
          back.mccmnc == 20408);

    /* CRLF line ends and a last line without a newline are accepted */
    const char *p = tpath(0, "crlf.csv");
    th_write_file(p, CG_SUBCSV_HEADER "\r\n" "1,CHANGE_DEVICE,204080000000001,,490154203237518,20408\r\n"
                "2,CHANGE_DEVICE,204080000000001,,490154203237518,20408");
    uint64_t rows = 0;
    CHECK_EQ_INT(read_all(p, &rows, &err), CG_OK);
    CHECK_EQ_INT(rows, 2);

    /* a row that spans the 1 MiB read buffer boundary */
    p = tpath(0, "long.csv");
    FILE *f = fopen(p, "wb");
    fputs(HDR, f);
    for (int i = 0; i < 20000; i++)
        fputs(ROW1, f);
    fclose(f);
    CHECK_EQ_INT(read_all(p, &rows, &err), CG_OK);
    CHECK_EQ_INT(rows, 20000);
}

static void test_csv_errors(void)
{
    expect_parse_error("", ": empty file");
    expect_parse_error("timestamp,event_type,imsi,msisdn,imei,mccmnc\n" ROW1, ":1: header:");
    expect_parse_error(ROW1, ":1: header:");
    expect_parse_error(HDR ROW1 "1,NEW_SUBSCRIBER,204080000000001,31612000001,490154203237518\n",
                       ":2: 5 fields, want 6");
    expect_parse_error(HDR ROW1 ROW1 "1,NEW_SUBSCRIBER,2040800x0000001,31612000001,,20408\n",
                       ":3: imsi: not a decimal number");
    expect_parse_error(HDR "1,NEW_SUBSCRIBR,204080000000001,31612000001,,20408\n",
                       ":1: event_type: unknown event type");
    expect_parse_error(HDR "1,NEW_SUBSCRIBER,204080000000001,031612000001,,20408\n",
                       ":1: msisdn: leading zero");
    expect_parse_error(HDR "1,NEW_SUBSCRIBER,204080000000001,31612000001,0,20408\n",
                       ":1: imei: 0 is not a number");
    expect_parse_error(HDR "1,NEW_SUBSCRIBER,204080000000001,31612000001,,99999999999\n",
                       ":1: mccmnc: out of range");
    expect_parse_error(HDR "99999999999999999999,NEW_SUBSCRIBER,204080000000001,1,,1\n",
                       ":1: timestamp_ms: out of range");
    expect_parse_error(HDR " 1,NEW_SUBSCRIBER,204080000000001,31612000001,,20408\n",
                       ":1: timestamp_ms: not a decimal number");
    expect_parse_error(HDR ROW1 "\n" ROW1, ":2: empty line");
    expect_parse_error(HDR "1,NEW_SUBSCRIBER,,31612000001,,20408\n", ":1: imsi: empty");

    cg_subsrc *s;
    cg_err err = {0};
    CHECK_EQ_INT(cg_subsrc_open(&s, tpath(0, "db.parquet"), &err), CG_EUSAGE);
    CHECK(strstr(err.msg, "db.parquet") != NULL);
    CHECK_EQ_INT(cg_subsrc_open(&s, tpath(0, "missing.csv"), &err), CG_ERUNTIME);
    CHECK(strstr(err.msg, "missing.csv") != NULL);
}

static void test_luhn(void)
{
    CHECK(cg_subval_imei_ok(490154203237518ull)); /* the classic example IMEI */
    CHECK(!cg_subval_imei_ok(490154203237517ull));
    CHECK(!cg_subval_imei_ok(49015420323751ull));
    CHECK_EQ_INT(cg_subval_luhn_digit(49015420323751ull), 8);
    CHECK_EQ_INT(cg_subval_ndigits(0), 1);
    CHECK_EQ_INT(cg_subval_ndigits(204080000000001ull), 15);
}

/* ---- validator ---- */

static char first_msg[600];
static int n_msgs;

static void grab(void *ctx, const char *msg)
{
    (void)ctx;
    if (n_msgs++ == 0)
        snprintf(first_msg, sizeof first_msg, "%s", msg);
}

static int validate(const char *path, cg_subval_stats *st)
{
    cg_subsrc *s;
    cg_err err = {0};
    int rc = cg_subsrc_open(&s, path, &err);
    if (rc)
        return rc;
    n_msgs = 0;
    first_msg[0] = 0;
    rc = cg_subval_run(s, st, 20, grab, NULL, &err);
    cg_subsrc_close(s);
    return rc;
}

/* Validates body; expects exactly one bad row, at `row`, whose message
 * contains `frag`. */
static void expect_rule(const char *body, uint64_t row, const char *frag)
{
    const char *p = tpath(1, "v.csv");
    th_write_file(p, body);
    cg_subval_stats st;
    CHECK_EQ_INT(validate(p, &st), CG_OK);
    CHECK_EQ_INT(st.errors, 1);
    CHECK_EQ_INT(st.first_error_row, row);
    char pre[600];
    snprintf(pre, sizeof pre, "%s:%llu: ", p, (unsigned long long)row);
    CHECK_MSG(strncmp(first_msg, pre, strlen(pre)) == 0 && strstr(first_msg, frag),
              "got \"%s\", want \"%s...%s\"", first_msg, pre, frag);
}

/* well-formed building blocks: A holds 31612000001, B holds 31612000002 */
#define A_NEW "1000,NEW_SUBSCRIBER,204080000000001,31612000001,490154203237518,20408\n"
#define B_NEW "1000,NEW_SUBSCRIBER,204160000000002,31612000002,356938035643809,20416\n"
#define A_DEV "2000,CHANGE_DEVICE,204080000000001,31612000001,356938035643809,20408\n"
#define A_REL "3000,RELEASE_NUMBER,204080000000001,31612000001,,20408\n"

static void test_validator_accepts(void)
{
    const char *p = tpath(1, "ok.csv");
    th_write_file(p, HDR A_NEW B_NEW A_DEV
             "2500,CHANGE_SIM,204080000000009,31612000001,,20408\n"
             "2600,CHANGE_DEVICE,204080000000009,,490154203237518,20408\n"
             "3000,RELEASE_NUMBER,204080000000009,31612000001,,20408\n"
             "3000,ASSIGN_NUMBER,204080000000077,31612000001,356938035643809,20408\n");
    cg_subval_stats st;
    CHECK_EQ_INT(validate(p, &st), CG_OK);
    CHECK_MSG(st.errors == 0, "%s", first_msg);
    CHECK_EQ_INT(st.events, 7);
    CHECK_EQ_INT(st.imsis, 4);
    CHECK_EQ_INT(st.msisdns, 2);
    CHECK_EQ_INT(st.held, 2);
    CHECK_EQ_INT(st.by_type[CG_EV_NEW_SUBSCRIBER], 2);
    CHECK_EQ_INT(st.by_type[CG_EV_CHANGE_DEVICE], 2);
    CHECK_EQ_INT(st.by_type[CG_EV_ASSIGN_NUMBER], 1);
    CHECK_EQ_INT(st.ts_min, 1000);
    CHECK_EQ_INT(st.ts_max, 3000);
}

static void test_validator_rules(void)
{
    expect_rule(HDR A_NEW B_NEW "999,CHANGE_DEVICE,204080000000001,31612000001,356938035643809,20408\n",
                3, "timestamps must not decrease");
    expect_rule(HDR A_NEW "1000,NEW_SUBSCRIBER,2040800000001,31612000002,356938035643809,20408\n",
                2, "imsi must have 14-15 digits");
    expect_rule(HDR "1000,NEW_SUBSCRIBER,204080000000001,31612000001,490154203237518,2040\n",
                1, "mccmnc must have 5 digits");
    expect_rule(HDR A_NEW "1000,NEW_SUBSCRIBER,204160000000002,31612000002,356938035643809,20408\n",
                2, "mccmnc must be the first 5 digits of the imsi");
    expect_rule(HDR A_NEW "1000,NEW_SUBSCRIBER,204160000000002,3161200,356938035643809,20416\n",
                2, "msisdn must have 8-15 digits");
    expect_rule(HDR A_NEW "1000,NEW_SUBSCRIBER,204160000000002,,356938035643809,20416\n",
                2, "msisdn is required for NEW_SUBSCRIBER");
    expect_rule(HDR A_NEW "1000,NEW_SUBSCRIBER,204160000000002,31612000002,356938035643808,20416\n",
                2, "valid Luhn check digit");
    expect_rule(HDR A_NEW "1000,NEW_SUBSCRIBER,204160000000002,31612000002,,20416\n",
                2, "imei is required for NEW_SUBSCRIBER");
    expect_rule(HDR A_NEW "2000,CHANGE_DEVICE,204080000000001,31612000001,,20408\n",
                2, "imei is required for CHANGE_DEVICE");
    expect_rule(HDR A_NEW "3000,RELEASE_NUMBER,204080000000001,31612000001,490154203237518,20408\n",
                2, "imei must be empty for RELEASE_NUMBER");
    /* who holds what */
    expect_rule(HDR A_NEW "1000,NEW_SUBSCRIBER,204160000000002,31612000001,356938035643809,20416\n",
                2, "MSISDN held by two IMSIs");
    expect_rule(HDR A_NEW "1000,NEW_SUBSCRIBER,204080000000001,31612000002,356938035643809,20408\n",
                2, "NEW_SUBSCRIBER for an IMSI that already exists");
    expect_rule(HDR A_NEW "2000,CHANGE_DEVICE,204080000000005,31612000001,356938035643809,20408\n",
                2, "IMSI that does not exist");
    expect_rule(HDR A_NEW B_NEW "2000,CHANGE_DEVICE,204080000000001,31612000002,356938035643809,20408\n",
                3, "does not hold");
    expect_rule(HDR A_NEW "2000,RELEASE_NUMBER,204080000000005,31612000001,,20408\n",
                2, "IMSI that does not exist");
    expect_rule(HDR A_NEW B_NEW "3000,RELEASE_NUMBER,204160000000002,31612000001,,20416\n",
                3, "RELEASE_NUMBER by an IMSI that does not hold");
    expect_rule(HDR A_NEW "2000,CHANGE_SIM,204080000000009,31612000003,,20408\n",
                2, "CHANGE_SIM of an MSISDN nobody holds");
    expect_rule(HDR A_NEW B_NEW "2000,CHANGE_SIM,204160000000002,31612000001,,20416\n",
                3, "CHANGE_SIM to an IMSI that already holds");
    expect_rule(HDR A_NEW "2000,ASSIGN_NUMBER,204080000000009,31612000001,,20408\n",
                2, "MSISDN held by two IMSIs (ASSIGN_NUMBER");
    expect_rule(HDR A_NEW B_NEW A_REL "3000,ASSIGN_NUMBER,204160000000002,31612000001,,20416\n",
                4, "ASSIGN_NUMBER to an IMSI that already holds");

    /* several bad rows: counted, the first reported first */
    const char *p = tpath(1, "many.csv");
    th_write_file(p, HDR A_NEW A_NEW A_NEW A_DEV A_NEW);
    cg_subval_stats st;
    CHECK_EQ_INT(validate(p, &st), CG_OK);
    CHECK_EQ_INT(st.errors, 3);
    CHECK_EQ_INT(st.first_error_row, 2);
    CHECK_EQ_INT(n_msgs, 3);
}


/* ---- generator ---- */

static void small_cfg(cg_config *cfg, uint64_t seed)
{
    cg_config_defaults(cfg);
    cfg->seed = seed;
    cfg->db_size = 2000;
    cfg->db_history_days = 400;
    cfg->db_device_change_rate = 0.9;
    cfg->db_sim_change_rate = 0.5;
    cfg->db_number_release_rate = 0.5;
    cfg->db_cooldown_days = 30;
}

static int gen_to(const cg_config *cfg, const char *path, cg_subgen_stats *st)
{
    cg_subsink *k;
    cg_err err = {0};
    int rc = cg_subsink_open(&k, path, &err);
    if (rc)
        return rc;
    rc = cg_subgen_run(cfg, k, st, &err);
    if (rc) {
        fprintf(stderr, "  %s\n", err.msg);
        cg_subsink_abort(k);
        return rc;
    }
    return cg_subsink_close(k, &err);
}

static void test_generated_db_invariants(void)
{
    cg_config cfg;
    small_cfg(&cfg, 7);
    const char *p = tpath(2, "g.csv");
    cg_subgen_stats gs;
    CHECK_EQ_INT(gen_to(&cfg, p, &gs), CG_OK);

    cg_subval_stats st;
    CHECK_EQ_INT(validate(p, &st), CG_OK);
    CHECK_MSG(st.errors == 0, "%s", first_msg);
    CHECK_EQ_INT(st.events, gs.events);
    CHECK_EQ_INT(st.held, gs.active);
    for (int t = 0; t <= CG_EV_ASSIGN_NUMBER; t++)
        CHECK_MSG(st.by_type[t] > 0, "no events of type %d", t);
    /* every released number is either re-assigned or still cooling down */
    CHECK_EQ_INT(st.by_type[CG_EV_RELEASE_NUMBER],
                 st.by_type[CG_EV_ASSIGN_NUMBER] + gs.cooldown);
    CHECK_EQ_INT(gs.active, st.by_type[CG_EV_NEW_SUBSCRIBER] + st.by_type[CG_EV_ASSIGN_NUMBER] -
                                st.by_type[CG_EV_RELEASE_NUMBER]);
    CHECK(st.ts_max < CG_SUBGEN_T0_MS + 400 * CG_SUBGEN_DAY_MS);
    /* brand-new subscribers: Binomial(400, 0.01), mean 4, P(>20) negligible */
    CHECK(st.by_type[CG_EV_NEW_SUBSCRIBER] >= 2000 &&
          st.by_type[CG_EV_NEW_SUBSCRIBER] <= 2020);

    /* walk the rows: order, numbering scheme, cool-down */
    cg_subsrc *s;
    cg_err err = {0};
    CHECK_EQ_INT(cg_subsrc_open(&s, p, &err), CG_OK);
    static int64_t released_at[4096]; /* by MSISDN index (prefix i mod 4, number i div 4) */
    memset(released_at, 0, sizeof released_at);
    int64_t prev = INT64_MIN;
    uint64_t row = 0, bad_order = 0, bad_scheme = 0, bad_cool = 0, assigns = 0;
    uint64_t max_new_idx = 0;
    static const uint64_t pre[4] = {31612, 31613, 31620, 31621};
    for (;;) {
        cg_sub_event ev;
        int has;
        if (cg_subsrc_next(s, &ev, &has, &err) || !has)
            break;
        row++;
        bad_order += ev.ts_ms < prev;
        prev = ev.ts_ms;
        if (row <= 2000) {
            uint64_t i = row - 1;
            bad_scheme += ev.type != CG_EV_NEW_SUBSCRIBER || ev.ts_ms != CG_SUBGEN_T0_MS ||
                          ev.msisdn != pre[i % 4] * 10000000ull + i / 4;
        }
        uint64_t pfx = ev.msisdn / 10000000ull, num = ev.msisdn % 10000000ull;
        int pi = pfx == 31612 ? 0 : pfx == 31613 ? 1 : pfx == 31620 ? 2 : pfx == 31621 ? 3 : -1;
        if (ev.type == CG_EV_NEW_SUBSCRIBER && row > 2000 && pi >= 0 &&
            num * 4 + (uint64_t)pi > max_new_idx)
            max_new_idx = num * 4 + (uint64_t)pi;
        if (pi < 0)
            continue;
        uint64_t idx = num * 4 + (uint64_t)pi;
        if (idx >= sizeof released_at / sizeof released_at[0])
            continue;
        if (ev.type == CG_EV_RELEASE_NUMBER)
            released_at[idx] = ev.ts_ms;
        if (ev.type == CG_EV_ASSIGN_NUMBER) {
            assigns++;
            bad_cool += released_at[idx] == 0 ||
                        ev.ts_ms - released_at[idx] < 30 * CG_SUBGEN_DAY_MS;
        }
    }
    cg_subsrc_close(s);
    CHECK_EQ_INT(bad_order, 0);
    CHECK_EQ_INT(bad_scheme, 0);
    CHECK_EQ_INT(bad_cool, 0);
    CHECK_EQ_INT(assigns, st.by_type[CG_EV_ASSIGN_NUMBER]);
    /* new subscribers continue the dense numbering: indices 2000, 2001, ... */
    CHECK(st.by_type[CG_EV_NEW_SUBSCRIBER] > 2000); /* seed 7 has some */
    CHECK_EQ_INT(max_new_idx, st.by_type[CG_EV_NEW_SUBSCRIBER] - 1);
}

static void test_generator_deterministic(void)
{
    cg_config cfg;
    cg_subgen_stats st;
    small_cfg(&cfg, 11);
    CHECK_EQ_INT(gen_to(&cfg, tpath(2, "d1.csv"), &st), CG_OK);
    CHECK_EQ_INT(gen_to(&cfg, tpath(3, "d2.csv"), &st), CG_OK);
    size_t n1, n2;
    char *a = th_slurp(pbuf[2], &n1), *b = th_slurp(pbuf[3], &n2);
    CHECK(a && b && n1 == n2 && memcmp(a, b, n1) == 0);
    free(b);
    small_cfg(&cfg, 12);
    CHECK_EQ_INT(gen_to(&cfg, tpath(3, "d3.csv"), &st), CG_OK);
    b = th_slurp(pbuf[3], &n2);
    CHECK(a && b && !(n1 == n2 && memcmp(a, b, n1) == 0));
    free(a);
    free(b);
}

/* Only device changes at annual rate 0.5 over 365 days: each initial
 * subscriber changes at least once with probability exactly 0.5, and the
 * number of changes is Binomial(365, p) with 365p = 0.6925. */
static void test_generator_rates(void)
{
    cg_config cfg;
    small_cfg(&cfg, 3);
    cfg.db_history_days = 365;
    cfg.db_device_change_rate = 0.5;
    cfg.db_sim_change_rate = 0;
    cfg.db_number_release_rate = 0;
    CHECK(fabs(cg_subgen_daily_prob(0.5) - (1 - pow(0.5, 1 / 365.0))) < 1e-15);
    const char *p = tpath(2, "r.csv");
    cg_subgen_stats gs;
    CHECK_EQ_INT(gen_to(&cfg, p, &gs), CG_OK);
    cg_subval_stats st;
    CHECK_EQ_INT(validate(p, &st), CG_OK);
    CHECK_EQ_INT(st.errors, 0);
    CHECK_EQ_INT(st.by_type[CG_EV_CHANGE_SIM] + st.by_type[CG_EV_RELEASE_NUMBER] +
                     st.by_type[CG_EV_ASSIGN_NUMBER], 0);
    /* mean ~1385 (+ a few from new subscribers), sd ~37: 5 sd bounds */
    uint64_t dev = st.by_type[CG_EV_CHANGE_DEVICE];
    CHECK_MSG(dev > 1200 && dev < 1580, "%llu device changes", (unsigned long long)dev);
    /* IMSIs never change here; IMEIs are fresh per change */
    CHECK_EQ_INT(st.imsis, st.by_type[CG_EV_NEW_SUBSCRIBER]);
}

static void test_arrow_roundtrip_and_abort(void)
{
    cg_config cfg;
    small_cfg(&cfg, 5);
    cg_subgen_stats st;
    CHECK_EQ_INT(gen_to(&cfg, tpath(2, "rt.csv"), &st), CG_OK);
    cg_err err = {0};
    CHECK_EQ_INT(cg_cmd_db_convert(pbuf[2], tpath(3, "rt.arrow"), &err), CG_OK);
    CHECK_EQ_INT(cg_cmd_db_convert(pbuf[3], tpath(1, "rt2.csv"), &err), CG_OK);
    size_t n1, n2;
    char *a = th_slurp(pbuf[2], &n1), *b = th_slurp(pbuf[1], &n2);
    CHECK(a && b && n1 == n2 && memcmp(a, b, n1) == 0);
    free(a);
    free(b);
    /* generating straight to Arrow gives the same rows */
    CHECK_EQ_INT(gen_to(&cfg, tpath(3, "rt3.arrow"), &st), CG_OK);
    CHECK_EQ_INT(cg_cmd_db_convert(pbuf[3], tpath(1, "rt3.csv"), &err), CG_OK);
    a = th_slurp(pbuf[2], &n1);
    b = th_slurp(pbuf[1], &n2);
    CHECK(a && b && n1 == n2 && memcmp(a, b, n1) == 0);
    free(a);
    free(b);

    /* an aborted sink leaves nothing behind */
    char sub[600];
    snprintf(sub, sizeof sub, "%s/ab", tmpdir);
    mkdir(sub, 0755);
    for (int f = 0; f < 2; f++) {
        char path[700];
        snprintf(path, sizeof path, "%s/x.%s", sub, f ? "arrow" : "csv");
        cg_subsink *k;
        CHECK_EQ_INT(cg_subsink_open(&k, path, &err), CG_OK);
        cg_sub_event ev = {1, 0, 204080000000001ull, 31612000001ull, 490154203237518ull, 20408};
        CHECK_EQ_INT(cg_subsink_add(k, &ev, 1, &err), CG_OK);
        cg_subsink_abort(k);
    }
    DIR *d = opendir(sub);
    int entries = 0;
    struct dirent *de;
    while (d && (de = readdir(d)))
        entries += de->d_name[0] != '.';
    if (d)
        closedir(d);
    CHECK_EQ_INT(entries, 0);
    rmdir(sub);
}

/* Tiny populations leave most days without events (empty buckets). */
static void test_generator_tiny(void)
{
    cg_config cfg;
    small_cfg(&cfg, 2);
    cg_subgen_stats gs;
    cg_subval_stats st;
    for (uint64_t size = 0; size <= 3; size++) {
        cfg.db_size = size;
        cfg.db_history_days = size == 3 ? 0 : 100;
        CHECK_EQ_INT(gen_to(&cfg, tpath(2, "tiny.arrow"), &gs), CG_OK);
        CHECK_EQ_INT(validate(pbuf[2], &st), CG_OK);
        CHECK_EQ_INT(st.errors, 0);
        CHECK_EQ_INT(st.events, gs.events);
        CHECK(st.by_type[CG_EV_NEW_SUBSCRIBER] >= size);
        if (size == 3)
            CHECK_EQ_INT(st.events, 3);
    }
}

static void test_generator_config_errors(void)
{
    cg_config cfg;
    small_cfg(&cfg, 1);
    cg_err err = {0};
    cfg.db_size = 40000001;
    CHECK_EQ_INT(cg_subgen_check(&cfg, &err), CG_EUSAGE);
    CHECK(strstr(err.msg, "--size") != NULL);
    small_cfg(&cfg, 1);
    strcpy(cfg.prefixes[0], "0612");
    CHECK_EQ_INT(cg_subgen_check(&cfg, &err), CG_EUSAGE);
    CHECK(strstr(err.msg, "--prefixes") != NULL);
    small_cfg(&cfg, 1);
    cfg.db_sim_change_rate = 1.5;
    CHECK_EQ_INT(cg_subgen_check(&cfg, &err), CG_EUSAGE);
    CHECK(strstr(err.msg, "--sim-change-rate") != NULL);
    CHECK_EQ_INT(cg_cmd_db_generate(&cfg, tpath(0, "x.txt"), &err), CG_EUSAGE);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN_TEST(test_csv_roundtrip_and_forms);
    RUN_TEST(test_csv_errors);
    RUN_TEST(test_luhn);
    RUN_TEST(test_validator_accepts);
    RUN_TEST(test_validator_rules);
    RUN_TEST(test_generated_db_invariants);
    RUN_TEST(test_generator_deterministic);
    RUN_TEST(test_generator_rates);
    RUN_TEST(test_arrow_roundtrip_and_abort);
    RUN_TEST(test_generator_tiny);
    RUN_TEST(test_generator_config_errors);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    TEST_REPORT();
}
