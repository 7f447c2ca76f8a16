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

/* By-variables (a role, "group" or a coded variable) as the survey's variable names
 * (tables.c); HELBY_EUSAGE naming the first that is not coded (err->variable); at most 64. */
helby_status helby_by_resolve(const helby_survey *s, const char *const *by, size_t n_by,
                              const char **names, helby_error *err);
/* The columns to load into load (room for n_by + 1): `first`, then the by-variables but the
 * wave (its column is not loaded); returns how many. */
size_t helby_by_load_list(const helby_survey *s, const char *first, const char *const *names,
                          size_t n_by, const char **load);
/* The domains of the by-variables over D, as helby_analysis_estimate's: dom[k] in 0..*nd-1 or
 * -1, *codes (malloc'ed, *nd x n_by) their levels in ascending order; with no by-variable one
 * domain of every row. HELBY_EINPUT when no respondent has a level of every by-variable. */
helby_status helby_by_domains(const helby_dataset *D, const char *const *by, size_t n_by,
                              const char *const *names, long *dom, size_t *nd, double **codes,
                              helby_error *err);

/* A subpopulation as a domain (where.c): conditions "VAR=A|B" or "VAR!=A" joined by ","
 * on coded variables (a role, "group": 0 Danes / 1 minorities, or "wave"), all to be met.
 * Rows that do not meet them leave every domain; the design stays whole (R
 * subset.survey.design). NULL text: no condition (*out NULL). HELBY_EUSAGE naming a bad
 * condition. */
typedef struct helby_where helby_where;
helby_status helby_where_parse(const helby_survey *s, const char *text, helby_where **out,
                               helby_error *err);
void helby_where_free(helby_where *w);
/* The columns the conditions read (the wave's is not loaded), at most room. */
size_t helby_where_vars(const helby_where *w, const char **names, size_t room);
/* dom[k] = -1 for the rows of D that do not meet w; returns the rows left in a domain. */
size_t helby_where_apply(const helby_where *w, const helby_dataset *D, long *dom);
/* y[k] = NaN for the rows of D that do not meet w (w NULL: nothing). */
helby_status helby_where_mask_values(const helby_where *w, const helby_dataset *D, double *y,
                                     helby_error *err);
/* Renumber the domains of dom that still have a row, in order, moving their codes (nd x n_by)
 * down; returns how many are left. */
size_t helby_domains_compact(long *dom, size_t n, size_t nd, double *codes, size_t n_by);

#endif
