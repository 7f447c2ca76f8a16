/* report_xlsx.c — the report as an XLSX workbook (libxlsxwriter): one sheet per table with
 * number formats and frozen headers, and a sheet with the run's provenance and the method.
 * Numbers are written as numbers (a spreadsheet shows them with the reader's decimal mark);
 * suppressed cells hold the mark and no number. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "helby/csv.h"
#include "report/report_internal.h"

typedef struct xl {
    const helby_report *r;
    lxw_workbook *wb;
    lxw_format *head, *f1, *f3, *pct, *n0, *wrap, *mark;
} xl;

static lxw_worksheet *sheet(xl *x, const char *da, const char *en, const char *const *cols,
                            size_t nc)
{
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, !strcmp(x->r->lang, "da") ? da : en);
    if (!ws)
        return NULL;
    for (size_t j = 0; j < nc; j++) {
        worksheet_write_string(ws, 0, (lxw_col_t)j, cols[j], x->head);
        worksheet_set_column(ws, (lxw_col_t)j, (lxw_col_t)j, j == 1 ? 36 : 14, NULL);
    }
    worksheet_freeze_panes(ws, 1, 0);
    /* Printed: A4 landscape, one page wide, the header row on every page. */
    worksheet_set_paper(ws, 9);
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_repeat_rows(ws, 0, 0);
    worksheet_set_footer(ws, "&L&A&R&P / &N");
    return ws;
}

/* A sheet whose first column is a measure's label: that column is the wide one. */
static lxw_worksheet *label_sheet(xl *x, const char *da, const char *en, const char *const *cols,
                                  size_t nc)
{
    lxw_worksheet *ws = sheet(x, da, en, cols, nc);
    if (ws) {
        worksheet_set_column(ws, 0, 0, 36, NULL);
        worksheet_set_column(ws, 1, 1, 14, NULL);
    }
    return ws;
}

static void num(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, double v, lxw_format *f)
{
    if (!isnan(v) && !isinf(v))
        worksheet_write_number(ws, row, col, v, f);
}

/* estimate, se, ci_low, ci_high, n, flag from column c on; the mark instead when hidden. */
static void cell(xl *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t c, const helby_report_cell *e,
                 lxw_format *f)
{
    if (e->mark != HELBY_CELL_SHOWN) {
        worksheet_write_string(ws, row, c, report_mark(e), x->mark);
        worksheet_write_string(ws, row, c + 5,
                               e->mark == HELBY_CELL_PRIMARY ? report_t(x->r, "suppressed")
                               : e->mark == HELBY_CELL_COMPLEMENTARY
                                   ? (!strcmp(x->r->lang, "da") ? "undertrykt (komplementær)"
                                                                : "suppressed (complementary)")
                                   : "",
                               NULL);
        return;
    }
    num(ws, row, c, e->estimate, f);
    num(ws, row, c + 1, e->se, f);
    num(ws, row, c + 2, e->ci_low, f);
    num(ws, row, c + 3, e->ci_high, f);
    worksheet_write_number(ws, row, c + 4, (double)e->n, x->n0);
    if (*e->flag)
        worksheet_write_string(ws, row, c + 5, report_t(x->r, e->flag), NULL);
    else if (e->unreliable)
        worksheet_write_string(ws, row, c + 5, "†", NULL);
}

static const char *gname(const helby_report *r, int g)
{
    return report_t(r, g == 0 ? "danes" : g == 1 ? "minorities" : "all");
}

/* A measure and a goal for people: the measure's label, the goal's name ("Goal 4", its label up
 * to the colon), never their keys in the definition (issue 25: the workbook is read by people;
 * the CSV and JSON keep the keys). */
static const char *mlabel(const helby_report *r, const char *name)
{
    const helby_report_measure *m = report_find_measure(r, name);
    return m && m->label[0] ? m->label : name;
}

