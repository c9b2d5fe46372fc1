/* The 22-column CDR text format of SPEC 2: header line and one row per
 * record, semicolon-separated, '\n' line ends. */
#ifndef CG_CDRFMT_H
#define CG_CDRFMT_H

#include <stddef.h>
#include "core/synth.h"

/* Longest row the formatter can produce (all numbers at 20 digits). */
#define CG_CDR_MAX_ROW 640

extern const char CG_CDR_HEADER[];
extern const size_t CG_CDR_HEADER_LEN;

/* Formatter state of one thread: the zone name, and the text of the last
 * owner identity and MSISDNs, which repeat across a subscriber's rows. */
typedef struct cg_cdrfmt {
    char tz[128];
    size_t tz_len;
    uint64_t own_imsi, own_imei;
    uint32_t own_mccmnc;
    size_t own_len;
    char own[64];          /* "mccmnc;imsi;imei;" */
    uint64_t ts_hi;        /* cached leading digits of timestamps (ms / 10^8) */
    size_t ts_hi_len;
    char ts_hi_s[24];
    uint64_t num[2];       /* cached MSISDNs (0 = none) */
    unsigned char num_len[2];
    char num_s[2][24];
} cg_cdrfmt;

void cg_cdrfmt_init(cg_cdrfmt *f, const char *tz_name);

/* Writes one row (with '\n') at out, which must have CG_CDR_MAX_ROW bytes
 * free (the formatter copies fixed-size blocks past the row's end); returns
 * its length. */
size_t cg_cdr_format(cg_cdrfmt *f, const cg_rec *r, char *out);

/* Writes decimal v at out, returns the number of characters. */
size_t cg_fmt_u64(char *out, uint64_t v);
/* A digit-string number (core/ident.h) with at least width digits (leading
 * zeros): its string. Returns the length. */
size_t cg_fmt_dnum(char *out, uint64_t x, int width);

#endif
