/* Local days with real DST (see tzday.h). Every offset and wall-clock hour
 * comes from localtime_r/tm_gmtoff over the system tz database; this file only
 * searches for the instants where they change, to the second. */
#include "core/tzday.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/calendar.h"

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Local wall clock at UTC second t: hour, offset in seconds, local date. */
typedef struct local_info {
    int hour;
    int64_t off;
    int64_t lday;
} local_info;

static local_info local_at(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    local_info li = {0, 0, 0};
    if (!localtime_r(&tt, &tm))
        return li;
    li.hour = tm.tm_hour;
    li.off = tm.tm_gmtoff;
    /* Local date straight from local seconds: the same as tm_year/mon/mday. */
    li.lday = floor_div(t + li.off, 86400);
    return li;
}

/* First UTC second whose local date is >= day. Offsets lie within +-26 h,
 * so the answer lies within day's UTC midnight +-26 h. */
static int first_second_of(int32_t day, int64_t *out)
{
    int64_t lo = (int64_t)day * 86400 - 26 * 3600, hi = (int64_t)day * 86400 + 26 * 3600;
    if (local_at(lo).lday >= day || local_at(hi).lday < day)
        return -1;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (local_at(mid).lday >= day)
            hi = mid;
        else
            lo = mid;
    }
    *out = hi;
    return 0;
}

int64_t cg_local_to_utc_ms(int64_t local_s)
{
    int64_t lo = local_s - 27 * 3600, hi = local_s + 27 * 3600;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (mid + local_at(mid).off >= local_s)
            hi = mid;
        else
            lo = mid;
    }
    return hi * 1000;
}

int cg_day_build(cg_day *d, int32_t day, const double weekday[24], const double weekend[24],
                 cg_err *err)
{
    int64_t start, end;
    char date[11];
    d->day = day;
    d->nseg = 0;
    if (first_second_of(day, &start) != 0 || first_second_of(day + 1, &end) != 0) {
        cg_date_format(day, date);
        return cg_err_set(err, CG_ERUNTIME, "time zone data gives no local day %s", date);
    }
    int wd = cg_date_weekday(day);
    d->weekend = (wd == 0 || wd == 6);
    d->missing = 0;
    d->weight_ratio = 0.0;
    if (end <= start) { /* e.g. Pacific/Apia 2011-12-30, skipped entirely */
        d->missing = 1;
        d->start_ms = d->end_ms = start * 1000;
        memset(d->bucket, 0, sizeof d->bucket);
        return CG_OK;
    }
    d->start_ms = start * 1000;
    d->end_ms = end * 1000;
    const double *w = d->weekend ? weekend : weekday;

    double cum = 0.0;
    int64_t t = start;
    while (t < end) {
        local_info li = local_at(t);
        /* Next local hour boundary if the offset stays put... */
        int64_t c = (floor_div(t + li.off, 3600) + 1) * 3600 - li.off;
        if (c > end)
            c = end;
        /* ...unless it changes first: find the first second with another
         * offset (a DST shift of 30 min lands mid-hour, e.g. Lord_Howe). */
        if (c - 1 > t && local_at(c - 1).off != li.off) {
            int64_t lo = t, hi = c - 1;
            while (hi - lo > 1) {
                int64_t mid = lo + (hi - lo) / 2;
                if (local_at(mid).off != li.off)
                    hi = mid;
                else
                    lo = mid;
            }
            c = hi;
        }
        if (d->nseg == CG_DAY_MAXSEG) {
            cg_date_format(day, date);
            return cg_err_set(err, CG_ERUNTIME,
                              "time zone data splits local day %s into more than %d parts",
                              date, CG_DAY_MAXSEG);
        }
        cg_day_seg *s = &d->seg[d->nseg++];
        s->start_ms = t * 1000;
        s->len_ms = (c - t) * 1000;
        s->offset_min = (int16_t)(li.off / 60);
        s->hour = (int8_t)li.hour;
        cum += w[li.hour] * ((double)s->len_ms / 3600000.0);
        s->cum = cum;
        t = c;
    }
    /* The same sum in the same order as cum on a plain day, so the ratio
     * is exactly 1 there. */
    double nominal = 0.0;
    for (int h = 0; h < 24; h++)
        nominal += w[h];
    d->weight_ratio = nominal > 0.0 ? cum / nominal : 0.0;
    for (int b = 0, k = 0; b < 256; b++) {
        double xb = (double)b / 256.0 * cum;
        while (k < d->nseg - 1 && d->seg[k].cum <= xb)
            k++;
        d->bucket[b] = (uint8_t)k;
    }
    return CG_OK;
}

