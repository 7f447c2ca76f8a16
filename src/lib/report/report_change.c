/* report_change.c — each level's change between waves in the report model (helby/report.h):
 * per measure and group, since the previous wave of the run and since the measure's baseline,
 * by helby_wave_change (independent waves: the variances add, Satterthwaite df, a t CI at the
 * run's level), marked significant when the CI excludes 0; and their text, Markdown and HTML
 * tables. A change is published only when both its levels are: a change beside one published
 * level would reveal the other. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/compare.h"
#include "helby/csv.h"
#include "report/report_internal.h"

/* The worse of two hidden marks: a primary cell before a complementary one, before empty. */
static int hidden_mark(const helby_report_cell *a, const helby_report_cell *b)
{
    if (!a->present || !b->present)
        return HELBY_CELL_EMPTY;
    if (a->mark == HELBY_CELL_PRIMARY || b->mark == HELBY_CELL_PRIMARY)
        return HELBY_CELL_PRIMARY;
    if (a->mark == HELBY_CELL_COMPLEMENTARY || b->mark == HELBY_CELL_COMPLEMENTARY)
        return HELBY_CELL_COMPLEMENTARY;
    if (a->mark == HELBY_CELL_EMPTY || b->mark == HELBY_CELL_EMPTY)
        return HELBY_CELL_EMPTY;
    return HELBY_CELL_SHOWN;
}

void report_change_of(const helby_report *r, const helby_report_cell *now,
                      const helby_report_cell *then, int normal, helby_report_cell *out)
{
    memset(out, 0, sizeof *out);
    out->estimate = out->se = out->ci_low = out->ci_high = out->df = NAN;
    out->present = now->present && then->present;
    out->mark = hidden_mark(now, then);
    if (out->mark != HELBY_CELL_SHOWN)
        return;
    helby_estimate a = {.estimate = now->estimate, .se = now->se, .df = now->df, .n = now->n};
    helby_estimate b = {.estimate = then->estimate, .se = then->se, .df = then->df, .n = then->n};
    /* The run's level and CI kind (compute's options; the unreliability limits unused). */
    helby_estimate_options o = {.level = r->level, .ci = normal ? HELBY_CI_NORMAL : HELBY_CI_T};
    helby_estimate c = helby_wave_change(&a, &b, report_run_df(r), &o);
    out->estimate = c.estimate, out->se = c.se, out->df = c.df;
    out->ci_low = c.ci_low, out->ci_high = c.ci_high;
    out->n = c.n;
    if (report_change_significant(out))
        helby_utf8_copy(out->flag, sizeof out->flag, "significant");
}

helby_status report_changes_fill(helby_report *r, helby_error *err)
{
    const size_t W = r->n_waves;
    for (size_t i = 0; i < r->n_measures; i++) {
        helby_report_measure *m = &r->measures[i];
        m->change = calloc(W * HELBY_RG_N * 2 + 1, sizeof *m->change);
        if (!m->change)
            return helby_error_set(err, HELBY_ENOMEM, "out of memory building a report");
        size_t b = report_wave_index(r, m->baseline);
        for (size_t w = 0; w < W; w++)
            for (size_t g = 0; g < HELBY_RG_N; g++) {
                helby_report_cell *c = &m->change[(w * HELBY_RG_N + g) * 2];
                const helby_report_cell *now = &m->level[w * HELBY_RG_N + g];
                static const helby_report_cell none = {.mark = HELBY_CELL_EMPTY};
                const helby_report_cell *prev = w ? &m->level[(w - 1) * HELBY_RG_N + g] : &none;
                const helby_report_cell *base =
                    b != (size_t)-1 && b < w ? &m->level[b * HELBY_RG_N + g] : &none;
                int normal = strstr(r->run.options, ";ci=normal") != NULL;
                report_change_of(r, now, prev, normal, &c[0]);
                report_change_of(r, now, base, normal, &c[1]);
            }
    }
    return HELBY_OK;
}

int report_change_significant(const helby_report_cell *c)
{
    return c->present && c->mark == HELBY_CELL_SHOWN && (c->ci_low > 0 || c->ci_high < 0);
}

void report_change_rule(const helby_report *r, char *buf, size_t n)
{
    char lvl[32];
    helby_report_num(r, 100 * r->level, 0, lvl, sizeof lvl);
    snprintf(buf, n,
             strcmp(r->lang, "da")
                 ? "* significant: the %s %% confidence interval of the change excludes 0 "
                   "(waves are independent samples: SE = √(SE₁² + SE₂²), t on Satterthwaite "
                   "degrees of freedom). A change is shown only where both its waves are."
                 : "* signifikant: ændringens %s %%-konfidensinterval indeholder ikke 0 "
                   "(bølgerne er uafhængige stikprøver: SE = √(SE₁² + SE₂²), t med "
                   "Satterthwaite-frihedsgrader). En ændring vises kun, hvor begge bølger vises.",
             lvl);
}

