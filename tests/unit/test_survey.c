/* test_survey.c — survey definitions (src/lib/survey/survey.c): the Copenhagen example loads with
 * the facts written in surveys/copenhagen/, the hash is stable and content-bound, and each
 * broken definition is refused naming file, line and what is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helby/survey.h"

#define COPENHAGEN HELBY_SOURCE_ROOT "/surveys/copenhagen"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/helby-test-survey-XXXXXX");
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
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "rm -rf '%s' && mkdir -p '%s' && cp '%s'/*.ini '%s'/*.csv '%s'/ && cp -r '%s/margins' "
             "'%s'/",
             out, out, COPENHAGEN, COPENHAGEN, out, COPENHAGEN, out);
    assert_int_equal(system(cmd), 0);
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
    assert_non_null(at);
    f = fopen(path, "wb");
    fwrite(buf, 1, (size_t)(at - buf), f);
    fputs(to, f);
    fputs(at + strlen(from), f);
    fclose(f);
}

static void copenhagen_definition_loads_with_its_indices_and_codes(void **state)
{
    (void)state;
    helby_survey *s = NULL;
    helby_error err;
    assert_int_equal(helby_survey_load(&s, COPENHAGEN, &err), HELBY_OK);
    assert_string_equal(s->id, "copenhagen");
    assert_int_equal(s->n_vars, 23);   /* codebook.csv: 10 design/background + 13 items */
    assert_int_equal(s->n_indices, 2); /* inclusion, safety */
    assert_string_equal(s->indices[0].name, "inclusion");
    assert_int_equal(s->indices[0].n_dims, 3);
    assert_string_equal(s->indices[0].dims[1].name, "influence");
    assert_int_equal(s->indices[0].dims[1].n_items, 3);
    assert_int_equal(s->indices[0].dims[1].min_valid, 2);
    assert_int_equal(s->indices[1].dims[0].n_items, 4);
    assert_int_equal(s->n_shares, 3);
    assert_int_equal(s->n_targets, 2);
    assert_int_equal(s->targets[0].kind, HELBY_TARGET_RELATIVE_GAP_REDUCTION);
    assert_true(s->targets[0].x == 10.0);
    assert_int_equal(s->targets[0].baseline_wave, 2011);
    assert_int_equal(s->n_margins, 4);
    assert_int_equal(s->margins[0].wave, 2011);
    size_t v = helby_survey_find_var(s, "disk_arbejde");
    assert_true(v != HELBY_NO_VAR);
    assert_true(s->vars[v].reverse);
    assert_true(s->vars[v].min == 1 && s->vars[v].max == 4);
    assert_true(helby_variable_is_missing_code(&s->vars[v], 8));
    assert_true(helby_variable_is_missing_code(&s->vars[v], 9));
    assert_false(helby_variable_is_missing_code(&s->vars[v], 4));
    v = helby_survey_find_var(s, "tillid_naboer");
    assert_true(helby_variable_is_missing_code(&s->vars[v], 98));
    assert_false(s->vars[v].reverse);
    const helby_variable *d = &s->vars[s->district_var];
    assert_string_equal(helby_variable_value_label(d, 2), "Østerbro");
    assert_string_equal(helby_variable_value_label(d, 9), "Amager Øst");
    assert_int_equal(s->n_danes_codes, 1);
    assert_int_equal(s->n_minority_codes, 2);
    assert_true(s->minority_codes[0] == 2 && s->minority_codes[1] == 3);
    /* Stratified clusters; no fpc: the example's sample has two stages (MODEL.md). */
    assert_true(s->stratum_var != HELBY_NO_VAR && s->psu_var != HELBY_NO_VAR &&
                s->fpc_var == HELBY_NO_VAR);
    assert_string_equal(s->lonely_psu, "fail");
    assert_int_equal(s->min_cell, 30);
    helby_survey_free(s);
}

