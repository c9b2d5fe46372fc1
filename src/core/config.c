/* Defaults of SPEC sections 1 and 3 (placeholder; completed with the CLI). */
#include "core/config.h"

#include <string.h>

void cg_config_defaults(cg_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
}

int cg_config_check(const cg_config *cfg, cg_err *err)
{
    (void)cfg;
    (void)err;
    return CG_OK;
}
