/* output.h — one writer of tables for every command: text for people, CSV (';'-separated,
 * full precision) and JSON (an array of objects) for programs.
 *
 * Numbers in CSV and JSON are written in the shortest form that reads back to the same
 * double (at most 17 significant digits); an undefined value (NaN) is an empty field in CSV
 * and null in JSON, never "nan". Text output pads columns by display width (UTF-8 aware) and
 * writes an undefined number as "–". */
#ifndef HELBY_CLI_OUTPUT_H
#define HELBY_CLI_OUTPUT_H

#include <stdio.h>

#include "helby/survey.h"

typedef enum out_format { OUT_TEXT = 0, OUT_CSV, OUT_JSON } out_format;

/* Parse "text", "csv", "json"; returns -1 for anything else. */
int out_format_parse(const char *name, out_format *out);

typedef enum out_kind {
    OUT_STR = 0, /* text */
    OUT_NUM,     /* a double (NaN = undefined) */
    OUT_INT      /* a long long */
} out_kind;

typedef struct out_col {
    const char *name; /* header and JSON key */
    out_kind kind;
    int width;            /* text: minimum width (0: none); negative: left-aligned */
    const char *text_fmt; /* text: printf format of a number (default "%.4g") */
} out_col;

typedef struct out_value {
    const char *s;
    double d;
    long long i;
} out_value;

typedef struct out_table {
    FILE *f;
    out_format format;
    const out_col *cols;
    size_t n_cols;
    size_t rows; /* written so far */
    int header_done;
    /* out_begin_waves: the column "wave" (its index; n_cols when none is labelled), and the
     * survey and language of its labels. */
    size_t wave_col;
    const helby_survey *survey;
    const char *lang;
    out_col label_col; /* the added column wave_label */
} out_table;

/* Start a table on f: the header line (text, CSV) or "[" (JSON). */
void out_begin(out_table *t, FILE *f, out_format format, const out_col *cols, size_t n_cols);
/* out_begin for a table with a column named "wave" (issue 24 item 5, as `compare` does):
 * where the survey's codebook labels the wave variable's codes (helby_survey_labels_waves),
 * every format gets a column wave_label right after wave, the wave's label in lang (NULL:
 * the survey's language) or, for a code the codebook does not label, the code; otherwise the
 * table is as out_begin makes it. The wave's value is read by the column's kind (a text that
 * is not a number, such as regress's "stacked", is its own label). s must outlive t. */
void out_begin_waves(out_table *t, FILE *f, out_format format, const out_col *cols, size_t n_cols,
                     const helby_survey *s, const char *lang);
/* The wave_label of wave: its label in lang (NULL: the survey's language), else the code as
 * text in buf. */
const char *out_wave_label(const helby_survey *s, long wave, const char *lang, char *buf, size_t n);
/* One row: v[i] for cols[i] (only the member its kind names is read). */
void out_row(out_table *t, const out_value *v);
/* Finish: "]" for JSON. */
void out_end(out_table *t);

/* CSV text cells as they are (1, --csv-raw) or, by default (0), a cell starting with =, +, -,
 * @, tab or CR that is not a number with a leading ' (helby_csv_write_cell). */
void out_csv_raw(int raw);

/* Writers of single values, for commands with their own layout. */
void out_json_string(FILE *f, const char *s);
void out_number(FILE *f, double x, out_format format); /* shortest round-trip, NaN as above */
/* Print s padded to `width` display columns (negative: right-aligned). */
void out_pad(FILE *f, const char *s, int width);

#endif
