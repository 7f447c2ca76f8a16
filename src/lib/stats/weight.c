/* weight.c — post-stratification, raking, calibration and trimming (helby/weight.h).
 * Method: docs/method.md §6; Deville & Särndal (1992); conventions of R survey's
 * postStratify, rake, calibrate/grake and trimWeights, checked against R in
 * tests/unit/test_weight.c.
 * Inside stats/: design < replicate < weight < estimate; a file calls and includes only
 * those before it (scripts/check-layers: no circle between files). */
#include "helby/weight.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/design_internal.h"
#include "stats/replicate_internal.h"
#include "base/util_internal.h"

#define NONE UINT32_MAX

const double helby_weight_quantile_points[HELBY_WEIGHT_NQ] = {0,    0.01, 0.05, 0.25, 0.5,
                                                              0.75, 0.95, 0.99, 1};

struct helby_weighting {
    size_t n, J, p;
    double *w;      /* n final weights */
    double *wcal;   /* n calibrated weights before trimming, or NULL when not trimmed */
    double *base;   /* n base weights: the residual regression's weights */
    uint32_t *cols; /* n x J: model column of the row's level in margin j, NONE for the
                       reference level (and for rows outside the sample) */
    double *Ainv;   /* p x p: inverse of sum base m m' (intercept + non-reference levels) */
    helby_weight_diag diag;
};

int helby_weight_method_parse(const char *name, helby_weight_method *out)
{
    static const char *names[] = {"poststratify", "rake", "linear", "raking", "logit"};
    for (int i = 0; i < 5; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (helby_weight_method)i;
            return 1;
        }
    return 0;
}

const char *helby_weight_method_name(helby_weight_method m)
{
    static const char *names[] = {"poststratify", "rake", "linear", "raking", "logit"};
    return (unsigned)m < 5 ? names[m] : "?";
}

void helby_weight_spec_default(helby_weight_spec *s)
{
    memset(s, 0, sizeof *s);
    s->method = HELBY_WEIGHT_RAKE;
    s->lower = -INFINITY;
    s->upper = INFINITY;
    s->epsilon = 1e-10;
    s->maxit = 100;
    s->trim_lower = 0;
    s->trim_upper = INFINITY;
}

void helby_weighting_free(helby_weighting *w)
{
    if (!w)
        return;
    free(w->w);
    free(w->wcal);
    free(w->base);
    free(w->cols);
    free(w->Ainv);
    free(w);
}

const double *helby_weighting_weights(const helby_weighting *w)
{
    return w->w;
}

size_t helby_weighting_rows(const helby_weighting *w)
{
    return w->n;
}

const helby_weight_diag *helby_weighting_diag(const helby_weighting *w)
{
    return &w->diag;
}

/* ---- Margins: validation, totals and the model columns ---- */

/* Working view of the margins: totals as used (rescaled when the margins' sums
 * differ slightly), respondents per level, and each kept level's column. */
typedef struct margins {
    size_t J, p;
    const helby_margin *m;
    double **T;     /* J x n_levels totals used */
    size_t **count; /* J x n_levels respondents (positive base weight) */
    uint32_t **col; /* J x n_levels model column; NONE for the reference or a dropped level */
    double *pop;    /* p population totals of the model columns */
} margins;

static void margins_free(margins *M)
{
    for (size_t j = 0; j < M->J; j++) {
        if (M->T)
            free(M->T[j]);
        if (M->count)
            free(M->count[j]);
        if (M->col)
            free(M->col[j]);
    }
    free(M->T);
    free(M->count);
    free(M->col);
    free(M->pop);
}

static const char *level_name(const helby_margin *m, size_t l, char *buf, size_t n)
{
    if (m->level_names && m->level_names[l])
        return m->level_names[l];
    snprintf(buf, n, "%zu", l + 1);
    return buf;
}

