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

/* Fill err (if not NULL) with code and the message. Call them through
 * the macros below. */
void cg_err_fmt(cg_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void cg_err_fmt_errno(cg_err *err, int code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* cg_err_set(err, code, fmt, ...) sets err and evaluates to code, so that
 * `return cg_err_set(err, CG_EUSAGE, "--days: ...");` reads as it does and
 * an analyzer sees the value returned (a macro, not a call it cannot look
 * into). `code` is a constant at every call (evaluated twice). */
static inline int cg_err_code_(int code)
{
    return code;
}
#define cg_err_set(err, code, ...) cg_err_code_((cg_err_fmt((err), (code), __VA_ARGS__), (code)))
/* Like cg_err_set, appending ": strerror(errnum)". */
#define cg_err_errno(err, code, errnum, ...) \
    cg_err_code_((cg_err_fmt_errno((err), (code), (errnum), __VA_ARGS__), (code)))

/* Forwards a failure: evaluates expr (an int code) and returns it from the
 * calling function unless it is CG_OK (zstd's FORWARD_IF_ERROR). */
#define CG_TRY(expr)                  \
    do {                              \
        int cg_try_rc_ = (expr);      \
        if (cg_try_rc_ != CG_OK)      \
            return cg_try_rc_;        \
    } while (0)

void cg_err_clear(cg_err *err);

#endif
