/* report_goal.c — a goal in words: its label with the policy's X filled in, the rule, the
 * quantity with its unit and the sentence a policy reader reads first (helby/report.h).
 *
 * Sign convention (docs/reports.md): a goal's quantity is stated as its policy words it, the
 * number compute stores and compare, runs show and sensitivity print: goal 4 the reduction of
 * the gap (G0 - Gt)/G0 (positive when the gap narrows) against "at least X %", goal 6 the
 * change later minus earlier. The comparison tables' rows (gap change, relative gap change)
 * are changes later minus earlier and keep their names. A gap that closed and reversed is
 * said so, never as a reduction above 100 %, and an inconclusive verdict says why
 * (helby_goal_judge_reduction, helby_goal_reason_text: the library's one rule). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "helby/compare.h"
#include "helby/survey.h"
#include "report/report_internal.h"

#define DA(r) (!strcmp((r)->lang, "da"))

static int isalnum_ascii(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The policy's X as it wrote it: 10 -> "10", 2.5 -> "2,5", 6.795 -> "6,795" (never rounded:
 * a rounded target could contradict the verdict). */
static void x_text(const helby_report *r, double x, char *buf, size_t n)
{
    int dec = 0;
    while (dec < 6 && fabs(round(x * pow(10, dec)) / pow(10, dec) - x) > 1e-9 * fmax(1, fabs(x)))
        dec++;
    helby_report_num(r, x, dec, buf, n);
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
    helby_utf8_copy(g->label, sizeof g->label, out);
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
    x_text(r, g->x, xs, sizeof xs);
    helby_report_num(r, 100 * r->level, 0, lv, sizeof lv);
    const char *u = goal_unit(r, g, m);
    if (g->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION)
        snprintf(g->rule, sizeof g->rule,
                 da ? "reduktion af forskellen %s→%s ≥ %s %%: opfyldt hvis hele %s %%-KI er "
                      "≥ %s %%, ikke opfyldt hvis hele KI er under, ellers uafklaret (også når "
                      "Fiellers interval er ubegrænset eller dømmer anderledes)"
                    : "reduction of the gap %s→%s ≥ %s %%: met if the whole %s %% CI is "
                      "≥ %s %%, not met if it is all below, inconclusive otherwise (also when "
                      "Fieller's interval is unbounded or judges otherwise)",
                 report_wave(r, g->baseline), report_wave(r, g->wave), xs, lv, xs);
    else if (g->kind == HELBY_TARGET_RATIO_INCREASE)
        snprintf(g->rule, sizeof g->rule,
                 da ? "forholdet minoriteter/danskere stiger %s→%s med ≥ %s %%: opfyldt hvis "
                      "hele %s %%-KI er ≥ %s %%, ikke opfyldt hvis hele KI er under"
                    : "ratio minorities/Danes rises %s→%s by ≥ %s %%: met if the whole %s %% "
                      "CI is ≥ %s %%, not met if it is all below",
                 report_wave(r, g->baseline), report_wave(r, g->wave), xs, lv, xs);
    else
        snprintf(g->rule, sizeof g->rule,
                 da ? "ændring %s→%s > %s %s: opfyldt hvis hele %s %%-KI er over %s, ikke "
                      "opfyldt hvis hele KI er på eller under, ellers uafklaret"
                    : "change %s→%s > %s %s: met if the whole %s %% CI is above %s, not met "
                      "if it is all at or below, inconclusive otherwise",
                 report_wave(r, g->baseline), report_wave(r, g->wave), xs, u, lv, xs);
}

int report_goal_decimals(double lo, double hi, double x, int dec)
{
    const double b[2] = {lo, hi};
    for (; dec < 6; dec++) {
        int ok = 1;
        double f = pow(10, dec);
        for (int i = 0; i < 2 && ok; i++) {
            double shown = round(b[i] * f) / f;
            if (isfinite(b[i]) && b[i] != x && (shown - x) * (b[i] - x) <= 0)
                ok = 0; /* rounds onto the target or across it */
        }
        if (ok)
            break;
    }
    return dec;
}

/* "45,7 [29,3; 62,1] %" or "4,9 [3,0; 6,8] point": the goal's quantity with its unit, with
 * digits enough that each bound is visibly on its side of the target. */
