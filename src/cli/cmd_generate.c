/* cdrgen generate: runs the model over every day and subscriber of the
 * shard on N worker threads and writes the part files, stats, bundle and
 * summary of SPEC 4.
 *
 * Pipeline. The shard's subscribers are cut into fixed blocks (the same
 * whatever --workers is). A worker takes the next block, formats its rows,
 * then in block order (1) learns where the part files rotate inside the
 * block, (2) compresses each piece as an independent gzip member / zstd
 * frame, (3) in block order again appends the pieces to the part file and to
 * the day bundle. Only the two ordered steps are serialised; generation and
 * compression run in parallel. Output bytes do not depend on the number of
 * workers. */
#include "cli/commands.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/stop.h"
#include "core/calendar.h"
#include "core/cells.h"
#include "core/synth.h"
#include "core/tzday.h"
#include "db/subindex.h"
#include "io/afile.h"
#include "io/cdrfmt.h"
#include "io/cellsfile.h"
#include "io/codec.h"
#include "io/json.h"
#include "io/merge.h"
#include "io/tzdb.h"

/* Subscribers per block: small enough for ~1 MB of text per worker, large
 * enough that the ordered hand-offs cost nothing. Never derive it from the
 * worker count (it would change the compressed bytes). */
#define BLOCK_SUBS 256

typedef struct piece {
    int part;
    size_t zoff, zlen; /* compressed bytes in the worker's zbuf */
    size_t raw;        /* uncompressed length */
    uint64_t rows;     /* rows in it */
} piece;

/* One block in flight: its text, its compressed pieces. Block b uses slot
 * b % nslots; with two slots per worker a worker that has handed a block
 * over for writing goes on with the next one instead of waiting. */
typedef struct slot {
    char *text;
    size_t text_cap, len;
    char *z;
    size_t z_cap;
    piece *pieces;
    size_t npieces, pieces_cap;
    uint64_t n[3];  /* calls, sms, data of the block */
    uint64_t block; /* block it holds */
    int busy;       /* taken by a block not yet written */
    int ready;      /* compressed, waiting for its turn to be written */
} slot;

typedef struct worker {
    pthread_t th;
    struct run *run;
    cg_recbuf rb;
    cg_cdrfmt fmt;
    cg_codec_ctx *codec;
} worker;

typedef struct run {
    const cg_config *cfg;
    const cg_model *m;
    const cg_dayparams *dp;
    cg_cdrfmt fmt;
    char date[11];
    char daydir[CG_PATH_MAX + 16];
    int shard;
    uint64_t lo, hi, nblocks;
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
    uint64_t run_fp;
    cg_afile part_file;
    cg_afile bundle;
    int bundle_on;
    char *hdr_z;
    size_t hdr_zlen;
    uint64_t counts[3];

    _Atomic uint64_t subs_done, rows_done, raw_bytes;
    _Atomic int failed;
    pthread_mutex_t err_mu;
    cg_err err;
} run;

static void run_fail(run *r, const cg_err *e)
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

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 1;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

static void part_path(const run *r, int part, char *out, size_t cap)
{
    snprintf(out, cap, "%s/cdr_%s_shard%03d_part%03d.csv%s", r->daydir, r->date, r->shard,
             part, cg_codec_ext(r->cfg->codec));
}

/* Formats block b's rows into w->text; returns its length or -1. */
static long gen_block(worker *w, slot *sl, uint64_t b, cg_err *err)
{
    run *r = w->run;
    uint64_t first = r->lo + b * BLOCK_SUBS;
    uint64_t last = first + BLOCK_SUBS < r->hi ? first + BLOCK_SUBS : r->hi;
    size_t len = 0;
    sl->n[0] = sl->n[1] = sl->n[2] = 0;
    for (uint64_t i = first; i < last; i++) {
        if (cg_synth_subscriber(r->m, r->dp, i, &w->rb) != 0 ||
            grow((void **)&sl->text, &sl->text_cap, len + w->rb.n * CG_CDR_MAX_ROW, 1) != 0) {
            cg_err_set(err, CG_ERUNTIME, "out of memory generating subscriber %llu",
                       (unsigned long long)i);
            return -1;
        }
        for (size_t k = 0; k < w->rb.n; k++) {
            const cg_rec *rec = cg_recbuf_at(&w->rb, k);
            len += cg_cdr_format(&w->fmt, rec, sl->text + len);
            sl->n[rec->type]++;
        }
    }
    return (long)len;
}

