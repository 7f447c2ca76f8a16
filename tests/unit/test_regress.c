/* test_regress.c — formulas, model matrices and helby_regress (src/lib/analysis/regress.c):
 * R's term order and treatment contrasts, the roles group/district/wave, missing codes, the
 * errors of a formula and of a factor with one level; then helby_regress on the example
 * survey's waves against R svyglm (tests/golden/regress_values.csv, scripts/r-golden-regress.R):
 * the stacked waves and a JKn logistic fit through the library, as `helby regress` prints. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helby/ingest.h"
#include "helby/regress.h"

#define SURVEY HELBY_SOURCE_ROOT "/surveys/copenhagen"
#define VALUES HELBY_SOURCE_ROOT "/tests/golden/regress_values.csv"

static void terms_are_in_r_order_and_interactions_expand(void **state)
{
    (void)state;
    helby_formula f;
    helby_error err;
    assert_int_equal(helby_formula_parse(" y~ b:a + a*c + b + a + c:a ", &f, &err), HELBY_OK);
    assert_string_equal(f.response, "y");
    /* main effects in the order the terms name them (a*c: a, c; then b), then the
     * interactions as written, their variables in order of first appearance (b, a, c), a
     * duplicate (c:a) once */
    assert_int_equal(f.n_terms, 5);
    const char *want[5][2] = {{"a", ""}, {"c", ""}, {"b", ""}, {"b", "a"}, {"a", "c"}};
    size_t nv[5] = {1, 1, 1, 2, 2};
    for (size_t t = 0; t < 5; t++) {
        assert_int_equal(f.terms[t].n_vars, nv[t]);
        for (size_t i = 0; i < nv[t]; i++)
            assert_string_equal(f.terms[t].vars[i], want[t][i]);
    }
    assert_int_equal(helby_formula_parse("y ~ a*b*c", &f, &err), HELBY_OK);
    assert_int_equal(f.n_terms, 7); /* a b c a:b a:c b:c a:b:c */
    assert_int_equal(f.terms[6].n_vars, 3);
}

static void formula_syntax_errors_name_the_column(void **state)
{
    (void)state;
    helby_formula f;
    helby_error err;
    assert_int_equal(helby_formula_parse("y ~ a +", &f, &err), HELBY_EUSAGE);
    assert_non_null(strstr(err.message, "column 8"));
    assert_int_equal(helby_formula_parse("y a", &f, &err), HELBY_EUSAGE);
    assert_non_null(strstr(err.message, "'~'"));
    assert_int_equal(helby_formula_parse("y ~ a - b", &f, &err), HELBY_EUSAGE);
    assert_non_null(strstr(err.message, "column 7"));
    assert_int_equal(helby_formula_parse("y ~ a:b:c:d:e", &f, &err), HELBY_EUSAGE);
    assert_int_equal(helby_formula_parse(NULL, &f, &err), HELBY_EUSAGE);
}

/* A dataset by hand: one wave of 8 rows, origin (group), ageband (codes), weight (real). */
typedef struct fake {
    helby_dataset D;
    long wave_ids[1];
    size_t wave_first[1], wave_rows[1];
    char *vars[3];
    double *cols[3];
    double origin[8], ageband[8], x[8];
} fake;

static void fake_init(fake *F, const helby_survey *s, const double *ageband)
{
    memset(F, 0, sizeof *F);
    static const double origin[8] = {1, 2, 3, 1, 1, 2, 1, 3};
    for (int k = 0; k < 8; k++)
        F->origin[k] = origin[k], F->ageband[k] = ageband[k], F->x[k] = 0.5 * k;
    F->D.survey = s;
    F->D.n = 8, F->D.n_waves = 1;
    F->wave_ids[0] = 2014, F->wave_rows[0] = 8;
    F->D.wave_ids = F->wave_ids, F->D.wave_first = F->wave_first, F->D.wave_rows = F->wave_rows;
    F->vars[0] = "origin", F->vars[1] = "ageband", F->vars[2] = "weight";
    F->cols[0] = F->origin, F->cols[1] = F->ageband, F->cols[2] = F->x;
    F->D.n_vars = 3, F->D.vars = F->vars, F->D.cols = F->cols;
}

