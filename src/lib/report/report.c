/* report.c — the report model from a stored run, disclosure control, and the text, CSV,
 * JSON and Markdown renderers (helby/report.h). HTML: report_html.c; XLSX: report_xlsx.c. */
#include "helby/report.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/score.h"
#include "helby/survey.h"
#include "report/report_internal.h"

/* ---- Disclosure control (docs/method.md §8) ---- */

static int suppressed(unsigned char m)
{
    return m == HELBY_CELL_PRIMARY || m == HELBY_CELL_COMPLEMENTARY;
}

/* One line of the table: len cells from `first`, `stride` apart, the margin last. Adds one
 * complementary cell if exactly one (non-empty) cell is suppressed; returns 1 if it did. */
static int protect_line(const size_t *n, unsigned char *mark, size_t first, size_t stride,
                        size_t len)
{
    size_t hidden = 0, best = (size_t)-1;
    for (size_t i = 0; i < len; i++)
        hidden += suppressed(mark[first + i * stride]);
    if (hidden != 1)
        return 0;
    /* Inner cells first (the margin is the last), the smallest n among them. */
    for (int pass = 0; pass < 2 && best == (size_t)-1; pass++)
        for (size_t i = pass ? len - 1 : 0; i < (pass ? len : len - 1); i++) {
            size_t k = first + i * stride;
            if (mark[k] == HELBY_CELL_SHOWN && (best == (size_t)-1 || n[k] < n[best]))
                best = k;
        }
    if (best == (size_t)-1)
        return 0;
    mark[best] = HELBY_CELL_COMPLEMENTARY;
    return 1;
}

size_t helby_suppress(const size_t *n, size_t rows, size_t cols, int row_totals, int col_totals,
                      size_t threshold, unsigned char *mark)
{
    const size_t N = rows * cols;
    for (size_t k = 0; k < N; k++)
        if (mark[k] == HELBY_CELL_SHOWN)
            mark[k] = n[k] == 0          ? HELBY_CELL_EMPTY
                      : n[k] < threshold ? HELBY_CELL_PRIMARY
                                         : HELBY_CELL_SHOWN;
    /* Empty cells are neither counted nor chosen (an empty cell reveals nothing), so the
     * lines can be walked in place: no allocation, nothing to fail. */
    for (int changed = 1; changed && N;) {
        changed = 0;
        for (size_t i = 0; row_totals && i < rows; i++)
            changed |= protect_line(n, mark, i * cols, 1, cols);
        for (size_t j = 0; col_totals && j < cols; j++)
            changed |= protect_line(n, mark, j, cols, rows);
    }
    size_t s = 0;
    for (size_t k = 0; k < N; k++)
        s += suppressed(mark[k]);
    return s;
}

/* ---- Building the model ---- */

static const char *dom_get(const char *dom, const char *key, char *out, size_t n)
{
    size_t kl = strlen(key);
    for (const char *p = dom; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > kl && !strncmp(p, key, kl) && p[kl] == '=') {
            snprintf(out, n, "%.*s", (int)(len - kl - 1), p + kl + 1);
            return out;
        }
        p = e ? e + 1 : NULL;
    }
    return NULL;
}

const char *report_dom_get(const char *dom, const char *key, char *out, size_t n)
{
    return dom_get(dom, key, out, n);
}

static int dom_has(const char *dom, const char *key)
{
    char b[8];
    return dom_get(dom, key, b, sizeof b) != NULL;
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
        snprintf(c->flag, sizeof c->flag, "%s", r->flag);
}

static void cell_hide(helby_report_cell *c, int mark)
{
    c->mark = mark;
    c->estimate = c->se = c->ci_low = c->ci_high = NAN;
    c->unreliable = 0;
}

