/* Defaults of SPEC sections 1 and 3, and the cross-field checks that can only
 * run once defaults, the YAML file, the environment and the flags are merged.
 * Per-value checks (syntax, ranges of one key) live where values are parsed. */
#include "core/config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/calendar.h"

static const double k_diurnal_weekday[24] = {
    0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 1.2, 1.4, 1.3, 1.2,
    1.1, 1.0, 1.1, 1.2, 1.3, 1.5, 1.6, 1.4, 1.2, 1.0, 0.7, 0.5};
static const double k_diurnal_weekend[24] = {
    0.2, 0.15, 0.1, 0.1, 0.1, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0, 1.2,
    1.3, 1.2, 1.1, 1.0, 1.1, 1.3, 1.4, 1.3, 1.2, 1.0, 0.6, 0.4};
static const double k_seasonality[12] = {
    0.95, 0.9, 1.0, 1.05, 1.1, 1.15, 1.2, 1.15, 1.05, 1.0, 0.95, 1.0};

const cg_event cg_event_template = {
    .share = 1, .calls = 1, .sms = 1, .data = 1, .fail_cause = "failure",
};

const cg_profile cg_profile_template = {
    .weight = 1, .calls = 1, .sms = 1, .data = 1, .data_volume = 1,
    .hourly_calls = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    .hourly_sms = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    .hourly_data = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    .weekdays = {1, 1, 1, 1, 1, 1, 1}, .place = "work", .work_share = 1,
    .outings_scale = 1, .range_scale = 1, .sociability = 1};

/* hourly[h] *= f for h in [h0, h1) */
static void shape(double *hourly, int h0, int h1, double f)
{
    for (int h = h0; h < h1; h++)
        hourly[h] *= f;
}

/* The built-in profiles (MODEL.md "People" gives the reasons). */
static void set_default_profiles(cg_config *cfg)
{
    static const struct {
        const char *name, *place;
        double weight, calls, sms, data, volume, work_share, outings, range, soc;
        double weekdays[7];
    } d[] = {
        {"office_worker", "work", 0.33, 1.1, 0.9, 1.0, 1.0, 0.97, 1.0, 1.0, 1.0,
         {1.1, 1.1, 1.1, 1.1, 1.05, 0.8, 0.75}},
        {"student", "school", 0.15, 0.6, 1.8, 1.4, 1.3, 0.95, 1.2, 0.8, 1.3,
         {1, 1, 1, 1, 1.05, 0.95, 0.9}},
        {"retiree", "none", 0.14, 1.0, 0.4, 0.4, 0.5, 0.05, 1.0, 0.7, 0.6,
         {1, 1, 1, 1, 1, 1, 1}},
        {"heavy_traveler", "work", 0.07, 1.6, 1.0, 1.3, 1.2, 0.9, 1.3, 3.0, 1.2,
         {1.1, 1.1, 1.1, 1.1, 1.0, 0.85, 0.8}},
        {"small_business", "work", 0.11, 1.8, 0.9, 1.0, 0.9, 0.85, 1.0, 1.2, 1.1,
         {1.05, 1.05, 1.05, 1.05, 1.05, 1.0, 0.75}},
        {"at_home", "none", 0.07, 0.8, 0.8, 0.9, 1.0, 0.1, 1.0, 0.8, 0.8,
         {1, 1, 1, 1, 1, 1, 1}},
        {"light_user", "none", 0.13, 0.3, 0.3, 0.5, 0.6, 0.2, 1.0, 0.8, 0.15,
         {1, 1, 1, 1, 1, 1, 1}},
    };
    int n = (int)(sizeof d / sizeof d[0]);
    for (int k = 0; k < n; k++) {
        cg_profile *p = &cfg->profiles[k];
        *p = cg_profile_template;
        snprintf(p->name, sizeof p->name, "%s", d[k].name);
        snprintf(p->place, sizeof p->place, "%s", d[k].place);
        p->weight = d[k].weight;
        p->calls = d[k].calls;
        p->sms = d[k].sms;
        p->data = d[k].data;
        p->data_volume = d[k].volume;
        p->work_share = d[k].work_share;
        p->outings_scale = d[k].outings;
        p->range_scale = d[k].range;
        p->sociability = d[k].soc;
        memcpy(p->weekdays, d[k].weekdays, sizeof p->weekdays);
    }
    cg_profile *o = &cfg->profiles[0], *s = &cfg->profiles[1], *r = &cfg->profiles[2];
    cg_profile *t = &cfg->profiles[3], *b = &cfg->profiles[4];
    /* office hours on the phone, quieter evenings */
    shape(o->hourly_calls, 9, 18, 1.3);
    shape(o->hourly_calls, 19, 24, 0.8);
    shape(o->hourly_data, 7, 9, 1.3);
    /* students: late, and texting */
    shape(s->hourly_calls, 6, 10, 0.6);
    shape(s->hourly_calls, 20, 24, 1.4);
    shape(s->hourly_sms, 20, 24, 1.6);
    shape(s->hourly_sms, 0, 2, 1.8);
    shape(s->hourly_data, 21, 24, 1.5);
    shape(s->hourly_data, 0, 2, 1.8);
    /* retirees: daytime */
    shape(r->hourly_calls, 9, 18, 1.3);
    shape(r->hourly_calls, 20, 24, 0.6);
    shape(r->hourly_calls, 0, 6, 0.5);
    shape(r->hourly_sms, 20, 24, 0.6);
    shape(r->hourly_data, 21, 24, 0.6);
    /* travellers and small businesses: long working days */
    shape(t->hourly_calls, 6, 9, 1.4);
    shape(t->hourly_calls, 9, 19, 1.2);
    shape(b->hourly_calls, 8, 19, 1.3);
    shape(b->hourly_sms, 8, 19, 1.2);
    cfg->n_profiles = n;
}

