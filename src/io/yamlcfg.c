/* Loads the YAML configuration (SPEC section 3) with libyaml's document API:
 * the whole file becomes a node tree whose marks keep line numbers, so every
 * error can say FILE:LINE: KEY. Values are applied to a scratch copy of the
 * config and committed only when the whole file is valid. */
#include "io/yamlcfg.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "core/calendar.h"
#include "core/check.h"
#include "core/options.h"
#include "io/cdrfmt.h"
#include "io/codec.h"
#include "io/tzdb.h"

/* ---- value parsers shared with the command line ---- */

int cg_yaml_parse_uint(const char *s, uint64_t *out)
{
    /* Digits only: no sign, not even '+' (one rule for every number of the
     * command line and the configuration, --shard K/N included). */
    if (!s || !*s)
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int cg_yaml_parse_double(const char *s, double *out)
{
    if (!s || !*s || *s == '+')
        return -1;
    int digits = 0;
    /* strtod also takes hex, "inf", "nan" and leading blanks: refuse them. */
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (!strchr("+-.eE", *p))
            return -1;
    }
    if (!digits)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int cg_yaml_parse_shard(const char *s, int *k, int *n)
{
    if (!s)
        return -1;
    const char *slash = strchr(s, '/');
    if (!slash || slash == s || (size_t)(slash - s) > 10)
        return -1;
    char kbuf[16];
    memcpy(kbuf, s, (size_t)(slash - s));
    kbuf[slash - s] = '\0';
    uint64_t kv, nv;
    if (cg_yaml_parse_uint(kbuf, &kv) ||
        cg_yaml_parse_uint(slash + 1, &nv))
        return -1;
    if (nv < 1 || nv > 1000000 || kv >= nv)
        return -1;
    *k = (int)kv;
    *n = (int)nv;
    return 0;
}

/* The index of s in names[0..n), or -1. */
static int pick_name(const char *s, const char *const *names, int n, int *out)
{
    for (int k = 0; s && k < n; k++)
        if (!strcmp(s, names[k])) {
            *out = k;
            return 0;
        }
    return -1;
}

int cg_yaml_parse_layout(const char *s, int *layout)
{
    static const char *const names[] = {[CG_LAYOUT_BOTH] = "both", [CG_LAYOUT_PARTS] = "parts",
                                        [CG_LAYOUT_BUNDLE] = "bundle"};
    return pick_name(s, names, 3, layout);
}

int cg_yaml_parse_format(const char *s, int *format)
{
    static const char *const names[] = {[CG_FMT_CSV] = "csv", [CG_FMT_PARQUET] = "parquet"};
    return pick_name(s, names, 2, format);
}

int cg_yaml_parse_codec(const char *s, int *codec)
{
    int c = cg_codec_from_name(s); /* the codec's own names */
    if (c < 0)
        return -1;
    *codec = c;
    return 0;
}

int cg_yaml_codec_level_max(int codec)
{
    return codec == CG_CODEC_ZSTD ? 19 : codec == CG_CODEC_GZIP ? 12 : 0;
}

static int all_digits(const char *s, size_t lo, size_t hi)
{
    size_t n = strlen(s);
    if (n < lo || n > hi)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int cg_yaml_prefix_ok(const char *s)
{
    return s && all_digits(s, 3, 6);
}

int cg_yaml_mccmnc_ok(const char *s)
{
    return s && all_digits(s, 5, 5);
}

/* ---- the loader ---- */

typedef struct loader {
    const char *path;
    yaml_document_t *doc;
    cg_config *cfg; /* scratch copy */
    FILE *warn;
    cg_err *err;
} loader;

static int line_of(const yaml_node_t *n)
{
    return (int)n->start_mark.line + 1;
}

/* Sets "FILE:LINE: KEY: what (allowed)"; bad() evaluates to CG_EUSAGE (a
 * macro, so that an analyzer sees the code returned). */
__attribute__((format(printf, 4, 5)))
static void bad_fmt(loader *ld, const yaml_node_t *n, const char *key, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    cg_err_fmt(ld->err, CG_EUSAGE, "%s:%d: %s: %s", ld->path, line_of(n), key, what);
}
#define bad(...) cg_err_code_((bad_fmt(__VA_ARGS__), CG_EUSAGE))

static const char *kind_of(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_MAPPING_NODE: return "a mapping";
    case YAML_SCALAR_NODE:
        if (n->data.scalar.length == 0)
            return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? "nothing"
                                                                     : "an empty string";
        return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? "a word" : "a quoted string";
    default: return "nothing";
    }
}

static const char *text(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* A number must be a plain scalar: "5" in quotes is a string in YAML, and
 * accepting it would hide a typo such as a quoted list. */
static int get_double(loader *ld, const yaml_node_t *n, const char *key, double lo, double hi,
                      const char *allowed, double *out)
{
    double v;
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
        n->data.scalar.length == 0)
        return bad(ld, n, key, "expected a number, got %s (%s)", kind_of(n), allowed);
    if (text(n)[0] == '+')
        return bad(ld, n, key, "'%s': write numbers without a '+' sign (%s)", text(n), allowed);
    if (cg_yaml_parse_double(text(n), &v))
        return bad(ld, n, key, "'%s' is not a number (%s)", text(n), allowed);
    if (v < lo || v > hi)
        return bad(ld, n, key, "%s is out of range (%s)", text(n), allowed);
    *out = v;
    return CG_OK;
}

static int get_uint(loader *ld, const yaml_node_t *n, const char *key, uint64_t lo, uint64_t hi,
                    const char *allowed, uint64_t *out)
{
    uint64_t v;
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
        n->data.scalar.length == 0)
        return bad(ld, n, key, "expected a whole number, got %s (%s)", kind_of(n), allowed);
    const char *s = text(n);
    if (s[0] == '+')
        return bad(ld, n, key, "'%s': write numbers without a '+' sign (%s)", s, allowed);
    if (cg_yaml_parse_uint(s, &v)) {
        double d;
        if (cg_yaml_parse_double(s, &d) == 0 && d < 0)
            return bad(ld, n, key, "%s is negative (%s)", s, allowed);
        return bad(ld, n, key, "'%s' is not a whole number (%s)", s, allowed);
    }
    if (v < lo || v > hi)
        return bad(ld, n, key, "%s is out of range (%s)", s, allowed);
    *out = v;
    return CG_OK;
}

