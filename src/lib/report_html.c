/* report_html.c — the report as one self-contained HTML page with inline SVG charts: no
 * scripts, no fonts or images from the network; it prints and opens offline. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

#define COL_DANES "#1f5f99"
#define COL_MIN "#b04a10" /* 5.2:1 on the chart background: also used for text marks */
#define COL_GAP "#5b4a8b"

static void esc(FILE *o, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '&': fputs("&amp;", o); break;
        case '<': fputs("&lt;", o); break;
        case '>': fputs("&gt;", o); break;
        case '"': fputs("&quot;", o); break;
        default: fputc(*s, o);
        }
}

static const char *verdict_class(const char *v)
{
    return !strcmp(v, "met") ? "met" : !strcmp(v, "not met") ? "notmet" : "inc";
}

/* A "nice" tick step for a range. */
static double tick_step(double range)
{
    double raw = range / 5, p = pow(10, floor(log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
}

/* A line is told apart without colour too (black-and-white print, colour blindness): by its
 * dash pattern and its marker shape (WCAG 2.1 1.4.1, use of colour). */
enum { MARK_CIRCLE = 0, MARK_SQUARE, MARK_TRIANGLE };

typedef struct series {
    const char *label, *color;
    const char *dash; /* stroke-dasharray, "" for solid */
    int marker;       /* MARK_* */
    double v[64], lo[64], hi[64]; /* NaN: not shown */
} series;

static void marker(FILE *o, int shape, double x, double y, const char *color, const char *tip)
{
    if (shape == MARK_SQUARE)
        fprintf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"%s\">", x - 4,
                y - 4, color);
    else if (shape == MARK_TRIANGLE)
        fprintf(o, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"%s\">", x, y - 5,
                x + 5, y + 4, x - 5, y + 4, color);
    else
        fprintf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\">", x, y, color);
    if (tip)
        fprintf(o, "<title>%s</title>", tip);
    fputs(shape == MARK_SQUARE ? "</rect>\n" : shape == MARK_TRIANGLE ? "</polygon>\n"
                                                                     : "</circle>\n",
          o);
}

/* The trend of a series in words for the chart's <desc>: first and last shown wave. */
static void trend_words(const helby_report *r, const series *s, size_t W, const char *unit,
                        helby_buf_t *b)
{
    size_t f = W, l = W;
    for (size_t i = 0; i < W; i++)
        if (!isnan(s->v[i])) {
            if (f == W)
                f = i;
            l = i;
        }
    int da = !strcmp(r->lang, "da");
    if (f == W) {
        report_buf_printf(b, "%s: %s. ", s->label, da ? "ikke vist" : "not shown");
        return;
    }
    char a[32], c[32], d[32];
    helby_report_num(r, s->v[f], 1, a, sizeof a);
    helby_report_num(r, s->v[l], 1, c, sizeof c);
    helby_report_num(r, fabs(s->v[l] - s->v[f]), 1, d, sizeof d);
    double diff = s->v[l] - s->v[f];
    const char *how = diff > 0   ? (da ? "steg" : "rose")
                      : diff < 0 ? (da ? "faldt" : "fell")
                                 : (da ? "var uændret" : "was unchanged");
    report_buf_printf(b, da ? "%s %s fra %s i %ld til %s i %ld (%s%s %s). "
                            : "%s %s from %s in %ld to %s in %ld (%s%s %s). ",
                      s->label, how, a, r->waves[f], c, r->waves[l],
                      diff >= 0 ? "+" : "−", d, unit);
}

/* <title> and <desc> of a chart, referenced by aria-labelledby (WCAG 1.1.1). */
static void chart_open(FILE *o, double w, double h, const char *id, const char *title,
                       const char *desc)
{
    fprintf(o, "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
               "role=\"img\" aria-labelledby=\"%s-t %s-d\" xmlns=\"http://www.w3.org/2000/svg\">"
               "<title id=\"%s-t\">",
            w, h, w, h, id, id, id);
    esc(o, title);
    fprintf(o, "</title><desc id=\"%s-d\">", id);
    esc(o, desc);
    fputs("</desc>\n<text x=\"8\" y=\"20\" class=\"ct\" aria-hidden=\"true\">", o);
    esc(o, title);
    fputs("</text>\n", o);
}

