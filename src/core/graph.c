/* Contact graph (see graph.h): a small Feistel permutation with cycle
 * walking, and the contact-count quantile table. */
#include "core/graph.h"

#include <math.h>
#include <stdlib.h>
#include "core/rng.h"

static inline uint32_t round_fn(uint32_t x, uint32_t key, uint32_t mask)
{
    uint32_t h = (x ^ key) * 0x9e3779b1U;
    h ^= h >> 15;
    h *= 0x85ebca6bU;
    h ^= h >> 13;
    return h & mask;
}

static inline uint64_t feistel(const cg_graph *g, uint64_t x)
{
    uint32_t l = (uint32_t)(x >> g->half_bits), r = (uint32_t)x & g->mask;
    for (int k = 0; k < 4; k++) {
        uint32_t t = r;
        r = l ^ round_fn(r, g->rk[k], g->mask);
        l = t;
    }
    return ((uint64_t)l << g->half_bits) | r;
}

static inline uint64_t feistel_inv(const cg_graph *g, uint64_t x)
{
    uint32_t l = (uint32_t)(x >> g->half_bits), r = (uint32_t)x & g->mask;
    for (int k = 3; k >= 0; k--) {
        uint32_t t = l;
        l = r ^ round_fn(l, g->rk[k], g->mask);
        r = t;
    }
    return ((uint64_t)l << g->half_bits) | r;
}

uint64_t cg_graph_perm(const cg_graph *g, uint64_t i)
{
    /* Cycle walking keeps a permutation of [0, domain) inside [0, S). */
    uint64_t x = feistel(g, i);
    while (x >= g->S)
        x = feistel(g, x);
    return x;
}

uint64_t cg_graph_perm_inv(const cg_graph *g, uint64_t p)
{
    uint64_t x = feistel_inv(g, p);
    while (x >= g->S)
        x = feistel_inv(g, x);
    return x;
}

/* Inverse of the standard normal CDF (Acklam's rational approximation,
 * relative error < 1.2e-9: ample for a quantile table). */
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

int cg_graph_init(cg_graph *g, uint64_t S, double avg, uint64_t seed)
{
    g->S = S ? S : 1;
    g->seed = cg_mix64(seed ^ 0x6772617068ULL);
    double sd = 0.3 * avg;
    double kmax = ceil(avg + 4.0 * sd);
    if (kmax > (double)(g->S - 1))
        kmax = (double)(g->S - 1);
    if (kmax < 0)
        kmax = 0;
    g->K = (int)kmax;
    int bits = 2;
    while ((1ULL << bits) < g->S)
        bits++;
    if (bits & 1)
        bits++;
    g->half_bits = bits / 2;
    g->domain = 1ULL << bits;
    g->mask = (uint32_t)((1ULL << g->half_bits) - 1);
    cg_rng r = cg_rng_make(seed, CG_S_GRAPH, 0, 0);
    for (int k = 0; k < 4; k++)
        g->rk[k] = (uint32_t)cg_rng_next(&r);
    g->base = cg_rng_below(&r, g->S);
    /* Contact counts: Normal(avg, 0.3 avg) (SPEC: 30, 9), clipped, read
     * from a midpoint quantile table so a lookup costs one hash. */
    for (int q = 0; q < CG_GRAPH_QTAB; q++) {
        double v = avg + sd * norm_quantile((q + 0.5) / CG_GRAPH_QTAB);
        v = floor(v + 0.5);
        if (v < 0)
            v = 0;
        if (v > kmax)
            v = kmax;
        g->nq[q] = (uint16_t)v;
    }
    g->inv_w = malloc(sizeof(double) * (size_t)(g->K + 1));
    g->inv_rank = malloc(sizeof(double) * (size_t)(g->K + 1));
    if (!g->inv_w || !g->inv_rank)
        return -1;
    for (int k = 0; k <= g->K; k++)
        g->inv_rank[k] = 1.0 / (k + 1);
    double h = 0;
    g->inv_w[0] = 0;
    for (int n = 1; n <= g->K; n++) {
        h += 1.0 / n;
        g->inv_w[n] = 1.0 / h;
    }
    return 0;
}

void cg_graph_free(cg_graph *g)
{
    free(g->inv_w);
    free(g->inv_rank);
    g->inv_w = NULL;
    g->inv_rank = NULL;
}