void report_change_text(const helby_report *r, const helby_report_measure *m,
                        const helby_report_cell *c, char *buf, size_t n)
{
    if (!c->present || c->mark == HELBY_CELL_EMPTY) {
        helby_utf8_copy(buf, n, "");
        return;
    }
    if (c->mark != HELBY_CELL_SHOWN) {
        helby_utf8_copy(buf, n, report_mark(c));
        return;
    }
    const double sc = report_scale(m, -1);
    char a[32], lo[32], hi[32];
    helby_report_num(r, c->estimate * sc, 1, a, sizeof a);
    helby_report_num(r, c->ci_low * sc, 1, lo, sizeof lo);
    helby_report_num(r, c->ci_high * sc, 1, hi, sizeof hi);
    snprintf(buf, n, "%s%s [%s; %s]%s", c->estimate > 0 && a[0] != '-' ? "+" : "", a, lo, hi,
             report_change_significant(c) ? " *" : "");
}

/* 1 when the measure has a change to show (two waves or more). */
static int has_changes(const helby_report *r, const helby_report_measure *m)
{
    for (size_t k = 0; m->change && k < r->n_waves * HELBY_RG_N * 2; k++)
        if (m->change[k].present)
            return 1;
    return 0;
}

void report_changes_table(const helby_report *r, const helby_report_measure *m, int md, FILE *o)
{
    if (!has_changes(r, m))
        return;
    static const char *gk[3] = {"danes", "minorities", "all"};
    const char *h[4] = {report_t(r, "wave"), report_t(r, "group"), report_t(r, "chg_prev"),
                        report_t(r, "chg_base")};
    report_table t;
    report_table_init(&t, 4);
    t.left = 2;
    report_table_add(&t, h);
    for (size_t w = 1; w < r->n_waves; w++)
        for (size_t g = 0; g < HELBY_RG_N; g++) {
            char c[4][128];
            helby_utf8_copy(c[0], sizeof c[0], report_wave(r, r->waves[w]));
            helby_utf8_copy(c[1], sizeof c[1], report_t(r, gk[g]));
            for (size_t k = 0; k < 2; k++)
                report_change_text(r, m, &m->change[(w * HELBY_RG_N + g) * 2 + k], c[2 + k],
                                   sizeof c[0]);
            const char *v[4] = {c[0], c[1], c[2], c[3]};
            report_table_add(&t, v);
        }
    char title[320];
    snprintf(title, sizeof title, "%s: %s", m->label, report_t(r, "changes"));
    report_heading(o, md, 4, title);
    report_table_print(&t, md, o);
    report_table_free(&t);
}

void report_changes_rule_text(const helby_report *r, int md, FILE *o)
{
    for (size_t i = 0; i < r->n_measures; i++)
        if (has_changes(r, &r->measures[i])) {
            char rule[512];
            report_change_rule(r, rule, sizeof rule);
            report_md(o, md, rule);
            fputs("\n\n", o);
            return;
        }
}

void report_changes_html(const helby_report *r, const helby_report_measure *m, FILE *o)
{
    if (!has_changes(r, m))
        return;
    static const char *gk[3] = {"danes", "minorities", "all"};
    fputs("<table class=\"changes\"><caption>", o);
    report_esc(o, m->label);
    fprintf(o, ": %s</caption><thead><tr><th scope=\"col\" rowspan=\"2\">%s</th>",
            report_t(r, "changes"), report_t(r, "wave"));
    for (int g = 0; g < 3; g++)
        fprintf(o, "<th scope=\"colgroup\" colspan=\"2\">%s</th>", report_t(r, gk[g]));
    fputs("</tr><tr>", o);
    for (int g = 0; g < 3; g++)
        fprintf(o, "<th scope=\"col\">%s</th><th scope=\"col\">%s</th>", report_t(r, "chg_prev"),
                report_t(r, "chg_base"));
    fputs("</tr></thead><tbody>", o);
    for (size_t w = 1; w < r->n_waves; w++) {
        fputs("<tr><th scope=\"row\">", o);
        report_esc(o, report_wave(r, r->waves[w]));
        fputs("</th>", o);
        for (size_t k = 0; k < 6; k++) {
            const helby_report_cell *c = &m->change[w * HELBY_RG_N * 2 + k];
            char t[128];
            report_change_text(r, m, c, t, sizeof t);
            fputs(report_change_significant(c) ? "<td class=\"sig\">" : "<td>", o);
            report_esc(o, t);
            fputs("</td>", o);
        }
        fputs("</tr>", o);
    }
    char rule[512];
    report_change_rule(r, rule, sizeof rule);
    fputs("</tbody></table>\n<p class=\"note\">", o);
    report_esc(o, rule);
    fputs("</p>\n", o);
}
