/* report_goal.c — a goal in words: its label with the policy's X filled in, the rule, the
 * quantity with its unit and the sentence a policy reader reads first (helby/report.h).
 *
 * Sign convention (README, "Reports"): every change is later minus earlier, so a gap that
 * narrows has a negative change. Goal 4's quantity is stored by compute as the reduction
 * (G0 - Gt)/G0; the report turns it into the relative change (Gt - G0)/G0 so that the goal
 * card, the comparison tables, the CSV/JSON rows and the workbook show the same number with
 * the same sign. The sentence then says it in words ("a reduction of 46 %"). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "helby/survey.h"
#include "report/report_internal.h"

#define DA(r) (!strcmp((r)->lang, "da"))

static int isalnum_ascii(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The policy's X: 10 -> "10", 2.5 -> "2,5". */
static void x_text(const helby_report *r, double x, char *buf, size_t n)
{
    helby_report_num(r, x, x == floor(x) ? 0 : 1, buf, n);
}

/* Replace each standalone "X" of a goal's label (the policy's open target) by its value. */
static void fill_x(const helby_report *r, helby_report_goal *g)
{
    char xs[32], out[sizeof g->label];
    x_text(r, g->x, xs, sizeof xs);
    size_t k = 0;
    const char *s = g->label;
    for (size_t i = 0; s[i] && k + strlen(xs) + 1 < sizeof out; i++) {
        int alone = s[i] == 'X' && (i == 0 || !isalnum_ascii(s[i - 1])) && !isalnum_ascii(s[i + 1]);
        if (alone) {
            memcpy(out + k, xs, strlen(xs));
            k += strlen(xs);
        } else {
            out[k++] = s[i];
        }
    }
    out[k] = '\0';
    snprintf(g->label, sizeof g->label, "%s", out);
}

/* Unit of a goal's quantity, after a number: "%" (relative kinds) or points (change). */
static const char *goal_unit(const helby_report *r, const helby_report_goal *g,
                             const helby_report_measure *m)
{
    if (g->kind != HELBY_TARGET_CHANGE_POSITIVE)
        return "%";
    if (m && m->kind == 2)
        return DA(r) ? "procentpoint" : "percentage points";
    return DA(r) ? "point" : "points";
}

static double goal_scale(const helby_report_goal *g, const helby_report_measure *m)
{
    return g->kind != HELBY_TARGET_CHANGE_POSITIVE || (m && m->kind == 2) ? 100 : 1;
}

static void goal_rule(const helby_report *r, helby_report_goal *g, const helby_report_measure *m)
{
    int da = DA(r);
    char xs[32], lv[16];
    x_text(r, g->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION ? -g->x : g->x, xs, sizeof xs);
    helby_report_num(r, 100 * r->level, 0, lv, sizeof lv);
    const char *u = goal_unit(r, g, m);
    if (g->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION)
        snprintf(g->rule, sizeof g->rule,
                 da ? "relativ ændring af forskellen %ld→%ld ≤ %s %%: opfyldt hvis hele "
                      "%s %%-KI er ≤ %s %%, ikke opfyldt hvis hele KI er over, ellers uafklaret"
                    : "relative change of the gap %ld→%ld ≤ %s %%: met if the whole %s %% CI "
                      "is ≤ %s %%, not met if it is all above, inconclusive otherwise",
                 g->baseline, g->wave, xs, lv, xs);
    else if (g->kind == HELBY_TARGET_RATIO_INCREASE)
        snprintf(g->rule, sizeof g->rule,
                 da ? "forholdet minoriteter/danskere stiger %ld→%ld med ≥ %s %%: opfyldt hvis "
                      "hele %s %%-KI er ≥ %s %%, ikke opfyldt hvis hele KI er under"
                    : "ratio minorities/Danes rises %ld→%ld by ≥ %s %%: met if the whole %s %% "
                      "CI is ≥ %s %%, not met if it is all below",
                 g->baseline, g->wave, xs, lv, xs);
    else
        snprintf(g->rule, sizeof g->rule,
                 da ? "ændring %ld→%ld > %s %s: opfyldt hvis hele %s %%-KI er over %s, ikke "
                      "opfyldt hvis hele KI er på eller under, ellers uafklaret"
                    : "change %ld→%ld > %s %s: met if the whole %s %% CI is above %s, not met "
                      "if it is all at or below, inconclusive otherwise",
                 g->baseline, g->wave, xs, u, lv, xs);
}

