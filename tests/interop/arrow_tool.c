/* Interop helper for tests/interop/run.sh: `gen N` prints the deterministic
 * event set as text, `write FILE N` writes it with cg_arrow_writer, `dump
 * FILE` reads any Arrow file with cg_arrow_reader and prints the same text
 * format (null = empty field), so outputs can be diffed with arrow-js;
 * `info FILE` prints the batch sizes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/arrow.h"

/* Row i of the test set: nulls, extreme and negative values on purpose. */
static void make_event(uint64_t i, cg_sub_event *ev)
{
    ev->ts_ms = 1704067200000 + (int64_t)i * 1000;
    ev->type = (uint8_t)(i % 5);
    ev->imsi = 310150000000000ULL + i;
    ev->msisdn = (i % 7 == 3) ? 0 : 4915100000000ULL + i;
    ev->imei = (i % 11 == 5) ? 0 : 350000000000000ULL + i * 13;
    ev->mccmnc = 26201 + (uint32_t)(i % 3);
    if (i == 1) {
        ev->imsi = UINT64_MAX;
        ev->msisdn = UINT64_MAX - 1;
        ev->ts_ms = INT64_MIN;
    }
    if (i == 2) {
        ev->ts_ms = -1;
        ev->imei = (1ULL << 63) + 5;
        ev->mccmnc = UINT32_MAX;
        ev->type = 255;
    }
}

static void print_event(const cg_sub_event *ev)
{
    char m[24] = "", e[24] = "";
    if (ev->msisdn)
        snprintf(m, sizeof m, "%" PRIu64, ev->msisdn);
    if (ev->imei)
        snprintf(e, sizeof e, "%" PRIu64, ev->imei);
    printf("%" PRId64 ",%u,%" PRIu64 ",%s,%s,%" PRIu32 "\n", ev->ts_ms, ev->type, ev->imsi, m, e,
           ev->mccmnc);
}

int main(int argc, char **argv)
{
    cg_err err = {0};
    if (argc == 3 && strcmp(argv[1], "gen") == 0) {
        uint64_t n = strtoull(argv[2], NULL, 10);
        for (uint64_t i = 0; i < n; i++) {
            cg_sub_event ev;
            make_event(i, &ev);
            print_event(&ev);
        }
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "write") == 0) {
        uint64_t n = strtoull(argv[3], NULL, 10);
        cg_arrow_writer *w;
        if (cg_arrow_writer_open(&w, argv[2], &err))
            goto fail;
        for (uint64_t i = 0; i < n; i++) {
            cg_sub_event ev;
            make_event(i, &ev);
            if (cg_arrow_writer_add(w, &ev, 1, &err)) {
                cg_arrow_writer_abort(w);
                goto fail;
            }
        }
        if (cg_arrow_writer_close(w, &err))
            goto fail;
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "dump") == 0) {
        cg_arrow_reader *r;
        if (cg_arrow_reader_open(&r, argv[2], &err))
            goto fail;
        for (size_t b = 0; b < cg_arrow_reader_nbatches(r); b++)
            for (uint64_t i = 0; i < cg_arrow_reader_batch_rows(r, b); i++) {
                cg_sub_event ev;
                cg_arrow_reader_get(r, b, i, &ev);
                print_event(&ev);
            }
        cg_arrow_reader_close(r);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "info") == 0) {
        cg_arrow_reader *r;
        if (cg_arrow_reader_open(&r, argv[2], &err))
            goto fail;
        printf("batches %zu rows %" PRIu64 " sizes", cg_arrow_reader_nbatches(r),
               cg_arrow_reader_rows(r));
        for (size_t b = 0; b < cg_arrow_reader_nbatches(r); b++)
            printf("%c%" PRIu64, b ? ',' : ' ', cg_arrow_reader_batch_rows(r, b));
        printf("\n");
        cg_arrow_reader_close(r);
        return 0;
    }
    fprintf(stderr, "usage: arrow_tool gen N | write FILE N | dump FILE | info FILE\n");
    return 2;
fail:
    fprintf(stderr, "%s\n", err.msg);
    return 1;
}
