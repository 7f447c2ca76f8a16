/* bench_store.c — measure answer layouts in SQLite and helby's wave loading.
 *
 *   bench_store layouts N DIR   write and load N respondents x 13 items in three layouts
 *   bench_store load DB SURVEY WAVE   time helby_store_load_wave on a real store
 *   bench_store codes DB SURVEY WAVE  time numbering the wave's strata and PSUs: stored codes
 *                                     (helby_store_load_codes) vs. "wave/label" strings
 *                                     interned per row (how estimation numbered them before)
 *   bench_store codes-numeric N       the same numbering on N synthetic numeric strata and PSUs
 *                                     (no store: "%g" per row vs. hashing the double's bits)
 *
 * Driven by scripts/bench; prints one line per measurement. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helby/store.h"
#include "store/store_internal.h"
#include "base/util_internal.h"

#define N_ITEMS 13

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void check(int rc, sqlite3 *db, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "bench_store: %s: %s\n", what, sqlite3_errmsg(db));
        exit(3);
    }
}

static sqlite3 *open_db(const char *dir, const char *name)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    unlink(p);
    sqlite3 *db;
    check(sqlite3_open(p, &db), db, "open");
    check(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", 0, 0, 0), db,
          "pragma");
    return db;
}

static long file_size(const char *dir, const char *name)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void report(const char *layout, double w, double r, long bytes, double checksum)
{
    printf("%-9s write %7.3f s   load %7.3f s   file %7.1f MB   (checksum %.0f)\n", layout, w, r,
           (double)bytes / 1e6, checksum);
}

static void layout_long(const char *dir, size_t n, double **cols)
{
    sqlite3 *db = open_db(dir, "long.db");
    double t0 = now();
    check(sqlite3_exec(db,
                       "CREATE TABLE answer(resp INTEGER, item INTEGER, value REAL, PRIMARY "
                       "KEY(resp, item)) WITHOUT ROWID; BEGIN",
                       0, 0, 0),
          db, "create");
    sqlite3_stmt *q;
    check(sqlite3_prepare_v2(db, "INSERT INTO answer VALUES (?1, ?2, ?3)", -1, &q, 0), db, "prep");
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < N_ITEMS; j++) {
            if (isnan(cols[j][i]))
                continue; /* long layouts leave missing answers out */
            sqlite3_bind_int64(q, 1, (sqlite3_int64)i);
            sqlite3_bind_int(q, 2, j);
            sqlite3_bind_double(q, 3, cols[j][i]);
            check(sqlite3_step(q), db, "insert");
            sqlite3_reset(q);
        }
    sqlite3_finalize(q);
    check(sqlite3_exec(db, "COMMIT", 0, 0, 0), db, "commit");
    double t1 = now();
    double *out = malloc(n * N_ITEMS * sizeof *out);
    for (size_t k = 0; k < n * N_ITEMS; k++)
        out[k] = NAN;
    check(sqlite3_prepare_v2(db, "SELECT resp, item, value FROM answer", -1, &q, 0), db, "prep");
    double sum = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        size_t r = (size_t)sqlite3_column_int64(q, 0);
        int j = sqlite3_column_int(q, 1);
        out[(size_t)j * n + r] = sqlite3_column_double(q, 2);
        sum += out[(size_t)j * n + r];
    }
    sqlite3_finalize(q);
    double t2 = now();
    sqlite3_close(db);
    free(out);
    report("long", t1 - t0, t2 - t1, file_size(dir, "long.db"), sum);
}

