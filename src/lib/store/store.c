/* store.c — the SQLite store (helby/store.h). */
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

extern const char *const helby_schema_migrations[];
extern const size_t helby_schema_migration_count;

/* The oldest schema a read-only open reads without upgrading: later migrations add only
 * what a reader can compute for itself (004: design codes). */
#define HELBY_SCHEMA_READABLE 3

/* 'HELB': marks a SQLite file as a helby store (PRAGMA application_id). */
#define HELBY_APPLICATION_ID 0x48454C42

#ifndef HELBY_VERSION
#define HELBY_VERSION "0.1.0"
#endif

struct helby_store {
    sqlite3 *db;
    char *path;
    int readonly;
    int schema; /* version after migrate(): the engine's, or older when read-only */
    /* Prepared when the store opens, so undoing a write needs no memory: with memory gone,
     * sqlite3_exec("ROLLBACK") cannot even compile its statement and would leave the
     * transaction open for the next write to join (tests/unit/test_faults.c). */
    sqlite3_stmt *rollback, *rollback_to, *release;
};

static void step_reset(sqlite3_stmt *q)
{
    if (q) {
        sqlite3_step(q);
        sqlite3_reset(q);
    }
}

/* Undo the open transaction (or, with savepoint, this write's savepoint within it). */
static void undo(helby_store *st, int savepoint)
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

static helby_status pragma_int(helby_store *st, const char *sql, int *out, helby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
        return db_error(err, st->db, "reading the store header");
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(stmt);
        return db_error(err, st->db, "reading the store header");
    }
    *out = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return HELBY_OK;
}

static helby_status migrate(helby_store *st, helby_error *err)
{
    int version = 0, app = 0;
    helby_status s;
    if ((s = pragma_int(st, "PRAGMA user_version", &version, err)) ||
        (s = pragma_int(st, "PRAGMA application_id", &app, err)))
        return s;
    if (app != HELBY_APPLICATION_ID && !(app == 0 && version == 0))
        return helby_error_set(err, HELBY_ESTORE, "%s is a SQLite database but not a helby store",
                               st->path);
    if (app == 0 && version == 0) {
        /* A fresh file must be empty: never adopt someone else's database. */
        int tables = 0;
        if ((s = pragma_int(st, "SELECT count(*) FROM sqlite_master", &tables, err)))
            return s;
        if (tables > 0)
            return helby_error_set(err, HELBY_ESTORE,
                                   "%s is a SQLite database but not a helby store", st->path);
    }
    int target = (int)helby_schema_migration_count;
    if (version > target)
        return helby_error_set(err, HELBY_ESTORE,
                               "%s has schema version %d, newer than this helby (%s) "
                               "understands (%d): use a newer helby",
                               st->path, version, HELBY_VERSION, target);
    st->schema = version;
    if (version < target && st->readonly && version >= HELBY_SCHEMA_READABLE)
        return HELBY_OK;
    if (version < target && st->readonly)
        return helby_error_set(err, HELBY_ESTORE,
                               "%s has schema version %d and needs upgrading to %d: "
                               "open it once read-write",
                               st->path, version, target);
    for (int v = version; v < target; v++) {
        if ((s = helby_store_exec(st, "BEGIN IMMEDIATE", "starting a migration", err)))
            return s;
        char pragma[96];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d; PRAGMA application_id = %d;",
                 v + 1, HELBY_APPLICATION_ID);
        /* Waves stored before schema 4 get their design codes in the upgrade's transaction,
         * so a store at version 4 has them for every wave (helby_store_load_codes). */
        if ((s = helby_store_exec(st, helby_schema_migrations[v], "applying a schema migration",
                                  err)) ||
            (v + 1 == HELBY_SCHEMA_CODES && (s = helby_codes_backfill(st, err))) ||
            (s = helby_store_exec(st, pragma, "recording the schema version", err))) {
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            return s;
        }
        if ((s = helby_store_exec(st, "COMMIT", "committing a migration", err))) {
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            return s;
        }
        st->schema = v + 1;
    }
    return HELBY_OK;
}

