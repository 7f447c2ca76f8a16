/* report.c — the report model from a stored run (helby_report_build, helby_report_free) and
 * the register indicators of a barometer (helby_report_load_register), helby/report.h. On
 * top of report_goal.c, report_origin.c and report_sens.c (the model's goals, origin groups
 * and sensitivity), report_model.c (lookups, disclosure control) and report_format.c (words
 * and numbers); renders nothing: report_text.c (text, Markdown, CSV, JSON and the entry
 * helby_report_write), report_html.c and report_xlsx.c render the model. */
#include "helby/report.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "helby/score.h"
#include "helby/survey.h"
#include "report/report_internal.h"

/* ---- Building the model ---- */

static int dom_has(const char *dom, const char *key)
{
    char b[8];
    return report_dom_get(dom, key, b, sizeof b) != NULL;
}

static void cell_from_row(helby_report_cell *c, const helby_run_row *r)
{
    c->present = 1;
    c->estimate = r->estimate;
    c->se = r->se;
    c->ci_low = r->ci_low;
    c->ci_high = r->ci_high;
    c->df = r->df;
    c->n = (size_t)r->n;
    c->mark = !strcmp(r->flag, "suppressed") ? HELBY_CELL_PRIMARY : HELBY_CELL_SHOWN;
    if (c->mark == HELBY_CELL_SHOWN && strcmp(r->flag, "unreliable"))
        helby_utf8_copy(c->flag, sizeof c->flag, r->flag);
}

static void cell_hide(helby_report_cell *c, int mark)
{
    c->mark = mark;
    c->estimate = c->se = c->ci_low = c->ci_high = NAN;
    c->unreliable = 0;
}

static size_t district_index(const helby_report *r, double d)
{
    for (size_t i = 0; i < r->n_districts; i++)
        if (r->districts[i] == d)
            return i;
    return (size_t)-1;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static const char *L(const helby_report *r, const char *da, const char *en)
{
    const char *s = !strcmp(r->lang, "da") ? da : en;
    return s && *s ? s : (en && *en ? en : da ? da : "");
}

/* Waves and districts present in the run. */
static helby_status collect_keys(helby_report *r, const helby_run_row *rows, size_t n,
                                 helby_error *err)
{
    r->waves = calloc(n + 1, sizeof *r->waves);
    r->districts = calloc(n + 1, sizeof *r->districts);
    if (!r->waves || !r->districts)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory building a report");
    char b[64];
    for (size_t i = 0; i < n; i++) {
        if (!dom_has(rows[i].domain, "group") || dom_has(rows[i].domain, "quantity"))
            continue;
        if (report_dom_get(rows[i].domain, "wave", b, sizeof b)) {
            long w = strtol(b, NULL, 10);
            if (report_wave_index(r, w) == (size_t)-1)
                r->waves[r->n_waves++] = w;
        }
        if (report_dom_get(rows[i].domain, "district", b, sizeof b)) {
            double d = strtod(b, NULL);
            if (district_index(r, d) == (size_t)-1)
                r->districts[r->n_districts++] = d;
        }
    }
    qsort(r->waves, r->n_waves, sizeof *r->waves, cmp_long);
    qsort(r->districts, r->n_districts, sizeof *r->districts, cmp_double);
    return HELBY_OK;
}

static helby_status add_measure(helby_report *r, const helby_survey *s, const char *name, int kind,
                                const char *label, const char *parent, helby_error *err)
{
    helby_report_measure *m = &r->measures[r->n_measures++];
    memset(m, 0, sizeof *m);
    helby_utf8_copy(m->name, sizeof m->name, name);
    helby_utf8_copy(m->label, sizeof m->label, label);
    helby_utf8_copy(m->parent, sizeof m->parent, parent ? parent : "");
    m->kind = kind;
    m->alpha = NAN;
    m->baseline = r->n_waves ? r->waves[0] : 0;
    for (size_t t = 0; t < s->n_targets; t++)
        if (!strcmp(s->targets[t].measure, name) &&
            report_wave_index(r, s->targets[t].baseline_wave) != (size_t)-1) {
            m->baseline = s->targets[t].baseline_wave;
            break;
        }
    const size_t W = r->n_waves, D = r->n_districts;
    m->level = calloc(W * HELBY_RG_N + 1, sizeof *m->level);
    m->cmp = calloc(W * HELBY_RQ_N + 1, sizeof *m->cmp);
    m->district = calloc(D * W * 2 + 1, sizeof *m->district);
    if (!m->level || !m->cmp || !m->district)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory building a report");
    helby_report_cell *all[3] = {m->level, m->cmp, m->district};
    size_t sizes[3] = {W * HELBY_RG_N, W * HELBY_RQ_N, D * W * 2};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < sizes[k]; i++)
            cell_hide(&all[k][i], HELBY_CELL_EMPTY);
    return HELBY_OK;
}

