/* ingest_files.c — several response files imported as one, all or nothing (ingest.h).
 *
 * Each file is read, validated and, while no file so far has had an error, written at once
 * inside one transaction and freed. A later file's error rolls every written wave back, and
 * the files after it are still validated so that every error of every file is reported in
 * one run.
 *
 * With several files, two threads validate the next files while this one writes: a file's
 * validation uses nothing but its own state (the survey and the options are only read), and
 * the store is written here alone, in the files' order. A file is validated ahead into an
 * error list of its own; its result is taken only while the import's list is still empty
 * (then a list of its own is the same as the shared one), else the file is validated again
 * here, on the shared list, as one thread alone would. Memory holds at most three waves
 * of CSVs, the one being written and the two next; an SPSS/Stata/SAS file (read whole) is
 * validated here, once the waves before it are written, as without threads.
 *
 * A file is read only if it is a regular file within the size limit (csv.h), and only past
 * its first block when that block can begin its format.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "helby/ingest.h"
#include "ingest/ingest_internal.h"

/* Write file i's frame f as its wave (inside the open transaction). */
static helby_status write_one(helby_store *st, const helby_survey *s, const char *path,
                              const helby_frame *f, const helby_import_options *opt,
                              helby_import_summary *sum, helby_error *err)
{
    char *dialect = helby_import_describe_dup(sum);
    if (!dialect)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    helby_import_record rec = {path, sum->file_sha256, (int64_t)sum->bytes, dialect,
                               opt ? opt->replace : 0};
    helby_status r = helby_store_write_wave(st, s, f, &rec, &sum->import_id, err);
    free(dialect);
    return r;
}

/* The first bytes of each ReadStat format (SPSS portable files have none at a fixed place:
 * ReadStat judges them). */
static int magic_ok(helby_file_format fmt, const unsigned char *b, size_t n)
{
    static const unsigned char sas[32] = {0,    0,    0,    0,    0,    0,    0,    0,
                                          0,    0,    0,    0,    0xc2, 0xea, 0x81, 0x60,
                                          0xb3, 0x14, 0x11, 0xcf, 0xbd, 0x92, 0x08, 0x00,
                                          0x09, 0xc7, 0x31, 0x8c, 0x18, 0x1f, 0x10, 0x11};
    switch (fmt) {
    case HELBY_FORMAT_SAV: return n >= 4 && (!memcmp(b, "$FL2", 4) || !memcmp(b, "$FL3", 4));
    case HELBY_FORMAT_DTA:
        /* Stata 13 and later: an XML-like tag; before: the version byte, then the byte order. */
        return (n >= 11 && !memcmp(b, "<stata_dta>", 11)) ||
               (n >= 2 && b[0] >= 102 && b[0] <= 119 && (b[1] == 1 || b[1] == 2));
    case HELBY_FORMAT_SAS7BDAT: return n >= 32 && !memcmp(b, sas, 32);
    case HELBY_FORMAT_XPT: return n >= 20 && !memcmp(b, "HEADER RECORD*******", 20);
    default: return 1;
    }
}

static const char *magic_text(helby_file_format fmt)
{
    switch (fmt) {
    case HELBY_FORMAT_SAV: return "an SPSS system file (.sav/.zsav): it begins with $FL2 or $FL3";
    case HELBY_FORMAT_DTA: return "a Stata file (.dta): it begins with <stata_dta> or its version";
    case HELBY_FORMAT_SAS7BDAT: return "a SAS data set (.sas7bdat): it begins with its signature";
    default: return "a SAS transport file (.xpt): it begins with HEADER RECORD*******";
    }
}

typedef struct first_block_ctx {
    const char *path;
    const helby_import_options *opt;
} first_block_ctx;

/* Before the rest of a file is read: a CSV must have no NUL byte, a statistical package's
 * file must begin as its format does. */
static helby_status first_block(void *ctx, const unsigned char *b, size_t n, helby_error *err)
{
    const first_block_ctx *c = ctx;
    helby_file_format fmt =
        c->opt && c->opt->format ? c->opt->format : helby_file_format_sniff(b, n, c->path);
    if (fmt == HELBY_FORMAT_CSV)
        return helby_csv_check_first_block(b, n, c->opt ? &c->opt->dialect : NULL, c->path, err);
    if (magic_ok(fmt, b, n))
        return HELBY_OK;
    return helby_error_at(err, HELBY_EINPUT, c->path, 0, 0, NULL,
                          "not %s, this one does not (is the extension right?)", magic_text(fmt));
}

/* Read a response file whole: refused before the rest is read when it is not a regular file,
 * is too large, or its first block cannot begin its format. opt may be NULL. */
static helby_status read_response_file(const char *path, const helby_import_options *opt,
                                       unsigned char **buf, size_t *len, helby_error *err)
{
    first_block_ctx c = {path, opt};
    return helby_read_file_checked(path, first_block, &c, buf, len, NULL, err);
}

