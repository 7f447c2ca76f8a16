/* explain_fit.c — helby_explain_design: one wave's quantities with SEs and CIs, and why one
 * is undefined. Part of module (scripts/check-layers): explain; */
#include "analysis/explain_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/design_internal.h"
#include "stats/estimate_internal.h"
#include "stats/replicate_internal.h"

const char *helby_explain_quantity_name(helby_explain_quantity q)
{
    static const char *const names[HELBY_EX_N_QUANTITIES] = {
        "raw_gap",        "mean_danes",          "mean_minorities",
        "std_mean_danes", "std_mean_minorities", "std_gap",
        "adj_mean_danes", "adj_mean_minorities", "adj_gap",
        "explained",      "unexplained"};
    return (unsigned)q < HELBY_EX_N_QUANTITIES ? names[q] : "?";
}

void helby_explain_fit_free(helby_explain_fit *f)
{
    if (!f)
        return;
    free(f->terms), free(f->beta), free(f->aliased);
    memset(f, 0, sizeof *f);
}

static void note(helby_explain_fit *f, const char *text)
{
    size_t m = strlen(f->note);
    if (strstr(f->note, text))
        return;
    snprintf(f->note + m, sizeof f->note - m, "%s%s", m ? "; " : "", text);
}

/* The standardisation is undefined when a respondent lies outside the standard's cells (or
 * in one of population 0: R's "strata in sample absent from population"), or a cell of the
 * standard has no respondent of a group. Returns a bit per group undefined (3: both). */
static int std_check(const ex_ctx *c, helby_explain_fit *f)
{
    const helby_explain_data *in = c->in;
    char buf[256];
    int bad = 0;
    if (!c->C)
        return 3; /* no standard: the caller says why */
    for (size_t k = 0; k < in->n && bad != 3; k++)
        if (c->use[k] && (in->cell[k] < 0 || !(in->share[in->cell[k]] > 0))) {
            note(f, in->cell[k] < 0 ? "a respondent's covariate cell is not in the standard"
                                    : "a respondent's cell has population 0 in the standard");
            bad = 3;
        }
    for (size_t k = 0; k < c->C && bad != 3; k++)
        for (int g = 0; g < 2; g++)
            if (in->share[k] > 0 && !(c->S0[c->oC + 4 * k + 2 * (size_t)g] > 0)) {
                snprintf(buf, sizeof buf, "standard cell %s has no %s",
                         in->cell_names ? in->cell_names[k] : "?", g ? "minorities" : "Danes");
                note(f, buf);
                bad |= 1 << g;
            }
    return bad;
}

/* NaN for the quantities that rest on an empty group or an undefined standardisation. */
static void undefined(const ex_ctx *c, helby_explain_fit *f, double *th)
{
    const size_t p = c->p;
    int empty[2] = {!(c->S0[0] > 0), !(c->S0[p + 1] > 0)};
    int std = std_check(c, f);
    if (std & 1)
        th[HELBY_EX_STD_MEAN_DANES] = NAN;
    if (std & 2)
        th[HELBY_EX_STD_MEAN_MINORITIES] = NAN;
    if (std)
        th[HELBY_EX_STD_GAP] = NAN;
    if (empty[0] || empty[1] || c->alias[1]) {
        note(f, empty[0]   ? "no ethnic Danes in the analysis"
                : empty[1] ? "no minorities in the analysis"
                           : "group=minorities is collinear with the covariates");
        for (int q = 0; q < HELBY_EX_N_QUANTITIES; q++)
            if (q != HELBY_EX_MEAN_DANES && q != HELBY_EX_MEAN_MINORITIES &&
                q != HELBY_EX_STD_MEAN_DANES && q != HELBY_EX_STD_MEAN_MINORITIES)
                th[q] = NAN;
        for (size_t t = 0; t < c->T; t++)
            th[HELBY_EX_N_QUANTITIES + t] = NAN;
    }
    for (size_t t = 0; t < c->T; t++) { /* a covariate whose every column is left out */
        int all = 1;
        for (size_t j = 2; j < p; j++)
            all &= c->in->term_of_col[j - 2] != t || c->alias[j];
        if (all)
            th[HELBY_EX_N_QUANTITIES + t] = NAN;
    }
    for (size_t j = 2; j < p; j++)
        if (c->alias[j]) {
            char buf[200];
            snprintf(buf, sizeof buf, "%s is collinear with earlier columns (left out)",
                     c->in->col_names ? c->in->col_names[j - 2] : "a covariate column");
            note(f, buf);
        }
}

