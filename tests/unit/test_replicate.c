/* test_replicate.c — replicate designs (src/lib/stats/replicate.c) and estimation with them
 * (helby_estimate_by_replicates): JKn by domain against R survey, the jackknife weights by
 * their definition, and the memory of a 20,000-PSU jackknife, counted through allocation
 * wrappers (the program is linked with -Wl,--wrap for the allocator). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helby/estimate.h"

/* ---- Allocation counting: bytes requested while `counting`; a single request above
 * `limit` fails, so that a regression to a P x R matrix fails the test instead of the
 * machine. ---- */
void *__real_malloc(size_t n);
void *__real_calloc(size_t m, size_t n);
void *__real_realloc(void *p, size_t n);
int __real_posix_memalign(void **p, size_t align, size_t n);
static int counting;
static size_t counted, limit = SIZE_MAX;

static int admit(size_t n)
{
    if (!counting)
        return 1;
    counted += n;
    return n <= limit;
}

void *__wrap_malloc(size_t n)
{
    return admit(n) ? __real_malloc(n) : NULL;
}

void *__wrap_calloc(size_t m, size_t n)
{
    if (n && m > SIZE_MAX / n)
        return NULL;
    return admit(m * n) ? __real_calloc(m, n) : NULL;
}

void *__wrap_realloc(void *p, size_t n)
{
    return admit(n) ? __real_realloc(p, n) : NULL;
}

int __wrap_posix_memalign(void **p, size_t align, size_t n)
{
    return admit(n) ? __real_posix_memalign(p, align, n) : 12 /* ENOMEM */;
}

/* ---- The data of scripts/r-golden-jkn.R, written out the same way: row k of 240 is in
 * stratum k % 4, which has 3 + h PSUs; domain (k / 7) % 3. ---- */
enum { N = 240, D = 3 };
typedef struct jkn_data {
    double w[N], y[N], fpc[N];
    size_t strata[N], psus[N];
    long dom[N];
} jkn_data;

static void jkn_data_fill(jkn_data *t)
{
    static const double Npop[4] = {6, 4, 10, 12}; /* stratum 1: 4 of 4 PSUs, certainty */
    for (size_t k = 0; k < N; k++) {
        size_t h = k % 4;
        t->strata[k] = h;
        t->psus[k] = h * 10 + (k / 4) % (3 + h);
        t->dom[k] = (long)((k / 7) % 3);
        t->w[k] = 1 + (double)(k % 5) * 0.5;
        t->y[k] = (double)((k * 37) % 101) / 10;
        t->fpc[k] = Npop[h];
    }
}

static void assert_close(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("got %.17g, R survey %.17g", got, want);
}

/* Means, then totals, per domain: {estimate, SE} as printed by scripts/r-golden-jkn.R. */
static void check_against_r(const jkn_data *t, const double *fpc, const double want[6][2],
                            double want_df)
{
    helby_design_spec s = {N, t->w, t->strata, t->psus, fpc, HELBY_LONELY_FAIL, NULL, 0};
    helby_design *d;
    helby_replicates *r;
    helby_estimates *e;
    helby_error err;
    helby_rep_spec jkn = {HELBY_REP_JKN, 0, 0, 0, 0};
    assert_int_equal(helby_design_new(&d, &s, &err), HELBY_OK);
    assert_int_equal(helby_replicates_new(&r, d, &jkn, &err), HELBY_OK);
    assert_true(helby_replicates_df(r) == want_df);
    for (int kind = 0; kind < 2; kind++) {
        assert_int_equal(helby_estimate_by_replicates(r, kind ? HELBY_EST_TOTAL : HELBY_EST_MEAN,
                                                      t->y, NULL, t->dom, D, NULL, &e, &err),
                         HELBY_OK);
        for (size_t g = 0; g < D; g++) {
            assert_close(e->est[g].estimate, want[kind * D + g][0], 1e-14);
            assert_close(e->est[g].se, want[kind * D + g][1], 1e-12);
            assert_true(e->est[g].df == want_df);
        }
        helby_estimates_free(e);
    }
    helby_replicates_free(r);
    helby_design_free(d);
}

static void jkn_domain_means_and_totals_match_r_svyby(void **state)
{
    (void)state;
    /* R: svyby(~y, ~dom, as.svrepdesign(svydesign(ids = ~psu, strata = ~h, weights = ~w),
     * type = "JKn"), svymean / svytotal); degf 14 = 18 PSUs - 4 strata. */
    static const double want[6][2] = {
        {5.0644578313253019, 0.22331169909635021}, {4.9524999999999997, 0.23914701021041132},
        {4.872727272727273, 0.4467625635460496},   {840.70000000000005, 78.808024126142527},
        {792.39999999999998, 115.22918177845982},  {750.39999999999998, 95.433543194553295}};
    jkn_data *t = malloc(sizeof *t);
    assert_non_null(t);
    jkn_data_fill(t);
    check_against_r(t, NULL, want, 14);
    free(t);
}

static void jkn_with_a_certainty_stratum_matches_r_svyby(void **state)
{
    (void)state;
    /* As above with fpc = ~Npop: stratum 1 has all its 4 PSUs. R (survey.drop.replicates,
     * the default) keeps no replicate for it, so degf = qr() rank - 1 = 2 + 4 + 5 = 11. */
    static const double want[6][2] = {
        {5.0644578313253019, 0.1381138083781841}, {4.9524999999999997, 0.16108578862958503},
        {4.872727272727273, 0.31241866662242207}, {840.70000000000005, 52.725553576989604},
        {792.39999999999998, 80.600832812074628}, {750.39999999999998, 65.637534993325275}};
    jkn_data *t = malloc(sizeof *t);
    assert_non_null(t);
    jkn_data_fill(t);
    check_against_r(t, t->fpc, want, 11);
    free(t);
}