static void layout_wide(const char *dir, size_t n, double **cols)
{
    sqlite3 *db = open_db(dir, "wide.db");
    double t0 = now();
    char sql[1024] = "CREATE TABLE resp(id INTEGER PRIMARY KEY";
    char ins[1024] = "INSERT INTO resp VALUES (?1";
    for (int j = 0; j < N_ITEMS; j++) {
        char b[32];
        snprintf(b, sizeof b, ", i%d REAL", j);
        strcat(sql, b);
        snprintf(b, sizeof b, ", ?%d", j + 2);
        strcat(ins, b);
    }
    strcat(sql, "); BEGIN");
    strcat(ins, ")");
    check(sqlite3_exec(db, sql, 0, 0, 0), db, "create");
    sqlite3_stmt *q;
    check(sqlite3_prepare_v2(db, ins, -1, &q, 0), db, "prep");
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(q, 1, (sqlite3_int64)i);
        for (int j = 0; j < N_ITEMS; j++) {
            if (isnan(cols[j][i]))
                sqlite3_bind_null(q, j + 2);
            else
                sqlite3_bind_double(q, j + 2, cols[j][i]);
        }
        check(sqlite3_step(q), db, "insert");
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    check(sqlite3_exec(db, "COMMIT", 0, 0, 0), db, "commit");
    double t1 = now();
    double *out = malloc(n * N_ITEMS * sizeof *out);
    check(sqlite3_prepare_v2(db, "SELECT * FROM resp ORDER BY id", -1, &q, 0), db, "prep");
    double sum = 0;
    size_t r = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        for (int j = 0; j < N_ITEMS; j++) {
            double v = sqlite3_column_type(q, j + 1) == SQLITE_NULL
                           ? NAN
                           : sqlite3_column_double(q, j + 1);
            out[(size_t)j * n + r] = v;
            if (!isnan(v))
                sum += v;
        }
        r++;
    }
    sqlite3_finalize(q);
    double t2 = now();
    sqlite3_close(db);
    free(out);
    report("wide", t1 - t0, t2 - t1, file_size(dir, "wide.db"), sum);
}

static void layout_columnar(const char *dir, size_t n, double **cols)
{
    sqlite3 *db = open_db(dir, "columnar.db");
    double t0 = now();
    check(sqlite3_exec(db,
                       "CREATE TABLE col(variable INTEGER PRIMARY KEY, data BLOB NOT NULL); BEGIN",
                       0, 0, 0),
          db, "create");
    sqlite3_stmt *q;
    check(sqlite3_prepare_v2(db, "INSERT INTO col VALUES (?1, ?2)", -1, &q, 0), db, "prep");
    for (int j = 0; j < N_ITEMS; j++) {
        sqlite3_bind_int(q, 1, j);
        sqlite3_bind_blob64(q, 2, cols[j], n * sizeof(double), SQLITE_STATIC);
        check(sqlite3_step(q), db, "insert");
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    check(sqlite3_exec(db, "COMMIT", 0, 0, 0), db, "commit");
    double t1 = now();
    double *out = malloc(n * N_ITEMS * sizeof *out);
    check(sqlite3_prepare_v2(db, "SELECT variable, data FROM col", -1, &q, 0), db, "prep");
    double sum = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        int j = sqlite3_column_int(q, 0);
        memcpy(out + (size_t)j * n, sqlite3_column_blob(q, 1), n * sizeof(double));
    }
    sqlite3_finalize(q);
    double t2 = now();
    for (size_t k = 0; k < n * N_ITEMS; k++)
        if (!isnan(out[k]))
            sum += out[k];
    sqlite3_close(db);
    free(out);
    report("columnar", t1 - t0, t2 - t1, file_size(dir, "columnar.db"), sum);
}

static int cmd_layouts(size_t n, const char *dir)
{
    double *cols[N_ITEMS];
    unsigned long long x = 88172645463325252ULL; /* xorshift: same data every run */
    for (int j = 0; j < N_ITEMS; j++) {
        cols[j] = malloc(n * sizeof(double));
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cols[j][i] = (x % 20 == 0) ? NAN : (double)(1 + x % 5);
        }
    }
    printf("answer layouts, %zu respondents x %d items (synchronous=FULL, WAL):\n", n, N_ITEMS);
    layout_long(dir, n, cols);
    layout_wide(dir, n, cols);
    layout_columnar(dir, n, cols);
    for (int j = 0; j < N_ITEMS; j++)
        free(cols[j]);
    return 0;
}