static void model_matrix_has_treatment_contrasts_and_roles(void **state)
{
    (void)state;
    helby_survey *s;
    helby_error err;
    assert_int_equal(helby_survey_load(&s, SURVEY, &err), HELBY_OK);
    static const double ab[8] = {2, 3, 4, 2, NAN, 3, 4, 2}; /* an empty cell */
    fake F;
    fake_init(&F, s, ab);
    helby_formula f;
    assert_int_equal(helby_formula_parse("y ~ group*ageband + weight", &f, &err), HELBY_OK);
    const char *load[8];
    assert_int_equal(helby_formula_columns(s, &f, load, 8, &err), 3);
    assert_string_equal(load[0], "origin"); /* the group role's variable */
    helby_model_matrix mm;
    assert_int_equal(helby_model_matrix_build(&F.D, &f, NULL, &mm, &err), HELBY_OK);
    /* levels present: 2, 3, 4 (reference 2; code 1 absent) */
    const char *want[] = {"(Intercept)",
                          "group=minorities",
                          "ageband=3",
                          "ageband=4",
                          "weight",
                          "group=minorities:ageband=3",
                          "group=minorities:ageband=4"};
    assert_int_equal(mm.p, 7);
    for (size_t j = 0; j < 7; j++)
        assert_string_equal(mm.names[j], want[j]);
    assert_true(mm.term_of_col[0] == SIZE_MAX && mm.term_of_col[1] == 0 && mm.term_of_col[3] == 1 &&
                mm.term_of_col[4] == 2 && mm.term_of_col[6] == 3);
    /* row 1: origin 2 (minority), ageband 3 */
    const double r1[] = {1, 1, 1, 0, 0.5, 1, 0};
    for (size_t j = 0; j < 7; j++)
        assert_true(mm.X[1 * 7 + j] == r1[j]);
    /* row 4: no ageband: NaN, the row leaves the model */
    assert_true(isnan(mm.X[4 * 7 + 2]));
    helby_model_matrix_free(&mm);
    /* the group variable by its own name is a factor of its codes */
    assert_int_equal(helby_formula_parse("y ~ origin", &f, &err), HELBY_OK);
    assert_int_equal(helby_model_matrix_build(&F.D, &f, NULL, &mm, &err), HELBY_OK);
    assert_int_equal(mm.p, 3);
    assert_string_equal(mm.names[2], "origin=3");
    helby_model_matrix_free(&mm);
    /* a factor with one level in the model's rows */
    static const double one[8] = {2, 2, 2, 2, 2, 2, 2, 2};
    fake_init(&F, s, one);
    assert_int_equal(helby_formula_parse("y ~ group + ageband", &f, &err), HELBY_OK);
    assert_int_equal(helby_model_matrix_build(&F.D, &f, NULL, &mm, &err), HELBY_EINPUT);
    assert_non_null(strstr(err.message, "factor 'ageband' has one level"));
    /* unknown variables and text variables */
    assert_int_equal(helby_formula_parse("y ~ nosuch", &f, &err), HELBY_OK);
    assert_int_equal(helby_formula_columns(s, &f, load, 8, &err), -1);
    assert_non_null(strstr(err.message, "nosuch"));
    assert_int_equal(helby_formula_parse("y ~ resp_id", &f, &err), HELBY_OK);
    assert_int_equal(helby_model_matrix_build(&F.D, &f, NULL, &mm, &err), HELBY_EINPUT);
    assert_non_null(strstr(err.message, "'resp_id' is text"));
    helby_survey_free(s);
}

/* ---- helby_regress on the example survey ---- */

static double value(const char *c, const char *q, const char *term)
{
    FILE *f = fopen(VALUES, "r");
    assert_non_null(f);
    char line[512], want[256];
    snprintf(want, sizeof want, "%s;%s;%s;", c, q, term);
    double v = NAN;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, want, strlen(want)))
            v = strtod(line + strlen(want), NULL);
    fclose(f);
    if (isnan(v))
        fail_msg("no golden %s", want);
    return v;
}

static void near(double got, double want, double rel, const char *what)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("%s: helby %.17g, R %.17g", what, got, want);
}

