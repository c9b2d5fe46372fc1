/* CDR synthesis for one subscriber-day (see synth.h).
 *
 * Traffic model (MODEL.md "People"). A person's calls and SMS live on its
 * ties (core/people.h) and on its own off-net stream. A tie carries, each
 * day, Poisson(rate / SESSION_MEAN) conversations, rate = kappa x strength
 * x the geometric mean of the two sides' activity that day (lasting level x weekday
 * x day factor); a conversation is a first call or SMS and follow-ups
 * minutes apart (a reply, a callback after a missed call), drawn from the
 * tie's own stream keyed by (tie, day), so each side writes its records
 * without the other. Nobody is in two answered calls at once: an answered
 * call overlapping an earlier one of either side (today's or a call of the
 * day before still running) is BUSY when the callee is the busy one and
 * unanswered (given up) when the caller is; both sides decide it alike,
 * from the calls as drawn. */
#include "core/synth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/mem.h"
#include "core/rng.h"

struct rat_params {
    double down_mean, down_sd, up_lo, up_hi, dur_mean, dur_sd;
};
static const struct rat_params RAT[3] = {
    {1000000.0, 600000.0, 0.08, 0.25, 420.0, 240.0},   /* WCDMA */
    {4000000.0, 2000000.0, 0.10, 0.30, 300.0, 180.0},  /* LTE */
    {12000000.0, 8000000.0, 0.10, 0.35, 240.0, 180.0}, /* NR */
};

/* Conversations: a follow-up comes with probability SESSION_CONT after
 * each event (mean events per conversation 1 / (1 - SESSION_CONT)); it is
 * of the other service with probability TYPE_SWITCH x the other's share
 * (which keeps the tie's mix), a reply from the other side with
 * probability REPLY_FLIP (a callback, CALLBACK_FLIP, after a missed call)
 * and otherwise from the side the tie's lean picks, after a gap of a
 * log-normal number of seconds (median GAP_SMS_S after an SMS, GAP_CALL_S
 * after the end of a call). */
#define SESSION_CONT 0.55
#define SESSION_MEAN (1.0 / (1.0 - SESSION_CONT))
#define TYPE_SWITCH 0.3
#define REPLY_FLIP 0.35
#define CALLBACK_FLIP 0.85
#define GAP_SMS_S 60.0
#define GAP_CALL_S 150.0
#define GAP_SIGMA 1.0
/* Talk time is at most this (a call running past midnight is checked
 * against the next day's calls up to this far). */
#define TALK_MAX_S 7200
/* Colleagues talk on working days: tie rate x these (mean 1 over a week). */
#define WORK_TIE_WEEKDAY (7.0 / 5.5)
#define WORK_TIE_WEEKEND (0.25 * 7.0 / 5.5)
/* Share of the log-variance of talk time that is between ties. */
#define TALK_TIE_SD 0.2

static void cum3(double *cum, double a, double b, double c)
{
    cum[0] = a;
    cum[1] = a + b;
    cum[2] = a + b + c;
}

/* Synthetic identity source: everybody holds their number all day. */
static int synth_lookup(void *ctx, uint64_t i, int64_t t, cg_ident *id)
{
    (void)ctx;
    (void)i;
    (void)t;
    (void)id;
    return 1;
}

int cg_model_init(cg_model *m, const cg_config *cfg, uint64_t subs, const cg_cells *cells,
                  const cg_idsource *ids, cg_err *err)
{
    memset(m, 0, sizeof *m);
    m->cfg = cfg;
    m->S = subs;
    m->cells = cells;
    if (ids && ids->ctx) {
        m->ids = *ids;
    } else {
        m->ids.lookup = synth_lookup;
    }
    cg_numbering_init(&m->nb, cfg, subs);
    CG_TRY(cg_people_init(&m->people, cfg, cells, subs, err));
    m->people.scramble = m->ids.ctx != NULL;
    double acc = 0;
    for (int d = 0; d < CG_DISP_COUNT; d++) {
        acc += cfg->call_disp[d];
        m->disp_cum[d] = acc;
    }
    cum3(m->seg_cum, 0.85, 0.13, 0.02);
    cum3(m->status_cum, 0.10, 0.88, 0.02);
    cum3(m->apn_cum, 0.8, 0.1, 0.1);
    m->ln_mu = log(cfg->dur_p50);
    double s = log(cfg->dur_p90 / cfg->dur_p50) / 1.2815515655446004;
    m->ln_sigma = s < 0.2 ? 0.2 : s > 2.0 ? 2.0 : s;
    double w = m->ln_sigma * m->ln_sigma - TALK_TIE_SD * TALK_TIE_SD;
    m->talk_sigma = w > 0.01 ? sqrt(w) : 0.1;
    CG_TRY(cg_fmodel_init(&m->fr, cfg, subs, err));
    if (m->ids.ctx)
        CG_TRY(cg_fmodel_db_swaps(&m->fr, m->ids.ctx, m->ids.next_sim, err));
    return cg_evmodel_init(&m->ev, cfg, cells, &m->people, err);
}

void cg_model_free(cg_model *m)
{
    cg_fmodel_free(&m->fr);
    cg_evmodel_free(&m->ev);
    cg_people_free(&m->people);
}

static int day_build(cg_dayparams *dp, const cg_model *m, int day_index, cg_err *err)
{
    const cg_config *cfg = m->cfg;
    int32_t day = cfg->start_day + day_index;
    CG_TRY(cg_day_build(&dp->day, day, cfg->diurnal_weekday, cfg->diurnal_weekend, err));
    dp->day_index = day_index;
    dp->weekday = (int)(((int64_t)day % 7 + 7 + 3) % 7); /* 1970-01-01 was a Thursday */
    /* A day that skips or repeats an hour loses or gains that hour's
     * weight; a missing date or one whose weight is all in a skipped hour
     * gets nothing (MODEL.md, "Days that are not 24 hours"). */
    dp->factor = cg_day_factor(cfg, day) * dp->day.weight_ratio;
    dp->lam_call = cfg->avg_calls * dp->factor;
    dp->lam_sms = cfg->avg_sms * dp->factor;
    dp->lam_data = cfg->avg_data * dp->factor;
    dp->ncurves = cfg->n_profiles * 3;
    dp->curve = malloc(sizeof *dp->curve * (size_t)dp->ncurves);
    dp->ratio = malloc(sizeof *dp->ratio * (size_t)dp->ncurves);
    if (!dp->curve || !dp->ratio)
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    for (int k = 0; k < cfg->n_profiles; k++) {
        const cg_profile *p = &cfg->profiles[k];
        const double *hs[3] = {p->hourly_calls, p->hourly_sms, p->hourly_data};
        for (int s = 0; s < 3; s++) {
            double wd[24], we[24];
            for (int h = 0; h < 24; h++) {
                wd[h] = cfg->diurnal_weekday[h] * hs[s][h];
                we[h] = cfg->diurnal_weekend[h] * hs[s][h];
            }
            cg_day *c = &dp->curve[k * 3 + s];
            CG_TRY(cg_day_build(c, day, wd, we, err));
            /* a curve with no weight in the hours the day has: no events */
            dp->ratio[k * 3 + s] = c->nseg > 0 && c->seg[c->nseg - 1].cum > 0 ? 1.0 : 0.0;
        }
    }
    if (m->ev.n)
        CG_TRY(cg_evday_build(&dp->ed, &m->ev, &dp->day, dp->curve, dp->ncurves, err));
    return CG_OK;
}

void cg_dayparams_free(cg_dayparams *dp)
{
    if (dp->prev) {
        cg_dayparams_free(dp->prev);
        free(dp->prev);
        dp->prev = NULL;
    }
    cg_evday_free(&dp->ed);
    free(dp->curve);
    free(dp->ratio);
    dp->curve = NULL;
    dp->ratio = NULL;
}

int cg_dayparams_init(cg_dayparams *dp, const cg_model *m, int day_index, cg_err *err)
{
    memset(dp, 0, sizeof *dp);
    int rc = day_build(dp, m, day_index, err);
    if (!rc) {
        dp->prev = calloc(1, sizeof *dp->prev);
        rc = dp->prev ? day_build(dp->prev, m, day_index - 1, err)
                      : cg_err_set(err, CG_ERUNTIME, "out of memory");
    }
    if (rc)
        cg_dayparams_free(dp);
    return rc;
}

