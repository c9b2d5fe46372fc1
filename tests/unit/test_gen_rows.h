/* Shared by the generator tests (test_generate.c, test_gen_model.c,
 * test_synth.c): runs `generate` in-process into a temporary directory and
 * parses its rows strictly (SPEC 2), so each test asserts on typed fields. */
#ifndef CG_TEST_GEN_ROWS_H
#define CG_TEST_GEN_ROWS_H

#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "core/calendar.h"
#include "core/config.h"
#include "core/ident.h"
#include "io/codec.h"
#include "testhelp.h"

/* Parsed values, using the enums of core/synth.h where they exist. */
enum { GR_CALL = 0, GR_SMS = 1, GR_DATA = 2 };
enum { GR_MO = 0, GR_MT = 1 };
enum { GR_RT_MSC = 0, GR_RT_SMO, GR_RT_SMT, GR_RT_PDP, GR_RT_PGW };
enum { GR_C_NORMAL = 0, GR_C_NOANSWER, GR_C_BUSY, GR_C_FAILURE, GR_C_DOK, GR_C_DFAIL };

typedef struct gr_row {
    int64_t start, end;
    uint64_t src, dst; /* dst 0 when empty (DATA) */
    uint64_t imsi, imei;
    uint64_t up, down; /* data_bytes_in, data_bytes_out */
    uint32_t dur, ddur, cell, mccmnc;
    int16_t tz_off;
    uint8_t type, dir, rectype, cause, seg, status, apn, rat;
} gr_row;

typedef struct gr_rows {
    gr_row *r;
    size_t n, cap;
    size_t bad;       /* rows that broke a format rule */
    char first_bad[512];
} gr_rows;

static inline void gr_rows_free(gr_rows *rs)
{
    free(rs->r);
    memset(rs, 0, sizeof *rs);
}

static const char GR_HEADER[] =
    "event_type;msisdn_src;msisdn_dst;direction;start_ts_ms;end_ts_ms;tz_name;tz_offset_min;"
    "duration_sec;mccmnc;imsi;imei;cell_id;record_type;cause_for_record_closing;sms_segments;"
    "sms_status;data_bytes_in;data_bytes_out;data_duration_sec;apn;rat";

/* Index of s (length n) in the NULL-terminated list, or -1. */
static inline int gr_pick(const char *s, size_t n, const char *const *list)
{
    for (int k = 0; list[k]; k++)
        if (strlen(list[k]) == n && memcmp(s, list[k], n) == 0)
            return k;
    return -1;
}

/* A field of 1..20 decimal digits (no sign, no leading zero unless "0"). */
static inline int gr_u64(const char *s, size_t n, uint64_t *v, int *ndig)
{
    if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
        return -1;
    uint64_t x = 0;
    for (size_t k = 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return -1;
        x = x * 10 + (uint64_t)(s[k] - '0');
    }
    *v = x;
    if (ndig)
        *ndig = (int)n;
    return 0;
}

static inline int gr_i64(const char *s, size_t n, int64_t *v)
{
    uint64_t u;
    if (n > 0 && s[0] == '-') {
        if (gr_u64(s + 1, n - 1, &u, NULL) || u == 0)
            return -1;
        *v = -(int64_t)u;
        return 0;
    }
    if (gr_u64(s, n, &u, NULL))
        return -1;
    *v = (int64_t)u;
    return 0;
}

