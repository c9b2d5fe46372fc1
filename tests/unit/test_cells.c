/* Tests of core/cells (placement, RAT mix, determinism, CSV text) and
 * io/cellsfile (create, reuse, mismatch messages, no temporary leftovers),
 * the latter in fresh temporary directories. */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cells.h"
#include "io/cellsfile.h"
#include "testhelp.h"

#define PI 3.14159265358979323846

static double haversine_km(double lat1, double lon1, double lat2, double lon2)
{
    double r = PI / 180.0;
    double dlat = (lat2 - lat1) * r, dlon = (lon2 - lon1) * r;
    double a = sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * r) * cos(lat2 * r) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * 6371.0088 * asin(sqrt(a));
}

static int build(cg_cells *c, int n, double lat, double lon, double rkm, uint64_t seed)
{
    cg_err err;
    cg_err_clear(&err);
    int rc = cg_cells_build(c, n, lat, lon, rkm, seed, &err);
    if (rc != CG_OK)
        fprintf(stderr, "  build: %s\n", err.msg);
    return rc;
}

static void test_ids_and_rat_lists(void)
{
    cg_cells c;
    CHECK_EQ_INT(build(&c, 5000, 52.37, 4.895, 50, 42), CG_OK);
    CHECK_EQ_INT(c.n, 5000);
    CHECK_EQ_INT(c.n_by_rat[0] + c.n_by_rat[1] + c.n_by_rat[2], 5000);
    int seen[5001] = {0};
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < c.n_by_rat[r]; k++) {
            int id = c.by_rat[r][k];
            CHECK(id >= 1 && id <= 5000);
            if (id < 1 || id > 5000)
                continue;
            CHECK_EQ_INT(c.rat[id - 1], r);
            CHECK(k == 0 || c.by_rat[r][k - 1] < id);
            seen[id]++;
        }
    for (int id = 1; id <= 5000; id++)
        CHECK_EQ_INT(seen[id], 1);
    cg_cells_free(&c);
    CHECK(c.lat == NULL && c.n == 0);
    cg_cells_free(&c); /* twice is harmless */
}

/* The network laid out as MODEL.md says, over 2000 cells in one area of
 * radius R: every site within R of the centre; at least half the sites
 * within 0.3 R (the dense core); sites close together in the core (median
 * distance to the nearest other site under 1 km) and far apart in the
 * fringe (over 2 km beyond 0.45 R; the default 2000 cells); 1-3 sectors a site, a 3-sector site's
 * azimuths 120 degrees apart; the cells of a site share its position and
 * LAC; NR commoner in the core than in the fringe. */
static void test_network_layout(void)
{
    cg_cells c;
    double R = 50;
    CHECK_EQ_INT(build(&c, 2000, 52.37, 4.895, R, 7), CG_OK);
    int far = 0, inner = 0, badsec = 0, badsite = 0;
    int nr_core = 0, n_core = 0, nr_rural = 0, n_rural = 0;
    double *dcore = calloc((size_t)c.nsites, sizeof *dcore);
    double *drural = calloc((size_t)c.nsites, sizeof *drural);
    int ncore = 0, nrural = 0;
    for (int s = 0; s < c.nsites; s++) {
        int id0 = c.site_first[s];
        double d = haversine_km(52.37, 4.895, c.lat[id0], c.lon[id0]);
        far += d > R * (1 + 1e-6) + 1e-6;
        inner += d <= 0.3 * R;
        int ns = c.site_ncells[s];
        if (ns < 1 || ns > 3)
            badsec++;
        for (int k = 0; k < ns; k++) {
            int id = id0 + k;
            if (c.site[id] != s || c.lat[id] != c.lat[id0] || c.lon[id] != c.lon[id0] ||
                c.lac[id] != c.lac[id0])
                badsite++;
            if (ns == 3 && k > 0) {
                int gap = (c.azimuth[id] - c.azimuth[id - 1] + 360) % 360;
                if (gap < 119 || gap > 121)
                    badsec++;
            }
            if (d < 0.15 * R) {
                n_core++;
                nr_core += c.rat[id] == CG_RAT_NR;
            } else if (d > 0.45 * R) {
                n_rural++;
                nr_rural += c.rat[id] == CG_RAT_NR;
            }
        }
        /* nearest other site (brute force) */
        double best = 1e9;
        for (int t = 0; t < c.nsites; t++)
            if (t != s)
                best = fmin(best, hypot(c.sx[t] - c.sx[s], c.sy[t] - c.sy[s]));
        if (d < 0.15 * R)
            dcore[ncore++] = best;
        else if (d > 0.45 * R)
            drural[nrural++] = best;
    }
    CHECK_EQ_INT(far, 0);
    CHECK_MSG(inner >= c.nsites / 2, "%d of %d sites within 0.3 R", inner, c.nsites);
    CHECK_EQ_INT(badsec, 0);
    CHECK_EQ_INT(badsite, 0);
    CHECK(ncore > 50 && nrural > 50);
    qsort(dcore, (size_t)ncore, sizeof *dcore, th_cmp_double);
    qsort(drural, (size_t)nrural, sizeof *drural, th_cmp_double);
    CHECK_MSG(dcore[ncore / 2] < 1.0, "core spacing %.2f km", dcore[ncore / 2]);
    CHECK_MSG(drural[nrural / 2] > 2.0, "fringe spacing %.2f km", drural[nrural / 2]);
    CHECK_MSG((double)nr_core / n_core > 2.0 * nr_rural / n_rural, "NR core %.3f fringe %.3f",
              (double)nr_core / n_core, (double)nr_rural / n_rural);
    free(dcore);
    free(drural);
    cg_cells_free(&c);
}

