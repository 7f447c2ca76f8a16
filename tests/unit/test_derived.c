/* test_derived.c — derived.csv and standard.csv of a survey definition (src/lib/survey/survey.c,
 * surveys/README.md): the example's load as written there; each broken file is refused naming
 * file, line and column; both files are part of the definition's hash; a derived variable's
 * values, on hand-made answers with the expected codes written out here, come out of
 * helby_dataset_open (src/lib/analysis/dataset.c) and through the model matrix of regress.h
 * (which finds variables with helby_survey_find_var, as every codebook lookup does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helby/analysis.h"
#include "helby/ingest.h"
#include "helby/regress.h"
#include "helby/survey.h"

#define COPENHAGEN HELBY_SOURCE_ROOT "/surveys/copenhagen"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/helby-test-derived-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd);
}

/* A copy of the Copenhagen definition (without example data) in tmpdir/name. */
static void copy_definition(const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", tmpdir, name);
    char cmd[1024];
    int len = snprintf(cmd, sizeof cmd,
                       "rm -rf '%s' && mkdir -p '%s' && cp '%s'/*.ini '%s'/*.csv '%s'/ && cp -r "
                       "'%s/margins' '%s'/",
                       out, out, COPENHAGEN, COPENHAGEN, out, COPENHAGEN, out);
    assert_true(len < (int)sizeof cmd);
    assert_int_equal(system(cmd), 0);
}

static void write_file(const char *dir, const char *file, const char *text)
{
    char path[512];
    assert_true(snprintf(path, sizeof path, "%s/%s", dir, file) < (int)sizeof path);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Replace the first occurrence of `from` in dir/file by `to`. */
static void edit(const char *dir, const char *file, const char *from, const char *to)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *at = strstr(buf, from);
    if (!at)
        fail_msg("'%s' is not in %s", from, file);
    f = fopen(path, "wb");
    fwrite(buf, 1, (size_t)(at - buf), f);
    fputs(to, f);
    fputs(at + strlen(from), f);
    fclose(f);
}

static void the_examples_derived_variables_and_standard_load_as_written(void **state)
{
    (void)state;
    helby_survey *s = NULL;
    helby_error err;
    assert_int_equal(helby_survey_load(&s, COPENHAGEN, &err), HELBY_OK);
    assert_int_equal(s->n_vars, 23); /* the codebook's columns only */
    assert_int_equal(s->n_derived, 2);
    size_t v = helby_survey_find_var(s, "ageband2");
    assert_int_equal(v, s->n_vars + 1);
    const helby_variable *a2 = &s->vars[v];
    assert_int_equal(a2->type, HELBY_TYPE_CODE);
    assert_int_equal(a2->role, HELBY_ROLE_COVARIATE);
    assert_string_equal(a2->label_en, "Age band (two groups)");
    assert_string_equal(helby_variable_value_label(a2, 1), "18-44 år");
    assert_string_equal(helby_variable_value_label(a2, 2), "45 år og derover");
    assert_true(a2->has_range && a2->min == 1 && a2->max == 2);
    const helby_derived *d = helby_survey_derived(s, "ageband2");
    assert_ptr_equal(d, &s->derived[1]);
    assert_int_equal(d->kind, HELBY_DERIVED_BANDS);
    assert_int_equal(d->var, v);
    assert_int_equal(d->source, helby_survey_find_var(s, "ageband"));
    assert_int_equal(d->line, 3);
    const helby_derived *o2 = helby_survey_derived(s, "origin2");
    assert_int_equal(o2->kind, HELBY_DERIVED_MERGE);
    assert_string_equal(helby_variable_value_label(&s->vars[o2->var], 2),
                        "Indvandrere og efterkommere");
    assert_null(helby_survey_derived(s, "ageband")); /* a codebook variable */
    assert_null(helby_survey_derived(s, "nosuch"));
    /* standard.csv: sex x ageband, the cells in file order. */
    const helby_standard *sd = helby_survey_standard(s);
    assert_non_null(sd);
    assert_int_equal(sd->n_vars, 2);
    assert_string_equal(sd->vars[0], "sex");
    assert_string_equal(sd->vars[1], "ageband");
    assert_int_equal(sd->n_cells, 8);
    const double codes[8][2] = {{1, 1}, {1, 2}, {1, 3}, {1, 4}, {2, 1}, {2, 2}, {2, 3}, {2, 4}};
    const double pop[8] = {64000, 70000, 50000, 24000, 70000, 66000, 49000, 33000};
    for (size_t c = 0; c < 8; c++) {
        assert_true(sd->codes[2 * c] == codes[c][0] && sd->codes[2 * c + 1] == codes[c][1]);
        assert_true(sd->population[c] == pop[c]);
    }
    helby_survey_free(s);
}

