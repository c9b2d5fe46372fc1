/* The fraud and churn figures of the report (see fraudrep.h). */
#include "report/fraudrep.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/calendar.h"
#include "core/fraud.h"
#include "core/rng.h"
#include "io/cdrread.h"
#include "io/layout.h"

#define EARTH_KM 6371.0088
#define CALLEE_BITS 1024
/* Rules (docs/SCENARIOS.md). */
#define BOX_DEGREE_X 10.0   /* callees >= this x the unlabelled median */
#define BOX_MT_SHARE 0.05   /* MT calls at most this share of MO */
#define RING_MAX_S 3        /* a Wangiri ring: unanswered, this short */
#define RING_MIN 20         /* rung this often by one number */
#define NIGHT_PREM_MIN 3    /* long premium calls between 00 and 06 in a night */
#define NIGHT_PREM_S 600
#define BUST_PREM_S (3 * 3600) /* premium call seconds in one day */
#define JUMP_KM 30.0        /* an implausible move: farther, faster */
#define JUMP_KMH 300.0
#define CHURN_RATIO 0.5     /* last week / week 4 weeks before */

typedef struct frsub {
    uint64_t msisdn, h;
    int sc;                   /* labelled scenario, -1 unlabelled */
    int churn_day;            /* churners: the day index of the date */
    uint64_t mo, mt, other;   /* calls out, in; SMS and data */
    uint8_t callees[CALLEE_BITS / 8];
    int site1, sites;         /* first site, 2 when another seen */
    uint64_t imsi[4];
    int nimsi;
    int day, night_prem, max_night_prem;
    int64_t prem_s, max_prem_s;
    int has_last;
    int64_t last_t;
    double last_lat, last_lon;
    uint64_t jumps;
    uint64_t early, late;     /* churn: records of the week 4 weeks before, the last week */
} frsub;

typedef struct frnum {
    uint64_t number; /* + 1, 0 free */
    uint32_t rings;
    uint8_t labelled;
    uint8_t subscriber; /* seen owning records: on-net, not a Wangiri number */
} frnum;

struct cg_frep_state {
    cg_frep *rep;
    int ndays;
    frsub *v;                  /* labelled first (nlab), then the sample */
    size_t nlab, n, cap;
    uint64_t *keys;           /* msisdn + 1 -> index, open addressing */
    uint32_t *idx;
    size_t kcap;
    uint64_t threshold;       /* the sample: hashes below this */
    frnum *nums;
    size_t nnums;
    /* rows come in runs of one owner (a subscriber-day): its entry, looked
     * up once a run */
    uint64_t last_owner;
    frsub *last;
    int has_last;
};

static uint64_t hkey(uint64_t msisdn)
{
    return cg_mix64(msisdn ^ 0xf4a0d5eedULL);
}

static size_t slot_of(const cg_frep_state *s, uint64_t msisdn)
{
    size_t i = (size_t)(cg_mix64(msisdn) & (s->kcap - 1));
    while (s->keys[i] && s->keys[i] != msisdn + 1)
        i = (i + 1) & (s->kcap - 1);
    return i;
}

static void reindex(cg_frep_state *s)
{
    memset(s->keys, 0, s->kcap * sizeof *s->keys);
    for (size_t k = 0; k < s->n; k++) {
        size_t i = slot_of(s, s->v[k].msisdn);
        s->keys[i] = s->v[k].msisdn + 1;
        s->idx[i] = (uint32_t)k;
    }
}

static frsub *add_sub(cg_frep_state *s, uint64_t msisdn, int sc)
{
    frsub *x = &s->v[s->n];
    memset(x, 0, sizeof *x);
    x->msisdn = msisdn;
    x->h = hkey(msisdn);
    x->sc = sc;
    x->day = -1;
    x->site1 = -1;
    size_t i = slot_of(s, msisdn);
    s->keys[i] = msisdn + 1;
    s->idx[i] = (uint32_t)s->n++;
    return x;
}

static int is_premium(uint64_t n)
{
    char b[24];
    int l = snprintf(b, sizeof b, "%llu", (unsigned long long)n);
    for (int k = 0; k < CG_FR_RANGES; k++) {
        char p[12];
        int pl = snprintf(p, sizeof p, "%llu", (unsigned long long)cg_fr_range[k]);
        if (l > pl && !memcmp(b, p, (size_t)pl))
            return 1;
    }
    return 0;
}

