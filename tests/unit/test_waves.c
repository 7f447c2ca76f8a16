/* test_waves.c — one design per wave (src/lib/analysis/waves.c) against R survey, wave by wave.
 *
 * The edge-case survey tests/data/edge and its golden values tests/golden/edge_values.csv
 * come from scripts/r-golden-edge.R (R survey 4.1, each wave analysed alone). The property
 * tests check that a wave's numbers never depend on which other waves are stored. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helby/analysis.h"
#include "helby/ingest.h"

#define EDGE HELBY_SOURCE_ROOT "/tests/data/edge"
#define GOLDEN HELBY_SOURCE_ROOT "/tests/golden/edge_values.csv"

/* One value of edge_values.csv (case;wave;domain;quantity;value), or NAN when absent. */
static double golden(const char *c, long wave, const char *domain, const char *quantity)
{
    FILE *f = fopen(GOLDEN, "r");
    assert_non_null(f);
    char line[512], want[256];
    snprintf(want, sizeof want, "%s;%ld;%s;%s;", c, wave, domain, quantity);
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

/* A store holding the edge survey with the waves given. */
static helby_store *edge_store(const long *waves, size_t nw, helby_survey **s)
{
    helby_error err;
    helby_store *st = NULL;
    assert_int_equal(helby_survey_load(s, EDGE, &err), HELBY_OK);
    assert_int_equal(helby_store_open(&st, ":memory:", HELBY_OPEN_CREATE, &err), HELBY_OK);
    assert_int_equal(helby_store_add_survey(st, *s, 0, NULL, &err), HELBY_OK);
    for (size_t i = 0; i < nw; i++) {
        char path[512];
        snprintf(path, sizeof path, EDGE "/waves/wave_%ld.csv", waves[i]);
        helby_import_options o;
        helby_import_options_default(&o);
        o.dialect.decimal = '.';
        helby_import_summary sum;
        helby_error_list errs;
        helby_error_list_init(&errs, 10);
        helby_status r = helby_import_file(st, *s, path, &o, &sum, &errs, &err);
        if (r)
            print_error("%s\n", err.message);
        assert_int_equal(r, HELBY_OK);
        helby_import_summary_free(&sum);
        helby_error_list_free(&errs);
    }
    return st;
}

/* Domains group (0 Danes, 1 minorities) x wave index: 2 * wave + group. */
static long *group_wave_domains(const helby_dataset *D)
{
    const double *g = helby_dataset_col(D, "origin");
    long *dom = malloc(D->n * sizeof *dom);
    assert_non_null(dom);
    for (size_t i = 0; i < D->n_waves; i++)
        for (size_t k = D->wave_first[i]; k < D->wave_first[i] + D->wave_rows[i]; k++) {
            int gi = helby_survey_group_of(D->survey, g[k]);
            dom[k] = gi < 0 ? -1 : (long)(2 * i) + gi;
        }
    return dom;
}

typedef struct run {
    helby_store *st;
    helby_survey *s;
    helby_dataset *D;
    helby_wave_designs *W;
    helby_estimates *e;
} run;

/* Mean of `item` by group x wave over the waves stored, with `rep` (NULL: linearization). */
static void run_means(run *r, const long *waves, size_t nw, const char *item,
                      const helby_rep_spec *rep)
{
    helby_error err;
    const char *vars[] = {"origin", item};
    r->st = edge_store(waves, nw, &r->s);
    assert_int_equal(helby_dataset_open(&r->D, r->st, r->s, NULL, 0, vars, 2, &err), HELBY_OK);
    char inputs[1024] = "";
    helby_status st =
        helby_wave_designs_new(&r->W, r->st, r->D, rep, NULL, inputs, sizeof inputs, &err);
    if (st)
        print_error("%s\n", err.message);
    assert_int_equal(st, HELBY_OK);
    double *y = malloc(r->D->n * sizeof *y);
    long *dom = group_wave_domains(r->D);
    assert_int_equal(helby_measure_values(r->D, item, y, &err), HELBY_OK);
    helby_estimate_options o;
    helby_estimate_options_default(&o);
    st = helby_estimate_waves(r->W, HELBY_EST_MEAN, y, NULL, dom, 2 * r->D->n_waves, &o, &r->e,
                              &err);
    if (st)
        print_error("%s\n", err.message);
    assert_int_equal(st, HELBY_OK);
    free(y);
    free(dom);
}

static void run_free(run *r)
{
    helby_estimates_free(r->e);
    helby_wave_designs_free(r->W);
    helby_dataset_free(r->D);
    helby_survey_free(r->s);
    helby_store_close(r->st);
}

static const long ALL[] = {2011, 2012, 2013, 2014};

static void each_wave_matches_r_on_that_wave_alone(void **state)
{
    (void)state;
    run r = {0};
    run_means(&r, ALL, 4, "q3", NULL);
    for (size_t i = 0; i < 4; i++)
        for (int g = 0; g < 2; g++) {
            char dom[16];
            snprintf(dom, sizeof dom, "group=%d", g);
            const helby_estimate *e = &r.e->est[2 * i + (size_t)g];
            near(e->estimate, golden("lin", ALL[i], dom, "mean_q3v"), 1e-10);
            near(e->se, golden("lin", ALL[i], dom, "se_q3v"), 1e-8);
            near(e->df, golden("lin", ALL[i], "", "df"), 0);
            near(e->ci_low, golden("lin", ALL[i], dom, "low_q3v"), 1e-8);
            near(e->ci_high, golden("lin", ALL[i], dom, "high_q3v"), 1e-8);
        }
    /* Waves are independent: no covariance between domains of different waves. */
    assert_true(r.e->vcov[0 * 8 + 2] == 0.0 && r.e->vcov[1 * 8 + 7] == 0.0);
    assert_true(r.e->vcov[0 * 8 + 1] != 0.0 || r.e->vcov[1 * 8 + 0] != 0.0 || r.e->vcov[0] > 0);
    run_free(&r);
}

static void an_empty_cell_is_flagged_and_the_rest_estimated(void **state)
{
    (void)state;
    run r = {0};
    run_means(&r, ALL, 4, "q1", NULL);
    /* 2013 (wave index 2): every minority respondent answered q1 "ved ikke". */
    assert_true(golden("lin", 2013, "group=1", "empty_q1v") == 1.0);
    const helby_estimate *empty = &r.e->est[2 * 2 + 1];
    assert_int_equal(empty->n, 0);
    assert_true(isnan(empty->estimate) && isnan(empty->se));
    near(r.e->est[2 * 2].estimate, golden("lin", 2013, "group=0", "mean_q1v"), 1e-10);
    near(r.e->est[2 * 3 + 1].se, golden("lin", 2014, "group=1", "se_q1v"), 1e-8);
    run_free(&r);
}

static void jkn_per_wave_matches_r(void **state)
{
    (void)state;
    run r = {0};
    helby_rep_spec rs = {HELBY_REP_JKN, 0.3, 0, 1, 0};
    static const long W3[] = {2012, 2013, 2014};
    run_means(&r, W3, 3, "q3", &rs);
    for (size_t i = 0; i < 3; i++)
        for (int g = 0; g < 2; g++) {
            char dom[16];
            snprintf(dom, sizeof dom, "group=%d", g);
            const helby_estimate *e = &r.e->est[2 * i + (size_t)g];
            near(e->estimate, golden("jkn", W3[i], dom, "mean_q3v"), 1e-10);
            near(e->se, golden("jkn", W3[i], dom, "se_q3v"), 1e-8);
            near(e->df, golden("jkn", W3[i], "", "df"), 0);
        }
    run_free(&r);
}

/* The same wave alone and among three others: bit for bit, for every variance method. */
static void a_wave_is_the_same_whatever_else_is_stored(void **state)
{
    (void)state;
    static const long ONE[] = {2012}, FOUR[] = {2011, 2012, 2013, 2014};
    helby_rep_spec specs[] = {{HELBY_REP_JK1, 0.3, 0, 1, 0},
                              {HELBY_REP_JKN, 0.3, 0, 1, 0},
                              {HELBY_REP_BOOTSTRAP, 0.3, 40, 7, 0},
                              {HELBY_REP_BOOTSTRAP, 0.3, 40, 7, 1}};
    for (int m = -1; m < (int)(sizeof specs / sizeof specs[0]); m++) {
        if (m == 0)
            continue; /* JK1 is for unstratified designs; the edge survey is stratified */
        run a = {0}, b = {0};
        run_means(&a, ONE, 1, "q3", m < 0 ? NULL : &specs[m]);
        run_means(&b, FOUR, 4, "q3", m < 0 ? NULL : &specs[m]);
        for (int g = 0; g < 2; g++) {
            const helby_estimate *x = &a.e->est[g], *y = &b.e->est[2 + g];
            assert_memory_equal(&x->estimate, &y->estimate, sizeof(double));
            assert_memory_equal(&x->se, &y->se, sizeof(double));
            assert_memory_equal(&x->df, &y->df, sizeof(double));
            assert_memory_equal(&x->ci_low, &y->ci_low, sizeof(double));
            assert_memory_equal(&x->ci_high, &y->ci_high, sizeof(double));
        }
        run_free(&a);
        run_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_wave_matches_r_on_that_wave_alone),
        cmocka_unit_test(an_empty_cell_is_flagged_and_the_rest_estimated),
        cmocka_unit_test(jkn_per_wave_matches_r),
        cmocka_unit_test(a_wave_is_the_same_whatever_else_is_stored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
