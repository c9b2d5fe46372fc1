/* The radio network (see cells.h and MODEL.md "Places"). */
#include "core/cells.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/rng.h"

#define EARTH_KM 6371.0088 /* mean radius (IUGG) */
#define PI 3.14159265358979323846

/* Zones of an area of radius R: the core is a disc of CORE_R x R, the
 * suburbs a density falling as exp(-r / (SUBURB_L x R)), the rural fringe
 * uniform out to R. A point's zone by its distance: core below ZONE_CORE_R,
 * suburb below ZONE_SUBURB_R (x R). */
#define CORE_R CG_CELLS_CORE_R
#define SUBURB_L CG_CELLS_SUBURB_L
#define ZONE_CORE_R 0.15
#define ZONE_SUBURB_R 0.45
/* Shares of the population and of the sites in core, suburbs, fringe. */
/* Grid cells per mean site spacing, each way (grid_build). */
#define GRID_FINE 3.0
const double cg_cells_pop_w[3] = {0.40, 0.45, 0.15};
#define POP_W cg_cells_pop_w
static const double SITE_W[3] = {0.35, 0.40, 0.25};
/* RAT of a sector by zone: WCDMA, LTE, NR. */
static const double RAT_P[3][3] = {{0.10, 0.40, 0.50}, {0.20, 0.60, 0.20}, {0.40, 0.55, 0.05}};

const char *cg_rat_name(int rat)
{
    static const char *const names[3] = {"WCDMA", "LTE", "NR"};
    return (rat >= 0 && rat < 3) ? names[rat] : "?";
}

static void grid_free(cg_sitegrid *g)
{
    free(g->start);
    free(g->ids);
    free(g->cstart);
    free(g->cand);
    free(g->csub);
    free(g->sstart);
    free(g->scand);
    memset(g, 0, sizeof *g);
}

void cg_cells_free(cg_cells *c)
{
    free(c->lat);
    free(c->lon);
    free(c->rat);
    for (int r = 0; r < 3; r++)
        free(c->by_rat[r]);
    free(c->site);
    free(c->azimuth);
    free(c->az_e);
    free(c->az_n);
    free(c->area);
    free(c->lac);
    free(c->sx);
    free(c->sy);
    free(c->site_first);
    free(c->site_ncells);
    free(c->site_ratmask);
    for (int k = 0; k < 4; k++)
        grid_free(&c->grid[k]);
    memset(c, 0, sizeof *c);
}

void cg_cells_to_latlon(const cg_cells *c, double x, double y, double *lat, double *lon)
{
    double phi0 = c->c_lat * PI / 180.0, lam0 = c->c_lon * PI / 180.0;
    double delta = sqrt(x * x + y * y) / EARTH_KM;
    if (delta > PI)
        delta = PI;
    double theta = atan2(x, y); /* bearing, clockwise from north */
    double sd = sin(delta), cd = cos(delta), sphi0 = sin(phi0), cphi0 = cos(phi0);
    double sphi = sphi0 * cd + cphi0 * sd * cos(theta);
    sphi = sphi > 1.0 ? 1.0 : sphi < -1.0 ? -1.0 : sphi;
    /* atan2(sin t sd cphi0, cd - sphi0 sphi) with cphi0 divided out of
     * both sides: exact at the poles, where cphi0 is ~0. */
    double lam = lam0 + atan2(sin(theta) * sd, cphi0 * cd - sphi0 * sd * cos(theta));
    *lat = asin(sphi) * 180.0 / PI;
    double l = fmod(lam * 180.0 / PI + 180.0, 360.0);
    l += (l < 0 ? 360.0 : 0.0) - 180.0;
    *lon = (l >= -180.0 && l < 180.0) ? l : -180.0;
}

void cg_cells_to_plane(const cg_cells *c, double lat, double lon, double *x, double *y)
{
    double p1 = c->c_lat * PI / 180.0, p2 = lat * PI / 180.0, dl = (lon - c->c_lon) * PI / 180.0;
    double a = sin((p2 - p1) / 2) * sin((p2 - p1) / 2) +
               cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
    double delta = 2 * atan2(sqrt(a), sqrt(1 - a));
    double theta = atan2(sin(dl) * cos(p2), cos(p1) * sin(p2) - sin(p1) * cos(p2) * cos(dl));
    *x = EARTH_KM * delta * sin(theta);
    *y = EARTH_KM * delta * cos(theta);
}

