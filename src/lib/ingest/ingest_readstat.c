/* ingest_readstat.c — SPSS, Stata and SAS response files through ReadStat, turned into
 * the text rows ingest.c validates (ingest_internal.h). */
#include <math.h>
#include <readstat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ingest/ingest_internal.h"
#include "base/util_internal.h"

enum { CELL_EMPTY, CELL_NUM, CELL_TEXT, CELL_USER_MISSING, CELL_TAGGED };

typedef struct rs_cell {
    unsigned char kind;
    char tag;    /* CELL_TAGGED: 'a'..'z' */
    double num;  /* CELL_NUM, CELL_USER_MISSING */
    size_t text; /* CELL_TEXT: offset into table->text */
} rs_cell;

typedef struct rs_var {
    char *name;
    char *label;     /* variable label, or NULL */
    char *label_set; /* name of its value-label set, or NULL */
    int is_string;
    double miss_lo[8], miss_hi[8]; /* SPSS user-missing values and ranges */
    int n_miss;
} rs_var;

typedef struct rs_label {
    char *set;
    char tag; /* 0, or the extended missing value it labels */
    double value;
    char *label;
} rs_label;

struct helby_rs_table {
    rs_var *vars;
    size_t n_vars;
    rs_cell *cells; /* row-major, n_rows * n_vars */
    size_t n_rows, cap_cells;
    rs_label *labels;
    size_t n_labels, cap_labels;
    helby_buf text;
    int oom;
    long declared;              /* the header's row count, -1: none (metadata handler) */
    size_t n_values, row_width; /* values given; bytes per row (storage widths) */
    /* The first text of the file that is not UTF-8 (bad != 0): where, and what it was. */
    int bad; /* 0, or what is wrong with the text remembered below (BAD_*) */
    long bad_row, bad_col;
    unsigned char bad_byte; /* BAD_UTF8: the first invalid byte */
    unsigned bad_cp;        /* BAD_BIDI: the control character */
    size_t bad_len;         /* BAD_POR_CUT: the value's length */
    char bad_var[64], bad_what[160];
    helby_file_format fmt;
};

/* Text helby refuses from a file: not UTF-8; a bidirectional control character (as in
 * definitions); a portable file's text value that ReadStat may have cut at 255 bytes. */
enum { BAD_UTF8 = 1, BAD_BIDI, BAD_POR_CUT };

/* ReadStat 1.1.8 reads a .por text value into 256 bytes, cutting a longer one silently on a
 * character boundary: a value this long may be the first bytes of a longer one. */
#define POR_MAYBE_CUT 253

/* ---- ReadStat I/O from memory (ReadStat's pluggable I/O, as its fuzzers use it) ---- */

typedef struct mem_io {
    const unsigned char *buf;
    size_t len, pos;
    size_t high_water; /* the furthest byte read: where ReadStat stopped */
} mem_io;

static int mem_open(const char *path, void *io)
{
    (void)path;
    ((mem_io *)io)->pos = 0;
    return 0;
}

static int mem_close(void *io)
{
    (void)io;
    return 0;
}

static readstat_off_t mem_seek(readstat_off_t off, readstat_io_flags_t whence, void *io_)
{
    mem_io *io = io_;
    readstat_off_t base = whence == READSTAT_SEEK_SET   ? 0
                          : whence == READSTAT_SEEK_CUR ? (readstat_off_t)io->pos
                                                        : (readstat_off_t)io->len;
    readstat_off_t to = base + off;
    if (to < 0 || to > (readstat_off_t)io->len)
        return -1;
    io->pos = (size_t)to;
    return to;
}

static ssize_t mem_read(void *dst, size_t n, void *io_)
{
    mem_io *io = io_;
    size_t left = io->len - io->pos;
    if (n > left)
        n = left;
    if (n) /* memcpy from a NULL buffer (a 0-byte file) is undefined even for 0 bytes */
        memcpy(dst, io->buf + io->pos, n);
    io->pos += n;
    if (io->pos > io->high_water)
        io->high_water = io->pos;
    return (ssize_t)n;
}

