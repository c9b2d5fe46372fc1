/* The growth helper (see mem.h). */
#include "core/mem.h"

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
