/* crosstab.c — Rao–Scott tests on a two-way table (helby/crosstab.h), as R survey 4.1's
 * svychisq.survey.design (statistic "F" and "Chisq"): cell proportions and their covariance
 * by linearization (after calibration: its residuals, weight.c), the design effect matrix of
 * the interaction contrasts, Pearson's X^2 of the table scaled to the design's rows.
 * Inside stats/: after weight.c (helby_cal_residualize) and design.c (helby_design_vcov). */
#include "helby/crosstab.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/design_internal.h"

/* What the test builds: cell proportions p (C = nr nc, row level fastest, as R's
 * interaction()), weighted cell totals O, their covariance V (C x C) and the PSU totals T. */
typedef struct xt {
    const helby_design *d;
    const long *row, *col;
    size_t nr, nc, C;
    double W, *p, *O, *T, *V;
} xt;

static void xt_free(xt *X)
{
    free(X->p), free(X->O), free(X->T), free(X->V);
}

static long xt_cell(const xt *X, size_t k)
{
    long r = X->row[k], c = X->col[k];
    if (r < 0 || c < 0 || X->d->w[k] == 0)
        return -1;
    return r + (long)X->nr * c;
}

static helby_status xt_sums(xt *X, helby_error *err)
{
    const helby_design *d = X->d;
    for (size_t k = 0; k < d->n; k++) {
        if ((X->row[k] >= 0 && (size_t)X->row[k] >= X->nr) ||
            (X->col[k] >= 0 && (size_t)X->col[k] >= X->nc))
            return helby_error_set(err, HELBY_EUSAGE, "row %zu: a level out of range", k + 1);
        long c = xt_cell(X, k);
        if (c >= 0)
            X->O[c] += d->w[k], X->W += d->w[k];
    }
    if (!(X->W > 0))
        return helby_error_set(err, HELBY_ENUMERIC, "no respondent has both values");
    for (size_t c = 0; c < X->C; c++)
        X->p[c] = X->O[c] / X->W;
    return HELBY_OK;
}

/* PSU totals of the influence values (I_c - p_c) / W, calibrated when the design is; V. */
static helby_status xt_vcov(xt *X, helby_error *err)
{
    const helby_design *d = X->d;
    const size_t C = X->C;
    for (size_t k = 0; k < d->n; k++) {
        long c = xt_cell(X, k);
        if (c < 0)
            continue;
        double *t = X->T + (size_t)d->psu[k] * C;
        for (size_t j = 0; j < C; j++)
            t[j] += d->w[k] * (((size_t)c == j) - X->p[j]) / X->W;
    }
    if (d->cal) {
        double *z = malloc(d->n * sizeof *z), *Tc = calloc(d->P ? d->P : 1, sizeof *Tc);
        long *dom = malloc(d->n * sizeof *dom);
        int bad = !z || !Tc || !dom;
        for (size_t j = 0; !bad && j < C; j++) {
            for (size_t k = 0; k < d->n; k++) {
                long c = xt_cell(X, k);
                dom[k] = c < 0 ? -1 : 0;
                z[k] = c < 0 ? 0 : (((size_t)c == j) - X->p[j]) / X->W;
            }
            for (size_t q = 0; q < d->P; q++)
                Tc[q] = X->T[q * C + j];
            bad = helby_cal_residualize(d, z, dom, 1, Tc) != 0;
            for (size_t q = 0; q < d->P; q++)
                X->T[q * C + j] = Tc[q];
        }
        free(z), free(Tc), free(dom);
        if (bad)
            return helby_error_set(err, HELBY_ENOMEM, "out of memory for the Rao-Scott test");
    }
    helby_design_vcov(d, X->T, C, X->V);
    return HELBY_OK;
}

/* Pearson's X^2 of the weighted table scaled to N (R chisq.test(svytable(..., Ntotal = N))). */
static double xt_pearson(const xt *X, double N)
{
    double *r = calloc(X->nr, sizeof *r), *c = calloc(X->nc, sizeof *c), n = 0;
    long double s = 0;
    if (!r || !c) {
        free(r), free(c);
        return NAN;
    }
    for (size_t i = 0; i < X->nr; i++)
        for (size_t j = 0; j < X->nc; j++) {
            double o = X->O[i + X->nr * j] * N / X->W;
            r[i] += o, c[j] += o, n += o;
        }
    for (size_t i = 0; i < X->nr; i++)
        for (size_t j = 0; j < X->nc; j++) {
            double o = X->O[i + X->nr * j] * N / X->W, e = r[i] * c[j] / n;
            s += (o - e) * (o - e) / e;
        }
    free(r), free(c);
    return (double)s;
}

/* Delta = (C' D^-1 C / N)^-1 C' D^-1 V D^-1 C into out's traces; C the interaction
 * contrasts: the cell indicators of (i, j), i, j >= 1, centred on rows and columns (the
 * residuals of R's qr.resid on the main effects, for the full grid). */
