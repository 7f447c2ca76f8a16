/* test_csv.c — reading delimited exports (src/lib/base/csv.c). Expected values are written out
 * by hand from the input bytes in each test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"

typedef struct rows {
    size_t n;
    long line[16];
    size_t nf[16];
    char text[16][8][64];
    size_t stop_at; /* return an error at this row (0 = never) */
} rows;

static helby_status collect(void *ctx, size_t ri, long line, const helby_field *f, size_t nf,
                            helby_error *err)
{
    rows *r = ctx;
    if (r->stop_at && ri == r->stop_at)
        return helby_error_set(err, HELBY_EINPUT, "stopped by the callback");
    if (r->n < 16) {
        r->line[r->n] = line;
        r->nf[r->n] = nf;
        for (size_t j = 0; j < nf && j < 8; j++)
            snprintf(r->text[r->n][j], 64, "%s", f[j].text);
        r->n++;
    }
    return HELBY_OK;
}

static helby_status parse(const char *bytes, size_t len, helby_dialect *d, rows *r,
                          helby_error *err)
{
    memset(r, 0, sizeof *r);
    return helby_csv_parse((const unsigned char *)bytes, len, d, NULL, "t.csv", collect, r, err);
}

#define LIT(s) s, sizeof(s) - 1

static void semicolon_file_with_bom_and_crlf_is_sniffed(void **state)
{
    (void)state;
    helby_dialect d = {0};
    rows r;
    helby_error err;
    assert_int_equal(parse(LIT("\xEF\xBB\xBF"
                               "a;b;c\r\n1;2,5;x\r\n"),
                           &d, &r, &err),
                     HELBY_OK);
    assert_int_equal(d.delimiter, ';');
    assert_int_equal(d.decimal, ',');
    assert_int_equal(d.encoding, HELBY_ENC_UTF8);
    assert_true(d.had_bom);
    assert_true(d.crlf);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.text[0][0], "a"); /* the BOM is not part of the first name */
    assert_string_equal(r.text[1][1], "2,5");
}

/* Lines without quotes are split without libcsv (csv.c: fast_line); they must come out as
 * libcsv gives them: spaces around a field trimmed, inner spaces and tabs kept, a line of
 * spaces no record, a line of delimiters a record of empty fields; lines with a quote or a
 * lone CR, and a last line without its line end, still go through libcsv. */
static void lines_without_quotes_are_read_as_libcsv_reads_them(void **state)
{
    (void)state;
    helby_dialect d = {.delimiter = ';', .decimal = ','};
    rows r;
    helby_error err;
    assert_int_equal(
        parse(LIT("a;b;c\n  1 ; 2 ;3\r\n   \n;;\na b;\"x\";\tz\n6;7\r8\n9;1;2"), &d, &r, &err),
        HELBY_OK);
    assert_int_equal(r.n, 7);
    assert_int_equal(r.line[1], 2);
    assert_int_equal(r.nf[1], 3);
    assert_string_equal(r.text[1][0], "1");
    assert_string_equal(r.text[1][1], "2");
    assert_string_equal(r.text[1][2], "3");
    assert_int_equal(r.line[2], 4); /* line 3, spaces only, is no record */
    assert_int_equal(r.nf[2], 3);
    assert_string_equal(r.text[2][0], "");
    assert_string_equal(r.text[2][2], "");
    assert_int_equal(r.line[3], 5);
    assert_string_equal(r.text[3][0], "a b");
    assert_string_equal(r.text[3][1], "x");
    assert_string_equal(r.text[3][2], "\tz");
    assert_int_equal(r.nf[4], 2); /* a lone CR ends a record, as libcsv reads it */
    assert_string_equal(r.text[4][1], "7");
    assert_int_equal(r.nf[5], 1);
    assert_string_equal(r.text[5][0], "8");
    assert_int_equal(r.line[6], 7);
    assert_int_equal(r.nf[6], 3);
    assert_string_equal(r.text[6][2], "2");
}

