/* Subscriber lookup index: holder intervals on hand-made databases (exact
 * ms boundaries, release/cool-down/re-assignment, SIM swaps), cache reuse,
 * rebuild on change and on corruption, unwritable directory, CSV vs Arrow,
 * rule violations, and a generated database against a naive replay. */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/commands.h"
#include "core/config.h"
#include "core/ident.h"
#include "core/rng.h"
#include "db/subcsv.h"
#include "db/subgen.h"
#include "db/subindex.h"
#include "db/subsource.h"
#include "testhelp.h"

#define T0 1704067200000LL /* 2024-01-01T00:00Z */
#define HOUR 3600000LL
#define DAY 86400000LL
#define HDR CG_SUBCSV_HEADER "\n"

static char tmpdir[] = "/tmp/cg-subidx.XXXXXX";
static char pbuf[6][600];

static const char *tpath(int slot, const char *name)
{
    snprintf(pbuf[slot], sizeof pbuf[slot], "%s/%s", tmpdir, name);
    return pbuf[slot];
}

static uint64_t imei(uint64_t body14)
{
    return body14 * 10 + (uint64_t)cg_luhn_digit(body14);
}

static const char *cache_of(const char *db)
{
    static char b[700];
    snprintf(b, sizeof b, "%s.cgidx", db);
    return b;
}

static cg_subidx *open_ok(const char *db)
{
    cg_subidx *x = NULL;
    cg_err err = {0};
    int rc = cg_subidx_open(&x, db, &err);
    CHECK_MSG(rc == CG_OK && x, "%s", err.msg);
    return x;
}

/* Held identity of msisdn at t, or imsi 0 when not held. */
static cg_ident at(const cg_subidx *x, uint64_t msisdn, int64_t t)
{
    cg_ident id = {0};
    uint64_t i = cg_subidx_find(x, msisdn);
    if (i == UINT64_MAX || !cg_subidx_lookup(x, i, t, &id))
        memset(&id, 0, sizeof id);
    else
        CHECK_EQ_INT(id.msisdn, msisdn);
    return id;
}

#define IMSI_A 204081000000001ULL
#define IMSI_B 204161000000002ULL
#define IMSI_C 204081000000003ULL
#define M1 31612000001ULL
#define M2 31612000002ULL
#define M3 31613000000ULL

/* ---- semantics ---- */

static void test_device_change_boundary(void)
{
    const char *db = tpath(0, "dev.csv");
    FILE *f = fopen(db, "wb");
    uint64_t ia = imei(35693803564380), ib = imei(35693803564381), ic = imei(35332211000000);
    fprintf(f, HDR);
    fprintf(f, "%lld,NEW_SUBSCRIBER,%llu,%llu,%llu,20408\n", T0, IMSI_A, M1, (unsigned long long)ia);
    fprintf(f, "%lld,NEW_SUBSCRIBER,%llu,%llu,%llu,20416\n", T0, IMSI_B, M2, (unsigned long long)ic);
    /* msisdn left empty: the IMSI's number */
    fprintf(f, "%lld,CHANGE_DEVICE,%llu,,%llu,20408\n", T0 + 14 * HOUR, IMSI_A,
            (unsigned long long)ib);
    /* msisdn given */
    fprintf(f, "%lld,CHANGE_DEVICE,%llu,%llu,%llu,20416\n", T0 + 20 * HOUR, IMSI_B, M2,
            (unsigned long long)ia);
    fclose(f);
    cg_subidx *x = open_ok(db);
    if (!x)
        return;
    CHECK_EQ_INT(cg_subidx_count(x), 2);
    CHECK_EQ_INT(at(x, M1, T0 - 1).imsi, 0); /* not yet assigned */
    cg_ident id = at(x, M1, T0);
    CHECK_EQ_INT(id.imsi, IMSI_A);
    CHECK_EQ_INT(id.imei, ia);
    CHECK_EQ_INT(id.mccmnc, 20408);
    CHECK_EQ_INT(at(x, M1, T0 + 14 * HOUR - 1).imei, ia);
    CHECK_EQ_INT(at(x, M1, T0 + 14 * HOUR).imei, ib);
    CHECK_EQ_INT(at(x, M1, T0 + 14 * HOUR).imsi, IMSI_A);
    CHECK_EQ_INT(at(x, M1, INT64_MAX).imei, ib);
    CHECK_EQ_INT(at(x, M2, T0 + 20 * HOUR - 1).imei, ic);
    CHECK_EQ_INT(at(x, M2, T0 + 20 * HOUR).imei, ia);
    CHECK_EQ_INT(at(x, M2, T0 + 20 * HOUR).mccmnc, 20416);
    uint64_t iv, bytes;
    CHECK_EQ_INT(cg_subidx_stats(x, &iv, &bytes), CG_OK);
    CHECK_EQ_INT(iv, 4);
    struct stat st;
    CHECK(stat(cache_of(db), &st) == 0 && (uint64_t)st.st_size == bytes);
    cg_subidx_close(x);
}

