/* cmd_survey.c — helby survey add|list|show|check|draft. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "helby/draft.h"
#include "helby/survey.h"

void help_survey(FILE *out)
{
    fprintf(out, "Usage: helby survey add [--update] DIR\n"
                 "       helby survey list\n"
                 "       helby survey show ID\n"
                 "       helby survey check DIR\n"
                 "       helby survey draft FILE... -o DIR\n\n"
                 "add     validate the survey definition in DIR (surveys/README.md) and store it.\n"
                 "        A changed definition of a stored survey needs --update; the old one is\n"
                 "        kept by its hash so earlier imports and runs still name it.\n"
                 "list    surveys in the store, with waves and respondents.\n"
                 "show    a stored survey's definition: variables, indices, waves.\n"
                 "check   validate DIR without a store and print its hash; every error and\n"
                 "        every TODO left in any file is listed at once (a file that builds\n"
                 "        on one with errors, e.g. targets.csv on indices.csv, is checked\n"
                 "        when they are fixed); fails while a TODO remains.\n"
                 "draft   write a draft definition into DIR from data files (CSV, SPSS .sav,\n"
                 "        Stata .dta, SAS): types, ranges (none for ids and free numbers) and\n"
                 "        observed codes, value labels from every file (conflicts listed), and\n"
                 "        from SPSS/Stata\n"
                 "        the variable labels, value labels and user-missing codes. Roles,\n"
                 "        design columns, waves and indices are left as TODO, and everything\n"
                 "        inferred is said in comments; then fill in and run survey check.\n\n"
                 "Options may come before or after the operands.\n\n"
                 "Examples:\n  helby --db city.db survey add surveys/copenhagen\n"
                 "  helby survey draft wave_2011.sav -o surveys/new\n");
}

static const char *role_label(helby_role r)
{
    static const char *names[] = {"item", "id",    "wave",     "stratum",   "psu",      "weight",
                                  "fpc",  "group", "district", "covariate", "repweight"};
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "?";
}

/* derived.csv and standard.csv, when the definition has them. */
static void print_derived_and_standard(const helby_survey *s)
{
    if (s->n_derived)
        printf("  derived variables:\n");
    for (size_t k = 0; k < s->n_derived; k++) {
        const helby_derived *d = &s->derived[k];
        const helby_variable *v = &s->vars[d->var];
        printf("    %-14s %-5s of %s:", v->name, d->kind == HELBY_DERIVED_BANDS ? "bands" : "merge",
               s->vars[d->source].name);
        for (size_t q = 0; q < v->n_labels; q++)
            printf("%s %g=%s", q ? "," : "", v->labels[q].value, v->labels[q].label);
        printf("  %s\n", v->label_en ? v->label_en : "");
    }
    const helby_standard *sd = helby_survey_standard(s);
    if (!sd)
        return;
    double total = 0;
    for (size_t c = 0; c < sd->n_cells; c++)
        total += sd->population[c];
    printf("  standard population:");
    for (size_t j = 0; j < sd->n_vars; j++)
        printf("%s%s", j ? " x " : " ", sd->vars[j]);
    printf(", %zu cells, %.15g people\n", sd->n_cells, total);
}

/* districts.csv: the tile map's grid, row by row ("." where no district is). */
static void print_tiles(const helby_survey *s)
{
    int rows = 0, cols = 0;
    for (size_t k = 0; k < s->n_tiles; k++) {
        rows = s->tiles[k].row > rows ? s->tiles[k].row : rows;
        cols = s->tiles[k].col > cols ? s->tiles[k].col : cols;
    }
    if (s->n_tiles)
        printf("  tile map: %zu districts on %d x %d (codes by row):\n", s->n_tiles, rows, cols);
    for (int i = 1; s->n_tiles && i <= rows; i++) {
        printf("   ");
        for (int j = 1; j <= cols; j++) {
            size_t k = 0;
            while (k < s->n_tiles && (s->tiles[k].row != i || s->tiles[k].col != j))
                k++;
            if (k < s->n_tiles)
                printf(" %4g", s->tiles[k].code);
            else
                printf("    .");
        }
        printf("\n");
    }
}