static const char *goal_name(const helby_report_goal *g, char *buf, size_t n)
{
    const char *l = g->label[0] ? g->label : g->goal;
    snprintf(buf, n, "%.*s", (int)strcspn(l, ":"), l);
    return buf;
}

/* A wave's cell: its code, or its label (a string) where the codebook labels waves. */
static void xl_wave(xl *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, long w)
{
    if (x->r->waves_labelled)
        worksheet_write_string(ws, row, col, report_wave(x->r, w), NULL);
    else
        worksheet_write_number(ws, row, col, (double)w, NULL);
}

/* Goals. */
static void xl_goals(xl *x)
{
    const helby_report *r = x->r;
    int da = !strcmp(r->lang, "da");
    const char *gc[] = {report_t(r, "goal"),
                        da ? "Beskrivelse" : "Description",
                        da ? "Indikator" : "Measure",
                        da ? "Basisår" : "Baseline",
                        report_t(r, "wave"),
                        report_t(r, "observed"),
                        da ? "SE" : "SE",
                        da ? "KI nedre" : "CI low",
                        da ? "KI øvre" : "CI high",
                        da ? "n (mindste celle)" : "n (smallest cell)",
                        report_t(r, "verdict"),
                        report_t(r, "rule"),
                        report_t(r, "in_words")};
    lxw_worksheet *ws = sheet(x, "Mål", "Goals", gc, 13);
    for (size_t i = 0; ws && i < r->n_goals; i++) {
        const helby_report_goal *g = &r->goals[i];
        lxw_row_t row = (lxw_row_t)(i + 1);
        char gn[128];
        worksheet_write_string(ws, row, 0, goal_name(g, gn, sizeof gn), NULL);
        worksheet_write_string(ws, row, 1, g->label, x->wrap);
        worksheet_write_string(ws, row, 2, mlabel(r, g->measure), NULL);
        xl_wave(x, ws, row, 3, g->baseline);
        xl_wave(x, ws, row, 4, g->wave);
        lxw_format *f = g->kind == HELBY_TARGET_CHANGE_POSITIVE ? x->f1 : x->pct;
        cell(x, ws, row, 5, &g->q, f);
        worksheet_write_string(ws, row, 10, report_t(r, g->q.flag), NULL);
        worksheet_write_string(ws, row, 11, g->rule, x->wrap);
        worksheet_write_string(ws, row, 12, g->sentence, x->wrap);
    }
    if (ws) {
        worksheet_set_column(ws, 2, 2, 24, NULL);
        worksheet_set_column(ws, 11, 12, 60, NULL);
    }
}

/* Estimates by group and wave. */
static void xl_levels(xl *x)
{
    const helby_report *r = x->r;
    int da = !strcmp(r->lang, "da");
    const char *ec[] = {da ? "Indikator" : "Measure",
                        report_t(r, "wave"),
                        da ? "Gruppe" : "Group",
                        report_t(r, "estimate"),
                        "SE",
                        da ? "KI nedre" : "CI low",
                        da ? "KI øvre" : "CI high",
                        "n",
                        da ? "Markering" : "Flag"};
    lxw_worksheet *ws = label_sheet(x, "Estimater", "Estimates", ec, 9);
    lxw_row_t row = 1;
    for (size_t i = 0; ws && i < r->n_measures; i++) {
        const helby_report_measure *m = &r->measures[i];
        for (size_t w = 0; w < r->n_waves; w++)
            for (int g = 0; g < 3; g++, row++) {
                worksheet_write_string(ws, row, 0, mlabel(r, m->name), NULL);
                xl_wave(x, ws, row, 1, r->waves[w]);
                worksheet_write_string(ws, row, 2, gname(r, g), NULL);
                cell(x, ws, row, 3, &m->level[w * 3 + (size_t)g], m->kind == 2 ? x->pct : x->f1);
            }
        for (size_t w = 0; w < r->n_waves; w++) /* origin subgroups, by their labels */
            for (size_t k = 0; k < r->n_origins; k++, row++) {
                worksheet_write_string(ws, row, 0, mlabel(r, m->name), NULL);
                xl_wave(x, ws, row, 1, r->waves[w]);
                worksheet_write_string(ws, row, 2, r->origin_labels[k], NULL);
                cell(x, ws, row, 3, &m->origin[w * r->n_origins + k],
                     m->kind == 2 ? x->pct : x->f1);
            }
    }
}