static void hash_is_stable_and_survives_the_stores_round_trip(void **state)
{
    (void)state;
    helby_survey *a = NULL, *b = NULL, *c = NULL;
    helby_error err;
    assert_int_equal(helby_survey_load(&a, COPENHAGEN, &err), HELBY_OK);
    assert_int_equal(helby_survey_load(&b, COPENHAGEN, &err), HELBY_OK);
    assert_string_equal(a->hash, b->hash);
    char *blob;
    size_t len;
    assert_int_equal(helby_survey_serialize(a, &blob, &len, &err), HELBY_OK);
    assert_int_equal(helby_survey_from_blob(&c, blob, len, &err), HELBY_OK);
    assert_string_equal(a->hash, c->hash);
    assert_int_equal(c->n_vars, a->n_vars);
    free(blob);
    helby_survey_free(a);
    helby_survey_free(b);
    helby_survey_free(c);
}

static void hash_changes_when_one_byte_of_a_margin_changes(void **state)
{
    (void)state;
    char dir[512];
    copy_definition("onebyte", dir, sizeof dir);
    helby_survey *a = NULL, *b = NULL;
    helby_error err;
    assert_int_equal(helby_survey_load(&a, dir, &err), HELBY_OK);
    edit(dir, "margins/2013.csv", "district;1;", "district;1;1");
    assert_int_equal(helby_survey_load(&b, dir, &err), HELBY_OK);
    assert_string_not_equal(a->hash, b->hash);
    helby_survey_free(a);
    helby_survey_free(b);
}

/* codebook.csv's values_en (surveys/README.md): English value labels beside the Danish ones,
 * found by helby_variable_value_label_lang; a codebook without the column (an older definition)
 * still loads, its English lookups falling back to values; a values_en cell that labels other
 * codes than values is refused at its line and column; the column is part of the hash. */