/* Which of the cells serving a place serves the phone: the same for
 * CELL_HOLD_MS at a time (a phone sits on its cell for a while), so records
 * minutes apart do not hop between a place's cells. rb->cell_key keys the
 * person-day; the buckets are staggered per person. */
#define CELL_HOLD_MS (20 * 60 * 1000)
static double serving_uk(uint64_t key, int64_t t)
{
    uint64_t b = (uint64_t)((t + (int64_t)(key % CELL_HOLD_MS)) / CELL_HOLD_MS);
    return cg_u01_of(cg_mix64(key ^ b));
}

static double serving_u(const cg_recbuf *rb, int64_t t)
{
    return serving_uk(rb->cell_key, t);
}

/* The cell of a record at t (local hour h, serving draw u) of the person
 * at pos with the day plan `plan`, once the events have moved it from
 * `cell`: a gathering's venue and the trip home, an outage's overflow; 0
 * when no cell of its RAT works (MODEL.md "Events"). */
static uint32_t event_cell(const cg_model *m, const cg_dayparams *dp, cg_dayplan *plan,
                           uint64_t pos, int profile, uint32_t cell, int64_t t, double h, double u)
{
    if (!cell)
        return 0;
    int home = 0;
    int k = cg_ev_attending(&m->ev, &dp->ed, pos, profile, t, &home);
    if (k) {
        int rat = m->cells->rat[cell - 1];
        uint32_t c = home ? cg_plan_home_cell(plan, h, &rat, u)
                          : cg_ev_venue_cell(&m->ev, k - 1, pos, rat);
        if (c)
            cell = c;
    }
    return m->ev.has_outage ? cg_ev_outage(&m->ev, &dp->ed, cell, t) : cell;
}

static void evbuf_free(cg_evbuf *b)
{
    free(b->v);
    b->v = NULL;
    b->n = b->cap = 0;
}

/* The buffer at n events at least (one allocation). */
static int ev_reserve(cg_evbuf *b, size_t n)
{
    if (b->cap >= n)
        return 0;
    cg_ev *v = realloc(b->v, n * sizeof *v);
    if (!v)
        return -1;
    b->v = v;
    b->cap = n;
    return 0;
}

static cg_ev *ev_push(cg_evbuf *b)
{
    if (b->n == b->cap) {
        if (b->cap >= CG_RECBUF_MAX)
            return NULL;
        cg_ev *v = cg_grow_min(b->v, &b->cap, b->n + 1, sizeof *v, 64);
        if (!v)
            return NULL;
        b->v = v;
    }
    cg_ev *e = &b->v[b->n++];
    memset(e, 0, sizeof *e);
    return e;
}

void cg_recbuf_trim(cg_recbuf *rb, size_t keep)
{
    if (rb->cap > keep) {
        free(rb->rec);
        free(rb->key);
        rb->rec = NULL;
        rb->key = NULL;
        rb->n = rb->cap = 0;
    }
    cg_evbuf *b[3] = {&rb->ev, &rb->prev, &rb->scratch};
    for (int k = 0; k < 3; k++)
        if (b[k]->cap > keep)
            evbuf_free(b[k]);
}

static void ecache_free(struct cg_ecache *ec);

void cg_recbuf_free(cg_recbuf *rb)
{
    free(rb->rec);
    free(rb->key);
    rb->rec = NULL;
    rb->key = NULL;
    rb->n = rb->cap = 0;
    evbuf_free(&rb->ev);
    evbuf_free(&rb->prev);
    evbuf_free(&rb->scratch);
    evbuf_free(&rb->fx);
    evbuf_free(&rb->parena);
    ecache_free(rb->ecache);
    cg_groupcache_free(rb->gcache);
    rb->ecache = NULL;
    rb->gcache = NULL;
    rb->caches_tried = 0;
}

/* The record, sort key, own and peers' event buffers at CG_RECBUF_KEEP
 * entries at least: once per worker, and after a trim. -1 when out of
 * memory. */
static int recbuf_reserve(cg_recbuf *rb)
{
    if (rb->cap < CG_RECBUF_KEEP) {
        cg_rec *p = realloc(rb->rec, CG_RECBUF_KEEP * sizeof *p);
        if (!p)
            return -1;
        rb->rec = p;
        uint64_t *k = realloc(rb->key, CG_RECBUF_KEEP * sizeof *k);
        if (!k)
            return -1;
        rb->key = k;
        rb->cap = CG_RECBUF_KEEP;
    }
    if (ev_reserve(&rb->ev, CG_RECBUF_KEEP) || ev_reserve(&rb->prev, CG_RECBUF_KEEP) ||
        ev_reserve(&rb->scratch, CG_RECBUF_KEEP))
        return -1;
    return ev_reserve(&rb->parena, CG_RECBUF_KEEP);
}

static cg_rec *rec_push(cg_recbuf *rb)
{
    if (rb->n == rb->cap) {
        if (rb->cap >= CG_RECBUF_MAX) {
            rb->over_cap = 1;
            return NULL;
        }
        size_t c1 = rb->cap, c2 = rb->cap;
        cg_rec *p = cg_grow_min(rb->rec, &c1, rb->n + 1, sizeof *p, 256);
        if (!p)
            return NULL;
        rb->rec = p;
        uint64_t *k = cg_grow_min(rb->key, &c2, rb->n + 1, sizeof *k, 256);
        if (!k)
            return NULL; /* rec is larger than cap says: harmless */
        rb->key = k;
        rb->cap = c1 < c2 ? c1 : c2;
    }
    return &rb->rec[rb->n++];
}

cg_rec *cg_recbuf_push(cg_recbuf *rb)
{
    cg_rec *r = rec_push(rb);
    if (r)
        memset(r, 0, sizeof *r);
    return r;
}

uint32_t cg_synth_call_duration(const cg_model *m, int disp, cg_rng *r)
{
    switch (disp) {
    case CG_DISP_ANSWERED: {
        int64_t ring = cg_rng_range(r, 2, 25);
        double talk = exp(m->ln_mu + m->ln_sigma * cg_rng_normal(r));
        talk = floor(talk + 0.5);
        if (talk < 1)
            talk = 1;
        if (talk > 86400.0 * 7)
            talk = 86400.0 * 7;
        return (uint32_t)ring + (uint32_t)talk;
    }
    case CG_DISP_NO_ANSWER:
        return (uint32_t)cg_rng_range(r, 5, 30);
    case CG_DISP_BUSY:
        return (uint32_t)cg_rng_range(r, 2, 10);
    default:
        return (uint32_t)cg_rng_range(r, 1, 5);
    }
}

static const uint8_t DISP_CAUSE[CG_DISP_COUNT] = {CG_CAUSE_NORMAL, CG_CAUSE_NOANSWER,
                                                  CG_CAUSE_BUSY, CG_CAUSE_FAILURE,
                                                  CG_CAUSE_FAILURE};

/* The start of an event of curve c (profile x 3 + service) on day dp. */
static int64_t draw_start(const cg_dayparams *dp, int c, double u, int16_t *off)
{
    return cg_day_sample(&dp->curve[c], u, off);
}

static void draw_disp(const cg_model *m, cg_rng *r, cg_ev *e, double talk)
{
    e->disp = (uint8_t)cg_rng_pick(r, m->disp_cum, CG_DISP_COUNT);
    e->cause = DISP_CAUSE[e->disp];
    if (e->disp == CG_DISP_ANSWERED) {
        int64_t ring = cg_rng_range(r, 2, 25);
        double t = exp(m->ln_mu + talk + m->talk_sigma * cg_rng_normal(r));
        t = floor(t + 0.5);
        t = t < 1 ? 1 : t > TALK_MAX_S ? TALK_MAX_S : t;
        e->dur = (uint32_t)ring + (uint32_t)t;
    } else {
        e->dur = cg_synth_call_duration(m, e->disp, r);
    }
}

static void draw_sms(const cg_model *m, cg_rng *r, cg_ev *e)
{
    e->dur = (uint32_t)cg_rng_range(r, 1, 5);
    e->seg = (uint8_t)(1 + cg_rng_pick(r, m->seg_cum, 3));
    e->status = (uint8_t)cg_rng_pick(r, m->status_cum, 3);
    e->cause = e->status == CG_SMS_FAILED ? CG_CAUSE_DELIVERY_FAIL : CG_CAUSE_DELIVERY_OK;
}