void cg_cells_area_point(const cg_cells *c, int a, int for_sites, const double u[4], double *x,
                         double *y)
{
    const double *w = for_sites ? SITE_W : POP_W;
    double R = c->ar[a], r;
    if (u[0] < w[0]) {
        r = CORE_R * R * sqrt(u[1]);
    } else if (u[0] < w[0] + w[1]) {
        /* radial density r exp(-r/L): Gamma(2, L), folded back inside R */
        double L = SUBURB_L * R;
        r = -L * log((1.0 - u[1]) * (1.0 - u[3]) + 1e-300);
        if (r > R)
            r = R * sqrt(u[3]);
    } else {
        r = R * sqrt(u[1]);
    }
    double t = 2.0 * PI * u[2];
    *x = c->ax[a] + r * cos(t);
    *y = c->ay[a] + r * sin(t);
}

/* A point beyond every area is pulled back to the edge of the nearest one
 * (the network ends there, and so does this model's geography). */
void cg_cells_clamp(const cg_cells *c, double *x, double *y)
{
    int best = cg_cells_area_of(c, *x, *y);
    double br = hypot(*x - c->ax[best], *y - c->ay[best]) / c->ar[best];
    if (br <= 1.0)
        return;
    double f = 0.98 / br;
    *x = c->ax[best] + (*x - c->ax[best]) * f;
    *y = c->ay[best] + (*y - c->ay[best]) * f;
}

int cg_cells_area_of(const cg_cells *c, double x, double y)
{
    int best = 0;
    double br = INFINITY;
    for (int a = 0; a < c->nareas; a++) {
        double r = hypot(x - c->ax[a], y - c->ay[a]) / c->ar[a];
        if (r < br) {
            br = r;
            best = a;
        }
    }
    return best;
}

int cg_cells_zone(const cg_cells *c, int a, double x, double y)
{
    double d = hypot(x - c->ax[a], y - c->ay[a]);
    return d < ZONE_CORE_R * c->ar[a] ? CG_ZONE_CORE
           : d < ZONE_SUBURB_R * c->ar[a] ? CG_ZONE_SUBURB
                                          : CG_ZONE_RURAL;
}

/* Grid of the sites with bit `mask` in their RAT mask (mask 0: all). */
static int grid_build(cg_sitegrid *g, const cg_cells *c, uint8_t mask)
{
    memset(g, 0, sizeof *g);
    /* Every layer's grid spans all the sites (and the areas), so that a
     * point of the region is inside each grid. */
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int s = 0; s < c->nsites; s++) {
        g->n += !mask || (c->site_ratmask[s] & mask);
        x0 = fmin(x0, c->sx[s]);
        y0 = fmin(y0, c->sy[s]);
        x1 = fmax(x1, c->sx[s]);
        y1 = fmax(y1, c->sy[s]);
    }
    for (int a = 0; a < c->nareas; a++) {
        x0 = fmin(x0, c->ax[a] - c->ar[a]);
        y0 = fmin(y0, c->ay[a] - c->ar[a]);
        x1 = fmax(x1, c->ax[a] + c->ar[a]);
        y1 = fmax(y1, c->ay[a] + c->ar[a]);
    }
    if (g->n == 0)
        return 0;
    double w = fmax(x1 - x0, 1e-3), h = fmax(y1 - y0, 1e-3);
    /* About one site per grid cell in the dense core, which holds a third
     * of the sites in a hundredth of the area: cells GRID_FINE times
     * smaller than the mean spacing; the fringe's empty cells cost little. */
    g->g = fmax(sqrt(w * h / g->n) / GRID_FINE, 0.05);
    g->nx = (int)(w / g->g) + 1;
    g->ny = (int)(h / g->g) + 1;
    while ((double)g->nx * g->ny > GRID_FINE * GRID_FINE * (double)g->n + 64) {
        g->g *= 1.5;
        g->nx = (int)(w / g->g) + 1;
        g->ny = (int)(h / g->g) + 1;
    }
    g->x0 = x0;
    g->y0 = y0;
    size_t ncell = (size_t)g->nx * (size_t)g->ny;
    g->start = calloc(ncell + 1, sizeof *g->start);
    g->ids = malloc((size_t)g->n * sizeof *g->ids);
    if (!g->start || !g->ids)
        return -1;
    for (int pass = 0; pass < 2; pass++) {
        for (int s = 0; s < c->nsites; s++) {
            if (mask && !(c->site_ratmask[s] & mask))
                continue;
            int ix = (int)((c->sx[s] - x0) / g->g), iy = (int)((c->sy[s] - y0) / g->g);
            ix = ix < 0 ? 0 : ix >= g->nx ? g->nx - 1 : ix;
            iy = iy < 0 ? 0 : iy >= g->ny ? g->ny - 1 : iy;
            size_t k = (size_t)iy * (size_t)g->nx + (size_t)ix;
            if (pass == 0)
                g->start[k + 1]++;
            else
                g->ids[g->start[k]++] = s;
        }
        if (pass == 0)
            for (size_t k = 0; k < ncell; k++)
                g->start[k + 1] += g->start[k];
    }
    /* pass 1 advanced each start to the next cell's: shift back */
    for (size_t k = ncell; k > 0; k--)
        g->start[k] = g->start[k - 1];
    g->start[0] = 0;
    return 0;
}

