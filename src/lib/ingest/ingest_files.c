/* ingest_files.c — several response files imported as one, all or nothing (ingest.h).
 *
 * Each file is read, validated and, while no file so far has had an error, written at once
 * inside one transaction and freed: memory holds one wave at a time, not all of them. A
 * later file's error rolls every written wave back, and the files after it are still
 * validated so that every error of every file is reported in one run.
 */
#include <stdio.h>
#include <stdlib.h>

#include "helby/csv.h"
#include "helby/ingest.h"

/* Write file i's frame f as its wave (inside the open transaction). */
static helby_status write_one(helby_store *st, const helby_survey *s, const char *path,
                              const helby_frame *f, const helby_import_options *opt,
                              helby_import_summary *sum, helby_error *err)
{
    char *dialect = helby_import_describe_dup(sum);
    if (!dialect)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    helby_import_record rec = {path, sum->file_sha256, (int64_t)sum->bytes, dialect, opt->replace};
    helby_status r = helby_store_write_wave(st, s, f, &rec, &sum->import_id, err);
    free(dialect);
    return r;
}

/* Read and validate one file into *f; errors of the file's contents go to errs. Returns a
 * status other than HELBY_OK or HELBY_EINPUT only for a failure that is not the file's. */
static helby_status validate_one(const helby_survey *s, const char *path,
                                 const helby_import_options *opt, helby_frame **f,
                                 helby_import_summary *sum, helby_error_list *errs,
                                 helby_error *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    *f = NULL;
    if (helby_read_file(path, &buf, &len, NULL, err)) {
        helby_status r = err->code;
        if (helby_error_list_add(errs, err))
            return HELBY_ENOMEM;
        return r == HELBY_EINPUT || r == HELBY_EIO ? HELBY_EINPUT : r;
    }
    helby_status r = helby_validate_buffer(s, buf, len, path, opt, f, sum, errs, err);
    free(buf);
    return r;
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
    for (size_t i = 0; i < n && !fatal; i++) {
        helby_frame *f = NULL;
        helby_status r = validate_one(s, paths[i], opt, &f, &sums[i], errs, err);
        if (r && r != HELBY_EINPUT)
            fatal = r;
        else if (!r && !errs->total && !check_only &&
                 write_one(st, s, paths[i], f, opt, &sums[i], err))
            fatal = err->code;
        helby_frame_free(f);
    }
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
