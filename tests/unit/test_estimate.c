/* test_estimate.c — the estimation core on hand-checkable and stiff data, and its refusals
 * of degenerate input (src/lib/stats/design.c, estimate.c, replicate.c). Agreement with R survey
 * is in test_golden.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helby/estimate.h"

static helby_design *srs(size_t n, const double *w, helby_error *err)
{
    helby_design_spec s = {n, w, NULL, NULL, NULL, HELBY_LONELY_FAIL, NULL, 0};
    helby_design *d = NULL;
    helby_design_new(&d, &s, err);
    return d;
}

/* Four units, weights 1: mean 2.5; with-replacement SE = s/sqrt(n) with s^2 = 5/3,
 * so SE = sqrt(5/12) (docs/method.md §3 with n_h = 4, z_i = (y_i - 2.5)/4). */
static void mean_of_four_units_has_the_textbook_se(void **state)
{
    (void)state;
    double y[] = {1, 2, 3, 4}, w[] = {1, 1, 1, 1};
    helby_error err;
    helby_design *d = srs(4, w, &err);
    assert_non_null(d);
    helby_estimates *e;
    assert_int_equal(helby_estimate_by(d, HELBY_EST_MEAN, y, NULL, NULL, 1, NULL, &e, &err),
                     HELBY_OK);
    assert_true(fabs(e->est[0].estimate - 2.5) < 1e-15);
    assert_true(fabs(e->est[0].se - sqrt(5.0 / 12.0)) < 1e-15);
    assert_true(e->est[0].df == 3);
    /* t(3, 0.975) = 3.182446305284263 */
    assert_true(fabs(e->est[0].ci_high - (2.5 + 3.182446305284263 * sqrt(5.0 / 12.0))) < 1e-12);
    helby_estimates_free(e);
    helby_design_free(d);
}

/* NIST StRD NumAcc4 in spirit: 1e9 + 0.2, then 500 pairs of 1e9 + 0.1 and 1e9 + 0.3.
 * The reference is computed from the exact offsets y - 1e9 (exact in binary by Sterbenz)
 * in long double, two-pass; the certified decimal sd 0.1 differs from it only by the
 * inputs' own rounding (~2e-7 relative). */
static void stiff_data_keep_twelve_digits_where_one_pass_sums_fail(void **state)
{
    (void)state;
    enum { N = 1001 };
    double y[N], w[N];
    for (size_t i = 0; i < N; i++) {
        y[i] = i == 0 ? 1000000000.2 : (i % 2 ? 1000000000.1 : 1000000000.3);
        w[i] = 1;
    }
    long double md = 0, ss = 0;
    for (size_t i = 0; i < N; i++)
        md += (long double)(y[i] - 1e9);
    md /= N;
    for (size_t i = 0; i < N; i++) {
        long double dv = (long double)(y[i] - 1e9) - md;
        ss += dv * dv;
    }
    double ref_mean = (double)(1e9L + md), ref_se = (double)sqrtl(ss / ((long double)N * (N - 1)));
    assert_true(fabs(ref_se - 0.1 / sqrt(1001.0)) / ref_se < 1e-6); /* sanity: NIST's sd 0.1 */

    helby_error err;
    helby_design *d = srs(N, w, &err);
    helby_estimates *e;
    assert_int_equal(helby_estimate_by(d, HELBY_EST_MEAN, y, NULL, NULL, 1, NULL, &e, &err),
                     HELBY_OK);
    assert_true(fabs(e->est[0].estimate - ref_mean) / ref_mean < 1e-12);
    assert_true(fabs(e->est[0].se - ref_se) / ref_se < 1e-12);

    /* The naive one-pass formula (sum y^2 - (sum y)^2 / n) loses it all. */
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < N; i++) {
        s1 += y[i];
        s2 += y[i] * y[i];
    }
    double naive_var = (s2 - s1 * s1 / N) / (N - 1);
    double naive_se = naive_var > 0 ? sqrt(naive_var / N) : 0;
    assert_true(fabs(naive_se - ref_se) / ref_se > 1e-3);
    helby_estimates_free(e);
    helby_design_free(d);
}

static void empty_domain_is_an_error_naming_it(void **state)
{
    (void)state;
    double y[] = {1, 2, 3, 4}, w[] = {1, 1, 1, 1};
    long dom[] = {0, 0, 2, 2};
    helby_error err;
    helby_design *d = srs(4, w, &err);
    helby_estimates *e;
    assert_int_equal(helby_estimate_by(d, HELBY_EST_MEAN, y, NULL, dom, 3, NULL, &e, &err),
                     HELBY_ENUMERIC);
    assert_non_null(strstr(err.message, "domain 1 has no respondents"));
    /* A domain whose values are all missing is empty too. */
    double ny[] = {NAN, NAN, 3, 4};
    long dom2[] = {0, 0, 1, 1};
    assert_int_equal(helby_estimate_by(d, HELBY_EST_MEAN, ny, NULL, dom2, 2, NULL, &e, &err),
                     HELBY_ENUMERIC);
    helby_design_free(d);
}

