/* cmd_compute.c — helby compute (every index, dimension and share by group x wave,
 * group x wave x district and wave, stored as a run with its provenance) and helby runs
 * (list, show, diff). A rerun recomputes a stored run and proves it bit for bit. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "helby/analysis.h"
#include "helby/tables.h"
#include "output.h"

void help_compute(FILE *out)
{
    fprintf(out,
            "Usage: helby compute --survey ID [OPTIONS]\n"
            "       helby compute --rerun N\n\n"
            "Compute every index, dimension and share of the survey from all stored waves, by\n"
            "group x wave, group x wave x district and wave (all respondents), with base\n"
            "weights (or --weights), and store the result as a run: engine version, definition "
            "hash, SHA-256\n"
            "of every input file, options, seed, and a SHA-256 of the estimates' exact bits.\n"
            "Cells below min_cell are stored as suppressed (no numbers).\n\n"
            "  -s, --survey ID     the survey\n"
            "      --variance M    linearization (default), jk1, jkn, brr, fay, bootstrap,\n"
            "                      supplied (the producer's, survey.ini [replicates])\n"
            "      --replicates B  bootstrap replicates (default 100)\n"
            "      --seed S        bootstrap seed and Sobol shift (default 1)\n"
            "      --rho R         Fay's rho (default 0.3)\n"
            "      --level L       confidence level (default 0.95)\n"
            "      --ci M          CIs of means: t (default) or normal (logit, beta or wald:\n"
            "                      the shares', as --share-ci)\n"
            "      --share-ci M    CIs of shares: logit (default), beta (Korn-Graubard), wald,\n"
            "                      t or normal\n"
            "      --df D          one df for every CI (default: each estimate's own: the\n"
            "                      wave's PSUs - strata, Satterthwaite across waves)\n"
            "      --share-df R    a share's CI on a domain: domain (default, its PSUs -\n"
            "                      strata, as R's svyby of svyciprop) or design (the wave's)\n"
            "      --weights NAME  a weight set of `helby weight` instead of the base weights;\n"
            "                      variance with its calibration residuals, replicates\n"
            "                      re-calibrated\n"
            "      --waves W,...   compute these stored waves only (default: every stored\n"
            "                      wave); recorded in the run (waves=...), so a rerun\n"
            "                      computes the same waves\n"
            "      --by X,Y        also the comparisons within each level of these coded\n"
            "                      variables (as compare --by: both groups, the gap and its\n"
            "                      change since the baseline per level and wave), stored as\n"
            "                      rows 'by=X,level=...' and shown by the report\n"
            "      --sensitivity N also helby sensitivity's analysis with N base scenarios,\n"
            "                      stored as rows 'sensitivity=...' (needs sensitivity.csv)\n"
            "      --rerun N       recompute run N with its own options and seed; say whether the\n"
            "                      inputs are the same and the numbers identical bit for bit\n"
            "                      (exit 0), the inputs changed (exit 2, naming them) or the\n"
            "                      numbers differ (exit 4)\n\n"
            "Example:\n  helby --db city.db compute --survey copenhagen\n"
            "  helby --db city.db compute --rerun 1\n");
}

void help_runs(FILE *out)
{
    fprintf(out,
            "Usage: helby runs list [--format text|csv|json]\n"
            "       helby runs show N [--format text|csv|json]\n"
            "       helby runs diff A B\n"
            "       helby runs drop N\n\n"
            "list  every stored run, one short line each: number, survey, time, estimates,\n"
            "      variance, weights, level and the result hash's first digits (csv and json:\n"
            "      every field, options and the whole hash)\n"
            "show  a run's provenance and estimates, each domain with its codes' labels\n"
            "      (\"group=1 (Etniske minoriteter), wave=2011, district=4 (Vesterbro)\"); csv:\n"
            "      measure;domain;estimate;se;ci_low;ci_high;df;n;deff;flag;domain_label,\n"
            "      numbers in full precision, undefined ones empty (csv) or null (json)\n"
            "drop  remove run N made by mistake: its estimates are deleted; its number, result\n"
            "      hash and the time stay, so the number is never given to another run\n"
            "diff  what differs between two runs: definition, engine, options, seed, which input\n"
            "      files, and which estimates moved (and by how much)\n\n"
            "Example:\n  helby --db city.db runs diff 1 2\n");
}

/* The input files that differ, as "wave 2012 file changed: run abc…, now def…". */
static void print_inputs(const helby_input_change *c, size_t n, const char *la, const char *lb)
{
    for (size_t i = 0; i < n; i++) {
        if (!c[i].b[0])
            printf("  input: wave %s is in %s but not in %s\n", c[i].key, la, lb);
        else if (!c[i].a[0])
            printf("  input: wave %s is in %s but not in %s\n", c[i].key, lb, la);
        else
            printf("  input: wave %s file changed: %s %.16s…, %s %.16s…\n", c[i].key, la, c[i].a,
                   lb, c[i].b);
    }
}

