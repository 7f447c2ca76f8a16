/* cmd_explain.c — helby explain: composition-adjusted gaps (standardised and
 * regression-adjusted) and the Oaxaca–Blinder decomposition of the gap per wave, and of its
 * change since the baseline wave (helby/explain.h). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "helby/explain.h"
#include "output.h"

void help_explain(FILE *out)
{
    fprintf(out,
            "Usage: helby explain --survey ID --measure M --covariates A,B [OPTIONS]\n\n"
            "Why is there a gap? Per wave, on the respondents with the measure, a group and\n"
            "every covariate: the raw gap (Danes - minorities) beside\n"
            "  - standardised group means and gap: each group's weights post-stratified to the\n"
            "    standard population of the survey's standard.csv over the covariates' cells\n"
            "    (R svystandardize);\n"
            "  - regression-adjusted means and gap: M ~ covariates + group by weighted least\n"
            "    squares, everyone predicted as a Dane and as a minority (R svypredmeans);\n"
            "  - the Oaxaca-Blinder decomposition with the pooled model (Jann's 'pooled'):\n"
            "    gap = explained (by the covariates' composition, also per covariate) +\n"
            "    unexplained, the covariates' group means treated as random;\n"
            "and the same for the change since the baseline wave (variances of independent\n"
            "waves add; Satterthwaite df). Each wave is its own design. Covariates are code\n"
            "variables (factors, first code the reference), numeric variables, derived\n"
            "variables of derived.csv, or the roles district and wave. An undefined quantity\n"
            "(an empty group, a standard cell without respondents of a group) is empty, with\n"
            "the reason on stderr; the rest stands.\n\n"
            "Options:\n"
            "  -s, --survey ID       the survey (required)\n"
            "  -m, --measure M       an index, dimension, share or item (required)\n"
            "  -c, --covariates A,B  the covariates (required)\n"
            "      --waves W,...     waves (default: all stored)\n"
            "      --baseline W      baseline wave of the changes (default: the first)\n"
            "      --standard pooled standardise to each wave's estimated distribution of the\n"
            "                        covariates' cells over both groups (default: standard.csv;\n"
            "                        without one the standardised means are left out, said so)\n"
            "      --no-standard     leave the standardised means out\n"
            "      --level L         confidence level (default 0.95)\n"
            "      --variance M      linearization (default), jk1, jkn, brr, fay, bootstrap,\n"
            "                        supplied (the producer's, survey.ini [replicates])\n"
            "      --replicates B    bootstrap replicates (default 100); --seed S (default 1);\n"
            "                        --rho R Fay's rho (default 0.3)\n"
            "      --df D            one df for every CI (default: the wave's design df;\n"
            "                        Satterthwaite for changes)\n"
            "      --weights NAME    a weight set of `helby weight` (default: base weights)\n"
            "      --format F        text (default), csv (wave;quantity;term;estimate;se;df;\n"
            "                        ci_low;ci_high;baseline, full precision; wave_label\n"
            "                        after wave where the codebook labels the waves) or json\n\n"
            "Example:\n"
            "  helby --db city.db explain --survey copenhagen --measure inclusion \\\n"
            "        --covariates ageband,sex --waves 2011,2014 --variance jkn\n");
}

typedef struct ex_args {
    const char *survey, *covariates, *waves;
    out_format format;
    helby_explain_request req;
} ex_args;

static int ex_bad(const char *opt, const char *arg, char *end)
{
    if (end && (*end || end == arg))
        return cli_usage("explain", "option '%s' needs a number, not '%s'", opt, arg);
    return 0;
}

static int ex_option(ex_args *a, int c, const char *opt)
{
    char *end = NULL;
    switch (c) {
    case 's': a->survey = optarg; break;
    case 'm': a->req.measure = optarg; break;
    case 'c': a->covariates = optarg; break;
    case 'w': a->waves = optarg; break;
    case 'B': a->req.baseline = strtol(optarg, &end, 10); break;
    case 'N': a->req.no_standard = 1; break;
    case 'P':
        if (strcmp(optarg, "pooled"))
            return cli_usage("explain", "--standard takes 'pooled', not '%s'", optarg);
        a->req.standard_pooled = 1;
        break;
    case 'l': a->req.opt.level = strtod(optarg, &end); break;
    case 'W': a->req.weights = optarg; break;
    case 'V':
        if (!helby_variance_method_parse(optarg, &a->req.rep.type, &a->req.replicates))
            return cli_usage("explain",
                             "--variance must be linearization, jk1, jkn, brr, fay or "
                             "bootstrap, not '%s'",
                             optarg);
        break;
    case 'R': a->req.rep.replicates = (size_t)strtoul(optarg, &end, 10); break;
    case 'S': a->req.rep.seed = strtoull(optarg, &end, 10); break;
    case 'r': a->req.rep.fay_rho = strtod(optarg, &end); break;
    case 'd': a->req.opt.df = strtod(optarg, &end); break;
    case 'f':
        if (out_format_parse(optarg, &a->format))
            return cli_usage("explain", "--format must be text, csv or json, not '%s'", optarg);
        break;
    case ':': return cli_usage("explain", "option '%s' needs a value", opt);
    default: return cli_usage("explain", "unknown option '%s'", opt);
    }
    return ex_bad(opt, optarg, end);
}

static int ex_parse(ex_args *a, int argc, char **argv)
{
    static const struct option opts[] = {
        {"survey", required_argument, 0, 's'},     {"measure", required_argument, 0, 'm'},
        {"covariates", required_argument, 0, 'c'}, {"waves", required_argument, 0, 'w'},
        {"baseline", required_argument, 0, 'B'},   {"no-standard", no_argument, 0, 'N'},
        {"standard", required_argument, 0, 'P'},   {"level", required_argument, 0, 'l'},
        {"weights", required_argument, 0, 'W'},    {"variance", required_argument, 0, 'V'},
        {"replicates", required_argument, 0, 'R'}, {"seed", required_argument, 0, 'S'},
        {"rho", required_argument, 0, 'r'},        {"df", required_argument, 0, 'd'},
        {"format", required_argument, 0, 'f'},     {0, 0, 0, 0}};
    int c, rc;
    memset(a, 0, sizeof *a);
    helby_explain_request_default(&a->req);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:s:m:c:", opts, NULL)) != -1)
        if ((rc = ex_option(a, c, argv[optind - 1])))
            return rc;
    if (!a->survey || !a->req.measure || !a->covariates)
        return cli_usage("explain", "needs --survey ID, --measure M and --covariates A,B");
    if (optind < argc)
        return cli_usage("explain", "unexpected argument '%s'", argv[optind]);
    if (!(a->req.opt.level > 0 && a->req.opt.level < 1))
        return cli_usage("explain", "--level must lie between 0 and 1");
    if (a->req.rep.replicates < 2 || !(a->req.rep.fay_rho > 0 && a->req.rep.fay_rho < 1) ||
        a->req.opt.df < 0)
        return cli_usage("explain", "--replicates must be >= 2, --rho in (0, 1), --df >= 0");
    return 0;
}

static const out_col ex_cols[] = {
    {"wave", OUT_INT, 0, NULL},     {"quantity", OUT_STR, 0, NULL}, {"term", OUT_STR, 0, NULL},
    {"estimate", OUT_NUM, 0, NULL}, {"se", OUT_NUM, 0, NULL},       {"df", OUT_NUM, 0, NULL},
    {"ci_low", OUT_NUM, 0, NULL},   {"ci_high", OUT_NUM, 0, NULL},  {"baseline", OUT_STR, 0, NULL}};

static void ex_table(const helby_explain_result *r, const helby_survey *s, out_format format)
{
    out_table T;
    out_begin_waves(&T, stdout, format, ex_cols, sizeof ex_cols / sizeof ex_cols[0], s, NULL);
    for (size_t i = 0; i < r->n_rows; i++) {
        const helby_explain_row *x = &r->rows[i];
        char base[24] = "";
        if (x->baseline)
            snprintf(base, sizeof base, "%ld", x->baseline);
        out_value v[9] = {{.i = x->wave},       {.s = x->quantity},  {.s = x->term},
                          {.d = x->e.estimate}, {.d = x->e.se},      {.d = x->e.df},
                          {.d = x->e.ci_low},   {.d = x->e.ci_high}, {.s = base}};
        out_row(&T, v);
    }
    out_end(&T);
}

/* Decimals for a number with standard error se: two, or enough for two digits of the SE
 * (0.004 with SE 0.001, not "0.00"), at most six. */
