/* cmd_table.c — helby table: the frequency table of a coded item by domains (every code with
 * its share, SE, CI, n and deff; missing codes apart) and the Rao–Scott test of independence
 * of a two-way table (helby_analysis_table, tables.h). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "helby/analysis.h"
#include "helby/tables.h"
#include "output.h"

void help_table(FILE *out)
{
    fprintf(
        out,
        "Usage: helby table --survey ID --var ITEM [OPTIONS]\n\n"
        "The frequency table of a coded item: every valid code (labels beside codes) with\n"
        "its share of the valid answers, SE, CI, df, n and deff, by the domains of --by (R\n"
        "svymean(~factor(ITEM)) per domain). Missing codes and empty answers are shown\n"
        "apart (base 'missing', 'empty': their share of all the domain's respondents), never\n"
        "in the valid shares' denominator. With one --by variable the two-way table is\n"
        "tested for independence by Rao-Scott (R svychisq): the second-order F (default) or\n"
        "the first-order chi-square (--test chisq).\n\n"
        "Options:\n"
        "  -s, --survey ID       the survey (required)\n"
        "  -v, --var ITEM        a coded variable (required)\n"
        "  -b, --by X            domain variables: group or any coded variable; one for a test\n"
        "  -w, --waves W,...     waves to use (default: all stored; the test is on the\n"
        "                        wave's design, the stacked waves' with several)\n"
        "      --test T          f (default: Rao-Scott second-order F, R statistic = \"F\"),\n"
        "                        chisq (first-order, R statistic = \"Chisq\") or none\n"
        "      --variance M      linearization (default), jk1, jkn, brr, fay, bootstrap,\n"
        "                        supplied (the producer's, survey.ini [replicates])\n"
        "                        (the test: linearization only)\n"
        "      --weights NAME    a weight set of `helby weight` (default: base weights)\n"
        "      --replicates B    bootstrap replicates (default 100)\n"
        "      --seed S          bootstrap seed (default 1)\n"
        "      --rho R           Fay's rho (default 0.3)\n"
        "      --ci M            logit (default), beta, wald\n"
        "      --level L         confidence level (default 0.95)\n"
        "      --df D            degrees of freedom for CIs (default: the design's)\n"
        "      --share-df R      a share's CI: domain (default, the domain's df as R's\n"
        "                        svyby of svyciprop) or design (the wave's df)\n"
        "      --min-cell N      suppression threshold (default: the survey's min_cell): a\n"
        "                        domain with fewer valid answers, or a code with 1 to N-1\n"
        "                        respondents, is suppressed\n"
        "      --where C         a subpopulation as a domain, e.g. 'sex=2' (as estimate)\n"
        "      --lang da|en      labels (default: the survey's language)\n"
        "  -f, --format F        text (default), csv or json\n\n"
        "Columns: item, per --by variable its code and label, code, code_label, base (valid,\n"
        "missing, empty; test for the test's row), estimate, se, ci_low, ci_high, df, n (the\n"
        "code's respondents), n_base (the denominator's respondents), deff, flag, and for the\n"
        "test's row statistic, ndf, ddf (F only), p. CSV and JSON carry full precision.\n\n"
        "Example:\n"
        "  helby --db city.db table --survey copenhagen --waves 2014 --var tillid_politi "
        "--by group\n");
}

typedef struct tab_args {
    const char *survey, *by, *waves, *variance, *ci, *lang, *test;
    out_format format;
    helby_table_request req;
} tab_args;

static int tab_option(tab_args *a, int c, const char *arg, const char *opt)
{
    helby_table_request *r = &a->req;
    char *end = NULL;
    switch (c) {
    case 's': a->survey = arg; break;
    case 'v': r->item = arg; break;
    case 'b': a->by = arg; break;
    case 'w': a->waves = arg; break;
    case 'V': a->variance = arg; break;
    case 'W': r->weights = arg; break;
    case 'R':
        r->rep.replicates = (size_t)strtol(arg, &end, 10);
        if (r->rep.replicates < 2)
            return cli_usage("table", "--replicates must be at least 2");
        break;
    case 'e': r->rep.seed = strtoull(arg, &end, 10); break;
    case 'r': r->rep.fay_rho = strtod(arg, &end); break;
    case 'c': a->ci = arg; break;
    case 'l': r->opt.level = strtod(arg, &end); break;
    case 'm': r->min_cell = strtol(arg, &end, 10); break;
    case 'L': a->lang = arg; break;
    case 'd': r->opt.df = strtod(arg, &end); break;
    case 'D': return cli_share_df("table", arg, &r->opt.share_df);
    case 'T': a->test = arg; break;
    case 'H': r->where = arg; break;
    case 'f':
        if (out_format_parse(arg, &a->format))
            return cli_usage("table", "--format must be text, csv or json, not '%s'", arg);
        break;
    default: return cli_usage("table", "unknown option '%s'", opt);
    }
    if (end && (*end || end == arg))
        return cli_usage("table", "option '%s' needs a number, not '%s'", opt, arg);
    return 0;
}

/* --test, --ci, --variance, --level checked into the request; 0 or the usage exit code. */
static int tab_check(tab_args *a)
{
    helby_table_request *r = &a->req;
    if (!a->survey)
        return cli_usage("table", "missing --survey ID");
    if (!r->item)
        return cli_usage("table", "missing --var ITEM");
    if (!(r->opt.level > 0 && r->opt.level < 1))
        return cli_usage("table", "--level must lie between 0 and 1");
    if (r->opt.df < 0)
        return cli_usage("table", "--df must be positive");
    if (!helby_variance_method_parse(a->variance, &r->rep.type, &r->replicates))
        return cli_usage("table", "--variance must be linearization, jk1, jkn, brr, fay or "
                                  "bootstrap");
    static const char *const cis[] = {"logit", "beta", "wald"};
    static const helby_ci_method cim[] = {HELBY_CI_LOGIT, HELBY_CI_BETA, HELBY_CI_WALD};
    int ok = !a->ci;
    for (int i = 0; a->ci && i < 3; i++)
        if (!strcmp(a->ci, cis[i]))
            r->opt.ci = cim[i], ok = 1;
    if (!ok)
        return cli_usage("table", "--ci must be logit, beta or wald, not '%s'", a->ci);
    if (a->test && !strcmp(a->test, "chisq"))
        r->test = HELBY_TEST_CHISQ;
    else if (a->test && !strcmp(a->test, "none"))
        r->test = HELBY_TEST_NONE;
    else if (a->test && strcmp(a->test, "f") && strcmp(a->test, "F"))
        return cli_usage("table", "--test must be f, chisq or none, not '%s'", a->test);
    if (!a->by && a->test && r->test != HELBY_TEST_NONE)
        return cli_usage("table", "--test needs one --by variable");
    return 0;
}

