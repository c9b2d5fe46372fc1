/* The option table (core/options.h) against the documentation and itself:
 * the two settings tables of docs/CONFIG.md are the table's rows, rendered
 * here (the test fails when CONFIG.md is stale; `make docs` rewrites them
 * with `test_options --write docs/CONFIG.md`); every row is well formed
 * (flags and keys unique, ranges ordered, help present, fields inside
 * cg_config). */
#include <stddef.h>
#include <stdint.h>

#include "core/options.h"
#include "testhelp.h"

static const char *k_doc = "docs/CONFIG.md";

/* Appends one Markdown row of o to buf. */
static size_t row(char *buf, size_t cap, const cg_option *o, unsigned table)
{
    char flag[256], key[256];
    if (o->doc_flag)
        snprintf(flag, sizeof flag, "%s", o->doc_flag);
    else if (o->flag && o->alias && (table & CG_DOC_DBGEN))
        snprintf(flag, sizeof flag, "`--%s%s%s` (`--%s`)", o->flag, o->metavar[0] ? " " : "",
                 o->metavar, o->alias);
    else if (o->flag)
        snprintf(flag, sizeof flag, "`--%s%s%s`", o->flag, o->metavar[0] ? " " : "", o->metavar);
    else
        snprintf(flag, sizeof flag, "—");
    if (o->doc_key)
        snprintf(key, sizeof key, "%s", o->doc_key);
    else if (o->key)
        snprintf(key, sizeof key, "`%s`", o->key);
    else
        snprintf(key, sizeof key, "—");
    return (size_t)snprintf(buf, cap, "| %s | %s | %s | %s |\n", flag, key, o->doc_default,
                            o->doc_allowed);
}

/* The table of one command, header included. */
static void table(char *buf, size_t cap, unsigned which)
{
    size_t n = (size_t)snprintf(buf, cap, "| flag | YAML key | default | allowed |\n"
                                          "|---|---|---|---|\n");
    for (int i = 0; i < cg_noptions; i++)
        if (cg_options[i].doc & which)
            n += row(buf + n, cap - n, &cg_options[i], which);
}

/* The text between "<!-- options:NAME -->\n" and "<!-- /options -->". */
static char *between(char *doc, const char *name, char **end)
{
    char open[64];
    snprintf(open, sizeof open, "<!-- options:%s -->\n", name);
    char *b = strstr(doc, open);
    if (!b)
        return NULL;
    b += strlen(open);
    char *e = strstr(b, "<!-- /options -->");
    if (!e)
        return NULL;
    *end = e;
    return b;
}

static const struct {
    const char *name;
    unsigned which;
} k_tables[] = {{"generate", CG_DOC_GEN}, {"db-generate", CG_DOC_DBGEN}};

static void test_config_md_current(void)
{
    size_t n;
    char *doc = th_slurp(k_doc, &n);
    CHECK_MSG(doc != NULL, "cannot read %s", k_doc);
    if (!doc)
        return;
    static char want[65536];
    for (size_t t = 0; t < sizeof k_tables / sizeof k_tables[0]; t++) {
        char *end, *got = between(doc, k_tables[t].name, &end);
        CHECK_MSG(got != NULL, "%s: no <!-- options:%s --> block", k_doc, k_tables[t].name);
        if (!got)
            continue;
        table(want, sizeof want, k_tables[t].which);
        CHECK_MSG(strlen(want) == (size_t)(end - got) && !memcmp(want, got, strlen(want)),
                  "%s: the %s table is stale: run make docs\n--- want:\n%s", k_doc,
                  k_tables[t].name, want);
    }
    free(doc);
}

