/* estimate.c — domain estimates with linearization or replicate variance (helby/estimate.h).
 * Formulas: docs/method.md §3–4; conventions of R survey (svymean, svytotal,
 * svyratio, svyby, svycontrast, svyciprop), checked by tests/unit/test_golden.c.
 * Inside stats/: design < replicate < weight < estimate; a file calls and includes only
 * those before it (scripts/check-layers: no circle between files). */
#include "helby/estimate.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/design_internal.h"
#include "stats/estimate_internal.h"
#include "stats/replicate_internal.h"

void helby_estimate_options_default(helby_estimate_options *o)
{
    memset(o, 0, sizeof *o);
    o->level = 0.95;
    o->ci = HELBY_CI_T;
    o->max_rel_se = 0.30;
}

void helby_estimates_free(helby_estimates *e)
{
    if (!e)
        return;
    free(e->est);
    free(e->vcov);
    free(e);
}

/* Neumaier's compensated sum: keeps full precision when adding many
 * values of similar size, e.g. 1e9 + small differences (NIST NumAcc). */
typedef struct ksum {
    double s, c;
} ksum;

static void kadd(ksum *k, double x)
{
    double t = k->s + x;
    if (fabs(k->s) >= fabs(x))
        k->c += (k->s - t) + x;
    else
        k->c += (x - t) + k->s;
    k->s = t;
}

static double kval(const ksum *k)
{
    return k->s + k->c;
}

static double quantile(const helby_estimate_options *o, double df, double p)
{
    if (o->ci == HELBY_CI_NORMAL || !(df > 0) || isinf(df))
        return gsl_cdf_ugaussian_Pinv(p);
    return gsl_cdf_tdist_Pinv(p, df);
}

/* Clopper–Pearson limits for x successes in n trials (x, n may be effective, non-integer). */
static void clopper_pearson(double x, double n, double alpha, double *lo, double *hi)
{
    *lo = x > 0 ? gsl_cdf_beta_Pinv(alpha / 2, x, n - x + 1) : 0;
    *hi = n - x > 0 ? gsl_cdf_beta_Pinv(1 - alpha / 2, x + 1, n - x) : 1;
}

/* The df of e's CI: a share's (logit, beta, wald) on its domain's own df kg_df as R's svyby
 * of svyciprop (logit and wald only with HELBY_SHARE_DF_DOMAIN, Korn-Graubard's t ratio
 * always), unless opt->df fixes it or kg_df is not positive; else the design's, e->df. */
static double ci_df(const helby_estimate *e, const helby_estimate_options *o, double kg_df)
{
    int share = o->ci == HELBY_CI_LOGIT || o->ci == HELBY_CI_BETA || o->ci == HELBY_CI_WALD;
    if (o->ci == HELBY_CI_NORMAL)
        return INFINITY;
    if (!share || o->df > 0 || !(kg_df > 0))
        return e->df;
    return o->ci == HELBY_CI_BETA || o->share_df == HELBY_SHARE_DF_DOMAIN ? kg_df : e->df;
}

/* The logit CI of e from the SE s of its logit on e->ci_df: expit(logit(p) -+ t s). */
static void logit_ci(helby_estimate *e, const helby_estimate_options *o, double s)
{
    double q = quantile(o, e->ci_df, 1 - (1 - o->level) / 2), p = e->estimate;
    double l = log(p / (1 - p));
    e->ci_low = 1 / (1 + exp(-(l - q * s)));
    e->ci_high = 1 / (1 + exp(-(l + q * s)));
}

/* CI by method from e->estimate, e->se, e->df and e->n (the domain's respondents with a
 * value). kg_df is the domain's own df (its PSUs - its strata, R degf of svyby's subset;
 * 0 or NaN: none), which a share's CI takes (ci_df); e->ci_df says which was used. */
