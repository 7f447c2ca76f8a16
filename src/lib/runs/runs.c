/* runs.c — runs as library calls (analysis.h): their options text, making a run with its
 * provenance, rerunning one to prove it bit for bit, and comparing two.
 *
 * Layer: above runcompute.c and the store's runs (run.c). Prints nothing: a rerun or a diff
 * returns what changed and which rows moved, and the caller words it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/analysis.h"
#include "helby/csv.h"
#include "runs/run_internal.h"

void helby_run_options_default(helby_run_options *o)
{
    memset(o, 0, sizeof *o);
    o->method = 2;
    snprintf(o->variance, sizeof o->variance, "linearization");
    o->replicates = 100;
    o->seed = 1;
    o->rho = 0.3;
    o->level = 0.95;
    o->ci = HELBY_CI_T;
    o->share_ci = HELBY_CI_LOGIT;
    snprintf(o->weights, sizeof o->weights, "base");
    o->comparisons = 1;
    o->origins = 1;
}

static const char *const ci_names[] = {"t", "normal", "logit", "beta", "wald"};

const char *helby_ci_method_name(helby_ci_method m)
{
    return (size_t)m < sizeof ci_names / sizeof ci_names[0] ? ci_names[m] : "?";
}

int helby_ci_method_parse(const char *name, helby_ci_method *out)
{
    for (size_t i = 0; i < sizeof ci_names / sizeof ci_names[0]; i++)
        if (!strcmp(name, ci_names[i])) {
            *out = (helby_ci_method)i;
            return 1;
        }
    return 0;
}

helby_status helby_run_options_check(const helby_run_options *o, helby_error *err)
{
    helby_rep_type rt;
    int is_rep;
    if (!helby_variance_method_parse(o->variance, &rt, &is_rep))
        return helby_error_set(err, HELBY_EUSAGE,
                               "variance must be linearization, jk1, jkn, brr, fay or bootstrap, "
                               "not '%s'",
                               o->variance);
    if (!(o->level > 0 && o->level < 1))
        return helby_error_set(err, HELBY_EUSAGE, "the level must lie in (0, 1)");
    if (o->replicates < 2)
        return helby_error_set(err, HELBY_EUSAGE, "replicates must be >= 2");
    if (!(o->rho > 0 && o->rho < 1))
        return helby_error_set(err, HELBY_EUSAGE, "Fay's rho must lie in (0, 1)");
    if (o->ci != HELBY_CI_T && o->ci != HELBY_CI_NORMAL)
        return helby_error_set(err, HELBY_EUSAGE, "CIs of means are t or normal, not '%s'",
                               helby_ci_method_name(o->ci));
    if (!(o->df >= 0) || isinf(o->df))
        return helby_error_set(err, HELBY_EUSAGE, "df must be a positive number");
    if (o->sensitivity && (o->method < 2 || o->sensitivity < 2 || o->sensitivity > 1000000))
        return helby_error_set(err, HELBY_EUSAGE,
                               "a sensitivity analysis takes 2 to 1000000 "
                               "scenarios and method 2");
    if (!o->weights[0] || strchr(o->weights, ';') || strchr(o->weights, '='))
        return helby_error_set(err, HELBY_EUSAGE, "'%s' is not a weight set name", o->weights);
    return HELBY_OK;
}

/* Method 1's text is what stores written before method 2 hold; %.17g keeps every bit of rho
 * and level. Do not change it: those runs must rerun. */
void helby_run_options_text(const helby_run_options *o, char *out, size_t n)
{
    if (o->method < 2) {
        snprintf(out, n, "variance=%s;replicates=%ld;rho=%.17g;level=%.17g;weights=%s%s",
                 o->variance, o->replicates, o->rho, o->level, o->weights,
                 o->comparisons ? ";comparisons=1" : "");
        return;
    }
    char level[32], extra[64] = "", df[32] = "own";
    helby_format_number(level, sizeof level, o->level);
    if (!strcmp(o->variance, "bootstrap"))
        snprintf(extra, sizeof extra, ";replicates=%ld", o->replicates);
    else if (!strcmp(o->variance, "fay")) {
        char rho[32];
        helby_format_number(rho, sizeof rho, o->rho);
        snprintf(extra, sizeof extra, ";rho=%s", rho);
    }
    if (o->df > 0)
        helby_format_number(df, sizeof df, o->df);
    char sens[40] = "";
    if (o->sensitivity)
        snprintf(sens, sizeof sens, ";sensitivity=%zu", o->sensitivity);
    snprintf(out, n, "method=%d;variance=%s%s;level=%s;ci=%s;share_ci=%s;df=%s;weights=%s%s%s%s",
             o->method, o->variance, extra, level, helby_ci_method_name(o->ci),
             helby_ci_method_name(o->share_ci), df, o->weights,
             o->comparisons ? ";comparisons=1" : "", o->origins ? ";origins=1" : "", sens);
}

