/* csv_stream.c — a CSV file read block by block (helby/csv.h: helby_csv_parse_file).
 *
 * The file is read into a window of text: a block is appended, checked (NUL bytes, its
 * encoding; converted to UTF-8 from Windows-1252), its complete lines are fed to the line
 * feeder of csv.c, and the unfinished last line is moved to the window's start for the next
 * block. What a whole-file read finds before any row — a NUL byte anywhere, then an
 * encoding error anywhere — is looked for in the rest of the file when the parser stops at
 * an error of its own, so that the errors reported are those of helby_csv_parse. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/csv_internal.h"

#define BLOCK ((size_t)1 << 18)       /* bytes read at a time */
#define SNIFF_BYTES ((size_t)1 << 20) /* the dialect is sniffed from the first MiB */

/* What the checks of the file's bytes found. */
enum { BYTES_OK, BYTES_NUL, BYTES_BAD_UTF8, BYTES_BAD_CP1252, BYTES_NOT_UTF8 };

typedef struct stream {
    const char *path;
    int fd;
    helby_dialect *d;
    int sniffed_utf8;     /* UTF-8 was sniffed from the first MiB: a later bad byte redoes */
    unsigned char *win;   /* UTF-8 text not yet fed */
    size_t cap, len, pos; /* win's capacity and bytes; fed up to pos */
    size_t checked;       /* win[0..checked) is checked text */
    unsigned char *raw;   /* a block read, for Windows-1252 */
    size_t text_start;    /* where the text begins in the file (after a BOM and sep= line) */
    size_t raw_text;      /* raw text bytes checked so far (offset from text_start) */
    long first_line;
    size_t bytes; /* read from the file */
    struct sha256_ctx h;
    int eof, seen_nl;
    int nul_only;      /* an encoding error was found: only a NUL byte is looked for */
    int found;         /* BYTES_* */
    size_t found_at;   /* offset of the bad byte in the raw text */
    unsigned char bad; /* the byte */
    helby_error *err;
} stream;

static helby_status oom(stream *s)
{
    return helby_error_set(s->err, HELBY_ENOMEM, "out of memory reading %s", s->path);
}

/* Room for n more bytes after win's len. */
static helby_status room(stream *s, size_t n)
{
    if (s->len + n <= s->cap)
        return HELBY_OK;
    size_t cap = s->cap ? s->cap : BLOCK;
    while (cap < s->len + n)
        cap *= 2;
    unsigned char *w = realloc(s->win, cap);
    if (!w)
        return oom(s);
    s->win = w;
    s->cap = cap;
    return HELBY_OK;
}

/* Read up to n bytes at b, hashed and counted; the file may not grow past the limit. */
static helby_status read_block(stream *s, unsigned char *b, size_t n, size_t *got)
{
    if (helby_csv_read_full(s->fd, b, n, got))
        return helby_error_at(s->err, HELBY_EIO, s->path, 0, 0, NULL, "read error: %s",
                              strerror(errno));
    sha256_update(&s->h, *got, b);
    s->bytes += *got;
    s->eof = *got < n;
    if (s->bytes > HELBY_MAX_FILE_BYTES)
        return helby_error_at(s->err, HELBY_EINPUT, s->path, 0, 0, NULL,
                              "the file grew past the limit of %zu bytes (1 GiB) while it was "
                              "read",
                              (size_t)HELBY_MAX_FILE_BYTES);
    return HELBY_OK;
}

static void found(stream *s, int what, size_t at, unsigned char byte)
{
    s->found = what;
    s->found_at = at;
    s->bad = byte;
}

/* Check raw text bytes p[0..n) that begin at raw offset `at`: a NUL byte first (it wins
 * over an encoding error anywhere). */
static int check_nul(stream *s, const unsigned char *p, size_t n, size_t at)
{
    const unsigned char *z = memchr(p, '\0', n);
    if (z)
        found(s, BYTES_NUL, at + (size_t)(z - p), 0);
    return z != NULL;
}

/* Check and take the text of win[checked..len) (UTF-8: in place, but a sequence cut at the
 * end waits for the next block). */
