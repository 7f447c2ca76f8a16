/* ingest_whole.c — proof that ReadStat read the whole of a SPSS, Stata or SAS file.
 *
 * ReadStat stops without an error where a file ends early or its header undercounts: a
 * transport file cut inside its data gives the rows before the cut, a .sav or .sas7bdat
 * whose header declares fewer rows than it holds gives the declared rows, a .dta cut inside
 * its value labels gives no labels (and so no codebook check). Import is all or nothing, so
 * the reader must prove it got everything (ingest_internal.h, helby_rs_check_whole):
 *
 *  - every format: as many rows as the header declares (when it declares a count), and a
 *    value for every variable of every row;
 *  - .sav/.zsav: read once more with the header's count set to "unknown" (-1), when ReadStat
 *    reads to the end of the data: that count must be the declared one;
 *  - .sas7bdat: read once more with the row-size subheader's count set beyond any file, when
 *    ReadStat reads every data page: again the declared count;
 *  - .dta (117 and later, XML-like tags): the file ends in </stata_dta> and ReadStat read up
 *    to its last </value_labels> (older .dta have no end tag: the first check only);
 *  - .xpt (no row count): a whole number of 80-byte records, and the data ends at the last
 *    complete row with less than one record of blank padding after it.
 * A transport file cut at a record boundary that is also a row boundary is a valid, shorter
 * file: nothing in the format tells it apart (docs/importing.md). */
#include <readstat.h>
#include <stdint.h>
#include <string.h>

#include "ingest/ingest_internal.h"

/* ---- A second, counting pass through ReadStat with a few bytes of the file replaced ---- */

typedef struct patched_io {
    const unsigned char *buf;
    size_t len, pos;
    size_t at;             /* the replaced bytes' offset */
    unsigned char with[8]; /* and what they read as */
    size_t n;              /* how many (0: none) */
} patched_io;

static int p_open(const char *path, void *io)
{
    (void)path;
    ((patched_io *)io)->pos = 0;
    return 0;
}

static int p_close(void *io)
{
    (void)io;
    return 0;
}

static readstat_off_t p_seek(readstat_off_t off, readstat_io_flags_t whence, void *io_)
{
    patched_io *io = io_;
    readstat_off_t base = whence == READSTAT_SEEK_SET   ? 0
                          : whence == READSTAT_SEEK_CUR ? (readstat_off_t)io->pos
                                                        : (readstat_off_t)io->len;
    readstat_off_t to = base + off;
    if (to < 0 || to > (readstat_off_t)io->len)
        return -1;
    io->pos = (size_t)to;
    return to;
}

static ssize_t p_read(void *dst, size_t n, void *io_)
{
    patched_io *io = io_;
    size_t left = io->len - io->pos;
    if (n > left)
        n = left;
    if (n)
        memcpy(dst, io->buf + io->pos, n);
    for (size_t i = 0; i < io->n; i++) /* the replaced bytes inside [pos, pos + n) */
        if (io->at + i >= io->pos && io->at + i < io->pos + n)
            ((unsigned char *)dst)[io->at + i - io->pos] = io->with[i];
    io->pos += n;
    return (ssize_t)n;
}

static readstat_error_t p_update(long file_size, readstat_progress_handler progress, void *user_ctx,
                                 void *io)
{
    (void)file_size, (void)progress, (void)user_ctx, (void)io;
    return READSTAT_OK;
}

static int count_value(int obs, readstat_variable_t *v, readstat_value_t value, void *ctx)
{
    (void)v, (void)value;
    long *rows = ctx;
    if (obs >= 0 && obs + 1 > *rows)
        *rows = obs + 1;
    return READSTAT_HANDLER_OK;
}

static int count_variable(int index, readstat_variable_t *v, const char *labels, void *ctx)
{
    (void)index, (void)v, (void)labels, (void)ctx;
    return READSTAT_HANDLER_OK; /* ReadStat's .sav reader needs one to give values */
}

/* Rows ReadStat gives for the file read through io (its error, if any, is beside the
 * point: a row count set beyond the file makes ReadStat complain after the last row). */
