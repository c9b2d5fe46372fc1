/* CDR synthesis for one subscriber-day: its own off-net calls and SMS, its
 * data sessions, and the calls and SMS of every contact edge it is on, as
 * records sorted by start time. Pure: everything comes from the read-only
 * model and counter-based random streams, so any subscriber-day can be made
 * alone, in any order, on any thread or machine. */
#ifndef CG_SYNTH_H
#define CG_SYNTH_H

#include <stddef.h>
#include <stdint.h>
#include "core/cells.h"
#include "core/places.h"
#include "core/config.h"
#include "core/events.h"
#include "core/fraud.h"
#include "core/people.h"
#include "core/ident.h"
#include "core/tzday.h"

enum cg_rec_type { CG_REC_CALL = 0, CG_REC_SMS = 1, CG_REC_DATA = 2 };
enum cg_dir { CG_DIR_MO = 0, CG_DIR_MT = 1 };
enum cg_cause {
    CG_CAUSE_NORMAL = 0, CG_CAUSE_NOANSWER, CG_CAUSE_BUSY, CG_CAUSE_FAILURE,
    CG_CAUSE_DELIVERY_OK, CG_CAUSE_DELIVERY_FAIL
};
enum cg_rectype { CG_RT_MSC = 0, CG_RT_SMO, CG_RT_SMT, CG_RT_PDP, CG_RT_PGW };
enum cg_sms_status { CG_SMS_SENT = 0, CG_SMS_DELIVERED, CG_SMS_FAILED };
enum cg_apn { CG_APN_INTERNET = 0, CG_APN_IMS, CG_APN_MMS };

typedef struct cg_rec {
    int64_t start_ms;
    uint64_t src, dst;     /* MSISDNs; dst 0 for DATA */
    uint64_t imsi, imei;   /* the record owner's */
    uint64_t up, down;     /* DATA bytes */
    uint32_t dur_s;
    uint32_t cell;
    uint32_t mccmnc;
    int16_t tz_off;
    uint8_t type, dir, cause, rectype, sms_seg, sms_status, apn, rat;
    uint8_t disp;          /* CALL disposition (enum cg_disp) */
    uint8_t onnet;         /* CALL or SMS between two subscribers of the run */
    uint32_t miss;         /* anomalies: bit k, column k is written empty */
    int64_t end_ms;        /* anomalies: the end written, 0: start + duration */
} cg_rec;

/* Who holds subscriber number i at an instant. Synthetic identities are
 * computed; a subscriber database answers through its index. */
typedef struct cg_idsource {
    void *ctx; /* NULL: synthetic */
    uint64_t (*count)(void *ctx);
    uint64_t (*msisdn)(void *ctx, uint64_t i);
    int (*lookup)(void *ctx, uint64_t i, int64_t t_ms, cg_ident *id); /* 1 held */
    uint64_t (*find)(void *ctx, uint64_t msisdn); /* index or UINT64_MAX */
    /* 1 and *id when one identity holds i for all of [t0, t1) */
    int (*steady)(void *ctx, uint64_t i, int64_t t0, int64_t t1, cg_ident *id);
    /* 1 when i is held at some instant of [t0, t1) */
    int (*held)(void *ctx, uint64_t i, int64_t t0, int64_t t1);
    /* the first release of i at or after t (UTC ms), -1 none */
    int64_t (*release)(void *ctx, uint64_t i, int64_t t);
    /* the first SIM change of i at or after t, -1 none */
    int64_t (*next_sim)(void *ctx, uint64_t i, int64_t t);
} cg_idsource;

struct cg_dayparams;
struct cg_recbuf;
typedef struct cg_model {
    const cg_config *cfg;
    uint64_t S;              /* subscribers in the run */
    cg_numbering nb;
    cg_people_model people;
    const cg_cells *cells;
    cg_idsource ids;
    double disp_cum[CG_DISP_COUNT];
    double seg_cum[3], status_cum[3], apn_cum[3];
    double ln_mu, ln_sigma;
    double talk_sigma;       /* log-sd of talk time within a tie */
    cg_evmodel ev;           /* the run's events (MODEL.md "Events") */
    cg_fmodel fr;            /* fraud and churn cases (MODEL.md "Fraud and churn") */
    /* Run after a subscriber-day's records are made, before they are
     * sorted (gen/fraudrec.c: the scenarios' records); NULL: none. */
    int (*post)(const struct cg_model *m, const struct cg_dayparams *dp, uint64_t i,
                struct cg_recbuf *rb);
} cg_model;

/* One day of the run: calendar, DST segments, the day curves of every
 * profile and service, and scaled rates. */
typedef struct cg_dayparams {
    cg_day day;
    int day_index;           /* 0 for --start */
    int weekday;             /* 0 = Monday */
    double factor;
    double lam_call, lam_sms, lam_data;
    /* curve[profile * 3 + service]: start times of calls, SMS, data;
     * ratio[...] its weight ratio (a DST day's lost or gained hour) */
    cg_day *curve;
    double *ratio;
    int ncurves;
    struct cg_dayparams *prev; /* the day before (calls running past midnight) */
    cg_evday ed;             /* the events' windows of the day */
} cg_dayparams;

/* An event of one person's day before it becomes records: an on-net call
 * or SMS on one of its ties, or an off-net one. */
