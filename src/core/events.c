/* Events (see events.h; MODEL.md "Events"). */
#include "core/events.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/calendar.h"
#include "core/mem.h"
#include "core/rng.h"

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int site_down(const cg_evinfo *ei, const cg_cells *c, int s)
{
    for (int k = 0; k < c->site_ncells[s]; k++)
        if (cg_ev_has_cell(ei, (uint32_t)(c->site_first[s] + k + 1)))
            return 1;
    return 0;
}

/* An outage's replacement of each of its cells: the nearest site with a
 * working cell of the same RAT, and of it the sector facing the dark
 * site (ties to the lower site). */
static void outage_repl(cg_evinfo *ei, const cg_cells *c)
{
    for (int k = 0; k < ei->ncells; k++) {
        uint32_t id = ei->cells[k];
        int s0 = c->site[id - 1], rat = c->rat[id - 1];
        double x = c->sx[s0], y = c->sy[s0], best = INFINITY;
        int bs = -1;
        for (int s = 0; s < c->nsites; s++) {
            if (!(c->site_ratmask[s] & (1u << rat)) || s == s0)
                continue;
            double d = hypot(c->sx[s] - x, c->sy[s] - y);
            if (d < best && !site_down(ei, c, s)) {
                best = d;
                bs = s;
            }
        }
        ei->repl[k] = bs < 0 ? 0 : cg_cells_sector(c, bs, x, y, rat);
    }
}

int cg_evmodel_init(cg_evmodel *em, const cg_config *cfg, const cg_cells *cells,
                    const cg_people_model *pm, cg_err *err)
{
    memset(em, 0, sizeof *em);
    em->n = cfg->n_events;
    em->seed = cfg->seed;
    em->cells = cells;
    em->pm = pm;
    for (int k = 0; k < em->n; k++) {
        const cg_event *e = &cfg->events[k];
        cg_evinfo *ei = &em->ev[k];
        ei->e = e;
        ei->profile = -1;
        for (int p = 0; p < cfg->n_profiles; p++)
            if (e->profile[0] && !strcmp(cfg->profiles[p].name, e->profile))
                ei->profile = p;
        ei->mult[0] = e->calls;
        ei->mult[1] = e->sms;
        ei->mult[2] = e->data;
        ei->who_share = e->share * (e->gathering > 0 ? e->gathering : 1.0);
        ei->salt = cg_key4(cfg->seed, CG_S_EVENT, (uint64_t)k, 0xe7e7);
        if (e->from_set) {
            ei->a_ms = cg_local_to_utc_ms(e->from_min * 60);
            ei->b_ms = cg_local_to_utc_ms(e->to_min * 60);
        }
        if (e->center_set) {
            ei->area = 1;
            cg_cells_to_plane(cells, e->center_lat, e->center_lon, &ei->x, &ei->y);
            ei->r = e->radius_km;
            ei->home_area = e->gathering <= 0;
            int n = 0;
            for (int c = 0; c < cells->n; c++) {
                int s = cells->site[c];
                n += hypot(cells->sx[s] - ei->x, cells->sy[s] - ei->y) <= ei->r;
            }
            if (!n) {
                /* an area smaller than the sites' spacing (a venue): the
                 * cells that serve its centre, of every RAT */
                int cap = 0, st[3];
                for (int rat = 0; rat < 3; rat++) {
                    int sites[CG_CELLS_KNN];
                    double dk[CG_CELLS_KNN];
                    st[rat] = cg_cells_knn(cells, ei->x, ei->y, rat, sites, dk) ? sites[0] : -1;
                    cap += st[rat] >= 0 ? cells->site_ncells[st[rat]] : 0;
                }
                ei->cells = calloc((size_t)(cap ? cap : 1), sizeof *ei->cells);
                if (!ei->cells)
                    return cg_err_set(err, CG_ERUNTIME, "out of memory");
                for (int rat = 0; rat < 3; rat++)
                    for (int q = 0; st[rat] >= 0 && q < cells->site_ncells[st[rat]]; q++) {
                        uint32_t id = (uint32_t)(cells->site_first[st[rat]] + q + 1);
                        if (cells->rat[id - 1] == rat)
                            ei->cells[ei->ncells++] = id;
                    }
                qsort(ei->cells, (size_t)ei->ncells, sizeof *ei->cells, cmp_u32);
            } else {
                ei->cells = calloc((size_t)n, sizeof *ei->cells);
                if (!ei->cells)
                    return cg_err_set(err, CG_ERUNTIME, "out of memory");
                for (int c = 0; c < cells->n; c++) {
                    int s = cells->site[c];
                    if (hypot(cells->sx[s] - ei->x, cells->sy[s] - ei->y) <= ei->r)
                        ei->cells[ei->ncells++] = (uint32_t)(c + 1);
                }
            }
        } else if (e->n_cells) {
            ei->cells = calloc((size_t)e->n_cells, sizeof *ei->cells);
            if (!ei->cells)
                return cg_err_set(err, CG_ERUNTIME, "out of memory");
            for (int c = 0; c < e->n_cells; c++)
                ei->cells[c] = (uint32_t)e->cells[c];
            ei->ncells = e->n_cells;
            qsort(ei->cells, (size_t)ei->ncells, sizeof *ei->cells, cmp_u32);
        }
        if (e->outage && ei->ncells) {
            ei->repl = malloc(sizeof *ei->repl * (size_t)ei->ncells);
            if (!ei->repl)
                return cg_err_set(err, CG_ERUNTIME, "out of memory");
            outage_repl(ei, cells);
            em->has_outage = 1;
        }
    }
    return CG_OK;
}