/* The derived.csv of the value tests: bands on a real source with negative, open and
 * single bounds, bands on a code source with missing codes, a merge leaving a code missing. */
static const char derived_values[] =
    "variable;label_da;label_en;source;kind;rule;values\n"
    "fpcband;Klynger;Clusters;fpc;bands;-5--1|0-10|10.5-20|21-;\n"
    "fpclow;Klynger;Clusters;fpc;bands;-3|4|5-;\n"
    "trust3;Tillid;Trust;tillid_naboer;bands;0-4|5-7|8-;1=lav|2=middel|3=høj\n"
    "origin3;Herkomst;Origin;origin;merge;1=1|2=2|3=;1=dansk|2=vestlig\n"
    "origin2;Herkomst;Origin;origin;merge;1=1|2,3=2;1=dansk|2=minoritet\n";

static double value(const helby_survey *s, const char *name, double x)
{
    const helby_derived *d = helby_survey_derived(s, name);
    assert_non_null(d);
    return helby_derived_value(s, d, x);
}

static void derived_values_follow_the_rules_and_missing_stays_missing(void **state)
{
    (void)state;
    char dir[512];
    copy_definition("values", dir, sizeof dir);
    write_file(dir, "derived.csv", derived_values);
    helby_survey *s = NULL;
    helby_error err;
    if (helby_survey_load(&s, dir, &err))
        fail_msg("%s:%ld:%ld: %s", err.file, err.line, err.column, err.message);
    assert_int_equal(s->n_derived, 5);
    /* Real source: inclusive bounds; a value between two bands is in none (missing). */
    const double x[] = {-5, -1, -0.5, 0, 10, 10.2, 10.5, 20, 20.7, 21, 1e9, -6};
    const double want[] = {1, 1, NAN, 2, 2, NAN, 3, 3, NAN, 4, 4, NAN};
    for (size_t k = 0; k < sizeof x / sizeof x[0]; k++) {
        double got = value(s, "fpcband", x[k]);
        if (!(got == want[k] || (isnan(got) && isnan(want[k]))))
            fail_msg("fpcband(%g) = %g, want %g", x[k], got, want[k]);
    }
    assert_true(isnan(value(s, "fpcband", NAN)));
    /* "-3" is 3 and below, "4" is 4 only. */
    assert_true(value(s, "fpclow", -100) == 1 && value(s, "fpclow", 3) == 1);
    assert_true(isnan(value(s, "fpclow", 3.5)) && value(s, "fpclow", 4) == 2);
    assert_true(value(s, "fpclow", 5) == 3);
    /* Labels of bands without values: the bands' text. */
    const helby_variable *fb = &s->vars[helby_survey_find_var(s, "fpcband")];
    assert_string_equal(helby_variable_value_label(fb, 1), "-5--1");
    assert_string_equal(helby_variable_value_label(fb, 3), "10.5-20");
    assert_string_equal(helby_variable_value_label(fb, 4), "21+");
    const helby_variable *fl = &s->vars[helby_survey_find_var(s, "fpclow")];
    assert_string_equal(helby_variable_value_label(fl, 1), "≤3");
    assert_string_equal(helby_variable_value_label(fl, 2), "4");
    /* Code source 0-10 with missing codes 98|99. */
    assert_true(value(s, "trust3", 0) == 1 && value(s, "trust3", 4) == 1);
    assert_true(value(s, "trust3", 5) == 2 && value(s, "trust3", 7) == 2);
    assert_true(value(s, "trust3", 8) == 3 && value(s, "trust3", 10) == 3);
    assert_true(isnan(value(s, "trust3", 98)) && isnan(value(s, "trust3", 99)));
    /* Merges. */
    assert_true(value(s, "origin3", 1) == 1 && value(s, "origin3", 2) == 2);
    assert_true(isnan(value(s, "origin3", 3)));
    assert_true(value(s, "origin2", 1) == 1 && value(s, "origin2", 2) == 2 &&
                value(s, "origin2", 3) == 2);
    /* origin3's codes 1 and 2 are consecutive: a range; fpcband's 1..4 too. */
    const helby_variable *o3 = &s->vars[helby_survey_find_var(s, "origin3")];
    assert_true(o3->has_range && o3->min == 1 && o3->max == 2 && o3->n_labels == 2);
    helby_survey_free(s);
}

