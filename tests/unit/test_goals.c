/* test_goals.c — goal verdicts at the edges (compare.c, docs/method.md §7): Fieller's interval
 * by its definition (golden values from a root search in R, scripts/r-golden-fieller.R, in
 * tests/golden/fieller_values.csv), its boundedness on the baseline gap's df, a baseline gap
 * that is zero up to rounding, the verdict when the delta-method and Fieller intervals
 * disagree, and the reason of an inconclusive verdict. The coverage of helby's interval on
 * simulated gaps against the coverage of the definition in R (tests/golden/
 * fieller_coverage.csv, scripts/r-golden-fieller-coverage.R). The definition's coverage on
 * simulated two-wave stratified samples (scripts/sim-fieller-coverage.R, by hand): 0.952,
 * 0.951, 0.953 and 0.950 at 95 % (Monte Carlo SE 0.002), also where it is unbounded in 60 %
 * of samples. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "helby/compare.h"

/* The value of case;quantity in tests/golden/NAME (NaN if absent). */
static double golden_in(const char *name, const char *c, const char *q)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/golden/%s", HELBY_SOURCE_ROOT, name);
    FILE *f = fopen(path, "r");
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

static double golden(const char *c, const char *q)
{
    return golden_in("fieller_values.csv", c, q);
}

/* Four domains with independent estimates: Danes and minorities of a baseline wave and of a
 * target wave, each wave with its own df; the minorities' variance 0 so that the gap's is
 * the Danes'. */
typedef struct four {
    helby_estimates e;
    helby_estimate est[4];
    double vcov[16];
} four;

static void four_set(four *f, double G0, double se0, double df0, double Gt, double set, double dft)
{
    memset(f, 0, sizeof *f);
    f->e.n_domains = 4;
    f->e.est = f->est;
    f->e.vcov = f->vcov;
    double d[4] = {60, 60 - G0, 60, 60 - Gt}, v[4] = {se0 * se0, 0, set * set, 0};
    double df[4] = {df0, df0, dft, dft};
    for (int i = 0; i < 4; i++) {
        f->est[i].estimate = d[i];
        f->est[i].se = sqrt(v[i]);
        f->est[i].df = df[i];
        f->est[i].n = 100;
        f->vcov[i * 4 + i] = v[i];
    }
}

static void compare4(four *f, helby_wave_comparison out[2], double x, helby_goal_result *r)
{
    static const long waves[2] = {2011, 2014};
    static const size_t dn[2] = {0, 2}, mn[2] = {1, 3};
    helby_estimate_options o;
    helby_estimate_options_default(&o);
    helby_error err;
    assert_int_equal(helby_compare_groups(&f->e, waves, 2, dn, mn, 0, 0, &o, out, &err), HELBY_OK);
    helby_target tg = {0};
    tg.kind = HELBY_TARGET_RELATIVE_GAP_REDUCTION;
    assert_int_equal(helby_goal_evaluate(&tg, x, out, &f->e, &f->e, dn, mn, 0, 1, 0, &o, r, &err),
                     HELBY_OK);
}

/* The case: a baseline gap of 15.5 with SE 6.768 on df 5 (95 % CI [-1.9, 32.9],
 * covering zero) against a target gap of 10 (SE 10, df 700). t on the df of the change
 * (Satterthwaite 49.0: t 2.01 < 2.29) called Fieller bounded; on the baseline gap's own df
 * it is unbounded (R: bounded 0, |G_0|/SE 2.2902 < t_5 = 2.5706) and the goal inconclusive
 * for that reason. */
static void a_baseline_gap_within_its_own_t_of_zero_is_unbounded(void **state)
{
    (void)state;
    four f;
    helby_wave_comparison c[2];
    helby_goal_result r;
    four_set(&f, 15.5, 6.768, 5, 10, 10, 700);
    compare4(&f, c, 10, &r);
    assert_float_equal(golden("synthetic_zero", "bounded"), 0, 0);
    assert_float_equal(c[1].baseline_gap_t, golden("synthetic_zero", "baseline_t"), 1e-12);
    assert_int_equal(c[1].fieller_bounded, 0);
    assert_true(isnan(c[1].fieller_low) && isnan(c[1].fieller_high));
    assert_int_equal(r.fieller_bounded, 0);
    assert_int_equal(r.verdict, HELBY_VERDICT_INCONCLUSIVE);
    assert_int_equal(r.reason, HELBY_REASON_BASELINE_ZERO);
    assert_string_equal(helby_goal_reason_text(r.reason, "en"),
                        "the baseline gap is not distinguishable from zero, so a change relative "
                        "to it has no finite confidence interval (Fieller)");
}

/* A bounded case on small dfs: the bounds are where the pivot's t test on its own
 * Satterthwaite df just rejects (R uniroot, to 1e-15), and their dfs. */
