/* test_sensitivity.c — helby sensitivity (src/lib/analysis/sensitivity.c, sensitivity_sobol.c):
 * the estimators on the Ishigami function, whose indices are known in closed form; a
 * one-point space reproduces helby compare bit for bit; a small space's constructions match
 * R survey (tests/golden/sensitivity_small.csv, scripts/r-golden-sensitivity.R). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helby/ingest.h"
#include "helby/sensitivity.h"
#include "helby/tables.h"

#define ROOT HELBY_SOURCE_ROOT
#define COPENHAGEN ROOT "/surveys/copenhagen"

/* Ishigami & Homma (1990) with a = 7, b = 0.1 on [-pi, pi]^3: V1 = b pi^4 / 5 + b^2 pi^8 / 50
 * + 1/2, V2 = a^2 / 8, V13 = b^2 pi^8 (1/18 - 1/50), V = V1 + V2 + V13 + 0; so S1 = 0.3139,
 * S2 = 0.4424, S3 = 0, ST1 = 0.5576, ST2 = 0.4424, ST3 = 0.2437 (Saltelli et al. 2010). */
static double ishigami(const double *u)
{
    double x1 = -M_PI + 2 * M_PI * u[0], x2 = -M_PI + 2 * M_PI * u[1];
    double x3 = -M_PI + 2 * M_PI * u[2];
    return sin(x1) + 7 * sin(x2) * sin(x2) + 0.1 * pow(x3, 4) * sin(x1);
}

static void ishigami_indices_are_recovered_within_monte_carlo_error(void **state)
{
    (void)state;
    const size_t k = 3, n = 8192;
    const double S[3] = {0.3139, 0.4424, 0}, ST[3] = {0.5576, 0.4424, 0.2437};
    double *u = malloc(n * (k + 2) * k * sizeof *u), *y = malloc(n * (k + 2) * sizeof *y);
    double first[3], total[3];
    helby_error err;
    for (unsigned long long seed = 1; seed <= 3; seed++) {
        assert_int_equal(helby_saltelli_design(k, n, seed, u, &err), HELBY_OK);
        for (size_t r = 0; r < n * (k + 2); r++)
            y[r] = ishigami(u + r * k);
        helby_saltelli_indices(y, k, n, first, total);
        /* With 8192 Sobol points the estimators' error is about 0.005 (Saltelli et al. 2010,
         * fig. 2); 0.02 leaves room without hiding a wrong formula (S and ST differ by more
         * than 0.1 for x1 and x3). */
        for (size_t i = 0; i < k; i++) {
            if (fabs(first[i] - S[i]) > 0.02 || fabs(total[i] - ST[i]) > 0.02)
                fail_msg("seed %llu, x%zu: S %.4f (want %.4f), ST %.4f (want %.4f)", seed, i + 1,
                         first[i], S[i], total[i], ST[i]);
        }
    }
    free(u), free(y);
}

static void a_seed_gives_one_design_and_seeds_differ(void **state)
{
    (void)state;
    double a[4 * 8 * 2], b[4 * 8 * 2], c[4 * 8 * 2];
    helby_error err;
    assert_int_equal(helby_saltelli_design(2, 8, 7, a, &err), HELBY_OK);
    assert_int_equal(helby_saltelli_design(2, 8, 7, b, &err), HELBY_OK);
    assert_int_equal(helby_saltelli_design(2, 8, 8, c, &err), HELBY_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, c, sizeof a);
    for (size_t i = 0; i < 8; i++) {
        /* block 2 + j is A with column j from B */
        assert_true(a[(2 * 8 + i) * 2 + 0] == a[(8 + i) * 2 + 0]);
        assert_true(a[(2 * 8 + i) * 2 + 1] == a[i * 2 + 1]);
        assert_true(a[(3 * 8 + i) * 2 + 1] == a[(8 + i) * 2 + 1]);
        assert_true(a[i * 2] >= 0 && a[i * 2] < 1);
    }
    assert_int_equal(helby_saltelli_design(21, 8, 1, a, &err), HELBY_EUSAGE);
}

/* The indices of a design's outputs written out again, by the formulas of method.md §12
 * (no NaN here): S = mean((fB - m)(fAB - fA)) / V, ST = mean((fA - fAB)^2) / (2V), m and V
 * (divisor 2n - 1) over A and B. Rows of the resample `pick`. */