/* The serving cell is the nearest site's (of the RAT asked for), the sector
 * nearest the bearing, checked by brute force at 5000 random points. */
static void test_serving(void)
{
    cg_cells c;
    CHECK_EQ_INT(build(&c, 3000, 52.37, 4.895, 50, 11), CG_OK);
    uint64_t z = 12345;
    int bad = 0;
    for (int k = 0; k < 5000; k++) {
        z = z * 6364136223846793005ULL + 1442695040888963407ULL;
        double x = ((double)(z >> 11) / 9007199254740992.0 - 0.5) * 120;
        z = z * 6364136223846793005ULL + 1442695040888963407ULL;
        double y = ((double)(z >> 11) / 9007199254740992.0 - 0.5) * 120;
        for (int rat = -1; rat < 3; rat++) {
            double best = 1e18;
            int bs = -1;
            for (int s = 0; s < c.nsites; s++) {
                int has = rat < 0;
                for (int q = 0; q < c.site_ncells[s]; q++)
                    has |= c.rat[c.site_first[s] + q] == rat;
                double d = (c.sx[s] - x) * (c.sx[s] - x) + (c.sy[s] - y) * (c.sy[s] - y);
                if (has && (d < best || (d == best && s < bs))) {
                    best = d;
                    bs = s;
                }
            }
            double dk;
            uint32_t id = cg_cells_serving(&c, x, y, rat, &dk);
            if (bs < 0 ? id != 0 : (id == 0 || c.site[id - 1] != bs || fabs(dk - sqrt(best)) > 1e-9 ||
                                    (rat >= 0 && c.rat[id - 1] != rat)))
                bad++;
        }
    }
    CHECK_EQ_INT(bad, 0);
    cg_cells_free(&c);
}

/* The CG_CELLS_KNN nearest sites (nearest first, ties by index) equal a
 * brute force at 20000 points, most of them in the dense core, where the
 * grid's crowded cells answer from their sub-cells' lists. */
