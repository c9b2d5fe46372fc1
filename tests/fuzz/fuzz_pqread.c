/* libFuzzer harness for io/pqread, the reader that turns a Parquet file of
 * ours back into CSV lines for `report`: any file is either refused with an
 * error or read to its end without touching memory outside its buffers.
 * The input goes through a memfd (pqread reads a file by pread). Replayed
 * without libFuzzer by tests/fuzz/replay.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io/pqread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz.parquet", 0);
    if (fd < 0)
        return 0;
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0) {
            close(fd);
            return 0;
        }
        done += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    cg_pqread *r;
    cg_err err;
    if (cg_pqread_open(&r, path, &err) == CG_OK) {
        volatile size_t sink = 0;
        for (int k = 0; k < 10000000; k++) {
            const char *l;
            size_t n;
            int has;
            if (cg_pqread_line(r, &l, &n, &has, &err) || !has)
                break;
            sink += n ? (size_t)l[n - 1] : 0;
        }
        (void)sink;
        cg_pqread_close(r);
    }
    close(fd);
    return 0;
}