/* Comparisons. */
static void xl_comparisons(xl *x)
{
    const helby_report *r = x->r;
    int da = !strcmp(r->lang, "da");
    static const char *qk[HELBY_RQ_N] = {"gap", "ratio", "gap_change", "rel_gap_change",
                                         "ratio_change"};
    const char *cc[] = {da ? "Indikator" : "Measure",
                        report_t(r, "wave"),
                        da ? "Størrelse" : "Quantity",
                        report_t(r, "estimate"),
                        "SE",
                        da ? "KI nedre" : "CI low",
                        da ? "KI øvre" : "CI high",
                        "n",
                        da ? "Markering" : "Flag",
                        da ? "Basisår" : "Baseline"};
    lxw_worksheet *ws = label_sheet(x, "Sammenligninger", "Comparisons", cc, 10);
    lxw_row_t row = 1;
    for (size_t i = 0; ws && i < r->n_measures; i++) {
        const helby_report_measure *m = &r->measures[i];
        for (size_t w = 0; w < r->n_waves; w++)
            for (int q = 0; q < HELBY_RQ_N; q++) {
                const helby_report_cell *c = &m->cmp[w * HELBY_RQ_N + (size_t)q];
                if (!c->present)
                    continue;
                worksheet_write_string(ws, row, 0, mlabel(r, m->name), NULL);
                xl_wave(x, ws, row, 1, r->waves[w]);
                worksheet_write_string(ws, row, 2, report_t(r, qk[q]), NULL);
                lxw_format *f = q == HELBY_RQ_RATIO                            ? x->f3
                                : q >= HELBY_RQ_REL_GAP_CHANGE || m->kind == 2 ? x->pct
                                                                               : x->f1;
                cell(x, ws, row, 3, c, f);
                worksheet_write_number(ws, row, 9, (double)m->baseline, NULL);
                row++;
            }
    }
}

/* Each group's change since the previous wave and since the baseline (report_change.c),
 * "significant" in the flag column when its CI excludes 0; the rule under the rows. */
static void xl_changes(xl *x)
{
    const helby_report *r = x->r;
    int da = !strcmp(r->lang, "da");
    const char *cc[] = {da ? "Indikator" : "Measure",
                        report_t(r, "wave"),
                        da ? "Gruppe" : "Group",
                        da ? "Størrelse" : "Quantity",
                        report_t(r, "estimate"),
                        "SE",
                        da ? "KI nedre" : "CI low",
                        da ? "KI øvre" : "CI high",
                        "n",
                        da ? "Markering" : "Flag",
                        da ? "Fra bølge" : "From wave",
                        da ? "Frihedsgrader" : "df"};
    lxw_worksheet *ws = label_sheet(x, "Ændringer", "Changes", cc, 12);
    lxw_row_t row = 1;
    for (size_t i = 0; ws && i < r->n_measures; i++) {
        const helby_report_measure *m = &r->measures[i];
        for (size_t w = 1; m->change && w < r->n_waves; w++)
            for (int g = 0; g < HELBY_RG_N; g++)
                for (int k = 0; k < 2; k++) {
                    const helby_report_cell *c = &m->change[(w * HELBY_RG_N + (size_t)g) * 2 + k];
                    if (!c->present)
                        continue;
                    worksheet_write_string(ws, row, 0, mlabel(r, m->name), NULL);
                    xl_wave(x, ws, row, 1, r->waves[w]);
                    worksheet_write_string(ws, row, 2, gname(r, g), NULL);
                    worksheet_write_string(ws, row, 3, report_t(r, k ? "chg_base" : "chg_prev"),
                                           NULL);
                    cell(x, ws, row, 4, c, m->kind == 2 ? x->pct : x->f1);
                    xl_wave(x, ws, row, 10, k ? m->baseline : r->waves[w - 1]);
                    if (c->mark == HELBY_CELL_SHOWN)
                        num(ws, row, 11, c->df, x->f1);
                    row++;
                }
    }
    if (ws && row > 1) {
        char rule[512];
        report_change_rule(r, rule, sizeof rule);
        worksheet_write_string(ws, row + 1, 0, rule, NULL);
    }
}

