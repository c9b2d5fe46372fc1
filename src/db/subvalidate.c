/* Validator of subscriber databases: one pass, two open-addressing hash maps
 * (IMSI -> MSISDN it holds, MSISDN -> IMSI holding it) that grow with the
 * data, one error per bad row, bad rows leave the state untouched. */
#include "db/subvalidate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "db/subcsv.h"

int cg_subval_ndigits(uint64_t v)
{
    int n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

unsigned cg_subval_luhn_digit(uint64_t payload)
{
    /* the check digit will sit right of the payload, so the payload's last
     * digit is the first one doubled */
    unsigned sum = 0;
    for (int i = 0; payload; i++, payload /= 10) {
        unsigned d = (unsigned)(payload % 10);
        if (i % 2 == 0) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return (10 - sum % 10) % 10;
}

int cg_subval_imei_ok(uint64_t v)
{
    return cg_subval_ndigits(v) == 15 && cg_subval_luhn_digit(v / 10) == v % 10;
}

/* u64 -> u64 map; key 0 marks an empty slot (0 is never a valid IMSI or
 * MSISDN, and rows with such values are rejected before they get here). */
typedef struct umap {
    uint64_t *keys, *vals;
    size_t cap, n; /* cap is a power of two */
} umap;

static size_t umap_slot(const umap *m, uint64_t k)
{
    size_t i = (size_t)cg_mix64(k) & (m->cap - 1);
    while (m->keys[i] && m->keys[i] != k)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static uint64_t *umap_find(const umap *m, uint64_t k)
{
    if (!m->cap)
        return NULL;
    size_t i = umap_slot(m, k);
    return m->keys[i] ? &m->vals[i] : NULL;
}

static int umap_grow(umap *m)
{
    umap g = {0};
    g.cap = m->cap ? m->cap * 2 : 1024;
    g.keys = calloc(g.cap, sizeof *g.keys);
    g.vals = malloc(g.cap * sizeof *g.vals);
    if (!g.keys || !g.vals) {
        free(g.keys);
        free(g.vals);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i]) {
            size_t j = umap_slot(&g, m->keys[i]);
            g.keys[j] = m->keys[i];
            g.vals[j] = m->vals[i];
        }
    g.n = m->n;
    free(m->keys);
    free(m->vals);
    *m = g;
    return 0;
}

/* Inserts or overwrites. */
static int umap_put(umap *m, uint64_t k, uint64_t v)
{
    if ((m->n + 1) * 2 > m->cap && umap_grow(m) != 0)
        return -1;
    size_t i = umap_slot(m, k);
    if (!m->keys[i]) {
        m->keys[i] = k;
        m->n++;
    }
    m->vals[i] = v;
    return 0;
}

static void umap_free(umap *m)
{
    free(m->keys);
    free(m->vals);
}

typedef struct vstate {
    const char *file;
    cg_subval_stats *st;
    int max_report;
    cg_subval_report_fn fn;
    void *ctx;
    uint64_t row;
} vstate;

static void bad(vstate *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void bad(vstate *v, const char *fmt, ...)
{
    cg_subval_stats *st = v->st;
    if (st->errors++ == 0)
        st->first_error_row = v->row;
    if (st->errors > (uint64_t)v->max_report || !v->fn)
        return;
    char msg[512];
    int n = snprintf(msg, sizeof msg, "%s:%llu: ", v->file, (unsigned long long)v->row);
    if (n < 0 || (size_t)n >= sizeof msg)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    v->fn(v->ctx, msg);
}

#define U(x) ((unsigned long long)(x))

/* Formats and field rules of one row (SPEC 5); shared with the lookup index,
 * which must not accept what validate rejects. Returns 0, or 1 with the
 * broken rule in msg. */
int cg_subval_check_fields(const cg_sub_event *e, char *msg, size_t cap)
{
    const char *tn = cg_subcsv_type_name(e->type);
    int nd = cg_subval_ndigits(e->imsi);
    if (nd < 14 || nd > 15) {
        snprintf(msg, cap, "imsi must have 14-15 digits (%s imsi %llu has %d)", tn, U(e->imsi), nd);
        return 1;
    }
    if (e->mccmnc < 10000 || e->mccmnc > 99999) {
        snprintf(msg, cap, "mccmnc must have 5 digits (%s mccmnc %llu)", tn, U(e->mccmnc));
        return 1;
    }
    uint64_t p10 = nd == 15 ? 10000000000ull : 1000000000ull;
    if (e->imsi / p10 != e->mccmnc) {
        snprintf(msg, cap, "mccmnc must be the first 5 digits of the imsi (%s imsi %llu mccmnc %llu)", tn,
            U(e->imsi), U(e->mccmnc));
        return 1;
    }
    if (!e->msisdn && e->type != CG_EV_CHANGE_DEVICE) {
        snprintf(msg, cap, "msisdn is required for %s (imsi %llu)", tn, U(e->imsi));
        return 1;
    }
    if (e->msisdn) {
        nd = cg_subval_ndigits(e->msisdn);
        if (nd < 8 || nd > 15) {
            snprintf(msg, cap, "msisdn must have 8-15 digits (%s msisdn %llu has %d)", tn,
                     U(e->msisdn), nd);
            return 1;
        }
    }
    if (e->type == CG_EV_RELEASE_NUMBER && e->imei) {
        snprintf(msg, cap, "imei must be empty for RELEASE_NUMBER (imsi %llu imei %llu)", U(e->imsi),
            U(e->imei));
        return 1;
    }
    if (!e->imei && (e->type == CG_EV_NEW_SUBSCRIBER || e->type == CG_EV_CHANGE_DEVICE)) {
        snprintf(msg, cap, "imei is required for %s (imsi %llu)", tn, U(e->imsi));
        return 1;
    }
    if (e->imei && !cg_subval_imei_ok(e->imei)) {
        snprintf(msg, cap, "imei must have 15 digits with a valid Luhn check digit (%s imei %llu)", tn,
            U(e->imei));
        return 1;
    }
    return 0;
}

/* Returns 0 when the row breaks a field rule (reported). */
static int check_fields(vstate *v, const cg_sub_event *e)
{
    char msg[256];
    if (cg_subval_check_fields(e, msg, sizeof msg)) {
        bad(v, "%s", msg);
        return 0;
    }
    return 1;
}

/* The identity rules of one event against who holds what now: 1 when it
 * gives its IMSI and MSISDN to each other (the caller records that), 0
 * when it changes nothing else, -1 when it broke a rule (reported). */
static int apply_event(vstate *v, const cg_sub_event *ev, umap *imsis, umap *holders)
{
    const cg_sub_event e = *ev;
    uint64_t *own = umap_find(imsis, e.imsi); /* NULL: IMSI unknown */
    uint64_t *hold = e.msisdn ? umap_find(holders, e.msisdn) : NULL;
    uint64_t holder = hold ? *hold : 0;
    int newkey = 0;
    switch (e.type) {
    case CG_EV_NEW_SUBSCRIBER:
        if (own) {
            bad(v, "NEW_SUBSCRIBER for an IMSI that already exists (imsi %llu)", U(e.imsi));
            return -1;
        }
        if (holder) {
            bad(v, "MSISDN held by two IMSIs (NEW_SUBSCRIBER msisdn %llu imsi %llu, held by "
                    "imsi %llu)", U(e.msisdn), U(e.imsi), U(holder));
            return -1;
        }
        newkey = 1;
        break;
    case CG_EV_CHANGE_DEVICE:
        if (!own) {
            bad(v, "event for an IMSI that does not exist (CHANGE_DEVICE imsi %llu)",
                U(e.imsi));
            return -1;
        }
        if (e.msisdn && *own != e.msisdn) {
            bad(v, "CHANGE_DEVICE with an MSISDN the IMSI does not hold (imsi %llu msisdn "
                    "%llu, holds %llu)", U(e.imsi), U(e.msisdn), U(*own));
            return -1;
        }
        break;
    case CG_EV_CHANGE_SIM:
        if (!holder) {
            bad(v, "CHANGE_SIM of an MSISDN nobody holds (msisdn %llu imsi %llu)",
                U(e.msisdn), U(e.imsi));
            return -1;
        }
        if (own && *own) {
            bad(v, "CHANGE_SIM to an IMSI that already holds an MSISDN (imsi %llu holds "
                    "%llu, msisdn %llu)", U(e.imsi), U(*own), U(e.msisdn));
            return -1;
        }
        *umap_find(imsis, holder) = 0; /* the old SIM loses the number */
        newkey = 1;
        break;
    case CG_EV_RELEASE_NUMBER:
        if (!own) {
            bad(v, "event for an IMSI that does not exist (RELEASE_NUMBER imsi %llu)",
                U(e.imsi));
            return -1;
        }
        if (!hold || holder != e.imsi) {
            bad(v, "RELEASE_NUMBER by an IMSI that does not hold the MSISDN (msisdn %llu "
                    "imsi %llu, held by %llu)", U(e.msisdn), U(e.imsi), U(holder));
            return -1;
        }
        *hold = 0;
        *own = 0;
        break;
    case CG_EV_ASSIGN_NUMBER:
        if (holder) {
            bad(v, "MSISDN held by two IMSIs (ASSIGN_NUMBER msisdn %llu imsi %llu, still "
                    "held by imsi %llu)", U(e.msisdn), U(e.imsi), U(holder));
            return -1;
        }
        if (own && *own) {
            bad(v, "ASSIGN_NUMBER to an IMSI that already holds an MSISDN (imsi %llu "
                    "holds %llu, msisdn %llu)", U(e.imsi), U(*own), U(e.msisdn));
            return -1;
        }
        newkey = 1;
        break;
    }
    return newkey;
}

int cg_subval_run(cg_subsrc *src, cg_subval_stats *st, int max_report, cg_subval_report_fn fn,
                  void *ctx, cg_err *err)
{
    memset(st, 0, sizeof *st);
    vstate v = {cg_subsrc_path(src), st, max_report, fn, ctx, 0};
    umap imsis = {0};   /* imsi -> msisdn it holds now (0 none) */
    umap holders = {0}; /* msisdn -> imsi holding it now (0 none) */
    int64_t prev = 0;
    int rc = CG_OK;
    for (;;) {
        cg_sub_event e;
        int has;
        rc = cg_subsrc_next(src, &e, &has, err);
        if (rc || !has)
            break;
        v.row = cg_subsrc_row(src);
        if (e.type > CG_EV_ASSIGN_NUMBER) { /* only Arrow can carry this */
            st->events++;
            bad(&v, "unknown event_type code %u (imsi %llu)", e.type, U(e.imsi));
            continue;
        }
        const char *tn = cg_subcsv_type_name(e.type);
        if (st->events == 0 || e.ts_ms < st->ts_min)
            st->ts_min = e.ts_ms;
        if (st->events == 0 || e.ts_ms > st->ts_max)
            st->ts_max = e.ts_ms;
        int first = st->events == 0;
        st->events++;
        st->by_type[e.type]++;
        int64_t before = prev;
        prev = e.ts_ms;
        if (!first && e.ts_ms < before) {
            bad(&v, "timestamps must not decrease (%s at %lld after %lld)", tn, (long long)e.ts_ms,
                (long long)before);
            continue;
        }
        if (!check_fields(&v, &e))
            continue;

        int newkey = apply_event(&v, &e, &imsis, &holders);
        if (newkey < 0)
            continue;
        if (newkey && (umap_put(&imsis, e.imsi, e.msisdn) || umap_put(&holders, e.msisdn, e.imsi))) {
            rc = cg_err_set(err, CG_ERUNTIME, "%s: out of memory at row %llu", v.file, U(v.row));
            break;
        }
    }
    st->imsis = imsis.n;
    st->msisdns = holders.n;
    for (size_t i = 0; i < holders.cap; i++)
        st->held += holders.keys[i] && holders.vals[i];
    umap_free(&imsis);
    umap_free(&holders);
    return rc;
}
