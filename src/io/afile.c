/* Write-then-rename files and the small directory helpers around them. The
 * final path is what the user knows, so every error names it, not the
 * temporary name. */
#include "io/afile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <limits.h>
#include <signal.h>
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

int cg_afile_open(cg_afile *f, const char *path, cg_err *err)
{
    f->fd = -1;
    f->tmp[0] = '\0';
    f->bytes = 0;
    if (snprintf(f->path, sizeof f->path, "%s", path) >= (int)sizeof f->path)
        return cg_err_set(err, CG_ERUNTIME, "%.200s...: path too long", path);
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (base[0] == '\0')
        return cg_err_set(err, CG_ERUNTIME, "%s: not a file path", path);
    int n = snprintf(f->tmp, sizeof f->tmp, "%.*s.%s.tmp.%ld", (int)(base - path), path, base,
                     (long)getpid());
    if (n < 0 || (size_t)n >= sizeof f->tmp) {
        f->tmp[0] = '\0';
        return cg_err_set(err, CG_ERUNTIME, "%s: path too long", path);
    }
    int fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EEXIST) {
        /* Same pid as ours: a dead process's leftover (see afile.h). */
        unlink(f->tmp);
        fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    }
    if (fd < 0) {
        int e = errno;
        f->tmp[0] = '\0';
        return cg_err_errno(err, CG_ERUNTIME, e, "%s: cannot create temporary file", path);
    }
    f->fd = fd;
    return CG_OK;
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
    char dir[4200];
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
    if (rename(f->tmp, f->path) != 0) {
        int e = errno;
        cg_afile_abort(f);
        return cg_err_errno(err, CG_ERUNTIME, e, "%s: cannot rename temporary file into place",
                            f->path);
    }
    f->tmp[0] = '\0';
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
    unlink(f->tmp);
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
    char buf[4200];
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

/* If name is ".X.tmp.PID" (X non-empty, PID all digits) returns 1 and sets
 * *pid (LONG_MAX when it overflows) and the length of X. */
static int parse_tmp_name(const char *name, long *pid, size_t *xlen)
{
    if (name[0] != '.')
        return 0;
    const char *t = strstr(name + 1, ".tmp.");
    const char *last = NULL;
    while (t) { /* the last ".tmp." is the one before the pid */
        last = t;
        t = strstr(t + 1, ".tmp.");
    }
    if (!last || last == name + 1)
        return 0;
    const char *d = last + 5;
    if (*d == '\0')
        return 0;
    long v = 0;
    for (const char *q = d; *q; q++) {
        if (*q < '0' || *q > '9')
            return 0;
        v = v > (LONG_MAX - 9) / 10 ? LONG_MAX : v * 10 + (*q - '0');
    }
    *pid = v;
    *xlen = (size_t)(last - (name + 1));
    return 1;
}

static int pid_is_stale(long pid)
{
    if (pid == (long)getpid())
        return 1;
    if (pid <= 0 || pid > INT_MAX)
        return 1;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
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
    while ((de = readdir(d)) != NULL) {
        long pid;
        size_t xlen;
        if (!parse_tmp_name(de->d_name, &pid, &xlen))
            continue;
        if (plen && (xlen < plen || strncmp(de->d_name + 1, prefix, plen) != 0))
            continue;
        if (!pid_is_stale(pid))
            continue;
        char p[4200];
        if (snprintf(p, sizeof p, "%s/%s", dir, de->d_name) >= (int)sizeof p)
            continue;
        struct stat st;
        if (lstat(p, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (unlink(p) != 0 && errno != ENOENT) {
            rc = cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot remove stale temporary file", p);
            break;
        }
    }
    closedir(d);
    return rc;
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