static void comma_and_tab_files_are_sniffed(void **state)
{
    (void)state;
    helby_dialect d = {0};
    rows r;
    helby_error err;
    assert_int_equal(parse(LIT("a,b\n1,2\n"), &d, &r, &err), HELBY_OK);
    assert_int_equal(d.delimiter, ',');
    assert_int_equal(d.decimal, '.');
    assert_false(d.crlf);
    helby_dialect t = {0};
    assert_int_equal(parse(LIT("a\tb c\n1\t2\n"), &t, &r, &err), HELBY_OK);
    assert_int_equal(t.delimiter, '\t');
    assert_string_equal(r.text[0][1], "b c"); /* spaces stay inside a tab-separated field */
}

static void semicolons_inside_quotes_do_not_fool_the_sniffer(void **state)
{
    (void)state;
    helby_dialect d = {0};
    rows r;
    helby_error err;
    assert_int_equal(parse(LIT("a,\"x;y;z\"\n1,\"p;q;r\"\n"), &d, &r, &err), HELBY_OK);
    assert_int_equal(d.delimiter, ',');
    assert_string_equal(r.text[1][1], "p;q;r");
}

static void quoted_fields_keep_separators_quotes_and_line_breaks(void **state)
{
    (void)state;
    helby_dialect d = {.delimiter = ';'};
    rows r;
    helby_error err;
    assert_int_equal(
        parse(LIT("a;b\r\n\"x;y\";\"say \"\"hej\"\"\"\r\n\"two\r\nlines\";2\r\n3;4\r\n"), &d, &r,
              &err),
        HELBY_OK);
    assert_int_equal(r.n, 4);
    assert_string_equal(r.text[1][0], "x;y");
    assert_string_equal(r.text[1][1], "say \"hej\"");
    assert_string_equal(r.text[2][0], "two\r\nlines");
    assert_int_equal(r.line[2], 3);
    assert_int_equal(r.line[3], 5); /* the record after a two-line field starts on line 5 */
}

static void blank_lines_are_skipped_but_counted(void **state)
{
    (void)state;
    helby_dialect d = {0};
    rows r;
    helby_error err;
    assert_int_equal(parse(LIT("a;b\n\n1;2\r\n\r\n\n3;4"), &d, &r, &err), HELBY_OK);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.line[1], 3);
    assert_int_equal(r.line[2], 6); /* last line without a line end is still read */
    assert_string_equal(r.text[2][1], "4");
}

static void windows_1252_is_converted_to_utf8(void **state)
{
    (void)state;
    helby_dialect d = {0};
    rows r;
    helby_error err;
    /* 0xF8 = ø, 0xE6 = æ, 0xC5 = Å, 0x80 = € in Windows-1252. */
    assert_int_equal(parse(LIT("navn;by\n\xF8\xE6;\xC5\x80\n"), &d, &r, &err), HELBY_OK);
    assert_int_equal(d.encoding, HELBY_ENC_CP1252);
    assert_string_equal(r.text[1][0], "øæ");
    assert_string_equal(r.text[1][1], "Å€");
}

static void invalid_utf8_is_an_error_when_utf8_is_asked_for(void **state)
{
    (void)state;
    helby_dialect d = {.delimiter = ';', .encoding = HELBY_ENC_UTF8};
    rows r;
    helby_error err;
    assert_int_equal(parse(LIT("a;b\n1;2\n3;x\xF8y\n"), &d, &r, &err), HELBY_EINPUT);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 2);
    assert_non_null(strstr(err.message, "UTF-8"));
}

static void byte_undefined_in_windows_1252_is_an_error(void **state)
{
    (void)state;
    helby_dialect d = {0};
    rows r;
    helby_error err;
    assert_int_equal(parse(LIT("a;b\n1;\x81\n"), &d, &r, &err), HELBY_EINPUT);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 2);
}

static void nul_byte_is_an_error_with_line_and_column(void **state)
{
    (void)state;
    helby_dialect d = {0};
    rows r;
    helby_error err;
    static const char in[] = "a;b;c\n1;2;3\n4;5\0;6\n";
    assert_int_equal(parse(in, sizeof in - 1, &d, &r, &err), HELBY_EINPUT);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 2);
    assert_non_null(strstr(err.message, "NUL"));
    assert_int_equal(r.n, 0); /* nothing is handed out from a file with a NUL byte */
}

