/* compare.c — group comparisons over waves and goal verdicts (helby/compare.h). */
#include "helby/compare.h"

#include <float.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/estimate_internal.h"

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

helby_estimate helby_wave_change(const helby_estimate *now, const helby_estimate *then,
                                 double fixed_df, const helby_estimate_options *opt)
{
    helby_estimate e;
    memset(&e, 0, sizeof e);
    double v[2] = {now->se * now->se, then->se * then->se}, df[2] = {now->df, then->df};
    e.estimate = now->estimate - then->estimate;
    e.se = sqrt(v[0] + v[1]);
    e.df = fixed_df > 0 ? fixed_df : helby_satterthwaite_df(v, df, 2);
    e.ci_df = e.df;
    e.n = min_n(now->n, then->n);
    e.deff = NAN;
    e.rel_se = e.estimate != 0 ? e.se / fabs(e.estimate) : INFINITY;
    helby_estimate_options o = *opt;
    o.ci = o.ci == HELBY_CI_NORMAL ? HELBY_CI_NORMAL : HELBY_CI_T;
    o.df = e.df;
    helby_estimate_set_ci(&e, &o, 0);
    if (isnan(e.estimate) || isnan(e.se))
        e.estimate = e.se = e.ci_low = e.ci_high = e.rel_se = NAN;
    return e;
}

