/* report_glossary.c — what the HTML report adds for readers beside its tables: a short
 * glossary of its terms, and each index's chart data as a CSV link embedded in the page (a
 * data: URI; no script, nothing fetched). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "report/report_internal.h"

/* The glossary: a definition list, in the report's language. */
void report_glossary_html(const helby_report *r, FILE *o)
{
    static const char *const g[][3] = {
        {"KI (konfidensinterval) / CI (confidence interval)",
         "Et interval, der med rapportens konfidensniveau indeholder den sande værdi i "
         "befolkningen; bredden viser stikprøveusikkerheden.",
         "A range that contains the population's true value at the report's confidence "
         "level; its width is the sampling uncertainty."},
        {"deff (designeffekt) / deff (design effect)",
         "Variansen under surveyens design (vægte, strata, klynger) delt med variansen i en "
         "simpel tilfældig stikprøve af samme størrelse; over 1 betyder mindre præcision.",
         "The variance under the survey's design (weights, strata, clusters) divided by the "
         "variance of a simple random sample of the same size; above 1 means less precision."},
        {"Forskel i forskelle / difference in differences",
         "Ændringen af forskellen mellem grupperne siden basisåret: (danskere − minoriteter) i "
         "år minus samme forskel i basisåret.",
         "The change of the gap between the groups since the baseline: (Danes − minorities) "
         "now minus the same gap in the baseline wave."},
        {"S og ST / S and ST",
         "Sobol-indeks i robusthedsanalysen: S er den del af spændet, et valg giver alene; ST "
         "den del, det giver alene og sammen med andre valg.",
         "Sobol indices of the robustness analysis: S is the share of the spread a choice "
         "causes on its own; ST the share it causes on its own and together with other "
         "choices."},
    };
    int da = !strcmp(r->lang, "da");
    fprintf(o, "<h2>%s</h2>\n<dl class=\"gloss\">", da ? "Ordliste" : "Glossary");
    for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
        char term[128];
        const char *slash = strstr(g[i][0], " / ");
        if (da)
            snprintf(term, sizeof term, "%.*s", (int)(slash - g[i][0]), g[i][0]);
        else
            helby_utf8_copy(term, sizeof term, slash + 3);
        fputs("<dt>", o);
        report_esc(o, term);
        fputs("</dt><dd>", o);
        report_esc(o, g[i][da ? 1 : 2]);
        fputs("</dd>", o);
    }
    fputs("</dl>\n", o);
}

/* A text cell of the chart data, as every report CSV writes one (report_csv_field). */
static void data_cell(helby_buf_t *b, const helby_report *r, const char *s)
{
    char *p = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&p, &n);
    if (m) {
        report_csv_field(r, m, s);
        fputc(';', m);
        if (fclose(m) == 0)
            report_buf_printf(b, "%s", p);
    }
    free(p);
}

/* One CSV row of the chart data: chart;wave;group;estimate;ci_low;ci_high (display units). */
static void data_row(helby_buf_t *b, const helby_report *r, const char *chart, const char *wave,
                     const char *group, const helby_report_cell *c, double sc)
{
    data_cell(b, r, chart);
    data_cell(b, r, wave);
    report_buf_printf(b, "%s;", group);
    if (!c->present || c->mark != HELBY_CELL_SHOWN) {
        report_buf_printf(b, ";;\n");
        return;
    }
    report_buf_printf(b, "%.15g;%.15g;%.15g\n", c->estimate * sc, c->ci_low * sc, c->ci_high * sc);
}

/* Base64 (RFC 4648) of n bytes: a data: URI without '%' escapes. */
static void base64(FILE *o, const unsigned char *p, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        fputc(t[v >> 18 & 63], o);
        fputc(t[v >> 12 & 63], o);
        fputc(i + 1 < n ? t[v >> 6 & 63] : '=', o);
        fputc(i + 2 < n ? t[v & 63] : '=', o);
    }
}

/* The data behind an index's charts as a CSV (levels by wave and group, the gap, the
 * districts of the latest wave; hidden cells empty), linked from the page as a data: URI. */
void report_chart_data_link(const helby_report *r, FILE *o, const helby_report_measure *m)
{
    helby_buf_t b = {0};
    const double sc = report_scale(m, -1);
    const size_t W = r->n_waves;
    static const char *grp[3] = {"danes", "minorities", "all"};
    report_buf_printf(&b, "chart;wave;group;estimate;ci_low;ci_high\n");
    for (size_t w = 0; w < W; w++) {
        const char *wl = report_wave(r, r->waves[w]);
        for (int g = 0; g < 3; g++)
            data_row(&b, r, "level", wl, grp[g], &m->level[w * 3 + (size_t)g], sc);
        data_row(&b, r, "gap", wl, "", &m->cmp[w * HELBY_RQ_N + HELBY_RQ_GAP], sc);
    }
    for (size_t d = 0; W && m->district && d < r->n_districts && r->district_labels; d++)
        for (int g = 0; g < 2; g++) {
            char what[160];
            snprintf(what, sizeof what, "district %s", r->district_labels[d]);
            data_row(&b, r, what, report_wave(r, r->waves[W - 1]), grp[g],
                     &m->district[(d * W + W - 1) * 2 + (size_t)g], sc);
        }
    fputs("<p class=\"data\"><a download=\"", o);
    report_esc(o, m->name);
    fputs(".csv\" href=\"data:text/csv;charset=utf-8;base64,", o);
    base64(o, (const unsigned char *)b.data, b.data ? b.len : 0);
    free(b.data);
    fprintf(o, "\">%s: ", !strcmp(r->lang, "da") ? "Data bag graferne (CSV)" : "Chart data (CSV)");
    report_esc(o, m->label);
    fputs("</a></p>\n", o);
}