static int get_int(loader *ld, const yaml_node_t *n, const char *key, int lo, int hi,
                   const char *allowed, int *out)
{
    uint64_t v;
    int rc = get_uint(ld, n, key, (uint64_t)lo, (uint64_t)hi, allowed, &v);
    if (rc == CG_OK)
        *out = (int)v;
    return rc;
}

static int get_string(loader *ld, const yaml_node_t *n, const char *key, size_t max,
                      const char *allowed, const char **out)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.length == 0)
        return bad(ld, n, key, "expected a string, got %s (%s)", kind_of(n), allowed);
    if (n->data.scalar.length >= max || strlen(text(n)) != n->data.scalar.length)
        return bad(ld, n, key, "the value is too long or holds a NUL (%s)", allowed);
    *out = text(n);
    return CG_OK;
}

static int want(loader *ld, const yaml_node_t *n, const char *key, yaml_node_type_t type,
                const char *allowed)
{
    if (n->type == type)
        return CG_OK;
    return bad(ld, n, key, "expected %s, got %s (%s)",
               type == YAML_MAPPING_NODE ? "a mapping" : "a list", kind_of(n), allowed);
}

/* Checks that the keys of a mapping are scalars and appear once. */
static int check_keys(loader *ld, const yaml_node_t *map, const char *where)
{
    yaml_node_pair_t *b = map->data.mapping.pairs.start, *e = map->data.mapping.pairs.top;
    for (yaml_node_pair_t *p = b; p < e; p++) {
        yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
        if (k->type != YAML_SCALAR_NODE)
            return bad(ld, k, where, "a key must be a plain word, got %s", kind_of(k));
        for (yaml_node_pair_t *q = b; q < p; q++) {
            yaml_node_t *k2 = yaml_document_get_node(ld->doc, q->key);
            if (k2->type == YAML_SCALAR_NODE && !strcmp(text(k), text(k2))) {
                char name[300];
                if (map == yaml_document_get_root_node(ld->doc))
                    snprintf(name, sizeof name, "%s", text(k));
                else
                    snprintf(name, sizeof name, "%s.%s", where, text(k));
                return bad(ld, k, name, "duplicate key, first given on line %d (each key may "
                           "appear once)", line_of(k2));
            }
        }
    }
    return CG_OK;
}