static int scenario_of(const char *s, size_t n)
{
    for (int k = 0; k < CG_FR_N; k++)
        if (strlen(cg_fr_names[k]) == n && !memcmp(cg_fr_names[k], s, n))
            return k;
    return -1;
}

static frnum *number(cg_frep_state *s, uint64_t n, int add)
{
    size_t i = (size_t)(cg_mix64(n ^ 0x4ab) & (CG_FREP_NUMBERS - 1));
    while (s->nums[i].number && s->nums[i].number != n + 1)
        i = (i + 1) & (CG_FREP_NUMBERS - 1);
    if (s->nums[i].number)
        return &s->nums[i];
    if (!add)
        return NULL;
    if (s->nnums >= CG_FREP_NUMBERS / 2) {
        s->rep->numbers_capped = 1;
        return NULL;
    }
    s->nnums++;
    s->nums[i].number = n + 1;
    return &s->nums[i];
}

/* A label file's rows: msisdn,imsi,scenario,role,group_id,start_ts_ms,end_ts_ms. */
static int load_labels(cg_frep_state *s, const char *path, int32_t day0, cg_err *err)
{
    if (access(path, F_OK) != 0)
        return CG_OK;
    s->rep->present = 1;
    cg_cdrread *r;
    CG_TRY(cg_cdrread_open(&r, path, err));
    int rc = CG_OK;
    uint64_t row = 0;
    for (;;) {
        const char *l;
        size_t n;
        int has;
        if ((rc = cg_cdrread_line(r, &l, &n, &has, err)) || !has)
            break;
        if (row++ == 0)
            continue;
        const char *f[8];
        size_t fl[8];
        int nf = 0;
        const char *p = l, *e = l + n;
        while (nf < 8) {
            const char *c = memchr(p, ',', (size_t)(e - p));
            f[nf] = p;
            fl[nf++] = (size_t)((c ? c : e) - p);
            if (!c)
                break;
            p = c + 1;
        }
        int sc = nf >= 7 ? scenario_of(f[2], fl[2]) : -1;
        if (sc < 0) {
            rc = cg_err_set(err, CG_ERUNTIME, "%s: line %llu: not a label row (FORMAT.md "
                            "\"labels\")", path, (unsigned long long)row);
            break;
        }
        uint64_t ms = strtoull(f[0], NULL, 10);
        if (fl[3] == 6 && !memcmp(f[3], "number", 6)) {
            s->rep->numbers++;
            frnum *x = number(s, ms, 1);
            if (x)
                x->labelled = 1;
            continue;
        }
        if (fl[3] == 12 && !memcmp(f[3], "takeover_sim", 12))
            continue;
        s->rep->cases[sc]++;
        size_t i = slot_of(s, ms);
        if (s->keys[i])
            continue;
        if (s->nlab >= CG_FREP_MAX_LABELLED) {
            s->rep->labelled_capped = 1;
            continue;
        }
        frsub *x = add_sub(s, ms, sc);
        s->nlab++;
        if (sc == CG_FR_CHURN) {
            /* the churn date: local midnight at end_ts_ms; its day index */
            int64_t t = strtoll(f[6], NULL, 10);
            x->churn_day = (int)(((t / 1000 + 43200) / 86400) - day0);
        }
    }
    cg_cdrread_close(r);
    return rc;
}

int cg_frep_open(cg_frep_state **out, const char *out_dir, int32_t day0, int ndays, cg_frep *rep,
                 cg_err *err)
{
    *out = NULL;
    memset(rep, 0, sizeof *rep);
    cg_path p[2];
    int any = 0;
    for (int k = 0; k < 2; k++) {
        cg_lay_case_labels(&p[k], out_dir, k, -1);
        CG_TRY(cg_path_ok(&p[k], err));
        any |= access(p[k].s, F_OK) == 0;
    }
    if (!any)
        return CG_OK;
    cg_frep_state *s = calloc(1, sizeof *s);
    if (!s)
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    s->rep = rep;
    s->ndays = ndays;
    s->cap = CG_FREP_MAX_LABELLED + CG_FREP_SAMPLE;
    s->kcap = 1u << 18;
    s->v = malloc(s->cap * sizeof *s->v);
    s->keys = calloc(s->kcap, sizeof *s->keys);
    s->idx = calloc(s->kcap, sizeof *s->idx);
    s->nums = calloc(CG_FREP_NUMBERS, sizeof *s->nums);
    s->threshold = UINT64_MAX;
    int rc = CG_OK;
    if (!s->v || !s->keys || !s->idx || !s->nums)
        rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
    for (int k = 0; !rc && k < 2; k++)
        rc = load_labels(s, p[k].s, day0, err);
    if (rc) {
        cg_frep_finish(s, rep);
        memset(rep, 0, sizeof *rep);
        return rc;
    }
    *out = s;
    return CG_OK;
}

