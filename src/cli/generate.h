/* Shared between cli/main.c (signal handlers) and cli/cmd_generate.c. */
#ifndef CG_GENERATE_H
#define CG_GENERATE_H

#include <signal.h>

/* Set by a signal handler: workers stop at the next block, temporary files
 * are removed, nothing half-written keeps a final name. */
extern volatile sig_atomic_t cg_generate_stop;

#endif
