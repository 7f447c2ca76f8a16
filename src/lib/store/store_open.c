/* store_open.c — opening a store (helby_store_open, helby/store.h): creating the file, SQLite's
 * settings, and the upgrade of an older schema, numbering the design columns of stored waves
 * on the way to schema 4 (codes.c). On top of store.c and codes.c; knows nothing of what is
 * stored. */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helby/store.h"
#include "store/store_internal.h"

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

static helby_status pragma_int(helby_store *st, const char *sql, int *out, helby_error *err)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
        return helby_store_db_error(st, "reading the store header", err);
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(stmt);
        return helby_store_db_error(st, "reading the store header", err);
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

/* 1 if this process may write path and the directory that holds it (SQLite keeps a WAL
 * store's -wal and -shm files beside it). */
static int can_write_beside(const char *path)
{
    if (access(path, W_OK) != 0)
        return 0;
    const char *slash = strrchr(path, '/');
    if (!slash)
        return access(".", W_OK) == 0;
    if (slash == path)
        return access("/", W_OK) == 0;
    size_t n = (size_t)(slash - path);
    char *dir = malloc(n + 1); /* not strndup: its allocation is libc's own (test_faults) */
    if (dir) {
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int ok = dir && access(dir, W_OK) == 0;
    free(dir);
    return ok;
}

/* The URI "file:PATH?mode=ro[&immutable=1]" with PATH percent-encoded (malloc'ed). */
static char *ro_uri(const char *path, int immutable)
{
    size_t n = strlen(path);
    char *u = malloc(3 * n + 32), *o = u;
    if (!u)
        return NULL;
    o += sprintf(o, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (*p == '?' || *p == '#' || *p == '%' || *p <= 0x20 || *p >= 0x7F)
            o += sprintf(o, "%%%02X", *p);
        else
            *o++ = (char)*p;
    }
    sprintf(o, "?mode=ro%s", immutable ? "&immutable=1" : "");
    return u;
}

/* Open path for reading only (helby_store_open's HELBY_OPEN_READONLY), leaving nothing
 * behind: where helby may write beside the store, a read-write connection that refuses
 * writes (query_only), so that closing it removes the -wal and -shm files as the last
 * connection does; elsewhere SQLite's mode=ro, and immutable=1 when the store has no -wal
 * file (every write is in the file: SQLite then needs no -shm, which it cannot create in a
 * directory helby may not write). */
static int open_readonly(helby_store *st, const char *path, int *query_only)
{
    *query_only = can_write_beside(path);
    if (*query_only)
        return sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    size_t n = strlen(path);
    char *wal = malloc(n + 5);
    if (!wal)
        return SQLITE_NOMEM;
    memcpy(wal, path, n);
    memcpy(wal + n, "-wal", 5);
    struct stat sb;
    int has_wal = stat(wal, &sb) == 0;
    free(wal);
    char *uri = ro_uri(path, !has_wal);
    if (!uri)
        return SQLITE_NOMEM;
    int rc = sqlite3_open_v2(uri, &st->db,
                             SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
    free(uri);
    return rc;
}

/* The error of an open that SQLite refused where helby may not write beside the store: the
 * cause in words. */
static helby_status permission_error(helby_store *st, const char *path, helby_error *err)
{
    const char *why = st->db ? sqlite3_errmsg(st->db) : "unable to open database file";
    if (!st->readonly)
        return helby_error_set(err, HELBY_ESTORE,
                               "cannot write store %s: %s. helby may not write the file or its "
                               "directory (SQLite keeps a -wal and a -shm file beside it); "
                               "reading commands still work",
                               path, why);
    return helby_error_set(
        err, HELBY_ESTORE,
        "cannot read store %s: %s. helby may not write in its directory, and the store has a "
        "-wal file (a write not yet merged into it, or one under way) that SQLite reads "
        "only with a %s-shm file it cannot create there; run any helby command on the store "
        "as its owner, or copy %s and %s-wal to a directory you can write",
        path, why, path, path, path);
}

/* The checks of path before SQLite sees it (and, to create, the file made 0600). */
static helby_status check_path(const char *path, helby_open_mode mode, helby_error *err)
{
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
    } else if (S_ISREG(sb.st_mode) && sb.st_size == 0) {
        /* SQLite would take it for an empty database and helby would make it a store: a
         * typo'd --db (or a file truncated by accident) must not become one silently. */
        return helby_error_set(err, HELBY_ESTORE,
                               "store %s is an empty file (0 bytes), not a helby store: give "
                               "the right --db, or remove it and run `helby init`",
                               path);
    }
    return HELBY_OK;
}

/* SQLite's connection to path in st, read once (a file that is not SQLite fails here); the
 * cause named when permissions are why it failed. */
static helby_status connect(helby_store *st, const char *path, helby_error *err)
{
    int query_only = 0;
    int rc = st->readonly ? open_readonly(st, path, &query_only)
                          : sqlite3_open_v2(path, &st->db,
                                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK && !query_only && !can_write_beside(path))
        return permission_error(st, path, err);
    if (rc != SQLITE_OK)
        return helby_error_set(err, (rc & 0xff) == SQLITE_NOMEM ? HELBY_ENOMEM : HELBY_ESTORE,
                               "cannot open store %s: %s", path,
                               st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, 5000);
    /* Any read fails with SQLITE_NOTADB on a file that is not SQLite. */
    int jm_ok = 0;
    helby_status s = pragma_int(st, "PRAGMA schema_version", &jm_ok, err);
    if (s) {
        int x = sqlite3_extended_errcode(st->db);
        if (x == SQLITE_NOTADB)
            return helby_error_set(err, HELBY_ESTORE, "%s is not a helby store (not a SQLite file)",
                                   path);
        if (!query_only && !can_write_beside(path) &&
            ((x & 0xff) == SQLITE_READONLY || (x & 0xff) == SQLITE_CANTOPEN))
            return permission_error(st, path, err);
        return s;
    }
    if (query_only)
        return helby_store_exec(st, "PRAGMA query_only=1;", "opening read-only", err);
    return HELBY_OK;
}

helby_status helby_store_open(helby_store **out, const char *path, helby_open_mode mode,
                              helby_error *err)
{
    *out = NULL;
    if (!path || !*path)
        return helby_error_set(err, HELBY_EUSAGE, "no store path given");
    helby_status s = check_path(path, mode, err);
    if (s)
        return s;
    helby_store *st = calloc(1, sizeof *st);
    if (!st)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory opening the store");
    st->path = strdup(path);
    st->readonly = mode == HELBY_OPEN_READONLY;
    if (!st->path) {
        free(st);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory opening the store");
    }
    if ((s = connect(st, path, err)))
        goto fail;
    /* A new store's pages are 64 KiB, SQLite's largest (set before the file's first write;
     * an existing store keeps its size): a wave's columns are BLOBs of megabytes, written
     * page by page into the WAL and again by the checkpoint, each page two system calls or
     * more. With 4 KiB pages a million respondents were 120,000 calls and 40 % of the
     * import's system time (perf, scripts/bench-import; issue 26). */
    if (mode == HELBY_OPEN_CREATE &&
        (s = helby_store_exec(st, "PRAGMA page_size=65536;", "setting the page size", err)))
        goto fail;
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
        s = helby_store_db_error(st, "opening the store", err);
        goto fail;
    }
    *out = st;
    return HELBY_OK;
fail:
    helby_store_close(st);
    return s;
}

int helby_store_file_mode(const helby_store *st)
{
    struct stat sb;
    if (!st || !st->path || !strcmp(st->path, ":memory:") || stat(st->path, &sb) != 0)
        return -1;
    return (int)(sb.st_mode & 0777);
}
