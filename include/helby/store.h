/*
 * helby/store.h — the SQLite file that holds everything a user computes.
 *
 * A store is one SQLite file (mode 0600, WAL, foreign keys on) whose schema is
 * applied from the numbered migrations in schemas/ (compiled in), tracked by
 * PRAGMA user_version. A store written by a newer engine is refused. Survey
 * definitions are kept by content hash; the answers of each wave are kept
 * column-wise (see schemas/001_init.sql for why) and loaded into a
 * helby_frame for computation.
 *
 * Writes happen in one transaction each: an import is all rows or none, even
 * if the process is killed. The store does not validate response files
 * (ingest.h) and computes nothing but the design codes of stratum and PSU columns
 * (helby_store_load_codes).
 */
#ifndef HELBY_STORE_H
#define HELBY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "helby/error.h"
#include "helby/survey.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest is hidden */

typedef struct helby_store helby_store;

typedef enum helby_open_mode {
    HELBY_OPEN_EXISTING = 0, /* the file must exist and be a helby store */
    HELBY_OPEN_CREATE = 1,   /* create it (mode 0600); refuse if it exists */
    HELBY_OPEN_READONLY = 2  /* existing, read only */
} helby_open_mode;

/* Open (or create) the store at path and bring its schema up to date. A read-only open
 * cannot upgrade: it refuses a store older than schema 3, and reads a schema-3 store as it
 * is (schema 4 only adds design codes, which are then computed on load).
 * Errors: HELBY_ESTORE when the file is not a helby store, is from a newer
 * engine, or SQLite fails; HELBY_EEXISTS when creating over an existing file;
 * HELBY_ENOTFOUND when opening a file that does not exist. The path ":memory:"
 * opens a private in-memory store (no file; for tests and fuzzing). An empty (0-byte) file
 * is refused (HELBY_ESTORE), never made a store. A read-only open leaves no -wal or -shm
 * file behind and reads a store in a directory helby may not write (SQLite's mode=ro, with
 * immutable=1 when the store has no -wal file); an open SQLite refuses for want of write
 * permission says so.
 * Close with helby_store_close. */
helby_status helby_store_open(helby_store **out, const char *path, helby_open_mode mode,
                              helby_error *err);
void helby_store_close(helby_store *st);

/* The permission bits of the store's file (st_mode & 0777), or -1 for an in-memory store or
 * a file that cannot be examined: a store readable by group or others (mode & 044) exposes
 * respondents' answers, and the command line warns. */
int helby_store_file_mode(const helby_store *st);

/* The schema version this engine writes (number of migrations). */
int helby_store_engine_schema_version(void);

/* Add a survey definition (validated by helby_survey_load). If a survey with
 * the same id exists with another definition, HELBY_EEXISTS unless update is
 * non-zero, in which case the new definition becomes current (the old one is
 * kept by hash). Sets *changed to 1 if anything was written (may be NULL). */
helby_status helby_store_add_survey(helby_store *st, const helby_survey *s, int update,
                                    int *changed, helby_error *err);

/* The current definition of survey `id`. Caller frees with helby_survey_free.
 * HELBY_ENOTFOUND if there is no such survey. */
helby_status helby_store_get_survey(helby_store *st, const char *id, helby_survey **out,
                                    helby_error *err);

/* A definition the store keeps by its hash (every definition a survey has had: runs and
 * imports name theirs). Caller frees with helby_survey_free. HELBY_ENOTFOUND if the store
 * has no definition of that hash. */
helby_status helby_store_get_definition(helby_store *st, const char *hash, helby_survey **out,
                                        helby_error *err);

typedef struct helby_survey_info {
    char name[128];
    char def_hash[65];
    char updated_at[32];
    int64_t n_waves;
    int64_t n_rows;
} helby_survey_info;

/* List surveys (malloc'ed array, caller frees). */
helby_status helby_store_list_surveys(helby_store *st, helby_survey_info **out, size_t *n,
                                      helby_error *err);

typedef struct helby_wave_info {
    long wave;
    int64_t n_rows;
    int64_t import_id;
    char file_name[256];
    char sha256[65];
    char imported_at[32];
} helby_wave_info;

/* Waves of a survey in ascending order (malloc'ed array, caller frees). */
helby_status helby_store_list_waves(helby_store *st, const char *survey, helby_wave_info **out,
                                    size_t *n, helby_error *err);

/* ---- Column data ---- */

/* One column of a wave. Numeric columns hold the value as written (missing
 * codes included, so nonresponse can be told apart) and NaN for an empty
 * cell. Text columns hold n pointers into one buffer. */
typedef struct helby_column {
    char *name;
    int is_text;
    double *num;    /* n values when !is_text */
    char **text;    /* n strings when is_text */
    char *text_buf; /* storage of text */
    size_t text_len;
} helby_column;

typedef struct helby_frame {
    long wave;
    size_t n_rows;
    size_t n_cols;
    helby_column *cols;
} helby_frame;

/* An empty frame with capacity for n_cols columns of n_rows rows. */
helby_status helby_frame_new(helby_frame **out, long wave, size_t n_rows, size_t n_cols,
                             helby_error *err);
