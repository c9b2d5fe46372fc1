/* Tests of write-then-rename files, directory helpers and the stats/summary
 * JSON writers and parsers: what a reader can see after success, abort and
 * failure, and which texts the strict parser refuses. */
#include "io/afile.h"
#include "io/json.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testhelp.h"

static char tmpdir[256];

/* Number of entries in dir other than . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 16];
    *n = fread(buf, 1, sizeof buf - 1, f);
    buf[*n] = '\0';
    fclose(f);
    return buf;
}

static void mkpath(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", tmpdir, name);
}

static void test_commit_replaces(void)
{
    char dir[512], path[600], tmpname[700];
    mkpath(dir, sizeof dir, "commit");
    cg_err err;
    CHECK_EQ_INT(cg_mkdir_p(dir, &err), CG_OK);
    snprintf(path, sizeof path, "%s/part.csv", dir);
    CHECK_EQ_INT(cg_write_file_atomic(path, "old contents\n", 13, &err), CG_OK);

    cg_afile f;
    CHECK_EQ_INT(cg_afile_open(&f, path, &err), CG_OK);
    /* ".part.csv.tmp." and a 16-hex-digit token */
    snprintf(tmpname, sizeof tmpname, "%s/.part.csv.tmp.", dir);
    CHECK(strncmp(f.tmp, tmpname, strlen(tmpname)) == 0);
    CHECK_EQ_INT(strlen(f.tmp), strlen(tmpname) + 16);
    CHECK(strspn(f.tmp + strlen(tmpname), "0123456789abcdef") == 16);
    CHECK(strlen(f.tmp) < sizeof tmpname);
    memcpy(tmpname, f.tmp, strlen(f.tmp) + 1 < sizeof tmpname ? strlen(f.tmp) + 1 : sizeof tmpname);
    tmpname[sizeof tmpname - 1] = '\0';
    CHECK_EQ_INT(access(tmpname, F_OK), 0);
    /* a second writer of the same file gets another name */
    cg_afile g;
    CHECK_EQ_INT(cg_afile_open(&g, path, &err), CG_OK);
    CHECK(strcmp(f.tmp, g.tmp) != 0);
    cg_afile_abort(&g);
    CHECK_EQ_INT(cg_afile_write(&f, "new ", 4, &err), CG_OK);
    CHECK_EQ_INT(cg_afile_write(&f, "", 0, &err), CG_OK);
    CHECK_EQ_INT(cg_afile_write(&f, "contents\n", 9, &err), CG_OK);
    CHECK_EQ_INT(f.bytes, 13);
    /* before commit a reader still sees the old file */
    size_t n;
    CHECK_EQ_STR(read_all(path, &n), "old contents\n");
    CHECK_EQ_INT(cg_afile_commit(&f, 1, &err), CG_OK);
    CHECK_EQ_STR(read_all(path, &n), "new contents\n");
    CHECK(access(tmpname, F_OK) != 0);
    CHECK_EQ_INT(count_entries(dir), 1);
    struct stat st;
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK_EQ_INT(st.st_mode & 0600, 0600);
    /* abort after commit must not remove the committed file */
    cg_afile_abort(&f);
    cg_afile_abort(&f);
    CHECK_EQ_INT(access(path, F_OK), 0);

    /* a relative path in the current directory */
    char cwd[512];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK_EQ_INT(chdir(dir), 0);
    CHECK_EQ_INT(cg_write_file_atomic("rel.json", "{}", 2, &err), CG_OK);
    CHECK_EQ_INT(chdir(cwd), 0);
    snprintf(path, sizeof path, "%s/rel.json", dir);
    CHECK_EQ_STR(read_all(path, &n), "{}");
    CHECK_EQ_INT(count_entries(dir), 2);
}

