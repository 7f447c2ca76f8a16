/* export.c — respondent-level tables out of the store (helby/export.h): the weights of weight
 * sets, and the scored data.
 *
 * Layer: above store, survey, dataset and measure; export_write.c writes the tables. The
 * weights exported are the stored ones, bit for bit (not recomputed), and a weight set whose
 * wave was re-imported since it was made is refused, so a row never pairs a respondent with
 * another respondent's weight. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/analysis.h"
#include "helby/export.h"

static const helby_value_label group_labels_en[] = {{0, "Ethnic Danes"}, {1, "Ethnic minorities"}};
static const helby_value_label group_labels_da[] = {{0, "Etniske danskere"},
                                                    {1, "Etniske minoriteter"}};

void helby_export_table_free(helby_export_table *t)
{
    if (!t)
        return;
    for (size_t c = 0; c < t->n_cols; c++) {
        helby_export_column *k = &t->cols[c];
        free(k->name), free(k->label), free(k->num);
        for (size_t r = 0; k->text && r < t->n_rows; r++)
            free(k->text[r]);
        free(k->text);
    }
    free(t->cols);
    free(t);
}

/* A new column of t (values NaN, texts NULL until set); NULL when out of memory. Names are
 * made valid for SPSS and Stata: letters, digits and '_', not starting with a digit. */
static helby_export_column *add_col(helby_export_table *t, const char *name, const char *label,
                                    int is_text)
{
    if (t->n_cols == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        helby_export_column *p = realloc(t->cols, cap * sizeof *p);
        if (!p)
            return NULL;
        t->cols = p, t->cap = cap;
    }
    helby_export_column *k = &t->cols[t->n_cols];
    memset(k, 0, sizeof *k);
    size_t n = t->n_rows ? t->n_rows : 1;
    k->is_text = is_text;
    k->name = malloc(strlen(name) + 2);
    k->label = label ? strdup(label) : NULL;
    if (is_text)
        k->text = calloc(n, sizeof *k->text);
    else
        k->num = malloc(n * sizeof *k->num);
    if (!k->name || (label && !k->label) || (is_text ? !k->text : !k->num)) {
        free(k->name), free(k->label), free(k->text), free(k->num);
        return NULL;
    }
    char *o = k->name;
    if (*name >= '0' && *name <= '9')
        *o++ = '_';
    for (const char *p = name; *p; p++)
        *o++ = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
                   ? *p
                   : '_';
    *o = '\0';
    for (size_t r = 0; !is_text && r < t->n_rows; r++)
        k->num[r] = NAN;
    t->n_cols++;
    return k;
}

static helby_export_table *new_table(size_t n_rows)
{
    helby_export_table *t = calloc(1, sizeof *t);
    if (t)
        t->n_rows = n_rows;
    return t;
}

static helby_status nomem(helby_error *err)
{
    return helby_error_set(err, HELBY_ENOMEM, "out of memory");
}

/* The SHA-256 of the file stored as wave `wave` now, into sha (65); ENOTFOUND if none. */
static helby_status wave_sha(const helby_wave_info *wi, size_t n, long wave, char *sha,
                             const char *what, helby_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (wi[i].wave == wave) {
            memcpy(sha, wi[i].sha256, 65);
            return HELBY_OK;
        }
    return helby_error_set(err, HELBY_ENOTFOUND, "%s: wave %ld is no longer in the store", what,
                           wave);
}

/* Rows [first, first + n) of t from one stored wave of weight set info. */
static helby_status weight_rows(helby_store *st, const helby_survey *s,
                                const helby_weight_set_info *info, helby_export_table *t,
                                size_t first, helby_error *err)
{
    const char *vars[2] = {s->vars[s->id_var].name, s->vars[s->weight_var].name};
    helby_frame *f = NULL;
    double *w = NULL;
    helby_weight_set_info got;
    helby_status rc = helby_store_get_weights(st, s->id, info->name, info->wave, &got, &w, err);
    if (!rc)
        rc = helby_store_load_wave(st, s->id, info->wave, vars, 2, &f, err);
    if (!rc && f->n_rows != (size_t)got.n)
        rc = helby_error_set(err, HELBY_EINPUT,
                             "weight set '%s' has %lld weights for wave %ld "
                             "of %zu respondents",
                             info->name, (long long)got.n, info->wave, f->n_rows);
    for (size_t r = 0; !rc && r < f->n_rows; r++) {
        size_t o = first + r;
        t->cols[0].text[o] = strdup(info->name);
        t->cols[1].text[o] = strdup(f->cols[0].text[r]);
        if (!t->cols[0].text[o] || !t->cols[1].text[o])
            rc = nomem(err);
        t->cols[2].num[o] = (double)info->wave;
        t->cols[3].num[o] = f->cols[1].num[r];
        t->cols[4].num[o] = w[r];
        t->cols[5].num[o] = w[r] / f->cols[1].num[r];
    }
    helby_frame_free(f);
    free(w);
    return rc;
}

