/* cmd_export.c — helby export (scored respondent data) and helby weight export (the weights
 * of weight sets): microdata out as CSV, SPSS .sav or Stata .dta through helby/export.h. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "helby/export.h"

static const char microdata_note[] =
    "helby: note: %s holds respondent-level microdata (mode 0600): keep it out of reports "
    "and shared folders\n";

static void help_weight_export(FILE *out)
{
    fprintf(
        out,
        "Usage: helby weight export --survey ID [--name NAME] -o FILE | --stdout\n"
        "                           [--format csv|sav|dta] [--sep C]\n\n"
        "The weights of weight set NAME (default: every weight set), one row per\n"
        "respondent and set: weight_set, id, wave, base_weight, final_weight (the stored\n"
        "weights bit for bit: CSV numbers read back to the same double) and g_weight =\n"
        "final / base, to -o FILE (mode 0600; .sav or .dta by its extension). Microdata:\n"
        "keep it out of reports (docs/method.md §9). Standard output only with --stdout\n"
        "(a redirected file is then set to mode 0600); a terminal or a pipe without it is\n"
        "refused.\n\n"
        "      --sep C         CSV separator: ';' (default, as every helby CSV), ',' or tab\n"
        "      --csv-raw       CSV text cells as stored: without it a cell starting with =, +,\n"
        "                      -, @, tab or CR that is not a number gets a leading ' (a\n"
        "                      spreadsheet would run it as a formula)\n"
        "\n"
        "Example:\n"
        "  helby --db city.db weight export --survey copenhagen --name raked -o raked.csv\n");
}

void help_export(FILE *out)
{
    fprintf(out,
            "Usage: helby export --survey ID -o FILE [--weights NAME] [--format csv|sav|dta]\n"
            "                    [--lang da|en] [--sep C]\n\n"
            "Write the scored data of every stored wave, one row per respondent, for\n"
            "re-analysis in R, Stata or SPSS: id, wave, stratum, psu, fpc, base weight, the\n"
            "group variable and group (0 ethnic Danes, 1 minorities), district, covariates,\n"
            "items as coded (missing codes as stored), shares (0/1), dimension and index\n"
            "scores (0-100, docs/method.md §1) and, with --weights, the weight set's stored\n"
            "final_weight. SPSS and Stata files carry variable and value labels and the\n"
            "codebook's missing codes: SPSS user-missing values, Stata extended missing\n"
            ".a, .b, ... labelled as the codes were.\n\n"
            "The file is microdata: it is written with mode 0600 and never into a report.\n"
            "Beside it, FILE.design.txt holds the calls that declare this survey's design as\n"
            "helby estimates it (strata within wave, no fpc unless the survey declares one):\n"
            "R svydesign(...), Stata svyset and SPSS CSPLAN; the R call is printed too.\n\n"
            "  -s, --survey ID      the survey\n"
            "  -o, --output FILE    the file to write (required; its extension picks the format)\n"
            "  -f, --format F       csv, sav (SPSS) or dta (Stata 14+)\n"
            "  -w, --weights NAME   add the final weights of weight set NAME\n"
            "      --lang da|en     language of the labels (default: the survey's report\n"
            "                       language; English value labels from the codebook's\n"
            "                       values_en)\n"
            "      --sep C          CSV separator: ';' (default, as every helby CSV), ',' or tab\n"
            "      --csv-raw        CSV text cells as stored: without it a cell starting with =,\n"
            "                       +, -, @, tab or CR that is not a number gets a leading '\n"
            "                       (a spreadsheet would run it as a formula)\n"
            "\n"
            "Example:\n"
            "  helby --db city.db export --survey copenhagen --weights raked -o scored.sav\n");
}

static int parse_format(const char *format, const char *path, helby_export_format *fmt,
                        const char *cmd)
{
    if (format ? helby_export_format_parse(format, fmt)
               : !path || helby_export_format_parse(path, fmt)) {
        if (format || path)
            return cli_usage(cmd,
                             "--format: expected csv, sav or dta (or a file ending in "
                             "one), not '%s'",
                             format ? format : path);
        *fmt = HELBY_EXPORT_CSV;
    }
    return 0;
}

/* Beside an export at path: path.design.txt with the design calls; the R one on stderr. */
static int write_design(const helby_survey *s, const char *path, const char *weights, char sep)
{
    char *calls = NULL;
    helby_error err;
    if (helby_export_design_calls(s, weights, path, sep, &calls, &err))
        return cli_fail(&err);
    char *side = malloc(strlen(path) + 16);
    FILE *f = side ? (sprintf(side, "%s.design.txt", path), fopen(side, "w")) : NULL;
    int bad = !f || fputs(calls, f) < 0;
    bad |= f && fclose(f) != 0;
    if (bad)
        fprintf(stderr, "helby: cannot write %s\n", side ? side : "the design calls");
    else
        fprintf(stderr, "helby: the design as helby estimates it, for R, Stata and SPSS: %s\n",
                side);
    const char *r = strstr(calls, "des <- svydesign(");
    if (r)
        fprintf(stderr, "  R: %.*s\n", (int)strcspn(r, "\n"), r);
    free(side);
    free(calls);
    return bad ? 3 : 0;
}

