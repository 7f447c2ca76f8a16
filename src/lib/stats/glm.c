/* glm.c — design-based linear and logistic models (helby/glm.h; docs/method.md, design-based
 * regression): weighted least squares by the normal equations over each row's nonzero columns
 * (factor codes make most of them zero), scaled to unit diagonal, with R's rule for aliased
 * columns (dqrdc2, tolerance 1e-7: a column whose part orthogonal to the earlier ones is below
 * 1e-7 of its norm) and iterative refinement on the residuals; IRLS for the logit link; the
 * sandwich variance by linearization (influence
 * values through the design's covariance of totals, calibration residuals included) or by
 * re-fitting every replicate. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "helby/glm.h"
#include "stats/design_internal.h"
#include "stats/replicate_internal.h"

#define QR_TOL 1e-7

void helby_glm_spec_default(helby_glm_spec *s)
{
    memset(s, 0, sizeof *s);
    s->family = HELBY_GLM_GAUSSIAN;
    s->df_rule = HELBY_GLM_DF_SVYGLM;
    s->max_iter = 25;
    s->tol = 1e-8;
    s->level = 0.95;
}

void helby_glm_free(helby_glm *m)
{
    if (!m)
        return;
    free(m->coef);
    free(m->vcov);
    free(m->influence);
    free(m->mu);
    free(m);
}

static const char *col_name(const helby_glm_spec *s, size_t j, char *buf, size_t n)
{
    if (s->names && s->names[j])
        return s->names[j];
    snprintf(buf, n, "column %zu", j + 1);
    return buf;
}

/* ---- the point fit ---- */

/* Workspace of one fit: the rows in the model and the QR of sqrt(wt) X over them. */
typedef struct fit {
    size_t n, p, m;  /* rows, columns, rows in the model */
    size_t *rows;    /* m */
    const double *w; /* n prior weights (the design's) */
    double *z;       /* m working response */
    double *wt;      /* m working weights */
    double *beta;    /* p (NaN aliased) */
    double *covu;    /* p x p: (X' W X)^-1 over the non-aliased columns, 0 elsewhere */
    unsigned char *alias;
    size_t rank;
    double *mu; /* m fitted means */
    int iter;
    const helby_glm_spec *s;
    double *xbuf;       /* p: a row of a model matrix given by spec.row or spec.row_nz */
    struct xsparse *xs; /* spec.row_nz: xbuf's nonzero columns */
} fit;

/* xbuf under spec.row_nz: zero but for the columns set[0..nset) (or all NaN when full),
 * so that a row costs its nonzeros, not p. */
typedef struct xsparse {
    size_t *set, nset;
    double *val;
    int full;
} xsparse;

static void fit_free(fit *f)
{
    free(f->rows), free(f->z), free(f->wt), free(f->beta), free(f->covu);
    free(f->alias), free(f->mu), free(f->xbuf);
    if (f->xs)
        free(f->xs->set), free(f->xs->val), free(f->xs);
}

/* Row k into xbuf from spec.row_nz: the last row's nonzeros cleared, this row's set (all NaN
 * when one of its values is missing). */
static const double *xrow_sparse(const fit *f, size_t k)
{
    xsparse *b = f->xs;
    if (b->full)
        memset(f->xbuf, 0, f->p * sizeof *f->xbuf);
    else
        for (size_t a = 0; a < b->nset; a++)
            f->xbuf[b->set[a]] = 0;
    size_t q = f->s->row_nz(f->s->row_ctx, k, b->set, b->val);
    b->full = q == SIZE_MAX;
    b->nset = b->full ? 0 : q;
    for (size_t j = 0; b->full && j < f->p; j++)
        f->xbuf[j] = NAN;
    for (size_t a = 0; a < b->nset; a++)
        f->xbuf[b->set[a]] = b->val[a];
    return f->xbuf;
}

/* Row k of the model matrix: of spec.X, or written by spec.row or spec.row_nz into f->xbuf. */
static const double *xrow(const fit *f, size_t k)
{
    if (f->s->X)
        return f->s->X + k * f->p;
    if (f->s->row_nz)
        return xrow_sparse(f, k);
    f->s->row(f->s->row_ctx, k, f->xbuf);
    return f->xbuf;
}

static size_t nonzeros(const double *x, size_t p, size_t *nz);

/* Row k and its nonzero columns (ascending, *q of them) into nz. */
static const double *xrow_nz(const fit *f, size_t k, size_t *nz, size_t *q)
{
    const double *x = xrow(f, k);
    if (f->s->row_nz && !f->xs->full) {
        *q = f->xs->nset;
        memcpy(nz, f->xs->set, *q * sizeof *nz);
    } else {
        *q = nonzeros(x, f->p, nz);
    }
    return x;
}

