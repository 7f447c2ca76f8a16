/* estimate_internal.h — estimate.c's helpers for modules above it. */
#ifndef HELBY_ESTIMATE_INTERNAL_H
#define HELBY_ESTIMATE_INTERNAL_H

#include "helby/estimate.h"

/* Fill ci_low/ci_high by o->ci (t, normal, logit, beta, Wald), rel_se and the
 * unreliable flag from e->estimate, e->se, e->df and e->n. n_rows is the
 * design's row count (Korn–Graubard's nrow(design) - 1). */
void helby_estimate_set_ci(helby_estimate *e, const helby_estimate_options *o, double n_rows);

#endif
