/* cmd_estimate.c — helby estimate: design-based means and proportions of a stored survey's
 * variables by domains, with linearization or replicate variance. */
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

void help_estimate(FILE *out)
{
    fprintf(out,
            "Usage: helby estimate --survey ID [OPTIONS]\n\n"
            "Design-based estimates from the stored waves: the mean of each --var (missing\n"
            "codes left out) and the proportion of each --share, by the domains of --by, with\n"
            "standard errors, confidence intervals, design df, unweighted n and deff. Waves are\n"
            "independent samples: strata and PSUs are taken within wave. Cells with fewer\n"
            "respondents than the survey's min_cell are suppressed.\n\n"
            "Options:\n"
            "  -s, --survey ID       the survey (required)\n"
            "  -v, --var A,B         items or other coded/real variables (default: none)\n"
            "      --share S,T       shares from shares.csv (default: all, when no --var)\n"
            "  -i, --index I,J       indices or dimensions of indices.csv, scored 0-100 per\n"
            "                        respondent (docs/method.md §1) and averaged\n"
            "  -b, --by X,Y          domain variables: group (ethnic Danes / minorities) or any\n"
            "                        coded variable, e.g. origin, wave, district (default: none)\n"
            "  -w, --waves W,...     waves to use (default: all stored)\n"
            "      --variance M      linearization (default), jk1, jkn, brr, fay, bootstrap,\n"
            "                        supplied (the producer's, survey.ini [replicates])\n"
            "      --weights NAME    a weight set of `helby weight` (default: base weights)\n"
            "      --replicates B    bootstrap replicates (default 100)\n"
            "      --seed S          bootstrap seed (default 1)\n"
            "      --rho R           Fay's rho (default 0.3)\n"
            "      --ci M            t (default), normal; for shares logit (default), beta, wald\n"
            "      --share-ci M      the shares' CI alone: logit, beta or wald (as compute)\n"
            "      --level L         confidence level (default 0.95)\n"
            "      --df D            degrees of freedom for CIs (default: the design's,\n"
            "                        PSUs - strata, or the replicate weights' rank - 1)\n"
            "      --share-df R      a share's CI on a domain: domain (default, R svyby of\n"
            "                        svyciprop: the domain's PSUs - strata) or design (the\n"
            "                        wave's df, as Stata; Korn-Graubard keeps the domain's)\n"
            "      --min-cell N      suppression threshold (default: the survey's min_cell)\n"
            "      --quantiles P,... quantiles instead of means, e.g. 0.25,0.5,0.75 (R\n"
            "                        svyquantile, survey >= 4.1): Woodruff CIs, t on the\n"
            "                        domain's df (its PSUs - strata), SE = CI length / (2 t);\n"
            "                        bootstrap, brr, fay: the replicate quantiles' variance\n"
            "                        (interval.type \"quantile\"); jk1, jkn refused\n"
            "      --qrule R         math (default: the smallest value with weight share >=\n"
            "                        p), school (the midpoint where the share is exactly p),\n"
            "                        hf7 (R's interpolating rule)\n"
            "      --total           totals instead of means (R svytotal): the weighted sum\n"
            "      --ratio A/B,...   ratios of two measures, sum w a / sum w b over the\n"
            "                        respondents with both (R svyratio); alone\n"
            "      --where C         a subpopulation as a domain: 'sex=2', 'ageband=1|2,group=1',\n"
            "                        'district!=5'; the design is kept whole (R subset())\n"
            "      --change W0:W1    the change of each estimate from wave W0 to W1 (by\n"
            "                        wave and --by) with its test: waves are independent\n"
            "                        samples, SE = sqrt(SE0^2 + SE1^2), Satterthwaite df, t\n"
            "                        CI; columns from, to, estimate, se, ci_low, ci_high, df,\n"
            "                        t, p, n, flag ('significant' when the CI excludes 0)\n"
            "      --lang da|en      labels (default: the survey's language; English value\n"
            "                        labels from the codebook's values_en)\n"
            "  -f, --format F        text (default), csv or json\n\n"
            "Columns: measure (with --quantiles then quantile, the probability), per --by variable "
            "its code and label (e.g. group, group_label),\n"
            "estimate, se, ci_low, ci_high, df, n, deff, flag (flag: 'suppressed' below\n"
            "min_cell, numbers withheld; 'unreliable' when the relative SE > 30 %%). Group\n"
            "codes: 0 ethnic Danes, 1 ethnic minorities. CSV and JSON carry full precision;\n"
            "an undefined value is empty (CSV) or null (JSON).\n\n"
            "Example:\n"
            "  helby --db city.db estimate --survey copenhagen --var tillid_politi "
            "--by group,wave\n");
}

