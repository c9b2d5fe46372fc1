/* Lookup index of a subscriber database: who held MSISDN m at instant t.
 * Built once from the event stream into a cache file "<db>.cgidx" beside the
 * database (or an unlinked temp file), then read through a read-only mapping,
 * so heap use does not grow with the database (SPEC 5 "Memory"). */
#ifndef CG_SUBINDEX_H
#define CG_SUBINDEX_H

#include <stdint.h>
#include "core/err.h"
#include "core/ident.h"
#include "core/synth.h"

typedef struct cg_subidx cg_subidx;

/* Opens the index of db_path: reuses "<db_path>.cgidx" when it was built
 * from the database as it is now (size, mtime, ctime, inode, hash of every
 * byte), else rebuilds it (temp file + rename; an unlinked file under
 * $TMPDIR when the directory is not writable). CG_ERUNTIME naming the file
 * and row when the database cannot be read or breaks its rules. */
int cg_subidx_open(cg_subidx **x, const char *db_path, cg_err *err);
void cg_subidx_close(cg_subidx *x);

/* Hash of the database's whole content (for the run fingerprint). */
uint64_t cg_subidx_db_hash(const cg_subidx *x);
/* Distinct MSISDNs the database ever mentions. */
uint64_t cg_subidx_count(const cg_subidx *x);
/* The i-th smallest of them (i < count). */
uint64_t cg_subidx_msisdn(const cg_subidx *x, uint64_t i);
/* Index of msisdn, or UINT64_MAX when the database never mentions it. */
uint64_t cg_subidx_find(const cg_subidx *x, uint64_t msisdn);
/* 1 and *id when MSISDN i is held at t_ms; 0 when nobody holds it then
 * (before its first assignment, after a release). */
int cg_subidx_lookup(const cg_subidx *x, uint64_t i, int64_t t_ms, cg_ident *id);
/* 1 when MSISDN i is held at some instant of [t0, t1). */
int cg_subidx_held_between(const cg_subidx *x, uint64_t i, int64_t t0, int64_t t1);
/* 1 and *id when one holder, with one identity, holds MSISDN i for all of
 * [t0, t1): the generator then needs no lookup per record. */
int cg_subidx_steady(const cg_subidx *x, uint64_t i, int64_t t0, int64_t t1, cg_ident *id);
/* The first instant >= t at which a holder of MSISDN i releases it
 * (RELEASE_NUMBER: a held interval followed by a gap), -1 none. */
int64_t cg_subidx_next_release(const cg_subidx *x, uint64_t i, int64_t t);
/* The first instant >= t at which MSISDN i moves to another IMSI with its
 * holder (CHANGE_SIM: two held intervals, different IMSIs), -1 none. */
int64_t cg_subidx_next_sim_change(const cg_subidx *x, uint64_t i, int64_t t);
/* Fills out's function pointers with ctx = x. */
void cg_subidx_idsource(cg_subidx *x, cg_idsource *out);
/* Holder intervals stored and bytes of the index file. */
int cg_subidx_stats(const cg_subidx *x, uint64_t *intervals, uint64_t *bytes);

#endif
