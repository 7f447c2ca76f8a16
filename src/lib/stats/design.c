/* design.c — sampling designs (helby/design.h).
 * Inside stats/: design < replicate < weight < estimate; a file calls and includes only
 * those before it (scripts/check-layers: no circle between files). */
#include "helby/design.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/design_internal.h"
#include "base/util_internal.h"

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
        nm[2 + i] =
            i < ns ? helby_design_stratum_name(d, small[i], a[2 + i], sizeof a[2 + i]) : NULL;
    }
    return helby_error_set(err, HELBY_EINPUT,
                           "fpc mixes population counts (> 1: stratum %s%s%s) and sampling "
                           "fractions (< 1: stratum %s%s%s); give all strata one kind",
                           nm[0], nm[1] ? ", " : "", nm[1] ? nm[1] : "", nm[2], nm[3] ? ", " : "",
                           nm[3] ? nm[3] : "");
}

/* The weights copied and checked: finite, >= 0, not all zero. */
static helby_status design_weights(helby_design *d, const helby_design_spec *s, helby_error *err)
{
    double wsum = 0;
    for (size_t k = 0; k < s->n; k++) {
        double w = s->weights[k];
        if (!(w >= 0) || !isfinite(w))
            return helby_error_set(err, HELBY_EINPUT,
                                   "weight of row %zu is %g: weights must be "
                                   "finite and >= 0",
                                   k + 1, w);
        d->w[k] = w;
        wsum += w;
    }
    return wsum > 0 ? HELBY_OK : helby_error_set(err, HELBY_ENUMERIC, "all weights are zero");
}

/* Dense strata (smap), then dense PSUs keyed by (stratum, psu) (pmap) into d->psu. Files are
 * usually sorted by PSU, so a row like the one before it skips the hash lookups. */
static helby_status design_number(helby_design *d, const helby_design_spec *s, helby_strmap *smap,
                                  helby_strmap *pmap, helby_error *err)
{
    size_t prev_id = 0, prev_psu = 0, prev_p = 0, prev_h = 0;
    if (!s->psus && s->n > UINT32_MAX)
        return helby_error_set(err, HELBY_EUSAGE, "more than 4 billion PSUs");
    for (size_t k = 0; k < s->n; k++) {
        size_t id = s->strata ? s->strata[k] : 0, h, p;
        size_t pid = s->psus ? s->psus[k] : k;
        if (k > 0 && s->psus && id == prev_id && pid == prev_psu) {
            d->psu[k] = (uint32_t)prev_p;
            continue;
        }
        if (k > 0 && id == prev_id)
            h = prev_h;
        else if (helby_strmap_put(smap, (const char *)&id, sizeof id, smap->count, &h) < 0)
            return HELBY_ENOMEM;
        prev_h = h;
        if (!s->psus) {
            /* each row its own PSU: dense in row order, no hashing (the stratum of each
             * PSU is kept in stratum_of_psu below) */
            d->psu[k] = (uint32_t)k;
            prev_id = id;
            continue;
        }
        size_t key[2] = {h, pid};
        if (helby_strmap_put(pmap, (const char *)key, sizeof key, pmap->count, &p) < 0)
            return HELBY_ENOMEM;
        if (p > UINT32_MAX)
            return helby_error_set(err, HELBY_EUSAGE, "more than 4 billion PSUs");
        d->psu[k] = (uint32_t)p;
        prev_id = id, prev_psu = pid, prev_p = p;
    }
    d->H = smap->count;
    d->P = s->psus ? pmap->count : s->n;
    return HELBY_OK;
}

/* The strata's ids and names, each PSU's stratum and the PSUs per stratum. */
static helby_status design_layout(helby_design *d, const helby_design_spec *s,
                                  const helby_strmap *smap, const helby_strmap *pmap)
{
    char name[64];
    d->stratum_of_psu = malloc(d->P * sizeof *d->stratum_of_psu);
    d->n_h = calloc(d->H, sizeof *d->n_h);
    d->f_h = malloc(d->H * sizeof *d->f_h);
    d->stratum_id = malloc(d->H * sizeof *d->stratum_id);
    d->stratum_name = calloc(d->H, sizeof *d->stratum_name);
    if (!d->stratum_of_psu || !d->n_h || !d->f_h || !d->stratum_id || !d->stratum_name)
        return HELBY_ENOMEM;
    for (size_t h = 0; h < d->H; h++) {
        memcpy(&d->stratum_id[h], helby_strmap_key(smap, h), sizeof(size_t));
        const char *nm = stratum_name(s, d->stratum_id[h], name, sizeof name);
        if (!(d->stratum_name[h] = strdup(nm)))
            return HELBY_ENOMEM;
    }
    for (size_t p = 0; p < d->P && s->psus; p++) {
        size_t key[2];
        memcpy(key, helby_strmap_key(pmap, p), sizeof key);
        d->stratum_of_psu[p] = key[0];
        d->n_h[key[0]]++;
    }
    size_t prev_id = 0;
    for (size_t k = 0, h = 0; k < s->n && !s->psus; k++) {
        size_t id = s->strata ? s->strata[k] : 0;
        if (k == 0 || id != prev_id) {
            helby_strmap_get(smap, (const char *)&id, sizeof id, &h); /* put above */
            prev_id = id;
        }
        d->stratum_of_psu[k] = h;
        d->n_h[h]++;
    }
    return HELBY_OK;
}

