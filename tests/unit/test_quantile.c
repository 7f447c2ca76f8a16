/* test_quantile.c — helby_quantile_by and helby_quantile_by_replicates (stats/quantile.c)
 * against R survey 4.1.1's svyquantile on the api data (srs, strat, clus1: rules math, school
 * and hf7, Woodruff intervals, a variable with heavy ties, missing values and a domain of one
 * respondent), R's bootstrap replicates of clus1 supplied, and BRR and Fay on brr10; values
 * from scripts/r-golden-quantile.R in tests/golden/quantile_values.csv, relative tolerance
 * 1e-8. R's NA (an interval limit outside [0, 1], df 0) must be NaN here. */
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
#include "helby/quantile.h"

#include "golden_util.h"

static const double probs[] = {0.1, 0.25, 0.5, 0.75, 0.9};
#define NP 5

/* The golden value, NaN for R's NA; fails when absent. */
static void qcheck(const char *c, const char *quantity, const char *domain, double got)
{
    for (size_t i = 0; i < n_gold; i++) {
        const golden *g = &gold[i];
        if (strcmp(g->design, c) || strcmp(g->quantity, quantity) || strcmp(g->domain, domain))
            continue;
        n_checked++;
        if (isnan(g->value) || isnan(got)) {
            if (!(isnan(g->value) && isnan(got)))
                fail_msg("%s %s[%s]: helby %.17g, R %.17g", c, quantity, domain, got, g->value);
            return;
        }
        double tol = fmax(1e-8 * fabs(g->value), 1e-10);
        if (!(fabs(got - g->value) <= tol))
            fail_msg("%s %s[%s]: helby %.17g, R %.17g", c, quantity, domain, got, g->value);
        return;
    }
    fail_msg("no golden value for %s %s[%s]", c, quantity, domain);
}

static int load_golden(void **state)
{
    (void)state;
    (void)check; /* golden_util.h's; NaN-aware qcheck here */
    return read_golden("quantile_values.csv");
}

/* Design or replicates; the domains of the R script: all rows, and stype with row 1 alone
 * in domain 4. */
typedef struct qcase {
    const char *name;
    const helby_design *d;
    const helby_replicates *r;
    size_t n;
    long *dom; /* n, 0-based */
    size_t n_dom;
} qcase;

static void check_one(const qcase *c, const char *var, const double *y, helby_qrule rule, int all)
{
    helby_estimate_options o;
    helby_estimate_options_default(&o);
    helby_estimates *e = NULL;
    helby_error err;
    size_t D = all ? 1 : c->n_dom;
    helby_status st =
        c->d ? helby_quantile_by(c->d, y, all ? NULL : c->dom, D, probs, NP, rule, &o, &e, &err)
             : helby_quantile_by_replicates(c->r, y, all ? NULL : c->dom, D, probs, NP, rule, &o,
                                            &e, &err);
    if (st)
        fail_msg("%s %s: %s", c->name, var, err.message);
    assert_int_equal(e->n_domains, D * NP);
    for (size_t g = 0; g < D; g++) {
        char dn[8], q[64];
        snprintf(dn, sizeof dn, all ? "all" : "dom=%zu", g + 1);
        snprintf(q, sizeof q, "%s_df", var);
        if (rule == HELBY_QRULE_MATH)
            qcheck(c->name, q, dn, e->est[g * NP].df);
        for (size_t j = 0; j < NP; j++) {
            const helby_estimate *x = &e->est[g * NP + j];
            const char *stat[] = {"est", "lo", "hi", "se"};
            double v[] = {x->estimate, x->ci_low, x->ci_high, x->se};
            for (int i = 0; i < 4; i++) {
                snprintf(q, sizeof q, "%s_%s_p%g_%s", var, helby_qrule_name(rule), probs[j],
                         stat[i]);
                qcheck(c->name, q, dn, v[i]);
            }
        }
    }
    helby_estimates_free(e);
}

static void check_var(const qcase *c, const char *var, const double *y, int n_rules, size_t n_dom)
{
    qcase cc = *c;
    cc.n_dom = n_dom;
    for (int r = 0; r < n_rules; r++) {
        check_one(&cc, var, y, (helby_qrule)r, 1);
        if (n_dom)
            check_one(&cc, var, y, (helby_qrule)r, 0);
    }
}

