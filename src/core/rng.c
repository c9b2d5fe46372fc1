/* Poisson sampling for cg_rng (the rest of the generator is inline in rng.h). */
#include "core/rng.h"

static double log_factorial(double k)
{
    return lgamma(k + 1.0);
}

uint64_t cg_rng_poisson(cg_rng *r, double lambda)
{
    if (!(lambda > 0.0))
        return 0;
    if (lambda < 30.0) {
        /* Inversion by sequential search: one uniform, about lambda steps. */
        double u = cg_rng_u01(r);
        /* Most draws in this generator have lambda well below 1 and come
         * out 0: e^-l >= 1 - l decides those without calling exp(), with
         * exactly the outcome the full inversion gives for the same u. */
        if (u < 1.0 - lambda)
            return 0;
        double p = exp(-lambda), cdf = p;
        uint64_t k = 0;
        while (u >= cdf && k < 1000) {
            k++;
            p *= lambda / (double)k;
            cdf += p;
        }
        return k;
    }
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
