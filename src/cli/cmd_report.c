/* cmd_report.c — helby report and helby barometer: publication tables of a stored run
 * (report.h) as text, CSV, JSON, Markdown, HTML with SVG charts or XLSX. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "helby/report.h"

void help_report(FILE *out)
{
    fprintf(out,
            "Usage: helby report --run N [OPTIONS]\n\n"
            "Publication tables of a stored run (`helby compute`): per index, dimension and\n"
            "share the estimate, 95 %% CI and n of ethnic Danes, minorities and everyone by\n"
            "wave; the gap, ratio, difference in differences and relative gap change; the goal\n"
            "verdicts with their rule; the district table; Cronbach's alpha; the weight set's\n"
            "diagnostics; a methods paragraph. Cells with fewer respondents than the threshold\n"
            "are suppressed (·), with complementary suppression (‡) where a margin would reveal\n"
            "them; relative SE above 30 %% is marked †.\n\n"
            "Options:\n"
            "  -r, --run N         the run (required; see `helby runs list`)\n"
            "  -f, --format F      text (default), csv, json, md, html (self-contained, SVG\n"
            "                      charts) or xlsx (needs --out)\n"
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

static int report_main(cli_global *g, int argc, char **argv, int barometer, const char *cmd)
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
    long run = 0, min_cell = 0;
    const char *out_path = NULL, *lang = NULL, *reg = NULL;
    helby_report_format fmt = HELBY_REPORT_TEXT;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:r:f:o:", opts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 'r': run = strtol(optarg, &end, 10); break;
        case 'f':
            if (!helby_report_format_parse(optarg, &fmt))
                return cli_usage(cmd, "--format must be text, csv, json, md, html or xlsx, not "
                                      "'%s'",
                                 optarg);
            break;
        case 'o': out_path = optarg; break;
        case O_LANG:
            if (strcmp(optarg, "da") && strcmp(optarg, "en"))
                return cli_usage(cmd, "--lang must be da or en, not '%s'", optarg);
            lang = optarg;
            break;
        case O_MINCELL: min_cell = strtol(optarg, &end, 10); break;
        case O_REGISTER: reg = optarg; break;
        case O_BAROMETER: barometer = 1; break;
        case ':': return cli_usage(cmd, "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage(cmd, "unknown option '%s'", argv[optind - 1]);
        }
        if (end && *end)
            return cli_usage(cmd, "option '%s' needs a number, not '%s'", argv[optind - 1],
                             optarg);
    }
    if (optind < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    if (run <= 0)
        return cli_usage(cmd, "missing --run N (see `helby runs list`)");
    if (min_cell && min_cell < 5)
        return cli_usage(cmd, "--min-cell is never below 5 respondents");
    if (fmt == HELBY_REPORT_XLSX && !out_path)
        return cli_usage(cmd, "--format xlsx needs --out FILE");
    if (fmt == HELBY_REPORT_XLSX && barometer)
        return cli_usage(cmd, "the barometer is text, md, html, csv or json");
    helby_store *st = NULL;
    int rc = cli_open_store(g, HELBY_OPEN_READONLY, &st);
    if (rc)
        return rc;
    helby_error err;
    helby_error_clear(&err);
    helby_report *r = NULL;
    helby_report_options ro = {lang, (size_t)min_cell};
    FILE *f = NULL;
    if (helby_report_build(st, run, &ro, &r, &err) ||
        (reg && helby_report_load_register(r, reg, &err))) {
        rc = cli_fail(&err);
        goto done;
    }
    if (fmt == HELBY_REPORT_XLSX) {
        if (helby_report_write_xlsx(r, out_path, &err))
            rc = cli_fail(&err);
    } else {
        f = out_path ? fopen(out_path, "w") : stdout;
        if (!f) {
            helby_error_at(&err, HELBY_EIO, out_path, 0, 0, NULL, "cannot write the report");
            rc = cli_fail(&err);
            goto done;
        }
        if (helby_report_write(r, fmt, barometer, f, &err))
            rc = cli_fail(&err);
        if (out_path && fclose(f) != 0 && !rc) {
            helby_error_at(&err, HELBY_EIO, out_path, 0, 0, NULL, "writing the report failed");
            rc = cli_fail(&err);
        }
    }
    if (!rc && out_path && !g->quiet)
        fprintf(stderr, "helby: wrote %s\n", out_path);
done:
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
