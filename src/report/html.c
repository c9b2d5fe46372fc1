/* The HTML page of `cdrgen report --html` (see html.h). */
#include "report/html.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/calendar.h"
#include "core/fraud.h"
#include "io/afile.h"

/* The libraries, in load order: file name, and where npm puts it. */
static const struct {
    const char *file, *npm;
} LIBS[] = {
    {"vega.min.js", "node_modules/vega/build/vega.min.js"},
    {"vega-lite.min.js", "node_modules/vega-lite/build/vega-lite.min.js"},
    {"vega-embed.min.js", "node_modules/vega-embed/build/vega-embed.min.js"},
    {"report.js", "report.js"},
};
#define NLIBS (sizeof LIBS / sizeof LIBS[0])

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The path of library k in dir (installed name, then npm's), or "". */
static void lib_path(const char *dir, size_t k, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", dir, LIBS[k].file);
    if (is_file(out))
        return;
    snprintf(out, cap, "%s/%s", dir, LIBS[k].npm);
    if (!is_file(out))
        out[0] = 0;
}

static int dir_has_all(const char *dir)
{
    char p[PATH_MAX + 128];
    for (size_t k = 0; k < NLIBS; k++) {
        lib_path(dir, k, p, sizeof p);
        if (!p[0])
            return 0;
    }
    return 1;
}

int cg_report_js_dir(char *dir, size_t cap, cg_err *err)
{
    const char *env = getenv("CDRGEN_JS_DIR");
    if (env && *env) {
        snprintf(dir, cap, "%s", env);
        if (!dir_has_all(dir))
            return cg_err_set(err, CG_EUSAGE, "CDRGEN_JS_DIR=%s: vega.min.js, vega-lite.min.js, "
                              "vega-embed.min.js and report.js are not all there", env);
        return CG_OK;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = 0;
        /* installed: PREFIX/bin/cdrgen -> PREFIX/share/cdrgen/js;
         * the source tree: build/cdrgen -> share/js */
        static const char *const rel[] = {"../share/cdrgen/js", "../share/js"};
        for (size_t k = 0; k < 2; k++) {
            snprintf(dir, cap, "%s/%s", exe, rel[k]);
            if (dir_has_all(dir))
                return CG_OK;
        }
    }
    return cg_err_set(err, CG_ERUNTIME, "report --html: the charting libraries (vega, vega-lite, "
                      "vega-embed) are not installed: run `make js` in the source tree, `make "
                      "install`, or set CDRGEN_JS_DIR");
}

/* The measured properties and their published figures (MODEL.md, "Measured"). */
enum { V_DOUBLE, V_RATIO, V_U64, V_PER_SUB_DAY };
typedef struct prop {
    const char *section, *name, *published, *target, *json;
    int kind;
    size_t a, b;   /* offsets of the value (and of the denominator of a ratio) */
    double lo, hi; /* the target: lo <= v <= hi */
    int prec;      /* digits shown */
} prop;

#define O(f) offsetof(cg_report, f)
static const prop PROPS[] = {
    {"Places", "radius of gyration r<sub>g</sub>, p10", "González, Hidalgo &amp; Barabási 2008: P(r<sub>g</sub>) ∝ (r<sub>g</sub> + 5.8 km)<sup>−1.65</sup> exp(−r<sub>g</sub>/350 km)", "≤ 2 km", "places.rg_km_p10", V_DOUBLE, O(rg_p10), 0, -INFINITY, 2, 3},
    {"Places", "radius of gyration r<sub>g</sub>, p50", "(the same)", "3–15 km", "places.rg_km_p50", V_DOUBLE, O(rg_p50), 0, 3, 15, 3},
    {"Places", "radius of gyration r<sub>g</sub>, p90", "(the same)", "≥ 15 km", "places.rg_km_p90", V_DOUBLE, O(rg_p90), 0, 15, INFINITY, 3},
    {"Places", "visits to the k-th most used cell: log-log slope, k = 1..10", "f<sub>k</sub> ∝ k<sup>−1.2</sup> (González et al. 2008)", "−1.6 to −0.9", "places.visit_slope", V_DOUBLE, O(visit_slope), 0, -1.6, -0.9, 3},
    {"Places", "share of records at the most used cell, median", "≈ 0.3–0.4", "0.25–0.6", "places.top_cell_share_p50", V_DOUBLE, O(top_share_p50), 0, 0.25, 0.6, 3},
    {"Places", "nights at the usual night cell, median", "strong home regularity", "≥ 0.7", "places.night_regularity_p50", V_DOUBLE, O(night_reg_p50), 0, 0.7, INFINITY, 3},
    {"Places", "weekday 10–16 modal cell ≠ night cell", "most workers commute", "≥ 50 %", "places.commuter_share", V_DOUBLE, O(commuter_share), 0, 0.5, INFINITY, 3},
    {"Places", "consecutive records &gt; 5 km apart at &gt; 300 km/h", "≈ 0", "≤ 0.1 % of pairs", "places.implausible_share", V_RATIO, O(implausible_pairs), O(move_pairs), -INFINITY, 0.001, 3},
    {"Places", "sites within the inner 30 % of the radius", "a dense core", "≥ 50 %", "places.sites_inner30_share", V_DOUBLE, O(sites_inner30), 0, 0.5, INFINITY, 3},
    {"People", "average local clustering (degree ≥ 2), on-net graph", "0.1–0.2 (Onnela et al. 2007)", "0.08–0.35", "people.clustering", V_DOUBLE, O(clustering), 0, 0.08, 0.35, 3},
    {"People", "degree: coefficient of variation", "broad, falling from k = 1", "≥ 0.6", "people.degree_cv", V_DOUBLE, O(degree_cv), 0, 0.6, INFINITY, 3},
    {"People", "degree: share with ≤ 3 contacts", "(the same)", "≥ 10 %", "people.degree_le3_share", V_DOUBLE, O(degree_le3), 0, 0.1, INFINITY, 3},
    {"People", "overlap, top vs bottom weight decile", "rises with weight (Onnela et al. 2007)", "≥ 3×", "people.overlap_ratio", V_RATIO, O(overlap_top), O(overlap_bottom), 3, INFINITY, 3},
    {"People", "tie strength (call s per pair): Lomax γ", "γ ≈ 1.9 (Onnela et al. 2007)", "1.5–2.8", "people.tie_gamma", V_DOUBLE, O(tie_gamma), 0, 1.5, 2.8, 3},
    {"People", "calls on the top 1 % of pairs", "heavy-tailed ties", "≥ 15 %", "people.top1_pairs_call_share", V_DOUBLE, O(top1_call_share), 0, 0.15, INFINITY, 3},
    {"People", "direction of ties with ≥ 10 calls: SD vs a fair coin", "lopsided", "≥ 1.5×", "people.direction_ratio", V_RATIO, O(direction_sd), O(direction_fair_sd), 1.5, INFINITY, 3},
    {"People", "calls + SMS per subscriber over the run: CV", "broad", "≥ 0.7", "people.events_cv", V_DOUBLE, O(events_cv), 0, 0.7, INFINITY, 3},
    {"People", "day-to-day correlation of a subscriber's calls + SMS", "strongly positive", "≥ 0.4", "people.day_to_day_corr", V_DOUBLE, O(day_corr), 0, 0.4, INFINITY, 3},
    {"People", "burstiness of inter-event times, median (≥ 20 events)", "0.2–0.5 (Karsai et al. 2012)", "≥ 0.25", "people.burstiness_p50", V_DOUBLE, O(burstiness_p50), 0, 0.25, INFINITY, 3},
    {"People", "answered calls overlapping another of the same subscriber", "0", "0", "people.overlapping_answered_calls", V_U64, O(overlapping_calls), 0, 0, 0, 0},
    {"People", "talk time, top vs bottom weight decile", "strong ties talk longer", "≥ 1.3×", "people.talk_ratio", V_RATIO, O(talk_top_s), O(talk_bottom_s), 1.3, INFINITY, 3},
    {"People", "median home distance, contacts vs random pairs", "gravity law (Lambiotte et al. 2008)", "≤ 0.5×", "people.home_distance_ratio", V_RATIO, O(home_km_contacts), O(home_km_random), -INFINITY, 0.5, 3},
};
#undef O

static double value(const cg_report *r, const prop *p)
{
    const char *b = (const char *)r;
    double v;
    switch (p->kind) {
    case V_U64: return (double)*(const uint64_t *)(const void *)(b + p->a);
    case V_RATIO:
        if (p->a == offsetof(cg_report, implausible_pairs)) {
            uint64_t x = r->implausible_pairs, y = r->move_pairs;
            return y ? (double)x / (double)y : NAN;
        }
        v = *(const double *)(const void *)(b + p->a);
        return v / *(const double *)(const void *)(b + p->b);
    default: return *(const double *)(const void *)(b + p->a);
    }
}

static int copy_file(cg_afile *f, const char *path, cg_err *err)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot open", path);
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int rc = CG_OK;
    for (;;) {
        if (n + 65536 > cap) {
            char *t = realloc(buf, cap = (cap ? cap * 2 : 1 << 20));
            if (!t) {
                rc = cg_err_set(err, CG_ERUNTIME, "out of memory");
                break;
            }
            buf = t;
        }
        size_t k = fread(buf + n, 1, cap - n, in);
        n += k;
        if (k == 0)
            break;
    }
    if (!rc && ferror(in))
        rc = cg_err_errno(err, CG_ERUNTIME, errno, "%s: read failed", path);
    fclose(in);
    /* a script's text must not close its element early */
    for (size_t i = 0; !rc && i + 8 <= n; i++)
        if (buf[i] == '<' && buf[i + 1] == '/' && !strncasecmp(buf + i + 2, "script", 6))
            rc = cg_err_set(err, CG_ERUNTIME, "%s: holds \"</script\"; cannot be inlined", path);
    if (!rc)
        rc = cg_afile_write(f, buf, n, err);
    free(buf);
    return rc;
}

