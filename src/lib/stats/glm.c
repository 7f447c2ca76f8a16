/* glm.c — design-based linear and logistic models (helby/glm.h; docs/method.md, design-based
 * regression): weighted least squares by Householder QR with R's limited pivoting (dqrdc2,
 * tolerance 1e-7: a column whose part orthogonal to the earlier ones is below 1e-7 of its norm
 * is aliased), IRLS for the logit link, the sandwich variance by linearization (influence
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
    double *Q;       /* m x p column-major: sqrt(wt) X, then Householder vectors */
    double *z;       /* m working response, then Q'z */
    double *wt;      /* m working weights */
    double *beta;    /* p (NaN aliased) */
    double *covu;    /* p x p: (X' W X)^-1 over the non-aliased columns, 0 elsewhere */
    unsigned char *alias;
    size_t rank;
    double *mu; /* m fitted means */
    int iter;
} fit;

static void fit_free(fit *f)
{
    free(f->rows), free(f->Q), free(f->z), free(f->wt), free(f->beta), free(f->covu);
    free(f->alias), free(f->mu);
}

/* The rows in the model: in, finite y and X row, weight > 0. */
static helby_status fit_init(fit *f, const helby_glm_spec *s, const double *w, helby_error *err)
{
    memset(f, 0, sizeof *f);
    f->n = s->n, f->p = s->p, f->w = w;
    f->rows = malloc((s->n ? s->n : 1) * sizeof *f->rows);
    if (!f->rows)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory fitting a model");
    for (size_t k = 0; k < s->n; k++) {
        if ((s->in && !s->in[k]) || !(w[k] > 0) || !isfinite(s->y[k]))
            continue;
        const double *x = s->X + k * s->p;
        size_t j = 0;
        while (j < s->p && isfinite(x[j]))
            j++;
        if (j == s->p)
            f->rows[f->m++] = k;
    }
    if (f->m == 0)
        return helby_error_set(err, HELBY_EINPUT, "model: no respondent with every value");
    size_t m = f->m, p = s->p;
    f->Q = malloc(m * p * sizeof *f->Q);
    f->z = malloc(m * sizeof *f->z);
    f->wt = malloc(m * sizeof *f->wt);
    f->mu = malloc(m * sizeof *f->mu);
    f->beta = malloc(p * sizeof *f->beta);
    f->covu = calloc(p * p, sizeof *f->covu);
    f->alias = calloc(p, 1);
    if (!f->Q || !f->z || !f->wt || !f->mu || !f->beta || !f->covu || !f->alias)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory fitting a model");
    return HELBY_OK;
}

/* Householder reflector of the column part v[0..len-1] in place: v becomes the vector u with
 * H = I - u u' / tau... returned as the diagonal entry of R; u[0] holds the scaled first. */
static double house(double *v, size_t len, double *beta_out)
{
    double norm = 0;
    for (size_t i = 0; i < len; i++)
        norm += v[i] * v[i];
    norm = sqrt(norm);
    double alpha = v[0] > 0 ? -norm : norm;
    v[0] -= alpha;
    double unorm2 = 0;
    for (size_t i = 0; i < len; i++)
        unorm2 += v[i] * v[i];
    *beta_out = unorm2 > 0 ? 2 / unorm2 : 0;
    return alpha;
}

static void house_apply(const double *u, double b, double *c, size_t len)
{
    double s = 0;
    for (size_t i = 0; i < len; i++)
        s += u[i] * c[i];
    s *= b;
    for (size_t i = 0; i < len; i++)
        c[i] -= s * u[i];
}

/* (R'R)^-1 of the kept columns into f->covu, from the upper triangle Rk (r x r). */
static void covu_from_r(fit *f, const double *Rk, const size_t *kept, size_t r)
{
    size_t p = f->p;
    double *Ri = calloc(r * r + 1, sizeof *Ri);
    if (!Ri)
        return;
    for (size_t j = r; j-- > 0;) { /* Ri = Rk^-1, upper triangular */
        Ri[j * r + j] = 1 / Rk[j * r + j];
        for (size_t i = j; i-- > 0;) {
            double s = 0;
            for (size_t l = i + 1; l <= j; l++)
                s += Rk[i * r + l] * Ri[l * r + j];
            Ri[i * r + j] = -s / Rk[i * r + i];
        }
    }
    memset(f->covu, 0, p * p * sizeof *f->covu);
    for (size_t a = 0; a < r; a++)
        for (size_t b = a; b < r; b++) {
            double s = 0;
            for (size_t l = b; l < r; l++)
                s += Ri[a * r + l] * Ri[b * r + l];
            f->covu[kept[a] * p + kept[b]] = f->covu[kept[b] * p + kept[a]] = s;
        }
    free(Ri);
}

/* Weighted least squares of f->z on X with weights f->wt over the model's rows: beta, the
 * aliased columns (R's dqrdc2 rule, in column order) and covu. Returns -1 out of memory. */
