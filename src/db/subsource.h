/* One streaming interface over both forms of the subscriber database, chosen
 * by file extension (.csv or .arrow): a source yielding events in file order
 * with their row numbers, and a sink writing them (temp file + rename). */
#ifndef CG_SUBSOURCE_H
#define CG_SUBSOURCE_H

#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "core/subevent.h"

enum cg_subfmt { CG_SUBFMT_CSV = 1, CG_SUBFMT_ARROW = 2 };

/* Sets *fmt from the extension of path; CG_EUSAGE naming path otherwise. */
int cg_subfmt_of(const char *path, int *fmt, cg_err *err);

typedef struct cg_subsrc cg_subsrc;

/* Opens path (.csv or .arrow; anything else CG_EUSAGE; unreadable or corrupt
 * CG_ERUNTIME). */
int cg_subsrc_open(cg_subsrc **s, const char *path, cg_err *err);
/* Next event in file order; *has = 0 at the end. */
int cg_subsrc_next(cg_subsrc *s, cg_sub_event *ev, int *has, cg_err *err);
/* Row number of the event last returned, 1 = first data row. */
uint64_t cg_subsrc_row(const cg_subsrc *s);
/* Number of rows when the format knows it up front (Arrow), else 0. */
uint64_t cg_subsrc_rows_hint(const cg_subsrc *s);
const char *cg_subsrc_path(const cg_subsrc *s);
void cg_subsrc_close(cg_subsrc *s);

typedef struct cg_subsink cg_subsink;

int cg_subsink_open(cg_subsink **k, const char *path, cg_err *err);
int cg_subsink_add(cg_subsink *k, const cg_sub_event *ev, size_t n, cg_err *err);
/* Finishes and renames into place; frees k either way. */
int cg_subsink_close(cg_subsink *k, cg_err *err);
/* Drops the temporary output; NULL is fine. */
void cg_subsink_abort(cg_subsink *k);

#endif
