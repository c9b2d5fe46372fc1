/* CDR row formatting (see cdrfmt.h): the hot path of the generator, so it
 * writes digits two at a time and never calls printf. */
#include "io/cdrfmt.h"
#include "core/ident.h"

#include <string.h>

const char CG_CDR_HEADER[] =
    "event_type;msisdn_src;msisdn_dst;direction;start_ts_ms;end_ts_ms;tz_name;"
    "tz_offset_min;duration_sec;mccmnc;imsi;imei;cell_id;record_type;"
    "cause_for_record_closing;sms_segments;sms_status;data_bytes_in;data_bytes_out;"
    "data_duration_sec;apn;rat\n";
const size_t CG_CDR_HEADER_LEN = sizeof CG_CDR_HEADER - 1;

static const char DIGITS2[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Exactly 8 digits of v < 10^8, with 32-bit arithmetic only. */
static inline void put8(char *p, uint32_t v)
{
    uint32_t a = v / 10000, b = v % 10000;
    memcpy(p, DIGITS2 + (a / 100) * 2, 2);
    memcpy(p + 2, DIGITS2 + (a % 100) * 2, 2);
    memcpy(p + 4, DIGITS2 + (b / 100) * 2, 2);
    memcpy(p + 6, DIGITS2 + (b % 100) * 2, 2);
}

/* Shortest decimal of v < 10^8. */
static inline size_t put_small(char *out, uint32_t v)
{
    int n = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 :
            v < 1000000 ? 6 : v < 10000000 ? 7 : 8;
    char *p = out + n;
    while (v >= 100) {
        uint32_t d = (v % 100) * 2;
        v /= 100;
        p -= 2;
        memcpy(p, DIGITS2 + d, 2);
    }
    if (v >= 10) {
        p -= 2;
        memcpy(p, DIGITS2 + v * 2, 2);
    } else {
        *--p = (char)('0' + v);
    }
    return (size_t)n;
}

size_t cg_fmt_dnum(char *out, uint64_t x, int width)
{
    if (x <= CG_DNUM_MASK) { /* untagged, the common case: no digit count */
        size_t n = cg_fmt_u64(out, x);
        if (n >= (size_t)width)
            return n;
        size_t pad = (size_t)width - n;
        memmove(out + pad, out, n);
        memset(out, '0', pad);
        return (size_t)width;
    }
    int len = cg_dnum_len(x);
    uint64_t v = cg_dnum_value(x);
    if (width < len)
        width = len;
    int d = cg_digits(v);
    size_t pad = width > d ? (size_t)(width - d) : 0;
    memset(out, '0', pad);
    return pad + cg_fmt_u64(out + pad, v);
}

size_t cg_fmt_u64(char *out, uint64_t v)
{
    /* Split into 8-digit groups so that all but one division is 32-bit:
     * timestamps, IMSIs and IMEIs (13-15 digits) cost two groups. */
    if (v < 100000000ULL)
        return put_small(out, (uint32_t)v);
    uint64_t hi = v / 100000000ULL;
    uint32_t lo = (uint32_t)(v - hi * 100000000ULL);
    size_t n;
    if (hi < 100000000ULL) {
        n = put_small(out, (uint32_t)hi);
    } else {
        uint64_t top = hi / 100000000ULL;
        n = put_small(out, (uint32_t)top);
        put8(out + n, (uint32_t)(hi - top * 100000000ULL));
        n += 8;
    }
    put8(out + n, lo);
    return n + 8;
}

/* A row's number: the shortest decimal of v, without a branch on its
 * length (a row's durations, cells and byte counts have any length, which
 * a branch would mispredict): eight digits made, the last n moved. Writes
 * up to 8 bytes at out, which a row has room for (CG_CDR_MAX_ROW). */
static inline size_t put_num(char *out, uint64_t v)
{
    if (v >= 100000000u)
        return cg_fmt_u64(out, v);
    uint32_t x = (uint32_t)v;
    size_t n = 1u + (x >= 10u) + (x >= 100u) + (x >= 1000u) + (x >= 10000u) + (x >= 100000u) +
               (x >= 1000000u) + (x >= 10000000u);
    char t[16] = {0};
    put8(t, x);
    memcpy(out, t + 8 - n, 8);
    return n;
}

static size_t fmt_i64(char *out, int64_t v)
{
    if (v < 0) {
        out[0] = '-';
        return 1 + cg_fmt_u64(out + 1, (uint64_t)0 - (uint64_t)v);
    }
    return cg_fmt_u64(out, (uint64_t)v);
}

#define PUT(s)                                                                 \
    do {                                                                       \
        memcpy(p, s, sizeof(s) - 1);                                           \
        p += sizeof(s) - 1;                                                    \
    } while (0)

/* Copies a 16-byte padded string block and advances by its real length:
 * a fixed-size memcpy compiles to two moves, no call. */
#define PUT16(tab, lens, i)                                                    \
    do {                                                                       \
        memcpy(p, tab[i], 16);                                                 \
        p += lens[i];                                                          \
    } while (0)

void cg_cdrfmt_init(cg_cdrfmt *f, const char *tz_name)
{
    memset(f, 0, sizeof *f);
    size_t n = strlen(tz_name);
    if (n >= sizeof f->tz)
        n = sizeof f->tz - 1;
    memcpy(f->tz, tz_name, n);
    f->tz_len = n;
}

static const char TYPE_S[][16] = {"CALL;", "SMS;", "DATA;"};
static const unsigned char TYPE_L[] = {5, 4, 5};
static const char RECTYPE_S[][16] = {"mscVoiceRecord;", "sgsnSMORecord;", "sgsnSMTRecord;",
                                     "sgsnPDPRecord;", "pgwRecord;"};
static const unsigned char RECTYPE_L[] = {15, 14, 14, 14, 10};
static const char CAUSE_S[][32] = {"normalRelease;", "noAnswer;", "busy;", "failure;",
                                   "deliverySuccess;", "deliveryFailure;"};
static const unsigned char CAUSE_L[] = {14, 9, 5, 8, 16, 16};
static const char STATUS_S[][16] = {"SENT;", "DELIVERED;", "FAILED;"};
static const unsigned char STATUS_L[] = {5, 10, 7};
static const char APN_S[][16] = {"internet;", "ims;", "mms;"};
static const unsigned char APN_L[] = {9, 4, 4};
static const char RAT_S[][16] = {"WCDMA\n", "LTE\n", "NR\n"};
static const unsigned char RAT_L[] = {6, 4, 3};

/* A timestamp in ms: all of a day's timestamps share their digits above
 * 10^8 ms (27.8 hours), so those come from a cache and only the low eight
 * digits are converted. */
static char *put_ts(cg_cdrfmt *f, char *p, int64_t v)
{
    if (v < 100000000) {
        p += fmt_i64(p, v);
        return p;
    }
    uint64_t hi = (uint64_t)v / 100000000ULL;
    if (hi != f->ts_hi || !f->ts_hi_len) {
        f->ts_hi = hi;
        f->ts_hi_len = cg_fmt_u64(f->ts_hi_s, hi);
    }
    memcpy(p, f->ts_hi_s, 16);
    p += f->ts_hi_len;
    put8(p, (uint32_t)((uint64_t)v - hi * 100000000ULL));
    return p + 8;
}

/* A MSISDN through a two-entry cache: one side of most rows is the owner. */
static char *put_msisdn(cg_cdrfmt *f, char *p, uint64_t v)
{
    for (int k = 0; k < 2; k++)
        if (f->num[k] == v) {
            memcpy(p, f->num_s[k], 24);
            return p + f->num_len[k];
        }
    int k = f->num[0] == 0 ? 0 : 1;
    if (k == 1) { /* keep the newest in slot 1, the previous in slot 0 */
        f->num[0] = f->num[1];
        f->num_len[0] = f->num_len[1];
        memcpy(f->num_s[0], f->num_s[1], 24);
    }
    f->num[k] = v;
    f->num_len[k] = (unsigned char)cg_fmt_dnum(f->num_s[k], v, 0);
    memcpy(p, f->num_s[k], 24);
    return p + f->num_len[k];
}

size_t cg_cdr_format(cg_cdrfmt *f, const cg_rec *r, char *out)
{
    char *p = out;
    PUT16(TYPE_S, TYPE_L, r->type);
    p = put_msisdn(f, p, r->src);
    *p++ = ';';
    if (r->type != CG_REC_DATA)
        p = put_msisdn(f, p, r->dst);
    *p++ = ';';
    if (r->dir == CG_DIR_MO)
        PUT("MO;");
    else
        PUT("MT;");
    p = put_ts(f, p, r->start_ms);
    *p++ = ';';
    p = put_ts(f, p, r->end_ms ? r->end_ms : r->start_ms + (int64_t)r->dur_s * 1000);
    *p++ = ';';
    memcpy(p, f->tz, sizeof f->tz);
    p += f->tz_len;
    *p++ = ';';
    if (r->tz_off < 0) {
        *p++ = '-';
        p += put_num(p, (uint64_t)(-(int64_t)r->tz_off));
    } else {
        p += put_num(p, (uint64_t)r->tz_off);
    }
    *p++ = ';';
    p += put_num(p, r->dur_s);
    *p++ = ';';
    if (r->imsi != f->own_imsi || r->imei != f->own_imei || r->mccmnc != f->own_mccmnc ||
        !f->own_len) {
        char *q = f->own;
        q += cg_fmt_dnum(q, r->mccmnc, 5); /* always 5 digits, 15 for an IMEI */
        *q++ = ';';
        q += cg_fmt_dnum(q, r->imsi, 0);
        *q++ = ';';
        q += cg_fmt_dnum(q, r->imei, 15);
        *q++ = ';';
        f->own_len = (size_t)(q - f->own);
        f->own_imsi = r->imsi;
        f->own_imei = r->imei;
        f->own_mccmnc = r->mccmnc;
    }
    memcpy(p, f->own, sizeof f->own);
    p += f->own_len;
    p += put_num(p, r->cell);
    *p++ = ';';
    PUT16(RECTYPE_S, RECTYPE_L, r->rectype);
    memcpy(p, CAUSE_S[r->cause], 16);
    p += CAUSE_L[r->cause];
    switch (r->type) {
    case CG_REC_CALL:
        PUT(";;;;;;\n");
        break;
    case CG_REC_SMS:
        *p++ = (char)('0' + r->sms_seg);
        *p++ = ';';
        PUT16(STATUS_S, STATUS_L, r->sms_status);
        PUT(";;;;\n");
        break;
    default:
        PUT(";;");
        p += put_num(p, r->up);
        *p++ = ';';
        p += put_num(p, r->down);
        *p++ = ';';
        p += put_num(p, r->dur_s);
        *p++ = ';';
        PUT16(APN_S, APN_L, r->apn);
        PUT16(RAT_S, RAT_L, r->rat);
        break;
    }
    return (size_t)(p - out);
}
