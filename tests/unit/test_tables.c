/* test_tables.c — estimates by domains and the minorities/Danes comparison as library calls
 * (src/lib/analysis/tables.c, tables_compare.c) on eight hand-made respondents per wave, whose
 * domain means are worked out by hand below. */
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
#include "helby/tables.h"

#define COPENHAGEN HELBY_SOURCE_ROOT "/surveys/copenhagen"
#define HEADER                                                                                     \
    "resp_id;wave;stratum;psu;weight;fpc;origin;district;sex;ageband;disk_12m;disk_arbejde;"       \
    "disk_offentlig;indfl_lokal;indfl_kommune;indfl_folketing;tillid_naboer;tillid_politi;"        \
    "tillid_kommune;tryg_dag;tryg_aften;tryg_kvarter;tryg_kriminalitet\n"
/* A respondent: id, wave, stratum, PSU, weight, origin (1 Danish; 2, 3 minorities),
 * district, tillid_politi (1-5; 9 = missing); other items fixed. */
#define ROW(id, wave, h, psu, w, origin, district, trust)                                          \
    id ";" wave ";" h ";" psu ";" w ";10;" origin ";" district ";1;1;2;1;1;3;3;5;7;" trust         \
       ";3;1;2;8;2\n"

/*            weight origin district trust(2013) trust(2014)
 *   A p1  r1   10     1      1         4           4
 *   A p1  r2   10     2      2         2           3
 *   A p2  r3   20     1      2         5           5
 *   A p2  r4   20     3      1         1           2
 *   B p3  r5   30     1      1         3           3
 *   B p3  r6   30     3      2         9 (missing) 9
 *   B p4  r7   40     2      1         2           3
 *   B p4  r8   40     1      2         4           4
 * Minorities trust one point more in 2014; Danes the same. */
static const char wave2013[] = HEADER ROW("a1", "2013", "A", "p1", "10", "1", "1", "4")
    ROW("a2", "2013", "A", "p1", "10", "2", "2", "2")
        ROW("a3", "2013", "A", "p2", "20", "1", "2", "5")
            ROW("a4", "2013", "A", "p2", "20", "3", "1", "1")
                ROW("a5", "2013", "B", "p3", "30", "1", "1", "3")
                    ROW("a6", "2013", "B", "p3", "30", "3", "2", "9")
                        ROW("a7", "2013", "B", "p4", "40", "2", "1", "2")
                            ROW("a8", "2013", "B", "p4", "40", "1", "2", "4");
static const char wave2014[] = HEADER ROW("b1", "2014", "A", "p1", "10", "1", "1", "4")
    ROW("b2", "2014", "A", "p1", "10", "2", "2", "3")
        ROW("b3", "2014", "A", "p2", "20", "1", "2", "5")
            ROW("b4", "2014", "A", "p2", "20", "3", "1", "2")
                ROW("b5", "2014", "B", "p3", "30", "1", "1", "3")
                    ROW("b6", "2014", "B", "p3", "30", "3", "2", "9")
                        ROW("b7", "2014", "B", "p4", "40", "2", "1", "3")
                            ROW("b8", "2014", "B", "p4", "40", "1", "2", "4");

typedef struct fixture {
    char db[64];
    helby_store *st;
    helby_survey *s;
} fixture;

static void import(fixture *f, const char *text, const char *name)
{
    helby_import_summary sum;
    helby_error_list errs;
    helby_error err;
    helby_error_list_init(&errs, 10);
    helby_status r = helby_import_buffer(f->st, f->s, (const unsigned char *)text, strlen(text),
                                         name, NULL, &sum, &errs, &err);
    if (r)
        fprintf(stderr, "%s: %s\n", name, errs.count ? errs.items[0].message : err.message);
    assert_int_equal(r, HELBY_OK);
    helby_import_summary_free(&sum);
    helby_error_list_free(&errs);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    helby_error err;
    snprintf(f->db, sizeof f->db, "/tmp/helby-test-tables-%d.db", (int)getpid());
    unlink(f->db);
    if (helby_survey_load(&f->s, COPENHAGEN, &err) ||
        helby_store_open(&f->st, f->db, HELBY_OPEN_CREATE, &err) ||
        helby_store_add_survey(f->st, f->s, 0, NULL, &err))
        return -1;
    import(f, wave2013, "w2013.csv");
    import(f, wave2014, "w2014.csv");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    helby_store_close(f->st);
    helby_survey_free(f->s);
    unlink(f->db);
    free(f);
    return 0;
}

