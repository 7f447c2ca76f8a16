#define _GNU_SOURCE /* strtod_l */
/* csv.c — reading delimited text exported by real systems (helby/csv.h).
 *
 * The buffer is checked (NUL bytes, encoding) and converted to UTF-8 first,
 * then fed to libcsv one physical line at a time so every record knows the
 * line it started on. */
#include "helby/csv.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/csv_internal.h"
#include "base/util_internal.h"

#define DEFAULT_MAX_FIELD (1u << 20)
#define DEFAULT_MAX_COLUMNS 10000u

/* ---- encodings ---- */

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && p[1] < 0xA0)
            return 0; /* overlong */
        if (c == 0xED && p[1] >= 0xA0)
            return 0; /* surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && p[1] < 0x90)
            return 0;
        if (c == 0xF4 && p[1] >= 0x90)
            return 0;
        return 4;
    }
    return 0;
}

size_t helby_csv_utf8_invalid_at(const unsigned char *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (i + 8 <= len) { /* eight ASCII bytes at a time */
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (!(w & 0x8080808080808080ULL)) {
                i += 8;
                continue;
            }
        }
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_seq(p + i, len - i);
        if (!k)
            return i;
        i += k;
    }
    return len;
}

#define utf8_invalid_at helby_csv_utf8_invalid_at

size_t helby_csv_utf8_complete(const unsigned char *p, size_t len)
{
    /* A sequence's lead byte is among the last 3; it is cut if it needs more than remain. */
    for (size_t k = 1; k <= 3 && k <= len; k++) {
        unsigned char c = p[len - k];
        if ((c & 0xC0) == 0x80)
            continue; /* a continuation byte */
        size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        return need > k ? len - k : len;
    }
    return len;
}

/* Windows-1252 0x80..0x9F as Unicode; 0 = undefined. */
static const unsigned short cp1252_hi[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

/* Advance a line/column count (field number, counting delimiters outside quotes) over n
 * bytes: used only to place errors (a stream counts block after block). */
void helby_csv_locate_step(const unsigned char *buf, size_t n, char delim, helby_csv_pos *at)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = buf[i];
        if (ch == '"')
            at->inq = !at->inq;
        else if (ch == '\n') {
            at->line++;
            if (!at->inq)
                at->col = 1;
        } else if (ch == (unsigned char)delim && !at->inq)
            at->col++;
    }
}

/* Line and column of byte offset `at` in buf. */
static void locate(const unsigned char *buf, size_t at, char delim, long *line, long *col)
{
    helby_csv_pos pos = {1, 1, 0};
    helby_csv_locate_step(buf, at, delim, &pos);
    *line = pos.line;
    *col = pos.col;
}

size_t helby_csv_cp1252_to_utf8(const unsigned char *in, size_t n, unsigned char *o, size_t *bad)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = in[i];
        if (c < 0x80) {
            o[k++] = (unsigned char)c;
            continue;
        }
        unsigned u = c >= 0xA0 ? c : cp1252_hi[c - 0x80];
        if (!u) {
            *bad = i;
            return (size_t)-1;
        }
        if (u < 0x800) {
            o[k++] = (unsigned char)(0xC0 | (u >> 6));
            o[k++] = (unsigned char)(0x80 | (u & 0x3F));
        } else {
            o[k++] = (unsigned char)(0xE0 | (u >> 12));
            o[k++] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
            o[k++] = (unsigned char)(0x80 | (u & 0x3F));
        }
    }
    return k;
}

helby_status helby_csv_cp1252_error_at(long line, long col, unsigned char byte,
                                       const char *filename, helby_error *err)
{
    return helby_error_at(err, HELBY_EINPUT, filename, line, col, NULL,
                          "byte 0x%02X is neither UTF-8 nor Windows-1252: give the "
                          "file's encoding with --encoding, or re-export it as UTF-8",
                          byte);
}

static helby_status to_utf8(const unsigned char *in, size_t len, const char *filename, char delim,
                            unsigned char **out, size_t *out_len, helby_error *err)
{
    unsigned char *o = malloc(len * 3 + 1);
    if (!o)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory converting %s", filename);
    size_t bad = 0, k = helby_csv_cp1252_to_utf8(in, len, o, &bad);
    if (k == (size_t)-1) {
        long l, col;
        locate(in, bad, delim, &l, &col);
        free(o);
        return helby_csv_cp1252_error_at(l, col, in[bad], filename, err);
    }
    *out = o;
    *out_len = k;
    return HELBY_OK;
}

/* UTF-16 with a byte-order mark ("Unicode text" from Excel) to UTF-8 without one.
 * *which is set to 'L' or 'B' (0 and nothing allocated when there is no UTF-16 BOM). */
