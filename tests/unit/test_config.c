/* Defaults, the YAML loader (one rule at a time, with file:line:key in the
 * messages) and the merge order defaults -> YAML -> env -> flags of the CLI. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/flags.h"
#include "core/calendar.h"
#include "core/config.h"
#include "io/yamlcfg.h"
#include "testhelp.h"

static char g_dir[256];
static char g_warn[4096];

static const char *write_file(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
    return path;
}

/* Loads TEXT as test.yaml on top of the defaults; warnings land in g_warn. */
static int load(const char *text, cg_config *cfg, cg_err *err)
{
    cg_config_defaults(cfg);
    cg_err_clear(err);
    const char *path = write_file("test.yaml", text);
    char *buf = NULL;
    size_t len = 0;
    FILE *w = open_memstream(&buf, &len);
    int rc = cg_yaml_load(cfg, path, w, err);
    fclose(w);
    snprintf(g_warn, sizeof g_warn, "%s", buf ? buf : "");
    free(buf);
    return rc;
}

/* TEXT must fail with CG_EUSAGE and a message holding every fragment. */
static int expect_err_at(int line, const char *text, const char *frag1, const char *frag2)
{
    cg_config cfg;
    cg_err err;
    int rc = load(text, &cfg, &err);
    int ok = rc == CG_EUSAGE && strstr(err.msg, frag1) && (!frag2 || strstr(err.msg, frag2)) &&
             !strchr(err.msg, '\n');
    if (!ok)
        fprintf(stderr, "  line %d: rc=%d msg='%s' want '%s' '%s'\n", line, rc, err.msg, frag1,
                frag2 ? frag2 : "");
    return ok;
}
#define EXPECT_ERR(text, f1, f2) CHECK(expect_err_at(__LINE__, text, f1, f2))

static void test_defaults(void)
{
    cg_config c;
    cg_config_defaults(&c);
    int32_t d;
    CHECK(cg_date_parse("2025-01-01", &d) == 0);
    CHECK_EQ_INT(c.subs, 100000);
    CHECK_EQ_INT(c.subs_set, 0);
    CHECK_EQ_INT(c.start_day, d);
    CHECK_EQ_INT(c.days, 1);
    CHECK_EQ_STR(c.out, "out");
    CHECK_EQ_INT(c.seed, 42);
    CHECK_EQ_STR(c.tz_name, "Europe/Amsterdam");
    CHECK_EQ_INT(c.n_prefixes, 4);
    CHECK_EQ_STR(c.prefixes[0], "31612");
    CHECK_EQ_STR(c.prefixes[1], "31613");
    CHECK_EQ_STR(c.prefixes[2], "31620");
    CHECK_EQ_STR(c.prefixes[3], "31621");
    CHECK_EQ_INT(c.n_mccmnc, 3);
    CHECK_EQ_STR(c.mccmnc_pool[0], "20408");
    CHECK_EQ_STR(c.mccmnc_pool[1], "20416");
    CHECK_EQ_STR(c.mccmnc_pool[2], "20420");
    CHECK(c.imei_change_prob == 0.02);
    CHECK_EQ_INT(c.cells, 2000);
    CHECK(c.center_lat == 52.37 && c.center_lon == 4.895 && c.radius_km == 50.0);
    CHECK(c.avg_calls == 3.5 && c.avg_sms == 5.2 && c.avg_data == 12.0 && c.avg_contacts == 30);
    CHECK(c.mo_share_call == 0.5 && c.mo_share_sms == 0.5 && c.interconnect_share == 0.15);
    CHECK(c.call_disp[CG_DISP_ANSWERED] == 0.82 && c.call_disp[CG_DISP_NO_ANSWER] == 0.12 &&
          c.call_disp[CG_DISP_BUSY] == 0.04 && c.call_disp[CG_DISP_FAILED] == 0.015 &&
          c.call_disp[CG_DISP_CONGESTION] == 0.005);
    CHECK(c.dur_p50 == 75 && c.dur_p90 == 240 && c.dur_p99 == 600);
    CHECK(c.diurnal_weekday[0] == 0.3 && c.diurnal_weekday[18] == 1.6 &&
          c.diurnal_weekday[23] == 0.5);
    CHECK(c.diurnal_weekend[0] == 0.2 && c.diurnal_weekend[18] == 1.4 &&
          c.diurnal_weekend[23] == 0.4);
    CHECK(c.seasonality[0] == 0.95 && c.seasonality[6] == 1.2 && c.seasonality[11] == 1.0);
    CHECK_EQ_INT(c.n_special, 0);
    CHECK_EQ_INT(c.rotate_bytes, 100000000);
    CHECK_EQ_INT(c.codec, CG_CODEC_GZIP);
    CHECK_EQ_INT(c.codec_level, 1);
    CHECK_EQ_INT(c.codec_level_set, 0);
    CHECK_EQ_INT(c.cleanup_after_archive, 0);
    CHECK_EQ_INT(c.workers, 0);
    CHECK_EQ_INT(c.progress, -1);
    CHECK_EQ_STR(c.subscriber_db, "");
    CHECK_EQ_INT(c.shard_n, 0);
    CHECK_EQ_INT(c.db_size, 10000);
    CHECK_EQ_INT(c.db_history_days, 365);
    CHECK(c.db_device_change_rate == 0.15 && c.db_sim_change_rate == 0.03 &&
          c.db_number_release_rate == 0.05);
    CHECK_EQ_INT(c.db_cooldown_days, 90);
    cg_err err;
    CHECK_EQ_INT(cg_config_check(&c, &err), CG_OK);
}

