/* Fraud scenarios and churn (`fraud:`, `churn:`; MODEL.md "Fraud and
 * churn", docs/SCENARIOS.md): who takes part in which case, and when.
 *
 * The cases are ranks 0..N-1 of one run-wide permutation of the
 * subscribers (cg_perm, core/people.h): ranks [base[k], base[k] + count[k]) are scenario
 * k's, so a subscriber is in at most one case, its case is found by one
 * inverse permutation (no table, memory flat), and the labels list the
 * cases by walking the ranks. A case's days and times are a hash of (seed,
 * scenario, member). Everything is a pure function of (seed,
 * configuration, subscriber). */
#ifndef CG_FRAUD_H
#define CG_FRAUD_H

#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "core/people.h"

enum cg_fr_scenario {
    CG_FR_SIM_BOX = 0, CG_FR_WANGIRI, CG_FR_IRSF, CG_FR_SIM_SWAP, CG_FR_BUST_OUT,
    CG_FR_CLONED_SIM, CG_FR_CHURN, CG_FR_N, CG_FR_NONE = -1
};

/* "sim_box", "wangiri", ... "churn": the scenario column of the labels. */
extern const char *const cg_fr_names[CG_FR_N];

/* Premium-rate international ranges the scenarios call (country code and
 * the start of a range; FORMAT.md numbers have no '+'). */
#define CG_FR_RANGES 6
extern const uint64_t cg_fr_range[CG_FR_RANGES];
extern const int cg_fr_range_len[CG_FR_RANGES];

typedef struct cg_fmodel {
    int on;
    uint64_t seed, S;
    int32_t start_day, days;       /* the run: days since 1970, count */
    cg_perm perm;
    uint64_t base[CG_FR_N + 1], count[CG_FR_N];
    uint64_t group[CG_FR_N];       /* members per group (a box, a campaign), 1 otherwise */
    uint64_t box_slots;            /* box SIMs x CG_BOX_SLOTS */
    cg_fraud fr;                   /* the settings */
    int db_churn;                  /* churn follows the database's releases */
    /* with a database, the SIM swaps: CHANGE_SIM events of the run, by
     * subscriber (sw_i ascending, sw_t their instants) */
    uint64_t *sw_i;
    int64_t *sw_t;
    size_t nsw;
} cg_fmodel;

/* One subscriber's case. */
typedef struct cg_fcase {
    int sc;              /* enum cg_fr_scenario, CG_FR_NONE */
    uint64_t member;     /* rank within the scenario */
    uint64_t group;      /* the box, the campaign, the range; else the member */
    int32_t d0, d1;      /* days [d0, d1) it acts on (days since 1970) */
    int32_t sd, ed;      /* the label's start and end: days, and hours after */
    double sh, eh;       /* their local midnights (may pass 24) */
    int32_t d2;          /* bust-out: first day of the burst; churn: of the fade */
    double a, b, c;      /* Wangiri: ring seconds, callback hour after d0's midnight
                            (-1: none), its seconds; SIM swap: the swap's hour;
                            IRSF, bust-out: the range */
    int64_t t0, t1;      /* the label's start and end, UTC ms */
    int db;              /* a SIM swap of the database's (its own IMSIs) */
} cg_fcase;

/* UTC ms of hour h after local midnight of day d. */
int64_t cg_fraud_ms(int32_t d, double h);

/* CG_EUSAGE when the cases need more subscribers than the run has. */
int cg_fmodel_init(cg_fmodel *f, const cg_config *cfg, uint64_t S, cg_err *err);

/* With a database: of its SIM changes in the run, the fr.swap_count with
 * the lowest hash of (seed, subscriber, instant) become SIM swaps (not a
 * subscriber with another case); next_sim as cg_idsource's. */
int cg_fmodel_db_swaps(cg_fmodel *f, void *ctx, int64_t (*next_sim)(void *, uint64_t, int64_t),
                       cg_err *err);
void cg_fmodel_free(cg_fmodel *f);

/* Subscriber i's case (sc CG_FR_NONE when it has none); the scenario's
 * member m's case. */
void cg_fraud_case(const cg_fmodel *f, uint64_t i, cg_fcase *c);
void cg_fraud_member(const cg_fmodel *f, int sc, uint64_t m, cg_fcase *c);
/* The subscriber of scenario sc's member m. */
uint64_t cg_fraud_subscriber(const cg_fmodel *f, int sc, uint64_t m);

/* The share of a case's own traffic (and of its ties') kept on day d: 0
 * for a SIM box SIM (none of a person's), before a bust-out's activation
 * and after it; falling to 0 over a churner's fade; else 1. */
double cg_fraud_presence(const cg_fmodel *f, const cg_fcase *c, int32_t d);

/* With a database (db_churn): the share kept on a day that starts at t0
 * of a holder whose number is released at T (-1: not). */
double cg_fraud_release_fade(const cg_fmodel *f, int64_t t0, int64_t T);

/* A uniform in [0, 1) of (seed, key, tag). */
double cg_fraud_u(const cg_fmodel *f, uint64_t key, uint64_t tag);

/* The international number k of a Wangiri campaign, of an IRSF or bust-out
 * case's range (r: a hash). */
uint64_t cg_fraud_number(const cg_fmodel *f, int sc, uint64_t group, uint64_t r);

#endif
