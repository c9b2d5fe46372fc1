/* The cell catalog: N towers placed uniformly over a disc, each with a radio
 * access technology. A pure function of (n, centre, radius, seed), so every
 * run, worker and shard sees the same catalog without sharing state. */
#ifndef CG_CELLS_H
#define CG_CELLS_H

#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

enum cg_rat { CG_RAT_WCDMA = 0, CG_RAT_LTE = 1, CG_RAT_NR = 2 };

/* Cell ids are 1..n; arrays are indexed by id - 1. by_rat[r] lists the ids
 * whose RAT is r, ascending, n_by_rat[r] of them. */
typedef struct cg_cells {
    int n;
    double *lat, *lon;
    uint8_t *rat;
    int *by_rat[3];
    int n_by_rat[3];
} cg_cells;

/* Names as written in cells.csv and the CDR rat column. */
const char *cg_rat_name(int rat);

/* Builds the catalog. CG_EUSAGE naming --cells / --cell-center /
 * --cell-radius-km on out-of-range input; CG_ERUNTIME if out of memory.
 * On failure *c is left empty (safe to cg_cells_free). */
int cg_cells_build(cg_cells *c, int n, double center_lat, double center_lon, double radius_km,
                   uint64_t seed, cg_err *err);

void cg_cells_free(cg_cells *c);

/* The cells.csv text: header "cell_id,lat,lon,rat" and one row per cell,
 * lat/lon with 6 decimals. *out is malloc'd and NUL-terminated; returns its
 * length, or 0 with *out = NULL if out of memory. */
size_t cg_cells_csv(const cg_cells *c, char **out);

#endif