typedef struct cg_ev {
    int64_t start;
    uint64_t key;     /* unique to the event; both sides of a tie agree */
    uint64_t peer;    /* the peer's position, or the off-net number */
    uint32_t dur;
    int16_t off;
    int16_t tie;      /* index into the day's ties, -1 off-net */
    uint8_t type, disp, cause, seg, status;
    uint8_t self_orig; /* the person originated it */
    uint8_t fate;      /* 0 as drawn, 1 BUSY (the callee was in a call), 2 NO ANSWER (the caller was) */
} cg_ev;

typedef struct cg_evbuf {
    cg_ev *v;
    size_t n, cap;
} cg_evbuf;

/* Answered calls of a peer, kept while a subscriber-day is made. */
#define CG_PEER_CACHE 8

/* Per-thread scratch, reused across subscribers (no allocation per row). */
/* Records of one subscriber-day at most: the sort key keeps the record's
 * index in 24 bits. */
#define CG_RECBUF_MAX ((size_t)1 << 24)

typedef struct cg_recbuf {
    cg_dayplan plan; /* the subscriber-day's places and schedule */
    cg_tie ptie[CG_TIE_MAX]; /* a person's ties, while its events are drawn */
    cg_evbuf ev, prev;       /* the person's events, today and the day before */
    int has_prev;
    cg_evbuf scratch;        /* a peer's events */
    cg_evbuf parena;         /* answered calls of peers (today's and the day before's
                              * running into it), the lists one after the other */
    size_t pstart[CG_PEER_CACHE], pcount[CG_PEER_CACHE]; /* a list in parena */
    uint64_t pcache[CG_PEER_CACHE]; /* their positions + 1, 0 free */
    int pnext;
    cg_evbuf pview;          /* the list peer_calls returns */
    uint64_t cell_key; /* the person-day's serving-cell draws */
    cg_dayplan pplan;  /* a peer's day, for the cell effects of events */
    uint64_t pplan_sub; /* its subscriber index + 1, 0 none */
    int32_t pplan_day;
    uint64_t pcell_key;
    int memo_div;             /* the memos at 1/memo_div of full size (0: 1) */
    struct cg_ecache *ecache; /* memos (synth.c), allocated on first use */
    cg_groupcache *gcache;
    int caches_tried;
    cg_evbuf fx;       /* fraud: a callee's answered calls */
    cg_rec *rec;
    uint64_t *key; /* sorted: (start - day start) << 24 | index into rec */
    size_t n, cap;
    int over_cap;  /* the last cg_synth_subscriber hit CG_RECBUF_MAX */
} cg_recbuf;

/* The k-th record in start-time order (ties in generation order). */
static inline const cg_rec *cg_recbuf_at(const cg_recbuf *rb, size_t k)
{
    return &rb->rec[rb->key[k] & 0xffffff];
}

int cg_model_init(cg_model *m, const cg_config *cfg, uint64_t subs, const cg_cells *cells,
                  const cg_idsource *ids, cg_err *err);
void cg_model_free(cg_model *m);

/* Builds day day_index of the run (and the day before it, dp->prev). */
int cg_dayparams_init(cg_dayparams *dp, const cg_model *m, int day_index, cg_err *err);
void cg_dayparams_free(cg_dayparams *dp);

/* Fills rb with subscriber i's records of the day; cg_recbuf_at gives them
 * sorted by start time. Returns 0, or -1 when memory for the scratch cannot
 * be had or (rb->over_cap set) the subscriber-day has more than
 * CG_RECBUF_MAX records. */
int cg_synth_subscriber(const cg_model *m, const cg_dayparams *dp, uint64_t i, cg_recbuf *rb);

void cg_recbuf_free(cg_recbuf *rb);

/* The answered calls (as drawn, before the busy checks) of the person at
 * pos on day dp, with those of the day before still running at its start,
 * sorted by start, into out (emptied first). -1 when out of memory. */
int cg_synth_answered(const cg_model *m, const cg_dayparams *dp, uint64_t pos, cg_recbuf *rb,
                      cg_evbuf *out);
/* The cell a subscriber's phone uses at t (its day plan in rb). */
uint32_t cg_synth_cell(cg_recbuf *rb, int64_t t, int16_t off, int rat);

/* Room for one more record of rb (zeroed, at rb->rec[rb->n - 1]); NULL when
 * out of memory or at CG_RECBUF_MAX (rb->over_cap). Its sort key is the
 * caller's to set. */
cg_rec *cg_recbuf_push(cg_recbuf *rb);

/* Records and events a worker's buffers hold from the first subscriber
 * (a subscriber-day has tens; the heaviest of a million a few thousand),
 * so that they are allocated once, not grown as heavier days come. */
#define CG_RECBUF_KEEP 4096

/* Between subscribers: frees the record and event buffers that grew beyond
 * keep entries (for one of the rare heaviest subscriber-days), so that a
 * worker's memory follows the typical subscriber-day. */
void cg_recbuf_trim(cg_recbuf *rb, size_t keep);

/* Building blocks, exposed for tests. */
uint32_t cg_synth_call_duration(const cg_model *m, int disp, struct cg_rng *r);
/* The person at social position pos: its events of the day (dp) into eb,
 * ties into t (CG_TIE_MAX), sorted by start. -1 when out of memory. */
int cg_synth_events(const cg_model *m, const cg_dayparams *dp, uint64_t pos, cg_tie *t,
                    int *nt, cg_evbuf *eb);

#endif
