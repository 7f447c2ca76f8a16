/*
 * helby/ingest.h — validating and importing response files.
 *
 * Reads a response file — CSV (dialect sniffed or given, see csv.h), or an
 * SPSS (.sav, .zsav, .por), Stata (.dta) or SAS (.sas7bdat, .xpt) file read by
 * ReadStat and checked exactly as a CSV would be — checks
 * every value against the survey definition's codebook and design columns,
 * and either imports the whole file as one wave in one transaction or imports
 * nothing and reports every problem found (up to a limit) as
 * file:line:column: variable: value: what was expected.
 *
 * Checks: the header (unknown, duplicate or missing required columns); ragged
 * rows; numbers (decimal mark, integers for codes); valid ranges and missing
 * codes; value labels for group and district; empty or duplicate respondent
 * ids; zero, negative, empty or absurd (above 1e12) weights; a PSU in two strata; fpc not constant
 * within a stratum or smaller than the sampled PSUs; rows of another wave.
 *
 * In SPSS, Stata and SAS files errors name the row (1-based observation) and
 * the variable's position. System-missing values are empty cells; SPSS
 * user-missing values must be missing codes of the codebook; Stata and SAS
 * extended missing values (.a–.z) become the codebook's missing code whose
 * value label equals the file's label of that extended value; a value label of
 * the file that differs from the codebook's label of the same code is an error
 * (labels compare ignoring case and surrounding spaces). Nothing else is
 * mapped: the codebook decides what a code means.
 */
#ifndef HELBY_INGEST_H
#define HELBY_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "helby/csv.h"
#include "helby/error.h"
#include "helby/store.h"
#include "helby/survey.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest is hidden */

/* What kind of file a response file is. */
typedef enum helby_file_format {
    HELBY_FORMAT_AUTO = 0, /* by extension, else by the first bytes, else CSV */
    HELBY_FORMAT_CSV,
    HELBY_FORMAT_SAV,      /* SPSS system file, .sav or compressed .zsav */
    HELBY_FORMAT_POR,      /* SPSS portable file */
    HELBY_FORMAT_DTA,      /* Stata */
    HELBY_FORMAT_SAS7BDAT, /* SAS data set */
    HELBY_FORMAT_XPT       /* SAS transport (XPORT v5 or v8) */
} helby_file_format;

/* Short name of a format: "csv", "spss-sav", "spss-por", "stata-dta", "sas7bdat", "sas-xpt". */
const char *helby_file_format_name(helby_file_format f);

typedef struct helby_import_options {
    helby_file_format format; /* HELBY_FORMAT_AUTO: by extension / first bytes */
    helby_dialect dialect;    /* CSV only; zeroes: sniff everything */
    long wave;                /* 0: take the wave from the wave column */
    int replace;              /* replace an existing wave / allow the same file again */
    size_t max_errors;        /* errors kept for the report; 0: 100 */
    /* Columns to leave out (names matched ignoring case); a name that matches no column
     * is an error. */
    const char *const *ignore_columns;
    size_t n_ignore_columns;
    int ignore_unknown_columns; /* leave out columns the codebook does not know */
    /* "OLD=NEW": the file's column OLD (matched ignoring case) is read as the codebook's
     * variable NEW; noted. An OLD that names no column, or a NEW the codebook lacks, is an
     * error. */
    const char *const *renames;
    size_t n_renames;
    /* 0 (default): a text cell of a code column that equals one of the variable's value
     * labels in the codebook (ignoring case and surrounding spaces) is read as its code,
     * as in an SPSS "labels" export ("Ja" -> 1); every column so read is noted. 1: such
     * cells are errors. */
    int refuse_labels;
    /* 1: several files one at a time on this thread alone, so that at most one file's
     * columns are in memory (the least memory, the most time); 0 (default): two threads
     * validate the next two CSV files while one is written (helby_import_files). The result
     * is the same either way. */
    int sequential;
    /* Optional progress callback (fraction 0..1), called a few hundred times at most. */
    void (*progress)(void *ctx, double fraction);
    void *progress_ctx;
} helby_import_options;

