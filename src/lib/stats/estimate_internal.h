/* estimate_internal.h — estimate.c's helpers for modules above it. */
#ifndef HELBY_ESTIMATE_INTERNAL_H
#define HELBY_ESTIMATE_INTERNAL_H

#include "helby/estimate.h"

/* Fill ci_low/ci_high (and ci_deff1) by o->ci (t, normal, logit, beta, Wald), rel_se and
 * the unreliable flag from e->estimate, e->se, e->df and e->n (the domain's respondents with
 * a value). kg_df: the domain's df for Korn–Graubard (its PSUs - its strata); 0: e->df. */
void helby_estimate_set_ci(helby_estimate *e, const helby_estimate_options *o, double kg_df);

#endif
