/* The run configuration: every key of SPEC section 3 and every flag of
 * section 1, with defaults. Pure data; loading from YAML lives in io/yamlcfg,
 * flag parsing in cli/. */
#ifndef CG_CONFIG_H
#define CG_CONFIG_H

#include <stdint.h>
#include "core/err.h"

#define CG_MAX_PREFIXES 64
#define CG_MAX_MCCMNC 64
#define CG_MAX_SPECIAL_DAYS 1024
#define CG_PATH_MAX 4096
/* Ranges of the settings (core/options.c, the checks in config.c). */
#define CG_SUBS_MAX 10000000000ULL
/* Subscriber numbers under one prefix: the 7 digits after it. */
#define CG_NUMBERS_PER_PREFIX UINT64_C(10000000)
#define CG_DAYS_MAX 36600
#define CG_CELLS_MAX 10000000
#define CG_WORKERS_MAX 1024
#define CG_ROTATE_MAX 1000000000000000ULL
/* Expected records of one subscriber on one day, at most (config check). */
#define CG_MAX_RECORDS_PER_SUB_DAY 100000

enum cg_codec { CG_CODEC_NONE = 0, CG_CODEC_GZIP = 1, CG_CODEC_ZSTD = 2 };

/* Which files an unsharded day is written as (--layout, SPEC 4): part files
 * and the day bundle assembled from them (the default), part files only, or
 * the bundle only (its members rotate as the parts would have). A sharded
 * run writes parts only; `merge` builds the bundle. */
enum cg_layout { CG_LAYOUT_BOTH = 0, CG_LAYOUT_PARTS = 1, CG_LAYOUT_BUNDLE = 2 };

/* What a part file is (--format, FORMAT.md): CSV text or Parquet. */
enum cg_outformat { CG_FMT_CSV = 0, CG_FMT_PARQUET = 1 };

/* Index order of call dispositions everywhere in the code. */
enum cg_disp {
    CG_DISP_ANSWERED = 0,
    CG_DISP_NO_ANSWER,
    CG_DISP_BUSY,
    CG_DISP_FAILED,
    CG_DISP_CONGESTION,
    CG_DISP_COUNT
};

#define CG_MAX_AREAS 16

/* A populated area of the region (`areas:`): its centre, radius and share
 * of the population (shares are relative). */
typedef struct cg_area {
    char name[32];
    double lat, lon, radius_km, share;
} cg_area;

/* How people move (`mobility:`, MODEL.md "Places"). */
typedef struct cg_mobility {
    double worker_share;     /* people with a work or school place */
    double work_start_hour;  /* mean local hour of leaving for work */
    double work_end_hour;    /* mean local hour of leaving work */
    double commute_km;       /* scale of the commuting distance law */
    double commute_speed_kmh;
    double evening_out_prob; /* an evening at a personal place, per day */
    double outings_per_day;  /* personal places per free day (mean) */
    double explore_rho, explore_gamma; /* exploration and preferential return */
} cg_mobility;

/* Profiles (`profiles:`, MODEL.md "People"): kinds of subscribers. */
#define CG_MAX_PROFILES 16
enum cg_place_kind { CG_PLACE_NONE = 0, CG_PLACE_WORK = 1, CG_PLACE_SCHOOL = 2 };

typedef struct cg_profile {
    char name[32];
    double weight;                 /* relative share of the population */
    double calls, sms, data;       /* rate multipliers (normalised: means stay) */
    double data_volume;            /* bytes multiplier of its data sessions */
    double hourly_calls[24], hourly_sms[24], hourly_data[24]; /* x diurnal_* */
    double weekdays[7];            /* Monday..Sunday multipliers (mean 1 kept) */
    char place[8];                 /* "work", "school" or "none" */
    double work_share;             /* propensity to have that place */
    double outings_scale;          /* x outings_per_day and evening_out_prob */
    double range_scale;            /* x the distance of personal places */
    double sociability;            /* x friend and weak ties */
} cg_profile;

/* The social and activity model (`people:`, MODEL.md "People"). */
#define CG_WEAK_TIES_MAX 24 /* = CG_WEAK_LAYERS (core/people.h) */
typedef struct cg_people {
    double activity_sigma;  /* log-sd of a person's lasting activity level */
    double day_shape;       /* Gamma shape of the day-to-day factor */
    double household_size;  /* mean subscribers per household */
    double work_group_size; /* mean people per work place (before profile) */
    double school_group_size;
    double circle_size;     /* mean people per friend circle */
    double work_ties;       /* mean colleague ties of a worker */
    double weak_ties;       /* mean weak ties per person */
    int weak_tie_weeks;     /* how long a weak tie lasts */
    double tie_sigma;       /* log-sd of tie strength within a kind */
    double sociability_sigma; /* log-sd of how many ties people have */
} cg_people;