static long count_rows(patched_io *io, helby_file_format fmt)
{
    readstat_parser_t *p = readstat_parser_init();
    if (!p)
        return -1;
    long rows = 0;
    readstat_set_open_handler(p, p_open);
    readstat_set_close_handler(p, p_close);
    readstat_set_seek_handler(p, p_seek);
    readstat_set_read_handler(p, p_read);
    readstat_set_update_handler(p, p_update);
    readstat_set_io_ctx(p, io);
    readstat_set_variable_handler(p, count_variable);
    readstat_set_value_handler(p, count_value);
    if (fmt == HELBY_FORMAT_SAV)
        readstat_parse_sav(p, "", &rows);
    else
        readstat_parse_sas7bdat(p, "", &rows);
    readstat_parser_free(p);
    return rows;
}

/* ---- Per format ---- */

static uint64_t get_uint(const unsigned char *p, size_t w, int big)
{
    uint64_t x = 0;
    for (size_t i = 0; i < w; i++)
        x |= (uint64_t)p[big ? w - 1 - i : i] << (8 * i);
    return x;
}

static void put_uint(unsigned char *p, size_t w, int big, uint64_t x)
{
    for (size_t i = 0; i < w; i++)
        p[big ? w - 1 - i : i] = (unsigned char)(x >> (8 * i));
}

/* The offset and width of the row count in a .sas7bdat's row-size subheader: after its
 * signature F7F7F7F7, the 7th field (offset 24 of 4 bytes; 48 of 8 in 64-bit files, whose
 * signature is 8 bytes: F7F7F7F7 00000000, or 00000000 F7F7F7F7 big-endian). Found as the
 * one such place that holds the declared count; 0 when there is not exactly one. */
static size_t sas_count_at(const unsigned char *b, size_t len, long declared, size_t *w, int *big)
{
    static const unsigned char sig[4] = {0xF7, 0xF7, 0xF7, 0xF7};
    size_t found = 0, n = 0;
    for (size_t i = 4; i + 4 <= len; i++) {
        if (memcmp(b + i, sig, 4))
            continue;
        const size_t at[3] = {i + 24, i + 48, i - 4 + 48}, width[3] = {4, 8, 8};
        for (int c = 0; c < 3; c++)
            for (int e = 0; e < 2; e++)
                if (at[c] + width[c] <= len &&
                    get_uint(b + at[c], width[c], e) == (uint64_t)declared && found != at[c])
                    found = at[c], *w = width[c], *big = e, n++;
    }
    return n == 1 ? found : 0;
}

static helby_status refuse(const char *name, helby_error *err, const char *what, long a, long b)
{
    return helby_error_at(err, HELBY_EINPUT, name, 0, 0, NULL, what, a, b);
}

/* ---- .sav: where the data ends ---- */

/* The offset of a .sav's data (after the dictionary's record 999) and the 8-byte values
 * of one case (its type-2 records), walking the dictionary's records; 0 when they do not
 * parse (ReadStat read the file, so this is not expected). */
static size_t sav_data_at(const unsigned char *b, size_t len, int big, size_t *case_values)
{
    size_t p = 176, n = 0;
#define SAV_INT(at) ((at) + 4 <= len ? (int32_t)get_uint(b + (at), 4, big) : INT32_MIN)
    for (;;) {
        int32_t type = SAV_INT(p), a = SAV_INT(p + 4), c = SAV_INT(p + 8), d = SAV_INT(p + 12);
        if (type == 2) {
            int32_t label = SAV_INT(p + 32);
            p += 32 + (c == 1 && label >= 0 ? 4 + ((size_t)label + 3) / 4 * 4 : 0);
            p += (size_t)(d < 0 ? -(int64_t)d : d) * 8, n++;
        } else if (type == 3 && a >= 0) {
            p += 8;
            for (int32_t i = 0; i < a && p + 8 < len; i++)
                p += 8 + ((size_t)b[p + 8] + 1 + 7) / 8 * 8;
            int32_t vars = SAV_INT(p + 4);
            if (SAV_INT(p) != 4 || vars < 0)
                return 0;
            p += 8 + 4 * (size_t)vars;
        } else if (type == 6 && a >= 0) {
            p += 8 + 80 * (size_t)a;
        } else if (type == 7 && c >= 0 && d >= 0) {
            p += 16 + (size_t)c * (size_t)d;
        } else if (type == 999) {
            *case_values = n;
            return p + 8 <= len ? p + 8 : 0;
        } else {
            return 0;
        }
        if (p > len)
            return 0;
    }
#undef SAV_INT
}

