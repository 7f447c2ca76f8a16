/*
 * A program outside the tree, built by tests/install/test_install.py against the
 * installed headers and library (pkg-config helby): it opens an in-memory store,
 * adds the survey definition in argv[1], imports the response file argv[2] and
 * prints "survey WAVE ROWS" and one "group CODE N" line per group, which the
 * test compares with its own count of the file.
 */
#include <helby/helby.h>

#include <stdio.h>
#include <stdlib.h>

static int fail(const char *what, const helby_error *err)
{
    char buf[2048];
    fprintf(stderr, "%s: %s\n", what, helby_error_format(err, buf, sizeof buf));
    return 1;
}

static int run(helby_store *st, const char *dir, const char *csv, helby_error *err)
{
    helby_survey *s = NULL;
    if (helby_survey_load(&s, dir, err) != HELBY_OK)
        return fail("survey", err);
    helby_import_options opt;
    helby_import_options_default(&opt);
    helby_import_summary sum = {0};
    helby_error_list errs;
    helby_error_list_init(&errs, 10);
    int rc = 0;
    if (helby_store_add_survey(st, s, 0, NULL, err) != HELBY_OK)
        rc = fail("add", err);
    else if (helby_import_file(st, s, csv, &opt, &sum, &errs, err) != HELBY_OK)
        rc = fail("import", err);
    helby_wave_info *waves = NULL;
    size_t n = 0;
    if (rc == 0 && helby_store_list_waves(st, s->id, &waves, &n, err) != HELBY_OK)
        rc = fail("waves", err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        printf("%s %ld %lld\n", s->id, waves[i].wave, (long long)waves[i].n_rows);
    for (size_t i = 0; rc == 0 && i < sum.n_groups; i++)
        printf("group %g %zu\n", sum.groups[i].code, sum.groups[i].n);
    free(waves);
    helby_import_summary_free(&sum);
    helby_error_list_free(&errs);
    helby_survey_free(s);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s SURVEY_DIR RESPONSES.csv\n", argv[0]);
        return 2;
    }
    helby_error err;
    helby_error_clear(&err);
    helby_store *st = NULL;
    if (helby_store_open(&st, ":memory:", HELBY_OPEN_CREATE, &err) != HELBY_OK)
        return fail("store", &err);
    int rc = run(st, argv[1], argv[2], &err);
    helby_store_close(st);
    return rc;
}
