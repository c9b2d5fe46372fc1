/* Tests of core/tzday: day boundaries and segments on ordinary, 23-hour,
 * 25-hour, midnight-less and half-hour-offset days, checked both against
 * values fixed by the tz rules and against localtime_r second by second at
 * every boundary; and the diurnal sampler's distribution. */
#include <math.h>
#include <stdint.h>
#include <time.h>

#include "core/calendar.h"
#include "core/config.h"
#include "core/rng.h"
#include "core/tzday.h"
#include "io/tzdb.h"
#include "testhelp.h"

static const double k_flat[24] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

static int32_t day_of(const char *s)
{
    int32_t d = 0;
    if (cg_date_parse(s, &d) != 0)
        fprintf(stderr, "bad date %s\n", s);
    return d;
}

/* UTC ms of "YYYY-MM-DD" + hh:mm. */
static int64_t utc_ms(const char *date, int hh, int mm)
{
    return ((int64_t)day_of(date) * 86400 + hh * 3600 + mm * 60) * 1000;
}

static void tz(const char *name)
{
    cg_err err;
    int rc = cg_tz_use(name, &err);
    CHECK_EQ_INT(rc, CG_OK);
}

static struct tm local_tm(int64_t t_ms)
{
    time_t t = (time_t)(t_ms >= 0 ? t_ms / 1000 : -((-t_ms + 999) / 1000));
    struct tm tm;
    localtime_r(&t, &tm);
    return tm;
}

static int32_t local_date(int64_t t_ms)
{
    /* From tm's civil fields through timegm, independently of how tzday
     * derives local dates. */
    struct tm tm = local_tm(t_ms), c = {0};
    c.tm_year = tm.tm_year;
    c.tm_mon = tm.tm_mon;
    c.tm_mday = tm.tm_mday;
    return (int32_t)(timegm(&c) / 86400);
}

/* Everything a day must satisfy whatever the zone, checked with localtime_r:
 * boundaries exact to the second, segments contiguous and covering the day,
 * each segment's hour/offset right at both its ends, adjacent segments
 * differing (maximal runs), cum non-decreasing by w[hour] * hours. */
static void check_day_invariants(const cg_day *d, const double *w)
{
    CHECK(d->nseg > 0);
    CHECK(local_date(d->start_ms - 1000) < d->day);
    CHECK_EQ_INT(local_date(d->start_ms), d->day);
    CHECK_EQ_INT(local_date(d->end_ms - 1000), d->day);
    CHECK_EQ_INT(local_date(d->end_ms), d->day + 1);
    int64_t t = d->start_ms;
    double cum = 0;
    for (int i = 0; i < d->nseg; i++) {
        const cg_day_seg *s = &d->seg[i];
        CHECK_EQ_INT(s->start_ms, t);
        CHECK(s->len_ms > 0 && s->len_ms % 1000 == 0);
        struct tm a = local_tm(s->start_ms), b = local_tm(s->start_ms + s->len_ms - 1000);
        CHECK_EQ_INT(a.tm_hour, s->hour);
        CHECK_EQ_INT(b.tm_hour, s->hour);
        CHECK_EQ_INT(a.tm_gmtoff / 60, s->offset_min);
        CHECK_EQ_INT(b.tm_gmtoff / 60, s->offset_min);
        if (i > 0)
            CHECK(s->hour != d->seg[i - 1].hour || s->offset_min != d->seg[i - 1].offset_min);
        cum += w[s->hour] * (double)s->len_ms / 3600000.0;
        CHECK(fabs(s->cum - cum) < 1e-9);
        CHECK_EQ_INT(cg_day_offset_at(d, s->start_ms), s->offset_min);
        CHECK_EQ_INT(cg_day_offset_at(d, s->start_ms + s->len_ms - 1), s->offset_min);
        t += s->len_ms;
    }
    CHECK_EQ_INT(t, d->end_ms);
}

static void build(cg_day *d, const char *date)
{
    cg_err err;
    int rc = cg_day_build(d, day_of(date), k_flat, k_flat, &err);
    CHECK_EQ_INT(rc, CG_OK);
    check_day_invariants(d, k_flat);
}