/* A domain with its codes' labels (the survey's current definition, in its language);
 * the domain as is when the survey is gone. */
static void domain_label(const helby_survey *s, const char *domain, char *out, size_t n)
{
    if (s)
        helby_domain_text_label(s, domain, s->language ? s->language : "da", out, n);
    else
        snprintf(out, n, "%s", domain);
}

/* The first 50 estimates that moved, and by how much (the domain, labelled, last). */
static void print_moved(const helby_survey *s, const helby_run_row *a, const helby_run_row *b,
                        const helby_row_move *m, size_t n)
{
    for (size_t k = 0; k < n && k < 50; k++) {
        const helby_run_row *x = &a[m[k].a];
        char lab[512];
        domain_label(s, x->domain, lab, sizeof lab);
        if (m[k].b == HELBY_RUN_NO_ROW) {
            printf("  %-20s only in the first run: %s\n", x->measure, lab);
            continue;
        }
        const helby_run_row *y = &b[m[k].b];
        printf("  %-20s %12.6g -> %-12.6g (diff %+.3g; se %.4g -> %.4g) %s\n", x->measure,
               x->estimate, y->estimate, y->estimate - x->estimate, x->se, y->se, lab);
    }
    if (n > 50)
        printf("  … and %zu more\n", n - 50);
}

/* Which definition a rerun used, or why it could not use the run's own. */
static void print_definition(const helby_rerun_result *r)
{
    const helby_run_info *o = &r->run;
    if (!r->definition_changed) {
        printf("  definition: the run's own and the current (%.16s…)\n", o->def_hash);
    } else if (r->definition_own) {
        printf("  definition: the run's own (%.16s…, kept in the store), not the current "
               "(%.16s…): what changed since (%s) is nothing the run used\n",
               o->def_hash, r->def_hash_now, r->definition_changes);
    } else if (r->definition_stored) {
        printf("  definition changed: run %.16s…, now %.16s…: %s; the run used %s\n", o->def_hash,
               r->def_hash_now, r->definition_changes, r->definition_used);
    } else {
        printf("  definition changed: run %.16s…, now %.16s…; the run's own definition is not "
               "in the store, so the run cannot be recomputed as it was made: compute a new run "
               "with `helby compute`\n",
               o->def_hash, r->def_hash_now);
    }
}