static void test_check_cross_fields(void)
{
    cg_config c;
    cg_err err;
    cg_config_defaults(&c);
    c.n_prefixes = 1;
    c.subs = 10000000;
    CHECK_EQ_INT(cg_config_check(&c, &err), CG_OK);
    c.subs = 10000001;
    CHECK_EQ_INT(cg_config_check(&c, &err), CG_EUSAGE);
    CHECK(strstr(err.msg, "--subs") != NULL);
    strcpy(c.subscriber_db, "db.arrow"); /* numbers come from the file then */
    CHECK_EQ_INT(cg_config_check(&c, &err), CG_OK);

    cg_config_defaults(&c);
    c.shard_k = 3;
    c.shard_n = 3;
    CHECK_EQ_INT(cg_config_check(&c, &err), CG_EUSAGE);
    CHECK(strstr(err.msg, "--shard") != NULL);
    c.shard_k = 2;
    CHECK_EQ_INT(cg_config_check(&c, &err), CG_OK);

    cg_config_defaults(&c);
    c.codec_level = 13;
    CHECK_EQ_INT(cg_config_check(&c, &err), CG_EUSAGE);
    CHECK(strstr(err.msg, "--compression-level") != NULL);
    c.codec = CG_CODEC_ZSTD;
    CHECK_EQ_INT(cg_config_check(&c, &err), CG_OK);
    c.codec_level = 20;
    CHECK_EQ_INT(cg_config_check(&c, &err), CG_EUSAGE);
}

static void test_value_parsers(void)
{
    uint64_t u;
    double d;
    int k, n, codec;
    CHECK(cg_yaml_parse_uint("18446744073709551615", &u) == 0 && u == UINT64_MAX);
    CHECK(cg_yaml_parse_uint("18446744073709551616", &u) == -1);
    CHECK(cg_yaml_parse_uint("", &u) == -1);
    CHECK(cg_yaml_parse_uint("-1", &u) == -1);
    CHECK(cg_yaml_parse_uint("12a", &u) == -1);
    CHECK(cg_yaml_parse_uint(" 1", &u) == -1);
    CHECK(cg_yaml_parse_double("1e8", &d) == 0 && d == 1e8);
    CHECK(cg_yaml_parse_double("-0.5", &d) == 0 && d == -0.5);
    CHECK(cg_yaml_parse_double("0x10", &d) == -1);
    CHECK(cg_yaml_parse_double("inf", &d) == -1);
    CHECK(cg_yaml_parse_double("nan", &d) == -1);
    CHECK(cg_yaml_parse_double("1e999", &d) == -1);
    CHECK(cg_yaml_parse_double(".", &d) == -1);
    CHECK(cg_yaml_parse_shard("0/1", &k, &n) == 0 && k == 0 && n == 1);
    CHECK(cg_yaml_parse_shard("3/4", &k, &n) == 0 && k == 3 && n == 4);
    CHECK(cg_yaml_parse_shard("4/4", &k, &n) == -1);
    CHECK(cg_yaml_parse_shard("0/0", &k, &n) == -1);
    CHECK(cg_yaml_parse_shard("/4", &k, &n) == -1);
    CHECK(cg_yaml_parse_shard("1/", &k, &n) == -1);
    CHECK(cg_yaml_parse_shard("-1/4", &k, &n) == -1);
    CHECK(cg_yaml_parse_codec("zstd", &codec) == 0 && codec == CG_CODEC_ZSTD);
    CHECK(cg_yaml_parse_codec("none", &codec) == 0 && codec == CG_CODEC_NONE);
    CHECK(cg_yaml_parse_codec("GZIP", &codec) == -1);
    CHECK(cg_yaml_prefix_ok("316") && cg_yaml_prefix_ok("316123") && !cg_yaml_prefix_ok("31") &&
          !cg_yaml_prefix_ok("3161234") && !cg_yaml_prefix_ok("31a"));
    CHECK(cg_yaml_mccmnc_ok("20408") && !cg_yaml_mccmnc_ok("2040") && !cg_yaml_mccmnc_ok("204080"));
}

