/* cdrgen merge: one day's shard outputs -> day bundle + summary. The bundle
 * is built from the part files' compressed bytes (each part is a header
 * member followed by body members, so dropping every header member but the
 * first gives exactly the unsharded bundle); nothing is recompressed. */
#include "io/merge.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "core/calendar.h"
#include "core/config.h"
#include "core/stop.h"
#include "io/afile.h"
#include "io/cdrfmt.h"
#include "io/codec.h"
#include "io/json.h"
#include "io/layout.h"
#include "io/parquet.h"
#include "core/mem.h"

/* A header member is a few hundred bytes; reading this much always holds it. */
#define HEAD_READ 65536
/* Shard numbers above this are not something generate writes (flags cap N at
 * 1,000,000); refusing them keeps arrays small. */
#define MAX_SHARD 1000000

typedef cg_stats stat_ent;

typedef struct part_ent {
    int shard, part, codec; /* codec: the kind (io/layout), CG_LAY_PARQUET for Parquet */
    uint64_t size, hlen; /* file size, length of its header member (Parquet: its magic) */
    uint64_t dend;       /* Parquet: where its footer begins */
    char name[256];
} part_ent;

/* Parquet: the row groups of the bundle being merged. */
typedef struct pq_day {
    cg_pq_rg *rgs;
    size_t n, cap;
    int codec; /* enum cg_codec of the pages, -1 until a part has row groups */
} pq_day;

static const char *kind_name(int kind)
{
    return kind == CG_LAY_PARQUET ? "parquet" : cg_codec_name(kind);
}

typedef struct day_scan {
    stat_ent *st;
    size_t nst, st_cap;
    part_ent *pt;
    size_t npt, pt_cap;
} day_scan;

static void scan_free(day_scan *s)
{
    for (size_t i = 0; i < s->nst; i++)
        cg_stats_free(&s->st[i]);
    free(s->st);
    free(s->pt);
    memset(s, 0, sizeof *s);
}

/* "cdr_DATE_shardKKK_partMMM.csv[.gz|.zst]" -> shard, part, codec. */
static int parse_part_name(const char *name, const char *date, part_ent *pe)
{
    if (strlen(name) >= sizeof pe->name ||
        cg_lay_parse_part(name, date, &pe->shard, &pe->part, &pe->codec))
        return -1;
    memcpy(pe->name, name, strlen(name) + 1);
    return 0;
}

/* Reads a small file whole into a malloc'd buffer (NUL-terminated). */
static int read_small(const char *path, size_t cap, char **out, size_t *n, cg_err *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot open", path);
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    }
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fd, buf + len, cap - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            free(buf);
            return cg_err_errno(err, CG_ERUNTIME, e, "%s: read failed", path);
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len == cap - 1) {
            close(fd);
            free(buf);
            return cg_err_set(err, CG_ERUNTIME, "%s: too large for a cdrgen JSON file", path);
        }
    }
    close(fd);
    buf[len] = '\0';
    *out = buf;
    *n = len;
    return CG_OK;
}

/* Stats files hold one number per part: 64 MiB is millions of parts. */
#define STATS_MAX ((size_t)64 << 20)

int cg_merge_read_stats(const char *path, cg_stats *st, cg_err *err)
{
    char *text;
    size_t n;
    memset(st, 0, sizeof *st);
    int rc = read_small(path, STATS_MAX, &text, &n, err);
    if (rc)
        return rc;
    cg_err pe;
    if (cg_json_parse_stats(text, n, st, &pe))
        rc = cg_err_set(err, CG_ERUNTIME, "%s: %s (written by an older cdrgen, or damaged: "
                        "re-run that shard)", path, pe.msg);
    free(text);
    return rc;
}

static int load_stats(const char *daydir, const char *name, long k, day_scan *s, cg_err *err)
{
    cg_path pp;
    cg_lay_join(&pp, daydir, name);
    CG_TRY(cg_path_ok(&pp, err));
    const char *path = pp.s;
    stat_ent e;
    int rc = cg_merge_read_stats(path, &e, err);
    if (rc)
        return rc;
    if (e.shard != k || k > MAX_SHARD) {
        cg_stats_free(&e);
        if (k > MAX_SHARD)
            return cg_err_set(err, CG_ERUNTIME, "%s: shard %ld is beyond the largest shard count "
                              "(%d)", path, k, MAX_SHARD);
        return cg_err_set(err, CG_ERUNTIME,
                          "%s: says \"shard\":%d but its name says shard %ld (a renamed or "
                          "copied file? remove it and re-run that shard)",
                          path, e.shard, k);
    }
    stat_ent *st = cg_grow(s->st, &s->st_cap, s->nst + 1, sizeof *s->st);
    if (!st) {
        cg_stats_free(&e);
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    }
    s->st = st;
    s->st[s->nst++] = e;
    return CG_OK;
}

/* Collects the day's stats and part files; names that look like ours but
 * are not spelled as generate spells them are refused rather than guessed
 * at (a "stats_shard001 (copy).json" must not slip by). */