static helby_status margins_init(margins *M, size_t n, const double *base, const helby_margin *m,
                                 size_t J, helby_weight_diag *diag, helby_error *err)
{
    memset(M, 0, sizeof *M);
    M->J = J;
    M->m = m;
    M->T = calloc(J, sizeof *M->T);
    M->count = calloc(J, sizeof *M->count);
    M->col = calloc(J, sizeof *M->col);
    if (!M->T || !M->count || !M->col)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory weighting");
    char buf[32];
    double sum0 = 0;
    for (size_t j = 0; j < J; j++) {
        const helby_margin *mj = &m[j];
        if (mj->n_levels == 0 || !mj->totals || !mj->level)
            return helby_error_set(err, HELBY_EUSAGE, "margin '%s' has no levels", mj->name);
        M->T[j] = malloc(mj->n_levels * sizeof **M->T);
        M->count[j] = calloc(mj->n_levels, sizeof **M->count);
        M->col[j] = malloc(mj->n_levels * sizeof **M->col);
        if (!M->T[j] || !M->count[j] || !M->col[j])
            return helby_error_set(err, HELBY_ENOMEM, "out of memory weighting");
        double sum = 0;
        for (size_t l = 0; l < mj->n_levels; l++) {
            double t = mj->totals[l];
            if (!isfinite(t) || t < 0)
                return helby_error_set(err, HELBY_EUSAGE,
                                       "margin '%s', level '%s': the population total %g is not "
                                       "a finite number >= 0",
                                       mj->name, level_name(mj, l, buf, sizeof buf), t);
            M->T[j][l] = t;
            sum += t;
        }
        size_t missing = 0, first_missing = 0;
        for (size_t k = 0; k < n; k++) {
            if (!(base[k] > 0))
                continue;
            long l = mj->level[k];
            if (l < 0 || (size_t)l >= mj->n_levels) {
                if (missing++ == 0)
                    first_missing = k;
                continue;
            }
            M->count[j][l]++;
        }
        if (missing)
            return helby_error_set(err, HELBY_EINPUT,
                                   "margin '%s': %zu respondent(s) have no level of it (the "
                                   "first is row %zu); every weighted respondent needs one",
                                   mj->name, missing, first_missing + 1);
        for (size_t l = 0; l < mj->n_levels; l++) {
            if (M->count[j][l] == 0 && M->T[j][l] > 0)
                return helby_error_set(err, HELBY_ENUMERIC,
                                       "margin '%s', level '%s': population total %g but no "
                                       "respondents; merge the level with a neighbour",
                                       mj->name, level_name(mj, l, buf, sizeof buf), M->T[j][l]);
            if (M->count[j][l] > 0 && M->T[j][l] == 0)
                return helby_error_set(err, HELBY_ENUMERIC,
                                       "margin '%s', level '%s': %zu respondent(s) but a "
                                       "population total of 0",
                                       mj->name, level_name(mj, l, buf, sizeof buf),
                                       M->count[j][l]);
        }
        if (j == 0) {
            sum0 = sum;
            if (!(sum0 > 0))
                return helby_error_set(err, HELBY_EUSAGE, "margin '%s' sums to 0", mj->name);
            continue;
        }
        /* Registers rounded cell by cell may disagree slightly: rescale to the first margin.
         * A larger disagreement means the margins describe different populations. */
        double gap = fabs(sum - sum0) / sum0;
        if (gap > diag->totals_gap)
            diag->totals_gap = gap;
        if (gap > 1e-3)
            return helby_error_set(err, HELBY_EUSAGE,
                                   "margins '%s' (sum %.10g) and '%s' (sum %.10g) disagree by "
                                   "%.3g %%; they must describe the same population",
                                   m[0].name, sum0, mj->name, sum, 100 * gap);
        if (sum != sum0)
            for (size_t l = 0; l < mj->n_levels; l++)
                M->T[j][l] *= sum0 / sum;
    }
    if (diag->totals_gap > 0)
        snprintf(diag->warning, sizeof diag->warning,
                 "margins' sums disagree by up to %.2g %%: rescaled to the sum of '%s'; ",
                 100 * diag->totals_gap, m[0].name);
    /* Model columns as R model.matrix(~ a + b + ...): an intercept, then every kept level
     * but the first of each margin. Levels without respondents or total are dropped. */
    size_t p = 1;
    for (size_t j = 0; j < J; j++) {
        int ref = 1;
        for (size_t l = 0; l < m[j].n_levels; l++) {
            M->col[j][l] = NONE;
            if (M->count[j][l] == 0)
                continue;
            if (ref) {
                ref = 0;
                continue;
            }
            M->col[j][l] = (uint32_t)p++;
        }
    }
    M->p = p;
    M->pop = calloc(p, sizeof *M->pop);
    if (!M->pop)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory weighting");
    M->pop[0] = sum0;
    for (size_t j = 0; j < J; j++)
        for (size_t l = 0; l < m[j].n_levels; l++)
            if (M->col[j][l] != NONE)
                M->pop[M->col[j][l]] = M->T[j][l];
    return HELBY_OK;
}

/* The row's model columns besides the intercept (NONE-padded), from the margins. */
static void row_cols(const margins *M, size_t k, const double *base, uint32_t *out)
{
    for (size_t j = 0; j < M->J; j++)
        out[j] = base[k] > 0 ? M->col[j][M->m[j].level[k]] : NONE;
}

/* ---- Linear algebra on the small p x p matrices ---- */

/* Symmetric pseudo-inverse (R MASS::ginv with tol 256 eps, as grake uses). */
static int pinv_symm(const double *A, size_t p, double *out)
{
    gsl_matrix *a = gsl_matrix_alloc(p, p), *Q = gsl_matrix_alloc(p, p);
    gsl_vector *ev = gsl_vector_alloc(p);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(p);
    int rc = -1;
    if (!a || !Q || !ev || !ws)
        goto done;
    memcpy(a->data, A, p * p * sizeof *A);
    if (gsl_eigen_symmv(a, ev, Q, ws))
        goto done;
    double mx = 0;
    for (size_t i = 0; i < p; i++)
        mx = fmax(mx, fabs(gsl_vector_get(ev, i)));
    double tol = 256 * 2.220446049250313e-16 * mx;
    memset(out, 0, p * p * sizeof *out);
    for (size_t e = 0; e < p; e++) {
        double l = gsl_vector_get(ev, e);
        if (!(fabs(l) > tol))
            continue;
        for (size_t i = 0; i < p; i++)
            for (size_t j = 0; j < p; j++)
                out[i * p + j] += gsl_matrix_get(Q, i, e) * gsl_matrix_get(Q, j, e) / l;
    }
    rc = 0;
done:
    gsl_matrix_free(a);
    gsl_matrix_free(Q);
    gsl_vector_free(ev);
    gsl_eigen_symmv_free(ws);
    return rc;
}

/* 1 if the leading q x q block of A (p x p) is numerically singular: smallest
 * eigenvalue of the correlation-scaled block below 1e-10 of the largest. */
static int singular_block(const double *A, size_t p, size_t q, int *failed)
{
    gsl_matrix *a = gsl_matrix_alloc(q, q);
    gsl_vector *ev = gsl_vector_alloc(q);
    gsl_eigen_symm_workspace *ws = gsl_eigen_symm_alloc(q);
    int sing = 0;
    if (!a || !ev || !ws) {
        *failed = 1;
        goto done;
    }
    for (size_t i = 0; i < q; i++)
        for (size_t j = 0; j < q; j++)
            gsl_matrix_set(a, i, j, A[i * p + j] / sqrt(A[i * p + i] * A[j * p + j]));
    if (gsl_eigen_symm(a, ev, ws)) {
        *failed = 1;
        goto done;
    }
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < q; i++) {
        lo = fmin(lo, gsl_vector_get(ev, i));
        hi = fmax(hi, gsl_vector_get(ev, i));
    }
    sing = !(lo > 1e-10 * hi);
done:
    gsl_matrix_free(a);
    gsl_vector_free(ev);
    gsl_eigen_symm_free(ws);
    return sing;
}

