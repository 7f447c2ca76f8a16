/* cmd_compare.c — helby compare: ethnic minorities vs ethnic Danes over the waves of a stored
 * survey for one measure (index, dimension, share or item), and the survey's goal verdicts. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "helby/analysis.h"
#include "helby/compare.h"
#include "helby/score.h"

void help_compare(FILE *out)
{
    fprintf(out,
            "Usage: helby compare --survey ID [OPTIONS]\n\n"
            "For each measure, per wave: the estimate for ethnic Danes and for minorities, the\n"
            "gap (Danes - minorities) and ratio (minorities / Danes) with CIs, and against the\n"
            "baseline wave the change of the gap (difference in differences) and the relative\n"
            "gap change, by the delta method with the covariance of the estimates; waves are\n"
            "independent samples. Then each goal of targets.csv on that measure with its\n"
            "verdict (STATISTICS.md §7): met when the whole CI is beyond the target, not met\n"
            "when the whole CI falls short, inconclusive otherwise; the rule is printed.\n\n"
            "Options:\n"
            "  -s, --survey ID     the survey (required)\n"
            "  -m, --measure M,N   indices, dimensions, shares or items (default: the measures\n"
            "                      of targets.csv)\n"
            "      --baseline W    baseline wave (default: the target's, else the first)\n"
            "      --x X           override the targets' X (the policy's 'X %%'), to ask which\n"
            "                      X would be met\n"
            "      --level L       confidence level (default 0.95)\n"
            "      --weights NAME  a weight set of `helby weight` (default: base weights);\n"
            "                      SEs then carry the calibration residuals\n"
            "      --format F      text (default), csv (measure;wave;quantity;estimate;se;\n"
            "                      ci_low;ci_high, full precision; goals as 'goal4 met') or\n"
            "                      json (the same fields)\n\n"
            "Example:\n"
            "  helby --db city.db compare --survey copenhagen --measure inclusion --x 5\n"
            "  helby --db city.db compare --survey copenhagen --weights raked\n");
}

static int csv_out;  /* --format csv: one full-precision row per quantity */
static int json_out; /* --format json: the same rows as objects in one array */
static int json_first = 1;
static const char *csv_measure;
static long csv_wave;

static void print_est(const char *label, const helby_estimate *e, int pct)
{
    if (json_out) {
        printf("%s\n  {\"measure\": \"%s\", \"wave\": %ld, \"quantity\": \"%s\", "
               "\"estimate\": %.17g, \"se\": %.17g, \"ci_low\": %.17g, \"ci_high\": %.17g}",
               json_first ? "" : ",", csv_measure, csv_wave, label, e->estimate, e->se, e->ci_low,
               e->ci_high);
        json_first = 0;
        return;
    }
    if (csv_out) {
        printf("%s;%ld;%s;%.17g;%.17g;%.17g;%.17g\n", csv_measure, csv_wave, label, e->estimate,
               e->se, e->ci_low, e->ci_high);
        return;
    }
    double f = pct ? 100 : 1;
    printf("  %-34s %9.3f%s  [%8.3f, %8.3f]%s  se %.3g\n", label, f * e->estimate,
           pct ? " %" : "  ", f * e->ci_low, f * e->ci_high, pct ? " %" : "  ", f * e->se);
}

static int in_codes(const double *c, size_t n, double x)
{
    for (size_t i = 0; i < n; i++)
        if (c[i] == x)
            return 1;
    return 0;
}

