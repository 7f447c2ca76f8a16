/*
 * helby/regress.h — model formulas over a survey's dataset, and design-based regression per
 * wave (`helby regress`).
 *
 * A formula 'MEASURE ~ TERM + TERM…' names a response (any index, dimension, share or item:
 * analysis.h's measures) and terms: codebook variables, the roles `group` (0/1: ethnic
 * minorities against the reference ethnic Danes, the column named `group=minorities`),
 * `district` and `wave`, interactions `a:b` and `a*b` (= a + b + a:b). A code variable is a
 * factor whose first code (ascending) present in the model's rows is the reference
 * (columns `alder=2`, `alder=3`, …), a `real` variable is numeric. The model matrix has an
 * intercept first (column "(Intercept)"), as R's model.matrix with treatment contrasts.
 * Fitting is glm.h's; this header only builds and names.
 */
#ifndef HELBY_REGRESS_H
#define HELBY_REGRESS_H

#include <stddef.h>

#include "helby/analysis.h"
#include "helby/store.h"
#include "helby/error.h"
#include "helby/glm.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest is hidden */

#define HELBY_MODEL_MAX_TERMS 32

/* A parsed formula. A term is one variable or an interaction of up to 4 variables. */
typedef struct helby_model_term {
    size_t n_vars;
    char vars[4][64]; /* names as written (roles resolved by helby_survey_role_name) */
} helby_model_term;

typedef struct helby_formula {
    char response[64];
    size_t n_terms;
    helby_model_term terms[HELBY_MODEL_MAX_TERMS];
} helby_formula;

/* Parse 'y ~ a + b + a:b + c*d' (spaces free; '*' expands to main effects and the
 * interaction; duplicates kept once, in R's order: main effects, then interactions by order).
 * HELBY_EUSAGE naming the column of the text on a syntax error. */
helby_status helby_formula_parse(const char *text, helby_formula *out, helby_error *err);

/* A model matrix over the rows of a dataset. */
typedef struct helby_model_matrix {
    size_t n, p;
    double *X;           /* n x p row-major; NaN in a row with a missing term value */
    char (*names)[128];  /* p column names: "(Intercept)", "group=minorities",
                            "alder=3", "indkomst", "alder=3:koen=2" */
    size_t *term_of_col; /* p: index of the formula term each column belongs to
                            (SIZE_MAX for the intercept), for per-term Wald tests */
    size_t n_terms;
} helby_model_matrix;

/* The variables the formula's terms need (roles resolved), appended to load (room entries);
 * returns how many, or -1 on too little room or an unknown variable (err says which). */
int helby_formula_columns(const helby_survey *s, const helby_formula *f, const char **load,
                          size_t room, helby_error *err);

/* Build the model matrix of f's terms (no response) over the rows of D where in[k] is 1
 * (NULL: all rows; factor levels and references are taken over those rows with every term
 * present). Missing codes of the codebook are NaN (the row leaves the model). Errors:
 * HELBY_ENOTFOUND an unknown variable, HELBY_EINPUT a text variable, a factor with one level
 * only (naming it). Free with helby_model_matrix_free. */
helby_status helby_model_matrix_build(const helby_dataset *D, const helby_formula *f,
                                      const unsigned char *in, helby_model_matrix *out,
                                      helby_error *err);
void helby_model_matrix_free(helby_model_matrix *m);

/* ---- helby regress: a model per wave, or on the stacked waves ---- */

typedef struct helby_regress_request {
    const char *model; /* 'MEASURE ~ TERM + TERM…' (helby_formula_parse) */
    const long *waves; /* NULL or 0: every stored wave */
    size_t n_waves;
    int stacked; /* 0: one model per wave, on the wave's design; 1: one model on the
                    stacked waves (strata and PSUs nested in wave, as R on the
                    stacked file with nest = TRUE) */
    helby_glm_family family;
    helby_glm_df_rule df_rule;
    int replicates; /* 0: linearization; 1: replicate variance of `rep` */
    helby_rep_spec rep;
    const char *weights; /* a weight set of `helby weight`; NULL: base weights */
    double level;        /* confidence level (default 0.95) */
} helby_regress_request;

/* Gaussian, R svyglm's df, linearization, base weights, every wave, per wave, 95 %. */
void helby_regress_request_default(helby_regress_request *r);

/* A Wald test of one term with two or more columns, or of the whole model (every column but
 * the intercept: term "model"). */
typedef struct helby_regress_test {
    char term[256]; /* the term as written in the output: "ageband", "group:sex", "model" */
    helby_wald wald;
} helby_regress_test;

/* One fitted model: a wave's, or the stacked waves' (wave 0). */
typedef struct helby_regress_fit {
    long wave;
    helby_glm *glm;        /* coefficients, vcov, df, n, sum of weights */
    helby_model_matrix mm; /* its column names and terms (X freed: mm.X is NULL) */
    size_t n_tests;
    helby_regress_test *tests;
} helby_regress_fit;

typedef struct helby_regress_result {
    helby_formula formula;
    char variance[32]; /* "linearization", "jkn", … */
    char weights[64];  /* "base" or the weight set */
    helby_glm_family family;
    helby_glm_df_rule df_rule;
    double level;
    size_t n_fits;
    helby_regress_fit *fits;
} helby_regress_result;

/* Fit req's model on survey s's stored waves. Errors: HELBY_EUSAGE a formula's syntax or a
 * response that is no measure of s; HELBY_ENOTFOUND an unknown wave, variable or weight set;
 * HELBY_EINPUT a logistic response outside [0, 1] (naming the measure), separation (naming
 * the column), a residual df <= 0, a factor with one level, no respondent in the model —
 * each message starts with the wave it is about; HELBY_ENUMERIC no convergence. Free with
 * helby_regress_result_free. */
helby_status helby_regress(helby_store *st, const helby_survey *s, const helby_regress_request *req,
                           helby_regress_result **out, helby_error *err);
void helby_regress_result_free(helby_regress_result *r);

/* "svyglm" or "design", and the rule in words for every output's header:
 * "df = design df + 1 - coefficients (R svyglm)" / "df = design df (Stata)". */
const char *helby_glm_df_rule_name(helby_glm_df_rule r);
const char *helby_glm_df_rule_text(helby_glm_df_rule r);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