void cg_config_defaults(cg_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);

    cfg->subs = 100000;
    cfg->subs_set = 0;
    cfg->start_day = 20089; /* 2025-01-01 */
    cfg->days = 1;
    strcpy(cfg->out, "out");
    cfg->seed = 42;
    strcpy(cfg->tz_name, "Europe/Amsterdam");

    static const char *prefixes[] = {"31612", "31613", "31620", "31621"};
    for (int i = 0; i < 4; i++)
        strcpy(cfg->prefixes[i], prefixes[i]);
    cfg->n_prefixes = 4;
    static const char *mccmnc[] = {"20408", "20416", "20420"};
    for (int i = 0; i < 3; i++)
        strcpy(cfg->mccmnc_pool[i], mccmnc[i]);
    cfg->n_mccmnc = 3;
    cfg->imei_change_prob = 0.02;

    cfg->cells = 2000;
    cfg->center_lat = 52.37;
    cfg->center_lon = 4.895;
    cfg->radius_km = 50.0;
    cfg->n_areas = 0;
    cfg->report_json = 0;
    cfg->report_sample = 1;
    cfg->mob = (cg_mobility){.worker_share = 0.72,
                             .work_start_hour = 8.0,
                             .work_end_hour = 17.0,
                             .commute_km = 8.0,
                             .commute_speed_kmh = 35.0,
                             .evening_out_prob = 0.45,
                             .outings_per_day = 2.0,
                             .explore_rho = 0.6,
                             .explore_gamma = 0.21};

    set_default_profiles(cfg);
    cfg->people = (cg_people){.activity_sigma = 0.9,
                              .day_shape = 2.5,
                              .household_size = 2.0,
                              .work_group_size = 24,
                              .school_group_size = 60,
                              .circle_size = 40,
                              .work_ties = 4,
                              .weak_ties = 16,
                              .weak_tie_weeks = 8,
                              .tie_sigma = 0.6,
                              .sociability_sigma = 1.5};

    cfg->avg_calls = 3.5;
    cfg->avg_sms = 5.2;
    cfg->avg_data = 12.0;
    cfg->avg_contacts = 30;
    cfg->mo_share_call = 0.5;
    cfg->mo_share_sms = 0.5;
    cfg->interconnect_share = 0.15;
    cfg->call_disp[CG_DISP_ANSWERED] = 0.82;
    cfg->call_disp[CG_DISP_NO_ANSWER] = 0.12;
    cfg->call_disp[CG_DISP_BUSY] = 0.04;
    cfg->call_disp[CG_DISP_FAILED] = 0.015;
    cfg->call_disp[CG_DISP_CONGESTION] = 0.005;
    cfg->dur_p50 = 75;
    cfg->dur_p90 = 240;
    cfg->dur_p99 = 600;
    memcpy(cfg->diurnal_weekday, k_diurnal_weekday, sizeof k_diurnal_weekday);
    memcpy(cfg->diurnal_weekend, k_diurnal_weekend, sizeof k_diurnal_weekend);
    memcpy(cfg->seasonality, k_seasonality, sizeof k_seasonality);
    cfg->n_special = 0;
    memset(&cfg->anom, 0, sizeof cfg->anom);
    cfg->anom.shift_max_s = 300;
    cfg->anom.missing_mask = (1u << 11) | (1u << 12); /* imei, cell_id */
    memset(&cfg->fraud, 0, sizeof cfg->fraud);
    cfg->fraud.box_sims = 16;
    cfg->fraud.box_calls = 80;
    cfg->fraud.wan_numbers = 3;
    cfg->fraud.wan_victims = 500;
    cfg->fraud.wan_days = 3;
    cfg->fraud.wan_callback = 0.1;
    cfg->fraud.irsf_nights = 2;
    cfg->fraud.irsf_calls = 12;
    cfg->fraud.swap_hours = 24;
    cfg->fraud.bust_normal_days = 10;
    cfg->fraud.bust_days = 3;
    cfg->fraud.bust_calls = 25;
    cfg->fraud.clone_days = 3;
    cfg->fraud.clone_calls = 10;
    cfg->fraud.churn_fade_days = 21;

    cfg->rotate_bytes = 100000000;
    cfg->codec = CG_CODEC_GZIP;
    cfg->codec_level = 1;
    cfg->codec_level_set = 0;
    cfg->cleanup_after_archive = 0;
    cfg->layout = CG_LAYOUT_BOTH;
    cfg->workers = 0;
    cfg->progress = -1;

    cfg->subscriber_db[0] = '\0';
    cfg->shard_k = 0;
    cfg->shard_n = 0;

    cfg->db_size = 10000;
    cfg->db_history_days = 365;
    cfg->db_device_change_rate = 0.15;
    cfg->db_sim_change_rate = 0.03;
    cfg->db_number_release_rate = 0.05;
    cfg->db_cooldown_days = 90;
}

