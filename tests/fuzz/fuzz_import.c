/* fuzz_import.c — the whole import path (src/lib/ingest/ingest.c, csv.c, store.c,
 * store_write.c) into an in-memory store holding the example survey.
 *
 * Each input is imported as a response file inside a transaction that is rolled back
 * afterwards, so every input meets the same store. An import that succeeds must store as
 * many rows as it reports, and the same file again must be refused as already imported;
 * one that fails must say why and store nothing. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "helby/ingest.h"

static helby_store *store;
static helby_survey *survey;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    helby_error err;
    if (helby_survey_load(&survey, HELBY_SOURCE_ROOT "/surveys/copenhagen", &err) ||
        helby_store_open(&store, ":memory:", HELBY_OPEN_CREATE, &err) ||
        helby_store_add_survey(store, survey, 0, NULL, &err))
        fuzz_fail(err.message);
    return 0;
}

static size_t stored_waves(void)
{
    helby_wave_info *w = NULL;
    size_t n = 0;
    helby_error err;
    if (helby_store_list_waves(store, "copenhagen", &w, &n, &err))
        fuzz_fail(err.message);
    free(w);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    helby_error err;
    if (!store)
        LLVMFuzzerInitialize(NULL, NULL);
    if (helby_store_begin(store, &err))
        fuzz_fail(err.message);
    helby_import_options opt;
    helby_import_options_default(&opt);
    helby_import_summary sum;
    helby_error_list errs;
    helby_error_list_init(&errs, 20);
    helby_status st =
        helby_import_buffer(store, survey, data, size, "fuzz.csv", &opt, &sum, &errs, &err);
    if (st == HELBY_OK) {
        helby_frame *f = NULL;
        if (helby_store_load_wave(store, "copenhagen", sum.wave, NULL, 0, &f, &err))
            fuzz_fail(err.message);
        if (f->n_rows != sum.n_rows || sum.n_rows == 0)
            fuzz_fail("the stored wave has another number of rows than the import reported");
        helby_frame_free(f);
        helby_import_summary sum2;
        helby_error_list errs2;
        helby_error_list_init(&errs2, 20);
        if (helby_import_buffer(store, survey, data, size, "fuzz.csv", &opt, &sum2, &errs2, &err) !=
            HELBY_EEXISTS)
            fuzz_fail("the same file was not refused the second time");
        helby_error_list_free(&errs2);
        helby_import_summary_free(&sum2);
        helby_import_summary_free(&sum);
    } else {
        if (!err.message[0] || errs.count == 0)
            fuzz_fail("a failed import without a message");
        if (st != HELBY_EINPUT)
            fuzz_fail("an import failed for another reason than bad input");
        if (stored_waves() != 0)
            fuzz_fail("a failed import stored a wave");
    }
    helby_error_list_free(&errs);
    helby_store_rollback(store);
    if (stored_waves() != 0)
        fuzz_fail("the rollback left a wave");
    return 0;
}
