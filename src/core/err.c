/* One place that formats error messages (see err.h). */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A message quotes user input (YAML keys, CSV fields, file names), which may
 * hold line breaks or other control bytes; the message must stay one line,
 * so each such byte becomes '?'. */
static void one_line(char *msg)
{
    for (unsigned char *p = (unsigned char *)msg; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            *p = '?';
}

void cg_err_fmt(cg_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        one_line(err->msg);
        err->code = code;
    }
}

void cg_err_fmt_errno(cg_err *err, int code, int errnum, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        if (n < 0)
            n = 0;
        if ((size_t)n < sizeof err->msg)
            snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s", strerror(errnum));
        one_line(err->msg);
        err->code = code;
    }
}

void cg_err_clear(cg_err *err)
{
    if (err) {
        err->code = CG_OK;
        err->msg[0] = '\0';
    }
}
