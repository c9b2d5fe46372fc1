/* The scenarios' records and labels (see fraudrec.h). */
#include "gen/fraudrec.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fraud.h"
#include "core/mem.h"
#include "core/rng.h"
#include "core/stop.h"
#include "io/afile.h"
#include "io/cdrfmt.h"
#include "io/layout.h"

/* Streams of the scenarios' draws (tags of cg_rng_make under CG_S_FRAUD). */
enum { T_BOX = 1, T_IRSF, T_SWAP, T_BUST, T_CLONE, T_WAN };

/* The identity of subscriber i at t (0: nobody holds the number). */
static int ident_at(const cg_model *m, const cg_dayparams *dp, uint64_t i, int64_t t,
                    cg_ident *id)
{
    if (m->ids.ctx)
        return m->ids.lookup(m->ids.ctx, i, t, id);
    id->msisdn = cg_ident_msisdn(&m->nb, i);
    id->mccmnc = cg_ident_mccmnc(&m->nb, i);
    id->imsi = cg_ident_imsi(&m->nb, i, id->mccmnc);
    id->imei = cg_ident_imei(&m->nb, i, dp->day_index);
    return 1;
}

/* Whether an answered call of `calls` overlaps [t0, t1). */
static int overlaps(const cg_evbuf *calls, int64_t t0, int64_t t1)
{
    for (size_t k = 0; k < calls->n; k++) {
        const cg_ev *y = &calls->v[k];
        if (y->start < t1 && y->start + (int64_t)y->dur * 1000 > t0)
            return 1;
    }
    return 0;
}

/* A record of type `type` of the owner `own` at t (MO or MT, the other
 * party peer, at cell) into rb; its type's fields are the caller's. */
static cg_rec *push_rec(cg_recbuf *rb, const cg_dayparams *dp, int type, const cg_ident *own,
                        int mo, uint64_t peer, int64_t t, uint32_t cell)
{
    cg_rec *r = cg_recbuf_push(rb);
    if (!r)
        return NULL;
    r->type = (uint8_t)type;
    r->start_ms = t;
    r->tz_off = cg_day_offset_at(&dp->day, t);
    r->dir = mo ? CG_DIR_MO : CG_DIR_MT;
    r->src = mo ? own->msisdn : peer;
    r->dst = mo ? peer : own->msisdn;
    r->imsi = own->imsi;
    r->imei = own->imei;
    r->mccmnc = own->mccmnc;
    r->cell = cell;
    return r;
}

static cg_rec *push_call(cg_recbuf *rb, const cg_dayparams *dp, const cg_ident *own, int mo,
                         uint64_t peer, int64_t t, uint32_t dur, int disp, uint32_t cell,
                         int onnet)
{
    cg_rec *r = push_rec(rb, dp, CG_REC_CALL, own, mo, peer, t, cell);
    if (!r)
        return NULL;
    r->dur_s = dur;
    r->disp = (uint8_t)disp;
    r->cause = disp == CG_DISP_ANSWERED ? CG_CAUSE_NORMAL : CG_CAUSE_NOANSWER;
    r->rectype = CG_RT_MSC;
    r->onnet = (uint8_t)onnet;
    return r;
}

static cg_rec *push_sms(cg_recbuf *rb, const cg_dayparams *dp, const cg_ident *own, int mo,
                        uint64_t peer, int64_t t, uint32_t cell)
{
    cg_rec *r = push_rec(rb, dp, CG_REC_SMS, own, mo, peer, t, cell);
    if (!r)
        return NULL;
    r->dur_s = 1 + (uint32_t)(cg_mix64((uint64_t)t ^ peer) % 4); /* 1-4 s, as the model's */
    r->cause = CG_CAUSE_DELIVERY_OK;
    r->sms_seg = 1;
    r->sms_status = CG_SMS_DELIVERED;
    r->rectype = mo ? CG_RT_SMO : CG_RT_SMT;
    return r;
}

static int in_day(const cg_dayparams *dp, int64_t t)
{
    return t >= dp->day.start_ms && t < dp->day.end_ms;
}

static double lognormal(cg_rng *r, double median, double sigma)
{
    return exp(log(median) + sigma * cg_rng_normal(r));
}

/* ---- SIM box ---------------------------------------------------------- */

/* A box SIM g's slot k on day d: whether it places a call, when, for how
 * long (as drawn: the callee may not answer). */
typedef struct box_call {
    int64_t t;
    uint32_t dur;
} box_call;