static void unclosed_quote_names_the_line_where_it_opened(void **state)
{
    (void)state;
    helby_dialect d = {0};
    rows r;
    helby_error err;
    assert_int_equal(parse(LIT("a;b\n1;2\n3;\"open\n4;5\n"), &d, &r, &err), HELBY_EINPUT);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.message, "never closed"));
}

static void quote_inside_an_unquoted_field_is_an_error(void **state)
{
    (void)state;
    helby_dialect d = {0};
    rows r;
    helby_error err;
    assert_int_equal(parse(LIT("a;b\n1;x\"y\n"), &d, &r, &err), HELBY_EINPUT);
    assert_int_equal(err.line, 2);
}

static void field_over_the_limit_is_refused(void **state)
{
    (void)state;
    size_t n = (2u << 20) + 10;
    char *big = malloc(n);
    memcpy(big, "a;b\n1;", 6);
    memset(big + 6, 'x', n - 7);
    big[n - 1] = '\n';
    helby_dialect d = {0};
    rows r;
    helby_error err;
    assert_int_equal(parse(big, n, &d, &r, &err), HELBY_EINPUT);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 2);
    assert_non_null(strstr(err.message, "limit"));
    free(big);
}

static void too_many_columns_are_refused(void **state)
{
    (void)state;
    helby_csv_limits lim = {0, 5};
    helby_dialect d = {0};
    rows r;
    helby_error err;
    memset(&r, 0, sizeof r);
    assert_int_equal(helby_csv_parse((const unsigned char *)"a;b;c;d;e;f\n", 12, &d, &lim, "t.csv",
                                     collect, &r, &err),
                     HELBY_EINPUT);
    assert_int_equal(err.column, 6);
}

static void empty_file_and_bom_only_file_are_empty(void **state)
{
    (void)state;
    helby_dialect d = {0};
    rows r;
    helby_error err;
    assert_int_equal(parse("", 0, &d, &r, &err), HELBY_EINPUT);
    assert_non_null(strstr(err.message, "empty"));
    helby_dialect d2 = {0};
    assert_int_equal(parse(LIT("\xEF\xBB\xBF"), &d2, &r, &err), HELBY_EINPUT);
}

static void callback_can_stop_parsing_with_its_error(void **state)
{
    (void)state;
    helby_dialect d = {0};
    rows r;
    helby_error err;
    memset(&r, 0, sizeof r);
    r.stop_at = 2;
    assert_int_equal(helby_csv_parse((const unsigned char *)"a\n1\n2\n3\n", 8, &d, NULL, "t.csv",
                                     collect, &r, &err),
                     HELBY_EINPUT);
    assert_string_equal(err.message, "stopped by the callback");
    assert_int_equal(r.n, 2);
}

static void numbers_are_parsed_strictly_and_without_locale(void **state)
{
    (void)state;
    double x = 0;
    assert_true(helby_parse_number("2,5", 3, ',', &x) && x == 2.5);
    assert_true(helby_parse_number(" -1.25e2 ", 9, '.', &x) && x == -125);
    assert_true(helby_parse_number("+7", 2, '.', &x) && x == 7);
    assert_true(helby_parse_number("0,000001", 8, ',', &x) && x == 1e-6);
    assert_false(helby_parse_number("1.5", 3, ',', &x)); /* point in a decimal-comma file */
    assert_false(helby_parse_number("1,5", 3, '.', &x));
    assert_false(helby_parse_number("1.000,5", 7, ',', &x)); /* thousands separators */
    assert_false(helby_parse_number("NaN", 3, '.', &x));
    assert_false(helby_parse_number("inf", 3, '.', &x));
    assert_false(helby_parse_number("0x10", 4, '.', &x));
    assert_false(helby_parse_number("", 0, '.', &x));
    assert_false(helby_parse_number("  ", 2, '.', &x));
    assert_false(helby_parse_number("1e400", 5, '.', &x)); /* overflows to infinity */
    assert_false(helby_parse_number("1e", 2, '.', &x));
    assert_false(helby_parse_number("-", 1, '.', &x));
    char digits[5001];
    memset(digits, '9', 5000);
    digits[5000] = '\0';
    assert_false(helby_parse_number(digits, 5000, '.', &x)); /* 5000 digits: > DBL_MAX */
    digits[0] = '0';
    digits[1] = '.';
    assert_true(helby_parse_number(digits, 5000, '.', &x) && fabs(x - 1.0) < 1e-15);
}

