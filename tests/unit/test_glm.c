/* test_glm.c — design-based GLMs (src/lib/stats/glm.c) against R survey's svyglm, confint and
 * regTermTest(method = "Wald") on data(api) (scripts/r-golden-regress.R wrote the data files
 * tests/golden/regress_api_*.csv and the values regress_values.csv): linearization on a
 * stratified and a clustered design with fpc, a subset, a linear calibration, an aliased
 * column; JKn, JK1, BRR and Fay replicates; gaussian to 1e-8 and quasi-binomial to 1e-7
 * relative. Then the edges: separation (quasi-complete by a level, complete by a continuous
 * column), residual df <= 0 (and Stata's rule), a response outside [0, 1], an empty cell of an
 * interaction (aliased, the fit that of the model without it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "golden_util.h"
#include "helby/glm.h"
#include "helby/weight.h"

/* case;quantity;term;value (terms are longer than golden_util's domains). */
typedef struct rgold {
    char c[32], q[24], term[48];
    double v;
} rgold;
static rgold *rg;
static size_t n_rg, n_rg_checked;

static int load_values(void **state)
{
    (void)state;
    FILE *f = fopen(GOLDEN "regress_values.csv", "r");
    if (!f)
        return -1;
    char line[512];
    rg = calloc(8192, sizeof *rg);
    while (fgets(line, sizeof line, f) && n_rg < 8192) {
        if (line[0] == '#' || !strncmp(line, "case;", 5))
            continue;
        char *fl[4] = {0}, *p = line;
        for (int i = 0; i < 4 && p; i++) {
            fl[i] = p;
            p = strchr(p, ';');
            if (p)
                *p++ = '\0';
        }
        if (!fl[3])
            continue;
        rgold *g = &rg[n_rg++];
        if (snprintf(g->c, sizeof g->c, "%s", fl[0]) >= (int)sizeof g->c ||
            snprintf(g->q, sizeof g->q, "%s", fl[1]) >= (int)sizeof g->q ||
            snprintf(g->term, sizeof g->term, "%s", fl[2]) >= (int)sizeof g->term)
            return -1; /* a golden name longer than the table's fields */
        g->v = strtod(fl[3], NULL);
    }
    fclose(f);
    return n_rg > 100 ? 0 : -1;
}

static int free_values(void **state)
{
    (void)state;
    free(rg);
    return 0;
}

static const rgold *find(const char *c, const char *q, const char *term)
{
    for (size_t i = 0; i < n_rg; i++)
        if (!strcmp(rg[i].c, c) && !strcmp(rg[i].q, q) && !strcmp(rg[i].term, term))
            return &rg[i];
    return NULL;
}

static double max_rel;

static void cmp(const char *c, const char *q, const char *term, double got, double tol)
{
    const rgold *g = find(c, q, term);
    if (!g)
        fail_msg("no golden value for %s %s[%s]", c, q, term);
    double d = fabs(got - g->v), lim = fmax(tol * fabs(g->v), 1e-300);
    /* p-values far in the tail: relative to the p-value itself, but at least 1e-15 abs. */
    if (!strcmp(q, "p") || !strcmp(q, "wald_p"))
        lim = fmax(lim, 1e-15);
    if (!(d <= lim))
        fail_msg("%s %s[%s]: helby %.17g, R %.17g (rel. diff %.3g)", c, q, term, got, g->v,
                 d / fabs(g->v));
    if (g->v != 0 && d / fabs(g->v) > max_rel)
        max_rel = d / fabs(g->v);
    n_rg_checked++;
}

/* ---- models over the api data ---- */

typedef struct model {
    size_t n, p;
    double X[MAXROWS * 8];
    double y[MAXROWS];
    unsigned char in[MAXROWS];
    const char *names[8];
    size_t term[8]; /* term index of each column (0 = intercept) */
} model;

/* X from the columns listed: numeric names, or "stype" as R's treatment contrasts
 * (stype2, stype3: E is the reference). */