/* The rows in the model: in, finite y and X row, weight > 0. */
static helby_status fit_init(fit *f, const helby_glm_spec *s, const double *w, helby_error *err)
{
    memset(f, 0, sizeof *f);
    f->n = s->n, f->p = s->p, f->w = w, f->s = s;
    if (!(f->xbuf = calloc(s->p, sizeof *f->xbuf)))
        return helby_error_set(err, HELBY_ENOMEM, "out of memory fitting a model");
    if (s->row_nz &&
        (!(f->xs = calloc(1, sizeof *f->xs)) || !(f->xs->set = malloc(s->p * sizeof *f->xs->set)) ||
         !(f->xs->val = malloc(s->p * sizeof *f->xs->val))))
        return helby_error_set(err, HELBY_ENOMEM, "out of memory fitting a model");
    f->rows = malloc((s->n ? s->n : 1) * sizeof *f->rows);
    if (!f->rows)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory fitting a model");
    for (size_t k = 0; k < s->n; k++) {
        if ((s->in && !s->in[k]) || !(w[k] > 0) || !isfinite(s->y[k]))
            continue;
        const double *x = xrow(f, k);
        size_t j = 0;
        while (j < s->p && isfinite(x[j]))
            j++;
        if (j == s->p)
            f->rows[f->m++] = k;
    }
    if (f->m == 0)
        return helby_error_set(err, HELBY_EINPUT, "model: no respondent with every value");
    size_t m = f->m, p = s->p;
    f->z = malloc(m * sizeof *f->z);
    f->wt = malloc(m * sizeof *f->wt);
    f->mu = malloc(m * sizeof *f->mu);
    f->beta = malloc(p * sizeof *f->beta);
    f->covu = calloc(p * p, sizeof *f->covu);
    f->alias = calloc(p, 1);
    if (!f->z || !f->wt || !f->mu || !f->beta || !f->covu || !f->alias)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory fitting a model");
    return HELBY_OK;
}

/* The nonzero columns of row x (ascending) into nz; returns how many. Factor-coded rows are
 * mostly zeros: the cross-products below cost nnz^2, not p^2, per row. */
static size_t nonzeros(const double *x, size_t p, size_t *nz)
{
    size_t q = 0;
    for (size_t j = 0; j < p; j++)
        if (x[j] != 0)
            nz[q++] = j;
    return q;
}

/* b += sum wt x r over the model's rows (r = z - x'beta when resid, else z); with A, also
 * A += sum wt x x' (its upper triangle). */
static void cross(const fit *f, int resid, double *A, double *b, size_t *nz)
{
    const size_t p = f->p;
    for (size_t i = 0; i < f->m; i++) {
        size_t q;
        const double *x = xrow_nz(f, f->rows[i], nz, &q);
        double r = f->z[i];
        if (resid)
            for (size_t a = 0; a < q; a++)
                if (!f->alias[nz[a]])
                    r -= x[nz[a]] * f->beta[nz[a]];
        double wt = f->wt[i];
        for (size_t a = 0; a < q; a++) {
            double xa = wt * x[nz[a]];
            b[nz[a]] += xa * r;
            if (A)
                for (size_t c = a; c < q; c++)
                    A[nz[a] * p + nz[c]] += xa * x[nz[c]];
        }
    }
}

/* Cholesky of the cross-product scaled to unit diagonal, column by column in order: a column
 * whose part orthogonal to the earlier kept ones is below QR_TOL of its norm (squared: the
 * Schur complement's diagonal below QR_TOL^2) is aliased, R's dqrdc2 rule. L is p x p lower
 * (rows and columns of aliased columns unused); sc the scales 1 / sqrt(A_jj). */
static void chol_alias(fit *f, const double *A, double *L, double *sc)
{
    const size_t p = f->p;
    f->rank = 0;
    for (size_t j = 0; j < p; j++)
        sc[j] = A[j * p + j] > 0 ? 1 / sqrt(A[j * p + j]) : 0;
    for (size_t j = 0; j < p; j++) {
        f->alias[j] = !(sc[j] > 0) || f->rank == f->m;
        if (f->alias[j])
            continue;
        double d = 1;
        for (size_t l = 0; l < j; l++)
            if (!f->alias[l])
                d -= L[j * p + l] * L[j * p + l];
        if (!(d >= QR_TOL * QR_TOL)) {
            f->alias[j] = 1;
            continue;
        }
        L[j * p + j] = sqrt(d);
        f->rank++;
        for (size_t i = j + 1; i < p; i++) {
            double s = A[j * p + i] * sc[i] * sc[j];
            for (size_t l = 0; l < j; l++)
                if (!f->alias[l])
                    s -= L[i * p + l] * L[j * p + l];
            L[i * p + j] = s / L[j * p + j];
        }
    }
}

/* covu = A^-1 over the kept columns, from L and sc: A = D^-1 L L' D^-1 with D = diag(sc), so
 * A^-1 = D L^-T L^-1 D. Li is workspace. */
static void covu_from_l(fit *f, const double *L, const double *sc, double *Li)
{
    const size_t p = f->p;
    memset(Li, 0, p * p * sizeof *Li);
    for (size_t j = 0; j < p; j++) { /* Li = L^-1, lower, over the kept columns */
        if (f->alias[j])
            continue;
        Li[j * p + j] = 1 / L[j * p + j];
        for (size_t i = j + 1; i < p; i++) {
            if (f->alias[i])
                continue;
            double s = 0;
            for (size_t l = j; l < i; l++)
                if (!f->alias[l])
                    s += L[i * p + l] * Li[l * p + j];
            Li[i * p + j] = -s / L[i * p + i];
        }
    }
    memset(f->covu, 0, p * p * sizeof *f->covu);
    for (size_t a = 0; a < p; a++)
        for (size_t b = a; b < p && !f->alias[a]; b++) {
            if (f->alias[b])
                continue;
            double s = 0;
            for (size_t l = b; l < p; l++)
                s += Li[l * p + a] * Li[l * p + b];
            f->covu[a * p + b] = f->covu[b * p + a] = s * sc[a] * sc[b];
        }
}

/* Weighted least squares of f->z on X with weights f->wt over the model's rows: the aliased
 * columns, covu = (X'WX)^-1 and beta by the normal equations, then a step of iterative
 * refinement on the residuals (so that beta is as accurate as a QR's). -1: out of memory. */
