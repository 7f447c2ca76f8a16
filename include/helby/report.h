/*
 * helby/report.h — publication tables from a stored run.
 *
 * A report is built from one run of `helby compute` alone (its estimates, the
 * comparisons and goal verdicts it stored, its options and provenance; the
 * labels come from the survey's definition): per measure and wave the
 * estimate of ethnic Danes, minorities and all respondents with CI and n, and of every
 * code of the group column (origin subgroups, when the run has them); the
 * gap, ratio, change since the baseline and difference in differences; the
 * goal verdicts with the rule; the district table; Cronbach's alpha; the
 * weight set's diagnostics; a methods paragraph. Disclosure control
 * (docs/method.md §8) is applied while building: cells with fewer respondents
 * than the threshold are suppressed, with complementary suppression where a
 * margin would reveal them (helby_suppress), and estimates with a relative SE
 * above 30 % are flagged. Only aggregates are ever read: a report has no
 * respondent-level value to leak.
 *
 * Renderers write text, CSV, JSON, Markdown and a self-contained HTML page
 * with inline SVG charts to a caller's stream, and an XLSX workbook to a file.
 * The barometer page adds register indicators (goals 1, 2, 3, 5) read from a
 * small CSV to the two survey goals. This module neither estimates nor prints.
 */
#ifndef HELBY_REPORT_H
#define HELBY_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "helby/error.h"
#include "helby/store.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest is hidden */

/* Marks of helby_suppress. */
enum {
    HELBY_CELL_SHOWN = 0,
    HELBY_CELL_PRIMARY = 1,       /* fewer respondents than the threshold */
    HELBY_CELL_COMPLEMENTARY = 2, /* suppressed so that a margin cannot reveal a primary cell */
    HELBY_CELL_EMPTY = 3          /* no respondents: nothing to publish or to reveal */
};

/* Disclosure control on a rows x cols table of unweighted counts n (row-major). When
 * row_totals, the last column holds each row's margin; when col_totals, the last row holds
 * each column's margin. mark (rows x cols) is in/out: a nonzero mark on entry is kept (a cell
 * suppressed elsewhere). Cells with 0 < n < threshold get HELBY_CELL_PRIMARY, n == 0
 * HELBY_CELL_EMPTY; then, until nothing changes, every line (a row with its margin, a column
 * with its margin) holding exactly one suppressed cell gets a second one: its unsuppressed
 * cell with the smallest n, inner cells before the margin (HELBY_CELL_COMPLEMENTARY).
 * Returns the number of suppressed cells (primary and complementary). Pure. */
size_t helby_suppress(const size_t *n, size_t rows, size_t cols, int row_totals, int col_totals,
                      size_t threshold, unsigned char *mark);

typedef struct helby_report_cell {
    double estimate, se, ci_low, ci_high, df; /* NaN when absent or suppressed */
    size_t n;
    int present;    /* the run has the cell */
    int mark;       /* HELBY_CELL_* */
    int unreliable; /* relative SE above 30 % */
    char flag[16];  /* goals: "met", "not met", "inconclusive" */
} helby_report_cell;

enum { HELBY_RG_DANES = 0, HELBY_RG_MINORITIES, HELBY_RG_ALL, HELBY_RG_N };
enum {
    HELBY_RQ_GAP = 0,    /* Danes - minorities */
    HELBY_RQ_RATIO,      /* minorities / Danes */
    HELBY_RQ_GAP_CHANGE, /* G_t - G_0: difference in differences */
    HELBY_RQ_REL_GAP_CHANGE,
    HELBY_RQ_RATIO_CHANGE,
    HELBY_RQ_N
};

