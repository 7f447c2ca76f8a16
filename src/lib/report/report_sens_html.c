/* report_sens_html.c — the HTML section "How robust is the verdict?": per goal the spread of
 * its quantity across the construction scenarios beside the reference's sampling CI, against
 * the target line; the shares of verdicts in words; the sensitivity indices as bars; per
 * index the districts' ranks as intervals (docs/method.md §12). In the style of
 * report_chart.c: each chart an image with <title> and <desc> saying the result in words
 * (WCAG 1.1.1), marks told apart by shape, fill and dash as well as colour (1.4.1), and a
 * table with caption and scoped headers holding the same numbers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "helby/compare.h"
#include "report/report_internal.h"

#define DA(r) (!strcmp((r)->lang, "da"))
#define COL_SCEN "#1f5f99" /* 6.6:1 on white */
#define COL_REF "#b04a10"  /* 5.2:1 on the chart background */
#define COL_TGT "#222222"

static void diamond(FILE *o, double x, double y, const char *col)
{
    fprintf(o, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"%s\"/>\n", x,
            y - 6, x + 6, y, x, y + 6, x - 6, y, col);
}

/* Vertical grid with tick labels from lo to hi, x = X(v). */
static void x_axis(const helby_report *r, FILE *o, double lo, double hi, double step, double ml,
                   double mr, double w, double top, double bottom, int dec)
{
    char b[32];
    for (double t = lo; t <= hi + step / 2; t += step) {
        double x = ml + (t - lo) * (w - ml - mr) / (hi - lo);
        helby_report_num(r, t, dec, b, sizeof b);
        fprintf(o,
                "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" class=\"xt\">%s</text>\n",
                x, x, top, bottom, x, bottom + 16, b);
    }
}

static void label_at(FILE *o, double x, double y, const char *cls, const char *s)
{
    fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" class=\"%s\">", x, y, cls);
    report_esc(o, s);
    fputs("</text>\n", o);
}

/* "Opfyldt i 100 % af 32 scenarier, uafklaret i 0 % og ikke opfyldt i 0 %." */
static void shares_words(const helby_report *r, const helby_report_sens_goal *G, char *buf,
                         size_t n)
{
    char s[4][32];
    if (isnan(G->share[0])) { /* the goal is hidden (disclosure control): so is its spread */
        snprintf(buf, n, "%s",
                 DA(r) ? "Målet kan ikke vises: det hviler på celler med for få svarpersoner."
                       : "The goal cannot be shown: it rests on cells with too few respondents.");
        return;
    }
    for (int v = 0; v < 4; v++)
        helby_report_num(r, 100 * G->share[v], 0, s[v], sizeof s[v]);
    int k = snprintf(buf, n,
                     DA(r) ? "Målet er opfyldt i %s %% af %zu scenarier, uafklaret i %s %% og "
                             "ikke opfyldt i %s %%."
                           : "The goal is met in %s %% of %zu scenarios, inconclusive in %s %% "
                             "and not met in %s %%.",
                     s[0], G->scenarios, s[2], s[1]);
    if (G->share[3] > 0 && k > 0 && (size_t)k < n)
        k += snprintf(
            buf + k, n - (size_t)k,
            DA(r) ? " I %s %% kan størrelsen ikke beregnes." : " In %s %% it is undefined.", s[3]);
    if (G->keep_all < 1 && k > 0 && (size_t)k < n) {
        char x[32];
        helby_report_num(r, 100 * G->keep_all, 0, x, sizeof x);
        snprintf(buf + k, n - (size_t)k,
                 DA(r) ? " Scenarierne: %zu konstruktioner af indekset; i omkring %s %% af dem "
                         "er alle spørgsmål med (valget af spørgsmål udelader intet i ét af sine "
                         "%.0f lige sandsynlige alternativer), i resten er ét spørgsmål udeladt."
                       : " The scenarios: %zu constructions of the index; in about %s %% of them "
                         "every item is kept (the item choice leaves none out in one of its %.0f "
                         "equally likely alternatives), in the rest one item is left out.",
                 G->scenarios, x, 1 / G->keep_all);
    }
}

