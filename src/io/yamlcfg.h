/* The YAML configuration file of SPEC section 3 (libyaml document API), and
 * the value parsers that the command line shares with it so that a flag and
 * its key accept exactly the same spellings and ranges. */
#ifndef CG_YAMLCFG_H
#define CG_YAMLCFG_H

#include <stdint.h>
#include <stdio.h>

#include "core/config.h"

/* Applies every key of the file at PATH onto cfg (keys absent from the file
 * keep their current value). Keys of the earlier tool are ignored with one
 * "cdrgen: warning: FILE:LINE: ..." line each on warn (may be NULL).
 * On error returns CG_EUSAGE with "FILE:LINE: KEY: what is wrong (allowed)"
 * and leaves cfg untouched. */
int cg_yaml_load(cg_config *cfg, const char *path, FILE *warn, cg_err *err);

/* Decimal whole number (optional '+', digits only, no overflow): 0 or -1. */
int cg_yaml_parse_uint(const char *s, uint64_t *out);

/* Finite decimal number ("1", "-0.5", "1e8"; no hex, inf or nan): 0 or -1. */
int cg_yaml_parse_double(const char *s, double *out);

/* "K/N" with 0 <= K < N: 0 or -1. */
int cg_yaml_parse_shard(const char *s, int *k, int *n);

/* "both" | "parts" | "bundle" to enum cg_layout: 0 or -1. */
int cg_yaml_parse_layout(const char *s, int *layout);
/* "csv" / "parquet" -> enum cg_outformat; -1 for anything else. */
int cg_yaml_parse_format(const char *s, int *format);

/* "gzip" | "zstd" | "none" to enum cg_codec: 0 or -1. */
int cg_yaml_parse_codec(const char *s, int *codec);

/* Highest level of a codec (gzip 12, zstd 19, none 0). */
int cg_yaml_codec_level_max(int codec);

/* 1 when s is an MSISDN prefix (3 to 6 digits) / an MCC+MNC (5 digits). */
int cg_yaml_prefix_ok(const char *s);
int cg_yaml_mccmnc_ok(const char *s);

#endif