/* A line chart over the waves with CI bands (one polygon per contiguous run of values). */
static void line_chart(const helby_report *r, FILE *o, const char *id, const char *title,
                       const char *ylab, const char *unit, const char *cue, const series *s,
                       int ns, int zero_line)
{
    const size_t W = r->n_waves < 64 ? r->n_waves : 64;
    const double w = 340, h = 300, ml = 46, mr = 14, mt = 34, mb = 56;
    double ymin = INFINITY, ymax = -INFINITY;
    for (int k = 0; k < ns; k++)
        for (size_t i = 0; i < W; i++)
            if (!isnan(s[k].v[i])) {
                ymin = fmin(ymin, s[k].lo[i]);
                ymax = fmax(ymax, s[k].hi[i]);
            }
    if (zero_line)
        ymin = fmin(ymin, 0), ymax = fmax(ymax, 0);
    if (!isfinite(ymin))
        ymin = 0, ymax = 1;
    if (ymax - ymin < 1e-9)
        ymax = ymin + 1;
    double step = tick_step(ymax - ymin);
    ymin = floor(ymin / step) * step;
    ymax = ceil(ymax / step) * step;
#define X(i) (ml + (W > 1 ? (double)(i) * (w - ml - mr) / (double)(W - 1) : (w - ml - mr) / 2))
#define Y(v) (mt + (ymax - (v)) * (h - mt - mb) / (ymax - ymin))
    helby_buf_t desc = {0};
    for (int k = 0; k < ns; k++)
        trend_words(r, &s[k], W, unit, &desc);
    if (cue)
        report_buf_printf(&desc, "%s", cue);
    chart_open(o, w, h, id, title, desc.data ? desc.data : "");
    free(desc.data);
    char b[32];
    for (double t = ymin; t <= ymax + step / 2; t += step) {
        helby_report_num(r, t, step < 1 ? (step < 0.1 ? 2 : 1) : 0, b, sizeof b);
        fprintf(o,
                "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" class=\"yt\">%s</text>\n",
                ml, w - mr, Y(t), Y(t), ml - 6, Y(t) + 4, b);
    }
    if (zero_line && ymin < 0 && ymax > 0)
        fprintf(o, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"zero\"/>\n", ml,
                w - mr, Y(0), Y(0));
    for (size_t i = 0; i < W; i++)
        fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" class=\"xt\">%ld</text>\n", X(i), h - mb + 18,
                r->waves[i]);
    fprintf(o, "<text x=\"14\" y=\"%.1f\" class=\"yl\" transform=\"rotate(-90 14 %.1f)\">",
            (mt + h - mb) / 2, (mt + h - mb) / 2);
    esc(o, ylab);
    fputs("</text>\n", o);
    for (int k = 0; k < ns; k++) {
        /* Band: upper bounds left to right, lower bounds back, per contiguous run. */
        for (size_t i = 0; i < W;) {
            if (isnan(s[k].v[i])) {
                i++;
                continue;
            }
            size_t j = i;
            while (j < W && !isnan(s[k].v[j]))
                j++;
            fprintf(o, "<polygon fill=\"%s\" fill-opacity=\"0.18\" stroke=\"none\" points=\"",
                    s[k].color);
            for (size_t q = i; q < j; q++)
                fprintf(o, "%.1f,%.1f ", X(q) - (i + 1 == j ? 6 : 0), Y(s[k].hi[q]));
            if (i + 1 == j)
                fprintf(o, "%.1f,%.1f %.1f,%.1f ", X(i) + 6, Y(s[k].hi[i]), X(i) + 6,
                        Y(s[k].lo[i]));
            for (size_t q = j; q-- > i;)
                fprintf(o, "%.1f,%.1f ", X(q) - (i + 1 == j ? 6 : 0), Y(s[k].lo[q]));
            fputs("\"/>\n", o);
            fprintf(o, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\" "
                       "stroke-dasharray=\"%s\" points=\"",
                    s[k].color, *s[k].dash ? s[k].dash : "none");
            for (size_t q = i; q < j; q++)
                fprintf(o, "%.1f,%.1f ", X(q), Y(s[k].v[q]));
            fputs("\"/>\n", o);
            i = j;
        }
        for (size_t i = 0; i < W; i++) {
            if (isnan(s[k].v[i])) {
                fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" class=\"sup\">·</text>\n", X(i),
                        mt + 14.0 + 14 * k);
                continue;
            }
            helby_report_num(r, s[k].v[i], 1, b, sizeof b);
            marker(o, s[k].marker, X(i), Y(s[k].v[i]), s[k].color, b);
        }
        /* Legend under the axis: the line's dash and marker, then its name. */
        double lx = ml + 150.0 * k - 30;
        fprintf(o,
                "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                "stroke-width=\"2.5\" stroke-dasharray=\"%s\"/>",
                lx - 4, lx + 22, h - 14, h - 14, s[k].color, *s[k].dash ? s[k].dash : "none");
        marker(o, s[k].marker, lx + 9, h - 14, s[k].color, NULL);
        fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" class=\"lg\">", lx + 27, h - 10);
        esc(o, s[k].label);
        fputs("</text>\n", o);
    }
    fputs("</svg>\n", o);
#undef X
#undef Y
}

/* The district chart in words: per group the lowest and highest district of the latest wave. */
static void district_words(const helby_report *r, const helby_report_measure *m, helby_buf_t *b)
{
    const size_t W = r->n_waves, D = r->n_districts, wl = W - 1;
    const double sc = report_scale(m, -1);
    int da = !strcmp(r->lang, "da");
    for (int g = 0; g < 2; g++) {
        size_t lo = D, hi = D;
        for (size_t d = 0; d < D; d++) {
            const helby_report_cell *c = &m->district[(d * W + wl) * 2 + (size_t)g];
            if (!c->present || c->mark != HELBY_CELL_SHOWN)
                continue;
            if (lo == D || c->estimate < m->district[(lo * W + wl) * 2 + (size_t)g].estimate)
                lo = d;
            if (hi == D || c->estimate > m->district[(hi * W + wl) * 2 + (size_t)g].estimate)
                hi = d;
        }
        const char *who = report_t(r, g ? "minorities" : "danes");
        if (lo == D || !r->district_labels) {
            report_buf_printf(b, "%s: %s. ", who, da ? "ikke vist" : "not shown");
            continue;
        }
        char a[32], c[32];
        helby_report_num(r, m->district[(lo * W + wl) * 2 + (size_t)g].estimate * sc, 1, a,
                         sizeof a);
        helby_report_num(r, m->district[(hi * W + wl) * 2 + (size_t)g].estimate * sc, 1, c,
                         sizeof c);
        report_buf_printf(b, da ? "%s: lavest i %s (%s), højest i %s (%s). "
                                : "%s: lowest in %s (%s), highest in %s (%s). ",
                          who, r->district_labels[lo], a, r->district_labels[hi], c);
    }
}

