/* What a SIGBUS means here: a file we map (a database, an index) shrank
 * underneath us, which no check can see coming. The CLI's SIGBUS handler
 * calls cg_mapguard_fatal: it names the file whose mapping holds the faulting
 * address, removes every temporary file still open (cg_afile registers
 * them), and _exits 1 -- one line, nothing half-written left, never a bare
 * "Bus error". Everything here is async-signal-safe. */
#ifndef CG_MAPGUARD_H
#define CG_MAPGUARD_H

#include <stddef.h>

/* Registers [base, base+len) as a mapping of path (which must outlive it). */
void cg_mapguard_watch(const void *base, size_t len, const char *path);
void cg_mapguard_unwatch(const void *base);

/* Temporary files to remove on a fatal signal (cg_afile's). */
void cg_mapguard_tmp_add(const char *tmp);
void cg_mapguard_tmp_del(const char *tmp);

/* From a SIGBUS handler: message, cleanup, _exit(1). */
void cg_mapguard_fatal(const void *addr);

#endif
