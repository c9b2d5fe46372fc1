/* Homes, work places, personal places and the day's schedule (see
 * places.h and MODEL.md "Places"). */
#include "core/places.h"

#include <math.h>
#include <string.h>

#include "core/rng.h"

#define PI 3.14159265358979323846
/* 2024-01-01, days since 1970: people's places are counted from an epoch
 * up to three years before it. */
#define EPOCH_DAY 19723
#define EPOCH_SPREAD_DAYS 1095
/* Personal places: PLACE_KM x ((1-u)^(-1/PLACE_ALPHA) - 1) from home (or,
 * for PLACE_NEAR_WORK of a worker's places, from work). */
#define PLACE_KM 4.0
#define PLACE_ALPHA 1.2
#define PLACE_MAX_KM 150.0
#define PLACE_NEAR_WORK 0.15
/* A worker is off work on a working day with this probability. */
#define DAY_OFF_PROB 0.05
/* Extra time of any trip (walking, parking, waiting), hours. */
#define TRIP_OVERHEAD_H 0.15
/* A RAT serves a place when its nearest site is within this factor of the
 * nearest site of any RAT (or this many km more). */
#define RAT_REACH_FACTOR 1.5
#define RAT_REACH_KM 1.0
/* A record at a place is served by the place's next-best cell with this
 * probability (load balancing, indoor coverage, a neighbour that is
 * momentarily stronger). */
#define ALT_CELL_MAX_KM 3.5
/* Who serves a still phone: the best cell, else the k-th alternative, with
 * these shares (day, and night when phones sit idle). */
static const double ALT_W_DAY[1 + CG_PLAN_ALTS] = {0.38, 0.26, 0.19, 0.17};
static const double ALT_W_NIGHT[1 + CG_PLAN_ALTS] = {0.90, 0.06, 0.03, 0.01};
/* A worker goes out for lunch near work with this probability. */
#define LUNCH_PROB 0.5
/* People differ in how much they go out: a lognormal factor, mean 1, on
 * their outing rate (and its square root on how far their places are). */
#define MOBILITY_SIGMA 0.8

/* Devices: the best RAT a person's handset speaks (WCDMA, LTE, NR). */
static const double DEVICE_CUM[3] = {0.10, 0.55, 1.0};

double cg_local_hour(int64_t t_ms, int off_min)
{
    int64_t s = t_ms / 1000 + (int64_t)off_min * 60;
    int64_t r = s % 86400;
    if (r < 0)
        r += 86400;
    return (double)r / 3600.0;
}

/* Lomax distance with scale k and shape alpha, at most max (folded). */
typedef struct person {
    double hx, hy, wx, wy;
    int worker;
    int device; /* best RAT of the handset */
    double mobility;
    double range; /* x the distance of personal places */
    int32_t epoch;
    int area;
} person;

/* The person's anchors (home, work: the People model) and, from its own
 * key, its handset, how much it goes out and since when it knows places. */
static void person_of(person *p, const cg_config *cfg, const cg_anchor *an, double outings,
                      double range, uint64_t id)
{
    cg_rng r = cg_rng_make(cfg->seed, CG_S_PERSON, id, 0);
    p->hx = an->hx;
    p->hy = an->hy;
    p->wx = an->wx;
    p->wy = an->wy;
    p->worker = an->has_work;
    p->area = an->area;
    p->range = range;
    p->epoch = EPOCH_DAY - (int32_t)(cg_rng_u01(&r) * EPOCH_SPREAD_DAYS);
    double ud = cg_rng_u01(&r);
    p->device = ud < DEVICE_CUM[0] ? CG_RAT_WCDMA : ud < DEVICE_CUM[1] ? CG_RAT_LTE : CG_RAT_NR;
    p->mobility = outings *
                  exp(MOBILITY_SIGMA * cg_rng_normal(&r) - 0.5 * MOBILITY_SIGMA * MOBILITY_SIGMA);
}

/* Personal place j of the person. */
static void place_of(const cg_config *cfg, const cg_cells *c, uint64_t id, uint64_t j,
                     const person *p, double *x, double *y)
{
    cg_rng r = cg_rng_make(cfg->seed, CG_S_PLACE, id, j);
    double d = cg_lomax(cg_rng_u01(&r), PLACE_KM * p->range * sqrt(p->mobility), PLACE_ALPHA, PLACE_MAX_KM,
                     cg_rng_u01(&r));
    double th = 2 * PI * cg_rng_u01(&r);
    int near_work = p->worker && cg_rng_u01(&r) < PLACE_NEAR_WORK;
    *x = (near_work ? p->wx : p->hx) + d * sin(th);
    *y = (near_work ? p->wy : p->hy) + d * cos(th);
    cg_cells_clamp(c, x, y);
}

