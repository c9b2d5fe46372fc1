/* Entry points of the sub-commands, called by cli/main.c once flags and the
 * YAML file are merged into a cg_config. Each returns CG_OK or an error code
 * with err filled; none calls exit(). */
#ifndef CG_COMMANDS_H
#define CG_COMMANDS_H

#include "core/config.h"

/* cdrgen generate (cli/cmd_generate.c, on gen/engine) */
int cg_cmd_generate(const cg_config *cfg, cg_err *err);

/* cdrgen db generate -o PATH (cli/cmd_db.c); prints the summary of SPEC 5 */
int cg_cmd_db_generate(const cg_config *cfg, const char *path, cg_err *err);

/* cdrgen db validate PATH (cli/cmd_db.c); prints statistics or the first
 * errors with row numbers; an invalid file returns CG_ERUNTIME. */
int cg_cmd_db_validate(const char *path, cg_err *err);

/* cdrgen db convert IN OUT (cli/cmd_db.c) */
int cg_cmd_db_convert(const char *in, const char *out, cg_err *err);

/* cdrgen report OUT (cli/cmd_report.c, on report/report.h) */
/* report OUT: text or --json on stdout; with --html FILE the page too. */
int cg_cmd_report(const char *out_dir, const cg_config *cfg, cg_err *err);

/* cdrgen merge OUT (cli/cmd_merge.c) */
int cg_cmd_merge(const char *out_dir, cg_err *err);

#endif
