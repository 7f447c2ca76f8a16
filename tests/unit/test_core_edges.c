/* test_core_edges.c — the estimation core at the edges (issue 13, findings 4, 6, 7, 8):
 * Korn–Graubard CIs on a domain, replicates with a lonely PSU, BRR with R's Hadamard
 * matrices, JK1 per wave, fpc mixing. Golden values from R survey 4.1: the edge survey's
 * tests/golden/edge_values.csv (scripts/r-golden-edge.R) and tests/golden/core_edges.csv
 * (scripts/r-golden-core.R), each naming the R call that made it. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helby/analysis.h"
#include "helby/design.h"
#include "helby/estimate.h"
#include "helby/ingest.h"

#define EDGE HELBY_SOURCE_ROOT "/tests/data/edge"
#define EDGE_GOLDEN HELBY_SOURCE_ROOT "/tests/golden/edge_values.csv"
#define CORE_GOLDEN HELBY_SOURCE_ROOT "/tests/golden/core_edges.csv"

/* One value of a golden file of lines case;wave;domain;quantity;value, or NAN. */
static double golden_in(const char *file, const char *c, long wave, const char *domain,
                        const char *quantity)
{
    FILE *f = fopen(file, "r");
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

typedef struct run {
    helby_store *st;
    helby_survey *s;
    helby_dataset *D;
    helby_wave_designs *W;
    helby_estimates *e;
} run;

/* The edge survey's waves (NULL: all four) with one design per wave (rep NULL:
 * linearization). */
static void run_open_waves(run *r, const long *waves, size_t nw, const char *item,
                           const helby_rep_spec *rep)
{
    static const long ALL[] = {2011, 2012, 2013, 2014};
    helby_error err;
    const char *vars[] = {"origin", item};
    r->st = waves ? edge_store(waves, nw, &r->s) : edge_store(ALL, 4, &r->s);
    assert_int_equal(helby_dataset_open(&r->D, r->st, r->s, NULL, 0, vars, 2, &err), HELBY_OK);
    char inputs[1024] = "";
    helby_status st =
        helby_wave_designs_new(&r->W, r->st, r->D, rep, NULL, inputs, sizeof inputs, &err);
    if (st)
        print_error("%s\n", err.message);
    assert_int_equal(st, HELBY_OK);
}

static void run_open(run *r, const char *item, const helby_rep_spec *rep)
{
    run_open_waves(r, NULL, 0, item, rep);
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

/* Shares of `item` in codes lo..hi by group x wave, with CI method ci. */
static void run_share(run *r, const char *item, double lo, double hi, helby_ci_method ci)
{
    helby_error err;
    double *y = malloc(r->D->n * sizeof *y);
    long *dom = group_wave_domains(r->D);
    assert_int_equal(helby_measure_values(r->D, item, y, &err), HELBY_OK);
    for (size_t k = 0; k < r->D->n; k++)
        if (!isnan(y[k]))
            y[k] = y[k] >= lo && y[k] <= hi;
    helby_estimate_options o;
    helby_estimate_options_default(&o);
    o.ci = ci;
    helby_estimates_free(r->e);
    helby_status st = helby_estimate_waves(r->W, HELBY_EST_MEAN, y, NULL, dom, 2 * r->D->n_waves,
                                           &o, &r->e, &err);
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

/* Finding 4: Korn–Graubard and logit limits of every share by group and wave, as R's
 * svyciprop on the domain's subset (beta: its own n and degf; logit: the wave's df); at
 * p = 0 (2012, Danes, q3 = 1) Clopper–Pearson on the domain's n, flagged. */
static void share_cis_match_r_svyciprop_on_each_domain(void **state)
{
    (void)state;
    static const long ALL[] = {2011, 2012, 2013, 2014};
    static const struct {
        const char *item, *share;
        double lo, hi;
    } shares[] = {{"q1", "q1_high", 4, 5}, {"q3", "q3_low", 1, 1}};
    size_t checked = 0, flagged = 0;
    for (size_t s = 0; s < 2; s++) {
        run r = {0};
        run_open(&r, shares[s].item, NULL);
        for (int m = 0; m < 2; m++) {
            const char *method = m ? "logit" : "beta";
            run_share(&r, shares[s].item, shares[s].lo, shares[s].hi,
                      m ? HELBY_CI_LOGIT : HELBY_CI_BETA);
            for (size_t i = 0; i < 4; i++)
                for (int g = 0; g < 2; g++) {
                    char dom[16], q[64];
                    snprintf(dom, sizeof dom, "group=%d", g);
                    const helby_estimate *e = &r.e->est[2 * i + (size_t)g];
                    snprintf(q, sizeof q, "share_%s", shares[s].share);
                    double p = golden_in(EDGE_GOLDEN, "lin", ALL[i], dom, q);
                    if (isnan(p)) {
                        assert_int_equal(e->n, 0); /* 2013 minorities, q1: empty */
                        continue;
                    }
                    near(e->estimate, p, 1e-10);
                    snprintf(q, sizeof q, "share_n_%s", shares[s].share);
                    assert_int_equal(e->n, (size_t)golden_in(EDGE_GOLDEN, "lin", ALL[i], dom, q));
                    int edge = p == 0 || p == 1;
                    assert_int_equal(e->ci_deff1, edge);
                    flagged += (size_t)edge;
                    /* R has no logit interval at p = 0: helby gives the beta one. */
                    snprintf(q, sizeof q, "%s_low_%s", edge ? "beta" : method, shares[s].share);
                    near(e->ci_low, golden_in(EDGE_GOLDEN, "lin", ALL[i], dom, q), 1e-7);
                    snprintf(q, sizeof q, "%s_high_%s", edge ? "beta" : method, shares[s].share);
                    near(e->ci_high, golden_in(EDGE_GOLDEN, "lin", ALL[i], dom, q), 1e-7);
                    checked++;
                }
        }
        run_free(&r);
    }
    assert_int_equal(checked, 2 * 15);
    assert_int_equal(flagged, 2);
}

/* Mean of q3 by group x wave on r's designs (replicates rep, or linearization). */
static void run_q3(run *r, const helby_rep_spec *rep)
{
    helby_error err;
    char inputs[1024] = "";
    helby_wave_designs_free(r->W);
    r->W = NULL;
    helby_status st =
        helby_wave_designs_new(&r->W, r->st, r->D, rep, NULL, inputs, sizeof inputs, &err);
    if (st)
        print_error("%s\n", err.message);
    assert_int_equal(st, HELBY_OK);
    double *y = malloc(r->D->n * sizeof *y);
    long *dom = group_wave_domains(r->D);
    assert_int_equal(helby_measure_values(r->D, "q3", y, &err), HELBY_OK);
    helby_estimate_options o;
    helby_estimate_options_default(&o);
    helby_estimates_free(r->e);
    st = helby_estimate_waves(r->W, HELBY_EST_MEAN, y, NULL, dom, 2 * r->D->n_waves, &o, &r->e,
                              &err);
    if (st)
        print_error("%s\n", err.message);
    assert_int_equal(st, HELBY_OK);
    free(y);
    free(dom);
}

/* Finding 6a: JKn applies the survey's lonely-PSU rule as R's as.svrepdesign (jknweights)
 * instead of refusing wave 2011's one-PSU stratum S6: remove and certainty drop it (15
 * replicates), average also scales by PSUs / replicates (16/15), adjust adds a replicate
 * with the PSU out and every other PSU x H/(H-1), rscale (H-1)/H (df 11). Wave 2011 among
 * the four waves, each wave its own design. */
static void jkn_applies_the_lonely_psu_rule_as_r(void **state)
{
    (void)state;
    static const char *rules[] = {"remove", "certainty", "average", "adjust"};
    run r = {0};
    run_open(&r, "q3", NULL);
    helby_survey *s = r.s;
    const char *saved = s->lonely_psu;
    for (size_t i = 0; i < 4; i++) {
        char c[32];
        snprintf(c, sizeof c, "jkn_%s", rules[i]);
        s->lonely_psu = rules[i];
        helby_rep_spec rs = {HELBY_REP_JKN, 0, 0, 0, 0};
        run_q3(&r, &rs);
        for (int g = 0; g < 2; g++) {
            char dom[16];
            snprintf(dom, sizeof dom, "group=%d", g);
            const helby_estimate *e = &r.e->est[(size_t)g]; /* wave 2011 */
            near(e->estimate, golden_in(CORE_GOLDEN, c, 2011, dom, "mean_q3v"), 1e-10);
            near(e->se, golden_in(CORE_GOLDEN, c, 2011, dom, "se_q3v"), 1e-8);
            near(e->df, golden_in(CORE_GOLDEN, c, 2011, "", "df"), 0);
        }
        /* The other waves have no lonely PSU: the edge survey's JKn golden values. */
        near(r.e->est[2].se, golden_in(EDGE_GOLDEN, "jkn", 2012, "group=0", "se_q3v"), 1e-8);
    }
    s->lonely_psu = "fail";
    helby_rep_spec rs = {HELBY_REP_JKN, 0, 0, 0, 0};
    helby_error err;
    char inputs[256] = "";
    helby_wave_designs_free(r.W);
    r.W = NULL;
    assert_int_equal(
        helby_wave_designs_new(&r.W, r.st, r.D, &rs, NULL, inputs, sizeof inputs, &err),
        HELBY_EINPUT); /* a design limit: bad input, exit 2 */
    s->lonely_psu = saved;
    run_free(&r);
}

/* The bootstrap (helby's Rao–Wu, not R's bootweights: no R golden) gives a lonely PSU
 * multiplier 1 in every replicate; under `average` its variance is the `remove` variance
 * times strata / strata with two or more PSUs = 6/5 (by hand), on the same random stream. */
static void the_bootstrap_scales_a_lonely_psu_as_average(void **state)
{
    (void)state;
    run r = {0};
    run_open(&r, "q3", NULL);
    helby_rep_spec rs = {HELBY_REP_BOOTSTRAP, 0, 60, 11, 0};
    const char *saved = r.s->lonely_psu;
    double se[2][2];
    for (int i = 0; i < 2; i++) {
        r.s->lonely_psu = i ? "average" : "remove";
        run_q3(&r, &rs);
        for (int g = 0; g < 2; g++) {
            se[i][g] = r.e->est[g].se;
            assert_true(se[i][g] > 0 && isfinite(se[i][g]));
        }
    }
    for (int g = 0; g < 2; g++)
        near(se[1][g], se[0][g] * sqrt(6.0 / 5.0), 1e-12);
    r.s->lonely_psu = "adjust"; /* no bootstrap analogue: refused, naming the stratum */
    helby_error err;
    char inputs[256] = "";
    helby_wave_designs_free(r.W);
    r.W = NULL;
    assert_int_equal(
        helby_wave_designs_new(&r.W, r.st, r.D, &rs, NULL, inputs, sizeof inputs, &err),
        HELBY_EINPUT);
    assert_non_null(strstr(err.message, "S6"));
    r.s->lonely_psu = saved;
    run_free(&r);
}

/* Finding 6c: with PSUs and no strata, each wave is one JK1 design (R as.svrepdesign(type =
 * "JK1") on the wave alone). The edge survey's strata are erased from the loaded dataset. */
static void jk1_runs_per_wave_as_r_on_each_wave(void **state)
{
    (void)state;
    static const long ALL[] = {2011, 2012, 2013, 2014};
    run r = {0};
    run_open(&r, "q3", NULL);
    for (size_t k = 0; k < r.D->n; k++)
        r.D->strata[k] = 0;
    helby_rep_spec rs = {HELBY_REP_JK1, 0, 0, 0, 0};
    run_q3(&r, &rs);
    for (size_t i = 0; i < 4; i++)
        for (int g = 0; g < 2; g++) {
            char dom[16];
            snprintf(dom, sizeof dom, "group=%d", g);
            const helby_estimate *e = &r.e->est[2 * i + (size_t)g];
            near(e->estimate, golden_in(CORE_GOLDEN, "jk1", ALL[i], dom, "mean_q3v"), 1e-10);
            near(e->se, golden_in(CORE_GOLDEN, "jk1", ALL[i], dom, "se_q3v"), 1e-8);
            near(e->df, golden_in(CORE_GOLDEN, "jk1", ALL[i], "", "df"), 0);
        }
    run_free(&r);
}

/* Wave 2011 (its lonely PSU now has replicates) alone and among the three other waves: bit
 * for bit, for linearization, JKn and the bootstrap (with and without mse). */
static void wave_2011_is_the_same_alone_and_among_others(void **state)
{
    (void)state;
    static const long ONE[] = {2011};
    helby_rep_spec specs[] = {{HELBY_REP_JKN, 0, 0, 0, 0},
                              {HELBY_REP_BOOTSTRAP, 0, 40, 7, 0},
                              {HELBY_REP_BOOTSTRAP, 0, 40, 7, 1}};
    for (int m = -1; m < 3; m++) {
        run a = {0}, b = {0};
        const helby_rep_spec *rs = m < 0 ? NULL : &specs[m];
        run_open_waves(&a, ONE, 1, "q3", rs);
        run_open_waves(&b, NULL, 0, "q3", rs);
        run_q3(&a, rs);
        run_q3(&b, rs);
        for (int g = 0; g < 2; g++) {
            const helby_estimate *x = &a.e->est[g], *y = &b.e->est[g];
            assert_true(x->se > 0);
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

/* tests/data/brr10.csv (scripts/r-golden-core.R): stratum;psu;weight;x;y with strata S1..S10
 * and PSUs Sh-P1, Sh-P2; the rows of S10 come first. */
typedef struct brr10 {
    size_t n, strata[256], psus[256];
    double w[256], x[256], y[256];
} brr10;

static void load_brr10(brr10 *b)
{
    FILE *f = fopen(HELBY_SOURCE_ROOT "/tests/data/brr10.csv", "r");
    assert_non_null(f);
    char line[256];
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    b->n = 0;
    size_t h, h2, p;
    while (b->n < 256 && fgets(line, sizeof line, f) &&
           sscanf(line, "S%zu;S%zu-P%zu;%lf;%lf;%lf", &h, &h2, &p, &b->w[b->n], &b->x[b->n],
                  &b->y[b->n]) == 6) {
        b->strata[b->n] = h;
        b->psus[b->n++] = 10 * h + p;
    }
    fclose(f);
    assert_true(b->n > 80);
}

/* Finding 6b: BRR and Fay use R's Hadamard matrix (survey:::hadamard(10): order 12, not
 * Sylvester's 16) with strata numbered in sorted order of their names (S1, S10, S2, ...),
 * as R's brrweights, so means, totals, ratios and their SEs match R. */
static void brr_and_fay_on_ten_strata_match_r(void **state)
{
    (void)state;
    static brr10 b;
    load_brr10(&b);
    const char *names[11] = {NULL, "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10"};
    helby_design_spec spec = {b.n, b.w, b.strata, b.psus, NULL, HELBY_LONELY_FAIL, names, 11};
    helby_design *d = NULL;
    helby_error err;
    assert_int_equal(helby_design_new(&d, &spec, &err), HELBY_OK);
    for (int t = 0; t < 2; t++) {
        const char *c = t ? "fay" : "brr";
        helby_rep_spec rs = {t ? HELBY_REP_FAY : HELBY_REP_BRR, t ? 0.3 : 0, 0, 0, 0};
        helby_replicates *r = NULL;
        assert_int_equal(helby_replicates_new(&r, d, &rs, &err), HELBY_OK);
        assert_int_equal(helby_replicates_count(r),
                         (size_t)golden_in(CORE_GOLDEN, c, 0, "", "replicates"));
        near(helby_replicates_df(r), golden_in(CORE_GOLDEN, c, 0, "", "df"), 0);
        static const struct {
            helby_estimator kind;
            const char *est, *se;
        } q[] = {{HELBY_EST_MEAN, "mean_y", "se_mean_y"},
                 {HELBY_EST_TOTAL, "total_y", "se_total_y"},
                 {HELBY_EST_RATIO, "ratio_y_x", "se_ratio_y_x"}};
        for (size_t i = 0; i < 3; i++) {
            helby_estimates *e = NULL;
            assert_int_equal(helby_estimate_by_replicates(r, q[i].kind, b.y,
                                                          q[i].kind == HELBY_EST_RATIO ? b.x : NULL,
                                                          NULL, 1, NULL, &e, &err),
                             HELBY_OK);
            near(e->est[0].estimate, golden_in(CORE_GOLDEN, c, 0, "", q[i].est), 1e-10);
            near(e->est[0].se, golden_in(CORE_GOLDEN, c, 0, "", q[i].se), 1e-8);
            helby_estimates_free(e);
        }
        helby_replicates_free(r);
    }
    helby_design_free(d);
}

/* Korn & Graubard at p = 0 on 50 respondents: deff = 1, Clopper–Pearson [0, 1 - 0.025^(1/50)]
 * = [0, 0.0711] (the worked number; by hand: 1 - exp(log(0.025) / 50) =
 * 0.07112173). */
static void a_zero_share_has_the_clopper_pearson_interval(void **state)
{
    (void)state;
    enum { N = 50 };
    double w[N], y[N];
    size_t psu[N];
    for (size_t k = 0; k < N; k++)
        w[k] = 1 + (double)(k % 3), y[k] = 0, psu[k] = k / 5;
    helby_design_spec spec = {N, w, NULL, psu, NULL, HELBY_LONELY_FAIL, NULL, 0};
    helby_design *d = NULL;
    helby_error err;
    assert_int_equal(helby_design_new(&d, &spec, &err), HELBY_OK);
    helby_estimate_options o;
    helby_estimate_options_default(&o);
    for (int m = 0; m < 2; m++) {
        o.ci = m ? HELBY_CI_LOGIT : HELBY_CI_BETA;
        helby_estimates *e = NULL;
        assert_int_equal(helby_estimate_by(d, HELBY_EST_MEAN, y, NULL, NULL, 1, &o, &e, &err),
                         HELBY_OK);
        assert_true(e->est[0].ci_low == 0.0);
        near(e->est[0].ci_high, 1 - exp(log(0.025) / N), 1e-12);
        near(e->est[0].ci_high, 0.07112173, 1e-6);
        assert_int_equal(e->est[0].ci_deff1, 1);
        helby_estimates_free(e);
    }
    helby_design_free(d);
}

/* Finding 8: an fpc that mixes counts (> 1) and fractions (< 1) is refused, as R's
 * svydesign ("Must have all fpc>=1 or all fpc<=1"), naming two strata of each kind. */
static void an_fpc_mixing_counts_and_fractions_is_refused(void **state)
{
    (void)state;
    double w[8] = {1, 1, 1, 1, 1, 1, 1, 1}, fpc[8] = {0.5, 0.5, 10, 10, 0.2, 0.2, 40, 40};
    size_t strata[8] = {1, 1, 2, 2, 3, 3, 4, 4};
    const char *names[] = {NULL, "A", "B", "C", "D"};
    helby_design_spec spec = {8, w, strata, NULL, fpc, HELBY_LONELY_FAIL, names, 5};
    helby_design *d = NULL;
    helby_error err;
    assert_int_equal(helby_design_new(&d, &spec, &err), HELBY_EINPUT);
    assert_null(d);
    assert_non_null(strstr(err.message, "stratum B, D"));
    assert_non_null(strstr(err.message, "stratum A, C"));
    /* All counts, all fractions, and 1 (both kinds) with either are accepted. */
    double counts[8] = {4, 4, 10, 10, 1, 1, 40, 40}, fr[8] = {0.5, 0.5, 1, 1, 0.2, 0.2, 1, 1};
    spec.fpc = counts;
    spec.n = 4; /* strata A and B: 2 PSUs each within their fpc */
    assert_int_equal(helby_design_new(&d, &spec, &err), HELBY_OK);
    helby_design_free(d);
    spec.fpc = fr;
    spec.n = 8;
    assert_int_equal(helby_design_new(&d, &spec, &err), HELBY_OK);
    helby_design_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(share_cis_match_r_svyciprop_on_each_domain),
        cmocka_unit_test(a_zero_share_has_the_clopper_pearson_interval),
        cmocka_unit_test(jkn_applies_the_lonely_psu_rule_as_r),
        cmocka_unit_test(the_bootstrap_scales_a_lonely_psu_as_average),
        cmocka_unit_test(jk1_runs_per_wave_as_r_on_each_wave),
        cmocka_unit_test(wave_2011_is_the_same_alone_and_among_others),
        cmocka_unit_test(brr_and_fay_on_ten_strata_match_r),
        cmocka_unit_test(an_fpc_mixing_counts_and_fractions_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