/* Offers site si at squared distance dd to the k nearest so far (s, d,
 * n of them, nearest first, ties by lower index); returns the new n. */
static inline int knn_offer(int *s, double *d, int n, int k, int si, double dd)
{
    if (k <= 0)
        return n;
    if (n == k && (dd > d[n - 1] || (dd == d[n - 1] && si > s[n - 1])))
        return n;
    int j = n < k ? n++ : n - 1;
    while (j > 0 && (d[j - 1] > dd || (d[j - 1] == dd && s[j - 1] > si))) {
        d[j] = d[j - 1];
        s[j] = s[j - 1];
        j--;
    }
    d[j] = dd;
    s[j] = si;
    return n;
}

/* The k (<= CG_CELLS_KNN) nearest sites of the grid to (x, y), nearest
 * first, in s[] with squared distances d[]; returns how many were found. */
static int grid_knn(const cg_sitegrid *g, const cg_cells *c, double x, double y, int k, int *s,
                    double *d)
{
    int n = 0;
    if (g->n == 0)
        return 0;
    if (k > g->n)
        k = g->n;
    int ix = (int)floor((x - g->x0) / g->g), iy = (int)floor((y - g->y0) / g->g);
    ix = ix < 0 ? 0 : ix >= g->nx ? g->nx - 1 : ix;
    iy = iy < 0 ? 0 : iy >= g->ny ? g->ny - 1 : iy;
    int rmax = g->nx > g->ny ? g->nx : g->ny;
    for (int r = 0; r <= rmax; r++) {
        for (int jy = iy - r; jy <= iy + r; jy++) {
            if (jy < 0 || jy >= g->ny)
                continue;
            int step = (jy == iy - r || jy == iy + r) ? 1 : 2 * r;
            for (int jx = ix - r; jx <= ix + r; jx += step > 0 ? step : 1) {
                if (jx < 0 || jx >= g->nx)
                    continue;
                size_t cell = (size_t)jy * (size_t)g->nx + (size_t)jx;
                for (int q = g->start[cell]; q < g->start[cell + 1]; q++) {
                    int si = g->ids[q];
                    double dx = c->sx[si] - x, dy = c->sy[si] - y;
                    n = knn_offer(s, d, n, k, si, dx * dx + dy * dy);
                }
            }
        }
        /* Sites not yet seen are in cells r+1 or more away: at least r
         * cell widths from the point. */
        if (n == k && d[n - 1] <= (r * g->g) * (r * g->g))
            break;
    }
    return n;
}

/* For every grid cell, the sites that can be among the k nearest of any of
 * its points: with d3 the k-th nearest distance from the cell's centre and
 * h its half-diagonal, a point p of the cell has its k-th nearest within
 * d3 + |p - centre| <= d3 + h, so each of its k nearest lies within
 * d3 + 2h of the centre. A query then scans one short list. */
