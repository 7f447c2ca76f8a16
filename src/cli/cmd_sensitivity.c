/* cmd_sensitivity.c — helby sensitivity: how the goals' verdicts move when the index is built
 * another defensible way (sensitivity.csv), beside the sampling error (sensitivity.h). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "helby/sensitivity.h"
#include "output.h"

void help_sensitivity(FILE *out)
{
    fprintf(out,
            "Usage: helby sensitivity --survey ID [OPTIONS]\n\n"
            "Uncertainty and sensitivity analysis of each index with choices in the survey's\n"
            "sensitivity.csv (docs/method.md §12): scenarios drawn from those choices by\n"
            "Saltelli's design on a Sobol sequence, each scoring every respondent anew and\n"
            "estimating the index by group x wave on the same data and designs, the gap, its\n"
            "relative change and each goal's verdict with its design-based CI. Prints, per\n"
            "goal, the reference construction's quantity with its sampling CI, the median and\n"
            "5-95 %% range of the quantity across scenarios, the share of scenarios per\n"
            "verdict, the first-order (Saltelli) and total (Jansen) sensitivity index of each\n"
            "choice, and per district the median rank and 90 %% interval of ranks.\n\n"
            "Options:\n"
            "  -s, --survey ID     the survey (required)\n"
            "  -n, --scenarios N   base sample N (default 256): N x (choices + 2) constructions\n"
            "                      are scored; the spread and verdict shares use 2N of them\n"
            "      --seed S        shift of the Sobol sequence (default 1)\n"
            "      --variance M    linearization (default), jk1, jkn, brr, fay, bootstrap,\n"
            "                      supplied (the producer's, survey.ini [replicates])\n"
            "  -w, --waves W,...   the waves (default: every stored wave; at least two)\n"
            "      --format F      text (default), csv (index;goal;quantity;choice;estimate;\n"
            "                      low;high;flag, full precision) or json (the same fields)\n\n"
            "Example:\n"
            "  helby --db city.db sensitivity --survey copenhagen --scenarios 512\n");
}

typedef struct sens_args {
    const char *survey;
    long *waves; /* --waves (malloc'ed) */
    out_format format;
    helby_sensitivity_request req;
} sens_args;

static int sens_parse(sens_args *a, int argc, char **argv)
{
    static const struct option opts[] = {{"survey", required_argument, 0, 's'},
                                         {"scenarios", required_argument, 0, 'n'},
                                         {"seed", required_argument, 0, 'S'},
                                         {"variance", required_argument, 0, 'V'},
                                         {"format", required_argument, 0, 'f'},
                                         {"waves", required_argument, 0, 'w'},
                                         {0, 0, 0, 0}};
    int c;
    memset(a, 0, sizeof *a);
    helby_sensitivity_request_default(&a->req);
    a->req.bootstrap = 1000; /* as a run's (compute --sensitivity) */
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:s:n:", opts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 's': a->survey = optarg; break;
        case 'n': a->req.scenarios = (size_t)strtoul(optarg, &end, 10); break;
        case 'S': a->req.seed = strtoull(optarg, &end, 10); break;
        case 'w':
            free(a->waves);
            if (cli_parse_waves(optarg, &a->waves, &a->req.n_waves))
                return cli_usage("sensitivity", "--waves needs waves like 2011,2014");
            a->req.waves = a->waves;
            break;
        case 'V':
            if (!helby_variance_method_parse(optarg, &a->req.rep.type, &a->req.replicates))
                return cli_usage("sensitivity",
                                 "--variance must be linearization, jk1, jkn, "
                                 "brr, fay or bootstrap, not '%s'",
                                 optarg);
            break;
        case 'f':
            if (out_format_parse(optarg, &a->format))
                return cli_usage("sensitivity", "--format must be text, csv or json, not '%s'",
                                 optarg);
            break;
        case ':': return cli_usage("sensitivity", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage("sensitivity", "unknown option '%s'", argv[optind - 1]);
        }
        if (end && (*end || end == optarg || optarg[0] == '-'))
            return cli_usage("sensitivity", "option '%s' needs a whole number, not '%s'",
                             argv[optind - 1], optarg);
    }
    if (!a->survey)
        return cli_usage("sensitivity", "missing --survey ID");
    if (optind < argc)
        return cli_usage("sensitivity", "unexpected argument '%s'", argv[optind]);
    if (a->req.scenarios < 2 || a->req.scenarios > 1000000)
        return cli_usage("sensitivity", "--scenarios must be between 2 and 1000000");
    return 0;
}