static inline int gr_luhn_ok(uint64_t v)
{
    int sum = 0, pos = 0;
    while (v) {
        int d = (int)(v % 10);
        v /= 10;
        if (pos & 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
        pos++;
    }
    return sum % 10 == 0;
}

/* Parses one row line (without '\n'); returns NULL or what is wrong. Every
 * column is checked against SPEC 2 for the row's event type. */
static inline const char *gr_parse_line(const char *line, size_t len, const char *tz,
                                        gr_row *o)
{
    static const char *const TYPES[] = {"CALL", "SMS", "DATA", NULL};
    static const char *const DIRS[] = {"MO", "MT", NULL};
    static const char *const RT[] = {"mscVoiceRecord", "sgsnSMORecord", "sgsnSMTRecord",
                                     "sgsnPDPRecord", "pgwRecord", NULL};
    static const char *const CAUSE[] = {"normalRelease", "noAnswer", "busy", "failure",
                                        "deliverySuccess", "deliveryFailure", NULL};
    static const char *const STATUS[] = {"SENT", "DELIVERED", "FAILED", NULL};
    static const char *const APN[] = {"internet", "ims", "mms", NULL};
    static const char *const RAT[] = {"WCDMA", "LTE", "NR", NULL};
    const char *f[22];
    size_t fl[22];
    int nf = 0;
    const char *p = line, *end = line + len;
    for (;;) {
        const char *q = memchr(p, ';', (size_t)(end - p));
        if (nf == 22)
            return "more than 22 columns";
        f[nf] = p;
        fl[nf] = q ? (size_t)(q - p) : (size_t)(end - p);
        nf++;
        if (!q)
            break;
        p = q + 1;
    }
    if (nf != 22)
        return "fewer than 22 columns";
    memset(o, 0, sizeof *o);
    int t = gr_pick(f[0], fl[0], TYPES);
    if (t < 0)
        return "event_type";
    o->type = (uint8_t)t;
    int nd;
    if (gr_u64(f[1], fl[1], &o->src, &nd) || nd < 8 || nd > 15)
        return "msisdn_src";
    if (t == GR_DATA) {
        if (fl[2] != 0)
            return "msisdn_dst not empty on DATA";
    } else if (gr_u64(f[2], fl[2], &o->dst, &nd) || nd < 8 || nd > 15) {
        return "msisdn_dst";
    }
    int d = gr_pick(f[3], fl[3], DIRS);
    if (d < 0 || (t == GR_DATA && d != GR_MO))
        return "direction";
    o->dir = (uint8_t)d;
    if (gr_i64(f[4], fl[4], &o->start) || gr_i64(f[5], fl[5], &o->end))
        return "start/end";
    if (strlen(tz) != fl[6] || memcmp(f[6], tz, fl[6]) != 0)
        return "tz_name";
    int64_t off;
    if (gr_i64(f[7], fl[7], &off) || off < -1440 || off > 1440)
        return "tz_offset_min";
    o->tz_off = (int16_t)off;
    uint64_t v;
    if (gr_u64(f[8], fl[8], &v, NULL) || v > 0xffffffffu)
        return "duration_sec";
    o->dur = (uint32_t)v;
    if (o->end != o->start + (int64_t)o->dur * 1000)
        return "end_ts_ms != start + duration";
    if (gr_u64(f[9], fl[9], &v, &nd) || nd != 5)
        return "mccmnc";
    o->mccmnc = (uint32_t)v;
    if (gr_u64(f[10], fl[10], &o->imsi, &nd) || nd != 15 || o->imsi / 10000000000ULL != v)
        return "imsi (15 digits starting with the mccmnc)";
    if (gr_u64(f[11], fl[11], &o->imei, &nd) || nd != 15 || !gr_luhn_ok(o->imei))
        return "imei (15 digits, Luhn)";
    if (gr_u64(f[12], fl[12], &v, NULL) || v == 0 || v > 0xffffffffu)
        return "cell_id";
    o->cell = (uint32_t)v;
    int rt = gr_pick(f[13], fl[13], RT);
    if (rt < 0)
        return "record_type";
    o->rectype = (uint8_t)rt;
    int c = gr_pick(f[14], fl[14], CAUSE);
    if (c < 0)
        return "cause_for_record_closing";
    o->cause = (uint8_t)c;
    if (t == GR_CALL) {
        if (rt != GR_RT_MSC || c > GR_C_FAILURE)
            return "CALL record_type/cause";
        for (int k = 15; k < 22; k++)
            if (fl[k])
                return "CALL with a non-empty SMS/DATA column";
    } else if (t == GR_SMS) {
        if (rt != (d == GR_MO ? GR_RT_SMO : GR_RT_SMT))
            return "SMS record_type does not match direction";
        if (c != GR_C_DOK && c != GR_C_DFAIL)
            return "SMS cause";
        if (fl[15] != 1 || f[15][0] < '1' || f[15][0] > '3')
            return "sms_segments";
        o->seg = (uint8_t)(f[15][0] - '0');
        int s = gr_pick(f[16], fl[16], STATUS);
        if (s < 0)
            return "sms_status";
        o->status = (uint8_t)s;
        if ((s == 2) != (c == GR_C_DFAIL))
            return "FAILED <=> deliveryFailure";
        for (int k = 17; k < 22; k++)
            if (fl[k])
                return "SMS with a non-empty DATA column";
        if (o->dur < 1 || o->dur > 5)
            return "SMS duration outside 1..5";
    } else {
        if (rt != GR_RT_PDP && rt != GR_RT_PGW)
            return "DATA record_type";
        if (c != GR_C_NORMAL)
            return "DATA cause";
        if (fl[15] || fl[16])
            return "DATA with a non-empty SMS column";
        if (gr_u64(f[17], fl[17], &o->up, NULL) || gr_u64(f[18], fl[18], &o->down, NULL))
            return "data bytes";
        if (gr_u64(f[19], fl[19], &v, NULL) || v != o->dur)
            return "data_duration_sec != duration_sec";
        o->ddur = (uint32_t)v;
        int a = gr_pick(f[20], fl[20], APN), r = gr_pick(f[21], fl[21], RAT);
        if (a < 0 || r < 0)
            return "apn/rat";
        o->apn = (uint8_t)a;
        o->rat = (uint8_t)r;
    }
    return NULL;
}

/* Appends the rows of text (which must start with the exact header line
 * unless skip_header is 0 and it has none); returns -1 when the header is
 * missing. Bad rows are counted, the first one kept for the message. */
static inline int gr_parse_text(gr_rows *rs, const char *text, size_t n, const char *tz,
                                int with_header)
{
    const char *p = text, *end = text + n;
    if (with_header) {
        size_t hl = sizeof GR_HEADER - 1;
        if (n < hl + 1 || memcmp(text, GR_HEADER, hl) != 0 || text[hl] != '\n')
            return -1;
        p += hl + 1;
    }
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (rs->n == rs->cap) {
            rs->cap = rs->cap ? rs->cap * 2 : 4096;
            rs->r = realloc(rs->r, rs->cap * sizeof *rs->r);
            if (!rs->r)
                abort();
        }
        const char *why = nl ? gr_parse_line(p, len, tz, &rs->r[rs->n]) : "no final newline";
        if (why) {
            if (!rs->bad++)
                snprintf(rs->first_bad, sizeof rs->first_bad, "row %zu: %s: %.*s", rs->n + 1,
                         why, (int)(len > 300 ? 300 : len), p);
        } else {
            rs->n++;
        }
        p += len + 1;
    }
    return 0;
}

