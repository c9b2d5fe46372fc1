/* Helpers shared by the fuzz harnesses whose code under test reads a named
 * file rather than a buffer: a private scratch directory (removed at exit)
 * into which each input is written before the call, and checks of the
 * one-line error convention (core/err.h). Header-only: each harness is one
 * translation unit for libFuzzer and for tests/fuzz/replay.c. */
#ifndef CG_FUZZFILE_H
#define CG_FUZZFILE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fz_dir[256];

static void fz_cleanup(void)
{
    char cmd[300];
    if (!fz_dir[0])
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fz_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz: cannot remove %s\n", fz_dir);
}

/* Creates the scratch directory once; aborts when it cannot (a harness that
 * silently tests nothing is worse than one that stops). */
static const char *fz_scratch(void)
{
    if (fz_dir[0])
        return fz_dir;
    const char *t = getenv("TMPDIR");
    snprintf(fz_dir, sizeof fz_dir, "%s/cg-fuzz.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(fz_dir)) {
        perror("fuzz: mkdtemp");
        abort();
    }
    atexit(fz_cleanup);
    return fz_dir;
}

/* Writes data to NAME inside the scratch directory; returns its path
 * (static buffer). */
static const char *fz_write(const char *name, const void *data, size_t size)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", fz_scratch(), name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror("fuzz: open scratch file");
        abort();
    }
    const char *p = data;
    while (size) {
        ssize_t k = write(fd, p, size);
        if (k <= 0) {
            perror("fuzz: write scratch file");
            abort();
        }
        p += k;
        size -= (size_t)k;
    }
    close(fd);
    return path;
}

/* An error message must be one non-empty line (core/err.h): anything else
 * is a finding. */
static void fz_check_line(const char *msg)
{
    if (!msg[0] || strchr(msg, '\n') || strchr(msg, '\r')) {
        fprintf(stderr, "fuzz: error message is not one line: [%s]\n", msg);
        abort();
    }
}

#endif