/* Subgroups of compute --by: per by-variable, level, measure and wave both groups, the gap
 * and its change since the baseline. No sheet when the run has none. */
static void xl_subgroups(xl *x)
{
    const helby_report *r = x->r;
    if (!r->n_subgroups)
        return;
    int da = !strcmp(r->lang, "da");
    static const char *qk[HELBY_RS_N] = {"danes", "minorities", "gap", "gap_change"};
    const char *cc[] = {da ? "Indikator" : "Measure",
                        da ? "Variabel" : "Variable",
                        da ? "Niveau" : "Level",
                        report_t(r, "wave"),
                        da ? "Størrelse" : "Quantity",
                        report_t(r, "estimate"),
                        "SE",
                        da ? "KI nedre" : "CI low",
                        da ? "KI øvre" : "CI high",
                        "n",
                        da ? "Markering" : "Flag"};
    lxw_worksheet *ws = label_sheet(x, "Undergrupper", "Subgroups", cc, 11);
    lxw_row_t row = 1;
    for (size_t i = 0; ws && i < r->n_subgroups; i++) {
        const helby_report_subgroup *g = &r->subgroups[i];
        const helby_report_measure *m = &r->measures[g->measure];
        for (size_t l = 0; l < g->n_levels; l++)
            for (size_t w = 0; w < r->n_waves; w++)
                for (int k = 0; k < HELBY_RS_N; k++) {
                    const helby_report_cell *c = &g->cells[(l * r->n_waves + w) * HELBY_RS_N + k];
                    if (!c->present)
                        continue;
                    worksheet_write_string(ws, row, 0, mlabel(r, m->name), NULL);
                    worksheet_write_string(ws, row, 1, g->label, NULL);
                    worksheet_write_string(ws, row, 2, g->level_labels[l], NULL);
                    xl_wave(x, ws, row, 3, r->waves[w]);
                    worksheet_write_string(ws, row, 4, report_t(r, qk[k]), NULL);
                    cell(x, ws, row, 5, c, m->kind == 2 ? x->pct : x->f1);
                    row++;
                }
    }
}

/* "Regression on age band and sex", "Direct standardisation by ...": the adjustment in words,
 * not the run's key ("regression:ageband+sex", which the CSV and JSON keep). */
static void adjustment_words(const helby_report *r, const helby_report_goal *g, char *buf, size_t n)
{
    int da = !strcmp(r->lang, "da");
    const char *how = g->adj_standardise
                          ? (da ? "Direkte standardisering efter" : "Direct standardisation by")
                          : (da ? "Regression på" : "Regression on");
    snprintf(buf, n, "%s %s", how, g->adj_covariates);
}

/* Goals with `adjust`: each wave's gap, adjusted gap, explained and unexplained parts, then
 * the adjusted verdict; the sentence beside the verdict. No sheet when no goal has them. */
