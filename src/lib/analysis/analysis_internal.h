/* analysis_internal.h — what the analysis layer's files share (not API). */
#ifndef HELBY_ANALYSIS_INTERNAL_H
#define HELBY_ANALYSIS_INTERNAL_H

#include "helby/analysis.h"

/* A weight set recomputed for every wave of a dataset (weightapply.c): the weightings and
 * their margins, checked bit for bit against the stored weights. */
typedef struct helby_wave_weights helby_wave_weights;

/* Recompute weight set `name` for D's waves; appends ";weights/WAVE=sha256" per wave to
 * inputs. */
helby_status helby_wave_weights_prepare(helby_store *st, const helby_dataset *D, const char *name,
                                        helby_wave_weights **out, char *inputs, size_t n_inputs,
                                        helby_error *err);
/* Give design d (and *rep, when not NULL) the weights of wave index `wave` of D (d's rows are
 * that wave's, from 0), or of every wave when wave is (size_t)-1 (d's rows are D's). */
helby_status helby_wave_weights_apply(const helby_wave_weights *ww, const helby_dataset *D,
                                      size_t wave, helby_design *d, helby_replicates **rep,
                                      helby_error *err);
void helby_wave_weights_free(helby_wave_weights *ww);

/* The design (and replicates, NULL under linearization) of wave index `wave` of W, or of the
 * stacked waves when wave is (size_t)-1 (built on first use). Owned by W. */
helby_status helby_wave_designs_part(helby_wave_designs *W, size_t wave, const helby_design **d,
                                     const helby_replicates **rep, helby_error *err);

#endif
