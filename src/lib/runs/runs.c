/* runs.c — runs as library calls (analysis.h): making a run with its provenance, rerunning
 * one to prove it bit for bit, and comparing two. Their options and options text:
 * runoptions.c.
 *
 * Layer: above runcompute.c, runoptions.c and the store's runs (run.c). Prints nothing: a
 * rerun or a diff returns what changed and which rows moved, and the caller words it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/analysis.h"
#include "helby/csv.h"
#include "runs/run_internal.h"

helby_status helby_run_create(helby_store *st, const char *survey, const helby_run_options *o,
                              helby_run_info *info, size_t *n_rows, helby_error *err)
{
    memset(info, 0, sizeof *info);
    *n_rows = 0;
    helby_survey *s = NULL;
    helby_run_row *rows = NULL;
    helby_status r = helby_store_get_survey(st, survey, &s, err);
    if (!r)
        r = helby_run_compute(st, s, o, &rows, n_rows, info->inputs, sizeof info->inputs, err);
    if (!r) {
        snprintf(info->engine, sizeof info->engine, "%s", helby_version());
        helby_run_options_text(o, info->options, sizeof info->options);
        info->seed = o->seed;
        r = helby_store_add_run(st, s, info, rows, *n_rows, err);
    }
    free(rows);
    helby_survey_free(s);
    return r;
}

/* Entry i of an inputs text "k=v;k=v": key and value into k and v; 0 when there is none. */
static int input_at(const char *text, size_t i, char *k, size_t nk, char *v, size_t nv)
{
    const char *p = text;
    for (size_t j = 0; j < i && p; j++) {
        p = strchr(p, ';');
        p = p ? p + 1 : NULL;
    }
    if (!p || !*p)
        return 0;
    size_t len = strcspn(p, ";");
    const char *eq = memchr(p, '=', len);
    size_t kl = eq ? (size_t)(eq - p) : len;
    snprintf(k, nk, "%.*s", (int)kl, p);
    snprintf(v, nv, "%.*s", eq ? (int)(len - kl - 1) : 0, eq ? eq + 1 : "");
    return 1;
}

/* The value of key in an inputs text into v; 0 when the key is absent. */
static int input_get(const char *text, const char *key, char *v, size_t nv)
{
    char k[64];
    for (size_t i = 0; input_at(text, i, k, sizeof k, v, nv); i++)
        if (!strcmp(k, key))
            return 1;
    return 0;
}

static helby_input_change *push_change(helby_input_change **out, size_t *n, helby_error *err)
{
    helby_input_change *p = realloc(*out, (*n + 1) * sizeof *p);
    if (!p) {
        helby_error_set(err, HELBY_ENOMEM, "out of memory");
        return NULL;
    }
    *out = p;
    memset(&p[*n], 0, sizeof *p);
    return &p[(*n)++];
}

helby_status helby_inputs_diff(const char *a, const char *b, helby_input_change **out, size_t *n,
                               helby_error *err)
{
    *out = NULL;
    *n = 0;
    char k[64], va[128], vb[128];
    for (int side = 0; side < 2; side++) {
        const char *x = side ? b : a, *y = side ? a : b;
        for (size_t i = 0; input_at(x, i, k, sizeof k, va, sizeof va); i++) {
            int in_y = input_get(y, k, vb, sizeof vb);
            if (in_y && (side || !strcmp(va, vb)))
                continue;
            helby_input_change *c = push_change(out, n, err);
            if (!c) {
                free(*out);
                *out = NULL;
                *n = 0;
                return HELBY_ENOMEM;
            }
            snprintf(c->key, sizeof c->key, "%s", k);
            snprintf(side ? c->b : c->a, sizeof c->a, "%.64s", va);
            if (in_y)
                snprintf(c->b, sizeof c->b, "%.64s", vb);
        }
    }
    return HELBY_OK;
}

static int same_num(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static int same_row(const helby_run_row *x, const helby_run_row *y)
{
    return same_num(x->estimate, y->estimate) && same_num(x->se, y->se) &&
           same_num(x->ci_low, y->ci_low) && same_num(x->ci_high, y->ci_high) &&
           !strcmp(x->flag, y->flag);
}

helby_status helby_run_rows_diff(const helby_run_row *a, size_t na, const helby_run_row *b,
                                 size_t nb, helby_row_move **out, size_t *n, helby_error *err)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    for (size_t i = 0; i < na; i++) {
        size_t j = 0;
        /* Runs of one survey hold their rows in the same order: look there first. */
        if (!(i < nb && !strcmp(a[i].measure, b[i].measure) && !strcmp(a[i].domain, b[i].domain))) {
            while (j < nb &&
                   (strcmp(a[i].measure, b[j].measure) || strcmp(a[i].domain, b[j].domain)))
                j++;
        } else {
            j = i;
        }
        if (j < nb && same_row(&a[i], &b[j]))
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            helby_row_move *p = realloc(*out, cap * sizeof *p);
            if (!p) {
                free(*out);
                *out = NULL;
                *n = 0;
                return helby_error_set(err, HELBY_ENOMEM, "out of memory");
            }
            *out = p;
        }
        (*out)[(*n)++] = (helby_row_move){i, j < nb ? j : HELBY_RUN_NO_ROW};
    }
    return HELBY_OK;
}

