/* weightapply.c — named weight sets over stored waves (analysis.h): the spec as canonical
 * text, one wave's margins (totals from the definition, levels from the wave's columns),
 * creating a set (compute, store, all waves in one transaction) and applying it to a
 * dataset's design (recomputed and checked bit for bit against the stored weights).
 *
 * Layer: above weight.c (the calibration itself), store and dataset.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"
#include "helby/analysis.h"

/* ---- The spec as canonical text ---- */

void helby_weight_setup_text(const helby_weight_setup *w, char *out, size_t n)
{
    size_t o =
        (size_t)snprintf(out, n, "method=%s;margins=", helby_weight_method_name(w->spec.method));
    for (size_t j = 0; j < w->n_margins && o < n; j++)
        o += (size_t)snprintf(out + o, n - o, "%s%s", j ? "," : "", w->names[j]);
    if (o < n)
        snprintf(out + o, n - o,
                 ";bounds=%.17g,%.17g;epsilon=%.17g;maxit=%d;trim=%.17g,%.17g;"
                 "strict=%d",
                 w->spec.lower, w->spec.upper, w->spec.epsilon, w->spec.maxit, w->spec.trim_lower,
                 w->spec.trim_upper, w->spec.trim_strict);
}

int helby_weight_setup_margins(helby_weight_setup *w, const char *list)
{
    w->n_margins = 0;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
        if (w->n_margins == HELBY_MAX_MARGINS || strlen(t) >= sizeof w->names[0])
            return -1;
        snprintf(w->names[w->n_margins++], sizeof w->names[0], "%s", t);
    }
    return w->n_margins ? 0 : -1;
}

int helby_weight_setup_parse(helby_weight_setup *w, const char *text)
{
    char method[32], margins[1024];
    helby_weight_spec_default(&w->spec);
    if (sscanf(text,
               "method=%31[^;];margins=%1023[^;];bounds=%lf,%lf;epsilon=%lf;maxit=%d;trim=%lf,%lf;"
               "strict=%d",
               method, margins, &w->spec.lower, &w->spec.upper, &w->spec.epsilon, &w->spec.maxit,
               &w->spec.trim_lower, &w->spec.trim_upper, &w->spec.trim_strict) != 9)
        return -1;
    if (!helby_weight_method_parse(method, &w->spec.method))
        return -1;
    return helby_weight_setup_margins(w, margins);
}

/* ---- One wave's margins: totals from the definition, levels from the wave's columns ---- */

typedef struct wave_margins {
    size_t n_margins;
    helby_margin m[HELBY_MAX_MARGINS];
    const char **names[HELBY_MAX_MARGINS];
    double *totals[HELBY_MAX_MARGINS];
    long *level[HELBY_MAX_MARGINS];
    char mname[HELBY_MAX_MARGINS][64];
} wave_margins;

static void wave_margins_free(wave_margins *M)
{
    for (size_t j = 0; j < M->n_margins; j++) {
        free(M->names[j]);
        free(M->totals[j]);
        free(M->level[j]);
    }
    memset(M, 0, sizeof *M);
}

typedef struct lvl {
    const char *name;
    long index;
} lvl;

static int lvl_cmp(const void *a, const void *b)
{
    return strcmp(((const lvl *)a)->name, ((const lvl *)b)->name);
}

static const helby_margins *margins_of_wave(const helby_survey *s, long wave)
{
    for (size_t i = 0; i < s->n_margins; i++)
        if (s->margins[i].wave == wave)
            return &s->margins[i];
    return NULL;
}

/* The margins' names in margins/W.csv, in file order, into w (when --margins is not given). */
static int all_margin_names(const helby_margins *mg, helby_weight_setup *w)
{
    w->n_margins = 0;
    for (size_t c = 0; c < mg->n_cells; c++) {
        size_t j = 0;
        while (j < w->n_margins && strcmp(w->names[j], mg->cells[c].variable))
            j++;
        if (j == w->n_margins) {
            if (w->n_margins == HELBY_MAX_MARGINS)
                return -1;
            snprintf(w->names[w->n_margins++], sizeof w->names[0], "%s", mg->cells[c].variable);
        }
    }
    return 0;
}

