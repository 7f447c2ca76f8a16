/* runsens.c — the sensitivity analysis of a run (helby compute --sensitivity N): the results
 * of helby_sensitivity_run as run rows, so that a run stores them with its provenance (the
 * definition's hash covers sensitivity.csv; N and the seed are in its options) and a rerun
 * proves them bit for bit (docs/method.md §10, §12).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/sensitivity.h"
#include "runs/run_internal.h"

static int put(helby_row_list *l, const char *measure, const char *domain, double est, double se,
               double lo, double hi, double df, int64_t n, const char *flag, helby_error *err)
{
    helby_run_row *x = helby_row_list_add(l, measure, domain, err);
    if (!x)
        return 1;
    x->estimate = est, x->se = se, x->ci_low = lo, x->ci_high = hi, x->df = df;
    x->n = n;
    snprintf(x->flag, sizeof x->flag, "%s", flag);
    return 0;
}

static void choice_name(const helby_sens_index *x, const helby_choice *c, char *out, size_t n)
{
    static const char *const kinds[] = {"weight", "aggregation", "min_valid", "drop_item"};
    if (c->dim == HELBY_NO_VAR)
        snprintf(out, n, "%s", kinds[c->kind]);
    else
        snprintf(out, n, "%s:%s", kinds[c->kind], x->index->dims[c->dim].name);
}

/* A goal's rows: "sensitivity=G,quantity=reference" (the definition's construction with its
 * sampling CI and verdict), "...=scenarios" (median, 5 % and 95 % in the CI's columns, n the
 * scenarios), "...=share,verdict=V", "...=first_order,choice=C" and "...=total,choice=C"
 * (with the bootstrap SE and the CI S +- z se at the run's level, as SALib's conf; NaN in
 * runs without sens_boot). */
static int goal_rows(helby_row_list *l, const helby_sens_index *x, const helby_sens_goal *G,
                     size_t scen, double z, helby_error *err)
{
    const char *m = x->index->name, *g = G->target->goal;
    const helby_estimate *q = &G->reference.q;
    char d[160], c[96];
    snprintf(d, sizeof d, "sensitivity=%s,quantity=reference", g);
    if (put(l, m, d, q->estimate, q->se, q->ci_low, q->ci_high, q->df, (int64_t)G->reference.n,
            helby_verdict_name(G->reference.verdict), err))
        return 1;
    snprintf(d, sizeof d, "sensitivity=%s,quantity=scenarios", g);
    if (put(l, m, d, G->median, NAN, G->p05, G->p95, NAN, (int64_t)scen, "", err))
        return 1;
    for (int v = 0; v < 4; v++) {
        const char *vn = helby_verdict_name((helby_verdict)v);
        snprintf(d, sizeof d, "sensitivity=%s,quantity=share,verdict=%s", g, vn);
        if (put(l, m, d, G->share[v], NAN, NAN, NAN, NAN, (int64_t)scen, "", err))
            return 1;
    }
    for (size_t i = 0; i < x->n_choices; i++) {
        choice_name(x, x->choices[i], c, sizeof c);
        snprintf(d, sizeof d, "sensitivity=%s,quantity=first_order,choice=%s", g, c);
        double zf = z * G->first_se[i], zt = z * G->total_se[i];
        if (put(l, m, d, G->first[i], G->first_se[i], G->first[i] - zf, G->first[i] + zf, NAN,
                (int64_t)scen, "", err))
            return 1;
        snprintf(d, sizeof d, "sensitivity=%s,quantity=total,choice=%s", g, c);
        if (put(l, m, d, G->total[i], G->total_se[i], G->total[i] - zt, G->total[i] + zt, NAN,
                (int64_t)scen, "", err))
            return 1;
    }
    return 0;
}

/* Per district "sensitivity=rank,wave=W,district=D": the median rank with its 5 % and 95 %
 * quantiles in the CI's columns; the reference construction's rank in a row of its own,
 * "sensitivity=reference_rank,wave=W,district=D". */
static int rank_rows(helby_row_list *l, const helby_sens_index *x, size_t scen, helby_error *err)
{
    char d[160];
    for (size_t i = 0; i < x->n_districts; i++) {
        const helby_sens_district *r = &x->districts[i];
        snprintf(d, sizeof d, "sensitivity=rank,wave=%ld,district=%g", x->rank_wave, r->code);
        if (put(l, x->index->name, d, r->median_rank, NAN, r->rank_low, r->rank_high, NAN,
                (int64_t)scen, "", err))
            return 1;
        snprintf(d, sizeof d, "sensitivity=reference_rank,wave=%ld,district=%g", x->rank_wave,
                 r->code);
        if (put(l, x->index->name, d, r->reference_rank, NAN, NAN, NAN, NAN, 1, "", err))
            return 1;
    }
    return 0;
}

helby_status helby_run_sensitivity_rows(helby_store *st, const helby_survey *s,
                                        const helby_run_options *o, helby_run_row **rows,
                                        size_t *n_rows, helby_error *err)
{
    *rows = NULL;
    *n_rows = 0;
    helby_sensitivity_request req;
    helby_sensitivity_request_default(&req);
    req.scenarios = o->sensitivity;
    req.waves = o->waves;
    req.n_waves = o->n_waves;
    req.seed = o->seed;
    req.bootstrap = o->sens_boot;
    req.opt.ci = o->ci;
    req.weights = strcmp(o->weights, "base") ? o->weights : NULL;
    if (helby_run_variance(o, &req.rep, &req.replicates, &req.opt, err))
        return err->code;
    helby_sensitivity *R = NULL;
    helby_status r = helby_sensitivity_run(st, s, &req, &R, err);
    helby_row_list l = {0};
    for (size_t i = 0; !r && i < R->n_indices; i++) {
        const helby_sens_index *x = &R->indices[i];
        for (size_t g = 0; !r && g < x->n_goals; g++)
            if (goal_rows(&l, x, &x->goals[g], 2 * R->scenarios, R->boot_z, err))
                r = err->code;
        if (!r && rank_rows(&l, x, 2 * R->scenarios, err))
            r = err->code;
    }
    helby_sensitivity_free(R);
    if (r) {
        free(l.rows);
        return r;
    }
    *rows = l.rows;
    *n_rows = l.n;
    return HELBY_OK;
}