/* Exploration and preferential return without history: after n outings a
 * person knows S(n) = ((1+g) rho n)^(1/(1+g)) places (the solution of
 * dS/dn = rho S^-g); outing n goes to a new place with probability
 * rho S^-g, else to a known one with the visit frequencies of EPR,
 * P(rank k) ~ k^-(1+g). Returns the place's index (new ones get an index
 * no return ever draws). */
static uint64_t epr_place(const cg_config *cfg, double n, uint64_t fresh, cg_rng *r)
{
    double rho = cfg->mob.explore_rho, g = cfg->mob.explore_gamma;
    double S = pow((1.0 + g) * rho * (n < 1 ? 1 : n), 1.0 / (1.0 + g));
    if (S < 1)
        S = 1;
    double u = cg_rng_u01(r);
    if (u < rho * pow(S, -g))
        return ((uint64_t)1 << 40) + fresh;
    double v = cg_rng_u01(r), z = 1.0 + g, x;
    if (fabs(1.0 - z) < 1e-9)
        x = exp(v * log(S + 1.0));
    else
        x = pow(1.0 + v * (pow(S + 1.0, 1.0 - z) - 1.0), 1.0 / (1.0 - z));
    uint64_t k = (uint64_t)floor(x);
    return k >= 1 ? k - 1 : 0;
}

static int add_place(cg_dayplan *p, double x, double y)
{
    if (p->npl == CG_PLAN_MAXPL)
        return p->npl - 1;
    cg_plan_place *q = &p->pl[p->npl];
    q->x = x;
    q->y = y;
    q->done = 0;
    return p->npl++;
}

static void add_seg(cg_dayplan *p, double t0, double t1, int a, int b)
{
    if (t1 <= t0 || p->nseg == CG_PLAN_MAXSEG)
        return;
    p->seg[p->nseg++] = (cg_plan_seg){t0, t1, (uint8_t)a, (uint8_t)b};
}

static double trip_h(const cg_config *cfg, const cg_dayplan *p, int a, int b)
{
    double d = hypot(p->pl[a].x - p->pl[b].x, p->pl[a].y - p->pl[b].y);
    double t = TRIP_OVERHEAD_H + d / cfg->mob.commute_speed_kmh;
    return t > 4.0 ? 4.0 : t;
}

/* An outing: at home from `from`, leave at `start`, there, a stay, back.
 * Returns the hour the person is home again, or -1 (nothing added) when it
 * does not fit the day. */
static double outing(cg_dayplan *p, const cg_config *cfg, int k, double from, double start,
                     double stay)
{
    double t = trip_h(cfg, p, 0, k);
    double back = start + 2 * t + stay;
    if (back > 23.9 || p->nseg + 4 > CG_PLAN_MAXSEG - 1)
        return -1;
    add_seg(p, from, start, 0, 0);
    add_seg(p, start, start + t, 0, k);
    add_seg(p, start + t, start + t + stay, k, k);
    add_seg(p, start + t + stay, back, k, 0);
    return back;
}

