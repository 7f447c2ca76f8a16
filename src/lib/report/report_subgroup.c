/* report_subgroup.c — subgroups of the report model (helby/report.h): a run made with
 * `compute --by VAR,...` holds, within each level of each by-variable, the Danes' and the
 * minorities' estimate per wave, the gap and its change since the baseline (runs/runby.c);
 * here they become one table per by-variable and measure, with disclosure control as the
 * district table's (the levels' n, the level table's n as the margin), and its text,
 * Markdown and HTML renderings. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "helby/survey.h"
#include "helby/tables.h"
#include "report/report_internal.h"

/* The (by, measure) table of r, or NULL. */
static helby_report_subgroup *find_sub(helby_report *r, const char *by, size_t m)
{
    for (size_t i = 0; i < r->n_subgroups; i++)
        if (r->subgroups[i].measure == m && !strcmp(r->subgroups[i].by, by))
            return &r->subgroups[i];
    return NULL;
}

static size_t level_index(const helby_report_subgroup *g, double level)
{
    for (size_t i = 0; i < g->n_levels; i++)
        if (g->levels[i] == level)
            return i;
    return (size_t)-1;
}

/* A subgroup row's keys: by, level, wave, and group (0, 1) or quantity (gap, gap_change). */
typedef struct sub_key {
    char by[64], q[32];
    double level;
    long wave, baseline;
    int group; /* -1: a quantity */
} sub_key;

static int parse_key(const char *dom, sub_key *k)
{
    char b[64];
    if (!report_dom_get(dom, "by", k->by, sizeof k->by) ||
        !report_dom_get(dom, "level", b, sizeof b))
        return 0;
    k->level = strtod(b, NULL);
    if (!report_dom_get(dom, "wave", b, sizeof b))
        return 0;
    k->wave = strtol(b, NULL, 10);
    k->group = report_dom_get(dom, "group", b, sizeof b) ? atoi(b) : -1;
    k->q[0] = '\0';
    if (k->group < 0 && !report_dom_get(dom, "quantity", k->q, sizeof k->q))
        return 0;
    k->baseline = report_dom_get(dom, "baseline", b, sizeof b) ? strtol(b, NULL, 10) : 0;
    return k->group == 0 || k->group == 1 || !strcmp(k->q, "gap") || !strcmp(k->q, "gap_change");
}

/* First pass: the tables and their levels. */
static helby_status collect(helby_report *r, const helby_run_row *rows, size_t n, helby_error *err)
{
    for (size_t i = 0; i < n; i++) {
        sub_key k;
        const helby_report_measure *pm = report_find_measure(r, rows[i].measure);
        if (!pm || !parse_key(rows[i].domain, &k) || report_wave_index(r, k.wave) == (size_t)-1)
            continue;
        size_t m = (size_t)(pm - r->measures);
        helby_report_subgroup *g = find_sub(r, k.by, m);
        if (!g) {
            helby_report_subgroup *p =
                realloc(r->subgroups, (r->n_subgroups + 1) * sizeof *r->subgroups);
            if (!p)
                return helby_error_set(err, HELBY_ENOMEM, "out of memory building a report");
            r->subgroups = p;
            g = &r->subgroups[r->n_subgroups++];
            memset(g, 0, sizeof *g);
            helby_utf8_copy(g->by, sizeof g->by, k.by);
            g->measure = m;
        }
        if (k.baseline)
            g->baseline = k.baseline;
        if (level_index(g, k.level) == (size_t)-1) {
            double *p = realloc(g->levels, (g->n_levels + 1) * sizeof *p);
            if (!p)
                return helby_error_set(err, HELBY_ENOMEM, "out of memory building a report");
            g->levels = p;
            g->levels[g->n_levels++] = k.level;
        }
    }
    return HELBY_OK;
}

static void cell_of(helby_report_cell *c, const helby_run_row *x)
{
    c->present = 1;
    c->estimate = x->estimate, c->se = x->se, c->ci_low = x->ci_low, c->ci_high = x->ci_high;
    c->df = x->df;
    c->n = (size_t)x->n;
    c->mark = !strcmp(x->flag, "suppressed") ? HELBY_CELL_PRIMARY
              : !strcmp(x->flag, "empty")    ? HELBY_CELL_EMPTY
                                             : HELBY_CELL_SHOWN;
    if (c->mark != HELBY_CELL_SHOWN)
        c->estimate = c->se = c->ci_low = c->ci_high = NAN;
}

static void hide(helby_report_cell *c, int mark)
{
    c->mark = mark;
    c->estimate = c->se = c->ci_low = c->ci_high = NAN;
}

/* Disclosure control of one table, as the district table's: the levels' n by wave and group,
 * the level table's n as the margin row; then a gap (change) beside a hidden cell of its wave
 * (or of the baseline) hidden too. */
