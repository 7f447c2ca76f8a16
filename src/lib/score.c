/* score.c — respondent scores (helby/score.h), STATISTICS.md §1. */
#include "helby/score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double helby_item_score(const helby_variable *v, double x)
{
    if (isnan(x) || helby_variable_is_missing_code(v, x) || !v->has_range)
        return NAN;
    if (x < v->min || x > v->max)
        return NAN; /* cannot pass import; never scored */
    double xr = v->reverse ? v->min + v->max - x : x;
    return 100.0 * (xr - v->min) / (v->max - v->min);
}

void helby_score_dimension(const helby_survey *s, const helby_dimension *dim,
                           const double *const *items, size_t n, double *out)
{
    for (size_t k = 0; k < n; k++) {
        double sum = 0, wsum = 0;
        size_t avail = 0;
        for (size_t i = 0; i < dim->n_items; i++) {
            double sc = helby_item_score(&s->vars[dim->items[i]], items[i][k]);
            if (isnan(sc))
                continue;
            sum += dim->item_weights[i] * sc;
            wsum += dim->item_weights[i];
            avail++;
        }
        out[k] = avail >= dim->min_valid && wsum > 0 ? sum / wsum : NAN;
    }
}

helby_status helby_score_index(const helby_survey *s, const helby_index *ix,
                               const double *const *items, size_t n, double *out,
                               helby_error *err)
{
    double *d = malloc((n ? n : 1) * sizeof *d);
    if (!d)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory scoring %s", ix->name);
    double asum = 0;
    for (size_t j = 0; j < ix->n_dims; j++)
        asum += ix->dims[j].weight;
    for (size_t k = 0; k < n; k++)
        out[k] = ix->aggregation == HELBY_AGG_GEOMETRIC ? 1.0 : 0.0;
    size_t col = 0;
    for (size_t j = 0; j < ix->n_dims; j++) {
        const helby_dimension *dim = &ix->dims[j];
        helby_score_dimension(s, dim, items + col, n, d);
        col += dim->n_items;
        double a = dim->weight / asum;
        for (size_t k = 0; k < n; k++) {
            if (ix->aggregation == HELBY_AGG_GEOMETRIC)
                out[k] *= pow(d[k] + 1.0, a); /* the shift keeps a zero score defined */
            else
                out[k] += a * d[k];            /* NaN propagates: any missing dimension */
        }
    }
    if (ix->aggregation == HELBY_AGG_GEOMETRIC)
        for (size_t k = 0; k < n; k++)
            out[k] -= 1.0;
    free(d);
    return HELBY_OK;
}

int helby_find_measure(const helby_survey *s, const char *name, const helby_index **ix,
                       const helby_dimension **dim)
{
    for (size_t i = 0; i < s->n_indices; i++) {
        if (strcmp(s->indices[i].name, name) == 0) {
            *ix = &s->indices[i];
            *dim = NULL;
            return 1;
        }
        for (size_t j = 0; j < s->indices[i].n_dims; j++)
            if (strcmp(s->indices[i].dims[j].name, name) == 0) {
                *ix = &s->indices[i];
                *dim = &s->indices[i].dims[j];
                return 1;
            }
    }
    return 0;
}
