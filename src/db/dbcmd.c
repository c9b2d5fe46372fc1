/* db sub-commands: placeholder until the subscriber database lands. */
#include "cli/commands.h"

int cg_cmd_db_generate(const cg_config *cfg, const char *path, cg_err *err)
{
    (void)cfg;
    (void)path;
    return cg_err_set(err, CG_ERUNTIME, "db generate: not implemented yet");
}

int cg_cmd_db_validate(const char *path, cg_err *err)
{
    (void)path;
    return cg_err_set(err, CG_ERUNTIME, "db validate: not implemented yet");
}

int cg_cmd_db_convert(const char *in, const char *out, cg_err *err)
{
    (void)in;
    (void)out;
    return cg_err_set(err, CG_ERUNTIME, "db convert: not implemented yet");
}
