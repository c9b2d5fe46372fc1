/* libFuzzer harness for the YAML configuration loader (io/yamlcfg): any
 * bytes must be either applied or refused with one line naming file and line,
 * and a refused file must leave the configuration untouched. Replayed
 * without libFuzzer by tests/fuzz/replay.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "fuzzfile.h"
#include "io/yamlcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull && !(devnull = fopen("/dev/null", "w")))
        abort();
    const char *path = fz_write("fuzz.yaml", data, size);
    /* ~40 KB each: heap, so ASan sees any write past the struct. */
    cg_config *cfg = malloc(sizeof *cfg), *before = malloc(sizeof *before);
    if (!cfg || !before)
        abort();
    cg_config_defaults(cfg);
    *before = *cfg;
    cg_err err;
    cg_err_clear(&err);
    int rc = cg_yaml_load(cfg, path, devnull, &err);
    if (rc != CG_OK) {
        fz_check_line(err.msg);
        if (rc != CG_EUSAGE && rc != CG_ERUNTIME)
            abort();
        /* documented: a refused file leaves cfg as it was */
        if (memcmp(cfg, before, sizeof *cfg) != 0) {
            fprintf(stderr, "fuzz: refused YAML changed the configuration\n");
            abort();
        }
    } else {
        /* The cross-field checks run on whatever the file set. */
        cg_err_clear(&err);
        if (cg_config_check(cfg, &err) != CG_OK)
            fz_check_line(err.msg);
    }
    free(cfg);
    free(before);
    return 0;
}
