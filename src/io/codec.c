/* gzip (ISA-L at level 1, libdeflate at 2-12) and zstd (libzstd)
 * whole-buffer codecs. Each compress call emits one self-contained
 * member/frame; decompression walks any number of them, so the same code
 * checks part files and day bundles. */
#include "io/codec.h"
#include "core/check.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

struct cg_codec_ctx {
    int codec;
    int level;
    struct libdeflate_compressor *gz; /* gzip levels 2-12 */
    struct isal_zstream *isal;        /* gzip level 1 */
    uint8_t *isal_buf;                /* ISA-L's level buffer */
    ZSTD_CCtx *zs;
};

/* DEFLATE cannot expand data by more than this factor (258-byte matches
 * coded in about 2 bits), which bounds how far a corrupt member may make us
 * grow the output buffer. */
#define CG_DEFLATE_MAX_RATIO 1032u

const char *cg_codec_ext(int codec)
{
    switch (codec) {
    case CG_CODEC_GZIP: return ".gz";
    case CG_CODEC_ZSTD: return ".zst";
    default: return "";
    }
}

const char *cg_codec_name(int codec)
{
    switch (codec) {
    case CG_CODEC_GZIP: return "gzip";
    case CG_CODEC_ZSTD: return "zstd";
    case CG_CODEC_NONE: return "none";
    default: return "unknown";
    }
}

int cg_codec_from_name(const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "gzip") == 0)
        return CG_CODEC_GZIP;
    if (strcmp(name, "zstd") == 0)
        return CG_CODEC_ZSTD;
    if (strcmp(name, "none") == 0)
        return CG_CODEC_NONE;
    return -1;
}

int cg_codec_new(cg_codec_ctx **out, int codec, int level, cg_err *err)
{
    *out = NULL;
    if (codec == CG_CODEC_GZIP && (level < 1 || level > CG_CODEC_GZIP_MAX_LEVEL))
        return cg_err_set(err, CG_EUSAGE,
                          "--compression-level %d: gzip levels are 1-%d", level,
                          CG_CODEC_GZIP_MAX_LEVEL);
    if (codec == CG_CODEC_ZSTD && (level < 1 || level > CG_CODEC_ZSTD_MAX_LEVEL))
        return cg_err_set(err, CG_EUSAGE,
                          "--compression-level %d: zstd levels are 1-%d", level,
                          CG_CODEC_ZSTD_MAX_LEVEL);
    if (codec != CG_CODEC_GZIP && codec != CG_CODEC_ZSTD && codec != CG_CODEC_NONE)
        return cg_err_set(err, CG_EUSAGE, "--compression: unknown codec %d", codec);

    cg_codec_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return cg_err_set(err, CG_ERUNTIME, "%s codec: out of memory", cg_codec_name(codec));
    c->codec = codec;
    c->level = level;
    if (codec == CG_CODEC_GZIP && level == 1) {
        /* ISA-L's level 1 is libdeflate's level 1 at about 2.3 times the
         * speed for some 5% more bytes on CDR text (docs/BENCHMARKS.md). */
        c->isal = calloc(1, sizeof *c->isal);
        c->isal_buf = malloc(ISAL_DEF_LVL1_DEFAULT);
        if (!c->isal || !c->isal_buf)
            goto oom;
    } else if (codec == CG_CODEC_GZIP) {
        c->gz = libdeflate_alloc_compressor(level);
        if (!c->gz)
            goto oom;
    } else if (codec == CG_CODEC_ZSTD) {
        c->zs = ZSTD_createCCtx();
        if (!c->zs)
            goto oom;
        /* Sticky parameters: ZSTD_compress2 keeps them across frames. The
         * checksum gives zstd files the integrity check gzip's CRC32 gives
         * gzip files; content size lets readers size their buffers. */
        if (ZSTD_isError(ZSTD_CCtx_setParameter(c->zs, ZSTD_c_compressionLevel, level)) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(c->zs, ZSTD_c_checksumFlag, 1)) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(c->zs, ZSTD_c_contentSizeFlag, 1))) {
            cg_codec_free(c);
            return cg_err_set(err, CG_EUSAGE, "--compression-level %d: rejected by zstd", level);
        }
    }
    *out = c;
    return CG_OK;