static int ex_dec(double se)
{
    if (!(se > 0) || !isfinite(se))
        return 2;
    int d = 1 - (int)floor(log10(se));
    return d < 2 ? 2 : d > 6 ? 6 : d;
}

/* "7.70 (95 % CI 5.10 to 10.30)" or "undefined". */
static const char *ex_num(char *buf, size_t n, const helby_estimate *e, double level)
{
    int d = ex_dec(e->se);
    if (isnan(e->estimate))
        snprintf(buf, n, "undefined");
    else
        snprintf(buf, n, "%.*f (%g %% CI %.*f to %.*f)", d, e->estimate, level * 100, d, e->ci_low,
                 d, e->ci_high);
    return buf;
}

static void ex_means(const helby_explain_fit *f, int d, int m, int g, const char *label,
                     double level)
{
    char a[96], b[96], c[96];
    printf("  %s: Danes %s, minorities %s,\n    gap %s\n", label,
           ex_num(a, sizeof a, &f->q[d], level), ex_num(b, sizeof b, &f->q[m], level),
           ex_num(c, sizeof c, &f->q[g], level));
}

/* The decomposition in words, never saying more than the numbers: a reversed gap and a
 * negative explained part are described as such, never as shares above 100 %. */
static void ex_words(const helby_explain_fit *f, const char *covs, double level)
{
    const helby_estimate *g = &f->q[HELBY_EX_RAW_GAP], *e = &f->q[HELBY_EX_EXPLAINED];
    const helby_estimate *u = &f->q[HELBY_EX_UNEXPLAINED];
    char b[96];
    const int dg = ex_dec(g->se), de = ex_dec(e->se);
    if (isnan(g->estimate) || isnan(e->estimate)) {
        printf("  The gap cannot be decomposed in this wave.\n");
        return;
    }
    if (g->estimate >= 0)
        printf("  Of the gap of %.*f points (Danes above minorities), ", dg, g->estimate);
    else
        printf("  The gap is reversed: minorities score %.*f points above ethnic Danes. Of "
               "Danes - minorities = %.*f, ",
               dg, -g->estimate, dg, g->estimate);
    printf("%.*f %s explained by the composition by %s (%g %% CI %.*f to %.*f)", de, e->estimate,
           fabs(e->estimate) == 1 ? "is" : "are", covs, level * 100, de, e->ci_low, de, e->ci_high);
    /* A direction is claimed only when the CI excludes zero: otherwise the sample cannot
     * tell the explained part from none at all. */
    if (e->ci_low <= 0 && e->ci_high >= 0)
        printf(": not distinguishable from zero at this level");
    else if (e->estimate * g->estimate < 0)
        printf(": the composition works against the gap, which would otherwise be larger in size");
    printf(";\n  unexplained (the group's own coefficient): %s.\n", ex_num(b, sizeof b, u, level));
}