static void spread_desc(const helby_report *r, const helby_report_sens_goal *G, const char *qlabel,
                        const char *tgt, helby_buf_t *d)
{
    const double sc = report_sens_scale(r, G);
    const char *u = report_sens_unit(r, G);
    char a[32], b[32], c[32], e[32], f[32], g[32], lv[16], sw[400];
    helby_report_num(r, G->median * sc, 1, a, sizeof a);
    helby_report_num(r, G->p05 * sc, 1, b, sizeof b);
    helby_report_num(r, G->p95 * sc, 1, c, sizeof c);
    helby_report_num(r, G->reference.estimate * sc, 1, e, sizeof e);
    helby_report_num(r, G->reference.ci_low * sc, 1, f, sizeof f);
    helby_report_num(r, G->reference.ci_high * sc, 1, g, sizeof g);
    helby_report_num(r, 100 * r->level, 0, lv, sizeof lv);
    shares_words(r, G, sw, sizeof sw);
    report_buf_printf(d,
                      DA(r) ? "%s på tværs af %zu scenarier for indeksets konstruktion: median "
                              "%s %s, 5–95 %%: %s til %s %s. Referenceestimatet er %s %s med "
                              "%s %%-konfidensinterval %s til %s %s. Målet er %s. %s"
                            : "%s across %zu scenarios of the index's construction: median %s "
                              "%s, 5–95 %%: %s to %s %s. The reference estimate is %s %s with "
                              "%s %% confidence interval %s to %s %s. The target is %s. %s",
                      qlabel, G->scenarios, a, u, b, c, u, e, u, lv, f, g, u, tgt, sw);
}

/* The goal's quantity: the scenarios' median with their 5–95 % range (a thick bar, diamond)
 * and the reference with its sampling CI (a thin whisker, circle), the target a dashed line. */
static void spread_chart(const helby_report *r, FILE *o, const helby_report_sens_goal *G, size_t gi)
{
    const helby_report_goal *g = G->report_goal < r->n_goals ? &r->goals[G->report_goal] : NULL;
    const double sc = report_sens_scale(r, G), tv = report_sens_target(r, G);
    const double w = 560, h = 170, ml = 190, mr = 16, mt = 50, rowh = 40;
    const helby_report_cell *c = &G->reference;
    double lo = fmin(G->p05, c->ci_low) * sc, hi = fmax(G->p95, c->ci_high) * sc;
    if (!isnan(tv))
        lo = fmin(lo, tv), hi = fmax(hi, tv);
    if (!isfinite(lo) || !isfinite(hi))
        lo = 0, hi = 1;
    if (hi - lo < 1e-9)
        hi = lo + 1;
    double step = report_tick_step(hi - lo);
    lo = floor(lo / step) * step, hi = ceil(hi / step) * step;
#define XV(v) (ml + ((v)-lo) * (w - ml - mr) / (hi - lo))
    char title[400], tgt[64], id[64], qlabel[160];
    helby_utf8_copy(qlabel, sizeof qlabel, g ? g->quantity_label : G->goal);
    char gn[128];
    snprintf(title, sizeof title, "%s: %s", report_sens_goal_name(r, G, gn, sizeof gn), qlabel);
    if (g)
        report_goal_target(r, g, tgt, sizeof tgt);
    else
        snprintf(tgt, sizeof tgt, "–");
    snprintf(id, sizeof id, "s-%zu-spread", gi);
    helby_buf_t d = {0};
    spread_desc(r, G, qlabel, tgt, &d);
    report_chart_open(o, w, h, id, title, d.data ? d.data : "");
    free(d.data);
    x_axis(r, o, lo, hi, step, ml, mr, w, mt - 10, mt + 2 * rowh, step < 1 ? 1 : 0);
    double y1 = mt + rowh * 0.5, y2 = mt + rowh * 1.5;
    char lab[128], lv[16];
    helby_report_num(r, 100 * r->level, 0, lv, sizeof lv);
    snprintf(lab, sizeof lab, DA(r) ? "%zu scenarier (5–95 %%)" : "%zu scenarios (5–95 %%)",
             G->scenarios);
    label_at(o, ml - 8, y1 + 4, "dl", lab);
    snprintf(lab, sizeof lab, DA(r) ? "Reference (%s %%-KI)" : "Reference (%s %% CI)", lv);
    label_at(o, ml - 8, y2 + 4, "dl", lab);
    if (!isnan(G->median)) {
        fprintf(o,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"14\" fill=\"%s\" "
                "fill-opacity=\"0.3\" stroke=\"%s\" stroke-width=\"1.5\"/>\n",
                XV(G->p05 * sc), y1 - 7, fmax(XV(G->p95 * sc) - XV(G->p05 * sc), 1), COL_SCEN,
                COL_SCEN);
        diamond(o, XV(G->median * sc), y1, COL_SCEN);
    }
    if (c->mark == HELBY_CELL_SHOWN && !isnan(c->estimate)) {
        double a = XV(c->ci_low * sc), b = XV(c->ci_high * sc);
        fprintf(o,
                "<path d=\"M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f\" stroke=\"%s\" "
                "stroke-width=\"2\" fill=\"none\"/>\n",
                a, y2, b, a, y2 - 6, y2 + 6, b, y2 - 6, y2 + 6, COL_REF);
        fprintf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>\n", XV(c->estimate * sc),
                y2, COL_REF);
    }
    if (!isnan(tv)) {
        fprintf(o,
                "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                "stroke-width=\"2\" stroke-dasharray=\"6 3\"/>\n",
                XV(tv), XV(tv), mt - 14, mt + 2 * rowh, COL_TGT);
        snprintf(lab, sizeof lab, "%s %s", report_t(r, "target"), tgt);
        fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" class=\"lg\" text-anchor=\"%s\">", XV(tv), mt - 18,
                XV(tv) > w / 2 ? "end" : "start");
        report_esc(o, lab);
        fputs("</text>\n", o);
    }
    fputs("</svg>\n", o);