static void build(model *m, const table *t, const char *y, const char *const *xs, size_t nx)
{
    static const char *st_names[] = {"stype2", "stype3"};
    m->n = t->nrows;
    m->p = 1;
    m->names[0] = "(Intercept)";
    m->term[0] = 0;
    for (size_t i = 0; i < nx; i++) {
        if (!strcmp(xs[i], "stype")) {
            m->names[m->p] = st_names[0], m->term[m->p++] = i + 1;
            m->names[m->p] = st_names[1], m->term[m->p++] = i + 1;
        } else {
            m->names[m->p] = xs[i], m->term[m->p++] = i + 1;
        }
    }
    const double *yc = col(t, y);
    for (size_t k = 0; k < m->n; k++) {
        double *x = m->X + k * m->p;
        size_t j = 0;
        x[j++] = 1;
        for (size_t i = 0; i < nx; i++) {
            const double *c = col(t, xs[i]);
            if (!strcmp(xs[i], "stype")) {
                x[j++] = c[k] == 2;
                x[j++] = c[k] == 3;
            } else {
                x[j++] = c[k];
            }
        }
        m->y[k] = yc[k];
        m->in[k] = 1;
    }
}

static helby_design *design_of(const table *t, int strata, int psu)
{
    size_t n = t->nrows, *ps = malloc(n * sizeof *ps), *sr = malloc(n * sizeof *sr);
    for (size_t k = 0; k < n; k++) {
        ps[k] = (size_t)col(t, "psu")[k];
        sr[k] = (size_t)col(t, "stratum")[k];
    }
    int has_fpc = 0;
    for (size_t j = 0; j < t->ncols; j++)
        has_fpc |= !strcmp(t->names[j], "fpc");
    helby_design_spec s = {n,
                           col(t, "weight"),
                           strata ? sr : NULL,
                           psu ? ps : NULL,
                           has_fpc ? col(t, "fpc") : NULL,
                           HELBY_LONELY_FAIL,
                           NULL,
                           0};
    helby_design *d;
    helby_error err;
    if (helby_design_new(&d, &s, &err))
        fail_msg("%s", err.message);
    free(ps);
    free(sr);
    return d;
}

static void spec_of(helby_glm_spec *s, const model *m, helby_glm_family fam)
{
    helby_glm_spec_default(s);
    s->n = m->n, s->p = m->p, s->X = m->X, s->y = m->y, s->in = m->in, s->family = fam;
    s->names = m->names;
}

/* Compare every golden number of case c with the fitted m (tol relative). */
static void compare(const char *c, const helby_glm *g, const model *m, double tol, int disp)
{
    for (size_t j = 0; j < m->p; j++) {
        const helby_glm_coef *k = &g->coef[j];
        if (find(c, "aliased", m->names[j])) {
            assert_true(k->aliased);
            assert_true(isnan(k->estimate) && isnan(k->se));
            n_rg_checked++;
            continue;
        }
        assert_false(k->aliased);
        cmp(c, "estimate", m->names[j], k->estimate, tol);
        cmp(c, "se", m->names[j], k->se, tol);
        cmp(c, "t", m->names[j], k->t, tol);
        cmp(c, "p", m->names[j], k->p, 1e3 * tol);
        cmp(c, "ci_low", m->names[j], k->ci_low, tol);
        cmp(c, "ci_high", m->names[j], k->ci_high, tol);
    }
    cmp(c, "df", "", g->df, 1e-12);
    if (disp)
        cmp(c, "dispersion", "", g->dispersion, tol);
    /* Wald tests: each multi-level term (columns of one term) and the model. */
    size_t cols[8], k = 0;
    for (size_t j = 1; j < m->p; j++)
        cols[k++] = j;
    helby_wald w;
    helby_error err;
    assert_int_equal(helby_glm_wald(g, cols, k, &w, &err), HELBY_OK);
    cmp(c, "wald_F", "model", w.F, tol);
    cmp(c, "wald_df1", "model", w.df1, 1e-12);
    cmp(c, "wald_df2", "model", w.df2, 1e-12);
    cmp(c, "wald_p", "model", w.p, 1e3 * tol);
    if (find(c, "wald_F", "stype")) {
        k = 0;
        for (size_t j = 1; j < m->p; j++)
            if (!strncmp(m->names[j], "stype", 5))
                cols[k++] = j;
        assert_int_equal(helby_glm_wald(g, cols, k, &w, &err), HELBY_OK);
        cmp(c, "wald_F", "stype", w.F, tol);
        cmp(c, "wald_df1", "stype", w.df1, 1e-12);
        cmp(c, "wald_p", "stype", w.p, 1e3 * tol);
    }
}

