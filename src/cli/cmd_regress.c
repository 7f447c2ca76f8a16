/* cmd_regress.c — helby regress: design-based linear and logistic regression per wave (or on
 * the stacked waves); the library (helby_regress) fits, this file parses and prints. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "helby/regress.h"
#include "output.h"

void help_regress(FILE *out)
{
    fprintf(out,
            "Usage: helby regress --survey ID --model 'MEASURE ~ TERM + TERM...' [OPTIONS]\n\n"
            "Design-based regression (R survey's svyglm): a linear model, or a logistic\n"
            "(quasi-binomial) one for a 0/1 share, fitted on each wave's own design (strata,\n"
            "PSUs, weights, lonely-PSU rule), with design-based SEs, t tests, CIs and Wald F\n"
            "tests (R regTermTest) of every multi-level term and of the whole model.\n\n"
            "The response is an index, dimension, share or numeric item. Terms: codebook\n"
            "variables (a code variable is a factor, its first code the reference: columns\n"
            "ageband=2, ageband=3, ...; a real variable is numeric), group (ethnic minorities\n"
            "against ethnic Danes: column group=minorities; other group codes leave the\n"
            "model), district, wave (a factor, with --stacked); a:b an interaction, a*b for\n"
            "a + b + a:b.\n\n"
            "Options:\n"
            "  -s, --survey ID       the survey (required)\n"
            "  -m, --model F         the model formula (required)\n"
            "  -w, --waves W,...     waves to fit (default: all stored), one model per wave\n"
            "      --stacked         one model on the waves stacked (strata and PSUs nested\n"
            "                        in wave), e.g. with the term wave\n"
            "      --family F        gaussian (default) or logistic\n"
            "      --variance M      linearization (default), jk1, jkn, brr, fay, bootstrap,\n"
            "                        supplied (the producer's, survey.ini [replicates]):\n"
            "                        replicates re-fit the model with every replicate's weights\n"
            "      --weights NAME    a weight set of `helby weight` (default: base weights);\n"
            "                        linearization then uses the calibration residuals\n"
            "      --replicates B    bootstrap replicates (default 100)\n"
            "      --seed S          bootstrap seed (default 1)\n"
            "      --rho R           Fay's rho (default 0.3)\n"
            "      --df RULE         svyglm (default): design df + 1 - coefficients, as R;\n"
            "                        design: the design df (PSUs - strata), as Stata\n"
            "      --level L         confidence level (default 0.95)\n"
            "  -f, --format F        text (default), csv or json\n\n"
            "Rows (CSV ';', JSON objects): wave (or 'stacked'), quantity, term, estimate, se,\n"
            "df, t, p, ci_low, ci_high, df1, df_rule, flag. quantity 'coef': a coefficient\n"
            "(flag 'aliased' when linearly dependent on earlier columns: no numbers);\n"
            "'wald': the Wald F of a term or of the model (term 'model'), in estimate, on\n"
            "df1 and df degrees of freedom; 'n': respondents in the model; 'sum_w': their\n"
            "weights; 'dispersion': R summary.svyglm's dispersion. df_rule is svyglm or\n"
            "design. Full precision; an undefined value is empty (CSV) or null (JSON).\n"
            "Where the codebook labels the waves, wave_label after wave (text too).\n\n"
            "Errors: a separated logistic model (naming the column), a response outside\n"
            "[0, 1] for --family logistic, a residual df <= 0, a factor with one level.\n\n"
            "Example:\n"
            "  helby regress --survey copenhagen --waves 2014 --model 'inclusion ~ group + "
            "ageband + sex'\n");
}

typedef struct reg_args {
    const char *survey, *waves, *variance, *family, *df;
    out_format format;
    helby_regress_request req;
} reg_args;

static int reg_option(reg_args *a, int c, const char *arg, const char *opt)
{
    helby_regress_request *r = &a->req;
    char *end = NULL;
    long v;
    switch (c) {
    case 's': a->survey = arg; break;
    case 'm': r->model = arg; break;
    case 'w': a->waves = arg; break;
    case 'S': r->stacked = 1; break;
    case 'F': a->family = arg; break;
    case 'V': a->variance = arg; break;
    case 'W': r->weights = arg; break;
    case 'R':
        v = strtol(arg, &end, 10);
        if (v < 2)
            return cli_usage("regress", "--replicates must be at least 2");
        r->rep.replicates = (size_t)v;
        break;
    case 'e': r->rep.seed = strtoull(arg, &end, 10); break;
    case 'r': r->rep.fay_rho = strtod(arg, &end); break;
    case 'd': a->df = arg; break;
    case 'l': r->level = strtod(arg, &end); break;
    case 'f':
        if (out_format_parse(arg, &a->format))
            return cli_usage("regress", "--format must be text, csv or json, not '%s'", arg);
        break;
    default: return cli_usage("regress", "unknown option '%s'", opt);
    }
    if (end && (*end || end == arg))
        return cli_usage("regress", "option '%s' needs a number, not '%s'", opt, arg);
    return 0;
}

static int reg_check(reg_args *a)
{
    helby_regress_request *r = &a->req;
    if (!a->survey)
        return cli_usage("regress", "missing --survey ID");
    if (!r->model)
        return cli_usage("regress", "missing --model 'MEASURE ~ TERM + ...'");
    if (!(r->level > 0 && r->level < 1))
        return cli_usage("regress", "--level must lie between 0 and 1");
    if (!helby_variance_method_parse(a->variance, &r->rep.type, &r->replicates))
        return cli_usage(
            "regress",
            "--variance must be linearization, jk1, jkn, brr, fay, bootstrap or supplied");
    if (a->family && strcmp(a->family, "gaussian") && strcmp(a->family, "logistic"))
        return cli_usage("regress", "--family must be gaussian or logistic");
    r->family =
        a->family && !strcmp(a->family, "logistic") ? HELBY_GLM_QUASIBINOMIAL : HELBY_GLM_GAUSSIAN;
    if (a->df && strcmp(a->df, "svyglm") && strcmp(a->df, "design"))
        return cli_usage("regress", "--df must be svyglm or design");
    r->df_rule = a->df && !strcmp(a->df, "design") ? HELBY_GLM_DF_DESIGN : HELBY_GLM_DF_SVYGLM;
    return 0;
}

static int reg_parse(reg_args *a, int argc, char **argv)
{
    static const struct option opts[] = {
        {"survey", required_argument, 0, 's'},  {"model", required_argument, 0, 'm'},
        {"waves", required_argument, 0, 'w'},   {"stacked", no_argument, 0, 'S'},
        {"family", required_argument, 0, 'F'},  {"variance", required_argument, 0, 'V'},
        {"weights", required_argument, 0, 'W'}, {"replicates", required_argument, 0, 'R'},
        {"seed", required_argument, 0, 'e'},    {"rho", required_argument, 0, 'r'},
        {"df", required_argument, 0, 'd'},      {"level", required_argument, 0, 'l'},
        {"format", required_argument, 0, 'f'},  {0, 0, 0, 0}};
    int c, rc;
    memset(a, 0, sizeof *a);
    a->variance = "linearization";
    helby_regress_request_default(&a->req);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:s:m:w:f:", opts, NULL)) != -1) {
        if (c == ':')
            return cli_usage("regress", "option '%s' needs a value", argv[optind - 1]);
        if ((rc = reg_option(a, c == '?' ? 0 : c, optarg, argv[optind - 1])))
            return rc;
    }
    if (optind < argc)
        return cli_usage("regress", "unexpected argument '%s'", argv[optind]);
    return reg_check(a);
}

static const out_col COLS[] = {{"wave", OUT_STR, -7, NULL},   {"quantity", OUT_STR, -10, NULL},
                               {"term", OUT_STR, -26, NULL},  {"estimate", OUT_NUM, 11, NULL},
                               {"se", OUT_NUM, 10, NULL},     {"df", OUT_NUM, 6, "%g"},
                               {"t", OUT_NUM, 8, "%.3f"},     {"p", OUT_NUM, 9, "%.3g"},
                               {"ci_low", OUT_NUM, 10, NULL}, {"ci_high", OUT_NUM, 10, NULL},
                               {"df1", OUT_NUM, 4, "%g"},     {"df_rule", OUT_STR, 0, NULL},
                               {"flag", OUT_STR, 0, NULL}};
#define NCOLS (sizeof COLS / sizeof COLS[0])

static void row_blank(out_value *v, const char *wave, const char *q, const char *term,
                      const char *rule)
{
    for (size_t i = 0; i < NCOLS; i++)
        v[i] = (out_value){"", NAN, 0};
    v[0].s = wave, v[1].s = q, v[2].s = term, v[11].s = rule;
}

/* Every row of one fit. */
static void reg_rows(out_table *T, const helby_regress_fit *f, const char *rule)
{
    char wave[24];
    out_value v[NCOLS];
    if (f->wave)
        snprintf(wave, sizeof wave, "%ld", f->wave);
    else
        snprintf(wave, sizeof wave, "stacked");
    const helby_glm *g = f->glm;
    for (size_t j = 0; j < g->p; j++) {
        const helby_glm_coef *c = &g->coef[j];
        row_blank(v, wave, "coef", f->mm.names[j], rule);
        v[3].d = c->estimate, v[4].d = c->se, v[5].d = g->df, v[6].d = c->t, v[7].d = c->p;
        v[8].d = c->ci_low, v[9].d = c->ci_high;
        v[12].s = c->aliased ? "aliased" : "";
        out_row(T, v);
    }
    for (size_t i = 0; i < f->n_tests; i++) {
        const helby_wald *w = &f->tests[i].wald;
        row_blank(v, wave, "wald", f->tests[i].term, rule);
        v[3].d = w->F, v[5].d = w->df2, v[7].d = w->p, v[10].d = w->df1;
        out_row(T, v);
    }
    const char *q[] = {"n", "sum_w", "dispersion"};
    double x[] = {(double)g->n_used, g->sum_w, g->dispersion};
    for (size_t i = 0; i < 3; i++) {
        row_blank(v, wave, q[i], "", rule);
        v[3].d = x[i];
        out_row(T, v);
    }
}