static int box_slot(const cg_model *m, const cg_dayparams *dp, uint64_t g, int k, box_call *c)
{
    cg_rng r = cg_rng_make(m->cfg->seed, ((uint64_t)(uint32_t)dp->day.day << 8) | CG_S_FRAUD,
                           g, (uint64_t)(T_BOX << 8 | k));
    if (!(cg_rng_u01(&r) < m->fr.fr.box_calls / CG_BOX_SLOTS))
        return 0;
    c->t = dp->day.start_ms + (int64_t)k * 900000 + (int64_t)floor(cg_rng_u01(&r) * 300000.0);
    double d = lognormal(&r, 100, 0.7);
    c->dur = (uint32_t)(d < 10 ? 10 : d > 600 ? 600 : d);
    return in_day(dp, c->t);
}

/* The day's permutation of the box SIMs' slots onto their callees. */
static void box_perm(const cg_model *m, const cg_dayparams *dp, cg_perm *p)
{
    cg_perm_init(p, m->fr.S, cg_key4(m->cfg->seed, CG_S_FRAUD, 0xb0c5,
                                     (uint64_t)(uint32_t)dp->day.day));
}

/* Whether subscriber j can take a box call on the day: a person whose
 * traffic is there (not a SIM box SIM, not churned or not yet active). */
static int box_callee_ok(const cg_model *m, const cg_dayparams *dp, uint64_t j)
{
    cg_fcase c;
    cg_fraud_case(&m->fr, j, &c);
    return c.sc == CG_FR_NONE || cg_fraud_presence(&m->fr, &c, dp->day.day) >= 1;
}

/* A box call is answered when the callee is in no call of its own then
 * (its answered calls as drawn): both sides decide alike. */
static int box_answered(const cg_model *m, const cg_dayparams *dp, uint64_t j, const box_call *c,
                        cg_recbuf *rb, int *ans)
{
    if (cg_synth_answered(m, dp, cg_people_pos(&m->people, j), rb, &rb->fx))
        return -1;
    *ans = !overlaps(&rb->fx, c->t, c->t + (int64_t)c->dur * 1000);
    return 0;
}

static uint32_t box_cell(const cg_model *m, uint64_t box)
{
    return (uint32_t)(1 + cg_key4(m->cfg->seed, CG_S_FRAUD, 0xce11b0c5, box) %
                              (uint64_t)m->cells->n);
}

static uint64_t box_imei(const cg_model *m, uint64_t box, uint64_t g, int32_t day)
{
    /* one handset type per box; a SIM moves between its modules every few days */
    uint32_t tac = cg_imei_tac(cg_key4(m->cfg->seed, CG_S_FRAUD, 0x7ac, box));
    uint64_t h = cg_key4(m->cfg->seed, CG_S_FRAUD, g, (uint64_t)(uint32_t)(day / 3));
    return cg_imei_make(tac, (uint32_t)(h % 1000000));
}

static uint32_t no_answer_s(const cg_model *m, uint64_t key)
{
    cg_rng q = {cg_mix64(key ^ 0x0a5)};
    return cg_synth_call_duration(m, CG_DISP_NO_ANSWER, &q);
}

/* The SIM g (subscriber i) of a box: its calls of the day. */
static int box_sim_day(const cg_model *m, const cg_dayparams *dp, uint64_t i, const cg_fcase *fc,
                       cg_recbuf *rb)
{
    cg_perm p;
    box_perm(m, dp, &p);
    uint32_t cell = box_cell(m, fc->group);
    for (int k = 0; k < CG_BOX_SLOTS; k++) {
        box_call c;
        if (!box_slot(m, dp, fc->member, k, &c))
            continue;
        uint64_t j = cg_perm_fwd(&p, fc->member * CG_BOX_SLOTS + (uint64_t)k);
        cg_ident own, peer;
        if (j == i || !box_callee_ok(m, dp, j) || !ident_at(m, dp, i, c.t, &own) ||
            !ident_at(m, dp, j, c.t, &peer))
            continue;
        own.imei = box_imei(m, fc->group, fc->member, dp->day.day);
        int ans;
        if (box_answered(m, dp, j, &c, rb, &ans))
            return -1;
        uint32_t dur = ans ? c.dur : no_answer_s(m, fc->member * CG_BOX_SLOTS + (uint64_t)k);
        if (!push_call(rb, dp, &own, 1, peer.msisdn, c.t, dur,
                       ans ? CG_DISP_ANSWERED : CG_DISP_NO_ANSWER, cell, 1))
            return -1;
    }
    return 0;
}