#undef XV
}

/* The axis end of the indices chart: 1, or above it where an index or its CI is. */
static double indices_axis_end(const helby_report_sens_goal *G)
{
    double hi = 1;
    for (size_t i = 0; i < G->n_choices; i++) {
        const helby_report_sens_choice *c = &G->choices[i];
        const double m[4] = {c->first, c->total, c->first_hi, c->total_hi};
        for (int k = 0; k < 4; k++)
            hi = fmax(hi, isnan(m[k]) ? 0 : m[k]);
    }
    return ceil(hi / 0.2) * 0.2;
}

/* First-order (solid) and total (outlined) index per choice as horizontal bars. */
static void indices_chart(const helby_report *r, FILE *o, const helby_report_sens_goal *G,
                          size_t gi)
{
    /* Labels above their bars: a choice's label can be long ("Minimum valid answers in
     * discrimination (absence of)") and must not be cut. */
    const double w = 560, rowh = 44, ml = 12, mr = 46, mt = 40, mb = 46;
    const double h = mt + mb + rowh * (double)G->n_choices, hi = indices_axis_end(G);
#define XV(v) (ml + (fmax((v), 0)) * (w - ml - mr) / hi)
    char title[200], id[64], a[32];
    char gn[128];
    snprintf(title, sizeof title,
             DA(r) ? "%s: hvilket valg flytter resultatet?" : "%s: which choice moves the result?",
             report_sens_goal_name(r, G, gn, sizeof gn));
    snprintf(id, sizeof id, "s-%zu-idx", gi);
    helby_buf_t d = {0};
    report_buf_printf(&d, DA(r) ? "Sensitivitetsindeks pr. valg, første orden S og samlet ST "
                                  "(andel af variansen): "
                                : "Sensitivity indices per choice, first-order S and total ST "
                                  "(share of the variance): ");
    for (size_t i = 0; i < G->n_choices; i++) {
        const helby_report_sens_choice *c = &G->choices[i];
        char ca[96], cb[96];
        report_sens_index_cell(r, c->first, c->first_lo, c->first_hi, ca, sizeof ca);
        report_sens_index_cell(r, c->total, c->total_lo, c->total_hi, cb, sizeof cb);
        report_buf_printf(&d, "%s: S %s, ST %s%s", c->label, ca, cb,
                          i + 1 < G->n_choices ? "; " : ".");
    }
    if (report_sens_has_ci(G))
        report_buf_printf(&d, DA(r) ? " I klammer: bootstrap-konfidensinterval over scenarierne."
                                    : " In brackets: bootstrap confidence interval over the "
                                      "scenarios.");
    report_chart_open(o, w, h, id, title, d.data ? d.data : "");
    free(d.data);
    x_axis(r, o, 0, hi, hi > 1.2 ? 0.4 : 0.2, ml, mr, w, mt - 6, h - mb, 1);
    for (size_t i = 0; i < G->n_choices; i++) {
        const helby_report_sens_choice *c = &G->choices[i];
        double y = mt + rowh * (double)i;
        label_at(o, ml, y + 12, "lg", c->label);
        double v[2] = {c->first, c->total}, vl[2] = {c->first_lo, c->total_lo};
        double vh[2] = {c->first_hi, c->total_hi};
        for (int k = 0; k < 2; k++) {
            double yy = y + (k ? 28 : 17), xe = XV(v[k]);
            if (isnan(v[k]))
                continue;
            fprintf(o,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"10\" fill=\"%s\" "
                    "stroke=\"%s\" stroke-width=\"1.5\"/>",
                    ml, yy, fmax(XV(v[k]) - ml, 0.5), k ? "#ffffff" : COL_SCEN,
                    k ? COL_REF : COL_SCEN);
            if (!isnan(vl[k]) && !isnan(vh[k])) { /* the bootstrap CI as a whisker */
                fprintf(o,
                        "<path d=\"M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f\" "
                        "stroke=\"#333\" stroke-width=\"1.2\" fill=\"none\"/>",
                        XV(vl[k]), yy + 5, XV(vh[k]), XV(vl[k]), yy + 2, yy + 8, XV(vh[k]), yy + 2,
                        yy + 8);
                xe = fmax(xe, XV(vh[k]));
            }
            helby_report_num(r, v[k], 2, a, sizeof a);
            fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" class=\"lg\">%s</text>\n", xe + 4, yy + 9, a);
        }
    }
    double ly = h - 12;
    fprintf(o, "<rect x=\"8\" y=\"%.1f\" width=\"16\" height=\"10\" fill=\"%s\"/>", ly - 9,
            COL_SCEN);
    label_at(o, 30, ly, "lg", DA(r) ? "Første orden S (valget alene)" : "First-order S (alone)");
    fprintf(o,
            "<rect x=\"258\" y=\"%.1f\" width=\"16\" height=\"10\" fill=\"#ffffff\" "
            "stroke=\"%s\" stroke-width=\"1.5\"/>",
            ly - 9, COL_REF);
    label_at(o, 280, ly, "lg", DA(r) ? "Samlet ST (med samspil)" : "Total ST (with interactions)");
    fputs("</svg>\n", o);