static int grid_candidates(cg_sitegrid *g, const cg_cells *c, uint8_t mask, int k)
{
    size_t ncell = (size_t)g->nx * (size_t)g->ny;
    g->cstart = calloc(ncell + 1, sizeof *g->cstart);
    g->csub = malloc(ncell * sizeof *g->csub);
    size_t cap = 0, n = 0, scap = 0, ns = 0, ccap = 0, nc = 0;
    if (!g->cstart || !g->csub)
        return -1;
    double h = g->g * 0.70710678118654752;
    for (size_t cell = 0; cell < ncell; cell++) {
        int iy = (int)(cell / (size_t)g->nx), ix = (int)(cell % (size_t)g->nx);
        double cx = g->x0 + (ix + 0.5) * g->g, cy = g->y0 + (iy + 0.5) * g->g;
        int s[CG_CELLS_KNN] = {0};
        double d[CG_CELLS_KNN] = {0};
        int m = grid_knn(g, c, cx, cy, k, s, d);
        double R = (m ? sqrt(d[m - 1]) : 0) + 2 * h, R2 = R * R;
        int rr = (int)ceil(R / g->g) + 1;
        for (int jy = iy - rr; jy <= iy + rr; jy++) {
            if (jy < 0 || jy >= g->ny)
                continue;
            for (int jx = ix - rr; jx <= ix + rr; jx++) {
                if (jx < 0 || jx >= g->nx)
                    continue;
                size_t q = (size_t)jy * (size_t)g->nx + (size_t)jx;
                for (int t = g->start[q]; t < g->start[q + 1]; t++) {
                    int si = g->ids[t];
                    double dx = c->sx[si] - cx, dy = c->sy[si] - cy;
                    if (dx * dx + dy * dy > R2)
                        continue;
                    int *v = cg_grow(g->cand, &cap, n + 1, sizeof *v);
                    if (!v)
                        return -1;
                    g->cand = v;
                    g->cand[n++] = si;
                }
            }
        }
        g->cstart[cell + 1] = (int)n;
        g->csub[cell] = -1;
        size_t a = (size_t)g->cstart[cell], b = n;
        if (b - a <= CG_GRID_SPLIT)
            continue;
        /* A crowded cell: each sub-cell keeps those of the cell's list that
         * can be among the nearest of one of its points, by the same bound
         * (the sub-cell's centre's k-th nearest is on the cell's list). A
         * list holding more than needed changes no answer. */
        int *o = cg_grow(g->sstart, &scap, ns + CG_GRID_SUB * CG_GRID_SUB + 1, sizeof *o);
        if (!o)
            return -1;
        g->sstart = o;
        g->csub[cell] = (int)ns;
        double sg = g->g / CG_GRID_SUB, sh = sg * 0.70710678118654752;
        for (int j = 0; j < CG_GRID_SUB * CG_GRID_SUB; j++) {
            double sx = g->x0 + ix * g->g + (j % CG_GRID_SUB + 0.5) * sg;
            double sy = g->y0 + iy * g->g + (j / CG_GRID_SUB + 0.5) * sg;
            int ms = 0;
            for (size_t q = a; q < b; q++) {
                int si = g->cand[q];
                double dx = c->sx[si] - sx, dy = c->sy[si] - sy;
                ms = knn_offer(s, d, ms, k, si, dx * dx + dy * dy);
            }
            /* a point a rounding away from the sub-cell is served too */
            double Rs = (ms ? sqrt(d[ms - 1]) : 0) + 2 * sh + 1e-9, Rs2 = Rs * Rs;
            g->sstart[ns + (size_t)j] = (int)nc;
            for (size_t q = a; q < b; q++) {
                int si = g->cand[q];
                double dx = c->sx[si] - sx, dy = c->sy[si] - sy;
                if (dx * dx + dy * dy > Rs2)
                    continue;
                int *v = cg_grow(g->scand, &ccap, nc + 1, sizeof *v);
                if (!v)
                    return -1;
                g->scand = v;
                g->scand[nc++] = si;
            }
        }
        g->sstart[ns + CG_GRID_SUB * CG_GRID_SUB] = (int)nc;
        ns += CG_GRID_SUB * CG_GRID_SUB + 1;
    }
    (void)mask;
    return 0;
}

