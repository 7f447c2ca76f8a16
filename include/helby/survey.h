/*
 * helby/survey.h — survey definitions: what a survey's files mean.
 *
 * A survey definition is a directory (format: surveys/README.md) holding
 * survey.ini (metadata, design columns, groups, district, report settings),
 * codebook.csv (variables), indices.csv (indices -> dimensions -> items),
 * shares.csv (proportions of chosen categories), targets.csv (goals),
 * sensitivity.csv (optional: the alternatives of each index's construction),
 * derived.csv (optional: variables recoded into bands or merged codes), standard.csv
 * (optional: a standard population for direct standardisation), districts.csv (optional:
 * the districts' places on the report's tile map) and margins/ (population control totals
 * per wave). helby_survey_load validates
 * all of it and computes a content hash over the files in a fixed order, so
 * a run can name exactly the definition it used.
 *
 * The loaded definition is read-only: callers read the public structs below
 * and never modify them. It does not read response files (ingest.h) nor
 * compute anything (score.h, estimate.h).
 */
#ifndef HELBY_SURVEY_H
#define HELBY_SURVEY_H

#include <stddef.h>

#include "helby/error.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest is hidden */

/* What a column of a response file is for. */
typedef enum helby_role {
    HELBY_ROLE_ITEM = 0,  /* a questionnaire item (scored or reported) */
    HELBY_ROLE_ID,        /* respondent id (unique within a wave) */
    HELBY_ROLE_WAVE,      /* survey wave (e.g. 2011) */
    HELBY_ROLE_STRATUM,   /* design stratum */
    HELBY_ROLE_PSU,       /* primary sampling unit */
    HELBY_ROLE_WEIGHT,    /* base (design) weight, > 0 */
    HELBY_ROLE_FPC,       /* population PSUs in stratum, or sampling fraction <= 1 */
    HELBY_ROLE_GROUP,     /* origin group */
    HELBY_ROLE_DISTRICT,  /* district */
    HELBY_ROLE_COVARIATE, /* other background variable (sex, age band, ...) */
    HELBY_ROLE_REPWEIGHT  /* a replicate weight supplied by the data producer (type real) */
} helby_role;

typedef enum helby_vartype {
    HELBY_TYPE_CODE = 0, /* integer codes (with value labels, range, missing codes) */
    HELBY_TYPE_REAL,     /* real numbers (weights, fpc, continuous items) */
    HELBY_TYPE_TEXT      /* free text (ids, stratum / PSU labels) */
} helby_vartype;

typedef struct helby_value_label {
    double value;
    const char *label; /* UTF-8 */
} helby_value_label;

typedef struct helby_variable {
    const char *name; /* column name in response files (unique) */
    const char *label_da;
    const char *label_en;
    helby_role role;
    helby_vartype type;
    int has_range;   /* min/max given */
    double min, max; /* valid range of non-missing values */
    const double *missing;
    size_t n_missing; /* codes meaning "missing" (e.g. 8, 9, 98, 99) */
    int reverse;      /* negatively worded: x' = min + max - x (docs/method.md §1) */
    int required;     /* column must be present in a response file */
    const helby_value_label *labels;
    size_t n_labels;
    /* codebook.csv's optional values_en: English labels of exactly the codes labels holds
     * (n_labels_en 0: none; English reports then show labels) */
    const helby_value_label *labels_en;
    size_t n_labels_en;
    /* values' aliases (`9~Vil ikke svare`): other wordings of a labelled code's label that
     * response files may use (.sav value labels, CSV label cells); never shown */
    const helby_value_label *aliases;
    size_t n_aliases;
} helby_variable;

typedef enum helby_aggregation {
    HELBY_AGG_ARITHMETIC = 0, /* sum a_j d_j / sum a_j */
    HELBY_AGG_GEOMETRIC       /* prod (d_j + 1)^(a_j / sum a) - 1 */
} helby_aggregation;