/* The end of `values` values of bytecode-compressed data from `at`: the block of 8 codes
 * holding the last value, its raw values (code 253) after it; the block's other codes after
 * the last value must be 0 (padding) or 252 (end of data). One further block of only those
 * codes, the first 252, may follow (a writer's end-of-data block). 0 when the data is
 * shorter. */
static size_t sav_bytecode_end(const unsigned char *b, size_t len, size_t at, uint64_t values)
{
    uint64_t got = 0;
    if (!values)
        return at;
    while (at + 8 <= len) {
        const unsigned char *code = b + at;
        at += 8;
        for (int i = 0; i < 8; i++) {
            if (got == values) {
                if (code[i] != 0 && code[i] != 252)
                    return 0;
                continue;
            }
            if (code[i] == 252)
                return 0; /* the data ends before its last value */
            if (code[i] == 0)
                continue;
            at += code[i] == 253 ? 8 : 0;
            got++;
        }
        if (got == values) {
            int only_ends = len - at == 8 && b[at] == 252;
            for (int i = 0; i < 8 && only_ends; i++)
                only_ends = b[at + i] == 0 || b[at + i] == 252;
            return at + (only_ends ? 8 : 0);
        }
    }
    return 0;
}

/* The bytes after a .sav's data (its rows read by ReadStat): 0 for a whole file. Past the
 * end of uncompressed or bytecode data, or past a .zsav's trailer, nothing may follow: a
 * good file with junk (or 2 GB of NULs, which the bytecode skips) after it is refused. */
static int64_t sav_trailing(const unsigned char *b, size_t len, size_t rows)
{
    int big = len >= 68 && get_uint(b + 64, 4, 0) != 2 && get_uint(b + 64, 4, 0) != 3;
    size_t case_values = 0, at = len >= 176 ? sav_data_at(b, len, big, &case_values) : 0;
    if (!at)
        return 0;
    uint64_t compression = get_uint(b + 72, 4, big), values = (uint64_t)rows * case_values;
    size_t end = 0;
    if (compression == 0)
        end = values * 8 <= len - at ? at + (size_t)(values * 8) : 0;
    else if (compression == 1)
        end = sav_bytecode_end(b, len, at, values);
    else if (compression == 2 && at + 24 <= len) {
        uint64_t trailer = get_uint(b + at + 8, 8, big), size = get_uint(b + at + 16, 8, big);
        end = trailer <= len && size <= len - trailer ? (size_t)(trailer + size) : 0;
    }
    return end && end <= len ? (int64_t)(len - end) : 0;
}

static helby_status whole_sav(const unsigned char *buf, size_t len, const char *name,
                              const helby_rs_facts *f, helby_error *err)
{
    int64_t after = sav_trailing(buf, len, f->rows);
    if (after > 0)
        return refuse(name, err,
                      "%ld bytes follow the data of its %ld rows: the file is damaged or has "
                      "something appended; refused whole",
                      (long)after, (long)f->rows);
    long declared = f->declared;
    if (declared < 0 || len < 84)
        return HELBY_OK; /* no count: ReadStat already read to the end */
    patched_io io = {buf, len, 0, 80, {0xFF, 0xFF, 0xFF, 0xFF}, 4};
    long rows = count_rows(&io, HELBY_FORMAT_SAV);
    if (rows > declared)
        return refuse(name, err,
                      "the header declares %ld rows but the file holds %ld: a damaged or "
                      "altered file, refused whole",
                      declared, rows);
    return HELBY_OK;
}

/* The bytes after a .sas7bdat's pages (its header's length, page size and page count:
 * offsets 196, 200 and 204, 4 bytes later when byte 35 is 0x33; the count 8 bytes wide when
 * byte 32 is 0x33, big-endian when byte 37 is 0): 0 for a whole file. */
static int64_t sas_trailing(const unsigned char *b, size_t len)
{
    if (len < 216)
        return 0;
    size_t a1 = b[35] == 0x33 ? 4 : 0, wide = b[32] == 0x33 ? 8 : 4;
    int big = b[37] == 0;
    uint64_t header = get_uint(b + 196 + a1, 4, big), page = get_uint(b + 200 + a1, 4, big);
    uint64_t pages = get_uint(b + 204 + a1, wide, big);
    if (!page || pages > (uint64_t)len / page || header > len - pages * page)
        return 0; /* not as expected: ReadStat's own checks stand */
    return (int64_t)(len - header - pages * page);
}

