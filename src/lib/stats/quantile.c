/* quantile.c — design-based quantiles by domain (helby/quantile.h), as R survey 4.1's
 * svyquantile: the rules qrule_math, qrule_school and qrule_hf7 (via survey:::qs), Woodruff
 * intervals (survey:::woodruffCI, interval.type = "mean") and the replicate method
 * (survey:::repCI, interval.type = "quantile"). R sums weights in long double (cumsum, sum)
 * and sorts stably (order); so does this file, so that ties land where R's land.
 * Inside stats/: after estimate.c (it calls helby_estimate_by for Woodruff's proportion). */
#include "helby/quantile.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/design_internal.h"
#include "stats/replicate_internal.h"

int helby_qrule_parse(const char *name, helby_qrule *out)
{
    static const char *const names[] = {"math", "school", "hf7"};
    for (int i = 0; name && i < 3; i++)
        if (!strcmp(name, names[i])) {
            *out = (helby_qrule)i;
            return 1;
        }
    return 0;
}

const char *helby_qrule_name(helby_qrule rule)
{
    return rule == HELBY_QRULE_SCHOOL ? "school" : rule == HELBY_QRULE_HF7 ? "hf7" : "math";
}

/* x to 12 significant digits: scores equal on paper (40 as 120 / 3 and as 200 / 5) become
 * ties, so that noise of 1e-14 does not decide which respondents lie at or below a quantile
 * (R users: signif(x, 12) before svyquantile). */
static double snap12(double x)
{
    if (x == 0 || !isfinite(x))
        return x;
    int e = (int)floor(log10(fabs(x)));
    long double f = powl(10.0L, (long double)(11 - e));
    return (double)(nearbyintl((long double)x * f) / f);
}

/* One row of a domain: its value, weight and row number (ties sort by row, as R's stable
 * order()). */
typedef struct qrow {
    double y, w;
    size_t k;
} qrow;

static int cmp_qrow(const void *a, const void *b)
{
    const qrow *x = a, *y = b;
    if (x->y != y->y)
        return x->y < y->y ? -1 : 1;
    return (x->k > y->k) - (x->k < y->k);
}

/* R approx(pk, x, p, method = "linear", rule = 2)$y over n >= 2 increasing pk (approx1). */
static double approx_linear(const double *pk, const double *x, size_t n, double v)
{
    size_t i = 0, j = n - 1;
    if (v < pk[i])
        return x[0];
    if (v > pk[j])
        return x[n - 1];
    while (i < j - 1) {
        size_t ij = (i + j) / 2;
        if (v < pk[ij])
            j = ij;
        else
            i = ij;
    }
    if (v == pk[j])
        return x[j];
    if (v == pk[i])
        return x[i];
    return x[i] + (x[j] - x[i]) * ((v - pk[i]) / (pk[j] - pk[i]));
}

/* The p-quantile of the n rows of s (sorted by value, weights > 0) by rule: survey:::qs then
 * the rule. W is sum(w) in the rows' original order (R's sum, long double); cw the cumulative
 * weights in sorted order (R's cumsum: long double, each rounded to double). */
static double sorted_quantile(const double *xs, const double *cw, double W, size_t n, double p,
                              helby_qrule rule)
{
    if (n == 0 || !(p >= 0 && p <= 1))
        return NAN;
    if (rule == HELBY_QRULE_HF7) {
        if (n < 2)
            return NAN;
        double *pk = malloc(n * sizeof *pk);
        if (!pk)
            return NAN;
        pk[0] = 0;
        for (size_t i = 1; i < n; i++)
            pk[i] = cw[i - 1] / cw[n - 2];
        double q = approx_linear(pk, xs, n, p);
        free(pk);
        return q;
    }
    double target = p * W;
    size_t pos = 0; /* R's last(cumw <= p * sum(w)), 1 when none: index 0 */
    for (size_t i = n; i-- > 0;)
        if (cw[i] <= target) {
            pos = i;
            break;
        }
    size_t next = pos == n - 1 ? pos : pos + 1;
    double wlow = p - cw[pos] / W;
    if (wlow == 0)
        return rule == HELBY_QRULE_SCHOOL ? (xs[pos] + xs[next]) / 2 : xs[pos];
    return xs[next];
}