/* A rerun's verdict; returns the exit code (0 reproduced, 2 inputs changed, 4 differs). */
static int print_rerun(long id, const helby_rerun_result *r)
{
    const helby_run_info *o = &r->run;
    printf("rerun of run %ld (%s, %s, seed %llu)\n", id, o->survey, o->options, o->seed);
    if (r->outcome == HELBY_RERUN_INPUTS_CHANGED)
        print_inputs(r->inputs, r->n_inputs, "run", "now");
    print_definition(r);
    if (r->engine_differs)
        printf("  engine: run %s, now %s\n", o->engine, helby_version());
    size_t n = r->n_inputs;
    switch (r->outcome) {
    case HELBY_RERUN_INPUTS_CHANGED:
        n += r->definition_changed && !r->definition_own ? 1 : 0;
        printf("not reproducible as is: %zu input%s changed since run %ld\n", n, n == 1 ? "" : "s",
               id);
        return 2;
    case HELBY_RERUN_WEIGHTS_CHANGED:
        print_inputs(r->inputs, n, "run", "now");
        printf("not reproducible as is: the weight set '%s' changed since run %ld (%zu input%s)\n",
               r->options.weights, id, n, n == 1 ? "" : "s");
        return 2;
    case HELBY_RERUN_REPRODUCED:
        printf("reproduced bit for bit: %zu estimates, result sha256 %s\n", r->n_rows,
               r->result_hash);
        return 0;
    case HELBY_RERUN_DIFFERS: break;
    }
    print_moved(NULL, r->stored, r->rows, r->moved, r->n_moved);
    printf("NOT reproduced: %zu of %zu estimates differ (result sha256 %.16s… vs %.16s…); "
           "largest relative difference %.3g\n",
           r->n_moved, r->n_stored, o->result_hash, r->result_hash, r->max_rel_diff);
    return 4;
}

typedef struct compute_args {
    helby_run_options o;
    const char *survey;
    long rerun;
} compute_args;

/* getopt over compute's options into a; returns -1 when fine, else the exit code. */
static int run_waves(helby_run_options *o, const char *arg);

enum {
    O_VAR = 256,
    O_REPS,
    O_SEED,
    O_RHO,
    O_LEVEL,
    O_RERUN,
    O_WEIGHTS,
    O_CI,
    O_SCI,
    O_DF,
    O_SDF,
    O_SENS,
    O_WAVES,
    O_BY
};

/* --by A,B into o->by as "A+B"; 0, or -1 for an empty or unusable name. */
static int run_by(helby_run_options *o, const char *arg)
{
    size_t k = 0;
    for (const char *p = arg; *p; p++) {
        if (*p == ';' || *p == '=' || *p == '+' || *p == ' ' || k + 1 >= sizeof o->by ||
            (*p == ',' && (p == arg || p[1] == ',' || !p[1])))
            return -1;
        o->by[k++] = *p == ',' ? '+' : *p;
    }
    o->by[k] = '\0';
    return k ? 0 : -1;
}

/* One option c of compute (its value arg, as given opt) into a; 0, or the exit code. */
static int compute_option(compute_args *a, int c, const char *arg, const char *opt)
{
    helby_run_options *o = &a->o;
    char *end = NULL;
    switch (c) {
    case 's': a->survey = arg; break;
    case O_VAR: snprintf(o->variance, sizeof o->variance, "%s", arg); break;
    case O_REPS: o->replicates = strtol(arg, &end, 10); break;
    case O_SEED: o->seed = strtoull(arg, &end, 10); break;
    case O_RHO: o->rho = strtod(arg, &end); break;
    case O_LEVEL: o->level = strtod(arg, &end); break;
    case O_RERUN: a->rerun = strtol(arg, &end, 10); break;
    case O_DF: o->df = strtod(arg, &end); break;
    case O_SDF: return cli_share_df("compute", arg, &o->share_df);
    case O_WAVES:
        if (run_waves(o, arg))
            return cli_usage("compute", "--waves needs waves like 2011,2012 (at most %d)",
                             HELBY_RUN_MAX_WAVES);
        break;
    case O_BY:
        if (run_by(o, arg))
            return cli_usage("compute", "--by needs coded variables like ageband,sex, not '%s'",
                             arg);
        break;
    case O_SENS:
        o->sensitivity = arg[0] == '-' ? 0 : (size_t)strtoul(arg, &end, 10);
        if (!o->sensitivity)
            return cli_usage("compute", "--sensitivity needs a number of scenarios >= 2");
        break;
    case O_CI:
    case O_SCI:
        /* A share's method given to --ci is the shares' (as `estimate --ci beta`). */
        if (c == O_CI && (!strcmp(arg, "logit") || !strcmp(arg, "beta") || !strcmp(arg, "wald")))
            c = O_SCI;
        if (!helby_ci_method_parse(arg, c == O_CI ? &o->ci : &o->share_ci))
            return cli_usage("compute", "%s must be t, normal, logit, beta or wald, not '%s'", opt,
                             arg);
        break;
    case O_WEIGHTS:
        if (!*arg || strlen(arg) >= sizeof o->weights || strchr(arg, ';'))
            return cli_usage("compute", "--weights: '%s' is not a weight set name", arg);
        snprintf(o->weights, sizeof o->weights, "%s", arg);
        break;
    case ':': return cli_usage("compute", "option '%s' needs a value", opt);
    default: return cli_usage("compute", "unknown option '%s'", opt);
    }
    if (end && *end)
        return cli_usage("compute", "option '%s' needs a number, not '%s'", opt, arg);
    return 0;
}