static void fieller_bounds_are_where_the_pivot_test_rejects(void **state)
{
    (void)state;
    four f;
    helby_wave_comparison c[2];
    helby_goal_result r;
    four_set(&f, 10, 2, 5, 4, 1.5, 8);
    compare4(&f, c, 10, &r);
    assert_int_equal(c[1].fieller_bounded, 1);
    assert_float_equal(c[1].fieller_low, golden("synthetic_small", "low"), 1e-12);
    assert_float_equal(c[1].fieller_high, golden("synthetic_small", "high"), 1e-12);
    assert_float_equal(c[1].fieller_df_low, golden("synthetic_small", "df_low"), 1e-9);
    assert_float_equal(c[1].fieller_df_high, golden("synthetic_small", "df_high"), 1e-9);
    /* The goal's Fieller interval is the reduction's: negated and swapped. */
    assert_float_equal(r.fieller_low, -golden("synthetic_small", "high"), 1e-12);
    assert_float_equal(r.fieller_high, -golden("synthetic_small", "low"), 1e-12);
    /* Reduction 0.6: delta 0.6 -+ 2.18 * 0.17 and Fieller [0.074, 0.946] both above 5 %: met. */
    helby_goal_result r5;
    compare4(&f, c, 5, &r5);
    assert_true(r5.q.ci_low > 0.05 && r5.fieller_low > 0.05);
    assert_int_equal(r5.verdict, HELBY_VERDICT_MET);
    assert_int_equal(r5.reason, HELBY_REASON_NONE);
}

/* Delta says met, Fieller allows less than the target: inconclusive, and says why. Reduction
 * 0.6, delta CI low 0.6 - 2.18 * 0.17 = 0.229 (Var 2.25/100 + 0.04^2 4, Satterthwaite df 11.7),
 * Fieller's low 0.0745: an X between them splits the two. */
static void the_verdict_needs_both_intervals_to_agree(void **state)
{
    (void)state;
    four f;
    helby_wave_comparison c[2];
    helby_goal_result r;
    four_set(&f, 10, 2, 5, 4, 1.5, 8);
    compare4(&f, c, 1, &r);
    double fl = r.fieller_low, dl = r.q.ci_low; /* both reductions */
    assert_true(fl > 0.0744 && fl < 0.0745);
    double x = 100 * (fl < dl ? (fl + dl) / 2 : 0);
    assert_true(x > 0); /* the delta CI's low is above Fieller's here */
    compare4(&f, c, x, &r);
    assert_int_equal(r.verdict, HELBY_VERDICT_INCONCLUSIVE);
    assert_int_equal(r.reason, HELBY_REASON_DISAGREE);
    assert_int_equal(helby_verdict_of(&r.q, x / 100, 1), HELBY_VERDICT_MET);
}

/* Danes and minorities equal at baseline up to rounding (a gap of 1e-15 with SE 9e-16): the
 * relative change is undefined, never -1.28e17 %. */
static void a_baseline_gap_zero_up_to_rounding_is_no_denominator(void **state)
{
    (void)state;
    four f;
    helby_wave_comparison c[2];
    helby_goal_result r;
    four_set(&f, 0, 9e-16, 50, 3, 1, 50);
    f.est[1].estimate = 60 - 1e-14; /* 60 - (60 - 1e-14) = 1.07e-14 in doubles */
    compare4(&f, c, 10, &r);
    assert_true(c[0].gap.estimate != 0);
    assert_true(isnan(c[1].rel_gap_change.estimate));
    assert_true(isnan(r.q.estimate));
    assert_int_equal(r.verdict, HELBY_VERDICT_UNDEFINED);
}

/* A gap that closes and reverses is said so, with who is now above by how much. */
static void a_reversed_gap_is_said_in_words(void **state)
{
    (void)state;
    char b[160];
    helby_goal_reversal_text(-9.8, 0, "en", b, sizeof b);
    assert_string_equal(b, "closed and reversed (minorities now 9.8 points above)");
    helby_goal_reversal_text(-0.031, 1, "da", b, sizeof b);
    assert_string_equal(b, "lukket og vendt (etniske minoriteter ligger nu 3,1 procentpoint over)");
    four f;
    helby_wave_comparison c[2];
    helby_goal_result r;
    four_set(&f, 14.3, 1, 700, -9.8, 1, 700);
    compare4(&f, c, 10, &r);
    assert_int_equal(r.gap_reversed, 1);
    assert_float_equal(r.q.estimate, 1 + 9.8 / 14.3, 1e-12);
}

/* Coverage on simulated data: each draw gives two waves' gaps as a survey does, G ~ N(mu, s^2)
 * with variance V = s^2 chi2_df / df independent of it; helby's Fieller interval for theta =
 * mu_t / mu_0 - 1 should cover theta as often as the definition does in R's draws of the same
 * cases (pivot test at theta, 200000 draws: 0.9496, 0.9493, 0.9496). The baselines are far
 * from zero, so every interval is bounded. Tolerance: 4.5 SE of the difference of the two
 * Monte Carlo rates (0.010 with 10000 draws here; helby: 0.953, 0.951, 0.952), outside which
 * lie a normal quantile in place of t (0.913 on 4 and 6 df), a pivot variance with phi for
 * phi^2 (0.970 on 20 df) and twice the Satterthwaite df (0.933 on 4 and 6 df). */