/* The k nearest sites of a point inside the grid, from its cell's list. */
static int cand_knn(const cg_sitegrid *g, const cg_cells *c, double x, double y, int k, int *s,
                    double *d)
{
    int ix = (int)floor((x - g->x0) / g->g), iy = (int)floor((y - g->y0) / g->g);
    if (ix < 0 || iy < 0 || ix >= g->nx || iy >= g->ny || !g->cstart)
        return grid_knn(g, c, x, y, k, s, d);
    size_t cell = (size_t)iy * (size_t)g->nx + (size_t)ix;
    int n = 0;
    if (k > g->n)
        k = g->n;
    int q0 = g->cstart[cell], q1 = g->cstart[cell + 1];
    if (g->csub[cell] >= 0) { /* a crowded cell: its sub-cell's list */
        int jx = (int)((x - g->x0 - ix * g->g) / g->g * CG_GRID_SUB);
        int jy = (int)((y - g->y0 - iy * g->g) / g->g * CG_GRID_SUB);
        jx = jx < 0 ? 0 : jx >= CG_GRID_SUB ? CG_GRID_SUB - 1 : jx;
        jy = jy < 0 ? 0 : jy >= CG_GRID_SUB ? CG_GRID_SUB - 1 : jy;
        const int *o = g->sstart + g->csub[cell] + jy * CG_GRID_SUB + jx;
        for (int q = o[0]; q < o[1]; q++) {
            int si = g->scand[q];
            double dx = c->sx[si] - x, dy = c->sy[si] - y;
            n = knn_offer(s, d, n, k, si, dx * dx + dy * dy);
        }
        return n;
    }
    for (int q = q0; q < q1; q++) {
        int si = g->cand[q];
        double dx = c->sx[si] - x, dy = c->sy[si] - y;
        n = knn_offer(s, d, n, k, si, dx * dx + dy * dy);
    }
    return n;
}

int cg_cells_knn(const cg_cells *c, double x, double y, int rat, int *sites, double *dist_km)
{
    double d[CG_CELLS_KNN] = {0};
    int n = cand_knn(&c->grid[rat < 0 ? 3 : rat], c, x, y, CG_CELLS_KNN, sites, d);
    for (int k = 0; k < n; k++)
        dist_km[k] = sqrt(d[k]);
    return n;
}

uint32_t cg_cells_sector(const cg_cells *c, int s, double x, double y, int rat);

/* Of site s, the sector (of RAT rat, or any) nearest the bearing to (x, y);
 * 0 if none. */
static uint32_t sector_of(const cg_cells *c, int s, double x, double y, int rat)
{
    /* The sector whose azimuth is nearest the bearing is the one whose
     * direction has the largest dot product with the point's direction
     * (no atan2 on the hot path). */
    double dx = x - c->sx[s], dy = y - c->sy[s];
    int best = -1;
    double bdot = -INFINITY;
    for (int k = 0; k < c->site_ncells[s]; k++) {
        int id = c->site_first[s] + k; /* 0-based */
        if (rat >= 0 && c->rat[id] != rat)
            continue;
        double d = dx * c->az_e[id] + dy * c->az_n[id];
        if (d > bdot) {
            bdot = d;
            best = id;
        }
    }
    return best < 0 ? 0 : (uint32_t)best + 1;
}

uint32_t cg_cells_sector(const cg_cells *c, int s, double x, double y, int rat)
{
    return sector_of(c, s, x, y, rat);
}

int cg_cells_candidates(const cg_cells *c, double x, double y, int rat, uint32_t *cells,
                        double *dist_km)
{
    int s[CG_CELLS_KNN] = {0};
    double d[CG_CELLS_KNN] = {0};
    int n = cand_knn(&c->grid[rat < 0 ? 3 : rat], c, x, y, CG_CELLS_KNN, s, d);
    for (int k = 0; k < n; k++) {
        cells[k] = sector_of(c, s[k], x, y, rat);
        dist_km[k] = sqrt(d[k]);
    }
    return n;
}

uint32_t cg_cells_serving(const cg_cells *c, double x, double y, int rat, double *dist_km)
{
    uint32_t cells[CG_CELLS_KNN] = {0};
    double d[CG_CELLS_KNN] = {0};
    int n = cg_cells_candidates(c, x, y, rat, cells, d);
    if (n == 0)
        return 0;
    if (dist_km)
        *dist_km = d[0];
    return cells[0];
}

