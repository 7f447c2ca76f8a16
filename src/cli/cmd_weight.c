/* cmd_weight.c — helby weight (named weight sets calibrated to the survey's register
 * margins, per wave): create, list and show; the work is helby_weight_set_create's. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "helby/csv.h"
#include "helby/analysis.h"
#include "helby/weight.h"
#include "output.h"

void help_weight(FILE *out)
{
    fprintf(out,
            "Usage: helby weight create --survey ID --name NAME [OPTIONS]\n"
            "       helby weight list --survey ID\n"
            "       helby weight show --survey ID --name NAME [--format text|csv|json]\n"
            "       helby weight export --survey ID [--name NAME] [-o FILE]\n"
            "       helby weight drop --survey ID --name NAME [--force]\n\n"
            "Weight each wave to the population totals of the survey's margins/W.csv and keep\n"
            "the result as a named weight set: the method, margins and bounds, the weights, and\n"
            "their diagnostics. `helby compute --weights NAME` and `helby estimate --weights\n"
            "NAME` use it (docs/method.md §6): the weights are recomputed from the spec and must\n"
            "agree bit for bit, the variance takes the calibration residuals, and replicate\n"
            "designs are re-calibrated replicate by replicate.\n\n"
            "  -s, --survey ID      the survey\n"
            "  -n, --name NAME      the weight set's name ([A-Za-z0-9_-], e.g. raked)\n"
            "  -m, --method M       poststratify (one margin, may be crossed), rake (default),\n"
            "                       linear, raking or logit (calibration distances)\n"
            "      --margins A,B    margins of margins/W.csv to meet, e.g.\n"
            "                       district,origin,sex*ageband (default: all of them)\n"
            "      --waves W,...    waves to weight (default: every stored wave)\n"
            "      --bounds L,U     bounds on g = weight / base weight (linear, raking, logit;\n"
            "                       logit needs them)\n"
            "      --trim L,U       afterwards cap weights at [L, U], spreading the excess\n"
            "                       evenly (R trimWeights); --trim-strict repeats until none\n"
            "                       is outside\n"
            "      --epsilon E      convergence: every |total - target| / (1 + target) < E\n"
            "                       (default 1e-10)\n"
            "      --maxit N        iterations (default 100)\n"
            "      --replace        make the weight set's waves again; the earlier version\n"
            "                       is kept (by its hash), so runs that used it still rerun\n"
            "                       with it; `weight list` shows versions and their runs\n\n"
            "list    the weight sets with their versions and the runs that use them\n"
            "show    a weight set's diagnostics\n"
            "export  per respondent: id, wave, base weight, final weight and g-weight as CSV\n"
            "        (microdata: written with mode 0600; `helby weight export --help`)\n"
            "drop    remove a weight set made by mistake: every wave's weights and every\n"
            "        replaced version, in one transaction. Refused (exit 2) while runs used\n"
            "        it, naming them; with --force it is dropped anyway and those runs can\n"
            "        no longer be rerun (their stored estimates stay)\n\n"
            "Diagnostics per wave: weights and g-weights (min, quartiles, max), Kish effective\n"
            "n, weighting design effect 1 + CV^2, iterations, the largest remaining margin\n"
            "discrepancy, and a warning when the weights look extreme. Where the codebook\n"
            "labels the waves, wave_label after wave.\n\n"
            "Example:\n"
            "  helby --db city.db weight create --survey copenhagen --name raked \\\n"
            "        --method rake --margins district,origin,sex*ageband\n"
            "  helby --db city.db compute --survey copenhagen --weights raked\n"
            "  helby --db city.db weight export --survey copenhagen --name raked -o raked.csv\n");
}

static double diag_num(const char *text, const char *key)
{
    char b[64], *end;
    const char *v = helby_weight_diag_get(text, key, b, sizeof b);
    double x = v && *v ? strtod(v, &end) : NAN;
    return v && *v && !*end ? x : NAN;
}

/* The diagnostics shown per wave: column name, stored key, text format. */
static const struct {
    const char *name, *key, *fmt;
} diag_cols[] = {{"kish_n", "kish_n", "%.1f"},
                 {"deff_w", "deff_w", "%.3f"},
                 {"g_min", "g_q0", "%.3f"},
                 {"g_q25", "g_q25", "%.3f"},
                 {"g_q50", "g_q50", "%.3f"},
                 {"g_q75", "g_q75", "%.3f"},
                 {"g_max", "g_q100", "%.3f"},
                 {"w_max", "w_q100", "%.1f"},
                 {"iterations", "iterations", "%.0f"},
                 {"max_disc", "max_discrepancy", "%.2g"}};