/* The activity of a person on day dp for calls [0] and SMS [1]. */
static void levels(const cg_model *m, const cg_dayparams *dp, const cg_person *p, double *a)
{
    double g = cg_people_day_factor(&m->people, p->pos, dp->day.day);
    a[0] = cg_people_level(&m->people, p, 0, dp->weekday, g);
    a[1] = cg_people_level(&m->people, p, 1, dp->weekday, g);
}

/* Whether an event thins the conversation or event of key `key` that
 * the person(s) of mask start at t with service svc (MODEL.md "Events"). */
static int thinned(const cg_model *m, const cg_dayparams *dp, uint64_t mask, int svc, int64_t t,
                   uint64_t key)
{
    if (!mask)
        return 0;
    double keep = cg_ev_keep(&m->ev, &dp->ed, mask, svc, t);
    return keep < 1 && cg_u01_of(cg_mix64(key ^ 0x7417c0deULL)) >= keep;
}

/* One conversation of tie t: its s-th of the day, its first event a call
 * (or an SMS) by lo (or hi) at start, then follow-ups, into eb. */
static int conversation(const cg_model *m, const cg_dayparams *dp, const cg_tie *t, int ti,
                        int self_lo, const cg_person *lo, const cg_person *hi, double pc,
                        cg_rng *r, uint64_t s, int lo_orig, int call, int64_t start, int16_t off,
                        cg_evbuf *eb)
{
    int c = (lo_orig ? lo : hi)->profile * 3 + (call ? 0 : 1);
    for (int k = 0;; k++) {
        cg_ev *e = ev_push(eb);
        if (!e)
            return -1;
        e->start = start;
        e->off = off;
        e->key = t->key ^ cg_mix64(((uint64_t)(uint32_t)dp->day.day << 32) ^ (s << 8) ^
                                   (uint64_t)k);
        e->peer = t->peer.pos;
        e->tie = (int16_t)ti;
        e->type = call ? CG_REC_CALL : CG_REC_SMS;
        e->self_orig = (uint8_t)(lo_orig == self_lo);
        if (call)
            draw_disp(m, r, e, t->talk);
        else
            draw_sms(m, r, e);
        if (dp->ratio[c] <= 0)
            eb->n--; /* a curve without hours today: the event is not */
        if (cg_rng_u01(r) >= SESSION_CONT)
            break;
        /* a follow-up */
        int missed = call && e->disp != CG_DISP_ANSWERED;
        double gap = exp(log(call ? GAP_CALL_S : GAP_SMS_S) + GAP_SIGMA * cg_rng_normal(r));
        int64_t next = start + (int64_t)(call ? e->dur : 0) * 1000 + (int64_t)(gap * 1000);
        double who = cg_rng_u01(r);
        if (who < (missed ? CALLBACK_FLIP : REPLY_FLIP))
            lo_orig = !lo_orig;
        else
            lo_orig = cg_rng_u01(r) < t->bias;
        double sw = cg_rng_u01(r);
        if (call ? sw < TYPE_SWITCH * (1 - pc) : sw < TYPE_SWITCH * pc)
            call = !call;
        c = (lo_orig ? lo : hi)->profile * 3 + (call ? 0 : 1);
        /* the conversation ends with the day, and where the next
         * event's hour has no weight (traffic never lands there) */
        if (next >= dp->day.end_ms || !cg_day_weighted_at(&dp->curve[c], next))
            break;
        start = next;
        off = cg_day_offset_at(&dp->day, start);
    }
    return 0;
}

/* Poisson(lam) by inversion from one uniform, without exp() in the common
 * case of a small lam and no event (u < 1 - lam <= e^-lam: none); large
 * means go to cg_rng_poisson. Exact either way. */
static uint64_t poisson_small(cg_rng *r, double lam)
{
    if (!(lam > 0))
        return 0;
    if (lam > 8)
        return cg_rng_poisson(r, lam);
    double u = cg_rng_u01(r);
    return u < 1 - lam ? 0 : cg_rng_poisson_inv(lam, u);
}

/* The start of an extra event of curve c in window w of the day. */
static int64_t window_start(const cg_dayparams *dp, int w, int c, double u, int16_t *off)
{
    const double *F = &dp->ed.F[(w * dp->ed.ncurves + c) * 2];
    return draw_start(dp, c, F[0] + (F[1] - F[0]) * u, off);
}

/* The share of curve c's weight in window w. */
static double window_share(const cg_dayparams *dp, int w, int c)
{
    const double *F = &dp->ed.F[(w * dp->ed.ncurves + c) * 2];
    return F[1] > F[0] ? F[1] - F[0] : 0;
}

/* The conversations of tie t of `self` (events mask ms) on day dp, into eb. */
/* Fraud and churn on a tie: the share of its conversations kept (both
 * sides' presence), and each side's takeover window (a SIM swap: the
 * person's own calls stop), as [lo, hi) side. */
typedef struct tie_fx {
    double keep;
    int64_t t0[2], t1[2];
} tie_fx;

/* Whether fraud or churn's presence keep (< 1) drops the event, session
 * or conversation of key `key`: a hash of the key, so both sides agree. */
static inline int presence_drops(double keep, uint64_t key)
{
    return keep < 1 && cg_u01_of(cg_mix64(key ^ 0xf4a0dULL)) >= keep;
}

static int tie_fx_drops(const tie_fx *fx, int lo_orig, int64_t start, uint64_t key)
{
    int side = !lo_orig;
    if (start >= fx->t0[side] && start < fx->t1[side])
        return 1;
    return presence_drops(fx->keep, key);
}

static int tie_events(const cg_model *m, const cg_dayparams *dp, const cg_person *self,
                      const double *as, uint64_t ms, const cg_tie *t, int ti, const tie_fx *fx,
                      cg_evbuf *eb)
{
    const cg_people_model *pm = &m->people;
    int self_lo = self->pos < t->peer.pos;
    /* the two sides in the pair's order, selected through arrays (which
     * side is lower is a coin toss a branch would mispredict) */
    const cg_person *sides[2] = {self, &t->peer};
    const cg_person *lo = sides[!self_lo], *hi = sides[self_lo];
    double ap[2];
    levels(m, dp, &t->peer, ap);
    const double *lv[2] = {as, ap};
    const double *al = lv[!self_lo], *ah = lv[self_lo];
    double f = dp->factor * t->strength;
    if (t->kind == CG_TIE_WORK)
        f *= dp->weekday < 5 ? WORK_TIE_WEEKDAY : WORK_TIE_WEEKEND;
    double rc = pm->kappa[0] * f * sqrt(al[0] * ah[0]), rs = pm->kappa[1] * f * sqrt(al[1] * ah[1]);
    if (!(rc + rs > 0))
        return 0;
    uint64_t mp = dp->ed.rate ? cg_ev_who(&m->ev, &dp->ed, &t->peer) : 0;
    uint64_t mlo = cg_sel64(self_lo, ms, mp), mhi = cg_sel64(self_lo, mp, ms);
    cg_rng r = {cg_mix64(t->key ^ cg_mix64((uint64_t)(uint32_t)dp->day.day))};
    uint64_t ns = cg_rng_poisson(&r, (rc + rs) / SESSION_MEAN);
    double pc = rc / (rc + rs);
    for (uint64_t s = 0; s < ns; s++) {
        int lo_orig = cg_rng_u01(&r) < t->bias;
        int call = cg_rng_u01(&r) < pc;
        const cg_person *o = lo_orig ? lo : hi;
        int c = o->profile * 3 + (call ? 0 : 1);
        int16_t off;
        int64_t start = draw_start(dp, c, cg_rng_u01(&r), &off);
        size_t n0 = eb->n;
        if (conversation(m, dp, t, ti, self_lo, lo, hi, pc, &r, s, lo_orig, call, start, off, eb))
            return -1;
        /* an event below 1 drops the conversation (its draws made, so
         * that the others stay as they are) */
        if ((mlo | mhi) && thinned(m, dp, lo_orig ? mlo : mhi, call ? 0 : 1, start,
                                   t->key ^ cg_mix64((uint64_t)(uint32_t)dp->day.day ^ (s << 8))))
            eb->n = n0;
        else if (fx && tie_fx_drops(fx, lo_orig, start,
                                    t->key ^ cg_mix64((uint64_t)(uint32_t)dp->day.day ^ (s << 8))))
            eb->n = n0;
    }
    if (!(mlo | mhi))
        return 0;
    /* an event above 1 adds (m - 1) x the conversations its window had:
     * one Poisson count over every (window, side, service), then each its
     * own by weight */
    double lam[CG_EVDAY_MAX * 4], tot = 0;
    int nl = 0, which[CG_EVDAY_MAX * 4];
    for (int w = 0; w < dp->ed.n; w++) {
        int k = dp->ed.w[w].ev;
        for (int side = 0; side < 2; side++) {
            if (!((side ? mhi : mlo) >> k & 1))
                continue;
            const cg_person *o = side ? hi : lo;
            double share = side ? 1 - t->bias : t->bias;
            for (int svc = 0; svc < 2; svc++) {
                double mu = m->ev.ev[k].mult[svc];
                int c = o->profile * 3 + svc;
                if (!(mu > 1) || dp->ratio[c] <= 0)
                    continue;
                double l = (mu - 1) * (svc ? rs : rc) * share * window_share(dp, w, c) /
                           SESSION_MEAN;
                if (!(l > 0))
                    continue;
                tot += l;
                lam[nl] = tot;
                which[nl++] = w * 4 + side * 2 + svc;
            }
        }
    }
    if (!nl)
        return 0;
    cg_rng re = {cg_key4(t->key, (uint64_t)(uint32_t)dp->day.day, CG_S_EVENT, 0xe7)};
    uint64_t n = poisson_small(&re, tot);
    for (uint64_t j2 = 0; j2 < n; j2++) {
        double x = cg_rng_u01(&re) * tot;
        int q = 0;
        while (q < nl - 1 && x >= lam[q])
            q++;
        int w = which[q] / 4, side = which[q] / 2 % 2, svc = which[q] % 2;
        const cg_person *o = side ? hi : lo;
        int16_t off;
        int64_t start = window_start(dp, w, o->profile * 3 + svc, cg_rng_u01(&re), &off);
        uint64_t sid = ((uint64_t)1 << 40) + j2;
        if (conversation(m, dp, t, ti, self_lo, lo, hi, pc, &re, sid, !side, !svc, start, off, eb))
            return -1;
    }
    return 0;
}

