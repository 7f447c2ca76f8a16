/*
 * helby/draft.h — a draft survey definition from data files (helby survey draft).
 *
 * Reads response files (CSV, or SPSS/Stata/SAS through ReadStat as ingest.h does) and
 * writes a directory with survey.ini, codebook.csv and indices.csv for the survey team to
 * complete. From an SPSS or Stata file it takes variable labels, value labels and SPSS
 * user-missing codes; from any file the types (text, whole-number codes, real numbers) and
 * the observed ranges and codes. It decides nothing a person must decide: every role,
 * design column, wave, group and index is written as TODO (so `helby survey check` lists
 * what is left), and everything inferred is said in a comment row above its variable.
 * Several files are merged by column name (a column in one file only is noted).
 */
#ifndef HELBY_DRAFT_H
#define HELBY_DRAFT_H

#include <stddef.h>

#include "helby/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default) /* the API; the rest is hidden */

typedef struct helby_draft_summary {
    size_t n_files;
    size_t n_vars; /* variables written to codebook.csv */
    size_t n_rows; /* data rows read, all files */
    size_t n_todo; /* TODO markers written */
} helby_draft_summary;

/* Draft a definition from the files at paths[0..n_paths-1] into directory out_dir, which
 * is created if missing; existing survey.ini, codebook.csv or indices.csv there are not
 * overwritten (HELBY_EEXISTS). Bad data files are HELBY_EINPUT with the file named. */
helby_status helby_survey_draft(const char *const *paths, size_t n_paths, const char *out_dir,
                                helby_draft_summary *sum, helby_error *err);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