/* Microdata on standard output only when asked (--stdout), and then never left readable by
 * others when stdout is a file the shell made 0644. */
static int stdout_ok(const char *cmd, int asked)
{
    struct stat sb;
    int file = fstat(STDOUT_FILENO, &sb) == 0 && S_ISREG(sb.st_mode);
    if (!asked)
        return cli_usage(cmd, "microdata goes to -o FILE (mode 0600), or to standard output "
                              "with --stdout");
    if (file && fchmod(STDOUT_FILENO, 0600) != 0)
        fprintf(stderr, "helby: warning: cannot make standard output mode 0600\n");
    return 0;
}

/* Build with `make`, then write to path (or CSV on stdout when path is NULL). */
static int finish(cli_global *g, const char *survey, const char *path, helby_export_format fmt,
                  const char *weights, const char *lang, char sep, int scored, int raw)
{
    helby_store *st;
    int rc = cli_open_store(g, HELBY_OPEN_READONLY, &st);
    if (rc)
        return rc;
    helby_error err;
    helby_error_clear(&err);
    helby_survey *s = NULL;
    helby_export_table *t = NULL;
    if (helby_store_get_survey(st, survey, &s, &err) ||
        (scored ? helby_export_scored(st, s, weights, lang, &t, &err)
                : helby_export_weights(st, s, weights, &t, &err)) ||
        (t->csv_sep = sep, t->csv_raw = raw || g->csv_raw, 0) ||
        (path ? helby_export_write(t, path, fmt, &err) : helby_export_write_csv(t, stdout, &err))) {
        helby_export_table_free(t);
        helby_survey_free(s);
        helby_store_close(st);
        return cli_fail(&err);
    }
    if (path && !g->quiet)
        fprintf(stderr, "helby: wrote %zu rows x %zu columns to %s\n", t->n_rows, t->n_cols, path);
    fprintf(stderr, microdata_note, path ? path : "the output");
    if (scored && path)
        rc = write_design(s, path, weights, sep);
    helby_export_table_free(t);
    helby_survey_free(s);
    helby_store_close(st);
    return rc;
}

