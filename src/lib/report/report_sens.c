/* report_sens.c — the sensitivity analysis a run stored (helby compute --sensitivity N,
 * src/lib/runs/runsens.c writes the rows; docs/method.md §12) in the report model, and its text,
 * Markdown, CSV and JSON renderings. The HTML section is report_sens_html.c.
 *
 * The numbers are the run's rows, in the goal's quantity as the policy words it and the report
 * shows it (goal 4: the reduction of the gap (G0 - Gt)/G0), so that the goal card and this
 * section read the same number with the same sign. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "helby/compare.h"
#include "report/report_internal.h"

#define DA(r) (!strcmp((r)->lang, "da"))

static const char *const verdicts[4] = {"met", "not met", "inconclusive", "undefined"};

const char *report_sens_verdict(const helby_report *r, int v)
{
    if (v == 3)
        return DA(r) ? "udefineret" : "undefined";
    return report_t(r, verdicts[v]);
}

static const helby_report_goal *report_goal_of(const helby_report *r,
                                               const helby_report_sens_goal *G)
{
    return G->report_goal < r->n_goals ? &r->goals[G->report_goal] : NULL;
}

const char *report_sens_goal_name(const helby_report *r, const helby_report_sens_goal *G, char *buf,
                                  size_t n)
{
    const helby_report_goal *g = report_goal_of(r, G);
    const char *l = g && g->label[0] ? g->label : G->measure;
    size_t len = strcspn(l, ":");
    snprintf(buf, n, "%.*s", (int)len, l);
    return buf;
}

double report_sens_scale(const helby_report *r, const helby_report_sens_goal *G)
{
    const helby_report_goal *g = report_goal_of(r, G);
    return g ? report_goal_scale(r, g) : 1;
}

const char *report_sens_unit(const helby_report *r, const helby_report_sens_goal *G)
{
    const helby_report_goal *g = report_goal_of(r, G);
    return g ? report_goal_unit(r, g) : "";
}

const char *report_sens_warning(const helby_report *r)
{
    return DA(r) ? "Advarsel: forskellen i basisåret kan ikke skelnes fra nul, så en relativ "
                   "ændring af den har intet endeligt konfidensinterval (Fieller); læs hverken "
                   "tallet eller dets spænd over scenarierne."
                 : "Warning: the baseline gap is not distinguishable from zero, so a change "
                   "relative to it has no finite confidence interval (Fieller); read neither the "
                   "number nor its spread across scenarios.";
}

double report_sens_target(const helby_report *r, const helby_report_sens_goal *G)
{
    const helby_report_goal *g = report_goal_of(r, G);
    if (!g)
        return NAN;
    /* In the quantity's sign and display unit, as report_goal_target writes it. */
    return g->x;
}

/* "Vægt på Tillid", "Aggregering", "Udeladt spørgsmål" from the stored choice name. */
static void choice_label(const helby_report *r, const char *name, char *buf, size_t n)
{
    static const char *tab[][3] = {
        {"weight", "Vægt på", "Weight of"},
        {"aggregation", "Aggregering (aritmetisk/geometrisk)",
         "Aggregation (arithmetic/geometric)"},
        {"min_valid", "Mindste antal gyldige svar i", "Minimum valid answers in"},
        {"drop_item", "Et spørgsmål udeladt", "One item left out"},
    };
    const char *colon = strchr(name, ':');
    size_t kl = colon ? (size_t)(colon - name) : strlen(name);
    const char *kind = NULL;
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strlen(tab[i][0]) == kl && !strncmp(tab[i][0], name, kl))
            kind = tab[i][DA(r) ? 1 : 2];
    if (!kind) {
        helby_utf8_copy(buf, n, name);
        return;
    }
    if (!colon) {
        helby_utf8_copy(buf, n, kind);
        return;
    }
    const helby_report_measure *m = report_find_measure(r, colon + 1);
    char lab[192];
    report_lower_first(lab, sizeof lab, m ? m->label : colon + 1);
    snprintf(buf, n, "%s %s", kind, lab);
}

