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
} out_table;

/* Start a table on f: the header line (text, CSV) or "[" (JSON). */
void out_begin(out_table *t, FILE *f, out_format format, const out_col *cols, size_t n_cols);
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