static void degenerate_designs_are_refused_clearly(void **state)
{
    (void)state;
    helby_error err;
    double zero[] = {0, 0, 0};
    assert_null(srs(3, zero, &err));
    assert_non_null(strstr(err.message, "all weights are zero"));
    double neg[] = {1, -2, 1};
    assert_null(srs(3, neg, &err));
    assert_int_equal(err.code, HELBY_EINPUT); /* the data, not how helby was called */
    double one[] = {5};
    assert_null(srs(1, one, &err));
    assert_non_null(strstr(err.message, "single PSU"));
    /* One PSU in the whole design, though many rows. */
    double w4[] = {1, 1, 1, 1};
    size_t psu[] = {7, 7, 7, 7};
    helby_design_spec s = {4, w4, NULL, psu, NULL, HELBY_LONELY_FAIL, NULL, 0};
    helby_design *d = NULL;
    assert_int_equal(helby_design_new(&d, &s, &err), HELBY_EINPUT);
    /* A lonely PSU under "fail" names the stratum by its label. */
    size_t strata[] = {0, 0, 1, 1}, psu2[] = {1, 2, 3, 3};
    const char *names[] = {"Indre By", "Østerbro"};
    helby_design_spec l = {4, w4, strata, psu2, NULL, HELBY_LONELY_FAIL, names, 2};
    assert_int_equal(helby_design_new(&d, &l, &err), HELBY_EINPUT);
    assert_non_null(strstr(err.message, "stratum Østerbro has only one PSU"));
    /* fpc must be constant within a stratum and not below the PSUs sampled. */
    double fpc[] = {10, 11, 10, 10};
    helby_design_spec f = {4, w4, NULL, NULL, fpc, HELBY_LONELY_FAIL, NULL, 0};
    assert_int_equal(helby_design_new(&d, &f, &err), HELBY_EINPUT);
    double fpc2[] = {3, 3, 3, 3};
    f.fpc = fpc2;
    assert_int_equal(helby_design_new(&d, &f, &err), HELBY_EINPUT);
    assert_non_null(strstr(err.message, "smaller than its 4 sampled PSUs"));
}

static void ratio_with_a_zero_denominator_is_an_error(void **state)
{
    (void)state;
    double y[] = {1, 2, 3, 4}, x[] = {0, 0, 0, 0}, w[] = {1, 1, 1, 1};
    helby_error err;
    helby_design *d = srs(4, w, &err);
    helby_estimates *e;
    assert_int_equal(helby_estimate_by(d, HELBY_EST_RATIO, y, x, NULL, 1, NULL, &e, &err),
                     HELBY_ENUMERIC);
    assert_non_null(strstr(err.message, "denominator is zero"));
    helby_design_free(d);
}

/* A clustered sample of 400 PSUs x 5 units from a fixed generator. */
static void clustered_sample(double *y, double *w, size_t *psu)
{
    uint64_t s = 12345;
    for (size_t k = 0; k < 2000; k++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        psu[k] = k / 5;
        y[k] = (double)(psu[k] % 17) + (double)(s >> 40) / (double)(1ULL << 24);
        w[k] = 1 + (double)(psu[k] % 3);
    }
}

static void bootstrap_is_reproducible_by_seed_and_close_to_linearization(void **state)
{
    (void)state;
    static double y[2000], w[2000];
    static size_t psu[2000];
    clustered_sample(y, w, psu);
    helby_design_spec s = {2000, w, NULL, psu, NULL, HELBY_LONELY_FAIL, NULL, 0};
    helby_design *d;
    helby_error err;
    assert_int_equal(helby_design_new(&d, &s, &err), HELBY_OK);
    helby_estimates *lin, *b1, *b2, *b3;
    assert_int_equal(helby_estimate_by(d, HELBY_EST_MEAN, y, NULL, NULL, 1, NULL, &lin, &err),
                     HELBY_OK);
    helby_rep_spec spec = {HELBY_REP_BOOTSTRAP, 0, 500, 2011, 0};
    helby_replicates *r1, *r2, *r3;
    assert_int_equal(helby_replicates_new(&r1, d, &spec, &err), HELBY_OK);
    assert_int_equal(helby_replicates_new(&r2, d, &spec, &err), HELBY_OK);
    spec.seed = 2012;
    assert_int_equal(helby_replicates_new(&r3, d, &spec, &err), HELBY_OK);
    helby_estimate_by_replicates(r1, HELBY_EST_MEAN, y, NULL, NULL, 1, NULL, &b1, &err);
    helby_estimate_by_replicates(r2, HELBY_EST_MEAN, y, NULL, NULL, 1, NULL, &b2, &err);
    helby_estimate_by_replicates(r3, HELBY_EST_MEAN, y, NULL, NULL, 1, NULL, &b3, &err);
    assert_true(b1->est[0].se == b2->est[0].se); /* same seed, same bits */
    assert_true(b1->est[0].se != b3->est[0].se);
    /* 500 replicates: the bootstrap SE is within 15 % of the linearization SE. */
    assert_true(fabs(b1->est[0].se / lin->est[0].se - 1) < 0.15);
    assert_true(fabs(b3->est[0].se / lin->est[0].se - 1) < 0.15);
    assert_true(b1->est[0].estimate == lin->est[0].estimate);
    helby_estimates_free(lin), helby_estimates_free(b1), helby_estimates_free(b2);
    helby_estimates_free(b3);
    helby_replicates_free(r1), helby_replicates_free(r2), helby_replicates_free(r3);
    helby_design_free(d);
}

