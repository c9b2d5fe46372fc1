/* Fraud scenarios and churn: the cases (see fraud.h). */
#include "core/fraud.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/tzday.h"

const char *const cg_fr_names[CG_FR_N] = {"sim_box", "wangiri", "irsf", "sim_swap",
                                          "bust_out", "cloned_sim", "churn"};

/* Premium ranges of the kind IRSF and Wangiri use (the International
 * Networks code 882, small island and satellite codes): country code and
 * range, then the subscriber digits (12 digits in all). */
const uint64_t cg_fr_range[CG_FR_RANGES] = {88213, 23934, 67570, 37422, 88166, 53512};
const int cg_fr_range_len[CG_FR_RANGES] = {5, 5, 5, 5, 5, 5};

double cg_fraud_u(const cg_fmodel *f, uint64_t key, uint64_t tag)
{
    return (double)(cg_key4(f->seed, CG_S_FRAUD, key, tag) >> 11) * 0x1.0p-53;
}

int cg_fmodel_init(cg_fmodel *f, const cg_config *cfg, uint64_t S, cg_err *err)
{
    memset(f, 0, sizeof *f);
    const cg_fraud *fr = &cfg->fraud;
    f->on = cg_fraud_on(fr);
    if (!f->on)
        return CG_OK;
    f->seed = cfg->seed;
    f->S = S;
    f->start_day = cfg->start_day;
    f->days = cfg->days > 0 ? cfg->days : 1;
    f->count[CG_FR_SIM_BOX] = (uint64_t)fr->box_count * (uint64_t)fr->box_sims;
    f->group[CG_FR_SIM_BOX] = (uint64_t)fr->box_sims;
    f->count[CG_FR_WANGIRI] = (uint64_t)fr->wan_campaigns * (uint64_t)fr->wan_victims;
    f->group[CG_FR_WANGIRI] = (uint64_t)fr->wan_victims;
    f->count[CG_FR_IRSF] = (uint64_t)fr->irsf_count;
    f->count[CG_FR_SIM_SWAP] = (uint64_t)fr->swap_count;
    f->count[CG_FR_BUST_OUT] = (uint64_t)fr->bust_count;
    f->count[CG_FR_CLONED_SIM] = (uint64_t)fr->clone_count;
    f->count[CG_FR_CHURN] = (uint64_t)llround(fr->churn_monthly * (double)S * f->days / 30.0);
    if (cfg->subscriber_db[0])
        f->count[CG_FR_SIM_SWAP] = 0; /* the database's SIM changes (cg_fmodel_db_swaps) */
    if (cfg->subscriber_db[0] && fr->churn_monthly > 0) {
        /* the database says who leaves: its RELEASE_NUMBER events */
        f->db_churn = 1;
        f->count[CG_FR_CHURN] = 0;
    }
    uint64_t tot = 0;
    for (int k = 0; k < CG_FR_N; k++) {
        if (!f->group[k])
            f->group[k] = 1;
        f->base[k] = tot;
        tot += f->count[k];
    }
    f->base[CG_FR_N] = tot;
    if (tot > S / 2)
        return cg_err_set(err, CG_EUSAGE, "fraud, churn: the cases take %llu subscribers, more "
                          "than half of the %llu of the run (lower the counts or churn.monthly_share)",
                          (unsigned long long)tot, (unsigned long long)S);
    f->box_slots = f->count[CG_FR_SIM_BOX] * CG_BOX_SLOTS;
    if (f->box_slots > S)
        return cg_err_set(err, CG_EUSAGE, "fraud.sim_box: %llu SIMs need %llu subscribers to "
                          "call (%d a day each at most), the run has %llu",
                          (unsigned long long)f->count[CG_FR_SIM_BOX],
                          (unsigned long long)f->box_slots, CG_BOX_SLOTS, (unsigned long long)S);
    cg_perm_init(&f->perm, S, cg_key4(cfg->seed, CG_S_FRAUD, 0x9e7, 0));
    f->fr = *fr;
    return CG_OK;
}

/* The local day holding UTC instant t. */
static int32_t local_day(int64_t t)
{
    int32_t d = (int32_t)(t / 86400000);
    while (cg_fraud_ms(d, 0) > t)
        d--;
    while (cg_fraud_ms(d + 1, 0) <= t)
        d++;
    return d;
}

/* Case m of the database's SIM swaps. */
static void db_swap(const cg_fmodel *f, uint64_t m, cg_fcase *c)
{
    c->db = 1;
    c->t0 = f->sw_t[m];
    c->t1 = c->t0 + (int64_t)llround(f->fr.swap_hours * 3.6e6);
    c->d0 = c->sd = local_day(c->t0);
    c->ed = local_day(c->t1);
    c->d1 = c->ed + 1;
    c->sh = (double)(c->t0 - cg_fraud_ms(c->d0, 0)) / 3.6e6;
    c->eh = (double)(c->t1 - cg_fraud_ms(c->ed, 0)) / 3.6e6;
    c->a = c->sh;
}

