/* sensitivity.c — scenarios of an index's construction over a store (helby/sensitivity.h,
 * docs/method.md §12). The dataset, the domains and the wave designs are built once; each
 * construction only re-scores and re-estimates. Groups are compared and goals judged as
 * helby compare does (tables_compare.c), so the reference construction gives its numbers
 * bit for bit. */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helby/analysis.h"
#include "helby/sensitivity.h"

void helby_sensitivity_request_default(helby_sensitivity_request *r)
{
    memset(r, 0, sizeof *r);
    r->scenarios = 256;
    r->seed = 1;
    helby_estimate_options_default(&r->opt);
    r->rep.type = HELBY_REP_JKN;
    r->rep.fay_rho = 0.3;
    r->rep.replicates = 100;
    r->rep.seed = 1;
    r->min_cell = -1;
}

static void sens_index_free(helby_sens_index *x)
{
    for (size_t g = 0; g < x->n_goals; g++) {
        free(x->goals[g].first), free(x->goals[g].total);
        free(x->goals[g].first_se), free(x->goals[g].total_se);
        free(x->goals[g].q), free(x->goals[g].verdict);
    }
    free(x->goals), free(x->choices), free(x->u), free(x->means), free(x->ref_means);
    free(x->districts);
}

void helby_sensitivity_free(helby_sensitivity *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_indices; i++)
        sens_index_free(&r->indices[i]);
    free(r->indices), free(r->waves), free(r);
}

/* What every construction shares: the data, designs and domains. */
typedef struct sens_ctx {
    const helby_survey *s;
    const helby_dataset *D;
    helby_wave_designs *W;
    const helby_sensitivity_request *req;
    long min_cell;
    long *dom, *dom_all, *dom_dist; /* group x wave, wave, district in the rank wave */
    double *y;                      /* D->n scores */
    const double **cols;            /* the index's item columns */
    size_t baseline;                /* wave index */
    double *ranks;                  /* n_runs x districts, then the reference's */
    helby_wave_comparison *cmp;     /* n_waves */
    size_t *dn, *mn;                /* the groups' domains per wave: 2w and 2w + 1 */
} sens_ctx;

static int needs_all(const helby_sens_index *x)
{
    for (size_t g = 0; g < x->n_goals; g++)
        if (!strcmp(x->goals[g].target->group, "all"))
            return 1;
    return 0;
}

/* Judge every goal of x on the comparisons, as helby compare (its own df; a goal on a cell
 * below min_cell is undefined). */
static helby_status judge(sens_ctx *C, helby_sens_index *x, const helby_estimates *e,
                          const helby_estimates *all, size_t run, helby_error *err)
{
    size_t nw = C->D->n_waves;
    for (size_t g = 0; g < x->n_goals; g++) {
        helby_sens_goal *G = &x->goals[g];
        size_t tw = nw - 1;
        for (size_t i = 0; i < nw; i++)
            if (C->D->wave_ids[i] == G->target_wave)
                tw = i;
        helby_goal_result r;
        if (helby_goal_evaluate(G->target, G->target->x, C->cmp, e, all, C->dn, C->mn, C->baseline,
                                tw, 0, &C->req->opt, &r, err))
            return err->code;
        if (r.n > 0 && (long)r.n < C->min_cell) {
            r.q.estimate = r.q.se = r.q.ci_low = r.q.ci_high = r.q.deff = r.q.rel_se = NAN;
            r.verdict = HELBY_VERDICT_UNDEFINED;
        }
        if (run == (size_t)-1) {
            G->reference = r;
        } else {
            G->q[run] = r.q.estimate;
            G->verdict[run] = r.verdict;
        }
    }
    return HELBY_OK;
}

