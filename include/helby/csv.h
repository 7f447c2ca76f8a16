/*
 * helby/csv.h — reading delimited text exported by real systems.
 *
 * Turns a byte buffer (a whole file, read by the caller or by
 * helby_csv_read_file) into rows of UTF-8 fields, handing each row to a
 * callback with the physical line it started on. Handles a UTF-8 byte-order
 * mark, CRLF or LF line ends, quoted fields (with embedded separators, quotes
 * and newlines), the separators ';' ',' and TAB (sniffed or given, or named by
 * Excel's "sep=;" first line), the decimal mark (sniffed from the values), and
 * text in UTF-8, Windows-1252 (sniffed or given; converted to UTF-8) or UTF-16
 * with a byte-order mark (converted).
 * Parsing is done by libcsv in strict mode.
 *
 * It knows nothing of surveys: validating values is ingest's job. It never
 * prints. Errors carry file, line and column (1-based field number).
 */
#ifndef HELBY_CSV_H
#define HELBY_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "helby/error.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest is hidden */

typedef enum helby_encoding {
    HELBY_ENC_AUTO = 0, /* sniff: valid UTF-8 -> UTF-8, else Windows-1252 */
    HELBY_ENC_UTF8,
    HELBY_ENC_CP1252
} helby_encoding;

/* How a sniffed decimal mark was chosen (said in the import summary). */
typedef enum helby_decimal_source {
    HELBY_DECIMAL_GIVEN = 0,   /* by the caller */
    HELBY_DECIMAL_FROM_VALUES, /* only this mark appears between digits in the values */
    HELBY_DECIMAL_MAJORITY,    /* both appear; the more frequent one was taken */
    HELBY_DECIMAL_ASSUMED      /* no decimals seen: the delimiter's usual mark (';' -> ',') */
} helby_decimal_source;

typedef struct helby_dialect {
    char delimiter;          /* ';' ',' '\t'; 0 = sniff */
    char decimal;            /* '.' or ','; 0 = sniff (',' if delimiter is ';') */
    helby_encoding encoding; /* HELBY_ENC_AUTO = sniff */
    /* Filled in by sniffing (outputs; ignored as inputs): */
    int had_bom;  /* the file began with a UTF-8 BOM */
    int crlf;     /* the first line ended in CRLF */
    int sep_line; /* a first line "sep=X" (Excel) gave the delimiter; skipped */
    int utf16;    /* 0, or 'L' / 'B': UTF-16 LE / BE with BOM, converted */
    helby_decimal_source decimal_source; /* how the decimal mark was chosen */
} helby_dialect;

/* Limits that protect against hostile files. 0 in a field means the default. */
typedef struct helby_csv_limits {
    size_t max_field_bytes; /* default 1 MiB */
    size_t max_columns;     /* default 10000 */
} helby_csv_limits;

/* One field of a row: UTF-8, NUL-terminated, `len` bytes (no embedded NUL;
 * a NUL byte in the input is an error). Valid only during the callback. */
typedef struct helby_field {
    const char *text;
    size_t len;
    int quoted; /* the field was quoted in the file */
} helby_field;

/* Called once per record, the header included (row_index 0).
 * line: the 1-based physical line on which the record starts.
 * Return HELBY_OK to go on; any other status stops parsing and is returned
 * by helby_csv_parse (with err as filled by the callback). */
typedef helby_status (*helby_csv_row_fn)(void *ctx, size_t row_index, long line,
                                         const helby_field *fields, size_t nfields,
                                         helby_error *err);

/* Guess delimiter, decimal mark and encoding from the first bytes of buf.
 * Fields already set in *d (non-zero) are kept. Never fails on non-empty
 * input; an empty buffer is HELBY_EINPUT ("file is empty"). */
helby_status helby_csv_sniff(const unsigned char *buf, size_t len, helby_dialect *d,
                             const char *filename, helby_error *err);

/* Parse buf (a whole file) and call on_row for each record. Sniffs what *d
 * leaves open (and writes the result back to *d). filename is used only in
 * error messages. Errors (HELBY_EINPUT, with line and column): unclosed quote,
 * NUL byte, invalid UTF-8 when UTF-8 was requested, field or column limit
 * exceeded, empty file. Blank lines (only a line end) are skipped but counted.
 */
