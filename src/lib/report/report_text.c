/* report_text.c — text, Markdown, CSV and JSON renderings of a report (helby/report.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "report/report_internal.h"

/* ---- Machine-readable rows: one per published quantity (CSV and JSON) ---- */

typedef struct row {
    const char *section, *measure, *label, *group, *quantity, *district;
    long wave, baseline;
    const helby_report_cell *c;
    const char *group_label; /* the group's or origin code's label; "" for other rows */
} row;

/* A row of section "subgroup" (compute --by): the row, its by-variable and level. */
typedef struct sub_row {
    row base;
    const char *by;
    double level;
    const char *level_label;
} sub_row;

/* The subgroup part of x, or NULL for a row of another section. */
static const sub_row *sub_of(const row *x)
{
    return strcmp(x->section, "subgroup") ? NULL : (const sub_row *)x;
}

typedef void (*row_fn)(const helby_report *r, const row *x, void *ctx);

static const char *group_key(int g)
{
    return g == HELBY_RG_DANES ? "danes" : g == HELBY_RG_MINORITIES ? "minorities" : "all";
}

static const char *qkey(int q)
{
    static const char *k[HELBY_RQ_N] = {"gap", "ratio", "gap_change", "rel_gap_change",
                                        "ratio_change"};
    return k[q];
}

/* Goals with `adjust`: each wave's gap, adjusted gap, explained and unexplained parts
 * (section "adjusted"), then the adjusted verdict (section "goal_adjusted"); group_label the
 * method and covariates as the run names them ("regression:ageband+sex"). */
static void adjusted_rows(const helby_report *r, row_fn fn, void *ctx)
{
    static const char *q[HELBY_RA_N] = {"gap", "adjusted_gap", "explained", "unexplained"};
    for (size_t i = 0; i < r->n_goals; i++) {
        const helby_report_goal *g = &r->goals[i];
        for (size_t w = 0; g->adj && w < r->n_waves; w++)
            for (size_t k = 0; k < HELBY_RA_N; k++) {
                const helby_report_cell *c = &g->adj[w * HELBY_RA_N + k];
                row x = {"adjusted", g->measure,  g->label,    "", q[k],
                         "",         r->waves[w], g->baseline, c,  g->adj_spec};
                if (c->present)
                    fn(r, &x, ctx);
            }
        if (g->adj && g->adj_q.present) {
            row x = {"goal_adjusted", g->measure,  g->label,  "",         g->goal, "",
                     g->wave,         g->baseline, &g->adj_q, g->adj_spec};
            fn(r, &x, ctx);
        }
    }
}

/* Each group's change since the previous wave (baseline column: that wave) and since the
 * baseline (section "change", quantity change_previous or change_baseline; flag
 * "significant" when its CI excludes 0). */
static void change_rows(const helby_report *r, const helby_report_measure *m, row_fn fn, void *ctx)
{
    static const char *q[2] = {"change_previous", "change_baseline"};
    for (size_t w = 1; m->change && w < r->n_waves; w++)
        for (int g = 0; g < HELBY_RG_N; g++)
            for (int k = 0; k < 2; k++) {
                const helby_report_cell *c = &m->change[(w * HELBY_RG_N + (size_t)g) * 2 + k];
                if (!c->present)
                    continue;
                row x = {"change",    m->name,
                         m->label,    group_key(g),
                         q[k],        "",
                         r->waves[w], k ? m->baseline : r->waves[w - 1],
                         c,           report_t(r, group_key(g))};
                fn(r, &x, ctx);
            }
}

/* Each goal's verdict row; goal 6 (all residents) also by group, without a verdict. */
static void goal_rows(const helby_report *r, row_fn fn, void *ctx)
{
    for (size_t i = 0; i < r->n_goals; i++) {
        const helby_report_goal *g = &r->goals[i];
        row x = {"goal", g->measure, g->label, "", g->goal, "", g->wave, g->baseline, &g->q, ""};
        fn(r, &x, ctx);
        for (int k = 0; g->has_by_group && k < 2; k++) { /* goal 6 by group: no verdict */
            row y = {"goal_by_group", g->measure,
                     g->label,        group_key(k),
                     g->goal,         "",
                     g->wave,         g->baseline,
                     &g->by_group[k], report_t(r, group_key(k))};
            fn(r, &y, ctx);
        }
    }
}

