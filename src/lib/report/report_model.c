/* report_model.c — what the report's builders and renderers look up in the model (a measure by
 * name, a wave's index, a key of a run row's domain) and the disclosure-control rule
 * (helby_suppress, docs/method.md §8). Knows no output format and builds nothing: report.c,
 * report_goal.c, report_origin.c and report_sens.c build the model on top of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

/* ---- Disclosure control (docs/method.md §8) ---- */

static int suppressed(unsigned char m)
{
    return m == HELBY_CELL_PRIMARY || m == HELBY_CELL_COMPLEMENTARY;
}

/* One line of the table: len cells from `first`, `stride` apart, the margin last. Adds one
 * complementary cell if exactly one (non-empty) cell is suppressed; returns 1 if it did. */
static int protect_line(const size_t *n, unsigned char *mark, size_t first, size_t stride,
                        size_t len)
{
    size_t hidden = 0, best = (size_t)-1;
    for (size_t i = 0; i < len; i++)
        hidden += suppressed(mark[first + i * stride]);
    if (hidden != 1)
        return 0;
    /* Inner cells first (the margin is the last), the smallest n among them. */
    for (int pass = 0; pass < 2 && best == (size_t)-1; pass++)
        for (size_t i = pass ? len - 1 : 0; i < (pass ? len : len - 1); i++) {
            size_t k = first + i * stride;
            if (mark[k] == HELBY_CELL_SHOWN && (best == (size_t)-1 || n[k] < n[best]))
                best = k;
        }
    if (best == (size_t)-1)
        return 0;
    mark[best] = HELBY_CELL_COMPLEMENTARY;
    return 1;
}

size_t helby_suppress(const size_t *n, size_t rows, size_t cols, int row_totals, int col_totals,
                      size_t threshold, unsigned char *mark)
{
    const size_t N = rows * cols;
    for (size_t k = 0; k < N; k++)
        if (mark[k] == HELBY_CELL_SHOWN)
            mark[k] = n[k] == 0          ? HELBY_CELL_EMPTY
                      : n[k] < threshold ? HELBY_CELL_PRIMARY
                                         : HELBY_CELL_SHOWN;
    /* Empty cells are neither counted nor chosen (an empty cell reveals nothing), so the
     * lines can be walked in place: no allocation, nothing to fail. */
    for (int changed = 1; changed && N;) {
        changed = 0;
        for (size_t i = 0; row_totals && i < rows; i++)
            changed |= protect_line(n, mark, i * cols, 1, cols);
        for (size_t j = 0; col_totals && j < cols; j++)
            changed |= protect_line(n, mark, j, cols, rows);
    }
    size_t s = 0;
    for (size_t k = 0; k < N; k++)
        s += suppressed(mark[k]);
    return s;
}

/* ---- Lookups in the model ---- */

static const char *dom_get(const char *dom, const char *key, char *out, size_t n)
{
    size_t kl = strlen(key);
    for (const char *p = dom; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > kl && !strncmp(p, key, kl) && p[kl] == '=') {
            snprintf(out, n, "%.*s", (int)(len - kl - 1), p + kl + 1);
            return out;
        }
        p = e ? e + 1 : NULL;
    }
    return NULL;
}

const char *report_dom_get(const char *dom, const char *key, char *out, size_t n)
{
    return dom_get(dom, key, out, n);
}

const helby_report_measure *report_find_measure(const helby_report *r, const char *name)
{
    for (size_t i = 0; i < r->n_measures; i++)
        if (!strcmp(r->measures[i].name, name))
            return &r->measures[i];
    return NULL;
}

static size_t wave_index(const helby_report *r, long w)
{
    for (size_t i = 0; i < r->n_waves; i++)
        if (r->waves[i] == w)
            return i;
    return (size_t)-1;
}

size_t report_wave_index(const helby_report *r, long w)
{
    return wave_index(r, w);
}

const char *report_wave(const helby_report *r, long w)
{
    size_t i = wave_index(r, w);
    if (i != (size_t)-1 && r->wave_labels)
        return r->wave_labels[i];
    static _Thread_local char ring[4][24];
    static _Thread_local unsigned next;
    char *b = ring[next++ % 4];
    snprintf(b, sizeof ring[0], "%ld", w);
    return b;
}

/* The run's df when it fixed one (";df=N"), else 0: each quantity's own. */
double report_run_df(const helby_report *r)
{
    const char *p = strstr(r->run.options, ";df=");
    double df = p ? strtod(p + 4, NULL) : 0;
    return df > 0 ? df : 0;
}
