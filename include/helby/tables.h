/*
 * helby/tables.h — the tables of `helby estimate`, `compare` and `reliability` as library
 * calls over a store.
 *
 * helby_analysis_estimate opens the asked waves (analysis.h), builds the design (optionally
 * with replicates and a weight set), forms the domains of the by-variables in one pass
 * (every combination of levels that occurs, in ascending order of the levels, the first
 * by-variable slowest), and estimates each measure's mean (a proportion for a share) in
 * every domain, flagging cells below min_cell (their numbers are withheld) and unreliable
 * ones. helby_analysis_compare sets ethnic minorities against ethnic Danes wave by wave for
 * one measure and judges the survey's goals on it (compare.h, docs/method.md §7).
 * helby_analysis_reliability gives Cronbach's alpha of every dimension.
 *
 * Knows nothing of command lines, labels' layout or printing: rows hold codes and numbers;
 * helby_domain_label names a level.
 */
#ifndef HELBY_TABLES_H
#define HELBY_TABLES_H

#include <stddef.h>

#include "helby/compare.h"
#include "helby/crosstab.h"
#include "helby/design.h"
#include "helby/error.h"
#include "helby/estimate.h"
#include "helby/quantile.h"
#include "helby/store.h"
#include "helby/survey.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default) /* the API; the rest is hidden */

/* ---- Estimates by domains ---- */

typedef struct helby_estimate_request {
    const char *const *measures; /* items, shares, indices or dimensions (analysis.h) */
    size_t n_measures;
    const char *const *by; /* by-variables: a role ("wave", "group", "district", ...,
                            * see helby_survey_role_name) or a coded variable; "group"
                            * has two levels: 0 ethnic Danes, 1 ethnic minorities */
    size_t n_by;
    const long *waves; /* NULL or 0: every stored wave */
    size_t n_waves;
    int replicates; /* 0: linearization; 1: replicate variance of `rep` */
    helby_rep_spec rep;
    helby_estimate_options opt; /* level, df, max_rel_se, min_n (its ci is not read) */
    helby_ci_method mean_ci;    /* items, indices, dimensions (default t) */
    helby_ci_method share_ci;   /* shares (default logit) */
    const char *weights;        /* a weight set's name; NULL: base weights */
    long min_cell;              /* suppression threshold; < 0: the survey's min_cell */
    /* Quantiles instead of means (n_quantiles > 0): probabilities in [0, 1], R svyquantile
     * with qrule and Woodruff intervals (quantile.h); mean_ci t or normal only. */
    const double *quantiles;
    size_t n_quantiles;
    helby_qrule qrule;
    /* A subpopulation as a domain: "VAR=A|B,VAR2!=C" on coded variables (a role, "group",
     * "wave"); rows outside leave every domain, the design stays whole (R subset()). NULL:
     * every respondent. */
    const char *where;
    /* Totals instead of means (R svytotal): 1. Ratios (R svyratio): denominators[m] non-NULL
     * makes measure m the ratio sum w y / sum w x of measures[m] over denominators[m], over
     * the respondents with both values. Neither with quantiles. */
    int totals;
    const char *const *denominators; /* NULL or n_measures entries */
} helby_estimate_request;

/* Linearization, base weights, every wave, 95 % t / logit CIs, the survey's min_cell. */
void helby_estimate_request_default(helby_estimate_request *r);

typedef enum helby_cell_flag {
    HELBY_CELL_OK = 0,
    HELBY_CELL_SUPPRESSED, /* fewer respondents than min_cell: numbers withheld (NaN) */
    HELBY_CELL_UNRELIABLE, /* relative SE above opt.max_rel_se (or n below opt.min_n) */
    HELBY_CELL_NO_VALUE,   /* no respondent of the domain has a value: nothing to estimate */
    HELBY_CELL_NOT_ASKED   /* the domain's wave did not ask the measure (an item added later) */
} helby_cell_flag;

/* "", "suppressed", "unreliable", "empty", "not asked". */
const char *helby_cell_flag_name(helby_cell_flag f);