/* printf into a small buffer, then to the file. */
static int put(cg_afile *f, cg_err *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int put(cg_afile *f, cg_err *err, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf)
        return cg_err_set(err, CG_ERUNTIME, "report --html: a line too long");
    return cg_afile_write(f, buf, (size_t)n, err);
}

/* Text that goes into the page: &, <, > and quotes escaped. */
static void esc(const char *s, char *out, size_t cap)
{
    size_t k = 0;
    for (; *s && k + 7 < cap; s++) {
        const char *r = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;"
                      : *s == '"' ? "&quot;" : NULL;
        if (r) {
            memcpy(out + k, r, strlen(r));
            k += strlen(r);
        } else {
            out[k++] = *s;
        }
    }
    out[k] = 0;
}

static const char *const CHARTS[][2] = {
    {"hourly", "Hourly volume per service against the configured weights"},
    {"daily", "Records per day"},
    {"mix", "Mix: event types, dispositions, RATs, APNs"},
    {"duration", "Answered call duration"},
    {"volume", "Data volume per session (bytes in + out)"},
    {"map", "Sites and home density"},
    {"degree", "Degree distribution, on-net graph of the sample"},
    {"ties", "Tie weight distribution (answered call seconds per pair)"},
    {"overlap", "Neighbourhood overlap by tie-weight decile"},
    {"rg", "Radius of gyration of the sample"},
    {"visits", "Visitation frequency by cell rank"},
    {"profiles", "Profile mix"},
    {"labels", "Labels per fraud and anomaly kind"},
};
#define NCHARTS (sizeof CHARTS / sizeof CHARTS[0])