/* "weight:discrimination", "aggregation", "drop_item", "min_valid:trust". */
static void choice_label(const helby_sens_index *x, const helby_choice *c, char *out, size_t n)
{
    static const char *const kinds[] = {"weight", "aggregation", "min_valid", "drop_item"};
    if (c->dim == HELBY_NO_VAR)
        snprintf(out, n, "%s", kinds[c->kind]);
    else
        snprintf(out, n, "%s:%s", kinds[c->kind], x->index->dims[c->dim].name);
}

static const out_col sens_cols[] = {{"index", OUT_STR, 0, NULL},    {"goal", OUT_STR, 0, NULL},
                                    {"quantity", OUT_STR, 0, NULL}, {"choice", OUT_STR, 0, NULL},
                                    {"estimate", OUT_NUM, 0, NULL}, {"low", OUT_NUM, 0, NULL},
                                    {"high", OUT_NUM, 0, NULL},     {"flag", OUT_STR, 0, NULL}};

static void put(out_table *T, const char *ix, const char *goal, const char *q, const char *ch,
                double e, double lo, double hi, const char *flag)
{
    out_value v[8] = {{.s = ix}, {.s = goal}, {.s = q},  {.s = ch},
                      {.d = e},  {.d = lo},   {.d = hi}, {.s = flag}};
    out_row(T, v);
}

static void goal_rows(out_table *T, const helby_sens_index *x, const helby_sens_goal *G, double z)
{
    const char *ix = x->index->name, *g = G->target->goal;
    const helby_estimate *q = &G->reference.q;
    char lab[160];
    put(T, ix, g, "reference", "", q->estimate, q->ci_low, q->ci_high,
        helby_verdict_name(G->reference.verdict));
    put(T, ix, g, "scenarios", "", G->median, G->p05, G->p95, "");
    for (int v = 0; v < 4; v++)
        put(T, ix, g, "share", "", G->share[v], NAN, NAN, helby_verdict_name((helby_verdict)v));
    for (size_t c = 0; c < x->n_choices; c++) {
        choice_label(x, x->choices[c], lab, sizeof lab);
        double zf = z * G->first_se[c], zt = z * G->total_se[c];
        put(T, ix, g, "first_order", lab, G->first[c], G->first[c] - zf, G->first[c] + zf, "");
        put(T, ix, g, "total", lab, G->total[c], G->total[c] - zt, G->total[c] + zt, "");
    }
}

static void table_rows(out_table *T, const helby_sens_index *x, double z)
{
    char lab[64];
    for (size_t g = 0; g < x->n_goals; g++)
        goal_rows(T, x, &x->goals[g], z);
    for (size_t d = 0; d < x->n_districts; d++) {
        const helby_sens_district *r = &x->districts[d];
        snprintf(lab, sizeof lab, "district=%g", r->code);
        put(T, x->index->name, "", "rank", lab, r->median_rank, r->rank_low, r->rank_high, "");
        put(T, x->index->name, "", "reference_rank", lab, r->reference_rank, NAN, NAN, "");
    }
}

