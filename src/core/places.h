/* Where people are (MODEL.md "Places"): each person has a home placed by
 * population density, most a work or school place at a heavy-tailed
 * commuting distance, and personal places found by exploration and
 * preferential return (Song et al. 2010) in a closed form that needs no
 * history. A person-day is a schedule of stays and moves in local time
 * (night at home, working hours at work, evenings and free days at home or
 * at personal places); a record's cell is the cell serving the person's
 * position at the record's start. All of it is a pure function of (seed,
 * person, day): nothing is carried from one day to the next. */
#ifndef CG_PLACES_H
#define CG_PLACES_H

#include <stdint.h>

#include "core/cells.h"
#include "core/config.h"
#include "core/people.h"

#define CG_PLAN_MAXPL 8
#define CG_PLAN_MAXSEG 24
/* Cells other than the best that serve a place now and then: the same
 * site's neighbouring sector, the next sites. */
#define CG_PLAN_ALTS 3 /* = CG_CELLS_KNN */

/* A place of the day and, computed on first use, what serves it: per RAT
 * (and [3] any) the nearest sites and, when first needed, their sectors. */
typedef struct cg_plan_place {
    double x, y;
    uint8_t done;                        /* bit r: sites of RAT r looked up */
    uint8_t nsite[4];
    int site[4][CG_PLAN_ALTS];           /* nearest first */
    double dist[4][CG_PLAN_ALTS];
    uint32_t cell[4][CG_PLAN_ALTS + 1];  /* [k]: cell of site k; [ALTS]: the
                                            best site's neighbour sector */
} cg_plan_place;

/* One stretch of the day, local wall-clock hours [t0, t1): a stay at place
 * a (b == a) or a move from a to b. */
typedef struct cg_plan_seg {
    double t0, t1;
    uint8_t a, b;
} cg_plan_seg;

typedef struct cg_dayplan {
    const cg_cells *cells;
    int device; /* the best RAT of the person's handset */
    int npl, nseg;
    cg_plan_place pl[CG_PLAN_MAXPL];
    cg_plan_seg seg[CG_PLAN_MAXSEG];
} cg_dayplan;

/* The day of a person on local date `day` (days since 1970; `weekend`: a
 * free day): its home and work place are `anchor` (the People model), its
 * profile scales its outings and the reach of its personal places, and
 * `id` keys its handset, habits and the day's draws. */
void cg_plan_day(cg_dayplan *p, const cg_config *cfg, const cg_cells *cells,
                 const cg_anchor *anchor, double outings, double range, uint64_t id, int32_t day,
                 int weekend);

/* The cell serving the person at local wall-clock hour h (0 <= h < 24):
 * of RAT *rat when *rat >= 0; *rat = -1: voice and SMS (LTE where it
 * serves and the handset speaks it, else WCDMA, else any); *rat = -2: a
 * data session, on the best RAT serving the place that the handset speaks,
 * returned in *rat. u uniform in [0,1) picks, now and then, the next-best
 * cell instead of the best (MODEL.md). */
uint32_t cg_plan_cell(cg_dayplan *p, double h, int *rat, double u);

/* The cell serving the person at home at local hour h (as cg_plan_cell). */
uint32_t cg_plan_home_cell(cg_dayplan *p, double h, int *rat, double u);

/* The local wall-clock hour of UTC instant t_ms at UTC offset off_min. */
double cg_local_hour(int64_t t_ms, int off_min);

#endif
