/* ingest_files.c — several response files imported as one, all or nothing (ingest.h).
 *
 * Each file is read, validated and, while no file so far has had an error, written at once
 * inside one transaction and freed: memory holds one wave at a time, not all of them. A
 * later file's error rolls every written wave back, and the files after it are still
 * validated so that every error of every file is reported in one run.
 *
 * A file is read only if it is a regular file within the size limit (csv.h), and only past
 * its first block when that block can begin its format.
 */
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
