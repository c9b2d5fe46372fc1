/* The system tz database, the one place cdrgen touches it as files and the
 * process environment: core/tzday only calls localtime_r on the zone loaded
 * here, which reads no file and no variable after tzset(). */
#ifndef CG_TZDB_H
#define CG_TZDB_H

#include "core/err.h"

/* 1 when NAME is a zone of the system tz database (a TZif file under $TZDIR
 * or /usr/share/zoneinfo; no "..", no leading '/'), else 0. */
int cg_tz_valid(const char *name);

/* Sets TZ for the whole process and calls tzset(). Process-wide because
 * libc's localtime_r knows only one zone: call once, before any thread
 * starts (the threads then only read the loaded zone). CG_EUSAGE naming --tz
 * when NAME is not a zone of the system tz database. */
int cg_tz_use(const char *name, cg_err *err);

#endif