static void xl_adjusted(xl *x)
{
    const helby_report *r = x->r;
    int da = !strcmp(r->lang, "da"), any = 0;
    for (size_t i = 0; i < r->n_goals; i++)
        any |= r->goals[i].adj != NULL;
    static const char *qk[HELBY_RA_N] = {"adj_gap", "adj_adjusted", "adj_explained",
                                         "adj_unexplained"};
    const char *cc[] = {
        report_t(r, "goal"),           da ? "Justering" : "Adjustment", report_t(r, "wave"),
        da ? "Størrelse" : "Quantity", report_t(r, "estimate"),         "SE",
        da ? "KI nedre" : "CI low",    da ? "KI øvre" : "CI high",      "n",
        da ? "Markering" : "Flag",     report_t(r, "in_words")};
    lxw_worksheet *ws = any ? sheet(x, "Justeret", "Adjusted", cc, 11) : NULL;
    lxw_row_t row = 1;
    for (size_t i = 0; ws && i < r->n_goals; i++) {
        const helby_report_goal *g = &r->goals[i];
        char gn[128], how[256];
        goal_name(g, gn, sizeof gn);
        adjustment_words(r, g, how, sizeof how);
        for (size_t w = 0; g->adj && w < r->n_waves; w++)
            for (size_t k = 0; k < HELBY_RA_N; k++, row++) {
                worksheet_write_string(ws, row, 0, gn, NULL);
                worksheet_write_string(ws, row, 1, how, NULL);
                xl_wave(x, ws, row, 2, r->waves[w]);
                worksheet_write_string(ws, row, 3, report_t(r, qk[k]), NULL);
                cell(x, ws, row, 4, &g->adj[w * HELBY_RA_N + k], g->adj_share ? x->pct : x->f1);
            }
        if (!g->adj)
            continue;
        worksheet_write_string(ws, row, 0, gn, NULL);
        worksheet_write_string(ws, row, 1, how, NULL);
        xl_wave(x, ws, row, 2, g->wave);
        worksheet_write_string(ws, row, 3, report_t(r, "verdict"), NULL);
        cell(x, ws, row, 4, &g->adj_q, x->pct);
        worksheet_write_string(ws, row++, 10, g->adj_sentence, x->wrap);
    }
    if (ws)
        worksheet_set_column(ws, 10, 10, 80, NULL);
}

/* Districts. */
static void xl_districts(xl *x)
{
    const helby_report *r = x->r;
    int da = !strcmp(r->lang, "da");
    const char *dc[] = {
        da ? "Indikator" : "Measure", report_t(r, "district"),    report_t(r, "wave"),
        da ? "Gruppe" : "Group",      report_t(r, "estimate"),    "SE",
        da ? "KI nedre" : "CI low",   da ? "KI øvre" : "CI high", "n",
        da ? "Markering" : "Flag"};
    lxw_worksheet *ws = sheet(x, "Bydele", "Districts", dc, 10);
    if (ws)
        worksheet_set_column(ws, 0, 0, 30, NULL);
    lxw_row_t row = 1;
    for (size_t i = 0; ws && i < r->n_measures; i++) {
        const helby_report_measure *m = &r->measures[i];
        for (size_t d = 0; d < r->n_districts; d++)
            for (size_t w = 0; w < r->n_waves; w++)
                for (int g = 0; g < 2; g++) {
                    const helby_report_cell *c = &m->district[(d * r->n_waves + w) * 2 + (size_t)g];
                    if (!c->present)
                        continue;
                    worksheet_write_string(ws, row, 0, mlabel(r, m->name), NULL);
                    worksheet_write_string(ws, row, 1,
                                           r->district_labels ? r->district_labels[d] : "", NULL);
                    xl_wave(x, ws, row, 2, r->waves[w]);
                    worksheet_write_string(ws, row, 3, gname(r, g), NULL);
                    cell(x, ws, row, 4, c, m->kind == 2 ? x->pct : x->f1);
                    row++;
                }
    }
}