/* Subgroups of compute --by (section "subgroup"): per by-variable, level, measure and wave
 * both groups' estimates, the gap and its change since the baseline. */
static void subgroup_rows(const helby_report *r, row_fn fn, void *ctx)
{
    static const char *q[HELBY_RS_N] = {"estimate", "estimate", "gap", "gap_change"};
    for (size_t i = 0; i < r->n_subgroups; i++) {
        const helby_report_subgroup *g = &r->subgroups[i];
        const helby_report_measure *m = &r->measures[g->measure];
        for (size_t l = 0; l < g->n_levels; l++)
            for (size_t w = 0; w < r->n_waves; w++)
                for (int k = 0; k < HELBY_RS_N; k++) {
                    const helby_report_cell *c = &g->cells[(l * r->n_waves + w) * HELBY_RS_N + k];
                    if (!c->present)
                        continue;
                    int grp = k < 2;
                    sub_row x = {{"subgroup", m->name, m->label, grp ? group_key(k) : "", q[k], "",
                                  r->waves[w], grp ? 0 : g->baseline, c,
                                  grp ? report_t(r, group_key(k)) : ""},
                                 g->by,
                                 g->levels[l],
                                 g->level_labels[l]};
                    fn(r, &x.base, ctx);
                }
    }
}

static void each_row(const helby_report *r, row_fn fn, void *ctx)
{
    const size_t W = r->n_waves, D = r->n_districts;
    goal_rows(r, fn, ctx);
    for (size_t i = 0; i < r->n_measures; i++) {
        const helby_report_measure *m = &r->measures[i];
        for (size_t w = 0; w < W; w++)
            for (int g = 0; g < HELBY_RG_N; g++) {
                row x = {"level",
                         m->name,
                         m->label,
                         group_key(g),
                         "estimate",
                         "",
                         r->waves[w],
                         0,
                         &m->level[w * HELBY_RG_N + (size_t)g],
                         report_t(r, group_key(g))};
                fn(r, &x, ctx);
            }
        for (size_t w = 0; w < W; w++) /* origin subgroups: group holds the code */
            for (size_t k = 0; k < r->n_origins; k++) {
                char code[32];
                snprintf(code, sizeof code, "%.17g", r->origins[k]);
                row x = {"origin",
                         m->name,
                         m->label,
                         code,
                         "estimate",
                         "",
                         r->waves[w],
                         0,
                         &m->origin[w * r->n_origins + k],
                         r->origin_labels[k]};
                fn(r, &x, ctx);
            }
        for (size_t w = 0; w < W; w++)
            for (int q = 0; q < HELBY_RQ_N; q++) {
                const helby_report_cell *c = &m->cmp[w * HELBY_RQ_N + (size_t)q];
                if (!c->present)
                    continue;
                row x = {"comparison", m->name,     m->label,    "", qkey(q),
                         "",           r->waves[w], m->baseline, c,  ""};
                fn(r, &x, ctx);
            }
        change_rows(r, m, fn, ctx);
        for (size_t d = 0; d < D; d++)
            for (size_t w = 0; w < W; w++)
                for (int g = 0; g < 2; g++) {
                    const helby_report_cell *c = &m->district[(d * W + w) * 2 + (size_t)g];
                    if (!c->present)
                        continue;
                    row x = {"district",  m->name,
                             m->label,    group_key(g),
                             "estimate",  r->district_labels ? r->district_labels[d] : "",
                             r->waves[w], 0,
                             c,           report_t(r, group_key(g))};
                    fn(r, &x, ctx);
                }
        if (!isnan(m->alpha)) {
            helby_report_cell a = {0};
            a.present = 1;
            a.estimate = m->alpha;
            a.se = a.ci_low = a.ci_high = a.df = NAN;
            a.n = m->alpha_n;
            row x = {"reliability", m->name, m->label, "", "cronbach_alpha", "", 0, 0, &a, ""};
            fn(r, &x, ctx);
        }
    }
    adjusted_rows(r, fn, ctx);
    subgroup_rows(r, fn, ctx);
}

static const char *flag_of(const helby_report_cell *c)
{
    if (c->mark == HELBY_CELL_PRIMARY)
        return "suppressed";
    if (c->mark == HELBY_CELL_COMPLEMENTARY)
        return "suppressed-complementary";
    if (c->mark == HELBY_CELL_EMPTY)
        return "empty";
    if (*c->flag)
        return c->flag;
    return c->unreliable ? "unreliable" : "";
}