void helby_rerun_result_free(helby_rerun_result *r)
{
    if (!r)
        return;
    free(r->inputs), free(r->stored), free(r->rows), free(r->moved);
    memset(r, 0, sizeof *r);
}

/* 1 if the run used the definition's file `name`: a wave's margins only when weighted and
 * the wave is one of the run's inputs, sensitivity.csv only with --sensitivity, every other
 * file always. */
static int run_used_file(const helby_rerun_result *r, const char *name)
{
    if (!strcmp(name, "sensitivity.csv"))
        return r->options.sensitivity > 0;
    if (strncmp(name, "margins/", 8))
        return 1;
    if (!strcmp(r->options.weights, "base"))
        return 0;
    char key[160];
    snprintf(key, sizeof key, "%s", name + 8);
    char *dot = strrchr(key, '.');
    if (dot)
        *dot = '\0';
    size_t kl = strlen(key);
    for (const char *p = r->run.inputs; *p;) {
        size_t n = strcspn(p, ";");
        if (n > kl && !strncmp(p, key, kl) && p[kl] == '=')
            return 1;
        p += n + (p[n] == ';');
    }
    return 0;
}

/* The current definition s differs from the run's: which files, which of them the run used,
 * and, when it used none and the store keeps the run's own definition, that one in *s. */
static helby_status rerun_definition(helby_store *st, helby_rerun_result *out, helby_survey **s,
                                     helby_error *err)
{
    helby_survey *own = NULL;
    helby_error e;
    helby_status r = helby_store_get_definition(st, out->run.def_hash, &own, &e);
    if (r == HELBY_ENOTFOUND)
        return HELBY_OK;
    if (r)
        return *err = e, r;
    out->definition_stored = 1;
    char names[32][256], what[32];
    size_t n = helby_survey_changed_files(own, *s, names, what, 32);
    size_t oc = 0, ou = 0;
    for (size_t i = 0; i < n && i < 32; i++) {
        const char *how = what[i] == '+' ? "added" : what[i] == '-' ? "removed" : "changed";
        if (oc < sizeof out->definition_changes)
            oc +=
                (size_t)snprintf(out->definition_changes + oc, sizeof out->definition_changes - oc,
                                 "%s%s %s", i ? "; " : "", names[i], how);
        if (run_used_file(out, names[i]) && ou < sizeof out->definition_used)
            ou += (size_t)snprintf(out->definition_used + ou, sizeof out->definition_used - ou,
                                   "%s%s", ou ? ", " : "", names[i]);
    }
    if (n > 32 && oc < sizeof out->definition_changes)
        snprintf(out->definition_changes + oc, sizeof out->definition_changes - oc,
                 "; and %zu more", n - 32);
    if (n > 32 && !ou)
        snprintf(out->definition_used, sizeof out->definition_used, "(more files than listed)");
    if (ou || n > 32) {
        helby_survey_free(own);
        return HELBY_OK;
    }
    helby_survey_free(*s);
    *s = own;
    out->definition_own = 1;
    return HELBY_OK;
}

/* The stored run, its options and what changed since in its input files and definition. */
static helby_status rerun_inputs(helby_store *st, int64_t id, helby_rerun_result *out,
                                 helby_survey **s, helby_error *err)
{
    helby_status r = helby_store_get_run(st, id, &out->run, &out->stored, &out->n_stored, err);
    if (r)
        return r;
    helby_run_options_default(&out->options);
    if (helby_run_options_parse(&out->options, out->run.options))
        return helby_error_set(err, HELBY_ESTORE, "run %lld has options this helby cannot read: %s",
                               (long long)id, out->run.options);
    out->options.seed = out->run.seed;
    out->engine_differs = strcmp(out->run.engine, helby_version()) != 0;
    if ((r = helby_store_get_survey(st, out->run.survey, s, err)))
        return r;
    snprintf(out->def_hash_now, sizeof out->def_hash_now, "%s", (*s)->hash);
    out->definition_changed = strcmp(out->run.def_hash, (*s)->hash) != 0;
    if (out->definition_changed && (r = rerun_definition(st, out, s, err)))
        return r;
    long *waves = NULL;
    size_t nw = 0;
    r = helby_run_waves_inputs(st, out->run.survey, out->options.waves, out->options.n_waves,
                               &waves, &nw, out->inputs_now, sizeof out->inputs_now, err);
    free(waves);
    if (r)
        return r;
    /* The input files first; the weight sets' hashes (";weights/W=…") once recomputed. */
    char files_only[sizeof out->run.inputs];
    snprintf(files_only, sizeof files_only, "%s", out->run.inputs);
    char *wpart = strstr(files_only, ";weights/");
    if (wpart)
        *wpart = '\0';
    return helby_inputs_diff(files_only, out->inputs_now, &out->inputs, &out->n_inputs, err);
}

