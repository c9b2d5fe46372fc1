/* Command-line parsing (getopt_long) of every sub-command and of the flat
 * form of the earlier tool, merged in the order defaults -> YAML (--config)
 * -> environment (shard) -> flags. Kept apart from main() so it is testable. */
#ifndef CG_FLAGS_H
#define CG_FLAGS_H

#include <stdio.h>

#include "core/config.h"

enum cg_flags_cmd {
    CG_FLAGS_GENERATE = 0,
    CG_FLAGS_DB_GENERATE,
    CG_FLAGS_DB_VALIDATE,
    CG_FLAGS_DB_CONVERT,
    CG_FLAGS_MERGE,
    CG_FLAGS_REPORT,
    CG_FLAGS_HELP,    /* print cg_flags_usage(topic) and exit 0 */
    CG_FLAGS_VERSION  /* print "cdrgen VERSION" and exit 0 */
};

typedef struct cg_flags {
    int cmd;                  /* enum cg_flags_cmd */
    char topic[32];           /* CG_FLAGS_HELP: "", "generate", "db", "db generate", ... */
    char path[CG_PATH_MAX];   /* db generate -o, db validate FILE, db convert IN, merge/report OUT */
    char path2[CG_PATH_MAX];  /* db convert OUT */
    cg_config cfg;            /* merged configuration (generate, db generate) */
} cg_flags;

/* Parses argv (argv[0] is the program). Returns CG_OK, or CG_EUSAGE with one
 * line in err (a usage error ends with "(see cdrgen CMD --help)"), or the
 * code of a failed --config load. Warnings (ignored legacy YAML keys) go to
 * warn. Reads CDRGEN_SHARD_INDEX / CDRGEN_SHARD_COUNT from the environment. */
int cg_flags_parse(cg_flags *fl, int argc, char **argv, FILE *warn, cg_err *err);

/* Usage text of a topic ("" = overview) with every flag and its default.
 * Returns 0, or -1 for an unknown topic. */
int cg_flags_usage(FILE *out, const char *topic);

#endif
