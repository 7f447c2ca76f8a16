/* replicate_internal.h — the replicate design's layout (replicate.c), read by the modules
 * above it: estimate.c sums replicates, weight.c re-calibrates them. */
#ifndef HELBY_REPLICATE_INTERNAL_H
#define HELBY_REPLICATE_INTERNAL_H

#include <stdint.h>

#include "helby/design.h"

/* Three modes. Jackknife (JK1, JKn): replicate r drops PSU drop[r] and multiplies the other
 * PSUs of its stratum by n_h / (n_h - 1), all else by 1; nothing of size P x R is stored,
 * since R = P (10,000 PSUs would be 800 MB of multipliers). Multipliers (BRR, Fay,
 * bootstrap: R small): mult. Supplied: full per-row weights. */
struct helby_replicates {
    size_t n, R, P;
    double *w;       /* n base weights */
    uint32_t *psu;   /* n dense PSU index (jackknife and multiplier modes) */
    int jackknife;
    size_t H;
    size_t *first, *n_h;    /* H: stratum h's replicates are first[h] .. first[h] + n_h[h] - 1 */
    size_t *stratum_of_psu; /* P */
    size_t *drop;           /* P: the PSU that replicate first[h] + i is about (i-th of h) */
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

/* Replicate sums (jackknife and multiplier modes): S[r * D + g], r < R, of a quantity whose
 * full-sample sums are S0 (D) and sums over each PSU are T (P x D, row-major) — the sum
 * over the rows of replicate weight x value. The jackknife's take O(D) each, from the
 * stratum totals. Returns 0, or -1 when out of memory. */
int helby_replicates_sums(const helby_replicates *r, const double *T, const double *S0,
                          size_t D, double *S);

/* Replicates whose every weight column (and the full-sample weights) went
 * through fn (replicate.c; used by helby_replicates_calibrate). rep is the
 * replicate number, or (size_t)-1 for the full sample. */
typedef helby_status (*helby_reweight_fn)(void *ctx, size_t rep, const double *in, double *out,
                                          helby_error *err);
helby_status helby_replicates_reweight(helby_replicates **out, const helby_replicates *r,
                                       helby_reweight_fn fn, void *ctx, helby_error *err);

#endif