/* What the command line asked for, beside the library's request. */
typedef struct est_args {
    const char *survey, *vars, *shares, *indices, *by, *waves, *variance, *ci, *lang;
    const char *quantiles, *qrule, *ratio, *change;
    long change_from, change_to;      /* --change FROM:TO */
    char **num, **den, **ratio_names; /* --ratio A/B: numerators, denominators, "A/B" */
    const char *share_ci;             /* --share-ci, as compute spells it */
    double probs[64];
    out_format format;
    helby_estimate_request req;
} est_args;

static int parse_ci(const char *ci, helby_estimate_request *r)
{
    if (!ci)
        return 0;
    if (!strcmp(ci, "t") || !strcmp(ci, "normal"))
        r->mean_ci = r->share_ci = !strcmp(ci, "t") ? HELBY_CI_T : HELBY_CI_NORMAL;
    else if (!strcmp(ci, "logit"))
        r->share_ci = HELBY_CI_LOGIT;
    else if (!strcmp(ci, "beta"))
        r->share_ci = HELBY_CI_BETA;
    else if (!strcmp(ci, "wald"))
        r->share_ci = HELBY_CI_WALD;
    else
        return -1;
    return 0;
}

/* One option of est_args; returns 0, or the usage exit code. */
static int est_option(est_args *a, int c, const char *arg, const char *opt)
{
    helby_estimate_request *r = &a->req;
    char *end = NULL;
    long v;
    switch (c) {
    case 's': a->survey = arg; break;
    case 'v': a->vars = arg; break;
    case 'i': a->indices = arg; break;
    case 'S': a->shares = arg; break;
    case 'b': a->by = arg; break;
    case 'w': a->waves = arg; break;
    case 'V': a->variance = arg; break;
    case 'W': r->weights = arg; break;
    case 'R':
        v = strtol(arg, &end, 10);
        if (v < 2)
            return cli_usage("estimate", "--replicates must be at least 2");
        r->rep.replicates = (size_t)v;
        break;
    case 'e': r->rep.seed = strtoull(arg, &end, 10); break;
    case 'r': r->rep.fay_rho = strtod(arg, &end); break;
    case 'c': a->ci = arg; break;
    case 'C': a->share_ci = arg; break;
    case 'l': r->opt.level = strtod(arg, &end); break;
    case 'm': r->min_cell = strtol(arg, &end, 10); break;
    case 'L': a->lang = arg; break;
    case 'd': r->opt.df = strtod(arg, &end); break;
    case 'D': return cli_share_df("estimate", arg, &r->opt.share_df);
    case 'Q': a->quantiles = arg; break;
    case 'q': a->qrule = arg; break;
    case 'H': r->where = arg; break;
    case 'T': r->totals = 1; break;
    case 'A': a->ratio = arg; break;
    case 'X':
        a->change = arg;
        if (est_parse_change(arg, &a->change_from, &a->change_to))
            return cli_usage("estimate",
                             "--change needs two different waves like 2011:2014, "
                             "not '%s'",
                             arg);
        break;
    case 'f':
        if (out_format_parse(arg, &a->format))
            return cli_usage("estimate", "--format must be text, csv or json, not '%s'", arg);
        break;
    default: return cli_usage("estimate", "unknown option '%s'", opt);
    }
    if (end && (*end || end == arg))
        return cli_usage("estimate", "option '%s' needs a number, not '%s'", opt, arg);
    return 0;
}

