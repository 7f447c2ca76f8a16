/* replicate.c — replicate-weight designs (helby/design.h); estimate.c computes with them
 * (helby_estimate_by_replicates). Conventions of R survey's
 * as.svrepdesign / svrepdesign: JK1 scale (n-1)/n (1-f); JKn rscales
 * (n_h-1)/n_h (1-f_h); BRR and Fay scale 1/(R (1-rho)^2); bootstrap scale
 * 1/(B-1); centred on the mean of the replicates unless mse.
 * Inside stats/: design < replicate < weight < estimate; a file calls and includes only
 * those before it (scripts/check-layers: no circle between files). */
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats/design_internal.h"
#include "stats/replicate_internal.h"
#include "base/util_internal.h"

void helby_replicates_free(helby_replicates *r)
{
    if (!r)
        return;
    free(r->w);
    free(r->psu);
    free(r->mult);
    free(r->full);
    free(r->dirty);
    free(r->rscales);
    free(r->drop);
    free(r->stratum_of_psu);
    free(r->first);
    free(r->n_h);
    free(r);
}

static int mark_dirty(helby_replicates *r)
{
    r->nb = (r->n + DIRTY_BLOCK - 1) / DIRTY_BLOCK;
    r->dirty = malloc(r->R * r->nb > 0 ? r->R * r->nb : 1);
    if (!r->dirty)
        return -1;
    for (size_t rep = 0; rep < r->R; rep++) {
        const double *c = r->full + rep * r->n;
        for (size_t b = 0; b < r->nb; b++) {
            size_t lo = b * DIRTY_BLOCK, hi = lo + DIRTY_BLOCK < r->n ? lo + DIRTY_BLOCK : r->n;
            r->dirty[rep * r->nb + b] = memcmp(c + lo, r->w + lo, (hi - lo) * sizeof *c) != 0;
        }
    }
    return 0;
}

size_t helby_replicates_count(const helby_replicates *r)
{
    return r->R;
}

size_t helby_replicates_rows(const helby_replicates *r)
{
    return r->n;
}

double helby_replicates_scale(const helby_replicates *r)
{
    return r->scale;
}

double helby_replicates_df(const helby_replicates *r)
{
    return r->df;
}

double helby_replicates_weight(const helby_replicates *r, size_t k, size_t rep)
{
    if (r->full)
        return r->full[rep * r->n + k];
    if (!r->jackknife)
        return r->w[k] * r->mult[r->psu[k] * r->R + rep];
    size_t p = r->psu[k], h = r->stratum_of_psu[p], dh = r->stratum_of_psu[r->drop[rep]];
    if (r->n_h[dh] == 1) /* a lonely PSU's `adjust` replicate (R jknweights) */
        return r->drop[rep] == p ? 0 : r->w[k] * ((double)r->H / ((double)r->H - 1));
    if (rep < r->first[h] || rep >= r->first[h] + r->n_h[h])
        return r->w[k]; /* another stratum's replicate: multiplier 1 */
    double nh = (double)r->n_h[h];
    return r->drop[rep] == p ? 0 : r->w[k] * (nh / (nh - 1));
}

/* The rank of a q x q cross-product G (row-major) by its eigenvalues above 1e-10 of the
 * largest (QR's 1e-5 tolerance on singular values, squared). -1: out of memory. */
static long gram_rank(double *G, size_t q)
{
    gsl_matrix_view M = gsl_matrix_view_array(G, q, q);
    gsl_vector *ev = gsl_vector_alloc(q);
    gsl_eigen_symm_workspace *ws = gsl_eigen_symm_alloc(q);
    long rank = -1;
    if (ev && ws && gsl_eigen_symm(&M.matrix, ev, ws) == GSL_SUCCESS) {
        double mx = 0;
        for (size_t i = 0; i < q; i++)
            mx = fmax(mx, gsl_vector_get(ev, i));
        rank = 0;
        for (size_t i = 0; i < q; i++)
            rank += gsl_vector_get(ev, i) > mx * 1e-10;
    }
    gsl_vector_free(ev);
    if (ws)
        gsl_eigen_symm_free(ws);
    return rank;
}