static void csv_row(const helby_report *r, const row *x, void *ctx)
{
    FILE *o = ctx;
    const helby_report_cell *c = x->c;
    int shown = c->mark == HELBY_CELL_SHOWN;
    fprintf(o, "%s;%s;", x->section, x->measure);
    report_csv_field(r, o, x->label);
    fputc(';', o);
    report_csv_wave(r, o, x->wave);
    if (x->baseline)
        fprintf(o, "%ld", x->baseline);
    fprintf(o, ";%s;", x->group);
    report_csv_field(r, o, x->district);
    fprintf(o, ";%s;", x->quantity);
    if (shown) {
        report_csv_num(o, c->estimate);
        fputc(';', o);
        report_csv_num(o, c->se);
        fputc(';', o);
        report_csv_num(o, c->ci_low);
        fputc(';', o);
        report_csv_num(o, c->ci_high);
        fprintf(o, ";%zu;", c->n);
    } else {
        fputs(";;;;;", o);
    }
    fprintf(o, "%s;", flag_of(c));
    report_csv_field(r, o, x->group_label);
    const sub_row *sr = sub_of(x);
    if (r->n_subgroups && sr) { /* by;level;level_label */
        fprintf(o, ";%s;%.17g;", sr->by, sr->level);
        report_csv_field(r, o, sr->level_label);
    } else if (r->n_subgroups) {
        fputs(";;;", o);
    }
    fputc('\n', o);
}

typedef struct jctx {
    FILE *o;
    int first;
} jctx;

static void json_row(const helby_report *r, const row *x, void *ctx)
{
    jctx *j = ctx;
    FILE *o = j->o;
    const helby_report_cell *c = x->c;
    int shown = c->mark == HELBY_CELL_SHOWN;
    fprintf(o, "%s\n  {\"section\": \"%s\", \"measure\": ", j->first ? "" : ",", x->section);
    j->first = 0;
    report_json_str(o, x->measure);
    fputs(", \"label\": ", o);
    report_json_str(o, x->label);
    fputs(", ", o);
    report_json_wave(r, o, x->wave);
    fprintf(o, ", \"baseline\": ");
    if (x->baseline)
        fprintf(o, "%ld", x->baseline);
    else
        fputs("null", o);
    fprintf(o, ", \"group\": \"%s\", \"district\": ", x->group);
    report_json_str(o, x->district);
    fprintf(o, ", \"quantity\": \"%s\", \"estimate\": ", x->quantity);
    report_json_num(o, shown ? c->estimate : NAN);
    fputs(", \"se\": ", o);
    report_json_num(o, shown ? c->se : NAN);
    fputs(", \"ci_low\": ", o);
    report_json_num(o, shown ? c->ci_low : NAN);
    fputs(", \"ci_high\": ", o);
    report_json_num(o, shown ? c->ci_high : NAN);
    fputs(", \"n\": ", o);
    if (shown)
        fprintf(o, "%zu", c->n);
    else
        fputs("null", o);
    fprintf(o, ", \"flag\": \"%s\", \"group_label\": ", flag_of(c));
    report_json_str(o, x->group_label);
    const sub_row *sr = sub_of(x);
    if (sr) {
        fputs(", \"by\": ", o);
        report_json_str(o, sr->by);
        fputs(", \"level\": ", o);
        report_json_num(o, sr->level);
        fputs(", \"level_label\": ", o);
        report_json_str(o, sr->level_label);
    }
    fputc('}', o);
}

static void write_csv(const helby_report *r, FILE *o)
{
    fputs(r->waves_labelled ? "section;measure;label;wave;wave_label;baseline;" /* labelled */
                            : "section;measure;label;wave;baseline;",
          o);
    fputs(r->n_subgroups
              ? "group;district;quantity;estimate;se;ci_low;ci_high;n;flag;group_label;"
                "by;level;level_label\n"
              : "group;district;quantity;estimate;se;ci_low;ci_high;n;flag;group_label\n",
          o);
    each_row(r, csv_row, o);
    report_sens_csv(r, o);
}

