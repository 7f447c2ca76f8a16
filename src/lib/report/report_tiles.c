/* report_tiles.c — the tile map of the districts: a schematic grid of the city (the
 * definition's districts.csv places each district; no geometry), each tile coloured by ethnic
 * minorities' estimate in the latest wave, with the district's name and the value. An
 * accessible image like the other charts (report_chart_open: <title>, and a <desc> saying
 * every tile's value in words); a withheld cell is hatched and says so, and the legend gives
 * the colour scale. The district table below it has every wave with CIs and n. Nothing when
 * the definition has no tiles. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

/* Five classes of a sequential blue (ColorBrewer "Blues"); the text on each keeps at least
 * 4.5:1 (WCAG 1.4.3): dark on the three light ones (15.7, 12.3, 7.2:1), white on the two
 * dark ones (5.1, 12.8:1). Every tile has a grey outline, so that the lightest is told from
 * the background (WCAG 1.4.11). */
#define N_CLASSES 5
static const char *const fills[N_CLASSES] = {"#eff3ff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"};
#define TEXT_DARK "#1a1a1a"
#define TEXT_LIGHT "#ffffff"
#define TILE_W 160.0
#define TILE_H 78.0
#define GAP 6.0
#define TOP 34.0
#define LEFT 8.0

typedef struct tile_scale {
    double lo, hi; /* of the shown values, display units */
    int n_classes; /* 0 nothing shown, 1 all values equal, else N_CLASSES */
} tile_scale;

static int da(const helby_report *r)
{
    return !strcmp(r->lang, "da");
}

static const helby_report_cell *tile_cell(const helby_report *r, const helby_report_measure *m,
                                          size_t d)
{
    const size_t W = r->n_waves;
    return &m->district[(d * W + W - 1) * 2 + HELBY_RG_MINORITIES];
}

static int shown(const helby_report_cell *c)
{
    return c->present && c->mark == HELBY_CELL_SHOWN;
}

static tile_scale scale_of(const helby_report *r, const helby_report_measure *m)
{
    tile_scale t = {INFINITY, -INFINITY, 0};
    double sc = report_scale(m, -1);
    for (size_t d = 0; d < r->n_districts; d++)
        if (r->district_row[d] && shown(tile_cell(r, m, d))) {
            t.lo = fmin(t.lo, tile_cell(r, m, d)->estimate * sc);
            t.hi = fmax(t.hi, tile_cell(r, m, d)->estimate * sc);
        }
    t.n_classes = !isfinite(t.lo) ? 0 : t.hi > t.lo ? N_CLASSES : 1;
    return t;
}

/* The class of v: equal intervals from the lowest to the highest value shown. */
static int class_of(const tile_scale *t, double v)
{
    if (t->n_classes <= 1)
        return 2;
    int k = (int)floor((v - t->lo) / (t->hi - t->lo) * N_CLASSES);
    return k < 0 ? 0 : k >= N_CLASSES ? N_CLASSES - 1 : k;
}

/* "withheld (fewer than 30 respondents)", or why a complementary cell is withheld. */
static void withheld_words(const helby_report *r, int mark, char *buf, size_t n)
{
    if (mark == HELBY_CELL_COMPLEMENTARY)
        snprintf(buf, n,
                 da(r) ? "tilbageholdt (beskytter en celle med færre end %zu svarpersoner)"
                       : "withheld (protects a cell of fewer than %zu respondents)",
                 r->threshold);
    else
        snprintf(buf, n,
                 da(r) ? "tilbageholdt (færre end %zu svarpersoner)"
                       : "withheld (fewer than %zu respondents)",
                 r->threshold);
}

/* A tile's value for people: "56,6" (with † when unreliable), the withheld words, or none. */
static void value_words(const helby_report *r, const helby_report_measure *m,
                        const helby_report_cell *c, char *buf, size_t n)
{
    if (shown(c)) {
        helby_report_num(r, c->estimate * report_scale(m, -1), 1, buf, n);
        if (c->unreliable && strlen(buf) + 5 < n)
            strcat(buf, " †");
    } else if (c->present && c->mark != HELBY_CELL_EMPTY) {
        withheld_words(r, c->mark, buf, n);
    } else {
        snprintf(buf, n, "%s", da(r) ? "ingen data" : "no data");
    }
}

/* Width in px of UTF-8 text at size px (DejaVu Sans: under 0.57 em a character on average
 * in names and words; capitals are wider, so it may overstate). */
static double text_width(const char *s, double px)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return 0.57 * px * (double)n;
}

/* One line of a tile's text, centred; a smaller font when it would be wider than the tile
 * (the width is estimated high, so text is never stretched). */