static helby_status utf16_to_utf8(const unsigned char *in, size_t len, const char *filename,
                                  unsigned char **out, size_t *out_len, int *which,
                                  helby_error *err)
{
    *which = 0;
    if (len < 2 || !((in[0] == 0xFF && in[1] == 0xFE) || (in[0] == 0xFE && in[1] == 0xFF)))
        return HELBY_OK;
    int le = in[0] == 0xFF;
    unsigned char *o = malloc((len / 2) * 3 + 1);
    if (!o)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory converting %s", filename);
    size_t k = 0;
    long line = 1;
    for (size_t i = 2; i < len; i += 2) {
        unsigned u = 0xFFFFFFFFu; /* an odd last byte */
        if (i + 1 < len)
            u = le ? (unsigned)in[i] | (unsigned)in[i + 1] << 8
                   : (unsigned)in[i] << 8 | (unsigned)in[i + 1];
        if (u >= 0xD800 && u <= 0xDBFF && i + 3 < len) {
            unsigned lo = le ? (unsigned)in[i + 2] | (unsigned)in[i + 3] << 8
                             : (unsigned)in[i + 2] << 8 | (unsigned)in[i + 3];
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                i += 2;
            }
        }
        if (u == 0xFFFFFFFFu || (u >= 0xD800 && u <= 0xDFFF) || u == 0) {
            free(o);
            return helby_error_at(err, HELBY_EINPUT, filename, line, 0, NULL,
                                  u == 0 ? "NUL character in a UTF-16 file: is it a text export?"
                                         : "invalid UTF-16 (odd length or a lone surrogate) "
                                           "after the UTF-16 byte-order mark");
        }
        line += u == '\n';
        if (u < 0x80) {
            o[k++] = (unsigned char)u;
        } else if (u < 0x800) {
            o[k++] = (unsigned char)(0xC0 | (u >> 6));
            o[k++] = (unsigned char)(0x80 | (u & 0x3F));
        } else if (u < 0x10000) {
            o[k++] = (unsigned char)(0xE0 | (u >> 12));
            o[k++] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
            o[k++] = (unsigned char)(0x80 | (u & 0x3F));
        } else {
            o[k++] = (unsigned char)(0xF0 | (u >> 18));
            o[k++] = (unsigned char)(0x80 | ((u >> 12) & 0x3F));
            o[k++] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
            o[k++] = (unsigned char)(0x80 | (u & 0x3F));
        }
    }
    *out = o;
    *out_len = k;
    *which = le ? 'L' : 'B';
    return HELBY_OK;
}

/* ---- sniffing ---- */

/* Length (with its line end) of an Excel "sep=X" first line, or 0; *delim gets X. */
static size_t sep_line_len(const unsigned char *p, size_t n, char *delim)
{
    size_t q = n > 0 && p[0] == '"';
    if (n < q + 5 || memcmp(p + q, "sep=", 4) != 0)
        return 0;
    size_t i = q + 5;
    if (q && (i >= n || p[i++] != '"'))
        return 0;
    if (i < n && p[i] == '\r')
        i++;
    if (i < n && p[i] != '\n')
        return 0;
    *delim = (char)p[q + 4];
    return i < n ? i + 1 : i;
}

/* A value written as digits, one mark, digits: returns the mark or 0; *weak when the value
 * could also be thousands-grouped digits ("1.029": 1029 with '.' grouping). A value written
 * with thousands separators ("1.029,5", "1,029.5", "1.029.500") returns its decimal mark. */
static char decimal_in(const unsigned char *f, size_t n, int *weak)
{
    *weak = 0;
    while (n && (*f == ' ' || *f == '"'))
        f++, n--;
    while (n && (f[n - 1] == ' ' || f[n - 1] == '"' || f[n - 1] == '\r'))
        n--;
    double x;
    for (int k = 0; k < 2; k++)
        if (helby_parse_grouped_number((const char *)f, n, ",."[k], &x) == 2)
            return ",."[k];
    size_t i = n && (f[0] == '-' || f[0] == '+');
    size_t d1 = 0, d2 = 0;
    while (i < n && f[i] >= '0' && f[i] <= '9')
        i++, d1++;
    if (!d1 || i >= n || (f[i] != '.' && f[i] != ','))
        return 0;
    char mark = (char)f[i++];
    while (i < n && f[i] >= '0' && f[i] <= '9')
        i++, d2++;
    *weak = d1 <= 3 && d2 == 3 && f[n && (f[0] == '-' || f[0] == '+')] != '0';
    return d2 && i == n ? mark : 0;
}

/* The decimal mark the values use, so that a ';' file with decimal points (or a tab file
 * with commas) imports without --decimal. Values that could be thousands-grouped ("1.029")
 * count only when no other value has a decimal mark. */
static char sniff_decimal(const unsigned char *p, size_t n, char delim, helby_decimal_source *src)
{
    size_t commas = 0, points = 0, start = 0, weak[2] = {0, 0};
    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] != (unsigned char)delim && p[i] != '\n')
            continue;
        int w;
        char m = decimal_in(p + start, i - start, &w);
        if (w)
            weak[m == '.'] += m != 0;
        else
            commas += m == ',', points += m == '.';
        start = i + 1;
    }
    if (!commas && !points)
        commas = weak[0], points = weak[1];
    char usual = delim == ';' ? ',' : '.';
    if (commas && points) {
        *src = HELBY_DECIMAL_MAJORITY;
        return commas > points ? ',' : points > commas ? '.' : usual;
    }
    if (commas || points) {
        *src = HELBY_DECIMAL_FROM_VALUES;
        return commas ? ',' : '.';
    }
    *src = HELBY_DECIMAL_ASSUMED;
    return usual;
}

