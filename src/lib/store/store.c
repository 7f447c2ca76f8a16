/* store.c — the SQLite store (helby/store.h): its connection, transactions and closing;
 * survey definitions; listing and loading waves as frames. Opening and upgrading a store:
 * store_open.c; writing a wave: store_write.c (both on top of this file and codes.c). */
#include "helby/store.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_internal.h"
#include "base/util_internal.h"

extern const size_t helby_schema_migration_count;

static void step_reset(sqlite3_stmt *q)
{
    if (q) {
        sqlite3_step(q);
        sqlite3_reset(q);
    }
}

void helby_store_undo(helby_store *st, int savepoint)
{
    if (sqlite3_get_autocommit(st->db))
        return;
    if (savepoint) {
        step_reset(st->rollback_to);
        step_reset(st->release);
    } else {
        step_reset(st->rollback);
    }
}

sqlite3 *helby_store_db(helby_store *st)
{
    return st->db;
}

int helby_store_schema(const helby_store *st)
{
    return st->schema;
}

int helby_store_engine_schema_version(void)
{
    return (int)helby_schema_migration_count;
}

static helby_status db_error(helby_error *err, sqlite3 *db, const char *what)
{
    int code = sqlite3_extended_errcode(db);
    if ((code & 0xff) == SQLITE_NOMEM)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory while %s", what);
    return helby_error_set(err, HELBY_ESTORE, "store: %s failed: %s", what, sqlite3_errmsg(db));
}

helby_status helby_store_db_error(helby_store *st, const char *what, helby_error *err)
{
    return db_error(err, st->db, what);
}

helby_status helby_store_exec(helby_store *st, const char *sql, const char *what, helby_error *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        helby_status s = (rc & 0xff) == SQLITE_NOMEM
                             ? helby_error_set(err, HELBY_ENOMEM, "out of memory while %s", what)
                             : helby_error_set(err, HELBY_ESTORE, "store: %s failed: %s", what,
                                               msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return s;
    }
    return HELBY_OK;
}

void helby_store_close(helby_store *st)
{
    if (!st)
        return;
    sqlite3_finalize(st->rollback);
    sqlite3_finalize(st->rollback_to);
    sqlite3_finalize(st->release);
    sqlite3_close_v2(st->db);
    free(st->path);
    free(st);
}

/* ---- surveys ---- */