static void tile_text(FILE *o, double x, double y, double px, const char *weight, const char *fill,
                      const char *s)
{
    double wide = text_width(s, px), room = TILE_W - 12;
    if (wide > room)
        px = fmax(6, px * room / wide);
    fprintf(o,
            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.1f\" font-weight=\"%s\" fill=\"%s\" "
            "text-anchor=\"middle\">",
            x, y, px, weight, fill);
    report_esc(o, s);
    fputs("</text>", o);
}

/* The district's name on one line, or on two, cut after the space or slash nearest the
 * middle when it is too wide. Returns the lines used. */
static int name_lines(FILE *o, double x, double y, const char *fill, const char *name)
{
    size_t len = strlen(name), cut = 0;
    if (text_width(name, 11) > TILE_W - 12)
        for (size_t i = 1; i + 1 < len; i++)
            if ((name[i] == ' ' || name[i] == '/') &&
                (!cut || fabs((double)i - len / 2.0) < fabs((double)cut - len / 2.0)))
                cut = i;
    if (!cut) {
        tile_text(o, x, y, 11, "bold", fill, name);
        return 1;
    }
    char a[96], b[96];
    size_t ka = name[cut] == '/' ? cut + 1 : cut; /* the slash stays on the first line */
    snprintf(a, sizeof a, "%.*s", (int)ka, name);
    snprintf(b, sizeof b, "%s", name + cut + 1);
    tile_text(o, x, y, 11, "bold", fill, a);
    tile_text(o, x, y + 13, 11, "bold", fill, b);
    return 2;
}

/* One district's tile: the rectangle (hatched when withheld), its name and value. */
static void tile(const helby_report *r, FILE *o, const helby_report_measure *m, size_t d,
                 const tile_scale *t, const char *hatch)
{
    const helby_report_cell *c = tile_cell(r, m, d);
    double x = LEFT + (TILE_W + GAP) * (r->district_col[d] - 1);
    double y = TOP + (TILE_H + GAP) * (r->district_row[d] - 1), cx = x + TILE_W / 2;
    int k = shown(c) ? class_of(t, c->estimate * report_scale(m, -1)) : -1;
    const char *fg = k >= 3 ? TEXT_LIGHT : TEXT_DARK;
    fprintf(o, "<g class=\"tile\" data-code=\"%.17g\">", r->districts[d]);
    if (k >= 0)
        fprintf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" height=\"%.0f\" fill=\"%s\" ", x, y,
                TILE_W, TILE_H, fills[k]);
    else if (c->present && c->mark != HELBY_CELL_EMPTY)
        fprintf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" height=\"%.0f\" fill=\"url(#%s)\" ",
                x, y, TILE_W, TILE_H, hatch);
    else
        fprintf(o,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\" "
                "stroke-dasharray=\"4 3\" ",
                x, y, TILE_W, TILE_H);
    fputs("stroke=\"#6b6b6b\" stroke-width=\"1\"/>", o);
    int lines = name_lines(o, cx, y + 20, fg, r->district_labels ? r->district_labels[d] : "");
    char v[160];
    value_words(r, m, c, v, sizeof v);
    double vy = y + 20 + 13 * lines + 12;
    if (k >= 0) {
        tile_text(o, cx, vy + 4, 17, "bold", fg, v);
    } else if (c->present && c->mark != HELBY_CELL_EMPTY) { /* "withheld" and why, on two lines */
        char *paren = strchr(v, '(');
        if (paren && paren > v)
            paren[-1] = '\0';
        tile_text(o, cx, vy, 11, "bold", TEXT_DARK, v);
        if (c->mark == HELBY_CELL_COMPLEMENTARY) /* the long reason is in the legend */
            paren = da(r) ? "(beskytter en lille celle)" : "(protects a small cell)";
        if (paren)
            tile_text(o, cx, vy + 13, 10, "normal", TEXT_DARK, paren);
    } else {
        tile_text(o, cx, vy, 11, "normal", TEXT_DARK, v);
    }
    fputs("</g>\n", o);
}