/* m's rows as helby_glm_spec.row_nz gives them: the nonzero columns, SIZE_MAX for a NaN. */
static size_t model_row_nz(void *ctx, size_t k, size_t *idx, double *val)
{
    const model *m = ctx;
    const double *x = m->X + k * m->p;
    size_t q = 0;
    for (size_t j = 0; j < m->p; j++) {
        if (isnan(x[j]))
            return SIZE_MAX;
        if (x[j] != 0)
            idx[q] = j, val[q++] = x[j];
    }
    return q;
}

/* The same fit with the model matrix given sparsely: R's numbers again, and bit for bit those
 * of the dense fit (the same sums in the same order). */
static void sparse_again(const char *c, const helby_glm *g, helby_glm_spec s, const model *m,
                         const helby_design *d, const helby_replicates *r, double tol)
{
    s.X = NULL, s.row_nz = model_row_nz, s.row_ctx = (void *)m;
    helby_glm *g2;
    helby_error err;
    if (r ? helby_glm_fit_replicates(r, &s, &g2, &err) : helby_glm_fit(d, &s, &g2, &err))
        fail_msg("%s (row_nz): %s", c, err.message);
    compare(c, g2, m, tol, !r);
    for (size_t j = 0; j < m->p; j++) {
        assert_memory_equal(&g->coef[j].estimate, &g2->coef[j].estimate, sizeof(double));
        assert_memory_equal(&g->coef[j].se, &g2->coef[j].se, sizeof(double));
    }
    helby_glm_free(g2);
}

static void lin_case(const char *c, const table *t, helby_design *d, const char *y,
                     const char *const *xs, size_t nx, helby_glm_family fam, const char *sub)
{
    static model m;
    build(&m, t, y, xs, nx);
    if (sub)
        for (size_t k = 0; k < m.n; k++)
            m.in[k] = col(t, sub)[k] == 1;
    helby_glm_spec s;
    spec_of(&s, &m, fam);
    helby_glm *g;
    helby_error err;
    if (helby_glm_fit(d, &s, &g, &err))
        fail_msg("%s: %s", c, err.message);
    double tol = fam == HELBY_GLM_GAUSSIAN ? 1e-8 : 1e-7;
    compare(c, g, &m, tol, 1);
    sparse_again(c, g, s, &m, d, NULL, tol);
    /* The influence values give the same covariance through helby_design_vcov_influence. */
    assert_non_null(g->influence);
    double V[64];
    assert_int_equal(helby_design_vcov_influence(d, g->influence, m.p, V, &err), HELBY_OK);
    for (size_t j = 0; j < m.p * m.p; j++)
        if (!isnan(g->vcov[j]))
            assert_true(fabs(V[j] - g->vcov[j]) <= 1e-12 * fabs(g->vcov[j]) + 1e-300);
    helby_glm_free(g);
}

static void rep_case(const char *c, const table *t, const helby_replicates *r, const char *y,
                     const char *const *xs, size_t nx, helby_glm_family fam)
{
    static model m;
    build(&m, t, y, xs, nx);
    helby_glm_spec s;
    spec_of(&s, &m, fam);
    helby_glm *g;
    helby_error err;
    if (helby_glm_fit_replicates(r, &s, &g, &err))
        fail_msg("%s: %s", c, err.message);
    compare(c, g, &m, fam == HELBY_GLM_GAUSSIAN ? 1e-8 : 1e-7, 0);
    sparse_again(c, g, s, &m, NULL, r, fam == HELBY_GLM_GAUSSIAN ? 1e-8 : 1e-7);
    assert_null(g->influence);
    helby_glm_free(g);
}

static const char *const X_LIN[] = {"ell", "meals", "stype", "enroll"};
static const char *const X_LOG[] = {"ell", "meals", "stype"};

static void stratified_linearization_matches_svyglm(void **state)
{
    (void)state;
    table *t = load("regress_api_strat");
    helby_design *d = design_of(t, 1, 0);
    lin_case("strat_lin", t, d, "api00", X_LIN, 4, HELBY_GLM_GAUSSIAN, NULL);
    lin_case("strat_logit", t, d, "aw", X_LOG, 3, HELBY_GLM_QUASIBINOMIAL, NULL);
    lin_case("strat_sub_lin", t, d, "api00", X_LOG, 3, HELBY_GLM_GAUSSIAN, "sch");
    static const char *const xa[] = {"ell", "meals", "ellmeals", "stype"};
    lin_case("strat_alias", t, d, "api00", xa, 4, HELBY_GLM_GAUSSIAN, NULL);
    helby_design_free(d);
    free(t);
}

