/* test_golden.c — helby's estimates against R survey 4.1.1 on the api data that ships with
 * it (apisrs, apistrat, apiclus1, apiclus2 first stage, and apiclus1 with a lonely PSU under
 * each rule). The values come from scripts/r-golden.R, run by hand, in tests/golden/values.csv;
 * relative tolerance 1e-8 (absolute 1e-10 near zero). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "helby/estimate.h"

#include "golden_util.h"

static int load_golden(void **state)
{
    (void)state;
    return read_golden("values.csv");
}

typedef struct design_case {
    const char *name, *file;
    int strata, psu, fpc;
    helby_lonely_rule rule;
    const char *fpc_column; /* default "fpc" */
} design_case;

static void run_case(const design_case *c)
{
    table *t = load(c->file);
    size_t n = t->nrows;
    size_t *strata = malloc(n * sizeof *strata), *psu = malloc(n * sizeof *psu);
    for (size_t k = 0; k < n; k++) {
        strata[k] = (size_t)col(t, "stratum")[k];
        psu[k] = (size_t)col(t, "psu")[k];
    }
    helby_design_spec spec = {n,
                              col(t, "weight"),
                              c->strata ? strata : NULL,
                              c->psu ? psu : NULL,
                              c->fpc ? col(t, c->fpc_column ? c->fpc_column : "fpc") : NULL,
                              c->rule,
                              NULL,
                              0};
    helby_design *d;
    helby_error err;
    if (helby_design_new(&d, &spec, &err))
        fail_msg("%s: %s", c->name, err.message);
    check(c->name, "df", "", helby_design_df(d));
    helby_estimate_options o;
    helby_estimate_options_default(&o);
    helby_estimates *e;

    assert_int_equal(
        helby_estimate_by(d, HELBY_EST_MEAN, col(t, "api00"), NULL, NULL, 1, &o, &e, &err),
        HELBY_OK);
    check(c->name, "mean_api00", "", e->est[0].estimate);
    check(c->name, "se_mean_api00", "", e->est[0].se);
    check(c->name, "deff_mean_api00", "", e->est[0].deff);
    helby_estimates_free(e);

    /* NA rows leave the domain (R na.rm = TRUE); CI with t on the design df. */
    assert_int_equal(
        helby_estimate_by(d, HELBY_EST_MEAN, col(t, "api00_na"), NULL, NULL, 1, &o, &e, &err),
        HELBY_OK);
    check(c->name, "mean_api00_na", "", e->est[0].estimate);
    check(c->name, "se_mean_api00_na", "", e->est[0].se);
    check(c->name, "ci_t_mean_api00_na_low", "", e->est[0].ci_low);
    check(c->name, "ci_t_mean_api00_na_high", "", e->est[0].ci_high);
    helby_estimates_free(e);
    o.ci = HELBY_CI_NORMAL;
    assert_int_equal(
        helby_estimate_by(d, HELBY_EST_MEAN, col(t, "api00_na"), NULL, NULL, 1, &o, &e, &err),
        HELBY_OK);
    check(c->name, "ci_normal_mean_api00_na_low", "", e->est[0].ci_low);
    check(c->name, "ci_normal_mean_api00_na_high", "", e->est[0].ci_high);
    helby_estimates_free(e);
    o.ci = HELBY_CI_T;

    assert_int_equal(
        helby_estimate_by(d, HELBY_EST_TOTAL, col(t, "enroll"), NULL, NULL, 1, &o, &e, &err),
        HELBY_OK);
    check(c->name, "total_enroll", "", e->est[0].estimate);
    check(c->name, "se_total_enroll", "", e->est[0].se);
    check(c->name, "deff_total_enroll", "", e->est[0].deff);
    helby_estimates_free(e);

    assert_int_equal(helby_estimate_by(d, HELBY_EST_RATIO, col(t, "api00"), col(t, "api99"), NULL,
                                       1, &o, &e, &err),
                     HELBY_OK);
    check(c->name, "ratio_api00_api99", "", e->est[0].estimate);
    check(c->name, "se_ratio_api00_api99", "", e->est[0].se);
    helby_estimates_free(e);

    static const struct {
        helby_ci_method m;
        const char *name;
    } props[] = {{HELBY_CI_LOGIT, "logit"}, {HELBY_CI_BETA, "beta"}, {HELBY_CI_WALD, "mean"}};
    for (size_t i = 0; i < 3; i++) {
        o.ci = props[i].m;
        assert_int_equal(
            helby_estimate_by(d, HELBY_EST_MEAN, col(t, "yes"), NULL, NULL, 1, &o, &e, &err),
            HELBY_OK);
        char q[64];
        snprintf(q, sizeof q, "prop_yes_%s", props[i].name);
        check(c->name, q, "", e->est[0].estimate);
        snprintf(q, sizeof q, "prop_yes_%s_low", props[i].name);
        check(c->name, q, "", e->est[0].ci_low);
        snprintf(q, sizeof q, "prop_yes_%s_high", props[i].name);
        check(c->name, q, "", e->est[0].ci_high);
        check(c->name, "se_prop_yes", "", e->est[0].se);
        helby_estimates_free(e);
    }
    o.ci = HELBY_CI_T;

    /* Domains by school type (1 = E, 2 = H, 3 = M), their covariance and two contrasts. */
    long *dom = malloc(n * sizeof *dom);
    for (size_t k = 0; k < n; k++)
        dom[k] = (long)col(t, "stype")[k] - 1;
    assert_int_equal(
        helby_estimate_by(d, HELBY_EST_MEAN, col(t, "api00"), NULL, dom, 3, &o, &e, &err),
        HELBY_OK);
    for (size_t g = 0; g < 3; g++) {
        char ds[8];
        snprintf(ds, sizeof ds, "%zu", g + 1);
        check(c->name, "by_mean_api00", ds, e->est[g].estimate);
        check(c->name, "by_se_mean_api00", ds, e->est[g].se);
        check(c->name, "by_deff_mean_api00", ds, e->est[g].deff);
    }
    check(c->name, "by_cov_E_H", "", e->vcov[0 * 3 + 1]);
    helby_estimate r;
    assert_int_equal(
        helby_contrast(e, HELBY_CONTRAST_DIFFERENCE, 0, 1, helby_design_df(d), &o, &r, &err),
        HELBY_OK);
    check(c->name, "diff_E_H", "", r.estimate);
    check(c->name, "se_diff_E_H", "", r.se);
    assert_int_equal(
        helby_contrast(e, HELBY_CONTRAST_RATIO, 0, 1, helby_design_df(d), &o, &r, &err), HELBY_OK);
    check(c->name, "ratio_E_H", "", r.estimate);
    check(c->name, "se_ratio_E_H", "", r.se);
    helby_estimates_free(e);
    free(dom);
    helby_design_free(d);
    free(strata);
    free(psu);
    free(t);
}

