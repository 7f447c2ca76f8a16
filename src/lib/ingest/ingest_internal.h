/* ingest_internal.h — the statistical-package layer of ingest (ingest_readstat.c).
 *
 * SPSS, Stata and SAS files are read by ReadStat in two steps: first the whole
 * file into a table (values, value labels, user-missing declarations), because
 * a Stata file keeps its value labels after the data; then the table is fed,
 * row by row as text fields, to the same row callback the CSV reader feeds, so
 * that every check of ingest.c applies unchanged. Mapping file conventions to
 * the codebook (user-missing and extended missing values, value labels) is
 * done while feeding, and what cannot be mapped is reported through a
 * callback with its row and variable. */
#ifndef HELBY_INGEST_INTERNAL_H
#define HELBY_INGEST_INTERNAL_H

#include "helby/csv.h"
#include "helby/ingest.h"
#include "helby/survey.h"
#include "base/util_internal.h"

typedef struct helby_rs_table helby_rs_table;

/* The format of a response file: its extension, else its first bytes. */
helby_file_format helby_file_format_sniff(const unsigned char *buf, size_t len, const char *name);

/* Read a whole SPSS/Stata/SAS file held in memory into *out (free with
 * helby_rs_table_free). HELBY_EINPUT with ReadStat's reason when the file
 * cannot be parsed. */
helby_status helby_rs_read(const unsigned char *buf, size_t len, const char *name,
                           helby_file_format fmt, helby_rs_table **out, helby_error *err);
void helby_rs_table_free(helby_rs_table *t);

/* What a ReadStat pass saw of a file, for the proof that it read all of it. */
typedef struct helby_rs_facts {
    long declared;               /* the header's row count; -1 when it declares none */
    size_t rows, values, n_vars; /* rows and values read; variables declared */
    size_t row_width;            /* bytes of a row (sum of storage widths; .xpt) */
    size_t high_water;           /* the furthest byte ReadStat read */
} helby_rs_facts;

/* HELBY_EINPUT, the file named, unless ReadStat provably read the whole file: every row the
 * header declares and no more, every value of every row, and the format's end where it has
 * one (ingest_whole.c). helby_rs_read calls it. */
helby_status helby_rs_check_whole(const unsigned char *buf, size_t len, const char *name,
                                  helby_file_format fmt, const helby_rs_facts *f, helby_error *err);
size_t helby_rs_table_rows(const helby_rs_table *t);

/* Reports a value the codebook cannot take (row is 1-based, 0 for the file's
 * dictionary; col is the 1-based variable number). */
typedef void (*helby_rs_report_fn)(void *ctx, long row, long col, const char *var, const char *msg);

/* Feed the header (row_index 0, line 0) and every row (line = row number) to
 * on_row as text fields: numbers as %.17g (exact), system-missing as empty,
 * SPSS user-missing and Stata/SAS extended missing values as the codebook's
 * missing codes. Value labels that disagree with the codebook's are reported
 * before the rows; the extended missing values mapped are noted after them. Returns what
 * on_row returned, or HELBY_ENOMEM. */
/* Adds a note (one line) to the import summary. */
typedef void (*helby_rs_note_fn)(void *ctx, const char *text);

helby_status helby_rs_feed(const helby_rs_table *t, const helby_survey *s, helby_csv_row_fn on_row,
                           helby_rs_report_fn report, helby_rs_note_fn note_fn, void *ctx,
                           helby_error *err);

/* helby_validate_buffer of the CSV file at path, read in blocks (helby_csv_parse_file, its
 * first block handed to check first): memory holds the wave's columns, not the file. */
helby_status helby_validate_csv_file(const helby_survey *s, const char *path,
                                     const helby_import_options *opt, helby_first_block_fn check,
                                     void *check_ctx, helby_frame **out, helby_import_summary *sum,
                                     helby_error_list *errs, helby_error *err);

/* ---- What a data file says about its columns, for survey draft (draft.c) ---- */

#define HELBY_DRAFT_MAX_CODES 40