void cg_evmodel_free(cg_evmodel *em)
{
    for (int k = 0; k < em->n; k++) {
        free(em->ev[k].cells);
        free(em->ev[k].repl);
        em->ev[k].cells = em->ev[k].repl = NULL;
    }
}

static int on_day(const cg_event *e, int32_t day)
{
    if (e->n_dates) {
        for (int k = 0; k < e->n_dates; k++)
            if (e->dates[k] == day)
                return 1;
        return 0;
    }
    int wd = cg_date_weekday(day); /* 0 Sunday */
    int weekend = wd == 0 || wd == 6;
    if (!strcmp(e->days, "weekdays"))
        return !weekend;
    if (!strcmp(e->days, "weekends"))
        return weekend;
    return 1;
}

/* The share of curve c's weight before t. */
static double cdf_at(const cg_day *c, int64_t t)
{
    if (c->nseg == 0 || !(c->seg[c->nseg - 1].cum > 0))
        return 0;
    double prev = 0;
    for (int k = 0; k < c->nseg; k++) {
        const cg_day_seg *s = &c->seg[k];
        if (t < s->start_ms + s->len_ms) {
            double f = t <= s->start_ms ? 0 : (double)(t - s->start_ms) / (double)s->len_ms;
            return (prev + f * (s->cum - prev)) / c->seg[c->nseg - 1].cum;
        }
        prev = s->cum;
    }
    return 1;
}

static void add_win(cg_evday *ed, int k, int64_t a, int64_t b)
{
    if (a < b && ed->n < CG_EVDAY_MAX)
        ed->w[ed->n++] = (cg_evwin){k, a, b};
}