typedef struct broken {
    const char *file, *from, *to;
    long line, column;  /* expected place (0 = none) */
    const char *phrase; /* in the message */
} broken;

/* Each case breaks one rule of surveys/README.md in a copy of the example. derived.csv:
 * line 2 origin2, line 3 ageband2; columns variable 1, label_da 2, label_en 3, source 4,
 * kind 5, rule 6, values 7. standard.csv: a comment on line 2, cells on lines 3-10. */
static const broken cases[] = {
    {"derived.csv", "2,3=2", "2=2", 2, 6, "code 3 of origin is not merged"},
    {"derived.csv", "2,3=2", "2,3,8=2", 2, 6, "8 is not a code of origin"},
    {"derived.csv", "1=1|2,3=2", "1=1|1=3|2,3=2", 2, 6, "code 1 of origin is merged twice"},
    {"derived.csv", "1=1|2,3=2", "1=|2,3=", 2, 6, "leaves every code missing"},
    {"derived.csv", "1=1|2,3=2", "1=1.5|2,3=2", 2, 6, "a merge is 'CODES=CODE"},
    {"derived.csv", "1-2|3-4", "1-2|2-4", 3, 6, "without overlapping"},
    {"derived.csv", "1-2|3-4", "3-4|1-2", 3, 6, "without overlapping"},
    {"derived.csv", "1-2|3-4", "1-2|4", 3, 6, "code 3 of ageband is in no band"},
    {"derived.csv", "1-2|3-4", "1-2|3-x", 3, 6, "a band is LOW-HIGH"},
    {"derived.csv", "1-2|3-4", "2-1|3-4", 3, 6, "runs downwards"},
    {"derived.csv", ";origin;merge", ";origin3;merge", 2, 4, "not a variable of codebook.csv"},
    {"derived.csv", ";origin;merge", ";resp_id;merge", 2, 4, "text variable"},
    {"derived.csv", ";origin;merge", ";weight;bands", 2, 4, "design column"},
    {"derived.csv", ";ageband;bands", ";origin2;bands", 3, 4, "is a derived variable (line 2)"},
    {"derived.csv", "origin2;Herkomst", "sex;Herkomst", 2, 1, "variable of codebook.csv already"},
    {"derived.csv", "origin2;Herkomst", "group;Herkomst", 2, 1, "names a role"},
    {"derived.csv", "origin2;Herkomst", "inclusion;Herkomst", 2, 1, "index, dimension or share"},
    {"derived.csv", "ageband2;Alder", "origin2;Alder", 3, 1, "defined twice (also on line 2)"},
    {"derived.csv", "origin2;Herkomst", "origin 2;Herkomst", 2, 1, "variable names may hold"},
    {"derived.csv", ";ageband;bands", ";ageband;band", 3, 5, "kind must be bands or merge"},
    {"derived.csv", ";origin;merge;1=1|2,3=2", ";fpc;merge;1=1|2,3=2", 2, 5,
     "a merge needs a code variable"},
    {"derived.csv", "2=Indvandrere og efterkommere", "3=Indvandrere", 2, 7,
     "code 3 is labelled, but the rule makes no code 3"},
    {"derived.csv", "|2=Indvandrere og efterkommere", "", 2, 7, "code 2 has no label"},
    {"derived.csv", ";ageband;bands;1-2|3-4;", ";disk_12m;merge;1=1|2,8=2;", 3, 6,
     "8 is a missing code of disk_12m"},
    {"derived.csv", "source;kind;rule", "source;kind;regel", 1, 0, "required column"},
    {"standard.csv", "2;4;33000", "2;5;33000", 10, 2, "'5' is not a code of ageband"},
    {"standard.csv", "2;4;33000", "2;3;33000", 10, 1, "given on line 9 already"},
    {"standard.csv", "2;4;33000", "2;4;0", 10, 3, "population must be a positive number"},
    {"standard.csv", "2;4;33000", "2;4;1e999", 10, 3, "population must be a positive number"},
    {"standard.csv", "2;4;33000", "#", 0, 0, "no row for the cell sex=2, ageband=4"},
    {"standard.csv", "sex;ageband;population", "sexx;ageband;population", 1, 1,
     "'sexx' is not a code variable"},
    {"standard.csv", "sex;ageband;population", "weight;ageband;population", 1, 1,
     "'weight' is not a code variable"},
    {"standard.csv", "sex;ageband;population", "origin;ageband;population", 1, 1,
     "origin is the group"},
    {"standard.csv", "sex;ageband;population", "sex;population;ageband", 1, 2,
     "population is the last column"},
    {"standard.csv", "sex;ageband;population", "sex;sex;population", 1, 2, "named twice"},
    {"standard.csv", "sex;ageband;population", "sex;ageband;pop", 1, 0, "required column"},
};