static void replicate_designs_refuse_what_they_cannot_do(void **state)
{
    (void)state;
    static double y[2000], w[2000];
    static size_t psu[2000];
    clustered_sample(y, w, psu);
    helby_design_spec s = {2000, w, NULL, psu, NULL, HELBY_LONELY_FAIL, NULL, 0};
    helby_design *d;
    helby_error err;
    assert_int_equal(helby_design_new(&d, &s, &err), HELBY_OK);
    helby_replicates *r;
    helby_rep_spec brr = {HELBY_REP_BRR, 0, 0, 0, 0};
    assert_int_equal(helby_replicates_new(&r, d, &brr, &err), HELBY_EINPUT);
    assert_non_null(strstr(err.message, "exactly 2 PSUs"));
    /* A ratio without its denominator is a usage error, not a crash. */
    helby_rep_spec jk1 = {HELBY_REP_JK1, 0, 0, 0, 0};
    helby_estimates *e = NULL;
    assert_int_equal(helby_replicates_new(&r, d, &jk1, &err), HELBY_OK);
    assert_int_equal(
        helby_estimate_by_replicates(r, HELBY_EST_RATIO, y, NULL, NULL, 1, NULL, &e, &err),
        HELBY_EUSAGE);
    assert_null(e);
    helby_replicates_free(r);
    helby_rep_type t;
    int is_rep = -1;
    assert_true(helby_variance_method_parse("fay", &t, &is_rep) && t == HELBY_REP_FAY && is_rep);
    assert_true(helby_variance_method_parse("linearization", &t, &is_rep) && !is_rep);
    assert_false(helby_variance_method_parse("magic", &t, &is_rep));
    double bad[4] = {1, -1, 1, 1}, base[2] = {1, 1};
    assert_int_equal(helby_replicates_supplied(&r, 2, 2, base, bad, 1, NULL, 0, &err),
                     HELBY_EUSAGE);
    helby_design_free(d);
}

static void difference_of_independent_domains_adds_variances(void **state)
{
    (void)state;
    /* Two strata as two domains: their covariance is zero, so Var(a - b) = Va + Vb. */
    double y[] = {1, 3, 10, 14}, w[] = {1, 1, 1, 1};
    size_t strata[] = {0, 0, 1, 1};
    long dom[] = {0, 0, 1, 1};
    helby_design_spec s = {4, w, strata, NULL, NULL, HELBY_LONELY_FAIL, NULL, 0};
    helby_design *d;
    helby_error err;
    assert_int_equal(helby_design_new(&d, &s, &err), HELBY_OK);
    helby_estimates *e;
    assert_int_equal(helby_estimate_by(d, HELBY_EST_MEAN, y, NULL, dom, 2, NULL, &e, &err),
                     HELBY_OK);
    /* Domain 0: mean 2, z = (y - 2)/2 = -0.5, 0.5: V = 2 * (0.25 + 0.25) = 1. Domain 1: mean
     * 12, z = -1, 1: V = 2 * 2 = 4. */
    assert_true(fabs(e->vcov[0] - 1) < 1e-14 && fabs(e->vcov[3] - 4) < 1e-14);
    assert_true(e->vcov[1] == 0);
    helby_estimate c;
    assert_int_equal(helby_contrast(e, HELBY_CONTRAST_DIFFERENCE, 1, 0, 2, NULL, &c, &err),
                     HELBY_OK);
    assert_true(c.estimate == 10 && fabs(c.se - sqrt(5.0)) < 1e-14);
    /* Ratio 12 / 2 = 6: gradient (1/2, -12/4) gives Var = 4/4 + 9 * 1 = 10. */
    assert_int_equal(helby_contrast(e, HELBY_CONTRAST_RATIO, 1, 0, 2, NULL, &c, &err), HELBY_OK);
    assert_true(c.estimate == 6 && fabs(c.se - sqrt(10.0)) < 1e-13);
    helby_estimates_free(e);
    helby_design_free(d);
}

