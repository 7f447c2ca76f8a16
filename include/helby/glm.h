/*
 * helby/glm.h — design-based generalised linear models (R survey's svyglm).
 *
 * A linear (gaussian) or logistic (quasi-binomial) model fitted by weighted least squares /
 * IRLS on a model matrix the caller built (regress.h builds one from a formula), with the
 * sandwich variance of the coefficients under the design: linearization (the influence
 * values U_k A^-1, U_k = w_k x_k (y_k - mu_k), residualised on the calibration model when the
 * design was calibrated, as R svyrecvar with postStrata) or replicates (the model re-fitted
 * with every replicate's weights, started from the full-sample coefficients, as R svyglm on
 * a svyrep.design). Knows nothing of surveys, stores or formulas: a stats-layer call.
 */
#ifndef HELBY_GLM_H
#define HELBY_GLM_H

#include <stddef.h>

#include "helby/design.h"
#include "helby/error.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest is hidden */

typedef enum helby_glm_family {
    HELBY_GLM_GAUSSIAN = 0, /* identity link, R svyglm(family = gaussian()) */
    HELBY_GLM_QUASIBINOMIAL /* logit link, R svyglm(family = quasibinomial()) */
} helby_glm_family;

/* How the residual degrees of freedom are taken. */
typedef enum helby_glm_df_rule {
    HELBY_GLM_DF_SVYGLM = 0, /* design df + 1 - (non-aliased coefficients), as R svyglm */
    HELBY_GLM_DF_DESIGN      /* the design df (PSUs - strata), as Stata's svy: regress */
} helby_glm_df_rule;

typedef struct helby_glm_spec {
    size_t n;        /* rows: those of the design */
    size_t p;        /* columns of X (the intercept, when wanted, is a column) */
    const double *X; /* n x p, row-major */
    const double *y; /* n responses (quasi-binomial: 0 or 1, or in [0, 1]) */
    /* in[k] = 1: row k is in the model's subpopulation (R svyglm on subset(design, ...)).
     * A row outside it, or with a NaN in y or its X row, weighs 0 in the fit but keeps its
     * PSU in the variance (domain estimation, never dropping rows). NULL: every row. */
    const unsigned char *in;
    helby_glm_family family;
    helby_glm_df_rule df_rule;
    const char *const *names; /* p column names for messages and output (may be NULL) */
    int max_iter;             /* IRLS iterations; 0: 25 (R glm.control) */
    double tol;               /* IRLS deviance tolerance; 0: 1e-8 (R glm.control) */
    double level;             /* confidence level; 0: 0.95 */
    int no_influence;         /* 1: leave helby_glm.influence NULL (saves n x p doubles; the
                                 variance is the same) */
    /* Instead of X (then NULL): row(row_ctx, k, x) writes row k's p values into x — a model
     * matrix computed on the fly (regress.c's from factor codes), no n x p array. */
    void (*row)(void *row_ctx, size_t k, double *x);
    void *row_ctx;
    /* Or, instead of X and row: row_nz(row_ctx, k, idx, val) writes row k's nonzero columns
     * (ascending; a column whose value is 0 may be listed) into idx and their values into val
     * and returns how many, or SIZE_MAX when one of the row's values is missing. A
     * factor-coded row costs its nonzeros rather than p in every pass over the rows. */
    size_t (*row_nz)(void *row_ctx, size_t k, size_t *idx, double *val);
} helby_glm_spec;

void helby_glm_spec_default(helby_glm_spec *s);

/* One coefficient. An aliased column (linearly dependent on earlier ones, R's NA
 * coefficient) has aliased = 1 and NaN numbers; it is never silently dropped. */
typedef struct helby_glm_coef {
    double estimate, se, t, p, ci_low, ci_high;
    int aliased;
} helby_glm_coef;

typedef struct helby_glm {
    size_t n, p;   /* rows, columns */
    size_t n_used; /* rows in the fit (in, finite y and X, weight > 0) */
    double sum_w;  /* their weights */
    helby_glm_family family;
    helby_glm_coef *coef; /* p */
    double *vcov;         /* p x p, row-major (NaN rows/columns for aliased ones) */
    double df_design;     /* PSUs - strata, or the replicate rank - 1 */
    double df;            /* residual df by df_rule: the t and F denominators */
    helby_glm_df_rule df_rule;
    double dispersion; /* R summary.svyglm's dispersion (svyvar of Pearson resid.) */
    int iterations;    /* IRLS iterations (1 for gaussian) */
    /* Linearization only (NULL for replicates and with spec.no_influence): the influence
     * values of the coefficients, n x p row-major, Z = U A^-1 before calibration residuals, so that
     * a caller can combine them with other influence values (helby_design_vcov_influence). */
    double *influence;
    double *mu; /* n fitted means (NaN outside the model) */
} helby_glm;

/* Fit with linearization variance. Errors (HELBY_EINPUT, naming the column or the reason):
 * no row in the model, a residual df <= 0, a response outside [0, 1] for quasi-binomial,
 * complete or quasi-complete separation (fitted probabilities 0 or 1, naming the column
 * that separates when one does), no convergence in max_iter (HELBY_ENUMERIC). Aliased
 * columns are flagged, not errors, unless every column is aliased. */
helby_status helby_glm_fit(const helby_design *d, const helby_glm_spec *spec, helby_glm **out,
                           helby_error *err);

/* Fit with replicate variance: scale * sum_r rscale_r (beta_r - c)(beta_r - c)', every
 * replicate re-fitted (R svyglm on a svyrep.design). Same errors, plus a replicate that
 * does not converge (naming it). */
helby_status helby_glm_fit_replicates(const helby_replicates *r, const helby_glm_spec *spec,
                                      helby_glm **out, helby_error *err);

void helby_glm_free(helby_glm *m);

/* Wald test that the coefficients cols[0..k-1] are all zero (R regTermTest(method = "Wald"),
 * its F on k and m->df degrees of freedom). Aliased columns are left out of k. */
typedef struct helby_wald {
    double F, df1, df2, p;
    double chisq;
} helby_wald;
helby_status helby_glm_wald(const helby_glm *m, const size_t *cols, size_t k, helby_wald *out,
                            helby_error *err);

/* The design covariance of the totals of D columns of influence values Z (n x D, row-major)
 * under d: PSU totals, strata, fpc and lonely-PSU rule, with calibration residuals when d
 * was calibrated (helby_design_calibrate), as R svyrecvar. V is D x D. The building block of
 * every linearization variance of a smooth function of totals (regress.h's explain). */
helby_status helby_design_vcov_influence(const helby_design *d, const double *Z, size_t D,
                                         double *V, helby_error *err);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
