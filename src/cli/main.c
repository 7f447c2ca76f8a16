/* main.c — the helby program: dispatch to one file per command. */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const cli_command commands[] = {
    {"init", "create a store", cmd_init, help_init},
    {"survey", "add, list, show, check or draft survey definitions", cmd_survey, help_survey},
    {"import", "validate and import response files, all or nothing", cmd_import, help_import},
    {"wave", "list a survey's stored waves, drop one imported by mistake", cmd_wave, help_wave},
    {"estimate", "means, shares, quantiles, totals, ratios and changes by domain, with CIs",
     cmd_estimate, help_estimate},
    {"table", "frequency tables of a coded item by domain, Rao-Scott tests", cmd_table, help_table},
    {"compare", "minorities vs ethnic Danes over waves: gaps, changes, goal verdicts", cmd_compare,
     help_compare},
    {"regress", "design-based linear and logistic regression per wave (svyglm)", cmd_regress,
     help_regress},
    {"explain", "why is there a gap: standardised, regression-adjusted and decomposed gaps",
     cmd_explain, help_explain},
    {"sensitivity", "how goal verdicts move with the index's construction (sensitivity.csv)",
     cmd_sensitivity, help_sensitivity},
    {"reliability", "Cronbach's alpha and item-rest correlations per dimension", cmd_reliability,
     help_reliability},
    {"compute", "compute every index, dimension and share as a stored, reproducible run",
     cmd_compute, help_compute},
    {"runs", "list, show, compare or drop stored runs", cmd_runs, help_runs},
    {"weight", "weight waves to register margins (rake, calibrate, post-stratify)", cmd_weight,
     help_weight},
    {"export", "respondent-level scored data as CSV, SPSS or Stata (microdata)", cmd_export,
     help_export},
    {"report", "publication tables of a run: text, CSV, JSON, Markdown, HTML, XLSX, PDF",
     cmd_report, help_report},
    {"barometer", "the integration barometer: all six goals with direction and verdicts",
     cmd_barometer, help_barometer},
};
static const size_t n_commands = sizeof commands / sizeof commands[0];

static void help_main(FILE *out)
{
    fprintf(out,
            "helby %s — survey indicators for integration policy, with honest confidence "
            "intervals\n\n"
            "Usage: helby [--db FILE] COMMAND [OPTIONS]\n\n"
            "Commands:\n",
            HELBY_VERSION);
    for (size_t i = 0; i < n_commands; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nGlobal options (before or after the command):\n"
                 "  --db FILE    the store (default: $HELBY_DB, else ./helby.db)\n"
                 "  -q, --quiet  print no summaries, only errors\n"
                 "  --csv-raw    CSV text cells as they are: without it a cell starting with\n"
                 "               =, +, -, @, tab or CR that is not a number gets a leading '\n"
                 "               (a spreadsheet would run it as a formula)\n"
                 "  -h, --help   this help; 'helby COMMAND --help' for a command\n"
                 "  --version    print the version\n\n"
                 "Example:\n"
                 "  helby --db city.db init\n"
                 "  helby --db city.db survey add surveys/copenhagen\n"
                 "  helby --db city.db import --survey copenhagen "
                 "surveys/copenhagen/example/wave_2011.csv\n\n"
                 "Exit codes: 0 ok, 1 usage, 2 bad input, 3 store problem, 4 numerical failure.\n");
}

/* Pull --db/--quiet/--csv-raw out of argv wherever they stand, so both
 * 'helby --db x import' and 'helby import --db x' work. */
static int take_globals(cli_global *g, int *argc, char **argv)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        if (strcmp(a, "--db") == 0) {
            if (i + 1 >= *argc)
                return cli_usage(NULL, "option '--db' needs a file name");
            g->db = argv[++i];
        } else if (strncmp(a, "--db=", 5) == 0) {
            g->db = a + 5;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            g->quiet = 1;
        } else if (strcmp(a, "--csv-raw") == 0) {
            g->csv_raw = 1;
            out_csv_raw(1);
        } else {
            argv[out++] = argv[i];
        }
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}

/* Standard output is a file like any other: a write that failed (a full disk under
 * 'helby estimate > result.csv', /dev/full) is an I/O error, exit 3, not a truncated result
 * and exit 0. Checked once at exit: stdio keeps the error flag of every earlier write. */
static int finish_stdout(int rc)
{
    errno = 0;
    int bad = fflush(stdout) != 0;
    int saved = errno;
    bad |= ferror(stdout) != 0;
    if (fclose(stdout) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    if (!bad || rc) /* a command that failed has said why already */
        return rc;
    fprintf(stderr, "helby: writing standard output failed%s%s\n", saved ? ": " : "",
            saved ? strerror(saved) : "");
    return helby_status_exit_code(HELBY_EIO);
}

static int run_main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    /* Output written in 64 KiB blocks when it is not a terminal: fewer writes, and a write
     * error of a command's output (a help text, a table) is seen with its cause at exit. */
    static char outbuf[1 << 16];
    if (!isatty(fileno(stdout)))
        setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    cli_global g = {0};
    g.prog = "helby";
    g.db = getenv("HELBY_DB");
    if (!g.db || !*g.db)
        g.db = "helby.db";
    int rc = take_globals(&g, &argc, argv);
    if (rc)
        return rc;
    if (argc < 2) {
        help_main(stderr);
        return 1;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        if (argc > 2) {
            for (size_t i = 0; i < n_commands; i++)
                if (strcmp(argv[2], commands[i].name) == 0) {
                    commands[i].help(stdout);
                    return 0;
                }
            return cli_usage(NULL, "no help for unknown command '%s'", argv[2]);
        }
        help_main(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("helby %s\n", HELBY_VERSION);
        return 0;
    }
    for (size_t i = 0; i < n_commands; i++) {
        if (strcmp(cmd, commands[i].name) == 0) {
            for (int k = 2; k < argc; k++) {
                if (strcmp(argv[k], "--") == 0)
                    break;
                if (strcmp(argv[k], "-h") == 0 || strcmp(argv[k], "--help") == 0) {
                    commands[i].help(stdout);
                    return 0;
                }
            }
            optind = 1;
            return commands[i].run(&g, argc - 1, argv + 1);
        }
    }
    if (cmd[0] == '-')
        return cli_usage(NULL, "unknown option '%s'", cmd);
    return cli_usage(NULL, "unknown command '%s'", cmd);
}

int main(int argc, char **argv)
{
    return finish_stdout(run_main(argc, argv));
}
