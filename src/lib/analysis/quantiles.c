/* quantiles.c — quantiles by domain over a dataset's waves (analysis.h helby_quantile_waves):
 * as helby_estimate_waves does for means, a domain that lies in one wave is estimated on that
 * wave's design alone (its df, replicates), a domain spanning waves on the stacked waves.
 * Layer: above waves.c (helby_wave_designs_part) and stats/quantile.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"
#include "helby/quantile.h"

#define PART_NONE ((size_t)-2)
#define PART_MANY ((size_t)-1)

/* The part of each domain: the wave index holding all its rows with a value, PART_MANY
 * when they span waves, PART_NONE when it has none. */
static void domain_parts(const helby_dataset *D, const double *y, const long *dom, size_t nd,
                         size_t *part)
{
    for (size_t g = 0; g < nd; g++)
        part[g] = PART_NONE;
    size_t wave = 0;
    for (size_t k = 0; k < D->n; k++) {
        while (wave + 1 < D->n_waves && k >= D->wave_first[wave] + D->wave_rows[wave])
            wave++;
        long g = dom ? dom[k] : 0;
        if (g < 0 || (size_t)g >= nd || isnan(y[k]))
            continue;
        if (part[g] == PART_NONE)
            part[g] = wave;
        else if (part[g] != wave)
            part[g] = PART_MANY;
    }
}

typedef struct qjob {
    const double *y;
    const long *dom;
    size_t nd;
    const double *probs;
    size_t np;
    helby_qrule rule;
    const helby_estimate_options *opt;
    const size_t *part;
} qjob;

/* The domains of part p (a wave index or PART_MANY) estimated and copied into out. */
static helby_status quantile_part(helby_wave_designs *W, const helby_dataset *D, size_t p,
                                  const qjob *J, helby_estimates *out, helby_error *err)
{
    size_t first = p == PART_MANY ? 0 : D->wave_first[p];
    size_t n = p == PART_MANY ? D->n : D->wave_rows[p], m = 0;
    long *map = malloc((J->nd ? J->nd : 1) * sizeof *map), *loc = malloc((n ? n : 1) * sizeof *loc);
    size_t *ids = malloc((J->nd ? J->nd : 1) * sizeof *ids);
    helby_status rc = HELBY_OK;
    if (!map || !loc || !ids)
        rc = helby_error_set(err, HELBY_ENOMEM, "out of memory for quantiles");
    for (size_t g = 0; !rc && g < J->nd; g++) {
        map[g] = J->part[g] == p ? (long)m : -1;
        if (map[g] >= 0)
            ids[m++] = g;
    }
    for (size_t k = 0; !rc && k < n; k++) {
        long g = J->dom ? J->dom[first + k] : 0;
        loc[k] = g < 0 || (size_t)g >= J->nd ? -1 : map[g];
    }
    const helby_design *d = NULL;
    const helby_replicates *r = NULL;
    helby_estimates *e = NULL;
    if (!rc && m)
        rc = helby_wave_designs_part(W, p == PART_MANY ? (size_t)-1 : p, &d, &r, err);
    if (!rc && m)
        rc = r ? helby_quantile_by_replicates(r, J->y + first, loc, m, J->probs, J->np, J->rule,
                                              J->opt, &e, err)
               : helby_quantile_by(d, J->y + first, loc, m, J->probs, J->np, J->rule, J->opt, &e,
                                   err);
    for (size_t a = 0; !rc && a < m; a++)
        for (size_t j = 0; j < J->np; j++)
            out->est[ids[a] * J->np + j] = e->est[a * J->np + j];
    helby_estimates_free(e);
    free(map), free(loc), free(ids);
    return rc;
}

helby_status helby_quantile_waves(helby_wave_designs *W, const helby_dataset *D, const double *y,
                                  const long *domain, size_t n_domains, const double *probs,
                                  size_t n_probs, helby_qrule rule,
                                  const helby_estimate_options *opt, helby_estimates **out,
                                  helby_error *err)
{
    *out = NULL;
    size_t nd = domain ? n_domains : 1;
    size_t *part = malloc((nd ? nd : 1) * sizeof *part);
    helby_estimates *e = calloc(1, sizeof *e);
    if (e)
        e->est = calloc(nd * n_probs + 1, sizeof *e->est);
    if (!part || !e || !e->est) {
        free(part), helby_estimates_free(e);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory for quantiles");
    }
    e->n_domains = nd * n_probs;
    for (size_t i = 0; i < nd * n_probs; i++) {
        helby_estimate *o = &e->est[i];
        o->estimate = o->se = o->ci_low = o->ci_high = o->df = o->deff = o->rel_se = NAN;
    }
    domain_parts(D, y, domain, nd, part);
    qjob J = {y, domain, nd, probs, n_probs, rule, opt, part};
    helby_status rc = HELBY_OK;
    for (size_t p = 0; !rc && p < D->n_waves; p++)
        rc = quantile_part(W, D, p, &J, e, err);
    if (!rc)
        rc = quantile_part(W, D, PART_MANY, &J, e, err);
    free(part);
    if (rc) {
        helby_estimates_free(e);
        return rc;
    }
    *out = e;
    return HELBY_OK;
}