typedef struct helby_dimension {
    const char *name;
    const char *label_da, *label_en;
    double weight;              /* dimension weight a_j in its index */
    size_t min_valid;           /* items needed for a score */
    const size_t *items;        /* indices into survey->vars */
    const double *item_weights; /* same length */
    size_t n_items;
} helby_dimension;

typedef struct helby_index {
    const char *name;
    const char *label_da, *label_en;
    helby_aggregation aggregation;
    const helby_dimension *dims;
    size_t n_dims;
    int lower_is_better; /* `better` = lower (default higher): reports' direction cues */
} helby_index;

typedef struct helby_share {
    const char *name;
    const char *label_da, *label_en;
    size_t var; /* index into survey->vars */
    const double *codes;
    size_t n_codes;      /* categories counted as "yes" */
    int lower_is_better; /* `better` = lower (default higher): reports' direction cues */
} helby_share;

typedef enum helby_target_kind {
    HELBY_TARGET_RELATIVE_GAP_REDUCTION = 0, /* (G0 - Gt)/G0 >= X % */
    HELBY_TARGET_RATIO_INCREASE,             /* (Qt - Q0)/Q0 >= X % */
    HELBY_TARGET_CHANGE_POSITIVE             /* theta_t - theta_0 > X (X default 0) */
} helby_target_kind;

typedef struct helby_target {
    const char *goal; /* e.g. "goal4" */
    const char *label_da, *label_en;
    const char *measure; /* index, dimension or share name */
    helby_target_kind kind;
    double x;          /* the policy's X (percent for relative kinds) */
    const char *group; /* "all", "danes", "minorities" or a group code label */
    long baseline_wave;
    long target_wave; /* 0 = latest wave */
    /* Optional columns `adjust` and `adjust_method` (docs/definitions.md): covariates (code
     * variables of codebook.csv or derived.csv) the verdict is judged on adjusted for, beside
     * the raw one; relative_gap_reduction targets only. n_adjust 0: none. */
    const char *const *adjust;
    size_t n_adjust;
    int adjust_standardise; /* 0: regression-adjusted gap (default), 1: standardised */
} helby_target;

typedef struct helby_margin_cell {
    const char *variable; /* one variable, or "sex*ageband" for a cross-classification */
    const char *level;    /* "2", or "1*3" for a cross-classification */
    double total;
} helby_margin_cell;

typedef struct helby_margins {
    long wave;
    const helby_margin_cell *cells;
    size_t n_cells;
} helby_margins;

/* One choice of sensitivity.csv (surveys/README.md): a step of an index's construction that
 * another defensible index would take otherwise, and the alternatives it may take. */
typedef enum helby_choice_kind {
    HELBY_CHOICE_WEIGHT = 0,  /* a dimension's weight a_j: a range or alternatives */
    HELBY_CHOICE_AGGREGATION, /* arithmetic or geometric (values 0 = arithmetic, 1) */
    HELBY_CHOICE_MIN_VALID,   /* a dimension's min_valid: alternatives */
    HELBY_CHOICE_DROP_ITEM    /* leave out one item at a time (or none, level 0) */
} helby_choice_kind;

typedef struct helby_choice {
    size_t index; /* into survey->indices */
    helby_choice_kind kind;
    size_t dim;   /* into the index's dims; HELBY_NO_VAR when the choice is
                   * the whole index's (aggregation, drop_item of any item) */
    int is_range; /* weight only: uniform on [low, high] */
    double low, high;
    /* The alternatives: weights, min_valid counts, aggregations (helby_aggregation) or,
     * for drop_item, the items (indices into survey->vars) that may be left out. */
    const double *values;
    size_t n_values;
    long line; /* its line in sensitivity.csv, for messages */
} helby_choice;

/* A variable of derived.csv (surveys/README.md): a codebook variable's values recoded into
 * bands, or its codes merged. It is a code variable (role covariate, no missing codes) whose
 * helby_variable lies at survey->vars[var], after the codebook's: helby_survey_find_var finds
 * it like a codebook variable, while loops over vars[0 .. n_vars) (the columns a response
 * file may have) do not see it. helby_dataset_open materialises its column from the source's. */
