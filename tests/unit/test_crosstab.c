/* test_crosstab.c — helby_raoscott_test (stats/crosstab.c) against R survey 4.1.1's svychisq
 * (statistic "F", the default, and "Chisq") on the api designs (srs, strat, clus1): school
 * type x school-wide target met (3 x 2) and api00 bands with missing values x school type
 * (4 x 3). Values from scripts/r-golden-table.R in tests/golden/raoscott_values.csv: the
 * statistics at relative 1e-8, df and p at 1e-6 (the tolerance for F tests). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/crosstab.h"
#include "helby/csv.h"

#include "golden_util.h"

static double gold_of(const char *c, const char *q)
{
    for (size_t i = 0; i < n_gold; i++)
        if (!strcmp(gold[i].design, c) && !strcmp(gold[i].quantity, q))
            return gold[i].value;
    fail_msg("no golden value for %s %s", c, q);
    return NAN;
}

static void near(const char *c, const char *q, double got, double rel)
{
    double want = gold_of(c, q);
    if (!(fabs(got - want) <= fmax(rel * fabs(want), 1e-300)))
        fail_msg("%s %s: helby %.17g, R %.17g", c, q, got, want);
    n_checked++;
}

/* Level indices of x in order of its sorted distinct values (NaN: -1), into idx; count. */
static size_t levels(const double *x, size_t n, long *idx)
{
    double v[64];
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        if (isnan(x[k]))
            continue;
        size_t i = 0;
        while (i < m && v[i] != x[k])
            i++;
        if (i == m)
            v[m++] = x[k];
    }
    for (size_t k = 0; k < n; k++) {
        idx[k] = -1;
        for (size_t i = 0; !isnan(x[k]) && i < m; i++) /* rank among the distinct values */
            if (v[i] == x[k]) {
                long r = 0;
                for (size_t j = 0; j < m; j++)
                    r += v[j] < v[i];
                idx[k] = r;
            }
    }
    return m;
}

static void one(const char *c, const helby_design *d, const double *a, const double *b, size_t n)
{
    long *ra = malloc(n * sizeof *ra), *rb = malloc(n * sizeof *rb);
    size_t na = levels(a, n, ra), nb = levels(b, n, rb);
    helby_raoscott t;
    helby_error err;
    if (helby_raoscott_test(d, ra, rb, na, nb, &t, &err))
        fail_msg("%s: %s", c, err.message);
    near(c, "pearson", t.pearson, 1e-8);
    near(c, "f", t.f, 1e-8);
    near(c, "f_ndf", t.f_ndf, 1e-6);
    near(c, "f_ddf", t.f_ddf, 1e-6);
    near(c, "f_p", t.f_p, 1e-6);
    near(c, "chisq_df", t.chisq_df, 0);
    near(c, "chisq_p", t.chisq_p, 1e-6);
    /* X^2 / mean(diag Delta) = K F: the first-order statistic from the second-order one. */
    assert_true(fabs(t.chisq - t.chisq_df * t.f) <= 1e-9 * t.chisq);
    free(ra), free(rb);
}

static void api_tables_match_r_svychisq(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int strata, psu;
    } cases[] = {{"srs", 0, 0}, {"strat", 1, 0}, {"clus1", 0, 1}};
    for (size_t c = 0; c < 3; c++) {
        table *t = load(cases[c].name);
        size_t n = t->nrows, *strata = malloc(n * sizeof *strata), *psu = malloc(n * sizeof *psu);
        double *band = malloc(n * sizeof *band);
        for (size_t k = 0; k < n; k++) {
            strata[k] = (size_t)col(t, "stratum")[k], psu[k] = (size_t)col(t, "psu")[k];
            band[k] = floor(col(t, "api00_na")[k] / 200);
        }
        helby_design_spec spec = {n,
                                  col(t, "weight"),
                                  cases[c].strata ? strata : NULL,
                                  cases[c].psu ? psu : NULL,
                                  NULL,
                                  HELBY_LONELY_FAIL,
                                  NULL,
                                  0};
        helby_design *d;
        helby_error err;
        assert_int_equal(helby_design_new(&d, &spec, &err), HELBY_OK);
        char name[64];
        snprintf(name, sizeof name, "%s_stype_yes", cases[c].name);
        one(name, d, col(t, "stype"), col(t, "yes"), n);
        snprintf(name, sizeof name, "%s_band_stype", cases[c].name);
        one(name, d, band, col(t, "stype"), n);
        helby_design_free(d);
        free(strata), free(psu), free(band), free(t);
    }
    assert_int_equal(n_checked, n_gold);
}

static void a_one_level_table_is_refused(void **state)
{
    (void)state;
    double w[4] = {1, 2, 3, 4};
    long a[4] = {0, 0, 0, 0}, b[4] = {0, 1, 0, 1};
    helby_design_spec spec = {4, w, NULL, NULL, NULL, HELBY_LONELY_FAIL, NULL, 0};
    helby_design *d;
    helby_error err;
    helby_raoscott t;
    assert_int_equal(helby_design_new(&d, &spec, &err), HELBY_OK);
    assert_int_equal(helby_raoscott_test(d, a, b, 1, 2, &t, &err), HELBY_EUSAGE);
    helby_design_free(d);
}

static int setup(void **state)
{
    (void)state;
    (void)check; /* golden_util.h's */
    read_golden("raoscott_values.csv");
    return n_gold >= 42 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(api_tables_match_r_svychisq),
        cmocka_unit_test(a_one_level_table_is_refused),
    };
    return cmocka_run_group_tests(tests, setup, free_golden);
}
