/* Tests of core/synth building blocks in-process: the law of call durations
 * per disposition (exact CDF of ringing + rounded log-normal talk time,
 * checked with the DKW bound), and one subscriber-day's records (sorted,
 * owned, inside the day). */
#include <math.h>
#include <stdint.h>

#include "core/cells.h"
#include "core/rng.h"
#include "core/synth.h"
#include "core/tzday.h"
#include "io/tzdb.h"
#include "test_gen_rows.h"

#define NDRAW 200000

static int model(cg_model *m, cg_cells *cells, cg_config *cfg)
{
    cg_err err;
    cg_err_clear(&err);
    if (cg_cells_build(cells, 200, cfg->center_lat, cfg->center_lon, cfg->radius_km, cfg->seed,
                       &err) != CG_OK ||
        cg_model_init(m, cfg, 1000, cells, NULL, &err) != CG_OK) {
        fprintf(stderr, "  model: %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* NDRAW ANSWERED durations, each from its own counter-based stream. */
static uint32_t *draw(const cg_model *m, int disp, uint64_t salt)
{
    uint32_t *d = malloc(NDRAW * sizeof *d);
    for (size_t k = 0; k < NDRAW; k++) {
        cg_rng r = cg_rng_make(12345, salt, k, (uint64_t)disp);
        d[k] = cg_synth_call_duration(m, disp, &r);
    }
    return d;
}

/* sup |F_n - F| over every integer point (hence also at the model's p50 and
 * p90 points and everywhere between) against the DKW bound at alpha = 1e-6:
 * sqrt(ln(2e6) / 4e5) = 0.00602. Also checks the test has power: the same
 * sample against the law with p90 = 300 instead of 240 (sigma 1.0825 vs
 * 0.9084) or without ringing is far outside the bound. */
static void check_answered(double p50, double p90, int power)
{
    cg_config cfg;
    cg_config_defaults(&cfg);
    cfg.dur_p50 = p50;
    cfg.dur_p90 = p90;
    cg_cells cells;
    cg_model m;
    if (model(&m, &cells, &cfg)) {
        CHECK(0);
        return;
    }
    double mu = log(p50), sigma = gr_sigma(p50, p90);
    CHECK(fabs(m.ln_mu - mu) < 1e-12);
    CHECK(fabs(m.ln_sigma - sigma) < 1e-12);
    uint32_t *d = draw(&m, CG_DISP_ANSWERED, (uint64_t)(p90 * 1000));
    uint32_t mn = UINT32_MAX;
    size_t at_p50 = 0, at_p90 = 0;
    for (size_t k = 0; k < NDRAW; k++) {
        if (d[k] < mn)
            mn = d[k];
        /* Points where the median / 90th percentile of the sum fall. */
        at_p50 += d[k] <= (uint32_t)(p50 + 13.5);
        at_p90 += d[k] <= (uint32_t)(p90 + 13.5);
    }
    CHECK(mn >= 3); /* ringing >= 2, talk >= 1 */
    double eps = gr_dkw(NDRAW);
    double F50 = gr_answered_cdf((int64_t)(p50 + 13.5), mu, sigma);
    double F90 = gr_answered_cdf((int64_t)(p90 + 13.5), mu, sigma);
    CHECK_MSG(fabs((double)at_p50 / NDRAW - F50) <= eps, "at p50: %f vs %f",
              (double)at_p50 / NDRAW, F50);
    CHECK_MSG(fabs((double)at_p90 / NDRAW - F90) <= eps, "at p90: %f vs %f",
              (double)at_p90 / NDRAW, F90);
    double ks = gr_ks_answered(d, NDRAW, mu, sigma);
    CHECK_MSG(ks <= eps, "p50 %g p90 %g: KS %f > DKW %f", p50, p90, ks, eps);
    if (power) {
        double wrong = gr_ks_answered(d, NDRAW, mu, gr_sigma(p50, 300));
        CHECK_MSG(wrong > 3 * eps, "p90 300 not rejected: %f", wrong);
        /* Without ringing: shift the sample down by its mean ringing 13.5. */
        for (size_t k = 0; k < NDRAW; k++)
            d[k] = d[k] > 14 ? d[k] - 13 : 1;
        wrong = gr_ks_answered(d, NDRAW, mu, sigma);
        CHECK_MSG(wrong > 3 * eps, "shift by 13 s not rejected: %f", wrong);
    }
    free(d);
    cg_model_free(&m);
    cg_cells_free(&cells);
}

static void test_answered_duration_default(void)
{
    check_answered(75, 240, 1);
}

/* p90 barely above p50 gives sigma 0.05, clamped to 0.2: the law with 0.2. */
static void test_answered_duration_sigma_clamp_low(void)
{
    check_answered(75, 80, 0);
}

/* A huge p90 gives sigma 3.6, clamped to 2.0. */
static void test_answered_duration_sigma_clamp_high(void)
{
    check_answered(30, 30 * exp(3.6 * 1.2815515655446004), 0);
}

/* NO ANSWER U{5..30}, BUSY U{2..10}, FAILED/CONGESTION U{1..5}: every value
 * in range, none outside, each value's frequency within the binomial bound
 * 5 sqrt(p(1-p)/n) of 1/width (n = 200,000 independent streams). */
static void test_other_dispositions_uniform(void)
{
    cg_config cfg;
    cg_config_defaults(&cfg);
    cg_cells cells;
    cg_model m;
    if (model(&m, &cells, &cfg)) {
        CHECK(0);
        return;
    }
    static const int lo[CG_DISP_COUNT] = {0, 5, 2, 1, 1}, hi[CG_DISP_COUNT] = {0, 30, 10, 5, 5};
    for (int disp = CG_DISP_NO_ANSWER; disp < CG_DISP_COUNT; disp++) {
        uint32_t *d = draw(&m, disp, 7);
        size_t cnt[64] = {0}, out = 0;
        for (size_t k = 0; k < NDRAW; k++) {
            if ((int)d[k] < lo[disp] || (int)d[k] > hi[disp])
                out++;
            else
                cnt[d[k]]++;
        }
        CHECK_EQ_INT(out, 0);
        double p = 1.0 / (hi[disp] - lo[disp] + 1);
        for (int v = lo[disp]; v <= hi[disp]; v++)
            CHECK_MSG(fabs((double)cnt[v] / NDRAW - p) <= gr_binom5(p, NDRAW),
                      "disp %d value %d: %zu", disp, v, cnt[v]);
        free(d);
    }
    cg_model_free(&m);
    cg_cells_free(&cells);
}

/* One subscriber-day straight from the model: records sorted by start, all
 * inside the local day, owned by the subscriber, tz offsets those of the
 * instant; the same call twice gives the same records (pure function). */
static void test_subscriber_day(void)
{
    cg_config cfg;
    cg_config_defaults(&cfg);
    cg_date_parse("2025-03-30", &cfg.start_day);
    cg_cells cells;
    cg_model m;
    cg_err err;
    cg_err_clear(&err);
    CHECK_EQ_INT(cg_tz_use("Europe/Amsterdam", &err), CG_OK);
    if (model(&m, &cells, &cfg)) {
        CHECK(0);
        return;
    }
    cg_dayparams dp;
    CHECK_EQ_INT(cg_dayparams_init(&dp, &m, 0, &err), CG_OK);
    /* 2025-03-30 starts at 23:00Z the day before (CET) and lasts 23 h. */
    CHECK_EQ_INT(dp.day.start_ms, 1743289200000LL);
    CHECK_EQ_INT(dp.day.end_ms - dp.day.start_ms, 23LL * 3600000);
    /* March's factor is 1; the day lacks the hour 02:00, so the factor is
     * the weight of the other 23 hours over all 24. */
    double all = 0;
    for (int h = 0; h < 24; h++)
        all += cfg.diurnal_weekend[h];
    CHECK(fabs(dp.factor - (all - cfg.diurnal_weekend[2]) / all) < 1e-12);
    CHECK(dp.factor < 1.0);
    cg_recbuf rb = {0}, rb2 = {0};
    size_t total = 0;
    for (uint64_t i = 0; i < 1000; i++) {
        CHECK_EQ_INT(cg_synth_subscriber(&m, &dp, i, &rb), 0);
        CHECK_EQ_INT(cg_synth_subscriber(&m, &dp, i, &rb2), 0);
        CHECK_EQ_INT(rb.n, rb2.n);
        total += rb.n;
        uint64_t me = gr_msisdn(&cfg, i);
        for (size_t k = 0; k < rb.n; k++) {
            const cg_rec *x = cg_recbuf_at(&rb, k), *y = cg_recbuf_at(&rb2, k);
            CHECK(memcmp(x, y, sizeof *x) == 0);
            if (k)
                CHECK(cg_recbuf_at(&rb, k - 1)->start_ms <= x->start_ms);
            CHECK(x->start_ms >= dp.day.start_ms && x->start_ms < dp.day.end_ms);
            /* CET before 01:00Z, CEST from then on. */
            CHECK_EQ_INT(x->tz_off, x->start_ms < 1743296400000LL ? 60 : 120);
            CHECK_EQ_INT(x->dir == CG_DIR_MT ? x->dst : x->src, me);
            CHECK(x->cell >= 1 && x->cell <= 200);
        }
    }
    /* 1000 subscribers x (3.5 + 5.2 + 12) expected records: far from 0. */
    CHECK(total > 15000);
    cg_dayparams_free(&dp);
    cg_recbuf_free(&rb);
    cg_recbuf_free(&rb2);
    cg_model_free(&m);
    cg_cells_free(&cells);
}

int main(void)
{
    RUN_TEST(test_answered_duration_default);
    RUN_TEST(test_answered_duration_sigma_clamp_low);
    RUN_TEST(test_answered_duration_sigma_clamp_high);
    RUN_TEST(test_other_dispositions_uniform);
    RUN_TEST(test_subscriber_day);
    TEST_REPORT();
}
