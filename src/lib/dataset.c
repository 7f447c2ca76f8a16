/* dataset.c — a survey's stored waves as columns with design codes (analysis.h).
 *
 * Layer: above store, survey and design; below measure.c, weightapply.c and the analyses.
 * Strata and PSUs are numbered within wave (waves are independent samples), in order of
 * first appearance in the wave's rows, and offset by the earlier waves' counts, so the ids of
 * a wave never depend on the labels of another. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/analysis.h"
#include "util_internal.h"

#ifndef HELBY_VERSION
#define HELBY_VERSION "0.0.0"
#endif

const char *helby_version(void) { return HELBY_VERSION; }

const char *helby_survey_role_name(const helby_survey *s, const char *name)
{
    static const struct {
        const char *role;
        size_t off;
    } roles[] = {
        {"wave", offsetof(helby_survey, wave_var)},
        {"group", offsetof(helby_survey, group_var)},
        {"district", offsetof(helby_survey, district_var)},
        {"stratum", offsetof(helby_survey, stratum_var)},
        {"psu", offsetof(helby_survey, psu_var)},
        {"weight", offsetof(helby_survey, weight_var)},
        {"id", offsetof(helby_survey, id_var)},
        {"fpc", offsetof(helby_survey, fpc_var)},
    };
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (!strcmp(name, roles[i].role)) {
            size_t v = *(const size_t *)((const char *)s + roles[i].off);
            /* A variable really called "wave" wins over the role of that name. */
            if (helby_survey_find_var(s, name) != HELBY_NO_VAR)
                return name;
            return v == HELBY_NO_VAR ? NULL : s->vars[v].name;
        }
    return name;
}

int helby_survey_group_of(const helby_survey *s, double code)
{
    for (size_t c = 0; c < s->n_danes_codes; c++)
        if (code == s->danes_codes[c])
            return 0;
    for (size_t c = 0; c < s->n_minority_codes; c++)
        if (code == s->minority_codes[c])
            return 1;
    return -1;
}

void helby_dataset_free(helby_dataset *D)
{
    if (!D)
        return;
    free(D->wave_ids), free(D->wave_first), free(D->wave_rows), free(D->wave_sha256);
    free(D->w), free(D->fpc), free(D->strata), free(D->psus);
    for (size_t i = 0; D->stratum_names && i < D->n_strata; i++)
        free(D->stratum_names[i]);
    free(D->stratum_names);
    for (size_t v = 0; v < D->n_vars; v++) {
        free(D->vars[v]);
        free(D->cols[v]);
    }
    free(D->vars);
    free(D->cols);
    free(D);
}

const double *helby_dataset_col(const helby_dataset *D, const char *name)
{
    for (size_t v = 0; v < D->n_vars; v++)
        if (!strcmp(D->vars[v], name))
            return D->cols[v];
    return NULL;
}

void helby_dataset_inputs(const helby_dataset *D, char *out, size_t n)
{
    size_t o = 0;
    if (n)
        out[0] = '\0';
    for (size_t i = 0; i < D->n_waves && o < n; i++)
        o += (size_t)snprintf(out + o, n - o, "%s%ld=%s", i ? ";" : "", D->wave_ids[i],
                              D->wave_sha256[i]);
}

/* The label of row r of a design column, as the store's codes name it: "%g" of a number, the
 * text of a text cell. */
static const char *cell_label(const helby_column *c, size_t r, char *buf, size_t n)
{
    if (c->is_text)
        return c->text[r];
    snprintf(buf, n, "%g", c->num[r]);
    return buf;
}

/* Number the levels of column c (n rows) by first appearance: ids[r] = offset + level. With
 * names != NULL each new level's "wave/label" is appended to *names. Returns the number of
 * levels, or (size_t)-1 out of memory. */
static size_t factorize(const helby_column *c, size_t n, long wave, size_t offset, size_t *ids,
                        char ***names, size_t *n_names)
{
    helby_strmap map;
    helby_strmap_init(&map);
    size_t levels = 0;
    char buf[64];
    for (size_t r = 0; r < n; r++) {
        const char *label = cell_label(c, r, buf, sizeof buf);
        size_t id;
        int put = helby_strmap_put(&map, label, strlen(label), levels, &id);
        if (put < 0)
            goto oom;
        if (put == 1) {
            levels++;
            if (names) {
                char **p = realloc(*names, (*n_names + 1) * sizeof *p);
                if (!p)
                    goto oom;
                *names = p;
                size_t len = strlen(label) + 32;
                if (!(p[*n_names] = malloc(len)))
                    goto oom;
                snprintf(p[(*n_names)++], len, "%ld/%s", wave, label);
            }
        }
        ids[r] = offset + id;
    }
    helby_strmap_free(&map);
    return levels;
oom:
    helby_strmap_free(&map);
    return (size_t)-1;
}

