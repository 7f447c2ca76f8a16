/* report_header.c — the top of a report for people (period, weighting and confidence in
 * words) and its provenance for machines and auditors, shown at the end (helby/report.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "report/report_internal.h"

/* Period, weighting and how sure, in the report's language, from the run alone. */
void report_header(const helby_report *r, report_header_t *h)
{
    int da = !strcmp(r->lang, "da");
    char lv[16];
    helby_report_num(r, 100 * r->level, 0, lv, sizeof lv);
    if (r->n_waves)
        snprintf(h->period, sizeof h->period, da ? "%s–%s (%zu bølger)" : "%s–%s (%zu waves)",
                 report_wave(r, r->waves[0]), report_wave(r, r->waves[r->n_waves - 1]), r->n_waves);
    else
        snprintf(h->period, sizeof h->period, "–");
    if (!strcmp(r->weights, "base")) /* how the sample was drawn: the definition's words */
        snprintf(h->weighting, sizeof h->weighting, "%s%s%s%s",
                 da ? "designvægte: hver svarperson tæller efter sin chance for at blive "
                      "udtrukket"
                    : "design weights: each respondent counts by the inverse of their chance "
                      "of being sampled",
                 *r->sampling ? " (" : "", r->sampling, *r->sampling ? ")" : "");
    else
        snprintf(h->weighting, sizeof h->weighting,
                 da ? "hver bølge er vægtet til befolkningens sammensætning i registrene "
                      "(vægtsættet '%s')"
                    : "each wave is weighted to the population's make-up in the registers "
                      "(weight set '%s')",
                 r->weights);
    snprintf(h->certainty, sizeof h->certainty,
             da ? "tallene i skarpe parenteser er %s %%-konfidensintervaller: med %s %% "
                  "sikkerhed ligger den sande værdi i intervallet. Et mål er kun opfyldt, når "
                  "hele intervallet ligger på den rigtige side af målet. Grupper med færre end "
                  "%zu svarpersoner vises ikke."
                : "numbers in brackets are %s %% confidence intervals: with %s %% confidence "
                  "the true value lies in the interval. A goal counts as met only when the "
                  "whole interval is on the right side of the target. Groups with fewer than "
                  "%zu respondents are not shown.",
             lv, lv, r->threshold);
}

static void kv_set(report_kv *kv, const char *k, const char *v)
{
    helby_utf8_copy(kv->key, sizeof kv->key, k);
    helby_utf8_copy(kv->value, sizeof kv->value, v);
}

/* The run's provenance, one line each: what `compute --rerun` and an auditor need. */
size_t report_provenance(const helby_report *r, report_kv *kv, size_t max)
{
    int da = !strcmp(r->lang, "da");
    char b[64], line[768];
    size_t k = 0;
    if (max < 7)
        return 0;
    report_run_line(r, line, sizeof line);
    kv_set(&kv[k++], da ? "Oversigt" : "Summary", line);
    snprintf(b, sizeof b, "%lld", (long long)r->run.id);
    kv_set(&kv[k++], da ? "Gentag kørslen" : "Rerun", "");
    snprintf(kv[k - 1].value, sizeof kv[k - 1].value, "helby compute --rerun %s", b);
    kv_set(&kv[k++], da ? "Indstillinger" : "Options", r->run.options);
    kv_set(&kv[k++], da ? "Surveydefinition (SHA-256)" : "Survey definition (SHA-256)",
           r->run.def_hash);
    kv_set(&kv[k++], da ? "Inddata (SHA-256)" : "Inputs (SHA-256)", r->run.inputs);
    kv_set(&kv[k++], da ? "Resultat (SHA-256)" : "Result (SHA-256)", r->run.result_hash);
    if (r->def_changed)
        kv_set(&kv[k++], da ? "Bemærk" : "Note", report_t(r, "no_definition"));
    return k;
}