/* Reliability. */
static void xl_reliability(xl *x)
{
    const helby_report *r = x->r;
    int da = !strcmp(r->lang, "da");
    const char *rc[] = {report_t(r, "dimension"), da ? "Cronbachs α" : "Cronbach's α", "n"};
    lxw_worksheet *ws = label_sheet(x, "Reliabilitet", "Reliability", rc, 3);
    lxw_row_t row = 1;
    for (size_t i = 0; ws && i < r->n_measures; i++) {
        const helby_report_measure *m = &r->measures[i];
        if (m->kind != 1)
            continue;
        worksheet_write_string(ws, row, 0, mlabel(r, m->name), NULL);
        num(ws, row, 1, m->alpha, x->f3);
        worksheet_write_number(ws, row, 2, (double)m->alpha_n, x->n0);
        row++;
    }
}

/* Weighting diagnostics. */
static void xl_weighting(xl *x)
{
    const helby_report *r = x->r;
    int da = !strcmp(r->lang, "da");
    if (r->weighting) {
        const char *wc[] = {report_t(r, "wave"), report_t(r, "diagnostic"), da ? "Værdi" : "Value"};
        lxw_worksheet *ws = sheet(x, "Vægtning", "Weighting", wc, 3);
        lxw_row_t row = 1;
        for (const char *p = r->weighting; ws && *p; row++) {
            size_t len = strcspn(p, "\n");
            char line[512];
            snprintf(line, sizeof line, "%.*s", (int)len, p);
            p += len + (p[len] == '\n');
            char *k = strchr(line, '\t'), *v = k ? strchr(k + 1, '\t') : NULL;
            if (!k || !v)
                continue;
            *k++ = '\0';
            *v++ = '\0';
            xl_wave(x, ws, row, 0, strtol(line, NULL, 10));
            char lab[160];
            report_diag_label(r, k, lab, sizeof lab);
            worksheet_write_string(ws, row, 1, lab, NULL);
            char *end;
            double d = strtod(v, &end);
            if (*v && !*end)
                worksheet_write_number(ws, row, 2, d, NULL);
            else
                worksheet_write_string(ws, row, 2, v, NULL);
        }
    }
}

/* Provenance and method. */
static void xl_run(xl *x)
{
    const helby_report *r = x->r;
    int da = !strcmp(r->lang, "da");
    const char *pc[] = {da ? "Felt" : "Field", da ? "Værdi" : "Value"};
    lxw_worksheet *ws = sheet(x, "Kørsel og metode", "Run and method", pc, 2);
    if (!ws)
        return;
    char b[64], var[32] = "linearization";
    const char *vp = strstr(r->run.options, "variance=");
    if (vp)
        sscanf(vp, "variance=%31[^;]", var);
    /* The options as named values, not the run's option string (0.94999999999999996). */
    const char *kv[][2] = {
        {da ? "Titel" : "Title", r->title},
        {da ? "Survey" : "Survey", r->run.survey},
        {da ? "Kørsel" : "Run", (snprintf(b, sizeof b, "%lld", (long long)r->run.id), b)},
        {da ? "Oprettet" : "Created", r->run.created_at},
        {"helby", r->run.engine},
        {da ? "Variansmetode" : "Variance method",
         !strcmp(var, "linearization") ? (da ? "Taylor-linearisering" : "Taylor linearization")
                                       : var},
        {da ? "Vægte" : "Weights", r->weights},
        {da ? "Definition (SHA-256)" : "Definition (SHA-256)", r->run.def_hash},
        {da ? "Inddata (SHA-256)" : "Inputs (SHA-256)", r->run.inputs},
        {da ? "Resultat (SHA-256)" : "Result (SHA-256)", r->run.result_hash},
        {report_t(r, "methods"), r->methods},
        {da ? "Tegn" : "Marks", report_t(r, "legend")},
    };
    lxw_row_t row = 1;
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++, row++) {
        worksheet_write_string(ws, row, 0, kv[i][0], NULL);
        worksheet_write_string(ws, row, 1, kv[i][1], x->wrap);
    }
    worksheet_write_string(ws, row, 0, da ? "Konfidensniveau" : "Confidence level", NULL);
    worksheet_write_number(ws, row++, 1, r->level, x->pct);
    worksheet_write_string(ws, row, 0, da ? "Mindste celle" : "Minimum cell", NULL);
    worksheet_write_number(ws, row++, 1, (double)r->threshold, NULL);
    worksheet_set_column(ws, 0, 0, 22, NULL);
    worksheet_set_column(ws, 1, 1, 110, NULL);
}