/* One off-net call (or SMS) of `self` of key `key`, drawn from r, its
 * start u of curve c (or of window w when w >= 0), into eb. */
static int offnet_one(const cg_model *m, const cg_dayparams *dp, const cg_person *self, cg_rng *r,
                      int call, int w, uint64_t key, uint64_t ms, cg_evbuf *eb)
{
    const cg_config *cfg = m->cfg;
    int c = self->profile * 3 + (call ? 0 : 1);
    cg_ev *e = ev_push(eb);
    if (!e)
        return -1;
    double u = cg_rng_u01(r);
    e->start = w < 0 ? draw_start(dp, c, u, &e->off) : window_start(dp, w, c, u, &e->off);
    e->key = key;
    e->tie = -1;
    e->type = call ? CG_REC_CALL : CG_REC_SMS;
    e->self_orig = (uint8_t)(cg_rng_u01(r) < (call ? cfg->mo_share_call : cfg->mo_share_sms));
    if (call)
        draw_disp(m, r, e, 0.0);
    else
        draw_sms(m, r, e);
    e->peer = cg_ident_offnet(&m->nb, r);
    if (dp->ratio[c] <= 0 || (w < 0 && thinned(m, dp, ms, call ? 0 : 1, e->start, key)))
        eb->n--;
    return 0;
}

/* The off-net calls and SMS of `self` (events mask ms) on day dp (its own
 * stream; an event's extra ones from a stream of their own). */
static int offnet_events(const cg_model *m, const cg_dayparams *dp, const cg_person *self,
                         uint64_t ms, cg_evbuf *eb)
{
    const cg_config *cfg = m->cfg;
    double a[2];
    levels(m, dp, self, a);
    double off = cfg->interconnect_share * dp->factor;
    uint64_t day = (uint64_t)(uint32_t)dp->day.day;
    cg_rng r = cg_rng_make(cfg->seed, (day << 8) | CG_S_OFFNET, self->pos, 1);
    uint64_t nc = cg_rng_poisson(&r, cfg->avg_calls * off * a[0]);
    uint64_t ns = cg_rng_poisson(&r, cfg->avg_sms * off * a[1]);
    for (uint64_t k = 0; k < nc + ns; k++)
        if (offnet_one(m, dp, self, &r, k < nc, -1, cg_key4(cfg->seed, self->pos, day, k + 1), ms,
                       eb))
            return -1;
    for (int w = 0; ms && w < dp->ed.n; w++) {
        int ev = dp->ed.w[w].ev;
        if (!(ms >> ev & 1))
            continue;
        for (int svc = 0; svc < 2; svc++) {
            double mu = m->ev.ev[ev].mult[svc];
            int c = self->profile * 3 + svc;
            if (!(mu > 1) || dp->ratio[c] <= 0)
                continue;
            cg_rng re = cg_rng_make(cfg->seed, (day << 8) | CG_S_EVENT, self->pos,
                                    (uint64_t)(2 + w * 2 + svc));
            uint64_t n = poisson_small(&re, (mu - 1) * (svc ? cfg->avg_sms : cfg->avg_calls) *
                                                off * a[svc] * window_share(dp, w, c));
            for (uint64_t j = 0; j < n; j++) {
                uint64_t key = cg_key4(cfg->seed, self->pos, day,
                                       ((uint64_t)(w * 2 + svc + 1) << 40) + j);
                if (offnet_one(m, dp, self, &re, !svc, w, key, ms, eb))
                    return -1;
            }
        }
    }
    return 0;
}

static int cmp_ev(const void *a, const void *b)
{
    const cg_ev *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->key < y->key ? -1 : x->key > y->key;
}

/* Stable insertion sort by (start, key): a person-day holds tens of
 * events. An event out of order finds its place by binary search (after
 * any equal one) and the run it passes moves in one memmove. */
static void sort_ev(cg_evbuf *eb)
{
    cg_ev *v = eb->v;
    for (size_t a = 1; a < eb->n; a++) {
        if (cmp_ev(&v[a - 1], &v[a]) <= 0)
            continue;
        cg_ev t = v[a];
        size_t lo = 0, hi = a - 1; /* v[hi] > t: the place is in [lo, hi] */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cmp_ev(&v[mid], &t) > 0)
                hi = mid;
            else
                lo = mid + 1;
        }
        memmove(&v[lo + 1], &v[lo], (a - lo) * sizeof *v);
        v[lo] = t;
    }
}

/* The presence of the person at pos on day dp (cg_fraud_presence), its
 * case in c and its takeover window [*t0, *t1) (a SIM swap's; else
 * empty). */
static double presence(const cg_model *m, const cg_dayparams *dp, uint64_t pos, cg_fcase *c,
                       int64_t *t0, int64_t *t1)
{
    uint64_t i = cg_people_index(&m->people, pos);
    cg_fraud_case(&m->fr, i, c);
    *t0 = *t1 = 0;
    double keep = 1;
    if (m->fr.db_churn && m->ids.release) /* a holder about to release its number */
        keep = cg_fraud_release_fade(&m->fr, dp->day.start_ms,
                                     m->ids.release(m->ids.ctx, i, dp->day.start_ms));
    if (c->sc == CG_FR_NONE)
        return keep;
    if (c->sc == CG_FR_SIM_SWAP) {
        *t0 = c->t0;
        *t1 = c->t1;
    }
    return keep * cg_fraud_presence(&m->fr, c, dp->day.day);
}

/* events_of with fraud and churn cases in the run: a case's traffic and
 * its ties' kept by its presence; a SIM swap victim's own calls and SMS
 * stop for the takeover (MODEL.md "Fraud and churn"). */