void helby_estimate_set_ci(helby_estimate *e, const helby_estimate_options *o, double kg_df)
{
    double alpha = 1 - o->level, p = e->estimate, se = e->se, n = (double)e->n;
    int proportion = o->ci == HELBY_CI_LOGIT || o->ci == HELBY_CI_BETA;
    double df = e->ci_df = ci_df(e, o, kg_df);
    e->ci_deff1 = 0;
    if (proportion && (p <= 0 || p >= 1) && n > 0) {
        /* Korn & Graubard (1998): at p = 0 or 1 the SE is 0 and the effective n undefined;
         * they take deff = 1, i.e. Clopper–Pearson on the domain's n (0/50: [0, 0.0711]).
         * The logit interval does not exist there (R gives NaN): the same interval. */
        clopper_pearson(p * n, n, alpha, &e->ci_low, &e->ci_high);
        e->ci_deff1 = 1;
    } else if (o->ci == HELBY_CI_LOGIT) {
        /* svyciprop(method = "logit"): CI for log(p/(1-p)) with se/(p(1-p)), back-transformed. */
        logit_ci(e, o, se / (p * (1 - p)));
    } else if (o->ci == HELBY_CI_BETA) {
        /* svyciprop(method = "beta"), Korn & Graubard (1998): effective n, scaled by
         * (t_{n-1} / t_df)^2 with the domain's n and df, in Clopper–Pearson quantiles. */
        double neff = p * (1 - p) / (se * se);
        if (df > 0 && !isinf(df) && n > 1) {
            double r = gsl_cdf_tdist_Pinv(alpha / 2, n - 1) / gsl_cdf_tdist_Pinv(alpha / 2, df);
            neff *= r * r;
        }
        clopper_pearson(neff * p, neff, alpha, &e->ci_low, &e->ci_high);
    } else {
        double q = quantile(o, df, 1 - alpha / 2);
        e->ci_low = p - q * se;
        e->ci_high = p + q * se;
    }
    e->rel_se = e->estimate != 0 ? se / fabs(e->estimate) : INFINITY;
    /* Unreliable: a relative SE above the limit, fewer respondents than asked, a share of
     * exactly 0 or 1 (SE 0: its CI is Clopper-Pearson on n, whichever end it is at) and a
     * domain of one respondent (its SE 0 says nothing). */
    e->unreliable = e->rel_se > (o->max_rel_se > 0 ? o->max_rel_se : 0.30) || e->n < o->min_n ||
                    e->ci_deff1 || e->n == 1;
}

/* 1 when opt's CI is a share's, which takes its domain's df (ci_df). */
static int share_ci(const helby_estimate_options *o)
{
    return o->ci == HELBY_CI_LOGIT || o->ci == HELBY_CI_BETA || o->ci == HELBY_CI_WALD;
}

/* Korn–Graubard's df of each domain (R degf of svyby's subset): PSUs with a respondent in
 * the domain minus strata with one, into df (D). Returns -1 when out of memory. */
static int domain_df(const helby_design *d, const double *y, const double *x, const long *domain,
                     size_t D, double *df)
{
    unsigned char *psu = calloc(d->P * D, 1), *str = calloc(d->H * D, 1);
    if (!psu || !str) {
        free(psu), free(str);
        return -1;
    }
    for (size_t g = 0; g < D; g++)
        df[g] = 0;
    for (size_t k = 0; k < d->n; k++) {
        long g = domain ? domain[k] : 0;
        if (g < 0 || (size_t)g >= D || isnan(y[k]) || (x && isnan(x[k])) || d->w[k] == 0)
            continue;
        size_t p = d->psu[k], h = d->stratum_of_psu[p];
        if (!psu[p * D + (size_t)g]) {
            psu[p * D + (size_t)g] = 1;
            df[g] += 1;
        }
        if (!str[h * D + (size_t)g]) {
            str[h * D + (size_t)g] = 1;
            df[g] -= 1;
        }
    }
    free(psu), free(str);
    return 0;
}

/* What one linearization estimate holds: the rows' inputs, the domain sums of the first pass,
 * the ratios, and the PSU x domain totals of influence values (T). */
typedef struct lin {
    const helby_design *d;
    helby_estimator kind;
    const double *y, *x;
    const long *domain;
    size_t D;
    ksum *sy, *sx, *sw, *ss;
    size_t *cnt;
    double *T, *R, *X;
} lin;

static void lin_free(lin *L)
{
    free(L->sy), free(L->sx), free(L->sw), free(L->ss), free(L->cnt);
    free(L->T), free(L->R), free(L->X);
}

static int lin_alloc(lin *L)
{
    size_t D = L->D;
    L->sy = calloc(D, sizeof *L->sy), L->sx = calloc(D, sizeof *L->sx);
    L->sw = calloc(D, sizeof *L->sw), L->ss = calloc(D, sizeof *L->ss);
    L->cnt = calloc(D, sizeof *L->cnt);
    L->T = calloc(L->d->P * D, sizeof *L->T);
    L->R = malloc(D * sizeof *L->R), L->X = malloc(D * sizeof *L->X);
    return L->sy && L->sx && L->sw && L->ss && L->cnt && L->T && L->R && L->X ? 0 : -1;
}