static helby_report_sens_goal *sens_goal(helby_report *r, const char *measure, const char *goal,
                                         helby_error *err)
{
    for (size_t i = 0; i < r->n_sens_goals; i++)
        if (!strcmp(r->sens_goals[i].goal, goal) && !strcmp(r->sens_goals[i].measure, measure))
            return &r->sens_goals[i];
    helby_report_sens_goal *p =
        realloc(r->sens_goals, (r->n_sens_goals + 1) * sizeof *r->sens_goals);
    if (!p)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory building a report"), NULL;
    r->sens_goals = p;
    helby_report_sens_goal *G = &p[r->n_sens_goals++];
    memset(G, 0, sizeof *G);
    snprintf(G->goal, sizeof G->goal, "%.31s", goal);
    helby_utf8_copy(G->measure, sizeof G->measure, measure);
    G->report_goal = (size_t)-1;
    for (size_t i = 0; i < r->n_goals; i++)
        if (!strcmp(r->goals[i].goal, goal) && !strcmp(r->goals[i].measure, measure))
            G->report_goal = i;
    G->median = G->p05 = G->p95 = NAN;
    G->reference.estimate = G->reference.se = G->reference.ci_low = G->reference.ci_high = NAN;
    G->reference.df = NAN;
    G->reference.mark = HELBY_CELL_EMPTY;
    for (int v = 0; v < 4; v++)
        G->share[v] = NAN;
    return G;
}

static int add_choice(helby_report *r, helby_report_sens_goal *G, const char *name, int total,
                      const helby_run_row *x, helby_error *err)
{
    helby_report_sens_choice *c = NULL;
    for (size_t i = 0; i < G->n_choices && !c; i++)
        if (!strcmp(G->choices[i].name, name))
            c = &G->choices[i];
    if (!c) {
        helby_report_sens_choice *p = realloc(G->choices, (G->n_choices + 1) * sizeof *p);
        if (!p)
            return helby_error_set(err, HELBY_ENOMEM, "out of memory building a report"), 1;
        G->choices = p;
        c = &p[G->n_choices++];
        memset(c, 0, sizeof *c);
        helby_utf8_copy(c->name, sizeof c->name, name);
        choice_label(r, name, c->label, sizeof c->label);
        c->first = c->total = NAN;
        c->first_lo = c->first_hi = c->total_lo = c->total_hi = NAN;
    }
    *(total ? &c->total : &c->first) = x->estimate;
    *(total ? &c->total_lo : &c->first_lo) = x->ci_low;
    *(total ? &c->total_hi : &c->first_hi) = x->ci_high;
    return 0;
}

static int goal_row(helby_report *r, const helby_run_row *x, const char *goal, helby_error *err)
{
    char q[32], b[96];
    helby_report_sens_goal *G = sens_goal(r, x->measure, goal, err);
    if (!G || !report_dom_get(x->domain, "quantity", q, sizeof q))
        return G ? 0 : 1;
    if (!strcmp(q, "reference")) {
        G->reference.present = 1;
        G->reference.mark = HELBY_CELL_SHOWN;
        G->reference.estimate = x->estimate, G->reference.se = x->se;
        G->reference.ci_low = x->ci_low, G->reference.ci_high = x->ci_high;
        G->reference.df = x->df, G->reference.n = (size_t)x->n;
        helby_utf8_copy(G->reference.flag, sizeof G->reference.flag, x->flag);
    } else if (!strcmp(q, "scenarios")) {
        G->median = x->estimate, G->p05 = x->ci_low, G->p95 = x->ci_high;
        G->scenarios = (size_t)x->n;
    } else if (!strcmp(q, "share") && report_dom_get(x->domain, "verdict", b, sizeof b)) {
        for (int v = 0; v < 4; v++)
            if (!strcmp(b, verdicts[v]))
                G->share[v] = x->estimate;
    } else if ((!strcmp(q, "first_order") || !strcmp(q, "total")) &&
               report_dom_get(x->domain, "choice", b, sizeof b)) {
        return add_choice(r, G, b, q[0] == 't', x, err);
    }
    return 0;
}