static int prob_ok(double p)
{
    return isfinite(p) && p >= 0.0 && p <= 1.0;
}

/* 1 when the weights are finite, non-negative and not all zero. */
static int weights_ok(const double *w, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(w[i]) || w[i] < 0)
            return 0;
        sum += w[i];
    }
    return sum > 0;
}

static int codec_level_max(int codec)
{
    return codec == CG_CODEC_ZSTD ? 19 : codec == CG_CODEC_GZIP ? 12 : 0;
}

/* Identities and population: prefixes, mccmnc pool, --subs within the numbering. */
static int check_population(const cg_config *cfg, cg_err *err)
{
    if (cfg->n_prefixes < 1 || cfg->n_prefixes > CG_MAX_PREFIXES)
        return cg_err_set(err, CG_EUSAGE, "--prefixes / prefixes: give 1 to %d prefixes",
                          CG_MAX_PREFIXES);
    if (cfg->n_mccmnc < 1 || cfg->n_mccmnc > CG_MAX_MCCMNC)
        return cg_err_set(err, CG_EUSAGE, "mccmnc_pool: give 1 to %d entries", CG_MAX_MCCMNC);
    if (cfg->subs < 1)
        return cg_err_set(err, CG_EUSAGE, "--subs / subscribers: must be at least 1");
    /* MSISDN = prefix + 7 digits, so each prefix numbers 10^7 subscribers.
     * With a database the MSISDNs come from the file, not from the prefixes. */
    uint64_t capacity = (uint64_t)cfg->n_prefixes * CG_NUMBERS_PER_PREFIX;
    if (!cfg->subscriber_db[0] && cfg->subs > capacity)
        return cg_err_set(err, CG_EUSAGE,
                          "--subs: %llu subscribers do not fit the %d prefixes (at most %llu: "
                          "10000000 numbers per prefix; add --prefixes or lower --subs)",
                          (unsigned long long)cfg->subs, cfg->n_prefixes,
                          (unsigned long long)capacity);
    return CG_OK;
}

/* Calendar, output directory and shard. */
static int check_calendar(const cg_config *cfg, cg_err *err)
{
    if (cfg->days < 1 || cfg->days > CG_DAYS_MAX)
        return cg_err_set(err, CG_EUSAGE, "--days: %d is out of range (1..%d)", cfg->days,
                          CG_DAYS_MAX);
    if (cfg->start_day < 0) {
        char date[11];
        cg_date_format(cfg->start_day, date);
        return cg_err_set(err, CG_EUSAGE,
                          "--start: %s is before 1970-01-01 (timestamps are milliseconds since "
                          "the Unix epoch, never negative)", date);
    }
    int32_t last;
    if (cg_date_parse("9999-12-31", &last) == 0 && (int64_t)cfg->start_day + cfg->days - 1 > last)
        return cg_err_set(err, CG_EUSAGE, "--days: the run would end after 9999-12-31");
    if (!cfg->out[0])
        return cg_err_set(err, CG_EUSAGE, "--out: the output directory must not be empty");
    /* Whether tz_name is a zone of this system is the tz database's
     * question (io/tzdb): flags.c asks it after this check. */
    if (cfg->shard_n < 0 || (cfg->shard_n > 0 && (cfg->shard_k < 0 || cfg->shard_k >= cfg->shard_n)))
        return cg_err_set(err, CG_EUSAGE, "--shard: %d/%d is not a part of the work (K/N with "
                          "0 <= K < N)", cfg->shard_k, cfg->shard_n);
    if (cfg->layout == CG_LAYOUT_BUNDLE && cfg->shard_n > 0)
        return cg_err_set(err, CG_EUSAGE, "--layout bundle: a sharded run writes part files "
                          "(cdrgen merge builds the bundle from them); drop --shard or the layout");
    if (cfg->layout == CG_LAYOUT_PARTS && cfg->cleanup_after_archive)
        return cg_err_set(err, CG_EUSAGE, "--cleanup-after-archive: with --layout parts there is "
                          "no bundle, so the parts would be the only copy");
    return CG_OK;
}