/* A mapping value of key: its type and its keys checked (scalars, once). */
static int open_map(loader *ld, const yaml_node_t *n, const char *key, const char *allowed)
{
    int rc = want(ld, n, key, YAML_MAPPING_NODE, allowed);
    return rc ? rc : check_keys(ld, n, key);
}

/* Pair p of a mapping: its key and value nodes and "key.pairkey" in name. */
static void pair_at(loader *ld, const yaml_node_pair_t *p, const char *key, yaml_node_t **k,
                    yaml_node_t **v, char *name, size_t cap)
{
    *k = yaml_document_get_node(ld->doc, p->key);
    *v = yaml_document_get_node(ld->doc, p->value);
    snprintf(name, cap, "%s.%s", key, text(*k));
}

static int load_codes(loader *ld, const yaml_node_t *n, const char *key, int digits_lo,
                      int digits_hi, int max, char *dst, size_t stride, int *count)
{
    char ndig[32], allowed[128];
    if (digits_lo == digits_hi)
        snprintf(ndig, sizeof ndig, "%d digits", digits_lo);
    else
        snprintf(ndig, sizeof ndig, "%d to %d digits", digits_lo, digits_hi);
    snprintf(allowed, sizeof allowed, "a list of 1 to %d strings of %s", max, ndig);
    int rc = want(ld, n, key, YAML_SEQUENCE_NODE, allowed);
    if (rc)
        return rc;
    yaml_node_item_t *b = n->data.sequence.items.start, *e = n->data.sequence.items.top;
    int cnt = (int)(e - b);
    if (cnt < 1)
        return bad(ld, n, key, "the list is empty (%s)", allowed);
    if (cnt > max)
        return bad(ld, n, key, "%d entries are too many (%s)", cnt, allowed);
    for (int i = 0; i < cnt; i++) {
        yaml_node_t *it = yaml_document_get_node(ld->doc, b[i]);
        char name[128];
        snprintf(name, sizeof name, "%s[%d]", key, i);
        if (it->type != YAML_SCALAR_NODE)
            return bad(ld, it, name, "expected a string of digits, got %s (%s)", kind_of(it),
                       allowed);
        const char *s = text(it);
        if (!all_digits(s, (size_t)digits_lo, (size_t)digits_hi))
            return bad(ld, it, name, "'%s' is not %s (%s)", s, ndig, allowed);
        /* Two equal prefixes would number two subscribers alike. */
        if (digits_lo != digits_hi)
            for (int j = 0; j < i; j++)
                if (!strcmp(dst + (size_t)j * stride, s))
                    return bad(ld, it, name, "'%s' is given twice (each prefix once)", s);
        memcpy(dst + (size_t)i * stride, s, strlen(s) + 1);
    }
    *count = cnt;
    return CG_OK;
}

/* A CG_K_DLIST row: a list of exactly o->n numbers in dlo..dhi, not all 0
 * (o->msg says what zeros mean). The field changes only when all is well. */
static int load_dlist(loader *ld, const yaml_node_t *n, const char *key, const cg_option *o,
                      double *out)
{
    int rc = want(ld, n, key, YAML_SEQUENCE_NODE, o->allowed);
    if (rc)
        return rc;
    yaml_node_item_t *b = n->data.sequence.items.start, *e = n->data.sequence.items.top;
    if (e - b != o->n)
        return bad(ld, n, key, "%d numbers given (%s)", (int)(e - b), o->allowed);
    double v[64], sum = 0;
    CG_ASSERT(o->n > 0 && o->n <= 64);
    for (int i = 0; i < o->n; i++) {
        char name[320];
        snprintf(name, sizeof name, "%s[%d]", key, i);
        rc = get_double(ld, yaml_document_get_node(ld->doc, b[i]), name, o->dlo, o->dhi,
                        o->allowed, &v[i]);
        if (rc)
            return rc;
        sum += v[i];
    }
    if (!(sum > 0))
        return bad(ld, n, key, "%s (%s)", o->msg, o->allowed);
    memcpy(out, v, sizeof v[0] * (size_t)o->n);
    return CG_OK;
}

/* A given map of dispositions replaces the whole distribution: weights are
 * relative, so mixing them with the defaults would be surprising. */