int cg_evday_build(cg_evday *ed, const cg_evmodel *em, const cg_day *d, const cg_day *curves,
                   int ncurves, cg_err *err)
{
    memset(ed, 0, sizeof *ed);
    if (d->missing)
        return CG_OK;
    for (int k = 0; k < em->n; k++) {
        const cg_evinfo *ei = &em->ev[k];
        const cg_event *e = ei->e;
        /* a gathering's trip home may fall on the next day */
        int64_t lo = d->start_ms - (e->gathering > 0 ? 3600000 : 0);
        if (e->from_set) {
            int64_t a = ei->a_ms, b = ei->b_ms;
            if (b > lo && a < d->end_ms)
                add_win(ed, k, a, b);
            continue;
        }
        for (int32_t day = d->day - 1; day <= d->day; day++) {
            if (!on_day(e, day))
                continue;
            int64_t a, b;
            if (e->hours_set) {
                a = cg_local_to_utc_ms((int64_t)day * 86400 + (int64_t)llround(e->hours[0] * 3600));
                b = cg_local_to_utc_ms((int64_t)day * 86400 + (int64_t)llround(e->hours[1] * 3600));
            } else {
                a = cg_local_to_utc_ms((int64_t)day * 86400);
                b = cg_local_to_utc_ms((int64_t)(day + 1) * 86400);
            }
            if (b > lo && a < d->end_ms)
                add_win(ed, k, a, b);
        }
    }
    for (int w = 0; w < ed->n; w++) {
        const cg_event *e = em->ev[ed->w[w].ev].e;
        ed->rate |= e->calls != 1 || e->sms != 1 || e->data != 1;
        ed->cellfx |= e->outage || e->gathering > 0;
        ed->callfx |= e->fail_share > 0 || e->congestion > 0;
        ed->datafx |= e->congestion > 0;
    }
    if (ed->n && ncurves) {
        ed->ncurves = ncurves;
        ed->F = malloc(sizeof *ed->F * (size_t)(ed->n * ncurves * 2));
        if (!ed->F)
            return cg_err_set(err, CG_ERUNTIME, "out of memory");
        for (int w = 0; w < ed->n; w++)
            for (int c = 0; c < ncurves; c++) {
                ed->F[(w * ncurves + c) * 2] = cdf_at(&curves[c], ed->w[w].a);
                ed->F[(w * ncurves + c) * 2 + 1] = cdf_at(&curves[c], ed->w[w].b);
            }
    }
    return CG_OK;
}

void cg_evday_free(cg_evday *ed)
{
    free(ed->F);
    ed->F = NULL;
    ed->n = 0;
}

double cg_ev_u(const cg_evmodel *em, uint64_t key, int k)
{
    return (double)(cg_mix64(key ^ em->ev[k].salt) >> 11) * 0x1.0p-53;
}

uint64_t cg_ev_who(const cg_evmodel *em, const cg_evday *ed, const cg_person *p)
{
    uint64_t mask = 0, seen = 0;
    int have_anchor = 0;
    cg_anchor an;
    for (int w = 0; w < ed->n; w++) {
        int k = ed->w[w].ev;
        if (seen >> k & 1)
            continue;
        seen |= 1ULL << k;
        const cg_evinfo *ei = &em->ev[k];
        if (ei->profile >= 0 && ei->profile != p->profile)
            continue;
        if (!(cg_ev_u(em, p->pos, k) < ei->who_share))
            continue;
        if (ei->home_area) {
            if (!have_anchor) {
                cg_people_anchor(em->pm, p, &an);
                have_anchor = 1;
            }
            if (hypot(an.hx - ei->x, an.hy - ei->y) > ei->r)
                continue;
        }
        mask |= 1ULL << k;
    }
    return mask;
}

double cg_ev_keep(const cg_evmodel *em, const cg_evday *ed, uint64_t mask, int svc, int64_t t)
{
    double keep = 1;
    for (int w = 0; w < ed->n; w++) {
        const cg_evwin *x = &ed->w[w];
        double m = em->ev[x->ev].mult[svc];
        if (m < 1 && (mask >> x->ev & 1) && t >= x->a && t < x->b)
            keep *= m;
    }
    return keep;
}

int cg_ev_has_cell(const cg_evinfo *ei, uint32_t cell)
{
    if (!ei->ncells)
        return !ei->area; /* an area with no site in it holds no cell */
    return bsearch(&cell, ei->cells, (size_t)ei->ncells, sizeof cell, cmp_u32) != NULL;
}

int cg_ev_attending(const cg_evmodel *em, const cg_evday *ed, uint64_t pos, int profile, int64_t t,
                    int *home)
{
    for (int w = 0; w < ed->n; w++) {
        const cg_evwin *x = &ed->w[w];
        const cg_evinfo *ei = &em->ev[x->ev];
        if (!(ei->e->gathering > 0) || t < x->a || t >= x->b + 3600000)
            continue;
        if (ei->profile >= 0 && ei->profile != profile)
            continue;
        if (!(cg_ev_u(em, pos, x->ev) < ei->who_share))
            continue;
        *home = t >= x->b;
        return x->ev + 1;
    }
    return 0;
}

