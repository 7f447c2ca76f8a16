/*
 * helby/explain.h — why is there a gap? Composition-adjusted gaps and their decomposition
 * (`helby explain`, docs/method.md "Explaining the gap").
 *
 * Per wave (each wave its own design), on the respondents with the measure, a group (ethnic
 * Danes or minorities) and every covariate:
 *   - the raw group means and gap G = Danes - minorities (compare.h's sign);
 *   - directly standardised group means and gap: within each group the weights
 *     post-stratified to a standard population's shares of the covariates' cells (R
 *     svystandardize(design, by = ~covariates, over = ~group, population));
 *   - regression-adjusted group means and gap: y ~ covariates + group fitted by weighted
 *     least squares, everyone predicted as a Dane and as a minority, averaged with the weights
 *     (R svypredmeans(svyglm(y ~ covariates), ~group)); its variance is R's: the variance of
 *     the mean of the fitted values plus dg' V(beta) dg, without a cross term;
 *   - an Oaxaca–Blinder twofold decomposition with the pooled model including the group dummy
 *     (Jann's `pooled`): G = explained + unexplained, explained = (xbar_D - xbar_M)' beta_c,
 *     also per covariate (the sum over its columns), the covariates' group means random;
 * and against a baseline wave the change of each quantity (waves are independent samples: the
 * variances add; Satterthwaite df as compare.h).
 *
 * Every quantity is a smooth function of design-weighted totals; linearization takes the
 * chain rule on their influence values (with the calibration residuals of a weighted design),
 * replicates recompute every quantity from each replicate's totals (R withReplicates; the
 * fitted values of the adjusted means kept at the full-sample coefficients, as svypredmeans).
 */
#ifndef HELBY_EXPLAIN_H
#define HELBY_EXPLAIN_H

#include <stddef.h>

#include "helby/analysis.h"
#include "helby/design.h"
#include "helby/error.h"
#include "helby/estimate.h"
#include "helby/survey.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest is hidden */

/* The quantities of one wave, in output order. */
typedef enum helby_explain_quantity {
    HELBY_EX_RAW_GAP = 0,
    HELBY_EX_MEAN_DANES,
    HELBY_EX_MEAN_MINORITIES,
    HELBY_EX_STD_MEAN_DANES,
    HELBY_EX_STD_MEAN_MINORITIES,
    HELBY_EX_STD_GAP,
    HELBY_EX_ADJ_MEAN_DANES,
    HELBY_EX_ADJ_MEAN_MINORITIES,
    HELBY_EX_ADJ_GAP,
    HELBY_EX_EXPLAINED,   /* total; the per-covariate parts are helby_explain_fit.terms */
    HELBY_EX_UNEXPLAINED, /* G - explained */
    HELBY_EX_N_QUANTITIES
} helby_explain_quantity;

/* "raw_gap", "mean_danes", …, "unexplained". */
const char *helby_explain_quantity_name(helby_explain_quantity q);

/* One wave's data for helby_explain_design: n rows, those of the design. A row is in the
 * analysis when y, its group (0 or 1) and its X row are finite; the others weigh 0 but keep
 * their PSU (domain estimation). */
typedef struct helby_explain_data {
    size_t n;
    const double *y;           /* n responses */
    const int *group;          /* n: 0 ethnic Danes, 1 minorities, -1 neither or missing */
    size_t q;                  /* covariate columns (no intercept, no group) */
    const double *X;           /* n x q row-major: dummies and numeric covariates */
    const size_t *term_of_col; /* q: the covariate (0 .. n_terms-1) each column belongs to */
    size_t n_terms;
    /* Standardisation (cell == NULL: none): cell[k] the standard cell of row k (-1: a cell
     * the standard does not have, which makes the standardised means undefined), share[c]
     * the standard's share of cell c (summing to 1). */
    const long *cell;
    size_t n_cells;
    const double *share;
    const char *const *cell_names; /* n_cells labels for notes ("ageband=1,sex=2"), or NULL */
    const char *const *col_names;  /* q column names for notes, or NULL */
} helby_explain_data;

