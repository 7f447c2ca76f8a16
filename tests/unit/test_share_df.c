/* test_share_df.c — a share's CI on a domain takes the domain's own df, as R survey's svyby
 * of svyciprop computes each domain's CI on its subset (issue 23 item 6): linearization (the
 * domain's PSUs - its strata), BRR, Fay, JKn and supplied (bootstrap) replicate weights (the
 * rank of the domain's replicate weights - 1), logit and Korn-Graubard; the logit CI with
 * replicates on the replicate variance of the replicates' logits (svyglm re-fits each). The
 * design, R's bootstrap weights and R's values: scripts/r-golden-repdomain.R, written to
 * tests/golden/repdomain_*.csv. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>

#include "helby/design.h"
#include "helby/estimate.h"

#define GOLD HELBY_SOURCE_ROOT "/tests/golden/"
#define NMAX 128
#define RBOOT 40

static size_t n;
static double w[NMAX], y[NMAX];
static size_t str[NMAX], psu[NMAX];
static long dom[NMAX];

/* Up to max ';'-separated numbers of line into v (an empty field: NaN); their count. */
static size_t split(char *line, double *v, size_t max)
{
    size_t k = 0;
    for (char *p = line; k < max;) {
        char *end = strpbrk(p, ";\n");
        v[k++] = end == p ? NAN : strtod(p, NULL);
        if (!end || *end == '\n')
            break;
        p = end + 1;
    }
    return k;
}

static void read_data(void)
{
    FILE *f = fopen(GOLD "repdomain_data.csv", "r");
    assert_non_null(f);
    char line[256];
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "psu;str;w;dom;y\n");
    for (n = 0; n < NMAX && fgets(line, sizeof line, f); n++) {
        double v[5];
        assert_int_equal(split(line, v, 5), 5);
        psu[n] = (size_t)v[0], str[n] = (size_t)v[1], w[n] = v[2], dom[n] = (long)v[3];
        y[n] = v[4];
    }
    fclose(f);
    assert_int_equal(n, 96);
}

static helby_design *design(void)
{
    helby_design_spec s = {.n = n, .weights = w, .strata = str, .psus = psu};
    helby_design *d = NULL;
    helby_error err;
    assert_int_equal(helby_design_new(&d, &s, &err), HELBY_OK);
    return d;
}

/* R's bootstrap replicates as supplied weights (column r at weights + r * n). */
static helby_replicates *boot(void)
{
    static double rw[RBOOT * NMAX];
    FILE *f = fopen(GOLD "repdomain_boot.csv", "r");
    assert_non_null(f);
    char line[2048];
    for (size_t k = 0; k < n; k++) {
        double v[RBOOT];
        assert_non_null(fgets(line, sizeof line, f));
        assert_int_equal(split(line, v, RBOOT), RBOOT);
        for (size_t r = 0; r < RBOOT; r++)
            rw[r * n + k] = v[r];
    }
    fclose(f);
    f = fopen(GOLD "repdomain_boot_scale.csv", "r");
    assert_non_null(f);
    double sc[2];
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(fgets(line, sizeof line, f));
    assert_int_equal(split(line, sc, 2), 2);
    fclose(f);
    helby_replicates *r = NULL;
    helby_error err;
    assert_int_equal(helby_replicates_supplied(&r, n, RBOOT, w, rw, sc[0], NULL, (int)sc[1], &err),
                     HELBY_OK);
    return r;
}

static void near(double got, double want, double rel, const char *what)
{
    if (!(fabs(got - want) <= rel * fmax(1e-12, fabs(want)))) {
        print_error("%s: got %.17g, want %.17g\n", what, got, want);
        fail();
    }
}

