/* Streaming CDR reader (see cdrread.h): ISA-L's streaming inflate for gzip
 * (member after member, each checked against its CRC; it streams, where
 * libdeflate wants whole members, and is 2-3x zlib's speed), libzstd's
 * streaming API for zstd, read(2) for plain text. */
#include "io/cdrread.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include "core/check.h"
#include "io/pqread.h"

#define IN_CHUNK (1u << 18)
#define OUT_CHUNK (1u << 20)
#define LINE_MAX_BYTES (1u << 16)

enum { K_NONE, K_GZ, K_ZST };

struct cg_cdrread {
    int fd, kind, eof_in, done;
    char *path;
    unsigned char *in;
    size_t in_len, in_pos;
    char *out;
    size_t out_len, out_pos;
    char *line; /* a line split across two output chunks */
    size_t line_len;
    struct inflate_state *iz;
    int mid; /* inside a gzip member or zstd frame: the end of input there is a truncation */
    ZSTD_DStream *zs;
    cg_pqread *pq; /* a .parquet file: its rows as CSV lines */
};

void cg_cdrread_close(cg_cdrread *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    free(r->iz);
    ZSTD_freeDStream(r->zs);
    cg_pqread_close(r->pq);
    free(r->in);
    free(r->out);
    free(r->line);
    free(r->path);
    free(r);
}

static int ends(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && !strcmp(s + n - m, suf);
}

int cg_cdrread_open(cg_cdrread **out, const char *path, cg_err *err)
{
    *out = NULL;
    cg_cdrread *r = calloc(1, sizeof *r);
    if (!r)
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", path);
    r->fd = -1;
    if (ends(path, ".parquet")) {
        int rc = cg_pqread_open(&r->pq, path, err);
        if (rc) {
            free(r);
            return rc;
        }
        *out = r;
        return CG_OK;
    }
    r->kind = ends(path, ".gz") ? K_GZ : ends(path, ".zst") ? K_ZST : K_NONE;
    r->path = strdup(path);
    r->in = malloc(IN_CHUNK);
    r->out = malloc(OUT_CHUNK);
    r->line = malloc(LINE_MAX_BYTES);
    if (!r->path || !r->in || !r->out || !r->line) {
        cg_cdrread_close(r);
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", path);
    }
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        int e = errno;
        cg_cdrread_close(r);
        return cg_err_errno(err, CG_ERUNTIME, e, "%s: cannot open", path);
    }
    if (r->kind == K_GZ) {
        r->iz = malloc(sizeof *r->iz);
        if (!r->iz) {
            cg_cdrread_close(r);
            return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", path);
        }
        isal_inflate_init(r->iz);
        r->iz->crc_flag = ISAL_GZIP;
    } else if (r->kind == K_ZST) {
        r->zs = ZSTD_createDStream();
        if (!r->zs || ZSTD_isError(ZSTD_initDStream(r->zs))) {
            cg_cdrread_close(r);
            return cg_err_set(err, CG_ERUNTIME, "%s: cannot start zstd", path);
        }
    }
    *out = r;
    return CG_OK;
}

static int fill_in(cg_cdrread *r, cg_err *err)
{
    if (r->in_pos < r->in_len || r->eof_in)
        return CG_OK;
    ssize_t n;
    do
        n = read(r->fd, r->in, IN_CHUNK);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: read failed", r->path);
    r->in_len = (size_t)n;
    r->in_pos = 0;
    if (n == 0)
        r->eof_in = 1;
    return CG_OK;
}

/* Refills out with the next decoded bytes; out_len 0 at the end. */
static int fill_out(cg_cdrread *r, cg_err *err)
{
    r->out_len = r->out_pos = 0;
    while (r->out_len == 0 && !r->done) {
        CG_TRY(fill_in(r, err));
        if (r->kind == K_NONE) {
            if (r->eof_in) {
                r->done = 1;
                break;
            }
            size_t n = r->in_len - r->in_pos < OUT_CHUNK ? r->in_len - r->in_pos : OUT_CHUNK;
            memcpy(r->out, r->in + r->in_pos, n);
            r->in_pos += n;
            r->out_len = n;
        } else if (r->kind == K_GZ) {
            if (r->eof_in) {
                if (r->mid)
                    return cg_err_set(err, CG_ERUNTIME, "%s: truncated gzip data", r->path);
                r->done = 1;
                break;
            }
            struct inflate_state *z = r->iz;
            z->next_in = r->in + r->in_pos;
            z->avail_in = (uint32_t)(r->in_len - r->in_pos);
            z->next_out = (uint8_t *)r->out;
            z->avail_out = OUT_CHUNK;
            int zr = isal_inflate(z);
            r->in_pos = r->in_len - z->avail_in;
            r->out_len = OUT_CHUNK - z->avail_out;
            if (zr < 0)
                return cg_err_set(err, CG_ERUNTIME, "%s: corrupt gzip data", r->path);
            r->mid = z->block_state != ISAL_BLOCK_FINISH;
            if (!r->mid) { /* the next member, if any */
                isal_inflate_reset(z);
                z->crc_flag = ISAL_GZIP;
            }
        } else {
            if (r->eof_in) {
                if (r->mid)
                    return cg_err_set(err, CG_ERUNTIME, "%s: truncated zstd data", r->path);
                r->done = 1;
                break;
            }
            ZSTD_inBuffer ib = {r->in + r->in_pos, r->in_len - r->in_pos, 0};
            ZSTD_outBuffer ob = {r->out, OUT_CHUNK, 0};
            size_t zr = ZSTD_decompressStream(r->zs, &ob, &ib);
            if (ZSTD_isError(zr))
                return cg_err_set(err, CG_ERUNTIME, "%s: corrupt zstd data: %s", r->path,
                                  ZSTD_getErrorName(zr));
            r->in_pos += ib.pos;
            r->out_len = ob.pos;
            r->mid = zr != 0; /* 0: a frame is complete and flushed */
        }
    }
    return CG_OK;
}

int cg_cdrread_line(cg_cdrread *r, const char **line, size_t *len, int *has, cg_err *err)
{
    if (r->pq)
        return cg_pqread_line(r->pq, line, len, has, err);
    *has = 0;
    r->line_len = 0;
    for (;;) {
        if (r->out_pos == r->out_len) {
            CG_TRY(fill_out(r, err));
            if (r->out_len == 0) { /* the end: a last line without '\n' */
                if (r->line_len) {
                    *line = r->line;
                    *len = r->line_len;
                    *has = 1;
                }
                return CG_OK;
            }
        }
        char *b = r->out + r->out_pos;
        size_t avail = r->out_len - r->out_pos;
        char *nl = memchr(b, '\n', avail);
        size_t take = nl ? (size_t)(nl - b) : avail;
        if (r->line_len == 0 && nl) { /* the common case: no copy */
            *line = b;
            *len = take;
            r->out_pos += take + 1;
            *has = 1;
            return CG_OK;
        }
        if (r->line_len + take > LINE_MAX_BYTES)
            return cg_err_set(err, CG_ERUNTIME, "%s: a line longer than %u bytes", r->path,
                              LINE_MAX_BYTES);
        memcpy(r->line + r->line_len, b, take);
        r->line_len += take;
        r->out_pos += take + (nl ? 1 : 0);
        if (nl) {
            *line = r->line;
            *len = r->line_len;
            *has = 1;
            return CG_OK;
        }
    }
}