void helby_frame_free(helby_frame *f);
/* Column by name or NULL. */
const helby_column *helby_frame_col(const helby_frame *f, const char *name);

/* What an import writes besides the columns. */
typedef struct helby_import_record {
    const char *file_name;
    const char *sha256;
    int64_t bytes;
    const char *dialect;
    int replace; /* replace an existing wave (and allow the same file again) */
} helby_import_record;

/* Write a validated frame as wave f->wave of survey s, in one transaction.
 * HELBY_EEXISTS if the file (same sha256) was imported before or the wave
 * exists, unless rec->replace. The survey must have been added with this
 * definition (HELBY_ENOTFOUND otherwise). On any error nothing is written.
 * *import_id receives the new import's id (may be NULL). */
helby_status helby_store_write_wave(helby_store *st, const helby_survey *s, const helby_frame *f,
                                    const helby_import_record *rec, int64_t *import_id,
                                    helby_error *err);

/* Runs of survey `survey` whose input files include wave `wave` (ids ascending; *runs
 * malloc'ed, caller frees; NULL when none). */
helby_status helby_store_wave_runs(helby_store *st, const char *survey, long wave, int64_t **runs,
                                   size_t *n, helby_error *err);

/* What helby_store_drop_wave dropped (or, refused, would have). */
typedef struct helby_wave_drop {
    int64_t *runs; /* runs that used the wave: they cannot be rerun once it is dropped */
    size_t n_runs;
    size_t n_rows;        /* the wave's respondents */
    int64_t import_id;    /* the wave's import (the record stays, as history) */
    char file_name[256];  /* its file */
    size_t n_weight_sets; /* weight sets of the wave dropped with it (their versions too) */
} helby_wave_drop;

/* Drop wave `wave` of survey `survey` in one transaction: its columns, design codes and
 * weight sets; the import record stays (the same file may be imported again). Refused with
 * HELBY_EEXISTS, naming the runs, while runs used the wave, unless force; HELBY_ENOTFOUND for
 * a wave not stored. d (caller's) receives what was dropped; free with helby_wave_drop_free. */
helby_status helby_store_drop_wave(helby_store *st, const char *survey, long wave, int force,
                                   helby_wave_drop *d, helby_error *err);
void helby_wave_drop_free(helby_wave_drop *d);

/* Group several writes into one transaction (e.g. importing several files
 * all or nothing). helby_store_write_wave joins an open transaction. */
helby_status helby_store_begin(helby_store *st, helby_error *err);
helby_status helby_store_commit(helby_store *st, helby_error *err);
void helby_store_rollback(helby_store *st);

/* Load the columns `vars` (all stored columns when vars is NULL) of one wave.
 * HELBY_ENOTFOUND for an unknown survey, wave or variable. */
helby_status helby_store_load_wave(helby_store *st, const char *survey, long wave,
                                   const char *const *vars, size_t n_vars, helby_frame **out,
                                   helby_error *err);

/* ---- Design codes (schemas/004_codes.sql) ---- */

/* A column of one wave numbered by level: what estimation needs of the stratum and PSU
 * columns, without a string per row. */
typedef struct helby_wave_codes {
    size_t n; /* rows of the wave */
    size_t n_levels;
    uint32_t *code; /* n codes in 0..n_levels-1, numbered by first appearance */
    char **labels;  /* n_levels labels, as "%g" of the number or the text */
} helby_wave_codes;

/* The factorization of column `var` of one wave: read from the store when it was computed at
 * import, else computed from the column (same result). HELBY_ENOTFOUND for an unknown survey,
 * wave or variable. Free with helby_wave_codes_free.
 *
 * A level's label is "%g" of a number ("nan" for an empty cell; values that print alike are
 * one level) or the text of a text cell. helby_store_write_wave stores the codes of the
 * survey's stratum and PSU columns; opening an older store read-write stores those of its
 * waves (by each survey's current definition) in the upgrade's transaction. Any other
 * column, and every column of a schema-3 store opened read-only, is numbered on each call
 * and nothing is written. The labels array and its strings are one allocation owned by *out
 * (never free a label). */
helby_status helby_store_load_codes(helby_store *st, const char *survey, long wave, const char *var,
                                    helby_wave_codes **out, helby_error *err);
void helby_wave_codes_free(helby_wave_codes *c);

/* ---- Runs (schemas/002_runs.sql) ---- */

typedef struct helby_run_row {
    char measure[64];
    char domain[160];                               /* "group=1,wave=2011" */
    double estimate, se, ci_low, ci_high, df, deff; /* NaN when suppressed or undefined */
    int64_t n;
    char flag[16]; /* "", "unreliable", "suppressed" */
} helby_run_row;

typedef struct helby_run_info {
    int64_t id;
    char survey[128];
    char def_hash[65];
    char engine[32];
    char options[512];
    unsigned long long seed;
    char inputs[2048];
    char result_hash[65];
    int64_t n_estimates;
    char created_at[32];
} helby_run_info;