static void text_goal(const helby_survey *s, const helby_sens_index *x, const helby_sens_goal *G,
                      size_t scen, double level, double z)
{
    char b[128], t[128];
    const helby_target *tg = G->target;
    int pct = tg->kind != HELBY_TARGET_CHANGE_POSITIVE;
    double f = pct ? 100 : 1;
    const char *u = pct ? " %" : "";
    const helby_estimate *q = &G->reference.q;
    printf("%s (%s -> %s, target %g%s)\n", tg->label_en && *tg->label_en ? tg->label_en : tg->goal,
           cli_wave_name(s, G->baseline_wave, NULL, b, sizeof b),
           cli_wave_name(s, G->target_wave, NULL, t, sizeof t), tg->x, u);
    printf("  reference construction: %.2f%s, %g %% sampling CI [%.2f, %.2f]%s: %s\n",
           f * q->estimate, u, 100 * level, f * q->ci_low, f * q->ci_high, u,
           helby_verdict_name(G->reference.verdict));
    printf("  %zu scenarios: median %.2f%s, 5-95 %% [%.2f, %.2f]%s\n", scen, f * G->median, u,
           f * G->p05, f * G->p95, u);
    printf("  verdicts: met %.0f %%, inconclusive %.0f %%, not met %.0f %%, undefined %.0f %%\n",
           100 * G->share[HELBY_VERDICT_MET], 100 * G->share[HELBY_VERDICT_INCONCLUSIVE],
           100 * G->share[HELBY_VERDICT_NOT_MET], 100 * G->share[HELBY_VERDICT_UNDEFINED]);
    char ci[32];
    snprintf(ci, sizeof ci, "%g %% CI", 100 * level);
    printf("  %-32s %11s %17s %8s %17s\n", "choice", "first-order", ci, "total", ci);
    char lab[160];
    for (size_t c = 0; c < x->n_choices; c++) {
        choice_label(x, x->choices[c], lab, sizeof lab);
        double zf = z * G->first_se[c], zt = z * G->total_se[c];
        printf("  %-32s %11.3f  [%6.3f, %6.3f] %8.3f  [%6.3f, %6.3f]\n", lab, G->first[c],
               G->first[c] - zf, G->first[c] + zf, G->total[c], G->total[c] - zt, G->total[c] + zt);
    }
}

static void text_index(const helby_survey *s, const helby_sensitivity *R, const helby_sens_index *x,
                       double level)
{
    char wave[128];
    printf("== %s: %zu choices, N = %zu (%zu constructions scored; Sobol, seed %llu)\n",
           x->index->name, x->n_choices, R->scenarios, x->n_runs, R->seed);
    for (size_t g = 0; g < x->n_goals; g++)
        text_goal(s, x, &x->goals[g], 2 * R->scenarios, level, R->boot_z);
    if (!x->n_districts)
        return;
    printf("district ranks on %s in %s (1 = best): reference, median, 90 %% interval\n",
           x->index->name, cli_wave_name(s, x->rank_wave, NULL, wave, sizeof wave));
    for (size_t d = 0; d < x->n_districts; d++) {
        const helby_sens_district *r = &x->districts[d];
        printf("  district %-6g %4g   %5.1f   [%g, %g]\n", r->code, r->reference_rank,
               r->median_rank, r->rank_low, r->rank_high);
    }
}

int cmd_sensitivity(cli_global *g, int argc, char **argv)
{
    sens_args a;
    int rc = sens_parse(&a, argc, argv);
    if (rc) {
        free(a.waves);
        return rc;
    }
    helby_store *st = NULL;
    if ((rc = cli_open_store(g, HELBY_OPEN_READONLY, &st))) {
        free(a.waves);
        return rc;
    }
    helby_error err;
    helby_survey *s = NULL;
    helby_sensitivity *R = NULL;
    if (helby_store_get_survey(st, a.survey, &s, &err) ||
        helby_sensitivity_run(st, s, &a.req, &R, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    out_table T;
    if (a.format != OUT_TEXT)
        out_begin(&T, stdout, a.format, sens_cols, sizeof sens_cols / sizeof sens_cols[0]);
    for (size_t i = 0; i < R->n_indices; i++) {
        if (a.format == OUT_TEXT)
            text_index(s, R, &R->indices[i], a.req.opt.level);
        else
            table_rows(&T, &R->indices[i], R->boot_z);
    }
    if (a.format != OUT_TEXT)
        out_end(&T);
done:
    free(a.waves);
    helby_sensitivity_free(R);
    helby_survey_free(s);
    helby_store_close(st);
    return rc;
}