helby_status helby_store_add_survey(helby_store *st, const helby_survey *s, int update,
                                    int *changed, helby_error *err)
{
    if (changed)
        *changed = 0;
    char *blob = NULL;
    size_t len = 0;
    helby_status rc = helby_survey_serialize(s, &blob, &len, err);
    if (rc)
        return rc;
    sqlite3_stmt *q = NULL;
    if ((rc = helby_store_exec(st, "BEGIN IMMEDIATE", "starting a transaction", err))) {
        free(blob);
        return rc;
    }
    char current[65] = "";
    if (sqlite3_prepare_v2(st->db, "SELECT def_hash FROM survey WHERE name = ?1", -1, &q, NULL) !=
        SQLITE_OK)
        goto dberr;
    sqlite3_bind_text(q, 1, s->id, -1, SQLITE_STATIC);
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        const unsigned char *h = sqlite3_column_text(q, 0);
        snprintf(current, sizeof current, "%s", h ? (const char *)h : "");
    } else if (step != SQLITE_DONE) {
        goto dberr;
    }
    sqlite3_finalize(q);
    q = NULL;
    if (current[0] && strcmp(current, s->hash) == 0) {
        helby_store_exec(st, "COMMIT", "committing", NULL);
        free(blob);
        return HELBY_OK; /* same definition: nothing to do */
    }
    if (current[0] && !update) {
        helby_store_undo(st, 0);
        free(blob);
        return helby_error_set(err, HELBY_EEXISTS,
                               "survey %s already exists with another definition (%.12s…, new "
                               "%.12s…): use --update to make the new one current",
                               s->id, current, s->hash);
    }
    if (sqlite3_prepare_v2(st->db,
                           "INSERT OR IGNORE INTO definition(hash, survey_name, blob, added_at) "
                           "VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                           -1, &q, NULL) != SQLITE_OK)
        goto dberr;
    sqlite3_bind_text(q, 1, s->hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, s->id, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(q, 3, blob, len, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(q);
    q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           current[0]
                               ? "UPDATE survey SET def_hash = ?2, updated_at = "
                                 "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE name = ?1"
                               : "INSERT INTO survey(name, def_hash, added_at, updated_at) VALUES "
                                 "(?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ','now'), "
                                 "strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                           -1, &q, NULL) != SQLITE_OK)
        goto dberr;
    sqlite3_bind_text(q, 1, s->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, s->hash, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(q);
    q = NULL;
    free(blob);
    blob = NULL;
    if ((rc = helby_store_exec(st, "COMMIT", "committing the survey", err))) {
        helby_store_undo(st, 0);
        return rc;
    }
    if (changed)
        *changed = 1;
    return HELBY_OK;
dberr:
    rc = db_error(err, st->db, "storing the survey definition");
    sqlite3_finalize(q);
    helby_store_undo(st, 0);
    free(blob);
    return rc;
}

helby_status helby_store_get_survey(helby_store *st, const char *id, helby_survey **out,
                                    helby_error *err)
{
    *out = NULL;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT d.blob FROM survey s JOIN definition d ON d.hash = s.def_hash "
                           "WHERE s.name = ?1",
                           -1, &q, NULL) != SQLITE_OK)
        return db_error(err, st->db, "reading a survey");
    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(q);
        return helby_error_set(err, HELBY_ENOTFOUND,
                               "no survey '%s' in the store (see `helby survey list`)", id);
    }
    if (rc != SQLITE_ROW) {
        helby_status s = db_error(err, st->db, "reading a survey");
        sqlite3_finalize(q);
        return s;
    }
    const char *blob = sqlite3_column_blob(q, 0);
    size_t len = (size_t)sqlite3_column_bytes(q, 0);
    helby_status s = helby_survey_from_blob(out, blob ? blob : "", len, err);
    sqlite3_finalize(q);
    return s;
}

helby_status helby_store_get_definition(helby_store *st, const char *hash, helby_survey **out,
                                        helby_error *err)
{
    *out = NULL;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT blob FROM definition WHERE hash = ?1", -1, &q, NULL) !=
        SQLITE_OK)
        return db_error(err, st->db, "reading a definition");
    sqlite3_bind_text(q, 1, hash, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    helby_status s;
    if (rc == SQLITE_ROW) {
        const char *blob = sqlite3_column_blob(q, 0);
        s = helby_survey_from_blob(out, blob ? blob : "", (size_t)sqlite3_column_bytes(q, 0), err);
    } else if (rc == SQLITE_DONE) {
        s = helby_error_set(err, HELBY_ENOTFOUND, "no definition %.16s… in the store", hash);
    } else {
        s = db_error(err, st->db, "reading a definition");
    }
    sqlite3_finalize(q);
    return s;
}

helby_status helby_store_list_surveys(helby_store *st, helby_survey_info **out, size_t *n,
                                      helby_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT s.name, s.def_hash, s.updated_at, "
                           "(SELECT count(*) FROM wave w WHERE w.survey_id = s.id), "
                           "(SELECT coalesce(sum(n_rows),0) FROM wave w WHERE w.survey_id = s.id) "
                           "FROM survey s ORDER BY s.name",
                           -1, &q, NULL) != SQLITE_OK)
        return db_error(err, st->db, "listing surveys");
    size_t cap = 0;
    helby_survey_info *v = NULL;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            helby_survey_info *p = realloc(v, cap * sizeof *p);
            if (!p) {
                free(v);
                sqlite3_finalize(q);
                return helby_error_set(err, HELBY_ENOMEM, "out of memory listing surveys");
            }
            v = p;
        }
        helby_survey_info *i = &v[(*n)++];
        snprintf(i->name, sizeof i->name, "%s", (const char *)sqlite3_column_text(q, 0));
        snprintf(i->def_hash, sizeof i->def_hash, "%s", (const char *)sqlite3_column_text(q, 1));
        snprintf(i->updated_at, sizeof i->updated_at, "%s",
                 (const char *)sqlite3_column_text(q, 2));
        i->n_waves = sqlite3_column_int64(q, 3);
        i->n_rows = sqlite3_column_int64(q, 4);
    }
    if (rc != SQLITE_DONE) {
        helby_status s = db_error(err, st->db, "listing surveys");
        sqlite3_finalize(q);
        free(v);
        *n = 0;
        return s;
    }
    sqlite3_finalize(q);
    *out = v;
    return HELBY_OK;
}