static void test_tz_use_rejects_unknown(void)
{
    cg_err err;
    cg_err_clear(&err);
    CHECK_EQ_INT(cg_tz_use("Nowhere/Atlantis", &err), CG_EUSAGE);
    CHECK(strstr(err.msg, "--tz") != NULL);
    CHECK(strstr(err.msg, "Nowhere/Atlantis") != NULL);
    CHECK_EQ_INT(cg_tz_use("../etc/passwd", &err), CG_EUSAGE);
}

static void test_amsterdam_winter(void)
{
    tz("Europe/Amsterdam");
    cg_day d;
    build(&d, "2025-01-15");
    CHECK_EQ_INT(d.start_ms, utc_ms("2025-01-14", 23, 0));
    CHECK_EQ_INT(d.end_ms - d.start_ms, 24LL * 3600000);
    CHECK_EQ_INT(d.nseg, 24);
    CHECK_EQ_INT(d.weekend, 0); /* a Wednesday */
    for (int i = 0; i < d.nseg; i++) {
        CHECK_EQ_INT(d.seg[i].offset_min, 60);
        CHECK_EQ_INT(d.seg[i].hour, i);
        CHECK_EQ_INT(d.seg[i].len_ms, 3600000);
    }
}

static void test_amsterdam_23h(void)
{
    tz("Europe/Amsterdam");
    cg_day d;
    build(&d, "2025-03-30");
    CHECK_EQ_INT(d.start_ms, utc_ms("2025-03-29", 23, 0));
    CHECK_EQ_INT(d.end_ms - d.start_ms, 23LL * 3600000);
    CHECK_EQ_INT(d.nseg, 23);
    CHECK_EQ_INT(d.weekend, 1); /* a Sunday */
    int64_t shift = utc_ms("2025-03-30", 1, 0);
    for (int i = 0; i < d.nseg; i++) {
        CHECK(d.seg[i].hour != 2);
        CHECK_EQ_INT(d.seg[i].offset_min, d.seg[i].start_ms < shift ? 60 : 120);
    }
    CHECK_EQ_INT(cg_day_offset_at(&d, shift - 1), 60);
    CHECK_EQ_INT(cg_day_offset_at(&d, shift), 120);
}

static void test_amsterdam_25h(void)
{
    tz("Europe/Amsterdam");
    cg_day d;
    build(&d, "2025-10-26");
    CHECK_EQ_INT(d.start_ms, utc_ms("2025-10-25", 22, 0));
    CHECK_EQ_INT(d.end_ms - d.start_ms, 25LL * 3600000);
    CHECK_EQ_INT(d.nseg, 25);
    int seen = 0, offs[2] = {0, 0};
    for (int i = 0; i < d.nseg; i++)
        if (d.seg[i].hour == 2) {
            if (seen < 2)
                offs[seen] = d.seg[i].offset_min;
            seen++;
        }
    CHECK_EQ_INT(seen, 2);
    CHECK_EQ_INT(offs[0], 120);
    CHECK_EQ_INT(offs[1], 60);
}

static void test_santiago_no_midnight(void)
{
    tz("America/Santiago");
    cg_day d;
    /* Clocks jump from 24:00 -04 to 01:00 -03: the date starts at 01:00. */
    build(&d, "2025-09-07");
    CHECK_EQ_INT(d.start_ms, utc_ms("2025-09-07", 4, 0));
    CHECK_EQ_INT(d.seg[0].hour, 1);
    CHECK_EQ_INT(d.seg[0].offset_min, -180);
    CHECK_EQ_INT(d.end_ms - d.start_ms, 23LL * 3600000);
    /* The day before ends exactly where this one starts. */
    cg_day prev;
    build(&prev, "2025-09-06");
    CHECK_EQ_INT(prev.end_ms, d.start_ms);
    CHECK_EQ_INT(prev.end_ms - prev.start_ms, 24LL * 3600000);
    /* Fall back at 24:00 -03 to 23:00 -04: the repeated hour is 23 of the
     * day before, so 2025-04-05 has 25 hours and 2025-04-06 starts at
     * 00:00 -04. */
    build(&prev, "2025-04-05");
    CHECK_EQ_INT(prev.end_ms - prev.start_ms, 25LL * 3600000);
    CHECK_EQ_INT(prev.seg[prev.nseg - 1].hour, 23);
    CHECK_EQ_INT(prev.seg[prev.nseg - 1].offset_min, -240);
    CHECK_EQ_INT(prev.seg[prev.nseg - 2].hour, 23);
    CHECK_EQ_INT(prev.seg[prev.nseg - 2].offset_min, -180);
    build(&d, "2025-04-06");
    CHECK_EQ_INT(d.start_ms, utc_ms("2025-04-06", 4, 0));
    CHECK_EQ_INT(d.seg[0].hour, 0);
}

