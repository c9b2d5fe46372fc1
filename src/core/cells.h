/* The radio network (MODEL.md "Places"): sites laid over the populated
 * areas of the region with the density of their population (a dense core,
 * suburbs, a rural fringe), each with 1-3 sectors pointing at azimuths;
 * a sector is a cell with one radio access technology. Positions live in a
 * plane (km east, km north of the region's centre, azimuthal equidistant)
 * and are written as lat/lon. A pure function of (n, areas, seed), so every
 * run, worker and shard sees the same catalog without sharing state. A grid
 * index answers "which cell serves this point" without a scan. */
#ifndef CG_CELLS_H
#define CG_CELLS_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

/* The population law of an area of radius R (cells.c): a share
 * cg_cells_pop_w[0] uniform over a core disc of CG_CELLS_CORE_R x R,
 * [1] suburbs at radius ~ Gamma(2, CG_CELLS_SUBURB_L x R), [2] uniform out
 * to R. */
#define CG_CELLS_CORE_R 0.10
#define CG_CELLS_SUBURB_L 0.15
extern const double cg_cells_pop_w[3];

enum cg_rat { CG_RAT_WCDMA = 0, CG_RAT_LTE = 1, CG_RAT_NR = 2 };

/* Zones of an area, by distance from its centre. */
enum cg_zone { CG_ZONE_CORE = 0, CG_ZONE_SUBURB = 1, CG_ZONE_RURAL = 2 };

/* Sites of one subset (all, or those with a cell of one RAT) on a grid. */
typedef struct cg_sitegrid {
    int n;            /* sites in the subset */
    double x0, y0, g; /* origin and cell size, km */
    int nx, ny;
    int *start;       /* nx*ny + 1 offsets into ids */
    int *ids;         /* site indices, grouped by grid cell */
    int *cstart;      /* nx*ny + 1 offsets into cand */
    int *cand;        /* per grid cell: every site that can be among the
                         CG_CELLS_KNN nearest of a point of the cell */
    int *csub;        /* nx*ny: -1, or a crowded cell's first offset in sstart */
    int *sstart;      /* per crowded cell, CG_GRID_SUB^2 + 1 offsets into scand */
    int *scand;       /* the lists of the crowded cells' sub-cells */
} cg_sitegrid;
/* A cell whose list is longer than CG_GRID_SPLIT is cut into CG_GRID_SUB x
 * CG_GRID_SUB sub-cells with lists of their own. */
#define CG_GRID_SPLIT 12
#define CG_GRID_SUB 4

/* Cell ids are 1..n; per-cell arrays are indexed by id - 1. by_rat[r] lists
 * the ids whose RAT is r, ascending, n_by_rat[r] of them. */
typedef struct cg_cells {
    int n;
    double *lat, *lon; /* the cell's site */
    uint8_t *rat;
    int *by_rat[3];
    int n_by_rat[3];
    int *site;         /* 0-based site of each cell */
    uint16_t *azimuth; /* degrees clockwise from north, 0..359 */
    double *az_e, *az_n; /* its direction: sin and cos of the azimuth */
    uint8_t *area;     /* index into area_name */
    uint16_t *lac;     /* location / tracking area code */
    /* sites */
    int nsites;
    double *sx, *sy;   /* km in the plane */
    int *site_first, *site_ncells; /* its cells: ids site_first+1 .. +ncells */
    uint8_t *site_ratmask;         /* bit r: has a cell of RAT r */
    /* the region */
    double c_lat, c_lon; /* the plane's centre */
    int nareas;
    char area_name[CG_MAX_AREAS][32];
    double ax[CG_MAX_AREAS], ay[CG_MAX_AREAS], ar[CG_MAX_AREAS], acum[CG_MAX_AREAS];
    cg_sitegrid grid[4]; /* by RAT 0..2, and 3: every site */
} cg_cells;

/* Names as written in cells.csv and the CDR rat column. */
const char *cg_rat_name(int rat);

/* Builds the catalog over one area (`metro`, centre and radius) or over
 * areas[0..nareas) when nareas > 0. CG_EUSAGE naming --cells /
 * --cell-center / --cell-radius-km on out-of-range input; CG_ERUNTIME if
 * out of memory. On failure *c is left empty (safe to cg_cells_free). */
int cg_cells_build(cg_cells *c, int n, double center_lat, double center_lon, double radius_km,
                   uint64_t seed, cg_err *err);
int cg_cells_build_areas(cg_cells *c, int n, double center_lat, double center_lon,
                         double radius_km, const cg_area *areas, int nareas, uint64_t seed,
                         cg_err *err);

void cg_cells_free(cg_cells *c);

/* A point of area a drawn by its population density (site: by the density
 * of its sites, which covers the fringe better): u[0..3] uniform in [0,1). */
void cg_cells_area_point(const cg_cells *c, int a, int for_sites, const double u[4], double *x,
                         double *y);
/* The area a point belongs to (the nearest by distance over radius), and
 * the point pulled back inside it when it lies beyond every area. */
int cg_cells_area_of(const cg_cells *c, double x, double y);
void cg_cells_clamp(const cg_cells *c, double *x, double *y);
/* Zone of a point of area a. */
int cg_cells_zone(const cg_cells *c, int a, double x, double y);

/* The cell serving the point (x, y): the nearest site with a cell of RAT
 * rat (rat < 0: any), and of that site the sector whose azimuth is nearest
 * the bearing from the site to the point; 0 when no site has such a cell.
 * *dist_km (if not NULL): the distance to that site. */
uint32_t cg_cells_serving(const cg_cells *c, double x, double y, int rat, double *dist_km);

/* The cells the CG_CELLS_KNN nearest sites (with a cell of RAT rat, or
 * any) would serve the point with, nearest first, and their sites'
 * distances; returns how many. */
#define CG_CELLS_KNN 3
int cg_cells_candidates(const cg_cells *c, double x, double y, int rat, uint32_t *cells,
                        double *dist_km);

/* The CG_CELLS_KNN nearest sites (with a cell of RAT rat, or any), nearest
 * first, and their distances; and of site s the sector (of RAT rat, or any)
 * nearest the bearing to the point (0 if none). The two halves of
 * cg_cells_candidates, for callers that need the sector of one site only. */
int cg_cells_knn(const cg_cells *c, double x, double y, int rat, int *sites, double *dist_km);
uint32_t cg_cells_sector(const cg_cells *c, int s, double x, double y, int rat);

/* Plane <-> sphere (azimuthal equidistant about c_lat, c_lon). */
void cg_cells_to_latlon(const cg_cells *c, double x, double y, double *lat, double *lon);
void cg_cells_to_plane(const cg_cells *c, double lat, double lon, double *x, double *y);

/* The cells.csv text: "cell_id,lat,lon,rat,site_id,azimuth,area,lac" and
 * one row per cell, lat/lon with 6 decimals. *out is malloc'd and
 * NUL-terminated; returns its length, or 0 with *out = NULL if out of
 * memory. */
size_t cg_cells_csv(const cg_cells *c, char **out);

#endif