static void fieller_covers_theta_as_its_definition_does(void **state)
{
    (void)state;
    static const char *const cases[] = {"df20", "df4_6", "df3_30"};
    const int N = 10000;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, 28);
    helby_estimate_options o;
    helby_estimate_options_default(&o);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const char *k = cases[c];
        double mu0 = golden_in("fieller_coverage.csv", k, "mu0"),
               s0 = golden_in("fieller_coverage.csv", k, "s0"),
               df0 = golden_in("fieller_coverage.csv", k, "df0");
        double mut = golden_in("fieller_coverage.csv", k, "mut"),
               st = golden_in("fieller_coverage.csv", k, "st"),
               dft = golden_in("fieller_coverage.csv", k, "dft");
        double want = golden_in("fieller_coverage.csv", k, "coverage"),
               draws = golden_in("fieller_coverage.csv", k, "draws");
        assert_false(isnan(mu0) || isnan(dft) || isnan(want) || isnan(draws));
        double theta = mut / mu0 - 1;
        int covered = 0, bounded = 0;
        for (int i = 0; i < N; i++) {
            helby_estimate g0 = {0}, gt = {0};
            g0.estimate = mu0 + gsl_ran_gaussian(rng, s0);
            g0.se = s0 * sqrt(gsl_ran_chisq(rng, df0) / df0), g0.df = df0;
            gt.estimate = mut + gsl_ran_gaussian(rng, st);
            gt.se = st * sqrt(gsl_ran_chisq(rng, dft) / dft), gt.df = dft;
            helby_fieller f;
            helby_fieller_gaps(&g0, &gt, 0, &o, &f);
            bounded += f.bounded;
            covered += f.bounded && f.low <= theta && theta <= f.high;
        }
        double got = (double)covered / N;
        double se = sqrt(want * (1 - want) * (1.0 / N + 1 / draws));
        print_message("fieller coverage %s: %.4f (R's definition %.4f, tolerance %.4f)\n", k, got,
                      want, 4.5 * se);
        assert_int_equal(bounded, N);
        assert_true(fabs(got - want) < 4.5 * se);
    }
    gsl_rng_free(rng);
}

/* A change between two independent waves by hand: now 10 (SE 3, df 20), then 4 (SE 4,
 * df 30): change 6, SE sqrt(9 + 16) = 5, Welch df 25^2 / (81/20 + 256/30) = 49.6688741721854;
 * t = 1.2. The CI and p from R: qt(0.975, df), 2 * pt(-1.2, df), and the normal's. */
static void a_change_between_waves_adds_variances_on_welch_df(void **state)
{
    (void)state;
    helby_estimate now = {.estimate = 10, .se = 3, .df = 20, .n = 50};
    helby_estimate then = {.estimate = 4, .se = 4, .df = 30, .n = 40};
    helby_estimate_options o = {.level = 0.95, .ci = HELBY_CI_T};
    helby_estimate c = helby_wave_change(&now, &then, 0, &o);
    assert_float_equal(c.estimate, 6, 1e-15);
    assert_float_equal(c.se, 5, 1e-15);
    assert_float_equal(c.df, 49.668874172185433, 1e-10);
    assert_int_equal(c.n, 40);
    assert_float_equal(c.ci_low, -4.0444546851720773, 1e-10);
    assert_float_equal(c.ci_high, 16.044454685172077, 1e-10);
    double t, p;
    helby_estimate_test_zero(&c, 0, &t, &p);
    assert_float_equal(t, 1.2, 1e-15);
    assert_float_equal(p, 0.23583194480401412, 1e-12);
    helby_estimate_test_zero(&c, 1, &t, &p);
    assert_float_equal(p, 0.23013934044341655, 1e-12);
    /* normal CIs: 6 - qnorm(0.975) * 5; a fixed df replaces Welch's */
    o.ci = HELBY_CI_NORMAL;
    c = helby_wave_change(&now, &then, 0, &o);
    assert_float_equal(c.ci_low, -3.7998199227002676, 1e-10);
    o.ci = HELBY_CI_T;
    c = helby_wave_change(&now, &then, 12, &o);
    assert_float_equal(c.df, 12, 0);
    /* an undefined level makes an undefined change, and no test */
    then.estimate = NAN;
    c = helby_wave_change(&now, &then, 0, &o);
    assert_true(isnan(c.estimate) && isnan(c.se) && isnan(c.ci_low) && isnan(c.ci_high));
    helby_estimate_test_zero(&c, 0, &t, &p);
    assert_true(isnan(t) && isnan(p));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_baseline_gap_within_its_own_t_of_zero_is_unbounded),
        cmocka_unit_test(fieller_bounds_are_where_the_pivot_test_rejects),
        cmocka_unit_test(the_verdict_needs_both_intervals_to_agree),
        cmocka_unit_test(a_baseline_gap_zero_up_to_rounding_is_no_denominator),
        cmocka_unit_test(a_reversed_gap_is_said_in_words),
        cmocka_unit_test(fieller_covers_theta_as_its_definition_does),
        cmocka_unit_test(a_change_between_waves_adds_variances_on_welch_df),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
