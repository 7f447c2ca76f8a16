/* changes.c — the change of each estimate between two waves, with its test
 * (helby_estimate_changes, helby/tables.h): rows of an estimate table by wave paired on
 * their other domain codes; independent waves, so helby_wave_change (compare.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/compare.h"
#include "helby/tables.h"

/* The by-variable of t that is the survey's wave variable, or (size_t)-1. */
static size_t wave_by(const helby_estimate_table *t, const helby_survey *s)
{
    for (size_t i = 0; i < t->n_by; i++)
        if (t->by_vars[i] && !strcmp(t->by_vars[i], s->vars[s->wave_var].name))
            return i;
    return (size_t)-1;
}

/* 1 when rows a and b are the same measure, quantile and domain but for the wave. */
static int same_cell(const helby_estimate_table *t, const helby_estimate_row *a,
                     const helby_estimate_row *b, size_t wb)
{
    if (a->measure != b->measure ||
        !(a->quantile == b->quantile || (isnan(a->quantile) && isnan(b->quantile))))
        return 0;
    for (size_t i = 0; i < t->n_by; i++)
        if (i != wb && a->codes[i] != b->codes[i])
            return 0;
    return 1;
}

static int has_wave(const helby_estimate_table *t, size_t wb, long w)
{
    for (size_t r = 0; r < t->n_rows; r++)
        if (t->rows[r].codes[wb] == (double)w)
            return 1;
    return 0;
}

/* A cell whose numbers a change cannot use: suppressed, no value or not asked. */
static int unusable(helby_cell_flag f)
{
    return f != HELBY_CELL_OK && f != HELBY_CELL_UNRELIABLE;
}

static void change_of(const helby_estimate_row *now, const helby_estimate_row *then,
                      const helby_estimate_options *opt, helby_change_row *c)
{
    c->measure = now->measure, c->quantile = now->quantile, c->codes = now->codes;
    c->flag = unusable(now->flag) ? now->flag : unusable(then->flag) ? then->flag : HELBY_CELL_OK;
    c->t = c->p = NAN;
    if (c->flag != HELBY_CELL_OK) {
        memset(&c->est, 0, sizeof c->est);
        c->est.estimate = c->est.se = c->est.ci_low = c->est.ci_high = c->est.df = NAN;
        c->est.ci_df = c->est.deff = c->est.rel_se = NAN;
        c->est.n = now->est.n < then->est.n ? now->est.n : then->est.n;
        return;
    }
    c->est = helby_wave_change(&now->est, &then->est, opt->df, opt);
    c->est.unreliable = 0; /* a change's relative SE says nothing of its reliability */
    helby_estimate_test_zero(&c->est, opt->ci == HELBY_CI_NORMAL, &c->t, &c->p);
    c->significant = c->est.ci_low > 0 || c->est.ci_high < 0;
}

helby_status helby_estimate_changes(const helby_estimate_table *t, const helby_survey *s, long from,
                                    long to, const helby_estimate_options *opt,
                                    helby_change_table **out, helby_error *err)
{
    *out = NULL;
    size_t wb = wave_by(t, s);
    if (wb == (size_t)-1)
        return helby_error_set(err, HELBY_EUSAGE,
                               "a change between waves needs the estimates by wave");
    if (from == to)
        return helby_error_set(err, HELBY_EUSAGE,
                               "a change needs two different waves, not %ld and %ld", from, to);
    long w[2] = {from, to};
    for (int k = 0; k < 2; k++)
        if (!has_wave(t, wb, w[k]))
            return helby_error_set(err, HELBY_ENOTFOUND, "wave %ld has no estimates here", w[k]);
    helby_change_table *c = calloc(1, sizeof *c);
    if (c)
        c->rows = calloc(t->n_rows + 1, sizeof *c->rows);
    if (!c || !c->rows) {
        helby_change_table_free(c);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory computing changes");
    }
    c->from = from, c->to = to, c->wave_by = wb;
    for (size_t r = 0; r < t->n_rows; r++) {
        const helby_estimate_row *now = &t->rows[r];
        if (now->codes[wb] != (double)to)
            continue;
        /* A domain the earlier wave lacks (a wave without a group) is a row without value. */
        helby_estimate_row none = {.flag = HELBY_CELL_NO_VALUE, .codes = now->codes};
        const helby_estimate_row *then = &none;
        for (size_t q = 0; q < t->n_rows && then == &none; q++)
            if (t->rows[q].codes[wb] == (double)from && same_cell(t, now, &t->rows[q], wb))
                then = &t->rows[q];
        change_of(now, then, opt, &c->rows[c->n_rows++]);
    }
    *out = c;
    return HELBY_OK;
}

void helby_change_table_free(helby_change_table *t)
{
    if (!t)
        return;
    free(t->rows);
    free(t);
}