static int parse_compute(int argc, char **argv, compute_args *a)
{
    static const struct option opts[] = {{"survey", required_argument, 0, 's'},
                                         {"variance", required_argument, 0, O_VAR},
                                         {"replicates", required_argument, 0, O_REPS},
                                         {"seed", required_argument, 0, O_SEED},
                                         {"rho", required_argument, 0, O_RHO},
                                         {"level", required_argument, 0, O_LEVEL},
                                         {"rerun", required_argument, 0, O_RERUN},
                                         {"weights", required_argument, 0, O_WEIGHTS},
                                         {"ci", required_argument, 0, O_CI},
                                         {"share-ci", required_argument, 0, O_SCI},
                                         {"df", required_argument, 0, O_DF},
                                         {"share-df", required_argument, 0, O_SDF},
                                         {"sensitivity", required_argument, 0, O_SENS},
                                         {"waves", required_argument, 0, O_WAVES},
                                         {"by", required_argument, 0, O_BY},
                                         {0, 0, 0, 0}};
    int c, rc;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:s:", opts, NULL)) != -1)
        if ((rc = compute_option(a, c, optarg ? optarg : "", argv[optind - 1])))
            return rc;
    if (optind < argc)
        return cli_usage("compute", "unexpected argument '%s'", argv[optind]);
    if (!a->survey && !a->rerun)
        return cli_usage("compute", "missing --survey ID (or --rerun N)");
    helby_error err;
    if (helby_run_options_check(&a->o, &err))
        return cli_usage("compute", "%s", err.message);
    return -1;
}

/* --waves W,... into o: ascending, each once. */
static int run_waves(helby_run_options *o, const char *arg)
{
    long *w = NULL;
    size_t n = 0;
    if (cli_parse_waves(arg, &w, &n) || n > HELBY_RUN_MAX_WAVES) {
        free(w);
        return -1;
    }
    o->n_waves = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = o->n_waves;
        while (j > 0 && o->waves[j - 1] > w[i])
            j--;
        if (j > 0 && o->waves[j - 1] == w[i])
            continue;
        memmove(&o->waves[j + 1], &o->waves[j], (o->n_waves - j) * sizeof *o->waves);
        o->waves[j] = w[i];
        o->n_waves++;
    }
    free(w);
    return 0;
}

int cmd_compute(cli_global *g, int argc, char **argv)
{
    compute_args a = {.survey = NULL, .rerun = 0};
    helby_run_options_default(&a.o);
    int rc = parse_compute(argc, argv, &a);
    if (rc >= 0)
        return rc;
    helby_store *st = NULL;
    if ((rc = cli_open_store(g, a.rerun ? HELBY_OPEN_READONLY : HELBY_OPEN_EXISTING, &st)))
        return rc;
    helby_error err;
    helby_error_clear(&err);
    if (a.rerun) {
        helby_rerun_result r;
        if (helby_run_rerun(st, a.rerun, &r, &err))
            rc = cli_fail(&err);
        else
            rc = print_rerun(a.rerun, &r);
        helby_rerun_result_free(&r);
    } else {
        helby_run_info info;
        size_t n = 0;
        if (helby_run_create(st, a.survey, &a.o, &info, &n, &err))
            rc = cli_fail(&err);
        else if (!g->quiet)
            printf("run %lld: %s, %zu estimates (%s, seed %llu)\n  definition %.16s…, inputs "
                   "%s\n  result sha256 %s\n",
                   (long long)info.id, info.survey, n, info.options, info.seed, info.def_hash,
                   info.inputs, info.result_hash);
    }
    helby_store_close(st);
    return rc;
}