oom:
    cg_codec_free(c);
    return cg_err_set(err, CG_ERUNTIME, "%s codec: out of memory", cg_codec_name(codec));
}

void cg_codec_free(cg_codec_ctx *c)
{
    if (!c)
        return;
    if (c->gz)
        libdeflate_free_compressor(c->gz);
    free(c->isal);
    free(c->isal_buf);
    if (c->zs)
        ZSTD_freeCCtx(c->zs);
    free(c);
}

int cg_codec_codec(const cg_codec_ctx *c)
{
    return c->codec;
}

size_t cg_codec_bound(const cg_codec_ctx *c, size_t n)
{
    switch (c->codec) {
    case CG_CODEC_GZIP:
        if (c->isal) /* stored blocks at worst: 5 bytes per 64 KiB, plus header and trailer */
            return n + 5 * (n / 65535 + 1) + 64 + ISAL_DEF_MAX_HDR_SIZE;
        return libdeflate_gzip_compress_bound(c->gz, n);
    case CG_CODEC_ZSTD: return ZSTD_compressBound(n);
    default: return n;
    }
}

/* ISA-L's AVX2/AVX-512 code returns with the upper halves of the vector
 * registers dirty; on Intel cores every later SSE instruction of the
 * thread (the model's double arithmetic, libm) then pays for merging
 * them. vzeroupper clears them, where the CPU has AVX. */
static inline void upper_clean(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("avx"))
        __asm__ volatile("vzeroupper" ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
                         "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
                         "xmm15", "memory");
#endif
}

/* One gzip member through ISA-L: its generic header (no name, mtime 0), the
 * DEFLATE stream of level 1, the CRC32 and size trailer. */
static int isal_gzip(cg_codec_ctx *c, const void *in, size_t n, void *out, size_t cap,
                     size_t *out_n, cg_err *err)
{
    if (n > UINT32_MAX || cap > UINT32_MAX)
        return cg_err_set(err, CG_ERUNTIME, "gzip: a block of %zu bytes is too large", n);
    struct isal_zstream *s = c->isal;
    isal_deflate_init(s);
    s->level = 1;
    s->level_buf = c->isal_buf;
    s->level_buf_size = ISAL_DEF_LVL1_DEFAULT;
    s->gzip_flag = IGZIP_GZIP;
    s->end_of_stream = 1;
    s->flush = NO_FLUSH;
    s->next_in = (uint8_t *)(uintptr_t)in;
    s->avail_in = (uint32_t)n;
    s->next_out = out;
    s->avail_out = (uint32_t)cap;
    int rc = isal_deflate(s);
    upper_clean();
    if (rc == COMP_OK && (s->internal_state.state != ZSTATE_END || s->avail_in != 0))
        return cg_err_set(err, CG_ERUNTIME,
                          "gzip: output buffer of %zu bytes too small for %zu input bytes",
                          cap, n);
    if (rc != COMP_OK)
        return cg_err_set(err, CG_ERUNTIME, "gzip (ISA-L): compressing %zu bytes failed (code %d)",
                          n, rc);
    *out_n = s->total_out;
    return CG_OK;
}