static void request(helby_estimate_request *r, const char *const *measures, size_t nm,
                    const char *const *by, size_t nb, const long *waves, size_t nw)
{
    helby_estimate_request_default(r);
    r->measures = measures, r->n_measures = nm;
    r->by = by, r->n_by = nb;
    r->waves = waves, r->n_waves = nw;
    r->min_cell = 0; /* the survey's min_cell of 30 would withhold every cell here */
}

static void group_means_are_weighted_means_of_each_group(void **state)
{
    fixture *f = *state;
    const char *m[] = {"tillid_politi"}, *by[] = {"group"};
    long w[] = {2013};
    helby_estimate_request r;
    request(&r, m, 1, by, 1, w, 1);
    helby_estimate_table *t;
    helby_error err;
    assert_int_equal(helby_analysis_estimate(f->st, f->s, &r, &t, &err), HELBY_OK);
    assert_int_equal(t->n_rows, 2);
    assert_string_equal(t->by_vars[0], "origin");
    /* Danes (origin 1): a1, a3, a5, a8: (10*4 + 20*5 + 30*3 + 40*4) / (10+20+30+40)
     * = 390 / 100 = 3.9. Minorities: a2, a4, a7 (a6 answered 9, missing):
     * (10*2 + 20*1 + 40*2) / (10+20+40) = 120 / 70. */
    assert_true(t->rows[0].codes[0] == 0 && t->rows[1].codes[0] == 1);
    assert_true(fabs(t->rows[0].est.estimate - 3.9) < 1e-12);
    assert_true(fabs(t->rows[1].est.estimate - 120.0 / 70) < 1e-12);
    assert_int_equal(t->rows[0].est.n, 4);
    assert_int_equal(t->rows[1].est.n, 3);
    /* Design df: 4 PSUs - 2 strata. */
    assert_true(t->rows[0].est.df == 2);
    helby_estimate_table_free(t);
}

static void domains_come_in_ascending_order_and_small_cells_are_withheld(void **state)
{
    fixture *f = *state;
    const char *m[] = {"tillid_politi", "share_trust_police"}, *by[] = {"group", "district"};
    long w[] = {2013};
    helby_estimate_request r;
    request(&r, m, 2, by, 2, w, 1);
    r.min_cell = 2;
    helby_estimate_table *t;
    helby_error err;
    assert_int_equal(helby_analysis_estimate(f->st, f->s, &r, &t, &err), HELBY_OK);
    assert_int_equal(t->n_domains, 4);
    assert_int_equal(t->n_rows, 8);
    /* (group, district) ascending; means by hand:
     *   Danes, 1:  a1, a5: (10*4 + 30*3) / 40 = 3.25
     *   Danes, 2:  a3, a8: (20*5 + 40*4) / 60 = 260 / 60
     *   minor., 1: a4, a7: (20*1 + 40*2) / 60 = 100 / 60
     *   minor., 2: a2 only (a6 missing): n = 1 < min_cell 2, withheld. */
    const double codes[4][2] = {{0, 1}, {0, 2}, {1, 1}, {1, 2}};
    const double mean[3] = {3.25, 260.0 / 60, 100.0 / 60};
    for (size_t d = 0; d < 4; d++) {
        const helby_estimate_row *row = &t->rows[d];
        assert_int_equal(row->measure, 0);
        assert_true(row->codes[0] == codes[d][0] && row->codes[1] == codes[d][1]);
        if (d < 3) {
            assert_true(fabs(row->est.estimate - mean[d]) < 1e-12);
            assert_int_not_equal(row->flag, HELBY_CELL_SUPPRESSED);
        }
    }
    assert_int_equal(t->rows[3].flag, HELBY_CELL_SUPPRESSED);
    assert_true(isnan(t->rows[3].est.estimate) && isnan(t->rows[3].est.se));
    assert_int_equal(t->rows[3].est.n, 1);
    /* The share trusting the police (codes 4, 5): Danes in district 2, a3 and a8, both:
     * 1; Danes in district 1: a1 (10) of a1, a5 (40): 0.25. */
    assert_int_equal(t->rows[4].measure, 1);
    assert_true(fabs(t->rows[4].est.estimate - 0.25) < 1e-12);
    assert_true(fabs(t->rows[5].est.estimate - 1) < 1e-12);
    helby_estimate_table_free(t);
}

