/* Profiles, activity levels and the social graph (see people.h and
 * MODEL.md "People"). */
#include "core/people.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/check.h"
#include "core/mem.h"
#include "core/rng.h"

#define PI 3.14159265358979323846
/* Streams of this module's hashes (mixed with the seed; never renumber). */
enum {
    H_PERSON = 0x70, H_HOUSEHOLD, H_GROUP, H_GPERM, H_TIE, H_WEAK, H_DAYF, H_HOME, H_WORK, H_THETA
};
/* Region sizes as shares of the population (and their floors in
 * positions): a district holds 2% of it, a school's 0.5%, a neighbourhood
 * 0.2%, a town 2%; each rounded to the nearest power of 4, the domain of
 * its Feistel permutation (no cycle walking but in a last, partial
 * region). */
static const double REGION_SHARE[CG_TIE_KINDS + 1] = {0, 0.02, 0.002, 0.02, 0, 0.005};
static const uint64_t REGION_MIN[CG_TIE_KINDS + 1] = {0, 256, 64, 1024, 0, 256};
/* Strength of a tie by kind, before its own lognormal factor; colleagues
 * mostly on working days (x WORKDAY_TIE, x WEEKEND_TIE, mean 1 a week). */
static const double KIND_BASE[CG_TIE_KINDS] = {6.0, 1.2, 1.5, 0.5, 0.1};
/* Scale of closeness within groups (a share of the circle of interests). */
#define CLOSE_SCALE 0.05
/* Shape of the Pareto factor of tie strength. */
#define TIE_ALPHA 1.5
/* Correlation of a person's services with a shared activity factor, and of
 * sociability with it. */
#define ACT_RHO 0.7
#define SOC_RHO 0.7
/* Share of the friend ties in neighbourhood circles (the rest: town). */
#define HOOD_SHARE 0.6
/* Log talk-time shift per unit of log tie strength. */
#define TALK_BETA 0.15
/* The calibration sample (positions) and its sub-sample for tie counts. */
#define CAL_N 32768
#define CAL_DEG_N 4096
/* Commuting distance: commute_km x Lomax(1.2), at most 200 km; schools
 * are nearer. */
#define COMMUTE_ALPHA 1.2
#define COMMUTE_MAX_KM 200.0
#define SCHOOL_SCALE 0.35

static inline double u01(uint64_t h)
{
    return cg_u01_of(h);
}

static inline uint64_t h3(uint64_t seed, uint64_t a, uint64_t b)
{
    return cg_mix64(cg_mix64(seed ^ a) ^ b);
}

/* h3(pm->seed, a, b) with the first mix precomputed (pm->hkey). */
#define HK(pm, a, b) cg_mix64((pm)->hkey[(a) - H_PERSON] ^ (b))

/* ---- keyed permutations ---- */

static inline uint32_t round_fn(uint32_t x, uint32_t key, uint32_t mask)
{
    uint32_t h = (x ^ key) * 0x9e3779b1U;
    h ^= h >> 15;
    h *= 0x85ebca6bU;
    h ^= h >> 13;
    return h & mask;
}

void cg_perm_init(cg_perm *p, uint64_t n, uint64_t key)
{
    p->n = n ? n : 1;
    int bits = 2;
    while ((1ULL << bits) < p->n)
        bits++;
    bits += bits & 1;
    p->half = bits / 2;
    p->mask = (uint32_t)((1ULL << p->half) - 1);
    for (int k = 0; k < 4; k++)
        p->rk[k] = (uint32_t)cg_mix64(key + (uint64_t)(unsigned)k * UINT64_C(0x9e3779b97f4a7c15));
}

uint64_t cg_perm_fwd(const cg_perm *p, uint64_t x)
{
    do {
        uint32_t l = (uint32_t)(x >> p->half), r = (uint32_t)x & p->mask;
        for (int k = 0; k < 4; k++) {
            uint32_t t = r;
            r = l ^ round_fn(r, p->rk[k], p->mask);
            l = t;
        }
        x = ((uint64_t)l << p->half) | r;
    } while (x >= p->n);
    return x;
}

uint64_t cg_perm_inv(const cg_perm *p, uint64_t y)
{
    do {
        uint32_t l = (uint32_t)(y >> p->half), r = (uint32_t)y & p->mask;
        for (int k = 3; k >= 0; k--) {
            uint32_t t = l;
            l = r ^ round_fn(l, p->rk[k], p->mask);
            r = t;
        }
        y = ((uint64_t)l << p->half) | r;
    } while (y >= p->n);
    return y;
}

/* ---- quantile tables ---- */

/* Inverse of the standard normal CDF (Acklam's rational approximation,
 * relative error < 1.2e-9). */