int cg_codec_compress(cg_codec_ctx *c, const void *in, size_t n, void *out, size_t cap,
                      size_t *out_n, cg_err *err)
{
    static const unsigned char empty[1];
    if (n == 0 || !in)
        in = empty; /* libraries may not accept NULL even for 0 bytes */
    *out_n = 0;
    switch (c->codec) {
    case CG_CODEC_GZIP: {
        if (c->isal)
            return isal_gzip(c, in, n, out, cap, out_n, err);
        size_t r = libdeflate_gzip_compress(c->gz, in, n, out, cap);
        if (r == 0)
            return cg_err_set(err, CG_ERUNTIME,
                              "gzip: output buffer of %zu bytes too small for %zu input bytes",
                              cap, n);
        *out_n = r;
        return CG_OK;
    }
    case CG_CODEC_ZSTD: {
        size_t r = ZSTD_compress2(c->zs, out, cap, in, n);
        if (ZSTD_isError(r))
            return cg_err_set(err, CG_ERUNTIME, "zstd: compressing %zu bytes failed: %s", n,
                              ZSTD_getErrorName(r));
        *out_n = r;
        return CG_OK;
    }
    default:
        if (cap < n)
            return cg_err_set(err, CG_ERUNTIME,
                              "none: output buffer of %zu bytes too small for %zu input bytes",
                              cap, n);
        if (n)
            memcpy(out, in, n);
        *out_n = n;
        return CG_OK;
    }
}