static void test_release_cooldown_reassign(void)
{
    const char *db = tpath(0, "rel.csv");
    long long t1 = T0 + 10 * DAY + 12345, t2 = t1 + 90 * DAY + 777;
    uint64_t ia = imei(35693803564380), ib = imei(35332211000017);
    FILE *f = fopen(db, "wb");
    fprintf(f, HDR);
    fprintf(f, "%lld,NEW_SUBSCRIBER,%llu,%llu,%llu,20408\n", T0, IMSI_A, M1, (unsigned long long)ia);
    fprintf(f, "%lld,RELEASE_NUMBER,%llu,%llu,,20408\n", t1, IMSI_A, M1);
    fprintf(f, "%lld,ASSIGN_NUMBER,%llu,%llu,%llu,20416\n", t2, IMSI_B, M1, (unsigned long long)ib);
    fclose(f);
    cg_subidx *x = open_ok(db);
    if (!x)
        return;
    CHECK_EQ_INT(at(x, M1, t1 - 1).imsi, IMSI_A);
    CHECK_EQ_INT(at(x, M1, t1).imsi, 0);
    CHECK_EQ_INT(at(x, M1, t1 + 45 * DAY).imsi, 0);
    CHECK_EQ_INT(at(x, M1, t2 - 1).imsi, 0);
    cg_ident id = at(x, M1, t2);
    CHECK_EQ_INT(id.imsi, IMSI_B);
    CHECK_EQ_INT(id.imei, ib);
    CHECK_EQ_INT(id.mccmnc, 20416);
    uint64_t i = cg_subidx_find(x, M1);
    CHECK_EQ_INT(cg_subidx_held_between(x, i, t1 - 1, t1), 1);
    CHECK_EQ_INT(cg_subidx_held_between(x, i, t1, t2), 0);
    CHECK_EQ_INT(cg_subidx_held_between(x, i, t1 + DAY, t2 - DAY), 0);
    CHECK_EQ_INT(cg_subidx_held_between(x, i, t1, t2 + 1), 1);
    CHECK_EQ_INT(cg_subidx_held_between(x, i, t2 - 1, t2 - 1), 0); /* empty window */
    CHECK_EQ_INT(cg_subidx_held_between(x, i, T0 - DAY, T0), 0);   /* before it existed */
    CHECK_EQ_INT(cg_subidx_held_between(x, i, T0 - DAY, T0 + 1), 1);
    CHECK_EQ_INT(cg_subidx_held_between(x, 5, T0, t2), 0); /* out of range */
    cg_subidx_close(x);
}

static void test_change_sim(void)
{
    const char *db = tpath(0, "sim.csv");
    uint64_t ia = imei(35693803564380), ib = imei(35332211000017);
    long long ts1 = T0 + 3 * DAY, ts2 = T0 + 5 * DAY, ts3 = T0 + 6 * DAY;
    FILE *f = fopen(db, "wb");
    fprintf(f, HDR);
    fprintf(f, "%lld,NEW_SUBSCRIBER,%llu,%llu,%llu,20408\n", T0, IMSI_A, M1, (unsigned long long)ia);
    /* imei empty: the handset stays */
    fprintf(f, "%lld,CHANGE_SIM,%llu,%llu,,20416\n", ts1, IMSI_B, M1);
    fprintf(f, "%lld,CHANGE_SIM,%llu,%llu,%llu,20408\n", ts2, IMSI_C, M1, (unsigned long long)ib);
    /* the new IMSI's device change finds its number */
    fprintf(f, "%lld,CHANGE_DEVICE,%llu,,%llu,20408\n", ts3, IMSI_C, (unsigned long long)ia);
    fclose(f);
    cg_subidx *x = open_ok(db);
    if (!x)
        return;
    cg_ident id = at(x, M1, ts1);
    CHECK_EQ_INT(id.imsi, IMSI_B);
    CHECK_EQ_INT(id.imei, ia);
    CHECK_EQ_INT(id.mccmnc, 20416);
    CHECK_EQ_INT(at(x, M1, ts1 - 1).imsi, IMSI_A);
    id = at(x, M1, ts2);
    CHECK_EQ_INT(id.imsi, IMSI_C);
    CHECK_EQ_INT(id.imei, ib);
    CHECK_EQ_INT(id.mccmnc, 20408);
    CHECK_EQ_INT(at(x, M1, ts3).imei, ia);
    CHECK_EQ_INT(cg_subidx_count(x), 1);
    cg_subidx_close(x);
}

/* Several events of one MSISDN at the same millisecond: the state after
 * the last of them counts; zero-length intervals hold nothing. */