int64_t cg_day_sample(const cg_day *d, double u, int16_t *offset_min)
{
    if (u < 0.0)
        u = 0.0;
    double total = d->nseg ? d->seg[d->nseg - 1].cum : 0.0;
    int64_t t;
    if (!(total > 0.0)) {
        /* The config check rejects all-zero weights; stay defined anyway. */
        t = d->start_ms + (int64_t)(u * (double)(d->end_ms - d->start_ms));
    } else {
        double x = u * total;
        /* First segment with cum > x: zero-weight segments (cum equal to
         * their predecessor's) can never be chosen. */
        int b = (int)(u * 256.0);
        int lo = d->bucket[b > 255 ? 255 : b];
        while (lo < d->nseg && d->seg[lo].cum <= x)
            lo++;
        if (lo == d->nseg) { /* x rounded up to total: last weighted segment */
            lo = d->nseg - 1;
            while (lo > 0 && d->seg[lo].cum <= d->seg[lo - 1].cum)
                lo--;
        }
        const cg_day_seg *s = &d->seg[lo];
        double prev = lo ? d->seg[lo - 1].cum : 0.0;
        double frac = (x - prev) / (s->cum - prev);
        if (!(frac >= 0.0))
            frac = 0.0;
        t = s->start_ms + (int64_t)(frac * (double)s->len_ms);
        if (t >= s->start_ms + s->len_ms)
            t = s->start_ms + s->len_ms - 1;
        /* t lies inside segment s, itself inside the day: its offset is
         * known without another search (this is the generator's hot path). */
        if (offset_min)
            *offset_min = s->offset_min;
        return t;
    }
    if (t < d->start_ms)
        t = d->start_ms;
    if (t >= d->end_ms)
        t = d->end_ms - 1;
    if (offset_min)
        *offset_min = cg_day_offset_at(d, t);
    return t;
}

/* Last segment starting at or before t_ms (nseg > 0). */
static int seg_at(const cg_day *d, int64_t t_ms)
{
    /* the answer is in [base, base + len): halves taken by a mask, so the
     * steps depend on nseg only, never on where t_ms falls (a branch on
     * that would mispredict) */
    int base = 0, len = d->nseg;
    while (len > 1) {
        int half = len / 2;
        base += half & -(int)(d->seg[base + half].start_ms <= t_ms);
        len -= half;
    }
    return base;
}

int16_t cg_day_offset_at(const cg_day *d, int64_t t_ms)
{
    return d->nseg ? d->seg[seg_at(d, t_ms)].offset_min : 0;
}

int cg_day_weighted_at(const cg_day *d, int64_t t_ms)
{
    if (d->nseg == 0 || t_ms < d->start_ms || t_ms >= d->end_ms)
        return 0;
    int k = seg_at(d, t_ms);
    return d->seg[k].cum > (k ? d->seg[k - 1].cum : 0.0);
}

double cg_day_factor(const cg_config *cfg, int32_t day)
{
    double f = cfg->seasonality[cg_date_month(day) - 1];
    for (int i = 0; i < cfg->n_special; i++)
        if (cfg->special[i].day == day)
            return f * cfg->special[i].factor;
    return f;
}