static int load_dispositions(loader *ld, const yaml_node_t *n, const char *key)
{
    static const char *names[CG_DISP_COUNT] = {"ANSWERED", "NO ANSWER", "BUSY", "FAILED",
                                               "CONGESTION"};
    const char *allowed = "weights >= 0, not all 0, for ANSWERED, NO ANSWER, BUSY, FAILED, "
                          "CONGESTION";
    int rc = open_map(ld, n, key, allowed);
    if (rc)
        return rc;
    double w[CG_DISP_COUNT] = {0}, sum = 0;
    const yaml_node_t *seen[CG_DISP_COUNT] = {0};
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k, *v;
        char name[300];
        pair_at(ld, p, key, &k, &v, name, sizeof name);
        int idx = -1;
        for (int i = 0; i < CG_DISP_COUNT; i++)
            if (!strcmp(text(k), names[i]))
                idx = i;
        if (!strcmp(text(k), "NO_ANSWER"))
            idx = CG_DISP_NO_ANSWER;
        if (idx < 0)
            return bad(ld, k, name, "unknown disposition (%s)", allowed);
        /* NO_ANSWER is another spelling of NO ANSWER, not a second key. */
        if (seen[idx])
            return bad(ld, k, name, "%s is given twice (as '%s' on line %zu too)", names[idx],
                       text(seen[idx]), seen[idx]->start_mark.line + 1);
        seen[idx] = k;
        rc = get_double(ld, v, name, 0, 1e9, allowed, &w[idx]);
        if (rc)
            return rc;
        sum += w[idx];
    }
    if (!(sum > 0))
        return bad(ld, n, key, "every weight is 0 (%s)", allowed);
    memcpy(ld->cfg->call_disp, w, sizeof w);
    return CG_OK;
}

/* Months not named keep their current factor. */
static int load_seasonality(loader *ld, const yaml_node_t *n, const char *key)
{
    const char *allowed = "month 1..12: factor >= 0";
    int rc = open_map(ld, n, key, allowed);
    if (rc)
        return rc;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k, *v;
        char name[300];
        pair_at(ld, p, key, &k, &v, name, sizeof name);
        uint64_t m;
        if (cg_yaml_parse_uint(text(k), &m) || m < 1 || m > 12)
            return bad(ld, k, name, "'%s' is not a month (1..12)", text(k));
        rc = get_double(ld, v, name, 0, 1e6, allowed, &ld->cfg->seasonality[m - 1]);
        if (rc)
            return rc;
    }
    return CG_OK;
}

/* The map replaces any special days set before: it is the whole list. */
static int load_special(loader *ld, const yaml_node_t *n, const char *key)
{
    const char *allowed = "\"YYYY-MM-DD\": factor >= 0";
    int rc = open_map(ld, n, key, allowed);
    if (rc)
        return rc;
    yaml_node_pair_t *b = n->data.mapping.pairs.start, *e = n->data.mapping.pairs.top;
    if (e - b > CG_MAX_SPECIAL_DAYS)
        return bad(ld, n, key, "%d dates are too many (at most %d)", (int)(e - b),
                   CG_MAX_SPECIAL_DAYS);
    int cnt = 0;
    for (yaml_node_pair_t *p = b; p < e; p++) {
        yaml_node_t *k, *v;
        char name[300];
        pair_at(ld, p, key, &k, &v, name, sizeof name);
        int32_t day;
        if (cg_date_parse(text(k), &day))
            return bad(ld, k, name, "'%s' is not a real date (%s)", text(k), allowed);
        for (int j = 0; j < cnt; j++)
            if (ld->cfg->special[j].day == day)
                return bad(ld, k, name, "the date is given twice (each date once)");
        double f;
        rc = get_double(ld, v, name, 0, 1e6, allowed, &f);
        if (rc)
            return rc;
        ld->cfg->special[cnt].day = day;
        ld->cfg->special[cnt].factor = f;
        cnt++;
    }
    ld->cfg->n_special = cnt;
    return CG_OK;
}

static const char *const k_legacy[] = {"event_pool_size", "batch_size_bytes", "writer_tasks",
                                       "chunk_size", "subscriber_db_redb_path"};

static int apply_row(loader *ld, const cg_option *o, const yaml_node_t *v, const char *key,
                     int *level_line, char *base);