static void test_abort_leaves_nothing(void)
{
    char dir[512], path[600];
    mkpath(dir, sizeof dir, "abort");
    cg_err err;
    CHECK_EQ_INT(cg_mkdir_p(dir, &err), CG_OK);
    snprintf(path, sizeof path, "%s/bundle.csv.zst", dir);
    cg_afile f;
    CHECK_EQ_INT(cg_afile_open(&f, path, &err), CG_OK);
    CHECK_EQ_INT(cg_afile_write(&f, "half", 4, &err), CG_OK);
    CHECK_EQ_INT(count_entries(dir), 1);
    cg_afile_abort(&f);
    CHECK_EQ_INT(count_entries(dir), 0);
    cg_afile_abort(&f); /* twice is fine */
    CHECK_EQ_INT(count_entries(dir), 0);
    CHECK_EQ_INT(f.fd, -1);

    /* zeroed struct: abort must not close fd 0 */
    if (fcntl(0, F_GETFD) == -1)
        CHECK_EQ_INT(open("/dev/null", O_RDONLY), 0); /* lowest free fd is 0 */
    cg_afile z;
    memset(&z, 0, sizeof z);
    cg_afile_abort(&z);
    CHECK(fcntl(0, F_GETFD) != -1);
    CHECK_EQ_INT(z.fd, 0);
}

/* A write that fails (ENOSPC via /dev/full) names the final path and errno text. */
static void test_write_failure_names_path(void)
{
    char dir[512], path[600];
    mkpath(dir, sizeof dir, "full/2025-01-01");
    cg_err err;
    CHECK_EQ_INT(cg_mkdir_p(dir, &err), CG_OK);
    snprintf(path, sizeof path, "%s/cdr_2025-01-01_shard000_part000.csv.gz", dir);
    cg_afile f;
    CHECK_EQ_INT(cg_afile_open(&f, path, &err), CG_OK);
    int full = open("/dev/full", O_WRONLY);
    CHECK(full >= 0);
    if (full < 0)
        return;
    CHECK(dup2(full, f.fd) == f.fd); /* the temp file now behaves like a full disk */
    close(full);
    CHECK_EQ_INT(cg_afile_write(&f, "row\n", 4, &err), CG_ERUNTIME);
    char want[800];
    snprintf(want, sizeof want, "%s: write failed: No space left on device", path);
    CHECK_EQ_STR(err.msg, want);
    cg_afile_abort(&f);
    CHECK_EQ_INT(count_entries(dir), 0);
}

static void test_open_and_commit_failures(void)
{
    char path[2048], file[1024];
    cg_err err;
    cg_afile f;
    /* the directory does not exist */
    mkpath(path, sizeof path, "no/such/dir/stats_shard000.json");
    CHECK_EQ_INT(cg_afile_open(&f, path, &err), CG_ERUNTIME);
    CHECK_MSG(strstr(err.msg, path) == err.msg, "%s", err.msg);
    CHECK(strstr(err.msg, "No such file or directory") != NULL);
    CHECK_EQ_INT(f.fd, -1);
    cg_afile_abort(&f); /* no-op after a failed open */
    CHECK_EQ_INT(cg_write_file_atomic(path, "x", 1, &err), CG_ERUNTIME);
    CHECK(strstr(err.msg, path) == err.msg);

    /* a path component is a regular file */
    mkpath(file, sizeof file, "plainfile");
    CHECK_EQ_INT(cg_write_file_atomic(file, "x", 1, &err), CG_OK);
    snprintf(path, sizeof path, "%s/summary.json", file);
    CHECK_EQ_INT(cg_afile_open(&f, path, &err), CG_ERUNTIME);
    CHECK(strstr(err.msg, "Not a directory") != NULL);

    /* rename over a directory fails at commit: error names the path, tmp removed */
    char dir[512];
    mkpath(dir, sizeof dir, "commitfail");
    CHECK_EQ_INT(cg_mkdir_p(dir, &err), CG_OK);
    snprintf(path, sizeof path, "%s/cdr_2025-01-01.csv", dir);
    CHECK_EQ_INT(cg_mkdir_p(path, &err), CG_OK);
    CHECK_EQ_INT(cg_afile_open(&f, path, &err), CG_OK);
    CHECK_EQ_INT(cg_afile_write(&f, "a;b\n", 4, &err), CG_OK);
    CHECK_EQ_INT(cg_afile_commit(&f, 0, &err), CG_ERUNTIME);
    CHECK_MSG(strstr(err.msg, path) == err.msg, "%s", err.msg);
    CHECK_EQ_INT(count_entries(dir), 1); /* just the directory in the way */
    cg_afile_abort(&f);
    CHECK_EQ_INT(cg_afile_commit(&f, 0, &err), CG_ERUNTIME); /* not open any more */

    /* a trailing slash is not a file */
    mkpath(path, sizeof path, "dir/");
    CHECK_EQ_INT(cg_afile_open(&f, path, &err), CG_ERUNTIME);
}