/* Output: codec, level, rotation. */
static int check_output(const cg_config *cfg, cg_err *err)
{
    static const char *codec_names[] = {"none", "gzip", "zstd"};
    if (cfg->codec < CG_CODEC_NONE || cfg->codec > CG_CODEC_ZSTD)
        return cg_err_set(err, CG_EUSAGE, "--compression: unknown codec %d", cfg->codec);
    int lmax = codec_level_max(cfg->codec);
    if (cfg->codec != CG_CODEC_NONE && (cfg->codec_level < 1 || cfg->codec_level > lmax))
        return cg_err_set(err, CG_EUSAGE, "--compression-level / compression_level: %d is out of "
                          "range for %s (1..%d)", cfg->codec_level, codec_names[cfg->codec], lmax);
    if (cfg->rotate_bytes < 1)
        return cg_err_set(err, CG_EUSAGE, "--rotate-bytes / rotate_bytes: must be at least 1");
    return CG_OK;
}

static int check_record_cap(const cg_config *cfg, cg_err *err)
{
    /* A subscriber-day's records are held at once (sorted by time): refuse
     * up front what could not be held in bounded memory, rather than fail
     * on subscriber 0 after minutes of allocation. Calls and SMS count twice
     * (a subscriber also receives its contacts'). */
    double fmax = 0, smax = 1;
    for (int m = 0; m < 12; m++)
        fmax = cfg->seasonality[m] > fmax ? cfg->seasonality[m] : fmax;
    for (int i = 0; i < cfg->n_special; i++)
        smax = cfg->special[i].factor > smax ? cfg->special[i].factor : smax;
    double per_day = (2 * cfg->avg_calls + 2 * cfg->avg_sms + cfg->avg_data) * fmax * smax;
    if (!(per_day <= CG_MAX_RECORDS_PER_SUB_DAY))
        return cg_err_set(err, CG_EUSAGE, "avg_calls_per_user, avg_sms_per_user, "
                          "avg_data_sessions_per_user x seasonality x special_days: %.0f "
                          "records per subscriber on the busiest day; at most %d are supported",
                          per_day, CG_MAX_RECORDS_PER_SUB_DAY);
    return CG_OK;
}

/* Workers and the cell area. */
static int check_cells(const cg_config *cfg, cg_err *err)
{
    if (cfg->workers < 0 || cfg->workers > CG_WORKERS_MAX)
        return cg_err_set(err, CG_EUSAGE, "--workers / workers: %d is out of range (0..%d)",
                          cfg->workers, CG_WORKERS_MAX);
    if (cfg->cells < 1 || cfg->cells > CG_CELLS_MAX)
        return cg_err_set(err, CG_EUSAGE, "--cells / cells: %d is out of range (1..%d)",
                          cfg->cells, CG_CELLS_MAX);
    if (!(cfg->center_lat >= -90 && cfg->center_lat <= 90) ||
        !(cfg->center_lon >= -180 && cfg->center_lon <= 180))
        return cg_err_set(err, CG_EUSAGE, "--cell-center / center_lat, center_lon: %g,%g is not "
                          "a place (latitude -90..90, longitude -180..180)",
                          cfg->center_lat, cfg->center_lon);
    if (!(cfg->radius_km > 0 && cfg->radius_km <= 20000))
        return cg_err_set(err, CG_EUSAGE, "--cell-radius-km / radius_km: %g is out of range "
                          "(more than 0, at most 20000)", cfg->radius_km);
    double share = 0;
    for (int i = 0; i < cfg->n_areas; i++) {
        if (!(cfg->areas[i].radius_km >= 0.1))
            return cg_err_set(err, CG_EUSAGE, "areas[%d]: radius_km is missing (every area needs "
                              "center_lat, center_lon, radius_km and population_share)", i);
        share += cfg->areas[i].share;
    }
    if (cfg->n_areas && !(share > 0))
        return cg_err_set(err, CG_EUSAGE, "areas: every population_share is 0");
    if (!(cfg->mob.work_start_hour + 1 < cfg->mob.work_end_hour))
        return cg_err_set(err, CG_EUSAGE, "mobility: work_start_hour %g must be at least an hour "
                          "before work_end_hour %g", cfg->mob.work_start_hour,
                          cfg->mob.work_end_hour);
    return CG_OK;
}