static int rank_row(helby_report *r, const helby_run_row *x, int reference, helby_error *err)
{
    char w[32], d[32];
    if (!report_dom_get(x->domain, "wave", w, sizeof w) ||
        !report_dom_get(x->domain, "district", d, sizeof d))
        return 0;
    long wave = strtol(w, NULL, 10);
    double code = strtod(d, NULL);
    helby_report_sens_rank *k = NULL;
    for (size_t i = 0; i < r->n_sens_ranks && !k; i++)
        if (!strcmp(r->sens_ranks[i].measure, x->measure) && r->sens_ranks[i].wave == wave &&
            r->sens_ranks[i].district == code)
            k = &r->sens_ranks[i];
    if (!k) {
        helby_report_sens_rank *p = realloc(r->sens_ranks, (r->n_sens_ranks + 1) * sizeof *p);
        if (!p)
            return helby_error_set(err, HELBY_ENOMEM, "out of memory building a report"), 1;
        r->sens_ranks = p;
        k = &p[r->n_sens_ranks++];
        memset(k, 0, sizeof *k);
        helby_utf8_copy(k->measure, sizeof k->measure, x->measure);
        k->wave = wave, k->district = code;
        k->reference = k->median = k->low = k->high = NAN;
        snprintf(k->label, sizeof k->label, "%g", code);
        for (size_t i = 0; i < r->n_districts; i++)
            if (r->districts[i] == code && r->district_labels)
                helby_utf8_copy(k->label, sizeof k->label, r->district_labels[i]);
    }
    if (reference)
        k->reference = x->estimate;
    else
        k->median = x->estimate, k->low = x->ci_low, k->high = x->ci_high;
    return 0;
}

/* The report's disclosure control: a goal the report hides hides its construction spread
 * too (it rests on the same cells). */
static void sens_goal_finish(helby_report *r, helby_report_sens_goal *G)
{
    const helby_report_goal *g = report_goal_of(r, G);
    /* A goal the report hides (or a sensitivity goal the report has no goal for) publishes
     * nothing of its construction: not its shares of verdicts, its indices or its n. */
    if (!g || g->q.mark != HELBY_CELL_SHOWN) {
        int mark = g ? g->q.mark : HELBY_CELL_COMPLEMENTARY;
        G->reference.estimate = G->reference.se = NAN;
        G->reference.ci_low = G->reference.ci_high = NAN;
        G->reference.mark = mark;
        G->reference.n = 0;
        snprintf(G->reference.flag, sizeof G->reference.flag, "suppressed");
        G->median = G->p05 = G->p95 = NAN;
        for (int v = 0; v < 4; v++)
            G->share[v] = NAN;
        for (size_t i = 0; i < G->n_choices; i++) {
            helby_report_sens_choice *c = &G->choices[i];
            c->first = c->total = c->first_lo = c->first_hi = c->total_lo = c->total_hi = NAN;
        }
    }
}

/* A district's rank is published only when the report shows one of its cells of that wave
 * (Danes or minorities): a district whose cells are all hidden has no rank either. */
static void sens_rank_finish(const helby_report *r, helby_report_sens_rank *k)
{
    const helby_report_measure *m = report_find_measure(r, k->measure);
    size_t w = report_wave_index(r, k->wave), d = r->n_districts;
    for (size_t i = 0; i < r->n_districts; i++)
        if (r->districts[i] == k->district)
            d = i;
    int shown = 0;
    if (m && m->district && w != (size_t)-1 && d < r->n_districts) {
        const size_t C = r->n_waves * 2;
        for (size_t g = 0; g < 2; g++)
            shown |= m->district[d * C + w * 2 + g].mark == HELBY_CELL_SHOWN;
    }
    if (!shown)
        k->reference = k->median = k->low = k->high = NAN;
}

/* The design's share of scenarios that keep every item of G's index: its drop-item choice
 * draws "none" or one of its items with equal chance (helby_choice_level). */
static void sens_keep_all(const helby_survey *s, helby_report_sens_goal *G)
{
    G->keep_all = 1;
    for (size_t c = 0; s && c < s->n_choices; c++) {
        const helby_choice *ch = &s->choices[c];
        if (ch->kind == HELBY_CHOICE_DROP_ITEM && ch->index < s->n_indices &&
            !strcmp(s->indices[ch->index].name, G->measure))
            G->keep_all = 1.0 / (double)(ch->n_values + 1);
    }
}

