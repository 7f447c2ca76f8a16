/* cmd_import.c — helby import: validate response files and import them all or nothing. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "helby/ingest.h"
#include "helby/survey.h"

void help_import(FILE *out)
{
    fprintf(out,
            "Usage: helby import --survey ID [OPTIONS] FILE...\n\n"
            "Validate response files against the survey's codebook and design columns and\n"
            "import each as one wave. All or nothing: if any file has any error, nothing is\n"
            "imported and every error is listed (up to --max-errors) as\n"
            "  file:line:column: variable: 'value': what was expected\n"
            "with exit status 2. A file imported before (same SHA-256), or a wave already in\n"
            "the store, is refused unless --replace is given.\n\n"
            "Besides CSV, SPSS (.sav, .zsav, .por), Stata (.dta) and SAS (.sas7bdat, .xpt)\n"
            "files are read (ReadStat) and checked the same way; errors then name the row.\n"
            "Their value labels must agree with the codebook's; SPSS user-missing values must\n"
            "be missing codes of the codebook; Stata/SAS extended missing values (.a-.z) become\n"
            "the codebook's missing code with the same value label.\n\n"
            "Options may come before or after the files. Every assumption made (decimal\n"
            "mark, columns left out or matched ignoring case, labels read as codes) is\n"
            "printed in the summary and stored in the import record.\n\n"
            "Options:\n"
            "  -s, --survey ID         survey to import into (required)\n"
            "  -w, --wave W            the wave, when the file has no wave column (then stored\n"
            "                          as its wave column), or to check the column\n"
            "      --replace           replace the wave if it exists (also the same file again)\n"
            "      --delimiter C       ';' ',' or 'tab' (default: sniffed)\n"
            "      --decimal C         '.' or ',' (default: sniffed from the values)\n"
            "      --encoding E        utf-8 or windows-1252 (default: sniffed)\n"
            "      --ignore-column NAME  leave out a column (repeatable; noted in the import)\n"
            "      --ignore-unknown-columns  leave out columns the codebook does not know\n"
            "      --rename OLD=NEW    read the file's column OLD as the codebook's NEW\n"
            "                          (repeatable; noted in the import record)\n"
            "      --no-labels         refuse value labels in code columns (by default a cell\n"
            "                          equal to one of the codebook's value labels of its\n"
            "                          variable, as in an SPSS labels export, is read as\n"
            "                          its code and noted)\n"
            "      --sequential        several files one at a time, without the two threads\n"
            "                          that validate the next CSV files ahead: the least\n"
            "                          memory (one file's columns), the most time; the same\n"
            "                          result\n"
            "      --check             validate only; import nothing\n"
            "      --max-errors N      errors to list (default 100)\n\n"
            "Example:\n"
            "  helby --db city.db import --survey copenhagen "
            "surveys/copenhagen/example/wave_2011.csv\n");
}

static void progress(void *ctx, double fraction)
{
    const char *name = ctx;
    fprintf(stderr, "\rimporting%s%s: %3.0f%%", name ? " " : "", name ? name : "",
            100.0 * fraction);
    fflush(stderr);
}

/* Print s left-aligned in `width` terminal columns (UTF-8 aware: "Østerbro" is 8 wide). */
static void print_padded(const char *s, int width)
{
    int cols = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        cols += (*p & 0xC0) != 0x80;
    printf("%s%*s", s, width > cols ? width - cols : 0, "");
}

static const char *code_label(const helby_survey *s, size_t var, double code, char *buf, size_t n)
{
    const char *l = var == HELBY_NO_VAR ? NULL : helby_variable_value_label(&s->vars[var], code);
    if (l)
        return l;
    snprintf(buf, n, "%g", code);
    return buf;
}