/* Subscriber i as the callee of a box SIM's slot today, if it is one. */
static int box_callee_day(const cg_model *m, const cg_dayparams *dp, uint64_t i, cg_recbuf *rb)
{
    cg_perm p;
    box_perm(m, dp, &p);
    uint64_t q = cg_perm_inv(&p, i);
    if (q >= m->fr.box_slots)
        return 0;
    uint64_t g = q / CG_BOX_SLOTS;
    box_call c;
    if (!box_slot(m, dp, g, (int)(q % CG_BOX_SLOTS), &c) || !box_callee_ok(m, dp, i))
        return 0;
    uint64_t b = cg_fraud_subscriber(&m->fr, CG_FR_SIM_BOX, g);
    cg_ident own, peer;
    if (b == i || !ident_at(m, dp, i, c.t, &own) || !ident_at(m, dp, b, c.t, &peer))
        return 0;
    int ans;
    if (box_answered(m, dp, i, &c, rb, &ans))
        return -1;
    uint32_t dur = ans ? c.dur : no_answer_s(m, q);
    int16_t off = cg_day_offset_at(&dp->day, c.t);
    return push_call(rb, dp, &own, 0, peer.msisdn, c.t, dur,
                     ans ? CG_DISP_ANSWERED : CG_DISP_NO_ANSWER, cg_synth_cell(rb, c.t, off, -1),
                     1)
               ? 0
               : -1;
}

/* ---- the off-net scenarios -------------------------------------------- */

/* The person's own answered calls (as drawn), for calls it adds. */
static int own_calls(const cg_model *m, const cg_dayparams *dp, uint64_t i, cg_recbuf *rb)
{
    return cg_synth_answered(m, dp, cg_people_pos(&m->people, i), rb, &rb->fx);
}

static uint32_t cell_at(cg_recbuf *rb, const cg_dayparams *dp, int64_t t)
{
    return cg_synth_cell(rb, t, cg_day_offset_at(&dp->day, t), -1);
}

/* Whether a Wangiri victim's callback falls on day dp and is made (not
 * while the victim is in a call of its own): *cb its start. */
static int callback_made(const cg_model *m, const cg_dayparams *dp, uint64_t i,
                         const cg_fcase *fc, cg_recbuf *rb, int64_t *cb, int *made)
{
    *made = 0;
    if (fc->b < 0)
        return 0;
    *cb = cg_fraud_ms(fc->d0, fc->b);
    if (!in_day(dp, *cb))
        return 0;
    if (own_calls(m, dp, i, rb))
        return -1;
    *made = !overlaps(&rb->fx, *cb, *cb + (int64_t)fc->c * 1000);
    return 0;
}

static int wangiri_day(const cg_model *m, const cg_dayparams *dp, uint64_t i, const cg_fcase *fc,
                       cg_recbuf *rb)
{
    const cg_fraud *fr = &m->fr.fr;
    uint64_t k = cg_key4(m->cfg->seed, CG_S_FRAUD, fc->member, 0x4ab) % (uint64_t)fr->wan_numbers;
    uint64_t num = cg_fraud_number(&m->fr, CG_FR_WANGIRI, fc->group,
                                   cg_key4(m->cfg->seed, CG_S_FRAUD, fc->group, k));
    int64_t ring = cg_fraud_ms(fc->d0, fc->sh);
    cg_ident own;
    if (in_day(dp, ring) && ident_at(m, dp, i, ring, &own) &&
        !push_call(rb, dp, &own, 0, num, ring, (uint32_t)fc->a, CG_DISP_NO_ANSWER,
                   cell_at(rb, dp, ring), 0))
        return -1;
    int64_t cb;
    int made;
    if (callback_made(m, dp, i, fc, rb, &cb, &made))
        return -1;
    if (!made || !ident_at(m, dp, i, cb, &own))
        return 0;
    return push_call(rb, dp, &own, 1, num, cb, (uint32_t)fc->c, CG_DISP_ANSWERED,
                     cell_at(rb, dp, cb), 0)
               ? 0
               : -1;
}

/* Calls to premium numbers of range `range` one after the other from t
 * until `until` (n of them at most), durations log-normal (median med_s,
 * at most max_s), skipping those that would overlap the person's own. */