helby_status report_sens_fill(helby_report *r, const helby_survey *s, const helby_run_row *rows,
                              size_t n, helby_error *err)
{
    const char *p = strstr(r->run.options, ";sensitivity=");
    if (!p)
        return HELBY_OK;
    r->sens_n = (size_t)strtoul(p + 13, NULL, 10);
    char b[64];
    for (size_t i = 0; i < n; i++) {
        const helby_run_row *x = &rows[i];
        if (!report_dom_get(x->domain, "sensitivity", b, sizeof b))
            continue;
        int bad = !strcmp(b, "rank")             ? rank_row(r, x, 0, err)
                  : !strcmp(b, "reference_rank") ? rank_row(r, x, 1, err)
                                                 : goal_row(r, x, b, err);
        if (bad)
            return err->code;
    }
    for (size_t i = 0; i < r->n_sens_goals; i++) {
        sens_goal_finish(r, &r->sens_goals[i]);
        sens_keep_all(s, &r->sens_goals[i]);
    }
    for (size_t i = 0; i < r->n_sens_ranks; i++)
        sens_rank_finish(r, &r->sens_ranks[i]);
    return HELBY_OK;
}

void report_sens_free(helby_report *r)
{
    for (size_t i = 0; i < r->n_sens_goals; i++)
        free(r->sens_goals[i].choices);
    free(r->sens_goals);
    free(r->sens_ranks);
}

/* ---- Text and Markdown ---- */

static void num(const helby_report *r, double v, int dec, char *buf, size_t n)
{
    helby_report_num(r, v, dec, buf, n);
}

void report_sens_index_cell(const helby_report *r, double v, double lo, double hi, char *buf,
                            size_t n)
{
    char a[32], c[32], d[32];
    num(r, v, 3, a, sizeof a);
    if (isnan(lo) || isnan(hi) || isnan(v)) {
        snprintf(buf, n, "%s", a);
        return;
    }
    num(r, lo, 3, c, sizeof c);
    num(r, hi, 3, d, sizeof d);
    snprintf(buf, n, "%s [%s; %s]", a, c, d);
}

int report_sens_has_ci(const helby_report_sens_goal *G)
{
    for (size_t i = 0; i < G->n_choices; i++)
        if (!isnan(G->choices[i].first_lo) || !isnan(G->choices[i].total_lo))
            return 1;
    return 0;
}

/* "−45,7 [−61,8; −29,6] %" */
static void range_text(const helby_report *r, double est, double lo, double hi, double sc,
                       const char *unit, char *buf, size_t n)
{
    char a[32], c[32], d[32];
    num(r, est * sc, 1, a, sizeof a);
    num(r, lo * sc, 1, c, sizeof c);
    num(r, hi * sc, 1, d, sizeof d);
    snprintf(buf, n, "%s [%s; %s] %s", a, c, d, unit);
}

