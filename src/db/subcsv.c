/* CSV form of the subscriber database: strict streaming parse (canonical
 * decimal integers only, so any accepted file round-trips byte for byte through
 * Arrow) and a buffered writer that renames its temporary file on success. */
#include "db/subcsv.h"
#include "io/afile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WBUF_SIZE (1u << 20)
#define RBUF_SIZE (1u << 20)
#define LINE_MAX_LEN 4096 /* a valid row is < 128 bytes; longer is garbage */

static const char *const type_names[] = {"NEW_SUBSCRIBER", "CHANGE_DEVICE", "CHANGE_SIM",
                                         "RELEASE_NUMBER", "ASSIGN_NUMBER"};

const char *cg_subcsv_type_name(int type)
{
    if (type < 0 || type > CG_EV_ASSIGN_NUMBER)
        return NULL;
    return type_names[type];
}

int cg_subcsv_type_parse(const char *s, size_t n)
{
    for (int i = 0; i <= CG_EV_ASSIGN_NUMBER; i++)
        if (strlen(type_names[i]) == n && memcmp(type_names[i], s, n) == 0)
            return i;
    return -1;
}

static char *put_u64(char *p, uint64_t v)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

size_t cg_subcsv_format(char *buf, const cg_sub_event *ev)
{
    char *p = buf;
    if (ev->ts_ms < 0) {
        *p++ = '-';
        p = put_u64(p, (uint64_t)0 - (uint64_t)ev->ts_ms);
    } else {
        p = put_u64(p, (uint64_t)ev->ts_ms);
    }
    *p++ = ',';
    const char *name = cg_subcsv_type_name(ev->type);
    if (name) {
        size_t n = strlen(name);
        memcpy(p, name, n);
        p += n;
    } else {
        p = put_u64(p, ev->type); /* unreachable for valid events; stays readable */
    }
    *p++ = ',';
    p = put_u64(p, ev->imsi);
    *p++ = ',';
    if (ev->msisdn)
        p = put_u64(p, ev->msisdn);
    *p++ = ',';
    if (ev->imei)
        p = put_u64(p, ev->imei);
    *p++ = ',';
    p = put_u64(p, ev->mccmnc);
    *p++ = '\n';
    return (size_t)(p - buf);
}

/* Canonical unsigned decimal: digits only, no sign, no leading zero. Returns
 * NULL on success or the reason. */
static const char *parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out)
{
    if (n == 0)
        return "empty";
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9)
            return "not a decimal number";
        if (v > (max - d) / 10)
            return "out of range";
        v = v * 10 + d;
    }
    if (n > 1 && s[0] == '0')
        return "leading zero";
    *out = v;
    return NULL;
}

static int field_err(cg_err *err, const char *file, uint64_t row, const char *col,
                     const char *why, const char *s, size_t n)
{
    int shown = n > 40 ? 40 : (int)n;
    return cg_err_set(err, CG_ERUNTIME, "%s:%llu: %s: %s (\"%.*s%s\")", file,
                      (unsigned long long)row, col, why, shown, s, n > 40 ? "..." : "");
}

