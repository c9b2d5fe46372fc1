/* Arrow IPC *file* format for the subscriber database (SPEC §5): a
 * streaming writer (one record batch buffered, write-then-rename) and a
 * memory-mapped reader that validates the whole file up front, so that
 * row access afterwards needs no checks. Fixed schema:
 *   timestamp_ms Int64, event_type UInt8, imsi UInt64, msisdn UInt64?,
 *   imei UInt64?, mccmnc UInt32   (? = nullable; null reads as 0). */
#ifndef CG_ARROW_H
#define CG_ARROW_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/subevent.h"

/* Rows per record batch written (readers accept any batch size). */
#define CG_ARROW_BATCH_ROWS 100000

typedef struct cg_arrow_writer cg_arrow_writer;

/* Creates a temp file beside path and writes the magic and Schema message. */
int cg_arrow_writer_open(cg_arrow_writer **w, const char *path, cg_err *err);
/* Buffers rows; emits a record batch every CG_ARROW_BATCH_ROWS rows.
 * msisdn/imei 0 are written as nulls. */
int cg_arrow_writer_add(cg_arrow_writer *w, const cg_sub_event *ev, size_t n, cg_err *err);
/* Last batch, EOS marker, footer, magic; renames to path; frees w (also on
 * failure, after removing the temp file). */
int cg_arrow_writer_close(cg_arrow_writer *w, cg_err *err);
/* Removes the temp file and frees w (NULL is fine). */
void cg_arrow_writer_abort(cg_arrow_writer *w);

typedef struct cg_arrow_reader cg_arrow_reader;

/* mmaps path and validates footer, schema and every batch (CG_ERUNTIME with
 * one line naming the file and the problem). */
int cg_arrow_reader_open(cg_arrow_reader **r, const char *path, cg_err *err);
/* Same checks on a caller buffer, which must outlive the reader; name is
 * used in messages. */
int cg_arrow_reader_open_mem(cg_arrow_reader **r, const void *buf, size_t len, const char *name,
                             cg_err *err);
uint64_t cg_arrow_reader_rows(const cg_arrow_reader *r);
size_t cg_arrow_reader_nbatches(const cg_arrow_reader *r);
uint64_t cg_arrow_reader_batch_rows(const cg_arrow_reader *r, size_t b);
/* Global index of the first row of batch b (sum of earlier batch sizes). */
uint64_t cg_arrow_reader_batch_first_row(const cg_arrow_reader *r, size_t b);
/* Row `row` of batch b (both must be in range); nulls read as 0. */
void cg_arrow_reader_get(const cg_arrow_reader *r, size_t b, uint64_t row, cg_sub_event *ev);
void cg_arrow_reader_close(cg_arrow_reader *r);

#endif
