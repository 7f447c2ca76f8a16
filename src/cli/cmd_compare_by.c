/* cmd_compare_by.c — helby compare --by X: minorities vs Danes within each level of X (age
 * band, sex, district, ...), per wave: both groups, the gap and ratio with CIs and, against
 * the baseline wave, the change of the gap and the relative gap change
 * (helby_analysis_compare_by, tables.h); wave_label after wave where the codebook labels waves. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "helby/tables.h"
#include "output.h"

/* Why a quantity has no number. */
static const char *why(const helby_estimate *e, int suppressed)
{
    if (!isnan(e->estimate))
        return "";
    return suppressed ? "suppressed" : e->n == 0 ? "empty" : "undefined";
}

typedef struct by_out {
    out_table T;
    const char *measure, *label;
    double level;
} by_out;

static void put(by_out *o, long wave, const char *q, const helby_estimate *e, const char *flag)
{
    out_value v[12] = {
        {.s = o->measure}, {.d = o->level},    {.s = o->label},        {.i = wave},
        {.s = q},          {.d = e->estimate}, {.d = e->se},           {.d = e->ci_low},
        {.d = e->ci_high}, {.d = e->df},       {.i = (long long)e->n}, {.s = flag}};
    out_row(&o->T, v);
}

static void put_level(by_out *o, const helby_comparison *c)
{
    for (size_t w = 0; w < c->n_waves; w++) {
        const helby_wave_comparison *x = &c->waves[w];
        int sup = c->suppressed[w];
        put(o, x->wave, "ethnic Danes", &x->danes, why(&x->danes, sup));
        put(o, x->wave, "ethnic minorities", &x->minorities, why(&x->minorities, sup));
        put(o, x->wave, "all", &c->all[w], why(&c->all[w], sup));
        put(o, x->wave, "gap (Danes - minorities)", &x->gap, why(&x->gap, sup));
        put(o, x->wave, "ratio (minorities / Danes)", &x->ratio, why(&x->ratio, sup));
        if (w == c->baseline)
            continue;
        put(o, x->wave, "gap change since baseline", &x->gap_change, why(&x->gap_change, sup));
        put(o, x->wave, "relative gap change (share)", &x->rel_gap_change,
            why(&x->rel_gap_change, sup));
    }
}

int cli_compare_by(helby_store *st, const helby_survey *s, helby_compare_request *req,
                   const char *by, const char *const *measures, size_t n_measures,
                   out_format format, const char *lang)
{
    char label_col[80], label[160];
    snprintf(label_col, sizeof label_col, "%s_label", by);
    const out_col cols[] = {{"measure", OUT_STR, 16, NULL},  {by, OUT_NUM, -6, "%.10g"},
                            {label_col, OUT_STR, 20, NULL},  {"wave", OUT_INT, 6, NULL},
                            {"quantity", OUT_STR, 28, NULL}, {"estimate", OUT_NUM, 10, NULL},
                            {"se", OUT_NUM, 9, NULL},        {"ci_low", OUT_NUM, 9, NULL},
                            {"ci_high", OUT_NUM, 9, NULL},   {"df", OUT_NUM, 7, "%.4g"},
                            {"n", OUT_INT, 6, NULL},         {"flag", OUT_STR, 0, NULL}};
    by_out o;
    memset(&o, 0, sizeof o);
    if (format == OUT_TEXT)
        printf("%s: minorities vs ethnic Danes within each level of %s (%g %% CIs, t on each "
               "quantity's df; weights: %s)\n",
               s->id, by, 100 * req->opt.level, req->weights ? req->weights : "base");
    out_begin_waves(&o.T, stdout, format, cols, sizeof cols / sizeof cols[0], s, lang);
    int rc = 0;
    for (size_t m = 0; m < n_measures && !rc; m++) {
        helby_error err;
        helby_compare_by *c = NULL;
        req->measure = o.measure = measures[m];
        if (helby_analysis_compare_by(st, s, req, by, &c, &err)) {
            rc =
                err.code == HELBY_EUSAGE ? cli_usage("compare", "%s", err.message) : cli_fail(&err);
            break;
        }
        for (size_t i = 0; i < c->n_levels; i++) {
            helby_domain_label(s, by, c->levels[i], lang, label, sizeof label);
            o.level = c->levels[i], o.label = label;
            put_level(&o, c->cmp[i]);
        }
        helby_compare_by_free(c);
    }
    out_end(&o.T);
    return rc;
}
