/* A stop request: SIGINT/SIGTERM set it (the CLI's handler stores the signal
 * number); every long loop, in any layer, polls it and returns CG_ERUNTIME
 * "interrupted" so that its caller removes its temporary files. It is the one
 * process-wide value that changes, and the only thing a signal handler
 * touches: a lock-free atomic int. */
#ifndef CG_STOP_H
#define CG_STOP_H

#include <stdatomic.h>
#include "core/err.h"

extern _Atomic int cg_stop_signal; /* 0, or the signal that asked to stop */

static inline int cg_stop_requested(void)
{
    return atomic_load_explicit(&cg_stop_signal, memory_order_relaxed) != 0;
}

/* CG_ERUNTIME "interrupted" into err (the CLI words it with the signal). */
int cg_stop_err(cg_err *err);

#endif
