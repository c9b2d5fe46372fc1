/* The stop request (see stop.h). */
#include "core/stop.h"

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "a signal handler may store into it");

_Atomic int cg_stop_signal;

int cg_stop_err(cg_err *err)
{
    return cg_err_set(err, CG_ERUNTIME, "interrupted");
}