static readstat_error_t mem_update(long file_size, readstat_progress_handler progress,
                                   void *user_ctx, void *io)
{
    (void)file_size, (void)progress, (void)user_ctx, (void)io;
    return READSTAT_OK;
}

/* ---- Reading into the table ---- */

const char *helby_file_format_name(helby_file_format f)
{
    switch (f) {
    case HELBY_FORMAT_SAV: return "spss-sav";
    case HELBY_FORMAT_POR: return "spss-por";
    case HELBY_FORMAT_DTA: return "stata-dta";
    case HELBY_FORMAT_SAS7BDAT: return "sas7bdat";
    case HELBY_FORMAT_XPT: return "sas-xpt";
    default: return "csv";
    }
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

helby_file_format helby_file_format_sniff(const unsigned char *buf, size_t len, const char *name)
{
    static const struct {
        const char *ext;
        helby_file_format f;
    } exts[] = {{".sav", HELBY_FORMAT_SAV},
                {".zsav", HELBY_FORMAT_SAV},
                {".por", HELBY_FORMAT_POR},
                {".dta", HELBY_FORMAT_DTA},
                {".sas7bdat", HELBY_FORMAT_SAS7BDAT},
                {".xpt", HELBY_FORMAT_XPT},
                {".csv", HELBY_FORMAT_CSV},
                {".txt", HELBY_FORMAT_CSV},
                {".tsv", HELBY_FORMAT_CSV}};
    for (size_t i = 0; name && i < sizeof exts / sizeof exts[0]; i++)
        if (ends_with(name, exts[i].ext))
            return exts[i].f;
    /* Without a telling extension, the magic numbers that cannot start a CSV. */
    if (len >= 4 && (memcmp(buf, "$FL2", 4) == 0 || memcmp(buf, "$FL3", 4) == 0))
        return HELBY_FORMAT_SAV;
    if (len >= 11 && memcmp(buf, "<stata_dta>", 11) == 0)
        return HELBY_FORMAT_DTA;
    if (len >= 20 && memcmp(buf, "HEADER RECORD*******", 20) == 0)
        return HELBY_FORMAT_XPT;
    return HELBY_FORMAT_CSV;
}

static char *dup_or_null(const char *s)
{
    return s && *s ? strdup(s) : NULL;
}

static double numeric_value(readstat_value_t v)
{
    switch (readstat_value_type(v)) {
    case READSTAT_TYPE_INT8: return readstat_int8_value(v);
    case READSTAT_TYPE_INT16: return readstat_int16_value(v);
    case READSTAT_TYPE_INT32: return readstat_int32_value(v);
    case READSTAT_TYPE_FLOAT: return readstat_float_value(v);
    default: return readstat_double_value(v);
    }
}

/* Text from the file must be valid UTF-8, as a CSV's must (a Stata file's strings, names and
 * labels are taken as they are: ReadStat converts only what the file declares in another
 * encoding). 1, with the place remembered, when s is not; reading then stops. */
static int bad_text(helby_rs_table *t, const char *s, long row, long col, const char *var,
                    const char *what)
{
    size_t n = s ? strlen(s) : 0;
    long at = s ? helby_utf8_invalid_at(s, n) : -1;
    t->bad = BAD_UTF8;
    if (at < 0 && memchr(s ? s : "", 0xE2, n)) {
        at = helby_bidi_control_at(s, n);
        t->bad = BAD_BIDI;
    }
    if (at < 0) {
        t->bad = 0;
        return 0;
    }
    const unsigned char *p = (const unsigned char *)s + at;
    t->bad_row = row;
    t->bad_col = col;
    t->bad_byte = p[0];
    if (t->bad == BAD_BIDI)
        t->bad_cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
    snprintf(t->bad_var, sizeof t->bad_var, "%s", var ? var : "");
    snprintf(t->bad_what, sizeof t->bad_what, "%s", what);
    return 1;
}

static int on_metadata(readstat_metadata_t *m, void *ctx)
{
    ((helby_rs_table *)ctx)->declared = readstat_get_row_count(m);
    return READSTAT_HANDLER_OK;
}

static int on_variable(int index, readstat_variable_t *v, const char *val_labels, void *ctx)
{
    helby_rs_table *t = ctx;
    if (index < 0 || (size_t)index != t->n_vars)
        return READSTAT_HANDLER_ABORT; /* ReadStat numbers them in order */
    rs_var *p = realloc(t->vars, (t->n_vars + 1) * sizeof *p);
    if (!p) {
        t->oom = 1;
        return READSTAT_HANDLER_ABORT;
    }
    t->vars = p;
    rs_var *x = &t->vars[t->n_vars];
    memset(x, 0, sizeof *x);
    t->n_vars++;
    const char *name = readstat_variable_get_name(v);
    const char *label = readstat_variable_get_label(v);
    char what[64];
    snprintf(what, sizeof what, "the name of variable %d", index + 1);
    if (bad_text(t, name, 0, index + 1, NULL, what) ||
        bad_text(t, label, 0, index + 1, name, "its variable label") ||
        bad_text(t, val_labels, 0, index + 1, name, "the name of its value-label set"))
        return READSTAT_HANDLER_ABORT;
    x->name = strdup(name ? name : "");
    x->label_set = dup_or_null(val_labels);
    x->is_string = readstat_variable_get_type_class(v) == READSTAT_TYPE_CLASS_STRING;
    t->row_width += readstat_variable_get_storage_width(v);
    x->label = dup_or_null(label);
    int nm = x->is_string ? 0 : readstat_variable_get_missing_ranges_count(v);
    for (int i = 0; i < nm && x->n_miss < 8; i++, x->n_miss++) {
        x->miss_lo[x->n_miss] = numeric_value(readstat_variable_get_missing_range_lo(v, i));
        x->miss_hi[x->n_miss] = numeric_value(readstat_variable_get_missing_range_hi(v, i));
    }
    if (!x->name || (val_labels && *val_labels && !x->label_set) ||
        (label && *label && !x->label)) {
        t->oom = 1;
        return READSTAT_HANDLER_ABORT;
    }
    return READSTAT_HANDLER_OK;
}

static rs_cell *cell_at(helby_rs_table *t, size_t row, size_t col)
{
    size_t need = (row + 1) * t->n_vars;
    if (need > t->cap_cells) {
        size_t cap = t->cap_cells ? t->cap_cells : 1024;
        while (cap < need)
            cap *= 2;
        rs_cell *p = realloc(t->cells, cap * sizeof *p);
        if (!p)
            return NULL;
        /* Cells a file never gives (a short last row) stay empty. */
        memset(p + t->cap_cells, 0, (cap - t->cap_cells) * sizeof *p);
        t->cells = p;
        t->cap_cells = cap;
    }
    if (row + 1 > t->n_rows)
        t->n_rows = row + 1;
    return &t->cells[row * t->n_vars + col];
}

static int on_value(int obs, readstat_variable_t *v, readstat_value_t value, void *ctx)
{
    helby_rs_table *t = ctx;
    int col = readstat_variable_get_index(v);
    if (obs < 0 || col < 0 || (size_t)col >= t->n_vars)
        return READSTAT_HANDLER_ABORT;
    rs_cell *c = cell_at(t, (size_t)obs, (size_t)col);
    if (!c) {
        t->oom = 1;
        return READSTAT_HANDLER_ABORT;
    }
    t->n_values++;
    if (readstat_value_type_class(value) == READSTAT_TYPE_CLASS_STRING) {
        const char *s = readstat_string_value(value);
        if (!s || !*s) {
            c->kind = CELL_EMPTY;
            return READSTAT_HANDLER_OK;
        }
        if (bad_text(t, s, (long)obs + 1, (long)col + 1, t->vars[col].name, "its text value"))
            return READSTAT_HANDLER_ABORT;
        if (t->fmt == HELBY_FORMAT_POR && strlen(s) >= POR_MAYBE_CUT) {
            t->bad = BAD_POR_CUT;
            t->bad_row = (long)obs + 1;
            t->bad_col = (long)col + 1;
            t->bad_len = strlen(s);
            snprintf(t->bad_var, sizeof t->bad_var, "%s", t->vars[col].name);
            return READSTAT_HANDLER_ABORT;
        }
        c->kind = CELL_TEXT;
        c->text = t->text.len;
        if (helby_buf_append(&t->text, s, strlen(s) + 1)) {
            t->oom = 1;
            return READSTAT_HANDLER_ABORT;
        }
    } else if (readstat_value_is_tagged_missing(value)) {
        c->kind = CELL_TAGGED;
        c->tag = readstat_value_tag(value);
    } else if (readstat_value_is_system_missing(value)) {
        c->kind = CELL_EMPTY;
    } else {
        c->kind = readstat_value_is_defined_missing(value, v) ? CELL_USER_MISSING : CELL_NUM;
        c->num = numeric_value(value);
    }
    return READSTAT_HANDLER_OK;
}

static int on_value_label(const char *set, readstat_value_t value, const char *label, void *ctx)
{
    helby_rs_table *t = ctx;
    if (readstat_value_type_class(value) == READSTAT_TYPE_CLASS_STRING)
        return READSTAT_HANDLER_OK; /* labels of text values mean nothing to a codebook */
    char what[160];
    snprintf(what, sizeof what, "the value label of %g in value-label set '%s'",
             numeric_value(value), set && helby_utf8_invalid_at(set, strlen(set)) < 0 ? set : "?");
    if (bad_text(t, set, 0, 0, NULL, "the name of a value-label set") ||
        bad_text(t, label, 0, 0, NULL, what))
        return READSTAT_HANDLER_ABORT;
    if (t->n_labels == t->cap_labels) {
        size_t cap = t->cap_labels ? 2 * t->cap_labels : 64;
        rs_label *p = realloc(t->labels, cap * sizeof *p);
        if (!p) {
            t->oom = 1;
            return READSTAT_HANDLER_ABORT;
        }
        t->labels = p;
        t->cap_labels = cap;
    }
    rs_label *l = &t->labels[t->n_labels];
    l->tag = readstat_value_is_tagged_missing(value) ? readstat_value_tag(value) : 0;
    l->value = l->tag ? NAN : numeric_value(value);
    l->set = strdup(set ? set : "");
    l->label = strdup(label ? label : "");
    if (!l->set || !l->label) {
        free(l->set);
        free(l->label);
        t->oom = 1;
        return READSTAT_HANDLER_ABORT;
    }
    t->n_labels++;
    return READSTAT_HANDLER_OK;
}

void helby_rs_table_free(helby_rs_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_vars; i++) {
        free(t->vars[i].name);
        free(t->vars[i].label);
        free(t->vars[i].label_set);
    }
    for (size_t i = 0; i < t->n_labels; i++) {
        free(t->labels[i].set);
        free(t->labels[i].label);
    }
    free(t->vars);
    free(t->labels);
    free(t->cells);
    helby_buf_free(&t->text);
    free(t);
}