static int compare_measure(helby_store *st, const helby_survey *s, const char *measure,
                           const long *waves, size_t W, long baseline_opt, int have_x, double x,
                           const char *weights, const helby_estimate_options *eo)
{
    helby_error err;
    helby_error_clear(&err);
    const char *load[80];
    load[0] = s->vars[s->group_var].name;
    load[1] = s->vars[s->wave_var].name;
    int nm = helby_measure_kind_of(s, measure) == HELBY_MEASURE_UNKNOWN
                 ? -1
                 : helby_measure_columns(s, measure, load + 2, 78);
    if (nm < 0)
        return cli_usage("compare", "--measure %s is not an index, dimension, share or item",
                         measure);
    helby_dataset *D = NULL;
    int rc = 0;
    helby_design *d = NULL;
    helby_estimates *e = NULL, *all = NULL;
    double *y = NULL;
    long *dom = NULL, *dom_all = NULL;
    size_t *dn = NULL, *mn = NULL;
    helby_wave_comparison *cmp = NULL;
    if (helby_dataset_open(&D, st, s, waves, W, load, 2 + (size_t)nm, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    y = malloc(D->n * sizeof *y);
    dom = malloc(D->n * sizeof *dom);
    dom_all = malloc(D->n * sizeof *dom_all);
    dn = malloc(W * sizeof *dn);
    mn = malloc(W * sizeof *mn);
    cmp = calloc(W, sizeof *cmp);
    if (!y || !dom || !dom_all || !dn || !mn || !cmp) {
        helby_error_set(&err, HELBY_ENOMEM, "out of memory");
        rc = cli_fail(&err);
        goto done;
    }
    char wsums[2048] = "";
    if (helby_dataset_design(D, &d, &err) ||
        (weights &&
         helby_dataset_apply_weights(st, D, weights, d, NULL, wsums, sizeof wsums, &err)) ||
        helby_measure_values(D, measure, y, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    /* Domains: Danes in wave w = 2w, minorities in wave w = 2w + 1; all respondents = w. */
    const double *gcol = helby_dataset_col(D, load[0]), *wcol = helby_dataset_col(D, load[1]);
    for (size_t k = 0; k < D->n; k++) {
        double gcode = gcol[k], wv = wcol[k];
        long wi = -1;
        for (size_t i = 0; i < W; i++)
            if (waves[i] == (long)wv)
                wi = (long)i;
        dom_all[k] = wi;
        int gi = in_codes(s->danes_codes, s->n_danes_codes, gcode)            ? 0
                 : in_codes(s->minority_codes, s->n_minority_codes, gcode) ? 1
                                                                            : -1;
        dom[k] = wi < 0 || gi < 0 ? -1 : 2 * wi + gi;
    }
    for (size_t i = 0; i < W; i++)
        dn[i] = 2 * i, mn[i] = 2 * i + 1;
    if (helby_estimate_by(d, HELBY_EST_MEAN, y, NULL, dom, 2 * W, eo, &e, &err) ||
        helby_estimate_by(d, HELBY_EST_MEAN, y, NULL, dom_all, W, eo, &all, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    /* Baseline: the option, else the first target on this measure, else the first wave. */
    long base = baseline_opt;
    for (size_t t = 0; !base && t < s->n_targets; t++)
        if (!strcmp(s->targets[t].measure, measure))
            base = s->targets[t].baseline_wave;
    size_t b = 0;
    if (base) {
        while (b < W && waves[b] != base)
            b++;
        if (b == W) {
            helby_error_set(&err, HELBY_ENOTFOUND, "baseline wave %ld is not in the store", base);
            rc = cli_fail(&err);
            goto done;
        }
    }
    double df = helby_design_df(d);
    if (helby_compare_groups(e, waves, W, dn, mn, b, df, eo, cmp, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    int pct = 0;
    for (size_t i = 0; i < s->n_shares; i++)
        pct |= !strcmp(s->shares[i].name, measure);
    csv_measure = measure;
    if (!csv_out && !json_out)
        printf("== %s: ethnic minorities vs ethnic Danes (%g %% CIs, t on %g df; baseline %ld; "
               "weights: %s)\n",
               measure, 100 * eo->level, df, waves[b], weights ? weights : "base");
    for (size_t w = 0; w < W; w++) {
        csv_wave = cmp[w].wave;
        if (!csv_out && !json_out)
            printf("wave %ld\n", cmp[w].wave);
        print_est("ethnic Danes", &cmp[w].danes, pct);
        print_est("ethnic minorities", &cmp[w].minorities, pct);
        print_est("all", &all->est[w], pct);
        print_est("gap (Danes - minorities)", &cmp[w].gap, pct);
        print_est("ratio (minorities / Danes)", &cmp[w].ratio, 0);
        if (w != b) {
            print_est("gap change since baseline", &cmp[w].gap_change, pct);
            print_est("relative gap change (share)", &cmp[w].rel_gap_change, 0);
        }
    }
    for (size_t t = 0; t < s->n_targets; t++) {
        const helby_target *tg = &s->targets[t];
        if (strcmp(tg->measure, measure))
            continue;
        size_t tw = W - 1;
        for (size_t i = 0; i < W && tg->target_wave; i++)
            if (waves[i] == tg->target_wave)
                tw = i;
        double X = have_x ? x : tg->x;
        helby_goal_result gr;
        if (helby_goal_evaluate(tg, X, cmp, e, all, dn, mn, b, tw, df, eo, &gr, &err)) {
            rc = cli_fail(&err);
            goto done;
        }
        const helby_estimate q = gr.q;
        const helby_verdict v = gr.verdict;
        char rule[256];
        const char *label = tg->label_en && *tg->label_en ? tg->label_en : tg->goal;
        if (tg->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION)
            snprintf(rule, sizeof rule,
                     "relative gap reduction %ld->%ld >= %g %%: met if the whole CI is >= %g %%, "
                     "not met if it is all below",
                     waves[b], waves[tw], X, X);
        else if (tg->kind == HELBY_TARGET_RATIO_INCREASE)
            snprintf(rule, sizeof rule,
                     "ratio minorities/Danes rises %ld->%ld by >= %g %%: met if the whole CI is "
                     ">= %g %%, not met if it is all below",
                     waves[b], waves[tw], X, X);
        else
            snprintf(rule, sizeof rule,
                     "change %ld->%ld (%s) > %g: met if the whole CI is above %g, not met if it "
                     "is all at or below",
                     waves[b], waves[tw], tg->group, X, X);
        int as_pct = tg->kind != HELBY_TARGET_CHANGE_POSITIVE;
        if (csv_out || json_out) {
            char qname[96];
            csv_wave = waves[tw];
            snprintf(qname, sizeof qname, "%s %s", tg->goal, helby_verdict_name(v));
            print_est(qname, &q, 0);
            continue;
        }
        printf("%s\n", label);
        print_est(as_pct ? "observed" : "observed change", &q, as_pct);
        printf("  rule: %s\n  verdict: %s\n", rule, helby_verdict_name(v));
    }
done:
    helby_estimates_free(e);
    helby_estimates_free(all);
    helby_design_free(d);
    free(y), free(dom), free(dom_all), free(dn), free(mn), free(cmp);
    helby_dataset_free(D);
    return rc;
}

int cmd_compare(cli_global *g, int argc, char **argv)
{
    enum { O_BASE = 256, O_X, O_LEVEL, O_FORMAT, O_WEIGHTS };
    static const struct option opts[] = {{"survey", required_argument, 0, 's'},
                                         {"measure", required_argument, 0, 'm'},
                                         {"baseline", required_argument, 0, O_BASE},
                                         {"x", required_argument, 0, O_X},
                                         {"level", required_argument, 0, O_LEVEL},
                                         {"format", required_argument, 0, O_FORMAT},
                                         {"weights", required_argument, 0, O_WEIGHTS},
                                         {0, 0, 0, 0}};
    const char *survey = NULL, *measures = NULL, *weights = NULL;
    long baseline = 0;
    double x = 0, level = 0.95;
    int have_x = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:s:m:", opts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 's': survey = optarg; break;
        case 'm': measures = optarg; break;
        case O_BASE: baseline = strtol(optarg, &end, 10); break;
        case O_X: x = strtod(optarg, &end), have_x = 1; break;
        case O_LEVEL: level = strtod(optarg, &end); break;
        case O_WEIGHTS: weights = optarg; break;
        case O_FORMAT:
            if (strcmp(optarg, "text") && strcmp(optarg, "csv") && strcmp(optarg, "json"))
                return cli_usage("compare", "--format must be text, csv or json, not '%s'",
                                 optarg);
            csv_out = !strcmp(optarg, "csv");
            json_out = !strcmp(optarg, "json");
            break;
        case ':': return cli_usage("compare", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage("compare", "unknown option '%s'", argv[optind - 1]);
        }
        if (end && *end)
            return cli_usage("compare", "option '%s' needs a number, not '%s'", argv[optind - 1],
                             optarg);
    }
    if (!survey)
        return cli_usage("compare", "missing --survey ID");
    if (optind < argc)
        return cli_usage("compare", "unexpected argument '%s'", argv[optind]);
    if (!(level > 0 && level < 1))
        return cli_usage("compare", "--level must lie between 0 and 1");
    helby_store *st = NULL;
    int rc = cli_open_store(g, HELBY_OPEN_READONLY, &st);
    if (rc)
        return rc;
    helby_error err;
    helby_survey *s = NULL;
    helby_wave_info *wi = NULL;
    long *waves = NULL;
    size_t nw = 0;
    char *list = NULL;
    if (helby_store_get_survey(st, survey, &s, &err) ||
        helby_store_list_waves(st, survey, &wi, &nw, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    if (nw < 2) {
        helby_error_set(&err, HELBY_ENOTFOUND, "survey %s needs at least two waves to compare",
                        survey);
        rc = cli_fail(&err);
        goto done;
    }
    waves = malloc(nw * sizeof *waves);
    for (size_t i = 0; i < nw; i++)
        waves[i] = wi[i].wave;
    helby_estimate_options eo;
    helby_estimate_options_default(&eo);
    eo.level = level;
    if (csv_out)
        printf("measure;wave;quantity;estimate;se;ci_low;ci_high\n");
    if (json_out)
        printf("[");
    if (measures) {
        list = strdup(measures);
        for (char *m = strtok(list, ","); m && !rc; m = strtok(NULL, ","))
            rc = compare_measure(st, s, m, waves, nw, baseline, have_x, x, weights, &eo);
    } else {
        for (size_t t = 0; t < s->n_targets && !rc; t++) {
            int seen = 0;
            for (size_t u = 0; u < t; u++)
                seen |= !strcmp(s->targets[u].measure, s->targets[t].measure);
            if (!seen)
                rc = compare_measure(st, s, s->targets[t].measure, waves, nw, baseline, have_x,
                                     x, weights, &eo);
        }
    }
    if (json_out)
        printf("\n]\n");
done:
    free(list);
    free(waves);
    free(wi);
    helby_survey_free(s);
    helby_store_close(st);
    return rc;
}

void help_reliability(FILE *out)
{
    fprintf(out,
            "Usage: helby reliability --survey ID [--waves W,...]\n\n"
            "For each dimension of each index: weighted Cronbach's alpha and each item's\n"
            "correlation with the rest of its dimension (base weights, respondents who answered\n"
            "every item of the dimension), so one can see whether the items belong together\n"
            "(STATISTICS.md §1.6).\n\n"
            "Example:\n  helby --db city.db reliability --survey copenhagen --waves 2014\n");
}

int cmd_reliability(cli_global *g, int argc, char **argv)
{
    static const struct option opts[] = {{"survey", required_argument, 0, 's'},
                                         {"waves", required_argument, 0, 'w'},
                                         {0, 0, 0, 0}};
    const char *survey = NULL, *wavearg = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:s:w:", opts, NULL)) != -1) {
        if (c == 's')
            survey = optarg;
        else if (c == 'w')
            wavearg = optarg;
        else if (c == ':')
            return cli_usage("reliability", "option '%s' needs a value", argv[optind - 1]);
        else
            return cli_usage("reliability", "unknown option '%s'", argv[optind - 1]);
    }
    if (!survey)
        return cli_usage("reliability", "missing --survey ID");
    if (optind < argc)
        return cli_usage("reliability", "unexpected argument '%s'", argv[optind]);
    helby_store *st = NULL;
    int rc = cli_open_store(g, HELBY_OPEN_READONLY, &st);
    if (rc)
        return rc;
    helby_error err;
    helby_error_clear(&err);
    helby_survey *s = NULL;
    helby_wave_info *wi = NULL;
    size_t nw = 0;
    long waves[64];
    size_t n_waves = 0;
    helby_dataset *D = NULL;
    const char *load[80];
    size_t nl = 0;
    if (helby_store_get_survey(st, survey, &s, &err) ||
        helby_store_list_waves(st, survey, &wi, &nw, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    if (wavearg) {
        char *copy = strdup(wavearg);
        for (char *t = strtok(copy, ","); t && n_waves < 64; t = strtok(NULL, ","))
            waves[n_waves++] = strtol(t, NULL, 10);
        free(copy);
    } else {
        for (size_t i = 0; i < nw && n_waves < 64; i++)
            waves[n_waves++] = wi[i].wave;
    }
    if (n_waves == 0) {
        helby_error_set(&err, HELBY_ENOTFOUND, "survey %s has no waves in the store", survey);
        rc = cli_fail(&err);
        goto done;
    }
    for (size_t i = 0; i < s->n_indices; i++)
        for (size_t j = 0; j < s->indices[i].n_dims; j++)
            for (size_t q = 0; q < s->indices[i].dims[j].n_items && nl < 80; q++)
                load[nl++] = s->vars[s->indices[i].dims[j].items[q]].name;
    if (helby_dataset_open(&D, st, s, waves, n_waves, load, nl, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    printf("%-16s %-18s %7s %7s   item-rest correlations\n", "index", "dimension", "alpha", "n");
    for (size_t i = 0; i < s->n_indices; i++)
        for (size_t j = 0; j < s->indices[i].n_dims; j++) {
            const helby_dimension *dim = &s->indices[i].dims[j];
            double alpha, ir[64];
            size_t m = 0;
            printf("%-16s %-18s ", s->indices[i].name, dim->name);
            if (dim->n_items > 64 ||
                helby_dataset_reliability(D, dim->name, &alpha, ir, &m, &err)) {
                printf("   –          %s\n", err.message);
            } else {
                printf("%7.3f %7zu  ", alpha, m);
                for (size_t q = 0; q < dim->n_items; q++)
                    printf(" %s %.3f", s->vars[dim->items[q]].name, ir[q]);
                printf("\n");
            }
        }
done:
    helby_dataset_free(D);
    free(wi);
    helby_survey_free(s);
    helby_store_close(st);
    return rc;
}
