/* Dispatch of the subscriber-database source and sink to the CSV
 * (db/subcsv) or Arrow (io/arrow) implementation by file extension. */
#include "db/subsource.h"
#include "core/stop.h"

#include <stdlib.h>
#include <string.h>

#include "db/subcsv.h"
#include "io/arrow.h"

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n > m && strcmp(s + n - m, suf) == 0;
}

int cg_subfmt_of(const char *path, int *fmt, cg_err *err)
{
    if (ends_with(path, ".csv"))
        *fmt = CG_SUBFMT_CSV;
    else if (ends_with(path, ".arrow"))
        *fmt = CG_SUBFMT_ARROW;
    else
        return cg_err_set(err, CG_EUSAGE,
                          "%s: unknown subscriber database format (the name must end in .csv or "
                          ".arrow)",
                          path);
    return CG_OK;
}

struct cg_subsrc {
    int fmt;
    cg_subcsv_reader *csv;
    cg_arrow_reader *arrow;
    size_t batch, nbatches;
    uint64_t in_batch, batch_rows;
    uint64_t row;
    uint64_t polls; /* calls of next, for the stop check */
    char *path;
};

int cg_subsrc_open(cg_subsrc **out, const char *path, cg_err *err)
{
    *out = NULL;
    int fmt;
    int rc = cg_subfmt_of(path, &fmt, err);
    if (rc)
        return rc;
    cg_subsrc *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", path);
    }
    s->fmt = fmt;
    if (fmt == CG_SUBFMT_CSV) {
        rc = cg_subcsv_reader_open(&s->csv, path, err);
    } else {
        rc = cg_arrow_reader_open(&s->arrow, path, err);
        if (rc == CG_OK) {
            s->nbatches = cg_arrow_reader_nbatches(s->arrow);
            s->batch_rows = s->nbatches ? cg_arrow_reader_batch_rows(s->arrow, 0) : 0;
        }
    }
    if (rc) {
        free(s->path);
        free(s);
        return rc;
    }
    *out = s;
    return CG_OK;
}

int cg_subsrc_next(cg_subsrc *s, cg_sub_event *ev, int *has, cg_err *err)
{
    /* Every reader of a database (convert, validate, the index build) goes
     * through here: a stop request ends them within 4096 rows. */
    if ((s->polls++ & 4095) == 0 && cg_stop_requested())
        return cg_stop_err(err);
    if (s->fmt == CG_SUBFMT_CSV) {
        int rc = cg_subcsv_reader_next(s->csv, ev, has, err);
        s->row = cg_subcsv_reader_row(s->csv);
        return rc;
    }
    /* skip empty batches */
    while (s->batch < s->nbatches && s->in_batch >= s->batch_rows) {
        s->batch++;
        s->in_batch = 0;
        s->batch_rows = s->batch < s->nbatches ? cg_arrow_reader_batch_rows(s->arrow, s->batch) : 0;
    }
    if (s->batch >= s->nbatches) {
        *has = 0;
        return CG_OK;
    }
    cg_arrow_reader_get(s->arrow, s->batch, s->in_batch++, ev);
    s->row++;
    *has = 1;
    return CG_OK;
}

uint64_t cg_subsrc_row(const cg_subsrc *s)
{
    return s->row;
}

uint64_t cg_subsrc_rows_hint(const cg_subsrc *s)
{
    return s->fmt == CG_SUBFMT_ARROW ? cg_arrow_reader_rows(s->arrow) : 0;
}

const char *cg_subsrc_path(const cg_subsrc *s)
{
    return s->path;
}

void cg_subsrc_close(cg_subsrc *s)
{
    if (!s)
        return;
    cg_subcsv_reader_close(s->csv);
    if (s->arrow)
        cg_arrow_reader_close(s->arrow);
    free(s->path);
    free(s);
}

struct cg_subsink {
    int fmt;
    cg_subcsv_writer *csv;
    cg_arrow_writer *arrow;
};

int cg_subsink_open(cg_subsink **out, const char *path, cg_err *err)
{
    *out = NULL;
    int fmt;
    int rc = cg_subfmt_of(path, &fmt, err);
    if (rc)
        return rc;
    cg_subsink *k = calloc(1, sizeof *k);
    if (!k)
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", path);
    k->fmt = fmt;
    rc = fmt == CG_SUBFMT_CSV ? cg_subcsv_writer_open(&k->csv, path, err)
                              : cg_arrow_writer_open(&k->arrow, path, err);
    if (rc) {
        free(k);
        return rc;
    }
    *out = k;
    return CG_OK;
}

int cg_subsink_add(cg_subsink *k, const cg_sub_event *ev, size_t n, cg_err *err)
{
    return k->fmt == CG_SUBFMT_CSV ? cg_subcsv_writer_add(k->csv, ev, n, err)
                                   : cg_arrow_writer_add(k->arrow, ev, n, err);
}

int cg_subsink_close(cg_subsink *k, cg_err *err)
{
    int rc = k->fmt == CG_SUBFMT_CSV ? cg_subcsv_writer_close(k->csv, err)
                                     : cg_arrow_writer_close(k->arrow, err);
    free(k);
    return rc;
}

void cg_subsink_abort(cg_subsink *k)
{
    if (!k)
        return;
    if (k->fmt == CG_SUBFMT_CSV)
        cg_subcsv_writer_abort(k->csv);
    else
        cg_arrow_writer_abort(k->arrow);
    free(k);
}