static void test_same_instant(void)
{
    const char *db = tpath(0, "same.csv");
    uint64_t ia = imei(35693803564380), ib = imei(35332211000017);
    long long t = T0 + DAY;
    FILE *f = fopen(db, "wb");
    fprintf(f, HDR);
    fprintf(f, "%lld,NEW_SUBSCRIBER,%llu,%llu,%llu,20408\n", T0, IMSI_A, M1, (unsigned long long)ia);
    fprintf(f, "%lld,RELEASE_NUMBER,%llu,%llu,,20408\n", t, IMSI_A, M1);
    fprintf(f, "%lld,ASSIGN_NUMBER,%llu,%llu,%llu,20416\n", t, IMSI_B, M1, (unsigned long long)ib);
    /* M2: assigned and released at one instant: never held */
    fprintf(f, "%lld,ASSIGN_NUMBER,%llu,%llu,%llu,20408\n", t, IMSI_C, M2, (unsigned long long)ia);
    fprintf(f, "%lld,RELEASE_NUMBER,%llu,%llu,,20408\n", t, IMSI_C, M2);
    fclose(f);
    cg_subidx *x = open_ok(db);
    if (!x)
        return;
    CHECK_EQ_INT(at(x, M1, t - 1).imsi, IMSI_A);
    CHECK_EQ_INT(at(x, M1, t).imsi, IMSI_B);
    uint64_t i2 = cg_subidx_find(x, M2);
    CHECK(i2 != UINT64_MAX);
    CHECK_EQ_INT(at(x, M2, t).imsi, 0);
    CHECK_EQ_INT(cg_subidx_held_between(x, i2, T0, t + DAY), 0);
    CHECK_EQ_INT(cg_subidx_held_between(x, cg_subidx_find(x, M1), t, t + 1), 1);
    cg_subidx_close(x);
}

static void test_count_order_find(void)
{
    const char *db = tpath(0, "order.csv");
    static const uint64_t ms[] = {31621000009ULL, 31612000000ULL, 31620000005ULL, 31613000001ULL,
                                  31612000001ULL};
    FILE *f = fopen(db, "wb");
    fprintf(f, HDR);
    for (int k = 0; k < 5; k++)
        fprintf(f, "%lld,NEW_SUBSCRIBER,%llu,%llu,%llu,20408\n", T0 + k, 204080000000100ULL + (unsigned)k,
                (unsigned long long)ms[k], (unsigned long long)imei(35693803560000ULL + (unsigned)k));
    fclose(f);
    cg_subidx *x = open_ok(db);
    if (!x)
        return;
    CHECK_EQ_INT(cg_subidx_count(x), 5);
    static const uint64_t sorted[] = {31612000000ULL, 31612000001ULL, 31613000001ULL,
                                      31620000005ULL, 31621000009ULL};
    for (uint64_t i = 0; i < 5; i++) {
        CHECK_EQ_INT(cg_subidx_msisdn(x, i), sorted[i]);
        CHECK_EQ_INT(cg_subidx_find(x, sorted[i]), i);
    }
    CHECK(cg_subidx_find(x, 31612000002ULL) == UINT64_MAX);
    CHECK(cg_subidx_find(x, 1) == UINT64_MAX);
    CHECK(cg_subidx_find(x, UINT64_MAX) == UINT64_MAX);
    cg_ident id;
    CHECK_EQ_INT(cg_subidx_lookup(x, 5, T0 + DAY, &id), 0);
    /* the same answers through core/synth.h's cg_idsource */
    cg_idsource ids;
    cg_subidx_idsource(x, &ids);
    CHECK(ids.ctx == x);
    CHECK_EQ_INT(ids.count(ids.ctx), 5);
    CHECK_EQ_INT(ids.msisdn(ids.ctx, 2), 31613000001ULL);
    CHECK_EQ_INT(ids.find(ids.ctx, 31620000005ULL), 3);
    CHECK_EQ_INT(ids.lookup(ids.ctx, 3, T0 + 2, &id), 1);
    CHECK_EQ_INT(id.imsi, 204080000000102ULL);
    CHECK_EQ_INT(ids.lookup(ids.ctx, 3, T0 + 1, &id), 0);
    cg_subidx_close(x);

    /* an empty database */
    db = tpath(0, "empty.csv");
    th_write_file(db, HDR);
    x = open_ok(db);
    if (!x)
        return;
    CHECK_EQ_INT(cg_subidx_count(x), 0);
    CHECK(cg_subidx_find(x, M1) == UINT64_MAX);
    CHECK_EQ_INT(cg_subidx_lookup(x, 0, T0, &id), 0);
    CHECK_EQ_INT(cg_subidx_held_between(x, 0, T0, T0 + DAY), 0);
    cg_subidx_close(x);
}

