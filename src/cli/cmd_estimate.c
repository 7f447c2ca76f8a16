/* cmd_estimate.c — helby estimate: design-based means and proportions of a stored survey's
 * variables by domains, with linearization or replicate variance. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "helby/analysis.h"
#include "helby/estimate.h"
#include "helby/score.h"
#include "helby/survey.h"

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
            "                        respondent (STATISTICS.md §1) and averaged\n"
            "  -b, --by X,Y          domain variables: group (ethnic Danes / minorities) or any\n"
            "                        coded variable, e.g. origin, wave, district (default: none)\n"
            "  -w, --waves W,...     waves to use (default: all stored)\n"
            "      --variance M      linearization (default), jk1, jkn, brr, fay, bootstrap\n"
            "      --weights NAME    a weight set of `helby weight` (default: base weights)\n"
            "      --replicates B    bootstrap replicates (default 100)\n"
            "      --seed S          bootstrap seed (default 1)\n"
            "      --rho R           Fay's rho (default 0.3)\n"
            "      --ci M            t (default), normal; for shares logit (default), beta, wald\n"
            "      --level L         confidence level (default 0.95)\n"
            "      --df D            degrees of freedom for CIs (default: the design's,\n"
            "                        PSUs - strata, or the replicate weights' rank - 1)\n"
            "      --min-cell N      suppression threshold (default: the survey's min_cell)\n"
            "      --lang da|en      labels (default: the survey's language)\n"
            "  -f, --format F        text (default), csv or json\n\n"
            "Columns: measure, the --by columns, estimate, se, ci_low, ci_high, df, n, deff, flag\n"
            "(flag: 'suppressed' below min_cell, 'unreliable' when the relative SE > 30 %%).\n\n"
            "Example:\n"
            "  helby --db city.db estimate --survey copenhagen --var tillid_politi "
            "--by group,wave\n");
}

typedef struct split {
    char *buf;
    char *item[64];
    size_t n;
} split;

static int split_list(const char *s, split *out)
{
    out->buf = strdup(s ? s : "");
    out->n = 0;
    if (!out->buf)
        return -1;
    for (char *tok = strtok(out->buf, ","); tok && out->n < 64; tok = strtok(NULL, ","))
        out->item[out->n++] = tok;
    return 0;
}

/* Label of a domain level for output. */
static void level_label(const helby_survey *s, const char *var, double code, const char *lang,
                        char *out, size_t n)
{
    if (strcmp(var, "group") == 0) {
        int da = strcmp(lang, "da") == 0;
        snprintf(out, n, "%s",
                 code == 0 ? (da ? "Etniske danskere" : "Ethnic Danes")
                           : (da ? "Etniske minoriteter" : "Ethnic minorities"));
        return;
    }
    size_t v = helby_survey_find_var(s, var);
    const char *l = v == HELBY_NO_VAR ? NULL : helby_variable_value_label(&s->vars[v], code);
    if (l && strcmp(var, "wave") != 0)
        snprintf(out, n, "%s", l);
    else
        snprintf(out, n, "%g", code);
}

static int is_code(const double *codes, size_t n, double x)
{
    for (size_t i = 0; i < n; i++)
        if (codes[i] == x)
            return 1;
    return 0;
}

typedef struct out_ctx {
    const char *format;
    int first_json;
    size_t n_by;
} out_ctx;

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

static void print_pad(const char *s, int width)
{
    int cols = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        cols += (*p & 0xC0) != 0x80;
    printf("%s%*s", s, width > cols ? width - cols : 0, "");
}

