/* cmd_report.c — helby report and helby barometer: publication tables of a stored run
 * (report.h) as text, CSV, JSON, Markdown, HTML with SVG charts or XLSX. */
#include <getopt.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "helby/report.h"

void help_report(FILE *out)
{
    fprintf(out,
            "Usage: helby report --run N [OPTIONS]\n\n"
            "Publication tables of a stored run (`helby compute`): per index, dimension and\n"
            "share the estimate, CI (at the run's level) and n of ethnic Danes, minorities\n"
            "and everyone by wave; the gap, ratio, difference in differences and relative\n"
            "gap change; the goal verdicts with their rule; the district table; Cronbach's\n"
            "alpha; the weight set's diagnostics; a methods paragraph. Cells with fewer "
            "respondents than the threshold\n"
            "are suppressed (·), with complementary suppression (‡) where a margin would reveal\n"
            "them; relative SE above 30 %% is marked †.\n\n"
            "Options:\n"
            "  -r, --run N         the run (required; see `helby runs list`)\n"
            "  -f, --format F      text (default), csv, json, md, html (self-contained, SVG\n"
            "                      charts), xlsx or pdf (both need --out; pdf prints the HTML\n"
            "                      on A4 through headless Chromium: $HELBY_CHROMIUM or\n"
            "                      chromium)\n"
            "      --lang L        da or en (default: the survey's language); Danish output\n"
            "                      writes numbers with a decimal comma (not CSV/JSON)\n"
            "  -o, --out FILE      write to FILE instead of standard output\n"
            "      --min-cell K    suppression threshold (default: the survey's min_cell; at\n"
            "                      least 5)\n"
            "      --register FILE register indicators for goals 1, 2, 3 and 5 (CSV:\n"
            "                      goal;indicator;label_da;label_en;better;period;value;target)\n"
            "      --barometer     the integration barometer page: all six goals with\n"
            "                      direction of travel and verdicts (with --register)\n\n"
            "Example:\n"
            "  helby --db city.db report --run 1 --format html --lang en -o report.html\n"
            "  helby --db city.db barometer --run 1 --register "
            "surveys/copenhagen/register_indicators.csv\n");
}

void help_barometer(FILE *out)
{
    fprintf(out, "Usage: helby barometer --run N --register FILE [OPTIONS]\n\n"
                 "The same as `helby report --barometer`: the policy's integration barometer, all\n"
                 "six goals (goals 4 and 6 from the run, goals 1, 2, 3 and 5 from the register\n"
                 "CSV) with the latest value, target, direction of travel and verdict.\n"
                 "Options as `helby report` (--format text, md, html, csv or json).\n\n");
    help_report(out);
}

extern char **environ;

/* The HTML report printed to PDF by headless Chromium (A4 and the page footer come from the
 * report's print stylesheet). The library renders; running a browser is the program's job. */
static int write_pdf(const helby_report *r, int barometer, const char *out_path)
{
    helby_error err;
    helby_error_clear(&err);
    char tmpl[] = "/tmp/helby-report-XXXXXX.html";
    int fd = mkstemps(tmpl, 5);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        helby_error_at(&err, HELBY_EIO, tmpl, 0, 0, NULL, "cannot write a temporary file");
        return cli_fail(&err);
    }
    int rc = helby_report_write(r, HELBY_REPORT_HTML, barometer, f, &err) ? cli_fail(&err) : 0;
    if (fclose(f) != 0 && !rc) {
        helby_error_at(&err, HELBY_EIO, tmpl, 0, 0, NULL, "writing the temporary HTML failed");
        rc = cli_fail(&err);
    }
    char url[PATH_MAX + 16], pdfarg[PATH_MAX + 32];
    snprintf(url, sizeof url, "file://%s", tmpl);
    snprintf(pdfarg, sizeof pdfarg, "--print-to-pdf=%s", out_path);
    const char *browser = getenv("HELBY_CHROMIUM") ? getenv("HELBY_CHROMIUM") : "chromium";
    /* --no-sandbox: the page is our own, with no scripts and nothing fetched; the sandbox
     * fails when run as root (CI containers). */
    char *args[] = {(char *)browser,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-pdf-header-footer",
                    pdfarg,
                    url,
                    NULL};
    pid_t pid;
    int status = 0;
    if (!rc) {
        unlink(out_path); /* so that an old file is never taken for a new one */
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        int e = posix_spawnp(&pid, browser, &fa, NULL, args, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (e || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
            access(out_path, R_OK) != 0) {
            helby_error_at(&err, HELBY_EIO, out_path, 0, 0, NULL,
                           "%s could not print the report to PDF; write --format html and "
                           "print it to PDF from a browser (A4 is set)",
                           browser);
            rc = cli_fail(&err);
        }
    }
    unlink(tmpl);
    return rc;
}

typedef struct report_args {
    long run, min_cell;
    const char *out_path, *lang, *reg;
    helby_report_format fmt;
    int pdf, barometer;
} report_args;

