/* libFuzzer harness for the Arrow IPC reader: any input must either be
 * rejected with an error or be readable row by row without touching memory
 * outside the buffer. Replayed without libFuzzer by tests/fuzz/replay.sh. */
#include <stddef.h>
#include <stdint.h>

#include "io/arrow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cg_arrow_reader *r;
    cg_err err;
    if (cg_arrow_reader_open_mem(&r, data, size, "fuzz.arrow", &err) != CG_OK)
        return 0;
    volatile uint64_t sink = 0;
    uint64_t total = 0;
    for (size_t b = 0; b < cg_arrow_reader_nbatches(r); b++) {
        uint64_t n = cg_arrow_reader_batch_rows(r, b);
        for (uint64_t i = 0; i < n; i++) {
            cg_sub_event ev;
            cg_arrow_reader_get(r, b, i, &ev);
            sink += (uint64_t)ev.ts_ms ^ ev.imsi ^ ev.msisdn ^ ev.imei ^ ev.mccmnc ^ ev.type;
        }
        total += n;
    }
    /* The reader's row count must agree with the batches it reports. */
    (void)sink;
    if (total != cg_arrow_reader_rows(r))
        __builtin_trap();
    cg_arrow_reader_close(r);
    return 0;
}