uint32_t cg_ev_venue_cell(const cg_evmodel *em, int k, uint64_t pos, int rat)
{
    const cg_evinfo *ei = &em->ev[k];
    uint64_t h = cg_mix64(pos ^ ei->salt ^ 0x5eed);
    double u1 = (double)(h >> 40) * 0x1.0p-24, u2 = (double)(h & 0xffffff) * 0x1.0p-24;
    double rr = ei->r * sqrt(u1), a = 6.283185307179586 * u2;
    return cg_cells_serving(em->cells, ei->x + rr * cos(a), ei->y + rr * sin(a), rat, NULL);
}

uint32_t cg_ev_outage(const cg_evmodel *em, const cg_evday *ed, uint32_t cell, int64_t t)
{
    for (int w = 0; w < ed->n; w++) {
        const cg_evwin *x = &ed->w[w];
        const cg_evinfo *ei = &em->ev[x->ev];
        if (!ei->repl || t < x->a || t >= x->b)
            continue;
        uint32_t *p = bsearch(&cell, ei->cells, (size_t)ei->ncells, sizeof cell, cmp_u32);
        if (p)
            return ei->repl[p - ei->cells];
    }
    return cell;
}

/* "YYYY-MM-DDTHH:MM:SS+hh:mm" of UTC ms t in the run's zone. */
static void local_iso(int64_t t, char *out, size_t n)
{
    time_t s = (time_t)(t / 1000);
    struct tm tm;
    localtime_r(&s, &tm);
    int off = (int)(tm.tm_gmtoff / 60), ao = abs(off) % 1440;
    snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", (tm.tm_year + 1900) % 10000,
             (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
             tm.tm_sec % 100, off < 0 ? '-' : '+', ao / 60, ao % 60);
}

char *cg_evday_json(const cg_evmodel *em, const cg_evday *ed, const char *date, size_t *len)
{
    cg_text b = {0};
    int oom = 0;
    oom |= cg_text_add(&b, "{\"date\":\"%s\",\"events\":[", date);
    for (int w = 0; w < ed->n; w++) {
        const cg_evinfo *ei = &em->ev[ed->w[w].ev];
        const cg_event *e = ei->e;
        char a[40], z[40];
        local_iso(ed->w[w].a, a, sizeof a);
        local_iso(ed->w[w].b, z, sizeof z);
        oom |= cg_text_add(&b, "%s\n{\"name\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"from_ms\":%lld,"
               "\"to_ms\":%lld,", w ? "," : "", e->name, a, z, (long long)ed->w[w].a,
               (long long)ed->w[w].b);
        oom |= cg_text_add(&b, "\"who\":{\"share\":%.10g,\"profile\":%s%s%s},", e->share,
               e->profile[0] ? "\"" : "", e->profile[0] ? e->profile : "null",
               e->profile[0] ? "\"" : "");
        oom |= cg_text_add(&b, "\"calls\":%.10g,\"sms\":%.10g,\"data\":%.10g,\"fail_share\":%.10g,"
               "\"fail_cause\":\"%s\",\"congestion\":%.10g,\"outage\":%s,\"gathering\":%.10g,",
               e->calls, e->sms, e->data, e->fail_share, e->fail_cause, e->congestion,
               e->outage ? "true" : "false", e->gathering);
        if (ei->area)
            oom |= cg_text_add(&b, "\"area\":{\"center_lat\":%.10g,\"center_lon\":%.10g,\"radius_km\":%.10g},",
                   e->center_lat, e->center_lon, e->radius_km);
        oom |= cg_text_add(&b, "\"cells\":");
        if (!ei->area && !ei->ncells) {
            oom |= cg_text_add(&b, "null");
        } else {
            oom |= cg_text_add(&b, "[");
            for (int k = 0; k < ei->ncells; k++)
                oom |= cg_text_add(&b, "%s%u", k ? "," : "", ei->cells[k]);
            oom |= cg_text_add(&b, "]");
        }
        if (ei->repl) {
            oom |= cg_text_add(&b, ",\"overflow\":{");
            for (int k = 0; k < ei->ncells; k++)
                oom |= cg_text_add(&b, "%s\"%u\":%u", k ? "," : "", ei->cells[k], ei->repl[k]);
            oom |= cg_text_add(&b, "}");
        }
        oom |= cg_text_add(&b, "}");
    }
    oom |= cg_text_add(&b, "]}\n");
    if (oom) {
        free(b.p);
        return NULL;
    }
    *len = b.n;
    return b.p;
}
