/* Streaming reader of a CDR file as generate writes it (.csv, .csv.gz of
 * concatenated gzip members, .csv.zst of concatenated frames): line by
 * line in bounded memory, whatever the file's size. */
#ifndef CG_CDRREAD_H
#define CG_CDRREAD_H

#include <stddef.h>

#include "core/err.h"

typedef struct cg_cdrread cg_cdrread;

/* The codec follows the name's extension. CG_ERUNTIME naming the file. */
int cg_cdrread_open(cg_cdrread **r, const char *path, cg_err *err);
/* The next line without its '\n' (valid until the next call); *has = 0 at
 * the end. Corrupt data, a line over 64 KiB: CG_ERUNTIME. */
int cg_cdrread_line(cg_cdrread *r, const char **line, size_t *len, int *has, cg_err *err);
void cg_cdrread_close(cg_cdrread *r);

#endif
