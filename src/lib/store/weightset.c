/* weightset.c — named weight sets in the store (helby/store.h, schemas/003_weights.sql and
 * 005_weight_versions.sql: a replaced version moves to weight_set_version, so the runs that
 * used it can still be rerun). */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "helby/survey.h"
#include "store/store_internal.h"

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

/* Keep weight_set row `id` as the next version of its name and wave before it is replaced. */
static helby_status archive(helby_store *st, int64_t id, helby_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(
            helby_store_db(st),
            "INSERT INTO weight_set_version(survey_id, name, wave, version, def_hash, spec, "
            "input_sha256, n, weights, weights_sha256, diagnostics, created_at, replaced_at) "
            "SELECT w.survey_id, w.name, w.wave, (SELECT coalesce(max(v.version), 0) + 1 FROM "
            "weight_set_version v WHERE v.survey_id = w.survey_id AND v.name = w.name AND "
            "v.wave = w.wave), w.def_hash, w.spec, w.input_sha256, w.n, w.weights, "
            "w.weights_sha256, w.diagnostics, w.created_at, "
            "strftime('%Y-%m-%dT%H:%M:%SZ','now') FROM weight_set w WHERE w.id = ?1",
            -1, &q, NULL) != SQLITE_OK)
        return dberr(st, err, "keeping the replaced weights");
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? HELBY_OK : dberr(st, err, "keeping the replaced weights");
}

helby_status helby_store_put_weights(helby_store *st, const helby_survey *s,
                                     helby_weight_set_info *info, const double *w, int replace,
                                     helby_error *err)
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
        if ((r = archive(st, old, err)))
            goto fail;
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
    "w.name, w.wave, w.spec, w.def_hash, w.input_sha256, w.n, w.weights_sha256, "                  \
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

/* Read the row q stands on (WS_COLUMNS then the weights) into info and, when w, *w. */
static helby_status read_row(sqlite3_stmt *q, helby_weight_set_info *info, double **w,
                             helby_error *err)
{
    read_info(q, info);
    if (!w)
        return HELBY_OK;
    const unsigned char *b = sqlite3_column_blob(q, 9);
    size_t bytes = (size_t)sqlite3_column_bytes(q, 9);
    if (bytes != (size_t)info->n * 8)
        return helby_error_set(err, HELBY_ESTORE,
                               "store: weight set '%s' wave %ld is damaged "
                               "(size)",
                               info->name, info->wave);
    if (!(*w = malloc(bytes ? bytes : 1)))
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    for (size_t i = 0; i < (size_t)info->n; i++) {
        uint64_t u = 0;
        for (int j = 0; j < 8; j++)
            u |= (uint64_t)b[i * 8 + (size_t)j] << (8 * j);
        memcpy(&(*w)[i], &u, 8);
    }
    return HELBY_OK;
}

/* One row of `table` for survey, name and wave (and weights_sha256 = sha when not NULL):
 * HELBY_OK, HELBY_ENOTFOUND (no error text set) or another error. */
static helby_status get_row(helby_store *st, const char *table, const char *survey,
                            const char *name, long wave, const char *sha,
                            helby_weight_set_info *info, double **w, helby_error *err)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT " WS_COLUMNS ", w.weights%s FROM %s w JOIN survey s ON s.id = w.survey_id "
             "WHERE s.name = ?1 AND w.name = ?2 AND w.wave = ?3 AND (?4 IS NULL OR "
             "w.weights_sha256 = ?4)%s",
             strcmp(table, "weight_set") ? ", w.version, w.replaced_at" : "", table,
             strcmp(table, "weight_set") ? " ORDER BY w.version DESC LIMIT 1" : "");
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(helby_store_db(st), sql, -1, &q, NULL) != SQLITE_OK)
        return dberr(st, err, "reading weights");
    sqlite3_bind_text(q, 1, survey, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, wave);
    if (sha)
        sqlite3_bind_text(q, 4, sha, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    helby_status r = rc == SQLITE_DONE  ? HELBY_ENOTFOUND
                     : rc == SQLITE_ROW ? read_row(q, info, w, err)
                                        : dberr(st, err, "reading weights");
    if (rc == SQLITE_ROW && !r) {
        info->current = !strcmp(table, "weight_set");
        if (!info->current) {
            info->version = sqlite3_column_int(q, 10);
            copy_text(info->replaced_at, sizeof info->replaced_at, q, 11);
        }
    }
    sqlite3_finalize(q);
    return r;
}

