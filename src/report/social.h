/* The social and temporal figures of `cdrgen report` (MODEL.md "Report"):
 * per sampled subscriber, its calls and SMS in time order (activity per
 * day, inter-event times, answered calls overlapping); per pair of sampled
 * subscribers, the on-net calls and SMS between them (from the
 * originator's MO record); then the on-net graph among the sampled
 * subscribers. Internal to report/. */
#ifndef CG_REPORT_SOCIAL_H
#define CG_REPORT_SOCIAL_H

#include <stddef.h>
#include <stdint.h>

#include "report/report.h"

/* A sampled subscriber's running figures. */
typedef struct rs_sub {
    uint64_t events;          /* calls and SMS it owns */
    uint32_t today, yday;     /* of them on the current and the previous day */
    int has_yday;
    int64_t last_t;           /* start of its previous call or SMS, ms */
    int has_last;
    double gap_s, gap_s2;     /* sum of inter-event times and of squares, s */
    uint64_t ngaps;
    int64_t ans_end;          /* end of its latest answered call, ms */
} rs_sub;

/* One on-net pair (lo < hi by MSISDN). */
typedef struct rs_pair {
    uint64_t lo, hi;
    uint32_t calls, sms, lo_calls, answered;
    double secs, log_talk;    /* answered seconds, sum of their logs */
} rs_pair;

typedef struct rs_state {
    rs_pair *pair; /* open addressing on (lo, hi), lo == 0: free */
    size_t cap, n;
    double day_x, day_y, day_xy, day_xx, day_yy, day_n; /* consecutive days */
    uint64_t overlaps;
} rs_state;

int rs_init(rs_state *s);
void rs_free(rs_state *s);

/* One call or SMS record owned by a sampled subscriber: `mo` 1 when it
 * originated it, `other` the other party, `peer_sampled` whether that
 * number passes the sample (a candidate on-net peer), start and end in ms,
 * answered for an answered call. -1 when out of memory. */
int rs_event(rs_state *s, rs_sub *u, uint64_t own, uint64_t other, int peer_sampled, int is_call,
             int mo, int answered, int64_t start, int64_t end, uint32_t dur);

/* Closes a day of a sampled subscriber. */
void rs_day_end(rs_state *s, rs_sub *u);

/* The figures, once every day is read: subs[k] with msisdn[k], home
 * position (unit vector, hx[k] NAN when unknown). */
void rs_finish(rs_state *s, rs_sub *const *subs, const uint64_t *msisdn, const double *home,
               size_t n, cg_report *rep);

#endif