static size_t wave_index(const helby_report *r, long w)
{
    for (size_t i = 0; i < r->n_waves; i++)
        if (r->waves[i] == w)
            return i;
    return (size_t)-1;
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
        if (dom_get(rows[i].domain, "wave", b, sizeof b)) {
            long w = strtol(b, NULL, 10);
            if (wave_index(r, w) == (size_t)-1)
                r->waves[r->n_waves++] = w;
        }
        if (dom_get(rows[i].domain, "district", b, sizeof b)) {
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
    snprintf(m->name, sizeof m->name, "%s", name);
    snprintf(m->label, sizeof m->label, "%s", label);
    snprintf(m->parent, sizeof m->parent, "%s", parent ? parent : "");
    m->kind = kind;
    m->alpha = NAN;
    m->baseline = r->n_waves ? r->waves[0] : 0;
    for (size_t t = 0; t < s->n_targets; t++)
        if (!strcmp(s->targets[t].measure, name) &&
            wave_index(r, s->targets[t].baseline_wave) != (size_t)-1) {
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

const helby_report_measure *report_find_measure(const helby_report *r, const char *name)
{
    for (size_t i = 0; i < r->n_measures; i++)
        if (!strcmp(r->measures[i].name, name))
            return &r->measures[i];
    return NULL;
}

size_t report_wave_index(const helby_report *r, long w)
{
    return wave_index(r, w);
}

void report_lower_first(char *buf, size_t n, const char *label)
{
    snprintf(buf, n, "%s", label);
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = (char)(buf[0] - 'A' + 'a');
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
        if (dom_get(dom, "reliability", b, sizeof b)) {
            m->alpha = x->estimate;
            m->alpha_n = (size_t)x->n;
            continue;
        }
        if (dom_has(dom, "goal") || dom_has(dom, "origin")) /* origins: report_origin.c */
            continue;
        size_t w =
            dom_get(dom, "wave", b, sizeof b) ? wave_index(r, strtol(b, NULL, 10)) : (size_t)-1;
        if (w == (size_t)-1)
            continue;
        if (dom_get(dom, "quantity", q, sizeof q)) {
            for (int k = 0; k < HELBY_RQ_N; k++)
                if (!strcmp(q, qnames[k]))
                    cell_from_row(&m->cmp[w * HELBY_RQ_N + k], x);
            continue;
        }
        int g = dom_get(dom, "group", b, sizeof b) ? atoi(b) : HELBY_RG_ALL;
        if (g < 0 || g > 1)
            g = HELBY_RG_ALL;
        if (dom_get(dom, "district", b, sizeof b)) {
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
    size_t b = wave_index(r, m->baseline);
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
        if (!dom_get(rows[i].domain, "goal", b, sizeof b))
            continue;
        const helby_target *t = NULL;
        for (size_t k = 0; k < s->n_targets && !t; k++)
            if (!strcmp(s->targets[k].goal, b) && !strcmp(s->targets[k].measure, rows[i].measure))
                t = &s->targets[k];
        if (!t || r->n_goals >= s->n_targets)
            continue;
        helby_report_goal *g = &r->goals[r->n_goals++];
        snprintf(g->goal, sizeof g->goal, "%s", t->goal);
        snprintf(g->label, sizeof g->label, "%s", L(r, t->label_da, t->label_en));
        snprintf(g->measure, sizeof g->measure, "%s", t->measure);
        g->kind = (int)t->kind;
        snprintf(g->group, sizeof g->group, "%s", t->group ? t->group : "all");
        g->x = dom_get(rows[i].domain, "x", b, sizeof b) ? strtod(b, NULL) : t->x;
        g->wave = dom_get(rows[i].domain, "wave", b, sizeof b) ? strtol(b, NULL, 10) : 0;
        g->baseline = dom_get(rows[i].domain, "baseline", b, sizeof b) ? strtol(b, NULL, 10) : 0;
        cell_from_row(&g->q, &rows[i]);
        if (g->kind == HELBY_TARGET_RELATIVE_GAP_REDUCTION) { /* later minus earlier */
            double lo = g->q.ci_low;
            g->q.estimate = -g->q.estimate;
            g->q.ci_low = -g->q.ci_high;
            g->q.ci_high = -lo;
        }
        if (g->q.mark != HELBY_CELL_SHOWN)
            cell_hide(&g->q, g->q.mark);
        /* A goal resting on a cell the report hides is hidden too. */
        helby_report_measure *m = find_measure(r, g->measure);
        size_t w0 = wave_index(r, g->baseline), w1 = wave_index(r, g->wave);
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
    return HELBY_OK;
}

static helby_status fill_weighting(helby_report *r, helby_store *st, helby_error *err)
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
            if (eq && report_buf_printf(&b, "%ld\t%.*s\t%.*s\n", r->waves[w], (int)(eq - p), p,
                                        (int)(len - (size_t)(eq - p) - 1), eq + 1))
                return helby_error_set(err, HELBY_ENOMEM, "out of memory");
            p = e ? e + 1 : p + len;
        }
    }
    r->weighting = b.data;
    return HELBY_OK;
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
                 da ? "vægtsættet '%s' (kalibreret til registertal pr. bølge; diagnostik "
                      "nedenfor)"
                    : "the weight set '%s' (calibrated to register totals per wave; "
                      "diagnostics below)",
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
    snprintf(r->lang, sizeof r->lang, "%s", strcmp(lang, "en") ? "da" : "en");
    size_t mc = opt && opt->min_cell ? opt->min_cell : s->min_cell;
    r->threshold = mc < 5 ? 5 : mc;
    r->def_changed = strcmp(r->run.def_hash, s->hash) != 0;
    snprintf(r->title, sizeof r->title, "%s", L(r, s->title_da, s->title_en));
    const char *wp = strstr(r->run.options, "weights=");
    snprintf(r->weights, sizeof r->weights, "base");
    const char *lp = strstr(r->run.options, "level=");
    r->level = lp ? strtod(lp + 6, NULL) : 0.95;
    if (wp)
        sscanf(wp, "weights=%63[^;]", r->weights);
    if ((rc = collect_keys(r, rows, n, err)) || (rc = report_origins_collect(r, s, rows, n, err)))
        goto fail;
    if (s->district_var != HELBY_NO_VAR) {
        r->district_labels = calloc(r->n_districts + 1, sizeof *r->district_labels);
        if (!r->district_labels) {
            rc = helby_error_set(err, HELBY_ENOMEM, "out of memory building a report");
            goto fail;
        }
        for (size_t d = 0; d < r->n_districts; d++) {
            const char *lab =
                helby_variable_value_label(&s->vars[s->district_var], r->districts[d]);
            if (lab)
                snprintf(r->district_labels[d], sizeof r->district_labels[d], "%s", lab);
            else
                snprintf(r->district_labels[d], sizeof r->district_labels[d], "%g",
                         r->districts[d]);
        }
    }
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
    if (rc || (rc = fill_goals(r, s, rows, n, err)) || (rc = fill_weighting(r, st, err)) ||
        (rc = report_sens_fill(r, s, rows, n, err)))
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
    }
    free(r->measures);
    free(r->goals);
    free(r->waves);
    free(r->districts);
    free(r->district_labels);
    free(r->origins);
    free(r->origin_labels);
    free(r->origin_group);
    free(r->weighting);
    free(r->indicators);
    report_sens_free(r);
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

helby_status helby_report_load_register(helby_report *r, const char *path, helby_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return helby_error_at(err, HELBY_EIO, path, 0, 0, NULL, "cannot open the register file");
    char line[1024];
    long ln = 0;
    helby_status rc = HELBY_OK;
    size_t cap = 0;
    int header = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
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
        if (strcmp(fl[4], "higher") && strcmp(fl[4], "lower")) {
            rc = helby_error_at(err, HELBY_EINPUT, path, ln, 5, "better",
                                "'%s': expected higher or lower", fl[4]);
            break;
        }
        char *end;
        double v = strtod(fl[6], &end);
        if (!*fl[6] || *end || !isfinite(v)) {
            rc = helby_error_at(err, HELBY_EINPUT, path, ln, 7, "value", "'%s' is not a number",
                                fl[6]);
            break;
        }
        double t = NAN;
        if (*fl[7]) {
            t = strtod(fl[7], &end);
            if (*end || !isfinite(t)) {
                rc = helby_error_at(err, HELBY_EINPUT, path, ln, 8, "target",
                                    "'%s' is not a number", fl[7]);
                break;
            }
        }
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
            snprintf(ind->goal, sizeof ind->goal, "%s", fl[0]);
            snprintf(ind->name, sizeof ind->name, "%s", fl[1]);
            snprintf(ind->label, sizeof ind->label, "%s", L(r, fl[2], fl[3]));
            snprintf(ind->better, sizeof ind->better, "%s", fl[4]);
        }
        if (ind->n_periods == 16) {
            rc = helby_error_at(err, HELBY_EINPUT, path, ln, 6, "period",
                                "more than 16 periods for %s", ind->name);
            break;
        }
        snprintf(ind->period[ind->n_periods], sizeof ind->period[0], "%s", fl[5]);
        ind->value[ind->n_periods] = v;
        ind->target[ind->n_periods++] = t;
    }
    fclose(f);
    return rc;
}