/* ---- the cache file ---- */

static const char *SMALL_DB = HDR
    "1704067200000,NEW_SUBSCRIBER,204081000000001,31612000001,356938035643809,20408\n"
    "1704117600000,CHANGE_DEVICE,204081000000001,,353322110000172,20408\n";

static int stat_ino(const char *p, struct stat *st)
{
    return stat(p, st) == 0;
}

static void test_cache_reuse_and_rebuild(void)
{
    const char *db = tpath(0, "cache.csv");
    th_write_file(db, SMALL_DB);
    cg_subidx *x = open_ok(db);
    cg_subidx_close(x);
    struct stat a, b;
    CHECK(stat_ino(cache_of(db), &a));
    usleep(20000);
    x = open_ok(db);
    CHECK_EQ_INT(at(x, M1, T0 + 14 * HOUR).imei, 353322110000172ULL);
    cg_subidx_close(x);
    CHECK(stat_ino(cache_of(db), &b));
    CHECK(a.st_ino == b.st_ino);
    CHECK(a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec);

    /* appended row: size and mtime change -> rebuilt, sees the row */
    FILE *f = fopen(db, "ab");
    fprintf(f, "1704153600000,RELEASE_NUMBER,204081000000001,31612000001,,20408\n");
    fclose(f);
    x = open_ok(db);
    CHECK_EQ_INT(at(x, M1, T0 + DAY).imsi, 0);
    CHECK_EQ_INT(at(x, M1, T0 + DAY - 1).imsi, IMSI_A);
    cg_subidx_close(x);
    CHECK(stat_ino(cache_of(db), &b));
    CHECK(a.st_ino != b.st_ino);

    /* same size, same mtime, same inode, other content: the hash tells */
    struct stat d;
    CHECK(stat(db, &d) == 0);
    a = b;
    int fd = open(db, O_WRONLY);
    /* 31612000001 -> 31612000009 in all three rows */
    char *text = malloc(4096);
    FILE *r = fopen(db, "rb");
    size_t n = fread(text, 1, 4095, r);
    fclose(r);
    text[n] = 0;
    for (char *p = text; (p = strstr(p, "31612000001")); p++)
        p[10] = '9';
    CHECK((size_t)pwrite(fd, text, n, 0) == n);
    close(fd);
    free(text);
    struct timespec ts[2] = {d.st_atim, d.st_mtim};
    CHECK(utimensat(AT_FDCWD, db, ts, 0) == 0);
    CHECK(stat(db, &d) == 0 && d.st_mtim.tv_nsec == ts[1].tv_nsec);
    x = open_ok(db);
    CHECK(cg_subidx_find(x, M1) == UINT64_MAX);
    CHECK_EQ_INT(at(x, 31612000009ULL, T0 + DAY - 1).imsi, IMSI_A);
    cg_subidx_close(x);
    CHECK(stat_ino(cache_of(db), &b));
    CHECK(a.st_ino != b.st_ino);
}

/* Opens db (whose cache has just been damaged), checks it answers right
 * and that the cache was replaced by a valid one (reused on the next open). */
static void check_rebuilt(const char *db, ino_t bad_ino)
{
    cg_subidx *x = open_ok(db);
    if (!x)
        return;
    CHECK_EQ_INT(at(x, M1, T0 + 14 * HOUR - 1).imei, 356938035643809ULL);
    CHECK_EQ_INT(at(x, M1, T0 + 14 * HOUR).imei, 353322110000172ULL);
    cg_subidx_close(x);
    struct stat a, b;
    CHECK(stat_ino(cache_of(db), &a));
    CHECK(a.st_ino != bad_ino);
    x = open_ok(db);
    cg_subidx_close(x);
    CHECK(stat_ino(cache_of(db), &b));
    CHECK(a.st_ino == b.st_ino);
}