static helby_status whole_sas(const unsigned char *buf, size_t len, const char *name, long declared,
                              helby_error *err)
{
    int64_t after = sas_trailing(buf, len);
    if (after > 0)
        return refuse(name, err,
                      "%ld bytes follow its last page: the file is damaged or has something "
                      "appended; refused whole",
                      (long)after, 0);
    size_t w = 0;
    int big = 0;
    size_t at = declared >= 0 ? sas_count_at(buf, len, declared, &w, &big) : 0;
    if (!at)
        return HELBY_OK;
    patched_io io = {buf, len, 0, at, {0}, w};
    put_uint(io.with, w, big, (uint64_t)INT32_MAX);
    long rows = count_rows(&io, HELBY_FORMAT_SAS7BDAT);
    if (rows > declared)
        return refuse(name, err,
                      "the header declares %ld rows but the file holds %ld: a damaged or "
                      "altered file, refused whole",
                      declared, rows);
    return HELBY_OK;
}

static const unsigned char *find_last(const unsigned char *b, size_t len, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = len >= k ? len - k + 1 : 0; i-- > 0;)
        if (!memcmp(b + i, s, k))
            return b + i;
    return NULL;
}

static helby_status whole_dta(const unsigned char *buf, size_t len, const char *name,
                              size_t high_water, helby_error *err)
{
    static const char tail[] = "</value_labels></stata_dta>";
    if (len < 11 || memcmp(buf, "<stata_dta>", 11))
        return HELBY_OK; /* before Stata 13 (format 117): no end tag to look for */
    size_t k = sizeof tail - 1;
    if (len < k || memcmp(buf + len - k, tail, k))
        return refuse(name, err,
                      "the file does not end with </stata_dta> (%ld of %ld bytes read): it is "
                      "cut short, perhaps inside its value labels; refused whole",
                      (long)high_water, (long)len);
    if (high_water + k < len)
        return refuse(name, err,
                      "ReadStat stopped at byte %ld of %ld: the value labels are damaged; "
                      "refused whole",
                      (long)high_water, (long)len);
    return HELBY_OK;
}

static helby_status whole_xpt(const unsigned char *buf, size_t len, const char *name,
                              const helby_rs_facts *f, helby_error *err)
{
    if (len % 80)
        return refuse(name, err,
                      "%ld bytes is not a whole number of 80-byte records (%ld over): the "
                      "file is cut short; refused whole",
                      (long)len, (long)(len % 80));
    const unsigned char *obs = find_last(buf, len, "HEADER RECORD*******OBS");
    if (!obs || !f->row_width)
        return HELBY_OK;
    size_t start = (size_t)(obs - buf) + 80, data = start <= len ? len - start : 0;
    size_t used = f->rows * f->row_width, pad = data >= used ? data - used : 0;
    int blank = 1;
    for (size_t i = start + used; i < len && blank; i++)
        blank = buf[i] == ' ';
    if (data < used || pad >= 80 || !blank)
        return refuse(name, err,
                      "the data holds %ld bytes after its %ld complete rows: a row is cut "
                      "short; refused whole",
                      (long)pad, (long)f->rows);
    return HELBY_OK;
}

helby_status helby_rs_check_whole(const unsigned char *buf, size_t len, const char *name,
                                  helby_file_format fmt, const helby_rs_facts *f, helby_error *err)
{
    if (f->declared >= 0 && (size_t)f->declared != f->rows)
        return refuse(name, err,
                      "the header declares %ld rows but %ld were read: the file is damaged "
                      "or cut short; refused whole",
                      f->declared, (long)f->rows);
    if (f->values != f->rows * f->n_vars)
        return refuse(name, err,
                      "%ld values for %ld rows: the last row is cut short; refused whole",
                      (long)f->values, (long)f->rows);
    switch (fmt) {
    case HELBY_FORMAT_SAV: return whole_sav(buf, len, name, f, err);
    case HELBY_FORMAT_SAS7BDAT: return whole_sas(buf, len, name, f->declared, err);
    case HELBY_FORMAT_DTA: return whole_dta(buf, len, name, f->high_water, err);
    case HELBY_FORMAT_XPT: return whole_xpt(buf, len, name, f, err);
    default: return HELBY_OK;
    }
}
