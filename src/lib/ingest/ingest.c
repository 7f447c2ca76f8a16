/* ingest.c — validate a response file against a survey definition and import
 * it all or nothing (helby/ingest.h). */
#include "helby/ingest.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ingest/ingest_internal.h"
#include "base/util_internal.h"

/* A base weight counts population units per respondent: no population has 1e12 of them,
 * and far larger weights (1e308) overflow the sums of estimates to NaN (found by
 * tests/cli/test_hostile_values.py). */
#define HELBY_MAX_WEIGHT 1e12

void helby_import_options_default(helby_import_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_errors = 100;
}

void helby_import_summary_free(helby_import_summary *sum)
{
    if (!sum)
        return;
    free(sum->groups);
    free(sum->districts);
    free(sum->items);
    free(sum->notes);
    sum->notes = NULL;
    sum->groups = sum->districts = NULL;
    sum->items = NULL;
    sum->n_groups = sum->n_districts = sum->n_items = 0;
}

/* Per-stratum facts collected while reading, checked at the end. */
typedef struct stratum_info {
    long first_line;
    double fpc; /* NaN until seen */
    size_t n_psu;
} stratum_info;

/* The last row's value of a design column and what it was interned as. */
typedef struct last_value {
    char text[64];
    size_t len, k;
    int set;
} last_value;

/* Decisions on the short values of a numeric column, keyed by their bytes packed into an
 * integer (at most 7 bytes: codes, small numbers): a value seen before, which was a valid
 * number for the column, is stored without being parsed and checked again. Most columns
 * have a handful of distinct values. */
#define CACHE_SLOTS 64
typedef struct num_cache {
    uint64_t key[CACHE_SLOTS]; /* 0: empty */
    double x[CACHE_SLOTS];
} num_cache;

/* Per file column: numbers written with thousands separators ("1.029,5"), read only when
 * the column writes them one way and the reading is unambiguous (check_grouping). */
typedef struct grouping {
    size_t hits, sure; /* cells so read; of those, cells no other reading fits */
    long first_line;   /* the first such cell */
    char example[128]; /* "'1.029,5' -> 1029.5" */
    long odd_line;     /* a cell with the separator that is not so written, 0 if none */
    char odd[48];
} grouping;

typedef struct ingest_ctx {
    const helby_survey *s;
    const char *name;
    char decimal;
    long wave; /* 0 until known */
    long wave_line;
    size_t n_cols;
    size_t *col_var;     /* file column -> variable, HELBY_NO_VAR for unknown or ignored */
    size_t *col_frame;   /* file column -> frame column, HELBY_NO_VAR when left out */
    size_t n_kept;       /* frame columns */
    size_t rows_trimmed; /* rows with empty fields past the header's last column */
    size_t empty_rows;   /* rows of empty fields only (Excel's ";;;;"), skipped */
    long first_empty_row;
    size_t *label_hits; /* per file column: cells read as value labels */
    char (*label_example)[128];
    size_t *alias_hits; /* per file column: of those, cells read through an alias */
    char (*alias_example)[256];
    grouping *grouped;        /* per file column */
    int decimal_sure;         /* the decimal mark was given or only it was seen in the values */
    helby_buf notes;          /* one note per line */
    helby_err_digest *digest; /* value errors by column and kind */
    int header_ok;
    size_t cap_rows;
    helby_frame *frame;
    helby_buf *text; /* per frame column, for text columns */
    helby_strmap ids, strata, psus;
    size_t js, jp, jf, ji; /* file columns of stratum, PSU, fpc, id; HELBY_NO_VAR if none */
    last_value last_stratum, last_psu;
    num_cache *cache; /* per file column */
    stratum_info *strata_info;
    size_t strata_cap;
    helby_error_list *errs;
    helby_error first;
    int failed;         /* a value error was seen */
    size_t n_errors;    /* errors reported so far */
    long header_line;   /* 1 in a CSV; 0 (the dictionary) in SPSS/Stata/SAS files */
    helby_status fatal; /* out of memory or similar: stop */
    const helby_import_options *opt;
    size_t bytes, done_bytes_hint;
    size_t progress_every;
    size_t errs_count0, errs_total0;           /* errs before this file */
    const helby_dialect *decimal_from_dialect; /* a stream: the decimal mark, once sniffed */
} ingest_ctx;