/* Profiles: named, unique, a known place, some weight. */
static int check_profiles(const cg_config *cfg, cg_err *err)
{
    double w = 0;
    for (int k = 0; k < cfg->n_profiles; k++) {
        const cg_profile *p = &cfg->profiles[k];
        if (!p->name[0])
            return cg_err_set(err, CG_EUSAGE, "profiles[%d]: name is missing (every profile "
                              "needs a name)", k);
        for (int j = 0; j < k; j++)
            if (!strcmp(cfg->profiles[j].name, p->name))
                return cg_err_set(err, CG_EUSAGE, "profiles[%d]: name '%s' is already "
                                  "profiles[%d]'s", k, p->name, j);
        if (strcmp(p->place, "work") && strcmp(p->place, "school") && strcmp(p->place, "none"))
            return cg_err_set(err, CG_EUSAGE, "profiles[%d].place: '%s' is not a place (work, "
                              "school or none)", k, p->place);
        w += p->weight;
    }
    if (!(w > 0))
        return cg_err_set(err, CG_EUSAGE, "profiles: every weight is 0");
    if (cfg->people.day_shape > 0 && cfg->people.day_shape < 0.1)
        return cg_err_set(err, CG_EUSAGE, "people.day_shape: %g is out of range (0 for none, "
                          "or 0.1..1000)", cfg->people.day_shape);
    return CG_OK;
}

/* events: (MODEL.md "Events"): one way of saying when, a where that the
 * effects can use, a profile that exists, and some effect. */
static int check_events(const cg_config *cfg, cg_err *err)
{
    for (int i = 0; i < cfg->n_events; i++) {
        const cg_event *e = &cfg->events[i];
        char w[64];
        snprintf(w, sizeof w, "events[%d]%s%s%s", i, e->name[0] ? " (" : "", e->name,
                 e->name[0] ? ")" : "");
        if (!e->name[0])
            return cg_err_set(err, CG_EUSAGE, "%s: name is missing (every event has one)", w);
        for (int j = 0; j < i; j++)
            if (!strcmp(cfg->events[j].name, e->name))
                return cg_err_set(err, CG_EUSAGE, "%s: name: given twice (events[%d] has it)", w, j);
        int window = e->from_set || e->to_set, rec = e->days[0] != 0, dates = e->n_dates > 0;
        if (window + rec + dates != 1)
            return cg_err_set(err, CG_EUSAGE, "%s: say when in one way: from and to, or days, or "
                              "dates (with hours)", w);
        if (window && !(e->from_set && e->to_set))
            return cg_err_set(err, CG_EUSAGE, "%s: %s: missing (a window has from and to)", w,
                              e->from_set ? "to" : "from");
        if (window && e->to_min <= e->from_min)
            return cg_err_set(err, CG_EUSAGE, "%s: to: not after from", w);
        if (window && e->to_min - e->from_min > 31 * 1440)
            return cg_err_set(err, CG_EUSAGE, "%s: to: a window is at most 31 days long", w);
        if (window && e->hours_set)
            return cg_err_set(err, CG_EUSAGE, "%s: hours: only with days or dates", w);
        if (rec && strcmp(e->days, "daily") && strcmp(e->days, "weekdays") &&
            strcmp(e->days, "weekends"))
            return cg_err_set(err, CG_EUSAGE, "%s: days: '%s' is not daily, weekdays or weekends",
                              w, e->days);
        if (e->hours_set && !(e->hours[0] < e->hours[1]))
            return cg_err_set(err, CG_EUSAGE, "%s: hours: from %g is not before to %g", w,
                              e->hours[0], e->hours[1]);
        int area = e->center_set || e->radius_km > 0;
        if (area && !(e->center_set && e->radius_km > 0))
            return cg_err_set(err, CG_EUSAGE, "%s: an area has center_lat, center_lon and "
                              "radius_km", w);
        if (area && e->n_cells)
            return cg_err_set(err, CG_EUSAGE, "%s: cells: give an area or cells, not both", w);
        for (int k = 0; k < e->n_cells; k++)
            if (e->cells[k] > cfg->cells)
                return cg_err_set(err, CG_EUSAGE, "%s: cells[%d]: %d is not a cell (1..%d)", w, k,
                                  (int)e->cells[k], cfg->cells);
        if (e->profile[0]) {
            int found = 0;
            for (int k = 0; k < cfg->n_profiles; k++)
                found |= !strcmp(cfg->profiles[k].name, e->profile);
            if (!found)
                return cg_err_set(err, CG_EUSAGE, "%s: profile: '%s' is not a profile of the run",
                                  w, e->profile);
        }
        if (strcmp(e->fail_cause, "failure") && strcmp(e->fail_cause, "busy"))
            return cg_err_set(err, CG_EUSAGE, "%s: fail_cause: '%s' is not failure or busy", w,
                              e->fail_cause);
        if (e->outage && !area && !e->n_cells)
            return cg_err_set(err, CG_EUSAGE, "%s: outage: needs the cells (an area or cells)", w);
        if (e->gathering > 0 && !area)
            return cg_err_set(err, CG_EUSAGE, "%s: gathering: needs the venue (center_lat, "
                              "center_lon, radius_km)", w);
        int effect = e->calls != 1 || e->sms != 1 || e->data != 1 || e->fail_share > 0 ||
                     e->congestion > 0 || e->outage || e->gathering > 0;
        if (!effect)
            return cg_err_set(err, CG_EUSAGE, "%s: no effect (calls, sms, data, fail_share, "
                              "congestion, outage or gathering)", w);
    }
    return CG_OK;
}

