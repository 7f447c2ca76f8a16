/*
 * helby/quantile.h — design-based quantiles by domain, as R survey (>= 4.1) svyquantile.
 *
 * The point estimate is a weighted quantile of the domain's values by one of R's rules
 * (qrule "math": the smallest x with cumulative weight share >= p, "school": the mean of
 * the two values when the share lands exactly on p, "hf7": R's interpolating rule), ties
 * in the order of the rows as R's stable order(). The interval is Woodruff's (R's
 * interval.type = "mean"): the proportion of the domain at or below the estimate, its
 * linearization SE in the full design (a domain, never a subset of rows), a t interval on
 * the domain's df (R degf of the domain: its PSUs - its strata; opt->df > 0 overrides;
 * opt->ci == HELBY_CI_NORMAL: normal), mapped back through the same rule; a limit below 0
 * or above 1 is NaN, as in R. SE = CI length / (2 t). For replicate designs the interval is
 * R's interval.type = "quantile": the quantile under every replicate's weights, their
 * replicate variance (scale, rscales, mse), quantile +- t sqrt(v) on the replicate df; it
 * is refused for jackknives (R warns that they may not give valid SEs for quantiles).
 * Values are first rounded to 12 significant digits, so that scores equal on paper are ties
 * whatever the floating-point noise of their arithmetic (R: signif(x, 12) first).
 */
#ifndef HELBY_QUANTILE_H
#define HELBY_QUANTILE_H

#include <stddef.h>

#include "helby/design.h"
#include "helby/error.h"
#include "helby/estimate.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest is hidden */

typedef enum helby_qrule {
    HELBY_QRULE_MATH = 0, /* R qrule_math (svyquantile's default) */
    HELBY_QRULE_SCHOOL,   /* R qrule_school */
    HELBY_QRULE_HF7       /* R qrule_hf7 */
} helby_qrule;

/* Parse "math", "school", "hf7"; returns 0 if unknown. */
int helby_qrule_parse(const char *name, helby_qrule *out);
const char *helby_qrule_name(helby_qrule rule);

/* The weighted p-quantile of x (n values, weights w) by rule, exactly as R's qrule_*
 * (rows of weight 0 are left out; order of ties is the rows' order). NaN when no row has
 * a positive weight, p outside [0, 1], or (hf7) fewer than two rows. */
double helby_weighted_quantile(const double *x, const double *w, size_t n, double p,
                               helby_qrule rule);

/* Quantiles probs[0..n_probs-1] of y (rounded to 12 significant digits) in each domain (domain[k]
 * in 0..n_domains-1 or -1; NULL: one domain of all rows). NaN values of y leave the domain (R na.rm
 * = TRUE). *out holds n_domains x n_probs estimates, est[g * n_probs + j] for domain g and probs[j]
 * (vcov NULL): estimate, se, ci_low, ci_high, df, n, n_weighted, rel_se, unreliable;
 * deff NaN. A domain without respondents has n = 0 and NaN numbers. Errors: HELBY_EUSAGE
 * for a probability outside [0, 1] or a domain out of range; HELBY_ENOMEM. */
helby_status helby_quantile_by(const helby_design *d, const double *y, const long *domain,
                               size_t n_domains, const double *probs, size_t n_probs,
                               helby_qrule rule, const helby_estimate_options *opt,
                               helby_estimates **out, helby_error *err);

/* The same with the replicate method (R svyquantile(interval.type = "quantile") on an
 * svyrep.design). HELBY_EUSAGE for jackknife replicates (JK1, JKn), saying why. */
helby_status helby_quantile_by_replicates(const helby_replicates *r, const double *y,
                                          const long *domain, size_t n_domains, const double *probs,
                                          size_t n_probs, helby_qrule rule,
                                          const helby_estimate_options *opt, helby_estimates **out,
                                          helby_error *err);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