/* A CG_K_SECTION row: a mapping of its children's keys, each read as its
 * row says ("section.key" in messages); then the section's own check. */
static int load_section(loader *ld, const cg_option *o, const yaml_node_t *n, const char *key,
                        int *level_line, char *base)
{
    int rc = open_map(ld, n, key, o->allowed);
    if (rc)
        return rc;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k, *v;
        char name[300];
        pair_at(ld, p, key, &k, &v, name, sizeof name);
        const cg_option *c = cg_option_by_key(o->children, o->nchildren, text(k));
        if (!c)
            return bad(ld, k, name, "%s", o->msg);
        if ((rc = apply_row(ld, c, v, name, level_line, base)))
            return rc;
    }
    if (o->special == CG_SP_QUANTILES) {
        const cg_config *c = ld->cfg;
        const char *allowed = o->children[0].allowed;
        if (!(c->dur_p50 > 0))
            return bad(ld, n, key, "p50 is %g (%s)", c->dur_p50, allowed);
        if (c->dur_p90 < c->dur_p50)
            return bad(ld, n, key, "p90 %g is below p50 %g (%s)", c->dur_p90, c->dur_p50, allowed);
        if (c->dur_p99 < c->dur_p90)
            return bad(ld, n, key, "p99 %g is below p90 %g (%s)", c->dur_p99, c->dur_p90, allowed);
    }
    return CG_OK;
}

/* A CG_K_SECLIST row: a list of 1..o->max mappings, element k read into
 * the k-th struct of the array (its children's offsets are relative to
 * it); the list replaces the whole array. */
static int load_seclist(loader *ld, const cg_option *o, const yaml_node_t *n, const char *key,
                        int *level_line)
{
    int rc = want(ld, n, key, YAML_SEQUENCE_NODE, o->allowed);
    if (rc)
        return rc;
    yaml_node_item_t *b = n->data.sequence.items.start, *e = n->data.sequence.items.top;
    int cnt = (int)(e - b);
    if (cnt < 1 || cnt > o->max)
        return bad(ld, n, key, "%d entries given (1 to %d: %s)", cnt, o->max, o->allowed);
    char *arr = (char *)ld->cfg + o->off;
    memset(arr, 0, o->stride * (size_t)o->max);
    if (o->elem_default)
        for (int i = 0; i < cnt; i++)
            memcpy(arr + o->stride * (size_t)i, o->elem_default, o->stride);
    for (int i = 0; i < cnt; i++) {
        char name[300];
        snprintf(name, sizeof name, "%s[%d]", key, i);
        yaml_node_t *it = yaml_document_get_node(ld->doc, b[i]);
        cg_option sec = *o; /* the element is a section of the children */
        sec.kind = CG_K_SECTION;
        sec.special = CG_SP_NONE;
        if ((rc = load_section(ld, &sec, it, name, level_line, arr + o->stride * (size_t)i)))
            return rc;
    }
    *(int *)((char *)ld->cfg + o->count_off) = cnt;
    return CG_OK;
}

/* A CG_K_NAME value: 1..o->n-1 of letters, digits, '_' and '-'. */
static int get_name(loader *ld, const cg_option *o, const yaml_node_t *v, const char *key,
                    char *out)
{
    const char *s;
    int rc = get_string(ld, v, key, (size_t)o->n, o->allowed, &s);
    if (rc)
        return rc;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return bad(ld, v, key, "'%s' is not a name (%s)", s, o->allowed);
    memcpy(out, s, strlen(s) + 1);
    return CG_OK;
}

/* A CG_K_TIME value: a local "YYYY-MM-DD HH:MM" (a real date, 00:00..23:59),
 * minutes since 1970 on the wall clock. */
static int get_time(loader *ld, const cg_option *o, const yaml_node_t *v, const char *key,
                    int64_t *out)
{
    const char *s;
    int rc = get_string(ld, v, key, 32, o->allowed, &s);
    if (rc)
        return rc;
    char date[11];
    int32_t day;
    size_t n = strlen(s);
    int ok = n == 16 && s[10] == ' ' && s[13] == ':';
    for (size_t k = 11; ok && k < 16; k++)
        ok = k == 13 || (s[k] >= '0' && s[k] <= '9');
    if (!ok)
        return bad(ld, v, key, "'%s' is not a time (%s)", s, o->allowed);
    memcpy(date, s, 10);
    date[10] = 0;
    int hh = (s[11] - '0') * 10 + (s[12] - '0'), mm = (s[14] - '0') * 10 + (s[15] - '0');
    if (cg_date_parse(date, &day) || hh > 23 || mm > 59)
        return bad(ld, v, key, "'%s' is not a real time (%s)", s, o->allowed);
    *out = (int64_t)day * 1440 + hh * 60 + mm;
    return CG_OK;
}