/* The wave's columns of a margin's variables; a derived variable of derived.csv is its
 * source's column recoded. */
static helby_status margin_columns(helby_store *st, const helby_survey *s, long wave,
                                   const char *const *comp, size_t nc, helby_frame **f,
                                   helby_error *err)
{
    const char *load[8];
    for (size_t c = 0; c < nc; c++) {
        const helby_derived *d = helby_survey_derived(s, comp[c]);
        load[c] = d ? s->vars[d->source].name : comp[c];
    }
    helby_status rc = helby_store_load_wave(st, s->id, wave, load, nc, f, err);
    for (size_t c = 0; !rc && c < nc; c++) {
        const helby_derived *d = helby_survey_derived(s, comp[c]);
        for (size_t r = 0; d && !(*f)->cols[c].is_text && r < (*f)->n_rows; r++)
            (*f)->cols[c].num[r] = helby_derived_value(s, d, (*f)->cols[c].num[r]);
    }
    return rc;
}

static int build_margin(helby_store *st, const helby_survey *s, long wave, const helby_margins *mg,
                        const char *name, size_t nrows, wave_margins *M, helby_error *err)
{
    size_t j = M->n_margins, L = 0;
    for (size_t c = 0; c < mg->n_cells; c++)
        L += !strcmp(mg->cells[c].variable, name);
    if (L == 0) {
        char have[512] = "";
        helby_weight_setup all;
        all_margin_names(mg, &all);
        for (size_t i = 0, o = 0; i < all.n_margins && o < sizeof have; i++)
            o += (size_t)snprintf(have + o, sizeof have - o, "%s%s", i ? ", " : "", all.names[i]);
        helby_error_set(err, HELBY_EINPUT, "margins/%ld.csv has no margin '%s' (it has: %s)", wave,
                        name, have);
        return 1;
    }
    M->names[j] = malloc(L * sizeof *M->names[j]);
    M->totals[j] = malloc(L * sizeof *M->totals[j]);
    M->level[j] = malloc((nrows ? nrows : 1) * sizeof *M->level[j]);
    lvl *sorted = malloc(L * sizeof *sorted);
    M->n_margins++;
    if (!M->names[j] || !M->totals[j] || !M->level[j] || !sorted) {
        free(sorted);
        helby_error_set(err, HELBY_ENOMEM, "out of memory");
        return 1;
    }
    for (size_t c = 0, l = 0; c < mg->n_cells; c++)
        if (!strcmp(mg->cells[c].variable, name)) {
            M->names[j][l] = mg->cells[c].level;
            M->totals[j][l] = mg->cells[c].total;
            sorted[l].name = mg->cells[c].level;
            sorted[l].index = (long)l;
            l++;
        }
    qsort(sorted, L, sizeof *sorted, lvl_cmp);
    /* The margin's variables: "sex*ageband" crosses sex and ageband. */
    const char *comp[8];
    char buf[64];
    size_t nc = 0;
    snprintf(buf, sizeof buf, "%s", name);
    for (char *t = strtok(buf, "*"); t && nc < 8; t = strtok(NULL, "*"))
        comp[nc++] = t;
    helby_frame *f = NULL;
    if (margin_columns(st, s, wave, comp, nc, &f, err)) {
        free(sorted);
        return 1;
    }
    int rc = 0;
    if (f->n_rows != nrows) {
        helby_error_set(err, HELBY_ESTORE, "wave %ld changed while reading it", wave);
        rc = 1;
    }
    size_t unknown = 0, first_unknown = 0;
    char key[256], first_key[256] = "";
    for (size_t r = 0; r < f->n_rows && !rc; r++) {
        size_t o = 0;
        int missing = 0;
        for (size_t c = 0; c < nc; c++) {
            double v = f->cols[c].is_text ? NAN : f->cols[c].num[r];
            missing |= isnan(v);
            o += (size_t)snprintf(key + o, sizeof key - o, "%s%.15g", c ? "*" : "", v);
        }
        lvl want = {key, 0}, *hit = NULL;
        if (!missing)
            hit = bsearch(&want, sorted, L, sizeof *sorted, lvl_cmp);
        M->level[j][r] = hit ? hit->index : -1;
        if (!hit && !missing && unknown++ == 0) {
            first_unknown = r;
            snprintf(first_key, sizeof first_key, "%s", key);
        }
    }
    if (!rc && unknown) {
        helby_error_set(err, HELBY_EINPUT,
                        "wave %ld: margin '%s': %zu respondent(s) have a level margins/%ld.csv "
                        "does not list (the first, row %zu, has '%s')",
                        wave, name, unknown, wave, first_unknown + 1, first_key);
        rc = 1;
    }
    snprintf(M->mname[j], sizeof M->mname[j], "%s", name);
    M->m[j].name = M->mname[j];
    M->m[j].n_levels = L;
    M->m[j].level_names = M->names[j];
    M->m[j].totals = M->totals[j];
    M->m[j].level = M->level[j];
    helby_frame_free(f);
    free(sorted);
    return rc;
}