/* Decompresses path (codec by extension) or returns NULL, reporting why. */
static inline char *gr_read(const char *path, size_t *n)
{
    int codec = CG_CODEC_NONE;
    size_t L = strlen(path);
    if (L > 3 && strcmp(path + L - 3, ".gz") == 0)
        codec = CG_CODEC_GZIP;
    else if (L > 4 && strcmp(path + L - 4, ".zst") == 0)
        codec = CG_CODEC_ZSTD;
    char *out = NULL;
    cg_err err;
    cg_err_clear(&err);
    if (cg_codec_decompress_file(path, codec, &out, n, &err) != CG_OK) {
        fprintf(stderr, "  read %s: %s\n", path, err.msg);
        return NULL;
    }
    return out;
}

/* Raw bytes of a file (for byte-for-byte comparisons), NULL if unreadable. */
static inline char *gr_slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    size_t k;
    while (buf && (k = fread(buf + len, 1, cap - len, f)) > 0) {
        len += k;
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    fclose(f);
    if (buf)
        buf[len] = 0;
    *n = len;
    return buf;
}

static inline int gr_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Config for a quick in-process run into a fresh temporary directory. */
static inline void gr_config(cg_config *cfg, uint64_t subs, const char *start, int days)
{
    cg_config_defaults(cfg);
    cfg->subs = subs;
    cfg->subs_set = 1;
    if (cg_date_parse(start, &cfg->start_day) != 0)
        abort();
    cfg->days = days;
    cfg->progress = 0;
    cfg->workers = 2;
    char tmpl[] = "/tmp/cg-gen-test.XXXXXX";
    if (!mkdtemp(tmpl))
        abort();
    snprintf(cfg->out, sizeof cfg->out, "%s/out", tmpl);
}

