/* Subscriber lookup index (db/subindex.h). Build: one streaming pass writes a
 * record per event into a file-backed scratch mapping, an in-place sort
 * groups the records by MSISDN (file order within one), and a replay per
 * MSISDN writes its holder intervals. No heap grows with the database. */
#include "db/subindex.h"
#include "core/stop.h"
#include "db/subvalidate.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/subevent.h"
#include "db/subsource.h"
#include "io/layout.h"
#include "core/check.h"

/* ---- file layout ---- */

#define IDX_MAGIC "CGSUBIDX"
#define IDX_VERSION 2u /* 2: db_ctime_ns, whole-content db_hash */
#define IDX_BOM 0x0102030405060708ULL /* reads differently on the other byte order */
#define IV_HELD 1u

typedef struct idx_hdr {
    char magic[8];
    uint32_t version, hdr_size;
    uint64_t bom;
    /* the database the index was built from */
    uint64_t db_size;
    int64_t db_mtime_ns;
    uint64_t db_ino, db_dev, db_hash;
    /* counts and sections: msisdn[n], start[n + 1], iv[m] */
    uint64_t n, m;
    uint64_t off_msisdn, off_start, off_iv, file_size;
    uint64_t body_hash; /* of every byte after the header */
    int64_t db_ctime_ns; /* which touch -r cannot set back */
    uint64_t reserved[3];
} idx_hdr;

/* One holder interval: [from, next interval's from) of its MSISDN. */
typedef struct idx_iv {
    int64_t from;
    uint64_t imsi, imei;
    uint32_t mccmnc, flags; /* flags: IV_HELD, else a gap (released) */
} idx_iv;

_Static_assert(sizeof(idx_hdr) == 152, "header keeps the arrays 8-byte aligned (docs/DATABASE.md)");
_Static_assert(sizeof(idx_iv) == 32, "compact interval");

struct cg_subidx {
    uint64_t db_hash; /* of the database's whole content */
    void *map;
    size_t len;
    const uint64_t *msisdn, *start;
    const idx_iv *iv;
    uint64_t n, m;
};

/* ---- hashing (fingerprint and body check; not cryptographic) ---- */

static uint64_t hmix(uint64_t h, uint64_t w)
{
    h ^= w * 0x9E3779B97F4A7C15ULL;
    h = (h << 31 | h >> 33) * 0xC2B2AE3D27D4EB4FULL;
    return h;
}

/* Consistent across chunked calls as long as every chunk but the last has a
 * length that is a multiple of 8. */
static uint64_t hbytes(uint64_t h, const unsigned char *p, size_t n)
{
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = hmix(h, w);
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, p, n);
        h = hmix(h, w ^ ((uint64_t)n << 56));
    }
    return h;
}

static uint64_t hfinal(uint64_t h, uint64_t len)
{
    h = hmix(h, len);
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    return h ^ (h >> 32);
}

/* ---- fingerprint of the database ---- */

typedef struct idx_fp {
    uint64_t size, ino, dev, hash;
    int64_t mtime_ns, ctime_ns;
    mode_t mode;
} idx_fp;

