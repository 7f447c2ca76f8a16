/* cmd_report.c — helby report and helby barometer: publication tables of a stored run
 * (report.h) as text, CSV, JSON, Markdown, HTML with SVG charts or XLSX. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "helby/csv.h"
#include "helby/report.h"

void help_report(FILE *out)
{
    fprintf(out,
            "Usage: helby report --run N [OPTIONS]\n\n"
            "Publication tables of a stored run (`helby compute`): per index, dimension and\n"
            "share the estimate, CI (at the run's level) and n of ethnic Danes, minorities\n"
            "and everyone by wave; the gap, ratio, difference in differences and relative\n"
            "gap change; the goal verdicts with their rule; the district table; Cronbach's\n"
            "alpha; the weight set's diagnostics; a methods paragraph; each group's change\n"
            "since the previous wave and the baseline, marked * where its CI excludes 0; for\n"
            "a run of `compute --by`, the subgroups. Cells with fewer respondents than the\n"
            "threshold are suppressed (·), with complementary suppression (‡) where a margin\n"
            "would reveal them; relative SE above 30 %% is marked †.\n\n"
            "Options:\n"
            "  -r, --run N         the run (required; see `helby runs list`)\n"
            "  -f, --format F      text (default), csv, json, md, html (self-contained, SVG\n"
            "                      charts), xlsx or pdf (both need --out; pdf prints the HTML\n"
            "                      on A4 through headless Chromium: $HELBY_CHROMIUM or\n"
            "                      chromium, JavaScript off, stopped after\n"
            "                      $HELBY_CHROMIUM_TIMEOUT seconds, default 120)\n"
            "      --lang L        da or en (default: the survey's language); Danish output\n"
            "                      writes numbers with a decimal comma (not CSV/JSON);\n"
            "                      English output takes value labels from the\n"
            "                      codebook's values_en column where it has one\n"
            "  -o, --out FILE      write to FILE instead of standard output\n"
            "      --min-cell K    suppression threshold (default: the survey's min_cell; at\n"
            "                      least 5)\n"
            "      --register FILE register indicators for goals 1, 2, 3 and 5 (CSV:\n"
            "                      goal;indicator;label_da;label_en;better;period;value;target)\n"
            "      --barometer     the integration barometer page: all six goals with\n"
            "                      direction of travel and verdicts (with --register)\n"
            "      --csv-raw       CSV text cells as they are: without it a label starting\n"
            "                      with =, +, -, @, tab or CR gets a leading ' (a spreadsheet\n"
            "                      would run it as a formula), in the CSV and the HTML\n"
            "                      page's chart data\n\n"
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
                 "CSV) with the latest value, target, the direction since the previous\n"
                 "period and over the whole period, the verdict and, beside it, the national\n"
                 "rule (rounded latest value against the base period), flagged where the two\n"
                 "disagree.\n\n"
                 "Options:\n"
                 "  -r, --run N         the run (required; see `helby runs list`)\n"
                 "      --register FILE register indicators for goals 1, 2, 3 and 5 (required),\n"
                 "                      CSV: goal;indicator;label_da;label_en;better;period;\n"
                 "                      value;target\n"
                 "  -f, --format F      text (default), md, html, csv or json\n"
                 "      --lang L        da or en (default: the survey's language)\n"
                 "  -o, --out FILE      write to FILE instead of standard output\n"
                 "      --min-cell K    suppression threshold (default: the survey's min_cell; at\n"
                 "                      least 5)\n"
                 "      --csv-raw       CSV text cells as they are (see `helby report --help`)\n\n"
                 "Example:\n"
                 "  helby --db city.db barometer --run 1 --format html -o barometer.html \\\n"
                 "        --register surveys/copenhagen/register_indicators.csv\n");
}

extern char **environ;

/* Seconds the browser may take to print before it is killed: $HELBY_CHROMIUM_TIMEOUT
 * (1 to 3600), else 120. */
static long pdf_timeout(void)
{
    const char *t = getenv("HELBY_CHROMIUM_TIMEOUT");
    char *end = NULL;
    long s = t ? strtol(t, &end, 10) : 0;
    return t && *t && !*end && s >= 1 && s <= 3600 ? s : 120;
}

