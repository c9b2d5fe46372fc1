/* `cdrgen report OUT`: the measured properties of a finished output
 * directory, read streaming in bounded memory (MODEL.md "Report" defines
 * every figure). Volumes count every row; the per-subscriber figures are
 * over a sample: the subscribers whose MSISDN hashes to 0 modulo `sample`,
 * at most CG_REPORT_MAX_SAMPLE of them (the first met). */
#ifndef CG_REPORT_H
#define CG_REPORT_H

#include <stdint.h>

#include "io/json.h"
#include <stdio.h>

#include "core/err.h"
#include "report/fraudrep.h"

#define CG_REPORT_MAX_SAMPLE 20000
/* The series of the HTML page (and of --json's "series"): fixed sizes. */
#define CG_REPORT_MAX_DAYS 1000   /* days with a per-day point (more are summed, not drawn) */
#define CG_REPORT_LOG_BINS 60     /* log10 bins of 0.1 decade: durations, volumes, r_g, weights */
#define CG_REPORT_DEG_MAX 100     /* degree histogram 0..99, the last bin "99 or more" */
#define CG_REPORT_MAX_PROFILES 16

/* One site of the map: position, cells, subscribers at home there. */
typedef struct cg_report_site {
    double lat, lon;
    uint32_t cells, homes;
    int area;
} cg_report_site;

/* An event a day's events.json lists (FORMAT.md section 7). */
typedef struct cg_report_event {
    char date[11];
    char name[32];
    char from[32], to[32]; /* local times as events.json has them */
    int ncells;            /* -1: every cell */
    int outage, gathering;
    int has_area;          /* its area: centre and radius */
    double lat, lon, radius_km;
} cg_report_event;

typedef struct cg_report {
    int days;
    uint64_t rows, calls, sms, data;
    uint64_t sampled;      /* subscribers in the sample */
    int sample_capped;     /* more matched than CG_REPORT_MAX_SAMPLE */
    double rg_p10, rg_p50, rg_p90;          /* radius of gyration, km */
    double cells_p10, cells_p50, cells_p90; /* distinct cells per subscriber */
    double top_share_p50;                   /* share of records at the most used cell */
    double visit_f[10];                     /* mean share at the k-th most used cell */
    double visit_slope;                     /* log-log slope of visit_f over k = 1..10 */
    double night_reg_p50;                   /* nights at the usual night cell */
    uint64_t night_subs;                    /* subscribers with >= 3 nights */
    double commuter_share;                  /* weekday 10-16 modal cell != night cell */
    uint64_t commute_subs;                  /* subscribers with both cells */
    double commute_p50, commute_p90;        /* km between the two */
    uint64_t move_pairs, implausible_pairs; /* consecutive records; > 5 km at > 300 km/h */
    double sites_inner30;                   /* sites within 30% of the radius */
    int nsites;
    /* people (MODEL.md "Report"): activity over the sample */
    double events_mean, events_cv;          /* calls + SMS per subscriber over the run */
    double day_corr;                        /* of a subscriber's calls + SMS on consecutive days */
    double burstiness_p50;                  /* of inter-event times, >= 20 events */
    uint64_t burst_subs;
    uint64_t overlapping_calls;             /* answered calls starting in another */
    /* the on-net graph among the sampled subscribers */
    uint64_t onnet_pairs;
    double degree_mean, degree_cv, degree_le3;
    double clustering;                      /* mean local, degree >= 2 */
    double overlap_bottom, overlap_top;     /* mean overlap, weight deciles */
    double talk_bottom_s, talk_top_s;       /* geometric mean answered call, same */
    double tie_gamma, tie_w0;               /* Lomax fit of call seconds per pair */
    double top1_call_share;                 /* calls on the top 1% of pairs */
    uint64_t direction_ties;                /* ties with >= 10 calls */
    double direction_sd, direction_fair_sd; /* SD of the lower side's share; a fair coin's */
    double home_km_contacts, home_km_random; /* median home distance */

    /* series (every row unless said otherwise) */
    uint64_t hourly[2][3][24];              /* [weekend][type][local hour] */
    int ndays;                              /* days in day_* (<= CG_REPORT_MAX_DAYS) */
    char day_date[CG_REPORT_MAX_DAYS][11];
    uint64_t day_n[CG_REPORT_MAX_DAYS][3];  /* rows per type */
    uint8_t day_weekend[CG_REPORT_MAX_DAYS];
    uint8_t day_dst[CG_REPORT_MAX_DAYS];    /* the day's rows have two UTC offsets */
    uint8_t day_has_anom[CG_REPORT_MAX_DAYS]; /* its summary counts anomalies: */
    uint64_t day_anom[CG_REPORT_MAX_DAYS][CG_STATS_ANOM]; /* by kind (gen/anomaly.h order) */
    uint64_t mix_cause[6], mix_rat[3], mix_apn[3], mix_rectype[5], mix_status[3];
    uint64_t dur_zero;                      /* answered calls of 0 s */
    uint64_t dur_hist[CG_REPORT_LOG_BINS];  /* answered call s: bin k = [10^(k/10), 10^((k+1)/10)) */
    uint64_t vol_hist[CG_REPORT_LOG_BINS];  /* DATA bytes in + out: bin k = 10^(k/5) .. (0.2 decade) */
    uint64_t rg_hist[CG_REPORT_LOG_BINS];   /* r_g km of the sample: bin k = 10^(k/10 - 2) .. */
    uint64_t deg_hist[CG_REPORT_DEG_MAX];   /* on-net degree of the sample */
    uint64_t w_hist[CG_REPORT_LOG_BINS];    /* answered call s per pair: as dur_hist */
    double overlap_dec[10];                 /* mean overlap by weight decile, low to high */
    cg_report_site *sites;                  /* the map (malloc'ed; cg_report_free) */
    cg_report_event *events;                /* the days' events.json (malloc'ed) */
    int nevents;
    int nmap;
    int nprofiles;                          /* from subscribers.csv, when there */
    char profile[CG_REPORT_MAX_PROFILES][32];
    uint64_t profile_n[CG_REPORT_MAX_PROFILES];
    uint64_t subscribers;                   /* rows of subscribers.csv (0: none there) */
    uint64_t homes_known;                   /* subscribers whose home cell is in the catalog */
    cg_frep fraud;                          /* labels and signatures (report/fraudrep.h) */
} cg_report;

/* The series alone, as the JSON object of --json's "series". */
void cg_report_series_json(FILE *f, const cg_report *rep);

/* Frees what cg_report_run allocated in rep (the map). */
void cg_report_free(cg_report *rep);

/* Reads OUT (its cells.csv and every day's bundle, or its parts when no
 * bundle is there). */
int cg_report_run(const char *out_dir, uint64_t sample, cg_report *rep, cg_err *err);

/* The report as text, or as one JSON object. */
void cg_report_print(FILE *f, const cg_report *rep, int json);

#endif
