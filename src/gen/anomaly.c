/* Data-quality anomalies (see anomaly.h; MODEL.md "Anomalies"). */
#include "gen/anomaly.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/rng.h"
#include "io/json.h"

#define cg_anom_names cg_anom_kind_names
_Static_assert(CG_AN_KINDS == CG_STATS_ANOM, "the kinds of io/json.h");

static const char *const TYPE_NAMES[3] = {"CALL", "SMS", "DATA"};

void cg_anom_scratch_free(cg_anom_scratch *s)
{
    free(s->order);
    free(s->late);
    free(s->late_rank);
    free(s->late_kind);
    memset(s, 0, sizeof *s);
}


static double u01k(uint64_t h)
{
    return (double)(h >> 11) * 0x1.0p-53;
}

/* Whether subscriber i's day can file records late (a share q of the
 * subscriber-days, so that the next day recomputes only those). */
static int eligible(const cg_model *m, uint64_t i, int32_t day, double q)
{
    return q > 0 &&
           u01k(cg_key4(m->cfg->seed, CG_S_ANOM, i, (uint64_t)(uint32_t)day | (0xe11ULL << 40))) < q;
}

/* The anomaly of the rank-th clean record x of subscriber i on day dp, -1
 * none; *u2 a second uniform for its details. */
static int pick(const cg_model *m, const cg_dayparams *dp, uint64_t i, size_t rank,
                const cg_rec *x, int elig, double q, double *u2)
{
    const cg_anomalies *a = &m->cfg->anom;
    uint64_t h = cg_key4(m->cfg->seed, ((uint64_t)(uint32_t)dp->day.day << 8) | CG_S_ANOM, i,
                         (uint64_t)rank);
    double u = u01k(h);
    *u2 = u01k(cg_mix64(h ^ 0x5eedULL));
    double p[CG_AN_KINDS] = {0};
    if (elig) {
        p[CG_AN_LATE] = a->late / q;
        if (x->start_ms + (int64_t)x->dur_s * 1000 > dp->day.end_ms)
            p[CG_AN_WRONG_DAY] = a->wrong_day / q;
    }
    p[CG_AN_DUPLICATE] = a->duplicate;
    p[CG_AN_SHIFTED] = a->shifted_duplicate;
    p[CG_AN_MISSING] = a->missing;
    p[CG_AN_ORPHAN] = x->onnet && x->dir == CG_DIR_MT ? a->orphan : 0;
    p[CG_AN_FUTURE] = a->future_timestamp;
    p[CG_AN_END_BEFORE] = a->end_before_start;
    p[CG_AN_IMSI] = a->corrupt_imsi;
    p[CG_AN_CELL] = a->unknown_cell;
    p[CG_AN_DURATION] = a->extreme_duration;
    double acc = 0;
    for (int k = 0; k < CG_AN_KINDS; k++) {
        acc += p[k];
        if (u < acc)
            return k;
    }
    return -1;
}

static uint64_t owner_of(const cg_rec *x)
{
    return x->type == CG_REC_DATA || x->dir == CG_DIR_MO ? x->src : x->dst;
}

static int label(cg_text *lab, const char *file_date, const char *rec_date, const cg_rec *x,
                 size_t rank, int kind, const char *field, const char *old, const char *now)
{
    return cg_text_add(lab, "%s,%s,%llu,%zu,%s,%lld,%s,%s,%s,%s\n", file_date, rec_date,
                    (unsigned long long)owner_of(x), rank, TYPE_NAMES[x->type],
                    (long long)x->start_ms, cg_anom_names[kind], field, old, now);
}

/* Field col of the formatted row into out ("" when empty). */
static void field_of(const char *row, int col, char *out, size_t n)
{
    const char *p = row;
    for (int k = 0; k < col && p; k++)
        if ((p = strchr(p, ';')))
            p++;
    size_t len = p ? strcspn(p, ";\n") : 0;
    if (len >= n)
        len = n - 1;
    if (len)
        memcpy(out, p, len);
    out[len] = 0;
}

static int order_room(cg_anom_scratch *sc, size_t n)
{
    if (n <= sc->order_cap)
        return 0;
    uint32_t *o = cg_grow_min(sc->order, &sc->order_cap, n, sizeof *o, 256);
    if (!o)
        return -1;
    sc->order = o;
    return 0;
}