static void indices_by_hand(const double *y, size_t k, size_t n, const size_t *pick, double *S,
                            double *ST)
{
    double m = 0, V = 0;
    for (size_t j = 0; j < n; j++)
        m += y[pick[j]] + y[n + pick[j]];
    m /= 2.0 * (double)n;
    for (size_t j = 0; j < n; j++)
        V += pow(y[pick[j]] - m, 2) + pow(y[n + pick[j]] - m, 2);
    V /= 2.0 * (double)n - 1;
    for (size_t i = 0; i < k; i++) {
        double a = 0, b = 0;
        for (size_t j = 0; j < n; j++) {
            double fa = y[pick[j]], fb = y[n + pick[j]], fab = y[(2 + i) * n + pick[j]];
            a += (fb - m) * (fab - fa);
            b += (fa - fab) * (fa - fab);
        }
        S[i] = a / (double)n / V;
        ST[i] = b / (2.0 * (double)n) / V;
    }
}

/* The bootstrap of the indices (issue 25) against its exact distribution: with n = 4 rows
 * there are 4^4 = 256 equally likely resamples, enumerated here with the indices computed
 * by hand; their standard deviation is what helby_saltelli_boot estimates by drawing. With
 * 200000 resamples its relative error is about 0.3 %; 2 % fails a bootstrap that draws the
 * rows of A, B and A_B^i independently (or does not resample at all). */
static void bootstrap_se_of_the_indices_matches_the_enumerated_distribution(void **state)
{
    (void)state;
    enum { K = 2, N = 4 };
    /* fA, fB, fA_B^1, fA_B^2 by row: any numbers, not from a model */
    const double y[N * (K + 2)] = {1.0, 3.5, 2.0, 0.5, 2.5, 0.0, 4.0, 1.5,
                                   1.5, 3.0, 3.0, 0.0, 2.0, 2.5, 2.5, 1.0};
    double sum[2 * K] = {0}, sum2[2 * K] = {0}, S[K], ST[K];
    size_t pick[N];
    for (size_t t = 0; t < 256; t++) {
        for (size_t j = 0; j < N; j++)
            pick[j] = (t >> (2 * j)) & 3;
        indices_by_hand(y, K, N, pick, S, ST);
        for (size_t i = 0; i < K; i++) {
            sum[i] += S[i], sum2[i] += S[i] * S[i];
            sum[K + i] += ST[i], sum2[K + i] += ST[i] * ST[i];
        }
    }
    double want[2 * K];
    for (size_t i = 0; i < 2 * K; i++)
        want[i] = sqrt(sum2[i] / 256 - pow(sum[i] / 256, 2));
    double fse[K], tse[K], fse2[K], tse2[K];
    helby_error err;
    assert_int_equal(helby_saltelli_boot(y, K, N, 200000, 1, fse, tse, &err), HELBY_OK);
    for (size_t i = 0; i < K; i++) {
        if (fabs(fse[i] / want[i] - 1) > 0.02 || fabs(tse[i] / want[K + i] - 1) > 0.02)
            fail_msg("x%zu: se(S) %.5f (want %.5f), se(ST) %.5f (want %.5f)", i + 1, fse[i],
                     want[i], tse[i], want[K + i]);
    }
    /* a seed gives the same se, another seed another */
    assert_int_equal(helby_saltelli_boot(y, K, N, 1000, 7, fse, tse, &err), HELBY_OK);
    assert_int_equal(helby_saltelli_boot(y, K, N, 1000, 7, fse2, tse2, &err), HELBY_OK);
    assert_memory_equal(fse, fse2, sizeof fse);
    assert_memory_equal(tse, tse2, sizeof tse);
    assert_int_equal(helby_saltelli_boot(y, K, N, 1000, 8, fse2, tse2, &err), HELBY_OK);
    assert_memory_not_equal(fse, fse2, sizeof fse);
    assert_int_equal(helby_saltelli_boot(y, K, N, 1, 7, fse, tse, &err), HELBY_EUSAGE);
    assert_int_equal(helby_saltelli_boot(y, K, 1, 100, 7, fse, tse, &err), HELBY_EUSAGE);
}

