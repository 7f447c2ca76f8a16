/* report_adjust_html.c — the HTML section of goals judged on composition-adjusted gaps
 * (report_adjust.c): the sentence, a chart of the raw and adjusted gap per wave with their
 * CIs (inline SVG with <title> and <desc>, told apart without colour by marker shape and
 * dash) and the table it stands for. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/report_internal.h"

#define COL_RAW "#5b4a8b"
#define COL_ADJ "#1f5f99"

/* The y range over every shown CI bound and 0, on round ticks. */
static void y_range(const helby_report *r, const helby_report_goal *g, double sc, double *lo,
                    double *hi, double *step)
{
    double a = 0, b = 0;
    for (size_t w = 0; w < r->n_waves; w++)
        for (size_t k = 0; k < 2; k++) {
            const helby_report_cell *c = &g->adj[w * HELBY_RA_N + k];
            if (c->present && c->mark == HELBY_CELL_SHOWN && isfinite(c->ci_low)) {
                a = fmin(a, c->ci_low * sc);
                b = fmax(b, c->ci_high * sc);
            }
        }
    if (!(b > a))
        b = a + 1;
    *step = report_tick_step(b - a);
    *lo = floor(a / *step) * *step;
    *hi = ceil(b / *step) * *step;
}

static void chart(const helby_report *r, FILE *o, const helby_report_goal *g, size_t idx)
{
    const double W = 560, H = 240, L = 48, R = 12, T = 34, B = 44, sc = g->adj_share ? 100 : 1;
    double lo, hi, st;
    y_range(r, g, sc, &lo, &hi, &st);
    char id[48], title[256];
    snprintf(id, sizeof id, "adj%zu", idx);
    snprintf(title, sizeof title, "%s / %s (%s)", report_t(r, "adj_gap"),
             report_t(r, "adj_adjusted"),
             g->adj_share ? (strcmp(r->lang, "da") ? "percentage points" : "procentpoint")
                          : (strcmp(r->lang, "da") ? "points" : "point"));
    report_chart_open(o, W, H, id, title, g->adj_sentence);
#define YP(v) (T + (hi - (v)) / (hi - lo) * (H - T - B))
    for (double v = lo; v <= hi + st / 2; v += st) {
        char b[32];
        helby_report_num(r, v, st < 1 ? 1 : 0, b, sizeof b);
        fprintf(o,
                "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                "<text x=\"%.0f\" y=\"%.1f\" class=\"yt\" text-anchor=\"end\">%s</text>\n",
                L, W - R, YP(v), YP(v), fabs(v) < st / 2 ? "#595959" : "#e6e6e6", L - 4, YP(v) + 4,
                b);
    }
    const size_t N = r->n_waves ? r->n_waves : 1;
    const double step = (W - L - R) / (double)N;
    for (size_t w = 0; w < r->n_waves; w++) {
        double x0 = L + step * ((double)w + 0.5);
        fprintf(o, "<text x=\"%.1f\" y=\"%.0f\" class=\"yt\" style=\"text-anchor:middle\">", x0,
                H - B + 16);
        report_tag_esc(o, "", report_wave(r, r->waves[w]), "</text>\n");
        for (size_t k = 0; k < 2; k++) {
            const helby_report_cell *c = &g->adj[w * HELBY_RA_N + k];
            if (!c->present || c->mark != HELBY_CELL_SHOWN || !isfinite(c->estimate))
                continue;
            double x = x0 + (k ? 8 : -8), y = YP(c->estimate * sc);
            const char *col = k ? COL_ADJ : COL_RAW;
            fprintf(o,
                    "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    "stroke-width=\"2\"%s/>\n",
                    x, x, YP(c->ci_low * sc), YP(c->ci_high * sc), col,
                    k ? " stroke-dasharray=\"4 2\"" : "");
            if (k)
                fprintf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"%s\"/>\n",
                        x - 4, y - 4, col);
            else
                fprintf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>\n", x, y, col);
        }
    }
#undef YP
    fprintf(o,
            "<circle cx=\"%.0f\" cy=\"%.0f\" r=\"4\" fill=\"%s\"/><text x=\"%.0f\" y=\"%.0f\" "
            "class=\"yt\" style=\"text-anchor:start\">",
            L + 4, H - 12, COL_RAW, L + 12, H - 8);
    report_esc(o, report_t(r, "adj_gap"));
    fprintf(o,
            "</text><rect x=\"%.0f\" y=\"%.0f\" width=\"8\" height=\"8\" fill=\"%s\"/>"
            "<text x=\"%.0f\" y=\"%.0f\" class=\"yt\" style=\"text-anchor:start\">",
            L + 150, H - 16, COL_ADJ, L + 162, H - 8);
    report_esc(o, report_t(r, "adj_adjusted"));
    fputs("</text></svg>\n", o);
}

static void table(const helby_report *r, FILE *o, const helby_report_goal *g)
{
    static const char *h[HELBY_RA_N] = {"adj_gap", "adj_adjusted", "adj_explained",
                                        "adj_unexplained"};
    fputs("<table><caption>", o);
    report_esc(o, report_t(r, "adjusted"));
    fputs(": ", o);
    report_esc(o, g->adj_covariates);
    fprintf(o, "</caption><thead><tr><th scope=\"col\">%s</th>", report_t(r, "wave"));
    for (size_t k = 0; k < HELBY_RA_N; k++) {
        fputs("<th scope=\"col\">", o);
        report_esc(o, report_t(r, h[k]));
        fputs("</th>", o);
    }
    fputs("</tr></thead><tbody>\n", o);
    for (size_t w = 0; w < r->n_waves; w++) {
        report_tag_esc(o, "<tr><th scope=\"row\">", report_wave(r, r->waves[w]), "</th>");
        for (size_t k = 0; k < HELBY_RA_N; k++) {
            char b[96];
            report_cell_text(r, &g->adj[w * HELBY_RA_N + k], g->adj_share ? 100 : 1, 1, b,
                             sizeof b);
            fputs("<td>", o);
            report_esc(o, b);
            fputs("</td>", o);
        }
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table>\n", o);
}

void report_adjust_html(const helby_report *r, FILE *o)
{
    int any = 0;
    for (size_t i = 0; i < r->n_goals; i++)
        any |= r->goals[i].adj != NULL;
    if (!any)
        return;
    fputs("<h2>", o);
    report_esc(o, report_t(r, "adjusted"));
    fputs("</h2>\n", o);
    for (size_t i = 0; i < r->n_goals; i++) {
        const helby_report_goal *g = &r->goals[i];
        if (!g->adj)
            continue;
        fputs("<h3>", o);
        report_esc(o, g->label);
        fputs("</h3>\n<p class=\"gs\">", o);
        report_esc(o, g->adj_sentence);
        fputs("</p>\n<div class=\"charts\">", o);
        chart(r, o, g, i);
        fputs("</div>\n", o);
        table(r, o, g);
    }
}
