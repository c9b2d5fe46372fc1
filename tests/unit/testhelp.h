/* Minimal test harness (after redis' testhelp.h): TEST_CASE blocks, CHECK
 * assertions that report file:line, and a closing "N passed, N failed" line
 * that tests/run.sh adds up. */
#ifndef CG_TESTHELP_H
#define CG_TESTHELP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int th_passed, th_failed, th_case_failed;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            th_case_failed = 1;                                                \
        }                                                                      \
    } while (0)

#define CHECK_MSG(cond, ...)                                                   \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "  FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
            th_case_failed = 1;                                                \
        }                                                                      \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                     \
    do {                                                                       \
        long long th_a = (long long)(a), th_b = (long long)(b);                \
        CHECK_MSG(th_a == th_b, "%lld != %lld", th_a, th_b);                   \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                     \
    do {                                                                       \
        const char *th_a = (a), *th_b = (b);                                   \
        CHECK_MSG(th_a && th_b && strcmp(th_a, th_b) == 0, "\"%s\" != \"%s\"", \
                  th_a ? th_a : "(null)", th_b ? th_b : "(null)");             \
    } while (0)

/* Runs one test function and records whether any CHECK in it failed. */
#define RUN_TEST(fn)                                                           \
    do {                                                                       \
        th_case_failed = 0;                                                    \
        fn();                                                                  \
        if (th_case_failed) {                                                  \
            th_failed++;                                                       \
            fprintf(stderr, "FAIL %s\n", #fn);                                 \
        } else {                                                               \
            th_passed++;                                                       \
            printf("ok   %s\n", #fn);                                          \
        }                                                                      \
    } while (0)

#define TEST_REPORT()                                                          \
    do {                                                                       \
        printf("%d passed, %d failed\n", th_passed, th_failed);                \
        return th_failed ? 1 : 0;                                              \
    } while (0)

static inline int th_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A whole file, NUL-terminated, its length in *len; NULL if unreadable. */
static inline char *th_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
    size_t got = b ? fread(b, 1, (size_t)n, f) : 0;
    if (b)
        b[got] = 0;
    fclose(f);
    *len = got;
    return b;
}

/* Writes text to path (tests only: failures surface as later CHECKs). */
static inline void th_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Entries of dir whose names do not start with '.' (temp files do). */
static inline int th_count_entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

#endif