/* --quantiles P,... and --qrule into the request; 0 or the usage exit code. */
static int est_quantiles(est_args *a)
{
    helby_estimate_request *r = &a->req;
    if (a->qrule && !a->quantiles)
        return cli_usage("estimate", "--qrule needs --quantiles");
    if (a->qrule && !helby_qrule_parse(a->qrule, &r->qrule))
        return cli_usage("estimate", "--qrule must be math, school or hf7, not '%s'", a->qrule);
    for (const char *p = a->quantiles; p && *p;) {
        char *end = NULL;
        double v = strtod(p, &end);
        if (end == p || (*end && *end != ',') || !(v >= 0 && v <= 1))
            return cli_usage("estimate",
                             "--quantiles needs probabilities between 0 and 1 like 0.25,0.5,0.75, "
                             "not '%s'",
                             a->quantiles);
        if (r->n_quantiles == sizeof a->probs / sizeof a->probs[0])
            return cli_usage("estimate", "--quantiles: at most 64");
        a->probs[r->n_quantiles++] = v;
        p = *end ? end + 1 : end;
    }
    if (a->quantiles && r->n_quantiles == 0)
        return cli_usage("estimate", "--quantiles needs at least one probability");
    if (r->n_quantiles && a->ci && strcmp(a->ci, "t") && strcmp(a->ci, "normal"))
        return cli_usage("estimate", "--quantiles takes --ci t or normal, not '%s'", a->ci);
    r->quantiles = a->probs;
    return 0;
}

static int est_parse(est_args *a, int argc, char **argv)
{
    static const struct option opts[] = {
        {"survey", required_argument, 0, 's'},   {"var", required_argument, 0, 'v'},
        {"share", required_argument, 0, 'S'},    {"by", required_argument, 0, 'b'},
        {"waves", required_argument, 0, 'w'},    {"variance", required_argument, 0, 'V'},
        {"weights", required_argument, 0, 'W'},  {"replicates", required_argument, 0, 'R'},
        {"seed", required_argument, 0, 'e'},     {"rho", required_argument, 0, 'r'},
        {"ci", required_argument, 0, 'c'},       {"level", required_argument, 0, 'l'},
        {"min-cell", required_argument, 0, 'm'}, {"lang", required_argument, 0, 'L'},
        {"format", required_argument, 0, 'f'},   {"df", required_argument, 0, 'd'},
        {"index", required_argument, 0, 'i'},    {"quantiles", required_argument, 0, 'Q'},
        {"qrule", required_argument, 0, 'q'},    {"where", required_argument, 0, 'H'},
        {"total", no_argument, 0, 'T'},          {"ratio", required_argument, 0, 'A'},
        {"share-ci", required_argument, 0, 'C'}, {"share-df", required_argument, 0, 'D'},
        {"change", required_argument, 0, 'X'},   {0, 0, 0, 0}};
    int c, rc;
    memset(a, 0, sizeof *a);
    a->variance = "linearization";
    helby_estimate_request_default(&a->req);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:s:v:b:w:f:i:", opts, NULL)) != -1) {
        if (c == ':')
            return cli_usage("estimate", "option '%s' needs a value", argv[optind - 1]);
        if ((rc = est_option(a, c == '?' ? 0 : c, optarg, argv[optind - 1])))
            return rc;
    }
    if (!a->survey)
        return cli_usage("estimate", "missing --survey ID");
    if (optind < argc)
        return cli_usage("estimate", "unexpected argument '%s'", argv[optind]);
    if (!(a->req.opt.level > 0 && a->req.opt.level < 1))
        return cli_usage("estimate", "--level must lie between 0 and 1");
    if (a->req.opt.df < 0)
        return cli_usage("estimate", "--df must be positive");
    if (!helby_variance_method_parse(a->variance, &a->req.rep.type, &a->req.replicates))
        return cli_usage(
            "estimate",
            "--variance must be linearization, jk1, jkn, brr, fay, bootstrap or supplied");
    if (parse_ci(a->ci, &a->req))
        return cli_usage("estimate", "--ci must be t, normal, logit, beta or wald");
    if (a->share_ci && (!strcmp(a->share_ci, "t") || !strcmp(a->share_ci, "normal") ||
                        parse_ci(a->share_ci, &a->req)))
        return cli_usage("estimate", "--share-ci must be logit, beta or wald");
    return est_quantiles(a);
}

/* The measures asked, each checked against the option that named it; with none, every
 * share of the survey. Returns 0 or the usage exit code. */
