/* runcompute.c — the rows of a run (analysis.h, helby_run_compute): every index, dimension
 * and share by group x wave, group x wave x district and wave (method 2 with origins: origin
 * x wave too, docs/method.md §10), then the comparisons of
 * `helby compare` and the reliability of every dimension.
 *
 * Layer: above dataset.c, measure.c, weightapply.c, estimate and compare; below runs.c.
 * The rows and their order are what runs stored by earlier engines hold (their result hash
 * covers both): a rerun of those must reproduce them bit for bit
 * (tests/data/runs_v3), so the order of domains and of arithmetic here is fixed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/analysis.h"
#include "helby/compare.h"
#include "helby/estimate.h"
#include "helby/score.h"
#include "runs/run_internal.h"

#define MAX_MEASURES 128

/* Domain keys: up to three codes (group or origin, wave, district); -1 = not part of the
 * key. */
typedef struct dkey {
    double k[3];
} dkey;

/* A growing list of rows. */
typedef struct row_list {
    helby_run_row *rows;
    size_t n, cap;
} row_list;

/* What the computation of one run holds. */
typedef struct run_ctx {
    const helby_survey *s;
    const helby_run_options *o;
    const long *waves;
    size_t nw;
    const char *measures[MAX_MEASURES];
    size_t nm;
    helby_dataset *D;
    helby_design *d; /* method 1: the waves stacked in one design */
    helby_replicates *rep;
    helby_wave_designs *W; /* method 2: one design per wave */
    const double *gcol, *wcol, *dcol;
    double *y;
    long *dom;
    dkey *keys, *sorted;
    size_t *dn, *mn; /* Danes' and minorities' domain of each wave among group x wave */
    row_list out;
} run_ctx;

static int key_cmp(const void *a, const void *b)
{
    const dkey *x = a, *y = b;
    for (int i = 0; i < 3; i++)
        if (x->k[i] != y->k[i])
            return x->k[i] < y->k[i] ? -1 : 1;
    return 0;
}

/* Set 3's first key is the group column's own code under the fixed key "origin" (whatever
 * the column is called, so that it never collides with the role names). */
static void key_text(const dkey *d, int set, char *out, size_t n)
{
    const char *names[3] = {set == 3 ? "origin" : "group", "wave", "district"};
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < 3 && o < n; i++)
        if (d->k[i] >= 0)
            o += (size_t)snprintf(out + o, n - o, "%s%s=%g", o ? "," : "", names[i], d->k[i]);
}

static helby_run_row *push_row(row_list *l, helby_error *err)
{
    if (l->n == l->cap) {
        size_t c = l->cap ? l->cap * 2 : 256;
        helby_run_row *p = realloc(l->rows, c * sizeof *p);
        if (!p) {
            helby_error_set(err, HELBY_ENOMEM, "out of memory");
            return NULL;
        }
        l->rows = p;
        l->cap = c;
    }
    helby_run_row *x = &l->rows[l->n++];
    memset(x, 0, sizeof *x);
    return x;
}

static void set_row(helby_run_row *x, const char *measure, const char *domain,
                    const helby_estimate *e, size_t n, int suppressed, const char *flag)
{
    snprintf(x->measure, sizeof x->measure, "%s", measure);
    snprintf(x->domain, sizeof x->domain, "%s", domain);
    x->n = (int64_t)n;
    x->df = e->df;
    if (suppressed) {
        x->estimate = x->se = x->ci_low = x->ci_high = x->deff = NAN;
        snprintf(x->flag, sizeof x->flag, "suppressed");
    } else {
        x->estimate = e->estimate;
        x->se = e->se;
        x->ci_low = e->ci_low;
        x->ci_high = e->ci_high;
        x->deff = NAN;
        snprintf(x->flag, sizeof x->flag, "%s", flag);
    }
}

static int add_row(row_list *l, const char *measure, const char *domain, const helby_estimate *e,
                   size_t n, int suppressed, const char *flag, helby_error *err)
{
    helby_run_row *x = push_row(l, err);
    if (!x)
        return 1;
    set_row(x, measure, domain, e, n, suppressed, flag);
    return 0;
}