/* The block of SPEC section 3, one key per line, with non-default values. */
static void test_every_key(void)
{
    cg_config c;
    cg_err err;
    int rc = load("subscribers: 5000\n"
                  "cells: 300\n"
                  "prefixes: [\"316\", 4477]\n"
                  "mccmnc_pool: [\"25001\"]\n"
                  "center_lat: 55.75\ncenter_lon: 37.62\nradius_km: 30.5\n"
                  "avg_calls_per_user: 1.5\navg_sms_per_user: 2\navg_data_sessions_per_user: 0\n"
                  "avg_contacts: 12\n"
                  "mo_share_call: 0.7\nmo_share_sms: 0.3\ninterconnect_share: 0\n"
                  "imei_daily_change_prob: 1\n"
                  "call_dispositions: {ANSWERED: 8, NO ANSWER: 1, BUSY: 1}\n"
                  "call_duration_quantiles: {p50: 60, p90: 60, p99: 900}\n"
                  "diurnal_weekday: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,2]\n"
                  "diurnal_weekend:\n" /* block style too */
                  "  - 0\n  - 0\n  - 0\n  - 0\n  - 0\n  - 0\n  - 0\n  - 0\n  - 0\n  - 0\n"
                  "  - 0\n  - 0\n  - 0\n  - 0\n  - 0\n  - 0\n  - 0\n  - 0\n  - 0\n  - 0\n"
                  "  - 0\n  - 0\n  - 0\n  - 3\n"
                  "seasonality: {1: 2.0, 12: 0}\n"
                  "special_days: {\"2025-12-31\": 1.5, 2024-02-29: 0}\n"
                  "rotate_bytes: 1000\ncompression_type: zstd\ncompression_level: 19\n"
                  "tz_name: Europe/Moscow\nworkers: 4\n"
                  "db_size: 777\ndb_history_days: 0\ndb_device_change_rate: 0.5\n"
                  "db_sim_change_rate: 0.25\ndb_number_release_rate: 0\ndb_cooldown_days: 7\n"
                  "shard: \"2/5\"\nsubscriber_db: data/db.arrow\n",
                  &c, &err);
    CHECK_MSG(rc == CG_OK, "%s", err.msg);
    CHECK_EQ_STR(g_warn, "");
    CHECK_EQ_INT(c.subs, 5000);
    CHECK_EQ_INT(c.subs_set, 1);
    CHECK_EQ_INT(c.cells, 300);
    CHECK_EQ_INT(c.n_prefixes, 2);
    CHECK_EQ_STR(c.prefixes[0], "316");
    CHECK_EQ_STR(c.prefixes[1], "4477");
    CHECK_EQ_INT(c.n_mccmnc, 1);
    CHECK_EQ_STR(c.mccmnc_pool[0], "25001");
    CHECK(c.center_lat == 55.75 && c.center_lon == 37.62 && c.radius_km == 30.5);
    CHECK(c.avg_calls == 1.5 && c.avg_sms == 2 && c.avg_data == 0 && c.avg_contacts == 12);
    CHECK(c.mo_share_call == 0.7 && c.mo_share_sms == 0.3 && c.interconnect_share == 0);
    CHECK(c.imei_change_prob == 1);
    /* a given map replaces the whole distribution */
    CHECK(c.call_disp[CG_DISP_ANSWERED] == 8 && c.call_disp[CG_DISP_NO_ANSWER] == 1 &&
          c.call_disp[CG_DISP_BUSY] == 1 && c.call_disp[CG_DISP_FAILED] == 0 &&
          c.call_disp[CG_DISP_CONGESTION] == 0);
    CHECK(c.dur_p50 == 60 && c.dur_p90 == 60 && c.dur_p99 == 900);
    CHECK(c.diurnal_weekday[0] == 1 && c.diurnal_weekday[23] == 2);
    CHECK(c.diurnal_weekend[0] == 0 && c.diurnal_weekend[23] == 3);
    /* months not named keep their value */
    CHECK(c.seasonality[0] == 2.0 && c.seasonality[11] == 0 && c.seasonality[6] == 1.2);
    CHECK_EQ_INT(c.n_special, 2);
    int32_t d1, d2;
    cg_date_parse("2025-12-31", &d1);
    cg_date_parse("2024-02-29", &d2);
    CHECK(c.special[0].day == d1 && c.special[0].factor == 1.5);
    CHECK(c.special[1].day == d2 && c.special[1].factor == 0);
    CHECK_EQ_INT(c.rotate_bytes, 1000);
    CHECK_EQ_INT(c.codec, CG_CODEC_ZSTD);
    CHECK_EQ_INT(c.codec_level, 19);
    CHECK_EQ_INT(c.codec_level_set, 1);
    CHECK_EQ_STR(c.tz_name, "Europe/Moscow");
    CHECK_EQ_INT(c.workers, 4);
    CHECK_EQ_INT(c.db_size, 777);
    CHECK_EQ_INT(c.db_history_days, 0);
    CHECK(c.db_device_change_rate == 0.5 && c.db_sim_change_rate == 0.25 &&
          c.db_number_release_rate == 0);
    CHECK_EQ_INT(c.db_cooldown_days, 7);
    CHECK_EQ_INT(c.shard_k, 2);
    CHECK_EQ_INT(c.shard_n, 5);
    CHECK_EQ_STR(c.subscriber_db, "data/db.arrow");
    CHECK_EQ_INT(cg_config_check(&c, &err), CG_OK);
    /* keys not in the file keep their values */
    CHECK_EQ_INT(c.days, 1);
    CHECK_EQ_INT(c.seed, 42);
}

static void test_seed_config(void)
{
    cg_config c;
    cg_err err;
    int rc = load("mo_share_call: 0.7\nmo_share_sms: 0.3\nworkers: 4\n"
                  "rotate_bytes: 100000000\ntz_name: \"Europe/Moscow\"\n", &c, &err);
    CHECK_MSG(rc == CG_OK, "%s", err.msg);
    CHECK(c.mo_share_call == 0.7 && c.mo_share_sms == 0.3);
    CHECK_EQ_INT(c.workers, 4);
    CHECK_EQ_STR(c.tz_name, "Europe/Moscow");
    CHECK_EQ_INT(c.subs_set, 0);
}

static void test_legacy_keys_warn_once_each(void)
{
    cg_config c;
    cg_err err;
    int rc = load("workers: 2\n"
                  "event_pool_size: 1000\n"
                  "chunk_size: 5\n"
                  "batch_size_bytes: [1, 2]\n"
                  "writer_tasks: {a: 1}\n"
                  "subscriber_db_redb_path: x.redb\n", &c, &err);
    CHECK_MSG(rc == CG_OK, "%s", err.msg);
    CHECK_EQ_INT(c.workers, 2);
    int lines = 0;
    for (const char *p = g_warn; *p; p++)
        lines += *p == '\n';
    CHECK_EQ_INT(lines, 5);
    char want[600];
    snprintf(want, sizeof want, "cdrgen: warning: %s/test.yaml:3: key 'chunk_size' of the "
             "earlier tool is ignored\n", g_dir);
    CHECK_MSG(strstr(g_warn, want) != NULL, "%s", g_warn);
    CHECK(strstr(g_warn, "test.yaml:2: key 'event_pool_size'") != NULL);
    CHECK(strstr(g_warn, "test.yaml:4: key 'batch_size_bytes'") != NULL);
    CHECK(strstr(g_warn, "test.yaml:5: key 'writer_tasks'") != NULL);
    CHECK(strstr(g_warn, "test.yaml:6: key 'subscriber_db_redb_path'") != NULL);
}