static int tab_parse(tab_args *a, int argc, char **argv)
{
    static const struct option opts[] = {{"survey", required_argument, 0, 's'},
                                         {"var", required_argument, 0, 'v'},
                                         {"by", required_argument, 0, 'b'},
                                         {"waves", required_argument, 0, 'w'},
                                         {"variance", required_argument, 0, 'V'},
                                         {"weights", required_argument, 0, 'W'},
                                         {"replicates", required_argument, 0, 'R'},
                                         {"seed", required_argument, 0, 'e'},
                                         {"rho", required_argument, 0, 'r'},
                                         {"ci", required_argument, 0, 'c'},
                                         {"level", required_argument, 0, 'l'},
                                         {"min-cell", required_argument, 0, 'm'},
                                         {"lang", required_argument, 0, 'L'},
                                         {"format", required_argument, 0, 'f'},
                                         {"df", required_argument, 0, 'd'},
                                         {"test", required_argument, 0, 'T'},
                                         {"share-df", required_argument, 0, 'D'},
                                         {"where", required_argument, 0, 'H'},
                                         {0, 0, 0, 0}};
    int c, rc;
    memset(a, 0, sizeof *a);
    a->variance = "linearization";
    helby_table_request_default(&a->req);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:s:v:b:w:f:", opts, NULL)) != -1) {
        if (c == ':')
            return cli_usage("table", "option '%s' needs a value", argv[optind - 1]);
        if ((rc = tab_option(a, c == '?' ? 0 : c, optarg, argv[optind - 1])))
            return rc;
    }
    if (optind < argc)
        return cli_usage("table", "unexpected argument '%s'", argv[optind]);
    return tab_check(a);
}

