/* compare.c — group comparisons over waves and goal verdicts (helby/compare.h). */
#include "helby/compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

helby_status helby_delta_method(const helby_estimates *e, double value, const double *grad,
                                double df, const helby_estimate_options *opt,
                                helby_estimate *out, helby_error *err)
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
    const double d0 = e->est[dn[b]].estimate, m0 = e->est[mn[b]].estimate, G0 = d0 - m0;
    for (size_t w = 0; w < W && !st; w++) {
        helby_wave_comparison *o = &out[w];
        memset(o, 0, sizeof *o);
        o->wave = waves[w];
        o->danes = e->est[dn[w]];
        o->minorities = e->est[mn[w]];
        const double dt = o->danes.estimate, mt = o->minorities.estimate, Gt = dt - mt;
        const double Qt = mt / dt;
#define GRAD_RESET() memset(g, 0, D * sizeof *g)
        GRAD_RESET();
        g[dn[w]] += 1;
        g[mn[w]] -= 1;
        if ((st = helby_delta_method(e, Gt, g, df, opt, &o->gap, err)))
            break;
        GRAD_RESET(); /* Q = m / d */
        g[mn[w]] += 1 / dt;
        g[dn[w]] -= mt / (dt * dt);
        if ((st = helby_delta_method(e, Qt, g, df, opt, &o->ratio, err)))
            break;
        GRAD_RESET(); /* G_t - G_0 */
        g[dn[w]] += 1, g[mn[w]] -= 1, g[dn[b]] -= 1, g[mn[b]] += 1;
        if ((st = helby_delta_method(e, Gt - G0, g, df, opt, &o->gap_change, err)))
            break;
        /* (G_t - G_0) / G_0 = G_t / G_0 - 1: d/dG_t = 1/G_0, d/dG_0 = -G_t/G_0^2. */
        GRAD_RESET();
        g[dn[w]] += 1 / G0, g[mn[w]] -= 1 / G0;
        g[dn[b]] -= Gt / (G0 * G0), g[mn[b]] += Gt / (G0 * G0);
        if ((st = helby_delta_method(e, (Gt - G0) / G0, g, df, opt, &o->rel_gap_change, err)))
            break;
        /* (Q_t - Q_0) / Q_0 = (m_t d_0) / (d_t m_0) - 1. */
        GRAD_RESET();
        double r = (mt * d0) / (dt * m0);
        g[mn[w]] += r / mt, g[dn[w]] -= r / dt, g[dn[b]] += r / d0, g[mn[b]] -= r / m0;
        if ((st = helby_delta_method(e, r - 1, g, df, opt, &o->ratio_change, err)))
            break;
#undef GRAD_RESET
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
    default: return "inconclusive";
    }
}

static size_t min_n(size_t a, size_t b) { return a < b ? a : b; }

helby_status helby_goal_evaluate(const helby_target *tg, double x,
                                 const helby_wave_comparison *cmp, const helby_estimates *groups,
                                 const helby_estimates *all, const size_t *dn, const size_t *mn,
                                 size_t b, size_t tw, double df,
                                 const helby_estimate_options *opt, helby_goal_result *out,
                                 helby_error *err)
{
    if (tg->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION || tg->kind == HELBY_TARGET_RATIO_INCREASE) {
        if (tg->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION) {
            out->q = cmp[tw].rel_gap_change; /* reduction = -(G_t - G_0)/G_0 */
            out->q.estimate = -out->q.estimate;
            double lo = -out->q.ci_high;
            out->q.ci_high = -out->q.ci_low;
            out->q.ci_low = lo;
        } else {
            out->q = cmp[tw].ratio_change;
        }
        out->verdict = helby_verdict_of(&out->q, x / 100, 1);
        out->n = min_n(min_n(cmp[b].danes.n, cmp[b].minorities.n),
                       min_n(cmp[tw].danes.n, cmp[tw].minorities.n));
        return HELBY_OK;
    }
    int everyone = !strcmp(tg->group, "all"), danes = !strcmp(tg->group, "danes");
    const helby_estimates *src = everyone ? all : groups;
    size_t a0 = everyone ? b : danes ? dn[b] : mn[b];
    size_t a1 = everyone ? tw : danes ? dn[tw] : mn[tw];
    helby_status st = helby_contrast(src, HELBY_CONTRAST_DIFFERENCE, a1, a0, df, opt, &out->q,
                                     err);
    if (st)
        return st;
    out->verdict = helby_verdict_of(&out->q, x, 0);
    out->n = min_n(src->est[a0].n, src->est[a1].n);
    return HELBY_OK;
}
