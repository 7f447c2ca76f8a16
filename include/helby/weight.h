/*
 * helby/weight.h — weighting to population totals (docs/method.md §6).
 *
 * From base (design) weights and register margins — one-way margins such as
 * district or origin group, and cross-classified ones such as sex x age band —
 * compute adjusted weights by post-stratification, raking (iterative
 * proportional fitting) or calibration (Deville & Särndal 1992) with the
 * linear, raking (exponential) or bounded logit distance, optionally trimmed
 * afterwards (R trimWeights). Conventions follow R `survey` (postStratify,
 * rake, calibrate, grake), checked by tests/unit/test_weight.c against
 * values R computed (scripts/r-golden.R) and the published tables of Kalton &
 * Flores-Cervantes (2003).
 *
 * The result also carries what variance estimation needs afterwards: the
 * calibration residual adjustment (helby_design_calibrate) and the
 * re-calibration of every replicate (helby_replicates_calibrate). Knows
 * nothing of files, codes or stores: margins come as level indices per row.
 */
#ifndef HELBY_WEIGHT_H
#define HELBY_WEIGHT_H

#include <stddef.h>

#include "helby/design.h"
#include "helby/error.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest is hidden */

typedef enum helby_weight_method {
    HELBY_WEIGHT_POSTSTRATIFY = 0, /* one margin (may be cross-classified): w N_l / N^_l */
    HELBY_WEIGHT_RAKE,             /* iterative proportional fitting over the margins */
    HELBY_WEIGHT_LINEAR,           /* calibration, linear distance (GREG); truncated with bounds */
    HELBY_WEIGHT_RAKING,           /* calibration, exponential distance (R calfun "raking") */
    HELBY_WEIGHT_LOGIT             /* calibration, logit distance: g strictly within bounds */
} helby_weight_method;

/* "poststratify", "rake", "linear", "raking", "logit"; returns 0 if unknown. */
int helby_weight_method_parse(const char *name, helby_weight_method *out);
const char *helby_weight_method_name(helby_weight_method m);

/* One margin: a population total per level and each row's level. */
typedef struct helby_margin {
    const char *name; /* "district", or "sex*ageband" (for messages) */
    size_t n_levels;
    const char *const *level_names; /* n_levels names for messages ("7", "1*3"), or NULL */
    const double *totals;           /* n_levels population totals, finite and >= 0 */
    const long *level;              /* per row: 0..n_levels-1, or -1 for no valid level */
} helby_margin;

typedef struct helby_weight_spec {
    helby_weight_method method;
    double lower, upper;           /* bounds on g = w / w_base for calibration; -inf / inf: none.
                                      logit needs finite lower < 1 < upper */
    double epsilon;                /* converged when every |T^ - T| / (1 + |T|) < epsilon (R grake's
                                      criterion; default 1e-10, R's default is 1e-7) */
    int maxit;                     /* iterations (raking sweeps or Newton steps); default 100 */
    double trim_lower, trim_upper; /* afterwards, weights outside are set to the bound and the
                             excess spread evenly over the others (R trimWeights); 0 / inf:
                             no trimming */
    int trim_strict; /* repeat trimming until no weight is outside (R strict = TRUE) */
} helby_weight_spec;

void helby_weight_spec_default(helby_weight_spec *s);

/* Quantile points of the diagnostics: 0, 1, 5, 25, 50, 75, 95, 99, 100 %. */
#define HELBY_WEIGHT_NQ 9
extern const double helby_weight_quantile_points[HELBY_WEIGHT_NQ];

typedef struct helby_weight_diag {
    size_t n;                    /* respondents with a positive base weight */
    double sum_base, sum_w;      /* sums of base and final weights */
    double w_q[HELBY_WEIGHT_NQ]; /* quantiles of the final weights (R type 7) */
    double g_q[HELBY_WEIGHT_NQ]; /* quantiles of g = w / w_base */
    double kish_n;               /* Kish effective sample size (sum w)^2 / sum w^2 */
    double deff_w;               /* weighting design effect n sum w^2 / (sum w)^2 = 1 + CV^2 */
    int iterations;              /* raking sweeps or Newton steps (1 for post-stratification) */
    double max_discrepancy;      /* largest |T^ - T| / T over all margin cells, final weights */
    char worst_cell[160];        /* where: "district=7" */
    double totals_gap;           /* largest relative disagreement between the margins' sums */
    size_t n_trimmed;            /* weights set to a trimming bound */
    char warning[512];           /* "" or why the weights deserve a look */
} helby_weight_diag;

/* The outcome of weighting one sample: weights, diagnostics and what variance needs. */
typedef struct helby_weighting helby_weighting;

/* Weight n rows with base weights `base` (>= 0; rows with 0 stay 0) to the J
 * margins. Errors (HELBY_EUSAGE / HELBY_ENUMERIC), each naming the margin and
 * level: a row with a positive weight and no level; a level with a population
 * total but no respondents, or respondents but a zero total; margins whose
 * sums disagree by more than 0.1 % (smaller disagreements are rescaled to the
 * first margin's sum, with a warning in the diagnostics); a margin implied by
 * the others (collinear constraints); post-stratification with more than one
 * margin; bounds that do not contain 1 or logit without finite bounds; no
 * convergence within maxit (naming the cell furthest from its total); negative
 * weights from linear calibration (use bounds). */
helby_status helby_weight_compute(helby_weighting **out, const helby_weight_spec *spec, size_t n,
                                  const double *base, const helby_margin *margins, size_t J,
                                  helby_error *err);
void helby_weighting_free(helby_weighting *w);

/* n weights, owned by w. */
const double *helby_weighting_weights(const helby_weighting *w);
size_t helby_weighting_rows(const helby_weighting *w);
const helby_weight_diag *helby_weighting_diag(const helby_weighting *w);

/* Linearization after weighting, as R calibrate / postStratify: the design
 * takes the weighted rows' final weights, and every influence value is
 * replaced by its residual from the weighted least-squares regression (base
 * weights) on the margins' indicators. parts[i] covers rows first_row[i] ..
 * first_row[i] + rows - 1 of d (e.g. one wave each, calibrated separately);
 * together they must cover every row once. */
helby_status helby_design_calibrate(helby_design *d, const helby_weighting *const *parts,
                                    const size_t *first_row, size_t n_parts, helby_error *err);

/* One part of a replicate design to re-weight: rows first .. first + n - 1 with their margins. */
typedef struct helby_weight_part {
    size_t first, n;
    const helby_margin *margins;
    size_t n_margins;
} helby_weight_part;

/* Replicate variance after weighting: the full-sample weights and every
 * replicate's weights are weighted again with the same spec, part by part
 * (R calibrate / postStratify / rake on a svyrep.design). The result holds
 * n x R weights; scale, rscales, mse and df are those of r. */
helby_status helby_replicates_calibrate(helby_replicates **out, const helby_replicates *r,
                                        const helby_weight_spec *spec,
                                        const helby_weight_part *parts, size_t n_parts,
                                        helby_error *err);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
