/* Subscriber database generator. Each subscriber's event processes (device,
 * SIM, release) are Bernoulli trials per day; instead of 3 draws per
 * subscriber-day we draw the geometric gap to the next success, keyed by
 * (seed, subscriber, day of the last success, purpose), and park the
 * subscriber in the bucket of its next event day: work is O(events), the
 * result depends only on the keys, and memory is ~48 bytes per subscriber. */
#include "db/subgen.h"
#include "core/mem.h"
#include "core/stop.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "db/subvalidate.h"

#define NEVER INT32_MAX
#define NONE UINT32_MAX
#define MSIN_SPACE 10000000000ull /* 10-digit MSIN */
#define N_TAC 32
#define DEV_SPACE (N_TAC * 1000000ull) /* TAC x 6-digit serial */
#define NEW_SUB_DAILY 0.01

/* Purposes of the random keys (the 4th key word's low byte); never renumber. */
enum {
    K_GAP = 1,       /* + process: gap to the next event */
    K_TIME = 4,      /* + process: ms of day of the event */
    K_SIM_IMEI = 7,  /* does a SIM swap come with a new handset */
    K_MCC = 8,       /* mccmnc of a subscriber */
    K_NEWSUB = 9,    /* the daily brand-new subscriber */
    K_ASSIGN = 10,   /* ms of the re-assignment */
    K_PERM = 11      /* identity permutations */
};

enum { PR_DEV = 0, PR_SIM = 1, PR_REL = 2, N_PROC = 3 };

/* Type Allocation Codes of plausible handsets; 8 digits, no leading zero so
 * the IMEI keeps 15 digits as an integer. */
static const uint32_t tacs[N_TAC] = {
    35332011, 35407115, 35925406, 35391110, 35875908, 35161508, 35328210, 35449209,
    35203312, 35676211, 35824005, 35290611, 35467108, 35976707, 35102620, 35548114,
    86891503, 86769804, 86237204, 86119702, 86450905, 86687103, 86033005, 86799305,
    35699811, 35135009, 35346710, 35906309, 35257610, 35488512, 35711719, 35004312};

typedef struct ent {
    uint64_t imsi, msisdn, imei; /* msisdn 0: released, gone */
    uint32_t mccmnc;
    uint32_t link;               /* next subscriber in the same day bucket */
    int32_t next[N_PROC];        /* day of the next event of each process */
} ent;

typedef struct released {
    uint64_t msisdn;
    int64_t ts;
    int64_t day; /* day of re-assignment */
} released;

typedef struct dayev {
    cg_sub_event ev;
    uint64_t seq; /* generation order: breaks timestamp ties */
} dayev;

typedef struct gen {
    const cg_config *cfg;
    uint64_t seed;
    double p[N_PROC];
    int32_t days;
    ent *e;
    uint64_t n_ent, cap_ent;
    uint32_t *head; /* per day: first subscriber of its bucket */
    uint32_t mcc[CG_MAX_MCCMNC];
    uint64_t prefix[CG_MAX_PREFIXES];
    uint64_t next_imsi, next_dev, next_msisdn, msisdn_cap;
    uint64_t a_imsi, b_imsi, a_dev, b_dev;
    released *rq;
    size_t rq_head, rq_len, rq_cap;
    dayev *day;
    cg_sub_event *out; /* the day's events once sorted, cap_day of them */
    size_t n_day, cap_day;
    uint32_t *scratch;
    size_t cap_scratch;
    uint64_t active;
} gen;

double cg_subgen_daily_prob(double annual)
{
    if (annual <= 0)
        return 0;
    if (annual >= 1)
        return 1;
    return -expm1(log1p(-annual) / 365.0);
}

static cg_rng krng(const gen *g, uint64_t entity, int64_t day, unsigned purpose)
{
    return cg_rng_make(g->seed, CG_S_DB, entity, ((uint64_t)(day + 1) << 8) | purpose);
}

/* Day of the next success of a daily Bernoulli(p) process after day `from`. */
static int32_t next_day(const gen *g, uint64_t entity, int64_t from, int proc)
{
    double p = g->p[proc];
    if (p <= 0)
        return NEVER;
    int64_t k = 1;
    if (p < 1) {
        cg_rng r = krng(g, entity, from, K_GAP + (unsigned)proc);
        double gap = floor(log(cg_rng_u01_open(&r)) / log1p(-p));
        k = gap > 1e9 ? (int64_t)1e9 : 1 + (int64_t)gap;
    }
    int64_t d = from + k;
    return d >= g->days ? NEVER : (int32_t)d;
}