static int scan_day(const char *daydir, const char *date, day_scan *s, cg_err *err)
{
    DIR *d = opendir(daydir);
    if (!d)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot open directory", daydir);
    int rc = CG_OK;
    struct dirent *de;
    while (!rc && (de = readdir(d))) {
        const char *name = de->d_name;
        if (name[0] == '.')
            continue; /* ., .., temporary files of running or killed writers */
        if (!strncmp(name, "stats_shard", 11)) {
            long k = cg_lay_parse_stats(name);
            if (k < 0)
                rc = cg_err_set(err, CG_ERUNTIME,
                                "%s/%s: unexpected stats file name (generate writes "
                                "stats_shardKKK.json); remove it",
                                daydir, name);
            else
                rc = load_stats(daydir, name, k, s, err);
        } else if (!strncmp(name, "cdr_", 4) && strstr(name, "_shard")) {
            part_ent pe;
            if (parse_part_name(name, date, &pe))
                rc = cg_err_set(err, CG_ERUNTIME,
                                "%s/%s: unexpected part file name (generate writes "
                                "cdr_%s_shardKKK_partMMM.csv[.gz|.zst] or .parquet); remove it",
                                daydir, name, date);
            else {
                part_ent *pt = cg_grow(s->pt, &s->pt_cap, s->npt + 1, sizeof *s->pt);
                if (!pt)
                    rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
                else {
                    s->pt = pt;
                    s->pt[s->npt++] = pe;
                }
            }
        }
    }
    closedir(d);
    return rc;
}

static int cmp_stat(const void *a, const void *b)
{
    const stat_ent *x = a, *y = b;
    return (x->shard > y->shard) - (x->shard < y->shard);
}

static int cmp_part(const void *a, const void *b)
{
    const part_ent *x = a, *y = b;
    if (x->shard != y->shard)
        return (x->shard > y->shard) - (x->shard < y->shard);
    return (x->part > y->part) - (x->part < y->part);
}

int cg_merge_header_len(const void *buf, size_t n, int codec, const char *name, size_t *hlen,
                        cg_err *err)
{
    char out[1024];
    size_t H = CG_CDR_HEADER_LEN;
    if (H > sizeof out)
        return cg_err_set(err, CG_ERUNTIME, "header too long");
    if (codec == CG_CODEC_NONE) {
        if (n < H || memcmp(buf, CG_CDR_HEADER, H) != 0)
            return cg_err_set(err, CG_ERUNTIME, "%s: does not start with the CDR header line",
                              name);
        *hlen = H;
        return CG_OK;
    }
    if (codec == CG_CODEC_GZIP) {
        struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
        if (!d)
            return cg_err_set(err, CG_ERUNTIME, "out of memory");
        size_t in_n = 0, out_n = 0;
        enum libdeflate_result r =
            libdeflate_gzip_decompress_ex(d, buf, n, out, H, &in_n, &out_n);
        libdeflate_free_decompressor(d);
        if (r == LIBDEFLATE_SUCCESS && out_n == H && memcmp(out, CG_CDR_HEADER, H) == 0) {
            *hlen = in_n;
            return CG_OK;
        }
        if (r == LIBDEFLATE_BAD_DATA && n < HEAD_READ)
            return cg_err_set(err, CG_ERUNTIME, "%s: corrupt or truncated gzip data in its "
                              "first member", name);
        return cg_err_set(err, CG_ERUNTIME, "%s: does not start with the CDR header as its own "
                          "gzip member (not a part file written by cdrgen generate)", name);
    }
    if (codec == CG_CODEC_ZSTD) {
        size_t fz = ZSTD_findFrameCompressedSize(buf, n);
        if (ZSTD_isError(fz))
            return cg_err_set(err, CG_ERUNTIME, "%s: corrupt or truncated zstd data in its "
                              "first frame (%s)", name, ZSTD_getErrorName(fz));
        size_t got = ZSTD_decompress(out, H, buf, fz);
        if (!ZSTD_isError(got) && got == H && memcmp(out, CG_CDR_HEADER, H) == 0) {
            *hlen = fz;
            return CG_OK;
        }
        return cg_err_set(err, CG_ERUNTIME, "%s: does not start with the CDR header as its own "
                          "zstd frame (not a part file written by cdrgen generate)", name);
    }
    return cg_err_set(err, CG_ERUNTIME, "%s: unknown codec %d", name, codec);
}

/* Reads n bytes at off of fd. */
static int pread_all(int fd, const char *path, void *p, size_t n, uint64_t off, cg_err *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)p + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? cg_err_errno(err, CG_ERUNTIME, errno, "%s: read failed", path)
                         : cg_err_set(err, CG_ERUNTIME, "%s: file shrank while being merged",
                                      path);
        got += (size_t)r;
    }
    return CG_OK;
}

/* A Parquet part: its footer read and checked (io/parquet), *rgs its row
 * groups (malloc'ed), pe->dend and pe->size set. */
static int pq_read_part(int fd, const char *path, part_ent *pe, cg_pq_rg **rgs, size_t *n,
                        int *codec, cg_err *err)
{
    uint64_t size = 0;
    CG_TRY(cg_pq_read_fd(fd, path, &size, rgs, n, codec, &pe->dend, err));
    if (pe->size && pe->size != size)
        return cg_err_set(err, CG_ERUNTIME, "%s: changed while being merged (is a shard of this "
                          "day still running on another machine?)", path);
    pe->size = size;
    pe->hlen = sizeof CG_PQ_MAGIC;
    return CG_OK;
}

