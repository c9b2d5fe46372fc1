/* The output layout and the overflow-checked path builder (see layout.h). */
#include "io/layout.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "io/codec.h"

void cg_path_init(cg_path *p)
{
    p->s[0] = '\0';
    p->len = 0;
    p->overflow = 0;
}

void cg_path_add(cg_path *p, const char *fmt, ...)
{
    if (p->overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(p->s + p->len, sizeof p->s - p->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof p->s - p->len) {
        p->overflow = 1;
        p->s[p->len] = '\0'; /* keep the part that was complete */
        return;
    }
    p->len += (size_t)n;
}

int cg_path_ok(const cg_path *p, cg_err *err)
{
    if (!p->overflow)
        return CG_OK;
    return cg_err_set(err, CG_ERUNTIME, "%.200s...: path longer than %zu bytes", p->s,
                      sizeof p->s - 1);
}

void cg_lay_join(cg_path *p, const char *dir, const char *name)
{
    cg_path_init(p);
    cg_path_add(p, "%s/%s", dir, name);
}

void cg_lay_daydir(cg_path *p, const char *out, const char *date)
{
    cg_lay_join(p, out, date);
}

/* ".csv[.gz|.zst]" or ".parquet" */
static const char *kind_ext(int kind, char buf[16])
{
    if (kind == CG_LAY_PARQUET)
        return ".parquet";
    snprintf(buf, 16, ".csv%s", cg_codec_ext(kind));
    return buf;
}

int cg_lay_kind(int format, int codec)
{
    return format == CG_FMT_PARQUET ? CG_LAY_PARQUET : codec;
}

void cg_lay_bundle(cg_path *p, const char *out, const char *date, int kind)
{
    char b[16];
    cg_path_init(p);
    cg_path_add(p, "%s/cdr_%s%s", out, date, kind_ext(kind, b));
}

void cg_lay_part(cg_path *p, const char *daydir, const char *date, int shard, int part,
                 int kind)
{
    char b[16];
    cg_path_init(p);
    cg_path_add(p, "%s/cdr_%s_shard%03d_part%03d%s", daydir, date, shard, part,
                kind_ext(kind, b));
}

void cg_lay_stats(cg_path *p, const char *daydir, int shard)
{
    cg_path_init(p);
    cg_path_add(p, "%s/stats_shard%03d.json", daydir, shard);
}

void cg_lay_summary(cg_path *p, const char *daydir)
{
    cg_lay_join(p, daydir, "summary.json");
}

void cg_lay_subscribers(cg_path *p, const char *out, int shard)
{
    cg_path_init(p);
    if (shard < 0)
        cg_path_add(p, "%s/subscribers.csv", out);
    else
        cg_path_add(p, "%s/subscribers_shard%03d.csv", out, shard);
}

void cg_lay_labels_dir(cg_path *p, const char *out)
{
    cg_path_init(p);
    cg_path_add(p, "%s/labels", out);
}

void cg_lay_case_labels(cg_path *p, const char *out, int kind, int shard)
{
    const char *name = kind ? "churn" : "fraud";
    cg_path_init(p);
    if (shard < 0)
        cg_path_add(p, "%s/labels/%s.csv", out, name);
    else
        cg_path_add(p, "%s/labels/%s_shard%03d.csv", out, name, shard);
}

void cg_lay_labels(cg_path *p, const char *daydir, int shard)
{
    cg_path_init(p);
    if (shard < 0)
        cg_path_add(p, "%s/anomalies.csv", daydir);
    else
        cg_path_add(p, "%s/anomalies_shard%03d.csv", daydir, shard);
}

void cg_lay_run_lock(cg_path *p, const char *out)
{
    cg_lay_join(p, out, ".cdrgen.lock");
}

void cg_lay_shard_lock(cg_path *p, const char *out, int shard)
{
    cg_path_init(p);
    cg_path_add(p, "%s/.cdrgen.shard%03d.lock", out, shard);
}

void cg_lay_part_prefix(cg_path *p, const char *date, int shard)
{
    cg_path_init(p);
    if (shard < 0)
        cg_path_add(p, "cdr_%s_shard", date);
    else
        cg_path_add(p, "cdr_%s_shard%03d_part", date, shard);
}

/* Reads up to 9 decimal digits at *s (at least `min`); -1 if none. */
static long take_num(const char **s, int min)
{
    long v = 0;
    int k = 0;
    while (**s >= '0' && **s <= '9' && k < 9) {
        v = v * 10 + (**s - '0');
        (*s)++;
        k++;
    }
    return k >= min && !(**s >= '0' && **s <= '9') ? v : -1;
}

long cg_lay_parse_stats(const char *name)
{
    static const char pre[] = "stats_shard";
    if (strncmp(name, pre, sizeof pre - 1) != 0)
        return -1;
    const char *p = name + sizeof pre - 1;
    long k = take_num(&p, 3);
    if (k < 0 || strcmp(p, ".json") != 0)
        return -1;
    char canon[64];
    snprintf(canon, sizeof canon, "stats_shard%03ld.json", k);
    return strcmp(canon, name) == 0 ? k : -1;
}

int cg_lay_parse_part(const char *name, const char *date, int *shard, int *part, int *codec)
{
    cg_path pre;
    cg_lay_part_prefix(&pre, date, -1);
    if (pre.overflow || strncmp(name, pre.s, pre.len) != 0)
        return -1;
    const char *p = name + pre.len;
    long k = take_num(&p, 3);
    if (k < 0 || strncmp(p, "_part", 5) != 0)
        return -1;
    p += 5;
    long m = take_num(&p, 3);
    if (m < 0)
        return -1;
    int c = !strcmp(p, ".csv") ? CG_CODEC_NONE : !strcmp(p, ".csv.gz") ? CG_CODEC_GZIP
            : !strcmp(p, ".csv.zst")                                   ? CG_CODEC_ZSTD
            : !strcmp(p, ".parquet")                                   ? CG_LAY_PARQUET
                                                                       : -1;
    if (c < 0)
        return -1;
    char b[16];
    cg_path canon;
    cg_path_init(&canon);
    cg_path_add(&canon, "cdr_%s_shard%03ld_part%03ld%s", date, k, m, kind_ext(c, b));
    if (canon.overflow || strcmp(canon.s, name) != 0)
        return -1;
    *shard = (int)k;
    *part = (int)m;
    *codec = c;
    return 0;
}

long cg_lay_part_shard(const char *name, const char *date)
{
    cg_path pre;
    cg_lay_part_prefix(&pre, date, -1);
    if (pre.overflow || strncmp(name, pre.s, pre.len) != 0 || strlen(name) <= pre.len + 3)
        return -1;
    const char *p = name + pre.len;
    long k = 0;
    int n = 0;
    while (*p >= '0' && *p <= '9' && n < 9) {
        k = k * 10 + (*p++ - '0');
        n++;
    }
    return n ? k : -1;
}
