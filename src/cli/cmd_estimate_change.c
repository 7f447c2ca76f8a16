/* cmd_estimate_change.c — helby estimate --change FROM:TO: the change of each estimate
 * between two waves with its test (helby_estimate_changes), printed as a table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "helby/tables.h"
#include "output.h"

int est_parse_change(const char *arg, long *from, long *to)
{
    char *end = NULL;
    *from = strtol(arg, &end, 10);
    if (end == arg || *end != ':')
        return -1;
    const char *p = end + 1;
    *to = strtol(p, &end, 10);
    return end == p || *end || *from == *to ? -1 : 0;
}

/* measure, [quantile], each by-variable but the wave (code and label), from, to, the change's
 * numbers, its test (t, p) and flag ("significant" when the CI excludes 0). */
void est_print_changes(const helby_survey *s, const helby_estimate_table *t,
                       const helby_change_table *c, const char *const *names, const char *lang,
                       out_format format)
{
    const size_t wb = c->wave_by;
    size_t nb = t->n_by, nq = t->n_quantiles ? 1 : 0, nc = 1 + nq + 2 * nb + 11;
    out_col *cols = calloc(nc, sizeof *cols);
    out_value *v = calloc(nc, sizeof *v);
    char(*hd)[80] = calloc(nb + 1, sizeof *hd), (*lab)[160] = calloc(nb + 1, sizeof *lab);
    if (!cols || !v || !hd || !lab) {
        free(cols), free(v), free(hd), free(lab);
        fprintf(stderr, "helby: out of memory\n");
        return;
    }
    static const out_col tail[] = {
        {"from", OUT_INT, 6, NULL}, {"to", OUT_INT, 6, NULL},     {"estimate", OUT_NUM, 10, NULL},
        {"se", OUT_NUM, 9, NULL},   {"ci_low", OUT_NUM, 9, NULL}, {"ci_high", OUT_NUM, 9, NULL},
        {"df", OUT_NUM, 7, "%.5g"}, {"t", OUT_NUM, 7, "%.3f"},    {"p", OUT_NUM, 8, "%.3g"},
        {"n", OUT_INT, 6, NULL},    {"flag", OUT_STR, 0, NULL}};
    size_t k = 0;
    cols[k++] = (out_col){"measure", OUT_STR, 20, NULL};
    if (nq)
        cols[k++] = (out_col){"quantile", OUT_NUM, -8, "%g"};
    for (size_t i = 0; i < nb; i++) {
        if (i == wb)
            continue;
        snprintf(hd[i], sizeof hd[i], "%s_label", t->by[i]);
        cols[k++] = (out_col){t->by[i], OUT_NUM, -6, "%.10g"};
        cols[k++] = (out_col){hd[i], OUT_STR, 24, NULL};
    }
    memcpy(cols + k, tail, sizeof tail);
    nc = k + sizeof tail / sizeof tail[0];
    out_table T;
    out_begin(&T, stdout, format, cols, nc);
    for (size_t r = 0; r < c->n_rows; r++) {
        const helby_change_row *x = &c->rows[r];
        size_t j = 0;
        v[j++].s = names ? names[x->measure] : t->measures[x->measure];
        if (nq)
            v[j++].d = x->quantile;
        for (size_t i = 0; i < nb; i++) {
            if (i == wb)
                continue;
            helby_domain_label(s, t->by[i], x->codes[i], lang, lab[i], sizeof lab[i]);
            v[j++].d = x->codes[i];
            v[j++].s = lab[i];
        }
        v[j++].i = c->from, v[j++].i = c->to;
        v[j++].d = x->est.estimate, v[j++].d = x->est.se;
        v[j++].d = x->est.ci_low, v[j++].d = x->est.ci_high, v[j++].d = x->est.df;
        v[j++].d = x->t, v[j++].d = x->p, v[j++].i = (long long)x->est.n;
        v[j].s = x->flag != HELBY_CELL_OK ? helby_cell_flag_name(x->flag)
                 : x->significant         ? "significant"
                                          : "";
        out_row(&T, v);
    }
    out_end(&T);
    free(cols), free(v), free(hd), free(lab);
}
