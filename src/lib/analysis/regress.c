/* regress.c — model formulas and model matrices over a survey's dataset (helby/regress.h):
 * R's model.matrix with treatment contrasts for the terms of 'y ~ a + b + a:b + c*d'. */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"
#include "helby/regress.h"

/* ---- formulas ---- */

typedef struct parser {
    const char *text, *p;
    helby_error *err;
    char vars[64][64]; /* variables in order of first appearance */
    size_t n_vars;
} parser;

static helby_status perr(parser *ps, const char *what)
{
    return helby_error_set(ps->err, HELBY_EUSAGE, "model formula, column %zu: %s",
                           (size_t)(ps->p - ps->text) + 1, what);
}

static void skip(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t')
        ps->p++;
}

static int name_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '.' || c >= 0x80;
}

static helby_status name(parser *ps, char *out)
{
    skip(ps);
    size_t len = 0;
    while (name_char((unsigned char)ps->p[len]))
        len++;
    if (len == 0)
        return perr(ps, "a variable name was expected");
    if (len >= 64)
        return perr(ps, "a name longer than 63 bytes");
    memcpy(out, ps->p, len);
    out[len] = '\0';
    ps->p += len;
    return HELBY_OK;
}

static size_t var_index(parser *ps, const char *v)
{
    for (size_t i = 0; i < ps->n_vars; i++)
        if (!strcmp(ps->vars[i], v))
            return i;
    if (ps->n_vars < 64)
        snprintf(ps->vars[ps->n_vars++], 64, "%s", v);
    return ps->n_vars - 1;
}

/* A term as a bit set of variables (by first appearance). */
typedef uint64_t termset;

static helby_status add_term(parser *ps, termset *terms, size_t *n, termset t)
{
    for (size_t i = 0; i < *n; i++)
        if (terms[i] == t)
            return HELBY_OK;
    if (*n >= HELBY_MODEL_MAX_TERMS)
        return perr(ps, "more than "
                        "32"
                        " terms");
    int bits = 0;
    for (termset x = t; x; x &= x - 1)
        bits++;
    if (bits > 4)
        return perr(ps, "an interaction of more than 4 variables");
    terms[(*n)++] = t;
    return HELBY_OK;
}

/* One summand: ':'-groups joined by '*'; adds every non-empty subset of the groups. */
static helby_status summand(parser *ps, termset *terms, size_t *n)
{
    termset groups[8];
    size_t ng = 0;
    helby_status st;
    for (;;) {
        termset g = 0;
        for (;;) {
            char v[64];
            if ((st = name(ps, v)))
                return st;
            g |= (termset)1 << var_index(ps, v);
            skip(ps);
            if (*ps->p != ':')
                break;
            ps->p++;
        }
        if (ng == 8)
            return perr(ps, "more than 8 factors joined by '*'");
        groups[ng++] = g;
        if (*ps->p != '*')
            break;
        ps->p++;
    }
    for (unsigned s = 1; s < (1u << ng); s++) {
        termset t = 0;
        for (size_t i = 0; i < ng; i++)
            if (s & (1u << i))
                t |= groups[i];
        if ((st = add_term(ps, terms, n, t)))
            return st;
    }
    return HELBY_OK;
}

static int popcount(termset t)
{
    int b = 0;
    for (; t; t &= t - 1)
        b++;
    return b;
}

helby_status helby_formula_parse(const char *text, helby_formula *out, helby_error *err)
{
    memset(out, 0, sizeof *out);
    parser ps = {.text = text ? text : "", .p = text ? text : "", .err = err};
    helby_status st = name(&ps, out->response);
    if (st)
        return st;
    skip(&ps);
    if (*ps.p != '~')
        return perr(&ps, "'~' was expected after the response");
    ps.p++;
    ps.n_vars = 0;
    termset terms[HELBY_MODEL_MAX_TERMS];
    size_t n = 0;
    for (;;) {
        if ((st = summand(&ps, terms, &n)))
            return st;
        skip(&ps);
        if (*ps.p == '\0')
            break;
        if (*ps.p != '+')
            return perr(&ps, "'+', ':' or '*' was expected");
        ps.p++;
    }
    /* R's order: by the number of variables, then as written; variables in an interaction
     * by first appearance. */
    for (int order = 1; order <= 4; order++)
        for (size_t i = 0; i < n; i++) {
            if (popcount(terms[i]) != order)
                continue;
            helby_model_term *t = &out->terms[out->n_terms++];
            for (size_t v = 0; v < ps.n_vars; v++)
                if (terms[i] & ((termset)1 << v))
                    snprintf(t->vars[t->n_vars++], 64, "%s", ps.vars[v]);
        }
    return HELBY_OK;
}