/* The map in words: every tile's value, the districts without a tile, how to read it. */
static void map_words(const helby_report *r, const helby_report_measure *m, helby_buf_t *b)
{
    int any_off = 0;
    report_buf_printf(b, "%s ",
                      da(r) ? "Et skematisk kort over bydelene (et gitter, ikke geografi):"
                            : "A schematic map of the districts (a grid, not geography):");
    for (size_t d = 0, k = 0; d < r->n_districts; d++)
        if (r->district_row[d]) {
            char v[160];
            value_words(r, m, tile_cell(r, m, d), v, sizeof v);
            report_buf_printf(b, "%s%s %s", k++ ? "; " : "",
                              r->district_labels ? r->district_labels[d] : "", v);
        }
    report_buf_printf(b, ". ");
    for (size_t d = 0; d < r->n_districts; d++)
        if (!r->district_row[d])
            report_buf_printf(b, "%s%s",
                              any_off++ ? ", "
                              : da(r)   ? "Ikke på kortet: "
                                        : "Not on the map: ",
                              r->district_labels ? r->district_labels[d] : "");
    if (any_off)
        report_buf_printf(b, ". ");
    report_buf_printf(b, "%s",
                      da(r) ? "Mørkere er højere. Tabellen nedenfor har alle bølger med "
                              "konfidensintervaller og antal svarpersoner."
                            : "Darker is higher. The table below has every wave with confidence "
                              "intervals and numbers of respondents.");
}

/* The legend under the grid: each class's range, then the hatched swatch in words. */
static void legend(const helby_report *r, FILE *o, const helby_report_measure *m,
                   const tile_scale *t, const char *hatch, double y)
{
    double step = (t->hi - t->lo) / N_CLASSES, x = LEFT;
    for (int k = 0; k < N_CLASSES && t->n_classes; k++) {
        int cls = t->n_classes == 1 ? 2 : k;
        char a[32], b[32], item[80];
        helby_report_num(r, t->n_classes == 1 ? t->lo : t->lo + step * k, 1, a, sizeof a);
        helby_report_num(r, t->lo + step * (k + 1), 1, b, sizeof b);
        if (t->n_classes == 1)
            snprintf(item, sizeof item, "%s", a);
        else
            snprintf(item, sizeof item, "%s–%s", a, b);
        fprintf(o,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"%s\" "
                "stroke=\"#6b6b6b\"/><text x=\"%.1f\" y=\"%.1f\" class=\"lg\">%s</text>\n",
                x, y, fills[cls], x + 19, y + 11, item);
        x += 120;
        if (t->n_classes == 1)
            break;
    }
    int compl = 0;
    for (size_t d = 0; d < r->n_districts; d++)
        compl |= r->district_row[d] && tile_cell(r, m, d)->mark == HELBY_CELL_COMPLEMENTARY;
    char w[2][160];
    withheld_words(r, HELBY_CELL_PRIMARY, w[0], sizeof w[0]);
    withheld_words(r, HELBY_CELL_COMPLEMENTARY, w[1], sizeof w[1]);
    fprintf(o,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"url(#%s)\" "
            "stroke=\"#6b6b6b\"/><text x=\"%.1f\" y=\"%.1f\" class=\"lg\">",
            LEFT, y + 22, hatch, LEFT + 19, y + 33);
    report_esc(o, w[0]);
    fputs("</text>\n", o);
    if (compl ) /* under the first: the same swatch */
        fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" class=\"lg\">", LEFT + 19, y + 48);
    if (compl )
        report_tag_esc(o, "", w[1], "</text>\n");
}

void report_tile_map(const helby_report *r, FILE *o, const helby_report_measure *m)
{
    if (!r->district_row || !r->n_waves || !r->tile_rows || !r->tile_cols)
        return;
    tile_scale t = scale_of(r, m);
    double gw = (TILE_W + GAP) * r->tile_cols - GAP, gh = (TILE_H + GAP) * r->tile_rows - GAP;
    double w = fmax(LEFT * 2 + gw, LEFT * 2 + 5 * 120), h = TOP + gh + 80;
    char id[96], hatch[112], title[400];
    snprintf(id, sizeof id, "c-%s-tiles", m->name);
    snprintf(hatch, sizeof hatch, "%s-hatch", id);
    const char *what = da(r) ? "kort over bydelene" : "map of the districts";
    char who[96];
    report_lower_first(who, sizeof who, report_t(r, "minorities"));
    snprintf(title, sizeof title, "%s, %s %s: %s", m->label, who,
             report_wave(r, r->waves[r->n_waves - 1]), what);
    helby_buf_t desc = {0};
    map_words(r, m, &desc);
    report_chart_open(o, w, h, id, title, desc.data ? desc.data : "");
    free(desc.data);
    /* Withheld: grey with diagonal stripes, told from every class without colour. */
    fprintf(o,
            "<defs><pattern id=\"%s\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" "
            "patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"#f2f2f2\"/>"
            "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#bdbdbd\" stroke-width=\"4\"/>"
            "</pattern></defs>\n",
            hatch);
    for (size_t d = 0; d < r->n_districts; d++)
        if (r->district_row[d])
            tile(r, o, m, d, &t, hatch);
    legend(r, o, m, &t, hatch, TOP + gh + 14);
    fputs("</svg>\n", o);
}
