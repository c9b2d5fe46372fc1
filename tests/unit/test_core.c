/* Unit tests of the small modules that were only tested through the whole
 * model: the RNG (ziggurat moments, the Poisson method switch), the contact
 * social positions (the keyed permutation is a bijection),
 * identities (Luhn, digit strings), the number formatter, the output layout,
 * the growth helper and CG_ASSERT. Statistical bounds are 5 standard
 * deviations of the estimator (a false alarm below 1e-6 per check). */
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/check.h"
#include "core/people.h"
#include "core/ident.h"
#include "core/mem.h"
#include "core/rng.h"
#include "io/cdrfmt.h"
#include "io/codec.h"
#include "io/layout.h"
#include "testhelp.h"

/* Normal(0,1) by the ziggurat: mean, variance, fourth moment and the mass
 * beyond 3 sd over n = 10^6 draws. sd of the mean 1/sqrt(n) = 0.001; of the
 * variance sqrt(2/n) = 0.0014; of the fourth moment sqrt((105 - 9)/n) =
 * 0.0098; of the tail share sqrt(p(1-p)/n) with p = 0.0026998 = 5.2e-5. */
static void test_normal_moments(void)
{
    cg_rng r = cg_rng_make(1, 2, 3, 4);
    const int n = 1000000;
    double s1 = 0, s2 = 0, s4 = 0;
    int tail = 0;
    for (int i = 0; i < n; i++) {
        double x = cg_rng_normal(&r);
        s1 += x;
        s2 += x * x;
        s4 += x * x * x * x;
        tail += fabs(x) > 3.0;
    }
    double m = s1 / n, v = s2 / n, k = s4 / n, t = (double)tail / n;
    CHECK_MSG(fabs(m) < 5 * 0.001, "mean %.5f", m);
    CHECK_MSG(fabs(v - 1) < 5 * 0.0014, "variance %.5f", v);
    CHECK_MSG(fabs(k - 3) < 5 * 0.0098, "fourth moment %.4f", k);
    CHECK_MSG(fabs(t - 0.0026998) < 5 * 5.2e-5, "P(|x| > 3) %.6f", t);
}

/* Poisson on both sides of the switch from inversion to PTRS (lambda 30):
 * mean and variance lambda each. Over n draws the mean has sd sqrt(l/n),
 * the sample variance sd sqrt((l + 2 l^2)/n) (fourth central moment
 * l(1 + 3l)). And P(0) = e^-l exactly for the inline shortcut at l = 0.5. */
static void check_poisson(double lambda, int n)
{
    cg_rng r = cg_rng_make(7, (uint64_t)(lambda * 1000), 0, 0);
    double s1 = 0, s2 = 0;
    for (int i = 0; i < n; i++) {
        double x = (double)cg_rng_poisson(&r, lambda);
        s1 += x;
        s2 += x * x;
    }
    double m = s1 / n, v = s2 / n - m * m;
    CHECK_MSG(fabs(m - lambda) < 5 * sqrt(lambda / n), "lambda %.2f: mean %.4f", lambda, m);
    CHECK_MSG(fabs(v - lambda) < 5 * sqrt((lambda + 2 * lambda * lambda) / n),
              "lambda %.2f: variance %.4f", lambda, v);
}

static void test_poisson_switch(void)
{
    check_poisson(29.9, 200000);
    check_poisson(30.0, 200000);
    check_poisson(3.0, 200000);
    check_poisson(250.0, 200000);
    cg_rng r = cg_rng_make(9, 9, 9, 9);
    const int n = 400000;
    int zeros = 0;
    for (int i = 0; i < n; i++)
        zeros += cg_rng_poisson(&r, 0.5) == 0;
    double p = exp(-0.5);
    CHECK_MSG(fabs((double)zeros / n - p) < 5 * sqrt(p * (1 - p) / n), "P(0) %.5f",
              (double)zeros / n);
    CHECK_EQ_INT(cg_rng_poisson(&r, 0.0), 0);
    CHECK_EQ_INT(cg_rng_poisson(&r, -1.0), 0);
    CHECK_EQ_INT(cg_rng_poisson(&r, NAN), 0);
}

