/* The system tz database (see tzdb.h). */
#include "io/tzdb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cg_tz_valid(const char *name)
{
    if (!name || !*name || name[0] == '/' || strstr(name, "..") || strlen(name) > 120)
        return 0;
    const char *dir = getenv("TZDIR");
    if (!dir || !*dir)
        dir = "/usr/share/zoneinfo";
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char magic[4] = {0};
    size_t n = fread(magic, 1, 4, f);
    fclose(f);
    return n == 4 && memcmp(magic, "TZif", 4) == 0;
}

int cg_tz_use(const char *name, cg_err *err)
{
    if (!cg_tz_valid(name))
        return cg_err_set(err, CG_EUSAGE,
                          "--tz: unknown time zone \"%s\" (expected an IANA name of the "
                          "system tz database, e.g. Europe/Amsterdam)",
                          name ? name : "");
    if (setenv("TZ", name, 1) != 0)
        return cg_err_errno(err, CG_ERUNTIME, errno, "--tz %s: cannot set TZ", name);
    tzset();
    return CG_OK;
}