/* On Ishigami's function the 95 % CIs S +- 1.96 se hold the known indices: of the 3 seeds'
 * 18 intervals at n = 1024 (Sobol points err less than independent draws, so a bootstrap
 * of the rows is on the safe side) at most one may miss; and the CI's width shrinks with n. */
static void ishigami_bootstrap_cis_hold_the_known_indices(void **state)
{
    (void)state;
    const size_t k = 3, n = 1024;
    const double S[3] = {0.3139, 0.4424, 0}, ST[3] = {0.5576, 0.4424, 0.2437};
    double *u = malloc(8 * n * (k + 2) * k * sizeof *u), *y = malloc(8 * n * (k + 2) * sizeof *y);
    double first[3], total[3], fse[3], tse[3], fse8[3], tse8[3];
    helby_error err;
    int miss = 0;
    for (unsigned long long seed = 1; seed <= 3; seed++) {
        assert_int_equal(helby_saltelli_design(k, n, seed, u, &err), HELBY_OK);
        for (size_t r = 0; r < n * (k + 2); r++)
            y[r] = ishigami(u + r * k);
        helby_saltelli_indices(y, k, n, first, total);
        assert_int_equal(helby_saltelli_boot(y, k, n, 500, seed, fse, tse, &err), HELBY_OK);
        for (size_t i = 0; i < k; i++) {
            miss += fabs(first[i] - S[i]) > 1.96 * fse[i];
            miss += fabs(total[i] - ST[i]) > 1.96 * tse[i];
            assert_true(fse[i] > 0.001 && fse[i] < 0.2 && tse[i] > 0.001 && tse[i] < 0.2);
        }
        if (seed == 1) {
            assert_int_equal(helby_saltelli_design(k, 8 * n, seed, u, &err), HELBY_OK);
            for (size_t r = 0; r < 8 * n * (k + 2); r++)
                y[r] = ishigami(u + r * k);
            assert_int_equal(helby_saltelli_boot(y, k, 8 * n, 500, seed, fse8, tse8, &err),
                             HELBY_OK);
            for (size_t i = 0; i < k; i++) /* sqrt(8) = 2.8 */
                assert_true(fse[i] / fse8[i] > 2 && fse[i] / fse8[i] < 4);
        }
    }
    assert_true(miss <= 1);
    free(u), free(y);
}

/* ---- over the example's four waves ---- */

typedef struct fixture {
    char db[64], dir[128];
    helby_store *st;
    helby_survey *s;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    helby_error err;
    helby_error_list errs;
    helby_error_list_init(&errs, 10);
    snprintf(f->db, sizeof f->db, "/tmp/helby-test-sens-%d.db", (int)getpid());
    snprintf(f->dir, sizeof f->dir, "/tmp/helby-test-sens-%d", (int)getpid());
    unlink(f->db);
    const char *paths[4] = {
        COPENHAGEN "/example/wave_2011.csv", COPENHAGEN "/example/wave_2012.csv",
        COPENHAGEN "/example/wave_2013.csv", COPENHAGEN "/example/wave_2014.csv"};
    helby_import_summary sums[4];
    memset(sums, 0, sizeof sums);
    helby_import_options io;
    helby_import_options_default(&io);
    if (helby_survey_load(&f->s, COPENHAGEN, &err) ||
        helby_store_open(&f->st, f->db, HELBY_OPEN_CREATE, &err) ||
        helby_store_add_survey(f->st, f->s, 0, NULL, &err) ||
        helby_import_files(f->st, f->s, paths, 4, 0, &io, sums, &errs, &err)) {
        fprintf(stderr, "setup: %s\n", err.message);
        return -1;
    }
    for (int i = 0; i < 4; i++)
        helby_import_summary_free(&sums[i]);
    helby_error_list_free(&errs);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd)) {
    }
    helby_store_close(f->st);
    helby_survey_free(f->s);
    unlink(f->db);
    free(f);
    return 0;
}