static void print_summary(const helby_survey *s, const char *path, const helby_import_summary *sum,
                          int check_only)
{
    char wave[128];
    cli_wave_name(s, sum->wave, NULL, wave, sizeof wave);
    if (check_only)
        printf("%s: valid: %zu respondents, wave %s\n", path, sum->n_rows, wave);
    else
        printf("imported %s as wave %s of %s (import #%lld): %zu respondents\n", path, wave, s->id,
               (long long)sum->import_id, sum->n_rows);
    const helby_dialect *d = &sum->dialect;
    if (sum->format != HELBY_FORMAT_CSV)
        printf("  file: sha256 %.16s…, %zu bytes, %s file read by ReadStat\n", sum->file_sha256,
               sum->bytes, helby_file_format_name(sum->format));
    else
        printf("  file: sha256 %.16s…, %zu bytes, delimiter %s, decimal '%c', %s%s%s\n",
               sum->file_sha256, sum->bytes,
               d->delimiter == '\t'  ? "tab"
               : d->delimiter == ',' ? "','"
                                     : "';'",
               d->decimal ? d->decimal : '.',
               d->encoding == HELBY_ENC_CP1252 ? "Windows-1252 (converted to UTF-8)" : "UTF-8",
               d->had_bom ? ", BOM" : "", d->crlf ? ", CRLF" : "");
    if (sum->notes) {
        printf("  read with these assumptions and mappings (stored with the import):\n");
        for (const char *p = sum->notes; *p;) {
            size_t n = strcspn(p, "\n");
            printf("    %.*s\n", (int)n, p);
            p += n + (p[n] == '\n');
        }
    }
    char buf[64];
    printf("  respondents by group:\n");
    for (size_t i = 0; i < sum->n_groups; i++) {
        printf("    ");
        print_padded(code_label(s, s->group_var, sum->groups[i].code, buf, sizeof buf), 44);
        printf(" %7zu\n", sum->groups[i].n);
    }
    printf("  respondents by district:\n");
    for (size_t i = 0; i < sum->n_districts; i++) {
        printf("    ");
        print_padded(code_label(s, s->district_var, sum->districts[i].code, buf, sizeof buf), 44);
        printf(" %7zu\n", sum->districts[i].n);
    }
    printf("  item nonresponse (empty cells + missing codes):\n");
    for (size_t i = 0; i < sum->n_items; i++) {
        const helby_item_nonresponse *it = &sum->items[i];
        size_t miss = it->n_empty + it->n_missing;
        printf("    ");
        print_padded(s->vars[it->var].name, 20);
        printf(" %6zu  %5.1f%%   (empty %zu, missing codes %zu)\n", miss,
               sum->n_rows ? 100.0 * (double)miss / (double)sum->n_rows : 0.0, it->n_empty,
               it->n_missing);
    }
}

static int parse_dialect(helby_import_options *o, const char *what, const char *val)
{
    if (strcmp(what, "delimiter") == 0) {
        if (strcmp(val, ";") == 0 || strcmp(val, "semicolon") == 0)
            o->dialect.delimiter = ';';
        else if (strcmp(val, ",") == 0 || strcmp(val, "comma") == 0)
            o->dialect.delimiter = ',';
        else if (strcmp(val, "tab") == 0 || strcmp(val, "\\t") == 0 || strcmp(val, "\t") == 0)
            o->dialect.delimiter = '\t';
        else
            return cli_usage("import", "--delimiter must be ';', ',' or 'tab', not '%s'", val);
    } else if (strcmp(what, "decimal") == 0) {
        if (strcmp(val, ".") == 0 || strcmp(val, ",") == 0)
            o->dialect.decimal = val[0];
        else
            return cli_usage("import", "--decimal must be '.' or ',', not '%s'", val);
    } else {
        if (strcasecmp(val, "utf-8") == 0 || strcasecmp(val, "utf8") == 0)
            o->dialect.encoding = HELBY_ENC_UTF8;
        else if (strcasecmp(val, "windows-1252") == 0 || strcasecmp(val, "cp1252") == 0 ||
                 strcasecmp(val, "latin1") == 0)
            o->dialect.encoding = HELBY_ENC_CP1252;
        else
            return cli_usage("import", "--encoding must be utf-8 or windows-1252, not '%s'", val);
    }
    return 0;
}

static int print_errors(const helby_error_list *errs)
{
    char buf[2048];
    for (size_t i = 0; i < errs->count; i++)
        fprintf(stderr, "%s\n", helby_error_format(&errs->items[i], buf, sizeof buf));
    if (errs->has_unstored) /* memory ran out keeping it: shown all the same */
        fprintf(stderr, "%s\n", helby_error_format(&errs->unstored, buf, sizeof buf));
    size_t shown = errs->count - errs->n_summaries + (size_t)errs->has_unstored;
    if (errs->total > shown)
        fprintf(stderr, "… and %zu more errors (raise --max-errors to see them)\n",
                errs->total - shown);
    return 2;
}

typedef struct import_args {
    helby_import_options o;
    const char *ignore[64];
    const char *rename[64];
    const char *survey;
    int check_only;
} import_args;

/* getopt over import's options into a; -1 when fine, else the exit code. Options may come
 * before or after the files (GNU permutation). */
enum {
    O_REPLACE = 256,
    O_DELIM,
    O_DECIMAL,
    O_ENC,
    O_CHECK,
    O_MAXERR,
    O_IGNORE,
    O_IGNORE_UNKNOWN,
    O_SEQUENTIAL,
    O_NO_LABELS,
    O_RENAME
};