helby_status helby_store_list_waves(helby_store *st, const char *survey, helby_wave_info **out,
                                    size_t *n, helby_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT w.wave, w.n_rows, i.id, i.file_name, i.sha256, i.imported_at "
                           "FROM wave w JOIN survey s ON s.id = w.survey_id "
                           "JOIN import i ON i.id = w.import_id WHERE s.name = ?1 ORDER BY w.wave",
                           -1, &q, NULL) != SQLITE_OK)
        return db_error(err, st->db, "listing waves");
    sqlite3_bind_text(q, 1, survey, -1, SQLITE_STATIC);
    size_t cap = 0;
    helby_wave_info *v = NULL;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            helby_wave_info *p = realloc(v, cap * sizeof *p);
            if (!p) {
                free(v);
                sqlite3_finalize(q);
                *n = 0;
                return helby_error_set(err, HELBY_ENOMEM, "out of memory listing waves");
            }
            v = p;
        }
        helby_wave_info *w = &v[(*n)++];
        w->wave = (long)sqlite3_column_int64(q, 0);
        w->n_rows = sqlite3_column_int64(q, 1);
        w->import_id = sqlite3_column_int64(q, 2);
        snprintf(w->file_name, sizeof w->file_name, "%s", (const char *)sqlite3_column_text(q, 3));
        snprintf(w->sha256, sizeof w->sha256, "%s", (const char *)sqlite3_column_text(q, 4));
        snprintf(w->imported_at, sizeof w->imported_at, "%s",
                 (const char *)sqlite3_column_text(q, 5));
    }
    if (rc != SQLITE_DONE) {
        helby_status s = db_error(err, st->db, "listing waves");
        sqlite3_finalize(q);
        free(v);
        *n = 0;
        return s;
    }
    sqlite3_finalize(q);
    *out = v;
    return HELBY_OK;
}

/* ---- frames ---- */

helby_status helby_frame_new(helby_frame **out, long wave, size_t n_rows, size_t n_cols,
                             helby_error *err)
{
    *out = NULL;
    helby_frame *f = calloc(1, sizeof *f);
    if (!f || (n_cols && !(f->cols = calloc(n_cols, sizeof *f->cols)))) {
        free(f);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    f->wave = wave;
    f->n_rows = n_rows;
    f->n_cols = n_cols;
    *out = f;
    return HELBY_OK;
}

void helby_frame_free(helby_frame *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n_cols; i++) {
        free(f->cols[i].name);
        free(f->cols[i].num);
        free(f->cols[i].text);
        free(f->cols[i].text_buf);
    }
    free(f->cols);
    free(f);
}

const helby_column *helby_frame_col(const helby_frame *f, const char *name)
{
    for (size_t i = 0; i < f->n_cols; i++)
        if (f->cols[i].name && strcmp(f->cols[i].name, name) == 0)
            return &f->cols[i];
    return NULL;
}

/* Index text pointers into a NUL-separated buffer of exactly n strings. */
static helby_status index_text(helby_column *c, size_t n, helby_error *err)
{
    c->text = malloc((n ? n : 1) * sizeof *c->text);
    if (!c->text)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory loading %s", c->name);
    size_t k = 0, start = 0;
    for (size_t i = 0; i < c->text_len && k < n; i++) {
        if (c->text_buf[i] == '\0') {
            c->text[k++] = c->text_buf + start;
            start = i + 1;
        }
    }
    if (k != n)
        return helby_error_set(err, HELBY_ESTORE, "store: column %s is damaged (%zu of %zu values)",
                               c->name, k, n);
    return HELBY_OK;
}

/* Read one stored column straight into the frame's buffer with sqlite3_blob_read:
 * no intermediate copy of a multi-megabyte BLOB. */
static helby_status load_column(helby_store *st, helby_column *c, const char *name, int kind,
                                size_t n, int64_t rowid, size_t bytes, helby_error *err)
{
    c->name = strdup(name);
    if (!c->name)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory loading %s", name);
    if ((kind == 0 && bytes != n * sizeof(double)) || (kind == 2 && bytes != n * 2))
        return helby_error_set(err, HELBY_ESTORE, "store: column %s is damaged", name);
    void *dst = helby_alloc_big(kind == 2 ? n * sizeof(double) : bytes);
    if (!dst)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory loading %s", name);
    if (kind == 0 || kind == 2)
        c->num = dst;
    else {
        c->is_text = 1;
        c->text_buf = dst;
        c->text_len = bytes;
    }
    if (bytes) {
        sqlite3_blob *b = NULL;
        if (sqlite3_blob_open(st->db, "main", "wave_column", "data", rowid, 0, &b) != SQLITE_OK ||
            sqlite3_blob_read(b, dst, (int)bytes, 0) != SQLITE_OK) {
            helby_status s = db_error(err, st->db, "loading a column");
            sqlite3_blob_close(b);
            return s;
        }
        sqlite3_blob_close(b);
    }
    if (kind == 2) {
        /* Widen in place from the back: int16 i sits below double i. */
        const unsigned char *b = dst;
        for (size_t i = n; i-- > 0;) {
            int v = (int16_t)(uint16_t)(b[2 * i] | (b[2 * i + 1] << 8));
            c->num[i] = v == INT16_MIN ? NAN : (double)v;
        }
        return HELBY_OK;
    }
    if (kind == 0) {
        if (!helby_host_is_little_endian())
            helby_swap_doubles(c->num, n);
        return HELBY_OK;
    }
    return index_text(c, n, err);
}