static int wls(fit *f)
{
    const size_t p = f->p;
    double *A = calloc(p * p, sizeof *A), *L = calloc(p * p, sizeof *L);
    double *sc = malloc(p * sizeof *sc), *b = calloc(p, sizeof *b);
    size_t *nz = malloc(p * sizeof *nz);
    if (!A || !L || !sc || !b || !nz) {
        free(A), free(L), free(sc), free(b), free(nz);
        return -1;
    }
    cross(f, 0, A, b, nz);
    chol_alias(f, A, L, sc);
    covu_from_l(f, L, sc, A); /* A is the workspace from here on */
    for (size_t j = 0; j < p; j++)
        f->beta[j] = 0;
    for (int step = 0; step < 2; step++) {
        if (step) {
            memset(b, 0, p * sizeof *b);
            cross(f, 1, NULL, b, nz);
        }
        for (size_t a = 0; a < p; a++) {
            if (f->alias[a])
                continue;
            double s = 0;
            for (size_t c = 0; c < p; c++)
                s += f->covu[a * p + c] * b[c];
            f->beta[a] += s;
        }
    }
    for (size_t j = 0; j < p; j++)
        if (f->alias[j])
            f->beta[j] = NAN;
    free(A), free(L), free(sc), free(b), free(nz);
    return 0;
}

static double eta_of(const fit *f, const double *x)
{
    double e = 0;
    for (size_t j = 0; j < f->p; j++)
        if (!f->alias[j])
            e += x[j] * f->beta[j];
    return e;
}

/* eta of row k, over its nonzero columns when spec.row_nz gives them (the same sum: the
 * other terms are zero). */
static double eta_row(const fit *f, size_t k)
{
    const double *x = xrow(f, k);
    if (!f->s->row_nz || f->xs->full)
        return eta_of(f, x);
    double e = 0;
    for (size_t a = 0; a < f->xs->nset; a++) {
        size_t j = f->xs->set[a];
        if (!f->alias[j])
            e += x[j] * f->beta[j];
    }
    return e;
}

static double binom_dev(double y, double mu)
{
    double a = y > 0 ? y * log(y / mu) : 0, b = y < 1 ? (1 - y) * log((1 - y) / (1 - mu)) : 0;
    return 2 * (a + b);
}

/* Quasi-complete separation by a 0/1-valued column: every row with it has the same y (0 or
 * 1). Names the column; HELBY_OK when none does. */
static helby_status separation_check(const fit *f, const helby_glm_spec *s, helby_error *err)
{
    for (size_t j = 0; j < f->p; j++) {
        int indicator = 1, any = 0;
        double y0 = NAN, nz = NAN;
        int same = 1;
        for (size_t i = 0; i < f->m && indicator; i++) {
            size_t k = f->rows[i];
            double x = xrow(f, k)[j];
            if (x == 0)
                continue;
            if (isnan(nz))
                nz = x;
            if (x != nz) {
                indicator = 0;
                break;
            }
            double y = s->y[k];
            if (!any)
                y0 = y, any = 1;
            same &= y == y0;
        }
        if (indicator && any && same && (y0 == 0 || y0 == 1)) {
            char buf[32];
            return helby_error_set(err, HELBY_EINPUT,
                                   "logistic model: complete or quasi-complete separation: every "
                                   "respondent with %s has response %g (the coefficient is "
                                   "infinite); drop or merge the term",
                                   col_name(s, j, buf, sizeof buf), y0);
        }
    }
    return HELBY_OK;
}

/* IRLS for the logit link (R glm.fit: start from mu = (w y + 1/2) / (w + 1), w the weights
 * over their mean; stop when |dev - dev_old| / (|dev| + 0.1) < tol), then two more steps so
 * that the coefficients are those of the solution rather than of the stopping point. */
static helby_status irls(fit *f, const helby_glm_spec *s, helby_error *err)
{
    const size_t m = f->m;
    double wbar = 0;
    for (size_t i = 0; i < m; i++)
        wbar += f->w[f->rows[i]] / (double)m;
    for (size_t i = 0; i < m; i++) {
        double pw = f->w[f->rows[i]] / wbar;
        f->mu[i] = (pw * s->y[f->rows[i]] + 0.5) / (pw + 1);
    }
    double dev_old = INFINITY, dev_first = 0;
    int conv = 0, extra = 0, max_iter = s->max_iter > 0 ? s->max_iter : 25;
    double tol = s->tol > 0 ? s->tol : 1e-8;
    for (f->iter = 1; f->iter <= max_iter + 2; f->iter++) {
        for (size_t i = 0; i < m; i++) {
            size_t k = f->rows[i];
            double mu = f->mu[i], v = mu * (1 - mu);
            double eta = f->iter == 1 ? log(mu / (1 - mu)) : eta_row(f, k);
            f->wt[i] = f->w[k] * v;
            f->z[i] = eta + (s->y[k] - mu) / v;
        }
        if (wls(f))
            return helby_error_set(err, HELBY_ENOMEM, "out of memory fitting a model");
        double dev = 0;
        for (size_t i = 0; i < m; i++) {
            size_t k = f->rows[i];
            /* eta within +-30 as R's logit link inverse: mu stays off 0 and 1 */
            double mu = 1 / (1 + exp(-fmax(-30, fmin(30, eta_row(f, k)))));
            f->mu[i] = mu;
            dev += f->w[k] * binom_dev(s->y[k], mu);
        }
        if (f->iter == 1)
            dev_first = dev;
        if (conv && ++extra == 2)
            break;
        if (!conv && fabs(dev - dev_old) / (fabs(dev) + 0.1) < tol)
            conv = 1;
        else if (!conv && f->iter >= max_iter)
            break;
        dev_old = dev;
    }
    /* Separation: fitted probabilities at 0 or 1, or (not converged) on their way there with
     * the deviance collapsing. */
    double lo = 1, hi = 0, thr = conv ? 1e-10 : 1e-8;
    for (size_t i = 0; i < m; i++)
        lo = fmin(lo, f->mu[i]), hi = fmax(hi, f->mu[i]);
    if (lo < thr || hi > 1 - thr || (!conv && dev_old < 1e-3 * dev_first))
        return helby_error_set(err, HELBY_EINPUT,
                               "logistic model: complete or quasi-complete separation: fitted "
                               "probabilities 0 or 1 (the coefficients are infinite)");
    if (!conv)
        return helby_error_set(err, HELBY_ENUMERIC,
                               "logistic model: IRLS did not converge in %d iterations", max_iter);
    return HELBY_OK;
}