/* "−45,7 [−61,8; −29,6] %" or "4,9 [3,0; 6,8] point": the goal's quantity with its unit. */
void report_goal_value(const helby_report *r, const helby_report_goal *g, char *buf, size_t n)
{
    const helby_report_measure *m = report_find_measure(r, g->measure);
    report_cell_text(r, &g->q, goal_scale(g, m), 1, buf, n);
    if (g->q.mark == HELBY_CELL_SHOWN && strlen(buf) + 20 < n)
        snprintf(buf + strlen(buf), n - strlen(buf), " %s", goal_unit(r, g, m));
}

/* The target as a reader compares it with the quantity: "≤ −10 %", "≥ 10 %", "> 0 point". */
void report_goal_target(const helby_report *r, const helby_report_goal *g, char *buf, size_t n)
{
    const helby_report_measure *m = report_find_measure(r, g->measure);
    char xs[32];
    int red = g->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION;
    x_text(r, red ? -g->x : g->x, xs, sizeof xs);
    snprintf(buf, n, "%s %s %s",
             red                                      ? "≤"
             : g->kind == HELBY_TARGET_RATIO_INCREASE ? "≥"
                                                      : ">",
             xs, goal_unit(r, g, m));
}

static void goal_quantity_label(const helby_report *r, helby_report_goal *g)
{
    int da = DA(r);
    const char *what = g->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION
                           ? (da ? "Relativ ændring af forskellen" : "Relative change of the gap")
                       : g->kind == HELBY_TARGET_RATIO_INCREASE
                           ? (da ? "Relativ ændring af forholdet" : "Relative change of the ratio")
                           : (da ? "Ændring" : "Change");
    snprintf(g->quantity_label, sizeof g->quantity_label, "%s %ld→%ld", what, g->baseline, g->wave);
}

/* "30–62" for a confidence interval in words; "−5 til 3" when a bound is negative. */
static void ci_words(const helby_report *r, double lo, double hi, int dec, char *buf, size_t n)
{
    char a[32], b[32];
    helby_report_num(r, lo, dec, a, sizeof a);
    helby_report_num(r, hi, dec, b, sizeof b);
    if (lo >= 0 && hi >= 0)
        snprintf(buf, n, "%s–%s", a, b);
    else
        snprintf(buf, n, "%s %s %s", a, DA(r) ? "til" : "to", b);
}

static const char *verdict_words(const helby_report *r, const char *flag)
{
    int da = DA(r);
    if (!strcmp(flag, "met"))
        return da ? "er nået" : "is met";
    if (!strcmp(flag, "not met"))
        return da ? "er ikke nået" : "is not met";
    return da ? "kan endnu ikke afgøres: konfidensintervallet rummer målet"
              : "cannot be decided yet: the confidence interval includes the target";
}

static const char *rose_fell(const helby_report *r, double from, double to)
{
    int da = DA(r);
    return to > from   ? (da ? "steg" : "rose")
           : to < from ? (da ? "faldt" : "fell")
                       : (da ? "var uændret" : "stayed");
}