static int hash_range(int fd, uint64_t off, uint64_t len, unsigned char *buf, uint64_t *h)
{
    while (len) {
        if (cg_stop_requested())
            return EINTR;
        size_t want = len < 65536 ? (size_t)len : 65536;
        ssize_t got = pread(fd, buf, want, (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return got < 0 ? errno : EIO;
        *h = hbytes(*h, buf, (size_t)got);
        off += (uint64_t)got;
        len -= (uint64_t)got;
    }
    return 0;
}

static int db_fingerprint(const char *path, idx_fp *f, cg_err *err)
{
    /* O_NONBLOCK: a FIFO in the database's place must not hang us */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot open", path);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        close(fd);
        return S_ISREG(st.st_mode) ? cg_err_errno(err, CG_ERUNTIME, e, "%s: cannot stat", path)
                                   : cg_err_set(err, CG_ERUNTIME, "%s: not a regular file", path);
    }
    f->size = (uint64_t)st.st_size;
    f->ino = (uint64_t)st.st_ino;
    f->dev = (uint64_t)st.st_dev;
    f->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    f->ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
    f->mode = st.st_mode;
    unsigned char *buf = malloc(65536);
    if (!buf) {
        close(fd);
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", path);
    }
    /* Every byte: a change anywhere (an IMEI swapped in the middle, mtime
     * restored) must not reuse a stale index. ~1 GB/s, once per open. */
    uint64_t h = 0;
    int e = hash_range(fd, 0, f->size, buf, &h);
    free(buf);
    close(fd);
    if (e)
        return cg_err_errno(err, CG_ERUNTIME, e, "%s: cannot read", path);
    f->hash = hfinal(h, f->size);
    return CG_OK;
}

/* ---- reading an index file ---- */

/* 1 when the n*8 or m*32 bytes of the mapping at p form a valid index of
 * the database f; checks everything a lookup relies on, so that any file
 * content is either accepted as safe or rebuilt. */
static int idx_valid(const unsigned char *p, size_t len, const idx_fp *f)
{
    idx_hdr h;
    if (len < sizeof h)
        return 0;
    memcpy(&h, p, sizeof h);
    if (memcmp(h.magic, IDX_MAGIC, 8) != 0 || h.version != IDX_VERSION ||
        h.hdr_size != sizeof h || h.bom != IDX_BOM)
        return 0;
    if (h.db_size != f->size || h.db_mtime_ns != f->mtime_ns || h.db_ino != f->ino ||
        h.db_dev != f->dev || h.db_hash != f->hash || h.db_ctime_ns != f->ctime_ns)
        return 0;
    if (h.file_size != len || h.n >= len / 8 || h.m > len / 32)
        return 0;
    if (h.off_msisdn != sizeof h || h.off_start != h.off_msisdn + 8 * h.n ||
        h.off_iv != h.off_start + 8 * (h.n + 1) || h.file_size != h.off_iv + 32 * h.m)
        return 0;
    if (hfinal(hbytes(0, p + sizeof h, len - sizeof h), len - sizeof h) != h.body_hash)
        return 0;
    const uint64_t *ms = (const uint64_t *)(p + h.off_msisdn);
    const uint64_t *st = (const uint64_t *)(p + h.off_start);
    const idx_iv *iv = (const idx_iv *)(p + h.off_iv);
    if (st[0] != 0 || st[h.n] != h.m)
        return 0;
    for (uint64_t i = 0; i < h.n; i++) {
        if ((i && ms[i] <= ms[i - 1]) || st[i + 1] <= st[i])
            return 0;
        for (uint64_t k = st[i] + 1; k < st[i + 1]; k++)
            if (iv[k].from < iv[k - 1].from)
                return 0;
    }
    return 1;
}

/* Maps fd read-only and adopts it when valid for f; 0 otherwise. */
static int idx_adopt(cg_subidx *x, int fd, const idx_fp *f)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < sizeof(idx_hdr) ||
        (uint64_t)st.st_size > SIZE_MAX)
        return 0;
    size_t len = (size_t)st.st_size;
    void *map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        return 0;
    if (!idx_valid(map, len, f)) {
        munmap(map, len);
        return 0;
    }
    /* Validation read every page; let them go from our resident set so that
     * a run touches only the part of the index it uses (file pages, reread
     * from the page cache on demand). */
    madvise(map, len, MADV_DONTNEED);
    idx_hdr h;
    memcpy(&h, map, sizeof h);
    const unsigned char *p = map;
    x->map = map;
    x->len = len;
    x->n = h.n;
    x->m = h.m;
    x->msisdn = (const uint64_t *)(p + h.off_msisdn);
    x->start = (const uint64_t *)(p + h.off_start);
    x->iv = (const idx_iv *)(p + h.off_iv);
    return 1;
}

/* ---- building ---- */

/* One event, resolved to its MSISDN, in the scratch file. */
typedef struct idx_rec {
    uint64_t msisdn, row;
    int64_t ts;
    uint64_t imsi, imei;
    uint32_t mccmnc;
    uint8_t type;
    uint8_t pad[3];
} idx_rec;

/* IMSI -> the MSISDN it was last given (0 after its release); resolves the
 * CHANGE_DEVICE rows that leave msisdn empty. Open addressing, key 0 free. */
typedef struct idx_slot {
    uint64_t imsi, msisdn;
} idx_slot;