/* Sorted values, cumulative and total weights of the rows of `rows` (any order; n of them)
 * with a positive weight wt[i] (NULL: rows[i].w), then the p-quantile. Work arrays xs, cw
 * (n each) and idx (n) from the caller. rows must already be in sorted order when sorted is
 * 1; their original order is given by orig (NULL: rows as given). */
typedef struct qwork {
    double *xs, *cw;
} qwork;

static double rows_quantile(const qrow *sorted, const qrow *orig, const double *wt_sorted,
                            const double *wt_orig, size_t n, double p, helby_qrule rule, qwork *q)
{
    long double s = 0, c = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double w = wt_orig ? wt_orig[i] : orig[i].w;
        if (w != 0)
            s += w;
    }
    for (size_t i = 0; i < n; i++) {
        double w = wt_sorted ? wt_sorted[i] : sorted[i].w;
        if (w == 0)
            continue;
        c += w;
        q->xs[m] = sorted[i].y;
        q->cw[m++] = (double)c;
    }
    return sorted_quantile(q->xs, q->cw, (double)s, m, p, rule);
}

double helby_weighted_quantile(const double *x, const double *w, size_t n, double p,
                               helby_qrule rule)
{
    qrow *r = malloc((n ? n : 1) * sizeof *r), *o = malloc((n ? n : 1) * sizeof *o);
    qwork q = {malloc((n ? n : 1) * sizeof(double)), malloc((n ? n : 1) * sizeof(double))};
    double v = NAN;
    if (r && o && q.xs && q.cw) {
        for (size_t k = 0; k < n; k++)
            r[k] = o[k] = (qrow){x[k], w[k], k};
        qsort(r, n, sizeof *r, cmp_qrow);
        v = rows_quantile(r, o, NULL, NULL, n, p, rule, &q);
    }
    free(r), free(o), free(q.xs), free(q.cw);
    return v;
}

/* The domains' rows: rows of domain g are orig[first[g] .. first[g] + cnt[g] - 1] in row
 * order and sorted[...] the same sorted by value; only rows with a value (any weight). */
typedef struct qdomains {
    size_t D, n;
    size_t *first, *cnt;
    qrow *orig, *sorted;
    qwork work;
} qdomains;

static void qdomains_free(qdomains *Q)
{
    free(Q->first), free(Q->cnt), free(Q->orig), free(Q->sorted);
    free(Q->work.xs), free(Q->work.cw);
}

static helby_status qdomains_build(qdomains *Q, size_t n, const double *w, const double *y,
                                   const long *domain, size_t D, helby_error *err)
{
    memset(Q, 0, sizeof *Q);
    Q->D = D;
    Q->first = calloc(D + 1, sizeof *Q->first), Q->cnt = calloc(D + 1, sizeof *Q->cnt);
    if (!Q->first || !Q->cnt)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory for quantiles");
    for (size_t k = 0; k < n; k++) {
        long g = domain ? domain[k] : 0;
        if (g >= 0 && (size_t)g >= D)
            return helby_error_set(err, HELBY_EUSAGE, "row %zu has domain %ld of %zu", k + 1, g, D);
        if (g >= 0 && !isnan(y[k]))
            Q->cnt[g]++, Q->n++;
    }
    for (size_t g = 1; g <= D; g++)
        Q->first[g] = Q->first[g - 1] + Q->cnt[g - 1];
    size_t m = Q->n ? Q->n : 1;
    Q->orig = malloc(m * sizeof *Q->orig), Q->sorted = malloc(m * sizeof *Q->sorted);
    Q->work.xs = malloc(m * sizeof(double)), Q->work.cw = malloc(m * sizeof(double));
    size_t *at = calloc(D + 1, sizeof *at);
    if (!Q->orig || !Q->sorted || !Q->work.xs || !Q->work.cw || !at) {
        free(at);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory for quantiles");
    }
    for (size_t k = 0; k < n; k++) {
        long g = domain ? domain[k] : 0;
        if (g >= 0 && !isnan(y[k]))
            Q->orig[Q->first[g] + at[g]++] = (qrow){snap12(y[k]), w[k], k};
    }
    free(at);
    memcpy(Q->sorted, Q->orig, Q->n * sizeof *Q->orig);
    for (size_t g = 0; g < D; g++)
        qsort(Q->sorted + Q->first[g], Q->cnt[g], sizeof *Q->sorted, cmp_qrow);
    return HELBY_OK;
}