/* Odd, not a multiple of 5: coprime with 10^k and with 32*10^6. */
static uint64_t coprime_mult(uint64_t x, uint64_t mod)
{
    uint64_t a = (x % mod) | 1;
    while (a % 5 == 0 || a >= mod)
        a = (a + 2) % mod;
    return a;
}

static uint64_t new_imsi(gen *g, uint32_t mccmnc)
{
    uint64_t k = g->next_imsi++;
    uint64_t msin = (uint64_t)(((cg_u128)g->a_imsi * k + g->b_imsi) % MSIN_SPACE);
    return (uint64_t)mccmnc * MSIN_SPACE + msin;
}

static uint64_t new_imei(gen *g)
{
    uint64_t k = g->next_dev++;
    uint64_t x = (uint64_t)(((cg_u128)g->a_dev * k + g->b_dev) % DEV_SPACE);
    uint64_t body = (uint64_t)tacs[x % N_TAC] * 1000000ull + x / N_TAC;
    return body * 10 + cg_subval_luhn_digit(body);
}

static void bucket_put(gen *g, uint32_t id)
{
    ent *s = &g->e[id];
    int32_t d = s->next[0];
    for (int i = 1; i < N_PROC; i++)
        if (s->next[i] < d)
            d = s->next[i];
    if (d == NEVER)
        return;
    s->link = g->head[d];
    g->head[d] = id;
}

static int emit(gen *g, int type, int64_t ts, const ent *s, uint64_t imei, cg_err *err)
{
    if (g->n_day == g->cap_day) {
        size_t c1 = g->cap_day, c2 = g->cap_day;
        dayev *p = cg_grow_min(g->day, &c1, g->n_day + 1, sizeof *p, 4096);
        if (p)
            g->day = p;
        cg_sub_event *o = p ? cg_grow_min(g->out, &c2, g->n_day + 1, sizeof *o, 4096) : NULL;
        if (!o)
            return cg_err_set(err, CG_ERUNTIME, "db generate: out of memory");
        g->out = o;
        g->cap_day = c1 < c2 ? c1 : c2;
    }
    dayev *x = &g->day[g->n_day];
    x->seq = g->n_day++;
    x->ev.ts_ms = ts;
    x->ev.type = (uint8_t)type;
    x->ev.imsi = s->imsi;
    x->ev.msisdn = s->msisdn;
    x->ev.imei = imei;
    x->ev.mccmnc = s->mccmnc;
    return CG_OK;
}

/* A new subscriber (initial, brand-new or re-assignee) whose trials start
 * the day after `from`. */
