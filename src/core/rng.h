/* Counter-based randomness. Every random stream is derived from a key
 * (seed, entity, day, stream id) by hashing, never from a shared sequence, so
 * any subscriber-day can be generated alone (TPC-H dbgen style): that is what
 * makes output independent of --workers and of --shard. */
#ifndef CG_RNG_H
#define CG_RNG_H

#include <math.h>
#include <stdint.h>

/* 128-bit products (the multiply-shift of cg_rng_below, affine maps mod
 * 10^10): a GCC/Clang extension, said so once here so -Wpedantic builds
 * stay quiet. */
__extension__ typedef unsigned __int128 cg_u128;

/* Stream ids: one per independent purpose, so adding draws to one purpose
 * never shifts another. Never renumber (it would change every output). */
enum cg_stream {
    CG_S_SUBSCRIBER = 1, /* per subscriber, whole run: contact count, mccmnc, TAC */
    CG_S_DAY = 2,        /* per subscriber-day: own off-net traffic and data */
    CG_S_EDGE = 3,       /* (retired: the contact edges of the first version) */
    CG_S_IMEI = 4,       /* per subscriber and device version */
    CG_S_CELLS = 5,      /* the cell catalog */
    CG_S_GRAPH = 6,      /* (retired: the contact graph of the first version) */
    CG_S_DB = 7,         /* subscriber database generation */
    CG_S_OFFNET = 8,     /* off-net number draws */
    CG_S_PERSON = 9,     /* per person: home, work, epoch of its places */
    CG_S_PLACE = 10,     /* per person and personal place: where it is */
    CG_S_PLAN = 11,      /* per person-day: the day's schedule (day << 8 | 11) */
    CG_S_EVENT = 12,     /* events: who they touch, extra traffic ((day << 8 | 12), ...) */
    CG_S_ANOM = 13,      /* anomalies: which records, how (gen/anomaly.c) */
    CG_S_FRAUD = 14      /* fraud and churn: the cases, their records (core/fraud.c) */
};

static inline uint64_t cg_mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The uniform double in [0, 1) of a hash's top 53 bits. */
static inline double cg_u01_of(uint64_t h)
{
    return (double)(h >> 11) * 0x1.0p-53;
}

/* c ? a : b by a mask: for a choice on a random bit, which a branch would
 * mispredict half the time (compilers may branch on a ?: of values). */
static inline uint64_t cg_sel64(int c, uint64_t a, uint64_t b)
{
    uint64_t m = (uint64_t)0 - (uint64_t)(c != 0);
    return (a & m) | (b & ~m);
}

/* Hash of a tuple of 64-bit values into a 64-bit key. */
static inline uint64_t cg_key4(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    uint64_t h = cg_mix64(a ^ 0x243f6a8885a308d3ULL);
    h = cg_mix64(h ^ b);
    h = cg_mix64(h ^ c);
    return cg_mix64(h ^ d);
}

/* A SplitMix64 stream: 8 bytes of state, seeded by one hash. */
typedef struct cg_rng {
    uint64_t s;
} cg_rng;

static inline cg_rng cg_rng_make(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    cg_rng r = {cg_key4(a, b, c, d)};
    return r;
}

static inline uint64_t cg_rng_next(cg_rng *r)
{
    r->s += 0x9e3779b97f4a7c15ULL;
    uint64_t z = r->s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform double in [0, 1). */
static inline double cg_rng_u01(cg_rng *r)
{
    return (double)(cg_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform double in (0, 1]: safe for log(). */
static inline double cg_rng_u01_open(cg_rng *r)
{
    return ((double)(cg_rng_next(r) >> 11) + 1.0) * 0x1.0p-53;
}

/* Uniform integer in [0, n), n > 0, without modulo bias (Lemire). */
static inline uint64_t cg_rng_below(cg_rng *r, uint64_t n)
{
    cg_u128 m = (cg_u128)cg_rng_next(r) * n;
    uint64_t lo = (uint64_t)m;
    if (lo < n) {
        uint64_t t = (0 - n) % n;
        while (lo < t) {
            m = (cg_u128)cg_rng_next(r) * n;
            lo = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

/* Uniform integer in [lo, hi] inclusive. */
static inline int64_t cg_rng_range(cg_rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)cg_rng_below(r, (uint64_t)(hi - lo) + 1);
}

/* Standard normal by the ziggurat method (Marsaglia and Tsang 2000, 256
 * layers): one 64-bit draw and a table lookup in 99% of calls, where
 * Box-Muller needs log, sqrt and cos. */
double cg_rng_normal(cg_rng *r);

/* Poisson(lambda): inversion for small means, PTRS (Hormann 1993) above.
 * The common case of this generator, a small mean and the outcome 0, is
 * decided inline: e^-l >= 1 - l, so u < 1 - l means 0 without exp(). */
uint64_t cg_rng_poisson_inv(double lambda, double u);
uint64_t cg_rng_poisson_ptrs(cg_rng *r, double lambda);

static inline uint64_t cg_rng_poisson(cg_rng *r, double lambda)
{
    if (!(lambda > 0.0))
        return 0;
    if (lambda >= 30.0)
        return cg_rng_poisson_ptrs(r, lambda);
    double u = cg_rng_u01(r);
    if (u < 1.0 - lambda)
        return 0;
    return cg_rng_poisson_inv(lambda, u);
}

/* A Lomax (Pareto II) distance of scale k and shape alpha from u in
 * [0,1): k ((1-u)^(-1/alpha) - 1), most below k, a heavy tail; beyond max
 * it is folded back to max x u2. */
static inline double cg_lomax(double u, double k, double alpha, double max, double u2)
{
    double d = k * (pow(1.0 - u, -1.0 / alpha) - 1.0);
    return d <= max ? d : max * u2;
}

/* Index drawn from cumulative weights cum[0..n-1] (cum[n-1] = total > 0). */
static inline int cg_rng_pick(cg_rng *r, const double *cum, int n)
{
    double x = cg_rng_u01(r) * cum[n - 1];
    int i = 0;
    while (i < n - 1 && x >= cum[i])
        i++;
    return i;
}

#endif
