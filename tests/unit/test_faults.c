/* test_faults.c — fault injection into an import (src/lib/ingest/ingest.c, csv.c, store.c,
 * store_write.c).
 *
 * Allocations: the program is linked with -Wl,--wrap for malloc, calloc, realloc, strdup,
 * posix_memalign and free, and SQLite gets counting allocators through
 * sqlite3_config(SQLITE_CONFIG_MALLOC), so every allocation an import makes — libhelby's and
 * SQLite's — goes through one counter. A clean import is counted first (N allocations);
 * then for k = 1..N the import is repeated with the k-th allocation failing, and again with
 * allocations failing at random (seeded). I/O: a VFS shim around the default VFS makes the
 * k-th read, write, truncate or sync fail with SQLITE_IOERR, or every write from the k-th on
 * fail with SQLITE_FULL (a full disk).
 *
 * Each time helby must either import the whole file or return a clear error (out of
 * memory, or a store error naming the failure), leak nothing (live allocations counted
 * before and after), and leave the store as it was: a SHA-256 over the rows of every table,
 * read with injection off, must equal the one before, and the store must pass
 * PRAGMA integrity_check and accept the same import afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helby/ingest.h"
#include "helby/store.h"
#include "helby/survey.h"
#include "store/store_internal.h"

#define COPENHAGEN HELBY_SOURCE_ROOT "/surveys/copenhagen"

/* ---- counting allocator ---- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t m, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
int __real_posix_memalign(void **p, size_t a, size_t n);
void __real_free(void *p);

static struct {
    int counting;          /* count (and maybe fail) allocations */
    unsigned long calls;   /* allocation calls while counting */
    unsigned long fail_at; /* fail this call (1-based); 0: none */
    unsigned long seed;    /* fail at random when non-zero (1 in 40) */
    int persist;           /* fail every call from fail_at on (memory has run out) */
    unsigned long failed;  /* calls made to fail */
    long live;             /* helby's allocations not yet freed */
    long sqlite_live;      /* SQLite's */
    void *sites[4096];     /* distinct callers of the wrapped allocators */
    size_t n_sites;
    int record_sites;
} A;

static int should_fail(void)
{
    if (!A.counting)
        return 0;
    A.calls++;
    int fail = A.persist ? A.fail_at && A.calls >= A.fail_at : A.fail_at == A.calls;
    if (A.seed) {
        A.seed = A.seed * 6364136223846793005UL + 1442695040888963407UL;
        fail |= (A.seed >> 33) % 40 == 0;
    }
    A.failed += fail;
    return fail;
}

static void note_site(void *caller)
{
    if (!A.record_sites || !A.counting)
        return;
    for (size_t i = 0; i < A.n_sites; i++)
        if (A.sites[i] == caller)
            return;
    if (A.n_sites < sizeof A.sites / sizeof A.sites[0])
        A.sites[A.n_sites++] = caller;
}

void *__wrap_malloc(size_t n)
{
    note_site(__builtin_return_address(0));
    if (should_fail())
        return NULL;
    void *p = __real_malloc(n);
    A.live += p != NULL;
    return p;
}

void *__wrap_calloc(size_t m, size_t n)
{
    note_site(__builtin_return_address(0));
    if (should_fail())
        return NULL;
    void *p = __real_calloc(m, n);
    A.live += p != NULL;
    return p;
}

void *__wrap_realloc(void *q, size_t n)
{
    note_site(__builtin_return_address(0));
    if (should_fail())
        return NULL;
    void *p = __real_realloc(q, n);
    A.live += p != NULL && q == NULL;
    return p;
}

char *__wrap_strdup(const char *s)
{
    note_site(__builtin_return_address(0));
    if (should_fail())
        return NULL;
    char *p = __real_strdup(s);
    A.live += p != NULL;
    return p;
}

int __wrap_posix_memalign(void **p, size_t a, size_t n)
{
    note_site(__builtin_return_address(0));
    if (should_fail())
        return 12; /* ENOMEM */
    int r = __real_posix_memalign(p, a, n);
    A.live += r == 0;
    return r;
}

void __wrap_free(void *p)
{
    A.live -= p != NULL;
    __real_free(p);
}

/* SQLite's allocations, through its own hook. */
static sqlite3_mem_methods sqlite_default;

static void *sq_malloc(int n)
{
    if (should_fail())
        return NULL;
    void *p = sqlite_default.xMalloc(n);
    A.sqlite_live += p != NULL;
    return p;
}