static void srs_estimates_match_r_survey_on_apisrs(void **state)
{
    (void)state;
    design_case c = {"srs", "srs", 0, 0, 1, HELBY_LONELY_FAIL, NULL};
    run_case(&c);
    /* The same fpc given as a sampling fraction n/N gives the same values. */
    design_case f = {"srs", "srs", 0, 0, 1, HELBY_LONELY_FAIL, "fraction"};
    run_case(&f);
}

static void stratified_estimates_match_r_survey_on_apistrat(void **state)
{
    (void)state;
    design_case c = {"strat", "strat", 1, 0, 1, HELBY_LONELY_FAIL, NULL};
    run_case(&c);
}

static void cluster_estimates_match_r_survey_on_apiclus1(void **state)
{
    (void)state;
    design_case c = {"clus1", "clus1", 0, 1, 1, HELBY_LONELY_FAIL, NULL};
    run_case(&c);
}

static void two_stage_first_stage_variance_matches_r_on_apiclus2(void **state)
{
    (void)state;
    design_case c = {"clus2", "clus2", 0, 1, 1, HELBY_LONELY_FAIL, NULL};
    run_case(&c);
}

static void each_lonely_psu_rule_matches_r_survey(void **state)
{
    (void)state;
    static const design_case cases[] = {
        {"lonely_remove", "lonely", 1, 1, 0, HELBY_LONELY_REMOVE, NULL},
        {"lonely_certainty", "lonely", 1, 1, 0, HELBY_LONELY_CERTAINTY, NULL},
        {"lonely_adjust", "lonely", 1, 1, 0, HELBY_LONELY_ADJUST, NULL},
        {"lonely_average", "lonely", 1, 1, 0, HELBY_LONELY_AVERAGE, NULL},
    };
    for (size_t i = 0; i < 4; i++)
        run_case(&cases[i]);
}

