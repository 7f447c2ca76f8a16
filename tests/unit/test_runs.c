/* test_runs.c — runs as library calls (src/lib/runs/runs.c, runcompute.c, runoptions.c): the
 * options text stores hold, input and row comparisons, and rerunning the runs of an earlier engine
 * (tests/data/runs_v3, made by commit 4191b55; see its README). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four above first. */
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helby/analysis.h"
#include "helby/compare.h"
#include "helby/explain.h"

#define FIXTURE HELBY_SOURCE_ROOT "/tests/data/runs_v3/store.db"

static char tmpdir[256], db[300];

/* A private copy of the fixture store per test. */
static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/helby-test-runs-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(db, sizeof db, "%s/store.db", tmpdir);
    FILE *in = fopen(FIXTURE, "rb"), *out = fopen(db, "wb");
    if (!in || !out)
        return -1;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            return -1;
    fclose(in);
    return fclose(out);
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd);
}

static helby_store *open_copy(void)
{
    helby_store *st = NULL;
    helby_error err;
    assert_int_equal(helby_store_open(&st, db, HELBY_OPEN_EXISTING, &err), HELBY_OK);
    return st;
}

static void default_options_are_written_as_stores_hold_them(void **state)
{
    (void)state;
    helby_run_options o;
    helby_run_options_default(&o);
    char text[512];
    /* Method 2: the options that apply, numbers in their shortest exact form. */
    helby_run_options_text(&o, text, sizeof text);
    assert_string_equal(text, "method=2;variance=linearization;level=0.95;ci=t;share_ci=logit;"
                              "share_df=domain;df=own;weights=base;comparisons=1;origins=1");
    helby_run_options p;
    memset(&p, 0, sizeof p);
    assert_int_equal(helby_run_options_parse(&p, text), 0);
    assert_int_equal(p.method, 2);
    assert_true(p.level == 0.95 && p.ci == HELBY_CI_T && p.share_ci == HELBY_CI_LOGIT);
    assert_true(p.df == 0);
    assert_int_equal(p.origins, 1);
    assert_int_equal(p.share_df, HELBY_SHARE_DF_DOMAIN);
    /* Method 2 before origin subgroups: none, so that such a run reruns bit for bit. */
    assert_int_equal(helby_run_options_parse(&p, "method=2;variance=linearization;level=0.95;"
                                                 "ci=t;share_ci=logit;df=own;weights=base;"
                                                 "comparisons=1"),
                     0);
    assert_int_equal(p.origins, 0);
    assert_int_equal(p.comparisons, 1);
    /* ... and before shares took their domain's df: the wave's, as they were computed. */
    assert_int_equal(p.share_df, HELBY_SHARE_DF_DESIGN);
    assert_int_equal(helby_run_options_parse(&p, "method=2;variance=jkn;share_df=design"), 0);
    assert_int_equal(p.share_df, HELBY_SHARE_DF_DESIGN);
    assert_int_equal(helby_run_options_parse(&p, "method=2;variance=jkn;share_df=wave"), -1);
    snprintf(o.variance, sizeof o.variance, "bootstrap");
    o.level = 0.9;
    o.df = 30;
    helby_run_options_text(&o, text, sizeof text);
    assert_string_equal(text, "method=2;variance=bootstrap;replicates=100;level=0.9;ci=t;"
                              "share_ci=logit;share_df=domain;df=30;weights=base;comparisons=1;"
                              "origins=1");
    assert_int_equal(helby_run_options_parse(&p, text), 0);
    assert_true(p.replicates == 100 && p.level == 0.9 && p.df == 30);
    assert_int_equal(helby_run_options_parse(&p, "method=2;variance=jkn;colour=red"), -1);
    /* Method 1: the text of run 1 of tests/data/runs_v3, written by the engine of 4191b55. */
    helby_run_options_default(&o);
    o.method = 1;
    helby_run_options_text(&o, text, sizeof text);
    assert_string_equal(text, "variance=linearization;replicates=100;rho=0.29999999999999999;"
                              "level=0.94999999999999996;weights=base;comparisons=1");
    memset(&p, 0, sizeof p);
    assert_int_equal(helby_run_options_parse(&p, text), 0);
    assert_int_equal(p.method, 1);
    assert_string_equal(p.variance, "linearization");
    assert_int_equal(p.replicates, 100);
    assert_true(p.rho == 0.3 && p.level == 0.95);
    assert_string_equal(p.weights, "base");
    assert_int_equal(p.comparisons, 1);
}

