/* report_baro_text.c — the barometer as aligned text or Markdown and as CSV or JSON rows,
 * from the rows of report_baro.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "report/report_internal.h"

#define BARO_MAX 64

/* The barometer's words in the report's language; other keys as report_t. */
const char *report_baro_t(const helby_report *r, const char *key)
{
    static const char *tab[][3] = {
        {"since_prev", "Siden forrige periode", "Since the previous period"},
        {"whole_period", "Over hele perioden", "Over the whole period"},
        {"travel", "National regel: udvikling siden basis", "National rule: direction since base"},
        {"forward", "fremgang", "forward"},
        {"backward", "tilbagegang", "backward"},
        {"no_change", "uændret", "no change"},
        {"rules_differ", "reglerne er uenige", "the rules disagree"},
        {"baro_note",
         "Retning: hvilken vej målets egen linje gik, siden forrige periode og over hele "
         "perioden (mål 4: reduktionen af forskellen i forhold til basisåret, i %; mål 6: "
         "ændringen siden basisåret). Vurdering: spørgeskemamål efter konfidensintervallet, "
         "registermål (ingen stikprøveusikkerhed) efter seneste værdi mod målværdien. National "
         "regel: udviklingen som det nationale integrationsbarometer bedømmer den — seneste "
         "værdi mod basisperiodens, begge afrundet til én decimal. ⚑: reglen og vurderingen er "
         "uenige (den ene kalder målet opfyldt eller i fremgang, den anden ikke).",
         "Direction: which way the goal's own line went, since the previous period and over "
         "the whole period (goal 4: the reduction of the gap against the baseline, in %; goal "
         "6: the change since the baseline). Verdict: survey goals by their confidence "
         "interval, register goals (no sampling error) by the latest value against the "
         "target. National rule: the direction of travel as the national integration barometer "
         "judges it — the latest value against the base period's, both rounded to one "
         "decimal. ⚑: the rule and the verdict disagree (one calls the goal met or moving "
         "forward, the other not)."},
    };
    int da = !strcmp(r->lang, "da");
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(tab[i][0], key))
            return tab[i][da ? 1 : 2];
    return report_t(r, key);
}

/* "improving (2013→2014)": a direction with the periods it compares, or its word alone. */
void report_baro_dir_text(const helby_report *r, const report_baro *b, int whole, char *buf,
                          size_t n)
{
    const char *d = whole ? b->dir_whole : b->dir_prev;
    size_t from = whole ? b->i_first : b->i_prev;
    if (!strcmp(d, "suppressed") || !strcmp(d, "undefined"))
        helby_utf8_copy(buf, n, report_baro_t(r, d));
    else
        snprintf(buf, n, "%s (%s→%s)", report_baro_t(r, d), report_baro_period(b, from),
                 report_baro_period(b, b->i_last));
}

/* "forward (2011→2014)": the national rule against the base period. */
void report_baro_travel_text(const helby_report *r, const report_baro *b, char *buf, size_t n)
{
    if (!strcmp(b->travel, "suppressed") || !strcmp(b->travel, "undefined"))
        helby_utf8_copy(buf, n, report_baro_t(r, b->travel));
    else
        snprintf(buf, n, "%s (%s→%s)", report_baro_t(r, b->travel),
                 report_baro_period(b, b->i_base), report_baro_period(b, b->i_last));
}

/* The latest value and the target as the page shows them. */
void report_baro_value_text(const helby_report *r, const report_baro *b, char *val, size_t nv,
                            char *tg, size_t nt)
{
    if (b->survey) {
        report_goal_value(r, b->g, val, nv);
        report_goal_target(r, b->g, tg, nt);
        return;
    }
    size_t k = b->n - 1;
    char x[32], t[32];
    helby_report_num(r, b->v[k], 1, x, sizeof x);
    snprintf(val, nv, "%s (%s)", x, b->period[k]);
    helby_report_num(r, b->target, 1, t, sizeof t);
    snprintf(tg, nt, "%s %s", b->higher_better ? "≥" : "≤", isnan(b->target) ? "–" : t);
}

/* "Goal 1: label" for a register indicator; a survey goal's label has its number. */
void report_baro_label(const helby_report *r, const report_baro *b, char *buf, size_t n)
{
    if (b->survey)
        helby_utf8_copy(buf, n, b->label);
    else
        snprintf(buf, n, "%s %d: %s", !strcmp(r->lang, "da") ? "Mål" : "Goal", b->goal, b->label);
}