/* The jackknife weights by their definition (R jknweights): replicate r drops PSU j of
 * stratum h, strata and their PSUs numbered in order of first appearance; the other PSUs of
 * h weigh n_h / (n_h - 1) times more, all other rows as before. With fpc, the certainty
 * stratum 1 has no replicates: 3 + 5 + 6 of them. */
static void jackknife_weights_follow_the_definition(void **state)
{
    (void)state;
    jkn_data *t = malloc(sizeof *t);
    assert_non_null(t);
    jkn_data_fill(t);
    for (int with_fpc = 0; with_fpc < 2; with_fpc++) {
        helby_design_spec s = {
            N, t->w, t->strata, t->psus, with_fpc ? t->fpc : NULL, HELBY_LONELY_FAIL, NULL, 0};
        helby_design *d;
        helby_replicates *r;
        helby_error err;
        helby_rep_spec jkn = {HELBY_REP_JKN, 0, 0, 0, 0};
        assert_int_equal(helby_design_new(&d, &s, &err), HELBY_OK);
        assert_int_equal(helby_replicates_new(&r, d, &jkn, &err), HELBY_OK);
        assert_int_equal(helby_replicates_count(r), with_fpc ? 14 : 18);
        size_t rep = 0;
        for (size_t hr = 0; hr < 4; hr++) {
            if (with_fpc && hr == 1)
                continue;
            for (size_t jr = 0; jr < 3 + hr; jr++, rep++)
                for (size_t k = 0; k < N; k++) {
                    size_t h = k % 4, j = (k / 4) % (3 + h);
                    double nh = 3.0 + (double)h;
                    double want = h != hr ? t->w[k] : j == jr ? 0 : t->w[k] * (nh / (nh - 1));
                    assert_true(helby_replicates_weight(r, k, rep) == want);
                }
        }
        helby_replicates_free(r);
        helby_design_free(d);
    }
    free(t);
}

/* 20,000 PSUs in 100 strata, two rows each: JKn has 20,000 replicates. Built, it holds per
 * row a weight and a PSU index (12 bytes) and per PSU a replicate scale, its stratum and
 * its place (24 bytes): about 1 MB, where P x R multipliers were 3.2 GB (refused here by
 * the 64 MB cap on one allocation). Estimating 4 domains keeps replicates x domains and
 * PSUs x domains sums, never replicates x PSUs. */
static void jkn_of_20000_psus_allocates_linear_in_psus(void **state)
{
    (void)state;
    enum { P = 20000, ROWS = 2 * P, DOMS = 4 };
    size_t *strata = malloc(ROWS * sizeof *strata), *psus = malloc(ROWS * sizeof *psus);
    double *w = malloc(ROWS * sizeof *w), *y = malloc(ROWS * sizeof *y);
    long *dom = malloc(ROWS * sizeof *dom);
    assert_true(strata && psus && w && y && dom);
    for (size_t k = 0; k < ROWS; k++) {
        psus[k] = k / 2;
        strata[k] = psus[k] / 200;
        w[k] = 1 + (double)(k % 3);
        y[k] = (double)(k % 17);
        dom[k] = (long)(k % DOMS);
    }
    helby_design_spec s = {ROWS, w, strata, psus, NULL, HELBY_LONELY_FAIL, NULL, 0};
    helby_design *d;
    helby_replicates *r;
    helby_estimates *e;
    helby_error err;
    helby_rep_spec jkn = {HELBY_REP_JKN, 0, 0, 0, 0};
    assert_int_equal(helby_design_new(&d, &s, &err), HELBY_OK);
    counting = 1, counted = 0, limit = (size_t)64 << 20;
    helby_status st = helby_replicates_new(&r, d, &jkn, &err);
    size_t built = counted;
    counted = 0;
    helby_status st2 =
        st ? st
           : helby_estimate_by_replicates(r, HELBY_EST_MEAN, y, NULL, dom, DOMS, NULL, &e, &err);
    size_t estimated = counted;
    counting = 0;
    assert_int_equal(st, HELBY_OK);
    assert_int_equal(st2, HELBY_OK);
    assert_int_equal(helby_replicates_count(r), P);
    assert_true(helby_replicates_df(r) == P - P / 200);
    print_message("JKn, %d PSUs: %zu bytes to build, %zu to estimate %d domains\n", P, built,
                  estimated, DOMS);
    assert_true(built <= 16 * (size_t)ROWS + 32 * (size_t)P);
    assert_true(estimated <= 8 * sizeof(double) * (2 * (size_t)P + 1) * DOMS + 65536);
    helby_estimates_free(e);
    helby_replicates_free(r);
    helby_design_free(d);
    free(strata), free(psus), free(w), free(y), free(dom);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jkn_domain_means_and_totals_match_r_svyby),
        cmocka_unit_test(jkn_with_a_certainty_stratum_matches_r_svyby),
        cmocka_unit_test(jackknife_weights_follow_the_definition),
        cmocka_unit_test(jkn_of_20000_psus_allocates_linear_in_psus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
