/* replicate_internal.h — the replicate design's layout (replicate.c), read by the modules
 * above it: estimate.c sums replicates, weight.c re-calibrates them. */
#ifndef HELBY_REPLICATE_INTERNAL_H
#define HELBY_REPLICATE_INTERNAL_H

#include <stdint.h>

#include "helby/design.h"

struct helby_replicates {
    size_t n, R, P;
    double *w;       /* n base weights */
    uint32_t *psu;   /* n dense PSU index (multiplier mode) */
    double *mult;    /* P x R multipliers (multiplier mode): mult[p * R + r] */
    double *full;    /* n x R weights (supplied mode): full[r * n + k] */
    size_t nb;       /* supplied mode: blocks of DIRTY_BLOCK rows */
    unsigned char *dirty; /* R x nb: 1 where replicate r differs from w in block b */
    double scale;
    double *rscales; /* R */
    int mse;
    double df;
};

/* Which blocks of rows each full replicate changes: a re-calibrated jackknife replicate
 * differs from the full sample in one wave only, and estimation skips the rest. */
#define DIRTY_BLOCK 1024

/* Replicates whose every weight column (and the full-sample weights) went
 * through fn (replicate.c; used by helby_replicates_calibrate). rep is the
 * replicate number, or (size_t)-1 for the full sample. */
typedef helby_status (*helby_reweight_fn)(void *ctx, size_t rep, const double *in, double *out,
                                          helby_error *err);
helby_status helby_replicates_reweight(helby_replicates **out, const helby_replicates *r,
                                       helby_reweight_fn fn, void *ctx, helby_error *err);

#endif