size_t helby_rs_table_rows(const helby_rs_table *t)
{
    return t->n_rows;
}

static readstat_error_t parse_as(readstat_parser_t *p, helby_file_format fmt, void *t)
{
    switch (fmt) {
    case HELBY_FORMAT_SAV: return readstat_parse_sav(p, "", t);
    case HELBY_FORMAT_POR: return readstat_parse_por(p, "", t);
    case HELBY_FORMAT_DTA: return readstat_parse_dta(p, "", t);
    case HELBY_FORMAT_SAS7BDAT: return readstat_parse_sas7bdat(p, "", t);
    default: return readstat_parse_xport(p, "", t);
    }
}

static const char *format_title(helby_file_format fmt)
{
    switch (fmt) {
    case HELBY_FORMAT_SAV: return "SPSS system (.sav/.zsav)";
    case HELBY_FORMAT_POR: return "SPSS portable (.por)";
    case HELBY_FORMAT_DTA: return "Stata (.dta)";
    case HELBY_FORMAT_SAS7BDAT: return "SAS (.sas7bdat)";
    default: return "SAS transport (.xpt)";
    }
}

/* The error for the text bad_text found (the table is freed). */
static helby_status bad_text_error(helby_rs_table *t, const char *name, helby_file_format fmt,
                                   helby_error *err)
{
    char where[48] = "";
    if (t->bad_row)
        snprintf(where, sizeof where, " on row %ld", t->bad_row);
    if (t->bad == BAD_POR_CUT)
        helby_error_at(err, HELBY_EINPUT, name, t->bad_row, t->bad_col, t->bad_var,
                       "a text value of %zu bytes on row %ld: ReadStat reads at most 255 bytes "
                       "of a portable file's text value and cuts a longer one, so this one may "
                       "not be whole (two ids that differ after byte 255 would read the "
                       "same); save the data as an SPSS system file (.sav) instead",
                       t->bad_len, t->bad_row);
    else if (t->bad == BAD_BIDI)
        helby_error_at(err, HELBY_EINPUT, name, t->bad_row, t->bad_col, t->bad_var,
                       "a bidirectional control character (U+%04X) in %s%s: it reorders what "
                       "a reader sees; remove it",
                       t->bad_cp, t->bad_what, where);
    else
        helby_error_at(err, HELBY_EINPUT, name, t->bad_row, t->bad_col, t->bad_var,
                       "invalid UTF-8 (byte 0x%02X) in %s%s: text in a %s file must be UTF-8, "
                       "as in a CSV (save it as UTF-8, e.g. Stata 14 or later after unicode "
                       "translate)",
                       t->bad_byte, t->bad_what, where, format_title(fmt));
    helby_rs_table_free(t);
    return HELBY_EINPUT;
}

