/* test_score.c — respondent scores (src/lib/survey/score.c) on the Copenhagen definition, every
 * expected value worked out by hand from docs/method.md §1 in the comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "helby/score.h"

static helby_survey *s;
static const helby_index *inclusion;

static int setup(void **state)
{
    (void)state;
    helby_error err;
    if (helby_survey_load(&s, HELBY_SOURCE_ROOT "/surveys/copenhagen", &err))
        return -1;
    inclusion = &s->indices[0];
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    helby_survey_free(s);
    return 0;
}

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-12)

/* discrimination: disk_12m (1 yes .. 2 no), disk_arbejde and disk_offentlig (1 never ..
 * 4 often, reversed); min_valid 2. */
static void reversed_items_and_rescaling_give_the_hand_scores(void **state)
{
    (void)state;
    const helby_dimension *dim = &inclusion->dims[0];
    /* Respondent 0: no (2 -> 100), never (1 -> x' 4 -> 100), often (4 -> x' 1 -> 0): 66.67.
     * Respondent 1: exactly min_valid: yes (0), rarely (2 -> x' 3 -> 66.67), 9 missing: 33.33.
     * Respondent 2: one item only (8, NaN missing): NA.  Respondent 3: all missing: NA. */
    double a[] = {2, 1, 8, 9}, b[] = {1, 2, NAN, 8}, c[] = {4, 9, 3, NAN};
    const double *cols[] = {a, b, c};
    double out[4];
    helby_score_dimension(s, dim, cols, 4, out);
    NEAR(out[0], 200.0 / 3.0);
    NEAR(out[1], (0 + 200.0 / 3.0) / 2);
    assert_true(isnan(out[2]));
    assert_true(isnan(out[3]));
    NEAR(helby_item_score(&s->vars[dim->items[1]], 2), 200.0 / 3.0);
    assert_true(isnan(helby_item_score(&s->vars[dim->items[1]], 8)));
}

/* Inclusion = mean of discrimination, influence, trust (weights 1). */
static void arithmetic_index_and_a_missing_dimension(void **state)
{
    (void)state;
    /* Discrimination 66.67 as above. Influence: indfl_lokal 5 (100), indfl_kommune 1 (0),
     * indfl_folketing 98 (missing): 50. Trust: tillid_naboer 10 (100), tillid_politi 3 (50),
     * tillid_kommune 4 (100): 83.33. Index (66.67 + 50 + 83.33) / 3 = 66.67.
     * Respondent 1 has two influence items missing: the index is NA. */
    double d1[] = {2, 2}, d2[] = {1, 1}, d3[] = {4, 4};
    double i1[] = {5, 5}, i2[] = {1, 9}, i3[] = {98, 99};
    double t1[] = {10, 10}, t2[] = {3, 3}, t3[] = {4, 4};
    const double *cols[] = {d1, d2, d3, i1, i2, i3, t1, t2, t3};
    double out[2];
    helby_error err;
    assert_int_equal(helby_score_index(s, inclusion, cols, 2, out, &err), HELBY_OK);
    NEAR(out[0], (200.0 / 3.0 + 50 + 250.0 / 3.0) / 3);
    assert_true(isnan(out[1]));
}

static void geometric_aggregation_keeps_a_zero_score_defined(void **state)
{
    (void)state;
    helby_index geo = *inclusion;
    geo.aggregation = HELBY_AGG_GEOMETRIC;
    /* Discrimination 0 (yes, often, often), influence 100 (5, 5, 10), trust:
     * trust: tillid_naboer 5 (50), tillid_politi 3 (50), tillid_kommune 2 (33.33) -> 44.44.
     * Geometric: ((0 + 1)(100 + 1)(44.44 + 1))^(1/3) - 1. */
    double d1[] = {1}, d2[] = {4}, d3[] = {4}, i1[] = {5}, i2[] = {5}, i3[] = {10};
    double t1[] = {5}, t2[] = {3}, t3[] = {2};
    const double *cols[] = {d1, d2, d3, i1, i2, i3, t1, t2, t3};
    double out[1];
    helby_error err;
    assert_int_equal(helby_score_index(s, &geo, cols, 1, out, &err), HELBY_OK);
    double trust = (50 + 50 + 100.0 / 3.0) / 3;
    NEAR(out[0], cbrt(1.0 * 101.0 * (trust + 1)) - 1);
    assert_true(out[0] > 0);
}

