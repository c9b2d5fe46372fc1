/* cdrgen report OUT: prints report/report.h's figures, text or JSON. */
#include "cli/commands.h"

#include <stdio.h>

#include "report/report.h"

int cg_cmd_report(const char *out_dir, uint64_t sample, int json, cg_err *err)
{
    cg_report rep;
    CG_TRY(cg_report_run(out_dir, sample, &rep, err));
    cg_report_print(stdout, &rep, json);
    return CG_OK;
}