/* Traffic: probabilities, rates, dispositions, durations, the calendar weights. */
static int check_traffic(const cg_config *cfg, cg_err *err)
{
    struct { const char *name; double v; } probs[] = {
        {"--mo-share-call / mo_share_call", cfg->mo_share_call},
        {"--mo-share-sms / mo_share_sms", cfg->mo_share_sms},
        {"interconnect_share", cfg->interconnect_share},
        {"--imei-change-prob / imei_daily_change_prob", cfg->imei_change_prob},
        {"db_device_change_rate", cfg->db_device_change_rate},
        {"db_sim_change_rate", cfg->db_sim_change_rate},
        {"db_number_release_rate", cfg->db_number_release_rate},
    };
    for (size_t i = 0; i < sizeof probs / sizeof probs[0]; i++)
        if (!prob_ok(probs[i].v))
            return cg_err_set(err, CG_EUSAGE, "%s: %g is not a probability (0..1)",
                              probs[i].name, probs[i].v);
    struct { const char *name; double v; } rates[] = {
        {"avg_calls_per_user", cfg->avg_calls},
        {"avg_sms_per_user", cfg->avg_sms},
        {"avg_data_sessions_per_user", cfg->avg_data},
        {"avg_contacts", cfg->avg_contacts},
    };
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        if (!(isfinite(rates[i].v) && rates[i].v >= 0))
            return cg_err_set(err, CG_EUSAGE, "%s: %g must be a number >= 0", rates[i].name,
                              rates[i].v);
    if (!weights_ok(cfg->call_disp, CG_DISP_COUNT))
        return cg_err_set(err, CG_EUSAGE, "call_dispositions: weights must be >= 0 and not all 0");
    if (!(cfg->dur_p50 > 0 && cfg->dur_p90 >= cfg->dur_p50 && cfg->dur_p99 >= cfg->dur_p90 &&
          isfinite(cfg->dur_p99)))
        return cg_err_set(err, CG_EUSAGE, "call_duration_quantiles: need 0 < p50 <= p90 <= p99 "
                          "(got %g, %g, %g)", cfg->dur_p50, cfg->dur_p90, cfg->dur_p99);
    if (!weights_ok(cfg->diurnal_weekday, 24))
        return cg_err_set(err, CG_EUSAGE, "diurnal_weekday: 24 numbers >= 0, not all 0");
    if (!weights_ok(cfg->diurnal_weekend, 24))
        return cg_err_set(err, CG_EUSAGE, "diurnal_weekend: 24 numbers >= 0, not all 0");
    for (int m = 0; m < 12; m++)
        if (!(isfinite(cfg->seasonality[m]) && cfg->seasonality[m] >= 0))
            return cg_err_set(err, CG_EUSAGE, "seasonality: month %d: factor must be >= 0", m + 1);
    if (cfg->n_special < 0 || cfg->n_special > CG_MAX_SPECIAL_DAYS)
        return cg_err_set(err, CG_EUSAGE, "special_days: at most %d dates", CG_MAX_SPECIAL_DAYS);
    for (int i = 0; i < cfg->n_special; i++)
        if (!(isfinite(cfg->special[i].factor) && cfg->special[i].factor >= 0))
            return cg_err_set(err, CG_EUSAGE, "special_days: factor must be >= 0");
    const cg_anomalies *an = &cfg->anom;
    double q = cg_anom_q(an);
    double worst = (q > 0 ? (an->late + an->wrong_day) / q : 0) + an->duplicate +
                   an->shifted_duplicate + an->missing + an->orphan + an->future_timestamp +
                   an->end_before_start + an->corrupt_imsi + an->unknown_cell +
                   an->extreme_duration;
    if (worst > 1)
        return cg_err_set(err, CG_EUSAGE, "anomalies: the shares add up to more than one record "
                          "in one (%.3g)", worst);
    if (cg_anom_on(&cfg->anom) && cfg->out_format != CG_FMT_CSV)
        return cg_err_set(err, CG_EUSAGE, "anomalies: CSV output only (not with --format parquet)");
    return check_events(cfg, err);
}

