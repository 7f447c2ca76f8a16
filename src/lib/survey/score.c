/* score.c — respondent scores (helby/score.h), docs/method.md §1. */
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
                               const double *const *items, size_t n, double *out, helby_error *err)
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
                out[k] += a * d[k]; /* NaN propagates: any missing dimension */
        }
    }
    if (ix->aggregation == HELBY_AGG_GEOMETRIC)
        for (size_t k = 0; k < n; k++)
            out[k] -= 1.0;
    free(d);
    return HELBY_OK;
}

void helby_index_override_reference(const helby_index *ix, helby_index_override *o)
{
    o->aggregation = ix->aggregation;
    o->dim_weights = NULL;
    o->min_valid = NULL;
    o->drop_item = HELBY_NO_VAR;
}

/* The construction o as an index of its own: copies of the dimensions with o's weight and
 * min_valid, the dropped item taken out (with its column), dimensions of weight 0 left out;
 * then helby_score_index scores it, so the arithmetic is the definition's. */
helby_status helby_score_index_with(const helby_survey *s, const helby_index *ix,
                                    const helby_index_override *o, const double *const *items,
                                    size_t n, double *out, helby_error *err)
{
    size_t n_items = 0;
    for (size_t j = 0; j < ix->n_dims; j++)
        n_items += ix->dims[j].n_items;
    helby_dimension *dims = malloc((ix->n_dims + 1) * sizeof *dims);
    size_t *it = malloc((n_items + 1) * sizeof *it);
    double *iw = malloc((n_items + 1) * sizeof *iw);
    const double **cols = malloc((n_items + 1) * sizeof *cols);
    if (!dims || !it || !iw || !cols) {
        free(dims), free(it), free(iw), free(cols);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory scoring %s", ix->name);
    }
    helby_index x = *ix;
    x.aggregation = o->aggregation;
    x.dims = dims;
    x.n_dims = 0;
    size_t in = 0, out_items = 0;
    for (size_t j = 0; j < ix->n_dims; j++) {
        const helby_dimension *d = &ix->dims[j];
        helby_dimension *c = &dims[x.n_dims];
        *c = *d;
        c->weight = o->dim_weights ? o->dim_weights[j] : d->weight;
        c->min_valid = o->min_valid ? o->min_valid[j] : d->min_valid;
        c->items = it + out_items;
        c->item_weights = iw + out_items;
        c->n_items = 0;
        for (size_t q = 0; q < d->n_items; q++, in++) {
            if (d->items[q] == o->drop_item)
                continue;
            it[out_items] = d->items[q], iw[out_items] = d->item_weights[q];
            cols[out_items++] = items[in];
            c->n_items++;
        }
        if (c->min_valid > c->n_items)
            c->min_valid = c->n_items;
        if (c->weight > 0)
            x.n_dims++;
        else
            out_items -= c->n_items; /* weight 0: the dimension and its columns go */
    }
    helby_status st = HELBY_OK;
    if (x.n_dims == 0)
        for (size_t k = 0; k < n; k++)
            out[k] = NAN;
    else
        st = helby_score_index(s, &x, cols, n, out, err);
    free(dims), free(it), free(iw), free(cols);
    return st;
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

helby_status helby_dimension_reliability(const helby_survey *s, const helby_dimension *dim,
                                         const double *const *items, const double *w, size_t n,
                                         double *alpha, double *item_rest, size_t *n_complete,
                                         helby_error *err)
{
    const size_t k = dim->n_items;
    if (k < 2)
        return helby_error_set(err, HELBY_ENUMERIC, "dimension %s has fewer than 2 items",
                               dim->name);
    double *mean = calloc(k, sizeof *mean), *C = calloc(k * k, sizeof *C);
    double *x = malloc(k * sizeof *x);
    if (!mean || !C || !x) {
        free(mean), free(C), free(x);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    /* Two passes: weighted means, then centred cross-products (no cancellation). */
    double wsum = 0;
    size_t m = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t r = 0; r < n; r++) {
            int complete = w[r] > 0;
            for (size_t i = 0; i < k && complete; i++) {
                x[i] = helby_item_score(&s->vars[dim->items[i]], items[i][r]);
                complete = !isnan(x[i]);
            }
            if (!complete)
                continue;
            if (pass == 0) {
                wsum += w[r];
                m++;
                for (size_t i = 0; i < k; i++)
                    mean[i] += w[r] * x[i];
            } else {
                for (size_t i = 0; i < k; i++)
                    for (size_t j = 0; j < k; j++)
                        C[i * k + j] += w[r] * (x[i] - mean[i]) * (x[j] - mean[j]);
            }
        }
        if (pass == 0) {
            if (m < 2) {
                free(mean), free(C), free(x);
                return helby_error_set(err, HELBY_ENUMERIC,
                                       "dimension %s: fewer than 2 respondents answered every "
                                       "item",
                                       dim->name);
            }
            for (size_t i = 0; i < k; i++)
                mean[i] /= wsum;
        }
    }
    double diag = 0, total = 0;
    for (size_t i = 0; i < k; i++) {
        diag += C[i * k + i];
        for (size_t j = 0; j < k; j++)
            total += C[i * k + j];
    }
    helby_status st = HELBY_OK;
    if (!(total > 0) || !(diag > 0)) {
        st = helby_error_set(err, HELBY_ENUMERIC, "dimension %s: the items do not vary", dim->name);
    } else {
        *alpha = (double)k / (double)(k - 1) * (1 - diag / total);
        for (size_t i = 0; i < k; i++) {
            double cov = 0, var_rest = 0;
            for (size_t j = 0; j < k; j++) {
                if (j == i)
                    continue;
                cov += C[i * k + j];
                for (size_t l = 0; l < k; l++)
                    if (l != i)
                        var_rest += C[j * k + l];
            }
            item_rest[i] = cov / sqrt(C[i * k + i] * var_rest);
        }
        *n_complete = m;
    }
    free(mean), free(C), free(x);
    return st;
}