static void take_utf8(stream *s)
{
    size_t end =
        s->eof ? s->len
               : s->checked + helby_csv_utf8_complete(s->win + s->checked, s->len - s->checked);
    size_t n = end - s->checked;
    if (check_nul(s, s->win + s->checked, s->len - s->checked, s->raw_text))
        return;
    if (s->nul_only) {
        s->raw_text += s->len - s->checked;
        s->checked = s->len;
        return;
    }
    size_t bad = helby_csv_utf8_invalid_at(s->win + s->checked, n);
    if (bad < n) {
        found(s, s->sniffed_utf8 ? BYTES_NOT_UTF8 : BYTES_BAD_UTF8, s->raw_text + bad,
              s->win[s->checked + bad]);
        return;
    }
    s->checked = end;
    s->raw_text += n;
}

/* Check raw Windows-1252 text p[0..n) and append it to win as UTF-8. */
static helby_status take_cp1252(stream *s, const unsigned char *p, size_t n)
{
    if (check_nul(s, p, n, s->raw_text))
        return HELBY_OK;
    if (s->nul_only) {
        s->raw_text += n;
        return HELBY_OK;
    }
    helby_status st = room(s, 3 * n + 1);
    if (st)
        return st;
    size_t bad = 0, k = helby_csv_cp1252_to_utf8(p, n, s->win + s->len, &bad);
    if (k == (size_t)-1) {
        found(s, BYTES_BAD_CP1252, s->raw_text + bad, p[bad]);
        return HELBY_OK;
    }
    s->len += k;
    s->checked = s->len;
    s->raw_text += n;
    return HELBY_OK;
}

/* Read the next block into the window and check it. */
static helby_status next_block(stream *s)
{
    size_t got;
    helby_status st;
    if (s->d->encoding == HELBY_ENC_CP1252) {
        if (!s->raw && !(s->raw = malloc(BLOCK)))
            return oom(s);
        if ((st = read_block(s, s->raw, BLOCK, &got)))
            return st;
        return take_cp1252(s, s->raw, got);
    }
    if ((st = room(s, BLOCK)) || (st = read_block(s, s->win + s->len, BLOCK, &got)))
        return st;
    s->len += got;
    take_utf8(s);
    return HELBY_OK;
}

/* The first line end decides "crlf" when the sniffed MiB had none. */
static void note_line_end(stream *s, const unsigned char *p, size_t n)
{
    const unsigned char *nl = memchr(p, '\n', n);
    if (!nl)
        return;
    s->seen_nl = 1;
    s->d->crlf = nl > p && nl[-1] == '\r';
}

/* Feed the window's complete lines (all of it at the end of the file) and keep the rest. */
static void feed_window(stream *s, helby_csv_feed *f)
{
    int last = s->eof && s->checked == s->len && !s->found;
    if (!s->seen_nl)
        note_line_end(s, s->win + s->pos, s->checked - s->pos);
    s->pos += helby_csv_feed_text(f, s->win + s->pos, s->checked - s->pos, last);
    if (s->pos) {
        memmove(s->win, s->win + s->pos, s->len - s->pos);
        s->len -= s->pos;
        s->checked -= s->pos;
        s->pos = 0;
    }
}

/* The rest of the file's bytes checked as a whole read checks them, after the parser
 * stopped at an error of its own or at an encoding error: a NUL byte anywhere is the error,
 * else the first encoding error. */
static helby_status check_rest(stream *s)
{
    int enc = BYTES_OK;
    size_t enc_at = 0;
    unsigned char enc_bad = 0;
    for (;;) {
        if (s->found == BYTES_NUL || s->found == BYTES_NOT_UTF8)
            return HELBY_OK;
        if (s->found && !enc) {
            enc = s->found; /* only a NUL byte can still come before it */
            enc_at = s->found_at;
            enc_bad = s->bad;
            s->nul_only = 1;
            s->raw_text += s->len - s->checked; /* NUL-checked with their block */
            s->checked = s->len;
        }
        s->found = BYTES_OK;
        if (s->eof)
            break;
        if (s->checked) { /* what is checked is not needed any more */
            memmove(s->win, s->win + s->checked, s->len - s->checked);
            s->len -= s->checked;
            s->checked = s->pos = 0;
        }
        helby_status st = next_block(s);
        if (st)
            return st;
    }
    if (enc)
        found(s, enc, enc_at, enc_bad);
    return HELBY_OK;
}