/* A copy of record idx appended to rb; its index, or -1. */
static long copy_rec(cg_recbuf *rb, uint32_t idx)
{
    cg_rec c = rb->rec[idx];
    cg_rec *y = cg_recbuf_push(rb);
    if (!y)
        return -1;
    *y = c;
    return (long)(rb->n - 1);
}

int cg_anom_prev(const cg_model *m, const cg_dayparams *dp_prev, uint64_t i, cg_recbuf *rb,
                 cg_anom_scratch *sc)
{
    sc->nlate = 0;
    double q = cg_anom_q(&m->cfg->anom);
    if (!dp_prev || !eligible(m, i, dp_prev->day.day, q))
        return 0;
    if (cg_synth_subscriber(m, dp_prev, i, rb))
        return -1;
    for (size_t k = 0; k < rb->n; k++) {
        const cg_rec *x = cg_recbuf_at(rb, k);
        double u2;
        int kind = pick(m, dp_prev, i, k, x, 1, q, &u2);
        if (kind != CG_AN_LATE && kind != CG_AN_WRONG_DAY)
            continue;
        if (sc->nlate == sc->late_cap) {
            size_t c1 = sc->late_cap, c2 = sc->late_cap, c3 = sc->late_cap;
            cg_rec *a = cg_grow_min(sc->late, &c1, sc->nlate + 1, sizeof *a, 16);
            if (!a)
                return -1;
            sc->late = a;
            size_t *b = cg_grow_min(sc->late_rank, &c2, sc->nlate + 1, sizeof *b, 16);
            if (!b)
                return -1;
            sc->late_rank = b;
            int *c = cg_grow_min(sc->late_kind, &c3, sc->nlate + 1, sizeof *c, 16);
            if (!c)
                return -1;
            sc->late_kind = c;
            sc->late_cap = c1 < c2 ? (c1 < c3 ? c1 : c3) : (c2 < c3 ? c2 : c3);
        }
        sc->late[sc->nlate] = *x;
        sc->late_rank[sc->nlate] = k;
        sc->late_kind[sc->nlate] = kind;
        sc->nlate++;
    }
    return 0;
}

