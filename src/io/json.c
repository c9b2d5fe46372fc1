/* Writers and strict readers of stats_shardNNN.json and summary.json. Strict
 * because `merge` adds these numbers up: a file that is not exactly what we
 * write is more likely damaged than creatively formatted. */
#include "io/json.h"
#include "core/mem.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cg_anom_kind_names[CG_STATS_ANOM] = {
    "late", "wrong_day", "duplicate", "shifted_duplicate", "missing", "orphan",
    "future_timestamp", "end_before_start", "corrupt_imsi", "unknown_cell", "extreme_duration",
};

size_t cg_json_stats(char *buf, size_t cap, const cg_stats *st)
{
    size_t len = 0;
#define PUT(...)                                                                           \
    do {                                                                                   \
        int k_ = snprintf(len < cap ? buf + len : NULL, len < cap ? cap - len : 0,         \
                          __VA_ARGS__);                                                    \
        len += k_ < 0 ? 0 : (size_t)k_;                                                    \
    } while (0)
    PUT("{\"shard\":%d,\"calls\":%" PRIu64 ",\"sms\":%" PRIu64 ",\"data\":%" PRIu64
        ",\"shards\":%d,\"run\":\"%016" PRIx64 "\",\"parts\":%" PRIu32 ",\"part_rows\":[",
        st->shard, st->n[0], st->n[1], st->n[2], st->shards, st->run, st->parts);
    for (uint32_t i = 0; i < st->parts; i++)
        PUT("%s%" PRIu64, i ? "," : "", st->part_rows[i]);
    PUT("],\"part_bytes\":[");
    for (uint32_t i = 0; i < st->parts; i++)
        PUT("%s%" PRIu64, i ? "," : "", st->part_bytes[i]);
    PUT("]");
    if (st->has_anom) {
        PUT(",\"anomalies\":[");
        for (int i = 0; i < CG_STATS_ANOM; i++)
            PUT("%s%" PRIu64, i ? "," : "", st->anom[i]);
        PUT("]");
    }
    PUT("}\n");
#undef PUT
    return len;
}

void cg_stats_free(cg_stats *st)
{
    free(st->part_rows);
    free(st->part_bytes);
    st->part_rows = st->part_bytes = NULL;
}

size_t cg_json_summary_anom(char *buf, size_t cap, uint64_t calls, uint64_t sms, uint64_t data,
                            int shards, const uint64_t *anom)
{
    int n = snprintf(buf, cap, "{\"total_calls\":%" PRIu64 ",\"total_sms\":%" PRIu64
                               ",\"total_data\":%" PRIu64 ",\"shards\":%d",
                     calls, sms, data, shards);
    size_t len = n < 0 ? 0 : (size_t)n;
    for (int i = 0; anom && i < CG_STATS_ANOM; i++) {
        n = snprintf(len < cap ? buf + len : NULL, len < cap ? cap - len : 0, "%s%" PRIu64,
                     i ? "," : ",\"anomalies\":[", anom[i]);
        len += n < 0 ? 0 : (size_t)n;
    }
    n = snprintf(len < cap ? buf + len : NULL, len < cap ? cap - len : 0, "%s}\n",
                 anom ? "]" : "");
    return len + (n < 0 ? 0 : (size_t)n);
}

size_t cg_json_summary(char *buf, size_t cap, uint64_t calls, uint64_t sms, uint64_t data,
                       int shards)
{
    return cg_json_summary_anom(buf, cap, calls, sms, data, shards, NULL);
}

#define NKEYS_MAX 10

/* What a key holds. */
enum { K_U64, K_HEX, K_ARRAY };

typedef struct keyspec {
    const char *name;
    int kind;
    int opt; /* may be absent */
} keyspec;

typedef struct parser {
    const char *s;
    size_t n, i;
    const char *what; /* "stats JSON" / "summary JSON" */
    cg_err *err;
} parser;

static void skip_ws(parser *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
                           p->s[p->i] == '\r'))
        p->i++;
}

static int fail(parser *p, const char *msg, const char *key)
{
    if (key)
        return cg_err_set(p->err, CG_ERUNTIME, "%s, byte %zu: %s \"%s\"", p->what, p->i, msg, key);
    return cg_err_set(p->err, CG_ERUNTIME, "%s, byte %zu: %s", p->what, p->i, msg);
}

static int expect(parser *p, char c, const char *msg)
{
    skip_ws(p);
    if (p->i >= p->n)
        return fail(p, "unexpected end of text", NULL);
    if (p->s[p->i] != c)
        return fail(p, msg, NULL);
    p->i++;
    return CG_OK;
}

