/* The generate engine (see engine.h).
 *
 * Threading protocol. The shard's subscribers [lo, hi) are cut into fixed
 * blocks of BLOCK_SUBS (the same whatever --workers is). There are two slots
 * per worker; block b lives in slot b % nslots while it is in flight.
 *
 *   worker k:  take b = next_block++         (atomic; no lock)
 *              wait until slot b % nslots is free (wr_mu / wr_cv)
 *              format block b into the slot  (parallel)
 *              wait for cut_turn == b        (cut_mu / cut_cv)   ordered 1
 *                cut the text at part boundaries, cut_turn++
 *              compress each piece           (parallel)
 *              mark the slot ready           (wr_mu)             ordered 2
 *                if nobody is writing: become the writer and write
 *                block wr_turn, wr_turn+1, ... while they are ready
 *                (file I/O outside the lock), freeing each slot
 *
 *       blocks   0   1   2   3   4   5 ...
 *       format   [k0][k1][k0][k1]...          any order, in parallel
 *       cut      0 -> 1 -> 2 -> 3 ...         strictly in block order
 *       compress [k0][k1][k0][k1]...          any order, in parallel
 *       write    0 -> 1 -> 2 -> 3 ...         strictly in block order, by
 *                                             whichever worker finds the
 *                                             next block ready
 *
 * Only the two ordered steps are serialised. Who writes a block changes
 * from run to run; what is written, and where the parts rotate, does not:
 * the output bytes depend on neither the worker count nor the timing. A
 * failure in any worker sets `failed` and wakes every waiter (run_fail). */
#include "gen/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/calendar.h"
#include "core/cells.h"
#include "core/check.h"
#include "core/mem.h"
#include "core/stop.h"
#include "core/synth.h"
#include "core/tzday.h"
#include "db/subindex.h"
#include "gen/outdir.h"
#include "gen/pqsink.h"
#include "gen/anomaly.h"
#include "gen/fraudrec.h"
#include "gen/truth.h"
#include "io/afile.h"
#include "io/cellsfile.h"
#include "io/codec.h"
#include "io/json.h"
#include "io/layout.h"
#include "io/parquet.h"
#include "io/tzdb.h"

/* Subscribers per block: small enough for ~1 MB of text per worker, large
 * enough that the ordered hand-offs cost nothing. Never derive it from the
 * worker count (it would change the compressed bytes). */
#define BLOCK_SUBS 256
/* Slots per worker: one being formatted or compressed, one waiting to be
 * written. */
#define SLOTS_PER_WORKER 2
/* A Parquet slot keeps page buffers up to this capacity for its next
 * block; a larger one, made for one of the rare heavy blocks, is freed once
 * written. */
#define SLOT_KEEP ((size_t)2 << 20)
/* Rows a slot's text is formatted in at a time (see gen_block). */
#define FMT_RUN 64
/* A block's text is cut and compressed in runs: once the text formatted
 * so far reaches this (before the next run of rows), it is cut at its turn
 * and compressed, and the buffer starts over. So a slot's text buffer has
 * one fixed size, FLUSH_AT + FMT_RUN rows of the widest kind, whatever the
 * block holds; a run ends a gzip member or zstd frame, as a rotation does,
 * and the rows do not change. A typical block (about 0.9 MB) is one run:
 * a run waits for the cut of the block before it, so smaller runs would
 * make the workers wait for each other. */
#define FLUSH_AT ((size_t)1 << 20)
/* A slot's compressed bytes wait for the block's turn to be written in a
 * buffer of fixed size that a typical block's fit (256 subscribers are
 * about 0.9 MB of text, 0.16 MB of gzip or zstd); a run is compressed into
 * the worker's bounce buffer and copied there. A heavy block that would
 * overflow it writes what it has as soon as its turn comes (spill), so
 * memory does not follow the heaviest block of the run. Uncompressed, the
 * buffer holds one run of text (a longer block has been cut in runs, and
 * waits for the block before it anyway). */
#ifndef CG_SLOT_Z
#define SLOT_Z ((size_t)256 << 10)
#else
#define SLOT_Z ((size_t)CG_SLOT_Z)
#endif
/* Parts of a shard-day the stats arrays have room for from the start. */
#define PARTS_MIN 1024
/* Workers at most (--workers is capped here; more buys nothing). */
#define MAX_WORKERS 256
/* Progress is polled this often (ns) by the calling thread. */
#define PROGRESS_NS 250000000L

typedef struct piece {
    int part;
    size_t zoff, zlen; /* compressed bytes in the slot's z */
    size_t raw;        /* uncompressed length */
    uint64_t rows;     /* rows in it */
} piece;

/* One block in flight: its compressed pieces (its text is its worker's
 * while it is formatted and cut, and not needed after). */
typedef struct slot {
    size_t len;
    char *z;        /* SLOT_Z (TEXT_CAP for none) bytes, allocated with the slot */
    size_t z_cap;
    piece *pieces;
    size_t npieces, pieces_cap;
    uint64_t n[3];  /* calls, sms, data of the block */
    uint64_t rows_cut; /* rows of the block already cut (runs before the text's) */
    size_t raw_total;  /* bytes of text of the block cut so far */
    size_t zused;      /* bytes of z holding its compressed pieces */
    cg_pq_out pq;   /* Parquet: the block's page sets */
    cg_text lab; /* anomalies: the block's label lines */
    uint64_t acnt[CG_AN_KINDS];
    uint64_t block; /* block it holds */
    int busy;       /* taken by a block not yet written */
    int ready;      /* compressed, waiting for its turn to be written */
} slot;

typedef struct day_run day_run;

typedef struct worker {
    pthread_t th;
    day_run *run;
    cg_recbuf rb;
    cg_anom_scratch as; /* anomalies */
    void *fmt_state;
    cg_pq_cols *pqc; /* Parquet: the page builder */
    cg_codec_ctx *codec;
    char *text;      /* the block's text being formatted: TEXT_CAP bytes */
    size_t text_cap;
    char *bounce;    /* a run's compressed bytes when they may not fit the slot's z */
    size_t bounce_cap;
} worker;

/* What lives for the whole run: the model, the pool's memory. */
typedef struct engine {
    const cg_config *cfg;
    const cg_outfmt *fmt;
    const cg_gen_hooks *hooks;
    cg_model m;
    uint64_t lo, hi; /* the shard's subscribers */
    uint64_t run_fp;
    int nworkers;
    worker *ws;
    slot *slots;
    cg_codec_ctx **codecs;
    int columnar;      /* Parquet: blocks are page sets, the writer a pqsink */
    int anom;          /* anomalies: configured */
    int kind;          /* of the CDR file names (io/layout) */
    cg_pq_dicts dicts; /* Parquet: the run's dictionary pages */
} engine;

