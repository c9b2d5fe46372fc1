/* The one table of settings (in the style of redis's standardConfig
 * static_configs[]): each setting is one row giving its flag, its YAML key,
 * the commands that take it, where it lives in cg_config, its range, its
 * --help line and its row of docs/CONFIG.md. getopt_long's table and the
 * flag parser (cli/flags.c), the YAML loader (io/yamlcfg.c), --help and the
 * CONFIG.md tables (tests/unit/test_options.c keeps them in step) all come
 * from it. Adding a setting is adding a row; a kind the generic code does
 * not know gets a `special` tag that each reader handles by name.
 *
 * Nested YAML: a CG_K_SECTION row is a mapping whose keys are its own rows
 * (`children`), read generically ("section.key" in messages); a
 * CG_K_SECLIST row is a list of such mappings filling an array of structs
 * ("list[2].key"); a CG_K_DLIST row is a fixed-length list of numbers. The model's coming keys (profiles,
 * areas, events) are sections of such rows. */
#ifndef CG_OPTIONS_H
#define CG_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

/* Commands (and command lines) that take a flag. */
#define CG_CMD_GEN 1u
#define CG_CMD_DBGEN 2u
#define CG_CMD_DBVAL 4u
#define CG_CMD_DBCONV 8u
#define CG_CMD_MERGE 16u
#define CG_CMD_FLAT 32u
#define CG_CMD_DB 64u /* the `db` command word alone */
#define CG_CMD_REPORT 128u
#define CG_CMD_ALL 255u

#define CG_DOC_GEN 1u
#define CG_DOC_DBGEN 2u

enum cg_optkind {
    CG_K_UINT,    /* uint64_t field, lo..hi */
    CG_K_INT,     /* int field, lo..hi */
    CG_K_PROB,    /* double field, 0..1 */
    CG_K_DOUBLE,  /* double field, dlo..dhi */
    CG_K_PATH,    /* char[CG_PATH_MAX] field, non-empty */
    CG_K_DLIST,   /* double[n] field: a list of exactly n numbers dlo..dhi */
    CG_K_SECTION, /* a YAML mapping of the rows in children */
    CG_K_SECLIST, /* a YAML list of such mappings: an array of structs */
    CG_K_NAME,    /* char[n] field: a short name (letters, digits, _ -) */
    CG_K_TIME,    /* int64_t field: local "YYYY-MM-DD HH:MM", minutes since 1970 */
    CG_K_DATES,   /* int32_t[n] field: a list of 1..n "YYYY-MM-DD" (count at count_off) */
    CG_K_INTS,    /* int32_t[n] field: a list of 1..n whole numbers lo..hi (count at count_off) */
    CG_K_SPECIAL  /* parsed by each reader by its `special` tag */
};

enum cg_optspecial {
    CG_SP_NONE = 0,
    CG_SP_START, CG_SP_CONFIG, CG_SP_PREFIXES, CG_SP_MCCMNC, CG_SP_TZ, CG_SP_CENTER,
    CG_SP_RADIUS, CG_SP_CODEC, CG_SP_LEVEL, CG_SP_CLEANUP, CG_SP_SHARD, CG_SP_QUIET,
    CG_SP_PROGRESS, CG_SP_OUTPUT, CG_SP_GEN_DB, CG_SP_VALIDATE_DB, CG_SP_HELP,
    CG_SP_DISPOSITIONS, CG_SP_QUANTILES, CG_SP_SEASONALITY, CG_SP_SPECIAL_DAYS, CG_SP_JSON,
    CG_SP_LAYOUT, CG_SP_NO_BUNDLE, CG_SP_BUNDLE_ONLY, CG_SP_FORMAT, CG_SP_ANOM_COLUMNS
};

typedef struct cg_option {
    const char *flag;  /* long flag without "--", NULL: YAML only */
    const char *alias; /* a second spelling of the flag, not in --help */
    const char *key;   /* YAML key, NULL: flag only */
    unsigned cmds;     /* CG_CMD_* taking the flag */
    int kind;          /* enum cg_optkind */
    int special;       /* enum cg_optspecial (CG_K_SPECIAL, or a post-step) */
    size_t off;        /* offsetof(cg_config, field) of generic kinds */
    int set_off;       /* offsetof an int set to 1 when given, or -1 */
    uint64_t lo, hi;   /* CG_K_UINT / CG_K_INT range */
    double dlo, dhi;   /* CG_K_DOUBLE / CG_K_DLIST range */
    int n;             /* CG_K_DLIST length */
    const char *metavar;
    const char *help;    /* --help line */
    const char *allowed; /* the "(...)" of YAML messages */
    /* docs/CONFIG.md row: flag and key cells (NULL: from flag/key), the
     * default and allowed cells; doc: the tables that show the row
     * (CG_DOC_GEN, CG_DOC_DBGEN; 0: none, another row shows it) */
    const char *doc_flag, *doc_key, *doc_default, *doc_allowed;
    unsigned doc;
    const struct cg_option *children; /* CG_K_SECTION, CG_K_SECLIST */
    int nchildren;
    /* CG_K_SECLIST: element size, offset of the int count, most elements;
     * the children's offsets are relative to an element */
    size_t stride;
    int count_off, max;
    const void *elem_default; /* CG_K_SECLIST: what an element starts as (NULL: zeros) */
    /* CG_K_SECTION: what an unknown child key is; CG_K_DLIST: what a list
     * of zeros is ("every hour is 0") */
    const char *msg;
} cg_option;

/* Rows at most (the flag parser sizes its getopt table by it). */
#define CG_MAX_OPTIONS 128

extern const cg_option cg_options[];
extern const int cg_noptions;

/* The row of a YAML key among rows[0..n), NULL if none. */
const cg_option *cg_option_by_key(const cg_option *rows, int n, const char *key);

/* The field of row o in cfg. */
static inline void *cg_option_field(cg_config *cfg, const cg_option *o)
{
    return (char *)cfg + o->off;
}

#endif