/* The line and column of raw text offset `at`, read again from the file. */
static helby_status locate_in_file(stream *s, size_t at, helby_csv_pos *pos)
{
    unsigned char *b = malloc(BLOCK);
    if (!b)
        return oom(s);
    size_t off = 0;
    while (off < at) {
        size_t n = at - off < BLOCK ? at - off : BLOCK;
        ssize_t r = pread(s->fd, b, n, (off_t)(s->text_start + off));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        helby_csv_locate_step(b, (size_t)r, s->d->delimiter, pos);
        off += (size_t)r;
    }
    free(b);
    return HELBY_OK;
}

/* The error of what the checks found, placed as helby_csv_parse places it. */
static helby_status bytes_error(stream *s)
{
    helby_csv_pos pos = {1, 1, 0};
    helby_status st = locate_in_file(s, s->found_at, &pos);
    if (st)
        return st;
    long line = pos.line + s->first_line - 1;
    switch (s->found) {
    case BYTES_NUL: return helby_csv_nul_error_at(line, pos.col, s->path, s->err);
    case BYTES_BAD_UTF8: return helby_csv_utf8_error_at(line, pos.col, s->bad, s->path, s->err);
    default: /* helby_csv_parse places these from the text's first line, sep= or not */
        return helby_csv_cp1252_error_at(pos.line, pos.col, s->bad, s->path, s->err);
    }
}

/* Open the file, check its first block and read the first MiB (the whole file when it is
 * UTF-16: *whole is set). */
static helby_status open_stream(stream *s, const helby_csv_reader *r, int *whole)
{
    size_t size = 0, got = 0;
    helby_status st = helby_csv_open_regular(s->path, &s->fd, &size, s->err);
    if (st)
        return st;
    sha256_init(&s->h);
    if ((st = room(s, SNIFF_BYTES + 16)) || (st = read_block(s, s->win, HELBY_FIRST_BLOCK, &got)))
        return st;
    s->len = got;
    if (r->check && (st = r->check(r->check_ctx, s->win, s->len, s->err)))
        return st;
    const unsigned char *b = s->win;
    *whole = s->len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF));
    if (*whole && !s->eof) {
        st = helby_csv_read_rest(s->fd, s->path, &s->win, &s->cap, &s->len, &s->h, s->err);
        s->bytes = s->len;
        return st;
    }
    if (*whole || s->eof)
        return HELBY_OK;
    if ((st = read_block(s, s->win + s->len, SNIFF_BYTES + 16 - s->len, &got)))
        return st;
    s->len += got;
    return HELBY_OK;
}

/* Sniff the dialect from the first MiB (up to its last line end) and make the window the
 * checked UTF-8 text after the byte-order mark and a sep= line. */
static helby_status sniff_stream(stream *s)
{
    size_t cut = s->len;
    if (!s->eof) {
        const unsigned char *nl = s->win + s->len;
        while (nl > s->win && nl[-1] != '\n')
            nl--;
        cut = nl > s->win ? (size_t)(nl - s->win) : helby_csv_utf8_complete(s->win, s->len);
    }
    int auto_enc = s->d->encoding == HELBY_ENC_AUTO;
    helby_status st = helby_csv_sniff(s->win, cut, s->d, s->path, s->err);
    if (st)
        return st;
    s->sniffed_utf8 = auto_enc && s->d->encoding == HELBY_ENC_UTF8;
    char sep;
    size_t skip = 0;
    s->text_start = helby_csv_text_start(s->win, s->len, &sep, &skip);
    s->first_line = skip ? 2 : 1;
    s->seen_nl = memchr(s->win + s->text_start, '\n', cut - s->text_start) != NULL;
    memmove(s->win, s->win + s->text_start, s->len - s->text_start);
    s->len -= s->text_start;
    if (s->d->encoding != HELBY_ENC_CP1252) {
        take_utf8(s);
        return HELBY_OK;
    }
    unsigned char *raw = s->win;
    size_t n = s->len;
    s->win = NULL;
    s->cap = s->len = 0;
    st = take_cp1252(s, raw, n);
    free(raw);
    return st;
}