helby_status helby_store_load_wave(helby_store *st, const char *survey, long wave,
                                   const char *const *vars, size_t n_vars, helby_frame **out,
                                   helby_error *err)
{
    *out = NULL;
    sqlite3_stmt *q = NULL;
    helby_status s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT w.id, w.n_rows, (SELECT count(*) FROM wave_column c WHERE "
                           "c.wave_id = w.id) FROM wave w JOIN survey s ON s.id = w.survey_id "
                           "WHERE s.name = ?1 AND w.wave = ?2",
                           -1, &q, NULL) != SQLITE_OK)
        return db_error(err, st->db, "loading a wave");
    sqlite3_bind_text(q, 1, survey, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, wave);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        s = rc == SQLITE_DONE
                ? helby_error_set(err, HELBY_ENOTFOUND, "survey %s has no wave %ld in the store",
                                  survey, wave)
                : db_error(err, st->db, "loading a wave");
        sqlite3_finalize(q);
        return s;
    }
    int64_t wave_id = sqlite3_column_int64(q, 0);
    size_t n_rows = (size_t)sqlite3_column_int64(q, 1);
    size_t n_stored = (size_t)sqlite3_column_int64(q, 2);
    sqlite3_finalize(q);
    q = NULL;

    helby_frame *f = NULL;
    if ((s = helby_frame_new(&f, wave, n_rows, vars ? n_vars : n_stored, err)))
        return s;
    if (vars) {
        if (sqlite3_prepare_v2(st->db,
                               "SELECT kind, n, id, length(data) FROM wave_column WHERE "
                               "wave_id = ?1 AND variable = ?2",
                               -1, &q, NULL) != SQLITE_OK)
            goto dberr;
        for (size_t i = 0; i < n_vars; i++) {
            sqlite3_reset(q);
            sqlite3_bind_int64(q, 1, wave_id);
            sqlite3_bind_text(q, 2, vars[i], -1, SQLITE_STATIC);
            rc = sqlite3_step(q);
            if (rc == SQLITE_DONE) {
                s = helby_error_set(err, HELBY_ENOTFOUND, "wave %ld of %s has no variable %s", wave,
                                    survey, vars[i]);
                if (err) /* which one: datasets skip optional items a wave did not ask */
                    snprintf(err->variable, sizeof err->variable, "%s", vars[i]);
                goto fail;
            }
            if (rc != SQLITE_ROW)
                goto dberr;
            if ((size_t)sqlite3_column_int64(q, 1) != n_rows) {
                s = helby_error_set(err, HELBY_ESTORE, "store: column %s is damaged", vars[i]);
                goto fail;
            }
            if ((s = load_column(st, &f->cols[i], vars[i], sqlite3_column_int(q, 0), n_rows,
                                 sqlite3_column_int64(q, 2), (size_t)sqlite3_column_int64(q, 3),
                                 err)))
                goto fail;
        }
    } else {
        if (sqlite3_prepare_v2(st->db,
                               "SELECT variable, kind, n, id, length(data) FROM wave_column "
                               "WHERE wave_id = ?1 ORDER BY position",
                               -1, &q, NULL) != SQLITE_OK)
            goto dberr;
        sqlite3_bind_int64(q, 1, wave_id);
        size_t i = 0;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW && i < n_stored) {
            if ((size_t)sqlite3_column_int64(q, 2) != n_rows) {
                s = helby_error_set(err, HELBY_ESTORE, "store: a column of wave %ld is damaged",
                                    wave);
                goto fail;
            }
            if ((s = load_column(st, &f->cols[i], (const char *)sqlite3_column_text(q, 0),
                                 sqlite3_column_int(q, 1), n_rows, sqlite3_column_int64(q, 3),
                                 (size_t)sqlite3_column_int64(q, 4), err)))
                goto fail;
            i++;
        }
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
            goto dberr;
    }
    sqlite3_finalize(q);
    *out = f;
    return HELBY_OK;
dberr:
    s = db_error(err, st->db, "loading a wave");
fail:
    sqlite3_finalize(q);
    helby_frame_free(f);
    return s;
}

/* ---- writing a wave ---- */

helby_status helby_store_begin(helby_store *st, helby_error *err)
{
    return helby_store_exec(st, "BEGIN IMMEDIATE", "starting a transaction", err);
}

helby_status helby_store_commit(helby_store *st, helby_error *err)
{
    helby_status r = helby_store_exec(st, "COMMIT", "committing", err);
    if (r)
        helby_store_rollback(st);
    return r;
}

void helby_store_rollback(helby_store *st)
{
    helby_store_undo(st, 0);
}