void report_goal_value(const helby_report *r, const helby_report_goal *g, char *buf, size_t n)
{
    const helby_report_measure *m = report_find_measure(r, g->measure);
    double s = goal_scale(g, m);
    /* The target in display units: X % for the relative kinds, X (scaled) for a change. */
    double x = g->kind == HELBY_TARGET_CHANGE_POSITIVE ? s * g->x : g->x;
    int dec = report_goal_decimals(s * g->q.ci_low, s * g->q.ci_high, x, 1);
    if (g->q.mark == HELBY_CELL_SHOWN && g->reason == HELBY_REASON_BASELINE_ZERO) {
        /* No finite interval: the number would mislead (compare warns the same). */
        snprintf(buf, n, "– (%s)",
                 DA(r) ? "forskellen i basisåret kan ikke skelnes fra nul"
                       : "the baseline gap is not distinguishable from zero");
        return;
    }
    report_cell_text(r, &g->q, s, dec, buf, n);
    if (g->q.mark == HELBY_CELL_SHOWN && strlen(buf) + 20 < n)
        snprintf(buf + strlen(buf), n - strlen(buf), " %s", goal_unit(r, g, m));
}

/* The target as a reader compares it with the quantity: "≤ −10 %", "≥ 10 %", "> 0 point". */
void report_goal_target(const helby_report *r, const helby_report_goal *g, char *buf, size_t n)
{
    const helby_report_measure *m = report_find_measure(r, g->measure);
    char xs[32];
    x_text(r, g->x, xs, sizeof xs);
    snprintf(buf, n, "%s %s %s", g->kind == HELBY_TARGET_CHANGE_POSITIVE ? ">" : "≥", xs,
             goal_unit(r, g, m));
}

