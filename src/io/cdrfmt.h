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

typedef struct cg_cdrfmt {
    char tz[128];
    size_t tz_len;
} cg_cdrfmt;

void cg_cdrfmt_init(cg_cdrfmt *f, const char *tz_name);

/* Writes one row (with '\n') at out, which must have CG_CDR_MAX_ROW bytes
 * free; returns its length. */
size_t cg_cdr_format(const cg_cdrfmt *f, const cg_rec *r, char *out);

/* Writes decimal v at out, returns the number of characters. */
size_t cg_fmt_u64(char *out, uint64_t v);

#endif
