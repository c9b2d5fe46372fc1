/* Synthetic identities (see ident.h). The IMSI MSIN is an affine bijection
 * of the subscriber index modulo 10^10, so IMSIs are unique yet scattered. */
#include "core/ident.h"

#include <stdlib.h>
#include <string.h>
#include "core/rng.h"

#define MSIN_MOD 10000000000ULL
#define MSIN_MUL 3141592653ULL /* odd and not a multiple of 5: invertible mod 10^10 */

static const uint64_t pow10_tab[20] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
    100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
    10000000000000ULL, 100000000000000ULL, 1000000000000000ULL,
    10000000000000000ULL, 100000000000000000ULL, 1000000000000000000ULL,
    10000000000000000000ULL};

int cg_digits(uint64_t v)
{
    int n = 1;
    while (n < 20 && v >= pow10_tab[n])
        n++;
    return n;
}

uint64_t cg_dnum(uint64_t v, int len)
{
    /* len > cg_digits(v) without counting: v < 10^(len-1). */
    int lead = len >= 2 && len <= 20 && v < pow10_tab[len - 1];
    return lead && v <= CG_DNUM_MASK ? v | (uint64_t)len << CG_DNUM_SHIFT : v;
}

int cg_dnum_len(uint64_t x)
{
    uint64_t v = cg_dnum_value(x);
    return v != x ? (int)(x >> CG_DNUM_SHIFT) : cg_digits(x);
}

int cg_luhn_digit(uint64_t body)
{
    /* Doubling starts with the rightmost digit of the body, since the check
     * digit will be appended to its right. */
    int sum = 0, dbl = 1;
    do {
        int d = (int)(body % 10);
        body /= 10;
        if (dbl) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
        dbl = !dbl;
    } while (body);
    return (10 - sum % 10) % 10;
}

