/* OUT/cells.csv: written once, atomically, by the first run into a directory
 * and checked byte for byte by every later run, so records of runs with
 * different cell settings never silently point at the wrong catalog. */
#ifndef CG_CELLSFILE_H
#define CG_CELLSFILE_H

#include "core/cells.h"
#include "core/err.h"

/* Creates OUT_DIR (and parents) if needed. If OUT_DIR/cells.csv is absent,
 * writes it under a temporary name and links/renames it into place; if it is
 * present and identical to cg_cells_csv(c), CG_OK; if it differs, CG_EUSAGE
 * saying what differs; unreadable or unwritable, CG_ERUNTIME naming it. */
int cg_cells_sync(const cg_cells *c, const char *out_dir, cg_err *err);

#endif