/* The format of the file at path: given, else by its extension or its first bytes. */
static helby_status format_of(const char *path, const helby_import_options *opt,
                              helby_file_format *fmt, helby_error *err)
{
    if (opt && opt->format) {
        *fmt = opt->format;
        return HELBY_OK;
    }
    unsigned char head[64];
    size_t got = 0;
    helby_status st = helby_read_head(path, head, sizeof head, &got, err);
    *fmt = helby_file_format_sniff(head, got, path);
    return st;
}

/* Read and validate one file into *f — a CSV block by block, an SPSS/Stata/SAS file whole;
 * errors of the file's contents go to errs. Returns a status other than HELBY_OK or
 * HELBY_EINPUT only for a failure that is not the file's. */
static helby_status validate_one(const helby_survey *s, const char *path,
                                 const helby_import_options *opt, helby_frame **f,
                                 helby_import_summary *sum, helby_error_list *errs,
                                 helby_error *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    *f = NULL;
    helby_import_options defaults;
    if (!opt) {
        helby_import_options_default(&defaults);
        opt = &defaults;
    }
    helby_file_format fmt = HELBY_FORMAT_CSV;
    first_block_ctx c = {path, opt};
    if (format_of(path, opt, &fmt, err) ||
        (fmt != HELBY_FORMAT_CSV && read_response_file(path, opt, &buf, &len, err))) {
        helby_status r = err->code;
        if (helby_error_list_add(errs, err))
            return HELBY_ENOMEM;
        return r == HELBY_EINPUT || r == HELBY_EIO ? HELBY_EINPUT : r;
    }
    if (fmt == HELBY_FORMAT_CSV) {
        helby_status r = helby_validate_csv_file(s, path, opt, first_block, &c, f, sum, errs, err);
        return r == HELBY_EIO ? HELBY_EINPUT : r;
    }
    helby_status r = helby_validate_buffer(s, buf, len, path, opt, f, sum, errs, err);
    free(buf);
    return r;
}

/* ---- files validated ahead by two threads ---- */

#define AHEAD_THREADS 2
/* CSVs validated, or being validated, beyond the one being written (memory for their
 * columns). An SPSS/Stata/SAS file is not validated ahead: it is read whole into ReadStat's
 * table (270 MB for a benchmark wave of 200,000 rows), and two at once doubled the import's
 * peak for no time gained on the shared 2-core machine. */
#define AHEAD_FILES 2

/* JOB_HERE: validated by the writer's thread when it gets to the file (a file read whole,
 * or one no thread had begun). */
enum { JOB_WAITING, JOB_RUNNING, JOB_DONE, JOB_HERE };

typedef struct ahead_job {
    struct ahead_pool *pool;
    size_t index;
    helby_import_options opt; /* the caller's, with the progress callback below */
    helby_frame *f;
    helby_import_summary sum;
    helby_error_list errs;
    helby_error err;
    helby_status r;
    int state;
    int whole; /* an SPSS/Stata/SAS file: left to the writer's thread */
} ahead_job;

typedef struct ahead_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const helby_survey *s;
    const char *const *paths;
    const helby_import_options *opt; /* the caller's (may be NULL) */
    ahead_job *jobs;
    size_t n;
    size_t next;    /* the next file to validate */
    size_t current; /* the file the writer waits for or writes */
    int stop;
} ahead_pool;

/* The caller's progress callback, for the file the writer is at only (one file's progress at
 * a time, as without threads; under the lock, so never two calls at once). */
static void ahead_progress(void *ctx, double fraction)
{
    ahead_job *j = ctx;
    ahead_pool *p = j->pool;
    pthread_mutex_lock(&p->mu);
    if (p->current == j->index)
        p->opt->progress(p->opt->progress_ctx, fraction);
    pthread_mutex_unlock(&p->mu);
}

static void *ahead_worker(void *arg)
{
    ahead_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->next < p->n && !p->jobs[p->next].whole &&
               p->next > p->current + AHEAD_FILES)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->stop || p->next >= p->n)
            break;
        ahead_job *j = &p->jobs[p->next++];
        if (j->whole) {
            j->state = JOB_HERE;
            pthread_cond_broadcast(&p->cv);
            continue;
        }
        j->state = JOB_RUNNING;
        pthread_mutex_unlock(&p->mu);
        helby_error_clear(&j->err);
        j->r = validate_one(p->s, p->paths[j->index], &j->opt, &j->f, &j->sum, &j->errs, &j->err);
        pthread_mutex_lock(&p->mu);
        j->state = JOB_DONE;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void ahead_job_free(ahead_job *j)
{
    helby_frame_free(j->f);
    j->f = NULL;
    helby_import_summary_free(&j->sum);
    helby_error_list_free(&j->errs);
}

/* The next file's validation, as validate_one gives it on errs: taken from its thread while
 * errs is empty, else done again here. */