/* Parquet: checks the part's footer; with out, appends its row groups'
 * bytes to the bundle and their metadata, shifted, to day. */
static int do_pq_part(const char *path, int fd, part_ent *pe, cg_afile *out, pq_day *day,
                      char **buf, cg_err *err)
{
    cg_pq_rg *rgs = NULL;
    size_t n = 0;
    int codec = -1;
    uint64_t size0 = out ? pe->size : 0;
    pe->size = size0;
    int rc = pq_read_part(fd, path, pe, &rgs, &n, &codec, err);
    if (!rc && out && n) {
        if (day->codec < 0)
            day->codec = codec;
        else if (codec != day->codec)
            rc = cg_err_set(err, CG_ERUNTIME, "%s: pages compressed with %s, earlier parts with "
                            "%s: every shard must use the same --compression", path,
                            cg_codec_name(codec), cg_codec_name(day->codec));
        int64_t shift = (int64_t)out->bytes - (int64_t)sizeof CG_PQ_MAGIC;
        cg_pq_rg *t = rc ? NULL : cg_grow(day->rgs, &day->cap, day->n + n, sizeof *t);
        if (!rc && !t)
            rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
        for (size_t i = 0; !rc && i < n; i++) {
            day->rgs = t;
            day->rgs[day->n] = rgs[i];
            cg_pq_rg_shift(&day->rgs[day->n++], shift);
        }
    }
    free(rgs);
    if (!rc && out)
        rc = cg_afile_append_range(out, fd, path, (off_t)pe->hlen, pe->dend - pe->hlen, buf,
                                   err);
    return rc;
}

/* Checks that a part starts with a header member and records its length
 * and the file size; with out, also appends the part (its header member
 * only when with_header). */
static int do_part(const char *daydir, part_ent *pe, cg_afile *out, int with_header, char **buf,
                   pq_day *day, cg_err *err)
{
    cg_path pp;
    cg_lay_join(&pp, daydir, pe->name);
    CG_TRY(cg_path_ok(&pp, err));
    const char *path = pp.s;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot open", path);
    if (pe->codec == CG_LAY_PARQUET && !out) { /* its footer is read by verify_part */
        struct stat st;
        int rc = fstat(fd, &st) != 0 ? cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot stat",
                                                    path)
                                     : CG_OK;
        pe->size = (uint64_t)st.st_size;
        close(fd);
        return rc;
    }
    if (pe->codec == CG_LAY_PARQUET) {
        if (with_header)
            CG_TRY(cg_afile_write(out, CG_PQ_MAGIC, sizeof CG_PQ_MAGIC, err));
        int rc = do_pq_part(path, fd, pe, out, day, buf, err);
        close(fd);
        return rc;
    }
    struct stat st;
    char head[HEAD_READ];
    int rc;
    if (fstat(fd, &st) != 0) {
        rc = cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot stat", path);
        goto out;
    }
    size_t want = st.st_size < HEAD_READ ? (size_t)st.st_size : HEAD_READ, got = 0;
    while (got < want) {
        ssize_t r = pread(fd, head + got, want - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = r < 0 ? cg_err_errno(err, CG_ERUNTIME, errno, "%s: read failed", path)
                       : cg_err_set(err, CG_ERUNTIME, "%s: file shrank while being merged", path);
            goto out;
        }
        got += (size_t)r;
    }
    size_t hlen;
    if ((rc = cg_merge_header_len(head, got, pe->codec, path, &hlen, err)))
        goto out;
    if (out && (pe->size != (uint64_t)st.st_size || pe->hlen != hlen)) {
        rc = cg_err_set(err, CG_ERUNTIME, "%s: changed while being merged (is a shard of this "
                        "day still running on another machine?)", path);
        goto out;
    }
    pe->size = (uint64_t)st.st_size;
    pe->hlen = hlen;
    if (!out)
        goto out;
    if (with_header && (rc = cg_afile_write(out, head, hlen, err)))
        goto out;
    rc = cg_afile_append_range(out, fd, path, (off_t)hlen, pe->size - hlen, buf, err);
out:
    close(fd);
    return rc;
}

/* Input window and first output buffer of verify_part; both grow for an
 * unusually large member, up to VERIFY_MAX. */
#define VERIFY_IN (16u << 20)
#define VERIFY_OUT (4u << 20)
#define VERIFY_MAX ((size_t)1 << 30)

static uint64_t count_nl(const char *p, size_t n)
{
    uint64_t k = 0;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
        k++;
    return k;
}

typedef struct vbuf {
    int fd;
    const char *path;
    uint64_t size, base; /* file size; file offset of in[0] */
    unsigned char *in;
    size_t cap, len, pos; /* window capacity, bytes in it, read position */
} vbuf;