/* The sentence of a goal on the gap between the groups (relative gap reduction, ratio). */
static void gap_sentence(const helby_report *r, helby_report_goal *g, const helby_report_measure *m,
                         size_t w0, size_t w1)
{
    int da = DA(r);
    double s = report_scale(m, -1);
    const char *pts =
        m->kind == 2 ? (da ? "procentpoint" : "percentage points") : (da ? "point" : "points");
    const helby_report_cell *d0 = &m->level[w0 * 3], *d1 = &m->level[w1 * 3];
    const helby_report_cell *g0 = &m->cmp[w0 * HELBY_RQ_N], *g1 = &m->cmp[w1 * HELBY_RQ_N];
    char a[32], b[32], c[32], e[32], f[32], h[32], pct[32], ci[80], lv[16], xs[32], lab[192];
    helby_report_num(r, fabs(g0->estimate) * s, 1, a, sizeof a);
    helby_report_num(r, fabs(g1->estimate) * s, 1, b, sizeof b);
    helby_report_num(r, d0[1].estimate * s, 1, c, sizeof c);
    helby_report_num(r, d1[1].estimate * s, 1, e, sizeof e);
    helby_report_num(r, d0[0].estimate * s, 1, f, sizeof f);
    helby_report_num(r, d1[0].estimate * s, 1, h, sizeof h);
    helby_report_num(r, 100 * r->level, 0, lv, sizeof lv);
    x_text(r, g->x, xs, sizeof xs);
    report_lower_first(lab, sizeof lab, m->label);
    int red = g->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION;
    /* The reduction in words is the negative of the relative change (the convention above). */
    double q = red ? -g->q.estimate : g->q.estimate, lo = red ? -g->q.ci_high : g->q.ci_low,
           hi = red ? -g->q.ci_low : g->q.ci_high;
    helby_report_num(r, 100 * fabs(q), 0, pct, sizeof pct);
    ci_words(r, 100 * lo, 100 * hi, 0, ci, sizeof ci);
    const char *amount =
        red ? (q >= 0 ? (da ? "en reduktion" : "a reduction")
                      : (da ? "en forøgelse" : "an increase"))
            : (q >= 0 ? (da ? "en stigning" : "a rise") : (da ? "et fald" : "a fall"));
    const char *of =
        red ? (da ? "af forskellen" : "of the gap") : (da ? "af forholdet" : "of the ratio");
    if (da)
        snprintf(g->sentence, sizeof g->sentence,
                 "Forskellen i %s mellem etniske danskere og etniske minoriteter %s fra %s til %s "
                 "%s (%ld–%ld): etniske minoriteter %s fra %s til %s, etniske danskere %s fra %s "
                 "til %s. Det er %s %s på %s %% (%s %%-KI %s %%). Målet på mindst %s %% %s.",
                 lab, rose_fell(r, fabs(g0->estimate), fabs(g1->estimate)), a, b, pts, g->baseline,
                 g->wave, rose_fell(r, d0[1].estimate, d1[1].estimate), c, e,
                 rose_fell(r, d0[0].estimate, d1[0].estimate), f, h, amount, of, pct, lv, ci, xs,
                 verdict_words(r, g->q.flag));
    else
        snprintf(g->sentence, sizeof g->sentence,
                 "The gap in the %s between ethnic Danes and ethnic minorities %s from %s to %s "
                 "%s (%ld–%ld): ethnic minorities %s from %s to %s, ethnic Danes %s from %s to "
                 "%s. That is %s %s by %s %% (%s %% CI %s %%). The goal of at least %s %% %s.",
                 lab, rose_fell(r, fabs(g0->estimate), fabs(g1->estimate)), a, b, pts, g->baseline,
                 g->wave, rose_fell(r, d0[1].estimate, d1[1].estimate), c, e,
                 rose_fell(r, d0[0].estimate, d1[0].estimate), f, h, amount, of, pct, lv, ci, xs,
                 verdict_words(r, g->q.flag));
}

/* The sentence of a goal on one group's level (change in a positive direction). */
static void level_sentence(const helby_report *r, helby_report_goal *g,
                           const helby_report_measure *m, size_t w0, size_t w1, int grp)
{
    int da = DA(r);
    double s = report_scale(m, -1);
    const char *u = goal_unit(r, g, m);
    static const char *who[3][2] = {{"etniske danskere", "ethnic Danes"},
                                    {"etniske minoriteter", "ethnic minorities"},
                                    {"alle borgere", "all residents"}};
    const helby_report_cell *l0 = &m->level[w0 * 3 + (size_t)grp];
    const helby_report_cell *l1 = &m->level[w1 * 3 + (size_t)grp];
    char a[32], b[32], d[32], ci[80], lv[16], xs[32], lab[192];
    helby_report_num(r, l0->estimate * s, 1, a, sizeof a);
    helby_report_num(r, l1->estimate * s, 1, b, sizeof b);
    helby_report_num(r, g->q.estimate * s, 1, d, sizeof d);
    if (g->q.estimate > 0 && strlen(d) + 2 < sizeof d) {
        memmove(d + 1, d, strlen(d) + 1);
        d[0] = '+';
    }
    ci_words(r, g->q.ci_low * s, g->q.ci_high * s, 1, ci, sizeof ci);
    helby_report_num(r, 100 * r->level, 0, lv, sizeof lv);
    x_text(r, g->x, xs, sizeof xs);
    report_lower_first(lab, sizeof lab, m->label);
    const char *scale =
        m->kind == 2 ? (da ? "andel i %" : "share in %") : (da ? "skala 0–100" : "scale 0–100");
    if (da)
        snprintf(g->sentence, sizeof g->sentence,
                 "Blandt %s %s %s (%s) fra %s til %s %s (%ld–%ld), en ændring på %s %s "
                 "(%s %%-KI %s %s). Målet om en ændring på mere end %s %s %s.",
                 who[grp][0], rose_fell(r, l0->estimate, l1->estimate), lab, scale, a, b, u,
                 g->baseline, g->wave, d, u, lv, ci, u, xs, u, verdict_words(r, g->q.flag));
    else
        snprintf(g->sentence, sizeof g->sentence,
                 "Among %s the %s (%s) %s from %s to %s %s (%ld–%ld), a change of %s %s "
                 "(%s %% CI %s %s). The goal of a change of more than %s %s %s.",
                 who[grp][1], lab, scale, rose_fell(r, l0->estimate, l1->estimate), a, b, u,
                 g->baseline, g->wave, d, u, lv, ci, u, xs, u, verdict_words(r, g->q.flag));
}

