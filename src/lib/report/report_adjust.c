/* report_adjust.c — goals judged on composition-adjusted gaps (targets.csv `adjust`,
 * docs/explaining.md "In goals and reports"): the model's adjusted cells from a run's rows and
 * the decomposition in words (helby_report_adjust_sentence). Renderers show them
 * (report_text.c, report_html.c, report_xlsx.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "report/report_internal.h"

#define DA(r) (!strcmp((r)->lang, "da"))

/* "regression:ageband+sex", as runadjust.c names the rows. */
static void spec_of(const helby_target *t, char *out, size_t n)
{
    size_t o =
        (size_t)snprintf(out, n, "%s:", t->adjust_standardise ? "standardise" : "regression");
    for (size_t k = 0; k < t->n_adjust && o < n; k++)
        o += (size_t)snprintf(out + o, n - o, "%s%s", k ? "+" : "", t->adjust[k]);
}

/* The covariates' labels in the report's language, "age band and sex", "a, b and c". */
static void covariate_words(const helby_report *r, const helby_survey *s, const helby_target *t,
                            char *out, size_t n)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t k = 0; k < t->n_adjust && o < n; k++) {
        size_t v = helby_survey_find_var(s, t->adjust[k]);
        const char *lab = t->adjust[k];
        if (v != HELBY_NO_VAR) {
            const char *l = DA(r) ? s->vars[v].label_da : s->vars[v].label_en;
            if (l && l[0])
                lab = l;
        }
        char low[128];
        report_lower_first(low, sizeof low, lab);
        const char *sep = !k ? "" : k + 1 < t->n_adjust ? ", " : (DA(r) ? " og " : " and ");
        o += (size_t)snprintf(out + o, n - o, "%s%s", sep, low);
    }
}

static void put_cell(helby_report_cell *c, const helby_run_row *x)
{
    memset(c, 0, sizeof *c);
    c->present = 1;
    c->estimate = x->estimate, c->se = x->se, c->ci_low = x->ci_low, c->ci_high = x->ci_high;
    c->df = x->df;
    c->n = (size_t)x->n;
    c->mark = !strcmp(x->flag, "suppressed") ? HELBY_CELL_PRIMARY : HELBY_CELL_SHOWN;
    if (c->mark == HELBY_CELL_SHOWN)
        helby_utf8_copy(c->flag, sizeof c->flag, x->flag);
}

static void hide(helby_report_cell *c, int mark)
{
    c->mark = mark;
    c->estimate = c->se = c->ci_low = c->ci_high = NAN;
}

/* Row x into g's cells when it is one of g's adjusted rows. */
static void take_row(const helby_report *r, helby_report_goal *g, const helby_run_row *x)
{
    char b[160], q[64], t[64];
    if (strcmp(x->measure, g->measure) || !report_dom_get(x->domain, "adjust", b, sizeof b) ||
        strcmp(b, g->adj_spec))
        return;
    if (report_dom_get(x->domain, "goal", b, sizeof b)) {
        if (!strcmp(b, g->goal)) {
            put_cell(&g->adj_q, x);
        }
        return;
    }
    size_t w = report_dom_get(x->domain, "wave", b, sizeof b)
                   ? report_wave_index(r, strtol(b, NULL, 10))
                   : (size_t)-1;
    if (w == (size_t)-1 || !report_dom_get(x->domain, "quantity", q, sizeof q))
        return;
    int k = !strcmp(q, "raw_gap")                            ? HELBY_RA_GAP
            : !strcmp(q, "adj_gap") || !strcmp(q, "std_gap") ? HELBY_RA_ADJUSTED
            : !strcmp(q, "unexplained")                      ? HELBY_RA_UNEXPLAINED
            : !strcmp(q, "explained") && report_dom_get(x->domain, "term", t, sizeof t) &&
                    !strcmp(t, "total")
                ? HELBY_RA_EXPLAINED
                : -1;
    if (k >= 0)
        put_cell(&g->adj[w * HELBY_RA_N + (size_t)k], x);
}