static void ex_terms(const helby_explain_fit *f, const char *const *names, double level,
                     const char *what)
{
    char a[96];
    for (size_t t = 0; t < f->n_terms; t++)
        printf("    %s %s: %s\n", what, names[t], ex_num(a, sizeof a, &f->terms[t], level));
}

static const helby_estimate *ex_find(const helby_explain_result *r, long wave, int change,
                                     const char *q, const char *term)
{
    char name[48];
    snprintf(name, sizeof name, "%s%s", change ? "change_" : "", q);
    for (size_t i = 0; i < r->n_rows; i++)
        if (r->rows[i].wave == wave && !!r->rows[i].baseline == change &&
            !strcmp(r->rows[i].quantity, name) && !strcmp(r->rows[i].term, term))
            return &r->rows[i].e;
    return NULL;
}

static void ex_change(const helby_explain_result *r, const helby_survey *s, size_t w,
                      const char *const *names, const char *covs, double level)
{
    long wave = r->wave_ids[w];
    char base[128];
    cli_wave_name(s, r->wave_ids[r->baseline], NULL, base, sizeof base);
    const helby_estimate *g = ex_find(r, wave, 1, "raw_gap", "");
    const helby_estimate *e = ex_find(r, wave, 1, "explained", "total");
    const helby_estimate *u = ex_find(r, wave, 1, "unexplained", "");
    char a[96], b[96], c[96];
    if (!g || !e || !u)
        return;
    printf("  Since %s the gap changed by %s;\n  of this change %s is the change in the "
           "explained part (composition by %s),\n  %s the change in the unexplained part.\n",
           base, ex_num(a, sizeof a, g, level), ex_num(b, sizeof b, e, level), covs,
           ex_num(c, sizeof c, u, level));
    for (size_t t = 0; t < r->fits[w].n_terms; t++) {
        const helby_estimate *x = ex_find(r, wave, 1, "explained", names[t]);
        if (x)
            printf("    change explained by %s: %s\n", names[t], ex_num(a, sizeof a, x, level));
    }
}