static void test_knn_exact(void)
{
    cg_cells c;
    CHECK_EQ_INT(build(&c, 6000, 52.37, 4.895, 50, 17), CG_OK);
    int crowded = 0;
    for (int r = 0; r < 4; r++)
        for (int i = 0; c.grid[r].csub && i < c.grid[r].nx * c.grid[r].ny; i++)
            crowded += c.grid[r].csub[i] >= 0;
    CHECK_MSG(crowded > 0, "no crowded grid cell: the sub-cell lists go untested");
    uint64_t z = 777;
    int bad = 0;
    for (int k = 0; k < 20000; k++) {
        double sc = k % 4 ? 8 : 110; /* three in four in the core */
        z = z * 6364136223846793005ULL + 1442695040888963407ULL;
        double x = ((double)(z >> 11) / 9007199254740992.0 - 0.5) * sc;
        z = z * 6364136223846793005ULL + 1442695040888963407ULL;
        double y = ((double)(z >> 11) / 9007199254740992.0 - 0.5) * sc;
        for (int rat = -1; rat < 3; rat++) {
            int bs[CG_CELLS_KNN], nb = 0;
            double bd[CG_CELLS_KNN];
            for (int s = 0; s < c.nsites; s++) {
                int has = rat < 0;
                for (int q = 0; q < c.site_ncells[s]; q++)
                    has |= c.rat[c.site_first[s] + q] == rat;
                if (!has)
                    continue;
                double d = (c.sx[s] - x) * (c.sx[s] - x) + (c.sy[s] - y) * (c.sy[s] - y);
                int j = nb < CG_CELLS_KNN ? nb++ : CG_CELLS_KNN;
                if (j == CG_CELLS_KNN && !(d < bd[j - 1]))
                    continue; /* s is above every index kept: ties keep the kept */
                if (j == CG_CELLS_KNN)
                    j--;
                while (j > 0 && bd[j - 1] > d) {
                    bd[j] = bd[j - 1];
                    bs[j] = bs[j - 1];
                    j--;
                }
                bd[j] = d;
                bs[j] = s;
            }
            int gs[CG_CELLS_KNN];
            double gd[CG_CELLS_KNN];
            int ng = cg_cells_knn(&c, x, y, rat, gs, gd);
            int miss = ng != nb;
            for (int j = 0; !miss && j < ng; j++)
                miss = gs[j] != bs[j] || fabs(gd[j] - sqrt(bd[j])) > 1e-9;
            bad += miss;
        }
    }
    CHECK_EQ_INT(bad, 0);
    cg_cells_free(&c);
}

/* On a pole and across the antimeridian the catalog stays valid and spread
 * over every longitude (issue 9.8). */
static void test_poles(void)
{
    cg_cells c;
    CHECK_EQ_INT(build(&c, 4000, 90.0, 180.0, 50, 9), CG_OK);
    int quad[4] = {0, 0, 0, 0}, bad = 0;
    for (int i = 0; i < c.n; i++) {
        bad += !(c.lat[i] >= -90 && c.lat[i] <= 90 && c.lon[i] >= -180 && c.lon[i] < 180);
        bad += haversine_km(90.0, 180.0, c.lat[i], c.lon[i]) > 50 * (1 + 1e-9) + 1e-6;
        int q = (int)floor((c.lon[i] + 180.0) / 90.0);
        quad[q < 0 ? 0 : q > 3 ? 3 : q]++;
    }
    CHECK_EQ_INT(bad, 0);
    for (int q = 0; q < 4; q++)
        CHECK_MSG(quad[q] > c.n / 8, "longitude quarter %d: %d", q, quad[q]);
    cg_cells_free(&c);
    CHECK_EQ_INT(build(&c, 2000, -33.9, 179.99, 300, 3), CG_OK);
    for (int i = 0; i < c.n; i++)
        bad += !(c.lon[i] >= -180 && c.lon[i] < 180);
    CHECK_EQ_INT(bad, 0);
    cg_cells_free(&c);
}

static void test_determinism(void)
{
    cg_cells a, b, d, e;
    char *ta, *tb, *td, *te;
    CHECK_EQ_INT(build(&a, 300, 52.37, 4.895, 50, 42), CG_OK);
    CHECK_EQ_INT(build(&b, 300, 52.37, 4.895, 50, 42), CG_OK);
    CHECK_EQ_INT(build(&d, 300, 52.37, 4.895, 50, 43), CG_OK);
    CHECK_EQ_INT(build(&e, 600, 52.37, 4.895, 50, 42), CG_OK);
    size_t la = cg_cells_csv(&a, &ta), lb = cg_cells_csv(&b, &tb);
    size_t ld = cg_cells_csv(&d, &td), le = cg_cells_csv(&e, &te);
    CHECK(ta && tb && td && te);
    CHECK(la == lb && memcmp(ta, tb, la) == 0);
    CHECK(!(la == ld && memcmp(ta, td, la) == 0)); /* another seed, another catalog */
    /* Cell i depends on i only: the 600-cell catalog starts with the 300. */
    CHECK(le > la && memcmp(ta, te, la) == 0);
    free(ta), free(tb), free(td), free(te);
    cg_cells_free(&a), cg_cells_free(&b), cg_cells_free(&d), cg_cells_free(&e);
}

static int six_decimals(const char *s, const char *end)
{
    const char *dot = memchr(s, '.', (size_t)(end - s));
    return dot && end - dot == 7;
}

