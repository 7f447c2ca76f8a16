/* tables.c — estimates of measures by domains over a store (tables.h): the engine of `helby
 * estimate`. Domains are numbered in one pass: each by-variable's levels are sorted once, a
 * row's level indices form a mixed-radix key, and the distinct keys, sorted, are the
 * domains in ascending order of their levels (O(n log n), not rows x domains). */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "analysis/analysis_internal.h"
#include "helby/analysis.h"
#include "helby/tables.h"
#include "base/util_internal.h"

void helby_estimate_request_default(helby_estimate_request *r)
{
    memset(r, 0, sizeof *r);
    r->rep.type = HELBY_REP_JK1;
    r->rep.fay_rho = 0.3;
    r->rep.replicates = 100;
    r->rep.seed = 1;
    helby_estimate_options_default(&r->opt);
    r->mean_ci = HELBY_CI_T;
    r->share_ci = HELBY_CI_LOGIT;
    r->min_cell = -1;
}

const char *helby_cell_flag_name(helby_cell_flag f)
{
    switch (f) {
    case HELBY_CELL_SUPPRESSED: return "suppressed";
    case HELBY_CELL_UNRELIABLE: return "unreliable";
    case HELBY_CELL_NO_VALUE: return "empty";
    case HELBY_CELL_NOT_ASKED: return "not asked";
    default: return "";
    }
}

void helby_estimate_table_free(helby_estimate_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->measures && i < t->n_measures; i++)
        free(t->measures[i]);
    for (size_t i = 0; t->by && i < t->n_by; i++)
        free(t->by[i]);
    free(t->measures), free(t->by), free((void *)t->by_vars), free(t->rows), free(t->codes);
    free(t);
}

void helby_domain_label(const helby_survey *s, const char *by, double code, const char *lang,
                        char *out, size_t n)
{
    int da = lang && !strcmp(lang, "da");
    if (!strcmp(by, "group")) {
        snprintf(out, n, "%s",
                 code == 0 ? (da ? "Etniske danskere" : "Ethnic Danes")
                           : (da ? "Etniske minoriteter" : "Ethnic minorities"));
        return;
    }
    const char *name = helby_survey_role_name(s, by);
    size_t v = name ? helby_survey_find_var(s, name) : HELBY_NO_VAR;
    const char *l =
        v == HELBY_NO_VAR ? NULL : helby_variable_value_label_lang(&s->vars[v], code, lang);
    if (l)
        helby_utf8_copy(out, n, l);
    else
        snprintf(out, n, "%.17g", code);
}

void helby_domain_text_label(const helby_survey *s, const char *domain, const char *lang, char *out,
                             size_t n)
{
    size_t o = 0;
    out[0] = '\0';
    for (const char *p = domain; p && *p && o < n;) {
        size_t len = strcspn(p, ",");
        const char *eq = memchr(p, '=', len);
        size_t kl = eq ? (size_t)(eq - p) : len;
        char key[32], lab[160] = "";
        snprintf(key, sizeof key, "%.*s", (int)kl, p);
        const char *val = eq ? eq + 1 : p + len;
        char *end = NULL;
        double code = strtod(val, &end);
        int numeric = eq && end == p + len && end != val;
        if (numeric && (!strcmp(key, "group") || !strcmp(key, "district") || !strcmp(key, "wave")))
            helby_domain_label(s, key, code, lang, lab, sizeof lab);
        else if (numeric && !strcmp(key, "origin") && s->group_var != HELBY_NO_VAR) {
            const char *l = helby_variable_value_label_lang(&s->vars[s->group_var], code, lang);
            helby_utf8_copy(lab, sizeof lab, l ? l : "");
        }
        /* helby_domain_label falls back to the code itself: no label then. */
        if (lab[0] && strspn(lab, "0123456789.-+e") == strlen(lab))
            lab[0] = '\0';
        o += (size_t)snprintf(out + o, n - o, "%s%.*s%s%s%s", o ? ", " : "", (int)len, p,
                              lab[0] ? " (" : "", lab, lab[0] ? ")" : "");
        p = p[len] ? p + len + 1 : NULL;
    }
}

/* The distinct levels of each by-variable, sorted: lv[i] holds nl[i] of them, and idx[i][k]
 * is row k's level (its rank in lv[i]) or UINT32_MAX when the row has none. */
typedef struct by_levels {
    size_t n_by;
    const double *col[64];
    const helby_variable *var[64];
    int group[64];
    double *lv[64];
    size_t nl[64];
    uint32_t *idx[64];
} by_levels;