/* One day of the shard. */
struct day_run {
    const engine *e;
    const cg_config *cfg;
    const cg_dayparams *dp;
    const cg_dayparams *dp_prev; /* anomalies: the day before, for late records */
    int day_no;
    char date[11], prev_date[11], next_date[11];
    cg_afile lab_file;           /* anomalies: the day's labels of the shard */
    uint64_t acnt[CG_AN_KINDS];
    cg_path daydir;
    int shard;
    uint64_t nblocks;
    _Atomic uint64_t next_block;

    /* ordered step 1: part boundaries */
    pthread_mutex_t cut_mu;
    pthread_cond_t cut_cv;
    uint64_t cut_turn;
    int part_idx;
    uint64_t part_bytes;

    /* ordered step 2: writing, by whichever worker finds the next block
     * ready and nobody writing */
    pthread_mutex_t wr_mu;
    pthread_cond_t wr_cv;
    uint64_t wr_turn;
    int writing;
    slot *slots;
    size_t nslots;
    int open_part; /* -1: none open */
    int parts_written;
    uint64_t *part_rows, *part_zbytes; /* of each part, for the stats */
    size_t rows_cap, zbytes_cap;
    uint64_t *part_dend; /* Parquet: where each part's footer begins */
    size_t dend_cap;
    cg_pqsink pqs;
    uint64_t bundle_data; /* Parquet: where the open part's data lands in the bundle */
    cg_afile part_file;
    uint64_t part_z;  /* compressed bytes of the open part, header included */
    cg_afile bundle;
    int parts_on;     /* part files are written */
    int bundle_on;    /* a day bundle is written ... */
    int bundle_live;  /* ... from the blocks as they come (layout bundle), else
                       * assembled from the finished parts by the kernel */
    size_t hdr_len;
    char *hdr_z;
    size_t hdr_zlen;
    uint64_t counts[3];

    _Atomic uint64_t subs_done, rows_done, raw_bytes;
    _Atomic int failed;
    pthread_mutex_t err_mu;
    cg_err err;
};

static void run_fail(day_run *r, const cg_err *e)
{
    pthread_mutex_lock(&r->err_mu);
    if (!atomic_load(&r->failed)) {
        r->err = *e;
        atomic_store(&r->failed, 1);
    }
    pthread_mutex_unlock(&r->err_mu);
    /* Wake everyone waiting for a turn that will never come. */
    pthread_mutex_lock(&r->cut_mu);
    pthread_cond_broadcast(&r->cut_cv);
    pthread_mutex_unlock(&r->cut_mu);
    pthread_mutex_lock(&r->wr_mu);
    pthread_cond_broadcast(&r->wr_cv);
    pthread_mutex_unlock(&r->wr_mu);
}

static uint64_t block_subs(const day_run *r, uint64_t b)
{
    uint64_t first = r->e->lo + b * BLOCK_SUBS;
    return (first + BLOCK_SUBS < r->e->hi ? first + BLOCK_SUBS : r->e->hi) - first;
}

static int cut_and_compress(worker *w, slot *sl, uint64_t b, size_t len, int last, cg_err *err);

/* Formats block b's rows into the slot's text, cutting and compressing a
 * run of it whenever it reaches FLUSH_AT; returns the length of the text
 * left, -1 on an error, -2 when the run failed elsewhere. */
static long gen_block(worker *w, slot *sl, uint64_t b, cg_err *err)
{
    day_run *r = w->run;
    const cg_outfmt *fmt = r->e->fmt;
    uint64_t first = r->e->lo + b * BLOCK_SUBS, last = first + block_subs(r, b);
    size_t len = 0;
    sl->n[0] = sl->n[1] = sl->n[2] = 0;
    sl->rows_cut = 0;
    sl->raw_total = 0;
    sl->zused = 0;
    sl->npieces = 0;
    cg_pq_out_clear(&sl->pq);
    sl->lab.n = 0;
    memset(sl->acnt, 0, sizeof sl->acnt);
    for (uint64_t i = first; i < last; i++) {
        if ((r->e->anom && cg_anom_prev(&r->e->m, r->dp_prev, i, &w->rb, &w->as)) ||
            cg_synth_subscriber(&r->e->m, r->dp, i, &w->rb) != 0 ||
            (r->e->anom && cg_anom_apply(&r->e->m, r->dp, i, r->prev_date, r->date, r->next_date,
                                         &w->rb, &w->as, &sl->lab, sl->acnt))) {
            if (w->rb.over_cap)
                cg_err_set(err, CG_ERUNTIME,
                           "subscriber %llu has more than %zu records on %s, the most one "
                           "subscriber-day can hold; lower the avg_*_per_user keys or the "
                           "special_days factors",
                           (unsigned long long)i, CG_RECBUF_MAX, r->date);
            else
                cg_err_set(err, CG_ERUNTIME, "out of memory generating subscriber %llu",
                           (unsigned long long)i);
            return -1;
        }
        if (r->e->columnar) {
            for (size_t k = 0; k < w->rb.n; k++) {
                if (cg_pq_cols_rows(w->pqc) == CG_PQ_PAGE_ROWS &&
                    cg_pq_encode(w->pqc, w->codec, &sl->pq, err))
                    return -1;
                cg_pq_add(w->pqc, cg_recbuf_at(&w->rb, k), sl->n);
            }
            cg_recbuf_trim(&w->rb, CG_RECBUF_KEEP);
            continue;
        }
        /* Rows in runs of at most FMT_RUN (worst case max_row each) while
         * the text is under FLUSH_AT, then the text is cut and compressed
         * and starts over: the text buffer (FLUSH_AT + FMT_RUN rows) never
         * grows, whatever the block or a subscriber-day holds. */
        for (size_t k = 0; k < w->rb.n;) {
            if (len >= FLUSH_AT) {
                int rc = cut_and_compress(w, sl, b, len, 0, err);
                if (rc)
                    return rc > 0 ? -2 : -1;
                len = 0;
            }
            size_t fit = (w->text_cap - len) / fmt->max_row, left = w->rb.n - k;
            CG_ASSERT(fit >= FMT_RUN);
            size_t to = k + (fit < left ? fit : left);
            len += fmt->rows(w->fmt_state, &w->rb, k, to, w->text + len, sl->n);
            k = to;
        }
        cg_recbuf_trim(&w->rb, CG_RECBUF_KEEP);
    }
    return (long)len;
}