static helby_report_measure *find_measure(helby_report *r, const char *name)
{
    for (size_t i = 0; i < r->n_measures; i++)
        if (!strcmp(r->measures[i].name, name))
            return &r->measures[i];
    return NULL;
}

static void fill_rows(helby_report *r, const helby_run_row *rows, size_t n)
{
    static const char *qnames[HELBY_RQ_N] = {"gap", "ratio", "gap_change", "rel_gap_change",
                                             "ratio_change"};
    char b[64], q[64];
    for (size_t i = 0; i < n; i++) {
        const helby_run_row *x = &rows[i];
        helby_report_measure *m = find_measure(r, x->measure);
        if (!m)
            continue;
        const char *dom = x->domain;
        if (report_dom_get(dom, "reliability", b, sizeof b)) {
            m->alpha = x->estimate;
            m->alpha_n = (size_t)x->n;
            continue;
        }
        if (dom_has(dom, "goal") || dom_has(dom, "origin") || /* origins: report_origin.c */
            dom_has(dom, "adjust") ||                         /* report_adjust.c */
            dom_has(dom, "by"))                               /* report_subgroup.c */
            continue;
        size_t w = report_dom_get(dom, "wave", b, sizeof b)
                       ? report_wave_index(r, strtol(b, NULL, 10))
                       : (size_t)-1;
        if (w == (size_t)-1)
            continue;
        if (report_dom_get(dom, "quantity", q, sizeof q)) {
            for (int k = 0; k < HELBY_RQ_N; k++)
                if (!strcmp(q, qnames[k]))
                    cell_from_row(&m->cmp[w * HELBY_RQ_N + k], x);
            continue;
        }
        int g = report_dom_get(dom, "group", b, sizeof b) ? atoi(b) : HELBY_RG_ALL;
        if (g < 0 || g > 1)
            g = HELBY_RG_ALL;
        if (report_dom_get(dom, "district", b, sizeof b)) {
            size_t d = district_index(r, strtod(b, NULL));
            if (d != (size_t)-1 && g != HELBY_RG_ALL)
                cell_from_row(&m->district[(d * r->n_waves + w) * 2 + (size_t)g], x);
        } else {
            cell_from_row(&m->level[w * HELBY_RG_N + (size_t)g], x);
        }
    }
}

static void mark_unreliable(helby_report *r, helby_report_cell *c)
{
    if (c->mark == HELBY_CELL_SHOWN && c->present && c->estimate != 0 &&
        c->se / fabs(c->estimate) > 0.30) {
        c->unreliable = 1;
        r->n_unreliable++;
    }
}

/* Suppression of one measure: the level table (rows waves; Danes, minorities, all as the
 * row margin), then the district table (rows districts, the group x wave cells as the
 * column margins), then every comparison that uses a hidden cell. */
static helby_status suppress_measure(helby_report *r, helby_report_measure *m, helby_error *err)
{
    const size_t W = r->n_waves, D = r->n_districts, C = 2 * W;
    size_t cells = (D + 1) * C > W * 3 ? (D + 1) * C : W * 3;
    size_t *n = calloc(cells, sizeof *n);
    unsigned char *mk = calloc(cells, 1);
    if (!n || !mk) {
        free(n), free(mk);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory building a report");
    }
    for (size_t i = 0; i < W * 3; i++) {
        n[i] = m->level[i].present ? m->level[i].n : 0;
        mk[i] = m->level[i].mark == HELBY_CELL_PRIMARY ? HELBY_CELL_PRIMARY : HELBY_CELL_SHOWN;
    }
    helby_suppress(n, W, 3, 1, 0, r->threshold, mk);
    for (size_t i = 0; i < W * 3; i++)
        if (mk[i] != HELBY_CELL_SHOWN)
            cell_hide(&m->level[i], mk[i]);
    report_origins_suppress(r, m); /* may hide a level cell, before the districts use them */
    if (D) {
        memset(mk, 0, cells);
        for (size_t d = 0; d < D; d++)
            for (size_t j = 0; j < C; j++) {
                const helby_report_cell *c = &m->district[d * C + j];
                n[d * C + j] = c->present ? c->n : 0;
                mk[d * C + j] = c->present && c->mark == HELBY_CELL_PRIMARY ? HELBY_CELL_PRIMARY
                                                                            : HELBY_CELL_SHOWN;
            }
        for (size_t j = 0; j < C; j++) { /* margins: group x wave, as shown in the level table */
            const helby_report_cell *c = &m->level[(j / 2) * HELBY_RG_N + j % 2];
            n[D * C + j] = c->n;
            mk[D * C + j] = c->mark == HELBY_CELL_SHOWN ? HELBY_CELL_SHOWN : HELBY_CELL_PRIMARY;
        }
        helby_suppress(n, D + 1, C, 0, 1, r->threshold, mk);
        for (size_t k = 0; k < D * C; k++)
            if (mk[k] != HELBY_CELL_SHOWN)
                cell_hide(&m->district[k], m->district[k].present ? mk[k] : HELBY_CELL_EMPTY);
    }
    free(n), free(mk);
    size_t b = report_wave_index(r, m->baseline);
    for (size_t w = 0; w < W; w++) {
        int hw = m->level[w * 3].mark != HELBY_CELL_SHOWN ||
                 m->level[w * 3 + 1].mark != HELBY_CELL_SHOWN;
        int hb = b == (size_t)-1 || m->level[b * 3].mark != HELBY_CELL_SHOWN ||
                 m->level[b * 3 + 1].mark != HELBY_CELL_SHOWN;
        for (int k = 0; k < HELBY_RQ_N; k++) {
            helby_report_cell *c = &m->cmp[w * HELBY_RQ_N + k];
            if (c->present && c->mark == HELBY_CELL_SHOWN && (hw || (k >= 2 && hb)))
                cell_hide(c, HELBY_CELL_COMPLEMENTARY);
        }
    }
    for (size_t i = 0; i < W * 3; i++)
        mark_unreliable(r, &m->level[i]);
    for (size_t i = 0; i < D * C; i++)
        mark_unreliable(r, &m->district[i]);
    for (size_t i = 0; i < W * r->n_origins; i++)
        mark_unreliable(r, &m->origin[i]);
    return HELBY_OK;
}