/* A CG_K_DATES or CG_K_INTS value: a list of 1..o->n dates or whole
 * numbers lo..hi, each given once; *count their number. */
static int load_ints(loader *ld, const cg_option *o, const yaml_node_t *n, const char *key,
                     int32_t *out, int *count)
{
    int rc = want(ld, n, key, YAML_SEQUENCE_NODE, o->allowed);
    if (rc)
        return rc;
    yaml_node_item_t *b = n->data.sequence.items.start, *e = n->data.sequence.items.top;
    int cnt = (int)(e - b);
    if (cnt < 1 || cnt > o->n)
        return bad(ld, n, key, "%d entries given (%s)", cnt, o->allowed);
    for (int i = 0; i < cnt; i++) {
        char name[320];
        snprintf(name, sizeof name, "%s[%d]", key, i);
        const yaml_node_t *it = yaml_document_get_node(ld->doc, b[i]);
        int32_t x;
        if (o->kind == CG_K_DATES) {
            const char *s;
            if ((rc = get_string(ld, it, name, 16, o->allowed, &s)))
                return rc;
            if (cg_date_parse(s, &x))
                return bad(ld, it, name, "'%s' is not a real date (%s)", s, o->allowed);
        } else {
            uint64_t u;
            if ((rc = get_uint(ld, it, name, o->lo, o->hi, o->allowed, &u)))
                return rc;
            x = (int32_t)u;
        }
        for (int j = 0; j < i; j++)
            if (out[j] == x)
                return bad(ld, it, name, "given twice (each once)");
        out[i] = x;
    }
    *count = cnt;
    return CG_OK;
}

/* anomalies.missing_columns: a list of 1..22 column names of the CDR header,
 * each once, into a bit mask of their positions. */
static int load_columns(loader *ld, const cg_option *o, const yaml_node_t *n, const char *key)
{
    int rc = want(ld, n, key, YAML_SEQUENCE_NODE, o->allowed);
    if (rc)
        return rc;
    yaml_node_item_t *b = n->data.sequence.items.start, *e = n->data.sequence.items.top;
    if (e == b)
        return bad(ld, n, key, "no column given (%s)", o->allowed);
    uint32_t mask = 0;
    for (int i = 0; b + i < e; i++) {
        char name[320];
        snprintf(name, sizeof name, "%s[%d]", key, i);
        const yaml_node_t *it = yaml_document_get_node(ld->doc, b[i]);
        const char *s;
        if ((rc = get_string(ld, it, name, 64, o->allowed, &s)))
            return rc;
        int col = -1, k = 0;
        for (const char *h = CG_CDR_HEADER; *h && *h != '\n'; k++) {
            size_t len = strcspn(h, ";\n");
            if (len == strlen(s) && !strncmp(h, s, len))
                col = k;
            h += len + (h[len] == ';');
        }
        if (col < 0)
            return bad(ld, it, name, "'%s' is not a CDR column (%s)", s, o->allowed);
        if (mask >> col & 1)
            return bad(ld, it, name, "given twice (each once)");
        mask |= 1u << col;
    }
    ld->cfg->anom.missing_mask = mask;
    return CG_OK;
}