/* The point fit with prior weights w: rows, aliasing, beta, mu, covu. */
static helby_status fit_point(fit *f, const helby_glm_spec *s, const double *w, helby_error *err)
{
    helby_status st = fit_init(f, s, w, err);
    if (st)
        return st;
    if (s->family == HELBY_GLM_QUASIBINOMIAL) {
        for (size_t i = 0; i < f->m; i++) {
            double y = s->y[f->rows[i]];
            if (y < 0 || y > 1)
                return helby_error_set(err, HELBY_EINPUT,
                                       "logistic model: response %g (row %zu) is outside [0, 1]: "
                                       "a logistic model needs a 0/1 share",
                                       y, f->rows[i] + 1);
        }
        if ((st = separation_check(f, s, err)))
            return st;
        st = irls(f, s, err);
    } else {
        for (size_t i = 0; i < f->m; i++)
            f->wt[i] = w[f->rows[i]], f->z[i] = s->y[f->rows[i]];
        if (wls(f))
            return helby_error_set(err, HELBY_ENOMEM, "out of memory fitting a model");
        for (size_t i = 0; i < f->m; i++)
            f->mu[i] = eta_row(f, f->rows[i]);
        f->iter = 1;
    }
    if (!st && f->rank == 0)
        st = helby_error_set(err, HELBY_EINPUT, "model: every column is aliased (all zero?)");
    return st;
}

/* ---- results ---- */

static helby_glm *glm_new(const fit *f, const helby_glm_spec *s)
{
    helby_glm *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->n = s->n, g->p = s->p, g->n_used = f->m, g->family = s->family;
    g->df_rule = s->df_rule;
    g->iterations = f->iter;
    g->coef = calloc(s->p, sizeof *g->coef);
    g->vcov = calloc(s->p * s->p, sizeof *g->vcov);
    g->mu = malloc((s->n ? s->n : 1) * sizeof *g->mu);
    if (!g->coef || !g->vcov || !g->mu) {
        helby_glm_free(g);
        return NULL;
    }
    for (size_t k = 0; k < s->n; k++)
        g->mu[k] = NAN;
    for (size_t i = 0; i < f->m; i++) {
        g->mu[f->rows[i]] = f->mu[i];
        g->sum_w += f->w[f->rows[i]];
    }
    return g;
}

/* SE, t, p and CI from vcov and df; the dispersion (R summary.svyglm: svyvar of the Pearson
 * residuals over the model's rows). */
static helby_status glm_finish(helby_glm *g, const fit *f, const helby_glm_spec *s, double dfd,
                               int calibrated, helby_error *err)
{
    const size_t p = s->p;
    g->df_design = dfd;
    g->df = s->df_rule == HELBY_GLM_DF_DESIGN ? dfd : dfd + 1 - (double)f->rank;
    if (!(g->df > 0))
        return helby_error_set(err, HELBY_EINPUT,
                               "model: residual degrees of freedom %g <= 0 (%zu coefficients, "
                               "design df %g): fewer terms, or more PSUs, are needed",
                               g->df, f->rank, dfd);
    double level = s->level > 0 ? s->level : 0.95;
    double q = gsl_cdf_tdist_Qinv((1 - level) / 2, g->df);
    for (size_t j = 0; j < p; j++) {
        helby_glm_coef *c = &g->coef[j];
        if (f->alias[j]) {
            c->aliased = 1;
            c->estimate = c->se = c->t = c->p = c->ci_low = c->ci_high = NAN;
            for (size_t l = 0; l < p; l++)
                g->vcov[j * p + l] = g->vcov[l * p + j] = NAN;
            continue;
        }
        c->estimate = f->beta[j];
        c->se = sqrt(g->vcov[j * p + j]);
        c->t = c->estimate / c->se;
        c->p = 2 * gsl_cdf_tdist_Q(fabs(c->t), g->df);
        c->ci_low = c->estimate - q * c->se;
        c->ci_high = c->estimate + q * c->se;
    }
    double sw = 0, sr = 0, srr = 0;
    for (size_t i = 0; i < f->m; i++) {
        size_t k = f->rows[i];
        double mu = f->mu[i], v = s->family == HELBY_GLM_GAUSSIAN ? 1 : mu * (1 - mu);
        double r = (s->y[k] - mu) / sqrt(v);
        sw += f->w[k], sr += f->w[k] * r;
    }
    for (size_t i = 0; i < f->m; i++) {
        size_t k = f->rows[i];
        double mu = f->mu[i], v = s->family == HELBY_GLM_GAUSSIAN ? 1 : mu * (1 - mu);
        double r = (s->y[k] - mu) / sqrt(v) - sr / sw;
        srr += f->w[k] * r * r;
    }
    /* R's Pearson residuals carry sqrt(prior / design weights), the former over their mean
     * on the model's data (every row of the subpopulation, a missing value or not), the
     * latter over the rows left after the missing ones: a factor mean_used / mean_in; on a
     * calibrated design R keeps those rows with weight 0 in the mean: sum_used / sum_in. */
    double m = (double)f->m, win = 0, nin = 0;
    for (size_t k = 0; k < s->n; k++)
        if (!s->in || s->in[k])
            win += f->w[k], nin++;
    double c = !(nin > 0 && win > 0) ? 1 : calibrated ? sw / win : (sw / m) / (win / nin);
    g->dispersion = m > 1 ? c * srr / sw * m / (m - 1) : NAN;
    return HELBY_OK;
}