static int wave_margins_build(helby_store *st, const helby_survey *s, long wave,
                              helby_weight_setup *w, size_t nrows, wave_margins *M,
                              helby_error *err)
{
    memset(M, 0, sizeof *M);
    const helby_margins *mg = margins_of_wave(s, wave);
    if (!mg) {
        helby_error_set(err, HELBY_EUSAGE,
                        "survey %s has no population totals for wave %ld: add margins/%ld.csv "
                        "to its definition",
                        s->id, wave, wave);
        return 1;
    }
    if (w->n_margins == 0 && all_margin_names(mg, w)) {
        helby_error_set(err, HELBY_EUSAGE, "too many margins (at most %d)", HELBY_MAX_MARGINS);
        return 1;
    }
    for (size_t j = 0; j < w->n_margins; j++)
        if (build_margin(st, s, wave, mg, w->names[j], nrows, M, err))
            return 1;
    return 0;
}

/* ---- Diagnostics ---- */

void helby_weight_diag_text(const helby_weight_diag *D, char *out, size_t n)
{
    size_t o = (size_t)snprintf(out, n,
                                "n=%zu\nsum_base=%.17g\nsum_weights=%.17g\nkish_n=%.17g\n"
                                "deff_w=%.17g\niterations=%d\nmax_discrepancy=%.17g\n"
                                "worst_cell=%s\ntotals_gap=%.17g\ntrimmed=%zu\n",
                                D->n, D->sum_base, D->sum_w, D->kish_n, D->deff_w, D->iterations,
                                D->max_discrepancy, D->worst_cell, D->totals_gap, D->n_trimmed);
    for (int i = 0; i < HELBY_WEIGHT_NQ && o < n; i++)
        o += (size_t)snprintf(out + o, n - o, "w_q%g=%.17g\n",
                              100 * helby_weight_quantile_points[i], D->w_q[i]);
    for (int i = 0; i < HELBY_WEIGHT_NQ && o < n; i++)
        o += (size_t)snprintf(out + o, n - o, "g_q%g=%.17g\n",
                              100 * helby_weight_quantile_points[i], D->g_q[i]);
    if (o < n)
        snprintf(out + o, n - o, "warning=%s\n", D->warning);
}

/* A value of the "key=value" diagnostics lines. */
const char *helby_weight_diag_get(const char *text, const char *key, char *out, size_t n)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > kl && !strncmp(p, key, kl) && p[kl] == '=') {
            snprintf(out, n, "%.*s", (int)(len - kl - 1), p + kl + 1);
            return out;
        }
        p = e ? e + 1 : NULL;
    }
    snprintf(out, n, "%s", "");
    return out;
}
/* ---- Creating a weight set ---- */

/* Prefix "wave W: " to a message that does not name its wave. */
static void name_wave(helby_error *err, long wave)
{
    if (!strncmp(err->message, "wave ", 5))
        return;
    char msg[sizeof err->message];
    int np = snprintf(msg, sizeof msg, "wave %ld: ", wave);
    snprintf(msg + np, sizeof msg - (size_t)np, "%.*s", (int)(sizeof msg) - np - 1, err->message);
    memcpy(err->message, msg, sizeof msg);
}

