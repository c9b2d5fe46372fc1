/* Tests of the People model in-process (core/people.h, core/synth.h):
 * every tie is seen alike from both of its sides (same relation, key,
 * strength, lean, talk shift), before and after the weak ties turn over;
 * the members of a household share one home and the members of a work
 * place one work place; both sides of a tie draw the same events of the
 * day; the calibrated mean number of ties is avg_contacts; tiny
 * populations work. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cells.h"
#include "core/people.h"
#include "core/synth.h"
#include "io/tzdb.h"
#include "testhelp.h"

static cg_tie T1[CG_TIE_MAX], T2[CG_TIE_MAX];

static int build(cg_model *m, cg_cells *cells, cg_config *cfg, uint64_t S)
{
    cg_err err;
    cg_err_clear(&err);
    if (cg_tz_use("Europe/Amsterdam", &err) != CG_OK ||
        cg_cells_build(cells, 300, cfg->center_lat, cfg->center_lon, cfg->radius_km, cfg->seed,
                       &err) != CG_OK ||
        cg_model_init(m, cfg, S, cells, NULL, &err) != CG_OK) {
        fprintf(stderr, "  model: %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* The tie of who with peer position q, or NULL. */
static const cg_tie *find_tie(const cg_tie *t, int n, uint64_t q, uint64_t key)
{
    for (int k = 0; k < n; k++)
        if (t[k].peer.pos == q && t[k].key == key)
            return &t[k];
    return NULL;
}

static void check_symmetry(uint64_t S, int64_t week)
{
    cg_config cfg;
    cg_config_defaults(&cfg);
    cg_cells cells;
    cg_model m;
    if (build(&m, &cells, &cfg, S)) {
        CHECK(0);
        return;
    }
    const cg_people_model *pm = &m.people;
    long ties = 0, missing = 0, differ = 0, home = 0, work = 0;
    for (uint64_t p = 0; p < S; p++) {
        cg_person a;
        cg_people_person(pm, p, &a);
        int n = cg_people_ties(pm, &a, week, T1);
        CHECK(n >= 0 && n <= CG_TIE_MAX);
        cg_anchor aa;
        cg_people_anchor(pm, &a, &aa);
        for (int k = 0; k < n; k++) {
            ties++;
            cg_person b;
            cg_people_person(pm, T1[k].peer.pos, &b);
            int nb = cg_people_ties(pm, &b, week, T2);
            const cg_tie *back = find_tie(T2, nb, p, T1[k].key);
            if (!back) {
                missing++;
                continue;
            }
            if (back->kind != T1[k].kind || back->strength != T1[k].strength ||
                back->bias != T1[k].bias || back->talk != T1[k].talk)
                differ++;
            cg_anchor ab;
            cg_people_anchor(pm, &b, &ab);
            if (T1[k].kind == CG_TIE_HOUSEHOLD && (ab.hx != aa.hx || ab.hy != aa.hy))
                home++;
            if (T1[k].kind == CG_TIE_WORK && (ab.wx != aa.wx || ab.wy != aa.wy))
                work++;
        }
    }
    CHECK_MSG(missing == 0 && differ == 0,
              "S=%llu week %lld: of %ld ties %ld not seen back, %ld seen otherwise",
              (unsigned long long)S, (long long)week, ties, missing, differ);
    CHECK_MSG(home == 0 && work == 0, "S=%llu: %ld households apart, %ld work places apart",
              (unsigned long long)S, home, work);
    cg_model_free(&m);
    cg_cells_free(&cells);
}

static void test_tie_symmetry(void)
{
    check_symmetry(1, 2900);
    check_symmetry(7, 2900);
    check_symmetry(3000, 2900);
    check_symmetry(3000, 2905); /* some weak-tie layers have turned over */
}

/* The mean number of ties of a population is avg_contacts: exact in
 * expectation for the calibration sample (here the whole population), so
 * only the Bernoulli noise of the draws is left: the sum over ~90000 ties
 * of Bernoulli variables has a relative SD below 0.4%; 2% is 5 SD. */
static void test_mean_degree(void)
{
    cg_config cfg;
    cg_config_defaults(&cfg);
    cg_cells cells;
    cg_model m;
    if (build(&m, &cells, &cfg, 3000)) {
        CHECK(0);
        return;
    }
    double deg = 0;
    for (uint64_t p = 0; p < 3000; p++) {
        cg_person a;
        cg_people_person(&m.people, p, &a);
        deg += cg_people_ties(&m.people, &a, 2900, T1);
    }
    deg /= 3000;
    CHECK_MSG(fabs(deg / cfg.avg_contacts - 1) < 0.02, "mean ties %.2f for avg_contacts %.0f",
              deg, cfg.avg_contacts);
    cg_model_free(&m);
    cg_cells_free(&cells);
}

/* Both sides of a tie draw the same events of the day, each the other's
 * mirror (same key, start, duration, disposition; the originator is one
 * of them). */
static void test_events_mirror(void)
{
    cg_config cfg;
    cg_config_defaults(&cfg);
    cfg.start_day = 20150; /* 2025-03-03 */
    cg_cells cells;
    cg_model m;
    if (build(&m, &cells, &cfg, 2000)) {
        CHECK(0);
        return;
    }
    cg_err err;
    cg_err_clear(&err);
    cg_dayparams dp;
    CHECK_EQ_INT(cg_dayparams_init(&dp, &m, 0, &err), CG_OK);
    cg_evbuf a = {0}, b = {0};
    long seen = 0, bad = 0;
    for (uint64_t p = 0; p < 2000; p += 7) {
        int na;
        CHECK_EQ_INT(cg_synth_events(&m, &dp, p, T1, &na, &a), 0);
        for (size_t k = 0; k < a.n; k++) {
            const cg_ev *x = &a.v[k];
            if (x->tie < 0)
                continue;
            int nb;
            CHECK_EQ_INT(cg_synth_events(&m, &dp, x->peer, T2, &nb, &b), 0);
            const cg_ev *y = NULL;
            for (size_t j = 0; j < b.n; j++)
                if (b.v[j].key == x->key)
                    y = &b.v[j];
            seen++;
            if (!y || y->start != x->start || y->dur != x->dur || y->disp != x->disp ||
                y->type != x->type || y->self_orig == x->self_orig || y->peer != p)
                bad++;
        }
    }
    CHECK_MSG(seen > 1000 && bad == 0, "%ld of %ld on-net events not mirrored", bad, seen);
    free(a.v);
    free(b.v);
    cg_dayparams_free(&dp);
    cg_model_free(&m);
    cg_cells_free(&cells);
}

int main(void)
{
    RUN_TEST(test_tie_symmetry);
    RUN_TEST(test_mean_degree);
    RUN_TEST(test_events_mirror);
    TEST_REPORT();
}