/* Grows *buf to at least want bytes (+1 for the terminating NUL). */
static int grow(char **buf, size_t *cap, size_t want)
{
    if (want <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 4096;
    while (nc < want) {
        if (nc > SIZE_MAX / 2)
            return -1;
        nc *= 2;
    }
    char *p = realloc(*buf, nc + 1);
    if (!p)
        return -1;
    *buf = p;
    *cap = nc;
    return 0;
}

static int gunzip_all(const unsigned char *in, size_t n, const char *name, char **out,
                      size_t *out_n, cg_err *err)
{
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    if (!d)
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", name);
    char *buf = NULL;
    size_t cap = 0, used = 0, pos = 0;
    int rc = CG_OK;
    /* CDR text shrinks 4-8x; start there and double when a member does not fit. */
    if (grow(&buf, &cap, n < (SIZE_MAX / 8) ? n * 6 + 65536 : n)) {
        rc = cg_err_set(err, CG_ERUNTIME, "%s: out of memory", name);
        goto done;
    }
    while (pos < n) {
        size_t ain = 0, aout = 0;
        enum libdeflate_result r = libdeflate_gzip_decompress_ex(
            d, in + pos, n - pos, buf + used, cap - used, &ain, &aout);
        if (r == LIBDEFLATE_SUCCESS && ain > 0) {
            pos += ain;
            used += aout;
            continue;
        }
        if (r == LIBDEFLATE_INSUFFICIENT_SPACE &&
            (cap - used) / CG_DEFLATE_MAX_RATIO <= n - pos + 65536) {
            if (grow(&buf, &cap, cap + 1)) {
                rc = cg_err_set(err, CG_ERUNTIME, "%s: out of memory", name);
                goto done;
            }
            continue;
        }
        rc = cg_err_set(err, CG_ERUNTIME, "%s: corrupt or truncated gzip data in the member at byte %zu",
                        name, pos);
        goto done;
    }
done:
    libdeflate_free_decompressor(d);
    if (rc != CG_OK) {
        free(buf);
        return rc;
    }
    CG_ASSERT(buf != NULL); /* grown to at least 65536 bytes above */
    buf[used] = '\0';
    *out = buf;
    *out_n = used;
    return CG_OK;
}

static int unzstd_all(const unsigned char *in, size_t n, const char *name, char **out,
                      size_t *out_n, cg_err *err)
{
    ZSTD_DCtx *d = ZSTD_createDCtx();
    if (!d)
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", name);
    char *buf = NULL;
    size_t cap = 0;
    int rc = CG_OK;
    /* Trust the first frame's recorded content size only as a first guess,
     * and only up to a sane ratio, so a forged header cannot make us
     * allocate terabytes. */
    unsigned long long hint = ZSTD_getFrameContentSize(in, n);
    size_t first = n < (SIZE_MAX / 8) ? n * 6 + 65536 : n;
    if (hint != ZSTD_CONTENTSIZE_ERROR && hint != ZSTD_CONTENTSIZE_UNKNOWN &&
        hint / 64 <= n + 65536 && hint > first)
        first = (size_t)hint;
    if (grow(&buf, &cap, first ? first : 1)) {
        rc = cg_err_set(err, CG_ERUNTIME, "%s: out of memory", name);
        goto done;
    }
    ZSTD_inBuffer ib = {in, n, 0};
    ZSTD_outBuffer ob = {buf, cap, 0};
    for (;;) {
        if (ob.pos == ob.size) {
            if (grow(&buf, &cap, cap + 1)) {
                rc = cg_err_set(err, CG_ERUNTIME, "%s: out of memory", name);
                goto done;
            }
            ob.dst = buf;
            ob.size = cap;
        }
        size_t before_in = ib.pos;
        size_t r = ZSTD_decompressStream(d, &ob, &ib);
        if (ZSTD_isError(r)) {
            rc = cg_err_set(err, CG_ERUNTIME, "%s: corrupt zstd data near byte %zu: %s", name,
                            before_in, ZSTD_getErrorName(r));
            goto done;
        }
        if (ib.pos == ib.size) {
            if (r == 0)
                break; /* every frame complete */
            if (ob.pos < ob.size) {
                rc = cg_err_set(err, CG_ERUNTIME, "%s: truncated zstd data (last frame incomplete)",
                                name);
                goto done;
            }
        }
    }
done:
    ZSTD_freeDCtx(d);
    if (rc != CG_OK) {
        free(buf);
        return rc;
    }
    buf[ob.pos] = '\0';
    *out = buf;
    *out_n = ob.pos;
    return CG_OK;
}

int cg_codec_decompress_buf(const void *in, size_t n, int codec, const char *name, char **out,
                            size_t *out_n, cg_err *err)
{
    *out = NULL;
    *out_n = 0;
    if (codec == CG_CODEC_GZIP || codec == CG_CODEC_ZSTD) {
        if (n == 0)
            return cg_err_set(err, CG_ERUNTIME, "%s: empty, not a %s file", name,
                              cg_codec_name(codec));
        return codec == CG_CODEC_GZIP ? gunzip_all(in, n, name, out, out_n, err)
                                      : unzstd_all(in, n, name, out, out_n, err);
    }
    char *buf = malloc(n + 1);
    if (!buf)
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", name);
    if (n)
        memcpy(buf, in, n);
    buf[n] = '\0';
    *out = buf;
    *out_n = n;
    return CG_OK;
}

/* Reads a whole file into a malloc'ed buffer. */
static int slurp(const char *path, unsigned char **out, size_t *out_n, cg_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cg_err_errno(err, CG_ERUNTIME, errno, "%s: cannot open", path);
    struct stat st;
    size_t cap = 65536, used = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        cap = (size_t)st.st_size + 1; /* +1 so EOF is seen without a regrow */
    unsigned char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", path);
    }
    for (;;) {
        if (used == cap) {
            unsigned char *p = cg_grow(buf, &cap, used + 1, 1);
            if (!p) {
                free(buf);
                close(fd);
                return cg_err_set(err, CG_ERUNTIME, "%s: out of memory", path);
            }
            buf = p;
        }
        ssize_t r = read(fd, buf + used, cap - used);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return cg_err_errno(err, CG_ERUNTIME, e, "%s: read failed", path);
        }
        if (r == 0)
            break;
        used += (size_t)r;
    }
    close(fd);
    *out = buf;
    *out_n = used;
    return CG_OK;
}

int cg_codec_decompress_file(const char *path, int codec, char **out, size_t *out_n,
                             cg_err *err)
{
    unsigned char *raw = NULL;
    size_t n = 0;
    *out = NULL;
    *out_n = 0;
    int rc = slurp(path, &raw, &n, err);
    if (rc != CG_OK)
        return rc;
    rc = cg_codec_decompress_buf(raw, n, codec, path, out, out_n, err);
    free(raw);
    return rc;
}
