/* test_variance_edges.c — variance rules that no other golden reaches, each found by a
 * mutation of scripts/mutations.txt that the unit suite let pass (issue 28): a stratum
 * sampled with near certainty (f < 1e-7) contributes nothing, as R's onestrat; a lonely PSU's
 * JKn replicate under `adjust` scales the other rows by H / (H - 1), which a total sees and a
 * mean does not; the df of a subset (Rao–Scott's on --where) counts its PSUs minus its strata.
 * Golden values from R survey (scripts/r-golden-variance-edges.R, tests/golden/
 * variance_edges.csv) on the inline data below, which the script builds the same way. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helby/crosstab.h"
#include "helby/design.h"
#include "helby/estimate.h"

/* The value of case;quantity in tests/golden/variance_edges.csv (NaN if absent). */
static double golden(const char *c, const char *q)
{
    FILE *f = fopen(HELBY_SOURCE_ROOT "/tests/golden/variance_edges.csv", "r");
    assert_non_null(f);
    char line[256], want[128];
    snprintf(want, sizeof want, "%s;%s;", c, q);
    double v = NAN;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, want, strlen(want)))
            v = strtod(line + strlen(want), NULL);
    fclose(f);
    return v;
}

static void near(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fmax(1e-300, fabs(want)))) {
        print_error("got %.17g, want %.17g (rel %.3g)\n", got, want, fabs(got - want) / fabs(want));
        fail();
    }
}

/* Three strata: 1 with PSUs 1, 2; 2 with PSUs 3, 4, 5; 3 with PSU 6 alone (lonely). */
#define N 12
static const size_t STRATUM[N] = {1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3};
static const size_t PSU[N] = {1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6};
static const double W[N] = {10, 12, 8, 9, 20, 22, 18, 25, 30, 16, 14, 11};
static const double Y[N] = {3, 5, 90, 40, 7, 1, 4, 8, 6, 3, 10, 2};

static helby_design *design(size_t n, const double *fpc, helby_lonely_rule lonely)
{
    helby_design_spec s = {0};
    s.n = n, s.weights = W, s.strata = STRATUM, s.psus = PSU, s.fpc = fpc, s.lonely = lonely;
    helby_design *d = NULL;
    helby_error err;
    assert_int_equal(helby_design_new(&d, &s, &err), HELBY_OK);
    return d;
}

/* Strata 1 and 2, stratum 1 with the sampling fraction 0.99999995 (f = 5e-8), stratum 2 with
 * 0.5. R: the SE of the total is stratum 2's alone (67.81); stratum 1's PSU totals (90, 1080)
 * would add 5e-8 x 2 x 495^2 = 0.049 to the variance with f < 1e-7 not skipped. */
static void a_near_certainty_stratum_contributes_nothing(void **state)
{
    (void)state;
    double fpc[10];
    for (size_t k = 0; k < 10; k++)
        fpc[k] = STRATUM[k] == 1 ? 0.99999995 : 0.5;
    helby_design *d = design(10, fpc, HELBY_LONELY_FAIL);
    helby_estimates *e = NULL;
    helby_error err;
    assert_int_equal(helby_estimate_by(d, HELBY_EST_TOTAL, Y, NULL, NULL, 1, NULL, &e, &err),
                     HELBY_OK);
    near(e->est[0].estimate, golden("near_certainty", "total"), 1e-14);
    near(e->est[0].se, golden("near_certainty", "se"), 1e-12);
    near(golden("near_certainty", "se"), golden("near_certainty", "se_stratum2_alone"), 1e-15);
    helby_estimates_free(e);
    helby_design_free(d);
}

/* JKn, the lonely PSU 6 under `adjust`: 6 replicates (one per PSU, the lonely one's own);
 * R's SE of the total 1140.12 and of the mean 5.376. */
static void jkn_adjust_scales_a_total_by_h_over_h_minus_1(void **state)
{
    (void)state;
    helby_design *d = design(N, NULL, HELBY_LONELY_ADJUST);
    helby_rep_spec jkn = {HELBY_REP_JKN, 0, 0, 0, 0};
    helby_replicates *r = NULL;
    helby_error err;
    assert_int_equal(helby_replicates_new(&r, d, &jkn, &err), HELBY_OK);
    assert_int_equal(helby_replicates_count(r), (size_t)golden("jkn_adjust", "replicates"));
    helby_estimates *t = NULL, *m = NULL;
    assert_int_equal(
        helby_estimate_by_replicates(r, HELBY_EST_TOTAL, Y, NULL, NULL, 1, NULL, &t, &err),
        HELBY_OK);
    assert_int_equal(
        helby_estimate_by_replicates(r, HELBY_EST_MEAN, Y, NULL, NULL, 1, NULL, &m, &err),
        HELBY_OK);
    near(t->est[0].estimate, golden("jkn_adjust", "total"), 1e-14);
    near(t->est[0].se, golden("jkn_adjust", "se_total"), 1e-12);
    near(m->est[0].estimate, golden("jkn_adjust", "mean"), 1e-14);
    near(m->est[0].se, golden("jkn_adjust", "se_mean"), 1e-12);
    helby_estimates_free(t);
    helby_estimates_free(m);
    helby_replicates_free(r);
    helby_design_free(d);
}

/* Strata 1 and 2, the subset of PSUs 1, 2 and 3: R degf(subset()) 3 PSUs - 2 strata = 1. */
static void a_subset_df_is_its_psus_minus_its_strata(void **state)
{
    (void)state;
    helby_design *d = design(10, NULL, HELBY_LONELY_FAIL);
    long keep[10], all[10];
    for (size_t k = 0; k < 10; k++)
        keep[k] = PSU[k] <= 3 ? 0 : -1, all[k] = 0;
    assert_float_equal(helby_design_subset_df(d, keep), golden("subset_df", "psu_le_3"), 0);
    assert_float_equal(helby_design_subset_df(d, all), golden("subset_df", "all"), 0);
    helby_design_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_near_certainty_stratum_contributes_nothing),
        cmocka_unit_test(jkn_adjust_scales_a_total_by_h_over_h_minus_1),
        cmocka_unit_test(a_subset_df_is_its_psus_minus_its_strata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
