/* The social and temporal figures of the report (see social.h; the
 * definitions are MODEL.md "Report"). */
#include "report/social.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/rng.h"

#define EARTH_KM 6371.0088
/* Inter-event times of subscribers with at least this many calls and SMS
 * give a burstiness; ties with at least this many calls a direction. */
#define BURST_MIN_EVENTS 20
#define DIRECTION_MIN_CALLS 10
/* Random pairs drawn for the home-distance reference. */
#define RANDOM_PAIRS 200000

int rs_init(rs_state *s)
{
    memset(s, 0, sizeof *s);
    s->cap = 1 << 16;
    s->pair = calloc(s->cap, sizeof *s->pair);
    return s->pair ? 0 : -1;
}

void rs_free(rs_state *s)
{
    free(s->pair);
    s->pair = NULL;
}

static size_t slot(const rs_state *s, uint64_t lo, uint64_t hi)
{
    size_t i = (size_t)(cg_mix64(lo * 0x9e3779b97f4a7c15ULL ^ hi) & (s->cap - 1));
    while (s->pair[i].lo && (s->pair[i].lo != lo || s->pair[i].hi != hi))
        i = (i + 1) & (s->cap - 1);
    return i;
}

static int grow(rs_state *s)
{
    rs_pair *old = s->pair;
    size_t oc = s->cap;
    s->cap *= 2;
    s->pair = calloc(s->cap, sizeof *s->pair);
    if (!s->pair) {
        s->pair = old;
        s->cap = oc;
        return -1;
    }
    for (size_t k = 0; k < oc; k++)
        if (old[k].lo)
            s->pair[slot(s, old[k].lo, old[k].hi)] = old[k];
    free(old);
    return 0;
}

int rs_event(rs_state *s, rs_sub *u, uint64_t own, uint64_t other, int peer_sampled, int is_call,
             int mo, int answered, int64_t start, int64_t end, uint32_t dur)
{
    u->events++;
    u->today++;
    if (u->has_last) {
        double g = (double)(start - u->last_t) / 1000.0;
        if (g < 0)
            g = 0;
        u->gap_s += g;
        u->gap_s2 += g * g;
        u->ngaps++;
    }
    u->has_last = 1;
    u->last_t = start;
    if (answered) {
        if (start < u->ans_end)
            s->overlaps++;
        if (end > u->ans_end)
            u->ans_end = end;
    }
    if (!mo || !peer_sampled || own == other || !own || !other)
        return 0; /* each on-net event once, from its originator */
    if ((s->n + 1) * 2 > s->cap && grow(s))
        return -1;
    uint64_t lo = own < other ? own : other, hi = own < other ? other : own;
    rs_pair *p = &s->pair[slot(s, lo, hi)];
    if (!p->lo) {
        p->lo = lo;
        p->hi = hi;
        s->n++;
    }
    if (is_call) {
        p->calls++;
        p->lo_calls += own == lo;
        if (answered && dur > 0) {
            p->answered++;
            p->secs += dur;
            p->log_talk += log((double)dur);
        }
    } else {
        p->sms++;
    }
    return 0;
}

void rs_day_end(rs_state *s, rs_sub *u)
{
    {
        if (u->has_yday) {
            double x = u->yday, y = u->today;
            s->day_x += x;
            s->day_y += y;
            s->day_xy += x * y;
            s->day_xx += x * x;
            s->day_yy += y * y;
            s->day_n += 1;
        }
        u->yday = u->today;
        u->today = 0;
        u->has_yday = 1;
    }
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    if (!n)
        return NAN;
    qsort(v, n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* index of msisdn among the sampled (sorted copy), or -1 */
typedef struct ix {
    uint64_t m;
    size_t k;
} ix;

static int cmp_ix(const void *a, const void *b)
{
    uint64_t x = ((const ix *)a)->m, y = ((const ix *)b)->m;
    return x < y ? -1 : x > y;
}

static long find(const ix *v, size_t n, uint64_t m)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].m < m)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo].m == m ? (long)v[lo].k : -1;
}

