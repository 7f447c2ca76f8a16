/* bench_weight.c — weighting benchmark (scripts/bench-weight; never a test): reads
 * "weight;a;b;c;y" (levels 1..10 each), rakes to the margins in the file's companion
 * totals (a;b;c totals of 10 levels each, from argv[2]), by IPF, exponential calibration and
 * linear calibration, then the mean of y with the calibration residual variance. Prints the
 * seconds of each step and the estimates, to compare with R on the same file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helby/estimate.h"
#include "helby/weight.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_weight DATA.csv TOTALS.csv\n");
        return 1;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f)
        return 1;
    size_t cap = 1 << 20, n = 0;
    double *w = malloc(cap * sizeof *w), *y = malloc(cap * sizeof *y);
    long *lv[3] = {malloc(cap * sizeof(long)), malloc(cap * sizeof(long)),
                   malloc(cap * sizeof(long))};
    char line[256];
    if (!fgets(line, sizeof line, f))
        return 1;
    while (fgets(line, sizeof line, f)) {
        if (n == cap) {
            cap *= 2;
            w = realloc(w, cap * sizeof *w);
            y = realloc(y, cap * sizeof *y);
            for (int j = 0; j < 3; j++)
                lv[j] = realloc(lv[j], cap * sizeof(long));
        }
        long a, b, c;
        if (sscanf(line, "%lf;%ld;%ld;%ld;%lf", &w[n], &a, &b, &c, &y[n]) != 5)
            return 1;
        lv[0][n] = a - 1, lv[1][n] = b - 1, lv[2][n] = c - 1;
        n++;
    }
    fclose(f);
    double tot[3][10];
    f = fopen(argv[2], "r");
    for (int j = 0; j < 3; j++)
        for (int l = 0; l < 10; l++)
            if (!f || fscanf(f, "%lf", &tot[j][l]) != 1)
                return 1;
    fclose(f);
    helby_margin m[3];
    const char *names[3] = {"a", "b", "c"};
    for (int j = 0; j < 3; j++)
        m[j] = (helby_margin){names[j], 10, NULL, tot[j], lv[j]};
    helby_design_spec ds = {n, w, NULL, NULL, NULL, HELBY_LONELY_FAIL, NULL, 0};
    const helby_weight_method methods[3] = {HELBY_WEIGHT_RAKE, HELBY_WEIGHT_RAKING,
                                            HELBY_WEIGHT_LINEAR};
    for (int i = 0; i < 3; i++) {
        helby_weight_spec s;
        helby_weight_spec_default(&s);
        s.method = methods[i];
        helby_weighting *W;
        helby_error err;
        double t0 = now();
        if (helby_weight_compute(&W, &s, n, w, m, 3, &err)) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        double t1 = now();
        helby_design *d;
        size_t first = 0;
        helby_estimates *e;
        const helby_weighting *parts[] = {W};
        if (helby_design_new(&d, &ds, &err) || helby_design_calibrate(d, parts, &first, 1, &err) ||
            helby_estimate_by(d, HELBY_EST_MEAN, y, NULL, NULL, 1, NULL, &e, &err)) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        double t2 = now();
        printf("%-8s weights %.3f s (%d iterations), mean with SE %.3f s: mean %.10g se %.10g\n",
               helby_weight_method_name(methods[i]), t1 - t0, helby_weighting_diag(W)->iterations,
               t2 - t1, e->est[0].estimate, e->est[0].se);
        helby_estimates_free(e);
        helby_design_free(d);
        helby_weighting_free(W);
    }
    free(w), free(y);
    for (int j = 0; j < 3; j++)
        free(lv[j]);
    return 0;
}