/* Compute and store one wave of the set into *info. */
static helby_status create_wave(helby_store *st, const helby_survey *s, const char *name,
                                const helby_weight_setup *setup, const helby_wave_info *wi,
                                int replace, helby_weight_set_info *info, helby_error *err)
{
    const char *base_name = s->vars[s->weight_var].name;
    helby_frame *f = NULL;
    if (helby_store_load_wave(st, s->id, wi->wave, &base_name, 1, &f, err))
        return err->code;
    wave_margins M;
    helby_weight_setup wv = *setup;
    helby_weighting *W = NULL;
    if (wave_margins_build(st, s, wi->wave, &wv, f->n_rows, &M, err) ||
        helby_weight_compute(&W, &wv.spec, f->n_rows, f->cols[0].num, M.m, M.n_margins, err)) {
        name_wave(err, wi->wave);
        wave_margins_free(&M);
        helby_frame_free(f);
        return err->code ? err->code : HELBY_EINPUT;
    }
    memset(info, 0, sizeof *info);
    snprintf(info->name, sizeof info->name, "%s", name);
    info->wave = wi->wave;
    helby_weight_setup_text(&wv, info->spec, sizeof info->spec);
    snprintf(info->input_sha256, sizeof info->input_sha256, "%s", wi->sha256);
    info->n = (int64_t)f->n_rows;
    helby_weight_diag_text(helby_weighting_diag(W), info->diagnostics, sizeof info->diagnostics);
    helby_status r = helby_store_put_weights(st, s, info, helby_weighting_weights(W), replace, err);
    helby_weighting_free(W);
    wave_margins_free(&M);
    helby_frame_free(f);
    return r;
}

/* One weight set, one spec: waves added later must be weighted the same way. */
static helby_status same_spec(helby_store *st, const helby_survey *s, const char *name,
                              const char *spec, helby_error *err)
{
    helby_weight_set_info *all = NULL;
    size_t na = 0;
    if (helby_store_list_weights(st, s->id, &all, &na, err))
        return err->code;
    for (size_t k = 0; k < na; k++)
        if (!strcmp(all[k].name, name) && strcmp(all[k].spec, spec)) {
            helby_error_set(err, HELBY_EEXISTS,
                            "weight set '%s' has wave %ld made with another spec (%s); a weight "
                            "set is one method over its waves: use another name, or --replace "
                            "all its waves",
                            name, all[k].wave, all[k].spec);
            free(all);
            return HELBY_EEXISTS;
        }
    free(all);
    return HELBY_OK;
}

