/* sensitivity_sobol.c — Saltelli's design on a Sobol sequence and the first-order and total
 * sensitivity estimators (helby/sensitivity.h, docs/method.md §12): numbers in, numbers out;
 * how a point becomes an index's construction is analysis/sensitivity_choice.c's. */
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

helby_status helby_saltelli_boot(const double *y, size_t k, size_t n, size_t resamples,
                                 unsigned long long seed, double *first_se, double *total_se,
                                 helby_error *err)
{
    if (k == 0 || k > HELBY_SENS_MAX_CHOICES || n < 2 || resamples < 2)
        return helby_error_set(err, HELBY_EUSAGE,
                               "a bootstrap of the indices needs 1 to %d inputs, 2 or more "
                               "points and 2 or more resamples",
                               HELBY_SENS_MAX_CHOICES);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_set_error_handler(old);
    double *yb = malloc(n * (k + 2) * sizeof *yb);
    double *sum = calloc(4 * k, sizeof *sum), *f = malloc(2 * k * sizeof *f);
    size_t *cnt = calloc(2 * k, sizeof *cnt);
    if (!r || !yb || !sum || !f || !cnt) {
        gsl_rng_free(r), free(yb), free(sum), free(f), free(cnt);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    /* Its own stream of the seed (the design's shift is drawn from the seed itself). */
    gsl_rng_set(r, (unsigned long)(seed ^ 0x9e3779b97f4a7c15ULL));
    double *mean = sum, *m2 = sum + 2 * k; /* Welford, first then total per input */
    for (size_t b = 0; b < resamples; b++) {
        /* Row j of A, B and every A_B^i is drawn together (SALib: the same r for all). */
        for (size_t j = 0; j < n; j++) {
            size_t pick = (size_t)gsl_rng_uniform_int(r, (unsigned long)n);
            for (size_t blk = 0; blk < k + 2; blk++)
                yb[blk * n + j] = y[blk * n + pick];
        }
        helby_saltelli_indices(yb, k, n, f, f + k);
        for (size_t i = 0; i < 2 * k; i++) {
            if (isnan(f[i]))
                continue;
            double d = f[i] - mean[i];
            mean[i] += d / (double)++cnt[i];
            m2[i] += d * (f[i] - mean[i]);
        }
    }
    for (size_t i = 0; i < k; i++) {
        first_se[i] = cnt[i] > 1 ? sqrt(m2[i] / (double)(cnt[i] - 1)) : NAN;
        total_se[i] = cnt[k + i] > 1 ? sqrt(m2[k + i] / (double)(cnt[k + i] - 1)) : NAN;
    }
    gsl_rng_free(r), free(yb), free(sum), free(f), free(cnt);
    return HELBY_OK;
}
