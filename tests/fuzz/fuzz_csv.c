/* fuzz_csv.c — the CSV reader with dialect sniffing (src/lib/base/csv.c).
 *
 * Each input is parsed twice: with everything sniffed and default limits, then with a
 * dialect forced (chosen from the input's bytes) and tiny limits. Every row handed out must
 * hold NUL-free, valid UTF-8 fields with the stated lengths, rows must come in order with
 * non-decreasing lines, and a failure must be bad input with a message and a line.
 * Each field also goes through helby_parse_number, which may only accept finite numbers. */
#include <math.h>
#include <string.h>

#include "fuzz_util.h"
#include "helby/csv.h"

typedef struct check_ctx {
    size_t rows;
    long last_line;
    size_t max_columns;
    char decimal;
} check_ctx;

static int valid_utf8(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        size_t k = c < 0x80             ? 1
                   : (c & 0xE0) == 0xC0 ? 2
                   : (c & 0xF0) == 0xE0 ? 3
                   : (c & 0xF8) == 0xF0 ? 4
                                        : 0;
        if (!k || c == 0xC0 || c == 0xC1 || i + k > n)
            return 0;
        for (size_t j = 1; j < k; j++)
            if ((p[i + j] & 0xC0) != 0x80)
                return 0;
        i += k;
    }
    return 1;
}

static helby_status on_row(void *ctx, size_t row_index, long line, const helby_field *f, size_t nf,
                           helby_error *err)
{
    check_ctx *c = ctx;
    (void)err;
    if (row_index != c->rows++)
        fuzz_fail("rows out of order");
    if (line < 1 || line < c->last_line)
        fuzz_fail("line numbers go backwards");
    c->last_line = line;
    if (nf == 0 || nf > c->max_columns)
        fuzz_fail("row with no fields or more than the column limit");
    for (size_t i = 0; i < nf; i++) {
        if (strlen(f[i].text) != f[i].len)
            fuzz_fail("field length disagrees with its text");
        if (!valid_utf8((const unsigned char *)f[i].text, f[i].len))
            fuzz_fail("field is not valid UTF-8");
        double x;
        if (helby_parse_number(f[i].text, f[i].len, c->decimal, &x) && !isfinite(x))
            fuzz_fail("helby_parse_number accepted a non-finite number");
    }
    return HELBY_OK;
}

static void run(const uint8_t *data, size_t size, helby_dialect d, const helby_csv_limits *lim)
{
    check_ctx c = {0, 0, lim && lim->max_columns ? lim->max_columns : 10000, 0};
    helby_dialect sniffed = d;
    helby_error serr;
    if (helby_csv_sniff(data, size, &sniffed, "fuzz.csv", &serr) == HELBY_OK)
        c.decimal = sniffed.decimal;
    else
        c.decimal = '.';
    helby_error err;
    helby_status st = helby_csv_parse(data, size, &d, lim, "fuzz.csv", on_row, &c, &err);
    if (st != HELBY_OK) {
        if (st != HELBY_EINPUT || err.code != HELBY_EINPUT || !err.message[0])
            fuzz_fail("a parse error that is not bad input with a message");
        if (strcmp(err.file, "fuzz.csv") != 0 || err.line < 1)
            fuzz_fail("a parse error without the file and line");
    } else if (d.delimiter != ';' && d.delimiter != ',' && d.delimiter != '\t') {
        fuzz_fail("sniffed an impossible delimiter");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    helby_dialect d;
    memset(&d, 0, sizeof d);
    run(data, size, d, NULL);

    unsigned h = 0;
    for (size_t i = 0; i < size && i < 64; i++)
        h = h * 31 + data[i];
    static const char delims[] = {';', ',', '\t'};
    d.delimiter = delims[h % 3];
    d.decimal = (h / 3) % 2 ? ',' : '.';
    d.encoding = (helby_encoding)((h / 6) % 3);
    helby_csv_limits lim = {16, 5};
    run(data, size, d, &lim);
    return 0;
}
