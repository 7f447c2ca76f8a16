/* test_explain.c — helby_explain_design (helby/explain.h) against R survey on data(api)
 * (scripts/r-golden-explain.R: svystandardize, svypredmeans, the Oaxaca-Blinder decomposition
 * by influence functions and by withReplicates), to 1e-8 relative; and its edges: a standard
 * cell without respondents of a group, collinear covariates, a wave without minorities. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#pragma GCC diagnostic ignored "-Wunused-function" /* golden_util.h's other readers */
#include "golden_util.h"
#include "helby/design.h"
#include "helby/explain.h"

typedef struct gval {
    char c[32], q[40], t[32];
    double est, se;
} gval;

static size_t read_values(gval *g, size_t room)
{
    FILE *f = fopen(GOLDEN "explain_values.csv", "r");
    assert_non_null(f);
    char line[512];
    size_t n = 0;
    while (fgets(line, sizeof line, f) && n < room) {
        char *fl[6], *p = line;
        if (line[0] == '#' || !strncmp(line, "case;", 5))
            continue;
        for (int i = 0; i < 6; i++) {
            fl[i] = p;
            p = strchr(p, ';');
            if (p)
                *p++ = 0;
            else if (i < 5)
                fail_msg("short line in explain_values.csv");
        }
        snprintf(g[n].c, sizeof g[n].c, "%s", fl[0]);
        snprintf(g[n].q, sizeof g[n].q, "%s", fl[2]);
        snprintf(g[n].t, sizeof g[n].t, "%s", fl[3]);
        g[n].est = strtod(fl[4], NULL);
        g[n].se = strtod(fl[5], NULL);
        n++;
    }
    fclose(f);
    return n;
}

/* apistrat as the R script wrote it: covariate columns mealsband=2,3 and stypec=2,3; the 9
 * standard cells mealsband x stypec (mealsband fastest, as R's svytable). */
typedef struct api {
    size_t n;
    double *w, *y, *X, share[9];
    int *group;
    size_t *strata;
    long *cell;
    size_t term[4];
} api;

static void api_load(api *a)
{
    table *t = load("explain_api");
    const double *st = col(t, "stratum"), *pw = col(t, "pw"), *y = col(t, "y");
    const double *g = col(t, "group"), *mb = col(t, "mealsband"), *sc = col(t, "stypec");
    static const double pop[9] = {100, 200, 300, 150, 250, 50, 120, 80, 40};
    a->n = t->nrows;
    a->w = malloc(a->n * sizeof *a->w), a->y = malloc(a->n * sizeof *a->y);
    a->X = malloc(a->n * 4 * sizeof *a->X), a->group = malloc(a->n * sizeof *a->group);
    a->strata = malloc(a->n * sizeof *a->strata), a->cell = malloc(a->n * sizeof *a->cell);
    for (size_t k = 0; k < a->n; k++) {
        a->w[k] = pw[k], a->y[k] = y[k], a->group[k] = (int)g[k], a->strata[k] = (size_t)st[k];
        a->X[k * 4 + 0] = mb[k] == 2, a->X[k * 4 + 1] = mb[k] == 3;
        a->X[k * 4 + 2] = sc[k] == 2, a->X[k * 4 + 3] = sc[k] == 3;
        a->cell[k] = (long)(mb[k] - 1 + 3 * (sc[k] - 1));
    }
    for (int c = 0; c < 9; c++)
        a->share[c] = pop[c] / 1290;
    a->term[0] = a->term[1] = 0, a->term[2] = a->term[3] = 1;
    free(t);
}

static void api_free(api *a)
{
    free(a->w), free(a->y), free(a->X), free(a->group), free(a->strata), free(a->cell);
}

static helby_explain_data api_data(const api *a)
{
    helby_explain_data d = {a->n, a->y,    a->group, 4,        a->X, a->term,
                            2,    a->cell, 9,        a->share, NULL, NULL};
    return d;
}

static helby_design *api_design(const api *a)
{
    helby_design_spec s = {a->n, a->w, a->strata, NULL, NULL, HELBY_LONELY_FAIL, NULL, 0};
    helby_design *d = NULL;
    helby_error err;
    assert_int_equal(helby_design_new(&d, &s, &err), HELBY_OK);
    return d;
}

