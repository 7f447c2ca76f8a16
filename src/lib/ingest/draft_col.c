/* draft_col.c — a column as the draft sees it (ingest_internal.h): the numbers, whole or not,
 * and the codes observed, whichever reader (draft.c for CSV, ingest_readstat.c for SPSS,
 * Stata and SAS) found them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"

void helby_draft_col_add_code(helby_draft_col *c, double x)
{
    size_t i = 0;
    while (i < c->n_codes && c->codes[i] < x)
        i++;
    if (i < c->n_codes && c->codes[i] == x)
        return;
    if (c->n_codes == HELBY_DRAFT_MAX_CODES) {
        c->more_codes = 1;
        return;
    }
    memmove(c->codes + i + 1, c->codes + i, (c->n_codes - i) * sizeof *c->codes);
    c->codes[i] = x;
    c->n_codes++;
}

void helby_draft_col_observe(helby_draft_col *c, double x)
{
    c->n_values++;
    if (c->n_numbers++ == 0 || x < c->min)
        c->min = x;
    if (c->n_numbers == 1 || x > c->max)
        c->max = x;
    if (x != floor(x))
        c->all_whole = 0;
    else
        helby_draft_col_add_code(c, x);
}

void helby_draft_cols_free(helby_draft_col *cols, size_t n)
{
    for (size_t i = 0; cols && i < n; i++) {
        free(cols[i].name);
        free(cols[i].label);
        helby_buf_free(&cols[i].labels);
        helby_buf_free(&cols[i].tagged);
        helby_buf_free(&cols[i].texts);
        helby_buf_free(&cols[i].conflicts);
    }
    free(cols);
}

/* Entry k of a "a|b|c" list: *p and *n, 0 past the end. */
static int entry(const helby_buf *b, size_t k, const char **p, size_t *n)
{
    const char *s = b->data, *end = s ? s + b->len : NULL;
    for (size_t i = 0; s && s < end; i++) {
        const char *bar = memchr(s, '|', (size_t)(end - s));
        size_t len = (size_t)((bar ? bar : end) - s);
        if (i == k) {
            *p = s;
            *n = len;
            return 1;
        }
        s = bar ? bar + 1 : end;
    }
    return 0;
}

void helby_draft_col_add_text(helby_draft_col *c, const char *text, size_t len)
{
    const char *p;
    size_t n;
    for (size_t k = 0; entry(&c->texts, k, &p, &n); k++)
        if (n == len && !memcmp(p, text, len))
            return;
    if (c->n_texts == HELBY_DRAFT_MAX_CODES || memchr(text, '|', len)) {
        c->more_texts = 1;
        return;
    }
    if ((c->texts.len && helby_buf_append(&c->texts, "|", 1)) ||
        helby_buf_append(&c->texts, text, len))
        return;
    c->n_texts++;
}

/* The label of code x in a "1=Ja|2=Nej" list, or NULL; *n its length. */
static const char *label_of(const helby_buf *labels, double x, size_t *n)
{
    const char *p;
    size_t len;
    for (size_t k = 0; entry(labels, k, &p, &len); k++) {
        char *stop;
        double v = strtod(p, &stop);
        if (stop != p && stop < p + len && *stop == '=' && v == x) {
            *n = len - (size_t)(stop + 1 - p);
            return stop + 1;
        }
    }
    return NULL;
}

void helby_draft_col_merge_labels(helby_draft_col *a, const helby_draft_col *b)
{
    const char *p;
    size_t len;
    for (size_t k = 0; entry(&b->labels, k, &p, &len); k++) {
        char *stop;
        double x = strtod(p, &stop);
        if (stop == p || stop >= p + len || *stop != '=')
            continue;
        const char *bl = stop + 1;
        size_t bn = len - (size_t)(bl - p), an = 0;
        const char *al = label_of(&a->labels, x, &an);
        if (!al) {
            if ((a->labels.len && helby_buf_append(&a->labels, "|", 1)) ||
                helby_buf_append(&a->labels, p, len))
                return;
        } else if (an != bn || memcmp(al, bl, an)) {
            char line[1024];
            int n = snprintf(line, sizeof line, "code %.17g is '%.*s' in %s but '%.*s' in %s\n", x,
                             (int)an, al, a->file ? a->file : "one file", (int)bn, bl,
                             b->file ? b->file : "another");
            if (n > 0 && !helby_buf_append(&a->conflicts, line,
                                           (size_t)n < sizeof line ? (size_t)n : sizeof line - 1))
                a->n_conflicts++;
        }
    }
}