helby_status helby_weight_set_create(helby_store *st, const helby_survey *s, const char *name,
                                     const helby_weight_setup *setup, const long *waves,
                                     size_t n_waves, int replace, helby_weight_set_info **out,
                                     size_t *n_info, helby_error *err)
{
    helby_wave_info *wi = NULL;
    helby_weight_set_info *info = NULL;
    size_t nw = 0, done = 0;
    *out = NULL;
    *n_info = 0;
    if (helby_store_list_waves(st, s->id, &wi, &nw, err))
        return err->code;
    if (!(info = calloc(nw ? nw : 1, sizeof *info))) {
        free(wi);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    if (helby_store_begin(st, err)) {
        free(info);
        free(wi);
        return err->code;
    }
    helby_status rc = HELBY_OK;
    for (size_t i = 0; i < nw && !rc; i++) {
        int want = !waves || !n_waves;
        for (size_t k = 0; k < n_waves && waves; k++)
            want |= waves[k] == wi[i].wave;
        if (want)
            rc = create_wave(st, s, name, setup, &wi[i], replace, &info[done++], err);
    }
    if (!rc && done == 0)
        rc = helby_error_set(err, HELBY_ENOTFOUND,
                             "no stored wave of survey %s matches the "
                             "waves asked",
                             s->id);
    if (!rc)
        rc = same_spec(st, s, name, info[0].spec, err);
    if (!rc && helby_store_commit(st, err))
        rc = err->code;
    if (rc) {
        helby_store_rollback(st);
        free(info);
    } else {
        *out = info;
        *n_info = done;
    }
    free(wi);
    return rc;
}

/* ---- Applying a weight set to a dataset ---- */

/* The SHA-256 pinned for `wave` in "2011=SHA,2012=SHA" into sha (65); 0 when none. */
static int pin_of(const char *pins, long wave, char sha[65])
{
    for (const char *p = pins; *p;) {
        char *end;
        long w = strtol(p, &end, 10);
        if (*end != '=' || strspn(end + 1, "0123456789abcdef") != 64)
            return 0;
        if (w == wave) {
            memcpy(sha, end + 1, 64);
            sha[64] = '\0';
            return 1;
        }
        p = end + 65;
        p += *p == ',';
    }
    return 0;
}

void helby_weights_pin(const char *name, long long run, char *out, size_t n)
{
    char buf[256];
    int len = snprintf(buf, sizeof buf, "%s@run:%lld", name, run);
    if (len > 0 && (size_t)len < n && (size_t)len < sizeof buf)
        memcpy(out, buf, (size_t)len + 1);
    else if (out != name)
        snprintf(out, n, "%s", name);
}

/* "NAME@run:N" resolved to "NAME@2011=SHA,..." from run N's inputs (malloc'ed into *out);
 * any other name is copied. */
static helby_status resolve_pin(helby_store *st, const char *name, char **out, helby_error *err)
{
    const char *at = strstr(name, "@run:");
    helby_run_info run;
    if (at && helby_store_get_run(st, strtoll(at + 5, NULL, 10), &run, NULL, NULL, err))
        return err->code;
    size_t room = strlen(name) + (at ? strlen(run.inputs) : 0) + 1;
    if (!(*out = malloc(room)))
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    if (!at) {
        memcpy(*out, name, room);
        return HELBY_OK;
    }
    size_t o = (size_t)snprintf(*out, room, "%.*s", (int)(at - name), name);
    char sep = '@';
    for (const char *p = run.inputs; (p = strstr(p, ";weights/")); p += 9) {
        const char *eq = strchr(p + 9, '=');
        if (!eq || strspn(eq + 1, "0123456789abcdef") < 64 || o >= room)
            break;
        o += (size_t)snprintf(*out + o, room - o, "%c%.*s=%.64s", sep, (int)(eq - p - 9), p + 9,
                              eq + 1);
        sep = ',';
    }
    return HELBY_OK;
}

/* Wave i of D: recompute its weights from the stored spec, check them against the stored
 * hash, and record the part for re-calibrating replicates. */
static helby_status apply_wave(helby_store *st, const helby_dataset *D, const char *name, size_t i,
                               wave_margins *M, helby_weighting **W, helby_weight_setup *w,
                               char hash[65], helby_error *err)
{
    const helby_survey *s = D->survey;
    long wave = D->wave_ids[i];
    helby_weight_set_info info;
    memset(w, 0, sizeof *w);
    /* "NAME@2011=SHA,...": the versions a run used (helby_weights_pin), else the current. */
    char base[64], pinned[65];
    const char *at = strchr(name, '@');
    snprintf(base, sizeof base, "%.*s", at ? (int)(at - name) : (int)strlen(name), name);
    if (at && pin_of(at + 1, wave, pinned)) {
        if (helby_store_get_weights_by_hash(st, s->id, base, wave, pinned, &info, NULL, err))
            return err->code;
    } else if (helby_store_get_weights(st, s->id, base, wave, &info, NULL, err)) {
        return err->code;
    }
    name = base;
    if (helby_weight_setup_parse(w, info.spec))
        return helby_error_set(err, HELBY_ESTORE,
                               "weight set '%s' has a spec this helby cannot read: %s", name,
                               info.spec);
    if (wave_margins_build(st, s, wave, w, D->wave_rows[i], M, err) ||
        helby_weight_compute(W, &w->spec, D->wave_rows[i], D->w + D->wave_first[i], M->m,
                             M->n_margins, err))
        return err->code ? err->code : HELBY_EINPUT;
    /* The stored weights must be what the spec gives from the data as it is now. */
    helby_weights_hash(helby_weighting_weights(*W), D->wave_rows[i], hash);
    if (strcmp(hash, info.weights_sha256))
        return helby_error_set(err, HELBY_EINPUT,
                               "weight set '%s', wave %ld: recomputed weights differ from the "
                               "stored ones (the wave, the margins or the engine changed since "
                               "it was made): run `helby weight create --name %s --replace`",
                               name, wave, name);
    return HELBY_OK;
}

struct helby_wave_weights {
    size_t n;
    wave_margins *M;
    helby_weighting **W;
    helby_weight_setup first;
};

void helby_wave_weights_free(helby_wave_weights *ww)
{
    if (!ww)
        return;
    for (size_t i = 0; ww->M && ww->W && i < ww->n; i++) {
        wave_margins_free(&ww->M[i]);
        helby_weighting_free(ww->W[i]);
    }
    free(ww->M);
    free(ww->W);
    free(ww);
}

helby_status helby_wave_weights_prepare(helby_store *st, const helby_dataset *D, const char *name,
                                        helby_wave_weights **out, char *inputs, size_t n_inputs,
                                        helby_error *err)
{
    const size_t nw = D->n_waves;
    helby_wave_weights *ww = calloc(1, sizeof *ww);
    *out = NULL;
    if (!ww || !(ww->M = calloc(nw ? nw : 1, sizeof *ww->M)) ||
        !(ww->W = calloc(nw ? nw : 1, sizeof *ww->W))) {
        helby_wave_weights_free(ww);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    ww->n = nw;
    char *pinned = NULL;
    if (resolve_pin(st, name, &pinned, err)) {
        helby_wave_weights_free(ww);
        return err->code;
    }
    for (size_t i = 0; i < nw; i++) {
        char h[65];
        helby_weight_setup w;
        helby_status rc = apply_wave(st, D, pinned, i, &ww->M[i], &ww->W[i], &w, h, err);
        if (!rc && i > 0 && memcmp(&w.spec, &ww->first.spec, sizeof w.spec))
            rc = helby_error_set(err, HELBY_ESTORE, "weight set '%s' mixes specs across waves",
                                 name);
        if (rc) {
            free(pinned);
            helby_wave_weights_free(ww);
            return rc;
        }
        if (i == 0)
            ww->first = w;
        size_t o = strlen(inputs);
        if (o < n_inputs)
            snprintf(inputs + o, n_inputs - o, ";weights/%ld=%s", D->wave_ids[i], h);
    }
    free(pinned);
    *out = ww;
    return HELBY_OK;
}

helby_status helby_wave_weights_apply(const helby_wave_weights *ww, const helby_dataset *D,
                                      size_t wave, helby_design *d, helby_replicates **rep,
                                      helby_error *err)
{
    size_t lo = wave == (size_t)-1 ? 0 : wave, hi = wave == (size_t)-1 ? ww->n : wave + 1;
    size_t np = hi - lo;
    size_t *first = calloc(np ? np : 1, sizeof *first);
    helby_weight_part *parts = calloc(np ? np : 1, sizeof *parts);
    if (!first || !parts) {
        free(first), free(parts);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    /* Rows of a single wave's design start at 0; of the stacked design, at the wave's first. */
    for (size_t i = lo; i < hi; i++) {
        first[i - lo] = wave == (size_t)-1 ? D->wave_first[i] : 0;
        parts[i - lo].first = first[i - lo];
        parts[i - lo].n = D->wave_rows[i];
        parts[i - lo].margins = ww->M[i].m;
        parts[i - lo].n_margins = ww->M[i].n_margins;
    }
    helby_status rc = HELBY_OK;
    if (helby_design_calibrate(d, (const helby_weighting *const *)ww->W + lo, first, np, err))
        rc = err->code;
    if (!rc && rep && *rep) {
        helby_replicates *r2 = NULL;
        if (helby_replicates_calibrate(&r2, *rep, &ww->first.spec, parts, np, err))
            rc = err->code;
        else {
            helby_replicates_free(*rep);
            *rep = r2;
        }
    }
    free(first);
    free(parts);
    return rc;
}

helby_status helby_dataset_apply_weights(helby_store *st, const helby_dataset *D, const char *name,
                                         helby_design *d, helby_replicates **rep, char *inputs,
                                         size_t n_inputs, helby_error *err)
{
    helby_wave_weights *ww = NULL;
    helby_status rc = helby_wave_weights_prepare(st, D, name, &ww, inputs, n_inputs, err);
    if (!rc)
        rc = helby_wave_weights_apply(ww, D, (size_t)-1, d, rep, err);
    helby_wave_weights_free(ww);
    return rc;
}
