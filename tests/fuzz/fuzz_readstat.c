/* fuzz_readstat.c — the ReadStat-to-codebook layer (src/lib/ingest/ingest_readstat.c): SPSS,
 * Stata and SAS files validated against the example survey. ReadStat's own parsers are
 * fuzzed upstream; what is ours is turning its values, user-missing declarations, extended
 * missing values and value labels into the rows ingest.c checks.
 *
 * The format comes from the input's magic bytes (.sav, .dta, .xpt); other inputs are read as
 * the format their first byte picks, so the SAS seed (first byte 0) is read as sas7bdat.
 * Properties: a file that validates gives a frame whose every code is empty (NaN), one of
 * its variable's missing codes or within its range — so no mapping lets an unknown code
 * through — with as many rows as the summary says; a file that fails says why. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "helby/ingest.h"
#include "ingest/ingest_internal.h"

static helby_survey *survey;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    helby_error err;
    if (helby_survey_load(&survey, HELBY_SOURCE_ROOT "/surveys/copenhagen", &err))
        fuzz_fail(err.message);
    return 0;
}

static void check_frame(const helby_frame *f, const helby_import_summary *sum)
{
    if (f->n_rows != sum->n_rows || f->n_rows == 0)
        fuzz_fail("the frame has another number of rows than the summary");
    for (size_t j = 0; j < f->n_cols; j++) {
        const helby_column *c = &f->cols[j];
        size_t v = helby_survey_find_var(survey, c->name);
        if (v == HELBY_NO_VAR)
            fuzz_fail("a column that is not in the codebook was kept");
        const helby_variable *var = &survey->vars[v];
        if (c->is_text || !var->has_range)
            continue;
        for (size_t i = 0; i < f->n_rows; i++) {
            double x = c->num[i];
            if (!isnan(x) && !helby_variable_is_missing_code(var, x) &&
                !(x >= var->min && x <= var->max))
                fuzz_fail("a value outside the codebook's range and missing codes passed");
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const helby_file_format by_byte[] = {HELBY_FORMAT_SAS7BDAT, HELBY_FORMAT_SAV,
                                                HELBY_FORMAT_DTA, HELBY_FORMAT_XPT,
                                                HELBY_FORMAT_POR};
    if (!survey)
        LLVMFuzzerInitialize(NULL, NULL);
    if (size == 0)
        return 0;
    helby_import_options opt;
    helby_import_options_default(&opt);
    opt.format = helby_file_format_sniff(data, size, "fuzz");
    if (opt.format == HELBY_FORMAT_CSV)
        opt.format = by_byte[data[0] % 5];
    helby_import_summary sum;
    helby_error_list errs;
    helby_error_list_init(&errs, 20);
    helby_error err;
    helby_frame *f = NULL;
    helby_status st =
        helby_validate_buffer(survey, data, size, "fuzz", &opt, &f, &sum, &errs, &err);
    if (st == HELBY_OK) {
        if (sum.format != opt.format)
            fuzz_fail("the summary names another format");
        check_frame(f, &sum);
        helby_frame_free(f);
        helby_import_summary_free(&sum);
    } else {
        if (f)
            fuzz_fail("a failed validation returned a frame");
        if (!err.message[0] || errs.total == 0)
            fuzz_fail("a failed validation without a message");
        if (st != HELBY_EINPUT)
            fuzz_fail("a validation failed for another reason than bad input");
    }
    helby_error_list_free(&errs);
    return 0;
}