helby_status helby_csv_parse(const unsigned char *buf, size_t len, helby_dialect *d,
                             const helby_csv_limits *limits, const char *filename,
                             helby_csv_row_fn on_row, void *ctx, helby_error *err);

/* The largest file helby reads (1 GiB): a larger one is refused by its size, before a byte
 * of it is read. */
#define HELBY_MAX_FILE_BYTES ((size_t)1 << 30)
/* The first block of a file, read and checked before the rest (64 KiB). */
#define HELBY_FIRST_BLOCK ((size_t)1 << 16)

/* Check the first block of a CSV before the rest is read: a NUL byte (a binary file, not a
 * text export) is HELBY_EINPUT at its line and column, as helby_csv_parse would report it.
 * d may be NULL (everything sniffed). A UTF-16 file (byte-order mark) passes. */
helby_status helby_csv_check_first_block(const unsigned char *buf, size_t len,
                                         const helby_dialect *d, const char *filename,
                                         helby_error *err);

/* Read a whole file into a malloc'ed buffer (caller frees). Also computes
 * its SHA-256 as 64 lowercase hex chars + NUL into sha256_hex (may be NULL).
 * Only a regular file is read: it is opened without blocking (O_NONBLOCK) and a directory,
 * a named pipe (FIFO), a device or a socket is refused at once (HELBY_EIO); a file larger
 * than HELBY_MAX_FILE_BYTES is refused by its size (HELBY_EINPUT), and so is one that grows
 * past it while read. HELBY_EIO with the path and strerror when it cannot be read. */
helby_status helby_read_file(const char *path, unsigned char **out, size_t *out_len,
                             char sha256_hex[65], helby_error *err);

/* Called with the first HELBY_FIRST_BLOCK bytes of a file (fewer if the file is shorter)
 * before the rest is read; a status other than HELBY_OK (with err filled) stops the read. */
typedef helby_status (*helby_first_block_fn)(void *ctx, const unsigned char *block, size_t len,
                                             helby_error *err);

/* helby_read_file, with the first block handed to check (may be NULL) before the rest is
 * read: a file that cannot be what the caller wants is refused without reading it all. The
 * SHA-256 is computed as the bytes are read. */
helby_status helby_read_file_checked(const char *path, helby_first_block_fn check, void *ctx,
                                     unsigned char **out, size_t *out_len, char sha256_hex[65],
                                     helby_error *err);

/* Called when the rows handed to on_row so far are void and the parser starts over: the
 * file, read again from its start as Windows-1252 (its first block was valid UTF-8, a later
 * byte was not), or an error of the file's bytes (a NUL byte, an encoding error) found
 * after some rows, which a whole-file read reports before any row. */
typedef void (*helby_csv_reset_fn)(void *ctx);

/* What reads a CSV file block by block (helby_csv_parse_file). */
typedef struct helby_csv_reader {
    helby_first_block_fn check; /* may be NULL; called with check_ctx */
    void *check_ctx;
    helby_csv_row_fn on_row;  /* called with ctx */
    helby_csv_reset_fn reset; /* may be NULL */
    void *ctx;
} helby_csv_reader;

/* helby_csv_parse of the file at path, read in blocks of 256 KiB (as helby_read_file
 * refuses what is not a regular file within the size limit, and hands the first block to
 * r->check before the rest is read): memory holds a block and the line being read, not the
 * file. Rows, errors and their places are those of helby_csv_parse on the whole file (the
 * dialect is sniffed from its first MiB; a NUL byte or an encoding error anywhere is
 * reported, after r->reset, as the only error, as a whole read finds it before any row).
 * *bytes and sha256_hex (may be NULL) are those of the bytes read. A UTF-16 file is read
 * whole (it is converted first). */
helby_status helby_csv_parse_file(const char *path, helby_dialect *d,
                                  const helby_csv_limits *limits, const helby_csv_reader *r,
                                  size_t *bytes, char sha256_hex[65], helby_error *err);

/* The first (up to) cap bytes of a regular file within the size limit (refused as
 * helby_read_file refuses): to tell its format before it is read. */
helby_status helby_read_head(const char *path, unsigned char *buf, size_t cap, size_t *got,
                             helby_error *err);

/* SHA-256 of a buffer as lowercase hex (65 bytes with NUL). */
void helby_sha256_hex(const void *data, size_t len, char out[65]);

