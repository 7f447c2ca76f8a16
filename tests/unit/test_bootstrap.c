/* test_bootstrap.c — the bootstrap (src/lib/stats/replicate.c, Rao–Wu) checked independently
 * of helby's own output: its scale 1/(B - 1) through the variance helby_estimate_by_replicates
 * returns; n_h - 1 PSUs drawn per stratum; two replicates' weights computed by hand from the
 * documented generator (splitmix64); and the mean bootstrap variance of a total over 4,000
 * seeds against its exact expectation (the with-replacement linearization variance, from
 * R survey) and against R's own subbootstrap (as.svrepdesign(type = "subbootstrap")) over
 * 4,000 seeds, within the Monte Carlo error (scripts/r-golden-boot.R). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/estimate.h"

/* The data of scripts/r-golden-boot.R, written out the same way: row k of 120 is in stratum
 * k % 3, which has 2, 3 and 5 PSUs; PSU h * 10 + (k / 3) % n_h. */
enum { N = 120, H = 3 };
static const size_t NH[H] = {2, 3, 5};
static double w[N], y[N];
static size_t strata[N], psus[N];

static void fill(void)
{
    for (size_t k = 0; k < N; k++) {
        size_t h = k % 3;
        strata[k] = h;
        psus[k] = h * 10 + (k / 3) % NH[h];
        w[k] = 1 + (double)(k % 4) * 0.25;
        y[k] = (double)((k * 37) % 101) / 10;
    }
}

/* tests/golden/boot_values.csv: quantity;value. */
static double golden(const char *quantity)
{
    FILE *f = fopen(HELBY_SOURCE_ROOT "/tests/golden/boot_values.csv", "r");
    assert_non_null(f);
    char line[256];
    double v = NAN;
    size_t len = strlen(quantity);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, quantity, len) == 0 && line[len] == ';')
            v = strtod(line + len + 1, NULL);
    fclose(f);
    if (isnan(v))
        fail_msg("no golden value %s", quantity);
    return v;
}

static helby_design *design(void)
{
    helby_design_spec s = {N, w, strata, psus, NULL, HELBY_LONELY_FAIL, NULL, 0};
    helby_design *d;
    helby_error err;
    assert_int_equal(helby_design_new(&d, &s, &err), HELBY_OK);
    return d;
}

static helby_replicates *boot(const helby_design *d, size_t B, unsigned long long seed)
{
    helby_rep_spec spec = {HELBY_REP_BOOTSTRAP, 0, B, seed, 0};
    helby_replicates *r;
    helby_error err;
    assert_int_equal(helby_replicates_new(&r, d, &spec, &err), HELBY_OK);
    assert_int_equal(helby_replicates_count(r), B);
    return r;
}

static double total_variance(const helby_replicates *r)
{
    helby_estimates *e;
    helby_error err;
    assert_int_equal(
        helby_estimate_by_replicates(r, HELBY_EST_TOTAL, y, NULL, NULL, 1, NULL, &e, &err),
        HELBY_OK);
    double v = e->est[0].se * e->est[0].se;
    helby_estimates_free(e);
    return v;
}

static void scale_is_one_over_b_minus_one_in_the_variance(void **state)
{
    (void)state;
    fill();
    helby_design *d = design();
    static const size_t Bs[] = {2, 5, 50};
    for (size_t b = 0; b < 3; b++) {
        size_t B = Bs[b];
        helby_replicates *r = boot(d, B, 7);
        assert_true(helby_replicates_scale(r) == 1.0 / ((double)B - 1));
        /* By hand from the replicate weights: each replicate's total, then
         * 1/(B - 1) sum (T_r - mean T)^2. */
        double T[50], mean = 0, ss = 0;
        for (size_t rep = 0; rep < B; rep++) {
            T[rep] = 0;
            for (size_t k = 0; k < N; k++)
                T[rep] += helby_replicates_weight(r, k, rep) * y[k];
            mean += T[rep] / (double)B;
        }
        for (size_t rep = 0; rep < B; rep++)
            ss += (T[rep] - mean) * (T[rep] - mean);
        double want = ss / ((double)B - 1), got = total_variance(r);
        if (!(fabs(got - want) <= 1e-12 * want))
            fail_msg("B = %zu: variance %.17g, by hand %.17g", B, got, want);
        helby_replicates_free(r);
    }
    helby_design_free(d);
}