/* Every row of R's values for design nm against helby's domains of d or r. */
static size_t check_design(const char *nm, const helby_design *d, const helby_replicates *r,
                           helby_share_df rule)
{
    FILE *f = fopen(GOLD "repdomain_values.csv", "r");
    assert_non_null(f);
    char line[512];
    size_t checked = 0;
    while (fgets(line, sizeof line, f)) {
        char *semi = strchr(line, ';'), *m2;
        if (line[0] == '#' || !semi || strncmp(line, nm, strlen(nm)) ||
            semi - line != (long)strlen(nm))
            continue;
        m2 = strchr(semi + 1, ';');
        assert_non_null(m2);
        int beta = !strncmp(semi + 1, "beta;", 5);
        double v[7]; /* domain;degf;n;p;se;low;high */
        assert_int_equal(split(m2 + 1, v, 7), 7);
        helby_estimate_options o;
        helby_estimate_options_default(&o);
        o.ci = beta ? HELBY_CI_BETA : HELBY_CI_LOGIT;
        o.share_df = rule;
        helby_estimates *e = NULL;
        helby_error err;
        assert_int_equal(
            d ? helby_estimate_by(d, HELBY_EST_MEAN, y, NULL, dom, 3, &o, &e, &err)
              : helby_estimate_by_replicates(r, HELBY_EST_MEAN, y, NULL, dom, 3, &o, &e, &err),
            HELBY_OK);
        const helby_estimate *x = &e->est[(size_t)v[0]];
        assert_int_equal(x->n, (size_t)v[2]);
        near(x->estimate, v[3], 1e-12, "p");
        near(x->se, v[4], 1e-9, "se");
        if (rule == HELBY_SHARE_DF_DOMAIN || beta) {
            near(x->ci_df, v[1], 0, "ci_df");
            near(x->ci_low, v[5], 1e-8, "low");
            near(x->ci_high, v[6], 1e-8, "high");
        } else { /* the design's df and the delta method's logit SE, on R's p and SE */
            double t = gsl_cdf_tdist_Pinv(0.975, x->df), l = log(v[3] / (1 - v[3]));
            double s = v[4] / (v[3] * (1 - v[3]));
            assert_true(x->ci_df == x->df && x->df >= v[1]);
            near(x->ci_low, 1 / (1 + exp(-(l - t * s))), 1e-8, "delta low");
            near(x->ci_high, 1 / (1 + exp(-(l + t * s))), 1e-8, "delta high");
        }
        helby_estimates_free(e);
        checked++;
    }
    fclose(f);
    return checked;
}

static void linearization_takes_the_domains_psus_minus_strata(void **state)
{
    (void)state;
    read_data();
    helby_design *d = design();
    assert_int_equal(check_design("linearization", d, NULL, HELBY_SHARE_DF_DOMAIN), 6);
    helby_design_free(d);
}

static void replicates_take_the_rank_of_the_domains_weights(void **state)
{
    (void)state;
    read_data();
    helby_design *d = design();
    const struct {
        const char *nm;
        helby_rep_spec spec;
        size_t rows;
    } kinds[] = {{"brr", {.type = HELBY_REP_BRR}, 5},
                 {"fay", {.type = HELBY_REP_FAY, .fay_rho = 0.3}, 6},
                 {"jkn", {.type = HELBY_REP_JKN}, 6}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        helby_replicates *r = NULL;
        helby_error err;
        assert_int_equal(helby_replicates_new(&r, d, &kinds[i].spec, &err), HELBY_OK);
        assert_int_equal(check_design(kinds[i].nm, NULL, r, HELBY_SHARE_DF_DOMAIN), kinds[i].rows);
        helby_replicates_free(r);
    }
    helby_replicates *b = boot();
    /* Domain 2 has replicate shares of 0 or 1 under BRR and the bootstrap (an infinite
     * logit, where R's svyglm stops short): R's rows there are beta only. */
    assert_int_equal(check_design("bootstrap", NULL, b, HELBY_SHARE_DF_DOMAIN), 5);
    helby_replicates_free(b);
    helby_design_free(d);
}

static void the_design_rule_keeps_the_waves_df_for_logit(void **state)
{
    (void)state;
    read_data();
    helby_design *d = design();
    assert_int_equal(check_design("linearization", d, NULL, HELBY_SHARE_DF_DESIGN), 6);
    helby_replicates *r = NULL;
    helby_rep_spec spec = {.type = HELBY_REP_BRR};
    helby_error err;
    assert_int_equal(helby_replicates_new(&r, d, &spec, &err), HELBY_OK);
    assert_int_equal(check_design("brr", NULL, r, HELBY_SHARE_DF_DESIGN), 5);
    helby_replicates_free(r);
    helby_design_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(linearization_takes_the_domains_psus_minus_strata),
        cmocka_unit_test(replicates_take_the_rank_of_the_domains_weights),
        cmocka_unit_test(the_design_rule_keeps_the_waves_df_for_logit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
