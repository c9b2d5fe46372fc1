/* Events (MODEL.md "Events"): windows of local time in which the traffic
 * of some people changes (rate multipliers), calls fail (a failure
 * override, congestion), cells go dark (outages, with overflow to the
 * nearest working cells) or people travel to a venue (a mass gathering).
 * The run's events are prepared once (cg_evmodel: the cells each affects,
 * an outage's replacement cells, windows in UTC); each day gets the
 * windows that touch it (cg_evday). Who an event affects is a pure
 * function of (seed, event, person), so both sides of a tie agree on it
 * without asking each other. Nothing here allocates per record. */
#ifndef CG_EVENTS_H
#define CG_EVENTS_H

#include <stdint.h>

#include "core/cells.h"
#include "core/config.h"
#include "core/err.h"
#include "core/people.h"
#include "core/tzday.h"

/* Services of the multipliers. */
enum { CG_SVC_CALL = 0, CG_SVC_SMS = 1, CG_SVC_DATA = 2 };

typedef struct cg_evinfo {
    const cg_event *e;
    int profile;          /* -1 every profile */
    int area;             /* 1: centre (x, y) and radius r, km in the plane */
    double x, y, r;
    uint32_t *cells;      /* the affected cells, ascending (area or list); NULL none */
    uint32_t *repl;       /* outage: replacement of cells[k], 0 none of its RAT works */
    int ncells;
    int64_t a_ms, b_ms;   /* a from..to window in UTC */
    double mult[3];       /* calls, sms, data */
    double who_share;     /* share of the profile's people affected (x gathering) */
    int home_area;        /* the multipliers select people by home in the area */
    uint64_t salt;
} cg_evinfo;

typedef struct cg_evmodel {
    int n;
    int has_outage;
    uint64_t seed;
    const cg_cells *cells;
    const cg_people_model *pm;
    cg_evinfo ev[CG_MAX_EVENTS];
} cg_evmodel;

/* A window of event `ev` on a day, [a, b) UTC ms. */
typedef struct cg_evwin {
    int ev;
    int64_t a, b;
} cg_evwin;

#define CG_EVDAY_MAX (CG_MAX_EVENTS * 2)
typedef struct cg_evday {
    int n;
    cg_evwin w[CG_EVDAY_MAX];
    /* what today's windows do: rate multipliers (1 for a service whose
     * multiplier is not 1), cell effects (outage, gathering), call effects */
    int rate, cellfx, callfx, datafx;
    /* F[w * ncurves + c]: the share of curve c's weight before a and b of window w */
    double *F;
    int ncurves;
} cg_evday;

int cg_evmodel_init(cg_evmodel *em, const cg_config *cfg, const cg_cells *cells,
                    const cg_people_model *pm, cg_err *err);
void cg_evmodel_free(cg_evmodel *em);

/* The windows of the events on local day d (and, for gatherings, an hour
 * before it: the trip home); curves[0..ncurves) the day's start-time
 * curves, for the share of each window's weight. */
int cg_evday_build(cg_evday *ed, const cg_evmodel *em, const cg_day *d, const cg_day *curves,
                   int ncurves, cg_err *err);
void cg_evday_free(cg_evday *ed);

/* Bit k: event k's multipliers apply to the person (its profile, its
 * share, its home in the area; a gathering's attendees). */
uint64_t cg_ev_who(const cg_evmodel *em, const cg_evday *ed, const cg_person *p);

/* The product of the multipliers below 1 of service svc of the events of
 * mask whose windows hold t (1 when none): the share of traffic kept. */
double cg_ev_keep(const cg_evmodel *em, const cg_evday *ed, uint64_t mask, int svc, int64_t t);

/* A uniform in [0,1) of (seed, key, event k). */
double cg_ev_u(const cg_evmodel *em, uint64_t key, int k);

/* 1 when cell is among the cells of event k (every cell when it has none). */
int cg_ev_has_cell(const cg_evinfo *ei, uint32_t cell);

/* A gathering whose attendee the person at pos is at t: k + 1 for event
 * k, 0 none; *home = 1 on the hour after the window (the trip home). */
int cg_ev_attending(const cg_evmodel *em, const cg_evday *ed, uint64_t pos, int profile, int64_t t,
                    int *home);

/* The cell of RAT rat serving the attendee at pos at event k's venue (its
 * own spot there), 0 when no site has that RAT. */
uint32_t cg_ev_venue_cell(const cg_evmodel *em, int k, uint64_t pos, int rat);

/* The cell serving at t in place of `cell`: its replacement while an
 * outage has it down, 0 when no cell of its RAT works; cell otherwise. */
uint32_t cg_ev_outage(const cg_evmodel *em, const cg_evday *ed, uint32_t cell, int64_t t);

/* OUT/YYYY-MM-DD/events.json text of the day: a JSON object (malloc'd,
 * NUL-terminated); NULL when out of memory. */
char *cg_evday_json(const cg_evmodel *em, const cg_evday *ed, const char *date, size_t *len);

#endif