void report_baro_text(const helby_report *r, int md, FILE *o)
{
    char title[320];
    snprintf(title, sizeof title, "%s — %s", report_baro_t(r, "barometer"), r->title);
    report_heading(o, md, 1, title);
    report_table t;
    report_table_init(&t, 8);
    const char *h[8] = {report_baro_t(r, "goal"),       report_baro_t(r, "source"),
                        report_baro_t(r, "latest"),     report_baro_t(r, "target"),
                        report_baro_t(r, "since_prev"), report_baro_t(r, "whole_period"),
                        report_baro_t(r, "verdict"),    report_baro_t(r, "travel")};
    report_table_add(&t, h);
    report_baro *rows = calloc(BARO_MAX, sizeof *rows);
    size_t n = rows ? report_baro_rows(r, rows, BARO_MAX) : 0;
    for (size_t i = 0; i < n; i++) {
        const report_baro *b = &rows[i];
        char lab[300], src[96], val[128], tg[96], dp[96], dw[96], tr[128];
        report_baro_label(r, b, lab, sizeof lab);
        report_baro_source(r, b, src, sizeof src);
        report_baro_value_text(r, b, val, sizeof val, tg, sizeof tg);
        report_baro_dir_text(r, b, 0, dp, sizeof dp);
        report_baro_dir_text(r, b, 1, dw, sizeof dw);
        report_baro_travel_text(r, b, tr, sizeof tr);
        if (b->disagree && strlen(tr) + 8 < sizeof tr)
            strcat(tr, " ⚑");
        const char *v[8] = {lab, src, val, tg, dp, dw, report_baro_t(r, b->verdict), tr};
        report_table_add(&t, v);
    }
    free(rows);
    report_table_print(&t, md, o);
    report_table_free(&t);
    fprintf(o, "\n%s\n", report_baro_t(r, "baro_note"));
}

/* One row's fields: goal;source;indicator;period;value;ci_low;ci_high;target;better;
 * direction;verdict;direction_whole;base_period;travel;rules_disagree. */
static void baro_row(const helby_report *r, const report_baro *b, int json, int first, FILE *o)
{
    char period[100];
    double v, lo = NAN, hi = NAN, tg;
    if (b->survey) {
        const helby_report_goal *g = b->g;
        snprintf(period, sizeof period, "%s-%s", report_wave(r, g->baseline),
                 report_wave(r, g->wave));
        v = b->suppressed ? NAN : g->q.estimate;
        lo = b->suppressed ? NAN : g->q.ci_low;
        hi = b->suppressed ? NAN : g->q.ci_high;
        tg = g->kind == HELBY_TARGET_CHANGE_POSITIVE ? g->x : g->x / 100;
    } else {
        helby_utf8_copy(period, sizeof period, b->period[b->n - 1]);
        v = b->v[b->n - 1];
        tg = b->target;
    }
    const char *src = b->survey ? "survey" : "register";
    const char *better = b->higher_better ? "higher" : "lower";
    const char *base = report_baro_period(b, b->i_base);
    if (json) {
        fprintf(o, "%s\n  {\"goal\": \"goal%d\", \"source\": \"%s\", \"indicator\": ",
                first ? "" : ",", b->goal, src);
        report_json_str(o, b->name);
        fputs(", \"period\": ", o);
        report_json_str(o, period);
        const char *k[4] = {"value", "ci_low", "ci_high", "target"};
        double x[4] = {v, lo, hi, tg};
        for (int i = 0; i < 4; i++) {
            fprintf(o, ", \"%s\": ", k[i]);
            report_json_num(o, x[i]);
        }
        fprintf(o,
                ", \"better\": \"%s\", \"direction\": \"%s\", \"verdict\": \"%s\", "
                "\"direction_whole\": \"%s\", \"base_period\": ",
                better, b->dir_prev, b->verdict, b->dir_whole);
        report_json_str(o, base);
        fprintf(o, ", \"travel\": \"%s\", \"rules_disagree\": %s}", b->travel,
                b->disagree ? "true" : "false");
        return;
    }
    fprintf(o, "goal%d;%s;", b->goal, src);
    report_csv_field(r, o, b->name);
    fputc(';', o);
    report_csv_field(r, o, period);
    fputc(';', o);
    double x[4] = {v, lo, hi, tg};
    for (int i = 0; i < 4; i++) {
        report_csv_num(o, x[i]);
        fputc(';', o);
    }
    fprintf(o, "%s;%s;%s;%s;", better, b->dir_prev, b->verdict, b->dir_whole);
    report_csv_field(r, o, base);
    fprintf(o, ";%s;%d\n", b->travel, b->disagree);
}

void report_baro_write_rows(const helby_report *r, int json, FILE *o)
{
    fputs(json ? "["
               : "goal;source;indicator;period;value;ci_low;ci_high;target;better;direction;"
                 "verdict;direction_whole;base_period;travel;rules_disagree\n",
          o);
    report_baro *rows = calloc(BARO_MAX, sizeof *rows);
    size_t n = rows ? report_baro_rows(r, rows, BARO_MAX) : 0;
    for (size_t i = 0; i < n; i++)
        baro_row(r, &rows[i], json, i == 0, o);
    free(rows);
    if (json)
        fputs("\n]\n", o);
}