static int premium_run(const cg_model *m, const cg_dayparams *dp, uint64_t i, cg_rng *r,
                       uint64_t range, int sc, int64_t t, int64_t until, uint64_t n, double med_s,
                       double max_s, double gap_s, cg_recbuf *rb)
{
    if (own_calls(m, dp, i, rb))
        return -1;
    for (uint64_t k = 0; k < n && t < until && in_day(dp, t); k++) {
        double d = lognormal(r, med_s, 0.5);
        uint32_t dur = (uint32_t)(d < 60 ? 60 : d > max_s ? max_s : d);
        uint64_t num = cg_fraud_number(&m->fr, sc, range, cg_rng_next(r));
        cg_ident own;
        if (!overlaps(&rb->fx, t, t + (int64_t)dur * 1000) && ident_at(m, dp, i, t, &own) &&
            !push_call(rb, dp, &own, 1, num, t, dur, CG_DISP_ANSWERED, cell_at(rb, dp, t), 0))
            return -1;
        t += (int64_t)dur * 1000 + (int64_t)(lognormal(r, gap_s, 0.8) * 1000);
    }
    return 0;
}

/* A day of premium calls of case fc on its days [first, fc->d1): n ~
 * Poisson(mean) calls from h0 + span x u hours, one after the other until
 * `until` (< 0: the end of the day), to the range, durations log-normal
 * (median med_s), gaps median gap_s. */
static int premium_day(const cg_model *m, const cg_dayparams *dp, uint64_t i, const cg_fcase *fc,
                       int32_t first, uint64_t tag, double mean, double h0, double span,
                       double until_h, uint64_t range, int sc, double med_s, double gap_s,
                       cg_recbuf *rb)
{
    int32_t d = dp->day.day;
    if (d < first || d >= fc->d1)
        return 0;
    cg_rng r = cg_rng_make(m->cfg->seed, ((uint64_t)(uint32_t)d << 8) | CG_S_FRAUD, i, tag);
    uint64_t n = cg_rng_poisson(&r, mean);
    int64_t t = cg_fraud_ms(d, h0 + span * cg_rng_u01(&r));
    int64_t until = until_h < 0 ? dp->day.end_ms : cg_fraud_ms(d, until_h);
    return premium_run(m, dp, i, &r, range, sc, t, until, n, med_s, 3600, gap_s, rb);
}

/* IRSF: bursts from 00:15-02:45 until 06:00, calls of 20 min. */
static int irsf_day(const cg_model *m, const cg_dayparams *dp, uint64_t i, const cg_fcase *fc,
                    cg_recbuf *rb)
{
    return premium_day(m, dp, i, fc, fc->d0, T_IRSF, m->fr.fr.irsf_calls, 0.25, 2.5, 6,
                       fc->group, CG_FR_IRSF, 1200, 45, rb);
}

/* Bust-out: from 07:00-09:00 to the end of the day, calls of 15 min. */
static int bust_day(const cg_model *m, const cg_dayparams *dp, uint64_t i, const cg_fcase *fc,
                    cg_recbuf *rb)
{
    return premium_day(m, dp, i, fc, fc->d2, T_BUST, m->fr.fr.bust_calls, 7, 2, -1,
                       (uint64_t)fc->a, CG_FR_BUST_OUT, 900, 120, rb);
}

/* The clone: a second phone with the same SIM, far away (the farthest of
 * 16 sites drawn for it from the person's home), calling off-net. */