/* A homogeneous population for the tests of the exact laws: one profile
 * with every multiplier 1 (the diurnal curves and rates as configured),
 * no lasting activity differences and no day-to-day factor. What is left
 * random is Poisson: the off-net events and data sessions of each
 * subscriber-day and the conversations of each tie-day, whose sizes are
 * geometric with continuation GR_SESSION_CONT (core/synth.c). */
#define GR_SESSION_CONT 0.55
static inline void gr_flatten(cg_config *cfg)
{
    cfg->profiles[0] = cg_profile_template;
    snprintf(cfg->profiles[0].name, sizeof cfg->profiles[0].name, "flat");
    cfg->n_profiles = 1;
    cfg->people.activity_sigma = 0;
    cfg->people.day_shape = 0;
}

/* Variance over mean of a count of calls or SMS rows: both records of
 * every event of Poisson conversations of geometric size X (continuation
 * c): Var / E = 2 E[X^2] / E[X] = 2 (1 + c) / (1 - c). */
static inline double gr_session_var_mult(void)
{
    return 2.0 * (1.0 + GR_SESSION_CONT) / (1.0 - GR_SESSION_CONT);
}

/* Runs generate (progress = 0 prints nothing), reporting a failure. */
static inline int gr_run(const cg_config *cfg)
{
    cg_err err;
    cg_err_clear(&err);
    int rc = cg_cmd_generate(cfg, &err);
    if (rc != CG_OK)
        fprintf(stderr, "  generate into %s: rc %d: %s\n", cfg->out, rc, err.msg);
    return rc;
}

/* rm -rf of the parent of cfg->out (the mkdtemp directory). */
static inline void gr_cleanup(const cg_config *cfg)
{
    char cmd[CG_PATH_MAX + 64];
    char parent[CG_PATH_MAX];
    snprintf(parent, sizeof parent, "%s", cfg->out);
    char *slash = strrchr(parent, '/');
    if (slash)
        *slash = 0;
    if (strncmp(parent, "/tmp/cg-gen-test.", 17) != 0)
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", parent);
    if (system(cmd) != 0)
        fprintf(stderr, "  cannot remove %s\n", parent);
}

