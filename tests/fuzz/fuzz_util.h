/* fuzz_util.h — what the fuzz targets share: reading files and building survey-definition
 * blobs (the form helby_survey_from_blob reads) in memory, so no target touches the disk
 * per input. */
#ifndef HELBY_FUZZ_UTIL_H
#define HELBY_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Every fuzz target defines this (libFuzzer's entry point). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with a message: an invariant of the library was broken (a finding). */
void fuzz_fail(const char *what);

/* Read a whole file (malloc'ed, NUL-terminated); aborts if it cannot. */
char *fuzz_read(const char *path, size_t *len);

/* A definition's files, in the order helby_survey_load serializes them. */
#define FUZZ_MAX_FILES 32
typedef struct fuzz_def {
    char *name[FUZZ_MAX_FILES];
    char *data[FUZZ_MAX_FILES];
    size_t len[FUZZ_MAX_FILES];
    size_t n;
} fuzz_def;

/* The example survey's files (HELBY_SOURCE_ROOT/surveys/copenhagen). */
void fuzz_def_copenhagen(fuzz_def *d);

/* Set file `name` to data (added if absent). The def keeps a copy. */
void fuzz_def_set(fuzz_def *d, const char *name, const void *data, size_t len);

/* Remove file `name` if present. */
void fuzz_def_remove(fuzz_def *d, const char *name);

void fuzz_def_free(fuzz_def *d);

/* The blob helby_survey_from_blob reads (malloc'ed). */
char *fuzz_def_blob(const fuzz_def *d, size_t *len);

#endif