static void test_errors_one_by_one(void)
{
    /* file-level */
    EXPECT_ERR("", "test.yaml:1:", "empty");
    EXPECT_ERR("# only a comment\n", "test.yaml:1:", "empty");
    EXPECT_ERR("- a\n- b\n", "test.yaml:1:", "not a mapping");
    EXPECT_ERR("just words\n", "test.yaml:1:", "not a mapping");
    EXPECT_ERR("workers: 1\nworkers: [\n", "test.yaml:", "YAML syntax error");
    EXPECT_ERR("a: b\n  c: d\n", "test.yaml:2:", "syntax error");
    EXPECT_ERR("workers: 1\ncells: 5\nworkers: 2\n", "test.yaml:3: workers: duplicate key", "line 1");
    EXPECT_ERR("workers: 1\n---\nworkers: 2\n", "test.yaml:3:", "second YAML document");
    EXPECT_ERR("cells: 1\nfoo: 2\n", "test.yaml:2: foo: unknown key", NULL);
    EXPECT_ERR("[a]: 1\n", "test.yaml:1:", "key");
    /* types */
    EXPECT_ERR("cells: \"5\"\n", "test.yaml:1: cells: expected a whole number, got a quoted string", NULL);
    EXPECT_ERR("cells: [5]\n", "test.yaml:1: cells: expected a whole number, got a list", NULL);
    EXPECT_ERR("cells:\n", "test.yaml:1: cells: expected a whole number, got nothing", NULL);
    EXPECT_ERR("cells: 5.5\n", "cells: '5.5' is not a whole number", NULL);
    EXPECT_ERR("mo_share_call: high\n", "test.yaml:1: mo_share_call: 'high' is not a number", "0..1");
    EXPECT_ERR("call_dispositions: [1, 2]\n", "call_dispositions: expected a mapping, got a list", NULL);
    EXPECT_ERR("prefixes: \"31612\"\n", "prefixes: expected a list", NULL);
    EXPECT_ERR("diurnal_weekday: {a: 1}\n", "diurnal_weekday: expected a list, got a mapping", NULL);
    EXPECT_ERR("tz_name: [x]\n", "tz_name: expected a string, got a list", NULL);
    /* ranges */
    EXPECT_ERR("mo_share_call: 1.5\n", "test.yaml:1: mo_share_call: 1.5 is out of range", "0..1");
    EXPECT_ERR("mo_share_sms: -0.1\n", "mo_share_sms:", "out of range");
    EXPECT_ERR("interconnect_share: 2\n", "interconnect_share:", "out of range");
    EXPECT_ERR("imei_daily_change_prob: 1.01\n", "imei_daily_change_prob:", "out of range");
    EXPECT_ERR("db_device_change_rate: 3\n", "db_device_change_rate:", "out of range");
    EXPECT_ERR("db_sim_change_rate: -1\n", "db_sim_change_rate:", "out of range");
    EXPECT_ERR("db_number_release_rate: 1.1\n", "db_number_release_rate:", "out of range");
    EXPECT_ERR("workers: -1\n", "workers: -1 is negative", NULL);
    EXPECT_ERR("subscribers: -5\n", "subscribers: -5 is negative", NULL);
    EXPECT_ERR("subscribers: 0\n", "subscribers: 0 is out of range", NULL);
    EXPECT_ERR("cells: 0\n", "cells: 0 is out of range", NULL);
    EXPECT_ERR("db_cooldown_days: -3\n", "db_cooldown_days:", "negative");
    EXPECT_ERR("db_history_days: -3\n", "db_history_days:", "negative");
    EXPECT_ERR("db_size: 0\n", "db_size:", "out of range");
    EXPECT_ERR("avg_calls_per_user: -1\n", "avg_calls_per_user:", "out of range");
    EXPECT_ERR("avg_contacts: -1\n", "avg_contacts:", "out of range");
    EXPECT_ERR("radius_km: 0\n", "radius_km:", "out of range");
    EXPECT_ERR("center_lat: 91\n", "center_lat:", "out of range");
    EXPECT_ERR("rotate_bytes: 0\n", "rotate_bytes:", "out of range");
    /* diurnal lists */
    EXPECT_ERR("diurnal_weekday: [1,1,1]\n", "diurnal_weekday: 3 numbers given", "24");
    EXPECT_ERR("diurnal_weekend: [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]\n",
               "diurnal_weekend: every hour is 0", NULL);
    EXPECT_ERR("diurnal_weekday: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]\n",
               "25 numbers given", NULL);
    EXPECT_ERR("diurnal_weekday:\n  - 1\n  - 1\n  - -2\n"
               "  - 1\n  - 1\n  - 1\n  - 1\n  - 1\n  - 1\n  - 1\n  - 1\n  - 1\n  - 1\n  - 1\n"
               "  - 1\n  - 1\n  - 1\n  - 1\n  - 1\n  - 1\n  - 1\n  - 1\n  - 1\n  - 1\n",
               "test.yaml:4: diurnal_weekday[2]:", "out of range");
    /* dispositions */
    EXPECT_ERR("call_dispositions: {ANSWERED: 0, BUSY: 0}\n", "call_dispositions: every weight is 0", NULL);
    EXPECT_ERR("call_dispositions: {ANSWERED: -1, BUSY: 2}\n", "call_dispositions.ANSWERED:", "out of range");
    EXPECT_ERR("call_dispositions:\n  ANSWERED: 1\n  HUNG UP: 1\n", "test.yaml:3: call_dispositions.HUNG UP: unknown disposition", NULL);
    EXPECT_ERR("call_dispositions: {BUSY: 1, BUSY: 2}\n", "call_dispositions.BUSY: duplicate key", NULL);
    /* quantiles */
    EXPECT_ERR("call_duration_quantiles: {p50: 0}\n", "call_duration_quantiles: p50 is 0", NULL);
    EXPECT_ERR("call_duration_quantiles: {p50: 100, p90: 50}\n", "p90 50 is below p50 100", NULL);
    EXPECT_ERR("call_duration_quantiles: {p50: 10, p90: 50, p99: 40}\n", "p99 40 is below p90 50", NULL);
    EXPECT_ERR("call_duration_quantiles: {p75: 10}\n", "call_duration_quantiles.p75: unknown quantile", NULL);
    /* seasonality and special days */
    EXPECT_ERR("seasonality: {13: 1}\n", "seasonality.13: '13' is not a month", NULL);
    EXPECT_ERR("seasonality: {0: 1}\n", "seasonality.0:", "month");
    EXPECT_ERR("seasonality: {3: -1}\n", "seasonality.3:", "out of range");
    EXPECT_ERR("special_days: {\"2025-02-30\": 1.5}\n", "special_days.2025-02-30: '2025-02-30' is not a real date", NULL);
    EXPECT_ERR("special_days: {\"31-12-2025\": 1}\n", "not a real date", NULL);
    EXPECT_ERR("special_days:\n  \"2025-12-31\": -1\n", "test.yaml:2: special_days.2025-12-31:", "out of range");
    EXPECT_ERR("special_days: {\"2025-12-31\": 1, 2025-12-31: 2}\n", "duplicate key", NULL);
    /* identities */
    EXPECT_ERR("tz_name: Mars/Olympus\n", "tz_name: unknown time zone 'Mars/Olympus'", NULL);
    EXPECT_ERR("mccmnc_pool: [\"2040\"]\n", "mccmnc_pool[0]: '2040' is not 5 digits", NULL);
    EXPECT_ERR("mccmnc_pool: [\"20408\", \"2041X\"]\n", "mccmnc_pool[1]:", NULL);
    EXPECT_ERR("mccmnc_pool: []\n", "mccmnc_pool: the list is empty", NULL);
    EXPECT_ERR("prefixes: []\n", "prefixes: the list is empty", NULL);
    EXPECT_ERR("prefixes: [\"31\"]\n", "prefixes[0]: '31' is not 3 to 6 digits", NULL);
    EXPECT_ERR("prefixes: [\"3161234\"]\n", "prefixes[0]:", NULL);
    EXPECT_ERR("prefixes: [\"316\", \"316\"]\n", "prefixes[1]: '316' is given twice", NULL);
    /* codec */
    EXPECT_ERR("compression_type: lz4\n", "compression_type: unknown codec 'lz4'", "gzip, zstd or none");
    EXPECT_ERR("compression_level: 0\n", "compression_level: 0 is out of range", NULL);
    EXPECT_ERR("compression_level: 20\ncompression_type: zstd\n", "compression_level: 20 is out of range", NULL);
    /* 13 is fine for zstd: the loader records the line, and the check against
     * the codec in effect runs after the flags (flags.c; tests/cli/bad-inputs
     * "yaml level 19 for gzip", cli/generate.sh) */
    {
        cg_config c;
        cg_err err;
        CHECK_EQ_INT(load("compression_type: gzip\n\ncompression_level: 13\n", &c, &err), CG_OK);
        CHECK_EQ_INT(c.codec_level_line, 3);
        CHECK_EQ_INT(c.codec_level, 13);
    }
    /* scale-out */
    EXPECT_ERR("shard: \"4/4\"\n", "shard: '4/4' is not a part of the work", NULL);
    EXPECT_ERR("shard: 3\n", "shard:", NULL);
    EXPECT_ERR("subscriber_db: \"\"\n", "subscriber_db: expected a string", NULL);
}