static helby_status check_input(const helby_weight_set_info *info, const helby_wave_info *wi,
                                size_t nwi, helby_error *err)
{
    char sha[65];
    if (wave_sha(wi, nwi, info->wave, sha, info->name, err))
        return err->code;
    if (strcmp(sha, info->input_sha256))
        return helby_error_set(err, HELBY_EINPUT,
                               "weight set '%s': wave %ld was re-imported since the weights "
                               "were made (recompute them with `helby weight create --replace`)",
                               info->name, info->wave);
    return HELBY_OK;
}

helby_status helby_export_weights(helby_store *st, const helby_survey *s, const char *name,
                                  helby_export_table **out, helby_error *err)
{
    *out = NULL;
    helby_weight_set_info *all = NULL;
    helby_wave_info *wi = NULL;
    size_t n_all = 0, nwi = 0, n_rows = 0, kept = 0;
    helby_export_table *t = NULL;
    helby_status rc = helby_store_list_weights(st, s->id, &all, &n_all, err);
    if (!rc)
        rc = helby_store_list_waves(st, s->id, &wi, &nwi, err);
    for (size_t i = 0; !rc && i < n_all; i++)
        if (!name || !strcmp(all[i].name, name)) {
            all[kept++] = all[i];
            n_rows += (size_t)all[i].n;
            rc = check_input(&all[kept - 1], wi, nwi, err);
        }
    if (!rc && kept == 0)
        rc = name ? helby_error_set(err, HELBY_ENOTFOUND,
                                    "survey %s has no weight set '%s' "
                                    "(see `helby weight list`)",
                                    s->id, name)
                  : helby_error_set(err, HELBY_ENOTFOUND, "survey %s has no weight sets", s->id);
    if (!rc && !(t = new_table(n_rows)))
        rc = nomem(err);
    if (!rc &&
        (!add_col(t, "weight_set", "Weight set", 1) ||
         !add_col(t, "id", s->vars[s->id_var].label_en, 1) || !add_col(t, "wave", "Wave", 0) ||
         !add_col(t, "base_weight", "Base (design) weight", 0) ||
         !add_col(t, "final_weight", "Final weight of the weight set", 0) ||
         !add_col(t, "g_weight", "g-weight: final / base weight", 0)))
        rc = nomem(err);
    if (!rc)
        snprintf(t->file_label, sizeof t->file_label, "helby weights of survey %s", s->id);
    for (size_t i = 0, first = 0; !rc && i < kept; first += (size_t)all[i++].n)
        rc = weight_rows(st, s, &all[i], t, first, err);
    free(all);
    free(wi);
    if (rc) {
        helby_export_table_free(t);
        return rc;
    }
    *out = t;
    return HELBY_OK;
}

/* ---- Scored data ---- */

static const char *var_label(const helby_variable *v, const char *lang)
{
    return !strcmp(lang, "da") ? v->label_da : v->label_en;
}