typedef struct swap_c {
    uint64_t h, i;
    int64_t t;
} swap_c;

/* max-heap by h of the kept candidates */
static void heap_up(swap_c *v, size_t k)
{
    while (k && v[(k - 1) / 2].h < v[k].h) {
        swap_c t = v[k];
        v[k] = v[(k - 1) / 2];
        v[(k - 1) / 2] = t;
        k = (k - 1) / 2;
    }
}

static void heap_down(swap_c *v, size_t n)
{
    for (size_t k = 0;;) {
        size_t c = 2 * k + 1;
        if (c >= n)
            return;
        if (c + 1 < n && v[c + 1].h > v[c].h)
            c++;
        if (v[k].h >= v[c].h)
            return;
        swap_c t = v[k];
        v[k] = v[c];
        v[c] = t;
        k = c;
    }
}

static int cmp_swap(const void *a, const void *b)
{
    const swap_c *x = a, *y = b;
    return (x->i > y->i) - (x->i < y->i);
}

int cg_fmodel_db_swaps(cg_fmodel *f, void *ctx, int64_t (*next_sim)(void *, uint64_t, int64_t),
                       cg_err *err)
{
    size_t want = (size_t)f->fr.swap_count;
    if (!f->on || !want || !next_sim)
        return CG_OK;
    swap_c *v = calloc(want, sizeof *v);
    if (!v)
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    int64_t run0 = cg_fraud_ms(f->start_day, 0), run1 = cg_fraud_ms(f->start_day + f->days, 0);
    size_t n = 0;
    for (uint64_t i = 0; i < f->S; i++) {
        /* the subscriber's first change in the run, if it has no other case */
        int64_t T = next_sim(ctx, i, run0);
        if (T < 0 || T >= run1)
            continue;
        cg_fcase c;
        cg_fraud_case(f, i, &c);
        if (c.sc != CG_FR_NONE)
            continue;
        swap_c x = {cg_key4(f->seed, CG_S_FRAUD, i, (uint64_t)T), i, T};
        if (n < want) {
            v[n] = x;
            heap_up(v, n++);
        } else if (x.h < v[0].h) {
            v[0] = x;
            heap_down(v, n);
        }
    }
    qsort(v, n, sizeof *v, cmp_swap);
    f->sw_i = malloc((n ? n : 1) * sizeof *f->sw_i);
    f->sw_t = malloc((n ? n : 1) * sizeof *f->sw_t);
    if (!f->sw_i || !f->sw_t) {
        free(v);
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    }
    for (size_t k = 0; k < n; k++) {
        f->sw_i[k] = v[k].i;
        f->sw_t[k] = v[k].t;
    }
    free(v);
    f->nsw = n;
    f->count[CG_FR_SIM_SWAP] = n;
    return CG_OK;
}

void cg_fmodel_free(cg_fmodel *f)
{
    free(f->sw_i);
    free(f->sw_t);
    f->sw_i = NULL;
    f->sw_t = NULL;
    f->nsw = 0;
}

int64_t cg_fraud_ms(int32_t d, double h)
{
    return cg_local_to_utc_ms((int64_t)d * 86400 + (int64_t)floor(h * 3600.0));
}

/* A day of the run [start, start + span), uniform. */
static int32_t run_day(const cg_fmodel *f, uint64_t key, uint64_t tag, int32_t span)
{
    if (span < 1)
        span = 1;
    return f->start_day + (int32_t)floor(cg_fraud_u(f, key, tag) * span);
}