static int clone_day(const cg_model *m, const cg_dayparams *dp, uint64_t i, const cg_fcase *fc,
                     cg_recbuf *rb)
{
    int32_t d = dp->day.day;
    if (d < fc->d0 || d >= fc->d1)
        return 0;
    const cg_cells *cs = m->cells;
    cg_person p;
    cg_people_person(&m->people, cg_people_pos(&m->people, i), &p);
    cg_anchor an;
    cg_people_anchor(&m->people, &p, &an);
    int best = 0;
    double bd = -1;
    for (int k = 0; k < 16; k++) {
        int s = (int)(cg_key4(m->cfg->seed, CG_S_FRAUD, fc->member, 0xc10e00 + (uint64_t)k) %
                      (uint64_t)cs->nsites);
        double dd = hypot(cs->sx[s] - an.hx, cs->sy[s] - an.hy);
        if (dd > bd) {
            bd = dd;
            best = s;
        }
    }
    uint32_t cell = cg_cells_serving(cs, cs->sx[best], cs->sy[best], -1, NULL);
    uint64_t h = cg_key4(m->cfg->seed, CG_S_FRAUD, fc->member, 0x1e1);
    uint64_t imei = cg_imei_make(cg_imei_tac(h), (uint32_t)(h >> 32) % 1000000);
    cg_rng r = cg_rng_make(m->cfg->seed, ((uint64_t)(uint32_t)d << 8) | CG_S_FRAUD, i, T_CLONE);
    uint64_t n = cg_rng_poisson(&r, m->fr.fr.clone_calls);
    for (uint64_t k = 0; k < n; k++) {
        int64_t t = cg_fraud_ms(d, 8 + 15 * cg_rng_u01(&r));
        uint32_t dur = cg_synth_call_duration(m, CG_DISP_ANSWERED, &r);
        uint64_t num = cg_ident_offnet(&m->nb, &r);
        cg_ident own;
        if (!in_day(dp, t) || !ident_at(m, dp, i, t, &own))
            continue;
        own.imei = imei;
        if (!push_call(rb, dp, &own, 1, num, t, dur, CG_DISP_ANSWERED, cell, 0))
            return -1;
    }
    /* and its data sessions, twice as many */
    uint64_t nd = cg_rng_poisson(&r, 2 * m->fr.fr.clone_calls);
    for (uint64_t k = 0; k < nd; k++) {
        int64_t t = cg_fraud_ms(d, 8 + 15 * cg_rng_u01(&r));
        uint32_t dur = (uint32_t)(30 + 570 * cg_rng_u01(&r));
        uint64_t down = (uint64_t)(lognormal(&r, 2e6, 1.0)) + 2000;
        cg_ident own;
        if (!in_day(dp, t) || !ident_at(m, dp, i, t, &own))
            continue;
        cg_rec *x = push_rec(rb, dp, CG_REC_DATA, &own, 1, 0, t, cell);
        if (!x)
            return -1;
        x->dur_s = dur;
        x->imei = imei;
        x->cause = CG_CAUSE_NORMAL;
        x->rectype = CG_RT_PGW;
        x->down = down;
        x->up = down / 5 + 1000;
        x->apn = CG_APN_INTERNET;
        x->rat = m->cells->rat[cell - 1];
    }
    return 0;
}

/* ---- SIM swap --------------------------------------------------------- */

/* The SIM a victim's number is on: 0 its own, 1 the fraudster's (from the
 * swap), 2 the replacement it gets after the takeover. */
static uint64_t swap_imsi(const cg_model *m, const cg_fcase *fc, uint64_t own_imsi, uint32_t mcc,
                          int which)
{
    if (!which)
        return own_imsi;
    return cg_ident_imsi(&m->nb, m->fr.S + 2 * fc->member + (uint64_t)(which - 1), mcc);
}