/* ---- linearization ---- */

helby_status helby_design_vcov_influence(const helby_design *d, const double *Z, size_t D,
                                         double *V, helby_error *err)
{
    const size_t n = d->n, P = d->P;
    double *T = calloc(P * D + 1, sizeof *T);
    if (!T)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory in a design variance");
    for (size_t k = 0; k < n; k++) {
        double *t = T + (size_t)d->psu[k] * D;
        for (size_t g = 0; g < D; g++)
            t[g] += Z[k * D + g];
    }
    if (d->cal) {
        /* helby_cal_residualize takes the values z with w z the influence, one domain at a
         * time: column g as domain 0 of a one-column T. */
        double *z = malloc(n * sizeof *z), *Tg = malloc(P * sizeof *Tg);
        long *dom = malloc(n * sizeof *dom);
        int rc = !z || !Tg || !dom;
        for (size_t g = 0; g < D && !rc; g++) {
            for (size_t k = 0; k < n; k++) {
                z[k] = d->w[k] > 0 ? Z[k * D + g] / d->w[k] : 0;
                dom[k] = 0;
            }
            for (size_t i = 0; i < P; i++)
                Tg[i] = T[i * D + g];
            rc = helby_cal_residualize(d, z, dom, 1, Tg);
            for (size_t i = 0; i < P; i++)
                T[i * D + g] = Tg[i];
        }
        free(z), free(Tg), free(dom);
        if (rc) {
            free(T);
            return helby_error_set(err, HELBY_ENOMEM, "out of memory in a design variance");
        }
    }
    helby_design_vcov(d, T, D, V);
    free(T);
    return HELBY_OK;
}

/* Design df as R degf on the model's subset: PSUs with a row in the model - their strata. */
static double subset_df(const helby_design *d, const fit *f)
{
    unsigned char *ps = calloc(d->P ? d->P : 1, 1), *hs = calloc(d->H ? d->H : 1, 1);
    if (!ps || !hs) {
        free(ps), free(hs);
        return NAN;
    }
    double np = 0, nh = 0;
    for (size_t i = 0; i < f->m; i++) {
        uint32_t q = d->psu[f->rows[i]];
        if (!ps[q]) {
            ps[q] = 1, np++;
            size_t h = d->stratum_of_psu[q];
            if (!hs[h])
                hs[h] = 1, nh++;
        }
    }
    free(ps), free(hs);
    return np - nh;
}

static helby_status spec_check(const helby_glm_spec *s, size_t n, helby_error *err)
{
    if (!s || (!s->X && !s->row && !s->row_nz) || !s->y || s->p == 0)
        return helby_error_set(err, HELBY_EUSAGE, "model: no model matrix or response");
    if (s->n != n)
        return helby_error_set(err, HELBY_EUSAGE, "model: %zu rows, the design has %zu", s->n, n);
    return HELBY_OK;
}

/* The PSU totals of the scores U_k = w_k (y_k - mu_k) x_k (R's estfun: working residual
 * times working weight is w (y - mu) for both links), with calibration residuals, times
 * A^-1: the totals of the influence values Z = U A^-1 without storing Z (n x p); then their
 * design covariance. */
static helby_status lin_vcov(const helby_design *d, const helby_glm_spec *s, const fit *f,
                             double *V, helby_error *err)
{
    const size_t p = s->p, P = d->P;
    double *T = calloc(P * p + 1, sizeof *T), *TZ = calloc(P * p + 1, sizeof *TZ);
    double *z = d->cal ? calloc(s->n + 1, sizeof *z) : NULL, *Tg = malloc((P + 1) * sizeof *Tg);
    long *dom = d->cal ? calloc(s->n + 1, sizeof *dom) : NULL;
    size_t *nz = malloc(p * sizeof *nz);
    int rc = !T || !TZ || !Tg || !nz || (d->cal && (!z || !dom));
    for (size_t i = 0; i < f->m && !rc; i++) {
        size_t k = f->rows[i];
        size_t q;
        const double *x = xrow_nz(f, k, nz, &q);
        double u = d->w[k] * (s->y[k] - f->mu[i]), *t = T + (size_t)d->psu[k] * p;
        for (size_t a = 0; a < q; a++)
            t[nz[a]] += u * x[nz[a]];
    }
    for (size_t j = 0; j < p && d->cal && !rc; j++) { /* z = U / w, column by column */
        if (f->alias[j])
            continue;
        for (size_t i = 0; i < f->m; i++) {
            size_t k = f->rows[i];
            z[k] = (s->y[k] - f->mu[i]) * xrow(f, k)[j];
        }
        for (size_t h = 0; h < P; h++)
            Tg[h] = T[h * p + j];
        rc = helby_cal_residualize(d, z, dom, 1, Tg);
        for (size_t h = 0; h < P; h++)
            T[h * p + j] = Tg[h];
    }
    for (size_t h = 0; h < P && !rc; h++)
        for (size_t a = 0; a < p; a++) {
            double v = T[h * p + a];
            if (v != 0)
                for (size_t j = 0; j < p; j++)
                    TZ[h * p + j] += v * f->covu[a * p + j];
        }
    if (!rc)
        helby_design_vcov(d, TZ, p, V);
    free(T), free(TZ), free(z), free(Tg), free(dom), free(nz);
    return rc ? helby_error_set(err, HELBY_ENOMEM, "out of memory in a model's variance")
              : HELBY_OK;
}