typedef struct helby_estimate_row {
    size_t measure;      /* index into the table's measures */
    double quantile;     /* the probability of a quantile row; NaN for a mean */
    const double *codes; /* n_by level codes, owned by the table */
    helby_estimate est;  /* suppressed: estimate, se, CI, rel_se and deff are NaN */
    helby_cell_flag flag;
} helby_estimate_row;

typedef struct helby_estimate_table {
    size_t n_measures;
    char **measures; /* copies of the request's names */
    size_t n_by;
    char **by;            /* the by-variables as asked */
    const char **by_vars; /* the survey's variable behind each (the survey's strings) */
    size_t n_domains;     /* per measure */
    size_t n_quantiles;   /* the request's (0: means) */
    size_t n_rows;        /* n_measures x n_domains (x n_quantiles), measure by measure,
                           * then domain by domain, then quantile by quantile */
    helby_estimate_row *rows;
    double *codes; /* n_domains x n_by */
} helby_estimate_table;

/* Estimate every measure of req by the domains of req->by over survey s's stored waves.
 * Errors: HELBY_EUSAGE for an unknown measure or a by-variable that is not coded (the
 * error's variable names it); HELBY_ENOTFOUND for an unknown wave (naming the stored ones),
 * weight set or a survey without waves; HELBY_EINPUT when no respondent has a level of
 * every by-variable; HELBY_ENUMERIC from the estimators; HELBY_ENOMEM. Free the table with
 * helby_estimate_table_free. */
helby_status helby_analysis_estimate(helby_store *st, const helby_survey *s,
                                     const helby_estimate_request *req, helby_estimate_table **out,
                                     helby_error *err);
void helby_estimate_table_free(helby_estimate_table *t);

/* ---- Changes between two waves (estimate --change) ---- */

typedef struct helby_change_row {
    size_t measure;       /* index into the estimate table's measures */
    double quantile;      /* as the estimate rows (NaN for a mean) */
    const double *codes;  /* the later wave's row's n_by codes (owned by the estimate table) */
    helby_estimate est;   /* later - earlier by helby_wave_change (compare.h): independent
                           * waves, SE = sqrt(SE_1^2 + SE_0^2), Satterthwaite df, t CI */
    double t, p;          /* the test of no change: est / se, two-sided p on est.df */
    helby_cell_flag flag; /* the first of either wave's cell that is not HELBY_CELL_OK or
                           * HELBY_CELL_UNRELIABLE (numbers NaN then), else OK */
    int significant;      /* the CI excludes 0 (p < 1 - level) */
} helby_change_row;

typedef struct helby_change_table {
    long from, to;
    size_t wave_by; /* the index of the wave among the estimate table's by-variables */
    size_t n_rows;
    helby_change_row *rows; /* the estimate table's rows of wave `to`, in their order */
} helby_change_table;

/* The change from wave `from` to wave `to` of every row of t: t must be by the survey's wave
 * variable (among its by-variables, any other by-variables pair the rows). fixed_df > 0 fixes
 * the df (as opt.df of the estimates); opt's level and ci (normal or t). Errors: HELBY_EUSAGE
 * when t is not by wave or from == to; HELBY_ENOTFOUND when a wave has no row (naming the
 * waves there are); HELBY_ENOMEM. Free with helby_change_table_free. */
helby_status helby_estimate_changes(const helby_estimate_table *t, const helby_survey *s, long from,
                                    long to, const helby_estimate_options *opt,
                                    helby_change_table **out, helby_error *err);
void helby_change_table_free(helby_change_table *t);

/* The label of level `code` of by-variable `by` (as asked) in language lang ("da"/"en"):
 * the group's name, else the variable's value label (a wave's too: `201506=Forår 2015`) or the
 * code itself. */
void helby_domain_label(const helby_survey *s, const char *by, double code, const char *lang,
                        char *out, size_t n);