static size_t min_n(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* The goals of targets.csv on one measure with their verdicts (as `helby compare`). */
static int goal_rows(run_ctx *c, const char *measure, const helby_wave_comparison *cmp,
                     const helby_estimates *e0, const helby_estimates *e2, size_t b, double df,
                     const helby_estimate_options *co, helby_error *err)
{
    const helby_survey *s = c->s;
    for (size_t t = 0; t < s->n_targets; t++) {
        const helby_target *tg = &s->targets[t];
        if (strcmp(tg->measure, measure))
            continue;
        size_t tw = c->nw - 1;
        for (size_t i = 0; i < c->nw && tg->target_wave; i++)
            if (c->waves[i] == tg->target_wave)
                tw = i;
        helby_goal_result gr;
        if (helby_goal_evaluate(tg, tg->x, cmp, e0, e2, c->dn, c->mn, b, tw, df, co, &gr, err))
            return 1;
        char dom[160];
        snprintf(dom, sizeof dom, "goal=%s,wave=%ld,baseline=%ld,x=%.17g", tg->goal, c->waves[tw],
                 c->waves[b], tg->x);
        if (add_row(&c->out, measure, dom, &gr.q, gr.n, gr.n > 0 && gr.n < s->min_cell,
                    helby_verdict_name(gr.verdict), err))
            return 1;
    }
    return 0;
}

/* The baseline wave of a measure: its targets' baseline, else the first wave. */
static size_t baseline_of(const run_ctx *c, const char *measure)
{
    long base = 0;
    for (size_t t = 0; !base && t < c->s->n_targets; t++)
        if (!strcmp(c->s->targets[t].measure, measure))
            base = c->s->targets[t].baseline_wave;
    size_t b = 0;
    while (base && b < c->nw && c->waves[b] != base)
        b++;
    return b == c->nw ? 0 : b;
}

/* The comparisons of one measure (docs/method.md §7, as `helby compare`): per wave the gap and
 * ratio, against the baseline the difference in differences and relative changes, then the
 * goals. e0: the group x wave estimates; e2: all respondents by wave. A quantity that
 * involves a suppressed cell is stored suppressed. */
static int compare_rows(run_ctx *c, const char *measure, const helby_estimates *e0,
                        const helby_estimates *e2, const helby_estimate_options *eo,
                        helby_error *err)
{
    static const char *names[5] = {"gap", "ratio", "gap_change", "rel_gap_change", "ratio_change"};
    const size_t W = c->nw, b = baseline_of(c, measure), lim = c->s->min_cell;
    helby_estimate_options co = *eo;
    co.ci = HELBY_CI_T;
    /* Method 1: the whole design's df for every quantity; method 2: each quantity's own. */
    double df = c->o->method < 2 ? e0->est[c->dn[0]].df : 0;
    helby_wave_comparison *cmp = calloc(W, sizeof *cmp);
    if (!cmp)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory"), 1;
    int rc = 1;
    if (helby_compare_groups(e0, c->waves, W, c->dn, c->mn, b, df, &co, cmp, err))
        goto done;
    const size_t nb = min_n(e0->est[c->dn[b]].n, e0->est[c->mn[b]].n);
    for (size_t w = 0; w < W; w++) {
        const helby_estimate *q[5] = {&cmp[w].gap, &cmp[w].ratio, &cmp[w].gap_change,
                                      &cmp[w].rel_gap_change, &cmp[w].ratio_change};
        size_t nw = min_n(cmp[w].danes.n, cmp[w].minorities.n);
        for (int k = 0; k < (w == b ? 2 : 5); k++) {
            size_t nk = k < 2 ? nw : min_n(nw, nb);
            char dom[160];
            snprintf(dom, sizeof dom, "wave=%ld,quantity=%s,baseline=%ld", c->waves[w], names[k],
                     c->waves[b]);
            /* A quantity that cannot be computed (an empty cell, a zero denominator). */
            const char *flag = isnan(q[k]->estimate) ? "undefined" : "";
            /* An empty cell (n 0) is not small: its quantities are undefined, and say so. */
            if (add_row(&c->out, measure, dom, q[k], nk, nk > 0 && nk < lim, flag, err))
                goto done;
        }
    }
    rc = goal_rows(c, measure, cmp, e0, e2, b, df, &co, err);
done:
    free(cmp);
    return rc;
}

/* The measures of a run: each index, then its dimensions; then each share. And the columns
 * they need after group, wave and district. */
static int list_measures(run_ctx *c, const char **load, size_t *nl, helby_error *err)
{
    const helby_survey *s = c->s;
    load[0] = s->vars[s->group_var].name;
    load[1] = s->vars[s->wave_var].name;
    load[2] = s->vars[s->district_var].name;
    *nl = 3;
    c->nm = 0;
    for (size_t i = 0; i < s->n_indices; i++) {
        c->measures[c->nm++] = s->indices[i].name;
        for (size_t j = 0; j < s->indices[i].n_dims && c->nm < 120; j++)
            c->measures[c->nm++] = s->indices[i].dims[j].name;
    }
    for (size_t i = 0; i < s->n_shares && c->nm < 120; i++)
        c->measures[c->nm++] = s->shares[i].name;
    for (size_t m = 0; m < c->nm; m++) {
        int k = helby_measure_columns(s, c->measures[m], load + *nl, MAX_MEASURES - *nl);
        if (k < 0 || *nl + (size_t)k >= MAX_MEASURES)
            return helby_error_set(err, HELBY_EUSAGE, "too many columns to compute"), 1;
        *nl += (size_t)k;
    }
    return 0;
}

/* Domain ids of domain set `set` (0: group x wave, 1: group x wave x district, 2: wave,
 * 3: origin x wave) into c->dom (-1: outside), numbered in ascending key order;
 * c->sorted[0..*u-1] the keys. */
static void code_domains(run_ctx *c, int set, size_t *u)
{
    static const int use[4][3] = {{1, 1, 0}, {1, 1, 1}, {0, 1, 0}, {1, 1, 0}};
    const size_t n = c->D->n;
    size_t nd = 0;
    for (size_t k = 0; k < n; k++) {
        /* Origin: every code of the group column, also one in neither group. */
        double g = set == 3 ? (isnan(c->gcol[k]) ? -1 : c->gcol[k])
                            : helby_survey_group_of(c->s, c->gcol[k]);
        dkey key = {
            {use[set][0] ? g : -1, use[set][1] ? c->wcol[k] : -1, use[set][2] ? c->dcol[k] : -1}};
        if (use[set][0] && g < 0) {
            c->dom[k] = -1;
            continue;
        }
        c->keys[k] = key;
        c->dom[k] = 0;
        c->sorted[nd++] = key;
    }
    qsort(c->sorted, nd, sizeof *c->sorted, key_cmp);
    *u = 0;
    for (size_t i = 0; i < nd; i++)
        if (*u == 0 || key_cmp(&c->sorted[*u - 1], &c->sorted[i]))
            c->sorted[(*u)++] = c->sorted[i];
    for (size_t k = 0; k < n; k++)
        if (c->dom[k] >= 0) {
            dkey *f = bsearch(&c->keys[k], c->sorted, *u, sizeof *c->sorted, key_cmp);
            c->dom[k] = (long)(f - c->sorted);
        }
}

/* The Danes' and minorities' domain of each wave among the group x wave domains (c->sorted,
 * u of them) into c->dn and c->mn; a group without any respondent in a wave gets an empty
 * domain appended to *e (NaN, n 0, no covariance), as `helby compare` numbers it, so that the
 * comparisons of that wave are undefined and those of the other waves and the goals on them
 * stand (docs/method.md §7). Runs with both groups in every wave keep their domains and
 * arithmetic. Returns 0 when there are fewer than two waves (no comparison), -1 out of
 * memory. */
static int find_groups(run_ctx *c, size_t u, helby_estimates **e)
{
    size_t missing = 0;
    for (size_t w = 0; w < c->nw; w++) {
        c->dn[w] = c->mn[w] = (size_t)-1;
        for (size_t i = 0; i < u; i++)
            if (c->sorted[i].k[1] == (double)c->waves[w]) {
                if (c->sorted[i].k[0] == 0)
                    c->dn[w] = i;
                else if (c->sorted[i].k[0] == 1)
                    c->mn[w] = i;
            }
        missing += (c->dn[w] == (size_t)-1) + (c->mn[w] == (size_t)-1);
    }
    if (c->nw < 2)
        return 0;
    if (!missing)
        return 1;
    const size_t D = (*e)->n_domains, D2 = D + missing;
    helby_estimates *x = calloc(1, sizeof *x);
    if (!x || !(x->est = calloc(D2, sizeof *x->est)) ||
        !(x->vcov = calloc(D2 * D2, sizeof *x->vcov))) {
        helby_estimates_free(x);
        return -1;
    }
    x->n_domains = D2;
    memcpy(x->est, (*e)->est, D * sizeof *x->est);
    for (size_t i = 0; i < D; i++)
        memcpy(x->vcov + i * D2, (*e)->vcov + i * D, D * sizeof *x->vcov);
    size_t k = D;
    for (size_t w = 0; w < c->nw; w++)
        for (int grp = 0; grp < 2; grp++) {
            size_t *slot = grp ? &c->mn[w] : &c->dn[w];
            if (*slot != (size_t)-1)
                continue;
            helby_estimate *q = &x->est[k];
            q->estimate = q->se = q->ci_low = q->ci_high = q->deff = q->rel_se = NAN;
            /* The df of the wave (its other group's), for the quantities that do not use it. */
            size_t other = grp ? c->dn[w] : c->mn[w];
            q->df = other != (size_t)-1 ? x->est[other].df : NAN;
            *slot = k++;
        }
    helby_estimates_free(*e);
    *e = x;
    return 1;
}

/* The flag of an estimated cell: "not asked" when its wave's file lacked the measure's
 * items, "empty" when no respondent has a value, "unreliable" above the relative SE limit. */
static const char *cell_flag(const run_ctx *c, const char *measure, size_t i,
                             const helby_estimate *est)
{
    if (est->n == 0) {
        double wave = c->sorted[i].k[1];
        for (size_t w = 0; wave >= 0 && w < c->nw; w++)
            if ((double)c->waves[w] == wave && helby_dataset_measure_absent(c->D, measure, w))
                return "not asked";
        return "empty";
    }
    return est->unreliable ? "unreliable" : "";
}

/* One set of domains of a measure (c->y): its rows; *e0 or *e2 receive the estimates of the
 * group x wave (set 0) and wave (set 2) domains when comparisons need them. */
static int estimate_set(run_ctx *c, const char *measure, int set, const helby_estimate_options *eo,
                        helby_estimates **e0, helby_estimates **e2, helby_error *err)
{
    size_t u = 0;
    code_domains(c, set, &u);
    helby_estimates *e = NULL;
    helby_status r =
        c->W     ? helby_estimate_waves(c->W, HELBY_EST_MEAN, c->y, NULL, c->dom, u, eo, &e, err)
        : c->rep ? helby_estimate_by_replicates(c->rep, HELBY_EST_MEAN, c->y, NULL, c->dom, u, eo,
                                                &e, err)
                 : helby_estimate_by(c->d, HELBY_EST_MEAN, c->y, NULL, c->dom, u, eo, &e, err);
    if (r)
        return 1;
    const size_t lim = c->s->min_cell;
    for (size_t i = 0; i < u; i++) {
        const helby_estimate *est = &e->est[i];
        char dom[160];
        key_text(&c->sorted[i], set, dom, sizeof dom);
        helby_run_row *x = push_row(&c->out, err);
        if (!x) {
            helby_estimates_free(e);
            return 1;
        }
        set_row(x, measure, dom, est, est->n, est->n < lim, cell_flag(c, measure, i, est));
        x->deff = est->n < lim ? NAN : est->deff;
        if (est->n == 0) /* method 2: no respondent with a value (or the wave did not ask) */
            snprintf(x->flag, sizeof x->flag, "%s", cell_flag(c, measure, i, est));
    }
    int groups = c->o->comparisons && set == 0 ? find_groups(c, u, &e) : 0;
    if (groups < 0) {
        helby_estimates_free(e);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory"), 1;
    }
    if (groups) {
        *e0 = e;
        e = NULL;
    }
    if (c->o->comparisons && set == 2 && u == c->nw) {
        *e2 = e;
        e = NULL;
    }
    helby_estimates_free(e);
    return 0;
}

static int is_share(const helby_survey *s, const char *name)
{
    for (size_t i = 0; i < s->n_shares; i++)
        if (!strcmp(s->shares[i].name, name))
            return 1;
    return 0;
}

/* Every row of one measure: three or four sets of domains, then its comparisons. */
static int measure_rows(run_ctx *c, const char *measure, helby_error *err)
{
    if (helby_measure_values(c->D, measure, c->y, err))
        return 1;
    helby_estimate_options eo;
    helby_estimate_options_default(&eo);
    eo.level = c->o->level;
    eo.ci = is_share(c->s, measure) ? c->o->share_ci : c->o->ci;
    eo.df = c->o->df;
    /* Method 1 knows no share_df: its shares took the wave's df. */
    eo.share_df = c->o->method >= 2 ? c->o->share_df : HELBY_SHARE_DF_DESIGN;
    helby_estimates *e0 = NULL, *e2 = NULL;
    int rc = 0;
    /* Origin x wave after the sets of method 1, so that those rows keep their order. */
    const int sets = c->o->method >= 2 && c->o->origins ? 4 : 3;
    for (int set = 0; set < sets && !rc; set++)
        rc = estimate_set(c, measure, set, &eo, &e0, &e2, err);
    if (!rc && e0 && e2)
        rc = compare_rows(c, measure, e0, e2, &eo, err);
    helby_estimates_free(e0);
    helby_estimates_free(e2);
    return rc;
}

/* Cronbach's alpha per dimension over all waves with base weights (helby reliability):
 * domain "reliability=alpha", n = respondents who answered every item. */
static int reliability_rows(run_ctx *c, helby_error *err)
{
    for (size_t m = 0; m < c->nm; m++) {
        const helby_index *ix;
        const helby_dimension *dim;
        if (!helby_find_measure(c->s, c->measures[m], &ix, &dim) || !dim)
            continue;
        double alpha = NAN, ir[64];
        size_t nc = 0;
        helby_estimate a = {0};
        a.df = NAN;
        a.se = a.ci_low = a.ci_high = NAN;
        if (dim->n_items <= 64 && helby_dataset_reliability(c->D, dim->name, &alpha, ir, &nc, err))
            helby_error_clear(err); /* fewer than two items: no alpha */
        a.estimate = alpha;
        if (add_row(&c->out, c->measures[m], "reliability=alpha", &a, nc, 0, "", err))
            return 1;
    }
    return 0;
}

/* Rows that runsens.c, runadjust.c or runby.c compute on data they open themselves. */
typedef helby_status (*more_rows_fn)(helby_store *st, const helby_survey *s,
                                     const helby_run_options *o, helby_run_row **rows,
                                     size_t *n_rows, helby_error *err);

/* The rows of fn appended to the run's: last the sensitivity analysis, then the adjusted rows
 * of targets with `adjust`, last of all the subgroups of compute --by. */
static int more_rows(run_ctx *c, helby_store *st, more_rows_fn fn, helby_error *err)
{
    helby_run_row *rows = NULL;
    size_t n = 0;
    if (fn(st, c->s, c->o, &rows, &n, err))
        return 1;
    for (size_t i = 0; i < n; i++) {
        helby_run_row *x = push_row(&c->out, err);
        if (!x) {
            free(rows);
            return 1;
        }
        *x = rows[i];
    }
    free(rows);
    return 0;
}

static int alloc_work(run_ctx *c, helby_error *err);

/* The dataset, design, replicates and weights of a run, and the work arrays. */
static int open_run(run_ctx *c, helby_store *st, char *inputs, size_t n_inputs, helby_error *err)
{
    const char *load[MAX_MEASURES];
    size_t nl = 0;
    if (list_measures(c, load, &nl, err) ||
        helby_dataset_open(&c->D, st, c->s, c->waves, c->nw, load, nl, err))
        return 1;
    c->gcol = helby_dataset_col(c->D, load[0]);
    c->wcol = helby_dataset_col(c->D, load[1]);
    c->dcol = helby_dataset_col(c->D, load[2]);
    const helby_run_options *o = c->o;
    helby_rep_spec rs = {HELBY_REP_JK1, o->rho, (size_t)o->replicates, o->seed, 0};
    int use_reps = 0;
    if (!helby_variance_method_parse(o->variance, &rs.type, &use_reps))
        return helby_error_set(err, HELBY_EUSAGE, "unknown variance method '%s'", o->variance), 1;
    if (o->method >= 2)
        return helby_wave_designs_new(&c->W, st, c->D, use_reps ? &rs : NULL, o->weights, inputs,
                                      n_inputs, err) != HELBY_OK ||
               alloc_work(c, err);
    if (helby_dataset_design(c->D, &c->d, err))
        return 1;
    if (use_reps && helby_replicates_new(&c->rep, c->d, &rs, err))
        return 1;
    if (strcmp(o->weights, "base") &&
        helby_dataset_apply_weights(st, c->D, o->weights, c->d, &c->rep, inputs, n_inputs, err))
        return 1;
    return alloc_work(c, err);
}

/* The work arrays of a run. */
static int alloc_work(run_ctx *c, helby_error *err)
{
    const size_t n = c->D->n ? c->D->n : 1;
    c->y = malloc(n * sizeof *c->y);
    c->dom = malloc(n * sizeof *c->dom);
    c->keys = malloc(n * sizeof *c->keys);
    c->sorted = malloc(n * sizeof *c->sorted);
    c->dn = calloc(c->nw, sizeof *c->dn);
    c->mn = calloc(c->nw, sizeof *c->mn);
    if (!c->y || !c->dom || !c->keys || !c->sorted || !c->dn || !c->mn)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory"), 1;
    return 0;
}

static void close_run(run_ctx *c)
{
    helby_wave_designs_free(c->W);
    free(c->out.rows), free(c->y), free(c->dom), free(c->keys), free(c->sorted);
    free(c->dn), free(c->mn);
    helby_replicates_free(c->rep);
    helby_design_free(c->d);
    helby_dataset_free(c->D);
}

/* Keep of the n stored waves wi those of sel (all when n_sel is 0), ascending; a wave of sel
 * that is not stored is left out (a rerun then sees the input gone). */
static void select_waves(helby_wave_info *wi, size_t *n, const long *sel, size_t n_sel)
{
    if (!n_sel)
        return;
    size_t k = 0;
    for (size_t j = 0; j < n_sel; j++) {
        size_t i = k;
        while (i < *n && wi[i].wave != sel[j])
            i++;
        if (i == *n)
            continue;
        helby_wave_info t = wi[k];
        wi[k++] = wi[i];
        wi[i] = t;
    }
    *n = k;
}

helby_status helby_run_waves_inputs(helby_store *st, const char *survey, const long *sel,
                                    size_t n_sel, long **waves, size_t *nw, char *inputs, size_t n,
                                    helby_error *err)
{
    helby_wave_info *wi = NULL;
    *waves = NULL;
    *nw = 0;
    if (n)
        inputs[0] = '\0';
    helby_status r = helby_store_list_waves(st, survey, &wi, nw, err);
    if (r)
        return r;
    select_waves(wi, nw, sel, n_sel);
    if (*nw == 0) {
        free(wi);
        return helby_error_set(err, HELBY_ENOTFOUND, "survey %s has no waves in the store", survey);
    }
    *waves = malloc(*nw * sizeof **waves);
    if (!*waves) {
        free(wi);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    size_t o = 0;
    for (size_t i = 0; i < *nw; i++) {
        (*waves)[i] = wi[i].wave;
        if (o < n)
            o += (size_t)snprintf(inputs + o, n - o, "%s%ld=%s", i ? ";" : "", wi[i].wave,
                                  wi[i].sha256);
    }
    free(wi);
    return HELBY_OK;
}

/* HELBY_ENOTFOUND naming the first wave of o->waves not among the nw stored ones. */
static helby_status missing_wave(const char *survey, const helby_run_options *o, const long *waves,
                                 size_t nw, helby_error *err)
{
    size_t j = 0;
    while (j < o->n_waves && j < nw && waves[j] == o->waves[j])
        j++;
    return helby_error_set(err, HELBY_ENOTFOUND,
                           "survey %s has no wave %ld in the store (`helby wave list --survey "
                           "%s` lists its waves)",
                           survey, o->waves[j < o->n_waves ? j : 0], survey);
}

helby_status helby_run_compute(helby_store *st, const helby_survey *s, const helby_run_options *o,
                               helby_run_row **rows, size_t *n_rows, char *inputs, size_t n_inputs,
                               helby_error *err)
{
    *rows = NULL;
    *n_rows = 0;
    helby_status r = helby_run_options_check(o, err);
    if (r)
        return r;
    run_ctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.o = o;
    long *waves = NULL;
    r = helby_run_waves_inputs(st, s->id, o->waves, o->n_waves, &waves, &c.nw, inputs, n_inputs,
                               err);
    if (!r && o->n_waves && c.nw != o->n_waves)
        r = missing_wave(s->id, o, waves, c.nw, err);
    if (r) {
        free(waves);
        return r;
    }
    c.waves = waves;
    int rc = open_run(&c, st, inputs, n_inputs, err);
    for (size_t m = 0; !rc && m < c.nm; m++)
        rc = measure_rows(&c, c.measures[m], err);
    if (!rc && o->comparisons)
        rc = reliability_rows(&c, err);
    if (!rc && o->sensitivity)
        rc = more_rows(&c, st, helby_run_sensitivity_rows, err);
    if (!rc && o->comparisons)
        rc = more_rows(&c, st, helby_run_adjusted_rows, err);
    if (!rc && o->by[0])
        rc = more_rows(&c, st, helby_run_subgroup_rows, err);
    if (!rc) {
        *rows = c.out.rows;
        *n_rows = c.out.n;
        c.out.rows = NULL;
        helby_run_rows_zero(*rows, *n_rows);
    }
    close_run(&c);
    free(waves);
    return rc ? helby_run_status(err) : HELBY_OK;
}
