/* The CSV output format (see outfmt.h, FORMAT.md section 2). */
#include "gen/outfmt.h"

#include "io/cdrfmt.h"

static void csv_init(void *state, const cg_config *cfg)
{
    cg_cdrfmt_init(state, cfg->tz_name);
}

static size_t csv_rows(void *state, const cg_recbuf *rb, size_t from, size_t to, char *out,
                       uint64_t n[3])
{
    size_t len = 0;
    for (size_t k = from; k < to; k++) {
        const cg_rec *rec = cg_recbuf_at(rb, k);
        len += cg_cdr_format(state, rec, out + len);
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
