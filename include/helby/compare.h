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
    /* Fieller's interval for (G_t - G_0) / G_0 at the level of the CIs (helby_fieller_gaps,
     * docs/method.md §7): bounded only when |G_0| / SE(G_0) exceeds the t quantile on the
     * baseline gap's df; otherwise the relative change has no finite interval and the
     * delta-method CI beside it should not be trusted. NaN for the baseline wave itself. */
    int fieller_bounded;
    double fieller_low, fieller_high;
    double fieller_df_low, fieller_df_high; /* the df of the pivot's t at each bound */
    double baseline_gap_t;                  /* |G_0| / SE(G_0) */
} helby_wave_comparison;

/* Fieller's interval for theta = (G_t - G_0) / G_0 from the gaps of two independent waves
 * (estimate, SE and df of each): the set of theta whose pivot test does not reject,
 * |G_t - (1 + theta) G_0| <= t_df(theta) sqrt(V_t + (1 + theta)^2 V_0), with df(theta) the
 * Satterthwaite df of the pivot's two parts (df_t, df_0), or fixed_df > 0 for all, or the
 * normal quantile with HELBY_CI_NORMAL; level opt->level. As theta grows the pivot tends to
 * the test of G_0 = 0 on df_0: the set is a bounded interval exactly when |G_0| / SE(G_0) >
 * t_{df_0} (crit0), otherwise it is unbounded (two rays or the whole line) and low, high are
 * NaN. Bounds by bisection to the last bits; df_low, df_high the df at each bound. */
typedef struct helby_fieller {
    int bounded;
    double low, high;
    double df_low, df_high;
    double baseline_t; /* |G_0| / SE(G_0) */
    double crit0;      /* the quantile it is compared with */
} helby_fieller;

void helby_fieller_gaps(const helby_estimate *g0, const helby_estimate *gt, double fixed_df,
                        const helby_estimate_options *opt, helby_fieller *out);

/* Satterthwaite (Welch) degrees of freedom of a sum of independent variance parts v[i]
 * with df[i] (parts of different waves): (sum v)^2 / sum (v^2 / df). */
double helby_satterthwaite_df(const double *v, const double *df, size_t n);

/* The change now - then of one estimate between two independent samples (two waves, or
 * any two designs): the variances add, SE = sqrt(SE_now^2 + SE_then^2); df the Satterthwaite
 * df of the two parts (fixed_df > 0: that df); a t CI at opt->level (normal when opt->ci is
 * HELBY_CI_NORMAL, whatever CI the estimates had); n the smaller n; NaN estimate, SE and CI
 * when either is NaN. R: svycontrast of two svyby estimates of separate designs, with
 * df = the Welch df (docs/method.md §2). */
helby_estimate helby_wave_change(const helby_estimate *now, const helby_estimate *then,
                                 double fixed_df, const helby_estimate_options *opt);

/* The test of e = 0: t = estimate / SE and its two-sided p on e->df (normal: on the normal
 * distribution); NaN when SE is 0 or NaN. */
void helby_estimate_test_zero(const helby_estimate *e, int normal, double *t, double *p);

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

/* Why a verdict is inconclusive (docs/method.md §7). */
typedef enum helby_goal_reason {
    HELBY_REASON_NONE = 0,      /* met, not met or undefined */
    HELBY_REASON_CI,            /* the CI includes the target */
    HELBY_REASON_BASELINE_ZERO, /* the baseline gap is not distinguishable from zero */
    HELBY_REASON_DISAGREE       /* the delta-method and Fieller intervals judge differently */
} helby_goal_reason;

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
    /* Relative gap reduction: Fieller's interval turned into a reduction (NaN when unbounded
     * or not computed). */
    double fieller_low, fieller_high;
    helby_goal_reason reason; /* why an inconclusive verdict is inconclusive */
} helby_goal_result;

/* The verdict of a relative gap reduction whose delta-method quantity is q (the reduction
 * -(G_t - G_0)/G_0 with CI), judged with Fieller's interval from the two waves' gaps g0, gt
 * (helby_fieller_gaps): undefined when q is; inconclusive when Fieller's interval is unbounded
 * (the baseline gap is not distinguishable from zero) or when the two intervals disagree on
 * the verdict; otherwise their common verdict against x / 100 (>=). delta_only (runs of
 * method 1) judges on q alone. Fieller's df: opt->df when > 0, else each gap's own. Fills out's
 * verdict, reason, fieller_bounded, fieller_low, fieller_high and gap_reversed (q itself is not
 * changed). The one rule helby_goal_evaluate, reports and the sensitivity analysis use. */
void helby_goal_judge_reduction(const helby_estimate *q, const helby_estimate *g0,
                                const helby_estimate *gt, double x, int delta_only,
                                const helby_estimate_options *opt, helby_goal_result *out);

/* A gap that closed and reversed in words, from the target wave's gap G_t (Danes -
 * minorities, in the measure's units; share: a proportion, said in percentage points):
 * "closed and reversed (minorities now 9.8 points above)" or in Danish. */
void helby_goal_reversal_text(double gap_t, int share, const char *lang, char *buf, size_t n);

/* The reason of an inconclusive verdict in words, lang "da" or "en" ("" for none). */
const char *helby_goal_reason_text(helby_goal_reason r, const char *lang);

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