static void sha256_matches_the_fips_180_2_example(void **state)
{
    (void)state;
    char h[65];
    helby_sha256_hex("abc", 3, h);
    /* FIPS 180-2, appendix B.1 */
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void reading_a_missing_file_names_it(void **state)
{
    (void)state;
    unsigned char *b;
    size_t n;
    helby_error err;
    assert_int_equal(helby_read_file("/nonexistent/x.csv", &b, &n, NULL, &err), HELBY_EIO);
    assert_string_equal(err.file, "/nonexistent/x.csv");
    assert_int_equal(helby_read_file("/tmp", &b, &n, NULL, &err), HELBY_EIO);
    assert_non_null(strstr(err.message, "directory"));
}

static void an_excel_sep_line_names_the_delimiter_and_is_no_record(void **state)
{
    (void)state;
    helby_dialect d = {0};
    rows r;
    helby_error err;
    /* Commas would win the sniffing; the "sep=;" line says otherwise. */
    assert_int_equal(parse(LIT("sep=;\r\na,b;c\r\n1,5;2\r\n"), &d, &r, &err), HELBY_OK);
    assert_int_equal(d.delimiter, ';');
    assert_true(d.sep_line);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.text[0][0], "a,b");
    assert_int_equal(r.line[0], 2); /* lines count from the file's first line */
    assert_int_equal(r.line[1], 3);
}

/* Issue 24 item 7: Excel's thousands separators, by hand: the separator is the mark that is
 * not the decimal one, between groups of exactly three digits. */
static void thousands_separators_are_read_only_as_written_by_excel(void **state)
{
    (void)state;
    double x = 0;
    assert_int_equal(helby_parse_grouped_number("1.029,5", 7, ',', &x), 2);
    assert_true(x == 1029.5);
    assert_int_equal(helby_parse_grouped_number("1,029.5", 7, '.', &x), 2);
    assert_true(x == 1029.5);
    assert_int_equal(helby_parse_grouped_number(" -12.345.678 ", 13, ',', &x), 2);
    assert_true(x == -12345678);
    assert_int_equal(helby_parse_grouped_number("1.029", 5, ',', &x), 1); /* or 1.029 */
    assert_true(x == 1029);
    static const char *no[] = {"1.02,5",    "1.0295", "0.125",    "1029,5", "12.5",  "1,029.5",
                               "1.029,5e3", "1..029", "1234.567", ".029",   "1.029."};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        assert_int_equal(helby_parse_grouped_number(no[i], strlen(no[i]), ',', &x), 0);
    /* The sniffer: "1.029,5" votes for ',', "1.398" (could be 1398) only when nothing else
     * has a decimal mark. */
    helby_dialect d = {0};
    rows r;
    helby_error err;
    assert_int_equal(parse(LIT("a;b\n1.029,5;1.398\n2.000,25;2.100\n"), &d, &r, &err), HELBY_OK);
    assert_int_equal(d.decimal, ',');
    assert_int_equal(d.decimal_source, HELBY_DECIMAL_FROM_VALUES);
    d = (helby_dialect){0};
    assert_int_equal(parse(LIT("a;b\n1;1.398\n2;2.100\n"), &d, &r, &err), HELBY_OK);
    assert_int_equal(d.decimal, '.');
}

/* fuzz_csv found that a sep= line took any byte as the delimiter (issue 27): a letter, a
 * quote, a space or a NUL made a file no spreadsheet wrote. Only , ; | and tab are taken. */