/* Cells the report's threshold or a hidden group cell of their wave hide. */
static void adjust_suppress(const helby_report *r, helby_report_goal *g)
{
    const helby_report_measure *m = report_find_measure(r, g->measure);
    size_t w0 = report_wave_index(r, g->baseline), w1 = report_wave_index(r, g->wave);
    for (size_t w = 0; w < r->n_waves; w++) {
        int hw = !m || m->level[w * 3].mark != HELBY_CELL_SHOWN ||
                 m->level[w * 3 + 1].mark != HELBY_CELL_SHOWN;
        for (size_t k = 0; k < HELBY_RA_N; k++) {
            helby_report_cell *c = &g->adj[w * HELBY_RA_N + k];
            if (c->present && c->mark == HELBY_CELL_SHOWN && c->n < r->threshold)
                hide(c, HELBY_CELL_PRIMARY);
            else if (c->present && c->mark == HELBY_CELL_SHOWN && hw)
                hide(c, HELBY_CELL_COMPLEMENTARY);
        }
        if ((w == w0 || w == w1) && g->adj_q.present && g->adj_q.mark == HELBY_CELL_SHOWN &&
            (hw || g->adj_q.n < r->threshold))
            hide(&g->adj_q, HELBY_CELL_COMPLEMENTARY);
    }
    if (g->adj_q.present && g->adj_q.mark != HELBY_CELL_SHOWN)
        snprintf(g->adj_q.flag, sizeof g->adj_q.flag, "suppressed");
}

void report_adjust_verdict(const helby_report *r, const helby_report_goal *g, char *buf, size_t n);

helby_status report_adjust_fill(helby_report *r, const helby_survey *s, const helby_run_row *rows,
                                size_t n, helby_error *err)
{
    for (size_t i = 0; i < r->n_goals; i++) {
        helby_report_goal *g = &r->goals[i];
        const helby_target *t = NULL;
        for (size_t k = 0; k < s->n_targets && !t; k++)
            if (!strcmp(s->targets[k].goal, g->goal) && !strcmp(s->targets[k].measure, g->measure))
                t = &s->targets[k];
        if (!t || !t->n_adjust)
            continue;
        g->adj = calloc(r->n_waves * HELBY_RA_N + 1, sizeof *g->adj);
        if (!g->adj)
            return helby_error_set(err, HELBY_ENOMEM, "out of memory building a report");
        g->adj_standardise = t->adjust_standardise;
        const helby_report_measure *m = report_find_measure(r, g->measure);
        g->adj_share = m && m->kind == 2;
        spec_of(t, g->adj_spec, sizeof g->adj_spec);
        covariate_words(r, s, t, g->adj_covariates, sizeof g->adj_covariates);
        for (size_t j = 0; j < n; j++)
            take_row(r, g, &rows[j]);
        adjust_suppress(r, g);
        size_t w1 = report_wave_index(r, g->wave);
        if (w1 != (size_t)-1) {
            char v[512];
            helby_report_adjust_sentence(r, g, w1, g->adj_sentence, sizeof g->adj_sentence);
            report_adjust_verdict(r, g, v, sizeof v);
            size_t l = strlen(g->adj_sentence);
            helby_utf8_copy(g->adj_sentence + l, sizeof g->adj_sentence - l, v);
        }
    }
    return HELBY_OK;
}

/* ---- In words ---- */

/* "0.4 points (95 % CI 0.1 to 0.7)" of v (sign s applied), with the unit. */
static void amount(const helby_report *r, const helby_report_cell *c, double s, double sc,
                   const char *unit, char *buf, size_t n)
{
    char a[32], lo[32], hi[32], lv[16];
    double l = s > 0 ? c->ci_low : -c->ci_high, h = s > 0 ? c->ci_high : -c->ci_low;
    helby_report_num(r, s * c->estimate * sc, 1, a, sizeof a);
    helby_report_num(r, l * sc, 1, lo, sizeof lo);
    helby_report_num(r, h * sc, 1, hi, sizeof hi);
    helby_report_num(r, 100 * r->level, 0, lv, sizeof lv);
    snprintf(buf, n, "%s %s (%s %s %s %s %s)", a, unit, lv, DA(r) ? "%-KI" : "% CI", lo,
             DA(r) ? "til" : "to", hi);
}