static double rel_diff(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b) ? 0 : 1;
    double m = fmax(fabs(a), fabs(b));
    return m > 0 ? fabs(a - b) / m : 0;
}

static double max_rel_diff(const helby_run_row *a, const helby_run_row *b, const helby_row_move *mv,
                           size_t n)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        if (mv[i].b == HELBY_RUN_NO_ROW) {
            worst = fmax(worst, 1);
            continue;
        }
        const helby_run_row *x = &a[mv[i].a], *y = &b[mv[i].b];
        double d[4] = {rel_diff(x->estimate, y->estimate), rel_diff(x->se, y->se),
                       rel_diff(x->ci_low, y->ci_low), rel_diff(x->ci_high, y->ci_high)};
        for (int k = 0; k < 4; k++)
            worst = fmax(worst, d[k]);
    }
    return worst;
}

helby_status helby_run_rerun(helby_store *st, int64_t id, helby_rerun_result *out, helby_error *err)
{
    memset(out, 0, sizeof *out);
    helby_survey *s = NULL;
    helby_status r = rerun_inputs(st, id, out, &s, err);
    if (!r && (out->n_inputs || (out->definition_changed && !out->definition_own))) {
        out->outcome = HELBY_RERUN_INPUTS_CHANGED;
        helby_survey_free(s);
        return HELBY_OK;
    }
    /* With the weight set versions the run used, even if replaced since (weightset.c). */
    helby_run_options pinned = out->options;
    if (strcmp(pinned.weights, "base"))
        helby_weights_pin(pinned.weights, (long long)id, pinned.weights, sizeof pinned.weights);
    if (!r)
        r = helby_run_compute(st, s, &pinned, &out->rows, &out->n_rows, out->inputs_now,
                              sizeof out->inputs_now, err);
    helby_survey_free(s);
    if (!r && strcmp(out->run.inputs, out->inputs_now)) {
        free(out->inputs);
        r = helby_inputs_diff(out->run.inputs, out->inputs_now, &out->inputs, &out->n_inputs, err);
        out->outcome = HELBY_RERUN_WEIGHTS_CHANGED;
        if (!r)
            return HELBY_OK;
    }
    if (!r) {
        helby_run_hash(out->rows, out->n_rows, out->result_hash);
        r = helby_run_rows_diff(out->stored, out->n_stored, out->rows, out->n_rows, &out->moved,
                                &out->n_moved, err);
    }
    if (r) {
        helby_rerun_result_free(out);
        return r;
    }
    out->max_rel_diff = max_rel_diff(out->stored, out->rows, out->moved, out->n_moved);
    /* Both the hash and the stored rows: a store edited after the run is caught too. */
    int same = !strcmp(out->result_hash, out->run.result_hash) && out->n_rows == out->n_stored &&
               out->n_moved == 0;
    out->outcome = same ? HELBY_RERUN_REPRODUCED : HELBY_RERUN_DIFFERS;
    return HELBY_OK;
}

void helby_run_diff_free(helby_run_diff_result *r)
{
    if (!r)
        return;
    free(r->rows_a), free(r->rows_b), free(r->inputs), free(r->moved);
    memset(r, 0, sizeof *r);
}

helby_status helby_run_diff(helby_store *st, int64_t a, int64_t b, helby_run_diff_result *out,
                            helby_error *err)
{
    memset(out, 0, sizeof *out);
    helby_status r = helby_store_get_run(st, a, &out->a, &out->rows_a, &out->n_a, err);
    if (!r)
        r = helby_store_get_run(st, b, &out->b, &out->rows_b, &out->n_b, err);
    if (!r)
        r = helby_inputs_diff(out->a.inputs, out->b.inputs, &out->inputs, &out->n_inputs, err);
    if (!r)
        r = helby_run_rows_diff(out->rows_a, out->n_a, out->rows_b, out->n_b, &out->moved,
                                &out->n_moved, err);
    if (r)
        helby_run_diff_free(out);
    return r;
}
