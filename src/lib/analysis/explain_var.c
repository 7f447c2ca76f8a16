/* explain_var.c — variances of explain's quantities (linearization and replicates) and
 * helby_explain_design. Part of module (scripts/check-layers): explain; */
#include "analysis/explain_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/design_internal.h"
#include "stats/estimate_internal.h"
#include "stats/replicate_internal.h"

/* Influence values z_k = G' v_k of the rows in use: per_psu, their totals w_k z_k by PSU
 * (P x Q); else z_k by row (n x Q, zero outside). */
static int influence_rows(const ex_ctx *c, const double *w, const uint32_t *psu, double *out,
                          int per_psu)
{
    const size_t Q = c->Q, m0 = ex_max_nnz(c);
    size_t *idx = malloc(m0 * sizeof *idx);
    double *val = malloc(m0 * sizeof *val), *z = malloc(Q * sizeof *z);
    if (!idx || !val || !z) {
        free(idx), free(val), free(z);
        return -1;
    }
    for (size_t k = 0; k < c->in->n; k++) {
        if (!c->use[k] || w[k] == 0)
            continue;
        size_t m = ex_row(c, k, idx, val);
        memset(z, 0, Q * sizeof *z);
        for (size_t i = 0; i < m; i++) {
            const double *g = c->G + idx[i] * Q;
            for (size_t q = 0; q < Q; q++)
                z[q] += val[i] * g[q];
        }
        double *o = per_psu ? out + (size_t)psu[k] * Q : out + k * Q;
        for (size_t q = 0; q < Q; q++)
            o[q] += per_psu ? w[k] * z[q] : z[q];
    }
    free(idx), free(val), free(z);
    return 0;
}

/* Linearization: the design covariance of the totals of the influence values, with the
 * calibration residuals of a weighted design (column by column, as R svyrecvar). */
int ex_vcov_linearization(ex_ctx *c, const helby_design *d)
{
    const size_t Q = c->Q, n = c->in->n, P = d->P;
    double *TZ = calloc(P * Q + 1, sizeof *TZ);
    if (!TZ)
        return -1;
    int rc = influence_rows(c, d->w, d->psu, TZ, 1);
    if (!rc && d->cal) {
        /* helby_cal_residualize subtracts, from the PSU totals of w z, the calibration's fit:
         * one column at a time, as domain 0 of a one-column T. */
        double *Z = calloc(n * Q + 1, sizeof *Z), *col = malloc((n + 1) * sizeof *col);
        double *T1 = malloc((P + 1) * sizeof *T1);
        long *dom = calloc(n + 1, sizeof *dom);
        rc = !Z || !col || !T1 || !dom ? -1 : influence_rows(c, d->w, d->psu, Z, 0);
        for (size_t q = 0; !rc && q < Q; q++) {
            for (size_t k = 0; k < n; k++)
                col[k] = Z[k * Q + q];
            for (size_t i = 0; i < P; i++)
                T1[i] = TZ[i * Q + q];
            rc = helby_cal_residualize(d, col, dom, 1, T1);
            for (size_t i = 0; !rc && i < P; i++)
                TZ[i * Q + q] = T1[i];
        }
        free(Z), free(col), free(T1), free(dom);
    }
    if (!rc)
        helby_design_vcov(d, TZ, Q, c->V);
    free(TZ);
    return rc;
}

/* The totals of every replicate (R x Dt). */
static int replicate_totals(const ex_ctx *c, const helby_replicates *r, double *S)
{
    const size_t Dt = c->Dt, n = c->in->n;
    if (r->full) {
        for (size_t b = 0; b < r->R; b++)
            ex_totals(c, r->full + b * n, S + b * Dt);
        return 0;
    }
    double *T = calloc(r->P * Dt + 1, sizeof *T);
    size_t *idx = malloc(ex_max_nnz(c) * sizeof *idx);
    double *val = malloc(ex_max_nnz(c) * sizeof *val);
    int rc = !T || !idx || !val ? -1 : 0;
    for (size_t k = 0; !rc && k < n; k++) {
        if (!c->use[k] || r->w[k] == 0)
            continue;
        size_t m = ex_row(c, k, idx, val);
        for (size_t i = 0; i < m; i++)
            T[(size_t)r->psu[k] * Dt + idx[i]] += r->w[k] * val[i];
    }
    if (!rc)
        rc = helby_replicates_sums(r, T, c->S0, Dt, S);
    free(T), free(idx), free(val);
    return rc;
}

/* Replicates: theta of every replicate's totals; scale sum_r rscale_r (theta_r - centre)^2,
 * centre the replicates' mean or, with mse, the full-sample theta (R svrVar). */
int ex_vcov_replicates(ex_ctx *c, const helby_replicates *r)
{
    const size_t R = r->R, Q = c->Q;
    double *S = malloc((R * c->Dt + 1) * sizeof *S);
    double *TH = malloc((R * Q + 1) * sizeof *TH), *m = calloc(Q, sizeof *m);
    int rc = !S || !TH || !m ? -1 : replicate_totals(c, r, S);
    for (size_t b = 0; !rc && b < R; b++) {
        ex_eval(c, S + b * c->Dt, c->beta, TH + b * Q);
        for (size_t q = 0; q < Q; q++)
            m[q] += TH[b * Q + q] / (double)R;
    }
    if (!rc && r->mse)
        memcpy(m, c->theta, Q * sizeof *m);
    memset(c->V, 0, Q * Q * sizeof *c->V);
    for (size_t b = 0; !rc && b < R; b++) {
        const double f = r->scale * (r->rscales ? r->rscales[b] : 1);
        const double *t = TH + b * Q;
        for (size_t i = 0; i < Q; i++)
            for (size_t j = 0; j < Q; j++)
                c->V[i * Q + j] += f * (t[i] - m[i]) * (t[j] - m[j]);
    }
    free(S), free(TH), free(m);
    return rc;
}

/* svypredmeans' second part: dg' V(beta) dg added to the adjusted means (no cross term with
 * the fitted values' part, as R), dg the mean model row at each group. */
void ex_add_fit_part(ex_ctx *c)
{
    const size_t p = c->p, Q = c->Q, q0 = HELBY_EX_N_QUANTITIES + c->T;
    const double N = c->S0[0] + c->S0[p + 1];
    double dg[2][EX_MAX_P];
    for (int g = 0; g < 2; g++) {
        dg[g][0] = 1, dg[g][1] = g;
        for (size_t j = 2; j < p; j++)
            dg[g][j] = (c->S0[j] + c->S0[p + 1 + j]) / N;
    }
    const size_t qs[2] = {HELBY_EX_ADJ_MEAN_DANES, HELBY_EX_ADJ_MEAN_MINORITIES};
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
            double s = 0;
            for (size_t i = 0; i < p; i++)
                for (size_t j = 0; j < p; j++)
                    if (!c->alias[i] && !c->alias[j])
                        s += dg[a][i] * c->V[(q0 + i) * Q + q0 + j] * dg[b][j];
            c->V[qs[a] * Q + qs[b]] += s;
        }
    c->V[HELBY_EX_ADJ_GAP * Q + HELBY_EX_ADJ_GAP] +=
        c->alias[1] ? NAN : c->V[(q0 + 1) * Q + q0 + 1];
}