typedef struct helby_report_measure {
    char name[64];
    char label[192];
    int kind;            /* 0 index, 1 dimension, 2 share (a proportion) */
    int lower_is_better; /* the definition's `better` column says lower */
    char parent[64];     /* a dimension's index */
    long baseline;
    helby_report_cell *level;    /* n_waves x HELBY_RG_N */
    helby_report_cell *cmp;      /* n_waves x HELBY_RQ_N */
    helby_report_cell *district; /* n_districts x (n_waves x 2: Danes, minorities) */
    helby_report_cell *origin;   /* n_waves x n_origins (runs without origins: none) */
    /* n_waves x HELBY_RG_N x 2: each group's change since the run's previous wave and since
     * the baseline (helby_wave_change; flag "significant" when its CI excludes 0); hidden
     * where either level is; absent for the first wave and at the baseline. */
    helby_report_cell *change;
    double alpha; /* Cronbach's alpha (NaN if none) */
    size_t alpha_n;
} helby_report_measure;

typedef struct helby_report_goal {
    char goal[32];
    char label[256];
    char measure[64];
    int kind; /* helby_target_kind */
    double x;
    char group[32]; /* the target's group: "all", "danes", "minorities" */
    long wave, baseline;
    long target_wave;           /* targets.csv's target_wave; when it differs from wave (not stored
                                 * yet), the verdict is interim and the sentence opens saying so */
    char target_wave_label[96]; /* its name: the codebook's label of it, else the code */
    /* The goal's quantity as its policy words it (goal 4: the reduction of the gap
     * (G0 - Gt)/G0, positive when the gap narrows; goal 6: the change later minus earlier),
     * the same number with the same sign as compare, runs show and sensitivity; q.flag the
     * verdict. */
    helby_report_cell q;
    /* Relative gap reduction: the gap changed sign (closed and reversed), Fieller's interval
     * of the reduction (NaN when unbounded) and why an inconclusive verdict is so
     * (helby_goal_reason), by the library's rule (helby_goal_judge_reduction) on the run's
     * gaps. */
    int gap_reversed;
    int fieller_bounded;
    double fieller_low, fieller_high;
    int reason;
    char rule[400];
    char quantity_label[128]; /* "Relative change of the gap 2011→2014" */
    char sentence[1024];      /* who, from what to what, by how much, how sure, the verdict */
    /* A target with `adjust` (targets.csv, docs/explaining.md): adj[w * HELBY_RA_N + k] the
     * wave's gap (complete cases), adjusted gap, explained and unexplained parts (raw values;
     * NULL when the goal has none); adj_q the goal judged on the adjusted gap, in q's
     * convention (flag its verdict); adj_sentence the target wave's decomposition and the
     * adjusted verdict in words. */
    helby_report_cell *adj;
    helby_report_cell adj_q;
    int adj_standardise;      /* 0 regression-adjusted, 1 standardised */
    int adj_share;            /* the measure is a share: percentage points */
    char adj_covariates[192]; /* the covariates' labels: "age band and sex" */
    char adj_spec[160];       /* as the run's domains name it: "regression:ageband+sex" */
    char adj_sentence[1024];
    /* A change_positive goal of group "all" (goal 6): the same change for ethnic Danes
     * (by_group[HELBY_RG_DANES]) and for minorities (by_group[HELBY_RG_MINORITIES]) from the
     * report's level cells: e_t - e_0, SE sqrt(se_t^2 + se_0^2) (the waves are independent
     * samples), Satterthwaite df of the two parts (the run's df when it fixed one), t CI at
     * the run's level (docs/reports.md). Informative beside the verdict, never a verdict of
     * its own; a cell hidden when a level cell it uses is. has_by_group 0: other goals. */
    int has_by_group;
    helby_report_cell by_group[2];
    char by_group_text[400]; /* "by group: Danes +4.1 (95 % CI 1.0 to 7.2), ..."; "" without */
} helby_report_goal;

enum { HELBY_RA_GAP = 0, HELBY_RA_ADJUSTED, HELBY_RA_EXPLAINED, HELBY_RA_UNEXPLAINED, HELBY_RA_N };