static void print_row(out_ctx *o, const char *measure, char levels[][128], const split *by,
                      const helby_estimate *e, const char *flag)
{
    int sup = strcmp(flag, "suppressed") == 0;
    if (strcmp(o->format, "csv") == 0) {
        printf("%s", measure);
        for (size_t i = 0; i < by->n; i++)
            printf(";%s", levels[i]);
        if (sup)
            printf(";;;;;%g;%zu;;%s\n", e->df, e->n, flag);
        else {
            /* deff is undefined (NaN) for ratios, n < 2 or a zero SRS variance: empty */
            char deff[32] = "";
            if (!isnan(e->deff))
                snprintf(deff, sizeof deff, "%.6g", e->deff);
            printf(";%.10g;%.10g;%.10g;%.10g;%g;%zu;%s;%s\n", e->estimate, e->se, e->ci_low,
                   e->ci_high, e->df, e->n, deff, flag);
        }
    } else if (strcmp(o->format, "json") == 0) {
        printf("%s\n  {\"measure\": ", o->first_json ? "" : ",");
        o->first_json = 0;
        json_str(measure);
        for (size_t i = 0; i < by->n; i++) {
            printf(", ");
            json_str(by->item[i]);
            printf(": ");
            json_str(levels[i]);
        }
        if (sup)
            printf(", \"estimate\": null, \"se\": null, \"ci_low\": null, \"ci_high\": null");
        else
            printf(", \"estimate\": %.10g, \"se\": %.10g, \"ci_low\": %.10g, \"ci_high\": %.10g",
                   e->estimate, e->se, e->ci_low, e->ci_high);
        printf(", \"df\": %g, \"n\": %zu, \"deff\": ", e->df, e->n);
        if (sup || isnan(e->deff))
            printf("null");
        else
            printf("%.6g", e->deff);
        printf(", \"flag\": ");
        json_str(flag);
        printf("}");
    } else {
        print_pad(measure, 20);
        for (size_t i = 0; i < by->n; i++) {
            putchar(' ');
            print_pad(levels[i], 26);
        }
        if (sup)
            printf(" %10s %9s %21s %6g %6zu %6s  %s\n", "–", "–", "–", e->df, e->n, "", flag);
        else {
            char ci[64];
            snprintf(ci, sizeof ci, "[%.4g, %.4g]", e->ci_low, e->ci_high);
            char deff[32] = "–";
            if (!isnan(e->deff))
                snprintf(deff, sizeof deff, "%6.3g", e->deff);
            printf(" %10.4g %9.4g %21s %6g %6zu %6s  %s\n", e->estimate, e->se, ci, e->df,
                   e->n, deff, flag);
        }
    }
}

