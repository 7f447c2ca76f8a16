/* freq.c — frequency tables of a coded item by domains, and the Rao–Scott test of a two-way
 * table (tables.h helby_analysis_table): the engine of `helby table`. Each valid code's
 * share is the mean of its indicator among the domain's respondents with a valid answer
 * (R svymean(~factor(x), na.rm = TRUE) in each domain; CI as `estimate` gives a share);
 * missing codes and empty answers are shown apart, as shares of all the domain's
 * respondents, never in the valid shares' denominator. The test is R svychisq (crosstab.h)
 * on the wave's design (the stacked waves' when several are loaded).
 * Layer: above tables.c (the domains), waves.c and stats/crosstab.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"
#include "base/util_internal.h"
#include "helby/crosstab.h"
#include "helby/tables.h"

void helby_table_request_default(helby_table_request *r)
{
    memset(r, 0, sizeof *r);
    r->rep.type = HELBY_REP_JK1;
    r->rep.fay_rho = 0.3;
    r->rep.replicates = 100;
    r->rep.seed = 1;
    helby_estimate_options_default(&r->opt);
    r->opt.ci = HELBY_CI_LOGIT;
    r->min_cell = -1;
    r->test = HELBY_TEST_F;
}

void helby_freq_table_free(helby_freq_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->by && i < t->n_by; i++)
        free(t->by[i]);
    free(t->item), free(t->by), free((void *)t->by_vars), free(t->rows), free(t->codes);
    free(t->valid), free(t->missing);
    free(t);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The item's valid codes: its labels' codes and every value answered, sorted and distinct,
 * missing codes left out. */
static helby_status valid_codes(const helby_variable *v, const double *x, size_t n,
                                helby_freq_table *t, helby_error *err)
{
    size_t cap = v->n_labels + 16, m = 0;
    double *c = malloc(cap * sizeof *c);
    if (!c)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    for (size_t i = 0; i < v->n_labels; i++)
        if (!helby_variable_is_missing_code(v, v->labels[i].value))
            c[m++] = v->labels[i].value;
    qsort(c, m, sizeof *c, cmp_d);
    for (size_t k = 0; k < n; k++) {
        if (isnan(x[k]) || helby_variable_is_missing_code(v, x[k]) ||
            bsearch(&x[k], c, m, sizeof *c, cmp_d))
            continue;
        if (m == cap) {
            double *g = realloc(c, 2 * cap * sizeof *c);
            if (!g)
                return free(c), helby_error_set(err, HELBY_ENOMEM, "out of memory");
            c = g, cap *= 2;
        }
        c[m++] = x[k];
        qsort(c, m, sizeof *c, cmp_d);
    }
    size_t u = 0;
    for (size_t i = 0; i < m; i++)
        if (u == 0 || c[i] != c[u - 1])
            c[u++] = c[i];
    t->valid = c, t->n_valid = u;
    t->missing = malloc((v->n_missing + 1) * sizeof *t->missing);
    if (!t->missing)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    memcpy(t->missing, v->missing, v->n_missing * sizeof *t->missing);
    t->n_missing = v->n_missing;
    return HELBY_OK;
}

/* The rows of one code (kind, code) from the domains' estimates e. */
static void put_rows(helby_freq_table *t, size_t slot, helby_freq_kind kind, double code,
                     const helby_estimates *e, const size_t *cells, long min_cell)
{
    size_t per = t->n_valid + t->n_missing + 1;
    for (size_t g = 0; g < t->n_domains; g++) {
        helby_freq_row *r = &t->rows[g * per + slot];
        r->codes = t->codes + g * t->n_by;
        r->code = code, r->kind = kind, r->est = e->est[g], r->n_cell = cells[g];
        int small = (long)r->est.n < min_cell || (cells[g] > 0 && (long)cells[g] < min_cell);
        r->flag = r->est.n == 0                                   ? HELBY_CELL_NO_VALUE
                  : small                                         ? HELBY_CELL_SUPPRESSED
                  : r->est.unreliable && kind == HELBY_FREQ_VALID ? HELBY_CELL_UNRELIABLE
                                                                  : HELBY_CELL_OK;
        if (r->flag == HELBY_CELL_SUPPRESSED)
            r->est.estimate = r->est.se = r->est.ci_low = r->est.ci_high = r->est.deff =
                r->est.rel_se = NAN;
    }
}