static void each_broken_file_is_refused_at_its_line_and_column(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[32], dir[512];
        snprintf(name, sizeof name, "broken%zu", i);
        copy_definition(name, dir, sizeof dir);
        edit(dir, cases[i].file, cases[i].from, cases[i].to);
        helby_survey *s = NULL;
        helby_error err;
        helby_error_clear(&err);
        helby_status st = helby_survey_load(&s, dir, &err);
        if (st != HELBY_EINPUT || !strstr(err.file, cases[i].file) || err.line != cases[i].line ||
            err.column != cases[i].column || !strstr(err.message, cases[i].phrase))
            fail_msg("case %zu (%s: %s -> %s): status %d, %s:%ld:%ld: %s", i, cases[i].file,
                     cases[i].from, cases[i].to, st, err.file, err.line, err.column, err.message);
        assert_null(s);
        /* survey check reports the same first error. */
        helby_error_list errs;
        helby_error_list_init(&errs, 10);
        assert_int_equal(helby_survey_check(&s, dir, &errs, &err), HELBY_EINPUT);
        assert_true(errs.count >= 1 && strstr(errs.items[0].message, cases[i].phrase));
        helby_error_list_free(&errs);
    }
}

static void a_standard_over_a_derived_variable_and_no_standard(void **state)
{
    (void)state;
    char dir[512], path[600];
    copy_definition("std_derived", dir, sizeof dir);
    write_file(dir, "standard.csv", "ageband2;sex;population\n2;2;40\n1;1;10\n1;2;20\n2;1;30.5\n");
    helby_survey *s = NULL;
    helby_error err;
    if (helby_survey_load(&s, dir, &err))
        fail_msg("%s:%ld:%ld: %s", err.file, err.line, err.column, err.message);
    const helby_standard *sd = helby_survey_standard(s);
    assert_non_null(sd);
    assert_string_equal(sd->vars[0], "ageband2");
    assert_int_equal(sd->n_cells, 4);
    assert_true(sd->codes[0] == 2 && sd->codes[1] == 2 && sd->population[0] == 40);
    assert_true(sd->codes[6] == 2 && sd->codes[7] == 1 && sd->population[3] == 30.5);
    helby_survey_free(s);
    snprintf(path, sizeof path, "%s/standard.csv", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/derived.csv", dir);
    unlink(path);
    assert_int_equal(helby_survey_load(&s, dir, &err), HELBY_OK);
    assert_null(helby_survey_standard(s));
    assert_int_equal(s->n_derived, 0);
    assert_int_equal(helby_survey_find_var(s, "ageband2"), HELBY_NO_VAR);
    helby_survey_free(s);
}

static void both_files_are_part_of_the_hash_and_the_stored_copy(void **state)
{
    (void)state;
    char dir[512], path[600];
    helby_survey *a = NULL, *b = NULL, *c = NULL, *e = NULL;
    helby_error err;
    copy_definition("hash", dir, sizeof dir);
    assert_int_equal(helby_survey_load(&a, dir, &err), HELBY_OK);
    edit(dir, "derived.csv", "45 år og derover", "45 år og ældre");
    assert_int_equal(helby_survey_load(&b, dir, &err), HELBY_OK);
    assert_string_not_equal(a->hash, b->hash);
    edit(dir, "standard.csv", "2;4;33000", "2;4;33001");
    assert_int_equal(helby_survey_load(&c, dir, &err), HELBY_OK);
    assert_string_not_equal(b->hash, c->hash);
    snprintf(path, sizeof path, "%s/standard.csv", dir);
    unlink(path);
    assert_int_equal(helby_survey_load(&e, dir, &err), HELBY_OK);
    assert_string_not_equal(c->hash, e->hash);
    /* The store's copy holds both files and loads to the same derived variables. */
    char *blob;
    size_t len;
    assert_int_equal(helby_survey_serialize(a, &blob, &len, &err), HELBY_OK);
    assert_non_null(strstr(blob, "\nfile derived.csv "));
    assert_non_null(strstr(blob, "\nfile standard.csv "));
    helby_survey *r = NULL;
    assert_int_equal(helby_survey_from_blob(&r, blob, len, &err), HELBY_OK);
    assert_string_equal(r->hash, a->hash);
    assert_int_equal(r->n_derived, 2);
    assert_int_equal(helby_survey_standard(r)->n_cells, 8);
    free(blob);
    helby_survey_free(r);
    helby_survey_free(a);
    helby_survey_free(b);
    helby_survey_free(c);
    helby_survey_free(e);
}

/* Hand-made answers for the example's codebook: four respondents of wave 2011 and two of
 * 2012, whose file has no column tillid_naboer (made optional in the copy). */
static const char wave_header[] =
    "resp_id;wave;stratum;psu;weight;fpc;origin;district;sex;ageband;disk_12m;disk_arbejde;"
    "disk_offentlig;indfl_lokal;indfl_kommune;indfl_folketing;%stillid_politi;"
    "tillid_kommune;tryg_dag;tryg_aften;tryg_kvarter;tryg_kriminalitet\n";
static const char *const rows_2011[] = {
    "a1;2011;s1;p1;10;5;1;1;1;1;1;1;1;1;1;1;0;1;1;1;1;1;1\n",
    "a2;2011;s1;p1;10;5;2;1;2;2;1;1;1;1;1;1;98;1;1;1;1;1;1\n",
    "a3;2011;s2;p2;20;5;3;2;1;3;1;1;1;1;1;1;7;1;1;1;1;1;1\n",
    "a4;2011;s2;p3;20;5;1;2;2;4;1;1;1;1;1;1;;1;1;1;1;1;1\n",
};
static const char *const rows_2012[] = {
    "b1;2012;s1;p1;10;5;3;1;1;4;1;1;1;1;1;1;1;1;1;1;1;1\n",
    "b2;2012;s1;p2;10;5;1;1;2;2;1;1;1;1;1;1;1;1;1;1;1;1\n",
};

static void import_rows(helby_store *st, const helby_survey *s, const char *name,
                        const char *const *rows, size_t n, const char *trust_col)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fprintf(f, wave_header, trust_col);
    for (size_t r = 0; r < n; r++)
        fputs(rows[r], f);
    fclose(f);
    helby_import_options o;
    helby_import_options_default(&o);
    o.dialect.delimiter = ';';
    o.dialect.decimal = '.';
    helby_import_summary sum;
    helby_error_list errs;
    helby_error err;
    helby_error_list_init(&errs, 10);
    helby_status rc = helby_import_file(st, s, path, &o, &sum, &errs, &err);
    if (rc)
        fail_msg("import %s: %s:%ld: %s", name, err.file, err.line, err.message);
    helby_import_summary_free(&sum);
    helby_error_list_free(&errs);
}