static void older_options_texts_still_parse(void **state)
{
    (void)state;
    helby_run_options o;
    helby_run_options_default(&o);
    /* Before weight sets (no weights=) and before comparisons (no ";comparisons=1"). */
    assert_int_equal(helby_run_options_parse(&o, "variance=jkn;replicates=50;rho=0.5;level=0.9"),
                     0);
    assert_string_equal(o.variance, "jkn");
    assert_int_equal(o.replicates, 50);
    assert_true(o.rho == 0.5 && o.level == 0.9);
    assert_string_equal(o.weights, "base");
    assert_int_equal(o.comparisons, 0);
    assert_int_equal(helby_run_options_parse(&o, "variance=brr;replicates=2;rho=0.3;level="
                                                 "0.8;weights=raked"),
                     0);
    assert_string_equal(o.weights, "raked");
    assert_int_equal(helby_run_options_parse(&o, "method=linearization"), -1);
    assert_int_equal(helby_run_options_parse(&o, "colour=red"), -1);
    assert_string_equal(o.variance, "brr"); /* unchanged */
}

static void options_that_cannot_be_computed_are_refused(void **state)
{
    (void)state;
    helby_error err;
    helby_run_options o;
    helby_run_options_default(&o);
    assert_int_equal(helby_run_options_check(&o, &err), HELBY_OK);
    snprintf(o.variance, sizeof o.variance, "magic");
    assert_int_equal(helby_run_options_check(&o, &err), HELBY_EUSAGE);
    assert_non_null(strstr(err.message, "magic"));
    helby_run_options_default(&o);
    o.level = 1;
    assert_int_equal(helby_run_options_check(&o, &err), HELBY_EUSAGE);
    helby_run_options_default(&o);
    o.replicates = 1;
    assert_int_equal(helby_run_options_check(&o, &err), HELBY_EUSAGE);
    helby_run_options_default(&o);
    snprintf(o.weights, sizeof o.weights, "a;b");
    assert_int_equal(helby_run_options_check(&o, &err), HELBY_EUSAGE);
}

static void inputs_diff_names_changed_added_and_dropped_files(void **state)
{
    (void)state;
    helby_error err;
    helby_input_change *c = NULL;
    size_t n = 0;
    assert_int_equal(
        helby_inputs_diff("2011=aa;2012=bb;2013=cc", "2011=aa;2012=xx;2014=dd", &c, &n, &err),
        HELBY_OK);
    assert_int_equal(n, 3);
    assert_string_equal(c[0].key, "2012");
    assert_string_equal(c[0].a, "bb");
    assert_string_equal(c[0].b, "xx");
    assert_string_equal(c[1].key, "2013");
    assert_string_equal(c[1].b, "");
    assert_string_equal(c[2].key, "2014");
    assert_string_equal(c[2].a, "");
    assert_string_equal(c[2].b, "dd");
    free(c);
    /* A weight set's wave is its own key, not the wave's file. */
    assert_int_equal(helby_inputs_diff("2011=aa;weights/2011=ww", "2011=aa", &c, &n, &err),
                     HELBY_OK);
    assert_int_equal(n, 1);
    assert_string_equal(c[0].key, "weights/2011");
    free(c);
    assert_int_equal(helby_inputs_diff("2011=aa", "2011=aa", &c, &n, &err), HELBY_OK);
    assert_int_equal(n, 0);
    assert_null(c);
}

