/* The CSV output format (see outfmt.h, FORMAT.md section 2). */
#include "gen/outfmt.h"

#include "io/cdrfmt.h"

static void csv_init(void *state, const cg_config *cfg)
{
    cg_cdrfmt_init(state, cfg->tz_name);
}

/* Row p of length n with the columns of mask written empty (an anomaly:
 * gen/anomaly.c); returns its new length. */
static size_t blank_columns(char *p, size_t n, uint32_t mask)
{
    size_t w = 0;
    int col = 0;
    for (size_t r = 0; r < n; r++) {
        char c = p[r];
        if (c == ';' || c == '\n') {
            p[w++] = c;
            col++;
        } else if (!(mask >> col & 1)) {
            p[w++] = c;
        }
    }
    return w;
}

static size_t csv_rows(void *state, const cg_recbuf *rb, size_t from, size_t to, char *out,
                       uint64_t n[3])
{
    size_t len = 0;
    for (size_t k = from; k < to; k++) {
        const cg_rec *rec = cg_recbuf_at(rb, k);
        size_t m = cg_cdr_format(state, rec, out + len);
        if (rec->miss)
            m = blank_columns(out + len, m, rec->miss);
        len += m;
        n[rec->type]++;
    }
    return len;
}

const cg_outfmt cg_outfmt_csv = {
    .name = "csv",
    .header = CG_CDR_HEADER,
    .max_row = CG_CDR_MAX_ROW,
    .state_size = sizeof(cg_cdrfmt),
    .init = csv_init,
    .rows = csv_rows,
};