/* Keeps at least `want` bytes (or the rest of the file) from pos on. */
static int vfill(vbuf *v, size_t want, cg_err *err)
{
    if (v->len - v->pos >= want || v->base + v->len == v->size)
        return CG_OK;
    if (v->pos) {
        memmove(v->in, v->in + v->pos, v->len - v->pos);
        v->base += v->pos;
        v->len -= v->pos;
        v->pos = 0;
    }
    if (want > v->cap) {
        unsigned char *q = want <= VERIFY_MAX ? realloc(v->in, want) : NULL;
        if (!q)
            return cg_err_set(err, CG_ERUNTIME, "%s: a compressed member larger than %zu MiB",
                              v->path, VERIFY_MAX >> 20);
        v->in = q;
        v->cap = want;
    }
    while (v->len < v->cap && v->base + v->len < v->size) {
        ssize_t r = pread(v->fd, v->in + v->len, v->cap - v->len, (off_t)(v->base + v->len));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return cg_err_errno(err, CG_ERUNTIME, errno, "%s: read failed", v->path);
        if (r == 0)
            return cg_err_set(err, CG_ERUNTIME, "%s: file shrank while being merged", v->path);
        v->len += (size_t)r;
    }
    return CG_OK;
}

/* A Parquet part proved whole: its size, footer, pages and rows. */
static int pq_verify_part(const char *path, const part_ent *pe0, uint64_t bytes, uint64_t rows,
                          cg_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot open", path);
    part_ent pe = *pe0;
    pe.size = bytes;
    cg_pq_rg *rgs = NULL;
    size_t n = 0;
    int codec = -1, rc = pq_read_part(fd, path, &pe, &rgs, &n, &codec, err);
    uint64_t got = 0;
    unsigned char *b = NULL;
    size_t cap = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        got += (uint64_t)rgs[i].rows;
        for (int k = 0; !rc && k < CG_PQ_NCOLS; k++) {
            const cg_pq_chunk *c = &rgs[i].c[k];
            int64_t first = c->dict_off >= 0 ? c->dict_off : c->data_off;
            unsigned char *t = cg_grow(b, &cap, (size_t)c->comp, 1);
            if (!t) {
                rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
                break;
            }
            b = t;
            if (cg_stop_requested())
                rc = cg_stop_err(err);
            if (!rc)
                rc = pread_all(fd, path, b, (size_t)c->comp, (uint64_t)first, err);
            if (!rc)
                rc = cg_pq_check_chunk(path, b, (size_t)c->comp, codec, rgs[i].rows,
                                       c->dict_off >= 0, err);
        }
    }
    if (!rc && got != rows)
        rc = cg_err_set(err, CG_ERUNTIME, "%s: %llu rows, but its shard wrote %llu: re-run that "
                        "shard", path, (unsigned long long)got, (unsigned long long)rows);
    free(b);
    free(rgs);
    close(fd);
    return rc;
}

/* Decodes the whole part and counts its rows: the shard recorded `bytes`
 * and `rows` (header excluded) for it. */
static int verify_part(const char *daydir, const part_ent *pe, uint64_t bytes, uint64_t rows,
                       char **scratch, cg_err *err)
{
    (void)scratch;
    cg_path pp;
    cg_lay_join(&pp, daydir, pe->name);
    CG_TRY(cg_path_ok(&pp, err));
    const char *path = pp.s;
    if (pe->size != bytes)
        return cg_err_set(err, CG_ERUNTIME, "%s: %llu bytes, but its shard wrote %llu "
                          "(truncated or replaced): re-run that shard",
                          path, (unsigned long long)pe->size, (unsigned long long)bytes);
    if (pe->codec == CG_LAY_PARQUET)
        return pq_verify_part(path, pe, bytes, rows, err);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot open", path);
    vbuf v = {fd, path, pe->size, 0, NULL, 0, 0, 0};
    size_t ocap = VERIFY_OUT;
    char *out = malloc(ocap);
    struct libdeflate_decompressor *gz = NULL;
    ZSTD_DStream *zs = NULL;
    uint64_t nl = 0;
    int rc = out ? CG_OK : cg_err_set(err, CG_ERUNTIME, "out of memory");
    if (!rc && !(v.in = malloc(VERIFY_IN)))
        rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
    v.cap = VERIFY_IN;
    if (!rc && pe->codec == CG_CODEC_GZIP && !(gz = libdeflate_alloc_decompressor()))
        rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
    if (!rc && pe->codec == CG_CODEC_ZSTD && (!(zs = ZSTD_createDStream()) ||
                                               ZSTD_isError(ZSTD_initDStream(zs))))
        rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
    size_t zret = 0; /* zstd: 0 at a frame boundary */
    while (!rc && v.base + v.pos < v.size) {
        if (cg_stop_requested()) {
            rc = cg_stop_err(err);
            break;
        }
        if ((rc = vfill(&v, VERIFY_IN / 2, err)))
            break;
        size_t avail = v.len - v.pos;
        if (pe->codec == CG_CODEC_NONE) {
            nl += count_nl((const char *)v.in + v.pos, avail);
            v.pos += avail;
        } else if (pe->codec == CG_CODEC_ZSTD) {
            ZSTD_inBuffer ib = {v.in + v.pos, avail, 0};
            ZSTD_outBuffer ob;
            do { /* drain: a full output buffer may hold back more */
                ob = (ZSTD_outBuffer){out, ocap, 0};
                zret = ZSTD_decompressStream(zs, &ob, &ib);
                if (ZSTD_isError(zret))
                    break;
                nl += count_nl(out, ob.pos);
            } while (ob.pos == ob.size);
            if (ZSTD_isError(zret)) {
                rc = cg_err_set(err, CG_ERUNTIME, "%s: corrupt zstd data near byte %llu (%s)",
                                path, (unsigned long long)(v.base + v.pos),
                                ZSTD_getErrorName(zret));
                break;
            }
            v.pos += ib.pos;
        } else {
            size_t in_n = 0, out_n = 0;
            enum libdeflate_result r =
                libdeflate_gzip_decompress_ex(gz, v.in + v.pos, avail, out, ocap, &in_n, &out_n);
            if (r == LIBDEFLATE_INSUFFICIENT_SPACE && ocap < VERIFY_MAX) {
                char *q = realloc(out, ocap * 2);
                if (!q) {
                    rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
                    break;
                }
                out = q;
                ocap *= 2;
                continue;
            }
            if (r != LIBDEFLATE_SUCCESS) {
                /* A member longer than the window: widen it, once per size. */
                if (v.base + v.len < v.size && avail == v.len && v.cap < VERIFY_MAX) {
                    if ((rc = vfill(&v, v.cap * 2, err)))
                        break;
                    continue;
                }
                if (v.base + v.len < v.size && avail < v.len) {
                    if ((rc = vfill(&v, v.cap, err)))
                        break;
                    continue;
                }
                rc = cg_err_set(err, CG_ERUNTIME, "%s: corrupt or truncated gzip member at byte "
                                "%llu", path, (unsigned long long)(v.base + v.pos));
                break;
            }
            nl += count_nl(out, out_n);
            v.pos += in_n;
        }
    }
    if (!rc && pe->codec == CG_CODEC_ZSTD && zret != 0)
        rc = cg_err_set(err, CG_ERUNTIME, "%s: truncated zstd frame at its end", path);
    if (!rc && nl != rows + 1)
        rc = cg_err_set(err, CG_ERUNTIME, "%s: %llu rows, but its shard wrote %llu: re-run that "
                        "shard", path, (unsigned long long)(nl ? nl - 1 : 0),
                        (unsigned long long)rows);
    ZSTD_freeDStream(zs);
    libdeflate_free_decompressor(gz);
    free(out);
    free(v.in);
    close(fd);
    return rc;
}

