/* runadjust.c — the adjusted rows of a run (targets.csv `adjust`, docs/comparisons.md):
 * for each target with covariates, helby_explain on the run's stored definition with the
 * run's variance, weights, level and df, stored per wave as the adjusted group means and gap
 * (by regression or standardisation, as the target says), the explained part (total and per
 * covariate) and the unexplained part of the Oaxaca–Blinder decomposition, then the goal's
 * verdict on the adjusted gaps (helby_goal_evaluate_adjusted). They come after every other
 * row: a definition without `adjust` (every run stored before) has none.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/compare.h"
#include "helby/explain.h"
#include "runs/run_internal.h"

/* A row; below min_cell respondents suppressed, an undefined quantity "undefined". */
static int put(helby_row_list *l, const char *measure, const char *domain, const helby_estimate *e,
               size_t n, size_t min_cell, const char *flag, helby_error *err)
{
    return helby_row_list_put(l, measure, domain, e, n, min_cell, "suppressed", flag, err);
}

/* A domain text into d (160 bytes); 1 with err set when it does not fit. */
__attribute__((format(printf, 3, 4))) static int domain(helby_error *err, char *d, const char *fmt,
                                                        ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(d, 160, fmt, ap);
    va_end(ap);
    if (k < 0 || k >= 160)
        return helby_error_set(err, HELBY_EINPUT, "domain too long: %s…", d), 1;
    return 0;
}

static size_t adjust_spec(const helby_target *tg, char *out, size_t n)
{
    size_t o =
        (size_t)snprintf(out, n, "%s:", tg->adjust_standardise ? "standardise" : "regression");
    for (size_t k = 0; k < tg->n_adjust && o < n; k++)
        o += (size_t)snprintf(out + o, n - o, "%s%s", k ? "+" : "", tg->adjust[k]);
    return o;
}

/* An earlier target on the same measure with the same covariates and method. */
static int seen_before(const helby_survey *s, size_t t, const char *spec)
{
    char sp[160];
    for (size_t u = 0; u < t; u++) {
        const helby_target *a = &s->targets[u];
        if (!a->n_adjust || strcmp(a->measure, s->targets[t].measure))
            continue;
        adjust_spec(a, sp, sizeof sp);
        if (!strcmp(sp, spec))
            return 1;
    }
    return 0;
}

/* One wave's rows of fit f: the adjusted means and gap, the explained and unexplained parts. */
static int wave_rows(helby_row_list *l, const helby_target *tg, const char *const *cov,
                     const helby_explain_fit *f, long wave, long base, const char *spec,
                     size_t min_cell, helby_error *err)
{
    const int sd = tg->adjust_standardise;
    const helby_explain_quantity q[5] = {
        HELBY_EX_RAW_GAP, sd ? HELBY_EX_STD_MEAN_DANES : HELBY_EX_ADJ_MEAN_DANES,
        sd ? HELBY_EX_STD_MEAN_MINORITIES : HELBY_EX_ADJ_MEAN_MINORITIES,
        sd ? HELBY_EX_STD_GAP : HELBY_EX_ADJ_GAP, HELBY_EX_UNEXPLAINED};
    const size_t nd = f->n_group[0], nm = f->n_group[1], nb = nd < nm ? nd : nm;
    char d[160];
    for (int k = 0; k < 5; k++) {
        size_t n = k == 1 ? nd : k == 2 ? nm : nb;
        if (k == 4) { /* the explained parts before the unexplained */
            if (domain(err, d, "wave=%ld,quantity=explained,term=total,baseline=%ld,adjust=%s",
                       wave, base, spec) ||
                put(l, tg->measure, d, &f->q[HELBY_EX_EXPLAINED], nb, min_cell, "", err))
                return 1;
            for (size_t t = 0; t < f->n_terms; t++) {
                if (domain(err, d, "wave=%ld,quantity=explained,term=%s,baseline=%ld,adjust=%s",
                           wave, cov[t], base, spec) ||
                    put(l, tg->measure, d, &f->terms[t], nb, min_cell, "", err))
                    return 1;
            }
        }
        if (domain(err, d, "wave=%ld,quantity=%s,baseline=%ld,adjust=%s", wave,
                   helby_explain_quantity_name(q[k]), base, spec) ||
            put(l, tg->measure, d, &f->q[q[k]], n, min_cell, "", err))
            return 1;
    }
    return 0;
}