/* Domain g's p-quantile under its base weights. */
static double qdomain_quantile(qdomains *Q, size_t g, double p, helby_qrule rule)
{
    return rows_quantile(Q->sorted + Q->first[g], Q->orig + Q->first[g], NULL, NULL, Q->cnt[g], p,
                         rule, &Q->work);
}

/* The estimates array, every number NaN and n, n_weighted from the rows of positive weight. */
static helby_status qresult_new(const qdomains *Q, size_t np, helby_estimates **out,
                                helby_error *err)
{
    helby_estimates *e = calloc(1, sizeof *e);
    if (e && !(e->est = calloc(Q->D * np + 1, sizeof *e->est))) {
        free(e);
        e = NULL;
    }
    if (!e)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory for quantiles");
    e->n_domains = Q->D * np;
    for (size_t g = 0; g < Q->D; g++) {
        size_t n = 0;
        long double W = 0;
        for (size_t i = 0; i < Q->cnt[g]; i++)
            if (Q->orig[Q->first[g] + i].w != 0)
                n++, W += Q->orig[Q->first[g] + i].w;
        for (size_t j = 0; j < np; j++) {
            helby_estimate *o = &e->est[g * np + j];
            o->estimate = o->se = o->ci_low = o->ci_high = o->df = o->deff = o->rel_se = NAN;
            o->n = n;
            o->n_weighted = (double)W;
        }
    }
    *out = e;
    return HELBY_OK;
}

/* The critical value of R's qcrit: qnorm when df is infinite, qt(p, df) else (NaN at df <= 0). */
static double qcrit(double p, double df)
{
    if (isinf(df))
        return gsl_cdf_ugaussian_Pinv(p);
    return df > 0 ? gsl_cdf_tdist_Pinv(p, df) : NAN;
}

/* rel_se and the unreliable flag (a quantile of 0 has no relative SE: not flagged by it). */
static void qfinish(helby_estimate *o, const helby_estimate_options *opt)
{
    o->rel_se = o->estimate != 0 ? o->se / fabs(o->estimate) : NAN;
    o->unreliable = o->rel_se > (opt->max_rel_se > 0 ? opt->max_rel_se : 0.30) || o->n < opt->min_n;
}

static helby_status check_probs(const double *probs, size_t np, helby_error *err)
{
    if (np == 0)
        return helby_error_set(err, HELBY_EUSAGE, "no quantiles asked");
    for (size_t j = 0; j < np; j++)
        if (!(probs[j] >= 0 && probs[j] <= 1))
            return helby_error_set(err, HELBY_EUSAGE,
                                   "quantile %g is not a probability between 0 and 1", probs[j]);
    return HELBY_OK;
}

/* R degf of each domain (svyby's subset with na.rm): PSUs with a row of positive weight and a
 * value in the domain minus strata with one. */
