/* Parquet files of cdrgen back as CSV lines (see pqread.h). */
#include "io/pqread.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"
#include "io/cdrfmt.h"
#include "io/codec.h"
#include "io/parquet.h"
#include "io/thrift.h"

#define MAX_PAGE_ROWS (1u << 20)

typedef struct col {
    cg_pq_colinfo info;
    unsigned char *chunk; /* the row group's column chunk, compressed */
    size_t n, pos, cap;
    char *page;           /* the current page, decompressed */
    size_t page_n;
    uint32_t nvals, at;   /* values of the page, the next one */
    uint8_t *def;         /* per value: 1 defined */
    const unsigned char **sp;
    uint32_t *sl;
    int64_t *iv;
    uint8_t *idx;
    size_t vcap;
    uint32_t nv, vat;     /* defined values, the next one */
    char dict[16][32];
    uint8_t dlen[16];
    int ndict;
} col;

struct cg_pqread {
    int fd;
    char *path;
    cg_pq_rg *rgs;
    size_t nrg, rg;
    int codec;
    int header_done, in_rg;
    int64_t rows_left; /* of the open row group */
    col c[CG_PQ_NCOLS];
    char line[CG_CDR_MAX_ROW * 2];
};

static int bad(cg_pqread *r, cg_err *err, const char *why)
{
    return cg_err_set(err, CG_ERUNTIME, "%s: %s", r->path, why);
}

void cg_pqread_close(cg_pqread *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    for (int k = 0; k < CG_PQ_NCOLS; k++) {
        col *c = &r->c[k];
        free(c->chunk);
        free(c->page);
        free(c->def);
        free(c->sp);
        free(c->sl);
        free(c->iv);
        free(c->idx);
    }
    free(r->rgs);
    free(r->path);
    free(r);
}

static int pread_all(cg_pqread *r, void *p, size_t n, uint64_t off, cg_err *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(r->fd, (char *)p + got, n - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return cg_err_errno(err, CG_ERUNTIME, errno, "%s: read failed", r->path);
        if (k == 0)
            return bad(r, err, "file shorter than its footer says");
        got += (size_t)k;
    }
    return CG_OK;
}

int cg_pqread_open(cg_pqread **out, const char *path, cg_err *err)
{
    *out = NULL;
    cg_pqread *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", path);
    }
    for (int k = 0; k < CG_PQ_NCOLS; k++)
        r->c[k].info = cg_pq_col(k);
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        int e = errno;
        cg_pqread_close(r);
        return cg_err_errno(err, CG_ERUNTIME, e, "%s: cannot open", path);
    }
    uint64_t size = 0, dend = 0;
    int rc = cg_pq_read_fd(r->fd, path, &size, &r->rgs, &r->nrg, &r->codec, &dend, err);
    if (rc) {
        cg_pqread_close(r);
        return rc;
    }
    *out = r;
    return CG_OK;
}

static uint64_t uleb(const unsigned char **p, const unsigned char *e, int *ok)
{
    uint64_t v = 0;
    for (int s = 0; s < 64; s += 7) {
        if (*p >= e) {
            *ok = 0;
            return 0;
        }
        unsigned char b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << s;
        if (!(b & 0x80))
            return v;
    }
    *ok = 0;
    return 0;
}

/* n values of the RLE/bit-packed hybrid, width 0..8 bits. */
static int hybrid(const unsigned char **pp, const unsigned char *e, int width, uint8_t *out,
                  size_t n)
{
    const unsigned char *p = *pp;
    size_t k = 0;
    int ok = 1;
    while (k < n && ok) {
        uint64_t h = uleb(&p, e, &ok);
        if (!ok)
            break;
        if (h & 1) {
            uint64_t groups = h >> 1;
            if (groups == 0 || groups > (uint64_t)(e - p) + 1 ||
                groups * (uint64_t)width > (uint64_t)(e - p))
                return -1;
            for (uint64_t g = 0; g < groups; g++) {
                uint64_t acc = 0;
                for (int b = 0; b < width; b++)
                    acc |= (uint64_t)p[b] << (8 * b);
                p += width;
                for (int i = 0; i < 8; i++, acc >>= width)
                    if (k < n)
                        out[k++] = (uint8_t)(acc & ((1u << width) - 1));
            }
        } else {
            uint64_t run = h >> 1;
            uint8_t v = 0;
            if (width) {
                if (p >= e)
                    return -1;
                v = *p++;
            }
            if (run == 0)
                return -1;
            for (uint64_t i = 0; i < run && k < n; i++)
                out[k++] = v;
        }
    }
    *pp = p;
    return ok && k == n ? 0 : -1;
}