static int fraud_events_of(const cg_model *m, const cg_dayparams *dp, const cg_person *self,
                           const double *as, uint64_t ms, const cg_tie *t, int nt, cg_evbuf *eb)
{
    cg_fcase cs, cp;
    int64_t s0, s1;
    double ks = presence(m, dp, self->pos, &cs, &s0, &s1);
    if (!(ks > 0))
        return 0;
    for (int k = 0; k < nt; k++) {
        tie_fx fx;
        int64_t p0, p1;
        double kp = presence(m, dp, t[k].peer.pos, &cp, &p0, &p1);
        fx.keep = ks * kp;
        if (!(fx.keep > 0))
            continue;
        int self_lo = self->pos < t[k].peer.pos;
        fx.t0[!self_lo] = s0;
        fx.t1[!self_lo] = s1;
        fx.t0[self_lo] = p0;
        fx.t1[self_lo] = p1;
        if (tie_events(m, dp, self, as, ms, &t[k], k, &fx, eb))
            return -1;
    }
    size_t n0 = eb->n;
    if (offnet_events(m, dp, self, ms, eb))
        return -1;
    size_t n = n0;
    for (size_t k = n0; k < eb->n; k++) {
        const cg_ev *e = &eb->v[k];
        if ((e->self_orig && e->start >= s0 && e->start < s1) ||
            presence_drops(ks, e->key))
            continue;
        eb->v[n++] = *e;
    }
    eb->n = n;
    sort_ev(eb);
    return 0;
}

/* The events of the person self with ties t[0..nt) on day dp, into eb. */
static int events_of(const cg_model *m, const cg_dayparams *dp, const cg_person *self,
                     const cg_tie *t, int nt, cg_evbuf *eb)
{
    eb->n = 0;
    if (!(dp->factor > 0))
        return 0;
    double as[2];
    levels(m, dp, self, as);
    uint64_t ms = dp->ed.rate ? cg_ev_who(&m->ev, &dp->ed, self) : 0;
    if (m->fr.on)
        return fraud_events_of(m, dp, self, as, ms, t, nt, eb);
    for (int k = 0; k < nt; k++)
        if (tie_events(m, dp, self, as, ms, &t[k], k, NULL, eb))
            return -1;
    if (offnet_events(m, dp, self, ms, eb))
        return -1;
    sort_ev(eb);
    return 0;
}

int cg_synth_events(const cg_model *m, const cg_dayparams *dp, uint64_t pos, cg_tie *t, int *nt,
                    cg_evbuf *eb)
{
    cg_person self;
    cg_people_person(&m->people, pos, &self);
    *nt = cg_people_ties(&m->people, &self, (int64_t)dp->day.day / 7, t);
    return events_of(m, dp, &self, t, *nt, eb);
}

/* Per-thread memos of person-days' events (and, in people.c, of group
 * members): a
 * subscriber-day needs its peers' days (who is in a call when), and
 * neighbours on the map (consecutive subscribers) share peers, so most
 * peers' days are needed again soon, as a later subscriber's own or
 * another's peer. Pure functions memoised: the output does not depend on
 * them. The days are kept whole in a ring of events (a day is valid until
 * the ring's writes come round to it), found through a direct-mapped
 * index. */
#define EC_IDX 8192
#define EC_RING 65536   /* events: 2.5 MiB, some 5,000 person-days */
#define EC_DAY_MAX 4096 /* a day with more events is not kept */
struct cg_ecslot {
    uint64_t key;   /* pos + 1, 0 empty */
    uint64_t start; /* absolute ring index of its first event */
    int32_t day;
    uint32_t n;
};
struct cg_ecache {
    uint64_t head;  /* absolute ring index of the next event written */
    uint64_t nring; /* events in the ring */
    uint64_t nidx;  /* slots of the index (a power of two) */
    uint32_t day_max; /* a day with more events is not kept */
    cg_ev *ring;
    struct cg_ecslot idx[]; /* nidx */
};
_Static_assert(EC_DAY_MAX <= EC_RING / 4, "a kept day must leave room for others");

static void ecache_free(struct cg_ecache *ec)
{
    if (ec)
        free(ec->ring);
    free(ec);
}

/* The memos at 1/memo_div of their full size (a power of two, at most 8:
 * several workers share the memory one would have; the output never
 * depends on them). */
static void caches_init(cg_recbuf *rb)
{
    if (rb->caches_tried)
        return;
    rb->caches_tried = 1;
    int div = rb->memo_div < 1 ? 1 : rb->memo_div > 8 ? 8 : rb->memo_div;
    uint64_t nidx = EC_IDX / (uint64_t)div;
    struct cg_ecache *ec = calloc(1, sizeof *ec + nidx * sizeof ec->idx[0]);
    if (ec) {
        ec->nidx = nidx;
        ec->nring = EC_RING / (uint64_t)div;
        ec->day_max = (uint32_t)(EC_DAY_MAX / div);
        ec->ring = malloc(ec->nring * sizeof *ec->ring);
        if (!ec->ring) {
            free(ec);
            ec = NULL;
        }
    }
    rb->ecache = ec;
    rb->gcache = cg_groupcache_new(div);
}

/* The events of the person at pos on day dp: *v[0..*n), valid until the
 * next call (a memo entry, or rb->scratch). */
static int person_day(const cg_model *m, const cg_dayparams *dp, uint64_t pos, cg_recbuf *rb,
                      const cg_ev **v, size_t *n)
{
    caches_init(rb);
    int32_t day = dp->day.day;
    struct cg_ecache *ec = rb->ecache;
    struct cg_ecslot *sl = NULL;
    if (ec) {
        sl = &ec->idx[cg_mix64(pos * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uint32_t)day) &
                      (ec->nidx - 1)];
        if (sl->key == pos + 1 && sl->day == day && ec->head <= sl->start + ec->nring) {
            *v = &ec->ring[sl->start % ec->nring];
            *n = sl->n;
            return 0;
        }
    }
    cg_person self;
    cg_people_person(&m->people, pos, &self);
    int64_t week = (int64_t)day / 7;
    int nt = cg_people_ties_c(&m->people, &self, week, rb->ptie, rb->gcache);
    if (events_of(m, dp, &self, rb->ptie, nt, &rb->scratch))
        return -1;
    *v = rb->scratch.v;
    *n = rb->scratch.n;
    if (ec && rb->scratch.n <= ec->day_max) {
        uint64_t at = ec->head % ec->nring;
        if (at + rb->scratch.n > ec->nring) { /* a day is contiguous: skip the tail */
            ec->head += ec->nring - at;
            at = 0;
        }
        if (rb->scratch.n)
            memcpy(&ec->ring[at], rb->scratch.v, sizeof *ec->ring * rb->scratch.n);
        sl->key = pos + 1;
        sl->day = day;
        sl->start = ec->head;
        sl->n = (uint32_t)rb->scratch.n;
        ec->head += rb->scratch.n;
    }
    return 0;
}

/* Whether an answered call of list `calls` other than the one of key x
 * started before x (start, then key) and is still running at x's start. */
static int busy_in(const cg_evbuf *calls, const cg_ev *x)
{
    for (size_t k = 0; k < calls->n; k++) {
        const cg_ev *y = &calls->v[k];
        if (cmp_ev(y, x) >= 0)
            break; /* sorted: the rest start later */
        if (y->key != x->key && y->start + (int64_t)y->dur * 1000 > x->start)
            return 1;
    }
    return 0;
}

/* The answered calls of the person at pos on dp, appended to out (from
 * scratch buffers of rb). */
static int answered_calls(const cg_model *m, const cg_dayparams *dp, uint64_t pos,
                          cg_recbuf *rb, cg_evbuf *out)
{
    const cg_ev *v;
    size_t n;
    if (person_day(m, dp, pos, rb, &v, &n))
        return -1;
    for (size_t k = 0; k < n; k++) {
        if (v[k].type != CG_REC_CALL || v[k].disp != CG_DISP_ANSWERED)
            continue;
        cg_ev *e = ev_push(out);
        if (!e)
            return -1;
        *e = v[k];
    }
    return 0;
}

/* Calls of the day before still running at the start of day dp go first
 * in the list: they started earlier than any of today's. */
static int late_calls(const cg_model *m, const cg_dayparams *dp, uint64_t pos, cg_recbuf *rb,
                      cg_evbuf *out)
{
    size_t n0 = out->n;
    if (answered_calls(m, dp->prev, pos, rb, out))
        return -1;
    size_t n = n0;
    for (size_t k = n0; k < out->n; k++)
        if (out->v[k].start + (int64_t)out->v[k].dur * 1000 > dp->day.start_ms)
            out->v[n++] = out->v[k];
    out->n = n;
    return 0;
}