/* A run row's domain text for people, each code with its label beside it, in lang:
 * "group=1,wave=2011,district=4" -> "group=1 (Etniske minoriteter), wave=2011, district=4
 * (Vesterbro/Kongens Enghave)"; "origin=2" is labelled by the group column's value labels.
 * a wave is labelled by the wave variable's value labels when the codebook has them. Keys
 * without labels (quantity, baseline, goal, x, reliability) stay as they are;
 * a code without a label gets none. Truncated to fit out. */
void helby_domain_text_label(const helby_survey *s, const char *domain, const char *lang, char *out,
                             size_t n);

/* ---- Frequency tables and Rao–Scott tests (`helby table`) ---- */

typedef enum helby_table_test {
    HELBY_TEST_NONE = 0,
    HELBY_TEST_F,    /* Rao–Scott second order (R svychisq statistic = "F", its default) */
    HELBY_TEST_CHISQ /* Rao–Scott first order (statistic = "Chisq") */
} helby_table_test;

typedef struct helby_table_request {
    const char *item;      /* a coded variable */
    const char *const *by; /* by-variables as in helby_estimate_request; one for a test */
    size_t n_by;
    const long *waves; /* NULL or 0: every stored wave */
    size_t n_waves;
    int replicates; /* 0: linearization; 1: replicate variance of `rep` (no test) */
    helby_rep_spec rep;
    helby_estimate_options opt; /* level, df, max_rel_se, min_n; ci: the shares' (logit) */
    const char *weights;        /* NULL: base weights */
    long min_cell;              /* < 0: the survey's */
    helby_table_test test;      /* default F; needs exactly one by-variable */
    const char *where;          /* as helby_estimate_request's */
} helby_table_request;

void helby_table_request_default(helby_table_request *r);

typedef enum helby_freq_kind {
    HELBY_FREQ_VALID = 0, /* a valid code: its share of the domain's valid answers */
    HELBY_FREQ_MISSING,   /* a missing code: its share of all the domain's respondents */
    HELBY_FREQ_EMPTY      /* no answer (empty cell): its share of all the respondents */
} helby_freq_kind;

typedef struct helby_freq_row {
    const double *codes; /* n_by domain codes, owned by the table */
    double code;         /* the item's code; NaN for HELBY_FREQ_EMPTY */
    helby_freq_kind kind;
    helby_estimate est; /* est.n: the denominator's respondents */
    size_t n_cell;      /* respondents of the domain with this code */
    helby_cell_flag flag;
} helby_freq_row;

typedef struct helby_freq_table {
    char *item;
    const char *item_var; /* the survey's string */
    size_t n_by;
    char **by;
    const char **by_vars;
    size_t n_domains;
    double *codes; /* n_domains x n_by */
    double *valid, *missing;
    size_t n_valid, n_missing;
    size_t n_rows; /* n_domains x (n_valid + n_missing + 1): per domain the valid codes in
                    * ascending order, the missing codes, then empty */
    helby_freq_row *rows;
    helby_table_test test_kind; /* NONE without exactly one by-variable */
    int has_test;
    long test_wave; /* the wave whose design the test used; 0: the stacked waves */
    helby_raoscott test;
} helby_freq_table;

/* The frequency table of req->item by the domains of req->by over the asked waves: each
 * valid code's share (R svymean(~factor(item), na.rm = TRUE) per domain, with SE, CI by
 * req->opt.ci as a share of `estimate`, deff), the missing codes and empty answers apart;
 * a domain below min_cell, or a code with 1 to min_cell - 1 respondents, is suppressed.
 * With one by-variable and a test, R svychisq on the wave's design (the stacked waves'
 * when several are loaded; linearization only). Errors as helby_analysis_estimate's, and
 * HELBY_EUSAGE for an item that is not coded, a test with other than one by-variable or
 * with replicates. */
helby_status helby_analysis_table(helby_store *st, const helby_survey *s,
                                  const helby_table_request *req, helby_freq_table **out,
                                  helby_error *err);
void helby_freq_table_free(helby_freq_table *t);