static void sq_free(void *p)
{
    A.sqlite_live -= p != NULL;
    sqlite_default.xFree(p);
}

static void *sq_realloc(void *p, int n)
{
    if (should_fail())
        return NULL;
    return sqlite_default.xRealloc(p, n);
}

static int sq_size(void *p)
{
    return sqlite_default.xSize(p);
}

static int sq_roundup(int n)
{
    return sqlite_default.xRoundup(n);
}

static int sq_init(void *x)
{
    return sqlite_default.xInit(x);
}

static void sq_shutdown(void *x)
{
    sqlite_default.xShutdown(x);
}

/* ---- faulty VFS: the default one, with I/O errors on demand ---- */

static struct {
    int counting;
    unsigned long ops;     /* reads, writes, truncates and syncs while counting */
    unsigned long writes;  /* of which writes */
    unsigned long fail_at; /* 1-based op (full: write) to fail; 0: none */
    int full;              /* 1: writes from the fail_at-th on report a full disk */
    unsigned long failed;
} IO;

typedef struct shim_file {
    sqlite3_file base;
    sqlite3_file *real;
} shim_file;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs shim_vfs;

static int io_fail(int is_write)
{
    if (!IO.counting)
        return 0;
    IO.ops++;
    IO.writes += is_write;
    int fail = IO.full ? is_write && IO.fail_at && IO.writes >= IO.fail_at : IO.ops == IO.fail_at;
    IO.failed += fail;
    return fail;
}

#define REAL(f) (((shim_file *)(f))->real)

static int x_close(sqlite3_file *f)
{
    int rc = REAL(f)->pMethods ? REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;
    return rc;
}

static int x_read(sqlite3_file *f, void *b, int n, sqlite3_int64 off)
{
    if (io_fail(0))
        return SQLITE_IOERR_READ;
    return REAL(f)->pMethods->xRead(REAL(f), b, n, off);
}

static int x_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 off)
{
    if (io_fail(1))
        return IO.full ? SQLITE_FULL : SQLITE_IOERR_WRITE;
    return REAL(f)->pMethods->xWrite(REAL(f), b, n, off);
}

static int x_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    if (io_fail(0))
        return SQLITE_IOERR_TRUNCATE;
    return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int x_sync(sqlite3_file *f, int flags)
{
    if (io_fail(0))
        return SQLITE_IOERR_FSYNC;
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int x_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int x_lock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xLock(REAL(f), l);
}

static int x_unlock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), l);
}

static int x_check_lock(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int x_control(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int x_sector(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int x_device(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int x_shm_map(sqlite3_file *f, int pg, int sz, int extend, void volatile **p)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, extend, p);
}

static int x_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}

static void x_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int x_shm_unmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static const sqlite3_io_methods shim_methods = {
    2,          x_close,       x_read,       x_write,   x_truncate, x_sync,   x_file_size,
    x_lock,     x_unlock,      x_check_lock, x_control, x_sector,   x_device, x_shm_map,
    x_shm_lock, x_shm_barrier, x_shm_unmap,  NULL,      NULL};

static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
    (void)vfs;
    shim_file *s = (shim_file *)f;
    s->real = (sqlite3_file *)(s + 1);
    memset(s->real, 0, (size_t)real_vfs->szOsFile);
    int rc = real_vfs->xOpen(real_vfs, name, s->real, flags, out_flags);
    f->pMethods = s->real->pMethods ? &shim_methods : NULL;
    return rc;
}

static void install_vfs(void)
{
    real_vfs = sqlite3_vfs_find(NULL);
    shim_vfs = *real_vfs;
    shim_vfs.zName = "helby-faulty";
    shim_vfs.szOsFile = (int)sizeof(shim_file) + real_vfs->szOsFile;
    shim_vfs.xOpen = shim_open;
    sqlite3_vfs_register(&shim_vfs, 1);
}

/* ---- the store, before and after ---- */

static char tmpdir[256], pristine[300], work[300], input[300];
static int input_rows = 8; /* rows of the file imported */
static helby_survey *survey;
static int in_transaction; /* import inside helby_store_begin / commit */

/* HELBY_FAULTS_VERBOSE=1 prints every run. */
static void copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    assert_non_null(a);
    assert_non_null(b);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, a)) > 0)
        assert_int_equal(fwrite(buf, 1, n, b), n);
    fclose(a);
    fclose(b);
    char side[320];
    snprintf(side, sizeof side, "%s-wal", to);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", to);
    unlink(side);
}