/* Ranks of the districts (1 = best) on estimates d; NaN for a district below min_cell. */
static void rank_districts(const sens_ctx *C, const helby_sens_index *x, const helby_estimates *d,
                           double *rank)
{
    int lower = x->index->lower_is_better;
    for (size_t i = 0; i < x->n_districts; i++) {
        const helby_estimate *a = &d->est[i];
        if (isnan(a->estimate) || (long)a->n < C->min_cell) {
            rank[i] = NAN;
            continue;
        }
        size_t better = 0;
        for (size_t j = 0; j < x->n_districts; j++) {
            const helby_estimate *b = &d->est[j];
            if (j == i || isnan(b->estimate) || (long)b->n < C->min_cell)
                continue;
            double diff = lower ? a->estimate - b->estimate : b->estimate - a->estimate;
            better += diff > 0 || (diff == 0 && j < i); /* ties: the lower code first */
        }
        rank[i] = (double)(better + 1);
    }
}

/* One construction o: score, estimate by group x wave (and wave, district), compare, judge.
 * run is the construction's row, (size_t)-1 for the reference. */
static helby_status eval_construction(sens_ctx *C, helby_sens_index *x,
                                      const helby_index_override *o, size_t run, helby_error *err)
{
    const helby_dataset *D = C->D;
    size_t nw = D->n_waves;
    helby_estimates *e = NULL, *all = NULL, *dist = NULL;
    double *means = run == (size_t)-1 ? x->ref_means : x->means + run * x->n_domains;
    double *rank = C->ranks + (run == (size_t)-1 ? x->n_runs : run) * x->n_districts;
    if (helby_score_index_with(C->s, x->index, o, C->cols, D->n, C->y, err) ||
        helby_estimate_waves(C->W, HELBY_EST_MEAN, C->y, NULL, C->dom, 2 * nw, &C->req->opt, &e,
                             err) ||
        (needs_all(x) && helby_estimate_waves(C->W, HELBY_EST_MEAN, C->y, NULL, C->dom_all, nw,
                                              &C->req->opt, &all, err)) ||
        (x->n_districts && helby_estimate_waves(C->W, HELBY_EST_MEAN, C->y, NULL, C->dom_dist,
                                                x->n_districts, &C->req->opt, &dist, err)))
        goto done;
    for (size_t i = 0; i < 2 * nw; i++)
        means[i] = e->est[i].estimate;
    if (helby_compare_groups(e, D->wave_ids, nw, C->dn, C->mn, C->baseline, 0, &C->req->opt, C->cmp,
                             err) ||
        judge(C, x, e, all, run, err))
        goto done;
    if (dist)
        rank_districts(C, x, dist, rank);
done:
    helby_estimates_free(e), helby_estimates_free(all), helby_estimates_free(dist);
    return err->code;
}

/* R's quantile type 7 of the defined values among v[0..n-1] (sorted in tmp). */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void quantiles(const double *v, size_t n, size_t stride, double *tmp, const double *p,
                      double *out, size_t np)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i * stride]))
            tmp[m++] = v[i * stride];
    qsort(tmp, m, sizeof *tmp, cmp_double);
    for (size_t k = 0; k < np; k++) {
        if (!m) {
            out[k] = NAN;
            continue;
        }
        double h = (double)(m - 1) * p[k];
        size_t lo = (size_t)floor(h);
        size_t hi = lo + 1 < m ? lo + 1 : lo;
        out[k] = tmp[lo] + (h - (double)lo) * (tmp[hi] - tmp[lo]);
    }
}

/* The spread, verdict shares and sensitivity indices (with their bootstrap SEs when asked)
 * of each goal, the districts' ranks. */
static helby_status summarize(sens_ctx *C, helby_sens_index *x, size_t N, double *tmp,
                              helby_error *err)
{
    static const double p[3] = {0.5, 0.05, 0.95};
    double q3[3];
    for (size_t g = 0; g < x->n_goals; g++) {
        helby_sens_goal *G = &x->goals[g];
        quantiles(G->q, 2 * N, 1, tmp, p, q3, 3);
        G->median = q3[0], G->p05 = q3[1], G->p95 = q3[2];
        for (size_t r = 0; r < 2 * N; r++)
            G->share[G->verdict[r]] += 1.0 / (double)(2 * N);
        helby_saltelli_indices(G->q, x->n_choices, N, G->first, G->total);
        for (size_t i = 0; i < x->n_choices; i++)
            G->first_se[i] = G->total_se[i] = NAN;
        if (C->req->bootstrap && helby_saltelli_boot(G->q, x->n_choices, N, C->req->bootstrap,
                                                     C->req->seed, G->first_se, G->total_se, err))
            return err->code;
    }
    for (size_t i = 0; i < x->n_districts; i++) {
        helby_sens_district *d = &x->districts[i];
        quantiles(C->ranks + i, 2 * N, x->n_districts, tmp, p, q3, 3);
        d->median_rank = q3[0], d->rank_low = q3[1], d->rank_high = q3[2];
        d->reference_rank = C->ranks[x->n_runs * x->n_districts + i];
    }
    return HELBY_OK;
}

