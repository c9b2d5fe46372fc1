/* Write-then-rename files and the small directory helpers around them. The
 * final path is what the user knows, so every error names it, not the
 * temporary name. */
#include "io/afile.h"
#include "core/stop.h"
#include "io/mapguard.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <limits.h>
#include <stdatomic.h>
#include <sys/random.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Splits path into its directory ("." when none) and base name. */
static int split_path(const char *path, char *dir, size_t dcap, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        *base = path;
        return snprintf(dir, dcap, ".") >= (int)dcap ? -1 : 0;
    }
    *base = slash + 1;
    size_t dn = (size_t)(slash - path);
    if (dn == 0)
        dn = 1; /* "/name": the directory is "/" */
    if (dn >= dcap)
        return -1;
    memcpy(dir, path, dn);
    dir[dn] = '\0';
    return 0;
}

/* A name no other writer anywhere can pick: 64 random bits (getrandom),
 * not a pid, which means nothing across hosts or PID namespaces (in a pod
 * every cdrgen is pid 1). */
static void tmp_token(char out[17])
{
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) {
        static _Atomic uint64_t ctr;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        v = ((uint64_t)ts.tv_sec * 1000000007u) ^ (uint64_t)ts.tv_nsec ^
            ((uint64_t)getpid() << 40) ^ (atomic_fetch_add(&ctr, 1) << 20);
    }
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++)
        out[i] = hex[(v >> (60 - 4 * i)) & 15];
    out[16] = '\0';
}

static void remove_dead_of(const char *path, const char *base);

static int afile_open(cg_afile *f, const char *path, int scan, cg_err *err);

int cg_afile_open(cg_afile *f, const char *path, cg_err *err)
{
    return afile_open(f, path, 1, err);
}

int cg_afile_open_fresh(cg_afile *f, const char *path, cg_err *err)
{
    return afile_open(f, path, 0, err);
}

static int afile_open(cg_afile *f, const char *path, int scan, cg_err *err)
{
    f->fd = -1;
    f->lockfd = -1;
    f->tmp[0] = '\0';
    f->bytes = 0;
    if (snprintf(f->path, sizeof f->path, "%s", path) >= (int)sizeof f->path)
        return cg_err_set(err, CG_ERUNTIME, "%.200s...: path too long", path);
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (base[0] == '\0')
        return cg_err_set(err, CG_ERUNTIME, "%s: not a file path", path);
    if (scan)
        remove_dead_of(path, base); /* what a killed writer of this file left */
    for (int attempt = 0; attempt < 16; attempt++) {
        char tok[17];
        tmp_token(tok);
        int n = snprintf(f->tmp, sizeof f->tmp, "%.*s.%s.tmp.%s", (int)(base - path), path, base,
                         tok);
        if (n < 0 || (size_t)n >= sizeof f->tmp) {
            f->tmp[0] = '\0';
            return cg_err_set(err, CG_ERUNTIME, "%s: path too long", path);
        }
        int fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0) {
            int e = errno;
            f->tmp[0] = '\0';
            return cg_err_errno(err, CG_ERUNTIME, e, "%s: cannot create temporary file", path);
        }
        /* The lock is the proof of life that cleaners test (afile.h). A
         * cleaner can take a file in the instant between open and flock;
         * then it is unlinked already, and we start again. */
        struct stat st;
        if (flock(fd, LOCK_EX | LOCK_NB) != 0 || fstat(fd, &st) != 0 || st.st_nlink == 0) {
            close(fd);
            continue;
        }
        /* A second descriptor of the same open file keeps the lock while
         * commit closes fd (to see deferred write errors) and renames. */
        int lk = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (lk < 0) {
            int e = errno;
            close(fd);
            unlink(f->tmp);
            f->tmp[0] = '\0';
            return cg_err_errno(err, CG_ERUNTIME, e, "%s: cannot create temporary file", path);
        }
        f->fd = fd;
        f->lockfd = lk;
        cg_mapguard_tmp_add(f->tmp);
        return CG_OK;
    }
    f->tmp[0] = '\0';
    return cg_err_set(err, CG_ERUNTIME, "%s: cannot create temporary file: no free name", path);
}

int cg_afile_write(cg_afile *f, const void *buf, size_t n, cg_err *err)
{
    const char *p = buf;
    if (f->fd < 0)
        return cg_err_set(err, CG_ERUNTIME, "%s: write failed: file is not open", f->path);
    while (n > 0) {
        ssize_t w = write(f->fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return cg_err_errno(err, CG_ERUNTIME, errno, "%s: write failed", f->path);
        }
        if (w == 0) /* should not happen for regular files; avoid spinning */
            return cg_err_errno(err, CG_ERUNTIME, ENOSPC, "%s: write failed", f->path);
        p += w;
        n -= (size_t)w;
        f->bytes += (uint64_t)w;
    }
    return CG_OK;
}