/* SHA-256 over every row of every table (name order, key order), and integrity_check. */
static void store_digest(const char *path, char out[65])
{
    sqlite3 *db = NULL;
    /* Through the real VFS: the shim must not decide what the check sees. */
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, "unix"), SQLITE_OK);
    sqlite3_stmt *q = NULL, *t = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
    sqlite3_finalize(q);
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    assert_non_null(buf);
#define PUT(p, n)                                                                                  \
    do {                                                                                           \
        size_t n_ = (n);                                                                           \
        while (len + n_ + 1 > cap)                                                                 \
            buf = realloc(buf, cap *= 2);                                                          \
        assert_non_null(buf);                                                                      \
        memcpy(buf + len, (p), n_);                                                                \
        len += n_;                                                                                 \
        buf[len++] = 0x1f;                                                                         \
    } while (0)
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT name FROM sqlite_master WHERE type = 'table' "
                                        "AND name NOT LIKE 'sqlite_%' ORDER BY name",
                                        -1, &q, NULL),
                     SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY rowid", name);
        PUT(name, strlen(name));
        if (sqlite3_prepare_v2(db, sql, -1, &t, NULL) != SQLITE_OK) {
            /* WITHOUT ROWID: a scan is in primary-key order. */
            snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", name);
            assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &t, NULL), SQLITE_OK);
        }
        while (sqlite3_step(t) == SQLITE_ROW)
            for (int c = 0; c < sqlite3_column_count(t); c++) {
                const void *v = sqlite3_column_blob(t, c);
                PUT(v ? v : "", (size_t)sqlite3_column_bytes(t, c));
            }
        sqlite3_finalize(t);
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    helby_sha256_hex(buf, len, out);
    free(buf);
}

static size_t waves_in(const char *path)
{
    helby_store *st;
    helby_error err;
    assert_int_equal(helby_store_open(&st, path, HELBY_OPEN_EXISTING, &err), HELBY_OK);
    helby_wave_info *w = NULL;
    size_t n = 0;
    assert_int_equal(helby_store_list_waves(st, "copenhagen", &w, &n, &err), HELBY_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(w[i].n_rows, input_rows);
    free(w);
    helby_store_close(st);
    return n;
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/helby-test-faults-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(pristine, sizeof pristine, "%s/pristine.db", tmpdir);
    snprintf(work, sizeof work, "%s/work.db", tmpdir);
    snprintf(input, sizeof input, "%s/wave 2013 (Østerbro).csv", tmpdir);
    /* Eight rows of the example's 2013 wave. */
    FILE *in = fopen(COPENHAGEN "/example/wave_2013.csv", "rb"), *out = fopen(input, "wb");
    if (!in || !out)
        return -1;
    char line[4096];
    for (int i = 0; i < 9 && fgets(line, sizeof line, in); i++)
        fputs(line, out);
    fclose(in);
    fclose(out);
    helby_error err;
    helby_store *st;
    if (helby_survey_load(&survey, COPENHAGEN, &err) ||
        helby_store_open(&st, pristine, HELBY_OPEN_CREATE, &err) ||
        helby_store_add_survey(st, survey, 0, NULL, &err))
        return -1;
    helby_store_close(st);
    return 0;
}

/* Each test starts with no fault armed, whatever the last one left when it failed. */
static int disarm(void **state)
{
    (void)state;
    A.counting = A.persist = 0;
    A.fail_at = A.seed = 0;
    in_transaction = 0;
    IO.counting = IO.full = 0;
    IO.fail_at = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    helby_survey_free(survey);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd);
}

/* One import into a fresh copy of the pristine store with the faults armed in A / IO.
 * Returns the status; checks the error, leaks and the store. */
