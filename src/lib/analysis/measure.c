/* measure.c — indices, dimensions, shares and items per respondent over a dataset
 * (analysis.h). Scoring itself is score.c's (items to 0-100, dimensions, indices); this file
 * finds a measure's columns in a dataset and turns codes into the values estimated. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helby/analysis.h"
#include "helby/score.h"

static const helby_share *find_share(const helby_survey *s, const char *name)
{
    for (size_t i = 0; i < s->n_shares; i++)
        if (!strcmp(s->shares[i].name, name))
            return &s->shares[i];
    return NULL;
}

helby_measure_kind helby_measure_kind_of(const helby_survey *s, const char *name)
{
    const helby_index *ix;
    const helby_dimension *dim;
    if (helby_find_measure(s, name, &ix, &dim))
        return dim ? HELBY_MEASURE_DIMENSION : HELBY_MEASURE_INDEX;
    if (find_share(s, name))
        return HELBY_MEASURE_SHARE;
    size_t v = helby_survey_find_var(s, name);
    if (v != HELBY_NO_VAR && s->vars[v].type != HELBY_TYPE_TEXT)
        return HELBY_MEASURE_ITEM;
    return HELBY_MEASURE_UNKNOWN;
}

int helby_measure_columns(const helby_survey *s, const char *name, const char **load, size_t room)
{
    const helby_index *ix;
    const helby_dimension *dim;
    size_t n = 0;
    switch (helby_measure_kind_of(s, name)) {
    case HELBY_MEASURE_INDEX:
    case HELBY_MEASURE_DIMENSION:
        helby_find_measure(s, name, &ix, &dim);
        for (size_t j = 0; j < ix->n_dims; j++) {
            if (dim && &ix->dims[j] != dim)
                continue;
            for (size_t q = 0; q < ix->dims[j].n_items; q++) {
                if (n == room)
                    return -1;
                load[n++] = s->vars[ix->dims[j].items[q]].name;
            }
        }
        return (int)n;
    case HELBY_MEASURE_SHARE:
        if (room == 0)
            return -1;
        load[0] = s->vars[find_share(s, name)->var].name;
        return 1;
    case HELBY_MEASURE_ITEM:
        if (room == 0)
            return -1;
        load[0] = name;
        return 1;
    default: return -1;
    }
}

/* The item columns of an index or dimension, in the order score.c expects. */
static helby_status item_columns(const helby_dataset *D, const char *name, const double ***cols,
                                 helby_error *err)
{
    const helby_survey *s = D->survey;
    const char *load[512];
    int nc = helby_measure_columns(s, name, load, sizeof load / sizeof load[0]);
    if (nc < 0)
        return helby_error_set(err, HELBY_EUSAGE, "measure %s has too many items", name);
    *cols = malloc((nc ? (size_t)nc : 1) * sizeof **cols);
    if (!*cols)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    for (int i = 0; i < nc; i++)
        if (!((*cols)[i] = helby_dataset_col(D, load[i]))) {
            free(*cols);
            *cols = NULL;
            return helby_error_set(err, HELBY_EUSAGE,
                                   "measure %s needs variable %s, which was not loaded", name,
                                   load[i]);
        }
    return HELBY_OK;
}

static int in_codes(const double *c, size_t n, double x)
{
    for (size_t i = 0; i < n; i++)
        if (c[i] == x)
            return 1;
    return 0;
}

helby_status helby_measure_values(const helby_dataset *D, const char *name, double *y,
                                  helby_error *err)
{
    const helby_survey *s = D->survey;
    helby_measure_kind kind = helby_measure_kind_of(s, name);
    if (kind == HELBY_MEASURE_INDEX || kind == HELBY_MEASURE_DIMENSION) {
        const helby_index *ix;
        const helby_dimension *dim;
        const double **cols = NULL;
        helby_find_measure(s, name, &ix, &dim);
        helby_status rc = item_columns(D, name, &cols, err);
        if (!rc) {
            if (dim)
                helby_score_dimension(s, dim, cols, D->n, y);
            else
                rc = helby_score_index(s, ix, cols, D->n, y, err);
        }
        free(cols);
        return rc;
    }
    if (kind == HELBY_MEASURE_UNKNOWN)
        return helby_error_at(err, HELBY_EINPUT, NULL, 0, 0, name,
                              "%s is not an index, dimension, share or numeric variable of "
                              "survey %s",
                              name, s->id);
    const helby_share *sh = kind == HELBY_MEASURE_SHARE ? find_share(s, name) : NULL;
    const char *var = sh ? s->vars[sh->var].name : name;
    const double *x = helby_dataset_col(D, var);
    if (!x)
        return helby_error_set(err, HELBY_EUSAGE, "variable %s was not loaded", var);
    const helby_variable *v = &s->vars[helby_survey_find_var(s, var)];
    for (size_t k = 0; k < D->n; k++) {
        if (isnan(x[k]) || helby_variable_is_missing_code(v, x[k]))
            y[k] = NAN;
        else
            y[k] = sh ? in_codes(sh->codes, sh->n_codes, x[k]) : x[k];
    }
    return HELBY_OK;
}

helby_status helby_dataset_reliability(const helby_dataset *D, const char *dimension, double *alpha,
                                       double *item_rest, size_t *n_complete, helby_error *err)
{
    const helby_index *ix;
    const helby_dimension *dim;
    if (!helby_find_measure(D->survey, dimension, &ix, &dim) || !dim)
        return helby_error_at(err, HELBY_EINPUT, NULL, 0, 0, dimension,
                              "%s is not a dimension of survey %s", dimension, D->survey->id);
    const double **cols = NULL;
    helby_status rc = item_columns(D, dimension, &cols, err);
    if (!rc)
        rc = helby_dimension_reliability(D->survey, dim, cols, D->w, D->n, alpha, item_rest,
                                         n_complete, err);
    free(cols);
    return rc;
}

int helby_dataset_measure_absent(const helby_dataset *D, const char *name, size_t i)
{
    const char *load[512];
    int nc = helby_measure_columns(D->survey, name, load, sizeof load / sizeof load[0]);
    if (nc <= 0 || i >= D->n_waves)
        return 0;
    for (int k = 0; k < nc; k++) {
        size_t v = 0;
        while (v < D->n_vars && strcmp(D->vars[v], load[k]))
            v++;
        if (v == D->n_vars || !D->absent[v * D->n_waves + i])
            return 0;
    }
    return 1;
}
