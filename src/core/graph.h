/* The contact graph: who talks to whom, computed, never stored, so memory
 * does not grow with the population. Layer k pairs each subscriber with one
 * partner through a keyed permutation sigma: partner_k(i) =
 * sigma^-1((base + k - sigma(i)) mod S). The relation is symmetric (j is i's
 * layer-k partner iff i is j's), which lets either side of an edge enumerate
 * the edge's events alone: the heart of MO/MT pairing without a global sort. */
#ifndef CG_GRAPH_H
#define CG_GRAPH_H

#include <stdint.h>

#define CG_GRAPH_QTAB 4096

typedef struct cg_graph {
    uint64_t S;          /* population */
    int K;               /* layers scanned = max contact-list length */
    int half_bits;       /* Feistel half width */
    uint64_t domain;     /* 2^(2*half_bits) >= S */
    uint32_t mask;
    uint32_t rk[4];      /* round keys */
    uint64_t base;
    uint64_t seed;
    uint16_t nq[CG_GRAPH_QTAB]; /* quantile table of contact counts */
    double *inv_w;       /* inv_w[n] = 1 / sum_{k<n} 1/(k+1), n = 0..K */
    double *inv_rank;    /* inv_rank[k] = 1 / (k+1), k = 0..K */
} cg_graph;

/* avg_contacts: mean list length; counts ~ Normal(avg, 0.3 avg) clipped to
 * [0, min(S-1, avg + 4 sd)]. Returns 0, or -1 on allocation failure. */
int cg_graph_init(cg_graph *g, uint64_t S, double avg_contacts, uint64_t seed);
void cg_graph_free(cg_graph *g);

uint64_t cg_graph_perm(const cg_graph *g, uint64_t i);
uint64_t cg_graph_perm_inv(const cg_graph *g, uint64_t p);

/* Length of the own contact list of the subscriber at permuted position p
 * (its ranks 1..n). Keyed by position, not index, so a partner's list length
 * is known before (and usually without) inverting the permutation. */
static inline int cg_graph_ncontacts(const cg_graph *g, uint64_t p)
{
    uint64_t h = p * 0x9e3779b97f4a7c15ULL ^ g->seed;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return g->nq[h & (CG_GRAPH_QTAB - 1)];
}

/* Permuted position of the layer-k partner of the subscriber at position
 * pi, or UINT64_MAX when the layer pairs it with itself. The partner's index
 * is cg_graph_perm_inv of it. */
static inline uint64_t cg_graph_partner_pos(const cg_graph *g, uint64_t pi, int k)
{
    uint64_t c = g->base + (uint64_t)k; /* k < K < S */
    if (c >= g->S)
        c -= g->S;
    uint64_t q = c >= pi ? c - pi : c + g->S - pi;
    return q == pi ? UINT64_MAX : q;
}

/* Zipf weight of rank k+1 in a list of n contacts: (1/(k+1)) / H(n), or 0
 * when k >= n. */
static inline double cg_graph_weight(const cg_graph *g, int n, int k)
{
    return k < n ? g->inv_w[n] * g->inv_rank[k] : 0.0;
}

#endif
