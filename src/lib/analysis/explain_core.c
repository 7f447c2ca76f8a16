/* explain_core.c — one wave's composition-adjusted gaps and Oaxaca–Blinder decomposition
 * (helby/explain.h) as smooth functions of design-weighted totals.
 *
 * Every quantity is a function theta(S) of the totals S = sum_k w_k v_k of a per-row vector
 * v_k: by group the weight, the model columns and y; the model's cross-products X'WX and
 * X'Wy; by standard cell and group the weight and y. Linearization: the influence value of
 * theta for row k is G' v_k, G the gradient of theta at the full-sample totals (the chain rule
 * of docs/method.md §3), with the design's calibration residuals; replicates: theta of every
 * replicate's totals. v_k is sparse (a dummy-coded row has a handful of non-zero columns), so
 * a pass over the rows costs O(non-zeros x quantities). Part of module (scripts/check-layers):
 * explain; */
#include "analysis/explain_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/design_internal.h"
#include "stats/estimate_internal.h"
#include "stats/replicate_internal.h"

/* Offsets of the totals: by group g, column j (j = p: y) at g * (p + 1) + j; X'WX's upper
 * triangle at oA; X'Wy at oB; cell c, group g: weight at oC + 4c + 2g, y at + 1. */
static size_t tri(size_t p, size_t j, size_t l)
{
    return j * p - j * (j - 1) / 2 + (l - j);
}

int ex_ctx_init(ex_ctx *c, const helby_explain_data *in)
{
    memset(c, 0, sizeof *c);
    c->in = in;
    c->p = in->q + 2;
    c->C = in->cell ? in->n_cells : 0;
    c->oA = 2 * (c->p + 1);
    c->oB = c->oA + c->p * (c->p + 1) / 2;
    c->oC = c->oB + c->p;
    c->Dt = c->oC + 4 * c->C;
    c->T = in->n_terms;
    c->Q = HELBY_EX_N_QUANTITIES + c->T + c->p;
    c->use = calloc(in->n ? in->n : 1, 1);
    c->alias = calloc(c->p, 1);
    c->beta = calloc(c->p, sizeof *c->beta);
    c->Ainv = calloc(c->p * c->p, sizeof *c->Ainv);
    c->S0 = calloc(c->Dt, sizeof *c->S0);
    c->theta = calloc(c->Q, sizeof *c->theta);
    c->G = calloc(c->Dt * c->Q, sizeof *c->G);
    c->V = calloc(c->Q * c->Q, sizeof *c->V);
    if (!c->use || !c->alias || !c->beta || !c->Ainv || !c->S0 || !c->theta || !c->G || !c->V)
        return -1;
    for (size_t k = 0; k < in->n; k++) {
        int ok = isfinite(in->y[k]) && (in->group[k] == 0 || in->group[k] == 1);
        for (size_t j = 0; ok && j < in->q; j++)
            ok = isfinite(in->X[k * in->q + j]);
        c->use[k] = (unsigned char)ok;
    }
    return 0;
}

void ex_ctx_free(ex_ctx *c)
{
    free(c->use), free(c->alias), free(c->beta), free(c->Ainv), free(c->S0);
    free(c->theta), free(c->G), free(c->V);
}

/* The non-zero entries of v_k (idx, val; room ex_max_nnz); returns how many. */
size_t ex_row(const ex_ctx *c, size_t k, size_t *idx, double *val)
{
    const helby_explain_data *in = c->in;
    const size_t p = c->p;
    const int g = in->group[k];
    const double y = in->y[k];
    double x[EX_MAX_P];
    size_t nz[EX_MAX_P], m = 0, n = 0;
    x[0] = 1, x[1] = g;
    memcpy(x + 2, in->X + k * in->q, in->q * sizeof *x);
    for (size_t j = 0; j < p; j++)
        if (x[j] != 0)
            nz[m++] = j;
    for (size_t a = 0; a < m; a++) {
        size_t j = nz[a];
        idx[n] = (size_t)g * (p + 1) + j, val[n++] = x[j];
        idx[n] = c->oB + j, val[n++] = x[j] * y;
        for (size_t b = a; b < m; b++)
            idx[n] = c->oA + tri(p, j, nz[b]), val[n++] = x[j] * x[nz[b]];
    }
    idx[n] = (size_t)g * (p + 1) + p, val[n++] = y;
    if (c->C && in->cell[k] >= 0) {
        size_t o = c->oC + 4 * (size_t)in->cell[k] + 2 * (size_t)g;
        idx[n] = o, val[n++] = 1;
        idx[n] = o + 1, val[n++] = y;
    }
    return n;
}