helby_status helby_rs_read(const unsigned char *buf, size_t len, const char *name,
                           helby_file_format fmt, helby_rs_table **out, helby_error *err)
{
    *out = NULL;
    helby_rs_table *t = calloc(1, sizeof *t);
    readstat_parser_t *p = readstat_parser_init();
    if (!t || !p) {
        free(t);
        if (p)
            readstat_parser_free(p);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory reading %s", name);
    }
    mem_io io = {buf, len, 0, 0};
    t->declared = -1;
    t->fmt = fmt;
    readstat_set_open_handler(p, mem_open);
    readstat_set_close_handler(p, mem_close);
    readstat_set_seek_handler(p, mem_seek);
    readstat_set_read_handler(p, mem_read);
    readstat_set_update_handler(p, mem_update);
    readstat_set_io_ctx(p, &io);
    readstat_set_metadata_handler(p, on_metadata);
    readstat_set_variable_handler(p, on_variable);
    readstat_set_value_handler(p, on_value);
    readstat_set_value_label_handler(p, on_value_label);
    readstat_error_t rc = parse_as(p, fmt, t);
    readstat_parser_free(p);
    if (t->oom) {
        helby_rs_table_free(t);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory reading %s", name);
    }
    if (t->bad)
        return bad_text_error(t, name, fmt, err);
    if (rc != READSTAT_OK) {
        helby_rs_table_free(t);
        return helby_error_at(err, HELBY_EINPUT, name, 0, 0, NULL,
                              "not a readable %s file: %s (ReadStat)", format_title(fmt),
                              readstat_error_message(rc));
    }
    if (t->n_vars == 0) {
        helby_rs_table_free(t);
        return helby_error_at(err, HELBY_EINPUT, name, 0, 0, NULL, "the %s file has no variables",
                              format_title(fmt));
    }
    helby_rs_facts f = {t->declared, t->n_rows,    t->n_values,
                        t->n_vars,   t->row_width, io.high_water};
    if (helby_rs_check_whole(buf, len, name, fmt, &f, err)) {
        helby_rs_table_free(t);
        return HELBY_EINPUT;
    }
    *out = t;
    return HELBY_OK;
}