static int swap_day(const cg_model *m, const cg_dayparams *dp, uint64_t i, const cg_fcase *fc,
                    cg_recbuf *rb)
{
    int32_t d = dp->day.day;
    int64_t t0 = fc->t0, t1 = fc->t1;
    if (dp->day.end_ms <= t0 || (fc->db && dp->day.start_ms >= t1))
        return 0;
    const cg_cells *cs = m->cells;
    int s = (int)(cg_key4(m->cfg->seed, CG_S_FRAUD, fc->member, 0x5a9) % (uint64_t)cs->nsites);
    uint64_t h = cg_key4(m->cfg->seed, CG_S_FRAUD, fc->member, 0x5a9e1);
    uint64_t imei = cg_imei_make(cg_imei_tac(h), (uint32_t)(h >> 32) % 1000000);
    cg_rng r = cg_rng_make(m->cfg->seed, ((uint64_t)(uint32_t)d << 8) | CG_S_FRAUD, i, T_SWAP);
    size_t n0 = rb->n;
    cg_ident own;
    if (ident_at(m, dp, i, t0 > dp->day.start_ms ? t0 : dp->day.start_ms, &own)) {
        if (in_day(dp, t0)) {
            /* one-time codes: a burst of SMS from the bank's sender numbers */
            int64_t t = t0 + (int64_t)((5 + 25 * cg_rng_u01(&r)) * 60000);
            int ns = 3 + (int)(cg_rng_u01(&r) * 6);
            for (int k = 0; k < ns && in_day(dp, t); k++) {
                uint64_t bank = 7000000000ULL + cg_key4(m->cfg->seed, CG_S_FRAUD, 0xba4c,
                                                        (uint64_t)(k % 2)) % 1000000000ULL;
                if (!push_sms(rb, dp, &own, 0, bank, t, 0))
                    return -1;
                t += (int64_t)((20 + 160 * cg_rng_u01(&r)) * 1000);
            }
        }
        /* the fraudster's own contacts, never called before */
        int64_t a = t0 > dp->day.start_ms ? t0 : dp->day.start_ms;
        int64_t b = t1 < dp->day.end_ms ? t1 : dp->day.end_ms;
        if (b > a) {
            uint64_t nc = cg_rng_poisson(&r, 8.0 * (double)(b - a) / 86400000.0);
            for (uint64_t k = 0; k < nc; k++) {
                int64_t t = a + (int64_t)(cg_rng_u01(&r) * (double)(b - a));
                uint64_t num = cg_ident_offnet(&m->nb, &r);
                int call = cg_rng_u01(&r) < 0.6;
                uint32_t dur = cg_synth_call_duration(m, CG_DISP_ANSWERED, &r);
                cg_rec *x = call ? push_call(rb, dp, &own, 1, num, t, dur, CG_DISP_ANSWERED, 0, 0)
                                 : push_sms(rb, dp, &own, 1, num, t, 0);
                if (!x)
                    return -1;
            }
        }
    }
    /* every record from the swap on: the new SIM; in the takeover, the
     * fraudster's handset and place */
    for (size_t k = 0; k < rb->n; k++) {
        cg_rec *x = &rb->rec[k];
        if (x->start_ms < t0)
            continue;
        int which = x->start_ms < t1 ? 1 : 2;
        if (!fc->db) /* a database's records have its IMSIs already */
            x->imsi = swap_imsi(m, fc, x->imsi, x->mccmnc, which);
        if (which == 1) {
            x->imei = imei;
            /* one cell there, whatever the service: its RAT for data */
            x->cell = cg_cells_serving(cs, cs->sx[s], cs->sy[s], -1, NULL);
            if (x->type == CG_REC_DATA && x->cell)
                x->rat = cs->rat[x->cell - 1];
        } else if (k >= n0) {
            x->cell = cell_at(rb, dp, x->start_ms);
        }
    }
    return 0;
}

int cg_fraudrec_post(const cg_model *m, const cg_dayparams *dp, uint64_t i, cg_recbuf *rb)
{
    if (!m->fr.on)
        return 0;
    if (m->fr.box_slots && box_callee_day(m, dp, i, rb))
        return -1;
    cg_fcase fc;
    cg_fraud_case(&m->fr, i, &fc);
    switch (fc.sc) {
    case CG_FR_SIM_BOX: return box_sim_day(m, dp, i, &fc, rb);
    case CG_FR_WANGIRI: return wangiri_day(m, dp, i, &fc, rb);
    case CG_FR_IRSF: return irsf_day(m, dp, i, &fc, rb);
    case CG_FR_SIM_SWAP: return swap_day(m, dp, i, &fc, rb);
    case CG_FR_BUST_OUT: return bust_day(m, dp, i, &fc, rb);
    case CG_FR_CLONED_SIM: return clone_day(m, dp, i, &fc, rb);
    default: return 0;
    }
}

/* ---- labels ----------------------------------------------------------- */

typedef struct lab_case {
    uint64_t i, member;
    int sc;
} lab_case;

static int cmp_case(const void *a, const void *b)
{
    const lab_case *x = a, *y = b;
    if (x->i != y->i)
        return x->i < y->i ? -1 : 1;
    return (x->sc > y->sc) - (x->sc < y->sc);
}

static const char *role_of(const cg_fcase *c)
{
    switch (c->sc) {
    case CG_FR_SIM_BOX: return "sim";
    case CG_FR_WANGIRI: return c->b >= 0 ? "callback" : "victim";
    case CG_FR_IRSF: return "compromised";
    case CG_FR_SIM_SWAP: return "victim";
    case CG_FR_BUST_OUT: return "fraudster";
    case CG_FR_CLONED_SIM: return "cloned";
    default: return "churner";
    }
}

static int lab_row(cg_text *t, uint64_t msisdn, uint64_t imsi, const char *sc, const char *role,
                   uint64_t group, int64_t a, int64_t b, cg_err *err)
{
    char ms[32], im[32];
    ms[cg_fmt_dnum(ms, msisdn, 1)] = 0;
    im[imsi ? cg_fmt_dnum(im, imsi, 1) : 0] = 0;
    if (cg_text_add(t, "%s,%s,%s,%s,%llu,%lld,%lld\n", ms, im, sc, role,
                    (unsigned long long)group, (long long)a, (long long)b))
        return cg_err_set(err, CG_ERUNTIME, "out of memory writing the fraud and churn labels");
    return CG_OK;
}

