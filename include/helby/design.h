/*
 * helby/design.h — a sampling design for variance estimation.
 *
 * Built from per-row arrays: base weights, optional strata, optional PSUs
 * (units are their own PSUs when none are given), optional fpc (population
 * PSUs per stratum, or a sampling fraction <= 1) and the lonely-PSU rule.
 * Variance is the first-stage ("ultimate cluster") estimator of
 * docs/method.md §2–3, as R `survey`'s svyrecvar with one stage of fpc.
 * Knows nothing of files or stores; estimate.h computes with it.
 */
#ifndef HELBY_DESIGN_H
#define HELBY_DESIGN_H

#include <stddef.h>

#include "helby/error.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest is hidden */

/* What to do with a stratum that has a single PSU (R options(survey.lonely.psu=)). */
typedef enum helby_lonely_rule {
    HELBY_LONELY_FAIL = 0,  /* error naming the stratum (default) */
    HELBY_LONELY_REMOVE,    /* the stratum contributes nothing */
    HELBY_LONELY_CERTAINTY, /* treated as sampled with certainty: contributes nothing */
    HELBY_LONELY_ADJUST,    /* centred on the grand mean (zero) instead of the stratum mean */
    HELBY_LONELY_AVERAGE    /* variance scaled up by strata / strata with > 1 PSU */
} helby_lonely_rule;

/* Parse "fail", "remove", "certainty", "adjust", "average"; returns 0 if unknown. */
int helby_lonely_rule_parse(const char *name, helby_lonely_rule *out);

typedef struct helby_design_spec {
    size_t n;              /* rows */
    const double *weights; /* n base weights, >= 0 (0 = outside the sample) */
    const size_t *strata;  /* n stratum ids (any values) or NULL: one stratum */
    const size_t *psus;    /* n PSU ids (any values, nested in strata) or NULL */
    const double *fpc;     /* n values, constant within a stratum, or NULL */
    helby_lonely_rule lonely;
    /* Optional names of stratum ids for messages: strata_names[id] (may be NULL). */
    const char *const *strata_names;
    size_t n_strata_names;
} helby_design_spec;

typedef struct helby_design helby_design;

/* Build a design. Errors (HELBY_EUSAGE / HELBY_ENUMERIC): no rows, a negative or
 * non-finite weight, all weights zero, fpc varying within a stratum or smaller
 * than the PSUs sampled, a single PSU in the whole design, and a lonely PSU
 * under the rule `fail` (naming the stratum); HELBY_EINPUT: an fpc mixing counts (> 1)
 * and fractions (< 1) across strata, naming two strata of each kind (R refuses it). The caller
 * frees with helby_design_free. The arrays are copied. */
helby_status helby_design_new(helby_design **out, const helby_design_spec *spec, helby_error *err);
void helby_design_free(helby_design *d);

size_t helby_design_rows(const helby_design *d);
size_t helby_design_strata(const helby_design *d);
size_t helby_design_psus(const helby_design *d);
/* Design degrees of freedom: PSUs - strata (R degf). */
double helby_design_df(const helby_design *d);

/* ---- Replicate designs (docs/method.md §5) ---- */

typedef enum helby_rep_type {
    HELBY_REP_JK1 = 0,   /* unstratified jackknife: drop one PSU, others x n/(n-1) */
    HELBY_REP_JKN,       /* stratified jackknife: drop PSU i of stratum h */
    HELBY_REP_BRR,       /* balanced repeated replication, 2 PSUs per stratum */
    HELBY_REP_FAY,       /* BRR with Fay's rho */
    HELBY_REP_BOOTSTRAP, /* Rao–Wu rescaling bootstrap (as R bootweights), seeded */
    HELBY_REP_SUPPLIED   /* replicate weights from the data producer */
} helby_rep_type;

/* Replicate weights: built from a design (the jackknives as the PSU each replicate
 * drops: memory O(rows + PSUs) even with one replicate per PSU; BRR, Fay and the
 * bootstrap as per-PSU multipliers, P x R with R small) or full per-row weights
 * supplied by the producer (n x R). Variance:
 * scale * sum_r rscale_r (theta_r - c)^2, c the mean of the replicates or,
 * with mse, the full-sample estimate (R svrepdesign). */
typedef struct helby_replicates helby_replicates;

typedef struct helby_rep_spec {
    helby_rep_type type;
    double fay_rho;          /* HELBY_REP_FAY: 0 < rho < 1 */
    size_t replicates;       /* HELBY_REP_BOOTSTRAP: number of replicates (default 50) */
    unsigned long long seed; /* HELBY_REP_BOOTSTRAP */
    int mse;                 /* centre on the full-sample estimate */
} helby_rep_spec;

/* Parse a variance method name: "linearization" (sets *is_replicate = 0), or "jk1",
 * "jkn", "brr", "fay", "bootstrap", "supplied" (the producer's replicate weights, which a
 * survey declares: survey.h) (sets *type and *is_replicate = 1). Returns 0 if the name is
 * unknown. */
int helby_variance_method_parse(const char *name, helby_rep_type *type, int *is_replicate);

/* Build replicate weights from a design. JKn has one replicate per PSU of every
 * stratum not sampled with certainty (fpc: f_h = 0), as R's as.svrepdesign(type =
 * "JKn") with survey.drop.replicates (its default); a lonely PSU follows the design's
 * rule as R's jknweights (remove, certainty, average: no replicate, average scaling by
 * PSUs / replicates; adjust: one replicate). The bootstrap keeps a lonely PSU at
 * multiplier 1 (average: variance x strata / strata with 2+ PSUs). BRR and Fay use R's
 * Hadamard matrix for the number of strata (survey:::hadamard; Sylvester beyond 99
 * strata), strata taken in sorted order of their names. Errors: JK1 on a stratified
 * design, BRR/Fay without exactly 2 PSUs in every stratum, a lonely PSU under `fail`
 * (JKn, bootstrap) or `adjust` (bootstrap), naming the stratum, rho outside (0, 1). */
helby_status helby_replicates_new(helby_replicates **out, const helby_design *d,
                                  const helby_rep_spec *spec, helby_error *err);

/* Producer-supplied replicate weights: n rows x R replicates, column r at
 * weights + r * n; scale and rscales (NULL: all 1) as R svrepdesign. The full
 * sample uses `base` (n weights). Arrays are copied. */
helby_status helby_replicates_supplied(helby_replicates **out, size_t n, size_t R,
                                       const double *base, const double *weights, double scale,
                                       const double *rscales, int mse, helby_error *err);
void helby_replicates_free(helby_replicates *r);

size_t helby_replicates_count(const helby_replicates *r);
/* Rows of the replicate design. */
size_t helby_replicates_rows(const helby_replicates *r);
double helby_replicates_scale(const helby_replicates *r);
/* Degrees of freedom as R degf on a replicate design: rank of the replicate
 * weight matrix - 1; in closed form for JK1 (P - 1), JKn (sum of n_h - 1 over
 * the strata with replicates), BRR and Fay (strata), else from the R x R
 * cross-product (never the n x R matrix). */
double helby_replicates_df(const helby_replicates *r);
/* Replicate weight of row k in replicate r (for export and tests). */
double helby_replicates_weight(const helby_replicates *r, size_t k, size_t rep);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