static void each_replicate_draws_n_h_minus_1_psus_per_stratum(void **state)
{
    (void)state;
    fill();
    helby_design *d = design();
    /* Multiplier of a PSU = n_h/(n_h - 1) x times drawn: per replicate and stratum the
     * draws c = multiplier (n_h - 1)/n_h are whole numbers summing to n_h - 1; over
     * 200 x 20 replicates each PSU is drawn (n_h - 1)/n_h times on average (all PSUs equally
     * likely; binomial SE below 0.016, so 0.08 is 5 SE). */
    double drawn[H][5] = {{0}};
    const size_t reps = 20, seeds = 200;
    for (unsigned long long seed = 1; seed <= seeds; seed++) {
        helby_replicates *r = boot(d, reps, seed);
        for (size_t rep = 0; rep < reps; rep++) {
            size_t c[H][5] = {{0}};
            int seen[H][5] = {{0}};
            for (size_t k = 0; k < N; k++) {
                size_t h = strata[k], i = psus[k] - h * 10;
                double nh = (double)NH[h];
                double m = helby_replicates_weight(r, k, rep) / w[k] * (nh - 1) / nh;
                assert_true(fabs(m - round(m)) < 1e-12 && m >= 0);
                if (seen[h][i]++) /* one count per PSU, the same on each of its rows */
                    assert_int_equal(c[h][i], (size_t)round(m));
                c[h][i] = (size_t)round(m);
            }
            for (size_t h = 0; h < H; h++) {
                size_t sum = 0;
                for (size_t i = 0; i < NH[h]; i++)
                    sum += c[h][i], drawn[h][i] += (double)c[h][i];
                assert_int_equal(sum, NH[h] - 1);
            }
        }
        helby_replicates_free(r);
    }
    for (size_t h = 0; h < H; h++)
        for (size_t i = 0; i < NH[h]; i++) {
            double mean = drawn[h][i] / (double)(reps * seeds), nh = (double)NH[h];
            if (!(fabs(mean - (nh - 1) / nh) < 0.08))
                fail_msg("stratum %zu PSU %zu drawn %.4f times per replicate, not %.4f", h, i, mean,
                         (nh - 1) / nh);
        }
    helby_design_free(d);
}

/* Two strata: A with PSUs a1 (rows 0, 1), a2 (row 2); B with b1 (row 3), b2 (rows 4, 5),
 * b3 (row 6). Replicate by replicate, stratum by stratum, PSU i of a stratum (in order of
 * appearance) is drawn when splitmix64's next output x has x % n_h == i (x below
 * 2^64 - 1 - (2^64 - 1) % n_h, which every x here is, so no draw is rejected). splitmix64:
 * s += 0x9e3779b97f4a7c15; z = s; z = (z ^ z >> 30) * 0xbf58476d1ce4e5b9;
 * z = (z ^ z >> 27) * 0x94d049bb133111eb; x = z ^ z >> 31 (all mod 2^64), computed apart
 * (Python) for the seeds below:
 *   seed 2032: 0x047356ac86d88483 % 2 = 1 (a2); 0xfa485c173391238e % 3 = 0 (b1),
 *              0xcb86d16920418e1e % 3 = 2 (b3); replicate 2: 0x520f5761ff2fd2f2 % 2 = 0
 *              (a1); 0xe79b721313809af1 % 3 = 2 (b3), 0x1b3a9099af76079f % 3 = 1 (b2).
 *   seed 2026: 0xdb9c559891948d23 % 2 = 1 (a2); 0x78bc927ded35455d % 3 = 2 and
 *              0xaad71e75cde2b88e % 3 = 2 (b3 twice); replicate 2: 0x6280938ad5a104f2 % 2
 *              = 0 (a1); 0xcaa69c1e0798ff49 % 3 = 0, 0xb9f5a07176645a03 % 3 = 0 (b1 twice).
 * Multipliers: A (n_h = 2): 2 x draws; B (n_h = 3): 1.5 x draws. */
