/* `cdrgen report OUT`: the measured properties of a finished output
 * directory, read streaming in bounded memory (MODEL.md "Report" defines
 * every figure). Volumes count every row; the per-subscriber figures are
 * over a sample: the subscribers whose MSISDN hashes to 0 modulo `sample`,
 * at most CG_REPORT_MAX_SAMPLE of them (the first met). */
#ifndef CG_REPORT_H
#define CG_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

#define CG_REPORT_MAX_SAMPLE 20000

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
} cg_report;

/* Reads OUT (its cells.csv and every day's bundle, or its parts when no
 * bundle is there). */
int cg_report_run(const char *out_dir, uint64_t sample, cg_report *rep, cg_err *err);

/* The report as text, or as one JSON object. */
void cg_report_print(FILE *f, const cg_report *rep, int json);

#endif
