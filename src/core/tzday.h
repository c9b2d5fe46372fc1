/* Local days in the --tz zone with real DST, from the system tz database via
 * libc: where a local date begins and ends in UTC, its runs of constant local
 * hour and UTC offset, and the diurnal sampler of start times inside it. */
#ifndef CG_TZDAY_H
#define CG_TZDAY_H

#include <stdint.h>
#include "core/config.h"
#include "core/err.h"

#define CG_DAY_MAXSEG 64

/* One maximal run of real time with constant local hour and UTC offset. */
typedef struct cg_day_seg {
    int64_t start_ms;   /* UTC ms */
    int64_t len_ms;     /* > 0 */
    int16_t offset_min; /* UTC offset in force, minutes (tm_gmtoff / 60) */
    int8_t hour;        /* local wall-clock hour 0..23 */
    double cum;         /* sum of diurnal[hour] * hours over seg[0..i] */
} cg_day_seg;

typedef struct cg_day {
    int32_t day;              /* local date, days since 1970-01-01 */
    int64_t start_ms, end_ms; /* UTC ms: first instant whose local date is `day`,
                                 first instant of the next local date */
    int weekend;              /* Saturday or Sunday */
    int missing;              /* the clocks skipped this date: no instant has it */
    /* Weight of the hours this day really has over the weight of a plain
     * 24-hour day (sum of the 24 weights): 1 on most days, less on a day
     * that skips an hour, more on one that repeats one, 0 on a missing
     * date or when only skipped hours carry weight. Scales the day's
     * expected counts, so traffic never lands in a zero-weight hour. */
    double weight_ratio;
    int nseg;
    cg_day_seg seg[CG_DAY_MAXSEG]; /* in time order, covering [start_ms, end_ms) */
    /* bucket[b]: first segment with cum > b/256 of the total, where the
     * sampler's search starts (a few steps instead of a binary search) */
    uint8_t bucket[256];
} cg_day;

/* Builds the local day `day` of the zone set by cg_tz_use (io/tzdb.h), weighting its
 * segments by weekday[] or weekend[] (by the local date's weekday). A date
 * the zone skipped entirely (Pacific/Apia 2011-12-30) is built empty:
 * missing = 1, nseg = 0, start_ms = end_ms, weight_ratio = 0.
 * CG_ERUNTIME if the tz data is unusable. */
int cg_day_build(cg_day *d, int32_t day, const double weekday[24], const double weekend[24],
                 cg_err *err);

/* Requires nseg > 0. Maps u uniform in [0,1) to a start time in [start_ms, end_ms), with density
 * proportional to diurnal[local hour] per unit of real time; sets
 * *offset_min (if not NULL) to the UTC offset in force at that instant. */
int64_t cg_day_sample(const cg_day *d, double u, int16_t *offset_min);

/* UTC offset (minutes) in force at t_ms; t_ms outside the day is clamped. */
int16_t cg_day_offset_at(const cg_day *d, int64_t t_ms);

/* 1 when t_ms is inside the day in an hour of non-zero weight. */
int cg_day_weighted_at(const cg_day *d, int64_t t_ms);

/* The first UTC ms whose local wall clock is at or after local_s (seconds
 * since 1970 on the local wall clock); in an hour the clocks skip, the
 * instant they jump; in one they repeat, its first pass. */
int64_t cg_local_to_utc_ms(int64_t local_s);

/* Expected-count multiplier of a day: seasonality[month-1] x the special day
 * factor of that date (1.0 if it is not a special day). */
double cg_day_factor(const cg_config *cfg, int32_t day);

#endif
