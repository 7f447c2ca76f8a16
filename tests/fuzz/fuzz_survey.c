/* fuzz_survey.c — the survey-definition loader (src/lib/survey/survey.c), from memory.
 *
 * An input that starts like a serialized definition ("helby-survey 1\n") goes to
 * helby_survey_from_blob as it is (the store's copy). Any other input is a set of files,
 * each opened by a line "@@ NAME" (survey.ini, codebook.csv, indices.csv, shares.csv,
 * targets.csv, sensitivity.csv, derived.csv, standard.csv, margins/WAVE.csv), turned into a
 * blob with correct lengths so the fuzzer reaches the parsers behind the framing. A
 * definition that loads must be consistent: its role columns and index items point into its
 * variables, its derived variables follow the codebook's and are found by name, map their
 * source's values to labelled codes or NaN, its standard's cells are codes of their
 * variables with positive finite populations, and serializing it and loading that again
 * gives the same hash. A failure must carry a message. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "helby/survey.h"

/* Derived variables: after the codebook's, found by name, from a codebook source, and every
 * value they give a labelled code (or NaN: missing). */
static void check_derived(const helby_survey *s)
{
    for (size_t k = 0; k < s->n_derived; k++) {
        const helby_derived *d = &s->derived[k];
        const helby_variable *v = &s->vars[d->var];
        if (d->var != s->n_vars + k || d->source >= s->n_vars ||
            helby_survey_find_var(s, v->name) != d->var || v->type != HELBY_TYPE_CODE)
            fuzz_fail("a derived variable out of place");
        const double probe[] = {-1e9, -1, 0, 0.5, 1, 2, 3, 4, 5, 9, 10, 18, 29.5, 65, 99, 1e9};
        for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++) {
            double c = helby_derived_value(s, d, probe[i]);
            if (!isnan(c) && !helby_variable_value_label(v, c))
                fuzz_fail("a derived value without a label");
        }
        if (!isnan(helby_derived_value(s, d, NAN)))
            fuzz_fail("a missing value derived to a code");
    }
    const helby_standard *sd = helby_survey_standard(s);
    if (!sd)
        return;
    if (sd->n_vars < 1 || sd->n_vars > 8 || sd->n_cells < 1)
        fuzz_fail("a standard without variables or cells");
    for (size_t c = 0; c < sd->n_cells; c++) {
        if (!(sd->population[c] > 0) || !isfinite(sd->population[c]))
            fuzz_fail("a standard population not positive and finite");
        for (size_t j = 0; j < sd->n_vars; j++) {
            size_t v = helby_survey_find_var(s, sd->vars[j]);
            double x = sd->codes[c * sd->n_vars + j];
            if (v == HELBY_NO_VAR || s->vars[v].type != HELBY_TYPE_CODE || x != floor(x) ||
                helby_variable_is_missing_code(&s->vars[v], x))
                fuzz_fail("a standard cell that is not a code of its variable");
        }
    }
}

static void check_loaded(const helby_survey *s)
{
    if (s->n_vars == 0)
        fuzz_fail("a survey without variables loaded");
    size_t roles[] = {s->id_var, s->wave_var, s->weight_var, s->group_var, s->district_var};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (roles[i] >= s->n_vars)
            fuzz_fail("a required role column is missing");
    for (size_t i = 0; i < s->n_indices; i++)
        for (size_t j = 0; j < s->indices[i].n_dims; j++) {
            const helby_dimension *d = &s->indices[i].dims[j];
            if (d->min_valid < 1 || d->min_valid > d->n_items)
                fuzz_fail("min_valid outside 1..items");
            for (size_t k = 0; k < d->n_items; k++)
                if (d->items[k] >= s->n_vars)
                    fuzz_fail("an index item outside the variables");
        }
    for (size_t i = 0; i < s->n_shares; i++)
        if (s->shares[i].var >= s->n_vars)
            fuzz_fail("a share variable outside the variables");
    check_derived(s);
    char *blob;
    size_t len;
    helby_error err;
    if (helby_survey_serialize(s, &blob, &len, &err) != HELBY_OK)
        fuzz_fail("serialize failed");
    helby_survey *again = NULL;
    if (helby_survey_from_blob(&again, blob, len, &err) != HELBY_OK)
        fuzz_fail("a serialized definition does not load again");
    if (strcmp(again->hash, s->hash) != 0)
        fuzz_fail("the hash changed on a round trip");
    helby_survey_free(again);
    free(blob);
}

static void load(const char *blob, size_t len)
{
    helby_survey *s = NULL;
    helby_error err;
    helby_status st = helby_survey_from_blob(&s, blob, len, &err);
    if (st == HELBY_OK) {
        check_loaded(s);
        helby_survey_free(s);
    } else if (s || !err.message[0] || err.code != st) {
        fuzz_fail("a failed load without a message, or with a survey");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char magic[] = "helby-survey 1\n";
    if (size >= sizeof magic - 1 && memcmp(data, magic, sizeof magic - 1) == 0) {
        load((const char *)data, size);
        return 0;
    }
    fuzz_def d;
    memset(&d, 0, sizeof d);
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        /* A section starts at "@@ NAME\n" and runs to the next line starting "@@ ". */
        if (end - p < 3 || memcmp(p, "@@ ", 3) != 0) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            p = nl ? nl + 1 : end;
            continue;
        }
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        char name[256];
        size_t nn = (size_t)(nl - p - 3);
        if (nn == 0 || nn >= sizeof name || memchr(p + 3, ' ', nn) || memchr(p + 3, '\0', nn)) {
            p = nl + 1;
            continue;
        }
        memcpy(name, p + 3, nn);
        name[nn] = '\0';
        const char *body = nl + 1, *q = body;
        while (q < end && !(end - q >= 4 && memcmp(q, "\n@@ ", 4) == 0))
            q++;
        fuzz_def_set(&d, name, body, (size_t)(q - body));
        p = q < end ? q + 1 : end;
    }
    size_t len;
    char *blob = fuzz_def_blob(&d, &len);
    load(blob, len);
    free(blob);
    fuzz_def_free(&d);
    return 0;
}
