/* `cdrgen report OUT --html FILE`: the report as one self-contained HTML
 * page (docs/REPORT.md). The charts are Vega-Lite specifications rendered
 * in the page by vega, vega-lite and vega-embed, whose minified builds are
 * inlined from the directory cdrgen installs them in, with the page's own
 * chart code (share/js/report.js); the numbers are the JSON of
 * `report --json`, embedded as it is, and the table of measured
 * properties is static HTML. Nothing is fetched: the page opens offline. */
#ifndef CG_REPORT_HTML_H
#define CG_REPORT_HTML_H

#include "core/config.h"
#include "core/err.h"
#include "report/report.h"

/* Where the JavaScript is: $CDRGEN_JS_DIR, else PREFIX/share/cdrgen/js
 * next to the executable (exe is /proc/self/exe's target), else the
 * source tree's share/js (its node_modules after `make js`). Sets dir. */
int cg_report_js_dir(char *dir, size_t cap, cg_err *err);

/* Writes the page for rep (of out_dir) to path, atomically. cfg gives the
 * configured diurnal weights and rates (the defaults without --config;
 * cfg_name is the YAML file or NULL). */
int cg_report_html(const char *path, const cg_report *rep, const char *out_dir,
                   const cg_config *cfg, const char *cfg_name, const char *js_dir, cg_err *err);

#endif
