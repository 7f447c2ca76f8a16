/* cmd_compare.c — helby compare: ethnic minorities vs ethnic Danes over the waves of a stored
 * survey for one measure (index, dimension, share or item), and the survey's goal verdicts. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "helby/tables.h"
#include "output.h"

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
            "      --waves W,...   waves to compare (default: all stored; at least two)\n"
            "      --format F      text (default), csv (measure;wave;quantity;estimate;se;\n"
            "                      ci_low;ci_high, full precision; goals as 'goal4 met') or\n"
            "                      json (the same fields)\n\n"
            "Example:\n"
            "  helby --db city.db compare --survey copenhagen --measure inclusion --x 5\n"
            "  helby --db city.db compare --survey copenhagen --weights raked\n");
}

typedef struct cmp_args {
    const char *survey, *measures, *waves;
    out_format format;
    helby_compare_request req;
} cmp_args;

static int cmp_parse(cmp_args *a, int argc, char **argv)
{
    static const struct option opts[] = {
        {"survey", required_argument, 0, 's'}, {"measure", required_argument, 0, 'm'},
        {"baseline", required_argument, 0, 'B'}, {"x", required_argument, 0, 'X'},
        {"level", required_argument, 0, 'l'},  {"format", required_argument, 0, 'f'},
        {"weights", required_argument, 0, 'W'}, {"waves", required_argument, 0, 'w'},
        {0, 0, 0, 0}};
    int c;
    memset(a, 0, sizeof *a);
    helby_compare_request_default(&a->req);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:s:m:", opts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 's': a->survey = optarg; break;
        case 'm': a->measures = optarg; break;
        case 'w': a->waves = optarg; break;
        case 'B': a->req.baseline = strtol(optarg, &end, 10); break;
        case 'X': a->req.x = strtod(optarg, &end), a->req.have_x = 1; break;
        case 'l': a->req.opt.level = strtod(optarg, &end); break;
        case 'W': a->req.weights = optarg; break;
        case 'f':
            if (out_format_parse(optarg, &a->format))
                return cli_usage("compare", "--format must be text, csv or json, not '%s'",
                                 optarg);
            break;
        case ':': return cli_usage("compare", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage("compare", "unknown option '%s'", argv[optind - 1]);
        }
        if (end && (*end || end == optarg))
            return cli_usage("compare", "option '%s' needs a number, not '%s'", argv[optind - 1],
                             optarg);
    }
    if (!a->survey)
        return cli_usage("compare", "missing --survey ID");
    if (optind < argc)
        return cli_usage("compare", "unexpected argument '%s'", argv[optind]);
    if (!(a->req.opt.level > 0 && a->req.opt.level < 1))
        return cli_usage("compare", "--level must lie between 0 and 1");
    return 0;
}

static const out_col cmp_cols[] = {
    {"measure", OUT_STR, 0, NULL}, {"wave", OUT_INT, 0, NULL},    {"quantity", OUT_STR, 0, NULL},
    {"estimate", OUT_NUM, 0, NULL}, {"se", OUT_NUM, 0, NULL},    {"ci_low", OUT_NUM, 0, NULL},
    {"ci_high", OUT_NUM, 0, NULL}};

typedef struct cmp_out {
    out_table T; /* CSV and JSON: one row per quantity */
    out_format format;
    const char *measure;
} cmp_out;

static void cmp_put(cmp_out *o, long wave, const char *label, const helby_estimate *e, int pct)
{
    if (o->format != OUT_TEXT) {
        out_value v[7] = {{.s = o->measure}, {.i = wave}, {.s = label}, {.d = e->estimate},
                          {.d = e->se}, {.d = e->ci_low}, {.d = e->ci_high}};
        out_row(&o->T, v);
        return;
    }
    double f = pct ? 100 : 1;
    printf("  %-34s %9.3f%s  [%8.3f, %8.3f]%s  se %.3g\n", label, f * e->estimate,
           pct ? " %" : "  ", f * e->ci_low, f * e->ci_high, pct ? " %" : "  ", f * e->se);
}

/* The rule a goal is judged by, in words (STATISTICS.md §7). */
static void goal_rule(const helby_goal_row *g, char *rule, size_t n)
{
    const helby_target *tg = g->target;
    long b = g->baseline_wave, t = g->target_wave;
    if (tg->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION)
        snprintf(rule, n, "relative gap reduction %ld->%ld >= %g %%: met if the whole CI is "
                 ">= %g %%, not met if it is all below", b, t, g->x, g->x);
    else if (tg->kind == HELBY_TARGET_RATIO_INCREASE)
        snprintf(rule, n, "ratio minorities/Danes rises %ld->%ld by >= %g %%: met if the whole "
                 "CI is >= %g %%, not met if it is all below", b, t, g->x, g->x);
    else
        snprintf(rule, n, "change %ld->%ld (%s) > %g: met if the whole CI is above %g, not met "
                 "if it is all at or below", b, t, tg->group, g->x, g->x);
}