/* Estimates of a run as a table: text for people (the labelled domain last, as it is long),
 * CSV and JSON in full precision with the domain text and its labels (domain_label). */
static void print_rows(const helby_survey *s, const helby_run_row *r, size_t n, out_format f)
{
    static const out_col cols[] = {
        {"measure", OUT_STR, 20, NULL},    {"domain", OUT_STR, 0, NULL},
        {"estimate", OUT_NUM, -10, NULL},  {"se", OUT_NUM, -9, NULL},
        {"ci_low", OUT_NUM, -9, NULL},     {"ci_high", OUT_NUM, -9, NULL},
        {"df", OUT_NUM, -5, "%g"},         {"n", OUT_INT, -6, NULL},
        {"deff", OUT_NUM, -6, NULL},       {"flag", OUT_STR, 11, NULL},
        {"domain_label", OUT_STR, 0, NULL}};
    static const out_col text_cols[] = {
        {"measure", OUT_STR, 20, NULL}, {"estimate", OUT_NUM, -10, NULL},
        {"se", OUT_NUM, -9, NULL},      {"ci_low", OUT_NUM, -9, NULL},
        {"ci_high", OUT_NUM, -9, NULL}, {"df", OUT_NUM, -5, "%g"},
        {"n", OUT_INT, -6, NULL},       {"deff", OUT_NUM, -6, NULL},
        {"flag", OUT_STR, 11, NULL},    {"domain", OUT_STR, 0, NULL}};
    out_table t;
    if (f == OUT_TEXT)
        out_begin(&t, stdout, f, text_cols, sizeof text_cols / sizeof text_cols[0]);
    else
        out_begin(&t, stdout, f, cols, sizeof cols / sizeof cols[0]);
    for (size_t i = 0; i < n; i++) {
        char lab[512];
        domain_label(s, r[i].domain, lab, sizeof lab);
        out_value v[11] = {{.s = r[i].measure}, {.s = r[i].domain}, {.d = r[i].estimate},
                           {.d = r[i].se},      {.d = r[i].ci_low}, {.d = r[i].ci_high},
                           {.d = r[i].df},      {.i = r[i].n},      {.d = r[i].deff},
                           {.s = r[i].flag},    {.s = lab}};
        if (f == OUT_TEXT) { /* the labelled domain in the place of the domain text */
            memmove(&v[1], &v[2], 8 * sizeof v[0]);
            v[9].s = lab;
        }
        out_row(&t, v);
    }
    out_end(&t);
}

/* The run's record as the JSON object that holds its estimates. */
static void print_json_head(const helby_run_info *i)
{
    const char *keys[] = {"survey",     "created_at", "engine",       "options",
                          "definition", "inputs",     "result_sha256"};
    const char *vals[] = {i->survey,   i->created_at, i->engine,     i->options,
                          i->def_hash, i->inputs,     i->result_hash};
    printf("{\"run\": %lld, \"seed\": %llu, \"n_estimates\": %lld", (long long)i->id, i->seed,
           (long long)i->n_estimates);
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        fputs(",\n ", stdout);
        out_json_string(stdout, keys[k]);
        fputs(": ", stdout);
        out_json_string(stdout, vals[k]);
    }
    fputs(",\n \"estimates\": ", stdout);
}

static void print_show(const helby_survey *s, const helby_run_info *i, const helby_run_row *r,
                       size_t n, out_format f)
{
    if (f == OUT_JSON)
        print_json_head(i);
    if (f == OUT_TEXT)
        printf("run %lld of %s at %s, helby %s\n  options %s seed=%llu\n  definition %s\n"
               "  inputs %s\n  result sha256 %s\n",
               (long long)i->id, i->survey, i->created_at, i->engine, i->options, i->seed,
               i->def_hash, i->inputs, i->result_hash);
    print_rows(s, r, n, f);
    if (f == OUT_JSON)
        fputs("}\n", stdout);
}