/* The example's definition with sensitivity.csv replaced by text. */
static helby_survey *with_space(fixture *f, const char *text)
{
    char cmd[1024], path[256];
    snprintf(cmd, sizeof cmd,
             "rm -rf '%s' && mkdir -p '%s' && cp '%s'/*.ini '%s'/*.csv '%s'/ "
             "&& cp -r '%s/margins' '%s'/",
             f->dir, f->dir, COPENHAGEN, COPENHAGEN, f->dir, COPENHAGEN, f->dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/sensitivity.csv", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    helby_survey *s = NULL;
    helby_error err;
    if (helby_survey_load(&s, f->dir, &err))
        fail_msg("%s:%ld: %s", err.file, err.line, err.message);
    return s;
}

static const helby_sens_index *index_named(const helby_sensitivity *R, const char *name)
{
    for (size_t i = 0; i < R->n_indices; i++)
        if (!strcmp(R->indices[i].index->name, name))
            return &R->indices[i];
    fail_msg("no index %s", name);
    return NULL;
}

/* Every construction of a one-point space, and the reference, equal helby compare's numbers
 * bit for bit: group means, the goal's quantity with its CI, and the verdict. */
static void one_point_space_reproduces_compare_bit_for_bit(void **state)
{
    fixture *f = *state;
    helby_survey *s = with_space(f, "index;choice;dimension;values\n"
                                    "inclusion;aggregation;;arithmetic\n"
                                    "inclusion;weight;trust;1\n"
                                    "inclusion;min_valid;discrimination;2\n"
                                    "safety;min_valid;safety_items;3\n");
    helby_sensitivity_request req;
    helby_sensitivity_request_default(&req);
    req.scenarios = 4;
    helby_sensitivity *R = NULL;
    helby_error err;
    assert_int_equal(helby_sensitivity_run(f->st, s, &req, &R, &err), HELBY_OK);
    const char *names[2] = {"inclusion", "safety"};
    for (int m = 0; m < 2; m++) {
        helby_compare_request cr;
        helby_compare_request_default(&cr);
        cr.measure = names[m];
        helby_comparison *c = NULL;
        assert_int_equal(helby_analysis_compare(f->st, f->s, &cr, &c, &err), HELBY_OK);
        const helby_sens_index *x = index_named(R, names[m]);
        assert_int_equal(x->n_goals, c->n_goals);
        assert_int_equal(x->n_goals, 1);
        const helby_sens_goal *G = &x->goals[0];
        const helby_goal_result *want = &c->goals[0].result;
        assert_memory_equal(&G->reference.q, &want->q, sizeof want->q);
        assert_int_equal(G->reference.verdict, want->verdict);
        for (size_t r = 0; r < x->n_runs; r++) {
            assert_memory_equal(&G->q[r], &want->q.estimate, sizeof(double));
            assert_int_equal(G->verdict[r], want->verdict);
            for (size_t w = 0; w < c->n_waves; w++) {
                assert_memory_equal(&x->means[r * x->n_domains + 2 * w],
                                    &c->waves[w].danes.estimate, sizeof(double));
                assert_memory_equal(&x->means[r * x->n_domains + 2 * w + 1],
                                    &c->waves[w].minorities.estimate, sizeof(double));
            }
        }
        assert_true(G->median == want->q.estimate && G->p05 == G->median);
        assert_true(G->share[want->verdict] > 0.999);
        for (size_t d = 0; d < x->n_districts; d++)
            assert_true(x->districts[d].rank_low == x->districts[d].rank_high);
        helby_comparison_free(c);
    }
    helby_sensitivity_free(R);
    helby_survey_free(s);
}

typedef struct r_row {
    char agg[16], drop[32], quantity[16];
    long wave;
    double estimate, se, df;
} r_row;

static size_t read_golden(r_row *rows, size_t cap)
{
    FILE *fp = fopen(ROOT "/tests/golden/sensitivity_small.csv", "r");
    assert_non_null(fp);
    char line[512];
    size_t n = 0;
    while (fgets(line, sizeof line, fp) && n < cap) {
        r_row *r = &rows[n];
        char df[64];
        if (line[0] == '#' || !strncmp(line, "aggregation", 11))
            continue;
        if (sscanf(line, "%15[^;];%31[^;];%15[^;];%ld;%lf;%lf;%63s", r->agg, r->drop, r->quantity,
                   &r->wave, &r->estimate, &r->se, df) == 7) {
            r->df = strcmp(df, "NA") ? strtod(df, NULL) : NAN;
            n++;
        }
    }
    fclose(fp);
    return n;
}

static const r_row *find_row(const r_row *rows, size_t n, const char *agg, const char *drop,
                             const char *q, long wave)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].agg, agg) && !strcmp(rows[i].drop, drop) &&
            !strcmp(rows[i].quantity, q) && rows[i].wave == wave)
            return &rows[i];
    fail_msg("no R row %s %s %s %ld", agg, drop, q, wave);
    return NULL;
}