/* A stale tmp file with an older version's pid name does not block open. */
static void test_open_replaces_own_stale_tmp(void)
{
    char dir[512], path[600], tmpname[700];
    mkpath(dir, sizeof dir, "stale");
    cg_err err;
    CHECK_EQ_INT(cg_mkdir_p(dir, &err), CG_OK);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    snprintf(tmpname, sizeof tmpname, "%s/.summary.json.tmp.%ld", dir, (long)getpid());
    CHECK_EQ_INT(cg_write_file_atomic(tmpname, "garbage", 7, &err), CG_OK);
    CHECK_EQ_INT(cg_write_file_atomic(path, "{\"ok\":1}", 8, &err), CG_OK);
    size_t n;
    CHECK_EQ_STR(read_all(path, &n), "{\"ok\":1}");
    CHECK_EQ_INT(count_entries(dir), 1);
}

static void touch(const char *dir, const char *name)
{
    char p[800];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (f)
        fclose(f);
}

static int exists(const char *dir, const char *name)
{
    char p[800];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return access(p, F_OK) == 0;
}

/* Opens dir/name and holds flock on it, as a live writer does; returns the fd. */
static int hold(const char *dir, const char *name)
{
    char p[800];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    int fd = open(p, O_RDWR | O_CREAT, 0644);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* Stale means: nobody holds the file's lock. Names (pids, hosts) prove
 * nothing: a live writer's file is kept whatever its token, a dead one's
 * goes whatever its token (issue 9.2). */
static void test_remove_tmp_files(void)
{
    char dir[512];
    mkpath(dir, sizeof dir, "tmpclean");
    cg_err err;
    CHECK_EQ_INT(cg_mkdir_p(dir, &err), CG_OK);
    /* stale: nobody holds them (older versions' pid tokens, our tokens) */
    touch(dir, ".cdr_2025-01-01_shard000_part000.csv.gz.tmp.2147483647");
    touch(dir, ".summary.json.tmp.1");
    touch(dir, ".cdr_2025-01-01_shard001_part000.csv.gz.tmp.99999999999999999999999");
    touch(dir, ".cells.csv.tmp.Ab12Cd");
    touch(dir, ".hidden.tmp.12x");
    /* kept: live writers' files (locked here, as another process would),
     * and names that are not temporary files of ours */
    int live1 = hold(dir, ".stats_shard000.json.tmp.1");
    int live2 = hold(dir, ".cdr_2025-01-01_shard001_part001.csv.gz.tmp.0123456789abcdef");
    CHECK(live1 >= 0 && live2 >= 0);
    touch(dir, "cdr_2025-01-01.csv.gz");
    touch(dir, "visible.tmp.123");
    touch(dir, ".tmp.5");
    touch(dir, ".x.tmp.");
    touch(dir, ".x.tmp.a-b");
    /* a directory with a matching name is never removed */
    char sub[700];
    snprintf(sub, sizeof sub, "%s/.subdir.tmp.2147483646", dir);
    CHECK_EQ_INT(cg_mkdir_p(sub, &err), CG_OK);

    /* prefix limits the cleanup to one shard's files */
    CHECK_EQ_INT(cg_remove_tmp_files_prefix(dir, "cdr_2025-01-01_shard001_", &err), CG_OK);
    CHECK(!exists(dir, ".cdr_2025-01-01_shard001_part000.csv.gz.tmp.99999999999999999999999"));
    CHECK(exists(dir, ".cdr_2025-01-01_shard001_part001.csv.gz.tmp.0123456789abcdef"));
    CHECK(exists(dir, ".cdr_2025-01-01_shard000_part000.csv.gz.tmp.2147483647"));
    CHECK(exists(dir, ".summary.json.tmp.1"));

    CHECK_EQ_INT(cg_remove_tmp_files(dir, &err), CG_OK);
    CHECK(!exists(dir, ".cdr_2025-01-01_shard000_part000.csv.gz.tmp.2147483647"));
    CHECK(!exists(dir, ".summary.json.tmp.1"));
    CHECK(!exists(dir, ".cells.csv.tmp.Ab12Cd"));
    CHECK(!exists(dir, ".hidden.tmp.12x"));
    CHECK(exists(dir, ".stats_shard000.json.tmp.1"));
    CHECK(exists(dir, ".cdr_2025-01-01_shard001_part001.csv.gz.tmp.0123456789abcdef"));
    CHECK(exists(dir, "cdr_2025-01-01.csv.gz"));
    CHECK(exists(dir, "visible.tmp.123"));
    CHECK(exists(dir, ".tmp.5"));
    CHECK(exists(dir, ".x.tmp."));
    CHECK(exists(dir, ".x.tmp.a-b"));
    CHECK(exists(dir, ".subdir.tmp.2147483646"));
    CHECK_EQ_INT(count_entries(dir), 8);
    /* the writer dies (its descriptors close): now they are stale */
    close(live1);
    close(live2);
    CHECK_EQ_INT(cg_remove_tmp_files(dir, &err), CG_OK);
    CHECK(!exists(dir, ".stats_shard000.json.tmp.1"));
    CHECK_EQ_INT(count_entries(dir), 6);

    /* an open afile is a live writer: a cleaner keeps it, commit works */
    char path[800];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    cg_afile f;
    CHECK_EQ_INT(cg_afile_open(&f, path, &err), CG_OK);
    CHECK_EQ_INT(cg_remove_tmp_files(dir, &err), CG_OK);
    CHECK_EQ_INT(count_entries(dir), 7);
    CHECK_EQ_INT(cg_afile_write(&f, "{}", 2, &err), CG_OK);
    CHECK_EQ_INT(cg_afile_commit(&f, 0, &err), CG_OK);
    CHECK(exists(dir, "summary.json"));
    CHECK_EQ_INT(count_entries(dir), 7);

    /* a missing directory is fine; a file is not a directory */
    mkpath(sub, sizeof sub, "tmpclean/missing");
    CHECK_EQ_INT(cg_remove_tmp_files(sub, &err), CG_OK);
    mkpath(sub, sizeof sub, "tmpclean/cdr_2025-01-01.csv.gz");
    CHECK_EQ_INT(cg_remove_tmp_files(sub, &err), CG_ERUNTIME);
    CHECK(strstr(err.msg, sub) == err.msg);
}

/* Opening a file removes what a killed writer of the same file left. */
static void test_open_removes_dead_leftovers(void)
{
    char dir[512];
    mkpath(dir, sizeof dir, "leftover");
    cg_err err;
    CHECK_EQ_INT(cg_mkdir_p(dir, &err), CG_OK);
    touch(dir, ".subs.arrow.tmp.00000000deadbeef");
    touch(dir, ".subs.arrow.extra.tmp.00000000deadbeef"); /* another file's: kept */
    int live = hold(dir, ".subs.arrow.tmp.1111111111111111");
    char path[800];
    snprintf(path, sizeof path, "%s/subs.arrow", dir);
    CHECK_EQ_INT(cg_write_file_atomic(path, "x", 1, &err), CG_OK);
    CHECK(!exists(dir, ".subs.arrow.tmp.00000000deadbeef"));
    CHECK(exists(dir, ".subs.arrow.extra.tmp.00000000deadbeef"));
    CHECK(exists(dir, ".subs.arrow.tmp.1111111111111111"));
    close(live);
    CHECK_EQ_INT(count_entries(dir), 3);
}

static void test_mkdir_p(void)
{
    char dir[1024], file[2048], deep[4096];
    cg_err err;
    mkpath(dir, sizeof dir, "a/b//c/d/");
    CHECK_EQ_INT(cg_mkdir_p(dir, &err), CG_OK);
    CHECK_EQ_INT(cg_mkdir_p(dir, &err), CG_OK); /* idempotent */
    struct stat st;
    mkpath(dir, sizeof dir, "a/b/c/d");
    CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode));
    snprintf(file, sizeof file, "%s/f", dir);
    CHECK_EQ_INT(cg_write_file_atomic(file, "", 0, &err), CG_OK);
    CHECK(stat(file, &st) == 0 && st.st_size == 0);
    snprintf(deep, sizeof deep, "%s/g/h", file);
    CHECK_EQ_INT(cg_mkdir_p(deep, &err), CG_ERUNTIME);
    CHECK_MSG(strstr(err.msg, file) == err.msg && strstr(err.msg, "not a directory") != NULL, "%s", err.msg);
    CHECK_EQ_INT(cg_mkdir_p("", &err), CG_EUSAGE);
}