/* One short line per run for people: number, survey, minute, size, how it was computed and
 * the result hash's first 8 digits ("runs show N" has the rest). */
static void print_list_text(const helby_run_info *l, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        helby_run_options o;
        helby_run_options_default(&o);
        char how[160];
        if (helby_run_options_parse(&o, l[k].options))
            snprintf(how, sizeof how, "options not readable by this engine");
        else if (!strcmp(o.variance, "bootstrap"))
            snprintf(how, sizeof how, "%s (seed %llu), %s, %g %%", o.variance, l[k].seed, o.weights,
                     100 * o.level);
        else
            snprintf(how, sizeof how, "%s, %s, %g %%", o.variance, o.weights, 100 * o.level);
        const char *t = l[k].created_at; /* "2026-11-29T13:51:45Z" as "2026-11-29 13:51" */
        printf("%3lld  %s  %.10s %.5s  %lld estimates  %s  %.8s\n", (long long)l[k].id, l[k].survey,
               t, strlen(t) > 11 ? t + 11 : "", (long long)l[k].n_estimates, how, l[k].result_hash);
    }
}

/* One line per run: text short (print_list_text); CSV and JSON whole. */
static void print_list(const helby_run_info *l, size_t n, out_format f)
{
    if (f == OUT_TEXT) {
        print_list_text(l, n);
        return;
    }
    static const out_col cols[] = {
        {"run", OUT_INT, -4, NULL},      {"survey", OUT_STR, 16, NULL},
        {"created", OUT_STR, 20, NULL},  {"estimates", OUT_INT, -9, NULL},
        {"variance", OUT_STR, 13, NULL}, {"weights", OUT_STR, 10, NULL},
        {"seed", OUT_INT, -5, NULL},     {"result", OUT_STR, 0, NULL},
        {"options", OUT_STR, 0, NULL}};
    out_table t;
    out_begin(&t, stdout, f, cols, sizeof cols / sizeof cols[0] - (f == OUT_TEXT));
    for (size_t k = 0; k < n; k++) {
        helby_run_options o;
        helby_run_options_default(&o);
        if (helby_run_options_parse(&o, l[k].options))
            snprintf(o.variance, sizeof o.variance, "?");
        char result[65];
        snprintf(result, sizeof result, "%.*s", f == OUT_TEXT ? 16 : 64, l[k].result_hash);
        out_value v[9] = {{.i = l[k].id},
                          {.s = l[k].survey},
                          {.s = l[k].created_at},
                          {.i = l[k].n_estimates},
                          {.s = o.variance},
                          {.s = o.weights},
                          {.i = (long long)l[k].seed},
                          {.s = result},
                          {.s = l[k].options}};
        out_row(&t, v);
    }
    out_end(&t);
}

static void print_diff(const helby_survey *s, long a, long b, const helby_run_diff_result *d)
{
    const helby_run_info *x = &d->a, *y = &d->b;
    printf("runs %ld and %ld:\n", a, b);
    int why = 0;
    if (strcmp(x->survey, y->survey))
        printf("  survey: %s vs %s\n", x->survey, y->survey), why++;
    if (strcmp(x->def_hash, y->def_hash))
        printf("  definition: %.16s… vs %.16s…\n", x->def_hash, y->def_hash), why++;
    if (strcmp(x->engine, y->engine))
        printf("  engine: %s vs %s\n", x->engine, y->engine), why++;
    if (strcmp(x->options, y->options))
        printf("  options: %s vs %s\n", x->options, y->options), why++;
    if (x->seed != y->seed)
        printf("  seed: %llu vs %llu\n", x->seed, y->seed), why++;
    char la[32], lb[32];
    snprintf(la, sizeof la, "run %ld", a);
    snprintf(lb, sizeof lb, "run %ld", b);
    print_inputs(d->inputs, d->n_inputs, la, lb);
    if (!why && !d->n_inputs)
        printf("  same definition, engine, options, seed and inputs\n");
    print_moved(s, d->rows_a, d->rows_b, d->moved, d->n_moved);
    if (!d->n_moved && d->n_a == d->n_b)
        printf("  all %zu estimates identical (result sha256 %.16s…)\n", d->n_a, x->result_hash);
    else
        printf("  %zu of %zu estimates differ\n", d->n_moved, d->n_a);
}