/* Run args (standard output and error to /dev/null) in a process group of its own, so that
 * the browser and every helper it started can be killed together after `secs` seconds.
 * 0: it exited 0; 1: it failed; 2: it was killed for taking too long. */
static int run_browser(char **args, long secs)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_init(&at);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    pid_t pid;
    int e = posix_spawnp(&pid, args[0], &fa, &at, args, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (e)
        return 1;
    int status = 0;
    for (long ms = 0;; ms += 50) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0)
            return 1;
        if (ms >= secs * 1000) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            return 2;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(-pid, SIGKILL); /* helpers the browser left running */
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* A fresh browser profile in dir/profile whose preferences block JavaScript on every page
 * (Chromium's content setting; --blink-settings=scriptEnabled=false stops the PDF printer
 * itself); prof gets "--user-data-dir=...". 0 when made. */
static int make_profile(const char *dir, char *prof, size_t size)
{
    char p[PATH_MAX + 48];
    if (snprintf(prof, size, "--user-data-dir=%s/profile", dir) >= (int)size ||
        snprintf(p, sizeof p, "%s/profile/Default/Preferences", dir) >= (int)sizeof p ||
        mkdir(prof + 16, 0700) != 0)
        return -1;
    *strrchr(p, '/') = '\0';
    if (mkdir(p, 0700) != 0)
        return -1;
    strcat(p, "/Preferences");
    FILE *f = fopen(p, "w");
    if (!f)
        return -1;
    fputs("{\"profile\":{\"default_content_setting_values\":{\"javascript\":2}}}\n", f);
    return fclose(f) == 0 ? 0 : -1;
}

/* Print the HTML file `html` to out_path through headless Chromium: JavaScript off, a
 * private profile in `dir` (removed by the caller), nothing fetched, killed after
 * pdf_timeout() seconds. The PDF is printed next to out_path and renamed onto it only when
 * the browser succeeded, so a failed print never leaves a partial or stale file. */
static int print_pdf(const char *dir, const char *html, const char *out_path, helby_error *err)
{
    char url[PATH_MAX + 16], pdfarg[PATH_MAX + 32], prof[PATH_MAX + 32], part[PATH_MAX + 16];
    int fd = -1;
    if (snprintf(url, sizeof url, "file://%s", html) < (int)sizeof url &&
        make_profile(dir, prof, sizeof prof) == 0 &&
        snprintf(part, sizeof part, "%s.XXXXXX", out_path) < (int)sizeof part)
        fd = mkstemp(part);
    if (fd < 0)
        return helby_error_at(err, HELBY_EIO, out_path, 0, 0, NULL, "cannot write the PDF here");
    mode_t um = umask(0);
    umask(um);
    fchmod(fd, 0666 & ~um); /* as a file the browser made itself, not mkstemp's 0600 */
    close(fd);
    if (snprintf(pdfarg, sizeof pdfarg, "--print-to-pdf=%s", part) >= (int)sizeof pdfarg)
        return unlink(part), helby_error_at(err, HELBY_EIO, out_path, 0, 0, NULL, "path too long");
    long secs = pdf_timeout();
    const char *browser = getenv("HELBY_CHROMIUM") ? getenv("HELBY_CHROMIUM") : "chromium";
    /* --no-sandbox: the sandbox fails when run as root (CI containers); in its place the
     * page runs no script (blink setting and the page's own Content-Security-Policy), loads
     * nothing from outside, and the browser has a fresh profile and a deadline. */
    char *args[] = {(char *)browser,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-extensions",
                    "--no-first-run",
                    "--no-default-browser-check",
                    "--disable-background-networking",
                    "--disable-sync",
                    prof,
                    "--no-pdf-header-footer",
                    pdfarg,
                    url,
                    NULL};
    int k = run_browser(args, secs);
    struct stat sb;
    if (!k && (stat(part, &sb) != 0 || sb.st_size == 0))
        k = 1;
    if (!k && rename(part, out_path) != 0)
        k = 3;
    if (k)
        unlink(part);
    if (k == 2)
        return helby_error_at(err, HELBY_EIO, out_path, 0, 0, NULL,
                              "%s did not finish printing within %ld s and was stopped "
                              "($HELBY_CHROMIUM_TIMEOUT sets the limit)",
                              browser, secs);
    if (k)
        return helby_error_at(err, HELBY_EIO, out_path, 0, 0, NULL,
                              "%s could not print the report to PDF; write --format html and "
                              "print it to PDF from a browser (A4 is set)",
                              browser);
    return HELBY_OK;
}