static void check_col(const helby_dataset *D, const char *name, const double *want)
{
    const double *x = helby_dataset_col(D, name);
    assert_non_null(x);
    for (size_t k = 0; k < D->n; k++)
        if (!(x[k] == want[k] || (isnan(x[k]) && isnan(want[k]))))
            fail_msg("%s row %zu: %g, want %g", name, k + 1, x[k], want[k]);
}

/* The model matrix of 'inclusion ~ ageband2 + origin2' over wave 2011's rows. */
static void check_model_matrix(const helby_dataset *D)
{
    helby_formula fo;
    helby_error err;
    assert_int_equal(helby_formula_parse("inclusion ~ ageband2 + origin2", &fo, &err), HELBY_OK);
    const char *load[8];
    assert_int_equal(helby_formula_columns(D->survey, &fo, load, 8, &err), 2);
    assert_string_equal(load[0], "ageband2");
    assert_string_equal(load[1], "origin2");
    unsigned char in[6] = {1, 1, 1, 1, 0, 0};
    helby_model_matrix m;
    if (helby_model_matrix_build(D, &fo, in, &m, &err))
        fail_msg("model matrix: %s", err.message);
    assert_int_equal(m.p, 3);
    assert_string_equal(m.names[1], "ageband2=2");
    assert_string_equal(m.names[2], "origin2=2");
    const double X[4][3] = {{1, 0, 0}, {1, 0, 1}, {1, 1, 1}, {1, 1, 0}};
    for (size_t k = 0; k < 4; k++)
        for (size_t j = 0; j < 3; j++)
            if (m.X[k * m.p + j] != X[k][j])
                fail_msg("X[%zu][%zu] = %g, want %g", k, j, m.X[k * m.p + j], X[k][j]);
    helby_model_matrix_free(&m);
}

