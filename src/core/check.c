/* CG_ASSERT's failure path (see check.h). */
#include "core/check.h"

#include <stdio.h>
#include <stdlib.h>

void cg_assert_fail(const char *cond, const char *file, int line)
{
    fprintf(stderr, "cdrgen: internal error at %s:%d: %s (please report this)\n", file, line,
            cond);
    fflush(stderr);
    abort();
}