static void write_json(const helby_report *r, FILE *o)
{
    fprintf(o, "{\"run\": %lld, \"survey\": ", (long long)r->run.id);
    report_json_str(o, r->run.survey);
    fputs(", \"title\": ", o);
    report_json_str(o, r->title);
    fprintf(o, ", \"lang\": \"%s\", \"engine\": ", r->lang);
    report_json_str(o, r->run.engine);
    fputs(", \"options\": ", o);
    report_json_str(o, r->run.options);
    fprintf(o,
            ", \"definition\": \"%s\", \"result_sha256\": \"%s\", \"min_cell\": %zu,\n"
            " \"methods\": ",
            r->run.def_hash, r->run.result_hash, r->threshold);
    report_json_str(o, r->methods);
    fputs(",\n \"goals\": [", o);
    for (size_t i = 0; i < r->n_goals; i++) {
        fprintf(o, "%s{\"goal\": \"%s\", \"verdict\": \"%s\", \"rule\": ", i ? ", " : "",
                r->goals[i].goal, r->goals[i].q.flag);
        report_json_str(o, r->goals[i].rule);
        fputs(", \"label\": ", o);
        report_json_str(o, r->goals[i].label);
        fputs(", \"sentence\": ", o);
        report_json_str(o, r->goals[i].sentence);
        if (r->goals[i].has_by_group) {
            fputs(", \"by_group\": ", o);
            report_json_str(o, r->goals[i].by_group_text);
        }
        if (r->goals[i].adj) {
            fprintf(o, ", \"adjusted_verdict\": \"%s\", \"adjust\": ", r->goals[i].adj_q.flag);
            report_json_str(o, r->goals[i].adj_spec);
            fputs(", \"adjusted_sentence\": ", o);
            report_json_str(o, r->goals[i].adj_sentence);
        }
        fputc('}', o);
    }
    fputc(']', o);
    report_sens_json(r, o); /* only when the run has the analysis */
    fputs(",\n \"rows\": [", o);
    jctx j = {o, 1};
    each_row(r, json_row, &j);
    fputs("\n]}\n", o);
}

/* ---- Text and Markdown ---- */

static void goals_table(const helby_report *r, int md, FILE *o)
{
    report_table t;
    report_table_init(&t, 5);
    t.left = 5;
    const char *h[5] = {report_t(r, "goal"), report_t(r, "in_words"), report_t(r, "observed"),
                        report_t(r, "verdict"), report_t(r, "rule")};
    report_table_add(&t, h);
    for (size_t i = 0; i < r->n_goals; i++) {
        const helby_report_goal *g = &r->goals[i];
        char v[96], q[768];
        report_goal_value(r, g, v, sizeof v);
        snprintf(q, sizeof q, "%s: %s", g->quantity_label, v);
        if (md && g->has_by_group) /* text: a line of its own below */
            snprintf(q + strlen(q), sizeof q - strlen(q), "; %s", g->by_group_text);
        const char *c[5] = {g->label, g->sentence, q, report_t(r, g->q.flag), g->rule};
        report_table_add(&t, c);
    }
    if (md) {
        report_table_print(&t, 1, o);
    } else {
        for (size_t i = 1; i < t.rows; i++) {
            const helby_report_goal *g = &r->goals[i - 1];
            fprintf(o, "%s\n  %s\n  %s: %s\n", t.cell[i * 5], t.cell[i * 5 + 1], h[2],
                    t.cell[i * 5 + 2]);
            if (g->has_by_group)
                fprintf(o, "  %s\n", g->by_group_text);
            fprintf(o, "  %s: %s\n  %s: %s\n", h[3], t.cell[i * 5 + 3], h[4], t.cell[i * 5 + 4]);
        }
    }
    report_table_free(&t);
}