static idx_slot *tab_slot(idx_slot *t, uint64_t mask, uint64_t imsi)
{
    uint64_t i = (imsi * 0x9E3779B97F4A7C15ULL >> 20) & mask;
    /* The table has room for every IMSI of the file and a quarter more
     * (idx build): a probe that went all the way round is a bug. */
    for (uint64_t n = 0; t[i].imsi && t[i].imsi != imsi; n++) {
        CG_ASSERT(n <= mask);
        i = (i + 1) & mask;
    }
    return &t[i];
}

static int rec_lt(const idx_rec *a, const idx_rec *b)
{
    return a->msisdn < b->msisdn || (a->msisdn == b->msisdn && a->row < b->row);
}

static void rec_swap(idx_rec *a, idx_rec *b)
{
    idx_rec t = *a;
    *a = *b;
    *b = t;
}

static void rec_sift(idx_rec *a, size_t i, size_t n)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            return;
        if (c + 1 < n && rec_lt(&a[c], &a[c + 1]))
            c++;
        if (!rec_lt(&a[i], &a[c]))
            return;
        rec_swap(&a[i], &a[c]);
        i = c;
    }
}

static void rec_heapsort(idx_rec *a, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        rec_sift(a, i, n);
    for (size_t e = n; e-- > 1;) {
        rec_swap(&a[0], &a[e]);
        rec_sift(a, 0, e);
    }
}

/* Introsort in place: glibc's qsort would malloc a copy of the whole array,
 * which is the heap growth this module exists to avoid. Keys are unique
 * (row), so Hoare partitioning around a median of three always splits. */
static void rec_sort(idx_rec *a, size_t n, int depth)
{
    while (n > 16) {
        if (n > 65536 && cg_stop_requested())
            return; /* unsorted: the caller sees the request and gives up */
        if (depth-- <= 0) {
            rec_heapsort(a, n);
            return;
        }
        size_t mid = (n - 1) / 2;
        if (rec_lt(&a[mid], &a[0]))
            rec_swap(&a[mid], &a[0]);
        if (rec_lt(&a[n - 1], &a[0]))
            rec_swap(&a[n - 1], &a[0]);
        if (rec_lt(&a[n - 1], &a[mid]))
            rec_swap(&a[n - 1], &a[mid]);
        idx_rec p = a[mid];
        size_t i = 0, j = n - 1;
        for (;;) {
            while (rec_lt(&a[i], &p))
                i++;
            while (rec_lt(&p, &a[j]))
                j--;
            if (i >= j)
                break;
            rec_swap(&a[i], &a[j]);
            i++;
            j--;
        }
        /* [0, j] <= p <= [j + 1, n) */
        size_t nl = j + 1, nr = n - nl;
        if (nl < nr) {
            rec_sort(a, nl, depth);
            a += nl;
            n = nr;
        } else {
            rec_sort(a + nl, nr, depth);
            n = nl;
        }
    }
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0 && rec_lt(&a[k], &a[k - 1]); k--)
            rec_swap(&a[k], &a[k - 1]);
}

/* Takes the whole pages of base[from, to) out of this process's mapping.
 * The data stays in the file (page cache), so this only stops finished
 * sequential work from counting in RSS; later access faults it back. */
static void drop_pages(void *base, size_t from, size_t to)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    from = (from + pg - 1) / pg * pg;
    to = to / pg * pg;
    if (to > from)
        madvise((char *)base + from, to - from, MADV_DONTNEED);
}

#define DROP_EVERY 65536 /* records */

/* An unlinked scratch file "<prefix>.XXXXXX" of len bytes, mapped read-write
 * (space reserved up front so that a full disk is an error, not SIGBUS). */
static int scratch_map(const char *prefix, size_t len, void **map, cg_err *err)
{
    cg_path pp;
    cg_path_init(&pp);
    cg_path_add(&pp, "%s.XXXXXX", prefix);
    CG_TRY(cg_path_ok(&pp, err));
    char *path = pp.s;
    int fd = mkstemp(path);
    if (fd < 0)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot create a scratch file", path);
    unlink(path);
    int e = posix_fallocate(fd, 0, (off_t)len);
    if (e) {
        close(fd);
        return cg_err_errno(err, CG_ERUNTIME, e, "%s: cannot reserve %zu bytes", path, len);
    }
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    e = errno;
    close(fd);
    if (p == MAP_FAILED)
        return cg_err_errno(err, CG_ERUNTIME, e, "%s: cannot map", path);
    *map = p;
    return CG_OK;
}