/* ---- variables of a model ---- */

/* The survey variable a term's name means (roles resolved), or HELBY_NO_VAR. */
static size_t resolve(const helby_survey *s, const char *name)
{
    const char *n = helby_survey_role_name(s, name);
    return n ? helby_survey_find_var(s, n) : HELBY_NO_VAR;
}

int helby_formula_columns(const helby_survey *s, const helby_formula *f, const char **load,
                          size_t room, helby_error *err)
{
    size_t used = 0;
    for (size_t t = 0; t < f->n_terms; t++)
        for (size_t i = 0; i < f->terms[t].n_vars; i++) {
            const char *nm = f->terms[t].vars[i];
            size_t v = resolve(s, nm);
            if (v == HELBY_NO_VAR) {
                helby_error_set(err, HELBY_ENOTFOUND,
                                "model: no variable '%s' in survey %s (a codebook variable, or "
                                "group, district, wave)",
                                nm, s->id);
                return -1;
            }
            if (v == s->wave_var)
                continue; /* the dataset's waves */
            int seen = 0;
            for (size_t j = 0; j < used && !seen; j++)
                seen = !strcmp(load[j], s->vars[v].name);
            if (seen)
                continue;
            if (used == room) {
                helby_error_set(err, HELBY_EUSAGE, "model: too many variables");
                return -1;
            }
            load[used++] = s->vars[v].name;
        }
    return (int)used;
}

/* ---- model matrices ---- */

/* A variable of the model over the dataset's rows: numeric (levels 0) or a factor. A code
 * factor reads its dataset column (col, var) where it is needed and keeps only each row's
 * level; numeric variables, the group role and the wave keep their values in x. */
typedef struct mvar {
    char name[64];
    double *x;                 /* n values, NaN missing (numeric, group role, wave) */
    const double *col;         /* a code factor's dataset column */
    const helby_variable *var; /* its variable (missing codes) */
    size_t n_levels;
    double *levels; /* ascending codes present; level 0 the reference */
    uint32_t *lvl;  /* n: each row's level, UINT32_MAX for none (factors only) */
    int group;      /* the group role: a 0/1 column "group=minorities" */
} mvar;

/* Row k's value of m: NaN when missing. */
static double mvar_value(const mvar *m, size_t k)
{
    if (m->x)
        return m->x[k];
    double x = m->col[k];
    return isnan(x) || helby_variable_is_missing_code(m->var, x) ? NAN : x;
}

static helby_status mvar_load(mvar *m, const helby_dataset *D, const char *name, helby_error *err)
{
    const helby_survey *s = D->survey;
    size_t v = resolve(s, name);
    snprintf(m->name, sizeof m->name, "%s", name);
    if (v == HELBY_NO_VAR)
        return helby_error_set(err, HELBY_ENOTFOUND, "model: no variable '%s' in survey %s", name,
                               s->id);
    const helby_variable *var = &s->vars[v];
    if (v == s->wave_var) {
        if (!(m->x = malloc((D->n ? D->n : 1) * sizeof *m->x)))
            return helby_error_set(err, HELBY_ENOMEM, "out of memory building a model matrix");
        for (size_t i = 0; i < D->n_waves; i++)
            for (size_t k = 0; k < D->wave_rows[i]; k++)
                m->x[D->wave_first[i] + k] = (double)D->wave_ids[i];
        m->n_levels = 1; /* a factor */
        return HELBY_OK;
    }
    if (var->type == HELBY_TYPE_TEXT)
        return helby_error_set(err, HELBY_EINPUT,
                               "model: variable '%s' is text; a term must be a code or a real "
                               "variable",
                               name);
    const double *c = helby_dataset_col(D, var->name);
    if (!c)
        return helby_error_set(err, HELBY_ENOTFOUND, "model: variable '%s' was not loaded",
                               var->name);
    /* The role `group` is the 0/1 column (also when the variable is called group); the group
     * variable by another name of its own a factor. */
    m->group = v == s->group_var && (strcmp(name, var->name) != 0 || !strcmp(name, "group"));
    m->n_levels = !m->group && var->type == HELBY_TYPE_CODE;
    m->col = c, m->var = var;
    if (m->n_levels)
        return HELBY_OK; /* its values are read from the column */
    if (!(m->x = malloc((D->n ? D->n : 1) * sizeof *m->x)))
        return helby_error_set(err, HELBY_ENOMEM, "out of memory building a model matrix");
    for (size_t k = 0; k < D->n; k++) {
        double x = c[k];
        if (isnan(x) || helby_variable_is_missing_code(var, x))
            x = NAN;
        else if (m->group) {
            int g = helby_survey_group_of(s, x);
            x = g < 0 ? NAN : g;
        }
        m->x[k] = x;
    }
    return HELBY_OK;
}