/* The survey of a run, for labels (its current definition), or NULL when it is gone. */
static helby_survey *run_survey(helby_store *st, const char *id)
{
    helby_survey *s = NULL;
    helby_error err;
    if (helby_store_get_survey(st, id, &s, &err))
        return NULL;
    return s;
}

/* runs list|show N|diff A B: the arguments into sub, a, b and format. */
static int parse_runs(int argc, char **argv, long *a, long *b, out_format *f)
{
    if (argc < 2)
        return cli_usage("runs", "missing subcommand: list, show, diff or drop");
    const char *sub = argv[1];
    int is_diff = !strcmp(sub, "diff");
    if (!is_diff && strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "drop"))
        return cli_usage("runs", "unknown subcommand '%s' (list, show, diff, drop)", sub);
    for (int i = 2; i < argc; i++) {
        long *slot = !*a ? a : is_diff && !*b ? b : NULL;
        if (!strcmp(argv[i], "--format") && i + 1 < argc && !is_diff) {
            if (out_format_parse(argv[++i], f))
                return cli_usage("runs", "--format must be text, csv or json");
        } else if (slot && strcmp(sub, "list")) {
            char *end = NULL;
            *slot = strtol(argv[i], &end, 10);
            if (*end || *slot <= 0)
                return cli_usage("runs", "'%s' is not a run number", argv[i]);
        } else {
            return cli_usage("runs", "unexpected argument '%s'", argv[i]);
        }
    }
    if ((!strcmp(sub, "show") || !strcmp(sub, "drop")) && !*a)
        return cli_usage("runs", "%s needs a run number", sub);
    if (is_diff && !*b)
        return cli_usage("runs", "diff needs two run numbers");
    return -1;
}

int cmd_runs(cli_global *g, int argc, char **argv)
{
    long a = 0, b = 0;
    out_format f = OUT_TEXT;
    int rc = parse_runs(argc, argv, &a, &b, &f);
    if (rc >= 0)
        return rc;
    helby_store *st = NULL;
    int drop = !strcmp(argv[1], "drop");
    if ((rc = cli_open_store(g, drop ? HELBY_OPEN_EXISTING : HELBY_OPEN_READONLY, &st)))
        return rc;
    helby_error err;
    helby_error_clear(&err);
    if (drop) {
        if (helby_store_drop_run(st, a, &err))
            rc = cli_fail(&err);
        else
            printf("dropped run %ld: its estimates are gone; its number is not given again\n", a);
    } else if (!strcmp(argv[1], "list")) {
        helby_run_info *list = NULL;
        size_t n = 0;
        if (helby_store_list_runs(st, &list, &n, &err))
            rc = cli_fail(&err);
        else if (n == 0 && f == OUT_TEXT)
            printf("no runs yet (make one with `helby compute --survey ID`)\n");
        else
            print_list(list, n, f);
        free(list);
    } else if (!strcmp(argv[1], "show")) {
        helby_run_info info;
        helby_run_row *rows = NULL;
        size_t n = 0;
        if (helby_store_get_run(st, a, &info, &rows, &n, &err))
            rc = cli_fail(&err);
        else {
            helby_survey *s = run_survey(st, info.survey);
            print_show(s, &info, rows, n, f);
            helby_survey_free(s);
        }
        free(rows);
    } else {
        helby_run_diff_result d;
        if (helby_run_diff(st, a, b, &d, &err))
            rc = cli_fail(&err);
        else {
            helby_survey *s = run_survey(st, d.a.survey);
            print_diff(s, a, b, &d);
            helby_survey_free(s);
        }
        helby_run_diff_free(&d);
    }
    helby_store_close(st);
    return rc;
}