static helby_status import_once(const char *before_digest, int *imported)
{
    /* A new file each time: nothing the last run left in this process can touch it. */
    static unsigned long runs;
    unlink(work);
    snprintf(work, sizeof work, "%s/work-%lu.db", tmpdir, ++runs);
    copy_file(pristine, work);
    long live = A.live, sqlite_live = A.sqlite_live;
    helby_store *st;
    helby_error err;
    assert_int_equal(helby_store_open(&st, work, HELBY_OPEN_EXISTING, &err), HELBY_OK);
    helby_import_options opt;
    helby_import_options_default(&opt);
    helby_import_summary sum;
    memset(&sum, 0, sizeof sum);
    helby_error_list errs;
    A.calls = IO.ops = IO.writes = 0;
    A.counting = IO.counting = 1;
    helby_error_list_init(&errs, 10);
    helby_status r;
    if (in_transaction) {
        /* As `helby import` does with several files: one transaction, the write joining it
         * with a savepoint; the caller commits or rolls back. */
        r = helby_store_begin(st, &err);
        if (!r)
            r = helby_import_file(st, survey, input, &opt, &sum, &errs, &err);
        if (!r)
            r = helby_store_commit(st, &err);
        else
            helby_store_rollback(st);
    } else {
        r = helby_import_file(st, survey, input, &opt, &sum, &errs, &err);
    }
    helby_error_list_free(&errs);
    helby_import_summary_free(&sum);
    A.counting = IO.counting = 0;
    if (getenv("HELBY_FAULTS_VERBOSE"))
        print_message("alloc fail_at %lu (%lu failed), io fail_at %lu (%lu failed): status %d %s\n",
                      A.fail_at, A.failed, IO.fail_at, IO.failed, r, r ? err.message : "");
    if (r != HELBY_OK) {
        /* A clear error: out of memory, or a store error with SQLite's words. */
        if (!(r == HELBY_ENOMEM || r == HELBY_ESTORE) || err.code != r || !err.message[0]) {
            char msg[2048];
            print_error("import failed with status %d: %s\n", r,
                        helby_error_format(&err, msg, sizeof msg));
            fail();
        }
    }
    for (sqlite3_stmt *q = sqlite3_next_stmt(helby_store_db(st), NULL); q;
         q = sqlite3_next_stmt(helby_store_db(st), q))
        if (sqlite3_stmt_busy(q)) {
            print_error("statement left running: %s\n", sqlite3_sql(q));
            fail();
        }
    if (!sqlite3_get_autocommit(helby_store_db(st))) {
        print_error("transaction left open (status %d)\n", r);
        fail();
    }
    helby_store_close(st);
    if (A.live != live || A.sqlite_live != sqlite_live) {
        print_error("leak: %ld helby and %ld SQLite allocations more than before (status %d)\n",
                    A.live - live, A.sqlite_live - sqlite_live, r);
        fail();
    }
    char after[65];
    store_digest(work, after);
    size_t n = waves_in(work);
    if (r == HELBY_OK) {
        assert_int_equal(n, 1);
        assert_string_not_equal(after, before_digest);
    } else {
        assert_int_equal(n, 0);
        if (strcmp(after, before_digest) != 0) {
            print_error("store changed by a failed import (status %d: %s)\n", r, err.message);
            fail();
        }
    }
    *imported = r == HELBY_OK;
    return r;
}

/* The clean import: how many allocations and I/O operations it makes. */
static void count_clean(unsigned long *allocs, unsigned long *ios, unsigned long *writes,
                        size_t *sites)
{
    char before[65];
    store_digest(pristine, before);
    int ok;
    A.fail_at = IO.fail_at = 0;
    A.seed = 0;
    A.record_sites = 1;
    A.n_sites = 0;
    assert_int_equal(import_once(before, &ok), HELBY_OK);
    A.record_sites = 0;
    *allocs = A.calls;
    *ios = IO.ops;
    *writes = IO.writes;
    *sites = A.n_sites;
}

static void run_allocation_faults(int persist)
{
    unsigned long n, ios, writes;
    size_t sites;
    count_clean(&n, &ios, &writes, &sites);
    assert_true(n > 10);
    char before[65];
    store_digest(pristine, before);
    unsigned long nomem = 0, store_err = 0, fine = 0;
    A.persist = persist;
    for (unsigned long k = 1; k <= n; k++) {
        A.fail_at = k;
        A.failed = 0;
        int ok;
        helby_status r = import_once(before, &ok);
        assert_true(A.failed >= 1);
        nomem += r == HELBY_ENOMEM;
        store_err += r == HELBY_ESTORE;
        fine += ok;
    }
    A.fail_at = 0;
    A.persist = 0;
    print_message("%s%s: %lu allocations (from %zu call sites in libhelby and libcsv, the rest "
                  "SQLite's), failing at each in turn: %lu out of memory, %lu store errors, %lu "
                  "imports that recovered and succeeded\n",
                  persist ? "memory running out" : "one allocation failing",
                  in_transaction ? " (import in a transaction)" : "", n, sites, nomem, store_err,
                  fine);
    /* Most allocations are needed: failing them must fail the import. */
    assert_true(nomem > n / 2);
}

