/* bench_estimate.c — time helby's estimation on a large CSV (driven by scripts/bench-estimate).
 *   bench_estimate FILE.csv linearization|bootstrap|jkn [REPLICATES]
 * The file has columns stratum;psu;weight;group;wave;y (numbers). Prints the seconds spent
 * reading and estimating, and the estimates (to compare with R). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helby/csv.h"
#include "helby/estimate.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct cols {
    size_t n, cap;
    size_t *strata, *psu;
    double *w, *y;
    long *dom;
} cols;

static helby_status row(void *ctx, size_t ri, long line, const helby_field *f, size_t nf,
                        helby_error *err)
{
    cols *c = ctx;
    (void)line;
    if (ri == 0)
        return HELBY_OK;
    if (nf != 6)
        return helby_error_set(err, HELBY_EINPUT, "expected 6 fields");
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1 << 16;
        c->strata = realloc(c->strata, c->cap * sizeof *c->strata);
        c->psu = realloc(c->psu, c->cap * sizeof *c->psu);
        c->w = realloc(c->w, c->cap * sizeof *c->w);
        c->y = realloc(c->y, c->cap * sizeof *c->y);
        c->dom = realloc(c->dom, c->cap * sizeof *c->dom);
    }
    size_t k = c->n++;
    c->strata[k] = strtoul(f[0].text, NULL, 10);
    c->psu[k] = strtoul(f[1].text, NULL, 10);
    c->w[k] = strtod(f[2].text, NULL);
    long g = strtol(f[3].text, NULL, 10), wave = strtol(f[4].text, NULL, 10);
    c->dom[k] = (wave - 1) * 2 + (g - 1); /* group x wave: 10 domains */
    c->y[k] = strtod(f[5].text, NULL);
    return HELBY_OK;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_estimate FILE linearization|bootstrap|jkn [B]\n");
        return 1;
    }
    double t0 = now();
    /* Read line by line: the benchmark measures estimation, not holding the file. */
    FILE *fp = fopen(argv[1], "r");
    if (!fp) {
        perror(argv[1]);
        return 2;
    }
    cols c = {0};
    char line[256];
    helby_error err;
    helby_field f[6];
    size_t ri = 0;
    while (fgets(line, sizeof line, fp)) {
        char *p = line;
        size_t nf = 0;
        while (nf < 6) {
            f[nf].text = p;
            char *e = strpbrk(p, ";\n");
            f[nf].len = e ? (size_t)(e - p) : strlen(p);
            nf++;
            if (!e || *e == '\n')
                break;
            *e = '\0';
            p = e + 1;
        }
        if (row(&c, ri++, 0, f, nf, &err)) {
            fprintf(stderr, "%s\n", err.message);
            return 2;
        }
    }
    fclose(fp);
    double t1 = now();
    helby_design_spec spec = {c.n, c.w, c.strata, c.psu, NULL, HELBY_LONELY_FAIL, NULL, 0};
    helby_design *des;
    if (helby_design_new(&des, &spec, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 4;
    }
    helby_estimates *e;
    int jkn = strcmp(argv[2], "jkn") == 0;
    if (jkn || strcmp(argv[2], "bootstrap") == 0) {
        helby_rep_spec rs = {jkn ? HELBY_REP_JKN : HELBY_REP_BOOTSTRAP, 0,
                             argc > 3 ? strtoul(argv[3], NULL, 10) : 100, 1, 0};
        helby_replicates *r;
        if (helby_replicates_new(&r, des, &rs, &err) ||
            helby_estimate_by_replicates(r, HELBY_EST_MEAN, c.y, NULL, c.dom, 10, NULL, &e, &err)) {
            fprintf(stderr, "%s\n", err.message);
            return 4;
        }
        helby_replicates_free(r);
    } else if (helby_estimate_by(des, HELBY_EST_MEAN, c.y, NULL, c.dom, 10, NULL, &e, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 4;
    }
    double t2 = now();
    printf("read %.3f s, estimate %.3f s (%zu rows, %zu PSUs, %zu strata)\n", t1 - t0, t2 - t1, c.n,
           helby_design_psus(des), helby_design_strata(des));
    for (size_t g = 0; g < 10; g++)
        printf("domain %zu: %.17g (se %.17g)\n", g, e->est[g].estimate, e->est[g].se);
    helby_estimates_free(e);
    helby_design_free(des);
    free(c.strata), free(c.psu), free(c.w), free(c.y), free(c.dom);
    return 0;
}