/* The smaller cross-product of the m vectors of length R, V V' (m <= R) or V'V, into G; the
 * i-th vector's c-th entry is vec(ctx, i, c). Both have the same nonzero eigenvalues. */
typedef double (*vec_fn)(const void *ctx, size_t i, size_t c);
static void cross_product(vec_fn vec, const void *ctx, size_t m, size_t R, double *G)
{
    const size_t q = m < R ? m : R;
    for (size_t i = 0; i < q; i++)
        for (size_t j = 0; j <= i; j++) {
            double s = 0;
            if (m < R)
                for (size_t c = 0; c < R; c++)
                    s += vec(ctx, i, c) * vec(ctx, j, c);
            else
                for (size_t k = 0; k < m; k++)
                    s += vec(ctx, k, i) * vec(ctx, k, j);
            G[i * q + j] = G[j * q + i] = s;
        }
}

typedef struct rows_ctx {
    const helby_replicates *r;
    const size_t *idx; /* the m vectors' PSUs (multiplier mode) or rows (supplied mode) */
    const double *scale;
} rows_ctx;

static double psu_vec(const void *ctx, size_t i, size_t c)
{
    const rows_ctx *x = ctx;
    return x->scale[i] * x->r->mult[x->idx[i] * x->r->R + c];
}

static double row_vec(const void *ctx, size_t i, size_t c)
{
    const rows_ctx *x = ctx;
    return x->r->full ? x->r->full[c * x->r->n + x->idx[i]]
                      : helby_replicates_weight(x->r, x->idx[i], c);
}

double helby_replicates_rows_df(const helby_replicates *r, const unsigned char *in)
{
    const size_t R = r->R;
    size_t m = 0;
    int by_psu = r->mult && r->psu && !r->full;
    size_t *idx = malloc((by_psu ? r->P : r->n) * sizeof *idx + 1);
    double *w2 = by_psu ? calloc(r->P + 1, sizeof *w2) : NULL, df = NAN;
    if (!idx || (by_psu && !w2))
        goto done;
    if (by_psu) {
        /* A PSU's rows have proportional weights: one vector per PSU, scaled by the root of
         * its rows' summed squared base weights (the same cross-product as of the rows). */
        for (size_t k = 0; k < r->n; k++)
            if (!in || in[k])
                w2[r->psu[k]] += r->w[k] * r->w[k];
        for (size_t p = 0; p < r->P; p++)
            if (w2[p] > 0)
                w2[m] = sqrt(w2[p]), idx[m++] = p;
    } else {
        for (size_t k = 0; k < r->n; k++)
            if (!in || in[k])
                idx[m++] = k;
    }
    const size_t q = m < R ? m : R;
    double *G = m ? malloc(q * q * sizeof *G) : NULL;
    if (G) {
        rows_ctx x = {r, idx, w2};
        cross_product(by_psu ? psu_vec : row_vec, &x, m, R, G);
        long rank = gram_rank(G, q);
        df = rank >= 0 ? (double)rank - 1 : NAN;
    }
    free(G);
done:
    free(idx), free(w2);
    return df;
}

/* R degf(svyrep.design) = rank(replicate weights) - 1. */
static double rank_df(const helby_replicates *r)
{
    return helby_replicates_rows_df(r, NULL);
}

/* splitmix64: a small, well-mixed generator whose stream depends only on the seed. */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static size_t uniform_below(uint64_t *s, size_t n)
{
    uint64_t lim = UINT64_MAX - UINT64_MAX % n, x;
    do
        x = next_u64(s);
    while (x >= lim);
    return (size_t)(x % n);
}

static int popcount_parity(size_t x)
{
    int p = 0;
    while (x) {
        p ^= 1;
        x &= x - 1;
    }
    return p;
}

int helby_variance_method_parse(const char *name, helby_rep_type *type, int *is_replicate)
{
    static const struct {
        const char *name;
        helby_rep_type type;
    } methods[] = {{"jk1", HELBY_REP_JK1},
                   {"jkn", HELBY_REP_JKN},
                   {"brr", HELBY_REP_BRR},
                   {"fay", HELBY_REP_FAY},
                   {"bootstrap", HELBY_REP_BOOTSTRAP},
                   {"supplied", HELBY_REP_SUPPLIED}};
    if (strcmp(name, "linearization") == 0) {
        *is_replicate = 0;
        return 1;
    }
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(name, methods[i].name) == 0) {
            *type = methods[i].type;
            *is_replicate = 1;
            return 1;
        }
    return 0;
}