static int write_page(cg_afile *f, const cg_report *rep, const char *out_dir,
                      const cg_config *cfg, const char *cfg_name, const char *js_dir, cg_err *err)
{
    char t[CG_PATH_MAX * 6 + 8];
    esc(out_dir, t, sizeof t);
    CG_TRY(put(f, err, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                       "<meta name=\"generator\" content=\"cdrgen %s\">\n<title>cdrgen report: %s</title>\n",
               CG_VERSION, t));
    CG_TRY(put(f, err, "<style>\nbody{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;"
                       "max-width:1100px;color:#222}h1{font-size:1.5em}h2{font-size:1.15em;"
                       "margin-top:1.8em;border-bottom:1px solid #ddd}.chart{min-height:120px}"
                       "table{border-collapse:collapse;width:100%%}td,th{border:1px solid #ddd;"
                       "padding:3px 6px;vertical-align:top}th{background:#f4f4f4;text-align:left}"
                       "td.num{text-align:right;font-variant-numeric:tabular-nums}"
                       ".ok{color:#1a7f37}.miss{color:#cf222e}#errors{color:#cf222e}"
                       ".note{color:#666}\n</style>\n"));
    char p[PATH_MAX + 128];
    for (size_t k = 0; k + 1 < NLIBS; k++) {
        lib_path(js_dir, k, p, sizeof p);
        CG_TRY(put(f, err, "<script>/* %s */\n", LIBS[k].file));
        CG_TRY(copy_file(f, p, err));
        CG_TRY(put(f, err, "\n</script>\n"));
    }
    CG_TRY(put(f, err, "</head><body>\n<h1>cdrgen report: %s</h1>\n", t));
    CG_TRY(put(f, err, "<p>%d day(s), %llu rows (%llu calls, %llu SMS, %llu data); "
                       "per-subscriber figures over a sample of <b id=\"sample\">%llu</b> "
                       "subscribers%s; %llu subscribers in subscribers.csv. Weights and rates: %s. "
                       "cdrgen %s.</p>\n",
               rep->days, (unsigned long long)rep->rows, (unsigned long long)rep->calls,
               (unsigned long long)rep->sms, (unsigned long long)rep->data,
               (unsigned long long)rep->sampled, rep->sample_capped ? " (capped)" : "",
               (unsigned long long)rep->subscribers,
               cfg_name ? "the YAML file given with --config" : "the defaults (pass --config to compare with yours)",
               CG_VERSION));
    CG_TRY(put(f, err, "<div id=\"status\">rendering</div><div id=\"errors\"></div>\n"));
    for (size_t k = 0; k < NCHARTS; k++)
        CG_TRY(put(f, err, "<h2>%s</h2><div class=\"chart\" id=\"chart-%s\"></div>\n",
                   CHARTS[k][1], CHARTS[k][0]));
    if (rep->nevents) { /* the ground truth of events: (OUT/DATE/events.json) */
        CG_TRY(put(f, err, "<h2>Events (what was put in: OUT/DATE/events.json)</h2>\n"
                           "<table id=\"events\"><tr><th>day</th><th>event</th><th>from</th>"
                           "<th>to</th><th>kind</th><th>cells</th></tr>\n"));
        for (int k = 0; k < rep->nevents; k++) {
            const cg_report_event *e = &rep->events[k];
            char cells[16];
            if (e->ncells < 0)
                snprintf(cells, sizeof cells, "all");
            else
                snprintf(cells, sizeof cells, "%d", e->ncells);
            CG_TRY(put(f, err, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                               "<td class=\"num\">%s</td></tr>\n",
                       e->date, e->name, e->from, e->to,
                       e->outage ? "outage" : e->gathering ? "gathering" : "rates / failures",
                       cells));
        }
        CG_TRY(put(f, err, "</table>\n"));
    }
    int any_anom = 0;
    for (int d = 0; d < rep->ndays; d++)
        any_anom |= rep->day_has_anom[d];
    if (any_anom) { /* the anomalies put in, by day and kind (summary.json) */
        CG_TRY(put(f, err, "<h2>Anomalies (what was put in: OUT/DATE/anomalies.csv)</h2>\n"
                           "<table id=\"anomalies\"><tr><th>day</th>"));
        for (int k = 0; k < CG_STATS_ANOM; k++)
            CG_TRY(put(f, err, "<th>%s</th>", cg_anom_kind_names[k]));
        CG_TRY(put(f, err, "</tr>\n"));
        for (int d = 0; d < rep->ndays; d++) {
            if (!rep->day_has_anom[d])
                continue;
            CG_TRY(put(f, err, "<tr><td>%s</td>", rep->day_date[d]));
            for (int k = 0; k < CG_STATS_ANOM; k++)
                CG_TRY(put(f, err, "<td class=\"num\">%llu</td>",
                           (unsigned long long)rep->day_anom[d][k]));
            CG_TRY(put(f, err, "</tr>\n"));
        }
        CG_TRY(put(f, err, "</table>\n"));
    }
    if (rep->fraud.present) { /* the cases put in (OUT/labels) and their signatures */
        CG_TRY(put(f, err, "<h2>Fraud and churn (what was put in: OUT/labels/fraud.csv, "
                           "churn.csv)</h2>\n<table id=\"fraud\"><tr><th>scenario</th>"
                           "<th>cases</th><th>signature metric (median)</th><th>labelled</th>"
                           "<th>unlabelled</th><th>simple rule</th><th>rule hits, labelled</th>"
                           "<th>rule hits, unlabelled</th></tr>\n"));
        for (int k = 0; k < CG_FREP_SCENARIOS; k++) {
            const cg_frep_metric *m = &rep->fraud.m[k];
            uint64_t cases = k == 1 ? rep->fraud.numbers : rep->fraud.cases[k];
            if (!cases && !rep->fraud.cases[k])
                continue;
            char a[32], b[32];
            snprintf(a, sizeof a, isfinite(m->labelled) ? "%.4g" : "—", m->labelled);
            snprintf(b, sizeof b, isfinite(m->unlabelled) ? "%.4g" : "—", m->unlabelled);
            CG_TRY(put(f, err, "<tr><td>%s</td><td class=\"num\">%llu%s</td><td>%s</td>"
                               "<td class=\"num\">%s</td><td class=\"num\">%s</td><td>%s</td>"
                               "<td class=\"num\">%llu of %llu</td><td class=\"num\">%llu of "
                               "%llu</td></tr>\n",
                       cg_fr_names[k], (unsigned long long)rep->fraud.cases[k],
                       k == 1 ? " victims" : "", m->metric, a, b, m->rule,
                       (unsigned long long)m->hit_labelled, (unsigned long long)m->n_labelled,
                       (unsigned long long)m->hit_unlabelled,
                       (unsigned long long)m->n_unlabelled));
        }
        CG_TRY(put(f, err, "</table>\n<p class=\"note\">Wangiri is measured over numbers "
                           "(the campaigns' against the other off-net numbers ringing short), "
                           "the others over subscribers (every labelled one against a sample "
                           "of unlabelled ones). docs/SCENARIOS.md gives each rule.</p>\n"));
    }
    CG_TRY(put(f, err, "<h2>Measured properties</h2>\n<table id=\"props\"><tr><th>section</th>"
                       "<th>property</th><th>published real data</th><th>target</th>"
                       "<th>measured</th><th></th></tr>\n"));
    for (size_t k = 0; k < sizeof PROPS / sizeof PROPS[0]; k++) {
        const prop *q = &PROPS[k];
        double v = value(rep, q);
        char m[64];
        if (q->kind == V_U64)
            snprintf(m, sizeof m, "%.0f", v);
        else if (isfinite(v))
            snprintf(m, sizeof m, "%.6g", v); /* as --json prints it */
        else
            snprintf(m, sizeof m, "—");
        const char *verdict = !isfinite(v) ? "" : v >= q->lo && v <= q->hi ? "✓" : "✗";
        CG_TRY(put(f, err, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                           "<td class=\"num\" data-json=\"%s\">%s</td><td class=\"%s\">%s</td></tr>\n",
                   q->section, q->name, q->published, q->target, q->json, m,
                   !isfinite(v) ? "" : v >= q->lo && v <= q->hi ? "ok" : "miss", verdict));
    }
    /* records per subscriber-day against the configured means */
    static const char *const TN[] = {"calls", "SMS", "data sessions"};
    static const char *const TJ[] = {"calls", "sms", "data"};
    const double want[3] = {cfg->avg_calls, cfg->avg_sms, cfg->avg_data};
    const uint64_t got[3] = {rep->calls, rep->sms, rep->data};
    for (int k = 0; k < 3 && rep->subscribers && rep->days; k++) {
        double v = (double)got[k] / ((double)rep->subscribers * rep->days);
        double dev = want[k] > 0 ? v / want[k] - 1 : NAN;
        CG_TRY(put(f, err, "<tr><td>Volumes</td><td>%s per subscriber-day (over the run: "
                           "seasonality, weekends and special days in)</td><td>the configured "
                           "mean %.4g</td><td>within 2 %% (a month)</td><td class=\"num\" "
                           "data-derived=\"%s\">%.6g</td><td class=\"%s\">%s</td></tr>\n",
                   TN[k], want[k], TJ[k], v, fabs(dev) <= 0.02 ? "ok" : "miss",
                   fabs(dev) <= 0.02 ? "✓" : "✗"));
    }
    CG_TRY(put(f, err, "</table>\n<p class=\"note\">Published figures and targets as in "
                       "docs/MODEL.md (\"Measured\"); a target is judged on the whole run "
                       "(a month of 20,000 subscribers in MODEL.md; short runs are noisier).</p>\n"));
    /* the data: the very JSON of --json, and the configured weights */
    CG_TRY(put(f, err, "<script id=\"report-data\" type=\"application/json\">"));
    char *buf = NULL;
    size_t blen = 0;
    FILE *mem = open_memstream(&buf, &blen);
    if (!mem)
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    cg_report_print(mem, rep, 1);
    fclose(mem);
    int rc = buf ? cg_afile_write(f, buf, blen, err) : cg_err_set(err, CG_ERUNTIME, "out of memory");
    free(buf);
    CG_TRY(rc);
    CG_TRY(put(f, err, "</script>\n<script id=\"report-config\" type=\"application/json\">"
                       "{\"weekday\":["));
    for (int h = 0; h < 24; h++)
        CG_TRY(put(f, err, "%.6g%s", cfg->diurnal_weekday[h], h < 23 ? "," : ""));
    CG_TRY(put(f, err, "],\"weekend\":["));
    for (int h = 0; h < 24; h++)
        CG_TRY(put(f, err, "%.6g%s", cfg->diurnal_weekend[h], h < 23 ? "," : ""));
    CG_TRY(put(f, err, "],\"special_days\":{"));
    for (int k = 0; k < cfg->n_special; k++) {
        char d[11];
        cg_date_format(cfg->special[k].day, d);
        CG_TRY(put(f, err, "\"%s\":%.6g%s", d, cfg->special[k].factor,
                   k + 1 < cfg->n_special ? "," : ""));
    }
    CG_TRY(put(f, err, "},\"labels\":null}</script>\n"));
    lib_path(js_dir, NLIBS - 1, p, sizeof p);
    CG_TRY(put(f, err, "<script>/* report.js */\n"));
    CG_TRY(copy_file(f, p, err));
    return put(f, err, "\n</script>\n</body></html>\n");
}

int cg_report_html(const char *path, const cg_report *rep, const char *out_dir,
                   const cg_config *cfg, const char *cfg_name, const char *js_dir, cg_err *err)
{
    cg_afile f;
    CG_TRY(cg_afile_open(&f, path, err));
    int rc = write_page(&f, rep, out_dir, cfg, cfg_name, js_dir, err);
    if (!rc)
        rc = cg_afile_commit(&f, 0, err);
    cg_afile_abort(&f);
    return rc;
}