static void test_json_write(void)
{
    char buf[512];
    uint64_t rows[2] = {10, 0}, bytes[2] = {300, 99};
    cg_stats st = {3, 4, {1234567, 0, UINT64_MAX}, 0x0123456789abcdefULL, 2, rows, bytes, 0, {0}};
    size_t n = cg_json_stats(buf, sizeof buf, &st);
    CHECK_EQ_STR(buf, "{\"shard\":3,\"calls\":1234567,\"sms\":0,\"data\":18446744073709551615,"
                      "\"shards\":4,\"run\":\"0123456789abcdef\",\"parts\":2,\"part_rows\":[10,0],"
                      "\"part_bytes\":[300,99]}\n");
    CHECK_EQ_INT(n, strlen(buf));
    CHECK(n <= CG_JSON_STATS_MAX(2));
    n = cg_json_summary(buf, sizeof buf, 7000000, 10400000, 12000000, 4);
    CHECK_EQ_STR(buf, "{\"total_calls\":7000000,\"total_sms\":10400000,\"total_data\":12000000,\"shards\":4}\n");
    CHECK_EQ_INT(n, strlen(buf));
    /* truncation is reported through the return value */
    char small[10];
    cg_stats z = {0, 1, {1, 2, 3}, 0, 0, NULL, NULL, 0, {0}};
    n = cg_json_stats(small, sizeof small, &z);
    CHECK_EQ_INT(n, strlen("{\"shard\":0,\"calls\":1,\"sms\":2,\"data\":3,\"shards\":1,\"run\":"
                           "\"0000000000000000\",\"parts\":0,\"part_rows\":[],\"part_bytes\":[]}\n"));
    CHECK_EQ_INT(strlen(small), 9);
    /* the worst case of CG_JSON_STATS_MAX */
    uint64_t big[3] = {UINT64_MAX, UINT64_MAX, UINT64_MAX};
    cg_stats w = {INT32_MAX - 1, INT32_MAX, {UINT64_MAX, UINT64_MAX, UINT64_MAX}, UINT64_MAX, 3,
                  big, big, 1, {0}};
    for (int k = 0; k < CG_STATS_ANOM; k++)
        w.anom[k] = UINT64_MAX;
    char wb[CG_JSON_STATS_MAX(3)];
    CHECK(cg_json_stats(wb, sizeof wb, &w) < sizeof wb);
}