/* fsync of the directory that holds path, so a rename is durable. */
static int sync_dir(const char *path)
{
    char dir[CG_AFILE_PATH];
    const char *base;
    if (split_path(path, dir, sizeof dir, &base) != 0)
        return -1;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -1;
    int r = fsync(dfd);
    int e = errno;
    close(dfd);
    errno = e;
    return r;
}

int cg_afile_commit(cg_afile *f, int sync, cg_err *err)
{
    if (f->fd < 0 || f->tmp[0] == '\0')
        return cg_err_set(err, CG_ERUNTIME, "%s: commit of a file that is not open", f->path);
    if (sync && fdatasync(f->fd) != 0) {
        int e = errno;
        cg_afile_abort(f);
        return cg_err_errno(err, CG_ERUNTIME, e, "%s: write failed (fdatasync)", f->path);
    }
    /* close() can report deferred write errors (NFS, quota) */
    int r = close(f->fd);
    f->fd = -1;
    if (r != 0 && errno != EINTR) {
        int e = errno;
        cg_afile_abort(f);
        return cg_err_errno(err, CG_ERUNTIME, e, "%s: write failed (close)", f->path);
    }
    /* A stop request that came during the writing (or a long fsync) wins:
     * nothing interrupted gets its final name. */
    if (cg_stop_requested()) {
        cg_afile_abort(f);
        return cg_stop_err(err);
    }
    if (rename(f->tmp, f->path) != 0) {
        int e = errno;
        cg_afile_abort(f);
        return cg_err_errno(err, CG_ERUNTIME, e, "%s: cannot rename temporary file into place",
                            f->path);
    }
    cg_mapguard_tmp_del(f->tmp);
    f->tmp[0] = '\0';
    close(f->lockfd);
    f->lockfd = -1;
    if (sync && sync_dir(f->path) != 0)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: fsync of its directory failed", f->path);
    return CG_OK;
}

void cg_afile_abort(cg_afile *f)
{
    /* The tmp name is set before fd is opened and cleared by commit, so it
     * is the guard: a zeroed struct (fd 0!) is never closed here. */
    if (f->tmp[0] == '\0')
        return;
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    unlink(f->tmp); /* before the lock goes, so no cleaner races us to it */
    cg_mapguard_tmp_del(f->tmp);
    if (f->lockfd >= 0)
        close(f->lockfd);
    f->lockfd = -1;
    f->tmp[0] = '\0';
}

int cg_write_file_atomic(const char *path, const void *buf, size_t n, cg_err *err)
{
    cg_afile f;
    int rc = cg_afile_open(&f, path, err);
    if (rc != CG_OK)
        return rc;
    rc = cg_afile_write(&f, buf, n, err);
    if (rc == CG_OK)
        rc = cg_afile_commit(&f, 0, err);
    cg_afile_abort(&f);
    return rc;
}

int cg_mkdir_p(const char *dir, cg_err *err)
{
    char buf[CG_AFILE_PATH];
    size_t n = strlen(dir);
    if (n == 0)
        return cg_err_set(err, CG_EUSAGE, "empty directory name");
    if (n >= sizeof buf)
        return cg_err_set(err, CG_ERUNTIME, "%.200s...: path too long", dir);
    memcpy(buf, dir, n + 1);
    while (n > 1 && buf[n - 1] == '/')
        buf[--n] = '\0';
    /* Create each prefix in turn; EEXIST is fine as long as it is a directory. */
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0755) != 0) {
            int e = errno;
            struct stat st;
            if (e != EEXIST)
                return cg_err_errno(err, CG_ERUNTIME, e, "%s: cannot create directory", buf);
            if (stat(buf, &st) != 0)
                return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot create directory", buf);
            if (!S_ISDIR(st.st_mode))
                return cg_err_set(err, CG_ERUNTIME, "%s: exists and is not a directory", buf);
        }
        buf[i] = c;
        while (buf[i] == '/' && buf[i + 1] == '/')
            i++; /* "a//b" */
    }
    return CG_OK;
}

/* If name is ".X.tmp.T" (X non-empty, T of letters and digits: our token,
 * or an older version's pid) returns 1 and sets the length of X. */
