/* codes.c — design codes of a wave's column (helby_store_load_codes, store.h;
 * schemas/004_codes.sql).
 *
 * Estimation numbers strata and PSUs within each wave. The label of a level is what the
 * estimation keys were built from before the codes existed: "%g" of a number (so 1 and
 * 1.0000001 are one level, as they printed the same), the text of a text cell. Numeric
 * columns are hashed by the bits of the double and formatted only once per new bit
 * pattern; text columns are hashed as they are. Codes are written at import for the
 * survey's stratum and PSU columns, backfilled when a store is upgraded to schema 4, and
 * computed from the column when absent (same result, nothing written).
 */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "base/util_internal.h"

/* An open-addressing map from a double's 64 bits to its code. */
typedef struct bits_map {
    uint64_t *keys;
    uint32_t *vals; /* UINT32_MAX: empty slot */
    size_t n_slots, count;
} bits_map;

static size_t mix(uint64_t x)
{
    /* splitmix64 finalizer: small integers (the usual codes) spread over all slots. */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return (size_t)(x ^ (x >> 31));
}

static int bits_grow(bits_map *m)
{
    size_t n = m->n_slots ? m->n_slots * 2 : 64;
    uint64_t *keys = malloc(n * sizeof *keys);
    uint32_t *vals = malloc(n * sizeof *vals);
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return -1;
    }
    memset(vals, 0xff, n * sizeof *vals);
    for (size_t s = 0; s < m->n_slots; s++) {
        if (m->vals[s] == UINT32_MAX)
            continue;
        size_t i = mix(m->keys[s]) & (n - 1);
        while (vals[i] != UINT32_MAX)
            i = (i + 1) & (n - 1);
        keys[i] = m->keys[s];
        vals[i] = m->vals[s];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->n_slots = n;
    return 0;
}

/* The slot of key: where it is, or the empty slot where it belongs. */
static size_t bits_slot(const bits_map *m, uint64_t key)
{
    size_t i = mix(key) & (m->n_slots - 1);
    while (m->vals[i] != UINT32_MAX && m->keys[i] != key)
        i = (i + 1) & (m->n_slots - 1);
    return i;
}

/* Code of each number; a new bit pattern is formatted once and looked up by its label,
 * so bit patterns that print alike share a level. */
static int factor_numbers(const double *v, size_t n, uint32_t *code, helby_strmap *labels)
{
    bits_map m = {0};
    int rc = bits_grow(&m);
    for (size_t r = 0; r < n && rc == 0; r++) {
        uint64_t key;
        memcpy(&key, &v[r], sizeof key);
        size_t s = bits_slot(&m, key);
        if (m.vals[s] != UINT32_MAX) {
            code[r] = m.vals[s];
            continue;
        }
        char label[64];
        int len = snprintf(label, sizeof label, "%g", v[r]);
        size_t c;
        if (helby_strmap_put(labels, label, (size_t)len, labels->count, &c) < 0 ||
            ((m.count + 1) * 2 > m.n_slots && bits_grow(&m) < 0)) {
            rc = -1;
            break;
        }
        s = bits_slot(&m, key);
        m.keys[s] = key;
        m.vals[s] = (uint32_t)c;
        m.count++;
        code[r] = (uint32_t)c;
    }
    free(m.keys);
    free(m.vals);
    return rc;
}

static int factor_texts(char *const *text, size_t n, uint32_t *code, helby_strmap *labels)
{
    for (size_t r = 0; r < n; r++) {
        size_t c;
        if (helby_strmap_put(labels, text[r], strlen(text[r]), labels->count, &c) < 0)
            return -1;
        code[r] = (uint32_t)c;
    }
    return 0;
}

/* Point labels[0..n_levels) at the NUL-terminated strings of text (bytes long, in the same
 * allocation). Returns 0, or -1 if text does not hold exactly n_levels strings. */
static int index_labels(char **labels, size_t n_levels, char *text, size_t bytes)
{
    size_t k = 0, start = 0;
    for (size_t i = 0; i < bytes; i++) {
        if (text[i] == '\0') {
            if (k == n_levels)
                return -1;
            labels[k++] = text + start;
            start = i + 1;
        }
    }
    return k == n_levels && start == bytes ? 0 : -1;
}