/* The influence values Z_k = U_k A^-1 (n x p) into g->influence, for callers that combine
 * them with others (helby_design_vcov_influence). */
static helby_status lin_influence(const helby_design *d, const helby_glm_spec *s, const fit *f,
                                  helby_glm *g, helby_error *err)
{
    const size_t p = s->p;
    size_t *nz = malloc(p * sizeof *nz);
    if (!nz || !(g->influence = calloc(s->n * p + 1, sizeof *g->influence))) {
        free(nz);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory fitting a model");
    }
    for (size_t i = 0; i < f->m; i++) {
        size_t k = f->rows[i];
        size_t q;
        const double *x = xrow_nz(f, k, nz, &q);
        double u = d->w[k] * (s->y[k] - f->mu[i]), *zk = g->influence + k * p;
        for (size_t a = 0; a < q; a++) {
            double xa = u * x[nz[a]];
            for (size_t j = 0; j < p; j++)
                zk[j] += xa * f->covu[nz[a] * p + j];
        }
    }
    free(nz);
    return HELBY_OK;
}

helby_status helby_glm_fit(const helby_design *d, const helby_glm_spec *s, helby_glm **out,
                           helby_error *err)
{
    *out = NULL;
    helby_status st = spec_check(s, d->n, err);
    if (st)
        return st;
    gsl_error_handler_t *old = gsl_set_error_handler_off(); /* a library must not abort */
    fit f;
    helby_glm *g = NULL;
    if ((st = fit_point(&f, s, d->w, err)))
        goto done;
    if (!(g = glm_new(&f, s))) {
        st = helby_error_set(err, HELBY_ENOMEM, "out of memory fitting a model");
        goto done;
    }
    if ((st = lin_vcov(d, s, &f, g->vcov, err)) ||
        (!s->no_influence && (st = lin_influence(d, s, &f, g, err))))
        goto done;
    double dfd = s->df_rule == HELBY_GLM_DF_DESIGN ? helby_design_df(d) : subset_df(d, &f);
    st = glm_finish(g, &f, s, dfd, d->cal != NULL, err);
done:
    fit_free(&f);
    gsl_set_error_handler(old);
    if (st)
        helby_glm_free(g);
    else
        *out = g;
    return st;
}

/* ---- replicates ---- */

/* Solve H delta = g (q x q, symmetric positive definite) by Cholesky after scaling by the
 * diagonal. Returns -1 when H is not positive definite. */
static int spd_solve(double *H, double *g, size_t q)
{
    double *sc = malloc(q * sizeof *sc);
    if (!sc)
        return -1;
    for (size_t a = 0; a < q; a++)
        sc[a] = H[a * q + a] > 0 ? 1 / sqrt(H[a * q + a]) : 1;
    for (size_t a = 0; a < q; a++) {
        g[a] *= sc[a];
        for (size_t b = 0; b < q; b++)
            H[a * q + b] *= sc[a] * sc[b];
    }
    gsl_matrix_view Hm = gsl_matrix_view_array(H, q, q);
    gsl_vector_view gv = gsl_vector_view_array(g, q);
    int rc =
        gsl_linalg_cholesky_decomp1(&Hm.matrix) || gsl_linalg_cholesky_svx(&Hm.matrix, &gv.vector);
    for (size_t a = 0; a < q; a++)
        g[a] *= sc[a];
    free(sc);
    return rc ? -1 : 0;
}

typedef struct repctx {
    const helby_replicates *r;
    const helby_glm_spec *s;
    const fit *f;
    size_t q;      /* non-aliased columns */
    size_t *cols;  /* q */
    double *H, *g; /* q x q, q */
    double *eta;   /* m: the replicate's linear predictor */
} repctx;