static int parse_tmp_name(const char *name, size_t *xlen)
{
    if (name[0] != '.')
        return 0;
    const char *t = strstr(name + 1, ".tmp.");
    const char *last = NULL;
    while (t) { /* the last ".tmp." is the one before the token */
        last = t;
        t = strstr(t + 1, ".tmp.");
    }
    if (!last || last == name + 1)
        return 0;
    const char *d = last + 5;
    if (*d == '\0')
        return 0;
    for (const char *q = d; *q; q++)
        if (!((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')))
            return 0;
    *xlen = (size_t)(last - (name + 1));
    return 1;
}

/* Removes dir/name if it is a regular file whose writer is provably gone:
 * nobody holds its flock. A live writer anywhere (another thread, another
 * PID namespace, another host on a volume with working locks) holds it. */
static int remove_if_dead(int dfd, const char *dir, const char *name, cg_err *err)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return CG_OK; /* gone already, or not ours to judge (a link, no access) */
    struct stat st;
    int rc = CG_OK;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0) {
        if (unlinkat(dfd, name, 0) != 0 && errno != ENOENT)
            rc = cg_err_errno(err, CG_ERUNTIME, errno, "%s/%s: cannot remove stale temporary file",
                              dir, name);
    }
    close(fd);
    return rc;
}

int cg_remove_tmp_files_prefix(const char *dir, const char *prefix, cg_err *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return CG_OK;
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot list directory", dir);
    }
    size_t plen = prefix ? strlen(prefix) : 0;
    int rc = CG_OK;
    struct dirent *de;
    while (rc == CG_OK && (de = readdir(d)) != NULL) {
        size_t xlen;
        if (!parse_tmp_name(de->d_name, &xlen))
            continue;
        if (plen && (xlen < plen || strncmp(de->d_name + 1, prefix, plen) != 0))
            continue;
        rc = remove_if_dead(dirfd(d), dir, de->d_name, err);
    }
    closedir(d);
    return rc;
}

/* Best effort: dead ".BASE.tmp.*" beside path (exactly this base). */
static void remove_dead_of(const char *path, const char *base)
{
    char dir[CG_AFILE_PATH];
    const char *b;
    if (split_path(path, dir, sizeof dir, &b) != 0)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    size_t blen = strlen(base);
    struct dirent *de;
    cg_err ignored;
    while ((de = readdir(d)) != NULL) {
        size_t xlen;
        if (parse_tmp_name(de->d_name, &xlen) && xlen == blen &&
            memcmp(de->d_name + 1, base, blen) == 0)
            (void)remove_if_dead(dirfd(d), dir, de->d_name, &ignored);
    }
    closedir(d);
}

int cg_remove_tmp_files(const char *dir, cg_err *err)
{
    return cg_remove_tmp_files_prefix(dir, NULL, err);
}

int cg_flock(const char *path, int exclusive, int *fd, int *busy, cg_err *err)
{
    *busy = 0;
    *fd = -1;
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (f < 0)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot create lock file", path);
    if (flock(f, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
        int e = errno;
        close(f);
        if (e == EWOULDBLOCK) {
            *busy = 1;
            return cg_err_set(err, CG_ERUNTIME, "%s is locked by another process", path);
        }
        return cg_err_errno(err, CG_ERUNTIME, e, "%s: cannot lock", path);
    }
    *fd = f;
    return CG_OK;
}

/* Copy unit of the read/write fallback and of each copy_file_range call. */
#define COPY_CHUNK (8u << 20)

int cg_afile_append_range(cg_afile *out, int in, const char *in_path, off_t off, uint64_t len,
                          char **buf, cg_err *err)
{
    int use_cfr = 1;
    while (len > 0) {
        if (cg_stop_requested())
            return cg_stop_err(err);
        size_t want = len > COPY_CHUNK ? COPY_CHUNK : (size_t)len;
        if (use_cfr) {
            loff_t o = off;
            ssize_t c = copy_file_range(in, &o, out->fd, NULL, want, 0);
            if (c > 0) {
                off += c;
                len -= (uint64_t)c;
                out->bytes += (uint64_t)c;
                continue;
            }
            if (c < 0 && errno == EINTR)
                continue;
            if (c < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                          errno == EOPNOTSUPP || errno == EBADF || errno == EPERM)) {
                use_cfr = 0;
                continue;
            }
            if (c == 0)
                return cg_err_set(err, CG_ERUNTIME, "%s: file shrank while being copied",
                                  in_path);
            return cg_err_errno(err, CG_ERUNTIME, errno, "%s: copy failed", out->path);
        }
        if (!*buf && !(*buf = malloc(COPY_CHUNK)))
            return cg_err_set(err, CG_ERUNTIME, "out of memory");
        ssize_t r = pread(in, *buf, want, off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return cg_err_errno(err, CG_ERUNTIME, errno, "%s: read failed", in_path);
        if (r == 0)
            return cg_err_set(err, CG_ERUNTIME, "%s: file shrank while being copied", in_path);
        int rc = cg_afile_write(out, *buf, (size_t)r, err);
        if (rc)
            return rc;
        off += r;
        len -= (uint64_t)r;
    }
    return CG_OK;
}