static void goal_spread_table(const helby_report *r, const helby_report_sens_goal *G, int md,
                              FILE *o)
{
    const int da = DA(r);
    const double sc = report_sens_scale(r, G);
    const char *u = report_sens_unit(r, G);
    char ref[128], scen[128], share[4][32], tgt[32];
    range_text(r, G->reference.estimate, G->reference.ci_low, G->reference.ci_high, sc, u, ref,
               sizeof ref);
    range_text(r, G->median, G->p05, G->p95, sc, u, scen, sizeof scen);
    for (int v = 0; v < 4; v++) {
        num(r, 100 * G->share[v], 1, share[v], sizeof share[v]);
        strcat(share[v], " %");
    }
    const helby_report_goal *g = report_goal_of(r, G);
    if (g)
        report_goal_target(r, g, tgt, sizeof tgt);
    else
        snprintf(tgt, sizeof tgt, "–");
    report_table t;
    report_table_init(&t, 2);
    const char *h[2] = {da ? "Størrelse" : "Quantity", report_t(r, "estimate")};
    report_table_add(&t, h);
    char lv[16], l1[160], l2[160];
    num(r, 100 * r->level, 0, lv, sizeof lv);
    snprintf(l1, sizeof l1,
             da ? "Reference (definitionens indeks), %s %%-KI fra stikprøven"
                : "Reference (the definition's index), %s %% sampling CI",
             lv);
    snprintf(l2, sizeof l2,
             da ? "%zu scenarier: median [5 %%; 95 %%]" : "%zu scenarios: median [5 %%; 95 %%]",
             G->scenarios);
    const char *rows[][2] = {
        {report_t(r, "target"), tgt},
        {l1, ref},
        {l2, scen},
        {da ? "Andel af scenarier: opfyldt" : "Share of scenarios: met", share[0]},
        {da ? "Andel af scenarier: uafklaret" : "Share of scenarios: inconclusive", share[2]},
        {da ? "Andel af scenarier: ikke opfyldt" : "Share of scenarios: not met", share[1]},
        {da ? "Andel af scenarier: udefineret" : "Share of scenarios: undefined", share[3]},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        report_table_add(&t, rows[i]);
    report_table_print(&t, md, o);
    report_table_free(&t);
}

static void goal_index_table(const helby_report *r, const helby_report_sens_goal *G, int md,
                             FILE *o)
{
    const int da = DA(r);
    report_table t;
    report_table_init(&t, 3);
    char hs[64], ht[64], lv[16];
    helby_report_num(r, 100 * r->level, 0, lv, sizeof lv);
    int ci = report_sens_has_ci(G);
    snprintf(hs, sizeof hs, "%s%s%s%s", da ? "Første orden S" : "First-order S", ci ? " [" : "",
             ci ? lv : "", ci ? (da ? " %-KI]" : " % CI]") : "");
    snprintf(ht, sizeof ht, "%s%s%s%s", da ? "Samlet ST" : "Total ST", ci ? " [" : "", ci ? lv : "",
             ci ? (da ? " %-KI]" : " % CI]") : "");
    const char *h[3] = {da ? "Valg" : "Choice", hs, ht};
    report_table_add(&t, h);
    for (size_t i = 0; i < G->n_choices; i++) {
        char a[96], b[96];
        const helby_report_sens_choice *c = &G->choices[i];
        report_sens_index_cell(r, c->first, c->first_lo, c->first_hi, a, sizeof a);
        report_sens_index_cell(r, c->total, c->total_lo, c->total_hi, b, sizeof b);
        const char *v[3] = {G->choices[i].label, a, b};
        report_table_add(&t, v);
    }
    report_table_print(&t, md, o);
    report_table_free(&t);
}

static void rank_table(const helby_report *r, const char *measure, int md, FILE *o)
{
    const int da = DA(r);
    report_table t;
    report_table_init(&t, 4);
    const char *h[4] = {report_t(r, "district"), da ? "Reference" : "Reference",
                        da ? "Median" : "Median", da ? "90 %-interval" : "90 % interval"};
    report_table_add(&t, h);
    for (size_t i = 0; i < r->n_sens_ranks; i++) {
        const helby_report_sens_rank *k = &r->sens_ranks[i];
        if (strcmp(k->measure, measure))
            continue;
        char a[32], b[32], c[32], d[32], iv[80];
        num(r, k->reference, 0, a, sizeof a);
        num(r, k->median, 1, b, sizeof b);
        num(r, k->low, 1, c, sizeof c);
        num(r, k->high, 1, d, sizeof d);
        helby_utf8_copy(iv, sizeof iv, "–");
        if (!isnan(k->low))
            snprintf(iv, sizeof iv, "%s–%s", c, d);
        const char *v[4] = {k->label, a, b, iv};
        report_table_add(&t, v);
    }
    report_table_print(&t, md, o);
    report_table_free(&t);
}

void report_sens_text(const helby_report *r, int md, FILE *o)
{
    if (!r->sens_n)
        return;
    const int da = DA(r);
    report_heading(o, md, 2, da ? "Hvor robust er målopfyldelsen?" : "How robust is the verdict?");
    fprintf(o, "%s\n",
            da ? "Indekset beregnet igen under andre forsvarlige valg (vægte, "
                 "aggregering, mindste antal svar, udeladte spørgsmål); spændet "
                 "over scenarierne er ikke et konfidensinterval."
               : "The index computed again under other defensible choices (weights, "
                 "aggregation, minimum answers, items left out); the spread across "
                 "scenarios is not a confidence interval.");
    int ci = 0;
    for (size_t i = 0; i < r->n_sens_goals; i++)
        ci |= report_sens_has_ci(&r->sens_goals[i]);
    if (ci)
        fprintf(o, "%s\n",
                da ? "S og ST har Monte Carlo-fejl; i klammer deres bootstrap-konfidensinterval "
                     "over scenarierne (1000 gentrækninger, som SALib): et indeks, hvis "
                     "interval omfatter 0, kan ikke skelnes fra nul."
                   : "S and ST carry Monte Carlo error; in brackets their bootstrap confidence "
                     "interval over the scenarios (1000 resamples, as SALib): an index whose "
                     "interval includes 0 cannot be told from zero.");
    for (size_t i = 0; i < r->n_sens_goals; i++) {
        const helby_report_sens_goal *G = &r->sens_goals[i];
        const helby_report_goal *g = report_goal_of(r, G);
        report_heading(o, md, 3, g ? g->label : G->goal);
        if (g && g->reason == HELBY_REASON_BASELINE_ZERO)
            fprintf(o, "%s\n\n", report_sens_warning(r));
        goal_spread_table(r, G, md, o);
        if (!md)
            fputc('\n', o);
        goal_index_table(r, G, md, o);
    }
    for (size_t i = 0; i < r->n_measures; i++) {
        const helby_report_measure *m = &r->measures[i];
        int any = 0;
        for (size_t k = 0; k < r->n_sens_ranks && !any; k++)
            any = !strcmp(r->sens_ranks[k].measure, m->name);
        if (!any)
            continue;
        char h[320];
        long w = 0;
        for (size_t k = 0; k < r->n_sens_ranks; k++)
            if (!strcmp(r->sens_ranks[k].measure, m->name))
                w = r->sens_ranks[k].wave;
        snprintf(h, sizeof h,
                 da ? "%s: bydelenes rang %s (1 = bedst)" : "%s: district ranks %s (1 = best)",
                 m->label, report_wave(r, w));
        report_heading(o, md, 3, h);
        rank_table(r, m->name, md, o);
    }
}

/* ---- CSV and JSON ---- */

/* A row in the report CSV's columns:
 * section;measure;label;wave;[wave_label;]baseline;group;district;
 * quantity;estimate;se;ci_low;ci_high;n;flag;group_label. */
static void csv_row(const helby_report *r, FILE *o, const char *measure, const char *label,
                    long wave, long base, const char *district, const char *quantity, double est,
                    double se, double lo, double hi, size_t n, const char *flag)
{
    fprintf(o, "sensitivity;%s;", measure);
    report_csv_field(r, o, label);
    fputc(';', o);
    report_csv_wave(r, o, wave);
    if (base)
        fprintf(o, "%ld", base);
    fputs(";;", o);
    report_csv_field(r, o, district);
    fputc(';', o);
    report_csv_field(r, o, quantity);
    fputc(';', o);
    report_csv_num(o, est);
    fputc(';', o);
    report_csv_num(o, se);
    fputc(';', o);
    report_csv_num(o, lo);
    fputc(';', o);
    report_csv_num(o, hi);
    fprintf(o, ";%zu;%s;%s\n", n, flag, r->n_subgroups ? ";;;" : "");
}

void report_sens_csv(const helby_report *r, FILE *o)
{
    for (size_t i = 0; i < r->n_sens_goals; i++) {
        const helby_report_sens_goal *G = &r->sens_goals[i];
        const helby_report_goal *g = report_goal_of(r, G);
        const char *lab = g ? g->label : "";
        long w = g ? g->wave : 0, b = g ? g->baseline : 0;
        const helby_report_cell *c = &G->reference;
        char q[160];
        snprintf(q, sizeof q, "%s reference", G->goal);
        csv_row(r, o, G->measure, lab, w, b, "", q, c->estimate, c->se, c->ci_low, c->ci_high, c->n,
                c->mark == HELBY_CELL_SHOWN ? c->flag : "suppressed");
        snprintf(q, sizeof q, "%s scenarios", G->goal);
        csv_row(r, o, G->measure, lab, w, b, "", q, G->median, NAN, G->p05, G->p95, G->scenarios,
                "");
        for (int v = 0; v < 4; v++) {
            snprintf(q, sizeof q, "%s share %s", G->goal, verdicts[v]);
            csv_row(r, o, G->measure, lab, w, b, "", q, G->share[v], NAN, NAN, NAN, G->scenarios,
                    "");
        }
        for (size_t k = 0; k < G->n_choices; k++) {
            const helby_report_sens_choice *x = &G->choices[k];
            snprintf(q, sizeof q, "%s first_order %s", G->goal, x->name);
            csv_row(r, o, G->measure, x->label, w, b, "", q, x->first, NAN, x->first_lo,
                    x->first_hi, G->scenarios, "");
            snprintf(q, sizeof q, "%s total %s", G->goal, x->name);
            csv_row(r, o, G->measure, x->label, w, b, "", q, x->total, NAN, x->total_lo,
                    x->total_hi, G->scenarios, "");
        }
    }
    for (size_t i = 0; i < r->n_sens_ranks; i++) {
        const helby_report_sens_rank *k = &r->sens_ranks[i];
        const helby_report_measure *m = report_find_measure(r, k->measure);
        csv_row(r, o, k->measure, m ? m->label : "", k->wave, 0, k->label, "rank", k->median, NAN,
                k->low, k->high, 2 * r->sens_n, "");
        csv_row(r, o, k->measure, m ? m->label : "", k->wave, 0, k->label, "reference_rank",
                k->reference, NAN, NAN, NAN, 1, "");
    }
}

static void json_key_num(FILE *o, const char *key, double v)
{
    fprintf(o, "\"%s\": ", key);
    report_json_num(o, v);
}

static void json_goal(const helby_report *r, const helby_report_sens_goal *G, FILE *o)
{
    const helby_report_cell *c = &G->reference;
    int shown = c->mark == HELBY_CELL_SHOWN;
    fputs("{\"goal\": ", o);
    report_json_str(o, G->goal);
    fputs(", \"measure\": ", o);
    report_json_str(o, G->measure);
    fputs(", \"reference\": {", o);
    json_key_num(o, "estimate", c->estimate);
    fputs(", ", o);
    json_key_num(o, "se", c->se);
    fputs(", ", o);
    json_key_num(o, "ci_low", c->ci_low);
    fputs(", ", o);
    json_key_num(o, "ci_high", c->ci_high);
    fprintf(o, ", \"n\": %zu, \"verdict\": \"%s\"}, \"scenarios\": {\"n\": %zu, ", c->n,
            shown ? c->flag : "suppressed", G->scenarios);
    json_key_num(o, "median", G->median);
    fputs(", ", o);
    json_key_num(o, "p05", G->p05);
    fputs(", ", o);
    json_key_num(o, "p95", G->p95);
    fputs("}, \"share\": {", o);
    for (int v = 0; v < 4; v++) {
        fputs(v ? ", " : "", o);
        json_key_num(o, verdicts[v], G->share[v]);
    }
    fputs("}, \"choices\": [", o);
    for (size_t k = 0; k < G->n_choices; k++) {
        fputs(k ? ", {\"choice\": " : "{\"choice\": ", o);
        report_json_str(o, G->choices[k].name);
        fputs(", \"label\": ", o);
        report_json_str(o, G->choices[k].label);
        fputs(", ", o);
        json_key_num(o, "first_order", G->choices[k].first);
        fputs(", ", o);
        json_key_num(o, "first_order_ci_low", G->choices[k].first_lo);
        fputs(", ", o);
        json_key_num(o, "first_order_ci_high", G->choices[k].first_hi);
        fputs(", ", o);
        json_key_num(o, "total", G->choices[k].total);
        fputs(", ", o);
        json_key_num(o, "total_ci_low", G->choices[k].total_lo);
        fputs(", ", o);
        json_key_num(o, "total_ci_high", G->choices[k].total_hi);
        fputc('}', o);
    }
    fputs("]}", o);
    (void)r;
}

void report_sens_json(const helby_report *r, FILE *o)
{
    if (!r->sens_n)
        return;
    fprintf(o, ",\n \"sensitivity\": {\"N\": %zu, \"goals\": [", r->sens_n);
    for (size_t i = 0; i < r->n_sens_goals; i++) {
        fputs(i ? ",\n  " : "\n  ", o);
        json_goal(r, &r->sens_goals[i], o);
    }
    fputs("],\n  \"ranks\": [", o);
    for (size_t i = 0; i < r->n_sens_ranks; i++) {
        const helby_report_sens_rank *k = &r->sens_ranks[i];
        fputs(i ? ",\n   {\"measure\": " : "\n   {\"measure\": ", o);
        report_json_str(o, k->measure);
        fputs(", ", o);
        report_json_wave(r, o, k->wave);
        fprintf(o, ", \"district\": %.17g, \"label\": ", k->district);
        report_json_str(o, k->label);
        fputs(", ", o);
        json_key_num(o, "reference", k->reference);
        fputs(", ", o);
        json_key_num(o, "median", k->median);
        fputs(", ", o);
        json_key_num(o, "p05", k->low);
        fputs(", ", o);
        json_key_num(o, "p95", k->high);
        fputc('}', o);
    }
    fputs("]}", o);
}
