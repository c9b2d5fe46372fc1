/* cdrgen report (see report.h; the definitions are MODEL.md "Report"). */
#include "report/report.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/calendar.h"
#include "core/mem.h"
#include "core/rng.h"
#include "core/stop.h"
#include "io/cdrread.h"
#include "io/codec.h"
#include "io/layout.h"
#include "io/merge.h"
#include "report/social.h"

#define EARTH_KM 6371.0088
#define PI 3.14159265358979323846
/* An implausible move: farther than this, faster than that. */
#define MOVE_MIN_KM 5.0
#define MOVE_MAX_KMH 300.0
/* Subscribers counted in a figure need this much. */
#define MIN_RECORDS 10
#define MIN_NIGHTS 3

typedef struct cc {
    uint32_t cell, n;
} cc;

typedef struct hist {
    cc *v;
    size_t n, cap;
} hist;

typedef struct sub {
    uint64_t msisdn, recs;
    double sx, sy, sz;
    hist cells, night, wd;
    uint32_t *nights;
    size_t nn, capn;
    int64_t last_t;
    uint32_t last_cell;
    int has_last;
    rs_sub rs;
} sub;

/* A cell of cells.csv: its position (and unit vector on the sphere),
 * site and area. */
typedef struct rcell {
    double lat, lon, ux, uy, uz;
    int site, area;
} rcell;

typedef struct catalog {
    int n;
    rcell *cell;
    size_t cap;
    int nareas;
    char areas[64][32];
} catalog;

typedef struct state {
    catalog cat;
    uint64_t sample;
    sub *subs;
    size_t nsubs;
    uint64_t *keys; /* open addressing: msisdn + 1, 0 free */
    uint32_t *idx;
    size_t kcap;
    cg_report *rep;
    rs_state rs;
    int day;          /* index of the day being read in rep->day_*, -1 past the cap */
    int dayi;         /* index of the day being read */
    cg_frep_state *fr; /* fraud and churn labels, NULL: none */
    int day_off_seen; /* a UTC offset was seen on the day: day_off */
    int day_off;
} state;

static int hist_add(hist *h, uint32_t cell)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->v[i].cell == cell) {
            h->v[i].n++;
            return 0;
        }
    cc *v = cg_grow(h->v, &h->cap, h->n + 1, sizeof *v);
    if (!v)
        return -1;
    h->v = v;
    h->v[h->n++] = (cc){cell, 1};
    return 0;
}

static uint32_t hist_mode(const hist *h)
{
    uint32_t best = 0, bn = 0;
    for (size_t i = 0; i < h->n; i++)
        if (h->v[i].n > bn || (h->v[i].n == bn && h->v[i].cell < best)) {
            bn = h->v[i].n;
            best = h->v[i].cell;
        }
    return best;
}