#undef XV
}

static void spread_table(const helby_report *r, FILE *o, const helby_report_sens_goal *G)
{
    const double sc = report_sens_scale(r, G);
    const char *u = report_sens_unit(r, G);
    const int da = DA(r);
    char a[32], b[32], c[32], lv[16], gn[128];
    helby_report_num(r, 100 * r->level, 0, lv, sizeof lv);
    fprintf(o,
            "<table><caption>%s %s</caption><thead><tr><th scope=\"col\">%s</th>"
            "<th scope=\"col\">%s (%s)</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
            "<th scope=\"col\">%s</th></tr></thead><tbody>\n",
            report_sens_goal_name(r, G, gn, sizeof gn),
            da ? "på tværs af scenarier" : "across scenarios", da ? "Hvad" : "What",
            report_t(r, "estimate"), u, da ? "Nedre" : "Lower", da ? "Øvre" : "Upper", "n");
    helby_report_num(r, G->median * sc, 1, a, sizeof a);
    helby_report_num(r, G->p05 * sc, 1, b, sizeof b);
    helby_report_num(r, G->p95 * sc, 1, c, sizeof c);
    fprintf(o,
            "<tr><th scope=\"row\">%s</th><td>%s</td><td>%s</td><td>%s</td><td>%zu</td>"
            "</tr>\n",
            da ? "Scenarier: median, 5 % og 95 %" : "Scenarios: median, 5 % and 95 %", a, b, c,
            G->scenarios);
    const helby_report_cell *x = &G->reference;
    helby_report_num(r, x->estimate * sc, 1, a, sizeof a);
    helby_report_num(r, x->ci_low * sc, 1, b, sizeof b);
    helby_report_num(r, x->ci_high * sc, 1, c, sizeof c);
    fprintf(o,
            "<tr><th scope=\"row\">%s %s %s</th><td>%s</td><td>%s</td><td>%s</td>"
            "<td>%zu</td></tr>\n",
            da ? "Reference med" : "Reference with", lv, da ? "%-KI" : "% CI", a, b, c, x->n);
    for (int v = 0; v < 4; v++) {
        helby_report_num(r, 100 * G->share[v], 1, a, sizeof a);
        fprintf(o,
                "<tr><th scope=\"row\">%s: %s</th><td>%s %%</td><td></td><td></td>"
                "<td>%zu</td></tr>\n",
                da ? "Andel af scenarier" : "Share of scenarios", report_sens_verdict(r, v), a,
                G->scenarios);
    }
    fputs("</tbody></table>\n", o);
}