static void test_corrupt_cache(void)
{
    const char *db = tpath(0, "corrupt.csv");
    th_write_file(db, SMALL_DB);
    cg_subidx_close(open_ok(db));
    const char *c = cache_of(db);
    struct stat st;
    CHECK(stat(c, &st) == 0);
    size_t len = (size_t)st.st_size;
    CHECK(len > 128);
    unsigned char *good = malloc(len), *bad = malloc(len);
    FILE *f = fopen(c, "rb");
    CHECK(fread(good, 1, len, f) == len);
    fclose(f);
    cg_rng r = cg_rng_make(1, 2, 3, 4);
    for (int kind = 0; kind < 7; kind++) {
        memcpy(bad, good, len);
        size_t blen = len;
        switch (kind) {
        case 0: blen = 10; break;          /* truncated inside the header */
        case 1: blen = len - 8; break;     /* truncated body */
        case 2: bad[0] ^= 1; break;        /* magic */
        case 3:                            /* random bytes */
            for (size_t i = 0; i < len; i++)
                bad[i] = (unsigned char)cg_rng_below(&r, 256);
            break;
        case 4: bad[len - 20] ^= 0x40; break; /* an interval's field */
        case 5: bad[8 * 9] ^= 0x7f; break;    /* counts in the header */
        case 6: blen = 0; break;              /* empty */
        }
        f = fopen(c, "wb");
        fwrite(bad, 1, blen, f);
        fclose(f);
        CHECK(stat(c, &st) == 0);
        check_rebuilt(db, st.st_ino);
    }
    /* a FIFO in the cache's place must not block: replaced */
    unlink(c);
    CHECK(mkfifo(c, 0644) == 0);
    CHECK(stat(c, &st) == 0);
    check_rebuilt(db, st.st_ino);
    /* a directory in the cache's place: the index goes to a temp file */
    unlink(c);
    mkdir(c, 0755);
    cg_subidx *x = open_ok(db);
    CHECK_EQ_INT(at(x, M1, T0 + 14 * HOUR).imei, 353322110000172ULL);
    cg_subidx_close(x);
    rmdir(c);
    free(good);
    free(bad);
}

/* In a child running as an unprivileged user (root ignores permissions):
 * the index of a database in a read-only directory still works. */
static void test_unwritable_dir(void)
{
    char ro[700], tw[700];
    snprintf(ro, sizeof ro, "%s/ro", tmpdir);
    snprintf(tw, sizeof tw, "%s/tmpw", tmpdir);
    mkdir(ro, 0755);
    mkdir(tw, 0777);
    chmod(tw, 01777);
    chmod(tmpdir, 0755);
    const char *db = tpath(1, "ro/db.csv");
    th_write_file(db, SMALL_DB);
    chmod(db, 0644);
    /* a stale cache, left from before the database changed */
    cg_subidx_close(open_ok(db));
    FILE *f = fopen(db, "ab");
    fprintf(f, "1704153600000,RELEASE_NUMBER,204081000000001,31612000001,,20408\n");
    fclose(f);
    chmod(cache_of(db), 0644);
    struct stat before;
    CHECK(stat(cache_of(db), &before) == 0);
    chmod(ro, 0555);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(3);
        setenv("TMPDIR", tw, 1);
        int ok = 1;
        for (int round = 0; round < 2; round++) {
            cg_subidx *x = NULL;
            cg_err err = {0};
            if (cg_subidx_open(&x, db, &err) != CG_OK) {
                fprintf(stderr, "  child: %s\n", err.msg);
                _exit(2);
            }
            ok &= at(x, M1, T0 + DAY - 1).imei == 353322110000172ULL;
            ok &= at(x, M1, T0 + DAY).imsi == 0;
            ok &= th_count_entries(tw) == 0; /* unlinked */
            cg_subidx_close(x);
        }
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
    chmod(ro, 0755);
    struct stat after;
    CHECK(stat(cache_of(db), &after) == 0);
    CHECK(after.st_ino == before.st_ino); /* the stale cache was not touched */
    CHECK_EQ_INT(th_count_entries(ro), 2);  /* db + cache, no temp files */
    /* once writable again, the stale cache is replaced */
    cg_subidx *x = open_ok(db);
    CHECK_EQ_INT(at(x, M1, T0 + DAY).imsi, 0);
    cg_subidx_close(x);
    CHECK(stat(cache_of(db), &after) == 0 && after.st_ino != before.st_ino);
}

/* ---- broken databases ---- */

static void expect_fail(const char *name, const char *text, const char *want1, const char *want2)
{
    const char *db = tpath(2, name);
    th_write_file(db, text);
    cg_subidx *x = NULL;
    cg_err err = {0};
    int rc = cg_subidx_open(&x, db, &err);
    CHECK_EQ_INT(rc, CG_ERUNTIME);
    CHECK(x == NULL);
    CHECK_MSG(strstr(err.msg, want1) != NULL, "%s: \"%s\" lacks \"%s\"", name, err.msg, want1);
    if (want2)
        CHECK_MSG(strstr(err.msg, want2) != NULL, "%s: \"%s\" lacks \"%s\"", name, err.msg, want2);
    struct stat st;
    CHECK(stat(cache_of(db), &st) != 0); /* nothing left behind */
}