static const char *base_name(helby_freq_kind k)
{
    return k == HELBY_FREQ_MISSING ? "missing" : k == HELBY_FREQ_EMPTY ? "empty" : "valid";
}

/* The columns: item, by code and label pairs, then the fixed tail. */
static out_col *tab_cols(const helby_freq_table *t, char (*names)[80], size_t *nc, int text)
{
    static const out_col tail[] = {
        {"code", OUT_NUM, -6, "%.10g"},  {"code_label", OUT_STR, 24, NULL},
        {"base", OUT_STR, 8, NULL},      {"estimate", OUT_NUM, 10, NULL},
        {"se", OUT_NUM, 9, NULL},        {"ci_low", OUT_NUM, 9, NULL},
        {"ci_high", OUT_NUM, 9, NULL},   {"df", OUT_NUM, 6, "%g"},
        {"n", OUT_INT, 6, NULL},         {"n_base", OUT_INT, 6, NULL},
        {"deff", OUT_NUM, 6, "%.3g"},    {"flag", OUT_STR, 0, NULL},
        {"statistic", OUT_NUM, 9, NULL}, {"ndf", OUT_NUM, 6, NULL},
        {"ddf", OUT_NUM, 6, NULL},       {"p", OUT_NUM, 9, NULL}};
    size_t nb = t->n_by, nt = sizeof tail / sizeof tail[0] - (text ? 4 : 0);
    *nc = 1 + 2 * nb + nt;
    out_col *cols = calloc(*nc, sizeof *cols);
    if (!cols)
        return NULL;
    cols[0] = (out_col){"item", OUT_STR, 16, NULL};
    for (size_t i = 0; i < nb; i++) {
        snprintf(names[i], sizeof names[i], "%s_label", t->by[i]);
        cols[1 + 2 * i] = (out_col){t->by[i], OUT_NUM, -6, "%.10g"};
        cols[2 + 2 * i] = (out_col){names[i], OUT_STR, 24, NULL};
    }
    memcpy(cols + 1 + 2 * nb, tail, nt * sizeof *tail);
    return cols;
}

/* One share's row into v. */
static void tab_row(const tab_args *a, const helby_survey *s, const helby_freq_table *t,
                    const helby_freq_row *r, out_value *v, char (*labels)[160], char *clab)
{
    const helby_variable *iv = &s->vars[helby_survey_find_var(s, t->item_var)];
    v[0].s = t->item;
    for (size_t i = 0; i < t->n_by; i++) {
        helby_domain_label(s, t->by[i], r->codes[i], a->lang, labels[i], 160);
        v[1 + 2 * i].d = r->codes[i];
        v[2 + 2 * i].s = labels[i];
    }
    const char *l =
        r->kind == HELBY_FREQ_EMPTY ? "(empty)" : helby_variable_value_label(iv, r->code);
    snprintf(clab, 160, "%s", l ? l : "");
    out_value *x = v + 1 + 2 * t->n_by;
    const helby_estimate *e = &r->est;
    x[0].d = r->code, x[1].s = clab, x[2].s = base_name(r->kind);
    x[3].d = e->estimate, x[4].d = e->se, x[5].d = e->ci_low, x[6].d = e->ci_high;
    x[7].d = e->df, x[8].i = (long long)r->n_cell, x[9].i = (long long)e->n, x[10].d = e->deff;
    x[11].s = helby_cell_flag_name(r->flag);
    x[12].d = x[13].d = x[14].d = x[15].d = NAN;
}

/* The test's row (CSV, JSON): statistic, ndf, ddf, p; everything else empty. */
static void tab_test_row(const helby_freq_table *t, out_value *v, size_t nc)
{
    for (size_t i = 0; i < nc; i++)
        v[i] = (out_value){"", NAN, 0};
    v[0].s = t->item;
    out_value *x = v + 1 + 2 * t->n_by;
    int f = t->test_kind == HELBY_TEST_F;
    x[1].s = f ? "Rao-Scott F" : "Rao-Scott chisq";
    x[2].s = "test";
    x[12].d = f ? t->test.f : t->test.chisq;
    x[13].d = f ? t->test.f_ndf : t->test.chisq_df;
    x[14].d = f ? t->test.f_ddf : NAN;
    x[15].d = f ? t->test.f_p : t->test.chisq_p;
}