static void fill(helby_estimate *e, double est, double var, double df, size_t n,
                 const helby_estimate_options *o)
{
    memset(e, 0, sizeof *e);
    e->estimate = est;
    e->se = isnan(est) ? NAN : sqrt(var > 0 ? var : 0);
    e->df = df;
    e->n = n;
    e->deff = NAN;
    helby_estimate_set_ci(e, o, 0);
    if (isnan(est))
        e->ci_low = e->ci_high = e->se = NAN;
}

static int fit_alloc(helby_explain_fit *f, const ex_ctx *c)
{
    memset(f, 0, sizeof *f);
    f->n_terms = c->T;
    f->p = c->p;
    f->terms = calloc(c->T ? c->T : 1, sizeof *f->terms);
    f->beta = calloc(c->p, sizeof *f->beta);
    f->aliased = calloc(c->p, 1);
    return f->terms && f->beta && f->aliased ? 0 : -1;
}

static void fit_fill(const ex_ctx *c, helby_explain_fit *f, double df,
                     const helby_estimate_options *opt)
{
    helby_estimate_options o;
    helby_estimate_options_default(&o);
    if (opt)
        o.level = opt->level, o.ci = opt->ci == HELBY_CI_NORMAL ? HELBY_CI_NORMAL : HELBY_CI_T;
    for (size_t k = 0; k < c->in->n; k++)
        if (c->use[k])
            f->n_used++, f->n_group[c->in->group[k]]++;
    double *th = c->theta;
    undefined(c, f, th);
    const size_t Q = c->Q;
    for (int q = 0; q < HELBY_EX_N_QUANTITIES; q++) {
        size_t n = q == HELBY_EX_MEAN_DANES || q == HELBY_EX_STD_MEAN_DANES ? f->n_group[0]
                   : q == HELBY_EX_MEAN_MINORITIES || q == HELBY_EX_STD_MEAN_MINORITIES
                       ? f->n_group[1]
                       : f->n_used;
        fill(&f->q[q], th[q], c->V[q * Q + q], df, n, &o);
    }
    for (size_t t = 0; t < c->T; t++) {
        size_t q = HELBY_EX_N_QUANTITIES + t;
        fill(&f->terms[t], th[q], c->V[q * Q + q], df, f->n_used, &o);
    }
    for (size_t j = 0; j < c->p; j++) {
        f->beta[j] = c->beta[j];
        f->aliased[j] = c->alias[j];
    }
    f->df = df;
}

helby_status helby_explain_design(const helby_design *d, const helby_replicates *r,
                                  const helby_explain_data *in, double df,
                                  const helby_estimate_options *opt, helby_explain_fit *out,
                                  helby_error *err)
{
    helby_error local;
    if (!err)
        err = &local;
    helby_error_clear(err);
    memset(out, 0, sizeof *out);
    if (in->q + 2 > EX_MAX_P)
        return helby_error_set(err, HELBY_EUSAGE, "at most %d covariate columns, not %zu",
                               EX_MAX_P - 2, in->q);
    if (in->n != (r ? r->n : d->n))
        return helby_error_set(err, HELBY_EUSAGE, "the data have %zu rows, the design %zu", in->n,
                               r ? r->n : d->n);
    ex_ctx c;
    int rc = ex_ctx_init(&c, in) || fit_alloc(out, &c);
    if (!rc) {
        ex_full_sample(&c, r ? r->w : d->w);
        if (r) {
            rc = ex_vcov_replicates(&c, r);
        } else {
            ex_gradient(&c);
            rc = ex_vcov_linearization(&c, d);
        }
    }
    if (!rc) {
        ex_add_fit_part(&c);
        if (!(df > 0))
            df = r ? helby_replicates_df(r) : helby_design_df(d);
        fit_fill(&c, out, df, opt);
    }
    ex_ctx_free(&c);
    if (rc) {
        helby_explain_fit_free(out);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    return HELBY_OK;
}