static int shown(const helby_report_cell *c)
{
    return c->present && c->mark == HELBY_CELL_SHOWN && isfinite(c->estimate);
}

/* The gap's words: "the gap of 7.8 points in 2014", with who is above when reversed. */
static void gap_words(const helby_report *r, double G, double sc, const char *unit, long wave,
                      char *buf, size_t n)
{
    char a[32];
    helby_report_num(r, fabs(G) * sc, 1, a, sizeof a);
    if (DA(r))
        snprintf(buf, n, "forskellen på %s %s i %s%s", a, unit, report_wave(r, wave),
                 G < 0 ? " (etniske minoriteter over etniske danskere)" : "");
    else
        snprintf(buf, n, "the gap of %s %s in %s%s", a, unit, report_wave(r, wave),
                 G < 0 ? " (ethnic minorities above ethnic Danes)" : "");
}

void helby_report_adjust_sentence(const helby_report *r, const helby_report_goal *g, size_t w,
                                  char *buf, size_t n)
{
    buf[0] = '\0';
    if (!g->adj || w >= r->n_waves)
        return;
    const helby_report_cell *c = &g->adj[w * HELBY_RA_N];
    const helby_report_cell *G = &c[HELBY_RA_GAP], *E = &c[HELBY_RA_EXPLAINED],
                            *A = &c[HELBY_RA_ADJUSTED];
    int da = DA(r);
    if (!shown(G) || !shown(E) || !shown(A) || G->estimate == 0) {
        snprintf(buf, n, "%s",
                 da ? "Dekompositionen kan ikke vises: den hviler på celler med for få "
                      "svarpersoner eller er ikke defineret."
                    : "The decomposition cannot be shown: it rests on cells with too few "
                      "respondents or is undefined.");
        return;
    }
    const double sc = g->adj_share ? 100 : 1, s = G->estimate > 0 ? 1 : -1;
    const char *unit =
        g->adj_share ? (da ? "procentpoint" : "percentage points") : (da ? "point" : "points");
    char gw[160], e[128], a[128], cov[192];
    helby_utf8_copy(cov, sizeof cov, g->adj_covariates);
    gap_words(r, G->estimate, sc, unit, r->waves[w], gw, sizeof gw);
    amount(r, E, s, sc, unit, e, sizeof e);
    amount(r, A, s, sc, unit, a, sizeof a);
    /* In the gap's direction: e > 0 explains part of it, e < 0 works the other way. */
    double ev = s * E->estimate, elo = s > 0 ? E->ci_low : -E->ci_high,
           ehi = s > 0 ? E->ci_high : -E->ci_low, av = s * A->estimate;
    const char *adj_as =
        A->estimate * G->estimate < 0 ? (da ? "er forskellen vendt: " : "the gap is reversed: ")
        : av > fabs(G->estimate)      ? (da ? "er forskellen større: " : "the gap is larger: ")
                                      : "";
    if (elo <= 0 && ehi >= 0 && A->estimate * G->estimate >= 0)
        adj_as = ""; /* no direction claimed for a part indistinguishable from zero */
    if (elo <= 0 && ehi >= 0)
        snprintf(buf, n,
                 da ? "Af %s forklarer %s %s, som ikke kan skelnes fra nul; justeret for dem %s"
                      "%s."
                    : "Of %s, %s explain %s, not distinguishable from zero; adjusted for them %s"
                      "%s.",
                 gw, cov, e, adj_as[0] ? adj_as : (da ? "er forskellen " : "the gap is "), a);
    else if (ev < 0)
        snprintf(buf, n,
                 da ? "Af %s forklarer %s intet: sammensætningen trækker den anden vej, %s; "
                      "justeret for dem %s%s."
                    : "Of %s, none is explained by %s: composition works the other way, %s; "
                      "adjusted for them %s%s.",
                 gw, cov, e, adj_as[0] ? adj_as : (da ? "er forskellen " : "the gap is "), a);
    else if (ev > fabs(G->estimate))
        snprintf(buf, n,
                 da ? "%s forklarer %s, mere end hele %s; justeret for dem %s%s."
                    : "%s explain %s, more than the whole of %s; adjusted for them %s%s.",
                 cov, e, gw, adj_as[0] ? adj_as : (da ? "er forskellen " : "the gap is "), a);
    else
        snprintf(buf, n,
                 da ? "Af %s kan %s forklares af %s; justeret for dem %s%s."
                    : "Of %s, %s are explained by %s; adjusted for them %s%s.",
                 gw, e, cov, adj_as[0] ? adj_as : (da ? "er forskellen " : "the gap is "), a);
    if (buf[0] >= 'a' && buf[0] <= 'z')
        buf[0] = (char)(buf[0] - 'a' + 'A');
}