static void wave_is_a_role_and_unknown_waves_or_by_variables_are_errors(void **state)
{
    fixture *f = *state;
    const char *m[] = {"tillid_politi"}, *by[] = {"wave"}, *bad[] = {"resp_id"};
    helby_estimate_request r;
    request(&r, m, 1, by, 1, NULL, 0);
    helby_estimate_table *t;
    helby_error err;
    assert_int_equal(helby_analysis_estimate(f->st, f->s, &r, &t, &err), HELBY_OK);
    /* Everyone with an answer: 2013: (390 + 120) / 170 = 3; 2014: minorities
     * (10*3 + 20*2 + 40*3) = 190, so (390 + 190) / 170. */
    assert_int_equal(t->n_rows, 2);
    assert_true(t->rows[0].codes[0] == 2013 && t->rows[1].codes[0] == 2014);
    assert_true(fabs(t->rows[0].est.estimate - 3) < 1e-12);
    assert_true(fabs(t->rows[1].est.estimate - 580.0 / 170) < 1e-12);
    helby_estimate_table_free(t);
    long w[] = {2099};
    request(&r, m, 1, by, 1, w, 1);
    assert_int_equal(helby_analysis_estimate(f->st, f->s, &r, &t, &err), HELBY_ENOTFOUND);
    assert_null(t);
    request(&r, m, 1, bad, 1, NULL, 0);
    assert_int_equal(helby_analysis_estimate(f->st, f->s, &r, &t, &err), HELBY_EINPUT);
    assert_string_equal(err.variable, "resp_id");
}

static void comparison_gives_gaps_and_the_change_of_the_gap(void **state)
{
    fixture *f = *state;
    helby_compare_request r;
    helby_compare_request_default(&r);
    r.measure = "tillid_politi";
    r.min_cell = 0; /* cells of 3 to 5 respondents: the survey's 30 would withhold them */
    helby_comparison *c;
    helby_error err;
    assert_int_equal(helby_analysis_compare(f->st, f->s, &r, &c, &err), HELBY_OK);
    assert_int_equal(c->n_waves, 2);
    assert_int_equal(c->baseline, 0); /* no target on the item: the first wave */
    assert_int_equal(c->n_goals, 0);
    /* Gaps: 2013: 3.9 - 120/70; 2014: 3.9 - 190/70, one point less: gap change -1,
     * relative change -1 / (3.9 - 120/70). Everyone: 3 and 580/170 (above). */
    double g0 = 3.9 - 120.0 / 70, g1 = 3.9 - 190.0 / 70;
    assert_true(c->waves[0].wave == 2013 && c->waves[1].wave == 2014);
    assert_true(fabs(c->waves[0].gap.estimate - g0) < 1e-12);
    assert_true(fabs(c->waves[1].gap.estimate - g1) < 1e-12);
    assert_true(fabs(c->waves[1].gap_change.estimate + 1) < 1e-12);
    assert_true(fabs(c->waves[1].rel_gap_change.estimate + 1 / g0) < 1e-12);
    assert_true(fabs(c->waves[0].ratio.estimate - (120.0 / 70) / 3.9) < 1e-12);
    assert_true(fabs(c->all[0].estimate - 3) < 1e-12);
    assert_true(fabs(c->all[1].estimate - 580.0 / 170) < 1e-12);
    assert_false(c->is_share);
    helby_comparison_free(c);
    r.measure = "nosuch";
    assert_int_equal(helby_analysis_compare(f->st, f->s, &r, &c, &err), HELBY_EINPUT);
    long one[] = {2013};
    r.measure = "tillid_politi", r.waves = one, r.n_waves = 1;
    assert_int_equal(helby_analysis_compare(f->st, f->s, &r, &c, &err), HELBY_ENOTFOUND);
}

/* Suppression is "fewer than min_cell": a cell of exactly min_cell respondents is shown. In
 * 2013 the Danes are 4 respondents (a1, a3, a5, a8), the minorities 3 with an answer (a2, a4,
 * a7; a6 answered 9) of 4 (above). */