static int add_piece(slot *sl, int part, size_t raw, uint64_t rows)
{
    if (grow((void **)&sl->pieces, &sl->pieces_cap, sl->npieces + 1, sizeof(piece)))
        return -1;
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
static int cut_block(run *r, slot *sl, size_t len)
{
    uint64_t N = r->cfg->rotate_bytes;
    size_t hdr = CG_CDR_HEADER_LEN;
    size_t pos = 0;
    /* Rows are counted only in pieces cut at a rotation; the last piece has
     * the rest of the block's. */
    uint64_t rows_left = sl->n[0] + sl->n[1] + sl->n[2];
    sl->npieces = 0;
    while (pos < len) {
        uint64_t need = N > r->part_bytes ? N - r->part_bytes : 1;
        if (len - pos < need) {
            if (add_piece(sl, r->part_idx, len - pos, rows_left))
                return -1;
            r->part_bytes += len - pos;
            break;
        }
        const char *nl = memchr(sl->text + pos + need - 1, '\n', len - (pos + need - 1));
        size_t end = (size_t)(nl - sl->text) + 1;
        uint64_t rows = count_rows(sl->text + pos, end - pos);
        rows_left -= rows;
        if (add_piece(sl, r->part_idx, end - pos, rows))
            return -1;
        r->part_idx++;
        r->part_bytes = hdr;
        pos = end;
    }
    return 0;
}

static int compress_pieces(worker *w, slot *sl, cg_err *err)
{
    size_t raw_off = 0, zoff = 0;
    for (size_t k = 0; k < sl->npieces; k++) {
        piece *p = &sl->pieces[k];
        size_t bound = cg_codec_bound(w->codec, p->raw);
        if (grow((void **)&sl->z, &sl->z_cap, zoff + bound, 1))
            return cg_err_set(err, CG_ERUNTIME, "out of memory compressing");
        size_t zn = 0;
        int rc = cg_codec_compress(w->codec, sl->text + raw_off, p->raw, sl->z + zoff,
                                   sl->z_cap - zoff, &zn, err);
        if (rc)
            return rc;
        p->zoff = zoff;
        p->zlen = zn;
        zoff += zn;
        raw_off += p->raw;
    }
    return CG_OK;
}

static int open_part(run *r, int part, cg_err *err)
{
    char path[CG_PATH_MAX + 512];
    part_path(r, part, path, sizeof path);
    if (grow((void **)&r->part_rows, &r->rows_cap, (size_t)part + 1, sizeof *r->part_rows) ||
        grow((void **)&r->part_zbytes, &r->zbytes_cap, (size_t)part + 1, sizeof *r->part_zbytes))
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    r->part_rows[part] = 0;
    r->part_zbytes[part] = 0;
    int rc = cg_afile_open(&r->part_file, path, err);
    if (rc)
        return rc;
    r->open_part = part;
    return cg_afile_write(&r->part_file, r->hdr_z, r->hdr_zlen, err);
}

static int close_part(run *r, cg_err *err)
{
    if (r->open_part < 0)
        return CG_OK;
    r->part_zbytes[r->open_part] = r->part_file.bytes;
    r->open_part = -1;
    r->parts_written++;
    return cg_afile_commit(&r->part_file, 0, err);
}

/* Ordered step 2: appends the pieces to part files and the bundle. */
static int write_pieces(run *r, const slot *sl, cg_err *err)
{
    for (size_t k = 0; k < sl->npieces; k++) {
        const piece *p = &sl->pieces[k];
        int rc;
        if (p->part != r->open_part) {
            if ((rc = close_part(r, err)) || (rc = open_part(r, p->part, err)))
                return rc;
        }
        if ((rc = cg_afile_write(&r->part_file, sl->z + p->zoff, p->zlen, err)))
            return rc;
        r->part_rows[p->part] += p->rows;
        if (r->bundle_on && (rc = cg_afile_write(&r->bundle, sl->z + p->zoff, p->zlen, err)))
            return rc;
    }
    return CG_OK;
}

/* Hands a compressed block over for writing; if nobody is writing, writes
 * it and every following block that is ready, in order. The file I/O runs
 * outside the lock so that other workers can hand their blocks over. */
static int deposit_and_write(run *r, slot *sl, cg_err *err)
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
            pthread_mutex_lock(&r->wr_mu);
            if (rc)
                break;
            for (int t = 0; t < 3; t++)
                r->counts[t] += next->n[t];
            atomic_fetch_add(&r->rows_done, next->n[0] + next->n[1] + next->n[2]);
            atomic_fetch_add(&r->raw_bytes, (uint64_t)next->len);
            uint64_t first = r->lo + next->block * BLOCK_SUBS;
            uint64_t last = first + BLOCK_SUBS < r->hi ? first + BLOCK_SUBS : r->hi;
            atomic_fetch_add(&r->subs_done, last - first);
            next->ready = 0;
            next->busy = 0;
            r->wr_turn++;
            pthread_cond_broadcast(&r->wr_cv);
        }
        r->writing = 0;
    }
    pthread_mutex_unlock(&r->wr_mu);
    return rc;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    run *r = w->run;
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
        if (len < 0)
            goto fail;
        sl->len = (size_t)len;

        pthread_mutex_lock(&r->cut_mu);
        while (r->cut_turn != b && !atomic_load(&r->failed))
            pthread_cond_wait(&r->cut_cv, &r->cut_mu);
        int bad = atomic_load(&r->failed) || cut_block(r, sl, (size_t)len) != 0;
        r->cut_turn++;
        pthread_cond_broadcast(&r->cut_cv);
        pthread_mutex_unlock(&r->cut_mu);
        if (bad) {
            if (atomic_load(&r->failed))
                break;
            cg_err_set(&err, CG_ERUNTIME, "out of memory");
            goto fail;
        }
        if (compress_pieces(w, sl, &err) || deposit_and_write(r, sl, &err))
            goto fail;
    }
    return NULL;