/* The HTML report printed to PDF by headless Chromium (A4 and the page footer come from the
 * report's print stylesheet). The library renders; running a browser is the program's job.
 * The HTML and the browser's profile live in a private temporary directory, removed after. */
static int write_pdf(const helby_report *r, int barometer, const char *out_path)
{
    helby_error err;
    helby_error_clear(&err);
    const char *tdir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char dir[PATH_MAX], html[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/helby-pdf-XXXXXX", tdir);
    if (!mkdtemp(dir)) {
        helby_error_at(&err, HELBY_EIO, dir, 0, 0, NULL, "cannot make a temporary directory");
        return cli_fail(&err);
    }
    if (snprintf(html, sizeof html, "%s/report.html", dir) >= (int)sizeof html)
        return rmdir(dir), cli_usage("report", "TMPDIR is too long");
    FILE *f = fopen(html, "w");
    int rc = 0;
    if (!f)
        rc = helby_error_at(&err, HELBY_EIO, html, 0, 0, NULL, "cannot write a temporary file");
    else if (helby_report_write(r, HELBY_REPORT_HTML, barometer, f, &err))
        fclose(f), rc = 1;
    else if (fclose(f) != 0)
        rc = helby_error_at(&err, HELBY_EIO, html, 0, 0, NULL, "writing the temporary HTML failed");
    if (!rc)
        rc = print_pdf(dir, html, out_path, &err);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc ? cli_fail(&err) : 0;
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

/* Write report r as text, CSV, JSON, Markdown or HTML to a->out_path (a temporary file
 * beside it, renamed onto it when complete: a killed report leaves no partial file) or
 * stdout. */
static int report_write(const helby_report *r, const report_args *a)
{
    helby_error err;
    helby_error_clear(&err);
    if (!a->out_path)
        return helby_report_write(r, a->fmt, a->barometer, stdout, &err) ? cli_fail(&err) : 0;
    char *tmp;
    int fd;
    if (helby_outfile_begin(a->out_path, 0, &tmp, &fd, &err))
        return cli_fail(&err);
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        helby_outfile_abort(tmp);
        helby_error_at(&err, HELBY_EIO, a->out_path, 0, 0, NULL, "cannot write the report");
        return cli_fail(&err);
    }
    int bad = helby_report_write(r, a->fmt, a->barometer, f, &err) != HELBY_OK;
    if (!bad && (fflush(f) != 0 || ferror(f) ||
                 (fsync(fileno(f)) != 0 && errno != EINVAL && errno != EROFS))) {
        bad = 1;
        helby_error_at(&err, HELBY_EIO, a->out_path, 0, 0, NULL, "writing the report failed: %s",
                       strerror(errno));
    }
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        helby_error_at(&err, HELBY_EIO, a->out_path, 0, 0, NULL, "writing the report failed: %s",
                       strerror(errno));
    }
    if (bad) {
        helby_outfile_abort(tmp);
        return cli_fail(&err);
    }
    return helby_outfile_commit(tmp, a->out_path, &err) ? cli_fail(&err) : 0;
}

/* Write the built report r as a->fmt says (CSV cells raw with --csv-raw). */
static int report_emit(helby_report *r, const report_args *a, int csv_raw)
{
    helby_error err;
    helby_error_clear(&err);
    r->csv_raw = csv_raw;
    if (a->fmt == HELBY_REPORT_XLSX)
        return helby_report_write_xlsx(r, a->out_path, &err) ? cli_fail(&err) : 0;
    if (a->pdf)
        return write_pdf(r, a->barometer, a->out_path);
    return report_write(r, a);
}

static int report_main(cli_global *g, int argc, char **argv, int barometer, const char *cmd)
{
    report_args a = {0, 0, NULL, NULL, NULL, HELBY_REPORT_TEXT, 0, barometer};
    int rc = report_parse(argc, argv, cmd, &a);
    if (rc >= 0)
        return rc;
    if ((rc = cli_not_the_store(g, cmd, a.out_path)))
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
    else
        rc = report_emit(r, &a, g->csv_raw);
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