static helby_status fill_goals(helby_report *r, const helby_survey *s, const helby_run_row *rows,
                               size_t n, helby_error *err)
{
    r->goals = calloc(s->n_targets + 1, sizeof *r->goals);
    if (!r->goals)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory building a report");
    char b[64];
    for (size_t i = 0; i < n; i++) {
        if (!report_dom_get(rows[i].domain, "goal", b, sizeof b) ||
            dom_has(rows[i].domain, "adjust")) /* report_adjust.c */
            continue;
        const helby_target *t = NULL;
        for (size_t k = 0; k < s->n_targets && !t; k++)
            if (!strcmp(s->targets[k].goal, b) && !strcmp(s->targets[k].measure, rows[i].measure))
                t = &s->targets[k];
        if (!t || r->n_goals >= s->n_targets)
            continue;
        helby_report_goal *g = &r->goals[r->n_goals++];
        helby_utf8_copy(g->goal, sizeof g->goal, t->goal);
        helby_utf8_copy(g->label, sizeof g->label, L(r, t->label_da, t->label_en));
        helby_utf8_copy(g->measure, sizeof g->measure, t->measure);
        g->kind = (int)t->kind;
        helby_utf8_copy(g->group, sizeof g->group, t->group ? t->group : "all");
        g->x = report_dom_get(rows[i].domain, "x", b, sizeof b) ? strtod(b, NULL) : t->x;
        g->wave = report_dom_get(rows[i].domain, "wave", b, sizeof b) ? strtol(b, NULL, 10) : 0;
        g->target_wave = t->target_wave ? t->target_wave : g->wave;
        /* Not always a wave of the run (an interim verdict): named from the codebook. */
        const char *tl = helby_survey_wave_label(s, g->target_wave, r->lang);
        if (tl)
            helby_utf8_copy(g->target_wave_label, sizeof g->target_wave_label, tl);
        else
            snprintf(g->target_wave_label, sizeof g->target_wave_label, "%ld", g->target_wave);
        g->baseline =
            report_dom_get(rows[i].domain, "baseline", b, sizeof b) ? strtol(b, NULL, 10) : 0;
        /* The goal's quantity as the policy words it and compute stores it (goal 4: the
         * reduction of the gap), in every format (docs/reports.md). */
        cell_from_row(&g->q, &rows[i]);
        if (g->q.mark != HELBY_CELL_SHOWN)
            cell_hide(&g->q, g->q.mark);
        /* A goal resting on a cell the report hides is hidden too. */
        helby_report_measure *m = find_measure(r, g->measure);
        size_t w0 = report_wave_index(r, g->baseline), w1 = report_wave_index(r, g->wave);
        if (m && w0 != (size_t)-1 && w1 != (size_t)-1) {
            int grp = !strcmp(t->group, "all") && g->kind == HELBY_TARGET_CHANGE_POSITIVE;
            for (int k = grp ? 2 : 0; k < (grp ? 3 : 2); k++)
                if (m->level[w0 * 3 + (size_t)k].mark != HELBY_CELL_SHOWN ||
                    m->level[w1 * 3 + (size_t)k].mark != HELBY_CELL_SHOWN)
                    cell_hide(&g->q, HELBY_CELL_COMPLEMENTARY);
        }
        if (g->q.mark != HELBY_CELL_SHOWN)
            snprintf(g->q.flag, sizeof g->q.flag, "suppressed");
        report_goal_texts(r, g);
    }
    return report_adjust_fill(r, s, rows, n, err); /* goals with adjust */
}