/* Reads a JSON integer without sign, fraction, exponent or leading zeros. */
static int parse_u64(parser *p, const char *key, uint64_t *v)
{
    skip_ws(p);
    size_t start = p->i;
    uint64_t x = 0;
    while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
        unsigned d = (unsigned)(p->s[p->i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return fail(p, "number too large for key", key);
        x = x * 10 + d;
        p->i++;
    }
    if (p->i == start)
        return fail(p, "expected a non-negative integer for key", key);
    if (p->i - start > 1 && p->s[start] == '0') {
        p->i = start;
        return fail(p, "leading zero in the number of key", key);
    }
    if (p->i < p->n && (p->s[p->i] == '.' || p->s[p->i] == 'e' || p->s[p->i] == 'E'))
        return fail(p, "expected a non-negative integer for key", key);
    *v = x;
    return CG_OK;
}

/* "<16 lowercase hex digits>" */
static int parse_hex(parser *p, const char *key, uint64_t *v)
{
    skip_ws(p);
    if (p->i >= p->n || p->s[p->i] != '"')
        return fail(p, "expected a string of 16 hex digits for key", key);
    uint64_t x = 0;
    size_t k = 0;
    for (p->i++; p->i < p->n && p->s[p->i] != '"'; p->i++, k++) {
        char c = p->s[p->i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0 || k >= 16)
            return fail(p, "expected a string of 16 hex digits for key", key);
        x = x << 4 | (uint64_t)d;
    }
    if (p->i >= p->n || k != 16)
        return fail(p, "expected a string of 16 hex digits for key", key);
    p->i++;
    *v = x;
    return CG_OK;
}

/* [n, n, ...] into a malloc'd array (NULL for []). */
static int parse_array(parser *p, const char *key, uint64_t **out, size_t *count)
{
    int rc;
    *out = NULL;
    *count = 0;
    if ((rc = expect(p, '[', "expected '[' for key")) != CG_OK)
        return rc;
    size_t cap = 0;
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == ']') {
        p->i++;
        return CG_OK;
    }
    for (;;) {
        uint64_t v;
        if ((rc = parse_u64(p, key, &v)) != CG_OK)
            break;
        if (*count == cap) {
            /* a part is at least its 200-byte header: no array outgrows the text */
            uint64_t *q = *count < p->n ? cg_grow(*out, &cap, *count + 1, sizeof *q) : NULL;
            if (!q) {
                rc = fail(p, "array too long for key", key);
                break;
            }
            *out = q;
        }
        (*out)[(*count)++] = v;
        skip_ws(p);
        if (p->i < p->n && p->s[p->i] == ']') {
            p->i++;
            return CG_OK;
        }
        if ((rc = expect(p, ',', "expected ',' or ']' in the array of key")) != CG_OK)
            break;
    }
    free(*out);
    *out = NULL;
    *count = 0;
    return rc;
}

/* One object with exactly the keys of ks (nk of them); vals[j] receives an
 * integer or hex key, arrs[j]/lens[j] an array key (freed by the caller,
 * also on failure). */
static int parse_object(parser *p, const keyspec *ks, int nk, uint64_t *vals, uint64_t **arrs,
                        size_t *lens)
{
    int seen[NKEYS_MAX] = {0};
    int rc;
    if ((rc = expect(p, '{', "expected '{'")) != CG_OK)
        return rc;
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == '}') {
        p->i++;
    } else {
        for (;;) {
            if ((rc = expect(p, '"', "expected a key in double quotes")) != CG_OK)
                return rc;
            size_t k0 = p->i;
            while (p->i < p->n && p->s[p->i] != '"') {
                unsigned char c = (unsigned char)p->s[p->i];
                if (c == '\\' || c < 0x20)
                    return fail(p, "unexpected escape or control character in a key", NULL);
                p->i++;
            }
            if (p->i >= p->n)
                return fail(p, "unterminated key", NULL);
            size_t klen = p->i - k0;
            char key[40];
            snprintf(key, sizeof key, "%.*s", (int)(klen < 32 ? klen : 32), p->s + k0);
            p->i++;
            int idx = -1;
            for (int j = 0; j < nk; j++)
                if (strlen(ks[j].name) == klen && memcmp(ks[j].name, p->s + k0, klen) == 0)
                    idx = j;
            if (idx < 0) {
                p->i = k0;
                return fail(p, "unknown key", key);
            }
            if (seen[idx]) {
                p->i = k0;
                return fail(p, "duplicate key", key);
            }
            seen[idx] = 1;
            if ((rc = expect(p, ':', "expected ':' after a key")) != CG_OK)
                return rc;
            rc = ks[idx].kind == K_U64   ? parse_u64(p, ks[idx].name, &vals[idx])
                 : ks[idx].kind == K_HEX ? parse_hex(p, ks[idx].name, &vals[idx])
                                         : parse_array(p, ks[idx].name, &arrs[idx], &lens[idx]);
            if (rc != CG_OK)
                return rc;
            skip_ws(p);
            if (p->i >= p->n)
                return fail(p, "unexpected end of text", NULL);
            if (p->s[p->i] == '}') {
                p->i++;
                break;
            }
            if (p->s[p->i] != ',')
                return fail(p, "expected ',' or '}'", NULL);
            p->i++;
        }
    }
    skip_ws(p);
    if (p->i != p->n)
        return fail(p, "unexpected text after the object", NULL);
    for (int j = 0; j < nk; j++)
        if (!seen[j] && !ks[j].opt)
            return fail(p, "missing key", ks[j].name);
    return CG_OK;
}