/* getopt over report's (and barometer's) options into a; -1 when fine, else the exit code. */
static int report_parse(int argc, char **argv, const char *cmd, report_args *a)
{
    enum { O_LANG = 256, O_MINCELL, O_REGISTER, O_BAROMETER };
    static const struct option opts[] = {{"run", required_argument, 0, 'r'},
                                         {"format", required_argument, 0, 'f'},
                                         {"out", required_argument, 0, 'o'},
                                         {"lang", required_argument, 0, O_LANG},
                                         {"min-cell", required_argument, 0, O_MINCELL},
                                         {"register", required_argument, 0, O_REGISTER},
                                         {"barometer", no_argument, 0, O_BAROMETER},
                                         {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:r:f:o:", opts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 'r': a->run = strtol(optarg, &end, 10); break;
        case 'f':
            a->pdf = !strcmp(optarg, "pdf");
            if (a->pdf)
                a->fmt = HELBY_REPORT_HTML;
            else if (!helby_report_format_parse(optarg, &a->fmt))
                return cli_usage(cmd,
                                 "--format must be text, csv, json, md, html, xlsx or "
                                 "pdf, not '%s'",
                                 optarg);
            break;
        case 'o': a->out_path = optarg; break;
        case O_LANG:
            if (strcmp(optarg, "da") && strcmp(optarg, "en"))
                return cli_usage(cmd, "--lang must be da or en, not '%s'", optarg);
            a->lang = optarg;
            break;
        case O_MINCELL: a->min_cell = strtol(optarg, &end, 10); break;
        case O_REGISTER: a->reg = optarg; break;
        case O_BAROMETER: a->barometer = 1; break;
        case ':': return cli_usage(cmd, "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage(cmd, "unknown option '%s'", argv[optind - 1]);
        }
        if (end && *end)
            return cli_usage(cmd, "option '%s' needs a number, not '%s'", argv[optind - 1], optarg);
    }
    if (optind < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    if (a->run <= 0)
        return cli_usage(cmd, "missing --run N (see `helby runs list`)");
    if (a->min_cell && a->min_cell < 5)
        return cli_usage(cmd, "--min-cell is never below 5 respondents");
    if ((a->fmt == HELBY_REPORT_XLSX || a->pdf) && !a->out_path)
        return cli_usage(cmd, "--format %s needs --out FILE", a->pdf ? "pdf" : "xlsx");
    if (a->fmt == HELBY_REPORT_XLSX && a->barometer)
        return cli_usage(cmd, "the barometer is text, md, html, csv or json");
    return -1;
}

/* Write report r as text, CSV, JSON, Markdown or HTML to a->out_path or stdout. */
static int report_write(const helby_report *r, const report_args *a)
{
    helby_error err;
    helby_error_clear(&err);
    FILE *f = a->out_path ? fopen(a->out_path, "w") : stdout;
    if (!f) {
        helby_error_at(&err, HELBY_EIO, a->out_path, 0, 0, NULL, "cannot write the report");
        return cli_fail(&err);
    }
    int rc = 0;
    if (helby_report_write(r, a->fmt, a->barometer, f, &err))
        rc = cli_fail(&err);
    if (a->out_path && fclose(f) != 0 && !rc) {
        helby_error_at(&err, HELBY_EIO, a->out_path, 0, 0, NULL, "writing the report failed");
        rc = cli_fail(&err);
    }
    return rc;
}

static int report_main(cli_global *g, int argc, char **argv, int barometer, const char *cmd)
{
    report_args a = {0, 0, NULL, NULL, NULL, HELBY_REPORT_TEXT, 0, barometer};
    int rc = report_parse(argc, argv, cmd, &a);
    if (rc >= 0)
        return rc;
    helby_store *st = NULL;
    if ((rc = cli_open_store(g, HELBY_OPEN_READONLY, &st)))
        return rc;
    helby_error err;
    helby_error_clear(&err);
    helby_report *r = NULL;
    helby_report_options ro = {a.lang, (size_t)a.min_cell};
    if (helby_report_build(st, a.run, &ro, &r, &err) ||
        (a.reg && helby_report_load_register(r, a.reg, &err)))
        rc = cli_fail(&err);
    else if (a.fmt == HELBY_REPORT_XLSX)
        rc = helby_report_write_xlsx(r, a.out_path, &err) ? cli_fail(&err) : 0;
    else if (a.pdf)
        rc = write_pdf(r, a.barometer, a.out_path);
    else
        rc = report_write(r, &a);
    if (!rc && a.out_path && !g->quiet)
        fprintf(stderr, "helby: wrote %s\n", a.out_path);
    helby_report_free(r);
    helby_store_close(st);
    return rc;
}

int cmd_report(cli_global *g, int argc, char **argv)
{
    return report_main(g, argc, argv, 0, "report");
}

int cmd_barometer(cli_global *g, int argc, char **argv)
{
    return report_main(g, argc, argv, 1, "barometer");
}