/* The earlier summary, if any, agrees with the stats (for the cleaned-up
 * case, where the parts are gone and only the bundle is left). */
static int summary_agrees(const char *path, const uint64_t tot[3], int shards)
{
    char *text;
    size_t n;
    uint64_t c, s, d;
    int sh;
    cg_err e;
    if (read_small(path, 4096, &text, &n, &e))
        return 0;
    int ok = !cg_json_parse_summary(text, n, &c, &s, &d, &sh, &e) && c == tot[0] &&
             s == tot[1] && d == tot[2] && sh == shards;
    free(text);
    return ok;
}

static int unlink_ok(const char *path, cg_err *err)
{
    if (unlink(path) != 0 && errno != ENOENT)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot remove", path);
    return CG_OK;
}

/* Shards 0..N-1 of one run, each once. N and the run fingerprint come from
 * the stats themselves, so a missing last shard and files of another run
 * (other N, seed, configuration or database) show. Sets *n_out. */
static int check_shards(day_scan *s, const char *daydir, int *n_out, cg_err *err)
{
    qsort(s->st, s->nst, sizeof *s->st, cmp_stat);
    int N = s->st[0].shards;
    for (size_t i = 1; i < s->nst; i++) {
        if (s->st[i].shards != N)
            return cg_err_set(err, CG_ERUNTIME, "%s: stats_shard%03d.json is of a run with %d "
                              "shard(s), stats_shard%03d.json of one with %d: files of two runs "
                              "are mixed; re-run every shard of one run (SCALE-OUT.md)",
                              daydir, s->st[0].shard, N, s->st[i].shard, s->st[i].shards);
        if (s->st[i].run != s->st[0].run)
            return cg_err_set(err, CG_ERUNTIME, "%s: stats_shard%03d.json and stats_shard%03d.json "
                              "are of different runs (run %016llx vs %016llx: seed, configuration, "
                              "database or cdrgen version differ); re-run every shard of one run",
                              daydir, s->st[0].shard, s->st[i].shard,
                              (unsigned long long)s->st[0].run, (unsigned long long)s->st[i].run);
    }
    for (int k = 0; k < N; k++)
        if ((size_t)k >= s->nst || s->st[k].shard != k)
            return cg_err_set(err, CG_ERUNTIME, "%s: shard %d of %d is missing (no "
                              "stats_shard%03d.json)", daydir, k, N, k);
    *n_out = N;
    return CG_OK;
}

/* Parts: of shards that have stats, 000..M-1 each, one codec (set in res). */
static int check_parts(day_scan *s, const char *daydir, int N, cg_merge_result *res, cg_err *err)
{
    if (s->npt)
        qsort(s->pt, s->npt, sizeof *s->pt, cmp_part);
    for (size_t i = 0; i < s->npt; i++) {
        const part_ent *p = &s->pt[i];
        if (p->shard >= N)
            return cg_err_set(err, CG_ERUNTIME, "%s: part file %s belongs to shard %d, which has "
                              "no stats_shard%03d.json (shards 0..%d have one): the shard did not "
                              "finish, or files of a run with more shards are mixed in",
                              daydir, p->name, p->shard, p->shard, N - 1);
        if (res->codec < 0)
            res->codec = p->codec;
        else if (p->codec != res->codec)
            return cg_err_set(err, CG_ERUNTIME, "%s: part files of two codecs (%s and %s, e.g. "
                              "%s): every shard must use the same --compression",
                              daydir, kind_name(res->codec), kind_name(p->codec), p->name);
        if ((uint32_t)p->part >= s->st[p->shard].parts)
            return cg_err_set(err, CG_ERUNTIME, "%s: part file %s is not one of the %u part(s) "
                              "that stats_shard%03d.json records (left by an earlier run?): "
                              "remove it or re-run that shard",
                              daydir, p->name, s->st[p->shard].parts, p->shard);
        int expect = (i > 0 && s->pt[i - 1].shard == p->shard) ? s->pt[i - 1].part + 1 : 0;
        if (p->part != expect)
            return cg_err_set(err, CG_ERUNTIME, "%s: shard %d of %d: part %03d is missing (found "
                              "%s)", daydir, p->shard, N, expect, p->name);
    }
    return CG_OK;
}

