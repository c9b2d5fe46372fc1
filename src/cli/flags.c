/* Flag parsing of every sub-command (see flags.h). One table describes each
 * flag once: which commands take it, its help line and default, so the
 * getopt_long tables and the --help text cannot drift apart. */
#include "cli/flags.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "db/subsource.h"
#include "core/check.h"
#include "core/options.h"
#include "io/tzdb.h"
#include "io/yamlcfg.h"

#ifndef CG_VERSION
#define CG_VERSION "0.0.0"
#endif

/* Which command lines take a flag (core/options.h). */
#define M_GEN CG_CMD_GEN
#define M_DBGEN CG_CMD_DBGEN
#define M_DBVAL CG_CMD_DBVAL
#define M_DBCONV CG_CMD_DBCONV
#define M_MERGE CG_CMD_MERGE
#define M_FLAT CG_CMD_FLAT
#define M_REPORT CG_CMD_REPORT

/* getopt_long's value of row i of cg_options (both spellings). */
#define OPT_VAL(i) (256 + (i))

static int has_arg(const cg_option *o)
{
    return o->metavar && o->metavar[0];
}

/* ---- usage ---- */

static void print_flags(FILE *out, unsigned mask)
{
    for (int i = 0; i < cg_noptions; i++) {
        const cg_option *o = &cg_options[i];
        if (!o->flag || !(o->cmds & mask))
            continue;
        char left[64];
        snprintf(left, sizeof left, "%s--%s%s%s",
                 o->special == CG_SP_OUTPUT ? "-o, " : o->special == CG_SP_HELP ? "-h, " : "",
                 o->flag, has_arg(o) ? " " : "", o->metavar);
        fprintf(out, "  %-30s %s\n", left, o->help);
    }
}

int cg_flags_usage(FILE *out, const char *topic)
{
    if (!topic || !*topic) {
        fprintf(out,
                "cdrgen %s - synthetic telecom Call Detail Records (voice, SMS, data)\n"
                "\n"
                "Usage:\n"
                "  cdrgen generate [flags]              CDRs for --days days from --start\n"
                "  cdrgen db generate -o FILE [flags]   subscriber database (.arrow or .csv)\n"
                "  cdrgen db validate FILE              check a subscriber database, print statistics\n"
                "  cdrgen db convert IN OUT             convert a database between .csv and .arrow\n"
                "  cdrgen merge OUT                     merge the outputs of --shard runs in OUT\n"
                "  cdrgen report OUT [--json]           measured properties of an output directory\n"
                "  cdrgen report OUT --html FILE        the same as a page of charts (docs/REPORT.md)\n"
                "  cdrgen help [CMD], cdrgen CMD --help usage of a command\n"
                "  cdrgen --version                     print the version\n"
                "\n"
                "Flat form of the earlier tool (first argument a flag):\n"
                "  cdrgen --subs N --days N ...                     = cdrgen generate ...\n"
                "  cdrgen --generate-db FILE --db-size N ...        = cdrgen db generate -o FILE ...\n"
                "  cdrgen --subscriber-db FILE --validate-db        = cdrgen db validate FILE\n"
                "\n"
                "Configuration: defaults < YAML file (--config) < environment\n"
                "(CDRGEN_SHARD_INDEX + CDRGEN_SHARD_COUNT) < flags. See docs/CONFIG.md.\n"
                "Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.\n",
                CG_VERSION);
        return 0;
    }
    /* One entry per command: its usage text, then its flags (mask 0: none). */
    static const struct {
        const char *topic, *text;
        unsigned mask;
    } topics[] = {
        {"generate",
         "Usage: cdrgen generate [flags]\n"
         "Generate CDRs (calls, SMS, data sessions) for --days days from --start.\n"
         "Flags [default]:\n",
         M_GEN},
        {"db",
         "Usage:\n"
         "  cdrgen db generate -o FILE [flags]   write a subscriber database\n"
         "  cdrgen db validate FILE              check one, print statistics (exit 1 if invalid)\n"
         "  cdrgen db convert IN OUT             convert between .csv and .arrow\n"
         "See cdrgen db generate --help for the flags.\n",
         0},
        {"db generate",
         "Usage: cdrgen db generate -o FILE [flags]\n"
         "Write a subscriber database with identity history; the format follows\n"
         "the extension of FILE: .arrow (Arrow IPC file) or .csv.\n"
         "Flags [default]:\n",
         M_DBGEN},
        {"db validate",
         "Usage: cdrgen db validate FILE\n"
         "Check a subscriber database (.arrow or .csv) and print its statistics;\n"
         "an invalid file prints its first errors with row numbers and exits 1.\n"
         "Flags:\n",
         M_DBVAL},
        {"db convert",
         "Usage: cdrgen db convert IN OUT\n"
         "Convert a subscriber database between .csv and .arrow (by extension).\n"
         "Flags:\n",
         M_DBCONV},
        {"merge",
         "Usage: cdrgen merge OUT\n"
         "Merge the outputs that --shard K/N runs wrote into OUT.\n"
         "Flags:\n",
         M_MERGE},
        {"report",
         "Usage: cdrgen report OUT [flags]\n"
         "Read a finished output directory (CSV or Parquet) and print its measured\n"
         "properties (volumes, places, people; docs/MODEL.md \"Report\"); with --html,\n"
         "also write them as one self-contained page of charts (docs/REPORT.md).\n"
         "Flags [default]:\n",
         M_REPORT},
    };
    for (size_t k = 0; k < sizeof topics / sizeof topics[0]; k++) {
        if (strcmp(topic, topics[k].topic))
            continue;
        fputs(topics[k].text, out);
        if (topics[k].mask)
            print_flags(out, topics[k].mask);
        return 0;
    }
    return -1;
}