/* ---- Feeding the table to ingest's row checks ---- */

/* Labels compare as people read them: ignoring case and surrounding spaces. */
static int same_label(const char *a, const char *b)
{
    return helby_same_text_folded(a, strlen(a), b, strlen(b));
}

/* 1 if text is one of the codebook's aliases of code's label (`9~Vil ikke svare`). */
static int is_alias(const helby_variable *v, double code, const char *text)
{
    for (size_t i = 0; i < v->n_aliases; i++)
        if (v->aliases[i].value == code && same_label(v->aliases[i].label, text))
            return 1;
    return 0;
}

/* The file's label of a tagged missing value in a label set, or NULL. */
static const char *tag_label(const helby_rs_table *t, const char *set, char tag)
{
    for (size_t i = 0; set && i < t->n_labels; i++)
        if (t->labels[i].tag == tag && strcmp(t->labels[i].set, set) == 0)
            return t->labels[i].label;
    return NULL;
}

static void missing_codes_text(const helby_variable *v, char *out, size_t n)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < v->n_missing && o < n; i++) {
        const char *l = helby_variable_value_label(v, v->missing[i]);
        o += (size_t)snprintf(out + o, n - o, "%s%g%s%s", i ? ", " : "", v->missing[i],
                              l ? "=" : "", l ? l : "");
    }
    if (!v->n_missing)
        snprintf(out, n, "none");
}

