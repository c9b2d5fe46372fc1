/* Where people live (MODEL.md "People"): the population density of the
 * areas (the same core, suburb and rural law the homes of the Places model
 * were drawn from) on a raster whose cells are listed in Hilbert-curve
 * order with their cumulative population. A quantile q in [0,1) names a
 * point of the region: consecutive quantiles are neighbours on the ground,
 * so a block of consecutive social positions is a compact patch of the
 * map (a household one spot, a neighbourhood a few streets, a district a
 * part of town), whatever the population. Read-only once built. */
#ifndef CG_POPMAP_H
#define CG_POPMAP_H

#include <stdint.h>

#include "core/cells.h"

typedef struct cg_popmap {
    double x0, y0, h;  /* south-west corner and raster cell size, km */
    int order;         /* the raster is 2^order x 2^order */
    uint32_t n;        /* populated raster cells */
    uint16_t *cx, *cy; /* their raster coordinates, in Hilbert order */
    double *cum;       /* cum[k]: population share of cells 0..k */
} cg_popmap;

/* 0, or -1 when out of memory (*m left empty, safe to free). */
int cg_popmap_build(cg_popmap *m, const cg_cells *c);
void cg_popmap_free(cg_popmap *m);

/* The point at population quantile q (0 <= q < 1), u and v placing it
 * inside its raster cell. */
void cg_popmap_point(const cg_popmap *m, double q, double u, double v, double *x, double *y);

#endif
