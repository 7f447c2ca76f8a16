/* compare.c — group comparisons over waves and goal verdicts (helby/compare.h). */
#include "helby/compare.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

helby_status helby_delta_method(const helby_estimates *e, double value, const double *grad,
                                double df, const helby_estimate_options *opt, helby_estimate *out,
                                helby_error *err)
{
    helby_status st = helby_linear_combination(e, grad, df, opt, out, err);
    if (st)
        return st;
    double shift = value - out->estimate;
    out->estimate = value;
    out->ci_low += shift;
    out->ci_high += shift;
    out->rel_se = value != 0 ? out->se / fabs(value) : INFINITY;
    return HELBY_OK;
}

static size_t min_n(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Satterthwaite (Welch) df of a contrast whose variance is the sum of independent parts
 * v[i] with df[i] (waves are independent samples); one part keeps its own df. */
double helby_satterthwaite_df(const double *v, const double *df, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(v[i] > 0))
            continue;
        num += v[i];
        den += v[i] * v[i] / df[i];
    }
    if (!(den > 0))
        return n ? df[0] : NAN;
    return num * num / den;
}

/* c' V c over the domains in idx (the part of one wave). */
static double part_var(const helby_estimates *e, const double *c, const size_t *idx, size_t k)
{
    const size_t D = e->n_domains;
    double v = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            v += c[idx[i]] * e->vcov[idx[i] * D + idx[j]] * c[idx[j]];
    return v;
}

/* The df of a quantity of waves w and b (grad g): the wave's own when w == b, else
 * Satterthwaite over the two waves' parts; `fixed` > 0 overrides. */
static double quantity_df(const helby_estimates *e, const double *g, const size_t *dn,
                          const size_t *mn, size_t w, size_t b, double fixed)
{
    if (fixed > 0)
        return fixed;
    size_t pw[2] = {dn[w], mn[w]}, pb[2] = {dn[b], mn[b]};
    double v[2] = {part_var(e, g, pw, 2), part_var(e, g, pb, 2)};
    double df[2] = {e->est[dn[w]].df, e->est[dn[b]].df};
    if (w == b || !(v[1] > 0))
        return df[0];
    if (!(v[0] > 0))
        return df[1];
    return helby_satterthwaite_df(v, df, 2);
}

/* An undefined quantity: a zero denominator or an empty cell. Flagged by NaN, n kept. */
static void undefined(helby_estimate *q)
{
    memset(q, 0, sizeof *q);
    q->estimate = q->se = q->ci_low = q->ci_high = q->df = q->deff = q->rel_se = NAN;
}

/* value and its SE by the delta method with gradient g, or undefined when the value or the
 * gradient is not finite (the rest of the comparison stands). */
static helby_status quantity(const helby_estimates *e, double value, const double *g, double df,
                             const helby_estimate_options *opt, helby_estimate *out,
                             helby_error *err)
{
    int ok = isfinite(value);
    for (size_t i = 0; ok && i < e->n_domains; i++)
        ok = isfinite(g[i]) && (g[i] == 0 || isfinite(e->est[i].estimate));
    if (!ok) {
        undefined(out);
        return HELBY_OK;
    }
    helby_estimate_options o = opt ? *opt : (helby_estimate_options){0};
    if (!opt)
        helby_estimate_options_default(&o);
    o.df = 0; /* df is the quantity's own, computed by the caller */
    return helby_delta_method(e, value, g, df, &o, out, err);
}

/* Fieller's interval for theta = a / b (a = G_t - G_0, b = G_0, independent waves so
 * cov(a, b) = -var(G_0)): the theta with (a - theta b)^2 <= t^2 (va - 2 theta cab +
 * theta^2 vb). Bounded only when b^2 > t^2 vb, i.e. |G_0| / SE(G_0) > t. */
static void fieller(helby_wave_comparison *o, double a, double va, double b, double vb, double cab,
                    double t)
{
    double A = b * b - t * t * vb, B = -2 * (a * b - t * t * cab), C = a * a - t * t * va;
    o->baseline_gap_t = vb > 0 ? fabs(b) / sqrt(vb) : INFINITY;
    o->fieller_bounded = A > 0 && isfinite(A);
    o->fieller_low = o->fieller_high = NAN;
    if (o->fieller_bounded) {
        double disc = B * B - 4 * A * C;
        if (disc < 0)
            disc = 0;
        o->fieller_low = (-B - sqrt(disc)) / (2 * A);
        o->fieller_high = (-B + sqrt(disc)) / (2 * A);
    }
}