/* Every code's shares: valid codes among valid answers, missing codes and empty among all. */
static helby_status shares(helby_wave_designs *W, const helby_dataset *D, const helby_variable *v,
                           const double *x, const long *dom, const helby_table_request *req,
                           long min_cell, helby_freq_table *t, helby_error *err)
{
    size_t per = t->n_valid + t->n_missing + 1, nd = t->n_domains;
    double *y = helby_alloc_big((D->n ? D->n : 1) * sizeof *y);
    size_t *cells = malloc(nd * sizeof *cells);
    t->n_rows = nd * per;
    t->rows = calloc(t->n_rows ? t->n_rows : 1, sizeof *t->rows);
    if (!y || !cells || !t->rows) {
        free(y), free(cells);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    helby_estimate_options eo = req->opt;
    for (size_t s = 0; s < per && !err->code; s++) {
        helby_freq_kind kind = s < t->n_valid ? HELBY_FREQ_VALID
                               : s < per - 1  ? HELBY_FREQ_MISSING
                                              : HELBY_FREQ_EMPTY;
        double code = kind == HELBY_FREQ_VALID     ? t->valid[s]
                      : kind == HELBY_FREQ_MISSING ? t->missing[s - t->n_valid]
                                                   : NAN;
        memset(cells, 0, nd * sizeof *cells);
        for (size_t k = 0; k < D->n; k++) {
            int miss = isnan(x[k]) || helby_variable_is_missing_code(v, x[k]);
            int hit = kind == HELBY_FREQ_EMPTY ? isnan(x[k]) : x[k] == code;
            y[k] = kind == HELBY_FREQ_VALID && miss ? NAN : hit;
            if (hit && dom[k] >= 0 && D->w[k] != 0)
                cells[dom[k]]++;
        }
        helby_estimates *e = NULL;
        if (helby_estimate_waves(W, HELBY_EST_MEAN, y, NULL, dom, nd, &eo, &e, err))
            break;
        put_rows(t, s, kind, code, e, cells, min_cell);
        helby_estimates_free(e);
    }
    free(y), free(cells);
    return err->code;
}

/* Level index of each row of the part (rows first .. first + n - 1): rows by the item's valid
 * code, columns by domain, each numbered over the levels present in the part (R's unique()). */
static helby_status test_levels(const helby_freq_table *t, const helby_variable *v, const double *x,
                                const long *dom, const long *keep, size_t first, size_t n, long *ri,
                                long *ci, size_t *nr, size_t *nc)
{
    long *rmap = malloc((t->n_valid + 1) * sizeof *rmap);
    long *cmap = malloc((t->n_domains + 1) * sizeof *cmap);
    if (!rmap || !cmap) {
        free(rmap), free(cmap);
        return HELBY_ENOMEM;
    }
    for (size_t i = 0; i <= t->n_valid; i++)
        rmap[i] = -1;
    for (size_t i = 0; i <= t->n_domains; i++)
        cmap[i] = -1;
    for (size_t k = 0; k < n; k++) {
        double c = x[first + k];
        const double *at = isnan(c) || helby_variable_is_missing_code(v, c)
                               ? NULL
                               : bsearch(&c, t->valid, t->n_valid, sizeof c, cmp_d);
        ri[k] = at ? (long)(at - t->valid) : -1;
        ci[k] = dom[first + k];
        if (keep && keep[first + k] < 0) /* outside --where: not in R's subset at all */
            ri[k] = ci[k] = -1;
        if (ri[k] >= 0)
            rmap[ri[k]] = 0;
        if (ci[k] >= 0)
            cmap[ci[k]] = 0;
    }
    *nr = *nc = 0;
    for (size_t i = 0; i < t->n_valid; i++)
        if (rmap[i] == 0)
            rmap[i] = (long)(*nr)++;
    for (size_t i = 0; i < t->n_domains; i++)
        if (cmap[i] == 0)
            cmap[i] = (long)(*nc)++;
    for (size_t k = 0; k < n; k++) {
        ri[k] = ri[k] < 0 ? -1 : rmap[ri[k]];
        ci[k] = ci[k] < 0 ? -1 : cmap[ci[k]];
    }
    free(rmap), free(cmap);
    return HELBY_OK;
}

/* The Rao–Scott test of item x by-variable on one wave's design (several waves: stacked). */
static helby_status table_test(helby_wave_designs *W, const helby_dataset *D,
                               const helby_variable *v, const double *x, const long *dom,
                               const helby_where *wh, helby_freq_table *t, helby_error *err)
{
    size_t part = D->n_waves == 1 ? 0 : (size_t)-1;
    const helby_design *d = NULL;
    const helby_replicates *r = NULL;
    helby_status rc = helby_wave_designs_part(W, part, &d, &r, err);
    if (rc)
        return rc;
    if (r)
        return helby_error_set(err, HELBY_EUSAGE,
                               "the Rao-Scott test is computed under linearization only: drop "
                               "--variance or give --test none");
    size_t first = part == 0 ? D->wave_first[0] : 0, n = helby_design_rows(d), nr, nc;
    long *ri = malloc((n ? n : 1) * sizeof *ri), *ci = malloc((n ? n : 1) * sizeof *ci);
    long *keep = wh ? calloc(D->n ? D->n : 1, sizeof *keep) : NULL;
    if (keep)
        helby_where_apply(wh, D, keep);
    if (!ri || !ci || (wh && !keep) ||
        test_levels(t, v, x, dom, keep, first, n, ri, ci, &nr, &nc)) {
        free(ri), free(ci), free(keep);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    rc = helby_raoscott_test(d, ri, ci, nr, nc, &t->test, err);
    /* R's svychisq on subset(): nu from the subset's PSUs and strata */
    if (!rc && keep)
        helby_raoscott_set_nu(&t->test, helby_design_subset_df(d, keep + first));
    free(ri), free(ci), free(keep);
    t->has_test = rc == HELBY_OK;
    t->test_wave = part == 0 ? D->wave_ids[0] : 0;
    return rc;
}

static helby_freq_table *freq_new(const helby_table_request *req, const char *item_var,
                                  const char **by_vars)
{
    helby_freq_table *t = calloc(1, sizeof *t);
    if (!t || !(t->item = strdup(req->item)) || !(t->by = calloc(req->n_by + 1, sizeof *t->by)) ||
        !(t->by_vars = calloc(req->n_by + 1, sizeof *t->by_vars))) {
        helby_freq_table_free(t);
        return NULL;
    }
    t->item_var = item_var;
    for (; t->n_by < req->n_by; t->n_by++) {
        t->by_vars[t->n_by] = by_vars[t->n_by];
        if (!(t->by[t->n_by] = strdup(req->by[t->n_by]))) {
            helby_freq_table_free(t);
            return NULL;
        }
    }
    t->test_kind = req->n_by == 1 ? req->test : HELBY_TEST_NONE;
    return t;
}

/* The item's variable: coded, or a usage error naming it. */
static helby_status table_item(const helby_survey *s, const helby_table_request *req, size_t *iv,
                               helby_error *err)
{
    *iv = req->item ? helby_survey_find_var(s, req->item) : HELBY_NO_VAR;
    if (*iv == HELBY_NO_VAR || s->vars[*iv].type != HELBY_TYPE_CODE)
        return helby_error_at(err, HELBY_EINPUT, NULL, 0, 0, req->item ? req->item : "",
                              "%s is not a coded variable of survey %s",
                              req->item ? req->item : "(none)", s->id);
    if (req->test != HELBY_TEST_NONE && req->n_by > 1)
        return helby_error_set(err, HELBY_EUSAGE,
                               "a test of independence needs exactly one --by variable, not %zu "
                               "(give --test none)",
                               req->n_by);
    return HELBY_OK;
}

helby_status helby_analysis_table(helby_store *st, const helby_survey *s,
                                  const helby_table_request *req, helby_freq_table **out,
                                  helby_error *err)
{
    helby_error local;
    if (!err)
        err = &local;
    helby_error_clear(err);
    *out = NULL;
    size_t iv, nd = 1;
    const char *by_names[64], *load[96];
    helby_dataset *D = NULL;
    helby_wave_designs *W = NULL;
    helby_freq_table *t = NULL;
    long *dom = NULL;
    double *codes = NULL;
    helby_where *wh = NULL;
    if (table_item(s, req, &iv, err) || helby_by_resolve(s, req->by, req->n_by, by_names, err) ||
        helby_where_parse(s, req->where, &wh, err))
        return err->code;
    size_t nl = helby_by_load_list(s, s->vars[iv].name, by_names, req->n_by, load);
    nl += helby_where_vars(wh, load + nl, sizeof load / sizeof load[0] - nl);
    char inputs[4096] = "";
    if (helby_dataset_open(&D, st, s, req->waves, req->n_waves, load, nl, err) ||
        helby_wave_designs_new(&W, st, D, req->replicates ? &req->rep : NULL, req->weights, inputs,
                               sizeof inputs, err))
        goto done;
    if (!(t = freq_new(req, s->vars[iv].name, by_names)) ||
        !(dom = helby_alloc_big((D->n ? D->n : 1) * sizeof *dom))) {
        helby_error_set(err, HELBY_ENOMEM, "out of memory");
        goto done;
    }
    if (helby_by_domains(D, req->by, req->n_by, by_names, dom, &nd, &codes, err))
        goto done;
    t->n_domains = nd, t->codes = codes;
    if (wh && !(t->n_domains = helby_domains_compact(dom, D->n, (helby_where_apply(wh, D, dom), nd),
                                                     codes, req->n_by))) {
        helby_error_set(err, HELBY_EINPUT, "no respondent meets --where %s", req->where);
        goto done;
    }
    const double *x = helby_dataset_col(D, s->vars[iv].name);
    long min_cell = req->min_cell < 0 ? (long)s->min_cell : req->min_cell;
    if (!valid_codes(&s->vars[iv], x, D->n, t, err) &&
        !shares(W, D, &s->vars[iv], x, dom, req, min_cell, t, err) &&
        t->test_kind != HELBY_TEST_NONE)
        table_test(W, D, &s->vars[iv], x, dom, wh, t, err);
done:
    free(dom);
    helby_where_free(wh);
    helby_wave_designs_free(W);
    helby_dataset_free(D);
    if (err->code) {
        helby_freq_table_free(t);
        return err->code;
    }
    *out = t;
    return HELBY_OK;
}