void cg_plan_day(cg_dayplan *p, const cg_config *cfg, const cg_cells *cells,
                 const cg_anchor *anchor, double outings, double range, uint64_t id, int32_t day,
                 int weekend)
{
    person who;
    person_of(&who, cfg, anchor, outings, range, id);
    p->cells = cells;
    p->device = who.device;
    p->npl = p->nseg = 0;
    add_place(p, who.hx, who.hy); /* 0: home */
    cg_rng r = cg_rng_make(cfg->seed, ((uint64_t)(uint32_t)day << 8) | CG_S_PLAN, id, 0);
    const cg_mobility *mb = &cfg->mob;
    double days_known = (double)(day - who.epoch);
    double rate = mb->outings_per_day * 2.0 / 7.0 + mb->evening_out_prob * 5.0 / 7.0;
    if (rate < 0.1)
        rate = 0.1;
    double t = 0; /* home until t */
    int working = !weekend && who.worker && cg_rng_u01(&r) >= DAY_OFF_PROB;
    if (working) {
        int w = add_place(p, who.wx, who.wy); /* 1: work */
        double tr = trip_h(cfg, p, 0, w);
        double leave = mb->work_start_hour + 0.6 * cg_rng_normal(&r);
        leave = fmax(mb->work_start_hour - 2, fmin(mb->work_start_hour + 2, leave));
        double off = mb->work_end_hour + 0.7 * cg_rng_normal(&r);
        off = fmax(leave + tr + 1.0, fmin(mb->work_end_hour + 3, off));
        double back = off + tr;
        if (back > 23.5) { /* a very long commute: a shorter day */
            off = fmax(leave + tr + 0.5, 23.5 - tr);
            back = off + tr;
        }
        add_seg(p, 0, leave, 0, 0);
        add_seg(p, leave, leave + tr, 0, w);
        double l0 = 11.75 + 0.75 * cg_rng_u01(&r), l1 = l0 + 0.5 + 0.5 * cg_rng_u01(&r);
        if (cg_rng_u01(&r) < LUNCH_PROB && l0 > leave + tr + 0.5 && l1 < off - 0.5) {
            /* a place within walking distance of work, its own each day */
            double d = 0.2 + 1.0 * cg_rng_u01(&r), th = 2 * PI * cg_rng_u01(&r);
            int lp = add_place(p, who.wx + d * sin(th), who.wy + d * cos(th));
            add_seg(p, leave + tr, l0, w, w);
            add_seg(p, l0, l0 + 0.1, w, lp);
            add_seg(p, l0 + 0.1, l1 - 0.1, lp, lp);
            add_seg(p, l1 - 0.1, l1, lp, w);
            add_seg(p, l1, off, w, w);
        } else {
            add_seg(p, leave + tr, off, w, w);
        }
        add_seg(p, off, back, w, 0);
        t = back;
        double pe = mb->evening_out_prob * who.mobility;
        if (cg_rng_u01(&r) < (pe < 0.95 ? pe : 0.95) && t < 21.5) {
            double n = days_known * rate + 0.5;
            uint64_t j = epr_place(cfg, n, (uint64_t)(day - who.epoch) * 8 + 7, &r);
            double x, y;
            place_of(cfg, cells, id, j, &who, &x, &y);
            int k = add_place(p, x, y);
            double start = fmax(t + 0.25, 18.5 + 2.0 * cg_rng_u01(&r));
            double stay = 1.0 + 1.5 * cg_rng_u01(&r);
            double back2 = outing(p, cfg, k, t, start, stay);
            if (back2 > 0)
                t = back2;
            else
                p->npl--;
        }
    } else {
        int k = (int)cg_rng_poisson(&r, mb->outings_per_day * who.mobility);
        if (k > 3)
            k = 3;
        double starts[3];
        for (int q = 0; q < k; q++)
            starts[q] = 9.0 + 11.5 * cg_rng_u01(&r);
        for (int q = 1; q < k; q++) /* sort the three */
            for (int s = q; s > 0 && starts[s - 1] > starts[s]; s--) {
                double tmp = starts[s];
                starts[s] = starts[s - 1];
                starts[s - 1] = tmp;
            }
        for (int q = 0; q < k; q++) {
            double n = days_known * rate + q;
            uint64_t j = epr_place(cfg, n, (uint64_t)(day - who.epoch) * 8 + (uint64_t)q, &r);
            double x, y;
            place_of(cfg, cells, id, j, &who, &x, &y);
            double stay = 1.0 + 3.0 * cg_rng_u01(&r);
            double start = fmax(starts[q], t + 0.25);
            if (p->npl == CG_PLAN_MAXPL)
                break;
            int pk = add_place(p, x, y);
            double back = outing(p, cfg, pk, t, start, stay);
            if (back > 0)
                t = back;
            else
                p->npl--;
        }
    }
    add_seg(p, t, 24.0, 0, 0);
}

/* The nearest sites of layer r at the place. Layer 3 (any RAT) is one
 * k-nearest query; a RAT's layer is taken from it when one of those sites
 * carries the RAT (the nearest of them is then the RAT's nearest site: a
 * closer one would be among the k), else from a query of its own. */
static void sites_of(const cg_cells *c, cg_plan_place *q, int r)
{
    if (q->done & (1u << r))
        return;
    for (int k = 0; k <= CG_PLAN_ALTS; k++)
        q->cell[r][k] = 0;
    q->done |= (uint8_t)(1u << r);
    if (r == 3) {
        q->nsite[3] = (uint8_t)cg_cells_knn(c, q->x, q->y, -1, q->site[3], q->dist[3]);
        return;
    }
    sites_of(c, q, 3);
    int n = 0;
    for (int k = 0; k < q->nsite[3]; k++)
        if (c->site_ratmask[q->site[3][k]] & (1u << r)) {
            q->site[r][n] = q->site[3][k];
            q->dist[r][n] = q->dist[3][k];
            n++;
        }
    if (n == 0)
        n = cg_cells_knn(c, q->x, q->y, r, q->site[r], q->dist[r]);
    q->nsite[r] = (uint8_t)n;
}

/* A RAT serves a place when its nearest site is within reach of the
 * nearest site of any RAT. */
static int rat_serves(const cg_cells *c, cg_plan_place *q, int r)
{
    sites_of(c, q, 3);
    sites_of(c, q, r);
    if (!q->nsite[r] || !q->nsite[3])
        return 0;
    double d = q->dist[r][0], d_any = q->dist[3][0];
    return d <= RAT_REACH_FACTOR * d_any || d <= d_any + RAT_REACH_KM;
}