/* tie = floor(api00 / 100); domains from stype, row 1 alone. */
static void api_columns(const table *t, double *tie, long *dom)
{
    for (size_t k = 0; k < t->nrows; k++) {
        tie[k] = floor(col(t, "api00")[k] / 100);
        dom[k] = k == 0 ? 3 : (long)col(t, "stype")[k] - 1;
    }
}

static void api_designs_match_r(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int strata, psu;
    } cases[] = {{"srs", 0, 0}, {"strat", 1, 0}, {"clus1", 0, 1}};
    for (size_t c = 0; c < 3; c++) {
        table *t = load(cases[c].name);
        size_t n = t->nrows, *strata = malloc(n * sizeof *strata), *psu = malloc(n * sizeof *psu);
        double *tie = malloc(n * sizeof *tie);
        long *dom = malloc(n * sizeof *dom);
        for (size_t k = 0; k < n; k++)
            strata[k] = (size_t)col(t, "stratum")[k], psu[k] = (size_t)col(t, "psu")[k];
        api_columns(t, tie, dom);
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
        qcase q = {cases[c].name, d, NULL, n, dom, 4};
        check_var(&q, "api00", col(t, "api00"), 3, 4);
        check_var(&q, "api00_na", col(t, "api00_na"), 3, 4);
        check_var(&q, "tie", tie, 3, 4);
        helby_design_free(d);
        free(strata), free(psu), free(tie), free(dom), free(t);
    }
}

/* R's 50 bootstrap replicates of clus1, supplied (scale 1/49); the replicate method. Domain 4
 * (one school) is left out by the R script: its replicates are mostly empty. */
static void supplied_bootstrap_matches_r(void **state)
{
    (void)state;
    table *t = load("clus1"), *w = load("boot_repweights");
    size_t n = t->nrows, R = w->ncols;
    double *rw = malloc(n * R * sizeof *rw), *tie = malloc(n * sizeof *tie);
    long *dom = malloc(n * sizeof *dom);
    for (size_t r = 0; r < R; r++)
        memcpy(rw + r * n, w->v[r], n * sizeof *rw);
    api_columns(t, tie, dom);
    for (size_t k = 0; k < n; k++)
        if (dom[k] == 3)
            dom[k] = -1;
    for (int mse = 0; mse < 2; mse++) {
        helby_replicates *rep;
        helby_error err;
        assert_int_equal(
            helby_replicates_supplied(&rep, n, R, col(t, "weight"), rw, 1.0 / 49, NULL, mse, &err),
            HELBY_OK);
        qcase q = {mse ? "boot_mse" : "boot", NULL, rep, n, dom, 3};
        check_var(&q, "api00", col(t, "api00"), mse ? 1 : 2, mse ? 0 : 3);
        if (!mse)
            check_var(&q, "tie", tie, 2, 3);
        helby_replicates_free(rep);
    }
    free(rw), free(tie), free(dom), free(t), free(w);
}

