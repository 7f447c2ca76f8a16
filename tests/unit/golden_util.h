/* golden_util.h — shared by the golden-value tests (test_golden.c, test_weight.c): a reader
 * for the data files and for the values R computed (scripts/r-golden*.R), and the comparison
 * at relative tolerance 1e-8 (absolute 1e-10 near zero). Include after cmocka.h. */
#ifndef HELBY_GOLDEN_UTIL_H
#define HELBY_GOLDEN_UTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"

#define GOLDEN HELBY_SOURCE_ROOT "/tests/golden/"
#define MAXROWS 1024
#define MAXCOLS 64

typedef struct table {
    size_t nrows, ncols;
    char names[MAXCOLS][32];
    double v[MAXCOLS][MAXROWS];
} table;

static helby_status table_row(void *ctx, size_t ri, long line, const helby_field *f, size_t nf,
                              helby_error *err)
{
    table *t = ctx;
    (void)line;
    (void)err;
    if (ri == 0) {
        t->ncols = nf < MAXCOLS ? nf : MAXCOLS;
        for (size_t j = 0; j < t->ncols; j++)
            snprintf(t->names[j], 32, "%s", f[j].text);
        return HELBY_OK;
    }
    for (size_t j = 0; j < t->ncols && j < nf; j++) {
        double x = NAN;
        if (f[j].len && !helby_parse_number(f[j].text, f[j].len, '.', &x))
            x = NAN; /* "NA" */
        t->v[j][t->nrows] = x;
    }
    t->nrows++;
    return HELBY_OK;
}

static table *load(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, GOLDEN "%s.csv", name);
    unsigned char *buf;
    size_t len;
    helby_error err;
    assert_int_equal(helby_read_file(path, &buf, &len, NULL, &err), HELBY_OK);
    table *t = calloc(1, sizeof *t);
    helby_dialect d = {.delimiter = ';', .decimal = '.', .encoding = HELBY_ENC_UTF8};
    assert_int_equal(helby_csv_parse(buf, len, &d, NULL, path, table_row, t, &err), HELBY_OK);
    free(buf);
    return t;
}

static const double *col(const table *t, const char *name)
{
    for (size_t j = 0; j < t->ncols; j++)
        if (strcmp(t->names[j], name) == 0)
            return t->v[j];
    fail_msg("no column %s", name);
    return NULL;
}

/* The golden values: design;quantity;domain;value. */
typedef struct golden {
    char design[32], quantity[48], domain[8];
    double value;
    int used; /* compared (check) or read as input (golden_use) */
} golden;
static golden *gold;
static size_t n_gold, n_checked;

/* Read tests/golden/<file> (design;quantity;domain;value) into gold. */
static int read_golden(const char *file)
{
    char path[512];
    snprintf(path, sizeof path, GOLDEN "%s", file);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    gold = calloc(4096, sizeof *gold);
    while (gold && fgets(line, sizeof line, f) && n_gold < 4096) {
        if (line[0] == '#' || strncmp(line, "design;", 7) == 0 || strncmp(line, "case;", 5) == 0)
            continue;
        golden *g = &gold[n_gold];
        char *p = line, *fields[4] = {"", "", "", "0"};
        for (int i = 0; i < 4; i++) {
            fields[i] = p;
            p = strchr(p, ';');
            if (p)
                *p++ = '\0';
            else
                break;
        }
        snprintf(g->design, sizeof g->design, "%.31s", fields[0]);
        snprintf(g->quantity, sizeof g->quantity, "%.47s", fields[1]);
        snprintf(g->domain, sizeof g->domain, "%.7s", fields[2]);
        g->value = strtod(fields[3], NULL);
        n_gold++;
    }
    fclose(f);
    return n_gold > 100 ? 0 : -1;
}

static int free_golden(void **state)
{
    (void)state;
    free(gold);
    return 0;
}

static void check(const char *design, const char *quantity, const char *domain, double got)
{
    for (size_t i = 0; i < n_gold; i++) {
        golden *g = &gold[i];
        if (strcmp(g->design, design) || strcmp(g->quantity, quantity) || strcmp(g->domain, domain))
            continue;
        double tol = fmax(1e-8 * fabs(g->value), 1e-10);
        if (!(fabs(got - g->value) <= tol))
            fail_msg("%s %s[%s]: helby %.17g, R %.17g (rel. diff %.3g)", design, quantity, domain,
                     got, g->value, fabs(got - g->value) / fabs(g->value));
        n_checked++;
        g->used = 1;
        return;
    }
    fail_msg("no golden value for %s %s[%s]", design, quantity, domain);
}

/* Mark the golden values of design / quantity (any domain) used as an input, not compared. */
static inline void golden_use(const char *design, const char *quantity)
{
    for (size_t i = 0; i < n_gold; i++)
        if (!strcmp(gold[i].design, design) && !strcmp(gold[i].quantity, quantity))
            gold[i].used = 1;
}

/* Fails naming the first golden value nothing compared: counting values, not checks, so a
 * value checked twice cannot hide one never checked. */
static inline void assert_every_golden_value_used(void)
{
    size_t unused = 0, first = 0;
    for (size_t i = n_gold; i-- > 0;)
        if (!gold[i].used)
            unused++, first = i;
    if (unused)
        fail_msg("%zu of %zu golden values never compared, the first %s %s[%s]", unused, n_gold,
                 gold[first].design, gold[first].quantity, gold[first].domain);
}

#endif