static size_t skip_bom(const unsigned char *buf, size_t len)
{
    return len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF ? 3 : 0;
}

/* Count delimiter candidates outside quotes in each of the first lines. */
static char sniff_delimiter(const unsigned char *p, size_t len)
{
    static const char cand[3] = {';', ',', '\t'};
    size_t counts[3][8] = {{0}};
    size_t lines = 0;
    int inq = 0;
    for (size_t i = 0; i < len && lines < 8; i++) {
        unsigned char c = p[i];
        if (c == '"')
            inq = !inq;
        else if (!inq && c == '\n')
            lines++;
        else if (!inq)
            for (int k = 0; k < 3; k++)
                if (c == (unsigned char)cand[k])
                    counts[k][lines]++;
    }
    if (lines < 8)
        lines++; /* last line without a line end */
    int best = -1;
    size_t best_score = 0;
    for (int k = 0; k < 3; k++) {
        size_t first = counts[k][0];
        if (!first)
            continue;
        /* Consistent counts over the lines score highest; the header's count breaks ties. */
        size_t same = 0;
        for (size_t l = 0; l < lines; l++)
            same += counts[k][l] == first;
        size_t score = same * 100000 + first;
        if (score > best_score) {
            best_score = score;
            best = k;
        }
    }
    return best < 0 ? ',' : cand[best];
}

helby_status helby_csv_sniff(const unsigned char *buf, size_t len, helby_dialect *d,
                             const char *filename, helby_error *err)
{
    size_t off = skip_bom(buf, len);
    d->had_bom = off > 0;
    if (len - off == 0)
        return helby_error_at(err, HELBY_EINPUT, filename, 1, 0, NULL, "file is empty");
    const unsigned char *p = buf + off;
    size_t n = len - off;
    if (!off) {
        unsigned char *u8 = NULL;
        size_t u8_len = 0;
        int which = 0;
        /* Sniff the first 64 KiB: enough for the dialect, cheap for a large file. */
        helby_status st =
            utf16_to_utf8(buf, len < 131072 ? len : 131072, filename, &u8, &u8_len, &which, err);
        if (st && len >= 131072 && which == 0)
            helby_error_clear(err); /* cut inside a surrogate pair: judged by parse */
        else if (st)
            return st;
        if (which) {
            if (d->encoding == HELBY_ENC_AUTO || d->encoding == HELBY_ENC_CP1252)
                d->encoding = HELBY_ENC_UTF8;
            st = helby_csv_sniff(u8, u8_len, d, filename, err);
            free(u8);
            d->utf16 = which;
            return st;
        }
    }
    char sep = 0;
    size_t skip = sep_line_len(p, n, &sep);
    if (skip && (!sep || !strchr(",;\t|", sep))) {
        unsigned char c = (unsigned char)sep;
        return helby_error_at(err, HELBY_EINPUT, filename, 1, 0, NULL,
                              c > 0x20 && c < 0x7F ? "the sep= line names '%c' as the delimiter: "
                                                     "only , ; | or tab can be"
                                                   : "the sep= line names byte 0x%02X as the "
                                                     "delimiter: only , ; | or tab can be",
                              c);
    }
    d->sep_line = skip > 0;
    if (skip && !d->delimiter)
        d->delimiter = sep;
    p += skip;
    n -= skip;
    if (d->encoding == HELBY_ENC_AUTO)
        d->encoding = utf8_invalid_at(p, n) == n ? HELBY_ENC_UTF8 : HELBY_ENC_CP1252;
    if (!d->delimiter)
        d->delimiter = sniff_delimiter(p, n < 65536 ? n : 65536);
    if (!d->decimal)
        d->decimal = sniff_decimal(p, n < 65536 ? n : 65536, d->delimiter, &d->decimal_source);
    const unsigned char *nl = memchr(p, '\n', n);
    d->crlf = nl && nl > p && nl[-1] == '\r';
    return HELBY_OK;
}

/* ---- parsing ---- */

typedef struct parse_ctx {
    const char *filename;
    const helby_csv_limits *lim;
    helby_csv_row_fn on_row;
    void *user;
    helby_error *err;
    helby_status status; /* first error; stops feeding */
    helby_buf fields;    /* current record's field texts, NUL-separated */
    size_t *offs, *lens; /* per field */
    size_t n_fields, cap_fields;
    helby_field *view;
    size_t row_index;
    long line;     /* line being fed */
    long rec_line; /* line the current record started on */
    int ended;     /* a record ended during the current line */
    int in_record; /* the last line ended inside a record (a quoted line break) */
} parse_ctx;

/* Room for n fields in c's per-field arrays; -1 when out of memory (c->status set). */
static int ensure_fields(parse_ctx *c, size_t n)
{
    if (n <= c->cap_fields)
        return 0;
    size_t cap = c->cap_fields ? c->cap_fields * 2 : 64;
    while (cap < n)
        cap *= 2;
    size_t *o = realloc(c->offs, cap * sizeof *o);
    if (o)
        c->offs = o;
    size_t *l = o ? realloc(c->lens, cap * sizeof *l) : NULL;
    if (l)
        c->lens = l;
    helby_field *v = l ? realloc(c->view, cap * sizeof *v) : NULL;
    if (!v) {
        c->status = helby_error_set(c->err, HELBY_ENOMEM, "out of memory reading %s", c->filename);
        return -1;
    }
    c->view = v;
    c->cap_fields = cap;
    return 0;
}