/* Row k's domain, or -1 when outside every domain or missing. */
static long lin_dom(const lin *L, size_t k)
{
    long g = L->domain ? L->domain[k] : 0;
    if (g < 0 || isnan(L->y[k]) || (L->x && isnan(L->x[k])) || L->d->w[k] == 0)
        return -1;
    return g;
}

/* First pass: weighted sums of y, x and w and counts per domain; then the ratios R = Y / X
 * (totals: Y). A domain without respondents or with a zero denominator is an error. */
static helby_status lin_sums(lin *L, helby_error *err)
{
    const helby_design *d = L->d;
    for (size_t k = 0; k < d->n; k++) {
        long g = lin_dom(L, k);
        if (g < 0)
            continue;
        if ((size_t)g >= L->D)
            return helby_error_set(err, HELBY_EUSAGE, "row %zu has domain %ld of %zu", k + 1, g,
                                   L->D);
        kadd(&L->sy[g], d->w[k] * L->y[k]);
        kadd(&L->sx[g], d->w[k] * (L->x ? L->x[k] : 1.0));
        kadd(&L->sw[g], d->w[k]);
        L->cnt[g]++;
    }
    for (size_t g = 0; g < L->D; g++) {
        if (L->cnt[g] == 0)
            return helby_error_set(err, HELBY_ENUMERIC,
                                   "domain %zu has no respondents with a value", g);
        L->X[g] = kval(&L->sx[g]);
        if (L->kind != HELBY_EST_TOTAL && L->X[g] == 0)
            return helby_error_set(err, HELBY_ENUMERIC, "domain %zu: the denominator is zero", g);
        L->R[g] = L->kind == HELBY_EST_TOTAL ? kval(&L->sy[g]) : kval(&L->sy[g]) / L->X[g];
    }
    return HELBY_OK;
}

/* Second pass: influence values summed per PSU (totals z = y; ratios z = (y - R x) / X)
 * and, for deff, the weighted squared deviations; after weighting, the calibration
 * residuals of the influence values (weight.c). */
static helby_status lin_influence(lin *L, helby_error *err)
{
    const helby_design *d = L->d;
    const size_t n = d->n, D = L->D;
    double *m = malloc(D * sizeof *m);
    double *zk = d->cal ? malloc(n * sizeof *zk) : NULL;
    long *dk = d->cal ? malloc(n * sizeof *dk) : NULL;
    if (!m || (d->cal && (!zk || !dk))) {
        free(m), free(zk), free(dk);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory estimating");
    }
    for (size_t g = 0; g < D; g++)
        m[g] = kval(&L->sy[g]) / kval(&L->sw[g]);
    for (size_t k = 0; k < n; k++) {
        long g = lin_dom(L, k);
        if (dk)
            dk[k] = g;
        if (g < 0)
            continue;
        double z = L->kind == HELBY_EST_TOTAL
                       ? L->y[k]
                       : (L->y[k] - L->R[g] * (L->x ? L->x[k] : 1.0)) / L->X[g];
        L->T[d->psu[k] * D + (size_t)g] += d->w[k] * z;
        if (zk)
            zk[k] = z;
        double r = L->y[k] - m[g];
        kadd(&L->ss[g], d->w[k] * r * r);
    }
    free(m);
    int rc = d->cal ? helby_cal_residualize(d, zk, dk, D, L->T) : 0;
    free(zk), free(dk);
    return rc ? helby_error_set(err, HELBY_ENOMEM, "out of memory estimating") : HELBY_OK;
}

/* The estimates of e from L (vcov already set): SE, df, n, deff as R svymean/svytotal(deff =
 * TRUE) (variance over that of a simple random sample without replacement of the domain's n
 * from its estimated size) and the CI (Korn–Graubard on the domain's own df, kg_df). */