static void indices_table(const helby_report *r, FILE *o, const helby_report_sens_goal *G)
{
    const int da = DA(r);
    char gn[128], hs[64], ht[64], lv[16];
    helby_report_num(r, 100 * r->level, 0, lv, sizeof lv);
    int ci = report_sens_has_ci(G);
    snprintf(hs, sizeof hs, "%s%s%s%s", da ? "Første orden S" : "First-order S", ci ? " [" : "",
             ci ? lv : "", ci ? (da ? " %-KI]" : " % CI]") : "");
    snprintf(ht, sizeof ht, "%s%s%s%s", da ? "Samlet ST" : "Total ST", ci ? " [" : "", ci ? lv : "",
             ci ? (da ? " %-KI]" : " % CI]") : "");
    fprintf(o,
            "<table><caption>%s %s</caption><thead><tr><th scope=\"col\">%s</th>"
            "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>\n",
            report_sens_goal_name(r, G, gn, sizeof gn),
            da ? "sensitivitetsindeks" : "sensitivity indices", da ? "Valg" : "Choice", hs, ht);
    for (size_t i = 0; i < G->n_choices; i++) {
        char a[96], b[96];
        const helby_report_sens_choice *c = &G->choices[i];
        report_sens_index_cell(r, c->first, c->first_lo, c->first_hi, a, sizeof a);
        report_sens_index_cell(r, c->total, c->total_lo, c->total_hi, b, sizeof b);
        fputs("<tr><th scope=\"row\">", o);
        report_esc(o, G->choices[i].label);
        fprintf(o, "</th><td>%s</td><td>%s</td></tr>\n", a, b);
    }
    fputs("</tbody></table>\n", o);
}

/* The districts' ranks: the 90 % interval as a bar, the median a diamond, the reference
 * construction's rank an open circle. */