static void tab_print(const tab_args *a, const helby_survey *s, const helby_freq_table *t)
{
    size_t nc;
    char(*names)[80] = calloc(t->n_by + 1, sizeof *names),
    (*labels)[160] = calloc(t->n_by + 1, 160);
    char clab[160];
    out_col *cols = names && labels ? tab_cols(t, names, &nc, a->format == OUT_TEXT) : NULL;
    out_value *v = cols ? calloc(1 + 2 * t->n_by + 16, sizeof *v) : NULL;
    if (!v) {
        free(names), free(labels), free(cols);
        fprintf(stderr, "helby: out of memory\n");
        return;
    }
    out_table T;
    out_begin(&T, stdout, a->format, cols, nc);
    for (size_t r = 0; r < t->n_rows; r++) {
        tab_row(a, s, t, &t->rows[r], v, labels, clab);
        out_row(&T, v);
    }
    if (t->has_test && a->format != OUT_TEXT) {
        tab_test_row(t, v, 1 + 2 * t->n_by + 16);
        out_row(&T, v);
    }
    out_end(&T);
    if (t->has_test && a->format == OUT_TEXT) {
        const helby_raoscott *x = &t->test;
        if (t->test_kind == HELBY_TEST_F)
            printf("\nRao-Scott second-order F (R svychisq, statistic = \"F\"): F = %.4g on "
                   "%.4g and %.4g df, p = %.4g (Pearson X^2 = %.4g, design df %g)\n",
                   x->f, x->f_ndf, x->f_ddf, x->f_p, x->pearson, x->nu);
        else
            printf("\nRao-Scott first-order chi-square (R svychisq, statistic = \"Chisq\"): "
                   "X^2 / mean(delta) = %.4g on %g df, p = %.4g (Pearson X^2 = %.4g)\n",
                   x->chisq, x->chisq_df, x->chisq_p, x->pearson);
    }
    free(names), free(labels), free(cols), free(v);
}

int cmd_table(cli_global *g, int argc, char **argv)
{
    tab_args a;
    int rc = tab_parse(&a, argc, argv);
    if (rc)
        return rc;
    helby_store *st = NULL;
    if ((rc = cli_open_store(g, HELBY_OPEN_READONLY, &st)))
        return rc;
    helby_error err;
    helby_error_clear(&err);
    helby_survey *s = NULL;
    helby_freq_table *t = NULL;
    cli_list B = {0};
    long *waves = NULL;
    if (helby_store_get_survey(st, a.survey, &s, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    if (!a.lang)
        a.lang = s->language;
    if (cli_list_split(a.by, &B) || cli_parse_waves(a.waves, &waves, &a.req.n_waves)) {
        rc = cli_usage("table", "--waves needs years like 2011,2012");
        goto done;
    }
    a.req.by = B.item, a.req.n_by = B.n, a.req.waves = waves;
    if (B.n != 1 && !a.test)
        a.req.test = HELBY_TEST_NONE; /* the default test needs one --by variable */
    if (helby_analysis_table(st, s, &a.req, &t, &err)) {
        rc = err.code == HELBY_EUSAGE ? cli_usage("table", "%s", err.message) : cli_fail(&err);
        goto done;
    }
    if (a.format == OUT_TEXT)
        printf("%s — %s: shares of valid answers, %g %% CIs %s; weights: %s\n", s->id, t->item,
               100 * a.req.opt.level,
               a.req.opt.ci == HELBY_CI_BETA   ? "Korn-Graubard beta"
               : a.req.opt.ci == HELBY_CI_WALD ? "Wald (t)"
                                               : "logit",
               a.req.weights ? a.req.weights : "base");
    tab_print(&a, s, t);
done:
    helby_freq_table_free(t);
    cli_list_free(&B);
    free(waves);
    helby_survey_free(s);
    helby_store_close(st);
    return rc;
}
