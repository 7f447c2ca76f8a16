/* report_baro.c — the barometer's rows, one per goal and register indicator, shared by its
 * text, Markdown, CSV, JSON and HTML pages: the goal's own quantity per period (goal 4: the
 * reduction of the gap against the baseline, as compare states it), its target, the
 * direction since the previous period and over the whole period, the verdict, and beside it
 * the national "direction of travel" rule (rounded estimates against the base period) with a
 * flag where the two disagree. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "helby/csv.h"
#include "report/report_internal.h"

/* "improving" when the goal's line went the better way from a to b. */
static const char *direction(double a, double b, int higher_better)
{
    if (isnan(a) || isnan(b))
        return "undefined";
    double d = higher_better ? b - a : a - b;
    return d > 0 ? "improving" : d < 0 ? "worsening" : "unchanged";
}

/* The national rule: the latest value against the base period's, both rounded as shown. */
static const char *travel(double base, double last, int dec, int higher_better)
{
    if (isnan(base) || isnan(last))
        return "undefined";
    double p = pow(10, dec), a = round(base * p), b = round(last * p);
    double d = higher_better ? b - a : a - b;
    return d > 0 ? "forward" : d < 0 ? "backward" : "no_change";
}

/* Directions, the national rule and the flag, from the filled series. */
static void baro_judge(report_baro *b)
{
    size_t last = b->n, prev = b->n, first = b->n;
    for (size_t i = 0; i < b->n; i++)
        if (!isnan(b->v[i])) {
            if (first == b->n)
                first = i;
            prev = last;
            last = i;
        }
    b->i_first = first, b->i_prev = prev, b->i_last = last;
    if (b->suppressed || last == b->n) {
        b->dir_prev = b->dir_whole = b->travel = "suppressed";
        b->disagree = 0;
        return;
    }
    b->dir_prev = prev == b->n ? "undefined" : direction(b->v[prev], b->v[last], b->higher_better);
    b->dir_whole =
        first == last ? "undefined" : direction(b->v[first], b->v[last], b->higher_better);
    double base = b->i_base < b->n ? b->v[b->i_base] : NAN;
    b->travel = travel(base, b->v[last], b->dec, b->higher_better);
    int ci_good = !strcmp(b->verdict, "met"), nat_good = !strcmp(b->travel, "forward");
    b->disagree = strcmp(b->travel, "undefined") && ci_good != nat_good;
}

/* A survey goal's quantity in every wave up to its target wave, against its baseline: the
 * reduction of the gap (G0 - Gw)/G0, the ratio's relative change (Rw - R0)/R0 or the change
 * Lw - L0 of the target group's level; the target wave's value is the goal's own (q). */
static void survey_series(const helby_report *r, const helby_report_goal *g, report_baro *b)
{
    const helby_report_measure *m = report_find_measure(r, g->measure);
    size_t w0 = report_wave_index(r, g->baseline), w1 = report_wave_index(r, g->wave);
    int grp = !strcmp(g->group, "danes")        ? HELBY_RG_DANES
              : !strcmp(g->group, "minorities") ? HELBY_RG_MINORITIES
                                                : HELBY_RG_ALL;
    b->n = 0;
    if (!m || w0 == (size_t)-1 || w1 == (size_t)-1 || w1 >= 64)
        return;
    double sc = report_goal_scale(r, g);
    int rel = g->kind != HELBY_TARGET_CHANGE_POSITIVE;
    size_t stride = rel ? HELBY_RQ_N : 3;
    size_t off = g->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION ? HELBY_RQ_GAP
                 : rel                                          ? HELBY_RQ_RATIO
                                                                : (size_t)grp;
    const helby_report_cell *cells = rel ? m->cmp : m->level, *c0 = &cells[w0 * stride + off];
    for (size_t w = 0; w <= w1; w++) {
        const helby_report_cell *c = &cells[w * stride + off];
        int ok = c->present && c->mark == HELBY_CELL_SHOWN && c0->present &&
                 c0->mark == HELBY_CELL_SHOWN;
        double q = !ok ? NAN
                   : g->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION
                       ? (c0->estimate - c->estimate) / c0->estimate
                   : rel ? (c->estimate - c0->estimate) / c0->estimate
                         : c->estimate - c0->estimate;
        b->v[w] = w == w1 ? (g->q.mark == HELBY_CELL_SHOWN ? g->q.estimate * sc : NAN) : q * sc;
        helby_utf8_copy(b->period[w], sizeof b->period[w], report_wave(r, r->waves[w]));
    }
    b->n = w1 + 1;
    b->i_base = w0;
    b->target = rel ? g->x : g->x * sc;
}

static void survey_row(const helby_report *r, const helby_report_goal *g, int goal, report_baro *b)
{
    memset(b, 0, sizeof *b);
    b->goal = goal;
    b->survey = 1;
    b->g = g;
    b->label = g->label;
    b->name = g->measure;
    b->higher_better = 1; /* every goal's quantity as its policy words it */
    b->dec = 1;
    b->verdict = g->q.flag;
    b->suppressed = g->q.mark != HELBY_CELL_SHOWN;
    survey_series(r, g, b);
    baro_judge(b);
}

static void register_row(const helby_report_indicator *ind, int goal, report_baro *b)
{
    memset(b, 0, sizeof *b);
    b->goal = goal;
    b->ind = ind;
    b->label = ind->label;
    b->name = ind->name;
    b->higher_better = !strcmp(ind->better, "higher");
    b->dec = 1;
    b->n = ind->n_periods;
    for (size_t i = 0; i < b->n; i++) {
        b->v[i] = ind->value[i];
        helby_utf8_copy(b->period[i], sizeof b->period[i], ind->period[i]);
    }
    b->target = b->n ? ind->target[b->n - 1] : NAN;
    b->i_base = 0;
    b->verdict = report_register_verdict(ind);
    baro_judge(b);
}

/* The barometer's rows in the policy's order (goal 1 to 6; a survey goal before the register
 * indicators of the same goal); at most max. Returns the count. */
size_t report_baro_rows(const helby_report *r, report_baro *rows, size_t max)
{
    size_t n = 0;
    for (int goal = 1; goal <= 6; goal++) {
        char gname[16];
        snprintf(gname, sizeof gname, "goal%d", goal);
        for (size_t i = 0; i < r->n_goals && n < max; i++)
            if (!strcmp(r->goals[i].goal, gname))
                survey_row(r, &r->goals[i], goal, &rows[n++]);
        for (size_t i = 0; i < r->n_indicators && n < max; i++)
            if (!strcmp(r->indicators[i].goal, gname) && r->indicators[i].n_periods)
                register_row(&r->indicators[i], goal, &rows[n++]);
    }
    return n;
}

/* "Survey waves 2011–2014" / "Register periods 2011H1–2014H2". */
void report_baro_source(const helby_report *r, const report_baro *b, char *buf, size_t n)
{
    int da = !strcmp(r->lang, "da");
    if (b->survey)
        snprintf(buf, n, "%s %s–%s", da ? "Spørgeskema, bølger" : "Survey waves",
                 report_wave(r, b->g->baseline), report_wave(r, b->g->wave));
    else if (b->n)
        snprintf(buf, n, "%s %s–%s", da ? "Register, perioder" : "Register periods", b->period[0],
                 b->period[b->n - 1]);
    else
        helby_utf8_copy(buf, n, da ? "Register" : "Register");
}

/* The period a direction starts from: "since 2014H1", "2011H1–2014H2". */
const char *report_baro_period(const report_baro *b, size_t i)
{
    return i < b->n ? b->period[i] : "";
}