typedef struct helby_explain_fit {
    helby_estimate q[HELBY_EX_N_QUANTITIES];
    helby_estimate *terms; /* n_terms explained parts (malloc'ed) */
    size_t n_terms;
    size_t n_used;          /* rows in the analysis */
    size_t n_group[2];      /* of them Danes, minorities */
    size_t p;               /* model columns: intercept, group=minorities, the q covariates */
    double *beta;           /* p coefficients (0 for an aliased column) */
    unsigned char *aliased; /* p: 1 for a column collinear with earlier ones */
    double df;              /* the df of the CIs */
    /* Why a quantity is undefined (NaN), in words ("" when all are defined): an empty group,
     * a standard cell without respondents of a group, a respondent outside the standard. */
    char note[512];
} helby_explain_fit;

/* Every quantity of one wave on design d: linearization when r is NULL, else r's replicate
 * variance. df > 0: the df of the CIs (else d's or r's). opt: level and CI kind (NULL:
 * defaults). An undefined quantity (an empty group, an empty standard cell) is NaN with a
 * reason in out->note, not an error. Errors: HELBY_EINPUT when the design has no rows in the
 * analysis; HELBY_ENOMEM. Free out with helby_explain_fit_free. */
helby_status helby_explain_design(const helby_design *d, const helby_replicates *r,
                                  const helby_explain_data *in, double df,
                                  const helby_estimate_options *opt, helby_explain_fit *out,
                                  helby_error *err);
void helby_explain_fit_free(helby_explain_fit *f);

/* ---- Over a survey's stored waves ---- */

typedef struct helby_explain_request {
    const char *measure;           /* index, dimension, share or item */
    const char *const *covariates; /* codebook or derived variables, or roles */
    size_t n_covariates;
    const long *waves; /* NULL or 0: every stored wave */
    size_t n_waves;
    long baseline;       /* 0: the first wave */
    const char *weights; /* NULL or "base": base weights */
    int replicates;      /* 0: linearization */
    helby_rep_spec rep;
    helby_estimate_options opt; /* opt.df > 0 fixes every df */
    /* The standard population: NULL takes the survey's standard.csv; `standard_pooled` = 1
     * takes each wave's estimated distribution of the covariates' cells over both groups
     * (R svystandardize with population = svytable(~covariates, design), held fixed);
     * `no_standard` = 1 leaves the standardised quantities out (NaN). Without a standard
     * (no standard.csv, or one without a covariate's column) the standardised quantities are
     * NaN and result->standard_note says why; the rest stands. */
    const helby_standard *standard;
    int standard_pooled;
    int no_standard;
} helby_explain_request;

void helby_explain_request_default(helby_explain_request *r);

/* One output row: a wave's quantity (baseline 0), or its change since the baseline wave
 * (quantity "change_…", baseline the baseline wave). term: "" or, for explained parts, "total"
 * or the covariate's name. */
typedef struct helby_explain_row {
    long wave, baseline;
    char quantity[40];
    char term[64];
    helby_estimate e;
} helby_explain_row;

typedef struct helby_explain_result {
    size_t n_waves;
    long *wave_ids;
    helby_explain_fit *fits; /* n_waves */
    size_t baseline;         /* index of the baseline wave */
    helby_explain_row *rows;
    size_t n_rows;
    int standardised;        /* a standard population was used */
    char standard_note[256]; /* why not, when it was asked for ("" otherwise) */
    char inputs[4096];       /* the input files (and weight sets) */
} helby_explain_result;

/* helby explain. Errors: HELBY_EUSAGE an unknown measure or covariate, no covariates, a
 * baseline not among the waves; HELBY_EINPUT a text covariate; those of helby_dataset_open,
 * the designs and weights. A missing standard is not an error (standard_note). Free with
 * helby_explain_result_free. */
helby_status helby_explain(helby_store *st, const helby_survey *s, const helby_explain_request *req,
                           helby_explain_result **out, helby_error *err);
void helby_explain_result_free(helby_explain_result *r);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