/* Labels and their text are one allocation (n_levels pointers, then the text), so
 * helby_wave_codes_free frees them with one free(). */
static char **labels_new(size_t n_levels, size_t bytes)
{
    return malloc(n_levels * sizeof(char *) + bytes + 1);
}

helby_status helby_codes_factorize(const helby_column *col, size_t n, helby_wave_codes **out,
                                   helby_error *err)
{
    *out = NULL;
    if (n > UINT32_MAX)
        return helby_error_set(err, HELBY_EUSAGE, "column %s has too many rows for codes",
                               col->name);
    helby_wave_codes *c = calloc(1, sizeof *c);
    helby_strmap labels;
    helby_strmap_init(&labels);
    int rc = !c || !(c->code = helby_alloc_big(n * sizeof *c->code)) ? -1
             : col->is_text ? factor_texts(col->text, n, c->code, &labels)
                            : factor_numbers(col->num, n, c->code, &labels);
    if (rc == 0 && !(c->labels = labels_new(labels.count, labels.keys.len)))
        rc = -1;
    if (rc) {
        helby_wave_codes_free(c);
        helby_strmap_free(&labels);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory numbering %s", col->name);
    }
    c->n = n;
    c->n_levels = labels.count;
    char *text = (char *)(c->labels + labels.count);
    if (labels.keys.len)
        memcpy(text, labels.keys.data, labels.keys.len);
    index_labels(c->labels, labels.count, text, labels.keys.len); /* exact by construction */
    helby_strmap_free(&labels);
    *out = c;
    return HELBY_OK;
}

void helby_wave_codes_free(helby_wave_codes *c)
{
    if (!c)
        return;
    free(c->code);
    free(c->labels);
    free(c);
}

static void swap_u32(uint32_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (v[i] >> 24) | ((v[i] >> 8) & 0xff00) | ((v[i] << 8) & 0xff0000) | (v[i] << 24);
}

/* The labels' text: contiguous after the pointers (codes_new), from the first label to the
 * NUL of the last. */
static size_t labels_bytes(const helby_wave_codes *c)
{
    if (!c->n_levels)
        return 0;
    const char *last = c->labels[c->n_levels - 1];
    return (size_t)(last + strlen(last) + 1 - c->labels[0]);
}

helby_status helby_codes_write(helby_store *st, int64_t wave_id, const char *var,
                               const helby_wave_codes *c, helby_error *err)
{
    sqlite3 *db = helby_store_db(st);
    uint32_t *swapped = NULL;
    const uint32_t *codes = c->code;
    if (!helby_host_is_little_endian() && c->n) {
        if (!(swapped = malloc(c->n * sizeof *swapped)))
            return helby_error_set(err, HELBY_ENOMEM, "out of memory storing codes of %s", var);
        memcpy(swapped, c->code, c->n * sizeof *swapped);
        swap_u32(swapped, c->n);
        codes = swapped;
    }
    sqlite3_stmt *q = NULL;
    helby_status s = HELBY_OK;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO wave_codes(wave_id, variable, n, n_levels, codes, labels) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &q, NULL) != SQLITE_OK) {
        s = helby_store_db_error(st, "storing design codes", err);
    } else {
        size_t lbytes = labels_bytes(c);
        sqlite3_bind_int64(q, 1, wave_id);
        sqlite3_bind_text(q, 2, var, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)c->n);
        sqlite3_bind_int64(q, 4, (sqlite3_int64)c->n_levels);
        /* A zero-length BLOB needs a non-NULL pointer, or SQLite binds NULL. */
        sqlite3_bind_blob64(q, 5, c->n ? (const void *)codes : "", c->n * sizeof *codes,
                            SQLITE_STATIC);
        sqlite3_bind_blob64(q, 6, lbytes ? (const void *)c->labels[0] : "", lbytes, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            s = helby_store_db_error(st, "storing design codes", err);
    }
    sqlite3_finalize(q);
    free(swapped);
    return s;
}

