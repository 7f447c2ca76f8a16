/* test_ingest.c — validation and all-or-nothing import (src/lib/ingest/ingest.c). Small response
 * files are written out in each test, so every expected count can be read off them. */
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

#include "helby/ingest.h"

#define COPENHAGEN HELBY_SOURCE_ROOT "/surveys/copenhagen"
#define HEADER                                                                                     \
    "resp_id;wave;stratum;psu;weight;fpc;origin;district;sex;ageband;disk_12m;disk_arbejde;"       \
    "disk_offentlig;indfl_lokal;indfl_kommune;indfl_folketing;tillid_naboer;tillid_politi;"        \
    "tillid_kommune;tryg_dag;tryg_aften;tryg_kvarter;tryg_kriminalitet\r\n"

/* Four respondents in two strata, three PSUs; r3 skips two items (empty, code 9). */
static const char good[] =
    "\xEF\xBB\xBF" HEADER "r1;2013;A;p1;10,5;40;1;2;1;1;2;1;1;3;3;5;7;4;3;1;2;8;2\r\n"
    "r2;2013;A;p2;10,5;40;3;2;2;2;1;2;3;2;2;98;5;3;2;2;4;4;1\r\n"
    "r3;2013;B;p3;20;0,25;2;9;1;3;;1;1;4;4;6;6;9;4;1;1;9;2\r\n"
    "r4;2013;B;p3;20;0,25;3;9;2;4;2;1;1;5;5;10;10;5;4;1;1;10;2\r\n";

static helby_survey *survey;

static int setup(void **state)
{
    (void)state;
    helby_error err;
    return helby_survey_load(&survey, COPENHAGEN, &err) == HELBY_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    helby_survey_free(survey);
    return 0;
}

static helby_status validate(const char *text, size_t len, helby_frame **f,
                             helby_import_summary *sum, helby_error_list *errs)
{
    helby_error err;
    helby_error_list_init(errs, 50);
    return helby_validate_buffer(survey, (const unsigned char *)text, len, "t.csv", NULL, f, sum,
                                 errs, &err);
}

static void valid_file_becomes_a_frame_with_codes_kept(void **state)
{
    (void)state;
    helby_frame *f;
    helby_import_summary sum;
    helby_error_list errs;
    assert_int_equal(validate(good, sizeof good - 1, &f, &sum, &errs), HELBY_OK);
    assert_int_equal(errs.total, 0);
    assert_int_equal(f->n_rows, 4);
    assert_int_equal(f->wave, 2013);
    assert_int_equal(f->n_cols, 23);
    const helby_column *w = helby_frame_col(f, "weight");
    assert_true(w->num[0] == 10.5 && w->num[2] == 20); /* decimal comma read */
    const helby_column *d = helby_frame_col(f, "disk_12m");
    assert_true(isnan(d->num[2])); /* empty cell */
    const helby_column *t = helby_frame_col(f, "tillid_politi");
    assert_true(t->num[2] == 9); /* missing code kept as written */
    const helby_column *id = helby_frame_col(f, "resp_id");
    assert_true(id->is_text);
    assert_string_equal(id->text[3], "r4");
    /* Summary: origin 1 x1, 2 x1, 3 x2; district 2 x2, 9 x2; nonresponse as counted above. */
    assert_int_equal(sum.n_groups, 3);
    assert_true(sum.groups[2].code == 3 && sum.groups[2].n == 2);
    assert_int_equal(sum.n_districts, 2);
    assert_true(sum.districts[1].code == 9 && sum.districts[1].n == 2);
    assert_int_equal(sum.n_items, 13);
    assert_int_equal(sum.items[0].n_empty, 1);    /* disk_12m */
    assert_int_equal(sum.items[5].n_missing, 1);  /* indfl_folketing = 98 */
    assert_int_equal(sum.items[7].n_missing, 1);  /* tillid_politi = 9 */
    assert_int_equal(sum.items[11].n_missing, 0); /* tryg_kvarter 8, 9 are valid 0-10 */
    assert_true(sum.dialect.had_bom && sum.dialect.crlf && sum.dialect.decimal == ',');
    helby_frame_free(f);
    helby_import_summary_free(&sum);
    helby_error_list_free(&errs);
}

static void every_error_in_a_file_is_reported_not_only_the_first(void **state)
{
    (void)state;
    static const char bad[] = HEADER
        "r1;2013;A;p1;10,5;40;1;2;1;1;3;1;1;3;3;5;7;4;3;1;2;8;2\r\n"   /* disk_12m 3 > 2 */
        "r2;2013;A;p2;-1;40;3;2;2;2;1;2;3;2;2;98;5;3;2;2;4;4;1\r\n"    /* weight -1 */
        "r2;2013;B;p1;20;0,25;2;11;1;3;1;1;1;4;4;6;6;9;4;1;1;9;2\r\n"; /* dup id, district 11,
                                                                          p1 in stratum B */
    helby_frame *f;
    helby_import_summary sum;
    helby_error_list errs;
    assert_int_equal(validate(bad, sizeof bad - 1, &f, &sum, &errs), HELBY_EINPUT);
    assert_null(f);
    assert_int_equal(errs.total, 5);
    assert_int_equal(errs.items[0].line, 2);
    assert_int_equal(errs.items[0].column, 11);
    assert_string_equal(errs.items[0].variable, "disk_12m");
    assert_int_equal(errs.items[1].line, 3);
    assert_string_equal(errs.items[1].variable, "weight");
    assert_int_equal(errs.items[2].line, 4);
    assert_string_equal(errs.items[2].variable, "district");
    assert_non_null(strstr(errs.items[3].message, "duplicate respondent id"));
    assert_non_null(strstr(errs.items[4].message, "two strata"));
    helby_error_list_free(&errs);
}