static int add_ent(gen *g, uint64_t msisdn, int64_t from, uint32_t *id, cg_err *err)
{
    if (g->n_ent == g->cap_ent) {
        uint64_t cap = g->cap_ent * 2;
        ent *p = cap < NONE ? realloc(g->e, cap * sizeof *p) : NULL;
        if (!p)
            return cg_err_set(err, CG_ERUNTIME, "db generate: out of memory");
        g->e = p;
        g->cap_ent = cap;
    }
    uint32_t i = (uint32_t)g->n_ent++;
    ent *s = &g->e[i];
    cg_rng r = krng(g, i, 0, K_MCC);
    s->mccmnc = g->mcc[cg_rng_below(&r, (uint64_t)g->cfg->n_mccmnc)];
    s->imsi = new_imsi(g, s->mccmnc);
    s->imei = new_imei(g);
    s->msisdn = msisdn;
    for (int p = 0; p < N_PROC; p++)
        s->next[p] = next_day(g, i, from, p);
    bucket_put(g, i);
    g->active++;
    *id = i;
    return CG_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_dayev(const void *a, const void *b)
{
    const dayev *x = a, *y = b;
    if (x->ev.ts_ms != y->ev.ts_ms)
        return x->ev.ts_ms < y->ev.ts_ms ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The events of subscriber id on day d, in time order (ties: process order). */
static int run_ent(gen *g, uint32_t id, int32_t d, cg_err *err)
{
    ent *s = &g->e[id];
    int proc[N_PROC], n = 0;
    int64_t ms[N_PROC];
    for (int p = 0; p < N_PROC; p++) {
        if (s->next[p] != d)
            continue;
        cg_rng r = krng(g, id, d, K_TIME + (unsigned)p);
        int64_t t = (int64_t)cg_rng_below(&r, CG_SUBGEN_DAY_MS);
        int j = n++;
        while (j > 0 && ms[j - 1] > t) { /* insertion sort; equal keeps process order */
            ms[j] = ms[j - 1];
            proc[j] = proc[j - 1];
            j--;
        }
        ms[j] = t;
        proc[j] = p;
    }
    int64_t day0 = CG_SUBGEN_T0_MS + (int64_t)d * CG_SUBGEN_DAY_MS;
    for (int i = 0; i < n; i++) {
        int64_t ts = day0 + ms[i];
        int rc;
        switch (proc[i]) {
        case PR_DEV:
            s->imei = new_imei(g);
            rc = emit(g, CG_EV_CHANGE_DEVICE, ts, s, s->imei, err);
            break;
        case PR_SIM: {
            s->imsi = new_imsi(g, s->mccmnc);
            cg_rng r = krng(g, id, d, K_SIM_IMEI);
            if (cg_rng_u01(&r) < 0.5)
                s->imei = new_imei(g);
            rc = emit(g, CG_EV_CHANGE_SIM, ts, s, s->imei, err);
            break;
        }
        default: /* PR_REL: the subscriber leaves; its number cools down */
            rc = emit(g, CG_EV_RELEASE_NUMBER, ts, s, 0, err);
            if (rc)
                return rc;
            if (g->rq_head + g->rq_len == g->rq_cap) {
                if (g->rq_head) {
                    memmove(g->rq, g->rq + g->rq_head, g->rq_len * sizeof *g->rq);
                    g->rq_head = 0;
                } else {
                    released *p = cg_grow_min(g->rq, &g->rq_cap, g->rq_cap + 1, sizeof *p, 1024);
                    if (!p)
                        return cg_err_set(err, CG_ERUNTIME, "db generate: out of memory");
                    g->rq = p;
                }
            }
            g->rq[g->rq_head + g->rq_len++] =
                (released){s->msisdn, ts, (int64_t)d + g->cfg->db_cooldown_days};
            s->msisdn = 0;
            g->active--;
            return CG_OK;
        }
        if (rc)
            return rc;
    }
    for (int i = 0; i < n; i++)
        s->next[proc[i]] = next_day(g, id, d, proc[i]);
    bucket_put(g, id);
    return CG_OK;
}

static int run_day(gen *g, int32_t d, cg_subsink *sink, cg_err *err)
{
    int rc;
    g->n_day = 0;
    /* the bucket in ascending subscriber order, so identity serials are
     * handed out in an order that does not depend on bucket history */
    size_t n = 0;
    for (uint32_t i = g->head[d]; i != NONE; i = g->e[i].link) {
        if (n == g->cap_scratch) {
            uint32_t *p = cg_grow_min(g->scratch, &g->cap_scratch, n + 1, sizeof *p, 4096);
            if (!p)
                return cg_err_set(err, CG_ERUNTIME, "db generate: out of memory");
            g->scratch = p;
        }
        g->scratch[n++] = i;
    }
    g->head[d] = NONE;
    if (n > 1)
        qsort(g->scratch, n, sizeof *g->scratch, cmp_u32);
    for (size_t i = 0; i < n; i++)
        if ((rc = run_ent(g, g->scratch[i], d, err)))
            return rc;

    /* re-assignments due today, oldest release first */
    while (g->rq_len && g->rq[g->rq_head].day == d) {
        released x = g->rq[g->rq_head++];
        g->rq_len--;
        uint32_t id;
        if ((rc = add_ent(g, x.msisdn, d, &id, err)))
            return rc;
        /* at least db_cooldown_days after the release, inside day d */
        int64_t tod = (x.ts - CG_SUBGEN_T0_MS) % CG_SUBGEN_DAY_MS;
        cg_rng r = krng(g, id, d, K_ASSIGN);
        int64_t ts = x.ts + (int64_t)g->cfg->db_cooldown_days * CG_SUBGEN_DAY_MS +
                     (int64_t)cg_rng_below(&r, (uint64_t)(CG_SUBGEN_DAY_MS - tod));
        if ((rc = emit(g, CG_EV_ASSIGN_NUMBER, ts, &g->e[id], g->e[id].imei, err)))
            return rc;
    }

    cg_rng r = krng(g, UINT64_MAX, d, K_NEWSUB);
    if (cg_rng_u01(&r) < NEW_SUB_DAILY && g->next_msisdn < g->msisdn_cap) {
        uint64_t m = g->next_msisdn++;
        uint64_t P = (uint64_t)g->cfg->n_prefixes;
        uint32_t id;
        if ((rc = add_ent(g, g->prefix[m % P] * 10000000ull + m / P, d, &id, err)))
            return rc;
        int64_t ts = CG_SUBGEN_T0_MS + (int64_t)d * CG_SUBGEN_DAY_MS +
                     (int64_t)cg_rng_below(&r, CG_SUBGEN_DAY_MS);
        if ((rc = emit(g, CG_EV_NEW_SUBSCRIBER, ts, &g->e[id], g->e[id].imei, err)))
            return rc;
    }

    if (g->n_day == 0)
        return CG_OK;
    qsort(g->day, g->n_day, sizeof *g->day, cmp_dayev);
    for (size_t i = 0; i < g->n_day; i++)
        g->out[i] = g->day[i].ev;
    return cg_subsink_add(sink, g->out, g->n_day, err);
}

static int parse_digits(const char *s, uint64_t *v)
{
    if (!s[0] || s[0] == '0')
        return -1;
    *v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        *v = *v * 10 + (uint64_t)(*s - '0');
    }
    return 0;
}

int cg_subgen_check(const cg_config *cfg, cg_err *err)
{
    uint64_t v;
    if (cfg->n_prefixes < 1)
        return cg_err_set(err, CG_EUSAGE, "--prefixes: give at least one prefix");
    for (int i = 0; i < cfg->n_prefixes; i++) {
        size_t n = strlen(cfg->prefixes[i]);
        if (n < 3 || n > 6 || parse_digits(cfg->prefixes[i], &v))
            return cg_err_set(err, CG_EUSAGE,
                              "--prefixes: \"%s\" must be 3-6 digits not starting with 0 (the "
                              "database stores MSISDNs as integers)",
                              cfg->prefixes[i]);
    }
    if (cfg->n_mccmnc < 1)
        return cg_err_set(err, CG_EUSAGE, "mccmnc_pool: give at least one mccmnc");
    for (int i = 0; i < cfg->n_mccmnc; i++)
        if (strlen(cfg->mccmnc_pool[i]) != 5 || parse_digits(cfg->mccmnc_pool[i], &v))
            return cg_err_set(err, CG_EUSAGE,
                              "mccmnc_pool: \"%s\" must be 5 digits not starting with 0 (the "
                              "database stores mccmnc as an integer)",
                              cfg->mccmnc_pool[i]);
    uint64_t cap = (uint64_t)cfg->n_prefixes * CG_NUMBERS_PER_PREFIX;
    if (cfg->db_size > cap)
        return cg_err_set(err, CG_EUSAGE,
                          "--size / db_size: %llu subscribers do not fit %d prefixes (at most "
                          "%llu; add --prefixes)",
                          (unsigned long long)cfg->db_size, cfg->n_prefixes,
                          (unsigned long long)cap);
    if (cfg->db_size > 100000000ull)
        return cg_err_set(err, CG_EUSAGE, "--size / db_size: at most 100000000");
    if (cfg->db_history_days < 0 || cfg->db_history_days > CG_DAYS_MAX)
        return cg_err_set(err, CG_EUSAGE, "--history-days / db_history_days: %d is out of range "
                          "(0..%d)", cfg->db_history_days, CG_DAYS_MAX);
    if (cfg->db_cooldown_days < 0 || cfg->db_cooldown_days > CG_DAYS_MAX)
        return cg_err_set(err, CG_EUSAGE, "--cooldown-days / db_cooldown_days: %d is out of "
                          "range (0..%d)", cfg->db_cooldown_days, CG_DAYS_MAX);
    const struct { const char *name; double v; } pr[] = {
        {"--device-change-rate / db_device_change_rate", cfg->db_device_change_rate},
        {"--sim-change-rate / db_sim_change_rate", cfg->db_sim_change_rate},
        {"--number-release-rate / db_number_release_rate", cfg->db_number_release_rate}};
    for (int i = 0; i < 3; i++)
        if (!(pr[i].v >= 0 && pr[i].v <= 1))
            return cg_err_set(err, CG_EUSAGE, "%s: %g is not a probability in [0,1]", pr[i].name,
                              pr[i].v);
    return CG_OK;
}

static void gen_free(gen *g)
{
    free(g->e);
    free(g->head);
    free(g->rq);
    free(g->day);
    free(g->out);
    free(g->scratch);
}

int cg_subgen_run(const cg_config *cfg, cg_subsink *sink, cg_subgen_stats *st, cg_err *err)
{
    int rc = cg_subgen_check(cfg, err);
    if (rc)
        return rc;
    memset(st, 0, sizeof *st);
    gen g = {0};
    g.cfg = cfg;
    g.seed = cfg->seed;
    g.days = cfg->db_history_days;
    g.p[PR_DEV] = cg_subgen_daily_prob(cfg->db_device_change_rate);
    g.p[PR_SIM] = cg_subgen_daily_prob(cfg->db_sim_change_rate);
    g.p[PR_REL] = cg_subgen_daily_prob(cfg->db_number_release_rate);
    for (int i = 0; i < cfg->n_mccmnc; i++)
        g.mcc[i] = (uint32_t)strtoul(cfg->mccmnc_pool[i], NULL, 10);
    for (int i = 0; i < cfg->n_prefixes; i++)
        g.prefix[i] = strtoull(cfg->prefixes[i], NULL, 10);
    g.msisdn_cap = (uint64_t)cfg->n_prefixes * CG_NUMBERS_PER_PREFIX;
    cg_rng pr = krng(&g, UINT64_MAX, -1, K_PERM);
    g.a_imsi = coprime_mult(cg_rng_next(&pr), MSIN_SPACE);
    g.b_imsi = cg_rng_below(&pr, MSIN_SPACE);
    g.a_dev = coprime_mult(cg_rng_next(&pr), DEV_SPACE);
    g.b_dev = cg_rng_below(&pr, DEV_SPACE);

    /* re-assignees and brand-new subscribers add a few percent */
    g.cap_ent = cfg->db_size + cfg->db_size / 8 + 1024;
    g.e = malloc(g.cap_ent * sizeof *g.e);
    g.head = malloc(((size_t)g.days + 1) * sizeof *g.head);
    if (!g.e || !g.head) {
        gen_free(&g);
        return cg_err_set(err, CG_ERUNTIME, "db generate: out of memory for %llu subscribers",
                          (unsigned long long)cfg->db_size);
    }
    for (int32_t d = 0; d <= g.days; d++)
        g.head[d] = NONE;

    /* the initial population, written in subscriber order as it is made */
    uint64_t P = (uint64_t)cfg->n_prefixes;
    cg_sub_event buf[1024];
    size_t nb = 0;
    for (uint64_t i = 0; i < cfg->db_size; i++) {
        uint32_t id;
        if ((i & 65535) == 0 && cg_stop_requested()) {
            rc = cg_stop_err(err);
            goto out;
        }
        if ((rc = add_ent(&g, g.prefix[i % P] * 10000000ull + i / P, -1, &id, err)))
            goto out;
        const ent *s = &g.e[id];
        buf[nb++] = (cg_sub_event){CG_SUBGEN_T0_MS, CG_EV_NEW_SUBSCRIBER, s->imsi, s->msisdn,
                                   s->imei, s->mccmnc};
        if (nb == sizeof buf / sizeof buf[0] || i + 1 == cfg->db_size) {
            if ((rc = cg_subsink_add(sink, buf, nb, err)))
                goto out;
            st->events += nb;
            nb = 0;
        }
    }
    g.next_msisdn = cfg->db_size;

    for (int32_t d = 0; d < g.days; d++) {
        if (cg_stop_requested()) {
            rc = cg_stop_err(err);
            goto out;
        }
        if ((rc = run_day(&g, d, sink, err)))
            goto out;
        st->events += g.n_day;
    }
    st->active = g.active;
    st->cooldown = g.rq_len;
out:
    gen_free(&g);
    return rc;
}
