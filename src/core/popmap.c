/* The population raster in Hilbert order (see popmap.h). */
#include "core/popmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846
/* Raster side, cells (2^ORDER): 0.2 km cells over the default 100 km. */
#define ORDER 9

/* The density law of cells.c's cg_cells_area_point for people, per km2 of
 * an area of radius R at distance r from its centre, for a share of 1. */
static double density(const cg_cells *c, int a, double r)
{
    double R = c->ar[a];
    if (r > R)
        return 0;
    double core_r = CG_CELLS_CORE_R * R, L = CG_CELLS_SUBURB_L * R;
    const double *w = cg_cells_pop_w;
    double d = 0;
    if (r < core_r)
        d += w[0] / (PI * core_r * core_r);
    /* Gamma(2, L) in r is exp(-r/L) / (2 pi L^2) per km2; beyond R it is
     * folded back uniformly over the disc */
    double fold = (1.0 + R / L) * exp(-R / L);
    d += w[1] * (exp(-r / L) / (2 * PI * L * L) + fold / (PI * R * R));
    d += w[2] / (PI * R * R);
    return d;
}

/* Hilbert index d -> (x, y) on a 2^order square (the classic d2xy). */
static void d2xy(int order, uint32_t d, uint32_t *x, uint32_t *y)
{
    uint32_t rx, ry, t = d;
    *x = *y = 0;
    for (uint32_t s = 1; s < (1u << order); s <<= 1) {
        rx = 1 & (t / 2);
        ry = 1 & (t ^ rx);
        if (ry == 0) {
            if (rx == 1) {
                *x = s - 1 - *x;
                *y = s - 1 - *y;
            }
            uint32_t tmp = *x;
            *x = *y;
            *y = tmp;
        }
        *x += s * rx;
        *y += s * ry;
        t /= 4;
    }
}

void cg_popmap_free(cg_popmap *m)
{
    free(m->cx);
    free(m->cy);
    free(m->cum);
    memset(m, 0, sizeof *m);
}

/* Population weight of raster cell (ix, iy): each area's share spread over
 * the cells by its density at their centres, renormalised per area by
 * asum (an area smaller than a cell, asum 0, lands whole in the cell of its
 * centre, acell). */
static double cell_weight(const cg_popmap *m, const cg_cells *c, uint32_t ix, uint32_t iy,
                          const double *asum, const uint32_t *acell)
{
    uint32_t side = 1u << m->order;
    double px = m->x0 + (ix + 0.5) * m->h, py = m->y0 + (iy + 0.5) * m->h, w = 0;
    for (int a = 0; a < c->nareas; a++) {
        double share = c->acum[a] - (a ? c->acum[a - 1] : 0.0);
        if (asum[a] > 0)
            w += share * density(c, a, hypot(px - c->ax[a], py - c->ay[a])) / asum[a];
        else if (acell[a] == iy * side + ix)
            w += share;
    }
    return w;
}

int cg_popmap_build(cg_popmap *m, const cg_cells *c)
{
    memset(m, 0, sizeof *m);
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int a = 0; a < c->nareas; a++) {
        x0 = fmin(x0, c->ax[a] - c->ar[a]);
        y0 = fmin(y0, c->ay[a] - c->ar[a]);
        x1 = fmax(x1, c->ax[a] + c->ar[a]);
        y1 = fmax(y1, c->ay[a] + c->ar[a]);
    }
    m->order = ORDER;
    uint32_t side = 1u << ORDER, total = side * side;
    m->h = fmax(x1 - x0, y1 - y0) / side;
    m->x0 = x0;
    m->y0 = y0;
    double asum[CG_MAX_AREAS] = {0};
    uint32_t acell[CG_MAX_AREAS];
    for (int a = 0; a < c->nareas; a++) {
        uint32_t ix = (uint32_t)fmin(side - 1, floor((c->ax[a] - x0) / m->h));
        uint32_t iy = (uint32_t)fmin(side - 1, floor((c->ay[a] - y0) / m->h));
        acell[a] = iy * side + ix;
        for (uint32_t y = 0; y < side; y++)
            for (uint32_t x = 0; x < side; x++)
                asum[a] += density(c, a, hypot(x0 + (x + 0.5) * m->h - c->ax[a],
                                               y0 + (y + 0.5) * m->h - c->ay[a]));
    }
    uint32_t n = 0;
    for (uint32_t d = 0; d < total; d++) {
        uint32_t ix, iy;
        d2xy(ORDER, d, &ix, &iy);
        n += cell_weight(m, c, ix, iy, asum, acell) > 0;
    }
    m->cx = malloc(sizeof *m->cx * (n ? n : 1));
    m->cy = malloc(sizeof *m->cy * (n ? n : 1));
    m->cum = malloc(sizeof *m->cum * (n ? n : 1));
    if (!m->cx || !m->cy || !m->cum) {
        cg_popmap_free(m);
        return -1;
    }
    double cum = 0;
    for (uint32_t d = 0; d < total; d++) {
        uint32_t ix, iy;
        d2xy(ORDER, d, &ix, &iy);
        double w = cell_weight(m, c, ix, iy, asum, acell);
        if (w <= 0)
            continue;
        cum += w;
        m->cx[m->n] = (uint16_t)ix;
        m->cy[m->n] = (uint16_t)iy;
        m->cum[m->n++] = cum;
    }
    for (uint32_t k = 0; k < m->n; k++)
        m->cum[k] /= cum;
    return 0;
}

void cg_popmap_point(const cg_popmap *m, double q, double u, double v, double *x, double *y)
{
    if (m->n == 0) {
        *x = *y = 0;
        return;
    }
    /* the first cell whose cumulative share passes q (the last if none):
     * it is in [lo, lo + len), halved by a mask, not a branch on q */
    uint32_t lo = 0, len = m->n;
    while (len > 1) {
        uint32_t half = len / 2;
        lo += half & -(uint32_t)(m->cum[lo + half - 1] <= q);
        len -= half;
    }
    *x = m->x0 + (m->cx[lo] + u) * m->h;
    *y = m->y0 + (m->cy[lo] + v) * m->h;
}