static void a_sep_line_names_only_a_real_delimiter(void **state)
{
    (void)state;
    rows r;
    helby_error err;
    static const char ok[] = ",;|\t";
    for (const char *c = ok; *c; c++) {
        char text[32];
        int n = snprintf(text, sizeof text, "sep=%c\na%cb\n1%c2\n", *c, *c, *c);
        helby_dialect d = {0};
        assert_int_equal(parse(text, (size_t)n, &d, &r, &err), HELBY_OK);
        assert_int_equal(d.delimiter, *c);
        assert_int_equal(r.n, 2);
        assert_string_equal(r.text[0][1], "b");
    }
    static const char bad[] = "x\" .0";
    for (size_t i = 0; i < sizeof bad; i++) { /* the last is the NUL */
        char text[32];
        int n = snprintf(text, sizeof text, "sep=%c\na;b\n", 'Q');
        text[4] = bad[i];
        helby_dialect d = {0};
        assert_int_equal(parse(text, (size_t)n, &d, &r, &err), HELBY_EINPUT);
        assert_string_equal(err.file, "t.csv");
        assert_int_equal(err.line, 1);
        assert_non_null(strstr(err.message, "sep= line"));
    }
}

static void decimal_mark_is_sniffed_from_the_values(void **state)
{
    (void)state;
    helby_dialect d = {0};
    rows r;
    helby_error err;
    /* ';' usually goes with a decimal comma, but these values use points. */
    assert_int_equal(parse(LIT("a;b\n1.5;2\n3;4.25\n"), &d, &r, &err), HELBY_OK);
    assert_int_equal(d.decimal, '.');
    assert_int_equal(d.decimal_source, HELBY_DECIMAL_FROM_VALUES);
    d = (helby_dialect){0};
    assert_int_equal(parse(LIT("a\tb\n1,5\t2\n"), &d, &r, &err), HELBY_OK);
    assert_int_equal(d.decimal, ',');
    assert_int_equal(d.decimal_source, HELBY_DECIMAL_FROM_VALUES);
    /* Both marks: two commas against one point. Dates and ids with two marks don't count. */
    d = (helby_dialect){0};
    assert_int_equal(parse(LIT("a;b;c\n1,5;2,5;3.5\n12.05.2011;1.2.3;x\n"), &d, &r, &err),
                     HELBY_OK);
    assert_int_equal(d.decimal, ',');
    assert_int_equal(d.decimal_source, HELBY_DECIMAL_MAJORITY);
    /* No decimals at all: the delimiter's usual mark, said to be assumed. */
    d = (helby_dialect){0};
    assert_int_equal(parse(LIT("a;b\n1;2\n"), &d, &r, &err), HELBY_OK);
    assert_int_equal(d.decimal, ',');
    assert_int_equal(d.decimal_source, HELBY_DECIMAL_ASSUMED);
    /* Given: kept. */
    d = (helby_dialect){.decimal = ','};
    assert_int_equal(parse(LIT("a;b\n1.5;2\n"), &d, &r, &err), HELBY_OK);
    assert_int_equal(d.decimal, ',');
    assert_int_equal(d.decimal_source, HELBY_DECIMAL_GIVEN);
}

static void utf16_with_a_bom_is_converted(void **state)
{
    (void)state;
    rows r;
    helby_error err;
    /* "bydel;ø\r\n1;2\r\n" in UTF-16 LE and BE, each with its BOM; ø is U+00F8, and an
     * astral character (U+1F600, surrogates D83D DE00) in the last field. */
    static const unsigned char le[] = {0xFF, 0xFE, 'b',  0,    'y',  0, 'd',  0, 'e', 0, 'l', 0,
                                       ';',  0,    0xF8, 0,    '\r', 0, '\n', 0, '1', 0, ';', 0,
                                       0x3D, 0xD8, 0x00, 0xDE, '\r', 0, '\n', 0};
    helby_dialect d = {0};
    assert_int_equal(parse((const char *)le, sizeof le, &d, &r, &err), HELBY_OK);
    assert_int_equal(d.utf16, 'L');
    assert_int_equal(d.delimiter, ';');
    assert_int_equal(r.n, 2);
    assert_string_equal(r.text[0][1], "\xC3\xB8");
    assert_string_equal(r.text[1][1], "\xF0\x9F\x98\x80");
    unsigned char be[sizeof le];
    be[0] = 0xFE, be[1] = 0xFF;
    for (size_t i = 2; i < sizeof le; i += 2)
        be[i] = le[i + 1], be[i + 1] = le[i];
    d = (helby_dialect){0};
    assert_int_equal(parse((const char *)be, sizeof be, &d, &r, &err), HELBY_OK);
    assert_int_equal(d.utf16, 'B');
    assert_string_equal(r.text[0][1], "\xC3\xB8");
    /* An odd number of bytes after the BOM is not UTF-16. */
    d = (helby_dialect){0};
    assert_int_equal(parse((const char *)le, sizeof le - 1, &d, &r, &err), HELBY_EINPUT);
    assert_non_null(strstr(err.message, "UTF-16"));
}

