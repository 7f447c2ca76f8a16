/* cmd_weight.c — helby weight (named weight sets calibrated to the survey's register
 * margins, per wave) and cli_weights_apply (their use by compute and estimate). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "helby/csv.h"
#include "helby/analysis.h"
#include "helby/weight.h"


void help_weight(FILE *out)
{
    fprintf(out,
            "Usage: helby weight create --survey ID --name NAME [OPTIONS]\n"
            "       helby weight list --survey ID\n"
            "       helby weight show --survey ID --name NAME [--format text|json]\n\n"
            "Weight each wave to the population totals of the survey's margins/W.csv and keep\n"
            "the result as a named weight set: the method, margins and bounds, the weights, and\n"
            "their diagnostics. `helby compute --weights NAME` and `helby estimate --weights\n"
            "NAME` use it (STATISTICS.md §6): the weights are recomputed from the spec and must\n"
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
            "      --replace        replace the weight set's existing waves\n\n"
            "Diagnostics per wave: weights and g-weights (min, quartiles, max), Kish effective\n"
            "n, weighting design effect 1 + CV^2, iterations, the largest remaining margin\n"
            "discrepancy, and a warning when the weights look extreme.\n\n"
            "Example:\n"
            "  helby --db city.db weight create --survey copenhagen --name raked \\\n"
            "        --method rake --margins district,origin,sex*ageband\n"
            "  helby --db city.db compute --survey copenhagen --weights raked\n");
}

static double diag_num(const char *text, const char *key)
{
    char b[64];
    return strtod(helby_weight_diag_get(text, key, b, sizeof b), NULL);
}

static void print_diag_header(void)
{
    printf("%-6s %6s %9s %7s %7s %7s %7s %7s %9s %7s %5s %10s\n", "wave", "n", "kish n", "deff_w",
           "g min", "g q25", "g q50", "g q75", "g max", "w max", "iter", "max disc");
}

static void print_diag_row(const helby_weight_set_info *i)
{
    const char *d = i->diagnostics;
    printf("%-6ld %6lld %9.1f %7.3f %7.3f %7.3f %7.3f %7.3f %9.3f %7.1f %5.0f %10.2g\n", i->wave,
           (long long)i->n, diag_num(d, "kish_n"), diag_num(d, "deff_w"), diag_num(d, "g_q0"),
           diag_num(d, "g_q25"), diag_num(d, "g_q50"), diag_num(d, "g_q75"),
           diag_num(d, "g_q100"), diag_num(d, "w_q100"), diag_num(d, "iterations"),
           diag_num(d, "max_discrepancy"));
}

static void print_warnings(const helby_weight_set_info *i)
{
    char w[512];
    if (*helby_weight_diag_get(i->diagnostics, "warning", w, sizeof w))
        fprintf(stderr, "helby: warning: weight set '%s', wave %ld: %s\n", i->name, i->wave, w);
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

static int weight_create(cli_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"survey", required_argument, 0, 's'},  {"name", required_argument, 0, 'n'},
        {"method", required_argument, 0, 'm'},  {"margins", required_argument, 0, 'M'},
        {"waves", required_argument, 0, 'w'},   {"bounds", required_argument, 0, 'b'},
        {"trim", required_argument, 0, 't'},    {"trim-strict", no_argument, 0, 'T'},
        {"epsilon", required_argument, 0, 'e'}, {"maxit", required_argument, 0, 'i'},
        {"replace", no_argument, 0, 'r'},       {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *survey = NULL, *name = NULL, *margins = NULL, *wave_list = NULL;
    int replace = 0, c;
    helby_weight_setup w;
    memset(&w, 0, sizeof w);
    helby_weight_spec_default(&w.spec);
    optind = 1;
    while ((c = getopt_long(argc, argv, "+:s:n:m:", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 's': survey = optarg; break;
        case 'n': name = optarg; break;
        case 'm':
            if (!helby_weight_method_parse(optarg, &w.spec.method))
                return cli_usage("weight", "--method: '%s' is not poststratify, rake, linear, "
                                           "raking or logit", optarg);
            break;
        case 'M': margins = optarg; break;
        case 'w': wave_list = optarg; break;
        case 'b':
            if (parse_pair(optarg, &w.spec.lower, &w.spec.upper))
                return cli_usage("weight", "--bounds: expected L,U (e.g. 0.5,3), not '%s'",
                                 optarg);
            break;
        case 't':
            if (parse_pair(optarg, &w.spec.trim_lower, &w.spec.trim_upper))
                return cli_usage("weight", "--trim: expected L,U weights, not '%s'", optarg);
            break;
        case 'T': w.spec.trim_strict = 1; break;
        case 'e':
            w.spec.epsilon = strtod(optarg, &end);
            if (*end || !(w.spec.epsilon > 0))
                return cli_usage("weight", "--epsilon: expected a number > 0, not '%s'", optarg);
            break;
        case 'i': {
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 100000)
                return cli_usage("weight", "--maxit: expected 1..100000, not '%s'", optarg);
            w.spec.maxit = (int)v;
            break;
        }
        case 'r': replace = 1; break;
        case 'h': help_weight(stdout); return 0;
        case ':': return cli_usage("weight", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage("weight", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage("weight", "unexpected argument '%s'", argv[optind]);
    if (!survey || !name)
        return cli_usage("weight", "create needs --survey and --name");
    if (!valid_name(name))
        return cli_usage("weight", "--name: '%s' must be 1-63 of A-Z a-z 0-9 _ - (and not "
                                   "'base')", name);
    if (margins && helby_weight_setup_margins(&w, margins))
        return cli_usage("weight", "--margins: expected up to %d names separated by commas",
                         HELBY_MAX_MARGINS);
    long waves[256];
    size_t n_waves = 0;
    if (wave_list) {
        char buf[1024], *end;
        snprintf(buf, sizeof buf, "%s", wave_list);
        for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
            if (n_waves == 256)
                return cli_usage("weight", "--waves: too many waves");
            waves[n_waves++] = strtol(t, &end, 10);
            if (*end)
                return cli_usage("weight", "--waves needs years like 2011,2012, not '%s'", t);
        }
    }
    helby_store *st;
    int rc = cli_open_store(g, HELBY_OPEN_EXISTING, &st);
    if (rc)
        return rc;
    helby_error err;
    helby_error_clear(&err);
    helby_survey *s = NULL;
    helby_weight_set_info *done = NULL;
    size_t n_done = 0;
    if (helby_store_get_survey(st, survey, &s, &err))
        goto fail;
    if (helby_weight_set_create(st, s, name, &w, waves, n_waves, replace, &done, &n_done, &err))
        goto fail;
    if (!g->quiet) {
        printf("weight set '%s' of %s: %s\n", name, survey, done[0].spec);
        print_diag_header();
        for (size_t i = 0; i < n_done; i++)
            print_diag_row(&done[i]);
    }
    for (size_t i = 0; i < n_done; i++)
        print_warnings(&done[i]);
    free(done);
    helby_survey_free(s);
    helby_store_close(st);
    return 0;
fail:
    free(done);
    helby_survey_free(s);
    helby_store_close(st);
    return cli_fail(&err);
}

/* ---- helby weight list / show ---- */