static helby_status suppress(helby_report *r, helby_report_subgroup *g, helby_error *err)
{
    const size_t W = r->n_waves, L = g->n_levels, C = 2 * W;
    const helby_report_measure *m = &r->measures[g->measure];
    size_t *n = calloc((L + 1) * C + 1, sizeof *n);
    unsigned char *mk = calloc((L + 1) * C + 1, 1);
    if (!n || !mk) {
        free(n), free(mk);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory building a report");
    }
    for (size_t l = 0; l < L; l++)
        for (size_t j = 0; j < C; j++) {
            const helby_report_cell *c = &g->cells[(l * W + j / 2) * HELBY_RS_N + j % 2];
            n[l * C + j] = c->present ? c->n : 0;
            mk[l * C + j] = c->mark == HELBY_CELL_PRIMARY ? HELBY_CELL_PRIMARY : HELBY_CELL_SHOWN;
        }
    for (size_t j = 0; j < C; j++) {
        const helby_report_cell *c = &m->level[(j / 2) * HELBY_RG_N + j % 2];
        n[L * C + j] = c->n;
        mk[L * C + j] = c->mark == HELBY_CELL_SHOWN ? HELBY_CELL_SHOWN : HELBY_CELL_PRIMARY;
    }
    helby_suppress(n, L + 1, C, 0, 1, r->threshold, mk);
    for (size_t l = 0; l < L; l++)
        for (size_t j = 0; j < C; j++) {
            helby_report_cell *c = &g->cells[(l * W + j / 2) * HELBY_RS_N + j % 2];
            if (mk[l * C + j] != HELBY_CELL_SHOWN && c->mark == HELBY_CELL_SHOWN)
                hide(c, mk[l * C + j]);
        }
    free(n), free(mk);
    size_t b = report_wave_index(r, g->baseline);
    for (size_t l = 0; l < L; l++)
        for (size_t w = 0; w < W; w++) {
            helby_report_cell *c = &g->cells[(l * W + w) * HELBY_RS_N];
            int hw = c[0].mark != HELBY_CELL_SHOWN || c[1].mark != HELBY_CELL_SHOWN;
            const helby_report_cell *cb = b != (size_t)-1 ? &g->cells[(l * W + b) * HELBY_RS_N] : c;
            int hb =
                b == (size_t)-1 || cb[0].mark != HELBY_CELL_SHOWN || cb[1].mark != HELBY_CELL_SHOWN;
            if (c[HELBY_RS_GAP].present && c[HELBY_RS_GAP].mark == HELBY_CELL_SHOWN && hw)
                hide(&c[HELBY_RS_GAP], HELBY_CELL_COMPLEMENTARY);
            if (c[HELBY_RS_GAP_CHANGE].present && c[HELBY_RS_GAP_CHANGE].mark == HELBY_CELL_SHOWN &&
                (hw || hb))
                hide(&c[HELBY_RS_GAP_CHANGE], HELBY_CELL_COMPLEMENTARY);
        }
    return HELBY_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Labels, cells from the rows, then disclosure control. */
static helby_status fill_one(helby_report *r, const helby_survey *s, helby_report_subgroup *g,
                             const helby_run_row *rows, size_t n, helby_error *err)
{
    const size_t W = r->n_waves, L = g->n_levels;
    qsort(g->levels, L, sizeof *g->levels, cmp_double);
    g->level_labels = calloc(L + 1, sizeof *g->level_labels);
    g->cells = calloc(L * W * HELBY_RS_N + 1, sizeof *g->cells);
    if (!g->level_labels || !g->cells)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory building a report");
    size_t v = helby_survey_find_var(s, g->by);
    const char *lab = v == HELBY_NO_VAR                              ? g->by
                      : strcmp(r->lang, "da") && s->vars[v].label_en ? s->vars[v].label_en
                                                                     : s->vars[v].label_da;
    helby_utf8_copy(g->label, sizeof g->label, lab && *lab ? lab : g->by);
    for (size_t l = 0; l < L; l++)
        helby_domain_label(s, g->by, g->levels[l], r->lang, g->level_labels[l],
                           sizeof g->level_labels[l]);
    for (size_t k = 0; k < L * W * HELBY_RS_N; k++)
        hide(&g->cells[k], HELBY_CELL_EMPTY);
    for (size_t i = 0; i < n; i++) {
        sub_key k;
        if (!parse_key(rows[i].domain, &k) || strcmp(k.by, g->by) ||
            strcmp(rows[i].measure, r->measures[g->measure].name))
            continue;
        size_t l = level_index(g, k.level), w = report_wave_index(r, k.wave);
        if (l == (size_t)-1 || w == (size_t)-1)
            continue;
        int q = k.group >= 0 ? k.group : !strcmp(k.q, "gap") ? HELBY_RS_GAP : HELBY_RS_GAP_CHANGE;
        cell_of(&g->cells[(l * W + w) * HELBY_RS_N + (size_t)q], &rows[i]);
    }
    return suppress(r, g, err);
}

helby_status report_subgroups_fill(helby_report *r, const helby_survey *s,
                                   const helby_run_row *rows, size_t n, helby_error *err)
{
    helby_status rc = collect(r, rows, n, err);
    for (size_t i = 0; !rc && i < r->n_subgroups; i++)
        rc = fill_one(r, s, &r->subgroups[i], rows, n, err);
    return rc;
}

void report_subgroups_free(helby_report *r)
{
    for (size_t i = 0; i < r->n_subgroups; i++) {
        free(r->subgroups[i].levels);
        free(r->subgroups[i].level_labels);
        free(r->subgroups[i].cells);
    }
    free(r->subgroups);
}

/* A cell as text: the estimate with its CI in the measure's display units. */
static void cell_text(const helby_report *r, const helby_report_measure *m,
                      const helby_report_cell *c, char *buf, size_t n)
{
    report_cell_text(r, c, report_scale(m, -1), 1, buf, n);
}

void report_subgroups_text(const helby_report *r, int md, FILE *o)
{
    if (!r->n_subgroups)
        return;
    report_heading(o, md, 2, report_t(r, "subgroups"));
    for (size_t i = 0; i < r->n_subgroups; i++) {
        const helby_report_subgroup *g = &r->subgroups[i];
        const helby_report_measure *m = &r->measures[g->measure];
        char title[320], units[2][96];
        snprintf(title, sizeof title, "%s: %s", m->label, g->label);
        report_heading(o, md, 3, title);
        report_col_head(r, m, "gap_s", units[0], sizeof units[0]);
        report_col_head(r, m, "did_s", units[1], sizeof units[1]);
        const char *h[8] = {g->label,
                            report_t(r, "wave"),
                            report_t(r, "danes"),
                            "n",
                            report_t(r, "minorities"),
                            "n",
                            units[0],
                            units[1]};
        report_table t;
        report_table_init(&t, 8);
        t.left = 2;
        report_table_add(&t, h);
        for (size_t l = 0; l < g->n_levels; l++)
            for (size_t w = 0; w < r->n_waves; w++) {
                const helby_report_cell *c = &g->cells[(l * r->n_waves + w) * HELBY_RS_N];
                char v[8][96];
                helby_utf8_copy(v[0], sizeof v[0], g->level_labels[l]);
                helby_utf8_copy(v[1], sizeof v[1], report_wave(r, r->waves[w]));
                cell_text(r, m, &c[0], v[2], sizeof v[2]);
                report_n_text(&c[0], v[3], sizeof v[3]);
                cell_text(r, m, &c[1], v[4], sizeof v[4]);
                report_n_text(&c[1], v[5], sizeof v[5]);
                cell_text(r, m, &c[HELBY_RS_GAP], v[6], sizeof v[6]);
                cell_text(r, m, &c[HELBY_RS_GAP_CHANGE], v[7], sizeof v[7]);
                const char *p[8] = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]};
                report_table_add(&t, p);
            }
        report_table_print(&t, md, o);
        report_table_free(&t);
    }
}