int cg_anom_apply(const cg_model *m, const cg_dayparams *dp, uint64_t i, const char *prev_date, const char *date, const char *next_date,
                  cg_recbuf *rb, cg_anom_scratch *sc, cg_text *lab,
                  uint64_t cnt[CG_AN_KINDS])
{
    const cg_config *cfg = m->cfg;
    const cg_anomalies *a = &cfg->anom;
    double q = cg_anom_q(a);
    if (!sc->fmt_ready) {
        cg_cdrfmt_init(&sc->fmt, cfg->tz_name);
        sc->fmt_ready = 1;
    }
    size_t n0 = rb->n, no = 0;
    int elig = eligible(m, i, dp->day.day, q);
    char old[64], now[64];
    for (size_t k = 0; k < n0; k++) {
        if (order_room(sc, no + 2))
            return -1;
        uint32_t idx = (uint32_t)(rb->key[k] & 0xffffff);
        double u2;
        int kind = pick(m, dp, i, k, &rb->rec[idx], elig, q, &u2);
        cg_rec *x = &rb->rec[idx];
        const cg_rec c0 = *x; /* the clean record, as the label names it */
        int rc = 0;
        switch (kind) {
        case -1:
            sc->order[no++] = idx;
            continue;
        case CG_AN_LATE:
        case CG_AN_WRONG_DAY: /* filed with the next day (appended there) */
            rc = label(lab, next_date, date, &c0, k, kind, "", "", "");
            break;
        case CG_AN_ORPHAN: /* the MT half of an on-net pair is gone */
            rc = label(lab, date, date, &c0, k, kind, "", "", "");
            break;
        case CG_AN_DUPLICATE:
        case CG_AN_SHIFTED: {
            long c = copy_rec(rb, idx);
            if (c < 0)
                return -1;
            x = &rb->rec[idx];
            sc->order[no++] = idx;
            sc->order[no++] = (uint32_t)c;
            if (kind == CG_AN_DUPLICATE) {
                rc = label(lab, date, date, &c0, k, kind, "", "", "");
            } else {
                cg_rec *y = &rb->rec[c];
                y->start_ms += 1000 * (1 + (int64_t)(u2 * a->shift_max_s));
                snprintf(old, sizeof old, "%lld", (long long)x->start_ms);
                snprintf(now, sizeof now, "%lld", (long long)y->start_ms);
                rc = label(lab, date, date, &c0, k, kind, "start_ts_ms", old, now);
            }
            break;
        }
        case CG_AN_MISSING: {
            /* one of the configured columns that the record has */
            cg_cdr_format(&sc->fmt, x, sc->row);
            int cand[32], nc = 0;
            for (int col = 0; col < 32; col++)
                if (a->missing_mask >> col & 1) {
                    field_of(sc->row, col, old, sizeof old);
                    if (old[0])
                        cand[nc++] = col;
                }
            sc->order[no++] = idx;
            if (!nc)
                continue; /* nothing to lose: clean */
            int col = cand[(int)(u2 * nc) < nc ? (int)(u2 * nc) : nc - 1];
            char nm[64];
            field_of(CG_CDR_HEADER, col, nm, sizeof nm);
            field_of(sc->row, col, old, sizeof old);
            x->miss = 1u << col;
            rc = label(lab, date, date, &c0, k, kind, nm, old, "");
            break;
        }
        case CG_AN_FUTURE: {
            int64_t t0 = x->start_ms;
            x->start_ms += (int64_t)(365 + (int64_t)(u2 * 365)) * 86400000;
            snprintf(old, sizeof old, "%lld", (long long)t0);
            snprintf(now, sizeof now, "%lld", (long long)x->start_ms);
            sc->order[no++] = idx;
            rc = label(lab, date, date, &c0, k, kind, "start_ts_ms", old, now);
            break;
        }
        case CG_AN_END_BEFORE: {
            int64_t e0 = x->start_ms + (int64_t)x->dur_s * 1000;
            x->end_ms = x->start_ms - 1000 * (1 + (int64_t)(u2 * 3600));
            snprintf(old, sizeof old, "%lld", (long long)e0);
            snprintf(now, sizeof now, "%lld", (long long)x->end_ms);
            sc->order[no++] = idx;
            rc = label(lab, date, date, &c0, k, kind, "end_ts_ms", old, now);
            break;
        }
        case CG_AN_IMSI: {
            uint64_t v = x->imsi;
            x->imsi = u2 < 0.5 ? v / 10 : v * 10 + (uint64_t)(u2 * 20) % 10;
            snprintf(old, sizeof old, "%llu", (unsigned long long)v);
            snprintf(now, sizeof now, "%llu", (unsigned long long)x->imsi);
            sc->order[no++] = idx;
            rc = label(lab, date, date, &c0, k, kind, "imsi", old, now);
            break;
        }
        case CG_AN_CELL: {
            uint32_t cell0 = x->cell;
            x->cell = (uint32_t)m->cells->n + 1 + (uint32_t)(u2 * 1000);
            snprintf(old, sizeof old, "%u", cell0);
            snprintf(now, sizeof now, "%u", x->cell);
            sc->order[no++] = idx;
            rc = label(lab, date, date, &c0, k, kind, "cell_id", old, now);
            break;
        }
        case CG_AN_DURATION: {
            uint32_t d0 = x->dur_s;
            x->dur_s = 3 * 86400 + (uint32_t)(u2 * 27 * 86400);
            snprintf(old, sizeof old, "%u", d0);
            snprintf(now, sizeof now, "%u", x->dur_s);
            sc->order[no++] = idx;
            rc = label(lab, date, date, &c0, k, kind, "duration_sec", old, now);
            break;
        }
        default:
            sc->order[no++] = idx;
            continue;
        }
        if (rc)
            return -1;
        cnt[kind]++;
    }
    /* records of the day before filed late into this day (cg_anom_prev) */
    for (size_t k = 0; k < sc->nlate; k++) {
        if (order_room(sc, no + 1))
            return -1;
        cg_rec *y = cg_recbuf_push(rb);
        if (!y)
            return -1;
        *y = sc->late[k];
        sc->order[no++] = (uint32_t)(rb->n - 1);
        if (label(lab, date, prev_date, &sc->late[k], sc->late_rank[k], sc->late_kind[k], "", "",
                  ""))
            return -1;
    }
    sc->nlate = 0;
    for (size_t k = 0; k < no; k++)
        rb->key[k] = sc->order[k];
    rb->n = no;
    return 0;
}