int cg_luhn_valid(uint64_t v)
{
    return cg_luhn_digit(v / 10) == (int)(v % 10);
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* a^-1 mod n (gcd(a, n) = 1), by the extended Euclidean algorithm. */
static uint64_t inv_mod(uint64_t a, uint64_t n)
{
    __extension__ __int128 t = 0, nt = 1, r = n, nr = a;
    while (nr) {
        __extension__ __int128 q = r / nr, x = t - q * nt;
        t = nt;
        nt = x;
        x = r - q * nr;
        r = nr;
        nr = x;
    }
    if (t < 0)
        t += n;
    return (uint64_t)t;
}

void cg_numbering_init(cg_numbering *nb, const cg_config *cfg, uint64_t subs)
{
    nb->seed = cfg->seed;
    nb->subs = subs;
    nb->n_prefixes = cfg->n_prefixes;
    for (int k = 0; k < cfg->n_prefixes; k++) {
        nb->prefix[k] = strtoull(cfg->prefixes[k], NULL, 10);
        nb->prefix_len[k] = (int)strlen(cfg->prefixes[k]);
    }
    nb->n_mccmnc = cfg->n_mccmnc;
    for (int k = 0; k < cfg->n_mccmnc; k++)
        nb->mccmnc[k] = (uint32_t)strtoul(cfg->mccmnc_pool[k], NULL, 10);
    nb->imei_change_prob = cfg->imei_change_prob;
    /* Numbers are handed out scrambled over the ranges (an affine map mod
     * N = prefixes x 10^7 with a unit multiplier), not in subscriber
     * order: neighbours on the map (the People model's positions follow
     * the index) do not get consecutive numbers. */
    uint64_t N = (uint64_t)nb->n_prefixes * CG_NUMBERS_PER_PREFIX;
    nb->num_n = N;
    uint64_t a = (cg_mix64(cfg->seed ^ 0x6d736973646eULL) % N) | 1;
    while (gcd64(a, N) != 1)
        a += 2;
    nb->num_a = a % N;
    nb->num_c = cg_mix64(cfg->seed ^ 0x6f6666736574ULL) % N;
    nb->num_ai = inv_mod(nb->num_a, N);
}

uint64_t cg_ident_msisdn(const cg_numbering *nb, uint64_t i)
{
    uint64_t p = (uint64_t)nb->n_prefixes;
    uint64_t j = (uint64_t)(((cg_u128)i * nb->num_a + nb->num_c) % nb->num_n);
    int k = (int)(j % p);
    return cg_dnum(nb->prefix[k] * 10000000ULL + j / p, nb->prefix_len[k] + 7);
}

uint64_t cg_ident_msisdn_index(const cg_numbering *nb, uint64_t msisdn)
{
    int len = cg_dnum_len(msisdn);
    uint64_t v = cg_dnum_value(msisdn);
    for (int k = 0; k < nb->n_prefixes; k++) {
        if (nb->prefix_len[k] + 7 != len || v / 10000000ULL != nb->prefix[k])
            continue;
        uint64_t j = (v % CG_NUMBERS_PER_PREFIX) * (uint64_t)nb->n_prefixes + (uint64_t)k;
        uint64_t idx = (uint64_t)(((cg_u128)(j + nb->num_n - nb->num_c) * nb->num_ai) % nb->num_n);
        return idx < nb->subs ? idx : UINT64_MAX;
    }
    return UINT64_MAX;
}

uint32_t cg_ident_mccmnc(const cg_numbering *nb, uint64_t i)
{
    cg_rng r = cg_rng_make(nb->seed, CG_S_SUBSCRIBER, i, 1);
    return nb->mccmnc[cg_rng_below(&r, (uint64_t)nb->n_mccmnc)];
}

uint64_t cg_ident_imsi(const cg_numbering *nb, uint64_t i, uint32_t mccmnc)
{
    uint64_t b = cg_mix64(nb->seed ^ 0x5151) % MSIN_MOD;
    uint64_t msin = (uint64_t)(((cg_u128)(i % MSIN_MOD) * MSIN_MUL + b) % MSIN_MOD);
    return cg_dnum((uint64_t)mccmnc * MSIN_MOD + msin, 15); /* mccmnc "001..": 15 digits still */
}

uint64_t cg_imei_make(uint32_t tac, uint32_t serial)
{
    uint64_t body = (uint64_t)tac * 1000000ULL + serial % 1000000U;
    return body * 10 + (uint64_t)cg_luhn_digit(body);
}

uint32_t cg_imei_tac(uint64_t r)
{
    /* Type allocation codes shaped like those of common handsets. */
    static const uint32_t tacs[16] = {
        35328115, 35290611, 35407115, 86881303, 35671011, 35925406, 35384210, 86769104,
        35882211, 35165310, 35446311, 35202010, 35391110, 86492704, 35700211, 35989511};
    return tacs[r & 15];
}

uint64_t cg_ident_imei(const cg_numbering *nb, uint64_t i, int d)
{
    /* Handset versions change on days drawn as a Bernoulli(p) process; the
     * gaps are geometric, so version v's first day is reached by jumping,
     * O(changes) rather than O(days). */
    double p = nb->imei_change_prob;
    uint64_t version = 0;
    if (p > 0.0 && d > 0) {
        int day = 0;
        double lq = p < 1.0 ? log1p(-p) : 0.0;
        for (;;) {
            cg_rng g = cg_rng_make(nb->seed, CG_S_IMEI, i, 0x100000000ULL | version);
            int gap;
            if (p >= 1.0) {
                gap = 1;
            } else {
                double k = floor(log(cg_rng_u01_open(&g)) / lq) + 1.0;
                gap = k > 1e9 ? 1000000000 : (int)k;
            }
            if (gap > d - day)
                break;
            day += gap;
            version++;
        }
    }
    cg_rng r = cg_rng_make(nb->seed, CG_S_IMEI, i, version);
    uint64_t x = cg_rng_next(&r);
    return cg_imei_make(cg_imei_tac(x), (uint32_t)((x >> 8) % 1000000ULL));
}

uint64_t cg_ident_offnet(const cg_numbering *nb, cg_rng *r)
{
    /* Unused numbers of the run's own ranges first (ported-out or other
     * networks' customers); a full numbering plan falls back to +44 20. */
    for (int tries = 0; tries < 32; tries++) {
        int k = (int)cg_rng_below(r, (uint64_t)nb->n_prefixes);
        uint64_t n = cg_rng_below(r, 10000000ULL);
        uint64_t msisdn = cg_dnum(nb->prefix[k] * 10000000ULL + n, nb->prefix_len[k] + 7);
        if (cg_ident_msisdn_index(nb, msisdn) == UINT64_MAX)
            return msisdn;
    }
    for (;;) {
        uint64_t msisdn = 442000000000ULL + cg_rng_below(r, 100000000ULL);
        if (cg_ident_msisdn_index(nb, msisdn) == UINT64_MAX)
            return msisdn;
    }
}