static void rows_are_compared_bit_for_bit(void **state)
{
    (void)state;
    helby_run_row a[3], b[2];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    for (int i = 0; i < 3; i++) {
        snprintf(a[i].measure, sizeof a[i].measure, "m");
        snprintf(a[i].domain, sizeof a[i].domain, "wave=%d", 2011 + i);
        a[i].estimate = 0.1 * (i + 1);
        a[i].se = NAN;
    }
    b[0] = a[1]; /* another order: matched by measure and domain */
    b[1] = a[0];
    b[1].se = NAN; /* NaN equals NaN */
    helby_row_move *m = NULL;
    size_t n = 0;
    helby_error err;
    assert_int_equal(helby_run_rows_diff(a, 3, b, 2, &m, &n, &err), HELBY_OK);
    assert_int_equal(n, 1);
    assert_int_equal(m[0].a, 2);
    assert_true(m[0].b == HELBY_RUN_NO_ROW);
    free(m);
    b[0].estimate = nextafter(b[0].estimate, 1); /* one ulp */
    b[1].ci_low = -0.0;                          /* -0 is not the 0 stored */
    assert_int_equal(helby_run_rows_diff(a, 2, b, 2, &m, &n, &err), HELBY_OK);
    assert_int_equal(n, 2);
    assert_int_equal(m[0].a, 0);
    assert_int_equal(m[0].b, 1);
    assert_int_equal(m[1].a, 1);
    assert_int_equal(m[1].b, 0);
    free(m);
}

/* Issue 27 item 4: SQLite stores a REAL -0.0 as 0, so a run with a -0 estimate said "NOT
 * reproduced" on every rerun (hash over "-0x0p+0", stored row 0). -0 is now hashed and stored
 * as 0, and helby_run_compute returns no -0. */
static void a_negative_zero_is_stored_hashed_and_rerun_as_0(void **state)
{
    (void)state;
    helby_store *st = open_copy();
    helby_error err;
    helby_run_options o;
    helby_run_options_default(&o);
    o.method = 1;
    helby_survey *s = NULL;
    assert_int_equal(helby_store_get_survey(st, "copenhagen", &s, &err), HELBY_OK);
    helby_run_row *rows = NULL;
    size_t n = 0;
    char inputs[2048];
    assert_int_equal(helby_run_compute(st, s, &o, &rows, &n, inputs, sizeof inputs, &err),
                     HELBY_OK);
    assert_true(n > 3);
    for (size_t i = 0; i < n; i++) {
        const double v[6] = {rows[i].estimate, rows[i].se, rows[i].ci_low,
                             rows[i].ci_high,  rows[i].df, rows[i].deff};
        for (int k = 0; k < 6; k++)
            assert_false(v[k] == 0 && signbit(v[k]));
    }
    char h0[65], h1[65];
    rows[1].estimate = 0.0, rows[2].ci_low = 0.0, rows[3].deff = 0.0;
    helby_run_hash(rows, n, h0);
    rows[1].estimate = -0.0, rows[2].ci_low = -0.0, rows[3].deff = -0.0;
    helby_run_hash(rows, n, h1);
    assert_string_equal(h0, h1);
    helby_run_info info;
    memset(&info, 0, sizeof info);
    snprintf(info.engine, sizeof info.engine, "%s", helby_version());
    snprintf(info.options, sizeof info.options, "method=1");
    snprintf(info.inputs, sizeof info.inputs, "%s", inputs);
    assert_int_equal(helby_store_add_run(st, s, &info, rows, n, &err), HELBY_OK);
    assert_string_equal(info.result_hash, h0);
    helby_run_info back;
    helby_run_row *stored = NULL;
    size_t ns = 0;
    assert_int_equal(helby_store_get_run(st, info.id, &back, &stored, &ns, &err), HELBY_OK);
    assert_int_equal(ns, n);
    char hs[65];
    helby_run_hash(stored, ns, hs);
    assert_string_equal(hs, back.result_hash); /* what a rerun compares */
    helby_run_rows_zero(rows, n);              /* what helby_run_compute returns */
    assert_false(signbit(rows[1].estimate) || signbit(rows[2].ci_low) || signbit(rows[3].deff));
    helby_row_move *m = NULL;
    size_t nm = 99;
    assert_int_equal(helby_run_rows_diff(stored, ns, rows, n, &m, &nm, &err), HELBY_OK);
    assert_int_equal(nm, 0);
    free(m), free(stored), free(rows);
    helby_survey_free(s);
    helby_store_close(st);
}

