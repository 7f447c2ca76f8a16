/* test_report.c — disclosure control and number formatting of reports
 * (src/lib/report/report_model.c, report_format.c).
 * Every table is written out here and the expected marks are worked out by hand from
 * docs/method.md §8: cells below the threshold are suppressed (P), and a line (a row with its
 * margin, or a column with its margin) with exactly one suppressed cell gets a second one,
 * its smallest unsuppressed inner cell (C), so the margin cannot give the first one away. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "helby/report.h"

enum {
    S = HELBY_CELL_SHOWN,
    P = HELBY_CELL_PRIMARY,
    C = HELBY_CELL_COMPLEMENTARY,
    E = HELBY_CELL_EMPTY
};

static void a_row_margin_reveals_its_only_small_cell(void **state)
{
    (void)state;
    /* Danes, minorities | all, per wave (row totals in the last column):
     *   2011:  10   50 |  60   -> 10 < 30 is P; 60 - 50 would give it away: 50 gets C
     *   2012:  40   45 |  85   -> nothing */
    const size_t n[6] = {10, 50, 60, 40, 45, 85};
    unsigned char m[6] = {0};
    assert_int_equal(helby_suppress(n, 2, 3, 1, 0, 30, m), 2);
    const unsigned char want[6] = {P, C, S, S, S, S};
    assert_memory_equal(m, want, 6);
}

static void a_column_gets_its_smallest_other_cell_suppressed(void **state)
{
    (void)state;
    /* Districts x (Danes, minorities), the group totals as the last row (column margins):
     *   col 0: 20 35 40 50 | 145 -> 20 P; one hidden: the smallest other, 35, gets C
     *   col 1: 60 70 25 28 | 183 -> 25 and 28 both P: two hidden, nothing more */
    const size_t n[10] = {20, 60, 35, 70, 40, 25, 50, 28, 145, 183};
    unsigned char m[10] = {0};
    assert_int_equal(helby_suppress(n, 5, 2, 0, 1, 30, m), 4);
    const unsigned char want[10] = {P, S, C, S, S, P, S, P, S, S};
    assert_memory_equal(m, want, 10);
}

static void suppression_cascades_through_rows_and_columns(void **state)
{
    (void)state;
    /* Both margins:   12  40 |  52
     *                 50  60 | 110
     *                 62 100 | 162
     * 12 P; row 0 then has one hidden: 40 C; column 0 has one hidden: 50 C; column 1 now has
     * one hidden (40): 60 C; row 1 has two hidden. All four inner cells go, margins stay. */
    const size_t n[9] = {12, 40, 52, 50, 60, 110, 62, 100, 162};
    unsigned char m[9] = {0};
    assert_int_equal(helby_suppress(n, 3, 3, 1, 1, 30, m), 4);
    const unsigned char want[9] = {P, C, S, C, C, S, S, S, S};
    assert_memory_equal(m, want, 9);
}

static void empty_cells_reveal_nothing_and_marks_on_entry_stay(void **state)
{
    (void)state;
    /* Row 0:  0  10  40 | 50 -> 0 is E (no respondents), 10 P, then 40 C (E does not count).
     * Row 1: 90  80  70 | 240 with 80 suppressed elsewhere (mark on entry): one hidden, so the
     * smallest other inner cell, 70, gets C. */
    const size_t n[8] = {0, 10, 40, 50, 90, 80, 70, 240};
    unsigned char m[8] = {0, 0, 0, 0, 0, P, 0, 0};
    assert_int_equal(helby_suppress(n, 2, 4, 1, 0, 30, m), 4);
    const unsigned char want[8] = {E, P, C, S, S, P, C, S};
    assert_memory_equal(m, want, 8);
}

static void a_lone_cell_takes_its_margin_along(void **state)
{
    (void)state;
    /* One inner cell and its margin, which also counts respondents outside the groups:
     * 10 | 40. 10 is P; the only cell left to hide is the margin (40 >= 30): C. */
    const size_t n[2] = {10, 40};
    unsigned char m[2] = {0};
    assert_int_equal(helby_suppress(n, 1, 2, 1, 0, 30, m), 2);
    const unsigned char want[2] = {P, C};
    assert_memory_equal(m, want, 2);
}

