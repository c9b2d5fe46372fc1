/* Poisson sampling for cg_rng (the rest of the generator is inline in rng.h). */
#include "core/rng.h"

/* Ziggurat tables for the standard normal, built once at start-up: layer i
 * is the rectangle of width zx[i] between heights f(zx[i]) and f(zx[i+1]),
 * f(x) = exp(-x^2/2); layer 0 also holds the tail beyond R. */
#define ZIG_N 256
#define ZIG_R 3.6541528853610088
#define ZIG_V 0.00492867323399
static double zx[ZIG_N + 1], zf[ZIG_N + 1];

__attribute__((constructor)) static void zig_init(void)
{
    double f = exp(-0.5 * ZIG_R * ZIG_R);
    zx[0] = ZIG_V / f;
    zx[1] = ZIG_R;
    for (int i = 1; i < ZIG_N - 1; i++)
        zx[i + 1] = sqrt(-2.0 * log(ZIG_V / zx[i] + exp(-0.5 * zx[i] * zx[i])));
    zx[ZIG_N] = 0.0;
    for (int i = 0; i <= ZIG_N; i++)
        zf[i] = exp(-0.5 * zx[i] * zx[i]);
}

double cg_rng_normal(cg_rng *r)
{
    for (;;) {
        uint64_t b = cg_rng_next(r);
        int i = (int)(b & 0xff);
        double sign = 1.0 - (double)((b >> 7) & 2); /* bit 8: -1 or 1, no branch */
        double x = (double)(b >> 11) * 0x1.0p-53 * zx[i];
        if (x < zx[i + 1])
            return sign * x;
        if (i == 0) {
            /* Tail beyond R (Marsaglia 1964). */
            double a, c;
            do {
                a = -log(cg_rng_u01_open(r)) / ZIG_R;
                c = -log(cg_rng_u01_open(r));
            } while (c + c < a * a);
            return sign * (ZIG_R + a);
        }
        double y = zf[i] + cg_rng_u01(r) * (zf[i + 1] - zf[i]);
        if (y < exp(-0.5 * x * x))
            return sign * x;
    }
}

/* lgamma_r, not lgamma: lgamma writes the global signgam, a data race
 * between worker threads. */
static double log_factorial(double k)
{
    int sign;
    return lgamma_r(k + 1.0, &sign);
}

uint64_t cg_rng_poisson_inv(double lambda, double u)
{
    /* Inversion by sequential search: about lambda steps. */
    double p = exp(-lambda), cdf = p;
    uint64_t k = 0;
    while (u >= cdf && k < 1000) {
        k++;
        p *= lambda / (double)k;
        cdf += p;
    }
    return k;
}

uint64_t cg_rng_poisson_ptrs(cg_rng *r, double lambda)
{
    /* PTRS: transformed rejection with squeeze, exact for lambda >= 10. */
    double slam = sqrt(lambda), loglam = log(lambda);
    double b = 0.931 + 2.53 * slam;
    double a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    double vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
        double u = cg_rng_u01(r) - 0.5;
        double v = cg_rng_u01_open(r);
        double us = 0.5 - fabs(u);
        double k = floor((2 * a / us + b) * u + lambda + 0.43);
        if (us >= 0.07 && v <= vr)
            return (uint64_t)k;
        if (k < 0 || (us < 0.013 && v > us))
            continue;
        if (log(v) + log(invalpha) - log(a / (us * us) + b) <=
            -lambda + k * loglam - log_factorial(k))
            return (uint64_t)k;
    }
}