/* The survey's stratum and PSU variables (each once); returns how many. */
static size_t design_vars(const helby_survey *s, const char *out[2])
{
    size_t n = 0;
    if (s->stratum_var != HELBY_NO_VAR)
        out[n++] = s->vars[s->stratum_var].name;
    if (s->psu_var != HELBY_NO_VAR && s->psu_var != s->stratum_var)
        out[n++] = s->vars[s->psu_var].name;
    return n;
}

helby_status helby_codes_write_design(helby_store *st, int64_t wave_id, const helby_survey *s,
                                      const helby_frame *f, helby_error *err)
{
    const char *vars[2];
    size_t nv = design_vars(s, vars);
    for (size_t i = 0; i < nv; i++) {
        /* Ingest guarantees the design columns; a frame without one has nothing to number,
         * and helby_store_load_codes will say the variable is unknown. */
        const helby_column *col = helby_frame_col(f, vars[i]);
        if (!col)
            continue;
        helby_wave_codes *c = NULL;
        helby_status r = helby_codes_factorize(col, f->n_rows, &c, err);
        if (!r)
            r = helby_codes_write(st, wave_id, vars[i], c, err);
        helby_wave_codes_free(c);
        if (r)
            return r;
    }
    return HELBY_OK;
}

/* Codes of one stored wave's design columns, from its columns (the upgrade to schema 4). */
static helby_status backfill_wave(helby_store *st, int64_t wave_id, const char *survey, long wave,
                                  helby_error *err)
{
    helby_survey *s = NULL;
    helby_status r = helby_store_get_survey(st, survey, &s, err);
    if (r)
        return r;
    const char *vars[2];
    size_t nv = design_vars(s, vars);
    for (size_t i = 0; i < nv && !r; i++) {
        helby_frame *f = NULL;
        r = helby_store_load_wave(st, survey, wave, &vars[i], 1, &f, err);
        if (r == HELBY_ENOTFOUND) {
            /* Imported under a definition without this column: no codes, as at import. */
            helby_error_clear(err);
            r = HELBY_OK;
            continue;
        }
        helby_wave_codes *c = NULL;
        if (!r && !(r = helby_codes_factorize(&f->cols[0], f->n_rows, &c, err)))
            r = helby_codes_write(st, wave_id, vars[i], c, err);
        helby_wave_codes_free(c);
        helby_frame_free(f);
    }
    helby_survey_free(s);
    return r;
}

helby_status helby_codes_backfill(helby_store *st, helby_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(helby_store_db(st),
                           "SELECT w.id, w.wave, s.name FROM wave w JOIN survey s ON "
                           "s.id = w.survey_id ORDER BY w.id",
                           -1, &q, NULL) != SQLITE_OK)
        return helby_store_db_error(st, "numbering the design columns of stored waves", err);
    helby_status r = HELBY_OK;
    int rc;
    while (!r && (rc = sqlite3_step(q)) == SQLITE_ROW)
        r = backfill_wave(st, sqlite3_column_int64(q, 0), (const char *)sqlite3_column_text(q, 2),
                          (long)sqlite3_column_int64(q, 1), err);
    if (!r && rc != SQLITE_DONE)
        r = helby_store_db_error(st, "numbering the design columns of stored waves", err);
    sqlite3_finalize(q);
    return r;
}

/* ---- loading ---- */

static helby_status read_blob(helby_store *st, const char *column, int64_t rowid, void *dst,
                              size_t bytes, helby_error *err)
{
    if (!bytes)
        return HELBY_OK;
    if (bytes > INT32_MAX)
        return helby_error_set(err, HELBY_ESTORE, "store: design codes too large to read");
    sqlite3_blob *b = NULL;
    helby_status s = HELBY_OK;
    if (sqlite3_blob_open(helby_store_db(st), "main", "wave_codes", column, rowid, 0, &b) !=
            SQLITE_OK ||
        sqlite3_blob_read(b, dst, (int)bytes, 0) != SQLITE_OK)
        s = helby_store_db_error(st, "loading design codes", err);
    sqlite3_blob_close(b);
    return s;
}