helby_status helby_store_open(helby_store **out, const char *path, helby_open_mode mode,
                              helby_error *err)
{
    *out = NULL;
    if (!path || !*path)
        return helby_error_set(err, HELBY_EUSAGE, "no store path given");
    struct stat sb;
    /* ":memory:" is SQLite's private in-memory database (tests and fuzzing): no file. */
    int in_memory = strcmp(path, ":memory:") == 0;
    int exists = !in_memory && stat(path, &sb) == 0;
    if (in_memory) {
        if (mode == HELBY_OPEN_READONLY)
            return helby_error_set(err, HELBY_EUSAGE, "an in-memory store cannot be read-only");
    } else if (mode == HELBY_OPEN_CREATE) {
        if (exists)
            return helby_error_set(err, HELBY_EEXISTS, "%s already exists", path);
        /* Create the file ourselves so it is 0600 whatever the umask; SQLite
         * gives its -wal and -shm files the same mode. */
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd < 0)
            return helby_error_set(err, HELBY_EIO, "cannot create %s: %s", path, strerror(errno));
        fchmod(fd, 0600);
        close(fd);
    } else if (!exists) {
        return helby_error_set(err, HELBY_ENOTFOUND,
                               "store %s does not exist (create it with `helby init`)", path);
    } else if (S_ISDIR(sb.st_mode)) {
        return helby_error_set(err, HELBY_ESTORE, "store %s is a directory", path);
    }

    helby_store *st = calloc(1, sizeof *st);
    if (!st)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory opening the store");
    st->path = strdup(path);
    st->readonly = mode == HELBY_OPEN_READONLY;
    if (!st->path) {
        free(st);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory opening the store");
    }
    int flags = st->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    int rc = sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    helby_status s = HELBY_OK;
    if (rc != SQLITE_OK) {
        s = helby_error_set(err, (rc & 0xff) == SQLITE_NOMEM ? HELBY_ENOMEM : HELBY_ESTORE,
                            "cannot open store %s: %s", path,
                            st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, 5000);
    /* Any read fails with SQLITE_NOTADB on a file that is not SQLite. */
    int jm_ok = 0;
    if ((s = pragma_int(st, "PRAGMA schema_version", &jm_ok, err))) {
        if (sqlite3_extended_errcode(st->db) == SQLITE_NOTADB)
            s = helby_error_set(err, HELBY_ESTORE, "%s is not a helby store (not a SQLite file)",
                                path);
        goto fail;
    }
    /* WAL: readers never block the importer; synchronous=FULL so a committed
     * import survives a power cut, not only a killed process. */
    if (!st->readonly &&
        (s = helby_store_exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
                              "setting the journal mode", err)))
        goto fail;
    /* No memory map: measured no faster for column loads here (scripts/bench), and with
     * one an I/O error would arrive as SIGBUS instead of an error code. */
    if ((s = helby_store_exec(st, "PRAGMA foreign_keys=ON; PRAGMA mmap_size=0;",
                              "enabling foreign keys", err)))
        goto fail;
    if ((s = migrate(st, err)))
        goto fail;
    if (sqlite3_prepare_v2(st->db, "ROLLBACK", -1, &st->rollback, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(st->db, "ROLLBACK TO wave_write", -1, &st->rollback_to, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(st->db, "RELEASE wave_write", -1, &st->release, NULL) != SQLITE_OK) {
        s = db_error(err, st->db, "opening the store");
        goto fail;
    }
    *out = st;
    return HELBY_OK;
fail:
    helby_store_close(st);
    return s;
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
        undo(st, 0);
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
        undo(st, 0);
        return rc;
    }
    if (changed)
        *changed = 1;
    return HELBY_OK;
dberr:
    rc = db_error(err, st->db, "storing the survey definition");
    sqlite3_finalize(q);
    undo(st, 0);
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

/* Column BLOBs are little-endian doubles; swap on a big-endian host. */
static int host_is_little_endian(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

static void swap_doubles(double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char *b = (unsigned char *)&v[i];
        for (int k = 0; k < 4; k++) {
            unsigned char t = b[k];
            b[k] = b[7 - k];
            b[7 - k] = t;
        }
    }
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
        if (!host_is_little_endian())
            swap_doubles(c->num, n);
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

static helby_status find_survey_row(helby_store *st, const helby_survey *s, int64_t *id,
                                    helby_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT id, def_hash FROM survey WHERE name = ?1", -1, &q,
                           NULL) != SQLITE_OK)
        return db_error(err, st->db, "finding the survey");
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
        r = db_error(err, st->db, "finding the survey");
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
        return db_error(err, st->db, "storing answers");
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
                if (!host_is_little_endian()) {
                    free(swapped);
                    swapped = malloc(f->n_rows * sizeof *swapped + 1);
                    if (!swapped) {
                        sqlite3_finalize(q);
                        return helby_error_set(err, HELBY_ENOMEM, "out of memory storing answers");
                    }
                    memcpy(swapped, c->num, f->n_rows * sizeof *swapped);
                    swap_doubles(swapped, f->n_rows);
                    v = swapped;
                }
                sqlite3_bind_blob64(q, 5, f->n_rows ? (const void *)v : "",
                                    f->n_rows * sizeof(double), SQLITE_STATIC);
            }
        }
        if (sqlite3_step(q) != SQLITE_DONE) {
            helby_status s = db_error(err, st->db, "storing answers");
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
            return db_error(err, st->db, "checking earlier imports");
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
            s = db_error(err, st->db, "checking earlier imports");
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
        return db_error(err, st->db, "checking earlier imports");
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
        s = db_error(err, st->db, "checking earlier imports");
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
    r = db_error(err, st->db, "writing the import");
rollback:
    sqlite3_finalize(q);
    undo(st, outer);
    return r;
}

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
    undo(st, 0);
}