static int add_piece(slot *sl, int part, size_t raw, uint64_t rows)
{
    piece *p = cg_grow(sl->pieces, &sl->pieces_cap, sl->npieces + 1, sizeof *p);
    if (!p)
        return -1;
    sl->pieces = p;
    sl->pieces[sl->npieces++] = (piece){part, 0, 0, raw, rows};
    return 0;
}

static uint64_t count_rows(const char *p, size_t n)
{
    uint64_t k = 0;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
        k++;
    return k;
}

/* Ordered step 1: splits the block's text at the rows where the current
 * part reaches --rotate-bytes (header included). */
static int cut_block(day_run *r, slot *sl, const char *text, size_t len, uint64_t rows_left)
{
    uint64_t N = r->cfg->rotate_bytes;
    size_t pos = 0;
    /* Rows are counted only in pieces cut at a rotation; the last piece has
     * the rest of the text's (rows_left). */
    while (pos < len) {
        uint64_t need = N > r->part_bytes ? N - r->part_bytes : 1;
        if (len - pos < need) {
            if (add_piece(sl, r->part_idx, len - pos, rows_left))
                return -1;
            r->part_bytes += len - pos;
            break;
        }
        /* Every row ends in '\n' and the text ends with a row: a newline is
         * found at or after any byte of it. */
        const char *nl = memchr(text + pos + need - 1, '\n', len - (pos + need - 1));
        CG_ASSERT(nl != NULL);
        size_t end = (size_t)(nl - text) + 1;
        uint64_t rows = count_rows(text + pos, end - pos);
        rows_left -= rows;
        if (add_piece(sl, r->part_idx, end - pos, rows))
            return -1;
        r->part_idx++;
        r->part_bytes = r->hdr_len;
        pos = end;
    }
    return 0;
}

static int write_range(day_run *r, const slot *sl, size_t from, size_t to, cg_err *err);
static int write_piece(day_run *r, const piece *p, const char *bytes, cg_err *err);

/* The slot's compressed pieces [0, upto) written ahead of the block's end
 * (its z is full), and then, when extra is not NULL, piece upto's zn bytes
 * from extra (a run too large for even an empty z): once every earlier
 * block is written, the worker takes the writer's turn for them, and the
 * pieces after them move to the front. 0, 1 when the run failed
 * elsewhere, -1 with err set. */
static int spill(worker *w, slot *sl, size_t upto, const char *extra, size_t zn, cg_err *err)
{
    day_run *r = w->run;
    pthread_mutex_lock(&r->wr_mu);
    while ((r->wr_turn != sl->block || r->writing) && !atomic_load(&r->failed))
        pthread_cond_wait(&r->wr_cv, &r->wr_mu);
    int failed = atomic_load(&r->failed);
    if (!failed)
        r->writing = 1;
    pthread_mutex_unlock(&r->wr_mu);
    if (failed)
        return 1;
    int rc = write_range(r, sl, 0, upto, err);
    if (!rc && extra) {
        sl->pieces[upto].zlen = zn;
        rc = write_piece(r, &sl->pieces[upto], extra, err);
        upto++;
    }
    pthread_mutex_lock(&r->wr_mu);
    r->writing = 0;
    pthread_cond_broadcast(&r->wr_cv);
    pthread_mutex_unlock(&r->wr_mu);
    if (rc)
        return -1;
    memmove(sl->pieces, sl->pieces + upto, (sl->npieces - upto) * sizeof *sl->pieces);
    sl->npieces -= upto;
    sl->zused = 0;
    return 0;
}

/* Compresses pieces [first, npieces), whose text starts the slot's text,
 * after the block's earlier compressed pieces: into the slot's z where the
 * codec's bound fits, else into the worker's bounce buffer and then, when
 * the bytes do not fit either, after a spill of the earlier pieces. 0, 1
 * when the run failed elsewhere, -1 with err set. */
static int compress_pieces(worker *w, slot *sl, size_t first, cg_err *err)
{
    size_t raw_off = 0;
    for (size_t k = first; k < sl->npieces; k++) {
        piece *p = &sl->pieces[k];
        size_t bound = cg_codec_bound(w->codec, p->raw), zn = 0;
        const char *text = w->text + raw_off;
        raw_off += p->raw;
        if (sl->zused + bound > sl->z_cap && bound <= sl->z_cap &&
            cg_codec_codec(w->codec) == CG_CODEC_NONE) { /* the copy fits after a spill */
            int rc = spill(w, sl, k, NULL, 0, err);
            if (rc)
                return rc;
            k = 0;
            p = &sl->pieces[0];
        }
        if (sl->zused + bound <= sl->z_cap) {
            if (cg_codec_compress(w->codec, text, p->raw, sl->z + sl->zused,
                                  sl->z_cap - sl->zused, &zn, err))
                return -1;
        } else {
            CG_ASSERT(bound <= w->bounce_cap);
            if (cg_codec_compress(w->codec, text, p->raw, w->bounce, w->bounce_cap, &zn, err))
                return -1;
            if (zn > sl->z_cap) {
                /* more than even an empty z holds (text that hardly
                 * compresses): written from the bounce buffer, with the
                 * pieces before it, at the block's turn */
                int rc = spill(w, sl, k, w->bounce, zn, err);
                if (rc)
                    return rc;
                k = (size_t)-1; /* the next piece is now the first */
                continue;
            }
            if (sl->zused + zn > sl->z_cap) {
                int rc = spill(w, sl, k, NULL, 0, err);
                if (rc)
                    return rc;
                k = 0;
                p = &sl->pieces[0];
            }
            memcpy(sl->z + sl->zused, w->bounce, zn);
        }
        p->zoff = sl->zused;
        p->zlen = zn;
        sl->zused += zn;
    }
    return 0;
}

/* The block's text so far, len bytes: waits for the block's turn, cuts it
 * (ordered step 1; with last, the turn passes on), then compresses the new
 * pieces. 0, 1 when the run failed elsewhere, -1 with err set. */