/* A = sum base m m' over the rows; then check that no margin is implied by the
 * ones before it, and invert. */
static helby_status gram(helby_weighting *W, const margins *M, helby_error *err)
{
    const size_t p = M->p, J = M->J;
    double *A = calloc(p * p, sizeof *A);
    if (!A)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory weighting");
    for (size_t k = 0; k < W->n; k++) {
        double d = W->base[k];
        if (!(d > 0))
            continue;
        const uint32_t *c = W->cols + k * J;
        A[0] += d;
        for (size_t a = 0; a < J; a++) {
            if (c[a] == NONE)
                continue;
            A[c[a]] += d;
            A[(size_t)c[a] * p] += d;
            for (size_t b = 0; b < J; b++)
                if (c[b] != NONE)
                    A[(size_t)c[a] * p + c[b]] += d;
        }
    }
    /* Columns are numbered margin by margin, so margin j ends at column end_j. */
    size_t end = 1;
    int failed = 0;
    for (size_t j = 0; j < J; j++) {
        for (size_t l = 0; l < M->m[j].n_levels; l++)
            if (M->col[j][l] != NONE)
                end = M->col[j][l] + 1;
        if (singular_block(A, p, end, &failed) && !failed) {
            free(A);
            if (j == 0)
                return helby_error_set(err, HELBY_ENUMERIC, "margin '%s' is degenerate",
                                       M->m[0].name);
            return helby_error_set(err, HELBY_ENUMERIC,
                                   "margin '%s' is implied by the margins before it (collinear "
                                   "constraints: e.g. 'sex' beside 'sex*ageband'); drop it",
                                   M->m[j].name);
        }
    }
    W->Ainv = malloc(p * p * sizeof *W->Ainv);
    int rc = failed || !W->Ainv ? -1 : pinv_symm(A, p, W->Ainv);
    free(A);
    if (rc)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory weighting");
    return HELBY_OK;
}

/* ---- The methods ---- */

/* Estimated totals per level of margin j with weights w. */
static void level_totals(const helby_margin *mj, size_t n, const double *w, double *t)
{
    memset(t, 0, mj->n_levels * sizeof *t);
    for (size_t k = 0; k < n; k++)
        if (w[k] > 0)
            t[mj->level[k]] += w[k];
}

static size_t max_levels(const margins *M)
{
    size_t L = 1;
    for (size_t j = 0; j < M->J; j++)
        if (M->m[j].n_levels > L)
            L = M->m[j].n_levels;
    return L;
}

static helby_status not_converged(const margins *M, const char *what, int it, double worst,
                                  size_t j, size_t l, helby_error *err)
{
    char buf[32];
    return helby_error_set(err, HELBY_ENUMERIC,
                           "%s did not converge in %d iterations: margin '%s', level '%s' is "
                           "still off by %.3g (relative); the margins may be impossible to "
                           "meet together, or the bounds too tight",
                           what, it, M->m[j].name, level_name(&M->m[j], l, buf, sizeof buf), worst);
}

/* Post-stratification and raking: each margin in turn scaled to its totals, repeated until
 * a whole sweep finds every cell within epsilon of its total before scaling it (R rake
 * compares the tables of successive sweeps; both stop when a sweep changes nothing). */
static helby_status ipf(helby_weighting *W, const margins *M, const helby_weight_spec *s,
                        helby_error *err)
{
    double *t = malloc(max_levels(M) * sizeof *t);
    if (!t)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory weighting");
    memcpy(W->w, W->base, W->n * sizeof *W->w);
    size_t wj = 0, wl = 0;
    double worst = INFINITY;
    int it = 0;
    int maxit = s->method == HELBY_WEIGHT_POSTSTRATIFY ? 1 : s->maxit;
    while (it < maxit) {
        it++;
        worst = 0;
        for (size_t j = 0; j < M->J; j++) {
            const helby_margin *mj = &M->m[j];
            level_totals(mj, W->n, W->w, t);
            for (size_t l = 0; l < mj->n_levels; l++) {
                double d = fabs(t[l] - M->T[j][l]) / (1 + fabs(M->T[j][l]));
                if (d > worst || (j == 0 && l == 0)) {
                    worst = d;
                    wj = j;
                    wl = l;
                }
                t[l] = t[l] > 0 ? M->T[j][l] / t[l] : 0;
            }
            for (size_t k = 0; k < W->n; k++)
                if (W->w[k] > 0)
                    W->w[k] *= t[mj->level[k]];
        }
        if (worst < s->epsilon)
            break;
    }
    free(t);
    W->diag.iterations = it;
    if (!(worst < s->epsilon) && s->method != HELBY_WEIGHT_POSTSTRATIFY)
        return not_converged(M, "raking", it, worst, wj, wl, err);
    return HELBY_OK;
}

/* Calibration distance functions of R survey: g = 1 + Fm1(u) and its derivative dF. */
static double Fm1(helby_weight_method m, double u, double L, double U)
{
    switch (m) {
    case HELBY_WEIGHT_RAKING: return fmin(fmax(exp(u), L), U) - 1;
    case HELBY_WEIGHT_LOGIT: {
        double A = (U - L) / ((U - 1) * (1 - L)), e = exp(A * u);
        return (L * (U - 1) + U * (1 - L) * e) / (U - 1 + (1 - L) * e) - 1;
    }
    default: return fmin(fmax(u + 1, L), U) - 1;
    }
}

static double dF(helby_weight_method m, double u, double L, double U)
{
    switch (m) {
    case HELBY_WEIGHT_RAKING: /* R cal.raking's dF tests u against the bounds minus 1 */
        return u < U - 1 && u > L - 1 ? exp(u) : 0;
    case HELBY_WEIGHT_LOGIT: {
        double A = (U - L) / ((U - 1) * (1 - L)), e = exp(A * u), den = U - 1 + (1 - L) * e;
        return U * (1 - L) * e * A / den -
               (L * (U - 1) + U * (1 - L) * e) * ((1 - L) * e * A) / (den * den);
    }
    default: return u < U - 1 && u > L - 1 ? 1 : 0;
    }
}