/* One Newton step of replicate rep from beta (q), over the rows: beta += H^-1 g. */
static int rep_step(repctx *c, size_t rep, double *beta, double *step)
{
    const size_t q = c->q;
    memset(c->H, 0, q * q * sizeof *c->H);
    memset(c->g, 0, q * sizeof *c->g);
    int logit = c->s->family == HELBY_GLM_QUASIBINOMIAL;
    for (size_t i = 0; i < c->f->m; i++) {
        size_t k = c->f->rows[i];
        double w = helby_replicates_weight(c->r, k, rep);
        if (w == 0)
            continue;
        const double *x = xrow(c->f, k);
        double eta = 0;
        for (size_t a = 0; a < q; a++)
            eta += x[c->cols[a]] * beta[a];
        double mu = logit ? 1 / (1 + exp(-eta)) : eta, v = logit ? mu * (1 - mu) : 1;
        double u = w * (c->s->y[k] - mu), wv = w * v;
        for (size_t a = 0; a < q; a++) {
            double xa = x[c->cols[a]];
            c->g[a] += u * xa;
            for (size_t b = 0; b <= a; b++)
                c->H[a * q + b] += wv * xa * x[c->cols[b]];
        }
    }
    for (size_t a = 0; a < q; a++)
        for (size_t b = 0; b < a; b++)
            c->H[b * q + a] = c->H[a * q + b];
    if (spd_solve(c->H, c->g, q))
        return -1;
    double mx = 0;
    for (size_t a = 0; a < q; a++) {
        beta[a] += c->g[a];
        mx = fmax(mx, fabs(c->g[a]) / (fabs(beta[a]) + 1e-3));
    }
    *step = mx;
    return 0;
}

/* The replicate's coefficients (q) re-fitted from the full-sample ones. */
static helby_status rep_fit(repctx *c, size_t rep, double *beta, helby_error *err)
{
    for (size_t a = 0; a < c->q; a++)
        beta[a] = c->f->beta[c->cols[a]];
    int max_iter = c->s->max_iter > 0 ? c->s->max_iter : 25;
    for (int it = 0; it < max_iter + 3; it++) {
        double step;
        if (rep_step(c, rep, beta, &step))
            return helby_error_set(err, HELBY_EINPUT,
                                   "model: replicate %zu has a singular cross-product (a term "
                                   "with no respondents in it)",
                                   rep + 1);
        if (c->s->family == HELBY_GLM_GAUSSIAN)
            return HELBY_OK;
        if (step < 1e-12)
            return HELBY_OK;
    }
    return helby_error_set(err, HELBY_ENUMERIC, "logistic model: replicate %zu did not converge",
                           rep + 1);
}

/* The PSU sums of the cross-products w x x' (lower triangle, kept columns) and of the scores
 * w x e (e the full fit's residuals) into T (P x D, D = q (q + 1) / 2 + q). */
static int rep_psu_sums(const repctx *c, double *T, size_t D)
{
    const size_t p = c->s->p, q = c->q, tri = q * (q + 1) / 2;
    size_t *kidx = malloc(p * sizeof *kidx), *nz = malloc(p * sizeof *nz);
    if (!kidx || !nz) {
        free(kidx), free(nz);
        return -1;
    }
    for (size_t j = 0; j < p; j++)
        kidx[j] = SIZE_MAX;
    for (size_t a = 0; a < q; a++)
        kidx[c->cols[a]] = a;
    for (size_t i = 0; i < c->f->m; i++) {
        size_t k = c->f->rows[i], m = 0;
        size_t nq;
        const double *x = xrow_nz(c->f, k, nz, &nq);
        double w = c->r->w[k], e = c->s->y[k] - c->f->mu[i], *t = T + (size_t)c->r->psu[k] * D;
        for (size_t a = 0; a < nq; a++)
            if (kidx[nz[a]] != SIZE_MAX)
                nz[m++] = nz[a];
        for (size_t a = 0; a < m; a++) {
            size_t ka = kidx[nz[a]];
            double xa = w * x[nz[a]];
            t[tri + ka] += xa * e;
            for (size_t b = 0; b <= a; b++) /* nz ascending: kidx[nz[b]] <= ka */
                t[ka * (ka + 1) / 2 + kidx[nz[b]]] += xa * x[nz[b]];
        }
    }
    free(kidx), free(nz);
    return 0;
}

/* Linear model, jackknife or multiplier replicates: beta_r = beta + H_r^-1 g_r, H_r and g_r
 * the replicate's sums of w x x' and w x e from the PSU sums (helby_replicates_sums), exact
 * for least squares (one Newton step from the full fit) and O(PSUs) rather than O(rows) per
 * replicate. */
static helby_status rep_linear_sums(repctx *c, double *B, helby_error *err)
{
    const size_t q = c->q, D = q * (q + 1) / 2 + q, P = c->r->P, R = c->r->R;
    double *T = calloc(P * D + 1, sizeof *T), *S0 = calloc(D, sizeof *S0);
    double *S = malloc((R * D + 1) * sizeof *S);
    int rc = !T || !S0 || !S || rep_psu_sums(c, T, D);
    for (size_t h = 0; h < P && !rc; h++)
        for (size_t j = 0; j < D; j++)
            S0[j] += T[h * D + j];
    rc = rc || helby_replicates_sums(c->r, T, S0, D, S);
    helby_status st =
        rc ? helby_error_set(err, HELBY_ENOMEM, "out of memory fitting replicates") : HELBY_OK;
    for (size_t rep = 0; rep < R && !st; rep++) {
        const double *sr = S + rep * D;
        for (size_t a = 0; a < q; a++) {
            c->g[a] = sr[q * (q + 1) / 2 + a];
            for (size_t b = 0; b <= a; b++)
                c->H[a * q + b] = c->H[b * q + a] = sr[a * (a + 1) / 2 + b];
        }
        size_t worst = 0; /* the column the replicate leaves emptiest */
        for (size_t a = 1; a < q; a++)
            if (sr[a * (a + 1) / 2 + a] * S0[worst * (worst + 3) / 2] <
                sr[worst * (worst + 3) / 2] * S0[a * (a + 1) / 2 + a])
                worst = a;
        if (spd_solve(c->H, c->g, q)) {
            char buf[32];
            st = helby_error_set(err, HELBY_EINPUT,
                                 "model: replicate %zu leaves column %s (nearly) without "
                                 "respondents, so the model cannot be re-fitted on it; merge "
                                 "levels or drop the term (R discards such replicates)",
                                 rep + 1, col_name(c->s, c->cols[worst], buf, sizeof buf));
        }
        for (size_t a = 0; a < q && !st; a++)
            B[rep * q + a] = c->f->beta[c->cols[a]] + c->g[a];
    }
    free(T), free(S0), free(S);
    return st;
}