static void cluster_linearization_matches_svyglm(void **state)
{
    (void)state;
    table *t = load("regress_api_clus1");
    helby_design *d = design_of(t, 0, 1);
    static const char *const x1[] = {"api99", "ell", "stype"}, *const x2[] = {"ell", "meals"};
    lin_case("clus1_lin", t, d, "api00", x1, 3, HELBY_GLM_GAUSSIAN, NULL);
    lin_case("clus1_logit", t, d, "aw", x2, 2, HELBY_GLM_QUASIBINOMIAL, NULL);
    helby_design_free(d);
    free(t);
}

/* A margin over a 1-based code column with R's population counts ("pop" case). */
typedef struct mspec {
    helby_margin m;
    long level[MAXROWS];
    double totals[4];
} mspec;

static void margin_of(mspec *ms, const char *name, const table *t, const char *column, int levels)
{
    const double *x = col(t, column);
    ms->m.name = name;
    ms->m.n_levels = (size_t)levels;
    ms->m.level_names = NULL;
    ms->m.totals = ms->totals;
    ms->m.level = ms->level;
    for (int l = 0; l < levels; l++) {
        char lv[16];
        snprintf(lv, sizeof lv, "%d", l + 1);
        const rgold *g = find("pop", name, lv);
        assert_non_null(g);
        ms->totals[l] = g->v;
    }
    for (size_t k = 0; k < t->nrows; k++)
        ms->level[k] = (long)x[k] - 1;
}

static void calibrated_linearization_matches_svyglm(void **state)
{
    (void)state;
    table *t = load("regress_api_clus1");
    static mspec st, sch;
    margin_of(&st, "st", t, "stype", 3);
    margin_of(&sch, "sch", t, "sch", 2);
    helby_margin mg[2] = {st.m, sch.m};
    helby_weight_spec ws;
    helby_weight_spec_default(&ws);
    ws.method = HELBY_WEIGHT_LINEAR;
    ws.lower = -INFINITY;
    ws.upper = INFINITY;
    helby_weighting *w;
    helby_error err;
    if (helby_weight_compute(&w, &ws, t->nrows, col(t, "weight"), mg, 2, &err))
        fail_msg("%s", err.message);
    helby_design *d = design_of(t, 0, 1);
    size_t first = 0;
    const helby_weighting *parts[] = {w};
    assert_int_equal(helby_design_calibrate(d, parts, &first, 1, &err), HELBY_OK);
    static const char *const x1[] = {"api99", "ell", "stype"}, *const x2[] = {"ell", "meals"};
    lin_case("clus1_cal_lin", t, d, "api00", x1, 3, HELBY_GLM_GAUSSIAN, NULL);
    lin_case("clus1_cal_logit", t, d, "aw", x2, 2, HELBY_GLM_QUASIBINOMIAL, NULL);
    helby_design_free(d);
    helby_weighting_free(w);
    free(t);
}

static helby_replicates *reps(const helby_design *d, helby_rep_type type, double rho)
{
    helby_rep_spec rs = {type, rho, 0, 0, 0};
    helby_replicates *r;
    helby_error err;
    if (helby_replicates_new(&r, d, &rs, &err))
        fail_msg("%s", err.message);
    return r;
}

