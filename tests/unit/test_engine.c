/* The generate engine without the command line (gen/engine.h): a format of
 * its own through the output interface, the hooks (progress, day totals,
 * notes), byte identity across worker counts, and rotation with a format
 * whose header differs from the CSV's. */
#include "gen/engine.h"
#include "io/json.h"
#include "test_gen_rows.h"

/* A test format: "T;msisdn_src\n" per record under the header "t;src\n". */
typedef struct tfmt {
    int inits;
    char tag[8];
} tfmt;

static void t_init(void *state, const cg_config *cfg)
{
    tfmt *t = state;
    (void)cfg;
    t->inits++;
    memcpy(t->tag, "CSD", 4); /* CALL, SMS, DATA */
}

static size_t t_rows(void *state, const cg_recbuf *rb, size_t from, size_t to, char *out,
                     uint64_t n[3])
{
    tfmt *t = state;
    size_t len = 0;
    for (size_t k = from; k < to; k++) {
        const cg_rec *r = cg_recbuf_at(rb, k);
        len += (size_t)snprintf(out + len, 40, "%c;%llu\n", t->tag[r->type],
                                (unsigned long long)cg_dnum_value(r->src));
        n[r->type]++;
    }
    return len;
}

static const cg_outfmt k_tfmt = {"test", "t;src\n", 40, sizeof(tfmt), t_init, t_rows};

typedef struct seen {
    int finals, polls, days;
    uint64_t last_done, last_total;
    uint64_t counts[3];
    char notes[4][256];
    int nnotes;
} seen;

static void h_progress(void *ctx, const cg_gen_progress *p)
{
    seen *s = ctx;
    s->polls++;
    if (p->final) {
        s->finals++;
        s->last_done = p->subs_done;
        s->last_total = p->subs_total;
    }
}

static void h_day(void *ctx, const char *date, const uint64_t n[3])
{
    seen *s = ctx;
    (void)date;
    s->days++;
    for (int t = 0; t < 3; t++)
        s->counts[t] += n[t];
}

static void h_note(void *ctx, const char *kind, const char *msg)
{
    seen *s = ctx;
    if (s->nnotes < 4)
        snprintf(s->notes[s->nnotes++], sizeof s->notes[0], "%s: %s", kind, msg);
}

/* Runs the engine with the test format, recording hooks into *s (progress
 * polled when poll). */
static int run_seen(const cg_config *cfg, int poll, seen *s)
{
    memset(s, 0, sizeof *s);
    cg_gen_hooks h = {s, poll ? h_progress : NULL, h_day, h_note};
    cg_err err;
    int rc = cg_gen_run(cfg, &k_tfmt, &h, &err);
    if (rc)
        fprintf(stderr, "  cg_gen_run: %s\n", err.msg);
    return rc;
}

static char *bundle(const cg_config *cfg, const char *date, size_t *n)
{
    char path[CG_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/cdr_%s.csv", cfg->out, date);
    return gr_slurp(path, n);
}

static void test_custom_format(void)
{
    cg_config cfg;
    gr_config(&cfg, 3000, "2025-01-15", 2);
    cfg.codec = CG_CODEC_NONE;
    cfg.workers = 1;
    seen s;
    cg_err err;
    CHECK_EQ_INT(run_seen(&cfg, 1, &s), CG_OK);
    CHECK_EQ_INT(s.days, 2);
    CHECK_EQ_INT(s.finals, 2);
    CHECK(s.polls >= 2);
    CHECK_EQ_INT(s.last_done, 3000);
    CHECK_EQ_INT(s.last_total, 3000);
    CHECK_EQ_INT(s.nnotes, 0);
    size_t n1;
    char *b1 = bundle(&cfg, "2025-01-15", &n1);
    CHECK(b1 && n1 > 6 && memcmp(b1, "t;src\n", 6) == 0);
    /* every row is the test format's, counted as the hook said */
    uint64_t rows[3] = {0, 0, 0}, other = 0;
    for (char *p = b1 + 6; b1 && p < b1 + n1;) {
        char *e = memchr(p, '\n', (size_t)(b1 + n1 - p));
        if (!e)
            break;
        if (p[1] != ';')
            other++;
        else if (p[0] == 'C')
            rows[0]++;
        else if (p[0] == 'S')
            rows[1]++;
        else if (p[0] == 'D')
            rows[2]++;
        else
            other++;
        p = e + 1;
    }
    size_t n2;
    char *b2 = bundle(&cfg, "2025-01-16", &n2);
    uint64_t day2 = 0;
    for (size_t i = 6; b2 && i < n2; i++)
        day2 += b2[i] == '\n';
    CHECK_EQ_INT(other, 0);
    CHECK_EQ_INT(rows[0] + rows[1] + rows[2] + day2, s.counts[0] + s.counts[1] + s.counts[2]);
    CHECK(rows[0] > 0 && rows[1] > 0 && rows[2] > 0);

    /* The same run on 4 workers: the same bytes. */
    cg_config c4 = cfg;
    gr_config(&c4, 3000, "2025-01-15", 2);
    c4.codec = CG_CODEC_NONE;
    c4.workers = 4;
    CHECK_EQ_INT(cg_gen_run(&c4, &k_tfmt, NULL, &err), CG_OK);
    size_t m1;
    char *d1 = bundle(&c4, "2025-01-15", &m1);
    CHECK(d1 && m1 == n1 && memcmp(d1, b1, n1) == 0);
    free(d1);
    gr_cleanup(&c4);

    /* Rotation at the test format's own header length: every part starts
     * with "t;src\n" and holds at least one row. */
    cg_config cr = cfg;
    gr_config(&cr, 200, "2025-01-15", 1);
    cr.codec = CG_CODEC_NONE;
    cr.rotate_bytes = 2000;
    CHECK_EQ_INT(cg_gen_run(&cr, &k_tfmt, NULL, &err), CG_OK);
    int parts = 0, bad = 0;
    for (;; parts++) {
        char path[CG_PATH_MAX + 128];
        snprintf(path, sizeof path, "%s/2025-01-15/cdr_2025-01-15_shard000_part%03d.csv", cr.out,
                 parts);
        size_t n;
        char *t = gr_slurp(path, &n);
        if (!t)
            break;
        bad += n < 8 || memcmp(t, "t;src\n", 6) != 0 || t[n - 1] != '\n' || n < 2000 - 40;
        free(t);
    }
    CHECK(parts > 3);
    CHECK_MSG(bad <= 1, "%d parts without header, row or size", bad); /* the last may be short */
    gr_cleanup(&cr);
    free(b1);
    free(b2);
    gr_cleanup(&cfg);
}

/* Notes come through the hook before anything is written. */
static void test_notes(void)
{
    cg_config cfg;
    gr_config(&cfg, 50, "2011-12-29", 3);
    snprintf(cfg.tz_name, sizeof cfg.tz_name, "Pacific/Apia");
    cfg.codec = CG_CODEC_NONE;
    seen s;
    CHECK_EQ_INT(run_seen(&cfg, 0, &s), CG_OK);
    CHECK_EQ_INT(s.nnotes, 1);
    CHECK(strstr(s.notes[0], "note: local date 2011-12-30 does not exist") != NULL);
    CHECK_EQ_INT(s.days, 3);
    gr_cleanup(&cfg);
}

int main(void)
{
    RUN_TEST(test_custom_format);
    RUN_TEST(test_notes);
    TEST_REPORT();
}
