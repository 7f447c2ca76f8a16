/* tables_compare.c — minorities vs Danes for one measure, with goal verdicts, and the
 * reliability of every dimension, over a store (tables.h). The arithmetic is compare.c's
 * and score.c's; this file opens the data, numbers the domains and collects the results. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"
#include "helby/analysis.h"
#include "helby/tables.h"

void helby_compare_request_default(helby_compare_request *r)
{
    memset(r, 0, sizeof *r);
    helby_estimate_options_default(&r->opt);
    r->rep.type = HELBY_REP_JKN;
    r->rep.fay_rho = 0.3;
    r->rep.replicates = 100;
    r->rep.seed = 1;
    r->min_cell = -1;
}

void helby_comparison_free(helby_comparison *c)
{
    if (!c)
        return;
    free(c->waves), free(c->all), free(c->goals), free(c->suppressed);
    free(c);
}

/* Per-wave estimates of the measure in D: e by group x wave (Danes of wave w in domain 2w,
 * minorities in 2w + 1), all by wave. Waves are D's blocks of rows. */
static helby_status wave_estimates(const helby_dataset *D, helby_wave_designs *W, const double *y,
                                   const helby_estimate_options *eo, helby_estimates **e,
                                   helby_estimates **all, helby_error *err)
{
    const helby_survey *s = D->survey;
    const double *gcol = helby_dataset_col(D, s->vars[s->group_var].name);
    long *dom = malloc((D->n ? D->n : 1) * sizeof *dom);
    long *dom_all = malloc((D->n ? D->n : 1) * sizeof *dom_all);
    if (!dom || !dom_all) {
        free(dom), free(dom_all);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    for (size_t w = 0; w < D->n_waves; w++)
        for (size_t k = D->wave_first[w]; k < D->wave_first[w] + D->wave_rows[w]; k++) {
            int g = isnan(gcol[k]) ? -1 : helby_survey_group_of(s, gcol[k]);
            dom_all[k] = (long)w;
            dom[k] = g < 0 ? -1 : 2 * (long)w + g;
        }
    helby_status r =
        helby_estimate_waves(W, HELBY_EST_MEAN, y, NULL, dom, 2 * D->n_waves, eo, e, err);
    if (!r)
        r = helby_estimate_waves(W, HELBY_EST_MEAN, y, NULL, dom_all, D->n_waves, eo, all, err);
    free(dom), free(dom_all);
    return r;
}

/* The baseline wave's index: req's, else the first target's on the measure, else 0. */
static helby_status find_baseline(const helby_survey *s, const helby_dataset *D,
                                  const helby_compare_request *req, size_t *b, helby_error *err)
{
    long base = req->baseline;
    for (size_t t = 0; !base && t < s->n_targets; t++)
        if (!strcmp(s->targets[t].measure, req->measure))
            base = s->targets[t].baseline_wave;
    *b = 0;
    if (!base)
        return HELBY_OK;
    while (*b < D->n_waves && D->wave_ids[*b] != base)
        (*b)++;
    if (*b == D->n_waves)
        return helby_error_set(err, HELBY_ENOTFOUND, "baseline wave %ld is not in the store", base);
    return HELBY_OK;
}

/* Every target on the measure judged into c->goals. */
static helby_status judge_goals(const helby_survey *s, const helby_dataset *D,
                                const helby_compare_request *req, const helby_estimates *e,
                                const helby_estimates *all, const size_t *dn, const size_t *mn,
                                helby_comparison *c, helby_error *err)
{
    /* Goals take each quantity's own df (0), as the comparisons. */
    c->goals = calloc(s->n_targets + 1, sizeof *c->goals);
    if (!c->goals)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    for (size_t t = 0; t < s->n_targets; t++) {
        const helby_target *tg = &s->targets[t];
        if (strcmp(tg->measure, req->measure))
            continue;
        size_t tw = D->n_waves - 1;
        for (size_t i = 0; i < D->n_waves && tg->target_wave; i++)
            if (D->wave_ids[i] == tg->target_wave)
                tw = i;
        helby_goal_row *g = &c->goals[c->n_goals++];
        g->target = tg;
        g->x = req->have_x ? req->x : tg->x;
        g->baseline_wave = D->wave_ids[c->baseline];
        g->target_wave = D->wave_ids[tw];
        g->target_index = tw;
        if (helby_goal_evaluate(tg, g->x, c->waves, e, all, dn, mn, c->baseline, tw, 0, &req->opt,
                                &g->result, err))
            return err->code;
    }
    return HELBY_OK;
}

static void withhold(helby_estimate *q)
{
    q->estimate = q->se = q->ci_low = q->ci_high = q->deff = q->rel_se = NAN;
}

/* A quantity resting on a cell below min_cell is suppressed, as in runs and reports: a
 * wave's gap and ratio on its two groups, its changes also on the baseline's; a goal on
 * every cell it uses. */
static void suppress_small(helby_comparison *c)
{
    const size_t b = c->baseline;
    const long lim = c->min_cell;
    for (size_t w = 0; w < c->n_waves; w++) {
        helby_wave_comparison *o = &c->waves[w];
        /* An empty cell (n = 0) is not small: its quantities are undefined, and say so. */
#define SMALL(e) ((e).n > 0 && (long)(e).n < lim)
        int small_w = SMALL(o->danes) || SMALL(o->minorities);
        int small_b = SMALL(c->waves[b].danes) || SMALL(c->waves[b].minorities);
        if (SMALL(o->danes))
            withhold(&o->danes);
        if (SMALL(o->minorities))
            withhold(&o->minorities);
        if (SMALL(c->all[w]))
            withhold(&c->all[w]);
#undef SMALL
        c->suppressed[w] = small_w || small_b;
        if (small_w) {
            withhold(&o->gap);
            withhold(&o->ratio);
        }
        if (small_w || small_b) {
            withhold(&o->gap_change);
            withhold(&o->rel_gap_change);
            withhold(&o->ratio_change);
            o->fieller_bounded = 0;
            o->fieller_low = o->fieller_high = NAN;
        }
    }
    for (size_t g = 0; g < c->n_goals; g++)
        if (c->goals[g].result.n > 0 && (long)c->goals[g].result.n < lim) {
            withhold(&c->goals[g].result.q);
            c->goals[g].result.verdict = HELBY_VERDICT_UNDEFINED;
        }
}

/* The comparison of the measure's values y over D with design d. */
static helby_status compare_values(const helby_dataset *D, helby_wave_designs *Wds, const double *y,
                                   const helby_compare_request *req, helby_comparison *c,
                                   helby_error *err)
{
    size_t W = D->n_waves;
    helby_wave_designs *Wd = Wds;
    helby_estimates *e = NULL, *all = NULL;
    size_t *dn = malloc(W * sizeof *dn), *mn = malloc(W * sizeof *mn);
    c->waves = calloc(W, sizeof *c->waves);
    c->all = calloc(W, sizeof *c->all);
    c->suppressed = calloc(W, sizeof *c->suppressed);
    if (!dn || !mn || !c->waves || !c->all || !c->suppressed) {
        helby_error_set(err, HELBY_ENOMEM, "out of memory");
        goto done;
    }
    c->n_waves = W;
    for (size_t i = 0; i < W; i++)
        dn[i] = 2 * i, mn[i] = 2 * i + 1;
    if (find_baseline(D->survey, D, req, &c->baseline, err))
        goto done;
    c->df = helby_wave_designs_df(Wd, c->baseline);
    /* Each quantity's own df (a wave's, Satterthwaite across waves) unless opt.df fixes it. */
    if (wave_estimates(D, Wd, y, &req->opt, &e, &all, err) ||
        helby_compare_groups(e, D->wave_ids, W, dn, mn, c->baseline, 0, &req->opt, c->waves, err))
        goto done;
    for (size_t i = 0; i < W; i++)
        c->all[i] = all->est[i];
    if (judge_goals(D->survey, D, req, e, all, dn, mn, c, err))
        goto done;
    suppress_small(c);
done:
    helby_estimates_free(e);
    helby_estimates_free(all);
    free(dn), free(mn);
    return err->code;
}

helby_status helby_analysis_compare(helby_store *st, const helby_survey *s,
                                    const helby_compare_request *req, helby_comparison **out,
                                    helby_error *err)
{
    helby_error local;
    if (!err)
        err = &local;
    helby_error_clear(err);
    *out = NULL;
    helby_measure_kind kind = helby_measure_kind_of(s, req->measure);
    const char *load[256];
    load[0] = s->vars[s->group_var].name;
    int nm =
        kind == HELBY_MEASURE_UNKNOWN ? -1 : helby_measure_columns(s, req->measure, load + 1, 255);
    if (nm < 0)
        return helby_error_at(err, HELBY_EINPUT, NULL, 0, 0, req->measure,
                              "%s is not an index, dimension, share or item", req->measure);
    helby_dataset *D = NULL;
    helby_wave_designs *W = NULL;
    double *y = NULL;
    helby_where *wh = NULL;
    if (helby_where_parse(s, req->where, &wh, err))
        return err->code;
    nm += (int)helby_where_vars(wh, load + 1 + nm, 255 - (size_t)nm);
    helby_comparison *c = calloc(1, sizeof *c);
    char inputs[4096] = "";
    if (!c) {
        helby_where_free(wh);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    c->is_share = kind == HELBY_MEASURE_SHARE;
    if (helby_dataset_open(&D, st, s, req->waves, req->n_waves, load, 1 + (size_t)nm, err))
        goto done;
    if (D->n_waves < 2) {
        helby_error_set(err, HELBY_ENOTFOUND, "survey %s needs at least two waves to compare",
                        s->id);
        goto done;
    }
    if (!(y = malloc((D->n ? D->n : 1) * sizeof *y))) {
        helby_error_set(err, HELBY_ENOMEM, "out of memory");
        goto done;
    }
    c->min_cell = req->min_cell < 0 ? (long)s->min_cell : req->min_cell;
    if (helby_wave_designs_new(&W, st, D, req->replicates ? &req->rep : NULL, req->weights, inputs,
                               sizeof inputs, err) ||
        helby_measure_values(D, req->measure, y, err) || helby_where_mask_values(wh, D, y, err))
        goto done;
    compare_values(D, W, y, req, c, err);
done:
    free(y);
    helby_where_free(wh);
    helby_wave_designs_free(W);
    helby_dataset_free(D);
    if (err->code) {
        helby_comparison_free(c);
        return err->code;
    }
    *out = c;
    return HELBY_OK;
}

void helby_reliability_rows_free(helby_reliability_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        free(rows[i].item_rest);
    free(rows);
}

/* The items of every dimension of s, to load (malloc'ed). */
static const char **dimension_items(const helby_survey *s, size_t *nl, size_t *n_dims)
{
    size_t n = 0, nd = 0;
    for (size_t i = 0; i < s->n_indices; i++)
        for (size_t j = 0; j < s->indices[i].n_dims; j++, nd++)
            n += s->indices[i].dims[j].n_items;
    const char **load = malloc((n ? n : 1) * sizeof *load);
    if (!load)
        return NULL;
    *nl = 0;
    for (size_t i = 0; i < s->n_indices; i++)
        for (size_t j = 0; j < s->indices[i].n_dims; j++)
            for (size_t q = 0; q < s->indices[i].dims[j].n_items; q++)
                load[(*nl)++] = s->vars[s->indices[i].dims[j].items[q]].name;
    *n_dims = nd;
    return load;
}

helby_status helby_analysis_reliability(helby_store *st, const helby_survey *s, const long *waves,
                                        size_t n_waves, helby_reliability_row **rows,
                                        size_t *n_rows, helby_error *err)
{
    helby_error local, e1;
    if (!err)
        err = &local;
    helby_error_clear(err);
    *rows = NULL;
    *n_rows = 0;
    size_t nl = 0, nd = 0, r = 0;
    const char **load = dimension_items(s, &nl, &nd);
    helby_reliability_row *out = calloc(nd + 1, sizeof *out);
    helby_dataset *D = NULL;
    if (!load || !out) {
        helby_error_set(err, HELBY_ENOMEM, "out of memory");
        goto done;
    }
    if (helby_dataset_open(&D, st, s, waves, n_waves, load, nl, err))
        goto done;
    for (size_t i = 0; i < s->n_indices; i++)
        for (size_t j = 0; j < s->indices[i].n_dims; j++, r++) {
            helby_reliability_row *row = &out[r];
            row->index = &s->indices[i];
            row->dimension = &s->indices[i].dims[j];
            row->item_rest = calloc(row->dimension->n_items + 1, sizeof *row->item_rest);
            if (!row->item_rest) {
                helby_error_set(err, HELBY_ENOMEM, "out of memory");
                goto done;
            }
            helby_error_clear(&e1);
            if (helby_dataset_reliability(D, row->dimension->name, &row->alpha, row->item_rest,
                                          &row->n_complete, &e1)) {
                if (e1.code == HELBY_ENOMEM) {
                    *err = e1;
                    goto done;
                }
                row->alpha = NAN;
                snprintf(row->message, sizeof row->message, "%s", e1.message);
            }
        }
done:
    free(load);
    helby_dataset_free(D);
    if (err->code) {
        helby_reliability_rows_free(out, nd);
        return err->code;
    }
    *rows = out;
    *n_rows = nd;
    return HELBY_OK;
}