static void lin_fill(const lin *L, helby_estimates *e, const helby_estimate_options *opt,
                     const double *kg_df)
{
    const size_t D = L->D;
    double df = opt->df > 0 ? opt->df : helby_design_df(L->d);
    for (size_t g = 0; g < D; g++) {
        helby_estimate *o = &e->est[g];
        o->estimate = L->R[g];
        o->se = sqrt(e->vcov[g * D + g]);
        o->df = df;
        o->n = L->cnt[g];
        o->n_weighted = kval(&L->sw[g]);
        double nn = (double)L->cnt[g], N = o->n_weighted;
        double svyvar = kval(&L->ss[g]) / N * nn / (nn - 1);
        double vsrs = svyvar * (N - nn) / (N * nn);
        if (L->kind == HELBY_EST_TOTAL)
            vsrs *= N * N;
        o->deff = L->kind == HELBY_EST_RATIO || nn < 2 || N <= nn ? NAN : e->vcov[g * D + g] / vsrs;
        helby_estimate_set_ci(o, opt, kg_df[g]);
    }
}

static helby_estimates *estimates_new(size_t D)
{
    helby_estimates *e = calloc(1, sizeof *e);
    if (e) {
        e->est = calloc(D, sizeof *e->est);
        e->vcov = calloc(D * D, sizeof *e->vcov);
        e->n_domains = D;
    }
    if (e && (!e->est || !e->vcov)) {
        helby_estimates_free(e);
        return NULL;
    }
    return e;
}