void report_goal_texts(helby_report *r, helby_report_goal *g)
{
    const helby_report_measure *m = report_find_measure(r, g->measure);
    fill_x(r, g);
    goal_rule(r, g, m);
    goal_quantity_label(r, g);
    g->sentence[0] = '\0';
    size_t w0 = report_wave_index(r, g->baseline), w1 = report_wave_index(r, g->wave);
    if (!m || w0 == (size_t)-1 || w1 == (size_t)-1)
        return;
    if (g->q.mark != HELBY_CELL_SHOWN) {
        snprintf(g->sentence, sizeof g->sentence, "%s",
                 DA(r) ? "Målet kan ikke vises: det hviler på celler med for få svarpersoner."
                       : "The goal cannot be shown: it rests on cells with too few "
                         "respondents.");
        return;
    }
    if (g->kind == HELBY_TARGET_CHANGE_POSITIVE) {
        int grp = !strcmp(g->group, "danes")        ? HELBY_RG_DANES
                  : !strcmp(g->group, "minorities") ? HELBY_RG_MINORITIES
                                                    : HELBY_RG_ALL;
        level_sentence(r, g, m, w0, w1, grp);
    } else {
        gap_sentence(r, g, m, w0, w1);
    }
}

/* The line a goal follows over the waves, for the barometer's sparkline: the gap (relative
 * gap reduction), the ratio (ratio increase) or the target group's level (change), scaled as
 * the report shows it; *target is that line's value the goal asks for in the target wave
 * (NaN if unknown). Returns the number of waves written (NaN where a cell is hidden). */
size_t report_goal_series(const helby_report *r, const helby_report_goal *g, double *v, size_t max,
                          double *target)
{
    const helby_report_measure *m = report_find_measure(r, g->measure);
    size_t W = r->n_waves < max ? r->n_waves : max, w0 = report_wave_index(r, g->baseline);
    *target = NAN;
    if (!m)
        return 0;
    int grp = !strcmp(g->group, "danes")        ? HELBY_RG_DANES
              : !strcmp(g->group, "minorities") ? HELBY_RG_MINORITIES
                                                : HELBY_RG_ALL;
    double sc = report_scale(m, -1);
    for (size_t w = 0; w < W; w++) {
        const helby_report_cell *c =
            g->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION ? &m->cmp[w * HELBY_RQ_N + HELBY_RQ_GAP]
            : g->kind == HELBY_TARGET_RATIO_INCREASE ? &m->cmp[w * HELBY_RQ_N + HELBY_RQ_RATIO]
                                                     : &m->level[w * 3 + (size_t)grp];
        int ok = c->present && c->mark == HELBY_CELL_SHOWN;
        v[w] = ok ? c->estimate * (g->kind == HELBY_TARGET_RATIO_INCREASE ? 1 : sc) : NAN;
    }
    if (w0 < W && !isnan(v[w0]))
        *target = g->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION ? v[w0] * (1 - g->x / 100)
                  : g->kind == HELBY_TARGET_RATIO_INCREASE       ? v[w0] * (1 + g->x / 100)
                                                                 : v[w0] + g->x * sc;
    return W;
}

/* 1 when a smaller value of the goal's line is better (the gap of goal 4). */
int report_goal_lower_better(const helby_report_goal *g)
{
    return g->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION;
}

/* The goal's unit and display scale, for the sensitivity section (report_sens*.c). */
const char *report_goal_unit(const helby_report *r, const helby_report_goal *g)
{
    return goal_unit(r, g, report_find_measure(r, g->measure));
}

double report_goal_scale(const helby_report *r, const helby_report_goal *g)
{
    return goal_scale(g, report_find_measure(r, g->measure));
}