static void lonely_psu_under_fail_names_the_stratum(void **state)
{
    (void)state;
    table *t = load("lonely");
    size_t n = t->nrows, *strata = malloc(n * sizeof *strata), *psu = malloc(n * sizeof *psu);
    for (size_t k = 0; k < n; k++) {
        strata[k] = (size_t)col(t, "stratum")[k];
        psu[k] = (size_t)col(t, "psu")[k];
    }
    helby_design_spec spec = {n, col(t, "weight"), strata, psu, NULL, HELBY_LONELY_FAIL, NULL, 0};
    helby_design *d = NULL;
    helby_error err;
    assert_int_equal(helby_design_new(&d, &spec, &err), HELBY_EINPUT);
    assert_non_null(strstr(err.message, "stratum 99 has only one PSU"));
    free(strata);
    free(psu);
    free(t);
}

/* The same quantities under a replicate design (R as.svrepdesign). */
static void run_replicates(const char *name, const helby_replicates *r, const table *t)
{
    helby_estimate_options o;
    helby_estimate_options_default(&o);
    helby_estimates *e;
    helby_error err;
    check(name, "df", "", helby_replicates_df(r));
    assert_int_equal(helby_estimate_by_replicates(r, HELBY_EST_MEAN, col(t, "api00"), NULL, NULL, 1,
                                                  &o, &e, &err),
                     HELBY_OK);
    check(name, "mean_api00", "", e->est[0].estimate);
    check(name, "se_mean_api00", "", e->est[0].se);
    helby_estimates_free(e);
    assert_int_equal(helby_estimate_by_replicates(r, HELBY_EST_TOTAL, col(t, "enroll"), NULL, NULL,
                                                  1, &o, &e, &err),
                     HELBY_OK);
    check(name, "total_enroll", "", e->est[0].estimate);
    check(name, "se_total_enroll", "", e->est[0].se);
    helby_estimates_free(e);
    assert_int_equal(helby_estimate_by_replicates(r, HELBY_EST_RATIO, col(t, "api00"),
                                                  col(t, "api99"), NULL, 1, &o, &e, &err),
                     HELBY_OK);
    check(name, "se_ratio_api00_api99", "", e->est[0].se);
    helby_estimates_free(e);
    size_t n = t->nrows;
    long *dom = malloc(n * sizeof *dom);
    for (size_t k = 0; k < n; k++)
        dom[k] = (long)col(t, "stype")[k] - 1;
    assert_int_equal(helby_estimate_by_replicates(r, HELBY_EST_MEAN, col(t, "api00"), NULL, dom, 3,
                                                  &o, &e, &err),
                     HELBY_OK);
    for (size_t g = 0; g < 3; g++) {
        char ds[8];
        snprintf(ds, sizeof ds, "%zu", g + 1);
        check(name, "by_se_mean_api00", ds, e->est[g].se);
    }
    check(name, "by_cov_E_H", "", e->vcov[1]);
    helby_estimates_free(e);
    free(dom);
}

static helby_design *make_design(const table *t, int strata, int psu, int fpc)
{
    size_t n = t->nrows, *s = malloc(n * sizeof *s), *p = malloc(n * sizeof *p);
    for (size_t k = 0; k < n; k++) {
        s[k] = (size_t)col(t, "stratum")[k];
        p[k] = (size_t)col(t, "psu")[k];
    }
    helby_design_spec spec = {n,
                              col(t, "weight"),
                              strata ? s : NULL,
                              psu ? p : NULL,
                              fpc ? col(t, "fpc") : NULL,
                              HELBY_LONELY_FAIL,
                              NULL,
                              0};
    helby_design *d = NULL;
    helby_error err;
    if (helby_design_new(&d, &spec, &err))
        fail_msg("%s", err.message);
    free(s);
    free(p);
    return d;
}

static void jackknife_replicates_match_r_as_svrepdesign(void **state)
{
    (void)state;
    helby_error err;
    helby_rep_spec jk1 = {HELBY_REP_JK1, 0, 0, 0, 0}, jkn = {HELBY_REP_JKN, 0, 0, 0, 0};
    table *t = load("clus1");
    helby_design *d = make_design(t, 0, 1, 1);
    helby_replicates *r;
    assert_int_equal(helby_replicates_new(&r, d, &jk1, &err), HELBY_OK);
    run_replicates("jk1_clus1", r, t);
    helby_replicates_free(r);
    jk1.mse = 1; /* centred on the full-sample estimate */
    assert_int_equal(helby_replicates_new(&r, d, &jk1, &err), HELBY_OK);
    run_replicates("jk1_clus1_mse", r, t);
    helby_replicates_free(r);
    jk1.mse = 0;
    helby_design_free(d);
    free(t);
    t = load("strat");
    d = make_design(t, 1, 0, 1);
    assert_int_equal(helby_replicates_new(&r, d, &jkn, &err), HELBY_OK);
    run_replicates("jkn_strat", r, t);
    helby_replicates_free(r);
    assert_int_equal(helby_replicates_new(&r, d, &jk1, &err), HELBY_EINPUT); /* stratified */
    helby_design_free(d);
    free(t);
}