helby_status helby_estimate_by(const helby_design *d, helby_estimator kind, const double *y,
                               const double *x, const long *domain, size_t D,
                               const helby_estimate_options *opt_in, helby_estimates **out,
                               helby_error *err)
{
    *out = NULL;
    gsl_set_error_handler_off();
    helby_estimate_options opt;
    if (opt_in)
        opt = *opt_in;
    else
        helby_estimate_options_default(&opt);
    if (!domain)
        D = 1;
    if (D == 0 || !y || (kind == HELBY_EST_RATIO && !x))
        return helby_error_set(err, HELBY_EUSAGE, "estimate: no domains, or no variable");
    lin L = {d, kind, y, x, domain, D, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    helby_estimates *e = estimates_new(D);
    double *kg_df = calloc(D, sizeof *kg_df);
    helby_status st = HELBY_OK;
    if (!e || !kg_df || lin_alloc(&L))
        st = helby_error_set(err, HELBY_ENOMEM, "out of memory estimating");
    if (!st)
        st = lin_sums(&L, err);
    if (!st)
        st = lin_influence(&L, err);
    if (!st) {
        helby_design_vcov(d, L.T, D, e->vcov);
        if (share_ci(&opt) && domain_df(d, y, x, domain, D, kg_df))
            st = helby_error_set(err, HELBY_ENOMEM, "out of memory estimating");
    }
    if (!st)
        lin_fill(&L, e, &opt, kg_df);
    lin_free(&L);
    free(kg_df);
    if (st) {
        helby_estimates_free(e);
        return st;
    }
    *out = e;
    return HELBY_OK;
}

helby_status helby_linear_combination(const helby_estimates *e, const double *c, double df,
                                      const helby_estimate_options *opt_in, helby_estimate *out,
                                      helby_error *err)
{
    helby_estimate_options opt;
    if (opt_in)
        opt = *opt_in;
    else
        helby_estimate_options_default(&opt);
    if (opt.ci != HELBY_CI_NORMAL)
        opt.ci = HELBY_CI_T;
    memset(out, 0, sizeof *out);
    const size_t D = e->n_domains;
    double v = 0, est = 0;
    /* Terms with a zero coefficient are skipped, not multiplied: an empty domain's NaN must
     * not spoil a contrast that does not use it. */
    for (size_t a = 0; a < D; a++) {
        if (c[a] == 0)
            continue;
        est += c[a] * e->est[a].estimate;
        for (size_t b = 0; b < D; b++)
            if (c[b] != 0)
                v += c[a] * e->vcov[a * D + b] * c[b];
    }
    if (!(v >= 0))
        return helby_error_set(err, HELBY_ENUMERIC, "contrast has no valid variance");
    out->estimate = est;
    out->se = sqrt(v);
    out->df = opt.df > 0 ? opt.df : df;
    out->deff = NAN;
    helby_estimate_set_ci(out, &opt, 0);
    return HELBY_OK;
}

helby_status helby_contrast(const helby_estimates *e, helby_contrast_kind kind, size_t a, size_t b,
                            double df, const helby_estimate_options *opt, helby_estimate *out,
                            helby_error *err)
{
    const size_t D = e->n_domains;
    if (a >= D || b >= D)
        return helby_error_set(err, HELBY_EUSAGE, "contrast of domains %zu and %zu of %zu", a, b,
                               D);
    double ta = e->est[a].estimate, tb = e->est[b].estimate;
    double *c = calloc(D, sizeof *c);
    if (!c)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    double value;
    /* Delta method: the gradient of the function at the estimates. */
    switch (kind) {
    case HELBY_CONTRAST_DIFFERENCE:
        c[a] += 1;
        c[b] -= 1;
        value = ta - tb;
        break;
    case HELBY_CONTRAST_RATIO:
        c[a] += 1 / tb;
        c[b] -= ta / (tb * tb);
        value = ta / tb;
        break;
    default:
        c[a] += 1 / tb;
        c[b] -= ta / (tb * tb);
        value = (ta - tb) / tb;
        break;
    }
    if (kind != HELBY_CONTRAST_DIFFERENCE && tb == 0) {
        free(c);
        return helby_error_set(err, HELBY_ENUMERIC, "contrast divides by a zero estimate");
    }
    helby_status st = helby_linear_combination(e, c, df, opt, out, err);
    free(c);
    if (st)
        return st;
    out->estimate = value;
    helby_estimate_options o;
    if (opt)
        o = *opt;
    else
        helby_estimate_options_default(&o);
    if (o.ci != HELBY_CI_NORMAL)
        o.ci = HELBY_CI_T;
    helby_estimate_set_ci(out, &o, 0);
    return HELBY_OK;
}

/* Full-sample sums of w y and w x by domain (and by PSU and domain into py, px unless
 * NULL), respondents counted in cnt. Returns the row of a domain >= D, or n. */
static size_t row_sums(const helby_replicates *rep, helby_estimator kind, const double *y,
                       const double *x, const long *domain, size_t D, size_t *cnt, double *Sy,
                       double *Sx, double *py, double *px)
{
    for (size_t k = 0; k < rep->n; k++) {
        long g = domain ? domain[k] : 0;
        if (g < 0 || isnan(y[k]) || (x && isnan(x[k])) || rep->w[k] == 0)
            continue;
        if ((size_t)g >= D)
            return k;
        double xv = kind == HELBY_EST_RATIO ? x[k] : 1.0;
        cnt[g]++;
        Sy[g] += rep->w[k] * y[k];
        Sx[g] += rep->w[k] * xv;
        if (py) {
            py[rep->psu[k] * D + (size_t)g] += rep->w[k] * y[k];
            px[rep->psu[k] * D + (size_t)g] += rep->w[k] * xv;
        }
    }
    return rep->n;
}

/* Replicate sums of supplied weights: the full-sample sums plus the changes in the blocks of
 * rows where the replicate differs, replicate by replicate (contiguous in memory). */
static void supplied_sums(const helby_replicates *rep, helby_estimator kind, const double *y,
                          const double *x, const long *domain, size_t D, double *Sy, double *Sx)
{
    const size_t n = rep->n;
    for (size_t r = 0; r < rep->R; r++) {
        double *sy = Sy + (r + 1) * D, *sx = Sx + (r + 1) * D;
        const double *wr = rep->full + r * n;
        memcpy(sy, Sy, D * sizeof *sy);
        memcpy(sx, Sx, D * sizeof *sx);
        for (size_t b = 0; b < rep->nb; b++) {
            if (!rep->dirty[r * rep->nb + b])
                continue;
            size_t hi = (b + 1) * DIRTY_BLOCK < n ? (b + 1) * DIRTY_BLOCK : n;
            for (size_t k = b * DIRTY_BLOCK; k < hi; k++) {
                long g = domain ? domain[k] : 0;
                if (g < 0 || isnan(y[k]) || (x && isnan(x[k])) || rep->w[k] == 0)
                    continue;
                double dw = wr[k] - rep->w[k];
                sy[g] += dw * y[k];
                sx[g] += dw * (kind == HELBY_EST_RATIO ? x[k] : 1.0);
            }
        }
    }
}

/* Replicate variance scale * sum_r rscale_r (theta_r - c)(theta_r - c)' of the D estimates
 * theta (row 0 the full sample, rows 1..R the replicates), c their mean or, with mse, the
 * full-sample estimate (R svrepdesign). */
static void replicate_vcov(const helby_replicates *rep, const double *theta, size_t D, double *V)
{
    const size_t R = rep->R;
    for (size_t a = 0; a < D; a++) {
        double ca = 0, cb;
        for (size_t r = 1; r <= R; r++)
            ca += theta[r * D + a];
        ca = rep->mse ? theta[a] : ca / (double)R;
        for (size_t b = 0; b <= a; b++) {
            cb = 0;
            for (size_t r = 1; r <= R; r++)
                cb += theta[r * D + b];
            cb = rep->mse ? theta[b] : cb / (double)R;
            double v = 0;
            for (size_t r = 1; r <= R; r++)
                v += rep->rscales[r - 1] * (theta[r * D + a] - ca) * (theta[r * D + b] - cb);
            V[a * D + b] = V[b * D + a] = rep->scale * v;
        }
    }
}

/* The domain's df of domain g with replicates, as R degf() of svyby's subset of a
 * replicate design: rank(replicate weights of the domain's rows) - 1. Jackknives in closed
 * form: a PSU's rows have proportional replicate weights; a stratum whose PSUs are all in
 * the domain adds the all-ones pattern, so the rank is P_d - C_d + 1 with C_d >= 1 such
 * strata, else P_d (P_d: the domain's PSUs). BRR, Fay, the bootstrap and supplied weights:
 * the rank computed (helby_replicates_rows_df). NaN (the design's df) for replicates
 * re-calibrated by helby (R's rank of re-calibrated weights is near min(rows, R) and no df of
 * the design), lonely-PSU or certainty strata. in_d: n scratch bytes. */
static double rep_domain_df(const helby_replicates *rep, const double *y, const double *x,
                            const long *domain, long g, unsigned char *in_d)
{
    if (rep->full ? !rep->supplied : !rep->psu)
        return NAN;
    for (size_t k = 0; k < rep->n; k++)
        in_d[k] =
            (domain ? domain[k] : 0) == g && !isnan(y[k]) && !(x && isnan(x[k])) && rep->w[k] > 0;
    if (!rep->jackknife)
        return helby_replicates_rows_df(rep, in_d);
    unsigned char *in_p = calloc(rep->P ? rep->P : 1, 1);
    if (!in_p)
        return NAN;
    for (size_t k = 0; k < rep->n; k++)
        if (in_d[k])
            in_p[rep->psu[k]] = 1;
    double pd = 0, cd = 0;
    for (size_t h = 0; h < rep->H; h++) {
        size_t total = 0, in = 0;
        for (size_t p = 0; p < rep->P; p++)
            if (rep->stratum_of_psu[p] == h)
                total++, in += in_p[p];
        if (in && (rep->n_h[h] != total || total < 2)) {
            free(in_p);
            return NAN; /* a stratum without one replicate per PSU: R's rank is not this */
        }
        pd += (double)in, cd += in == total && total ? 1 : 0;
    }
    free(in_p);
    return cd >= 1 ? pd - cd : pd - 1;
}

/* The replicate SE of the logit of share g (theta: full sample, then R replicates, D each),
 * as svyciprop(method = "logit") on a replicate design, whose svyglm re-fits each replicate
 * (an intercept-only logistic fit's intercept is the logit of the replicate's share): R's
 * svrVar of the replicate logits. NaN when a share is 0 or 1 (an infinite logit, where
 * svyglm stops short: the delta method's SE / (p (1 - p)) is kept). */
static double logit_rep_se(const helby_replicates *rep, const double *theta, size_t D, size_t g)
{
    const size_t R = rep->R;
    double c = 0, v = 0, l0 = log(theta[g] / (1 - theta[g]));
    for (size_t r = 0; r <= R; r++)
        if (!(theta[r * D + g] > 0 && theta[r * D + g] < 1))
            return NAN;
    for (size_t r = 1; r <= R; r++)
        c += log(theta[r * D + g] / (1 - theta[r * D + g]));
    c = rep->mse ? l0 : c / (double)R;
    for (size_t r = 1; r <= R; r++) {
        double d = log(theta[r * D + g] / (1 - theta[r * D + g])) - c;
        v += rep->rscales[r - 1] * d * d;
    }
    return sqrt(rep->scale * v);
}

/* The estimates of the replicate design from the full-sample values theta and the counts;
 * a share's CI on the domain's own df (rep_domain_df), as with linearization (§4). */
static void rep_fill(const helby_replicates *rep, helby_estimates *e, const double *theta,
                     const size_t *cnt, const double *Sx, const helby_estimate_options *opt,
                     const double *y, const double *x, const long *domain, unsigned char *in_d)
{
    const size_t D = e->n_domains;
    double df = opt->df > 0 ? opt->df : rep->df;
    for (size_t g = 0; g < D; g++) {
        helby_estimate *o = &e->est[g];
        o->estimate = theta[g];
        o->se = sqrt(e->vcov[g * D + g]);
        o->df = df;
        o->n = cnt[g];
        o->n_weighted = Sx[g];
        o->deff = NAN;
        double kg = 0;
        if (share_ci(opt) && in_d)
            kg = rep_domain_df(rep, y, x, domain, (long)g, in_d);
        helby_estimate_set_ci(o, opt, kg > 0 ? kg : 0);
        int r_logit = opt->ci == HELBY_CI_LOGIT && opt->share_df == HELBY_SHARE_DF_DOMAIN;
        double sl = r_logit && !o->ci_deff1 ? logit_rep_se(rep, theta, D, g) : NAN;
        if (isfinite(sl))
            logit_ci(o, opt, sl);
    }
}

helby_status helby_estimate_by_replicates(const helby_replicates *rep, helby_estimator kind,
                                          const double *y, const double *x, const long *domain,
                                          size_t D, const helby_estimate_options *opt_in,
                                          helby_estimates **out, helby_error *err)
{
    *out = NULL;
    helby_estimate_options opt;
    if (opt_in)
        opt = *opt_in;
    else
        helby_estimate_options_default(&opt);
    if (!domain)
        D = 1;
    if (D == 0 || !y || (kind == HELBY_EST_RATIO && !x))
        return helby_error_set(err, HELBY_EUSAGE, "estimate: no domains, or no variable");
    const size_t n = rep->n, R = rep->R;
    /* Full-sample sums row by row; replicate sums from the sums per PSU (jackknife and
     * multiplier modes, replicate.c) or from the rows (supplied weights). Memory: R x D
     * and P x D, never R x P. */
    const int by_psu = rep->full == NULL;
    double *Sy = calloc((R + 1) * D, sizeof *Sy), *Sx = calloc((R + 1) * D, sizeof *Sx);
    size_t *cnt = calloc(D, sizeof *cnt);
    double *py = by_psu ? calloc(rep->P * D, sizeof *py) : NULL;
    double *px = by_psu ? calloc(rep->P * D, sizeof *px) : NULL;
    double *theta = malloc((R + 1) * D * sizeof *theta);
    unsigned char *in_d = share_ci(&opt) ? malloc(rep->n ? rep->n : 1) : NULL;
    helby_estimates *e = calloc(1, sizeof *e);
    if (e) {
        e->est = calloc(D, sizeof *e->est);
        e->vcov = calloc(D * D, sizeof *e->vcov);
    }
    helby_status st = HELBY_OK;
    if (!Sy || !Sx || !cnt || !e || !e->est || !e->vcov || !theta || (by_psu && (!py || !px))) {
        st = helby_error_set(err, HELBY_ENOMEM, "out of memory estimating");
        goto done;
    }
    e->n_domains = D;
    size_t bad = row_sums(rep, kind, y, x, domain, D, cnt, Sy, Sx, py, px);
    if (bad < n) {
        st = helby_error_set(err, HELBY_EUSAGE, "row %zu has domain %ld of %zu", bad + 1,
                             domain[bad], D);
        goto done;
    }
    if (!by_psu)
        supplied_sums(rep, kind, y, x, domain, D, Sy, Sx);
    else if (helby_replicates_sums(rep, py, Sy, D, Sy + D) ||
             helby_replicates_sums(rep, px, Sx, D, Sx + D)) {
        st = helby_error_set(err, HELBY_ENOMEM, "out of memory estimating");
        goto done;
    }
    for (size_t g = 0; g < D; g++)
        if (cnt[g] == 0) {
            st = helby_error_set(err, HELBY_ENUMERIC, "domain %zu has no respondents with a value",
                                 g);
            goto done;
        }
    for (size_t r = 0; r <= R; r++)
        for (size_t g = 0; g < D; g++)
            theta[r * D + g] =
                kind == HELBY_EST_TOTAL ? Sy[r * D + g] : Sy[r * D + g] / Sx[r * D + g];
    replicate_vcov(rep, theta, D, e->vcov);
    rep_fill(rep, e, theta, cnt, Sx, &opt, y, x, domain, in_d);
done:
    free(Sy), free(Sx), free(cnt), free(py), free(px), free(theta), free(in_d);
    if (st) {
        helby_estimates_free(e);
        return st;
    }
    *out = e;
    return HELBY_OK;
}