/* The code point of the bidirectional control character at p (helby_bidi_control_at). */
static unsigned bidi_cp(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return ((u[0] & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
}

/* Quote a value for a message: at most 40 bytes, control bytes escaped. */
static void show_value(char *out, size_t n, const char *v, size_t len)
{
    size_t o = 0;
    out[o++] = '\'';
    for (size_t i = 0; i < len && o + 8 < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (i >= 40) {
            memcpy(out + o, "…", 3);
            o += 3;
            break;
        }
        long bidi = c == 0xE2 ? helby_bidi_control_at(v + i, len - i < 3 ? len - i : 3) : -1;
        if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(out + o, n - o, "\\x%02x", c);
        } else if (bidi == 0) { /* shown as its name: it would reorder the message */
            o += (size_t)snprintf(out + o, n - o, "\\u%04X", bidi_cp(v + i));
            i += 2;
        } else {
            out[o++] = (char)c;
        }
    }
    out[o++] = '\'';
    out[o] = '\0';
}

static void report(ingest_ctx *c, long line, long col, const char *var, const char *value,
                   size_t vlen, const char *fmt, const char *expected)
{
    helby_error e;
    char shown[96];
    if (value) {
        show_value(shown, sizeof shown, value, vlen);
        helby_error_at(&e, HELBY_EINPUT, c->name, line, col, var, "%s: %s", shown, expected);
        if (helby_digest_add(c->digest, var, shown, line, expected))
            c->fatal = HELBY_ENOMEM;
    } else {
        helby_error_at(&e, HELBY_EINPUT, c->name, line, col, var, fmt, expected);
    }
    if (!c->failed)
        c->first = e;
    c->failed = 1;
    c->n_errors++;
    if (helby_error_list_add(c->errs, &e))
        c->fatal = HELBY_ENOMEM;
}

/* Text a file brings into the store must read as it is written: a bidirectional control
 * character (U+202A..U+202E, U+2066..U+2069) reorders the text around it on screen, so it is
 * refused in a text cell or a column name as in definitions (survey.c). 1 when reported. */
static int bidi_cell(ingest_ctx *c, long line, long col, const char *var, const helby_field *f)
{
    if (f->len < 3 || !memchr(f->text, 0xE2, f->len))
        return 0;
    long at = helby_bidi_control_at(f->text, f->len);
    if (at < 0)
        return 0;
    char msg[160];
    snprintf(msg, sizeof msg,
             "a bidirectional control character (U+%04X) in the text: it reorders what a "
             "reader sees; remove it",
             bidi_cp(f->text + at));
    report(c, line, col, var, f->text, f->len, NULL, msg);
    return 1;
}

static void note(ingest_ctx *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void note(ingest_ctx *c, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (helby_buf_append(&c->notes, line, strlen(line)) || helby_buf_append(&c->notes, "\n", 1))
        c->fatal = HELBY_ENOMEM;
}

static const char *role_name(helby_role r)
{
    switch (r) {
    case HELBY_ROLE_ID: return "respondent id";
    case HELBY_ROLE_WAVE: return "wave";
    case HELBY_ROLE_STRATUM: return "stratum";
    case HELBY_ROLE_PSU: return "PSU";
    case HELBY_ROLE_WEIGHT: return "weight";
    case HELBY_ROLE_FPC: return "fpc";
    case HELBY_ROLE_GROUP: return "group";
    case HELBY_ROLE_DISTRICT: return "district";
    case HELBY_ROLE_COVARIATE: return "covariate";
    case HELBY_ROLE_REPWEIGHT: return "replicate weight";
    default: return "item";
    }
}

static int is_design_role(helby_role r)
{
    return r != HELBY_ROLE_ITEM && r != HELBY_ROLE_COVARIATE;
}

/* 1 if --ignore-column names this column; marks which names were used. */
static int ignored_by_option(ingest_ctx *c, const helby_field *f, int *used)
{
    for (size_t i = 0; i < c->opt->n_ignore_columns; i++) {
        const char *n = c->opt->ignore_columns[i];
        if (helby_same_text_folded(n, strlen(n), f->text, f->len)) {
            used[i] = 1;
            return 1;
        }
    }
    return 0;
}

static void unknown_column(ingest_ctx *c, size_t j, const helby_field *f)
{
    if (c->opt->ignore_unknown_columns) {
        note(c, "column '%s' left out: not in the codebook (--ignore-unknown-columns)", f->text);
        return;
    }
    char msg[512];
    const char *near = helby_nearest_var(c->s, f->text);
    if (near)
        snprintf(msg, sizeof msg,
                 "unknown column: not in the survey's codebook (did you mean '%s'?); "
                 "--rename '%.80s=%s' reads it as that",
                 near, f->text, near);
    else
        snprintf(msg, sizeof msg,
                 "unknown column: not in the survey's codebook (add it to codebook.csv, or "
                 "leave it out with --ignore-column '%s' or --ignore-unknown-columns)",
                 f->text);
    report(c, c->header_line, (long)j + 1, f->text, NULL, 0, "%s", msg);
}

/* The variable a --rename OLD=NEW gives this column (noted), HELBY_NO_VAR when no OLD
 * names it, HELBY_NO_VAR - 1 when NEW is not in the codebook (reported). */
static size_t renamed_column(ingest_ctx *c, const helby_field *f, size_t j, int *used, int *folded)
{
    for (size_t i = 0; i < c->opt->n_renames; i++) {
        const char *r = c->opt->renames[i], *eq = strchr(r, '=');
        if (!eq || !helby_same_text_folded(r, (size_t)(eq - r), f->text, f->len))
            continue;
        used[i] = 1;
        size_t v = helby_match_column(c->s, eq + 1, strlen(eq + 1), folded);
        if (v == HELBY_NO_VAR) {
            char msg[512];
            snprintf(msg, sizeof msg, "--rename %.200s: '%.80s' is not in the survey's codebook", r,
                     eq + 1);
            report(c, c->header_line, (long)j + 1, f->text, NULL, 0, "%s", msg);
            return HELBY_NO_VAR - 1;
        }
        *folded = 0;
        note(c, "column '%s' read as '%s' (--rename %s)", f->text, c->s->vars[v].name, r);
        return v;
    }
    return HELBY_NO_VAR;
}

/* Header names to codebook variables: exact, else ignoring case (noted); left-out columns
 * noted; unknown and duplicate names are errors. */
static void map_header(ingest_ctx *c, const helby_field *f, int *seen, int *used)
{
    char msg[256];
    for (size_t j = 0; j < c->n_cols; j++) {
        c->col_var[j] = c->col_frame[j] = HELBY_NO_VAR;
        if (f[j].len == 0) {
            report(c, c->header_line, (long)j + 1, NULL, NULL, 0, "%s",
                   "empty column name in the header");
            continue;
        }
        if (bidi_cell(c, c->header_line, (long)j + 1, NULL, &f[j]))
            continue;
        if (ignored_by_option(c, &f[j], used)) {
            note(c, "column '%s' left out (--ignore-column)", f[j].text);
            continue;
        }
        int folded;
        size_t v = renamed_column(c, &f[j], j, used + c->opt->n_ignore_columns, &folded);
        if (v == HELBY_NO_VAR - 1)
            continue; /* a --rename to a name the codebook lacks: reported */
        if (v == HELBY_NO_VAR)
            v = helby_match_column(c->s, f[j].text, f[j].len, &folded);
        if (v == HELBY_NO_VAR) {
            unknown_column(c, j, &f[j]);
            continue;
        }
        if (seen[v]) {
            snprintf(msg, sizeof msg, "duplicate column (also column %d)", seen[v]);
            report(c, c->header_line, (long)j + 1, f[j].text, NULL, 0, "%s", msg);
            continue;
        }
        if (folded)
            note(c, "column '%s' read as '%s' (the codebook's name; case differs)", f[j].text,
                 c->s->vars[v].name);
        seen[v] = (int)j + 1;
        c->col_var[j] = v;
        c->col_frame[j] = c->n_kept++;
    }
    for (size_t i = 0; i < c->opt->n_ignore_columns; i++)
        if (!used[i])
            report(c, c->header_line, 0, c->opt->ignore_columns[i], NULL, 0, "%s",
                   "--ignore-column names no column of the header");
    for (size_t i = 0; i < c->opt->n_renames; i++)
        if (!used[c->opt->n_ignore_columns + i])
            report(c, c->header_line, 0, c->opt->renames[i], NULL, 0, "%s",
                   "--rename names no column of the header");
}

static void check_required(ingest_ctx *c, const int *seen)
{
    char msg[256];
    for (size_t v = 0; v < c->s->n_vars; v++) {
        const helby_variable *var = &c->s->vars[v];
        /* --wave stands in for a wave column, even one the codebook marks required. */
        int needed = (var->required || is_design_role(var->role)) &&
                     !(var->role == HELBY_ROLE_WAVE && c->opt->wave);
        if (needed && !seen[v]) {
            snprintf(msg, sizeof msg, "required %s column is missing from the header",
                     role_name(var->role));
            if (var->role == HELBY_ROLE_WAVE)
                strncat(msg, " (give the wave with --wave W)", sizeof msg - strlen(msg) - 1);
            report(c, c->header_line, 0, var->name, NULL, 0, "%s", msg);
        }
    }
}

/* The file columns the design checks read. */
static void find_design_columns(ingest_ctx *c)
{
    const helby_survey *s = c->s;
    c->js = c->jp = c->jf = c->ji = HELBY_NO_VAR;
    for (size_t j = 0; j < c->n_cols; j++) {
        size_t v = c->col_var[j];
        if (v == HELBY_NO_VAR)
            continue;
        if (v == s->stratum_var)
            c->js = j;
        if (v == s->psu_var)
            c->jp = j;
        if (v == s->fpc_var)
            c->jf = j;
        if (v == s->id_var)
            c->ji = j;
    }
}

static helby_status make_frame(ingest_ctx *c)
{
    helby_status st = helby_frame_new(&c->frame, c->wave, 0, c->n_kept, NULL);
    if (st)
        return st;
    c->text = calloc(c->n_kept ? c->n_kept : 1, sizeof *c->text);
    c->cache = calloc(c->n_cols ? c->n_cols : 1, sizeof *c->cache);
    if (!c->text || !c->cache)
        return HELBY_ENOMEM;
    find_design_columns(c);
    /* The ids' map sized for the rows once: not rehashed as it grows. */
    if (c->ji != HELBY_NO_VAR && helby_strmap_reserve(&c->ids, c->cap_rows))
        return HELBY_ENOMEM;
    for (size_t j = 0; j < c->n_cols; j++) {
        if (c->col_frame[j] == HELBY_NO_VAR)
            continue;
        helby_column *col = &c->frame->cols[c->col_frame[j]];
        const helby_variable *var = &c->s->vars[c->col_var[j]];
        col->name = strdup(var->name);
        if (!col->name)
            return HELBY_ENOMEM;
        col->is_text = var->type == HELBY_TYPE_TEXT;
        if (!col->is_text) {
            /* Rows are at most the number of line ends + 1. */
            col->num = malloc((c->cap_rows ? c->cap_rows : 1) * sizeof *col->num);
            if (!col->num)
                return HELBY_ENOMEM;
        }
    }
    return HELBY_OK;
}

static helby_status on_header(ingest_ctx *c, const helby_field *f, size_t nf)
{
    /* Excel writes a ';' after the last column of every line: empty names at the end are
     * no columns (noted). */
    size_t trailing = 0;
    while (nf > 1 && f[nf - 1].len == 0)
        nf--, trailing++;
    if (trailing)
        note(c, "%zu empty column%s after the header's last name left out", trailing,
             trailing == 1 ? "" : "s");
    c->n_cols = nf;
    c->col_var = malloc(nf * sizeof *c->col_var);
    c->col_frame = malloc(nf * sizeof *c->col_frame);
    c->label_hits = calloc(nf, sizeof *c->label_hits);
    c->label_example = calloc(nf, sizeof *c->label_example);
    c->alias_hits = calloc(nf, sizeof *c->alias_hits);
    c->alias_example = calloc(nf, sizeof *c->alias_example);
    c->grouped = calloc(nf, sizeof *c->grouped);
    int *seen = calloc(c->s->n_vars ? c->s->n_vars : 1, sizeof *seen);
    int *used = calloc(c->opt->n_ignore_columns + c->opt->n_renames + 1, sizeof *used);
    if (!c->col_var || !c->col_frame || !c->label_hits || !c->label_example || !c->alias_hits ||
        !c->alias_example || !c->grouped || !seen || !used) {
        free(seen);
        free(used);
        return HELBY_ENOMEM;
    }
    size_t errors_before = c->n_errors;
    map_header(c, f, seen, used);
    check_required(c, seen);
    free(seen);
    free(used);
    /* The rows are checked even after header errors (the columns the header does name), so
     * that one round lists every error of the file; nothing is stored then. */
    c->header_ok = c->n_errors == errors_before;
    if (c->fatal)
        return c->fatal;
    return make_frame(c);
}

static int in_codes(const double *codes, size_t n, double x)
{
    for (size_t i = 0; i < n; i++)
        if (codes[i] == x)
            return 1;
    return 0;
}

static int has_label(const helby_variable *v, double x)
{
    for (size_t i = 0; i < v->n_labels; i++)
        if (v->labels[i].value == x)
            return 1;
    return 0;
}

/* "an integer 1–5 or a missing code (8, 9)" */
static void describe_expected(const helby_variable *v, char *out, size_t n)
{
    size_t o = 0;
    const char *kind = v->type == HELBY_TYPE_CODE ? "an integer" : "a number";
    if (v->has_range)
        o += (size_t)snprintf(out + o, n - o, "expected %s %g–%g", kind, v->min, v->max);
    else if (v->n_labels && v->type == HELBY_TYPE_CODE)
        o += (size_t)snprintf(out + o, n - o, "expected one of the codes of %s", v->name);
    else
        o += (size_t)snprintf(out + o, n - o, "expected %s", kind);
    if (v->n_missing && o < n) {
        o += (size_t)snprintf(out + o, n - o, " or a missing code (");
        for (size_t i = 0; i < v->n_missing && o < n; i++)
            o += (size_t)snprintf(out + o, n - o, "%s%g", i ? ", " : "", v->missing[i]);
        if (o < n)
            snprintf(out + o, n - o, ")");
    }
}

/* After "expected ...": what a text cell of a labelled code column may be instead. */
static void label_hint(const helby_variable *v, const helby_field *f, char *expected, size_t n)
{
    char hint[768];
    if (helby_bidi_control_at(f->text, f->len) >= 0)
        return; /* the hint would quote it raw: the value is shown escaped */
    helby_label_hint(v, f->text, f->len, hint, sizeof hint);
    size_t o = strlen(expected);
    snprintf(expected + o, n - o, "; %s", hint);
}

/* A cell written with thousands separators: 1 and *d, counted for its column; a cell with
 * the separator that is not so written is remembered (the column is then not one way). */
static int grouped_number(ingest_ctx *c, const helby_field *f, long line, long col, double *d)
{
    grouping *g = &c->grouped[col - 1];
    int r = helby_parse_grouped_number(f->text, f->len, c->decimal, d);
    if (r == 0) {
        if (!g->odd_line && memchr(f->text, c->decimal == ',' ? '.' : ',', f->len)) {
            g->odd_line = line;
            snprintf(g->odd, sizeof g->odd, "%.40s", f->text);
        }
        return 0;
    }
    if (g->hits++ == 0) {
        g->first_line = line;
        snprintf(g->example, sizeof g->example, "'%.40s' -> %.17g", f->text, *d);
    }
    g->sure += r == 2;
    return 1;
}

/* Validate one numeric cell; returns 1 and sets *x when it may be stored. */
static int check_number(ingest_ctx *c, const helby_variable *v, const helby_field *f, long line,
                        long col, double *x)
{
    char expected[1024];
    if (f->len == 0) {
        *x = NAN;
        if (is_design_role(v->role)) {
            snprintf(expected, sizeof expected, "the %s must not be empty", role_name(v->role));
            report(c, line, col, v->name, NULL, 0, "%s", expected);
            return 0;
        }
        return 1;
    }
    double d;
    int as_label = 0;
    if (!helby_parse_number(f->text, f->len, c->decimal, &d) && grouped_number(c, f, line, col, &d))
        ; /* "1.029,5": thousands separators, checked for the column at the end */
    else if (!helby_parse_number(f->text, f->len, c->decimal, &d) && v->type == HELBY_TYPE_CODE &&
             !c->opt->refuse_labels && (as_label = helby_label_code(v, f->text, f->len, &d)) >= 1) {
        /* An SPSS "labels" export: the codebook's own label (or an alias of it), read as its
         * code. */
        if (c->label_hits[col - 1]++ == 0)
            snprintf(c->label_example[col - 1], sizeof c->label_example[col - 1], "'%.80s' -> %g",
                     f->text, d);
        if (as_label == 2 && c->alias_hits[col - 1]++ == 0)
            snprintf(c->alias_example[col - 1], sizeof c->alias_example[col - 1],
                     "'%.80s' -> %g, an alias of '%.80s' in the codebook", f->text, d,
                     helby_variable_value_label(v, d));
    } else if (as_label < 1 && !helby_parse_number(f->text, f->len, c->decimal, &d)) {
        describe_expected(v, expected, sizeof expected);
        if (as_label == -1)
            strncat(expected, " (this value label names two codes in the codebook)",
                    sizeof expected - strlen(expected) - 1);
        else if (v->type == HELBY_TYPE_CODE && v->n_labels && !c->opt->refuse_labels &&
                 !helby_parse_number(f->text, f->len, c->decimal == ',' ? '.' : ',', &d))
            label_hint(v, f, expected, sizeof expected);
        if (c->decimal == ',' && memchr(f->text, '.', f->len))
            strncat(expected, " (this file uses decimal comma)",
                    sizeof expected - strlen(expected) - 1);
        else if (c->decimal == '.' && memchr(f->text, ',', f->len))
            strncat(expected, " (this file uses decimal point)",
                    sizeof expected - strlen(expected) - 1);
        report(c, line, col, v->name, f->text, f->len, NULL, expected);
        return 0;
    }
    if (helby_variable_is_missing_code(v, d)) {
        if (is_design_role(v->role)) {
            snprintf(expected, sizeof expected, "a missing code is not allowed for the %s",
                     role_name(v->role));
            report(c, line, col, v->name, f->text, f->len, NULL, expected);
            return 0;
        }
        *x = d;
        return 1;
    }
    int ok = 1;
    if (v->type == HELBY_TYPE_CODE && d != floor(d))
        ok = 0;
    if (v->has_range && (d < v->min || d > v->max))
        ok = 0;
    if (!v->has_range && v->type == HELBY_TYPE_CODE && v->n_labels && !has_label(v, d))
        ok = 0;
    if (!ok) {
        describe_expected(v, expected, sizeof expected);
        report(c, line, col, v->name, f->text, f->len, NULL, expected);
        return 0;
    }
    *x = d;
    return 1;
}

static helby_status grow_rows(ingest_ctx *c)
{
    size_t cap = c->cap_rows ? c->cap_rows * 2 : 1024;
    for (size_t j = 0; j < c->frame->n_cols; j++) {
        helby_column *col = &c->frame->cols[j];
        if (!col->is_text) {
            double *p = realloc(col->num, cap * sizeof *p);
            if (!p)
                return HELBY_ENOMEM;
            col->num = p;
        }
    }
    c->cap_rows = cap;
    return HELBY_OK;
}

static stratum_info *stratum_at(ingest_ctx *c, size_t k)
{
    if (k >= c->strata_cap) {
        size_t cap = c->strata_cap ? c->strata_cap * 2 : 64;
        while (cap <= k)
            cap *= 2;
        stratum_info *p = realloc(c->strata_info, cap * sizeof *p);
        if (!p)
            return NULL;
        c->strata_info = p;
        c->strata_cap = cap;
    }
    return &c->strata_info[k];
}

/* A respondent id seen before is an error naming the line it was first on (h: the id's
 * hash, its slot prefetched when the row began). */
static void check_id(ingest_ctx *c, long line, const helby_field *f, uint64_t h)
{
    size_t first;
    int r = helby_strmap_put_hashed(&c->ids, f->text, f->len, h, (size_t)line, &first);
    if (r < 0) {
        c->fatal = HELBY_ENOMEM;
    } else if (r == 0) {
        char msg[128];
        snprintf(msg, sizeof msg, "duplicate respondent id (first on %s %zu)",
                 c->header_line ? "line" : "row", first);
        report(c, line, (long)c->ji + 1, c->s->vars[c->s->id_var].name, f->text, f->len, NULL, msg);
    }
}

/* 1 if the field holds the same bytes as the remembered value. */
static int same_as(const last_value *l, const helby_field *f)
{
    return l->set && l->len == f->len && memcmp(l->text, f->text, f->len) == 0;
}

static void remember(last_value *l, const helby_field *f, size_t k)
{
    l->set = f->len <= sizeof l->text;
    if (l->set) {
        memcpy(l->text, f->text, f->len);
        l->len = f->len;
        l->k = k;
    }
}

/* The stratum of this row (its text as written, "" without strata), numbered in order of
 * first appearance; SIZE_MAX when out of memory. Rows of a stratum mostly come together:
 * the last row's stratum is tried before the map. */
static size_t stratum_of(ingest_ctx *c, long line, const helby_field *f)
{
    static const helby_field none = {"", 0, 0};
    const helby_field *sf = c->js != HELBY_NO_VAR ? &f[c->js] : &none;
    if (same_as(&c->last_stratum, sf))
        return c->last_stratum.k;
    size_t k;
    int r = helby_strmap_put(&c->strata, sf->text, sf->len, c->strata.count, &k);
    stratum_info *si = r < 0 ? NULL : stratum_at(c, k);
    if (!si) {
        c->fatal = HELBY_ENOMEM;
        return SIZE_MAX;
    }
    if (r == 1) {
        si->first_line = line;
        si->fpc = NAN;
        si->n_psu = 0;
    }
    remember(&c->last_stratum, sf, k);
    return k;
}

/* A PSU belongs to one stratum; its first row counts it in its stratum. */
static void check_psu(ingest_ctx *c, long line, const helby_field *pf, size_t k)
{
    if (same_as(&c->last_psu, pf) && c->last_psu.k == k)
        return; /* the last row's PSU in the same stratum: checked and counted */
    size_t owner;
    int rp = helby_strmap_put(&c->psus, pf->text, pf->len, k, &owner);
    if (rp < 0) {
        c->fatal = HELBY_ENOMEM;
        return;
    }
    if (rp == 1) {
        c->strata_info[k].n_psu++;
    } else if (owner != k) {
        char msg[512];
        snprintf(msg, sizeof msg,
                 "PSU is in two strata: '%s' here and '%s' on line %ld (PSU ids must be "
                 "unique across strata)",
                 helby_strmap_key(&c->strata, k), helby_strmap_key(&c->strata, owner),
                 c->strata_info[owner].first_line);
        report(c, line, (long)c->jp + 1, c->s->vars[c->s->psu_var].name, pf->text, pf->len, NULL,
               msg);
        return;
    }
    remember(&c->last_psu, pf, k);
}

/* The fpc is positive and constant within a stratum. */
static void check_fpc(ingest_ctx *c, long line, const helby_field *ff, size_t k)
{
    double fpc;
    if (!helby_parse_number(ff->text, ff->len, c->decimal, &fpc) &&
        !helby_parse_grouped_number(ff->text, ff->len, c->decimal, &fpc))
        return; /* reported as the column's value */
    stratum_info *si = &c->strata_info[k];
    const char *name = c->s->vars[c->s->fpc_var].name;
    if (!(fpc > 0)) {
        report(c, line, (long)c->jf + 1, name, ff->text, ff->len, NULL,
               "expected a positive fpc: population PSUs in the stratum, or a sampling "
               "fraction <= 1");
    } else if (isnan(si->fpc)) {
        si->fpc = fpc;
    } else if (si->fpc != fpc) {
        char msg[512];
        snprintf(msg, sizeof msg,
                 "fpc differs within stratum '%s' (%g from line %ld): it must be constant "
                 "within a stratum",
                 helby_strmap_key(&c->strata, k), si->fpc, si->first_line);
        report(c, line, (long)c->jf + 1, name, ff->text, ff->len, NULL, msg);
    }
}

/* Design checks that relate rows to each other (id_hash: the hash of the row's id). */
static void check_design(ingest_ctx *c, long line, const helby_field *f, uint64_t id_hash)
{
    if (c->ji != HELBY_NO_VAR && f[c->ji].len)
        check_id(c, line, &f[c->ji], id_hash);
    if (c->js == HELBY_NO_VAR && c->jp == HELBY_NO_VAR && c->jf == HELBY_NO_VAR)
        return;
    size_t k = stratum_of(c, line, f);
    if (k == SIZE_MAX)
        return;
    if (c->jp != HELBY_NO_VAR && f[c->jp].len)
        check_psu(c, line, &f[c->jp], k);
    else if (c->jp == HELBY_NO_VAR)
        c->strata_info[k].n_psu++; /* each unit is its own PSU */
    if (c->jf != HELBY_NO_VAR && f[c->jf].len)
        check_fpc(c, line, &f[c->jf], k);
}

/* "wave W is not one of the survey's waves …" with the way out, into msg; 0 when the survey
 * declares W (or declares no waves). */
static int undeclared_wave(const helby_survey *s, long w, char *msg, size_t n)
{
    if (!s->n_waves || in_codes(s->waves, s->n_waves, (double)w))
        return 0;
    size_t o = (size_t)snprintf(msg, n, "wave %ld is not one of the survey's waves (", w);
    for (size_t i = 0; i < s->n_waves && o < n; i++)
        o += (size_t)snprintf(msg + o, n - o, "%s%.0f", i ? ", " : "", s->waves[i]);
    if (o < n)
        snprintf(msg + o, n - o,
                 "): a typo? Correct the file or --wave; a new wave? Add it to 'waves =' in "
                 "survey.ini and run `helby survey add --update DIR`");
    return 1;
}

/* The checks a value's role adds to its codebook range: positive weights, one wave per
 * file, the survey's group and district codes. */
static void check_role_value(ingest_ctx *c, const helby_variable *v, const helby_field *f,
                             long line, long col, double x)
{
    const helby_survey *s = c->s;
    if (v->role == HELBY_ROLE_WEIGHT && !(x > 0)) {
        report(c, line, col, v->name, f->text, f->len, NULL, "expected a positive weight");
    } else if (v->role == HELBY_ROLE_WEIGHT && x > HELBY_MAX_WEIGHT) {
        report(c, line, col, v->name, f->text, f->len, NULL,
               "expected a weight of at most 1e12 (population units per respondent); "
               "larger weights make the estimates' sums overflow");
    } else if (v->role == HELBY_ROLE_WAVE && !(x >= 1 && x <= HELBY_MAX_WAVE)) {
        report(c, line, col, v->name, f->text, f->len, NULL,
               "expected a wave: a whole number from 1 to 999999999");
    } else if (v->role == HELBY_ROLE_WAVE) {
        long w = (long)x;
        char msg[512];
        if (c->wave == 0) {
            c->wave = w;
            c->wave_line = line;
            if (undeclared_wave(s, w, msg, sizeof msg))
                report(c, line, col, v->name, f->text, f->len, NULL, msg);
        } else if (w != c->wave) {
            if (c->opt->wave)
                snprintf(msg, sizeof msg, "expected wave %ld (given with --wave)", c->wave);
            else
                snprintf(msg, sizeof msg, "expected wave %ld as on %s %ld: a file holds one wave",
                         c->wave, c->header_line ? "line" : "row", c->wave_line);
            report(c, line, col, v->name, f->text, f->len, NULL, msg);
        }
    } else if (v->role == HELBY_ROLE_GROUP && !in_codes(s->danes_codes, s->n_danes_codes, x) &&
               !in_codes(s->minority_codes, s->n_minority_codes, x) && !has_label(v, x)) {
        report(c, line, col, v->name, f->text, f->len, NULL,
               "expected one of the survey's origin group codes");
    } else if (v->role == HELBY_ROLE_DISTRICT && v->n_labels && !has_label(v, x)) {
        report(c, line, col, v->name, f->text, f->len, NULL,
               "expected one of the survey's district codes");
    }
}

/* A short value as an integer key: its bytes and its length (0 when too long to cache). */
static uint64_t cache_key(const char *t, size_t n)
{
    if (n == 0 || n > 7)
        return 0;
    uint64_t k = 0;
    for (size_t i = 0; i < n; i++)
        k = k << 8 | (unsigned char)t[i];
    return k << 3 | n;
}

/* The value stored for a numeric cell (NaN when empty or in error, the error reported): a
 * short value the column has accepted before is taken from its cache, any other is parsed
 * and checked, and remembered when it passed every check without an error or a note (a
 * value label read as a code is counted each time, so it is not cached). */
static double number_cell(ingest_ctx *c, const helby_variable *v, const helby_field *f, long line,
                          long col)
{
    uint64_t key = cache_key(f->text, f->len);
    num_cache *nc = &c->cache[col - 1];
    size_t slot = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 58);
    if (key && nc->key[slot] == key)
        return nc->x[slot];
    size_t errors = c->n_errors, labels = c->label_hits[col - 1],
           grouped = c->grouped[col - 1].hits;
    double x = NAN;
    if (!check_number(c, v, f, line, col, &x))
        return NAN;
    check_role_value(c, v, f, line, col, x);
    if (key && c->n_errors == errors && c->label_hits[col - 1] == labels &&
        c->grouped[col - 1].hits == grouped) {
        nc->key[slot] = key;
        nc->x[slot] = x;
    }
    return x;
}

/* The decimal mark was given, or sniffed from values that all use it. */
static int decimal_is_sure(const helby_dialect *d)
{
    return d->decimal_source == HELBY_DECIMAL_GIVEN ||
           d->decimal_source == HELBY_DECIMAL_FROM_VALUES;
}

static helby_status on_row(void *ctx, size_t row_index, long line, const helby_field *f, size_t nf,
                           helby_error *err)
{
    ingest_ctx *c = ctx;
    (void)err;
    if (row_index == 0) {
        if (c->decimal_from_dialect) { /* a stream: sniffed before the first row */
            c->decimal = c->decimal_from_dialect->decimal ? c->decimal_from_dialect->decimal : '.';
            c->decimal_sure = decimal_is_sure(c->decimal_from_dialect);
        }
        return on_header(c, f, nf);
    }
    if (c->fatal)
        return c->fatal;
    if (c->opt->progress && c->progress_every && row_index % c->progress_every == 0)
        c->opt->progress(c->opt->progress_ctx, fmin(1.0, (double)row_index / (double)c->cap_rows));
    int blank = 1;
    for (size_t j = 0; j < nf && blank; j++)
        blank = f[j].len == 0;
    if (blank) {
        /* A row of separators only (";;;;", Excel's trailing rows): no respondent. */
        if (c->empty_rows++ == 0)
            c->first_empty_row = line;
        return HELBY_OK;
    }
    if (nf > c->n_cols) {
        size_t k = c->n_cols;
        while (k < nf && f[k].len == 0)
            k++;
        if (k == nf) {
            c->rows_trimmed++;
            nf = c->n_cols;
        }
    }
    if (nf != c->n_cols) {
        char msg[128];
        snprintf(msg, sizeof msg, "row has %zu fields, the header has %zu", nf, c->n_cols);
        report(c, line, (long)(nf < c->n_cols ? nf + 1 : c->n_cols + 1), NULL, NULL, 0, "%s", msg);
        return c->fatal;
    }
    size_t r = c->frame->n_rows;
    if (r == c->cap_rows && grow_rows(c))
        return HELBY_ENOMEM;
    /* The id's slot in the map is fetched from memory while the row's cells are checked. */
    uint64_t id_hash = 0;
    if (c->ji != HELBY_NO_VAR && f[c->ji].len) {
        id_hash = helby_strmap_hash(f[c->ji].text, f[c->ji].len);
        helby_strmap_prefetch(&c->ids, id_hash);
    }
    const helby_survey *s = c->s;
    int bidi = 0; /* a text cell refused for a bidi control: kept out of the design's maps */
    for (size_t j = 0; j < nf; j++) {
        size_t k = c->col_frame[j];
        if (k == HELBY_NO_VAR)
            continue; /* left out */
        const helby_variable *v = &s->vars[c->col_var[j]];
        helby_column *col = &c->frame->cols[k];
        if (col->is_text) {
            if (f[j].len == 0 && is_design_role(v->role)) {
                char msg[128];
                snprintf(msg, sizeof msg, "the %s must not be empty", role_name(v->role));
                report(c, line, (long)j + 1, v->name, NULL, 0, "%s", msg);
            }
            bidi |= bidi_cell(c, line, (long)j + 1, v->name, &f[j]);
            if (helby_buf_append(&c->text[k], f[j].text, f[j].len) ||
                helby_buf_append(&c->text[k], "", 1))
                return HELBY_ENOMEM;
            continue;
        }
        col->num[r] = number_cell(c, v, &f[j], line, (long)j + 1);
    }
    if (!bidi)
        check_design(c, line, f, id_hash);
    c->frame->n_rows++;
    return c->fatal;
}

static void check_fpc_totals(ingest_ctx *c)
{
    if (c->s->fpc_var == HELBY_NO_VAR)
        return;
    for (size_t k = 0; k < c->strata.count; k++) {
        const stratum_info *si = &c->strata_info[k];
        if (si->fpc > 1 && si->fpc < (double)si->n_psu) {
            char msg[256];
            snprintf(msg, sizeof msg,
                     "fpc %g of stratum '%s' is smaller than the %zu PSUs sampled in it", si->fpc,
                     helby_strmap_key(&c->strata, k), si->n_psu);
            report(c, si->first_line, 0, c->s->vars[c->s->fpc_var].name, NULL, 0, "%s", msg);
        }
    }
}

/* Thousands separators are read only where that is the one reading: every cell of the
 * column that has the separator is so written, and one of them can be read no other way
 * ("1.029,5", "1.029.500") or the file's decimal mark is certain (given, or the only mark
 * of the values). Otherwise the cells so read are errors, with the reason. */
static void check_grouping(ingest_ctx *c)
{
    char msg[512];
    for (size_t j = 0; j < c->n_cols; j++) {
        const grouping *g = &c->grouped[j];
        if (!g->hits || c->col_var[j] == HELBY_NO_VAR)
            continue;
        const char *name = c->s->vars[c->col_var[j]].name;
        char sep = c->decimal == ',' ? '.' : ',';
        if (g->odd_line)
            snprintf(msg, sizeof msg,
                     "%s read with '%c' as thousands separator, but the column also has '%s' "
                     "(%s %ld), not so written: write the column's numbers one way (without "
                     "thousands separators, decimal mark '%c')",
                     g->example, sep, g->odd, c->header_line ? "line" : "row", g->odd_line,
                     c->decimal);
        else if (!g->sure && !c->decimal_sure)
            snprintf(msg, sizeof msg,
                     "ambiguous: %s with '%c' as thousands separator, or a number with decimal "
                     "mark '%c'; no cell of the column decides it: give --decimal %c if '%c' is "
                     "the thousands separator, or write the numbers without it",
                     g->example, sep, sep, c->decimal, sep);
        else
            continue;
        report(c, g->first_line, (long)j + 1, name, NULL, 0, "%s", msg);
    }
}

static int cmp_count(const void *a, const void *b)
{
    double x = ((const helby_count *)a)->code, y = ((const helby_count *)b)->code;
    return (x > y) - (x < y);
}

static helby_status count_codes(const helby_column *col, size_t n, helby_count **out, size_t *n_out)
{
    helby_count *v = NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < k && v[j].code != col->num[i])
            j++;
        if (j == k) {
            helby_count *p = realloc(v, (k + 1) * sizeof *p);
            if (!p) {
                free(v);
                return HELBY_ENOMEM;
            }
            v = p;
            v[k].code = col->num[i];
            v[k].n = 0;
            k++;
        }
        v[j].n++;
    }
    if (k)
        qsort(v, k, sizeof *v, cmp_count);
    *out = v;
    *n_out = k;
    return HELBY_OK;
}