#define N_DIAG (sizeof diag_cols / sizeof diag_cols[0])

/* A table of weight-set waves: name and spec first unless `brief` (text under a heading). */
typedef struct wtable {
    out_col cols[5 + N_DIAG];
    size_t n_cols, first;
    out_table T;
} wtable;

/* The stored warning of a weight set's wave ("" for none). */
static const char *set_warning(const helby_weight_set_info *i, char *buf, size_t n)
{
    const char *w = helby_weight_diag_get(i->diagnostics, "warning", buf, n);
    return w ? w : "";
}

/* wave_label after wave where the codebook labels waves (out_begin_waves). */
static void wtable_begin(wtable *t, out_format f, int brief, const helby_survey *s)
{
    static const out_col head[] = {{"name", OUT_STR, 0, NULL},
                                   {"spec", OUT_STR, 0, NULL},
                                   {"wave", OUT_INT, 6, NULL},
                                   {"n", OUT_INT, -6, NULL}};
    t->first = brief ? 2 : 0;
    t->n_cols = 0;
    for (size_t i = t->first; i < 4; i++)
        t->cols[t->n_cols++] = head[i];
    for (size_t i = 0; i < N_DIAG; i++)
        t->cols[t->n_cols++] = (out_col){diag_cols[i].name, OUT_NUM, -9, diag_cols[i].fmt};
    if (f == OUT_CSV) /* text prints warnings below the table */
        t->cols[t->n_cols++] = (out_col){"warning", OUT_STR, 0, NULL};
    out_begin_waves(&t->T, stdout, f, t->cols, t->n_cols, s, NULL);
}

static void wtable_row(wtable *t, const helby_weight_set_info *i)
{
    out_value v[5 + N_DIAG], *p = v;
    char warn[512];
    if (!t->first)
        (p++)->s = i->name, (p++)->s = i->spec;
    (p++)->i = i->wave;
    (p++)->i = (long long)i->n;
    for (size_t k = 0; k < N_DIAG; k++)
        (p++)->d = diag_num(i->diagnostics, diag_cols[k].key);
    p->s = set_warning(i, warn, sizeof warn); /* read only in CSV (its last column) */
    out_row(&t->T, v);
}

static void print_warnings(const helby_weight_set_info *i, const helby_survey *s)
{
    char w[512], wave[128];
    if (*helby_weight_diag_get(i->diagnostics, "warning", w, sizeof w))
        fprintf(stderr, "helby: warning: weight set '%s', wave %s: %s\n", i->name,
                cli_wave_name(s, i->wave, NULL, wave, sizeof wave), w);
}

/* ---- helby weight create ---- */

static int valid_name(const char *n)
{
    if (!*n || strlen(n) >= 64)
        return 0;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return 0;
    return strcmp(n, "base") != 0;
}

static int parse_pair(const char *arg, double *a, double *b)
{
    char *end;
    *a = strtod(arg, &end);
    if (end == arg || *end != ',')
        return -1;
    const char *p = end + 1;
    *b = strtod(p, &end);
    return end == p || *end ? -1 : 0;
}

typedef struct create_args {
    const char *survey, *name, *margins, *waves;
    int replace, help;
    helby_weight_setup w;
} create_args;

