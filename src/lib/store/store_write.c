/* store_write.c — a wave written to the store (helby_store_write_wave, helby/store.h): its
 * import record, its columns and its design codes (codes.c), all or nothing, replacing an
 * earlier import of the same wave; and a wave dropped (helby_store_drop_wave), refused while
 * runs used it unless forced. On top of store.c and codes.c. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/store.h"
#include "store/store_internal.h"

#ifndef HELBY_VERSION
#define HELBY_VERSION "0.1.0"
#endif

static helby_status find_survey_row(helby_store *st, const helby_survey *s, int64_t *id,
                                    helby_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT id, def_hash FROM survey WHERE name = ?1", -1, &q,
                           NULL) != SQLITE_OK)
        return helby_store_db_error(st, "finding the survey", err);
    sqlite3_bind_text(q, 1, s->id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    helby_status r = HELBY_OK;
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(q, 0);
        const char *h = (const char *)sqlite3_column_text(q, 1);
        if (!h || strcmp(h, s->hash) != 0)
            r = helby_error_set(err, HELBY_ENOTFOUND,
                                "the stored definition of survey %s differs from the one given: "
                                "run `helby survey add --update` first",
                                s->id);
    } else if (rc == SQLITE_DONE) {
        r = helby_error_set(err, HELBY_ENOTFOUND,
                            "no survey '%s' in the store: add it with `helby survey add DIR`",
                            s->id);
    } else {
        r = helby_store_db_error(st, "finding the survey", err);
    }
    sqlite3_finalize(q);
    return r;
}

/* Integers in int16 range (and empty cells, INT16_MIN) only: codes, waves, most fpc values,
 * written little-endian into b (2 n bytes) in the same pass; 0 at the first other value. */
static int to_int16(const double *v, size_t n, unsigned char *b)
{
    for (size_t i = 0; i < n; i++) {
        double x = v[i];
        int k;
        if (isnan(x))
            k = INT16_MIN;
        else if (x > INT16_MIN && x <= INT16_MAX && (double)(k = (int)x) == x)
            ; /* a whole number: (int) truncates, so only whole numbers compare equal */
        else
            return 0;
        b[2 * i] = (unsigned char)(k & 0xff);
        b[2 * i + 1] = (unsigned char)((k >> 8) & 0xff);
    }
    return 1;
}

static helby_status write_columns(helby_store *st, int64_t wave_id, const helby_frame *f,
                                  helby_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO wave_column(wave_id, variable, position, kind, n, data) "
                           "VALUES (?1, ?2, ?6, ?3, ?4, ?5)",
                           -1, &q, NULL) != SQLITE_OK)
        return helby_store_db_error(st, "storing answers", err);
    double *swapped = NULL;
    unsigned char *i16 = NULL; /* one int16 column at a time: bound, stepped, then reused */
    for (size_t i = 0; i < f->n_cols; i++) {
        const helby_column *c = &f->cols[i];
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, wave_id);
        sqlite3_bind_text(q, 2, c->name, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 3, c->is_text ? 1 : 0);
        sqlite3_bind_int64(q, 4, (sqlite3_int64)f->n_rows);
        sqlite3_bind_int64(q, 6, (sqlite3_int64)i);
        if (c->is_text) {
            sqlite3_bind_blob64(q, 5, c->text_len ? c->text_buf : "", c->text_len, SQLITE_STATIC);
        } else {
            if (!i16 && !(i16 = malloc(f->n_rows * 2 + 1))) {
                sqlite3_finalize(q);
                free(swapped);
                return helby_error_set(err, HELBY_ENOMEM, "out of memory storing answers");
            }
            if (to_int16(c->num, f->n_rows, i16)) {
                sqlite3_bind_int(q, 3, 2);
                sqlite3_bind_blob64(q, 5, i16, f->n_rows * 2, SQLITE_STATIC);
            } else {
                const double *v = c->num;
                if (!helby_host_is_little_endian()) {
                    free(swapped);
                    swapped = malloc(f->n_rows * sizeof *swapped + 1);
                    if (!swapped) {
                        sqlite3_finalize(q);
                        return helby_error_set(err, HELBY_ENOMEM, "out of memory storing answers");
                    }
                    memcpy(swapped, c->num, f->n_rows * sizeof *swapped);
                    helby_swap_doubles(swapped, f->n_rows);
                    v = swapped;
                }
                sqlite3_bind_blob64(q, 5, f->n_rows ? (const void *)v : "",
                                    f->n_rows * sizeof(double), SQLITE_STATIC);
            }
        }
        if (sqlite3_step(q) != SQLITE_DONE) {
            helby_status s = helby_store_db_error(st, "storing answers", err);
            sqlite3_finalize(q);
            free(swapped);
            free(i16);
            return s;
        }
    }
    free(swapped);
    free(i16);
    sqlite3_finalize(q);
    return HELBY_OK;
}