static void cmp_goals(cmp_out *o, const helby_comparison *c)
{
    for (size_t i = 0; i < c->n_goals; i++) {
        const helby_goal_row *g = &c->goals[i];
        const char *verdict = helby_verdict_name(g->result.verdict);
        if (o->format != OUT_TEXT) {
            char qname[96];
            snprintf(qname, sizeof qname, "%s %s", g->target->goal, verdict);
            cmp_put(o, g->target_wave, qname, &g->result.q, 0);
            continue;
        }
        const helby_target *tg = g->target;
        int as_pct = tg->kind != HELBY_TARGET_CHANGE_POSITIVE;
        char rule[256];
        goal_rule(g, rule, sizeof rule);
        printf("%s\n", tg->label_en && *tg->label_en ? tg->label_en : tg->goal);
        cmp_put(o, g->target_wave, as_pct ? "observed" : "observed change", &g->result.q,
                as_pct);
        printf("  rule: %s\n  verdict: %s\n", rule, verdict);
    }
}

static void cmp_print(cmp_out *o, const helby_comparison *c, const helby_compare_request *req)
{
    int pct = c->is_share;
    if (o->format == OUT_TEXT)
        printf("== %s: ethnic minorities vs ethnic Danes (%g %% CIs, t on %g df; baseline %ld; "
               "weights: %s)\n", o->measure, 100 * req->opt.level, c->df,
               c->waves[c->baseline].wave, req->weights ? req->weights : "base");
    for (size_t w = 0; w < c->n_waves; w++) {
        const helby_wave_comparison *x = &c->waves[w];
        if (o->format == OUT_TEXT)
            printf("wave %ld\n", x->wave);
        cmp_put(o, x->wave, "ethnic Danes", &x->danes, pct);
        cmp_put(o, x->wave, "ethnic minorities", &x->minorities, pct);
        cmp_put(o, x->wave, "all", &c->all[w], pct);
        cmp_put(o, x->wave, "gap (Danes - minorities)", &x->gap, pct);
        cmp_put(o, x->wave, "ratio (minorities / Danes)", &x->ratio, 0);
        if (w != c->baseline) {
            cmp_put(o, x->wave, "gap change since baseline", &x->gap_change, pct);
            cmp_put(o, x->wave, "relative gap change (share)", &x->rel_gap_change, 0);
        }
    }
    cmp_goals(o, c);
}

/* The measures asked, else those of targets.csv, each once, as "a,b,c" in buf. */
static void cmp_measures(const cmp_args *a, const helby_survey *s, char *buf, size_t n)
{
    if (a->measures) {
        snprintf(buf, n, "%s", a->measures);
        return;
    }
    size_t used = 0;
    buf[0] = 0;
    for (size_t t = 0; t < s->n_targets; t++) {
        int seen = 0;
        for (size_t u = 0; u < t; u++)
            seen |= !strcmp(s->targets[u].measure, s->targets[t].measure);
        if (!seen && used < n)
            used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? "," : "",
                                     s->targets[t].measure);
    }
}

/* Compare each measure of M, printing as it goes. */
static int cmp_run(helby_store *st, const helby_survey *s, cmp_args *a, const cli_list *M)
{
    helby_error err;
    cmp_out o;
    memset(&o, 0, sizeof o);
    o.format = a->format;
    if (o.format != OUT_TEXT)
        out_begin(&o.T, stdout, o.format, cmp_cols, sizeof cmp_cols / sizeof cmp_cols[0]);
    int rc = 0;
    for (size_t i = 0; i < M->n && !rc; i++) {
        helby_comparison *c = NULL;
        a->req.measure = o.measure = M->item[i];
        if (helby_analysis_compare(st, s, &a->req, &c, &err))
            rc = err.code == HELBY_EUSAGE
                     ? cli_usage("compare", "--measure %s is not an index, dimension, share or "
                                 "item", M->item[i])
                     : cli_fail(&err);
        else
            cmp_print(&o, c, &a->req);
        helby_comparison_free(c);
    }
    if (o.format != OUT_TEXT)
        out_end(&o.T);
    return rc;
}