/* The goals on x's index, its districts in the rank wave, and room for every run. */
static helby_status index_setup(sens_ctx *C, helby_sens_index *x, size_t N, helby_error *err)
{
    const helby_survey *s = C->s;
    const helby_dataset *D = C->D;
    x->n_runs = N * (x->n_choices + 2);
    x->n_domains = 2 * D->n_waves;
    x->goals = calloc(s->n_targets + 1, sizeof *x->goals);
    x->u = malloc(x->n_runs * x->n_choices * sizeof *x->u);
    x->means = malloc(x->n_runs * x->n_domains * sizeof *x->means);
    x->ref_means = malloc(x->n_domains * sizeof *x->ref_means);
    if (!x->goals || !x->u || !x->means || !x->ref_means)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    x->rank_wave = D->wave_ids[D->n_waves - 1];
    for (size_t t = 0; t < s->n_targets; t++) {
        const helby_target *tg = &s->targets[t];
        if (strcmp(tg->measure, x->index->name))
            continue;
        helby_sens_goal *G = &x->goals[x->n_goals++];
        G->target = tg;
        G->target_wave = tg->target_wave ? tg->target_wave : D->wave_ids[D->n_waves - 1];
        if (x->n_goals == 1)
            x->rank_wave = G->target_wave;
        G->first = malloc(x->n_choices * sizeof *G->first);
        G->total = malloc(x->n_choices * sizeof *G->total);
        G->first_se = malloc(x->n_choices * sizeof *G->first_se);
        G->total_se = malloc(x->n_choices * sizeof *G->total_se);
        G->q = malloc(x->n_runs * sizeof *G->q);
        G->verdict = malloc(x->n_runs * sizeof *G->verdict);
        if (!G->first || !G->total || !G->first_se || !G->total_se || !G->q || !G->verdict)
            return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    /* The baseline of the first goal on the index, else the first wave (as compare). */
    C->baseline = 0;
    for (size_t i = 0; x->n_goals && i < D->n_waves; i++)
        if (D->wave_ids[i] == x->goals[0].target->baseline_wave)
            C->baseline = i;
    for (size_t g = 0; g < x->n_goals; g++)
        x->goals[g].baseline_wave = D->wave_ids[C->baseline];
    return helby_saltelli_design(x->n_choices, N, C->req->seed, x->u, err);
}

/* The districts of the rank wave (codes ascending) as domains of C->dom_dist. */
static helby_status district_domains(sens_ctx *C, helby_sens_index *x, helby_error *err)
{
    const helby_dataset *D = C->D;
    const helby_survey *s = C->s;
    size_t rw = 0;
    for (size_t i = 0; i < D->n_waves; i++)
        if (D->wave_ids[i] == x->rank_wave)
            rw = i;
    const double *col = s->district_var == HELBY_NO_VAR
                            ? NULL
                            : helby_dataset_col(D, s->vars[s->district_var].name);
    size_t first = D->wave_first[rw], end = first + D->wave_rows[rw], cap = 16, n = 0;
    double *codes = malloc(cap * sizeof *codes);
    for (size_t k = first; codes && col && k < end; k++) {
        size_t j = 0;
        while (j < n && codes[j] != col[k])
            j++;
        if (j < n || isnan(col[k]))
            continue;
        if (n == cap) {
            double *p = realloc(codes, (cap *= 2) * sizeof *p);
            if (!p) {
                free(codes);
                codes = NULL;
                break;
            }
            codes = p;
        }
        codes[n++] = col[k];
    }
    if (!codes || !(x->districts = calloc(n + 1, sizeof *x->districts))) {
        free(codes);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    qsort(codes, n, sizeof *codes, cmp_double);
    x->n_districts = n;
    for (size_t j = 0; j < n; j++)
        x->districts[j].code = codes[j];
    for (size_t k = 0; k < D->n; k++) {
        C->dom_dist[k] = -1;
        if (k < first || k >= end || !col || isnan(col[k]))
            continue;
        double *hit = bsearch(&col[k], codes, n, sizeof *codes, cmp_double);
        C->dom_dist[k] = hit ? (long)(hit - codes) : -1;
    }
    free(codes);
    return HELBY_OK;
}

/* Every construction of x's design and the reference, then the summaries. */
static helby_status analyse_index(sens_ctx *C, helby_sens_index *x, helby_error *err)
{
    size_t N = C->req->scenarios, k = x->n_choices, nd = x->index->n_dims;
    const char *load[512];
    int nc = helby_measure_columns(C->s, x->index->name, load, 512);
    if (nc < 0)
        return helby_error_set(err, HELBY_EUSAGE, "index %s has too many items", x->index->name);
    for (int i = 0; i < nc; i++)
        C->cols[i] = helby_dataset_col(C->D, load[i]);
    if (index_setup(C, x, N, err) || district_domains(C, x, err))
        return err->code;
    double *wts = malloc((nd + 1) * sizeof *wts), *tmp = NULL;
    size_t *mv = malloc((nd + 1) * sizeof *mv);
    C->ranks = malloc((x->n_runs + 1) * (x->n_districts + 1) * sizeof *C->ranks);
    tmp = malloc((2 * N + 1) * sizeof *tmp);
    if (!wts || !mv || !C->ranks || !tmp) {
        helby_error_set(err, HELBY_ENOMEM, "out of memory");
        goto done;
    }
    helby_index_override o;
    helby_index_override_reference(x->index, &o);
    if (eval_construction(C, x, &o, (size_t)-1, err))
        goto done;
    for (size_t r = 0; r < x->n_runs; r++) {
        helby_choice_construction(C->s, x->index, x->choices, k, x->u + r * k, &o, wts, mv);
        if (eval_construction(C, x, &o, r, err))
            goto done;
    }
    summarize(C, x, N, tmp, err);
done:
    free(wts), free(mv), free(tmp), free(C->ranks);
    C->ranks = NULL;
    return err->code;
}

/* The indices with choices, each with its rows of sensitivity.csv. */
static helby_status collect_indices(const helby_survey *s, helby_sensitivity *R, helby_error *err)
{
    R->indices = calloc(s->n_indices + 1, sizeof *R->indices);
    if (!R->indices)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->n_indices; i++) {
        helby_sens_index *x = &R->indices[R->n_indices];
        x->index = &s->indices[i];
        x->choices = calloc(s->n_choices + 1, sizeof *x->choices);
        if (!x->choices)
            return helby_error_set(err, HELBY_ENOMEM, "out of memory");
        for (size_t c = 0; c < s->n_choices; c++)
            if (s->choices[c].index == i)
                x->choices[x->n_choices++] = &s->choices[c];
        if (x->n_choices > HELBY_SENS_MAX_CHOICES)
            return helby_error_at(err, HELBY_EUSAGE, "sensitivity.csv", 0, 0, x->index->name,
                                  "index %s has %zu choices; at most %d can be analysed",
                                  x->index->name, x->n_choices, HELBY_SENS_MAX_CHOICES);
        if (x->n_choices)
            R->n_indices++;
        else
            free(x->choices), x->choices = NULL;
    }
    if (!R->n_indices)
        return helby_error_set(err, HELBY_EUSAGE,
                               "survey %s has no sensitivity.csv: no "
                               "choices to draw scenarios from",
                               s->id);
    return HELBY_OK;
}

/* The group x wave and wave domains (as helby compare's) and the shared buffers. */
static helby_status shared_setup(sens_ctx *C, helby_error *err)
{
    const helby_dataset *D = C->D;
    const helby_survey *s = C->s;
    size_t n = D->n ? D->n : 1, nw = D->n_waves;
    C->dom = malloc(n * sizeof *C->dom);
    C->dom_all = malloc(n * sizeof *C->dom_all);
    C->dom_dist = malloc(n * sizeof *C->dom_dist);
    C->y = malloc(n * sizeof *C->y);
    C->cols = malloc(512 * sizeof *C->cols);
    C->cmp = calloc(nw, sizeof *C->cmp);
    C->dn = malloc(nw * sizeof *C->dn);
    C->mn = malloc(nw * sizeof *C->mn);
    if (!C->dom || !C->dom_all || !C->dom_dist || !C->y || !C->cols || !C->cmp || !C->dn || !C->mn)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    const double *gcol = helby_dataset_col(D, s->vars[s->group_var].name);
    for (size_t w = 0; w < nw; w++) {
        C->dn[w] = 2 * w, C->mn[w] = 2 * w + 1;
        for (size_t k = D->wave_first[w]; k < D->wave_first[w] + D->wave_rows[w]; k++) {
            int g = isnan(gcol[k]) ? -1 : helby_survey_group_of(s, gcol[k]);
            C->dom_all[k] = (long)w;
            C->dom[k] = g < 0 ? -1 : 2 * (long)w + g;
        }
    }
    return HELBY_OK;
}

static void shared_free(sens_ctx *C)
{
    free(C->dom), free(C->dom_all), free(C->dom_dist), free(C->y), free(C->cols);
    free(C->cmp), free(C->dn), free(C->mn);
}

/* The variables to load: the group, the district and every item of R's indices. */
static size_t load_list(const helby_survey *s, const helby_sensitivity *R, const char **load,
                        size_t room)
{
    size_t n = 0;
    load[n++] = s->vars[s->group_var].name;
    if (s->district_var != HELBY_NO_VAR)
        load[n++] = s->vars[s->district_var].name;
    for (size_t i = 0; i < R->n_indices; i++) {
        int m = helby_measure_columns(s, R->indices[i].index->name, load + n, room - n);
        n += m > 0 ? (size_t)m : 0;
    }
    return n;
}

helby_status helby_sensitivity_run(helby_store *st, const helby_survey *s,
                                   const helby_sensitivity_request *req, helby_sensitivity **out,
                                   helby_error *err)
{
    helby_error local;
    if (!err)
        err = &local;
    helby_error_clear(err);
    *out = NULL;
    if (req->scenarios < 2)
        return helby_error_set(err, HELBY_EUSAGE, "at least 2 scenarios are needed");
    helby_sensitivity *R = calloc(1, sizeof *R);
    sens_ctx C = {.s = s, .req = req};
    helby_dataset *D = NULL;
    char inputs[4096] = "";
    const char *load[1024];
    if (!R)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    R->scenarios = req->scenarios;
    R->seed = req->seed;
    R->boot_z = gsl_cdf_ugaussian_Pinv((1 + req->opt.level) / 2);
    if (collect_indices(s, R, err) || helby_dataset_open(&D, st, s, req->waves, req->n_waves, load,
                                                         load_list(s, R, load, 1024), err))
        goto done;
    if (D->n_waves < 2) {
        helby_error_set(err, HELBY_ENOTFOUND, "survey %s needs at least two waves", s->id);
        goto done;
    }
    C.D = D;
    C.min_cell = req->min_cell < 0 ? (long)s->min_cell : req->min_cell;
    if (!(R->waves = malloc(D->n_waves * sizeof *R->waves))) {
        helby_error_set(err, HELBY_ENOMEM, "out of memory");
        goto done;
    }
    R->n_waves = D->n_waves;
    memcpy(R->waves, D->wave_ids, D->n_waves * sizeof *R->waves);
    if (helby_wave_designs_new(&C.W, st, D, req->replicates ? &req->rep : NULL, req->weights,
                               inputs, sizeof inputs, err) ||
        shared_setup(&C, err))
        goto done;
    for (size_t i = 0; i < R->n_indices; i++)
        if (analyse_index(&C, &R->indices[i], err))
            goto done;
done:
    shared_free(&C);
    helby_wave_designs_free(C.W);
    helby_dataset_free(D);
    if (err->code) {
        helby_sensitivity_free(R);
        return err->code;
    }
    *out = R;
    return HELBY_OK;
}
