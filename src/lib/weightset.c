/* weightset.c — named weight sets in the store (helby/store.h, schemas/003_weights.sql). */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "helby/survey.h"
#include "store_internal.h"

/* Little-endian bytes of n doubles, whatever the machine's byte order. */
static unsigned char *le_bytes(const double *w, size_t n)
{
    unsigned char *b = malloc(n ? n * 8 : 1);
    if (!b)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        memcpy(&u, &w[i], 8);
        for (int j = 0; j < 8; j++)
            b[i * 8 + (size_t)j] = (unsigned char)(u >> (8 * j));
    }
    return b;
}

void helby_weights_hash(const double *w, size_t n, char out[65])
{
    unsigned char *b = le_bytes(w, n);
    if (!b) {
        memset(out, 0, 65);
        return;
    }
    helby_sha256_hex(b, n * 8, out);
    free(b);
}

static helby_status dberr(helby_store *st, helby_error *err, const char *what)
{
    return helby_error_set(err, HELBY_ESTORE, "store: %s failed: %s", what,
                           sqlite3_errmsg(helby_store_db(st)));
}

helby_status helby_store_put_weights(helby_store *st, const helby_survey *s,
                                     helby_weight_set_info *info, const double *w,
                                     int replace, helby_error *err)
{
    sqlite3 *db = helby_store_db(st);
    unsigned char *blob = le_bytes(w, (size_t)info->n);
    if (!blob)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    helby_sha256_hex(blob, (size_t)info->n * 8, info->weights_sha256);
    snprintf(info->def_hash, sizeof info->def_hash, "%s", s->hash);
    int own = sqlite3_get_autocommit(db);
    helby_status r = HELBY_OK;
    if (own && (r = helby_store_exec(st, "BEGIN IMMEDIATE", "storing weights", err))) {
        free(blob);
        return r;
    }
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT w.id FROM weight_set w JOIN survey s ON s.id = w.survey_id "
                           "WHERE s.name = ?1 AND w.name = ?2 AND w.wave = ?3",
                           -1, &q, NULL) != SQLITE_OK)
        goto fail_db;
    sqlite3_bind_text(q, 1, s->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, info->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, info->wave);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        goto fail_db;
    int64_t old = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    q = NULL;
    if (old && !replace) {
        r = helby_error_set(err, HELBY_EEXISTS,
                            "weight set '%s' already has wave %ld: choose another name or "
                            "give --replace",
                            info->name, info->wave);
        goto fail;
    }
    if (old) {
        if (sqlite3_prepare_v2(db, "DELETE FROM weight_set WHERE id = ?1", -1, &q, NULL) !=
            SQLITE_OK)
            goto fail_db;
        sqlite3_bind_int64(q, 1, old);
        if (sqlite3_step(q) != SQLITE_DONE)
            goto fail_db;
        sqlite3_finalize(q);
        q = NULL;
    }
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO weight_set(survey_id, name, wave, def_hash, spec, "
                           "input_sha256, n, weights, weights_sha256, diagnostics, created_at) "
                           "SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                           "strftime('%Y-%m-%dT%H:%M:%SZ','now') FROM survey WHERE name = ?1 "
                           "AND def_hash = ?4",
                           -1, &q, NULL) != SQLITE_OK)
        goto fail_db;
    sqlite3_bind_text(q, 1, s->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, info->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, info->wave);
    sqlite3_bind_text(q, 4, s->hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, info->spec, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, info->input_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 7, info->n);
    sqlite3_bind_blob64(q, 8, blob, (sqlite3_uint64)info->n * 8, SQLITE_STATIC);
    sqlite3_bind_text(q, 9, info->weights_sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 10, info->diagnostics, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        goto fail_db;
    if (sqlite3_changes(db) != 1) {
        r = helby_error_set(err, HELBY_ENOTFOUND,
                            "survey %s with this definition is not in the store", s->id);
        goto fail;
    }
    sqlite3_finalize(q);
    q = NULL;
    free(blob);
    if (own && (r = helby_store_exec(st, "COMMIT", "committing weights", err))) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return r;
    }
    return HELBY_OK;
fail_db:
    r = dberr(st, err, "storing weights");
fail:
    sqlite3_finalize(q);
    free(blob);
    if (own)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return r;
}