/* Each stratum's fpc (constant within it, positive, of one kind), into f_h = (N - n) / N
 * (1 without fpc; a fraction f gives N = n / f, as R). */
static helby_status design_fpc(helby_design *d, const helby_design_spec *s, helby_error *err)
{
    char name[64];
    double *fpc_h = malloc(d->H * sizeof *fpc_h);
    if (!fpc_h)
        return HELBY_ENOMEM;
    helby_status st = HELBY_OK;
    for (size_t h = 0; h < d->H; h++)
        fpc_h[h] = NAN;
    for (size_t k = 0; k < s->n && s->fpc && !st; k++) {
        size_t h = d->stratum_of_psu[d->psu[k]];
        double f = s->fpc[k];
        if (!(f > 0) || !isfinite(f))
            st = helby_error_set(err, HELBY_EINPUT, "fpc of row %zu is %g: it must be positive",
                                 k + 1, f);
        else if (isnan(fpc_h[h]))
            fpc_h[h] = f;
        else if (fpc_h[h] != f)
            st = helby_error_set(err, HELBY_EINPUT, "fpc varies within stratum %s",
                                 stratum_name(s, d->stratum_id[h], name, sizeof name));
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
        if (N < nh - 1e-9)
            st = helby_error_set(
                err, HELBY_EINPUT, "fpc of stratum %s (%g) is smaller than its %zu sampled PSUs",
                stratum_name(s, d->stratum_id[h], name, sizeof name), N, d->n_h[h]);
        else
            d->f_h[h] = (N - nh) / N;
    }
    free(fpc_h);
    return st;
}

/* What no variance can come from: a single PSU, a lonely PSU under the rule `fail`. The data
 * cannot support a variance: bad input (exit 2), as every design limit. */
static helby_status design_supports_variance(const helby_design *d, const helby_design_spec *s,
                                             helby_error *err)
{
    char name[64];
    if (d->P < 2)
        return helby_error_set(err, HELBY_EINPUT,
                               "the design has a single PSU: no variance can be estimated");
    for (size_t h = 0; h < d->H; h++)
        if (d->n_h[h] == 1 && d->lonely == HELBY_LONELY_FAIL && d->f_h[h] >= 1e-7)
            return helby_error_set(err, HELBY_EINPUT,
                                   "stratum %s has only one PSU; choose a lonely_psu rule "
                                   "(remove, certainty, adjust or average)",
                                   stratum_name(s, d->stratum_id[h], name, sizeof name));
    return HELBY_OK;
}

helby_status helby_design_new(helby_design **out, const helby_design_spec *s, helby_error *err)
{
    *out = NULL;
    if (!s || s->n == 0 || !s->weights)
        return helby_error_set(err, HELBY_EUSAGE, "a design needs rows and weights");
    helby_design *d = calloc(1, sizeof *d);
    if (!d)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory building the design");
    helby_strmap smap, pmap;
    helby_strmap_init(&smap);
    helby_strmap_init(&pmap);
    d->n = s->n;
    d->lonely = s->lonely;
    d->w = helby_alloc_big(s->n * sizeof *d->w);
    d->psu = helby_alloc_big(s->n * sizeof *d->psu);
    helby_status st = !d->w || !d->psu ? HELBY_ENOMEM : HELBY_OK;
    if (!st)
        st = design_weights(d, s, err);
    if (!st)
        st = design_number(d, s, &smap, &pmap, err);
    if (!st)
        st = design_layout(d, s, &smap, &pmap);
    if (!st)
        st = design_fpc(d, s, err);
    if (!st)
        st = design_supports_variance(d, s, err);
    helby_strmap_free(&smap);
    helby_strmap_free(&pmap);
    if (st == HELBY_ENOMEM)
        helby_error_set(err, HELBY_ENOMEM, "out of memory building the design");
    if (st) {
        helby_design_free(d);
        return st;
    }
    *out = d;
    return HELBY_OK;
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
