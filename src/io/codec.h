/* Whole-buffer compression for part files and day bundles: every call turns
 * one chunk into one complete gzip member (libdeflate) or zstd frame
 * (libzstd), so files are built by concatenating chunks and stay valid. */
#ifndef CG_CODEC_H
#define CG_CODEC_H

#include <stddef.h>
#include "core/config.h" /* enum cg_codec */
#include "core/err.h"

#define CG_CODEC_GZIP_MAX_LEVEL 12
#define CG_CODEC_ZSTD_MAX_LEVEL 19

/* One per worker thread, never shared: it owns the compressor state that is
 * reused from chunk to chunk so the hot path allocates nothing. */
typedef struct cg_codec_ctx cg_codec_ctx;

/* codec is an enum cg_codec; level must be 1-12 for gzip, 1-19 for zstd and
 * is ignored for none. Out-of-range levels are CG_EUSAGE naming
 * --compression-level; an allocation failure is CG_ERUNTIME. */
int cg_codec_new(cg_codec_ctx **c, int codec, int level, cg_err *err);
void cg_codec_free(cg_codec_ctx *c);

int cg_codec_codec(const cg_codec_ctx *c); /* the enum cg_codec it was made for */

/* Worst-case output size of cg_codec_compress for n input bytes. */
size_t cg_codec_bound(const cg_codec_ctx *c, size_t n);

/* Compresses in[0..n) into one complete, independent gzip member / zstd
 * frame (content size and checksum recorded) / plain copy at out, cap bytes
 * available (cap >= cg_codec_bound(c, n) always suffices). Deterministic:
 * same input and level give the same bytes. n == 0 yields a valid empty
 * member or frame (0 bytes for none). Concatenated outputs decompress, with
 * gzip -dc / zstd -dc, to the concatenated inputs. */
int cg_codec_compress(cg_codec_ctx *c, const void *in, size_t n, void *out, size_t cap,
                      size_t *out_n, cg_err *err);

const char *cg_codec_ext(int codec);  /* ".gz", ".zst", "" */
const char *cg_codec_name(int codec); /* "gzip", "zstd", "none" */

/* Maps "gzip"/"zstd"/"none" to enum cg_codec; -1 for anything else. */
int cg_codec_from_name(const char *name);

/* Decompresses a whole buffer of any number of concatenated gzip members /
 * zstd frames (or copies it for none) into a malloc'ed *out (NUL-terminated
 * for convenience, *out_n excludes the NUL). name is only used in error
 * messages (CG_ERUNTIME: "NAME: corrupt gzip data at byte X"). An empty
 * gzip/zstd input is an error, as it is for gzip -dc. */
int cg_codec_decompress_buf(const void *in, size_t n, int codec, const char *name, char **out,
                            size_t *out_n, cg_err *err);

/* Reads and decompresses a whole file, as above; for tests and for checking
 * finished files. Errors name path. */
int cg_codec_decompress_file(const char *path, int codec, char **out, size_t *out_n,
                             cg_err *err);

#endif