static void test_moscow_kathmandu(void)
{
    tz("Europe/Moscow");
    cg_day d;
    build(&d, "2025-06-15");
    CHECK_EQ_INT(d.start_ms, utc_ms("2025-06-14", 21, 0));
    CHECK_EQ_INT(d.nseg, 24);
    for (int i = 0; i < d.nseg; i++)
        CHECK_EQ_INT(d.seg[i].offset_min, 180);
    tz("Asia/Kathmandu");
    build(&d, "2025-01-15");
    CHECK_EQ_INT(d.start_ms, utc_ms("2025-01-14", 18, 15));
    CHECK_EQ_INT(d.end_ms - d.start_ms, 24LL * 3600000);
    CHECK_EQ_INT(d.nseg, 24);
    for (int i = 0; i < d.nseg; i++) {
        CHECK_EQ_INT(d.seg[i].offset_min, 345);
        CHECK_EQ_INT(d.seg[i].hour, i);
    }
    /* The extremes of today's offsets, +14 and -11 (and Kiribati's skipped
     * 1994-12-31 when it moved from -10 to +14). */
    tz("Pacific/Kiritimati");
    build(&d, "2025-01-15");
    CHECK_EQ_INT(d.start_ms, utc_ms("2025-01-14", 10, 0));
    CHECK_EQ_INT(d.seg[0].offset_min, 14 * 60);
    cg_err err;
    /* A skipped date is built empty: no instant has it, nothing to weigh. */
    CHECK_EQ_INT(cg_day_build(&d, day_of("1994-12-31"), k_flat, k_flat, &err), CG_OK);
    CHECK_EQ_INT(d.missing, 1);
    CHECK_EQ_INT(d.nseg, 0);
    CHECK_EQ_INT(d.start_ms, d.end_ms);
    CHECK(d.weight_ratio == 0.0);
    build(&d, "1995-01-01");
    tz("Pacific/Pago_Pago");
    build(&d, "2025-01-15");
    CHECK_EQ_INT(d.start_ms, utc_ms("2025-01-15", 11, 0));
    CHECK_EQ_INT(d.seg[0].offset_min, -11 * 60);
}

static void test_lord_howe_half_hour_dst(void)
{
    tz("Australia/Lord_Howe");
    cg_day d;
    /* 2025-10-05: 02:00 +10:30 becomes 02:30 +11 (at 15:30Z the day before). */
    build(&d, "2025-10-05");
    CHECK_EQ_INT(d.start_ms, utc_ms("2025-10-04", 13, 30));
    CHECK_EQ_INT(d.end_ms - d.start_ms, 23LL * 3600000 + 1800000);
    CHECK_EQ_INT(d.nseg, 24);
    CHECK_EQ_INT(d.seg[2].hour, 2);
    CHECK_EQ_INT(d.seg[2].len_ms, 1800000);
    CHECK_EQ_INT(d.seg[2].start_ms, utc_ms("2025-10-04", 15, 30));
    CHECK_EQ_INT(d.seg[1].offset_min, 630);
    CHECK_EQ_INT(d.seg[2].offset_min, 660);
    /* 2025-04-06: 02:00 +11 becomes 01:30 +10:30: hour 1 lasts 90 minutes,
     * in two segments. */
    build(&d, "2025-04-06");
    CHECK_EQ_INT(d.end_ms - d.start_ms, 24LL * 3600000 + 1800000);
    CHECK_EQ_INT(d.nseg, 25);
    CHECK_EQ_INT(d.seg[1].hour, 1);
    CHECK_EQ_INT(d.seg[1].offset_min, 660);
    CHECK_EQ_INT(d.seg[1].len_ms, 3600000);
    CHECK_EQ_INT(d.seg[2].hour, 1);
    CHECK_EQ_INT(d.seg[2].offset_min, 630);
    CHECK_EQ_INT(d.seg[2].len_ms, 1800000);
    CHECK_EQ_INT(d.seg[2].start_ms, utc_ms("2025-04-05", 15, 0));
}

