/* test_export.c — export_write.c: a table written as SPSS .sav and Stata .dta is read back by
 * ReadStat's own reader with its values (bit for bit), variable labels and value labels; the
 * file has mode 0600 even when it existed before with another mode; CSV writes the shortest
 * round-trip numbers. */
#include <math.h>
#include <readstat.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "helby/export.h"

#define ROWS 3
static char *ids[ROWS] = {"a-1", "b,2", "c\"3"};
static double waves[ROWS] = {2011, 2011, 2014};
static double groups[ROWS] = {0, 1, NAN};
static double scores[ROWS] = {33.333333333333336, NAN, 0.1};
static const helby_value_label glabels[] = {{0, "Ethnic Danes"}, {1, "Etniske minoriteter æøå"}};

static helby_export_table *table(void)
{
    static helby_export_column cols[4];
    static helby_export_table t;
    memset(cols, 0, sizeof cols);
    cols[0] =
        (helby_export_column){.name = "id", .label = "Respondent id", .is_text = 1, .text = ids};
    cols[1] = (helby_export_column){.name = "wave", .label = "Wave", .num = waves};
    cols[2] = (helby_export_column){
        .name = "group", .label = "Group", .num = groups, .labels = glabels, .n_labels = 2};
    cols[3] = (helby_export_column){.name = "inclusion", .label = "Inclusion index", .num = scores};
    t = (helby_export_table){.n_rows = ROWS, .n_cols = 4, .cols = cols};
    snprintf(t.file_label, sizeof t.file_label, "helby test");
    return &t;
}

/* What the reader saw. */
typedef struct seen {
    int n_vars;
    char names[4][32], labels[4][64], label_sets[4][32];
    char text[ROWS][16];
    double num[4][ROWS];
    int missing[4][ROWS];
    char vlabel[2][64], vset[2][32];
    int n_vlabels;
} seen;

static int on_variable(int index, readstat_variable_t *v, const char *val_labels, void *ctx)
{
    seen *s = ctx;
    snprintf(s->names[index], 32, "%s", readstat_variable_get_name(v));
    const char *l = readstat_variable_get_label(v);
    snprintf(s->labels[index], 64, "%s", l ? l : "");
    snprintf(s->label_sets[index], 32, "%s", val_labels ? val_labels : "");
    s->n_vars++;
    return READSTAT_HANDLER_OK;
}

static int on_value(int obs, readstat_variable_t *v, readstat_value_t value, void *ctx)
{
    seen *s = ctx;
    int i = readstat_variable_get_index(v);
    s->missing[i][obs] = readstat_value_is_missing(value, v);
    if (readstat_value_type(value) == READSTAT_TYPE_STRING)
        snprintf(s->text[obs], 16, "%s", readstat_string_value(value));
    else if (!s->missing[i][obs])
        s->num[i][obs] = readstat_double_value(value);
    return READSTAT_HANDLER_OK;
}

static int on_value_label(const char *set, readstat_value_t value, const char *label, void *ctx)
{
    seen *s = ctx;
    /* .sav names its label sets itself (labels0, ...): the variable says which is its. */
    double v = readstat_double_value(value);
    if (v == 0 || v == 1) {
        snprintf(s->vlabel[(int)v], 64, "%s", label);
        snprintf(s->vset[(int)v], 32, "%s", set);
        s->n_vlabels++;
    }
    return READSTAT_HANDLER_OK;
}

static void read_back(const char *path, helby_export_format fmt, seen *s)
{
    memset(s, 0, sizeof *s);
    readstat_parser_t *p = readstat_parser_init();
    readstat_set_variable_handler(p, on_variable);
    readstat_set_value_handler(p, on_value);
    readstat_set_value_label_handler(p, on_value_label);
    readstat_error_t e =
        fmt == HELBY_EXPORT_SAV ? readstat_parse_sav(p, path, s) : readstat_parse_dta(p, path, s);
    readstat_parser_free(p);
    assert_int_equal(e, READSTAT_OK);
}

static void check_round_trip(helby_export_format fmt, const char *path)
{
    helby_error err;
    /* An existing world-readable file is truncated and made private. */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    chmod(path, 0644);
    assert_int_equal(helby_export_write(table(), path, fmt, &err), HELBY_OK);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    seen s;
    read_back(path, fmt, &s);
    assert_int_equal(s.n_vars, 4);
    assert_string_equal(s.names[2], "group");
    assert_string_equal(s.labels[0], "Respondent id");
    assert_string_equal(s.labels[3], "Inclusion index");
    assert_string_not_equal(s.label_sets[2], "");
    assert_int_equal(s.n_vlabels, 2);
    assert_string_equal(s.vlabel[0], "Ethnic Danes");
    assert_string_equal(s.vlabel[1], "Etniske minoriteter æøå");
    assert_string_equal(s.vset[0], s.label_sets[2]);
    assert_string_equal(s.vset[1], s.label_sets[2]);
    for (int r = 0; r < ROWS; r++) {
        assert_string_equal(s.text[r], ids[r]);
        assert_true(s.num[1][r] == waves[r]);
        assert_int_equal(s.missing[2][r], isnan(groups[r]));
        assert_int_equal(s.missing[3][r], isnan(scores[r]));
        if (!isnan(groups[r]))
            assert_true(s.num[2][r] == groups[r]);
        if (!isnan(scores[r])) /* bit for bit: a double column stays a double */
            assert_memory_equal(&s.num[3][r], &scores[r], sizeof(double));
    }
    unlink(path);
}

static void sav_reads_back_with_labels_and_exact_values(void **state)
{
    (void)state;
    check_round_trip(HELBY_EXPORT_SAV, "test_export.sav");
}

static void dta_reads_back_with_labels_and_exact_values(void **state)
{
    (void)state;
    check_round_trip(HELBY_EXPORT_DTA, "test_export.dta");
}

static void csv_writes_shortest_round_trip_numbers_and_quotes(void **state)
{
    (void)state;
    helby_error err;
    char buf[512] = "";
    FILE *f = fmemopen(buf, sizeof buf, "w");
    assert_int_equal(helby_export_write_csv(table(), f, &err), HELBY_OK);
    fclose(f);
    /* ';' by default, as every helby CSV (issue 24) */
    assert_string_equal(buf, "id;wave;group;inclusion\n"
                             "a-1;2011;0;33.333333333333336\n"
                             "b,2;2011;1;\n"
                             "\"c\"\"3\";2014;;0.1\n");
}

static void format_is_taken_from_name_or_extension(void **state)
{
    (void)state;
    helby_export_format f;
    assert_int_equal(helby_export_format_parse("out/x.dta", &f), 0);
    assert_int_equal(f, HELBY_EXPORT_DTA);
    assert_int_equal(helby_export_format_parse("sav", &f), 0);
    assert_int_equal(f, HELBY_EXPORT_SAV);
    assert_int_equal(helby_export_format_parse("x.xlsx", &f), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sav_reads_back_with_labels_and_exact_values),
        cmocka_unit_test(dta_reads_back_with_labels_and_exact_values),
        cmocka_unit_test(csv_writes_shortest_round_trip_numbers_and_quotes),
        cmocka_unit_test(format_is_taken_from_name_or_extension),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