/* Parse a number as written in an export: optional sign, digits, one decimal
 * mark (`decimal`), optional exponent; surrounding spaces allowed; no
 * thousands separators (helby_parse_grouped_number); "NaN"/"inf" and empty text are rejected.
 * Returns 1 and sets *out on success, 0 otherwise. */
int helby_parse_number(const char *text, size_t len, char decimal, double *out);

/* A number written with thousands separators, as Excel writes it: the separator is the mark
 * that is not `decimal` ('.' in "1.029,5" with decimal ',', ',' in "1,029.5" with decimal
 * '.'), between groups of exactly three digits after a first group of 1-3 digits that does
 * not begin with 0, then an optional decimal part; sign and surrounding spaces allowed.
 * Returns 2 (and *out) when the text can only be so read (a decimal part, or two or more
 * separators: "1.029,5", "1.029.500"), 1 when it could also be a number with the other
 * decimal mark ("1.029": 1029 or 1.029), 0 when it is not so written. */
int helby_parse_grouped_number(const char *text, size_t len, char decimal, double *out);

/* A finite number as text that reads back (strtod) as the same double, in its shortest form:
 * whole numbers below 2^53 as integers ("2880", not "2.88e+03"), others with the fewest
 * significant digits (at most 17) that round-trip. buf of n >= 32 bytes. */
void helby_format_number(char *buf, size_t n, double x);

/* ---- Files going out (outfile.c): whole or not at all ---- */

/* Create a temporary file beside path (path.XXXXXX, mode 0600; with private_mode 0 then set
 * to 0666 less the umask, as fopen makes a file) for the caller to write through *fd; then
 * helby_outfile_commit renames it onto path, or helby_outfile_abort removes it. A full disk,
 * an error or a killed process thus never leaves a partial file at path, nor removes the
 * file that was there. HELBY_EIO (path named) when it cannot be created; HELBY_EINPUT when
 * path exists but is no regular file (a terminal, pipe, device, directory). A symlink at path
 * to a file is kept: the file it names is replaced. *tmp is the temporary file's name. */
helby_status helby_outfile_begin(const char *path, int private_mode, char **tmp, int *fd,
                                 helby_error *err);
/* Rename tmp onto path (tmp is freed; removed if the rename fails: HELBY_EIO). */
helby_status helby_outfile_commit(char *tmp, const char *path, helby_error *err);
/* Remove tmp and free it (NULL: nothing). */
void helby_outfile_abort(char *tmp);
/* 1 if a and b name the same existing file (device and inode: links and other spellings of
 * the path included), else 0. */
int helby_same_file(const char *a, const char *b);

/* ---- Text going out (text.c) ---- */

/* 1 if a spreadsheet would take the text cell s for a formula: it starts with =, +, -, @, tab
 * or CR and is not a number ("-1.5" and "+3" are numbers; OWASP CSV injection). */
int helby_csv_formula_like(const char *s);

/* Write s as one CSV cell with separator sep (0: ';'): in quotes (doubled inside) when it
 * holds sep, a quote, CR or LF; with a leading ' when it is formula-like (above) unless raw.
 * Every CSV helby writes for people (reports, exports, the command line's --format csv)
 * writes its text cells with it. */
void helby_csv_write_cell(FILE *f, const char *s, char sep, int raw);

/* Copy src into dst of n bytes as snprintf("%s") would, but a text longer than n - 1 bytes is
 * cut on a UTF-8 character boundary and ends in "…" (U+2026), so the copy stays valid UTF-8
 * (never half a character). Returns strlen(src): a result >= n means it was cut. */
size_t helby_utf8_copy(char *dst, size_t n, const char *src);

/* The byte offset of the first byte of s (len bytes) that is not valid UTF-8 (an invalid or
 * cut sequence, an overlong form, a surrogate), or -1 when s is valid UTF-8: the rule
 * helby_csv_parse applies to a CSV. */
long helby_utf8_invalid_at(const char *s, size_t len);

/* The byte offset of the first bidirectional embedding, override or isolate control
 * (U+202A..U+202E, U+2066..U+2069) in the len bytes of UTF-8 at s, or -1 when there is none.
 * Such a character reorders the text around it on screen (a label that reads differently
 * from what it says): labels holding one are refused where they enter helby. */
long helby_bidi_control_at(const char *s, size_t len);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