/* Each wave's name (the wave variable's value label in the report's language, else the code)
 * and each district's. */
static helby_status level_labels(helby_report *r, const helby_survey *s, helby_error *err)
{
    r->wave_labels = calloc(r->n_waves + 1, sizeof *r->wave_labels);
    if (!r->wave_labels)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory building a report");
    r->waves_labelled = helby_survey_labels_waves(s);
    for (size_t w = 0; w < r->n_waves; w++) {
        const char *l = helby_survey_wave_label(s, r->waves[w], r->lang);
        if (l)
            helby_utf8_copy(r->wave_labels[w], sizeof r->wave_labels[w], l);
        else
            snprintf(r->wave_labels[w], sizeof r->wave_labels[w], "%ld", r->waves[w]);
    }
    if (s->district_var == HELBY_NO_VAR)
        return HELBY_OK;
    r->district_labels = calloc(r->n_districts + 1, sizeof *r->district_labels);
    if (!r->district_labels)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory building a report");
    for (size_t d = 0; d < r->n_districts; d++) {
        const char *lab =
            helby_variable_value_label_lang(&s->vars[s->district_var], r->districts[d], r->lang);
        if (lab)
            helby_utf8_copy(r->district_labels[d], sizeof r->district_labels[d], lab);
        else
            snprintf(r->district_labels[d], sizeof r->district_labels[d], "%g", r->districts[d]);
    }
    return HELBY_OK;
}

/* Each district's tile on the map (districts.csv); none when the definition has no tiles. */
static helby_status district_tiles(helby_report *r, const helby_survey *s, helby_error *err)
{
    if (!s->n_tiles || !r->n_districts)
        return HELBY_OK;
    r->district_row = calloc(r->n_districts, sizeof *r->district_row);
    r->district_col = calloc(r->n_districts, sizeof *r->district_col);
    if (!r->district_row || !r->district_col)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory building a report");
    for (size_t k = 0; k < s->n_tiles; k++) { /* the grid is the city's, whatever the run has */
        if (s->tiles[k].row > r->tile_rows)
            r->tile_rows = s->tiles[k].row;
        if (s->tiles[k].col > r->tile_cols)
            r->tile_cols = s->tiles[k].col;
        for (size_t d = 0; d < r->n_districts; d++)
            if (s->tiles[k].code == r->districts[d]) {
                r->district_row[d] = s->tiles[k].row;
                r->district_col[d] = s->tiles[k].col;
            }
    }
    return HELBY_OK;
}

/* A margin cell as weight.c names it ("district=8", "sex*ageband=2*1") in words, in the
 * report's language: "District: Bispebjerg", "Sex × age band: Woman × 18-29 years". */
static void cell_words(const helby_report *r, const helby_survey *s, const char *raw, size_t len,
                       char *out, size_t n)
{
    const char *eq = memchr(raw, '=', len);
    snprintf(out, n, "%.*s", (int)len, raw);
    if (!eq)
        return;
    char names[128], codes[128], lab[512] = "", val[512] = "";
    snprintf(names, sizeof names, "%.*s", (int)(eq - raw), raw);
    snprintf(codes, sizeof codes, "%.*s", (int)(len - (size_t)(eq - raw) - 1), eq + 1);
    char *nm = names, *cd = codes;
    for (int k = 0; *nm && *cd; k++) {
        char *ne = nm + strcspn(nm, "*"), *ce = cd + strcspn(cd, "*");
        int last = !*ne || !*ce;
        *ne = *ce = '\0';
        size_t v = helby_survey_find_var(s, nm);
        if (v == HELBY_NO_VAR)
            return;
        const helby_variable *x = &s->vars[v];
        const char *vl = !strcmp(r->lang, "da") ? x->label_da : x->label_en;
        const char *cl = helby_variable_value_label_lang(x, strtod(cd, NULL), r->lang);
        size_t lo = strlen(lab), vo = strlen(val);
        snprintf(lab + lo, sizeof lab - lo, "%s%s", k ? " × " : "", vl && *vl ? vl : x->name);
        snprintf(val + vo, sizeof val - vo, "%s%s", k ? " × " : "", cl ? cl : cd);
        if (last)
            break;
        nm = ne + 1, cd = ce + 1;
    }
    if (lab[0] && !strcmp(r->lang, "en"))
        lab[0] = (char)toupper((unsigned char)lab[0]);
    snprintf(out, n, "%s: %s", lab, val);
}

