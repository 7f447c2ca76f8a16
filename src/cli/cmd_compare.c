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
            "independent samples: each wave has its own design and df, and a change across\n"
            "waves takes Satterthwaite df. Beside the relative gap change, Fieller's interval\n"
            "(unbounded, with a warning, when the baseline gap is not clearly non-zero). A\n"
            "quantity on a cell below min_cell is suppressed; one that cannot be computed (an\n"
            "empty cell, a zero denominator) is 'undefined'; the rest stands. Then each goal\n"
            "of targets.csv on that measure with its verdict (docs/method.md §7): met when the\n"
            "whole CI is beyond the target, not met when the whole CI falls short,\n"
            "inconclusive otherwise (and when Fieller's interval is unbounded or judges\n"
            "otherwise than the delta method), with the reason; the rule is printed.\n\n"
            "Options:\n"
            "  -s, --survey ID     the survey (required)\n"
            "  -m, --measure M,N   indices, dimensions, shares or items (default: the measures\n"
            "                      of targets.csv; without targets every index and share)\n"
            "      --baseline W    baseline wave (default: the target's, else the first)\n"
            "      --x X           override the targets' X (the policy's 'X %%'), to ask which\n"
            "                      X would be met\n"
            "      --level L       confidence level (default 0.95)\n"
            "      --variance M    linearization (default), jk1, jkn, brr, fay, bootstrap,\n"
            "                      supplied (the producer's, survey.ini [replicates])\n"
            "      --replicates B  bootstrap replicates (default 100); --seed S (default 1);\n"
            "                      --rho R Fay's rho (default 0.3)\n"
            "      --df D          one df for every CI (default: each quantity's own)\n"
            "      --min-cell N    suppression threshold (default: the survey's min_cell)\n"
            "      --weights NAME  a weight set of `helby weight` (default: base weights);\n"
            "                      SEs then carry the calibration residuals\n"
            "      --waves W,...   waves to compare (default: all stored; at least two)\n"
            "      --by X          within each level of X (ageband, sex, district, any coded\n"
            "                      variable): both groups, gap, ratio and their changes per\n"
            "                      wave (columns measure;X;X_label;wave;quantity;estimate;se;\n"
            "                      ci_low;ci_high;df;n;flag; wave_label after wave where the\n"
            "                      codebook labels the waves); no goal verdicts\n"
            "      --where C       a subpopulation as a domain, e.g. 'sex=2' or\n"
            "                      'ageband=1|2,district!=5' (R subset(): the design kept)\n"
            "      --format F      text (default), csv (measure;wave;quantity;estimate;se;\n"
            "                      ci_low;ci_high;df;n;flag, full precision; goals as\n"
            "                      'goal4 met'; wave_label after wave where the codebook\n"
            "                      labels the waves) or json (the same fields)\n\n"
            "Example:\n"
            "  helby --db city.db compare --survey copenhagen --measure inclusion --x 5\n"
            "  helby --db city.db compare --survey copenhagen --weights raked\n");
}

typedef struct cmp_args {
    const char *survey, *measures, *waves, *by;
    out_format format;
    helby_compare_request req;
} cmp_args;