int cmd_compare(cli_global *g, int argc, char **argv)
{
    cmp_args a;
    int rc = cmp_parse(&a, argc, argv);
    if (rc)
        return rc;
    helby_store *st = NULL;
    if ((rc = cli_open_store(g, HELBY_OPEN_READONLY, &st)))
        return rc;
    helby_error err;
    helby_survey *s = NULL;
    long *waves = NULL;
    cli_list M = {0};
    char list[4096];
    if (helby_store_get_survey(st, a.survey, &s, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    if (cli_parse_waves(a.waves, &waves, &a.req.n_waves)) {
        rc = cli_usage("compare", "--waves needs years like 2011,2012");
        goto done;
    }
    a.req.waves = waves;
    cmp_measures(&a, s, list, sizeof list);
    if (cli_list_split(list, &M)) {
        rc = cli_usage("compare", "out of memory");
        goto done;
    }
    rc = cmp_run(st, s, &a, &M);
done:
    cli_list_free(&M);
    free(waves);
    helby_survey_free(s);
    helby_store_close(st);
    return rc;
}

void help_reliability(FILE *out)
{
    fprintf(out,
            "Usage: helby reliability --survey ID [--waves W,...] [--format text|csv|json]\n\n"
            "For each dimension of each index: weighted Cronbach's alpha and each item's\n"
            "correlation with the rest of its dimension (base weights, respondents who answered\n"
            "every item of the dimension), so one can see whether the items belong together\n"
            "(STATISTICS.md §1.6).\n\n"
            "Example:\n  helby --db city.db reliability --survey copenhagen --waves 2014\n");
}

/* "item r item r ..." of a dimension: 3 decimals for people, full precision otherwise. */
static void item_rest_text(const helby_survey *s, const helby_reliability_row *r,
                           out_format f, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    if (r->message[0]) {
        snprintf(buf, n, "%s", r->message);
        return;
    }
    for (size_t q = 0; q < r->dimension->n_items && used < n; q++)
        used += (size_t)snprintf(buf + used, n - used, f == OUT_TEXT ? "%s%s %.3f" : "%s%s %.17g",
                                 q ? " " : "", s->vars[r->dimension->items[q]].name,
                                 r->item_rest[q]);
}

int cmd_reliability(cli_global *g, int argc, char **argv)
{
    static const struct option opts[] = {{"survey", required_argument, 0, 's'},
                                         {"waves", required_argument, 0, 'w'},
                                         {"format", required_argument, 0, 'f'},
                                         {0, 0, 0, 0}};
    const char *survey = NULL, *wavearg = NULL;
    out_format format = OUT_TEXT;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:s:w:f:", opts, NULL)) != -1) {
        if (c == 's' || c == 'w')
            *(c == 's' ? &survey : &wavearg) = optarg;
        else if (c == 'f' && out_format_parse(optarg, &format))
            return cli_usage("reliability", "--format must be text, csv or json");
        else if (c == ':')
            return cli_usage("reliability", "option '%s' needs a value", argv[optind - 1]);
        else if (c != 'f')
            return cli_usage("reliability", "unknown option '%s'", argv[optind - 1]);
    }
    if (!survey)
        return cli_usage("reliability", "missing --survey ID");
    if (optind < argc)
        return cli_usage("reliability", "unexpected argument '%s'", argv[optind]);
    long *waves = NULL;
    size_t n_waves = 0;
    if (cli_parse_waves(wavearg, &waves, &n_waves))
        return cli_usage("reliability", "--waves needs years like 2011,2012");
    helby_store *st = NULL;
    int rc = cli_open_store(g, HELBY_OPEN_READONLY, &st);
    if (rc) {
        free(waves);
        return rc;
    }
    helby_error err;
    helby_survey *s = NULL;
    helby_reliability_row *rows = NULL;
    size_t n = 0;
    if (helby_store_get_survey(st, survey, &s, &err) ||
        helby_analysis_reliability(st, s, waves, n_waves, &rows, &n, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    static const out_col cols[] = {{"index", OUT_STR, 16, NULL}, {"dimension", OUT_STR, 18, NULL},
                                   {"alpha", OUT_NUM, -7, "%.3f"}, {"n", OUT_INT, -7, NULL},
                                   {"item_rest", OUT_STR, 0, NULL}};
    out_table T;
    out_begin(&T, stdout, format, cols, sizeof cols / sizeof cols[0]);
    for (size_t i = 0; i < n; i++) {
        char ir[2048];
        item_rest_text(s, &rows[i], format, ir, sizeof ir);
        out_value v[5] = {{.s = rows[i].index->name}, {.s = rows[i].dimension->name},
                          {.d = rows[i].alpha}, {.i = (long long)rows[i].n_complete}, {.s = ir}};
        out_row(&T, v);
    }
    out_end(&T);
done:
    helby_reliability_rows_free(rows, n);
    free(waves);
    helby_survey_free(s);
    helby_store_close(st);
    return rc;
}
