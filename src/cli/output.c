/* output.c — tables as text, CSV or JSON (output.h). */
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

void out_begin(out_table *t, FILE *f, out_format format, const out_col *cols, size_t n_cols)
{
    memset(t, 0, sizeof *t);
    t->f = f;
    t->format = format;
    t->cols = cols;
    t->n_cols = n_cols;
    if (format == OUT_JSON) {
        fputc('[', f);
        return;
    }
    for (size_t i = 0; i < n_cols; i++) {
        if (format == OUT_CSV) {
            fputs(i ? ";" : "", f);
            csv_field(f, cols[i].name);
        } else {
            fputs(i ? " " : "", f);
            int w = cols[i].width;
            out_pad(f, cols[i].name, i + 1 == n_cols && w > 0 ? 0 : w);
        }
    }
    fputc('\n', f);
}

void out_row(out_table *t, const out_value *v)
{
    FILE *f = t->f;
    if (t->format == OUT_JSON)
        fputs(t->rows ? ",\n  {" : "\n  {", f);
    for (size_t i = 0; i < t->n_cols; i++) {
        const out_col *c = &t->cols[i];
        if (t->format == OUT_JSON) {
            fputs(i ? ", " : "", f);
            out_json_string(f, c->name);
            fputs(": ", f);
            if (c->kind == OUT_STR)
                out_json_string(f, v[i].s);
            else if (c->kind == OUT_INT)
                fprintf(f, "%lld", v[i].i);
            else
                out_number(f, v[i].d, OUT_JSON);
        } else if (t->format == OUT_CSV) {
            fputs(i ? ";" : "", f);
            if (c->kind == OUT_STR)
                csv_field(f, v[i].s ? v[i].s : "");
            else if (c->kind == OUT_INT)
                fprintf(f, "%lld", v[i].i);
            else
                out_number(f, v[i].d, OUT_CSV);
        } else {
            char buf[256];
            text_value(t, c, &v[i], buf, sizeof buf);
            fputs(i ? " " : "", f);
            out_pad(f, buf, i + 1 == t->n_cols && c->width > 0 ? 0 : c->width);
        }
    }
    fputs(t->format == OUT_JSON ? "}" : "\n", f);
    t->rows++;
}

void out_end(out_table *t)
{
    if (t->format == OUT_JSON)
        fputs(t->rows ? "\n]\n" : "]\n", t->f);
}