static void reg_preamble(const reg_args *a, const helby_survey *s, const helby_regress_result *r)
{
    const helby_regress_request *q = &a->req;
    printf("%s — %s; %s; variance: %s; weights: %s; %g %% CIs (t); %s\n", s->id, q->model,
           r->family == HELBY_GLM_QUASIBINOMIAL ? "logistic (quasi-binomial)" : "linear",
           r->variance, r->weights, 100 * r->level, helby_glm_df_rule_text(r->df_rule));
}

int cmd_regress(cli_global *g, int argc, char **argv)
{
    reg_args a;
    int rc = reg_parse(&a, argc, argv);
    if (rc)
        return rc;
    helby_store *st = NULL;
    if ((rc = cli_open_store(g, HELBY_OPEN_READONLY, &st)))
        return rc;
    helby_error err;
    helby_error_clear(&err);
    helby_survey *s = NULL;
    helby_regress_result *res = NULL;
    long *waves = NULL;
    if (helby_store_get_survey(st, a.survey, &s, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    if (cli_parse_waves(a.waves, &waves, &a.req.n_waves)) {
        rc = cli_usage("regress", "--waves needs years like 2011,2012");
        goto done;
    }
    a.req.waves = waves;
    if (helby_regress(st, s, &a.req, &res, &err)) {
        rc = err.code == HELBY_EUSAGE ? cli_usage("regress", "%s", err.message) : cli_fail(&err);
        goto done;
    }
    if (a.format == OUT_TEXT)
        reg_preamble(&a, s, res);
    out_table T;
    out_begin_waves(&T, stdout, a.format, COLS, NCOLS, s, NULL);
    for (size_t i = 0; i < res->n_fits; i++)
        reg_rows(&T, &res->fits[i], helby_glm_df_rule_name(res->df_rule));
    out_end(&T);
done:
    helby_regress_result_free(res);
    free(waves);
    helby_survey_free(s);
    helby_store_close(st);
    return rc;
}