int cg_subcsv_parse(const char *line, size_t len, cg_sub_event *ev, const char *file,
                    uint64_t row, cg_err *err)
{
    static const char *const cols[6] = {"timestamp_ms", "event_type", "imsi",
                                        "msisdn",       "imei",       "mccmnc"};
    const char *f[6];
    size_t fl[6];
    int nf = 0;
    const char *p = line, *end = line + len;
    if (len == 0)
        return cg_err_set(err, CG_ERUNTIME, "%s:%llu: empty line", file, (unsigned long long)row);
    for (;;) {
        const char *c = memchr(p, ',', (size_t)(end - p));
        const char *fe = c ? c : end;
        if (nf < 6) {
            f[nf] = p;
            fl[nf] = (size_t)(fe - p);
        }
        nf++;
        if (!c)
            break;
        p = c + 1;
    }
    if (nf != 6)
        return cg_err_set(err, CG_ERUNTIME, "%s:%llu: %d fields, want 6 (%s)", file,
                          (unsigned long long)row, nf, CG_SUBCSV_HEADER);

    const char *why;
    uint64_t v;
    /* timestamp_ms: Int64, so a minus sign is allowed */
    int neg = fl[0] > 0 && f[0][0] == '-';
    why = parse_u64(f[0] + neg, fl[0] - (size_t)neg, neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX, &v);
    if (!why && neg && v == 0)
        why = "negative zero";
    if (why)
        return field_err(err, file, row, cols[0], why, f[0], fl[0]);
    ev->ts_ms = neg ? (int64_t)(0 - v) : (int64_t)v;

    int t = cg_subcsv_type_parse(f[1], fl[1]);
    if (t < 0)
        return field_err(err, file, row, cols[1], fl[1] ? "unknown event type" : "empty", f[1],
                         fl[1]);
    ev->type = (uint8_t)t;

    if ((why = parse_u64(f[2], fl[2], UINT64_MAX, &ev->imsi)))
        return field_err(err, file, row, cols[2], why, f[2], fl[2]);
    for (int k = 3; k <= 4; k++) {
        uint64_t *dst = k == 3 ? &ev->msisdn : &ev->imei;
        *dst = 0;
        if (fl[k] == 0)
            continue; /* null */
        if ((why = parse_u64(f[k], fl[k], UINT64_MAX, dst)))
            return field_err(err, file, row, cols[k], why, f[k], fl[k]);
        if (*dst == 0) /* 0 is how the row type spells null */
            return field_err(err, file, row, cols[k], "0 is not a number (leave it empty for none)",
                             f[k], fl[k]);
    }
    if ((why = parse_u64(f[5], fl[5], UINT32_MAX, &v)))
        return field_err(err, file, row, cols[5], why, f[5], fl[5]);
    ev->mccmnc = (uint32_t)v;
    return CG_OK;
}

/* ---- writer ---- */

struct cg_subcsv_writer {
    int fd;
    size_t len;
    char *buf;
    char *path;
    cg_afile af; /* the temporary file; fd is af.fd */
};

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int wflush(cg_subcsv_writer *w, cg_err *err)
{
    if (w->len && write_all(w->fd, w->buf, w->len) != 0)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: write failed", w->path);
    w->len = 0;
    return CG_OK;
}

int cg_subcsv_writer_open(cg_subcsv_writer **out, const char *path, cg_err *err)
{
    *out = NULL;
    cg_subcsv_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->buf = malloc(WBUF_SIZE)) || !(w->path = strdup(path))) {
        if (w) {
            free(w->buf);
            free(w->path);
        }
        free(w);
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", path);
    }
    /* same directory as the target, so rename() is atomic */
    int rc = cg_afile_open(&w->af, path, err);
    if (rc) {
        free(w->buf);
        free(w->path);
        free(w);
        return rc;
    }
    w->fd = w->af.fd;
    memcpy(w->buf, CG_SUBCSV_HEADER "\n", sizeof CG_SUBCSV_HEADER);
    w->len = sizeof CG_SUBCSV_HEADER;
    *out = w;
    return CG_OK;
}

int cg_subcsv_writer_add(cg_subcsv_writer *w, const cg_sub_event *ev, size_t n, cg_err *err)
{
    for (size_t i = 0; i < n; i++) {
        if (WBUF_SIZE - w->len < CG_SUBCSV_ROW_MAX) {
            int rc = wflush(w, err);
            if (rc)
                return rc;
        }
        w->len += cg_subcsv_format(w->buf + w->len, &ev[i]);
    }
    return CG_OK;
}

static void wfree(cg_subcsv_writer *w)
{
    cg_afile_abort(&w->af);
    free(w->buf);
    free(w->path);
    free(w);
}

void cg_subcsv_writer_abort(cg_subcsv_writer *w)
{
    if (!w)
        return;
    wfree(w); /* closes and removes the temporary file */
}

int cg_subcsv_writer_close(cg_subcsv_writer *w, cg_err *err)
{
    int rc = wflush(w, err);
    if (rc == CG_OK && fsync(w->fd) != 0)
        rc = cg_err_errno(err, CG_ERUNTIME, errno, "%s: write failed (fsync)", w->path);
    if (rc == CG_OK)
        rc = cg_afile_commit(&w->af, 0, err);
    wfree(w);
    return rc;
}

/* ---- reader ---- */

struct cg_subcsv_reader {
    int fd;
    int eof;
    size_t pos, end;
    uint64_t row;
    char *buf;
    char *path;
};

/* Next line (without its LF, and without a CR before it) or *has = 0 at the
 * end; the line stays valid until the next call. */