/* One option of `weight create`; returns 0 or the usage exit code. */
static int create_option(create_args *a, int c, const char *arg, const char *opt)
{
    helby_weight_spec *sp = &a->w.spec;
    char *end;
    long v;
    switch (c) {
    case 's': a->survey = arg; break;
    case 'n': a->name = arg; break;
    case 'M': a->margins = arg; break;
    case 'w': a->waves = arg; break;
    case 'T': sp->trim_strict = 1; break;
    case 'r': a->replace = 1; break;
    case 'h': a->help = 1; break;
    case 'm':
        if (!helby_weight_method_parse(arg, &sp->method))
            return cli_usage("weight",
                             "--method: '%s' is not poststratify, rake, linear, "
                             "raking or logit",
                             arg);
        break;
    case 'b':
        if (parse_pair(arg, &sp->lower, &sp->upper))
            return cli_usage("weight", "--bounds: expected L,U (e.g. 0.5,3), not '%s'", arg);
        break;
    case 't':
        if (parse_pair(arg, &sp->trim_lower, &sp->trim_upper))
            return cli_usage("weight", "--trim: expected L,U weights, not '%s'", arg);
        break;
    case 'e':
        sp->epsilon = strtod(arg, &end);
        if (*end || !(sp->epsilon > 0))
            return cli_usage("weight", "--epsilon: expected a number > 0, not '%s'", arg);
        break;
    case 'i':
        v = strtol(arg, &end, 10);
        if (*end || v < 1 || v > 100000)
            return cli_usage("weight", "--maxit: expected 1..100000, not '%s'", arg);
        sp->maxit = (int)v;
        break;
    case ':': return cli_usage("weight", "option %s needs a value", opt);
    default: return cli_usage("weight", "unknown option %s", opt);
    }
    return 0;
}