static helby_store *example_store(helby_survey **s)
{
    helby_error err;
    helby_store *st;
    assert_int_equal(helby_survey_load(s, SURVEY, &err), HELBY_OK);
    assert_int_equal(helby_store_open(&st, ":memory:", HELBY_OPEN_CREATE, &err), HELBY_OK);
    assert_int_equal(helby_store_add_survey(st, *s, 0, NULL, &err), HELBY_OK);
    for (long w = 2011; w <= 2014; w++) {
        char path[512];
        snprintf(path, sizeof path, SURVEY "/example/wave_%ld.csv", w);
        helby_import_options o;
        helby_import_options_default(&o);
        helby_import_summary sum;
        helby_error_list errs;
        helby_error_list_init(&errs, 10);
        if (helby_import_file(st, *s, path, &o, &sum, &errs, &err))
            fail_msg("%s", err.message);
        helby_import_summary_free(&sum);
        helby_error_list_free(&errs);
    }
    return st;
}

static void check_fit(const char *c, const helby_regress_fit *fit, double tol)
{
    const helby_glm *g = fit->glm;
    for (size_t j = 0; j < g->p; j++) {
        near(g->coef[j].estimate, value(c, "estimate", fit->mm.names[j]), tol, "estimate");
        near(g->coef[j].se, value(c, "se", fit->mm.names[j]), tol, "se");
    }
    near(g->df, value(c, "df", ""), 1e-15, "df");
    assert_true(fit->n_tests >= 2);
    for (size_t i = 0; i < fit->n_tests; i++)
        near(fit->tests[i].wald.F, value(c, "wald_F", fit->tests[i].term), tol, "wald F");
    assert_string_equal(fit->tests[fit->n_tests - 1].term, "model");
}

static void regress_matches_svyglm_on_the_example(void **state)
{
    (void)state;
    helby_survey *s;
    helby_store *st = example_store(&s);
    helby_regress_request q;
    helby_regress_request_default(&q);
    q.model = "inclusion ~ group + wave + ageband";
    q.stacked = 1;
    helby_regress_result *r;
    helby_error err;
    if (helby_regress(st, s, &q, &r, &err))
        fail_msg("%s", err.message);
    assert_int_equal(r->n_fits, 1);
    assert_int_equal(r->fits[0].wave, 0);
    check_fit("ex_stacked_lin", &r->fits[0], 1e-8);
    assert_string_equal(r->variance, "linearization");
    helby_regress_result_free(r);

    long w14 = 2014;
    q.model = "share_trust_police ~ group + ageband";
    q.stacked = 0, q.waves = &w14, q.n_waves = 1;
    q.family = HELBY_GLM_QUASIBINOMIAL;
    q.replicates = 1, q.rep.type = HELBY_REP_JKN;
    if (helby_regress(st, s, &q, &r, &err))
        fail_msg("%s", err.message);
    assert_int_equal(r->n_fits, 1);
    assert_int_equal(r->fits[0].wave, 2014);
    check_fit("ex_2014_jkn_logit", &r->fits[0], 1e-7);
    assert_string_equal(r->variance, "jkn");
    helby_regress_result_free(r);

    /* errors carry the wave */
    q.model = "inclusion ~ group + ageband";
    assert_int_equal(helby_regress(st, s, &q, &r, &err), HELBY_EINPUT);
    assert_non_null(strstr(err.message, "outside [0, 1]"));
    assert_string_equal(err.variable, "inclusion");
    q.family = HELBY_GLM_GAUSSIAN, q.replicates = 0;
    q.model = "inclusion ~ group + wave";
    assert_int_equal(helby_regress(st, s, &q, &r, &err), HELBY_EINPUT);
    assert_non_null(strstr(err.message, "wave 2014: "));
    q.model = "nosuch ~ group"; /* a variable the survey does not have: bad input (exit 2) */
    assert_int_equal(helby_regress(st, s, &q, &r, &err), HELBY_EINPUT);
    helby_store_close(st);
    helby_survey_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(terms_are_in_r_order_and_interactions_expand),
        cmocka_unit_test(formula_syntax_errors_name_the_column),
        cmocka_unit_test(model_matrix_has_treatment_contrasts_and_roles),
        cmocka_unit_test(regress_matches_svyglm_on_the_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
