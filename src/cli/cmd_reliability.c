/* cmd_reliability.c — helby reliability: weighted Cronbach's alpha and item-rest correlations
 * of every dimension (helby_analysis_reliability). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "helby/tables.h"
#include "output.h"

void help_reliability(FILE *out)
{
    fprintf(out,
            "Usage: helby reliability --survey ID [--waves W,...] [--format text|csv|json]\n\n"
            "For each dimension of each index: weighted Cronbach's alpha and each item's\n"
            "correlation with the rest of its dimension (base weights, respondents who answered\n"
            "every item of the dimension), so one can see whether the items belong together\n"
            "(docs/method.md §1).\n\n"
            "Example:\n  helby --db city.db reliability --survey copenhagen --waves 2014\n");
}

/* "item r item r ..." of a dimension: 3 decimals for people, full precision otherwise. */
static void item_rest_text(const helby_survey *s, const helby_reliability_row *r, out_format f,
                           char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    if (r->message[0]) {
        snprintf(buf, n, "%s", r->message);
        return;
    }
    for (size_t q = 0; q < r->dimension->n_items && used < n; q++)
        used +=
            (size_t)snprintf(buf + used, n - used, f == OUT_TEXT ? "%s%s %.3f" : "%s%s %.17g",
                             q ? " " : "", s->vars[r->dimension->items[q]].name, r->item_rest[q]);
}

int cmd_reliability(cli_global *g, int argc, char **argv)
{
    static const struct option opts[] = {{"survey", required_argument, 0, 's'},
                                         {"waves", required_argument, 0, 'w'},
                                         {"format", required_argument, 0, 'f'},
                                         {0, 0, 0, 0}};
    const char *survey = NULL, *wavearg = NULL;
    out_format format = OUT_TEXT;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:s:w:f:", opts, NULL)) != -1) {
        if (c == 's' || c == 'w')
            *(c == 's' ? &survey : &wavearg) = optarg;
        else if (c == 'f' && out_format_parse(optarg, &format))
            return cli_usage("reliability", "--format must be text, csv or json");
        else if (c == ':')
            return cli_usage("reliability", "option '%s' needs a value", argv[optind - 1]);
        else if (c != 'f')
            return cli_usage("reliability", "unknown option '%s'", argv[optind - 1]);
    }
    if (!survey)
        return cli_usage("reliability", "missing --survey ID");
    if (optind < argc)
        return cli_usage("reliability", "unexpected argument '%s'", argv[optind]);
    long *waves = NULL;
    size_t n_waves = 0;
    if (cli_parse_waves(wavearg, &waves, &n_waves))
        return cli_usage("reliability", "--waves needs years like 2011,2012");
    helby_store *st = NULL;
    int rc = cli_open_store(g, HELBY_OPEN_READONLY, &st);
    if (rc) {
        free(waves);
        return rc;
    }
    helby_error err;
    helby_survey *s = NULL;
    helby_reliability_row *rows = NULL;
    size_t n = 0;
    if (helby_store_get_survey(st, survey, &s, &err) ||
        helby_analysis_reliability(st, s, waves, n_waves, &rows, &n, &err)) {
        rc = cli_fail(&err);
        goto done;
    }
    static const out_col cols[] = {{"index", OUT_STR, 16, NULL},
                                   {"dimension", OUT_STR, 18, NULL},
                                   {"alpha", OUT_NUM, -7, "%.3f"},
                                   {"n", OUT_INT, -7, NULL},
                                   {"item_rest", OUT_STR, 0, NULL}};
    out_table T;
    out_begin(&T, stdout, format, cols, sizeof cols / sizeof cols[0]);
    for (size_t i = 0; i < n; i++) {
        char ir[2048];
        item_rest_text(s, &rows[i], format, ir, sizeof ir);
        out_value v[5] = {{.s = rows[i].index->name},
                          {.s = rows[i].dimension->name},
                          {.d = rows[i].alpha},
                          {.i = (long long)rows[i].n_complete},
                          {.s = ir}};
        out_row(&T, v);
    }
    out_end(&T);
done:
    helby_reliability_rows_free(rows, n);
    free(waves);
    helby_survey_free(s);
    helby_store_close(st);
    return rc;
}