/* An item's empty cells and missing codes (helby_variable_is_missing_code's rule: one of the
 * variable's missing codes), without a call per cell: 17 million cells in the benchmark. */
static void count_nonresponse(const helby_variable *var, const double *x, size_t n,
                              helby_item_nonresponse *it)
{
    const double *m = var->missing;
    size_t nm = var->n_missing, empty = 0, missing = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        if (isnan(v)) {
            empty++;
            continue;
        }
        for (size_t k = 0; k < nm; k++)
            if (m[k] == v) {
                missing++;
                break;
            }
    }
    it->n_empty += empty;
    it->n_missing += missing;
}

static helby_status summarize(ingest_ctx *c, helby_import_summary *sum)
{
    const helby_survey *s = c->s;
    helby_frame *f = c->frame;
    sum->n_rows = f->n_rows;
    sum->wave = f->wave;
    sum->items = calloc(f->n_cols ? f->n_cols : 1, sizeof *sum->items);
    if (!sum->items)
        return HELBY_ENOMEM;
    for (size_t j = 0; j < c->n_cols; j++) {
        size_t v = c->col_var[j];
        if (c->col_frame[j] == HELBY_NO_VAR)
            continue;
        const helby_variable *var = &s->vars[v];
        const helby_column *col = &f->cols[c->col_frame[j]];
        if (v == s->group_var && !col->is_text &&
            count_codes(col, f->n_rows, &sum->groups, &sum->n_groups))
            return HELBY_ENOMEM;
        if (v == s->district_var && !col->is_text &&
            count_codes(col, f->n_rows, &sum->districts, &sum->n_districts))
            return HELBY_ENOMEM;
        if (var->role != HELBY_ROLE_ITEM || col->is_text)
            continue;
        helby_item_nonresponse *it = &sum->items[sum->n_items++];
        it->var = v;
        count_nonresponse(var, col->num, f->n_rows, it);
    }
    return HELBY_OK;
}