static int cut_and_compress(worker *w, slot *sl, uint64_t b, size_t len, int last, cg_err *err)
{
    day_run *r = w->run;
    size_t first = sl->npieces;
    uint64_t rows = sl->n[0] + sl->n[1] + sl->n[2] - sl->rows_cut;
    pthread_mutex_lock(&r->cut_mu);
    while (r->cut_turn != b && !atomic_load(&r->failed))
        pthread_cond_wait(&r->cut_cv, &r->cut_mu);
    int failed = atomic_load(&r->failed);
    int bad = !failed && cut_block(r, sl, w->text, len, rows) != 0;
    if (last || failed || bad) {
        r->cut_turn++;
        pthread_cond_broadcast(&r->cut_cv);
    }
    pthread_mutex_unlock(&r->cut_mu);
    if (failed)
        return 1;
    if (bad) {
        cg_err_set(err, CG_ERUNTIME, "out of memory");
        return -1;
    }
    sl->rows_cut += rows;
    sl->raw_total += len;
    return compress_pieces(w, sl, first, err);
}

static int open_part(day_run *r, int part, cg_err *err)
{
    cg_path path;
    cg_lay_part(&path, r->daydir.s, r->date, r->shard, part, r->e->kind);
    CG_TRY(cg_path_ok(&path, err));
    /* room for PARTS_MIN parts from the first (a day of 100 GB at the
     * default rotation), more only beyond */
    uint64_t *rows = cg_grow_min(r->part_rows, &r->rows_cap, (size_t)part + 1, sizeof *rows,
                                 PARTS_MIN);
    if (rows)
        r->part_rows = rows;
    uint64_t *zb = cg_grow_min(r->part_zbytes, &r->zbytes_cap, (size_t)part + 1, sizeof *zb,
                               PARTS_MIN);
    if (zb)
        r->part_zbytes = zb;
    uint64_t *de = cg_grow_min(r->part_dend, &r->dend_cap, (size_t)part + 1, sizeof *de,
                               PARTS_MIN);
    if (de)
        r->part_dend = de;
    if (!rows || !zb || !de)
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    r->part_rows[part] = 0;
    r->part_zbytes[part] = 0;
    r->open_part = part;
    r->part_z = r->hdr_zlen;
    if (!r->parts_on) /* layout bundle: the part is a run of the bundle's members */
        return CG_OK;
    /* the day directory was cleared of stale temporary files (day_open) */
    CG_TRY(cg_afile_open_fresh(&r->part_file, path.s, err));
    return cg_afile_write(&r->part_file, r->hdr_z, r->hdr_zlen, err);
}

static int close_part(day_run *r, cg_err *err)
{
    if (r->open_part < 0)
        return CG_OK;
    r->part_zbytes[r->open_part] = r->part_z;
    r->open_part = -1;
    r->parts_written++;
    return r->parts_on ? cg_afile_commit(&r->part_file, 0, err) : CG_OK;
}

/* Parquet: the open part's footer; the part is complete. */
static int pq_close_part(day_run *r, cg_err *err)
{
    uint64_t dend = r->part_z;
    CG_TRY(cg_pqsink_part_footer(&r->pqs, err));
    if (r->parts_on)
        CG_TRY(cg_afile_write(&r->part_file, r->pqs.tw.p, r->pqs.tw.len, err));
    r->part_z += r->pqs.tw.len;
    r->part_dend[r->open_part] = dend;
    r->bundle_data += dend - sizeof CG_PQ_MAGIC;
    return close_part(r, err);
}

/* Parquet: the open row group written (to the part, or to the bundle when
 * it is the only file), and the part closed after it when it is full. */
static int pq_flush(day_run *r, int close, cg_err *err)
{
    if (r->open_part < 0)
        CG_TRY(open_part(r, r->parts_written, err));
    uint64_t rows = 0;
    cg_afile *f = r->parts_on ? &r->part_file : &r->bundle;
    CG_TRY(cg_pqsink_flush(&r->pqs, f, &r->part_z,
                           (int64_t)r->bundle_data - (int64_t)sizeof CG_PQ_MAGIC, &rows, err));
    r->part_rows[r->open_part] += rows;
    return close ? pq_close_part(r, err) : CG_OK;
}

/* Parquet's ordered step 2: the block's page sets into row groups. */
static int write_sets(day_run *r, const slot *sl, cg_err *err)
{
    for (size_t k = 0; k < sl->pq.nsets; k++) {
        int want = cg_pqsink_add(&r->pqs, sl->pq.z, &sl->pq.sets[k], err);
        if (want < 0)
            return CG_ERUNTIME;
        if (want)
            CG_TRY(pq_flush(r, want == 2, err));
    }
    return CG_OK;
}

/* Ordered step 2: appends pieces [from, to) to the part files, or to the
 * bundle when it is the only file. Each byte is written once. */
static int write_piece(day_run *r, const piece *p, const char *bytes, cg_err *err)
{
    if (p->part != r->open_part) {
        CG_TRY(close_part(r, err));
        CG_TRY(open_part(r, p->part, err));
    }
    cg_afile *f = r->parts_on ? &r->part_file : &r->bundle;
    CG_TRY(cg_afile_write(f, bytes, p->zlen, err));
    r->part_z += p->zlen;
    r->part_rows[p->part] += p->rows;
    return CG_OK;
}

static int write_range(day_run *r, const slot *sl, size_t from, size_t to, cg_err *err)
{
    for (size_t k = from; k < to; k++)
        CG_TRY(write_piece(r, &sl->pieces[k], sl->z + sl->pieces[k].zoff, err));
    return CG_OK;
}

static int write_pieces(day_run *r, const slot *sl, cg_err *err)
{
    if (r->e->columnar)
        return write_sets(r, sl, err);
    return write_range(r, sl, 0, sl->npieces, err);
}

/* Layout both: the bundle is the header member and every part after its
 * header member, copied file to file by the kernel (as `merge` does), so
 * the compressed bytes leave user space once. */
static int assemble_bundle(day_run *r, cg_err *err)
{
    CG_TRY(cg_afile_write(&r->bundle, r->hdr_z, r->hdr_zlen, err));
    char *buf = NULL;
    int rc = CG_OK;
    for (int p = 0; p < r->parts_written && !rc; p++) {
        cg_path path;
        cg_lay_part(&path, r->daydir.s, r->date, r->shard, p, r->e->kind);
        if ((rc = cg_path_ok(&path, err)))
            break;
        int fd = open(path.s, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            rc = cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot open", path.s);
            break;
        }
        /* a Parquet part's row groups, without its footer */
        uint64_t end = r->e->columnar ? r->part_dend[p] : r->part_zbytes[p];
        rc = cg_afile_append_range(&r->bundle, fd, path.s, (off_t)r->hdr_zlen,
                                   end - r->hdr_zlen, &buf, err);
        close(fd);
    }
    free(buf);
    return rc;
}