fail:
    run_fail(r, &err);
    return NULL;
}

/* Shard K's stats file in daydir says it is of run (N, fp)? Unreadable,
 * older or damaged stats are not. */
static int stats_of_run(const char *daydir, int k, int N, uint64_t fp)
{
    char path[CG_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/stats_shard%03d.json", daydir, k);
    cg_stats st;
    cg_err e;
    if (cg_merge_read_stats(path, &st, &e) != CG_OK)
        return 0;
    int ours = st.shards == N && st.run == fp;
    cg_stats_free(&st);
    return ours;
}

/* Sharded runs only: removes the files of other shards that are provably
 * of another run: shard J >= N, or whose stats name another shard count or
 * run fingerprint (an unsharded run's, a run with other flags), and only
 * while nobody runs shard J (its lock is free). A shard of this run that is
 * running holds its lock; one that finished has matching stats. So a re-run
 * with other flags never leaves old shards for merge to mix in. */
static int clear_foreign_shards(const char *outdir, const char *daydir, const char *date,
                                int self, int N, uint64_t fp, cg_err *err)
{
    DIR *d = opendir(daydir);
    if (!d)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot open directory", daydir);
    char pre[32];
    int plen = snprintf(pre, sizeof pre, "cdr_%s_shard", date);
    int rc = CG_OK;
    struct dirent *de;
    /* Parts first, stats last: the stats are the evidence the decision is
     * made on (per name, as a listing has no order). */
    for (int pass = 0; pass < 2 && rc == CG_OK; pass++) {
    int last = -1, foreign = 0;
    rewinddir(d);
    while (rc == CG_OK && (de = readdir(d))) {
        const char *n = de->d_name;
        int k = -1, is_stats = 0;
        if (!strncmp(n, "stats_shard", 11) && strlen(n) == 19 && !strcmp(n + 14, ".json"))
            k = atoi(n + 11), is_stats = 1;
        else if (!strncmp(n, pre, (size_t)plen) && strlen(n) > (size_t)plen + 3)
            k = atoi(n + plen);
        if (k < 0 || k == self || is_stats != pass)
            continue;
        if (k != last) {
            last = k;
            foreign = k >= N || !stats_of_run(daydir, k, N, fp);
            if (foreign && k < N) {
                /* no or foreign stats, J < N: foreign only if its stats exist
                 * (a running or killed shard of this run has none yet) */
                char sp[CG_PATH_MAX + 64];
                snprintf(sp, sizeof sp, "%s/stats_shard%03d.json", daydir, k);
                foreign = access(sp, F_OK) == 0;
            }
            if (foreign) {
                char lp[CG_PATH_MAX + 64];
                snprintf(lp, sizeof lp, "%s/.cdrgen.shard%03d.lock", outdir, k);
                int lfd, busy;
                cg_err e;
                if (cg_flock(lp, 1, &lfd, &busy, &e) == CG_OK)
                    close(lfd); /* nobody runs shard k: its files are stale */
                else
                    foreign = 0;
            }
        }
        if (!foreign)
            continue;
        char path[CG_PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", daydir, n);
        if (unlink(path) != 0 && errno != ENOENT)
            rc = cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot remove", path);
    }
    }
    closedir(d);
    return rc;
}

/* Removes a day's earlier outputs (of this shard, or of every shard when
 * not sharded), summary first so the day stops looking complete. */
static int clear_day(const cg_config *cfg, const char *outdir, const char *daydir,
                     const char *date, int shard, uint64_t fp, cg_err *err)
{
    char path[CG_PATH_MAX + 512];
    snprintf(path, sizeof path, "%s/summary.json", daydir);
    if (unlink(path) != 0 && errno != ENOENT)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot remove", path);
    static const char *const exts[] = {"", ".gz", ".zst"};
    for (int k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/cdr_%s.csv%s", outdir, date, exts[k]);
        if (cfg->shard_n == 0 && unlink(path) != 0 && errno != ENOENT)
            return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot remove", path);
    }
    char part_prefix[64], stats_name[64];
    if (cfg->shard_n) {
        snprintf(part_prefix, sizeof part_prefix, "cdr_%s_shard%03d_part", date, shard);
        snprintf(stats_name, sizeof stats_name, "stats_shard%03d.json", shard);
    } else {
        snprintf(part_prefix, sizeof part_prefix, "cdr_%s_shard", date);
        snprintf(stats_name, sizeof stats_name, "stats_shard");
    }
    DIR *d = opendir(daydir);
    if (!d)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot open directory", daydir);
    struct dirent *de;
    int rc = CG_OK;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        int ours = strncmp(n, part_prefix, strlen(part_prefix)) == 0 ||
                   (cfg->shard_n ? strcmp(n, stats_name) == 0
                                 : strncmp(n, stats_name, strlen(stats_name)) == 0);
        if (!ours)
            continue;
        snprintf(path, sizeof path, "%s/%s", daydir, n);
        if (unlink(path) != 0 && errno != ENOENT) {
            rc = cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot remove", path);
            break;
        }
    }
    closedir(d);
    if (rc)
        return rc;
    if (cfg->shard_n &&
        (rc = clear_foreign_shards(outdir, daydir, date, shard, cfg->shard_n, fp, err)))
        return rc;
    return cg_remove_tmp_files(daydir, err);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void progress_line(const run *r, int day_no, int days, double t0, int final)
{
    uint64_t done = atomic_load(&r->subs_done), total = r->hi - r->lo;
    double el = now_s() - t0;
    double mb = (double)atomic_load(&r->raw_bytes) / 1e6;
    double eta = done ? el * (double)(total - done) / (double)done : 0;
    fprintf(stderr, "\r%s [%d/%d] %llu/%llu subscribers, %llu rows, %.0f MB/s, ETA %.0fs   %s",
            r->date, day_no + 1, days, (unsigned long long)done, (unsigned long long)total,
            (unsigned long long)atomic_load(&r->rows_done), el > 0 ? mb / el : 0.0, eta,
            final ? "\n" : "");
    fflush(stderr);
}

static int write_json(const char *path, const char *text, size_t n, cg_err *err)
{
    return cg_write_file_atomic(path, text, n, err);
}

/* Generates one day of the shard. */
static int run_day(const cg_config *cfg, const cg_model *m, int day_index, int nworkers,
                   int progress, uint64_t lo, uint64_t hi, uint64_t run_fp, cg_codec_ctx **codecs,
                   worker *ws, slot *slots, cg_err *err)
{
    cg_dayparams dp;
    int rc = cg_dayparams_init(&dp, m, day_index, err);
    if (rc)
        return rc;
    run *r = calloc(1, sizeof *r);
    if (!r)
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    r->cfg = cfg;
    r->m = m;
    r->dp = &dp;
    cg_cdrfmt_init(&r->fmt, cfg->tz_name);
    cg_date_format(dp.day.day, r->date);
    snprintf(r->daydir, sizeof r->daydir, "%s/%s", cfg->out, r->date);
    r->shard = cfg->shard_n ? cfg->shard_k : 0;
    r->lo = lo;
    r->hi = hi;
    r->run_fp = run_fp;
    r->nblocks = (hi - lo + BLOCK_SUBS - 1) / BLOCK_SUBS;
    r->slots = slots;
    r->nslots = (size_t)nworkers * 2;
    for (size_t k = 0; k < r->nslots; k++)
        slots[k].busy = slots[k].ready = 0;
    r->open_part = -1;
    r->part_file.fd = -1;
    r->bundle.fd = -1;
    size_t hdr = CG_CDR_HEADER_LEN;
    r->part_bytes = hdr;
    pthread_mutex_init(&r->cut_mu, NULL);
    pthread_cond_init(&r->cut_cv, NULL);
    pthread_mutex_init(&r->wr_mu, NULL);
    pthread_cond_init(&r->wr_cv, NULL);
    pthread_mutex_init(&r->err_mu, NULL);
    char path[CG_PATH_MAX + 512];
    int nstarted = 0;

    if ((rc = cg_mkdir_p(r->daydir, err)) ||
        (rc = clear_day(cfg, cfg->out, r->daydir, r->date, r->shard, run_fp, err)))
        goto out;
    r->hdr_z = malloc(cg_codec_bound(codecs[0], hdr));
    if (!r->hdr_z) {
        rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
        goto out;
    }
    if ((rc = cg_codec_compress(codecs[0], CG_CDR_HEADER, hdr, r->hdr_z,
                                cg_codec_bound(codecs[0], hdr), &r->hdr_zlen, err)))
        goto out;
    r->bundle_on = cfg->shard_n == 0;
    if (r->bundle_on) {
        snprintf(path, sizeof path, "%s/cdr_%s.csv%s", cfg->out, r->date, cg_codec_ext(cfg->codec));
        if ((rc = cg_afile_open(&r->bundle, path, err)) ||
            (rc = cg_afile_write(&r->bundle, r->hdr_z, r->hdr_zlen, err)))
            goto out;
    }

    double t0 = now_s();
    for (int k = 0; k < nworkers; k++) {
        ws[k].run = r;
        ws[k].codec = codecs[k];
        ws[k].fmt = r->fmt;
        if (pthread_create(&ws[k].th, NULL, worker_main, &ws[k]) != 0) {
            cg_err e;
            cg_err_set(&e, CG_ERUNTIME, "cannot start worker thread");
            run_fail(r, &e);
            break;
        }
        nstarted++;
    }
    if (progress) {
        /* The main thread only reports; workers signal nothing to it. */
        while (atomic_load(&r->subs_done) < hi - lo && !atomic_load(&r->failed) &&
               !cg_stop_requested()) {
            progress_line(r, day_index, cfg->days, t0, 0);
            struct timespec ts = {0, 250000000};
            nanosleep(&ts, NULL);
        }
    }
    for (int k = 0; k < nstarted; k++)
        pthread_join(ws[k].th, NULL);
    if (progress)
        progress_line(r, day_index, cfg->days, t0, 1);
    if (atomic_load(&r->failed)) {
        *err = r->err;
        rc = err->code ? err->code : CG_ERUNTIME;
        goto out;
    }
    if (cg_stop_requested()) {
        rc = cg_err_set(err, CG_ERUNTIME, "interrupted");
        goto out;
    }
    /* A shard-day without rows still gets one part: its header. */
    if (r->parts_written == 0 && r->open_part < 0 && (rc = open_part(r, 0, err)))
        goto out;
    if ((rc = close_part(r, err)))
        goto out;

    cg_stats st = {r->shard, cfg->shard_n ? cfg->shard_n : 1, {r->counts[0], r->counts[1],
                   r->counts[2]}, r->run_fp, (uint32_t)r->parts_written, r->part_rows, r->part_zbytes};
    size_t jcap = CG_JSON_STATS_MAX(r->parts_written);
    char *sj = malloc(jcap);
    if (!sj) {
        rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
        goto out;
    }
    size_t jn = cg_json_stats(sj, jcap, &st);
    snprintf(path, sizeof path, "%s/stats_shard%03d.json", r->daydir, r->shard);
    rc = jn < jcap ? write_json(path, sj, jn, err) : cg_err_set(err, CG_ERUNTIME, "stats too long");
    free(sj);
    if (rc)
        goto out;
    char json[256];
    if (r->bundle_on) {
        if ((rc = cg_afile_commit(&r->bundle, 0, err)))
            goto out;
        if (cfg->cleanup_after_archive) {
            for (int p = 0; p < r->parts_written; p++) {
                part_path(r, p, path, sizeof path);
                if (unlink(path) != 0) {
                    rc = cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot remove", path);
                    goto out;
                }
            }
        }
        jn = cg_json_summary(json, sizeof json, r->counts[0], r->counts[1], r->counts[2], 1);
        snprintf(path, sizeof path, "%s/summary.json", r->daydir);
        if ((rc = write_json(path, json, jn, err)))
            goto out;
    }
    if (progress >= 0 && cfg->progress != 0) {
        printf("%s: %llu calls, %llu sms, %llu data records\n", r->date,
               (unsigned long long)r->counts[0], (unsigned long long)r->counts[1],
               (unsigned long long)r->counts[2]);
        fflush(stdout);
    }
out:
    cg_afile_abort(&r->part_file);
    cg_afile_abort(&r->bundle);
    free(r->hdr_z);
    free(r->part_rows);
    free(r->part_zbytes);
    pthread_mutex_destroy(&r->cut_mu);
    pthread_cond_destroy(&r->cut_cv);
    pthread_mutex_destroy(&r->wr_mu);
    pthread_cond_destroy(&r->wr_cv);
    pthread_mutex_destroy(&r->err_mu);
    free(r);
    return rc;
}

/* Takes flock(2) lock `mode` on OUT/name into *fd; the lock lasts until the
 * caller closes *fd at the end of the command. Two runs into one directory would
 * interleave files: the second is refused. Shards of one job may run side by
 * side: each holds the directory lock shared and its own shard lock. */
static int take_lock(const char *out, const char *name, int mode, int *fdp, cg_err *err)
{
    char path[CG_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", out, name);
    int busy, rc = cg_flock(path, mode == LOCK_EX, fdp, &busy, err);
    if (rc && busy)
        return cg_err_set(err, CG_ERUNTIME,
                          "%s: another cdrgen run is writing into this directory "
                          "(lock %s is held); wait for it or use another --out",
                          out, path);
    return rc;
}

int cg_cmd_generate(const cg_config *cfg, cg_err *err)
{
    int rc;
    cg_subidx *idx = NULL;
    cg_idsource ids;
    memset(&ids, 0, sizeof ids);
    uint64_t S = cfg->subs;
    if (cfg->subscriber_db[0]) {
        /* The subscribers are the database's MSISDNs in ascending order;
         * an explicit --subs N takes the first N. */
        if ((rc = cg_subidx_open(&idx, cfg->subscriber_db, err)))
            return rc;
        uint64_t count = cg_subidx_count(idx);
        if (count == 0) {
            cg_subidx_close(idx);
            return cg_err_set(err, CG_ERUNTIME, "%s: the database holds no MSISDN",
                              cfg->subscriber_db);
        }
        if (!cfg->subs_set || S > count) {
            if (cfg->subs_set && cfg->progress != 0)
                fprintf(stderr, "cdrgen: warning: --subs %llu but %s has %llu MSISDNs; using all\n",
                        (unsigned long long)S, cfg->subscriber_db, (unsigned long long)count);
            S = count;
        }
        cg_subidx_idsource(idx, &ids);
    }
    if (S == 0) {
        cg_subidx_close(idx);
        return cg_err_set(err, CG_EUSAGE, "--subs: must be at least 1");
    }
    uint64_t lo = 0, hi = S;
    if (cfg->shard_n) {
        if ((uint64_t)cfg->shard_n > S) {
            cg_subidx_close(idx);
            return cg_err_set(err, CG_EUSAGE, "--shard %d/%d: more shards than the %llu subscribers",
                              cfg->shard_k, cfg->shard_n, (unsigned long long)S);
        }
        lo = S * (uint64_t)cfg->shard_k / (uint64_t)cfg->shard_n;
        hi = S * (uint64_t)(cfg->shard_k + 1) / (uint64_t)cfg->shard_n;
    }
    if ((rc = cg_tz_use(cfg->tz_name, err))) {
        cg_subidx_close(idx);
        return rc;
    }
    /* Days with nothing to weigh are known before anything is written: a
     * date the clocks skipped, or one whose weight lies only in a skipped
     * hour, is written with no records (MODEL.md), and said so once. */
    for (int d = 0; d < cfg->days; d++) {
        cg_day day;
        char date[11];
        if ((rc = cg_day_build(&day, cfg->start_day + d, cfg->diurnal_weekday,
                               cfg->diurnal_weekend, err))) {
            cg_subidx_close(idx);
            return rc;
        }
        cg_date_format(day.day, date);
        if (day.start_ms < 0) {
            cg_subidx_close(idx);
            return cg_err_set(err, CG_EUSAGE,
                              "--start: local date %s in time zone %s begins before "
                              "1970-01-01T00:00:00Z (timestamps are never negative); start a day "
                              "later or use another --tz", date, cfg->tz_name);
        }
        if (day.missing)
            fprintf(stderr,
                    "cdrgen: note: local date %s does not exist in time zone %s (the clocks "
                    "skipped it); its files are written with no records\n",
                    date, cfg->tz_name);
        else if (!(day.weight_ratio > 0.0))
            fprintf(stderr,
                    "cdrgen: note: %s has weight only in hours the clocks skip in %s "
                    "(diurnal_%s); its files are written with no records\n",
                    date, cfg->tz_name, day.weekend ? "weekend" : "weekday");
    }

    int nworkers = cfg->workers > 0 ? cfg->workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nworkers < 1)
        nworkers = 1;
    if (nworkers > 256)
        nworkers = 256;

    cg_cells cells;
    memset(&cells, 0, sizeof cells);
    int lock_fd[2] = {-1, -1};
    cg_model m;
    memset(&m, 0, sizeof m);
    cg_codec_ctx **codecs = calloc((size_t)nworkers, sizeof *codecs);
    worker *ws = calloc((size_t)nworkers, sizeof *ws);
    slot *slots = calloc((size_t)nworkers * 2, sizeof *slots);
    if (!codecs || !ws || !slots) {
        rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
        goto out;
    }
    if ((rc = cg_cells_build(&cells, cfg->cells, cfg->center_lat, cfg->center_lon,
                             cfg->radius_km, cfg->seed, err)) ||
        (rc = cg_mkdir_p(cfg->out, err)) ||
        (rc = take_lock(cfg->out, ".cdrgen.lock", cfg->shard_n ? LOCK_SH : LOCK_EX, &lock_fd[0],
                        err)))
        goto out;
    if (cfg->shard_n) {
        char name[64];
        snprintf(name, sizeof name, ".cdrgen.shard%03d.lock", cfg->shard_k);
        if ((rc = take_lock(cfg->out, name, LOCK_EX, &lock_fd[1], err)))
            goto out;
    }
    /* Temporary files of a killed earlier run (a day bundle lives in OUT;
     * parts and stats in the day directories, cleaned per day). */
    if ((rc = cg_remove_tmp_files(cfg->out, err)) || (rc = cg_cells_sync(&cells, cfg->out, err)) ||
        (rc = cg_model_init(&m, cfg, S, &cells, idx ? &ids : NULL, err)))
        goto out;
    int level = cfg->codec_level_set ? cfg->codec_level : 1;
    for (int k = 0; k < nworkers; k++)
        if ((rc = cg_codec_new(&codecs[k], cfg->codec, level, err)))
            goto out;
    int progress = cfg->progress > 0 || (cfg->progress < 0 && isatty(2));
    uint64_t run_fp = cg_config_fingerprint(cfg, S, idx ? cg_subidx_db_hash(idx) : 0, CG_VERSION);
    for (int d = 0; d < cfg->days; d++) {
        if ((rc = run_day(cfg, &m, d, nworkers, progress, lo, hi, run_fp, codecs, ws, slots, err)))
            goto out;
    }
out:
    if (ws)
        for (int k = 0; k < nworkers; k++)
            cg_recbuf_free(&ws[k].rb);
    if (slots)
        for (int k = 0; k < nworkers * 2; k++) {
            free(slots[k].text);
            free(slots[k].z);
            free(slots[k].pieces);
        }
    free(slots);
    if (codecs)
        for (int k = 0; k < nworkers; k++)
            cg_codec_free(codecs[k]);
    free(ws);
    free(codecs);
    cg_model_free(&m);
    cg_cells_free(&cells);
    cg_subidx_close(idx);
    for (int k = 0; k < 2; k++)
        if (lock_fd[k] >= 0)
            close(lock_fd[k]);
    return rc;
}