static void on_field(void *s, size_t len, void *data)
{
    parse_ctx *c = data;
    if (c->status)
        return;
    if (len > c->lim->max_field_bytes) {
        c->status = helby_error_at(
            c->err, HELBY_EINPUT, c->filename, c->rec_line, (long)c->n_fields + 1, NULL,
            "field is %zu bytes long, more than the limit of %zu", len, c->lim->max_field_bytes);
        return;
    }
    if (c->n_fields >= c->lim->max_columns) {
        c->status =
            helby_error_at(c->err, HELBY_EINPUT, c->filename, c->rec_line, (long)c->n_fields + 1,
                           NULL, "more than %zu columns", c->lim->max_columns);
        return;
    }
    if (ensure_fields(c, c->n_fields + 1))
        return;
    c->offs[c->n_fields] = c->fields.len;
    c->lens[c->n_fields] = len;
    if (helby_buf_append(&c->fields, s ? s : "", len) || helby_buf_append(&c->fields, "", 1)) {
        c->status = helby_error_set(c->err, HELBY_ENOMEM, "out of memory reading %s", c->filename);
        return;
    }
    c->n_fields++;
}

static void on_record(int term, void *data)
{
    parse_ctx *c = data;
    (void)term;
    c->ended = 1;
    if (c->status) {
        return;
    }
    for (size_t i = 0; i < c->n_fields; i++) {
        c->view[i].text = c->fields.data + c->offs[i];
        c->view[i].len = c->lens[i];
        c->view[i].quoted = 0;
    }
    helby_error_clear(c->err);
    helby_status s = c->on_row(c->user, c->row_index++, c->rec_line, c->view, c->n_fields, c->err);
    if (s && !c->status)
        c->status = s;
    c->n_fields = 0;
    c->fields.len = 0;
}

/* A line that libcsv would read as one record of unquoted fields — it ends in '\n', has no
 * quote and no '\r' but before that '\n', and is within the limits — split at the
 * delimiter here, each field with the spaces around it trimmed as libcsv trims them, and
 * handed on as libcsv's record would be; a line of spaces only is no record, as in libcsv.
 * Returns 0 for any other line (libcsv reads it): most lines of an export are such lines,
 * and libcsv reads a byte at a time through two callbacks. */
static int fast_line(parse_ctx *c, const unsigned char *p, size_t k, unsigned char delim)
{
    if (delim == ' ' || delim == '"' || k == 0 || p[k - 1] != '\n')
        return 0;
    size_t n = k - 1;
    if (n && p[n - 1] == '\r')
        n--;
    /* A quote or a carriage return inside the line: libcsv's (looked for a vector at a time,
     * so that the loop below compares each byte with the delimiter only). */
    if (memchr(p, '"', n) || memchr(p, '\r', n))
        return 0;
    c->fields.len = 0;
    if (helby_buf_append(&c->fields, p, n))
        return 0; /* libcsv reports it */
    char *b = c->fields.data;
    size_t nf = 0;
    for (size_t start = 0;;) {
        size_t end = start;
        while (end < n && (unsigned char)b[end] != delim)
            end++;
        size_t a = start, z = end;
        while (a < z && b[a] == ' ')
            a++;
        while (z > a && b[z - 1] == ' ')
            z--;
        if (z - a > c->lim->max_field_bytes || nf >= c->lim->max_columns ||
            (nf >= c->cap_fields && ensure_fields(c, nf + 1))) {
            c->fields.len = 0;
            return 0; /* cut short: libcsv reads the line */
        }
        b[z] = '\0';
        c->view[nf].text = b + a;
        c->view[nf].len = z - a;
        c->view[nf].quoted = 0;
        nf++;
        if (end == n)
            break;
        start = end + 1;
    }
    if (nf == 1 && c->view[0].len == 0) {
        /* Spaces only: libcsv makes no record of it (and, fed to it, left the next record
         * starting on this line). */
        c->fields.len = 0;
        return 1;
    }
    helby_error_clear(c->err);
    helby_status st = c->on_row(c->user, c->row_index++, c->rec_line, c->view, nf, c->err);
    if (st && !c->status)
        c->status = st;
    c->fields.len = 0;
    return 1;
}

/* libcsv trims "space" characters around unquoted fields; with a tab
 * delimiter only the space itself may count as one. */
static int is_space_only(unsigned char c)
{
    return c == ' ';
}

static int is_line_end(unsigned char c)
{
    return c == '\r' || c == '\n';
}

helby_status helby_csv_nul_error_at(long line, long col, const char *filename, helby_error *err)
{
    return helby_error_at(err, HELBY_EINPUT, filename, line, col, NULL,
                          "NUL byte in the file: is it a text export?");
}