/* JKn replicates of stratum h: one per PSU; a lonely PSU has none, or one under `adjust`
 * (R jknweights); a certainty stratum none. */
static size_t jkn_reps(const helby_design *d, size_t h)
{
    if (d->f_h[h] == 0)
        return 0;
    if (d->n_h[h] == 1)
        return d->lonely == HELBY_LONELY_ADJUST;
    return d->n_h[h];
}

/* The number of replicates of spec on d, or an error for a design the method does not fit:
 * HELBY_EINPUT (exit 2) when the design cannot support the method (JK1 on strata, BRR/Fay
 * without exactly 2 PSUs per stratum, a lonely PSU under "fail", the bootstrap with an fpc),
 * HELBY_EUSAGE only for an option out of range. */
static helby_status rep_count(const helby_design *d, const helby_rep_spec *spec, size_t *R,
                              helby_error *err)
{
    const size_t H = d->H;
    char nb[32];
    double rho = spec->type == HELBY_REP_FAY ? spec->fay_rho : 0;
    switch (spec->type) {
    case HELBY_REP_JK1:
        if (H != 1)
            return helby_error_set(err, HELBY_EINPUT,
                                   "JK1 needs a design of one stratum, and this one has %zu (a "
                                   "survey's strata, or its waves stacked as strata): use JKn",
                                   H);
        *R = d->P;
        return HELBY_OK;
    case HELBY_REP_JKN:
        /* A stratum sampled with certainty (f_h = 0) has no replicates, as R's jknweights
         * with options(survey.drop.replicates = TRUE), its default. A lonely PSU follows the
         * design's rule as jknweights does: fail; no replicate (remove, certainty, average);
         * one replicate (adjust). */
        *R = 0;
        for (size_t h = 0; h < H; h++) {
            if (d->f_h[h] == 0)
                continue;
            if (d->n_h[h] < 2 && d->lonely == HELBY_LONELY_FAIL)
                return helby_error_set(err, HELBY_EINPUT,
                                       "JKn: stratum %s has only one PSU; choose a lonely_psu "
                                       "rule (remove, certainty, adjust or average)",
                                       helby_design_stratum_name(d, h, nb, sizeof nb));
            *R += jkn_reps(d, h);
        }
        if (*R == 0)
            return helby_error_set(err, HELBY_EINPUT,
                                   "JKn: every stratum is sampled with certainty: no variance");
        return HELBY_OK;
    case HELBY_REP_BRR:
    case HELBY_REP_FAY:
        if (spec->type == HELBY_REP_FAY && !(rho > 0 && rho < 1))
            return helby_error_set(err, HELBY_EUSAGE, "Fay's rho must lie in (0, 1), not %g", rho);
        for (size_t h = 0; h < H; h++)
            if (d->n_h[h] != 2)
                return helby_error_set(err, HELBY_EINPUT,
                                       "%s needs exactly 2 PSUs per stratum; stratum %s has %zu",
                                       spec->type == HELBY_REP_FAY ? "Fay's BRR" : "BRR",
                                       helby_design_stratum_name(d, h, nb, sizeof nb), d->n_h[h]);
        /* R's brrweights: survey:::hadamard(H), the smallest order it builds (hadamard.c);
         * beyond its table a Sylvester matrix of order 2^k > H. */
        if (!helby_hadamard_r(H, R)) {
            *R = 1;
            while (*R <= H)
                *R *= 2;
        }
        return HELBY_OK;
    case HELBY_REP_BOOTSTRAP:
        *R = spec->replicates ? spec->replicates : 50;
        if (*R < 2)
            return helby_error_set(err, HELBY_EUSAGE, "the bootstrap needs at least 2 replicates");
        for (size_t h = 0; h < H; h++) {
            /* A lonely PSU keeps multiplier 1 (remove, certainty, average: see
             * multipliers); `adjust` has no bootstrap analogue. */
            if (d->n_h[h] < 2 &&
                (d->lonely == HELBY_LONELY_FAIL || d->lonely == HELBY_LONELY_ADJUST))
                return helby_error_set(err, HELBY_EINPUT,
                                       "bootstrap: stratum %s has only one PSU; its lonely_psu "
                                       "rule must be remove, certainty or average (or use JKn)",
                                       helby_design_stratum_name(d, h, nb, sizeof nb));
            if (d->f_h[h] < 1)
                return helby_error_set(err, HELBY_EINPUT,
                                       "the bootstrap with an fpc is not supported; use JKn, or "
                                       "replicate weights from the producer");
        }
        return HELBY_OK;
    default: return helby_error_set(err, HELBY_EUSAGE, "unknown replicate type");
    }
}