static int est_measures(const est_args *a, const helby_survey *s, cli_list *L)
{
    static const char *const opt[] = {"--var", "--share", "--index"};
    static const char *const want[] = {"a numeric variable", "in shares.csv",
                                       "an index or dimension"};
    const char *lists[] = {a->vars, a->shares, a->indices};
    char *all = NULL;
    size_t len = 1, used = 0;
    for (int k = 0; k < 3; k++)
        len += lists[k] ? strlen(lists[k]) + 1 : 0;
    for (size_t i = 0; !a->vars && !a->shares && !a->indices && i < s->n_shares; i++)
        len += strlen(s->shares[i].name) + 1;
    if (!(all = calloc(len, 1)))
        return cli_usage("estimate", "out of memory");
    for (int k = 0; k < 3; k++) {
        cli_list one;
        if (cli_list_split(lists[k], &one))
            return free(all), cli_usage("estimate", "out of memory");
        for (size_t i = 0; i < one.n; i++) {
            helby_measure_kind m = helby_measure_kind_of(s, one.item[i]);
            size_t v = helby_survey_find_var(s, one.item[i]);
            int ok = k == 0   ? v != HELBY_NO_VAR && s->vars[v].type != HELBY_TYPE_TEXT
                     : k == 1 ? m == HELBY_MEASURE_SHARE
                              : m == HELBY_MEASURE_INDEX || m == HELBY_MEASURE_DIMENSION;
            if (!ok) {
                int rc = cli_input("estimate", "%s %s is not %s of survey %s", opt[k], one.item[i],
                                   want[k], s->id);
                cli_list_free(&one);
                free(all);
                return rc;
            }
            used += (size_t)sprintf(all + used, "%s%s", used ? "," : "", one.item[i]);
        }
        cli_list_free(&one);
    }
    for (size_t i = 0; !a->vars && !a->shares && !a->indices && i < s->n_shares; i++)
        used += (size_t)sprintf(all + used, "%s%s", used ? "," : "", s->shares[i].name);
    int rc = cli_list_split(all, L) ? cli_usage("estimate", "out of memory") : 0;
    free(all);
    if (!rc && L->n == 0)
        rc = cli_usage("estimate", "nothing to estimate: give --var, --share or --index");
    return rc;
}

static void est_preamble(const est_args *a, const helby_survey *s)
{
    const helby_estimate_request *r = &a->req;
    if (r->n_quantiles) {
        printf("%s — weights: %s; quantiles (R svyquantile, qrule %s); %g %% CIs: %s\n", s->id,
               r->weights ? r->weights : "base", helby_qrule_name(r->qrule), 100 * r->opt.level,
               r->replicates                   ? "replicate quantiles' variance"
               : r->mean_ci == HELBY_CI_NORMAL ? "Woodruff, normal"
                                               : "Woodruff, t on the domain's df");
        return;
    }
    printf("%s — weights: %s; variance: %s; %g %% CIs: %s for means, %s for shares\n", s->id,
           r->weights ? r->weights : "base", r->replicates ? a->variance : "linearization",
           100 * r->opt.level, r->mean_ci == HELBY_CI_NORMAL ? "normal" : "t on the design df",
           r->share_ci == HELBY_CI_LOGIT  ? "logit"
           : r->share_ci == HELBY_CI_BETA ? "Korn-Graubard beta"
           : r->share_ci == HELBY_CI_WALD ? "Wald (t)"
                                          : "as for means");
}

/* --ratio A/B,C/D into M (the numerators) and the request's denominators; 0 or the usage
 * exit code. */