static int cmd_load(const char *path, const char *survey, long wave)
{
    helby_store *st = NULL;
    helby_error err;
    if (helby_store_open(&st, path, HELBY_OPEN_READONLY, &err)) {
        fprintf(stderr, "bench_store: %s\n", err.message);
        return 3;
    }
    double t0 = now();
    helby_frame *f = NULL;
    if (helby_store_load_wave(st, survey, wave, NULL, 0, &f, &err)) {
        fprintf(stderr, "bench_store: %s\n", err.message);
        return 3;
    }
    double t1 = now();
    printf("helby load of wave %ld: %zu rows x %zu columns in %.3f s\n", wave, f->n_rows, f->n_cols,
           t1 - t0);
    helby_frame_free(f);
    helby_store_close(st);
    return 0;
}

/* The numbering estimation did before stored codes (src/cli/cmd_estimate.c at 4191b55,
 * design_key and intern): a "wave/label" string per row, looked up in a hash map, a copy
 * of each new label. Returns the number of levels. */
static size_t intern_keys(const helby_column *c, size_t n, long wave, size_t *out)
{
    helby_strmap map;
    helby_strmap_init(&map);
    helby_buf key = {0};
    char **names = NULL;
    size_t count = 0, cap = 0;
    for (size_t r = 0; r < n; r++) {
        char head[64];
        int len = c->is_text ? snprintf(head, sizeof head, "%ld/", wave)
                             : snprintf(head, sizeof head, "%ld/%g", wave, c->num[r]);
        key.len = 0;
        if (helby_buf_append(&key, head, (size_t)len) ||
            (c->is_text && helby_buf_append(&key, c->text[r], strlen(c->text[r]))))
            exit(4);
        size_t v;
        if (!helby_strmap_get(&map, key.data, key.len, &v)) {
            if (count == cap) {
                cap = cap ? cap * 2 : 64;
                if (!(names = realloc(names, cap * sizeof *names)))
                    exit(4);
            }
            if (!(names[count] = strdup(key.data)) ||
                helby_strmap_put(&map, key.data, key.len, count, &v) < 0)
                exit(4);
            count++;
        }
        out[r] = v;
    }
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    helby_buf_free(&key);
    helby_strmap_free(&map);
    return count;
}

static int cmd_codes(const char *path, const char *survey, long wave)
{
    helby_store *st = NULL;
    helby_survey *s = NULL;
    helby_error err;
    if (helby_store_open(&st, path, HELBY_OPEN_READONLY, &err) ||
        helby_store_get_survey(st, survey, &s, &err)) {
        fprintf(stderr, "bench_store: %s\n", err.message);
        return 3;
    }
    if (s->stratum_var == HELBY_NO_VAR || s->psu_var == HELBY_NO_VAR) {
        fprintf(stderr, "bench_store: survey %s has no strata or no PSUs\n", survey);
        return 1;
    }
    const char *vars[2] = {s->vars[s->stratum_var].name, s->vars[s->psu_var].name};
    /* Before: load both columns, then a string per row per column. */
    double t0 = now();
    helby_frame *f = NULL;
    if (helby_store_load_wave(st, survey, wave, vars, 2, &f, &err)) {
        fprintf(stderr, "bench_store: %s\n", err.message);
        return 3;
    }
    double t1 = now();
    size_t *idx = malloc((f->n_rows ? f->n_rows : 1) * sizeof *idx), levels[2];
    for (int v = 0; v < 2; v++)
        levels[v] = intern_keys(&f->cols[v], f->n_rows, wave, idx);
    double t2 = now();
    /* Numbering the loaded columns as an import (or a load without stored codes) does. */
    helby_wave_codes *c[2] = {NULL, NULL};
    for (int v = 0; v < 2; v++)
        if (helby_codes_factorize(&f->cols[v], f->n_rows, &c[v], &err))
            return 3;
    double t3 = now();
    for (int v = 0; v < 2; v++)
        if (c[v]->n_levels != levels[v]) {
            fprintf(stderr, "bench_store: %s: %zu levels, interning found %zu\n", vars[v],
                    c[v]->n_levels, levels[v]);
            return 1;
        }
    for (int v = 0; v < 2; v++)
        helby_wave_codes_free(c[v]);
    /* After: the stored codes. */
    double t4 = now();
    for (int v = 0; v < 2; v++)
        if (helby_store_load_codes(st, survey, wave, vars[v], &c[v], &err)) {
            fprintf(stderr, "bench_store: %s\n", err.message);
            return 3;
        }
    double t5 = now();
    printf("strata and PSUs of wave %ld: %zu rows, %zu strata, %zu PSUs\n", wave, f->n_rows,
           c[0]->n_levels, c[1]->n_levels);
    printf("  before: load 2 columns %.3f s + intern \"wave/label\" per row %.3f s = %.3f s\n",
           t1 - t0, t2 - t1, t2 - t0);
    printf("  numbering the loaded columns (import, or a load without stored codes): %.3f s\n",
           t3 - t2);
    printf("  after: helby_store_load_codes x 2: %.3f s (%s)\n", t5 - t4,
           helby_store_schema(st) >= HELBY_SCHEMA_CODES ? "stored" : "computed: old store");
    for (int v = 0; v < 2; v++)
        helby_wave_codes_free(c[v]);
    free(idx);
    helby_frame_free(f);
    helby_survey_free(s);
    helby_store_close(st);
    return 0;
}

