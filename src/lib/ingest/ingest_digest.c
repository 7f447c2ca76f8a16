/* ingest_digest.c — when many rows fail the same way, one line per column and kind before
 * the examples (ingest_internal.h): "district: 30 rows (lines 2–31) fail the same way:
 * expected an integer 1–10; values: '11' ×30 — if that is a new code, ...". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"

#define MAX_GROUPS 256
#define MAX_VALUES 4

typedef struct group {
    char var[HELBY_ERROR_VAR_MAX];
    char kind[320];
    size_t n;
    long first, last;
    char values[MAX_VALUES][48];
    size_t value_n[MAX_VALUES];
    size_t n_values, other_values;
} group;

struct helby_err_digest {
    group *g;
    size_t n;
};

helby_err_digest *helby_digest_new(void)
{
    return calloc(1, sizeof(helby_err_digest));
}

void helby_digest_free(helby_err_digest *d)
{
    if (d)
        free(d->g);
    free(d);
}

static void add_value(group *g, const char *shown)
{
    for (size_t i = 0; i < g->n_values; i++)
        if (strcmp(g->values[i], shown) == 0) {
            g->value_n[i]++;
            return;
        }
    if (g->n_values == MAX_VALUES) {
        g->other_values++;
        return;
    }
    snprintf(g->values[g->n_values], sizeof g->values[0], "%s", shown);
    g->value_n[g->n_values++] = 1;
}

int helby_digest_add(helby_err_digest *d, const char *var, const char *shown, long line,
                     const char *kind)
{
    if (!d || !var)
        return 0;
    group *g = NULL;
    for (size_t i = 0; i < d->n && !g; i++)
        if (strcmp(d->g[i].var, var) == 0 && strcmp(d->g[i].kind, kind) == 0)
            g = &d->g[i];
    if (!g) {
        if (d->n == MAX_GROUPS)
            return 0; /* the examples still say it; the digest is a help */
        if (!d->g && !(d->g = calloc(MAX_GROUPS, sizeof *d->g)))
            return -1;
        g = &d->g[d->n++];
        snprintf(g->var, sizeof g->var, "%s", var);
        snprintf(g->kind, sizeof g->kind, "%s", kind);
        g->first = line;
    }
    g->n++;
    g->last = line;
    add_value(g, shown);
    return 0;
}

/* 1 if every value shown is a whole number: codes, not typing errors or text. */
static int all_codes(const group *g)
{
    for (size_t i = 0; i < g->n_values; i++) {
        const char *v = g->values[i];
        size_t n = strlen(v);
        double x;
        /* floor, not a cast to an integer type: a code of 1e252 is a value too (found by
         * tests/fuzz/readstat with UBSan). */
        if (n < 3 || !helby_parse_number(v + 1, n - 2, '.', &x) || x != floor(x))
            return 0;
    }
    return g->other_values == 0;
}

/* The way out when a code is not in the codebook: the codebook changes, not the data. */
static const char *hint(const helby_survey *s, const group *g)
{
    const char *var = g->var, *kind = g->kind;
    size_t v = helby_survey_find_var(s, var);
    if (v == HELBY_NO_VAR || s->vars[v].type != HELBY_TYPE_CODE || !all_codes(g))
        return "";
    if (strncmp(kind, "expected an integer", 19) != 0 && strncmp(kind, "expected one of", 15) != 0)
        return "";
    if (s->vars[v].role == HELBY_ROLE_WAVE)
        return " — if this is a new wave, widen the wave's range in codebook.csv and add it to "
               "'waves =' in survey.ini, then run 'helby survey add --update DIR'";
    return " — if these are new codes, add them to codebook.csv (range or values), then run "
           "'helby survey add --update DIR'";
}

static void describe(const group *g, const helby_survey *s, const char *where, char *out, size_t n)
{
    size_t o =
        (size_t)snprintf(out, n, "%zu rows (%s %ld–%ld) fail the same way: %s; values: ", g->n,
                         where, g->first, g->last, g->kind);
    for (size_t i = 0; i < g->n_values && o < n; i++)
        o += (size_t)snprintf(out + o, n - o, "%s%s ×%zu", i ? ", " : "", g->values[i],
                              g->value_n[i]);
    if (g->other_values && o < n)
        o += (size_t)snprintf(out + o, n - o, " and %zu more", g->other_values);
    if (o < n)
        snprintf(out + o, n - o, "%s", hint(s, g));
}

helby_status helby_digest_insert(const helby_err_digest *d, const helby_survey *s, const char *file,
                                 const char *where, helby_error_list *errs, size_t at)
{
    size_t k = 0;
    for (size_t i = 0; d && i < d->n; i++)
        k += d->g[i].n >= HELBY_DIGEST_MIN_ROWS;
    if (!k || at > errs->count)
        return HELBY_OK;
    if (errs->count + k > errs->capacity) {
        helby_error *p = realloc(errs->items, (errs->count + k) * sizeof *p);
        if (!p)
            return HELBY_ENOMEM;
        errs->items = p;
        errs->capacity = errs->count + k;
    }
    memmove(errs->items + at + k, errs->items + at, (errs->count - at) * sizeof *errs->items);
    char msg[HELBY_ERROR_MSG_MAX];
    for (size_t i = 0, j = at; i < d->n; i++) {
        if (d->g[i].n < HELBY_DIGEST_MIN_ROWS)
            continue;
        describe(&d->g[i], s, where, msg, sizeof msg);
        helby_error_at(&errs->items[j++], HELBY_EINPUT, file, 0, 0, d->g[i].var, "%s", msg);
    }
    /* Summaries of errors already counted: the list holds more, the total stays. */
    errs->count += k;
    errs->n_summaries += k;
    return HELBY_OK;
}
