/*
 * helby/estimate.h — design-based estimates by domain, with linearization variance.
 *
 * Totals, means (ratio estimators with x = 1), ratios of two variables and
 * proportions, for many domains in one pass: each row carries a domain index
 * (or -1), and a domain is estimated by zeroing rows outside it, never by
 * dropping them (docs/method.md §3). A missing value (NaN) puts the row
 * outside every domain for that estimate, as R's na.rm = TRUE. The full
 * covariance matrix between the domain estimates is returned so that gaps,
 * ratios of means and relative changes get their SE by the delta method
 * (helby_contrast). Inference: t on the design df (default) or normal;
 * proportion CIs logit, beta (Korn–Graubard) and Wald, as R svyciprop.
 */
#ifndef HELBY_ESTIMATE_H
#define HELBY_ESTIMATE_H

#include <stddef.h>

#include "helby/design.h"
#include "helby/error.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest is hidden */

typedef enum helby_estimator {
    HELBY_EST_MEAN = 0, /* sum w y / sum w */
    HELBY_EST_TOTAL,    /* sum w y */
    HELBY_EST_RATIO     /* sum w y / sum w x */
} helby_estimator;

typedef enum helby_ci_method {
    HELBY_CI_T = 0,  /* estimate ± t(df) · se (default) */
    HELBY_CI_NORMAL, /* estimate ± z · se (R confint's default) */
    HELBY_CI_LOGIT,  /* proportions: on the logit scale with t(df) (svyciprop "logit") */
    HELBY_CI_BETA,   /* proportions: Korn–Graubard (svyciprop "beta") */
    HELBY_CI_WALD    /* proportions: p ± t(df) · se, as "mean" in svyciprop */
} helby_ci_method;

/* A share's CI (logit, beta, wald) on a domain, as R svyby(..., svyciprop), which computes
 * each domain's CI on its subset: on the domain's own df, degf() of the subset (PSUs with a
 * respondent of the domain with a value - strata with one with linearization; the rank of
 * the domain's replicate weights - 1 with replicates), and with replicates the logit's SE as
 * svyglm's, the replicate variance of the replicates' logits. HELBY_SHARE_DF_DESIGN keeps
 * helby's rule before these (runs stored without share_df): the design's df for logit and
 * wald and the logit's SE by the delta method, SE / (p (1 - p)); Korn-Graubard's t ratio
 * takes the domain's df under both. */
typedef enum helby_share_df {
    HELBY_SHARE_DF_DOMAIN = 0, /* as R (default) */
    HELBY_SHARE_DF_DESIGN      /* the design's (the wave's) df, the delta-method logit SE */
} helby_share_df;

typedef struct helby_estimate_options {
    double level; /* confidence level, default 0.95 */
    helby_ci_method ci;
    double df;               /* 0: the design's df; > 0 overrides (R's df argument) */
    helby_share_df share_df; /* a share's CI df on a domain (default: the domain's) */
    double max_rel_se;       /* unreliable above this relative SE; default 0.30 */
    size_t min_n;            /* unreliable below this unweighted n; default 0 */
} helby_estimate_options;

void helby_estimate_options_default(helby_estimate_options *o);

typedef struct helby_estimate {
    double estimate;
    double se;
    double ci_low, ci_high;
    double df;         /* the design's df, which comparisons of estimates use */
    double ci_df;      /* the df of the CI's t: df, or a share's domain df (share_df) */
    double deff;       /* R svymean/svytotal(deff = TRUE); NaN where undefined */
    double rel_se;     /* se / |estimate| */
    size_t n;          /* unweighted respondents in the domain with a value */
    double n_weighted; /* sum of weights over them */
    int unreliable;    /* rel_se > max_rel_se or n < min_n */
    /* 1 when a proportion CI (logit, beta) is p = 0 or 1: Korn & Graubard (1998) take
     * deff = 1 there, so the CI is Clopper–Pearson on the domain's n (0/50: [0, 0.0711]);
     * R gives [0, 1] (beta) or NaN (logit). 0 otherwise. */
    int ci_deff1;
} helby_estimate;

typedef struct helby_estimates {
    size_t n_domains;
    helby_estimate *est; /* n_domains */
    double *vcov;        /* n_domains x n_domains, row-major */
} helby_estimates;

void helby_estimates_free(helby_estimates *e);

/* Estimate y (and x for a ratio; NULL otherwise) in each of n_domains domains
 * given by domain[k] in 0..n_domains-1 or -1 (domain == NULL: one domain of all
 * rows). A domain without respondents is HELBY_ENUMERIC naming it (by index).
 * For proportions pass a 0/1 indicator as y with HELBY_EST_MEAN and a
 * proportion CI method. */
helby_status helby_estimate_by(const helby_design *d, helby_estimator kind, const double *y,
                               const double *x, const long *domain, size_t n_domains,
                               const helby_estimate_options *opt, helby_estimates **out,
                               helby_error *err);

/* The same estimates with replicate-weight variance (deff is NaN). */
helby_status helby_estimate_by_replicates(const helby_replicates *r, helby_estimator kind,
                                          const double *y, const double *x, const long *domain,
                                          size_t n_domains, const helby_estimate_options *opt,
                                          helby_estimates **out, helby_error *err);

/* A smooth function of the domain estimates, by the delta method. */
typedef enum helby_contrast_kind {
    HELBY_CONTRAST_DIFFERENCE = 0, /* theta_a - theta_b */
    HELBY_CONTRAST_RATIO,          /* theta_a / theta_b */
    HELBY_CONTRAST_RELATIVE_CHANGE /* (theta_a - theta_b) / theta_b */
} helby_contrast_kind;

/* Contrast of domains a and b of e, its SE from e->vcov, and a CI (t with
 * opt->df or the design df `df`, or normal). */
helby_status helby_contrast(const helby_estimates *e, helby_contrast_kind kind, size_t a, size_t b,
                            double df, const helby_estimate_options *opt, helby_estimate *out,
                            helby_error *err);

/* A general linear combination sum_j c_j theta_j with its SE (R svycontrast). */
helby_status helby_linear_combination(const helby_estimates *e, const double *coef, double df,
                                      const helby_estimate_options *opt, helby_estimate *out,
                                      helby_error *err);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