static const helby_estimate *quantity_of(const helby_explain_fit *f, const char *q, const char *t)
{
    static const char *terms[2] = {"mealsband", "stypec"};
    if (!strcmp(q, "explained") && strcmp(t, "total"))
        return &f->terms[!strcmp(t, terms[0]) ? 0 : 1];
    for (int i = 0; i < HELBY_EX_N_QUANTITIES; i++)
        if (!strcmp(q, helby_explain_quantity_name((helby_explain_quantity)i)))
            return &f->q[i];
    fail_msg("no quantity %s", q);
    return NULL;
}

static void check_case(const helby_explain_fit *f, const char *cs)
{
    static gval g[256];
    size_t n = read_values(g, 256), seen = 0;
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(g[i].c, cs))
            continue;
        const helby_estimate *e = quantity_of(f, g[i].q, g[i].t);
        double a[2] = {e->estimate, e->se}, b[2] = {g[i].est, g[i].se};
        for (int k = 0; k < 2; k++) {
            double rel = fabs(a[k] - b[k]) / fmax(fabs(b[k]), 1e-300);
            if (!(rel <= 1e-8))
                fail_msg("%s %s %s %s: helby %.17g, R %.17g (rel %.3g)", cs, g[i].q, g[i].t,
                         k ? "se" : "estimate", a[k], b[k], rel);
            worst = fmax(worst, rel);
        }
        seen++;
    }
    assert_true(seen >= 13);
    print_message("%s: %zu quantities, max rel. diff %.3g\n", cs, seen, worst);
}

static void test_api_linearization(void **state)
{
    (void)state;
    api a;
    api_load(&a);
    helby_design *d = api_design(&a);
    helby_explain_data in = api_data(&a);
    helby_explain_fit f;
    helby_error err;
    assert_int_equal(helby_explain_design(d, NULL, &in, 0, NULL, &f, &err), HELBY_OK);
    check_case(&f, "api_lin");
    assert_string_equal(f.note, "");
    /* Oaxaca identity: gap = explained + unexplained; linear: adj_gap = unexplained. */
    assert_true(fabs(f.q[HELBY_EX_RAW_GAP].estimate - f.q[HELBY_EX_EXPLAINED].estimate -
                     f.q[HELBY_EX_UNEXPLAINED].estimate) < 1e-9);
    assert_true(fabs(f.q[HELBY_EX_ADJ_GAP].estimate - f.q[HELBY_EX_UNEXPLAINED].estimate) < 1e-9);
    assert_true(f.df == 197);
    helby_explain_fit_free(&f);
    helby_design_free(d);
    api_free(&a);
}

static void test_api_jkn(void **state)
{
    (void)state;
    api a;
    api_load(&a);
    helby_design *d = api_design(&a);
    helby_replicates *r = NULL;
    helby_rep_spec rs = {HELBY_REP_JKN, 0.3, 0, 1, 0};
    helby_error err;
    assert_int_equal(helby_replicates_new(&r, d, &rs, &err), HELBY_OK);
    helby_explain_data in = api_data(&a);
    helby_explain_fit f;
    assert_int_equal(helby_explain_design(d, r, &in, 0, NULL, &f, &err), HELBY_OK);
    check_case(&f, "api_jkn");
    helby_explain_fit_free(&f);
    helby_replicates_free(r);
    helby_design_free(d);
    api_free(&a);
}

static void fit_api(api *a, helby_explain_data *in, helby_explain_fit *f)
{
    helby_design *d = api_design(a);
    helby_error err;
    assert_int_equal(helby_explain_design(d, NULL, in, 0, NULL, f, &err), HELBY_OK);
    helby_design_free(d);
}

/* A standard cell without minorities: their standardised mean (and the standardised gap) is
 * undefined and said so; everything else stands. */