/* The sensitivity analysis (runs of compute --sensitivity N): per goal the reference with its
 * sampling CI, the scenarios' median and 5-95 %, the shares of verdicts and the indices per
 * choice; per index the districts' ranks. Numbers as the report shows them (report_sens.c). */
static void sens_row(xl *x, lxw_worksheet *ws, lxw_row_t row, const char *goal, const char *what,
                     const char *measure, const char *choice, double est, double lo, double hi,
                     double n, lxw_format *f)
{
    worksheet_write_string(ws, row, 0, goal, NULL);
    worksheet_write_string(ws, row, 1, what, NULL);
    worksheet_write_string(ws, row, 2, measure, NULL);
    worksheet_write_string(ws, row, 3, choice, x->wrap);
    num(ws, row, 4, est, f);
    num(ws, row, 5, lo, f);
    num(ws, row, 6, hi, f);
    num(ws, row, 7, n, x->n0);
}

static void xl_sensitivity(xl *x)
{
    const helby_report *r = x->r;
    if (!r->sens_n)
        return;
    int da = !strcmp(r->lang, "da");
    const char *c[] = {report_t(r, "goal"),          da ? "Størrelse" : "Quantity",
                       da ? "Indikator" : "Measure", da ? "Valg / bydel" : "Choice / district",
                       report_t(r, "estimate"),      da ? "Nedre" : "Lower",
                       da ? "Øvre" : "Upper",        "n",
                       report_t(r, "verdict")};
    lxw_worksheet *ws = sheet(x, "Robusthed", "Robustness", c, 9);
    if (!ws)
        return;
    lxw_row_t row = 1;
    for (size_t i = 0; i < r->n_sens_goals; i++) {
        const helby_report_sens_goal *G = &r->sens_goals[i];
        const helby_report_goal *g = G->report_goal < r->n_goals ? &r->goals[G->report_goal] : NULL;
        lxw_format *f = g && g->kind == HELBY_TARGET_CHANGE_POSITIVE ? x->f1 : x->pct;
        const helby_report_cell *e = &G->reference;
        const helby_report_measure *m = report_find_measure(r, G->measure);
        const char *ml = m ? m->label : G->measure;
        char gn[128];
        report_sens_goal_name(r, G, gn, sizeof gn);
        sens_row(x, ws, row, gn, da ? "Reference med KI" : "Reference with CI", ml, "", e->estimate,
                 e->ci_low, e->ci_high, (double)e->n, f);
        worksheet_write_string(
            ws, row++, 8, report_t(r, e->mark == HELBY_CELL_SHOWN ? e->flag : "suppressed"), NULL);
        sens_row(x, ws, row++, gn,
                 da ? "Scenarier: median, 5 %, 95 %" : "Scenarios: median, 5 %, 95 %", ml, "",
                 G->median, G->p05, G->p95, (double)G->scenarios, f);
        for (int v = 0; v < 4; v++) {
            sens_row(x, ws, row, gn, da ? "Andel af scenarier" : "Share of scenarios", ml, "",
                     G->share[v], NAN, NAN, (double)G->scenarios, x->pct);
            worksheet_write_string(ws, row++, 8, report_sens_verdict(r, v), NULL);
        }
        for (size_t k = 0; k < G->n_choices; k++) {
            sens_row(x, ws, row++, gn, da ? "Første orden S" : "First-order S", ml,
                     G->choices[k].label, G->choices[k].first, G->choices[k].first_lo,
                     G->choices[k].first_hi, (double)G->scenarios, x->f3);
            sens_row(x, ws, row++, gn, da ? "Samlet ST" : "Total ST", ml, G->choices[k].label,
                     G->choices[k].total, G->choices[k].total_lo, G->choices[k].total_hi,
                     (double)G->scenarios, x->f3);
        }
    }
    for (size_t i = 0; i < r->n_sens_ranks; i++) {
        const helby_report_sens_rank *k = &r->sens_ranks[i];
        const helby_report_measure *km = report_find_measure(r, k->measure);
        const char *kl = km ? km->label : k->measure;
        sens_row(x, ws, row++, "", da ? "Rang: median, 5 %, 95 %" : "Rank: median, 5 %, 95 %", kl,
                 k->label, k->median, k->low, k->high, 2.0 * (double)r->sens_n, x->f1);
        sens_row(x, ws, row++, "", da ? "Definitionens rang" : "The definition's rank", kl,
                 k->label, k->reference, NAN, NAN, NAN, x->n0);
    }
    worksheet_set_column(ws, 1, 1, 30, NULL);
    worksheet_set_column(ws, 3, 3, 44, NULL);
}