static void nothing_below_the_threshold_changes_nothing(void **state)
{
    (void)state;
    const size_t n[4] = {30, 31, 100, 161};
    unsigned char m[4] = {0};
    assert_int_equal(helby_suppress(n, 2, 2, 1, 1, 30, m), 0);
    const unsigned char want[4] = {S, S, S, S};
    assert_memory_equal(m, want, 4);
}

static void danish_numbers_have_a_decimal_comma_and_a_minus_sign(void **state)
{
    (void)state;
    helby_report r;
    memset(&r, 0, sizeof r);
    char b[32];
    strcpy(r.lang, "da");
    helby_report_num(&r, 62.9204, 1, b, sizeof b);
    assert_string_equal(b, "62,9");
    helby_report_num(&r, -3.26, 1, b, sizeof b);
    assert_string_equal(b, "\xe2\x88\x92"
                           "3,3");
    helby_report_num(&r, -0.04, 1, b, sizeof b); /* rounds to zero: no sign */
    assert_string_equal(b, "0,0");
    helby_report_num(&r, NAN, 1, b, sizeof b);
    assert_string_equal(b, "–");
    strcpy(r.lang, "en");
    helby_report_num(&r, 0.77054, 3, b, sizeof b);
    assert_string_equal(b, "0.771");
}

static helby_report_cell shown_cell(double e, double lo, double hi)
{
    helby_report_cell c = {0};
    c.estimate = e, c.ci_low = lo, c.ci_high = hi, c.se = (hi - lo) / 3.92, c.df = 100;
    c.n = 500, c.present = 1, c.mark = HELBY_CELL_SHOWN;
    return c;
}

/* One wave (2014): gap, adjusted gap, explained, unexplained. */
static void adjust_words(const char *lang, const double v[4][3], char *buf, size_t n)
{
    long waves[1] = {2014};
    helby_report r;
    memset(&r, 0, sizeof r);
    snprintf(r.lang, sizeof r.lang, "%s", lang);
    r.level = 0.95, r.waves = waves, r.n_waves = 1;
    helby_report_cell adj[HELBY_RA_N];
    for (int k = 0; k < HELBY_RA_N; k++)
        adj[k] = shown_cell(v[k][0], v[k][1], v[k][2]);
    helby_report_goal g;
    memset(&g, 0, sizeof g);
    g.adj = adj;
    snprintf(g.adj_covariates, sizeof g.adj_covariates, "%s",
             strcmp(lang, "da") ? "age band and sex" : "aldersgruppe og køn");
    helby_report_adjust_sentence(&r, &g, 0, buf, n);
}

/* The decomposition in words (report_adjust.c) in both languages: the usual case, composition
 * working the other way, an explained part larger than the gap, a reversed gap, a part not
 * distinguishable from zero, hidden cells. Never a share in percent. */