static int set_region(cg_cells *c, double center_lat, double center_lon, double radius_km,
                      const cg_area *areas, int nareas)
{
    double cum = 0;
    if (nareas <= 0) {
        c->nareas = 1;
        c->c_lat = center_lat;
        c->c_lon = center_lon;
        snprintf(c->area_name[0], sizeof c->area_name[0], "metro");
        c->ax[0] = c->ay[0] = 0;
        c->ar[0] = radius_km;
        c->acum[0] = 1.0;
        return 0;
    }
    c->nareas = nareas;
    c->c_lat = areas[0].lat;
    c->c_lon = areas[0].lon;
    for (int a = 0; a < nareas; a++) {
        snprintf(c->area_name[a], sizeof c->area_name[a], "%s",
                 areas[a].name[0] ? areas[a].name : "area");
        cg_cells_to_plane(c, areas[a].lat, areas[a].lon, &c->ax[a], &c->ay[a]);
        c->ar[a] = areas[a].radius_km;
        cum += areas[a].share;
        c->acum[a] = cum;
    }
    if (!(cum > 0))
        return -1;
    for (int a = 0; a < nareas; a++)
        c->acum[a] /= cum;
    return 0;
}

static int pick_area(const cg_cells *c, double u)
{
    int a = 0;
    while (a < c->nareas - 1 && u >= c->acum[a])
        a++;
    return a;
}

/* Location / tracking area: 10 km tiles of the plane. */
static uint16_t lac_of(double x, double y)
{
    int tx = (int)floor(x / 10.0), ty = (int)floor(y / 10.0);
    unsigned v = 1u + (unsigned)((tx + 128) & 0xff) * 256u + (unsigned)((ty + 128) & 0xfe);
    return (uint16_t)(v > 65533u ? 65533u : v);
}

