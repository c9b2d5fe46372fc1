/* Writers and strict readers of stats_shardNNN.json and summary.json. Strict
 * because `merge` adds these numbers up: a file that is not exactly what we
 * write is more likely damaged than creatively formatted. */
#include "io/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

size_t cg_json_stats(char *buf, size_t cap, int shard, uint64_t calls, uint64_t sms,
                     uint64_t data)
{
    int n = snprintf(buf, cap, "{\"shard\":%d,\"calls\":%" PRIu64 ",\"sms\":%" PRIu64
                               ",\"data\":%" PRIu64 "}\n",
                     shard, calls, sms, data);
    return n < 0 ? 0 : (size_t)n;
}

size_t cg_json_summary(char *buf, size_t cap, uint64_t calls, uint64_t sms, uint64_t data,
                       int shards)
{
    int n = snprintf(buf, cap, "{\"total_calls\":%" PRIu64 ",\"total_sms\":%" PRIu64
                               ",\"total_data\":%" PRIu64 ",\"shards\":%d}\n",
                     calls, sms, data, shards);
    return n < 0 ? 0 : (size_t)n;
}

#define NKEYS 4

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

static int parse_object(parser *p, const char *const keys[NKEYS], uint64_t vals[NKEYS])
{
    int seen[NKEYS] = {0};
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
            for (int j = 0; j < NKEYS; j++)
                if (strlen(keys[j]) == klen && memcmp(keys[j], p->s + k0, klen) == 0)
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
            if ((rc = parse_u64(p, keys[idx], &vals[idx])) != CG_OK)
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
    for (int j = 0; j < NKEYS; j++)
        if (!seen[j])
            return fail(p, "missing key", keys[j]);
    return CG_OK;
}

int cg_json_parse_stats(const char *text, size_t n, int *shard, uint64_t *calls, uint64_t *sms,
                        uint64_t *data, cg_err *err)
{
    static const char *const keys[NKEYS] = {"shard", "calls", "sms", "data"};
    uint64_t v[NKEYS];
    parser p = {text, n, 0, "stats JSON", err};
    int rc = parse_object(&p, keys, v);
    if (rc != CG_OK)
        return rc;
    if (v[0] > INT32_MAX)
        return cg_err_set(err, CG_ERUNTIME, "stats JSON: shard %" PRIu64 " out of range", v[0]);
    *shard = (int)v[0];
    *calls = v[1];
    *sms = v[2];
    *data = v[3];
    return CG_OK;
}

int cg_json_parse_summary(const char *text, size_t n, uint64_t *calls, uint64_t *sms,
                          uint64_t *data, int *shards, cg_err *err)
{
    static const char *const keys[NKEYS] = {"total_calls", "total_sms", "total_data", "shards"};
    uint64_t v[NKEYS];
    parser p = {text, n, 0, "summary JSON", err};
    int rc = parse_object(&p, keys, v);
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
