/* csv_internal.h — the pieces of csv.c that the streaming reader (csv_stream.c) shares:
 * the line feeder, encoding checks, error placement and file opening. */
#ifndef HELBY_CSV_INTERNAL_H
#define HELBY_CSV_INTERNAL_H

#include <nettle/sha2.h>
#include <stddef.h>

#include "helby/csv.h"

/* A place in the text: 1-based line and column (field number), and whether a quote is
 * open. */
typedef struct helby_csv_pos {
    long line, col;
    int inq;
} helby_csv_pos;

/* Advance *at over n bytes of text (counting as helby_csv_parse places its errors). */
void helby_csv_locate_step(const unsigned char *buf, size_t n, char delim, helby_csv_pos *at);

/* Offset of the first invalid UTF-8 byte in p, or len when all are valid. */
size_t helby_csv_utf8_invalid_at(const unsigned char *p, size_t len);
/* len less a UTF-8 sequence cut at the end (one that may go on in the next block). */
size_t helby_csv_utf8_complete(const unsigned char *p, size_t len);
/* Windows-1252 to UTF-8 (out has room for 3 * n bytes): the bytes written, or (size_t)-1
 * with *bad the offset of a byte Windows-1252 leaves undefined. */
size_t helby_csv_cp1252_to_utf8(const unsigned char *in, size_t n, unsigned char *out, size_t *bad);
/* The error helby_csv_parse gives for invalid UTF-8 at p[bad] / a byte undefined in
 * Windows-1252, at a line and column already known. */
helby_status helby_csv_utf8_error(const unsigned char *p, size_t bad, char delim, long first_line,
                                  const char *filename, helby_error *err);
helby_status helby_csv_utf8_error_at(long line, long col, unsigned char byte, const char *filename,
                                     helby_error *err);
helby_status helby_csv_cp1252_error_at(long line, long col, unsigned char byte,
                                       const char *filename, helby_error *err);
helby_status helby_csv_nul_error_at(long line, long col, const char *filename, helby_error *err);

/* Where the text begins: after a UTF-8 byte-order mark and an Excel "sep=X" line (*sep_len
 * its length with its line end, 0 when none; *sep gets X). */
size_t helby_csv_text_start(const unsigned char *buf, size_t len, char *sep, size_t *sep_len);

/* Feeds text, physical line by physical line, to libcsv (or splits a plain line itself)
 * and hands each record to on_row, as helby_csv_parse does. */
typedef struct helby_csv_feed helby_csv_feed;
helby_status helby_csv_feed_new(helby_csv_feed **out, char delim, const helby_csv_limits *limits,
                                const char *filename, long first_line, helby_csv_row_fn on_row,
                                void *ctx, helby_error *err);
/* Feed the complete lines of p[0..n) (the last, unterminated one too when at_eof); returns
 * the bytes fed (a partial last line is left to the next call). Stops at an error. */
size_t helby_csv_feed_text(helby_csv_feed *f, const unsigned char *p, size_t n, int at_eof);
helby_status helby_csv_feed_status(const helby_csv_feed *f);
/* The end of the text: a quote still open is an error; frees f; the first error's status. */
helby_status helby_csv_feed_end(helby_csv_feed *f);
/* Free f without ending the text. */
void helby_csv_feed_free(helby_csv_feed *f);

/* Open a regular file within HELBY_MAX_FILE_BYTES for reading (csv.h: helby_read_file). */
helby_status helby_csv_open_regular(const char *path, int *fd, size_t *size, helby_error *err);
/* Read up to n bytes; *got is less only at the end of the file. -1 on a read error. */
int helby_csv_read_full(int fd, unsigned char *b, size_t n, size_t *got);
/* The rest of a file into *b (capacity *cap, *len bytes read so far), hashed into h. */
helby_status helby_csv_read_rest(int fd, const char *path, unsigned char **b, size_t *cap,
                                 size_t *len, struct sha256_ctx *h, helby_error *err);
void helby_csv_sha256_hex(struct sha256_ctx *h, char out[65]);

#endif