#define WS_COLUMNS                                                                                 \
    "w.name, w.wave, w.spec, w.def_hash, w.input_sha256, w.n, w.weights_sha256, "                \
    "w.diagnostics, w.created_at"

static void copy_text(char *dst, size_t n, sqlite3_stmt *q, int col)
{
    const unsigned char *t = sqlite3_column_text(q, col);
    snprintf(dst, n, "%s", t ? (const char *)t : "");
}

static void read_info(sqlite3_stmt *q, helby_weight_set_info *i)
{
    memset(i, 0, sizeof *i);
    copy_text(i->name, sizeof i->name, q, 0);
    i->wave = (long)sqlite3_column_int64(q, 1);
    copy_text(i->spec, sizeof i->spec, q, 2);
    copy_text(i->def_hash, sizeof i->def_hash, q, 3);
    copy_text(i->input_sha256, sizeof i->input_sha256, q, 4);
    i->n = sqlite3_column_int64(q, 5);
    copy_text(i->weights_sha256, sizeof i->weights_sha256, q, 6);
    copy_text(i->diagnostics, sizeof i->diagnostics, q, 7);
    copy_text(i->created_at, sizeof i->created_at, q, 8);
}

helby_status helby_store_get_weights(helby_store *st, const char *survey, const char *name,
                                     long wave, helby_weight_set_info *info, double **w,
                                     helby_error *err)
{
    sqlite3_stmt *q = NULL;
    if (w)
        *w = NULL;
    if (sqlite3_prepare_v2(helby_store_db(st),
                           "SELECT " WS_COLUMNS ", w.weights FROM weight_set w JOIN survey s ON "
                           "s.id = w.survey_id WHERE s.name = ?1 AND w.name = ?2 AND w.wave = ?3",
                           -1, &q, NULL) != SQLITE_OK)
        return dberr(st, err, "reading weights");
    sqlite3_bind_text(q, 1, survey, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, wave);
    int rc = sqlite3_step(q);
    helby_status r = HELBY_OK;
    if (rc == SQLITE_DONE) {
        r = helby_error_set(err, HELBY_ENOTFOUND,
                            "no weight set '%s' for wave %ld of survey %s (see `helby weight "
                            "list`)",
                            name, wave, survey);
    } else if (rc != SQLITE_ROW) {
        r = dberr(st, err, "reading weights");
    } else {
        read_info(q, info);
        if (w) {
            const unsigned char *b = sqlite3_column_blob(q, 9);
            size_t bytes = (size_t)sqlite3_column_bytes(q, 9);
            if (bytes != (size_t)info->n * 8) {
                r = helby_error_set(err, HELBY_ESTORE, "store: weight set '%s' wave %ld is "
                                                       "damaged (size)", name, wave);
            } else if (!(*w = malloc(bytes ? bytes : 1))) {
                r = helby_error_set(err, HELBY_ENOMEM, "out of memory");
            } else {
                for (size_t i = 0; i < (size_t)info->n; i++) {
                    uint64_t u = 0;
                    for (int j = 0; j < 8; j++)
                        u |= (uint64_t)b[i * 8 + (size_t)j] << (8 * j);
                    memcpy(&(*w)[i], &u, 8);
                }
            }
        }
    }
    sqlite3_finalize(q);
    return r;
}

helby_status helby_store_list_weights(helby_store *st, const char *survey,
                                      helby_weight_set_info **out, size_t *n, helby_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(helby_store_db(st),
                           "SELECT " WS_COLUMNS " FROM weight_set w JOIN survey s ON s.id = "
                           "w.survey_id WHERE s.name = ?1 ORDER BY w.name, w.wave",
                           -1, &q, NULL) != SQLITE_OK)
        return dberr(st, err, "listing weights");
    sqlite3_bind_text(q, 1, survey, -1, SQLITE_STATIC);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            helby_weight_set_info *p = realloc(*out, cap * sizeof *p);
            if (!p) {
                sqlite3_finalize(q);
                free(*out);
                *out = NULL;
                return helby_error_set(err, HELBY_ENOMEM, "out of memory");
            }
            *out = p;
        }
        read_info(q, &(*out)[(*n)++]);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return dberr(st, err, "listing weights");
    }
    return HELBY_OK;
}