helby_status helby_store_get_weights(helby_store *st, const char *survey, const char *name,
                                     long wave, helby_weight_set_info *info, double **w,
                                     helby_error *err)
{
    if (w)
        *w = NULL;
    helby_status r = get_row(st, "weight_set", survey, name, wave, NULL, info, w, err);
    if (r == HELBY_ENOTFOUND)
        helby_error_set(err, HELBY_ENOTFOUND,
                        "no weight set '%s' for wave %ld of survey %s (see `helby weight "
                        "list`)",
                        name, wave, survey);
    return r;
}

helby_status helby_store_get_weights_by_hash(helby_store *st, const char *survey, const char *name,
                                             long wave, const char *sha256,
                                             helby_weight_set_info *info, double **w,
                                             helby_error *err)
{
    if (w)
        *w = NULL;
    helby_status r = get_row(st, "weight_set", survey, name, wave, sha256, info, w, err);
    if (r == HELBY_ENOTFOUND && helby_store_schema(st) >= 5)
        r = get_row(st, "weight_set_version", survey, name, wave, sha256, info, w, err);
    if (r == HELBY_ENOTFOUND)
        helby_error_set(err, HELBY_ENOTFOUND,
                        "weight set '%s' of survey %s has no version of wave %ld with weights "
                        "%.16s… (see `helby weight list`)",
                        name, survey, wave, sha256);
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

static int by_name_wave_version(const void *a, const void *b)
{
    const helby_weight_set_info *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    if (x->wave != y->wave)
        return x->wave < y->wave ? -1 : 1;
    return (x->version > y->version) - (x->version < y->version);
}

/* The replaced versions (schema 5 on) appended to *out. */
static helby_status list_replaced(helby_store *st, const char *survey, helby_weight_set_info **out,
                                  size_t *n, helby_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(helby_store_db(st),
                           "SELECT " WS_COLUMNS ", w.version, w.replaced_at FROM "
                           "weight_set_version w JOIN survey s ON s.id = w.survey_id WHERE "
                           "s.name = ?1",
                           -1, &q, NULL) != SQLITE_OK)
        return dberr(st, err, "listing weight versions");
    sqlite3_bind_text(q, 1, survey, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        helby_weight_set_info *p = realloc(*out, (*n + 1) * sizeof *p);
        if (!p) {
            sqlite3_finalize(q);
            return helby_error_set(err, HELBY_ENOMEM, "out of memory");
        }
        *out = p;
        read_info(q, &p[*n]);
        p[*n].version = sqlite3_column_int(q, 9);
        copy_text(p[*n].replaced_at, sizeof p[*n].replaced_at, q, 10);
        (*n)++;
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? HELBY_OK : dberr(st, err, "listing weight versions");
}

helby_status helby_store_list_weight_versions(helby_store *st, const char *survey,
                                              helby_weight_set_info **out, size_t *n,
                                              helby_error *err)
{
    size_t n_cur = 0;
    helby_status r = helby_store_list_weights(st, survey, out, &n_cur, err);
    *n = n_cur;
    if (!r && helby_store_schema(st) >= 5)
        r = list_replaced(st, survey, out, n, err);
    if (r) {
        free(*out);
        *out = NULL;
        *n = 0;
        return r;
    }
    /* The current version of a wave comes after every replaced one. */
    for (size_t i = 0; i < n_cur; i++) {
        (*out)[i].current = 1;
        (*out)[i].version = 1;
        for (size_t k = n_cur; k < *n; k++)
            if (!strcmp((*out)[k].name, (*out)[i].name) && (*out)[k].wave == (*out)[i].wave &&
                (*out)[k].version >= (*out)[i].version)
                (*out)[i].version = (*out)[k].version + 1;
    }
    if (*n)
        qsort(*out, *n, sizeof **out, by_name_wave_version);
    return HELBY_OK;
}

void helby_weight_drop_free(helby_weight_drop *d)
{
    if (!d)
        return;
    free(d->runs);
    memset(d, 0, sizeof *d);
}

/* One statement on (survey, name); *changes its rows changed, or with collect the ids it
 * selects into d->runs. */
static helby_status weight_sql(helby_store *st, const char *sql, const char *survey,
                               const char *name, size_t *changes, helby_weight_drop *collect,
                               helby_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(helby_store_db(st), sql, -1, &q, NULL) != SQLITE_OK)
        return dberr(st, err, "dropping the weight set");
    sqlite3_bind_text(q, 1, survey, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
    int rc;
    size_t cap = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && collect) {
        if (collect->n_runs == cap) {
            cap = cap ? 2 * cap : 8;
            int64_t *p = realloc(collect->runs, cap * sizeof *p);
            if (!p) {
                sqlite3_finalize(q);
                return helby_error_set(err, HELBY_ENOMEM, "out of memory listing runs");
            }
            collect->runs = p;
        }
        collect->runs[collect->n_runs++] = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return dberr(st, err, "dropping the weight set");
    if (changes)
        *changes = (size_t)sqlite3_changes(helby_store_db(st));
    return HELBY_OK;
}

#define WS_SURVEY "survey_id = (SELECT id FROM survey WHERE name = ?1) AND name = ?2"

/* The runs that used a weight set name it in their options ("...;weights=NAME;..."). */
static helby_status weight_drop_check(helby_store *st, const char *survey, const char *name,
                                      int force, helby_weight_drop *d, helby_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(helby_store_db(st),
                           "SELECT (SELECT count(*) FROM weight_set WHERE " WS_SURVEY "), "
                           "(SELECT count(*) FROM survey WHERE name = ?1)",
                           -1, &q, NULL) != SQLITE_OK)
        return dberr(st, err, "finding the weight set");
    sqlite3_bind_text(q, 1, survey, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    int64_t waves = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
    int64_t surveys = rc == SQLITE_ROW ? sqlite3_column_int64(q, 1) : -1;
    sqlite3_finalize(q);
    if (waves < 0)
        return dberr(st, err, "finding the weight set");
    if (!surveys)
        return helby_error_set(err, HELBY_ENOTFOUND, "no survey '%s' in the store", survey);
    if (!waves)
        return helby_error_set(err, HELBY_ENOTFOUND,
                               "survey %s has no weight set '%s' (`helby weight list --survey "
                               "%s` lists them)",
                               survey, name, survey);
    helby_status r = weight_sql(st,
                                "SELECT id FROM run WHERE survey_id = (SELECT id FROM survey "
                                "WHERE name = ?1) AND instr(';' || options || ';', ';weights=' "
                                "|| ?2 || ';') > 0 ORDER BY id",
                                survey, name, NULL, d, err);
    if (r || !d->n_runs || force)
        return r;
    char runs[512];
    size_t o = 0;
    for (size_t i = 0; i < d->n_runs && o < sizeof runs; i++)
        o += (size_t)snprintf(runs + o, sizeof runs - o, "%s%lld", i ? ", " : "",
                              (long long)d->runs[i]);
    return helby_error_set(err, HELBY_EEXISTS,
                           "weight set '%s' of %s is used by run%s %s: once it is dropped, %s "
                           "can no longer be rerun (%s stored estimates stay); give --force to "
                           "drop it anyway",
                           name, survey, d->n_runs == 1 ? "" : "s", runs,
                           d->n_runs == 1 ? "that run" : "those runs",
                           d->n_runs == 1 ? "its" : "their");
}

helby_status helby_store_drop_weight_set(helby_store *st, const char *survey, const char *name,
                                         int force, helby_weight_drop *d, helby_error *err)
{
    memset(d, 0, sizeof *d);
    if (st->readonly)
        return helby_error_set(err, HELBY_ESTORE, "the store is open read-only");
    helby_status r = helby_store_exec(st, "BEGIN IMMEDIATE", "starting the drop", err);
    if (r)
        return r;
    if ((r = weight_drop_check(st, survey, name, force, d, err)) ||
        (r = weight_sql(st, "DELETE FROM weight_set WHERE " WS_SURVEY, survey, name, &d->n_waves,
                        NULL, err)) ||
        (r = weight_sql(st, "DELETE FROM weight_set_version WHERE " WS_SURVEY, survey, name,
                        &d->n_versions, NULL, err)) ||
        (r = helby_store_exec(st, "COMMIT", "committing the drop", err))) {
        helby_store_undo(st, 0);
        return r;
    }
    return HELBY_OK;
}