/* helby_parse_number's fast path (Clinger: m / 10^k) must give strtod's bits exactly: 200,000
 * random numbers of 1 to 19 digits with the mark anywhere, signs and leading/trailing zeros,
 * with both marks, against strtod on the same text. */
static void numbers_parse_to_strtods_bits(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ull;
    for (int t = 0; t < 200000; t++) {
        char buf[64];
        size_t n = 0;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        if (x % 5 == 0)
            buf[n++] = '-';
        int digits = 1 + (int)((x >> 8) % 19);
        int mark = (int)((x >> 16) % (uint64_t)(digits + 2));
        for (int d = 0; d < digits; d++) {
            if (d == mark && d > 0)
                buf[n++] = ',';
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[n++] = (char)('0' + (x >> 20) % 10);
        }
        buf[n] = '\0';
        double got = -1, want;
        if (!helby_parse_number(buf, n, ',', &got)) {
            print_error("refused: %s\n", buf);
            fail();
        }
        char dot[64];
        memcpy(dot, buf, n + 1);
        for (size_t k = 0; k < n; k++)
            if (dot[k] == ',')
                dot[k] = '.';
        want = strtod(dot, NULL);
        if (memcmp(&got, &want, sizeof got)) {
            print_error("%s: got %.17g, strtod %.17g\n", buf, got, want);
            fail();
        }
        double got2 = -1;
        assert_true(helby_parse_number(dot, n, '.', &got2));
        assert_memory_equal(&got2, &want, sizeof want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(semicolon_file_with_bom_and_crlf_is_sniffed),
        cmocka_unit_test(comma_and_tab_files_are_sniffed),
        cmocka_unit_test(lines_without_quotes_are_read_as_libcsv_reads_them),
        cmocka_unit_test(semicolons_inside_quotes_do_not_fool_the_sniffer),
        cmocka_unit_test(quoted_fields_keep_separators_quotes_and_line_breaks),
        cmocka_unit_test(blank_lines_are_skipped_but_counted),
        cmocka_unit_test(windows_1252_is_converted_to_utf8),
        cmocka_unit_test(invalid_utf8_is_an_error_when_utf8_is_asked_for),
        cmocka_unit_test(byte_undefined_in_windows_1252_is_an_error),
        cmocka_unit_test(nul_byte_is_an_error_with_line_and_column),
        cmocka_unit_test(unclosed_quote_names_the_line_where_it_opened),
        cmocka_unit_test(quote_inside_an_unquoted_field_is_an_error),
        cmocka_unit_test(field_over_the_limit_is_refused),
        cmocka_unit_test(too_many_columns_are_refused),
        cmocka_unit_test(empty_file_and_bom_only_file_are_empty),
        cmocka_unit_test(callback_can_stop_parsing_with_its_error),
        cmocka_unit_test(numbers_are_parsed_strictly_and_without_locale),
        cmocka_unit_test(sha256_matches_the_fips_180_2_example),
        cmocka_unit_test(reading_a_missing_file_names_it),
        cmocka_unit_test(an_excel_sep_line_names_the_delimiter_and_is_no_record),
        cmocka_unit_test(decimal_mark_is_sniffed_from_the_values),
        cmocka_unit_test(thousands_separators_are_read_only_as_written_by_excel),
        cmocka_unit_test(a_sep_line_names_only_a_real_delimiter),
        cmocka_unit_test(utf16_with_a_bom_is_converted),
        cmocka_unit_test(numbers_parse_to_strtods_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