static int cmp_parse(cmp_args *a, int argc, char **argv)
{
    static const struct option opts[] = {{"survey", required_argument, 0, 's'},
                                         {"measure", required_argument, 0, 'm'},
                                         {"baseline", required_argument, 0, 'B'},
                                         {"x", required_argument, 0, 'X'},
                                         {"level", required_argument, 0, 'l'},
                                         {"format", required_argument, 0, 'f'},
                                         {"weights", required_argument, 0, 'W'},
                                         {"waves", required_argument, 0, 'w'},
                                         {"variance", required_argument, 0, 'V'},
                                         {"replicates", required_argument, 0, 'R'},
                                         {"seed", required_argument, 0, 'S'},
                                         {"rho", required_argument, 0, 'r'},
                                         {"df", required_argument, 0, 'd'},
                                         {"min-cell", required_argument, 0, 'c'},
                                         {"by", required_argument, 0, 'Y'},
                                         {"where", required_argument, 0, 'H'},
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
        case 'V':
            if (!helby_variance_method_parse(optarg, &a->req.rep.type, &a->req.replicates))
                return cli_usage("compare",
                                 "--variance must be linearization, jk1, jkn, brr, "
                                 "fay or bootstrap, not '%s'",
                                 optarg);
            break;
        case 'R': a->req.rep.replicates = (size_t)strtoul(optarg, &end, 10); break;
        case 'S': a->req.rep.seed = strtoull(optarg, &end, 10); break;
        case 'r': a->req.rep.fay_rho = strtod(optarg, &end); break;
        case 'd': a->req.opt.df = strtod(optarg, &end); break;
        case 'c': a->req.min_cell = strtol(optarg, &end, 10); break;
        case 'Y': a->by = optarg; break;
        case 'H': a->req.where = optarg; break;
        case 'f':
            if (out_format_parse(optarg, &a->format))
                return cli_usage("compare", "--format must be text, csv or json, not '%s'", optarg);
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
    if (a->req.rep.replicates < 2 || !(a->req.rep.fay_rho > 0 && a->req.rep.fay_rho < 1) ||
        a->req.opt.df < 0)
        return cli_usage("compare", "--replicates must be >= 2, --rho in (0, 1), --df >= 0");
    return 0;
}

/* With a wave_label column after wave where the codebook labels waves (out_begin_waves). */
static const out_col cmp_cols[] = {{"measure", OUT_STR, 0, NULL},  {"wave", OUT_INT, 0, NULL},
                                   {"quantity", OUT_STR, 0, NULL}, {"estimate", OUT_NUM, 0, NULL},
                                   {"se", OUT_NUM, 0, NULL},       {"ci_low", OUT_NUM, 0, NULL},
                                   {"ci_high", OUT_NUM, 0, NULL},  {"df", OUT_NUM, 0, NULL},
                                   {"n", OUT_INT, 0, NULL},        {"flag", OUT_STR, 0, NULL}};

typedef struct cmp_out {
    out_table T; /* CSV and JSON: one row per quantity */
    out_format format;
    const char *measure;
    const helby_survey *s;
} cmp_out;

/* "201506 (Forår 2015)" when the codebook labels the wave, else "201506", into buf. */
static const char *cmp_wave(const cmp_out *o, long wave, char *buf, size_t n)
{
    return cli_wave_name(o->s, wave, NULL, buf, n);
}

/* Why a quantity has no number: "suppressed" (a cell below min_cell), "empty" (a cell with no
 * respondent), "undefined" (a zero denominator); "" when it has one. */
static const char *why_missing(const helby_estimate *e, int suppressed)
{
    if (!isnan(e->estimate))
        return "";
    return suppressed ? "suppressed" : e->n == 0 ? "empty" : "undefined";
}

/* The same for a quantity of several cells: "undefined" when one of them is empty. */
static const char *why_undefined(const helby_estimate *e, int suppressed)
{
    return isnan(e->estimate) && !suppressed ? "undefined" : why_missing(e, suppressed);
}

static void cmp_put(cmp_out *o, long wave, const char *label, const helby_estimate *e, int pct,
                    const char *flag)
{
    if (o->format != OUT_TEXT) {
        out_value v[10] = {{.s = o->measure},  {.i = wave},  {.s = label},
                           {.d = e->estimate}, {.d = e->se}, {.d = e->ci_low},
                           {.d = e->ci_high},  {.d = e->df}, {.i = (long long)e->n},
                           {.s = flag}};
        out_row(&o->T, v);
        return;
    }
    if (isnan(e->estimate)) {
        printf("  %-34s %9s     (%s)\n", label, "–", *flag ? flag : "undefined");
        return;
    }
    double f = pct ? 100 : 1;
    printf("  %-34s %9.3f%s  [%8.3f, %8.3f]%s  se %.3g, df %.4g%s%s\n", label, f * e->estimate,
           pct ? " %" : "  ", f * e->ci_low, f * e->ci_high, pct ? " %" : "  ", f * e->se, e->df,
           *flag ? ", " : "", flag);
}

/* Fieller's interval for the relative gap change, beside the delta method's. */
static void cmp_fieller(cmp_out *o, const helby_wave_comparison *x, int suppressed)
{
    helby_estimate f = x->rel_gap_change;
    f.se = NAN;
    f.ci_low = x->fieller_low;
    f.ci_high = x->fieller_high;
    /* The df of the t the interval used: the pivot's at its bounds (the smaller). */
    f.df = x->fieller_df_low < x->fieller_df_high ? x->fieller_df_low : x->fieller_df_high;
    const char *flag = suppressed           ? "suppressed"
                       : isnan(f.estimate)  ? "undefined"
                       : x->fieller_bounded ? ""
                                            : "unbounded";
    if (o->format != OUT_TEXT || suppressed || isnan(f.estimate)) {
        if (o->format != OUT_TEXT)
            cmp_put(o, x->wave, "relative gap change (Fieller)", &f, 0, flag);
        return;
    }
    if (x->fieller_bounded)
        printf("  %-34s %9s    [%8.3f, %8.3f]    Fieller, df %.4g\n", "", "", f.ci_low, f.ci_high,
               f.df);
    else
        printf("  warning: the baseline gap is within %.2f SE of zero (not beyond the t quantile\n"
               "  on its own df): the relative gap change has no finite Fieller interval; do not\n"
               "  read it\n",
               x->baseline_gap_t);
}

/* The rule a goal is judged by, in words (docs/method.md §7). */
static void goal_rule(const helby_goal_row *g, char *rule, size_t n)
{
    const helby_target *tg = g->target;
    long b = g->baseline_wave, t = g->target_wave;
    if (tg->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION)
        snprintf(rule, n,
                 "relative gap reduction %ld->%ld >= %g %%: met if the whole CI is "
                 ">= %g %%, not met if it is all below",
                 b, t, g->x, g->x);
    else if (tg->kind == HELBY_TARGET_RATIO_INCREASE)
        snprintf(rule, n,
                 "ratio minorities/Danes rises %ld->%ld by >= %g %%: met if the whole "
                 "CI is >= %g %%, not met if it is all below",
                 b, t, g->x, g->x);
    else
        snprintf(rule, n,
                 "change %ld->%ld (%s) > %g: met if the whole CI is above %g, not met "
                 "if it is all at or below",
                 b, t, tg->group, g->x, g->x);
}

static void cmp_goals(cmp_out *o, const helby_comparison *c)
{
    for (size_t i = 0; i < c->n_goals; i++) {
        const helby_goal_row *g = &c->goals[i];
        const char *verdict = helby_verdict_name(g->result.verdict);
        if (o->format != OUT_TEXT) {
            char qname[96];
            snprintf(qname, sizeof qname, "%s %s", g->target->goal, verdict);
            cmp_put(o, g->target_wave, qname, &g->result.q, 0,
                    helby_goal_reason_text(g->result.reason, "en"));
            continue;
        }
        const helby_target *tg = g->target;
        int as_pct = tg->kind != HELBY_TARGET_CHANGE_POSITIVE;
        char rule[256];
        goal_rule(g, rule, sizeof rule);
        printf("%s\n", tg->label_en && *tg->label_en ? tg->label_en : tg->goal);
        cmp_put(o, g->target_wave, as_pct ? "observed" : "observed change", &g->result.q, as_pct,
                "");
        if (tg->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION && isfinite(g->result.fieller_low))
            printf("  %-34s %9s    [%8.3f, %8.3f] %%  Fieller\n", "", "",
                   100 * g->result.fieller_low, 100 * g->result.fieller_high);
        printf("  rule: %s\n  verdict: %s%s%s\n", rule, verdict, g->result.reason ? ": " : "",
               helby_goal_reason_text(g->result.reason, "en"));
        if (g->result.gap_reversed) {
            const helby_wave_comparison *x = &c->waves[g->target_index];
            char rev[160];
            helby_goal_reversal_text(x->gap.estimate, c->is_share, "en", rev, sizeof rev);
            printf("  the gap %s\n", rev);
        }
    }
}

static void cmp_print(cmp_out *o, const helby_comparison *c, const helby_compare_request *req)
{
    int pct = c->is_share;
    char wb[128];
    if (o->format == OUT_TEXT)
        printf("== %s: ethnic minorities vs ethnic Danes (%g %% CIs, t on each wave's df; "
               "baseline %s; weights: %s; min cell %ld)\n",
               o->measure, 100 * req->opt.level, cmp_wave(o, c->waves[c->baseline].wave, wb, 128),
               req->weights ? req->weights : "base", c->min_cell);
    for (size_t w = 0; w < c->n_waves; w++) {
        const helby_wave_comparison *x = &c->waves[w];
        int sup = c->suppressed[w];
        long lim = c->min_cell;
        if (o->format == OUT_TEXT)
            printf("wave %s\n", cmp_wave(o, x->wave, wb, sizeof wb));
        cmp_put(o, x->wave, "ethnic Danes", &x->danes, pct,
                why_missing(&x->danes, (long)x->danes.n < lim && x->danes.n > 0));
        cmp_put(o, x->wave, "ethnic minorities", &x->minorities, pct,
                why_missing(&x->minorities, (long)x->minorities.n < lim && x->minorities.n > 0));
        cmp_put(o, x->wave, "all", &c->all[w], pct,
                why_missing(&c->all[w], (long)c->all[w].n < lim && c->all[w].n > 0));
        int sup_w = (x->danes.n > 0 && (long)x->danes.n < lim) ||
                    (x->minorities.n > 0 && (long)x->minorities.n < lim);
        cmp_put(o, x->wave, "gap (Danes - minorities)", &x->gap, pct,
                why_undefined(&x->gap, sup_w));
        cmp_put(o, x->wave, "ratio (minorities / Danes)", &x->ratio, 0,
                why_undefined(&x->ratio, sup_w));
        if (w != c->baseline) {
            cmp_put(o, x->wave, "gap change since baseline", &x->gap_change, pct,
                    why_undefined(&x->gap_change, sup));
            cmp_put(o, x->wave, "relative gap change (share)", &x->rel_gap_change, 0,
                    why_undefined(&x->rel_gap_change, sup));
            cmp_fieller(o, x, sup);
        }
    }
    cmp_goals(o, c);
}

/* The measures asked, else those of targets.csv, each once, else every index and share, as
 * "a,b,c" in buf. */
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
    /* Without targets, every index and share: a survey without goals still compares. */
    for (size_t i = 0; !s->n_targets && i < s->n_indices && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? "," : "", s->indices[i].name);
    for (size_t i = 0; !s->n_targets && i < s->n_shares && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? "," : "", s->shares[i].name);
}

