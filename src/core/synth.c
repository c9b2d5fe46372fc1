/* CDR synthesis for one subscriber-day (see synth.h).
 *
 * Traffic model. A subscriber takes part in Poisson(lambda) calls a day on
 * average (lambda = avg_calls_per_user x day factor): a share
 * interconnect_share of them with off-net numbers (one record each), the
 * rest with contacts. On-net traffic lives on the edges of the contact graph:
 * edge {i, j} of layer k carries Poisson(lambda_on (w_i + w_j) / 2) events,
 * w being each side's Zipf weight of the other (0 when not in its list), and
 * every event gives two records, so each side's expected participation is
 * lambda. Both sides draw the edge's events from the same stream keyed by
 * (seed, day, edge), so each can write its own record without the other. */
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
    double avg = cfg->avg_contacts > 10000 ? 10000 : cfg->avg_contacts;
    if (cg_graph_init(&m->graph, subs, avg, cfg->seed) != 0)
        return cg_err_set(err, CG_ERUNTIME, "out of memory building the contact graph");
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
    return CG_OK;
}

void cg_model_free(cg_model *m)
{
    cg_graph_free(&m->graph);
}

int cg_dayparams_init(cg_dayparams *dp, const cg_model *m, int day_index, cg_err *err)
{
    const cg_config *cfg = m->cfg;
    memset(dp, 0, sizeof *dp);
    int rc = cg_day_build(&dp->day, cfg->start_day + day_index, cfg->diurnal_weekday,
                          cfg->diurnal_weekend, err);
    if (rc)
        return rc;
    dp->day_index = day_index;
    /* A day that skips or repeats an hour loses or gains that hour's
     * weight; a missing date or one whose weight is all in a skipped hour
     * gets nothing (MODEL.md, "Days that are not 24 hours"). */
    dp->factor = cg_day_factor(cfg, cfg->start_day + day_index) * dp->day.weight_ratio;
    dp->lam_call = cfg->avg_calls * dp->factor;
    dp->lam_sms = cfg->avg_sms * dp->factor;
    dp->lam_data = cfg->avg_data * dp->factor;
    dp->lam_edge = (dp->lam_call + dp->lam_sms) * (1.0 - cfg->interconnect_share) * 0.5;
    dp->edge_key = cg_key4(cfg->seed, ((uint64_t)(uint32_t)dp->day.day << 8) | CG_S_EDGE, 0, 0);
    double cs = cfg->avg_calls + cfg->avg_sms;
    dp->call_share = cs > 0 ? cfg->avg_calls / cs : 0.0;
    return CG_OK;
}

