/* Row groups, parts and footers of Parquet output (see pqsink.h). */
#include "gen/pqsink.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

void cg_pqsink_init(cg_pqsink *s, const cg_pq_dicts *d, int codec, uint64_t rotate)
{
    memset(s, 0, sizeof *s);
    s->dicts = d;
    s->codec = codec;
    s->rotate = rotate;
    s->part_unc = sizeof CG_PQ_MAGIC;
}

void cg_pqsink_free(cg_pqsink *s)
{
    for (int k = 0; k < CG_PQ_NCOLS; k++)
        free(s->b[k]);
    free(s->part_rgs);
    free(s->day_rgs);
    cg_tw_free(&s->tw);
    memset(s, 0, sizeof *s);
}

static int oom(cg_err *err)
{
    return cg_err_set(err, CG_ERUNTIME, "out of memory writing Parquet");
}

int cg_pqsink_add(cg_pqsink *s, const unsigned char *z, const cg_pq_set *set, cg_err *err)
{
    for (int k = 0; k < CG_PQ_NCOLS; k++) {
        const cg_pq_page *pg = &set->pg[k];
        unsigned char *b = cg_grow(s->b[k], &s->cap[k], s->len[k] + pg->len, 1);
        if (!b) {
            oom(err);
            return -1;
        }
        s->b[k] = b;
        memcpy(b + s->len[k], z + pg->off, pg->len);
        s->len[k] += pg->len;
        s->unc[k] += pg->unc;
        s->rg_unc += pg->unc;
        s->part_unc += pg->unc;
    }
    s->rows += set->rows;
    if (s->part_unc >= s->rotate)
        return 2;
    return s->rg_unc >= CG_PQS_RG_UNC || s->rows >= CG_PQS_RG_ROWS;
}

static int push(cg_pq_rg **a, size_t *n, size_t *cap, const cg_pq_rg *g, int64_t shift)
{
    cg_pq_rg *t = cg_grow(*a, cap, *n + 1, sizeof *t);
    if (!t)
        return -1;
    *a = t;
    t[*n] = *g;
    cg_pq_rg_shift(&t[(*n)++], shift);
    return 0;
}

int cg_pqsink_flush(cg_pqsink *s, cg_afile *f, uint64_t *pos, int64_t bundle_shift,
                    uint64_t *rows, cg_err *err)
{
    cg_pq_rg g;
    memset(&g, 0, sizeof g);
    g.rows = s->rows;
    for (int k = 0; k < CG_PQ_NCOLS; k++) {
        cg_pq_chunk *c = &g.c[k];
        const cg_pq_dicts *d = s->dicts;
        c->dict_off = -1;
        if (d->len[k]) {
            c->dict_off = (int64_t)*pos;
            CG_TRY(cg_afile_write(f, d->b + d->off[k], d->len[k], err));
            *pos += d->len[k];
            c->unc += d->unc[k];
            c->comp += d->len[k];
            s->part_unc += d->unc[k];
        }
        c->data_off = (int64_t)*pos;
        CG_TRY(cg_afile_write(f, s->b[k], s->len[k], err));
        *pos += s->len[k];
        c->unc += s->unc[k];
        c->comp += (int64_t)s->len[k];
        s->len[k] = 0;
        s->unc[k] = 0;
    }
    *rows = (uint64_t)s->rows;
    s->rows = 0;
    s->rg_unc = 0;
    if (push(&s->part_rgs, &s->npart, &s->part_cap, &g, 0) ||
        push(&s->day_rgs, &s->nday, &s->day_cap, &g, bundle_shift))
        return oom(err);
    return CG_OK;
}

int cg_pqsink_part_footer(cg_pqsink *s, cg_err *err)
{
    cg_tw_reset(&s->tw);
    cg_pq_footer(&s->tw, s->part_rgs, s->npart, s->codec);
    s->npart = 0;
    s->part_unc = sizeof CG_PQ_MAGIC;
    return s->tw.oom ? oom(err) : CG_OK;
}

int cg_pqsink_day_footer(cg_pqsink *s, cg_err *err)
{
    cg_tw_reset(&s->tw);
    cg_pq_footer(&s->tw, s->day_rgs, s->nday, s->codec);
    return s->tw.oom ? oom(err) : CG_OK;
}
