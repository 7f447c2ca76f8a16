/* export_design.c — the design calls beside an export (helby/export.h): how R's survey
 * package, Stata and SPSS Complex Samples declare the survey's design as helby estimates it
 * (docs/method.md §9): strata within wave, PSUs nested in strata, the fpc only when the
 * survey declares one, its lonely-PSU rule. Text only; export_write.c writes the data. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/export.h"

typedef struct text {
    char *s;
    size_t n, cap;
    int failed;
} text;

static void put(text *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0 || t->failed)
        return;
    if (t->n + (size_t)need + 1 > t->cap) {
        size_t cap = (t->cap + (size_t)need + 1) * 2;
        char *p = realloc(t->s, cap);
        if (!p) {
            t->failed = 1;
            return;
        }
        t->s = p, t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
    va_end(ap);
    t->n += (size_t)need;
}

static const char *var_name(const helby_survey *s, size_t v)
{
    return v == HELBY_NO_VAR ? NULL : s->vars[v].name;
}

/* R's options(survey.lonely.psu) and Stata's singleunit() for the survey's rule. */
static void lonely_rules(const char *rule, const char **r, const char **stata)
{
    *r = *stata = NULL;
    if (!rule || !strcmp(rule, "fail"))
        return;
    *r = rule; /* remove, certainty, adjust, average: R's own names */
    *stata = !strcmp(rule, "certainty") ? "certainty"
             : !strcmp(rule, "adjust")  ? "centered"
             : !strcmp(rule, "average") ? "scaled"
                                        : "missing";
}

static void r_call(text *t, const helby_survey *s, const char *w, const char *path, char sep)
{
    const char *psu = var_name(s, s->psu_var), *str = var_name(s, s->stratum_var);
    const char *fpc = var_name(s, s->fpc_var), *wave = var_name(s, s->wave_var);
    const char *lonely, *unused;
    lonely_rules(s->lonely_psu, &lonely, &unused);
    put(t, "## R (package survey)\nlibrary(survey)\n");
    if (lonely)
        put(t, "options(survey.lonely.psu = \"%s\")\n", lonely);
    put(t, "d <- read.csv(\"%s\", sep = \"%s\", colClasses = c(%s = \"character\"", path,
        sep == '\t'  ? "\\t"
        : sep == ',' ? ","
                     : ";",
        var_name(s, s->id_var));
    if (str && s->vars[s->stratum_var].type == HELBY_TYPE_TEXT)
        put(t, ", %s = \"character\"", str);
    if (psu && s->vars[s->psu_var].type == HELBY_TYPE_TEXT)
        put(t, ", %s = \"character\"", psu);
    put(t, "))\ndes <- svydesign(ids = ~%s, strata = ~", psu ? psu : "1");
    if (str)
        put(t, "interaction(%s, %s)", wave, str);
    else
        put(t, "%s", wave);
    if (fpc)
        put(t, ", fpc = ~%s", fpc);
    put(t, ", weights = ~%s, nest = TRUE, data = d)\n", w);
}

static void stata_call(text *t, const helby_survey *s, const char *w)
{
    const char *psu = var_name(s, s->psu_var), *str = var_name(s, s->stratum_var);
    const char *fpc = var_name(s, s->fpc_var), *wave = var_name(s, s->wave_var);
    const char *unused, *single;
    lonely_rules(s->lonely_psu, &unused, &single);
    put(t, "\n## Stata\n");
    if (str)
        put(t, "egen helby_stratum = group(%s %s)\n", wave, str);
    put(t, "svyset %s [pweight = %s], strata(%s)", psu ? psu : "_n", w,
        str ? "helby_stratum" : wave);
    if (fpc)
        put(t, " fpc(%s)", fpc);
    if (single)
        put(t, " singleunit(%s)", single);
    put(t, "\n");
}

static void spss_call(text *t, const helby_survey *s, const char *w, const char *path)
{
    const char *psu = var_name(s, s->psu_var), *str = var_name(s, s->stratum_var);
    const char *wave = var_name(s, s->wave_var);
    put(t, "\n## SPSS (Complex Samples)\nCSPLAN ANALYSIS\n  /PLAN FILE='%s.csaplan'\n", path);
    put(t, "  /PLANVARS ANALYSISWEIGHT=%s\n  /DESIGN STRATA=%s%s%s%s%s\n", w, wave, str ? " " : "",
        str ? str : "", psu ? " CLUSTER=" : "", psu ? psu : "");
    put(t, "  /ESTIMATOR TYPE=%s.\n", var_name(s, s->fpc_var) ? "EQUAL_WOR" : "WR");
}

helby_status helby_export_design_calls(const helby_survey *s, const char *weights,
                                       const char *data_path, char csv_sep, char **out,
                                       helby_error *err)
{
    *out = NULL;
    int final = weights && strcmp(weights, "base");
    const char *w = final ? "final_weight" : var_name(s, s->weight_var);
    text t = {0};
    put(&t,
        "# The design of survey %s as helby estimates it (docs/method.md §9): strata %s, "
        "PSUs %s,\n# %s; lonely PSUs: %s.\n",
        s->id, s->stratum_var != HELBY_NO_VAR ? "within wave" : "none but the waves",
        s->psu_var != HELBY_NO_VAR ? "nested in strata" : "none (each respondent its own)",
        s->fpc_var != HELBY_NO_VAR ? "with the survey's fpc" : "no fpc (the survey declares none)",
        s->lonely_psu ? s->lonely_psu : "fail");
    if (final)
        put(&t,
            "# Weights: weight set '%s' (final_weight): the estimates are helby's; the SEs of a "
            "calibrated set\n# need its calibration (R calibrate()), these calls treat the "
            "weights as fixed.\n",
            weights);
    /* With a calibrated set the SEs are helby's only for the base weights (issue 24). */
    if (final)
        put(&t,
            "# With weights = ~%s instead, the linearization SEs of means and proportions "
            "equal helby's\n# without --weights (estimate, compute).\n\n",
            var_name(s, s->weight_var));
    else
        put(&t, "# Linearization SEs of means and proportions equal helby's (estimate, "
                "compute).\n\n");
    r_call(&t, s, w, data_path, csv_sep ? csv_sep : ';');
    stata_call(&t, s, w);
    spss_call(&t, s, w, data_path);
    if (t.failed) {
        free(t.s);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    *out = t.s;
    return HELBY_OK;
}
