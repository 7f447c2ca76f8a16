/*
 * helby/export.h — respondent-level data out of the store, for re-analysis elsewhere.
 *
 * Builds a table of columns (the stored weights of a weight set with respondent ids and base
 * weights; or the scored data: ids, wave, design columns, group, district, covariates, items,
 * shares, dimension and index scores, base and final weights) and writes it as CSV (shortest
 * round-trip numbers, empty for missing), SPSS .sav or Stata .dta (ReadStat's writer) with
 * variable and value labels.
 *
 * Exports are microdata: files are created with mode 0600 (an existing file is truncated and
 * set to 0600). This module writes only where it is told; it never decides where a file goes
 * and never prints. Method: docs/method.md §9.
 */
#ifndef HELBY_EXPORT_H
#define HELBY_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include "helby/error.h"
#include "helby/store.h"
#include "helby/survey.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default) /* the API; the rest is hidden */

typedef struct helby_export_column {
    char *name;  /* a valid SPSS / Stata name (owned) */
    char *label; /* variable label (owned; may be NULL) */
    int is_text;
    double *num;                     /* n_rows values, NaN = missing (owned) */
    char **text;                     /* n_rows strings (owned) */
    const helby_value_label *labels; /* value labels (not owned: the survey's or static) */
    size_t n_labels;
    const double *missing; /* the codebook's missing codes (not owned): SPSS user-missing
                              values, Stata extended missing .a, .b, ... in this order */
    size_t n_missing;
} helby_export_column;

typedef struct helby_export_table {
    size_t n_rows, n_cols, cap;
    helby_export_column *cols;
    char file_label[256];
    char csv_sep; /* CSV separator: ';' (0, the default, as every helby CSV), ',' or '\t' */
    /* 0: a text cell starting with =, +, -, @, tab or CR that is not a number gets a leading '
     * (a spreadsheet would run it as a formula; OWASP CSV injection); 1: cells as stored. */
    int csv_raw;
} helby_export_table;

typedef enum helby_export_format {
    HELBY_EXPORT_CSV = 0,
    HELBY_EXPORT_SAV, /* SPSS system file */
    HELBY_EXPORT_DTA  /* Stata 14+ (format 118, UTF-8) */
} helby_export_format;

void helby_export_table_free(helby_export_table *t);

/* The weights of weight set `name` (NULL: every weight set) of survey s, one row per
 * respondent and set: weight_set, id, wave, base_weight, final_weight, g_weight (final /
 * base), waves ascending. The final weights are the stored ones, unchanged. HELBY_ENOTFOUND
 * when there is no such set; HELBY_EINPUT when a wave was re-imported since the set was made
 * (its input file differs: `weight create --replace`). Free with helby_export_table_free. */
helby_status helby_export_weights(helby_store *st, const helby_survey *s, const char *name,
                                  helby_export_table **out, helby_error *err);

/* The scored data of every stored wave of survey s: id, wave, stratum, psu, fpc, base_weight,
 * the group variable and group (0 ethnic Danes, 1 minorities), district, covariates, items
 * as coded (missing codes as stored), shares (0/1), dimension and index scores (0-100), and,
 * when weights names a weight set (not NULL or "base"), its stored final_weight. Labels in
 * language lang ("da" or "en"; NULL: the survey's report language); value labels are the
 * codebook's (one language). Coded columns carry their missing codes (helby_export_column). */
helby_status helby_export_scored(helby_store *st, const helby_survey *s, const char *weights,
                                 const char *lang, helby_export_table **out, helby_error *err);

/* Write t as CSV (t->csv_sep separated, ';' by default, header row) to f. */
helby_status helby_export_write_csv(const helby_export_table *t, FILE *f, helby_error *err);

/* Write t to path in format fmt, mode 0600. HELBY_EIO when the file cannot be written,
 * HELBY_EINPUT when the format cannot hold the table (ReadStat's message). */
helby_status helby_export_write(const helby_export_table *t, const char *path,
                                helby_export_format fmt, helby_error *err);

/* The calls that declare survey s's design, as helby estimates it, on an export of it: R
 * (svydesign), Stata (svyset) and SPSS (CSPLAN) — strata within wave (waves are independent
 * samples), PSUs nested in them, the fpc only when the survey declares one, its lonely-PSU
 * rule — and, with weights (a weight set's name, not NULL or "base"), the final weights.
 * data_path is the export's file name (R reads it, SPSS names its plan after it). *out
 * (malloc'ed, caller frees) is text for a person: comment lines and the three calls. */
helby_status helby_export_design_calls(const helby_survey *s, const char *weights,
                                       const char *data_path, char csv_sep, char **out,
                                       helby_error *err);

/* "csv", "sav", "dta" (or a path ending in .csv, .sav, .dta) into *fmt; -1 otherwise. */
int helby_export_format_parse(const char *text, helby_export_format *fmt);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
