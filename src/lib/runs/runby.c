/* runby.c — the subgroup rows of a run (`compute --by VAR,...`, docs/comparisons.md): within
 * each level of each by-variable, per index and share and wave, the Danes' and the minorities'
 * estimate, the gap and the change of the gap since the baseline, as `helby compare --by`
 * gives them (helby_analysis_compare_by with the run's variance, weights, waves, level and
 * df): each wave its own design, the level a domain of it (the design kept whole). Rows
 * "by=VAR,level=CODE,wave=W,group=0|1" and "by=VAR,level=CODE,wave=W,quantity=gap|gap_change,
 * baseline=B", after every other row: runs made without --by have none.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/tables.h"
#include "runs/run_internal.h"

/* A row; below min_cell respondents suppressed, none "empty", an undefined quantity
 * "undefined". */
static int put(helby_row_list *l, const char *measure, const char *domain, const helby_estimate *e,
               size_t n, size_t min_cell, helby_error *err)
{
    return helby_row_list_put(l, measure, domain, e, n, min_cell, n ? "suppressed" : "empty", "",
                              err);
}

/* The compare request of measure m under run options o (no suppression: put applies it). */
static int request_of(const helby_run_options *o, const char *m, helby_compare_request *q,
                      helby_error *err)
{
    helby_compare_request_default(q);
    q->measure = m;
    q->waves = o->waves;
    q->n_waves = o->n_waves;
    q->weights = strcmp(o->weights, "base") ? o->weights : NULL;
    if (helby_run_variance(o, &q->rep, &q->replicates, &q->opt, err))
        return 1;
    q->opt.ci = HELBY_CI_T; /* as the comparisons */
    q->min_cell = 0;
    return 0;
}

static size_t min_n(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* One level's rows of measure m: per wave both groups, the gap, the change since baseline. */
static int level_rows(helby_row_list *l, const char *m, const char *by, double level,
                      const helby_comparison *c, size_t min_cell, helby_error *err)
{
    const helby_wave_comparison *b = &c->waves[c->baseline];
    const size_t nb = min_n(b->danes.n, b->minorities.n);
    char d[160];
    for (size_t w = 0; w < c->n_waves; w++) {
        const helby_wave_comparison *x = &c->waves[w];
        const helby_estimate *g[2] = {&x->danes, &x->minorities};
        for (int k = 0; k < 2; k++) {
            snprintf(d, sizeof d, "by=%s,level=%.17g,wave=%ld,group=%d", by, level, x->wave, k);
            if (put(l, m, d, g[k], g[k]->n, min_cell, err))
                return 1;
        }
        const size_t nw = min_n(x->danes.n, x->minorities.n);
        snprintf(d, sizeof d, "by=%s,level=%.17g,wave=%ld,quantity=gap,baseline=%ld", by, level,
                 x->wave, b->wave);
        if (put(l, m, d, &x->gap, nw, min_cell, err))
            return 1;
        if (w == c->baseline)
            continue;
        snprintf(d, sizeof d, "by=%s,level=%.17g,wave=%ld,quantity=gap_change,baseline=%ld", by,
                 level, x->wave, b->wave);
        if (put(l, m, d, &x->gap_change, min_n(nw, nb), min_cell, err))
            return 1;
    }
    return 0;
}

/* Every level of by-variable `by` for measure m. */
static int by_rows_of(helby_row_list *l, helby_store *st, const helby_survey *s,
                      const helby_run_options *o, const char *m, const char *by, helby_error *err)
{
    helby_compare_request q;
    helby_compare_by *c = NULL;
    if (request_of(o, m, &q, err) || helby_analysis_compare_by(st, s, &q, by, &c, err))
        return 1;
    int rc = 0;
    for (size_t i = 0; i < c->n_levels && !rc; i++)
        rc = level_rows(l, m, by, c->levels[i], c->cmp[i], s->min_cell, err);
    helby_compare_by_free(c);
    return rc;
}

helby_status helby_run_subgroup_rows(helby_store *st, const helby_survey *s,
                                     const helby_run_options *o, helby_run_row **rows,
                                     size_t *n_rows, helby_error *err)
{
    helby_row_list l = {0};
    *rows = NULL;
    *n_rows = 0;
    char list[sizeof o->by];
    snprintf(list, sizeof list, "%s", o->by);
    int rc = 0;
    for (char *save = NULL, *by = strtok_r(list, "+", &save); by && !rc;
         by = strtok_r(NULL, "+", &save)) {
        for (size_t i = 0; i < s->n_indices && !rc; i++)
            rc = by_rows_of(&l, st, s, o, s->indices[i].name, by, err);
        for (size_t i = 0; i < s->n_shares && !rc; i++)
            rc = by_rows_of(&l, st, s, o, s->shares[i].name, by, err);
    }
    if (rc) {
        free(l.rows);
        return helby_run_status(err);
    }
    *rows = l.rows;
    *n_rows = l.n;
    return HELBY_OK;
}