static void brr_fay_and_woodruff_on_brr10_match_r(void **state)
{
    (void)state;
    FILE *f = fopen(HELBY_SOURCE_ROOT "/tests/data/brr10.csv", "r");
    assert_non_null(f);
    static size_t strata[256], psus[256];
    static double w[256], x[256], y[256], yt[256];
    static long dom[256];
    char line[256];
    size_t n = 0, h, h2, p;
    assert_non_null(fgets(line, sizeof line, f));
    while (n < 256 && fgets(line, sizeof line, f) &&
           sscanf(line, "S%zu;S%zu-P%zu;%lf;%lf;%lf", &h, &h2, &p, &w[n], &x[n], &y[n]) == 6) {
        strata[n] = h, psus[n] = 10 * h + p;
        yt[n] = nearbyint(y[n] / 5); /* R's round(): half to even */
        dom[n] = x[n] > 12 ? 0 : -1;
        n++;
    }
    fclose(f);
    const char *names[11] = {NULL, "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10"};
    helby_design_spec spec = {n, w, strata, psus, NULL, HELBY_LONELY_FAIL, names, 11};
    helby_design *d = NULL;
    helby_error err;
    assert_int_equal(helby_design_new(&d, &spec, &err), HELBY_OK);
    qcase lin = {"brr10_lin", d, NULL, n, dom, 1};
    check_var(&lin, "y", y, 2, 1);
    check_var(&lin, "yt", yt, 2, 1);
    for (int t = 0; t < 2; t++) {
        helby_rep_spec rs = {t ? HELBY_REP_FAY : HELBY_REP_BRR, t ? 0.3 : 0, 0, 0, 0};
        helby_replicates *r = NULL;
        assert_int_equal(helby_replicates_new(&r, d, &rs, &err), HELBY_OK);
        qcase q = {t ? "fay" : "brr", NULL, r, n, dom, 1};
        check_var(&q, "y", y, t ? 1 : 2, 1);
        check_var(&q, "yt", yt, t ? 1 : 2, 1);
        helby_replicates_free(r);
    }
    /* Jackknives are refused, saying why. */
    helby_rep_spec jk = {HELBY_REP_JKN, 0, 0, 0, 0};
    helby_replicates *r = NULL;
    assert_int_equal(helby_replicates_new(&r, d, &jk, &err), HELBY_OK);
    helby_estimates *e = NULL;
    assert_int_equal(
        helby_quantile_by_replicates(r, y, NULL, 1, probs, NP, HELBY_QRULE_MATH, NULL, &e, &err),
        HELBY_EUSAGE);
    assert_non_null(strstr(err.message, "jackknife"));
    assert_null(e);
    helby_replicates_free(r);
    helby_design_free(d);
}

/* Hand-worked rules on five equal weights, x = 1 2 2 3 5 (cumulative shares .2 .4 .6 .8 1):
 * p = 0.4 lands on the share exactly: math takes x[2] = 2, school (2 + 2) / 2 = 2; p = 0.6:
 * math 2, school (2 + 3) / 2 = 2.5; p = 0.5: both 2 (the next value, 2). hf7 at 0.5: pk =
 * 0, .25, .5, .75, 1 over cumw[n-1] = 4, so 2. A weight of 0 is left out. */
static void rules_by_hand(void **state)
{
    (void)state;
    double x[] = {5, 2, 1, 3, 2, 100}, w[] = {1, 1, 1, 1, 1, 0};
    assert_true(helby_weighted_quantile(x, w, 6, 0.4, HELBY_QRULE_MATH) == 2);
    assert_true(helby_weighted_quantile(x, w, 6, 0.6, HELBY_QRULE_MATH) == 2);
    assert_true(helby_weighted_quantile(x, w, 6, 0.6, HELBY_QRULE_SCHOOL) == 2.5);
    assert_true(helby_weighted_quantile(x, w, 6, 0.5, HELBY_QRULE_SCHOOL) == 2);
    assert_true(helby_weighted_quantile(x, w, 6, 0.5, HELBY_QRULE_HF7) == 2);
    assert_true(helby_weighted_quantile(x, w, 6, 1, HELBY_QRULE_MATH) == 5);
    assert_true(isnan(helby_weighted_quantile(x, w, 6, 1.5, HELBY_QRULE_MATH)));
    helby_qrule r;
    assert_true(helby_qrule_parse("school", &r) && r == HELBY_QRULE_SCHOOL);
    assert_false(helby_qrule_parse("hf9", &r));
}

static void every_golden_value_was_compared(void **state)
{
    (void)state;
    size_t quantities = 0;
    for (size_t i = 0; i < n_gold; i++)
        quantities += strcmp(gold[i].quantity, "df") != 0;
    assert_int_equal(n_checked, quantities);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rules_by_hand),
        cmocka_unit_test(api_designs_match_r),
        cmocka_unit_test(supplied_bootstrap_matches_r),
        cmocka_unit_test(brr_fay_and_woodruff_on_brr10_match_r),
        cmocka_unit_test(every_golden_value_was_compared),
    };
    return cmocka_run_group_tests(tests, load_golden, free_golden);
}
