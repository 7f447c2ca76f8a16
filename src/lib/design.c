/* design.c — sampling designs (helby/design.h).
 * Layers (scripts/check-layers): design < replicate < weight < estimate; a module calls
 * and includes only those before it. */
#include "helby/design.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "design_internal.h"
#include "util_internal.h"

int helby_lonely_rule_parse(const char *name, helby_lonely_rule *out)
{
    static const char *names[] = {"fail", "remove", "certainty", "adjust", "average"};
    for (int i = 0; i < 5; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (helby_lonely_rule)i;
            return 1;
        }
    return 0;
}

/* The calibration residuals are filled by weight.c (helby_design_calibrate) but owned by
 * the design, which frees them: the design layer must not call up into weighting. */
void helby_cal_free(struct helby_cal *c)
{
    if (!c)
        return;
    free(c->cols);
    free(c->d0);
    free(c->wcal);
    free(c->Ainv);
    free(c);
}

void helby_design_free(helby_design *d)
{
    if (!d)
        return;
    free(d->w);
    free(d->psu);
    free(d->stratum_of_psu);
    free(d->n_h);
    free(d->f_h);
    free(d->stratum_id);
    if (d->stratum_name)
        for (size_t h = 0; h < d->H; h++)
            free(d->stratum_name[h]);
    free(d->stratum_name);
    helby_cal_free(d->cal);
    free(d);
}

size_t helby_design_rows(const helby_design *d)
{
    return d->n;
}

size_t helby_design_strata(const helby_design *d)
{
    return d->H;
}

size_t helby_design_psus(const helby_design *d)
{
    return d->P;
}

double helby_design_df(const helby_design *d)
{
    return (double)d->P - (double)d->H;
}

static const char *stratum_name(const helby_design_spec *s, size_t id, char *buf, size_t n)
{
    if (s->strata_names && id < s->n_strata_names && s->strata_names[id])
        return s->strata_names[id];
    snprintf(buf, n, "%zu", id);
    return buf;
}

/* An fpc is either population PSUs per stratum (all >= 1) or sampling fractions (all <= 1);
 * a design mixing the two is almost surely a data error, and R's svydesign refuses it ("Must
 * have all fpc>=1 or all fpc<=1"). A value of exactly 1 fits both. Names two strata of each
 * kind so the user can find the rows. */
static helby_status fpc_kinds_agree(const helby_design *d, const double *fpc_h, helby_error *err)
{
    size_t big[2], small[2], nb = 0, ns = 0;
    for (size_t h = 0; h < d->H; h++) {
        if (fpc_h[h] > 1 && nb < 2)
            big[nb++] = h;
        else if (fpc_h[h] < 1 && ns < 2)
            small[ns++] = h;
    }
    if (!nb || !ns)
        return HELBY_OK;
    char a[4][64];
    const char *nm[4];
    for (size_t i = 0; i < 2; i++) {
        nm[i] = i < nb ? helby_design_stratum_name(d, big[i], a[i], sizeof a[i]) : NULL;
        nm[2 + i] = i < ns ? helby_design_stratum_name(d, small[i], a[2 + i], sizeof a[2 + i])
                           : NULL;
    }
    return helby_error_set(err, HELBY_EINPUT,
                           "fpc mixes population counts (> 1: stratum %s%s%s) and sampling "
                           "fractions (< 1: stratum %s%s%s); give all strata one kind",
                           nm[0], nm[1] ? ", " : "", nm[1] ? nm[1] : "", nm[2], nm[3] ? ", " : "",
                           nm[3] ? nm[3] : "");
}