static int grow_vals(col *c, size_t n)
{
    if (n <= c->vcap && c->vcap) /* allocated even for a page of no values */
        return 0;
    size_t cap = n < 4096 ? 4096 : n;
    uint8_t *d = realloc(c->def, cap), *x = realloc(c->idx, cap);
    if (d)
        c->def = d;
    if (x)
        c->idx = x;
    const unsigned char **sp = realloc(c->sp, cap * sizeof *sp);
    if (sp)
        c->sp = sp;
    uint32_t *sl = realloc(c->sl, cap * sizeof *sl);
    if (sl)
        c->sl = sl;
    int64_t *iv = realloc(c->iv, cap * sizeof *iv);
    if (iv)
        c->iv = iv;
    if (!d || !x || !sp || !sl || !iv)
        return -1;
    c->vcap = cap;
    return 0;
}

/* Reads the next page header of the column's chunk and its body; returns
 * the page type, -1 at the chunk's end. */
static int next_page(cg_pqread *r, col *c, int32_t *nvals, cg_err *err, int *rc)
{
    *rc = CG_OK;
    if (c->pos >= c->n)
        return -1;
    cg_tr t = {c->chunk + c->pos, c->chunk + c->n, 0, 0};
    int type;
    int64_t unc, comp;
    if (cg_pq_page_header(&t, &type, &unc, &comp, nvals) || (uint32_t)*nvals > MAX_PAGE_ROWS) {
        *rc = bad(r, err, "a malformed Parquet page header");
        return -1;
    }
    free(c->page);
    c->page = NULL;
    c->page_n = 0;
    *rc = cg_codec_decompress_buf(t.p, (size_t)comp, r->codec, r->path, &c->page, &c->page_n, err);
    if (!*rc && (int64_t)c->page_n != unc)
        *rc = bad(r, err, "a Parquet page decompresses to another size than its header says");
    c->pos = (size_t)(t.p + comp - c->chunk);
    return *rc ? -1 : type;
}

/* Decodes the column's next data page (after its dictionary page, when it
 * starts the chunk). */
static int load_page(cg_pqread *r, col *c, cg_err *err)
{
    int rc;
    int32_t nv;
    int type = next_page(r, c, &nv, err, &rc);
    if (rc)
        return rc;
    if (type == 2) { /* the dictionary: PLAIN strings */
        if (!c->info.dict || nv > 16)
            return bad(r, err, "an unexpected dictionary page");
        const unsigned char *p = (const unsigned char *)c->page, *e = p + c->page_n;
        for (int i = 0; i < nv; i++) {
            if (e - p < 4)
                return bad(r, err, "a truncated dictionary page");
            uint32_t l = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                         (uint32_t)p[3] << 24;
            p += 4;
            if (l > 31 || l > (size_t)(e - p))
                return bad(r, err, "a dictionary value too long");
            memcpy(c->dict[i], p, l);
            c->dlen[i] = (uint8_t)l;
            p += l;
        }
        c->ndict = nv;
        type = next_page(r, c, &nv, err, &rc);
        if (rc)
            return rc;
    }
    if (type != 0)
        return bad(r, err, "a column chunk without the data page it needs");
    if (grow_vals(c, (size_t)nv))
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    const unsigned char *p = (const unsigned char *)c->page, *e = p + c->page_n;
    uint32_t n = (uint32_t)nv, k = n;
    if (c->info.nullable) {
        if (e - p < 4)
            return bad(r, err, "a truncated definition-level block");
        uint32_t l = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[3] << 24;
        p += 4;
        if (l > (size_t)(e - p))
            return bad(r, err, "a truncated definition-level block");
        const unsigned char *q = p;
        if (hybrid(&q, p + l, 1, c->def, n))
            return bad(r, err, "malformed definition levels");
        p += l;
        k = 0;
        for (uint32_t i = 0; i < n; i++)
            k += c->def[i];
    } else {
        memset(c->def, 1, n);
    }
    if (c->info.dict) {
        if (p >= e)
            return bad(r, err, "a truncated dictionary-index block");
        int w = *p++;
        if (w > 8 || hybrid(&p, e, w, c->idx, k))
            return bad(r, err, "malformed dictionary indices");
        for (uint32_t i = 0; i < k; i++)
            if (c->idx[i] >= c->ndict)
                return bad(r, err, "a dictionary index out of range");
    } else if (c->info.physical == 6) {
        for (uint32_t i = 0; i < k; i++) {
            if (e - p < 4)
                return bad(r, err, "a truncated string value");
            uint32_t l = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                         (uint32_t)p[3] << 24;
            p += 4;
            if (l > 64 || l > (size_t)(e - p))
                return bad(r, err, "a string value too long");
            c->sp[i] = p;
            c->sl[i] = l;
            p += l;
        }
    } else {
        size_t w = c->info.physical == 1 ? 4 : 8;
        if ((size_t)(e - p) < w * k)
            return bad(r, err, "a truncated integer block");
        for (uint32_t i = 0; i < k; i++, p += w) {
            uint64_t v = 0;
            for (size_t b = 0; b < w; b++)
                v |= (uint64_t)p[b] << (8 * b);
            c->iv[i] = w == 4 ? (int64_t)(int32_t)(uint32_t)v : (int64_t)v;
        }
    }
    c->nvals = n;
    c->at = 0;
    c->nv = k;
    c->vat = 0;
    return CG_OK;
}

