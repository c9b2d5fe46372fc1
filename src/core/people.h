/* Who people are and whom they know (MODEL.md "People"), computed, never
 * stored, so memory does not grow with the population and any process can
 * answer for any subscriber.
 *
 * A keyed permutation gives subscriber i a social position p. Positions
 * are laid along the population map's Hilbert order (core/popmap.h), so a
 * run of consecutive positions is a patch of the map. On them:
 * - households: short runs of consecutive positions sharing one home;
 * - work places and schools: groups of a district (a block of positions
 *   holding a fixed share of the population) shuffled by a permutation of
 *   its own, sharing one work or school place;
 * - friend circles: groups of a neighbourhood and of a town (smaller and
 *   larger blocks), the same way;
 * - weak ties: pairs of a population-wide involution, re-drawn every few
 *   weeks, layer by layer.
 * Every relation is decided by a symmetric rule on the two positions and a
 * hash of the pair, so both sides of a tie enumerate it alone and agree on
 * its strength, direction bias and talk time. */
#ifndef CG_PEOPLE_H
#define CG_PEOPLE_H

#include <stdint.h>

#include "core/cells.h"
#include "core/config.h"
#include "core/popmap.h"

enum cg_tie_kind {
    CG_TIE_HOUSEHOLD = 0, CG_TIE_WORK, CG_TIE_HOOD, CG_TIE_TOWN, CG_TIE_WEAK, CG_TIE_KINDS
};

/* Groups (work places and schools, friend circles) hold at most this many
 * positions; ties of a person at most CG_TIE_MAX. */
#define CG_GROUP_CAP 64
#define CG_HOUSEHOLD_CAP 8
#define CG_WEAK_LAYERS 24
/* members of one group: a neighbourhood circle gathers whole households */
#define CG_MEMBERS_MAX (CG_GROUP_CAP * CG_HOUSEHOLD_CAP)
#define CG_CLOSE_TAB 2048
#define CG_TIE_MAX (CG_HOUSEHOLD_CAP + 2 * CG_GROUP_CAP + CG_MEMBERS_MAX + CG_WEAK_LAYERS)

/* A keyed permutation of [0, n): a balanced Feistel network on the
 * smallest even number of bits covering n, with cycle walking. */
typedef struct cg_perm {
    uint64_t n;
    int half;
    uint32_t mask;
    uint32_t rk[4];
} cg_perm;

void cg_perm_init(cg_perm *p, uint64_t n, uint64_t key);
uint64_t cg_perm_fwd(const cg_perm *p, uint64_t x);
uint64_t cg_perm_inv(const cg_perm *p, uint64_t y);

/* The lasting attributes of the person at a position. */
typedef struct cg_person {
    uint64_t pos;
    int profile;
    int place;      /* enum cg_place_kind: the work or school place it has */
    double soc;     /* sociability, mean 1 */
    double act[3];  /* activity levels: calls, SMS, data (profile included; mean 1) */
    uint64_t hact;  /* the hash its levels are drawn from */
} cg_person;

/* One tie as the person at `self` sees it. */
typedef struct cg_tie {
    cg_person peer;
    uint64_t key;      /* of the pair and relation: the tie's random streams */
    double strength;   /* events per day per unit of the two activity levels */
    double bias;       /* probability that the lower position originates */
    double talk;       /* shift of the log talk time on this tie */
    int kind;          /* enum cg_tie_kind */
} cg_tie;

/* A person's anchors in the plane (for the Places model). */
typedef struct cg_anchor {
    double hx, hy, wx, wy;
    int has_work;
    int area;
} cg_anchor;

typedef struct cg_people_model {
    const cg_config *cfg;
    const cg_cells *cells;
    uint64_t S, seed;
    cg_perm perm;  /* subscriber index -> position, when scramble */
    int scramble;
    cg_perm weak;  /* position -> weak-tie space */
    cg_popmap map;
    int nprof;
    double prof_cum[CG_MAX_PROFILES];
    double rate[CG_MAX_PROFILES][3]; /* normalised rate multipliers */
    double dow[CG_MAX_PROFILES][7];  /* normalised day-of-week multipliers */
    double work_p[CG_MAX_PROFILES];  /* probability of having the place */
    int place_of[CG_MAX_PROFILES];
    double soc_mult[CG_MAX_PROFILES];
    uint64_t region[CG_TIE_KINDS + 1]; /* block sizes (positions): [WORK] work
                                          districts, [KINDS] school districts,
                                          [HOOD], [TOWN] circle regions */
    double groups_per_sb[CG_TIE_KINDS + 1]; /* CG_GROUP_CAP / mean group size */
    uint64_t hkey[16];                 /* first mixes of the module's hashes */
    double hh_q;                       /* 1 / mean household size */
    double f[CG_TIE_KINDS];            /* tie propensities (HOOD, TOWN, WORK, WEAK) */
    double base[CG_TIE_KINDS];         /* strength by kind */
    double kappa[2];                   /* calls, SMS per unit of tie rate */
    double talk_beta, talk_mid;        /* talk shift = beta (ln strength - mid) */
    /* tables of the hot path: log-normal factors of activity and
     * sociability (shared, own), of tie strength (value, log), Pareto
     * factors (value, log), closeness by distance (value, log) */
    double act0[4096], act1[4096], soc0[4096], soc1[4096];
    double ln_tab[4096], ln_log[4096], par_tab[4096], par_log[4096];
    double close_tab[CG_CLOSE_TAB], close_log[CG_CLOSE_TAB];
    double log_base[CG_TIE_KINDS];
    double act_scale[3];               /* 1 / the sample's mean activity */
    double zq[4096];                   /* standard normal quantiles */
    double gq[1024];                   /* Gamma(k)/k quantiles (the day factor) */
    double mean_degree;                /* of the calibration sample */
} cg_people_model;

