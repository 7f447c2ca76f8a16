/* runoptions.c — a run's options (analysis.h): their defaults, their check, and the text a
 * run stores them as (method 1's, which older stores hold, and method 2's key=value list),
 * read back for a rerun. Knows nothing of computing or storing a run: runcompute.c checks
 * with it, runs.c records and parses with it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/analysis.h"
#include "helby/csv.h"

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
    o->share_df = HELBY_SHARE_DF_DOMAIN;
    snprintf(o->weights, sizeof o->weights, "base");
    o->comparisons = 1;
    o->origins = 1;
    o->sens_boot = 1000;
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
        return helby_error_set(
            err, HELBY_EUSAGE,
            "variance must be linearization, jk1, jkn, brr, fay, bootstrap or supplied, "
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
    if (o->sensitivity && (o->sens_boot == 1 || o->sens_boot > 100000))
        return helby_error_set(err, HELBY_EUSAGE,
                               "the sensitivity indices' bootstrap takes 2 to 100000 resamples "
                               "(0: none)");
    for (size_t i = 0; i < o->n_waves; i++)
        if (o->n_waves > HELBY_RUN_MAX_WAVES || o->waves[i] < 1 ||
            (i && o->waves[i] <= o->waves[i - 1]) || o->method < 2)
            return helby_error_set(err, HELBY_EUSAGE,
                                   "the waves of a run are whole numbers, ascending, at most %d "
                                   "(method 2)",
                                   HELBY_RUN_MAX_WAVES);
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
    char sens[64] = "", waves[HELBY_RUN_MAX_WAVES * 11 + 8] = "", by[sizeof o->by + 8] = "";
    if (o->by[0])
        snprintf(by, sizeof by, ";by=%s", o->by);
    if (o->sensitivity)
        snprintf(sens, sizeof sens, ";sensitivity=%zu", o->sensitivity);
    if (o->sensitivity && o->sens_boot)
        snprintf(sens + strlen(sens), sizeof sens - strlen(sens), ";sens_boot=%zu", o->sens_boot);
    for (size_t i = 0, w = 0; i < o->n_waves && i < HELBY_RUN_MAX_WAVES; i++)
        w += (size_t)snprintf(waves + w, sizeof waves - w, "%s%ld",
                              i ? "|" : ";waves=", o->waves[i]);
    snprintf(
        out, n,
        "method=%d;variance=%s%s;level=%s;ci=%s;share_ci=%s;share_df=%s;df=%s;weights=%s%s%s%s%s%s",
        o->method, o->variance, extra, level, helby_ci_method_name(o->ci),
        helby_ci_method_name(o->share_ci),
        o->share_df == HELBY_SHARE_DF_DESIGN ? "design" : "domain", df, o->weights,
        o->comparisons ? ";comparisons=1" : "", o->origins ? ";origins=1" : "", sens, waves, by);
}

/* "2011|2012" into t's waves; -1 unless whole numbers ascending. */
static int parse_waves_value(helby_run_options *t, const char *v)
{
    t->n_waves = 0;
    for (const char *p = v; *p;) {
        char *end = NULL;
        long w = strtol(p, &end, 10);
        if (end == p || (*end && *end != '|') || w < 1 || t->n_waves == HELBY_RUN_MAX_WAVES ||
            (t->n_waves && w <= t->waves[t->n_waves - 1]))
            return -1;
        t->waves[t->n_waves++] = w;
        p = *end ? end + 1 : end;
    }
    return t->n_waves ? 0 : -1;
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
    o->share_df = HELBY_SHARE_DF_DESIGN;
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
    else if (!strcmp(k, "share_df") && (!strcmp(v, "domain") || !strcmp(v, "design")))
        t->share_df = !strcmp(v, "domain") ? HELBY_SHARE_DF_DOMAIN : HELBY_SHARE_DF_DESIGN;
    else if (!strcmp(k, "df"))
        t->df = !strcmp(v, "own") ? 0 : strtod(v, &end);
    else if (!strcmp(k, "weights") && strlen(v) < sizeof t->weights)
        snprintf(t->weights, sizeof t->weights, "%s", v);
    else if (!strcmp(k, "comparisons"))
        t->comparisons = (int)strtol(v, &end, 10);
    else if (!strcmp(k, "origins"))
        t->origins = (int)strtol(v, &end, 10);
    else if (!strcmp(k, "waves"))
        return parse_waves_value(t, v);
    else if (!strcmp(k, "by") && *v && strlen(v) < sizeof t->by)
        snprintf(t->by, sizeof t->by, "%s", v);
    else if (!strcmp(k, "sensitivity") && v[0] != '-')
        t->sensitivity = (size_t)strtoul(v, &end, 10);
    else if (!strcmp(k, "sens_boot") && v[0] != '-')
        t->sens_boot = (size_t)strtoul(v, &end, 10);
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
    t.origins = 0;                      /* runs of method 2 made before origin subgroups */
    t.sens_boot = 0;                    /* runs made before the indices' bootstrap */
    t.share_df = HELBY_SHARE_DF_DESIGN; /* runs made before shares took their domain's df */
    char buf[1024];
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