static void test_codec_level_order(void)
{
    cg_config c;
    cg_err err;
    /* the level's range follows the codec even when the codec comes later */
    CHECK_EQ_INT(load("compression_level: 15\ncompression_type: zstd\n", &c, &err), CG_OK);
    CHECK_EQ_INT(c.codec, CG_CODEC_ZSTD);
    CHECK_EQ_INT(c.codec_level, 15);
    CHECK_EQ_INT(c.codec_level_set, 1);
    CHECK_EQ_INT(load("compression_type: none\n", &c, &err), CG_OK);
    CHECK_EQ_INT(c.codec, CG_CODEC_NONE);
    CHECK_EQ_INT(c.codec_level_set, 0);
}

static void test_error_leaves_cfg_untouched(void)
{
    cg_config c, before;
    cg_err err;
    cg_config_defaults(&c);
    before = c;
    const char *path = write_file("bad.yaml", "workers: 3\ncells: 7\nmo_share_call: 9\n");
    CHECK_EQ_INT(cg_yaml_load(&c, path, NULL, &err), CG_EUSAGE);
    CHECK(strstr(err.msg, "bad.yaml:3: mo_share_call:") != NULL);
    CHECK(memcmp(&c, &before, sizeof c) == 0);
}

static void test_missing_file(void)
{
    cg_config c;
    cg_err err;
    cg_config_defaults(&c);
    char path[512];
    snprintf(path, sizeof path, "%s/nope.yaml", g_dir);
    CHECK_EQ_INT(cg_yaml_load(&c, path, NULL, &err), CG_EUSAGE);
    CHECK(strstr(err.msg, "--config") && strstr(err.msg, "nope.yaml") &&
          strstr(err.msg, "No such file"));
    CHECK_EQ_INT(cg_yaml_load(&c, g_dir, NULL, &err), CG_EUSAGE);
    CHECK(strstr(err.msg, "--config") != NULL);
}

