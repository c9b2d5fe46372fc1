/* CSV form of the subscriber database (SPEC 5): a streaming writer that
 * writes under a temporary name and renames on close, and a streaming strict
 * reader whose errors read `FILE:ROW: column: what` (row 1 = first data row). */
#ifndef CG_SUBCSV_H
#define CG_SUBCSV_H

#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "core/subevent.h"

#define CG_SUBCSV_HEADER "timestamp_ms,event_type,imsi,msisdn,imei,mccmnc"

/* Longest formatted row, newline included (5 numbers of <= 20 chars,
 * the longest event name, 5 commas). */
#define CG_SUBCSV_ROW_MAX 128

/* "NEW_SUBSCRIBER" .. "ASSIGN_NUMBER"; NULL for an unknown code. */
const char *cg_subcsv_type_name(int type);

/* Code of an event name of length n, or -1 when unknown. */
int cg_subcsv_type_parse(const char *s, size_t n);

/* Formats one row with its '\n' into buf (>= CG_SUBCSV_ROW_MAX bytes);
 * returns its length. Null msisdn/imei (0) become empty fields. */
size_t cg_subcsv_format(char *buf, const cg_sub_event *ev);

/* Parses one row (without its line end) into ev. On failure returns
 * CG_ERUNTIME with "FILE:ROW: column: what" built from file and row. */
int cg_subcsv_parse(const char *line, size_t len, cg_sub_event *ev, const char *file,
                    uint64_t row, cg_err *err);

typedef struct cg_subcsv_writer cg_subcsv_writer;

/* Creates a temporary file beside path and writes the header to it. */
int cg_subcsv_writer_open(cg_subcsv_writer **w, const char *path, cg_err *err);
int cg_subcsv_writer_add(cg_subcsv_writer *w, const cg_sub_event *ev, size_t n, cg_err *err);
/* Flushes, fsyncs and renames the temporary file to path; frees w either way
 * (on failure the temporary file is removed). */
int cg_subcsv_writer_close(cg_subcsv_writer *w, cg_err *err);
/* Removes the temporary file and frees w; NULL is fine. */
void cg_subcsv_writer_abort(cg_subcsv_writer *w);

typedef struct cg_subcsv_reader cg_subcsv_reader;

/* Opens path and checks the header line. */
int cg_subcsv_reader_open(cg_subcsv_reader **r, const char *path, cg_err *err);
/* Next event in file order; *has = 0 at the end of the file. */
int cg_subcsv_reader_next(cg_subcsv_reader *r, cg_sub_event *ev, int *has, cg_err *err);
/* Row number of the event last returned (1 = first data row). */
uint64_t cg_subcsv_reader_row(const cg_subcsv_reader *r);
void cg_subcsv_reader_close(cg_subcsv_reader *r);

#endif
