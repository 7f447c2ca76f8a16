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
#include <stdint.h>

#include "helby/design.h"
#include "helby/error.h"
#include "helby/estimate.h"
#include "helby/quantile.h"
#include "helby/store.h"
#include "helby/survey.h"
#include "helby/weight.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default) /* the API; the rest is hidden */

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
    char (*wave_sha256)[65]; /* the SHA-256 of each wave's imported file */
    double *w;               /* base weights */
    double *fpc;             /* NULL when the survey has no fpc variable */
    size_t *strata;          /* dense stratum ids 0..n_strata-1, within wave */
    size_t *psus;            /* dense PSU ids within wave; NULL when the survey has no PSU */
    size_t n_strata, n_psus;
    char **stratum_names; /* n_strata names "wave/label" for messages */
    size_t n_vars;
    char **vars;   /* the loaded variables, in the order asked (copies) */
    double **cols; /* n values each, as stored: codes, NaN for an empty cell */
    /* absent[v * n_waves + i] is 1 when wave i's file had no column vars[v]: an optional
     * item (required = 0 in the codebook) asked from a later wave on. Its values there are
     * NaN, so its domains in that wave are empty. */
    unsigned char *absent;
} helby_dataset;

/* 1 when every variable measure `name` needs is absent from wave index i of D. */
int helby_dataset_measure_absent(const helby_dataset *D, const char *name, size_t i);

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
helby_status helby_dataset_design(const helby_dataset *D, helby_design **out, helby_error *err);

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

/* Quantiles by domain over the rows of W's dataset D (as helby_quantile_by; quantile.h): a
 * domain within one wave on that wave's design alone (its df; its replicates by the replicate
 * method, refused for jackknives), a domain spanning waves on the stacked waves. *out holds
 * n_domains x n_probs estimates, est[g * n_probs + j] (vcov NULL); a domain with no
 * respondent with a value has n = 0 and NaN numbers. */