void cg_fraud_member(const cg_fmodel *f, int sc, uint64_t m, cg_fcase *c)
{
    const cg_fraud *fr = &f->fr;
    memset(c, 0, sizeof *c);
    c->sc = sc;
    c->member = m;
    c->group = f->group[sc] > 1 ? m / f->group[sc] : m;
    c->b = -1;
    uint64_t key = (uint64_t)sc << 56 ^ m;
    int32_t R0 = f->start_day, D = f->days;
    switch (sc) {
    case CG_FR_SIM_BOX:
        c->d0 = c->sd = R0;
        c->d1 = c->ed = R0 + D;
        break;
    case CG_FR_WANGIRI: {
        uint64_t ck = (uint64_t)sc << 56 ^ 1ULL << 55 ^ c->group;
        int32_t cs = run_day(f, ck, 1, D - fr->wan_days + 1);
        c->d2 = cs;
        int32_t span = fr->wan_days < D ? fr->wan_days : D;
        c->d0 = c->sd = c->ed = cs + (int32_t)floor(cg_fraud_u(f, key, 2) * span);
        c->d1 = c->d0 + 1;
        c->sh = 8 + 14 * cg_fraud_u(f, key, 3);   /* rung between 08:00 and 22:00 */
        c->a = 1 + floor(3 * cg_fraud_u(f, key, 4)); /* 1-3 s */
        c->eh = c->sh + c->a / 3600.0;
        if (cg_fraud_u(f, key, 5) < fr->wan_callback) {
            /* a callback within hours (log-normal, median 40 min, at most 8 h) */
            double g = exp(log(40.0) + 1.0 * sqrt(-2 * log(1 - cg_fraud_u(f, key, 6))) *
                                           cos(6.283185307179586 * cg_fraud_u(f, key, 7)));
            g = g < 1 ? 1 : g > 480 ? 480 : g;
            c->b = c->sh + c->a / 3600.0 + g / 60.0;
            c->c = floor(300 + 1500 * cg_fraud_u(f, key, 8)); /* held 5-30 min */
            c->eh = c->b + c->c / 3600.0;
            c->d1 = c->d0 + (c->b >= 24 ? 2 : 1);
        }
        break;
    }
    case CG_FR_IRSF:
        c->d0 = c->sd = run_day(f, key, 1, D);
        c->d1 = c->d0 + fr->irsf_nights;
        c->ed = c->d1 - 1;
        c->sh = 0;
        c->eh = 6; /* bursts between midnight and 06:00 */
        c->a = floor(cg_fraud_u(f, key, 2) * CG_FR_RANGES);
        c->group = (uint64_t)c->a;
        break;
    case CG_FR_SIM_SWAP:
        if (f->nsw) {
            db_swap(f, m, c);
            return;
        }
        c->d0 = c->sd = c->ed = run_day(f, key, 1, D);
        c->sh = 8 + 12 * cg_fraud_u(f, key, 2);
        c->eh = c->sh + fr->swap_hours;
        c->d1 = c->d0 + (int32_t)ceil(c->eh / 24.0);
        c->a = c->sh;
        break;
    case CG_FR_BUST_OUT:
        c->d0 = c->sd = run_day(f, key, 1, D / 3);
        c->d2 = c->d0 + fr->bust_normal_days;
        c->d1 = c->ed = c->d2 + fr->bust_days;
        c->a = floor(cg_fraud_u(f, key, 2) * CG_FR_RANGES);
        break;
    case CG_FR_CLONED_SIM:
        c->d0 = c->sd = run_day(f, key, 1, D);
        c->d1 = c->ed = c->d0 + fr->clone_days;
        break;
    case CG_FR_CHURN:
        c->d1 = c->ed = R0 + 1 + (int32_t)floor(cg_fraud_u(f, key, 1) * D);
        c->d2 = c->sd = c->d1 - fr->churn_fade_days;
        c->d0 = c->d2;
        break;
    default:
        break;
    }
    c->t0 = cg_fraud_ms(c->sd, c->sh);
    c->t1 = cg_fraud_ms(c->ed, c->eh);
}

uint64_t cg_fraud_subscriber(const cg_fmodel *f, int sc, uint64_t m)
{
    if (sc == CG_FR_SIM_SWAP && f->nsw)
        return f->sw_i[m];
    return cg_perm_fwd(&f->perm, f->base[sc] + m);
}

void cg_fraud_case(const cg_fmodel *f, uint64_t i, cg_fcase *c)
{
    c->sc = CG_FR_NONE;
    if (!f->on || i >= f->S)
        return;
    if (f->nsw) { /* the database's swaps: by subscriber */
        size_t lo = 0, hi = f->nsw;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (f->sw_i[mid] < i)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < f->nsw && f->sw_i[lo] == i) {
            cg_fraud_member(f, CG_FR_SIM_SWAP, lo, c);
            return;
        }
    }
    uint64_t r = cg_perm_inv(&f->perm, i);
    if (r >= f->base[CG_FR_N])
        return;
    int sc = 0;
    while (r >= f->base[sc + 1])
        sc++;
    cg_fraud_member(f, sc, r - f->base[sc], c);
}

double cg_fraud_presence(const cg_fmodel *f, const cg_fcase *c, int32_t d)
{
    switch (c->sc) {
    case CG_FR_SIM_BOX:
        return 0;
    case CG_FR_BUST_OUT:
        return d >= c->d0 && d < c->d1 ? 1 : 0;
    case CG_FR_CHURN:
        if (d >= c->d1)
            return 0;
        if (d < c->d2)
            return 1;
        return (double)(c->d1 - d) / (double)(f->fr.churn_fade_days + 1);
    default:
        return 1;
    }
}

double cg_fraud_release_fade(const cg_fmodel *f, int64_t t0, int64_t T)
{
    if (T < 0)
        return 1;
    double left = ceil((double)(T - t0) / 86400000.0);
    double p = left / (double)(f->fr.churn_fade_days + 1);
    return p < 0 ? 0 : p > 1 ? 1 : p;
}

uint64_t cg_fraud_number(const cg_fmodel *f, int sc, uint64_t group, uint64_t r)
{
    (void)f;
    int k = (int)(cg_key4(group, 0xa11, (uint64_t)(unsigned)sc, 0) % CG_FR_RANGES);
    if (sc == CG_FR_IRSF || sc == CG_FR_BUST_OUT)
        k = (int)(group % (uint64_t)CG_FR_RANGES);
    /* the range's 5 digits, then 7 of the number */
    return cg_fr_range[k] * 10000000ULL + r % 10000000ULL;
}
