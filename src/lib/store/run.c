/* run.c — computed runs with provenance in the store (helby/store.h, schemas/002_runs.sql). */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "store/store_internal.h"
#include "base/util_internal.h"

/* -0.0 as 0: SQLite stores a REAL -0.0 as the integer 0, so a -0 estimate would hash and
 * compare differently from the row read back and no rerun could reproduce it (issue 27
 * item 4). NaN stays NaN. */
static double zero(double v)
{
    return v == 0 ? 0.0 : v;
}

void helby_run_rows_zero(helby_run_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        helby_run_row *r = &rows[i];
        r->estimate = zero(r->estimate), r->se = zero(r->se), r->ci_low = zero(r->ci_low);
        r->ci_high = zero(r->ci_high), r->df = zero(r->df), r->deff = zero(r->deff);
    }
}

void helby_run_hash(const helby_run_row *rows, size_t n, char out[65])
{
    helby_buf b = {0};
    char line[512];
    for (size_t i = 0; i < n; i++) {
        const helby_run_row *r = &rows[i];
        int k = snprintf(line, sizeof line, "%s|%s|%a|%a|%a|%a|%a|%a|%lld|%s\n", r->measure,
                         r->domain, zero(r->estimate), zero(r->se), zero(r->ci_low),
                         zero(r->ci_high), zero(r->df), zero(r->deff), (long long)r->n, r->flag);
        if (k > 0 && helby_buf_append(&b, line, (size_t)k < sizeof line ? (size_t)k : 0)) {
            memset(out, 0, 65);
            helby_buf_free(&b);
            return;
        }
    }
    helby_sha256_hex(b.data ? b.data : "", b.len, out);
    helby_buf_free(&b);
}

static helby_status fail_db(helby_store *st, helby_error *err, const char *what)
{
    return helby_error_set(err, HELBY_ESTORE, "store: %s failed: %s", what,
                           sqlite3_errmsg(helby_store_db(st)));
}

static void bind_num(sqlite3_stmt *q, int i, double v)
{
    if (isnan(v))
        sqlite3_bind_null(q, i);
    else
        sqlite3_bind_double(q, i, zero(v));
}

helby_status helby_store_add_run(helby_store *st, const helby_survey *s, helby_run_info *info,
                                 const helby_run_row *rows, size_t n, helby_error *err)
{
    sqlite3 *db = helby_store_db(st);
    helby_run_hash(rows, n, info->result_hash);
    info->n_estimates = (int64_t)n;
    snprintf(info->survey, sizeof info->survey, "%s", s->id);
    snprintf(info->def_hash, sizeof info->def_hash, "%s", s->hash);
    helby_status r = helby_store_exec(st, "BEGIN IMMEDIATE", "starting a run", err);
    if (r)
        return r;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db,
                           /* the next number after every run ever made, dropped ones too */
                           "INSERT INTO run(id, survey_id, def_hash, engine, options, seed, "
                           "inputs, result_hash, n_estimates, created_at) SELECT 1 + max("
                           "(SELECT coalesce(max(id), 0) FROM run), (SELECT coalesce(max(id), 0) "
                           "FROM run_dropped)), id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                           "strftime('%Y-%m-%dT%H:%M:%SZ','now') FROM survey WHERE "
                           "name = ?1 AND def_hash = ?2",
                           -1, &q, NULL) != SQLITE_OK)
        goto dberr;
    sqlite3_bind_text(q, 1, s->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, s->hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, info->engine, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, info->options, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, (sqlite3_int64)info->seed);
    sqlite3_bind_text(q, 6, info->inputs, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, info->result_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 8, (sqlite3_int64)n);
    if (sqlite3_step(q) != SQLITE_DONE)
        goto dberr;
    if (sqlite3_changes(db) != 1) {
        sqlite3_finalize(q);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return helby_error_set(err, HELBY_ENOTFOUND,
                               "survey %s with this definition is not in the store", s->id);
    }
    sqlite3_finalize(q);
    q = NULL;
    info->id = sqlite3_last_insert_rowid(db);
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO run_estimate(run_id, position, measure, domain, estimate, "
                           "se, ci_low, ci_high, df, deff, n, flag) VALUES (?1, ?2, ?3, ?4, ?5, "
                           "?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                           -1, &q, NULL) != SQLITE_OK)
        goto dberr;
    for (size_t i = 0; i < n; i++) {
        const helby_run_row *x = &rows[i];
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, info->id);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
        sqlite3_bind_text(q, 3, x->measure, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, x->domain, -1, SQLITE_STATIC);
        bind_num(q, 5, x->estimate);
        bind_num(q, 6, x->se);
        bind_num(q, 7, x->ci_low);
        bind_num(q, 8, x->ci_high);
        bind_num(q, 9, x->df);
        bind_num(q, 10, x->deff);
        sqlite3_bind_int64(q, 11, x->n);
        sqlite3_bind_text(q, 12, x->flag, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            goto dberr;
    }
    sqlite3_finalize(q);
    if ((r = helby_store_exec(st, "COMMIT", "committing the run", err))) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return r;
    }
    return HELBY_OK;
dberr:
    r = fail_db(st, err, "storing a run");
    sqlite3_finalize(q);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return r;
}

#define RUN_COLUMNS                                                                                \
    "r.id, s.name, r.def_hash, r.engine, r.options, r.seed, r.inputs, r.result_hash, "             \
    "r.n_estimates, r.created_at FROM run r JOIN survey s ON s.id = r.survey_id"

