/* waves.c — one design per wave, and estimates by domain over them (analysis.h).
 *
 * Waves are independent samples: each wave is its own design with its own strata, PSUs,
 * lonely-PSU rule, replicates (their own centre and, for the bootstrap, their own random
 * stream from the run's seed and the wave) and df. A domain that lies in one wave is
 * estimated on that wave's design alone, so its estimate, SE, df and CI are what R gives on
 * the wave, whatever other waves are loaded. A domain that spans waves (e.g. --by group with
 * no wave) is estimated on the stacked waves, strata and PSUs nested in wave, as R on the
 * stacked file with nest = TRUE. Covariances between domains of different waves are zero.
 *
 * Layer: above dataset.c, weightapply.c, design, replicates and estimate. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"
#include "helby/estimate.h"

struct helby_wave_designs {
    helby_store *st; /* for the stacked design's weights, built on demand */
    const helby_dataset *D;
    int replicate;
    helby_rep_spec rep_spec;
    char weights[64]; /* "" = base weights */
    helby_wave_weights *ww;
    size_t n; /* waves */
    helby_design **d;
    helby_replicates **rep;
    helby_design *all; /* stacked, or NULL until a domain spans waves */
    helby_replicates *all_rep;
};

/* The bootstrap seed of one wave: the run's seed and the wave mixed by splitmix64, so a
 * wave's replicates never depend on which other waves are loaded. */