static void measures_are_found_by_index_or_dimension_name(void **state)
{
    (void)state;
    const helby_index *ix;
    const helby_dimension *dim;
    assert_true(helby_find_measure(s, "safety", &ix, &dim));
    assert_null(dim);
    assert_true(helby_find_measure(s, "trust", &ix, &dim));
    assert_string_equal(ix->name, "inclusion");
    assert_string_equal(dim->name, "trust");
    assert_false(helby_find_measure(s, "happiness", &ix, &dim));
}

/* Trust items (tillid_naboer 0-10, tillid_politi 1-5, tillid_kommune 1-4), weights 1, four
 * complete respondents and one incomplete (left out). Scores:
 *   r1: naboer 0 -> 0,   politi 1 -> 0,   kommune 1 -> 0
 *   r2: naboer 5 -> 50,  politi 3 -> 50,  kommune 1 -> 0
 *   r3: naboer 10 -> 100, politi 5 -> 100, kommune 4 -> 100
 *   r4: naboer 5 -> 50,  politi 1 -> 0,   kommune 4 -> 100
 * Means 50, 37.5, 50. Deviations a = (-50, 0, 50, 0), b = (-37.5, 12.5, 62.5, -37.5),
 * c = (-50, -50, 50, 50). With divisor sum(w) = 4:
 *   Caa = 5000/4 = 1250, Cbb = (1406.25+156.25+3906.25+1406.25)/4 = 1718.75, Ccc = 2500,
 *   Cab = (1875 + 0 + 3125 + 0)/4 = 1250, Cac = (2500 + 0 + 2500 + 0)/4 = 1250,
 *   Cbc = (1875 - 625 + 3125 - 1875)/4 = 625.
 * diag = 5468.75; total = 5468.75 + 2 (1250 + 1250 + 625) = 11718.75;
 * alpha = 3/2 (1 - 5468.75/11718.75) = 0.8.
 * item-rest for naboer: (Cab + Cac) / sqrt(Caa (Cbb + Ccc + 2 Cbc)) = 2500 / sqrt(1250 * 5468.75).
 */
static void cronbach_alpha_and_item_rest_correlation_by_hand(void **state)
{
    (void)state;
    const helby_dimension *trust = &inclusion->dims[2];
    double n1[] = {0, 5, 10, 5, 7}, p1[] = {1, 3, 5, 1, 9}, k1[] = {1, 1, 4, 4, 2};
    double w[] = {1, 1, 1, 1, 1};
    const double *cols[] = {n1, p1, k1};
    double alpha, ir[3];
    size_t m;
    helby_error err;
    assert_int_equal(helby_dimension_reliability(s, trust, cols, w, 5, &alpha, ir, &m, &err),
                     HELBY_OK);
    assert_int_equal(m, 4);
    NEAR(alpha, 0.8);
    NEAR(ir[0], 2500 / sqrt(1250 * 5468.75));
    /* Doubling every weight changes nothing. */
    double w2[] = {2, 2, 2, 2, 2}, a2;
    assert_int_equal(helby_dimension_reliability(s, trust, cols, w2, 5, &a2, ir, &m, &err), 0);
    NEAR(a2, 0.8);
    /* Items that do not vary have no alpha. */
    double c1[] = {5, 5, 5, 5, 5}, c2[] = {3, 3, 3, 3, 3}, c3[] = {2, 2, 2, 2, 2};
    const double *flat[] = {c1, c2, c3};
    assert_int_equal(helby_dimension_reliability(s, trust, flat, w, 5, &a2, ir, &m, &err),
                     HELBY_ENUMERIC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reversed_items_and_rescaling_give_the_hand_scores),
        cmocka_unit_test(arithmetic_index_and_a_missing_dimension),
        cmocka_unit_test(geometric_aggregation_keeps_a_zero_score_defined),
        cmocka_unit_test(measures_are_found_by_index_or_dimension_name),
        cmocka_unit_test(cronbach_alpha_and_item_rest_correlation_by_hand),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