/* x'eta for row k: the intercept plus its levels' coefficients. */
static double xeta(const helby_weighting *W, size_t k, const double *eta)
{
    double s = eta[0];
    const uint32_t *c = W->cols + k * W->J;
    for (size_t j = 0; j < W->J; j++)
        if (c[j] != NONE)
            s += eta[c[j]];
    return s;
}

/* Newton's method for sum w F(x'eta) x = T, step by step as R grake: a
 * pseudo-inverse of the Jacobian, step halving on non-finite weights, and base
 * weights rescaled first when every population total is over 20 times its
 * estimate (bounds then apply to the rescaled weights). */
static helby_status grake(helby_weighting *W, const margins *M, const helby_weight_spec *s,
                          helby_error *err)
{
    const size_t n = W->n, p = M->p, J = M->J;
    const helby_weight_method me = s->method;
    const double L = s->lower, U = s->upper;
    double *ww = malloc(n * sizeof *ww), *xe = calloc(n, sizeof *xe);
    double *eta = calloc(p, sizeof *eta), *deta = malloc(p * sizeof *deta);
    double *T = malloc(p * p * sizeof *T), *Ti = malloc(p * p * sizeof *Ti);
    double *mis = malloc(p * sizeof *mis), *stot = calloc(p, sizeof *stot);
    helby_status st = HELBY_OK;
    if (!ww || !xe || !eta || !deta || !T || !Ti || !mis || !stot) {
        st = helby_error_set(err, HELBY_ENOMEM, "out of memory weighting");
        goto done;
    }
    memcpy(ww, W->base, n * sizeof *ww);
    for (size_t k = 0; k < n; k++) {
        if (!(ww[k] > 0))
            continue;
        const uint32_t *c = W->cols + k * J;
        stot[0] += ww[k];
        for (size_t j = 0; j < J; j++)
            if (c[j] != NONE)
                stot[c[j]] += ww[k];
    }
    double scale = 1, minsc = INFINITY, sumsc = 0;
    for (size_t c = 0; c < p; c++) {
        double r = M->pop[c] / stot[c];
        minsc = fmin(minsc, r);
        sumsc += r;
    }
    if (minsc > 20) {
        scale = sumsc / (double)p;
        for (size_t k = 0; k < n; k++)
            ww[k] *= scale;
        for (size_t c = 0; c < p; c++)
            stot[c] *= scale;
    }
    int iter = 1;
    for (;;) {
        memset(T, 0, p * p * sizeof *T);
        for (size_t c = 0; c < p; c++)
            mis[c] = M->pop[c] - stot[c];
        for (size_t k = 0; k < n; k++) {
            if (!(ww[k] > 0))
                continue;
            const uint32_t *c = W->cols + k * J;
            double a = ww[k] * dF(me, xe[k], L, U), f = ww[k] * Fm1(me, xe[k], L, U);
            T[0] += a;
            mis[0] -= f;
            for (size_t x = 0; x < J; x++) {
                if (c[x] == NONE)
                    continue;
                mis[c[x]] -= f;
                T[c[x]] += a;
                T[(size_t)c[x] * p] += a;
                for (size_t y = 0; y < J; y++)
                    if (c[y] != NONE)
                        T[(size_t)c[x] * p + c[y]] += a;
            }
        }
        if (pinv_symm(T, p, Ti)) {
            st = helby_error_set(err, HELBY_ENOMEM, "out of memory weighting");
            goto done;
        }
        for (size_t i = 0; i < p; i++) {
            double v = 0;
            for (size_t j = 0; j < p; j++)
                v += Ti[i * p + j] * mis[j];
            deta[i] = v;
            eta[i] += v;
        }
        int finite;
        for (;;) {
            finite = 1;
            for (size_t k = 0; k < n; k++) {
                xe[k] = xeta(W, k, eta);
                if (ww[k] > 0 &&
                    (!isfinite(Fm1(me, xe[k], L, U)) || !isfinite(dF(me, xe[k], L, U))))
                    finite = 0;
            }
            if (finite || iter >= s->maxit)
                break;
            iter++;
            for (size_t i = 0; i < p; i++) {
                deta[i] /= 2;
                eta[i] -= deta[i];
            }
        }
        /* Misfit at the new eta, relative as R: |misfit| / (1 + |pop|). */
        double worst = 0;
        size_t wc = 0;
        for (size_t c = 0; c < p; c++)
            mis[c] = M->pop[c] - stot[c];
        for (size_t k = 0; k < n; k++) {
            if (!(ww[k] > 0))
                continue;
            const uint32_t *c = W->cols + k * J;
            double f = ww[k] * Fm1(me, xe[k], L, U);
            mis[0] -= f;
            for (size_t x = 0; x < J; x++)
                if (c[x] != NONE)
                    mis[c[x]] -= f;
        }
        for (size_t c = 0; c < p; c++) {
            double d = fabs(mis[c]) / (1 + fabs(M->pop[c]));
            if (!(d < worst) && !(d == worst && c > 0)) {
                worst = d;
                wc = c;
            }
        }
        if (worst < s->epsilon && finite)
            break;
        iter++;
        if (iter > s->maxit) {
            W->diag.iterations = iter - 1;
            /* Name the cell of the worst model column. */
            size_t wj = 0, wl = 0;
            for (size_t j = 0; j < J; j++)
                for (size_t l = 0; l < M->m[j].n_levels; l++)
                    if (M->col[j][l] == wc) {
                        wj = j;
                        wl = l;
                    }
            st = not_converged(M, "calibration", iter - 1, worst, wj, wl, err);
            goto done;
        }
    }
    W->diag.iterations = iter;
    for (size_t k = 0; k < n; k++)
        W->w[k] = W->base[k] > 0 ? W->base[k] * (1 + Fm1(me, xe[k], L, U)) * scale : 0;
done:
    free(ww);
    free(xe);
    free(eta);
    free(deta);
    free(T);
    free(Ti);
    free(mis);
    free(stot);
    return st;
}