/* an edge of the sampled graph */
typedef struct edge {
    size_t a, b;
    const rs_pair *p;
    double w;  /* calls + SMS */
    double ov; /* neighbourhood overlap */
} edge;

static int cmp_edge_w(const void *x, const void *y)
{
    const edge *a = x, *b = y;
    if (a->w != b->w)
        return a->w < b->w ? -1 : 1;
    return a->p->lo < b->p->lo ? -1 : a->p->lo > b->p->lo ? 1 : (a->p->hi > b->p->hi) - (a->p->hi < b->p->hi);
}

static int cmp_sz(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* common neighbours of two sorted adjacency lists */
static size_t common(const size_t *a, size_t na, const size_t *b, size_t nb)
{
    size_t i = 0, j = 0, c = 0;
    while (i < na && j < nb) {
        if (a[i] < b[j])
            i++;
        else if (a[i] > b[j])
            j++;
        else {
            c++;
            i++;
            j++;
        }
    }
    return c;
}

/* Lomax maximum likelihood: w0 on a log grid, gamma = 1 + n / sum ln(1 +
 * w / w0) for each, the best log-likelihood kept. */
static void fit_lomax(const double *w, size_t n, double *gamma, double *w0)
{
    double best = -INFINITY;
    *gamma = NAN;
    *w0 = NAN;
    for (double c = 1.0; c <= 1e6; c *= 1.25) {
        double s = 0;
        for (size_t k = 0; k < n; k++)
            s += log1p(w[k] / c);
        if (!(s > 0))
            continue;
        double g = 1.0 + (double)n / s;
        /* log f = ln(g - 1) - ln c - g ln(1 + w/c) */
        double ll = (double)n * (log(g - 1) - log(c)) - g * s;
        if (ll > best) {
            best = ll;
            *gamma = g;
            *w0 = c;
        }
    }
}

void rs_finish(rs_state *s, rs_sub *const *subs, const uint64_t *msisdn, const double *home,
               size_t n, cg_report *rep)
{
    /* activity: monthly volume, day to day, burstiness */
    double sx = 0, sxx = 0;
    double *b = malloc(sizeof *b * (n ? n : 1));
    size_t nb = 0;
    for (size_t k = 0; k < n; k++) {
        double x = (double)subs[k]->events;
        sx += x;
        sxx += x * x;
        const rs_sub *u = subs[k];
        if (b && u->events >= BURST_MIN_EVENTS && u->ngaps > 1) {
            double m = u->gap_s / (double)u->ngaps;
            double v = u->gap_s2 / (double)u->ngaps - m * m;
            double sd = v > 0 ? sqrt(v) : 0;
            if (sd + m > 0)
                b[nb++] = (sd - m) / (sd + m);
        }
    }
    double mean = n ? sx / (double)n : NAN;
    rep->events_mean = mean;
    rep->events_cv = n && mean > 0 ? sqrt(fmax(0, sxx / (double)n - mean * mean)) / mean : NAN;
    double dn = s->day_n;
    double cov = s->day_xy / dn - (s->day_x / dn) * (s->day_y / dn);
    double vx = s->day_xx / dn - (s->day_x / dn) * (s->day_x / dn);
    double vy = s->day_yy / dn - (s->day_y / dn) * (s->day_y / dn);
    rep->day_corr = dn > 1 && vx > 0 && vy > 0 ? cov / sqrt(vx * vy) : NAN;
    rep->burst_subs = nb;
    rep->burstiness_p50 = b ? median(b, nb) : NAN;
    free(b);
    rep->overlapping_calls = s->overlaps;

    /* the graph among the sampled subscribers */
    ix *v = malloc(sizeof *v * (n ? n : 1));
    edge *e = malloc(sizeof *e * (s->n ? s->n : 1));
    size_t *deg = calloc(n + 1, sizeof *deg), *start = calloc(n + 1, sizeof *start);
    size_t ne = 0;
    if (!v || !e || !deg || !start)
        goto out;
    for (size_t k = 0; k < n; k++)
        v[k] = (ix){msisdn[k], k};
    qsort(v, n, sizeof *v, cmp_ix);
    double oncalls = 0;
    for (size_t k = 0; k < s->cap; k++) {
        const rs_pair *p = &s->pair[k];
        if (!p->lo)
            continue;
        long a = find(v, n, p->lo), c = find(v, n, p->hi);
        if (a < 0 || c < 0)
            continue; /* an off-net number, or a peer outside the sample */
        e[ne++] = (edge){(size_t)a, (size_t)c, p, (double)p->calls + p->sms, 0};
        deg[a]++;
        deg[c]++;
        oncalls += p->calls;
    }
    rep->onnet_pairs = ne;
    /* adjacency, sorted */
    for (size_t k = 0; k < n; k++)
        start[k + 1] = start[k] + deg[k];
    size_t *adj = malloc(sizeof *adj * (2 * ne + 1)), *fill = calloc(n + 1, sizeof *fill);
    if (!adj || !fill) {
        free(adj);
        free(fill);
        goto out;
    }
    for (size_t k = 0; k < ne; k++) {
        adj[start[e[k].a] + fill[e[k].a]++] = e[k].b;
        adj[start[e[k].b] + fill[e[k].b]++] = e[k].a;
    }
    for (size_t k = 0; k < n; k++)
        qsort(adj + start[k], deg[k], sizeof *adj, cmp_sz);
    /* degree */
    double ds = 0, dss = 0, low = 0;
    for (size_t k = 0; k < n; k++) {
        ds += (double)deg[k];
        dss += (double)deg[k] * (double)deg[k];
        low += deg[k] <= 3;
    }
    for (size_t k = 0; k < n; k++)
        rep->deg_hist[deg[k] < CG_REPORT_DEG_MAX ? deg[k] : CG_REPORT_DEG_MAX - 1]++;
    double dm = n ? ds / (double)n : NAN;
    rep->degree_mean = dm;
    rep->degree_cv = dm > 0 ? sqrt(fmax(0, dss / (double)n - dm * dm)) / dm : NAN;
    rep->degree_le3 = n ? low / (double)n : NAN;
    /* clustering: mean over subscribers with >= 2 contacts */
    double cs = 0;
    size_t cn = 0;
    for (size_t k = 0; k < n; k++) {
        if (deg[k] < 2)
            continue;
        size_t t = 0;
        for (size_t x = start[k]; x < start[k] + deg[k]; x++) {
            size_t j = adj[x];
            t += common(adj + start[k], deg[k], adj + start[j], deg[j]);
        }
        /* t counts each linked pair of neighbours twice */
        cs += (double)t / ((double)deg[k] * (double)(deg[k] - 1));
        cn++;
    }
    rep->clustering = cn ? cs / (double)cn : NAN;
    /* overlap and talk time by weight decile */
    for (size_t k = 0; k < ne; k++) {
        size_t a = e[k].a, c = e[k].b;
        size_t nij = common(adj + start[a], deg[a], adj + start[c], deg[c]);
        double den = (double)(deg[a] - 1) + (double)(deg[c] - 1) - (double)nij;
        e[k].ov = den > 0 ? (double)nij / den : 0;
    }
    qsort(e, ne, sizeof *e, cmp_edge_w);
    size_t dec = ne / 10;
    double ob = 0, ot = 0, lb = 0, lt = 0, nlb = 0, nlt = 0;
    for (size_t k = 0; k < dec; k++) {
        const edge *lo = &e[k], *hi = &e[ne - 1 - k];
        ob += lo->ov;
        ot += hi->ov;
        lb += lo->p->log_talk;
        nlb += lo->p->answered;
        lt += hi->p->log_talk;
        nlt += hi->p->answered;
    }
    for (int d = 0; d < 10; d++) { /* every decile, for the chart */
        size_t a = ne * (size_t)d / 10, z = ne * (size_t)(d + 1) / 10;
        double sum = 0;
        for (size_t k = a; k < z; k++)
            sum += e[k].ov;
        rep->overlap_dec[d] = z > a ? sum / (double)(z - a) : NAN;
    }
    rep->overlap_bottom = dec ? ob / (double)dec : NAN;
    rep->overlap_top = dec ? ot / (double)dec : NAN;
    rep->talk_bottom_s = nlb > 0 ? exp(lb / nlb) : NAN;
    rep->talk_top_s = nlt > 0 ? exp(lt / nlt) : NAN;
    /* tie strength in call seconds: Lomax fit, the top 1% of pairs */
    double *w = malloc(sizeof *w * (ne ? ne : 1));
    size_t nw = 0;
    for (size_t k = 0; w && k < ne; k++)
        if (e[k].p->secs > 0) {
            w[nw++] = e[k].p->secs;
            double wb = floor(log10(e[k].p->secs) * 10);
            rep->w_hist[wb < 0 ? 0 : wb >= CG_REPORT_LOG_BINS ? CG_REPORT_LOG_BINS - 1 : (int)wb]++;
        }
    if (w && nw > 10) {
        fit_lomax(w, nw, &rep->tie_gamma, &rep->tie_w0);
        /* calls on the top 1% of pairs by seconds */
        for (size_t k = 0; k < ne; k++)
            e[k].w = e[k].p->secs;
        qsort(e, ne, sizeof *e, cmp_edge_w);
        size_t top = ne / 100;
        double tc = 0;
        for (size_t k = 0; k < top; k++)
            tc += e[ne - 1 - k].p->calls;
        rep->top1_call_share = oncalls > 0 ? tc / oncalls : NAN;
    }
    free(w);
    /* direction of ties with >= 10 calls */
    double d1 = 0, d2 = 0, fair = 0, nd = 0;
    for (size_t k = 0; k < ne; k++) {
        const rs_pair *p = e[k].p;
        if (p->calls < DIRECTION_MIN_CALLS)
            continue;
        double f = (double)p->lo_calls / p->calls;
        d1 += f;
        d2 += f * f;
        fair += 0.25 / p->calls;
        nd++;
    }
    rep->direction_ties = (uint64_t)nd;
    rep->direction_sd = nd > 1 ? sqrt(fmax(0, d2 / nd - (d1 / nd) * (d1 / nd))) : NAN;
    rep->direction_fair_sd = nd > 1 ? sqrt(fair / nd) : NAN;
    /* home distance of contacts and of random pairs */
    if (home) {
        double *hd = malloc(sizeof *hd * (ne ? ne : 1));
        double *rd = malloc(sizeof *rd * RANDOM_PAIRS);
        size_t nh = 0, nr = 0;
        for (size_t k = 0; hd && k < ne; k++) {
            const double *p = &home[3 * e[k].a], *q = &home[3 * e[k].b];
            if (isnan(p[0]) || isnan(q[0]))
                continue;
            double dot = p[0] * q[0] + p[1] * q[1] + p[2] * q[2];
            hd[nh++] = EARTH_KM * acos(dot > 1 ? 1 : dot < -1 ? -1 : dot);
        }
        cg_rng r = {0x686f6d65ULL};
        for (size_t k = 0; rd && n > 1 && k < RANDOM_PAIRS; k++) {
            const double *p = &home[3 * cg_rng_below(&r, n)], *q = &home[3 * cg_rng_below(&r, n)];
            if (isnan(p[0]) || isnan(q[0]))
                continue;
            double dot = p[0] * q[0] + p[1] * q[1] + p[2] * q[2];
            rd[nr++] = EARTH_KM * acos(dot > 1 ? 1 : dot < -1 ? -1 : dot);
        }
        rep->home_km_contacts = hd ? median(hd, nh) : NAN;
        rep->home_km_random = rd ? median(rd, nr) : NAN;
        free(hd);
        free(rd);
    }
    free(adj);
    free(fill);
out:
    free(v);
    free(e);
    free(deg);
    free(start);
}