size_t ex_max_nnz(const ex_ctx *c)
{
    return 3 * c->p + c->p * (c->p + 1) / 2 + 3;
}

/* The full p x p X'WX of totals S. */
static void gram(const ex_ctx *c, const double *S, double *A)
{
    const size_t p = c->p;
    for (size_t j = 0; j < p; j++)
        for (size_t l = j; l < p; l++)
            A[j * p + l] = A[l * p + j] = S[c->oA + tri(p, j, l)];
}

/* Which columns are aliased (linearly dependent on earlier ones), from the full-sample
 * X'WX by Cholesky in column order: a column whose remaining pivot is below 1e-10 of its
 * diagonal is aliased, as R's pivoting QR leaves it out (NA coefficient). */
static void find_aliased(const ex_ctx *c, const double *A, unsigned char *alias)
{
    const size_t p = c->p;
    double L[EX_MAX_P * EX_MAX_P] = {0};
    for (size_t j = 0; j < p; j++) {
        double d = A[j * p + j];
        for (size_t k = 0; k < j; k++)
            d -= alias[k] ? 0 : L[j * p + k] * L[j * p + k];
        alias[j] = !(A[j * p + j] > 0) || !(d > 1e-10 * A[j * p + j]);
        if (alias[j])
            continue;
        L[j * p + j] = sqrt(d);
        for (size_t i = j + 1; i < p; i++) {
            double s = A[i * p + j];
            for (size_t k = 0; k < j; k++)
                s -= alias[k] ? 0 : L[i * p + k] * L[j * p + k];
            L[i * p + j] = s / L[j * p + j];
        }
    }
}

/* Ainv: the inverse of A over the columns not aliased (zeros elsewhere), by Cholesky.
 * Returns -1 when that part is not positive definite. */
static int inverse(const ex_ctx *c, const double *A, double *Ainv)
{
    const size_t p = c->p;
    size_t keep[EX_MAX_P], m = 0;
    double L[EX_MAX_P * EX_MAX_P] = {0}, e[EX_MAX_P];
    for (size_t j = 0; j < p; j++)
        if (!c->alias[j])
            keep[m++] = j;
    for (size_t j = 0; j < m; j++) {
        for (size_t i = j; i < m; i++) {
            double s = A[keep[i] * p + keep[j]];
            for (size_t k = 0; k < j; k++)
                s -= L[i * m + k] * L[j * m + k];
            if (i == j && !(s > 0))
                return -1;
            L[i * m + j] = i == j ? sqrt(s) : s / L[j * m + j];
        }
    }
    memset(Ainv, 0, p * p * sizeof *Ainv);
    for (size_t col = 0; col < m; col++) {
        for (size_t i = 0; i < m; i++) { /* L e = unit, then L' x = e */
            double s = i == col;
            for (size_t k = 0; k < i; k++)
                s -= L[i * m + k] * e[k];
            e[i] = s / L[i * m + i];
        }
        for (size_t i = m; i-- > 0;) {
            double s = e[i];
            for (size_t k = i + 1; k < m; k++)
                s -= L[k * m + i] * e[k];
            e[i] = s / L[i * m + i];
        }
        for (size_t i = 0; i < m; i++)
            Ainv[keep[i] * p + keep[col]] = e[i];
    }
    return 0;
}

/* Solve the model from totals S: beta (and Ainv when not NULL); NaN when singular. */
static void solve(const ex_ctx *c, const double *S, double *beta, double *Ainv)
{
    const size_t p = c->p;
    double A[EX_MAX_P * EX_MAX_P], Ai[EX_MAX_P * EX_MAX_P];
    memset(A, 0, p * p * sizeof *A); /* gram fills it all; gcc -O2 cannot see that */
    gram(c, S, A);
    if (inverse(c, A, Ai)) {
        for (size_t j = 0; j < p; j++)
            beta[j] = NAN;
        if (Ainv)
            for (size_t j = 0; j < p * p; j++)
                Ainv[j] = NAN;
        return;
    }
    for (size_t i = 0; i < p; i++) {
        double s = 0;
        for (size_t j = 0; j < p; j++)
            s += Ai[i * p + j] * S[c->oB + j];
        beta[i] = s;
    }
    if (Ainv)
        memcpy(Ainv, Ai, p * p * sizeof *Ai);
}