static void measure_tables(const helby_report *r, const helby_report_measure *m, int md, FILE *o)
{
    char title[320], scale[96];
    report_scale_text(r, m, scale, sizeof scale);
    snprintf(title, sizeof title, "%s (%s)", m->label, scale);
    report_heading(o, md, 3, title);
    report_table t;
    report_table_init(&t, 11);
    char units[4][96];
    const char *uk[4] = {"gap_s", "ratio_s", "did_s", "rel_s"};
    for (int k = 0; k < 4; k++)
        report_col_head(r, m, uk[k], units[k], sizeof units[k]);
    const char *h[11] = {report_t(r, "wave"),
                         report_t(r, "danes"),
                         "n",
                         report_t(r, "minorities"),
                         "n",
                         report_t(r, "all"),
                         "n",
                         units[0],
                         units[1],
                         units[2],
                         units[3]};
    report_table_add(&t, h);
    const double sc = report_scale(m, -1);
    for (size_t w = 0; w < r->n_waves; w++) {
        char c[11][96];
        helby_utf8_copy(c[0], sizeof c[0], report_wave(r, r->waves[w]));
        for (int g = 0; g < 3; g++) {
            const helby_report_cell *x = &m->level[w * 3 + (size_t)g];
            report_cell_text(r, x, sc, 1, c[1 + 2 * g], sizeof c[0]);
            report_n_text(x, c[2 + 2 * g], sizeof c[0]);
        }
        for (int q = 0; q < 4; q++) {
            const helby_report_cell *x = &m->cmp[w * HELBY_RQ_N + (size_t)q];
            report_cell_text(r, x, report_scale(m, q), report_decimals(q), c[7 + q], sizeof c[0]);
        }
        const char *v[11];
        for (int k = 0; k < 11; k++)
            v[k] = c[k];
        report_table_add(&t, v);
    }
    report_table_print(&t, md, o);
    report_table_free(&t);
}

/* The level table's origin subgroups: a wave per row, each code of the group column with
 * its n (at most 15 codes, as a text table has at most 32 columns). */
static void origin_table(const helby_report *r, const helby_report_measure *m, int md, FILE *o)
{
    const size_t O = r->n_origins < 15 ? r->n_origins : 15, C = 1 + 2 * O;
    if (!O)
        return;
    char title[512], scale[96];
    report_scale_text(r, m, scale, sizeof scale);
    snprintf(title, sizeof title, "%s: %s (%s)", m->label, r->origin_title, scale);
    report_heading(o, md, 3, title);
    report_table t;
    report_table_init(&t, C);
    char c[32][112];
    const char *v[32];
    helby_utf8_copy(c[0], sizeof c[0], report_t(r, "wave"));
    for (size_t k = 0; k < O; k++) {
        helby_utf8_copy(c[1 + 2 * k], sizeof c[0], r->origin_labels[k]);
        snprintf(c[2 + 2 * k], sizeof c[0], "n");
    }
    for (size_t j = 0; j < C; j++)
        v[j] = c[j];
    report_table_add(&t, v);
    for (size_t w = 0; w < r->n_waves; w++) {
        helby_utf8_copy(c[0], sizeof c[0], report_wave(r, r->waves[w]));
        for (size_t k = 0; k < O; k++) {
            const helby_report_cell *x = &m->origin[w * r->n_origins + k];
            report_cell_text(r, x, report_scale(m, -1), 1, c[1 + 2 * k], sizeof c[0]);
            report_n_text(x, c[2 + 2 * k], sizeof c[0]);
        }
        report_table_add(&t, v);
    }
    report_table_print(&t, md, o);
    report_table_free(&t);
}

static void district_table(const helby_report *r, const helby_report_measure *m, int md, FILE *o)
{
    const size_t W = r->n_waves, C = 1 + 2 * W;
    char title[256];
    snprintf(title, sizeof title, "%s: %s", report_t(r, "districts"), m->label);
    report_heading(o, md, 3, title);
    report_table t;
    report_table_init(&t, C);
    char(*h)[64] = calloc(C, sizeof *h);
    const char **v = calloc(C, sizeof *v);
    char(*c)[64] = calloc(C, sizeof *c);
    if (!h || !v || !c) {
        free(h), free(v), free(c);
        return;
    }
    helby_utf8_copy(h[0], 64, report_t(r, "district"));
    for (size_t w = 0; w < W; w++) {
        snprintf(h[1 + 2 * w], 64, "%s %s", report_wave(r, r->waves[w]), report_t(r, "danes_s"));
        snprintf(h[2 + 2 * w], 64, "%s %s", report_wave(r, r->waves[w]),
                 report_t(r, "minorities_s"));
    }
    for (size_t j = 0; j < C; j++)
        v[j] = h[j];
    report_table_add(&t, v);
    for (size_t d = 0; d < r->n_districts; d++) {
        helby_utf8_copy(c[0], 64, r->district_labels ? r->district_labels[d] : "");
        for (size_t k = 0; k < 2 * W; k++) {
            const helby_report_cell *x = &m->district[d * 2 * W + k];
            if (x->present && x->mark == HELBY_CELL_SHOWN) {
                helby_report_num(r, x->estimate * report_scale(m, -1), 1, c[1 + k], 64);
                if (x->unreliable)
                    strncat(c[1 + k], " †", 63 - strlen(c[1 + k]));
            } else {
                helby_utf8_copy(c[1 + k], 64, x->present ? report_mark(x) : "");
            }
        }
        for (size_t j = 0; j < C; j++)
            v[j] = c[j];
        report_table_add(&t, v);
    }
    report_table_print(&t, md, o);
    report_table_free(&t);
    free(h), free(v), free(c);
}