static helby_status check_duplicates(helby_store *st, int64_t survey_id, const char *survey,
                                     const helby_frame *f, const helby_import_record *rec,
                                     int64_t *old_wave_id, int64_t *old_import_id, helby_error *err)
{
    *old_wave_id = 0;
    *old_import_id = 0;
    sqlite3_stmt *q = NULL;
    helby_status s = HELBY_OK;
    if (!rec->replace) {
        if (sqlite3_prepare_v2(
                st->db,
                "SELECT file_name, wave, imported_at FROM import i WHERE survey_id = "
                "?1 AND sha256 = ?2 AND (replaced_by IS NOT NULL OR EXISTS "
                "(SELECT 1 FROM wave w WHERE w.import_id = i.id)) "
                "ORDER BY id DESC LIMIT 1",
                -1, &q, NULL) != SQLITE_OK)
            return helby_store_db_error(st, "checking earlier imports", err);
        sqlite3_bind_int64(q, 1, survey_id);
        sqlite3_bind_text(q, 2, rec->sha256, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
            s = helby_error_set(
                err, HELBY_EEXISTS,
                "%s: this file (sha256 %.12s…) was already imported as %s, wave "
                "%lld, at %s; use --replace to import it again",
                rec->file_name, rec->sha256, (const char *)sqlite3_column_text(q, 0),
                (long long)sqlite3_column_int64(q, 1), (const char *)sqlite3_column_text(q, 2));
        } else if (rc != SQLITE_DONE) {
            s = helby_store_db_error(st, "checking earlier imports", err);
        }
        sqlite3_finalize(q);
        q = NULL;
        if (s)
            return s;
    }
    if (sqlite3_prepare_v2(st->db,
                           "SELECT w.id, w.import_id, i.file_name FROM wave w JOIN import i ON "
                           "i.id = w.import_id WHERE w.survey_id = ?1 AND w.wave = ?2",
                           -1, &q, NULL) != SQLITE_OK)
        return helby_store_db_error(st, "checking earlier imports", err);
    sqlite3_bind_int64(q, 1, survey_id);
    sqlite3_bind_int64(q, 2, f->wave);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        if (!rec->replace)
            s = helby_error_set(err, HELBY_EEXISTS,
                                "%s: wave %ld of survey %s was already imported from %s; use "
                                "--replace to replace it",
                                rec->file_name, f->wave, survey,
                                (const char *)sqlite3_column_text(q, 2));
        *old_wave_id = sqlite3_column_int64(q, 0);
        *old_import_id = sqlite3_column_int64(q, 1);
    } else if (rc != SQLITE_DONE) {
        s = helby_store_db_error(st, "checking earlier imports", err);
    }
    sqlite3_finalize(q);
    return s;
}