/* Initialize options to the defaults (sniff, wave from the file, no replace). */
void helby_import_options_default(helby_import_options *o);

typedef struct helby_count {
    double code; /* group or district code */
    size_t n;    /* respondents */
} helby_count;

typedef struct helby_item_nonresponse {
    size_t var;       /* index into survey->vars */
    size_t n_empty;   /* empty cells */
    size_t n_missing; /* missing codes (e.g. 8, 9, 98, 99) */
} helby_item_nonresponse;

typedef struct helby_import_summary {
    char file_sha256[65];
    size_t bytes;
    size_t n_rows;
    long wave;
    int64_t import_id;        /* 0 when only validated */
    helby_file_format format; /* as detected */
    helby_dialect dialect;    /* as sniffed (CSV only) */
    helby_count *groups;
    size_t n_groups; /* ascending by code */
    helby_count *districts;
    size_t n_districts; /* ascending by code */
    helby_item_nonresponse *items;
    size_t n_items; /* items in file order */
    /* Every assumption and mapping the import made, one per line ("decimal mark '.'
     * sniffed from the values", "column 'postnr' ignored (--ignore-column)", "disk_12m:
     * 2975 cells written as value labels, read as codes (e.g. 'Ja' -> 1)"); NULL when
     * none. Stored in the import record. */
    char *notes;
} helby_import_summary;

void helby_import_summary_free(helby_import_summary *sum);

/* What an import record stores of how the file was read, e.g.
 * "delimiter=; decimal=, encoding=utf-8 bom crlf" or "format=spss-sav", followed by the
 * notes ("; notes: ... | ..."). Malloc'ed (caller frees); NULL when out of memory. */
char *helby_import_describe_dup(const helby_import_summary *sum);

/* Parse and validate a whole response file held in memory (name is used in
 * messages). On success *out is a frame with one column per file column
 * (numeric columns as doubles, missing codes kept, NaN for empty cells; text
 * columns as text) and sum is filled. On bad input returns HELBY_EINPUT with
 * every problem in errs (err holds the first), and *out is NULL. */
helby_status helby_validate_buffer(const helby_survey *s, const unsigned char *buf, size_t len,
                                   const char *name, const helby_import_options *opt,
                                   helby_frame **out, helby_import_summary *sum,
                                   helby_error_list *errs, helby_error *err);

/* Read, validate and import the file at path into the store, all or nothing. */
helby_status helby_import_file(helby_store *st, const helby_survey *s, const char *path,
                               const helby_import_options *opt, helby_import_summary *sum,
                               helby_error_list *errs, helby_error *err);

/* Import the n files at paths (one wave each) as one: all or nothing. Each file is
 * validated and, while no error has been seen, written inside one transaction and freed;
 * files after an error are still validated, so errs lists every error of every file. Two
 * threads validate the next two CSVs while one is written (memory holds at most three
 * waves; an SPSS/Stata/SAS file, read whole, is validated alone); errs, err and sums are
 * what validating one file after the other gives, and the progress callback is called for
 * the file the import has reached only, never from two threads at once, but maybe from a
 * thread of the library's (it must not call helby).
 * With check_only nothing is written. sums (n, zeroed by the caller; free each with
 * helby_import_summary_free) receive each file's summary.
 * Returns HELBY_EINPUT when a file had errors (err holds the first, errs all of them; the
 * store is unchanged), another status for a failure that is not a file's (e.g. the wave
 * exists: HELBY_EEXISTS; the store is unchanged), HELBY_OK when all were imported. */
helby_status helby_import_files(helby_store *st, const helby_survey *s, const char *const *paths,
                                size_t n, int check_only, const helby_import_options *opt,
                                helby_import_summary *sums, helby_error_list *errs,
                                helby_error *err);

/* The same for a file already in memory (used by tests and fuzzing). */
helby_status helby_import_buffer(helby_store *st, const helby_survey *s, const unsigned char *buf,
                                 size_t len, const char *name, const helby_import_options *opt,
                                 helby_import_summary *sum, helby_error_list *errs,
                                 helby_error *err);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
