/* report_chart.c — the report's inline SVG charts: lines by wave with CI bands, the gap, the
 * districts of the latest wave, and the barometer's sparklines. Each chart is an accessible
 * image (a <title> and a <desc> with the trend in words) whose lines differ without colour. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "report/report_internal.h"

#define COL_DANES "#1f5f99"
#define COL_MIN "#b04a10" /* 5.2:1 on the chart background: also used for text marks */
#define COL_GAP "#5b4a8b"

/* A "nice" tick step for a range. */
double report_tick_step(double range)
{
    double raw = range / 5, p = pow(10, floor(log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
}

/* A line is told apart without colour too (black-and-white print, colour blindness): by its
 * dash pattern and its marker shape (WCAG 2.1 1.4.1, use of colour). */
enum { MARK_CIRCLE = 0, MARK_SQUARE, MARK_TRIANGLE };

typedef struct series {
    const char *label, *color;
    const char *dash;             /* stroke-dasharray, "" for solid */
    int marker;                   /* MARK_* */
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
    fputs(shape == MARK_SQUARE     ? "</rect>\n"
          : shape == MARK_TRIANGLE ? "</polygon>\n"
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
    report_buf_printf(b,
                      da ? "%s %s fra %s i %s til %s i %s (%s%s %s). "
                         : "%s %s from %s in %s to %s in %s (%s%s %s). ",
                      s->label, how, a, report_wave(r, r->waves[f]), c, report_wave(r, r->waves[l]),
                      diff >= 0 ? "+" : "−", d, unit);
}

/* <title> and <desc> of a chart, referenced by aria-labelledby (WCAG 1.1.1). */
void report_chart_open(FILE *o, double w, double h, const char *id, const char *title,
                       const char *desc)
{
    /* Its width in print (--pw, read by the print stylesheet): every chart of the report is
     * 560 px wide or more and prints at the full text width, so that text is one size on
     * paper (issue 25: no chart a thumbnail); a barometer's sparkline (204 px) keeps its
     * scale in its table cell. */
    double pw = w < 300 ? 48.5 : fmin(100.0, 100.0 * w / 560.0);
    fprintf(o,
            "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
            "style=\"--pw:%.1f%%\" role=\"img\" aria-labelledby=\"%s-t %s-d\" "
            "xmlns=\"http://www.w3.org/2000/svg\"><title id=\"%s-t\">",
            w, h, w, h, pw, id, id, id);
    report_esc(o, title);
    fprintf(o, "</title><desc id=\"%s-d\">", id);
    report_esc(o, desc);
    fputs("</desc>\n<text x=\"8\" y=\"20\" class=\"ct\" aria-hidden=\"true\">", o);
    report_esc(o, title);
    fputs("</text>\n", o);
}

/* A line chart over the waves with CI bands (one polygon per contiguous run of values). */
/* The y axis of a line chart: every CI bound (and 0 for a gap) inside, on round ticks. */
static void y_range(const series *s, int ns, size_t W, int zero_line, double *ymin, double *ymax,
                    double *step)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int k = 0; k < ns; k++)
        for (size_t i = 0; i < W; i++)
            if (!isnan(s[k].v[i])) {
                lo = fmin(lo, s[k].lo[i]);
                hi = fmax(hi, s[k].hi[i]);
            }
    if (zero_line)
        lo = fmin(lo, 0), hi = fmax(hi, 0);
    if (!isfinite(lo))
        lo = 0, hi = 1;
    if (hi - lo < 1e-9)
        hi = lo + 1;
    *step = report_tick_step(hi - lo);
    *ymin = floor(lo / *step) * *step;
    *ymax = ceil(hi / *step) * *step;
}

/* A legend entry: the line's dash and marker, then its name. */
static void legend_item(FILE *o, const series *s, double lx, double y)
{
    fprintf(o,
            "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-width=\"2.5\" stroke-dasharray=\"%s\"/>",
            lx - 4, lx + 22, y, y, s->color, *s->dash ? s->dash : "none");
    marker(o, s->marker, lx + 9, y, s->color, NULL);
    fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" class=\"lg\">", lx + 27, y + 4);
    report_esc(o, s->label);
    fputs("</text>\n", o);
}

static void line_chart(const helby_report *r, FILE *o, const char *id, const char *title,
                       const char *ylab, const char *unit, const char *cue, const series *s, int ns,
                       int zero_line)
{
    const size_t W = r->n_waves < 64 ? r->n_waves : 64;
    const double w = 560, h = 280, ml = 46, mr = 14, mt = 34, mb = 56;
    double ymin, ymax, step;
    y_range(s, ns, W, zero_line, &ymin, &ymax, &step);
#define X(i) (ml + (W > 1 ? (double)(i) * (w - ml - mr) / (double)(W - 1) : (w - ml - mr) / 2))
#define Y(v) (mt + (ymax - (v)) * (h - mt - mb) / (ymax - ymin))
    helby_buf_t desc = {0};
    for (int k = 0; k < ns; k++)
        trend_words(r, &s[k], W, unit, &desc);
    if (cue)
        report_buf_printf(&desc, "%s", cue);
    report_chart_open(o, w, h, id, title, desc.data ? desc.data : "");
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
    for (size_t i = 0; i < W; i++) {
        fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" class=\"xt\">", X(i), h - mb + 18);
        report_tag_esc(o, "", report_wave(r, r->waves[i]), "</text>\n");
    }
    fprintf(o, "<text x=\"14\" y=\"%.1f\" class=\"yl\" transform=\"rotate(-90 14 %.1f)\">",
            (mt + h - mb) / 2, (mt + h - mb) / 2);
    report_esc(o, ylab);
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
            fprintf(o,
                    "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\" "
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
        legend_item(o, &s[k], ml + 150.0 * k - 30, h - 14); /* under the axis */
    }
    fputs("</svg>\n", o);