/* Feed block after block; the feeder's status, or st of a failed read. */
static helby_status pump(stream *s, helby_csv_feed *f)
{
    for (;;) {
        if (!s->found)
            feed_window(s, f);
        if (s->found || helby_csv_feed_status(f) || s->eof)
            return HELBY_OK;
        helby_status st = next_block(s);
        if (st)
            return st;
    }
}

/* One pass over the file; *redo when it must be read again as Windows-1252. */
static helby_status run(stream *s, const helby_csv_limits *limits, const helby_csv_reader *r,
                        int *redo)
{
    int whole = 0;
    helby_status st = open_stream(s, r, &whole);
    if (st)
        return st;
    if (whole)
        return helby_csv_parse(s->win, s->len, s->d, limits, s->path, r->on_row, r->ctx, s->err);
    helby_csv_feed *f = NULL;
    if ((st = sniff_stream(s)) ||
        (st = helby_csv_feed_new(&f, s->d->delimiter, limits, s->path, s->first_line, r->on_row,
                                 r->ctx, s->err)) ||
        (st = pump(s, f))) {
        helby_csv_feed_free(f);
        return st;
    }
    helby_status pst = helby_csv_feed_status(f);
    if ((pst == HELBY_EINPUT || s->found) && (st = check_rest(s))) {
        helby_csv_feed_free(f);
        return st;
    }
    if (s->found == BYTES_NOT_UTF8 || s->found) {
        helby_csv_feed_free(f);
        *redo = s->found == BYTES_NOT_UTF8;
        if (*redo)
            return HELBY_OK;
        if (r->reset)
            r->reset(r->ctx);
        return (st = bytes_error(s)) ? st : HELBY_EINPUT;
    }
    if (pst) {
        helby_csv_feed_free(f);
        return pst;
    }
    return helby_csv_feed_end(f);
}

static void stream_free(stream *s)
{
    if (s->fd >= 0)
        close(s->fd);
    free(s->win);
    free(s->raw);
}

/* One pass with a fresh stream; the file's size and hash when it was read without error. */
static helby_status one_pass(const char *path, helby_dialect *d, const helby_csv_limits *limits,
                             const helby_csv_reader *r, size_t *bytes, char sha256_hex[65],
                             int *redo, helby_error *err)
{
    stream s;
    memset(&s, 0, sizeof s);
    s.path = path;
    s.fd = -1;
    s.d = d;
    s.err = err;
    helby_status st = run(&s, limits, r, redo);
    if (!st && !*redo) {
        if (bytes)
            *bytes = s.bytes;
        if (sha256_hex)
            helby_csv_sha256_hex(&s.h, sha256_hex);
    }
    stream_free(&s);
    return st;
}

helby_status helby_csv_parse_file(const char *path, helby_dialect *d,
                                  const helby_csv_limits *limits, const helby_csv_reader *r,
                                  size_t *bytes, char sha256_hex[65], helby_error *err)
{
    helby_dialect given = *d;
    int redo = 0;
    helby_status st = one_pass(path, d, limits, r, bytes, sha256_hex, &redo, err);
    if (st || !redo)
        return st;
    /* Valid UTF-8 in the first MiB, not after: the whole file is Windows-1252. */
    if (r->reset)
        r->reset(r->ctx);
    *d = given;
    d->encoding = HELBY_ENC_CP1252;
    redo = 0; /* a pass with the encoding given never redoes */
    return one_pass(path, d, limits, r, bytes, sha256_hex, &redo, err);
}

helby_status helby_read_head(const char *path, unsigned char *buf, size_t cap, size_t *got,
                             helby_error *err)
{
    int fd = -1;
    size_t size = 0;
    *got = 0;
    helby_status st = helby_csv_open_regular(path, &fd, &size, err);
    if (st)
        return st;
    if (helby_csv_read_full(fd, buf, cap, got))
        st = helby_error_at(err, HELBY_EIO, path, 0, 0, NULL, "read error: %s", strerror(errno));
    close(fd);
    return st;
}