/* A NUL byte in text p (which starts on line first_line) is an error at its line and column. */
static helby_status check_nul(const unsigned char *p, size_t n, char delim, long first_line,
                              const char *filename, helby_error *err)
{
    const unsigned char *nul = memchr(p, '\0', n);
    if (!nul)
        return HELBY_OK;
    long l, c;
    locate(p, (size_t)(nul - p), delim, &l, &c);
    return helby_csv_nul_error_at(l + first_line - 1, c, filename, err);
}

helby_status helby_csv_check_first_block(const unsigned char *buf, size_t len,
                                         const helby_dialect *d, const char *filename,
                                         helby_error *err)
{
    if (len >= 2 && ((buf[0] == 0xFF && buf[1] == 0xFE) || (buf[0] == 0xFE && buf[1] == 0xFF)))
        return HELBY_OK; /* UTF-16: half its bytes are NUL; judged when converted */
    size_t off = skip_bom(buf, len);
    const unsigned char *p = buf + off;
    size_t n = len - off;
    char sep = 0;
    size_t skip = sep_line_len(p, n, &sep);
    p += skip;
    n -= skip;
    if (!memchr(p, '\0', n))
        return HELBY_OK;
    /* The delimiter as helby_csv_parse would take it, for the error's column. */
    char delim = d && d->delimiter ? d->delimiter : skip ? sep : sniff_delimiter(p, n);
    return check_nul(p, n, delim, skip ? 2 : 1, filename, err);
}

/* libcsv in strict mode, as helby reads: -1 when out of memory. */
static int init_parser(struct csv_parser *parser, char delim)
{
    if (csv_init(parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) != 0)
        return -1;
    /* libcsv grows its field buffer by blk_size bytes at a time (128 by default):
     * a 10 MB field would take 80,000 reallocs. */
    csv_set_blk_size(parser, 1u << 16);
    /* libcsv's buffer through our own allocator symbols, so tests that wrap them (fault
     * injection, tests/unit/test_faults.c) reach libcsv's allocations too. */
    csv_set_realloc_func(parser, realloc);
    csv_set_free_func(parser, free);
    csv_set_delim(parser, (unsigned char)delim);
    csv_set_space_func(parser, is_space_only);
    csv_set_term_func(parser, is_line_end);
    return 0;
}

/* ---- the line feeder (csv_internal.h) ---- */

struct helby_csv_feed {
    parse_ctx c;
    helby_csv_limits lim;
    struct csv_parser parser;
    unsigned char delim;
};

helby_status helby_csv_feed_new(helby_csv_feed **out, char delim, const helby_csv_limits *limits,
                                const char *filename, long first_line, helby_csv_row_fn on_row,
                                void *ctx, helby_error *err)
{
    helby_csv_feed *f = calloc(1, sizeof *f);
    if (!f || init_parser(&f->parser, delim)) {
        free(f);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory reading %s", filename);
    }
    f->lim.max_field_bytes =
        limits && limits->max_field_bytes ? limits->max_field_bytes : DEFAULT_MAX_FIELD;
    f->lim.max_columns = limits && limits->max_columns ? limits->max_columns : DEFAULT_MAX_COLUMNS;
    f->delim = (unsigned char)delim;
    parse_ctx *c = &f->c;
    c->filename = filename;
    c->lim = &f->lim;
    c->on_row = on_row;
    c->user = ctx;
    c->err = err;
    c->line = first_line;
    *out = f;
    return HELBY_OK;
}

/* One physical line p[0..k) (its '\n' included, except at the end of the text). */
static void feed_line(helby_csv_feed *f, const unsigned char *p, size_t k)
{
    parse_ctx *c = &f->c;
    int blank = (k == 1 && p[0] == '\n') || (k == 2 && p[0] == '\r' && p[1] == '\n') ||
                (k == 1 && p[0] == '\r');
    if (!c->in_record && blank)
        return;
    if (!c->in_record)
        c->rec_line = c->line;
    if (!c->in_record && fast_line(c, p, k, f->delim))
        return;
    c->ended = 0;
    size_t done = csv_parse(&f->parser, p, k, on_field, on_record, c);
    if (done != k && !c->status && csv_error(&f->parser) == CSV_ENOMEM) {
        c->status = helby_error_set(c->err, HELBY_ENOMEM, "out of memory reading %s", c->filename);
    } else if (done != k && !c->status) {
        c->status =
            helby_error_at(c->err, HELBY_EINPUT, c->filename, c->line, (long)c->n_fields + 1, NULL,
                           "%s: a quote inside an unquoted field, or text right after "
                           "a closing quote",
                           csv_strerror(csv_error(&f->parser)));
    }
    /* A line that ends a record ends in its terminator; anything else (a quoted field with
     * a line break) continues on the next line. */
    c->in_record = !(c->ended && (p[k - 1] == '\n' || p[k - 1] == '\r'));
}

size_t helby_csv_feed_text(helby_csv_feed *f, const unsigned char *p, size_t n, int at_eof)
{
    parse_ctx *c = &f->c;
    size_t i = 0;
    while (i < n && !c->status) {
        const unsigned char *nl = memchr(p + i, '\n', n - i);
        if (!nl && !at_eof)
            break;
        size_t end = nl ? (size_t)(nl - p) + 1 : n;
        feed_line(f, p + i, end - i);
        c->line++;
        i = end;
    }
    return i;
}

