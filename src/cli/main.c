/* cdrgen entry point: parses the command line (cli/flags.c), runs the
 * command and is the one place that prints errors and picks exit codes. */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/flags.h"
#include "core/stop.h"
#include "io/mapguard.h"

#ifndef CG_VERSION
#define CG_VERSION "0.0.0"
#endif

/* SIGINT/SIGTERM: ask every command to stop (core/stop.h): it removes its
 * temporary files and main exits 128 + signal. */
static void on_signal(int sig)
{
    atomic_store(&cg_stop_signal, sig);
}

/* SIGBUS: a mapped database or index shrank underneath us (mapguard.h). */
static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    cg_mapguard_fatal(si->si_addr);
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    struct sigaction sb;
    memset(&sb, 0, sizeof sb);
    sb.sa_sigaction = on_sigbus;
    sb.sa_flags = SA_SIGINFO;
    sigemptyset(&sb.sa_mask);
    sigaction(SIGBUS, &sb, NULL);
    /* A closed pipe on stdout is an I/O error to report, not a silent death. */
    signal(SIGPIPE, SIG_IGN);
}

/* glibc keeps a few allocations until exit (the environment array that
 * setenv("TZ") grew, the cached stacks of joined worker threads). They are
 * not ours, but a heaptrack user reads them as leaks: hand them back the way
 * valgrind does. Nothing may use libc's allocations after this. */
extern void __libc_freeres(void);

static int finish(int code)
{
    /* What a command printed (statistics, progress lines) must have reached
     * stdout: `db validate x.arrow > /dev/full` is a failure. */
    if ((fflush(stdout) != 0 || ferror(stdout)) && code == 0) {
        fprintf(stderr, "cdrgen: standard output: write failed: %s\n", strerror(errno));
        code = 1;
    }
    fflush(stderr);
    __libc_freeres();
    return code;
}

int main(int argc, char **argv)
{
    /* ~40 KB of configuration: static rather than on the stack. */
    static cg_flags fl;
    cg_err err;
    cg_err_clear(&err);
    install_signals();
    /* Buffers of 256 KiB and more are mapped and unmapped as they are
     * allocated and freed: glibc's moving threshold would otherwise keep a
     * freed heavy block's buffer in the heap for good. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    int rc = cg_flags_parse(&fl, argc, argv, stderr, &err);
    if (rc == CG_OK) {
        switch (fl.cmd) {
        case CG_FLAGS_HELP:
            cg_flags_usage(stdout, fl.topic);
            return fflush(stdout) == 0 ? 0 : 1;
        case CG_FLAGS_VERSION:
            printf("cdrgen %s\n", CG_VERSION);
            return fflush(stdout) == 0 ? 0 : 1;
        case CG_FLAGS_GENERATE: rc = cg_cmd_generate(&fl.cfg, &err); break;
        case CG_FLAGS_DB_GENERATE: rc = cg_cmd_db_generate(&fl.cfg, fl.path, &err); break;
        case CG_FLAGS_DB_VALIDATE: rc = cg_cmd_db_validate(fl.path, &err); break;
        case CG_FLAGS_DB_CONVERT: rc = cg_cmd_db_convert(fl.path, fl.path2, &err); break;
        case CG_FLAGS_MERGE: rc = cg_cmd_merge(fl.path, &err); break;
        case CG_FLAGS_REPORT:
            rc = cg_cmd_report(fl.path, &fl.cfg, &err);
            break;
        default: rc = cg_err_set(&err, CG_ERUNTIME, "internal error: command %d", fl.cmd);
        }
    }
    if (rc != CG_OK && cg_stop_requested()) {
        int sig = atomic_load(&cg_stop_signal);
        fprintf(stderr, "cdrgen: interrupted by %s; unfinished files removed\n",
                sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal");
        return finish(128 + sig);
    }
    if (rc != CG_OK) {
        fprintf(stderr, "cdrgen: %s\n", err.msg[0] ? err.msg : "failed");
        return finish(rc == CG_EUSAGE ? 2 : 1);
    }
    return finish(0);
}