helby_status helby_store_write_wave(helby_store *st, const helby_survey *s, const helby_frame *f,
                                    const helby_import_record *rec, int64_t *import_id,
                                    helby_error *err)
{
    helby_status r;
    sqlite3_stmt *q = NULL;
    if (st->readonly)
        return helby_error_set(err, HELBY_ESTORE, "the store is open read-only");
    /* IMMEDIATE: take the write lock now so checks and writes see one state.
     * Inside a caller's transaction, a savepoint makes this write undoable alone. */
    int outer = !sqlite3_get_autocommit(st->db);
    if ((r = helby_store_exec(st, outer ? "SAVEPOINT wave_write" : "BEGIN IMMEDIATE",
                              "starting the import transaction", err)))
        return r;
    int64_t survey_id = 0, old_wave = 0, old_import = 0;
    if ((r = find_survey_row(st, s, &survey_id, err)) ||
        (r = check_duplicates(st, survey_id, s->id, f, rec, &old_wave, &old_import, err)))
        goto rollback;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO import(survey_id, file_name, sha256, bytes, n_rows, wave, "
                           "def_hash, dialect, engine, imported_at) VALUES (?1, ?2, ?3, ?4, ?5, "
                           "?6, ?7, ?8, ?9, strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                           -1, &q, NULL) != SQLITE_OK)
        goto dberr;
    sqlite3_bind_int64(q, 1, survey_id);
    sqlite3_bind_text(q, 2, rec->file_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, rec->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, rec->bytes);
    sqlite3_bind_int64(q, 5, (sqlite3_int64)f->n_rows);
    sqlite3_bind_int64(q, 6, f->wave);
    sqlite3_bind_text(q, 7, s->hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 8, rec->dialect ? rec->dialect : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 9, HELBY_VERSION, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(q);
    q = NULL;
    int64_t new_import = sqlite3_last_insert_rowid(st->db);
    if (old_wave) {
        if (sqlite3_prepare_v2(st->db, "DELETE FROM wave WHERE id = ?1", -1, &q, NULL) != SQLITE_OK)
            goto dberr;
        sqlite3_bind_int64(q, 1, old_wave);
        if (sqlite3_step(q) != SQLITE_DONE)
            goto dberr;
        sqlite3_finalize(q);
        q = NULL;
        if (sqlite3_prepare_v2(st->db, "UPDATE import SET replaced_by = ?2 WHERE id = ?1", -1, &q,
                               NULL) != SQLITE_OK)
            goto dberr;
        sqlite3_bind_int64(q, 1, old_import);
        sqlite3_bind_int64(q, 2, new_import);
        if (sqlite3_step(q) != SQLITE_DONE)
            goto dberr;
        sqlite3_finalize(q);
        q = NULL;
    }
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO wave(survey_id, wave, import_id, n_rows) VALUES (?1, ?2, "
                           "?3, ?4)",
                           -1, &q, NULL) != SQLITE_OK)
        goto dberr;
    sqlite3_bind_int64(q, 1, survey_id);
    sqlite3_bind_int64(q, 2, f->wave);
    sqlite3_bind_int64(q, 3, new_import);
    sqlite3_bind_int64(q, 4, (sqlite3_int64)f->n_rows);
    if (sqlite3_step(q) != SQLITE_DONE)
        goto dberr;
    sqlite3_finalize(q);
    q = NULL;
    int64_t wave_id = sqlite3_last_insert_rowid(st->db);
    if ((r = write_columns(st, wave_id, f, err)) ||
        (r = helby_codes_write_design(st, wave_id, s, f, err)))
        goto rollback;
    if ((r = helby_store_exec(st, outer ? "RELEASE wave_write" : "COMMIT", "committing the import",
                              err)))
        goto rollback;
    if (import_id)
        *import_id = new_import;
    return HELBY_OK;
dberr:
    r = helby_store_db_error(st, "writing the import", err);
rollback:
    sqlite3_finalize(q);
    helby_store_undo(st, outer);
    return r;
}

/* ---- dropping a wave ---- */

/* 1 when the inputs text "2011=sha;2012=sha;weights/2011=sha" names input file wave w. */
static int inputs_name_wave(const char *inputs, long w)
{
    char key[32];
    int n = snprintf(key, sizeof key, "%ld=", w);
    for (const char *p = inputs; p && *p;) {
        if (!strncmp(p, key, (size_t)n))
            return 1;
        p = strchr(p, ';');
        p = p ? p + 1 : NULL;
    }
    return 0;
}

static helby_status survey_row_by_name(helby_store *st, const char *survey, int64_t *id,
                                       helby_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT id FROM survey WHERE name = ?1", -1, &q, NULL) !=
        SQLITE_OK)
        return helby_store_db_error(st, "finding the survey", err);
    sqlite3_bind_text(q, 1, survey, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    helby_status r = HELBY_OK;
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(q, 0);
    else if (rc == SQLITE_DONE)
        r = helby_error_set(err, HELBY_ENOTFOUND, "no survey '%s' in the store", survey);
    else
        r = helby_store_db_error(st, "finding the survey", err);
    sqlite3_finalize(q);
    return r;
}

static helby_status runs_using(helby_store *st, int64_t survey_id, long wave, int64_t **runs,
                               size_t *n, helby_error *err)
{
    sqlite3_stmt *q = NULL;
    *runs = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(st->db, "SELECT id, inputs FROM run WHERE survey_id = ?1 ORDER BY id",
                           -1, &q, NULL) != SQLITE_OK)
        return helby_store_db_error(st, "listing runs", err);
    sqlite3_bind_int64(q, 1, survey_id);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (!inputs_name_wave((const char *)sqlite3_column_text(q, 1), wave))
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            int64_t *p = realloc(*runs, cap * sizeof *p);
            if (!p) {
                sqlite3_finalize(q);
                return helby_error_set(err, HELBY_ENOMEM, "out of memory listing runs");
            }
            *runs = p;
        }
        (*runs)[(*n)++] = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? HELBY_OK : helby_store_db_error(st, "listing runs", err);
}

helby_status helby_store_wave_runs(helby_store *st, const char *survey, long wave, int64_t **runs,
                                   size_t *n, helby_error *err)
{
    int64_t sid = 0;
    *runs = NULL;
    *n = 0;
    helby_status r = survey_row_by_name(st, survey, &sid, err);
    return r ? r : runs_using(st, sid, wave, runs, n, err);
}

void helby_wave_drop_free(helby_wave_drop *d)
{
    if (!d)
        return;
    free(d->runs);
    memset(d, 0, sizeof *d);
}

/* The wave's row, its respondents and its import's file into d; HELBY_ENOTFOUND naming the
 * stored waves when there is none. */