/* A peer's answered calls (with those of the day before that matter),
 * cached for the subscriber-day: the lists of the last CG_PEER_CACHE peers
 * one after the other in one buffer, which starts over (forgetting them)
 * when it is half full, so that it does not grow with heavy peers. The
 * list is valid until the next call; NULL when out of memory. */
static const cg_evbuf *peer_calls(const cg_model *m, const cg_dayparams *dp, uint64_t pos,
                                  int need_prev, cg_recbuf *rb)
{
    cg_evbuf *a = &rb->parena;
    int k = -1;
    for (int j = 0; j < CG_PEER_CACHE && k < 0; j++)
        if (rb->pcache[j] == pos + 1)
            k = j;
    if (k < 0) {
        if (a->n > CG_RECBUF_KEEP / 2) {
            for (int j = 0; j < CG_PEER_CACHE; j++)
                rb->pcache[j] = 0;
            a->n = 0;
        }
        k = rb->pnext;
        rb->pnext = (rb->pnext + 1) % CG_PEER_CACHE;
        rb->pcache[k] = 0;
        rb->pstart[k] = a->n;
        if ((need_prev && dp->prev && late_calls(m, dp, pos, rb, a)) ||
            answered_calls(m, dp, pos, rb, a))
            return NULL;
        rb->pcount[k] = a->n - rb->pstart[k];
        rb->pcache[k] = pos + 1;
    }
    rb->pview.v = a->v + rb->pstart[k];
    rb->pview.n = rb->pview.cap = rb->pcount[k];
    return &rb->pview;
}

int cg_synth_answered(const cg_model *m, const cg_dayparams *dp, uint64_t pos, cg_recbuf *rb,
                      cg_evbuf *out)
{
    out->n = 0;
    if (dp->prev && late_calls(m, dp, pos, rb, out))
        return -1;
    return answered_calls(m, dp, pos, rb, out);
}

uint32_t cg_synth_cell(cg_recbuf *rb, int64_t t, int16_t off, int rat)
{
    double h = cg_local_hour(t, off);
    return cg_plan_cell(&rb->plan, h, &rat, serving_u(rb, t));
}

/* The fate of every answered call of the person's day (rb->ev): BUSY when
 * the callee was in an earlier call still running, none when the caller
 * was. rb->prev holds the person's own late calls of the day before. */
static int resolve_busy(const cg_model *m, const cg_dayparams *dp, cg_recbuf *rb)
{
    cg_evbuf *own = &rb->prev; /* late calls of yesterday, then today's answered */
    for (size_t k = 0; k < rb->ev.n; k++)
        if (rb->ev.v[k].type == CG_REC_CALL && rb->ev.v[k].disp == CG_DISP_ANSWERED) {
            cg_ev *e = ev_push(own);
            if (!e)
                return -1;
            *e = rb->ev.v[k];
        }
    for (int k = 0; k < CG_PEER_CACHE; k++)
        rb->pcache[k] = 0;
    rb->parena.n = 0;
    int64_t early = dp->day.start_ms + (int64_t)(TALK_MAX_S + 30) * 1000;
    for (size_t k = 0; k < rb->ev.n; k++) {
        cg_ev *x = &rb->ev.v[k];
        if (x->type != CG_REC_CALL || x->disp != CG_DISP_ANSWERED)
            continue;
        int self_busy = busy_in(own, x), peer_busy = 0;
        if (x->tie >= 0) {
            const cg_evbuf *pc = peer_calls(m, dp, x->peer, x->start < early, rb);
            if (!pc)
                return -1;
            peer_busy = busy_in(pc, x);
        }
        int caller_busy = x->self_orig ? self_busy : peer_busy;
        int callee_busy = x->self_orig ? peer_busy : self_busy;
        x->fate = caller_busy ? 2 : callee_busy ? 1 : 0;
    }
    return 0;
}

static void fill_owner(cg_rec *x, const cg_ident *id)
{
    x->imsi = id->imsi;
    x->imei = id->imei;
    x->mccmnc = id->mccmnc;
}

/* Identity of subscriber i at t: synthetic identities, and database ones
 * that do not change during the day, are the same all day (day_id, set by
 * the caller, msisdn != 0 then); others are looked up. */
static int owner_at(const cg_model *m, uint64_t i, int64_t t, const cg_ident *day_id,
                    cg_ident *out)
{
    if (day_id->msisdn) {
        *out = *day_id;
        return 1;
    }
    return m->ids.lookup(m->ids.ctx, i, t, out);
}

/* Appends subscriber i's record of event x (the owner's identity own,
 * msisdn_i; the peer's msisdn_j). NULL when out of memory. */
static cg_rec *push_voice(cg_recbuf *rb, const cg_ev *x, uint64_t msisdn_i, uint64_t msisdn_j,
                          uint32_t cell, const cg_ident *own, const cg_model *m)
{
    cg_rec *r = rec_push(rb);
    if (!r)
        return NULL;
    memset(r, 0, sizeof *r);
    int mo = x->self_orig;
    r->start_ms = x->start;
    r->tz_off = x->off;
    r->dur_s = x->dur;
    r->cause = x->cause;
    r->dir = mo ? CG_DIR_MO : CG_DIR_MT;
    r->src = mo ? msisdn_i : msisdn_j;
    r->dst = mo ? msisdn_j : msisdn_i;
    r->cell = cell;
    fill_owner(r, own);
    if (x->type == CG_REC_CALL) {
        r->type = CG_REC_CALL;
        r->disp = x->disp;
        r->rectype = CG_RT_MSC;
        if (x->fate) {
            /* the callee was in a call: BUSY; the caller was: dropped
             * before an answer */
            cg_rng q = {cg_mix64(x->key ^ 0xb05e)};
            int d = x->fate == 1 ? CG_DISP_BUSY : CG_DISP_NO_ANSWER;
            r->disp = (uint8_t)d;
            r->cause = DISP_CAUSE[d];
            r->dur_s = cg_synth_call_duration(m, d, &q);
        }
    } else {
        r->type = CG_REC_SMS;
        r->sms_seg = x->seg;
        r->sms_status = x->status;
        r->rectype = mo ? CG_RT_SMO : CG_RT_SMT;
    }
    return r;
}

/* In-place heapsort for long lists: glibc's qsort may malloc a buffer as
 * large as the array, and the generator must not allocate per subscriber. */
static void sift_down(uint64_t *a, size_t root, size_t n)
{
    for (;;) {
        size_t c = 2 * root + 1;
        if (c >= n)
            return;
        if (c + 1 < n && a[c + 1] > a[c])
            c++;
        if (a[root] >= a[c])
            return;
        uint64_t t = a[root];
        a[root] = a[c];
        a[c] = t;
        root = c;
    }
}

static void heap_sort(uint64_t *a, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(a, i, n);
    for (size_t end = n; end-- > 1;) {
        uint64_t t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift_down(a, 0, end);
    }
}

/* Sorts records by start through 64-bit keys (start offset in the day,
 * then generation order), which moves 8 bytes per step instead of a record. */
static void sort_recs(cg_recbuf *rb, int64_t day_start)
{
    size_t n = rb->n;
    uint64_t *key = rb->key;
    for (size_t k = 0; k < n; k++)
        key[k] = ((uint64_t)(rb->rec[k].start_ms - day_start) << 24) | k;
    if (n > 64) {
        heap_sort(key, n); /* keys are unique (index in the low bits): stable enough */
        return;
    }
    for (size_t a = 1; a < n; a++) {
        uint64_t t = key[a];
        size_t b = a;
        while (b > 0 && key[b - 1] > t) {
            key[b] = key[b - 1];
            b--;
        }
        key[b] = t;
    }
}

/* Floors of a data session (MODEL.md "Calls, SMS, data"): a session moves
 * at least this much each way and lasts at least this long. */
#define DATA_MIN_DOWN_BYTES 2000
#define DATA_MIN_UP_BYTES 1000
#define DATA_MIN_SECONDS 5

/* Subscriber i's identity on the day: from the database (0 = holds no
 * number today: no records at all), or synthetic. Sets *msisdn_i and
 * *day_id (msisdn 0 when the identity changes during the day). */