static void ctx_free(ingest_ctx *c)
{
    free(c->col_var);
    free(c->col_frame);
    free(c->label_hits);
    free(c->label_example);
    free(c->alias_hits);
    free(c->alias_example);
    free(c->grouped);
    helby_buf_free(&c->notes);
    helby_digest_free(c->digest);
    if (c->text)
        for (size_t j = 0; j < c->n_kept; j++)
            helby_buf_free(&c->text[j]);
    free(c->text);
    helby_frame_free(c->frame);
    helby_strmap_free(&c->ids);
    helby_strmap_free(&c->strata);
    helby_strmap_free(&c->psus);
    free(c->strata_info);
    free(c->cache);
}

/* Move the text buffers into the frame's text columns. */
static helby_status finish_text(ingest_ctx *c)
{
    for (size_t j = 0; j < c->frame->n_cols; j++) {
        helby_column *col = &c->frame->cols[j];
        if (!col->is_text)
            continue;
        size_t n = c->frame->n_rows;
        col->text = malloc((n ? n : 1) * sizeof *col->text);
        if (!col->text)
            return HELBY_ENOMEM;
        col->text_buf = c->text[j].data ? c->text[j].data : calloc(1, 1);
        if (!col->text_buf)
            return HELBY_ENOMEM;
        col->text_len = c->text[j].len;
        c->text[j].data = NULL;
        c->text[j].len = c->text[j].cap = 0;
        /* Each value ends in its NUL (no value holds one): strlen finds them a word at a
         * time. */
        char *p = col->text_buf;
        const char *end = col->text_buf + col->text_len;
        for (size_t k = 0; k < n && p < end; k++) {
            col->text[k] = p;
            p += strlen(p) + 1;
        }
    }
    return HELBY_OK;
}

