/* where.c — a subpopulation as a domain (`--where 'sex=2,ageband=1|2'`): conditions on coded
 * variables that restrict every domain to the rows meeting them, the design left whole (R
 * subset.survey.design: rows outside keep their place in strata and PSUs and weigh 0 in the
 * estimate, so SEs are domain SEs, never those of a subset of rows).
 * Layer: analysis (dataset columns, the survey's codes). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"

#define WHERE_MAX 16
#define CODES_MAX 32

typedef struct where_cond {
    const char *var; /* the survey's string */
    const helby_variable *v;
    int group, wave, negate;
    double codes[CODES_MAX];
    size_t n_codes;
} where_cond;

struct helby_where {
    size_t n;
    where_cond c[WHERE_MAX];
};

void helby_where_free(helby_where *w)
{
    free(w);
}

/* One condition "VAR=A|B" or "VAR!=A" of text [p, p + len). */
static helby_status where_one(const helby_survey *s, const char *p, size_t len, helby_where *w,
                              helby_error *err)
{
    char buf[256], *eq;
    snprintf(buf, sizeof buf, "%.*s", (int)len, p);
    if (w->n == WHERE_MAX)
        return helby_error_set(err, HELBY_EUSAGE, "--where: at most %d conditions", WHERE_MAX);
    if (!(eq = strchr(buf, '=')) || eq == buf)
        return helby_error_set(err, HELBY_EUSAGE, "--where: '%s' is not VAR=CODE[|CODE...]", buf);
    int neg = eq[-1] == '!';
    eq[neg ? -1 : 0] = '\0';
    const char *name = helby_survey_role_name(s, buf);
    size_t v = name ? helby_survey_find_var(s, name) : HELBY_NO_VAR;
    if (v == HELBY_NO_VAR || s->vars[v].type == HELBY_TYPE_TEXT)
        return helby_error_at(err, HELBY_EINPUT, NULL, 0, 0, buf,
                              "--where: %s is not 'group' or a variable of survey %s", buf, s->id);
    where_cond *c = &w->c[w->n++];
    c->var = s->vars[v].name, c->v = &s->vars[v], c->negate = neg;
    c->group = !strcmp(buf, "group");
    c->wave = v == s->wave_var;
    for (char *q = eq + 1; *q;) {
        char *end = NULL;
        double x = strtod(q, &end);
        if (end == q || (*end && *end != '|') || c->n_codes == CODES_MAX)
            return helby_error_set(err, HELBY_EUSAGE, "--where: '%s' needs codes like 1|2", eq + 1);
        c->codes[c->n_codes++] = x;
        q = *end ? end + 1 : end;
    }
    if (!c->n_codes)
        return helby_error_set(err, HELBY_EUSAGE, "--where: %s= needs a code", buf);
    return HELBY_OK;
}

helby_status helby_where_parse(const helby_survey *s, const char *text, helby_where **out,
                               helby_error *err)
{
    *out = NULL;
    if (!text || !*text)
        return HELBY_OK;
    helby_where *w = calloc(1, sizeof *w);
    if (!w)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, ",");
        if (where_one(s, p, len, w, err)) {
            free(w);
            return err->code;
        }
        p += len + (p[len] == ',');
    }
    *out = w;
    return HELBY_OK;
}

size_t helby_where_vars(const helby_where *w, const char **names, size_t room)
{
    size_t n = 0;
    for (size_t i = 0; w && i < w->n && n < room; i++)
        if (!w->c[i].wave)
            names[n++] = w->c[i].var;
    return n;
}

/* Whether row k meets condition i (the group's 0/1, the wave from D's blocks). */
static int meets(const helby_where *w, size_t i, const helby_dataset *D, const double *col,
                 size_t k, size_t wave)
{
    double x = w->c[i].wave ? (double)D->wave_ids[wave] : col ? col[k] : NAN;
    if (!w->c[i].wave && (isnan(x) || helby_variable_is_missing_code(w->c[i].v, x)))
        return 0; /* no level: outside, also under != */
    if (w->c[i].group) {
        int g = helby_survey_group_of(D->survey, x);
        if (g < 0)
            return 0;
        x = g;
    }
    int in = 0;
    for (size_t j = 0; j < w->c[i].n_codes; j++)
        in |= x == w->c[i].codes[j];
    return w->c[i].negate ? !in : in;
}

size_t helby_where_apply(const helby_where *w, const helby_dataset *D, long *dom)
{
    size_t kept = 0;
    for (size_t i = 0; w && i < w->n; i++) {
        const double *col = w->c[i].wave ? NULL : helby_dataset_col(D, w->c[i].var);
        size_t wave = 0;
        for (size_t k = 0; k < D->n; k++) {
            while (wave + 1 < D->n_waves && k >= D->wave_first[wave] + D->wave_rows[wave])
                wave++;
            if (dom[k] >= 0 && !meets(w, i, D, col, k, wave))
                dom[k] = -1;
        }
    }
    for (size_t k = 0; k < D->n; k++)
        kept += dom[k] >= 0;
    return kept;
}

size_t helby_domains_compact(long *dom, size_t n, size_t nd, double *codes, size_t n_by)
{
    long *map = malloc((nd ? nd : 1) * sizeof *map);
    if (!map)
        return nd;
    for (size_t g = 0; g < nd; g++)
        map[g] = -1;
    for (size_t k = 0; k < n; k++)
        if (dom[k] >= 0)
            map[dom[k]] = 0;
    size_t u = 0;
    for (size_t g = 0; g < nd; g++)
        if (map[g] == 0) {
            if (codes && u != g)
                memmove(codes + u * n_by, codes + g * n_by, n_by * sizeof *codes);
            map[g] = (long)u++;
        }
    for (size_t k = 0; k < n; k++)
        if (dom[k] >= 0)
            dom[k] = map[dom[k]];
    free(map);
    return u;
}

helby_status helby_where_mask_values(const helby_where *w, const helby_dataset *D, double *y,
                                     helby_error *err)
{
    if (!w)
        return HELBY_OK;
    long *dom = malloc((D->n ? D->n : 1) * sizeof *dom);
    if (!dom)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    for (size_t k = 0; k < D->n; k++)
        dom[k] = 0;
    helby_where_apply(w, D, dom);
    for (size_t k = 0; k < D->n; k++)
        if (dom[k] < 0)
            y[k] = NAN;
    free(dom);
    return HELBY_OK;
}