static int est_ratios(est_args *a, const helby_survey *s, cli_list *M)
{
    if (a->vars || a->shares || a->indices || a->req.totals || a->req.n_quantiles)
        return cli_usage("estimate", "--ratio goes alone (no --var, --share, --index, --total "
                                     "or --quantiles)");
    cli_list R;
    if (cli_list_split(a->ratio, &R) || !R.n)
        return cli_usage("estimate", "--ratio needs A/B");
    a->num = calloc(R.n + 1, sizeof *a->num), a->den = calloc(R.n + 1, sizeof *a->den);
    a->ratio_names = calloc(R.n + 1, sizeof *a->ratio_names);
    int rc = !a->num || !a->den || !a->ratio_names ? cli_usage("estimate", "out of memory") : 0;
    for (size_t i = 0; !rc && i < R.n; i++) {
        char *slash = strchr(R.item[i], '/');
        if (!slash || slash == R.item[i] || !slash[1]) {
            rc = cli_usage("estimate", "--ratio needs A/B, not '%s'", R.item[i]);
            break;
        }
        a->ratio_names[i] = strdup(R.item[i]);
        *slash = '\0';
        a->num[i] = strdup(R.item[i]), a->den[i] = strdup(slash + 1);
        for (int k = 0; k < 2; k++) {
            const char *m = k ? a->den[i] : a->num[i];
            if (m && helby_measure_kind_of(s, m) == HELBY_MEASURE_UNKNOWN)
                rc = cli_input("estimate", "--ratio: %s is not a measure of survey %s", m, s->id);
        }
    }
    M->n = rc ? 0 : R.n;
    M->item = (const char **)a->num;
    a->req.denominators = (const char *const *)a->den;
    cli_list_free(&R);
    return rc;
}

/* The table: measure, code and label of each by-variable, the estimate's numbers, flag. */
static void est_print(const est_args *a, const helby_survey *s, const helby_estimate_table *t)
{
    size_t nb = t->n_by, nq = t->n_quantiles ? 1 : 0, nc = 1 + nq + 2 * nb + 8;
    out_col *cols = calloc(nc, sizeof *cols);
    out_value *v = calloc(nc, sizeof *v);
    char(*names)[80] = calloc(nb + 1, sizeof *names), (*labels)[160] = calloc(nb + 1, 160);
    if (!cols || !v || !names || !labels) {
        free(cols), free(v), free(names), free(labels);
        fprintf(stderr, "helby: out of memory\n");
        return;
    }
    static const out_col tail[] = {{"estimate", OUT_NUM, 10, NULL}, {"se", OUT_NUM, 9, NULL},
                                   {"ci_low", OUT_NUM, 9, NULL},    {"ci_high", OUT_NUM, 9, NULL},
                                   {"df", OUT_NUM, 6, "%g"},        {"n", OUT_INT, 6, NULL},
                                   {"deff", OUT_NUM, 6, "%.3g"},    {"flag", OUT_STR, 0, NULL}};
    cols[0] = (out_col){"measure", OUT_STR, 20, NULL};
    if (nq)
        cols[1] = (out_col){"quantile", OUT_NUM, -8, "%g"};
    for (size_t i = 0; i < nb; i++) {
        snprintf(names[i], sizeof names[i], "%s_label", t->by[i]);
        cols[1 + nq + 2 * i] = (out_col){t->by[i], OUT_NUM, -6, "%.10g"};
        cols[2 + nq + 2 * i] = (out_col){names[i], OUT_STR, 24, NULL};
    }
    memcpy(cols + 1 + nq + 2 * nb, tail, sizeof tail);
    out_table T;
    out_begin(&T, stdout, a->format, cols, nc);
    for (size_t r = 0; r < t->n_rows; r++) {
        const helby_estimate_row *row = &t->rows[r];
        const helby_estimate *e = &row->est;
        v[0].s = a->ratio_names ? a->ratio_names[row->measure] : t->measures[row->measure];
        if (nq)
            v[1].d = row->quantile;
        for (size_t i = 0; i < nb; i++) {
            helby_domain_label(s, t->by[i], row->codes[i], a->lang, labels[i], 160);
            v[1 + nq + 2 * i].d = row->codes[i];
            v[2 + nq + 2 * i].s = labels[i];
        }
        out_value *x = v + 1 + nq + 2 * nb;
        x[0].d = e->estimate, x[1].d = e->se, x[2].d = e->ci_low, x[3].d = e->ci_high;
        x[4].d = e->df, x[5].i = (long long)e->n, x[6].d = e->deff;
        x[7].s = helby_cell_flag_name(row->flag);
        out_row(&T, v);
    }
    out_end(&T);
    free(cols), free(v), free(names), free(labels);
}

static int est_oom(void)
{
    helby_error e;
    helby_error_clear(&e);
    helby_error_set(&e, HELBY_ENOMEM, "out of memory");
    return cli_fail(&e);
}

/* --change: --by with the wave variable added when it does not name it; *by NULL when it
 * does. 0 or an exit code. */