/* Upper bound of the rows of a CSV file: its line count. */
static int csv_line_bound(const char *path, uint64_t *lines, cg_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot open", path);
    char *buf = malloc(1 << 16);
    if (!buf) {
        close(fd);
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", path);
    }
    uint64_t n = 1;
    for (;;) {
        ssize_t got = read(fd, buf, 1 << 16);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return cg_err_errno(err, CG_ERUNTIME, e, "%s: cannot read", path);
        }
        if (got == 0)
            break;
        for (const char *p = buf, *end = buf + got; (p = memchr(p, '\n', (size_t)(end - p)));
             p++)
            n++;
    }
    free(buf);
    close(fd);
    *lines = n;
    return CG_OK;
}

static const char *ev_name(unsigned t)
{
    static const char *const names[] = {"NEW_SUBSCRIBER", "CHANGE_DEVICE", "CHANGE_SIM",
                                        "RELEASE_NUMBER", "ASSIGN_NUMBER"};
    return t < 5 ? names[t] : "?";
}

#define ULL(v) ((unsigned long long)(v))

static int rule_err(cg_err *err, const char *db, uint64_t row, const char *what)
{
    return cg_err_set(err, CG_ERUNTIME,
                      "%s:%llu: %s; the database breaks its rules (check it with `cdrgen db "
                      "validate %s`)",
                      db, ULL(row), what, db);
}

/* Pass 1: streams the database into rec[0..*k), each row resolved to its
 * MSISDN; checks what the stream order alone can tell. */
static int pass_events(const char *db, idx_rec **recp, uint64_t *kp, size_t *maplen,
                       const char *scratch, cg_err *err)
{
    int fmt;
    int rc = cg_subfmt_of(db, &fmt, err);
    if (rc)
        return rc; /* a name that is neither .csv nor .arrow: usage error */
    cg_subsrc *src;
    if ((rc = cg_subsrc_open(&src, db, err)))
        return rc;
    uint64_t cap = cg_subsrc_rows_hint(src);
    if (fmt == CG_SUBFMT_CSV && (rc = csv_line_bound(db, &cap, err))) {
        cg_subsrc_close(src);
        return rc;
    }
    if (cap > ((uint64_t)1 << 40)) {
        cg_subsrc_close(src);
        return cg_err_set(err, CG_ERUNTIME, "%s: too many rows to index", db);
    }
    uint64_t tcap = 64;
    while (tcap < cap + cap / 4 + 16)
        tcap *= 2;
    size_t rlen = (size_t)(cap + 1) * sizeof(idx_rec), tlen = (size_t)tcap * sizeof(idx_slot);
    void *rmap = NULL, *tmap = NULL;
    if ((rc = scratch_map(scratch, rlen, &rmap, err)) ||
        (rc = scratch_map(scratch, tlen, &tmap, err))) {
        if (rmap)
            munmap(rmap, rlen);
        cg_subsrc_close(src);
        return rc;
    }
    idx_rec *rec = rmap;
    idx_slot *tab = tmap;
    uint64_t k = 0, mask = tcap - 1;
    int64_t prev_ts = INT64_MIN;
    char what[256];
    for (;;) {
        cg_sub_event ev;
        int has;
        if ((rc = cg_subsrc_next(src, &ev, &has, err)))
            break;
        if (!has)
            break;
        uint64_t row = cg_subsrc_row(src);
        if (k >= cap) {
            rc = cg_err_set(err, CG_ERUNTIME, "%s: more rows than when it was opened (changed "
                                              "while being indexed?)", db);
            break;
        }
        what[0] = 0;
        uint64_t m = ev.msisdn;
        if (ev.ts_ms < prev_ts)
            snprintf(what, sizeof what, "timestamp %lld is before the previous row's %lld",
                     (long long)ev.ts_ms, (long long)prev_ts);
        else if (ev.type > CG_EV_ASSIGN_NUMBER)
            snprintf(what, sizeof what, "unknown event type %u", ev.type);
        else if (ev.imsi == 0)
            snprintf(what, sizeof what, "imsi is 0");
        else if (!m && ev.type != CG_EV_CHANGE_DEVICE)
            snprintf(what, sizeof what, "%s without an msisdn", ev_name(ev.type));
        else if (cg_subval_check_fields(&ev, what, sizeof what)) {
            /* the same field rules as `db validate`; what says which */
        }
        if (!what[0]) {
            idx_slot *s = tab_slot(tab, mask, ev.imsi);
            if (ev.type == CG_EV_CHANGE_DEVICE) {
                if (!m && !(m = s->imsi ? s->msisdn : 0))
                    snprintf(what, sizeof what,
                             "CHANGE_DEVICE of IMSI %llu, which holds no number", ULL(ev.imsi));
            } else if (ev.type == CG_EV_RELEASE_NUMBER) {
                if (s->imsi && s->msisdn == m)
                    s->msisdn = 0;
            } else {
                s->imsi = ev.imsi;
                s->msisdn = m;
            }
        }
        if (what[0]) {
            rc = rule_err(err, db, row, what);
            break;
        }
        prev_ts = ev.ts_ms;
        rec[k++] = (idx_rec){.msisdn = m, .row = row, .ts = ev.ts_ms, .imsi = ev.imsi,
                             .imei = ev.imei, .mccmnc = ev.mccmnc, .type = ev.type};
        if (k % DROP_EVERY == 0)
            drop_pages(rec, (k - DROP_EVERY) * sizeof *rec, k * sizeof *rec);
    }
    cg_subsrc_close(src);
    munmap(tmap, tlen);
    if (rc) {
        munmap(rmap, rlen);
        return rc;
    }
    *recp = rec;
    *kp = k;
    *maplen = rlen;
    return CG_OK;
}

