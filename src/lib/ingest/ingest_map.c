/* ingest_map.c — how ingest matches what a file says to what the codebook says: column
 * names ignoring case, the nearest name for "did you mean", value labels written in text
 * cells (ingest_internal.h). Nothing here guesses: a match is exact up to case and
 * surrounding spaces, and the caller notes every one it uses. */
#include <stdio.h>
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

/* A name as ASCII lower case, the Danish letters as they are written without them (æ -> ae,
 * ø -> oe, å -> aa, either case; é -> e, ü -> ue, ö -> oe, ä -> ae), into out (n bytes). */
static void plain_name(const char *name, char *out, size_t n)
{
    static const struct {
        unsigned char b;
        const char *as;
    } map[] = {{0x86, "ae"}, {0xa6, "ae"}, {0x98, "oe"}, {0xb8, "oe"}, {0x85, "aa"},
               {0xa5, "aa"}, {0x89, "e"},  {0xa9, "e"},  {0x9c, "ue"}, {0xbc, "ue"},
               {0x96, "oe"}, {0xb6, "oe"}, {0x84, "ae"}, {0xa4, "ae"}};
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)name;
    for (; *p && o + 3 < n; p++) {
        const char *as = NULL;
        if (p[0] == 0xC3 && p[1])
            for (size_t k = 0; k < sizeof map / sizeof map[0] && !as; k++)
                as = map[k].b == p[1] ? map[k].as : NULL;
        if (as) {
            memcpy(out + o, as, strlen(as));
            o += strlen(as);
            p++;
        } else {
            out[o++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        }
    }
    out[o] = '\0';
}

const char *helby_nearest_var(const helby_survey *s, const char *name)
{
    char a[160], b[160];
    plain_name(name, a, sizeof a);
    size_t best = (size_t)-1, at = HELBY_NO_VAR;
    for (size_t k = 0; k < s->n_vars; k++) {
        plain_name(s->vars[k].name, b, sizeof b);
        size_t d = distance(b, a);
        if (d < best) {
            best = d;
            at = k;
        }
    }
    /* The same name but for Danish letters and case ("VÆGT", "vaegt"), or two edits, and
     * fewer than a third of the name: "tillid_poliit", not "sex" for "age". */
    size_t len = strlen(a);
    if (at == HELBY_NO_VAR || (best > 0 && (best > 2 || best * 3 > len)))
        return NULL;
    return s->vars[at].name;
}

int helby_label_code(const helby_variable *v, const char *text, size_t len, double *code)
{
    int found = 0;
    for (int pass = 0; pass < 2; pass++) {
        const helby_value_label *lab = pass ? v->aliases : v->labels;
        size_t n = pass ? v->n_aliases : v->n_labels;
        for (size_t i = 0; i < n; i++) {
            const char *l = lab[i].label;
            if (l && helby_same_text_folded(l, strlen(l), text, len)) {
                if (found && *code != lab[i].value)
                    return -1;
                *code = lab[i].value;
                found = found ? found : 1 + pass;
            }
        }
    }
    return found;
}

/* text folded (as helby_same_text_folded) into out, at most n - 1 bytes. */
static size_t fold_text(const char *text, size_t len, char *out, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 2 < n;) {
        unsigned char x[2];
        size_t nx;
        i += fold((const unsigned char *)text + i, len - i, x, &nx);
        memcpy(out + o, x, nx);
        o += nx;
    }
    out[o] = '\0';
    return o;
}

/* How alike two folded wordings are, 0..1: the share of words in common (Jaccard), or for
 * a near spelling (three quarters of the bytes unchanged) one minus the edit distance per
 * byte. */
static double alike(const char *a, const char *b)
{
    size_t d = distance(a, b), m = strlen(a) > strlen(b) ? strlen(a) : strlen(b);
    double spell = m && d != (size_t)-1 ? 1 - (double)d / (double)m : 0;
    size_t common = 0, wa = 0, wb = 0;
    for (const char *p = a; *p;) {
        size_t n = strcspn(p, " -/,.()");
        if (n) {
            wa++;
            for (const char *q = b; *q;) {
                size_t k = strcspn(q, " -/,.()");
                if (k == n && !memcmp(p, q, n)) {
                    common++;
                    break;
                }
                q += k + (q[k] != '\0');
            }
        }
        p += n + (p[n] != '\0');
    }
    for (const char *q = b; *q;) {
        size_t k = strcspn(q, " -/,.()");
        wb += k > 0;
        q += k + (q[k] != '\0');
    }
    double words = wa + wb > common ? (double)common / (double)(wa + wb - common) : 0;
    return spell >= 0.75 && spell > words ? spell : words;
}

void helby_label_hint(const helby_variable *v, const char *text, size_t len, char *out, size_t n)
{
    char t[256], l[256];
    fold_text(text, len < 200 ? len : 200, t, sizeof t);
    double best = 0, second = 0;
    size_t at = 0;
    for (size_t i = 0; i < v->n_labels; i++) {
        fold_text(v->labels[i].label, strlen(v->labels[i].label), l, sizeof l);
        double a = alike(t, l);
        if (a > best)
            second = best, best = a, at = i;
        else if (a > second)
            second = a;
    }
    int tl = (int)(len < 200 ? len : 200);
    if (best >= 0.4 && best > second) {
        snprintf(out, n,
                 "'%.*s' looks like the label of code %g ('%s'): if it is, add %g~%.*s to %s's "
                 "values in codebook.csv (an alias)",
                 tl, text, v->labels[at].value, v->labels[at].label, v->labels[at].value, tl, text,
                 v->name);
        return;
    }
    double next = 0;
    for (size_t i = 0; i < v->n_labels; i++)
        next = v->labels[i].value >= next ? v->labels[i].value + 1 : next;
    if (v->has_range && v->max >= next)
        next = v->max + 1;
    snprintf(out, n,
             "'%.*s' is not a label of %s in the codebook: if it is a new %s, add it to the "
             "codebook (%g=%.*s in %s's values%s)",
             tl, text, v->name, v->role == HELBY_ROLE_DISTRICT ? "district" : "code", next, tl,
             text, v->name, v->has_range ? ", and its max" : "");
}
