/*
 * helby/analysis.h — the analysis pipeline as library calls.
 *
 * Opens a survey's stored waves into a dataset (columnar arrays, one block of rows per wave,
 * strata and PSUs as dense integer codes taken within wave), scores measures per respondent,
 * builds the survey's design over the dataset, and applies a named weight set (recomputed
 * from its spec and checked bit for bit against the stored weights). Everything `helby
 * estimate`, `compare`, `compute`, `reliability` and `weight` do goes through these calls, so
 * any program linking libhelby can do the same.
 *
 * Knows nothing of command lines or printing. Waves are independent samples: strata and PSUs
 * never span waves.
 */
#ifndef HELBY_ANALYSIS_H
#define HELBY_ANALYSIS_H

#include <stddef.h>

#include "helby/design.h"
#include "helby/error.h"
#include "helby/estimate.h"
#include "helby/store.h"
#include "helby/survey.h"
#include "helby/weight.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The engine's version string ("0.1.0"), recorded by every run. */
const char *helby_version(void);

/* ---- Datasets ---- */

/* Stored waves of one survey as columns. Rows are the waves' rows concatenated in the order
 * asked; wave i holds rows wave_first[i] .. wave_first[i] + wave_rows[i] - 1. */
typedef struct helby_dataset {
    const helby_survey *survey; /* not owned: must outlive the dataset */
    size_t n;                   /* rows */
    size_t n_waves;
    long *wave_ids;
    size_t *wave_first, *wave_rows;
    char (*wave_sha256)[65];    /* the SHA-256 of each wave's imported file */
    double *w;                  /* base weights */
    double *fpc;                /* NULL when the survey has no fpc variable */
    size_t *strata;             /* dense stratum ids 0..n_strata-1, within wave */
    size_t *psus;               /* dense PSU ids within wave; NULL when the survey has no PSU */
    size_t n_strata, n_psus;
    char **stratum_names;       /* n_strata names "wave/label" for messages */
    size_t n_vars;
    char **vars;                /* the loaded variables, in the order asked (copies) */
    double **cols;              /* n values each, as stored: codes, NaN for an empty cell */
} helby_dataset;

/* Open the waves `waves` (n_waves of them; NULL or 0: every stored wave, ascending) of survey
 * s with the variables vars (names; duplicates are loaded once). Text variables load as NaN.
 * Errors: HELBY_ENOTFOUND for an unknown wave (naming the stored ones) or variable, or a
 * survey with no waves; HELBY_ENOMEM. Free with helby_dataset_free. */
helby_status helby_dataset_open(helby_dataset **out, helby_store *st, const helby_survey *s,
                                const long *waves, size_t n_waves, const char *const *vars,
                                size_t n_vars, helby_error *err);
void helby_dataset_free(helby_dataset *D);

/* The column of variable `name`, or NULL when it was not loaded. */
const double *helby_dataset_col(const helby_dataset *D, const char *name);

/* The input files as "2011=sha256;2012=sha256" (what a run records). */
void helby_dataset_inputs(const helby_dataset *D, char *out, size_t n);

/* The survey's design over D: base weights, strata and PSUs within wave, fpc, and the
 * lonely-PSU rule of survey.ini. */
helby_status helby_dataset_design(const helby_dataset *D, helby_design **out,
                                  helby_error *err);

/* The variable that plays `role` in the survey: "wave", "group", "district", "stratum",
 * "psu", "weight", "id" or "fpc" name the survey's variable of that role whatever it is
 * called; any other name is returned as is. NULL when the survey has no such role. */
const char *helby_survey_role_name(const helby_survey *s, const char *name);

/* 0 for ethnic Danes, 1 for ethnic minorities, -1 for another or a missing group code. */
int helby_survey_group_of(const helby_survey *s, double code);

/* ---- One design per wave ---- */

/* The designs of a dataset's waves: each wave its own design (strata, PSUs, lonely-PSU
 * rule, df), its own replicates when rep is not NULL (the bootstrap's stream from
 * rep->seed and the wave), and weight set `weights` applied when it is neither NULL nor
 * "base" (appending ";weights/WAVE=sha256" to inputs). st and D must outlive the result
 * (a domain spanning waves builds the stacked design on first use). */
typedef struct helby_wave_designs helby_wave_designs;
helby_status helby_wave_designs_new(helby_wave_designs **out, helby_store *st,
                                    const helby_dataset *D, const helby_rep_spec *rep,
                                    const char *weights, char *inputs, size_t n_inputs,
                                    helby_error *err);
void helby_wave_designs_free(helby_wave_designs *W);
/* Degrees of freedom of wave index `wave` (PSUs - strata, or the replicate rank - 1). */
double helby_wave_designs_df(const helby_wave_designs *W, size_t wave);

/* Estimates by domain (as helby_estimate_by: domain[k] in 0..n_domains-1 or -1, NULL = one
 * domain of all rows) over the rows of W's dataset. A domain within one wave is estimated on
 * that wave's design alone (its df, lonely-PSU rule, replicates); a domain spanning waves on
 * the stacked waves. Domains of different waves have zero covariance. A domain with no
 * respondent with a value is not an error: its estimate, SE and CI are NaN and n is 0 (the
 * caller flags it "empty"). */