/* R trimWeights: weights outside [lower, upper] set to the bound, the excess
 * spread evenly over the weights inside; with strict, repeated until none is
 * outside. */
static helby_status trim(double *w, size_t n, double lower, double upper, int strict,
                         size_t *trimmed, helby_error *err)
{
    unsigned char *outside = malloc(n);
    if (!outside)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory weighting");
    *trimmed = 0;
    for (int round = 0; round < 1000; round++) {
        double excess = 0;
        size_t out = 0, in = 0;
        for (size_t k = 0; k < n; k++) {
            outside[k] = w[k] > 0 && (w[k] < lower || w[k] > upper);
            if (outside[k]) {
                double b = w[k] < lower ? lower : upper;
                excess += w[k] - b;
                w[k] = b;
                out++;
            } else if (w[k] > 0) {
                in++;
            }
        }
        if (out == 0)
            break;
        if (in == 0) {
            free(outside);
            return helby_error_set(err, HELBY_EUSAGE,
                                   "trimming at [%g, %g] leaves no weight inside the bounds", lower,
                                   upper);
        }
        *trimmed += out;
        for (size_t k = 0; k < n; k++)
            if (w[k] > 0 && !outside[k])
                w[k] += excess / (double)in;
        if (!strict)
            break;
    }
    free(outside);
    return HELBY_OK;
}

/* ---- Diagnostics ---- */

/* Puts the k-th smallest of x[lo..hi) at x[k], smaller ones before it and larger after
 * (quickselect with a three-way partition, so the many ties of post-stratified weights
 * cost nothing). Expected O(hi - lo). */
static void select_kth(double *x, size_t lo, size_t hi, size_t k)
{
    uint64_t r = 0x9E3779B97F4A7C15u; /* fixed pivot sequence: deterministic diagnostics */
    while (hi - lo > 1) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        double p = x[lo + r % (hi - lo)];
        size_t lt = lo, i = lo, gt = hi; /* [lo,lt) < p, [lt,i) == p, [gt,hi) > p */
        while (i < gt) {
            double v = x[i];
            if (v < p)
                x[i++] = x[lt], x[lt++] = v;
            else if (v > p)
                x[i] = x[--gt], x[gt] = v;
            else
                i++;
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return;
    }
}

/* Puts every order statistic of ranks k[0..nk-1] (ascending, within [lo, hi)) in place:
 * the middle one by selection, then the lower ranks left of it and the higher right of it,
 * so a dozen ranks cost about n log(ranks), not a dozen passes over n. */
static void select_ranks(double *x, size_t lo, size_t hi, const size_t *k, size_t nk)
{
    if (nk == 0)
        return;
    size_t m = nk / 2;
    select_kth(x, lo, hi, k[m]);
    select_ranks(x, lo, k[m], k, m);
    select_ranks(x, k[m] + 1, hi, k + m + 1, nk - m - 1);
}

/* The order statistics x(r) of ranks r[0..nr-1] (ascending) into val, x reordered. First a
 * histogram of 2^14 equal-width buckets between min and max (monotone in x, so a rank's
 * bucket is found from the counts), then selection only among the values of the buckets that
 * hold a wanted rank: three passes over x instead of a sort. Falls back to selection over
 * all of x when the range is degenerate or memory is short. */
static void order_stats(double *x, size_t n, const size_t *r, size_t nr, double *val)
{
    enum { NB = 1 << 14 };
    double mn = x[0], mx = x[0];
    for (size_t k = 1; k < n; k++) {
        mn = x[k] < mn ? x[k] : mn;
        mx = x[k] > mx ? x[k] : mx;
    }
    double scale = (NB - 1) / (mx - mn);
    size_t *cnt = NULL, *at = NULL, *fill = NULL, need = 0;
    double *buf = NULL;
    if (!(mx > mn && isfinite(scale)) || !(cnt = calloc(NB, sizeof *cnt)) ||
        !(at = malloc(NB * sizeof *at)) || !(fill = malloc(NB * sizeof *fill)))
        goto whole;
#define BUCKET(v) ((size_t)(((v)-mn) * scale) < NB ? (size_t)(((v)-mn) * scale) : NB - 1)
    for (size_t k = 0; k < n; k++)
        cnt[BUCKET(x[k])]++;
    /* at[b] = rank of the first value in bucket b; keep only buckets holding a wanted rank,
     * fill[b] = where bucket b's values go in buf */
    size_t run = 0, i = 0;
    for (size_t b = 0; b < NB; b++) {
        at[b] = run;
        run += cnt[b];
        int wanted = 0;
        while (i < nr && r[i] < run)
            wanted = 1, i++;
        if (!wanted)
            cnt[b] = 0;
        fill[b] = need;
        need += cnt[b];
    }
    if (!(buf = malloc(need * sizeof *buf)))
        goto whole;
    for (size_t k = 0; k < n; k++) {
        size_t b = BUCKET(x[k]);
        if (cnt[b])
            buf[fill[b]++] = x[k];
    }
#undef BUCKET
    /* Rank r[i] lies in the kept bucket whose ranks [at, at + cnt) contain it. */
    size_t off = 0;
    i = 0;
    for (size_t b = 0; b < NB && i < nr; b++) {
        if (!cnt[b])
            continue;
        size_t local[2 * HELBY_WEIGHT_NQ], nl = 0, i0 = i;
        while (i < nr && r[i] < at[b] + cnt[b])
            local[nl++] = r[i++] - at[b];
        select_ranks(buf + off, 0, cnt[b], local, nl);
        for (size_t t = 0; t < nl; t++)
            val[i0 + t] = buf[off + local[t]];
        off += cnt[b];
    }
    free(cnt), free(at), free(fill), free(buf);
    return;
whole: /* a degenerate range, or no memory for the histogram: select over all of x */
    free(cnt), free(at), free(fill);
    select_ranks(x, 0, n, r, nr);
    for (size_t k = 0; k < nr; k++)
        val[k] = x[r[k]];
}