static int day_identity(const cg_model *m, const cg_dayparams *dp, uint64_t i,
                        uint64_t *msisdn_i, cg_ident *day_id)
{
    memset(day_id, 0, sizeof *day_id);
    if (m->ids.ctx) {
        *msisdn_i = m->ids.msisdn(m->ids.ctx, i);
        /* A number nobody holds today (cool-down, not yet assigned) has no
         * records, and its peers drop theirs with it: skip the work. */
        if (!m->ids.held(m->ids.ctx, i, dp->day.start_ms, dp->day.end_ms))
            return 0;
        if (!m->ids.steady(m->ids.ctx, i, dp->day.start_ms, dp->day.end_ms, day_id))
            day_id->msisdn = 0;
        return 1;
    }
    *msisdn_i = cg_ident_msisdn(&m->nb, i);
    day_id->msisdn = *msisdn_i;
    day_id->mccmnc = cg_ident_mccmnc(&m->nb, i);
    day_id->imsi = cg_ident_imsi(&m->nb, i, day_id->mccmnc);
    day_id->imei = cg_ident_imei(&m->nb, i, dp->day_index);
    return 1;
}

/* The person living subscriber i's day: i itself with synthetic
 * identities; with a database, the holder of the number, told apart by its
 * IMSI (a number re-assigned to another IMSI is another person, with
 * another home; MODEL.md "Places"). */
static uint64_t person_of_day(const cg_model *m, const cg_dayparams *dp, uint64_t i,
                              uint64_t msisdn_i, const cg_ident *day_id)
{
    if (!m->ids.ctx)
        return i;
    uint64_t imsi = day_id->msisdn ? day_id->imsi : 0;
    cg_ident id;
    if (!imsi && m->ids.lookup(m->ids.ctx, i, dp->day.start_ms, &id))
        imsi = id.imsi;
    if (!imsi && m->ids.lookup(m->ids.ctx, i, (dp->day.start_ms + dp->day.end_ms) / 2, &id))
        imsi = id.imsi;
    return cg_mix64(cg_mix64(msisdn_i) ^ imsi);
}

/* A data session of `self` (subscriber i) drawn from r, of key `key`,
 * starting in the day (w < 0) or in window w, into rb. */
static int data_one(const cg_model *m, const cg_dayparams *dp, uint64_t i, const cg_person *self,
                    cg_rng *r, int w, uint64_t key, uint64_t ms, const cg_ident *day_id,
                    uint64_t msisdn_i, cg_recbuf *rb)
{
    int c = self->profile * 3 + 2;
    double vol = m->cfg->profiles[self->profile].data_volume;
    int16_t off_min;
    double u = cg_rng_u01(r);
    int64_t start = w < 0 ? draw_start(dp, c, u, &off_min) : window_start(dp, w, c, u, &off_min);
    /* the RAT among those serving the position, and its cell there */
    int rat = -2;
    double h = cg_local_hour(start, off_min), us = serving_u(rb, start);
    uint32_t cell0 = cg_plan_cell(&rb->plan, h, &rat, us), cell = cell0;
    const struct rat_params *rp = &RAT[rat];
    double down = floor(vol * fabs(rp->down_mean + rp->down_sd * cg_rng_normal(r)) + 0.5);
    if (down < DATA_MIN_DOWN_BYTES)
        down = DATA_MIN_DOWN_BYTES;
    double up = floor(down * (rp->up_lo + (rp->up_hi - rp->up_lo) * cg_rng_u01(r)) + 0.5);
    if (up < DATA_MIN_UP_BYTES)
        up = DATA_MIN_UP_BYTES;
    double dur = floor(fabs(rp->dur_mean + rp->dur_sd * cg_rng_normal(r)) + 0.5);
    if (dur < DATA_MIN_SECONDS)
        dur = DATA_MIN_SECONDS;
    uint8_t apn = (uint8_t)cg_rng_pick(r, m->apn_cum, 3);
    uint8_t rectype = cg_rng_u01(r) < 0.5 ? CG_RT_PDP : CG_RT_PGW;
    cg_ident own;
    if (!owner_at(m, i, start, day_id, &own))
        return 0;
    if (dp->ed.n) {
        if (w < 0 && thinned(m, dp, ms, 2, start, key))
            return 0;
        if (dp->ed.cellfx)
            cell = event_cell(m, dp, &rb->plan, self->pos, self->profile, cell0, start, h, us);
        if (cell0 && !cell)
            return 0; /* no cell of its RAT works */
        for (int k = 0; dp->ed.datafx && k < dp->ed.n; k++) {
            const cg_evwin *x = &dp->ed.w[k];
            const cg_evinfo *ei = &m->ev.ev[x->ev];
            if (start < x->a || start >= x->b || !(ei->e->congestion > 0) ||
                !cg_ev_has_cell(ei, cell) || !(cg_ev_u(&m->ev, key, x->ev) < ei->e->congestion))
                continue;
            /* cut short: a share of its time and bytes */
            double f = 0.05 + 0.45 * cg_ev_u(&m->ev, key ^ 0xc07, x->ev);
            dur = fmax(DATA_MIN_SECONDS, floor(dur * f + 0.5));
            down = fmax(DATA_MIN_DOWN_BYTES, floor(down * f + 0.5));
            up = fmax(DATA_MIN_UP_BYTES, floor(up * f + 0.5));
            break;
        }
    }
    cg_rec *x = rec_push(rb);
    if (!x)
        return -1;
    memset(x, 0, sizeof *x);
    x->type = CG_REC_DATA;
    x->start_ms = start;
    x->tz_off = off_min;
    x->dur_s = (uint32_t)dur;
    x->dir = CG_DIR_MO;
    x->src = msisdn_i;
    x->cell = cell;
    x->cause = CG_CAUSE_NORMAL;
    x->rectype = rectype;
    x->up = (uint64_t)up;
    x->down = (uint64_t)down;
    x->apn = apn;
    x->rat = (uint8_t)rat;
    fill_owner(x, &own);
    return 0;
}

/* The day plan of subscriber i (the person `who`, its number and day
 * identity) into plan; returns the key of its serving-cell draws. */
static uint64_t plan_of_day(const cg_model *m, const cg_dayparams *dp, uint64_t i,
                            const cg_person *who, uint64_t msisdn, const cg_ident *day_id,
                            cg_dayplan *plan)
{
    const cg_config *cfg = m->cfg;
    cg_anchor an;
    cg_people_anchor(&m->people, who, &an);
    const cg_profile *pr = &cfg->profiles[who->profile];
    cg_plan_day(plan, cfg, m->cells, &an, pr->outings_scale, pr->range_scale,
                person_of_day(m, dp, i, msisdn, day_id), dp->day.day, dp->day.weekend);
    return cg_key4(cfg->seed, 0xce11, i, (uint64_t)(uint32_t)dp->day.day);
}

/* nd data sessions of `self` (subscriber i) from its own stream r, and
 * those the events (mask ms) add from streams of their own. */
static int data_sessions(const cg_model *m, const cg_dayparams *dp, uint64_t i,
                         const cg_person *self, cg_rng *r, uint64_t nd, double lam, uint64_t ms,
                         const cg_ident *day_id, uint64_t msisdn_i, cg_recbuf *rb)
{
    int c = self->profile * 3 + 2;
    if (dp->ratio[c] <= 0)
        return 0;
    uint64_t day = (uint64_t)(uint32_t)dp->day.day;
    double keep = 1;
    if (m->fr.on) {
        cg_fcase fc;
        int64_t t0, t1;
        keep = presence(m, dp, self->pos, &fc, &t0, &t1);
    }
    for (uint64_t e = 0; e < nd; e++) {
        uint64_t key = dp->ed.n || keep < 1 ? cg_key4(m->cfg->seed, i, day, e) : 0;
        if (keep < 1) {
            size_t n0 = rb->n;
            if (data_one(m, dp, i, self, r, -1, dp->ed.n ? key : 0, ms, day_id, msisdn_i, rb))
                return -1;
            if (presence_drops(keep, key))
                rb->n = n0; /* drawn, then dropped: the others stay as they are */
            continue;
        }
        if (data_one(m, dp, i, self, r, -1, key, ms, day_id, msisdn_i, rb))
            return -1;
    }
    for (int w = 0; ms && w < dp->ed.n; w++) {
        int ev = dp->ed.w[w].ev;
        double mu = m->ev.ev[ev].mult[2];
        if (!(ms >> ev & 1) || !(mu > 1))
            continue;
        cg_rng re = cg_rng_make(m->cfg->seed, (day << 8) | CG_S_EVENT, i, (uint64_t)(1000 + w));
        uint64_t n = poisson_small(&re, (mu - 1) * lam * window_share(dp, w, c));
        for (uint64_t e = 0; e < n; e++)
            if (data_one(m, dp, i, self, &re, w,
                         cg_key4(m->cfg->seed, i, day, ((uint64_t)(w + 1) << 40) + e), ms, day_id,
                         msisdn_i, rb))
                return -1;
    }
    return 0;
}