/* A value label of the file that names a code differently from the codebook is a
 * different questionnaire or a different coding: refuse it rather than guess, unless the
 * codebook lists that wording as an alias of the code's label (noted). */
static void check_labels(const helby_rs_table *t, const helby_survey *s, const size_t *var_of,
                         helby_rs_report_fn report, helby_rs_note_fn note, void *ctx)
{
    char msg[1024];
    for (size_t j = 0; j < t->n_vars; j++) {
        if (var_of[j] == HELBY_NO_VAR || !t->vars[j].label_set)
            continue;
        const helby_variable *v = &s->vars[var_of[j]];
        for (size_t i = 0; i < t->n_labels; i++) {
            const rs_label *l = &t->labels[i];
            if (l->tag || strcmp(l->set, t->vars[j].label_set) != 0)
                continue;
            const char *cl = helby_variable_value_label(v, l->value);
            if (!cl || same_label(cl, l->label))
                continue;
            if (is_alias(v, l->value, l->label)) {
                snprintf(msg, sizeof msg,
                         "%s: code %g is labelled '%s' in the file, an alias of '%s' in the "
                         "codebook",
                         v->name, l->value, l->label, cl);
                note(ctx, msg);
                continue;
            }
            snprintf(msg, sizeof msg,
                     "value label of code %g is '%s' in the file but '%s' in the codebook: if "
                     "both name the same answer, add %g~%s to %s's values in codebook.csv (an "
                     "alias); otherwise recode the file",
                     l->value, l->label, cl, l->value, l->label, v->name);
            report(ctx, 0, (long)j + 1, v->name, msg);
        }
    }
}

/* The codebook's missing code for a Stata/SAS extended missing value, by its label. */
static int map_tagged(const helby_rs_table *t, size_t j, const helby_variable *v, char tag,
                      double *code, char *msg, size_t n)
{
    const char *fl = tag_label(t, t->vars[j].label_set, tag);
    for (size_t i = 0; fl && i < v->n_missing; i++) {
        const char *cl = helby_variable_value_label(v, v->missing[i]);
        if (cl && (same_label(cl, fl) || is_alias(v, v->missing[i], fl))) {
            *code = v->missing[i];
            return 1;
        }
    }
    char codes[256];
    missing_codes_text(v, codes, sizeof codes);
    if (fl)
        snprintf(msg, n,
                 "'.%c': extended missing value labelled '%s' in the file matches none of the "
                 "codebook's missing codes (%s)",
                 tag, fl, codes);
    else
        snprintf(msg, n,
                 "'.%c': extended missing value without a value label in the file: label it "
                 "as one of the codebook's missing codes (%s)",
                 tag, codes);
    return 0;
}