helby_status helby_estimate_waves(helby_wave_designs *W, helby_estimator kind, const double *y,
                                  const double *x, const long *domain, size_t n_domains,
                                  const helby_estimate_options *opt, helby_estimates **out,
                                  helby_error *err);

/* ---- Measures: indices, dimensions, shares and items ---- */

typedef enum helby_measure_kind {
    HELBY_MEASURE_UNKNOWN = 0,
    HELBY_MEASURE_INDEX,     /* an index of indices.csv, scored 0-100 */
    HELBY_MEASURE_DIMENSION, /* a dimension of an index, scored 0-100 */
    HELBY_MEASURE_SHARE,     /* a share of shares.csv: 0/1 per respondent */
    HELBY_MEASURE_ITEM       /* a numeric variable as coded (missing codes left out) */
} helby_measure_kind;

/* What `name` is in survey s. Items are numeric variables of any role but text. */
helby_measure_kind helby_measure_kind_of(const helby_survey *s, const char *name);

/* The variables measure `name` needs, appended to load (room entries); returns how many,
 * or -1 for an unknown measure or too little room. */
int helby_measure_columns(const helby_survey *s, const char *name, const char **load,
                          size_t room);

/* The measure per respondent into y (D->n values, NaN = missing), from D's columns (which
 * must hold helby_measure_columns(name)). HELBY_EUSAGE for an unknown measure or a column
 * that was not loaded. */
helby_status helby_measure_values(const helby_dataset *D, const char *name, double *y,
                                  helby_error *err);

/* Weighted Cronbach's alpha of a dimension over D with base weights (score.h's
 * helby_dimension_reliability on D's item columns): item_rest has room for the dimension's
 * items; n_complete respondents answered every item. */
helby_status helby_dataset_reliability(const helby_dataset *D, const char *dimension,
                                       double *alpha, double *item_rest, size_t *n_complete,
                                       helby_error *err);

/* ---- Weight sets ---- */

/* A weight spec with its margins' names (e.g. "district", "sex*ageband"). */
#define HELBY_MAX_MARGINS 16
typedef struct helby_weight_setup {
    helby_weight_spec spec;
    char names[HELBY_MAX_MARGINS][64];
    size_t n_margins;            /* 0: every margin of margins/WAVE.csv, in file order */
} helby_weight_setup;

/* "district,origin,sex*ageband" into w->names (-1 if empty, too many or too long). */
int helby_weight_setup_margins(helby_weight_setup *w, const char *list);
/* The canonical text stored with a weight set ("method=rake;margins=...;bounds=...;..."),
 * and its parser (-1 when the text is not one). */
void helby_weight_setup_text(const helby_weight_setup *w, char *out, size_t n);
int helby_weight_setup_parse(helby_weight_setup *w, const char *text);

/* Compute weight set `name` for the stored waves listed in waves (NULL or 0: all) from
 * their base weights and the margins' variables, and store it, one transaction for all
 * waves. *info (malloc'ed, caller frees) receives one record per wave weighted, with the
 * diagnostics as "key=value" lines. Errors name the
 * wave and margin; HELBY_EEXISTS when the set exists (unless replace) or another of its
 * waves was made with another spec. */
helby_status helby_weight_set_create(helby_store *st, const helby_survey *s, const char *name,
                                     const helby_weight_setup *setup, const long *waves,
                                     size_t n_waves, int replace, helby_weight_set_info **info,
                                     size_t *n_info, helby_error *err);

/* Weight set `name` pinned to the versions run `run` used: "raked@run:7" into out (name and
 * out may be the same buffer; left as is when it does not fit). Wherever a weight set name is
 * taken (helby_wave_designs_new, helby_dataset_apply_weights), a pinned name uses the
 * versions whose hashes the run recorded among its inputs (";weights/WAVE=SHA"), current or
 * replaced since (helby_store_get_weights_by_hash); "raked@2011=SHA,2012=SHA" pins them
 * directly. */
void helby_weights_pin(const char *name, long long run, char *out, size_t n);

/* Apply weight set `name` to D's design d: each wave's weights are recomputed from the
 * stored spec and D's base weights and must equal the stored ones bit for bit; then d gets
 * the calibration residuals and, when rep and *rep are not NULL, the replicates are
 * re-calibrated (replacing *rep). Appends ";weights/WAVE=sha256" per wave to inputs. */
helby_status helby_dataset_apply_weights(helby_store *st, const helby_dataset *D,
                                         const char *name, helby_design *d,
                                         helby_replicates **rep, char *inputs,
                                         size_t n_inputs, helby_error *err);

/* The weight diagnostics as stored "key=value" lines, and one value of them (NULL when
 * absent; out receives the text). */
void helby_weight_diag_text(const helby_weight_diag *D, char *out, size_t n);
const char *helby_weight_diag_get(const char *text, const char *key, char *out, size_t n);

#ifdef __cplusplus
}
#endif
#endif
