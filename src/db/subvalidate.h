/* Streaming validation of a subscriber database against the rules of SPEC 5
 * (order, formats, Luhn, who holds which MSISDN when). Memory grows with the
 * number of distinct IMSIs and MSISDNs, never with the number of events. */
#ifndef CG_SUBVALIDATE_H
#define CG_SUBVALIDATE_H

#include <stdint.h>
#include "core/err.h"
#include "core/subevent.h"
#include "db/subsource.h"

typedef struct cg_subval_stats {
    uint64_t events;
    uint64_t by_type[5];       /* indexed by enum cg_sub_event_type */
    uint64_t imsis, msisdns;   /* distinct values seen in accepted rows */
    uint64_t held;             /* MSISDNs held by an IMSI at the end */
    int64_t ts_min, ts_max;    /* meaningful when events > 0 */
    uint64_t errors;           /* rows that break a rule (one error per row) */
    uint64_t first_error_row;  /* 0 when none */
} cg_subval_stats;

/* Receives each of the first max_report errors, formatted
 * "FILE:ROW: rule broken (values)". */
typedef void (*cg_subval_report_fn)(void *ctx, const char *msg);

/* Reads src to the end. Returns CG_OK when the file could be read (the
 * verdict is st->errors == 0) or the source's error (CG_ERUNTIME) when it
 * could not be parsed. */
int cg_subval_run(cg_subsrc *src, cg_subval_stats *st, int max_report, cg_subval_report_fn fn,
                  void *ctx, cg_err *err);

/* Number of decimal digits of v (1 for 0). */
int cg_subval_ndigits(uint64_t v);

/* Field rules of one row (digit counts, Luhn, mccmnc = IMSI prefix, required
 * and forbidden empties). Returns 0, or 1 with the broken rule in msg. */
int cg_subval_check_fields(const cg_sub_event *e, char *msg, size_t cap);
/* Luhn check digit for a payload (e.g. the 14 digits TAC+serial of an IMEI). */
unsigned cg_subval_luhn_digit(uint64_t payload);
/* 1 when v has 15 digits and a valid Luhn check digit. */
int cg_subval_imei_ok(uint64_t v);

#endif
