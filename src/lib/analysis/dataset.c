/* dataset.c — a survey's stored waves as columns with design codes (analysis.h).
 *
 * Layer: above store, survey and design; below measure.c, weightapply.c and the analyses.
 * Strata and PSUs are numbered within wave (waves are independent samples) by the store's
 * design codes (computed once at import: first appearance in the wave's rows), offset by the
 * earlier waves' counts, so loading a wave does no per-respondent string work and the ids of
 * a wave never depend on the labels of another. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/analysis.h"
#include "base/util_internal.h"

#ifndef HELBY_VERSION
#define HELBY_VERSION "0.0.0"
#endif

const char *helby_version(void)
{
    return HELBY_VERSION;
}

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
    free(D->absent);
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

/* Stratum or PSU ids of wave i from the store's design codes (computed once at import):
 * ids[r] = *count + code; with names, each level's "wave/label" is appended. */
static helby_status wave_codes(helby_store *st, helby_dataset *D, size_t i, const char *var,
                               size_t *ids, size_t *count, int names, helby_error *err)
{
    helby_wave_codes *c = NULL;
    if (helby_store_load_codes(st, D->survey->id, D->wave_ids[i], var, &c, err))
        return err->code;
    helby_status rc = HELBY_OK;
    if (c->n != D->wave_rows[i])
        rc =
            helby_error_set(err, HELBY_ESTORE, "wave %ld changed while reading it", D->wave_ids[i]);
    for (size_t r = 0; !rc && r < c->n; r++)
        ids[r] = *count + c->code[r];
    if (!rc && names) {
        char **p = realloc(D->stratum_names, (D->n_strata + c->n_levels) * sizeof *p);
        if (!p)
            rc = helby_error_set(err, HELBY_ENOMEM, "out of memory");
        else
            D->stratum_names = p;
        for (size_t l = 0; !rc && l < c->n_levels; l++) {
            size_t len = strlen(c->labels[l]) + 32;
            if (!(p[D->n_strata] = malloc(len)))
                rc = helby_error_set(err, HELBY_ENOMEM, "out of memory");
            else
                snprintf(p[D->n_strata++], len, "%ld/%s", D->wave_ids[i], c->labels[l]);
        }
    }
    if (!rc && !names)
        *count += c->n_levels;
    helby_wave_codes_free(c);
    return rc;
}

/* Wave list: the asked ones (each must be stored) or every stored wave. */
static helby_status pick_waves(helby_store *st, const helby_survey *s, const long *waves, size_t nw,
                               helby_dataset *D, helby_error *err)
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
                o +=
                    (size_t)snprintf(have + o, sizeof have - o, "%s%ld", k ? ", " : "", wi[k].wave);
            free(wi);
            return helby_error_set(err, HELBY_ENOTFOUND,
                                   "survey %s has no wave %ld in the store (it has %s)", s->id,
                                   want, have);
        }
        D->wave_ids[i] = want;
        memcpy(D->wave_sha256[i], wi[j].sha256, sizeof D->wave_sha256[i]);
        D->wave_first[i] = D->n;
        D->wave_rows[i] = (size_t)wi[j].n_rows;
        D->n += D->wave_rows[i];
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

/* Copy wave i's frame f (weight, fpc?, then D->vars) into D's rows, and number its strata
 * and PSUs from the store's codes. */
static helby_status copy_wave(helby_store *st, helby_dataset *D, size_t i, const helby_frame *f,
                              helby_error *err)
{
    const helby_survey *s = D->survey;
    const size_t first = D->wave_first[i], n = f->n_rows;
    size_t c = 0;
    const helby_column *wc = &f->cols[c++];
    const helby_column *fc = s->fpc_var != HELBY_NO_VAR ? &f->cols[c++] : NULL;
    memcpy(D->w + first, wc->num, n * sizeof *D->w);
    if (fc)
        memcpy(D->fpc + first, fc->num, n * sizeof *D->fpc);
    helby_status rc = HELBY_OK;
    if (s->stratum_var != HELBY_NO_VAR) {
        rc = wave_codes(st, D, i, s->vars[s->stratum_var].name, D->strata + first, &D->n_strata, 1,
                        err);
    } else {
        /* One stratum per wave. */
        char **p = realloc(D->stratum_names, (D->n_strata + 1) * sizeof *p);
        if (p)
            D->stratum_names = p;
        if (!p || !(p[D->n_strata] = malloc(32)))
            return helby_error_set(err, HELBY_ENOMEM, "out of memory");
        snprintf(p[D->n_strata], 32, "%ld/", D->wave_ids[i]);
        for (size_t r = 0; r < n; r++)
            D->strata[first + r] = D->n_strata;
        D->n_strata++;
    }
    if (!rc && s->psu_var != HELBY_NO_VAR)
        rc = wave_codes(st, D, i, s->vars[s->psu_var].name, D->psus + first, &D->n_psus, 0, err);
    for (size_t v = 0; !rc && v < D->n_vars; v++) {
        double *dst = D->cols[v] + first;
        if (D->absent[v * D->n_waves + i]) {
            for (size_t r = 0; r < n; r++)
                dst[r] = NAN;
            continue;
        }
        const helby_column *col = &f->cols[c++];
        const helby_derived *d = helby_survey_derived(s, D->vars[v]);
        if (col->is_text)
            for (size_t r = 0; r < n; r++)
                dst[r] = NAN;
        else if (d) /* derived.csv: the source's column, recoded */
            for (size_t r = 0; r < n; r++)
                dst[r] = helby_derived_value(s, d, col->num[r]);
        else
            memcpy(dst, col->num, n * sizeof *dst);
    }
    return rc;
}