/* The cell of the peer at ppos (subscriber index j) at t, as its own
 * records have it (its day plan, kept for the next record). */
static uint32_t peer_cell(const cg_model *m, const cg_dayparams *dp, cg_recbuf *rb, uint64_t ppos,
                          int64_t t, int16_t off)
{
    const cg_people_model *pm = &m->people;
    uint64_t j = cg_people_index(pm, ppos);
    cg_person p;
    cg_people_person(pm, ppos, &p);
    if (rb->pplan_sub != j + 1 || rb->pplan_day != dp->day.day) {
        cg_ident did;
        uint64_t msisdn_j;
        (void)day_identity(m, dp, j, &msisdn_j, &did);
        rb->pcell_key = plan_of_day(m, dp, j, &p, msisdn_j, &did, &rb->pplan);
        rb->pplan_sub = j + 1;
        rb->pplan_day = dp->day.day;
    }
    int any = -1;
    double h = cg_local_hour(t, off), u = serving_uk(rb->pcell_key, t);
    uint32_t cell = cg_plan_cell(&rb->pplan, h, &any, u);
    return dp->ed.cellfx ? event_cell(m, dp, &rb->pplan, ppos, p.profile, cell, t, h, u) : cell;
}

/* The events' failures of call record r (event x, the owner's cell
 * `cell`): a failure override or congestion in a window holding its start,
 * at the event's cells (either side's: both sides decide alike). */
static void call_effects(const cg_model *m, const cg_dayparams *dp, cg_recbuf *rb, const cg_ev *x,
                         uint32_t cell, cg_rec *r)
{
    uint32_t pcell = 0;
    int have_p = 0;
    for (int w = 0; w < dp->ed.n; w++) {
        const cg_evwin *win = &dp->ed.w[w];
        if (x->start < win->a || x->start >= win->b)
            continue;
        const cg_evinfo *ei = &m->ev.ev[win->ev];
        const cg_event *e = ei->e;
        for (int kind = 0; kind < 2; kind++) {
            double share = kind ? e->congestion : e->fail_share;
            if (!(share > 0) || !(cg_ev_u(&m->ev, x->key ^ (kind ? 0xc0c0u : 0u), win->ev) < share))
                continue;
            int at = cg_ev_has_cell(ei, cell);
            if (!at && x->tie >= 0 && (ei->area || ei->ncells)) {
                if (!have_p) {
                    pcell = peer_cell(m, dp, rb, x->peer, x->start, x->off);
                    have_p = 1;
                }
                at = cg_ev_has_cell(ei, pcell);
            }
            if (!at)
                continue;
            int d = kind ? CG_DISP_CONGESTION
                         : !strcmp(e->fail_cause, "busy") ? CG_DISP_BUSY : CG_DISP_FAILED;
            cg_rng q = {cg_mix64(x->key ^ 0xfa11)};
            r->disp = (uint8_t)d;
            r->cause = DISP_CAUSE[d];
            r->dur_s = cg_synth_call_duration(m, d, &q);
            return;
        }
    }
}

/* Subscriber i's records of its events (rb->ev), whose fates are known. */
static int voice_records(const cg_model *m, const cg_dayparams *dp, uint64_t i,
                         const cg_person *self, const cg_ident *day_id, uint64_t msisdn_i,
                         cg_recbuf *rb)
{
    for (size_t k = 0; k < rb->ev.n; k++) {
        const cg_ev *x = &rb->ev.v[k];
        cg_ident own, peer;
        if (!owner_at(m, i, x->start, day_id, &own))
            continue;
        uint64_t msisdn_j = x->peer;
        if (x->tie >= 0) {
            uint64_t j = cg_people_index(&m->people, x->peer);
            if (m->ids.ctx) {
                /* both records exist only while both numbers are held */
                if (!m->ids.lookup(m->ids.ctx, j, x->start, &peer))
                    continue;
                msisdn_j = peer.msisdn;
            } else {
                msisdn_j = cg_ident_msisdn(&m->nb, j);
            }
        } else if (m->ids.ctx) {
            /* a database may number its subscribers its own way: its
             * numbers are not off-net */
            if (m->ids.find(m->ids.ctx, msisdn_j) != UINT64_MAX)
                continue;
        }
        int any = -1;
        double h = cg_local_hour(x->start, x->off), u = serving_u(rb, x->start);
        uint32_t cell = cg_plan_cell(&rb->plan, h, &any, u);
        if (dp->ed.cellfx) {
            uint32_t c = event_cell(m, dp, &rb->plan, self->pos, self->profile, cell, x->start, h, u);
            if (cell && !c)
                continue; /* no cell of its RAT works */
            cell = c;
        }
        cg_rec *r = push_voice(rb, x, msisdn_i, msisdn_j, cell, &own, m);
        if (!r)
            return -1;
        if (dp->ed.callfx && x->type == CG_REC_CALL)
            call_effects(m, dp, rb, x, cell, r);
        r->onnet = x->tie >= 0;
    }
    return 0;
}

int cg_synth_subscriber(const cg_model *m, const cg_dayparams *dp, uint64_t i, cg_recbuf *rb)
{
    const cg_config *cfg = m->cfg;
    const cg_people_model *pm = &m->people;
    rb->n = 0;
    rb->over_cap = 0;
    if (recbuf_reserve(rb))
        return -1;
    cg_ident day_id;
    uint64_t msisdn_i;
    if (!day_identity(m, dp, i, &msisdn_i, &day_id))
        return 0;
    uint64_t pos = cg_people_pos(pm, i);
    cg_person self;
    cg_people_person(pm, pos, &self);
    rb->cell_key = plan_of_day(m, dp, i, &self, msisdn_i, &day_id, &rb->plan);
    const cg_ev *v;
    size_t nv;
    if (person_day(m, dp, pos, rb, &v, &nv))
        return -1;
    rb->ev.n = 0;
    for (size_t k = 0; k < nv; k++) {
        cg_ev *e = ev_push(&rb->ev);
        if (!e)
            return -1;
        *e = v[k];
    }
    /* the person's own calls of the day before still running today */
    rb->prev.n = 0;
    int64_t early = dp->day.start_ms + (int64_t)(TALK_MAX_S + 30) * 1000;
    int need_prev = 0;
    for (size_t k = 0; k < rb->ev.n && rb->ev.v[k].start < early; k++)
        need_prev |= rb->ev.v[k].type == CG_REC_CALL && rb->ev.v[k].disp == CG_DISP_ANSWERED;
    if (need_prev && late_calls(m, dp, pos, rb, &rb->prev))
        return -1;
    if (resolve_busy(m, dp, rb) || voice_records(m, dp, i, &self, &day_id, msisdn_i, rb))
        return -1;
    double g = cg_people_day_factor(pm, pos, dp->day.day);
    cg_rng r = cg_rng_make(cfg->seed, ((uint64_t)(uint32_t)dp->day.day << 8) | CG_S_DAY, i, 0);
    double lam = dp->lam_data * cg_people_level(pm, &self, 2, dp->weekday, g);
    uint64_t nd = cg_rng_poisson(&r, lam);
    uint64_t ms = dp->ed.rate ? cg_ev_who(&m->ev, &dp->ed, &self) : 0;
    if (data_sessions(m, dp, i, &self, &r, nd, lam, ms, &day_id, msisdn_i, rb))
        return -1;
    if (m->post && m->post(m, dp, i, rb))
        return -1;
    sort_recs(rb, dp->day.start_ms);
    return 0;
}