static void replicates_match_svyglm_on_svrepdesign(void **state)
{
    (void)state;
    table *t = load("regress_api_strat");
    helby_design *d = design_of(t, 1, 0);
    helby_replicates *r = reps(d, HELBY_REP_JKN, 0);
    rep_case("strat_jkn_lin", t, r, "api00", X_LIN, 4, HELBY_GLM_GAUSSIAN);
    rep_case("strat_jkn_logit", t, r, "aw", X_LOG, 3, HELBY_GLM_QUASIBINOMIAL);
    helby_replicates_free(r);
    helby_design_free(d);
    free(t);

    t = load("regress_api_clus1");
    d = design_of(t, 0, 1);
    r = reps(d, HELBY_REP_JK1, 0);
    static const char *const x1[] = {"api99", "ell", "stype"};
    rep_case("clus1_jk1_lin", t, r, "api00", x1, 3, HELBY_GLM_GAUSSIAN);
    helby_replicates_free(r);
    helby_design_free(d);
    free(t);

    t = load("regress_api_pairs");
    d = design_of(t, 1, 1);
    r = reps(d, HELBY_REP_BRR, 0);
    static const char *const xb[] = {"ell", "meals"}, *const xf[] = {"meals"};
    rep_case("pairs_brr_lin", t, r, "api00", xb, 2, HELBY_GLM_GAUSSIAN);
    helby_replicates_free(r);
    r = reps(d, HELBY_REP_FAY, 0.3);
    rep_case("pairs_fay_logit", t, r, "aw", xf, 1, HELBY_GLM_QUASIBINOMIAL);
    helby_replicates_free(r);
    helby_design_free(d);
    free(t);
}

/* ---- edges ---- */

/* A small design: `np` PSUs of 10 rows in 2 strata, weights 1 + (k % 3). */
static helby_design *small_design(size_t np, double *w)
{
    size_t n = np * 10, ps[400], sr[400];
    for (size_t k = 0; k < n; k++) {
        ps[k] = k / 10;
        sr[k] = (k / 10) % 2;
        w[k] = 1 + (double)(k % 3);
    }
    helby_design_spec s = {n, w, sr, ps, NULL, HELBY_LONELY_FAIL, NULL, 0};
    helby_design *d;
    helby_error err;
    assert_int_equal(helby_design_new(&d, &s, &err), HELBY_OK);
    return d;
}

static void residual_df_at_most_zero_is_an_error(void **state)
{
    (void)state;
    double w[40], X[40 * 3], y[40];
    helby_design *d = small_design(4, w); /* df 4 - 2 = 2 */
    for (size_t k = 0; k < 40; k++) {
        X[k * 3] = 1, X[k * 3 + 1] = (double)(k % 7), X[k * 3 + 2] = (double)((k * 5) % 11);
        y[k] = 1 + 0.5 * X[k * 3 + 1] + sin((double)k);
    }
    helby_glm_spec s;
    helby_glm_spec_default(&s);
    s.n = 40, s.p = 3, s.X = X, s.y = y;
    helby_glm *g;
    helby_error err;
    /* 3 coefficients: 2 + 1 - 3 = 0 */
    assert_int_equal(helby_glm_fit(d, &s, &g, &err), HELBY_EINPUT);
    assert_non_null(strstr(err.message, "residual degrees of freedom 0"));
    /* Stata's rule keeps the design df, 2 */
    s.df_rule = HELBY_GLM_DF_DESIGN;
    assert_int_equal(helby_glm_fit(d, &s, &g, &err), HELBY_OK);
    assert_true(g->df == 2);
    helby_glm_free(g);
    /* two coefficients: df 1 */
    s.df_rule = HELBY_GLM_DF_SVYGLM;
    s.p = 2;
    double X2[80];
    for (size_t k = 0; k < 40; k++)
        X2[k * 2] = 1, X2[k * 2 + 1] = X[k * 3 + 1];
    s.X = X2;
    assert_int_equal(helby_glm_fit(d, &s, &g, &err), HELBY_OK);
    assert_true(g->df == 1);
    helby_glm_free(g);
    helby_design_free(d);
}

static void separation_is_an_error_naming_the_column(void **state)
{
    (void)state;
    double w[200], X[200 * 3], y[200];
    helby_design *d = small_design(20, w);
    static const char *names[] = {"(Intercept)", "x", "level=2"};
    for (size_t k = 0; k < 200; k++) {
        X[k * 3] = 1, X[k * 3 + 1] = cos((double)k), X[k * 3 + 2] = k % 4 == 0;
        y[k] = X[k * 3 + 2] ? 1 : (double)((k / 3) % 2); /* level=2: all 1 */
    }
    helby_glm_spec s;
    helby_glm_spec_default(&s);
    s.n = 200, s.p = 3, s.X = X, s.y = y, s.names = names, s.family = HELBY_GLM_QUASIBINOMIAL;
    helby_glm *g;
    helby_error err;
    assert_int_equal(helby_glm_fit(d, &s, &g, &err), HELBY_EINPUT);
    assert_non_null(strstr(err.message, "separation"));
    assert_non_null(strstr(err.message, "level=2"));
    /* complete separation by a continuous column: y = (x > 0) */
    for (size_t k = 0; k < 200; k++) {
        X[k * 3 + 2] = (double)((k * 7) % 5);
        y[k] = X[k * 3 + 1] > 0;
    }
    assert_int_not_equal(helby_glm_fit(d, &s, &g, &err), HELBY_OK);
    assert_non_null(strstr(err.message, "separation"));
    /* a response outside [0, 1] */
    y[3] = 2;
    assert_int_equal(helby_glm_fit(d, &s, &g, &err), HELBY_EINPUT);
    assert_non_null(strstr(err.message, "outside [0, 1]"));
    helby_design_free(d);
}