/* One cell as the text a CSV would hold; 0 (and msg) when it cannot be mapped. */
static int cell_text(const helby_rs_table *t, size_t j, const helby_variable *v, const rs_cell *c,
                     char *out, size_t n, char *msg, size_t mn, size_t *tag_hits)
{
    double x = c->num;
    switch (c->kind) {
    case CELL_EMPTY: out[0] = '\0'; return 1;
    case CELL_TEXT: return 0; /* handled by the caller: points into the table */
    case CELL_TAGGED:
        if (!v) {
            snprintf(out, n, ".%c", c->tag);
            return 1;
        }
        if (!map_tagged(t, j, v, c->tag, &x, msg, mn))
            return 0;
        if (c->tag >= 'a' && c->tag <= 'z')
            tag_hits[c->tag - 'a']++;
        break;
    case CELL_USER_MISSING:
        if (v && !helby_variable_is_missing_code(v, x)) {
            char codes[256];
            missing_codes_text(v, codes, sizeof codes);
            snprintf(msg, mn,
                     "'%.17g': declared user-missing in the file but not a missing code of the "
                     "codebook (%s)",
                     x, codes);
            return 0;
        }
        break;
    default: break;
    }
    /* %.17g prints the double exactly enough to read back the same bits; a whole number
     * below 1e15 (codes, counts: most cells) is written by hand as %.17g writes it, its
     * digits (snprintf took most of a .sav import's time). */
    if (x == floor(x) && fabs(x) < 1e15 && !(x == 0 && signbit(x)) && n >= 18) {
        char d[20];
        size_t k = 0, o = 0;
        uint64_t m = (uint64_t)fabs(x);
        do
            d[k++] = (char)('0' + m % 10);
        while (m /= 10);
        if (x < 0)
            out[o++] = '-';
        while (k)
            out[o++] = d[--k];
        out[o] = '\0';
        return 1;
    }
    snprintf(out, n, "%.17g", x);
    return 1;
}

static helby_status feed_rows(const helby_rs_table *t, const helby_survey *s, const size_t *var_of,
                              helby_field *f, char (*scratch)[32], size_t (*tag_hits)[26],
                              helby_csv_row_fn on_row, helby_rs_report_fn report, void *ctx,
                              helby_error *err)
{
    char msg[512];
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t j = 0; j < t->n_vars; j++) {
            const rs_cell *c = &t->cells[r * t->n_vars + j];
            const helby_variable *v = var_of[j] == HELBY_NO_VAR ? NULL : &s->vars[var_of[j]];
            f[j].quoted = 0;
            if (c->kind == CELL_TEXT) {
                f[j].text = t->text.data + c->text;
            } else if (cell_text(t, j, v, c, scratch[j], sizeof scratch[j], msg, sizeof msg,
                                 tag_hits[j])) {
                f[j].text = scratch[j];
            } else {
                report(ctx, (long)r + 1, (long)j + 1, v->name, msg);
                scratch[j][0] = '\0';
                f[j].text = scratch[j];
            }
            f[j].len = strlen(f[j].text);
        }
        helby_status st = on_row(ctx, r + 1, (long)r + 1, f, t->n_vars, err);
        if (st)
            return st;
    }
    return HELBY_OK;
}

/* Say which extended missing values became which codes: a mapping, so a note. */
static void note_tags(const helby_rs_table *t, const helby_survey *s, const size_t *var_of,
                      size_t (*tag_hits)[26], helby_rs_note_fn note_fn, void *ctx)
{
    char text[512], msg[512];
    for (size_t j = 0; j < t->n_vars; j++)
        for (int k = 0; k < 26; k++) {
            if (!tag_hits[j][k])
                continue;
            const helby_variable *v = &s->vars[var_of[j]];
            double code = NAN;
            map_tagged(t, j, v, (char)('a' + k), &code, msg, sizeof msg);
            snprintf(text, sizeof text,
                     "%s: extended missing value .%c ('%s') read as missing code %g on %zu "
                     "rows",
                     v->name, 'a' + k, tag_label(t, t->vars[j].label_set, (char)('a' + k)), code,
                     tag_hits[j][k]);
            note_fn(ctx, text);
        }
}