static void import_survives_each_allocation_failing_in_turn(void **state)
{
    (void)state;
    run_allocation_faults(0);
}

/* Issue 27: under memory pressure an import said "1 more error" and not which: the error
 * list counted an error it had no memory to store. It keeps that one without allocating. */
static void an_error_list_keeps_an_error_it_has_no_memory_for(void **state)
{
    (void)state;
    helby_error_list l;
    helby_error_list_init(&l, 10);
    helby_error e;
    helby_error_at(&e, HELBY_EINPUT, "wave.csv", 3, 2, "alder", "'x' is not a number");
    A.calls = 0;
    A.fail_at = 1;
    A.persist = 1;
    A.counting = 1;
    helby_status r = helby_error_list_add(&l, &e);
    A.counting = A.persist = 0;
    A.fail_at = 0;
    assert_int_equal(r, HELBY_ENOMEM);
    assert_int_equal(l.total, 1);
    assert_int_equal(l.count, 0);
    assert_true(l.has_unstored);
    assert_string_equal(l.unstored.file, "wave.csv");
    assert_int_equal(l.unstored.line, 3);
    assert_string_equal(l.unstored.message, "'x' is not a number");
    helby_error_list_free(&l);
    assert_false(l.has_unstored);
}

static void import_survives_memory_running_out_at_each_allocation(void **state)
{
    (void)state;
    run_allocation_faults(1);
}

static void import_in_a_transaction_survives_each_allocation_failing_in_turn(void **state)
{
    (void)state;
    in_transaction = 1;
    run_allocation_faults(0);
    in_transaction = 0;
}

/* The same through the ReadStat path (src/lib/ingest/ingest_readstat.c): an SPSS file of 20 rows
 * (tests/data/readstat/). ReadStat's own allocations are not wrapped (a shared library);
 * helby's around them are. */
