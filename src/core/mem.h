/* One growth helper for every growing array (instead of a dozen doubling
 * loops): doubles the capacity until `need` fits, with overflow checks, and
 * never loses the old block on failure. Typed callers write
 *     char *t = cg_grow(sl->text, &sl->text_cap, len + more, 1);
 *     if (!t) return cg_err_set(err, CG_ERUNTIME, "out of memory ...");
 *     sl->text = t;
 * so no (void **)&typed_ptr cast is needed. */
#ifndef CG_MEM_H
#define CG_MEM_H

#include <stddef.h>
#include <stdint.h>

_Static_assert(sizeof(size_t) == 8, "cdrgen assumes 64-bit sizes (offsets of multi-GB files)");
_Static_assert(sizeof(long long) == 8 && sizeof(uint64_t) == 8, "64-bit integers");

/* Returns p unchanged when need <= *cap elements of elem bytes (p may be
 * NULL only if *cap is 0), else a block of at least need elements holding
 * p's old contents, *cap updated; NULL (p still valid, *cap unchanged) when
 * out of memory or when need x elem overflows. `min` is the first capacity
 * (0: 16). */
void *cg_grow_min(void *p, size_t *cap, size_t need, size_t elem, size_t min);

static inline void *cg_grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap && p)
        return p;
    return cg_grow_min(p, cap, need, elem, 0);
}

/* A growing text (events.json, anomaly labels): cg_text_add appends
 * printf-formatted text, growing p; -1 when out of memory (the text so far
 * stays). Zero-initialised; the owner frees p. */
typedef struct cg_text {
    char *p;
    size_t n, cap;
} cg_text;

__attribute__((format(printf, 2, 3)))
int cg_text_add(cg_text *t, const char *fmt, ...);

#endif