/* Districts of the latest wave: a dot for each group with its CI as a whisker. */
static void district_chart(const helby_report *r, FILE *o, const helby_report_measure *m)
{
    const size_t W = r->n_waves, D = r->n_districts;
    if (!D || !W)
        return;
    const size_t wl = W - 1;
    const double w = 380, rowh = 22, ml = 165, mr = 14, mt = 40, mb = 40;
    const double h = mt + mb + rowh * (double)D;
    double lo = INFINITY, hi = -INFINITY, sc = report_scale(m, -1);
    for (size_t d = 0; d < D; d++)
        for (int g = 0; g < 2; g++) {
            const helby_report_cell *c = &m->district[(d * W + wl) * 2 + (size_t)g];
            if (c->present && c->mark == HELBY_CELL_SHOWN) {
                lo = fmin(lo, c->ci_low * sc);
                hi = fmax(hi, c->ci_high * sc);
            }
        }
    if (!isfinite(lo))
        lo = 0, hi = 100;
    double step = tick_step(hi - lo);
    lo = floor(lo / step) * step;
    hi = ceil(hi / step) * step;
#define XV(v) (ml + ((v) - lo) * (w - ml - mr) / (hi - lo))
    char title[320], b[32];
    snprintf(title, sizeof title, "%s, %s %ld", m->label, report_t(r, "districts"),
             r->waves[wl]);
    char id[96];
    snprintf(id, sizeof id, "c-%s-dist", m->name);
    helby_buf_t desc = {0};
    district_words(r, m, &desc);
    chart_open(o, w, h, id, title, desc.data ? desc.data : "");
    free(desc.data);
    for (double t = lo; t <= hi + step / 2; t += step) {
        helby_report_num(r, t, 0, b, sizeof b);
        fprintf(o,
                "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" class=\"xt\">%s</text>\n",
                XV(t), XV(t), mt - 6, h - mb, XV(t), h - mb + 16, b);
    }
    for (size_t d = 0; d < D; d++) {
        double y = mt + rowh * ((double)d + 0.5);
        fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" class=\"dl\">", ml - 8, y + 4);
        esc(o, r->district_labels ? r->district_labels[d] : "");
        for (int g = 0; g < 2; g++) { /* a hidden cell: its mark after the name, in its colour */
            const helby_report_cell *c = &m->district[(d * W + wl) * 2 + (size_t)g];
            if (c->present && c->mark != HELBY_CELL_SHOWN)
                fprintf(o, "<tspan fill=\"%s\" font-weight=\"bold\"> %s</tspan>",
                        g ? COL_MIN : COL_DANES, report_mark(c));
        }
        fputs("</text>\n", o);
        for (int g = 0; g < 2; g++) {
            const helby_report_cell *c = &m->district[(d * W + wl) * 2 + (size_t)g];
            double yy = y + (g ? 4 : -4);
            const char *col = g ? COL_MIN : COL_DANES;
            if (!c->present || c->mark != HELBY_CELL_SHOWN)
                continue;
            helby_report_num(r, c->estimate * sc, 1, b, sizeof b);
            fprintf(o,
                    "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    "stroke-width=\"1.5\" stroke-dasharray=\"%s\"/>",
                    XV(c->ci_low * sc), XV(c->ci_high * sc), yy, yy, col, g ? "4 2" : "none");
            marker(o, g ? MARK_SQUARE : MARK_CIRCLE, XV(c->estimate * sc), yy, col, b);
        }
    }
    for (int g = 0; g < 2; g++) {
        double lx = 8 + 132.0 * g;
        marker(o, g ? MARK_SQUARE : MARK_CIRCLE, lx + 7, h - 12, g ? COL_MIN : COL_DANES, NULL);
        fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" class=\"lg\">%s</text>\n", lx + 19, h - 8,
                report_t(r, g ? "minorities" : "danes"));
    }
    fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" class=\"lg\">· ‡ %s</text>\n", 8 + 264.0, h - 8,
            report_t(r, "suppressed"));
    fputs("</svg>\n", o);
#undef XV
}