/* The column the store holds for variable name: its source for a derived variable. */
static const char *stored_name(const helby_survey *s, const char *name)
{
    const helby_derived *d = helby_survey_derived(s, name);
    return d ? s->vars[d->source].name : name;
}

/* The design columns' names, then the distinct variables asked (for a derived variable of
 * derived.csv, the column it is made from). */
static helby_status names_to_load(helby_dataset *D, const char *const *vars, size_t n_vars,
                                  const char **need, size_t *nn, helby_error *err)
{
    const helby_survey *s = D->survey;
    *nn = 0;
    need[(*nn)++] = s->vars[s->weight_var].name;
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
        need[(*nn)++] = stored_name(s, D->vars[D->n_vars++]);
    }
    return HELBY_OK;
}

/* Mark absent in wave i every variable of D loaded from column name (a derived variable is
 * absent where its source is); 0 when none is left to mark or the column is required. */
static int mark_absent(helby_dataset *D, size_t i, const char **need, size_t first_var,
                       const char *name)
{
    const helby_survey *s = D->survey;
    size_t var = helby_survey_find_var(s, name), marked = 0;
    if (var == HELBY_NO_VAR || s->vars[var].required)
        return 0;
    for (size_t v = 0; v < D->n_vars; v++)
        if (!strcmp(need[first_var + v], name) && !D->absent[v * D->n_waves + i]) {
            D->absent[v * D->n_waves + i] = 1;
            marked++;
        }
    return marked > 0;
}

/* Wave i's frame of the columns in need (the design columns, then D->vars): an optional
 * item the wave's file lacks is left out and marked absent; any other missing column is an
 * error. */
static helby_status load_wave(helby_store *st, helby_dataset *D, size_t i, const char **need,
                              size_t nn, helby_frame **out, helby_error *err)
{
    const helby_survey *s = D->survey;
    const size_t first_var = nn - D->n_vars;
    const char **use = malloc(nn * sizeof *use);
    if (!use)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    helby_status rc;
    for (;;) {
        size_t nu = 0;
        for (size_t k = 0; k < nn; k++)
            if (k < first_var || !D->absent[(k - first_var) * D->n_waves + i])
                use[nu++] = need[k];
        rc = helby_store_load_wave(st, s->id, D->wave_ids[i], use, nu, out, err);
        if (rc != HELBY_ENOTFOUND || !err || !*err->variable ||
            !mark_absent(D, i, need, first_var, err->variable))
            break;
        helby_error_clear(err);
    }
    free(use);
    return rc;
}

helby_status helby_dataset_open(helby_dataset **out, helby_store *st, const helby_survey *s,
                                const long *waves, size_t n_waves, const char *const *vars,
                                size_t n_vars, helby_error *err)
{
    *out = NULL;
    helby_dataset *D = calloc(1, sizeof *D);
    const char **need = malloc((n_vars + 4) * sizeof *need);
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
    /* The waves' sizes are known from the store: the row arrays first, then one wave's
     * frame at a time, copied and freed (its memory serves the next wave). */
    if ((rc = alloc_rows(D, s->fpc_var != HELBY_NO_VAR, s->psu_var != HELBY_NO_VAR, err)))
        goto done;
    if (!(D->absent = calloc((D->n_vars ? D->n_vars : 1) * D->n_waves, 1))) {
        rc = helby_error_set(err, HELBY_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < D->n_waves; i++) {
        helby_frame *f = NULL;
        if ((rc = load_wave(st, D, i, need, nn, &f, err)))
            goto done;
        if (f->n_rows != D->wave_rows[i])
            rc = helby_error_set(err, HELBY_ESTORE, "wave %ld changed while reading it",
                                 D->wave_ids[i]);
        if (!rc)
            rc = copy_wave(st, D, i, f, err);
        helby_frame_free(f);
        if (rc)
            goto done;
    }
done:
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