/* ---- Formatting helpers ---- */

void helby_report_num(const helby_report *r, double v, int decimals, char *buf, size_t n)
{
    if (isnan(v) || isinf(v)) {
        snprintf(buf, n, "–");
        return;
    }
    if (v == 0)
        v = 0; /* no "-0.0" */
    snprintf(buf, n, "%.*f", decimals, v);
    if (fabs(v) < 0.5 * pow(10, -decimals) && buf[0] == '-')
        memmove(buf, buf + 1, strlen(buf));
    if (!strcmp(r->lang, "da"))
        for (char *p = buf; *p; p++)
            if (*p == '.')
                *p = ',';
    if (buf[0] == '-' && n > strlen(buf) + 2) { /* a typographic minus sign */
        memmove(buf + 3, buf + 1, strlen(buf));
        memcpy(buf, "\xe2\x88\x92", 3);
    }
}

int helby_report_format_parse(const char *name, helby_report_format *f)
{
    static const char *names[] = {"text", "csv", "json", "md", "html", "xlsx"};
    for (int i = 0; i < 6; i++)
        if (!strcmp(name, names[i])) {
            *f = (helby_report_format)i;
            return 1;
        }
    return 0;
}

const char *report_t(const helby_report *r, const char *key)
{
    static const char *tab[][3] = {
        {"danes", "Etniske danskere", "Ethnic Danes"},
        {"minorities", "Etniske minoriteter", "Ethnic minorities"},
        {"all", "Alle", "All"},
        {"gap", "Forskel (danskere − minoriteter)", "Gap (Danes − minorities)"},
        {"ratio", "Forhold (minoriteter / danskere)", "Ratio (minorities / Danes)"},
        {"gap_change", "Forskel i forskelle (siden basisår)",
         "Difference in differences (since baseline)"},
        {"rel_gap_change", "Relativ ændring af forskellen", "Relative change of the gap"},
        {"ratio_change", "Relativ ændring af forholdet", "Relative change of the ratio"},
        {"wave", "Bølge", "Wave"},
        {"gap_s", "Forskel", "Gap"},
        {"ratio_s", "Forhold", "Ratio"},
        {"did_s", "Forskel i forskelle", "Diff. in diff."},
        {"rel_s", "Rel. ændring af forskel", "Rel. gap change"},
        {"danes_s", "dan.", "Danes"},
        {"minorities_s", "min.", "Min."},
        {"estimate", "Estimat", "Estimate"},
        {"n", "n", "n"},
        {"goals", "Målopfyldelse", "Goal verdicts"},
        {"goal", "Mål", "Goal"},
        {"verdict", "Vurdering", "Verdict"},
        {"rule", "Regel", "Rule"},
        {"observed", "Observeret", "Observed"},
        {"in_words", "Kort fortalt", "In words"},
        {"districts", "Bydele", "Districts"},
        {"district", "Bydel", "District"},
        {"reliability", "Reliabilitet (Cronbachs α)", "Reliability (Cronbach's α)"},
        {"dimension", "Dimension", "Dimension"},
        {"weighting", "Vægtningsdiagnostik", "Weighting diagnostics"},
        {"methods", "Metode", "Method"},
        {"provenance", "Kørsel og herkomst", "Run and provenance"},
        {"weighting_w", "Vægtning", "Weighting"},
        {"certainty", "Usikkerhed", "How sure"},
        {"met", "opfyldt", "met"},
        {"not met", "ikke opfyldt", "not met"},
        {"inconclusive", "uafklaret", "inconclusive"},
        {"suppressed", "undertrykt", "suppressed"},
        {"comparisons", "Minoriteter og danskere", "Minorities and Danes"},
        {"barometer", "Integrationsbarometer", "Integration barometer"},
        {"direction", "Retning", "Direction"},
        {"trend", "Udvikling", "Trend"},
        {"diagnostic", "Diagnostik", "Diagnostic"},
        {"improving", "bedre", "improving"},
        {"worsening", "dårligere", "worsening"},
        {"unchanged", "uændret", "unchanged"},
        {"target", "Målværdi", "Target"},
        {"latest", "Seneste", "Latest"},
        {"period", "Periode", "Period"},
        {"source", "Kilde", "Source"},
        {"register", "register", "register"},
        {"survey", "survey", "survey"},
        {"legend",
         "· undertrykt (for få svarpersoner)  ‡ komplementært undertrykt  † relativ "
         "standardfejl over 30 %",
         "· suppressed (too few respondents)  ‡ suppressed to protect another cell  † relative "
         "standard error above 30 %"},
        {"scale_index", "indeks 0–100", "index 0–100"},
        {"scale_share", "andel, %", "share, %"},
        {"no_definition",
         "Bemærk: surveydefinitionen er ændret siden kørslen; etiketterne er "
         "den nuværende definitions.",
         "Note: the survey definition changed since the run; labels are today's."},
    };
    int da = !strcmp(r->lang, "da");
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(tab[i][0], key))
            return tab[i][da ? 1 : 2];
    return key;
}

