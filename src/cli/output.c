/* output.c — tables as text, CSV or JSON, with the waves' labels where the codebook has them
 * (output.h). */
#include "output.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"

int out_format_parse(const char *name, out_format *out)
{
    if (!strcmp(name, "text"))
        *out = OUT_TEXT;
    else if (!strcmp(name, "csv"))
        *out = OUT_CSV;
    else if (!strcmp(name, "json"))
        *out = OUT_JSON;
    else
        return -1;
    return 0;
}

void out_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void out_number(FILE *f, double x, out_format format)
{
    char buf[40];
    if (!isfinite(x)) {
        fputs(format == OUT_JSON ? "null" : format == OUT_TEXT ? "–" : "", f);
        return;
    }
    helby_format_number(buf, sizeof buf, x);
    fputs(buf, f);
}

static size_t display_width(const char *s)
{
    size_t cols = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        cols += (*p & 0xC0) != 0x80;
    return cols;
}

void out_pad(FILE *f, const char *s, int width)
{
    size_t w = display_width(s), want = (size_t)(width < 0 ? -width : width);
    int pad = w < want ? (int)(want - w) : 0;
    if (width < 0)
        fprintf(f, "%*s%s", pad, "", s);
    else
        fprintf(f, "%s%*s", s, pad, "");
}

static int csv_raw;

void out_csv_raw(int raw)
{
    csv_raw = raw;
}

/* A CSV field: quoted when it holds the separator, a quote or a line break; a formula-like
 * text with a leading ' unless --csv-raw. */
static void csv_field(FILE *f, const char *s)
{
    helby_csv_write_cell(f, s, ';', csv_raw);
}

static void text_value(const out_table *t, const out_col *c, const out_value *v, char *buf,
                       size_t n)
{
    (void)t;
    if (c->kind == OUT_STR)
        snprintf(buf, n, "%s", v->s ? v->s : "");
    else if (c->kind == OUT_INT)
        snprintf(buf, n, "%lld", v->i);
    else if (!isfinite(v->d))
        snprintf(buf, n, "–");
    else
        snprintf(buf, n, c->text_fmt ? c->text_fmt : "%.4g", v->d);
}

/* The header cell of column c at output position pos. */
static void head_cell(const out_table *t, const out_col *c, size_t pos, int last)
{
    if (t->format == OUT_CSV) {
        fputs(pos ? ";" : "", t->f);
        csv_field(t->f, c->name);
    } else {
        fputs(pos ? " " : "", t->f);
        out_pad(t->f, c->name, last && c->width > 0 ? 0 : c->width);
    }
}

void out_begin(out_table *t, FILE *f, out_format format, const out_col *cols, size_t n_cols)
{
    out_begin_waves(t, f, format, cols, n_cols, NULL, NULL);
}

/* The widest label of the wave variable in lang (at least the header's width). */
static int label_width(const helby_survey *s, const char *lang)
{
    const helby_variable *v = &s->vars[s->wave_var];
    size_t w = strlen("wave_label");
    for (size_t i = 0; i < v->n_labels + v->n_labels_en; i++) {
        double code = i < v->n_labels ? v->labels[i].value : v->labels_en[i - v->n_labels].value;
        const char *l = helby_variable_value_label_lang(v, code, lang);
        size_t lw = l ? display_width(l) : 0;
        w = lw > w ? lw : w;
    }
    return (int)w;
}

void out_begin_waves(out_table *t, FILE *f, out_format format, const out_col *cols, size_t n_cols,
                     const helby_survey *s, const char *lang)
{
    memset(t, 0, sizeof *t);
    t->f = f;
    t->format = format;
    t->cols = cols;
    t->n_cols = n_cols;
    t->wave_col = n_cols;
    if (helby_survey_labels_waves(s))
        for (size_t i = 0; i < n_cols; i++)
            if (!strcmp(cols[i].name, "wave")) {
                t->wave_col = i;
                t->survey = s;
                t->lang = lang ? lang : s->language;
                t->label_col = (out_col){"wave_label", OUT_STR, label_width(s, t->lang), NULL};
                break;
            }
    if (format == OUT_JSON) {
        fputc('[', f);
        return;
    }
    size_t pos = 0, last = n_cols + (t->wave_col < n_cols);
    for (size_t i = 0; i < n_cols; i++) {
        head_cell(t, &cols[i], pos, pos + 1 == last);
        if (i == t->wave_col) {
            pos++;
            head_cell(t, &t->label_col, pos, pos + 1 == last);
        }
        pos++;
    }
    fputc('\n', f);
}

/* The wave_label of a row whose wave column c holds v: the label, else the code as text (a
 * text that is not a number stands as it is). */
static const char *wave_label(const out_table *t, const out_col *c, const out_value *v, char *buf,
                              size_t n)
{
    long w;
    if (c->kind == OUT_STR) {
        char *end;
        if (!v->s || !*v->s)
            return "";
        w = strtol(v->s, &end, 10);
        if (*end)
            return v->s;
    } else if (c->kind == OUT_INT) {
        w = (long)v->i;
    } else {
        if (!isfinite(v->d))
            return "";
        w = (long)v->d;
    }
    return out_wave_label(t->survey, w, t->lang, buf, n);
}

const char *out_wave_label(const helby_survey *s, long wave, const char *lang, char *buf, size_t n)
{
    const char *l = helby_survey_wave_label(s, wave, lang ? lang : s ? s->language : NULL);
    if (l)
        return l;
    snprintf(buf, n, "%ld", wave);
    return buf;
}

/* One cell: column c's value v at output position pos. */
static void put_cell(const out_table *t, const out_col *c, const out_value *v, size_t pos, int last)
{
    FILE *f = t->f;
    if (t->format == OUT_JSON) {
        fputs(pos ? ", " : "", f);
        out_json_string(f, c->name);
        fputs(": ", f);
        if (c->kind == OUT_STR)
            out_json_string(f, v->s);
        else if (c->kind == OUT_INT)
            fprintf(f, "%lld", v->i);
        else
            out_number(f, v->d, OUT_JSON);
    } else if (t->format == OUT_CSV) {
        fputs(pos ? ";" : "", f);
        if (c->kind == OUT_STR)
            csv_field(f, v->s ? v->s : "");
        else if (c->kind == OUT_INT)
            fprintf(f, "%lld", v->i);
        else
            out_number(f, v->d, OUT_CSV);
    } else {
        char buf[256];
        text_value(t, c, v, buf, sizeof buf);
        fputs(pos ? " " : "", f);
        out_pad(f, buf, last && c->width > 0 ? 0 : c->width);
    }
}

void out_row(out_table *t, const out_value *v)
{
    FILE *f = t->f;
    if (t->format == OUT_JSON)
        fputs(t->rows ? ",\n  {" : "\n  {", f);
    size_t pos = 0, last = t->n_cols + (t->wave_col < t->n_cols);
    for (size_t i = 0; i < t->n_cols; i++) {
        put_cell(t, &t->cols[i], &v[i], pos, pos + 1 == last);
        if (i == t->wave_col) {
            char code[32];
            out_value l = {.s = wave_label(t, &t->cols[i], &v[i], code, sizeof code)};
            pos++;
            put_cell(t, &t->label_col, &l, pos, pos + 1 == last);
        }
        pos++;
    }
    fputs(t->format == OUT_JSON ? "}" : "\n", f);
    t->rows++;
}

void out_end(out_table *t)
{
    if (t->format == OUT_JSON)
        fputs(t->rows ? "\n]\n" : "]\n", t->f);
}