/* Quantiles as R quantile(type = 7) of x[0..n-1] (reordered): h = (n - 1) p, then
 * x(floor h) + (h - floor h) (x(floor h + 1) - x(floor h)) with x(i) the order statistics. */
static void quantiles(double *x, size_t n, double *q)
{
    size_t ranks[2 * HELBY_WEIGHT_NQ], nr = 0;
    double val[2 * HELBY_WEIGHT_NQ];
    for (int i = 0; i < HELBY_WEIGHT_NQ; i++) {
        size_t lo = (size_t)floor((double)(n - 1) * helby_weight_quantile_points[i]);
        for (size_t r = lo; r <= lo + 1 && r < n; r++)
            if (nr == 0 || ranks[nr - 1] < r) /* the points ascend, so the ranks do */
                ranks[nr++] = r;
    }
    order_stats(x, n, ranks, nr, val);
    for (int i = 0, a = 0; i < HELBY_WEIGHT_NQ; i++) {
        double h = (double)(n - 1) * helby_weight_quantile_points[i];
        size_t lo = (size_t)floor(h);
        while (ranks[a] != lo)
            a++;
        q[i] = lo + 1 < n ? val[a] + (h - (double)lo) * (val[a + 1] - val[a]) : val[a];
    }
}

/* trim_eps: the calibration's epsilon when trimming changed weights (NaN otherwise): a
 * margin moved further than it by trimming is named in the warning. */
static helby_status diagnose(helby_weighting *W, const margins *M, double trim_eps,
                             helby_error *err)
{
    helby_weight_diag *D = &W->diag;
    double *v = malloc(W->n * sizeof *v), *t = malloc(max_levels(M) * sizeof *t);
    if (!v || !t) {
        free(v);
        free(t);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory weighting");
    }
    size_t m = 0;
    double s = 0, s2 = 0, sb = 0;
    for (size_t k = 0; k < W->n; k++)
        if (W->base[k] > 0) {
            v[m++] = W->w[k];
            s += W->w[k];
            s2 += W->w[k] * W->w[k];
            sb += W->base[k];
        }
    D->n = m;
    D->sum_w = s;
    D->sum_base = sb;
    D->kish_n = s * s / s2;
    D->deff_w = (double)m * s2 / (s * s);
    quantiles(v, m, D->w_q);
    m = 0;
    for (size_t k = 0; k < W->n; k++)
        if (W->base[k] > 0)
            v[m++] = W->w[k] / W->base[k];
    quantiles(v, m, D->g_q);
    D->max_discrepancy = 0;
    for (size_t j = 0; j < M->J; j++) {
        level_totals(&M->m[j], W->n, W->w, t);
        for (size_t l = 0; l < M->m[j].n_levels; l++) {
            if (M->T[j][l] == 0)
                continue;
            double d = fabs(t[l] - M->T[j][l]) / M->T[j][l];
            if (d >= D->max_discrepancy) {
                char buf[32];
                D->max_discrepancy = d;
                snprintf(D->worst_cell, sizeof D->worst_cell, "%s=%s", M->m[j].name,
                         level_name(&M->m[j], l, buf, sizeof buf));
            }
        }
    }
    free(v);
    free(t);
    size_t len = strlen(D->warning);
    if (D->max_discrepancy > trim_eps) /* false for NaN */
        len += (size_t)snprintf(D->warning + len, sizeof D->warning - len,
                                "trimming moved margin %s %.3g %% off its total (beyond "
                                "epsilon %g): the weights are no longer calibrated; ",
                                D->worst_cell, 100 * D->max_discrepancy, trim_eps);
    if (len < sizeof D->warning && (D->g_q[0] < 0.2 || D->g_q[HELBY_WEIGHT_NQ - 1] > 5))
        len += (size_t)snprintf(D->warning + len, sizeof D->warning - len,
                                "g-weights range from %.3g to %.3g: the margins pull hard on "
                                "some respondents (consider bounds); ",
                                D->g_q[0], D->g_q[HELBY_WEIGHT_NQ - 1]);
    if (len < sizeof D->warning && D->deff_w > 2.5)
        len += (size_t)snprintf(D->warning + len, sizeof D->warning - len,
                                "weighting design effect %.3g: the effective sample is %.0f of "
                                "%zu; ",
                                D->deff_w, D->kish_n, D->n);
    if (len > 2 && len < sizeof D->warning)
        D->warning[len - 2] = '\0'; /* drop the last "; " */
    return HELBY_OK;
}

/* ---- Putting it together ---- */

static helby_status check_spec(const helby_weight_spec *s, size_t J, const helby_margin *m,
                               helby_error *err)
{
    if (J == 0)
        return helby_error_set(err, HELBY_EUSAGE, "weighting needs at least one margin");
    if (s->method == HELBY_WEIGHT_POSTSTRATIFY && J != 1)
        return helby_error_set(err, HELBY_EUSAGE,
                               "post-stratification takes one margin (cross-classify, e.g. "
                               "'%s*%s', or rake over several)",
                               m[0].name, m[1].name);
    if ((unsigned)s->method > HELBY_WEIGHT_LOGIT)
        return helby_error_set(err, HELBY_EUSAGE, "unknown weighting method");
    if (s->method >= HELBY_WEIGHT_LINEAR && !(s->lower < 1 && s->upper > 1))
        return helby_error_set(err, HELBY_EUSAGE,
                               "bounds [%g, %g] on g must contain 1 (lower < 1 < upper)", s->lower,
                               s->upper);
    if (s->method == HELBY_WEIGHT_LOGIT && !(isfinite(s->lower) && isfinite(s->upper)))
        return helby_error_set(err, HELBY_EUSAGE, "logit calibration needs finite bounds");
    if (s->method < HELBY_WEIGHT_LINEAR && (isfinite(s->lower) || isfinite(s->upper)))
        return helby_error_set(err, HELBY_EUSAGE,
                               "bounds on g apply to calibration (linear, raking, logit), not "
                               "to %s",
                               helby_weight_method_name(s->method));
    if (!(s->epsilon > 0) || s->maxit < 1)
        return helby_error_set(err, HELBY_EUSAGE, "epsilon must be > 0 and maxit >= 1");
    if (!(s->trim_lower < s->trim_upper) || s->trim_lower < 0)
        return helby_error_set(err, HELBY_EUSAGE,
                               "trimming bounds must satisfy 0 <= lower < upper");
    return HELBY_OK;
}