static void test_broken_databases(void)
{
    char want[700];
    snprintf(want, sizeof want, "%s/bad1.csv:3:", tmpdir);
    expect_fail("bad1.csv",
                HDR "1704067200000,NEW_SUBSCRIBER,204081000000001,31612000001,356938035643809,20408\n"
                    "1704067200005,NEW_SUBSCRIBER,204081000000002,31612000002,356938035643809,20408\n"
                    "1704067200004,NEW_SUBSCRIBER,204081000000003,31612000003,356938035643809,20408\n",
                want, "cdrgen db validate");
    /* held by two IMSIs at once (row 3), and a SIM change of a number
     * nobody holds (row 4, smaller MSISDN, so met first): row 3 reported */
    snprintf(want, sizeof want, "%s/bad2.csv:3:", tmpdir);
    expect_fail("bad2.csv",
                HDR "1704067200000,NEW_SUBSCRIBER,204081000000001,31612000005,356938035643809,20408\n"
                    "1704067200000,NEW_SUBSCRIBER,204081000000002,31612000009,356938035643809,20408\n"
                    "1704067200001,NEW_SUBSCRIBER,204081000000003,31612000009,356938035643809,20408\n"
                    "1704067200002,CHANGE_SIM,204081000000004,31612000007,,20408\n",
                want, "already held");
    /* device change of an IMSI without a number */
    snprintf(want, sizeof want, "%s/bad3.csv:2:", tmpdir);
    expect_fail("bad3.csv",
                HDR "1704067200000,NEW_SUBSCRIBER,204081000000001,31612000005,356938035643809,20408\n"
                    "1704067200000,CHANGE_DEVICE,204081000000002,,356938035643809,20408\n",
                want, "holds no number");
    /* the old IMSI after a SIM swap no longer holds the number */
    snprintf(want, sizeof want, "%s/bad4.csv:3:", tmpdir);
    expect_fail("bad4.csv",
                HDR "1704067200000,NEW_SUBSCRIBER,204081000000001,31612000005,356938035643809,20408\n"
                    "1704067200001,CHANGE_SIM,204081000000002,31612000005,,20408\n"
                    "1704067200002,CHANGE_DEVICE,204081000000001,,356938035643809,20408\n",
                want, "not held by that IMSI");
    /* a released IMSI has no number left for a device change */
    snprintf(want, sizeof want, "%s/bad8.csv:3:", tmpdir);
    expect_fail("bad8.csv",
                HDR "1704067200000,NEW_SUBSCRIBER,204081000000001,31612000005,356938035643809,20408\n"
                    "1704067200001,RELEASE_NUMBER,204081000000001,31612000005,,20408\n"
                    "1704067200002,CHANGE_DEVICE,204081000000001,,356938035643809,20408\n",
                want, "holds no number");
    /* release by someone else */
    snprintf(want, sizeof want, "%s/bad5.csv:2:", tmpdir);
    expect_fail("bad5.csv",
                HDR "1704067200000,NEW_SUBSCRIBER,204081000000001,31612000005,356938035643809,20408\n"
                    "1704067200001,RELEASE_NUMBER,204081000000002,31612000005,,20408\n",
                want, "RELEASE_NUMBER");
    /* the CSV reader's own message */
    snprintf(want, sizeof want, "%s/bad6.csv:1:", tmpdir);
    expect_fail("bad6.csv", HDR "17040672x0000,NEW_SUBSCRIBER,1,2,3,20408\n", want, NULL);
    snprintf(want, sizeof want, "%s/bad7.arrow", tmpdir);
    expect_fail("bad7.arrow", "not an arrow file at all", want, NULL);
    cg_subidx *x = NULL;
    cg_err err = {0};
    CHECK_EQ_INT(cg_subidx_open(&x, tpath(2, "missing.csv"), &err), CG_ERUNTIME);
    CHECK(strstr(err.msg, "missing.csv") != NULL);
    CHECK(mkfifo(tpath(2, "fifo.csv"), 0644) == 0);
    CHECK_EQ_INT(cg_subidx_open(&x, pbuf[2], &err), CG_ERUNTIME);
    CHECK(strstr(err.msg, "fifo.csv: not a regular file") != NULL);
    unlink(pbuf[2]);
    /* no temp or scratch files left in the directory */
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        CHECK_MSG(!strstr(e->d_name, ".tmp.") && !strstr(e->d_name, "scratch"), "%s", e->d_name);
    if (d)
        closedir(d);
}

/* ---- generated databases ---- */

static void gen_cfg(cg_config *cfg)
{
    cg_config_defaults(cfg);
    cfg->seed = 11;
    cfg->db_size = 2000;
    cfg->db_history_days = 200;
    cfg->db_device_change_rate = 0.95;
    cfg->db_sim_change_rate = 0.7;
    cfg->db_number_release_rate = 0.7;
    cfg->db_cooldown_days = 20;
}

/* Generates the database to path, blanking the msisdn of every other
 * CHANGE_DEVICE so that the IMSI -> MSISDN resolution is exercised. */
