/* The growth helper (see mem.h). */
#include "core/mem.h"

#include <stdarg.h>
#include <stdio.h>

#include <stdlib.h>

void *cg_grow_min(void *p, size_t *cap, size_t need, size_t elem, size_t min)
{
    if (elem == 0)
        elem = 1;
    if (need == 0)
        need = 1;
    if (need <= *cap && p)
        return p;
    size_t c = *cap ? *cap : (min ? min : 16);
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return NULL;
        c *= 2;
    }
    if (c > SIZE_MAX / elem)
        return NULL;
    void *q = realloc(p, c * elem);
    if (!q)
        return NULL;
    *cap = c;
    return q;
}

int cg_text_add(cg_text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = t->cap - t->n;
        int k = vsnprintf(t->p ? t->p + t->n : NULL, t->p ? room : 0, fmt, ap);
        va_end(ap);
        if (k < 0)
            return -1;
        if (t->p && (size_t)k < room) {
            t->n += (size_t)k;
            return 0;
        }
        char *q = cg_grow_min(t->p, &t->cap, t->n + (size_t)k + 1, 1, 4096);
        if (!q)
            return -1;
        t->p = q;
    }
}