/* A file without a wave column, imported with --wave W: the wave's column is W in every row,
 * stored like a column of the file, so that every later reader finds the wave variable. */
static helby_status add_wave_column(ingest_ctx *c)
{
    const helby_survey *s = c->s;
    if (s->wave_var == HELBY_NO_VAR || helby_frame_col(c->frame, s->vars[s->wave_var].name))
        return HELBY_OK;
    helby_frame *f = c->frame;
    helby_column *cols = realloc(f->cols, (f->n_cols + 1) * sizeof *cols);
    if (!cols)
        return HELBY_ENOMEM;
    f->cols = cols;
    helby_column *col = &cols[f->n_cols];
    memset(col, 0, sizeof *col);
    col->name = strdup(s->vars[s->wave_var].name);
    col->num = malloc((f->n_rows ? f->n_rows : 1) * sizeof *col->num);
    if (!col->name || !col->num) {
        free(col->name);
        free(col->num);
        return HELBY_ENOMEM;
    }
    f->n_cols++;
    for (size_t i = 0; i < f->n_rows; i++)
        col->num[i] = (double)c->wave;
    note(c, "column '%s' added: %ld in every row (--wave; the file has no wave column)",
         s->vars[s->wave_var].name, c->wave);
    return HELBY_OK;
}