/* Parses the day bundle OUT/cdr_DATE.csv.gz of a run. */
static inline int gr_load_day(const cg_config *cfg, const char *date, gr_rows *rs)
{
    char path[CG_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/cdr_%s.csv%s", cfg->out, date, cg_codec_ext(cfg->codec));
    size_t n;
    char *text = gr_read(path, &n);
    if (!text)
        return -1;
    int rc = gr_parse_text(rs, text, n, cfg->tz_name, 1);
    free(text);
    if (rc)
        fprintf(stderr, "  %s: header line missing or wrong\n", path);
    if (rs->bad)
        fprintf(stderr, "  %s: %zu bad rows, first %s\n", path, rs->bad, rs->first_bad);
    return rc || rs->bad ? -1 : 0;
}

/* Subscriber index of a MSISDN (core/ident.c's numbering: an affine
 * scramble over the prefixes' ranges, checked by test_core), or -1 when it
 * is not a subscriber. */
static inline int64_t gr_owner_index(const cg_config *cfg, uint64_t msisdn)
{
    cg_numbering nb;
    cg_numbering_init(&nb, cfg, cfg->subs);
    uint64_t i = cg_ident_msisdn_index(&nb, msisdn);
    return i == UINT64_MAX ? -1 : (int64_t)i;
}

static inline uint64_t gr_msisdn(const cg_config *cfg, uint64_t i)
{
    cg_numbering nb;
    cg_numbering_init(&nb, cfg, cfg->subs);
    return cg_ident_msisdn(&nb, i);
}

/* The record's owner: msisdn_src for MO (and DATA), msisdn_dst for MT. */
static inline uint64_t gr_owner_msisdn(const gr_row *r)
{
    return r->dir == GR_MT ? r->dst : r->src;
}

/* The other party of a CALL/SMS record. */
static inline uint64_t gr_peer_msisdn(const gr_row *r)
{
    return r->dir == GR_MT ? r->src : r->dst;
}

static inline int gr_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* ---- exact law of an ANSWERED call's duration ----
 * D = R + T, R ~ U{2..25}, T = max(1, round(exp(mu + sigma Z))), Z ~ N(0,1),
 * round half up (floor(x + 0.5)). P(T <= t) for integer t >= 1 is
 * P(exp(mu + sigma Z) < t + 0.5) = Phi((ln(t + 0.5) - mu) / sigma). */
static inline double gr_talk_cdf(int64_t t, double mu, double sigma)
{
    if (t < 1)
        return 0.0;
    return 0.5 * erfc(-(log((double)t + 0.5) - mu) / (sigma * sqrt(2.0)));
}

static inline double gr_answered_cdf(int64_t d, double mu, double sigma)
{
    double s = 0;
    for (int r = 2; r <= 25; r++)
        s += gr_talk_cdf(d - r, mu, sigma);
    return s / 24.0;
}

/* The model's sigma: ln(p90/p50) / z_0.9, clamped to [0.2, 2.0] (SPEC 2). */
static inline double gr_sigma(double p50, double p90)
{
    double s = log(p90 / p50) / 1.2815515655446004;
    return s < 0.2 ? 0.2 : s > 2.0 ? 2.0 : s;
}

/* Kolmogorov distance between the empirical law of the n durations in d
 * (sorted in place) and the exact law, over every integer point from 1 to
 * the largest value: exact for a discrete law, since both CDFs are step
 * functions jumping only at integers. */
static inline double gr_ks_answered(uint32_t *d, size_t n, double mu, double sigma)
{
    uint32_t mx = 0;
    for (size_t k = 0; k < n; k++)
        if (d[k] > mx)
            mx = d[k];
    size_t *cnt = calloc((size_t)mx + 2, sizeof *cnt);
    for (size_t k = 0; k < n; k++)
        cnt[d[k]]++;
    double sup = 0, acc = 0;
    for (uint32_t x = 0; x <= mx; x++) {
        acc += (double)cnt[x];
        double diff = fabs(acc / (double)n - gr_answered_cdf(x, mu, sigma));
        if (diff > sup)
            sup = diff;
    }
    free(cnt);
    return sup;
}

/* DKW: P(sup |F_n - F| > eps) <= 2 exp(-2 n eps^2), so at alpha = 1e-6
 * eps = sqrt(ln(2 / alpha) / (2n)). */
static inline double gr_dkw(size_t n)
{
    return sqrt(log(2.0 / 1e-6) / (2.0 * (double)n));
}

/* Binomial proportion bound: with n independent trials of probability p,
 * |p_hat - p| <= 5 sqrt(p(1-p)/n) fails with probability < 6e-7 (normal
 * approximation; n p >= 100 everywhere it is used). */
static inline double gr_binom5(double p, double n)
{
    return 5.0 * sqrt(p * (1.0 - p) / n);
}

/* The UTC second range [lo, hi) of local date `day` in the current TZ,
 * found with localtime_r minute by minute (independent of core/tzday). */
static inline void gr_local_day(int32_t day, int64_t *lo, int64_t *hi)
{
    int64_t t = (int64_t)day * 86400 - 26 * 3600;
    *lo = *hi = 0;
    int in = 0;
    for (; t < (int64_t)day * 86400 + 50 * 3600; t += 60) {
        time_t tt = (time_t)t;
        struct tm tm;
        localtime_r(&tt, &tm);
        int64_t ld = (t + tm.tm_gmtoff) / 86400 - ((t + tm.tm_gmtoff) % 86400 < 0);
        if (!in && ld == day) {
            *lo = t;
            in = 1;
        } else if (in && ld != day) {
            *hi = t;
            return;
        }
    }
}

#endif