/* db generate's settings. */
static int check_db(const cg_config *cfg, cg_err *err)
{
    if (cfg->db_size < 1)
        return cg_err_set(err, CG_EUSAGE, "--size / db_size: must be at least 1");
    if (cfg->db_history_days < 0 || cfg->db_history_days > CG_DAYS_MAX)
        return cg_err_set(err, CG_EUSAGE, "--history-days / db_history_days: %d is out of range "
                          "(0..%d)", cfg->db_history_days, CG_DAYS_MAX);
    if (cfg->db_cooldown_days < 0 || cfg->db_cooldown_days > CG_DAYS_MAX)
        return cg_err_set(err, CG_EUSAGE, "--cooldown-days / db_cooldown_days: %d is out of range "
                          "(0..%d)", cfg->db_cooldown_days, CG_DAYS_MAX);
    return CG_OK;
}

int cg_config_check(const cg_config *cfg, cg_err *err)
{
    /* In this order: the first failing check names the setting. */
    CG_TRY(check_population(cfg, err));
    CG_TRY(check_calendar(cfg, err));
    CG_TRY(check_output(cfg, err));
    CG_TRY(check_record_cap(cfg, err));
    CG_TRY(check_cells(cfg, err));
    CG_TRY(check_profiles(cfg, err));
    CG_TRY(check_traffic(cfg, err));
    return check_db(cfg, err);
}

/* FNV-1a over a canonical text of the settings: stable across builds and
 * platforms (no struct bytes, no padding). */
static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001B3ULL;
    }
    return h;
}