static void decimal_note(ingest_ctx *c, const helby_dialect *d)
{
    const char *other = d->decimal == ',' ? "." : ",";
    switch (d->decimal_source) {
    case HELBY_DECIMAL_FROM_VALUES:
        note(c, "decimal mark '%c' sniffed from the values", d->decimal);
        break;
    case HELBY_DECIMAL_MAJORITY:
        note(c,
             "decimal mark '%c' taken from most values, though some use '%s': give "
             "--decimal %s if that is wrong",
             d->decimal, other, other);
        break;
    case HELBY_DECIMAL_ASSUMED:
        note(c,
             "no decimal numbers in the first 64 KiB: decimal mark '%c' assumed (give "
             "--decimal %s if later values use '%s')",
             d->decimal, other, other);
        break;
    default: break;
    }
}

/* The summary's notes: how the file was read, then what the header and rows needed. */
static helby_status finish_notes(ingest_ctx *c, const helby_dialect *d, helby_import_summary *sum)
{
    helby_buf body = c->notes;
    memset(&c->notes, 0, sizeof c->notes);
    if (d) {
        if (d->utf16)
            note(c, "converted from UTF-16 %s (byte-order mark) to UTF-8",
                 d->utf16 == 'L' ? "little-endian" : "big-endian");
        if (d->sep_line)
            note(c, "delimiter '%c' from the first line 'sep=%c' (not a record)", d->delimiter,
                 d->delimiter);
        decimal_note(c, d);
    }
    if (body.len && helby_buf_append(&c->notes, body.data, body.len))
        c->fatal = HELBY_ENOMEM;
    helby_buf_free(&body);
    if (c->rows_trimmed)
        note(c, "%zu rows had empty fields after the header's last column (left out)",
             c->rows_trimmed);
    if (c->empty_rows)
        note(c, "%zu rows of empty fields only skipped (the first on %s %ld)", c->empty_rows,
             c->header_line ? "line" : "row", c->first_empty_row);
    for (size_t j = 0; j < c->n_cols; j++)
        if (c->label_hits[j])
            note(c, "%s: %zu cells written as value labels, read as codes (e.g. %s)",
                 c->s->vars[c->col_var[j]].name, c->label_hits[j], c->label_example[j]);
    for (size_t j = 0; j < c->n_cols; j++)
        if (c->grouped[j].hits)
            note(c,
                 "%s: %zu cells written with '%c' as thousands separator, read as numbers "
                 "(e.g. %s)",
                 c->s->vars[c->col_var[j]].name, c->grouped[j].hits, c->decimal == ',' ? '.' : ',',
                 c->grouped[j].example);
    for (size_t j = 0; j < c->n_cols; j++)
        if (c->alias_hits[j])
            note(c, "%s: %zu cells written as an alias of a label, read as its code (e.g. %s)",
                 c->s->vars[c->col_var[j]].name, c->alias_hits[j], c->alias_example[j]);
    if (c->fatal || helby_buf_append(&c->notes, "", 1))
        return HELBY_ENOMEM;
    if (c->notes.len > 1) {
        c->notes.data[c->notes.len - 2] = '\0'; /* no trailing newline */
        sum->notes = c->notes.data;
        memset(&c->notes, 0, sizeof c->notes);
    }
    return HELBY_OK;
}