static helby_status domain_dfs(const helby_design *d, const qdomains *Q, double *df,
                               helby_error *err)
{
    unsigned char *psu = calloc(d->P ? d->P : 1, 1), *str = calloc(d->H ? d->H : 1, 1);
    if (!psu || !str) {
        free(psu), free(str);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory for quantiles");
    }
    for (size_t g = 0; g < Q->D; g++) {
        double c = 0;
        const qrow *r = Q->orig + Q->first[g];
        for (size_t i = 0; i < Q->cnt[g]; i++) {
            if (r[i].w == 0)
                continue;
            size_t p = d->psu[r[i].k], h = d->stratum_of_psu[p];
            c += !psu[p] - !str[h];
            psu[p] = str[h] = 1;
        }
        df[g] = c;
        for (size_t i = 0; i < Q->cnt[g]; i++) { /* reset only what was set */
            size_t p = d->psu[r[i].k];
            psu[p] = str[d->stratum_of_psu[p]] = 0;
        }
    }
    free(psu), free(str);
    return HELBY_OK;
}

/* Woodruff for probability j: the proportion of every domain at or below its estimate q[g]
 * (NaN: skipped), its SE, and the interval mapped back (survey:::woodruffCI, "mean"). */
static helby_status woodruff(const helby_design *d, const double *y, const long *domain,
                             qdomains *Q, const double *q, size_t j, size_t np, helby_qrule rule,
                             const helby_estimate_options *opt, const double *dfg,
                             helby_estimates *e, double *z, long *ldom, helby_error *err)
{
    size_t m = 0, *ids = malloc((Q->D ? Q->D : 1) * sizeof *ids);
    long *map = malloc((Q->D ? Q->D : 1) * sizeof *map);
    if (!ids || !map) {
        free(ids), free(map);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory for quantiles");
    }
    for (size_t g = 0; g < Q->D; g++) {
        map[g] = e->est[g * np + j].n > 0 && !isnan(q[g]) ? (long)m : -1;
        if (map[g] >= 0)
            ids[m++] = g;
    }
    for (size_t k = 0; k < d->n; k++) {
        long g = domain ? domain[k] : 0;
        ldom[k] = g < 0 || isnan(y[k]) ? -1 : map[g];
        z[k] = ldom[k] < 0 ? NAN : snap12(y[k]) <= q[g];
    }
    helby_estimate_options o = *opt;
    o.ci = HELBY_CI_T;
    helby_estimates *pe = NULL;
    helby_status rc = m ? helby_estimate_by(d, HELBY_EST_MEAN, z, NULL, ldom, m, &o, &pe, err) : 0;
    double alpha = 1 - opt->level, a = (1 - (1 - alpha)) / 2;
    for (size_t i = 0; !rc && i < m; i++) {
        size_t g = ids[i];
        helby_estimate *out = &e->est[g * np + j];
        double df = opt->df > 0 ? opt->df : opt->ci == HELBY_CI_NORMAL ? INFINITY : dfg[g];
        double ph = pe->est[i].estimate, se = pe->est[i].se;
        double pl = ph + se * qcrit(a, df), pu = ph + se * qcrit(1 - a, df);
        out->estimate = q[g];
        out->df = df;
        out->ci_low = isnan(pl) || pl < 0 ? NAN : qdomain_quantile(Q, g, pl, rule);
        out->ci_high = isnan(pu) || pu > 1 ? NAN : qdomain_quantile(Q, g, pu, rule);
        out->se = (out->ci_high - out->ci_low) / (2 * qcrit(1 - alpha / 2, df));
        qfinish(out, opt);
    }
    helby_estimates_free(pe);
    free(ids), free(map);
    return rc;
}

