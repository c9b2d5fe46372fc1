/* cdrgen generate: placeholder until the generator lands. */
#include "cli/commands.h"

int cg_cmd_generate(const cg_config *cfg, cg_err *err)
{
    (void)cfg;
    return cg_err_set(err, CG_ERUNTIME, "generate: not implemented yet");
}