static void the_decomposition_is_worded_truthfully(void **state)
{
    (void)state;
    char b[1024];
    const double usual[4][3] = {{7.7, 5.7, 9.7}, {6.5, 4.5, 8.5}, {1.2, 0.4, 2.0}, {6.5, 4.5, 8.5}};
    adjust_words("en", usual, b, sizeof b);
    assert_string_equal(b, "Of the gap of 7.7 points in 2014, 1.2 points (95 % CI 0.4 to 2.0) are "
                           "explained by age band and sex; adjusted for them the gap is 6.5 points "
                           "(95 % CI 4.5 to 8.5).");
    adjust_words("da", usual, b, sizeof b);
    assert_string_equal(b, "Af forskellen på 7,7 point i 2014 kan 1,2 point (95 %-KI 0,4 til 2,0) "
                           "forklares af aldersgruppe og køn; justeret for dem er forskellen 6,5 "
                           "point (95 %-KI 4,5 til 8,5).");
    const double other[4][3] = {
        {7.7, 5.7, 9.7}, {9.2, 7.0, 11.4}, {-1.5, -2.5, -0.5}, {9.2, 7.0, 11.4}};
    adjust_words("en", other, b, sizeof b);
    assert_string_equal(b, "Of the gap of 7.7 points in 2014, none is explained by age band and "
                           "sex: composition works the other way, −1.5 points (95 % CI −2.5 to "
                           "−0.5); adjusted for them the gap is larger: 9.2 points (95 % CI 7.0 "
                           "to 11.4).");
    adjust_words("da", other, b, sizeof b);
    assert_string_equal(b, "Af forskellen på 7,7 point i 2014 forklarer aldersgruppe og køn intet: "
                           "sammensætningen trækker den anden vej, −1,5 point (95 %-KI −2,5 til "
                           "−0,5); justeret for dem er forskellen større: 9,2 point (95 %-KI 7,0 "
                           "til 11,4).");
    const double more[4][3] = {
        {2.0, 0.5, 3.5}, {-1.0, -2.5, 0.5}, {3.0, 2.0, 4.0}, {-1.0, -2.5, 0.5}};
    adjust_words("en", more, b, sizeof b);
    assert_string_equal(b, "Age band and sex explain 3.0 points (95 % CI 2.0 to 4.0), more than "
                           "the whole of the gap of 2.0 points in 2014; adjusted for them the gap "
                           "is reversed: −1.0 points (95 % CI −2.5 to 0.5).");
    adjust_words("da", more, b, sizeof b);
    assert_string_equal(b, "Aldersgruppe og køn forklarer 3,0 point (95 %-KI 2,0 til 4,0), mere "
                           "end hele forskellen på 2,0 point i 2014; justeret for dem er "
                           "forskellen vendt: −1,0 point (95 %-KI −2,5 til 0,5).");
    /* Minorities above Danes: amounts in the gap's direction. */
    const double rev[4][3] = {
        {-3.0, -4.5, -1.5}, {-2.0, -3.5, -0.5}, {-1.0, -1.8, -0.2}, {-2.0, -3.5, -0.5}};
    adjust_words("en", rev, b, sizeof b);
    assert_string_equal(b, "Of the gap of 3.0 points in 2014 (ethnic minorities above ethnic "
                           "Danes), 1.0 points (95 % CI 0.2 to 1.8) are explained by age band and "
                           "sex; adjusted for them the gap is 2.0 points (95 % CI 0.5 to 3.5).");
    adjust_words("da", rev, b, sizeof b);
    assert_string_equal(b, "Af forskellen på 3,0 point i 2014 (etniske minoriteter over etniske "
                           "danskere) kan 1,0 point (95 %-KI 0,2 til 1,8) forklares af "
                           "aldersgruppe og køn; justeret for dem er forskellen 2,0 point "
                           "(95 %-KI 0,5 til 3,5).");
    const double zero[4][3] = {
        {7.8, 5.7, 10.0}, {8.0, 5.9, 10.1}, {-0.2, -0.7, 0.4}, {8.0, 5.9, 10.1}};
    adjust_words("en", zero, b, sizeof b);
    assert_string_equal(b, "Of the gap of 7.8 points in 2014, age band and sex explain −0.2 points "
                           "(95 % CI −0.7 to 0.4), not distinguishable from zero; adjusted for "
                           "them the gap is 8.0 points (95 % CI 5.9 to 10.1).");
    const double hidden[4][3] = {
        {NAN, NAN, NAN}, {6.5, 4.5, 8.5}, {1.2, 0.4, 2.0}, {6.5, 4.5, 8.5}};
    adjust_words("en", hidden, b, sizeof b);
    assert_non_null(strstr(b, "cannot be shown"));
    assert_null(strchr(b, '%'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_row_margin_reveals_its_only_small_cell),
        cmocka_unit_test(a_column_gets_its_smallest_other_cell_suppressed),
        cmocka_unit_test(suppression_cascades_through_rows_and_columns),
        cmocka_unit_test(empty_cells_reveal_nothing_and_marks_on_entry_stay),
        cmocka_unit_test(a_lone_cell_takes_its_margin_along),
        cmocka_unit_test(nothing_below_the_threshold_changes_nothing),
        cmocka_unit_test(danish_numbers_have_a_decimal_comma_and_a_minus_sign),
        cmocka_unit_test(the_decomposition_is_worded_truthfully),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