static void charts_of(const helby_report *r, FILE *o, const helby_report_measure *m)
{
    const size_t W = r->n_waves < 64 ? r->n_waves : 64;
    series s[2];
    memset(s, 0, sizeof s);
    const double sc = report_scale(m, -1);
    for (int g = 0; g < 2; g++) {
        s[g].label = report_t(r, g ? "minorities" : "danes");
        s[g].color = g ? COL_MIN : COL_DANES;
        s[g].dash = g ? "7 4" : "";
        s[g].marker = g ? MARK_SQUARE : MARK_CIRCLE;
        for (size_t i = 0; i < W; i++) {
            const helby_report_cell *c = &m->level[i * 3 + (size_t)g];
            int ok = c->present && c->mark == HELBY_CELL_SHOWN;
            s[g].v[i] = ok ? c->estimate * sc : NAN;
            s[g].lo[i] = ok ? c->ci_low * sc : NAN;
            s[g].hi[i] = ok ? c->ci_high * sc : NAN;
        }
    }
    series gap;
    memset(&gap, 0, sizeof gap);
    gap.label = report_t(r, "gap");
    gap.color = COL_GAP;
    gap.dash = "";
    gap.marker = MARK_TRIANGLE;
    for (size_t i = 0; i < W; i++) {
        const helby_report_cell *c = &m->cmp[i * HELBY_RQ_N + HELBY_RQ_GAP];
        int ok = c->present && c->mark == HELBY_CELL_SHOWN;
        gap.v[i] = ok ? c->estimate * sc : NAN;
        gap.lo[i] = ok ? c->ci_low * sc : NAN;
        gap.hi[i] = ok ? c->ci_high * sc : NAN;
    }
    char t1[320], t2[320];
    snprintf(t1, sizeof t1, "%s %s", m->label, !strcmp(r->lang, "da") ? "pr. bølge" : "by wave");
    snprintf(t2, sizeof t2, "%s", report_t(r, "gap"));
    const char *yl = report_t(r, m->kind == 2 ? "scale_share" : "scale_index");
    fputs("<div class=\"charts\">\n", o);
    int da = !strcmp(r->lang, "da");
    const char *unit = m->kind == 2 ? (da ? "procentpoint" : "percentage points")
                                    : (da ? "point" : "points");
    char id1[96], id2[96];
    snprintf(id1, sizeof id1, "c-%s-lv", m->name);
    snprintf(id2, sizeof id2, "c-%s-gap", m->name);
    const char *cue = !m->lower_is_better ? NULL
                      : da ? "Lavere er bedre." : "Lower is better.";
    line_chart(r, o, id1, t1, yl, unit, cue, s, 2, 0);
    line_chart(r, o, id2, t2, yl, unit, NULL, &gap, 1, 1);
    district_chart(r, o, m);
    fputs("</div>\n", o);
}

static void td_cell(const helby_report *r, FILE *o, const helby_report_cell *c, double sc, int dec)
{
    char b[128];
    report_cell_text(r, c, sc, dec, b, sizeof b);
    const char *cls = c->mark == HELBY_CELL_PRIMARY         ? " class=\"s\""
                      : c->mark == HELBY_CELL_COMPLEMENTARY ? " class=\"s\""
                      : c->unreliable                       ? " class=\"u\""
                                                            : "";
    fprintf(o, "<td%s>", cls);
    esc(o, b);
    fputs("</td>", o);
}