/* Data goes on the best RAT that serves the place and the handset speaks;
 * voice and SMS on LTE (VoLTE) where it serves, else on WCDMA, else on the
 * nearest site's cell. */
static int pick_layer(const cg_cells *c, cg_plan_place *q, int *rat, int device)
{
    if (*rat == -2) {
        for (int r = device; r >= 0; r--)
            if (rat_serves(c, q, r)) {
                *rat = r;
                return r;
            }
        /* nothing the handset speaks is near: its best RAT that exists */
        for (int r = device; r >= 0; r--) {
            sites_of(c, q, r);
            if (q->nsite[r]) {
                *rat = r;
                return r;
            }
        }
        for (int r = 0; r < 3; r++) {
            sites_of(c, q, r);
            if (q->nsite[r]) {
                *rat = r;
                return r;
            }
        }
        *rat = CG_RAT_LTE;
        return 3;
    }
    if (*rat >= 0) {
        sites_of(c, q, *rat);
        return q->nsite[*rat] ? *rat : 3;
    }
    if (device >= CG_RAT_LTE && rat_serves(c, q, CG_RAT_LTE))
        return CG_RAT_LTE;
    if (rat_serves(c, q, CG_RAT_WCDMA))
        return CG_RAT_WCDMA;
    sites_of(c, q, 3);
    return 3;
}

/* Cell k of layer r: k < ALTS the sector of the k-th nearest site,
 * k == ALTS the best site's neighbouring sector. */
static uint32_t cell_k(const cg_cells *c, cg_plan_place *q, int r, int k)
{
    if (q->cell[r][k])
        return q->cell[r][k];
    int rr = r == 3 ? -1 : r;
    uint32_t id = 0;
    if (k < CG_PLAN_ALTS) {
        id = cg_cells_sector(c, q->site[r][k], q->x, q->y, rr);
    } else {
        uint32_t best = cell_k(c, q, r, 0);
        int s0 = q->site[r][0];
        for (int j = 0; j < c->site_ncells[s0]; j++) {
            uint32_t cand = (uint32_t)(c->site_first[s0] + j) + 1;
            if (cand != best && (rr < 0 || c->rat[cand - 1] == rr)) {
                id = cand;
                break;
            }
        }
    }
    q->cell[r][k] = id;
    return id;
}

static uint32_t cell_at(const cg_cells *c, cg_plan_place *q, int *rat, int device, double u,
                        double h)
{
    int r = pick_layer(c, q, rat, device);
    if (!q->nsite[r])
        return 0;
    /* the alternatives the place has: the neighbouring sector, then the
     * next sites within ALT_CELL_MAX_KM */
    int alt[CG_PLAN_ALTS], na = 0;
    alt[na++] = CG_PLAN_ALTS;
    for (int k = 1; k < q->nsite[r] && na < CG_PLAN_ALTS; k++)
        if (q->dist[r][k] <= ALT_CELL_MAX_KM)
            alt[na++] = k;
    const double *w = h < 6.0 ? ALT_W_NIGHT : ALT_W_DAY;
    double tot = 0;
    for (int k = 0; k <= na; k++)
        tot += w[k];
    double x = u * tot, acc = w[0];
    if (x >= acc)
        for (int k = 0; k < na; k++) {
            acc += w[k + 1];
            if (x < acc || k == na - 1) {
                uint32_t id = cell_k(c, q, r, alt[k]);
                if (id)
                    return id;
                break;
            }
        }
    return cell_k(c, q, r, 0);
}

uint32_t cg_plan_cell(cg_dayplan *p, double h, int *rat, double u)
{
    /* the first segment ending after h (else the last): segments follow
     * each other in time, so it is the count of those ending by h, made
     * without a branch on h */
    int k = 0;
    for (int j = 0; j < p->nseg; j++)
        k += h >= p->seg[j].t1;
    const cg_plan_seg *s = &p->seg[k < p->nseg ? k : p->nseg - 1];
    if (s->a == s->b)
        return cell_at(p->cells, &p->pl[s->a], rat, p->device, u, h);
    /* on the move: the point of the straight trip at h */
    double f = (h - s->t0) / (s->t1 - s->t0);
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    cg_plan_place m;
    m.x = p->pl[s->a].x + f * (p->pl[s->b].x - p->pl[s->a].x);
    m.y = p->pl[s->a].y + f * (p->pl[s->b].y - p->pl[s->a].y);
    m.done = 0;
    return cell_at(p->cells, &m, rat, p->device, u, h);
}

uint32_t cg_plan_home_cell(cg_dayplan *p, double h, int *rat, double u)
{
    return cell_at(p->cells, &p->pl[0], rat, p->device, u, h);
}