/* Shards without any part: all of them is fine only for a day merged (or
 * written unsharded) before its parts were cleaned up (res->status
 * CG_MERGE_CLEANED); some of them is an error. */
static int check_shards_have_parts(const day_scan *s, const char *out_dir, const char *daydir,
                                   const char *date, int N, const uint64_t tot[3],
                                   cg_merge_result *res, cg_err *err)
{
    size_t pi = 0;
    int without = -1, nwithout = 0;
    for (int k = 0; k < N; k++) {
        if (pi < s->npt && s->pt[pi].shard == k) {
            while (pi < s->npt && s->pt[pi].shard == k)
                pi++;
        } else {
            if (without < 0)
                without = k;
            nwithout++;
        }
    }
    if (nwithout == 0)
        return CG_OK;
    if (nwithout < N)
        return cg_err_set(err, CG_ERUNTIME, "%s: shard %d of %d has stats but no part files "
                          "(cdr_%s_shard%03d_part000.csv...): re-run that shard",
                          daydir, without, N, date, without);
    cg_path sum;
    cg_lay_summary(&sum, daydir);
    CG_TRY(cg_path_ok(&sum, err));
    static const int codecs[] = {CG_CODEC_GZIP, CG_CODEC_ZSTD, CG_CODEC_NONE, CG_LAY_PARQUET};
    int have_bundle = 0;
    for (int c = 0; c < 4; c++) {
        cg_path bp;
        struct stat st;
        cg_lay_bundle(&bp, out_dir, date, codecs[c]);
        CG_TRY(cg_path_ok(&bp, err));
        if (stat(bp.s, &st) == 0) {
            have_bundle = 1;
            res->codec = codecs[c];
            res->bundle_bytes = (uint64_t)st.st_size;
            memcpy(res->bundle, bp.s, bp.len + 1);
        }
    }
    if (have_bundle && summary_agrees(sum.s, tot, N)) {
        res->status = CG_MERGE_CLEANED;
        return CG_OK;
    }
    return cg_err_set(err, CG_ERUNTIME, "%s: no part files for any of the %d shard(s), and no "
                      "bundle with a matching summary.json: re-run the shards", daydir, N);
}

/* Each shard's last part is the last its stats record (a gap before it was
 * caught by check_parts). */
static int check_last_parts(const day_scan *s, const char *daydir, int N, cg_err *err)
{
    for (size_t i = 0; i < s->npt; i++) {
        const part_ent *p = &s->pt[i];
        int last = i + 1 == s->npt || s->pt[i + 1].shard != p->shard;
        if (last && (uint32_t)p->part + 1 != s->st[p->shard].parts)
            return cg_err_set(err, CG_ERUNTIME, "%s: shard %d of %d: part %03d is missing "
                              "(stats_shard%03d.json records %u parts; the last found is %s)",
                              daydir, p->shard, N, p->part + 1, p->shard, s->st[p->shard].parts,
                              p->name);
    }
    return CG_OK;
}

/* Writes the bundle from the proved parts, removes bundles of other codecs
 * and writes the summary; the summary goes first so that the day stops
 * looking complete before anything changes. */
