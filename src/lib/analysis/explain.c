/* explain.c — helby explain over a survey's stored waves (helby/explain.h): the covariates as
 * model columns and standard cells per wave, each wave on its own design, and the changes
 * since the baseline wave.
 * Layers (scripts/check-layers): explain_core < explain; */
#include "helby/explain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"
#include "analysis/explain_internal.h"
#include "helby/compare.h"
#include "stats/design_internal.h"
#include "stats/estimate_internal.h"

void helby_explain_request_default(helby_explain_request *r)
{
    memset(r, 0, sizeof *r);
    helby_estimate_options_default(&r->opt);
    r->rep.type = HELBY_REP_JKN;
    r->rep.replicates = 100;
    r->rep.seed = 1;
    r->rep.fay_rho = 0.3;
}

/* The standard's cells over the covariates (other columns of standard.csv summed over). */
typedef struct ex_std {
    size_t m, n;   /* covariates, cells */
    double *keys;  /* n x m codes, sorted */
    double *share; /* n */
    char (*names)[160];
} ex_std;

static int key_cmp(const double *a, const double *b, size_t m)
{
    for (size_t j = 0; j < m; j++)
        if (a[j] != b[j])
            return a[j] < b[j] ? -1 : 1;
    return 0;
}

static long std_find(const ex_std *S, const double *key)
{
    size_t lo = 0, hi = S->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = key_cmp(S->keys + mid * S->m, key, S->m);
        if (!c)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static void std_free(ex_std *S)
{
    free(S->keys), free(S->share), free(S->names);
    memset(S, 0, sizeof *S);
}

/* Insert (key, pop) into the sorted cells, summing a key met before. */
static void std_add(ex_std *S, const double *key, double pop)
{
    long at = std_find(S, key);
    if (at >= 0) {
        S->share[at] += pop;
        return;
    }
    size_t i = S->n;
    while (i > 0 && key_cmp(S->keys + (i - 1) * S->m, key, S->m) > 0) {
        memcpy(S->keys + i * S->m, S->keys + (i - 1) * S->m, S->m * sizeof *key);
        S->share[i] = S->share[i - 1];
        i--;
    }
    memcpy(S->keys + i * S->m, key, S->m * sizeof *key);
    S->share[i] = pop;
    S->n++;
}

static int std_alloc(ex_std *S, size_t m, size_t cap)
{
    S->m = m;
    S->keys = malloc((cap ? cap : 1) * m * sizeof *S->keys);
    S->share = malloc((cap ? cap : 1) * sizeof *S->share);
    S->names = calloc(cap ? cap : 1, sizeof *S->names);
    return S->keys && S->share && S->names ? 0 : -1;
}

/* Shares from the populations (total), and the cells' names "ageband=1,sex=2". */
static void std_finish(ex_std *S, char (*cov)[64], double total)
{
    for (size_t c = 0; c < S->n; c++) {
        S->share[c] /= total;
        size_t o = 0;
        for (size_t j = 0; j < S->m; j++)
            o += (size_t)snprintf(S->names[c] + o, o < 160 ? 160 - o : 0, "%s%s=%.15g",
                                  j ? "," : "", cov[j], S->keys[c * S->m + j]);
    }
}

static helby_status std_build(const helby_standard *st, char (*cov)[64], size_t m, ex_std *S,
                              char *note, helby_error *err)
{
    size_t col[16];
    memset(S, 0, sizeof *S);
    for (size_t j = 0; j < m; j++) {
        col[j] = SIZE_MAX;
        for (size_t v = 0; v < st->n_vars; v++)
            if (!strcmp(st->vars[v], cov[j]))
                col[j] = v;
        if (col[j] == SIZE_MAX) {
            snprintf(note, 256,
                     "standard.csv has no column %s: no standardised means (its columns must "
                     "include every covariate)",
                     cov[j]);
            return HELBY_OK;
        }
    }
    if (std_alloc(S, m, st->n_cells))
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    double key[16], total = 0;
    for (size_t c = 0; c < st->n_cells; c++) {
        for (size_t j = 0; j < m; j++)
            key[j] = st->codes[c * st->n_vars + col[j]];
        std_add(S, key, st->population[c]);
        total += st->population[c];
    }
    std_finish(S, cov, total);
    return HELBY_OK;
}

/* A covariate: its column in the dataset and whether it is a factor. */
typedef struct ex_cov {
    const double *col;
    const helby_variable *v;
    int factor;
    size_t n_levels; /* of the current wave */
    double levels[EX_MAX_P];
} ex_cov;

/* The value of covariate j at row k: NaN for a missing one. */
static double cov_value(const ex_cov *cv, size_t k)
{
    double x = cv->col[k];
    return isfinite(x) && !helby_variable_is_missing_code(cv->v, x) ? x : NAN;
}

/* One wave's arrays for helby_explain_design. */
typedef struct ex_wave {
    helby_explain_data data;
    int *group;
    double *X;
    size_t *term;
    long *cell;
    char (*colnames)[128];
    const char **colptr, **cellptr;
    ex_std pool; /* the wave's own standard (--standard pooled) */
} ex_wave;

static void wave_free(ex_wave *w)
{
    free(w->group), free(w->X), free(w->term), free(w->cell), free(w->colnames);
    free(w->colptr), free(w->cellptr);
    std_free(&w->pool);
    memset(w, 0, sizeof *w);
}

/* Insert x into the sorted levels of cv (at most EX_MAX_P); -1 when too many. */
static int level_add(ex_cov *cv, double x)
{
    size_t i = 0;
    while (i < cv->n_levels && cv->levels[i] < x)
        i++;
    if (i < cv->n_levels && cv->levels[i] == x)
        return 0;
    if (cv->n_levels == EX_MAX_P)
        return -1;
    memmove(cv->levels + i + 1, cv->levels + i, (cv->n_levels - i) * sizeof *cv->levels);
    cv->levels[i] = x;
    cv->n_levels++;
    return 0;
}

/* Rows first .. first + n - 1 in the analysis: y, a group and every covariate; the levels of
 * the factors among them. Returns the number of model columns, or -1 when too many. */
static long wave_levels(const ex_wave *w, const double *y, ex_cov *cv, size_t m, size_t first,
                        size_t n, unsigned char *ok)
{
    for (size_t j = 0; j < m; j++)
        cv[j].n_levels = 0;
    for (size_t k = 0; k < n; k++) {
        ok[k] = isfinite(y[first + k]) && w->group[k] >= 0;
        for (size_t j = 0; ok[k] && j < m; j++)
            ok[k] = !isnan(cov_value(&cv[j], first + k));
        for (size_t j = 0; ok[k] && j < m; j++)
            if (cv[j].factor && level_add(&cv[j], cov_value(&cv[j], first + k)))
                return -1;
    }
    long q = 0;
    for (size_t j = 0; j < m; j++)
        q += cv[j].factor ? (cv[j].n_levels ? (long)cv[j].n_levels - 1 : 0) : 1;
    return q + 2 > EX_MAX_P ? -1 : q;
}

/* Model column names and terms of the wave: "ageband=2" for a factor's level, the name of a
 * numeric covariate. */
static void wave_columns(ex_wave *w, const ex_cov *cv, char (*cov)[64], size_t m)
{
    size_t c = 0;
    for (size_t j = 0; j < m; j++) {
        size_t nl = cv[j].factor ? (cv[j].n_levels ? cv[j].n_levels - 1 : 0) : 1;
        for (size_t l = 0; l < nl; l++, c++) {
            if (cv[j].factor)
                snprintf(w->colnames[c], 128, "%s=%.15g", cov[j], cv[j].levels[l + 1]);
            else
                snprintf(w->colnames[c], 128, "%s", cov[j]);
            w->colptr[c] = w->colnames[c];
            w->term[c] = j;
        }
    }
}

static void wave_row(ex_wave *w, const ex_cov *cv, size_t m, const ex_std *S, size_t first,
                     size_t k, int ok)
{
    double *x = w->X + k * w->data.q, key[16];
    size_t c = 0;
    for (size_t j = 0; j < m; j++) {
        double v = cov_value(&cv[j], first + k);
        key[j] = v;
        if (!cv[j].factor) {
            x[c++] = ok ? v : NAN;
            continue;
        }
        for (size_t l = 1; l < cv[j].n_levels; l++)
            x[c++] = !ok ? NAN : v == cv[j].levels[l];
    }
    if (w->cell)
        w->cell[k] = ok ? std_find(S, key) : -1;
}

/* The wave's estimated distribution of the covariates' cells over the analysis rows of both
 * groups (R svytable(~covariates, design)) as the standard. */
static int wave_pool(ex_wave *w, const ex_cov *cv, char (*cov)[64], size_t m, const double *wt,
                     size_t first, size_t n, const unsigned char *ok)
{
    double key[16], total = 0;
    if (std_alloc(&w->pool, m, n))
        return -1;
    for (size_t k = 0; k < n; k++) {
        if (!ok[k])
            continue;
        for (size_t j = 0; j < m; j++)
            key[j] = cov_value(&cv[j], first + k);
        std_add(&w->pool, key, wt[k]);
        total += wt[k];
    }
    std_finish(&w->pool, cov, total);
    return 0;
}

static helby_status wave_build(ex_wave *w, const helby_dataset *D, size_t i, const double *y,
                               const double *gcol, ex_cov *cv, char (*cov)[64], size_t m,
                               const ex_std *S, const double *pool_w, helby_error *err)
{
    const size_t first = D->wave_first[i], n = D->wave_rows[i];
    memset(w, 0, sizeof *w);
    unsigned char *ok = malloc(n ? n : 1);
    w->group = malloc((n ? n : 1) * sizeof *w->group);
    if (!ok || !w->group) {
        free(ok);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < n; k++)
        w->group[k] =
            isfinite(gcol[first + k]) ? helby_survey_group_of(D->survey, gcol[first + k]) : -1;
    long q = wave_levels(w, y, cv, m, first, n, ok);
    if (q < 0) {
        free(ok);
        return helby_error_set(err, HELBY_EUSAGE,
                               "wave %ld: the covariates have more than %d levels in all",
                               D->wave_ids[i], EX_MAX_P - 2);
    }
    if (pool_w && wave_pool(w, cv, cov, m, pool_w, first, n, ok)) {
        free(ok);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    if (pool_w)
        S = &w->pool;
    size_t Q = (size_t)q;
    w->X = malloc((n * Q + 1) * sizeof *w->X);
    w->term = malloc((Q ? Q : 1) * sizeof *w->term);
    w->colnames = calloc(Q ? Q : 1, sizeof *w->colnames);
    w->colptr = calloc(Q ? Q : 1, sizeof *w->colptr);
    w->cell = S->n ? malloc((n ? n : 1) * sizeof *w->cell) : NULL;
    if (!w->X || !w->term || !w->colnames || !w->colptr || (S->n && !w->cell)) {
        free(ok);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    w->data = (helby_explain_data){n, y + first, w->group, Q,        w->X, w->term,
                                   m, w->cell,   S->n,     S->share, NULL, w->colptr};
    wave_columns(w, cv, cov, m);
    for (size_t k = 0; k < n; k++)
        wave_row(w, cv, m, S, first, k, ok[k]);
    free(ok);
    if (S->n && (w->cellptr = calloc(S->n, sizeof *w->cellptr)))
        for (size_t c = 0; c < S->n; c++)
            w->cellptr[c] = S->names[c];
    w->data.cell_names = w->cellptr;
    return HELBY_OK;
}

/* The covariates' names (roles resolved) and variables; the standard's cells. */
static helby_status ex_setup(const helby_survey *s, const helby_explain_request *req,
                             char (*cov)[64], ex_cov *cv, ex_std *S, char *note, helby_error *err)
{
    if (helby_measure_kind_of(s, req->measure ? req->measure : "") == HELBY_MEASURE_UNKNOWN)
        return helby_error_at(err, HELBY_EINPUT, NULL, 0, 0, req->measure,
                              "%s is not an index, dimension, share or item of survey %s",
                              req->measure ? req->measure : "(none)", s->id);
    if (req->n_covariates == 0 || req->n_covariates > 16)
        return helby_error_set(err, HELBY_EUSAGE, "give 1 to 16 covariates, not %zu",
                               req->n_covariates);
    for (size_t j = 0; j < req->n_covariates; j++) {
        const char *name = helby_survey_role_name(s, req->covariates[j]);
        size_t v = name ? helby_survey_find_var(s, name) : HELBY_NO_VAR;
        if (v == HELBY_NO_VAR)
            return helby_error_at(err, HELBY_EINPUT, NULL, 0, 0, req->covariates[j],
                                  "%s is not a variable of survey %s", req->covariates[j], s->id);
        cv[j].v = &s->vars[v];
        if (cv[j].v->type == HELBY_TYPE_TEXT)
            return helby_error_at(err, HELBY_EINPUT, NULL, 0, 0, name,
                                  "%s is a text variable: a covariate must be a code or a number",
                                  name);
        cv[j].factor = cv[j].v->type == HELBY_TYPE_CODE;
        snprintf(cov[j], 64, "%s", name);
    }
    memset(S, 0, sizeof *S);
    if (req->no_standard || req->standard_pooled)
        return HELBY_OK;
    const helby_standard *st = req->standard ? req->standard : helby_survey_standard(s);
    if (!st) {
        snprintf(note, 256,
                 "survey %s has no standard.csv (columns: the covariates, then population): no "
                 "standardised means",
                 s->id);
        return HELBY_OK;
    }
    return std_build(st, cov, req->n_covariates, S, note, err);
}

static void row_set(helby_explain_row *r, long wave, long baseline, const char *prefix,
                    const char *quantity, const char *term, const helby_estimate *e)
{
    memset(r, 0, sizeof *r);
    r->wave = wave, r->baseline = baseline;
    snprintf(r->quantity, sizeof r->quantity, "%s%s", prefix, quantity);
    snprintf(r->term, sizeof r->term, "%s", term);
    r->e = *e;
}

/* The rows of wave w: its quantities (prefix "") or their changes since baseline b. */
static size_t wave_rows(const helby_explain_result *r, size_t w, size_t b, char (*cov)[64],
                        const helby_explain_request *req, helby_explain_row *out)
{
    const int ch = w != b && b != (size_t)-1;
    const helby_explain_fit *f = &r->fits[w], *f0 = ch ? &r->fits[b] : f;
    const char *pre = ch ? "change_" : "";
    long base = ch ? r->wave_ids[b] : 0;
    size_t n = 0;
    for (int q = 0; q < HELBY_EX_N_QUANTITIES; q++) {
        const char *name = helby_explain_quantity_name((helby_explain_quantity)q);
        helby_estimate e =
            ch ? helby_wave_change(&f->q[q], &f0->q[q], req->opt.df, &req->opt) : f->q[q];
        row_set(&out[n++], r->wave_ids[w], base, pre, name, q == HELBY_EX_EXPLAINED ? "total" : "",
                &e);
        for (size_t t = 0; q == HELBY_EX_EXPLAINED && t < f->n_terms; t++) {
            e = ch ? helby_wave_change(&f->terms[t], &f0->terms[t], req->opt.df, &req->opt)
                   : f->terms[t];
            row_set(&out[n++], r->wave_ids[w], base, pre, name, cov[t], &e);
        }
    }
    return n;
}

/* Every wave on its own design. */
static helby_status ex_waves(helby_wave_designs *W, const helby_dataset *D, const double *y,
                             const double *gcol, ex_cov *cv, char (*cov)[64],
                             const helby_explain_request *req, const ex_std *S,
                             helby_explain_result *r, helby_error *err)
{
    for (size_t i = 0; i < D->n_waves; i++) {
        const helby_design *d;
        const helby_replicates *rep;
        ex_wave w;
        memset(&w, 0, sizeof w);
        helby_status rc = helby_wave_designs_part(W, i, &d, &rep, err);
        if (!rc)
            rc = wave_build(&w, D, i, y, gcol, cv, cov, req->n_covariates, S,
                            req->standard_pooled ? d->w : NULL, err);
        if (!rc) {
            double df = req->opt.df > 0 ? req->opt.df : helby_wave_designs_df(W, i);
            rc = helby_explain_design(d, req->replicates ? rep : NULL, &w.data, df, &req->opt,
                                      &r->fits[i], err);
        }
        wave_free(&w);
        if (rc)
            return rc;
    }
    return HELBY_OK;
}

static helby_status ex_result_rows(helby_explain_result *r, char (*cov)[64],
                                   const helby_explain_request *req, helby_error *err)
{
    size_t per = HELBY_EX_N_QUANTITIES + req->n_covariates;
    r->rows = calloc(2 * per * r->n_waves, sizeof *r->rows);
    if (!r->rows)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    for (size_t w = 0; w < r->n_waves; w++) {
        r->n_rows += wave_rows(r, w, (size_t)-1, cov, req, r->rows + r->n_rows);
        if (w != r->baseline)
            r->n_rows += wave_rows(r, w, r->baseline, cov, req, r->rows + r->n_rows);
    }
    return HELBY_OK;
}

static helby_status ex_open(helby_store *st, const helby_survey *s,
                            const helby_explain_request *req, char (*cov)[64], helby_dataset **D,
                            helby_error *err)
{
    const char *load[300];
    size_t nl = 0;
    load[nl++] = s->vars[s->group_var].name;
    for (size_t j = 0; j < req->n_covariates; j++)
        load[nl++] = cov[j];
    int nm = helby_measure_columns(s, req->measure, load + nl, 300 - nl);
    if (nm < 0)
        return helby_error_set(err, HELBY_EUSAGE, "measure %s needs too many columns",
                               req->measure);
    return helby_dataset_open(D, st, s, req->waves, req->n_waves, load, nl + (size_t)nm, err);
}

static helby_status ex_baseline(const helby_dataset *D, long baseline, size_t *out,
                                helby_error *err)
{
    *out = 0;
    if (!baseline)
        return HELBY_OK;
    for (size_t i = 0; i < D->n_waves; i++)
        if (D->wave_ids[i] == baseline) {
            *out = i;
            return HELBY_OK;
        }
    return helby_error_set(err, HELBY_EUSAGE, "baseline wave %ld is not among the waves", baseline);
}

void helby_explain_result_free(helby_explain_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; r->fits && i < r->n_waves; i++)
        helby_explain_fit_free(&r->fits[i]);
    free(r->fits), free(r->wave_ids), free(r->rows);
    free(r);
}

static helby_status ex_run(helby_store *st, const helby_survey *s, const helby_explain_request *req,
                           char (*cov)[64], ex_cov *cv, const ex_std *S, helby_explain_result *r,
                           helby_error *err)
{
    helby_dataset *D = NULL;
    helby_wave_designs *W = NULL;
    double *y = NULL;
    if (ex_open(st, s, req, cov, &D, err) || ex_baseline(D, req->baseline, &r->baseline, err))
        goto done;
    r->n_waves = D->n_waves;
    r->wave_ids = malloc(D->n_waves * sizeof *r->wave_ids);
    r->fits = calloc(D->n_waves, sizeof *r->fits);
    y = malloc((D->n ? D->n : 1) * sizeof *y);
    if (!r->wave_ids || !r->fits || !y) {
        helby_error_set(err, HELBY_ENOMEM, "out of memory");
        goto done;
    }
    memcpy(r->wave_ids, D->wave_ids, D->n_waves * sizeof *r->wave_ids);
    for (size_t j = 0; j < req->n_covariates; j++)
        cv[j].col = helby_dataset_col(D, cov[j]);
    const char *wname = req->weights && strcmp(req->weights, "base") ? req->weights : NULL;
    helby_dataset_inputs(D, r->inputs, sizeof r->inputs);
    if (helby_wave_designs_new(&W, st, D, req->replicates ? &req->rep : NULL, wname,
                               r->inputs + strlen(r->inputs), sizeof r->inputs - strlen(r->inputs),
                               err) ||
        helby_measure_values(D, req->measure, y, err))
        goto done;
    if (!ex_waves(W, D, y, helby_dataset_col(D, s->vars[s->group_var].name), cv, cov, req, S, r,
                  err))
        ex_result_rows(r, cov, req, err);
done:
    free(y);
    helby_wave_designs_free(W);
    helby_dataset_free(D);
    return err->code;
}

helby_status helby_explain(helby_store *st, const helby_survey *s, const helby_explain_request *req,
                           helby_explain_result **out, helby_error *err)
{
    helby_error local;
    if (!err)
        err = &local;
    helby_error_clear(err);
    *out = NULL;
    char cov[16][64];
    ex_cov cv[16];
    ex_std S;
    char note[256] = "";
    memset(cv, 0, sizeof cv);
    memset(&S, 0, sizeof S);
    helby_status rc = ex_setup(s, req, cov, cv, &S, note, err);
    helby_explain_result *r = rc ? NULL : calloc(1, sizeof *r);
    if (!rc && !r)
        rc = helby_error_set(err, HELBY_ENOMEM, "out of memory");
    if (!rc) {
        r->standardised = S.n > 0 || req->standard_pooled;
        snprintf(r->standard_note, sizeof r->standard_note, "%s", note);
        rc = ex_run(st, s, req, cov, cv, &S, r, err);
    }
    std_free(&S);
    if (rc) {
        helby_explain_result_free(r);
        return rc;
    }
    *out = r;
    return HELBY_OK;
}