static void measure_table(const helby_report *r, FILE *o, const helby_report_measure *m)
{
    char sc[96];
    report_scale_text(r, m, sc, sizeof sc);
    fputs("<table><caption>", o);
    esc(o, m->label);
    fprintf(o, " (%s)</caption><thead><tr>", sc);
    const char *h[] = {"wave", "danes", "n", "minorities", "n", "all", "n",
                       "gap_s", "ratio_s", "did_s", "rel_s"};
    for (size_t k = 0; k < sizeof h / sizeof h[0]; k++) {
        char head[96];
        report_col_head(r, m, h[k], head, sizeof head);
        fputs("<th scope=\"col\">", o);
        esc(o, head);
        fputs("</th>", o);
    }
    fputs("</tr></thead><tbody>\n", o);
    for (size_t w = 0; w < r->n_waves; w++) {
        fprintf(o, "<tr><th scope=\"row\">%ld</th>", r->waves[w]);
        for (int g = 0; g < 3; g++) {
            const helby_report_cell *c = &m->level[w * 3 + (size_t)g];
            td_cell(r, o, c, report_scale(m, -1), 1);
            if (c->present && c->mark == HELBY_CELL_SHOWN)
                fprintf(o, "<td class=\"n\">%zu</td>", c->n);
            else
                fputs("<td class=\"n\"></td>", o);
        }
        for (int q = 0; q < 4; q++)
            td_cell(r, o, &m->cmp[w * HELBY_RQ_N + (size_t)q], report_scale(m, q),
                    report_decimals(q));
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table>\n", o);
}

static void district_table(const helby_report *r, FILE *o, const helby_report_measure *m)
{
    const size_t W = r->n_waves;
    fprintf(o, "<table class=\"dist\"><caption>%s: ", report_t(r, "districts"));
    esc(o, m->label);
    char sc[96];
    report_scale_text(r, m, sc, sizeof sc);
    fprintf(o, " (%s)</caption><thead><tr><th scope=\"col\">", sc);
    esc(o, report_t(r, "district"));
    fputs("</th>", o);
    for (size_t w = 0; w < W; w++)
        fprintf(o, "<th scope=\"col\">%ld %s</th><th scope=\"col\">%ld %s</th>", r->waves[w],
                report_t(r, "danes_s"),
                r->waves[w], report_t(r, "minorities_s"));
    fputs("</tr></thead><tbody>\n", o);
    char b[64];
    for (size_t d = 0; d < r->n_districts; d++) {
        fputs("<tr><th scope=\"row\">", o);
        esc(o, r->district_labels ? r->district_labels[d] : "");
        fputs("</th>", o);
        for (size_t k = 0; k < 2 * W; k++) {
            const helby_report_cell *c = &m->district[d * 2 * W + k];
            if (c->present && c->mark == HELBY_CELL_SHOWN) {
                helby_report_num(r, c->estimate * report_scale(m, -1), 1, b, sizeof b);
                fprintf(o, "<td%s>%s%s</td>", c->unreliable ? " class=\"u\"" : "", b,
                        c->unreliable ? " †" : "");
            } else {
                fprintf(o, "<td class=\"s\">%s</td>", c->present ? report_mark(c) : "");
            }
        }
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table>\n", o);
}

static void goals_html(const helby_report *r, FILE *o)
{
    fputs("<div class=\"goals\">\n", o);
    for (size_t i = 0; i < r->n_goals; i++) {
        const helby_report_goal *g = &r->goals[i];
        char q[128];
        report_goal_value(r, g, q, sizeof q);
        fprintf(o, "<div class=\"goal %s\"><div class=\"gl\">", verdict_class(g->q.flag));
        esc(o, g->label);
        fprintf(o, "</div><div class=\"gv\">%s</div><p class=\"gs\">",
                report_t(r, g->q.flag));
        esc(o, g->sentence);
        fputs("</p><div class=\"gq\">", o);
        esc(o, g->quantity_label);
        fputs(": ", o);
        esc(o, q);
        fputs("</div><div class=\"gr\">", o);
        esc(o, report_t(r, "rule"));
        fputs(": ", o);
        esc(o, g->rule);
        fputs("</div></div>\n", o);
    }
    fputs("</div>\n", o);
}

/* CSS string contents: the provenance line goes into @page margin boxes. */
static void css_str(FILE *o, const char *s)
{
    fputc('"', o);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', o);
        if (*s == '<' || *s == '\n')
            continue;
        fputc(*s, o);
    }
    fputc('"', o);
}

/* Print on A4: headings stay with what follows, charts, goal cards and table rows are not
 * split, page numbers and the run's provenance in the page margins (Chromium's @page margin
 * boxes; `helby report --format pdf` prints through headless Chromium). */
static void print_css(const helby_report *r, FILE *o)
{
    int da = !strcmp(r->lang, "da");
    char prov[256];
    snprintf(prov, sizeof prov, "helby %s · %s %lld · %s %.12s…", r->run.engine,
             da ? "kørsel" : "run", (long long)r->run.id, da ? "resultat-sha256" : "result sha256",
             r->run.result_hash);
    fputs("@page{size:A4;margin:14mm 12mm 16mm 12mm;@bottom-left{content:", o);
    css_str(o, prov);
    fprintf(o, ";font:8pt 'DejaVu Sans',Arial,sans-serif;color:#444}@bottom-right{content:\"%s \" "
               "counter(page) \" %s \" counter(pages);font:8pt 'DejaVu Sans',Arial,sans-serif;"
               "color:#444}}\n",
            da ? "Side" : "Page", da ? "af" : "of");
    fputs("@media print{body{margin:0;max-width:none;font-size:10pt}"
          "h1,h2,h3,caption{break-after:avoid;page-break-after:avoid}"
          "h2,h3{break-inside:avoid}"
          "svg.chart,.goal,tr,dl.about{break-inside:avoid;page-break-inside:avoid}"
          "table{break-inside:auto}thead{display:table-header-group}"
          ".charts{gap:4px 6px}svg.chart{width:58mm;height:auto}"
          "h2{margin-top:16px}.goal{background:none}}\n",
          o);
}

static void head(const helby_report *r, FILE *o, const char *title)
{
    fprintf(o, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">\n<title>",
            r->lang);
    esc(o, title);
    fputs("</title>\n<style>\n"
          "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px 32px;color:#222;"
          "max-width:1140px}\n"
          "h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;border-bottom:2px solid #ddd;"
          "padding-bottom:4px;margin-top:28px}h3{font-size:16px;margin:18px 0 6px}\n"
          ".meta{color:#555;font-size:12px;word-break:break-all}\n"
          "dl.about{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;"
          "font-size:14px;margin:8px 0 16px}dl.about dt{font-weight:bold}dl.about dd{margin:0}"
          "dl.prov{font-size:11px;color:#444;word-break:break-all}dl.prov dt{font-weight:bold}"
          "dl.prov dd{margin:0 0 4px 0}\n"
          "table{border-collapse:collapse;font-size:12px;margin:6px 0 12px}"
          /* Captions name the tables for screen readers; on the page the heading above
           * already says it, so they are hidden visually only. */
          "caption{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);"
          "white-space:nowrap}"
          "th,td{padding:3px 7px;border-bottom:1px solid #e4e4e4;text-align:right;"
          "white-space:nowrap}thead th{background:#f3f3f3;vertical-align:bottom;white-space:normal}"
          "tbody th{text-align:left;font-weight:normal}thead th:first-child{text-align:left}\n"
          "td.s{color:#595959;text-align:center}td.u{color:#8a5a00}td.n{color:#595959}\n"
          ".charts{display:flex;flex-wrap:wrap;gap:8px 12px}"
          "svg.chart{background:#fcfcfc;border:1px solid #e6e6e6}\n"
          ".ct{font-size:13px;font-weight:bold;fill:#333}.yt{font-size:11px;fill:#555;"
          "text-anchor:end}.xt{font-size:11px;fill:#555;text-anchor:middle}.yl{font-size:11px;"
          "fill:#555;text-anchor:middle}.lg{font-size:11px;fill:#333}.dl{font-size:11px;"
          "fill:#333;text-anchor:end}.sup{font-size:14px;fill:#595959;text-anchor:middle}\n"
          ".grid{stroke:#e8e8e8}.zero{stroke:#6b6b6b;stroke-dasharray:4 3}\n"
          ".goals{display:flex;flex-wrap:wrap;gap:12px}.goal{flex:1 1 420px;border-radius:6px;"
          "padding:10px 14px;border-left:8px solid #bbb;background:#f7f7f7}"
          ".goal.met{border-color:#2e7d32;background:#eef7ee}.goal.notmet{border-color:#c62828;"
          "background:#fbeeee}.goal.inc{border-color:#d89b00;background:#fdf7e6}"
          ".gl{font-weight:bold}.gv{font-size:20px;margin:4px 0}.gs{font-size:15px;margin:6px 0}"
          ".gq{font-size:13px}"
          ".gr{font-size:11px;color:#555;margin-top:4px}\n"
          ".legend,.methods{font-size:13px;line-height:1.45}.legend{color:#555}\n"
          "td.met{color:#2e7d32;font-weight:bold}td.notmet{color:#c62828;font-weight:bold}"
          "td.better{color:#2e7d32}td.worse{color:#c62828}"
          "td.inc{color:#805300;font-weight:bold}td.l{text-align:left;white-space:normal}\n"
          , o);
    print_css(r, o);
    fputs("</style></head><body><main>\n<h1>", o);
    esc(o, title);
    fputs("</h1>\n<dl class=\"about\">", o);
    report_header_t h;
    report_header(r, &h);
    const char *k[3] = {"period", "weighting_w", "certainty"}, *v[3] = {h.period, h.weighting,
                                                                       h.certainty};
    for (int i = 0; i < 3; i++) {
        fprintf(o, "<dt>%s</dt><dd>", report_t(r, k[i]));
        esc(o, v[i]);
        fputs("</dd>", o);
    }
    fputs("</dl>\n", o);
    if (r->def_changed) {
        fputs("<p class=\"meta\">", o);
        esc(o, report_t(r, "no_definition"));
        fputs("</p>\n", o);
    }
}

/* A small trend line over periods with the target as a dashed line; the values in words for
 * screen readers (registers have no CI: they are complete counts; survey goals show the
 * estimates only, their CIs are in the report). */
static void sparkline(const helby_report *r, FILE *o, const double *v, size_t n,
                      const char (*period)[16], double target)
{
    const double w = 140, h = 34;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            lo = fmin(lo, v[i]), hi = fmax(hi, v[i]);
    if (!isnan(target))
        lo = fmin(lo, target), hi = fmax(hi, target);
    if (!isfinite(lo))
        return;
    if (!(hi > lo))
        hi = lo + 1;
    helby_buf_t d = {0};
    char b[32];
    for (size_t i = 0; i < n; i++) {
        helby_report_num(r, v[i], 1, b, sizeof b);
        report_buf_printf(&d, "%s%s: %s", i ? "; " : "", period[i], b);
    }
    if (!isnan(target)) {
        helby_report_num(r, target, 1, b, sizeof b);
        report_buf_printf(&d, "; %s %s", report_t(r, "target"), b);
    }
    fprintf(o, "<svg width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"", w, h);
    esc(o, d.data ? d.data : "");
    free(d.data);
    fputs("\" xmlns=\"http://www.w3.org/2000/svg\">", o);
#define SX(i) (4 + (n > 1 ? (double)(i) * (w - 8) / (double)(n - 1) : 0))
#define SY(x) (4 + (hi - (x)) * (h - 8) / (hi - lo))
    if (!isnan(target))
        fprintf(o, "<line x1=\"4\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"zero\"/>", w - 4,
                SY(target), SY(target));
    fputs("<polyline fill=\"none\" stroke=\"" COL_GAP "\" stroke-width=\"2\" points=\"", o);
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            fprintf(o, "%.1f,%.1f ", SX(i), SY(v[i]));
    fputs("\"/>", o);
    if (n && !isnan(v[n - 1]))
        fprintf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"" COL_GAP "\"/>", SX(n - 1),
                SY(v[n - 1]));
    fputs("</svg>", o);
#undef SX
#undef SY
}

/* The direction of the line as an arrow (up, down, flat), and whether that is better or worse
 * in words and colour: a falling gap is "↘ better" (the arrow is the line, not the verdict). */
static void direction_cell(const helby_report *r, FILE *o, double delta, const char *dir)
{
    const char *a = isnan(delta) || delta == 0 ? "→" : delta > 0 ? "↗" : "↘";
    const char *cls = !strcmp(dir, "improving")   ? "better"
                      : !strcmp(dir, "worsening") ? "worse"
                                                  : "same";
    fprintf(o, "<td class=\"%s\"><span aria-hidden=\"true\">%s</span> %s</td>", cls, a,
            report_t(r, dir));
}

static void barometer_html(const helby_report *r, FILE *o)
{
    char title[320];
    snprintf(title, sizeof title, "%s — %s", report_t(r, "barometer"), r->title);
    head(r, o, title);
    fputs("<table class=\"baro\"><caption>", o);
    esc(o, title);
    fputs("</caption><thead><tr>", o);
    const char *h[] = {"goal", "source", "latest", "target", "direction", "verdict", "trend"};
    for (size_t k = 0; k < 7; k++)
        fprintf(o, "<th scope=\"col\">%s</th>", report_t(r, h[k]));
    fputs("</tr></thead><tbody>\n", o);
    char b[96], x[64];
    for (int goal = 1; goal <= 6; goal++) {
        char gname[16];
        snprintf(gname, sizeof gname, "goal%d", goal);
        for (size_t i = 0; i < r->n_goals; i++) {
            const helby_report_goal *g = &r->goals[i];
            if (strcmp(g->goal, gname))
                continue;
            report_goal_value(r, g, b, sizeof b);
            report_goal_target(r, g, x, sizeof x);
            const char *dir = report_goal_direction(r, g);
            fputs("<tr><td class=\"l\">", o);
            esc(o, g->label);
            fprintf(o, "</td><td>%s %ld–%ld</td><td>", report_t(r, "survey"), g->baseline,
                    g->wave);
            esc(o, b);
            fputs("</td><td>", o);
            esc(o, x);
            double v[64], tg;
            char per[64][16];
            size_t n = report_goal_series(r, g, v, 64, &tg);
            for (size_t w = 0; w < n; w++)
                snprintf(per[w], sizeof per[w], "%ld", r->waves[w]);
            fputs("</td>", o);
            direction_cell(r, o, n >= 2 ? v[n - 1] - v[n - 2] : NAN, dir);
            fprintf(o, "<td class=\"%s\">%s</td><td>", verdict_class(g->q.flag),
                    report_t(r, g->q.flag));
            sparkline(r, o, v, n, (const char(*)[16])per, tg);
            fputs("</td></tr>\n", o);
        }
        for (size_t i = 0; i < r->n_indicators; i++) {
            const helby_report_indicator *ind = &r->indicators[i];
            if (strcmp(ind->goal, gname) || !ind->n_periods)
                continue;
            size_t k = ind->n_periods - 1;
            const char *dir = report_direction(ind), *v = report_register_verdict(ind);
            fprintf(o, "<tr><td class=\"l\">%s %d: ", !strcmp(r->lang, "da") ? "Mål" : "Goal",
                    goal);
            esc(o, ind->label);
            fprintf(o, "</td><td>%s %s</td>", report_t(r, "register"), ind->period[k]);
            helby_report_num(r, ind->value[k], 1, b, sizeof b);
            helby_report_num(r, ind->target[k], 1, x, sizeof x);
            fprintf(o, "<td>%s</td><td>%s %s</td>", b, strcmp(ind->better, "higher") ? "≤" : "≥",
                    x);
            direction_cell(r, o, k ? ind->value[k] - ind->value[k - 1] : NAN, dir);
            fprintf(o, "<td class=\"%s\">%s</td><td>", verdict_class(v), report_t(r, v));
            sparkline(r, o, ind->value, ind->n_periods, (const char(*)[16])ind->period,
                      ind->target[k]);
            fputs("</td></tr>\n", o);
        }
    }
    fputs("</tbody></table>\n<p class=\"legend\">", o);
    char lv[16], note[768];
    helby_report_num(r, 100 * r->level, 0, lv, sizeof lv);
    snprintf(note, sizeof note,
             !strcmp(r->lang, "da")
                 ? "Mål 4 og 6 fra surveyen (%s %%-konfidensinterval; opfyldt/ikke opfyldt/"
                   "uafklaret efter intervallet). Mål 1, 2, 3 og 5 fra registre (ingen "
                   "stikprøveusikkerhed): opfyldt når seneste værdi er på den rigtige side af "
                   "målet. Retning: pilen viser, hvilken vej linjen gik fra forrige til seneste "
                   "periode (for mål 4: forskellen mellem grupperne); bedre eller dårligere står "
                   "ved siden af. Den stiplede linje er målværdien."
                 : "Goals 4 and 6 from the survey (%s %% confidence interval; met / not met / "
                   "inconclusive by the interval). Goals 1, 2, 3 and 5 from registers (no "
                   "sampling error): met when the latest value is on the right side of the "
                   "target. Direction: the arrow shows which way the line went from the period "
                   "before to the latest (for goal 4: the gap between the groups); better or "
                   "worse is written beside it. The dashed line is the target.",
             lv);
    esc(o, note);
    fputs("</p>\n</main></body></html>\n", o);
}

/* Hashes and options at the end, for auditors and `compute --rerun`, not for the reader. */
static void provenance_html(const helby_report *r, FILE *o)
{
    report_kv kv[8];
    size_t n = report_provenance(r, kv, 8);
    fprintf(o, "<h2>%s</h2>\n<dl class=\"prov\">", report_t(r, "provenance"));
    for (size_t i = 0; i < n; i++) {
        fputs("<dt>", o);
        esc(o, kv[i].key);
        fputs("</dt><dd>", o);
        esc(o, kv[i].value);
        fputs("</dd>", o);
    }
    fputs("</dl>\n", o);
}

helby_status report_write_html(const helby_report *r, int barometer, FILE *o, helby_error *err)
{
    if (barometer) {
        barometer_html(r, o);
    } else {
        head(r, o, r->title);
        fprintf(o, "<h2>%s</h2>\n", report_t(r, "goals"));
        goals_html(r, o);
        for (size_t i = 0; i < r->n_measures; i++) {
            const helby_report_measure *m = &r->measures[i];
            if (m->kind != 0)
                continue;
            fputs("<h2>", o);
            esc(o, m->label);
            fputs("</h2>\n", o);
            charts_of(r, o, m);
            measure_table(r, o, m);
        }
        fprintf(o, "<h2>%s</h2>\n", report_t(r, "comparisons"));
        for (size_t i = 0; i < r->n_measures; i++) {
            const helby_report_measure *m = &r->measures[i];
            if (m->kind == 0)
                continue;
            fputs("<h3>", o);
            esc(o, m->label);
            char sc[96];
            report_scale_text(r, m, sc, sizeof sc);
            fprintf(o, " (%s)</h3>\n", sc);
            measure_table(r, o, m);
        }
        fprintf(o, "<h2>%s</h2>\n", report_t(r, "districts"));
        for (size_t i = 0; i < r->n_measures; i++)
            if (r->measures[i].kind == 0) {
                fputs("<h3>", o);
                esc(o, r->measures[i].label);
                fputs("</h3>\n", o);
                district_table(r, o, &r->measures[i]);
            }
        fprintf(o, "<h2>%s</h2>\n<table><caption>%s</caption><thead><tr><th scope=\"col\">%s"
                   "</th><th scope=\"col\">α</th><th scope=\"col\">n</th></tr></thead><tbody>\n",
                report_t(r, "reliability"), report_t(r, "reliability"), report_t(r, "dimension"));
        for (size_t i = 0; i < r->n_measures; i++) {
            const helby_report_measure *m = &r->measures[i];
            if (m->kind != 1)
                continue;
            char a[32];
            helby_report_num(r, m->alpha, 3, a, sizeof a);
            fputs("<tr><th scope=\"row\">", o);
            esc(o, m->label);
            fprintf(o, "</th><td>%s</td><td>%zu</td></tr>\n", a, m->alpha_n);
        }
        fputs("</tbody></table>\n", o);
        if (r->weighting) {
            fprintf(o, "<h2>%s: '", report_t(r, "weighting"));
            esc(o, r->weights);
            fputs("'</h2>\n<table><caption>", o);
            esc(o, report_t(r, "weighting"));
            fprintf(o, "</caption><thead><tr><th scope=\"col\">%s</th>", report_t(r, "diagnostic"));
            for (size_t w = 0; w < r->n_waves; w++)
                fprintf(o, "<th scope=\"col\">%ld</th>", r->waves[w]);
            fputs("</tr></thead><tbody>\n", o);
            const char *p = r->weighting;
            while (*p) {
                size_t len = strcspn(p, "\n");
                char line[512];
                snprintf(line, sizeof line, "%.*s", (int)len, p);
                p += len + (p[len] == '\n');
                char *k = strchr(line, '\t'), *val = k ? strchr(k + 1, '\t') : NULL;
                if (!k || !val || strtol(line, NULL, 10) != r->waves[0])
                    continue;
                *val = '\0';
                char lab[160];
                report_diag_label(r, k + 1, lab, sizeof lab);
                fputs("<tr><th scope=\"row\">", o);
                esc(o, lab);
                fputs("</th>", o);
                for (size_t w = 0; w < r->n_waves; w++) {
                    char look[160];
                    snprintf(look, sizeof look, "%ld\t%s\t", r->waves[w], k + 1);
                    const char *f = strstr(r->weighting, look);
                    fputs("<td>", o);
                    if (f) {
                        f += strlen(look);
                        char raw[256], nb[256];
                        snprintf(raw, sizeof raw, "%.*s", (int)strcspn(f, "\n"), f);
                        report_diag_value(r, raw, nb, sizeof nb);
                        esc(o, nb);
                    }
                    fputs("</td>", o);
                }
                fputs("</tr>\n", o);
            }
            fputs("</tbody></table>\n", o);
        }
        fprintf(o, "<h2>%s</h2>\n<p class=\"methods\">", report_t(r, "methods"));
        esc(o, r->methods);
        fputs("</p>\n<p class=\"legend\">", o);
        esc(o, report_t(r, "legend"));
        fputs("</p>\n", o);
        provenance_html(r, o);
        fputs("</main></body></html>\n", o);
    }
    if (ferror(o))
        return helby_error_set(err, HELBY_EIO, "writing the report failed");
    return HELBY_OK;
}