/* Frees a written Parquet slot's page buffer beyond SLOT_KEEP (the writer
 * owns the slot until it marks it free); CSV slots have fixed buffers. */
static void slot_trim(slot *sl)
{
    if (sl->pq.zcap > SLOT_KEEP) {
        free(sl->pq.z);
        sl->pq.z = NULL;
        sl->pq.zcap = 0;
    }
}

/* Hands a compressed block over for writing; if nobody is writing, writes
 * it and every following block that is ready, in order. The file I/O runs
 * outside the lock so that other workers can hand their blocks over. */
static int deposit_and_write(day_run *r, slot *sl, cg_err *err)
{
    int rc = CG_OK;
    pthread_mutex_lock(&r->wr_mu);
    sl->ready = 1;
    if (!r->writing) {
        r->writing = 1;
        for (;;) {
            slot *next = &r->slots[r->wr_turn % r->nslots];
            if (atomic_load(&r->failed) || !next->ready || next->block != r->wr_turn)
                break;
            pthread_mutex_unlock(&r->wr_mu);
            rc = write_pieces(r, next, err);
            if (!rc && r->e->anom && next->lab.n)
                rc = cg_afile_write(&r->lab_file, next->lab.p, next->lab.n, err);
            slot_trim(next);
            pthread_mutex_lock(&r->wr_mu);
            if (rc)
                break;
            for (int t = 0; t < 3; t++)
                r->counts[t] += next->n[t];
            for (int t = 0; t < CG_AN_KINDS; t++)
                r->acnt[t] += next->acnt[t];
            atomic_fetch_add(&r->rows_done, next->n[0] + next->n[1] + next->n[2]);
            atomic_fetch_add(&r->raw_bytes, (uint64_t)next->len);
            atomic_fetch_add(&r->subs_done, block_subs(r, next->block));
            next->ready = 0;
            next->busy = 0;
            r->wr_turn++;
            pthread_cond_broadcast(&r->wr_cv);
        }
        r->writing = 0;
        pthread_cond_broadcast(&r->wr_cv); /* a spill may wait for the pen */
    }
    pthread_mutex_unlock(&r->wr_mu);
    return rc;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    day_run *r = w->run;
    cg_err err;
    cg_err_clear(&err);
    for (;;) {
        uint64_t b = atomic_fetch_add(&r->next_block, 1);
        if (b >= r->nblocks || atomic_load(&r->failed))
            break;
        if (cg_stop_requested()) {
            cg_err_set(&err, CG_ERUNTIME, "interrupted");
            goto fail;
        }
        /* Wait until the slot's previous block has been written. */
        slot *sl = &r->slots[b % r->nslots];
        pthread_mutex_lock(&r->wr_mu);
        while (sl->busy && !atomic_load(&r->failed))
            pthread_cond_wait(&r->wr_cv, &r->wr_mu);
        sl->busy = 1;
        sl->ready = 0;
        sl->block = b;
        pthread_mutex_unlock(&r->wr_mu);
        if (atomic_load(&r->failed))
            break;

        long len = gen_block(w, sl, b, &err);
        if (len == -2)
            break;
        if (len < 0)
            goto fail;
        if (r->e->columnar) {
            /* the block's last page set; no cut: the writer forms row
             * groups and parts from page sets as they come */
            if (cg_pq_encode(w->pqc, w->codec, &sl->pq, &err))
                goto fail;
            size_t unc = 0;
            for (size_t k = 0; k < sl->pq.nsets; k++)
                for (int c = 0; c < CG_PQ_NCOLS; c++)
                    unc += sl->pq.sets[k].pg[c].unc;
            sl->len = unc;
        } else {
            int rc = cut_and_compress(w, sl, b, (size_t)len, 1, &err);
            if (rc > 0)
                break;
            if (rc < 0)
                goto fail;
            sl->len = sl->raw_total;
        }
        if (deposit_and_write(r, sl, &err))
            goto fail;
    }
    return NULL;
fail:
    run_fail(r, &err);
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void report_progress(const day_run *r, double t0, int final)
{
    const cg_gen_hooks *h = r->e->hooks;
    if (!h || !h->progress)
        return;
    cg_gen_progress p = {r->date,
                         r->day_no,
                         r->cfg->days,
                         atomic_load(&r->subs_done),
                         r->e->hi - r->e->lo,
                         atomic_load(&r->rows_done),
                         atomic_load(&r->raw_bytes),
                         now_s() - t0,
                         final};
    h->progress(h->ctx, &p);
}

/* Day set-up before the workers start: the day directory cleared of an
 * earlier run's files, the compressed header, the bundle opened. */
static int day_open(day_run *r, cg_err *err)
{
    const cg_config *cfg = r->cfg;
    CG_TRY(cg_path_ok(&r->daydir, err));
    CG_TRY(cg_mkdir_p(r->daydir.s, err));
    CG_TRY(cg_outdir_clear_day(cfg, r->daydir.s, r->date, r->shard, r->e->run_fp, err));
    const char *hdr = r->e->fmt->header;
    size_t bound = cg_codec_bound(r->e->codecs[0], r->hdr_len);
    r->hdr_z = malloc(bound > sizeof CG_PQ_MAGIC ? bound : sizeof CG_PQ_MAGIC);
    if (!r->hdr_z)
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    if (r->e->columnar) { /* a Parquet file begins with its magic */
        memcpy(r->hdr_z, CG_PQ_MAGIC, sizeof CG_PQ_MAGIC);
        r->hdr_zlen = sizeof CG_PQ_MAGIC;
        r->bundle_data = sizeof CG_PQ_MAGIC;
        cg_pqsink_init(&r->pqs, &r->e->dicts, cfg->codec, cfg->rotate_bytes);
    } else {
        CG_TRY(cg_codec_compress(r->e->codecs[0], hdr, r->hdr_len, r->hdr_z, bound,
                                 &r->hdr_zlen, err));
    }
    if (r->e->anom) { /* the labels, written as the blocks are */
        cg_path lp;
        cg_lay_labels(&lp, r->daydir.s, cfg->shard_n ? r->shard : -1);
        CG_TRY(cg_path_ok(&lp, err));
        CG_TRY(cg_afile_open(&r->lab_file, lp.s, err));
        CG_TRY(cg_afile_write(&r->lab_file, CG_ANOM_HEADER, strlen(CG_ANOM_HEADER), err));
    }
    r->bundle_on = cfg->shard_n == 0 && cfg->layout != CG_LAYOUT_PARTS;
    r->bundle_live = r->bundle_on && cfg->layout == CG_LAYOUT_BUNDLE;
    r->parts_on = !r->bundle_live;
    if (r->bundle_on) {
        cg_path path;
        cg_lay_bundle(&path, cfg->out, r->date, r->e->kind);
        CG_TRY(cg_path_ok(&path, err));
        CG_TRY(cg_afile_open(&r->bundle, path.s, err));
        if (r->bundle_live)
            CG_TRY(cg_afile_write(&r->bundle, r->hdr_z, r->hdr_zlen, err));
    }
    return CG_OK;
}

/* Runs the workers over the day's blocks; the calling thread reports
 * progress meanwhile. */
static int day_work(day_run *r, cg_err *err)
{
    const engine *e = r->e;
    int nstarted = 0;
    double t0 = now_s();
    for (int k = 0; k < e->nworkers; k++) {
        worker *w = &e->ws[k];
        w->run = r;
        w->codec = e->codecs[k];
        if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
            cg_err fe;
            cg_err_set(&fe, CG_ERUNTIME, "cannot start worker thread");
            run_fail(r, &fe);
            break;
        }
        nstarted++;
    }
    if (e->hooks && e->hooks->progress) {
        /* The calling thread only reports; workers signal nothing to it. */
        while (atomic_load(&r->subs_done) < e->hi - e->lo && !atomic_load(&r->failed) &&
               !cg_stop_requested()) {
            report_progress(r, t0, 0);
            struct timespec ts = {0, PROGRESS_NS};
            nanosleep(&ts, NULL);
        }
    }
    for (int k = 0; k < nstarted; k++)
        pthread_join(e->ws[k].th, NULL);
    report_progress(r, t0, 1);
    if (atomic_load(&r->failed)) {
        *err = r->err;
        return err->code ? err->code : CG_ERUNTIME;
    }
    if (cg_stop_requested())
        return cg_err_set(err, CG_ERUNTIME, "interrupted");
    return CG_OK;
}