static void runs_of_an_earlier_engine_rerun_bit_for_bit(void **state)
{
    (void)state;
    helby_store *st = open_copy();
    helby_error err;
    for (int64_t id = 1; id <= 6; id++) {
        /* Runs of the engine 0.1.0 are method 1, still computed as they were; its plain
         * jackknife runs (2, 6) differ in the last bits (PSU totals instead of a P x R
         * matrix of weights). */
        int bits = id != 2 && id != 6;
        helby_rerun_result r;
        assert_int_equal(helby_run_rerun(st, id, &r, &err), HELBY_OK);
        assert_int_equal(r.options.method, 1);
        assert_int_equal(r.outcome, bits ? HELBY_RERUN_REPRODUCED : HELBY_RERUN_DIFFERS);
        assert_int_equal(r.n_rows, 483);
        assert_true(bits ? r.n_moved == 0 : r.max_rel_diff < 1e-10);
        assert_int_equal(r.engine_differs, 1);
        if (bits)
            assert_string_equal(r.result_hash, r.run.result_hash);
        helby_rerun_result_free(&r);
    }
    helby_rerun_result r;
    assert_int_equal(helby_run_rerun(st, 99, &r, &err), HELBY_ENOTFOUND);
    helby_rerun_result_free(&r);
    helby_store_close(st);
}

static void a_new_run_equals_the_earlier_engines_run(void **state)
{
    (void)state;
    helby_store *st = open_copy();
    helby_error err;
    helby_run_options o;
    helby_run_options_default(&o);
    o.method = 1; /* as the earlier engine computed it */
    snprintf(o.weights, sizeof o.weights, "raked");
    snprintf(o.variance, sizeof o.variance, "jkn");
    helby_run_info info;
    size_t n = 0;
    assert_int_equal(helby_run_create(st, "copenhagen", &o, &info, &n, &err), HELBY_OK);
    assert_int_equal(info.id, 7);
    assert_int_equal(n, 483);
    helby_run_diff_result d;
    assert_int_equal(helby_run_diff(st, 4, 7, &d, &err), HELBY_OK);
    assert_string_equal(d.a.options, d.b.options);
    assert_string_equal(d.a.inputs, d.b.inputs); /* files and the weight set's hashes */
    assert_string_equal(d.a.result_hash, d.b.result_hash);
    assert_int_equal(d.n_inputs, 0);
    assert_int_equal(d.n_moved, 0);
    helby_run_diff_free(&d);
    /* Against the linearization run every estimate with a variance moves. */
    assert_int_equal(helby_run_diff(st, 3, 7, &d, &err), HELBY_OK);
    assert_true(d.n_moved > 0 && d.n_moved < d.n_a);
    helby_run_diff_free(&d);
    helby_store_close(st);
}

/* Origin subgroups (method 2) are rows added after the other domains of a measure: without
 * them (a method-2 run made before, options without "origins=1") every other row is the same
 * bit for bit, and Danish origin (code 1, the only code of the Danes' group in the example) is
 * the Danes' domain bit for bit. */
static void origin_rows_are_added_to_method_2_runs_and_change_no_other_row(void **state)
{
    (void)state;
    helby_store *st = open_copy();
    helby_error err;
    helby_survey *s = NULL;
    assert_int_equal(helby_store_get_survey(st, "copenhagen", &s, &err), HELBY_OK);
    helby_run_options o;
    helby_run_options_default(&o);
    helby_run_row *with = NULL, *without = NULL;
    size_t nw = 0, nwo = 0;
    char inputs[2048];
    assert_int_equal(helby_run_compute(st, s, &o, &with, &nw, inputs, sizeof inputs, &err),
                     HELBY_OK);
    o.origins = 0;
    assert_int_equal(helby_run_compute(st, s, &o, &without, &nwo, inputs, sizeof inputs, &err),
                     HELBY_OK);
    helby_run_row *kept = calloc(nw, sizeof *kept);
    assert_non_null(kept);
    size_t nk = 0, n_origin = 0, n_equal = 0;
    for (size_t i = 0; i < nw; i++) {
        if (strncmp(with[i].domain, "origin=", 7)) {
            kept[nk++] = with[i];
            continue;
        }
        n_origin++;
        char grp[160];
        snprintf(grp, sizeof grp, "group=0%s", with[i].domain + 8);
        for (size_t j = 0; with[i].domain[7] == '1' && j < nw; j++)
            if (!strcmp(with[j].measure, with[i].measure) && !strcmp(with[j].domain, grp)) {
                assert_memory_equal(&with[j].estimate, &with[i].estimate, sizeof(double));
                assert_memory_equal(&with[j].se, &with[i].se, sizeof(double));
                assert_int_equal(with[j].n, with[i].n);
                n_equal++;
            }
    }
    /* Every measure (indices, dimensions, shares) by 3 origins x 2 waves (2011, 2014). */
    assert_true(n_origin > 0 && n_origin % 6 == 0);
    assert_int_equal(n_equal, n_origin / 3);
    assert_int_equal(nk, nwo);
    helby_row_move *mv = NULL;
    size_t nm = 0;
    assert_int_equal(helby_run_rows_diff(kept, nk, without, nwo, &mv, &nm, &err), HELBY_OK);
    assert_int_equal(nm, 0);
    for (size_t i = 0; i < nk; i++)
        assert_string_equal(kept[i].domain, without[i].domain); /* and in the same order */
    free(mv), free(kept), free(with), free(without);
    helby_survey_free(s);
    helby_store_close(st);
}