/* Wave list: the asked ones (each must be stored) or every stored wave. */
static helby_status pick_waves(helby_store *st, const helby_survey *s, const long *waves,
                               size_t nw, helby_dataset *D, helby_error *err)
{
    helby_wave_info *wi = NULL;
    size_t nwi = 0;
    if (helby_store_list_waves(st, s->id, &wi, &nwi, err))
        return err->code;
    if (nwi == 0) {
        free(wi);
        return helby_error_set(err, HELBY_ENOTFOUND,
                               "survey %s has no waves in the store (import some with `helby "
                               "import`)",
                               s->id);
    }
    size_t n = waves && nw ? nw : nwi;
    D->wave_ids = malloc(n * sizeof *D->wave_ids);
    D->wave_sha256 = malloc(n * sizeof *D->wave_sha256);
    D->wave_first = calloc(n, sizeof *D->wave_first);
    D->wave_rows = calloc(n, sizeof *D->wave_rows);
    if (!D->wave_ids || !D->wave_sha256 || !D->wave_first || !D->wave_rows) {
        free(wi);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        long want = waves && nw ? waves[i] : wi[i].wave;
        size_t j = 0;
        while (j < nwi && wi[j].wave != want)
            j++;
        if (j == nwi) {
            char have[256] = "";
            for (size_t k = 0, o = 0; k < nwi && o < sizeof have; k++)
                o += (size_t)snprintf(have + o, sizeof have - o, "%s%ld", k ? ", " : "",
                                      wi[k].wave);
            free(wi);
            return helby_error_set(err, HELBY_ENOTFOUND,
                                   "survey %s has no wave %ld in the store (it has %s)", s->id,
                                   want, have);
        }
        D->wave_ids[i] = want;
        memcpy(D->wave_sha256[i], wi[j].sha256, sizeof D->wave_sha256[i]);
        D->n_waves++;
    }
    free(wi);
    return HELBY_OK;
}

/* Allocate the row arrays once the waves' sizes are known. */
static helby_status alloc_rows(helby_dataset *D, int has_fpc, int has_psu, helby_error *err)
{
    size_t n = D->n ? D->n : 1;
    D->w = helby_alloc_big(n * sizeof *D->w);
    D->strata = helby_alloc_big(n * sizeof *D->strata);
    D->fpc = has_fpc ? helby_alloc_big(n * sizeof *D->fpc) : NULL;
    D->psus = has_psu ? helby_alloc_big(n * sizeof *D->psus) : NULL;
    int ok = D->w && D->strata && (!has_fpc || D->fpc) && (!has_psu || D->psus);
    for (size_t v = 0; v < D->n_vars && ok; v++)
        ok = (D->cols[v] = helby_alloc_big(n * sizeof(double))) != NULL;
    return ok ? HELBY_OK : helby_error_set(err, HELBY_ENOMEM, "out of memory loading answers");
}

/* Copy wave i's frame f (design columns first: weight, stratum?, PSU?, fpc?, then D->vars)
 * into D's rows. */
static helby_status copy_wave(helby_dataset *D, size_t i, const helby_frame *f,
                              helby_error *err)
{
    const helby_survey *s = D->survey;
    const size_t first = D->wave_first[i], n = f->n_rows;
    size_t c = 0;
    const helby_column *wc = &f->cols[c++];
    const helby_column *sc = s->stratum_var != HELBY_NO_VAR ? &f->cols[c++] : NULL;
    const helby_column *pc = s->psu_var != HELBY_NO_VAR ? &f->cols[c++] : NULL;
    const helby_column *fc = s->fpc_var != HELBY_NO_VAR ? &f->cols[c++] : NULL;
    memcpy(D->w + first, wc->num, n * sizeof *D->w);
    if (fc)
        memcpy(D->fpc + first, fc->num, n * sizeof *D->fpc);
    if (sc) {
        size_t k = factorize(sc, n, D->wave_ids[i], D->n_strata, D->strata + first,
                             &D->stratum_names, &D->n_strata);
        if (k == (size_t)-1)
            return helby_error_set(err, HELBY_ENOMEM, "out of memory numbering strata");
    } else {
        /* One stratum per wave. */
        char **p = realloc(D->stratum_names, (D->n_strata + 1) * sizeof *p);
        if (!p || !(p[D->n_strata] = malloc(32)))
            return D->stratum_names = p ? p : D->stratum_names,
                   helby_error_set(err, HELBY_ENOMEM, "out of memory");
        D->stratum_names = p;
        snprintf(p[D->n_strata], 32, "%ld/", D->wave_ids[i]);
        for (size_t r = 0; r < n; r++)
            D->strata[first + r] = D->n_strata;
        D->n_strata++;
    }
    if (pc) {
        size_t k = factorize(pc, n, D->wave_ids[i], D->n_psus, D->psus + first, NULL, NULL);
        if (k == (size_t)-1)
            return helby_error_set(err, HELBY_ENOMEM, "out of memory numbering PSUs");
        D->n_psus += k;
    }
    for (size_t v = 0; v < D->n_vars; v++) {
        const helby_column *col = &f->cols[c + v];
        double *dst = D->cols[v] + first;
        if (col->is_text)
            for (size_t r = 0; r < n; r++)
                dst[r] = NAN;
        else
            memcpy(dst, col->num, n * sizeof *dst);
    }
    return HELBY_OK;
}