typedef enum helby_derived_kind {
    HELBY_DERIVED_BANDS = 0, /* code k+1 for low[k] <= x <= high[k] (bands sorted, disjoint) */
    HELBY_DERIVED_MERGE      /* source code from[k] becomes to[k] (NaN: left missing) */
} helby_derived_kind;

typedef struct helby_derived {
    size_t var;    /* index into survey->vars of the derived variable (>= survey->n_vars) */
    size_t source; /* index into survey->vars of its source, a codebook variable */
    helby_derived_kind kind;
    const double *low, *high; /* bands: n_rules bounds (-HUGE_VAL / HUGE_VAL when open) */
    const double *from, *to;  /* merge: n_rules pairs */
    size_t n_rules;
    long line; /* its line in derived.csv, for messages */
} helby_derived;

/* standard.csv: a standard population over the cells of a cross-classification of code
 * variables (codebook or derived), for direct standardisation (helby explain). */
typedef struct helby_standard {
    size_t n_vars;
    char vars[8][64];
    size_t n_cells;
    double *codes;      /* n_cells x n_vars, row-major */
    double *population; /* n_cells */
} helby_standard;

/* A row of districts.csv (surveys/README.md): a district's tile on the report's schematic
 * map, a grid with row 1 at the top and col 1 at the left. Codes are codes of the district
 * variable, each once; no two share a place. */
#define HELBY_TILE_MAX 20
typedef struct helby_district_tile {
    double code;  /* a code of the district variable */
    int row, col; /* 1 .. HELBY_TILE_MAX */
} helby_district_tile;

typedef struct helby_survey {
    const char *id; /* short identifier, [a-z0-9_-]+ */
    const char *title_da, *title_en;
    /* [design] sampling_da / sampling_en: how the sample was drawn, in a sentence for the
     * reports' weighting line ("ethnic minorities are oversampled"); NULL when not given. */
    const char *sampling_da, *sampling_en;
    const char *language;   /* "da" or "en": default report language */
    size_t min_cell;        /* suppression threshold (unweighted n) */
    const char *lonely_psu; /* "fail" | "remove" | "certainty" | "adjust" | "average" */

    const helby_variable *vars;
    size_t n_vars;
    /* Indices into vars of the role columns; (size_t)-1 when absent
     * (only strata, psu and fpc may be absent). */
    size_t id_var, wave_var, stratum_var, psu_var, weight_var, fpc_var, group_var, district_var;

    const double *danes_codes;
    size_t n_danes_codes; /* group codes: ethnic Danes */
    const double *minority_codes;
    size_t n_minority_codes; /* group codes: minorities */
    const double *waves;
    size_t n_waves; /* survey.ini's waves: the waves an import may bring */

    /* Producer replicate weights (`--variance supplied`): the codebook's repweight columns
     * in its order, with survey.ini [replicates] as R svrepdesign(type, scale, rscales, rho,
     * mse, combined.weights = TRUE): scale and rscales after R's defaults for the type. */
    const size_t *repweight_vars;
    size_t n_repweights;  /* 0: the survey supplies none */
    const char *rep_type; /* "JK1", "JKn", "BRR", "Fay", "bootstrap", "ACS",
                           * "successive-difference" or "other"; NULL when none */
    double rep_scale;
    const double *rep_rscales; /* n_repweights */
    double rep_rho;            /* Fay */
    int rep_mse;               /* centre on the full-sample estimate */

    const helby_index *indices;
    size_t n_indices;
    const helby_share *shares;
    size_t n_shares;
    const helby_target *targets;
    size_t n_targets;
    const helby_margins *margins;
    size_t n_margins; /* one per wave */
    const helby_choice *choices;
    size_t n_choices; /* sensitivity.csv (optional) */
    const helby_derived *derived;
    size_t n_derived; /* derived.csv (optional); their variables are vars[n_vars ..] */
    const helby_district_tile *tiles;
    size_t n_tiles; /* districts.csv (optional; 0: no tile map), in the file's order */

    char hash[65]; /* SHA-256 over the definition's files */
} helby_survey;

