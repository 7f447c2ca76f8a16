/* text.c — text going out of helby (helby/csv.h): CSV cells a spreadsheet opens as text,
 * labels cut on UTF-8 character boundaries, bidirectional-control characters found.
 *
 * One place for every writer (reports, exports, the command line's CSV): the rule that a
 * cell starting with =, +, -, @, tab or CR gets a leading ' is the same in every CSV. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv_internal.h"
#include "helby/csv.h"

int helby_csv_formula_like(const char *s)
{
    if (!s || !*s || !strchr("=+-@\t\r", *s))
        return 0;
    if (*s == '\t' || *s == '\r')
        return 1;
    char *end;
    (void)strtod(s, &end);
    return end == s || *end != '\0';
}

void helby_csv_write_cell(FILE *f, const char *s, char sep, int raw)
{
    char special[] = {sep ? sep : ';', '"', '\r', '\n', '\0'};
    const char *prefix = !raw && helby_csv_formula_like(s) ? "'" : "";
    if (!strpbrk(s, special)) {
        fputs(prefix, f);
        fputs(s, f);
        return;
    }
    fputc('"', f);
    fputs(prefix, f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Bytes of the UTF-8 sequence led by c (1 for a byte that leads none: copied as it is). */
static size_t seq_len(unsigned char c)
{
    return c >= 0xF0 && c < 0xF8 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

size_t helby_utf8_copy(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src);
    if (!n)
        return len;
    if (len < n) {
        memcpy(dst, src, len + 1);
        return len;
    }
    /* Cut: as many whole characters as leave room for "…" (3 bytes) and the NUL. */
    static const char ell[] = "\xE2\x80\xA6";
    size_t room = n > sizeof ell ? n - sizeof ell : n - 1, k = 0;
    while (k < room) {
        size_t s = seq_len((unsigned char)src[k]);
        if (k + s > room)
            break;
        k += s;
    }
    memcpy(dst, src, k);
    if (n > sizeof ell) {
        memcpy(dst + k, ell, sizeof ell); /* with its NUL */
    } else {
        dst[k] = '\0';
    }
    return len;
}

long helby_utf8_invalid_at(const char *s, size_t len)
{
    size_t at = helby_csv_utf8_invalid_at((const unsigned char *)s, len);
    return at < len ? (long)at : -1;
}

long helby_bidi_control_at(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i + 2 < len; i++) {
        if (p[i] != 0xE2)
            continue;
        unsigned b = p[i + 1], c = p[i + 2];
        if ((b == 0x80 && c >= 0xAA && c <= 0xAE) || (b == 0x81 && c >= 0xA6 && c <= 0xA9))
            return (long)i;
    }
    return -1;
}
