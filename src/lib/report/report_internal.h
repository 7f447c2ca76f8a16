/* report_internal.h — what the files of report/ share: the model's lookups and disclosure
 * control (report_model.c), words and numbers (report_format.c), text tables and fields
 * (report_table.c), and each part of the model and of the renderers. */
#ifndef HELBY_REPORT_INTERNAL_H
#define HELBY_REPORT_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "helby/analysis.h"
#include "helby/report.h"
#include "helby/survey.h"

typedef struct helby_buf_t {
    char *data;
    size_t len, cap;
} helby_buf_t;

/* ---- Words and numbers (report_format.c) ---- */

/* Append formatted text; -1 when out of memory. */
int report_buf_printf(helby_buf_t *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A label in the report's language ("danes", "gap", "met", ...). */
const char *report_t(const helby_report *r, const char *key);
/* Multiplier for display: shares and relative changes as percent. q: -1 for levels. */
double report_scale(const helby_report_measure *m, int q);
int report_decimals(int q);
/* A measure's scale with the direction cue: "share, %; lower is better". */
void report_scale_text(const helby_report *r, const helby_report_measure *m, char *buf, size_t n);
/* A comparison table's column head with its unit ("Gap (points)", "Rel. gap change (%)"). */
void report_col_head(const helby_report *r, const helby_report_measure *m, const char *key,
                     char *buf, size_t n);
/* "·" primary, "‡" complementary, "†" unreliable, "" otherwise. */
const char *report_mark(const helby_report_cell *c);
/* "62,9 [61,5; 64,4]" (or the mark) in the report's language. */
/* A cell's n as text, "" where it is not shown. */
void report_n_text(const helby_report_cell *c, char *buf, size_t n);
void report_cell_text(const helby_report *r, const helby_report_cell *c, double scale, int dec,
                      char *buf, size_t n);
const char *report_register_verdict(const helby_report_indicator *ind);

/* ---- Lookups in the model (report_model.c) ---- */

/* The value of key in a run row's domain text ("group=1,wave=2011") into out, or NULL. */
const char *report_dom_get(const char *dom, const char *key, char *out, size_t n);

/* Origin subgroups (report_origin.c): the codes of the group column in the run's rows with
 * their labels and groups; each measure's cells from the rows; their disclosure control
 * after the level table's (docs/method.md §8). */
helby_status report_origins_collect(helby_report *r, const helby_survey *s,
                                    const helby_run_row *rows, size_t n, helby_error *err);
helby_status report_origins_fill(helby_report *r, const helby_run_row *rows, size_t n,
                                 helby_error *err);
void report_origins_suppress(helby_report *r, helby_report_measure *m);

/* The measure called name, or NULL; the index of wave w in r->waves, or (size_t)-1. */
const helby_report_measure *report_find_measure(const helby_report *r, const char *name);
size_t report_wave_index(const helby_report *r, long w);
/* Wave w's name for people: the wave variable's value label in the codebook (`Forår 2015`),
 * else the code ("2011"). */
const char *report_wave(const helby_report *r, long w);
/* A label inside a sentence: its first letter lower-cased unless it starts an acronym. */
void report_lower_first(char *buf, size_t n, const char *label);
/* Goals with `adjust` (report_adjust.c): each goal's adjusted cells from the run's rows (after
 * the goals and the level tables' suppression), hidden below the threshold or where a group
 * cell of their wave is hidden, and its adj_sentence; the adjusted verdict in words. */
helby_status report_adjust_fill(helby_report *r, const helby_survey *s, const helby_run_row *rows,
                                size_t n, helby_error *err);
void report_adjust_verdict(const helby_report *r, const helby_report_goal *g, char *buf, size_t n);
/* The HTML section of goals with adjusted cells (report_adjust_html.c); nothing without. */
void report_adjust_html(const helby_report *r, FILE *o);
/* Label with X filled in, rule, quantity label and sentence of a goal (report_goal.c). */
void report_goal_texts(helby_report *r, helby_report_goal *g);
/* The run's df when it fixed one (";df=N"), else 0: each quantity's own. */
double report_run_df(const helby_report *r);

/* Subgroups of compute --by (report_subgroup.c): filled from the run's "by=" rows after
 * the measures' own disclosure control; text or Markdown and HTML sections. */
helby_status report_subgroups_fill(helby_report *r, const helby_survey *s,
                                   const helby_run_row *rows, size_t n, helby_error *err);
void report_subgroups_free(helby_report *r);
void report_subgroups_text(const helby_report *r, int md, FILE *o);
void report_subgroups_html(const helby_report *r, FILE *o);

/* Changes between waves (report_change.c): fills every measure's `change` after disclosure
 * control; a cell's significance (shown, CI excludes 0); the rule in words; a cell as text
 * ("+2,3 [0,5; 4,1] *"); the measure's table of changes as text or Markdown, and as HTML. */
helby_status report_changes_fill(helby_report *r, helby_error *err);
/* The change now - then of two level cells (helby_wave_change on the run's level and fixed
 * df; normal or t CI); hidden with the worse mark where either is hidden, flag "significant"
 * where its CI excludes 0. */
void report_change_of(const helby_report *r, const helby_report_cell *now,
                      const helby_report_cell *then, int normal, helby_report_cell *out);
int report_change_significant(const helby_report_cell *c);
void report_change_rule(const helby_report *r, char *buf, size_t n);
void report_change_text(const helby_report *r, const helby_report_measure *m,
                        const helby_report_cell *c, char *buf, size_t n);
void report_changes_table(const helby_report *r, const helby_report_measure *m, int md, FILE *o);
void report_changes_html(const helby_report *r, const helby_report_measure *m, FILE *o);
/* The rule once, under the comparisons (when a measure has changes). */
void report_changes_rule_text(const helby_report *r, int md, FILE *o);
/* The goal's quantity with CI and unit: "−45,7 [−61,8; −29,6] %". */
void report_goal_value(const helby_report *r, const helby_report_goal *g, char *buf, size_t n);

/* The decimals (at least dec, at most 6) at which the bounds lo and hi of a CI, in display
 * units, are each visibly on their side of the target x ("0.0" for a bound of 0.0226 above a
 * target of 0 becomes "0.02"): rounding must not contradict the verdict. */
int report_goal_decimals(double lo, double hi, double x, int dec);

/* The goal's target in the quantity's sign and unit: "≤ −10 %", "> 0 points". */
void report_goal_target(const helby_report *r, const helby_report_goal *g, char *buf, size_t n);

/* The goal's quantity's unit after a number ("%", "point") and its display scale (100 for
 * relative kinds and shares). */
const char *report_goal_unit(const helby_report *r, const helby_report_goal *g);
double report_goal_scale(const helby_report *r, const helby_report_goal *g);

/* Text tables, headings and machine-readable fields (report_table.c). */
typedef struct report_table {
    size_t cols, rows;
    size_t left; /* leading columns aligned left (text columns) */
    char **cell; /* rows x cols, malloc'ed strings */
} report_table;
int report_table_init(report_table *t, size_t cols);
int report_table_add(report_table *t, const char *const *vals);
void report_table_free(report_table *t);
/* Aligned text (the first t->left columns left, the others right) or a Markdown table. */
void report_table_print(const report_table *t, int md, FILE *o);
void report_heading(FILE *o, int md, int level, const char *s);
/* s as Markdown text when md (\ ` * _ < > | & ~ and the ]( ][ ![ of links escaped with a
 * backslash, line breaks as spaces: a label can make no markup, link or table cell), else as
 * it is. */
void report_md(FILE *o, int md, const char *s);
/* A text cell of the report CSV: quoted as needed, a formula-like text (=, +, -, @, tab, CR)
 * with a leading ' unless r->csv_raw (helby_csv_write_cell). */
void report_csv_field(const helby_report *r, FILE *o, const char *s);
void report_csv_num(FILE *o, double v); /* shortest exact; nothing for NaN */
void report_json_str(FILE *o, const char *s);
void report_json_num(FILE *o, double v); /* null for NaN */
/* The report CSV's wave column and, where the codebook labels waves, its wave_label after it,
 * each with its ';' (nothing in them for wave 0, a row of no wave). */
void report_csv_wave(const helby_report *r, FILE *o, long wave);
/* The same in JSON: "wave": W (null for 0) and , "wave_label": "…" where waves are labelled. */
void report_json_wave(const helby_report *r, FILE *o, long wave);

/* The sensitivity analysis of the run (report_sens.c): its rows into r->sens_* (a run without
 * them leaves them empty); the section in text or Markdown, as CSV rows (after the others,
 * same columns) and as the JSON object's "sensitivity" member; the HTML section
 * (report_sens_html.c). */
helby_status report_sens_fill(helby_report *r, const helby_survey *s, const helby_run_row *rows,
                              size_t n, helby_error *err);
void report_sens_free(helby_report *r);
void report_sens_text(const helby_report *r, int md, FILE *o);
void report_sens_csv(const helby_report *r, FILE *o);
void report_sens_json(const helby_report *r, FILE *o);
void report_sens_html(const helby_report *r, FILE *o);
/* "Vægt: Diskrimination" and the like; a verdict's share label. */
const char *report_sens_verdict(const helby_report *r, int v);
/* The displayed value of goal quantity x of sensitivity goal G (scale of its report goal). */
double report_sens_scale(const helby_report *r, const helby_report_sens_goal *G);
/* The goal's name for readers, its label up to a colon ("Goal 4"), into buf. */
const char *report_sens_goal_name(const helby_report *r, const helby_report_sens_goal *G, char *buf,
                                  size_t n);
const char *report_sens_unit(const helby_report *r, const helby_report_sens_goal *G);
/* The warning beside a goal whose baseline gap is not distinguishable from zero. */
const char *report_sens_warning(const helby_report *r);
/* A sensitivity index with its bootstrap CI, "0.034 [−0.025; 0.093]" (3 decimals; the index
 * alone when the run has no CI). */
void report_sens_index_cell(const helby_report *r, double v, double lo, double hi, char *buf,
                            size_t n);
/* Whether any choice of G has a bootstrap CI (runs made with sens_boot). */
int report_sens_has_ci(const helby_report_sens_goal *G);
/* The target in display units (NaN if the goal is not in the report). */
double report_sens_target(const helby_report *r, const helby_report_sens_goal *G);

/* The top of a report for people (report_header.c). */
typedef struct report_header_t {
    char period[64], weighting[768], certainty[640];
} report_header_t;
void report_header(const helby_report *r, report_header_t *h);
/* The run's provenance as key/value lines (at most max; 7 suffice); returns the count. */
typedef struct report_kv {
    char key[64];
    char value[2100];
} report_kv;
size_t report_provenance(const helby_report *r, report_kv *kv, size_t max);

/* One row of the barometer (report_baro.c): a survey goal (g) or a register indicator (ind)
 * with the goal's own quantity per period in display units (goal 4: the reduction of the gap
 * against the baseline in %, the target wave's value the goal's; NaN where hidden), its
 * target, the directions since the previous period and over the whole period ("improving",
 * "worsening", "unchanged", "undefined", "suppressed"), the verdict and the national rule
 * ("forward", "backward", "no_change": the latest value against the base period's, both
 * rounded to dec decimals) with disagree set where one calls the goal good and the other
 * not. */
typedef struct report_baro {
    int goal, survey, suppressed, higher_better, dec, disagree;
    const helby_report_goal *g;
    const helby_report_indicator *ind;
    const char *label, *name, *verdict, *dir_prev, *dir_whole, *travel;
    size_t n, i_base, i_first, i_prev, i_last;
    double v[64], target;
    char period[64][48];
} report_baro;
size_t report_baro_rows(const helby_report *r, report_baro *rows, size_t max);
void report_baro_source(const helby_report *r, const report_baro *b, char *buf, size_t n);
const char *report_baro_period(const report_baro *b, size_t i);
/* The barometer's pages (report_baro_text.c): text or Markdown, CSV or JSON rows, and the
 * cells they share with the HTML page. */
const char *report_baro_t(const helby_report *r, const char *key);
void report_baro_text(const helby_report *r, int md, FILE *o);
void report_baro_write_rows(const helby_report *r, int json, FILE *o);
void report_baro_dir_text(const helby_report *r, const report_baro *b, int whole, char *buf,
                          size_t n);
void report_baro_travel_text(const helby_report *r, const report_baro *b, char *buf, size_t n);
void report_baro_value_text(const helby_report *r, const report_baro *b, char *val, size_t nv,
                            char *tg, size_t nt);
void report_baro_label(const helby_report *r, const report_baro *b, char *buf, size_t n);

/* The run in one line for people (number, time, engine, variance, weights, level, cell). */
void report_run_line(const helby_report *r, char *buf, size_t n);
void report_diag_label(const helby_report *r, const char *key, char *buf, size_t n);
void report_diag_value(const helby_report *r, const char *raw, char *buf, size_t n);

/* HTML text with & < > " escaped (report_format.c). */
void report_esc(FILE *o, const char *s);
/* before, then s escaped for HTML, then after. */
void report_tag_esc(FILE *o, const char *before, const char *s, const char *after);
/* The charts of an index (levels by wave, the gap, the districts) and a sparkline over
 * periods with its target (report_chart.c). */
void report_charts_of(const helby_report *r, FILE *o, const helby_report_measure *m);
void report_sparkline(const helby_report *r, FILE *o, const report_baro *b);
/* The tile map of the districts (report_tiles.c): ethnic minorities' estimates of the latest
 * wave on the definition's grid (districts.csv); nothing when it has none. */
void report_tile_map(const helby_report *r, FILE *o, const helby_report_measure *m);
/* A "nice" tick step (1, 2 or 5 times a power of ten) for a range, and an <svg> opened with
 * its <title> and <desc> referenced by aria-labelledby (report_chart.c). */
double report_tick_step(double range);
void report_chart_open(FILE *o, double w, double h, const char *id, const char *title,
                       const char *desc);

/* The HTML glossary and an index's chart data as a CSV data: link (report_glossary.c). */
void report_glossary_html(const helby_report *r, FILE *o);
void report_chart_data_link(const helby_report *r, FILE *o, const helby_report_measure *m);

helby_status report_write_html(const helby_report *r, int barometer, FILE *out, helby_error *err);

#endif