static int write_day(day_scan *s, const char *out_dir, const char *daydir, const char *date,
                     int N, const uint64_t tot[3], cg_merge_result *res, char **buf, cg_err *err)
{
    cg_path path;
    cg_lay_summary(&path, daydir);
    CG_TRY(cg_path_ok(&path, err));
    CG_TRY(unlink_ok(path.s, err));
    cg_path stem;
    cg_path_init(&stem);
    cg_path_add(&stem, "cdr_%s.", date); /* .csv[.gz|.zst] or .parquet */
    CG_TRY(cg_remove_tmp_files_prefix(out_dir, stem.s, err));
    cg_path bp;
    cg_lay_bundle(&bp, out_dir, date, res->codec);
    CG_TRY(cg_path_ok(&bp, err));
    memcpy(res->bundle, bp.s, bp.len + 1);
    cg_afile bundle;
    int rc = cg_afile_open(&bundle, res->bundle, err);
    if (rc)
        return rc;
    pq_day day = {NULL, 0, 0, -1};
    for (size_t i = 0; i < s->npt && !rc; i++)
        rc = do_part(daydir, &s->pt[i], &bundle, i == 0, buf, &day, err);
    if (!rc && res->codec == CG_LAY_PARQUET) { /* one footer for every part's row groups */
        cg_tw w;
        memset(&w, 0, sizeof w);
        cg_pq_footer(&w, day.rgs, day.n, day.codec < 0 ? CG_CODEC_NONE : day.codec);
        rc = w.oom ? cg_err_set(err, CG_ERUNTIME, "out of memory")
                   : cg_afile_write(&bundle, w.p, w.len, err);
        cg_tw_free(&w);
    }
    free(day.rgs);
    if (!rc) {
        res->parts = (int)s->npt;
        res->bundle_bytes = bundle.bytes;
        rc = cg_afile_commit(&bundle, 0, err);
    }
    cg_afile_abort(&bundle);
    if (rc)
        return rc;
    /* A bundle of another codec (an earlier run) would contradict the new one. */
    static const int all[] = {CG_CODEC_GZIP, CG_CODEC_ZSTD, CG_CODEC_NONE, CG_LAY_PARQUET};
    for (int c = 0; c < 4; c++) {
        if (all[c] == res->codec)
            continue;
        cg_lay_bundle(&path, out_dir, date, all[c]);
        CG_TRY(cg_path_ok(&path, err));
        CG_TRY(unlink_ok(path.s, err));
    }
    uint64_t labels;
    CG_TRY(cg_merge_labels(out_dir, daydir, N, &labels, err));
    uint64_t anom[CG_STATS_ANOM] = {0};
    int has_anom = 0;
    for (size_t i = 0; i < s->nst; i++) {
        has_anom |= s->st[i].has_anom;
        for (int k = 0; k < CG_STATS_ANOM; k++)
            anom[k] += s->st[i].anom[k];
    }
    char json[512];
    size_t jn = cg_json_summary_anom(json, sizeof json, tot[0], tot[1], tot[2], N,
                                     has_anom ? anom : NULL);
    cg_lay_summary(&path, daydir);
    CG_TRY(cg_write_file_atomic(path.s, json, jn, err));
    res->status = CG_MERGE_DONE;
    return CG_OK;
}

/* Scan, prove every shard and part whole, then write: nothing changes on
 * disk before every check has passed. */
static int merge_scanned(day_scan *s, const char *out_dir, const char *daydir, const char *date,
                         cg_merge_result *res, char **buf, cg_err *err)
{
    int N;
    CG_TRY(check_shards(s, daydir, &N, err));
    uint64_t tot[3] = {0, 0, 0};
    for (size_t i = 0; i < s->nst; i++)
        for (int t = 0; t < 3; t++)
            tot[t] += s->st[i].n[t];
    res->shards = N;
    res->calls = tot[0];
    res->sms = tot[1];
    res->data = tot[2];
    CG_TRY(check_parts(s, daydir, N, res, err));
    CG_TRY(check_shards_have_parts(s, out_dir, daydir, date, N, tot, res, err));
    if (res->status == CG_MERGE_CLEANED)
        return CG_OK;
    CG_TRY(check_last_parts(s, daydir, N, err));
    /* Every part is proved whole before anything changes: its size is what
     * the shard wrote, every member/frame decodes, its rows are the rows
     * the shard recorded. */
    for (size_t i = 0; i < s->npt; i++) {
        const stat_ent *st = &s->st[s->pt[i].shard];
        CG_TRY(do_part(daydir, &s->pt[i], NULL, 0, NULL, NULL, err));
        CG_TRY(verify_part(daydir, &s->pt[i], st->part_bytes[s->pt[i].part],
                           st->part_rows[s->pt[i].part], buf, err));
    }
    return write_day(s, out_dir, daydir, date, N, tot, res, buf, err);
}

int cg_merge_day(const char *out_dir, const char *date, cg_merge_result *res, cg_err *err)
{
    memset(res, 0, sizeof *res);
    res->codec = -1;
    cg_path daydir;
    cg_lay_daydir(&daydir, out_dir, date);
    CG_TRY(cg_path_ok(&daydir, err));
    day_scan s;
    memset(&s, 0, sizeof s);
    char *buf = NULL;
    int rc = scan_day(daydir.s, date, &s, err);
    if (rc == CG_OK) {
        if (s.nst == 0)
            res->status = CG_MERGE_NO_STATS;
        else
            rc = merge_scanned(&s, out_dir, daydir.s, date, res, &buf, err);
    }
    free(buf);
    scan_free(&s);
    return rc;
}

static int cmp_day(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

int cg_merge_list_days(const char *out_dir, char (**days)[11], size_t *n, cg_err *err)
{
    *days = NULL;
    *n = 0;
    DIR *d = opendir(out_dir);
    if (!d)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot open output directory",
                            out_dir);
    size_t cap = 0;
    struct dirent *de;
    int rc = CG_OK;
    while ((de = readdir(d))) {
        int32_t day;
        char canon[11];
        cg_path path;
        struct stat st;
        if (strlen(de->d_name) != 10 || cg_date_parse(de->d_name, &day) != 0)
            continue;
        cg_date_format(day, canon);
        cg_lay_daydir(&path, out_dir, de->d_name);
        if (strcmp(canon, de->d_name) != 0 || path.overflow || stat(path.s, &st) != 0 ||
            !S_ISDIR(st.st_mode))
            continue;
        char(*grown)[11] = cg_grow(*days, &cap, *n + 1, sizeof **days);
        if (!grown) {
            rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
            break;
        }
        *days = grown;
        memcpy((*days)[(*n)++], canon, 11);
    }
    closedir(d);
    if (rc) {
        free(*days);
        *days = NULL;
        *n = 0;
        return rc;
    }
    if (*n)
        qsort(*days, *n, sizeof **days, cmp_day);
    return CG_OK;
}

