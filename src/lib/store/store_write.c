/* store_write.c — a wave written to the store (helby_store_write_wave, helby/store.h): its
 * import record, its columns and its design codes (codes.c), all or nothing, replacing an
 * earlier import of the same wave. On top of store.c and codes.c. */
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

/* Integers in int16 range (and empty cells) only: codes, waves, most fpc values. */
static int fits_int16(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]) && !(v[i] == floor(v[i]) && v[i] > INT16_MIN && v[i] <= INT16_MAX))
            return 0;
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
            if (fits_int16(c->num, f->n_rows)) {
                free(swapped);
                swapped = malloc(f->n_rows * 2 + 1);
                if (!swapped) {
                    sqlite3_finalize(q);
                    return helby_error_set(err, HELBY_ENOMEM, "out of memory storing answers");
                }
                unsigned char *b = (unsigned char *)swapped;
                for (size_t k = 0; k < f->n_rows; k++) {
                    int v = isnan(c->num[k]) ? INT16_MIN : (int)c->num[k];
                    b[2 * k] = (unsigned char)(v & 0xff);
                    b[2 * k + 1] = (unsigned char)((v >> 8) & 0xff);
                }
                sqlite3_bind_int(q, 3, 2);
                sqlite3_bind_blob64(q, 5, b, f->n_rows * 2, SQLITE_STATIC);
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
            return s;
        }
    }
    free(swapped);
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
        if (sqlite3_prepare_v2(st->db,
                               "SELECT file_name, wave, imported_at FROM import WHERE survey_id = "
                               "?1 AND sha256 = ?2 ORDER BY id DESC LIMIT 1",
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
