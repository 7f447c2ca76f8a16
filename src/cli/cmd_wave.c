/* cmd_wave.c — helby wave: list a survey's stored waves (with the runs that used each) and
 * drop a wave, refused while runs used it unless --force. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"

void help_wave(FILE *out)
{
    fprintf(out, "Usage: helby wave list --survey ID [--format text|csv|json]\n"
                 "       helby wave drop --survey ID W [--force]\n\n"
                 "list  the survey's stored waves: wave (and wave_label where the codebook\n"
                 "      labels the waves), respondents, the import (number, file, time) and\n"
                 "      the runs whose inputs include the wave\n"
                 "drop  remove wave W (a wave imported by mistake): its respondents, design codes\n"
                 "      and weight sets, in one transaction. The import record stays as history,\n"
                 "      and the same file may be imported again. Refused (exit 2) while runs used\n"
                 "      the wave, naming them; with --force the wave is dropped anyway and those\n"
                 "      runs can no longer be rerun (their stored estimates stay)\n\n"
                 "  -s, --survey ID    the survey\n"
                 "      --force        drop even though runs used the wave\n"
                 "  -f, --format F     list: text (default), csv or json\n\n"
                 "Example:\n  helby --db city.db wave list --survey copenhagen\n"
                 "  helby --db city.db wave drop --survey copenhagen 2105\n");
}

typedef struct wave_args {
    const char *survey;
    int force;
    out_format format;
    int n_pos;
    char **pos;
} wave_args;

static int parse_wave_args(const char *sub, int argc, char **argv, wave_args *a)
{
    static const struct option opts[] = {{"survey", required_argument, 0, 's'},
                                         {"force", no_argument, 0, 'F'},
                                         {"format", required_argument, 0, 'f'},
                                         {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":s:f:", opts, NULL)) != -1) {
        if (c == 's')
            a->survey = optarg;
        else if (c == 'F' && !strcmp(sub, "drop"))
            a->force = 1;
        else if (c == 'f' && !strcmp(sub, "list")) {
            if (out_format_parse(optarg, &a->format))
                return cli_usage("wave", "--format must be text, csv or json");
        } else if (c == ':')
            return cli_usage("wave", "option '%s' needs a value", argv[optind - 1]);
        else
            return cli_usage("wave", "unknown option '%s' of wave %s", argv[optind - 1], sub);
    }
    if (!a->survey)
        return cli_usage("wave", "missing --survey ID");
    a->n_pos = argc - optind;
    a->pos = argv + optind;
    return 0;
}

/* "3 5 8" of the runs, into out. */
static void run_ids(const int64_t *runs, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s%lld", i ? " " : "", (long long)runs[i]);
}

static int wave_list(cli_global *g, const wave_args *a)
{
    helby_store *st = NULL;
    int rc = cli_open_store(g, HELBY_OPEN_READONLY, &st);
    if (rc)
        return rc;
    helby_error err;
    helby_survey *s = NULL;
    helby_wave_info *w = NULL;
    size_t n = 0;
    if (helby_store_get_survey(st, a->survey, &s, &err) ||
        helby_store_list_waves(st, a->survey, &w, &n, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    static const out_col cols[] = {
        {"wave", OUT_INT, -6, NULL},   {"respondents", OUT_INT, -11, NULL},
        {"import", OUT_INT, -6, NULL}, {"imported_at", OUT_STR, 20, NULL},
        {"runs", OUT_STR, 10, NULL},   {"file", OUT_STR, 0, NULL}};
    out_table T;
    out_begin_waves(&T, stdout, a->format, cols, sizeof cols / sizeof cols[0], s, NULL);
    for (size_t i = 0; i < n && !rc; i++) {
        int64_t *runs = NULL;
        size_t nr = 0;
        if (helby_store_wave_runs(st, a->survey, w[i].wave, &runs, &nr, &err)) {
            rc = cli_fail(&err);
            break;
        }
        char ids[1024];
        run_ids(runs, nr, ids, sizeof ids);
        free(runs);
        out_value v[6] = {
            {.i = w[i].wave},        {.i = (long long)w[i].n_rows}, {.i = w[i].import_id},
            {.s = w[i].imported_at}, {.s = ids[0] ? ids : "none"},  {.s = w[i].file_name}};
        out_row(&T, v);
    }
    out_end(&T);
done:
    free(w);
    helby_survey_free(s);
    helby_store_close(st);
    return rc;
}

static int wave_drop(cli_global *g, const wave_args *a)
{
    if (a->n_pos != 1)
        return cli_usage("wave", "drop needs one wave, e.g. `wave drop --survey ID 2105`");
    char *end = NULL;
    long wave = strtol(a->pos[0], &end, 10);
    if (!end || *end || end == a->pos[0] || wave < 1)
        return cli_usage("wave", "'%s' is not a wave (a whole number like 2011)", a->pos[0]);
    helby_store *st = NULL;
    int rc = cli_open_store(g, HELBY_OPEN_EXISTING, &st);
    if (rc)
        return rc;
    helby_error err;
    helby_wave_drop d;
    if (helby_store_drop_wave(st, a->survey, wave, a->force, &d, &err)) {
        rc = cli_fail(&err);
        if (err.code == HELBY_EEXISTS)
            rc = 2;
    } else if (!g->quiet) {
        printf("dropped wave %ld of %s: %zu respondents (import #%lld, %s)", wave, a->survey,
               d.n_rows, (long long)d.import_id, d.file_name);
        if (d.n_weight_sets)
            printf(", %zu weight set%s", d.n_weight_sets, d.n_weight_sets == 1 ? "" : "s");
        printf("\n");
        if (d.n_runs) {
            char ids[1024];
            run_ids(d.runs, d.n_runs, ids, sizeof ids);
            printf("  runs that can no longer be rerun (their estimates stay): %s\n", ids);
        }
    }
    helby_wave_drop_free(&d);
    helby_store_close(st);
    return rc;
}

int cmd_wave(cli_global *g, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("wave", "missing subcommand: list or drop");
    const char *sub = argv[1];
    if (strcmp(sub, "list") && strcmp(sub, "drop"))
        return cli_usage("wave", "unknown subcommand '%s' (list, drop)", sub);
    wave_args a;
    int rc = parse_wave_args(sub, argc - 1, argv + 1, &a);
    if (rc)
        return rc;
    if (!strcmp(sub, "list")) {
        if (a.n_pos)
            return cli_usage("wave", "unexpected argument '%s'", a.pos[0]);
        return wave_list(g, &a);
    }
    return wave_drop(g, &a);
}
