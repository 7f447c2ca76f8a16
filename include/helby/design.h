/*
 * helby/design.h — a sampling design for variance estimation.
 *
 * Built from per-row arrays: base weights, optional strata, optional PSUs
 * (units are their own PSUs when none are given), optional fpc (population
 * PSUs per stratum, or a sampling fraction <= 1) and the lonely-PSU rule.
 * Variance is the first-stage ("ultimate cluster") estimator of
 * STATISTICS.md §2–3, as R `survey`'s svyrecvar with one stage of fpc.
 * Knows nothing of files or stores; estimate.h computes with it.
 */
#ifndef HELBY_DESIGN_H
#define HELBY_DESIGN_H

#include <stddef.h>

#include "helby/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What to do with a stratum that has a single PSU (R options(survey.lonely.psu=)). */
typedef enum helby_lonely_rule {
    HELBY_LONELY_FAIL = 0,  /* error naming the stratum (default) */
    HELBY_LONELY_REMOVE,    /* the stratum contributes nothing */
    HELBY_LONELY_CERTAINTY, /* treated as sampled with certainty: contributes nothing */
    HELBY_LONELY_ADJUST,    /* centred on the grand mean (zero) instead of the stratum mean */
    HELBY_LONELY_AVERAGE    /* variance scaled up by strata / strata with > 1 PSU */
} helby_lonely_rule;

/* Parse "fail", "remove", "certainty", "adjust", "average"; returns 0 if unknown. */
int helby_lonely_rule_parse(const char *name, helby_lonely_rule *out);

typedef struct helby_design_spec {
    size_t n;                   /* rows */
    const double *weights;      /* n base weights, >= 0 (0 = outside the sample) */
    const size_t *strata;       /* n stratum ids (any values) or NULL: one stratum */
    const size_t *psus;         /* n PSU ids (any values, nested in strata) or NULL */
    const double *fpc;          /* n values, constant within a stratum, or NULL */
    helby_lonely_rule lonely;
    /* Optional names of stratum ids for messages: strata_names[id] (may be NULL). */
    const char *const *strata_names;
    size_t n_strata_names;
} helby_design_spec;

typedef struct helby_design helby_design;

/* Build a design. Errors (HELBY_EUSAGE / HELBY_ENUMERIC): no rows, a negative or
 * non-finite weight, all weights zero, fpc varying within a stratum or smaller
 * than the PSUs sampled, a single PSU in the whole design, and a lonely PSU
 * under the rule `fail` (naming the stratum). The caller frees with
 * helby_design_free. The arrays are copied. */
helby_status helby_design_new(helby_design **out, const helby_design_spec *spec,
                              helby_error *err);
void helby_design_free(helby_design *d);

size_t helby_design_rows(const helby_design *d);
size_t helby_design_strata(const helby_design *d);
size_t helby_design_psus(const helby_design *d);
/* Design degrees of freedom: PSUs - strata (R degf). */
double helby_design_df(const helby_design *d);

#ifdef __cplusplus
}
#endif
#endif