/* Value scale of a quantity of a measure: shares are proportions shown as percent. */
double report_scale(const helby_report_measure *m, int q)
{
    if (q == -1 || q == HELBY_RQ_GAP || q == HELBY_RQ_GAP_CHANGE)
        return m->kind == 2 ? 100 : 1;
    if (q == HELBY_RQ_REL_GAP_CHANGE || q == HELBY_RQ_RATIO_CHANGE)
        return 100;
    return 1;
}

/* A column head of a comparison table with its unit: gaps in points (percentage points for
 * shares), relative changes in %. */
void report_col_head(const helby_report *r, const helby_report_measure *m, const char *key,
                     char *buf, size_t n)
{
    int da = !strcmp(r->lang, "da");
    const char *u = "";
    if (!strcmp(key, "gap_s") || !strcmp(key, "did_s"))
        u = m->kind == 2 ? (da ? " (pct.-point)" : " (pct. points)")
                         : (da ? " (point)" : " (points)");
    else if (!strcmp(key, "rel_s"))
        u = " (%)";
    snprintf(buf, n, "%s%s", report_t(r, key), u);
}

/* "andel, %; lavere er bedre": a measure's scale and, where higher is worse, that cue. */
void report_scale_text(const helby_report *r, const helby_report_measure *m, char *buf, size_t n)
{
    int da = !strcmp(r->lang, "da");
    snprintf(buf, n, "%s%s", report_t(r, m->kind == 2 ? "scale_share" : "scale_index"),
             m->lower_is_better ? (da ? "; lavere er bedre" : "; lower is better") : "");
}

