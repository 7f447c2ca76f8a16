/* report_origin.c — origin subgroups in a report (helby/report.h): every code of the survey's
 * group column by wave ("origin=2,wave=2011" rows of a method-2 run, docs/method.md §10), with
 * the codebook's labels, beside Danes, minorities and all. Runs without such rows have none.
 *
 * Disclosure control (docs/method.md §8): the codes of a group add up to the group (Danish
 * origin to ethnic Danes, Western and non-Western to minorities) and all codes to all
 * respondents, so each of those is a line with its margin, as Danes and minorities are with
 * all in the level table; the lines share cells, so they are suppressed again until none
 * changes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "report/report_internal.h"

static size_t origin_index(const helby_report *r, double code)
{
    for (size_t i = 0; i < r->n_origins; i++)
        if (r->origins[i] == code)
            return i;
    return (size_t)-1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

helby_status report_origins_collect(helby_report *r, const helby_survey *s,
                                    const helby_run_row *rows, size_t n, helby_error *err)
{
    r->origins = calloc(n + 1, sizeof *r->origins);
    if (!r->origins)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory building a report");
    char b[64];
    for (size_t i = 0; i < n; i++)
        if (report_dom_get(rows[i].domain, "origin", b, sizeof b)) {
            double code = strtod(b, NULL);
            if (origin_index(r, code) == (size_t)-1)
                r->origins[r->n_origins++] = code;
        }
    qsort(r->origins, r->n_origins, sizeof *r->origins, cmp_double);
    r->origin_labels = calloc(r->n_origins + 1, sizeof *r->origin_labels);
    r->origin_group = calloc(r->n_origins + 1, sizeof *r->origin_group);
    if (!r->origin_labels || !r->origin_group)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory building a report");
    const helby_variable *v = &s->vars[s->group_var];
    const char *title = !strcmp(r->lang, "da") ? v->label_da : v->label_en;
    snprintf(r->origin_title, sizeof r->origin_title, "%s",
             title && *title ? title
             : v->label_da   ? v->label_da
                             : v->name);
    for (size_t o = 0; o < r->n_origins; o++) {
        const char *lab = helby_variable_value_label_lang(v, r->origins[o], r->lang);
        if (lab)
            helby_utf8_copy(r->origin_labels[o], sizeof r->origin_labels[o], lab);
        else
            snprintf(r->origin_labels[o], sizeof r->origin_labels[o], "%g", r->origins[o]);
        int g = helby_survey_group_of(s, r->origins[o]);
        r->origin_group[o] = g == 0 ? HELBY_RG_DANES : g == 1 ? HELBY_RG_MINORITIES : -1;
    }
    return HELBY_OK;
}

static void origin_cell(helby_report_cell *c, const helby_run_row *x)
{
    c->present = 1;
    c->estimate = x->estimate;
    c->se = x->se;
    c->ci_low = x->ci_low;
    c->ci_high = x->ci_high;
    c->df = x->df;
    c->n = (size_t)x->n;
    c->mark = !strcmp(x->flag, "suppressed") ? HELBY_CELL_PRIMARY : HELBY_CELL_SHOWN;
    if (c->mark == HELBY_CELL_SHOWN && strcmp(x->flag, "unreliable"))
        helby_utf8_copy(c->flag, sizeof c->flag, x->flag);
}

helby_status report_origins_fill(helby_report *r, const helby_run_row *rows, size_t n,
                                 helby_error *err)
{
    const size_t W = r->n_waves, O = r->n_origins;
    for (size_t i = 0; i < r->n_measures; i++) {
        helby_report_measure *m = &r->measures[i];
        m->origin = calloc(W * O + 1, sizeof *m->origin);
        if (!m->origin)
            return helby_error_set(err, HELBY_ENOMEM, "out of memory building a report");
        for (size_t k = 0; k < W * O; k++) {
            m->origin[k].mark = HELBY_CELL_EMPTY;
            m->origin[k].estimate = m->origin[k].se = NAN;
            m->origin[k].ci_low = m->origin[k].ci_high = m->origin[k].df = NAN;
        }
    }
    char b[64];
    for (size_t i = 0; O && i < n; i++) {
        const helby_run_row *x = &rows[i];
        if (!report_dom_get(x->domain, "origin", b, sizeof b))
            continue;
        size_t o = origin_index(r, strtod(b, NULL));
        size_t w = report_dom_get(x->domain, "wave", b, sizeof b)
                       ? report_wave_index(r, strtol(b, NULL, 10))
                       : (size_t)-1;
        const helby_report_measure *m = report_find_measure(r, x->measure);
        if (m && w != (size_t)-1 && o != (size_t)-1)
            origin_cell(&m->origin[w * O + o], x);
    }
    return HELBY_OK;
}

static void hide(helby_report_cell *c, int mark)
{
    c->mark = mark;
    c->estimate = c->se = c->ci_low = c->ci_high = NAN;
    c->unreliable = 0;
}

/* One line of wave w: the origin codes of group g (-1: every code; -2: Danes and minorities
 * themselves) with the level cell of g (all for -1 and -2) as its margin. 1 when a cell was
 * suppressed. */
static int suppress_line(helby_report *r, helby_report_measure *m, size_t w, int g)
{
    const size_t O = r->n_origins;
    helby_report_cell *cells[66];
    size_t k = 0;
    if (g == -2) {
        cells[k++] = &m->level[w * HELBY_RG_N + HELBY_RG_DANES];
        cells[k++] = &m->level[w * HELBY_RG_N + HELBY_RG_MINORITIES];
    }
    for (size_t o = 0; g != -2 && o < O && k < 64; o++)
        if (g == -1 || r->origin_group[o] == g)
            cells[k++] = &m->origin[w * O + o];
    if (k == 0)
        return 0;
    cells[k++] = &m->level[w * HELBY_RG_N + (g >= 0 ? (size_t)g : HELBY_RG_ALL)];
    size_t nn[66];
    unsigned char mk[66];
    for (size_t i = 0; i < k; i++) {
        nn[i] = cells[i]->present ? cells[i]->n : 0;
        mk[i] = cells[i]->present && cells[i]->mark != HELBY_CELL_EMPTY
                    ? (unsigned char)cells[i]->mark
                    : HELBY_CELL_SHOWN;
    }
    helby_suppress(nn, 1, k, 1, 0, r->threshold, mk);
    int changed = 0;
    for (size_t i = 0; i < k; i++)
        if (cells[i]->present && cells[i]->mark == HELBY_CELL_SHOWN && mk[i] != HELBY_CELL_SHOWN) {
            hide(cells[i], mk[i]);
            changed = 1;
        }
    return changed;
}

void report_origins_suppress(helby_report *r, helby_report_measure *m)
{
    if (!r->n_origins)
        return;
    for (size_t w = 0; w < r->n_waves; w++) {
        /* Each pass can only add marks, so this ends; a few passes suffice in practice. */
        for (int pass = 0; pass < 16; pass++) {
            /* The groups' own lines first, so that a code is paired with one of its group
             * rather than its group's total being hidden. */
            static const int lines[4] = {HELBY_RG_DANES, HELBY_RG_MINORITIES, -2, -1};
            int changed = 0;
            for (int i = 0; i < 4; i++)
                changed |= suppress_line(r, m, w, lines[i]);
            if (!changed)
                break;
        }
    }
}
