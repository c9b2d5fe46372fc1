/* Error convention shared by every module: functions return an int code
 * (CG_OK, CG_ERUNTIME, CG_EUSAGE) and fill a cg_err with one human line
 * naming what and where. Only the CLI prints it and maps it to the exit code. */
#ifndef CG_ERR_H
#define CG_ERR_H

#include <stddef.h>

enum {
    CG_OK = 0,
    CG_ERUNTIME = 1, /* I/O failure, corrupt input file: exit 1 */
    CG_EUSAGE = 2    /* bad flag, bad configuration: exit 2 */
};

typedef struct cg_err {
    int code;
    char msg[768];
} cg_err;

/* Sets err (if not NULL) and returns code, so callers can write
 * `return cg_err_set(err, CG_EUSAGE, "--days: ...");`. */
int cg_err_set(cg_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like cg_err_set, appending ": strerror(errnum)". */
int cg_err_errno(cg_err *err, int code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

void cg_err_clear(cg_err *err);

#endif
