/* sensitivity_choice.c — how a point of [0, 1)^k becomes an index's construction
 * (helby/sensitivity.h, docs/method.md §12): each choice of the survey's sensitivity.csv as
 * levels, and a point's levels as an override of the index's reference construction. The
 * sampling of the points is stats/sensitivity_sobol.c's; the scenarios, sensitivity.c's. */
#include <stddef.h>

#include "helby/score.h"
#include "helby/sensitivity.h"

size_t helby_choice_levels(const helby_choice *c)
{
    if (c->is_range)
        return 0;
    return c->n_values + (c->kind == HELBY_CHOICE_DROP_ITEM);
}

double helby_choice_level(const helby_choice *c, double u)
{
    if (c->is_range)
        return c->low + u * (c->high - c->low);
    size_t L = helby_choice_levels(c), l = (size_t)(u * (double)L);
    return (double)(l < L ? l : L - 1);
}

void helby_choice_construction(const helby_survey *s, const helby_index *ix,
                               const helby_choice *const *ch, size_t k, const double *u,
                               helby_index_override *o, double *weights, size_t *min_valid)
{
    (void)s;
    helby_index_override_reference(ix, o);
    for (size_t j = 0; j < ix->n_dims; j++)
        weights[j] = ix->dims[j].weight, min_valid[j] = ix->dims[j].min_valid;
    for (size_t i = 0; i < k; i++) {
        const helby_choice *c = ch[i];
        double l = helby_choice_level(c, u[i]);
        switch (c->kind) {
        case HELBY_CHOICE_WEIGHT: weights[c->dim] = c->is_range ? l : c->values[(size_t)l]; break;
        case HELBY_CHOICE_AGGREGATION:
            o->aggregation = (helby_aggregation)c->values[(size_t)l];
            break;
        case HELBY_CHOICE_MIN_VALID: min_valid[c->dim] = (size_t)c->values[(size_t)l]; break;
        case HELBY_CHOICE_DROP_ITEM:
            o->drop_item = l > 0 ? (size_t)c->values[(size_t)l - 1] : HELBY_NO_VAR;
            break;
        }
    }
    o->dim_weights = weights;
    o->min_valid = min_valid;
}