/* The design columns' names, then the distinct variables asked. */
static helby_status names_to_load(helby_dataset *D, const char *const *vars, size_t n_vars,
                                  const char **need, size_t *nn, helby_error *err)
{
    const helby_survey *s = D->survey;
    *nn = 0;
    need[(*nn)++] = s->vars[s->weight_var].name;
    if (s->stratum_var != HELBY_NO_VAR)
        need[(*nn)++] = s->vars[s->stratum_var].name;
    if (s->psu_var != HELBY_NO_VAR)
        need[(*nn)++] = s->vars[s->psu_var].name;
    if (s->fpc_var != HELBY_NO_VAR)
        need[(*nn)++] = s->vars[s->fpc_var].name;
    D->vars = calloc(n_vars ? n_vars : 1, sizeof *D->vars);
    D->cols = calloc(n_vars ? n_vars : 1, sizeof *D->cols);
    if (!D->vars || !D->cols)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    for (size_t i = 0; i < n_vars; i++) {
        if (helby_dataset_col(D, vars[i]))
            continue;
        if (!(D->vars[D->n_vars] = strdup(vars[i])))
            return helby_error_set(err, HELBY_ENOMEM, "out of memory");
        need[(*nn)++] = D->vars[D->n_vars++];
    }
    return HELBY_OK;
}

helby_status helby_dataset_open(helby_dataset **out, helby_store *st, const helby_survey *s,
                                const long *waves, size_t n_waves, const char *const *vars,
                                size_t n_vars, helby_error *err)
{
    *out = NULL;
    helby_dataset *D = calloc(1, sizeof *D);
    const char **need = malloc((n_vars + 4) * sizeof *need);
    helby_frame **frames = NULL;
    size_t nn = 0;
    helby_status rc = HELBY_OK;
    if (!D || !need) {
        rc = helby_error_set(err, HELBY_ENOMEM, "out of memory");
        goto done;
    }
    D->survey = s;
    if ((rc = names_to_load(D, vars, n_vars, need, &nn, err)) ||
        (rc = pick_waves(st, s, waves, n_waves, D, err)))
        goto done;
    frames = calloc(D->n_waves, sizeof *frames);
    if (!frames) {
        rc = helby_error_set(err, HELBY_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < D->n_waves; i++) {
        if ((rc = helby_store_load_wave(st, s->id, D->wave_ids[i], need, nn, &frames[i], err)))
            goto done;
        D->wave_first[i] = D->n;
        D->wave_rows[i] = frames[i]->n_rows;
        D->n += frames[i]->n_rows;
    }
    if ((rc = alloc_rows(D, s->fpc_var != HELBY_NO_VAR, s->psu_var != HELBY_NO_VAR, err)))
        goto done;
    for (size_t i = 0; i < D->n_waves; i++) {
        if ((rc = copy_wave(D, i, frames[i], err)))
            goto done;
        helby_frame_free(frames[i]);
        frames[i] = NULL;
    }
done:
    for (size_t i = 0; frames && i < D->n_waves; i++)
        helby_frame_free(frames[i]);
    free(frames);
    free(need);
    if (rc)
        helby_dataset_free(D);
    else
        *out = D;
    return rc;
}

helby_status helby_dataset_design(const helby_dataset *D, helby_design **out, helby_error *err)
{
    const helby_survey *s = D->survey;
    helby_design_spec spec = {D->n,
                              D->w,
                              D->strata,
                              D->psus,
                              D->fpc,
                              HELBY_LONELY_FAIL,
                              (const char *const *)D->stratum_names,
                              D->n_strata};
    helby_lonely_rule_parse(s->lonely_psu, &spec.lonely);
    return helby_design_new(out, &spec, err);
}
