/* runrows.c — the growing list of a run's extra rows (run_internal.h: helby_row_list_add,
 * helby_row_list_put), which runsens.c, runadjust.c and runby.c fill. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runs/run_internal.h"

helby_run_row *helby_row_list_add(helby_row_list *l, const char *measure, const char *domain,
                                  helby_error *err)
{
    if (l->n == l->cap) {
        size_t c = l->cap ? l->cap * 2 : 64;
        helby_run_row *p = realloc(l->rows, c * sizeof *p);
        if (!p) {
            helby_error_set(err, HELBY_ENOMEM, "out of memory");
            return NULL;
        }
        l->rows = p, l->cap = c;
    }
    helby_run_row *x = &l->rows[l->n++];
    memset(x, 0, sizeof *x);
    snprintf(x->measure, sizeof x->measure, "%s", measure);
    snprintf(x->domain, sizeof x->domain, "%s", domain);
    x->deff = NAN;
    return x;
}

int helby_row_list_put(helby_row_list *l, const char *measure, const char *domain,
                       const helby_estimate *e, size_t n, size_t min_cell, const char *small,
                       const char *flag, helby_error *err)
{
    helby_run_row *x = helby_row_list_add(l, measure, domain, err);
    if (!x)
        return 1;
    x->n = (int64_t)n;
    x->df = e->df;
    if (n < min_cell) {
        x->estimate = x->se = x->ci_low = x->ci_high = NAN;
        snprintf(x->flag, sizeof x->flag, "%s", small);
        return 0;
    }
    x->estimate = e->estimate, x->se = e->se, x->ci_low = e->ci_low, x->ci_high = e->ci_high;
    snprintf(x->flag, sizeof x->flag, "%s", isnan(e->estimate) ? "undefined" : flag);
    return 0;
}

int helby_run_variance(const helby_run_options *o, helby_rep_spec *rep, int *replicates,
                       helby_estimate_options *opt, helby_error *err)
{
    *rep = (helby_rep_spec){HELBY_REP_JK1, o->rho, (size_t)o->replicates, o->seed, 0};
    if (!helby_variance_method_parse(o->variance, &rep->type, replicates))
        return helby_error_set(err, HELBY_EUSAGE, "unknown variance method '%s'", o->variance), 1;
    opt->level = o->level;
    opt->df = o->df;
    opt->share_df = o->share_df;
    return 0;
}