#undef X
#undef Y
}

/* The latest wave's hidden district cells in words, for the chart's <desc>: "Not shown (too
 * few respondents): ethnic Danes in Vesterbro/Kongens Enghave." */
static void hidden_words(const helby_report *r, const helby_report_measure *m, helby_buf_t *b)
{
    const size_t W = r->n_waves, D = r->n_districts, wl = W - 1;
    int da = !strcmp(r->lang, "da"), any = 0;
    for (int g = 0; g < 2; g++)
        for (size_t d = 0; d < D && r->district_labels; d++) {
            const helby_report_cell *c = &m->district[(d * W + wl) * 2 + (size_t)g];
            if (!c->present || c->mark == HELBY_CELL_SHOWN)
                continue;
            report_buf_printf(b, "%s%s %s %s",
                              any ? "; "
                                  : (da ? "Ikke vist (for få "
                                          "svarpersoner): "
                                        : "Not shown (too few "
                                          "respondents): "),
                              report_t(r, g ? "minorities" : "danes"), da ? "i" : "in",
                              r->district_labels[d]);
            any = 1;
        }
    if (any)
        report_buf_printf(b, ". ");
}

/* The width in pixels of the district names at the chart's 11 px (DejaVu Sans averages
 * under 0.62 em a character: 6.8 px, counted in UTF-8 characters, not bytes). */
static double label_width(const helby_report *r)
{
    double most = 0;
    for (size_t d = 0; d < r->n_districts && r->district_labels; d++) {
        size_t n = 0;
        for (const unsigned char *p = (const unsigned char *)r->district_labels[d]; *p; p++)
            n += (*p & 0xC0) != 0x80;
        most = fmax(most, 6.8 * (double)n);
    }
    return most;
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
        report_buf_printf(b,
                          da ? "%s: lavest i %s (%s), højest i %s (%s). "
                             : "%s: lowest in %s (%s), highest in %s (%s). ",
                          who, r->district_labels[lo], a, r->district_labels[hi], c);
    }
    hidden_words(r, m, b);
}

/* Districts of the latest wave: a dot for each group with its CI as a whisker. */
/* 1 when a district cell of wave index w of m is withheld. */
static int district_hidden(const helby_report *r, const helby_report_measure *m, size_t w)
{
    const size_t W = r->n_waves;
    for (size_t k = 0; k < 2 * r->n_districts; k++) {
        const helby_report_cell *c = &m->district[((k / 2) * W + w) * 2 + k % 2];
        if (c->present && c->mark != HELBY_CELL_SHOWN)
            return 1;
    }
    return 0;
}

static void district_chart(const helby_report *r, FILE *o, const helby_report_measure *m)
{
    const size_t W = r->n_waves, D = r->n_districts;
    if (!D || !W)
        return;
    const size_t wl = W - 1;
    /* the names never clipped: the left margin fits the longest name and two marks */
    const double ml = fmax(165, 14 + label_width(r) + 24), w = fmax(560, ml + 215), rowh = 22,
                 mr = 14, mt = 40, mb = 40;
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
    double step = report_tick_step(hi - lo);
    lo = floor(lo / step) * step;
    hi = ceil(hi / step) * step;
#define XV(v) (ml + ((v)-lo) * (w - ml - mr) / (hi - lo))
    char title[320], b[32];
    snprintf(title, sizeof title, "%s, %s %s", m->label, report_t(r, "districts"),
             report_wave(r, r->waves[wl]));
    char id[96];
    snprintf(id, sizeof id, "c-%s-dist", m->name);
    helby_buf_t desc = {0};
    district_words(r, m, &desc);
    report_chart_open(o, w, h, id, title, desc.data ? desc.data : "");
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
        report_esc(o, r->district_labels ? r->district_labels[d] : "");
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
    if (district_hidden(r, m, wl)) /* the marks' key only where a cell is withheld */
        fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" class=\"lg\">· ‡ %s</text>\n", 8 + 264.0, h - 8,
                report_t(r, "suppressed"));
    fputs("</svg>\n", o);
#undef XV
}