/* ---- Minorities vs Danes ---- */

typedef struct helby_compare_request {
    const char *measure;
    const long *waves; /* NULL or 0: every stored wave; at least two */
    size_t n_waves;
    long baseline; /* 0: the baseline of the first target on the measure,
                    * else the first wave */
    int have_x;    /* 1: x replaces every target's own x */
    double x;
    const char *weights; /* NULL: base weights */
    int replicates;      /* 0: linearization; 1: replicate variance of `rep` */
    helby_rep_spec rep;
    helby_estimate_options opt; /* opt.df > 0 fixes every df; 0: each quantity's own */
    long min_cell;              /* < 0: the survey's; a quantity resting on a cell with fewer
                                 * respondents is suppressed (NaN, flagged) */
    const char *where;          /* as helby_estimate_request's */
} helby_compare_request;

void helby_compare_request_default(helby_compare_request *r);

typedef struct helby_goal_row {
    const helby_target *target; /* in the survey */
    double x;                   /* the threshold judged against (target's or override) */
    long baseline_wave, target_wave;
    size_t target_index; /* the target wave's index among the comparison's waves */
    helby_goal_result result;
} helby_goal_row;

typedef struct helby_comparison {
    int is_share;  /* the measure is a proportion */
    double df;     /* the baseline wave's df (each quantity carries its own) */
    long min_cell; /* the threshold applied */
    /* Per wave: 1 when the quantities of that wave (gap, ratio, and the changes against the
     * baseline) rest on a cell below min_cell and were suppressed. */
    int *suppressed;
    size_t n_waves;
    size_t baseline;              /* index of the baseline wave */
    helby_wave_comparison *waves; /* n_waves */
    helby_estimate *all;          /* n_waves: every respondent of the wave */
    size_t n_goals;
    helby_goal_row *goals; /* targets.csv rows on this measure, in file order */
} helby_comparison;

/* Errors: HELBY_EUSAGE for an unknown measure; HELBY_ENOTFOUND for fewer than two waves, an
 * unknown wave, baseline or weight set; estimator errors; HELBY_ENOMEM. */
helby_status helby_analysis_compare(helby_store *st, const helby_survey *s,
                                    const helby_compare_request *req, helby_comparison **out,
                                    helby_error *err);
void helby_comparison_free(helby_comparison *c);

/* Minorities vs Danes within each level of by-variable `by` (a role or a coded variable):
 * helby_analysis_compare on the domain "by = level" joined to req->where, for every level
 * answered in the asked waves (missing codes left out), in ascending order. */
typedef struct helby_compare_by {
    const char *by; /* as asked (the caller's string) */
    size_t n_levels;
    double *levels;
    helby_comparison **cmp; /* n_levels */
} helby_compare_by;

helby_status helby_analysis_compare_by(helby_store *st, const helby_survey *s,
                                       const helby_compare_request *req, const char *by,
                                       helby_compare_by **out, helby_error *err);
void helby_compare_by_free(helby_compare_by *c);

/* ---- Reliability ---- */

typedef struct helby_reliability_row {
    const helby_index *index; /* in the survey */
    const helby_dimension *dimension;
    double alpha;                      /* NaN when it could not be computed (see message) */
    size_t n_complete;                 /* respondents who answered every item */
    double *item_rest;                 /* dimension->n_items item-rest correlations */
    char message[HELBY_ERROR_MSG_MAX]; /* why alpha is NaN; "" otherwise */
} helby_reliability_row;

/* Weighted Cronbach's alpha of every dimension of every index over the waves asked (NULL
 * or 0: all), base weights (docs/method.md §1). A dimension whose alpha cannot be
 * computed gets NaN and a message; only opening the data fails the call. */
helby_status helby_analysis_reliability(helby_store *st, const helby_survey *s, const long *waves,
                                        size_t n_waves, helby_reliability_row **rows,
                                        size_t *n_rows, helby_error *err);
void helby_reliability_rows_free(helby_reliability_row *rows, size_t n);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