int report_decimals(int q)
{
    return q == HELBY_RQ_RATIO ? 3 : 1;
}

const char *report_mark(const helby_report_cell *c)
{
    return c->mark == HELBY_CELL_PRIMARY         ? "·"
           : c->mark == HELBY_CELL_COMPLEMENTARY ? "‡"
           : c->mark == HELBY_CELL_EMPTY         ? ""
           : c->unreliable                       ? "†"
                                                 : "";
}

/* "62.9 [61.5; 64.4]" or the mark. */
void report_cell_text(const helby_report *r, const helby_report_cell *c, double scale, int dec,
                      char *buf, size_t n)
{
    if (c->mark != HELBY_CELL_SHOWN || !c->present) {
        snprintf(buf, n, "%s", c->mark == HELBY_CELL_EMPTY || !c->present ? "" : report_mark(c));
        return;
    }
    char a[32], b[32], d[32];
    helby_report_num(r, c->estimate * scale, dec, a, sizeof a);
    helby_report_num(r, c->ci_low * scale, dec, b, sizeof b);
    helby_report_num(r, c->ci_high * scale, dec, d, sizeof d);
    snprintf(buf, n, "%s [%s; %s]%s", a, b, d, c->unreliable ? " †" : "");
}

int report_buf_printf(helby_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0) {
        va_end(ap2);
        return -1;
    }
    if (b->len + (size_t)k + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < b->len + (size_t)k + 1)
            c *= 2;
        char *p = realloc(b->data, c);
        if (!p) {
            va_end(ap2);
            return -1;
        }
        b->data = p;
        b->cap = c;
    }
    vsnprintf(b->data + b->len, (size_t)k + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)k;
    return 0;
}