helby_status helby_csv_feed_status(const helby_csv_feed *f)
{
    return f->c.status;
}

helby_status helby_csv_feed_end(helby_csv_feed *f)
{
    parse_ctx *c = &f->c;
    if (!c->status && csv_fini(&f->parser, on_field, on_record, c) != 0 && !c->status)
        c->status = helby_error_at(c->err, HELBY_EINPUT, c->filename, c->rec_line,
                                   (long)c->n_fields + 1, NULL,
                                   "quote opened on line %ld is never closed (the file ends "
                                   "inside a quoted field)",
                                   c->rec_line);
    helby_status st = c->status;
    csv_free(&f->parser);
    helby_buf_free(&c->fields);
    free(c->offs);
    free(c->lens);
    free(c->view);
    free(f);
    return st;
}

void helby_csv_feed_free(helby_csv_feed *f)
{
    if (!f)
        return;
    f->c.status = f->c.status ? f->c.status : HELBY_EIO; /* no csv_fini */
    helby_csv_feed_end(f);
}

/* The text of a whole buffer after the byte-order mark and a "sep=" line, checked (NUL,
 * encoding) and in UTF-8: *p and *n (*conv allocated when converted from Windows-1252). */
static helby_status whole_text(const unsigned char **p, size_t *n, const helby_dialect *d,
                               long first_line, const char *filename, unsigned char **conv,
                               helby_error *err)
{
    helby_status st = check_nul(*p, *n, d->delimiter, first_line, filename, err);
    if (st)
        return st;
    if (d->encoding == HELBY_ENC_UTF8) {
        size_t bad = utf8_invalid_at(*p, *n);
        if (bad < *n)
            return helby_csv_utf8_error(*p, bad, d->delimiter, first_line, filename, err);
        return HELBY_OK;
    }
    size_t conv_len = 0;
    if ((st = to_utf8(*p, *n, filename, d->delimiter, conv, &conv_len, err)))
        return st;
    *p = *conv;
    *n = conv_len;
    return HELBY_OK;
}

helby_status helby_csv_utf8_error(const unsigned char *p, size_t bad, char delim, long first_line,
                                  const char *filename, helby_error *err)
{
    long l, c;
    locate(p, bad, delim, &l, &c);
    return helby_csv_utf8_error_at(l + first_line - 1, c, p[bad], filename, err);
}

helby_status helby_csv_utf8_error_at(long line, long col, unsigned char byte, const char *filename,
                                     helby_error *err)
{
    return helby_error_at(err, HELBY_EINPUT, filename, line, col, NULL,
                          "invalid UTF-8 (byte 0x%02X): is the file Windows-1252? Try "
                          "--encoding windows-1252",
                          byte);
}

helby_status helby_csv_parse(const unsigned char *buf, size_t len, helby_dialect *d,
                             const helby_csv_limits *limits, const char *filename,
                             helby_csv_row_fn on_row, void *ctx, helby_error *err)
{
    if (!filename)
        filename = "(input)";
    unsigned char *u8 = NULL;
    size_t u8_len = 0;
    int which = 0;
    helby_status st = utf16_to_utf8(buf, len, filename, &u8, &u8_len, &which, err);
    if (st)
        return st;
    if (which) {
        d->encoding = HELBY_ENC_UTF8;
        st = helby_csv_parse(u8, u8_len, d, limits, filename, on_row, ctx, err);
        free(u8);
        d->utf16 = which;
        return st;
    }
    st = helby_csv_sniff(buf, len, d, filename, err);
    if (st)
        return st;
    char sep;
    size_t skip = 0, off = helby_csv_text_start(buf, len, &sep, &skip);
    const unsigned char *p = buf + off;
    size_t n = len - off;
    long first_line = skip ? 2 : 1; /* the "sep=" line is not a record, but it is line 1 */
    unsigned char *conv = NULL;
    helby_csv_feed *f = NULL;
    if ((st = whole_text(&p, &n, d, first_line, filename, &conv, err)) ||
        (st = helby_csv_feed_new(&f, d->delimiter, limits, filename, first_line, on_row, ctx,
                                 err))) {
        free(conv);
        return st;
    }
    helby_csv_feed_text(f, p, n, 1);
    st = helby_csv_feed_end(f);
    free(conv);
    return st;
}

size_t helby_csv_text_start(const unsigned char *buf, size_t len, char *sep, size_t *sep_len)
{
    size_t off = skip_bom(buf, len);
    *sep_len = sep_line_len(buf + off, len - off, sep);
    return off + *sep_len;
}

/* ---- files and hashes ---- */