/* The workbook, written to tmp. */
static helby_status write_workbook(const helby_report *r, const char *tmp, const char *path,
                                   helby_error *err)
{
    xl x = {r, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    lxw_workbook_options wo = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
    x.wb = workbook_new_opt(tmp, &wo);
    if (!x.wb)
        return helby_error_at(err, HELBY_EIO, path, 0, 0, NULL, "cannot create the workbook");
    x.head = workbook_add_format(x.wb);
    format_set_bold(x.head);
    format_set_bg_color(x.head, 0xEEEEEE);
    format_set_bottom(x.head, LXW_BORDER_THIN);
    x.f1 = workbook_add_format(x.wb);
    format_set_num_format(x.f1, "0.0");
    x.f3 = workbook_add_format(x.wb);
    format_set_num_format(x.f3, "0.000");
    x.pct = workbook_add_format(x.wb);
    format_set_num_format(x.pct, "0.0%");
    x.n0 = workbook_add_format(x.wb);
    format_set_num_format(x.n0, "0");
    x.wrap = workbook_add_format(x.wb);
    format_set_text_wrap(x.wrap);
    format_set_align(x.wrap, LXW_ALIGN_VERTICAL_TOP);
    x.mark = workbook_add_format(x.wb);
    format_set_align(x.mark, LXW_ALIGN_CENTER);
    format_set_font_color(x.mark, 0x595959);

    xl_goals(&x);
    xl_levels(&x);
    xl_comparisons(&x);
    xl_changes(&x);
    xl_subgroups(&x);
    xl_districts(&x);
    xl_sensitivity(&x);
    xl_reliability(&x);
    xl_weighting(&x);
    xl_adjusted(&x); /* goals with adjust only */
    xl_run(&x);
    lxw_error e = workbook_close(x.wb);
    if (e != LXW_NO_ERROR)
        return helby_error_at(err, HELBY_EIO, path, 0, 0, NULL, "writing the workbook failed: %s",
                              lxw_strerror(e));
    return HELBY_OK;
}

helby_status helby_report_write_xlsx(const helby_report *r, const char *path, helby_error *err)
{
    /* Written beside path and renamed onto it when complete: a killed report leaves no
     * corrupt workbook (nor removes the older one). */
    char *tmp;
    int fd;
    helby_status s = helby_outfile_begin(path, 0, &tmp, &fd, err);
    if (s)
        return s;
    close(fd); /* libxlsxwriter writes the file by its name */
    if ((s = write_workbook(r, tmp, path, err))) {
        helby_outfile_abort(tmp);
        return s;
    }
    return helby_outfile_commit(tmp, path, err);
}