static void check_rows(const cg_option *rows, int n, int nested)
{
    for (int i = 0; i < n; i++) {
        const cg_option *o = &rows[i];
        CHECK_MSG(o->flag || o->key, "row %d has neither flag nor key", i);
        if (o->flag && !nested)
            CHECK_MSG(o->help && o->help[0] && o->metavar, "--%s: no help", o->flag);
        if (o->key)
            CHECK_MSG(o->kind == CG_K_SPECIAL || (o->allowed && o->allowed[0]),
                      "%s: no allowed text", o->key);
        if (o->doc)
            CHECK_MSG(o->doc_default && o->doc_allowed, "row %d: no doc cells", i);
        if (o->kind == CG_K_UINT || o->kind == CG_K_INT)
            CHECK_MSG(o->lo <= o->hi, "row %d: lo > hi", i);
        if (o->kind == CG_K_INT)
            CHECK_MSG(o->hi <= INT32_MAX, "row %d: int range", i);
        if (o->kind == CG_K_DOUBLE || o->kind == CG_K_DLIST)
            CHECK_MSG(o->dlo < o->dhi, "row %d: dlo >= dhi", i);
        if (o->kind == CG_K_SPECIAL)
            CHECK_MSG(o->special != CG_SP_NONE, "row %d: special without a tag", i);
        if (o->kind == CG_K_SECTION || o->kind == CG_K_SECLIST) {
            CHECK_MSG(o->children && o->nchildren > 0 && o->msg, "row %d: empty section", i);
            check_rows(o->children, o->nchildren, 1);
        }
        if (o->kind == CG_K_SECLIST)
            CHECK_MSG(o->stride > 0 && o->max > 0 && o->count_off >= 0 &&
                          o->off + o->stride * (size_t)o->max <= sizeof(cg_config),
                      "row %d: list of sections", i);
        if (o->kind == CG_K_DLIST)
            CHECK_MSG(o->n > 0 && o->msg &&
                          o->off + sizeof(double) * (size_t)o->n <= sizeof(cg_config),
                      "row %d: list", i);
        if (o->kind != CG_K_SPECIAL && o->kind != CG_K_SECTION)
            CHECK_MSG(o->off < sizeof(cg_config), "row %d: field outside cg_config", i);
        if (o->kind == CG_K_NAME)
            CHECK_MSG(o->n > 1, "row %d: name length", i);
        CHECK_MSG(o->set_off < (int)sizeof(cg_config), "row %d: set_off", i);
        for (int j = 0; j < i; j++) {
            const cg_option *p = &rows[j];
            if (o->key && p->key)
                CHECK_MSG(strcmp(o->key, p->key) != 0, "key %s twice", o->key);
            const char *a[2] = {o->flag, o->alias}, *b[2] = {p->flag, p->alias};
            for (int x = 0; x < 2; x++)
                for (int y = 0; y < 2; y++)
                    if (a[x] && b[y])
                        CHECK_MSG(strcmp(a[x], b[y]) != 0, "flag --%s twice", a[x]);
        }
    }
}

static void test_rows_well_formed(void)
{
    CHECK(cg_noptions <= CG_MAX_OPTIONS);
    check_rows(cg_options, cg_noptions, 0);
    CHECK(cg_option_by_key(cg_options, cg_noptions, "subscribers") != NULL);
    CHECK(cg_option_by_key(cg_options, cg_noptions, "days") == NULL); /* flag only */
}

/* --write FILE: replaces the blocks in FILE with the tables. */
static int write_doc(const char *path)
{
    size_t n;
    char *doc = th_slurp(path, &n);
    if (!doc) {
        fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    for (size_t t = 0; t < sizeof k_tables / sizeof k_tables[0]; t++) {
        char *end, *b = between(doc, k_tables[t].name, &end);
        if (!b) {
            fprintf(stderr, "%s: no <!-- options:%s --> block\n", path, k_tables[t].name);
            return 1;
        }
        static char tab[65536];
        table(tab, sizeof tab, k_tables[t].which);
        size_t head = (size_t)(b - doc), tl = strlen(tab), rest = strlen(end);
        char *nd = malloc(head + tl + rest + 1);
        memcpy(nd, doc, head);
        memcpy(nd + head, tab, tl);
        memcpy(nd + head + tl, end, rest + 1);
        free(doc);
        doc = nd;
    }
    FILE *f = fopen(path, "wb");
    if (!f || fputs(doc, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        return 1;
    }
    free(doc);
    printf("wrote the option tables of %s\n", path);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--write"))
        return write_doc(argv[2]);
    RUN_TEST(test_rows_well_formed);
    RUN_TEST(test_config_md_current);
    TEST_REPORT();
}