/* The adjusted verdict in words, after the decomposition: " Judged on the adjusted gap …". */
void report_adjust_verdict(const helby_report *r, const helby_report_goal *g, char *buf, size_t n)
{
    int da = DA(r);
    size_t w0 = report_wave_index(r, g->baseline), w1 = report_wave_index(r, g->wave);
    buf[0] = '\0';
    if (!g->adj || w0 == (size_t)-1 || w1 == (size_t)-1 || !g->adj_q.present)
        return;
    const helby_report_cell *q = &g->adj_q, *a0 = &g->adj[w0 * HELBY_RA_N + HELBY_RA_ADJUSTED],
                            *a1 = &g->adj[w1 * HELBY_RA_N + HELBY_RA_ADJUSTED];
    const char *how = g->adj_standardise
                          ? (da ? "direkte standardiserede" : "directly standardised")
                          : (da ? "regressionsjusterede" : "regression-adjusted");
    if (q->mark != HELBY_CELL_SHOWN || !isfinite(q->estimate)) {
        snprintf(buf, n,
                 da ? " Målet vurderet på den %s forskel kan ikke vises."
                    : " The goal judged on the %s gap cannot be shown.",
                 how);
        return;
    }
    const char *v = !strcmp(q->flag, "met")       ? (da ? "er nået" : "is met")
                    : !strcmp(q->flag, "not met") ? (da ? "er ikke nået" : "is not met")
                                                  : (da ? "kan ikke afgøres" : "cannot be decided");
    char x[32], p[32], lo[32], hi[32], lv[16];
    helby_report_num(r, g->x, g->x == floor(g->x) ? 0 : 1, x, sizeof x);
    helby_report_num(r, 100 * r->level, 0, lv, sizeof lv);
    if (a0->estimate * a1->estimate < 0) {
        snprintf(buf, n,
                 da ? " Vurderet på den %s forskel (%s–%s) er forskellen lukket og vendt; målet "
                      "på mindst %s %% %s."
                    : " Judged on the %s gap (%s–%s), the gap closed and reversed; the goal of "
                      "at least %s %% %s.",
                 how, report_wave(r, g->baseline), report_wave(r, g->wave), x, v);
        return;
    }
    /* The reduction, as stored; digits enough that a bound is on its side of X. */
    int dec = report_goal_decimals(100 * q->ci_low, 100 * q->ci_high, g->x, 0);
    helby_report_num(r, 100 * q->estimate, dec, p, sizeof p);
    helby_report_num(r, 100 * q->ci_low, dec, lo, sizeof lo);
    helby_report_num(r, 100 * q->ci_high, dec, hi, sizeof hi);
    snprintf(buf, n,
             da ? " Vurderet på den %s forskel er reduktionen %s–%s %s %% (%s %%-KI %s til %s "
                  "%%); målet på mindst %s %% %s."
                : " Judged on the %s gap, the reduction %s–%s is %s %% (%s %% CI %s to %s %%); "
                  "the goal of at least %s %% %s.",
             how, report_wave(r, g->baseline), report_wave(r, g->wave), p, lv, lo, hi, x, v);
}