static void reliability_table(const helby_report *r, int md, FILE *o)
{
    report_table t;
    report_table_init(&t, 3);
    const char *h[3] = {report_t(r, "dimension"), "α", "n"};
    report_table_add(&t, h);
    for (size_t i = 0; i < r->n_measures; i++) {
        const helby_report_measure *m = &r->measures[i];
        if (m->kind != 1)
            continue;
        char a[32], n[32];
        helby_report_num(r, m->alpha, 3, a, sizeof a);
        snprintf(n, sizeof n, "%zu", m->alpha_n);
        const char *v[3] = {m->label, a, n};
        report_table_add(&t, v);
    }
    report_table_print(&t, md, o);
    report_table_free(&t);
}

/* The weight set's diagnostics: one row per key, one column per wave. */
static void weighting_table(const helby_report *r, int md, FILE *o)
{
    if (!r->weighting)
        return;
    const size_t W = r->n_waves;
    report_table t;
    report_table_init(&t, 1 + W);
    const char **v = calloc(1 + W, sizeof *v);
    char(*c)[128] = calloc(1 + W, sizeof *c);
    if (!v || !c) {
        free(v), free(c);
        return;
    }
    snprintf(c[0], 128, "%s '%s'", report_t(r, "weighting"), r->weights);
    for (size_t w = 0; w < W; w++)
        helby_utf8_copy(c[1 + w], 128, report_wave(r, r->waves[w]));
    for (size_t j = 0; j <= W; j++)
        v[j] = c[j];
    report_table_add(&t, v);
    /* Keys in the order of the first wave. */
    const char *p = r->weighting;
    long w0 = W ? r->waves[0] : 0;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)len, p);
        p = e ? e + 1 : p + len;
        char *k = strchr(line, '\t'), *val = k ? strchr(k + 1, '\t') : NULL;
        if (!k || !val || strtol(line, NULL, 10) != w0)
            continue;
        *val = '\0';
        report_diag_label(r, k + 1, c[0], 128);
        for (size_t w = 0; w < W; w++) {
            c[1 + w][0] = '\0';
            char look[128];
            snprintf(look, sizeof look, "%ld\t%s\t", r->waves[w], k + 1);
            const char *f = strstr(r->weighting, look);
            if (f && (f == r->weighting || f[-1] == '\n')) {
                f += strlen(look);
                size_t l = strcspn(f, "\n");
                char raw[128];
                snprintf(raw, sizeof raw, "%.*s", (int)l, f);
                report_diag_value(r, raw, c[1 + w], 128);
            }
        }
        for (size_t j = 0; j <= W; j++)
            v[j] = c[j];
        report_table_add(&t, v);
    }
    report_table_print(&t, md, o);
    report_table_free(&t);
    free(v), free(c);
}

/* Goals with `adjust`: the sentence, then each wave's gap, adjusted gap, explained and
 * unexplained parts with CIs. Nothing when no goal has them. */
