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

/* A header member is a few hundred bytes; reading this much always holds it. */
#define HEAD_READ 65536
/* Copy unit of the read/write fallback and of each copy_file_range call. */
#define COPY_CHUNK (8u << 20)
/* Shard numbers above this are not something generate writes (flags cap N at
 * 1,000,000); refusing them keeps arrays small. */
#define MAX_SHARD 1000000

typedef cg_stats stat_ent;

typedef struct part_ent {
    int shard, part, codec;
    uint64_t size, hlen; /* file size, length of its header member */
    char name[256];
} part_ent;

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

static int push(void **p, size_t *n, size_t *cap, size_t elem)
{
    if (*n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 16;
    void *q = realloc(*p, c * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* Reads up to 9 decimal digits at *s (at least `min`); -1 if none. */
static long take_num(const char **s, int min)
{
    long v = 0;
    int k = 0;
    while (**s >= '0' && **s <= '9' && k < 9) {
        v = v * 10 + (**s - '0');
        (*s)++;
        k++;
    }
    return k >= min && !(**s >= '0' && **s <= '9') ? v : -1;
}

/* "stats_shardKKK.json" -> K, exactly as generate spells it; -1 otherwise. */
static long parse_stats_name(const char *name)
{
    const char *p = name + strlen("stats_shard");
    long k = take_num(&p, 3);
    char canon[64];
    if (k < 0 || strcmp(p, ".json") != 0)
        return -1;
    snprintf(canon, sizeof canon, "stats_shard%03ld.json", k);
    return strcmp(canon, name) == 0 ? k : -1;
}

/* "cdr_DATE_shardKKK_partMMM.csv[.gz|.zst]" -> shard, part, codec. */
static int parse_part_name(const char *name, const char *date, part_ent *pe)
{
    char pre[32];
    snprintf(pre, sizeof pre, "cdr_%s_shard", date);
    if (strncmp(name, pre, strlen(pre)) != 0)
        return -1;
    const char *p = name + strlen(pre);
    long k = take_num(&p, 3);
    if (k < 0 || strncmp(p, "_part", 5) != 0)
        return -1;
    p += 5;
    long m = take_num(&p, 3);
    if (m < 0 || strncmp(p, ".csv", 4) != 0)
        return -1;
    p += 4;
    int codec = !strcmp(p, "") ? CG_CODEC_NONE : !strcmp(p, ".gz") ? CG_CODEC_GZIP
                : !strcmp(p, ".zst")                                 ? CG_CODEC_ZSTD
                                                                     : -1;
    char canon[256];
    if (codec < 0 || strlen(name) >= sizeof pe->name)
        return -1;
    snprintf(canon, sizeof canon, "cdr_%s_shard%03ld_part%03ld.csv%s", date, k, m,
             cg_codec_ext(codec));
    if (strcmp(canon, name) != 0)
        return -1;
    pe->shard = (int)k;
    pe->part = (int)m;
    pe->codec = codec;
    snprintf(pe->name, sizeof pe->name, "%s", name);
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
    char path[CG_PATH_MAX + 300];
    snprintf(path, sizeof path, "%s/%s", daydir, name);
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
    if (push((void **)&s->st, &s->nst, &s->st_cap, sizeof *s->st)) {
        cg_stats_free(&e);
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    }
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
            long k = parse_stats_name(name);
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
                                "cdr_%s_shardKKK_partMMM.csv[.gz|.zst]); remove it",
                                daydir, name, date);
            else if (push((void **)&s->pt, &s->npt, &s->pt_cap, sizeof *s->pt))
                rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
            else
                s->pt[s->npt++] = pe;
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

/* Appends [off, off+len) of fd `in` to the bundle: copy_file_range (which
 * lets the kernel or the file system do the copy), else read/write. */
static int copy_range(int in, const char *in_path, off_t off, uint64_t len, cg_afile *out,
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
                return cg_err_set(err, CG_ERUNTIME, "%s: file shrank while being merged",
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
            return cg_err_set(err, CG_ERUNTIME, "%s: file shrank while being merged", in_path);
        int rc = cg_afile_write(out, *buf, (size_t)r, err);
        if (rc)
            return rc;
        off += r;
        len -= (uint64_t)r;
    }
    return CG_OK;
}

/* Checks that a part starts with a header member and records its length
 * and the file size; with out, also appends the part (its header member
 * only when with_header). */
static int do_part(const char *daydir, part_ent *pe, cg_afile *out, int with_header, char **buf,
                   cg_err *err)
{
    char path[CG_PATH_MAX + 300];
    snprintf(path, sizeof path, "%s/%s", daydir, pe->name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot open", path);
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
    rc = copy_range(fd, path, (off_t)hlen, pe->size - hlen, out, buf, err);
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

/* Decodes the whole part and counts its rows: the shard recorded `bytes`
 * and `rows` (header excluded) for it. */
static int verify_part(const char *daydir, const part_ent *pe, uint64_t bytes, uint64_t rows,
                       char **scratch, cg_err *err)
{
    (void)scratch;
    char path[CG_PATH_MAX + 300];
    snprintf(path, sizeof path, "%s/%s", daydir, pe->name);
    if (pe->size != bytes)
        return cg_err_set(err, CG_ERUNTIME, "%s: %llu bytes, but its shard wrote %llu "
                          "(truncated or replaced): re-run that shard",
                          path, (unsigned long long)pe->size, (unsigned long long)bytes);
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

int cg_merge_day(const char *out_dir, const char *date, cg_merge_result *res, cg_err *err)
{
    char daydir[CG_PATH_MAX + 16], path[CG_PATH_MAX + 300];
    memset(res, 0, sizeof *res);
    res->codec = -1;
    snprintf(daydir, sizeof daydir, "%s/%s", out_dir, date);
    day_scan s;
    memset(&s, 0, sizeof s);
    char *buf = NULL;
    cg_afile bundle;
    memset(&bundle, 0, sizeof bundle);
    bundle.fd = -1;
    int rc = scan_day(daydir, date, &s, err);
    if (rc)
        goto out;
    if (s.nst == 0) {
        res->status = CG_MERGE_NO_STATS;
        goto out;
    }

    /* Shards: 0..N-1 of one run, each once. N and the run fingerprint come
     * from the stats themselves, so a missing last shard and files of
     * another run (other N, seed, configuration or database) show. */
    qsort(s.st, s.nst, sizeof *s.st, cmp_stat);
    int N = s.st[0].shards;
    for (size_t i = 1; i < s.nst; i++) {
        if (s.st[i].shards != N) {
            rc = cg_err_set(err, CG_ERUNTIME, "%s: stats_shard%03d.json is of a run with %d "
                            "shard(s), stats_shard%03d.json of one with %d: files of two runs "
                            "are mixed; re-run every shard of one run (SCALE-OUT.md)",
                            daydir, s.st[0].shard, N, s.st[i].shard, s.st[i].shards);
            goto out;
        }
        if (s.st[i].run != s.st[0].run) {
            rc = cg_err_set(err, CG_ERUNTIME, "%s: stats_shard%03d.json and stats_shard%03d.json "
                            "are of different runs (run %016llx vs %016llx: seed, configuration, "
                            "database or cdrgen version differ); re-run every shard of one run",
                            daydir, s.st[0].shard, s.st[i].shard,
                            (unsigned long long)s.st[0].run, (unsigned long long)s.st[i].run);
            goto out;
        }
    }
    for (int k = 0; k < N; k++)
        if ((size_t)k >= s.nst || s.st[k].shard != k) {
            rc = cg_err_set(err, CG_ERUNTIME, "%s: shard %d of %d is missing (no "
                            "stats_shard%03d.json)", daydir, k, N, k);
            goto out;
        }
    uint64_t tot[3] = {0, 0, 0};
    for (size_t i = 0; i < s.nst; i++)
        for (int t = 0; t < 3; t++)
            tot[t] += s.st[i].n[t];
    res->shards = N;
    res->calls = tot[0];
    res->sms = tot[1];
    res->data = tot[2];

    /* Parts: shards that have stats, 000..M-1 each, one codec. */
    if (s.npt)
        qsort(s.pt, s.npt, sizeof *s.pt, cmp_part);
    for (size_t i = 0; i < s.npt; i++) {
        const part_ent *p = &s.pt[i];
        if (p->shard >= N) {
            rc = cg_err_set(err, CG_ERUNTIME, "%s: part file %s belongs to shard %d, which has "
                            "no stats_shard%03d.json (shards 0..%d have one): the shard did not "
                            "finish, or files of a run with more shards are mixed in",
                            daydir, p->name, p->shard, p->shard, N - 1);
            goto out;
        }
        if (res->codec < 0)
            res->codec = p->codec;
        else if (p->codec != res->codec) {
            rc = cg_err_set(err, CG_ERUNTIME, "%s: part files of two codecs (%s and %s, e.g. "
                            "%s): every shard must use the same --compression",
                            daydir, cg_codec_name(res->codec), cg_codec_name(p->codec), p->name);
            goto out;
        }
        if ((uint32_t)p->part >= s.st[p->shard].parts) {
            rc = cg_err_set(err, CG_ERUNTIME, "%s: part file %s is not one of the %u part(s) "
                            "that stats_shard%03d.json records (left by an earlier run?): "
                            "remove it or re-run that shard",
                            daydir, p->name, s.st[p->shard].parts, p->shard);
            goto out;
        }
        int expect = (i > 0 && s.pt[i - 1].shard == p->shard) ? s.pt[i - 1].part + 1 : 0;
        if (p->part != expect) {
            rc = cg_err_set(err, CG_ERUNTIME, "%s: shard %d of %d: part %03d is missing (found "
                            "%s)", daydir, p->shard, N, expect, p->name);
            goto out;
        }
    }
    /* Every shard has at least one part (generate always writes one). */
    size_t pi = 0;
    int without = -1, nwithout = 0;
    for (int k = 0; k < N; k++) {
        if (pi < s.npt && s.pt[pi].shard == k) {
            while (pi < s.npt && s.pt[pi].shard == k)
                pi++;
        } else {
            if (without < 0)
                without = k;
            nwithout++;
        }
    }
    if (nwithout == N) {
        /* Nothing to merge from; fine only if the day was merged (or written
         * unsharded) before its parts were cleaned up. */
        snprintf(path, sizeof path, "%s/summary.json", daydir);
        static const int codecs[] = {CG_CODEC_GZIP, CG_CODEC_ZSTD, CG_CODEC_NONE};
        int have_bundle = 0;
        for (int c = 0; c < 3; c++) {
            char bp[CG_PATH_MAX + 64];
            struct stat st;
            snprintf(bp, sizeof bp, "%s/cdr_%s.csv%s", out_dir, date, cg_codec_ext(codecs[c]));
            if (stat(bp, &st) == 0) {
                have_bundle = 1;
                res->codec = codecs[c];
                res->bundle_bytes = (uint64_t)st.st_size;
                snprintf(res->bundle, sizeof res->bundle, "%s", bp);
            }
        }
        if (have_bundle && summary_agrees(path, tot, N)) {
            res->status = CG_MERGE_CLEANED;
            goto out;
        }
        rc = cg_err_set(err, CG_ERUNTIME, "%s: no part files for any of the %d shard(s), and no "
                        "bundle with a matching summary.json: re-run the shards", daydir, N);
        goto out;
    }
    if (nwithout) {
        rc = cg_err_set(err, CG_ERUNTIME, "%s: shard %d of %d has stats but no part files "
                        "(cdr_%s_shard%03d_part000.csv...): re-run that shard",
                        daydir, without, N, date, without);
        goto out;
    }

    /* Each shard's last part (a gap before it was caught above). */
    for (size_t i = 0; i < s.npt; i++) {
        const part_ent *p = &s.pt[i];
        int last = i + 1 == s.npt || s.pt[i + 1].shard != p->shard;
        if (last && (uint32_t)p->part + 1 != s.st[p->shard].parts) {
            rc = cg_err_set(err, CG_ERUNTIME, "%s: shard %d of %d: part %03d is missing "
                            "(stats_shard%03d.json records %u parts; the last found is %s)",
                            daydir, p->shard, N, p->part + 1, p->shard, s.st[p->shard].parts,
                            p->name);
            goto out;
        }
    }

    /* Every part is proved whole before anything changes: its size is what
     * the shard wrote, every member/frame decodes, its rows are the rows
     * the shard recorded. */
    for (size_t i = 0; i < s.npt; i++) {
        const stat_ent *st = &s.st[s.pt[i].shard];
        if ((rc = do_part(daydir, &s.pt[i], NULL, 0, NULL, err)) ||
            (rc = verify_part(daydir, &s.pt[i], st->part_bytes[s.pt[i].part],
                              st->part_rows[s.pt[i].part], &buf, err)))
            goto out;
    }

    /* The day stops looking complete before anything changes. */
    snprintf(path, sizeof path, "%s/summary.json", daydir);
    if ((rc = unlink_ok(path, err)))
        goto out;
    snprintf(path, sizeof path, "cdr_%s.csv", date);
    if ((rc = cg_remove_tmp_files_prefix(out_dir, path, err)))
        goto out;
    snprintf(res->bundle, sizeof res->bundle, "%s/cdr_%s.csv%s", out_dir, date,
             cg_codec_ext(res->codec));
    if ((rc = cg_afile_open(&bundle, res->bundle, err)))
        goto out;
    for (size_t i = 0; i < s.npt; i++)
        if ((rc = do_part(daydir, &s.pt[i], &bundle, i == 0, &buf, err)))
            goto out;
    res->parts = (int)s.npt;
    res->bundle_bytes = bundle.bytes;
    if ((rc = cg_afile_commit(&bundle, 0, err)))
        goto out;
    /* A bundle of another codec (an earlier run) would contradict the new one. */
    static const int all[] = {CG_CODEC_GZIP, CG_CODEC_ZSTD, CG_CODEC_NONE};
    for (int c = 0; c < 3; c++) {
        if (all[c] == res->codec)
            continue;
        snprintf(path, sizeof path, "%s/cdr_%s.csv%s", out_dir, date, cg_codec_ext(all[c]));
        if ((rc = unlink_ok(path, err)))
            goto out;
    }
    char json[256];
    size_t jn = cg_json_summary(json, sizeof json, tot[0], tot[1], tot[2], N);
    snprintf(path, sizeof path, "%s/summary.json", daydir);
    rc = cg_write_file_atomic(path, json, jn, err);
    res->status = CG_MERGE_DONE;
out:
    cg_afile_abort(&bundle);
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
        char canon[11], path[CG_PATH_MAX + 16];
        struct stat st;
        if (strlen(de->d_name) != 10 || cg_date_parse(de->d_name, &day) != 0)
            continue;
        cg_date_format(day, canon);
        snprintf(path, sizeof path, "%s/%s", out_dir, de->d_name);
        if (strcmp(canon, de->d_name) != 0 || stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        if (push((void **)days, n, &cap, sizeof **days)) {
            rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
            break;
        }
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