static int open_rg(cg_pqread *r, cg_err *err)
{
    const cg_pq_rg *g = &r->rgs[r->rg];
    for (int k = 0; k < CG_PQ_NCOLS; k++) {
        col *c = &r->c[k];
        const cg_pq_chunk *ch = &g->c[k];
        int64_t first = ch->dict_off >= 0 ? ch->dict_off : ch->data_off;
        unsigned char *b = cg_grow(c->chunk, &c->cap, (size_t)ch->comp, 1);
        if (!b)
            return cg_err_set(err, CG_ERUNTIME, "out of memory");
        c->chunk = b;
        c->n = (size_t)ch->comp;
        c->pos = 0;
        c->nvals = c->at = 0;
        c->ndict = 0;
        CG_TRY(pread_all(r, c->chunk, c->n, (uint64_t)first, err));
    }
    r->rows_left = g->rows;
    r->in_rg = 1;
    return CG_OK;
}

static char *put_i64(char *p, int64_t v)
{
    if (v < 0) {
        *p++ = '-';
        return p + cg_fmt_u64(p, (uint64_t)0 - (uint64_t)v);
    }
    return p + cg_fmt_u64(p, (uint64_t)v);
}

int cg_pqread_line(cg_pqread *r, const char **line, size_t *len, int *has, cg_err *err)
{
    *has = 0;
    if (!r->header_done) {
        r->header_done = 1;
        *line = CG_CDR_HEADER;
        *len = CG_CDR_HEADER_LEN - 1;
        *has = 1;
        return CG_OK;
    }
    while (!r->in_rg || r->rows_left == 0) {
        if (r->in_rg) {
            r->in_rg = 0;
            r->rg++;
        }
        if (r->rg >= r->nrg)
            return CG_OK;
        CG_TRY(open_rg(r, err));
    }
    /* the next page set when the current one is used up */
    if (r->c[0].at == r->c[0].nvals) {
        for (int k = 0; k < CG_PQ_NCOLS; k++) {
            CG_TRY(load_page(r, &r->c[k], err));
            if (r->c[k].nvals != r->c[0].nvals)
                return bad(r, err, "pages not aligned across columns (not a file cdrgen wrote)");
        }
        if (r->c[0].nvals == 0 || r->c[0].nvals > r->rows_left)
            return bad(r, err, "a page holds more rows than its row group");
    }
    char *p = r->line;
    for (int k = 0; k < CG_PQ_NCOLS; k++) {
        col *c = &r->c[k];
        if (k)
            *p++ = ';';
        if (!c->def[c->at++])
            continue;
        uint32_t v = c->vat++;
        if (c->info.dict) {
            memcpy(p, c->dict[c->idx[v]], c->dlen[c->idx[v]]);
            p += c->dlen[c->idx[v]];
        } else if (c->info.physical == 6) {
            memcpy(p, c->sp[v], c->sl[v]);
            p += c->sl[v];
        } else {
            p = put_i64(p, c->iv[v]);
        }
    }
    r->rows_left--;
    *line = r->line;
    *len = (size_t)(p - r->line);
    *has = 1;
    return CG_OK;
}
