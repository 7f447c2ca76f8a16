/* run_internal.h — what runcompute.c and runs.c share (not part of the API). */
#ifndef HELBY_RUN_INTERNAL_H
#define HELBY_RUN_INTERNAL_H

#include "helby/analysis.h"

/* The stored waves of a survey, ascending (*waves malloc'ed), and their input files as
 * "2011=sha256;2014=sha256" (what a run records): the waves `sel` (n_sel of them, ascending;
 * 0: every stored wave). HELBY_ENOTFOUND when there are none, or naming a wave of sel that is
 * not stored. */
helby_status helby_run_waves_inputs(helby_store *st, const char *survey, const long *sel,
                                    size_t n_sel, long **waves, size_t *nw, char *inputs, size_t n,
                                    helby_error *err);

/* The rows of the sensitivity analysis of a run with o->sensitivity > 0 (runsens.c):
 * helby_sensitivity_run with the run's variance, weights, level, df and seed. */
helby_status helby_run_sensitivity_rows(helby_store *st, const helby_survey *s,
                                        const helby_run_options *o, helby_run_row **rows,
                                        size_t *n_rows, helby_error *err);

/* The adjusted rows of a run with comparisons (runadjust.c): for each target of s with
 * `adjust`, helby_explain with the run's variance, weights, level and df, per wave (domains
 * "wave=W,quantity=Q[,term=T],baseline=B,adjust=METHOD:COV+COV") and the adjusted verdict
 * ("goal=G,wave=W,baseline=B,x=X,adjust=METHOD:COV+COV"). None when no target has adjust. */
helby_status helby_run_adjusted_rows(helby_store *st, const helby_survey *s,
                                     const helby_run_options *o, helby_run_row **rows,
                                     size_t *n_rows, helby_error *err);

/* The subgroup rows of a run with o->by (runby.c): within each level of each by-variable,
 * per index and share and wave, both groups' estimates ("by=VAR,level=CODE,wave=W,group=G"),
 * the gap and its change since the baseline ("by=VAR,level=CODE,wave=W,quantity=gap|
 * gap_change,baseline=B"), as `compare --by` with the run's variance, weights, level and df. */
helby_status helby_run_subgroup_rows(helby_store *st, const helby_survey *s,
                                     const helby_run_options *o, helby_run_row **rows,
                                     size_t *n_rows, helby_error *err);

/* A growing list of a run's rows (runsens.c, runadjust.c, runby.c). */
typedef struct helby_row_list {
    helby_run_row *rows;
    size_t n, cap;
} helby_row_list;

/* A new row at the end of l, zeroed but for its measure, domain and deff (NaN); NULL with err
 * set when out of memory (runrows.c). */
helby_run_row *helby_row_list_add(helby_row_list *l, const char *measure, const char *domain,
                                  helby_error *err);

/* A row of estimate e with n respondents: below min_cell its numbers withheld and flagged
 * `small` ("suppressed", or "empty" where the caller says so for n 0), an undefined estimate
 * "undefined", else `flag`; 1 with err set when out of memory (runrows.c). */
int helby_row_list_put(helby_row_list *l, const char *measure, const char *domain,
                       const helby_estimate *e, size_t n, size_t min_cell, const char *small,
                       const char *flag, helby_error *err);

/* The run's variance and CI options for a request of its own (runsens.c, runadjust.c,
 * runby.c): the replicate spec (method, Fay's rho, replicates, seed) with *replicates 1 for a
 * replicate method, and opt's level, df and share_df (its ci is the caller's). 1 with err
 * set (HELBY_EUSAGE) for an unknown variance method (runrows.c). */
int helby_run_variance(const helby_run_options *o, helby_rep_spec *rep, int *replicates,
                       helby_estimate_options *opt, helby_error *err);

/* The status an error record holds after a failed call (err may be NULL). */
static inline helby_status helby_run_status(const helby_error *err)
{
    return err && err->code ? err->code : HELBY_ENUMERIC;
}

#endif