/* The id, stratum and PSU labels of every wave (text columns) into t's columns c_id.. */
static helby_status text_cols(helby_store *st, const helby_dataset *D, helby_export_table *t,
                              const size_t *vars, const size_t *cols, size_t n, helby_error *err)
{
    const helby_survey *s = D->survey;
    const char *names[3];
    for (size_t j = 0; j < n; j++)
        names[j] = s->vars[vars[j]].name;
    for (size_t i = 0; i < D->n_waves; i++) {
        helby_frame *f = NULL;
        if (helby_store_load_wave(st, s->id, D->wave_ids[i], names, n, &f, err))
            return err->code;
        helby_status rc = f->n_rows == D->wave_rows[i] ? HELBY_OK
                                                       : helby_error_set(err, HELBY_ESTORE,
                                                                         "wave %ld changed while "
                                                                         "reading it",
                                                                         D->wave_ids[i]);
        for (size_t j = 0; !rc && j < n; j++)
            for (size_t r = 0; !rc && r < f->n_rows; r++)
                if (!(t->cols[cols[j]].text[D->wave_first[i] + r] = strdup(f->cols[j].text[r])))
                    rc = nomem(err);
        helby_frame_free(f);
        if (rc)
            return rc;
    }
    return HELBY_OK;
}

/* One column per survey variable of the given roles, as stored (text ones filled later). */
static helby_status var_cols(const helby_dataset *D, helby_export_table *t, const char *lang,
                             helby_role role, size_t *text_vars, size_t *text_cols, size_t *n_text,
                             helby_error *err)
{
    const helby_survey *s = D->survey;
    for (size_t v = 0; v < s->n_vars; v++) {
        const helby_variable *var = &s->vars[v];
        if (var->role != role)
            continue;
        int text = var->type == HELBY_TYPE_TEXT;
        helby_export_column *k = add_col(t, var->name, var_label(var, lang), text);
        if (!k)
            return nomem(err);
        if (text) {
            if (*n_text < 3)
                text_vars[*n_text] = v, text_cols[(*n_text)++] = t->n_cols - 1;
            continue;
        }
        const double *x = helby_dataset_col(D, var->name);
        if (x)
            memcpy(k->num, x, D->n * sizeof *x);
        int en = var->n_labels_en && strcmp(lang, "da");
        if (var->type == HELBY_TYPE_CODE) {
            k->labels = en ? var->labels_en : var->labels,
            k->n_labels = en ? var->n_labels_en : var->n_labels;
            k->missing = var->missing, k->n_missing = var->n_missing;
        }
    }
    return HELBY_OK;
}

/* Shares, dimension and index scores per respondent (helby_measure_values). */
static helby_status measure_cols(const helby_dataset *D, helby_export_table *t, const char *lang,
                                 helby_error *err)
{
    const helby_survey *s = D->survey;
    int da = !strcmp(lang, "da");
    for (size_t i = 0; i < s->n_shares; i++) {
        const helby_share *sh = &s->shares[i];
        helby_export_column *k = add_col(t, sh->name, da ? sh->label_da : sh->label_en, 0);
        if (!k || helby_measure_values(D, sh->name, k->num, err))
            return k ? err->code : nomem(err);
    }
    for (size_t i = 0; i < s->n_indices; i++) {
        const helby_index *ix = &s->indices[i];
        for (size_t d = 0; d < ix->n_dims; d++) {
            const helby_dimension *dm = &ix->dims[d];
            helby_export_column *k = add_col(t, dm->name, da ? dm->label_da : dm->label_en, 0);
            if (!k || helby_measure_values(D, dm->name, k->num, err))
                return k ? err->code : nomem(err);
        }
        helby_export_column *k = add_col(t, ix->name, da ? ix->label_da : ix->label_en, 0);
        if (!k || helby_measure_values(D, ix->name, k->num, err))
            return k ? err->code : nomem(err);
    }
    return HELBY_OK;
}

/* The stored final weights of weight set `name` for D's waves. */
static helby_status final_weights(helby_store *st, const helby_dataset *D, const char *name,
                                  double *out, helby_error *err)
{
    for (size_t i = 0; i < D->n_waves; i++) {
        helby_weight_set_info info;
        double *w = NULL;
        if (helby_store_get_weights(st, D->survey->id, name, D->wave_ids[i], &info, &w, err))
            return err->code;
        helby_status rc = HELBY_OK;
        if (strcmp(info.input_sha256, D->wave_sha256[i]) || (size_t)info.n != D->wave_rows[i])
            rc = helby_error_set(err, HELBY_EINPUT,
                                 "weight set '%s': wave %ld was re-imported since the weights "
                                 "were made (recompute them with `helby weight create "
                                 "--replace`)",
                                 name, D->wave_ids[i]);
        else
            memcpy(out + D->wave_first[i], w, D->wave_rows[i] * sizeof *w);
        free(w);
        if (rc)
            return rc;
    }
    return HELBY_OK;
}

