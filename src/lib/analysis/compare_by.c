/* compare_by.c — minorities vs Danes within each level of a coded variable (`helby compare
 * --by ageband`, tables.h helby_analysis_compare_by): the comparison of helby_analysis_compare
 * on the domain "by = level" (its --where joined), the full design kept, for every level
 * answered, in ascending order.
 * Layer: above tables_compare.c and where.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"
#include "helby/tables.h"

void helby_compare_by_free(helby_compare_by *c)
{
    if (!c)
        return;
    for (size_t i = 0; c->cmp && i < c->n_levels; i++)
        helby_comparison_free(c->cmp[i]);
    free(c->cmp), free(c->levels);
    free(c);
}

static int cmp_level(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The levels of by-variable `name` answered in the asked waves (missing codes left out). */
static helby_status by_levels_of(helby_store *st, const helby_survey *s,
                                 const helby_compare_request *req, const char *by,
                                 helby_compare_by *c, helby_error *err)
{
    const char *names[1], *load[2];
    if (helby_by_resolve(s, &by, 1, names, err))
        return err->code;
    size_t nl = helby_by_load_list(s, NULL, names, 1, load);
    helby_dataset *D = NULL;
    if (helby_dataset_open(&D, st, s, req->waves, req->n_waves, load, nl, err))
        return err->code;
    long *dom = malloc((D->n ? D->n : 1) * sizeof *dom);
    size_t nd = 0;
    double *codes = NULL;
    if (!dom)
        helby_error_set(err, HELBY_ENOMEM, "out of memory");
    else if (!helby_by_domains(D, &by, 1, names, dom, &nd, &codes, err)) {
        qsort(codes, nd, sizeof *codes, cmp_level);
        c->levels = codes, c->n_levels = nd;
        codes = NULL;
    }
    free(dom), free(codes);
    helby_dataset_free(D);
    return err->code;
}

helby_status helby_analysis_compare_by(helby_store *st, const helby_survey *s,
                                       const helby_compare_request *req, const char *by,
                                       helby_compare_by **out, helby_error *err)
{
    helby_error local;
    if (!err)
        err = &local;
    helby_error_clear(err);
    *out = NULL;
    helby_compare_by *c = calloc(1, sizeof *c);
    if (!c)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    if (!by_levels_of(st, s, req, by, c, err) &&
        !(c->cmp = calloc(c->n_levels + 1, sizeof *c->cmp)))
        helby_error_set(err, HELBY_ENOMEM, "out of memory");
    for (size_t i = 0; !err->code && i < c->n_levels; i++) {
        char where[1024];
        int len = snprintf(where, sizeof where, "%s%s%s=%.17g", req->where ? req->where : "",
                           req->where && *req->where ? "," : "", by, c->levels[i]);
        if (len < 0 || (size_t)len >= sizeof where) {
            helby_error_set(err, HELBY_EUSAGE, "--where is too long");
            break;
        }
        helby_compare_request r = *req;
        r.where = where;
        helby_analysis_compare(st, s, &r, &c->cmp[i], err);
    }
    if (err->code) {
        helby_compare_by_free(c);
        return err->code;
    }
    c->by = by;
    *out = c;
    return HELBY_OK;
}