static void a_missing_weight_set_is_an_error_not_a_run(void **state)
{
    (void)state;
    helby_store *st = open_copy();
    helby_error err;
    helby_run_options o;
    helby_run_options_default(&o);
    snprintf(o.weights, sizeof o.weights, "nope");
    helby_run_info info;
    size_t n = 0;
    assert_int_not_equal(helby_run_create(st, "copenhagen", &o, &info, &n, &err), HELBY_OK);
    assert_non_null(strstr(err.message, "nope"));
    helby_run_info *list = NULL;
    assert_int_equal(helby_store_list_runs(st, &list, &n, &err), HELBY_OK);
    assert_int_equal(n, 6);
    free(list);
    helby_store_close(st);
}

/* The row of measure m and domain d among rows, or NULL. */
static const helby_run_row *find_row(const helby_run_row *rows, size_t n, const char *m,
                                     const char *d)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].measure, m) && !strcmp(rows[i].domain, d))
            return &rows[i];
    return NULL;
}

static void same_bits(const helby_run_row *r, const helby_estimate *e)
{
    assert_non_null(r);
    assert_memory_equal(&r->estimate, &e->estimate, sizeof(double));
    assert_memory_equal(&r->se, &e->se, sizeof(double));
    assert_memory_equal(&r->ci_low, &e->ci_low, sizeof(double));
    assert_memory_equal(&r->ci_high, &e->ci_high, sizeof(double));
    assert_memory_equal(&r->df, &e->df, sizeof(double));
}

/* The example's definition (goal4 with adjust = ageband|sex) made current in the fixture
 * store: the earlier engine's runs are not recomputed on it (their definition is another),
 * so never gain adjusted rows; a new run stores goal4's adjusted rows, equal bit for bit to
 * helby_explain on the same waves, and reruns bit for bit. */