static helby_status fill_weighting(helby_report *r, const helby_survey *s, helby_store *st,
                                   helby_error *err)
{
    if (!strcmp(r->weights, "base"))
        return HELBY_OK;
    helby_buf_t b = {0};
    for (size_t w = 0; w < r->n_waves; w++) {
        helby_weight_set_info wi;
        /* The version the run used (its inputs name each wave's weight hash), even when the
         * set was replaced since (docs/method.md §10); runs recording none: the current. */
        char key[32], sha[65] = "";
        snprintf(key, sizeof key, ";weights/%ld=", r->waves[w]);
        const char *h = strstr(r->run.inputs, key);
        if (h && strspn(h + strlen(key), "0123456789abcdef") >= 64)
            snprintf(sha, sizeof sha, "%.64s", h + strlen(key));
        if (*sha ? helby_store_get_weights_by_hash(st, r->run.survey, r->weights, r->waves[w], sha,
                                                   &wi, NULL, err)
                 : helby_store_get_weights(st, r->run.survey, r->weights, r->waves[w], &wi, NULL,
                                           err))
            return err->code;
        for (const char *p = wi.diagnostics; *p;) {
            const char *e = strchr(p, '\n');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            const char *eq = memchr(p, '=', len);
            char v[640];
            snprintf(v, sizeof v, "%.*s", eq ? (int)(len - (size_t)(eq - p) - 1) : 0,
                     eq ? eq + 1 : "");
            if (eq && (size_t)(eq - p) == 10 && !strncmp(p, "worst_cell", 10))
                cell_words(r, s, eq + 1, len - 11, v, sizeof v);
            if (eq && report_buf_printf(&b, "%ld\t%.*s\t%s\n", r->waves[w], (int)(eq - p), p, v))
                return helby_error_set(err, HELBY_ENOMEM, "out of memory");
            p = e ? e + 1 : p + len;
        }
    }
    r->weighting = b.data;
    return HELBY_OK;
}

/* A run with the sensitivity analysis says so in its methods paragraph. */
static void methods_sensitivity(helby_report *r, const char *o)
{
    const char *p = strstr(o, ";sensitivity=");
    if (!p)
        return;
    unsigned long n = strtoul(p + 13, NULL, 10);
    size_t len = strlen(r->methods);
    snprintf(r->methods + len, sizeof r->methods - len,
             !strcmp(r->lang, "da")
                 ? " Robusthed: indekset er beregnet igen i %lu scenarier af andre forsvarlige "
                   "konstruktioner (Saltelli-design, N = %lu); afsnittet \"Hvor robust er "
                   "målopfyldelsen?\" viser spændet og Sobol-indeksene."
                 : " Robustness: the index was computed again in %lu scenarios of other "
                   "defensible constructions (Saltelli design, N = %lu); the section \"How "
                   "robust is the verdict?\" shows the spread and the Sobol indices.",
             2 * n, n);
}

static void methods_paragraph(helby_report *r, double df)
{
    char var[32] = "linearization", lvl[32] = "0.95";
    const char *o = r->run.options;
    const char *p = strstr(o, "variance=");
    if (p)
        sscanf(p, "variance=%31[^;]", var);
    p = strstr(o, "level=");
    double level = p ? strtod(p + 6, NULL) : 0.95;
    helby_report_num(r, 100 * level, 0, lvl, sizeof lvl);
    char dfs[32];
    helby_report_num(r, df, 0, dfs, sizeof dfs);
    int da = !strcmp(r->lang, "da");
    int lin = !strcmp(var, "linearization");
    const char *wdesc = !strcmp(r->weights, "base")
                            ? (da ? "designvægte (basisvægte)" : "design (base) weights")
                            : NULL;
    char wbuf[160];
    if (!wdesc) {
        snprintf(wbuf, sizeof wbuf,
                 da ? "vægtsættet '%s' (kalibreret til registertal pr. bølge; diagnostik i "
                      "afsnittet om vægtning)"
                    : "the weight set '%s' (calibrated to register totals per wave; "
                      "diagnostics in the weighting section)",
                 r->weights);
        wdesc = wbuf;
    }
    snprintf(
        r->methods, sizeof r->methods,
        da ? "Kørsel %lld (helby %s, %s). Estimaterne er designbaserede gennemsnit af indeks og "
             "dimensioner (0–100) og andele, vægtet med %s. Varians: %s%s; %s %%-"
             "konfidensintervaller med t-fordelingen på %s designfrihedsgrader (andele: "
             "logit-intervaller). Forskel (danskere − minoriteter), forhold, ændring siden "
             "basisåret og forskel i forskelle har standardfejl efter deltametoden med "
             "estimaternes kovarians; bølgerne er uafhængige stikprøver. Målopfyldelse: opfyldt "
             "når hele konfidensintervallet ligger ud over målet, ikke opfyldt når det hele "
             "ligger på den forkerte side, ellers uafklaret. Diskretion: celler med færre end "
             "%zu svarpersoner undertrykkes (markeret ·), og en celle mere i samme række eller "
             "kolonne undertrykkes (markeret ‡) når en margin ellers ville afsløre den; "
             "estimater med relativ standardfejl over 30 %% er markeret †."
           : "Run %lld (helby %s, %s). Estimates are design-based means of the indices and "
             "dimensions (0–100) and proportions, weighted with %s. Variance: %s%s; %s %% "
             "confidence intervals from the t distribution on %s design degrees of freedom "
             "(shares: logit intervals). The gap (Danes − minorities), ratio, change since the "
             "baseline and difference in differences have delta-method standard errors from "
             "the covariance of the estimates; waves are independent samples. Goals: met when "
             "the whole confidence interval lies beyond the target, not met when it lies all on "
             "the wrong side, inconclusive otherwise. Disclosure control: cells with fewer than "
             "%zu respondents are suppressed (marked ·), and one more cell in the same row or "
             "column is suppressed (marked ‡) where a margin would otherwise reveal it; "
             "estimates with a relative standard error above 30 %% are marked †.",
        (long long)r->run.id, r->run.engine, r->run.created_at, wdesc,
        lin ? (da ? "Taylor-linearisering" : "Taylor linearization") : var,
        lin ? (strcmp(r->weights, "base")
                   ? (da ? " med kalibreringsresidualer" : " with calibration residuals")
                   : "")
            : (da ? " replikatvægte" : " replicate weights"),
        lvl, dfs, r->threshold);
    methods_sensitivity(r, o);
}

