/*
 * helby/score.h — respondent scores: items -> 0–100 -> dimensions -> index.
 *
 * docs/method.md §1: missing codes and empty cells are missing; negatively
 * worded items are reversed (x' = min + max - x); scores are rescaled to
 * 0–100; a dimension score is the weighted mean of its available item scores
 * when at least min_valid items are available; an index aggregates its
 * dimension scores arithmetically (sum a_j d_j / sum a_j) or geometrically
 * (prod (d_j + 1)^(a_j / sum a) - 1), and is missing if any dimension is.
 * Deterministic, before any weighting. Works on plain columns, so the caller
 * decides where they come from (a stored wave, several waves).
 */
#ifndef HELBY_SCORE_H
#define HELBY_SCORE_H

#include <stddef.h>

#include "helby/error.h"
#include "helby/survey.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest is hidden */

/* Score of one item value (as stored: codes, NaN for empty) on 0–100, NaN if missing. */
double helby_item_score(const helby_variable *v, double x);

/* Dimension scores of n respondents. items[i] is the column (n values as
 * stored) of the dimension's i-th item (dim->items[i]). out receives n scores
 * (NaN where fewer than min_valid items are available). */
void helby_score_dimension(const helby_survey *s, const helby_dimension *dim,
                           const double *const *items, size_t n, double *out);

/* Index scores of n respondents: items holds the columns of every item of every
 * dimension of the index, dimension by dimension in indices.csv order. */
helby_status helby_score_index(const helby_survey *s, const helby_index *ix,
                               const double *const *items, size_t n, double *out, helby_error *err);

/* Another construction of an index (helby sensitivity, docs/method.md §12): what replaces the
 * definition's aggregation, dimension weights and min_valid, and an item left out. A
 * dimension of weight 0 is left out (its missing score then does not make the index
 * missing); a dimension that loses an item needs at most its remaining items. */
typedef struct helby_index_override {
    helby_aggregation aggregation;
    const double *dim_weights; /* ix->n_dims weights a_j >= 0; NULL: the definition's */
    const size_t *min_valid;   /* ix->n_dims; NULL: the definition's */
    size_t drop_item;          /* an item (index into s->vars) left out; HELBY_NO_VAR: none */
} helby_index_override;

/* The definition's own construction as an override (dim_weights and min_valid NULL). */
void helby_index_override_reference(const helby_index *ix, helby_index_override *o);

/* helby_score_index with the construction o (items as for helby_score_index). With the
 * definition's own construction the scores are helby_score_index's, bit for bit. When
 * every dimension has weight 0 every score is NaN. HELBY_ENOMEM. */
helby_status helby_score_index_with(const helby_survey *s, const helby_index *ix,
                                    const helby_index_override *o, const double *const *items,
                                    size_t n, double *out, helby_error *err);

/* Reliability of a dimension (docs/method.md §1): weighted Cronbach's alpha
 * k/(k-1) (1 - sum_i C_ii / sum_ij C_ij) and each item's correlation with the
 * sum of the other items, from the weighted covariance matrix C of the item
 * scores (0–100) over respondents who answered every item of the dimension.
 * items as for helby_score_dimension; w: n weights. item_rest receives
 * dim->n_items values. HELBY_ENUMERIC when fewer than 2 items or 2 complete
 * respondents, or when the items do not vary. */
helby_status helby_dimension_reliability(const helby_survey *s, const helby_dimension *dim,
                                         const double *const *items, const double *w, size_t n,
                                         double *alpha, double *item_rest, size_t *n_complete,
                                         helby_error *err);

/* Find an index or a dimension by name: sets *ix (and *dim for a dimension,
 * else NULL). Returns 0 if there is none. */
int helby_find_measure(const helby_survey *s, const char *name, const helby_index **ix,
                       const helby_dimension **dim);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