static int next_line(cg_subcsv_reader *r, const char **line, size_t *len, int *has,
                     cg_err *err)
{
    for (;;) {
        char *s = r->buf + r->pos;
        char *nl = memchr(s, '\n', r->end - r->pos);
        if (nl || (r->eof && r->pos < r->end)) {
            size_t n = nl ? (size_t)(nl - s) : r->end - r->pos;
            r->pos += nl ? n + 1 : n;
            if (n && s[n - 1] == '\r')
                n--;
            if (n > LINE_MAX_LEN)
                return cg_err_set(err, CG_ERUNTIME, "%s:%llu: line longer than %d bytes",
                                  r->path, (unsigned long long)r->row + 1, LINE_MAX_LEN);
            *line = s;
            *len = n;
            *has = 1;
            return CG_OK;
        }
        if (r->eof) {
            *has = 0;
            return CG_OK;
        }
        /* keep the partial line, refill behind it */
        size_t keep = r->end - r->pos;
        if (keep > LINE_MAX_LEN)
            return cg_err_set(err, CG_ERUNTIME, "%s:%llu: line longer than %d bytes", r->path,
                              (unsigned long long)r->row + 1, LINE_MAX_LEN);
        memmove(r->buf, s, keep);
        r->pos = 0;
        r->end = keep;
        ssize_t k;
        do
            k = read(r->fd, r->buf + r->end, RBUF_SIZE - r->end);
        while (k < 0 && errno == EINTR);
        if (k < 0)
            return cg_err_errno(err, CG_ERUNTIME, errno, "%s: read", r->path);
        if (k == 0)
            r->eof = 1;
        r->end += (size_t)k;
    }
}

int cg_subcsv_reader_open(cg_subcsv_reader **out, const char *path, cg_err *err)
{
    *out = NULL;
    cg_subcsv_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->buf = malloc(RBUF_SIZE)) || !(r->path = strdup(path))) {
        if (r)
            free(r->buf);
        free(r);
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", path);
    }
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        int e = errno;
        free(r->buf);
        free(r->path);
        free(r);
        return cg_err_errno(err, CG_ERUNTIME, e, "%s: cannot open", path);
    }
    posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    const char *line;
    size_t len;
    int has;
    int rc = next_line(r, &line, &len, &has, err);
    if (rc == CG_OK && !has)
        rc = cg_err_set(err, CG_ERUNTIME, "%s: empty file, want the header line \"%s\"", path,
                        CG_SUBCSV_HEADER);
    if (rc == CG_OK && len >= 3 && !memcmp(line, "\xef\xbb\xbf", 3))
        rc = cg_err_set(err, CG_ERUNTIME,
                        "%s:1: the file starts with a UTF-8 byte-order mark (bytes EF BB BF); "
                        "save it without one (the header must be \"%s\")",
                        path, CG_SUBCSV_HEADER);
    else if (rc == CG_OK &&
             (len != strlen(CG_SUBCSV_HEADER) || memcmp(line, CG_SUBCSV_HEADER, len))) {
        /* Show the line as it is, bytes a terminal would hide as \xNN. */
        char shown[60 * 4 + 1];
        size_t o = 0;
        for (size_t i = 0; i < len && i < 60; i++) {
            unsigned char ch = (unsigned char)line[i];
            if (ch >= 0x20 && ch < 0x7f)
                shown[o++] = (char)ch;
            else
                o += (size_t)snprintf(shown + o, sizeof shown - o, "\\x%02X", ch);
        }
        shown[o] = '\0';
        rc = cg_err_set(err, CG_ERUNTIME, "%s:1: header: want \"%s\", got \"%s%s\"", path,
                        CG_SUBCSV_HEADER, shown, len > 60 ? "..." : "");
    }
    if (rc != CG_OK) {
        cg_subcsv_reader_close(r);
        return rc;
    }
    *out = r;
    return CG_OK;
}

int cg_subcsv_reader_next(cg_subcsv_reader *r, cg_sub_event *ev, int *has, cg_err *err)
{
    const char *line;
    size_t len;
    int rc = next_line(r, &line, &len, has, err);
    if (rc != CG_OK || !*has)
        return rc;
    r->row++;
    return cg_subcsv_parse(line, len, ev, r->path, r->row, err);
}

uint64_t cg_subcsv_reader_row(const cg_subcsv_reader *r)
{
    return r->row;
}

void cg_subcsv_reader_close(cg_subcsv_reader *r)
{
    if (!r)
        return;
    close(r->fd);
    free(r->buf);
    free(r->path);
    free(r);
}