/* After the workers: the last part closed, the stats, the bundle and (when
 * not sharded) the summary, in that order, so that a day looks complete
 * only when it is. */
static int day_finish(day_run *r, cg_err *err)
{
    const cg_config *cfg = r->cfg;
    if (r->e->columnar) {
        /* the last row group; a shard-day without rows still gets one
         * part: a Parquet file of no row groups */
        if (r->pqs.rows)
            CG_TRY(pq_flush(r, 1, err));
        if (r->parts_written == 0 && r->open_part < 0)
            CG_TRY(open_part(r, 0, err));
        if (r->open_part >= 0)
            CG_TRY(pq_close_part(r, err));
    } else {
        /* A shard-day without rows still gets one part: its header. */
        if (r->parts_written == 0 && r->open_part < 0)
            CG_TRY(open_part(r, 0, err));
        CG_TRY(close_part(r, err));
    }

    if (r->e->anom)
        CG_TRY(cg_afile_commit(&r->lab_file, 0, err));
    if (r->dp->ed.n) { /* the label of the day's events (FORMAT.md "events.json") */
        size_t en;
        char *ej = cg_evday_json(&r->e->m.ev, &r->dp->ed, r->date, &en);
        if (!ej)
            return cg_err_set(err, CG_ERUNTIME, "out of memory");
        cg_path ep;
        cg_lay_join(&ep, r->daydir.s, "events.json");
        int erc = cg_path_ok(&ep, err);
        if (!erc)
            erc = cg_write_file_atomic(ep.s, ej, en, err);
        free(ej);
        CG_TRY(erc);
    }
    cg_stats st = {r->shard, cfg->shard_n ? cfg->shard_n : 1,
                   {r->counts[0], r->counts[1], r->counts[2]}, r->e->run_fp,
                   (uint32_t)r->parts_written, r->part_rows, r->part_zbytes, r->e->anom, {0}};
    _Static_assert(CG_STATS_ANOM == CG_AN_KINDS, "anomaly kinds");
    memcpy(st.anom, r->acnt, sizeof st.anom);
    size_t jcap = CG_JSON_STATS_MAX(r->parts_written);
    char *sj = malloc(jcap);
    if (!sj)
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    size_t jn = cg_json_stats(sj, jcap, &st);
    cg_path path;
    cg_lay_stats(&path, r->daydir.s, r->shard);
    int rc = cg_path_ok(&path, err);
    if (!rc)
        rc = jn < jcap ? cg_write_file_atomic(path.s, sj, jn, err)
                       : cg_err_set(err, CG_ERUNTIME, "stats too long");
    free(sj);
    if (rc || cfg->shard_n) /* a shard's day is complete once merged */
        return rc;
    if (r->bundle_on) {
        if (!r->bundle_live)
            CG_TRY(assemble_bundle(r, err));
        if (r->e->columnar) {
            CG_TRY(cg_pqsink_day_footer(&r->pqs, err));
            CG_TRY(cg_afile_write(&r->bundle, r->pqs.tw.p, r->pqs.tw.len, err));
        }
        CG_TRY(cg_afile_commit(&r->bundle, 0, err));
    }
    if (cfg->cleanup_after_archive && r->parts_on && r->bundle_on) {
        for (int p = 0; p < r->parts_written; p++) {
            cg_lay_part(&path, r->daydir.s, r->date, r->shard, p, r->e->kind);
            CG_TRY(cg_path_ok(&path, err));
            if (unlink(path.s) != 0)
                return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot remove", path.s);
        }
    }
    char json[512];
    jn = cg_json_summary_anom(json, sizeof json, r->counts[0], r->counts[1], r->counts[2], 1,
                              r->e->anom ? r->acnt : NULL);
    cg_lay_summary(&path, r->daydir.s);
    CG_TRY(cg_path_ok(&path, err));
    return cg_write_file_atomic(path.s, json, jn, err);
}

