/*
 * helby/crosstab.h — Rao–Scott tests of independence on a two-way table under a design, as
 * R survey's svychisq (survey.design: statistic = "F", its default, and "Chisq").
 *
 * The table is of two coded variables given per row as level indices (row[k] in 0..nr-1,
 * col[k] in 0..nc-1, -1: missing, the row leaves the table as R's na.rm = TRUE). The cell
 * proportions p and their linearization covariance V (svymean of the cell indicators over
 * the rows with both values, in the full design: a domain), the design effect matrix
 * Delta = (C' D^-1 C / N)^-1 C' D^-1 V D^-1 C (C the interaction contrasts orthogonal to the
 * main effects, D = diag(p)) and Pearson's X^2 of the weighted table scaled to N rows:
 *   F       = X^2 / tr(Delta) on d0 = tr(Delta)^2 / tr(Delta^2) and d0 * nu df (second order);
 *   Chisq   = X^2 / mean(diag(Delta)) on (nr - 1)(nc - 1) df (first order);
 * nu the design's df (PSUs - strata). N is R's: every row of the design.
 */
#ifndef HELBY_CROSSTAB_H
#define HELBY_CROSSTAB_H

#include <stddef.h>

#include "helby/design.h"
#include "helby/error.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest is hidden */

typedef struct helby_raoscott {
    size_t nr, nc;        /* levels of the table */
    double pearson;       /* Pearson's X^2 of the weighted table scaled to N (R's X-squared) */
    double nu;            /* the design's df */
    double trace, trace2; /* tr(Delta), tr(Delta^2) */
    double f, f_ndf, f_ddf, f_p;     /* second order: F, d0, d0 * nu, P(F > f) */
    double chisq, chisq_df, chisq_p; /* first order: X^2 / mean(diag Delta), df, p */
} helby_raoscott;

/* The tests on design d's rows. Errors: HELBY_EUSAGE for fewer than 2 levels of either
 * variable or an index out of range; HELBY_ENUMERIC when no row has both values or Delta
 * cannot be formed (a singular C' D^-1 C); HELBY_ENOMEM. */
helby_status helby_raoscott_test(const helby_design *d, const long *row, const long *col, size_t nr,
                                 size_t nc, helby_raoscott *out, helby_error *err);

/* The tests again with design df nu (R's svychisq on subset(): its PSUs - strata). */
void helby_raoscott_set_nu(helby_raoscott *t, double nu);

/* PSUs - strata of design d among its rows k with keep[k] >= 0 (R's count on the rows of a
 * subset(), whatever their weight). */
double helby_design_subset_df(const helby_design *d, const long *keep);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