/* The standardised mean of group g: sum_c share_c ybar_cg (NaN when a cell with a share has
 * no respondent of g). */
static double std_mean(const ex_ctx *c, const double *S, int g)
{
    double m = 0;
    for (size_t k = 0; k < c->C; k++) {
        if (!(c->in->share[k] > 0))
            continue;
        size_t o = c->oC + 4 * k + 2 * (size_t)g;
        m += c->in->share[k] * S[o + 1] / S[o];
    }
    return c->C ? m : NAN;
}

/* theta(S) into th (Q): the quantities, the explained parts by term, the coefficients. The
 * adjusted means use the fitted values at bfix (the full-sample coefficients), as
 * svypredmeans: their replicate and linearization variances treat the fits as fixed. */
void ex_eval(const ex_ctx *c, const double *S, const double *bfix, double *th)
{
    const size_t p = c->p, NQ = HELBY_EX_N_QUANTITIES;
    double *beta = th + NQ + c->T, N[2], xb[2][EX_MAX_P];
    solve(c, S, beta, NULL);
    for (int g = 0; g < 2; g++) {
        N[g] = S[(size_t)g * (p + 1)];
        for (size_t j = 0; j <= p; j++)
            xb[g][j] = S[(size_t)g * (p + 1) + j] / N[g];
    }
    th[HELBY_EX_MEAN_DANES] = xb[0][p];
    th[HELBY_EX_MEAN_MINORITIES] = xb[1][p];
    th[HELBY_EX_RAW_GAP] = xb[0][p] - xb[1][p];
    th[HELBY_EX_STD_MEAN_DANES] = std_mean(c, S, 0);
    th[HELBY_EX_STD_MEAN_MINORITIES] = std_mean(c, S, 1);
    th[HELBY_EX_STD_GAP] = th[HELBY_EX_STD_MEAN_DANES] - th[HELBY_EX_STD_MEAN_MINORITIES];
    double e = 0, fit = bfix[0];
    for (size_t t = 0; t < c->T; t++)
        th[NQ + t] = 0;
    for (size_t j = 2; j < p; j++) {
        double part = (xb[0][j] - xb[1][j]) * beta[j];
        th[NQ + c->in->term_of_col[j - 2]] += part;
        e += part;
        fit += bfix[j] * (S[j] + S[p + 1 + j]) / (N[0] + N[1]);
    }
    th[HELBY_EX_EXPLAINED] = e;
    th[HELBY_EX_UNEXPLAINED] = th[HELBY_EX_RAW_GAP] - e;
    th[HELBY_EX_ADJ_MEAN_DANES] = fit;
    th[HELBY_EX_ADJ_MEAN_MINORITIES] = fit + bfix[1];
    th[HELBY_EX_ADJ_GAP] = -bfix[1];
}

/* The full-sample totals over the rows in use, with weights w. */
void ex_totals(const ex_ctx *c, const double *w, double *S)
{
    size_t *idx = malloc(ex_max_nnz(c) * sizeof *idx);
    double *val = malloc(ex_max_nnz(c) * sizeof *val);
    memset(S, 0, c->Dt * sizeof *S);
    if (!idx || !val) {
        free(idx), free(val);
        for (size_t t = 0; t < c->Dt; t++)
            S[t] = NAN;
        return;
    }
    for (size_t k = 0; k < c->in->n; k++) {
        if (!c->use[k] || w[k] == 0)
            continue;
        size_t m = ex_row(c, k, idx, val);
        for (size_t i = 0; i < m; i++)
            S[idx[i]] += w[k] * val[i];
    }
    free(idx), free(val);
}

/* Prepare the full sample: totals S0 with weights w, aliasing, beta, Ainv, theta. */
void ex_full_sample(ex_ctx *c, const double *w)
{
    double A[EX_MAX_P * EX_MAX_P];
    ex_totals(c, w, c->S0);
    gram(c, c->S0, A);
    find_aliased(c, A, c->alias);
    solve(c, c->S0, c->beta, c->Ainv);
    ex_eval(c, c->S0, c->beta, c->theta);
}