int cmd_estimate(cli_global *g, int argc, char **argv)
{
    enum { O_SHARE = 256, O_VARIANCE, O_REPS, O_SEED, O_RHO, O_CI, O_LEVEL, O_MINCELL, O_LANG,
           O_DF, O_WEIGHTS };
    static const struct option opts[] = {
        {"weights", required_argument, 0, O_WEIGHTS},
        {"survey", required_argument, 0, 's'},     {"var", required_argument, 0, 'v'},
        {"share", required_argument, 0, O_SHARE},  {"by", required_argument, 0, 'b'},
        {"waves", required_argument, 0, 'w'},      {"variance", required_argument, 0, O_VARIANCE},
        {"replicates", required_argument, 0, O_REPS}, {"seed", required_argument, 0, O_SEED},
        {"rho", required_argument, 0, O_RHO},      {"ci", required_argument, 0, O_CI},
        {"level", required_argument, 0, O_LEVEL},  {"min-cell", required_argument, 0, O_MINCELL},
        {"lang", required_argument, 0, O_LANG},    {"format", required_argument, 0, 'f'},
        {"df", required_argument, 0, O_DF},       {"index", required_argument, 0, 'i'},
        {0, 0, 0, 0}};
    const char *survey = NULL, *vars = NULL, *shares = NULL, *byarg = NULL, *wavearg = NULL;
    const char *indices = NULL, *weights = NULL;
    const char *variance = "linearization", *ci = NULL, *format = "text", *lang = NULL;
    long reps = 100, mincell = -1;
    unsigned long long seed = 1;
    double rho = 0.3, level = 0.95, df = 0;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:s:v:b:w:f:i:", opts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 's': survey = optarg; break;
        case 'v': vars = optarg; break;
        case 'i': indices = optarg; break;
        case O_SHARE: shares = optarg; break;
        case 'b': byarg = optarg; break;
        case 'w': wavearg = optarg; break;
        case O_VARIANCE: variance = optarg; break;
        case O_WEIGHTS: weights = optarg; break;
        case O_REPS: reps = strtol(optarg, &end, 10); break;
        case O_SEED: seed = strtoull(optarg, &end, 10); break;
        case O_RHO: rho = strtod(optarg, &end); break;
        case O_CI: ci = optarg; break;
        case O_LEVEL: level = strtod(optarg, &end); break;
        case O_MINCELL: mincell = strtol(optarg, &end, 10); break;
        case O_LANG: lang = optarg; break;
        case O_DF: df = strtod(optarg, &end); break;
        case 'f': format = optarg; break;
        case ':': return cli_usage("estimate", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage("estimate", "unknown option '%s'", argv[optind - 1]);
        }
        if (end && *end)
            return cli_usage("estimate", "option '%s' needs a number, not '%s'",
                             argv[optind - 1], optarg);
    }
    if (!survey)
        return cli_usage("estimate", "missing --survey ID");
    if (optind < argc)
        return cli_usage("estimate", "unexpected argument '%s'", argv[optind]);
    if (strcmp(format, "text") && strcmp(format, "csv") && strcmp(format, "json"))
        return cli_usage("estimate", "--format must be text, csv or json, not '%s'", format);
    if (!(level > 0 && level < 1))
        return cli_usage("estimate", "--level must lie between 0 and 1");
    if (reps < 2)
        return cli_usage("estimate", "--replicates must be at least 2");
    helby_rep_spec rs = {HELBY_REP_JK1, rho, (size_t)reps, seed, 0};
    int use_reps = 0;
    if (!helby_variance_method_parse(variance, &rs.type, &use_reps))
        return cli_usage("estimate",
                         "--variance must be linearization, jk1, jkn, brr, fay or bootstrap");
    helby_estimate_options eo;
    helby_estimate_options_default(&eo);
    eo.level = level;
    if (df < 0)
        return cli_usage("estimate", "--df must be positive");
    eo.df = df;
    helby_ci_method share_ci = HELBY_CI_LOGIT, mean_ci = HELBY_CI_T;
    if (ci) {
        if (!strcmp(ci, "t"))
            share_ci = mean_ci = HELBY_CI_T;
        else if (!strcmp(ci, "normal"))
            share_ci = mean_ci = HELBY_CI_NORMAL;
        else if (!strcmp(ci, "logit"))
            share_ci = HELBY_CI_LOGIT;
        else if (!strcmp(ci, "beta"))
            share_ci = HELBY_CI_BETA;
        else if (!strcmp(ci, "wald"))
            share_ci = HELBY_CI_WALD;
        else
            return cli_usage("estimate", "--ci must be t, normal, logit, beta or wald");
    }

    helby_store *st = NULL;
    int rc = cli_open_store(g, HELBY_OPEN_READONLY, &st);
    if (rc)
        return rc;
    helby_error err;
    helby_error_clear(&err);
    helby_survey *s = NULL;
    split V = {0}, S = {0}, B = {0}, W = {0}, I = {0};
    helby_dataset *D = NULL;
    helby_design *design = NULL;
    helby_replicates *rep = NULL;
    long *waves = NULL, *dom = NULL;
    double *y = NULL;
    size_t nw = 0;
    char (*levels)[128] = NULL;
    double *dcodes = NULL;
    if (helby_store_get_survey(st, survey, &s, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    if (!lang)
        lang = s->language;
    if (mincell < 0)
        mincell = (long)s->min_cell;
    split_list(vars, &V);
    split_list(shares, &S);
    split_list(byarg, &B);
    split_list(wavearg, &W);
    split_list(indices, &I);
    if (!vars && !shares && !indices) {
        S.n = 0;
        for (size_t i = 0; i < s->n_shares && i < 64; i++)
            S.item[S.n++] = (char *)s->shares[i].name;
    }
    if (V.n + S.n + I.n == 0) {
        rc = cli_usage("estimate", "nothing to estimate: give --var, --share or --index");
        goto done;
    }
    /* Variables to load: measures, the share variables, the by variables. */
    const char *load[80];
    size_t nl = 0;

    for (size_t i = 0; i < V.n; i++) {
        size_t v = helby_survey_find_var(s, V.item[i]);
        if (v == HELBY_NO_VAR || s->vars[v].type == HELBY_TYPE_TEXT) {
            rc = cli_usage("estimate", "--var %s is not a numeric variable of survey %s",
                           V.item[i], s->id);
            goto done;
        }
        load[nl++] = V.item[i];
    }
    for (size_t i = 0; i < S.n; i++) {
        size_t k = 0;
        while (k < s->n_shares && strcmp(s->shares[k].name, S.item[i]))
            k++;
        if (k == s->n_shares) {
            rc = cli_usage("estimate", "--share %s is not in shares.csv of survey %s", S.item[i],
                           s->id);
            goto done;
        }

        load[nl++] = s->vars[s->shares[k].var].name;
    }
    for (size_t i = 0; i < B.n; i++) {
        const char *name = helby_survey_role_name(s, B.item[i]);
        size_t v = name ? helby_survey_find_var(s, name) : HELBY_NO_VAR;
        if (v == HELBY_NO_VAR || s->vars[v].type != HELBY_TYPE_CODE) {
            rc = cli_usage("estimate", "--by %s is not 'group' or a coded variable", B.item[i]);
            goto done;
        }
        load[nl++] = name;
    }
    /* Items of each --index measure, after the --by variables. */
    const helby_index *mix[64];
    const helby_dimension *mdim[64];

    for (size_t i = 0; i < I.n; i++) {
        if (!helby_find_measure(s, I.item[i], &mix[i], &mdim[i])) {
            rc = cli_usage("estimate", "--index %s is not an index or dimension of survey %s",
                           I.item[i], s->id);
            goto done;
        }

        for (size_t j = 0; j < mix[i]->n_dims; j++) {
            const helby_dimension *dm = &mix[i]->dims[j];
            if (mdim[i] && dm != mdim[i])
                continue;
            for (size_t q = 0; q < dm->n_items; q++) {
                if (nl >= sizeof load / sizeof load[0]) {
                    rc = cli_usage("estimate", "too many variables in one run");
                    goto done;
                }
                load[nl++] = s->vars[dm->items[q]].name;
            }
        }
    }
    helby_wave_info *wi = NULL;
    size_t nwi = 0;
    if (helby_store_list_waves(st, s->id, &wi, &nwi, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    waves = malloc((nwi + W.n + 1) * sizeof *waves);
    if (W.n) {
        for (size_t i = 0; i < W.n; i++) {
            char *end;
            waves[nw++] = strtol(W.item[i], &end, 10);
            if (*end) {
                free(wi);
                rc = cli_usage("estimate", "--waves needs years like 2011,2012");
                goto done;
            }
        }
    } else {
        for (size_t i = 0; i < nwi; i++)
            waves[nw++] = wi[i].wave;
    }
    free(wi);
    if (nw == 0) {
        helby_error_set(&err, HELBY_ENOTFOUND,
                        "survey %s has no waves in the store (import some with `helby import`)",
                        s->id);
        rc = cli_fail(&err);
        goto done;
    }
    if (helby_dataset_open(&D, st, s, waves, nw, load, nl, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    char wsums[2048] = "";
    if (helby_dataset_design(D, &design, &err) ||
        (use_reps && helby_replicates_new(&rep, design, &rs, &err)) ||
        (weights && helby_dataset_apply_weights(st, D, weights, design, &rep, wsums,
                                                 sizeof wsums, &err))) {
        rc = cli_fail(&err);
        goto done;
    }
    /* Domains: combinations of the --by levels that occur. */
    dom = malloc(D->n * sizeof *dom);
    size_t nd = 0, capd = 64;
    dcodes = malloc(capd * (B.n ? B.n : 1) * sizeof *dcodes);
    size_t by0 = V.n + S.n;
    for (size_t k = 0; k < D->n; k++) {
        double key[64];
        int ok = 1;
        for (size_t i = 0; i < B.n; i++) {
            double x = helby_dataset_col(D, load[by0 + i])[k];
            const helby_variable *bv = &s->vars[helby_survey_find_var(s, load[by0 + i])];
            if (isnan(x) || helby_variable_is_missing_code(bv, x))
                ok = 0;
            else if (strcmp(B.item[i], "group") == 0)
                x = is_code(s->danes_codes, s->n_danes_codes, x)
                        ? 0
                        : is_code(s->minority_codes, s->n_minority_codes, x) ? 1 : NAN;
            if (isnan(x))
                ok = 0;
            key[i] = x;
        }
        if (!ok) {
            dom[k] = -1;
            continue;
        }
        size_t d = 0;
        while (d < nd && memcmp(dcodes + d * B.n, key, B.n * sizeof *key) != 0)
            d++;
        if (d == nd) {
            if (nd == capd) {
                capd *= 2;
                dcodes = realloc(dcodes, capd * (B.n ? B.n : 1) * sizeof *dcodes);
            }
            memcpy(dcodes + nd * B.n, key, B.n * sizeof *key);
            nd++;
        }
        dom[k] = (long)d;
    }
    if (nd == 0)
        nd = 1;
    /* Domains in ascending order of their levels. */
    size_t *order = malloc(nd * sizeof *order);
    for (size_t i = 0; i < nd; i++)
        order[i] = i;
    for (size_t i = 1; i < nd; i++)
        for (size_t j = i; j > 0; j--) {
            const double *a = dcodes + order[j - 1] * B.n, *b = dcodes + order[j] * B.n;
            int gt = 0;
            for (size_t q = 0; q < B.n && !gt; q++) {
                if (a[q] != b[q]) {
                    gt = a[q] > b[q];
                    break;
                }
            }
            if (!gt)
                break;
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    y = malloc(D->n * sizeof *y);
    levels = calloc(B.n ? B.n : 1, sizeof *levels);
    out_ctx o = {format, 1, B.n};
    if (!strcmp(format, "csv")) {
        printf("measure");
        for (size_t i = 0; i < B.n; i++)
            printf(";%s", B.item[i]);
        printf(";estimate;se;ci_low;ci_high;df;n;deff;flag\n");
    } else if (!strcmp(format, "json")) {
        printf("[");
    } else {
        printf("%s — weights: %s; variance: %s; %g %% CIs: %s for means, %s for shares\n", s->id,
               weights ? weights : "base", use_reps ? variance : "linearization", 100 * level,
               mean_ci == HELBY_CI_NORMAL ? "normal" : "t on the design df",
               share_ci == HELBY_CI_LOGIT  ? "logit"
               : share_ci == HELBY_CI_BETA ? "Korn-Graubard beta"
               : share_ci == HELBY_CI_WALD ? "Wald (t)"
                                           : "as for means");
        print_pad("measure", 20);
        for (size_t i = 0; i < B.n; i++) {
            putchar(' ');
            print_pad(B.item[i], 26);
        }
        printf(" %10s %9s %21s %6s %6s %6s  %s\n", "estimate", "se", "CI", "df", "n", "deff",
               "flag");
    }
    for (size_t m = 0; m < V.n + S.n + I.n; m++) {
        int is_index = m >= V.n + S.n;
        const char *measure = m < V.n ? V.item[m] : !is_index ? S.item[m - V.n]
                                                              : I.item[m - V.n - S.n];
        if (helby_measure_values(D, measure, y, &err)) {
            rc = cli_fail(&err);
            free(order);
            goto done;
        }
        eo.ci = (m < V.n || is_index) ? mean_ci : share_ci;
        helby_estimates *e = NULL;
        helby_status r =
            use_reps ? helby_estimate_by_replicates(rep, HELBY_EST_MEAN, y, NULL,
                                                    B.n ? dom : NULL, nd, &eo, &e, &err)
                     : helby_estimate_by(design, HELBY_EST_MEAN, y, NULL, B.n ? dom : NULL, nd,
                                         &eo, &e, &err);
        if (r) {
            if (!strcmp(format, "json"))
                printf("\n]\n");
            rc = cli_fail(&err);
            free(order);
            goto done;
        }
        for (size_t i = 0; i < nd; i++) {
            size_t d = order[i];
            for (size_t q = 0; q < B.n; q++)
                level_label(s, B.item[q], dcodes[d * B.n + q], lang, levels[q], 128);
            const char *flag = (long)e->est[d].n < mincell ? "suppressed"
                               : e->est[d].unreliable      ? "unreliable"
                                                           : "";
            print_row(&o, measure, levels, &B, &e->est[d], flag);
        }
        helby_estimates_free(e);
    }
    if (!strcmp(format, "json"))
        printf("\n]\n");
    free(order);
done:
    free(V.buf), free(S.buf), free(B.buf), free(W.buf), free(I.buf);
    free(waves), free(dom), free(y), free(levels), free(dcodes);
    helby_dataset_free(D);
    helby_replicates_free(rep);
    helby_design_free(design);
    helby_survey_free(s);
    helby_store_close(st);
    return rc;
}