void report_subgroups_html(const helby_report *r, FILE *o)
{
    if (!r->n_subgroups)
        return;
    fprintf(o, "<h2>%s</h2>\n", report_t(r, "subgroups"));
    for (size_t i = 0; i < r->n_subgroups; i++) {
        const helby_report_subgroup *g = &r->subgroups[i];
        const helby_report_measure *m = &r->measures[g->measure];
        char units[2][96];
        report_col_head(r, m, "gap_s", units[0], sizeof units[0]);
        report_col_head(r, m, "did_s", units[1], sizeof units[1]);
        fputs("<table class=\"subgroups\"><caption>", o);
        report_esc(o, m->label);
        fputs(": ", o);
        report_esc(o, g->label);
        fputs("</caption><thead><tr><th scope=\"col\">", o);
        report_esc(o, g->label);
        fprintf(o,
                "</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">n</th>"
                "<th scope=\"col\">%s</th><th scope=\"col\">n</th>",
                report_t(r, "wave"), report_t(r, "danes"), report_t(r, "minorities"));
        for (int k = 0; k < 2; k++)
            report_tag_esc(o, "<th scope=\"col\">", units[k], "</th>");
        fputs("</tr></thead><tbody>", o);
        for (size_t l = 0; l < g->n_levels; l++)
            for (size_t w = 0; w < r->n_waves; w++) {
                const helby_report_cell *c = &g->cells[(l * r->n_waves + w) * HELBY_RS_N];
                char v[6][96];
                cell_text(r, m, &c[0], v[0], sizeof v[0]);
                report_n_text(&c[0], v[1], sizeof v[1]);
                cell_text(r, m, &c[1], v[2], sizeof v[2]);
                report_n_text(&c[1], v[3], sizeof v[3]);
                cell_text(r, m, &c[HELBY_RS_GAP], v[4], sizeof v[4]);
                cell_text(r, m, &c[HELBY_RS_GAP_CHANGE], v[5], sizeof v[5]);
                report_tag_esc(o, "<tr><th scope=\"row\">", g->level_labels[l], "</th>");
                report_tag_esc(o, "<td>", report_wave(r, r->waves[w]), "</td>");
                for (int k = 0; k < 6; k++)
                    report_tag_esc(o, "<td>", v[k], "</td>");
                fputs("</tr>", o);
            }
        fputs("</tbody></table>\n", o);
    }
}