/* Read the stored codes of row `rowid` (n codes, n_levels labels of lbytes bytes) with
 * sqlite3_blob_read, straight into the result; check they are whole. */
static helby_status read_stored(helby_store *st, const char *var, int64_t rowid, size_t n,
                                size_t n_levels, size_t lbytes, helby_wave_codes **out,
                                helby_error *err)
{
    helby_wave_codes *c = calloc(1, sizeof *c);
    if (!c || !(c->code = helby_alloc_big(n * sizeof *c->code)) ||
        !(c->labels = labels_new(n_levels, lbytes))) {
        helby_wave_codes_free(c);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory loading codes of %s", var);
    }
    c->n = n;
    c->n_levels = n_levels;
    char *text = (char *)(c->labels + n_levels);
    helby_status s;
    if ((s = read_blob(st, "codes", rowid, c->code, n * sizeof *c->code, err)) ||
        (s = read_blob(st, "labels", rowid, text, lbytes, err))) {
        helby_wave_codes_free(c);
        return s;
    }
    if (!helby_host_is_little_endian())
        swap_u32(c->code, n);
    int damaged = index_labels(c->labels, n_levels, text, lbytes) != 0;
    for (size_t i = 0; i < n && !damaged; i++)
        damaged = c->code[i] >= n_levels;
    if (damaged) {
        helby_wave_codes_free(c);
        return helby_error_set(err, HELBY_ESTORE, "store: the design codes of %s are damaged", var);
    }
    *out = c;
    return HELBY_OK;
}

/* The codes stored at import, or *out NULL when there are none. */
static helby_status load_stored(helby_store *st, const char *survey, long wave, const char *var,
                                helby_wave_codes **out, helby_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(helby_store_db(st),
                           "SELECT c.id, c.n, c.n_levels, length(c.codes), length(c.labels), "
                           "w.n_rows FROM wave_codes c JOIN wave w ON w.id = c.wave_id JOIN "
                           "survey s ON s.id = w.survey_id WHERE s.name = ?1 AND w.wave = ?2 "
                           "AND c.variable = ?3",
                           -1, &q, NULL) != SQLITE_OK)
        return helby_store_db_error(st, "loading design codes", err);
    sqlite3_bind_text(q, 1, survey, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, wave);
    sqlite3_bind_text(q, 3, var, -1, SQLITE_STATIC);
    helby_status s = HELBY_OK;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        int64_t rowid = sqlite3_column_int64(q, 0);
        sqlite3_int64 n = sqlite3_column_int64(q, 1), n_levels = sqlite3_column_int64(q, 2);
        sqlite3_int64 cbytes = sqlite3_column_int64(q, 3), lbytes = sqlite3_column_int64(q, 4);
        if (n < 0 || n != sqlite3_column_int64(q, 5) || cbytes != n * 4 || n_levels < 0 ||
            n_levels > n || lbytes < n_levels)
            s = helby_error_set(err, HELBY_ESTORE, "store: the design codes of %s are damaged",
                                var);
        else
            s = read_stored(st, var, rowid, (size_t)n, (size_t)n_levels, (size_t)lbytes, out, err);
    } else if (rc != SQLITE_DONE) {
        s = helby_store_db_error(st, "loading design codes", err);
    }
    sqlite3_finalize(q);
    return s;
}

helby_status helby_store_load_codes(helby_store *st, const char *survey, long wave, const char *var,
                                    helby_wave_codes **out, helby_error *err)
{
    *out = NULL;
    helby_status s;
    /* A read-only open of a schema-3 store has no wave_codes table (store_open.c, migrate). */
    if (helby_store_schema(st) >= HELBY_SCHEMA_CODES &&
        ((s = load_stored(st, survey, wave, var, out, err)) || *out))
        return s;
    helby_frame *f = NULL;
    if ((s = helby_store_load_wave(st, survey, wave, &var, 1, &f, err)))
        return s;
    s = helby_codes_factorize(&f->cols[0], f->n_rows, out, err);
    helby_frame_free(f);
    return s;
}