static int import_parse(int argc, char **argv, import_args *a)
{
    static const struct option opts[] = {
        {"survey", required_argument, 0, 's'},
        {"wave", required_argument, 0, 'w'},
        {"replace", no_argument, 0, O_REPLACE},
        {"delimiter", required_argument, 0, O_DELIM},
        {"decimal", required_argument, 0, O_DECIMAL},
        {"encoding", required_argument, 0, O_ENC},
        {"check", no_argument, 0, O_CHECK},
        {"max-errors", required_argument, 0, O_MAXERR},
        {"ignore-column", required_argument, 0, O_IGNORE},
        {"ignore-unknown-columns", no_argument, 0, O_IGNORE_UNKNOWN},
        {"sequential", no_argument, 0, O_SEQUENTIAL},
        {"no-labels", no_argument, 0, O_NO_LABELS},
        {"rename", required_argument, 0, O_RENAME},
        {0, 0, 0, 0}};
    helby_import_options *o = &a->o;
    const char **ignore = a->ignore;
    int c, rc;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":s:w:", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 's': a->survey = optarg; break;
        case 'w':
            o->wave = strtol(optarg, &end, 10);
            if (*end || o->wave <= 0)
                return cli_usage("import", "--wave must be a positive whole number, not '%s'",
                                 optarg);
            break;
        case O_REPLACE: o->replace = 1; break;
        case O_DELIM:
            if ((rc = parse_dialect(o, "delimiter", optarg)))
                return rc;
            break;
        case O_DECIMAL:
            if ((rc = parse_dialect(o, "decimal", optarg)))
                return rc;
            break;
        case O_ENC:
            if ((rc = parse_dialect(o, "encoding", optarg)))
                return rc;
            break;
        case O_CHECK: a->check_only = 1; break;
        case O_IGNORE:
            if (o->n_ignore_columns == sizeof a->ignore / sizeof a->ignore[0])
                return cli_usage("import", "at most 64 --ignore-column options");
            ignore[o->n_ignore_columns++] = optarg;
            break;
        case O_IGNORE_UNKNOWN: o->ignore_unknown_columns = 1; break;
        case O_SEQUENTIAL: o->sequential = 1; break;
        case O_RENAME:
            if (!strchr(optarg, '=') || *optarg == '=' || !strchr(optarg, '=')[1] ||
                o->n_renames == 64)
                return cli_usage("import", "--rename OLD=NEW (at most 64), not '%s'", optarg);
            a->rename[o->n_renames++] = optarg;
            break;
        case O_NO_LABELS: o->refuse_labels = 1; break;
        case O_MAXERR: {
            long n = strtol(optarg, &end, 10);
            if (*end || n <= 0)
                return cli_usage("import", "--max-errors must be a positive number, not '%s'",
                                 optarg);
            o->max_errors = (size_t)n;
            break;
        }
        case ':': return cli_usage("import", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage("import", "unknown option '%s'", argv[optind - 1]);
        }
    }
    o->ignore_columns = ignore;
    o->renames = a->rename;
    if (!a->survey)
        return cli_usage("import", "missing --survey ID");
    if (optind >= argc)
        return cli_usage("import", "no file to import");
    return -1;
}

int cmd_import(cli_global *g, int argc, char **argv)
{
    import_args A;
    memset(&A, 0, sizeof A);
    helby_import_options_default(&A.o);
    int rc = import_parse(argc, argv, &A);
    if (rc >= 0)
        return rc;
    helby_import_options o = A.o;
    const char *survey = A.survey;
    int check_only = A.check_only;
    helby_store *st = NULL;
    if ((rc = cli_open_store(g, check_only ? HELBY_OPEN_READONLY : HELBY_OPEN_EXISTING, &st)))
        return rc;
    helby_error err;
    helby_error_clear(&err);
    helby_survey *s = NULL;
    if (helby_store_get_survey(st, survey, &s, &err)) {
        helby_store_close(st);
        return cli_fail(&err);
    }
    /* All files or none (helby_import_files: at most three waves in memory at a time). */
    int nfiles = argc - optind;
    helby_import_summary *sums = calloc((size_t)nfiles, sizeof *sums);
    helby_error_list errs;
    helby_error_list_init(&errs, o.max_errors);
    rc = 0;
    if (!sums) {
        helby_error_set(&err, HELBY_ENOMEM, "out of memory");
        rc = cli_fail(&err);
        goto done;
    }
    o.progress = cli_stderr_is_tty() ? progress : NULL;
    o.progress_ctx = NULL;
    helby_status r = helby_import_files(st, s, (const char *const *)argv + optind, (size_t)nfiles,
                                        check_only, &o, sums, &errs, &err);
    if (o.progress)
        fprintf(stderr, "\r%*s\r", 60, "");
    if (errs.total) {
        print_errors(&errs);
        fprintf(stderr, "helby: nothing imported: %zu error%s in %d file%s\n", errs.total,
                errs.total == 1 ? "" : "s", nfiles, nfiles == 1 ? "" : "s");
        rc = r && r != HELBY_EINPUT ? helby_status_exit_code(r) : 2;
        goto done;
    }
    if (r) {
        rc = cli_fail(&err);
        if (nfiles > 1)
            fprintf(stderr, "helby: nothing imported\n");
        goto done;
    }
    if (!g->quiet)
        for (int i = 0; i < nfiles; i++)
            print_summary(s, argv[optind + i], &sums[i], check_only);
done:
    for (int i = 0; sums && i < nfiles; i++)
        helby_import_summary_free(&sums[i]);
    free(sums);
    helby_error_list_free(&errs);
    helby_survey_free(s);
    helby_store_close(st);
    return rc;
}