/* below(n) stays in [0, n) and hits every value; range is inclusive. */
static void test_below_range(void)
{
    cg_rng r = cg_rng_make(3, 1, 4, 1);
    int seen[7] = {0}, bad = 0;
    for (int i = 0; i < 7000; i++) {
        uint64_t x = cg_rng_below(&r, 7);
        if (x >= 7)
            bad++;
        else
            seen[x]++;
    }
    CHECK_EQ_INT(bad, 0);
    for (int k = 0; k < 7; k++)
        CHECK(seen[k] > 800); /* Binomial(7000, 1/7): mean 1000, sd 29 */
    int lo = 0, hi = 0;
    for (int i = 0; i < 1000; i++) {
        int64_t x = cg_rng_range(&r, -2, 2);
        CHECK(x >= -2 && x <= 2);
        lo += x == -2;
        hi += x == 2;
    }
    CHECK(lo > 100 && hi > 100);
}

/* The keyed permutation is a bijection of [0, S) for sizes that are and
 * are not powers of the Feistel domain. */
static void test_perm_bijection(void)
{
    static const uint64_t sizes[] = {1, 2, 3, 1000, 4096, 4097, 12345};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        uint64_t S = sizes[s];
        cg_perm g;
        cg_perm_init(&g, S, 42 + S);
        unsigned char *hit = calloc(S, 1);
        int bad = 0, dup = 0;
        for (uint64_t i = 0; i < S; i++) {
            uint64_t p = cg_perm_fwd(&g, i);
            if (p >= S || cg_perm_inv(&g, p) != i)
                bad++;
            else if (hit[p]++)
                dup++;
        }
        CHECK_MSG(bad == 0 && dup == 0, "S=%llu: %d out of range or not inverted, %d repeats",
                  (unsigned long long)S, bad, dup);
        free(hit);
    }
}

/* Subscriber numbers are scrambled over the prefixes' ranges by an affine
 * map; cg_ident_msisdn_index inverts it exactly, every subscriber has its
 * own number, and numbers beyond the population are not subscribers'. */
