/*
 * helby/sensitivity.h — how much the verdict depends on how the index was built.
 *
 * Uncertainty and sensitivity analysis of composite indices (OECD/JRC Handbook on
 * Constructing Composite Indicators, 2008; Saisana, Saltelli & Tarantola 2005) beside the
 * sampling error of design-based estimates (docs/method.md §12). The space of choices is the
 * survey's sensitivity.csv (survey.h's helby_choice). Scenarios are drawn from it by
 * Saltelli's design on a Sobol sequence (GSL's gsl_qrng_sobol, shifted by the seed); each
 * re-scores every respondent with the scenario's construction (score.h's
 * helby_score_index_with) and estimates the index by group x wave on the dataset and wave
 * designs built once, then compares the groups and judges the goals as helby compare does
 * (compare.h). Results: the spread of each goal's quantity across scenarios beside the
 * reference construction's sampling CI, the share of scenarios per verdict, first-order
 * (Saltelli 2010) and total (Jansen 1999) sensitivity indices per choice, and the districts'
 * ranks across scenarios.
 *
 * Knows nothing of printing. Only indices with choices in sensitivity.csv, and only goals
 * whose measure is such an index, are analysed.
 */
#ifndef HELBY_SENSITIVITY_H
#define HELBY_SENSITIVITY_H

#include <stddef.h>

#include "helby/compare.h"
#include "helby/design.h"
#include "helby/error.h"
#include "helby/estimate.h"
#include "helby/score.h"
#include "helby/store.h"
#include "helby/survey.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest is hidden */

/* ---- Saltelli's design and the estimators (any model, e.g. the Ishigami function) ---- */

/* The most choices of one index: Sobol points have 2k coordinates, GSL gives up to 40. */
#define HELBY_SENS_MAX_CHOICES 20

/* The n (k + 2) points of Saltelli's design in [0, 1)^k, row after row (k values each):
 * rows 0..n-1 are A, n..2n-1 are B, and block 2 + i (rows (2 + i) n ..) is A with column i
 * taken from B. A and B are the two halves of the first n points of a 2k-dimensional Sobol
 * sequence, each coordinate shifted by a uniform number drawn from `seed` (mod 1; Cranley &
 * Patterson 1976), so seeds give different designs and one seed the same design.
 * HELBY_EUSAGE for k = 0, k > HELBY_SENS_MAX_CHOICES or n < 2; HELBY_ENOMEM. */
helby_status helby_saltelli_design(size_t k, size_t n, unsigned long long seed, double *u,
                                   helby_error *err);

/* First-order and total indices of each of the k inputs from the outputs y of the design's
 * n (k + 2) rows, in its order: S_i = mean((f(B) - m) (f(A_B^i) - f(A))) / V (Saltelli et
 * al. 2010, f(B) centred on m, the mean of the outputs of A and B) and
 * ST_i = mean((f(A) - f(A_B^i))^2) / (2 V) (Jansen 1999), V the variance of the outputs of
 * A and B. Rows j where an output is NaN are left out of each sum. NaN when V is 0 or not
 * defined. */
void helby_saltelli_indices(const double *y, size_t k, size_t n, double *first, double *total);

/* The Monte Carlo error of those indices by the bootstrap, as SALib's sobol.analyze does it
 * (num_resamples, conf = z times the resamples' standard deviation): `resamples` times, draw
 * n rows j of the design with replacement, A's, B's and every A_B^i's row j together, and
 * compute the indices on them (helby_saltelli_indices). first_se and total_se (k each) are
 * the standard deviations (divisor count - 1) of the defined resampled indices; a CI at
 * level L is S +- z_{(1+L)/2} se. The draws are GSL's mt19937 seeded with
 * seed ^ 0x9e3779b97f4a7c15, so a seed gives the same se. NaN where fewer than 2 resamples
 * are defined. HELBY_EUSAGE for k = 0, k > HELBY_SENS_MAX_CHOICES, n < 2 or resamples < 2;
 * HELBY_ENOMEM. */
helby_status helby_saltelli_boot(const double *y, size_t k, size_t n, size_t resamples,
                                 unsigned long long seed, double *first_se, double *total_se,
                                 helby_error *err);

/* The alternative of choice c that coordinate u in [0, 1) picks: the weight for a range
 * (low + u (high - low)), else the index of the alternative, 0..n_values-1 (drop_item:
 * 0 keeps every item, 1..n_values leaves out values[level - 1]). */