/* The "every key" example of docs/CONFIG.md spells out the defaults: it must
 * load, and give back the defaults (plus its one special day). */
static void test_docs_example_is_the_defaults(void)
{
    FILE *f = fopen("docs/CONFIG.md", "r");
    CHECK_MSG(f != NULL, "run from the repository root");
    if (!f)
        return;
    static char doc[65536], yaml[16384];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[n] = '\0';
    const char *a = strstr(doc, "### Example: every key");
    a = a ? strstr(a, "```yaml\n") : NULL;
    const char *b = a ? strstr(a + 8, "```") : NULL;
    CHECK(a && b);
    if (!a || !b)
        return;
    snprintf(yaml, sizeof yaml, "%.*s", (int)(b - (a + 8)), a + 8);
    cg_config c, d;
    cg_err err;
    CHECK_MSG(load(yaml, &c, &err) == CG_OK, "%s", err.msg);
    cg_config_defaults(&d);
    CHECK_EQ_INT(c.n_special, 1);
    CHECK_EQ_INT(c.subs_set, 1);
    c.n_special = 0;
    memset(c.special, 0, sizeof c.special);
    c.subs_set = 0;
    c.codec_level_set = 0;
    c.codec_level_line = 0;
    c.codec_set = 0;
    CHECK(memcmp(&c, &d, sizeof c) == 0);
}

/* ---- command line ---- */

static int parse(cg_flags *fl, cg_err *err, ...)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)"cdrgen";
    va_list ap;
    va_start(ap, err);
    const char *a;
    while ((a = va_arg(ap, const char *)) && argc < 63)
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    return cg_flags_parse(fl, argc, argv, NULL, err);
}

static void test_flags_beat_file(void)
{
    static cg_flags fl;
    cg_err err;
    const char *path = write_file("cfg.yaml", "mo_share_call: 0.7\nworkers: 4\ncells: 99\n"
                                  "shard: \"1/2\"\n");
    char p[512];
    snprintf(p, sizeof p, "%s", path);
    unsetenv("CDRGEN_SHARD_INDEX");
    unsetenv("CDRGEN_SHARD_COUNT");
    /* the flag comes before --config on the line and still wins */
    int rc = parse(&fl, &err, "generate", "--mo-share-call", "0.2", "--config", p, "--workers=8",
                   NULL);
    CHECK_MSG(rc == CG_OK, "%s", err.msg);
    CHECK_EQ_INT(fl.cmd, CG_FLAGS_GENERATE);
    CHECK(fl.cfg.mo_share_call == 0.2);
    CHECK_EQ_INT(fl.cfg.workers, 8);
    CHECK_EQ_INT(fl.cfg.cells, 99);
    CHECK_EQ_INT(fl.cfg.shard_k, 1);
    CHECK_EQ_INT(fl.cfg.shard_n, 2);

    /* env beats YAML, the flag beats env */
    setenv("CDRGEN_SHARD_INDEX", "2", 1);
    setenv("CDRGEN_SHARD_COUNT", "3", 1);
    rc = parse(&fl, &err, "generate", "--config", p, NULL);
    CHECK_MSG(rc == CG_OK, "%s", err.msg);
    CHECK(fl.cfg.shard_k == 2 && fl.cfg.shard_n == 3);
    rc = parse(&fl, &err, "generate", "--config", p, "--shard", "0/5", NULL);
    CHECK(rc == CG_OK && fl.cfg.shard_k == 0 && fl.cfg.shard_n == 5);
    setenv("CDRGEN_SHARD_INDEX", "3", 1);
    CHECK_EQ_INT(parse(&fl, &err, "generate", NULL), CG_EUSAGE);
    CHECK(strstr(err.msg, "CDRGEN_SHARD_INDEX=3") != NULL);
    unsetenv("CDRGEN_SHARD_COUNT");
    CHECK_EQ_INT(parse(&fl, &err, "generate", NULL), CG_EUSAGE);
    CHECK(strstr(err.msg, "CDRGEN_SHARD_COUNT") != NULL);
    unsetenv("CDRGEN_SHARD_INDEX");
    rc = parse(&fl, &err, "generate", NULL);
    CHECK(rc == CG_OK && fl.cfg.shard_n == 0);
}