void helby_csv_sha256_hex(struct sha256_ctx *h, char out[65])
{
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(h, sizeof digest, digest);
    for (size_t i = 0; i < sizeof digest; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

void helby_sha256_hex(const void *data, size_t len, char out[65])
{
    struct sha256_ctx h;
    sha256_init(&h);
    sha256_update(&h, len, data);
    helby_csv_sha256_hex(&h, out);
}

/* Open path for reading only if it is a regular file no larger than the limit. O_NONBLOCK:
 * opening a FIFO without a writer would otherwise wait forever; fstat then refuses it, a
 * device, a socket or a directory before a byte is read, and a too large file by its size. */
helby_status helby_csv_open_regular(const char *path, int *fd_out, size_t *size, helby_error *err)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return helby_error_at(err, HELBY_EIO, path, 0, 0, NULL, "cannot open: %s", strerror(errno));
    struct stat sb;
    const char *what = NULL;
    if (fstat(fd, &sb) != 0)
        what = "cannot be examined (fstat failed)";
    else if (S_ISDIR(sb.st_mode))
        what = "is a directory, not a file";
    else if (S_ISFIFO(sb.st_mode))
        what = "is a named pipe (FIFO), not a file: save the data to a file and give that";
    else if (S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode))
        what = "is a device, not a file";
    else if (!S_ISREG(sb.st_mode))
        what = "is not a regular file";
    if (what) {
        close(fd);
        return helby_error_at(err, HELBY_EIO, path, 0, 0, NULL, "%s", what);
    }
    if ((uintmax_t)sb.st_size > HELBY_MAX_FILE_BYTES) {
        close(fd);
        return helby_error_at(err, HELBY_EINPUT, path, 0, 0, NULL,
                              "the file is %jd bytes, more than the limit of %zu (1 GiB) for a "
                              "file helby reads: split it, e.g. one file per wave",
                              (intmax_t)sb.st_size, (size_t)HELBY_MAX_FILE_BYTES);
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    *fd_out = fd;
    *size = (size_t)sb.st_size;
    return HELBY_OK;
}

/* Read up to n bytes at b; *got is what was read (less only at the end of the file). */
int helby_csv_read_full(int fd, unsigned char *b, size_t n, size_t *got)
{
    size_t k = 0;
    while (k < n) {
        ssize_t r = read(fd, b + k, n - k);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        k += (size_t)r;
    }
    *got = k;
    return 0;
}

/* The rest of the file after its first `len` bytes, growing b (capacity *cap) as needed: a
 * file may grow while it is read, but never past the limit. */
helby_status helby_csv_read_rest(int fd, const char *path, unsigned char **b, size_t *cap,
                                 size_t *len, struct sha256_ctx *h, helby_error *err)
{
    for (;;) {
        if (*len == *cap) {
            if (*cap > HELBY_MAX_FILE_BYTES)
                return helby_error_at(err, HELBY_EINPUT, path, 0, 0, NULL,
                                      "the file grew past the limit of %zu bytes (1 GiB) while "
                                      "it was read",
                                      (size_t)HELBY_MAX_FILE_BYTES);
            unsigned char *nb = realloc(*b, *cap * 2);
            if (!nb)
                return helby_error_set(err, HELBY_ENOMEM, "out of memory reading %s", path);
            *b = nb;
            *cap *= 2;
        }
        size_t got;
        if (helby_csv_read_full(fd, *b + *len, *cap - *len, &got))
            return helby_error_at(err, HELBY_EIO, path, 0, 0, NULL, "read error: %s",
                                  strerror(errno));
        sha256_update(h, got, *b + *len);
        *len += got;
        if (*len < *cap)
            return HELBY_OK;
    }
}

helby_status helby_read_file_checked(const char *path, helby_first_block_fn check, void *ctx,
                                     unsigned char **out, size_t *out_len, char sha256_hex[65],
                                     helby_error *err)
{
    *out = NULL;
    *out_len = 0;
    int fd = -1;
    size_t size = 0;
    helby_status st = helby_csv_open_regular(path, &fd, &size, err);
    if (st)
        return st;
    /* One byte more than the size, so that the end of the file is seen without a realloc. */
    size_t cap = size + 1 > HELBY_FIRST_BLOCK ? size + 1 : HELBY_FIRST_BLOCK, len = 0;
    unsigned char *b = malloc(cap);
    if (!b) {
        close(fd);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory reading %s", path);
    }
    struct sha256_ctx h;
    sha256_init(&h);
    if (helby_csv_read_full(fd, b, HELBY_FIRST_BLOCK, &len)) {
        st = helby_error_at(err, HELBY_EIO, path, 0, 0, NULL, "read error: %s", strerror(errno));
    } else {
        sha256_update(&h, len, b);
        if (check)
            st = check(ctx, b, len, err);
        if (!st && len == HELBY_FIRST_BLOCK)
            st = helby_csv_read_rest(fd, path, &b, &cap, &len, &h, err);
    }
    close(fd);
    if (st) {
        free(b);
        return st;
    }
    if (sha256_hex)
        helby_csv_sha256_hex(&h, sha256_hex);
    *out = b;
    *out_len = len;
    return HELBY_OK;
}

helby_status helby_read_file(const char *path, unsigned char **out, size_t *out_len,
                             char sha256_hex[65], helby_error *err)
{
    return helby_read_file_checked(path, NULL, NULL, out, out_len, sha256_hex, err);
}

/* ---- numbers ---- */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

/* Clinger's fast path: a number written with at most 15 significant digits and no exponent
 * is m / 10^k with m < 2^53 and k <= 22, both exact doubles, so one IEEE division rounds it
 * exactly as strtod does. Most cells of a response file (codes, weights) are such numbers;
 * the rest go to strtod. text is already known to be well formed. */
static int fast_number(const char *t, size_t n, char decimal, double *out)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    size_t i = 0, digits = 0, frac = 0;
    int neg = 0, after = 0;
    uint64_t m = 0;
    if (t[i] == '+' || t[i] == '-')
        neg = t[i++] == '-';
    for (; i < n; i++) {
        char c = t[i];
        if (c == decimal) {
            after = 1;
            continue;
        }
        if (c < '0' || c > '9')
            return 0; /* an exponent: strtod */
        if (m == 0 && c == '0' && !after)
            continue; /* leading zeros */
        if (++digits > 15)
            return 0;
        m = m * 10 + (uint64_t)(c - '0');
        frac += after;
    }
    if (after)
        for (size_t k = i; k-- > 0 && t[k] == '0' && frac > 0 && m % 10 == 0;)
            m /= 10, frac--; /* trailing zeros after the mark: 699,0000 = 699 */
    if (frac > 22)
        return 0;
    double v = (double)m / p10[frac];
    *out = neg ? -v : v;
    return 1;
}