/* The PSUs stratum by stratum: replicate first[h] + i is about PSU i of stratum h (in order
 * of first appearance), drop[first[h] + i] that PSU. With skip_certain (JKn), strata without
 * replicates (jkn_reps) have first[h] = SIZE_MAX. Fills r->H, first, n_h, stratum_of_psu and drop;
 * returns -1 when out of memory. */
static int psu_order(helby_replicates *r, const helby_design *d, int skip_certain)
{
    const size_t H = d->H, P = d->P;
    r->H = H;
    r->first = malloc(H * sizeof *r->first);
    r->n_h = malloc(H * sizeof *r->n_h);
    r->stratum_of_psu = malloc(P * sizeof *r->stratum_of_psu);
    r->drop = malloc(P * sizeof *r->drop);
    size_t *seen = calloc(H, sizeof *seen);
    if (!r->first || !r->n_h || !r->stratum_of_psu || !r->drop || !seen) {
        free(seen);
        return -1;
    }
    size_t col = 0;
    for (size_t h = 0; h < H; h++) {
        int none = skip_certain && jkn_reps(d, h) == 0;
        r->first[h] = none ? SIZE_MAX : col;
        r->n_h[h] = d->n_h[h];
        col += none ? 0 : d->n_h[h];
    }
    for (size_t p = 0; p < P; p++) {
        size_t h = d->stratum_of_psu[p];
        r->stratum_of_psu[p] = h;
        if (r->first[h] != SIZE_MAX)
            r->drop[r->first[h] + seen[h]++] = p;
    }
    free(seen);
    return 0;
}

/* Entry (row, col) of a Hadamard matrix is +1: R's matrix from hadamard.c (rows of hex
 * digits, 1 = +1), or Sylvester's H[k][j] = (-1)^popcount(k & j) when rows is NULL. */
static int hadamard_plus(const char *const *rows, size_t row, size_t col)
{
    if (!rows)
        return !popcount_parity(col & row);
    char c = rows[row][col / 4];
    int v = c <= '9' ? c - '0' : c - 'A' + 10;
    return (v >> (3 - col % 4)) & 1;
}

static int by_name(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    int c = strcmp(x[0], y[0]);
    return c ? c : (x[1] > y[1]) - (x[1] < y[1]);
}

/* The Hadamard row of each stratum: R's brrweights numbers strata in sorted order of their
 * names (as.character; here byte order) and gives stratum i row i + 1 (row 0 is all +1). */
static int brr_rows(const helby_design *d, size_t *row)
{
    const char **pair = malloc(2 * d->H * sizeof *pair);
    char nb[32];
    if (!pair)
        return -1;
    for (size_t h = 0; h < d->H; h++) {
        pair[2 * h] = helby_design_stratum_name(d, h, nb, sizeof nb);
        if (pair[2 * h] == nb) /* not kept by the design: fall back to first appearance */
            pair[2 * h] = "";
        pair[2 * h + 1] = (const char *)(uintptr_t)h;
    }
    qsort(pair, d->H, 2 * sizeof *pair, by_name);
    for (size_t i = 0; i < d->H; i++)
        row[(uintptr_t)pair[2 * i + 1]] = i + 1;
    free(pair);
    return 0;
}

/* BRR and Fay multipliers: in replicate k, the first PSU of stratum h (by first appearance,
 * as R's order(strata, match)) gets 2 - rho where H[row_h][k] = +1, else rho; the second the
 * other. Scale 1 / (R (1 - rho)^2). */
