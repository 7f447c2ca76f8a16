/* explain_grad.c — the gradient of explain's quantities with respect to the totals (the chain
 * rule behind their linearization influence values, docs/method.md "Explaining the gap").
 * Part of module (scripts/check-layers): explain; */
#include "analysis/explain_internal.h"

#include <string.h>

static size_t tri(size_t p, size_t j, size_t l)
{
    return j * p - j * (j - 1) / 2 + (l - j);
}

#define GR(c, t, q) ((c)->G[(t) * (c)->Q + (q)])

/* d(S_gj / N_g) into column q times f. */
static void grad_ratio(ex_ctx *c, int g, size_t j, size_t q, double f)
{
    const size_t o = (size_t)g * (c->p + 1);
    const double N = c->S0[o], r = c->S0[o + j] / N;
    GR(c, o + j, q) += f / N;
    GR(c, o, q) -= f * r / N;
}

/* The coefficients: d beta = Ainv (d X'Wy - d X'WX beta). */
static void grad_beta(ex_ctx *c)
{
    const size_t p = c->p, q0 = HELBY_EX_N_QUANTITIES + c->T;
    const double *Ai = c->Ainv, *b = c->beta;
    for (size_t i = 0; i < p; i++) {
        for (size_t j = 0; j < p; j++) {
            GR(c, c->oB + j, q0 + i) = Ai[i * p + j];
            for (size_t l = j; l < p; l++) {
                double d = Ai[i * p + j] * b[l] + (l != j ? Ai[i * p + l] * b[j] : 0);
                GR(c, c->oA + tri(p, j, l), q0 + i) = -d;
            }
        }
    }
}

/* Column q gets column src times f. */
static void grad_add(ex_ctx *c, size_t q, size_t src, double f)
{
    for (size_t t = 0; t < c->Dt; t++)
        GR(c, t, q) += f * GR(c, t, src);
}

static void grad_std(ex_ctx *c, int g, size_t q)
{
    for (size_t k = 0; k < c->C; k++) {
        double s = c->in->share[k];
        if (!(s > 0))
            continue;
        size_t o = c->oC + 4 * k + 2 * (size_t)g;
        double n = c->S0[o], m = c->S0[o + 1] / n;
        GR(c, o + 1, q) += s / n;
        GR(c, o, q) -= s * m / n;
    }
}

/* Explained parts: sum_j (xbar_Dj - xbar_Mj) beta_j, by term and in total. */
static void grad_explained(ex_ctx *c)
{
    const size_t p = c->p, NQ = HELBY_EX_N_QUANTITIES, q0 = NQ + c->T;
    for (size_t j = 2; j < p; j++) {
        size_t q = NQ + c->in->term_of_col[j - 2];
        double dx = c->S0[j] / c->S0[0] - c->S0[p + 1 + j] / c->S0[p + 1];
        grad_ratio(c, 0, j, q, c->beta[j]);
        grad_ratio(c, 1, j, q, -c->beta[j]);
        grad_add(c, q, q0 + j, dx);
    }
    for (size_t t = 0; t < c->T; t++)
        grad_add(c, HELBY_EX_EXPLAINED, NQ + t, 1);
}

/* The adjusted means with the fits at the full-sample beta (fixed): the weighted mean over
 * both groups of beta_0 + beta_1 g + sum_j beta_j x_j. */
static void grad_adjusted(ex_ctx *c)
{
    const size_t p = c->p;
    const double N = c->S0[0] + c->S0[p + 1];
    double fit = 0;
    for (size_t j = 2; j < p; j++)
        fit += c->beta[j] * (c->S0[j] + c->S0[p + 1 + j]) / N;
    for (int g = 0; g < 2; g++) {
        const size_t o = (size_t)g * (p + 1);
        GR(c, o, HELBY_EX_ADJ_MEAN_DANES) -= fit / N;
        for (size_t j = 2; j < p; j++)
            GR(c, o + j, HELBY_EX_ADJ_MEAN_DANES) += c->beta[j] / N;
    }
    grad_add(c, HELBY_EX_ADJ_MEAN_MINORITIES, HELBY_EX_ADJ_MEAN_DANES, 1);
}

void ex_gradient(ex_ctx *c)
{
    const size_t p = c->p;
    memset(c->G, 0, c->Dt * c->Q * sizeof *c->G);
    grad_beta(c);
    grad_ratio(c, 0, p, HELBY_EX_MEAN_DANES, 1);
    grad_ratio(c, 1, p, HELBY_EX_MEAN_MINORITIES, 1);
    grad_add(c, HELBY_EX_RAW_GAP, HELBY_EX_MEAN_DANES, 1);
    grad_add(c, HELBY_EX_RAW_GAP, HELBY_EX_MEAN_MINORITIES, -1);
    if (c->C) {
        grad_std(c, 0, HELBY_EX_STD_MEAN_DANES);
        grad_std(c, 1, HELBY_EX_STD_MEAN_MINORITIES);
        grad_add(c, HELBY_EX_STD_GAP, HELBY_EX_STD_MEAN_DANES, 1);
        grad_add(c, HELBY_EX_STD_GAP, HELBY_EX_STD_MEAN_MINORITIES, -1);
    }
    grad_explained(c);
    grad_add(c, HELBY_EX_UNEXPLAINED, HELBY_EX_RAW_GAP, 1);
    grad_add(c, HELBY_EX_UNEXPLAINED, HELBY_EX_EXPLAINED, -1);
    grad_adjusted(c);
    /* adj_gap = -beta_1 with the fits fixed: its fitted-value part is constant (zero). */
}