double helby_choice_level(const helby_choice *c, double u);
/* Levels of choice c: 0 for a range, n_values otherwise (n_values + 1 for drop_item). */
size_t helby_choice_levels(const helby_choice *c);

/* The construction of index ix (of s) that point u (one per choice of ch) picks, into o;
 * weights and min_valid (room ix->n_dims each) hold o's arrays. Choices not in ch keep the
 * definition's values. */
void helby_choice_construction(const helby_survey *s, const helby_index *ix,
                               const helby_choice *const *ch, size_t k, const double *u,
                               helby_index_override *o, double *weights, size_t *min_valid);

/* ---- The analysis over a store ---- */

typedef struct helby_sensitivity_request {
    size_t scenarios;        /* N: Saltelli's base sample; N (k + 2) constructions */
    unsigned long long seed; /* the Sobol shift */
    const long *waves;       /* NULL or 0: every stored wave; at least two */
    size_t n_waves;
    int replicates; /* 0: linearization; 1: replicate variance of `rep` */
    helby_rep_spec rep;
    helby_estimate_options opt; /* as helby compare: each quantity's own df */
    const char *weights;        /* NULL: base weights */
    long min_cell;              /* < 0: the survey's */
    size_t bootstrap;           /* resamples of the sensitivity indices' bootstrap SEs
                                   (helby_saltelli_boot, from `seed`); 0: none */
} helby_sensitivity_request;

/* 256 scenarios, seed 1, linearization, every wave, 95 % CIs, base weights, no bootstrap
 * of the sensitivity indices (runs ask for 1000). */
void helby_sensitivity_request_default(helby_sensitivity_request *r);

typedef struct helby_sens_goal {
    const helby_target *target; /* in the survey */
    long baseline_wave, target_wave;
    helby_goal_result reference; /* the definition's construction: helby compare's verdict */
    /* Over the 2N scenarios of A and B with a defined quantity: */
    double median, p05, p95;     /* of the goal's quantity (R's quantile type 7) */
    double share[4];             /* of scenarios per helby_verdict (met, not met,
                                  * inconclusive, undefined), over all 2N */
    double *first, *total;       /* per choice: sensitivity indices of the quantity */
    double *first_se, *total_se; /* per choice: their bootstrap SEs (NaN without one) */
    double *q;                   /* per construction (n_runs): the quantity */
    helby_verdict *verdict;      /* per construction */
} helby_sens_goal;

typedef struct helby_sens_district {
    double code;           /* the district's code */
    double reference_rank; /* 1 = best (highest, or lowest when lower is better) */
    double median_rank, rank_low, rank_high; /* over the 2N scenarios: median, 5 %, 95 % */
} helby_sens_district;

typedef struct helby_sens_index {
    const helby_index *index;     /* in the survey */
    const helby_choice **choices; /* its rows of sensitivity.csv */
    size_t n_choices;             /* k */
    size_t n_runs;                /* N (k + 2) constructions scored */
    double *u;                    /* n_runs x k: the design (helby_saltelli_design) */
    size_t n_domains;             /* 2 x waves: Danes of wave w in 2w, minorities in 2w + 1 */
    double *means;                /* n_runs x n_domains: the index's mean per group x wave */
    double *ref_means;            /* n_domains: the reference construction's */
    size_t n_goals;
    helby_sens_goal *goals;
    long rank_wave; /* districts are ranked on the index in this wave */
    size_t n_districts;
    helby_sens_district *districts;
} helby_sens_index;

typedef struct helby_sensitivity {
    size_t scenarios; /* N */
    unsigned long long seed;
    double boot_z; /* z_{(1+level)/2}: an index's bootstrap CI is first +- boot_z first_se */
    size_t n_waves;
    long *waves;
    size_t n_indices;
    helby_sens_index *indices; /* every index with choices, in indices.csv order */
} helby_sensitivity;

/* Run the analysis of every index of s that has choices. Errors: HELBY_EUSAGE when s has
 * no sensitivity.csv or an index more than HELBY_SENS_MAX_CHOICES choices, or N < 2;
 * HELBY_ENOTFOUND for fewer than two waves or an unknown weight set; those of the design
 * and estimators; HELBY_ENOMEM. Free with helby_sensitivity_free. */
helby_status helby_sensitivity_run(helby_store *st, const helby_survey *s,
                                   const helby_sensitivity_request *req, helby_sensitivity **out,
                                   helby_error *err);
void helby_sensitivity_free(helby_sensitivity *r);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