/* St. John's (-03:30) shifted at 00:01 local until 2011: a transition in
 * the middle of a local hour, found by the binary search to the second. */
static void test_st_johns_mid_hour_shift(void)
{
    tz("America/St_Johns");
    cg_day d;
    build(&d, "2007-03-11");
    CHECK_EQ_INT(d.start_ms, utc_ms("2007-03-11", 3, 30));
    CHECK_EQ_INT(d.end_ms - d.start_ms, 23LL * 3600000);
    CHECK_EQ_INT(d.seg[0].hour, 0);
    CHECK_EQ_INT(d.seg[0].offset_min, -210);
    CHECK_EQ_INT(d.seg[0].len_ms, 60000);
    CHECK_EQ_INT(d.seg[1].hour, 1);
    CHECK_EQ_INT(d.seg[1].offset_min, -150);
    CHECK_EQ_INT(d.seg[1].start_ms, utc_ms("2007-03-11", 3, 31));
    CHECK_EQ_INT(d.seg[1].len_ms, 59 * 60000);
    CHECK_EQ_INT(d.seg[2].hour, 2);
    /* 2007-11-04 00:01 NDT falls back to 2007-11-03 23:01 NST: the local
     * date is not monotone for a minute. Whatever boundary is chosen, the
     * days must tile time without gap or overlap and their segments must
     * still be right. */
    cg_day prev, next;
    cg_err err;
    CHECK_EQ_INT(cg_day_build(&prev, day_of("2007-11-03"), k_flat, k_flat, &err), CG_OK);
    CHECK_EQ_INT(cg_day_build(&d, day_of("2007-11-04"), k_flat, k_flat, &err), CG_OK);
    CHECK_EQ_INT(cg_day_build(&next, day_of("2007-11-05"), k_flat, k_flat, &err), CG_OK);
    CHECK_EQ_INT(prev.end_ms, d.start_ms);
    CHECK_EQ_INT(d.end_ms, next.start_ms);
    CHECK_EQ_INT(next.end_ms - prev.start_ms, (3 * 24 + 1) * 3600000LL);
    for (int i = 0; i < d.nseg; i++) {
        struct tm a = local_tm(d.seg[i].start_ms);
        struct tm b = local_tm(d.seg[i].start_ms + d.seg[i].len_ms - 1000);
        CHECK_EQ_INT(a.tm_hour, d.seg[i].hour);
        CHECK_EQ_INT(b.tm_hour, d.seg[i].hour);
        CHECK_EQ_INT(a.tm_gmtoff / 60, d.seg[i].offset_min);
        CHECK_EQ_INT(b.tm_gmtoff / 60, d.seg[i].offset_min);
    }
}

/* Draws n samples and checks: each inside [start,end), its offset equal to
 * tm_gmtoff/60 at that instant, and the share per local hour against the
 * expected p_h = w[h] * (hours of hour h in the day) / total.
 *
 * Bound: the count of samples in hour h is Binomial(n, p_h), so the observed
 * share has standard deviation sqrt(p_h (1 - p_h) / n). We allow 5 of them
 * (plus 1/n for the discrete count): a correct sampler fails one of the 24
 * comparisons with probability below 24 * 5.7e-7 (normal tail beyond 5 sd),
 * while with n = 200,000 the bound is at most 5 * sqrt(0.25 / 2e5) = 0.0056,
 * well below the differences a wrong sampler makes (e.g. a uniform sampler
 * puts 1/24 = 0.042 in hour 3 where the weekday table expects 0.0056; the
 * double-weighted hour 2 of a 25-hour day is 2x its single share). The
 * samples come from a fixed seed, so the test is also reproducible. */