#define CLOSE(a, b) (fabs((a) - (b)) <= 1e-9 * fmax(1, fabs(b)))

/* Each construction of aggregation x (none or one discrimination item left out) matches R. */
static void small_space_matches_r_survey(void **state)
{
    fixture *f = *state;
    helby_survey *s = with_space(f, "index;choice;dimension;values\n"
                                    "inclusion;aggregation;;arithmetic|geometric\n"
                                    "inclusion;drop_item;discrimination;*\n");
    r_row rows[96];
    size_t nr = read_golden(rows, 96);
    assert_int_equal(nr, 8 * 9);
    helby_sensitivity_request req;
    helby_sensitivity_request_default(&req);
    req.scenarios = 8;
    helby_sensitivity *R = NULL;
    helby_error err;
    assert_int_equal(helby_sensitivity_run(f->st, s, &req, &R, &err), HELBY_OK);
    const helby_sens_index *x = index_named(R, "inclusion");
    assert_int_equal(x->n_choices, 2);
    int seen[2][4] = {{0}};
    for (size_t r = 0; r < x->n_runs; r++) {
        int agg = (int)helby_choice_level(x->choices[0], x->u[r * 2]);
        int drop = (int)helby_choice_level(x->choices[1], x->u[r * 2 + 1]);
        const char *an = agg ? "geometric" : "arithmetic";
        const char *dn = drop ? s->vars[(size_t)x->choices[1]->values[drop - 1]].name : "none";
        seen[agg][drop] = 1;
        for (size_t w = 0; w < R->n_waves; w++) {
            const r_row *d = find_row(rows, nr, an, dn, "danes", R->waves[w]);
            const r_row *m = find_row(rows, nr, an, dn, "minorities", R->waves[w]);
            if (!CLOSE(x->means[r * x->n_domains + 2 * w], d->estimate) ||
                !CLOSE(x->means[r * x->n_domains + 2 * w + 1], m->estimate))
                fail_msg("%s, %s left out, wave %ld: %.17g %.17g, R %.17g %.17g", an, dn,
                         R->waves[w], x->means[r * x->n_domains + 2 * w],
                         x->means[r * x->n_domains + 2 * w + 1], d->estimate, m->estimate);
        }
        const r_row *g = find_row(rows, nr, an, dn, "goal4", 2014);
        if (!CLOSE(x->goals[0].q[r], g->estimate))
            fail_msg("%s, %s: goal4 %.17g, R %.17g", an, dn, x->goals[0].q[r], g->estimate);
    }
    /* Every construction was drawn: a test of the mapping from the design to the space. */
    for (int a = 0; a < 2; a++)
        for (int d = 0; d < 4; d++)
            assert_true(seen[a][d]);
    /* The reference (arithmetic, nothing left out) with its design-based SE and df. */
    const helby_estimate *q = &x->goals[0].reference.q;
    const r_row *g = find_row(rows, nr, "arithmetic", "none", "goal4", 2014);
    assert_true(CLOSE(q->estimate, g->estimate));
    assert_true(CLOSE(q->se, g->se));
    assert_true(fabs(q->df - g->df) <= 1e-6 * g->df);
    helby_sensitivity_free(R);
    helby_survey_free(s);
}

/* One sensitivity run of the one-point space at threshold min_cell. */
static helby_sensitivity *sens_at(fixture *f, helby_survey *s, long min_cell)
{
    helby_sensitivity_request req;
    helby_sensitivity_request_default(&req);
    req.scenarios = 4;
    req.min_cell = min_cell;
    helby_sensitivity *R = NULL;
    helby_error err;
    if (helby_sensitivity_run(f->st, s, &req, &R, &err))
        fail_msg("%s", err.message);
    return R;
}

/* Suppression is "fewer than min_cell", as in compare: a goal whose smallest cell has exactly
 * min_cell respondents is judged, and a district with exactly min_cell is ranked; one more
 * withholds them. The counts are compare's and estimate's (checked by hand in test_tables). */