static void compare_shows_a_cell_of_exactly_min_cell(void **state)
{
    fixture *f = *state;
    helby_compare_request r;
    helby_compare_request_default(&r);
    r.measure = "tillid_politi";
    r.min_cell = 3;
    helby_comparison *c;
    helby_error err;
    assert_int_equal(helby_analysis_compare(f->st, f->s, &r, &c, &err), HELBY_OK);
    assert_int_equal(c->waves[0].minorities.n, 3);
    assert_true(fabs(c->waves[0].minorities.estimate - 120.0 / 70) < 1e-12);
    assert_true(fabs(c->waves[0].gap.estimate - (3.9 - 120.0 / 70)) < 1e-12);
    assert_true(fabs(c->waves[1].gap_change.estimate + 1) < 1e-12);
    assert_false(c->suppressed[0] || c->suppressed[1]);
    helby_comparison_free(c);
    r.min_cell = 4; /* the minorities' 3 are now too few; the Danes' 4 are not */
    assert_int_equal(helby_analysis_compare(f->st, f->s, &r, &c, &err), HELBY_OK);
    assert_true(isnan(c->waves[0].minorities.estimate) && isnan(c->waves[0].gap.estimate));
    assert_true(isnan(c->waves[1].gap_change.estimate));
    assert_true(fabs(c->waves[0].danes.estimate - 3.9) < 1e-12);
    assert_true(c->suppressed[0] && c->suppressed[1]);
    helby_comparison_free(c);
}

/* A frequency table at the threshold: tillid_politi by group in 2013 with min_cell 4. The
 * Danes answered 4, 5, 3, 4: 4 valid answers, so code 2 (no Dane) is shown with share 0 on a
 * denominator of exactly 4, and code 4 (2 respondents) is withheld; the minorities' 3 valid
 * answers (2, 1, 2) are fewer than 4, so their codes are withheld. */
static void table_shows_a_denominator_of_exactly_min_cell(void **state)
{
    fixture *f = *state;
    const char *by[] = {"group"};
    long w[] = {2013};
    helby_table_request r;
    helby_table_request_default(&r);
    r.item = "tillid_politi", r.by = by, r.n_by = 1, r.waves = w, r.n_waves = 1;
    r.test = HELBY_TEST_NONE;
    r.min_cell = 4;
    helby_freq_table *t;
    helby_error err;
    assert_int_equal(helby_analysis_table(f->st, f->s, &r, &t, &err), HELBY_OK);
    int seen = 0;
    for (size_t i = 0; i < t->n_rows; i++) {
        const helby_freq_row *row = &t->rows[i];
        if (row->kind != HELBY_FREQ_VALID)
            continue;
        if (row->codes[0] == 0 && row->code == 2) {
            assert_int_equal(row->est.n, 4);
            assert_int_equal(row->n_cell, 0);
            assert_int_not_equal(row->flag, HELBY_CELL_SUPPRESSED);
            assert_true(row->est.estimate == 0);
            seen |= 1;
        } else if (row->codes[0] == 0 && row->code == 4) {
            assert_int_equal(row->n_cell, 2);
            assert_int_equal(row->flag, HELBY_CELL_SUPPRESSED);
            seen |= 2;
        } else if (row->codes[0] == 1 && row->code == 2) {
            assert_int_equal(row->est.n, 3);
            assert_int_equal(row->flag, HELBY_CELL_SUPPRESSED);
            seen |= 4;
        }
    }
    assert_int_equal(seen, 7);
    helby_freq_table_free(t);
    /* min_cell 2: a code of exactly 2 respondents is shown. Danes' code 4: a1 and a8,
     * (10 + 40) / 100; minorities' code 2: a2 and a7, (10 + 40) / 70; code 1 (a4 alone) is
     * withheld. */
    r.min_cell = 2;
    assert_int_equal(helby_analysis_table(f->st, f->s, &r, &t, &err), HELBY_OK);
    seen = 0;
    for (size_t i = 0; i < t->n_rows; i++) {
        const helby_freq_row *row = &t->rows[i];
        if (row->kind != HELBY_FREQ_VALID)
            continue;
        if (row->codes[0] == 0 && row->code == 4) {
            assert_true(fabs(row->est.estimate - 0.5) < 1e-12);
            seen |= 1;
        } else if (row->codes[0] == 1 && row->code == 2) {
            assert_true(fabs(row->est.estimate - 50.0 / 70) < 1e-12);
            seen |= 2;
        } else if (row->codes[0] == 1 && row->code == 1) {
            assert_int_equal(row->flag, HELBY_CELL_SUPPRESSED);
            seen |= 4;
        }
    }
    assert_int_equal(seen, 7);
    helby_freq_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(group_means_are_weighted_means_of_each_group),
        cmocka_unit_test(domains_come_in_ascending_order_and_small_cells_are_withheld),
        cmocka_unit_test(wave_is_a_role_and_unknown_waves_or_by_variables_are_errors),
        cmocka_unit_test(comparison_gives_gaps_and_the_change_of_the_gap),
        cmocka_unit_test(compare_shows_a_cell_of_exactly_min_cell),
        cmocka_unit_test(table_shows_a_denominator_of_exactly_min_cell),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