/* ---- collecting flags ---- */

typedef struct given {
    int id;
    const char *name; /* as typed, without "--" (aliases keep their spelling) */
    const char *arg;
} given;

typedef struct parsed {
    given *g;
    int ng;
    int help;
    char **pos;
    int npos;
} parsed;

/* "(see cdrgen generate --help)" */
__attribute__((format(printf, 3, 4)))
static int usage_err(cg_err *err, const char *topic, const char *fmt, ...)
{
    char what[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return cg_err_set(err, CG_EUSAGE, "%s (see cdrgen %s%s--help)", what, topic,
                      *topic ? " " : "");
}

/* The row of a getopt_long value, NULL for anything else. */
static const cg_option *def_of(int val)
{
    return val >= OPT_VAL(0) && val < OPT_VAL(cg_noptions) ? &cg_options[val - OPT_VAL(0)] : NULL;
}

static int row_of_special(int special)
{
    for (int i = 0; i < cg_noptions; i++)
        if (cg_options[i].special == special)
            return i;
    return -1;
}

/* Runs getopt_long over argv[0..argc) (argv[0] is the command word). */
static int collect(int argc, char **argv, unsigned mask, const char *topic, parsed *p,
                   cg_err *err)
{
    struct option lopts[2 * CG_MAX_OPTIONS + 1];
    CG_ASSERT(cg_noptions <= CG_MAX_OPTIONS);
    int n = 0;
    for (int i = 0; i < cg_noptions; i++) {
        const cg_option *o = &cg_options[i];
        if (!o->flag || !(o->cmds & mask))
            continue;
        int ha = has_arg(o) ? required_argument : no_argument;
        lopts[n++] = (struct option){o->flag, ha, NULL, OPT_VAL(i)};
        if (o->alias)
            lopts[n++] = (struct option){o->alias, ha, NULL, OPT_VAL(i)};
    }
    lopts[n] = (struct option){0, 0, 0, 0};
    const char *shortopts = (mask & M_DBGEN) ? ":ho:" : ":h";

    p->g = calloc((size_t)argc + 1, sizeof *p->g);
    if (!p->g)
        return cg_err_set(err, CG_ERUNTIME, "out of memory");
    p->ng = 0;
    p->help = 0;
    optind = 0; /* GNU: full re-initialisation, so tests can parse repeatedly */
    opterr = 0;
    for (;;) {
        int li = -1;
        int c = getopt_long(argc, argv, shortopts, lopts, &li);
        if (c == -1)
            break;
        const char *cur = argv[optind - 1];
        if (c == '?') {
            const cg_option *d = def_of(optopt);
            if (d)
                return usage_err(err, topic, "--%s takes no value", d->flag);
            if (optopt)
                return usage_err(err, topic, "unknown flag '-%c'", optopt);
            char name[128];
            snprintf(name, sizeof name, "%s", cur);
            char *eq = strchr(name, '=');
            if (eq)
                *eq = '\0';
            return usage_err(err, topic, "unknown flag '%s'", name);
        }
        if (c == ':') {
            const cg_option *d = def_of(optopt);
            if (optopt == 'o')
                return usage_err(err, topic, "-o: missing FILE");
            return usage_err(err, topic, "%s: missing value%s%s", cur,
                             d && d->metavar[0] ? " " : "", d ? d->metavar : "");
        }
        if (c == 'h')
            c = OPT_VAL(row_of_special(CG_SP_HELP));
        else if (c == 'o')
            c = OPT_VAL(row_of_special(CG_SP_OUTPUT));
        const char *name = li >= 0 ? lopts[li].name : def_of(c)->flag;
        if (li >= 0) {
            /* getopt_long takes unambiguous abbreviations ("--sub"); the
             * earlier tool did not, and a script relying on one would break
             * the day a new flag makes it ambiguous. */
            const char *typed = (optarg && optarg == argv[optind - 1]) ? argv[optind - 2] : cur;
            size_t len = strlen(name);
            if (strncmp(typed, "--", 2) || strncmp(typed + 2, name, len) ||
                (typed[2 + len] != '\0' && typed[2 + len] != '=')) {
                char t[128];
                snprintf(t, sizeof t, "%s", typed);
                char *eq = strchr(t, '=');
                if (eq)
                    *eq = '\0';
                return usage_err(err, topic, "unknown flag '%s' (did you mean --%s?)", t, name);
            }
        }
        if (def_of(c)->special == CG_SP_HELP) {
            p->help = 1;
            continue;
        }
        /* "--days --seed 5": the value was forgotten, not "--seed". */
        if (optarg && optarg[0] == '-' && optarg[1] == '-' && optarg[2])
            return usage_err(err, topic, "--%s: missing value (got the flag '%s')", name, optarg);
        p->g[p->ng++] = (given){c - OPT_VAL(0), name, optarg ? optarg : ""};
    }
    p->pos = argv + optind;
    p->npos = argc - optind;
    return CG_OK;
}

/* ---- flag values ---- */

static int flag_uint(const given *g, uint64_t lo, uint64_t hi, uint64_t *out, cg_err *err)
{
    uint64_t v;
    if (g->arg[0] == '+')
        return cg_err_set(err, CG_EUSAGE, "--%s: '%s': write numbers without a '+' sign", g->name,
                          g->arg);
    if (cg_yaml_parse_uint(g->arg, &v))
        return cg_err_set(err, CG_EUSAGE, "--%s: '%s' is not a whole number \u2265 %llu", g->name,
                          g->arg, (unsigned long long)lo);
    if (v < lo || v > hi)
        return cg_err_set(err, CG_EUSAGE, "--%s: '%s' is out of range (%llu..%llu)", g->name,
                          g->arg, (unsigned long long)lo, (unsigned long long)hi);
    *out = v;
    return CG_OK;
}

static int flag_int(const given *g, int lo, int hi, int *out, cg_err *err)
{
    uint64_t v;
    int rc = flag_uint(g, (uint64_t)lo, (uint64_t)hi, &v, err);
    if (!rc)
        *out = (int)v;
    return rc;
}

static int flag_prob(const given *g, double *out, cg_err *err)
{
    double v;
    if (g->arg[0] == '+')
        return cg_err_set(err, CG_EUSAGE, "--%s: '%s': write numbers without a '+' sign", g->name,
                          g->arg);
    if (cg_yaml_parse_double(g->arg, &v) || v < 0 || v > 1)
        return cg_err_set(err, CG_EUSAGE, "--%s: '%s' is not a probability (a number in 0..1)",
                          g->name, g->arg);
    *out = v;
    return CG_OK;
}

static int flag_path(const given *g, char *dst, size_t cap, cg_err *err)
{
    size_t n = strlen(g->arg);
    if (n == 0)
        return cg_err_set(err, CG_EUSAGE, "--%s: the path is empty", g->name);
    if (n >= cap)
        return cg_err_set(err, CG_EUSAGE, "--%s: the path is longer than %zu bytes", g->name,
                          cap - 1);
    memcpy(dst, g->arg, n + 1);
    return CG_OK;
}

static int flag_prefixes(const given *g, cg_config *c, cg_err *err)
{
    char buf[CG_MAX_PREFIXES * 8 + 64];
    const char *allowed = "a comma-separated list of 3-6 digit prefixes";
    if (strlen(g->arg) >= sizeof buf)
        return cg_err_set(err, CG_EUSAGE, "--%s: too long (%s, at most %d)", g->name, allowed,
                          CG_MAX_PREFIXES);
    strcpy(buf, g->arg);
    char list[CG_MAX_PREFIXES][8];
    int n = 0;
    char *s = buf;
    for (;;) {
        char *comma = strchr(s, ',');
        if (comma)
            *comma = '\0';
        if (!cg_yaml_prefix_ok(s))
            return cg_err_set(err, CG_EUSAGE, "--%s: '%s' is not a prefix (%s)", g->name, s,
                              allowed);
        for (int j = 0; j < n; j++)
            if (!strcmp(list[j], s))
                return cg_err_set(err, CG_EUSAGE, "--%s: '%s' is given twice (each prefix once)",
                                  g->name, s);
        if (n == CG_MAX_PREFIXES)
            return cg_err_set(err, CG_EUSAGE, "--%s: more than %d prefixes", g->name,
                              CG_MAX_PREFIXES);
        strcpy(list[n++], s);
        if (!comma)
            break;
        s = comma + 1;
    }
    memcpy(c->prefixes, list, sizeof list[0] * (size_t)n);
    c->n_prefixes = n;
    return CG_OK;
}

static int flag_center(const given *g, cg_config *c, cg_err *err)
{
    char buf[128];
    double lat, lon;
    snprintf(buf, sizeof buf, "%s", g->arg);
    char *comma = strchr(buf, ',');
    if (strlen(g->arg) >= sizeof buf || !comma)
        return cg_err_set(err, CG_EUSAGE, "--%s: '%s' is not LAT,LON (e.g. 52.37,4.895)", g->name,
                          g->arg);
    *comma = '\0';
    if (cg_yaml_parse_double(buf, &lat) || cg_yaml_parse_double(comma + 1, &lon) ||
        lat < -90 || lat > 90 || lon < -180 || lon > 180)
        return cg_err_set(err, CG_EUSAGE, "--%s: '%s' is not LAT,LON (latitude -90..90, "
                          "longitude -180..180, e.g. 52.37,4.895)", g->name, g->arg);
    c->center_lat = lat;
    c->center_lon = lon;
    return CG_OK;
}

/* A generic row: its kind says how to read the value. */
static int apply_generic(cg_config *c, const cg_option *o, const given *g, cg_err *err)
{
    void *f = cg_option_field(c, o);
    int rc;
    switch (o->kind) {
    case CG_K_UINT: rc = flag_uint(g, o->lo, o->hi, f, err); break;
    case CG_K_INT: rc = flag_int(g, (int)o->lo, (int)o->hi, f, err); break;
    case CG_K_PROB: rc = flag_prob(g, f, err); break;
    case CG_K_PATH: rc = flag_path(g, f, CG_PATH_MAX, err); break;
    default: rc = cg_err_set(err, CG_ERUNTIME, "--%s: no reader for this kind", g->name);
    }
    if (!rc && o->set_off >= 0)
        *(int *)((char *)c + o->set_off) = 1;
    return rc;
}

static int apply(cg_config *c, const given *g, cg_err *err)
{
    const cg_option *o = &cg_options[g->id];
    double d;
    if (o->kind != CG_K_SPECIAL)
        return apply_generic(c, o, g, err);
    switch (o->special) {
    case CG_SP_START:
        if (cg_date_parse(g->arg, &c->start_day))
            return cg_err_set(err, CG_EUSAGE, "--%s: '%s' is not a real date (YYYY-MM-DD)",
                              g->name, g->arg);
        return CG_OK;
    case CG_SP_CONFIG: return CG_OK; /* loaded before the flags */
    case CG_SP_PREFIXES: return flag_prefixes(g, c, err);
    case CG_SP_TZ:
        if (strlen(g->arg) >= sizeof c->tz_name || !cg_tz_valid(g->arg))
            return cg_err_set(err, CG_EUSAGE, "--%s: unknown time zone '%s' (an IANA name such "
                              "as Europe/Amsterdam)", g->name, g->arg);
        strcpy(c->tz_name, g->arg);
        return CG_OK;
    case CG_SP_CENTER: return flag_center(g, c, err);
    case CG_SP_RADIUS:
        if (g->arg[0] == '+' || cg_yaml_parse_double(g->arg, &d) || !(d > 0 && d <= 20000))
            return cg_err_set(err, CG_EUSAGE, "--%s: '%s' is not a radius in km (more than 0, "
                              "at most 20000)", g->name, g->arg);
        c->radius_km = d;
        return CG_OK;
    case CG_SP_CODEC:
        if (cg_yaml_parse_codec(g->arg, &c->codec))
            return cg_err_set(err, CG_EUSAGE, "--%s: unknown codec '%s' (gzip, zstd or none)",
                              g->name, g->arg);
        c->codec_set = 1;
        return CG_OK;
    case CG_SP_FORMAT:
        if (cg_yaml_parse_format(g->arg, &c->out_format))
            return cg_err_set(err, CG_EUSAGE, "--%s: unknown format '%s' (csv or parquet)",
                              g->name, g->arg);
        return CG_OK;
    case CG_SP_CLEANUP: c->cleanup_after_archive = 1; return CG_OK;
    case CG_SP_LAYOUT:
        if (cg_yaml_parse_layout(g->arg, &c->layout))
            return cg_err_set(err, CG_EUSAGE, "--%s: unknown layout '%s' (both, parts or bundle)",
                              g->name, g->arg);
        return CG_OK;
    case CG_SP_NO_BUNDLE: c->layout = CG_LAYOUT_PARTS; return CG_OK;
    case CG_SP_BUNDLE_ONLY: c->layout = CG_LAYOUT_BUNDLE; return CG_OK;
    case CG_SP_SHARD:
        if (cg_yaml_parse_shard(g->arg, &c->shard_k, &c->shard_n))
            return cg_err_set(err, CG_EUSAGE, "--%s: '%s' is not a part of the work (K/N with "
                              "0 \u2264 K < N)", g->name, g->arg);
        return CG_OK;
    case CG_SP_JSON: c->report_json = 1; return CG_OK;
    case CG_SP_QUIET: c->progress = 0; return CG_OK;
    case CG_SP_PROGRESS: c->progress = 1; return CG_OK;
    default: return CG_OK; /* -o, --generate-db, --validate-db: read by the caller */
    }
}

/* The last given flag of the row with this special tag (or YAML key). */
static const given *find(const parsed *p, int special)
{
    const given *last = NULL;
    for (int i = 0; i < p->ng; i++)
        if (cg_options[p->g[i].id].special == special)
            last = &p->g[i];
    return last;
}

static const given *find_key(const parsed *p, const char *key)
{
    const given *last = NULL;
    for (int i = 0; i < p->ng; i++) {
        const char *k = cg_options[p->g[i].id].key;
        if (k && !strcmp(k, key))
            last = &p->g[i];
    }
    return last;
}

/* The shard from the environment, for batch engines that hand each copy of a
 * command its index (Kubernetes Indexed Jobs, Slurm arrays). */
static int env_shard(cg_config *c, cg_err *err)
{
    const char *ei = getenv("CDRGEN_SHARD_INDEX"), *ec = getenv("CDRGEN_SHARD_COUNT");
    if (ei && !*ei)
        ei = NULL;
    if (ec && !*ec)
        ec = NULL;
    if (!ei && !ec)
        return CG_OK;
    if (!ei || !ec)
        return cg_err_set(err, CG_EUSAGE, "%s is set without %s: set both, or neither and use "
                          "--shard K/N", ei ? "CDRGEN_SHARD_INDEX" : "CDRGEN_SHARD_COUNT",
                          ei ? "CDRGEN_SHARD_COUNT" : "CDRGEN_SHARD_INDEX");
    char buf[64];
    snprintf(buf, sizeof buf, "%.30s/%.30s", ei, ec);
    if (strchr(ei, '/') || cg_yaml_parse_shard(buf, &c->shard_k, &c->shard_n))
        return cg_err_set(err, CG_EUSAGE, "CDRGEN_SHARD_INDEX=%s, CDRGEN_SHARD_COUNT=%s: not a "
                          "part of the work (whole numbers, 0 \u2264 INDEX < COUNT)", ei, ec);
    return CG_OK;
}

/* defaults -> YAML -> environment -> flags, then the cross-field checks. */
static int merge(cg_flags *fl, const parsed *p, int use_env, FILE *warn, cg_err *err)
{
    cg_config *c = &fl->cfg;
    cg_config_defaults(c);
    const given *cfgf = find(p, CG_SP_CONFIG);
    if (cfgf) {
        if (!cfgf->arg[0])
            return cg_err_set(err, CG_EUSAGE, "--config: the path is empty");
        int rc = cg_yaml_load(c, cfgf->arg, warn, err);
        if (rc)
            return rc;
        snprintf(c->config_path, sizeof c->config_path, "%s", cfgf->arg);
    }
    if (use_env && !find(p, CG_SP_SHARD)) {
        int rc = env_shard(c, err);
        if (rc)
            return rc;
    }
    if (find(p, CG_SP_QUIET) && find(p, CG_SP_PROGRESS))
        return cg_err_set(err, CG_EUSAGE, "--quiet and --progress exclude each other");
    if (!!find(p, CG_SP_LAYOUT) + !!find(p, CG_SP_NO_BUNDLE) + !!find(p, CG_SP_BUNDLE_ONLY) > 1)
        return cg_err_set(err, CG_EUSAGE, "--layout, --no-bundle and --bundle-only exclude each "
                          "other");
    for (int i = 0; i < p->ng; i++) {
        int rc = apply(c, &p->g[i], err);
        if (rc)
            return rc;
    }
    if (c->out_format == CG_FMT_PARQUET && !c->codec_set)
        c->codec = CG_CODEC_ZSTD; /* Parquet's usual codec */
    /* A YAML level is checked against the codec in effect after the flags
     * (compression_level: 19 with --compression zstd is fine). */
    int lmax = cg_yaml_codec_level_max(c->codec);
    if (cfgf && c->codec_level_line && !find(p, CG_SP_LEVEL) && c->codec != CG_CODEC_NONE &&
        c->codec_level > lmax)
        return cg_err_set(err, CG_EUSAGE, "%s:%d: compression_level: %d is out of range for %s "
                          "(1..%d)", cfgf->arg, c->codec_level_line, c->codec_level,
                          c->codec == CG_CODEC_GZIP ? "gzip" : "zstd", lmax);
    int rc = cg_config_check(c, err);
    if (rc == CG_OK && !cg_tz_valid(c->tz_name))
        rc = cg_err_set(err, CG_EUSAGE, "--tz / tz_name: unknown time zone '%s' (an IANA name "
                        "such as Europe/Amsterdam)", c->tz_name);
    return rc;
}

/* generate --subscriber-db (or the YAML subscriber_db) with a name that is
 * neither .csv nor .arrow is a usage error, as for `db validate`. */
static int subdb_format(const cg_config *c, cg_err *err)
{
    int fmt;
    if (!c->subscriber_db[0] || cg_subfmt_of(c->subscriber_db, &fmt, NULL) == CG_OK)
        return CG_OK;
    return cg_err_set(err, CG_EUSAGE, "--subscriber-db: %s: unknown subscriber database format "
                      "(the name must end in .csv or .arrow)", c->subscriber_db);
}

static int db_capacity(const cg_config *c, const char *flag, cg_err *err)
{
    uint64_t cap = (uint64_t)c->n_prefixes * CG_NUMBERS_PER_PREFIX;
    if (c->db_size > cap)
        return cg_err_set(err, CG_EUSAGE, "%s: %llu subscribers do not fit the %d prefixes (at "
                          "most %llu: 10000000 numbers per prefix; add --prefixes)", flag,
                          (unsigned long long)c->db_size, c->n_prefixes, (unsigned long long)cap);
    return CG_OK;
}

static int set_path(char *dst, const char *src, const char *what, cg_err *err)
{
    size_t n = strlen(src);
    if (n == 0)
        return cg_err_set(err, CG_EUSAGE, "%s: the path is empty", what);
    if (n >= CG_PATH_MAX)
        return cg_err_set(err, CG_EUSAGE, "%s: the path is too long", what);
    memcpy(dst, src, n + 1);
    return CG_OK;
}

static int help(cg_flags *fl, const char *topic)
{
    fl->cmd = CG_FLAGS_HELP;
    snprintf(fl->topic, sizeof fl->topic, "%s", topic);
    return CG_OK;
}

static int run_flat(cg_flags *fl, int argc, char **argv, FILE *warn, cg_err *err)
{
    parsed p = {0};
    int rc = collect(argc, argv, M_FLAT, "", &p, err);
    if (rc)
        goto done;
    const given *gen = find(&p, CG_SP_GEN_DB), *val = find(&p, CG_SP_VALIDATE_DB);
    const char *topic = gen ? "db generate" : val ? "db validate" : "generate";
    if (p.help) {
        rc = help(fl, topic);
        goto done;
    }
    if (p.npos) {
        rc = usage_err(err, topic, "unexpected argument '%s'", p.pos[0]);
        goto done;
    }
    if (gen && val) {
        rc = usage_err(err, "", "--generate-db and --validate-db exclude each other");
        goto done;
    }
    if ((rc = merge(fl, &p, !gen && !val, warn, err)))
        goto done;
    if (gen) {
        fl->cmd = CG_FLAGS_DB_GENERATE;
        if (!(rc = set_path(fl->path, gen->arg, "--generate-db", err)))
            rc = db_capacity(&fl->cfg, find_key(&p, "db_size") ? find_key(&p, "db_size")->name : "db_size",
                             err);
    } else if (val) {
        fl->cmd = CG_FLAGS_DB_VALIDATE;
        if (!fl->cfg.subscriber_db[0])
            rc = usage_err(err, "db validate", "--validate-db: give the database with "
                           "--subscriber-db FILE");
        else
            rc = set_path(fl->path, fl->cfg.subscriber_db, "--subscriber-db", err);
    } else {
        fl->cmd = CG_FLAGS_GENERATE;
        rc = subdb_format(&fl->cfg, err);
    }
done:
    free(p.g);
    return rc;
}

/* One sub-command: argv[0] is its last command word. */
static int run_sub(cg_flags *fl, int cmd, unsigned mask, const char *topic, int nposwant,
                   int argc, char **argv, FILE *warn, cg_err *err)
{
    parsed p = {0};
    int rc = collect(argc, argv, mask, topic, &p, err);
    if (rc)
        goto done;
    if (p.help) {
        rc = help(fl, topic);
        goto done;
    }
    if (p.npos > nposwant) {
        rc = usage_err(err, topic, "%s: unexpected argument '%s'", topic, p.pos[nposwant]);
        goto done;
    }
    if (p.npos < nposwant) {
        static const char *what[] = {"", "FILE", "IN OUT"};
        const char *need = cmd == CG_FLAGS_MERGE || cmd == CG_FLAGS_REPORT ? "OUT" : what[nposwant];
        rc = usage_err(err, topic, "%s: missing %s", topic, need);
        goto done;
    }
    fl->cmd = cmd;
    if (mask & (M_GEN | M_DBGEN | M_REPORT))
        if ((rc = merge(fl, &p, cmd == CG_FLAGS_GENERATE, warn, err)))
            goto done;
    if (cmd == CG_FLAGS_GENERATE && (rc = subdb_format(&fl->cfg, err)))
        goto done;
    if (cmd == CG_FLAGS_DB_GENERATE) {
        const given *o = find(&p, CG_SP_OUTPUT);
        if (!o) {
            rc = usage_err(err, topic, "db generate: missing -o FILE");
            goto done;
        }
        if ((rc = set_path(fl->path, o->arg, "-o", err)))
            goto done;
        const given *sz = find_key(&p, "db_size");
        char flag[64];
        snprintf(flag, sizeof flag, "--%s", sz ? sz->name : "size");
        rc = db_capacity(&fl->cfg, sz ? flag : "db_size", err);
    } else if (nposwant >= 1) {
        const char *what = cmd == CG_FLAGS_DB_CONVERT                         ? "IN"
                           : cmd == CG_FLAGS_MERGE || cmd == CG_FLAGS_REPORT ? "OUT"
                                                                             : "FILE";
        if (!(rc = set_path(fl->path, p.pos[0], what, err)) && nposwant == 2)
            rc = set_path(fl->path2, p.pos[1], "OUT", err);
    }
done:
    free(p.g);
    return rc;
}

static int topic_known(const char *t)
{
    static const char *topics[] = {"", "generate", "db", "db generate", "db validate",
                                   "db convert", "merge", "report"};
    for (size_t i = 0; i < sizeof topics / sizeof topics[0]; i++)
        if (!strcmp(t, topics[i]))
            return 1;
    return 0;
}

static int is_help(const char *a)
{
    return !strcmp(a, "--help") || !strcmp(a, "-h");
}

int cg_flags_parse(cg_flags *fl, int argc, char **argv, FILE *warn, cg_err *err)
{
    fl->cmd = CG_FLAGS_HELP;
    fl->topic[0] = fl->path[0] = fl->path2[0] = '\0';
    cg_config_defaults(&fl->cfg);
    cg_err_clear(err);
    if (argc < 2)
        return usage_err(err, "", "no command given");
    const char *a1 = argv[1];
    if (is_help(a1))
        return help(fl, "");
    if (!strcmp(a1, "--version")) {
        fl->cmd = CG_FLAGS_VERSION;
        return CG_OK;
    }
    if (!strcmp(a1, "help")) {
        char topic[64] = "";
        if (argc >= 3)
            snprintf(topic, sizeof topic, "%s%s%s", argv[2], argc >= 4 ? " " : "",
                     argc >= 4 ? argv[3] : "");
        if (argc > 4 || !topic_known(topic))
            return usage_err(err, "", "help: no such command '%s'", topic);
        return help(fl, topic);
    }
    if (a1[0] == '-')
        return run_flat(fl, argc, argv, warn, err);
    if (!strcmp(a1, "generate"))
        return run_sub(fl, CG_FLAGS_GENERATE, M_GEN, "generate", 0, argc - 1, argv + 1, warn, err);
    if (!strcmp(a1, "merge"))
        return run_sub(fl, CG_FLAGS_MERGE, M_MERGE, "merge", 1, argc - 1, argv + 1, warn, err);
    if (!strcmp(a1, "report"))
        return run_sub(fl, CG_FLAGS_REPORT, M_REPORT, "report", 1, argc - 1, argv + 1, warn, err);
    if (!strcmp(a1, "db")) {
        if (argc < 3)
            return usage_err(err, "db", "db: missing sub-command (generate, validate or convert)");
        const char *a2 = argv[2];
        if (is_help(a2))
            return help(fl, "db");
        if (!strcmp(a2, "generate"))
            return run_sub(fl, CG_FLAGS_DB_GENERATE, M_DBGEN, "db generate", 0, argc - 2,
                           argv + 2, warn, err);
        if (!strcmp(a2, "validate"))
            return run_sub(fl, CG_FLAGS_DB_VALIDATE, M_DBVAL, "db validate", 1, argc - 2,
                           argv + 2, warn, err);
        if (!strcmp(a2, "convert"))
            return run_sub(fl, CG_FLAGS_DB_CONVERT, M_DBCONV, "db convert", 2, argc - 2,
                           argv + 2, warn, err);
        return usage_err(err, "db", "db: unknown sub-command '%s' (generate, validate or "
                         "convert)", a2);
    }
    return usage_err(err, "", "unknown command '%s'", a1);
}