/* A small open-addressing set of doubles (by bits), numbering them in order of arrival. */
typedef struct dset {
    uint64_t *bits;
    uint32_t *id; /* slot -> arrival number + 1, 0 = empty */
    double *vals; /* arrival order */
    size_t n, cap;
} dset;

static uint64_t dbits(double x)
{
    uint64_t b;
    x = x == 0 ? 0.0 : x; /* -0 and +0 are one level */
    memcpy(&b, &x, sizeof b);
    return b;
}

static size_t dslot(const dset *h, uint64_t b)
{
    uint64_t z = b * 0x9E3779B97F4A7C15ull;
    size_t i = (size_t)(z >> 17) & (h->cap - 1);
    while (h->id[i] && h->bits[i] != b)
        i = (i + 1) & (h->cap - 1);
    return i;
}

static int dset_grow(dset *h)
{
    dset g = {0};
    g.cap = h->cap ? 2 * h->cap : 64;
    g.bits = malloc(g.cap * sizeof *g.bits);
    g.id = calloc(g.cap, sizeof *g.id);
    g.vals = realloc(h->vals, g.cap / 2 * sizeof *g.vals);
    if (!g.bits || !g.id || !g.vals) {
        free(g.bits), free(g.id);
        if (g.vals)
            h->vals = g.vals;
        return -1;
    }
    for (size_t i = 0; i < h->cap; i++)
        if (h->id[i]) {
            size_t j = dslot(&g, h->bits[i]);
            g.bits[j] = h->bits[i];
            g.id[j] = h->id[i];
        }
    free(h->bits), free(h->id);
    g.n = h->n;
    *h = g;
    return 0;
}