static int create_parse(create_args *a, int argc, char **argv)
{
    static const struct option opts[] = {{"survey", required_argument, 0, 's'},
                                         {"name", required_argument, 0, 'n'},
                                         {"method", required_argument, 0, 'm'},
                                         {"margins", required_argument, 0, 'M'},
                                         {"waves", required_argument, 0, 'w'},
                                         {"bounds", required_argument, 0, 'b'},
                                         {"trim", required_argument, 0, 't'},
                                         {"trim-strict", no_argument, 0, 'T'},
                                         {"epsilon", required_argument, 0, 'e'},
                                         {"maxit", required_argument, 0, 'i'},
                                         {"replace", no_argument, 0, 'r'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c, rc;
    memset(a, 0, sizeof *a);
    helby_weight_spec_default(&a->w.spec);
    optind = 1;
    while ((c = getopt_long(argc, argv, "+:s:n:m:", opts, NULL)) != -1)
        if ((rc = create_option(a, c, optarg, argv[optind - 1])))
            return rc;
    if (a->help)
        return 0;
    if (optind < argc)
        return cli_usage("weight", "unexpected argument '%s'", argv[optind]);
    if (!a->survey || !a->name)
        return cli_usage("weight", "create needs --survey and --name");
    if (!valid_name(a->name))
        return cli_usage("weight",
                         "--name: '%s' must be 1-63 of A-Z a-z 0-9 _ - (and not "
                         "'base')",
                         a->name);
    if (a->margins && helby_weight_setup_margins(&a->w, a->margins))
        return cli_usage("weight", "--margins: expected up to %d names separated by commas",
                         HELBY_MAX_MARGINS);
    return 0;
}

static int weight_create(cli_global *g, int argc, char **argv)
{
    create_args a;
    long *waves = NULL;
    size_t n_waves = 0;
    int rc = create_parse(&a, argc, argv);
    if (rc || a.help) {
        if (a.help && !rc)
            help_weight(stdout);
        return rc;
    }
    if (cli_parse_waves(a.waves, &waves, &n_waves))
        return cli_usage("weight", "--waves needs years like 2011,2012, not '%s'", a.waves);
    helby_store *st;
    if ((rc = cli_open_store(g, HELBY_OPEN_EXISTING, &st))) {
        free(waves);
        return rc;
    }
    helby_error err;
    helby_error_clear(&err);
    helby_survey *s = NULL;
    helby_weight_set_info *done = NULL;
    size_t n_done = 0;
    if (helby_store_get_survey(st, a.survey, &s, &err) ||
        helby_weight_set_create(st, s, a.name, &a.w, waves, n_waves, a.replace, &done, &n_done,
                                &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    if (!g->quiet) {
        printf("weight set '%s' of %s: %s\n", a.name, a.survey, done[0].spec);
        wtable t;
        wtable_begin(&t, OUT_TEXT, 1, s);
        for (size_t i = 0; i < n_done; i++)
            wtable_row(&t, &done[i]);
        out_end(&t.T);
    }
    for (size_t i = 0; i < n_done; i++)
        print_warnings(&done[i], s);
done:
    free(done);
    free(waves);
    helby_survey_free(s);
    helby_store_close(st);
    return rc;
}

/* ---- helby weight list / show ---- */

/* One weight set's wave as a JSON object; diagnostics nested, numbers as numbers; wave_label
 * after wave where the codebook labels waves. */
static void json_set(const helby_weight_set_info *w, int first, const helby_survey *s)
{
    printf("%s\n {\"name\": ", first ? "" : ",");
    out_json_string(stdout, w->name);
    printf(", \"wave\": %ld", w->wave);
    if (helby_survey_labels_waves(s)) {
        char code[24];
        printf(", \"wave_label\": ");
        out_json_string(stdout, out_wave_label(s, w->wave, NULL, code, sizeof code));
    }
    printf(", \"spec\": ");
    out_json_string(stdout, w->spec);
    printf(", \"n\": %lld, \"input_sha256\": ", (long long)w->n);
    out_json_string(stdout, w->input_sha256);
    printf(", \"weights_sha256\": ");
    out_json_string(stdout, w->weights_sha256);
    printf(", \"created_at\": ");
    out_json_string(stdout, w->created_at);
    printf(", \"diagnostics\": {");
    int n = 0;
    for (const char *p = w->diagnostics; *p;) {
        const char *e = strchr(p, '\n'), *eq = strchr(p, '=');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (eq && eq < p + len) {
            char key[128], val[512], *end;
            snprintf(key, sizeof key, "%.*s", (int)(eq - p), p);
            snprintf(val, sizeof val, "%.*s", (int)(len - (size_t)(eq - p) - 1), eq + 1);
            double num = strtod(val, &end);
            printf("%s", n++ ? ", " : "");
            out_json_string(stdout, key);
            printf(": ");
            if (*val && !*end && isfinite(num))
                out_number(stdout, num, OUT_JSON);
            else
                out_json_string(stdout, val);
        }
        p = e ? e + 1 : p + len;
    }
    printf("}}");
}

/* Below a set's text table: each wave's stored warning. */
static void text_warnings(const helby_weight_set_info *all, size_t n, const char *set,
                          const helby_survey *s)
{
    char w[512], wave[128];
    for (size_t i = 0; i < n; i++)
        if (!strcmp(all[i].name, set) && *set_warning(&all[i], w, sizeof w))
            printf("warning, wave %s: %s\n", cli_wave_name(s, all[i].wave, NULL, wave, sizeof wave),
                   w);
}

/* The sets in all[0..n-1] (only `name` when given); returns how many were shown. */
static size_t print_sets(const helby_weight_set_info *all, size_t n, const char *name, out_format f,
                         const helby_survey *s)
{
    size_t shown = 0;
    wtable t;
    if (f == OUT_JSON)
        printf("[");
    else if (f == OUT_CSV)
        wtable_begin(&t, f, 0, s);
    for (size_t i = 0; i < n; i++) {
        const helby_weight_set_info *w = &all[i];
        if (name && strcmp(w->name, name))
            continue;
        if (f == OUT_JSON) {
            json_set(w, shown == 0, s);
        } else {
            if (f == OUT_TEXT && (shown == 0 || strcmp(w->name, all[i - 1].name))) {
                if (shown)
                    out_end(&t.T), text_warnings(all, n, all[i - 1].name, s), printf("\n");
                printf("weight set '%s': %s\n", w->name, w->spec);
                wtable_begin(&t, f, 1, s);
            }
            wtable_row(&t, w);
        }
        shown++;
    }
    if (f == OUT_JSON)
        printf("%s]\n", shown ? "\n" : "");
    else if (f == OUT_CSV || shown)
        out_end(&t.T);
    for (size_t i = n; f == OUT_TEXT && shown && i-- > 0;)
        if (!name || !strcmp(all[i].name, name)) { /* the last set shown */
            text_warnings(all, n, all[i].name, s);
            break;
        }
    return shown;
}

static int weight_list_show(cli_global *g, int argc, char **argv, int show)
{
    static const struct option opts[] = {{"survey", required_argument, 0, 's'},
                                         {"name", required_argument, 0, 'n'},
                                         {"format", required_argument, 0, 'f'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *survey = NULL, *name = NULL;
    out_format format = OUT_TEXT;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+:s:n:f:", opts, NULL)) != -1) {
        switch (c) {
        case 's': survey = optarg; break;
        case 'n': name = optarg; break;
        case 'f':
            if (out_format_parse(optarg, &format))
                return cli_usage("weight", "--format: expected text, csv or json, not '%s'",
                                 optarg);
            break;
        case 'h': help_weight(stdout); return 0;
        case ':': return cli_usage("weight", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage("weight", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage("weight", "unexpected argument '%s'", argv[optind]);
    if (!survey || (show && !name))
        return cli_usage("weight", show ? "show needs --survey and --name" : "list needs --survey");
    helby_store *st;
    int rc = cli_open_store(g, HELBY_OPEN_READONLY, &st);
    if (rc)
        return rc;
    helby_error err;
    helby_weight_set_info *all = NULL;
    size_t n = 0;
    helby_survey *sv = NULL; /* an unknown survey is bad input (2), not "no weight sets" */
    if (helby_store_get_survey(st, survey, &sv, &err) ||
        helby_store_list_weights(st, survey, &all, &n, &err)) {
        helby_survey_free(sv);
        helby_store_close(st);
        return cli_fail(&err);
    }
    helby_store_close(st);
    size_t shown = print_sets(all, n, name, format, sv);
    if (format == OUT_TEXT && shown == 0 && !g->quiet)
        printf(name ? "no weight set '%s'\n" : "no weight sets\n", name);
    free(all);
    helby_survey_free(sv);
    if (format == OUT_TEXT && shown && !g->quiet)
        cli_weight_versions(g, survey, name);
    if (show && shown == 0) {
        helby_error_set(&err, HELBY_ENOTFOUND, "survey %s has no weight set '%s'", survey, name);
        return cli_fail(&err);
    }
    return 0;
}

/* helby weight drop: the work is helby_store_drop_weight_set's. */
static int weight_drop(cli_global *g, int argc, char **argv)
{
    static const struct option opts[] = {{"survey", required_argument, 0, 's'},
                                         {"name", required_argument, 0, 'n'},
                                         {"force", no_argument, 0, 'F'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *survey = NULL, *name = NULL;
    int c, force = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+:s:n:", opts, NULL)) != -1) {
        switch (c) {
        case 's': survey = optarg; break;
        case 'n': name = optarg; break;
        case 'F': force = 1; break;
        case 'h': help_weight(stdout); return 0;
        case ':': return cli_usage("weight", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage("weight", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage("weight", "unexpected argument '%s'", argv[optind]);
    if (!survey || !name)
        return cli_usage("weight", "drop needs --survey and --name");
    helby_store *st;
    int rc = cli_open_store(g, HELBY_OPEN_EXISTING, &st);
    if (rc)
        return rc;
    helby_error err;
    helby_weight_drop d;
    if (helby_store_drop_weight_set(st, survey, name, force, &d, &err)) {
        rc = cli_fail(&err);
        if (err.code == HELBY_EEXISTS)
            rc = 2; /* bad input: refused while runs use it */
    } else if (!g->quiet) {
        printf("dropped weight set '%s' of %s: %zu wave%s, %zu replaced version%s\n", name, survey,
               d.n_waves, d.n_waves == 1 ? "" : "s", d.n_versions, d.n_versions == 1 ? "" : "s");
        if (d.n_runs) {
            printf("  runs that can no longer be rerun (their estimates stay):");
            for (size_t i = 0; i < d.n_runs; i++)
                printf(" %lld", (long long)d.runs[i]);
            printf("\n");
        }
    }
    helby_weight_drop_free(&d);
    helby_store_close(st);
    return rc;
}

int cmd_weight(cli_global *g, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("weight", "expected create, list, show, export or drop");
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
        help_weight(stdout);
        return 0;
    }
    if (!strcmp(sub, "create"))
        return weight_create(g, argc - 1, argv + 1);
    if (!strcmp(sub, "list"))
        return weight_list_show(g, argc - 1, argv + 1, 0);
    if (!strcmp(sub, "show"))
        return weight_list_show(g, argc - 1, argv + 1, 1);
    if (!strcmp(sub, "export"))
        return cmd_weight_export(g, argc - 1, argv + 1);
    if (!strcmp(sub, "drop"))
        return weight_drop(g, argc - 1, argv + 1);
    return cli_usage("weight", "unknown subcommand '%s' (create, list, show, export, drop)", sub);
}
