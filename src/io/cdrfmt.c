/* CDR row formatting (see cdrfmt.h): the hot path of the generator, so it
 * writes digits two at a time and never calls printf. */
#include "io/cdrfmt.h"

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

size_t cg_fmt_u64(char *out, uint64_t v)
{
    char buf[24];
    char *p = buf + sizeof buf;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        p -= 2;
        p[0] = DIGITS2[d];
        p[1] = DIGITS2[d + 1];
    }
    if (v >= 10) {
        p -= 2;
        p[0] = DIGITS2[v * 2];
        p[1] = DIGITS2[v * 2 + 1];
    } else {
        *--p = (char)('0' + v);
    }
    size_t n = (size_t)(buf + sizeof buf - p);
    memcpy(out, p, n);
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

void cg_cdrfmt_init(cg_cdrfmt *f, const char *tz_name)
{
    size_t n = strlen(tz_name);
    if (n >= sizeof f->tz)
        n = sizeof f->tz - 1;
    memcpy(f->tz, tz_name, n);
    f->tz[n] = '\0';
    f->tz_len = n;
}

static const char *const TYPE_S[] = {"CALL;", "SMS;", "DATA;"};
static const unsigned char TYPE_L[] = {5, 4, 5};
static const char *const RECTYPE_S[] = {"mscVoiceRecord;", "sgsnSMORecord;", "sgsnSMTRecord;",
                                        "sgsnPDPRecord;", "pgwRecord;"};
static const unsigned char RECTYPE_L[] = {15, 14, 14, 14, 10};
static const char *const CAUSE_S[] = {"normalRelease;", "noAnswer;", "busy;", "failure;",
                                      "deliverySuccess;", "deliveryFailure;"};
static const unsigned char CAUSE_L[] = {14, 9, 5, 8, 16, 16};
static const char *const STATUS_S[] = {"SENT;", "DELIVERED;", "FAILED;"};
static const unsigned char STATUS_L[] = {5, 10, 7};
static const char *const APN_S[] = {"internet;", "ims;", "mms;"};
static const unsigned char APN_L[] = {9, 4, 4};
static const char *const RAT_S[] = {"WCDMA\n", "LTE\n", "NR\n"};
static const unsigned char RAT_L[] = {6, 4, 3};

size_t cg_cdr_format(const cg_cdrfmt *f, const cg_rec *r, char *out)
{
    char *p = out;
    memcpy(p, TYPE_S[r->type], TYPE_L[r->type]);
    p += TYPE_L[r->type];
    p += cg_fmt_u64(p, r->src);
    *p++ = ';';
    if (r->type != CG_REC_DATA)
        p += cg_fmt_u64(p, r->dst);
    *p++ = ';';
    if (r->dir == CG_DIR_MO)
        PUT("MO;");
    else
        PUT("MT;");
    p += fmt_i64(p, r->start_ms);
    *p++ = ';';
    p += fmt_i64(p, r->start_ms + (int64_t)r->dur_s * 1000);
    *p++ = ';';
    memcpy(p, f->tz, f->tz_len);
    p += f->tz_len;
    *p++ = ';';
    p += fmt_i64(p, r->tz_off);
    *p++ = ';';
    p += cg_fmt_u64(p, r->dur_s);
    *p++ = ';';
    p += cg_fmt_u64(p, r->mccmnc);
    *p++ = ';';
    p += cg_fmt_u64(p, r->imsi);
    *p++ = ';';
    p += cg_fmt_u64(p, r->imei);
    *p++ = ';';
    p += cg_fmt_u64(p, r->cell);
    *p++ = ';';
    memcpy(p, RECTYPE_S[r->rectype], RECTYPE_L[r->rectype]);
    p += RECTYPE_L[r->rectype];
    memcpy(p, CAUSE_S[r->cause], CAUSE_L[r->cause]);
    p += CAUSE_L[r->cause];
    switch (r->type) {
    case CG_REC_CALL:
        PUT(";;;;;;\n");
        break;
    case CG_REC_SMS:
        *p++ = (char)('0' + r->sms_seg);
        *p++ = ';';
        memcpy(p, STATUS_S[r->sms_status], STATUS_L[r->sms_status]);
        p += STATUS_L[r->sms_status];
        PUT(";;;;\n");
        break;
    default:
        PUT(";;");
        p += cg_fmt_u64(p, r->up);
        *p++ = ';';
        p += cg_fmt_u64(p, r->down);
        *p++ = ';';
        p += cg_fmt_u64(p, r->dur_s);
        *p++ = ';';
        memcpy(p, APN_S[r->apn], APN_L[r->apn]);
        p += APN_L[r->apn];
        memcpy(p, RAT_S[r->rat], RAT_L[r->rat]);
        p += RAT_L[r->rat];
        break;
    }
    return (size_t)(p - out);
}