static void test_json_round_trip(void)
{
    char buf[512];
    cg_err err;
    uint64_t vals[][3] = {{0, 0, 0}, {1, 2, 3}, {UINT64_MAX, 10, UINT64_MAX - 1}};
    uint64_t rows[3] = {5, 0, UINT64_MAX}, bytes[3] = {1, 2, 3};
    for (int i = 0; i < 3; i++) {
        uint64_t c, s, d;
        cg_stats in = {17 * i, 17 * i + 1 + i, {vals[i][0], vals[i][1], vals[i][2]},
                       vals[i][2] ^ 0x5555, (uint32_t)i, rows, bytes, i == 2, {0}};
        for (int k = 0; k < CG_STATS_ANOM; k++)
            in.anom[k] = (uint64_t)(k * 1000 + i);
        size_t n = cg_json_stats(buf, sizeof buf, &in);
        cg_stats st;
        CHECK_EQ_INT(cg_json_parse_stats(buf, n, &st, &err), CG_OK);
        CHECK_EQ_INT(st.shard, 17 * i);
        CHECK_EQ_INT(st.shards, 17 * i + 1 + i);
        CHECK(st.n[0] == vals[i][0] && st.n[1] == vals[i][1] && st.n[2] == vals[i][2]);
        CHECK(st.run == (vals[i][2] ^ 0x5555));
        CHECK_EQ_INT(st.parts, i);
        for (int k = 0; k < i; k++)
            CHECK(st.part_rows[k] == rows[k] && st.part_bytes[k] == bytes[k]);
        CHECK_EQ_INT(st.has_anom, i == 2);
        for (int k = 0; st.has_anom && k < CG_STATS_ANOM; k++)
            CHECK(st.anom[k] == in.anom[k]);
        cg_stats_free(&st);
        int shards = -1;
        n = cg_json_summary(buf, sizeof buf, vals[i][0], vals[i][1], vals[i][2], i + 1);
        CHECK_EQ_INT(cg_json_parse_summary(buf, n, &c, &s, &d, &shards, &err), CG_OK);
        /* the summary with the anomaly counts, read back */
        uint64_t an[CG_STATS_ANOM];
        int has = 0;
        size_t na = cg_json_summary_anom(buf, sizeof buf, vals[i][0], vals[i][1], vals[i][2],
                                         i + 1, in.anom);
        CHECK_EQ_INT(cg_json_parse_summary_anom(buf, na, &c, &s, &d, &shards, an, &has, &err),
                     CG_OK);
        CHECK(has && an[0] == in.anom[0] && an[CG_STATS_ANOM - 1] == in.anom[CG_STATS_ANOM - 1]);
        n = cg_json_summary(buf, sizeof buf, vals[i][0], vals[i][1], vals[i][2], i + 1);
        CHECK_EQ_INT(cg_json_parse_summary(buf, n, &c, &s, &d, &shards, &err), CG_OK);
        CHECK_EQ_INT(shards, i + 1);
        CHECK(c == vals[i][0] && s == vals[i][1] && d == vals[i][2]);
    }
    /* whitespace and key order are free */
    const char *t = " \n{ \"data\" : 5,\t\"sms\":4 ,\r\n\"shard\":2,\"calls\":  3, \"part_rows\" : [ 7 , 8 ],"
                    "\"run\":\"00000000000000ff\",\"parts\":2,\"part_bytes\":[1,2],\"shards\":3 }\n\n";
    cg_stats st;
    CHECK_EQ_INT(cg_json_parse_stats(t, strlen(t), &st, &err), CG_OK);
    CHECK(st.shard == 2 && st.n[0] == 3 && st.n[1] == 4 && st.n[2] == 5 && st.run == 255);
    CHECK(st.parts == 2 && st.part_rows[1] == 8 && st.part_bytes[0] == 1);
    cg_stats_free(&st);
    /* n bounds the text: bytes after it are not read */
    t = "{\"shard\":1,\"calls\":2,\"sms\":3,\"data\":4,\"shards\":2,\"run\":\"0000000000000000\","
        "\"parts\":0,\"part_rows\":[],\"part_bytes\":[]}garbage";
    CHECK_EQ_INT(cg_json_parse_stats(t, strlen(t) - 7, &st, &err), CG_OK);
    CHECK_EQ_INT(st.n[2], 4);
    cg_stats_free(&st);
}