typedef struct helby_report_indicator {
    char goal[16]; /* "goal1" ... */
    char name[64];
    char label[192];
    char better[8]; /* "higher" or "lower" */
    size_t n_periods;
    char period[16][16];
    double value[16], target[16]; /* target NaN where none */
} helby_report_indicator;

/* The sensitivity analysis a run stored (helby compute --sensitivity N; docs/method.md §12).
 * Every number is in the goal's quantity as the report shows it (goal 4: the relative change
 * of the gap, later minus earlier, so the reference and the 5 % / 95 % bounds are negated and
 * swapped from the stored reduction); raw values, before the goal's display scale. */
typedef struct helby_report_sens_choice {
    char name[96];       /* as stored: "weight:trust", "aggregation", "drop_item" */
    char label[256];     /* for people, in the report's language */
    double first, total; /* first-order (Saltelli 2010) and total (Jansen 1999) indices */
    double first_lo, first_hi, total_lo, total_hi; /* their bootstrap CIs at the run's level
                                                      (NaN in runs made without them) */
} helby_report_sens_choice;

typedef struct helby_report_sens_goal {
    char goal[32];
    char measure[64];
    size_t report_goal;          /* its index in r->goals, or (size_t)-1 */
    helby_report_cell reference; /* the definition's construction: sampling CI, flag verdict */
    double median, p05, p95;     /* across the scenarios (NaN when hidden) */
    size_t scenarios;            /* 2N: the scenarios of Saltelli's A and B */
    double share[4];             /* of scenarios: met, not met, inconclusive, undefined */
    double keep_all;             /* by design, the share of scenarios that keep every item: 1 /
                                  * the alternatives of the index's drop-item choice (1 without) */
    helby_report_sens_choice *choices;
    size_t n_choices;
} helby_report_sens_goal;

typedef struct helby_report_sens_rank {
    char measure[64];
    long wave;
    double district; /* the district's code */
    char label[96];
    double reference, median, low, high; /* 1 = best; low/high the 5 % and 95 % quantiles */
} helby_report_sens_rank;

/* The comparisons within the levels of a by-variable of compute --by (report_subgroup.c). */
enum { HELBY_RS_DANES = 0, HELBY_RS_MINORITIES, HELBY_RS_GAP, HELBY_RS_GAP_CHANGE, HELBY_RS_N };
typedef struct helby_report_subgroup {
    char by[64];     /* the by-variable, as compute --by named it */
    char label[96];  /* its label in the report's language */
    size_t measure;  /* index into the report's measures */
    long baseline;   /* the wave the gap's change is measured from */
    size_t n_levels; /* its codes with respondents, ascending */
    double *levels;
    char (*level_labels)[96];
    helby_report_cell *cells; /* n_levels x n_waves x HELBY_RS_N; disclosure control as the
                               * district table's, the level table's n as the margin */
} helby_report_subgroup;