static void english_value_labels_load_check_and_fall_back(void **state)
{
    (void)state;
    helby_survey *s = NULL, *o = NULL;
    helby_error err;
    assert_int_equal(helby_survey_load(&s, COPENHAGEN, &err), HELBY_OK);
    const helby_variable *g = &s->vars[s->group_var];
    assert_string_equal(helby_variable_value_label_lang(g, 1, "en"), "Danish origin");
    assert_string_equal(helby_variable_value_label_lang(g, 1, "da"), "Dansk oprindelse");
    assert_string_equal(helby_variable_value_label(g, 1), "Dansk oprindelse");
    assert_null(helby_variable_value_label_lang(g, 7, "en"));
    const helby_variable *a = &s->vars[helby_survey_find_var(s, "ageband")];
    assert_string_equal(helby_variable_value_label_lang(a, 4, "en"), "65 years and over");
    const helby_variable *a2 = &s->vars[helby_survey_find_var(s, "ageband2")]; /* derived.csv */
    assert_string_equal(helby_variable_value_label_lang(a2, 2, "en"), "45 years and over");
    /* An older codebook: no values_en column (each line's last field cut off). */
    char dir[512], path[600];
    copy_definition("noen", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/codebook.csv", dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 16], out[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f), k = 0;
    fclose(f);
    buf[n] = '\0';
    for (char *line = buf; *line;) {
        char *end = line + strcspn(line, "\n"), *cut = end;
        while (cut > line && cut[-1] != ';')
            cut--;
        memcpy(out + k, line, (size_t)(cut - line - 1));
        k += (size_t)(cut - line - 1);
        out[k++] = '\n';
        line = *end ? end + 1 : end;
    }
    f = fopen(path, "wb");
    fwrite(out, 1, k, f);
    fclose(f);
    assert_int_equal(helby_survey_load(&o, dir, &err), HELBY_OK);
    g = &o->vars[o->group_var];
    assert_int_equal(g->n_labels_en, 0);
    assert_string_equal(helby_variable_value_label_lang(g, 1, "en"), "Dansk oprindelse");
    assert_string_not_equal(o->hash, s->hash);
    helby_survey_free(o);
    helby_survey_free(s);
    /* origin is line 8 of codebook.csv, values_en its 12th column. */
    static const char *const bad[][3] = {
        {"3=Non-Western immigrants and descendants", "", "code 3 ('Ikke-vestlige"},
        {"|3=Non-Western immigrants and descendants", "|4=Other", "code 4 has an English label"},
        {"1=Danish origin", "1=Danish origin|1=Danes", "code 1 is labelled twice"},
        {"1=Danish origin", "one=Danish origin", "value labels must look like"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        copy_definition("badenglish", dir, sizeof dir);
        edit(dir, "codebook.csv", bad[i][0], bad[i][1]);
        helby_status st = helby_survey_load(&o, dir, &err);
        if (st != HELBY_EINPUT || !strstr(err.file, "codebook.csv") || err.line != 8 ||
            err.column != 12 || !strstr(err.message, bad[i][2]))
            fail_msg("case %zu: status %d, %s:%ld:%ld: %s", i, st, err.file, err.line, err.column,
                     err.message);
    }
    copy_definition("english", dir, sizeof dir);
    assert_int_equal(helby_survey_load(&s, dir, &err), HELBY_OK);
    edit(dir, "codebook.csv", "1=Danish origin", "1=Danes");
    assert_int_equal(helby_survey_load(&o, dir, &err), HELBY_OK);
    assert_string_not_equal(o->hash, s->hash);
    assert_string_equal(helby_variable_value_label_lang(&o->vars[o->group_var], 1, "en"), "Danes");
    helby_survey_free(o);
    helby_survey_free(s);
}

static void damaged_blob_is_refused(void **state)
{
    (void)state;
    helby_survey *s = NULL;
    helby_error err;
    const char *bad = "helby-survey 1\nfile survey.ini 99999\nshort\n";
    assert_int_equal(helby_survey_from_blob(&s, bad, strlen(bad), &err), HELBY_EINPUT);
    assert_null(s);
    assert_int_equal(helby_survey_from_blob(&s, "garbage", 7, &err), HELBY_EINPUT);
}

typedef struct broken {
    const char *file, *from, *to;
    long line;          /* expected line (0 = none) */
    const char *phrase; /* in the message */
} broken;

/* Each case breaks one rule of surveys/README.md in a copy of the example. */
static const broken cases[] = {
    {"codebook.csv", "tryg_dag;Tryghed", "tryg_aften;Tryghed", 22, "defined twice"},
    {"codebook.csv", ";item;code;1;5;8|9;0;1;1=Ingen|2=Lille",
     ";item;code;5;1;8|9;0;1;1=Ingen|2=Lille", 15, "must be below"},
    {"codebook.csv", "tillid_politi;Tillid til politiet;Trust in the police;item",
     "tillid_politi;Tillid til politiet;Trust in the police;itme", 19, "unknown role"},
    {"codebook.csv", "weight;Designvægt;Design weight;weight;real",
     "weight;Designvægt;Design weight;weight;double", 6, "unknown type"},
    {"codebook.csv", "1;2;8|9;0;1;1=Ja|2=Nej|8=Ved ikke", "1;2;2|9;0;1;1=Ja|2=Nej|8=Ved ikke", 12,
     "inside the valid range"},
    {"indices.csv", "inclusion;;;;trust;;;;;tillid_politi;1",
     "inclusion;;;;trust;;;;;tillid_pollti;1", 9, "not in codebook"},
    {"indices.csv", "safety_items;Tryghed;Safety;1;3;", "safety_items;Tryghed;Safety;1;5;", 0,
     "more than the dimension's 4 items"},
    {"indices.csv", "inclusion;Inklusionsindeks;Inclusion index;arithmetic",
     "inclusion;Inklusionsindeks;Inclusion index;harmonic", 2, "aggregation"},
    {"survey.ini", "minorities = 2, 3", "minorities = 1, 3", 23,
     "both ethnic Danes and minorities"},
    {"survey.ini", "minorities = 2, 3", "minorities = 2, 7", 23, "no value label"},
    {"survey.ini", "weight = weight", "weight = vaegt", 15, "not in codebook.csv"},
    {"survey.ini", "lonely_psu = fail", "lonely_psu = ignore", 17, "lonely_psu must be"},
    {"survey.ini", "[report]", "[reprot]", 28, "unknown section"},
    {"survey.ini", "min_cell = 30", "min_sell = 30", 29, "unknown key"},
    {"targets.csv", "inclusion;relative_gap_reduction;10;minorities;2011",
     "inclusion;relative_gap_reduction;10;minorities;2010", 2, "baseline wave"},
    {"targets.csv", "safety;change_positive", "safetyy;change_positive", 3, "not an index"},
    {"shares.csv", "disk_12m;1", "disk_12m;7", 2, "not a valid answer"},
    {"margins/2012.csv", "district;3;", "district;11;", 4, "not a code of district"},
    {"margins/2012.csv", "sex*ageband;1*2;", "sex*ageband;1*9;", 0, "not a code of ageband"},
    {"margins/2014.csv", "origin;2;", "origin;2;-", 13, "positive number"},
    {"sensitivity.csv", "inclusion;weight;influence;0.5..1.5", "inclusion;weight;influence;2..1", 3,
     "0 <= low < high"},
    {"sensitivity.csv", "inclusion;weight;trust;", "inclusion;weight;tryst;", 4,
     "not a dimension of index inclusion"},
    {"sensitivity.csv", "arithmetic|geometric", "arithmetic|harmonic", 5, "aggregation must be"},
    {"sensitivity.csv", "discrimination;1|2|3", "discrimination;1|2|4", 6, "from 1 to the 3 items"},
    {"sensitivity.csv", "safety;drop_item;;*", "safety;drop_item;;disk_12m", 9,
     "not an item of safety"},
    {"sensitivity.csv", "safety;min_valid;safety_items", "safety;minvalid;safety_items", 8,
     "choice must be"},
    {"sensitivity.csv", "safety;drop_item;;*", "safety;min_valid;safety_items;3", 9,
     "same choice is given on line 8"},
    {"sensitivity.csv", "inclusion;weight;trust", "inclusion;weight;", 4, "names a dimension"},
};

static void each_broken_definition_is_refused_where_it_is_broken(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[32], dir[512];
        snprintf(name, sizeof name, "broken%zu", i);
        copy_definition(name, dir, sizeof dir);
        edit(dir, cases[i].file, cases[i].from, cases[i].to);
        helby_survey *s = NULL;
        helby_error err;
        helby_status st = helby_survey_load(&s, dir, &err);
        if (st != HELBY_EINPUT || !strstr(err.file, cases[i].file) ||
            (cases[i].line && err.line != cases[i].line) || !strstr(err.message, cases[i].phrase))
            fail_msg("case %zu (%s: %s -> %s): status %d, %s:%ld: %s", i, cases[i].file,
                     cases[i].from, cases[i].to, st, err.file, err.line, err.message);
        assert_null(s);
    }
}

static void a_missing_directory_or_file_is_named(void **state)
{
    (void)state;
    helby_survey *s = NULL;
    helby_error err;
    assert_int_equal(helby_survey_load(&s, "/nonexistent/survey", &err), HELBY_EINPUT);
    assert_non_null(strstr(err.file, "/nonexistent/survey"));
    char dir[512], path[600];
    copy_definition("nocodebook", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/codebook.csv", dir);
    unlink(path);
    assert_int_equal(helby_survey_load(&s, dir, &err), HELBY_EINPUT);
    assert_non_null(strstr(err.file, "codebook.csv"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(copenhagen_definition_loads_with_its_indices_and_codes),
        cmocka_unit_test(hash_is_stable_and_survives_the_stores_round_trip),
        cmocka_unit_test(hash_changes_when_one_byte_of_a_margin_changes),
        cmocka_unit_test(english_value_labels_load_check_and_fall_back),
        cmocka_unit_test(damaged_blob_is_refused),
        cmocka_unit_test(each_broken_definition_is_refused_where_it_is_broken),
        cmocka_unit_test(a_missing_directory_or_file_is_named),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