helby_status helby_rs_feed(const helby_rs_table *t, const helby_survey *s, helby_csv_row_fn on_row,
                           helby_rs_report_fn report, helby_rs_note_fn note_fn, void *ctx,
                           helby_error *err)
{
    size_t(*tag_hits)[26] = calloc(t->n_vars, sizeof *tag_hits);
    size_t *var_of = malloc(t->n_vars * sizeof *var_of);
    helby_field *f = calloc(t->n_vars, sizeof *f);
    char(*scratch)[32] = malloc(t->n_vars * sizeof *scratch);
    helby_status st = HELBY_ENOMEM;
    if (!var_of || !f || !scratch || !tag_hits)
        goto done;
    for (size_t j = 0; j < t->n_vars; j++) {
        var_of[j] = helby_survey_find_var(s, t->vars[j].name);
        if (var_of[j] >= s->n_vars) /* a derived variable (derived.csv) is no column */
            var_of[j] = HELBY_NO_VAR;
        f[j].text = t->vars[j].name;
        f[j].len = strlen(t->vars[j].name);
    }
    check_labels(t, s, var_of, report, note_fn, ctx);
    st = on_row(ctx, 0, 0, f, t->n_vars, err);
    if (!st)
        st = feed_rows(t, s, var_of, f, scratch, tag_hits, on_row, report, ctx, err);
    if (!st)
        note_tags(t, s, var_of, tag_hits, note_fn, ctx);
done:
    free(tag_hits);
    free(var_of);
    free(f);
    free(scratch);
    return st;
}

/* ---- Describing the columns for survey draft (draft.c writes the files) ---- */

static int append_label(helby_buf *b, const char *key, const char *label)
{
    if (b->len && helby_buf_append(b, "|", 1))
        return -1;
    if (helby_buf_append(b, key, strlen(key)) || helby_buf_append(b, "=", 1))
        return -1;
    /* The codebook's separators cannot be in a label. */
    for (const char *p = label; *p; p++) {
        char ch = *p == '|' || *p == ';' ? '/' : *p == '"' ? '\'' : *p == '\n' ? ' ' : *p;
        if (helby_buf_append(b, &ch, 1))
            return -1;
    }
    return 0;
}

static int describe_labels(const helby_rs_table *t, const rs_var *v, helby_draft_col *c)
{
    char key[48];
    for (size_t i = 0; v->label_set && i < t->n_labels; i++) {
        const rs_label *l = &t->labels[i];
        if (strcmp(l->set, v->label_set) != 0)
            continue;
        if (l->tag) {
            snprintf(key, sizeof key, ".%c", l->tag);
            if (append_label(&c->tagged, key, l->label))
                return -1;
        } else {
            snprintf(key, sizeof key, "%.17g", l->value);
            if (append_label(&c->labels, key, l->label))
                return -1;
        }
    }
    return 0;
}

static int is_user_missing(const rs_var *v, double x)
{
    for (int i = 0; i < v->n_miss; i++)
        if (x >= v->miss_lo[i] && x <= v->miss_hi[i])
            return 1;
    return 0;
}

helby_status helby_rs_draft_columns(const helby_rs_table *t, helby_draft_col **out, size_t *n)
{
    helby_draft_col *cols = calloc(t->n_vars ? t->n_vars : 1, sizeof *cols);
    if (!cols)
        return HELBY_ENOMEM;
    *out = cols;
    *n = t->n_vars;
    for (size_t j = 0; j < t->n_vars; j++) {
        const rs_var *v = &t->vars[j];
        helby_draft_col *c = &cols[j];
        c->all_whole = 1;
        c->is_text = v->is_string;
        c->name = strdup(v->name);
        c->label = v->label ? strdup(v->label) : NULL;
        if (!c->name || (v->label && !c->label) || describe_labels(t, v, c))
            return HELBY_ENOMEM;
        for (int i = 0; i < v->n_miss; i++) {
            if (v->miss_lo[i] != v->miss_hi[i])
                c->missing_ranges = 1;
            else if (c->n_missing < 8)
                c->missing[c->n_missing++] = v->miss_lo[i];
        }
        for (size_t r = 0; r < t->n_rows; r++) {
            const rs_cell *cell = &t->cells[r * t->n_vars + j];
            if (cell->kind == CELL_EMPTY)
                c->n_empty++;
            else if (cell->kind == CELL_TAGGED)
                c->n_tagged++;
            else if (cell->kind == CELL_TEXT)
                c->n_values++;
            else if (!is_user_missing(v, cell->num))
                helby_draft_col_observe(c, cell->num);
        }
    }
    return HELBY_OK;
}