int cg_json_parse_stats(const char *text, size_t n, cg_stats *st, cg_err *err)
{
    static const keyspec ks[] = {{"shard", K_U64, 0},      {"calls", K_U64, 0},
                                 {"sms", K_U64, 0},        {"data", K_U64, 0},
                                 {"shards", K_U64, 0},     {"run", K_HEX, 0},
                                 {"parts", K_U64, 0},      {"part_rows", K_ARRAY, 0},
                                 {"part_bytes", K_ARRAY, 0}, {"anomalies", K_ARRAY, 1}};
    enum { NK = sizeof ks / sizeof ks[0] };
    _Static_assert(NK <= NKEYS_MAX, "NKEYS_MAX");
    uint64_t v[NK] = {0}, *arr[NK] = {0};
    size_t len[NK] = {0};
    memset(st, 0, sizeof *st);
    parser p = {text, n, 0, "stats JSON", err};
    int rc = parse_object(&p, ks, NK, v, arr, len);
    if (rc == CG_OK && (v[4] == 0 || v[4] > INT32_MAX))
        rc = cg_err_set(err, CG_ERUNTIME, "stats JSON: shards %" PRIu64 " out of range", v[4]);
    else if (rc == CG_OK && v[0] >= v[4])
        rc = cg_err_set(err, CG_ERUNTIME, "stats JSON: shard %" PRIu64 " is not below shards %" PRIu64,
                        v[0], v[4]);
    else if (rc == CG_OK && (v[6] > UINT32_MAX || len[7] != v[6] || len[8] != v[6]))
        rc = cg_err_set(err, CG_ERUNTIME, "stats JSON: \"parts\":%" PRIu64 " but %zu part_rows "
                        "and %zu part_bytes", v[6], len[7], len[8]);
    else if (rc == CG_OK && arr[9] && len[9] != CG_STATS_ANOM)
        rc = cg_err_set(err, CG_ERUNTIME, "stats JSON: %zu anomaly counts, not %d", len[9],
                        CG_STATS_ANOM);
    if (rc != CG_OK) {
        for (int j = 0; j < NK; j++)
            free(arr[j]);
        return rc;
    }
    st->shard = (int)v[0];
    st->n[0] = v[1];
    st->n[1] = v[2];
    st->n[2] = v[3];
    st->shards = (int)v[4];
    st->run = v[5];
    st->parts = (uint32_t)v[6];
    st->part_rows = arr[7];
    st->part_bytes = arr[8];
    if (arr[9]) {
        st->has_anom = 1;
        memcpy(st->anom, arr[9], sizeof st->anom);
        free(arr[9]);
    }
    return CG_OK;
}

int cg_json_parse_summary(const char *text, size_t n, uint64_t *calls, uint64_t *sms,
                          uint64_t *data, int *shards, cg_err *err)
{
    int has;
    return cg_json_parse_summary_anom(text, n, calls, sms, data, shards, NULL, &has, err);
}

int cg_json_parse_summary_anom(const char *text, size_t n, uint64_t *calls, uint64_t *sms,
                               uint64_t *data, int *shards, uint64_t *anom, int *has_anom,
                               cg_err *err)
{
    static const keyspec ks[] = {{"total_calls", K_U64, 0},
                                 {"total_sms", K_U64, 0},
                                 {"total_data", K_U64, 0},
                                 {"shards", K_U64, 0},
                                 {"anomalies", K_ARRAY, 1}};
    uint64_t v[5] = {0}, *arr[5] = {0};
    size_t len[5] = {0};
    parser p = {text, n, 0, "summary JSON", err};
    int rc = parse_object(&p, ks, 5, v, arr, len);
    *has_anom = arr[4] != NULL;
    if (rc == CG_OK && arr[4] && len[4] != CG_STATS_ANOM)
        rc = cg_err_set(err, CG_ERUNTIME, "summary JSON: %zu anomaly counts, not %d", len[4],
                        CG_STATS_ANOM);
    if (rc == CG_OK && arr[4] && anom)
        memcpy(anom, arr[4], sizeof(uint64_t) * CG_STATS_ANOM);
    for (int j = 0; j < 5; j++)
        free(arr[j]);
    if (rc != CG_OK)
        return rc;
    if (v[3] > INT32_MAX)
        return cg_err_set(err, CG_ERUNTIME, "summary JSON: shards %" PRIu64 " out of range", v[3]);
    *calls = v[0];
    *sms = v[1];
    *data = v[2];
    *shards = (int)v[3];
    return CG_OK;
}