void helby_estimate_test_zero(const helby_estimate *e, int normal, double *t, double *p)
{
    double z = e->se > 0 ? e->estimate / e->se : NAN;
    *t = z;
    if (isnan(z) || (!normal && !(e->df > 0)))
        *p = NAN;
    else
        *p = 2 * (normal ? gsl_cdf_ugaussian_Q(fabs(z)) : gsl_cdf_tdist_Q(fabs(z), e->df));
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

/* The two-sided quantile at opt's level on df (normal with HELBY_CI_NORMAL or df infinite). */
static double crit(const helby_estimate_options *opt, double df)
{
    double level = opt ? opt->level : 0.95, p = 1 - (1 - level) / 2;
    if ((opt && opt->ci == HELBY_CI_NORMAL) || !(df > 0) || isinf(df))
        return gsl_cdf_ugaussian_Pinv(p);
    return gsl_cdf_tdist_Pinv(p, df);
}

/* The pivot of Fieller's interval at phi = 1 + theta: P = G_t - phi G_0, Var P = v_t +
 * phi^2 v_0, on the Satterthwaite df of its two independent parts (or the fixed df). */
typedef struct pivot {
    double G0, v0, df0, Gt, vt, dft, fixed;
    const helby_estimate_options *opt;
} pivot;

static double pivot_df(const pivot *p, double phi)
{
    if (p->fixed > 0)
        return p->fixed;
    double v[2] = {p->vt, phi * phi * p->v0}, d[2] = {p->dft, p->df0};
    if (!(v[0] > 0))
        return p->df0;
    if (!(v[1] > 0))
        return p->dft;
    return helby_satterthwaite_df(v, d, 2);
}

/* P^2 - t^2 Var P: <= 0 exactly where the pivot's t test does not reject. */
static double pivot_excess(const pivot *p, double phi)
{
    double P = p->Gt - phi * p->G0, t = crit(p->opt, pivot_df(p, phi));
    return P * P - t * t * (p->vt + phi * phi * p->v0);
}

/* The root of pivot_excess between inside (<= 0) and outside (> 0), by bisection to the last
 * bits (the function is smooth and changes sign once on a bracket this small). */
static double pivot_root(const pivot *p, double in, double out)
{
    for (int i = 0; i < 200 && in != out; i++) {
        double mid = in + (out - in) / 2;
        if (mid == in || mid == out)
            break;
        if (pivot_excess(p, mid) <= 0)
            in = mid;
        else
            out = mid;
    }
    return in + (out - in) / 2;
}

/* The bound of the acceptance set on side dir (+1, -1) of phi0 inside it: steps doubling away
 * from phi0 until the test rejects, then the root in between. */
static double pivot_bound(const pivot *p, double phi0, double dir, double step)
{
    double in = phi0;
    for (int k = 0; k < 2100; k++, step *= 2) {
        double out = phi0 + dir * step;
        if (!isfinite(out))
            return dir * INFINITY;
        if (pivot_excess(p, out) > 0)
            return pivot_root(p, in, out);
        in = out;
    }
    return dir * INFINITY;
}

void helby_fieller_gaps(const helby_estimate *g0, const helby_estimate *gt, double fixed_df,
                        const helby_estimate_options *opt, helby_fieller *out)
{
    memset(out, 0, sizeof *out);
    out->low = out->high = out->df_low = out->df_high = NAN;
    pivot p = {g0->estimate,    g0->se * g0->se, g0->df,   gt->estimate,
               gt->se * gt->se, gt->df,          fixed_df, opt};
    out->baseline_t = p.v0 > 0 ? fabs(p.G0) / sqrt(p.v0) : INFINITY;
    out->crit0 = crit(opt, fixed_df > 0 ? fixed_df : p.df0);
    if (!isfinite(p.G0) || !isfinite(p.Gt) || !isfinite(p.v0) || !isfinite(p.vt) || p.G0 == 0)
        return;
    /* As theta grows, P / SE(P) tends to |G_0| / SE(G_0) on the baseline gap's own df: the
     * interval is bounded exactly when that test rejects G_0 = 0. */
    out->bounded = out->baseline_t > out->crit0;
    if (!out->bounded)
        return;
    double phi0 = p.Gt / p.G0;
    double step = sqrt(p.vt + phi0 * phi0 * p.v0) / fabs(p.G0) / 64;
    if (!(step > 0))
        step = fabs(phi0) > 0 ? fabs(phi0) * 1e-12 : 1e-300;
    double lo = pivot_bound(&p, phi0, -1, step), hi = pivot_bound(&p, phi0, 1, step);
    out->low = lo - 1, out->high = hi - 1;
    out->df_low = pivot_df(&p, lo), out->df_high = pivot_df(&p, hi);
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
    /* A baseline gap that is zero up to the rounding of the difference is zero: nothing is
     * relative to it (a relative change is undefined, never a number of 1e17 %). */
    const double G0r = fabs(G0) <= 16 * DBL_EPSILON * (fabs(d0) + fabs(m0)) ? 0 : G0;
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
    g[dn[w]] += 1 / G0r, g[mn[w]] -= 1 / G0r;
    g[dn[b]] -= Gt / (G0r * G0r), g[mn[b]] += Gt / (G0r * G0r);
    if ((st = quantity(e, (Gt - G0r) / G0r, g, DF(b), opt, &o->rel_gap_change, err)))
        return st;
    /* (Q_t - Q_0) / Q_0 = (m_t d_0) / (d_t m_0) - 1. */
    GRAD_RESET();
    double r = (mt * d0) / (dt * m0);
    g[mn[w]] += r / mt, g[dn[w]] -= r / dt, g[dn[b]] += r / d0, g[mn[b]] -= r / m0;
    if ((st = quantity(e, r - 1, g, DF(b), opt, &o->ratio_change, err)))
        return st;
#undef DF
#undef GRAD_RESET
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
    if (!(df > 0) && opt && opt->df > 0)
        df = opt->df; /* the user's --df */
    for (size_t w = 0; w < W && !st; w++) {
        /* Fieller on the two waves' gaps, each with its own variance and df (§7). */
        helby_wave_comparison *o = &out[w];
        helby_fieller f;
        memset(&f, 0, sizeof f);
        f.low = f.high = f.df_low = f.df_high = f.baseline_t = NAN;
        if (w != b && !isnan(o->rel_gap_change.estimate))
            helby_fieller_gaps(&out[b].gap, &o->gap, df, opt, &f);
        o->fieller_bounded = f.bounded;
        o->fieller_low = f.low, o->fieller_high = f.high;
        o->fieller_df_low = f.df_low, o->fieller_df_high = f.df_high;
        o->baseline_gap_t = f.baseline_t;
    }
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

const char *helby_goal_reason_text(helby_goal_reason r, const char *lang)
{
    int da = lang && !strcmp(lang, "da");
    switch (r) {
    case HELBY_REASON_CI:
        return da ? "konfidensintervallet rummer målet"
                  : "the confidence interval includes the target";
    case HELBY_REASON_BASELINE_ZERO:
        return da ? "forskellen i basisåret kan ikke skelnes fra nul, så en relativ ændring af den "
                    "har intet endeligt konfidensinterval (Fieller)"
                  : "the baseline gap is not distinguishable from zero, so a change relative to "
                    "it has no finite confidence interval (Fieller)";
    case HELBY_REASON_DISAGREE:
        return da ? "delta-metodens og Fiellers konfidensintervaller giver forskellig dom"
                  : "the delta-method and Fieller confidence intervals give different verdicts";
    default: return "";
    }
}

void helby_goal_reversal_text(double gap_t, int share, const char *lang, char *buf, size_t n)
{
    int da = lang && !strcmp(lang, "da"), min = gap_t < 0;
    char num[32];
    snprintf(num, sizeof num, "%.1f", fabs(gap_t) * (share ? 100 : 1));
    if (da)
        for (char *p = num; *p; p++)
            if (*p == '.')
                *p = ',';
    const char *who =
        da ? (min ? "etniske minoriteter" : "etniske danskere") : (min ? "minorities" : "Danes");
    const char *unit =
        share ? (da ? "procentpoint" : "percentage points") : (da ? "point" : "points");
    snprintf(buf, n,
             da ? "lukket og vendt (%s ligger nu %s %s over)"
                : "closed and reversed (%s now %s %s above)",
             who, num, unit);
}

/* The reduction's Fieller interval: the relative change's, negated and swapped. */
void helby_goal_judge_reduction(const helby_estimate *q, const helby_estimate *g0,
                                const helby_estimate *gt, double x, int delta_only,
                                const helby_estimate_options *opt, helby_goal_result *out)
{
    out->gap_reversed = g0->estimate * gt->estimate < 0;
    out->fieller_bounded = 1;
    out->fieller_low = out->fieller_high = NAN;
    out->reason = HELBY_REASON_NONE;
    if (isnan(q->estimate)) {
        out->verdict = HELBY_VERDICT_UNDEFINED;
        return;
    }
    out->verdict = helby_verdict_of(q, x / 100, 1);
    if (!delta_only) {
        helby_fieller f;
        helby_fieller_gaps(g0, gt, opt && opt->df > 0 ? opt->df : 0, opt, &f);
        out->fieller_bounded = f.bounded;
        if (!f.bounded) {
            out->verdict = HELBY_VERDICT_INCONCLUSIVE;
            out->reason = HELBY_REASON_BASELINE_ZERO;
            return;
        }
        out->fieller_low = -f.high, out->fieller_high = -f.low;
        helby_estimate fq = *q;
        fq.ci_low = out->fieller_low, fq.ci_high = out->fieller_high;
        if (helby_verdict_of(&fq, x / 100, 1) != out->verdict) {
            out->verdict = HELBY_VERDICT_INCONCLUSIVE;
            out->reason = HELBY_REASON_DISAGREE;
            return;
        }
    }
    if (out->verdict == HELBY_VERDICT_INCONCLUSIVE)
        out->reason = HELBY_REASON_CI;
}

/* The relative kinds: the reduction -(G_t - G_0)/G_0, or the ratio's relative change. */
static void goal_relative(const helby_target *tg, double x, const helby_wave_comparison *cmp,
                          size_t b, size_t tw, int fixed_df, const helby_estimate_options *opt,
                          helby_goal_result *out)
{
    const helby_wave_comparison *t = &cmp[tw];
    out->n = min_n(min_n(cmp[b].danes.n, cmp[b].minorities.n), min_n(t->danes.n, t->minorities.n));
    if (tg->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION) {
        out->q = t->rel_gap_change; /* reduction = -(G_t - G_0)/G_0 */
        out->q.estimate = -out->q.estimate;
        double lo = -out->q.ci_high;
        out->q.ci_high = -out->q.ci_low;
        out->q.ci_low = lo;
        /* The target wave at the baseline: no change, nothing for Fieller. */
        helby_goal_judge_reduction(&out->q, &cmp[b].gap, &t->gap, x, fixed_df || tw == b, opt, out);
        return;
    }
    out->q = t->ratio_change;
    out->fieller_bounded = 1;
    out->fieller_low = out->fieller_high = NAN;
    out->verdict =
        isnan(out->q.estimate) ? HELBY_VERDICT_UNDEFINED : helby_verdict_of(&out->q, x / 100, 1);
    out->reason = out->verdict == HELBY_VERDICT_INCONCLUSIVE ? HELBY_REASON_CI : HELBY_REASON_NONE;
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
        goal_relative(tg, x, cmp, b, tw, df > 0, opt, out);
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
    out->q.n = out->n; /* the fewest respondents behind it, as every other quantity */
    out->fieller_low = out->fieller_high = NAN;
    out->reason = out->verdict == HELBY_VERDICT_INCONCLUSIVE ? HELBY_REASON_CI : HELBY_REASON_NONE;
    return HELBY_OK;
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
    /* The verdict by the raw goal's rule: Fieller on the two adjusted gaps (same wave: no
     * change, the delta method alone; a df fixed by the caller: that df for Fieller too). */
    helby_estimate_options fo = opt ? *opt : (helby_estimate_options){0};
    if (!opt)
        helby_estimate_options_default(&fo);
    if (fixed)
        fo.df = df;
    helby_goal_judge_reduction(q, g0, gt, x, same_wave, &fo, out);
    return HELBY_OK;
}