static void check_sampler(const char *date, const double *wd, const double *we, int n)
{
    cg_day d;
    cg_err err;
    CHECK_EQ_INT(cg_day_build(&d, day_of(date), wd, we, &err), CG_OK);
    const double *w = d.weekend ? we : wd;
    check_day_invariants(&d, w);
    double hours[24] = {0}, total = 0;
    for (int i = 0; i < d.nseg; i++)
        hours[d.seg[i].hour] += (double)d.seg[i].len_ms / 3600000.0;
    for (int h = 0; h < 24; h++)
        total += w[h] * hours[h];
    long count[24] = {0};
    int bad_range = 0, bad_off = 0;
    cg_rng r = cg_rng_make(7, 99, (uint64_t)d.day, 0);
    for (int i = 0; i < n; i++) {
        int16_t off = -1;
        int64_t t = cg_day_sample(&d, cg_rng_u01(&r), &off);
        if (t < d.start_ms || t >= d.end_ms) {
            bad_range++;
            continue;
        }
        struct tm tm = local_tm(t);
        if (tm.tm_gmtoff / 60 != off)
            bad_off++;
        count[tm.tm_hour]++;
    }
    CHECK_EQ_INT(bad_range, 0);
    CHECK_EQ_INT(bad_off, 0);
    for (int h = 0; h < 24; h++) {
        double p = w[h] * hours[h] / total;
        double obs = (double)count[h] / n;
        double bound = 5.0 * sqrt(p * (1 - p) / n) + 1.0 / n;
        CHECK_MSG(fabs(obs - p) <= bound, "%s hour %d: share %.5f expected %.5f +- %.5f", date, h,
                  obs, p, bound);
    }
}

static void test_sampler_distribution(void)
{
    cg_config cfg;
    cg_config_defaults(&cfg);
    tz("Europe/Amsterdam");
    check_sampler("2025-01-15", cfg.diurnal_weekday, cfg.diurnal_weekend, 200000); /* weekday */
    check_sampler("2025-10-26", cfg.diurnal_weekday, cfg.diurnal_weekend, 200000); /* 25 h */
    check_sampler("2025-03-30", cfg.diurnal_weekday, cfg.diurnal_weekend, 50000);  /* 23 h */
    tz("Australia/Lord_Howe");
    check_sampler("2025-04-06", cfg.diurnal_weekday, cfg.diurnal_weekend, 50000);
    tz("America/Santiago");
    check_sampler("2025-09-07", cfg.diurnal_weekday, cfg.diurnal_weekend, 50000);
}

static void test_sampler_edges(void)
{
    tz("Europe/Amsterdam");
    double only5[24] = {0};
    only5[5] = 1.0;
    cg_day d;
    cg_err err;
    CHECK_EQ_INT(cg_day_build(&d, day_of("2025-01-15"), only5, only5, &err), CG_OK);
    int64_t h5 = utc_ms("2025-01-15", 4, 0); /* 05:00 CET */
    int16_t off = 0;
    CHECK_EQ_INT(cg_day_sample(&d, 0.0, &off), h5);
    CHECK_EQ_INT(off, 60);
    CHECK_EQ_INT(cg_day_sample(&d, 0.5, NULL), h5 + 1800000);
    CHECK_EQ_INT(cg_day_sample(&d, nextafter(1.0, 0.0), NULL), h5 + 3600000 - 1);
    /* Weight only in the last hour: u close to 1 stays inside the day. */
    double only23[24] = {0};
    only23[23] = 2.0;
    CHECK_EQ_INT(cg_day_build(&d, day_of("2025-01-15"), only23, only23, &err), CG_OK);
    CHECK_EQ_INT(cg_day_sample(&d, nextafter(1.0, 0.0), NULL), d.end_ms - 1);
    CHECK_EQ_INT(cg_day_sample(&d, 0.0, NULL), d.end_ms - 3600000);
    /* Weight only in the skipped hour of a 23-hour day: nothing to weigh,
     * yet the sampler stays inside the day and divides by nothing. */
    double only2[24] = {0};
    only2[2] = 1.0;
    CHECK_EQ_INT(cg_day_build(&d, day_of("2025-03-30"), only2, only2, &err), CG_OK);
    CHECK(d.seg[d.nseg - 1].cum == 0.0);
    CHECK(d.weight_ratio == 0.0); /* so the day gets no records at all */
    int64_t t = cg_day_sample(&d, 0.999, &off);
    CHECK(t >= d.start_ms && t < d.end_ms);
    CHECK(off == 60 || off == 120);
    /* The same weights on the autumn day count hour 02 twice. */
    CHECK_EQ_INT(cg_day_build(&d, day_of("2025-10-26"), only2, only2, &err), CG_OK);
    CHECK(d.weight_ratio == 2.0);
}