static double norm_quantile(double p)
{
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                               -2.759285104469687e+02, 1.383577518672690e+02,
                               -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                               -1.556989798598866e+02, 6.680131188771972e+01,
                               -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                               -2.400758277161838e+00, -2.549671007887196e+00,
                               4.374664141464968e+00, 2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                               2.445134137142996e+00, 3.754408661907416e+00};
    double q, r;
    if (p < 0.02425) {
        q = sqrt(-2 * log(p));
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
               ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    if (p > 1 - 0.02425) {
        q = sqrt(-2 * log(1 - p));
        return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
               ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    q = p - 0.5;
    r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
           (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/* Regularised lower incomplete gamma P(k, x) by its series (x < k + 1)
 * or continued fraction: only at start-up, for the quantile table. */
static double gamma_p(double k, double x)
{
    if (x <= 0)
        return 0;
    int sign;
    double lg = lgamma_r(k, &sign);
    if (x < k + 1) {
        double s = 1.0 / k, t = s;
        for (int n = 1; n < 500; n++) {
            t *= x / (k + n);
            s += t;
            if (t < s * 1e-15)
                break;
        }
        return s * exp(-x + k * log(x) - lg);
    }
    double b = x + 1 - k, c = 1e300, d = 1 / b, h = d;
    for (int n = 1; n < 500; n++) {
        double an = -n * (n - k);
        b += 2;
        d = an * d + b;
        d = fabs(d) < 1e-300 ? 1e-300 : d;
        c = b + an / c;
        c = fabs(c) < 1e-300 ? 1e-300 : c;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-15)
            break;
    }
    return 1 - exp(-x + k * log(x) - lg) * h;
}

/* Midpoint quantiles of Gamma(k, 1/k) (mean 1), by bisection. */
static void gamma_table(double *q, int n, double k)
{
    if (!(k > 0)) { /* no day-to-day factor */
        for (int i = 0; i < n; i++)
            q[i] = 1.0;
        return;
    }
    for (int i = 0; i < n; i++) {
        double p = (i + 0.5) / n, lo = 0, hi = 1;
        while (gamma_p(k, hi * k) < p)
            hi *= 2;
        for (int it = 0; it < 80; it++) {
            double mid = 0.5 * (lo + hi);
            if (gamma_p(k, mid * k) < p)
                lo = mid;
            else
                hi = mid;
        }
        q[i] = 0.5 * (lo + hi);
    }
    double m = 0; /* exact mean 1 over the table */
    for (int i = 0; i < n; i++)
        m += q[i];
    m /= n;
    for (int i = 0; i < n; i++)
        q[i] /= m;
}

/* ---- people ---- */

/* Profile, place and sociability: what deciding a tie needs. */
static void person_core(const cg_people_model *pm, uint64_t pos, cg_person *w)
{
    uint64_t h = HK(pm, H_PERSON, pos), h2 = cg_mix64(h);
    w->pos = pos;
    w->hact = h2;
    double u = u01(h);
    /* the first k with u < prof_cum[k] (the last profile if none): as the
     * sums rise, the count of those u is past, without a branch on u */
    int k = 0;
    for (int j = 0; j < pm->nprof - 1; j++)
        k += u >= pm->prof_cum[j];
    w->profile = k;
    /* a place or none, selected by a mask: whether it has one is a coin
     * toss a branch would mispredict */
    int has = (double)(h2 & 0xffffff) * 0x1.0p-24 < pm->work_p[k];
    w->place = (pm->place_of[k] & -has) | (CG_PLACE_NONE & ~-has);
    /* log-normal levels are products of tabulated factors: a shared one
     * and one of each's own */
    w->soc = pm->soc_mult[k] * pm->soc0[(h2 >> 24) & 4095] * pm->soc1[(h2 >> 36) & 4095];
}

/* Its activity levels. */
static void person_act(const cg_people_model *pm, cg_person *w)
{
    uint64_t h = cg_mix64(w->hact);
    double a0 = pm->act0[(w->hact >> 24) & 4095];
    for (int s = 0; s < 3; s++)
        w->act[s] = pm->rate[w->profile][s] * a0 * pm->act1[(h >> (12 * s)) & 4095] *
                    pm->act_scale[s];
}

void cg_people_person(const cg_people_model *pm, uint64_t pos, cg_person *w)
{
    person_core(pm, pos, w);
    person_act(pm, w);
}

static int hh_start(const cg_people_model *pm, uint64_t q)
{
    return q % CG_HOUSEHOLD_CAP == 0 || u01(HK(pm, H_HOUSEHOLD, q)) < pm->hh_q;
}

void cg_people_household(const cg_people_model *pm, uint64_t pos, uint64_t *b, uint64_t *e)
{
    uint64_t s = pos;
    while (!hh_start(pm, s))
        s--;
    uint64_t t = pos + 1;
    while (t < pm->S && !hh_start(pm, t))
        t++;
    *b = s;
    *e = t;
}

/* A group relation: kind CG_TIE_WORK (ridx CG_TIE_WORK or, for schools,
 * CG_TIE_KINDS), CG_TIE_HOOD or CG_TIE_TOWN. The region of pos, its
 * permutation, and the block [g0, g1) of permuted local indices holding
 * pos's group. */
/* A cheap keyed bijection of [0, n) for the groups of a region: two
 * rounds of multiply (odd, mod 2^bits) and xorshift by half the width on
 * the smallest power of two covering n (n is at least half of it, so
 * cycle walking takes under two steps on average). */
typedef struct lperm {
    uint64_t n, mask, a, b, ai, bi, c;
    int sh;
} lperm;

static uint64_t inv_odd(uint64_t a)
{
    uint64_t x = a; /* Newton: each step doubles the correct low bits */
    for (int k = 0; k < 6; k++)
        x *= 2 - a * x;
    return x;
}

static void lperm_init(lperm *p, uint64_t n, uint64_t key)
{
    int bits = 1;
    while ((1ULL << bits) < n)
        bits++;
    p->n = n;
    p->mask = (1ULL << bits) - 1;
    p->sh = (bits + 1) / 2;
    p->a = cg_mix64(key) | 1;
    p->b = cg_mix64(key ^ 0x5bd1e995) | 1;
    p->c = cg_mix64(key ^ 0x27d4eb2f);
    p->ai = inv_odd(p->a);
    p->bi = inv_odd(p->b);
}

static uint64_t lperm_fwd(const lperm *p, uint64_t x)
{
    do {
        x = (x * p->a + p->c) & p->mask;
        x ^= x >> p->sh;
        x = (x * p->b) & p->mask;
        x ^= x >> p->sh;
    } while (x >= p->n);
    return x;
}

static uint64_t lperm_inv(const lperm *p, uint64_t y)
{
    do { /* x ^= x >> sh is its own inverse when sh >= bits / 2 */
        y ^= y >> p->sh;
        y = (y * p->bi) & p->mask;
        y ^= y >> p->sh;
        y = ((y - p->c) * p->ai) & p->mask;
    } while (y >= p->n);
    return y;
}

/* A group relation: kind CG_TIE_WORK (ridx CG_TIE_WORK or, for schools,
 * CG_TIE_KINDS), CG_TIE_HOOD or CG_TIE_TOWN. The region of pos (blocks of
 * region[ridx] positions, the remainder joining the last), its
 * permutation, and the slots [g0, g1) of permuted local indices holding
 * pos's group: each superblock of CG_GROUP_CAP slots is cut into 1 or more
 * equal groups, their number drawn so that groups have the configured
 * mean size. */
typedef struct grp {
    int ridx;
    uint64_t base, n;
    lperm perm;
    uint64_t g0, g1;
} grp;

static void grp_of(const cg_people_model *pm, int ridx, uint64_t pos, grp *g)
{
    uint64_t R = pm->region[ridx], nreg = pm->S / R ? pm->S / R : 1;
    uint64_t r = pos / R < nreg ? pos / R : nreg - 1;
    g->ridx = ridx;
    g->base = r * R;
    g->n = r == nreg - 1 ? pm->S - g->base : R;
    uint64_t key = cg_mix64(pm->hkey[H_GPERM - H_PERSON] ^ (g->base << 3 | (uint64_t)ridx));
    lperm_init(&g->perm, g->n, key);
    uint64_t l = lperm_fwd(&g->perm, pos - g->base);
    uint64_t sb = l / CG_GROUP_CAP * CG_GROUP_CAP;
    double x = pm->groups_per_sb[ridx];
    int ng = (int)x + (u01(cg_mix64(key ^ sb)) < x - floor(x));
    ng = ng < 1 ? 1 : ng > CG_GROUP_CAP ? CG_GROUP_CAP : ng;
    uint64_t k = (l - sb) * (uint64_t)ng / CG_GROUP_CAP; /* its group */
    g->g0 = sb + (k * CG_GROUP_CAP + (uint64_t)ng - 1) / (uint64_t)ng;
    g->g1 = sb + ((k + 1) * CG_GROUP_CAP + (uint64_t)ng - 1) / (uint64_t)ng;
    if (g->g1 > g->n)
        g->g1 = g->n;
}

static int ridx_of(const cg_person *who, int kind)
{
    if (kind != CG_TIE_WORK)
        return kind;
    return who->place == CG_PLACE_SCHOOL ? CG_TIE_KINDS : CG_TIE_WORK;
}

uint64_t cg_people_group(const cg_people_model *pm, const cg_person *who, int kind)
{
    if (kind == CG_TIE_WORK && who->place == CG_PLACE_NONE)
        return UINT64_MAX;
    grp g;
    grp_of(pm, ridx_of(who, kind), who->pos, &g);
    return g.base + g.g0;
}

/* ---- places ---- */

static void home_of(const cg_people_model *pm, uint64_t pos, double *x, double *y)
{
    uint64_t b, e;
    cg_people_household(pm, pos, &b, &e);
    uint64_t h = h3(pm->seed, H_HOME, b);
    cg_popmap_point(&pm->map, ((double)b + 0.5) / (double)pm->S, u01(h), u01(cg_mix64(h)), x, y);
    cg_cells_clamp(pm->cells, x, y);
}

void cg_people_anchor(const cg_people_model *pm, const cg_person *who, cg_anchor *a)
{
    const cg_cells *c = pm->cells;
    home_of(pm, who->pos, &a->hx, &a->hy);
    a->area = cg_cells_area_of(c, a->hx, a->hy);
    a->has_work = who->place != CG_PLACE_NONE;
    a->wx = a->hx;
    a->wy = a->hy;
    if (!a->has_work)
        return;
    /* The place of the group: near the home of one of its district, a
     * commute away, mostly towards the centre of that home's area. */
    grp g;
    grp_of(pm, ridx_of(who, CG_TIE_WORK), who->pos, &g);
    cg_rng r = cg_rng_make(pm->seed, H_WORK, g.base + g.g0, (uint64_t)g.ridx);
    double ox, oy;
    home_of(pm, g.base + cg_rng_below(&r, g.n), &ox, &oy);
    int ar = cg_cells_area_of(c, ox, oy);
    double km = pm->cfg->mob.commute_km * (g.ridx == CG_TIE_KINDS ? SCHOOL_SCALE : 1.0);
    double d = cg_lomax(cg_rng_u01(&r), km, COMMUTE_ALPHA, COMMUTE_MAX_KM, cg_rng_u01(&r));
    double th;
    if (cg_rng_u01(&r) < 0.6 && hypot(c->ax[ar] - ox, c->ay[ar] - oy) > 0.5)
        th = atan2(c->ax[ar] - ox, c->ay[ar] - oy) + (PI / 4) * cg_rng_normal(&r);
    else
        th = 2 * PI * cg_rng_u01(&r);
    a->wx = ox + d * sin(th);
    a->wy = oy + d * cos(th);
    cg_cells_clamp(c, &a->wx, &a->wy);
}

double cg_people_day_factor(const cg_people_model *pm, uint64_t pos, int32_t day)
{
    return pm->gq[HK(pm, H_DAYF, pos ^ ((uint64_t)(uint32_t)day << 40)) & 1023];
}

/* ---- ties ---- */

/* A hash of the pair (lo < hi), the relation and extra: two mixes from
 * the module's tie key. */
static inline uint64_t pair_key_mixed(uint64_t lo_mix, uint64_t hi, int kind, uint64_t extra,
                                      uint64_t salt)
{
    return cg_mix64(lo_mix ^ (hi * 0x9e3779b97f4a7c15ULL ^ (uint64_t)kind << 56 ^ extra ^ salt));
}

static inline uint64_t pair_key(const cg_people_model *pm, uint64_t lo, uint64_t hi, int kind,
                                uint64_t extra, uint64_t salt)
{
    return pair_key_mixed(cg_mix64(pm->hkey[H_TIE - H_PERSON] ^ lo), hi, kind, extra, salt);
}

/* Fills t as the tie of `who` with `peer` of kind `kind` (extra: the weak
 * layer and epoch), everything symmetric in the two positions. */
static void make_tie(const cg_people_model *pm, const cg_person *who, const cg_person *peer,
                     int kind, uint64_t extra, double close, double log_close, cg_tie *t)
{
    uint64_t lo = who->pos < peer->pos ? who->pos : peer->pos;
    uint64_t hi = who->pos < peer->pos ? peer->pos : who->pos;
    uint64_t key = pair_key(pm, lo, hi, kind, extra, 0);
    t->peer = *peer;
    person_act(pm, &t->peer);
    /* the sides in the pair's order, selected (not branched on) */
    int who_lo = who->pos < peer->pos;
    const cg_person *side[2] = {who, &t->peer};
    const cg_person *plo = side[!who_lo], *phi = side[who_lo];
    t->key = key;
    t->kind = kind;
    /* a Pareto factor (the heavy tail, mean 1), a log-normal one (mean 1)
     * and how close the two are in their group (1 in a household), from
     * tables of their values and logarithms */
    int ip = (int)((key >> 40) & 4095), il = (int)(key & 4095);
    t->strength = pm->base[kind] * pm->par_tab[ip] * pm->ln_tab[il] * close;
    double ls = pm->log_base[kind] + pm->par_log[ip] + pm->ln_log[il] + log_close;
    /* A lasting direction: a drawn lean (most ties lopsided), tilted
     * towards the more active side. */
    double v = 2.0 * u01(cg_mix64(key)) - 1.0;
    double b = 0.5 + 0.48 * copysign(sqrt(fabs(v)), v); /* sign(v) sqrt|v| */
    double alo = plo->act[0] + plo->act[1], ahi = phi->act[0] + phi->act[1];
    t->bias = b * alo / (b * alo + (1 - b) * ahi);
    t->talk = pm->talk_beta * (ls - pm->talk_mid);
}

/* Closeness of two members of a group: each has a place on a circle of
 * interests (a household one place, its head's), and closeness falls
 * exponentially with the distance between the two places, scale
 * CLOSE_SCALE; normalised to mean 1 over random pairs. Close pairs tie
 * more often and more strongly, and share more of their friends: the
 * weak-ties pattern (strong ties inside dense clusters). */
static inline double theta_of(const cg_people_model *pm, uint64_t k)
{
    return u01(HK(pm, H_THETA, k));
}

static double closeness_t(const cg_people_model *pm, double ta, double tb, double *log_c)
{
    /* the distance round the circle, min(d, 1 - d), without a branch on
     * d (the same bits: 1 - d is exact here) */
    double d = fabs(ta - tb), e = 1.0 - d;
    d = e < d ? e : d;
    int i = (int)(d * 2 * CG_CLOSE_TAB);
    i = i < CG_CLOSE_TAB ? i : CG_CLOSE_TAB - 1;
    if (log_c)
        *log_c = pm->close_log[i];
    return pm->close_tab[i];
}

/* Whether a and b are tied by relation kind: u < x / (1 + x), x = the
 * kind's propensity x both sociabilities x closeness, u (given) a hash of
 * the pair (ka, kb): the two, or for neighbourhood circles their
 * households' heads, so that a household's members mostly share friends. */
static inline int tied_u(const cg_people_model *pm, const cg_person *a, uint64_t bpos,
                         double bsoc, int kind, double close, double u)
{
    /* in the pair's order, so both sides compute the same bits */
    double slo = a->pos < bpos ? a->soc : bsoc, shi = a->pos < bpos ? bsoc : a->soc;
    double x = pm->f[kind] * slo * shi * close;
    return u * (1.0 + x) < x; /* u < x / (1 + x) */
}

/* The group relations in the order they are decided: a pair related by
 * an earlier one is not tied again by a later one. */
static const int REL_KIND[3] = {CG_TIE_WORK, CG_TIE_HOOD, CG_TIE_TOWN};

/* Every member of each relation of a person, other than itself: a set of
 * positions, each with a bit per relation it is a member of. An
 * open-addressing table (three relations of at most CG_MEMBERS_MAX each
 * fill it to at most 3/8) kept per thread and emptied in O(1) by a stamp:
 * membership tests are the inner loop of the tie enumeration. */
#define MATES_BITS 12
#define MATES_N (1u << MATES_BITS)
_Static_assert(3 * CG_MEMBERS_MAX <= MATES_N / 2, "the mates table must stay half empty");
typedef struct mate_slot {
    uint64_t q;
    uint32_t stamp; /* the slot is used when this is the table's stamp */
    uint32_t rel;   /* bit r: a member of relation r */
} mate_slot;
typedef struct cg_mates {
    mate_slot *t;
    uint32_t stamp;
} cg_mates;

static void mates_begin(cg_mates *mt)
{
    static _Thread_local mate_slot tab[MATES_N];
    static _Thread_local uint32_t stamp;
    if (++stamp == 0) { /* after 2^32 uses: forget every stamp */
        memset(tab, 0, sizeof tab);
        stamp = 1;
    }
    mt->t = tab;
    mt->stamp = stamp;
}

static inline uint32_t mate_home(uint64_t q)
{
    return (uint32_t)((q * 0x9e3779b97f4a7c15ULL) >> (64 - MATES_BITS));
}

/* Records q as a member of relation r; returns the relations it was a
 * member of before. */
static uint32_t mate_add(cg_mates *mt, int r, uint64_t q)
{
    for (uint32_t i = mate_home(q);; i = (i + 1) & (MATES_N - 1)) {
        mate_slot *sl = &mt->t[i];
        if (sl->stamp != mt->stamp) {
            sl->q = q;
            sl->stamp = mt->stamp;
            sl->rel = 1u << r;
            return 0;
        }
        if (sl->q == q) {
            uint32_t was = sl->rel;
            sl->rel = was | 1u << r;
            return was;
        }
    }
}

/* Whether q is a member of one of the relations of the bits `rels`. */
static int is_mate(const cg_mates *mt, uint32_t rels, uint64_t q)
{
    for (uint32_t i = mate_home(q);; i = (i + 1) & (MATES_N - 1)) {
        const mate_slot *sl = &mt->t[i];
        if (sl->stamp != mt->stamp)
            return 0;
        if (sl->q == q)
            return (sl->rel & rels) != 0;
    }
}

cg_groupcache *cg_groupcache_new(int div)
{
    div = div < 1 ? 1 : div > 8 ? 8 : div;
    _Static_assert(CG_GRING_N / 8 >= 4 * CG_MEMBERS_MAX, "a ring holds several whole lists");
    cg_groupcache *gc = calloc(1, sizeof *gc);
    if (!gc)
        return NULL;
    gc->nring = CG_GRING_N / (uint64_t)div;
    gc->nidx = CG_GINDEX_N / (uint64_t)div;
    gc->idx = calloc(gc->nidx, sizeof *gc->idx);
    gc->ring = malloc(gc->nring * sizeof *gc->ring);
    if (!gc->idx || !gc->ring) {
        cg_groupcache_free(gc);
        return NULL;
    }
    return gc;
}

void cg_groupcache_free(cg_groupcache *gc)
{
    if (!gc)
        return;
    free(gc->idx);
    free(gc->ring);
    free(gc);
}

/* The members of group g of relation kind (work places: those with the
 * place kind of the group's partition), each with the household head it is
 * listed under (itself outside neighbourhood circles), into gm; returns
 * how many (at most CG_MEMBERS_MAX). */
static int group_list(const cg_people_model *pm, int kind, const grp *g, cg_gmember *gm)
{
    int n = 0;
    int want = g->ridx == CG_TIE_KINDS ? CG_PLACE_SCHOOL : CG_PLACE_WORK;
    for (uint64_t l = g->g0; l < g->g1; l++) {
        uint64_t q0 = g->base + lperm_inv(&g->perm, l), q1 = q0 + 1;
        if (kind == CG_TIE_HOOD) {
            if (!hh_start(pm, q0))
                continue; /* not a household's head: its head stands for it */
            while (q1 < pm->S && !hh_start(pm, q1))
                q1++;
        }
        double theta = kind == CG_TIE_HOOD ? theta_of(pm, q0) : 0;
        for (uint64_t q = q0; q < q1 && n < CG_MEMBERS_MAX; q++) {
            cg_person p;
            person_core(pm, q, &p);
            if (kind == CG_TIE_WORK && p.place != want)
                continue;
            cg_gmember *m = &gm[n++];
            m->pos = q;
            m->hact = p.hact;
            m->soc = p.soc;
            m->profile = (uint8_t)p.profile;
            m->place = (uint8_t)p.place;
            m->head_off = (uint8_t)(q - q0);
            m->theta = kind == CG_TIE_HOOD ? theta : theta_of(pm, q);
        }
    }
    return n;
}

/* The person a member stands for (its core; person_act adds the levels). */
static void member_person(const cg_gmember *m, cg_person *w)
{
    w->pos = m->pos;
    w->profile = m->profile;
    w->place = m->place;
    w->soc = m->soc;
    w->hact = m->hact;
}

/* The member list of group g: from the memo, else listed (into the memo's
 * ring, or a per-thread scratch without a memo). Valid until the next call. */
static const cg_gmember *group_members(const cg_people_model *pm, int kind, const grp *g,
                                       cg_groupcache *gc, int *n)
{
    if (!gc) {
        static _Thread_local cg_gmember scratch[CG_MEMBERS_MAX];
        *n = group_list(pm, kind, g, scratch);
        return scratch;
    }
    uint64_t key = (g->base + g->g0) * (CG_TIE_KINDS + 1) + (uint64_t)g->ridx + 1;
    cg_gslot *sl = &gc->idx[cg_mix64(key) & (gc->nidx - 1)];
    /* a list is whole until the ring's writes have come round to its start */
    if (sl->key == key && gc->head <= sl->start + gc->nring) {
        *n = sl->n;
        return &gc->ring[sl->start % gc->nring];
    }
    uint64_t at = gc->head % gc->nring;
    if (at + CG_MEMBERS_MAX > gc->nring) { /* lists are contiguous: skip the tail */
        gc->head += gc->nring - at;
        at = 0;
    }
    cg_gmember *dst = &gc->ring[at];
    *n = group_list(pm, kind, g, dst);
    sl->key = key;
    sl->start = gc->head;
    sl->n = *n;
    gc->head += (uint64_t)*n;
    return dst;
}

/* Into elig, the members of who's group of relation r that this relation
 * may tie (not of the household [hb, he), not mates of an earlier
 * relation), recording every member as a mate of r (the exclusions of the
 * later relations); returns how many are eligible. Work places and schools
 * gather people of the same kind of place; neighbourhood circles whole
 * households (their heads' circles); town circles anyone. elig points into
 * the memo or a scratch list: valid until the next call. */
static int relation_members(const cg_people_model *pm, const cg_person *who, int r, uint64_t hb,
                            uint64_t he, cg_mates *mt, const cg_gmember **elig,
                            cg_groupcache *gc)
{
    int kind = REL_KIND[r], ne = 0;
    if (kind == CG_TIE_WORK && who->place == CG_PLACE_NONE)
        return 0;
    grp g;
    grp_of(pm, ridx_of(who, kind), kind == CG_TIE_HOOD ? hb : who->pos, &g);
    int n;
    const cg_gmember *gm = group_members(pm, kind, &g, gc, &n);
    for (int k = 0; k < n; k++) {
        uint64_t q = gm[k].pos;
        if (q == who->pos)
            continue;
        /* a member of an earlier relation is not tied again by this one */
        if (mate_add(mt, r, q) & ((1u << r) - 1))
            continue;
        if (q - hb < he - hb) /* of the household: one compare, no coin toss */
            continue;
        elig[ne++] = &gm[k];
    }
    return ne;
}

static inline double weak_gate(const cg_people_model *pm, double soc)
{
    double g = pm->f[CG_TIE_WEAK] * soc;
    return g < 1 ? g : 1;
}

/* The weak layers of a week: each layer's key (layer and epoch) and the
 * offset of its pairing, the same for everybody; kept per thread for the
 * last week asked (they are a function of the seed, the population, the
 * re-pairing period and the week). */
typedef struct weak_week {
    uint64_t seed, S;
    int64_t week;
    int T, valid;
    uint64_t extra[CG_WEAK_LAYERS], base[CG_WEAK_LAYERS];
} weak_week;

static const weak_week *weak_layers(const cg_people_model *pm, int64_t week)
{
    static _Thread_local weak_week w;
    int T = pm->cfg->people.weak_tie_weeks;
    if (w.valid && w.seed == pm->seed && w.S == pm->S && w.T == T && w.week == week)
        return &w;
    for (int k = 0; k < CG_WEAK_LAYERS; k++) {
        int64_t wk = week + (int64_t)k * T / CG_WEAK_LAYERS;
        uint64_t epoch = (uint64_t)(wk >= 0 ? wk / T : -((-wk + T - 1) / T));
        w.extra[k] = (uint64_t)k << 40 ^ epoch;
        w.base[k] = h3(pm->seed, H_WEAK, w.extra[k]) % pm->S;
    }
    w.seed = pm->seed;
    w.S = pm->S;
    w.T = T;
    w.week = week;
    w.valid = 1;
    return &w;
}

int cg_people_ties(const cg_people_model *pm, const cg_person *who, int64_t week, cg_tie *t)
{
    return cg_people_ties_c(pm, who, week, t, NULL);
}

int cg_people_ties_c(const cg_people_model *pm, const cg_person *who, int64_t week, cg_tie *t,
                     cg_groupcache *gc)
{
    int n = 0;
    uint64_t hb, he;
    cg_people_household(pm, who->pos, &hb, &he);
    for (uint64_t q = hb; q < he; q++)
        if (q != who->pos) {
            cg_person p;
            person_core(pm, q, &p);
            /* a household is one point of the circle of interests: the
             * closest there is */
            make_tie(pm, who, &p, CG_TIE_HOUSEHOLD, 0, pm->close_tab[0], pm->close_log[0],
                     &t[n++]);
        }
    /* group relations: mates of each, then the ties among them */
    cg_mates mt;
    const cg_gmember *mp[CG_MEMBERS_MAX];
#ifdef __clang_analyzer__
    /* mp[0..nt) below are a prefix of mp[0..ne), set by relation_members;
     * the analyzer does not follow the compaction */
    memset(mp, 0, sizeof mp);
#endif
    mates_begin(&mt);
    for (int r = 0; r < 3; r++) {
        int ne = relation_members(pm, who, r, hb, he, &mt, mp, gc);
        int kind = REL_KIND[r];
        uint64_t own = kind == CG_TIE_HOOD ? hb : who->pos;
        double town = theta_of(pm, own);
        /* the pair's hash with own the lower key, its first mix made once */
        uint64_t own_mix = cg_mix64(pm->hkey[H_TIE - H_PERSON] ^ own);
        /* a household (consecutive members listed under one head) shares
         * the head's place on the circle and the head's pair hash. Which
         * members tie is decided first, without a branch on the draws
         * (they are coin tosses), then their ties are made. */
        int nt = 0; /* the tied ones are compacted to mp[0..nt) */
        for (int k = 0; k < ne; k++) {
            const cg_gmember *q = mp[k];
            uint64_t kb = q->pos - q->head_off;
            double c = closeness_t(pm, town, q->theta, NULL);
            /* the pair's hash with the lower key first: own's first mix or
             * kb's, selected */
            uint64_t kb_mix = cg_mix64(pm->hkey[H_TIE - H_PERSON] ^ kb);
            int own_lo = own < kb;
            uint64_t lo_mix = cg_sel64(own_lo, own_mix, kb_mix), hi = cg_sel64(own_lo, kb, own);
            double u = u01(pair_key_mixed(lo_mix, hi, kind, 0, 0x55));
            mp[nt] = q;
            nt += tied_u(pm, who, q->pos, q->soc, kind, c, u);
        }
        for (int j = 0; j < nt; j++) {
            const cg_gmember *q = mp[j];
            CG_ASSERT(q != NULL);
            double lc, c = closeness_t(pm, town, q->theta, &lc);
            cg_person p;
            member_person(q, &p);
            make_tie(pm, who, &p, kind, 0, c, lc, &t[n++]);
        }
    }
    /* weak ties: layer k re-pairs everybody every weak_tie_weeks weeks, the
     * layers staggered so that a few change each week */
    const weak_week *ww = weak_layers(pm, week);
    uint64_t tau = cg_perm_fwd(&pm->weak, who->pos);
    for (int k = 0; k < CG_WEAK_LAYERS; k++) {
        uint64_t extra = ww->extra[k], base = ww->base[k];
        uint64_t tq = base >= tau ? base - tau : base + pm->S - tau;
        if (tq == tau)
            continue;
        /* tied when both sides pass their gates min(1, f soc), each side's
         * draw its own: a side that fails its own skips the layer without
         * looking up the other */
        uint64_t tl = tau < tq ? tau : tq, th = tau < tq ? tq : tau;
        uint64_t hk = cg_key4(pm->seed ^ H_WEAK, tl, th, extra), hm = cg_mix64(hk);
        /* the lower side's draw is hk, the higher's hm: selected, not
         * branched on (which side is lower is a coin toss) */
        uint64_t own_u = cg_sel64(tau == tl, hk, hm), peer_u = cg_sel64(tau == tl, hm, hk);
        if (!(u01(own_u) < weak_gate(pm, who->soc)))
            continue;
        uint64_t q = cg_perm_inv(&pm->weak, tq);
        if (q - hb < he - hb || is_mate(&mt, 7, q))
            continue;
        cg_person p;
        person_core(pm, q, &p);
        if (u01(peer_u) < weak_gate(pm, p.soc))
            make_tie(pm, who, &p, CG_TIE_WEAK, extra, 1.0, 0.0, &t[n++]);
    }
    return n;
}

/* ---- set-up and calibration ---- */

/* The calibration sample: every position of a small population, else
 * n spread over it. */
static uint64_t cal_pos(const cg_people_model *pm, uint64_t k, uint64_t n)
{
    if (pm->S <= n)
        return k;
    return (uint64_t)((double)k * (double)pm->S / (double)n);
}

/* Mean over the products s of f s / (1 + f s), per person of the sample. */
static double expected_ties(const double *prod, size_t np, double f, double persons)
{
    double e = 0;
    for (size_t k = 0; k < np; k++)
        e += f * prod[k] / (1.0 + f * prod[k]);
    return e / persons;
}

/* The f giving `target` ties per person, or the largest tried. */
static double solve_f(const double *prod, size_t np, double persons, double target)
{
    if (target <= 0 || np == 0)
        return 0;
    double lo = 0, hi = 1;
    while (hi < 1e4 && expected_ties(prod, np, hi, persons) < target)
        hi *= 2;
    for (int it = 0; it < 50; it++) {
        double mid = 0.5 * (lo + hi);
        if (expected_ties(prod, np, mid, persons) < target)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* Mean of min(1, f s) over the sociabilities s. */
static double mean_gate(const double *soc, size_t n, double f)
{
    double m = 0;
    for (size_t k = 0; k < n; k++)
        m += fmin(1.0, f * soc[k]);
    return n ? m / (double)n : 0;
}

/* Tie propensities from the configured degrees: colleague ties per worker
 * (work_ties), weak ties per person, and friends making up the rest of
 * avg_contacts (HOOD_SHARE of them in neighbourhood circles). */
static int calibrate_degrees(cg_people_model *pm)
{
    const cg_config *cfg = pm->cfg;
    uint64_t n = pm->S < CAL_DEG_N ? pm->S : CAL_DEG_N;
    double *prod[4] = {NULL, NULL, NULL, NULL};
    size_t np[4] = {0, 0, 0, 0}, cap[4] = {0, 0, 0, 0};
    int oom = 0;
    cg_groupcache *gc = cg_groupcache_new(1); /* NULL: no memo, slower */
    double hh = 0, workers = 0;
    for (uint64_t k = 0; k < n; k++) {
        cg_person who;
        cg_people_person(pm, cal_pos(pm, k, n), &who);
        uint64_t hb, he;
        cg_people_household(pm, who.pos, &hb, &he);
        hh += (double)(he - hb - 1);
        workers += who.place != CG_PLACE_NONE;
        cg_mates mt;
        const cg_gmember *mp[CG_MEMBERS_MAX];
        mates_begin(&mt);
        for (int r = 0; r < 3; r++) {
            int ne = relation_members(pm, &who, r, hb, he, &mt, mp, gc);
            double *g = cg_grow(prod[r], &cap[r], np[r] + (size_t)ne + 1, sizeof *g);
            if (!g) {
                oom = 1;
                break;
            }
            prod[r] = g;
            double town = theta_of(pm, REL_KIND[r] == CG_TIE_HOOD ? hb : who.pos);
            for (int j = 0; j < ne; j++)
                prod[r][np[r]++] = who.soc * mp[j]->soc * closeness_t(pm, town, mp[j]->theta, NULL);
        }
        /* weak ties: each side's gate min(1, f soc) */
        double *g = cg_grow(prod[3], &cap[3], np[3] + 1, sizeof *g);
        if (oom || !g) {
            oom = 1;
            break;
        }
        prod[3] = g;
        prod[3][np[3]++] = who.soc;
    }
    cg_groupcache_free(gc);
    if (oom) {
        for (int r = 0; r < 4; r++)
            free(prod[r]);
        return -1;
    }
    const cg_people *pp = &cfg->people;
    double dn = (double)n;
    pm->f[CG_TIE_WORK] = workers > 0 ? solve_f(prod[0], np[0], workers, pp->work_ties) : 0;
    /* weak: L layers x P(own gate) x P(other's gate) = weak_ties */
    double gate = sqrt(fmin(1.0, pp->weak_ties / CG_WEAK_LAYERS)), lo = 0, hi = 1;
    while (hi < 1e6 && mean_gate(prod[3], np[3], hi) < gate)
        hi *= 2;
    for (int it = 0; it < 60; it++) {
        double mid = 0.5 * (lo + hi);
        if (mean_gate(prod[3], np[3], mid) < gate)
            lo = mid;
        else
            hi = mid;
    }
    pm->f[CG_TIE_WEAK] = 0.5 * (lo + hi);
    double mg = mean_gate(prod[3], np[3], pm->f[CG_TIE_WEAK]);
    double work = expected_ties(prod[0], np[0], pm->f[CG_TIE_WORK], dn);
    double weak = CG_WEAK_LAYERS * mg * mg;
    double friends = cfg->avg_contacts - hh / dn - work - weak;
    pm->f[CG_TIE_HOOD] = solve_f(prod[1], np[1], dn, HOOD_SHARE * friends);
    pm->f[CG_TIE_TOWN] = solve_f(prod[2], np[2], dn, (1 - HOOD_SHARE) * friends);
    for (int r = 0; r < 4; r++)
        free(prod[r]);
    return 0;
}

/* Events per unit of tie rate, so that the population means of on-net
 * calls and SMS per subscriber-day are the configured ones, and the centre
 * of the talk-time shift; from the ties of the calibration sample. */
static int calibrate_rates(cg_people_model *pm)
{
    const cg_config *cfg = pm->cfg;
    uint64_t n = pm->S < CAL_N ? pm->S : CAL_N;
    cg_tie *t = malloc(sizeof *t * CG_TIE_MAX);
    cg_groupcache *gc = cg_groupcache_new(1); /* NULL: no memo, slower */
    if (!t) {
        cg_groupcache_free(gc);
        return -1;
    }
    /* activity levels: exactly mean 1 over the sample (the whole population
     * up to CAL_N), whatever the draws */
    double am[3] = {0, 0, 0};
    for (uint64_t k = 0; k < n; k++) {
        cg_person who;
        cg_people_person(pm, cal_pos(pm, k, n), &who);
        for (int s = 0; s < 3; s++)
            am[s] += who.act[s] / (double)n;
    }
    for (int s = 0; s < 3; s++)
        pm->act_scale[s] = am[s] > 0 ? 1.0 / am[s] : 1.0;
    double m[2] = {0, 0}, lw = 0, w = 0, deg = 0;
    for (uint64_t k = 0; k < n; k++) {
        cg_person who;
        cg_people_person(pm, cal_pos(pm, k, n), &who);
        int nt = cg_people_ties_c(pm, &who, 0, t, gc);
        deg += nt;
        for (int j = 0; j < nt; j++)
            for (int s = 0; s < 2; s++) {
                /* a sample of a larger population: the tie's own Pareto
                 * and log-normal factors at their mean, 1 (the population's
                 * ties average them out, the sample's would not); the
                 * whole population: as drawn */
                int ip = (int)((t[j].key >> 40) & 4095), il = (int)(t[j].key & 4095);
                double st = pm->S <= CAL_N ? t[j].strength
                                           : t[j].strength / (pm->par_tab[ip] * pm->ln_tab[il]);
                double r = st * sqrt(who.act[s] * t[j].peer.act[s]);
                m[s] += r;
                lw += r * (log(st) + (pm->S <= CAL_N ? 0.0 : pm->par_log[ip] + pm->ln_log[il]));
                w += r;
            }
    }
    free(t);
    cg_groupcache_free(gc);
    /* a day's tie rate has the geometric mean of the two day factors:
     * E[sqrt(G)]^2 on average, not 1 */
    double sg = 0;
    for (int q = 0; q < 1024; q++)
        sg += sqrt(pm->gq[q]) / 1024;
    double on = (1.0 - cfg->interconnect_share) / (sg * sg);
    pm->kappa[0] = m[0] > 0 ? cfg->avg_calls * on * (double)n / m[0] : 0;
    pm->kappa[1] = m[1] > 0 ? cfg->avg_sms * on * (double)n / m[1] : 0;
    pm->talk_mid = w > 0 ? lw / w : 0;
    pm->mean_degree = deg / (double)n;
    return 0;
}

int cg_people_init(cg_people_model *pm, const cg_config *cfg, const cg_cells *cells,
                   uint64_t S, cg_err *err)
{
    memset(pm, 0, sizeof *pm);
    pm->cfg = cfg;
    pm->cells = cells;
    pm->S = S ? S : 1;
    pm->seed = cg_mix64(cfg->seed ^ 0x70656f706c65ULL);
    for (int k = 0; k <= H_THETA - H_PERSON; k++)
        pm->hkey[k] = cg_mix64(pm->seed ^ (uint64_t)(H_PERSON + k));
    cg_perm_init(&pm->perm, pm->S, h3(pm->seed, H_GPERM, 1));
    /* weak ties: a well-mixing permutation, so that neighbours' partners
     * are not neighbours */
    cg_perm_init(&pm->weak, pm->S, h3(pm->seed, H_GPERM, 2));
    for (int q = 0; q < 4096; q++)
        pm->zq[q] = norm_quantile((q + 0.5) / 4096);
    /* log-normal factors of mean 1: exp(s rho z - (s rho)^2 / 2) shared,
     * exp(s c z - (s c)^2 / 2) own, c = sqrt(1 - rho^2) */
    const cg_people *pq = &cfg->people;
    double sa = pq->activity_sigma, ss = pq->sociability_sigma, sg = pq->tie_sigma;
    double ca = sqrt(1 - ACT_RHO * ACT_RHO), cs = sqrt(1 - SOC_RHO * SOC_RHO);
    double a = TIE_ALPHA;
    for (int q = 0; q < 4096; q++) {
        double z = pm->zq[q];
        pm->act0[q] = exp(sa * ACT_RHO * z - 0.5 * sa * sa * ACT_RHO * ACT_RHO);
        pm->act1[q] = exp(sa * ca * z - 0.5 * sa * sa * ca * ca);
        pm->soc0[q] = exp(ss * SOC_RHO * z - 0.5 * ss * ss * SOC_RHO * SOC_RHO);
        pm->soc1[q] = exp(ss * cs * z - 0.5 * ss * ss * cs * cs);
        pm->ln_log[q] = sg * z - 0.5 * sg * sg;
        pm->ln_tab[q] = exp(pm->ln_log[q]);
        /* Pareto(a) midpoint quantiles, scaled to mean (a - 1) / a x
         * E[X] = 1 */
        pm->par_log[q] = -log(1.0 - (q + 0.5) / 4096) / a + log((a - 1) / a);
        pm->par_tab[q] = exp(pm->par_log[q]);
    }
    /* the tables' own means exactly 1 */
    double mp = 0, ml = 0;
    for (int q = 0; q < 4096; q++) {
        mp += pm->par_tab[q] / 4096;
        ml += pm->ln_tab[q] / 4096;
    }
    for (int q = 0; q < 4096; q++) {
        pm->par_tab[q] /= mp;
        pm->par_log[q] -= log(mp);
        pm->ln_tab[q] /= ml;
        pm->ln_log[q] -= log(ml);
    }
    for (int q = 0; q < CG_CLOSE_TAB; q++) {
        double d = (q + 0.5) / (2.0 * CG_CLOSE_TAB);
        pm->close_log[q] = -d / CLOSE_SCALE;
    }
    gamma_table(pm->gq, 1024, cfg->people.day_shape);
    pm->act_scale[0] = pm->act_scale[1] = pm->act_scale[2] = 1.0;
    /* profiles: shares, normalised rates and weekdays, the place share
     * scaled to mobility.worker_share */
    pm->nprof = cfg->n_profiles;
    double wsum = 0, rs[3] = {0, 0, 0}, work = 0;
    for (int k = 0; k < pm->nprof; k++)
        wsum += cfg->profiles[k].weight;
    for (int k = 0; k < pm->nprof; k++) {
        const cg_profile *p = &cfg->profiles[k];
        double sh = p->weight / wsum;
        pm->prof_cum[k] = (k ? pm->prof_cum[k - 1] : 0) + sh;
        rs[0] += sh * p->calls;
        rs[1] += sh * p->sms;
        rs[2] += sh * p->data;
        pm->place_of[k] = !strcmp(p->place, "school") ? CG_PLACE_SCHOOL
                          : !strcmp(p->place, "none") ? CG_PLACE_NONE
                                                      : CG_PLACE_WORK;
        if (pm->place_of[k] != CG_PLACE_NONE)
            work += sh * p->work_share;
        double dm = 0;
        for (int d = 0; d < 7; d++)
            dm += p->weekdays[d] / 7;
        for (int d = 0; d < 7; d++)
            pm->dow[k][d] = dm > 0 ? p->weekdays[d] / dm : 1;
        pm->soc_mult[k] = p->sociability;
    }
    for (int k = 0; k < pm->nprof; k++) {
        const cg_profile *p = &cfg->profiles[k];
        pm->rate[k][0] = rs[0] > 0 ? p->calls / rs[0] : 1;
        pm->rate[k][1] = rs[1] > 0 ? p->sms / rs[1] : 1;
        pm->rate[k][2] = rs[2] > 0 ? p->data / rs[2] : 1;
        double ws = pm->place_of[k] == CG_PLACE_NONE ? 0 : p->work_share;
        pm->work_p[k] = work > 0 ? fmin(1.0, ws * cfg->mob.worker_share / work) : 0;
    }
    pm->prof_cum[pm->nprof - 1] = 1.0;
    for (int r = 0; r <= CG_TIE_KINDS; r++) {
        double want = REGION_SHARE[r] * (double)pm->S;
        uint64_t R = REGION_MIN[r] ? REGION_MIN[r] : 1;
        while ((double)R * 2 < want) /* 4R is nearer to want than R */
            R *= 4;
        pm->region[r] = R;
    }
    const cg_people *pp = &cfg->people;
    pm->hh_q = 1.0 / pp->household_size;
    pm->groups_per_sb[CG_TIE_WORK] = CG_GROUP_CAP / pp->work_group_size;
    pm->groups_per_sb[CG_TIE_KINDS] = CG_GROUP_CAP / pp->school_group_size;
    pm->groups_per_sb[CG_TIE_HOOD] = pm->groups_per_sb[CG_TIE_TOWN] = CG_GROUP_CAP / pp->circle_size;
    memcpy(pm->base, KIND_BASE, sizeof pm->base);
    pm->talk_beta = TALK_BETA;
    /* closeness exp(-d / scale), normalised to mean 1 over d uniform on
     * [0, 1/2] (the table's own mean) */
    double cm = 0;
    for (int q = 0; q < CG_CLOSE_TAB; q++)
        cm += exp(pm->close_log[q]) / CG_CLOSE_TAB;
    for (int q = 0; q < CG_CLOSE_TAB; q++) {
        pm->close_log[q] -= log(cm);
        pm->close_tab[q] = exp(pm->close_log[q]);
    }
    for (int k = 0; k < CG_TIE_KINDS; k++)
        pm->log_base[k] = log(pm->base[k]);
    if (cg_popmap_build(&pm->map, cells) || calibrate_degrees(pm) || calibrate_rates(pm)) {
        cg_people_free(pm);
        return cg_err_set(err, CG_ERUNTIME, "out of memory building the population");
    }
    return CG_OK;
}

void cg_people_free(cg_people_model *pm)
{
    cg_popmap_free(&pm->map);
}
