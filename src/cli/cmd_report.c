/* cdrgen report OUT: prints report/report.h's figures, text or JSON, and
 * with --html FILE writes the page of report/html.h. */
#include "cli/commands.h"

#include <limits.h>
#include <stdio.h>

#include "report/html.h"
#include "report/report.h"

int cg_cmd_report(const char *out_dir, const cg_config *cfg, cg_err *err)
{
    char js[PATH_MAX + 64];
    if (cfg->report_html[0]) /* before the reading: a missing library fails at once */
        CG_TRY(cg_report_js_dir(js, sizeof js, err));
    cg_report rep;
    CG_TRY(cg_report_run(out_dir, cfg->report_sample, &rep, err));
    int rc = CG_OK;
    if (cfg->report_html[0]) {
        rc = cg_report_html(cfg->report_html, &rep, out_dir, cfg,
                            cfg->config_path[0] ? cfg->config_path : NULL, js, err);
        if (!rc)
            fprintf(stderr, "cdrgen: report written to %s\n", cfg->report_html);
    }
    if (!rc)
        cg_report_print(stdout, &rep, cfg->report_json);
    cg_report_free(&rep);
    return rc;
}
