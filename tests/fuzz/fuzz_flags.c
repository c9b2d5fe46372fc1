/* libFuzzer harness for the command-line parser (cli/flags): the input is
 * split into arguments at NUL and newline bytes and parsed as argv of
 * `cdrgen`. Any argv must be accepted or refused with one line; the parser
 * must never exit, print to stdout or leak. --config values are confined to
 * a scratch directory holding one valid and one broken file, so the fuzzer
 * cannot make the parser read /dev/stdin or other real files. Replayed
 * without libFuzzer by tests/fuzz/replay.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/flags.h"
#include "fuzzfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

static const char k_good_yaml[] = "subscribers: 5000\nworkers: 2\ntz_name: Europe/Moscow\n"
                                  "mo_share_call: 0.7\ncompression_type: zstd\n";
static const char k_bad_yaml[] = "subscribers: [1\n";

/* Copies one argument into its own exact-size allocation (ASan sees any
 * over-read); a --config value becomes a file of the scratch directory. */
static char *arg_dup(const char *s, size_t n, int is_config_value)
{
    if (is_config_value) {
        /* "" stays empty (the parser's own check); anything else names a
         * scratch file: "good.yaml", "bad.yaml" or one that does not exist */
        if (n == 0)
            return calloc(1, 1);
        size_t len = strlen(fz_scratch()) + 1 + n + 1;
        char *p = malloc(len);
        if (!p)
            abort();
        snprintf(p, len, "%s/%.*s", fz_scratch(), (int)n, s);
        for (char *q = p + strlen(fz_scratch()) + 1; *q; q++)
            if (*q == '/')
                *q = '_';
        return p;
    }
    char *p = malloc(n + 1);
    if (!p)
        abort();
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull) {
        if (!(devnull = fopen("/dev/null", "w")))
            abort();
        fz_write("good.yaml", k_good_yaml, sizeof k_good_yaml - 1);
        fz_write("bad.yaml", k_bad_yaml, sizeof k_bad_yaml - 1);
    }
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = arg_dup("cdrgen", 6, 0);
    const char *s = (const char *)data, *end = s + size;
    int next_is_config = 0;
    /* "a\nb" -> {a, b}; a trailing separator adds no empty argument */
    while (s < end && argc < MAX_ARGS + 1) {
        const char *e = s;
        while (e < end && *e != '\0' && *e != '\n')
            e++;
        size_t n = (size_t)(e - s);
        if (n > 9 && !memcmp(s, "--config=", 9)) {
            char *v = arg_dup(s + 9, n - 9, 1);
            size_t len = 9 + strlen(v) + 1;
            char *a = malloc(len);
            if (!a)
                abort();
            snprintf(a, len, "--config=%s", v);
            free(v);
            argv[argc++] = a;
            next_is_config = 0;
        } else {
            argv[argc++] = arg_dup(s, n, next_is_config);
            next_is_config = n == 8 && !memcmp(s, "--config", 8);
        }
        s = e + 1;
    }
    argv[argc] = NULL;

    char **copy = malloc(sizeof argv);
    if (!copy)
        abort();
    memcpy(copy, argv, sizeof argv);
    cg_flags *fl = malloc(sizeof *fl);
    if (!fl)
        abort();
    cg_err err;
    cg_err_clear(&err);
    int rc = cg_flags_parse(fl, argc, copy, devnull, &err);
    if (rc != CG_OK) {
        fz_check_line(err.msg);
        if (rc != CG_EUSAGE && rc != CG_ERUNTIME)
            abort();
    } else if (fl->cmd < CG_FLAGS_GENERATE || fl->cmd > CG_FLAGS_VERSION) {
        fprintf(stderr, "fuzz: parse succeeded with command %d\n", fl->cmd);
        abort();
    } else if (fl->cmd == CG_FLAGS_HELP) {
        /* the topic the parser chose must have usage text */
        if (cg_flags_usage(devnull, fl->topic) != 0) {
            fprintf(stderr, "fuzz: help topic '%s' has no usage text\n", fl->topic);
            abort();
        }
    }
    free(fl);
    free(copy);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return 0;
}