/* Replays one MSISDN's events rec[0..n) into iv; returns 0, or the row of
 * the first event that breaks the rules with its description in what. */
static uint64_t replay(const idx_rec *rec, uint64_t n, idx_iv *iv, char *what, size_t wlen)
{
    int held = 0;
    uint64_t imsi = 0, imei = 0;
    uint32_t mcc = 0;
    for (uint64_t j = 0; j < n; j++) {
        const idx_rec *r = &rec[j];
        const char *bad = NULL;
        switch (r->type) {
        case CG_EV_NEW_SUBSCRIBER:
        case CG_EV_ASSIGN_NUMBER:
            if (held)
                bad = "is already held";
            held = 1;
            imsi = r->imsi;
            imei = r->imei;
            mcc = r->mccmnc;
            break;
        case CG_EV_CHANGE_DEVICE:
            if (!held || imsi != r->imsi)
                bad = "is not held by that IMSI";
            if (r->imei)
                imei = r->imei;
            break;
        case CG_EV_CHANGE_SIM:
            if (!held)
                bad = "is not held";
            imsi = r->imsi;
            mcc = r->mccmnc;
            if (r->imei)
                imei = r->imei;
            break;
        default: /* CG_EV_RELEASE_NUMBER */
            if (!held || imsi != r->imsi)
                bad = "is not held by that IMSI";
            held = 0;
            imsi = imei = 0;
            mcc = 0;
            break;
        }
        if (bad) {
            snprintf(what, wlen, "%s of IMSI %llu: MSISDN %llu %s", ev_name(r->type),
                     ULL(r->imsi), ULL(r->msisdn), bad);
            return r->row;
        }
        iv[j] = (idx_iv){.from = r->ts, .imsi = imsi, .imei = imei, .mccmnc = mcc,
                         .flags = held ? IV_HELD : 0};
    }
    return 0;
}