/* One wave's comparison against baseline b (gradient scratch g, D domains). */
static helby_status compare_wave(const helby_estimates *e, size_t w, size_t b, const size_t *dn,
                                 const size_t *mn, double fixed_df,
                                 const helby_estimate_options *opt, double *g,
                                 helby_wave_comparison *o, helby_error *err)
{
    if (!(fixed_df > 0) && opt && opt->df > 0)
        fixed_df = opt->df; /* the user's --df */
    const size_t D = e->n_domains;
    const double d0 = e->est[dn[b]].estimate, m0 = e->est[mn[b]].estimate, G0 = d0 - m0;
    const double dt = o->danes.estimate, mt = o->minorities.estimate, Gt = dt - mt;
    helby_status st;
#define GRAD_RESET() memset(g, 0, D * sizeof *g)
#define DF(ww) quantity_df(e, g, dn, mn, w, ww, fixed_df)
    GRAD_RESET();
    g[dn[w]] += 1, g[mn[w]] -= 1;
    if ((st = quantity(e, Gt, g, DF(w), opt, &o->gap, err)))
        return st;
    GRAD_RESET(); /* Q = m / d */
    g[mn[w]] += 1 / dt, g[dn[w]] -= mt / (dt * dt);
    if ((st = quantity(e, mt / dt, g, DF(w), opt, &o->ratio, err)))
        return st;
    GRAD_RESET(); /* G_t - G_0 */
    g[dn[w]] += 1, g[mn[w]] -= 1, g[dn[b]] -= 1, g[mn[b]] += 1;
    if ((st = quantity(e, Gt - G0, g, DF(b), opt, &o->gap_change, err)))
        return st;
    /* (G_t - G_0) / G_0 = G_t / G_0 - 1: d/dG_t = 1/G_0, d/dG_0 = -G_t/G_0^2. */
    GRAD_RESET();
    g[dn[w]] += 1 / G0, g[mn[w]] -= 1 / G0;
    g[dn[b]] -= Gt / (G0 * G0), g[mn[b]] += Gt / (G0 * G0);
    if ((st = quantity(e, (Gt - G0) / G0, g, DF(b), opt, &o->rel_gap_change, err)))
        return st;
    /* (Q_t - Q_0) / Q_0 = (m_t d_0) / (d_t m_0) - 1. */
    GRAD_RESET();
    double r = (mt * d0) / (dt * m0);
    g[mn[w]] += r / mt, g[dn[w]] -= r / dt, g[dn[b]] += r / d0, g[mn[b]] -= r / m0;
    if ((st = quantity(e, r - 1, g, DF(b), opt, &o->ratio_change, err)))
        return st;
#undef DF
#undef GRAD_RESET
    if (w != b && isfinite(o->gap_change.se) && isfinite(o->gap_change.df)) {
        /* Var(G_0) and Var(G_t), each on its own wave. */
        size_t p0[2] = {dn[b], mn[b]}, pt[2] = {dn[w], mn[w]};
        memset(g, 0, D * sizeof *g);
        g[dn[b]] = 1, g[mn[b]] = -1;
        double v0 = part_var(e, g, p0, 2);
        memset(g, 0, D * sizeof *g);
        g[dn[w]] = 1, g[mn[w]] = -1;
        double vt = part_var(e, g, pt, 2);
        double level = opt ? opt->level : 0.95, p = 1 - (1 - level) / 2;
        /* t on the Satterthwaite df of the numerator G_t - G_0 (docs/method.md §7). */
        double t = opt && opt->ci == HELBY_CI_NORMAL ? gsl_cdf_ugaussian_Pinv(p)
                                                     : gsl_cdf_tdist_Pinv(p, o->gap_change.df);
        fieller(o, Gt - G0, vt + v0, G0, v0, -v0, t);
    } else {
        o->fieller_bounded = 0;
        o->fieller_low = o->fieller_high = o->baseline_gap_t = NAN;
    }
    return HELBY_OK;
}