int helby_parse_number(const char *text, size_t len, char decimal, double *out)
{
    size_t i = 0, e = len;
    while (i < e && (text[i] == ' ' || text[i] == '\t'))
        i++;
    while (e > i && (text[e - 1] == ' ' || text[e - 1] == '\t'))
        e--;
    if (i == e)
        return 0;
    /* Syntax check: [+-]digits[mark digits][(e|E)[+-]digits], at least one digit. */
    size_t j = i, digits = 0;
    if (text[j] == '+' || text[j] == '-')
        j++;
    while (j < e && text[j] >= '0' && text[j] <= '9')
        j++, digits++;
    if (j < e && text[j] == decimal) {
        j++;
        while (j < e && text[j] >= '0' && text[j] <= '9')
            j++, digits++;
    }
    if (!digits)
        return 0;
    if (j < e && (text[j] == 'e' || text[j] == 'E')) {
        j++;
        if (j < e && (text[j] == '+' || text[j] == '-'))
            j++;
        size_t ed = 0;
        while (j < e && text[j] >= '0' && text[j] <= '9')
            j++, ed++;
        if (!ed)
            return 0;
    }
    if (j != e)
        return 0;
    if (fast_number(text + i, e - i, decimal, out))
        return 1;
    char small[64], *b = small;
    size_t n = e - i;
    if (n + 1 > sizeof small && !(b = malloc(n + 1)))
        return 0;
    memcpy(b, text + i, n);
    b[n] = '\0';
    if (decimal != '.')
        for (size_t k = 0; k < n; k++)
            if (b[k] == decimal)
                b[k] = '.';
    pthread_once(&c_locale_once, make_c_locale);
    char *end;
    double v = c_locale ? strtod_l(b, &end, c_locale) : strtod(b, &end);
    int ok = *end == '\0' && isfinite(v);
    if (b != small)
        free(b);
    if (ok)
        *out = v;
    return ok;
}

int helby_parse_grouped_number(const char *text, size_t len, char decimal, double *out)
{
    char sep = decimal == ',' ? '.' : ',';
    size_t i = 0, e = len, lead = 0, groups = 0;
    while (i < e && (text[i] == ' ' || text[i] == '\t'))
        i++;
    while (e > i && (text[e - 1] == ' ' || text[e - 1] == '\t'))
        e--;
    char plain[128];
    size_t o = 0;
    if (i < e && (text[i] == '+' || text[i] == '-'))
        plain[o++] = text[i++];
    if (i >= e || text[i] == '0')
        return 0;
    while (i < e && text[i] >= '0' && text[i] <= '9' && lead < 4)
        plain[o++] = text[i++], lead++;
    if (lead == 0 || lead > 3)
        return 0;
    while (i < e && text[i] == sep) {
        i++;
        for (int k = 0; k < 3; k++, i++) {
            if (i >= e || text[i] < '0' || text[i] > '9' || o + 1 >= sizeof plain)
                return 0;
            plain[o++] = text[i];
        }
        groups++;
    }
    if (!groups || (i < e && text[i] >= '0' && text[i] <= '9'))
        return 0;
    int fraction = i < e && text[i] == decimal;
    if (e - i >= sizeof plain - o)
        return 0;
    memcpy(plain + o, text + i, e - i); /* the decimal part, checked by the parser */
    o += e - i;
    if (!helby_parse_number(plain, o, decimal, out) || memchr(plain, 'e', o) ||
        memchr(plain, 'E', o))
        return 0;
    return fraction || groups > 1 ? 2 : 1;
}

void helby_format_number(char *buf, size_t n, double x)
{
    if (x == floor(x) && fabs(x) < 9007199254740992.0) {
        snprintf(buf, n, "%.0f", x);
        return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, n, "%.*g", p, x);
        if (strtod(buf, NULL) == x)
            return;
    }
}