static void rank_chart(const helby_report *r, FILE *o, const helby_report_measure *m,
                       const helby_report_sens_rank *k, size_t nk)
{
    const double w = 560, rowh = 24, ml = 190, mr = 16, mt = 40, mb = 46;
    const double h = mt + mb + rowh * (double)nk, lo = 1, hi = (double)(nk > 1 ? nk : 2);
#define XV(v) (ml + ((v)-lo) * (w - ml - mr) / (hi - lo))
    char title[320], id[96], a[32], b[32], c[32], e[32];
    snprintf(title, sizeof title,
             DA(r) ? "%s: bydelenes rang %s (1 = bedst)" : "%s: district ranks %s (1 = best)",
             m->label, report_wave(r, k[0].wave));
    snprintf(id, sizeof id, "s-%s-ranks", m->name);
    helby_buf_t d = {0};
    report_buf_printf(&d, DA(r) ? "Median rang og 90 %%-interval over scenarierne, "
                                  "definitionens rang i parentes: "
                                : "Median rank and 90 %% interval across the scenarios, the "
                                  "definition's rank in brackets: ");
    for (size_t i = 0; i < nk; i++) {
        helby_report_num(r, k[i].median, 1, a, sizeof a);
        helby_report_num(r, k[i].low, 1, b, sizeof b);
        helby_report_num(r, k[i].high, 1, c, sizeof c);
        helby_report_num(r, k[i].reference, 0, e, sizeof e);
        report_buf_printf(&d, "%s %s (%s–%s) [%s]%s", k[i].label, a, b, c, e,
                          i + 1 < nk ? "; " : ".");
    }
    report_chart_open(o, w, h, id, title, d.data ? d.data : "");
    free(d.data);
    x_axis(r, o, lo, hi, hi > 12 ? 2 : 1, ml, mr, w, mt - 6, h - mb, 0);
    for (size_t i = 0; i < nk; i++) {
        double y = mt + rowh * ((double)i + 0.5);
        label_at(o, ml - 14, y + 4, "dl", k[i].label); /* clear of a rank-1 circle (r 8) */
        if (!isnan(k[i].low))
            fprintf(o,
                    "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    "stroke-width=\"6\" stroke-opacity=\"0.45\" stroke-linecap=\"round\"/>\n",
                    XV(k[i].low), XV(k[i].high), y, y, COL_SCEN);
        if (!isnan(k[i].median))
            diamond(o, XV(k[i].median), y, COL_SCEN);
        if (!isnan(k[i].reference))
            fprintf(o,
                    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"8\" fill=\"none\" stroke=\"%s\" "
                    "stroke-width=\"2\"/>\n",
                    XV(k[i].reference), y, COL_REF);
    }
    double ly = h - 12;
    diamond(o, 14, ly - 4, COL_SCEN);
    label_at(o, 26, ly, "lg",
             DA(r) ? "Median, bjælke: 90 %-interval" : "Median, bar: 90 % interval");
    fprintf(o,
            "<circle cx=\"290\" cy=\"%.1f\" r=\"5\" fill=\"none\" stroke=\"%s\" "
            "stroke-width=\"2\"/>",
            ly - 4, COL_REF);
    label_at(o, 302, ly, "lg", DA(r) ? "Definitionens rang" : "The definition's rank");
    fputs("</svg>\n", o);
#undef XV
}

static void rank_table(const helby_report *r, FILE *o, const helby_report_measure *m,
                       const helby_report_sens_rank *k, size_t nk)
{
    const int da = DA(r);
    fputs("<table><caption>", o);
    report_esc(o, m->label);
    fprintf(o,
            ": %s</caption><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
            "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
            "</tr></thead><tbody>\n",
            da ? "bydelenes rang" : "district ranks", report_t(r, "district"),
            da ? "Definitionens rang" : "The definition's rank", da ? "Median" : "Median", "5 %",
            "95 %");
    for (size_t i = 0; i < nk; i++) {
        char a[32], b[32], c[32], e[32];
        helby_report_num(r, k[i].reference, 0, e, sizeof e);
        helby_report_num(r, k[i].median, 1, a, sizeof a);
        helby_report_num(r, k[i].low, 1, b, sizeof b);
        helby_report_num(r, k[i].high, 1, c, sizeof c);
        fputs("<tr><th scope=\"row\">", o);
        report_esc(o, k[i].label);
        fprintf(o, "</th><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n", e, a, b, c);
    }
    fputs("</tbody></table>\n", o);
}

static void ranks_of(const helby_report *r, FILE *o, const helby_report_measure *m)
{
    /* runsens.c writes a measure's ranks together, one wave: a contiguous run. */
    size_t first = r->n_sens_ranks, nk = 0;
    for (size_t i = 0; i < r->n_sens_ranks; i++)
        if (!strcmp(r->sens_ranks[i].measure, m->name)) {
            if (first == r->n_sens_ranks)
                first = i;
            nk++;
        }
    if (!nk)
        return;
    fputs("<h3>", o);
    report_esc(o, m->label);
    fprintf(o, ": %s</h3>\n", DA(r) ? "bydelenes rang" : "district ranks");
    rank_chart(r, o, m, &r->sens_ranks[first], nk);
    rank_table(r, o, m, &r->sens_ranks[first], nk);
}

