/* design_internal.h — the design's dense layout, shared with estimate.c. */
#ifndef HELBY_DESIGN_INTERNAL_H
#define HELBY_DESIGN_INTERNAL_H

#include <stdint.h>

#include "helby/design.h"

struct helby_design {
    size_t n, H, P;
    double *w;         /* n weights */
    uint32_t *psu;     /* n: dense PSU index 0..P-1 (32 bits: half the memory) */
    size_t *stratum_of_psu; /* P: dense stratum index 0..H-1 */
    size_t *n_h;       /* H: PSUs sampled in the stratum */
    double *f_h;       /* H: 1 - n_h / N_h (1 without fpc), R's (N - n) / N */
    size_t *stratum_id; /* H: the caller's id, for messages */
    char **stratum_name; /* H: the caller's name of it, or NULL */
    helby_lonely_rule lonely;
};

/* Covariance of the D columns of PSU totals T (P x D, row-major) under the
 * design: sum over strata of scale_h * sum_i (T_hi - mean_h)(T_hi - mean_h)',
 * with the lonely-PSU rule, into V (D x D). */
/* The stratum's name for messages (its label, else its id), in buf. */
const char *helby_design_stratum_name(const helby_design *d, size_t h, char *buf, size_t n);

void helby_design_vcov(const helby_design *d, const double *T, size_t D, double *V);

#endif