void cg_recbuf_free(cg_recbuf *rb)
{
    free(rb->rec);
    free(rb->key);
    rb->rec = NULL;
    rb->key = NULL;
    rb->n = rb->cap = 0;
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

/* The part of an event both of its records share. */
typedef struct shared_ev {
    int64_t start;
    int16_t off;
    uint8_t disp, cause, seg, status;
    uint32_t dur;
} shared_ev;

static void draw_call(const cg_model *m, const cg_dayparams *dp, cg_rng *r, shared_ev *e)
{
    e->start = cg_day_sample(&dp->day, cg_rng_u01(r), &e->off);
    e->disp = (uint8_t)cg_rng_pick(r, m->disp_cum, CG_DISP_COUNT);
    e->dur = cg_synth_call_duration(m, e->disp, r);
    e->cause = DISP_CAUSE[e->disp];
}

static void draw_sms(const cg_model *m, const cg_dayparams *dp, cg_rng *r, shared_ev *e)
{
    e->start = cg_day_sample(&dp->day, cg_rng_u01(r), &e->off);
    e->dur = (uint32_t)cg_rng_range(r, 1, 5);
    e->seg = (uint8_t)(1 + cg_rng_pick(r, m->seg_cum, 3));
    e->status = (uint8_t)cg_rng_pick(r, m->status_cum, 3);
    e->cause = e->status == CG_SMS_FAILED ? CG_CAUSE_DELIVERY_FAIL : CG_CAUSE_DELIVERY_OK;
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

/* Appends the record of one side of a call or SMS: `mo` when the owner
 * originated it. NULL when out of memory. */
static cg_rec *push_voice(cg_recbuf *rb, const shared_ev *ev, int is_call, int mo, uint64_t src,
                          uint64_t dst, uint32_t cell, const cg_ident *own)
{
    cg_rec *x = rec_push(rb);
    if (!x)
        return NULL;
    memset(x, 0, sizeof *x);
    x->start_ms = ev->start;
    x->tz_off = ev->off;
    x->dur_s = ev->dur;
    x->cause = ev->cause;
    x->dir = mo ? CG_DIR_MO : CG_DIR_MT;
    x->src = src;
    x->dst = dst;
    x->cell = cell;
    fill_owner(x, own);
    if (is_call) {
        x->type = CG_REC_CALL;
        x->disp = ev->disp;
        x->rectype = CG_RT_MSC;
    } else {
        x->type = CG_REC_SMS;
        x->sms_seg = ev->seg;
        x->sms_status = ev->status;
        x->rectype = mo ? CG_RT_SMO : CG_RT_SMT;
    }
    return x;
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

/* Adds the on-net events of edge {i, j} (layer k) to i's records. */
static int edge_events(const cg_model *m, const cg_dayparams *dp, uint64_t i, uint64_t pi,
                       uint64_t pj, int k, double w_i, double w_j, const cg_ident *id_i,
                       uint64_t msisdn_i, cg_recbuf *rb)
{
    const cg_config *cfg = m->cfg;
    /* Sides are told apart by permuted position, known to both without
     * inverting the permutation. */
    int i_is_lo = pi < pj;
    uint64_t lo = i_is_lo ? pi : pj, hi = i_is_lo ? pj : pi;
    double w_lo = i_is_lo ? w_i : w_j, w_hi = i_is_lo ? w_j : w_i;
    double w = w_lo + w_hi;
    /* One Poisson draw for calls and SMS together, each event then a call
     * with probability lam_call / (lam_call + lam_sms): the same law as two
     * independent draws, at half the cost on the hottest loop. */
    double rate = dp->lam_edge * w;
    /* Two mixing rounds instead of cg_rng_make's four: this key is made for
     * every edge of every subscriber-day, most of which carry no event. */
    cg_rng r = {cg_mix64(cg_mix64(dp->edge_key ^ lo) ^ ((hi << 20) | (uint64_t)k))};
    uint64_t nev = cg_rng_poisson(&r, rate);
    if (nev == 0)
        return 0; /* most edges, most days: nothing more to compute */
    /* The low side originates an event of its own with probability mo, an
     * event of the other side's with probability 1 - mo. */
    double p_lo_c = (w_lo * cfg->mo_share_call + w_hi * (1.0 - cfg->mo_share_call)) / w;
    double p_lo_s = (w_lo * cfg->mo_share_sms + w_hi * (1.0 - cfg->mo_share_sms)) / w;
    uint64_t j = cg_graph_perm_inv(&m->graph, pj);
    uint64_t msisdn_j = 0;
    for (uint64_t e = 0; e < nev; e++) {
        int is_call = cg_rng_u01(&r) < dp->call_share;
        shared_ev ev;
        if (is_call)
            draw_call(m, dp, &r, &ev);
        else
            draw_sms(m, dp, &r, &ev);
        int lo_orig = cg_rng_u01(&r) < (is_call ? p_lo_c : p_lo_s);
        cg_ident own, peer;
        if (!owner_at(m, i, ev.start, id_i, &own))
            continue;
        if (m->ids.ctx) {
            /* Both records exist only while both numbers are held. */
            if (!m->ids.lookup(m->ids.ctx, j, ev.start, &peer))
                continue;
            msisdn_j = peer.msisdn;
        } else if (!msisdn_j) {
            msisdn_j = cg_ident_msisdn(&m->nb, j);
        }
        int i_orig = i_is_lo ? lo_orig : !lo_orig;
        /* i's own record, at i's own position (the peer's record is the
         * peer's, made when its own subscriber-day is generated) */
        int any = -1;
        uint32_t cell = cg_plan_cell(&rb->plan, cg_local_hour(ev.start, ev.off), &any,
                                     cg_rng_u01(&r));
        if (!push_voice(rb, &ev, is_call, i_orig, i_orig ? msisdn_i : msisdn_j,
                        i_orig ? msisdn_j : msisdn_i, cell, &own))
            return -1;
    }
    return 0;
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

/* On-net: every layer in which i has a partner that lists i, or that i
 * lists. Sets *has_contacts when i lists anyone. 0 or -1 (rec_push). */
static int onnet_events(const cg_model *m, const cg_dayparams *dp, uint64_t i,
                        const cg_ident *day_id, uint64_t msisdn_i, cg_recbuf *rb,
                        int *has_contacts)
{
    const cg_graph *g = &m->graph;
    *has_contacts = 0;
    if (g->K <= 0)
        return 0;
    uint64_t pi = cg_graph_perm(g, i);
    int n_i = cg_graph_ncontacts(g, pi);
    for (int k = 0; k < g->K; k++) {
        uint64_t pj = cg_graph_partner_pos(g, pi, k);
        if (pj == UINT64_MAX)
            continue;
        int n_j = cg_graph_ncontacts(g, pj);
        if (k >= n_i && k >= n_j)
            continue;
        if (k < n_i)
            *has_contacts = 1;
        if (edge_events(m, dp, i, pi, pj, k, cg_graph_weight(g, n_i, k),
                        cg_graph_weight(g, n_j, k), day_id, msisdn_i, rb))
            return -1;
    }
    return 0;
}

/* nc off-net calls then ns off-net SMS from i's own stream r. */
static int offnet_events(const cg_model *m, const cg_dayparams *dp, uint64_t i, cg_rng *r,
                         uint64_t nc, uint64_t ns, const cg_ident *day_id, uint64_t msisdn_i,
                         cg_recbuf *rb)
{
    const cg_config *cfg = m->cfg;
    for (uint64_t e = 0; e < nc + ns; e++) {
        int is_call = e < nc;
        shared_ev ev;
        if (is_call)
            draw_call(m, dp, r, &ev);
        else
            draw_sms(m, dp, r, &ev);
        int mo = cg_rng_u01(r) < (is_call ? cfg->mo_share_call : cfg->mo_share_sms);
        uint64_t peer = cg_ident_offnet(&m->nb, r);
        /* A database may number its subscribers its own way: redraw until
         * the peer is not one of them. */
        for (int t = 0; m->ids.ctx && t < 32 && m->ids.find(m->ids.ctx, peer) != UINT64_MAX; t++)
            peer = cg_ident_offnet(&m->nb, r);
        int any = -1;
        uint32_t cell = cg_plan_cell(&rb->plan, cg_local_hour(ev.start, ev.off), &any,
                                     cg_rng_u01(r));
        cg_ident own;
        if (!owner_at(m, i, ev.start, day_id, &own))
            continue;
        if (m->ids.ctx && m->ids.find(m->ids.ctx, peer) != UINT64_MAX)
            continue; /* a database number is not off-net */
        if (!push_voice(rb, &ev, is_call, mo, mo ? msisdn_i : peer, mo ? peer : msisdn_i, cell,
                        &own))
            return -1;
    }
    return 0;
}

/* nd data sessions from i's own stream r. */
static int data_sessions(const cg_model *m, const cg_dayparams *dp, uint64_t i, cg_rng *r,
                         uint64_t nd, const cg_ident *day_id, uint64_t msisdn_i, cg_recbuf *rb)
{
    for (uint64_t e = 0; e < nd; e++) {
        int16_t off_min;
        int64_t start = cg_day_sample(&dp->day, cg_rng_u01(r), &off_min);
        /* the RAT among those serving the position, and its cell there */
        int rat = -2;
        uint32_t cell = cg_plan_cell(&rb->plan, cg_local_hour(start, off_min), &rat,
                                     cg_rng_u01(r));
        const struct rat_params *rp = &RAT[rat];
        double down = floor(fabs(rp->down_mean + rp->down_sd * cg_rng_normal(r)) + 0.5);
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
            continue;
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
    }
    return 0;
}

int cg_synth_subscriber(const cg_model *m, const cg_dayparams *dp, uint64_t i, cg_recbuf *rb)
{
    const cg_config *cfg = m->cfg;
    rb->n = 0;
    rb->over_cap = 0;
    cg_ident day_id;
    uint64_t msisdn_i;
    if (!day_identity(m, dp, i, &msisdn_i, &day_id))
        return 0;
    cg_plan_day(&rb->plan, cfg, m->cells, person_of_day(m, dp, i, msisdn_i, &day_id),
                dp->day.day, dp->day.weekend);
    int has_contacts;
    if (onnet_events(m, dp, i, &day_id, msisdn_i, rb, &has_contacts))
        return -1;
    /* Off-net calls and SMS, and data sessions: i's own stream. Without
     * contacts all of a subscriber's calls and SMS go off-net. */
    double off = has_contacts ? cfg->interconnect_share : 1.0;
    cg_rng r = cg_rng_make(cfg->seed, ((uint64_t)(uint32_t)dp->day.day << 8) | CG_S_DAY, i, 0);
    uint64_t nc = cg_rng_poisson(&r, dp->lam_call * off);
    uint64_t ns = cg_rng_poisson(&r, dp->lam_sms * off);
    uint64_t nd = cg_rng_poisson(&r, dp->lam_data);
    if (offnet_events(m, dp, i, &r, nc, ns, &day_id, msisdn_i, rb) ||
        data_sessions(m, dp, i, &r, nd, &day_id, msisdn_i, rb))
        return -1;
    sort_recs(rb, dp->day.start_ms);
    return 0;
}
