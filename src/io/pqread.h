/* Reads a Parquet file cdrgen wrote (FORMAT.md section 11) back as the
 * lines of the CSV of the same rows: the header, then one line per row, the
 * text byte for byte what --format csv writes. io/cdrread hands .parquet
 * files here, so `cdrgen report` reads either format.
 *
 * It streams page set by page set (every column's k-th page of a row group
 * holds the same rows in our files), so memory is one row group's
 * compressed column chunks and one page set, whatever the file's size. A
 * file that is not ours (another schema, pages not aligned) is an error. */
#ifndef CG_PQREAD_H
#define CG_PQREAD_H

#include <stddef.h>

#include "core/err.h"

typedef struct cg_pqread cg_pqread;

int cg_pqread_open(cg_pqread **r, const char *path, cg_err *err);
/* The next line without '\n' (valid until the next call); *has = 0 at the
 * end. */
int cg_pqread_line(cg_pqread *r, const char **line, size_t *len, int *has, cg_err *err);
void cg_pqread_close(cg_pqread *r);

#endif