static size_t level_of(const mvar *m, double x);

/* Insert x into the ascending distinct values v[0..*u-1] (room *cap); -1 out of memory. */
static int level_insert(double **v, size_t *u, size_t *cap, double x)
{
    size_t lo = 0, hi = *u;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if ((*v)[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < *u && (*v)[lo] == x)
        return 0;
    if (*u == *cap) {
        double *nv = realloc(*v, (*cap = *cap ? 2 * *cap : 16) * sizeof *nv);
        if (!nv)
            return -1;
        *v = nv;
    }
    memmove(*v + lo + 1, *v + lo, (*u - lo) * sizeof **v);
    (*v)[lo] = x;
    (*u)++;
    return 0;
}

/* Small whole codes (0..1023, the usual case): each row's code into m->lvl and the codes
 * present in the rows ok into seen, one read of each value; 0 when a value is not one. */
static int levels_small(mvar *m, const helby_dataset *D, const unsigned char *ok,
                        unsigned char *seen)
{
    for (size_t k = 0; k < D->n; k++) {
        double x = mvar_value(m, k);
        if (isnan(x)) {
            m->lvl[k] = UINT32_MAX;
            continue;
        }
        if (!(x >= 0 && x < 1024 && x == floor(x)))
            return 0;
        m->lvl[k] = (uint32_t)x;
        seen[(size_t)x] |= ok[k];
    }
    return 1;
}

/* Any codes: the ascending distinct values over the rows ok (binary insertion), then every
 * row's level by binary search. -1: out of memory. */
static int levels_any(mvar *m, const helby_dataset *D, const unsigned char *ok)
{
    size_t u = 0, cap = 0;
    double *v = NULL, last = NAN;
    int rc = 0;
    for (size_t k = 0; k < D->n && !rc; k++) {
        double x = ok[k] ? mvar_value(m, k) : NAN;
        if (ok[k] && x != last) /* runs of one code cost nothing */
            rc = level_insert(&v, &u, &cap, last = x);
    }
    m->levels = v, m->n_levels = u;
    for (size_t k = 0; k < D->n && !rc; k++) {
        double x = mvar_value(m, k);
        size_t l = isnan(x) ? u : level_of(m, x);
        m->lvl[k] = l < u && v[l] == x ? (uint32_t)l : UINT32_MAX; /* outside: missing */
    }
    return rc;
}

/* The factor's levels over the rows ok[k] (ascending distinct values), and every row's. */
static helby_status mvar_levels(mvar *m, const helby_dataset *D, const unsigned char *ok,
                                helby_error *err)
{
    if (!m->n_levels)
        return HELBY_OK;
    unsigned char seen[1024] = {0};
    int rc = !(m->lvl = malloc((D->n ? D->n : 1) * sizeof *m->lvl));
    if (!rc && levels_small(m, D, ok, seen)) {
        uint32_t table[1024];
        size_t u = 0;
        for (size_t c = 0; c < 1024; c++)
            u += seen[c] != 0;
        rc = !(m->levels = malloc((u ? u : 1) * sizeof *m->levels));
        u = 0;
        for (size_t c = 0; c < 1024 && !rc; c++) {
            table[c] = seen[c] ? (uint32_t)u : UINT32_MAX;
            if (seen[c])
                m->levels[u++] = (double)c;
        }
        m->n_levels = u;
        for (size_t k = 0; k < D->n && !rc; k++)
            m->lvl[k] = m->lvl[k] == UINT32_MAX ? UINT32_MAX : table[m->lvl[k]];
    } else if (!rc) {
        rc = levels_any(m, D, ok);
    }
    if (rc)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory building a model matrix");
    if (m->n_levels < 2)
        return helby_error_set(err, HELBY_EINPUT,
                               "model: factor '%s' has %s level in the model's rows; a factor "
                               "needs two or more (drop the term)",
                               m->name, m->n_levels ? "one" : "no");
    return HELBY_OK;
}

static size_t level_of(const mvar *m, double x)
{
    size_t lo = 0, hi = m->n_levels;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->levels[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Columns of one variable: a numeric 1, a factor its levels but the reference. */
static size_t var_cols(const mvar *m)
{
    return m->n_levels ? m->n_levels - 1 : 1;
}

static void var_col_name(const mvar *m, size_t c, char *out, size_t n)
{
    if (m->group)
        snprintf(out, n, "%s=minorities", m->name);
    else if (m->n_levels)
        snprintf(out, n, "%s=%.15g", m->name, m->levels[c + 1]);
    else
        snprintf(out, n, "%s", m->name);
}

typedef struct mm_build {
    const helby_dataset *D;
    const helby_formula *f;
    mvar *vars;
    size_t nv;
    size_t term_var[HELBY_MODEL_MAX_TERMS][4];
    size_t term_cols[HELBY_MODEL_MAX_TERMS];
    size_t p;
} mm_build;

static size_t mvar_find(mm_build *b, const char *name)
{
    for (size_t i = 0; i < b->nv; i++)
        if (!strcmp(b->vars[i].name, name))
            return i;
    return SIZE_MAX;
}

/* The model's variables over D, the rows ok with every one of them (and in), and the
 * factors' levels over those rows. A factor keeps only its rows' levels (4 bytes a row),
 * read from the dataset's column: once to find the rows, once more for the levels. */
static helby_status mm_vars(mm_build *b, const unsigned char *in, unsigned char **ok_out,
                            helby_error *err)
{
    const helby_formula *f = b->f;
    const size_t n = b->D->n;
    helby_status st = HELBY_OK;
    unsigned char *ok = malloc(n ? n : 1);
    if (!(*ok_out = ok))
        return helby_error_set(err, HELBY_ENOMEM, "out of memory building a model matrix");
    for (size_t k = 0; k < n; k++)
        ok[k] = !in || in[k];
    for (size_t t = 0; t < f->n_terms && !st; t++)
        for (size_t i = 0; i < f->terms[t].n_vars && !st; i++) {
            size_t v = mvar_find(b, f->terms[t].vars[i]);
            if (v == SIZE_MAX) {
                mvar *m = &b->vars[v = b->nv++];
                if ((st = mvar_load(m, b->D, f->terms[t].vars[i], err)))
                    break;
                for (size_t k = 0; k < n; k++)
                    ok[k] &= !isnan(mvar_value(m, k));
            }
            b->term_var[t][i] = v;
        }
    for (size_t v = 0; v < b->nv && !st; v++) {
        mvar *m = &b->vars[v];
        if (!m->n_levels)
            continue;
        st = mvar_levels(m, b->D, ok, err);
        free(m->x), m->x = NULL; /* a factor's rows are its levels from here on */
    }
    return st;
}

/* Names of term t's columns from column `col` on; returns how many it has. */
static size_t mm_names(mm_build *b, size_t t, helby_model_matrix *out, size_t col)
{
    const helby_model_term *tm = &b->f->terms[t];
    size_t nc = 1, dims[4];
    for (size_t i = 0; i < tm->n_vars; i++)
        nc *= dims[i] = var_cols(&b->vars[b->term_var[t][i]]);
    for (size_t c = 0; c < nc; c++) {
        size_t idx[4], r = c, o = 0;
        for (size_t i = 0; i < tm->n_vars; i++) /* the first variable varies fastest */
            idx[i] = r % dims[i], r /= dims[i];
        char *nm = out->names[col + c];
        for (size_t i = 0; i < tm->n_vars; i++) {
            char part[128];
            var_col_name(&b->vars[b->term_var[t][i]], idx[i], part, sizeof part);
            o += (size_t)snprintf(nm + o, o < 128 ? 128 - o : 0, "%s%s", i ? ":" : "", part);
            if (o >= 128)
                o = 127;
        }
        out->term_of_col[col + c] = t;
    }
    return nc;
}

/* Row k of the model matrix into x (p values): per term, at most one column is nonzero (the
 * factors' level combination, times the numeric variables), all NaN when a value is
 * missing, all zero when a factor is at its reference. */
static void mm_row(const mm_build *b, size_t k, double *x)
{
    x[0] = 1;
    size_t col = 1;
    for (size_t t = 0; t < b->f->n_terms; t++) {
        size_t nc = b->term_cols[t], idx = 0, stride = 1;
        int miss = 0, zero = 0;
        double prod = 1;
        for (size_t i = 0; i < b->f->terms[t].n_vars; i++) {
            const mvar *m = &b->vars[b->term_var[t][i]];
            if (m->n_levels) {
                uint32_t l = m->lvl[k];
                miss |= l == UINT32_MAX;
                zero |= l == 0;
                idx += l == UINT32_MAX || l == 0 ? 0 : (l - 1) * stride;
                stride *= m->n_levels - 1;
            } else {
                prod *= m->x[k];
                miss |= isnan(m->x[k]);
            }
        }
        if (miss)
            for (size_t c = 0; c < nc; c++)
                x[col + c] = NAN;
        else
            memset(x + col, 0, nc * sizeof *x);
        if (!miss && !zero)
            x[col + idx] = prod;
        col += nc;
    }
}

/* Row k of the model matrix as its nonzero columns (helby_glm_spec.row_nz): per term at most
 * one column; SIZE_MAX when a value is missing. The same values as mm_row. */
static size_t mm_row_nz(const mm_build *b, size_t k, size_t *idx, double *val)
{
    size_t q = 0, col = 1;
    idx[q] = 0, val[q++] = 1;
    for (size_t t = 0; t < b->f->n_terms; t++) {
        size_t idt = 0, stride = 1;
        int zero = 0;
        double prod = 1;
        for (size_t i = 0; i < b->f->terms[t].n_vars; i++) {
            const mvar *m = &b->vars[b->term_var[t][i]];
            if (m->n_levels) {
                uint32_t l = m->lvl[k];
                if (l == UINT32_MAX)
                    return SIZE_MAX;
                zero |= l == 0;
                idt += l == 0 ? 0 : (l - 1) * stride;
                stride *= m->n_levels - 1;
            } else {
                if (isnan(m->x[k]))
                    return SIZE_MAX;
                prod *= m->x[k];
            }
        }
        if (!zero && prod != 0) /* a numeric 0 (the group role's Danes) adds nothing */
            idx[q] = col + idt, val[q++] = prod;
        col += b->term_cols[t];
    }
    return q;
}

static void mm_free(mm_build *b)
{
    for (size_t v = 0; b->vars && v < b->nv; v++)
        free(b->vars[v].x), free(b->vars[v].levels), free(b->vars[v].lvl);
    free(b->vars);
    b->vars = NULL;
}

/* The variables, levels and column names of f over D's rows `in` (out without X). */
static helby_status mm_prepare(mm_build *b, const helby_dataset *D, const helby_formula *f,
                               const unsigned char *in, helby_model_matrix *out, helby_error *err)
{
    memset(out, 0, sizeof *out);
    memset(b, 0, sizeof *b);
    b->D = D, b->f = f;
    if (!(b->vars = calloc(HELBY_MODEL_MAX_TERMS * 4, sizeof *b->vars)))
        return helby_error_set(err, HELBY_ENOMEM, "out of memory building a model matrix");
    unsigned char *ok = NULL;
    helby_status st = mm_vars(b, in, &ok, err);
    free(ok);
    b->p = 1;
    for (size_t t = 0; t < f->n_terms && !st; t++) {
        size_t nc = 1;
        for (size_t i = 0; i < f->terms[t].n_vars; i++)
            nc *= var_cols(&b->vars[b->term_var[t][i]]);
        b->term_cols[t] = nc;
        b->p += nc;
    }
    if (!st) {
        out->n = D->n, out->p = b->p, out->n_terms = f->n_terms;
        out->names = calloc(b->p, sizeof *out->names);
        out->term_of_col = malloc(b->p * sizeof *out->term_of_col);
        if (!out->names || !out->term_of_col)
            st = helby_error_set(err, HELBY_ENOMEM, "out of memory building a model matrix");
    }
    if (!st) {
        snprintf(out->names[0], 128, "(Intercept)");
        out->term_of_col[0] = SIZE_MAX;
        for (size_t t = 0, col = 1; t < f->n_terms; t++)
            col += mm_names(b, t, out, col);
    }
    if (st) {
        mm_free(b);
        helby_model_matrix_free(out);
    }
    return st;
}

helby_status helby_model_matrix_build(const helby_dataset *D, const helby_formula *f,
                                      const unsigned char *in, helby_model_matrix *out,
                                      helby_error *err)
{
    mm_build b;
    helby_status st = mm_prepare(&b, D, f, in, out, err);
    if (st)
        return st;
    if (!(out->X = malloc((D->n ? D->n : 1) * out->p * sizeof *out->X)))
        st = helby_error_set(err, HELBY_ENOMEM, "out of memory building a model matrix");
    for (size_t k = 0; k < D->n && !st; k++)
        mm_row(&b, k, out->X + k * out->p);
    mm_free(&b);
    if (st)
        helby_model_matrix_free(out);
    return st;
}

void helby_model_matrix_free(helby_model_matrix *m)
{
    if (!m)
        return;
    free(m->X), free(m->names), free(m->term_of_col);
    memset(m, 0, sizeof *m);
}

/* ---- helby regress ---- */

void helby_regress_request_default(helby_regress_request *r)
{
    memset(r, 0, sizeof *r);
    r->family = HELBY_GLM_GAUSSIAN;
    r->df_rule = HELBY_GLM_DF_SVYGLM;
    r->rep.type = HELBY_REP_JK1;
    r->rep.fay_rho = 0.3;
    r->rep.replicates = 100;
    r->rep.seed = 1;
    r->level = 0.95;
}

const char *helby_glm_df_rule_name(helby_glm_df_rule r)
{
    return r == HELBY_GLM_DF_DESIGN ? "design" : "svyglm";
}

const char *helby_glm_df_rule_text(helby_glm_df_rule r)
{
    return r == HELBY_GLM_DF_DESIGN ? "df = design df (PSUs - strata, as Stata's svy)"
                                    : "df = design df + 1 - coefficients (as R svyglm)";
}

void helby_regress_result_free(helby_regress_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_fits; i++) {
        helby_glm_free(r->fits[i].glm);
        helby_model_matrix_free(&r->fits[i].mm);
        free(r->fits[i].tests);
    }
    free(r->fits);
    free(r);
}

static const char *variance_name(const helby_regress_request *q)
{
    static const char *const names[] = {"jk1", "jkn", "brr", "fay", "bootstrap", "supplied"};
    return q->replicates && q->rep.type <= HELBY_REP_SUPPLIED ? names[q->rep.type]
                                                              : "linearization";
}

/* "wave 2014: " (or "stacked waves: ") before a message of the fit. */
static helby_status wave_error(helby_error *err, long wave)
{
    char msg[sizeof err->message], pre[40];
    snprintf(msg, sizeof msg, "%s", err->message);
    if (wave)
        snprintf(pre, sizeof pre, "wave %ld: ", wave);
    else
        snprintf(pre, sizeof pre, "stacked waves: ");
    size_t lp = strlen(pre), room = sizeof err->message - 1 - lp;
    memcpy(err->message, pre, lp);
    size_t lm = strlen(msg) < room ? strlen(msg) : room;
    memcpy(err->message + lp, msg, lm);
    err->message[lp + lm] = '\0';
    return err->code;
}

/* The dataset with the response's and the terms' columns. */
static helby_status reg_open(helby_store *st, const helby_survey *s, const helby_regress_request *q,
                             const helby_formula *f, helby_dataset **D, helby_error *err)
{
    size_t room = s->n_vars + 8 + HELBY_MODEL_MAX_TERMS * 4;
    const char **load = malloc(room * sizeof *load);
    if (!load)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    int k = helby_measure_kind_of(s, f->response) == HELBY_MEASURE_UNKNOWN
                ? -1
                : helby_measure_columns(s, f->response, load, room);
    if (k < 0) {
        free(load);
        return helby_error_at(err, HELBY_EINPUT, NULL, 0, 0, f->response,
                              "model: response %s is not an index, dimension, share or numeric "
                              "item of survey %s",
                              f->response, s->id);
    }
    int t = helby_formula_columns(s, f, load + k, room - (size_t)k, err);
    helby_status rc = t < 0 ? err->code
                            : helby_dataset_open(D, st, s, q->waves, q->n_waves, load,
                                                 (size_t)k + (size_t)t, err);
    free(load);
    return rc;
}

/* Wald tests of every term with two or more non-aliased columns, then of the model. */
static helby_status reg_tests(helby_regress_fit *r, helby_error *err)
{
    const helby_model_matrix *mm = &r->mm;
    size_t *cols = malloc(mm->p * sizeof *cols);
    r->tests = calloc(mm->n_terms + 1, sizeof *r->tests);
    if (!cols || !r->tests) {
        free(cols);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    helby_status st = HELBY_OK;
    for (size_t t = 0; t <= mm->n_terms && !st; t++) {
        size_t k = 0, live = 0;
        for (size_t j = 1; j < mm->p; j++)
            if (t == mm->n_terms || mm->term_of_col[j] == t) {
                cols[k++] = j;
                live += !r->glm->coef[j].aliased;
            }
        if (live < (t == mm->n_terms ? 1u : 2u))
            continue;
        helby_regress_test *x = &r->tests[r->n_tests];
        st = helby_glm_wald(r->glm, cols, k, &x->wald, err);
        if (!st)
            r->n_tests++;
    }
    free(cols);
    return st;
}

typedef struct reg_ctx {
    const helby_regress_request *q;
    const helby_formula *f;
    const helby_dataset *D;
    helby_wave_designs *W;
    const double *y;
    unsigned char *in;
} reg_ctx;

/* The term's label as written: its variables joined by ':'. */
static void term_label(const helby_formula *f, size_t t, char *out, size_t n)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < f->terms[t].n_vars && o < n; i++)
        o += (size_t)snprintf(out + o, n - o, "%s%s", i ? ":" : "", f->terms[t].vars[i]);
}

static helby_status reg_check_y(const reg_ctx *c, size_t first, size_t n, helby_error *err)
{
    if (c->q->family != HELBY_GLM_QUASIBINOMIAL)
        return HELBY_OK;
    for (size_t k = first; k < first + n; k++)
        if (c->in[k] && (c->y[k] < 0 || c->y[k] > 1))
            return helby_error_at(err, HELBY_EINPUT, NULL, 0, 0, c->f->response,
                                  "logistic model: response %s takes the value %g, outside "
                                  "[0, 1]; a logistic model needs a 0/1 share of shares.csv",
                                  c->f->response, c->y[k]);
    return HELBY_OK;
}

/* The fit's rows of the model matrix. The fit passes over the rows several times; with tc
 * each row's nonzero columns come from a cache (`slots` 2-byte column numbers a row, 0 after
 * the last; UINT16_MAX first for a row with a missing value) rather than from the factors'
 * levels again, and only numeric terms' values are multiplied out again (col_term: each
 * column's term). */
typedef struct mm_rows {
    const mm_build *b;
    size_t first;
    uint16_t *tc;
    size_t slots;
    unsigned char *col_term; /* p: the column's term + 1 when the term has a numeric
                                variable, else 0 (the value is 1) */
} mm_rows;

static size_t mm_row_nz_cb(void *ctx, size_t k, size_t *idx, double *val)
{
    const mm_rows *r = ctx;
    return mm_row_nz(r->b, r->first + k, idx, val);
}

/* Term t's value at row k when it is not zero: the product of its numeric variables (1 for
 * factors alone), multiplied in the order mm_row_nz does. */
static double term_value(const mm_build *b, size_t t, size_t k)
{
    double prod = 1;
    for (size_t i = 0; i < b->f->terms[t].n_vars; i++) {
        const mvar *m = &b->vars[b->term_var[t][i]];
        if (!m->n_levels)
            prod *= m->x[k];
    }
    return prod;
}

static size_t mm_row_cached_cb(void *ctx, size_t k, size_t *idx, double *val)
{
    const mm_rows *r = ctx;
    const uint16_t *t = r->tc + k * r->slots;
    if (t[0] == UINT16_MAX)
        return SIZE_MAX;
    size_t q = 0;
    idx[q] = 0, val[q++] = 1;
    for (size_t i = 0; i < r->slots && t[i]; i++) {
        unsigned char term = r->col_term[t[i]];
        idx[q] = t[i];
        val[q++] = term ? term_value(r->b, term - 1u, r->first + k) : 1;
    }
    return q;
}

/* The cache of r's n rows (mm_rows); afterwards the factors' per-row levels are no longer
 * needed and are freed. 0 when it cannot be made (too many columns, no memory): the rows are
 * then worked out each time. */
static int mm_cache(mm_rows *r, mm_build *b, size_t n)
{
    const size_t T = b->f->n_terms, p = b->p;
    r->slots = T ? T : 1;
    if (p >= UINT16_MAX || !(r->tc = malloc((n ? n : 1) * r->slots * sizeof *r->tc)) ||
        !(r->col_term = calloc(p, 1))) {
        free(r->tc), r->tc = NULL;
        return 0;
    }
    for (size_t t = 0, col = 1; t < T; col += b->term_cols[t++]) {
        int numeric = 0;
        for (size_t i = 0; i < b->f->terms[t].n_vars; i++)
            numeric |= !b->vars[b->term_var[t][i]].n_levels;
        for (size_t c = 0; c < b->term_cols[t]; c++)
            r->col_term[col + c] = numeric ? (unsigned char)(t + 1) : 0;
    }
    size_t idx[HELBY_MODEL_MAX_TERMS + 1];
    double val[HELBY_MODEL_MAX_TERMS + 1];
    for (size_t k = 0; k < n; k++) {
        uint16_t *t = r->tc + k * r->slots;
        size_t q = mm_row_nz(b, r->first + k, idx, val);
        memset(t, 0, r->slots * sizeof *t);
        if (q == SIZE_MAX)
            t[0] = UINT16_MAX;
        for (size_t i = 1; q != SIZE_MAX && i < q; i++)
            t[i - 1] = (uint16_t)idx[i];
    }
    for (size_t v = 0; v < b->nv; v++)
        free(b->vars[v].lvl), b->vars[v].lvl = NULL;
    return 1;
}

/* Fit part `part` (a wave index, or (size_t)-1 for the stacked waves) into r. */
static helby_status reg_part(reg_ctx *c, size_t part, helby_regress_fit *r, helby_error *err)
{
    const helby_dataset *D = c->D;
    int stacked = part == (size_t)-1;
    size_t first = stacked ? 0 : D->wave_first[part], n = stacked ? D->n : D->wave_rows[part];
    r->wave = stacked ? 0 : D->wave_ids[part];
    /* The model matrix's factor levels over the rows with a response; the fit's
     * subpopulation is the part's rows (those without a response leave the fit there). */
    for (size_t k = 0; k < D->n; k++)
        c->in[k] = k >= first && k < first + n && !isnan(c->y[k]);
    const helby_design *d;
    const helby_replicates *rep;
    helby_status st;
    mm_build b;
    if ((st = reg_check_y(c, first, n, err)) ||
        (st = helby_wave_designs_part(c->W, part, &d, &rep, err)) ||
        (st = mm_prepare(&b, D, c->f, c->in, &r->mm, err)))
        return wave_error(err, r->wave);
    for (size_t k = first; k < first + n; k++)
        c->in[k] = 1;
    const char **names = malloc(r->mm.p * sizeof *names);
    if (!names) {
        mm_free(&b);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    for (size_t j = 0; j < r->mm.p; j++)
        names[j] = r->mm.names[j];
    helby_glm_spec s;
    helby_glm_spec_default(&s);
    mm_rows rows = {&b, first, NULL, 0, NULL}; /* no n x p matrix */
    s.n = n, s.p = r->mm.p, s.row_ctx = &rows, s.y = c->y + first;
    s.row_nz = mm_cache(&rows, &b, n) ? mm_row_cached_cb : mm_row_nz_cb;
    s.in = c->in + first, s.family = c->q->family, s.df_rule = c->q->df_rule;
    s.names = names, s.level = c->q->level, s.no_influence = 1;
    st = rep ? helby_glm_fit_replicates(rep, &s, &r->glm, err) : helby_glm_fit(d, &s, &r->glm, err);
    free(names);
    free(rows.tc), free(rows.col_term);
    mm_free(&b);
    if (!st) {
        free(r->glm->influence), free(r->glm->mu);
        r->glm->influence = r->glm->mu = NULL;
        st = reg_tests(r, err);
    }
    for (size_t i = 0; !st && i < r->n_tests; i++) {
        helby_regress_test *x = &r->tests[i];
        size_t t = 0;
        if (i + 1 == r->n_tests) {
            snprintf(x->term, sizeof x->term, "model");
            continue;
        }
        /* the i-th tested term: count terms with two or more live columns */
        for (size_t seen = 0, tt = 0; tt < r->mm.n_terms; tt++) {
            size_t live = 0;
            for (size_t j = 1; j < r->mm.p; j++)
                live += r->mm.term_of_col[j] == tt && !r->glm->coef[j].aliased;
            if (live >= 2 && seen++ == i) {
                t = tt;
                break;
            }
        }
        term_label(c->f, t, x->term, sizeof x->term);
    }
    return st ? wave_error(err, r->wave) : HELBY_OK;
}

static helby_status reg_fits(reg_ctx *c, helby_regress_result *res, helby_error *err)
{
    const helby_dataset *D = c->D;
    size_t parts = c->q->stacked ? 1 : D->n_waves;
    double *y = malloc((D->n ? D->n : 1) * sizeof *y);
    c->in = malloc(D->n ? D->n : 1);
    res->fits = calloc(parts, sizeof *res->fits);
    if (!y || !c->in || !res->fits) {
        free(y), free(c->in);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    c->y = y;
    helby_status st = helby_measure_values(D, c->f->response, y, err);
    for (size_t i = 0; i < parts && !st; i++) {
        st = reg_part(c, c->q->stacked ? (size_t)-1 : i, &res->fits[i], err);
        res->n_fits = i + 1;
    }
    free(y), free(c->in);
    return st;
}

helby_status helby_regress(helby_store *st, const helby_survey *s, const helby_regress_request *q,
                           helby_regress_result **out, helby_error *err)
{
    helby_error local;
    if (!err)
        err = &local;
    helby_error_clear(err);
    *out = NULL;
    helby_regress_result *res = calloc(1, sizeof *res);
    if (!res)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    res->family = q->family, res->df_rule = q->df_rule;
    res->level = q->level > 0 ? q->level : 0.95;
    snprintf(res->variance, sizeof res->variance, "%s", variance_name(q));
    snprintf(res->weights, sizeof res->weights, "%s", q->weights ? q->weights : "base");
    helby_dataset *D = NULL;
    helby_wave_designs *W = NULL;
    char inputs[4096] = "";
    reg_ctx c = {q, &res->formula, NULL, NULL, NULL, NULL};
    if (helby_formula_parse(q->model, &res->formula, err) ||
        reg_open(st, s, q, &res->formula, &D, err) ||
        helby_wave_designs_new(&W, st, D, q->replicates ? &q->rep : NULL, q->weights, inputs,
                               sizeof inputs, err))
        goto done;
    c.D = D, c.W = W;
    reg_fits(&c, res, err);
done:
    helby_wave_designs_free(W);
    helby_dataset_free(D);
    if (err->code) {
        helby_regress_result_free(res);
        return err->code;
    }
    *out = res;
    return HELBY_OK;
}