/* The arrival number of x, adding it when new; UINT32_MAX when out of memory. */
static uint32_t dset_put(dset *h, double x)
{
    if (2 * (h->n + 1) > h->cap && dset_grow(h))
        return UINT32_MAX;
    uint64_t b = dbits(x);
    size_t i = dslot(h, b);
    if (!h->id[i]) {
        h->bits[i] = b;
        h->vals[h->n] = x;
        h->id[i] = (uint32_t)++h->n;
    }
    return h->id[i] - 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The level of row k of by-variable col (NaN when the row is in no level of it). */
static double level_of(const helby_survey *s, const helby_variable *v, int group, const double *col,
                       size_t k)
{
    double x = col[k];
    if (isnan(x) || helby_variable_is_missing_code(v, x))
        return NAN;
    if (group) {
        int g = helby_survey_group_of(s, x);
        return g < 0 ? NAN : g;
    }
    return x;
}

/* By-variable i: its distinct levels (a hash set, then sorting the few distinct values) and
 * each row's rank among them; one pass over the rows, no sort of them. */
/* The level of row k of by-variable i: the wave from the dataset's blocks (its column is
 * not loaded), else the column's code. */
static double by_level(const helby_dataset *D, const by_levels *B, size_t i, size_t k,
                       size_t *block)
{
    if (!B->col[i]) {
        while (k >= D->wave_first[*block] + D->wave_rows[*block])
            (*block)++;
        return (double)D->wave_ids[*block];
    }
    return level_of(D->survey, B->var[i], B->group[i], B->col[i], k);
}

static helby_status collect_one(const helby_dataset *D, by_levels *B, size_t i, helby_error *err)
{
    dset h = {0};
    uint32_t *idx = helby_alloc_big((D->n ? D->n : 1) * sizeof *idx);
    if (!idx)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    size_t block = 0;
    for (size_t k = 0; k < D->n; k++) {
        double x = by_level(D, B, i, k, &block);
        idx[k] = isnan(x) ? UINT32_MAX - 1 : dset_put(&h, x);
        if (idx[k] == UINT32_MAX) {
            free(idx), free(h.bits), free(h.id), free(h.vals);
            return helby_error_set(err, HELBY_ENOMEM, "out of memory");
        }
    }
    double *sorted = malloc((h.n ? h.n : 1) * sizeof *sorted);
    uint32_t *rank = malloc((h.n ? h.n : 1) * sizeof *rank);
    if (!sorted || !rank) {
        free(idx), free(h.bits), free(h.id), free(h.vals), free(sorted), free(rank);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    memcpy(sorted, h.vals, h.n * sizeof *sorted);
    qsort(sorted, h.n, sizeof *sorted, cmp_double);
    for (size_t a = 0; a < h.n; a++) /* arrival number -> rank: few levels, a search each */
        for (size_t r = 0; r < h.n; r++)
            if (dbits(sorted[r]) == dbits(h.vals[a])) {
                rank[a] = (uint32_t)r;
                break;
            }
    for (size_t k = 0; k < D->n; k++)
        idx[k] = idx[k] == UINT32_MAX - 1 ? UINT32_MAX : rank[idx[k]];
    free(h.bits), free(h.id), free(h.vals), free(rank);
    B->lv[i] = sorted;
    B->nl[i] = h.n;
    B->idx[i] = idx;
    return HELBY_OK;
}

static helby_status collect_levels(const helby_dataset *D, by_levels *B, helby_error *err)
{
    for (size_t i = 0; i < B->n_by; i++)
        if (collect_one(D, B, i, err))
            return err->code;
    return HELBY_OK;
}

/* Row k's mixed-radix key over the levels (first by-variable most significant), or
 * UINT64_MAX when a by-variable has no level in the row. */
static uint64_t row_key(const by_levels *B, size_t k)
{
    uint64_t key = 0;
    for (size_t i = 0; i < B->n_by; i++) {
        uint32_t r = B->idx[i][k];
        if (r == UINT32_MAX)
            return UINT64_MAX;
        key = key * B->nl[i] + r;
    }
    return key;
}

/* Domains of B over D: dom[k] in 0..*nd-1 or -1; codes (*nd x n_by, malloc'ed) their
 * levels, domains in ascending key order. The keys index a table of the level combinations
 * (their product is at most the rows, or 2^24): no sort of the rows. */
static helby_status number_domains(const helby_dataset *D, const by_levels *B, long *dom,
                                   size_t *nd, double **codes, helby_error *err)
{
    uint64_t prod = 1;
    for (size_t i = 0; i < B->n_by; i++) {
        if (B->nl[i] && prod > (UINT64_MAX - 1) / B->nl[i])
            return helby_error_set(err, HELBY_EUSAGE, "too many combinations of by-levels");
        prod *= B->nl[i] ? B->nl[i] : 1;
    }
    if (prod > (uint64_t)(D->n > (1u << 24) ? D->n : (1u << 24)))
        return helby_error_set(err, HELBY_EUSAGE,
                               "too many combinations of by-levels (%llu): fewer by-variables",
                               (unsigned long long)prod);
    long *slot = malloc((size_t)prod * sizeof *slot);
    if (!slot)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    for (uint64_t c = 0; c < prod; c++)
        slot[c] = -1;
    for (size_t k = 0; k < D->n; k++) {
        uint64_t key = row_key(B, k);
        dom[k] = key == UINT64_MAX ? -1 : (long)key;
        if (key != UINT64_MAX)
            slot[key] = 0;
    }
    size_t u = 0;
    for (uint64_t c = 0; c < prod; c++)
        if (slot[c] == 0)
            slot[c] = (long)u++;
    *codes = malloc((u ? u : 1) * (B->n_by ? B->n_by : 1) * sizeof **codes);
    if (!*codes) {
        free(slot);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    for (uint64_t c = 0; c < prod; c++) {
        if (slot[c] < 0)
            continue;
        uint64_t r = c;
        for (size_t i = B->n_by; i-- > 0;) {
            (*codes)[(size_t)slot[c] * B->n_by + i] = B->lv[i][r % B->nl[i]];
            r /= B->nl[i];
        }
    }
    for (size_t k = 0; k < D->n; k++)
        if (dom[k] >= 0)
            dom[k] = slot[dom[k]];
    free(slot);
    *nd = u;
    return HELBY_OK;
}

/* Resolve and check the by-variables of req into B (columns filled after loading). */
static helby_status resolve_by_list(const helby_survey *s, const char *const *by, size_t n_by,
                                    by_levels *B, const char **names, helby_error *err)
{
    if (n_by > 64)
        return helby_error_set(err, HELBY_EUSAGE, "at most 64 by-variables");
    B->n_by = n_by;
    for (size_t i = 0; i < n_by; i++) {
        const char *name = helby_survey_role_name(s, by[i]);
        size_t v = name ? helby_survey_find_var(s, name) : HELBY_NO_VAR;
        if (v == HELBY_NO_VAR || s->vars[v].type != HELBY_TYPE_CODE)
            return helby_error_at(err, HELBY_EINPUT, NULL, 0, 0, by[i],
                                  "%s is not 'group' or a coded variable of survey %s", by[i],
                                  s->id);
        names[i] = s->vars[v].name;
        B->var[i] = &s->vars[v];
        B->group[i] = !strcmp(by[i], "group");
    }
    return HELBY_OK;
}

static helby_status resolve_by(const helby_survey *s, const helby_estimate_request *req,
                               by_levels *B, const char **names, helby_error *err)
{
    return resolve_by_list(s, req->by, req->n_by, B, names, err);
}

helby_status helby_by_resolve(const helby_survey *s, const char *const *by, size_t n_by,
                              const char **names, helby_error *err)
{
    by_levels B;
    memset(&B, 0, sizeof B);
    return resolve_by_list(s, by, n_by, &B, names, err);
}

size_t helby_by_load_list(const helby_survey *s, const char *first, const char *const *names,
                          size_t n_by, const char **load)
{
    const char *wave = s->wave_var != HELBY_NO_VAR ? s->vars[s->wave_var].name : NULL;
    size_t n = 0;
    if (first)
        load[n++] = first;
    for (size_t i = 0; i < n_by; i++)
        if (!wave || strcmp(names[i], wave))
            load[n++] = names[i];
    return n;
}

helby_status helby_by_domains(const helby_dataset *D, const char *const *by, size_t n_by,
                              const char *const *names, long *dom, size_t *nd, double **codes,
                              helby_error *err)
{
    by_levels B;
    memset(&B, 0, sizeof B);
    const char *nm[64];
    helby_status rc = resolve_by_list(D->survey, by, n_by, &B, nm, err);
    for (size_t i = 0; !rc && i < n_by; i++)
        B.col[i] = helby_dataset_col(D, names[i]);
    if (!rc && !(rc = collect_levels(D, &B, err)))
        rc = number_domains(D, &B, dom, nd, codes, err);
    if (!rc && n_by && *nd == 0)
        rc = helby_error_set(err, HELBY_EINPUT, "no respondent has a level of every by-variable");
    if (!rc && !n_by) {
        *nd = 1;
        for (size_t k = 0; k < D->n; k++)
            dom[k] = 0;
    }
    for (size_t i = 0; i < B.n_by; i++)
        free(B.lv[i]), free(B.idx[i]);
    return rc;
}

/* The variables to load: every measure's, then the by-variables'. */
static helby_status load_list(const helby_survey *s, const helby_estimate_request *req,
                              const char **by_names, const char ***load, size_t *nl,
                              helby_error *err)
{
    size_t room = 2 * req->n_measures * (s->n_vars + 1) + req->n_by + 1;
    const char **l = malloc(room * sizeof *l);
    if (!l)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    size_t n = 0;
    for (size_t m = 0; m < req->n_measures; m++) {
        const char *name = req->measures[m];
        int k = helby_measure_kind_of(s, name) == HELBY_MEASURE_UNKNOWN
                    ? -1
                    : helby_measure_columns(s, name, l + n, room - n);
        if (k < 0) {
            free(l);
            return helby_error_at(err, HELBY_EINPUT, NULL, 0, 0, name,
                                  "%s is not an index, dimension, share or numeric item of "
                                  "survey %s",
                                  name, s->id);
        }
        n += (size_t)k;
        const char *den = req->denominators ? req->denominators[m] : NULL;
        k = !den ? 0
            : helby_measure_kind_of(s, den) == HELBY_MEASURE_UNKNOWN
                ? -1
                : helby_measure_columns(s, den, l + n, room - n);
        if (k < 0) {
            free(l);
            return helby_error_at(err, HELBY_EINPUT, NULL, 0, 0, den,
                                  "%s is not an index, dimension, share or numeric item of "
                                  "survey %s",
                                  den, s->id);
        }
        n += (size_t)k;
    }
    /* The wave is known from the dataset's blocks of rows: its column is not loaded. */
    const char *wave = s->wave_var != HELBY_NO_VAR ? s->vars[s->wave_var].name : NULL;
    for (size_t i = 0; i < req->n_by; i++)
        if (!wave || strcmp(by_names[i], wave))
            l[n++] = by_names[i];
    *load = l;
    *nl = n;
    return HELBY_OK;
}

static helby_estimate_table *table_new(const helby_estimate_request *req, const char **by_vars)
{
    helby_estimate_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->measures = calloc(req->n_measures + 1, sizeof *t->measures);
    t->by = calloc(req->n_by + 1, sizeof *t->by);
    t->by_vars = calloc(req->n_by + 1, sizeof *t->by_vars);
    if (!t->measures || !t->by || !t->by_vars) {
        helby_estimate_table_free(t);
        return NULL;
    }
    for (; t->n_measures < req->n_measures; t->n_measures++)
        if (!(t->measures[t->n_measures] = strdup(req->measures[t->n_measures]))) {
            helby_estimate_table_free(t);
            return NULL;
        }
    for (; t->n_by < req->n_by; t->n_by++) {
        t->by_vars[t->n_by] = by_vars[t->n_by];
        if (!(t->by[t->n_by] = strdup(req->by[t->n_by]))) {
            helby_estimate_table_free(t);
            return NULL;
        }
    }
    return t;
}

/* One design per wave, with its replicates and the weight set of req. */
static helby_status build_design(helby_store *st, const helby_dataset *D,
                                 const helby_estimate_request *req, helby_wave_designs **W,
                                 helby_error *err)
{
    char inputs[4096] = "";
    return helby_wave_designs_new(W, st, D, req->replicates ? &req->rep : NULL, req->weights,
                                  inputs, sizeof inputs, err);
}

/* Whether domain d's wave (when a by-variable is the wave) did not ask measure m. */
static int not_asked(const helby_dataset *D, const helby_estimate_table *t, size_t m, size_t d)
{
    const helby_survey *s = D->survey;
    for (size_t q = 0; q < t->n_by; q++) {
        if (strcmp(t->by_vars[q], s->vars[s->wave_var].name))
            continue;
        double wave = t->codes[d * t->n_by + q];
        for (size_t i = 0; i < D->n_waves; i++)
            if ((double)D->wave_ids[i] == wave)
                return helby_dataset_measure_absent(D, t->measures[m], i);
    }
    return 0;
}

/* Measure m's rows of t from its domain estimates e (quantiles: nq per domain, probs q). */
static void fill_rows(const helby_dataset *D, helby_estimate_table *t, size_t m,
                      const helby_estimates *e, long min_cell, const double *q, size_t nq)
{
    size_t per = nq ? nq : 1;
    for (size_t i = 0; i < t->n_domains * per; i++) {
        size_t d = i / per;
        helby_estimate_row *r = &t->rows[m * t->n_domains * per + i];
        r->measure = m;
        r->quantile = nq ? q[i % per] : NAN;
        r->codes = t->codes + d * t->n_by;
        r->est = e->est[i];
        r->flag = r->est.n == 0               ? HELBY_CELL_NO_VALUE
                  : (long)r->est.n < min_cell ? HELBY_CELL_SUPPRESSED
                  : r->est.unreliable         ? HELBY_CELL_UNRELIABLE
                                              : HELBY_CELL_OK;
        if (r->flag == HELBY_CELL_NO_VALUE && not_asked(D, t, m, d))
            r->flag = HELBY_CELL_NOT_ASKED;
        if (r->flag == HELBY_CELL_SUPPRESSED)
            r->est.estimate = r->est.se = r->est.ci_low = r->est.ci_high = r->est.deff =
                r->est.rel_se = NAN;
    }
}

/* Every measure by the domains dom (NULL: one domain) into t. */
static helby_status estimate_measures(const helby_dataset *D, helby_wave_designs *W,
                                      const long *dom, const helby_estimate_request *req,
                                      long min_cell, helby_estimate_table *t, helby_error *err)
{
    double *y = helby_alloc_big((D->n ? D->n : 1) * sizeof *y);
    double *x = req->denominators ? helby_alloc_big((D->n ? D->n : 1) * sizeof *x) : NULL;
    t->n_quantiles = req->n_quantiles;
    t->n_rows = t->n_measures * t->n_domains * (req->n_quantiles ? req->n_quantiles : 1);
    t->rows = calloc(t->n_rows ? t->n_rows : 1, sizeof *t->rows);
    if (!y || !t->rows || (req->denominators && !x)) {
        free(y), free(x);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    helby_estimate_options eo = req->opt;
    for (size_t m = 0; m < t->n_measures; m++) {
        helby_estimates *e = NULL;
        const char *den = req->denominators ? req->denominators[m] : NULL;
        if (helby_measure_values(D, t->measures[m], y, err) ||
            (den && helby_measure_values(D, den, x, err)))
            break;
        helby_estimator kind = den           ? HELBY_EST_RATIO
                               : req->totals ? HELBY_EST_TOTAL
                                             : HELBY_EST_MEAN;
        int share = helby_measure_kind_of(D->survey, t->measures[m]) == HELBY_MEASURE_SHARE;
        eo.ci = share && kind == HELBY_EST_MEAN ? req->share_ci : req->mean_ci;
        if (req->n_quantiles
                ? helby_quantile_waves(W, D, y, dom, t->n_domains, req->quantiles, req->n_quantiles,
                                       req->qrule, &eo, &e, err)
                : helby_estimate_waves(W, kind, y, den ? x : NULL, dom, t->n_domains, &eo, &e, err))
            break;
        fill_rows(D, t, m, e, min_cell, req->quantiles, req->n_quantiles);
        helby_estimates_free(e);
    }
    free(y), free(x);
    return err->code;
}

/* What the request asks that cannot go together, as usage errors. */
static helby_status check_request(const helby_estimate_request *req, helby_error *err)
{
    if (req->n_measures == 0)
        return helby_error_set(err, HELBY_EUSAGE, "nothing to estimate: no measures");
    for (size_t j = 0; j < req->n_quantiles; j++)
        if (!(req->quantiles[j] >= 0 && req->quantiles[j] <= 1))
            return helby_error_set(err, HELBY_EUSAGE,
                                   "quantile %g is not a probability between 0 and 1",
                                   req->quantiles[j]);
    if (req->n_quantiles && (req->totals || req->denominators))
        return helby_error_set(err, HELBY_EUSAGE, "quantiles with totals or ratios: ask one");
    if (req->n_quantiles && req->replicates &&
        (req->rep.type == HELBY_REP_JK1 || req->rep.type == HELBY_REP_JKN))
        return helby_error_set(err, HELBY_EUSAGE,
                               "quantiles with jackknife replicates (jk1, jkn) are refused: R "
                               "svyquantile warns that jackknife weights may not give valid "
                               "standard errors for quantiles; use linearization (Woodruff), "
                               "bootstrap, brr or fay");
    return HELBY_OK;
}

helby_status helby_analysis_estimate(helby_store *st, const helby_survey *s,
                                     const helby_estimate_request *req, helby_estimate_table **out,
                                     helby_error *err)
{
    helby_error local;
    if (!err)
        err = &local;
    *out = NULL;
    helby_error_clear(err);
    by_levels B;
    memset(&B, 0, sizeof B);
    const char *by_names[64], **load = NULL;
    size_t nl = 0;
    helby_dataset *D = NULL;
    helby_wave_designs *W = NULL;
    helby_estimate_table *t = NULL;
    long *dom = NULL;
    if (check_request(req, err))
        return err->code;
    helby_where *wh = NULL;
    if (resolve_by(s, req, &B, by_names, err) || helby_where_parse(s, req->where, &wh, err) ||
        load_list(s, req, by_names, &load, &nl, err)) {
        helby_where_free(wh);
        return err->code;
    }
    const char **grown = realloc(load, (nl + 16 + 1) * sizeof *load);
    if (!grown) {
        free(load), helby_where_free(wh);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    load = grown;
    nl += helby_where_vars(wh, load + nl, 16);
    if (helby_dataset_open(&D, st, s, req->waves, req->n_waves, load, nl, err) ||
        build_design(st, D, req, &W, err))
        goto done;
    if (!(t = table_new(req, by_names)) ||
        !(dom = helby_alloc_big((D->n ? D->n : 1) * sizeof *dom))) {
        helby_error_set(err, HELBY_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < B.n_by; i++)
        B.col[i] = helby_dataset_col(D, by_names[i]);
    if (collect_levels(D, &B, err) || number_domains(D, &B, dom, &t->n_domains, &t->codes, err))
        goto done;
    if (B.n_by && t->n_domains == 0) {
        helby_error_set(err, HELBY_EINPUT, "no respondent has a level of every by-variable");
        goto done;
    }
    if (!B.n_by)
        t->n_domains = 1;
    if (wh) {
        helby_where_apply(wh, D, dom);
        t->n_domains = helby_domains_compact(dom, D->n, t->n_domains, t->codes, B.n_by);
        if (!t->n_domains) {
            helby_error_set(err, HELBY_EINPUT, "no respondent meets --where %s", req->where);
            goto done;
        }
    }
    estimate_measures(D, W, B.n_by || wh ? dom : NULL, req,
                      req->min_cell < 0 ? (long)s->min_cell : req->min_cell, t, err);
done:
    for (size_t i = 0; i < B.n_by; i++)
        free(B.lv[i]), free(B.idx[i]);
    free(load), free(dom);
    helby_where_free(wh);
    helby_wave_designs_free(W);
    helby_dataset_free(D);
    if (err->code) {
        helby_estimate_table_free(t);
        return err->code;
    }
    *out = t;
    return HELBY_OK;
}