int cg_cells_build_areas(cg_cells *c, int n, double center_lat, double center_lon,
                         double radius_km, const cg_area *areas, int nareas, uint64_t seed,
                         cg_err *err)
{
    memset(c, 0, sizeof *c);
    if (n < 1)
        return cg_err_set(err, CG_EUSAGE, "--cells/cells: must be at least 1, got %d", n);
    /* The same ranges as the config check, so anything it lets through
     * builds; the caller may also come from elsewhere (tests, tools). */
    if (!(center_lat >= -90.0 && center_lat <= 90.0) || !(center_lon >= -180.0 && center_lon <= 180.0))
        return cg_err_set(err, CG_EUSAGE,
                          "--cell-center/center_lat,center_lon: %g,%g is not a latitude in "
                          "[-90,90] and a longitude in [-180,180]",
                          center_lat, center_lon);
    if (!(radius_km > 0.0 && radius_km <= 20000.0))
        return cg_err_set(err, CG_EUSAGE,
                          "--cell-radius-km/radius_km: must be in (0, 20000] km, got %g", radius_km);
    if (set_region(c, center_lat, center_lon, radius_km, areas, nareas))
        return cg_err_set(err, CG_EUSAGE, "areas: every population_share is 0");

    size_t un = (size_t)n;
    c->lat = malloc(un * sizeof *c->lat);
    c->lon = malloc(un * sizeof *c->lon);
    c->rat = malloc(un);
    c->site = malloc(un * sizeof *c->site);
    c->azimuth = malloc(un * sizeof *c->azimuth);
    c->az_e = malloc(un * sizeof *c->az_e);
    c->az_n = malloc(un * sizeof *c->az_n);
    c->area = malloc(un);
    c->lac = malloc(un * sizeof *c->lac);
    c->sx = malloc(un * sizeof *c->sx);
    c->sy = malloc(un * sizeof *c->sy);
    c->site_first = malloc(un * sizeof *c->site_first);
    c->site_ncells = malloc(un * sizeof *c->site_ncells);
    c->site_ratmask = calloc(un, 1);
    for (int r = 0; r < 3; r++)
        c->by_rat[r] = malloc(un * sizeof(int));
    if (!c->lat || !c->lon || !c->rat || !c->site || !c->azimuth || !c->az_e || !c->az_n ||
        !c->area || !c->lac ||
        !c->sx || !c->sy || !c->site_first || !c->site_ncells || !c->site_ratmask ||
        !c->by_rat[0] || !c->by_rat[1] || !c->by_rat[2]) {
        cg_cells_free(c);
        return cg_err_set(err, CG_ERUNTIME, "out of memory for %d cells", n);
    }
    c->n = n;
    /* Sites one after another until n cells: site s from its own stream,
     * so site s does not depend on the draws of the others. */
    int id = 0;
    for (int s = 0; id < n; s++) {
        cg_rng rng = cg_rng_make(seed, CG_S_CELLS, (uint64_t)s, 0);
        int a = pick_area(c, cg_rng_u01(&rng));
        double u[4] = {cg_rng_u01(&rng), cg_rng_u01(&rng), cg_rng_u01(&rng), cg_rng_u01(&rng)};
        double x, y;
        cg_cells_area_point(c, a, 1, u, &x, &y);
        int zone = cg_cells_zone(c, a, x, y);
        double v = cg_rng_u01(&rng);
        int nsec = zone != CG_ZONE_RURAL ? 3 : v < 0.3 ? 1 : v < 0.5 ? 2 : 3;
        if (nsec > n - id)
            nsec = n - id;
        double az0 = 120.0 * cg_rng_u01(&rng);
        double lat, lon;
        cg_cells_to_latlon(c, x, y, &lat, &lon);
        c->sx[s] = x;
        c->sy[s] = y;
        c->site_first[s] = id;
        c->site_ncells[s] = nsec;
        c->nsites = s + 1;
        uint16_t lac = lac_of(x, y);
        for (int k = 0; k < nsec; k++, id++) {
            double w = cg_rng_u01(&rng);
            int rat = w < RAT_P[zone][0] ? CG_RAT_WCDMA
                      : w < RAT_P[zone][0] + RAT_P[zone][1] ? CG_RAT_LTE
                                                            : CG_RAT_NR;
            c->lat[id] = lat;
            c->lon[id] = lon;
            c->rat[id] = (uint8_t)rat;
            c->site[id] = s;
            c->azimuth[id] = (uint16_t)((int)floor(az0 + 360.0 * k / nsec + 0.5) % 360);
            c->az_e[id] = sin(c->azimuth[id] * PI / 180.0);
            c->az_n[id] = cos(c->azimuth[id] * PI / 180.0);
            c->area[id] = (uint8_t)a;
            c->lac[id] = lac;
            c->site_ratmask[s] |= (uint8_t)(1u << rat);
            c->by_rat[rat][c->n_by_rat[rat]++] = id + 1;
        }
    }
    for (int k = 0; k < 4; k++)
        if (grid_build(&c->grid[k], c, (uint8_t)(k < 3 ? 1u << k : 0u)) ||
            (c->grid[k].n && grid_candidates(&c->grid[k], c, (uint8_t)(k < 3 ? 1u << k : 0u),
                                             CG_CELLS_KNN))) {
            cg_cells_free(c);
            return cg_err_set(err, CG_ERUNTIME, "out of memory for the cell index");
        }
    return CG_OK;
}

int cg_cells_build(cg_cells *c, int n, double center_lat, double center_lon, double radius_km,
                   uint64_t seed, cg_err *err)
{
    return cg_cells_build_areas(c, n, center_lat, center_lon, radius_km, NULL, 0, seed, err);
}

size_t cg_cells_csv(const cg_cells *c, char **out)
{
    /* Longest row: 10-digit ids, two "-180.000000", "WCDMA", an azimuth,
     * a 31-byte area name, a LAC, 7 separators. */
    size_t cap = 128 + (size_t)c->n * 112;
    char *buf = malloc(cap);
    *out = NULL;
    if (!buf)
        return 0;
    size_t len = (size_t)snprintf(buf, cap, "cell_id,lat,lon,rat,site_id,azimuth,area,lac\n");
    for (int i = 0; i < c->n; i++) {
        int w = snprintf(buf + len, cap - len, "%d,%.6f,%.6f,%s,%d,%u,%s,%u\n", i + 1, c->lat[i],
                         c->lon[i], cg_rat_name(c->rat[i]), c->site[i] + 1, c->azimuth[i],
                         c->area_name[c->area[i]], c->lac[i]);
        if (w < 0 || (size_t)w >= cap - len) { /* cannot happen with the bound above */
            free(buf);
            return 0;
        }
        len += (size_t)w;
    }
    *out = buf;
    return len;
}