helby_status helby_design_new(helby_design **out, const helby_design_spec *s, helby_error *err)
{
    *out = NULL;
    if (!s || s->n == 0 || !s->weights)
        return helby_error_set(err, HELBY_EUSAGE, "a design needs rows and weights");
    helby_design *d = calloc(1, sizeof *d);
    helby_strmap smap, pmap;
    helby_strmap_init(&smap);
    helby_strmap_init(&pmap);
    helby_status st = HELBY_OK;
    char name[64];
    if (!d)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory building the design");
    d->n = s->n;
    d->lonely = s->lonely;
    d->w = helby_alloc_big(s->n * sizeof *d->w);
    d->psu = helby_alloc_big(s->n * sizeof *d->psu);
    if (!d->w || !d->psu)
        goto nomem;
    double wsum = 0;
    for (size_t k = 0; k < s->n; k++) {
        double w = s->weights[k];
        if (!(w >= 0) || !isfinite(w)) {
            st = helby_error_set(err, HELBY_EINPUT, "weight of row %zu is %g: weights must be "
                                 "finite and >= 0", k + 1, w);
            goto fail;
        }
        d->w[k] = w;
        wsum += w;
    }
    if (!(wsum > 0)) {
        st = helby_error_set(err, HELBY_ENUMERIC, "all weights are zero");
        goto fail;
    }
    /* Dense strata, then dense PSUs keyed by (stratum, psu). Files are usually sorted by
     * PSU, so a row like the one before it skips the hash lookups. */
    size_t prev_id = 0, prev_psu = 0, prev_p = 0, prev_h = 0;
    if (!s->psus && s->n > UINT32_MAX) {
        st = helby_error_set(err, HELBY_EUSAGE, "more than 4 billion PSUs");
        goto fail;
    }
    for (size_t k = 0; k < s->n; k++) {
        size_t id = s->strata ? s->strata[k] : 0, h, p;
        size_t pid = s->psus ? s->psus[k] : k;
        if (k > 0 && s->psus && id == prev_id && pid == prev_psu) {
            d->psu[k] = (uint32_t)prev_p;
            continue;
        }
        if (k > 0 && id == prev_id)
            h = prev_h;
        else if (helby_strmap_put(&smap, (const char *)&id, sizeof id, smap.count, &h) < 0)
            goto nomem;
        prev_h = h;
        if (!s->psus) {
            /* each row its own PSU: dense in row order, no hashing (the stratum of each
             * PSU is kept in stratum_of_psu below) */
            d->psu[k] = (uint32_t)k;
            prev_id = id;
            continue;
        }
        size_t key[2] = {h, pid};
        if (helby_strmap_put(&pmap, (const char *)key, sizeof key, pmap.count, &p) < 0)
            goto nomem;
        if (p > UINT32_MAX) {
            st = helby_error_set(err, HELBY_EUSAGE, "more than 4 billion PSUs");
            goto fail;
        }
        d->psu[k] = (uint32_t)p;
        prev_id = id, prev_psu = pid, prev_p = p;
    }
    d->H = smap.count;
    d->P = s->psus ? pmap.count : s->n;
    d->stratum_of_psu = malloc(d->P * sizeof *d->stratum_of_psu);
    d->n_h = calloc(d->H, sizeof *d->n_h);
    d->f_h = malloc(d->H * sizeof *d->f_h);
    d->stratum_id = malloc(d->H * sizeof *d->stratum_id);
    double *fpc_h = malloc(d->H * sizeof *fpc_h);
    if (!d->stratum_of_psu || !d->n_h || !d->f_h || !d->stratum_id || !fpc_h) {
        free(fpc_h);
        goto nomem;
    }
    d->stratum_name = calloc(d->H, sizeof *d->stratum_name);
    if (!d->stratum_name) {
        free(fpc_h);
        goto nomem;
    }
    for (size_t h = 0; h < d->H; h++) {
        memcpy(&d->stratum_id[h], helby_strmap_key(&smap, h), sizeof(size_t));
        fpc_h[h] = NAN;
        const char *nm = stratum_name(s, d->stratum_id[h], name, sizeof name);
        if (!(d->stratum_name[h] = strdup(nm))) {
            free(fpc_h);
            goto nomem;
        }
    }
    for (size_t p = 0; p < d->P && s->psus; p++) {
        size_t key[2];
        memcpy(key, helby_strmap_key(&pmap, p), sizeof key);
        d->stratum_of_psu[p] = key[0];
        d->n_h[key[0]]++;
    }
    for (size_t k = 0, h = 0; k < s->n && !s->psus; k++) {
        size_t id = s->strata ? s->strata[k] : 0;
        if (k == 0 || id != prev_id) {
            helby_strmap_get(&smap, (const char *)&id, sizeof id, &h); /* put above */
            prev_id = id;
        }
        d->stratum_of_psu[k] = h;
        d->n_h[h]++;
    }
    for (size_t k = 0; k < s->n && s->fpc; k++) {
        size_t h = d->stratum_of_psu[d->psu[k]];
        double f = s->fpc[k];
        if (!(f > 0) || !isfinite(f)) {
            st = helby_error_set(err, HELBY_EINPUT, "fpc of row %zu is %g: it must be positive",
                                 k + 1, f);
            break;
        }
        if (isnan(fpc_h[h]))
            fpc_h[h] = f;
        else if (fpc_h[h] != f) {
            st = helby_error_set(err, HELBY_EINPUT, "fpc varies within stratum %s",
                                 stratum_name(s, d->stratum_id[h], name, sizeof name));
            break;
        }
    }
    if (!st)
        st = fpc_kinds_agree(d, fpc_h, err);
    for (size_t h = 0; h < d->H && !st; h++) {
        double nh = (double)d->n_h[h], N = fpc_h[h];
        if (isnan(N)) {
            d->f_h[h] = 1;
            continue;
        }
        if (N <= 1)
            N = nh / N; /* a sampling fraction: population PSUs = n / f (as R) */
        if (N < nh - 1e-9) {
            st = helby_error_set(err, HELBY_EINPUT,
                                 "fpc of stratum %s (%g) is smaller than its %zu sampled PSUs",
                                 stratum_name(s, d->stratum_id[h], name, sizeof name), N,
                                 d->n_h[h]);
            break;
        }
        d->f_h[h] = (N - nh) / N;
    }
    free(fpc_h);
    if (st)
        goto fail;
    if (d->P < 2) {
        /* The data cannot support a variance: bad input (exit 2), as every design limit. */
        st = helby_error_set(err, HELBY_EINPUT,
                             "the design has a single PSU: no variance can be estimated");
        goto fail;
    }
    for (size_t h = 0; h < d->H; h++)
        if (d->n_h[h] == 1 && d->lonely == HELBY_LONELY_FAIL && d->f_h[h] >= 1e-7) {
            st = helby_error_set(err, HELBY_EINPUT,
                                 "stratum %s has only one PSU; choose a lonely_psu rule (remove, "
                                 "certainty, adjust or average)",
                                 stratum_name(s, d->stratum_id[h], name, sizeof name));
            goto fail;
        }
    helby_strmap_free(&smap);
    helby_strmap_free(&pmap);
    *out = d;
    return HELBY_OK;
nomem:
    st = helby_error_set(err, HELBY_ENOMEM, "out of memory building the design");
fail:
    helby_strmap_free(&smap);
    helby_strmap_free(&pmap);
    helby_design_free(d);
    return st;
}