/* A Wangiri victim's callback as the run makes it: none when it falls
 * outside the run or while the victim is in a call (the day is built to
 * tell, as the generator does). */
static int callback_label(const cg_model *m, uint64_t i, cg_fcase *c, cg_err *err)
{
    if (c->b < 0)
        return CG_OK;
    int64_t t = cg_fraud_ms(c->d0, c->b);
    int made = 0;
    for (int k = 0; k <= 2; k++) {
        int di = c->d0 + k - m->fr.start_day;
        if (di < 0 || di >= m->fr.days)
            continue;
        cg_dayparams dp;
        CG_TRY(cg_dayparams_init(&dp, m, di, err));
        int here = in_day(&dp, t), rc = 0;
        if (here) {
            cg_recbuf rb;
            memset(&rb, 0, sizeof rb);
            int64_t cb;
            rc = callback_made(m, &dp, i, c, &rb, &cb, &made);
            cg_recbuf_free(&rb);
        }
        cg_dayparams_free(&dp);
        if (rc)
            return cg_err_set(err, CG_ERUNTIME, "out of memory labelling the Wangiri callbacks");
        if (here)
            break;
    }
    if (!made) { /* after the run, or the victim was in a call */
        c->b = -1;
        c->eh = c->sh + c->a / 3600.0;
    }
    return CG_OK;
}

/* The case's rows: its subscriber's identity when it starts (or when the
 * run starts, for a churner whose fade began before). */
static int case_rows(const cg_model *m, const lab_case *lc, cg_text *t, cg_err *err)
{
    cg_fcase c;
    cg_fraud_member(&m->fr, lc->sc, lc->member, &c);
    if (c.sc == CG_FR_WANGIRI)
        CG_TRY(callback_label(m, lc->i, &c, err));
    int64_t a = c.t0, b = c.t1;
    int64_t run0 = cg_fraud_ms(m->fr.start_day, 0);
    cg_ident id;
    memset(&id, 0, sizeof id);
    int64_t at = a > run0 ? a : run0;
    if (m->ids.ctx) {
        if (!m->ids.lookup(m->ids.ctx, lc->i, at, &id)) {
            memset(&id, 0, sizeof id);
            id.msisdn = m->ids.msisdn(m->ids.ctx, lc->i);
        }
    } else {
        id.msisdn = cg_ident_msisdn(&m->nb, lc->i);
        id.mccmnc = cg_ident_mccmnc(&m->nb, lc->i);
        id.imsi = cg_ident_imsi(&m->nb, lc->i, id.mccmnc);
    }
    const char *sc = cg_fr_names[c.sc];
    if (c.sc == CG_FR_SIM_SWAP && c.db) { /* the victim's SIM before, the database's after */
        cg_ident before, after;
        if (m->ids.lookup(m->ids.ctx, lc->i, a - 1, &before))
            id.imsi = before.imsi;
        CG_TRY(lab_row(t, id.msisdn, id.imsi, sc, role_of(&c), c.group, a, b, err));
        if (m->ids.lookup(m->ids.ctx, lc->i, a, &after))
            CG_TRY(lab_row(t, id.msisdn, after.imsi, sc, "takeover_sim", c.group, a, b, err));
        return CG_OK;
    }
    CG_TRY(lab_row(t, id.msisdn, id.imsi, sc, role_of(&c), c.group, a, b, err));
    if (c.sc == CG_FR_SIM_SWAP && id.imsi)
        CG_TRY(lab_row(t, id.msisdn, swap_imsi(m, &c, id.imsi, id.mccmnc, 1), sc, "takeover_sim",
                       c.group, a, b, err));
    return CG_OK;
}