static int gen_db(const char *path)
{
    cg_config cfg;
    gen_cfg(&cfg);
    cg_err err = {0};
    char raw[700];
    snprintf(raw, sizeof raw, "%s/raw.csv", tmpdir);
    cg_subsink *k;
    cg_subgen_stats st;
    if (cg_subsink_open(&k, raw, &err) || cg_subgen_run(&cfg, k, &st, &err) ||
        cg_subsink_close(k, &err))
        return fprintf(stderr, "  %s\n", err.msg), 1;
    cg_subsrc *s;
    if (cg_subsrc_open(&s, raw, &err) || cg_subsink_open(&k, path, &err))
        return fprintf(stderr, "  %s\n", err.msg), 1;
    cg_sub_event ev;
    int has, flip = 0;
    while (cg_subsrc_next(s, &ev, &has, &err) == CG_OK && has) {
        if (ev.type == CG_EV_CHANGE_DEVICE && (flip ^= 1))
            ev.msisdn = 0;
        cg_subsink_add(k, &ev, 1, &err);
    }
    cg_subsrc_close(s);
    return cg_subsink_close(k, &err);
}

static cg_sub_event *load_all(const char *path, size_t *n)
{
    cg_err err = {0};
    cg_subsrc *s;
    if (cg_subsrc_open(&s, path, &err))
        return NULL;
    size_t cap = 1024;
    cg_sub_event *ev = malloc(cap * sizeof *ev);
    int has;
    *n = 0;
    while (cg_subsrc_next(s, &ev[*n], &has, &err) == CG_OK && has)
        if (++*n == cap)
            ev = realloc(ev, (cap *= 2) * sizeof *ev);
    cg_subsrc_close(s);
    return ev;
}

/* Naive replay of the whole history for one MSISDN: the holder after every
 * event with timestamp <= t (imsi 0 = nobody). An event with an empty msisdn
 * (CHANGE_DEVICE) is this MSISDN's when its IMSI holds it. */
typedef struct naive {
    uint64_t imsi, imei;
    uint32_t mccmnc;
} naive;

static void naive_apply(naive *s, const cg_sub_event *e, uint64_t m)
{
    if (e->msisdn != m && !(e->msisdn == 0 && s->imsi && e->imsi == s->imsi))
        return;
    switch (e->type) {
    case CG_EV_NEW_SUBSCRIBER:
    case CG_EV_ASSIGN_NUMBER:
        *s = (naive){e->imsi, e->imei, e->mccmnc};
        break;
    case CG_EV_CHANGE_DEVICE: s->imei = e->imei; break;
    case CG_EV_CHANGE_SIM:
        s->imsi = e->imsi;
        s->mccmnc = e->mccmnc;
        if (e->imei)
            s->imei = e->imei;
        break;
    default: memset(s, 0, sizeof *s);
    }
}

static naive naive_at(const cg_sub_event *ev, size_t n, uint64_t m, int64_t t)
{
    naive s = {0};
    for (size_t j = 0; j < n && ev[j].ts_ms <= t; j++)
        naive_apply(&s, &ev[j], m);
    return s;
}