helby_status helby_quantile_by(const helby_design *d, const double *y, const long *domain,
                               size_t n_domains, const double *probs, size_t n_probs,
                               helby_qrule rule, const helby_estimate_options *opt,
                               helby_estimates **out, helby_error *err)
{
    *out = NULL;
    helby_estimate_options dflt;
    if (!opt) {
        helby_estimate_options_default(&dflt);
        opt = &dflt;
    }
    size_t D = domain ? n_domains : 1, np = n_probs;
    qdomains Q;
    helby_estimates *e = NULL;
    double *q = NULL, *dfg = NULL, *z = NULL;
    long *ldom = NULL;
    helby_status rc = check_probs(probs, np, err);
    if (rc)
        return rc;
    if (!(rc = qdomains_build(&Q, d->n, d->w, y, domain, D, err)))
        rc = qresult_new(&Q, np, &e, err);
    q = malloc((D ? D : 1) * sizeof *q), dfg = malloc((D ? D : 1) * sizeof *dfg);
    z = malloc((d->n ? d->n : 1) * sizeof *z), ldom = malloc((d->n ? d->n : 1) * sizeof *ldom);
    if (!rc && (!q || !dfg || !z || !ldom))
        rc = helby_error_set(err, HELBY_ENOMEM, "out of memory for quantiles");
    if (!rc)
        rc = domain_dfs(d, &Q, dfg, err);
    for (size_t j = 0; !rc && j < np; j++) {
        for (size_t g = 0; g < D; g++)
            q[g] = e->est[g * np + j].n ? qdomain_quantile(&Q, g, probs[j], rule) : NAN;
        rc = woodruff(d, y, domain, &Q, q, j, np, rule, opt, dfg, e, z, ldom, err);
    }
    qdomains_free(&Q);
    free(q), free(dfg), free(z), free(ldom);
    if (rc) {
        helby_estimates_free(e);
        return rc;
    }
    *out = e;
    return HELBY_OK;
}

/* R's mean(): a long double sum divided by n, refined by a second pass. */
static double r_mean(const double *x, size_t n)
{
    long double s = 0, t = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    s /= (long double)n;
    if (isfinite((double)s)) {
        for (size_t i = 0; i < n; i++)
            t += x[i] - s;
        s += t / (long double)n;
    }
    return (double)s;
}

/* survey:::svrVar of one statistic's replicates th (R of them; NaN replicates dropped as
 * na.omit does), centred on their mean over rscales > 0 or, with mse, on coef. */
static double svr_var(const helby_replicates *r, double *th, double coef)
{
    size_t R = r->R, m = 0;
    double *keep = malloc((R ? R : 1) * sizeof *keep), *rs = malloc((R ? R : 1) * sizeof *rs);
    double v = NAN;
    if (keep && rs) {
        for (size_t i = 0; i < R; i++)
            if (!isnan(th[i])) {
                rs[m] = r->rscales ? r->rscales[i] : 1;
                keep[m++] = th[i];
            }
        size_t mp = 0;
        for (size_t i = 0; i < m; i++)
            if (rs[i] > 0)
                th[mp++] = keep[i];
        double c = r->mse ? coef : r_mean(th, mp);
        long double s = 0;
        for (size_t i = 0; m && i < m; i++)
            s += (keep[i] - c) * (keep[i] - c) * rs[i];
        v = m ? (double)s * r->scale : NAN;
    }
    free(keep), free(rs);
    return v;
}

/* Replicate rep's quantiles of every domain and probability into th[(g * np + j) * R + rep]. */
static void replicate_quantiles(const helby_replicates *r, qdomains *Q, size_t rep,
                                const double *probs, size_t np, helby_qrule rule, double *ws,
                                double *wo, double *th)
{
    for (size_t g = 0; g < Q->D; g++) {
        const qrow *s = Q->sorted + Q->first[g], *o = Q->orig + Q->first[g];
        for (size_t i = 0; i < Q->cnt[g]; i++) {
            ws[i] = helby_replicates_weight(r, s[i].k, rep);
            wo[i] = helby_replicates_weight(r, o[i].k, rep);
        }
        for (size_t j = 0; j < np; j++)
            th[(g * np + j) * r->R + rep] =
                Q->cnt[g] ? rows_quantile(s, o, ws, wo, Q->cnt[g], probs[j], rule, &Q->work) : NAN;
    }
}

