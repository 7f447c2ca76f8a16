/* sensitivity_sobol.c — Saltelli's design on a Sobol sequence, the first-order and total
 * sensitivity estimators, and how a point of [0, 1)^k becomes an index's construction
 * (helby/sensitivity.h, docs/method.md §12). */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_qrng.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helby/sensitivity.h"

helby_status helby_saltelli_design(size_t k, size_t n, unsigned long long seed, double *u,
                                   helby_error *err)
{
    if (k == 0 || k > HELBY_SENS_MAX_CHOICES || n < 2)
        return helby_error_set(err, HELBY_EUSAGE,
                               "a Saltelli design needs 1 to %d inputs and 2 or more points "
                               "(%zu inputs, %zu points)",
                               HELBY_SENS_MAX_CHOICES, k, n);
    gsl_error_handler_t *old = gsl_set_error_handler_off(); /* a library must not abort */
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)(2 * k));
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    double *x = malloc(2 * k * sizeof *x), shift[2 * HELBY_SENS_MAX_CHOICES];
    gsl_set_error_handler(old);
    if (!q || !r || !x) {
        gsl_qrng_free(q), gsl_rng_free(r), free(x);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    /* The seed shifts every coordinate (Cranley-Patterson rotation): the shifted points
     * keep the sequence's low discrepancy, and each seed gives its own design. */
    gsl_rng_set(r, (unsigned long)seed);
    for (size_t j = 0; j < 2 * k; j++)
        shift[j] = gsl_rng_uniform(r);
    for (size_t i = 0; i < n; i++) {
        gsl_qrng_get(q, x);
        for (size_t j = 0; j < 2 * k; j++) {
            x[j] += shift[j];
            if (x[j] >= 1)
                x[j] -= 1;
        }
        memcpy(u + i * k, x, k * sizeof *x);           /* A */
        memcpy(u + (n + i) * k, x + k, k * sizeof *x); /* B */
        for (size_t c = 0; c < k; c++) {               /* A_B^c */
            double *row = u + ((2 + c) * n + i) * k;
            memcpy(row, x, k * sizeof *x);
            row[c] = x[k + c];
        }
    }
    gsl_qrng_free(q), gsl_rng_free(r), free(x);
    return HELBY_OK;
}

/* The mean and variance of the defined outputs of A and B (two passes). */
static double outputs_variance(const double *y, size_t n, double *mean)
{
    double m = 0, v = 0;
    size_t c = 0;
    for (size_t j = 0; j < 2 * n; j++)
        if (!isnan(y[j]))
            m += y[j], c++;
    if (c < 2)
        return NAN;
    m /= (double)c;
    *mean = m;
    for (size_t j = 0; j < 2 * n; j++)
        if (!isnan(y[j]))
            v += (y[j] - m) * (y[j] - m);
    return v / (double)(c - 1);
}

void helby_saltelli_indices(const double *y, size_t k, size_t n, double *first, double *total)
{
    const double *fa = y, *fb = y + n;
    double mean = 0, V = outputs_variance(y, n, &mean);
    for (size_t i = 0; i < k; i++) {
        const double *fab = y + (2 + i) * n;
        double s1 = 0, st = 0;
        size_t m = 0;
        for (size_t j = 0; j < n; j++) {
            if (isnan(fa[j]) || isnan(fb[j]) || isnan(fab[j]))
                continue;
            /* f(B) centred: the same expectation (f(A_B^i) - f(A) has mean 0), far less
             * noise when the outputs sit far from 0 (as SALib standardizes them). */
            s1 += (fb[j] - mean) * (fab[j] - fa[j]);
            st += (fa[j] - fab[j]) * (fa[j] - fab[j]);
            m++;
        }
        int ok = m > 0 && V > 0;
        first[i] = ok ? s1 / (double)m / V : NAN;
        total[i] = ok ? st / (2.0 * (double)m) / V : NAN;
    }
}

size_t helby_choice_levels(const helby_choice *c)
{
    if (c->is_range)
        return 0;
    return c->n_values + (c->kind == HELBY_CHOICE_DROP_ITEM);
}

double helby_choice_level(const helby_choice *c, double u)
{
    if (c->is_range)
        return c->low + u * (c->high - c->low);
    size_t L = helby_choice_levels(c), l = (size_t)(u * (double)L);
    return (double)(l < L ? l : L - 1);
}

void helby_choice_construction(const helby_survey *s, const helby_index *ix,
                               const helby_choice *const *ch, size_t k, const double *u,
                               helby_index_override *o, double *weights, size_t *min_valid)
{
    (void)s;
    helby_index_override_reference(ix, o);
    for (size_t j = 0; j < ix->n_dims; j++)
        weights[j] = ix->dims[j].weight, min_valid[j] = ix->dims[j].min_valid;
    for (size_t i = 0; i < k; i++) {
        const helby_choice *c = ch[i];
        double l = helby_choice_level(c, u[i]);
        switch (c->kind) {
        case HELBY_CHOICE_WEIGHT: weights[c->dim] = c->is_range ? l : c->values[(size_t)l]; break;
        case HELBY_CHOICE_AGGREGATION:
            o->aggregation = (helby_aggregation)c->values[(size_t)l];
            break;
        case HELBY_CHOICE_MIN_VALID: min_valid[c->dim] = (size_t)c->values[(size_t)l]; break;
        case HELBY_CHOICE_DROP_ITEM:
            o->drop_item = l > 0 ? (size_t)c->values[(size_t)l - 1] : HELBY_NO_VAR;
            break;
        }
    }
    o->dim_weights = weights;
    o->min_valid = min_valid;
}
