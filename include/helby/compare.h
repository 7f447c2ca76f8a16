/*
 * helby/compare.h — minorities vs ethnic Danes over waves, and goal verdicts.
 *
 * From domain estimates of one measure by group x wave (with their covariance,
 * estimate.h), per wave: the gap G = Danes - minorities and the ratio
 * Q = minorities / Danes; against a baseline wave: the change of each group,
 * the change of the gap (difference in differences G_t - G_0) and the relative
 * gap change (G_t - G_0) / G_0, all by the delta method (docs/method.md §7).
 * Waves are independent samples: with strata taken within wave their
 * covariances are zero by construction, which the covariance matrix carries.
 * Verdicts follow docs/method.md §7: met when the whole CI is beyond the
 * target, not met when the whole CI falls short of it, inconclusive otherwise.
 */
#ifndef HELBY_COMPARE_H
#define HELBY_COMPARE_H

#include <stddef.h>

#include "helby/estimate.h"
#include "helby/survey.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest is hidden */

/* f(theta) with gradient grad (n_domains) at the estimates: value, SE, CI. */
helby_status helby_delta_method(const helby_estimates *e, double value, const double *grad,
                                double df, const helby_estimate_options *opt, helby_estimate *out,
                                helby_error *err);

typedef struct helby_wave_comparison {
    long wave;
    helby_estimate danes, minorities;
    helby_estimate gap;            /* Danes - minorities */
    helby_estimate ratio;          /* minorities / Danes */
    helby_estimate gap_change;     /* G_t - G_0 (difference in differences) */
    helby_estimate rel_gap_change; /* (G_t - G_0) / G_0 */
    helby_estimate ratio_change;   /* (Q_t - Q_0) / Q_0 */
    /* Fieller's interval for (G_t - G_0) / G_0 at the level of the CIs (docs/method.md §7):
     * bounded only when |G_0| / SE(G_0) exceeds the t quantile; otherwise the relative change
     * has no finite interval and the delta-method CI beside it should not be trusted. NaN for
     * the baseline wave itself. */
    int fieller_bounded;
    double fieller_low, fieller_high;
    double baseline_gap_t; /* |G_0| / SE(G_0) */
} helby_wave_comparison;

/* Satterthwaite (Welch) degrees of freedom of a sum of independent variance parts v[i]
 * with df[i] (parts of different waves): (sum v)^2 / sum (v^2 / df). */
double helby_satterthwaite_df(const double *v, const double *df, size_t n);

/* A quantity that cannot be computed (a zero denominator, an empty cell) is undefined:
 * NaN estimate, SE and CI, and the rest of the comparison stands. df > 0 fixes every
 * quantity's df; df <= 0 takes each quantity's own: a wave's df for a gap or ratio, the
 * Satterthwaite df of the two waves for a change against the baseline.
 * danes[w], minorities[w]: the domain index of each group in wave w of n_waves;
 * baseline: the index of the baseline wave. out: n_waves rows. */
helby_status helby_compare_groups(const helby_estimates *e, const long *waves, size_t n_waves,
                                  const size_t *danes, const size_t *minorities, size_t baseline,
                                  double df, const helby_estimate_options *opt,
                                  helby_wave_comparison *out, helby_error *err);

typedef enum helby_verdict {
    HELBY_VERDICT_MET = 0,
    HELBY_VERDICT_NOT_MET,
    HELBY_VERDICT_INCONCLUSIVE,
    HELBY_VERDICT_UNDEFINED /* the quantity could not be computed (empty cell, zero gap) */
} helby_verdict;

/* Verdict on a quantity (with CI) against a threshold: met if ci_low > threshold
 * (>= when `inclusive`), not met if ci_high < threshold (<= when not inclusive),
 * inconclusive otherwise. */
helby_verdict helby_verdict_of(const helby_estimate *q, double threshold, int inclusive);
const char *helby_verdict_name(helby_verdict v);

/* A goal of targets.csv judged (docs/method.md §7). */
typedef struct helby_goal_result {
    helby_estimate q;      /* the quantity judged: the relative gap reduction -(G_t - G_0)/G_0
                            * or the ratio's relative change (proportions), or the change
                            * theta_t - theta_0 of the target's group */
    helby_verdict verdict; /* against x / 100 (relative kinds, >=) or x (change, >) */
    size_t n;              /* the fewest respondents behind an estimate it uses */
    /* Relative gap reduction only: the gap changed sign between baseline and target (it
     * closed and reversed: report "closed and reversed", never a reduction above 100 %),
     * and whether Fieller's interval is bounded (when it is not, the baseline gap is
     * indistinguishable from zero and the verdict is inconclusive). */
    int gap_reversed;
    int fieller_bounded;
} helby_goal_result;

/* Judges target tg with threshold x (the target's own x, or an override) at wave index tw
 * against baseline index b. cmp: helby_compare_groups on `groups` (the group x wave
 * estimates, dn[w]/mn[w] their domains); all: everyone by wave (domain w), for targets of
 * group "all". df <= 0: the quantity's own (Satterthwaite across the two waves), as
 * helby_compare_groups, and a relative gap reduction whose Fieller interval is unbounded is
 * inconclusive; df > 0 (one df for all, as runs of method 1 stored) judges on the
 * delta-method CI alone. An undefined quantity gives HELBY_VERDICT_UNDEFINED. */
helby_status helby_goal_evaluate(const helby_target *tg, double x, const helby_wave_comparison *cmp,
                                 const helby_estimates *groups, const helby_estimates *all,
                                 const size_t *dn, const size_t *mn, size_t b, size_t tw, double df,
                                 const helby_estimate_options *opt, helby_goal_result *out,
                                 helby_error *err);

/* The adjusted counterpart of a relative gap reduction target (targets.csv `adjust`,
 * docs/method.md §13): judged on composition-adjusted gaps g0 (baseline wave) and gt (target
 * wave), each from its own wave's design (helby_explain's adj_gap or std_gap). The reduction
 * 1 - G_t/G_0 by the delta method over independent waves, Var = V_t/G_0^2 +
 * (G_t/G_0^2)^2 V_0 (0 for the target wave at the baseline: same wave), df Satterthwaite over
 * the two parts (df > 0, or opt->df > 0: that df), t CI (normal when opt->ci is). Verdict as
 * the raw one: met when ci_low >= x/100, not met when ci_high < x/100, else inconclusive, and
 * inconclusive when |G_0|/SE(G_0) <= t (Fieller's interval unbounded, with t on the df of
 * G_t - G_0) unless df is fixed; undefined when a gap is NaN. gap_reversed: G_0 G_t < 0. */
helby_status helby_goal_evaluate_adjusted(const helby_target *tg, double x,
                                          const helby_estimate *g0, const helby_estimate *gt,
                                          int same_wave, double df,
                                          const helby_estimate_options *opt, helby_goal_result *out,
                                          helby_error *err);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
