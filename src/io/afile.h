/* Crash-safe output files: write under "<dir>/.<basename>.tmp.<token>", then
 * rename over the final name, so a reader never sees a half-written part,
 * stats, summary or bundle after a crash, a full disk or Ctrl-C.
 *
 * Who may remove a temporary file: the token is 64 random bits, unique across
 * hosts and PID namespaces, and the writer holds flock(LOCK_EX) on the file
 * from creation to commit or abort. A file whose lock anybody can take has no
 * live writer (the kernel drops the lock when the writer dies, SIGKILL
 * included): that, and only that, is stale. */
#ifndef CG_AFILE_H
#define CG_AFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h> /* off_t */
#include "core/config.h"
#include "core/err.h"

/* Room for a path and its temporary name (".NAME.tmp." and 16 hex digits
 * more than the path itself). */
#define CG_AFILE_PATH (CG_PATH_MAX + 64)

typedef struct cg_afile {
    int fd;              /* -1 when closed */
    int lockfd;          /* holds the flock until commit/abort; -1 when none */
    char tmp[CG_AFILE_PATH];      /* temporary name; empty once committed or aborted */
    char path[CG_AFILE_PATH];     /* final name, used in every error message */
    uint64_t bytes;      /* bytes written so far */
} cg_afile;

/* Creates the temporary file O_CREAT|O_EXCL|O_CLOEXEC, mode 0644 (before
 * umask), under a fresh random token, and locks it. On failure f is left so
 * that cg_afile_abort is a no-op. */
int cg_afile_open(cg_afile *f, const char *path, cg_err *err);
/* cg_afile_open for a file whose directory the caller has just cleared of
 * stale temporary files (cg_remove_tmp_files): the per-file look for what
 * a killed writer of this name left is skipped (a generate run's parts, a
 * directory listing each: their count grows with the rows). */
int cg_afile_open_fresh(cg_afile *f, const char *path, cg_err *err);

/* Writes all n bytes (looping over partial writes and EINTR). Failures are
 * CG_ERUNTIME naming the final path: "DIR/cdr_....csv.gz: write failed: No
 * space left on device". The caller then calls cg_afile_abort. */
int cg_afile_write(cg_afile *f, const void *buf, size_t n, cg_err *err);

/* Optionally fdatasync()s the file (and fsync()s the directory after the
 * rename, so the new name survives power loss), closes it and renames it over
 * path, replacing an older file. On failure the temporary file is removed
 * (except when only the final directory fsync fails: the file is in place). */
int cg_afile_commit(cg_afile *f, int sync, cg_err *err);

/* Closes and unlinks the temporary file. Safe to call twice, after commit,
 * after a failed open, and on a zero-initialised struct. */
void cg_afile_abort(cg_afile *f);

/* Appends [off, off+len) of the open file `in` (in_path for messages) to
 * out: copy_file_range, so the kernel or the file system does the copy (a
 * reflink or server-side copy where it can) and the bytes never pass through
 * user space; else pread/write through *buf (malloc'ed on first use, 8 MiB,
 * the caller frees it). Honours SIGINT/SIGTERM between chunks. */
int cg_afile_append_range(cg_afile *out, int in, const char *in_path, off_t off, uint64_t len,
                          char **buf, cg_err *err);

/* Writes a small file in one go through open/write/commit (without sync). */
int cg_write_file_atomic(const char *path, const void *buf, size_t n, cg_err *err);

/* mkdir -p with mode 0755; an existing directory is fine, an existing
 * non-directory is CG_ERUNTIME naming it. */
int cg_mkdir_p(const char *dir, cg_err *err);

/* Removes stale temporary files ".NAME.tmp.TOKEN" in dir that a killed run
 * left behind: those nobody holds the lock of. Files of a live writer (a
 * concurrent shard writing into the same directory, from any host or PID
 * namespace) are kept. Call it before opening files in dir. A missing dir is
 * not an error. */
int cg_remove_tmp_files(const char *dir, cg_err *err);

/* Same, limited to temporary files whose NAME starts with prefix (NULL or ""
 * for all), so e.g. shard 3 only touches "cdr_2025-01-15_shard003_*". */
int cg_remove_tmp_files_prefix(const char *dir, const char *prefix, cg_err *err);

/* Opens (creating) the lock file path and takes flock(2) on it, shared or
 * exclusive, without waiting. On success *fd holds the lock until closed.
 * When another process holds it, sets *busy and returns CG_ERUNTIME (the
 * caller words the message); other failures name the path. */
int cg_flock(const char *path, int exclusive, int *fd, int *busy, cg_err *err);

#endif
