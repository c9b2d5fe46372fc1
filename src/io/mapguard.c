/* Registries behind the SIGBUS handler (see mapguard.h): fixed tables of
 * atomic slots, so a signal handler can read them at any moment. */
#include "io/mapguard.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define MAPS 16
#define TMPS 1024 /* open temporary files: a few per worker at most */

static struct {
    _Atomic int used;
    char path[512];            /* written before base is published */
    _Atomic uintptr_t base, len;
} maps[MAPS];
static _Atomic(const char *) tmps[TMPS];

void cg_mapguard_watch(const void *base, size_t len, const char *path)
{
    for (int i = 0; i < MAPS; i++) {
        int none = 0;
        if (atomic_compare_exchange_strong(&maps[i].used, &none, 1)) {
            size_t n = strlen(path);
            n = n < sizeof maps[i].path - 1 ? n : sizeof maps[i].path - 1;
            memcpy(maps[i].path, path, n);
            maps[i].path[n] = '\0';
            atomic_store(&maps[i].len, (uintptr_t)len);
            atomic_store(&maps[i].base, (uintptr_t)base);
            return;
        }
    }
    /* full: a fault there is reported without the file name */
}

void cg_mapguard_unwatch(const void *base)
{
    for (int i = 0; i < MAPS; i++)
        if (atomic_load(&maps[i].used) && atomic_load(&maps[i].base) == (uintptr_t)base) {
            atomic_store(&maps[i].base, 0);
            atomic_store(&maps[i].len, 0);
            atomic_store(&maps[i].used, 0);
            return;
        }
}

void cg_mapguard_tmp_add(const char *tmp)
{
    for (int i = 0; i < TMPS; i++) {
        const char *none = NULL;
        if (atomic_compare_exchange_strong(&tmps[i], &none, tmp))
            return;
    }
}

void cg_mapguard_tmp_del(const char *tmp)
{
    for (int i = 0; i < TMPS; i++) {
        const char *want = tmp;
        if (atomic_compare_exchange_strong(&tmps[i], &want, NULL))
            return;
    }
}

static void put(const char *s)
{
    ssize_t r = write(2, s, strlen(s));
    (void)r;
}

void cg_mapguard_fatal(const void *addr)
{
    const char *path = NULL;
    for (int i = 0; i < MAPS && !path; i++) {
        uintptr_t b = atomic_load(&maps[i].base), n = atomic_load(&maps[i].len);
        if (b && (uintptr_t)addr >= b && (uintptr_t)addr - b < n)
            path = maps[i].path;
    }
    for (int i = 0; i < TMPS; i++) {
        const char *t = atomic_load(&tmps[i]);
        if (t)
            unlink(t);
    }
    put("cdrgen: ");
    put(path ? path : "a mapped input file");
    put(": the file shrank or changed while being read (SIGBUS); unfinished files removed\n");
    _exit(1);
}