static int est_change_by(const est_args *a, const helby_survey *s, char **by)
{
    *by = NULL;
    cli_list B = {0};
    if (cli_list_split(a->by, &B))
        return est_oom();
    int has = 0;
    for (size_t i = 0; i < B.n; i++)
        has |= !strcmp(B.item[i], "wave") || !strcmp(B.item[i], s->vars[s->wave_var].name);
    cli_list_free(&B);
    if (has)
        return 0;
    size_t n = (a->by ? strlen(a->by) : 0) + 6;
    if (!(*by = malloc(n)))
        return est_oom();
    snprintf(*by, n, "%s%swave", a->by ? a->by : "", a->by && *a->by ? "," : "");
    return 0;
}

/* The changes of --change from the table by wave; 0 or an exit code. */
static int est_changes(const est_args *a, const helby_survey *s, const helby_estimate_table *t)
{
    helby_error err;
    helby_error_clear(&err);
    helby_change_table *c = NULL;
    helby_estimate_options o = a->req.opt;
    o.ci = a->req.mean_ci;
    if (helby_estimate_changes(t, s, a->change_from, a->change_to, &o, &c, &err))
        return err.code == HELBY_ENOTFOUND
                   ? cli_input("estimate", "--change %s: %s", a->change, err.message)
                   : cli_fail(&err);
    if (a->format == OUT_TEXT)
        printf("changes %ld -> %ld: waves are independent samples, SE = sqrt(SE0^2 + SE1^2), "
               "t on Satterthwaite df; 'significant': the %g %% CI excludes 0\n",
               a->change_from, a->change_to, 100 * a->req.opt.level);
    est_print_changes(s, t, c, (const char *const *)a->ratio_names, a->lang, a->format);
    helby_change_table_free(c);
    return 0;
}

/* A library error: a by-variable the survey does not have is bad input of --by (exit 2). */
static int est_fail(const helby_error *err, const cli_list *by)
{
    for (size_t i = 0; err->code == HELBY_EINPUT && i < by->n; i++)
        if (!strcmp(err->variable, by->item[i]))
            return cli_input("estimate", "--by %s: %s", by->item[i], err->message);
    return cli_fail(err);
}

int cmd_estimate(cli_global *g, int argc, char **argv)
{
    est_args a;
    int rc = est_parse(&a, argc, argv);
    if (rc)
        return rc;
    helby_store *st = NULL;
    if ((rc = cli_open_store(g, HELBY_OPEN_READONLY, &st)))
        return rc;
    helby_error err;
    helby_error_clear(&err);
    helby_survey *s = NULL;
    helby_estimate_table *t = NULL;
    cli_list M = {0}, B = {0};
    long *waves = NULL;
    char *by = NULL; /* --change: --by with wave added when it lacks it */
    if (helby_store_get_survey(st, a.survey, &s, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    if (!a.lang)
        a.lang = s->language;
    if ((rc = a.ratio ? est_ratios(&a, s, &M) : est_measures(&a, s, &M)))
        goto done;
    if (a.change && (rc = est_change_by(&a, s, &by)))
        goto done;
    if (cli_list_split(by ? by : a.by, &B) || cli_parse_waves(a.waves, &waves, &a.req.n_waves)) {
        rc = cli_usage("estimate", "--waves needs years like 2011,2012");
        goto done;
    }
    a.req.measures = M.item, a.req.n_measures = M.n;
    a.req.by = B.item, a.req.n_by = B.n;
    a.req.waves = waves;
    if (helby_analysis_estimate(st, s, &a.req, &t, &err)) {
        rc = est_fail(&err, &B);
        goto done;
    }
    if (a.format == OUT_TEXT)
        est_preamble(&a, s);
    if (a.change)
        rc = est_changes(&a, s, t);
    else
        est_print(&a, s, t);
done:
    free(by);
    helby_estimate_table_free(t);
    if (a.ratio) {
        for (size_t i = 0; a.num && a.num[i]; i++)
            free(a.num[i]), free(a.den[i]), free(a.ratio_names[i]);
        free(a.num), free(a.den), free(a.ratio_names);
    } else {
        cli_list_free(&M);
    }
    cli_list_free(&B);
    free(waves);
    helby_survey_free(s);
    helby_store_close(st);
    return rc;
}