/* The file of shard k: OUT/subscribers_shardKKK.csv, or a day's
 * anomalies_shardKKK.csv. */
typedef struct shard_files {
    const char *out_dir, *daydir;
    int kind; /* case labels: fraud 0, churn 1 */
} shard_files;

static void cases_of(cg_path *p, const shard_files *c, int k)
{
    cg_lay_case_labels(p, c->out_dir, c->kind, k);
}

static void subs_of(cg_path *p, const shard_files *c, int k)
{
    cg_lay_subscribers(p, c->out_dir, k);
}

static void labels_of(cg_path *p, const shard_files *c, int k)
{
    cg_lay_labels(p, c->daydir, k);
}

/* dst: the header hdr, then every shard's file (each beginning with hdr)
 * without it, in shard order, atomically; *rows the rows copied. */
static int concat_shards(const char *dst, int shards,
                         void (*src_of)(cg_path *, const shard_files *, int),
                         const shard_files *ctx, const char *hdr, uint64_t *rows, cg_err *err)
{
    cg_afile f;
    CG_TRY(cg_afile_open(&f, dst, err));
    size_t hl = strlen(hdr);
    int rc = cg_afile_write(&f, hdr, hl, err);
    char *buf = malloc(1 << 16);
    if (!buf && !rc)
        rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
    for (int k = 0; k < shards && !rc; k++) {
        cg_path src;
        src_of(&src, ctx, k);
        if ((rc = cg_path_ok(&src, err)))
            break;
        FILE *in = fopen(src.s, "rb");
        if (!in) {
            rc = cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot open (every shard writes "
                              "it; re-run shard %d)", src.s, k);
            break;
        }
        size_t n = fread(buf, 1, hl, in);
        if (n != hl || memcmp(buf, hdr, hl) != 0)
            rc = cg_err_set(err, CG_ERUNTIME, "%s: does not start with its header", src.s);
        while (!rc && (n = fread(buf, 1, 1 << 16, in)) > 0) {
            for (size_t j = 0; j < n; j++)
                *rows += buf[j] == '\n';
            rc = cg_afile_write(&f, buf, n, err);
        }
        if (!rc && ferror(in))
            rc = cg_err_errno(err, CG_ERUNTIME, errno, "%s: read failed", src.s);
        fclose(in);
    }
    free(buf);
    if (!rc)
        rc = cg_afile_commit(&f, 0, err);
    cg_afile_abort(&f);
    return rc;
}

/* *present: how many of the shards' files exist. */
static int shard_files_present(int shards, void (*src_of)(cg_path *, const shard_files *, int),
                               const shard_files *ctx, int *present, cg_err *err)
{
    *present = 0;
    for (int k = 0; k < shards; k++) {
        cg_path src;
        src_of(&src, ctx, k);
        CG_TRY(cg_path_ok(&src, err));
        *present += access(src.s, F_OK) == 0;
    }
    return CG_OK;
}

int cg_merge_subscribers(const char *out_dir, int shards, uint64_t *rows, int *written,
                         cg_err *err)
{
    *rows = 0;
    *written = 0;
    /* none of the shard files: an unsharded run (it writes subscribers.csv
     * itself), or a merge done before; some of them: a shard is missing */
    shard_files ctx = {out_dir, NULL, 0};
    int present;
    CG_TRY(shard_files_present(shards, subs_of, &ctx, &present, err));
    if (present == 0)
        return CG_OK;
    *written = 1;
    cg_path dst;
    cg_lay_subscribers(&dst, out_dir, -1);
    CG_TRY(cg_path_ok(&dst, err));
    return concat_shards(dst.s, shards, subs_of, &ctx, CG_SUBSCRIBERS_HEADER, rows, err);
}

int cg_merge_labels(const char *out_dir, const char *daydir, int shards, uint64_t *rows,
                    cg_err *err)
{
    *rows = 0;
    shard_files ctx = {out_dir, daydir, 0};
    int present;
    CG_TRY(shard_files_present(shards, labels_of, &ctx, &present, err));
    if (present == 0)
        return CG_OK;
    cg_path dst;
    cg_lay_labels(&dst, daydir, -1);
    CG_TRY(cg_path_ok(&dst, err));
    return concat_shards(dst.s, shards, labels_of, &ctx, CG_ANOM_LABEL_HEADER, rows, err);
}

int cg_merge_case_labels(const char *out_dir, int shards, int kind, uint64_t *rows,
                         int *written, cg_err *err)
{
    *rows = 0;
    *written = 0;
    shard_files ctx = {out_dir, NULL, kind};
    int present;
    CG_TRY(shard_files_present(shards, cases_of, &ctx, &present, err));
    if (present == 0)
        return CG_OK;
    *written = 1;
    cg_path dst;
    cg_lay_case_labels(&dst, out_dir, kind, -1);
    CG_TRY(cg_path_ok(&dst, err));
    return concat_shards(dst.s, shards, cases_of, &ctx, CG_CASE_LABEL_HEADER, rows, err);
}