static void relative_se_over_30_percent_is_flagged_unreliable(void **state)
{
    (void)state;
    /* Mean 2.5 with SE sqrt(5/12) = 0.645: relative SE 0.258, reliable at the default 30 %,
     * unreliable at 20 % and below a minimum n of 5, reliable at a minimum n of 4. */
    double y[] = {1, 2, 3, 4}, w[] = {1, 1, 1, 1};
    helby_error err;
    helby_design *d = srs(4, w, &err);
    helby_estimate_options o;
    helby_estimate_options_default(&o);
    helby_estimates *e;
    assert_int_equal(helby_estimate_by(d, HELBY_EST_MEAN, y, NULL, NULL, 1, &o, &e, &err), 0);
    assert_true(fabs(e->est[0].rel_se - sqrt(5.0 / 12.0) / 2.5) < 1e-15);
    assert_false(e->est[0].unreliable);
    helby_estimates_free(e);
    o.max_rel_se = 0.20;
    assert_int_equal(helby_estimate_by(d, HELBY_EST_MEAN, y, NULL, NULL, 1, &o, &e, &err), 0);
    assert_true(e->est[0].unreliable);
    helby_estimates_free(e);
    helby_estimate_options_default(&o);
    o.min_n = 5;
    assert_int_equal(helby_estimate_by(d, HELBY_EST_MEAN, y, NULL, NULL, 1, &o, &e, &err), 0);
    assert_true(e->est[0].unreliable);
    helby_estimates_free(e);
    /* The minimum is inclusive: n = 4 respondents meet a minimum n of 4. */
    o.min_n = 4;
    assert_int_equal(helby_estimate_by(d, HELBY_EST_MEAN, y, NULL, NULL, 1, &o, &e, &err), 0);
    assert_false(e->est[0].unreliable);
    /* A user-given df replaces the design's 3 in the t quantile: t(10, 0.975) = 2.228138851986. */
    helby_estimates_free(e);
    helby_estimate_options_default(&o);
    o.df = 10;
    assert_int_equal(helby_estimate_by(d, HELBY_EST_MEAN, y, NULL, NULL, 1, &o, &e, &err), 0);
    assert_true(fabs(e->est[0].ci_low - (2.5 - 2.228138851986 * sqrt(5.0 / 12.0))) < 1e-10);
    helby_estimates_free(e);
    helby_design_free(d);
}

static void one_respondent_domain_is_unreliable_two_are_not(void **state)
{
    (void)state;
    /* Six rows, weight 1, no strata or clusters; domain 0 has one respondent (y 10), domain 1
     * two (10 and 11: mean 10.5, SE 0.5, relative SE 0.048), domain 2 three. Only the
     * one-respondent domain is flagged (its SE 0 says nothing); the others are below the
     * 0.30 relative SE and have more than one respondent. */
    double w[6] = {1, 1, 1, 1, 1, 1}, y[6] = {10, 10, 11, 12, 11, 10};
    long dom[6] = {0, 1, 1, 2, 2, 2};
    helby_design_spec s = {6, w, NULL, NULL, NULL, HELBY_LONELY_FAIL, NULL, 0};
    helby_design *d;
    helby_estimates *e;
    helby_error err;
    assert_int_equal(helby_design_new(&d, &s, &err), HELBY_OK);
    assert_int_equal(helby_estimate_by(d, HELBY_EST_MEAN, y, NULL, dom, 3, NULL, &e, &err),
                     HELBY_OK);
    assert_int_equal(e->est[0].n, 1);
    assert_int_equal(e->est[0].unreliable, 1);
    assert_int_equal(e->est[1].n, 2);
    assert_true(e->est[1].rel_se < 0.30);
    assert_int_equal(e->est[1].unreliable, 0);
    assert_int_equal(e->est[2].unreliable, 0);
    helby_estimates_free(e);
    helby_design_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mean_of_four_units_has_the_textbook_se),
        cmocka_unit_test(stiff_data_keep_twelve_digits_where_one_pass_sums_fail),
        cmocka_unit_test(empty_domain_is_an_error_naming_it),
        cmocka_unit_test(degenerate_designs_are_refused_clearly),
        cmocka_unit_test(ratio_with_a_zero_denominator_is_an_error),
        cmocka_unit_test(bootstrap_is_reproducible_by_seed_and_close_to_linearization),
        cmocka_unit_test(one_respondent_domain_is_unreliable_two_are_not),
        cmocka_unit_test(replicate_designs_refuse_what_they_cannot_do),
        cmocka_unit_test(difference_of_independent_domains_adds_variances),
        cmocka_unit_test(relative_se_over_30_percent_is_flagged_unreliable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