static void print_definition(const helby_survey *s)
{
    printf("survey %s: %s\n", s->id, s->title_en ? s->title_en : "");
    printf("  definition hash %s\n", s->hash);
    printf("  %zu variables, %zu indices, %zu shares, %zu targets, margins for %zu waves\n",
           s->n_vars, s->n_indices, s->n_shares, s->n_targets, s->n_margins);
    for (size_t i = 0; i < s->n_indices; i++) {
        const helby_index *ix = &s->indices[i];
        printf("  index %s (%s, %s aggregation)\n", ix->name, ix->label_en ? ix->label_en : "",
               ix->aggregation == HELBY_AGG_GEOMETRIC ? "geometric" : "arithmetic");
        for (size_t j = 0; j < ix->n_dims; j++) {
            const helby_dimension *d = &ix->dims[j];
            printf("    dimension %s (weight %g, min_valid %zu):", d->name, d->weight,
                   d->min_valid);
            for (size_t k = 0; k < d->n_items; k++)
                printf(" %s%s", s->vars[d->items[k]].name,
                       s->vars[d->items[k]].reverse ? "(reversed)" : "");
            printf("\n");
        }
    }
    printf("  variables:\n");
    for (size_t v = 0; v < s->n_vars; v++) {
        const helby_variable *var = &s->vars[v];
        printf("    %-14s %-9s", var->name, role_label(var->role));
        if (var->has_range)
            printf(" %g–%g", var->min, var->max);
        if (var->n_missing) {
            printf(" missing");
            for (size_t k = 0; k < var->n_missing; k++)
                printf("%s%g", k ? "," : " ", var->missing[k]);
        }
        printf("  %s\n", var->label_en ? var->label_en : "");
    }
    print_derived_and_standard(s);
    print_tiles(s);
}

static int survey_add(cli_global *g, int argc, char **argv)
{
    static const struct option opts[] = {{"update", no_argument, 0, 'u'}, {0, 0, 0, 0}};
    int update = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "u", opts, NULL)) != -1) {
        if (c == 'u')
            update = 1;
        else
            return cli_usage("survey", "unknown option '%s'", argv[optind - 1]);
    }
    if (optind != argc - 1)
        return cli_usage("survey", optind >= argc ? "add needs a definition directory"
                                                  : "add takes one directory");
    helby_error err;
    helby_error_clear(&err);
    helby_survey *s = NULL;
    if (helby_survey_load(&s, argv[optind], &err))
        return cli_fail(&err);
    helby_store *st = NULL;
    int rc = cli_open_store(g, HELBY_OPEN_EXISTING, &st);
    if (rc) {
        helby_survey_free(s);
        return rc;
    }
    int changed = 0;
    if (helby_store_add_survey(st, s, update, &changed, &err)) {
        rc = cli_fail(&err);
    } else if (!g->quiet) {
        printf("%s survey %s (definition %.12s…) from %s\n",
               changed ? (update ? "stored" : "added") : "unchanged:", s->id, s->hash,
               argv[optind]);
    }
    helby_store_close(st);
    helby_survey_free(s);
    return rc;
}

static int survey_list(cli_global *g)
{
    helby_store *st = NULL;
    int rc = cli_open_store(g, HELBY_OPEN_READONLY, &st);
    if (rc)
        return rc;
    helby_error err;
    helby_survey_info *v = NULL;
    size_t n = 0;
    if (helby_store_list_surveys(st, &v, &n, &err)) {
        rc = cli_fail(&err);
    } else if (n == 0) {
        printf("no surveys in %s (add one with `helby survey add DIR`)\n", g->db);
    } else {
        printf("%-16s %6s %12s  %-14s  %s\n", "survey", "waves", "respondents", "definition",
               "updated");
        for (size_t i = 0; i < n; i++)
            printf("%-16s %6lld %12lld  %.12s…  %s\n", v[i].name, (long long)v[i].n_waves,
                   (long long)v[i].n_rows, v[i].def_hash, v[i].updated_at);
    }
    free(v);
    helby_store_close(st);
    return rc;
}