/* R degf of domain g of supplied replicates (svrepdesign stores none): the rank of the
 * domain's rows' replicate weights - 1 (helby_replicates_rows_df). NaN when out of memory. */
static double domain_rank_df(const helby_replicates *r, const qdomains *Q, size_t g)
{
    unsigned char *in = calloc(r->n ? r->n : 1, 1);
    if (!in)
        return NAN;
    const qrow *o = Q->orig + Q->first[g];
    for (size_t m = 0; m < Q->cnt[g]; m++)
        in[o[m].k] = 1;
    double df = helby_replicates_rows_df(r, in);
    free(in);
    return df;
}

/* Every estimate of e from the replicates' quantiles th (survey:::repCI). */
static void replicate_fill(const helby_replicates *r, qdomains *Q, const double *probs, size_t np,
                           helby_qrule rule, const helby_estimate_options *opt, double *th,
                           helby_estimates *e)
{
    double alpha = 1 - opt->level;
    for (size_t g = 0; g < Q->D; g++) {
        double df = opt->df > 0                  ? opt->df
                    : opt->ci == HELBY_CI_NORMAL ? INFINITY
                    : r->supplied && Q->cnt[g]   ? domain_rank_df(r, Q, g)
                                                 : r->df;
        double t = qcrit(1 - alpha / 2, df);
        for (size_t j = 0; j < np; j++) {
            helby_estimate *o = &e->est[g * np + j];
            if (o->n == 0)
                continue;
            o->estimate = qdomain_quantile(Q, g, probs[j], rule);
            double v = svr_var(r, th + (g * np + j) * r->R, o->estimate);
            o->ci_low = o->estimate - sqrt(v) * t;
            o->ci_high = o->estimate + sqrt(v) * t;
            o->se = (o->ci_high - o->ci_low) / (2 * t);
            o->df = df;
            qfinish(o, opt);
        }
    }
}

helby_status helby_quantile_by_replicates(const helby_replicates *r, const double *y,
                                          const long *domain, size_t n_domains, const double *probs,
                                          size_t n_probs, helby_qrule rule,
                                          const helby_estimate_options *opt, helby_estimates **out,
                                          helby_error *err)
{
    *out = NULL;
    helby_estimate_options dflt;
    if (!opt) {
        helby_estimate_options_default(&dflt);
        opt = &dflt;
    }
    if (r->from_jackknife)
        return helby_error_set(err, HELBY_EUSAGE,
                               "quantiles with jackknife replicates (jk1, jkn) are refused: R "
                               "svyquantile warns that jackknife weights may not give valid "
                               "standard errors for quantiles; use linearization (Woodruff), "
                               "bootstrap, brr or fay");
    size_t D = domain ? n_domains : 1, np = n_probs;
    qdomains Q;
    helby_estimates *e = NULL;
    helby_status rc = check_probs(probs, np, err);
    if (rc)
        return rc;
    if (!(rc = qdomains_build(&Q, r->n, r->w, y, domain, D, err)))
        rc = qresult_new(&Q, np, &e, err);
    size_t m = Q.n ? Q.n : 1;
    double *th = malloc((D * np * r->R + 1) * sizeof *th);
    double *ws = malloc(m * sizeof *ws), *wo = malloc(m * sizeof *wo);
    if (!rc && (!th || !ws || !wo))
        rc = helby_error_set(err, HELBY_ENOMEM, "out of memory for quantiles");
    for (size_t rep = 0; !rc && rep < r->R; rep++)
        replicate_quantiles(r, &Q, rep, probs, np, rule, ws, wo, th);
    if (!rc)
        replicate_fill(r, &Q, probs, np, rule, opt, th, e);
    qdomains_free(&Q);
    free(th), free(ws), free(wo);
    if (rc) {
        helby_estimates_free(e);
        return rc;
    }
    *out = e;
    return HELBY_OK;
}