typedef struct helby_draft_col {
    char *name, *label;       /* label: the file's variable label, or NULL */
    int is_text;              /* some value is not a number (or a string variable) */
    int all_whole;            /* every number is a whole number */
    size_t n_values, n_empty; /* values seen; empty or system-missing cells */
    size_t n_numbers;         /* values that are numbers */
    double min, max;          /* of the values, user-missing ones excluded */
    double codes[HELBY_DRAFT_MAX_CODES];
    size_t n_codes; /* distinct whole values (ascending), up to the max */
    int more_codes; /* more distinct values than that */
    double missing[8];
    size_t n_missing;   /* SPSS user-missing values declared in the file */
    int missing_ranges; /* SPSS user-missing ranges (not carried over) */
    helby_buf labels;   /* value labels "1=Ja|2=Nej" from the file */
    helby_buf tagged;   /* extended missing values and their labels ".a=Ved ikke" */
    size_t n_tagged;    /* cells with an extended missing value */
    const char *file;   /* the (first) file the column is in, its labels' file */
    size_t n_files;     /* files the column is in */
    helby_buf texts;    /* distinct text values "Ja|Nej" (a labels export), up to the max */
    size_t n_texts;
    int more_texts;      /* more distinct texts than HELBY_DRAFT_MAX_CODES */
    helby_buf conflicts; /* value labels that differ between files, one line each */
    size_t n_conflicts;
} helby_draft_col;

/* One observed code of a column, kept sorted and once; more than HELBY_DRAFT_MAX_CODES set
 * more_codes (draft_col.c). */
void helby_draft_col_add_code(helby_draft_col *c, double x);
/* One text value of a column, kept once (draft_col.c). */
void helby_draft_col_add_text(helby_draft_col *c, const char *text, size_t len);
/* b's value labels into a's: codes a lacks are added, a code labelled otherwise is a
 * conflict noted in a->conflicts with both files (draft_col.c). */
void helby_draft_col_merge_labels(helby_draft_col *a, const helby_draft_col *b);
/* Count one numeric value of a column (draft_col.c). */
void helby_draft_col_observe(helby_draft_col *c, double x);
void helby_draft_cols_free(helby_draft_col *cols, size_t n);

/* The columns of an SPSS/Stata/SAS table as a draft codebook sees them. */
helby_status helby_rs_draft_columns(const helby_rs_table *t, helby_draft_col **out, size_t *n);

/* ---- Matching file text to the codebook (ingest_map.c) ---- */

/* Equal ignoring surrounding spaces and case (ASCII and Latin-1 letters: Æ = æ). */
int helby_same_text_folded(const char *a, size_t na, const char *b, size_t nb);

/* The variable named `name` (len bytes): exactly, else ignoring case (*folded = 1);
 * HELBY_NO_VAR when neither. */
size_t helby_match_column(const helby_survey *s, const char *name, size_t len, int *folded);

/* The codebook name closest to `name` (at most two edits), or NULL: for "did you mean". */
const char *helby_nearest_var(const helby_survey *s, const char *name);

/* The code whose value label is `text` (folded as above): 1 and *code, 2 and *code when
 * text is an alias of the code's label (`9~Vil ikke svare`), 0 when no label or alias
 * matches, -1 when two codes share the wording. */
int helby_label_code(const helby_variable *v, const char *text, size_t len, double *code);

/* For a text cell no label of v matches: "'Vil ikke svare' looks like the label of code 9
 * ('Ønsker ikke at svare'): if it is, add 9~Vil ikke svare to ..." when one label is alike
 * (words in common, or a near spelling), else "'Sydhavnen' is not a label of district in
 * the codebook: if it is a new district, add it to the codebook (11=Sydhavnen ...)". */
void helby_label_hint(const helby_variable *v, const char *text, size_t len, char *out, size_t n);

/* ---- One line per column and kind of error (ingest_digest.c) ---- */

/* A kind of error seen on this many rows gets a summary line. */
#define HELBY_DIGEST_MIN_ROWS 3

typedef struct helby_err_digest helby_err_digest;
helby_err_digest *helby_digest_new(void);
void helby_digest_free(helby_err_digest *d);
/* Count a value error: `shown` is the quoted value, `kind` what was expected. -1 when out
 * of memory. */
int helby_digest_add(helby_err_digest *d, const char *var, const char *shown, long line,
                     const char *kind);
/* Insert one error per kind seen on HELBY_DIGEST_MIN_ROWS rows or more at errs->items[at]
 * (before that file's examples), with line 0 and the hint how to fix the codebook when the
 * values are codes it lacks; `where` names the line numbers ("lines", "rows"). The list may
 * exceed its limit by these; they count in errs->n_summaries, not in errs->total. */
helby_status helby_digest_insert(const helby_err_digest *d, const helby_survey *s, const char *file,
                                 const char *where, helby_error_list *errs, size_t at);

#endif