typedef struct cg_special_day {
    int32_t day;   /* days since 1970-01-01 of the local date */
    double factor;
} cg_special_day;

/* An event (`events:`, MODEL.md "Events"): when (a local window from..to,
 * or a recurrence of days and hours, or dates), where (an area or cells;
 * none: everywhere), who (a share of the population, of a profile) and its
 * effects. */
#define CG_MAX_EVENTS 32
#define CG_EVENT_DATES 64
#define CG_EVENT_CELLS 64
typedef struct cg_event {
    char name[32];
    int64_t from_min, to_min;  /* local wall clock, minutes since 1970; from_set */
    int from_set, to_set;
    char days[12];             /* "" (none), daily, weekdays, weekends */
    int32_t dates[CG_EVENT_DATES];
    int n_dates;
    double hours[2];           /* local hours [h0, h1) of a recurrence or date list */
    int hours_set;
    double center_lat, center_lon, radius_km; /* where: radius 0 = no area */
    int center_set;
    int32_t cells[CG_EVENT_CELLS];
    int n_cells;
    double share;              /* who: share of the (profile's) people, default 1 */
    char profile[32];          /* "" every profile */
    double calls, sms, data;   /* rate multipliers, default 1 */
    double fail_share;         /* calls failing */
    char fail_cause[8];        /* failure (default) or busy */
    double congestion;         /* share of calls failing and sessions cut short at the cells */
    int outage;                /* 1: the cells carry nothing */
    double gathering;          /* share of `who` travelling to the area */
} cg_event;

/* Data-quality anomalies (`anomalies:`, MODEL.md "Anomalies"): the share of
 * records of each kind (orphan: of on-net MT records; wrong_day: of records
 * crossing midnight), off (0) by default. */
typedef struct cg_anomalies {
    double duplicate, shifted_duplicate, missing, orphan, future_timestamp, end_before_start,
        wrong_day, corrupt_imsi, unknown_cell, extreme_duration, late;
    double shift_max_s;    /* a shifted duplicate's start: 1 .. this many seconds later */
    uint32_t missing_mask; /* bit k: column k of the CDR header may go missing */
} cg_anomalies;

static inline int cg_anom_on(const cg_anomalies *a)
{
    return a->duplicate > 0 || a->shifted_duplicate > 0 || a->missing > 0 || a->orphan > 0 ||
           a->future_timestamp > 0 || a->end_before_start > 0 || a->wrong_day > 0 ||
           a->corrupt_imsi > 0 || a->unknown_cell > 0 || a->extreme_duration > 0 || a->late > 0;
}

/* The share of subscriber-days that may file records late (the next day
 * recomputes those): 20 x the late share, at least twice the wrong-day
 * share (a share of the few records crossing midnight), at most 1. */
static inline double cg_anom_q(const cg_anomalies *a)
{
    double x = 20 * a->late > 2 * a->wrong_day ? 20 * a->late : 2 * a->wrong_day;
    return x > 1 ? 1 : x;
}

/* Fraud scenarios and churn (`fraud:`, `churn:`; MODEL.md "Fraud and
 * churn", docs/SCENARIOS.md): counts of the labelled cases and their
 * parameters, every count 0 (off) by default. */
/* Slots of a SIM box SIM's day: one call at most in each, so that a SIM
 * is never in two calls (15 minutes each). */
#define CG_BOX_SLOTS 96
typedef struct cg_fraud {
    int box_count, box_sims;     /* SIM boxes, SIMs in each */
    double box_calls;            /* calls per SIM per day */
    int wan_campaigns, wan_numbers, wan_victims, wan_days;
    double wan_callback;         /* share of the victims calling back */
    int irsf_count, irsf_nights;
    double irsf_calls;           /* calls per night */
    int swap_count;
    double swap_hours;           /* the takeover's length */
    int bust_count, bust_normal_days, bust_days;
    double bust_calls;           /* premium calls per day of the burst */
    int clone_count, clone_days;
    double clone_calls;          /* the clone's calls per day */
    double churn_monthly;        /* share of the subscribers leaving per 30 days */
    int churn_fade_days;
} cg_fraud;