/* Direction of travel of a register indicator: the latest period against the one before. */
const char *report_direction(const helby_report_indicator *ind)
{
    if (ind->n_periods < 2)
        return "unchanged";
    double d = ind->value[ind->n_periods - 1] - ind->value[ind->n_periods - 2];
    if (strcmp(ind->better, "higher"))
        d = -d;
    return d > 0 ? "improving" : d < 0 ? "worsening" : "unchanged";
}

/* Verdict of a register indicator (no sampling error): the latest value against its target. */
const char *report_register_verdict(const helby_report_indicator *ind)
{
    size_t k = ind->n_periods - 1;
    if (!ind->n_periods || isnan(ind->target[k]))
        return "inconclusive";
    int higher = !strcmp(ind->better, "higher");
    return (higher ? ind->value[k] >= ind->target[k] : ind->value[k] <= ind->target[k]) ? "met"
                                                                                        : "not met";
}

/* Direction of travel of a survey goal: its measure's latest change between waves (the gap
 * for goal 4's kinds, where a smaller gap is better; the level for goal 6). */
const char *report_goal_direction(const helby_report *r, const helby_report_goal *g)
{
    const helby_report_measure *m = NULL;
    for (size_t i = 0; i < r->n_measures; i++)
        if (!strcmp(r->measures[i].name, g->measure))
            m = &r->measures[i];
    size_t W = r->n_waves;
    if (!m || W < 2)
        return "unchanged";
    double d;
    if (g->kind == HELBY_TARGET_CHANGE_POSITIVE) {
        d = m->level[(W - 1) * 3 + 2].estimate - m->level[(W - 2) * 3 + 2].estimate;
        if (m->lower_is_better) /* the definition's `better` column */
            d = -d;
    } else
        d = m->cmp[(W - 2) * HELBY_RQ_N].estimate - m->cmp[(W - 1) * HELBY_RQ_N].estimate;
    return isnan(d) ? "unchanged" : d > 0 ? "improving" : d < 0 ? "worsening" : "unchanged";
}

