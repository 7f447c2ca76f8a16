/* design_internal.h — the design's dense layout, read by the modules above design.c
 * (replicate.c, weight.c, estimate.c). */
#ifndef HELBY_DESIGN_INTERNAL_H
#define HELBY_DESIGN_INTERNAL_H

#include <stdint.h>

#include "helby/design.h"

struct helby_design {
    size_t n, H, P;
    double *w;              /* n weights */
    uint32_t *psu;          /* n: dense PSU index 0..P-1 (32 bits: half the memory) */
    size_t *stratum_of_psu; /* P: dense stratum index 0..H-1 */
    size_t *n_h;            /* H: PSUs sampled in the stratum */
    double *f_h;            /* H: 1 - n_h / N_h (1 without fpc), R's (N - n) / N */
    size_t *stratum_id;     /* H: the caller's id, for messages */
    char **stratum_name;    /* H: the caller's name of it, or NULL */
    helby_lonely_rule lonely;
    struct helby_cal *cal; /* calibration residuals (weight.c), or NULL */
};

/* What linearization after weighting needs (helby_design_calibrate): per row
 * its model columns (intercept and levels, NONE-padded), the base weights of
 * the residual regression, and the inverse of sum base m m' (block diagonal
 * over the weighted parts, stored whole: p is small). */
struct helby_cal {
    size_t n, slots, p;
    uint32_t *cols; /* n x slots global column indices, UINT32_MAX = none */
    double *d0;     /* n base weights */
    double *wcal;   /* n calibrated weights before trimming (R keeps g = wcal / d0 in
                       postStrata; trimming changes only the design's weights) */
    double *Ainv;   /* p x p */
};
void helby_cal_free(struct helby_cal *c);

/* Influence values after calibration (R svyrecvar with postStrata): T holds,
 * for the D domains, sum over each PSU of w z; z[k] is row k's influence value
 * in its domain dom[k] (-1: none). Subtracts w_k m_k' beta_g for every row and
 * domain, beta_g the base-weighted regression of z on m in domain g.
 * Returns 0, or -1 when out of memory. */
int helby_cal_residualize(const helby_design *d, const double *z, const long *dom, size_t D,
                          double *T);

/* Covariance of the D columns of PSU totals T (P x D, row-major) under the
 * design: sum over strata of scale_h * sum_i (T_hi - mean_h)(T_hi - mean_h)',
 * with the lonely-PSU rule, into V (D x D). */
/* The stratum's name for messages (its label, else its id), in buf. */
const char *helby_design_stratum_name(const helby_design *d, size_t h, char *buf, size_t n);

void helby_design_vcov(const helby_design *d, const double *T, size_t D, double *V);

#endif