static void goal_and_district_of_exactly_min_cell_are_shown(void **state)
{
    fixture *f = *state;
    helby_survey *s = with_space(f, "index;choice;dimension;values\n"
                                    "inclusion;aggregation;;arithmetic\n"
                                    "inclusion;weight;trust;1\n");
    helby_error err;
    helby_compare_request cr;
    helby_compare_request_default(&cr);
    cr.measure = "inclusion";
    cr.min_cell = 0;
    helby_comparison *c = NULL;
    assert_int_equal(helby_analysis_compare(f->st, f->s, &cr, &c, &err), HELBY_OK);
    long n_goal = (long)c->goals[0].result.n;
    helby_comparison_free(c);
    for (long k = n_goal; k <= n_goal + 1; k++) { /* compare's own rule, as sensitivity's */
        cr.min_cell = k;
        assert_int_equal(helby_analysis_compare(f->st, f->s, &cr, &c, &err), HELBY_OK);
        assert_int_equal(isnan(c->goals[0].result.q.estimate), k > n_goal);
        helby_comparison_free(c);
    }
    helby_sensitivity *R = sens_at(f, s, n_goal);
    const helby_sens_index *x = index_named(R, "inclusion");
    assert_false(isnan(x->goals[0].reference.q.estimate));
    long rank_wave = x->rank_wave;
    helby_sensitivity_free(R);
    R = sens_at(f, s, n_goal + 1);
    assert_true(isnan(index_named(R, "inclusion")->goals[0].reference.q.estimate));
    helby_sensitivity_free(R);
    /* The smallest district of the rank wave. */
    const char *m[] = {"inclusion"}, *by[] = {"district"};
    helby_estimate_request er;
    helby_estimate_request_default(&er);
    er.measures = m, er.n_measures = 1, er.by = by, er.n_by = 1;
    er.waves = &rank_wave, er.n_waves = 1, er.min_cell = 0;
    helby_estimate_table *t = NULL;
    assert_int_equal(helby_analysis_estimate(f->st, f->s, &er, &t, &err), HELBY_OK);
    size_t small = 0;
    for (size_t i = 1; i < t->n_rows; i++)
        if (t->rows[i].est.n < t->rows[small].est.n)
            small = i;
    double code = t->rows[small].codes[0];
    long n_small = (long)t->rows[small].est.n;
    helby_estimate_table_free(t);
    for (long k = n_small; k <= n_small + 1; k++) {
        R = sens_at(f, s, k);
        x = index_named(R, "inclusion");
        int found = 0;
        for (size_t d = 0; d < x->n_districts; d++)
            if (x->districts[d].code == code) {
                found = 1;
                assert_int_equal(isnan(x->districts[d].reference_rank), k > n_small);
            }
        assert_true(found);
        helby_sensitivity_free(R);
    }
    helby_survey_free(s);
}

static void a_survey_without_choices_is_a_usage_error(void **state)
{
    fixture *f = *state;
    helby_survey *s = with_space(f, "index;choice;dimension;values\n");
    helby_sensitivity_request req;
    helby_sensitivity_request_default(&req);
    helby_sensitivity *R = NULL;
    helby_error err;
    assert_int_equal(helby_sensitivity_run(f->st, s, &req, &R, &err), HELBY_EUSAGE);
    assert_null(R);
    assert_non_null(strstr(err.message, "no sensitivity.csv"));
    helby_survey_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ishigami_indices_are_recovered_within_monte_carlo_error),
        cmocka_unit_test(a_seed_gives_one_design_and_seeds_differ),
        cmocka_unit_test(bootstrap_se_of_the_indices_matches_the_enumerated_distribution),
        cmocka_unit_test(ishigami_bootstrap_cis_hold_the_known_indices),
        cmocka_unit_test(one_point_space_reproduces_compare_bit_for_bit),
        cmocka_unit_test(small_space_matches_r_survey),
        cmocka_unit_test(goal_and_district_of_exactly_min_cell_are_shown),
        cmocka_unit_test(a_survey_without_choices_is_a_usage_error),
    };
    /* The three over the example share one store. */
    return cmocka_run_group_tests(tests, setup, teardown);
}