static helby_status weight_compute(helby_weighting **out, const helby_weight_spec *spec, size_t n,
                                   const double *base, const helby_margin *m, size_t J,
                                   int diagnostics, helby_error *err);

helby_status helby_weight_compute(helby_weighting **out, const helby_weight_spec *spec, size_t n,
                                  const double *base, const helby_margin *m, size_t J,
                                  helby_error *err)
{
    return weight_compute(out, spec, n, base, m, J, 1, err);
}

/* The work; replicates skip the diagnostics (two sorts of n values each). */
static helby_status weight_compute(helby_weighting **out, const helby_weight_spec *spec, size_t n,
                                   const double *base, const helby_margin *m, size_t J,
                                   int diagnostics, helby_error *err)
{
    *out = NULL;
    gsl_set_error_handler_off();
    helby_status st = check_spec(spec, J, m, err);
    if (st)
        return st;
    if (n == 0)
        return helby_error_set(err, HELBY_EUSAGE, "weighting: no rows");
    for (size_t k = 0; k < n; k++)
        if (!isfinite(base[k]) || base[k] < 0)
            return helby_error_set(err, HELBY_EINPUT,
                                   "row %zu: base weight %g is not a finite number >= 0", k + 1,
                                   base[k]);
    helby_weighting *W = calloc(1, sizeof *W);
    margins M;
    memset(&M, 0, sizeof M);
    if (!W)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory weighting");
    W->n = n;
    W->J = J;
    W->w = helby_alloc_big(n * sizeof *W->w);
    W->base = helby_alloc_big(n * sizeof *W->base);
    W->cols = malloc(n * J * sizeof *W->cols);
    if (!W->w || !W->base || !W->cols) {
        st = helby_error_set(err, HELBY_ENOMEM, "out of memory weighting");
        goto fail;
    }
    memcpy(W->base, base, n * sizeof *base);
    if ((st = margins_init(&M, n, base, m, J, &W->diag, err)))
        goto fail;
    W->p = M.p;
    for (size_t k = 0; k < n; k++)
        row_cols(&M, k, base, W->cols + k * J);
    if ((st = gram(W, &M, err)))
        goto fail;
    if (spec->method <= HELBY_WEIGHT_RAKE)
        st = ipf(W, &M, spec, err);
    else
        st = grake(W, &M, spec, err);
    if (st)
        goto fail;
    for (size_t k = 0; k < n; k++)
        if (W->w[k] < 0 || !isfinite(W->w[k])) {
            size_t neg = 0;
            for (size_t i = 0; i < n; i++)
                neg += W->w[i] < 0;
            st = helby_error_set(err, HELBY_ENUMERIC,
                                 "%s calibration gave %zu negative weight(s) (row %zu: g = "
                                 "%.4g); set bounds on g, or use raking or logit",
                                 helby_weight_method_name(spec->method), neg, k + 1,
                                 W->w[k] / base[k]);
            goto fail;
        }
    if (spec->trim_lower > 0 || isfinite(spec->trim_upper)) {
        /* The calibrated weights are kept: variance residualises with their g (R). */
        if (!(W->wcal = helby_alloc_big(n * sizeof *W->wcal))) {
            st = helby_error_set(err, HELBY_ENOMEM, "out of memory weighting");
            goto fail;
        }
        memcpy(W->wcal, W->w, n * sizeof *W->w);
        if ((st = trim(W->w, n, spec->trim_lower, spec->trim_upper, spec->trim_strict,
                       &W->diag.n_trimmed, err)))
            goto fail;
    }
    if (diagnostics && (st = diagnose(W, &M, W->diag.n_trimmed ? spec->epsilon : NAN, err)))
        goto fail;
    margins_free(&M);
    *out = W;
    return HELBY_OK;
fail:
    margins_free(&M);
    helby_weighting_free(W);
    return st;
}

/* ---- Variance after weighting ---- */