static int weight_list_show(cli_global *g, int argc, char **argv, int show)
{
    static const struct option opts[] = {{"survey", required_argument, 0, 's'},
                                         {"name", required_argument, 0, 'n'},
                                         {"format", required_argument, 0, 'f'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *survey = NULL, *name = NULL, *format = "text";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+:s:n:f:", opts, NULL)) != -1) {
        switch (c) {
        case 's': survey = optarg; break;
        case 'n': name = optarg; break;
        case 'f': format = optarg; break;
        case 'h': help_weight(stdout); return 0;
        case ':': return cli_usage("weight", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage("weight", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage("weight", "unexpected argument '%s'", argv[optind]);
    if (!survey || (show && !name))
        return cli_usage("weight", show ? "show needs --survey and --name"
                                        : "list needs --survey");
    if (strcmp(format, "text") && strcmp(format, "json"))
        return cli_usage("weight", "--format: expected text or json, not '%s'", format);
    helby_store *st;
    int rc = cli_open_store(g, HELBY_OPEN_READONLY, &st);
    if (rc)
        return rc;
    helby_error err;
    helby_weight_set_info *all = NULL;
    size_t n = 0;
    if (helby_store_list_weights(st, survey, &all, &n, &err)) {
        helby_store_close(st);
        return cli_fail(&err);
    }
    helby_store_close(st);
    size_t shown = 0;
    int json = !strcmp(format, "json");
    if (json)
        printf("[");
    for (size_t i = 0; i < n; i++) {
        const helby_weight_set_info *w = &all[i];
        if (name && strcmp(w->name, name))
            continue;
        if (json) {
            printf("%s\n {\"name\": \"%s\", \"wave\": %ld, \"spec\": \"%s\", \"n\": %lld, "
                   "\"input_sha256\": \"%s\", \"weights_sha256\": \"%s\", \"created_at\": "
                   "\"%s\", \"diagnostics\": {",
                   shown ? "," : "", w->name, w->wave, w->spec, (long long)w->n, w->input_sha256,
                   w->weights_sha256, w->created_at);
            int first = 1;
            for (const char *p = w->diagnostics; *p;) {
                const char *e = strchr(p, '\n'), *eq = strchr(p, '=');
                size_t len = e ? (size_t)(e - p) : strlen(p);
                if (eq && eq < p + len) {
                    int kl = (int)(eq - p);
                    const char *v = eq + 1;
                    int vl = (int)(len - (size_t)kl - 1);
                    char *endp;
                    char tmp[128];
                    snprintf(tmp, sizeof tmp, "%.*s", vl, v);
                    double num = strtod(tmp, &endp);
                    if (vl > 0 && !*endp && isfinite(num))
                        printf("%s\"%.*s\": %s", first ? "" : ", ", kl, p, tmp);
                    else
                        printf("%s\"%.*s\": \"%s\"", first ? "" : ", ", kl, p, tmp);
                    first = 0;
                }
                p = e ? e + 1 : p + len;
            }
            printf("}}");
        } else {
            if (shown == 0 || (!show && strcmp(w->name, all[i - 1].name))) {
                printf("%sweight set '%s': %s\n", shown ? "\n" : "", w->name, w->spec);
                print_diag_header();
            }
            print_diag_row(w);
        }
        shown++;
    }
    if (json)
        printf("%s]\n", shown ? "\n" : "");
    else if (shown == 0 && !g->quiet)
        printf(name ? "no weight set '%s'\n" : "no weight sets\n", name);
    free(all);
    if (!json && shown && !g->quiet)
        cli_weight_versions(g, survey, name);
    if (show && shown == 0) {
        helby_error_set(&err, HELBY_ENOTFOUND, "survey %s has no weight set '%s'", survey, name);
        return cli_fail(&err);
    }
    return 0;
}

int cmd_weight(cli_global *g, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("weight", "expected create, list or show");
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
    return cli_usage("weight", "unknown subcommand '%s' (create, list, show)", sub);
}

