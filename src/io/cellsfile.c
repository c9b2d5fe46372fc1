/* Create-or-verify of OUT/cells.csv (see cellsfile.h). Creation goes through
 * a temporary file and link(2), which (unlike rename) refuses to replace a
 * catalog that a concurrent run, e.g. another shard, put there first. */
#include "io/cellsfile.h"
#include "core/mem.h"
#include "io/afile.h"
#include "io/layout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CELLS_HEADER "cell_id,lat,lon,rat,site_id,azimuth,area,lac\n"
#define CELLS_HEADER_V1 "cell_id,lat,lon,rat\n"
#define EXISTS 100 /* internal: the file appeared while we were writing it */

static int mkdir_p(const char *dir, cg_err *err)
{
    char buf[4096];
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof buf)
        return cg_err_set(err, CG_EUSAGE, "--out: directory name is empty or too long");
    memcpy(buf, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot create directory", buf);
        buf[i] = saved;
    }
    struct stat st;
    if (stat(dir, &st) != 0)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s", dir);
    if (!S_ISDIR(st.st_mode))
        return cg_err_set(err, CG_ERUNTIME, "%s: exists and is not a directory", dir);
    return CG_OK;
}

/* Writes text to a temporary file beside path and publishes it without
 * replacing a catalog that a racing run published first. The temporary file
 * is an afile's, so a killed run's leftover is found and removed like any
 * other (cg_remove_tmp_files). */
static int create(const char *dir, const char *path, const char *text, size_t len, cg_err *err)
{
    (void)dir;
    cg_afile f;
    int rc = cg_afile_open(&f, path, err);
    if (rc)
        return rc;
    if ((rc = cg_afile_write(&f, text, len, err)))
        goto out;
    if (fsync(f.fd) != 0 || close(f.fd) != 0) {
        f.fd = -1;
        rc = cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot write", path);
        goto out;
    }
    f.fd = -1;
    if (link(f.tmp, path) == 0) {
        rc = CG_OK;
    } else if (errno == EEXIST) {
        rc = EXISTS;
    } else if (errno == EPERM || errno == ENOTSUP || errno == EOPNOTSUPP || errno == ENOSYS) {
        /* Filesystems without hard links: rename is still atomic, it
         * only loses the no-replace guarantee against a racing run. */
        if (rename(f.tmp, path) != 0)
            rc = cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot create", path);
    } else {
        rc = cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot create", path);
    }
out:
    cg_afile_abort(&f); /* the temporary name goes; after a rename it is gone already */
    return rc;
}

static int read_file(FILE *f, const char *path, char **out, size_t *len, cg_err *err)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory reading it", path);
    for (;;) {
        if (n == cap) {
            char *nb = cg_grow(buf, &cap, n + 1, 1);
            if (!nb) {
                free(buf);
                return cg_err_set(err, CG_ERUNTIME, "%s: out of memory reading it", path);
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f)) {
                int e = errno;
                free(buf);
                return cg_err_errno(err, CG_ERUNTIME, e, "%s: cannot read", path);
            }
            break;
        }
    }
    *out = buf;
    *len = n;
    return CG_OK;
}

/* Explains how an existing catalog differs from the wanted one. */
static int mismatch(const char *path, const char *have, size_t hlen, int want_n, cg_err *err)
{
    size_t hl = strlen(CELLS_HEADER);
    if (hlen >= strlen(CELLS_HEADER_V1) && !memcmp(have, CELLS_HEADER_V1, strlen(CELLS_HEADER_V1)))
        return cg_err_set(err, CG_EUSAGE,
                          "%s was written by an older cdrgen (4 columns, cells placed uniformly; "
                          "this one lays out a network of sites): use another --out or delete "
                          "the file",
                          path);
    if (hlen < hl || memcmp(have, CELLS_HEADER, hl) != 0)
        return cg_err_set(err, CG_EUSAGE,
                          "%s is not a cell catalog (its first line is not "
                          "cell_id,lat,lon,rat,site_id,azimuth,area,lac): use another --out or "
                          "delete the file",
                          path);
    long rows = 0;
    for (size_t i = hl; i < hlen; i++)
        if (have[i] == '\n')
            rows++;
    if (hlen > hl && have[hlen - 1] != '\n')
        rows++; /* a last line without its newline still counts */
    if (rows != want_n)
        return cg_err_set(err, CG_EUSAGE,
                          "%s was made with other cell settings (it has %ld cells; this run wants "
                          "%d from --cells/--cell-center/--cell-radius-km/--seed): use another "
                          "--out or delete the file",
                          path, rows, want_n);
    return cg_err_set(err, CG_EUSAGE,
                      "%s was made with other cell settings (it has %d cells like this run, but at "
                      "other positions; they come from --cell-center/--cell-radius-km/--seed): use "
                      "another --out or delete the file",
                      path, want_n);
}

int cg_cells_sync(const cg_cells *c, const char *out_dir, cg_err *err)
{
    char dir[CG_PATH_MAX];
    size_t dl = strlen(out_dir);
    while (dl > 1 && out_dir[dl - 1] == '/')
        dl--; /* "out/" names the file "out/cells.csv" */
    if (dl >= sizeof dir)
        return cg_err_set(err, CG_EUSAGE, "--out: directory name is too long");
    memcpy(dir, out_dir, dl);
    dir[dl] = '\0';
    cg_path cp;
    cg_path_init(&cp);
    cg_path_add(&cp, "%s/cells.csv", strcmp(dir, "/") == 0 ? "" : dir);
    CG_TRY(cg_path_ok(&cp, err));
    const char *path = cp.s;

    int rc = mkdir_p(dir, err);
    if (rc != CG_OK)
        return rc;
    char *want = NULL;
    size_t wlen = cg_cells_csv(c, &want);
    if (!want)
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory formatting %d cells", path, c->n);

    /* Twice at most: if another run creates the file between our look and
     * our link, the second pass compares against it. */
    rc = CG_ERUNTIME;
    for (int pass = 0; pass < 2; pass++) {
        FILE *f = fopen(path, "rb");
        if (f) {
            char *have = NULL;
            size_t hlen = 0;
            rc = read_file(f, path, &have, &hlen, err);
            fclose(f);
            if (rc == CG_OK && !(hlen == wlen && memcmp(have, want, wlen) == 0))
                rc = mismatch(path, have, hlen, c->n, err);
            free(have);
            break;
        }
        if (errno != ENOENT) {
            rc = cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot read", path);
            break;
        }
        rc = create(dir, path, want, wlen, err);
        if (rc != EXISTS)
            break;
        rc = cg_err_set(err, CG_ERUNTIME, "%s: keeps appearing and vanishing", path);
    }
    free(want);
    return rc;
}