/* SHA-256 over the rows' exact bits (measure, domain, every number as a C99 hex float),
 * the same on every machine with IEEE doubles. -0.0 is hashed (and stored) as 0, as SQLite
 * stores it. */
void helby_run_hash(const helby_run_row *rows, size_t n, char out[65]);
/* Every -0.0 of the rows' numbers made 0 (what helby_run_compute returns and the store
 * holds). */
void helby_run_rows_zero(helby_run_row *rows, size_t n);

/* Store a run of survey s (its current definition) in one transaction; fills info->id,
 * info->result_hash, info->created_at. */
helby_status helby_store_add_run(helby_store *st, const helby_survey *s, helby_run_info *info,
                                 const helby_run_row *rows, size_t n, helby_error *err);
/* Drop run id (a run made by mistake) in one transaction: its estimates are deleted; its
 * number, survey, result hash and the time are kept (schemas/006_run_dropped.sql), so the
 * number is never given again and helby_store_get_run says it was dropped.
 * HELBY_ENOTFOUND for a run that is not there (never made, or dropped already). */
helby_status helby_store_drop_run(helby_store *st, int64_t id, helby_error *err);
/* All runs, newest last (malloc'ed, caller frees). */
helby_status helby_store_list_runs(helby_store *st, helby_run_info **out, size_t *n,
                                   helby_error *err);
/* One run and its rows (rows malloc'ed, caller frees; rows may be NULL to skip them).
 * HELBY_ENOTFOUND for an unknown id. */
helby_status helby_store_get_run(helby_store *st, int64_t id, helby_run_info *info,
                                 helby_run_row **rows, size_t *n, helby_error *err);

/* ---- Weight sets (schemas/003_weights.sql) ---- */

typedef struct helby_weight_set_info {
    char name[64];
    long wave;
    char spec[512]; /* canonical "method=rake;margins=...;..." */
    char def_hash[65];
    char input_sha256[65];   /* the wave's input file the weights were computed from */
    int64_t n;               /* rows (the wave's) */
    char weights_sha256[65]; /* SHA-256 of the weights as little-endian doubles */
    char diagnostics[2048];  /* "key=value" lines */
    char created_at[32];
    int version;          /* 1 = the first made (helby_store_list_weight_versions) */
    int current;          /* 1 for the current version, 0 for one replaced since */
    char replaced_at[32]; /* "" for the current version */
} helby_weight_set_info;

/* SHA-256 of n weights serialized as little-endian IEEE doubles. */
void helby_weights_hash(const double *w, size_t n, char out[65]);

/* Store the weights of one wave of weight set info->name (fills weights_sha256,
 * def_hash, created_at). HELBY_EEXISTS if that name and wave exist, unless
 * replace; the replaced version is kept (schemas/005_weight_versions.sql). Joins an open
 * transaction (helby_store_begin) or runs in its own. */
helby_status helby_store_put_weights(helby_store *st, const helby_survey *s,
                                     helby_weight_set_info *info, const double *w, int replace,
                                     helby_error *err);
/* One wave of a weight set; *w (malloc'ed, info->n values) may be NULL to skip the
 * weights. HELBY_ENOTFOUND when absent. */
helby_status helby_store_get_weights(helby_store *st, const char *survey, const char *name,
                                     long wave, helby_weight_set_info *info, double **w,
                                     helby_error *err);
/* The version of one wave of a weight set whose weights have SHA-256 sha256, current or
 * replaced (what a run recorded among its inputs); as helby_store_get_weights otherwise. */
helby_status helby_store_get_weights_by_hash(helby_store *st, const char *survey, const char *name,
                                             long wave, const char *sha256,
                                             helby_weight_set_info *info, double **w,
                                             helby_error *err);
/* Every version of every wave of every weight set of a survey, current and replaced, by
 * name, wave, then version (malloc'ed). */
helby_status helby_store_list_weight_versions(helby_store *st, const char *survey,
                                              helby_weight_set_info **out, size_t *n,
                                              helby_error *err);
/* Every wave of every weight set of a survey (current versions), by name then wave
 * (malloc'ed). */
helby_status helby_store_list_weights(helby_store *st, const char *survey,
                                      helby_weight_set_info **out, size_t *n, helby_error *err);

/* What helby_store_drop_weight_set dropped (or, refused, would have). */
typedef struct helby_weight_drop {
    int64_t *runs; /* runs that used the set (their options name it): no rerun once dropped */
    size_t n_runs;
    size_t n_waves;    /* its waves' current weights */
    size_t n_versions; /* its replaced versions */
} helby_weight_drop;

/* Drop weight set `name` of survey `survey` in one transaction: every wave's weights and every
 * replaced version. Refused with HELBY_EEXISTS, naming the runs, while runs used it, unless
 * force; HELBY_ENOTFOUND for an unknown survey or set. d (caller's) receives what was dropped;
 * free with helby_weight_drop_free. */
helby_status helby_store_drop_weight_set(helby_store *st, const char *survey, const char *name,
                                         int force, helby_weight_drop *d, helby_error *err);
void helby_weight_drop_free(helby_weight_drop *d);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