static void test_flag_values(void)
{
    static cg_flags fl;
    cg_err err;
    int32_t d;
    cg_date_parse("2024-01-03", &d);
    int rc = parse(&fl, &err, "generate", "--subs", "1000", "--start", "2024-01-03", "--days", "3",
                   "--out", "o", "--seed", "7", "--prefixes", "316,4477", "--rotate-bytes", "5",
                   "--workers", "2", "--tz", "UTC", "--cells", "10", "--cell-center", "-33.9,18.4",
                   "--cell-radius-km", "2.5", "--mo-share-call", "0", "--mo-share-sms", "1",
                   "--imei-change-prob", "0.5", "--compression", "zstd", "--compression-level",
                   "19", "--cleanup-after-archive", "--subscriber-db", "x.csv", "--shard", "1/2",
                   "--quiet", NULL);
    CHECK_MSG(rc == CG_OK, "%s", err.msg);
    cg_config *c = &fl.cfg;
    CHECK(c->subs == 1000 && c->subs_set == 1 && c->start_day == d && c->days == 3);
    CHECK_EQ_STR(c->out, "o");
    CHECK_EQ_INT(c->seed, 7);
    CHECK(c->n_prefixes == 2 && !strcmp(c->prefixes[1], "4477"));
    CHECK(c->rotate_bytes == 5 && c->workers == 2 && c->cells == 10);
    CHECK_EQ_STR(c->tz_name, "UTC");
    CHECK(c->center_lat == -33.9 && c->center_lon == 18.4 && c->radius_km == 2.5);
    CHECK(c->mo_share_call == 0 && c->mo_share_sms == 1 && c->imei_change_prob == 0.5);
    CHECK(c->codec == CG_CODEC_ZSTD && c->codec_level == 19 && c->codec_level_set == 1);
    CHECK(c->cleanup_after_archive == 1 && c->progress == 0);
    CHECK_EQ_STR(c->subscriber_db, "x.csv");
    CHECK(c->shard_k == 1 && c->shard_n == 2);

    struct { const char *flag, *value, *frag; } bad[] = {
        {"--subs", "abc", "--subs: 'abc' is not a whole number"},
        {"--subs", "0", "--subs: '0' is out of range"},
        {"--days", "abc", "--days: 'abc' is not a whole number \u2265 1"},
        {"--days", "1x", "--days: '1x'"},
        {"--start", "2025-02-29", "--start: '2025-02-29' is not a real date"},
        {"--seed", "-1", "--seed:"},
        {"--out", "", "--out:"},
        {"--prefixes", "316,,317", "--prefixes: '' is not a prefix"},
        {"--prefixes", "31", "--prefixes: '31'"},
        {"--rotate-bytes", "0", "--rotate-bytes:"},
        {"--workers", "2000", "--workers: '2000' is out of range"},
        {"--tz", "Nowhere/City", "--tz: unknown time zone"},
        {"--cells", "-1", "--cells:"},
        {"--cell-center", "52.37", "--cell-center:"},
        {"--cell-center", "95,4", "--cell-center:"},
        {"--cell-radius-km", "0", "--cell-radius-km:"},
        {"--mo-share-call", "1.5", "--mo-share-call: '1.5' is not a probability"},
        {"--mo-share-sms", "x", "--mo-share-sms:"},
        {"--imei-change-prob", "-0.1", "--imei-change-prob:"},
        {"--compression", "lz4", "--compression: unknown codec 'lz4'"},
        {"--compression-level", "0", "--compression-level:"},
        {"--compression-level", "13", "--compression-level"},
        {"--subscriber-db", "", "--subscriber-db:"},
        {"--shard", "2/2", "--shard: '2/2'"},
        {"--config", "/nonexistent/c.yaml", "--config: cannot open '/nonexistent/c.yaml'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rc = parse(&fl, &err, "generate", bad[i].flag, bad[i].value, NULL);
        CHECK_MSG(rc == CG_EUSAGE && strstr(err.msg, bad[i].frag), "%s %s: rc %d '%s'",
                  bad[i].flag, bad[i].value, rc, err.msg);
    }
    CHECK_EQ_INT(parse(&fl, &err, "generate", "--quiet", "--progress", NULL), CG_EUSAGE);
    CHECK_EQ_INT(parse(&fl, &err, "generate", "--sub", "5", NULL), CG_EUSAGE);
    CHECK(strstr(err.msg, "'--sub'") && strstr(err.msg, "(see cdrgen generate --help)"));
    CHECK_EQ_INT(parse(&fl, &err, "generate", "--days", NULL), CG_EUSAGE);
    CHECK(strstr(err.msg, "--days: missing value") != NULL);
    CHECK_EQ_INT(parse(&fl, &err, "generate", "stray", NULL), CG_EUSAGE);
    CHECK(strstr(err.msg, "'stray'") != NULL);
    CHECK_EQ_INT(parse(&fl, &err, "generate", "--size", "5", NULL), CG_EUSAGE);
}

static void test_commands_and_flat_form(void)
{
    static cg_flags fl;
    cg_err err;
    char cfgp[512];
    snprintf(cfgp, sizeof cfgp, "%s", write_file("test_config.yaml",
             "mo_share_call: 0.7\nmo_share_sms: 0.3\nworkers: 4\nrotate_bytes: 100000000\n"
             "tz_name: \"Europe/Moscow\"\n"));
    int32_t d;
    cg_date_parse("2024-01-03", &d);
    /* the seed's line */
    int rc = parse(&fl, &err, "--subs", "1000000", "--start", "2024-01-03", "--days", "1", "--out",
                   "prof_output", "--subscriber-db", "test_db_1m.arrow", "--config", cfgp,
                   "--seed", "42", NULL);
    CHECK_MSG(rc == CG_OK, "%s", err.msg);
    CHECK_EQ_INT(fl.cmd, CG_FLAGS_GENERATE);
    CHECK(fl.cfg.subs == 1000000 && fl.cfg.subs_set && fl.cfg.start_day == d && fl.cfg.days == 1);
    CHECK_EQ_STR(fl.cfg.out, "prof_output");
    CHECK_EQ_STR(fl.cfg.subscriber_db, "test_db_1m.arrow");
    CHECK_EQ_STR(fl.cfg.tz_name, "Europe/Moscow");
    CHECK(fl.cfg.workers == 4 && fl.cfg.mo_share_call == 0.7 && fl.cfg.seed == 42);

    rc = parse(&fl, &err, "--generate-db", "db.arrow", "--db-size", "1000000", "--seed", "9",
               "--db-history-days", "30", "--cooldown-days", "5", NULL);
    CHECK_MSG(rc == CG_OK, "%s", err.msg);
    CHECK_EQ_INT(fl.cmd, CG_FLAGS_DB_GENERATE);
    CHECK_EQ_STR(fl.path, "db.arrow");
    CHECK(fl.cfg.db_size == 1000000 && fl.cfg.seed == 9 && fl.cfg.db_history_days == 30 &&
          fl.cfg.db_cooldown_days == 5);

    rc = parse(&fl, &err, "--subscriber-db", "x.arrow", "--validate-db", NULL);
    CHECK(rc == CG_OK && fl.cmd == CG_FLAGS_DB_VALIDATE && !strcmp(fl.path, "x.arrow"));
    CHECK_EQ_INT(parse(&fl, &err, "--validate-db", NULL), CG_EUSAGE);
    CHECK(strstr(err.msg, "--subscriber-db") != NULL);

    rc = parse(&fl, &err, "db", "generate", "-o", "s.csv", "--size", "50", "--prefixes", "316",
               "--device-change-rate", "0.5", "--db-sim-change-rate", "0.1",
               "--number-release-rate", "1", NULL);
    CHECK_MSG(rc == CG_OK, "%s", err.msg);
    CHECK(fl.cmd == CG_FLAGS_DB_GENERATE && !strcmp(fl.path, "s.csv") && fl.cfg.db_size == 50 &&
          fl.cfg.n_prefixes == 1 && fl.cfg.db_device_change_rate == 0.5 &&
          fl.cfg.db_sim_change_rate == 0.1 && fl.cfg.db_number_release_rate == 1);
    CHECK_EQ_INT(parse(&fl, &err, "db", "generate", "--size", "5", NULL), CG_EUSAGE);
    CHECK(strstr(err.msg, "-o FILE") != NULL);
    CHECK_EQ_INT(parse(&fl, &err, "db", "generate", "-o", "a.csv", "--prefixes", "316", "--size",
                       "10000001", NULL), CG_EUSAGE);
    CHECK(strstr(err.msg, "--size") != NULL);
    CHECK_EQ_INT(parse(&fl, &err, "db", "generate", "-o", "a.csv", "--days", "2", NULL), CG_EUSAGE);

    rc = parse(&fl, &err, "db", "validate", "v.arrow", NULL);
    CHECK(rc == CG_OK && fl.cmd == CG_FLAGS_DB_VALIDATE && !strcmp(fl.path, "v.arrow"));
    CHECK_EQ_INT(parse(&fl, &err, "db", "validate", NULL), CG_EUSAGE);
    CHECK_EQ_INT(parse(&fl, &err, "db", "validate", "a", "b", NULL), CG_EUSAGE);
    rc = parse(&fl, &err, "db", "convert", "a.csv", "b.arrow", NULL);
    CHECK(rc == CG_OK && fl.cmd == CG_FLAGS_DB_CONVERT && !strcmp(fl.path, "a.csv") &&
          !strcmp(fl.path2, "b.arrow"));
    rc = parse(&fl, &err, "merge", "outdir", NULL);
    CHECK(rc == CG_OK && fl.cmd == CG_FLAGS_MERGE && !strcmp(fl.path, "outdir"));
    CHECK_EQ_INT(parse(&fl, &err, "merge", NULL), CG_EUSAGE);

    CHECK(parse(&fl, &err, "--help", NULL) == CG_OK && fl.cmd == CG_FLAGS_HELP && !fl.topic[0]);
    CHECK(parse(&fl, &err, "help", "db", "generate", NULL) == CG_OK &&
          !strcmp(fl.topic, "db generate"));
    CHECK(parse(&fl, &err, "db", "convert", "--help", NULL) == CG_OK &&
          !strcmp(fl.topic, "db convert"));
    CHECK(parse(&fl, &err, "generate", "-h", NULL) == CG_OK && !strcmp(fl.topic, "generate"));
    CHECK(parse(&fl, &err, "--version", NULL) == CG_OK && fl.cmd == CG_FLAGS_VERSION);
    CHECK_EQ_INT(parse(&fl, &err, "frobnicate", NULL), CG_EUSAGE);
    CHECK(strstr(err.msg, "'frobnicate'") && strstr(err.msg, "(see cdrgen --help)"));
    CHECK_EQ_INT(parse(&fl, &err, NULL), CG_EUSAGE);
}

int main(void)
{
    snprintf(g_dir, sizeof g_dir, "%s/cg-config.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN_TEST(test_defaults);
    RUN_TEST(test_check_cross_fields);
    RUN_TEST(test_value_parsers);
    RUN_TEST(test_every_key);
    RUN_TEST(test_seed_config);
    RUN_TEST(test_legacy_keys_warn_once_each);
    RUN_TEST(test_errors_one_by_one);
    RUN_TEST(test_codec_level_order);
    RUN_TEST(test_error_leaves_cfg_untouched);
    RUN_TEST(test_missing_file);
    RUN_TEST(test_docs_example_is_the_defaults);
    RUN_TEST(test_flags_beat_file);
    RUN_TEST(test_flag_values);
    RUN_TEST(test_commands_and_flat_form);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", g_dir);
    TEST_REPORT();
}