static double hav_km(const catalog *c, uint32_t a, uint32_t b)
{
    if (!a || !b || a > (uint32_t)c->n || b > (uint32_t)c->n)
        return 0;
    double p1 = c->cell[a - 1].lat * PI / 180, p2 = c->cell[b - 1].lat * PI / 180;
    double dl = (c->cell[b - 1].lon - c->cell[a - 1].lon) * PI / 180;
    double h = sin((p2 - p1) / 2) * sin((p2 - p1) / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
    return 2 * EARTH_KM * asin(sqrt(h > 1 ? 1 : h));
}

/* A decimal field, at most 18 digits read (no overflow on any input). */
static int64_t num(const char *s, size_t n)
{
    int neg = n && s[0] == '-';
    int64_t v = 0;
    for (size_t i = (size_t)neg, k = 0; i < n && k < 18 && s[i] >= '0' && s[i] <= '9'; i++, k++)
        v = v * 10 + (s[i] - '0');
    return neg ? -v : v;
}

static int load_catalog(catalog *c, const char *out_dir, cg_err *err)
{
    cg_path p;
    cg_lay_join(&p, out_dir, "cells.csv");
    CG_TRY(cg_path_ok(&p, err));
    cg_cdrread *r;
    CG_TRY(cg_cdrread_open(&r, p.s, err));
    int rc = CG_OK, first = 1;
    for (;;) {
        const char *l;
        size_t n;
        int has;
        if ((rc = cg_cdrread_line(r, &l, &n, &has, err)) || !has)
            break;
        if (first) {
            first = 0;
            continue;
        }
        /* cell_id,lat,lon,rat[,site_id,azimuth,area,lac] */
        char buf[256];
        size_t m = n < sizeof buf - 1 ? n : sizeof buf - 1;
        memcpy(buf, l, m);
        buf[m] = 0;
        char *f[8] = {0};
        int nf = 0;
        for (char *s = buf; nf < 8 && s; nf++) {
            f[nf] = s;
            s = strchr(s, ',');
            if (s)
                *s++ = 0;
        }
        if (nf < 4)
            continue;
        rcell *g = cg_grow(c->cell, &c->cap, (size_t)c->n + 1, sizeof *g);
        if (!g) {
            rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
            break;
        }
        c->cell = g;
        size_t i = (size_t)c->n;
        c->cell[i].lat = atof(f[1]);
        c->cell[i].lon = atof(f[2]);
        double la = c->cell[i].lat * PI / 180, lo = c->cell[i].lon * PI / 180;
        c->cell[i].ux = cos(la) * cos(lo);
        c->cell[i].uy = cos(la) * sin(lo);
        c->cell[i].uz = sin(la);
        c->cell[i].site = nf > 4 ? atoi(f[4]) : (int)i + 1;
        int a = 0;
        if (nf > 6) {
            for (a = 0; a < c->nareas && strcmp(c->areas[a], f[6]); a++)
                ;
            if (a == c->nareas && c->nareas < 64)
                snprintf(c->areas[c->nareas++], sizeof c->areas[0], "%s", f[6]);
            if (a >= 64)
                a = 63;
        } else if (c->nareas == 0) {
            c->nareas = 1;
        }
        c->cell[i].area = a;
        c->n++;
    }
    cg_cdrread_close(r);
    return rc;
}

static sub *sampled(state *st, uint64_t msisdn)
{
    if (cg_mix64(msisdn ^ 0x5eed) % st->sample != 0)
        return NULL;
    uint64_t k = msisdn + 1;
    size_t i = (size_t)(cg_mix64(msisdn) & (st->kcap - 1));
    while (st->keys[i] && st->keys[i] != k)
        i = (i + 1) & (st->kcap - 1);
    if (st->keys[i])
        return &st->subs[st->idx[i]];
    if (st->nsubs == CG_REPORT_MAX_SAMPLE) {
        st->rep->sample_capped = 1;
        return NULL;
    }
    st->keys[i] = k;
    st->idx[i] = (uint32_t)st->nsubs;
    sub *s = &st->subs[st->nsubs++];
    memset(s, 0, sizeof *s);
    s->msisdn = msisdn;
    return s;
}

/* A row's ';' fields, found in one pass. */
typedef struct rowf {
    const char *f[24];
    size_t len[24];
    int nf;
} rowf;

static void split_row(rowf *r, const char *s, size_t n)
{
    const char *e = s + n, *p = s;
    r->nf = 0;
    while (r->nf < 24) {
        const char *q = memchr(p, ';', (size_t)(e - p));
        r->f[r->nf] = p;
        r->len[r->nf++] = (size_t)((q ? q : e) - p);
        if (!q)
            break;
        p = q + 1;
    }
}

/* Field k of the row (NULL when it has fewer), its length in *len. */
static const char *fld(const rowf *r, int k, size_t *len)
{
    if (k >= r->nf)
        return NULL;
    *len = r->len[k];
    return r->f[k];
}

/* The index of s[0..n) in names[0..k), or -1. */
static int which(const char *s, size_t n, const char *const *names, int k)
{
    for (int i = 0; s && i < k; i++)
        if (strlen(names[i]) == n && !memcmp(s, names[i], n))
            return i;
    return -1;
}

/* Bin of v in log10 steps of 1/per decade from 10^lo; -1 below. */
static int log_bin(double v, double lo, double per)
{
    if (!(v > 0))
        return -1;
    double b = floor((log10(v) - lo) * per);
    if (b < 0)
        return -1;
    return b >= CG_REPORT_LOG_BINS ? CG_REPORT_LOG_BINS - 1 : (int)b;
}

static const char *const CAUSES[] = {"normalRelease", "noAnswer", "busy", "failure",
                                     "deliverySuccess", "deliveryFailure"};
static const char *const RATS[] = {"WCDMA", "LTE", "NR"};
static const char *const APNS[] = {"internet", "ims", "mms"};
static const char *const RECTYPES[] = {"mscVoiceRecord", "sgsnSMORecord", "sgsnSMTRecord",
                                       "sgsnPDPRecord", "pgwRecord"};
static const char *const STATUSES[] = {"SENT", "DELIVERED", "FAILED"};

/* The series every row counts in: hour of day, day, mix, distributions. */
static void count_row(state *st, const rowf *rf, int type, int64_t t, int off_min)
{
    cg_report *rep = st->rep;
    int64_t ls = t / 1000 + off_min * 60;
    int64_t lday = ls >= 0 ? ls / 86400 : (ls - 86399) / 86400;
    int hour = (int)((ls - lday * 86400) / 3600);
    int wd = (int)((lday % 7 + 7 + 4) % 7); /* 0 Sunday; 1970-01-01 was a Thursday */
    rep->hourly[wd == 0 || wd == 6][type][hour < 0 ? 0 : hour > 23 ? 23 : hour]++;
    if (st->day >= 0) {
        rep->day_n[st->day][type]++;
        if (st->day_off_seen && off_min != st->day_off)
            rep->day_dst[st->day] = 1;
        st->day_off_seen = 1;
        st->day_off = off_min;
    }
    size_t k1 = 0, k2 = 0;
    const char *a = fld(rf, 14, &k1);
    int c = which(a, k1, CAUSES, 6);
    if (c >= 0)
        rep->mix_cause[c]++;
    a = fld(rf, 13, &k1);
    if ((c = which(a, k1, RECTYPES, 5)) >= 0)
        rep->mix_rectype[c]++;
    if (type == 1) {
        a = fld(rf, 16, &k1);
        if ((c = which(a, k1, STATUSES, 3)) >= 0)
            rep->mix_status[c]++;
    }
    if (type == 2) {
        a = fld(rf, 21, &k1);
        if ((c = which(a, k1, RATS, 3)) >= 0)
            rep->mix_rat[c]++;
        a = fld(rf, 20, &k1);
        if ((c = which(a, k1, APNS, 3)) >= 0)
            rep->mix_apn[c]++;
        const char *in = fld(rf, 17, &k1), *out = fld(rf, 18, &k2);
        double v = (double)(in ? num(in, k1) : 0) + (double)(out ? num(out, k2) : 0);
        int b = log_bin(v, 0, 5);
        if (b >= 0)
            rep->vol_hist[b]++;
    } else if (type == 0) {
        const char *cause = fld(rf, 14, &k1), *dur = fld(rf, 8, &k2);
        if (cause && k1 == 13 && !memcmp(cause, "normalRelease", 13) && dur) {
            int64_t d = num(dur, k2);
            int b = log_bin((double)d, 0, 10);
            if (b >= 0)
                rep->dur_hist[b]++;
            else
                rep->dur_zero++;
        }
    }
}

/* A row for the fraud and churn figures (report/fraudrep.h). */
static int fraud_row(state *st, const rowf *rf, char type, int mt, int64_t own, int64_t t,
                     int64_t off, int64_t cell, cg_err *err)
{
    cg_frep_row r;
    memset(&r, 0, sizeof r);
    size_t k = 0;
    const char *a;
    r.owner = (uint64_t)own;
    r.type = type == 'C' ? 0 : type == 'S' ? 1 : 2;
    r.mo = !mt;
    if ((a = fld(rf, mt ? 1 : 2, &k)) && k)
        r.other = (uint64_t)num(a, k);
    if ((a = fld(rf, 10, &k)) && k)
        r.imsi = (uint64_t)num(a, k);
    if ((a = fld(rf, 8, &k)) && k)
        r.dur_s = num(a, k);
    a = fld(rf, 14, &k);
    r.answered = r.type == 0 && a && k == 13 && !memcmp(a, "normalRelease", 13);
    r.t_ms = t;
    r.off_min = (int)(off < -1440 ? -1440 : off > 1440 ? 1440 : off);
    r.day = st->dayi;
    r.site = -1;
    if (cell >= 1 && cell <= st->cat.n && st->cat.cell) {
        const rcell *c = &st->cat.cell[cell - 1];
        r.site = c->site;
        r.lat = c->lat;
        r.lon = c->lon;
    }
    if (cg_frep_add(st->fr, &r))
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    return CG_OK;
}

static int take_row(state *st, const char *l, size_t n, cg_err *err)
{
    cg_report *rep = st->rep;
    rep->rows++;
    rep->calls += l[0] == 'C';
    rep->sms += l[0] == 'S';
    rep->data += l[0] == 'D';
    rowf rf;
    split_row(&rf, l, n);
    size_t dl = 0, tl = 0, ol = 0, cl = 0, ml = 0;
    const char *dir = fld(&rf, 3, &dl);
    const char *own = dir && dl == 2 && dir[1] == 'T' ? fld(&rf, 2, &ml) : fld(&rf, 1, &ml);
    const char *ts = fld(&rf, 4, &tl), *off = fld(&rf, 7, &ol), *cell = fld(&rf, 12, &cl);
    if (ts && off && (l[0] == 'C' || l[0] == 'S' || l[0] == 'D')) {
        int64_t ov0 = num(off, ol);
        count_row(st, &rf, l[0] == 'C' ? 0 : l[0] == 'S' ? 1 : 2, num(ts, tl),
                  (int)(ov0 < -1440 ? -1440 : ov0 > 1440 ? 1440 : ov0));
    }
    if (st->fr && own && ml && ts && off)
        CG_TRY(fraud_row(st, &rf, l[0], dir && dl == 2 && dir[1] == 'T', num(own, ml), num(ts, tl),
                         num(off, ol), cell ? num(cell, cl) : 0, err));
    if (!own || !ts || !off || !cell || !ml)
        return CG_OK;
    sub *s = sampled(st, (uint64_t)num(own, ml));
    if (!s)
        return CG_OK;
    int64_t cv = num(cell, cl);
    if (cv < 1 || cv > st->cat.n || !st->cat.cell)
        return CG_OK;
    uint32_t c = (uint32_t)cv;
    int64_t t = num(ts, tl);
    if (l[0] == 'C' || l[0] == 'S') {
        size_t el = 0, ul = 0, kl = 0, ol2 = 0;
        int mo = !(dir && dl == 2 && dir[1] == 'T');
        const char *oth = mo ? fld(&rf, 2, &ol2) : fld(&rf, 1, &ol2);
        const char *end = fld(&rf, 5, &el), *dur = fld(&rf, 8, &ul);
        const char *cause = fld(&rf, 14, &kl);
        uint64_t other = oth && ol2 ? (uint64_t)num(oth, ol2) : 0;
        int answered = l[0] == 'C' && cause && kl == 13 && !memcmp(cause, "normalRelease", 13);
        int64_t dv = dur ? num(dur, ul) : 0;
        if (rs_event(&st->rs, &s->rs, s->msisdn, other,
                     other && cg_mix64(other ^ 0x5eed) % st->sample == 0, l[0] == 'C', mo,
                     answered, t, end ? num(end, el) : t, (uint32_t)(dv < 0 ? 0 : dv)))
            return cg_err_set(err, CG_ERUNTIME, "out of memory");
    }
    int64_t ov = num(off, ol);
    int off_min = (int)(ov < -1440 ? -1440 : ov > 1440 ? 1440 : ov); /* UTC offsets are within a day */
    s->recs++;
    s->sx += st->cat.cell[c - 1].ux;
    s->sy += st->cat.cell[c - 1].uy;
    s->sz += st->cat.cell[c - 1].uz;
    if (hist_add(&s->cells, c))
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    int64_t ls = t / 1000 + off_min * 60;
    int64_t lday = ls >= 0 ? ls / 86400 : (ls - 86399) / 86400;
    double h = (double)(ls - lday * 86400) / 3600.0;
    int wd = (int)((lday % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    if (h < 6.0 && hist_add(&s->night, c))
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    if (wd >= 1 && wd <= 5 && h >= 10.0 && h < 16.0 && hist_add(&s->wd, c))
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    if (s->has_last) {
        double d = hav_km(&st->cat, s->last_cell, c);
        double dt_h = (double)llabs(t - s->last_t) / 3.6e6;
        rep->move_pairs++;
        if (d > MOVE_MIN_KM && (dt_h <= 0 || d / dt_h > MOVE_MAX_KMH))
            rep->implausible_pairs++;
    }
    s->has_last = 1;
    s->last_t = t;
    s->last_cell = c;
    return CG_OK;
}

static int read_file(state *st, const char *path, cg_err *err)
{
    cg_cdrread *r;
    CG_TRY(cg_cdrread_open(&r, path, err));
    int rc = CG_OK;
    for (uint64_t k = 0;; k++) {
        const char *l;
        size_t n;
        int has;
        if ((rc = cg_cdrread_line(r, &l, &n, &has, err)) || !has)
            break;
        if (n >= 11 && !memcmp(l, "event_type;", 11))
            continue; /* a header (every part and the bundle have one) */
        if ((rc = take_row(st, l, n, err)))
            break;
        if ((k & 65535) == 0 && cg_stop_requested()) {
            rc = cg_err_set(err, CG_ERUNTIME, "interrupted");
            break;
        }
    }
    cg_cdrread_close(r);
    return rc;
}

typedef struct pname {
    int shard, part;
    char name[256];
} pname;

static int cmp_pname(const void *a, const void *b)
{
    const pname *x = a, *y = b;
    return x->shard != y->shard ? (x->shard > y->shard) - (x->shard < y->shard)
                                : (x->part > y->part) - (x->part < y->part);
}

/* The string value of key k ("\"name\":\"") at or after p in an
 * events.json object (before `end`), into out; 0 when absent or odd. */
static int ev_str(const char *p, const char *end, const char *k, char *out, size_t n)
{
    const char *q = strstr(p, k);
    if (!q || q >= end)
        return 0;
    q += strlen(k);
    size_t len = 0;
    while (q + len < end && len + 1 < n &&
           ((q[len] >= '0' && q[len] <= '9') || (q[len] >= 'a' && q[len] <= 'z') ||
            (q[len] >= 'A' && q[len] <= 'Z') || strchr("_-:+. ", q[len]) != NULL) && q[len])
        len++;
    if (q + len >= end || q[len] != '"')
        return 0;
    memcpy(out, q, len);
    out[len] = 0;
    return 1;
}

/* The anomaly counts of the day's summary.json, when it has them. */
static int load_anom_counts(cg_report *rep, const char *out_dir, const char *date, int d,
                            cg_err *err)
{
    cg_path dd, p;
    cg_lay_daydir(&dd, out_dir, date);
    CG_TRY(cg_path_ok(&dd, err));
    cg_lay_summary(&p, dd.s);
    CG_TRY(cg_path_ok(&p, err));
    FILE *f = fopen(p.s, "rb");
    if (!f)
        return CG_OK; /* a day without a summary: a sharded day before merge */
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    uint64_t c, s, x;
    int sh, has = 0;
    cg_err e;
    if (cg_json_parse_summary_anom(buf, n, &c, &s, &x, &sh, rep->day_anom[d], &has, &e))
        return cg_err_set(err, CG_ERUNTIME, "%s: %s", p.s, e.msg);
    rep->day_has_anom[d] = (uint8_t)has;
    return CG_OK;
}

/* The events of OUT/DATE/events.json, if the day has one, appended to
 * rep->events; a file that is not ours is an error naming it. */
static int load_events(cg_report *rep, const char *out_dir, const char *date, cg_err *err)
{
    cg_path dd, p;
    cg_lay_daydir(&dd, out_dir, date);
    CG_TRY(cg_path_ok(&dd, err));
    cg_lay_join(&p, dd.s, "events.json");
    CG_TRY(cg_path_ok(&p, err));
    FILE *f = fopen(p.s, "rb");
    if (!f)
        return CG_OK;
    size_t cap = 1 << 16, n = 0;
    char *t = malloc(cap);
    int rc = t ? CG_OK : cg_err_set(err, CG_ERUNTIME, "out of memory");
    while (!rc) {
        if (n + 1 >= cap) {
            char *g = cap < (64u << 20) ? realloc(t, cap * 2) : NULL;
            if (!g) {
                rc = cg_err_set(err, CG_ERUNTIME, "%s: too large or out of memory", p.s);
                break;
            }
            t = g;
            cap *= 2;
        }
        size_t k = fread(t + n, 1, cap - 1 - n, f);
        n += k;
        if (k == 0)
            break;
    }
    fclose(f);
    if (rc) {
        free(t);
        return rc;
    }
    t[n] = 0;
    if (strncmp(t, "{\"date\":\"", 9) != 0 || !strstr(t, "\"events\":[")) {
        free(t);
        return cg_err_set(err, CG_ERUNTIME, "%s: not an events.json of cdrgen", p.s);
    }
    for (const char *q = strstr(t, "{\"name\":\""); q && !rc; q = strstr(q + 1, "{\"name\":\"")) {
        const char *end = strstr(q + 1, "{\"name\":\"");
        if (!end)
            end = t + n;
        cg_report_event e;
        memset(&e, 0, sizeof e);
        memcpy(e.date, date, 11);
        if (!ev_str(q, end, "\"name\":\"", e.name, sizeof e.name) ||
            !ev_str(q, end, "\"from\":\"", e.from, sizeof e.from) ||
            !ev_str(q, end, "\"to\":\"", e.to, sizeof e.to)) {
            rc = cg_err_set(err, CG_ERUNTIME, "%s: an event without name, from or to", p.s);
            break;
        }
        const char *c = strstr(q, "\"cells\":");
        e.ncells = -1;
        if (c && c < end && c[8] == '[') {
            e.ncells = 0;
            for (const char *x = c + 9; x < end && *x != ']'; x++)
                e.ncells += *x >= '0' && *x <= '9' && (x[-1] == '[' || x[-1] == ',');
        }
        static const char AREA[] = "\"area\":{\"center_lat\":";
        const char *ar = strstr(q, AREA);
        if (ar && ar < end) {
            char *x1, *x2, *x3;
            ar += sizeof AREA - 1;
            e.lat = strtod(ar, &x1);
            const char *lo = strstr(x1, "\"center_lon\":"), *ra = strstr(x1, "\"radius_km\":");
            if (lo && ra && lo < end && ra < end) {
                e.lon = strtod(lo + 13, &x2);
                e.radius_km = strtod(ra + 12, &x3);
                e.has_area = x1 != ar && x2 != lo + 13 && x3 != ra + 12 &&
                             isfinite(e.lat) && isfinite(e.lon) && isfinite(e.radius_km) &&
                             fabs(e.lat) <= 90 && fabs(e.lon) <= 180 && e.radius_km > 0 &&
                             e.radius_km <= 20000;
            }
        }
        const char *o = strstr(q, "\"outage\":true");
        e.outage = o && o < end;
        const char *g = strstr(q, "\"gathering\":");
        e.gathering = g && g < end && strtod(g + 12, NULL) > 0;
        size_t ecap = (size_t)rep->nevents;
        cg_report_event *v = cg_grow(rep->events, &ecap, (size_t)rep->nevents + 1, sizeof *v);
        if (!v) {
            rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
            break;
        }
        rep->events = v;
        rep->events[rep->nevents++] = e;
    }
    free(t);
    return rc;
}

/* The day's bundle, else its parts in shard and part order. */
static int read_day(state *st, const char *out_dir, const char *date, cg_err *err)
{
    static const int codecs[] = {CG_CODEC_GZIP, CG_CODEC_ZSTD, CG_CODEC_NONE, CG_LAY_PARQUET};
    for (int k = 0; k < 4; k++) {
        cg_path b;
        struct stat sb;
        cg_lay_bundle(&b, out_dir, date, codecs[k]);
        CG_TRY(cg_path_ok(&b, err));
        if (stat(b.s, &sb) == 0)
            return read_file(st, b.s, err);
    }
    cg_path dd;
    cg_lay_daydir(&dd, out_dir, date);
    CG_TRY(cg_path_ok(&dd, err));
    DIR *d = opendir(dd.s);
    if (!d)
        return cg_err_set(err, CG_ERUNTIME, "%s: no bundle and no day directory", dd.s);
    pname *v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    int rc = CG_OK;
    while ((de = readdir(d))) {
        int sh, pt, codec;
        if (cg_lay_parse_part(de->d_name, date, &sh, &pt, &codec) || strlen(de->d_name) >= 256)
            continue;
        pname *g = cg_grow(v, &cap, n + 1, sizeof *v);
        if (!g) {
            rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
            break;
        }
        v = g;
        v[n].shard = sh;
        v[n].part = pt;
        memcpy(v[n].name, de->d_name, strlen(de->d_name) + 1);
        n++;
    }
    closedir(d);
    if (n)
        qsort(v, n, sizeof *v, cmp_pname);
    for (size_t i = 0; i < n && !rc; i++) {
        cg_path p;
        cg_lay_join(&p, dd.s, v[i].name);
        if (!(rc = cg_path_ok(&p, err)))
            rc = read_file(st, p.s, err);
    }
    free(v);
    return rc;
}

/* Night of one date done: its modal cell joins the subscriber's nights. */
static int close_nights(state *st, cg_err *err)
{
    for (size_t i = 0; i < st->nsubs; i++) {
        sub *s = &st->subs[i];
        if (!s->night.n)
            continue;
        uint32_t *g = cg_grow(s->nights, &s->capn, s->nn + 1, sizeof *g);
        if (!g)
            return cg_err_set(err, CG_ERUNTIME, "out of memory");
        s->nights = g;
        s->nights[s->nn++] = hist_mode(&s->night);
        s->night.n = 0;
    }
    for (size_t i = 0; i < st->nsubs; i++)
        rs_day_end(&st->rs, &st->subs[i].rs);
    return CG_OK;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_cc(const void *a, const void *b)
{
    const cc *x = a, *y = b;
    return x->n != y->n ? (x->n < y->n) - (x->n > y->n) : (x->cell > y->cell) - (x->cell < y->cell);
}

static double pct(double *v, size_t n, double p)
{
    if (!n)
        return NAN;
    qsort(v, n, sizeof *v, cmp_d);
    double x = p * (double)(n - 1);
    size_t i = (size_t)x;
    double f = x - (double)i;
    return i + 1 < n ? v[i] * (1 - f) + v[i + 1] * f : v[i];
}

static void finish(state *st)
{
    cg_report *rep = st->rep;
    size_t n = st->nsubs;
    double *rg = calloc(n + 1, sizeof *rg), *nc = calloc(n + 1, sizeof *nc);
    double *top = calloc(n + 1, sizeof *top), *nr = calloc(n + 1, sizeof *nr);
    double *cd = calloc(n + 1, sizeof *cd);
    if (!rg || !nc || !top || !nr || !cd)
        goto out;
    size_t k1 = 0, k2 = 0, k3 = 0, differ = 0;
    double f[10] = {0};
    for (size_t i = 0; i < n; i++) {
        sub *s = &st->subs[i];
        if (s->recs < MIN_RECORDS)
            continue;
        double m = (double)s->recs;
        double cx = s->sx / m, cy = s->sy / m, cz = s->sz / m;
        double q = 1.0 - (cx * cx + cy * cy + cz * cz);
        rg[k1] = EARTH_KM * sqrt(q > 0 ? q : 0);
        int rb = log_bin(rg[k1], -2, 10);
        rep->rg_hist[rb < 0 ? 0 : rb]++;
        nc[k1] = (double)s->cells.n;
        qsort(s->cells.v, s->cells.n, sizeof *s->cells.v, cmp_cc);
        top[k1] = (double)s->cells.v[0].n / m;
        for (size_t k = 0; k < 10 && k < s->cells.n; k++)
            f[k] += (double)s->cells.v[k].n / m;
        k1++;
        uint32_t home = 0;
        if (s->nn >= MIN_NIGHTS) {
            hist h = {0};
            for (size_t j = 0; j < s->nn; j++)
                hist_add(&h, s->nights[j]);
            home = hist_mode(&h);
            size_t at = 0;
            for (size_t j = 0; j < s->nn; j++)
                at += s->nights[j] == home;
            nr[k2++] = (double)at / (double)s->nn;
            free(h.v);
        }
        if (home && s->wd.n) {
            uint32_t w = hist_mode(&s->wd);
            differ += w != home;
            cd[k3++] = hav_km(&st->cat, home, w);
        }
    }
    rep->sampled = n;
    rep->rg_p10 = pct(rg, k1, 0.1);
    rep->rg_p50 = pct(rg, k1, 0.5);
    rep->rg_p90 = pct(rg, k1, 0.9);
    rep->cells_p10 = pct(nc, k1, 0.1);
    rep->cells_p50 = pct(nc, k1, 0.5);
    rep->cells_p90 = pct(nc, k1, 0.9);
    rep->top_share_p50 = pct(top, k1, 0.5);
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int m = 0;
    for (int k = 0; k < 10; k++) {
        rep->visit_f[k] = k1 ? f[k] / (double)k1 : 0;
        if (rep->visit_f[k] > 0) {
            double x = log(k + 1.0), y = log(rep->visit_f[k]);
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
            m++;
        }
    }
    rep->visit_slope = m >= 2 ? (m * sxy - sx * sy) / (m * sxx - sx * sx) : NAN;
    rep->night_subs = k2;
    rep->night_reg_p50 = pct(nr, k2, 0.5);
    rep->commute_subs = k3;
    rep->commuter_share = k3 ? (double)differ / (double)k3 : NAN;
    rep->commute_p50 = pct(cd, k3, 0.5);
    rep->commute_p90 = pct(cd, k3, 0.9);
out:
    free(rg);
    free(nc);
    free(top);
    free(nr);
    free(cd);
}

/* Sites within 30% of their area's radius: the area's centre is the mean
 * of its sites' positions, its radius the distance to the farthest. */
static void sites_inner(const catalog *c, cg_report *rep)
{
    int inner = 0, total = 0;
    for (int a = 0; a < (c->nareas ? c->nareas : 1); a++) {
        double mx = 0, my = 0, mz = 0;
        int ns = 0, last = -1;
        for (int i = 0; i < c->n; i++)
            if (c->cell[i].area == a && c->cell[i].site != last) {
                mx += c->cell[i].ux;
                my += c->cell[i].uy;
                mz += c->cell[i].uz;
                ns++;
                last = c->cell[i].site;
            }
        if (!ns)
            continue;
        double nrm = sqrt(mx * mx + my * my + mz * mz);
        mx /= nrm;
        my /= nrm;
        mz /= nrm;
        double rmax = 0;
        last = -1;
        for (int i = 0; i < c->n; i++)
            if (c->cell[i].area == a && c->cell[i].site != last) {
                double dot = mx * c->cell[i].ux + my * c->cell[i].uy + mz * c->cell[i].uz;
                double d = EARTH_KM * acos(dot > 1 ? 1 : dot);
                rmax = d > rmax ? d : rmax;
                last = c->cell[i].site;
            }
        last = -1;
        for (int i = 0; i < c->n; i++)
            if (c->cell[i].area == a && c->cell[i].site != last) {
                double dot = mx * c->cell[i].ux + my * c->cell[i].uy + mz * c->cell[i].uz;
                double d = EARTH_KM * acos(dot > 1 ? 1 : dot);
                inner += d <= 0.3 * rmax;
                total++;
                last = c->cell[i].site;
            }
    }
    rep->nsites = total;
    rep->sites_inner30 = total ? (double)inner / total : NAN;
}

/* The usual home of a sampled subscriber: the cell of most of its nights
 * (of all its records without nights), as a unit vector; NAN unknown. */
static void home_of(const state *st, const sub *s, double *u)
{
    u[0] = u[1] = u[2] = NAN;
    uint32_t best = 0, bn = 0;
    for (size_t k = 0; k < s->nn; k++) {
        uint32_t n = 0;
        for (size_t j = 0; j < s->nn; j++)
            n += s->nights[j] == s->nights[k];
        if (n > bn) {
            bn = n;
            best = s->nights[k];
        }
    }
    if (!best)
        best = hist_mode(&s->cells);
    if (best < 1 || (int)best > st->cat.n)
        return;
    u[0] = st->cat.cell[best - 1].ux;
    u[1] = st->cat.cell[best - 1].uy;
    u[2] = st->cat.cell[best - 1].uz;
}

static int read_subscribers(state *st, const char *path, const int *site_of, cg_err *err);

/* The map: each site's position (its cells' mean), cells, and the homes
 * of subscribers.csv there; the profile mix. Without subscribers.csv (a
 * sharded output not merged yet) only the sites. */
static int map_and_people(state *st, const char *out_dir, cg_err *err)
{
    cg_report *rep = st->rep;
    const catalog *c = &st->cat;
    int *site_of = calloc((size_t)c->n + 1, sizeof *site_of);
    rep->sites = calloc((size_t)c->n + 1, sizeof *rep->sites);
    if (!site_of || !rep->sites) {
        free(site_of);
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    }
    int last = -1;
    for (int i = 0; i < c->n; i++) {
        if (c->cell[i].site != last || rep->nmap == 0) {
            cg_report_site *z = &rep->sites[rep->nmap++];
            z->area = c->cell[i].area;
            last = c->cell[i].site;
        }
        cg_report_site *z = &rep->sites[rep->nmap - 1];
        z->lat += c->cell[i].lat;
        z->lon += c->cell[i].lon;
        z->cells++;
        site_of[i] = rep->nmap - 1;
    }
    for (int k = 0; k < rep->nmap; k++) {
        rep->sites[k].lat /= rep->sites[k].cells;
        rep->sites[k].lon /= rep->sites[k].cells;
    }
    /* subscribers.csv, or the shards' files in shard order before a merge */
    int rc = CG_OK;
    for (int shard = -1; !rc; shard++) {
        cg_path p;
        cg_lay_subscribers(&p, out_dir, shard);
        struct stat sb;
        if ((rc = cg_path_ok(&p, err)) || stat(p.s, &sb) != 0) {
            if (shard == -1 && !rc)
                continue;
            break;
        }
        rc = read_subscribers(st, p.s, site_of, err);
        if (shard == -1)
            break;
    }
    free(site_of);
    return rc;
}

static int read_subscribers(state *st, const char *path, const int *site_of, cg_err *err)
{
    cg_report *rep = st->rep;
    const catalog *c = &st->cat;
    cg_cdrread *r;
    int rc = cg_cdrread_open(&r, path, err);
    if (rc)
        return rc;
    for (int first = 1;;) {
        const char *l;
        size_t n;
        int has;
        if ((rc = cg_cdrread_line(r, &l, &n, &has, err)) || !has)
            break;
        if (first) {
            first = 0;
            continue;
        }
        /* msisdn,profile,activity_calls,activity_sms,activity_data,sociability,home_cell,... */
        const char *f[8];
        size_t fl[8];
        const char *q = l, *e = l + n;
        int nf = 0;
        while (nf < 8 && q <= e) {
            const char *x = memchr(q, ',', (size_t)(e - q));
            f[nf] = q;
            fl[nf++] = (size_t)((x ? x : e) - q);
            if (!x)
                break;
            q = x + 1;
        }
        if (nf < 7)
            continue;
        rep->subscribers++;
        for (size_t i = 0; i < fl[1]; i++) /* a name goes into JSON and HTML as it is */
            if (!((f[1][i] >= 'a' && f[1][i] <= 'z') || (f[1][i] >= 'A' && f[1][i] <= 'Z') ||
                  (f[1][i] >= '0' && f[1][i] <= '9') || f[1][i] == '_' || f[1][i] == '-'))
                fl[1] = 0;
        if (!fl[1])
            continue;
        int k;
        for (k = 0; k < rep->nprofiles; k++)
            if (strlen(rep->profile[k]) == fl[1] && !memcmp(rep->profile[k], f[1], fl[1]))
                break;
        if (k == rep->nprofiles && k < CG_REPORT_MAX_PROFILES && fl[1] < sizeof rep->profile[0]) {
            memcpy(rep->profile[k], f[1], fl[1]);
            rep->profile[k][fl[1]] = 0;
            rep->nprofiles++;
        }
        if (k < rep->nprofiles)
            rep->profile_n[k]++;
        int64_t home = num(f[6], fl[6]);
        if (home >= 1 && home <= c->n) {
            rep->sites[site_of[home - 1]].homes++;
            rep->homes_known++;
        }
        if ((rep->homes_known & 65535) == 0 && cg_stop_requested()) {
            rc = cg_err_set(err, CG_ERUNTIME, "interrupted");
            break;
        }
    }
    cg_cdrread_close(r);
    return rc;
}

void cg_report_free(cg_report *rep)
{
    free(rep->events);
    rep->events = NULL;
    rep->nevents = 0;
    free(rep->sites);
    rep->sites = NULL;
    rep->nmap = 0;
}

static int social(state *st, cg_err *err)
{
    size_t n = st->nsubs;
    rs_sub **p = malloc(sizeof *p * (n ? n : 1));
    uint64_t *m = malloc(sizeof *m * (n ? n : 1));
    double *h = malloc(sizeof *h * 3 * (n ? n : 1));
    int rc = CG_OK;
    if (!p || !m || !h) {
        rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
    } else {
        for (size_t k = 0; k < n; k++) {
            p[k] = &st->subs[k].rs;
            m[k] = st->subs[k].msisdn;
            home_of(st, &st->subs[k], &h[3 * k]);
        }
        rs_finish(&st->rs, p, m, h, n, st->rep);
    }
    free(p);
    free(m);
    free(h);
    return rc;
}

int cg_report_run(const char *out_dir, uint64_t sample, cg_report *rep, cg_err *err)
{
    memset(rep, 0, sizeof *rep);
    state st;
    memset(&st, 0, sizeof st);
    st.rep = rep;
    st.sample = sample ? sample : 1;
    st.kcap = 65536;
    st.keys = calloc(st.kcap, sizeof *st.keys);
    st.idx = calloc(st.kcap, sizeof *st.idx);
    st.subs = calloc(CG_REPORT_MAX_SAMPLE, sizeof *st.subs);
    char (*days)[11] = NULL;
    size_t ndays = 0;
    int rc = CG_OK;
    if (!st.keys || !st.idx || !st.subs || rs_init(&st.rs))
        rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
    if (!rc)
        rc = load_catalog(&st.cat, out_dir, err);
    if (!rc)
        rc = cg_merge_list_days(out_dir, &days, &ndays, err);
    if (!rc && ndays == 0)
        rc = cg_err_set(err, CG_ERUNTIME, "%s: no day directories (YYYY-MM-DD) to report on",
                        out_dir);
    int32_t day0 = 0;
    if (!rc && cg_date_parse(days[0], &day0) == 0)
        rc = cg_frep_open(&st.fr, out_dir, day0, (int)ndays, &rep->fraud, err);
    for (size_t d = 0; d < ndays && !rc; d++) {
        st.day = d < CG_REPORT_MAX_DAYS ? (int)d : -1;
        st.dayi = (int)d;
        st.day_off_seen = 0;
        if (st.day >= 0) {
            memcpy(rep->day_date[d], days[d], 11);
            int32_t dn = 0;
            if (cg_date_parse(days[d], &dn) == 0)
                rep->day_weekend[d] = (uint8_t)(((dn % 7 + 7 + 4) % 7 == 0) || ((dn % 7 + 7 + 4) % 7 == 6));
            rep->ndays = (int)d + 1;
        }
        rc = read_day(&st, out_dir, days[d], err);
        if (!rc)
            rc = close_nights(&st, err);
        if (!rc)
            rc = load_events(rep, out_dir, days[d], err);
        if (!rc && st.day >= 0)
            rc = load_anom_counts(rep, out_dir, days[d], st.day, err);
    }
    rep->days = (int)ndays;
    cg_frep_finish(st.fr, &rep->fraud);
    st.fr = NULL;
    if (!rc) {
        finish(&st);
        sites_inner(&st.cat, rep);
        rc = social(&st, err);
        if (!rc)
            rc = map_and_people(&st, out_dir, err);
    }
    if (rc)
        cg_report_free(rep);
    rs_free(&st.rs);
    for (size_t i = 0; i < st.nsubs; i++) {
        free(st.subs[i].cells.v);
        free(st.subs[i].night.v);
        free(st.subs[i].wd.v);
        free(st.subs[i].nights);
    }
    free(st.subs);
    free(st.keys);
    free(st.idx);
    free(days);
    free(st.cat.cell);
    return rc;
}

static void u64_list(FILE *f, const char *k, const uint64_t *v, size_t n, int last)
{
    fprintf(f, "\"%s\":[", k);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%llu%s", (unsigned long long)v[i], i + 1 < n ? "," : "");
    fprintf(f, "]%s", last ? "" : ",");
}

static void str_list(FILE *f, const char *k, const char *const *v, size_t n)
{
    fprintf(f, "\"%s\":[", k);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "\"%s\"%s", v[i], i + 1 < n ? "," : "");
    fprintf(f, "],");
}

static void num_json(FILE *f, const char *k, double v, int last);

void cg_report_series_json(FILE *f, const cg_report *r)
{
    static const char *const TYPES[] = {"CALL", "SMS", "DATA"};
    fprintf(f, "{");
    str_list(f, "types", TYPES, 3);
    fprintf(f, "\"hourly\":{");
    for (int w = 0; w < 2; w++) {
        fprintf(f, "\"%s\":{", w ? "weekend" : "weekday");
        for (int t = 0; t < 3; t++)
            u64_list(f, TYPES[t], r->hourly[w][t], 24, t == 2);
        fprintf(f, "}%s", w ? "" : ",");
    }
    fprintf(f, "},\"days\":[");
    for (int d = 0; d < r->ndays; d++) {
        fprintf(f, "{\"date\":\"%s\",\"CALL\":%llu,\"SMS\":%llu,\"DATA\":%llu,"
                   "\"weekend\":%s,\"dst\":%s",
                r->day_date[d], (unsigned long long)r->day_n[d][0],
                (unsigned long long)r->day_n[d][1], (unsigned long long)r->day_n[d][2],
                r->day_weekend[d] ? "true" : "false", r->day_dst[d] ? "true" : "false");
        for (int k = 0; r->day_has_anom[d] && k < CG_STATS_ANOM; k++)
            fprintf(f, "%s%llu", k ? "," : ",\"anomalies\":[",
                    (unsigned long long)r->day_anom[d][k]);
        fprintf(f, "%s}%s", r->day_has_anom[d] ? "]" : "", d + 1 < r->ndays ? "," : "");
    }
    fprintf(f, "],\"anomaly_kinds\":[");
    for (int k = 0; k < CG_STATS_ANOM; k++)
        fprintf(f, "%s\"%s\"", k ? "," : "", cg_anom_kind_names[k]);
    fprintf(f, "],\"events\":[");
    for (int k = 0; k < r->nevents; k++) {
        const cg_report_event *e = &r->events[k];
        fprintf(f, "{\"date\":\"%s\",\"name\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"cells\":%d,"
                   "\"outage\":%s,\"gathering\":%s",
                e->date, e->name, e->from, e->to, e->ncells, e->outage ? "true" : "false",
                e->gathering ? "true" : "false");
        if (e->has_area)
            fprintf(f, ",\"area\":[%.6f,%.6f,%.6g]", e->lat, e->lon, e->radius_km);
        fprintf(f, "}%s", k + 1 < r->nevents ? "," : "");
    }
    fprintf(f, "],\"mix\":{");
    str_list(f, "cause_names", CAUSES, 6);
    u64_list(f, "cause", r->mix_cause, 6, 0);
    str_list(f, "rat_names", RATS, 3);
    u64_list(f, "rat", r->mix_rat, 3, 0);
    str_list(f, "apn_names", APNS, 3);
    u64_list(f, "apn", r->mix_apn, 3, 0);
    str_list(f, "record_type_names", RECTYPES, 5);
    u64_list(f, "record_type", r->mix_rectype, 5, 0);
    str_list(f, "sms_status_names", STATUSES, 3);
    u64_list(f, "sms_status", r->mix_status, 3, 1);
    fprintf(f, "},\"call_duration_s\":{\"bins_per_decade\":10,\"from\":1,\"zero\":%llu,",
            (unsigned long long)r->dur_zero);
    u64_list(f, "counts", r->dur_hist, CG_REPORT_LOG_BINS, 1);
    fprintf(f, "},\"data_bytes\":{\"bins_per_decade\":5,\"from\":1,");
    u64_list(f, "counts", r->vol_hist, CG_REPORT_LOG_BINS, 1);
    fprintf(f, "},\"rg_km\":{\"bins_per_decade\":10,\"from\":0.01,");
    u64_list(f, "counts", r->rg_hist, CG_REPORT_LOG_BINS, 1);
    fprintf(f, "},\"tie_call_s\":{\"bins_per_decade\":10,\"from\":1,");
    u64_list(f, "counts", r->w_hist, CG_REPORT_LOG_BINS, 1);
    fprintf(f, "},");
    u64_list(f, "degree", r->deg_hist, CG_REPORT_DEG_MAX, 0);
    fprintf(f, "\"overlap_by_decile\":[");
    for (int d = 0; d < 10; d++) {
        if (isfinite(r->overlap_dec[d]))
            fprintf(f, "%.6g", r->overlap_dec[d]);
        else
            fprintf(f, "null");
        fprintf(f, "%s", d < 9 ? "," : "");
    }
    fprintf(f, "],\"sites\":[");
    for (int k = 0; k < r->nmap; k++)
        fprintf(f, "[%.5f,%.5f,%u,%u,%d]%s", r->sites[k].lat, r->sites[k].lon, r->sites[k].cells,
                r->sites[k].homes, r->sites[k].area, k + 1 < r->nmap ? "," : "");
    fprintf(f, "],\"subscribers\":%llu,\"homes_known\":%llu,\"profiles\":[",
            (unsigned long long)r->subscribers, (unsigned long long)r->homes_known);
    for (int k = 0; k < r->nprofiles; k++)
        fprintf(f, "{\"name\":\"%s\",\"n\":%llu}%s", r->profile[k],
                (unsigned long long)r->profile_n[k], k + 1 < r->nprofiles ? "," : "");
    fprintf(f, "]}");
}

static void num_json(FILE *f, const char *k, double v, int last)
{
    if (isfinite(v))
        fprintf(f, "\"%s\":%.6g%s", k, v, last ? "" : ",");
    else
        fprintf(f, "\"%s\":null%s", k, last ? "" : ",");
}

void cg_report_print(FILE *f, const cg_report *r, int json)
{
    double impl = r->move_pairs ? (double)r->implausible_pairs / (double)r->move_pairs : NAN;
    if (json) {
        fprintf(f, "{\"days\":%d,\"rows\":%llu,\"calls\":%llu,\"sms\":%llu,\"data\":%llu,"
                   "\"sampled_subscribers\":%llu,\"sample_capped\":%s,",
                r->days, (unsigned long long)r->rows, (unsigned long long)r->calls,
                (unsigned long long)r->sms, (unsigned long long)r->data,
                (unsigned long long)r->sampled, r->sample_capped ? "true" : "false");
        fprintf(f, "\"places\":{");
        num_json(f, "rg_km_p10", r->rg_p10, 0);
        num_json(f, "rg_km_p50", r->rg_p50, 0);
        num_json(f, "rg_km_p90", r->rg_p90, 0);
        num_json(f, "distinct_cells_p10", r->cells_p10, 0);
        num_json(f, "distinct_cells_p50", r->cells_p50, 0);
        num_json(f, "distinct_cells_p90", r->cells_p90, 0);
        num_json(f, "top_cell_share_p50", r->top_share_p50, 0);
        fprintf(f, "\"visit_share_by_rank\":[");
        for (int k = 0; k < 10; k++)
            fprintf(f, "%.6g%s", r->visit_f[k], k < 9 ? "," : "");
        fprintf(f, "],");
        num_json(f, "visit_slope", r->visit_slope, 0);
        num_json(f, "night_regularity_p50", r->night_reg_p50, 0);
        fprintf(f, "\"night_subscribers\":%llu,", (unsigned long long)r->night_subs);
        num_json(f, "commuter_share", r->commuter_share, 0);
        fprintf(f, "\"commute_subscribers\":%llu,", (unsigned long long)r->commute_subs);
        num_json(f, "commute_km_p50", r->commute_p50, 0);
        num_json(f, "commute_km_p90", r->commute_p90, 0);
        fprintf(f, "\"move_pairs\":%llu,\"implausible_pairs\":%llu,",
                (unsigned long long)r->move_pairs, (unsigned long long)r->implausible_pairs);
        num_json(f, "implausible_share", impl, 0);
        fprintf(f, "\"sites\":%d,", r->nsites);
        num_json(f, "sites_inner30_share", r->sites_inner30, 1);
        fprintf(f, "},\"people\":{");
        num_json(f, "events_mean", r->events_mean, 0);
        num_json(f, "events_cv", r->events_cv, 0);
        num_json(f, "day_to_day_corr", r->day_corr, 0);
        num_json(f, "burstiness_p50", r->burstiness_p50, 0);
        fprintf(f, "\"burstiness_subscribers\":%llu,\"overlapping_answered_calls\":%llu,"
                   "\"onnet_pairs\":%llu,",
                (unsigned long long)r->burst_subs, (unsigned long long)r->overlapping_calls,
                (unsigned long long)r->onnet_pairs);
        num_json(f, "degree_mean", r->degree_mean, 0);
        num_json(f, "degree_cv", r->degree_cv, 0);
        num_json(f, "degree_le3_share", r->degree_le3, 0);
        num_json(f, "clustering", r->clustering, 0);
        num_json(f, "overlap_bottom_decile", r->overlap_bottom, 0);
        num_json(f, "overlap_top_decile", r->overlap_top, 0);
        num_json(f, "overlap_ratio", r->overlap_top / r->overlap_bottom, 0);
        num_json(f, "tie_gamma", r->tie_gamma, 0);
        num_json(f, "tie_w0_s", r->tie_w0, 0);
        num_json(f, "top1_pairs_call_share", r->top1_call_share, 0);
        fprintf(f, "\"direction_ties\":%llu,", (unsigned long long)r->direction_ties);
        num_json(f, "direction_sd", r->direction_sd, 0);
        num_json(f, "direction_fair_sd", r->direction_fair_sd, 0);
        num_json(f, "direction_ratio", r->direction_sd / r->direction_fair_sd, 0);
        num_json(f, "talk_bottom_decile_s", r->talk_bottom_s, 0);
        num_json(f, "talk_top_decile_s", r->talk_top_s, 0);
        num_json(f, "talk_ratio", r->talk_top_s / r->talk_bottom_s, 0);
        num_json(f, "home_km_contacts_p50", r->home_km_contacts, 0);
        num_json(f, "home_km_random_p50", r->home_km_random, 0);
        num_json(f, "home_distance_ratio", r->home_km_contacts / r->home_km_random, 1);
        fprintf(f, "},\"fraud\":");
        cg_frep_json(f, &r->fraud);
        fprintf(f, ",\"series\":");
        cg_report_series_json(f, r);
        fprintf(f, "}\n");
        return;
    }
    fprintf(f, "days %d, rows %llu: %llu calls, %llu sms, %llu data\n", r->days,
            (unsigned long long)r->rows, (unsigned long long)r->calls,
            (unsigned long long)r->sms, (unsigned long long)r->data);
    fprintf(f, "sample: %llu subscribers%s\n", (unsigned long long)r->sampled,
            r->sample_capped ? " (capped)" : "");
    fprintf(f, "places:\n");
    fprintf(f, "  radius of gyration km     p10 %.2f  p50 %.2f  p90 %.2f\n", r->rg_p10, r->rg_p50,
            r->rg_p90);
    fprintf(f, "  distinct cells            p10 %.0f  p50 %.0f  p90 %.0f\n", r->cells_p10,
            r->cells_p50, r->cells_p90);
    fprintf(f, "  top-cell share            p50 %.3f\n", r->top_share_p50);
    fprintf(f, "  visits by cell rank 1..10 ");
    for (int k = 0; k < 10; k++)
        fprintf(f, "%.3f%s", r->visit_f[k], k < 9 ? " " : "\n");
    fprintf(f, "  visit slope (log-log)     %.3f\n", r->visit_slope);
    fprintf(f, "  night regularity          p50 %.3f  (%llu subscribers)\n", r->night_reg_p50,
            (unsigned long long)r->night_subs);
    fprintf(f, "  day cell != night cell    %.3f  (%llu subscribers)\n", r->commuter_share,
            (unsigned long long)r->commute_subs);
    fprintf(f, "  commuting distance km     p50 %.2f  p90 %.2f\n", r->commute_p50,
            r->commute_p90);
    fprintf(f, "  implausible moves         %.5f  (%llu of %llu pairs)\n", impl,
            (unsigned long long)r->implausible_pairs, (unsigned long long)r->move_pairs);
    fprintf(f, "  sites within 30%% radius   %.3f  (%d sites)\n", r->sites_inner30, r->nsites);
    fprintf(f, "people:\n");
    fprintf(f, "  calls+SMS per subscriber  mean %.1f  CV %.3f\n", r->events_mean, r->events_cv);
    fprintf(f, "  day-to-day correlation    %.3f\n", r->day_corr);
    fprintf(f, "  burstiness                p50 %.3f  (%llu subscribers)\n", r->burstiness_p50,
            (unsigned long long)r->burst_subs);
    fprintf(f, "  overlapping answered calls %llu\n", (unsigned long long)r->overlapping_calls);
    fprintf(f, "  on-net graph              %llu pairs, degree mean %.2f CV %.3f, <= 3: %.3f\n",
            (unsigned long long)r->onnet_pairs, r->degree_mean, r->degree_cv, r->degree_le3);
    fprintf(f, "  clustering                %.3f\n", r->clustering);
    fprintf(f, "  overlap by weight decile  bottom %.4f  top %.4f  (x %.2f)\n", r->overlap_bottom,
            r->overlap_top, r->overlap_top / r->overlap_bottom);
    fprintf(f, "  tie strength (call s)     gamma %.2f  w0 %.0f s, top 1%% pairs %.3f of calls\n",
            r->tie_gamma, r->tie_w0, r->top1_call_share);
    fprintf(f, "  direction, >= 10 calls    SD %.3f  fair %.3f  (x %.2f, %llu ties)\n",
            r->direction_sd, r->direction_fair_sd, r->direction_sd / r->direction_fair_sd,
            (unsigned long long)r->direction_ties);
    fprintf(f, "  talk time by weight decile bottom %.0f s  top %.0f s  (x %.2f)\n",
            r->talk_bottom_s, r->talk_top_s, r->talk_top_s / r->talk_bottom_s);
    fprintf(f, "  home distance km          contacts %.2f  random %.2f  (x %.3f)\n",
            r->home_km_contacts, r->home_km_random, r->home_km_contacts / r->home_km_random);
    cg_frep_print(f, &r->fraud);
}