static unsigned long long wave_seed(unsigned long long seed, long wave)
{
    uint64_t z = (uint64_t)seed + 0x9E3779B97F4A7C15ull * (uint64_t)(wave + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* The design over rows first .. first + n - 1 of D. */
static helby_status slice_design(const helby_dataset *D, size_t first, size_t n, helby_design **out,
                                 helby_error *err)
{
    const helby_survey *s = D->survey;
    helby_design_spec spec = {n,
                              D->w + first,
                              D->strata + first,
                              D->psus ? D->psus + first : NULL,
                              D->fpc ? D->fpc + first : NULL,
                              HELBY_LONELY_FAIL,
                              (const char *const *)D->stratum_names,
                              D->n_strata};
    helby_lonely_rule_parse(s->lonely_psu, &spec.lonely);
    return helby_design_new(out, &spec, err);
}

/* The producer's replicate weights (codebook role repweight) of wave i's rows ((size_t)-1:
 * every wave's, stacked in D's order) into w (rows x R, column r at w + r * rows). */
static helby_status load_repweights(helby_wave_designs *W, size_t i, size_t rows, double *w,
                                    const char **names, helby_error *err)
{
    const helby_dataset *D = W->D;
    const helby_survey *s = D->survey;
    const size_t R = s->n_repweights;
    size_t j0 = i == (size_t)-1 ? 0 : i, j1 = i == (size_t)-1 ? D->n_waves : i + 1, off = 0;
    helby_status rc = HELBY_OK;
    for (size_t j = j0; j < j1 && !rc; j++) {
        helby_frame *f = NULL;
        if ((rc = helby_store_load_wave(W->st, s->id, D->wave_ids[j], names, R, &f, err)))
            break;
        if (f->n_rows != D->wave_rows[j] || off + f->n_rows > rows)
            rc = helby_error_set(err, HELBY_ESTORE, "wave %ld changed while reading it",
                                 D->wave_ids[j]);
        for (size_t k = 0; !rc && k < R; k++) {
            const helby_column *c = helby_frame_col(f, names[k]);
            for (size_t r = 0; c && !c->is_text && r < f->n_rows && !rc; r++)
                if (!isfinite(w[k * rows + off + r] = c->num[r]))
                    rc = helby_error_set(err, HELBY_EINPUT,
                                         "wave %ld: replicate weight %s has no value in row %zu",
                                         D->wave_ids[j], names[k], r + 1);
            if (!c || c->is_text)
                rc = helby_error_set(err, HELBY_ESTORE, "wave %ld: no column %s", D->wave_ids[j],
                                     names[k]);
        }
        off += f->n_rows;
        helby_frame_free(f);
    }
    return rc;
}

/* The producer's replicates of wave i (as R svrepdesign with the survey's [replicates]). */
static helby_status supplied_replicates(helby_wave_designs *W, size_t i, helby_replicates **rep,
                                        helby_error *err)
{
    const helby_dataset *D = W->D;
    const helby_survey *s = D->survey;
    const size_t R = s->n_repweights;
    if (!R)
        return helby_error_set(err, HELBY_EUSAGE,
                               "survey %s supplies no replicate weights (--variance supplied): "
                               "declare them in codebook.csv (role repweight) and survey.ini "
                               "[replicates]",
                               s->id);
    size_t first = i == (size_t)-1 ? 0 : D->wave_first[i];
    size_t rows = i == (size_t)-1 ? D->n : D->wave_rows[i];
    double *w = malloc((rows * R + 1) * sizeof *w);
    const char **names = malloc(R * sizeof *names);
    helby_status rc;
    if (!w || !names) {
        rc = helby_error_set(err, HELBY_ENOMEM, "out of memory");
    } else {
        for (size_t k = 0; k < R; k++)
            names[k] = s->vars[s->repweight_vars[k]].name;
        rc = load_repweights(W, i, rows, w, names, err);
        if (!rc)
            rc = helby_replicates_supplied(rep, rows, R, D->w + first, w, s->rep_scale,
                                           s->rep_rscales, W->rep_spec.mse || s->rep_mse, err);
    }
    free(w);
    free(names);
    return rc;
}

/* Design, replicates and weights of wave i (i = (size_t)-1: the stacked waves). */
static helby_status build_one(helby_wave_designs *W, size_t i, helby_design **d,
                              helby_replicates **rep, helby_error *err)
{
    const helby_dataset *D = W->D;
    int all = i == (size_t)-1;
    helby_status rc = all ? slice_design(D, 0, D->n, d, err)
                          : slice_design(D, D->wave_first[i], D->wave_rows[i], d, err);
    if (!rc && W->replicate) {
        helby_rep_spec rs = W->rep_spec;
        if (!all)
            rs.seed = wave_seed(rs.seed, D->wave_ids[i]);
        rc = rs.type == HELBY_REP_SUPPLIED ? supplied_replicates(W, i, rep, err)
                                           : helby_replicates_new(rep, *d, &rs, err);
    }
    if (!rc && W->ww)
        rc = helby_wave_weights_apply(W->ww, D, i, *d, W->replicate ? rep : NULL, err);
    if (rc && !all && strncmp(err->message, "wave ", 5)) {
        char msg[sizeof err->message];
        int np = snprintf(msg, sizeof msg, "wave %ld: ", D->wave_ids[i]);
        snprintf(msg + np, sizeof msg - (size_t)np, "%.*s", (int)(sizeof msg) - np - 1,
                 err->message);
        memcpy(err->message, msg, sizeof msg);
    }
    return rc;
}

void helby_wave_designs_free(helby_wave_designs *W)
{
    if (!W)
        return;
    for (size_t i = 0; i < W->n; i++) {
        if (W->d)
            helby_design_free(W->d[i]);
        if (W->rep)
            helby_replicates_free(W->rep[i]);
    }
    free(W->d);
    free(W->rep);
    helby_design_free(W->all);
    helby_replicates_free(W->all_rep);
    helby_wave_weights_free(W->ww);
    free(W);
}

helby_status helby_wave_designs_new(helby_wave_designs **out, helby_store *st,
                                    const helby_dataset *D, const helby_rep_spec *rep,
                                    const char *weights, char *inputs, size_t n_inputs,
                                    helby_error *err)
{
    *out = NULL;
    helby_wave_designs *W = calloc(1, sizeof *W);
    if (!W || !(W->d = calloc(D->n_waves, sizeof *W->d)) ||
        !(W->rep = calloc(D->n_waves, sizeof *W->rep))) {
        helby_wave_designs_free(W);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    W->st = st;
    W->D = D;
    W->n = D->n_waves;
    W->replicate = rep != NULL;
    if (rep)
        W->rep_spec = *rep;
    helby_status rc = HELBY_OK;
    if (weights && *weights && strcmp(weights, "base")) {
        snprintf(W->weights, sizeof W->weights, "%s", weights);
        rc = helby_wave_weights_prepare(st, D, weights, &W->ww, inputs, n_inputs, err);
    }
    for (size_t i = 0; !rc && i < W->n; i++)
        rc = build_one(W, i, &W->d[i], &W->rep[i], err);
    if (rc) {
        helby_wave_designs_free(W);
        return rc;
    }
    *out = W;
    return HELBY_OK;
}

double helby_wave_designs_df(const helby_wave_designs *W, size_t wave)
{
    if (wave >= W->n)
        return NAN;
    return W->replicate ? helby_replicates_df(W->rep[wave]) : helby_design_df(W->d[wave]);
}

/* ---- Estimates ---- */

/* The wave of each domain: the wave index where all its rows with a value lie, WAVES_MANY
 * when they lie in several, WAVES_NONE when it has none. */
#define WAVES_NONE ((size_t)-1)
#define WAVES_MANY ((size_t)-2)

static void domain_waves(const helby_dataset *D, const double *y, const double *x, const long *dom,
                         size_t nd, size_t *where)
{
    for (size_t g = 0; g < nd; g++)
        where[g] = WAVES_NONE;
    for (size_t i = 0; i < D->n_waves; i++)
        for (size_t k = D->wave_first[i]; k < D->wave_first[i] + D->wave_rows[i]; k++) {
            long g = dom ? dom[k] : 0;
            if (g < 0 || (size_t)g >= nd || isnan(y[k]) || (x && isnan(x[k])) || D->w[k] == 0)
                continue;
            size_t *at = &where[g];
            *at = *at == WAVES_NONE ? i : *at == i ? i : WAVES_MANY;
        }
}

/* Estimate the domains `pick` (local ids) on one design over rows first .. first + n - 1:
 * loc[k] is the local domain of row first + k, or -1. */
static helby_status estimate_part(const helby_wave_designs *W, size_t wave, int stacked,
                                  helby_estimator kind, const double *y, const double *x,
                                  const long *loc, size_t n_loc, const helby_estimate_options *opt,
                                  helby_estimates **out, helby_error *err)
{
    const helby_dataset *D = W->D;
    size_t first = stacked ? 0 : D->wave_first[wave];
    const double *xs = x ? x + first : NULL;
    if (W->replicate)
        return helby_estimate_by_replicates(stacked ? W->all_rep : W->rep[wave], kind, y + first,
                                            xs, loc, n_loc, opt, out, err);
    return helby_estimate_by(stacked ? W->all : W->d[wave], kind, y + first, xs, loc, n_loc, opt,
                             out, err);
}

/* Copy the local estimates e of the global domains ids[0..m-1] into out. */
static void scatter(helby_estimates *out, const helby_estimates *e, const size_t *ids, size_t m)
{
    size_t N = out->n_domains;
    for (size_t a = 0; a < m; a++) {
        out->est[ids[a]] = e->est[a];
        for (size_t b = 0; b < m; b++)
            out->vcov[ids[a] * N + ids[b]] = e->vcov[a * m + b];
    }
}

/* Domains whose rows lie in `part` (a wave index, or WAVES_MANY for the stacked design):
 * local numbering into loc (rows first .. first + n - 1) and their global ids. */
static size_t local_domains(const long *dom, size_t nd, const size_t *where, size_t part,
                            size_t first, size_t n, long *loc, size_t *ids, long *map)
{
    size_t m = 0;
    for (size_t g = 0; g < nd; g++) {
        map[g] = -1;
        if (where[g] == part || (part == WAVES_MANY && where[g] != WAVES_NONE)) {
            map[g] = (long)m;
            ids[m++] = g;
        }
    }
    for (size_t k = 0; k < n; k++) {
        long g = dom ? dom[first + k] : 0;
        loc[k] = g < 0 || (size_t)g >= nd ? -1 : map[g];
    }
    return m;
}

static helby_status estimates_alloc(size_t nd, helby_estimates **out, helby_error *err)
{
    helby_estimates *e = calloc(1, sizeof *e);
    if (e) {
        e->est = calloc(nd, sizeof *e->est);
        e->vcov = calloc(nd * nd, sizeof *e->vcov);
    }
    if (!e || !e->est || !e->vcov) {
        helby_estimates_free(e);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory estimating");
    }
    e->n_domains = nd;
    /* Empty until estimated: no respondents with a value (flagged by the caller). Its
     * covariances stay 0, so a contrast that does not use it (coefficient 0) is not spoilt by
     * 0 * NaN; one that does has a NaN value and is undefined. */
    for (size_t g = 0; g < nd; g++) {
        helby_estimate *o = &e->est[g];
        o->estimate = o->se = o->ci_low = o->ci_high = o->df = o->deff = o->rel_se = NAN;
    }
    *out = e;
    return HELBY_OK;
}

/* The stacked design, built the first time a domain spans waves. */
static helby_status need_stacked(helby_wave_designs *W, helby_error *err)
{
    if (W->all)
        return HELBY_OK;
    helby_status rc = build_one(W, (size_t)-1, &W->all, &W->all_rep, err);
    if (rc) {
        helby_design_free(W->all);
        helby_replicates_free(W->all_rep);
        W->all = NULL;
        W->all_rep = NULL;
    }
    return rc;
}

/* Estimate the domains of one part (a wave, or the stacked waves) and scatter them. */
static helby_status estimate_into(helby_wave_designs *W, size_t part, helby_estimator kind,
                                  const double *y, const double *x, const long *dom, size_t nd,
                                  const size_t *where, const helby_estimate_options *opt,
                                  helby_estimates *out, long *loc, size_t *ids, long *map,
                                  helby_error *err)
{
    const helby_dataset *D = W->D;
    int stacked = part == WAVES_MANY;
    size_t first = stacked ? 0 : D->wave_first[part], n = stacked ? D->n : D->wave_rows[part];
    size_t m = local_domains(dom, nd, where, part, first, n, loc, ids, map);
    if (m == 0)
        return HELBY_OK;
    helby_status rc = stacked ? need_stacked(W, err) : HELBY_OK;
    helby_estimates *e = NULL;
    if (!rc)
        rc = estimate_part(W, part, stacked, kind, y, x, loc, m, opt, &e, err);
    if (rc)
        return rc;
    if (stacked) {
        /* Spanning domains and the covariances between them and every per-wave domain come
         * from the stacked design; the per-wave blocks stay the waves' own. */
        for (size_t a = 0; a < m; a++) {
            size_t g = ids[a];
            if (where[g] == WAVES_MANY)
                out->est[g] = e->est[a];
            for (size_t b = 0; b < m; b++)
                if (where[g] == WAVES_MANY || where[ids[b]] == WAVES_MANY)
                    out->vcov[g * nd + ids[b]] = e->vcov[a * m + b];
        }
    } else {
        scatter(out, e, ids, m);
    }
    helby_estimates_free(e);
    return HELBY_OK;
}

/* Covariances between domains of different waves are zero: independent samples. */
static void zero_cross_waves(helby_estimates *e, const size_t *where)
{
    size_t N = e->n_domains;
    for (size_t a = 0; a < N; a++)
        for (size_t b = 0; b < N; b++)
            if (where[a] < WAVES_MANY && where[b] < WAVES_MANY && where[a] != where[b])
                e->vcov[a * N + b] = 0;
}

helby_status helby_estimate_waves(helby_wave_designs *W, helby_estimator kind, const double *y,
                                  const double *x, const long *dom, size_t nd,
                                  const helby_estimate_options *opt, helby_estimates **out,
                                  helby_error *err)
{
    const helby_dataset *D = W->D;
    *out = NULL;
    if (!dom)
        nd = 1;
    size_t *where = malloc(nd * sizeof *where), *ids = malloc(nd * sizeof *ids);
    long *map = malloc(nd * sizeof *map), *loc = NULL;
    helby_estimates *e = NULL;
    helby_status rc = estimates_alloc(nd, &e, err);
    if (!rc && (!where || !ids || !map))
        rc = helby_error_set(err, HELBY_ENOMEM, "out of memory estimating");
    int stacked = 0;
    if (!rc) {
        domain_waves(D, y, x, dom, nd, where);
        zero_cross_waves(e, where);
        for (size_t g = 0; g < nd; g++)
            stacked |= where[g] == WAVES_MANY;
    }
    /* Local domains of one part at a time: the largest wave's rows, or all rows when a
     * domain spans waves (less memory to touch than one entry per row always). */
    size_t most = 0;
    for (size_t i = 0; i < D->n_waves; i++)
        most = D->wave_rows[i] > most ? D->wave_rows[i] : most;
    if (!rc && !(loc = malloc((stacked ? D->n : most ? most : 1) * sizeof *loc)))
        rc = helby_error_set(err, HELBY_ENOMEM, "out of memory estimating");
    for (size_t i = 0; !rc && i < W->n; i++)
        rc = estimate_into(W, i, kind, y, x, dom, nd, where, opt, e, loc, ids, map, err);
    if (!rc && stacked)
        rc = estimate_into(W, WAVES_MANY, kind, y, x, dom, nd, where, opt, e, loc, ids, map, err);
    free(where), free(ids), free(map), free(loc);
    if (rc) {
        helby_estimates_free(e);
        return rc;
    }
    *out = e;
    return HELBY_OK;
}

/* The design of one part for a caller that fits models on it (regress.c, explain.c): wave
 * index `wave`'s design and replicates (NULL for linearization), or, with wave (size_t)-1,
 * the stacked waves' (built on first use). Rows of a wave's design are that wave's rows from
 * 0 (D->wave_first[wave] in the dataset). */
helby_status helby_wave_designs_part(helby_wave_designs *W, size_t wave, const helby_design **d,
                                     const helby_replicates **rep, helby_error *err)
{
    if (wave == (size_t)-1) {
        helby_status rc = need_stacked(W, err);
        if (rc)
            return rc;
        *d = W->all;
        *rep = W->replicate ? W->all_rep : NULL;
        return HELBY_OK;
    }
    if (wave >= W->n)
        return helby_error_set(err, HELBY_EUSAGE, "no wave index %zu", wave);
    *d = W->d[wave];
    *rep = W->replicate ? W->rep[wave] : NULL;
    return HELBY_OK;
}