static helby_status xt_delta(const xt *X, double N, helby_raoscott *out, helby_error *err)
{
    const size_t nr = X->nr, nc = X->nc, C = X->C, K = (nr - 1) * (nc - 1);
    double *Cm = malloc(C * K * sizeof *Cm), *A = malloc(C * K * sizeof *A);
    gsl_matrix *den = gsl_matrix_calloc(K, K), *num = gsl_matrix_calloc(K, K);
    gsl_permutation *perm = gsl_permutation_alloc(K);
    helby_status rc = HELBY_OK;
    if (!Cm || !A || !den || !num || !perm) {
        rc = helby_error_set(err, HELBY_ENOMEM, "out of memory for the Rao-Scott test");
        goto done;
    }
    for (size_t a = 0; a < K; a++) {
        size_t ia = 1 + a % (nr - 1), ja = 1 + a / (nr - 1);
        for (size_t c = 0; c < C; c++) {
            size_t i = c % nr, j = c / nr;
            Cm[c * K + a] = (i == ia && j == ja) - (double)(i == ia) / (double)nc -
                            (double)(j == ja) / (double)nr + 1.0 / (double)(nr * nc);
        }
    }
    /* A = D^-1 V D^-1 C (C x K); den = C' D^-1 C / N; num = C' A. */
    for (size_t c = 0; c < C; c++)
        for (size_t a = 0; a < K; a++) {
            double s = 0;
            for (size_t e = 0; e < C; e++)
                s += (X->p[e] == 0 ? 0 : X->V[c * C + e] / X->p[e]) * Cm[e * K + a];
            A[c * K + a] = (X->p[c] == 0 ? 0 : s / X->p[c]);
        }
    for (size_t a = 0; a < K; a++)
        for (size_t b = 0; b < K; b++) {
            double sd = 0, sn = 0;
            for (size_t c = 0; c < C; c++) {
                sd += Cm[c * K + a] * (X->p[c] == 0 ? 0 : 1 / X->p[c] / N) * Cm[c * K + b];
                sn += Cm[c * K + a] * A[c * K + b];
            }
            gsl_matrix_set(den, a, b, sd);
            gsl_matrix_set(num, a, b, sn);
        }
    int sign = 0;
    if (gsl_linalg_LU_decomp(den, perm, &sign) || fabs(gsl_linalg_LU_det(den, sign)) == 0) {
        rc = helby_error_set(err, HELBY_ENUMERIC,
                             "the Rao-Scott test cannot be formed: a level has no respondents");
        goto done;
    }
    double tr = 0, tr2 = 0;
    gsl_vector_view col;
    for (size_t b = 0; b < K; b++) { /* Delta's columns, in place of num's */
        col = gsl_matrix_column(num, b);
        gsl_linalg_LU_svx(den, perm, &col.vector);
    }
    for (size_t a = 0; a < K; a++) {
        tr += gsl_matrix_get(num, a, a);
        for (size_t b = 0; b < K; b++)
            tr2 += gsl_matrix_get(num, a, b) * gsl_matrix_get(num, b, a);
    }
    out->trace = tr, out->trace2 = tr2;
done:
    free(Cm), free(A);
    gsl_matrix_free(den), gsl_matrix_free(num);
    if (perm)
        gsl_permutation_free(perm);
    return rc;
}

static void xt_tests(helby_raoscott *o, size_t K)
{
    o->f = o->pearson / o->trace;
    o->f_ndf = o->trace * o->trace / o->trace2;
    o->f_ddf = o->f_ndf * o->nu;
    o->f_p = o->f_ddf > 0 && isfinite(o->f) ? gsl_cdf_fdist_Q(o->f, o->f_ndf, o->f_ddf) : NAN;
    o->chisq = o->pearson / (o->trace / (double)K);
    o->chisq_df = (double)K;
    o->chisq_p = isfinite(o->chisq) ? gsl_cdf_chisq_Q(o->chisq, o->chisq_df) : NAN;
}

helby_status helby_raoscott_test(const helby_design *d, const long *row, const long *col, size_t nr,
                                 size_t nc, helby_raoscott *out, helby_error *err)
{
    memset(out, 0, sizeof *out);
    if (nr < 2 || nc < 2)
        return helby_error_set(err, HELBY_EUSAGE,
                               "a test of independence needs two levels of each variable, not "
                               "%zu x %zu",
                               nr, nc);
    xt X = {d, row, col, nr, nc, nr * nc, 0, NULL, NULL, NULL, NULL};
    X.p = calloc(X.C, sizeof *X.p), X.O = calloc(X.C, sizeof *X.O);
    X.T = calloc((d->P ? d->P : 1) * X.C, sizeof *X.T), X.V = calloc(X.C * X.C, sizeof *X.V);
    helby_status rc = HELBY_OK;
    if (!X.p || !X.O || !X.T || !X.V)
        rc = helby_error_set(err, HELBY_ENOMEM, "out of memory for the Rao-Scott test");
    double N = (double)d->n;
    if (!rc && !(rc = xt_sums(&X, err)) && !(rc = xt_vcov(&X, err)))
        rc = xt_delta(&X, N, out, err);
    if (!rc) {
        out->nr = nr, out->nc = nc;
        out->nu = helby_design_df(d);
        out->pearson = xt_pearson(&X, N);
        xt_tests(out, (nr - 1) * (nc - 1));
    }
    xt_free(&X);
    return rc;
}

void helby_raoscott_set_nu(helby_raoscott *t, double nu)
{
    t->nu = nu;
    xt_tests(t, (t->nr - 1) * (t->nc - 1));
}

double helby_design_subset_df(const helby_design *d, const long *keep)
{
    unsigned char *psu = calloc(d->P ? d->P : 1, 1), *str = calloc(d->H ? d->H : 1, 1);
    double df = 0;
    if (!psu || !str) {
        free(psu), free(str);
        return NAN;
    }
    for (size_t k = 0; k < d->n; k++) {
        if (keep[k] < 0)
            continue;
        size_t p = d->psu[k], h = d->stratum_of_psu[p];
        df += !psu[p] - !str[h];
        psu[p] = str[h] = 1;
    }
    free(psu), free(str);
    return df;
}