static void adjusted_rows_equal_explain_and_rerun_bit_for_bit(void **state)
{
    (void)state;
    helby_store *st = open_copy();
    helby_error err;
    helby_survey *s = NULL;
    assert_int_equal(helby_survey_load(&s, HELBY_SOURCE_ROOT "/surveys/copenhagen", &err),
                     HELBY_OK);
    assert_int_equal(s->targets[0].n_adjust, 2);
    assert_int_equal(helby_store_add_survey(st, s, 1, NULL, &err), HELBY_OK);
    helby_rerun_result rr;
    /* A rerun computes on the current definition only when it is the run's: a run of the
     * definition before is refused, never recomputed with adjusted rows. */
    assert_int_equal(helby_run_rerun(st, 1, &rr, &err), HELBY_OK);
    assert_int_equal(rr.outcome, HELBY_RERUN_INPUTS_CHANGED);
    assert_int_equal(rr.definition_changed, 1);
    assert_int_equal(rr.n_rows, 0);
    helby_rerun_result_free(&rr);
    helby_run_options o;
    helby_run_options_default(&o);
    helby_run_info info;
    size_t n = 0;
    assert_int_equal(helby_run_create(st, "copenhagen", &o, &info, &n, &err), HELBY_OK);
    assert_int_equal(helby_run_rerun(st, info.id, &rr, &err), HELBY_OK);
    assert_int_equal(rr.outcome, HELBY_RERUN_REPRODUCED);
    assert_string_equal(rr.result_hash, rr.run.result_hash);
    helby_rerun_result_free(&rr);
    helby_run_row *rows = NULL;
    char inputs[2048];
    assert_int_equal(helby_run_compute(st, s, &o, &rows, &n, inputs, sizeof inputs, &err),
                     HELBY_OK);
    helby_explain_request q;
    helby_explain_request_default(&q);
    const char *cov[2] = {"ageband", "sex"};
    q.measure = "inclusion", q.covariates = cov, q.n_covariates = 2, q.baseline = 2011;
    q.opt.ci = HELBY_CI_T, q.no_standard = 1;
    helby_explain_result *ex = NULL;
    assert_int_equal(helby_explain(st, s, &q, &ex, &err), HELBY_OK);
    assert_int_equal(ex->n_waves, 2);
    const helby_explain_quantity qs[5] = {HELBY_EX_RAW_GAP, HELBY_EX_ADJ_MEAN_DANES,
                                          HELBY_EX_ADJ_MEAN_MINORITIES, HELBY_EX_ADJ_GAP,
                                          HELBY_EX_UNEXPLAINED};
    char d[160];
    for (size_t w = 0; w < ex->n_waves; w++) {
        for (int k = 0; k < 5; k++) {
            snprintf(d, sizeof d,
                     "wave=%ld,quantity=%s,baseline=2011,adjust=regression:ageband+sex",
                     ex->wave_ids[w], helby_explain_quantity_name(qs[k]));
            same_bits(find_row(rows, n, "inclusion", d), &ex->fits[w].q[qs[k]]);
        }
        snprintf(
            d, sizeof d,
            "wave=%ld,quantity=explained,term=total,baseline=2011,adjust=regression:ageband+sex",
            ex->wave_ids[w]);
        same_bits(find_row(rows, n, "inclusion", d), &ex->fits[w].q[HELBY_EX_EXPLAINED]);
        for (size_t t = 0; t < 2; t++) {
            snprintf(d, sizeof d,
                     "wave=%ld,quantity=explained,term=%s,baseline=2011,adjust=regression:ageband+"
                     "sex",
                     ex->wave_ids[w], cov[t]);
            same_bits(find_row(rows, n, "inclusion", d), &ex->fits[w].terms[t]);
        }
    }
    helby_goal_result gr;
    assert_int_equal(
        helby_goal_evaluate_adjusted(&s->targets[0], 10, &ex->fits[0].q[HELBY_EX_ADJ_GAP],
                                     &ex->fits[1].q[HELBY_EX_ADJ_GAP], 0, 0, &q.opt, &gr, &err),
        HELBY_OK);
    const helby_run_row *g = find_row(rows, n, "inclusion",
                                      "goal=goal4,wave=2014,baseline=2011,x=10,adjust=regression:"
                                      "ageband+sex");
    same_bits(g, &gr.q);
    assert_string_equal(g->flag, helby_verdict_name(gr.verdict));
    /* Only goal4 has adjust: 2 waves x 8 rows and its verdict, after every other row. */
    size_t na = 0;
    for (size_t i = 0; i < n; i++)
        if (strstr(rows[i].domain, ",adjust=")) {
            assert_true(i >= n - 17);
            na++;
        }
    assert_int_equal(na, 17);
    helby_explain_result_free(ex);
    free(rows);
    helby_survey_free(s);
    helby_store_close(st);
}

/* The adjusted verdict on hand-worked numbers. G_0 = 10 (SE 2, df 50), G_t = 8 (SE 1.5,
 * df 40): reduction 1 - 8/10 = 0.2; Var = 1.5^2/10^2 + (8/10^2)^2 2^2 = 0.0225 + 0.0256 =
 * 0.0481, SE 0.219317121994613; Satterthwaite df 0.0481^2 / (0.0225^2/40 + 0.0256^2/50) =
 * 89.8020257380126 (R: qt(0.975, 89.80) = 1.98673421137883): CI 0.2 -+ 0.43573 includes
 * 0.1, so inconclusive. */