static int brr_multipliers(helby_replicates *r, const helby_design *d, double rho)
{
    const size_t R = r->R;
    size_t order = 0, *row = malloc(d->H * sizeof *row);
    const char *const *rows = helby_hadamard_r(d->H, &order);
    if (!row || brr_rows(d, row)) {
        free(row);
        return -1;
    }
    for (size_t h = 0; h < r->H; h++)
        for (size_t i = 0; i < 2; i++) {
            double *a = r->mult + r->drop[r->first[h] + i] * R;
            for (size_t k = 0; k < R; k++) {
                int plus = hadamard_plus(rows, rows ? row[h] : h + 1, k);
                a[k] = (plus == (i == 0)) ? 2 - rho : rho;
            }
        }
    free(row);
    r->scale = 1 / ((double)R * (1 - rho) * (1 - rho));
    return 0;
}

/* Per-PSU multipliers of BRR, Fay and the bootstrap (P x R; R is small for these). */
static int multipliers(helby_replicates *r, const helby_design *d, const helby_rep_spec *spec)
{
    const size_t P = r->P, R = r->R;
    r->mult = malloc(P * R * sizeof *r->mult);
    if (!r->mult)
        return -1;
    if (spec->type == HELBY_REP_BRR || spec->type == HELBY_REP_FAY)
        return brr_multipliers(r, d, spec->type == HELBY_REP_FAY ? spec->fay_rho : 0);
    /* Rao–Wu: per stratum draw n_h - 1 PSUs with replacement; multiplier
     * n_h/(n_h - 1) x times drawn. Replicate by replicate, stratum by stratum. */
    size_t *count = malloc(P * sizeof *count);
    if (!count)
        return -1;
    uint64_t state = spec->seed;
    for (size_t k = 0; k < R; k++) {
        memset(count, 0, P * sizeof *count);
        for (size_t h = 0; h < r->H; h++)
            for (size_t j = 0; j + 1 < r->n_h[h]; j++)
                count[r->drop[r->first[h] + uniform_below(&state, r->n_h[h])]]++;
        for (size_t p = 0; p < P; p++) {
            double nh = (double)r->n_h[r->stratum_of_psu[p]];
            r->mult[p * R + k] = nh > 1 ? nh / (nh - 1) * (double)count[p] : 1;
        }
    }
    free(count);
    /* A lonely PSU (multiplier 1) adds nothing; under `average` the variance is scaled by
     * strata / strata with more than one PSU, as linearization does (svyrecvar). */
    size_t lonely = 0;
    for (size_t h = 0; h < r->H; h++)
        lonely += r->n_h[h] == 1;
    r->scale = 1 / ((double)R - 1);
    if (lonely && lonely < r->H && d->lonely == HELBY_LONELY_AVERAGE)
        r->scale *= (double)r->H / (double)(r->H - lonely);
    return 0;
}

/* JKn's scales as R's jknweights: rscale (n_h - 1) / n_h (1 - f_h); a lonely PSU's
 * `adjust` replicate (H - 1) / H; under `average`, scale P / R when lonely strata have no
 * replicate (P the PSUs, R the replicates), else 1. */
static void jkn_scales(helby_replicates *r, const helby_design *d)
{
    size_t skipped = 0;
    r->scale = 1;
    for (size_t h = 0; h < d->H; h++) {
        double nh = (double)d->n_h[h], H = (double)d->H;
        if (r->first[h] == SIZE_MAX) {
            skipped += d->n_h[h] == 1 && d->f_h[h] != 0;
            continue;
        }
        for (size_t i = 0; i < d->n_h[h]; i++)
            r->rscales[r->first[h] + i] = nh > 1 ? (nh - 1) / nh * d->f_h[h] : (H - 1) / H;
    }
    if (skipped && d->lonely == HELBY_LONELY_AVERAGE)
        r->scale = (double)d->P / (double)(d->P - skipped);
}