static void wave_from_the_option_must_match_the_file(void **state)
{
    (void)state;
    helby_import_options o;
    helby_import_options_default(&o);
    o.wave = 2012;
    helby_frame *f;
    helby_import_summary sum;
    helby_error_list errs;
    helby_error err;
    helby_error_list_init(&errs, 10);
    assert_int_equal(helby_validate_buffer(survey, (const unsigned char *)good, sizeof good - 1,
                                           "t.csv", &o, &f, &sum, &errs, &err),
                     HELBY_EINPUT);
    assert_int_equal(errs.total, 4); /* every row says 2013 */
    assert_non_null(strstr(errs.items[0].message, "--wave"));
    helby_error_list_free(&errs);
}

static void import_is_all_or_nothing_and_loads_back(void **state)
{
    (void)state;
    char db[64];
    snprintf(db, sizeof db, "/tmp/helby-test-ingest-%d.db", (int)getpid());
    unlink(db);
    helby_store *st;
    helby_error err;
    assert_int_equal(helby_store_open(&st, db, HELBY_OPEN_CREATE, &err), HELBY_OK);
    assert_int_equal(helby_store_add_survey(st, survey, 0, NULL, &err), HELBY_OK);
    helby_import_summary sum;
    helby_error_list errs;
    helby_error_list_init(&errs, 10);
    /* A broken copy (last row ragged) imports nothing. */
    char broken[sizeof good];
    memcpy(broken, good, sizeof good);
    broken[sizeof good - 6] = '\0';
    assert_int_equal(helby_import_buffer(st, survey, (const unsigned char *)broken, strlen(broken),
                                         "b.csv", NULL, &sum, &errs, &err),
                     HELBY_EINPUT);
    helby_wave_info *w;
    size_t n;
    assert_int_equal(helby_store_list_waves(st, "copenhagen", &w, &n, &err), HELBY_OK);
    assert_int_equal(n, 0);
    free(w);
    helby_error_list_free(&errs);
    helby_error_list_init(&errs, 10);
    assert_int_equal(helby_import_buffer(st, survey, (const unsigned char *)good, sizeof good - 1,
                                         "g.csv", NULL, &sum, &errs, &err),
                     HELBY_OK);
    assert_true(sum.import_id > 0);
    helby_import_summary_free(&sum);
    helby_frame *f;
    const char *vars[] = {"weight", "psu"};
    assert_int_equal(helby_store_load_wave(st, "copenhagen", 2013, vars, 2, &f, &err), HELBY_OK);
    assert_true(f->cols[0].num[1] == 10.5);
    assert_string_equal(f->cols[1].text[2], "p3");
    helby_frame_free(f);
    /* The same bytes again are refused. */
    assert_int_equal(helby_import_buffer(st, survey, (const unsigned char *)good, sizeof good - 1,
                                         "g2.csv", NULL, &sum, &errs, &err),
                     HELBY_EEXISTS);
    helby_error_list_free(&errs);
    helby_store_close(st);
    unlink(db);
    char side[80];
    snprintf(side, sizeof side, "%s-wal", db);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db);
    unlink(side);
}

static void error_format_puts_location_first(void **state)
{
    (void)state;
    helby_error e;
    char buf[256];
    helby_error_at(&e, HELBY_EINPUT, "w.csv", 12, 4, "tillid_politi", "'7': expected %s", "1–5");
    assert_string_equal(helby_error_format(&e, buf, sizeof buf),
                        "w.csv:12:4: tillid_politi: '7': expected 1–5");
    helby_error_set(&e, HELBY_ESTORE, "disk full");
    assert_string_equal(helby_error_format(&e, buf, sizeof buf), "disk full");
    assert_int_equal(helby_status_exit_code(HELBY_EINPUT), 2);
    assert_int_equal(helby_status_exit_code(HELBY_ESTORE), 3);
    assert_int_equal(helby_status_exit_code(HELBY_ENUMERIC), 4);
    helby_error_list l;
    helby_error_list_init(&l, 2);
    for (int i = 0; i < 5; i++)
        helby_error_list_add(&l, &e);
    assert_int_equal(l.count, 2);
    assert_int_equal(l.total, 5);
    helby_error_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_file_becomes_a_frame_with_codes_kept),
        cmocka_unit_test(every_error_in_a_file_is_reported_not_only_the_first),
        cmocka_unit_test(wave_from_the_option_must_match_the_file),
        cmocka_unit_test(import_is_all_or_nothing_and_loads_back),
        cmocka_unit_test(error_format_puts_location_first),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