static void adjusted_text(const helby_report *r, int md, FILE *o)
{
    int any = 0;
    for (size_t i = 0; i < r->n_goals; i++)
        any |= r->goals[i].adj != NULL;
    if (!any)
        return;
    report_heading(o, md, 2, report_t(r, "adjusted"));
    for (size_t i = 0; i < r->n_goals; i++) {
        const helby_report_goal *g = &r->goals[i];
        if (!g->adj)
            continue;
        fputs(md ? "**" : "", o);
        report_md(o, md, g->label);
        fprintf(o, "%s\n%s", md ? "**" : "", md ? "\n" : "");
        report_md(o, md, g->adj_sentence);
        fputs("\n\n", o);
        report_table t;
        report_table_init(&t, 5);
        const char *h[5] = {report_t(r, "wave"), report_t(r, "adj_gap"),
                            report_t(r, "adj_adjusted"), report_t(r, "adj_explained"),
                            report_t(r, "adj_unexplained")};
        report_table_add(&t, h);
        double sc = g->adj_share ? 100 : 1;
        for (size_t w = 0; w < r->n_waves; w++) {
            char cells[5][96];
            const char *c[5];
            helby_utf8_copy(cells[0], sizeof cells[0], report_wave(r, r->waves[w]));
            for (size_t k = 0; k < HELBY_RA_N; k++)
                report_cell_text(r, &g->adj[w * HELBY_RA_N + k], sc, 1, cells[k + 1],
                                 sizeof cells[k + 1]);
            for (int k = 0; k < 5; k++)
                c[k] = cells[k];
            report_table_add(&t, c);
        }
        report_table_print(&t, md, o);
        report_table_free(&t);
    }
}

static void write_text(const helby_report *r, int md, FILE *o)
{
    report_heading(o, md, 1, r->title);
    report_header_t h;
    report_header(r, &h);
    const char *key[3] = {"period", "weighting_w", "certainty"};
    const char *val[3] = {h.period, h.weighting, h.certainty};
    for (int i = 0; i < 3; i++) {
        fprintf(o, "%s%s:%s ", md ? "**" : "", report_t(r, key[i]), md ? "**" : "");
        report_md(o, md, val[i]);
        fputs(i < 2 && md ? "\n\n" : "\n", o);
    }
    if (r->def_changed)
        fprintf(o, "%s\n", report_t(r, "no_definition"));
    report_heading(o, md, 2, report_t(r, "goals"));
    if (r->n_goals)
        goals_table(r, md, o);
    else
        fprintf(o, "%s\n", report_t(r, "no_goals"));
    adjusted_text(r, md, o);
    report_heading(o, md, 2, report_t(r, "comparisons"));
    for (size_t i = 0; i < r->n_measures; i++) {
        measure_tables(r, &r->measures[i], md, o);
        report_changes_table(r, &r->measures[i], md, o);
        origin_table(r, &r->measures[i], md, o);
    }
    report_changes_rule_text(r, md, o);
    report_subgroups_text(r, md, o);
    report_heading(o, md, 2, report_t(r, "districts"));
    for (size_t i = 0; i < r->n_measures; i++)
        if (r->measures[i].kind == 0)
            district_table(r, &r->measures[i], md, o);
    report_sens_text(r, md, o);
    report_heading(o, md, 2, report_t(r, "reliability"));
    reliability_table(r, md, o);
    if (r->weighting) {
        report_heading(o, md, 2, report_t(r, "weighting"));
        weighting_table(r, md, o);
    }
    report_heading(o, md, 2, report_t(r, "methods"));
    fprintf(o, "%s\n\n%s\n", r->methods, report_t(r, "legend"));
    report_heading(o, md, 2, report_t(r, "provenance"));
    report_kv kv[8];
    size_t nkv = report_provenance(r, kv, 8);
    for (size_t i = 0; i < nkv; i++) {
        fprintf(o, "%s%s: ", md ? "- " : "", kv[i].key);
        report_md(o, md, kv[i].value);
        fputc('\n', o);
    }
}

helby_status helby_report_write(const helby_report *r, helby_report_format f, int barometer,
                                FILE *out, helby_error *err)
{
    switch (f) {
    case HELBY_REPORT_TEXT:
    case HELBY_REPORT_MD:
        if (barometer)
            report_baro_text(r, f == HELBY_REPORT_MD, out);
        else
            write_text(r, f == HELBY_REPORT_MD, out);
        break;
    case HELBY_REPORT_CSV:
        if (barometer)
            report_baro_write_rows(r, 0, out);
        else
            write_csv(r, out);
        break;
    case HELBY_REPORT_JSON:
        if (barometer)
            report_baro_write_rows(r, 1, out);
        else
            write_json(r, out);
        break;
    case HELBY_REPORT_HTML: return report_write_html(r, barometer, out, err);
    default: return helby_error_set(err, HELBY_EUSAGE, "this format is written to a file (--out)");
    }
    if (ferror(out))
        return helby_error_set(err, HELBY_EIO, "writing the report failed");
    return HELBY_OK;
}
