/*
 * helby/error.h — status codes and the error record every fallible call fills.
 *
 * Every fallible libhelby function returns a helby_status (HELBY_OK == 0) and,
 * when it fails, fills a caller-provided helby_error with a code, a message for
 * a person and, where known, the file, line, column and variable concerned.
 * The library never prints, exits or aborts.
 */
#ifndef HELBY_ERROR_H
#define HELBY_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest is hidden */

/* Status codes. The first values double as the CLI's exit codes (docs/commands.md, "Exit
 * statuses"; helby_status_exit_code). */
typedef enum helby_status {
    HELBY_OK = 0,
    HELBY_EUSAGE = 1,   /* invalid argument or option from the caller */
    HELBY_EINPUT = 2,   /* bad input file, value or survey definition, or a design the data
                           give that cannot support the asked method (BRR without 2 PSUs per
                           stratum, JK1 with strata, a single or lonely PSU under "fail") */
    HELBY_ESTORE = 3,   /* store cannot be opened, is newer, or SQLite failed */
    HELBY_ENUMERIC = 4, /* numerical failure: no convergence, a singular system */
    HELBY_ENOMEM = 5,   /* allocation failed */
    HELBY_EIO = 6,      /* reading or writing a file failed */
    HELBY_EEXISTS = 7,  /* object already exists (e.g. file already imported) */
    HELBY_ENOTFOUND = 8 /* object not found (survey, wave, run) */
} helby_status;

#define HELBY_ERROR_MSG_MAX 1024
#define HELBY_ERROR_FILE_MAX 512
#define HELBY_ERROR_VAR_MAX 128

typedef struct helby_error {
    helby_status code;
    char message[HELBY_ERROR_MSG_MAX];  /* for a person, no trailing newline */
    char file[HELBY_ERROR_FILE_MAX];    /* "" when not about a file */
    long line;                          /* 1-based; 0 when unknown */
    long column;                        /* 1-based field number; 0 when unknown */
    char variable[HELBY_ERROR_VAR_MAX]; /* "" when not about a variable */
} helby_error;

/* Reset an error record to "no error". NULL is accepted. */
void helby_error_clear(helby_error *err);

/* Set code and printf-style message (location fields cleared). Returns code.
 * err may be NULL, in which case only the code is returned. */
helby_status helby_error_set(helby_error *err, helby_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Like helby_error_set, with a location. file/variable may be NULL. */
helby_status helby_error_at(helby_error *err, helby_status code, const char *file, long line,
                            long column, const char *variable, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 8)))
#endif
    ;

/* Format as "file:line:column: variable: message" (parts that are unknown are
 * left out) into buf of size n; returns buf. */
char *helby_error_format(const helby_error *err, char *buf, size_t n);

/* Short English name of a status ("bad input", "store problem", ...). */
const char *helby_status_name(helby_status code);

/* The CLI exit code for a status: 0 ok, 1 usage, 2 bad input, 3 store, 4 numerical. */
int helby_status_exit_code(helby_status code);

/* A bounded list of errors, for validators that report every problem found
 * (up to `limit`) instead of stopping at the first. */
typedef struct helby_error_list {
    helby_error *items;
    size_t count; /* stored items */
    size_t total; /* all errors seen, including those past the limit */
    size_t limit; /* maximum stored; 0 means 100 */
    size_t capacity;
    size_t n_summaries; /* items that summarize others (e.g. one per column and kind of
                           error); in count, not in total */
    /* The last error that could not be stored because memory ran out (has_unstored 1): kept
     * here, with no allocation, so that a list never counts an error it cannot show (an
     * import under memory pressure said "1 more error" and not which). Not in count. */
    helby_error unstored;
    int has_unstored;
} helby_error_list;

void helby_error_list_init(helby_error_list *list, size_t limit);
void helby_error_list_free(helby_error_list *list);
/* Append a copy of err (counts it even past the limit). Returns HELBY_ENOMEM
 * only if storing failed. */
helby_status helby_error_list_add(helby_error_list *list, const helby_error *err);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