static helby_status find_wave_row(helby_store *st, int64_t sid, const char *survey, long wave,
                                  int64_t *wave_id, helby_wave_drop *d, helby_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT w.id, w.n_rows, i.id, i.file_name FROM wave w JOIN import i ON "
                           "i.id = w.import_id WHERE w.survey_id = ?1 AND w.wave = ?2",
                           -1, &q, NULL) != SQLITE_OK)
        return helby_store_db_error(st, "finding the wave", err);
    sqlite3_bind_int64(q, 1, sid);
    sqlite3_bind_int64(q, 2, wave);
    int rc = sqlite3_step(q);
    helby_status r = HELBY_OK;
    if (rc == SQLITE_ROW) {
        *wave_id = sqlite3_column_int64(q, 0);
        d->n_rows = (size_t)sqlite3_column_int64(q, 1);
        d->import_id = sqlite3_column_int64(q, 2);
        snprintf(d->file_name, sizeof d->file_name, "%s", (const char *)sqlite3_column_text(q, 3));
    } else if (rc == SQLITE_DONE) {
        r = helby_error_set(err, HELBY_ENOTFOUND,
                            "survey %s has no wave %ld in the store (`helby wave list --survey "
                            "%s` lists its waves)",
                            survey, wave, survey);
    } else {
        r = helby_store_db_error(st, "finding the wave", err);
    }
    sqlite3_finalize(q);
    return r;
}

/* "runs 3, 5 and 8" of d into out. */
static void runs_text(const helby_wave_drop *d, char *out, size_t n)
{
    size_t o = (size_t)snprintf(out, n, "run%s ", d->n_runs == 1 ? "" : "s");
    for (size_t i = 0; i < d->n_runs && o < n; i++)
        o += (size_t)snprintf(out + o, n - o, "%s%lld",
                              i == 0               ? ""
                              : i + 1 == d->n_runs ? " and "
                                                   : ", ",
                              (long long)d->runs[i]);
}

/* Delete the wave's weight sets (and their earlier versions) and the wave (its columns and
 * codes go with it: ON DELETE CASCADE); the import record stays as history. */
static helby_status delete_wave(helby_store *st, int64_t sid, long wave, int64_t wave_id,
                                helby_wave_drop *d, helby_error *err)
{
    static const char *const sql[] = {
        "DELETE FROM weight_set WHERE survey_id = ?1 AND wave = ?2",
        "DELETE FROM weight_set_version WHERE survey_id = ?1 AND wave = ?2",
        "DELETE FROM wave WHERE id = ?3",
    };
    for (size_t k = 0; k < sizeof sql / sizeof sql[0]; k++) {
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(st->db, sql[k], -1, &q, NULL) != SQLITE_OK)
            return helby_store_db_error(st, "dropping the wave", err);
        if (k < 2) {
            sqlite3_bind_int64(q, 1, sid);
            sqlite3_bind_int64(q, 2, wave);
        } else {
            sqlite3_bind_int64(q, 3, wave_id);
        }
        int rc = sqlite3_step(q);
        sqlite3_finalize(q);
        if (rc != SQLITE_DONE)
            return helby_store_db_error(st, "dropping the wave", err);
        if (k == 0)
            d->n_weight_sets = (size_t)sqlite3_changes(st->db);
    }
    return HELBY_OK;
}

helby_status helby_store_drop_wave(helby_store *st, const char *survey, long wave, int force,
                                   helby_wave_drop *d, helby_error *err)
{
    memset(d, 0, sizeof *d);
    if (st->readonly)
        return helby_error_set(err, HELBY_ESTORE, "the store is open read-only");
    helby_status r = helby_store_exec(st, "BEGIN IMMEDIATE", "starting the drop", err);
    if (r)
        return r;
    int64_t sid = 0, wave_id = 0;
    if ((r = survey_row_by_name(st, survey, &sid, err)) ||
        (r = find_wave_row(st, sid, survey, wave, &wave_id, d, err)) ||
        (r = runs_using(st, sid, wave, &d->runs, &d->n_runs, err)))
        goto rollback;
    if (d->n_runs && !force) {
        char runs[512];
        runs_text(d, runs, sizeof runs);
        r = helby_error_set(err, HELBY_EEXISTS,
                            "wave %ld of %s is used by %s: once it is dropped, %s can no longer be "
                            "rerun (%s stored estimates stay); give --force to drop it anyway",
                            wave, survey, runs, d->n_runs == 1 ? "that run" : "those runs",
                            d->n_runs == 1 ? "its" : "their");
        goto rollback;
    }
    if ((r = delete_wave(st, sid, wave, wave_id, d, err)) ||
        (r = helby_store_exec(st, "COMMIT", "committing the drop", err)))
        goto rollback;
    return HELBY_OK;
rollback:
    helby_store_undo(st, 0);
    return r;
}