static int wls(fit *f, const double *X)
{
    const size_t m = f->m, p = f->p;
    double *norm0 = malloc(p * sizeof *norm0), *Rk = calloc(p * p, sizeof *Rk);
    double *tau = malloc(p * sizeof *tau);
    size_t *kept = malloc(p * sizeof *kept);
    if (!norm0 || !Rk || !tau || !kept) {
        free(norm0), free(Rk), free(tau), free(kept);
        return -1;
    }
    for (size_t i = 0; i < m; i++) {
        double sw = sqrt(f->wt[i]);
        const double *x = X + f->rows[i] * p;
        for (size_t j = 0; j < p; j++)
            f->Q[j * m + i] = sw * x[j];
        f->z[i] *= sw;
    }
    for (size_t j = 0; j < p; j++) {
        double s = 0;
        for (size_t i = 0; i < m; i++)
            s += f->Q[j * m + i] * f->Q[j * m + i];
        norm0[j] = sqrt(s);
    }
    size_t r = 0;
    for (size_t j = 0; j < p; j++) {
        double *c = f->Q + j * m;
        for (size_t a = 0; a < r; a++) /* earlier reflectors */
            house_apply(f->Q + kept[a] * m + a, tau[a], c + a, m - a);
        double rest = 0;
        for (size_t i = r; i < m; i++)
            rest += c[i] * c[i];
        f->alias[j] = !(norm0[j] > 0) || r == m || sqrt(rest) < QR_TOL * norm0[j];
        if (f->alias[j])
            continue;
        for (size_t a = 0; a < r; a++)
            Rk[a * p + r] = c[a];
        Rk[r * p + r] = house(c + r, m - r, &tau[r]);
        kept[r++] = j;
    }
    for (size_t a = 0; a < r; a++)
        house_apply(f->Q + kept[a] * m + a, tau[a], f->z + a, m - a);
    double *b = calloc(r ? r : 1, sizeof *b), *Rs = calloc(r * r + 1, sizeof *Rs);
    if (!b || !Rs) {
        free(norm0), free(Rk), free(tau), free(kept), free(b), free(Rs);
        return -1;
    }
    for (size_t a = 0; a < r; a++)
        for (size_t c2 = a; c2 < r; c2++)
            Rs[a * r + c2] = Rk[a * p + c2];
    for (size_t a = r; a-- > 0;) {
        double s = f->z[a];
        for (size_t l = a + 1; l < r; l++)
            s -= Rs[a * r + l] * b[l];
        b[a] = s / Rs[a * r + a];
    }
    for (size_t j = 0; j < p; j++)
        f->beta[j] = NAN;
    for (size_t a = 0; a < r; a++)
        f->beta[kept[a]] = b[a];
    f->rank = r;
    covu_from_r(f, Rs, kept, r);
    free(norm0), free(Rk), free(tau), free(kept), free(b), free(Rs);
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
            double x = s->X[k * f->p + j];
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
            double eta = f->iter == 1 ? log(mu / (1 - mu)) : eta_of(f, s->X + k * f->p);
            f->wt[i] = f->w[k] * v;
            f->z[i] = eta + (s->y[k] - mu) / v;
        }
        if (wls(f, s->X))
            return helby_error_set(err, HELBY_ENOMEM, "out of memory fitting a model");
        double dev = 0;
        for (size_t i = 0; i < m; i++) {
            size_t k = f->rows[i];
            /* eta within +-30 as R's logit link inverse: mu stays off 0 and 1 */
            double mu = 1 / (1 + exp(-fmax(-30, fmin(30, eta_of(f, s->X + k * f->p)))));
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
        if (wls(f, s->X))
            return helby_error_set(err, HELBY_ENOMEM, "out of memory fitting a model");
        for (size_t i = 0; i < f->m; i++)
            f->mu[i] = eta_of(f, s->X + f->rows[i] * f->p);
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
    if (!s || !s->X || !s->y || s->p == 0)
        return helby_error_set(err, HELBY_EUSAGE, "model: no model matrix or response");
    if (s->n != n)
        return helby_error_set(err, HELBY_EUSAGE, "model: %zu rows, the design has %zu", s->n, n);
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
    const size_t p = s->p;
    if (!(g = glm_new(&f, s)) || !(g->influence = calloc(s->n * p, sizeof *g->influence))) {
        st = helby_error_set(err, HELBY_ENOMEM, "out of memory fitting a model");
        goto done;
    }
    /* Z_k = w_k (y_k - mu_k) x_k' A^-1: R's estfun %*% Ainv (working residual times working
     * weight is w (y - mu) for both links). */
    for (size_t i = 0; i < f.m; i++) {
        size_t k = f.rows[i];
        double u = d->w[k] * (s->y[k] - f.mu[i]);
        const double *x = s->X + k * p;
        double *z = g->influence + k * p;
        for (size_t j = 0; j < p; j++) {
            if (f.alias[j])
                continue;
            double a = 0;
            for (size_t l = 0; l < p; l++)
                if (!f.alias[l])
                    a += x[l] * f.covu[l * p + j];
            z[j] = u * a;
        }
    }
    if ((st = helby_design_vcov_influence(d, g->influence, p, g->vcov, err)))
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
    const size_t q = c->q, p = c->s->p;
    memset(c->H, 0, q * q * sizeof *c->H);
    memset(c->g, 0, q * sizeof *c->g);
    int logit = c->s->family == HELBY_GLM_QUASIBINOMIAL;
    for (size_t i = 0; i < c->f->m; i++) {
        size_t k = c->f->rows[i];
        double w = helby_replicates_weight(c->r, k, rep);
        if (w == 0)
            continue;
        const double *x = c->s->X + k * p;
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