static void test_csv_text(void)
{
    cg_cells c;
    CHECK_EQ_INT(build(&c, 1000, 52.37, 4.895, 50, 42), CG_OK);
    char *t;
    size_t len = cg_cells_csv(&c, &t);
    CHECK(t != NULL && strlen(t) == len);
    CHECK(strncmp(t, "cell_id,lat,lon,rat,site_id,azimuth,area,lac\n", 45) == 0);
    int row = 0, bad = 0;
    for (char *line = strchr(t, '\n') + 1; *line; row++) {
        char *nl = strchr(line, '\n');
        if (!nl) {
            bad++;
            break;
        }
        *nl = '\0';
        char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        char *c3 = c2 ? strchr(c2 + 1, ',') : NULL, *c4 = c3 ? strchr(c3 + 1, ',') : NULL;
        if (c4)
            *c4 = '\0'; /* site, azimuth, area, lac follow (test_network_layout) */
        if (!c4 || atoi(line) != row + 1 || !six_decimals(c1 + 1, c2) || !six_decimals(c2 + 1, c3))
            bad++;
        else {
            const char *want = c.rat[row] == CG_RAT_WCDMA ? "WCDMA" : c.rat[row] == CG_RAT_LTE ? "LTE" : "NR";
            if (strcmp(c3 + 1, want) != 0 || fabs(atof(c1 + 1) - c.lat[row]) > 5e-7 ||
                fabs(atof(c2 + 1) - c.lon[row]) > 5e-7)
                bad++;
        }
        line = nl + 1;
    }
    CHECK_EQ_INT(row, 1000);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_STR(cg_rat_name(CG_RAT_NR), "NR");
    free(t);
    cg_cells_free(&c);
}

static void test_bad_arguments(void)
{
    cg_cells c;
    cg_err err;
    CHECK_EQ_INT(cg_cells_build(&c, 0, 52.37, 4.895, 50, 1, &err), CG_EUSAGE);
    CHECK(strstr(err.msg, "--cells") != NULL);
    CHECK_EQ_INT(cg_cells_build(&c, 10, 95, 4.895, 50, 1, &err), CG_EUSAGE);
    CHECK(strstr(err.msg, "--cell-center") != NULL);
    CHECK_EQ_INT(cg_cells_build(&c, 10, 52, 4.895, 0, 1, &err), CG_EUSAGE);
    CHECK(strstr(err.msg, "--cell-radius-km") != NULL);
    CHECK_EQ_INT(cg_cells_build(&c, 10, 52, 4.895, NAN, 1, &err), CG_EUSAGE);
    cg_cells_free(&c);
    /* Near a pole and across the date line coordinates stay valid. */
    CHECK_EQ_INT(build(&c, 2000, 89.9, 179.9, 500, 1), CG_OK);
    int bad = 0;
    for (int i = 0; i < c.n; i++)
        if (!(c.lat[i] >= -90 && c.lat[i] <= 90 && c.lon[i] >= -180 && c.lon[i] < 180))
            bad++;
    CHECK_EQ_INT(bad, 0);
    cg_cells_free(&c);
}

/* ---- io/cellsfile ---- */

static char g_tmp[256];

static const char *tmpdir(void)
{
    snprintf(g_tmp, sizeof g_tmp, "%s/cg-cells-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(g_tmp))
        perror("mkdtemp");
    return g_tmp;
}

static void rm_rf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

/* Names in dir other than "." and "..", joined by spaces. */
static void list_dir(const char *dir, char *out, size_t cap)
{
    out[0] = '\0';
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            strncat(out, e->d_name, cap - strlen(out) - 2);
            strcat(out, " ");
        }
    closedir(d);
}