/* Compare each measure of M, printing as it goes. */
static int cmp_run(helby_store *st, const helby_survey *s, cmp_args *a, const cli_list *M)
{
    helby_error err;
    cmp_out o;
    memset(&o, 0, sizeof o);
    o.format = a->format;
    o.s = s;
    if (o.format != OUT_TEXT)
        out_begin_waves(&o.T, stdout, o.format, cmp_cols, sizeof cmp_cols / sizeof cmp_cols[0], s,
                        NULL);
    int rc = 0;
    for (size_t i = 0; i < M->n && !rc; i++) {
        helby_comparison *c = NULL;
        a->req.measure = o.measure = M->item[i];
        if (helby_analysis_compare(st, s, &a->req, &c, &err))
            rc = err.code == HELBY_EINPUT && !strcmp(err.variable, M->item[i])
                     ? cli_input("compare",
                                 "--measure %s is not an index, dimension, share or item of "
                                 "survey %s",
                                 M->item[i], s->id)
                 : err.code == HELBY_EUSAGE ? cli_usage("compare", "%s", err.message)
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
    rc = a.by ? cli_compare_by(st, s, &a.req, a.by, (const char *const *)M.item, M.n, a.format,
                               s->language)
              : cmp_run(st, s, &a, &M);
done:
    cli_list_free(&M);
    free(waves);
    helby_survey_free(s);
    helby_store_close(st);
    return rc;
}