uint64_t cg_config_fingerprint(const cg_config *cfg, uint64_t subs, uint64_t db_hash,
                               const char *version)
{
    uint64_t h = 0xCBF29CE484222325ULL;
    char b[512];
    int n;
#define MIX(...)                                                                   \
    do {                                                                           \
        n = snprintf(b, sizeof b, __VA_ARGS__);                                    \
        h = fnv(h, b, n < 0 ? 0 : (size_t)n < sizeof b ? (size_t)n : sizeof b - 1); \
    } while (0)
    MIX("v=%s;subs=%llu;start=%d;seed=%llu;tz=%s;db=%016llx;shards=%d;", version,
        (unsigned long long)subs, (int)cfg->start_day, (unsigned long long)cfg->seed,
        cfg->tz_name, (unsigned long long)db_hash, cfg->shard_n ? cfg->shard_n : 1);
    for (int i = 0; i < cfg->n_prefixes; i++)
        MIX("p=%s;", cfg->prefixes[i]);
    for (int i = 0; i < cfg->n_mccmnc; i++)
        MIX("m=%s;", cfg->mccmnc_pool[i]);
    MIX("imei=%.17g;cells=%d;%.17g,%.17g,%.17g;", cfg->imei_change_prob, cfg->cells,
        cfg->center_lat, cfg->center_lon, cfg->radius_km);
    for (int i = 0; i < cfg->n_areas; i++)
        MIX("area=%s,%.17g,%.17g,%.17g,%.17g;", cfg->areas[i].name, cfg->areas[i].lat,
            cfg->areas[i].lon, cfg->areas[i].radius_km, cfg->areas[i].share);
    MIX("mob=%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g;", cfg->mob.worker_share,
        cfg->mob.work_start_hour, cfg->mob.work_end_hour, cfg->mob.commute_km,
        cfg->mob.commute_speed_kmh, cfg->mob.evening_out_prob, cfg->mob.outings_per_day,
        cfg->mob.explore_rho, cfg->mob.explore_gamma);
    const cg_people *pe = &cfg->people;
    MIX("people=%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%d,%.17g,%.17g;",
        pe->activity_sigma, pe->day_shape, pe->household_size, pe->work_group_size,
        pe->school_group_size, pe->circle_size, pe->work_ties, pe->weak_ties, pe->weak_tie_weeks,
        pe->tie_sigma, pe->sociability_sigma);
    for (int i = 0; i < cfg->n_profiles; i++) {
        const cg_profile *p = &cfg->profiles[i];
        MIX("profile=%s,%s,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g;", p->name,
            p->place, p->weight, p->calls, p->sms, p->data, p->data_volume, p->work_share,
            p->outings_scale, p->range_scale, p->sociability);
        for (int hr = 0; hr < 24; hr++)
            MIX("%.17g,%.17g,%.17g;", p->hourly_calls[hr], p->hourly_sms[hr], p->hourly_data[hr]);
        for (int d = 0; d < 7; d++)
            MIX("%.17g;", p->weekdays[d]);
    }
    MIX("avg=%.17g,%.17g,%.17g,%.17g;mo=%.17g,%.17g;ic=%.17g;", cfg->avg_calls, cfg->avg_sms,
        cfg->avg_data, cfg->avg_contacts, cfg->mo_share_call, cfg->mo_share_sms,
        cfg->interconnect_share);
    for (int i = 0; i < CG_DISP_COUNT; i++)
        MIX("d=%.17g;", cfg->call_disp[i]);
    MIX("q=%.17g,%.17g,%.17g;", cfg->dur_p50, cfg->dur_p90, cfg->dur_p99);
    for (int i = 0; i < 24; i++)
        MIX("h=%.17g,%.17g;", cfg->diurnal_weekday[i], cfg->diurnal_weekend[i]);
    for (int i = 0; i < 12; i++)
        MIX("s=%.17g;", cfg->seasonality[i]);
    for (int i = 0; i < cfg->n_special; i++)
        MIX("x=%d,%.17g;", (int)cfg->special[i].day, cfg->special[i].factor);
    MIX("rot=%llu;codec=%d;level=%d;", (unsigned long long)cfg->rotate_bytes, cfg->codec,
        cfg->codec_level_set ? cfg->codec_level : 1);
    if (cfg->out_format != CG_FMT_CSV) /* CSV runs keep their fingerprints */
        MIX("fmt=%d;", cfg->out_format);
    const cg_anomalies *an = &cfg->anom;
    if (cg_anom_on(an)) /* runs without anomalies keep their fingerprints */
        MIX("anom=%.17g,%.17g,%.17g,%.17g,%u,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g;",
            an->duplicate, an->shifted_duplicate, an->shift_max_s, an->missing, an->missing_mask,
            an->orphan, an->future_timestamp, an->end_before_start, an->wrong_day,
            an->corrupt_imsi, an->unknown_cell, an->extreme_duration, an->late);
    const cg_fraud *fr = &cfg->fraud;
    if (cg_fraud_on(fr)) /* runs without scenarios keep their fingerprints */
        MIX("fraud=%d;%d,%d,%.17g;%d,%d,%d,%d,%.17g;%d,%d,%.17g;%d,%.17g;%d,%d,%d,%.17g;%d,%d,%.17g;"
            "%.17g,%d;",
            cfg->days, fr->box_count, fr->box_sims, fr->box_calls, fr->wan_campaigns, fr->wan_numbers,
            fr->wan_victims, fr->wan_days, fr->wan_callback, fr->irsf_count, fr->irsf_nights,
            fr->irsf_calls, fr->swap_count, fr->swap_hours, fr->bust_count, fr->bust_normal_days,
            fr->bust_days, fr->bust_calls, fr->clone_count, fr->clone_days, fr->clone_calls,
            fr->churn_monthly, fr->churn_fade_days);
    for (int i = 0; i < cfg->n_events; i++) { /* runs without events keep theirs */
        const cg_event *e = &cfg->events[i];
        MIX("ev=%s,%lld,%lld,%d,%d,%s,%.17g,%.17g,%d;", e->name, (long long)e->from_min,
            (long long)e->to_min, e->from_set, e->to_set, e->days, e->hours[0], e->hours[1],
            e->hours_set);
        for (int k = 0; k < e->n_dates; k++)
            MIX("%d,", (int)e->dates[k]);
        MIX("at=%.17g,%.17g,%.17g,%d;", e->center_lat, e->center_lon, e->radius_km,
            e->center_set);
        for (int k = 0; k < e->n_cells; k++)
            MIX("%d,", (int)e->cells[k]);
        MIX("who=%.17g,%s;fx=%.17g,%.17g,%.17g,%.17g,%s,%.17g,%d,%.17g;", e->share, e->profile,
            e->calls, e->sms, e->data, e->fail_share, e->fail_cause, e->congestion, e->outage,
            e->gathering);
    }
#undef MIX
    return h;
}