static int run_export(cli_global *g, int argc, char **argv, int scored)
{
    static const struct option opts[] = {{"survey", required_argument, 0, 's'},
                                         {"output", required_argument, 0, 'o'},
                                         {"format", required_argument, 0, 'f'},
                                         {"weights", required_argument, 0, 'w'},
                                         {"name", required_argument, 0, 'n'},
                                         {"lang", required_argument, 0, 'l'},
                                         {"sep", required_argument, 0, 'S'},
                                         {"stdout", no_argument, 0, 'O'},
                                         {"csv-raw", no_argument, 0, 'R'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *cmd = scored ? "export" : "weight";
    const char *survey = NULL, *path = NULL, *format = NULL, *weights = NULL, *lang = NULL;
    char sep = ';';
    int c, to_stdout = 0, raw = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+:s:o:f:w:n:", opts, NULL)) != -1) {
        switch (c) {
        case 's': survey = optarg; break;
        case 'o': path = optarg; break;
        case 'f': format = optarg; break;
        case 'w':
        case 'n': weights = optarg; break;
        case 'l': lang = optarg; break;
        case 'O': to_stdout = !scored; break;
        case 'R': raw = 1; break;
        case 'S':
            sep = !strcmp(optarg, ";")                              ? ';'
                  : !strcmp(optarg, ",")                            ? ','
                  : !strcmp(optarg, "tab") || !strcmp(optarg, "\t") ? '\t'
                                                                    : 0;
            if (!sep)
                return cli_usage(cmd, "--sep: expected ';', ',' or tab, not '%s'", optarg);
            break;
        case 'h': scored ? help_export(stdout) : help_weight_export(stdout); return 0;
        case ':': return cli_usage(cmd, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage(cmd, "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    if (!survey)
        return cli_usage(cmd, "export needs --survey");
    if (scored && !path)
        return cli_usage(cmd, "export needs -o FILE (microdata is not written to stdout)");
    if (lang && strcmp(lang, "da") && strcmp(lang, "en"))
        return cli_usage(cmd, "--lang: expected da or en, not '%s'", lang);
    helby_export_format fmt;
    int rc = parse_format(format, path, &fmt, cmd);
    if (rc)
        return rc;
    if (!path && fmt != HELBY_EXPORT_CSV)
        return cli_usage(cmd, "--format %s needs -o FILE", format);
    if (!path && (rc = stdout_ok(cmd, to_stdout)))
        return rc;
    if ((rc = cli_not_the_store(g, scored ? "export" : "weight export", path)))
        return rc;
    return finish(g, survey, path, fmt, weights, lang, sep, scored, raw);
}

int cmd_export(cli_global *g, int argc, char **argv)
{
    return run_export(g, argc, argv, 1);
}

int cmd_weight_export(cli_global *g, int argc, char **argv)
{
    return run_export(g, argc, argv, 0);
}

/* ---- helby weight list: versions and the runs that used them ---- */

/* Whether run r used version v: its options name the set and its inputs hold the wave's
 * hash (";weights/WAVE=SHA", what helby_wave_designs_new records). */
static int run_uses(const helby_run_info *r, const helby_weight_set_info *v)
{
    char opt[96], in[128];
    snprintf(opt, sizeof opt, "weights=%s", v->name);
    snprintf(in, sizeof in, ";weights/%ld=%s", v->wave, v->weights_sha256);
    const char *o = strstr(r->options, opt);
    return o && (o[strlen(opt)] == ';' || !o[strlen(opt)]) && strstr(r->inputs, in);
}

int cli_weight_versions(cli_global *g, const char *survey, const char *name)
{
    helby_store *st;
    int rc = cli_open_store(g, HELBY_OPEN_READONLY, &st);
    if (rc)
        return rc;
    helby_error err;
    helby_weight_set_info *v = NULL;
    helby_run_info *runs = NULL;
    helby_survey *s = NULL; /* the waves' names */
    size_t nv = 0, nr = 0;
    if (helby_store_get_survey(st, survey, &s, &err) ||
        helby_store_list_weight_versions(st, survey, &v, &nv, &err) ||
        helby_store_list_runs(st, &runs, &nr, &err)) {
        free(v);
        helby_survey_free(s);
        helby_store_close(st);
        return cli_fail(&err);
    }
    helby_store_close(st);
    char wave[128];
    if (nv)
        printf("\nversions (a run reruns with the version it used):\n");
    for (size_t i = 0; i < nv; i++) {
        if (name && strcmp(v[i].name, name))
            continue;
        printf("%-12s wave %-6s version %d  %-8s %-20s weights %.12s  runs", v[i].name,
               cli_wave_name(s, v[i].wave, NULL, wave, sizeof wave), v[i].version,
               v[i].current ? "current" : "replaced",
               v[i].current ? v[i].created_at : v[i].replaced_at, v[i].weights_sha256);
        int any = 0;
        for (size_t r = 0; r < nr; r++)
            if (!strcmp(runs[r].survey, survey) && run_uses(&runs[r], &v[i]))
                printf("%s%lld", any++ ? "," : " ", (long long)runs[r].id);
        printf("%s\n", any ? "" : " -");
    }
    free(v);
    free(runs);
    helby_survey_free(s);
    return 0;
}