/* The rows whose YAML value needs a reader of its own. */
static int apply_special(loader *ld, const cg_option *o, const yaml_node_t *v, const char *key)
{
    cg_config *c = ld->cfg;
    const char *s;
    int rc;
    switch (o->special) {
    case CG_SP_PREFIXES:
        return load_codes(ld, v, key, 3, 6, CG_MAX_PREFIXES, &c->prefixes[0][0],
                          sizeof c->prefixes[0], &c->n_prefixes);
    case CG_SP_MCCMNC:
        return load_codes(ld, v, key, 5, 5, CG_MAX_MCCMNC, &c->mccmnc_pool[0][0],
                          sizeof c->mccmnc_pool[0], &c->n_mccmnc);
    case CG_SP_RADIUS:
        rc = get_double(ld, v, key, 0, 20000, o->allowed, &c->radius_km);
        if (!rc && !(c->radius_km > 0))
            return bad(ld, v, key, "0 is out of range (%s)", o->allowed);
        return rc;
    case CG_SP_DISPOSITIONS: return load_dispositions(ld, v, key);
    case CG_SP_SEASONALITY: return load_seasonality(ld, v, key);
    case CG_SP_SPECIAL_DAYS: return load_special(ld, v, key);
    case CG_SP_ANOM_COLUMNS: return load_columns(ld, o, v, key);
    case CG_SP_CODEC:
        if ((rc = get_string(ld, v, key, 16, o->allowed, &s)))
            return rc;
        if (cg_yaml_parse_codec(s, &c->codec))
            return bad(ld, v, key, "unknown codec '%s' (%s)", s, o->allowed);
        c->codec_set = 1;
        return CG_OK;
    case CG_SP_FORMAT:
        if ((rc = get_string(ld, v, key, 16, o->allowed, &s)))
            return rc;
        if (cg_yaml_parse_format(s, &c->out_format))
            return bad(ld, v, key, "unknown format '%s' (%s)", s, o->allowed);
        return CG_OK;
    case CG_SP_LAYOUT:
        if ((rc = get_string(ld, v, key, 16, o->allowed, &s)))
            return rc;
        if (cg_yaml_parse_layout(s, &c->layout))
            return bad(ld, v, key, "unknown layout '%s' (%s)", s, o->allowed);
        return CG_OK;
    case CG_SP_TZ:
        if ((rc = get_string(ld, v, key, sizeof c->tz_name, o->allowed, &s)))
            return rc;
        if (!cg_tz_valid(s))
            return bad(ld, v, key, "unknown time zone '%s' (%s)", s, o->allowed);
        strcpy(c->tz_name, s);
        return CG_OK;
    case CG_SP_SHARD:
        if ((rc = get_string(ld, v, key, 32, o->allowed, &s)))
            return rc;
        if (cg_yaml_parse_shard(s, &c->shard_k, &c->shard_n))
            return bad(ld, v, key, "'%s' is not a part of the work (%s)", s, o->allowed);
        return CG_OK;
    default:
        return bad(ld, v, key, "no reader for this key (a bug: core/options.c)");
    }
}

/* One row's value, by its kind (core/options.h). */
static int apply_row(loader *ld, const cg_option *o, const yaml_node_t *v, const char *key,
                     int *level_line, char *base)
{
    void *f = base + o->off;
    const char *s;
    int rc;
    switch (o->kind) {
    case CG_K_UINT: rc = get_uint(ld, v, key, o->lo, o->hi, o->allowed, f); break;
    case CG_K_INT: rc = get_int(ld, v, key, (int)o->lo, (int)o->hi, o->allowed, f); break;
    case CG_K_PROB: rc = get_double(ld, v, key, 0, 1, o->allowed, f); break;
    case CG_K_DOUBLE: rc = get_double(ld, v, key, o->dlo, o->dhi, o->allowed, f); break;
    case CG_K_PATH:
        rc = get_string(ld, v, key, CG_PATH_MAX, o->allowed, &s);
        if (!rc)
            memcpy(f, s, strlen(s) + 1);
        break;
    case CG_K_DLIST: rc = load_dlist(ld, v, key, o, f); break;
    case CG_K_SECTION: rc = load_section(ld, o, v, key, level_line, base); break;
    case CG_K_SECLIST: rc = load_seclist(ld, o, v, key, level_line); break;
    case CG_K_NAME: rc = get_name(ld, o, v, key, f); break;
    case CG_K_TIME: rc = get_time(ld, o, v, key, f); break;
    case CG_K_DATES:
    case CG_K_INTS: rc = load_ints(ld, o, v, key, f, (int *)(base + o->count_off)); break;
    default: rc = apply_special(ld, o, v, key); break;
    }
    if (rc)
        return rc;
    if (o->set_off >= 0)
        *(int *)(base + o->set_off) = 1;
    if (o->special == CG_SP_LEVEL)
        *level_line = line_of(v);
    return CG_OK;
}

