/* The run's ground truth (see truth.h). */
#include "gen/truth.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/stop.h"
#include "io/afile.h"
#include "io/cdrfmt.h"
#include "io/layout.h"

#define BUF_BYTES (1 << 16)

static const char *const PLACE[3] = {"none", "work", "school"};

/* Appends "v," or "," (v == UINT64_MAX) at b + n. */
static size_t put_id(char *b, size_t n, uint64_t v)
{
    if (v != UINT64_MAX)
        n += cg_fmt_u64(b + n, v);
    b[n++] = ',';
    return n;
}

/* Appends x >= 0 with 4 decimals and a ',' at b + n: x * 10^4 rounded to
 * the nearest integer, half away from zero (FORMAT.md 6a), without the
 * cost of printf (this file has a row per subscriber). */
static size_t put_fix4(char *b, size_t n, double x)
{
    if (!(x >= 0 && x < 1e14)) { /* never for the model's levels; kept exact anyway */
        n += (size_t)snprintf(b + n, 40, "%.4f,", x);
        return n;
    }
    uint64_t v = (uint64_t)llround(x * 10000.0);
    n += cg_fmt_u64(b + n, v / 10000);
    unsigned f = (unsigned)(v % 10000);
    b[n++] = '.';
    b[n++] = (char)('0' + f / 1000);
    b[n++] = (char)('0' + f / 100 % 10);
    b[n++] = (char)('0' + f / 10 % 10);
    b[n++] = (char)('0' + f % 10);
    b[n++] = ',';
    return n;
}

static size_t put_str(char *b, size_t n, const char *s)
{
    size_t l = strlen(s);
    memcpy(b + n, s, l);
    b[n + l] = ',';
    return n + l + 1;
}

/* One subscriber's row into b (at least 512 bytes free); returns its length. */
static size_t row(const cg_model *m, uint64_t i, char *b)
{
    const cg_people_model *pm = &m->people;
    uint64_t msisdn = m->ids.ctx ? m->ids.msisdn(m->ids.ctx, i) : cg_ident_msisdn(&m->nb, i);
    cg_person p;
    cg_people_person(pm, cg_people_pos(pm, i), &p);
    cg_anchor a;
    cg_people_anchor(pm, &p, &a);
    uint32_t home = cg_cells_serving(m->cells, a.hx, a.hy, -1, NULL);
    uint32_t work = a.has_work ? cg_cells_serving(m->cells, a.wx, a.wy, -1, NULL) : 0;
    uint64_t hb, he;
    cg_people_household(pm, p.pos, &hb, &he);
    (void)he;
    size_t n = cg_fmt_dnum(b, msisdn, 1);
    b[n++] = ',';
    n = put_str(b, n, m->cfg->profiles[p.profile].name);
    for (int k = 0; k < 3; k++)
        n = put_fix4(b, n, p.act[k]);
    n = put_fix4(b, n, p.soc);
    n = put_id(b, n, home);
    n = put_id(b, n, work ? work : UINT64_MAX);
    n = put_str(b, n, PLACE[p.place]);
    n = put_id(b, n, hb);
    /* work places and schools are groups of two different partitions:
     * ids 2g and 2g + 1 keep them apart */
    uint64_t w = cg_people_group(pm, &p, CG_TIE_WORK);
    n = put_id(b, n, w == UINT64_MAX ? w : 2 * w + (p.place == CG_PLACE_SCHOOL));
    n = put_id(b, n, cg_people_group(pm, &p, CG_TIE_HOOD));
    n = put_id(b, n, cg_people_group(pm, &p, CG_TIE_TOWN));
    b[n - 1] = '\n';
    return n;
}

int cg_truth_write(const cg_model *m, uint64_t lo, uint64_t hi, const char *out, int shard,
                   cg_err *err)
{
    cg_path path;
    cg_lay_subscribers(&path, out, shard);
    CG_TRY(cg_path_ok(&path, err));
    cg_afile f;
    CG_TRY(cg_afile_open(&f, path.s, err));
    static _Thread_local char buf[BUF_BYTES];
    size_t n = strlen(CG_SUBSCRIBERS_HEADER);
    memcpy(buf, CG_SUBSCRIBERS_HEADER, n);
    int rc = CG_OK;
    for (uint64_t i = lo; i < hi && !rc; i++) {
        n += row(m, i, buf + n);
        if (n > BUF_BYTES - 512) {
            rc = cg_afile_write(&f, buf, n, err);
            n = 0;
        }
        if ((i & 4095) == 0 && cg_stop_requested())
            rc = cg_err_set(err, CG_ERUNTIME, "interrupted");
    }
    if (!rc && n)
        rc = cg_afile_write(&f, buf, n, err);
    if (!rc)
        rc = cg_afile_commit(&f, 0, err);
    cg_afile_abort(&f);
    return rc;
}