static void test_msisdn_scramble(void)
{
    cg_config cfg;
    cg_config_defaults(&cfg);
    uint64_t S = 50000;
    cg_numbering nb;
    cg_numbering_init(&nb, &cfg, S);
    int bad = 0, consecutive = 0;
    uint64_t prev = 0;
    for (uint64_t i = 0; i < S; i++) {
        uint64_t m = cg_ident_msisdn(&nb, i);
        if (cg_ident_msisdn_index(&nb, m) != i)
            bad++;
        consecutive += i && (m == prev + 1 || m + 1 == prev);
        prev = m;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_MSG(consecutive < 5, "%d consecutive indices with consecutive numbers", consecutive);
    cg_numbering_init(&nb, &cfg, 10);
    int taken = 0;
    for (uint64_t v = 0; v < 1000; v++)
        taken += cg_ident_msisdn_index(&nb, cg_dnum(31612ULL * 10000000ULL + v, 12)) != UINT64_MAX;
    CHECK(taken <= 10);
}

/* Luhn: the check digit of the GSMA's example IMEI 49015420323751(8), and
 * every single-digit change of it detected. */
static void test_luhn(void)
{
    CHECK_EQ_INT(cg_luhn_digit(49015420323751ULL), 8);
    CHECK(cg_luhn_valid(490154203237518ULL));
    CHECK(!cg_luhn_valid(490154203237519ULL));
    uint64_t v = 490154203237518ULL, pw = 1;
    int missed = 0;
    for (int pos = 0; pos < 15; pos++, pw *= 10) {
        int d = (int)(v / pw % 10);
        for (int nd = 0; nd < 10; nd++)
            if (nd != d && cg_luhn_valid(v - (uint64_t)d * pw + (uint64_t)nd * pw))
                missed++;
    }
    CHECK_EQ_INT(missed, 0);
    for (uint64_t body = 35328115509235ULL; body < 35328115509235ULL + 100; body++)
        CHECK(cg_luhn_valid(body * 10 + (uint64_t)cg_luhn_digit(body)));
}

/* Digit strings: a leading zero makes a tagged number of its own. */
static void test_dnum(void)
{
    uint64_t t = cg_dnum(101, 5);
    CHECK(t != 101);
    CHECK_EQ_INT(cg_dnum_value(t), 101);
    CHECK_EQ_INT(cg_dnum_len(t), 5);
    CHECK_EQ_INT(cg_dnum(31612, 5), 31612);
    CHECK_EQ_INT(cg_dnum_len(31612), 5);
    CHECK(cg_dnum(316120000000ULL, 13) != cg_dnum(316120000000ULL, 12));
    CHECK_EQ_INT(cg_digits(0), 1);
    CHECK_EQ_INT(cg_digits(9), 1);
    CHECK_EQ_INT(cg_digits(10), 2);
    CHECK_EQ_INT(cg_digits(UINT64_MAX), 20);
}

/* The formatter's numbers against printf's, at every digit boundary. */
static void test_fmt_numbers(void)
{
    char a[32], b[32];
    int bad = 0;
    uint64_t v = 1;
    for (int d = 0; d < 20; d++, v *= 10) {
        uint64_t xs[3] = {v - 1, v, v + 1};
        for (int k = 0; k < 3; k++) {
            size_t n = cg_fmt_u64(a, xs[k]);
            a[n] = 0;
            snprintf(b, sizeof b, "%llu", (unsigned long long)xs[k]);
            bad += strcmp(a, b) != 0;
        }
    }
    size_t n = cg_fmt_u64(a, UINT64_MAX);
    a[n] = 0;
    CHECK_EQ_STR(a, "18446744073709551615");
    CHECK_EQ_INT(bad, 0);
    n = cg_fmt_dnum(a, 101, 5);
    a[n] = 0;
    CHECK_EQ_STR(a, "00101");
    n = cg_fmt_dnum(a, cg_dnum(1234, 6), 0);
    a[n] = 0;
    CHECK_EQ_STR(a, "001234");
    n = cg_fmt_dnum(a, 123456, 3);
    a[n] = 0;
    CHECK_EQ_STR(a, "123456");
    n = cg_fmt_dnum(a, cg_dnum(5, 3), 5); /* width wins over a shorter tag */
    a[n] = 0;
    CHECK_EQ_STR(a, "00005");
}

/* Every name of the output layout, spelled and read back. */
static void test_layout(void)
{
    cg_path p;
    cg_lay_part(&p, "out/2025-01-01", "2025-01-01", 7, 12, CG_CODEC_GZIP);
    CHECK_EQ_STR(p.s, "out/2025-01-01/cdr_2025-01-01_shard007_part012.csv.gz");
    cg_lay_stats(&p, "d", 1234);
    CHECK_EQ_STR(p.s, "d/stats_shard1234.json");
    cg_lay_bundle(&p, "o", "2025-01-01", CG_CODEC_NONE);
    CHECK_EQ_STR(p.s, "o/cdr_2025-01-01.csv");
    cg_lay_shard_lock(&p, "o", 3);
    CHECK_EQ_STR(p.s, "o/.cdrgen.shard003.lock");
    cg_lay_run_lock(&p, "o");
    CHECK_EQ_STR(p.s, "o/.cdrgen.lock");
    cg_lay_summary(&p, "o/2025-01-01");
    CHECK_EQ_STR(p.s, "o/2025-01-01/summary.json");
    CHECK_EQ_INT(cg_path_ok(&p, NULL), CG_OK);

    CHECK_EQ_INT(cg_lay_parse_stats("stats_shard007.json"), 7);
    CHECK_EQ_INT(cg_lay_parse_stats("stats_shard1000.json"), 1000);
    CHECK_EQ_INT(cg_lay_parse_stats("stats_shard7.json"), -1);
    CHECK_EQ_INT(cg_lay_parse_stats("stats_shard0007.json"), -1);
    CHECK_EQ_INT(cg_lay_parse_stats("stats_shard001 (copy).json"), -1);
    int sh, pt, codec;
    CHECK_EQ_INT(cg_lay_parse_part("cdr_2025-01-01_shard002_part010.csv.zst", "2025-01-01", &sh,
                                   &pt, &codec), 0);
    CHECK(sh == 2 && pt == 10 && codec == CG_CODEC_ZSTD);
    CHECK_EQ_INT(cg_lay_parse_part("cdr_2025-01-01_shard002_part010.csv", "2025-01-01", &sh, &pt,
                                   &codec), 0);
    CHECK_EQ_INT(codec, CG_CODEC_NONE);
    CHECK_EQ_INT(cg_lay_parse_part("cdr_2025-01-02_shard002_part010.csv", "2025-01-01", &sh, &pt,
                                   &codec), -1);
    CHECK_EQ_INT(cg_lay_parse_part("cdr_2025-01-01_shard02_part010.csv", "2025-01-01", &sh, &pt,
                                   &codec), -1);
    CHECK_EQ_INT(cg_lay_parse_part("cdr_2025-01-01_shard002_part010.csv.bz2", "2025-01-01", &sh,
                                   &pt, &codec), -1);
    CHECK_EQ_INT(cg_lay_part_shard("cdr_2025-01-01_shard004_part000.csv.gz", "2025-01-01"), 4);
    CHECK_EQ_INT(cg_lay_part_shard("cdr_2025-01-01_shardXYZ", "2025-01-01"), -1);
    CHECK_EQ_INT(cg_lay_part_shard("cdr_2025-01-01.csv.gz", "2025-01-01"), -1);

    /* Overflow is kept and reported, never a cut name. */
    char *big = malloc(CG_PATH_MAX);
    memset(big, 'a', CG_PATH_MAX - 20);
    big[CG_PATH_MAX - 20] = 0;
    cg_lay_part(&p, big, "2025-01-01", 0, 0, CG_CODEC_GZIP);
    CHECK(p.overflow);
    cg_path_add(&p, "x"); /* stays overflowed */
    CHECK(p.overflow);
    cg_err err;
    CHECK_EQ_INT(cg_path_ok(&p, &err), CG_ERUNTIME);
    CHECK(strstr(err.msg, "path longer than") != NULL);
    free(big);
}

/* cg_grow: doubling from the minimum, contents kept, overflow refused
 * with the old block intact. */
static void test_grow(void)
{
    size_t cap = 0;
    int *a = cg_grow(NULL, &cap, 5, sizeof *a);
    CHECK(a != NULL && cap == 16);
    for (int i = 0; i < 16; i++)
        a[i] = i;
    int *b = cg_grow(a, &cap, 16, sizeof *b);
    CHECK(b == a && cap == 16); /* fits: unchanged */
    b = cg_grow(a, &cap, 17, sizeof *b);
    CHECK(b != NULL && cap == 32 && b[15] == 15);
    a = b;
    size_t before = cap;
    CHECK(cg_grow(a, &cap, SIZE_MAX / 2, sizeof *a) == NULL); /* need x elem overflows */
    CHECK(cg_grow(a, &cap, SIZE_MAX, 1) == NULL);
    CHECK_EQ_INT(cap, before);
    CHECK_EQ_INT(a[15], 15);
    size_t c2 = 0;
    char *m = cg_grow_min(NULL, &c2, 3, 1, 256);
    CHECK(m != NULL && c2 == 256);
    free(m);
    free(a);
}

/* CG_ASSERT stays on: a false condition aborts with file:line. */
static void test_assert_aborts(void)
{
    int fds[2];
    CHECK_EQ_INT(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 2);
        volatile int x = 1;
        CG_ASSERT(x == 2);
        _exit(0);
    }
    close(fds[1]);
    char buf[512] = {0};
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    (void)n;
    close(fds[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    CHECK_MSG(strstr(buf, "internal error at tests/unit/test_core.c:") && strstr(buf, "x == 2"),
              "stderr: %s", buf);
    CG_ASSERT(1 == 1); /* a true one costs nothing and returns */
}

int main(void)
{
    RUN_TEST(test_normal_moments);
    RUN_TEST(test_poisson_switch);
    RUN_TEST(test_below_range);
    RUN_TEST(test_perm_bijection);
    RUN_TEST(test_msisdn_scramble);
    RUN_TEST(test_luhn);
    RUN_TEST(test_dnum);
    RUN_TEST(test_fmt_numbers);
    RUN_TEST(test_layout);
    RUN_TEST(test_grow);
    RUN_TEST(test_assert_aborts);
    TEST_REPORT();
}