static void spss_import_survives_each_allocation_failing_in_turn(void **state)
{
    (void)state;
    char saved[300];
    snprintf(saved, sizeof saved, "%s", input);
    snprintf(input, sizeof input, "%s/wave 2011.sav", tmpdir);
    FILE *in = fopen(HELBY_SOURCE_ROOT "/tests/data/readstat/wave_2011_head.sav", "rb");
    FILE *out = fopen(input, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
    input_rows = 20;
    run_allocation_faults(0);
    input_rows = 8;
    snprintf(input, sizeof input, "%s", saved);
}

static void import_survives_allocations_failing_at_random(void **state)
{
    (void)state;
    char before[65];
    store_digest(pristine, before);
    unsigned long failed = 0, runs = 0;
    for (unsigned long seed = 1; seed <= 60; seed++) {
        A.seed = seed;
        A.failed = 0;
        int ok;
        import_once(before, &ok);
        failed += A.failed;
        runs++;
    }
    A.seed = 0;
    print_message("random allocation faults: %lu runs (seeds 1..60, 1 in 40), %lu allocations "
                  "failed\n",
                  runs, failed);
    /* Every run met a failure (an import stops at its first: the count beyond one per run
     * depends only on where SQLite happens to recover, 61 before issue 26's stream, 60 after). */
    assert_true(failed >= runs);
}

/* Loading a survey definition and opening a store, each allocation failing in turn: out of
 * memory, nothing leaked. */
static void run_open_faults(int what, unsigned long *n_out, unsigned long *nomem_out)
{
    unsigned long nomem = 0;
    for (unsigned long k = 0;; k++) {
        long live = A.live, sqlite_live = A.sqlite_live;
        helby_error err;
        helby_status r;
        A.fail_at = k;
        A.failed = 0;
        A.calls = 0;
        A.counting = 1;
        if (what == 0) {
            helby_survey *s = NULL;
            r = helby_survey_load(&s, COPENHAGEN, &err);
            A.counting = 0;
            if (r == HELBY_OK)
                assert_string_equal(s->hash, survey->hash);
            else
                assert_null(s);
            helby_survey_free(s);
        } else {
            helby_store *st = NULL;
            r = helby_store_open(&st, pristine, HELBY_OPEN_EXISTING, &err);
            A.counting = 0;
            if (r == HELBY_OK)
                assert_non_null(st);
            else
                assert_null(st);
            helby_store_close(st);
        }
        if (r != HELBY_OK && !(r == HELBY_ENOMEM && err.code == r && err.message[0])) {
            print_error("failing allocation %lu: status %d: %s\n", k, r, err.message);
            fail();
        }
        if (A.live != live || A.sqlite_live != sqlite_live) {
            print_error("leak: %ld helby and %ld SQLite allocations (failing allocation %lu)\n",
                        A.live - live, A.sqlite_live - sqlite_live, k);
            fail();
        }
        nomem += r == HELBY_ENOMEM;
        if (getenv("HELBY_FAULTS_VERBOSE"))
            print_message("open faults: failing allocation %lu: status %d\n", k, r);
        if (k == 0) {
            assert_int_equal(r, HELBY_OK);
            *n_out = A.calls;
        } else if (k >= *n_out) {
            break;
        }
    }
    A.fail_at = 0;
    *nomem_out = nomem;
}

static void loading_a_survey_survives_each_allocation_failing_in_turn(void **state)
{
    (void)state;
    unsigned long n, nomem;
    run_open_faults(0, &n, &nomem);
    print_message("survey load: %lu allocations, each failed in turn: %lu out of memory\n", n,
                  nomem);
    assert_true(nomem > 0);
}

static void opening_a_store_survives_each_allocation_failing_in_turn(void **state)
{
    (void)state;
    unsigned long n, nomem;
    run_open_faults(1, &n, &nomem);
    print_message("store open: %lu allocations, each failed in turn: %lu out of memory\n", n,
                  nomem);
    assert_true(nomem > 0);
}

/* A schema-3 store (before schemas/004_codes.sql) holding the eight-row wave. */
static void make_schema3_store(const char *path)
{
    copy_file(pristine, path);
    helby_store *st;
    helby_error err;
    assert_int_equal(helby_store_open(&st, path, HELBY_OPEN_EXISTING, &err), HELBY_OK);
    helby_import_options opt;
    helby_import_options_default(&opt);
    helby_import_summary sum;
    memset(&sum, 0, sizeof sum);
    helby_error_list errs;
    helby_error_list_init(&errs, 10);
    assert_int_equal(helby_import_file(st, survey, input, &opt, &sum, &errs, &err), HELBY_OK);
    helby_error_list_free(&errs);
    helby_import_summary_free(&sum);
    helby_store_close(st);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, "unix"), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE wave_codes; DROP TABLE IF EXISTS weight_set_version; "
                                  "DROP TABLE run_dropped; "
                                  "PRAGMA user_version = 3;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
}

static int user_version(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, "unix"), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int v = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static int codes_rows(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, "unix"), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM wave_codes", -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int v = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

/* Upgrading a schema-3 store (migration 004 and the design codes of its wave, one
 * transaction) with each allocation (io = 0) or each I/O operation (io = 1) failing in turn:
 * a clear error, nothing leaked, and the store still at schema 3 exactly as it was, or (a
 * failure after the upgrade's commit) upgraded whole. */
static void run_upgrade_faults(int io)
{
    char old[300], before[65];
    snprintf(old, sizeof old, "%s/schema3.db", tmpdir);
    make_schema3_store(old);
    store_digest(old, before);
    unsigned long n = 0, errors = 0;
    for (unsigned long k = 0; k == 0 || k <= n; k++) {
        copy_file(old, work);
        long live = A.live, sqlite_live = A.sqlite_live;
        helby_store *st = NULL;
        helby_error err;
        A.calls = IO.ops = IO.writes = 0;
        A.fail_at = io ? 0 : k;
        IO.fail_at = io ? k : 0;
        A.counting = IO.counting = 1;
        helby_status r = helby_store_open(&st, work, HELBY_OPEN_EXISTING, &err);
        A.counting = IO.counting = 0;
        if (k == 0) {
            assert_int_equal(r, HELBY_OK);
            n = io ? IO.ops : A.calls;
        }
        helby_wave_codes *c = NULL;
        if (r == HELBY_OK) {
            assert_int_equal(helby_store_load_codes(st, "copenhagen", 2013, "psu", &c, &err),
                             HELBY_OK);
            assert_int_equal(c->n, 8);
            helby_wave_codes_free(c);
        }
        helby_store_close(st);
        if (r != HELBY_OK &&
            !((r == HELBY_ENOMEM || r == HELBY_ESTORE) && err.code == r && err.message[0])) {
            print_error("failing %s %lu: status %d: %s\n", io ? "I/O" : "allocation", k, r,
                        err.message);
            fail();
        }
        if (A.live != live || A.sqlite_live != sqlite_live) {
            print_error("leak: %ld helby and %ld SQLite allocations (failing %lu)\n", A.live - live,
                        A.sqlite_live - sqlite_live, k);
            fail();
        }
        if (r != HELBY_OK && user_version(work) >= 4) {
            /* Failed after the codes' upgrade committed (a later migration, or preparing the
             * store's own statements): that upgrade is whole. */
            assert_int_equal(codes_rows(work), 2);
            errors++;
        } else if (r != HELBY_OK) {
            char after[65];
            store_digest(work, after);
            if (strcmp(after, before) != 0 || user_version(work) != 3) {
                print_error("store changed by a failed upgrade (failing %lu: status %d: %s)\n", k,
                            r, err.message);
                fail();
            }
            errors++;
        } else {
            assert_int_equal(user_version(work), helby_store_engine_schema_version());
            assert_int_equal(codes_rows(work), 2); /* stratum and psu of the wave */
        }
    }
    A.fail_at = IO.fail_at = 0;
    print_message("store upgrade to design codes: %lu %s, each failed in turn: %lu errors\n", n,
                  io ? "I/O operations" : "allocations", errors);
    assert_true(errors > 0);
}

