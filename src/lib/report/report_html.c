/* report_html.c — the report as one self-contained HTML page with inline SVG charts: no
 * scripts, no fonts or images from the network; it prints and opens offline. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

static const char *verdict_class(const char *v)
{
    return !strcmp(v, "met") ? "met" : !strcmp(v, "not met") ? "notmet" : "inc";
}

/* A cell's text, its CI "[61.5; 64.4]" kept on one line: in print a table's cells may wrap
 * (a table of eleven columns on one line would make Chromium shrink every page to fit it),
 * and then they wrap between the estimate and its CI only. */
static void cell_text_html(FILE *o, const char *b)
{
    const char *ci = strstr(b, " [");
    if (!ci) {
        report_esc(o, b);
        return;
    }
    char est[64];
    snprintf(est, sizeof est, "%.*s", (int)(ci - b), b);
    report_esc(o, est);
    fputs(" <span class=\"ci\">", o);
    report_esc(o, ci + 1);
    fputs("</span>", o);
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
    cell_text_html(o, b);
    fputs("</td>", o);
}

static void measure_table(const helby_report *r, FILE *o, const helby_report_measure *m)
{
    char sc[96];
    report_scale_text(r, m, sc, sizeof sc);
    fputs("<table><caption>", o);
    report_esc(o, m->label);
    fprintf(o, " (%s)</caption><thead><tr>", sc);
    const char *h[] = {"wave", "danes", "n",       "minorities", "n",    "all",
                       "n",    "gap_s", "ratio_s", "did_s",      "rel_s"};
    for (size_t k = 0; k < sizeof h / sizeof h[0]; k++) {
        char head[96];
        report_col_head(r, m, h[k], head, sizeof head);
        fputs("<th scope=\"col\">", o);
        report_esc(o, head);
        fputs("</th>", o);
    }
    fputs("</tr></thead><tbody>\n", o);
    for (size_t w = 0; w < r->n_waves; w++) {
        report_tag_esc(o, "<tr><th scope=\"row\">", report_wave(r, r->waves[w]), "</th>");
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

/* The level table's origin subgroups: each code of the group column by wave, with n. */
static void origin_table(const helby_report *r, FILE *o, const helby_report_measure *m)
{
    if (!r->n_origins)
        return;
    char sc[96];
    report_scale_text(r, m, sc, sizeof sc);
    fputs("<table class=\"orig\"><caption>", o);
    report_esc(o, m->label);
    fputs(": ", o);
    report_esc(o, r->origin_title);
    fprintf(o, " (%s)</caption><thead><tr><th scope=\"col\">%s</th>", sc, report_t(r, "wave"));
    for (size_t k = 0; k < r->n_origins; k++) {
        fputs("<th scope=\"col\">", o);
        report_esc(o, r->origin_labels[k]);
        fputs("</th><th scope=\"col\">n</th>", o);
    }
    fputs("</tr></thead><tbody>\n", o);
    for (size_t w = 0; w < r->n_waves; w++) {
        report_tag_esc(o, "<tr><th scope=\"row\">", report_wave(r, r->waves[w]), "</th>");
        for (size_t k = 0; k < r->n_origins; k++) {
            const helby_report_cell *c = &m->origin[w * r->n_origins + k];
            td_cell(r, o, c, report_scale(m, -1), 1);
            if (c->present && c->mark == HELBY_CELL_SHOWN)
                fprintf(o, "<td class=\"n\">%zu</td>", c->n);
            else
                fputs("<td class=\"n\"></td>", o);
        }
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table>\n", o);
}

/* A district's cell: estimate [CI] (or its mark and the word) and n. */
static void district_cells(const helby_report *r, FILE *o, const helby_report_measure *m,
                           const helby_report_cell *c)
{
    char b[128];
    if (!c->present) {
        fputs("<td></td><td class=\"n\"></td>", o);
        return;
    }
    if (c->mark != HELBY_CELL_SHOWN) {
        fprintf(o, "<td class=\"s\">%s %s</td><td class=\"n\"></td>", report_mark(c),
                report_t(r, "suppressed"));
        return;
    }
    report_cell_text(r, c, report_scale(m, -1), 1, b, sizeof b);
    fprintf(o, "<td%s>", c->unreliable ? " class=\"u\"" : "");
    cell_text_html(o, b);
    fprintf(o, "</td><td class=\"n\">%zu</td>", c->n);
}

/* One row per district and wave: each group's estimate with its CI, and n. */
static void district_table(const helby_report *r, FILE *o, const helby_report_measure *m)
{
    const size_t W = r->n_waves;
    fprintf(o, "<table class=\"dist\"><caption>%s: ", report_t(r, "districts"));
    report_esc(o, m->label);
    char sc[96];
    report_scale_text(r, m, sc, sizeof sc);
    fprintf(o, " (%s)</caption><thead><tr><th scope=\"col\">", sc);
    report_esc(o, report_t(r, "district"));
    fprintf(o, "</th><th scope=\"col\">%s</th>", report_t(r, "wave"));
    for (int g = 0; g < 2; g++)
        fprintf(o, "<th scope=\"col\">%s [%s]</th><th scope=\"col\">n</th>",
                report_t(r, g ? "minorities" : "danes"), !strcmp(r->lang, "da") ? "KI" : "CI");
    fputs("</tr></thead><tbody>\n", o);
    for (size_t d = 0; d < r->n_districts; d++)
        for (size_t w = 0; w < W; w++) {
            fputs(w ? "<tr>" : "<tr class=\"d0\">", o);
            report_tag_esc(o, "<th scope=\"row\">", r->district_labels ? r->district_labels[d] : "",
                           "</th>");
            report_tag_esc(o, "<td class=\"l\">", report_wave(r, r->waves[w]), "</td>");
            for (int g = 0; g < 2; g++)
                district_cells(r, o, m, &m->district[d * 2 * W + w * 2 + (size_t)g]);
            fputs("</tr>\n", o);
        }
    fputs("</tbody></table>\n", o);
}

static void goals_html(const helby_report *r, FILE *o)
{
    if (!r->n_goals)
        fprintf(o, "<p>%s</p>\n", report_t(r, "no_goals"));
    fputs("<div class=\"goals\">\n", o);
    for (size_t i = 0; i < r->n_goals; i++) {
        const helby_report_goal *g = &r->goals[i];
        char q[128];
        report_goal_value(r, g, q, sizeof q);
        fprintf(o, "<div class=\"goal %s\"><div class=\"gl\">", verdict_class(g->q.flag));
        report_esc(o, g->label);
        fprintf(o, "</div><div class=\"gv\">%s</div><p class=\"gs\">", report_t(r, g->q.flag));
        report_esc(o, g->sentence);
        fputs("</p><div class=\"gq\">", o);
        report_esc(o, g->quantity_label);
        fputs(": ", o);
        report_esc(o, q);
        if (g->has_by_group) /* informative: the verdict is all residents' */
            report_tag_esc(o, "</div><div class=\"gb\">", g->by_group_text, "");
        fputs("</div><div class=\"gr\">", o);
        report_esc(o, report_t(r, "rule"));
        fputs(": ", o);
        report_esc(o, g->rule);
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
    fprintf(o,
            ";font:8pt 'DejaVu Sans',Arial,sans-serif;color:#444}@bottom-right{content:\"%s \" "
            "counter(page) \" %s \" counter(pages);font:8pt 'DejaVu Sans',Arial,sans-serif;"
            "color:#444}}\n",
            da ? "Side" : "Page", da ? "af" : "of");
    fputs("@media print{body{margin:0;max-width:none;font-size:10pt}"
          "h1,h2,h3,caption{break-after:avoid;page-break-after:avoid}"
          "h2,h3{break-inside:avoid}"
          "svg.chart,.goal,tr,dl.about{break-inside:avoid;page-break-inside:avoid}"
          "table{break-inside:auto}thead{display:table-header-group}"
          /* a short table (a row a wave, a choice, a goal) never split: Chromium may leave a
           * split table's head alone at a page's foot */
          "table:not(.dist):not(.subgroups){break-inside:avoid;page-break-inside:avoid}"
          /* every chart at the full text width (a thumbnail of a rank chart is unreadable),
           * a heading and a table's head never the last thing on a page */
          ".charts{display:flex;flex-wrap:wrap;gap:6px 2%;align-items:flex-start}"
          "svg.chart{display:block;box-sizing:border-box;width:var(--pw,100%);height:auto;margin:0 "
          "0 6px}"
          "thead,thead tr{break-after:avoid;page-break-after:avoid}"
          "tbody tr:first-child{break-before:avoid;page-break-before:avoid}"
          /* tables fit the text width at 8 pt: a cell wraps between its estimate and
           * its CI (span.ci), else the widest table would shrink every page to ~67 % */
          "table{font-size:8pt}th,td{white-space:normal;padding:2px 4px}.ci{white-space:nowrap}"
          "h2{margin-top:16px}.goal{background:none}}\n",
          o);
}

static void head(const helby_report *r, FILE *o, const char *title)
{
    /* The page needs nothing but itself: a policy that forbids scripts, fetches and forms,
     * so that text in it can never act even if a renderer missed an escape. */
    fprintf(o,
            "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:; form-action 'none'\">\n<title>",
            r->lang);
    report_esc(o, title);
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
          ".gq{font-size:13px}.gb{font-size:13px;color:#444;margin-top:2px}"
          ".gr{font-size:11px;color:#555;margin-top:4px}\n"
          ".legend,.methods{font-size:13px;line-height:1.45}.legend{color:#555}\n"
          "td.met{color:#2e7d32;font-weight:bold}td.notmet{color:#c62828;font-weight:bold}"
          "td.better{color:#2e7d32}td.worse{color:#c62828}"
          "tr.d0 th,tr.d0 td{border-top:2px solid #ccc}table.baro td.l{min-width:150px}table.baro "
          "td.better,table.baro td.worse,"
          "table.baro td.same,table.baro td.src{white-space:normal}"
          ".flag{color:#805300;font-weight:bold}td.same{color:#444}"
          "td.inc{color:#805300;font-weight:bold}td.l{text-align:left;white-space:normal}\n",
          o);
    print_css(r, o);
    fputs("</style></head><body><main>\n<h1>", o);
    report_esc(o, title);
    fputs("</h1>\n<dl class=\"about\">", o);
    report_header_t h;
    report_header(r, &h);
    const char *k[3] = {"period", "weighting_w", "certainty"},
               *v[3] = {h.period, h.weighting, h.certainty};
    for (int i = 0; i < 3; i++) {
        fprintf(o, "<dt>%s</dt><dd>", report_t(r, k[i]));
        report_esc(o, v[i]);
        fputs("</dd>", o);
    }
    fputs("</dl>\n", o);
    if (r->def_changed) {
        fputs("<p class=\"meta\">", o);
        report_esc(o, report_t(r, "no_definition"));
        fputs("</p>\n", o);
    }
}

/* A direction as an arrow (the way the goal's line went: up, down, flat) with "better" or
 * "worse" in words and colour and the periods it compares: goal 4's rising reduction of the
 * gap is "↗ improving (2011→2014)". */
static void direction_cell(const helby_report *r, FILE *o, const report_baro *b, int whole)
{
    const char *dir = whole ? b->dir_whole : b->dir_prev;
    size_t from = whole ? b->i_first : b->i_prev;
    double delta = from < b->n && b->i_last < b->n ? b->v[b->i_last] - b->v[from] : NAN;
    const char *a = isnan(delta) || delta == 0 ? "→" : delta > 0 ? "↗" : "↘";
    const char *cls = !strcmp(dir, "improving")   ? "better"
                      : !strcmp(dir, "worsening") ? "worse"
                                                  : "same";
    char t[128];
    report_baro_dir_text(r, b, whole, t, sizeof t);
    fprintf(o, "<td class=\"%s\"><span aria-hidden=\"true\">%s</span> ", cls, a);
    report_esc(o, t);
    fputs("</td>", o);
}

/* One goal's or register indicator's row: every field from the register CSV escaped. */
static void baro_row_html(const helby_report *r, FILE *o, const report_baro *b)
{
    char lab[300], src[96], val[128], tg[96], tr[128];
    report_baro_label(r, b, lab, sizeof lab);
    report_baro_source(r, b, src, sizeof src);
    report_baro_value_text(r, b, val, sizeof val, tg, sizeof tg);
    report_baro_travel_text(r, b, tr, sizeof tr);
    const char *cells[4] = {lab, src, val, tg};
    fputs("<tr>", o);
    for (int k = 0; k < 4; k++) {
        fputs(k == 0 ? "<td class=\"l\">" : k == 1 ? "<td class=\"src\">" : "<td>", o);
        report_esc(o, cells[k]);
        fputs("</td>", o);
    }
    direction_cell(r, o, b, 0);
    direction_cell(r, o, b, 1);
    fprintf(o, "<td class=\"%s\">%s</td><td class=\"%s\">", verdict_class(b->verdict),
            report_baro_t(r, b->verdict),
            !strcmp(b->travel, "forward")    ? "better"
            : !strcmp(b->travel, "backward") ? "worse"
                                             : "same");
    report_esc(o, tr);
    if (b->disagree)
        fprintf(o, "<br><span class=\"flag\">⚑ %s</span>", report_baro_t(r, "rules_differ"));
    fputs("</td><td>", o);
    report_sparkline(r, o, b);
    fputs("</td></tr>\n", o);
}

static void barometer_html(const helby_report *r, FILE *o)
{
    char title[320];
    snprintf(title, sizeof title, "%s — %s", report_baro_t(r, "barometer"), r->title);
    head(r, o, title);
    fputs("<table class=\"baro\"><caption>", o);
    report_esc(o, title);
    fputs("</caption><thead><tr>", o);
    const char *h[] = {"goal",         "source",  "latest", "target", "since_prev",
                       "whole_period", "verdict", "travel", "trend"};
    for (size_t k = 0; k < sizeof h / sizeof h[0]; k++)
        fprintf(o, "<th scope=\"col\">%s</th>", report_baro_t(r, h[k]));
    fputs("</tr></thead><tbody>\n", o);
    report_baro *rows = calloc(64, sizeof *rows);
    size_t n = rows ? report_baro_rows(r, rows, 64) : 0;
    for (size_t i = 0; i < n; i++)
        baro_row_html(r, o, &rows[i]);
    free(rows);
    fputs("</tbody></table>\n<p class=\"legend\">", o);
    report_esc(o, report_baro_t(r, "baro_note"));
    fputs(" ", o);
    report_esc(o, !strcmp(r->lang, "da")
                      ? "Kurven viser målets egen størrelse pr. periode; den stiplede linje er "
                        "målværdien."
                      : "The line shows the goal's own quantity by period; the dashed line is "
                        "the target.");
    fputs("</p>\n</main></body></html>\n", o);
}

/* The weight set's diagnostics, one row per diagnostic, one column per wave. */
static void weighting_html(const helby_report *r, FILE *o)
{
    fprintf(o, "<h2>%s: '", report_t(r, "weighting"));
    report_esc(o, r->weights);
    fputs("'</h2>\n<table><caption>", o);
    report_esc(o, report_t(r, "weighting"));
    fprintf(o, "</caption><thead><tr><th scope=\"col\">%s</th>", report_t(r, "diagnostic"));
    for (size_t w = 0; w < r->n_waves; w++)
        report_tag_esc(o, "<th scope=\"col\">", report_wave(r, r->waves[w]), "</th>");
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
        report_esc(o, lab);
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
                report_esc(o, nb);
            }
            fputs("</td>", o);
        }
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table>\n", o);
}

/* Hashes and options at the end, for auditors and `compute --rerun`, not for the reader. */
static void provenance_html(const helby_report *r, FILE *o)
{
    report_kv kv[8];
    size_t n = report_provenance(r, kv, 8);
    fprintf(o, "<h2>%s</h2>\n<dl class=\"prov\">", report_t(r, "provenance"));
    for (size_t i = 0; i < n; i++) {
        fputs("<dt>", o);
        report_esc(o, kv[i].key);
        fputs("</dt><dd>", o);
        report_esc(o, kv[i].value);
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
        report_adjust_html(r, o); /* goals with adjust only */
        for (size_t i = 0; i < r->n_measures; i++) {
            const helby_report_measure *m = &r->measures[i];
            if (m->kind != 0)
                continue;
            fputs("<h2>", o);
            report_esc(o, m->label);
            fputs("</h2>\n", o);
            report_charts_of(r, o, m);
            measure_table(r, o, m);
            report_changes_html(r, m, o);
            origin_table(r, o, m);
        }
        fprintf(o, "<h2>%s</h2>\n", report_t(r, "comparisons"));
        for (size_t i = 0; i < r->n_measures; i++) {
            const helby_report_measure *m = &r->measures[i];
            if (m->kind == 0)
                continue;
            fputs("<h3>", o);
            report_esc(o, m->label);
            char sc[96];
            report_scale_text(r, m, sc, sizeof sc);
            fprintf(o, " (%s)</h3>\n", sc);
            measure_table(r, o, m);
            report_changes_html(r, m, o);
            origin_table(r, o, m);
        }
        report_subgroups_html(r, o);
        fprintf(o, "<h2>%s</h2>\n", report_t(r, "districts"));
        for (size_t i = 0; i < r->n_measures; i++)
            if (r->measures[i].kind == 0) {
                fputs("<h3>", o);
                report_esc(o, r->measures[i].label);
                fputs("</h3>\n", o);
                report_tile_map(r, o, &r->measures[i]);
                district_table(r, o, &r->measures[i]);
            }
        report_sens_html(r, o); /* only when the run has the analysis */
        fprintf(o,
                "<h2>%s</h2>\n<table><caption>%s</caption><thead><tr><th scope=\"col\">%s"
                "</th><th scope=\"col\">α</th><th scope=\"col\">n</th></tr></thead><tbody>\n",
                report_t(r, "reliability"), report_t(r, "reliability"), report_t(r, "dimension"));
        for (size_t i = 0; i < r->n_measures; i++) {
            const helby_report_measure *m = &r->measures[i];
            if (m->kind != 1)
                continue;
            char a[32];
            helby_report_num(r, m->alpha, 3, a, sizeof a);
            fputs("<tr><th scope=\"row\">", o);
            report_esc(o, m->label);
            fprintf(o, "</th><td>%s</td><td>%zu</td></tr>\n", a, m->alpha_n);
        }
        fputs("</tbody></table>\n", o);
        if (r->weighting)
            weighting_html(r, o);
        report_glossary_html(r, o);
        fprintf(o, "<h2>%s</h2>\n<p class=\"methods\">", report_t(r, "methods"));
        report_esc(o, r->methods);
        fputs("</p>\n<p class=\"legend\">", o);
        report_esc(o, report_t(r, "legend"));
        fputs("</p>\n", o);
        provenance_html(r, o);
        fputs("</main></body></html>\n", o);
    }
    if (ferror(o))
        return helby_error_set(err, HELBY_EIO, "writing the report failed");
    return HELBY_OK;
}