static void two_replicates_weights_by_hand(void **state)
{
    (void)state;
    double bw[7] = {1, 2, 3, 1.5, 2, 2.5, 4};
    size_t bs[7] = {0, 0, 0, 1, 1, 1, 1}, bp[7] = {1, 1, 2, 3, 4, 4, 5};
    /* Per row: multiplier in replicate 1 and 2. */
    static const double m2032[2][7] = {{0, 0, 2, 1.5, 0, 0, 1.5}, {2, 2, 0, 0, 1.5, 1.5, 1.5}};
    static const double m2026[2][7] = {{0, 0, 2, 0, 0, 0, 3}, {2, 2, 0, 3, 0, 0, 0}};
    helby_design_spec s = {7, bw, bs, bp, NULL, HELBY_LONELY_FAIL, NULL, 0};
    helby_design *d;
    helby_error err;
    assert_int_equal(helby_design_new(&d, &s, &err), HELBY_OK);
    for (int c = 0; c < 2; c++) {
        helby_rep_spec spec = {HELBY_REP_BOOTSTRAP, 0, 2, c ? 2026 : 2032, 0};
        helby_replicates *r;
        assert_int_equal(helby_replicates_new(&r, d, &spec, &err), HELBY_OK);
        for (size_t rep = 0; rep < 2; rep++)
            for (size_t k = 0; k < 7; k++) {
                double want = bw[k] * (c ? m2026 : m2032)[rep][k];
                double got = helby_replicates_weight(r, k, rep);
                if (!(fabs(got - want) <= 1e-15 * want))
                    fail_msg("seed %d replicate %zu row %zu: %g, by hand %g", c ? 2026 : 2032,
                             rep + 1, k, got, want);
            }
        helby_replicates_free(r);
    }
    helby_design_free(d);
}

/* The mean bootstrap variance of the total over K seeds of B = 5 replicates: its expectation
 * is exactly the with-replacement linearization variance v_lin (the derivation is in
 * scripts/r-golden-boot.R; R computed v_lin with svytotal, and R's subbootstrap over 4,000
 * seeds its own mean and Monte Carlo SE). Tolerance: 4 Monte Carlo SEs, of helby's mean
 * alone against v_lin, of the difference against R's mean. A scale 1/B would give
 * (B - 1)/B v_lin = 0.8 v_lin; drawing n_h of n_h, n_h/(n_h - 1) times more per stratum:
 * both many SEs away, which the test asserts too (it could fail). */
static void mean_variance_over_seeds_matches_the_expectation_and_r_subbootstrap(void **state)
{
    (void)state;
    fill();
    helby_design *d = design();
    const double v_lin = golden("v_lin"), r_mean = golden("r_subboot_mean");
    const double r_mcse = golden("r_subboot_mcse");
    const size_t B = (size_t)golden("B"), K = (size_t)golden("K");
    assert_int_equal(B, 5);
    double sum = 0, sum2 = 0;
    for (unsigned long long seed = 1; seed <= K; seed++) {
        helby_replicates *r = boot(d, B, seed);
        double v = total_variance(r);
        sum += v, sum2 += v * v;
        helby_replicates_free(r);
    }
    double mean = sum / (double)K;
    double mcse = sqrt((sum2 - (double)K * mean * mean) / ((double)K - 1) / (double)K);
    print_message("bootstrap variance of the total, mean of %zu seeds (B = %zu): %.2f +- %.2f; "
                  "expectation %.2f; R subbootstrap %.2f +- %.2f\n",
                  K, B, mean, mcse, v_lin, r_mean, r_mcse);
    assert_true(mcse > 0 && mcse < 0.02 * v_lin); /* the test has the power it claims */
    assert_true(v_lin * (1 - (double)(B - 1) / (double)B) > 8 * mcse);
    if (!(fabs(mean - v_lin) < 4 * mcse))
        fail_msg("mean %.6g, expectation %.6g: %.1f Monte Carlo SEs apart", mean, v_lin,
                 fabs(mean - v_lin) / mcse);
    double se_diff = sqrt(mcse * mcse + r_mcse * r_mcse);
    if (!(fabs(mean - r_mean) < 4 * se_diff))
        fail_msg("mean %.6g, R subbootstrap %.6g: %.1f SEs apart", mean, r_mean,
                 fabs(mean - r_mean) / se_diff);
    helby_design_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scale_is_one_over_b_minus_one_in_the_variance),
        cmocka_unit_test(each_replicate_draws_n_h_minus_1_psus_per_stratum),
        cmocka_unit_test(two_replicates_weights_by_hand),
        cmocka_unit_test(mean_variance_over_seeds_matches_the_expectation_and_r_subbootstrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