typedef struct helby_report {
    helby_run_info run;
    char lang[3];
    char title[256];
    char sampling[512]; /* the survey's [design] sampling sentence, "" when none */
    size_t threshold;   /* minimum respondents per published cell */
    double level;       /* the run's confidence level (0.95) */
    int def_changed;    /* the definition changed since the run (labels are today's) */
    long *waves;
    size_t n_waves;
    char (*wave_labels)[96]; /* each wave's name: its value label in the codebook, else the code */
    int waves_labelled; /* the codebook labels the wave variable's codes (csv/json: wave_label) */
    double *districts;
    char (*district_labels)[96];
    size_t n_districts;
    /* The tile map of the districts (the definition's districts.csv): each district's row and
     * col on the grid, 1-based (0 0: no tile), of a grid of tile_rows x tile_cols; NULL and 0
     * when the definition has no districts.csv (the report then has no map). */
    int *district_row, *district_col;
    int tile_rows, tile_cols;
    double *origins;           /* codes of the group column in the run ("origin=" rows) */
    char (*origin_labels)[96]; /* their value labels in the codebook (else the code) */
    int *origin_group;         /* HELBY_RG_DANES, HELBY_RG_MINORITIES or -1 (neither) */
    size_t n_origins;
    char origin_title[96]; /* the group column's label ("Herkomst") */
    helby_report_measure *measures;
    size_t n_measures;
    helby_report_goal *goals;
    size_t n_goals;
    char weights[64]; /* "base" or the weight set */
    char *weighting;  /* "wave<TAB>key<TAB>value" lines, or NULL */
    char methods[2048];
    size_t n_primary, n_complementary, n_unreliable;
    helby_report_indicator *indicators; /* register indicators (barometer) */
    size_t n_indicators;
    size_t sens_n; /* N of compute --sensitivity; 0: the run has no analysis */
    helby_report_sens_goal *sens_goals;
    size_t n_sens_goals;
    helby_report_sens_rank *sens_ranks;
    size_t n_sens_ranks;
    helby_report_subgroup *subgroups; /* runs of compute --by: one per by-variable and measure */
    size_t n_subgroups;
    /* CSV output (the report and barometer CSV, the HTML page's chart data): 0, the default,
     * writes a text cell starting with =, +, -, @, tab or CR that is not a number with a
     * leading ' (a spreadsheet would run it as a formula); 1 writes cells as they are. */
    int csv_raw;
} helby_report;

typedef struct helby_report_options {
    const char *lang; /* "da" or "en"; NULL: the survey's language */
    size_t min_cell;  /* 0: the survey's min_cell; never below 5 */
} helby_report_options;

/* Build the report of run `run_id` (HELBY_ENOTFOUND if absent; HELBY_EINPUT if the run was
 * made before compute stored comparisons: compute it again). Free with helby_report_free. */
helby_status helby_report_build(helby_store *st, long run_id, const helby_report_options *opt,
                                helby_report **out, helby_error *err);
void helby_report_free(helby_report *r);

/* Register indicators for the barometer: a CSV with the header
 * goal;indicator;label_da;label_en;better;period;value;target (one row per indicator and
 * period, periods in time order; `better` is higher or lower; target may be empty). Errors
 * name file, line and column. */
helby_status helby_report_load_register(helby_report *r, const char *path, helby_error *err);

typedef enum helby_report_format {
    HELBY_REPORT_TEXT = 0,
    HELBY_REPORT_CSV,
    HELBY_REPORT_JSON,
    HELBY_REPORT_MD,
    HELBY_REPORT_HTML,
    HELBY_REPORT_XLSX
} helby_report_format;

/* 1 and *f for "text", "csv", "json", "md", "html", "xlsx"; 0 otherwise. */
int helby_report_format_parse(const char *name, helby_report_format *f);

/* Render to a stream (every format but XLSX). barometer: the barometer page (all six
 * goals) instead of the full report (text, md, html, csv, json). */
helby_status helby_report_write(const helby_report *r, helby_report_format f, int barometer,
                                FILE *out, helby_error *err);
/* The XLSX workbook at path (one sheet per table, a provenance and method sheet). */
helby_status helby_report_write_xlsx(const helby_report *r, const char *path, helby_error *err);

/* The decomposition of goal g's gap in wave index w in words, in r->lang ("da", "en"), at
 * r->level: "Of the gap of 7.8 points in 2014, 0.4 points (95 % CI 0.1 to 0.7) are explained
 * by age band and sex; adjusted for them the gap is 7.4 points (95 % CI 5.3 to 9.5)." It
 * claims a direction only when the CI excludes zero, says so when composition works the other
 * way, when the explained part exceeds the gap and when a gap is reversed, and never gives a
 * share in percent. Empty when g has no adjusted cells or they are hidden. */
void helby_report_adjust_sentence(const helby_report *r, const helby_report_goal *g, size_t w,
                                  char *buf, size_t n);

/* A number for people: `decimals` places, decimal comma in Danish; "–" for NaN. */
void helby_report_num(const helby_report *r, double v, int decimals, char *buf, size_t n);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