static int cmd_codes_numeric(size_t n)
{
    helby_column col[2] = {{.name = "stratum"}, {.name = "psu"}};
    col[0].num = malloc(n * sizeof(double));
    col[1].num = malloc(n * sizeof(double));
    size_t *idx = malloc(n * sizeof *idx);
    if (!col[0].num || !col[1].num || !idx)
        return 4;
    for (size_t i = 0; i < n; i++) {
        col[0].num[i] = (double)(1 + i % 30);                             /* 30 strata */
        col[1].num[i] = 1000 * col[0].num[i] + (double)((i / 30) % 1000); /* 30,000 PSUs */
    }
    double t0 = now();
    size_t levels[2];
    for (int v = 0; v < 2; v++)
        levels[v] = intern_keys(&col[v], n, 2011, idx);
    double t1 = now();
    helby_wave_codes *c[2] = {NULL, NULL};
    helby_error err;
    for (int v = 0; v < 2; v++)
        if (helby_codes_factorize(&col[v], n, &c[v], &err) || c[v]->n_levels != levels[v])
            return 1;
    double t2 = now();
    printf("numeric strata and PSUs, %zu rows, %zu strata, %zu PSUs: \"wave/%%g\" interned per "
           "row %.3f s, numbered by the double's bits %.3f s\n",
           n, levels[0], levels[1], t1 - t0, t2 - t1);
    for (int v = 0; v < 2; v++) {
        helby_wave_codes_free(c[v]);
        free(col[v].num);
    }
    free(idx);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "layouts") == 0)
        return cmd_layouts((size_t)strtoul(argv[2], NULL, 10), argv[3]);
    if (argc == 5 && strcmp(argv[1], "load") == 0)
        return cmd_load(argv[2], argv[3], strtol(argv[4], NULL, 10));
    if (argc == 3 && strcmp(argv[1], "codes-numeric") == 0)
        return cmd_codes_numeric((size_t)strtoul(argv[2], NULL, 10));
    if (argc == 5 && strcmp(argv[1], "codes") == 0)
        return cmd_codes(argv[2], argv[3], strtol(argv[4], NULL, 10));
    fprintf(stderr, "usage: bench_store layouts N DIR | bench_store load DB SURVEY WAVE | "
                    "bench_store codes DB SURVEY WAVE | bench_store codes-numeric N\n");
    return 1;
}