/* The survey's title and its words on how the sample was drawn, in the report's language
 * (sampling: English falls back to the Danish words; a Danish report shows only Danish). */
static void report_sampling(helby_report *r, const helby_survey *s)
{
    helby_utf8_copy(r->title, sizeof r->title, L(r, s->title_da, s->title_en));
    const char *smp = !strcmp(r->lang, "da") ? s->sampling_da
                      : s->sampling_en       ? s->sampling_en
                                             : s->sampling_da;
    helby_utf8_copy(r->sampling, sizeof r->sampling, smp ? smp : "");
}

/* What rests on the measures' disclosure control: the changes between waves, the goals, the
 * weighting diagnostics, the sensitivity analysis and the subgroups. */
static helby_status fill_after_suppression(helby_report *r, const helby_survey *s, helby_store *st,
                                           const helby_run_row *rows, size_t n, helby_error *err)
{
    helby_status rc;
    if ((rc = report_changes_fill(r, err)) || (rc = fill_goals(r, s, rows, n, err)) ||
        (rc = fill_weighting(r, s, st, err)) || (rc = report_sens_fill(r, s, rows, n, err)))
        return rc;
    return report_subgroups_fill(r, s, rows, n, err);
}

helby_status helby_report_build(helby_store *st, long run_id, const helby_report_options *opt,
                                helby_report **out, helby_error *err)
{
    *out = NULL;
    helby_report *r = calloc(1, sizeof *r);
    if (!r)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory building a report");
    helby_run_row *rows = NULL;
    size_t n = 0;
    helby_survey *s = NULL;
    helby_status rc;
    if ((rc = helby_store_get_run(st, run_id, &r->run, &rows, &n, err)) ||
        (rc = helby_store_get_survey(st, r->run.survey, &s, err)))
        goto fail;
    if (!strstr(r->run.options, "comparisons=1")) {
        rc = helby_error_set(err, HELBY_EINPUT,
                             "run %ld was made before runs stored their comparisons; make a new "
                             "one with `helby compute --survey %s`",
                             run_id, r->run.survey);
        goto fail;
    }
    const char *lang = opt && opt->lang ? opt->lang : s->language ? s->language : "da";
    helby_utf8_copy(r->lang, sizeof r->lang, strcmp(lang, "en") ? "da" : "en");
    size_t mc = opt && opt->min_cell ? opt->min_cell : s->min_cell;
    r->threshold = mc < 5 ? 5 : mc;
    r->def_changed = strcmp(r->run.def_hash, s->hash) != 0;
    report_sampling(r, s);
    const char *wp = strstr(r->run.options, "weights=");
    snprintf(r->weights, sizeof r->weights, "base");
    const char *lp = strstr(r->run.options, "level=");
    r->level = lp ? strtod(lp + 6, NULL) : 0.95;
    if (wp)
        sscanf(wp, "weights=%63[^;]", r->weights);
    if ((rc = collect_keys(r, rows, n, err)) || (rc = report_origins_collect(r, s, rows, n, err)) ||
        (rc = level_labels(r, s, err)) || (rc = district_tiles(r, s, err)))
        goto fail;
    size_t cap = s->n_shares + 1;
    for (size_t i = 0; i < s->n_indices; i++)
        cap += 1 + s->indices[i].n_dims;
    r->measures = calloc(cap, sizeof *r->measures);
    if (!r->measures) {
        rc = helby_error_set(err, HELBY_ENOMEM, "out of memory building a report");
        goto fail;
    }
    for (size_t i = 0; i < s->n_indices && !rc; i++) {
        const helby_index *ix = &s->indices[i];
        rc = add_measure(r, s, ix->name, 0, L(r, ix->label_da, ix->label_en), NULL, err);
        r->measures[r->n_measures - 1].lower_is_better = ix->lower_is_better;
        for (size_t j = 0; j < ix->n_dims && !rc; j++) { /* a dimension points as its index */
            rc = add_measure(r, s, ix->dims[j].name, 1,
                             L(r, ix->dims[j].label_da, ix->dims[j].label_en), ix->name, err);
            r->measures[r->n_measures - 1].lower_is_better = ix->lower_is_better;
        }
    }
    for (size_t i = 0; i < s->n_shares && !rc; i++) {
        rc = add_measure(r, s, s->shares[i].name, 2,
                         L(r, s->shares[i].label_da, s->shares[i].label_en), NULL, err);
        r->measures[r->n_measures - 1].lower_is_better = s->shares[i].lower_is_better;
    }
    if (rc)
        goto fail;
    fill_rows(r, rows, n);
    if ((rc = report_origins_fill(r, rows, n, err)))
        goto fail;
    for (size_t i = 0; i < r->n_measures && !rc; i++)
        rc = suppress_measure(r, &r->measures[i], err);
    if (rc || (rc = fill_after_suppression(r, s, st, rows, n, err)))
        goto fail;
    double df = NAN;
    for (size_t i = 0; i < n && isnan(df); i++)
        if (!dom_has(rows[i].domain, "district") && !isnan(rows[i].df))
            df = rows[i].df;
    for (size_t i = 0; i < r->n_measures; i++) {
        helby_report_measure *m = &r->measures[i];
        for (size_t k = 0; k < r->n_waves * 3; k++)
            r->n_primary += m->level[k].mark == HELBY_CELL_PRIMARY,
                r->n_complementary += m->level[k].mark == HELBY_CELL_COMPLEMENTARY;
        for (size_t k = 0; k < r->n_districts * r->n_waves * 2; k++)
            r->n_primary += m->district[k].mark == HELBY_CELL_PRIMARY,
                r->n_complementary += m->district[k].mark == HELBY_CELL_COMPLEMENTARY;
        for (size_t k = 0; k < r->n_origins * r->n_waves; k++)
            r->n_primary += m->origin[k].mark == HELBY_CELL_PRIMARY,
                r->n_complementary += m->origin[k].mark == HELBY_CELL_COMPLEMENTARY;
    }
    methods_paragraph(r, df);
    free(rows);
    helby_survey_free(s);
    *out = r;
    return HELBY_OK;
fail:
    free(rows);
    helby_survey_free(s);
    helby_report_free(r);
    return rc;
}