/* Generates one day of the shard. */
static int run_day(engine *e, int day_index, cg_err *err)
{
    const cg_config *cfg = e->cfg;
    cg_dayparams dp;
    CG_TRY(cg_dayparams_init(&dp, &e->m, day_index, err));
    day_run *r = calloc(1, sizeof *r);
    if (!r) {
        cg_dayparams_free(&dp);
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    }
    r->e = e;
    r->cfg = cfg;
    r->dp = &dp;
    r->day_no = day_index;
    cg_date_format(dp.day.day, r->date);
    cg_date_format(dp.day.day - 1, r->prev_date);
    cg_date_format(dp.day.day + 1, r->next_date);
    cg_lay_daydir(&r->daydir, cfg->out, r->date);
    r->lab_file.fd = -1;
    cg_dayparams dpl; /* anomalies: the day before, whose late records come today */
    int have_dpl = 0;
    if (e->anom && (cfg->anom.late > 0 || cfg->anom.wrong_day > 0)) {
        int rc0 = cg_dayparams_init(&dpl, &e->m, day_index - 1, err);
        if (rc0) {
            free(r);
            cg_dayparams_free(&dp);
            return rc0;
        }
        have_dpl = 1;
        r->dp_prev = &dpl;
    }
    r->shard = cfg->shard_n ? cfg->shard_k : 0;
    r->nblocks = (e->hi - e->lo + BLOCK_SUBS - 1) / BLOCK_SUBS;
    r->slots = e->slots;
    r->nslots = (size_t)e->nworkers * SLOTS_PER_WORKER;
    for (size_t k = 0; k < r->nslots; k++)
        e->slots[k].busy = e->slots[k].ready = 0;
    r->open_part = -1;
    r->part_file.fd = -1;
    r->bundle.fd = -1;
    r->hdr_len = strlen(e->fmt->header);
    r->part_bytes = r->hdr_len;
    pthread_mutex_init(&r->cut_mu, NULL);
    pthread_cond_init(&r->cut_cv, NULL);
    pthread_mutex_init(&r->wr_mu, NULL);
    pthread_cond_init(&r->wr_cv, NULL);
    pthread_mutex_init(&r->err_mu, NULL);

    int rc = day_open(r, err);
    if (!rc)
        rc = day_work(r, err);
    if (!rc)
        rc = day_finish(r, err);
    if (!rc && e->hooks && e->hooks->day_done)
        e->hooks->day_done(e->hooks->ctx, r->date, r->counts);

    cg_afile_abort(&r->part_file);
    cg_afile_abort(&r->bundle);
    cg_afile_abort(&r->lab_file);
    if (have_dpl)
        cg_dayparams_free(&dpl);
    free(r->hdr_z);
    free(r->part_rows);
    free(r->part_zbytes);
    free(r->part_dend);
    cg_pqsink_free(&r->pqs);
    pthread_mutex_destroy(&r->cut_mu);
    pthread_cond_destroy(&r->cut_cv);
    pthread_mutex_destroy(&r->wr_mu);
    pthread_cond_destroy(&r->wr_cv);
    pthread_mutex_destroy(&r->err_mu);
    free(r);
    cg_dayparams_free(&dp);
    return rc;
}