#define TAIL ",\"shards\":2,\"run\":\"0000000000000000\",\"parts\":0,\"part_rows\":[],\"part_bytes\":[]}"
#define HEAD "{\"shard\":1,\"calls\":2,\"sms\":3,\"data\":4"

static void expect_stats_error(const char *text, const char *frag)
{
    cg_stats st;
    cg_err err;
    cg_err_clear(&err);
    int rc = cg_json_parse_stats(text, strlen(text), &st, &err);
    CHECK_MSG(rc == CG_ERUNTIME, "accepted: %s", text);
    CHECK_MSG(strstr(err.msg, frag) != NULL, "text %s: message \"%s\" lacks \"%s\"", text, err.msg, frag);
    CHECK_MSG(strncmp(err.msg, "stats JSON", 10) == 0, "%s", err.msg);
}

static void test_json_parse_errors(void)
{
    expect_stats_error("", "unexpected end");
    expect_stats_error("   ", "unexpected end");
    expect_stats_error("[]", "expected '{'");
    expect_stats_error("{}", "missing key \"shard\"");
    /* the shape of older versions: merge says to re-run */
    expect_stats_error("{\"shard\":1,\"calls\":2,\"sms\":3,\"data\":4}", "missing key \"shards\"");
    expect_stats_error("{\"shard\":1,\"calls\":2,\"sms\":3}", "missing key \"data\"");
    expect_stats_error(HEAD ",\"sms\":5" TAIL, "duplicate key \"sms\"");
    expect_stats_error(HEAD ",\"x\":5" TAIL, "unknown key \"x\"");
    expect_stats_error("{\"total_calls\":1}", "unknown key \"total_calls\"");
    expect_stats_error("{\"shard\":1,\"calls\":-2}", "non-negative integer for key \"calls\"");
    expect_stats_error("{\"shard\":1,\"calls\":2.5}", "non-negative integer for key \"calls\"");
    expect_stats_error("{\"shard\":1,\"calls\":2e3}", "non-negative integer");
    expect_stats_error("{\"shard\":1,\"calls\":\"2\"}", "non-negative integer");
    expect_stats_error("{\"shard\":1,\"calls\":null}", "non-negative integer");
    expect_stats_error("{\"shard\":1,\"calls\":007}", "leading zero");
    expect_stats_error("{\"shard\":1,\"calls\":18446744073709551616}", "too large for key \"calls\"");
    expect_stats_error(HEAD ",\"shards\":2147483648,\"run\":\"0000000000000000\",\"parts\":0,"
                       "\"part_rows\":[],\"part_bytes\":[]}", "shards 2147483648 out of range");
    expect_stats_error("{\"shard\":2,\"calls\":2,\"sms\":3,\"data\":4" TAIL, "shard 2 is not below shards 2");
    expect_stats_error(HEAD ",\"shards\":2,\"run\":\"000000000000000\",\"parts\":0}", "16 hex digits for key \"run\"");
    expect_stats_error(HEAD ",\"shards\":2,\"run\":\"000000000000000G\"}", "16 hex digits");
    expect_stats_error(HEAD ",\"shards\":2,\"run\":\"00000000000000000\"}", "16 hex digits");
    expect_stats_error(HEAD ",\"shards\":2,\"run\":12}", "16 hex digits");
    expect_stats_error(HEAD ",\"shards\":2,\"run\":\"0000000000000000\",\"parts\":1,"
                       "\"part_rows\":[],\"part_bytes\":[]}", "\"parts\":1 but 0 part_rows");
    expect_stats_error(HEAD ",\"part_rows\":[1,]}", "non-negative integer for key \"part_rows\"");
    expect_stats_error(HEAD ",\"part_rows\":[1 2]}", "expected ',' or ']'");
    expect_stats_error(HEAD ",\"part_rows\":[1", "unexpected end");
    expect_stats_error(HEAD ",\"part_rows\":{}}", "expected '['");
    expect_stats_error("{\"shard\":1 \"calls\":2}", "expected ',' or '}'");
    expect_stats_error("{\"shard\":1,\"calls\":2,}", "expected a key");
    expect_stats_error("{\"shard\" 1}", "expected ':'");
    expect_stats_error("{shard:1}", "expected a key");
    expect_stats_error("{\"sh\\u0061rd\":1}", "escape");
    expect_stats_error("{\"shard", "unterminated key");
    expect_stats_error(HEAD, "unexpected end");
    expect_stats_error(HEAD TAIL "}", "unexpected text after");

    /* summary parser rejects a stats document and vice versa */
    char buf[256];
    cg_stats z = {0, 1, {1, 2, 3}, 0, 0, NULL, NULL, 0, {0}};
    size_t n = cg_json_stats(buf, sizeof buf, &z);
    uint64_t c, s, d;
    int shards;
    cg_err err;
    CHECK_EQ_INT(cg_json_parse_summary(buf, n, &c, &s, &d, &shards, &err), CG_ERUNTIME);
    CHECK_MSG(strstr(err.msg, "summary JSON") == err.msg && strstr(err.msg, "unknown key \"shard\""), "%s", err.msg);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s/cg-afile.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN_TEST(test_commit_replaces);
    RUN_TEST(test_abort_leaves_nothing);
    RUN_TEST(test_write_failure_names_path);
    RUN_TEST(test_open_and_commit_failures);
    RUN_TEST(test_open_replaces_own_stale_tmp);
    RUN_TEST(test_remove_tmp_files);
    RUN_TEST(test_open_removes_dead_leftovers);
    RUN_TEST(test_mkdir_p);
    RUN_TEST(test_json_write);
    RUN_TEST(test_json_round_trip);
    RUN_TEST(test_json_parse_errors);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    TEST_REPORT();
}