static inline int cg_fraud_on(const cg_fraud *f)
{
    return f->box_count > 0 || f->wan_campaigns > 0 || f->irsf_count > 0 || f->swap_count > 0 ||
           f->bust_count > 0 || f->clone_count > 0 || f->churn_monthly > 0;
}

typedef struct cg_config {
    /* population and calendar */
    uint64_t subs;           /* --subs / subscribers */
    int subs_set;            /* 1 when given explicitly (flag or YAML) */
    int32_t start_day;       /* --start as days since 1970-01-01 */
    int days;                /* --days */
    char out[CG_PATH_MAX];   /* --out */
    uint64_t seed;           /* --seed */
    char tz_name[128];       /* --tz / tz_name */

    /* identities */
    char prefixes[CG_MAX_PREFIXES][8]; /* digits, NUL-terminated, 3..6 long */
    int n_prefixes;
    char mccmnc_pool[CG_MAX_MCCMNC][6]; /* 5 digits */
    int n_mccmnc;
    double imei_change_prob; /* imei_daily_change_prob / --imei-change-prob */

    /* cells and places */
    int cells;
    double center_lat, center_lon, radius_km;
    cg_area areas[CG_MAX_AREAS]; /* n_areas 0: one area at the centre */
    int n_areas;
    cg_mobility mob;
    cg_profile profiles[CG_MAX_PROFILES];
    int n_profiles;
    cg_people people;

    /* traffic */
    double avg_calls, avg_sms, avg_data; /* per user per day */
    double avg_contacts;
    double mo_share_call, mo_share_sms, interconnect_share;
    double call_disp[CG_DISP_COUNT];      /* weights, not normalised */
    double dur_p50, dur_p90, dur_p99;     /* call_duration_quantiles, seconds */
    double diurnal_weekday[24], diurnal_weekend[24];
    double seasonality[12];               /* index 0 = January */
    cg_special_day special[CG_MAX_SPECIAL_DAYS];
    int n_special;
    cg_event events[CG_MAX_EVENTS];
    int n_events;
    cg_anomalies anom;
    cg_fraud fraud;

    /* output */
    uint64_t rotate_bytes;
    int codec;               /* enum cg_codec */
    int codec_set;           /* given (flag or YAML): else parquet defaults to zstd */
    int out_format;          /* enum cg_outformat */
    int codec_level;
    int codec_level_set;     /* 0: default for the codec (1) */
    int codec_level_line;    /* YAML line of compression_level, 0 if none */
    int cleanup_after_archive;
    int layout;              /* enum cg_layout: which files a day is written as */
    int workers;             /* 0 = number of CPUs */
    int progress;            /* -1 auto (tty), 0 quiet, 1 forced */

    /* subscriber database mode and scale-out */
    char subscriber_db[CG_PATH_MAX]; /* empty = synthetic */
    int shard_k, shard_n;            /* shard_n 0 = not sharded */

    /* report */
    int report_json;
    uint64_t report_sample;
    char report_html[CG_PATH_MAX]; /* --html FILE, "" when none */
    char config_path[CG_PATH_MAX]; /* --config FILE as given, "" when none */

    /* db generate */
    uint64_t db_size;
    int db_history_days;
    double db_device_change_rate, db_sim_change_rate, db_number_release_rate;
    int db_cooldown_days;
} cg_config;

/* The template of a profile given in YAML (every multiplier 1). */
extern const cg_profile cg_profile_template;
/* ... and of an event (multipliers 1, share 1, cause failure). */
extern const cg_event cg_event_template;

/* Fills every field with the defaults of SPEC sections 1 and 3. */
void cg_config_defaults(cg_config *cfg);

/* Cross-field checks done once everything is merged (e.g. more subscribers
 * than the prefixes can number). Returns CG_OK or CG_EUSAGE with a message. */
int cg_config_check(const cg_config *cfg, cg_err *err);

/* The run fingerprint recorded in every shard's stats: a 64-bit hash of all
 * that shapes a day's bytes (the version, subs, start, seed, every model
 * and output setting, the shard count and db_hash, the database's content
 * hash, 0 in synthetic mode); not --days, --out, --workers, progress or the
 * shard index. `merge` refuses shards of different runs by it. */
uint64_t cg_config_fingerprint(const cg_config *cfg, uint64_t subs, uint64_t db_hash,
                               const char *version);

#endif