static helby_status rep_variance(const helby_replicates *r, const helby_glm_spec *s, const fit *f,
                                 helby_glm *g, helby_error *err)
{
    const size_t p = s->p, R = r->R;
    repctx c = {r,
                s,
                f,
                0,
                malloc(p * sizeof(size_t)),
                malloc(p * p * sizeof(double)),
                malloc(p * sizeof(double)),
                NULL};
    double *B = malloc((R ? R : 1) * p * sizeof *B), *cen = calloc(p, sizeof *cen);
    helby_status st = HELBY_OK;
    if (!c.cols || !c.H || !c.g || !B || !cen) {
        st = helby_error_set(err, HELBY_ENOMEM, "out of memory fitting replicates");
        goto done;
    }
    for (size_t j = 0; j < p; j++)
        if (!f->alias[j])
            c.cols[c.q++] = j;
    if (s->family == HELBY_GLM_GAUSSIAN && !r->full)
        st = rep_linear_sums(&c, B, err);
    else
        for (size_t rep = 0; rep < R && !st; rep++)
            st = rep_fit(&c, rep, B + rep * c.q, err);
    if (st)
        goto done;
    double npos = 0;
    for (size_t rep = 0; rep < R; rep++)
        if (r->rscales[rep] > 0) {
            npos++;
            for (size_t a = 0; a < c.q; a++)
                cen[a] += B[rep * c.q + a];
        }
    for (size_t a = 0; a < c.q; a++)
        cen[a] = r->mse ? f->beta[c.cols[a]] : cen[a] / npos;
    for (size_t a = 0; a < c.q; a++)
        for (size_t b = 0; b < c.q; b++) {
            double v = 0;
            for (size_t rep = 0; rep < R; rep++)
                v += r->rscales[rep] * (B[rep * c.q + a] - cen[a]) * (B[rep * c.q + b] - cen[b]);
            g->vcov[c.cols[a] * p + c.cols[b]] = r->scale * v;
        }
done:
    free(c.cols), free(c.H), free(c.g), free(B), free(cen);
    return st;
}

helby_status helby_glm_fit_replicates(const helby_replicates *r, const helby_glm_spec *s,
                                      helby_glm **out, helby_error *err)
{
    *out = NULL;
    helby_status st = spec_check(s, r->n, err);
    if (st)
        return st;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    fit f;
    helby_glm *g = NULL;
    if ((st = fit_point(&f, s, r->w, err)))
        goto done;
    if (!(g = glm_new(&f, s))) {
        st = helby_error_set(err, HELBY_ENOMEM, "out of memory fitting a model");
        goto done;
    }
    if ((st = rep_variance(r, s, &f, g, err)))
        goto done;
    st = glm_finish(g, &f, s, helby_replicates_df(r), 0, err);
done:
    fit_free(&f);
    gsl_set_error_handler(old);
    if (st)
        helby_glm_free(g);
    else
        *out = g;
    return st;
}

/* ---- Wald tests ---- */

helby_status helby_glm_wald(const helby_glm *m, const size_t *cols, size_t k, helby_wald *out,
                            helby_error *err)
{
    memset(out, 0, sizeof *out);
    size_t *c = malloc((k ? k : 1) * sizeof *c), q = 0;
    if (!c)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory in a Wald test");
    for (size_t i = 0; i < k; i++) {
        if (cols[i] >= m->p) {
            free(c);
            return helby_error_set(err, HELBY_EUSAGE, "Wald test: column %zu of %zu", cols[i],
                                   m->p);
        }
        if (!m->coef[cols[i]].aliased)
            c[q++] = cols[i];
    }
    if (q == 0) {
        free(c);
        return helby_error_set(err, HELBY_EINPUT, "Wald test: every column is aliased");
    }
    double *V = malloc(q * q * sizeof *V), *b = malloc(q * sizeof *b);
    double *bb = malloc(q * sizeof *bb);
    helby_status st = HELBY_OK;
    if (!V || !b || !bb)
        st = helby_error_set(err, HELBY_ENOMEM, "out of memory in a Wald test");
    for (size_t i = 0; i < q && !st; i++) {
        b[i] = bb[i] = m->coef[c[i]].estimate;
        for (size_t j = 0; j < q; j++)
            V[i * q + j] = m->vcov[c[i] * m->p + c[j]];
    }
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    if (!st && spd_solve(V, b, q))
        st = helby_error_set(err, HELBY_ENUMERIC,
                             "Wald test: the coefficients' covariance is singular");
    gsl_set_error_handler(old);
    if (!st) {
        double chi = 0;
        for (size_t i = 0; i < q; i++)
            chi += bb[i] * b[i];
        out->chisq = chi;
        out->df1 = (double)q;
        out->df2 = m->df;
        out->F = chi / (double)q;
        out->p = gsl_cdf_fdist_Q(out->F, out->df1, out->df2);
    }
    free(c), free(V), free(b), free(bb);
    return st;
}