/* The unlabelled sample: the CG_FREP_SAMPLE lowest hashes (a bottom-k
 * sketch: which subscribers, whatever the order they come in). */
static frsub *sample_sub(cg_frep_state *s, uint64_t msisdn)
{
    uint64_t h = hkey(msisdn);
    if (h >= s->threshold)
        return NULL;
    if (s->n - s->nlab == CG_FREP_SAMPLE) { /* full: keep the lower half */
        uint64_t *hs = malloc(CG_FREP_SAMPLE * sizeof *hs);
        if (!hs)
            return NULL;
        for (size_t k = 0; k < CG_FREP_SAMPLE; k++)
            hs[k] = s->v[s->nlab + k].h;
        /* the median hash: nth by a partial sort */
        uint64_t lo = 0, hi = s->threshold;
        while (lo + 1 < hi) { /* the least t with >= half below */
            uint64_t mid = lo + (hi - lo) / 2;
            size_t c = 0;
            for (size_t k = 0; k < CG_FREP_SAMPLE; k++)
                c += hs[k] < mid;
            if (c >= CG_FREP_SAMPLE / 2)
                hi = mid;
            else
                lo = mid;
        }
        free(hs);
        s->threshold = hi;
        size_t w = s->nlab;
        for (size_t k = s->nlab; k < s->n; k++)
            if (s->v[k].h < s->threshold)
                s->v[w++] = s->v[k];
        s->n = w;
        reindex(s);
        s->has_last = 0; /* entries moved */
        if (h >= s->threshold)
            return NULL;
    }
    frsub *x = add_sub(s, msisdn, -1);
    x->churn_day = s->ndays; /* its reference weeks: the run's last */
    return x;
}

static double km(double la1, double lo1, double la2, double lo2)
{
    const double r = 3.14159265358979323846 / 180;
    double a = sin((la2 - la1) * r / 2), b = sin((lo2 - lo1) * r / 2);
    double h = a * a + cos(la1 * r) * cos(la2 * r) * b * b;
    return 2 * EARTH_KM * asin(sqrt(h < 1 ? h : 1));
}

int cg_frep_add(cg_frep_state *s, const cg_frep_row *r)
{
    if (!s)
        return 0;
    /* Wangiri: off-net numbers ringing short and unanswered */
    if (r->type == 0 && !r->mo && !r->answered && r->dur_s <= RING_MAX_S && r->other) {
        frnum *x = number(s, r->other, 1);
        if (x && x->rings < UINT32_MAX)
            x->rings++;
    }
    frsub *x;
    if (s->has_last && s->last_owner == r->owner) {
        x = s->last;
    } else {
        frnum *on = number(s, r->owner, 0);
        if (on)
            on->subscriber = 1;
        size_t i = slot_of(s, r->owner);
        x = s->keys[i] ? &s->v[s->idx[i]] : sample_sub(s, r->owner);
        s->last_owner = r->owner;
        s->last = x;
        s->has_last = 1;
    }
    if (!x)
        return 0;
    if (r->day != x->day) {
        x->day = r->day;
        x->night_prem = 0;
        x->prem_s = 0;
    }
    if (r->type == 0) {
        if (r->mo) {
            x->mo++;
            uint64_t b = cg_mix64(r->other ^ 0xca11) % CALLEE_BITS;
            x->callees[b / 8] |= (uint8_t)(1u << (b % 8));
            if (r->dur_s > 0 && is_premium(r->other)) {
                int64_t ls = r->t_ms / 1000 + r->off_min * 60;
                int64_t h = ((ls % 86400) + 86400) % 86400;
                x->prem_s += r->dur_s;
                if (x->prem_s > x->max_prem_s)
                    x->max_prem_s = x->prem_s;
                if (h < 6 * 3600 && r->dur_s >= NIGHT_PREM_S && ++x->night_prem > x->max_night_prem)
                    x->max_night_prem = x->night_prem;
            }
        } else {
            x->mt++;
        }
    } else {
        x->other++;
    }
    if (r->site >= 0) {
        if (x->site1 < 0)
            x->site1 = r->site;
        else if (r->site != x->site1)
            x->sites = 2;
    }
    int seen = 0;
    for (int k = 0; k < x->nimsi; k++)
        seen |= x->imsi[k] == r->imsi;
    if (!seen && x->nimsi < 4)
        x->imsi[x->nimsi++] = r->imsi;
    if (r->site >= 0) {
        if (x->has_last && r->t_ms >= x->last_t) {
            double d = km(x->last_lat, x->last_lon, r->lat, r->lon);
            double hrs = (double)(r->t_ms - x->last_t) / 3.6e6;
            if (hrs < 1.0 / 60)
                hrs = 1.0 / 60;
            if (d > JUMP_KM && d / hrs > JUMP_KMH)
                x->jumps++;
        }
        x->has_last = 1;
        x->last_t = r->t_ms;
        x->last_lat = r->lat;
        x->last_lon = r->lon;
    }
    int cd = x->churn_day;
    x->early += r->day >= cd - 28 && r->day < cd - 21;
    x->late += r->day >= cd - 7 && r->day < cd;
    return 0;
}