helby_status helby_quantile_waves(helby_wave_designs *W, const helby_dataset *D, const double *y,
                                  const long *domain, size_t n_domains, const double *probs,
                                  size_t n_probs, helby_qrule rule,
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
int helby_measure_columns(const helby_survey *s, const char *name, const char **load, size_t room);

/* The measure per respondent into y (D->n values, NaN = missing), from D's columns (which
 * must hold helby_measure_columns(name)). HELBY_EUSAGE for an unknown measure or a column
 * that was not loaded. */
helby_status helby_measure_values(const helby_dataset *D, const char *name, double *y,
                                  helby_error *err);

/* Weighted Cronbach's alpha of a dimension over D with base weights (score.h's
 * helby_dimension_reliability on D's item columns): item_rest has room for the dimension's
 * items; n_complete respondents answered every item. */
helby_status helby_dataset_reliability(const helby_dataset *D, const char *dimension, double *alpha,
                                       double *item_rest, size_t *n_complete, helby_error *err);

/* ---- Weight sets ---- */

/* A weight spec with its margins' names (e.g. "district", "sex*ageband"). */
#define HELBY_MAX_MARGINS 16
typedef struct helby_weight_setup {
    helby_weight_spec spec;
    char names[HELBY_MAX_MARGINS][64];
    size_t n_margins; /* 0: every margin of margins/WAVE.csv, in file order */
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
helby_status helby_dataset_apply_weights(helby_store *st, const helby_dataset *D, const char *name,
                                         helby_design *d, helby_replicates **rep, char *inputs,
                                         size_t n_inputs, helby_error *err);

/* The weight diagnostics as stored "key=value" lines, and one value of them (NULL when
 * absent; out receives the text). */
void helby_weight_diag_text(const helby_weight_diag *D, char *out, size_t n);
const char *helby_weight_diag_get(const char *text, const char *key, char *out, size_t n);

/* ---- Runs ---- */

/* How a run is computed. The seed is stored beside the options text, not in it.
 *
 * method is the version of the computation, so that every stored run can be recomputed bit
 * for bit: 1 is how runs were computed before waves had designs of their own (the waves
 * stacked in one design, df of the whole design for every domain and comparison); 2 (the
 * default) gives each wave its own design, df, lonely-PSU rule and replicates, and each
 * comparison across waves Satterthwaite df (docs/method.md §2, §7). Runs stored without a
 * method are method 1 and rerun as such. */
#define HELBY_RUN_MAX_WAVES 32
typedef struct helby_run_options {
    int method;               /* 2 (1: runs made before method 2, rerun as they were) */
    char variance[16];        /* linearization, jk1, jkn, brr, fay, bootstrap */
    long replicates;          /* bootstrap replicates */
    unsigned long long seed;  /* bootstrap seed */
    double rho;               /* Fay's rho */
    double level;             /* confidence level */
    helby_ci_method ci;       /* CIs of means (HELBY_CI_T or HELBY_CI_NORMAL; method 2) */
    helby_ci_method share_ci; /* CIs of shares (logit, beta, wald, t, normal; method 2) */
    double df;                /* 0: each estimate's own (the wave's PSUs - strata, replicate rank
                                 - 1, Satterthwaite across waves); > 0: this df for all */
    helby_share_df share_df;  /* a share's CI on a domain: the domain's df (R, the default) or
                                 the wave's; runs stored without `share_df` rerun on the wave's */
    char weights[64];         /* "base" or the name of a weight set */
    int comparisons;          /* 1: also gaps, ratios, changes, goal verdicts and reliability
                                 (the rows `helby report` renders); runs made before have 0 and
                                 rerun so */
    int origins;              /* method 2: also every code of the group column by wave (domain
                                 "origin=2,wave=2011"); runs made before have 0 and rerun so */
    size_t sensitivity;       /* N > 0 (method 2): also the sensitivity analysis of each index
                                 with choices (sensitivity.h), N base scenarios from the run's
                                 seed, as rows "sensitivity=..." after the others; 0: none */
    size_t sens_boot;         /* with sensitivity: bootstrap resamples of the sensitivity
                                 indices, whose SEs and CIs the rows carry (1000; runs made
                                 before have 0 and rerun without them) */
    char by[128];             /* "VAR+VAR": also the comparisons within each level of these
                                 coded variables (compute --by; rows "by=VAR,level=CODE,...",
                                 runs/runby.c); "": none, as runs made before */
    long waves[HELBY_RUN_MAX_WAVES]; /* method 2: the waves computed, ascending (--waves);
                                        n_waves 0: every stored wave, as runs made before */
    size_t n_waves;
} helby_run_options;

/* Method 2, linearization, 100 replicates, seed 1, rho 0.3, level 0.95, t CIs for means and
 * logit for shares, each estimate's own df, base weights, comparisons, origin subgroups. */
void helby_run_options_default(helby_run_options *o);

/* The name of a CI method ("t", "normal", "logit", "beta", "wald") and its parser (0 when
 * unknown). */
const char *helby_ci_method_name(helby_ci_method m);
int helby_ci_method_parse(const char *name, helby_ci_method *out);

/* HELBY_EUSAGE naming the option when o cannot be computed: an unknown variance method,
 * level outside (0, 1), fewer than 2 replicates, an empty weight set name or one with ';'. */
helby_status helby_run_options_check(const helby_run_options *o, helby_error *err);

/* The options text stored with a run, and its parser (-1 when text is not one; o unchanged).
 * Method 2 writes the options that apply, for people and programs alike:
 * "method=2;variance=bootstrap;replicates=100;level=0.95;ci=t;share_ci=logit;
 * share_df=domain;df=own;weights=base;comparisons=1;origins=1" (replicates only for the bootstrap,
 * rho only for Fay, numbers in their shortest exact form). Method 1 keeps the text runs have always
 * stored
 * ("variance=jkn;replicates=100;rho=0.29999999999999999;level=0.94999999999999996;
 * weights=base;comparisons=1"), which parses as method 1. The seed is not part of it. */
void helby_run_options_text(const helby_run_options *o, char *out, size_t n);
int helby_run_options_parse(helby_run_options *o, const char *text);

/* The rows of a run of survey s over every stored wave, as `helby compute` stores them, in
 * this order: per measure (each index, then its dimensions; then each share) the domains
 * group x wave, group x wave x district and wave, with origins (method 2) origin x wave
 * ("origin=CODE,wave=W": every code of the survey's group column; codes ascending in every
 * set), then, with comparisons,
 * the measure's gaps and goals (domain "wave=2014,quantity=gap,baseline=2011",
 * "goal=goal4,wave=2014,baseline=2011,x=10"); with comparisons, last, Cronbach's alpha of
 * every dimension (domain "reliability=alpha"). Cells below the survey's min_cell are
 * flagged "suppressed" with NaN numbers. inputs (n bytes) receives the input files as
 * "2011=sha256;2014=sha256" and, with a weight set, ";weights/2011=sha256;...".
 * *rows is malloc'ed (caller frees). Errors: HELBY_ENOTFOUND when the survey has no waves or
 * the weight set is missing; those of the design, replicates and weights. */
helby_status helby_run_compute(helby_store *st, const helby_survey *s, const helby_run_options *o,
                               helby_run_row **rows, size_t *n_rows, char *inputs, size_t n_inputs,
                               helby_error *err);

/* Compute a run of survey `survey` (its current definition) and store it with its
 * provenance: engine helby_version(), definition hash, inputs, options text, seed and the
 * result hash. info (caller's) receives the stored run's record; n_rows the row count. */
helby_status helby_run_create(helby_store *st, const char *survey, const helby_run_options *o,
                              helby_run_info *info, size_t *n_rows, helby_error *err);

/* An input file that differs between two inputs texts. key is the wave ("2012") or the
 * weight set's wave ("weights/2012"); sha256 of each side, "" on the side that lacks it. */
typedef struct helby_input_change {
    char key[64];
    char a[65], b[65];
} helby_input_change;

/* A row of one run that has no bit-identical row (same measure and domain; estimate, se,
 * CI and flag compared bit for bit, NaN equal to NaN) in the other. */
#define HELBY_RUN_NO_ROW ((size_t)-1)
typedef struct helby_row_move {
    size_t a; /* index in the first run's rows */
    size_t b; /* index in the second's, HELBY_RUN_NO_ROW when it has none */
} helby_row_move;

/* What differs between two inputs texts, in a's order then the keys only in b
 * (malloc'ed, caller frees; *out NULL when none). HELBY_ENOMEM. */
helby_status helby_inputs_diff(const char *a, const char *b, helby_input_change **out, size_t *n,
                               helby_error *err);

/* Rows of a without a bit-identical row in b (malloc'ed, caller frees). HELBY_ENOMEM. */
helby_status helby_run_rows_diff(const helby_run_row *a, size_t na, const helby_run_row *b,
                                 size_t nb, helby_row_move **out, size_t *n, helby_error *err);

typedef enum helby_rerun_outcome {
    HELBY_RERUN_REPRODUCED = 0,  /* same inputs; every estimate identical bit for bit */
    HELBY_RERUN_INPUTS_CHANGED,  /* an input file or the definition changed since the run */
    HELBY_RERUN_WEIGHTS_CHANGED, /* the run's weight set was remade since (other weights) */
    HELBY_RERUN_DIFFERS          /* same inputs, but estimates moved (see moved) */
} helby_rerun_outcome;

/* A rerun: the stored run, what changed since, and the recomputed rows. */
typedef struct helby_rerun_result {
    helby_rerun_outcome outcome;
    helby_run_info run;        /* the stored run */
    helby_run_options options; /* its options and seed, as recomputed */
    int definition_changed;    /* the survey's current definition is another */
    char def_hash_now[65];
    /* When the definition changed: whether the store keeps the run's own definition (by its
     * hash), the files that differ ("margins/201606.csv added; targets.csv changed") and
     * those of them the run used (its waves' margins when weighted, sensitivity.csv with
     * --sensitivity, every other file always). When it used none, the rerun recomputes with
     * the run's own definition (definition_own), and only then. */
    int definition_stored;
    int definition_own;
    char definition_changes[1024];
    char definition_used[512];
    int engine_differs;         /* run.engine is not helby_version() */
    char inputs_now[2048];      /* the input files now (with weights once recomputed) */
    helby_input_change *inputs; /* the inputs that changed (files, or weight sets) */
    size_t n_inputs;
    helby_run_row *stored, *rows; /* the run's rows and the recomputed ones (NULL when not
                                     recomputed) */
    size_t n_stored, n_rows;
    char result_hash[65];  /* of the recomputed rows ("" when not recomputed) */
    helby_row_move *moved; /* stored rows the recomputation does not reproduce */
    size_t n_moved;
    /* Over the moved rows that have a counterpart: the largest relative difference of
     * estimate, SE and CI limits (|a - b| / max(|a|, |b|); 1 when one side is NaN and the
     * other not), so "differs in the last bits" can be told from "differs". */
    double max_rel_diff;
} helby_rerun_result;

/* Recompute run `id` with its own options and seed on the current store. Input files and
 * the definition are checked first (outcome HELBY_RERUN_INPUTS_CHANGED without computing);
 * then the rows are recomputed and the weight sets' hashes and every number compared with
 * the stored ones. Errors (HELBY_ENOTFOUND for an unknown run, HELBY_ESTORE for options this
 * engine cannot read, those of helby_run_compute) leave *out empty. Free with
 * helby_rerun_result_free. */
helby_status helby_run_rerun(helby_store *st, int64_t id, helby_rerun_result *out,
                             helby_error *err);
void helby_rerun_result_free(helby_rerun_result *r);

/* Two stored runs side by side: records, rows, the inputs that differ and the rows of a
 * that b does not reproduce. Free with helby_run_diff_free. */
typedef struct helby_run_diff_result {
    helby_run_info a, b;
    helby_run_row *rows_a, *rows_b;
    size_t n_a, n_b;
    helby_input_change *inputs;
    size_t n_inputs;
    helby_row_move *moved;
    size_t n_moved;
} helby_run_diff_result;

helby_status helby_run_diff(helby_store *st, int64_t a, int64_t b, helby_run_diff_result *out,
                            helby_error *err);
void helby_run_diff_free(helby_run_diff_result *r);
#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