/* The explain request of target tg under run options o. */
static int request_of(const helby_target *tg, const helby_run_options *o, helby_explain_request *q,
                      helby_error *err)
{
    helby_explain_request_default(q);
    q->measure = tg->measure;
    q->covariates = tg->adjust;
    q->n_covariates = tg->n_adjust;
    q->baseline = tg->baseline_wave;
    q->waves = o->waves;
    q->n_waves = o->n_waves;
    q->weights = o->weights;
    if (helby_run_variance(o, &q->rep, &q->replicates, &q->opt, err))
        return 1;
    q->opt.ci = HELBY_CI_T; /* as the comparisons */
    q->no_standard = !tg->adjust_standardise;
    return 0;
}

/* Target t's rows: every wave's, then the verdict at its target wave. */
static int target_rows(helby_row_list *l, helby_store *st, const helby_survey *s,
                       const helby_run_options *o, size_t t, helby_error *err)
{
    const helby_target *tg = &s->targets[t];
    char spec[160];
    adjust_spec(tg, spec, sizeof spec);
    helby_explain_request q;
    helby_explain_result *r = NULL;
    if (request_of(tg, o, &q, err) || helby_explain(st, s, &q, &r, err))
        return 1;
    int rc = 0;
    size_t b = r->baseline, tw = r->n_waves - 1;
    for (size_t i = 0; i < r->n_waves && tg->target_wave; i++)
        if (r->wave_ids[i] == tg->target_wave)
            tw = i;
    const int seen = seen_before(s, t, spec);
    for (size_t w = 0; w < r->n_waves && !rc && !seen; w++)
        rc = wave_rows(l, tg, tg->adjust, &r->fits[w], r->wave_ids[w], r->wave_ids[b], spec,
                       s->min_cell, err);
    const helby_explain_quantity g = tg->adjust_standardise ? HELBY_EX_STD_GAP : HELBY_EX_ADJ_GAP;
    helby_goal_result gr;
    helby_estimate_options eo = q.opt;
    if (!rc)
        rc = helby_goal_evaluate_adjusted(tg, tg->x, &r->fits[b].q[g], &r->fits[tw].q[g], b == tw,
                                          0, &eo, &gr, err) != HELBY_OK;
    if (!rc) { /* n: the fewest respondents of a group behind either gap */
        const size_t *n0 = r->fits[b].n_group, *n1 = r->fits[tw].n_group;
        size_t m0 = n0[0] < n0[1] ? n0[0] : n0[1], m1 = n1[0] < n1[1] ? n1[0] : n1[1];
        gr.n = gr.q.n = m0 < m1 ? m0 : m1;
        char d[160];
        rc = domain(err, d, "goal=%s,wave=%ld,baseline=%ld,x=%.17g,adjust=%s", tg->goal,
                    r->wave_ids[tw], r->wave_ids[b], tg->x, spec) ||
             put(l, tg->measure, d, &gr.q, gr.n, s->min_cell, helby_verdict_name(gr.verdict), err);
    }
    helby_explain_result_free(r);
    return rc;
}

helby_status helby_run_adjusted_rows(helby_store *st, const helby_survey *s,
                                     const helby_run_options *o, helby_run_row **rows,
                                     size_t *n_rows, helby_error *err)
{
    helby_row_list l = {0};
    *rows = NULL;
    *n_rows = 0;
    for (size_t t = 0; t < s->n_targets; t++)
        if (s->targets[t].n_adjust && target_rows(&l, st, s, o, t, err)) {
            free(l.rows);
            return helby_run_status(err);
        }
    *rows = l.rows;
    *n_rows = l.n;
    return HELBY_OK;
}
