/* fuzz_util.c — shared helpers of the fuzz targets (fuzz_util.h). */
#include "fuzz_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz: invariant broken: %s\n", what);
    abort();
}

char *fuzz_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fuzz: cannot open %s\n", path);
        abort();
    }
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    for (;;) {
        if (!b)
            abort();
        n += fread(b + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        cap *= 2;
        b = realloc(b, cap);
    }
    fclose(f);
    b[n] = '\0';
    *len = n;
    return b;
}

static char *dup_bytes(const void *p, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        abort();
    if (n)
        memcpy(d, p, n);
    d[n] = '\0';
    return d;
}

void fuzz_def_set(fuzz_def *d, const char *name, const void *data, size_t len)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->name[i], name) == 0) {
            free(d->data[i]);
            d->data[i] = dup_bytes(data, len);
            d->len[i] = len;
            return;
        }
    if (d->n == FUZZ_MAX_FILES)
        return;
    d->name[d->n] = dup_bytes(name, strlen(name));
    d->data[d->n] = dup_bytes(data, len);
    d->len[d->n] = len;
    d->n++;
}

void fuzz_def_remove(fuzz_def *d, const char *name)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->name[i], name) == 0) {
            free(d->name[i]);
            free(d->data[i]);
            memmove(&d->name[i], &d->name[i + 1], (d->n - i - 1) * sizeof d->name[0]);
            memmove(&d->data[i], &d->data[i + 1], (d->n - i - 1) * sizeof d->data[0]);
            memmove(&d->len[i], &d->len[i + 1], (d->n - i - 1) * sizeof d->len[0]);
            d->n--;
            return;
        }
}

void fuzz_def_copenhagen(fuzz_def *d)
{
    static const char *const files[] = {"survey.ini",       "codebook.csv",     "indices.csv",
                                        "shares.csv",       "targets.csv",      "derived.csv",
                                        "standard.csv",     "margins/2011.csv", "margins/2012.csv",
                                        "margins/2013.csv", "margins/2014.csv"};
    memset(d, 0, sizeof *d);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/surveys/copenhagen/%s", HELBY_SOURCE_ROOT, files[i]);
        size_t len;
        char *data = fuzz_read(path, &len);
        fuzz_def_set(d, files[i], data, len);
        free(data);
    }
}

void fuzz_def_free(fuzz_def *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->name[i]);
        free(d->data[i]);
    }
    d->n = 0;
}

char *fuzz_def_blob(const fuzz_def *d, size_t *len)
{
    size_t cap = 64;
    for (size_t i = 0; i < d->n; i++)
        cap += d->len[i] + strlen(d->name[i]) + 48;
    char *b = malloc(cap);
    if (!b)
        abort();
    size_t n = (size_t)snprintf(b, cap, "helby-survey 1\n");
    for (size_t i = 0; i < d->n; i++) {
        n += (size_t)snprintf(b + n, cap - n, "file %s %zu\n", d->name[i], d->len[i]);
        memcpy(b + n, d->data[i], d->len[i]);
        n += d->len[i];
        b[n++] = '\n';
    }
    *len = n;
    return b;
}