static void brr_and_fay_replicates_match_r_as_svrepdesign(void **state)
{
    (void)state;
    helby_error err;
    helby_rep_spec brr = {HELBY_REP_BRR, 0, 0, 0, 0}, fay = {HELBY_REP_FAY, 0.3, 0, 0, 0};
    table *t = load("pairs");
    helby_design *d = make_design(t, 1, 1, 0);
    helby_replicates *r;
    assert_int_equal(helby_replicates_new(&r, d, &brr, &err), HELBY_OK);
    run_replicates("brr_pairs", r, t);
    helby_replicates_free(r);
    assert_int_equal(helby_replicates_new(&r, d, &fay, &err), HELBY_OK);
    run_replicates("fay_pairs", r, t);
    helby_replicates_free(r);
    fay.fay_rho = 1.5;
    assert_int_equal(helby_replicates_new(&r, d, &fay, &err), HELBY_EUSAGE);
    helby_design_free(d);
    free(t);
}

/* R's own replicate weights (BRR, Fay, and a seeded bootstrap) read as producer-supplied
 * weights with R's scale and rscales. */
static void supplied_replicate_weights_match_r(void **state)
{
    (void)state;
    static const struct {
        const char *weights, *data, *golden;
    } cases[] = {{"brr_repweights", "pairs", "brr_pairs"},
                 {"fay_repweights", "pairs", "fay_pairs"},
                 {"boot_repweights", "clus1", "boot_clus1"}};
    for (size_t c = 0; c < 3; c++) {
        table *t = load(cases[c].data);
        table *w = load(cases[c].weights);
        size_t n = t->nrows, R = w->ncols;
        assert_int_equal(w->nrows, n);
        double *rw = malloc(n * R * sizeof *rw);
        for (size_t r = 0; r < R; r++)
            memcpy(rw + r * n, w->v[r], n * sizeof *rw);
        char sup[32];
        snprintf(sup, sizeof sup, "%.*s_supplied",
                 (int)(strchr(cases[c].weights, '_') - cases[c].weights), cases[c].weights);
        double scale = NAN, rscale = NAN;
        for (size_t i = 0; i < n_gold; i++) {
            if (strcmp(gold[i].design, sup) == 0 && strcmp(gold[i].quantity, "scale") == 0)
                scale = gold[i].value;
            if (strcmp(gold[i].design, sup) == 0 && strcmp(gold[i].quantity, "rscale1") == 0)
                rscale = gold[i].value;
        }
        double *rs = malloc(R * sizeof *rs);
        for (size_t r = 0; r < R; r++)
            rs[r] = rscale;
        helby_replicates *rep;
        helby_error err;
        assert_int_equal(
            helby_replicates_supplied(&rep, n, R, col(t, "weight"), rw, scale, rs, 0, &err),
            HELBY_OK);
        golden_use(sup, "scale"); /* scale and rscale1 are used, not compared */
        golden_use(sup, "rscale1");
        run_replicates(cases[c].golden, rep, t);
        helby_replicates_free(rep);
        free(rs);
        free(rw);
        free(w);
        free(t);
    }
}

static void every_golden_value_was_compared(void **state)
{
    (void)state;
    /* Every value in values.csv must have been compared (or read as an input), each value
     * counted once however often it was checked. */
    assert_int_equal(n_gold, 378);
    assert_every_golden_value_used();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(srs_estimates_match_r_survey_on_apisrs),
        cmocka_unit_test(stratified_estimates_match_r_survey_on_apistrat),
        cmocka_unit_test(cluster_estimates_match_r_survey_on_apiclus1),
        cmocka_unit_test(two_stage_first_stage_variance_matches_r_on_apiclus2),
        cmocka_unit_test(each_lonely_psu_rule_matches_r_survey),
        cmocka_unit_test(lonely_psu_under_fail_names_the_stratum),
        cmocka_unit_test(jackknife_replicates_match_r_as_svrepdesign),
        cmocka_unit_test(brr_and_fay_replicates_match_r_as_svrepdesign),
        cmocka_unit_test(supplied_replicate_weights_match_r),
        cmocka_unit_test(every_golden_value_was_compared),
    };
    return cmocka_run_group_tests(tests, load_golden, free_golden);
}
