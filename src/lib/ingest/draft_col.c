/* draft_col.c — a column as the draft sees it (ingest_internal.h): the numbers, whole or not,
 * and the codes observed, whichever reader (draft.c for CSV, ingest_readstat.c for SPSS,
 * Stata and SAS) found them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"

void helby_draft_col_add_code(helby_draft_col *c, double x)
{
    size_t i = 0;
    while (i < c->n_codes && c->codes[i] < x)
        i++;
    if (i < c->n_codes && c->codes[i] == x)
        return;
    if (c->n_codes == HELBY_DRAFT_MAX_CODES) {
        c->more_codes = 1;
        return;
    }
    memmove(c->codes + i + 1, c->codes + i, (c->n_codes - i) * sizeof *c->codes);
    c->codes[i] = x;
    c->n_codes++;
}

void helby_draft_col_observe(helby_draft_col *c, double x)
{
    c->n_values++;
    if (c->n_numbers++ == 0 || x < c->min)
        c->min = x;
    if (c->n_numbers == 1 || x > c->max)
        c->max = x;
    if (x != floor(x))
        c->all_whole = 0;
    else
        helby_draft_col_add_code(c, x);
}

void helby_draft_cols_free(helby_draft_col *cols, size_t n)
{
    for (size_t i = 0; cols && i < n; i++) {
        free(cols[i].name);
        free(cols[i].label);
        helby_buf_free(&cols[i].labels);
        helby_buf_free(&cols[i].tagged);
    }
    free(cols);
}