static void test_empty_cell(void **state)
{
    (void)state;
    api a;
    api_load(&a);
    for (size_t k = 0; k < a.n; k++)
        if (a.cell[k] == 0 && a.group[k] == 1)
            a.group[k] = -1;
    helby_explain_data in = api_data(&a);
    helby_explain_fit f;
    fit_api(&a, &in, &f);
    assert_true(isnan(f.q[HELBY_EX_STD_MEAN_MINORITIES].estimate));
    assert_true(isnan(f.q[HELBY_EX_STD_MEAN_MINORITIES].se));
    assert_true(isnan(f.q[HELBY_EX_STD_GAP].estimate));
    assert_false(isnan(f.q[HELBY_EX_STD_MEAN_DANES].estimate));
    assert_false(isnan(f.q[HELBY_EX_EXPLAINED].estimate));
    assert_non_null(strstr(f.note, "has no minorities"));
    helby_explain_fit_free(&f);
    /* A respondent outside the standard's cells: both standardised means undefined. */
    a.cell[0] = -1;
    fit_api(&a, &in, &f);
    assert_true(isnan(f.q[HELBY_EX_STD_MEAN_DANES].estimate));
    assert_non_null(strstr(f.note, "not in the standard"));
    helby_explain_fit_free(&f);
    api_free(&a);
}

/* A covariate column that repeats another is aliased (R's NA coefficient), flagged in the
 * note; the fit and every quantity are those without it, its explained part undefined. */
static void test_collinear(void **state)
{
    (void)state;
    api a;
    api_load(&a);
    helby_explain_data in = api_data(&a);
    helby_explain_fit f0, f1;
    fit_api(&a, &in, &f0);
    double *X5 = malloc(a.n * 5 * sizeof *X5);
    for (size_t k = 0; k < a.n; k++) {
        memcpy(X5 + k * 5, a.X + k * 4, 4 * sizeof *X5);
        X5[k * 5 + 4] = a.X[k * 4 + 2];
    }
    size_t term5[5] = {0, 0, 1, 1, 2};
    const char *names[5] = {"mealsband=2", "mealsband=3", "stypec=2", "stypec=3", "copy=2"};
    in.X = X5, in.q = 5, in.term_of_col = term5, in.n_terms = 3, in.col_names = names;
    fit_api(&a, &in, &f1);
    assert_true(f1.aliased[6]);
    assert_false(f1.aliased[4]);
    assert_non_null(strstr(f1.note, "copy=2 is collinear"));
    for (int q = 0; q < HELBY_EX_N_QUANTITIES; q++) {
        assert_true(fabs(f1.q[q].estimate - f0.q[q].estimate) <= 1e-9 * fabs(f0.q[q].estimate));
        assert_true(fabs(f1.q[q].se - f0.q[q].se) <= 1e-8 * f0.q[q].se);
    }
    assert_true(isnan(f1.terms[2].estimate)); /* every column of it left out: undefined */
    helby_explain_fit_free(&f0);
    helby_explain_fit_free(&f1);
    free(X5);
    api_free(&a);
}

/* No minorities: the Danes' means stand, every gap and the decomposition are undefined. */
static void test_no_minorities(void **state)
{
    (void)state;
    api a;
    api_load(&a);
    for (size_t k = 0; k < a.n; k++)
        if (a.group[k] == 1)
            a.group[k] = -1;
    helby_explain_data in = api_data(&a);
    helby_explain_fit f;
    fit_api(&a, &in, &f);
    assert_false(isnan(f.q[HELBY_EX_MEAN_DANES].estimate));
    assert_false(isnan(f.q[HELBY_EX_MEAN_DANES].se));
    int undefined[] = {HELBY_EX_MEAN_MINORITIES, HELBY_EX_RAW_GAP,
                       HELBY_EX_STD_GAP,         HELBY_EX_ADJ_GAP,
                       HELBY_EX_EXPLAINED,       HELBY_EX_UNEXPLAINED,
                       HELBY_EX_ADJ_MEAN_DANES,  HELBY_EX_ADJ_MEAN_MINORITIES};
    for (size_t i = 0; i < sizeof undefined / sizeof *undefined; i++)
        assert_true(isnan(f.q[undefined[i]].estimate));
    assert_true(isnan(f.terms[0].estimate));
    assert_non_null(strstr(f.note, "no minorities"));
    assert_int_equal(f.n_group[1], 0);
    helby_explain_fit_free(&f);
    api_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_linearization), cmocka_unit_test(test_api_jkn),
        cmocka_unit_test(test_empty_cell),        cmocka_unit_test(test_collinear),
        cmocka_unit_test(test_no_minorities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