/* CG_ERUNTIME when out of memory. */
int cg_people_init(cg_people_model *pm, const cg_config *cfg, const cg_cells *cells,
                   uint64_t S, cg_err *err);
void cg_people_free(cg_people_model *pm);

/* Subscriber index <-> social position: the identity with synthetic
 * identities (numbers are scrambled over the indices already, and the
 * engine's index order is then map order, which keeps the per-thread
 * caches of synth.c warm), a keyed permutation over a database's rows
 * (whose order follows its numbers). */
static inline uint64_t cg_people_pos(const cg_people_model *pm, uint64_t i)
{
    return pm->scramble ? cg_perm_fwd(&pm->perm, i) : i;
}
static inline uint64_t cg_people_index(const cg_people_model *pm, uint64_t pos)
{
    return pm->scramble ? cg_perm_inv(&pm->perm, pos) : pos;
}

void cg_people_person(const cg_people_model *pm, uint64_t pos, cg_person *who);

/* Household of pos: positions [*b, *e). */
void cg_people_household(const cg_people_model *pm, uint64_t pos, uint64_t *b, uint64_t *e);
/* Group id of pos in relation kind (CG_TIE_WORK: its work place or school,
 * CG_TIE_HOOD, CG_TIE_TOWN: its circles), UINT64_MAX when it has none. */
uint64_t cg_people_group(const cg_people_model *pm, const cg_person *who, int kind);

void cg_people_anchor(const cg_people_model *pm, const cg_person *who, cg_anchor *a);

/* A per-thread memo of group member lists (ties of neighbours and peers
 * come from the same groups); owned by the caller. The members of a
 * region's groups are scattered over the region (tens of thousands of
 * positions at a million subscribers), so the groups a worker revisits are
 * the ~1,500 groups of the regions it is in: the lists live in a ring of
 * compact members (about 2 MiB at full size), indexed by group, and a list
 * is valid until the ring has come round over it. */
#define CG_GRING_N 49152 /* members in the ring, full size */
#define CG_GINDEX_N 4096 /* slots of the index, full size */
typedef struct cg_gmember {
    uint64_t pos;
    uint64_t hact;    /* the hash of its activity levels (cg_person.hact) */
    double soc;       /* sociability */
    double theta;     /* its head's place on the circle of interests */
    uint8_t profile;
    uint8_t place;    /* enum cg_place_kind */
    uint8_t head_off; /* pos - the position it is listed under (its household's head) */
} cg_gmember;
typedef struct cg_gslot {
    uint64_t key;   /* 0: empty */
    uint64_t start; /* absolute ring index of its first member */
    int n;
} cg_gslot;
typedef struct cg_groupcache {
    uint64_t head;  /* absolute ring index of the next member written */
    uint64_t nring; /* members in the ring */
    uint64_t nidx;  /* slots of the index (a power of two) */
    cg_gslot *idx;
    cg_gmember *ring;
} cg_groupcache;

/* A memo of 1/div of the full size (div a power of two, at most 8); NULL
 * when out of memory. */
cg_groupcache *cg_groupcache_new(int div);
void cg_groupcache_free(cg_groupcache *gc);

/* cg_people_ties with a memo of group members (gc may be NULL). */
int cg_people_ties_c(const cg_people_model *pm, const cg_person *who, int64_t week, cg_tie *t,
                     cg_groupcache *gc);

/* The ties of `who` in the week `week` (days since 1970 / 7); returns how
 * many were written to t[0..CG_TIE_MAX). */
int cg_people_ties(const cg_people_model *pm, const cg_person *who, int64_t week, cg_tie *t);

/* The day factor of the person at pos on day `day` (mean 1). */
double cg_people_day_factor(const cg_people_model *pm, uint64_t pos, int32_t day);

/* Activity of `who` for service s (0 calls, 1 SMS, 2 data) on a day with
 * weekday wd (0 = Monday) and day factor g. */
static inline double cg_people_level(const cg_people_model *pm, const cg_person *who, int s,
                                     int wd, double g)
{
    return who->act[s] * pm->dow[who->profile][wd] * g;
}

#endif