/* The design and group columns: wave, stratum, psu, fpc, base_weight, group. */
static helby_status design_cols(const helby_dataset *D, helby_export_table *t, int da,
                                size_t *text_vars, size_t *text_cols, size_t *n_text,
                                helby_error *err)
{
    static const helby_role roles[] = {HELBY_ROLE_ID,   HELBY_ROLE_WAVE, HELBY_ROLE_STRATUM,
                                       HELBY_ROLE_PSU,  HELBY_ROLE_FPC,  HELBY_ROLE_WEIGHT,
                                       HELBY_ROLE_GROUP};
    const char *lang = da ? "da" : "en";
    for (size_t r = 0; r < sizeof roles / sizeof roles[0]; r++)
        if (var_cols(D, t, lang, roles[r], text_vars, text_cols, n_text, err))
            return err->code;
    helby_export_column *g = add_col(
        t, "group",
        da ? "Etniske danskere (0) / minoriteter (1)" : "Ethnic Danes (0) / minorities (1)", 0);
    if (!g)
        return nomem(err);
    const double *gc = D->survey->group_var != HELBY_NO_VAR
                           ? helby_dataset_col(D, D->survey->vars[D->survey->group_var].name)
                           : NULL;
    for (size_t r = 0; gc && r < D->n; r++) {
        int grp = helby_survey_group_of(D->survey, gc[r]);
        g->num[r] = grp < 0 ? NAN : grp;
    }
    g->labels = da ? group_labels_da : group_labels_en, g->n_labels = 2;
    return HELBY_OK;
}

static helby_status scored_table(helby_store *st, const helby_dataset *D, const char *weights,
                                 const char *lang, helby_export_table *t, helby_error *err)
{
    size_t tv[3], tc[3], nt = 0;
    static const helby_role rest[] = {HELBY_ROLE_DISTRICT, HELBY_ROLE_COVARIATE, HELBY_ROLE_ITEM};
    int da = !strcmp(lang, "da");
    if (design_cols(D, t, da, tv, tc, &nt, err))
        return err->code;
    for (size_t r = 0; r < sizeof rest / sizeof rest[0]; r++)
        if (var_cols(D, t, lang, rest[r], tv, tc, &nt, err))
            return err->code;
    if (measure_cols(D, t, lang, err) || text_cols(st, D, t, tv, tc, nt, err))
        return err->code;
    if (weights && strcmp(weights, "base")) {
        char label[128];
        snprintf(label, sizeof label, "%s '%s'",
                 da ? "Endelig vægt, vægtsæt" : "Final weight of weight set", weights);
        helby_export_column *k = add_col(t, "final_weight", label, 0);
        if (!k)
            return nomem(err);
        if (final_weights(st, D, weights, k->num, err))
            return err->code;
    }
    snprintf(t->file_label, sizeof t->file_label, "helby: %s, scored (weights %s)", D->survey->id,
             weights ? weights : "base");
    return HELBY_OK;
}

helby_status helby_export_scored(helby_store *st, const helby_survey *s, const char *weights,
                                 const char *lang, helby_export_table **out, helby_error *err)
{
    *out = NULL;
    const char **load = malloc((s->n_vars ? s->n_vars : 1) * sizeof *load);
    if (!load)
        return nomem(err);
    size_t n_load = 0;
    for (size_t v = 0; v < s->n_vars; v++)
        if (s->vars[v].type != HELBY_TYPE_TEXT)
            load[n_load++] = s->vars[v].name;
    helby_dataset *D = NULL;
    helby_export_table *t = NULL;
    helby_status rc = helby_dataset_open(&D, st, s, NULL, 0, load, n_load, err);
    free(load);
    if (!rc && !(t = new_table(D->n)))
        rc = nomem(err);
    if (!rc)
        rc = scored_table(st, D, weights, lang ? lang : s->language ? s->language : "da", t, err);
    helby_dataset_free(D);
    if (rc) {
        helby_export_table_free(t);
        return rc;
    }
    *out = t;
    return HELBY_OK;
}