void report_charts_of(const helby_report *r, FILE *o, const helby_report_measure *m)
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
    helby_utf8_copy(t2, sizeof t2, report_t(r, "gap"));
    const char *yl = report_t(r, m->kind == 2 ? "scale_share" : "scale_index");
    fputs("<div class=\"charts\">\n", o);
    int da = !strcmp(r->lang, "da");
    const char *unit =
        m->kind == 2 ? (da ? "procentpoint" : "percentage points") : (da ? "point" : "points");
    char id1[96], id2[96];
    snprintf(id1, sizeof id1, "c-%s-lv", m->name);
    snprintf(id2, sizeof id2, "c-%s-gap", m->name);
    const char *cue = !m->lower_is_better ? NULL : da ? "Lavere er bedre." : "Lower is better.";
    line_chart(r, o, id1, t1, yl, unit, cue, s, 2, 0);
    line_chart(r, o, id2, t2, yl, unit, NULL, &gap, 1, 1);
    district_chart(r, o, m);
    fputs("</div>\n", o);
    report_chart_data_link(r, o, m);
}

/* The sparkline's y range: every value and the target inside, on two or three round ticks. */
static void spark_range(const report_baro *b, double *lo, double *hi, double *step)
{
    *lo = INFINITY, *hi = -INFINITY;
    for (size_t i = 0; i < b->n; i++)
        if (!isnan(b->v[i]))
            *lo = fmin(*lo, b->v[i]), *hi = fmax(*hi, b->v[i]);
    if (!isnan(b->target))
        *lo = fmin(*lo, b->target), *hi = fmax(*hi, b->target);
    if (!(*hi > *lo))
        *hi = *lo + 1;
    *step = report_tick_step(2.5 * (*hi - *lo));
    *lo = floor(*lo / *step) * *step;
    *hi = ceil(*hi / *step) * *step;
}

/* The values in words for screen readers: "2011: 0.0; 2012: 22.4; …; target 10.0". */
static void spark_words(const helby_report *r, const report_baro *b, helby_buf_t *d)
{
    char v[32];
    for (size_t i = 0; i < b->n; i++) {
        helby_report_num(r, b->v[i], 1, v, sizeof v);
        report_buf_printf(d, "%s%s: %s", i ? "; " : "", b->period[i], isnan(b->v[i]) ? "–" : v);
    }
    if (!isnan(b->target)) {
        helby_report_num(r, b->target, 1, v, sizeof v);
        report_buf_printf(d, "; %s %s", report_t(r, "target"), v);
    }
}

/* A small chart of a barometer row: the goal's own quantity by period (points on a line),
 * the target as a dashed line, y ticks on the left and the periods below (every survey wave;
 * of register periods the first, the last and every third between). Registers have no CI:
 * they are complete counts; survey goals' CIs are in the report. */
void report_sparkline(const helby_report *r, FILE *o, const report_baro *b)
{
    const double w = 204, h = 92, ml = 34, mr = 10, mt = 8, mb = 20;
    double lo, hi, step;
    if (b->suppressed || b->i_last >= b->n)
        return;
    spark_range(b, &lo, &hi, &step);
    helby_buf_t d = {0};
    spark_words(r, b, &d);
    fprintf(o, "<svg class=\"spark\" width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"", w,
            h);
    report_esc(o, d.data ? d.data : "");
    free(d.data);
    fputs("\" xmlns=\"http://www.w3.org/2000/svg\">", o);
    const size_t n = b->n;
#define SX(i) (ml + (n > 1 ? (double)(i) * (w - ml - mr) / (double)(n - 1) : (w - ml - mr) / 2))
#define SY(x) (mt + (hi - (x)) * (h - mt - mb) / (hi - lo))
    char t[32];
    int dec = step < 1 ? (step < 0.1 ? 2 : 1) : 0;
    for (double y = lo; y <= hi + step / 2; y += step) {
        helby_report_num(r, y, dec, t, sizeof t);
        fprintf(o,
                "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" class=\"yt\">%s</text>",
                ml, w - mr, SY(y), SY(y), ml - 4, SY(y) + 4, t);
    }
    for (size_t i = 0; i < n; i++)
        if (b->survey || i == 0 || i + 1 == n || (i % 3 == 0 && i + 2 < n)) {
            fputs("<text x=\"", o);
            fprintf(o, "%.1f\" y=\"%.1f\" class=\"xt\"%s>", SX(i), h - 5,
                    n < 2        ? ""
                    : i == 0     ? " style=\"text-anchor:start\""
                    : i + 1 == n ? " style=\"text-anchor:end\""
                                 : "");
            report_esc(o, b->period[i]);
            fputs("</text>", o);
        }
    if (!isnan(b->target))
        fprintf(o, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"zero\"/>", ml,
                w - mr, SY(b->target), SY(b->target));
    fputs("<polyline fill=\"none\" stroke=\"" COL_GAP "\" stroke-width=\"2\" points=\"", o);
    for (size_t i = 0; i < n; i++)
        if (!isnan(b->v[i]))
            fprintf(o, "%.1f,%.1f ", SX(i), SY(b->v[i]));
    fputs("\"/>", o);
    for (size_t i = 0; i < n; i++)
        if (!isnan(b->v[i]))
            fprintf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" fill=\"" COL_GAP "\"/>", SX(i),
                    SY(b->v[i]), i == b->i_last ? "3.5" : "2");
    fputs("</svg>", o);
#undef SX
#undef SY
}