static void goal_quantity_label(const helby_report *r, helby_report_goal *g)
{
    int da = DA(r);
    const char *what = g->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION
                           ? (da ? "Reduktion af forskellen" : "Reduction of the gap")
                       : g->kind == HELBY_TARGET_RATIO_INCREASE
                           ? (da ? "Relativ ændring af forholdet" : "Relative change of the ratio")
                           : (da ? "Ændring" : "Change");
    snprintf(g->quantity_label, sizeof g->quantity_label, "%s %s→%s", what,
             report_wave(r, g->baseline), report_wave(r, g->wave));
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

/* The verdict in words; an inconclusive one with its reason (said already when `said`). */
static void verdict_words(const helby_report *r, const helby_report_goal *g, int said, char *buf,
                          size_t n)
{
    int da = DA(r);
    const char *flag = g->q.flag;
    if (!strcmp(flag, "met"))
        helby_utf8_copy(buf, n, da ? "er nået" : "is met");
    else if (!strcmp(flag, "not met"))
        helby_utf8_copy(buf, n, da ? "er ikke nået" : "is not met");
    else if (!strcmp(flag, "undefined"))
        helby_utf8_copy(buf, n, da ? "kan ikke beregnes" : "cannot be computed");
    else if (said)
        helby_utf8_copy(buf, n, da ? "kan endnu ikke afgøres" : "cannot be decided yet");
    else
        snprintf(buf, n, "%s: %s", da ? "kan endnu ikke afgøres" : "cannot be decided yet",
                 helby_goal_reason_text(g->reason ? (helby_goal_reason)g->reason : HELBY_REASON_CI,
                                        r->lang));
}

/* Reversal, Fieller's interval and the reason of the verdict by the library's rule on the
 * run's gaps (helby_goal_judge_reduction), as compute judged it; the verdict is the run's. */
static void goal_judge(const helby_report *r, helby_report_goal *g, const helby_report_measure *m,
                       size_t w0, size_t w1)
{
    g->gap_reversed = 0, g->fieller_bounded = 1, g->reason = HELBY_REASON_NONE;
    g->fieller_low = g->fieller_high = NAN;
    int inconclusive = !strcmp(g->q.flag, "inconclusive");
    if (g->kind != HELBY_TARGET_RELATIVE_GAP_REDUCTION) {
        g->reason = inconclusive ? HELBY_REASON_CI : HELBY_REASON_NONE;
        return;
    }
    const helby_report_cell *c[2] = {&m->cmp[w0 * HELBY_RQ_N + HELBY_RQ_GAP],
                                     &m->cmp[w1 * HELBY_RQ_N + HELBY_RQ_GAP]};
    helby_estimate e[2], q = {.estimate = g->q.estimate,
                              .ci_low = g->q.ci_low,
                              .ci_high = g->q.ci_high,
                              .se = g->q.se,
                              .df = g->q.df};
    for (int i = 0; i < 2; i++)
        e[i] = (helby_estimate){.estimate = c[i]->estimate, .se = c[i]->se, .df = c[i]->df};
    /* The options compute judged with: the run's level, t, its df if it fixed one. */
    helby_estimate_options o = {.level = r->level, .ci = HELBY_CI_T, .df = report_run_df(r)};
    /* Runs of method 1 (no "method=" in their options) were judged on the delta method. */
    int delta_only = strncmp(r->run.options, "method=", 7) != 0 || w0 == w1;
    helby_goal_result res;
    memset(&res, 0, sizeof res);
    helby_goal_judge_reduction(&q, &e[0], &e[1], g->x, delta_only, &o, &res);
    g->gap_reversed = res.gap_reversed;
    g->fieller_bounded = res.fieller_bounded;
    g->fieller_low = res.fieller_low, g->fieller_high = res.fieller_high;
    g->reason = !inconclusive                                             ? HELBY_REASON_NONE
                : res.verdict == HELBY_VERDICT_INCONCLUSIVE && res.reason ? (int)res.reason
                                                                          : HELBY_REASON_CI;
}

static const char *rose_fell(const helby_report *r, double from, double to)
{
    int da = DA(r);
    return to > from   ? (da ? "steg" : "rose")
           : to < from ? (da ? "faldt" : "fell")
                       : (da ? "var uændret" : "stayed");
}

/* "That is a reduction of the gap by 46 % (95 % CI 29–62 %)." (with digits enough that the
 * bounds are on their sides of X); for a baseline gap not distinguishable from zero that in
 * words instead of a number without a finite interval; nothing for a reversed gap. */
static void gap_amount(const helby_report *r, const helby_report_goal *g, char *buf, size_t n)
{
    int da = DA(r), red = g->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION;
    buf[0] = '\0';
    if (red && g->reason == HELBY_REASON_BASELINE_ZERO) {
        snprintf(
            buf, n, " %s%s.",
            da ? "Forskellen i basisåret kan ikke skelnes fra nul"
               : "The baseline gap is not distinguishable from zero",
            da ? ", så en relativ ændring af den har intet endeligt konfidensinterval (Fieller)"
               : ", so a change relative to it has no finite confidence interval (Fieller)");
        return;
    }
    if (red && g->gap_reversed)
        return;
    double q = g->q.estimate, lo = g->q.ci_low, hi = g->q.ci_high;
    int dec = report_goal_decimals(100 * lo, 100 * hi, g->x, 0);
    char pct[32], ci[80], lv[16];
    helby_report_num(r, 100 * fabs(q), dec, pct, sizeof pct);
    ci_words(r, 100 * lo, 100 * hi, dec, ci, sizeof ci);
    helby_report_num(r, 100 * r->level, 0, lv, sizeof lv);
    const char *amount =
        red ? (q >= 0 ? (da ? "en reduktion" : "a reduction")
                      : (da ? "en forøgelse" : "an increase"))
            : (q >= 0 ? (da ? "en stigning" : "a rise") : (da ? "et fald" : "a fall"));
    const char *of =
        red ? (da ? "af forskellen" : "of the gap") : (da ? "af forholdet" : "of the ratio");
    snprintf(buf, n,
             da ? " Det er %s %s på %s %% (%s %%-KI %s %%)."
                : " That is %s %s by %s %% (%s %% CI %s %%).",
             amount, of, pct, lv, ci);
}

/* How the gap went: "fell from 14.4 to 7.8 points (2011–2014)", or "was 14.3 points in 2011
 * and by 2014 had closed and reversed (minorities now 9.8 points above)". */
static void gap_move(const helby_report *r, const helby_report_goal *g,
                     const helby_report_measure *m, const helby_report_cell *g0,
                     const helby_report_cell *g1, char *buf, size_t n)
{
    int da = DA(r);
    double s = report_scale(m, -1);
    const char *pts =
        m->kind == 2 ? (da ? "procentpoint" : "percentage points") : (da ? "point" : "points");
    char a[32], b[32], rev[160];
    helby_report_num(r, fabs(g0->estimate) * s, 1, a, sizeof a);
    helby_report_num(r, fabs(g1->estimate) * s, 1, b, sizeof b);
    if (g->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION && g->gap_reversed) {
        helby_goal_reversal_text(g1->estimate, m->kind == 2, r->lang, rev, sizeof rev);
        snprintf(buf, n, da ? "var %s %s i %s og er i %s %s" : "was %s %s in %s and by %s had %s",
                 a, pts, report_wave(r, g->baseline), report_wave(r, g->wave), rev);
        return;
    }
    snprintf(buf, n, "%s %s %s %s %s %s (%s–%s)",
             rose_fell(r, fabs(g0->estimate), fabs(g1->estimate)), da ? "fra" : "from", a,
             da ? "til" : "to", b, pts, report_wave(r, g->baseline), report_wave(r, g->wave));
}

/* The sentence of a goal on the gap between the groups (relative gap reduction, ratio). */
static void gap_sentence(const helby_report *r, helby_report_goal *g, const helby_report_measure *m,
                         size_t w0, size_t w1)
{
    int da = DA(r);
    double s = report_scale(m, -1);
    const helby_report_cell *d0 = &m->level[w0 * 3], *d1 = &m->level[w1 * 3];
    const helby_report_cell *g0 = &m->cmp[w0 * HELBY_RQ_N], *g1 = &m->cmp[w1 * HELBY_RQ_N];
    char c[32], e[32], f[32], h[32], xs[32], lab[192], move[256], amount[320], v[320];
    helby_report_num(r, d0[1].estimate * s, 1, c, sizeof c);
    helby_report_num(r, d1[1].estimate * s, 1, e, sizeof e);
    helby_report_num(r, d0[0].estimate * s, 1, f, sizeof f);
    helby_report_num(r, d1[0].estimate * s, 1, h, sizeof h);
    x_text(r, g->x, xs, sizeof xs);
    report_lower_first(lab, sizeof lab, m->label);
    gap_move(r, g, m, g0, g1, move, sizeof move);
    gap_amount(r, g, amount, sizeof amount);
    verdict_words(r, g, g->reason == HELBY_REASON_BASELINE_ZERO, v, sizeof v);
    snprintf(g->sentence, sizeof g->sentence,
             da ? "Forskellen i %s mellem etniske danskere og etniske minoriteter %s: etniske "
                  "minoriteter %s fra %s til %s, etniske danskere %s fra %s til %s.%s Målet på "
                  "mindst %s %% %s."
                : "The gap in the %s between ethnic Danes and ethnic minorities %s: ethnic "
                  "minorities %s from %s to %s, ethnic Danes %s from %s to %s.%s The goal of at "
                  "least %s %% %s.",
             lab, move, rose_fell(r, d0[1].estimate, d1[1].estimate), c, e,
             rose_fell(r, d0[0].estimate, d1[0].estimate), f, h, amount, xs, v);
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
    int dec = report_goal_decimals(g->q.ci_low * s, g->q.ci_high * s, g->x * s, 1);
    ci_words(r, g->q.ci_low * s, g->q.ci_high * s, dec, ci, sizeof ci);
    char v[320];
    verdict_words(r, g, 0, v, sizeof v);
    helby_report_num(r, 100 * r->level, 0, lv, sizeof lv);
    x_text(r, g->x, xs, sizeof xs);
    report_lower_first(lab, sizeof lab, m->label);
    const char *scale =
        m->kind == 2 ? (da ? "andel i %" : "share in %") : (da ? "skala 0–100" : "scale 0–100");
    if (da)
        snprintf(g->sentence, sizeof g->sentence,
                 "%s (%s) blandt %s %s fra %s til %s %s (%s–%s), en ændring på %s %s "
                 "(%s %%-KI %s %s). Målet om en ændring på mere end %s %s %s.",
                 m->label, scale, who[grp][0], rose_fell(r, l0->estimate, l1->estimate), a, b, u,
                 report_wave(r, g->baseline), report_wave(r, g->wave), d, u, lv, ci, u, xs, u, v);
    else
        snprintf(g->sentence, sizeof g->sentence,
                 "Among %s the %s (%s) %s from %s to %s %s (%s–%s), a change of %s %s "
                 "(%s %% CI %s %s). The goal of a change of more than %s %s %s.",
                 who[grp][1], lab, scale, rose_fell(r, l0->estimate, l1->estimate), a, b, u,
                 report_wave(r, g->baseline), report_wave(r, g->wave), d, u, lv, ci, u, xs, u, v);
}

/* A goal judged on an earlier wave than its target wave (not stored yet) says so first. */
static void interim_note(const helby_report *r, helby_report_goal *g)
{
    if (!g->target_wave || g->target_wave == g->wave || !g->sentence[0])
        return;
    char s[sizeof g->sentence];
    snprintf(s, sizeof s,
             DA(r) ? "Foreløbig: målbølgen %s er ikke med endnu; vurderet på %s. %s"
                   : "Interim: target wave %s not yet in; judged on %s. %s",
             g->target_wave_label, report_wave(r, g->wave), g->sentence);
    helby_utf8_copy(g->sentence, sizeof g->sentence, s);
}

/* One group's change e_t - e_0 from its level cells c0 (baseline) and c1: the waves are
 * independent samples, so Var = se_0^2 + se_t^2, on the Satterthwaite df of the two parts
 * (helby_satterthwaite_df; the run's df when it fixed one) with a t CI at the run's level,
 * as compute judges goal 6 for all residents. Hidden (no number) when a cell is. */
static void group_change(const helby_report *r, const helby_report_cell *c0,
                         const helby_report_cell *c1, helby_report_cell *out)
{
    report_change_of(r, c1, c0, 0, out); /* t, as the comparisons of compute */
    out->flag[0] = '\0';                 /* a line beside the verdict, with none of its own */
}

/* "by group: ethnic Danes +4.1 points (95 % CI 1.0–7.2), ethnic minorities withheld (fewer
 * than 30 respondents)": the by-group line beside goal 6's verdict. */
static void by_group_words(const helby_report *r, helby_report_goal *g,
                           const helby_report_measure *m)
{
    int da = DA(r);
    double s = goal_scale(g, m);
    const char *who[2] = {da ? "etniske danskere" : "ethnic Danes",
                          da ? "etniske minoriteter" : "ethnic minorities"};
    char lv[16], part[2][160];
    helby_report_num(r, 100 * r->level, 0, lv, sizeof lv);
    for (int k = 0; k < 2; k++) {
        const helby_report_cell *c = &g->by_group[k];
        if (c->mark == HELBY_CELL_PRIMARY || c->mark == HELBY_CELL_COMPLEMENTARY) {
            snprintf(part[k], sizeof part[k],
                     c->mark == HELBY_CELL_PRIMARY
                         ? (da ? "%s tilbageholdt (færre end %zu svarpersoner)"
                               : "%s withheld (fewer than %zu respondents)")
                         : (da ? "%s tilbageholdt (beskytter en celle med færre end %zu "
                                 "svarpersoner)"
                               : "%s withheld (protects a cell of fewer than %zu respondents)"),
                     who[k], r->threshold);
            continue;
        }
        if (c->mark != HELBY_CELL_SHOWN) {
            snprintf(part[k], sizeof part[k], "%s –", who[k]);
            continue;
        }
        char d[32], ci[80];
        helby_report_num(r, c->estimate * s, 1, d, sizeof d);
        ci_words(r, c->ci_low * s, c->ci_high * s, 1, ci, sizeof ci);
        snprintf(part[k], sizeof part[k],
                 da ? "%s %s%s %s (%s %%-KI %s)" : "%s %s%s %s (%s %% CI %s)", who[k],
                 c->estimate > 0 ? "+" : "", d, goal_unit(r, g, m), lv, ci);
    }
    snprintf(g->by_group_text, sizeof g->by_group_text, "%s: %s, %s",
             da ? "Efter gruppe" : "By group", part[0], part[1]);
}

/* Goal 6 (a change of all residents) by group, beside its verdict (helby_report_goal). */
static void goal_by_group(const helby_report *r, helby_report_goal *g,
                          const helby_report_measure *m, size_t w0, size_t w1)
{
    g->has_by_group = g->kind == HELBY_TARGET_CHANGE_POSITIVE && !strcmp(g->group, "all");
    g->by_group_text[0] = '\0';
    if (!g->has_by_group)
        return;
    for (int k = 0; k < 2; k++)
        group_change(r, &m->level[w0 * HELBY_RG_N + (size_t)k],
                     &m->level[w1 * HELBY_RG_N + (size_t)k], &g->by_group[k]);
    by_group_words(r, g, m);
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
    goal_by_group(r, g, m, w0, w1);
    if (g->q.mark != HELBY_CELL_SHOWN) {
        snprintf(g->sentence, sizeof g->sentence, "%s",
                 DA(r) ? "Målet kan ikke vises: det hviler på celler med for få svarpersoner."
                       : "The goal cannot be shown: it rests on cells with too few "
                         "respondents.");
        return;
    }
    goal_judge(r, g, m, w0, w1);
    if (g->kind == HELBY_TARGET_CHANGE_POSITIVE) {
        int grp = !strcmp(g->group, "danes")        ? HELBY_RG_DANES
                  : !strcmp(g->group, "minorities") ? HELBY_RG_MINORITIES
                                                    : HELBY_RG_ALL;
        level_sentence(r, g, m, w0, w1, grp);
    } else {
        gap_sentence(r, g, m, w0, w1);
    }
    interim_note(r, g);
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