/* A factor level with no respondents in one group: its interaction column is all zero and
 * aliased (R's NA), the rest of the fit is that of the model without it. */
static void an_empty_cell_is_aliased_not_nan(void **state)
{
    (void)state;
    double w[200], X[200 * 5], X4[200 * 4], y[200];
    helby_design *d = small_design(20, w);
    static const char *names[] = {"(Intercept)", "group=minorities", "a=2", "a=3",
                                  "group=minorities:a=3"};
    for (size_t k = 0; k < 200; k++) {
        double grp = k % 2, a = (double)(k % 3) + 1;
        if (grp == 1 && a == 3)
            a = 2; /* no minority has a = 3 */
        double *x = X + k * 5;
        x[0] = 1, x[1] = grp, x[2] = a == 2, x[3] = a == 3, x[4] = grp * (a == 3);
        memcpy(X4 + k * 4, x, 4 * sizeof *x);
        y[k] = 3 + 2 * grp - x[2] + sin((double)k * 1.3);
    }
    helby_glm_spec s;
    helby_glm_spec_default(&s);
    s.n = 200, s.p = 5, s.X = X, s.y = y, s.names = names;
    helby_glm *g, *g4;
    helby_error err;
    assert_int_equal(helby_glm_fit(d, &s, &g, &err), HELBY_OK);
    assert_true(g->coef[4].aliased);
    assert_true(isnan(g->coef[4].estimate));
    s.p = 4, s.X = X4;
    assert_int_equal(helby_glm_fit(d, &s, &g4, &err), HELBY_OK);
    for (size_t j = 0; j < 4; j++) {
        assert_false(g->coef[j].aliased);
        assert_true(fabs(g->coef[j].estimate - g4->coef[j].estimate) <= 1e-12);
        assert_true(fabs(g->coef[j].se - g4->coef[j].se) <= 1e-12 * g4->coef[j].se);
    }
    assert_true(g->df == g4->df); /* the aliased column takes no df */
    /* The model's Wald test leaves the aliased column out. */
    size_t cols[] = {1, 2, 3, 4};
    helby_wald a, b;
    assert_int_equal(helby_glm_wald(g, cols, 4, &a, &err), HELBY_OK);
    assert_int_equal(helby_glm_wald(g4, cols, 3, &b, &err), HELBY_OK);
    assert_true(a.df1 == 3 && fabs(a.F - b.F) <= 1e-10 * b.F);
    helby_glm_free(g);
    helby_glm_free(g4);
    helby_design_free(d);
}

static void print_max(void **state)
{
    (void)state;
    print_message("checked %zu golden values; max relative difference %.3g\n", n_rg_checked,
                  max_rel);
    assert_true(n_rg_checked > 300);
}

int main(void)
{
    (void)read_golden, (void)free_golden, (void)check; /* golden_util's other reader */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stratified_linearization_matches_svyglm),
        cmocka_unit_test(cluster_linearization_matches_svyglm),
        cmocka_unit_test(calibrated_linearization_matches_svyglm),
        cmocka_unit_test(replicates_match_svyglm_on_svrepdesign),
        cmocka_unit_test(print_max),
        cmocka_unit_test(residual_df_at_most_zero_is_an_error),
        cmocka_unit_test(separation_is_an_error_naming_the_column),
        cmocka_unit_test(an_empty_cell_is_aliased_not_nan),
    };
    return cmocka_run_group_tests(tests, load_values, free_values);
}