/* weight_ratio: exactly 1 on a plain day, the lost or repeated hour's share
 * of the weight on the DST days. */
static void test_weight_ratio(void)
{
    tz("Europe/Amsterdam");
    double w[24];
    double sum = 0;
    for (int h = 0; h < 24; h++)
        sum += (w[h] = 1.0 + h % 5);
    cg_day d;
    cg_err err;
    CHECK_EQ_INT(cg_day_build(&d, day_of("2025-01-15"), w, w, &err), CG_OK);
    CHECK(d.weight_ratio == 1.0);
    CHECK_EQ_INT(d.missing, 0);
    CHECK_EQ_INT(cg_day_build(&d, day_of("2025-03-30"), w, w, &err), CG_OK);
    CHECK(fabs(d.weight_ratio - (sum - w[2]) / sum) < 1e-15);
    CHECK_EQ_INT(cg_day_build(&d, day_of("2025-10-26"), w, w, &err), CG_OK);
    CHECK(fabs(d.weight_ratio - (sum + w[2]) / sum) < 1e-15);
    tz("Pacific/Apia");
    CHECK_EQ_INT(cg_day_build(&d, day_of("2011-12-30"), w, w, &err), CG_OK);
    CHECK_EQ_INT(d.missing, 1);
    CHECK(d.weight_ratio == 0.0);
    CHECK_EQ_INT(cg_day_build(&d, day_of("2011-12-31"), w, w, &err), CG_OK);
    CHECK(d.weight_ratio == 1.0);
}

static void test_day_factor(void)
{
    cg_config cfg;
    cg_config_defaults(&cfg);
    for (int m = 0; m < 12; m++)
        cfg.seasonality[m] = 1.0 + m / 10.0;
    cfg.special[0].day = day_of("2025-12-31");
    cfg.special[0].factor = 1.5;
    cfg.special[1].day = day_of("2025-07-04");
    cfg.special[1].factor = 0.5;
    cfg.n_special = 2;
    CHECK(fabs(cg_day_factor(&cfg, day_of("2025-01-15")) - 1.0) < 1e-12);
    CHECK(fabs(cg_day_factor(&cfg, day_of("2025-12-30")) - 2.1) < 1e-12);
    CHECK(fabs(cg_day_factor(&cfg, day_of("2025-12-31")) - 2.1 * 1.5) < 1e-12);
    CHECK(fabs(cg_day_factor(&cfg, day_of("2025-07-04")) - 1.6 * 0.5) < 1e-12);
    CHECK(fabs(cg_day_factor(&cfg, day_of("2025-07-05")) - 1.6) < 1e-12);
    CHECK(fabs(cg_day_factor(&cfg, day_of("2024-12-31")) - 2.1) < 1e-12); /* other year */
}

int main(void)
{
    RUN_TEST(test_tz_use_rejects_unknown);
    RUN_TEST(test_amsterdam_winter);
    RUN_TEST(test_amsterdam_23h);
    RUN_TEST(test_amsterdam_25h);
    RUN_TEST(test_santiago_no_midnight);
    RUN_TEST(test_moscow_kathmandu);
    RUN_TEST(test_lord_howe_half_hour_dst);
    RUN_TEST(test_st_johns_mid_hour_shift);
    RUN_TEST(test_sampler_distribution);
    RUN_TEST(test_sampler_edges);
    RUN_TEST(test_weight_ratio);
    RUN_TEST(test_day_factor);
    TEST_REPORT();
}