helby_status helby_compare_groups(const helby_estimates *e, const long *waves, size_t W,
                                  const size_t *dn, const size_t *mn, size_t b, double df,
                                  const helby_estimate_options *opt, helby_wave_comparison *out,
                                  helby_error *err)
{
    const size_t D = e->n_domains;
    double *g = calloc(D, sizeof *g);
    if (!g)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory comparing");
    helby_status st = HELBY_OK;
    for (size_t w = 0; w < W && !st; w++) {
        helby_wave_comparison *o = &out[w];
        memset(o, 0, sizeof *o);
        o->wave = waves[w];
        o->danes = e->est[dn[w]];
        o->minorities = e->est[mn[w]];
        st = compare_wave(e, w, b, dn, mn, df, opt, g, o, err);
        /* n of a quantity: the fewest respondents behind an estimate it uses. */
        size_t nw = min_n(o->danes.n, o->minorities.n);
        size_t nb = min_n(e->est[dn[b]].n, e->est[mn[b]].n);
        o->gap.n = o->ratio.n = nw;
        o->gap_change.n = o->rel_gap_change.n = o->ratio_change.n = min_n(nw, nb);
    }
    free(g);
    return st;
}

helby_verdict helby_verdict_of(const helby_estimate *q, double threshold, int inclusive)
{
    if (inclusive ? q->ci_low >= threshold : q->ci_low > threshold)
        return HELBY_VERDICT_MET;
    if (inclusive ? q->ci_high < threshold : q->ci_high <= threshold)
        return HELBY_VERDICT_NOT_MET;
    return HELBY_VERDICT_INCONCLUSIVE;
}

const char *helby_verdict_name(helby_verdict v)
{
    switch (v) {
    case HELBY_VERDICT_MET: return "met";
    case HELBY_VERDICT_NOT_MET: return "not met";
    case HELBY_VERDICT_UNDEFINED: return "undefined";
    default: return "inconclusive";
    }
}

/* The relative kinds: the reduction -(G_t - G_0)/G_0, or the ratio's relative change. */
static void goal_relative(const helby_target *tg, double x, const helby_wave_comparison *cmp,
                          size_t b, size_t tw, int fixed_df, helby_goal_result *out)
{
    const helby_wave_comparison *t = &cmp[tw];
    if (tg->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION) {
        out->q = t->rel_gap_change; /* reduction = -(G_t - G_0)/G_0 */
        out->q.estimate = -out->q.estimate;
        double lo = -out->q.ci_high;
        out->q.ci_high = -out->q.ci_low;
        out->q.ci_low = lo;
        out->gap_reversed = cmp[b].gap.estimate * t->gap.estimate < 0;
        out->fieller_bounded = tw == b || t->fieller_bounded;
    } else {
        out->q = t->ratio_change;
        out->fieller_bounded = 1;
    }
    if (isnan(out->q.estimate))
        out->verdict = HELBY_VERDICT_UNDEFINED;
    else if (!out->fieller_bounded && !fixed_df)
        out->verdict = HELBY_VERDICT_INCONCLUSIVE;
    else
        out->verdict = helby_verdict_of(&out->q, x / 100, 1);
    out->n = min_n(min_n(cmp[b].danes.n, cmp[b].minorities.n), min_n(t->danes.n, t->minorities.n));
}