static void the_adjusted_verdict_on_hand_worked_numbers(void **state)
{
    (void)state;
    helby_target tg = {0};
    tg.kind = HELBY_TARGET_RELATIVE_GAP_REDUCTION;
    helby_estimate_options o;
    helby_estimate_options_default(&o);
    helby_estimate g0 = {.estimate = 10, .se = 2, .df = 50, .n = 100};
    helby_estimate gt = {.estimate = 8, .se = 1.5, .df = 40, .n = 80};
    helby_goal_result r;
    helby_error err;
    assert_int_equal(helby_goal_evaluate_adjusted(&tg, 10, &g0, &gt, 0, 0, &o, &r, &err), HELBY_OK);
    assert_float_equal(r.q.estimate, 0.2, 1e-15);
    assert_float_equal(r.q.se, 0.219317121994613, 1e-14);
    assert_float_equal(r.q.df, 89.8020257380126, 1e-9);
    assert_float_equal(r.q.ci_low, 0.2 - 1.98673421137883 * 0.219317121994613, 1e-12);
    assert_float_equal(r.q.ci_high, 0.2 + 1.98673421137883 * 0.219317121994613, 1e-12);
    assert_int_equal(r.verdict, HELBY_VERDICT_INCONCLUSIVE);
    assert_int_equal(r.n, 80);
    assert_int_equal(r.gap_reversed, 0);
    /* G_t = 5 (SE 0.5), G_0 SE 0.5: 0.5 with SE sqrt(0.0025 + 0.000625) = 0.0559: met. */
    g0.se = 0.5, gt.estimate = 5, gt.se = 0.5;
    assert_int_equal(helby_goal_evaluate_adjusted(&tg, 10, &g0, &gt, 0, 0, &o, &r, &err), HELBY_OK);
    assert_float_equal(r.q.se, sqrt(0.003125), 1e-15);
    assert_int_equal(r.verdict, HELBY_VERDICT_MET);
    /* G_t = 11: -0.1, SE sqrt(0.0025 + 0.003025) = 0.0743, CI high about 0.047 < 0.1. */
    gt.estimate = 11;
    assert_int_equal(helby_goal_evaluate_adjusted(&tg, 10, &g0, &gt, 0, 0, &o, &r, &err), HELBY_OK);
    assert_float_equal(r.q.estimate, -0.1, 1e-15);
    assert_int_equal(r.verdict, HELBY_VERDICT_NOT_MET);
    /* Closed and reversed: G_t = -2 gives 1.2, flagged. */
    gt.estimate = -2;
    assert_int_equal(helby_goal_evaluate_adjusted(&tg, 10, &g0, &gt, 0, 0, &o, &r, &err), HELBY_OK);
    assert_float_equal(r.q.estimate, 1.2, 1e-15);
    assert_int_equal(r.gap_reversed, 1);
    /* A baseline gap indistinguishable from zero (|G_0| / SE = 1): inconclusive, unless the
     * df is fixed (then the delta-method CI alone: 0.5 -+ t 0.707 includes 0.1 anyway). */
    g0.estimate = 1, g0.se = 1, gt.estimate = 0.5, gt.se = 0.1;
    assert_int_equal(helby_goal_evaluate_adjusted(&tg, 10, &g0, &gt, 0, 0, &o, &r, &err), HELBY_OK);
    assert_int_equal(r.fieller_bounded, 0);
    assert_int_equal(r.verdict, HELBY_VERDICT_INCONCLUSIVE);
    /* An undefined gap, and a zero baseline gap: undefined. */
    g0.estimate = 0;
    assert_int_equal(helby_goal_evaluate_adjusted(&tg, 10, &g0, &gt, 0, 0, &o, &r, &err), HELBY_OK);
    assert_int_equal(r.verdict, HELBY_VERDICT_UNDEFINED);
    assert_true(isnan(r.q.estimate));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_options_are_written_as_stores_hold_them),
        cmocka_unit_test(older_options_texts_still_parse),
        cmocka_unit_test(options_that_cannot_be_computed_are_refused),
        cmocka_unit_test(inputs_diff_names_changed_added_and_dropped_files),
        cmocka_unit_test(rows_are_compared_bit_for_bit),
        cmocka_unit_test_setup_teardown(runs_of_an_earlier_engine_rerun_bit_for_bit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_new_run_equals_the_earlier_engines_run, setup, teardown),
        cmocka_unit_test_setup_teardown(a_negative_zero_is_stored_hashed_and_rerun_as_0, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            origin_rows_are_added_to_method_2_runs_and_change_no_other_row, setup, teardown),
        cmocka_unit_test_setup_teardown(a_missing_weight_set_is_an_error_not_a_run, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(adjusted_rows_equal_explain_and_rerun_bit_for_bit, setup,
                                        teardown),
        cmocka_unit_test(the_adjusted_verdict_on_hand_worked_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