void report_sens_html(const helby_report *r, FILE *o)
{
    if (!r->sens_n)
        return;
    const int da = DA(r);
    fprintf(o, "<h2>%s</h2>\n<p class=\"methods\">%s",
            da ? "Hvor robust er målopfyldelsen?" : "How robust is the verdict?",
            da ? "Indekset er beregnet igen under andre forsvarlige valg (dimensionernes vægte, "
                 "aritmetisk eller geometrisk aggregering, mindste antal gyldige svar, ét "
                 "spørgsmål udeladt). Bjælken viser spændet på tværs af disse scenarier; det er "
                 "ikke et konfidensinterval, men står ved siden af referenceestimatets "
                 "konfidensinterval fra stikprøven. Krydser spændet den stiplede mållinje, "
                 "ville et andet forsvarligt indeks have vurderet målet anderledes. "
                 "Førsteordensindekset S for et valg er den del af spændet, valget giver alene. "
                 "Totalindekset ST er den del, det giver alene og sammen med de andre valg "
                 "(ST − S er dets del i samspil). Begge er skønnet ud fra scenarierne og har "
                 "Monte Carlo-fejl: en lille negativ værdi, eller et total lidt under "
                 "førsteordensværdien, er den fejl og læses som nul."
               : "The index was computed again under other defensible choices (the dimensions' "
                 "weights, arithmetic or geometric aggregation, the minimum of valid answers, "
                 "one item left out). The bar shows the spread across these scenarios; it is "
                 "not a confidence interval, and stands beside the reference estimate's "
                 "sampling confidence interval. Where the spread crosses the dashed target "
                 "line, another defensible index would have judged the goal otherwise. "
                 "The first-order index S of a choice is the share of that spread the choice "
                 "causes on its own. The total index ST is the share it causes on its own and "
                 "together with the other choices (ST − S is its part in interactions). Both "
                 "are estimated from the scenarios and carry Monte Carlo error: a small "
                 "negative value, or a total a little below its first-order value, is that "
                 "error and reads as zero.");
    int ci = 0;
    for (size_t i = 0; i < r->n_sens_goals; i++)
        ci |= report_sens_has_ci(&r->sens_goals[i]);
    if (ci) {
        char lv[16];
        helby_report_num(r, 100 * r->level, 0, lv, sizeof lv);
        fprintf(o,
                da ? " Hvor stor fejlen er, viser %s %%-konfidensintervallet i klammer (og "
                     "knurhåren på bjælken): scenarierne er trukket igen med tilbagelægning "
                     "1000 gange (bootstrap, som SALib gør det); et indeks, hvis interval "
                     "omfatter 0, kan ikke skelnes fra nul."
                   : " How large that error is, the %s %% confidence interval in brackets (and "
                     "the whisker on the bar) shows: the scenarios were resampled with "
                     "replacement 1000 times (the bootstrap, as SALib does it); an index whose "
                     "interval includes 0 cannot be told from zero.",
                lv);
    }
    fputs("</p>\n", o);
    for (size_t i = 0; i < r->n_sens_goals; i++) {
        const helby_report_sens_goal *G = &r->sens_goals[i];
        const helby_report_goal *g = G->report_goal < r->n_goals ? &r->goals[G->report_goal] : NULL;
        char sw[1024];
        shares_words(r, G, sw, sizeof sw);
        fputs("<h3>", o);
        char gn[128];
        report_esc(o, g ? g->label : report_sens_goal_name(r, G, gn, sizeof gn));
        fputs("</h3>\n", o);
        if (g && g->reason == HELBY_REASON_BASELINE_ZERO) {
            fputs("<p class=\"gs\"><strong>", o);
            report_esc(o, report_sens_warning(r));
            fputs("</strong></p>\n", o);
        }
        fputs("<p class=\"gs\">", o);
        report_esc(o, sw);
        fputs("</p>\n<div class=\"charts\">\n", o);
        spread_chart(r, o, G, i);
        indices_chart(r, o, G, i);
        fputs("</div>\n", o);
        spread_table(r, o, G);
        indices_table(r, o, G);
    }
    for (size_t i = 0; i < r->n_measures; i++)
        if (r->measures[i].kind == 0)
            ranks_of(r, o, &r->measures[i]);
}