static int survey_show(cli_global *g, const char *id)
{
    helby_store *st = NULL;
    int rc = cli_open_store(g, HELBY_OPEN_READONLY, &st);
    if (rc)
        return rc;
    helby_error err;
    helby_survey *s = NULL;
    if (helby_store_get_survey(st, id, &s, &err)) {
        helby_store_close(st);
        return cli_fail(&err);
    }
    print_definition(s);
    helby_wave_info *w = NULL;
    size_t n = 0;
    if (helby_store_list_waves(st, id, &w, &n, &err) == HELBY_OK) {
        char wave[128];
        printf("  waves:%s\n", n ? "" : " none imported");
        for (size_t i = 0; i < n; i++)
            printf("    %s  %lld respondents  from %s (sha256 %.12s…, %s)\n",
                   cli_wave_name(s, w[i].wave, NULL, wave, sizeof wave), (long long)w[i].n_rows,
                   w[i].file_name, w[i].sha256, w[i].imported_at);
    } else {
        rc = cli_fail(&err);
    }
    free(w);
    helby_survey_free(s);
    helby_store_close(st);
    return rc;
}

static int survey_check(const char *dir)
{
    helby_error err;
    helby_survey *s = NULL;
    helby_error_list errs;
    helby_error_list_init(&errs, 1000);
    helby_status st = helby_survey_check(&s, dir, &errs, &err);
    if (st == HELBY_EINPUT && (errs.count || errs.has_unstored)) {
        /* Every error at once: one run to see all that needs fixing. */
        char buf[2048];
        for (size_t i = 0; i < errs.count; i++)
            fprintf(stderr, "%s\n", helby_error_format(&errs.items[i], buf, sizeof buf));
        if (errs.has_unstored)
            fprintf(stderr, "%s\n", helby_error_format(&errs.unstored, buf, sizeof buf));
        fprintf(stderr, "helby: %zu error%s in %s\n", errs.total, errs.total == 1 ? "" : "s", dir);
        helby_error_list_free(&errs);
        return helby_status_exit_code(st);
    }
    helby_error_list_free(&errs);
    if (st)
        return cli_fail(&err);
    printf("%s: survey %s is valid (definition %s)\n", dir, s->id, s->hash);
    helby_survey_free(s);
    return 0;
}

static int survey_draft(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, 0, 'o'}, {0, 0, 0, 0}};
    const char *dir = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
        if (c == 'o')
            dir = optarg;
        else if (c == ':')
            return cli_usage("survey", "option '%s' needs a value", argv[optind - 1]);
        else
            return cli_usage("survey", "unknown option '%s'", argv[optind - 1]);
    }
    if (!dir)
        return cli_usage("survey", "draft needs -o DIR");
    if (optind >= argc)
        return cli_usage("survey", "draft needs at least one data file");
    helby_error err;
    helby_draft_summary sum;
    if (helby_survey_draft((const char *const *)argv + optind, (size_t)(argc - optind), dir, &sum,
                           &err))
        return cli_fail(&err);
    printf("drafted %s from %zu file%s (%zu rows): %zu variables, %zu TODOs to fill in\n"
           "  next: complete survey.ini, codebook.csv and indices.csv, then\n"
           "  helby survey check %s\n",
           dir, sum.n_files, sum.n_files == 1 ? "" : "s", sum.n_rows, sum.n_vars, sum.n_todo, dir);
    return 0;
}

int cmd_survey(cli_global *g, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("survey", "missing subcommand: add, list, show or check");
    const char *sub = argv[1];
    if (strcmp(sub, "add") == 0)
        return survey_add(g, argc - 1, argv + 1);
    if (strcmp(sub, "list") == 0) {
        if (argc > 2)
            return cli_usage("survey", "list takes no arguments");
        return survey_list(g);
    }
    if (strcmp(sub, "show") == 0) {
        if (argc > 2 && argv[2][0] == '-')
            return cli_usage("survey", "unknown option '%s'", argv[2]);
        if (argc != 3)
            return cli_usage("survey", "show needs one survey id");
        return survey_show(g, argv[2]);
    }
    if (strcmp(sub, "check") == 0) {
        if (argc != 3)
            return cli_usage("survey", "check needs one definition directory");
        return survey_check(argv[2]);
    }
    if (strcmp(sub, "draft") == 0)
        return survey_draft(argc - 1, argv + 1);
    return cli_usage("survey", "unknown subcommand '%s' (add, list, show, check, draft)", sub);
}
