/* cdrgen generate: the command-line side of the engine (gen/engine.h):
 * progress on stderr, notes and warnings, the day totals on stdout. The
 * engine does the work; this file only talks to the user. */
#include "cli/commands.h"

#include <stdio.h>
#include <unistd.h>

#include "gen/engine.h"

static void progress_line(void *ctx, const cg_gen_progress *p)
{
    (void)ctx;
    double mb = (double)p->raw_bytes / 1e6;
    double eta = p->subs_done
                     ? p->elapsed_s * (double)(p->subs_total - p->subs_done) / (double)p->subs_done
                     : 0;
    fprintf(stderr, "\r%s [%d/%d] %llu/%llu subscribers, %llu rows, %.0f MB/s, ETA %.0fs   %s",
            p->date, p->day_no + 1, p->days, (unsigned long long)p->subs_done,
            (unsigned long long)p->subs_total, (unsigned long long)p->rows,
            p->elapsed_s > 0 ? mb / p->elapsed_s : 0.0, eta, p->final ? "\n" : "");
    fflush(stderr);
}

static void day_line(void *ctx, const char *date, const uint64_t n[3])
{
    (void)ctx;
    printf("%s: %llu calls, %llu sms, %llu data records\n", date, (unsigned long long)n[0],
           (unsigned long long)n[1], (unsigned long long)n[2]);
    fflush(stdout);
}

static void note_line(void *ctx, const char *kind, const char *msg)
{
    const cg_config *cfg = ctx;
    /* Warnings are quiet under --quiet; notes about days always show. */
    if (kind[0] == 'w' && cfg->progress == 0)
        return;
    fprintf(stderr, "cdrgen: %s: %s\n", kind, msg);
}

int cg_cmd_generate(const cg_config *cfg, cg_err *err)
{
    int progress = cfg->progress > 0 || (cfg->progress < 0 && isatty(2));
    cg_gen_hooks hooks = {(void *)cfg, progress ? progress_line : NULL,
                          cfg->progress != 0 ? day_line : NULL, note_line};
    return cg_gen_run(cfg, &cg_outfmt_csv, &hooks, err);
}
