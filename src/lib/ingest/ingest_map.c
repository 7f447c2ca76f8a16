/* ingest_map.c — how ingest matches what a file says to what the codebook says: column
 * names ignoring case, the nearest name for "did you mean", value labels written in text
 * cells (ingest_internal.h). Nothing here guesses: a match is exact up to case and
 * surrounding spaces, and the caller notes every one it uses. */
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"

/* Fold one UTF-8 character to lower case: ASCII, and the Latin-1 letters (Æ Ø Å É ...)
 * whose lower case is 0x20 further in the same two-byte block. Returns bytes consumed. */
static size_t fold(const unsigned char *p, size_t n, unsigned char out[2], size_t *out_n)
{
    if (p[0] >= 'A' && p[0] <= 'Z') {
        out[0] = (unsigned char)(p[0] + 32);
        *out_n = 1;
        return 1;
    }
    if (p[0] == 0xC3 && n >= 2) {
        /* Both cases as one two-byte step, so that 'Å' and 'å' are compared whole. */
        out[0] = 0xC3;
        out[1] = p[1] >= 0x80 && p[1] <= 0x9E && p[1] != 0x97 ? (unsigned char)(p[1] + 0x20) : p[1];
        *out_n = 2;
        return 2;
    }
    out[0] = p[0];
    *out_n = 1;
    return 1;
}

int helby_same_text_folded(const char *a, size_t na, const char *b, size_t nb)
{
    while (na && *a == ' ')
        a++, na--;
    while (nb && *b == ' ')
        b++, nb--;
    while (na && a[na - 1] == ' ')
        na--;
    while (nb && b[nb - 1] == ' ')
        nb--;
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    size_t i = 0, j = 0;
    while (i < na && j < nb) {
        unsigned char x[2], y[2];
        size_t nx, ny;
        i += fold(p + i, na - i, x, &nx);
        j += fold(q + j, nb - j, y, &ny);
        if (nx != ny || memcmp(x, y, nx) != 0)
            return 0;
    }
    return i == na && j == nb;
}

size_t helby_match_column(const helby_survey *s, const char *name, size_t len, int *folded)
{
    *folded = 0;
    size_t v = helby_survey_find_var(s, name);
    /* A derived variable (derived.csv, vars[n_vars ..]) is no column of a response file. */
    if (v != HELBY_NO_VAR && v < s->n_vars && strlen(name) == len)
        return v;
    for (size_t k = 0; k < s->n_vars; k++)
        if (helby_same_text_folded(s->vars[k].name, strlen(s->vars[k].name), name, len)) {
            *folded = 1;
            return k;
        }
    return HELBY_NO_VAR;
}

/* Levenshtein distance, capped: names are short. */
static size_t distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na > 64 || nb > 64)
        return (size_t)-1;
    size_t row[65];
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t sub = diag + (a[i - 1] != b[j - 1]);
            size_t best = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;
            row[j] = sub < best ? sub : best;
            diag = up;
        }
    }
    return row[nb];
}

const char *helby_nearest_var(const helby_survey *s, const char *name)
{
    size_t best = (size_t)-1, at = HELBY_NO_VAR;
    for (size_t k = 0; k < s->n_vars; k++) {
        size_t d = distance(s->vars[k].name, name);
        if (d < best) {
            best = d;
            at = k;
        }
    }
    /* Two edits, and fewer than a third of the name: "tillid_poliit", not "sex" for "age". */
    size_t len = strlen(name);
    if (at == HELBY_NO_VAR || best > 2 || best * 3 > len)
        return NULL;
    return s->vars[at].name;
}

int helby_label_code(const helby_variable *v, const char *text, size_t len, double *code)
{
    int found = 0;
    for (size_t i = 0; i < v->n_labels; i++) {
        const char *l = v->labels[i].label;
        if (l && helby_same_text_folded(l, strlen(l), text, len)) {
            if (found && *code != v->labels[i].value)
                return -1;
            *code = v->labels[i].value;
            found = 1;
        }
    }
    return found;
}
