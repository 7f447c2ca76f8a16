/* fuzz_margins.c — the margins and targets loaders of survey.c (parse_margins,
 * parse_targets), behind the example survey's other files.
 *
 * The first byte picks the file the rest of the input replaces: 'T', targets.csv; any
 * other, margins/2011.csv. A definition that loads must hold positive finite totals, margins of
 * the survey's waves, and targets whose waves and measures the survey has. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "helby/survey.h"

static fuzz_def base, orig;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_def_copenhagen(&base);
    fuzz_def_copenhagen(&orig);
    return 0;
}

static void check(const helby_survey *s)
{
    for (size_t i = 0; i < s->n_margins; i++) {
        const helby_margins *m = &s->margins[i];
        if (m->wave < 2011 || m->wave > 2014)
            fuzz_fail("margins of a wave the survey does not have");
        for (size_t k = 0; k < m->n_cells; k++) {
            if (!(m->cells[k].total > 0) || !isfinite(m->cells[k].total))
                fuzz_fail("a margin total that is not positive and finite");
            if (helby_survey_find_var(s, m->cells[k].variable) == HELBY_NO_VAR &&
                !strchr(m->cells[k].variable, '*'))
                fuzz_fail("a margin of an unknown variable");
        }
    }
    for (size_t i = 0; i < s->n_targets; i++) {
        const helby_target *t = &s->targets[i];
        if (t->baseline_wave < 2011 || t->baseline_wave > 2014 ||
            (t->target_wave && (t->target_wave < 2011 || t->target_wave > 2014)))
            fuzz_fail("a target wave the survey does not have");
        if (!isfinite(t->x))
            fuzz_fail("a target with a non-finite x");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *file = data[0] == 'T' ? "targets.csv" : "margins/2011.csv";
    fuzz_def_set(&base, file, data + 1, size - 1);
    size_t len;
    char *blob = fuzz_def_blob(&base, &len);
    helby_survey *s = NULL;
    helby_error err;
    helby_status st = helby_survey_from_blob(&s, blob, len, &err);
    if (st == HELBY_OK) {
        check(s);
        helby_survey_free(s);
    } else if (s || !err.message[0]) {
        fuzz_fail("a failed load without a message, or with a survey");
    }
    free(blob);
    /* Put the example's file back for the next input. */
    for (size_t i = 0; i < orig.n; i++)
        if (strcmp(orig.name[i], file) == 0)
            fuzz_def_set(&base, file, orig.data[i], orig.len[i]);
    return 0;
}