/* Sniff and parse a CSV into c; the status of the parser (syntax errors are in err). */
static helby_status read_csv(ingest_ctx *c, const unsigned char *buf, size_t len, helby_dialect *d,
                             helby_error *err)
{
    helby_status st = helby_csv_sniff(buf, len, d, c->name, err);
    if (st)
        return st;
    c->decimal = d->decimal ? d->decimal : '.';
    c->decimal_sure = decimal_is_sure(d);
    c->header_line = 1;
    /* Rows are at most the line ends + 1: size the columns once. */
    size_t lines = 1;
    for (const unsigned char *p = buf, *end = buf + len;
         (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        lines++;
    c->cap_rows = lines;
    c->progress_every = lines > 100000 ? lines / 100 : 0;
    return helby_csv_parse(buf, len, d, NULL, c->name, on_row, c, err);
}

static void report_rs(void *ctx, long row, long col, const char *var, const char *msg)
{
    report(ctx, row, col, var, NULL, 0, "%s", msg);
}

static void note_rs(void *ctx, const char *text)
{
    note(ctx, "%s", text);
}

/* Read an SPSS/Stata/SAS file with ReadStat and check its rows as a CSV's. */
static helby_status read_stat_file(ingest_ctx *c, const unsigned char *buf, size_t len,
                                   helby_file_format fmt, helby_error *err)
{
    helby_rs_table *t = NULL;
    helby_status st = helby_rs_read(buf, len, c->name, fmt, &t, err);
    if (st)
        return st;
    c->decimal = '.'; /* numbers are written back as %.17g */
    c->decimal_sure = 1;
    c->header_line = 0;
    c->cap_rows = helby_rs_table_rows(t) + 1;
    c->progress_every = c->cap_rows > 100000 ? c->cap_rows / 100 : 0;
    st = helby_rs_feed(t, c->s, on_row, report_rs, note_rs, c, err);
    helby_rs_table_free(t);
    return st;
}

/* The wave of --wave (0: none), which must be one of survey.ini's waves (a typo would store
 * the respondents twice). */
static void take_option_wave(ingest_ctx *c)
{
    const helby_survey *s = c->s;
    char msg[512];
    c->wave = c->opt->wave;
    if (c->wave && s->wave_var != HELBY_NO_VAR && undeclared_wave(s, c->wave, msg, sizeof msg))
        report(c, 0, 0, s->vars[s->wave_var].name, NULL, 0, "--wave: %s", msg);
}

/* A fresh context for one file (the state a read builds; errs keeps what came before). */
static helby_status ctx_init(ingest_ctx *c, const helby_survey *s, const char *name,
                             const helby_import_options *opt, helby_error_list *errs)
{
    memset(c, 0, sizeof *c);
    c->s = s;
    c->name = name;
    c->opt = opt;
    c->errs = errs;
    c->errs_count0 = errs->count;
    c->errs_total0 = errs->total;
    helby_strmap_init(&c->ids);
    helby_strmap_init(&c->strata);
    helby_strmap_init(&c->psus);
    c->digest = helby_digest_new();
    if (!c->digest)
        return HELBY_ENOMEM;
    take_option_wave(c);
    return HELBY_OK;
}

/* The rows read so far are void (helby_csv_reset_fn): the file is read again, or an error
 * of its bytes is all there is to say. The errors this file added are taken back. */
static void ctx_reset(void *ctx)
{
    ingest_ctx *c = ctx;
    ingest_ctx old = *c;
    size_t cap_rows = c->cap_rows, every = c->progress_every;
    c->frame = NULL;
    ctx_free(&old);
    old.errs->count = old.errs_count0;
    old.errs->total = old.errs_total0;
    if (ctx_init(c, old.s, old.name, old.opt, old.errs))
        c->fatal = HELBY_ENOMEM;
    c->decimal = old.decimal;
    c->decimal_sure = old.decimal_sure;
    c->decimal_from_dialect = old.decimal_from_dialect;
    c->header_line = old.header_line;
    c->cap_rows = cap_rows;
    c->progress_every = every;
}

/* After the file was read (st: the reader's status): its errors, or the frame and summary. */
static helby_status validate_end(ingest_ctx *c, helby_status st, helby_file_format fmt,
                                 const helby_dialect *d, helby_frame **out,
                                 helby_import_summary *sum, helby_error *err)
{
    const char *name = c->name;
    if (st == HELBY_ENOMEM || c->fatal == HELBY_ENOMEM)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory reading %s", name);
    if (st) {
        /* A syntax error (unclosed quote, NUL byte, bad encoding, unreadable file...):
         * the value errors found so far are real too; report all. */
        helby_error_list_add(c->errs, err);
        if (c->failed)
            *err = c->first;
        return HELBY_EINPUT;
    }
    if (!c->frame && !c->failed) {
        report(c, 1, 0, NULL, NULL, 0, "%s", "the file has no header row");
    } else if (c->frame && c->frame->n_rows == 0 && !c->failed) {
        report(c, c->header_line + 1, 0, NULL, NULL, 0, "%s",
               "the file has a header but no data rows");
    }
    if (c->frame && c->header_ok)
        check_fpc_totals(c);
    if (c->frame)
        check_grouping(c);
    if (c->fatal)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory reading %s", name);
    if (c->failed) {
        *err = c->first;
        st = helby_digest_insert(c->digest, c->s, name, c->header_line ? "lines" : "rows", c->errs,
                                 c->errs_count0);
        return st ? helby_error_set(err, HELBY_ENOMEM, "out of memory reading %s", name)
                  : HELBY_EINPUT;
    }
    c->frame->wave = c->wave;
    if ((st = finish_text(c)) || (st = add_wave_column(c)) || (st = summarize(c, sum)) ||
        (st = finish_notes(c, fmt == HELBY_FORMAT_CSV ? d : NULL, sum))) {
        helby_import_summary_free(sum);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory reading %s", name);
    }
    sum->format = fmt;
    if (fmt == HELBY_FORMAT_CSV)
        sum->dialect = *d;
    *out = c->frame;
    c->frame = NULL;
    return HELBY_OK;
}

helby_status helby_validate_buffer(const helby_survey *s, const unsigned char *buf, size_t len,
                                   const char *name, const helby_import_options *opt_in,
                                   helby_frame **out, helby_import_summary *sum,
                                   helby_error_list *errs, helby_error *err)
{
    *out = NULL;
    helby_import_options defaults;
    if (!opt_in) {
        helby_import_options_default(&defaults);
        opt_in = &defaults;
    }
    memset(sum, 0, sizeof *sum);
    helby_error_clear(err);
    ingest_ctx c;
    if (ctx_init(&c, s, name, opt_in, errs)) {
        ctx_free(&c);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory reading %s", name);
    }
    helby_dialect d = opt_in->dialect;
    helby_file_format fmt =
        opt_in->format ? opt_in->format : helby_file_format_sniff(buf, len, name);
    helby_status st = fmt == HELBY_FORMAT_CSV ? read_csv(&c, buf, len, &d, err)
                                              : read_stat_file(&c, buf, len, fmt, err);
    st = validate_end(&c, st, fmt, &d, out, sum, err);
    ctx_free(&c);
    if (st)
        return st;
    sum->bytes = len;
    helby_sha256_hex(buf, len, sum->file_sha256);
    return HELBY_OK;
}

typedef struct first_block_wrap {
    ingest_ctx *c;
    helby_first_block_fn check;
    void *check_ctx;
    size_t size; /* the file's size when opened */
} first_block_wrap;

/* The caller's check of the first block, then the rows estimated from its lines (the
 * columns are sized for them; more rows grow them). */
static helby_status first_block_rows(void *ctx, const unsigned char *b, size_t n, helby_error *err)
{
    first_block_wrap *w = ctx;
    helby_status st = w->check ? w->check(w->check_ctx, b, n, err) : HELBY_OK;
    if (st)
        return st;
    size_t lines = 1;
    for (const unsigned char *p = b, *end = b + n; (p = memchr(p, '\n', (size_t)(end - p))) != NULL;
         p++)
        lines++;
    size_t est = n && w->size > n ? (size_t)((double)w->size / n * lines * 1.05) + 64 : lines;
    w->c->cap_rows = est;
    w->c->progress_every = est > 100000 ? est / 100 : 0;
    return HELBY_OK;
}

helby_status helby_validate_csv_file(const helby_survey *s, const char *path,
                                     const helby_import_options *opt, helby_first_block_fn check,
                                     void *check_ctx, helby_frame **out, helby_import_summary *sum,
                                     helby_error_list *errs, helby_error *err)
{
    *out = NULL;
    memset(sum, 0, sizeof *sum);
    helby_error_clear(err);
    ingest_ctx c;
    if (ctx_init(&c, s, path, opt, errs)) {
        ctx_free(&c);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory reading %s", path);
    }
    struct stat sb;
    first_block_wrap w = {&c, check, check_ctx, stat(path, &sb) == 0 ? (size_t)sb.st_size : 0};
    helby_csv_reader r = {first_block_rows, &w, on_row, ctx_reset, &c};
    helby_dialect d = opt->dialect;
    c.header_line = 1;
    c.decimal_from_dialect = &d;
    size_t bytes = 0;
    helby_status st = helby_csv_parse_file(path, &d, NULL, &r, &bytes, sum->file_sha256, err);
    st = validate_end(&c, st, HELBY_FORMAT_CSV, &d, out, sum, err);
    ctx_free(&c);
    if (!st)
        sum->bytes = bytes;
    return st;
}

char *helby_import_describe_dup(const helby_import_summary *sum)
{
    const helby_dialect *d = &sum->dialect;
    char head[160];
    if (sum->format != HELBY_FORMAT_CSV && sum->format != HELBY_FORMAT_AUTO) {
        snprintf(head, sizeof head, "format=%s", helby_file_format_name(sum->format));
    } else {
        const char *delim = d->delimiter == '\t' ? "tab" : d->delimiter == ',' ? "," : ";";
        snprintf(head, sizeof head, "delimiter=%s decimal=%c encoding=%s%s%s%s", delim,
                 d->decimal ? d->decimal : '.',
                 d->encoding == HELBY_ENC_CP1252 ? "windows-1252" : "utf-8",
                 d->had_bom ? " bom" : "", d->crlf ? " crlf" : "",
                 d->utf16 ? (d->utf16 == 'L' ? " utf-16le" : " utf-16be") : "");
    }
    size_t hn = strlen(head), nn = sum->notes ? strlen(sum->notes) : 0;
    char *out = malloc(hn + nn + 16);
    if (!out)
        return NULL;
    memcpy(out, head, hn + 1);
    if (nn) {
        /* One line in the record: notes joined by " | ". */
        char *o = out + hn;
        o += sprintf(o, "; notes: ");
        for (const char *p = sum->notes; *p; p++) {
            if (*p == '\n') {
                size_t used = (size_t)(o - out);
                char *bigger = realloc(out, used + 3 + strlen(p) + 1);
                if (!bigger) {
                    free(out);
                    return NULL;
                }
                out = bigger;
                o = out + used;
                o += sprintf(o, " | ");
            } else {
                *o++ = *p;
            }
        }
        *o = '\0';
    }
    return out;
}

helby_status helby_import_buffer(helby_store *st, const helby_survey *s, const unsigned char *buf,
                                 size_t len, const char *name, const helby_import_options *opt,
                                 helby_import_summary *sum, helby_error_list *errs,
                                 helby_error *err)
{
    helby_frame *f = NULL;
    helby_status r = helby_validate_buffer(s, buf, len, name, opt, &f, sum, errs, err);
    if (r)
        return r;
    char *dialect = helby_import_describe_dup(sum);
    if (!dialect) {
        helby_frame_free(f);
        helby_import_summary_free(sum);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory importing %s", name);
    }
    helby_import_record rec = {
        .file_name = name,
        .sha256 = sum->file_sha256,
        .bytes = (int64_t)len,
        .dialect = dialect,
        .replace = opt ? opt->replace : 0,
    };
    r = helby_store_write_wave(st, s, f, &rec, &sum->import_id, err);
    helby_frame_free(f);
    free(dialect);
    if (r) {
        helby_error_list_add(errs, err);
        helby_import_summary_free(sum);
    }
    return r;
}