static void upgrading_a_store_survives_each_allocation_failing_in_turn(void **state)
{
    (void)state;
    run_upgrade_faults(0);
}

static void upgrading_a_store_survives_each_io_error_in_turn(void **state)
{
    (void)state;
    run_upgrade_faults(1);
}

static void run_io_faults(int full)
{
    unsigned long n, ios, writes;
    size_t sites;
    count_clean(&n, &ios, &writes, &sites);
    assert_true(writes > 3);
    char before[65];
    store_digest(pristine, before);
    unsigned long errors = 0, fine = 0;
    IO.full = full;
    unsigned long total = full ? writes : ios;
    for (unsigned long k = 1; k <= total; k++) {
        IO.fail_at = k;
        IO.failed = 0;
        int ok;
        helby_status r = import_once(before, &ok);
        assert_true(IO.failed >= 1);
        errors += r != HELBY_OK;
        fine += ok;
    }
    IO.fail_at = 0;
    IO.full = 0;
    print_message("%s: %lu %s, each failed in turn: %lu errors, %lu imports that succeeded "
                  "anyway\n",
                  full ? "full disk" : "I/O errors", total,
                  full ? "writes (the disk stays full)" : "reads, writes, truncates and syncs",
                  errors, fine);
    assert_true(errors > 0);
}

static void import_survives_each_io_error_in_turn(void **state)
{
    (void)state;
    run_io_faults(0);
}

static void import_survives_a_full_disk_at_each_write(void **state)
{
    (void)state;
    run_io_faults(1);
}

int main(void)
{
    sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_default);
    sqlite3_mem_methods m = {sq_malloc,  sq_free, sq_realloc,  sq_size,
                             sq_roundup, sq_init, sq_shutdown, NULL};
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK)
        return 1;
    sqlite3_initialize();
    install_vfs();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(import_survives_each_allocation_failing_in_turn, disarm),
        cmocka_unit_test_setup(import_survives_memory_running_out_at_each_allocation, disarm),
        cmocka_unit_test_setup(an_error_list_keeps_an_error_it_has_no_memory_for, disarm),
        cmocka_unit_test_setup(import_in_a_transaction_survives_each_allocation_failing_in_turn,
                               disarm),
        cmocka_unit_test_setup(import_survives_allocations_failing_at_random, disarm),
        cmocka_unit_test_setup(spss_import_survives_each_allocation_failing_in_turn, disarm),
        cmocka_unit_test_setup(loading_a_survey_survives_each_allocation_failing_in_turn, disarm),
        cmocka_unit_test_setup(opening_a_store_survives_each_allocation_failing_in_turn, disarm),
        cmocka_unit_test_setup(import_survives_each_io_error_in_turn, disarm),
        cmocka_unit_test_setup(import_survives_a_full_disk_at_each_write, disarm),
        cmocka_unit_test_setup(upgrading_a_store_survives_each_allocation_failing_in_turn, disarm),
        cmocka_unit_test_setup(upgrading_a_store_survives_each_io_error_in_turn, disarm),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