helby_status helby_goal_evaluate(const helby_target *tg, double x, const helby_wave_comparison *cmp,
                                 const helby_estimates *groups, const helby_estimates *all,
                                 const size_t *dn, const size_t *mn, size_t b, size_t tw, double df,
                                 const helby_estimate_options *opt, helby_goal_result *out,
                                 helby_error *err)
{
    memset(out, 0, sizeof *out);
    if (tg->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION ||
        tg->kind == HELBY_TARGET_RATIO_INCREASE) {
        /* A fixed df (runs of method 1) keeps the delta-method verdict those runs stored. */
        goal_relative(tg, x, cmp, b, tw, df > 0, out);
        return HELBY_OK;
    }
    int everyone = !strcmp(tg->group, "all"), danes = !strcmp(tg->group, "danes");
    const helby_estimates *src = everyone ? all : groups;
    size_t a0 = everyone ? b : danes ? dn[b] : mn[b];
    size_t a1 = everyone ? tw : danes ? dn[tw] : mn[tw];
    out->n = min_n(src->est[a0].n, src->est[a1].n);
    out->fieller_bounded = 1;
    const helby_estimate *e0 = &src->est[a0], *e1 = &src->est[a1];
    if (isnan(e0->estimate) || isnan(e1->estimate)) {
        undefined(&out->q);
        out->verdict = HELBY_VERDICT_UNDEFINED;
        return HELBY_OK;
    }
    if (!(df > 0) && opt && opt->df > 0)
        df = opt->df;
    if (!(df > 0)) {
        /* Independent waves: the variances add; Satterthwaite df from the two waves'. */
        double v[2] = {e1->se * e1->se, e0->se * e0->se}, d[2] = {e1->df, e0->df};
        df = a0 == a1 ? e1->df : helby_satterthwaite_df(v, d, 2);
    }
    helby_estimate_options o = opt ? *opt : (helby_estimate_options){0};
    if (!opt)
        helby_estimate_options_default(&o);
    o.df = 0;
    helby_status st = helby_contrast(src, HELBY_CONTRAST_DIFFERENCE, a1, a0, df, &o, &out->q, err);
    if (st)
        return st;
    out->verdict = helby_verdict_of(&out->q, x, 0);
    return HELBY_OK;
}

/* The t (or normal) quantile of a two-sided interval at opt's level on df. */
static double crit(const helby_estimate_options *opt, double df)
{
    double level = opt ? opt->level : 0.95, p = 1 - (1 - level) / 2;
    if ((opt && opt->ci == HELBY_CI_NORMAL) || !(df > 0) || isinf(df))
        return gsl_cdf_ugaussian_Pinv(p);
    return gsl_cdf_tdist_Pinv(p, df);
}

helby_status helby_goal_evaluate_adjusted(const helby_target *tg, double x,
                                          const helby_estimate *g0, const helby_estimate *gt,
                                          int same_wave, double df,
                                          const helby_estimate_options *opt, helby_goal_result *out,
                                          helby_error *err)
{
    (void)err;
    memset(out, 0, sizeof *out);
    out->n = min_n(g0->n, gt->n);
    out->fieller_bounded = 1;
    const double G0 = g0->estimate, Gt = gt->estimate;
    if (tg->kind != HELBY_TARGET_RELATIVE_GAP_REDUCTION || !isfinite(G0) || !isfinite(Gt) ||
        G0 == 0 || !isfinite(g0->se) || !isfinite(gt->se)) {
        undefined(&out->q);
        out->q.n = out->n;
        out->verdict = HELBY_VERDICT_UNDEFINED;
        return HELBY_OK;
    }
    double v0 = same_wave ? 0 : g0->se * g0->se, vt = same_wave ? 0 : gt->se * gt->se;
    double a = 1 / G0, c = Gt / (G0 * G0);
    double parts[2] = {a * a * vt, c * c * v0}, dfs[2] = {gt->df, g0->df};
    int fixed = df > 0 || (opt && opt->df > 0);
    if (!(df > 0))
        df = opt && opt->df > 0 ? opt->df
             : same_wave        ? gt->df
                                : helby_satterthwaite_df(parts, dfs, 2);
    helby_estimate *q = &out->q;
    q->estimate = 1 - Gt / G0;
    q->se = sqrt(parts[0] + parts[1]);
    q->df = df;
    double t = crit(opt, df);
    q->ci_low = q->estimate - t * q->se;
    q->ci_high = q->estimate + t * q->se;
    q->deff = NAN;
    q->rel_se = q->estimate != 0 ? q->se / fabs(q->estimate) : INFINITY;
    q->n = out->n;
    out->gap_reversed = G0 * Gt < 0;
    if (!same_wave) {
        double vv[2] = {vt, v0}, nd = fixed ? df : helby_satterthwaite_df(vv, dfs, 2);
        double tn = crit(opt, nd);
        out->fieller_bounded = G0 * G0 - tn * tn * v0 > 0;
    }
    if (!out->fieller_bounded && !fixed)
        out->verdict = HELBY_VERDICT_INCONCLUSIVE;
    else
        out->verdict = helby_verdict_of(q, x / 100, 1);
    return HELBY_OK;
}