/* Pass 2: writes the index of the sorted records to fd. */
static int write_index(int fd, const char *path, const idx_rec *rec, uint64_t k,
                       const idx_fp *f, const char *db, cg_err *err)
{
    uint64_t n = 0;
    for (uint64_t j = 0; j < k; j++)
        n += !j || rec[j].msisdn != rec[j - 1].msisdn;
    idx_hdr h = {.version = IDX_VERSION, .hdr_size = sizeof h, .bom = IDX_BOM,
                 .db_size = f->size, .db_mtime_ns = f->mtime_ns, .db_ino = f->ino,
                 .db_dev = f->dev, .db_hash = f->hash, .n = n, .m = k,
                 .db_ctime_ns = f->ctime_ns};
    memcpy(h.magic, IDX_MAGIC, 8);
    h.off_msisdn = sizeof h;
    h.off_start = h.off_msisdn + 8 * n;
    h.off_iv = h.off_start + 8 * (n + 1);
    h.file_size = h.off_iv + 32 * k;
    size_t len = (size_t)h.file_size;
    int e = posix_fallocate(fd, 0, (off_t)len);
    if (e)
        return cg_err_errno(err, CG_ERUNTIME, e, "%s: cannot reserve %zu bytes", path, len);
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot map", path);
    uint64_t *ms = (uint64_t *)(p + h.off_msisdn), *st = (uint64_t *)(p + h.off_start);
    idx_iv *iv = (idx_iv *)(p + h.off_iv);
    uint64_t bad_row = 0, i = 0;
    char what[256], bad_what[256];
    for (uint64_t j = 0, e2, dropped = 0; j < k; j = e2, i++) {
        if (j - dropped >= DROP_EVERY) {
            drop_pages((void *)rec, dropped * sizeof *rec, j * sizeof *rec);
            dropped = j;
        }
        for (e2 = j + 1; e2 < k && rec[e2].msisdn == rec[j].msisdn; e2++)
            ;
        ms[i] = rec[j].msisdn;
        st[i] = j;
        /* keep scanning after a broken MSISDN: report the first row overall */
        uint64_t r = replay(rec + j, e2 - j, iv + j, what, sizeof what);
        if (r && (!bad_row || r < bad_row)) {
            bad_row = r;
            memcpy(bad_what, what, sizeof what);
        }
    }
    st[n] = k;
    int rc = CG_OK;
    if (bad_row) {
        rc = rule_err(err, db, bad_row, bad_what);
    } else {
        h.body_hash = hfinal(hbytes(0, p + sizeof h, len - sizeof h), len - sizeof h);
        memcpy(p, &h, sizeof h);
    }
    munmap(p, len);
    return rc;
}

/* Gives the finished anonymous file fd the name cache (link under a temp
 * name, then rename over the old one, so readers see old or new). When
 * /proc is missing the file stays unlinked: used for this run only. */
static void publish(int fd, const char *cache)
{
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    for (int a = 0; a < 64; a++) {
        cg_path tmp;
        cg_path_init(&tmp);
        cg_path_add(&tmp, "%s.tmp.%ld.%d", cache, (long)getpid(), a);
        if (tmp.overflow)
            return; /* the index stays unnamed: used for this run only */
        if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp.s, AT_SYMLINK_FOLLOW) == 0) {
            if (rename(tmp.s, cache) != 0)
                unlink(tmp.s);
            return;
        }
        if (errno != EEXIST)
            return;
    }
}

/* Builds the index of db; *out_fd is the finished file: named cache when
 * the database's directory is writable, else unlinked under $TMPDIR. */
static int idx_build(const char *db, const char *cache, const idx_fp *f, int *out_fd,
                     cg_err *err)
{
    cg_path dirp, tmpp, scratchp;
    cg_path_init(&dirp);
    cg_path_init(&tmpp);
    cg_path_init(&scratchp);
    cg_path_add(&dirp, "%s", cache);
    CG_TRY(cg_path_ok(&dirp, err));
    char *dir = dirp.s, *tmp = tmpp.s, *scratch = scratchp.s;
    char *slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, ".");
    else
        slash[slash == dir] = 0;
    /* O_TMPFILE: a crash mid-build leaves nothing behind; mkstemp where the
     * file system lacks it */
    int named = 0, fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
        cg_path_add(&tmpp, "%s.tmp.XXXXXX", cache);
        CG_TRY(cg_path_ok(&tmpp, err));
        named = (fd = mkstemp(tmp)) >= 0;
    }
    int in_dir = fd >= 0;
    if (in_dir) {
        cg_path_add(&scratchp, "%s.scratch", cache);
        if (scratchp.overflow) {
            close(fd);
            if (named)
                unlink(tmp);
            return cg_path_ok(&scratchp, err);
        }
    } else {
        const char *td = getenv("TMPDIR");
        if (!td || !*td)
            td = "/tmp";
        cg_path_add(&scratchp, "%s/cdrgen-subidx", td);
        cg_path_init(&tmpp);
        cg_path_add(&tmpp, "%s.XXXXXX", scratch);
        CG_TRY(cg_path_ok(&scratchp, err));
        CG_TRY(cg_path_ok(&tmpp, err));
        if ((fd = mkstemp(tmp)) < 0)
            return cg_err_errno(err, CG_ERUNTIME, errno,
                                "%s: cannot create the index beside it nor in %s", db, td);
        unlink(tmp);
    }
    /* the cache tells what the database tells: as readable as it is (on
     * failure it just stays private to its owner) */
    (void)fchmod(fd, f->mode & 0666);
    idx_rec *rec = NULL;
    uint64_t k = 0;
    size_t rlen = 0;
    int rc = pass_events(db, &rec, &k, &rlen, scratch, err);
    if (rc == CG_OK) {
        rec_sort(rec, (size_t)k, 2 * 64);
        rc = cg_stop_requested() ? cg_stop_err(err) : write_index(fd, cache, rec, k, f, db, err);
        munmap(rec, rlen);
    }
    if (rc != CG_OK) {
        if (named)
            unlink(tmp);
        close(fd);
        return rc;
    }
    if (named) {
        if (rename(tmp, cache) != 0)
            unlink(tmp); /* keep using the unlinked file */
    } else if (in_dir) {
        publish(fd, cache);
    }
    *out_fd = fd;
    return CG_OK;
}