/* With a database: a churner per release in the run, its fade before. */
static int db_churn_rows(const cg_model *m, uint64_t lo, uint64_t hi, cg_text *t, cg_err *err)
{
    int64_t run0 = cg_fraud_ms(m->fr.start_day, 0);
    int64_t run1 = cg_fraud_ms(m->fr.start_day + m->fr.days, 0);
    int64_t fade = (int64_t)m->fr.fr.churn_fade_days * 86400000;
    for (uint64_t i = lo; i < hi; i++) {
        int64_t at = run0, T;
        while ((T = m->ids.release(m->ids.ctx, i, at)) >= 0 && T < run1) {
            cg_ident id;
            memset(&id, 0, sizeof id);
            if (!m->ids.lookup(m->ids.ctx, i, T - 1, &id))
                id.msisdn = m->ids.msisdn(m->ids.ctx, i);
            CG_TRY(lab_row(t, id.msisdn, id.imsi, "churn", "churner", i, T - fade, T, err));
            at = T + 1;
        }
        if ((i & 4095) == 0 && cg_stop_requested())
            return cg_err_set(err, CG_ERUNTIME, "interrupted");
    }
    return CG_OK;
}

static int write_file(const char *path, const cg_text *t, cg_err *err)
{
    cg_afile f;
    CG_TRY(cg_afile_open(&f, path, err));
    int rc = cg_afile_write(&f, CG_CASE_LABEL_HEADER, strlen(CG_CASE_LABEL_HEADER), err);
    if (!rc && t->n)
        rc = cg_afile_write(&f, t->p, t->n, err);
    if (!rc)
        rc = cg_afile_commit(&f, 0, err);
    cg_afile_abort(&f);
    return rc;
}

int cg_fraud_labels_write(const cg_model *m, uint64_t lo, uint64_t hi, const char *out,
                          int shard, cg_err *err)
{
    const cg_fmodel *f = &m->fr;
    cg_path path;
    if (!f->on) {
        for (int kind = 0; shard < 0 && kind < 2; kind++) {
            cg_lay_case_labels(&path, out, kind, -1);
            CG_TRY(cg_path_ok(&path, err));
            if (unlink(path.s) && errno != ENOENT)
                return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot remove", path.s);
        }
        return CG_OK;
    }
    cg_lay_labels_dir(&path, out);
    CG_TRY(cg_path_ok(&path, err));
    CG_TRY(cg_mkdir_p(path.s, err));
    /* the shard's cases, by subscriber */
    size_t n = 0;
    for (int sc = 0; sc < CG_FR_N; sc++)
        for (uint64_t k = 0; k < f->count[sc]; k++) {
            uint64_t i = cg_fraud_subscriber(f, sc, k);
            n += i >= lo && i < hi;
        }
    lab_case *v = n ? malloc(n * sizeof *v) : NULL;
    if (n && !v)
        return cg_err_set(err, CG_ERUNTIME, "out of memory listing %zu fraud and churn cases", n);
    size_t w = 0;
    for (int sc = 0; sc < CG_FR_N; sc++)
        for (uint64_t k = 0; k < f->count[sc]; k++) {
            uint64_t i = cg_fraud_subscriber(f, sc, k);
            if (i >= lo && i < hi)
                v[w++] = (lab_case){i, k, sc};
        }
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_case);
    cg_text t[2] = {{0}, {0}};
    int rc = CG_OK;
    if (shard <= 0) /* the campaigns' numbers: no subscriber's, listed once, first */
        for (int c = 0; !rc && c < f->fr.wan_campaigns; c++) {
            cg_fcase fc;
            cg_fraud_member(f, CG_FR_WANGIRI, (uint64_t)c * f->group[CG_FR_WANGIRI], &fc);
            for (int k = 0; !rc && k < f->fr.wan_numbers; k++) {
                uint64_t num = cg_fraud_number(f, CG_FR_WANGIRI, (uint64_t)c,
                                               cg_key4(m->cfg->seed, CG_S_FRAUD, (uint64_t)c,
                                                       (uint64_t)k));
                rc = lab_row(&t[0], num, 0, "wangiri", "number", (uint64_t)c,
                             cg_fraud_ms(fc.d2, 0), cg_fraud_ms(fc.d2 + f->fr.wan_days, 0), err);
            }
        }
    for (size_t k = 0; !rc && k < n; k++)
        rc = case_rows(m, &v[k], &t[v[k].sc == CG_FR_CHURN], err);
    free(v);
    if (f->db_churn && m->ids.release) /* the database's releases in the run */
        rc = db_churn_rows(m, lo, hi, &t[1], err);
    for (int kind = 0; !rc && kind < 2; kind++) {
        cg_lay_case_labels(&path, out, kind, shard);
        rc = cg_path_ok(&path, err);
        if (!rc)
            rc = write_file(path.s, &t[kind], err);
    }
    free(t[0].p);
    free(t[1].p);
    return rc;
}
