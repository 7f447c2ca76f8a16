/* explain_internal.h — what explain's files share (not API). */
#ifndef HELBY_EXPLAIN_INTERNAL_H
#define HELBY_EXPLAIN_INTERNAL_H

#include "helby/explain.h"

/* Model columns at most (intercept, group, covariate columns). */
#define EX_MAX_P 64

/* One wave's computation: the layout of the totals, the full-sample fit and theta, the
 * gradient G (Dt x Q) and the covariance V (Q x Q) of the quantities. Quantities: the
 * HELBY_EX_N_QUANTITIES, then T explained parts by term, then the p coefficients. */
typedef struct ex_ctx {
    const helby_explain_data *in;
    size_t p, C, T, Q, Dt;
    size_t oA, oB, oC;
    unsigned char *use;   /* n: the row is in the analysis */
    unsigned char *alias; /* p */
    double *beta, *Ainv;  /* full sample */
    double *S0, *theta;   /* Dt totals, Q quantities */
    double *G, *V;
} ex_ctx;

int ex_ctx_init(ex_ctx *c, const helby_explain_data *in);
void ex_ctx_free(ex_ctx *c);
size_t ex_max_nnz(const ex_ctx *c);
size_t ex_row(const ex_ctx *c, size_t k, size_t *idx, double *val);
void ex_totals(const ex_ctx *c, const double *w, double *S);
void ex_full_sample(ex_ctx *c, const double *w);
void ex_eval(const ex_ctx *c, const double *S, const double *bfix, double *th);
void ex_gradient(ex_ctx *c);
/* Into c->V; 0, or -1 when out of memory. */
int ex_vcov_linearization(ex_ctx *c, const helby_design *d);
int ex_vcov_replicates(ex_ctx *c, const helby_replicates *r);
void ex_add_fit_part(ex_ctx *c);

#endif