static helby_status take_file(ahead_pool *p, size_t i, helby_frame **f, helby_import_summary *sum,
                              helby_error_list *errs, helby_error *err)
{
    ahead_job *j = &p->jobs[i];
    pthread_mutex_lock(&p->mu);
    p->current = i;
    if (j->state == JOB_WAITING) { /* no thread has begun it: here */
        p->next = i + 1;
        j->state = JOB_HERE;
    }
    pthread_cond_broadcast(&p->cv);
    while (j->state != JOB_DONE && j->state != JOB_HERE)
        pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
    if (j->state == JOB_HERE || errs->count || errs->total || errs->has_unstored) {
        ahead_job_free(j);
        return validate_one(p->s, p->paths[i], p->opt, f, sum, errs, err);
    }
    helby_error_list_free(errs);
    *errs = j->errs;
    helby_error_list_init(&j->errs, errs->limit);
    *sum = j->sum;
    memset(&j->sum, 0, sizeof j->sum);
    *f = j->f;
    j->f = NULL;
    *err = j->err;
    return j->r;
}

/* Start the threads; 0 when none could be started (then nothing was). */
static size_t ahead_start(ahead_pool *p, pthread_t *t)
{
    size_t started = 0;
    if (pthread_mutex_init(&p->mu, NULL))
        return 0;
    if (pthread_cond_init(&p->cv, NULL)) {
        pthread_mutex_destroy(&p->mu);
        return 0;
    }
    for (size_t k = 0; k < AHEAD_THREADS && k < p->n; k++)
        if (pthread_create(&t[started], NULL, ahead_worker, p) == 0)
            started++;
    if (!started) {
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
    }
    return started;
}

static void ahead_stop(ahead_pool *p, pthread_t *t, size_t started)
{
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (size_t k = 0; k < started; k++)
        pthread_join(t[k], NULL);
    for (size_t i = 0; i < p->n; i++)
        ahead_job_free(&p->jobs[i]);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p->jobs);
}

/* The pool for n files, or 0 jobs (one thread then validates every file). */
static int ahead_init(ahead_pool *p, const helby_survey *s, const char *const *paths, size_t n,
                      const helby_import_options *opt, const helby_error_list *errs)
{
    memset(p, 0, sizeof *p);
    if (n < 2 || !(p->jobs = calloc(n, sizeof *p->jobs)))
        return 0;
    p->s = s;
    p->paths = paths;
    p->opt = opt;
    p->n = n;
    for (size_t i = 0; i < n; i++) {
        ahead_job *j = &p->jobs[i];
        j->pool = p;
        j->index = i;
        if (opt)
            j->opt = *opt;
        else
            helby_import_options_default(&j->opt);
        j->opt.progress = opt && opt->progress ? ahead_progress : NULL;
        j->opt.progress_ctx = j;
        helby_error_list_init(&j->errs, errs->limit);
        helby_file_format fmt = HELBY_FORMAT_CSV;
        helby_error ignored; /* a file that cannot be read is validated to say so */
        format_of(paths[i], opt, &fmt, &ignored);
        j->whole = fmt != HELBY_FORMAT_CSV;
    }
    return 1;
}

helby_status helby_import_files(helby_store *st, const helby_survey *s, const char *const *paths,
                                size_t n, int check_only, const helby_import_options *opt,
                                helby_import_summary *sums, helby_error_list *errs,
                                helby_error *err)
{
    helby_status fatal = HELBY_OK;
    int began = 0;
    if (!check_only) {
        if (helby_store_begin(st, err))
            return err->code;
        began = 1;
    }
    ahead_pool pool;
    memset(&pool, 0, sizeof pool);
    pthread_t threads[AHEAD_THREADS];
    size_t started = !(opt && opt->sequential) && ahead_init(&pool, s, paths, n, opt, errs)
                         ? ahead_start(&pool, threads)
                         : 0;
    if (!started)
        free(pool.jobs);
    for (size_t i = 0; i < n && !fatal; i++) {
        helby_frame *f = NULL;
        helby_status r = started ? take_file(&pool, i, &f, &sums[i], errs, err)
                                 : validate_one(s, paths[i], opt, &f, &sums[i], errs, err);
        if (r && r != HELBY_EINPUT)
            fatal = r;
        else if (!r && !errs->total && !check_only &&
                 write_one(st, s, paths[i], f, opt, &sums[i], err))
            fatal = err->code;
        helby_frame_free(f);
    }
    if (started)
        ahead_stop(&pool, threads, started);
    if (began && (fatal || errs->total)) {
        helby_store_rollback(st);
        for (size_t i = 0; i < n; i++)
            sums[i].import_id = 0;
    } else if (began && helby_store_commit(st, err)) {
        fatal = err->code;
    }
    if (fatal)
        return fatal;
    if (errs->total) {
        if (errs->count)
            *err = errs->items[0];
        return HELBY_EINPUT;
    }
    return HELBY_OK;
}

helby_status helby_import_file(helby_store *st, const helby_survey *s, const char *path,
                               const helby_import_options *opt, helby_import_summary *sum,
                               helby_error_list *errs, helby_error *err)
{
    helby_frame *f = NULL;
    memset(sum, 0, sizeof *sum);
    helby_status r = validate_one(s, path, opt, &f, sum, errs, err);
    if (r == HELBY_EINPUT && err->code == HELBY_EIO)
        r = HELBY_EIO; /* the file could not be read */
    if (!r && (r = write_one(st, s, path, f, opt, sum, err))) {
        helby_error_list_add(errs, err);
        helby_import_summary_free(sum);
    }
    helby_frame_free(f);
    return r;
}