/* ---- public API ---- */

int cg_subidx_open(cg_subidx **out, const char *db_path, cg_err *err)
{
    *out = NULL;
    idx_fp f;
    int rc = db_fingerprint(db_path, &f, err);
    if (rc)
        return rc;
    cg_subidx *x = calloc(1, sizeof *x);
    if (!x)
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", db_path);
    cg_path cachep;
    cg_path_init(&cachep);
    cg_path_add(&cachep, "%s.cgidx", db_path);
    if (cachep.overflow) {
        free(x);
        return cg_err_set(err, CG_ERUNTIME, "%s: path too long", db_path);
    }
    const char *cache = cachep.s;
    int fd = open(cache, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
        int ok = idx_adopt(x, fd, &f);
        close(fd);
        if (ok) {
            x->db_hash = f.hash;
            *out = x;
            return CG_OK;
        }
    }
    if ((rc = idx_build(db_path, cache, &f, &fd, err))) {
        free(x);
        return rc;
    }
    int ok = idx_adopt(x, fd, &f);
    close(fd);
    if (!ok) {
        free(x);
        return cg_err_set(err, CG_ERUNTIME, "%s: the index just built does not check out", cache);
    }
    x->db_hash = f.hash;
    *out = x;
    return CG_OK;
}

void cg_subidx_close(cg_subidx *x)
{
    if (!x)
        return;
    munmap(x->map, x->len);
    free(x);
}

uint64_t cg_subidx_db_hash(const cg_subidx *x)
{
    return x->db_hash;
}

uint64_t cg_subidx_count(const cg_subidx *x)
{
    return x->n;
}

uint64_t cg_subidx_msisdn(const cg_subidx *x, uint64_t i)
{
    return i < x->n ? x->msisdn[i] : 0;
}

uint64_t cg_subidx_find(const cg_subidx *x, uint64_t msisdn)
{
    uint64_t lo = 0, hi = x->n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (x->msisdn[mid] < msisdn)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < x->n && x->msisdn[lo] == msisdn ? lo : UINT64_MAX;
}

/* Index of the last interval of MSISDN i starting at or before t, or
 * UINT64_MAX when t is before its first event. */