static void note(const cg_gen_hooks *h, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(const cg_gen_hooks *h, const char *kind, const char *fmt, ...)
{
    if (!h || !h->note)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    h->note(h->ctx, kind, msg);
}

/* The subscribers of the run: the database's MSISDNs in ascending order
 * (an explicit --subs N takes the first N), or --subs synthetic ones. */
static int open_subscribers(const cg_config *cfg, const cg_gen_hooks *hooks, cg_subidx **idx,
                            cg_idsource *ids, uint64_t *S, cg_err *err)
{
    *S = cfg->subs;
    if (cfg->subscriber_db[0]) {
        CG_TRY(cg_subidx_open(idx, cfg->subscriber_db, err));
        uint64_t count = cg_subidx_count(*idx);
        if (count == 0)
            return cg_err_set(err, CG_ERUNTIME, "%s: the database holds no MSISDN",
                              cfg->subscriber_db);
        if (!cfg->subs_set || *S > count) {
            if (cfg->subs_set)
                note(hooks, "warning", "--subs %llu but %s has %llu MSISDNs; using all",
                     (unsigned long long)*S, cfg->subscriber_db, (unsigned long long)count);
            *S = count;
        }
        cg_subidx_idsource(*idx, ids);
    }
    if (*S == 0)
        return cg_err_set(err, CG_EUSAGE, "--subs: must be at least 1");
    return CG_OK;
}

/* Days with nothing to weigh are known before anything is written: a date
 * the clocks skipped, or one whose weight lies only in a skipped hour, is
 * written with no records (MODEL.md), and said so once. A day that begins
 * before the epoch is refused. */
static int check_days(const cg_config *cfg, const cg_gen_hooks *hooks, cg_err *err)
{
    for (int d = 0; d < cfg->days; d++) {
        cg_day day;
        char date[11];
        CG_TRY(cg_day_build(&day, cfg->start_day + d, cfg->diurnal_weekday,
                            cfg->diurnal_weekend, err));
        cg_date_format(day.day, date);
        if (day.start_ms < 0)
            return cg_err_set(err, CG_EUSAGE,
                              "--start: local date %s in time zone %s begins before "
                              "1970-01-01T00:00:00Z (timestamps are never negative); start a "
                              "day later or use another --tz",
                              date, cfg->tz_name);
        if (day.missing)
            note(hooks, "note",
                 "local date %s does not exist in time zone %s (the clocks skipped it); its "
                 "files are written with no records",
                 date, cfg->tz_name);
        else if (!(day.weight_ratio > 0.0))
            note(hooks, "note",
                 "%s has weight only in hours the clocks skip in %s (diurnal_%s); its files "
                 "are written with no records",
                 date, cfg->tz_name, day.weekend ? "weekend" : "weekday");
    }
    return CG_OK;
}

static int engine_alloc(engine *e, cg_err *err)
{
    int n = e->nworkers;
    e->codecs = calloc((size_t)n, sizeof *e->codecs);
    e->ws = calloc((size_t)n, sizeof *e->ws);
    e->slots = calloc((size_t)n * SLOTS_PER_WORKER, sizeof *e->slots);
    if (!e->codecs || !e->ws || !e->slots)
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    int level = e->cfg->codec_level_set ? e->cfg->codec_level : 1;
    /* The model's memos: workers beyond two share the memory of two (each
     * memo at 1/div of its full size), so that memory does not grow with
     * --workers; the output never depends on them. */
    int div = 1;
    while (div < 8 && 2 * div < n)
        div *= 2;
    for (int k = 0; k < n; k++) {
        e->ws[k].rb.memo_div = div;
        CG_TRY(cg_codec_new(&e->codecs[k], e->cfg->codec, level, err));
        e->ws[k].fmt_state = calloc(1, e->fmt->state_size);
        if (!e->ws[k].fmt_state)
            return cg_err_set(err, CG_ERUNTIME, "out of memory");
        e->fmt->init(e->ws[k].fmt_state, e->cfg);
        if (e->columnar)
            CG_TRY(cg_pq_cols_new(&e->ws[k].pqc, e->cfg->tz_name, err));
    }
    if (e->columnar)
        return cg_pq_dicts_build(&e->dicts, e->codecs[0], e->cfg->tz_name, err);
    /* CSV: every worker's text and every slot's compressed buffer, once, at
     * fixed sizes */
    size_t tcap = FLUSH_AT + FMT_RUN * e->fmt->max_row;
    size_t zcap = e->cfg->codec == CG_CODEC_NONE ? tcap : SLOT_Z;
    for (int k = 0; k < n; k++) {
        e->ws[k].text = malloc(tcap + 1);
        if (!e->ws[k].text)
            return cg_err_set(err, CG_ERUNTIME, "out of memory");
        e->ws[k].text_cap = tcap;
        if (e->cfg->codec != CG_CODEC_NONE) {
            e->ws[k].bounce_cap = cg_codec_bound(e->codecs[k], tcap);
            if (!(e->ws[k].bounce = malloc(e->ws[k].bounce_cap)))
                return cg_err_set(err, CG_ERUNTIME, "out of memory");
        }
    }
    for (int k = 0; k < n * SLOTS_PER_WORKER; k++) {
        slot *sl = &e->slots[k];
        if (!(sl->z = malloc(zcap)))
            return cg_err_set(err, CG_ERUNTIME, "out of memory");
        sl->z_cap = zcap;
    }
    return CG_OK;
}

static void engine_free(engine *e)
{
    if (e->ws)
        for (int k = 0; k < e->nworkers; k++) {
            cg_recbuf_free(&e->ws[k].rb);
            cg_anom_scratch_free(&e->ws[k].as);
            free(e->ws[k].fmt_state);
            free(e->ws[k].text);
            free(e->ws[k].bounce);
            cg_pq_cols_free(e->ws[k].pqc);
        }
    if (e->slots)
        for (int k = 0; k < e->nworkers * SLOTS_PER_WORKER; k++) {
            free(e->slots[k].lab.p);
            free(e->slots[k].z);
            free(e->slots[k].pieces);
            cg_pq_out_free(&e->slots[k].pq);
        }
    if (e->codecs)
        for (int k = 0; k < e->nworkers; k++)
            cg_codec_free(e->codecs[k]);
    free(e->slots);
    free(e->ws);
    free(e->codecs);
    cg_pq_dicts_free(&e->dicts);
    cg_model_free(&e->m);
}

int cg_gen_run(const cg_config *cfg, const cg_outfmt *fmt, const cg_gen_hooks *hooks,
               cg_err *err)
{
    cg_subidx *idx = NULL;
    cg_idsource ids;
    memset(&ids, 0, sizeof ids);
    uint64_t S = 0;
    int rc = open_subscribers(cfg, hooks, &idx, &ids, &S, err);
    if (rc) {
        cg_subidx_close(idx);
        return rc;
    }
    engine e;
    memset(&e, 0, sizeof e);
    e.cfg = cfg;
    e.fmt = fmt;
    e.hooks = hooks;
    e.columnar = cfg->out_format == CG_FMT_PARQUET;
    e.anom = cg_anom_on(&cfg->anom);
    e.kind = cg_lay_kind(cfg->out_format, cfg->codec);
    e.lo = 0;
    e.hi = S;
    if (cfg->shard_n) {
        if ((uint64_t)cfg->shard_n > S) {
            cg_subidx_close(idx);
            return cg_err_set(err, CG_EUSAGE, "--shard %d/%d: more shards than the %llu subscribers",
                              cfg->shard_k, cfg->shard_n, (unsigned long long)S);
        }
        e.lo = S * (uint64_t)cfg->shard_k / (uint64_t)cfg->shard_n;
        e.hi = S * (uint64_t)(cfg->shard_k + 1) / (uint64_t)cfg->shard_n;
    }
    if ((rc = cg_tz_use(cfg->tz_name, err)) || (rc = check_days(cfg, hooks, err))) {
        cg_subidx_close(idx);
        return rc;
    }
    e.nworkers = cfg->workers > 0 ? cfg->workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (e.nworkers < 1)
        e.nworkers = 1;
    if (e.nworkers > MAX_WORKERS)
        e.nworkers = MAX_WORKERS;

    cg_cells cells;
    memset(&cells, 0, sizeof cells);
    int lock_fd[2] = {-1, -1};
    if ((rc = engine_alloc(&e, err)) ||
        (rc = cg_cells_build_areas(&cells, cfg->cells, cfg->center_lat, cfg->center_lon,
                                   cfg->radius_km, cfg->areas, cfg->n_areas, cfg->seed, err)) ||
        (rc = cg_mkdir_p(cfg->out, err)) || (rc = cg_outdir_lock(cfg, lock_fd, err)))
        goto out;
    /* Temporary files of a killed earlier run (a day bundle lives in OUT;
     * parts and stats in the day directories, cleaned per day). */
    if ((rc = cg_remove_tmp_files(cfg->out, err)) || (rc = cg_cells_sync(&cells, cfg->out, err)) ||
        (rc = cg_model_init(&e.m, cfg, S, &cells, idx ? &ids : NULL, err)))
        goto out;
    e.run_fp = cg_config_fingerprint(cfg, S, idx ? cg_subidx_db_hash(idx) : 0, CG_VERSION);
    /* the ground truth first: a run stopped later still says who is who */
    if ((rc = cg_truth_write(&e.m, e.lo, e.hi, cfg->out, cfg->shard_n ? cfg->shard_k : -1, err)) ||
        (rc = cg_fraud_labels_write(&e.m, e.lo, e.hi, cfg->out, cfg->shard_n ? cfg->shard_k : -1,
                                    err)))
        goto out;
    if (e.m.fr.on)
        e.m.post = cg_fraudrec_post;
    for (int d = 0; d < cfg->days && rc == CG_OK; d++)
        rc = run_day(&e, d, err);
out:
    engine_free(&e);
    cg_cells_free(&cells);
    cg_subidx_close(idx);
    for (int k = 0; k < 2; k++)
        if (lock_fd[k] >= 0)
            close(lock_fd[k]);
    return rc;
}