static void read_info(sqlite3_stmt *q, helby_run_info *i)
{
    memset(i, 0, sizeof *i);
    i->id = sqlite3_column_int64(q, 0);
#define TXT(field, col)                                                                            \
    snprintf(i->field, sizeof i->field, "%s",                                                      \
             sqlite3_column_text(q, col) ? (const char *)sqlite3_column_text(q, col) : "")
    TXT(survey, 1);
    TXT(def_hash, 2);
    TXT(engine, 3);
    TXT(options, 4);
    i->seed = (unsigned long long)sqlite3_column_int64(q, 5);
    TXT(inputs, 6);
    TXT(result_hash, 7);
    i->n_estimates = sqlite3_column_int64(q, 8);
    TXT(created_at, 9);
#undef TXT
}

helby_status helby_store_list_runs(helby_store *st, helby_run_info **out, size_t *n,
                                   helby_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(helby_store_db(st), "SELECT " RUN_COLUMNS " ORDER BY r.id", -1, &q,
                           NULL) != SQLITE_OK)
        return fail_db(st, err, "listing runs");
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            helby_run_info *p = realloc(*out, cap * sizeof *p);
            if (!p) {
                free(*out);
                *out = NULL;
                *n = 0;
                sqlite3_finalize(q);
                return helby_error_set(err, HELBY_ENOMEM, "out of memory");
            }
            *out = p;
        }
        read_info(q, &(*out)[(*n)++]);
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? HELBY_OK : fail_db(st, err, "listing runs");
}

static double col_num(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? NAN : sqlite3_column_double(q, i);
}

/* HELBY_ENOTFOUND for run id: dropped (when), or never made. */
static helby_status no_run(helby_store *st, int64_t id, helby_error *err)
{
    sqlite3_stmt *q = NULL;
    char when[32] = "";
    if (sqlite3_prepare_v2(helby_store_db(st), "SELECT dropped_at FROM run_dropped WHERE id = ?1",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, id);
        if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
            snprintf(when, sizeof when, "%s", (const char *)sqlite3_column_text(q, 0));
    }
    sqlite3_finalize(q);
    if (*when)
        return helby_error_set(err, HELBY_ENOTFOUND,
                               "run %lld was dropped (%s, `helby runs drop`): its estimates are "
                               "gone and its number is not given again",
                               (long long)id, when);
    return helby_error_set(err, HELBY_ENOTFOUND, "no run %lld in the store (see `helby runs list`)",
                           (long long)id);
}

helby_status helby_store_drop_run(helby_store *st, int64_t id, helby_error *err)
{
    sqlite3 *db = helby_store_db(st);
    helby_status r = helby_store_exec(st, "BEGIN IMMEDIATE", "dropping a run", err);
    if (r)
        return r;
    sqlite3_stmt *q = NULL;
    static const char *const sql[3] = {
        "INSERT INTO run_dropped(id, survey_id, result_hash, dropped_at) SELECT id, survey_id, "
        "result_hash, strftime('%Y-%m-%dT%H:%M:%SZ','now') FROM run WHERE id = ?1",
        "DELETE FROM run_estimate WHERE run_id = ?1", "DELETE FROM run WHERE id = ?1"};
    for (int k = 0; k < 3; k++) {
        if (sqlite3_prepare_v2(db, sql[k], -1, &q, NULL) != SQLITE_OK)
            goto dberr;
        sqlite3_bind_int64(q, 1, id);
        if (sqlite3_step(q) != SQLITE_DONE)
            goto dberr;
        sqlite3_finalize(q);
        q = NULL;
        if (k == 0 && sqlite3_changes(db) != 1) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return no_run(st, id, err);
        }
    }
    if ((r = helby_store_exec(st, "COMMIT", "committing the drop", err))) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return r;
    }
    return HELBY_OK;
dberr:
    sqlite3_finalize(q);
    r = fail_db(st, err, "dropping a run");
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return r;
}

helby_status helby_store_get_run(helby_store *st, int64_t id, helby_run_info *info,
                                 helby_run_row **rows, size_t *n, helby_error *err)
{
    sqlite3 *db = helby_store_db(st);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "SELECT " RUN_COLUMNS " WHERE r.id = ?1", -1, &q, NULL) != SQLITE_OK)
        return fail_db(st, err, "reading a run");
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(q);
        return rc == SQLITE_DONE ? no_run(st, id, err) : fail_db(st, err, "reading a run");
    }
    read_info(q, info);
    sqlite3_finalize(q);
    if (!rows)
        return HELBY_OK;
    *rows = NULL;
    *n = 0;
    size_t cap = info->n_estimates > 0 ? (size_t)info->n_estimates : 1;
    helby_run_row *v = calloc(cap, sizeof *v);
    if (!v)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    if (sqlite3_prepare_v2(db,
                           "SELECT measure, domain, estimate, se, ci_low, ci_high, df, deff, n, "
                           "flag FROM run_estimate WHERE run_id = ?1 ORDER BY position",
                           -1, &q, NULL) != SQLITE_OK) {
        free(v);
        return fail_db(st, err, "reading a run");
    }
    sqlite3_bind_int64(q, 1, id);
    size_t k = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && k < cap) {
        helby_run_row *r = &v[k++];
        snprintf(r->measure, sizeof r->measure, "%s", (const char *)sqlite3_column_text(q, 0));
        snprintf(r->domain, sizeof r->domain, "%s", (const char *)sqlite3_column_text(q, 1));
        r->estimate = col_num(q, 2);
        r->se = col_num(q, 3);
        r->ci_low = col_num(q, 4);
        r->ci_high = col_num(q, 5);
        r->df = col_num(q, 6);
        r->deff = col_num(q, 7);
        r->n = sqlite3_column_int64(q, 8);
        snprintf(r->flag, sizeof r->flag, "%s", (const char *)sqlite3_column_text(q, 9));
    }
    sqlite3_finalize(q);
    *rows = v;
    *n = k;
    return HELBY_OK;
}
