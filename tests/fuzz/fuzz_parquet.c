/* libFuzzer harness for the Parquet footer and page reader that `merge`
 * uses on part files (io/parquet.c): any input is either rejected with an
 * error or read without touching memory outside the buffer, and every
 * column chunk it accepts is walked page by page. Replayed without
 * libFuzzer by tests/fuzz/replay.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "io/parquet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cg_pq_rg *rgs = NULL;
    size_t n = 0, need = 0;
    int codec = -1;
    uint64_t dend = 0;
    cg_err err;
    if (cg_pq_footer_read(data, size, size, "fuzz.parquet", &rgs, &n, &codec, &dend, &need,
                          &err) != CG_OK)
        return 0;
    if (need) /* the whole file was given: a longer tail cannot exist */
        __builtin_trap();
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < CG_PQ_NCOLS; k++) {
            const cg_pq_chunk *c = &rgs[i].c[k];
            int64_t first = c->dict_off >= 0 ? c->dict_off : c->data_off;
            /* the reader promised the chunk lies inside the data */
            if (first < 4 || (uint64_t)(first + c->comp) > dend || dend > size)
                __builtin_trap();
            (void)cg_pq_check_chunk("fuzz.parquet", data + first, (size_t)c->comp, codec,
                                    rgs[i].rows, c->dict_off >= 0, &err);
        }
    free(rgs);
    return 0;
}