#define HELBY_NO_VAR ((size_t)-1)

/* Waves are whole numbers from 1 to HELBY_MAX_WAVE (years like 2011, or 201103). */
#define HELBY_MAX_WAVE 999999999L

/* Load and validate the definition in directory `dir`. On error returns
 * HELBY_EINPUT with file, line, column and variable set where known.
 * The caller frees *out with helby_survey_free. */
helby_status helby_survey_load(helby_survey **out, const char *dir, helby_error *err);

/* Like helby_survey_load, for checking a definition by hand: every error of survey.ini
 * (each line and key) and of codebook.csv (each row) is listed in errs, not only the first;
 * the files that build on those two (indices, shares, targets, margins) are checked only
 * when they have no error, up to the first error. On bad input returns HELBY_EINPUT with
 * the first error in err and every error in errs. */
helby_status helby_survey_check(helby_survey **out, const char *dir, helby_error_list *errs,
                                helby_error *err);

/* Load a definition from the canonical serialized form written by
 * helby_survey_serialize (how the store keeps it). */
helby_status helby_survey_from_blob(helby_survey **out, const char *blob, size_t len,
                                    helby_error *err);

/* Serialize the definition's files into one canonical text blob
 * (malloc'ed, caller frees) whose SHA-256 is survey->hash. */
helby_status helby_survey_serialize(const helby_survey *s, char **out, size_t *len,
                                    helby_error *err);

/* The files in which definitions a and b differ, in b's order then those only in a:
 * out[i] is the file's name ("indices.csv", "margins/201606.csv") and what[i] '+' (only in
 * b), '-' (only in a) or '~' (changed). At most cap files; returns how many differ (may
 * exceed cap). */
size_t helby_survey_changed_files(const helby_survey *a, const helby_survey *b, char (*out)[256],
                                  char *what, size_t cap);

void helby_survey_free(helby_survey *s);

/* Variable index by name, or HELBY_NO_VAR: a codebook variable (index below s->n_vars) or a
 * derived variable of derived.csv (index s->n_vars + k for s->derived[k]). */
size_t helby_survey_find_var(const helby_survey *s, const char *name);

/* The derived variable called name, or NULL (a codebook variable or unknown). */
const helby_derived *helby_survey_derived(const helby_survey *s, const char *name);

/* The derived variable's code for a value x of its source: NaN when x is NaN, one of the
 * source's missing codes, in no band, or a code the merge leaves missing. */
double helby_derived_value(const helby_survey *s, const helby_derived *d, double x);

/* The standard population of standard.csv; NULL when the definition has no standard.csv.
 * Owned by s. */
const helby_standard *helby_survey_standard(const helby_survey *s);

/* 1 if code is one of the variable's missing codes. */
int helby_variable_is_missing_code(const helby_variable *v, double code);

/* The label of a code in the codebook's values column (the survey's own language), or NULL. */
const char *helby_variable_value_label(const helby_variable *v, double code);
/* The label of code in lang ("en": values_en's when the codebook gives one, else values'); NULL
 * when the code has none. */
const char *helby_variable_value_label_lang(const helby_variable *v, double code, const char *lang);

/* The label of wave `wave` in lang (as helby_variable_value_label_lang): the wave variable's
 * value label of that code in the codebook (`201506=Forår 2015`), or NULL when nothing
 * labels it (the code is then the wave's name). */
const char *helby_survey_wave_label(const helby_survey *s, long wave, const char *lang);
/* 1 if the codebook labels at least one code of the wave variable, else 0. */
int helby_survey_labels_waves(const helby_survey *s);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