static uint64_t iv_at(const cg_subidx *x, uint64_t i, int64_t t)
{
    uint64_t b = x->start[i], lo = b, hi = x->start[i + 1];
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (x->iv[mid].from <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == b ? UINT64_MAX : lo - 1;
}

static void fill_id(const cg_subidx *x, uint64_t i, uint64_t k, cg_ident *id)
{
    const idx_iv *v = &x->iv[k];
    id->msisdn = x->msisdn[i];
    id->imsi = v->imsi;
    id->imei = v->imei;
    id->mccmnc = v->mccmnc;
}

int cg_subidx_lookup(const cg_subidx *x, uint64_t i, int64_t t_ms, cg_ident *id)
{
    if (i >= x->n)
        return 0;
    uint64_t k = iv_at(x, i, t_ms);
    if (k == UINT64_MAX || !(x->iv[k].flags & IV_HELD))
        return 0;
    fill_id(x, i, k, id);
    return 1;
}

int cg_subidx_held_between(const cg_subidx *x, uint64_t i, int64_t t0, int64_t t1)
{
    if (i >= x->n || t0 >= t1)
        return 0;
    uint64_t k = iv_at(x, i, t0), e = x->start[i + 1];
    if (k == UINT64_MAX)
        k = x->start[i];
    for (; k < e && x->iv[k].from < t1; k++) {
        /* zero-length intervals (two events at one instant) hold nothing */
        int64_t lo = x->iv[k].from > t0 ? x->iv[k].from : t0;
        int64_t hi = k + 1 < e && x->iv[k + 1].from < t1 ? x->iv[k + 1].from : t1;
        if ((x->iv[k].flags & IV_HELD) && lo < hi)
            return 1;
    }
    return 0;
}

int cg_subidx_steady(const cg_subidx *x, uint64_t i, int64_t t0, int64_t t1, cg_ident *id)
{
    if (i >= x->n || t0 >= t1)
        return 0;
    uint64_t k = iv_at(x, i, t0);
    if (k == UINT64_MAX || !(x->iv[k].flags & IV_HELD))
        return 0;
    if (k + 1 < x->start[i + 1] && x->iv[k + 1].from < t1)
        return 0; /* something changes before t1 */
    fill_id(x, i, k, id);
    return 1;
}

/* The first instant >= t at which MSISDN i's holding ends in a gap
 * (sim 0: a release) or goes on with another IMSI (sim 1: a SIM change). */
static int64_t next_change(const cg_subidx *x, uint64_t i, int64_t t, int sim)
{
    if (i >= x->n)
        return -1;
    uint64_t k = iv_at(x, i, t), e = x->start[i + 1];
    if (k == UINT64_MAX)
        k = x->start[i];
    for (; k + 1 < e; k++) {
        const idx_iv *a = &x->iv[k], *b = &x->iv[k + 1];
        if (!(a->flags & IV_HELD) || b->from < t || b->from <= a->from)
            continue;
        if (sim ? (b->flags & IV_HELD) && b->imsi != a->imsi : !(b->flags & IV_HELD))
            return b->from;
    }
    return -1;
}

int64_t cg_subidx_next_release(const cg_subidx *x, uint64_t i, int64_t t)
{
    return next_change(x, i, t, 0);
}

int64_t cg_subidx_next_sim_change(const cg_subidx *x, uint64_t i, int64_t t)
{
    return next_change(x, i, t, 1);
}

static int64_t ids_next_sim(void *ctx, uint64_t i, int64_t t)
{
    return cg_subidx_next_sim_change(ctx, i, t);
}

static int64_t ids_release(void *ctx, uint64_t i, int64_t t)
{
    return cg_subidx_next_release(ctx, i, t);
}

static int ids_steady(void *ctx, uint64_t i, int64_t t0, int64_t t1, cg_ident *id)
{
    return cg_subidx_steady(ctx, i, t0, t1, id);
}

static int ids_held(void *ctx, uint64_t i, int64_t t0, int64_t t1)
{
    return cg_subidx_held_between(ctx, i, t0, t1);
}

static uint64_t ids_count(void *ctx)
{
    return cg_subidx_count(ctx);
}

static uint64_t ids_msisdn(void *ctx, uint64_t i)
{
    return cg_subidx_msisdn(ctx, i);
}

static int ids_lookup(void *ctx, uint64_t i, int64_t t_ms, cg_ident *id)
{
    return cg_subidx_lookup(ctx, i, t_ms, id);
}

static uint64_t ids_find(void *ctx, uint64_t msisdn)
{
    return cg_subidx_find(ctx, msisdn);
}

void cg_subidx_idsource(cg_subidx *x, cg_idsource *out)
{
    out->ctx = x;
    out->count = ids_count;
    out->msisdn = ids_msisdn;
    out->lookup = ids_lookup;
    out->find = ids_find;
    out->steady = ids_steady;
    out->held = ids_held;
    out->release = ids_release;
    out->next_sim = ids_next_sim;
}

int cg_subidx_stats(const cg_subidx *x, uint64_t *intervals, uint64_t *bytes)
{
    if (intervals)
        *intervals = x->m;
    if (bytes)
        *bytes = x->len;
    return CG_OK;
}