helby_status helby_design_calibrate(helby_design *d, const helby_weighting *const *parts,
                                    const size_t *first_row, size_t n_parts, helby_error *err)
{
    size_t p = 0, slots = 1, covered = 0;
    for (size_t i = 0; i < n_parts; i++) {
        const helby_weighting *W = parts[i];
        if (first_row[i] > d->n || W->n > d->n - first_row[i])
            return helby_error_set(err, HELBY_EUSAGE, "weighted part %zu lies outside the design",
                                   i + 1);
        p += W->p;
        covered += W->n;
        if (W->J + 1 > slots)
            slots = W->J + 1;
    }
    if (covered != d->n)
        return helby_error_set(err, HELBY_EUSAGE,
                               "the weighted parts cover %zu of the design's %zu rows", covered,
                               d->n);
    struct helby_cal *c = calloc(1, sizeof *c);
    if (!c)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    c->n = d->n;
    c->slots = slots;
    c->p = p;
    c->cols = malloc(d->n * slots * sizeof *c->cols);
    c->d0 = malloc(d->n * sizeof *c->d0);
    c->wcal = malloc(d->n * sizeof *c->wcal);
    c->Ainv = calloc(p * p, sizeof *c->Ainv);
    double *w = malloc(d->n * sizeof *w);
    if (!c->cols || !c->d0 || !c->wcal || !c->Ainv || !w) {
        free(w);
        helby_cal_free(c);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    memset(c->cols, 0xff, d->n * slots * sizeof *c->cols);
    size_t off = 0;
    for (size_t i = 0; i < n_parts; i++) {
        const helby_weighting *W = parts[i];
        for (size_t k = 0; k < W->n; k++) {
            size_t row = first_row[i] + k;
            uint32_t *dst = c->cols + row * slots;
            c->d0[row] = W->base[k];
            c->wcal[row] = W->wcal ? W->wcal[k] : W->w[k];
            w[row] = W->w[k];
            if (!(W->base[k] > 0))
                continue;
            dst[0] = (uint32_t)off;
            for (size_t j = 0; j < W->J; j++)
                if (W->cols[k * W->J + j] != NONE)
                    dst[1 + j] = (uint32_t)(off + W->cols[k * W->J + j]);
        }
        for (size_t a = 0; a < W->p; a++)
            for (size_t b = 0; b < W->p; b++)
                c->Ainv[(off + a) * p + off + b] = W->Ainv[a * W->p + b];
        off += W->p;
    }
    memcpy(d->w, w, d->n * sizeof *w);
    free(w);
    helby_cal_free(d->cal);
    d->cal = c;
    return HELBY_OK;
}

int helby_cal_residualize(const helby_design *d, const double *z, const long *dom, size_t D,
                          double *T)
{
    const struct helby_cal *c = d->cal;
    const size_t p = c->p, S = c->slots;
    double *b = calloc(p * D, sizeof *b), *beta = calloc(p * D, sizeof *beta);
    if (!b || !beta) {
        free(b);
        free(beta);
        return -1;
    }
    /* b_g = sum over domain g of (w / g) m z, g = wcal / d0 the calibration's g-weight
     * (d0 m z unless trimmed); beta_g = A^-1 b_g. As R's svyrecvar on a greg_calibration:
     * qr.resid of x / (g sqrt(d0)) on m sqrt(d0), times g sqrt(d0), x = w z. */
    for (size_t k = 0; k < c->n; k++) {
        if (dom[k] < 0)
            continue;
        double v =
            c->wcal[k] == d->w[k] ? c->d0[k] * z[k] : c->d0[k] * (d->w[k] / c->wcal[k]) * z[k];
        const uint32_t *m = c->cols + k * S;
        for (size_t s = 0; s < S; s++)
            if (m[s] != NONE)
                b[(size_t)m[s] * D + (size_t)dom[k]] += v;
    }
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) {
            double a = c->Ainv[i * p + j];
            if (a == 0)
                continue;
            for (size_t g = 0; g < D; g++)
                beta[i * D + g] += a * b[j * D + g];
        }
    /* Every weighted row, inside the domain or not, gives up g d0 m' beta_g = wcal m' beta_g
     * (w m' beta_g unless trimmed). */
    double *fit = malloc(D * sizeof *fit);
    if (!fit) {
        free(b);
        free(beta);
        return -1;
    }
    for (size_t k = 0; k < c->n; k++) {
        if (!(d->w[k] > 0))
            continue;
        const uint32_t *m = c->cols + k * S;
        memset(fit, 0, D * sizeof *fit);
        for (size_t s = 0; s < S; s++)
            if (m[s] != NONE)
                for (size_t g = 0; g < D; g++)
                    fit[g] += beta[(size_t)m[s] * D + g];
        double *t = T + (size_t)d->psu[k] * D;
        for (size_t g = 0; g < D; g++)
            t[g] -= c->wcal[k] * fit[g];
    }
    free(fit);
    free(b);
    free(beta);
    return 0;
}

typedef struct recal_ctx {
    const helby_weight_spec *spec;
    const helby_weight_part *parts;
    size_t n_parts;
    const double *full_in; /* the full sample's weights before and after (first call) */
    const double *full_out;
} recal_ctx;

static helby_status recalibrate(void *vctx, size_t rep, const double *in, double *out,
                                helby_error *err)
{
    recal_ctx *ctx = vctx;
    if (rep == (size_t)-1) {
        ctx->full_in = in;
        ctx->full_out = out;
    }
    for (size_t i = 0; i < ctx->n_parts; i++) {
        const helby_weight_part *pt = &ctx->parts[i];
        /* A jackknife replicate touches one stratum of one wave: the other parts weigh out
         * exactly as the full sample does. */
        if (rep != (size_t)-1 && ctx->full_in &&
            !memcmp(in + pt->first, ctx->full_in + pt->first, pt->n * sizeof *in)) {
            memcpy(out + pt->first, ctx->full_out + pt->first, pt->n * sizeof *out);
            continue;
        }
        helby_weighting *W;
        helby_status st = weight_compute(&W, ctx->spec, pt->n, in + pt->first, pt->margins,
                                         pt->n_margins, 0, err);
        if (st) {
            if (err && rep != (size_t)-1) {
                /* Prefix the replicate: shift the message right (truncating its end). */
                char pre[32];
                int np = snprintf(pre, sizeof pre, "replicate %zu: ", rep + 1);
                size_t cap = sizeof err->message, len = strlen(err->message);
                if ((size_t)np + len >= cap)
                    len = cap - 1 - (size_t)np;
                memmove(err->message + np, err->message, len);
                memcpy(err->message, pre, (size_t)np);
                err->message[np + len] = '\0';
            }
            return st;
        }
        memcpy(out + pt->first, W->w, pt->n * sizeof *out);
        helby_weighting_free(W);
    }
    return HELBY_OK;
}

helby_status helby_replicates_calibrate(helby_replicates **out, const helby_replicates *r,
                                        const helby_weight_spec *spec,
                                        const helby_weight_part *parts, size_t n_parts,
                                        helby_error *err)
{
    *out = NULL;
    size_t covered = 0;
    for (size_t i = 0; i < n_parts; i++)
        covered += parts[i].n;
    if (covered != helby_replicates_rows(r))
        return helby_error_set(err, HELBY_EUSAGE,
                               "the weighted parts cover %zu of the replicate design's %zu rows",
                               covered, helby_replicates_rows(r));
    recal_ctx ctx = {spec, parts, n_parts, NULL, NULL};
    return helby_replicates_reweight(out, r, recalibrate, &ctx, err);
}
