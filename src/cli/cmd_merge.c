/* cdrgen merge OUT: placeholder until the lead lands the merge of shard
 * outputs; keeps the CLI's dispatch compiling and testable. */
#include "cli/commands.h"

int cg_cmd_merge(const char *out_dir, cg_err *err)
{
    (void)out_dir;
    return cg_err_set(err, CG_ERUNTIME, "merge: not implemented yet");
}
