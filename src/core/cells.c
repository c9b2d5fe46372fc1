/* Cell catalog (see cells.h): points uniform by area on the spherical cap
 * of the given radius around the centre, placed with the great-circle
 * destination formula, so a centre on a pole or the antimeridian and a
 * radius of half the Earth stay exact (no flat-earth step to blow up). */
#include "core/cells.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

#define EARTH_KM 6371.0088 /* mean radius (IUGG) */
#define PI 3.14159265358979323846

const char *cg_rat_name(int rat)
{
    static const char *const names[3] = {"WCDMA", "LTE", "NR"};
    return (rat >= 0 && rat < 3) ? names[rat] : "?";
}

void cg_cells_free(cg_cells *c)
{
    free(c->lat);
    free(c->lon);
    free(c->rat);
    for (int r = 0; r < 3; r++)
        free(c->by_rat[r]);
    memset(c, 0, sizeof *c);
}

int cg_cells_build(cg_cells *c, int n, double center_lat, double center_lon, double radius_km,
                   uint64_t seed, cg_err *err)
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

    size_t un = (size_t)n;
    c->lat = malloc(un * sizeof *c->lat);
    c->lon = malloc(un * sizeof *c->lon);
    c->rat = malloc(un);
    for (int r = 0; r < 3; r++)
        c->by_rat[r] = malloc(un * sizeof(int));
    if (!c->lat || !c->lon || !c->rat || !c->by_rat[0] || !c->by_rat[1] || !c->by_rat[2]) {
        cg_cells_free(c);
        return cg_err_set(err, CG_ERUNTIME, "out of memory for %d cells", n);
    }
    c->n = n;
    double phi0 = center_lat * PI / 180.0, lam0 = center_lon * PI / 180.0;
    double sphi0 = sin(phi0), cphi0 = cos(phi0);
    double dmax = radius_km / EARTH_KM;
    if (dmax > PI)
        dmax = PI;
    double one_minus_cos_dmax = 1.0 - cos(dmax);
    for (int i = 1; i <= n; i++) {
        /* One stream per cell id: cell i does not depend on how many
         * draws the others took. */
        cg_rng rng = cg_rng_make(seed, CG_S_CELLS, (uint64_t)i, 0);
        /* Uniform by area on the cap: cos(delta) uniform in [cos dmax, 1]. */
        double delta = acos(1.0 - cg_rng_u01(&rng) * one_minus_cos_dmax);
        double theta = 2.0 * PI * cg_rng_u01(&rng); /* bearing */
        double x = cg_rng_u01(&rng);
        int rat = x < 0.3 ? CG_RAT_WCDMA : x < 0.8 ? CG_RAT_LTE : CG_RAT_NR;
        double sd = sin(delta), cd = cos(delta);
        double sphi = sphi0 * cd + cphi0 * sd * cos(theta);
        if (sphi > 1.0)
            sphi = 1.0;
        if (sphi < -1.0)
            sphi = -1.0;
        double phi = asin(sphi);
        /* atan2(sin t sd cphi0, cd - sphi0 sphi) with cphi0 divided out of
         * both sides: exact at the poles, where cphi0 is ~0. */
        double lam = lam0 + atan2(sin(theta) * sd, cphi0 * cd - sphi0 * sd * cos(theta));
        double lat = phi * 180.0 / PI;
        double lon = fmod(lam * 180.0 / PI + 180.0, 360.0);
        lon += (lon < 0 ? 360.0 : 0.0) - 180.0;
        if (!(lon >= -180.0 && lon < 180.0))
            lon = -180.0;
        c->lat[i - 1] = lat;
        c->lon[i - 1] = lon;
        c->rat[i - 1] = (uint8_t)rat;
        c->by_rat[rat][c->n_by_rat[rat]++] = i;
    }
    return CG_OK;
}

size_t cg_cells_csv(const cg_cells *c, char **out)
{
    /* Longest row: 10-digit id, two "-180.000000", "WCDMA", 3 separators. */
    size_t cap = 32 + (size_t)c->n * 48;
    char *buf = malloc(cap);
    *out = NULL;
    if (!buf)
        return 0;
    size_t len = (size_t)snprintf(buf, cap, "cell_id,lat,lon,rat\n");
    for (int i = 0; i < c->n; i++) {
        int w = snprintf(buf + len, cap - len, "%d,%.6f,%.6f,%s\n", i + 1, c->lat[i], c->lon[i],
                         cg_rat_name(c->rat[i]));
        if (w < 0 || (size_t)w >= cap - len) { /* cannot happen with the bound above */
            free(buf);
            return 0;
        }
        len += (size_t)w;
    }
    *out = buf;
    return len;
}