/* The covariates for a sentence: "ageband", "ageband and sex", "a, b and c". */
static void ex_join(const cli_list *C, char *buf, size_t n)
{
    size_t at = 0;
    buf[0] = 0;
    for (size_t i = 0; i < C->n && at < n; i++) {
        const char *sep = i == 0 ? "" : i + 1 == C->n ? " and " : ", ";
        at += (size_t)snprintf(buf + at, n - at, "%s%s", sep, C->item[i]);
    }
}

static void ex_text(const helby_explain_result *r, const helby_survey *s, const ex_args *a,
                    const cli_list *C)
{
    const double level = a->req.opt.level;
    char covs[512], wave[128];
    ex_join(C, covs, sizeof covs);
    if (r->standard_note[0])
        printf("Note: %s.\n\n", r->standard_note);
    for (size_t w = 0; w < r->n_waves; w++) {
        const helby_explain_fit *f = &r->fits[w];
        printf("%s — wave %s: %zu respondents with %s and every covariate (%zu ethnic Danes, "
               "%zu minorities); df %g\n",
               a->req.measure, cli_wave_name(s, r->wave_ids[w], NULL, wave, sizeof wave), f->n_used,
               a->req.measure, f->n_group[0], f->n_group[1], f->df);
        ex_means(f, HELBY_EX_MEAN_DANES, HELBY_EX_MEAN_MINORITIES, HELBY_EX_RAW_GAP, "raw", level);
        if (r->standardised)
            ex_means(f, HELBY_EX_STD_MEAN_DANES, HELBY_EX_STD_MEAN_MINORITIES, HELBY_EX_STD_GAP,
                     a->req.standard_pooled ? "standardised to the wave's pooled cells"
                                            : "standardised to standard.csv",
                     level);
        ex_means(f, HELBY_EX_ADJ_MEAN_DANES, HELBY_EX_ADJ_MEAN_MINORITIES, HELBY_EX_ADJ_GAP,
                 "regression-adjusted", level);
        ex_words(f, covs, level);
        ex_terms(f, C->item, level, "explained by");
        if (w != r->baseline)
            ex_change(r, s, w, C->item, covs, level);
        if (f->note[0])
            printf("  Note: %s.\n", f->note);
        printf("\n");
    }
}

static int ex_run(helby_store *st, const helby_survey *s, ex_args *a, const cli_list *C)
{
    helby_error err;
    helby_explain_result *r = NULL;
    a->req.covariates = C->item;
    a->req.n_covariates = C->n;
    if (helby_explain(st, s, &a->req, &r, &err))
        return err.code == HELBY_EUSAGE ? cli_usage("explain", "%s", err.message) : cli_fail(&err);
    if (r->standard_note[0] && a->format != OUT_TEXT)
        fprintf(stderr, "helby: explain: %s\n", r->standard_note);
    if (a->format == OUT_TEXT) {
        ex_text(r, s, a, C);
    } else {
        char wave[128];
        ex_table(r, s, a->format);
        for (size_t w = 0; w < r->n_waves; w++)
            if (r->fits[w].note[0])
                fprintf(stderr, "helby: explain: wave %s: %s\n",
                        cli_wave_name(s, r->wave_ids[w], NULL, wave, sizeof wave), r->fits[w].note);
    }
    helby_explain_result_free(r);
    return 0;
}

int cmd_explain(cli_global *g, int argc, char **argv)
{
    ex_args a;
    int rc = ex_parse(&a, argc, argv);
    if (rc)
        return rc;
    helby_store *st = NULL;
    if ((rc = cli_open_store(g, HELBY_OPEN_READONLY, &st)))
        return rc;
    helby_error err;
    helby_survey *s = NULL;
    long *waves = NULL;
    cli_list C = {0};
    if (helby_store_get_survey(st, a.survey, &s, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    if (cli_parse_waves(a.waves, &waves, &a.req.n_waves)) {
        rc = cli_usage("explain", "--waves needs years like 2011,2012");
        goto done;
    }
    a.req.waves = waves;
    if (cli_list_split(a.covariates, &C) || C.n == 0) {
        rc = cli_usage("explain", "--covariates needs names like ageband,sex");
        goto done;
    }
    rc = ex_run(st, s, &a, &C);
done:
    cli_list_free(&C);
    free(waves);
    helby_survey_free(s);
    helby_store_close(st);
    return rc;
}