static int parse_method1(helby_run_options *o, const char *text)
{
    char v[16] = "", w[64] = "base";
    long reps = 0;
    double rho = 0, level = 0;
    int n = sscanf(text, "variance=%15[^;];replicates=%ld;rho=%lf;level=%lf;weights=%63[^;]", v,
                   &reps, &rho, &level, w);
    if (n < 4)
        return -1;
    o->method = 1;
    snprintf(o->variance, sizeof o->variance, "%s", v);
    snprintf(o->weights, sizeof o->weights, "%s", w);
    o->replicates = reps;
    o->rho = rho;
    o->level = level;
    o->ci = HELBY_CI_T;
    o->share_ci = HELBY_CI_LOGIT;
    o->df = 0;
    o->comparisons = strstr(text, ";comparisons=1") != NULL;
    o->origins = 0; /* method 1 has no origin subgroups */
    return 0;
}

/* One "key=value" of method 2's text into t; -1 for an unknown key or a bad value. */
static int parse_pair(helby_run_options *t, const char *k, const char *v)
{
    char *end = NULL;
    if (!strcmp(k, "method"))
        t->method = (int)strtol(v, &end, 10);
    else if (!strcmp(k, "variance") && strlen(v) < sizeof t->variance)
        snprintf(t->variance, sizeof t->variance, "%s", v);
    else if (!strcmp(k, "replicates"))
        t->replicates = strtol(v, &end, 10);
    else if (!strcmp(k, "rho"))
        t->rho = strtod(v, &end);
    else if (!strcmp(k, "level"))
        t->level = strtod(v, &end);
    else if (!strcmp(k, "ci"))
        return helby_ci_method_parse(v, &t->ci) ? 0 : -1;
    else if (!strcmp(k, "share_ci"))
        return helby_ci_method_parse(v, &t->share_ci) ? 0 : -1;
    else if (!strcmp(k, "df"))
        t->df = !strcmp(v, "own") ? 0 : strtod(v, &end);
    else if (!strcmp(k, "weights") && strlen(v) < sizeof t->weights)
        snprintf(t->weights, sizeof t->weights, "%s", v);
    else if (!strcmp(k, "comparisons"))
        t->comparisons = (int)strtol(v, &end, 10);
    else if (!strcmp(k, "origins"))
        t->origins = (int)strtol(v, &end, 10);
    else if (!strcmp(k, "sensitivity") && v[0] != '-')
        t->sensitivity = (size_t)strtoul(v, &end, 10);
    else
        return -1;
    return end && (*end || end == v) ? -1 : 0;
}

int helby_run_options_parse(helby_run_options *o, const char *text)
{
    if (strncmp(text, "method=", 7))
        return parse_method1(o, text);
    helby_run_options t;
    helby_run_options_default(&t);
    t.comparisons = 0;
    t.origins = 0; /* runs of method 2 made before origin subgroups */
    char buf[512];
    snprintf(buf, sizeof buf, "%s", text);
    for (char *save = NULL, *kv = strtok_r(buf, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq)
            return -1;
        *eq = '\0';
        if (parse_pair(&t, kv, eq + 1))
            return -1;
    }
    if (t.method != 2)
        return -1;
    t.seed = o->seed;
    *o = t;
    return 0;
}

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
    long *waves = NULL;
    size_t nw = 0;
    r = helby_run_waves_inputs(st, out->run.survey, &waves, &nw, out->inputs_now,
                               sizeof out->inputs_now, err);
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
    if (!r && (out->n_inputs || out->definition_changed)) {
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