helby_status helby_replicates_new(helby_replicates **out, const helby_design *d,
                                  const helby_rep_spec *spec, helby_error *err)
{
    *out = NULL;
    gsl_set_error_handler_off();
    size_t R = 0;
    helby_status st = rep_count(d, spec, &R, err);
    if (st)
        return st;
    helby_replicates *r = calloc(1, sizeof *r);
    if (!r)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    r->n = d->n;
    r->R = R;
    r->P = d->P;
    r->mse = spec->mse;
    r->jackknife = spec->type == HELBY_REP_JK1 || spec->type == HELBY_REP_JKN;
    r->from_jackknife = r->jackknife;
    r->w = malloc(d->n * sizeof *r->w);
    r->psu = malloc(d->n * sizeof *r->psu);
    r->rscales = malloc(R * sizeof *r->rscales);
    if (!r->w || !r->psu || !r->rscales || psu_order(r, d, spec->type == HELBY_REP_JKN) ||
        (!r->jackknife && multipliers(r, d, spec))) {
        helby_replicates_free(r);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    memcpy(r->w, d->w, d->n * sizeof *r->w);
    memcpy(r->psu, d->psu, d->n * sizeof *r->psu);
    for (size_t i = 0; i < R; i++)
        r->rscales[i] = 1;
    if (spec->type == HELBY_REP_JK1) {
        r->scale = (double)(d->P - 1) / (double)d->P * d->f_h[0];
    } else if (spec->type == HELBY_REP_JKN) {
        jkn_scales(r, d);
    }
    /* R degf = rank of the replicate weights - 1. For the jackknives and BRR the rank is
     * known in closed form (JK1: P; JKn: 1 + sum (n_h - 1) over the strata with replicates,
     * each stratum's columns summing to n_h times the base weights, an `adjust` replicate
     * of a lonely PSU adding 1; checked against R's qr()
     * rank of as.svrepdesign(type = "JKn") weights with and without a certainty stratum in
     * tests/unit/test_replicate.c; BRR/Fay: 1 + H, the Hadamard columns being independent),
     * which spares an eigen-decomposition of a P x P matrix when every PSU is a replicate;
     * the bootstrap's is computed. */
    size_t with_reps = 0; /* strata whose replicates sum to n_h x the base weights */
    for (size_t h = 0; h < d->H; h++)
        with_reps += r->first[h] != SIZE_MAX && d->n_h[h] > 1;
    switch (spec->type) {
    case HELBY_REP_JK1: r->df = (double)d->P - 1; break;
    case HELBY_REP_JKN: r->df = (double)R - (double)with_reps; break;
    case HELBY_REP_BRR:
    case HELBY_REP_FAY: r->df = (double)d->H; break;
    default: r->df = rank_df(r);
    }
    *out = r;
    return HELBY_OK;
}

helby_status helby_replicates_supplied(helby_replicates **out, size_t n, size_t R,
                                       const double *base, const double *weights, double scale,
                                       const double *rscales, int mse, helby_error *err)
{
    *out = NULL;
    if (n == 0 || R < 2 || !base || !weights || !(scale > 0))
        return helby_error_set(
            err, HELBY_EUSAGE,
            "replicate weights need rows, at least 2 replicates and a scale > 0");
    for (size_t i = 0; i < n * R; i++)
        if (!(weights[i] >= 0) || !isfinite(weights[i]))
            return helby_error_set(err, HELBY_EUSAGE,
                                   "replicate weight %zu of replicate %zu is %g: must be >= 0",
                                   i % n + 1, i / n + 1, weights[i]);
    helby_replicates *r = calloc(1, sizeof *r);
    if (!r)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    r->n = n;
    r->R = R;
    r->scale = scale;
    r->mse = mse;
    r->w = malloc(n * sizeof *r->w);
    r->full = malloc(n * R * sizeof *r->full);
    r->rscales = malloc(R * sizeof *r->rscales);
    if (!r->w || !r->full || !r->rscales) {
        helby_replicates_free(r);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    memcpy(r->w, base, n * sizeof *r->w);
    memcpy(r->full, weights, n * R * sizeof *r->full);
    for (size_t i = 0; i < R; i++)
        r->rscales[i] = rscales ? rscales[i] : 1;
    r->supplied = 1;
    r->df = rank_df(r);
    if (mark_dirty(r)) {
        helby_replicates_free(r);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    *out = r;
    return HELBY_OK;
}

helby_status helby_replicates_reweight(helby_replicates **out, const helby_replicates *in,
                                       helby_reweight_fn fn, void *ctx, helby_error *err)
{
    *out = NULL;
    const size_t n = in->n, R = in->R;
    helby_replicates *r = calloc(1, sizeof *r);
    double *col = malloc(n * sizeof *col);
    if (!r || !col) {
        free(r);
        free(col);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    r->n = n;
    r->R = R;
    r->scale = in->scale;
    r->mse = in->mse;
    r->df = in->df;
    r->from_jackknife = in->from_jackknife;
    r->supplied = in->supplied;
    r->w = malloc(n * sizeof *r->w);
    r->full = helby_alloc_big(n * R * sizeof *r->full);
    r->rscales = malloc(R * sizeof *r->rscales);
    helby_status st = HELBY_OK;
    if (!r->w || !r->full || !r->rscales) {
        st = helby_error_set(err, HELBY_ENOMEM, "out of memory");
        goto fail;
    }
    memcpy(r->rscales, in->rscales, R * sizeof *r->rscales);
    if ((st = fn(ctx, (size_t)-1, in->w, r->w, err)))
        goto fail;
    for (size_t rep = 0; rep < R; rep++) {
        for (size_t k = 0; k < n; k++)
            col[k] = helby_replicates_weight(in, k, rep);
        if ((st = fn(ctx, rep, col, r->full + rep * n, err)))
            goto fail;
    }
    if (mark_dirty(r)) {
        st = helby_error_set(err, HELBY_ENOMEM, "out of memory");
        goto fail;
    }
    free(col);
    *out = r;
    return HELBY_OK;
fail:
    free(col);
    helby_replicates_free(r);
    return st;
}

/* A jackknife replicate dropping PSU i of stratum h sums S0 + (c - 1) (T_h - T_i) - T_i,
 * c = n_h / (n_h - 1), T_h the stratum's total: O(D) per replicate after one pass over the
 * PSUs, where the multipliers cost O(P D) each. */
static int jackknife_sums(const helby_replicates *r, const double *T, const double *S0, size_t D,
                          double *S)
{
    double *Th = calloc(r->H * D > 0 ? r->H * D : 1, sizeof *Th);
    if (!Th)
        return -1;
    for (size_t p = 0; p < r->P; p++)
        for (size_t g = 0; g < D; g++)
            Th[r->stratum_of_psu[p] * D + g] += T[p * D + g];
    for (size_t rep = 0; rep < r->R; rep++) {
        size_t p = r->drop[rep], h = r->stratum_of_psu[p];
        double nh = (double)r->n_h[h], cm1 = nh / (nh - 1) - 1;
        const double *ti = T + p * D, *th = Th + h * D;
        if (r->n_h[h] == 1) { /* `adjust`: the lonely PSU out, every other PSU x H / (H - 1) */
            double c = (double)r->H / ((double)r->H - 1);
            for (size_t g = 0; g < D; g++)
                S[rep * D + g] = c * (S0[g] - ti[g]);
            continue;
        }
        for (size_t g = 0; g < D; g++)
            S[rep * D + g] = S0[g] + cm1 * (th[g] - ti[g]) - ti[g];
    }
    free(Th);
    return 0;
}

int helby_replicates_sums(const helby_replicates *r, const double *T, const double *S0, size_t D,
                          double *S)
{
    if (r->jackknife)
        return jackknife_sums(r, T, S0, D, S);
    const size_t R = r->R;
    for (size_t rep = 0; rep < R; rep++)
        memcpy(S + rep * D, S0, D * sizeof *S);
    /* The full-sample sums plus (a - 1) times the PSU sums: multipliers of 1 cost nothing. */
    for (size_t p = 0; p < r->P; p++) {
        const double *t = T + p * D;
        for (size_t rep = 0; rep < R; rep++) {
            double a = r->mult[p * R + rep] - 1;
            if (a == 0)
                continue;
            for (size_t g = 0; g < D; g++)
                S[rep * D + g] += a * t[g];
        }
    }
    return 0;
}