void helby_report_free(helby_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_measures; i++) {
        free(r->measures[i].level);
        free(r->measures[i].cmp);
        free(r->measures[i].district);
        free(r->measures[i].origin);
        free(r->measures[i].change);
    }
    free(r->measures);
    for (size_t i = 0; r->goals && i < r->n_goals; i++)
        free(r->goals[i].adj);
    free(r->goals);
    free(r->waves);
    free(r->wave_labels);
    free(r->districts);
    free(r->district_labels);
    free(r->district_row);
    free(r->district_col);
    free(r->origins);
    free(r->origin_labels);
    free(r->origin_group);
    free(r->weighting);
    free(r->indicators);
    report_sens_free(r);
    report_subgroups_free(r);
    free(r);
}

/* ---- Register indicators (barometer) ---- */

static size_t split(char *line, char **f, size_t max)
{
    size_t k = 0;
    for (char *p = line; k < max;) {
        f[k++] = p;
        char *e = strchr(p, ';');
        if (!e)
            break;
        *e = '\0';
        p = e + 1;
    }
    return k;
}

/* The checks of a register line's fields fl (8): goal id length, better, value and target
 * (empty: NaN) into *v and *t. */
static helby_status register_fields(char **fl, const char *path, long ln, double *v, double *t,
                                    helby_error *err)
{
    if (strlen(fl[0]) >= sizeof((helby_report_indicator *)0)->goal)
        return helby_error_at(err, HELBY_EINPUT, path, ln, 1, "goal",
                              "'%s': a goal id of at most %zu bytes", fl[0],
                              sizeof((helby_report_indicator *)0)->goal - 1);
    if (strcmp(fl[4], "higher") && strcmp(fl[4], "lower"))
        return helby_error_at(err, HELBY_EINPUT, path, ln, 5, "better",
                              "'%s': expected higher or lower", fl[4]);
    char *end;
    *v = strtod(fl[6], &end);
    if (!*fl[6] || *end || !isfinite(*v))
        return helby_error_at(err, HELBY_EINPUT, path, ln, 7, "value", "'%s' is not a number",
                              fl[6]);
    *t = NAN;
    if (*fl[7]) {
        *t = strtod(fl[7], &end);
        if (*end || !isfinite(*t))
            return helby_error_at(err, HELBY_EINPUT, path, ln, 8, "target", "'%s' is not a number",
                                  fl[7]);
    }
    return HELBY_OK;
}

