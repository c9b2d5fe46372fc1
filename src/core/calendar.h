/* Civil dates as days since 1970-01-01 (conversions through libc's timegm /
 * gmtime_r). Pure: no files, no environment (the tz database is io/tzdb). */
#ifndef CG_CALENDAR_H
#define CG_CALENDAR_H

#include <stdint.h>

/* Parses a strict "YYYY-MM-DD" (real calendar date, years 1900..9999;
 * generate refuses dates before 1970-01-01 itself).
 * Returns 0 and sets *day, or -1. */
int cg_date_parse(const char *s, int32_t *day);

/* Writes "YYYY-MM-DD" (10 chars + NUL) into out. */
void cg_date_format(int32_t day, char out[11]);

/* 0 = Sunday .. 6 = Saturday */
int cg_date_weekday(int32_t day);

/* 1..12 */
int cg_date_month(int32_t day);


#endif
