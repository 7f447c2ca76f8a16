/* report_table.c — text tables, headings and machine-readable fields (CSV and JSON) for the
 * text, Markdown, CSV and JSON renderings (report_text.c) and the sensitivity section
 * (report_sens.c). Knows nothing of the model. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "report/report_internal.h"

void report_csv_field(const helby_report *r, FILE *o, const char *s)
{
    helby_csv_write_cell(o, s, ';', r->csv_raw);
}

void report_csv_num(FILE *o, double v)
{
    if (!isnan(v) && !isinf(v))
        fprintf(o, "%.17g", v);
}

void report_json_str(FILE *o, const char *s)
{
    fputc('"', o);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(o, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(o, "\\u%04x", ch);
        else
            fputc(ch, o);
    }
    fputc('"', o);
}

void report_json_num(FILE *o, double v)
{
    if (isnan(v) || isinf(v))
        fputs("null", o);
    else
        fprintf(o, "%.17g", v);
}

void report_csv_wave(const helby_report *r, FILE *o, long wave)
{
    if (wave)
        fprintf(o, "%ld", wave);
    fputc(';', o);
    if (r->waves_labelled) {
        if (wave)
            report_csv_field(r, o, report_wave(r, wave));
        fputc(';', o);
    }
}

void report_json_wave(const helby_report *r, FILE *o, long wave)
{
    fputs("\"wave\": ", o);
    if (wave)
        fprintf(o, "%ld", wave);
    else
        fputs("null", o);
    if (r->waves_labelled) {
        fputs(", \"wave_label\": ", o);
        if (wave)
            report_json_str(o, report_wave(r, wave));
        else
            fputs("null", o);
    }
}

void report_md(FILE *o, int md, const char *s)
{
    if (!md) {
        fputs(s, o);
        return;
    }
    for (; *s; s++) {
        if (strchr("\\`*_<>|&~", *s) || (*s == ']' && (s[1] == '(' || s[1] == '[')) ||
            (*s == '!' && s[1] == '['))
            fputc('\\', o);
        if (*s == '\n' || *s == '\r')
            fputc(' ', o); /* a line break would end a table row or a heading */
        else
            fputc(*s, o);
    }
}

/* Display width of UTF-8 text (code points; the report's text has no wide characters). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

int report_table_init(report_table *t, size_t cols)
{
    t->cols = cols;
    t->left = 1;
    t->rows = 0;
    t->cell = NULL;
    return 0;
}

int report_table_add(report_table *t, const char *const *vals)
{
    char **p = realloc(t->cell, (t->rows + 1) * t->cols * sizeof *p);
    if (!p)
        return -1;
    t->cell = p;
    for (size_t j = 0; j < t->cols; j++)
        p[t->rows * t->cols + j] = strdup(vals[j] ? vals[j] : "");
    t->rows++;
    return 0;
}

void report_table_free(report_table *t)
{
    for (size_t i = 0; i < t->rows * t->cols; i++)
        free(t->cell[i]);
    free(t->cell);
}

/* Aligned text (first column left, the others right) or a Markdown table. */
void report_table_print(const report_table *t, int md, FILE *o)
{
    size_t wd[32] = {0};
    for (size_t i = 0; i < t->rows; i++)
        for (size_t j = 0; j < t->cols && j < 32; j++) {
            size_t w = width(t->cell[i * t->cols + j]);
            wd[j] = w > wd[j] ? w : wd[j];
        }
    for (size_t i = 0; i < t->rows; i++) {
        if (md)
            fputs("|", o);
        for (size_t j = 0; j < t->cols; j++) {
            const char *s = t->cell[i * t->cols + j];
            size_t pad = wd[j] - width(s);
            if (md) {
                fputc(' ', o);
                report_md(o, 1, s);
                fputs(" |", o);
                continue;
            }
            if (j < t->left)
                fprintf(o, "%s%s%*s", j ? "  " : "", s, (int)pad, "");
            else
                fprintf(o, "  %*s%s", (int)pad, "", s);
        }
        fputc('\n', o);
        if (md && i == 0) {
            fputs("|", o);
            for (size_t j = 0; j < t->cols; j++)
                fputs(j < t->left ? " :--- |" : " ---: |", o);
            fputc('\n', o);
        }
    }
}

void report_heading(FILE *o, int md, int level, const char *s)
{
    if (md) {
        fprintf(o, "\n%s ", level == 1 ? "#" : level == 2 ? "##" : "###");
        report_md(o, 1, s);
        fputs("\n\n", o);
    } else if (level == 1)
        fprintf(o, "%s\n\n", s);
    else
        fprintf(o, "\n%s\n", s);
}