static void test_sync_create_and_reuse(void)
{
    const char *root = tmpdir();
    char out[400], path[450], names[1000];
    snprintf(out, sizeof out, "%s/nested/out/", root); /* parents are created */
    snprintf(path, sizeof path, "%s/nested/out/cells.csv", root);
    cg_cells c;
    cg_err err;
    CHECK_EQ_INT(build(&c, 1000, 52.37, 4.895, 50, 42), CG_OK);
    CHECK_EQ_INT(cg_cells_sync(&c, out, &err), CG_OK);
    char *want;
    size_t wlen = cg_cells_csv(&c, &want), hlen = 0;
    char *have = th_slurp(path, &hlen);
    CHECK(have && hlen == wlen && memcmp(have, want, wlen) == 0);
    list_dir(out, names, sizeof names);
    CHECK_EQ_STR(names, "cells.csv "); /* no temporary left behind */
    struct stat st1, st2;
    CHECK(stat(path, &st1) == 0);
    mode_t um = umask(0);
    umask(um);
    CHECK_EQ_INT(st1.st_mode & 0777, 0666 & ~um); /* like any other output, not mkstemp's 0600 */
    /* Second run, same settings: accepted and the file is not rewritten. */
    CHECK_EQ_INT(cg_cells_sync(&c, out, &err), CG_OK);
    CHECK(stat(path, &st2) == 0);
    CHECK_EQ_INT(st1.st_ino, st2.st_ino);
    CHECK_EQ_INT(st1.st_mtim.tv_nsec, st2.st_mtim.tv_nsec);
    list_dir(out, names, sizeof names);
    CHECK_EQ_STR(names, "cells.csv ");
    free(want);
    free(have);
    cg_cells_free(&c);
    rm_rf(root);
}

static void test_sync_mismatch(void)
{
    const char *root = tmpdir();
    char path[450], msg_path[450], names[1000];
    snprintf(path, sizeof path, "%s/cells.csv", root);
    snprintf(msg_path, sizeof msg_path, "%s/cells.csv was made with other cell settings", root);
    cg_cells a, b, d;
    cg_err err;
    CHECK_EQ_INT(build(&a, 1000, 52.37, 4.895, 50, 42), CG_OK);
    CHECK_EQ_INT(build(&b, 2000, 52.37, 4.895, 50, 42), CG_OK);
    CHECK_EQ_INT(build(&d, 1000, 52.37, 4.895, 50, 43), CG_OK);
    CHECK_EQ_INT(cg_cells_sync(&a, root, &err), CG_OK);
    size_t len0 = 0, len1 = 0;
    char *before = th_slurp(path, &len0);

    cg_err_clear(&err);
    CHECK_EQ_INT(cg_cells_sync(&b, root, &err), CG_EUSAGE);
    CHECK_MSG(strstr(err.msg, msg_path) != NULL, "%s", err.msg);
    CHECK_MSG(strstr(err.msg, "it has 1000 cells; this run wants 2000") != NULL, "%s", err.msg);
    CHECK(strstr(err.msg, "--cells") && strstr(err.msg, "--seed"));
    CHECK(strstr(err.msg, "use another --out or delete the file") != NULL);
    CHECK(strchr(err.msg, '\n') == NULL);

    cg_err_clear(&err);
    CHECK_EQ_INT(cg_cells_sync(&d, root, &err), CG_EUSAGE);
    CHECK_MSG(strstr(err.msg, "1000 cells like this run, but at other positions") != NULL, "%s",
              err.msg);

    /* The existing catalog was left alone and nothing else appeared. */
    char *after = th_slurp(path, &len1);
    CHECK(before && after && len0 == len1 && memcmp(before, after, len0) == 0);
    list_dir(root, names, sizeof names);
    CHECK_EQ_STR(names, "cells.csv ");

    /* A file that is no catalog at all. */
    FILE *f = fopen(path, "w");
    fputs("hello\n", f);
    fclose(f);
    CHECK_EQ_INT(cg_cells_sync(&a, root, &err), CG_EUSAGE);
    CHECK_MSG(strstr(err.msg, "is not a cell catalog") != NULL, "%s", err.msg);
    /* A truncated catalog: counted by its rows. */
    f = fopen(path, "w");
    fwrite(before, 1, len0 / 2, f);
    fclose(f);
    CHECK_EQ_INT(cg_cells_sync(&a, root, &err), CG_EUSAGE);
    int nl = 0;
    for (size_t i = 0; i < len0 / 2; i++)
        nl += before[i] == '\n';
    char expect[80];
    /* header line excluded, the cut-off last line included */
    snprintf(expect, sizeof expect, "it has %d cells; this run wants 1000", nl - 1 + (before[len0 / 2 - 1] != '\n'));
    CHECK_MSG(strstr(err.msg, expect) != NULL, "%s (want \"%s\")", err.msg, expect);

    free(before);
    free(after);
    cg_cells_free(&a), cg_cells_free(&b), cg_cells_free(&d);
    rm_rf(root);
}