static void a_dataset_materialises_derived_columns_from_their_source(void **state)
{
    (void)state;
    char dir[512];
    copy_definition("dataset", dir, sizeof dir);
    edit(dir, "derived.csv", "\nageband2;",
         "\ntrust3;Tillid;Trust;tillid_naboer;bands;0-4|5-7|8-;1=lav|2=middel|3=høj\nageband2;");
    edit(dir, "codebook.csv", "98|99;0;1;0=Ingen tillid", "98|99;0;0;0=Ingen tillid");
    helby_survey *s = NULL;
    helby_store *st = NULL;
    helby_error err;
    if (helby_survey_load(&s, dir, &err))
        fail_msg("%s:%ld:%ld: %s", err.file, err.line, err.column, err.message);
    assert_int_equal(helby_store_open(&st, ":memory:", HELBY_OPEN_CREATE, &err), HELBY_OK);
    assert_int_equal(helby_store_add_survey(st, s, 0, NULL, &err), HELBY_OK);
    import_rows(st, s, "w2011.csv", rows_2011, 4, "tillid_naboer;");
    import_rows(st, s, "w2012.csv", rows_2012, 2, "");
    const char *vars[] = {"ageband2", "origin2", "trust3", "ageband", "tillid_naboer"};
    helby_dataset *D = NULL;
    if (helby_dataset_open(&D, st, s, NULL, 0, vars, 5, &err))
        fail_msg("dataset: %s", err.message);
    assert_int_equal(D->n, 6);
    /* Expected codes by hand from the rows above (wave 2011, then 2012). */
    const double ageband2[] = {1, 1, 2, 2, 2, 1};
    const double origin2[] = {1, 2, 2, 1, 2, 1};
    const double trust3[] = {1, NAN, 2, NAN, NAN, NAN}; /* 0, 98, 7, empty; absent in 2012 */
    const double ageband[] = {1, 2, 3, 4, 4, 2};
    check_col(D, "ageband2", ageband2);
    check_col(D, "origin2", origin2);
    check_col(D, "trust3", trust3);
    check_col(D, "ageband", ageband);
    /* trust3 and its source are absent from wave 2012's file alike. */
    assert_int_equal(D->absent[2 * D->n_waves + 1], 1);
    assert_int_equal(D->absent[4 * D->n_waves + 1], 1);
    assert_int_equal(D->absent[2 * D->n_waves + 0], 0);
    check_model_matrix(D);
    helby_dataset_free(D);
    helby_store_close(st);
    helby_survey_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_examples_derived_variables_and_standard_load_as_written),
        cmocka_unit_test(derived_values_follow_the_rules_and_missing_stays_missing),
        cmocka_unit_test(each_broken_file_is_refused_at_its_line_and_column),
        cmocka_unit_test(a_standard_over_a_derived_variable_and_no_standard),
        cmocka_unit_test(both_files_are_part_of_the_hash_and_the_stored_copy),
        cmocka_unit_test(a_dataset_materialises_derived_columns_from_their_source),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