const char *helby_design_stratum_name(const helby_design *d, size_t h, char *buf, size_t n)
{
    if (d->stratum_name && d->stratum_name[h])
        return d->stratum_name[h];
    snprintf(buf, n, "%zu", d->stratum_id[h]);
    return buf;
}

/* R survey's onestage/onestrat (first stage): per stratum, scale = f n/(n-1)
 * (f = (N-n)/N, 1 without fpc), PSU totals centred on the stratum mean;
 * a certainty stratum (f ~ 0) contributes nothing; a lonely PSU contributes
 * 0 (remove, certainty), its uncentred square times f (adjust), or is left
 * out and the sum scaled by strata / strata with a variance (average). */
void helby_design_vcov(const helby_design *d, const double *T, size_t D, double *V)
{
    memset(V, 0, D * D * sizeof *V);
    double *mean = calloc(D * (d->H ? d->H : 1), sizeof *mean);
    double *dev = malloc((D ? D : 1) * sizeof *dev);
    if (!mean || !dev) {
        free(mean);
        free(dev);
        for (size_t i = 0; i < D * D; i++)
            V[i] = NAN;
        return;
    }
    for (size_t p = 0; p < d->P; p++) {
        size_t h = d->stratum_of_psu[p];
        for (size_t j = 0; j < D; j++)
            mean[h * D + j] += T[p * D + j];
    }
    size_t lonely_left_out = 0;
    for (size_t h = 0; h < d->H; h++) {
        for (size_t j = 0; j < D; j++)
            mean[h * D + j] /= (double)d->n_h[h];
        if (d->n_h[h] == 1 && d->lonely == HELBY_LONELY_AVERAGE && d->f_h[h] >= 1e-7)
            lonely_left_out++;
    }
    for (size_t p = 0; p < d->P; p++) {
        size_t h = d->stratum_of_psu[p];
        double nh = (double)d->n_h[h], f = d->f_h[h], scale;
        if (f < 1e-7)
            continue;
        if (d->n_h[h] > 1) {
            scale = f * nh / (nh - 1);
            for (size_t j = 0; j < D; j++)
                dev[j] = T[p * D + j] - mean[h * D + j];
        } else if (d->lonely == HELBY_LONELY_ADJUST) {
            scale = f;
            for (size_t j = 0; j < D; j++)
                dev[j] = T[p * D + j];
        } else {
            continue; /* remove, certainty: 0; average: left out and scaled below */
        }
        for (size_t a = 0; a < D; a++) {
            double da = scale * dev[a];
            if (da == 0)
                continue;
            for (size_t b = 0; b < D; b++)
                V[a * D + b] += da * dev[b];
        }
    }
    if (lonely_left_out && lonely_left_out < d->H) {
        double s = (double)d->H / (double)(d->H - lonely_left_out);
        for (size_t i = 0; i < D * D; i++)
            V[i] *= s;
    }
    free(mean);
    free(dev);
}