static double callees(const frsub *x)
{
    int zero = 0;
    for (int b = 0; b < CALLEE_BITS; b++)
        zero += !(x->callees[b / 8] >> (b % 8) & 1);
    if (zero == 0)
        zero = 1;
    return -CALLEE_BITS * log((double)zero / CALLEE_BITS); /* linear counting */
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    if (!n)
        return NAN;
    qsort(v, n, sizeof *v, cmp_dbl);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The metric of scenario sc for subscriber x; *ok 0 when x does not count
 * (a churn ratio without records in the early week). */
static double metric(int sc, const frsub *x, int *ok)
{
    *ok = 1;
    switch (sc) {
    case CG_FR_SIM_BOX: return callees(x);
    case CG_FR_IRSF: return x->max_night_prem;
    case CG_FR_SIM_SWAP: return x->nimsi;
    case CG_FR_BUST_OUT: return (double)x->max_prem_s / 3600.0;
    case CG_FR_CLONED_SIM: return (double)x->jumps;
    case CG_FR_CHURN: /* both weeks inside the run */
        *ok = x->early > 0 && x->churn_day >= 28;
        return x->early ? (double)x->late / (double)x->early : NAN;
    default: *ok = 0; return NAN;
    }
}

static int rule(int sc, const frsub *x, double box_median)
{
    int ok;
    double v = metric(sc, x, &ok);
    if (!ok)
        return 0;
    switch (sc) {
    case CG_FR_SIM_BOX:
        return v >= BOX_DEGREE_X * (box_median > 1 ? box_median : 1) &&
               (double)x->mt <= BOX_MT_SHARE * (double)x->mo && x->sites < 2;
    case CG_FR_IRSF: return v >= NIGHT_PREM_MIN;
    case CG_FR_SIM_SWAP: return v > 1;
    case CG_FR_BUST_OUT: return x->max_prem_s >= BUST_PREM_S;
    case CG_FR_CLONED_SIM: return v >= 1;
    case CG_FR_CHURN: return v <= CHURN_RATIO;
    default: return 0;
    }
}

static const char *const METRIC[CG_FR_N] = {
    "distinct callees", "rings <= 3 s unanswered by the number", "long premium calls at night, most in a night",
    "IMSIs per MSISDN", "premium call hours, busiest day", "moves > 30 km at > 300 km/h",
    "last week / week 4 weeks before"};
static const char *const RULE[CG_FR_N] = {
    "callees >= 10x the median, MT <= 5% of MO, one site", "a number ringing >= 20 times",
    ">= 3 premium calls of >= 10 min between 00 and 06 in a night", "more than one IMSI",
    ">= 3 h of premium calls in a day", "any such move", "weekly records fell by half or more"};

void cg_frep_finish(cg_frep_state *s, cg_frep *rep)
{
    if (!s)
        return;
    double *v = malloc((s->n + 1) * sizeof *v);
    double box_median = NAN;
    for (int sc = 0; v && sc < CG_FR_N; sc++) {
        cg_frep_metric *m = &rep->m[sc];
        m->metric = METRIC[sc];
        m->rule = RULE[sc];
        if (sc == CG_FR_WANGIRI) { /* over numbers, not subscribers */
            if (!s->nums)
                continue;
            size_t a = 0, b = 0;
            double *w = malloc((s->nnums + 1) * sizeof *w);
            if (!w)
                continue;
            for (size_t k = 0; k < CG_FREP_NUMBERS; k++) {
                const frnum *x = &s->nums[k];
                if (!x->number)
                    continue;
                if (x->labelled) {
                    m->n_labelled++;
                    m->hit_labelled += x->rings >= RING_MIN;
                } else if (x->rings && !x->subscriber) {
                    m->n_unlabelled++;
                    m->hit_unlabelled += x->rings >= RING_MIN;
                }
            }
            for (size_t k = 0; k < CG_FREP_NUMBERS; k++)
                if (s->nums[k].number && s->nums[k].labelled)
                    w[a++] = s->nums[k].rings;
            m->labelled = median(w, a);
            for (size_t k = 0; k < CG_FREP_NUMBERS; k++)
                if (s->nums[k].number && !s->nums[k].labelled && s->nums[k].rings &&
                    !s->nums[k].subscriber)
                    w[b++] = s->nums[k].rings;
            m->unlabelled = median(w, b);
            free(w);
            continue;
        }
        size_t a = 0;
        int ok;
        for (size_t k = s->nlab; k < s->n; k++) {
            double x = metric(sc, &s->v[k], &ok);
            if (ok)
                v[a++] = x;
        }
        m->n_unlabelled = a;
        m->unlabelled = median(v, a);
        if (sc == CG_FR_SIM_BOX)
            box_median = m->unlabelled;
        for (size_t k = s->nlab; k < s->n; k++)
            m->hit_unlabelled += (uint64_t)rule(sc, &s->v[k], box_median);
        a = 0;
        for (size_t k = 0; k < s->nlab; k++) {
            if (s->v[k].sc != sc)
                continue;
            double x = metric(sc, &s->v[k], &ok);
            if (!ok)
                continue;
            v[a++] = x;
            m->hit_labelled += (uint64_t)rule(sc, &s->v[k], box_median);
        }
        m->n_labelled = a;
        m->labelled = median(v, a);
    }
    free(v);
    free(s->v);
    free(s->keys);
    free(s->idx);
    free(s->nums);
    free(s);
}

static void dbl(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.6g", v);
    else
        fprintf(f, "null");
}

void cg_frep_json(FILE *f, const cg_frep *rep)
{
    if (!rep->present) {
        fprintf(f, "null");
        return;
    }
    fprintf(f, "{\"wangiri_numbers\":%llu,\"numbers_capped\":%s,\"labelled_capped\":%s,"
               "\"scenarios\":[",
            (unsigned long long)rep->numbers, rep->numbers_capped ? "true" : "false",
            rep->labelled_capped ? "true" : "false");
    for (int k = 0; k < CG_FR_N; k++) {
        const cg_frep_metric *m = &rep->m[k];
        fprintf(f, "%s{\"scenario\":\"%s\",\"cases\":%llu,\"metric\":\"%s\",\"labelled\":",
                k ? "," : "", cg_fr_names[k], (unsigned long long)rep->cases[k], m->metric);
        dbl(f, m->labelled);
        fprintf(f, ",\"unlabelled\":");
        dbl(f, m->unlabelled);
        fprintf(f, ",\"rule\":\"%s\",\"n_labelled\":%llu,\"hit_labelled\":%llu,"
                   "\"n_unlabelled\":%llu,\"hit_unlabelled\":%llu}",
                m->rule, (unsigned long long)m->n_labelled, (unsigned long long)m->hit_labelled,
                (unsigned long long)m->n_unlabelled, (unsigned long long)m->hit_unlabelled);
    }
    fprintf(f, "]}");
}

void cg_frep_print(FILE *f, const cg_frep *rep)
{
    if (!rep->present)
        return;
    fprintf(f, "fraud and churn (labels; metric labelled / unlabelled, rule hits):\n");
    for (int k = 0; k < CG_FR_N; k++) {
        const cg_frep_metric *m = &rep->m[k];
        if (!rep->cases[k] && !(k == CG_FR_WANGIRI && rep->numbers))
            continue;
        fprintf(f, "  %-11s %6llu cases  %s: %.4g / %.4g; %s: %llu of %llu labelled, %llu of "
                   "%llu unlabelled\n",
                cg_fr_names[k], (unsigned long long)rep->cases[k], m->metric, m->labelled,
                m->unlabelled, m->rule, (unsigned long long)m->hit_labelled,
                (unsigned long long)m->n_labelled, (unsigned long long)m->hit_unlabelled,
                (unsigned long long)m->n_unlabelled);
    }
}