static void test_sync_unreadable(void)
{
    const char *root = tmpdir();
    char path[450], out[450];
    cg_cells c;
    cg_err err;
    CHECK_EQ_INT(build(&c, 10, 52.37, 4.895, 50, 42), CG_OK);
    /* cells.csv is a directory: root can read anything, but not that. */
    snprintf(path, sizeof path, "%s/cells.csv", root);
    CHECK(mkdir(path, 0700) == 0);
    cg_err_clear(&err);
    CHECK_EQ_INT(cg_cells_sync(&c, root, &err), CG_ERUNTIME);
    CHECK_MSG(strstr(err.msg, path) != NULL, "%s", err.msg);
    /* --out names a regular file. */
    snprintf(out, sizeof out, "%s/plain", root);
    FILE *f = fopen(out, "w");
    fclose(f);
    cg_err_clear(&err);
    CHECK_EQ_INT(cg_cells_sync(&c, out, &err), CG_ERUNTIME);
    CHECK_MSG(strstr(err.msg, out) != NULL, "%s", err.msg);
    cg_cells_free(&c);
    rm_rf(root);
}

/* Concurrent first runs with different settings (e.g. shards started
 * together with mismatched flags): exactly one may win, the others must be
 * told, and the file must be the winner's. Each child exits 0 on CG_OK, 2 on
 * CG_EUSAGE. Correct code passes every time; a create that replaces an
 * existing file (plain rename) fails whenever two children overlap. */
static void test_sync_concurrent_first_runs(void)
{
    for (int round = 0; round < 5; round++) {
        const char *root = tmpdir();
        char path[450], names[1000];
        snprintf(path, sizeof path, "%s/cells.csv", root);
        int go[2];
        CHECK(pipe(go) == 0);
        enum { K = 6 };
        pid_t pid[K];
        for (int k = 0; k < K; k++) {
            pid[k] = fork();
            if (pid[k] == 0) {
                char b;
                close(go[1]);
                if (read(go[0], &b, 1) < 0) /* wait for the start signal (EOF) */
                    _exit(9);
                cg_cells c;
                cg_err err;
                if (cg_cells_build(&c, 20000, 52.37, 4.895, 50, 100 + (uint64_t)k, &err) != CG_OK)
                    _exit(9);
                _exit(cg_cells_sync(&c, root, &err));
            }
        }
        close(go[0]);
        close(go[1]); /* all children start now */
        int winners = 0, winner = -1, others = 0;
        for (int k = 0; k < K; k++) {
            int st = 0;
            waitpid(pid[k], &st, 0);
            int code = WIFEXITED(st) ? WEXITSTATUS(st) : 99;
            if (code == CG_OK)
                winners++, winner = k;
            else if (code == CG_EUSAGE)
                others++;
        }
        CHECK_EQ_INT(winners, 1);
        CHECK_EQ_INT(others, K - 1);
        if (winner >= 0) {
            cg_cells c;
            char *want;
            size_t hlen = 0;
            CHECK_EQ_INT(build(&c, 20000, 52.37, 4.895, 50, 100 + (uint64_t)winner), CG_OK);
            size_t wlen = cg_cells_csv(&c, &want);
            FILE *f = fopen(path, "rb");
            char *have = malloc(wlen + 1);
            hlen = f ? fread(have, 1, wlen + 1, f) : 0;
            if (f)
                fclose(f);
            CHECK(hlen == wlen && memcmp(have, want, wlen) == 0);
            free(have);
            free(want);
            cg_cells_free(&c);
        }
        list_dir(root, names, sizeof names);
        CHECK_EQ_STR(names, "cells.csv ");
        rm_rf(root);
    }
}

int main(void)
{
    RUN_TEST(test_ids_and_rat_lists);
    RUN_TEST(test_network_layout);
    RUN_TEST(test_serving);
    RUN_TEST(test_knn_exact);
    RUN_TEST(test_poles);
    RUN_TEST(test_determinism);
    RUN_TEST(test_csv_text);
    RUN_TEST(test_bad_arguments);
    RUN_TEST(test_sync_create_and_reuse);
    RUN_TEST(test_sync_mismatch);
    RUN_TEST(test_sync_unreadable);
    RUN_TEST(test_sync_concurrent_first_runs);
    TEST_REPORT();
}