/* A register line read whole (len bytes, its line end included): at most
 * HELBY_REGISTER_LINE_MAX bytes, no NUL, valid UTF-8 and no bidirectional control character
 * (it would reorder the label or period it sits in on the reader's screen). */
#define HELBY_REGISTER_LINE_MAX 65536
static helby_status register_line(const char *line, size_t len, const char *path, long ln,
                                  helby_error *err)
{
    if (len > HELBY_REGISTER_LINE_MAX)
        return helby_error_at(err, HELBY_EINPUT, path, ln, 0, NULL,
                              "line of %zu bytes: a register line has at most %d", len,
                              HELBY_REGISTER_LINE_MAX);
    if (strlen(line) != len)
        return helby_error_at(err, HELBY_EINPUT, path, ln, 0, NULL, "NUL byte");
    long bad = helby_utf8_invalid_at(line, len), bidi = helby_bidi_control_at(line, len);
    long at = bad >= 0 ? bad : bidi;
    if (at < 0)
        return HELBY_OK;
    long col = 1;
    for (long i = 0; i < at; i++)
        col += line[i] == ';';
    if (bad >= 0)
        return helby_error_at(err, HELBY_EINPUT, path, ln, col, NULL, "invalid UTF-8 (byte 0x%02X)",
                              (unsigned char)line[bad]);
    return helby_error_at(err, HELBY_EINPUT, path, ln, col, NULL,
                          "a bidirectional control character in the text: it reorders what a "
                          "reader sees; remove it");
}

helby_status helby_report_load_register(helby_report *r, const char *path, helby_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return helby_error_at(err, HELBY_EIO, path, 0, 0, NULL, "cannot open the register file");
    char *line = NULL;
    size_t lcap = 0;
    ssize_t got;
    long ln = 0;
    helby_status rc = HELBY_OK;
    size_t cap = 0;
    int header = 0;
    while ((got = getline(&line, &lcap, f)) > 0) { /* whole lines, however long */
        ln++;
        if ((rc = register_line(line, (size_t)got, path, ln, err)))
            break;
        line[strcspn(line, "\r\n")] = '\0';
        if (!*line || line[0] == '#')
            continue;
        if (!header) {
            header = 1;
            if (strncmp(line, "goal;indicator;label_da;label_en;better;period;value;target", 60)) {
                rc = helby_error_at(err, HELBY_EINPUT, path, ln, 1, NULL,
                                    "expected the header goal;indicator;label_da;label_en;"
                                    "better;period;value;target");
                break;
            }
            continue;
        }
        char *fl[9];
        if (split(line, fl, 9) != 8) {
            rc = helby_error_at(err, HELBY_EINPUT, path, ln, 0, NULL, "expected 8 fields");
            break;
        }
        double v = NAN, t = NAN;
        if ((rc = register_fields(fl, path, ln, &v, &t, err)))
            break;
        helby_report_indicator *ind = NULL;
        for (size_t i = 0; i < r->n_indicators && !ind; i++)
            if (!strcmp(r->indicators[i].name, fl[1]) && !strcmp(r->indicators[i].goal, fl[0]))
                ind = &r->indicators[i];
        if (!ind) {
            if (r->n_indicators == cap) {
                cap = cap ? 2 * cap : 8;
                helby_report_indicator *p = realloc(r->indicators, cap * sizeof *p);
                if (!p) {
                    rc = helby_error_set(err, HELBY_ENOMEM, "out of memory");
                    break;
                }
                r->indicators = p;
            }
            ind = &r->indicators[r->n_indicators++];
            memset(ind, 0, sizeof *ind);
            snprintf(ind->goal, sizeof ind->goal, "%.*s", (int)sizeof ind->goal - 1, fl[0]);
            helby_utf8_copy(ind->name, sizeof ind->name, fl[1]);
            helby_utf8_copy(ind->label, sizeof ind->label, L(r, fl[2], fl[3]));
            helby_utf8_copy(ind->better, sizeof ind->better, fl[4]);
        }
        if (ind->n_periods == 16) {
            rc = helby_error_at(err, HELBY_EINPUT, path, ln, 6, "period",
                                "more than 16 periods for %s", ind->name);
            break;
        }
        helby_utf8_copy(ind->period[ind->n_periods], sizeof ind->period[0], fl[5]);
        ind->value[ind->n_periods] = v;
        ind->target[ind->n_periods++] = t;
    }
    free(line);
    fclose(f);
    return rc;
}