static int naive_held_between(const cg_sub_event *ev, size_t n, uint64_t m, int64_t t0,
                              int64_t t1)
{
    naive s = {0};
    size_t j = 0;
    for (; j < n && ev[j].ts_ms <= t0; j++)
        naive_apply(&s, &ev[j], m);
    if (t0 < t1 && s.imsi)
        return 1;
    for (; j < n && ev[j].ts_ms < t1; j++) {
        naive_apply(&s, &ev[j], m);
        if (s.imsi && (j + 1 == n || ev[j + 1].ts_ms != ev[j].ts_ms))
            return 1;
    }
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_generated_vs_naive(void)
{
    const char *db = tpath(3, "gen.csv");
    CHECK_EQ_INT(gen_db(db), CG_OK);
    size_t n = 0;
    cg_sub_event *ev = load_all(db, &n);
    CHECK(ev && n > 6000);
    if (!ev)
        return;
    size_t blanks = 0, types[5] = {0};
    uint64_t *ms = malloc(n * sizeof *ms);
    size_t nm = 0;
    for (size_t j = 0; j < n; j++) {
        types[ev[j].type]++;
        blanks += ev[j].msisdn == 0;
        if (ev[j].msisdn)
            ms[nm++] = ev[j].msisdn;
    }
    CHECK(blanks > 100);
    for (int t = 0; t < 5; t++)
        CHECK_MSG(types[t] > 50, "type %d: %zu rows", t, types[t]);
    qsort(ms, nm, sizeof *ms, cmp_u64);
    size_t u = 0;
    for (size_t j = 0; j < nm; j++)
        if (!u || ms[j] != ms[u - 1])
            ms[u++] = ms[j];

    cg_subidx *x = open_ok(db);
    if (!x) {
        free(ev);
        free(ms);
        return;
    }
    CHECK_EQ_INT(cg_subidx_count(x), u);
    int order_ok = 1;
    for (size_t j = 0; j < u; j++)
        order_ok &= cg_subidx_msisdn(x, j) == ms[j] && cg_subidx_find(x, ms[j]) == j;
    CHECK(order_ok);
    uint64_t iv;
    cg_subidx_stats(x, &iv, NULL);
    CHECK_EQ_INT(iv, n);

    cg_rng r = cg_rng_make(99, 1, 2, 3);
    int bad = 0, held = 0, free_ = 0;
    for (int p = 0; p < 6000; p++) {
        uint64_t m;
        int64_t t;
        if (p % 3 == 0) {
            /* exactly at an event, or one ms before it */
            const cg_sub_event *e = &ev[cg_rng_below(&r, n)];
            m = e->msisdn ? e->msisdn : ms[cg_rng_below(&r, u)];
            t = e->ts_ms - (int64_t)cg_rng_below(&r, 2);
        } else {
            m = ms[cg_rng_below(&r, u)];
            t = T0 - DAY + (int64_t)cg_rng_below(&r, 202 * (uint64_t)DAY);
        }
        naive want = naive_at(ev, n, m, t);
        cg_ident got = at(x, m, t);
        if (got.imsi != want.imsi || got.imei != want.imei || got.mccmnc != want.mccmnc) {
            if (bad++ < 5)
                fprintf(stderr, "  msisdn %llu t %lld: got imsi %llu imei %llu, want %llu %llu\n",
                        (unsigned long long)m, (long long)t, (unsigned long long)got.imsi,
                        (unsigned long long)got.imei, (unsigned long long)want.imsi,
                        (unsigned long long)want.imei);
        }
        held += want.imsi != 0;
        free_ += want.imsi == 0;
        if (p % 4 == 0) {
            int64_t t1 = t + (int64_t)cg_rng_below(&r, 40 * (uint64_t)DAY);
            int hw = naive_held_between(ev, n, m, t, t1);
            int hg = cg_subidx_held_between(x, cg_subidx_find(x, m), t, t1);
            if (hw != hg && bad++ < 5)
                fprintf(stderr, "  held_between %llu [%lld, %lld): got %d want %d\n",
                        (unsigned long long)m, (long long)t, (long long)t1, hg, hw);
        }
    }
    CHECK_EQ_INT(bad, 0);
    /* the probes saw both answers often enough to mean something */
    CHECK(held > 1000 && free_ > 300);
    cg_subidx_close(x);
    free(ev);
    free(ms);
}

static void test_csv_vs_arrow(void)
{
    const char *csv = tpath(3, "gen.csv"), *arrow = tpath(4, "gen.arrow");
    struct stat st;
    if (stat(csv, &st) != 0)
        CHECK_EQ_INT(gen_db(csv), CG_OK);
    cg_err err = {0};
    CHECK_EQ_INT(cg_cmd_db_convert(csv, arrow, &err), CG_OK);
    cg_subidx *a = open_ok(csv), *b = open_ok(arrow);
    if (!a || !b)
        return;
    CHECK_EQ_INT(cg_subidx_count(a), cg_subidx_count(b));
    uint64_t ia, ib, ba, bb;
    cg_subidx_stats(a, &ia, &ba);
    cg_subidx_stats(b, &ib, &bb);
    CHECK_EQ_INT(ia, ib);
    CHECK_EQ_INT(ba, bb);
    uint64_t n = cg_subidx_count(a);
    cg_rng r = cg_rng_make(5, 6, 7, 8);
    int diff = 0;
    for (uint64_t i = 0; i < n; i++)
        diff += cg_subidx_msisdn(a, i) != cg_subidx_msisdn(b, i);
    for (int p = 0; p < 20000; p++) {
        uint64_t i = cg_rng_below(&r, n);
        int64_t t = T0 + (int64_t)cg_rng_below(&r, 201 * (uint64_t)DAY);
        cg_ident x = {0}, y = {0};
        int hx = cg_subidx_lookup(a, i, t, &x), hy = cg_subidx_lookup(b, i, t, &y);
        diff += hx != hy || memcmp(&x, &y, sizeof x) != 0;
    }
    CHECK_EQ_INT(diff, 0);
    cg_subidx_close(a);
    cg_subidx_close(b);
}

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[1200];
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rm_tree(p);
        else
            unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN_TEST(test_device_change_boundary);
    RUN_TEST(test_release_cooldown_reassign);
    RUN_TEST(test_change_sim);
    RUN_TEST(test_same_instant);
    RUN_TEST(test_count_order_find);
    RUN_TEST(test_cache_reuse_and_rebuild);
    RUN_TEST(test_corrupt_cache);
    RUN_TEST(test_unwritable_dir);
    RUN_TEST(test_broken_databases);
    RUN_TEST(test_generated_vs_naive);
    RUN_TEST(test_csv_vs_arrow);
    rm_tree(tmpdir);
    TEST_REPORT();
}