/* A weighting diagnostic's name for people ("kish_n" -> "Kish's effective n"). */
void report_diag_label(const helby_report *r, const char *key, char *buf, size_t n)
{
    static const char *tab[][3] = {
        {"n", "Svarpersoner", "Respondents"},
        {"sum_base", "Sum af basisvægte", "Sum of base weights"},
        {"sum_weights", "Sum af vægte", "Sum of weights"},
        {"kish_n", "Kish' effektive n", "Kish's effective n"},
        {"deff_w", "Vægtningens designeffekt 1 + CV²", "Weighting design effect 1 + CV²"},
        {"iterations", "Iterationer", "Iterations"},
        {"max_discrepancy", "Største tilbageværende marginafvigelse",
         "Largest remaining margin discrepancy"},
        {"worst_cell", "… i cellen", "… in the cell"},
        {"totals_gap", "Uoverensstemmelse mellem marginsummer", "Disagreement of margin sums"},
        {"trimmed", "Trimmede vægte", "Trimmed weights"},
        {"warning", "Advarsel", "Warning"},
    };
    int da = !strcmp(r->lang, "da");
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(tab[i][0], key)) {
            snprintf(buf, n, "%s", tab[i][da ? 1 : 2]);
            return;
        }
    char *end;
    if ((key[0] == 'w' || key[0] == 'g') && !strncmp(key + 1, "_q", 2)) {
        long q = strtol(key + 3, &end, 10);
        if (!*end) {
            const char *what = key[0] == 'w' ? (da ? "Vægt" : "Weight")
                                             : (da ? "g = vægt / basisvægt" : "g = weight / base");
            if (q == 0 || q == 100)
                snprintf(buf, n, "%s, %s", what, q ? "max" : "min");
            else
                snprintf(buf, n, "%s, %ld %%-%s", what, q, da ? "fraktil" : "quantile");
            return;
        }
    }
    snprintf(buf, n, "%s", key);
}

/* A weighting diagnostic's value: integers plainly, small numbers in scientific notation. */
void report_diag_value(const helby_report *r, const char *raw, char *buf, size_t n)
{
    char *end;
    double x = strtod(raw, &end);
    if (!*raw || *end || !isfinite(x)) {
        snprintf(buf, n, "%s", raw);
        return;
    }
    if (x == floor(x) && fabs(x) < 1e15) {
        helby_report_num(r, x, 0, buf, n);
    } else if (x != 0 && fabs(x) < 1e-3) {
        snprintf(buf, n, "%.1e", x);
        if (!strcmp(r->lang, "da"))
            for (char *p = buf; *p; p++)
                if (*p == '.')
                    *p = ',';
    } else {
        helby_report_num(r, x, fabs(x) >= 1000 ? 1 : 3, buf, n);
    }
}

/* "Run 1 · 2026-... · helby 0.1.0 · variance Taylor linearization · weights base · 95 % CI ·
 * minimum cell 30" in the report's language. */
void report_run_line(const helby_report *r, char *buf, size_t n)
{
    char var[32] = "linearization", lv[16];
    const char *vp = strstr(r->run.options, "variance="), *lp = strstr(r->run.options, "level=");
    if (vp)
        sscanf(vp, "variance=%31[^;]", var);
    helby_report_num(r, 100 * (lp ? strtod(lp + 6, NULL) : 0.95), 0, lv, sizeof lv);
    int da = !strcmp(r->lang, "da");
    snprintf(buf, n, "%s %lld · %s · helby %s · %s %s · %s %s · %s %% %s · %s %zu",
             da ? "Kørsel" : "Run", (long long)r->run.id, r->run.created_at, r->run.engine,
             da ? "varians" : "variance",
             !strcmp(var, "linearization") ? (da ? "Taylor-linearisering" : "Taylor linearization")
                                           : var,
             da ? "vægte" : "weights", r->weights, lv, da ? "KI" : "CI",
             da ? "mindste celle" : "minimum cell", r->threshold);
}