static int apply_key(loader *ld, const yaml_node_t *k, const yaml_node_t *v, int *level_line)
{
    const char *key = text(k);
    for (size_t i = 0; i < sizeof k_legacy / sizeof k_legacy[0]; i++)
        if (!strcmp(key, k_legacy[i])) {
            if (ld->warn)
                fprintf(ld->warn, "cdrgen: warning: %s:%d: key '%s' of the earlier tool is "
                        "ignored\n", ld->path, line_of(k), key);
            return CG_OK;
        }
    const cg_option *o = cg_option_by_key(cg_options, cg_noptions, key);
    if (!o)
        return bad(ld, k, key, "unknown key (see docs/CONFIG.md for the keys)");
    return apply_row(ld, o, v, key, level_line, (char *)ld->cfg);
}

static int load_root(loader *ld)
{
    yaml_node_t *root = yaml_document_get_root_node(ld->doc);
    if (root->type != YAML_MAPPING_NODE)
        return cg_err_set(ld->err, CG_EUSAGE, "%s:%d: the document is %s, not a mapping "
                          "(expected key: value lines)", ld->path, line_of(root), kind_of(root));
    int rc = check_keys(ld, root, "(top level)");
    if (rc)
        return rc;
    int level_line = 0;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        rc = apply_key(ld, yaml_document_get_node(ld->doc, p->key),
                       yaml_document_get_node(ld->doc, p->value), &level_line);
        if (rc)
            return rc;
    }
    /* The level's range depends on the codec in effect, which a later key
     * or a flag may set: the check runs once flags are applied
     * (cg_yaml_check_level). */
    ld->cfg->codec_level_line = level_line;
    return CG_OK;
}

static int syntax_error(loader *ld, const yaml_parser_t *ps)
{
    const char *problem = ps->problem ? ps->problem : "cannot parse";
    if (ps->error == YAML_READER_ERROR)
        return cg_err_set(ld->err, CG_EUSAGE, "%s: --config: cannot read the file: %s",
                          ld->path, problem);
    if (ps->context)
        return cg_err_set(ld->err, CG_EUSAGE, "%s:%d: YAML syntax error: %s %s (line %d)",
                          ld->path, (int)ps->problem_mark.line + 1, problem, ps->context,
                          (int)ps->context_mark.line + 1);
    return cg_err_set(ld->err, CG_EUSAGE, "%s:%d: YAML syntax error: %s", ld->path,
                      (int)ps->problem_mark.line + 1, problem);
}

int cg_yaml_load(cg_config *cfg, const char *path, FILE *warn, cg_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return cg_err_errno(err, CG_EUSAGE, errno, "--config: cannot open '%s'", path);
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return cg_err_set(err, CG_EUSAGE, "--config: '%s' is a directory, not a YAML file", path);
    }

    cg_config *scratch = malloc(sizeof *scratch);
    if (!scratch) {
        fclose(f);
        return cg_err_set(err, CG_ERUNTIME, "--config: out of memory");
    }
    *scratch = *cfg;
    loader ld = {.path = path, .cfg = scratch, .warn = warn, .err = err};
    yaml_parser_t ps;
    yaml_document_t doc;
    int rc = CG_OK;
    yaml_parser_initialize(&ps);
    yaml_parser_set_input_file(&ps, f);
    if (!yaml_parser_load(&ps, &doc)) {
        rc = syntax_error(&ld, &ps);
    } else {
        ld.doc = &doc;
        if (!yaml_document_get_root_node(&doc))
            rc = cg_err_set(err, CG_EUSAGE, "%s:1: the file is empty (expected key: value "
                            "lines, see docs/CONFIG.md)", path);
        else
            rc = load_root(&ld);
        if (!rc) {
            /* A second document would be silently dropped: refuse it. */
            yaml_document_t next;
            if (!yaml_parser_load(&ps, &next)) {
                rc = syntax_error(&ld, &ps);
            } else {
                yaml_node_t *r2 = yaml_document_get_root_node(&next);
                if (r2)
                    rc = cg_err_set(err, CG_EUSAGE, "%s:%d: a second YAML document (one "
                                    "mapping per file)", path, line_of(r2));
                yaml_document_delete(&next);
            }
        }
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&ps);
    fclose(f);
    if (!rc)
        *cfg = *scratch;
    free(scratch);
    return rc;
}
