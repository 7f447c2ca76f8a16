/* survey.c — load and validate survey definitions (helby/survey.h).
 *
 * A definition is first gathered into one canonical text blob (the files in a
 * fixed order), hashed, and then parsed from that blob. Loading from a
 * directory and from the store's copy therefore run the same code and give
 * the same hash. Everything a helby_survey points to lives in its arena. */
#include "helby/survey.h"
#include "survey/survey_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "helby/csv.h"
#include "base/util_internal.h"

#define BLOB_MAGIC "helby-survey 1\n"

/* ---- arena ---- */

typedef struct arena_block {
    struct arena_block *next;
    size_t used, size;
    max_align_t data[];
} arena_block;

typedef struct survey_impl {
    helby_survey pub; /* first: a helby_survey * is a survey_impl * */
    arena_block *blocks;
    char *blob;
    size_t blob_len;
    helby_standard standard; /* standard.csv, when has_standard */
    int has_standard;
} survey_impl;

static void *arena_alloc(survey_impl *s, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (n == 0)
        n = sizeof(max_align_t);
    arena_block *b = s->blocks;
    if (!b || b->size - b->used < n) {
        size_t size = n > 65536 ? n : 65536;
        b = malloc(sizeof *b + size);
        if (!b)
            return NULL;
        b->next = s->blocks;
        b->used = 0;
        b->size = size;
        s->blocks = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

static char *arena_strndup(survey_impl *s, const char *p, size_t n)
{
    char *d = arena_alloc(s, n + 1);
    if (d) {
        memcpy(d, p, n);
        d[n] = '\0';
    }
    return d;
}

void helby_survey_free(helby_survey *pub)
{
    if (!pub)
        return;
    survey_impl *s = (survey_impl *)pub;
    arena_block *b = s->blocks;
    while (b) {
        arena_block *n = b->next;
        free(b);
        b = n;
    }
    free(s->blob);
    free(s);
}

/* ---- small text helpers ---- */

static void trim(const char **p, size_t *n)
{
    while (*n && isspace((unsigned char)**p))
        (*p)++, (*n)--;
    while (*n && isspace((unsigned char)(*p)[*n - 1]))
        (*n)--;
}

static int eq(const char *p, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(p, lit, n) == 0;
}

/* Parse a list of numbers "1, 2|3" (separators ',' '|' or space) into the arena. */
static int parse_codes(survey_impl *s, const char *p, size_t n, const double **out, size_t *count)
{
    double *v = arena_alloc(s, (n / 2 + 2) * sizeof *v);
    if (!v)
        return -1;
    size_t k = 0, i = 0;
    while (i < n) {
        while (i < n && (p[i] == ',' || p[i] == '|' || p[i] == ' '))
            i++;
        size_t j = i;
        while (j < n && p[j] != ',' && p[j] != '|' && p[j] != ' ')
            j++;
        if (j > i) {
            if (!helby_parse_number(p + i, j - i, '.', &v[k]))
                return 0;
            k++;
        }
        i = j;
    }
    *out = v;
    *count = k;
    return 1;
}

/* ---- the files of a definition, as held in the blob ---- */

typedef struct def_file {
    char name[256];
    const char *data;
    size_t len;
} def_file;

typedef struct def_files {
    def_file *f;
    size_t n;
} def_files;

static const def_file *find_file(const def_files *fs, const char *name)
{
    for (size_t i = 0; i < fs->n; i++)
        if (strcmp(fs->f[i].name, name) == 0)
            return &fs->f[i];
    return NULL;
}

static helby_status split_blob(const char *blob, size_t len, def_files *out, helby_error *err)
{
    out->f = NULL;
    out->n = 0;
    size_t ml = strlen(BLOB_MAGIC);
    if (len < ml || memcmp(blob, BLOB_MAGIC, ml) != 0)
        return helby_error_set(err, HELBY_EINPUT, "not a serialized survey definition");
    size_t i = ml, cap = 0;
    while (i < len) {
        const char *nl = memchr(blob + i, '\n', len - i);
        if (!nl)
            goto bad;
        char name[256];
        unsigned long long nbytes;
        size_t hl = (size_t)(nl - (blob + i));
        if (hl >= 300)
            goto bad;
        char head[300];
        memcpy(head, blob + i, hl);
        head[hl] = '\0';
        if (sscanf(head, "file %255s %llu", name, &nbytes) != 2)
            goto bad;
        i += hl + 1;
        if (nbytes > len - i || len - i - nbytes < 1 || blob[i + nbytes] != '\n')
            goto bad;
        if (out->n == cap) {
            cap = cap ? cap * 2 : 8;
            def_file *p = realloc(out->f, cap * sizeof *p);
            if (!p) {
                free(out->f);
                out->f = NULL;
                return helby_error_set(err, HELBY_ENOMEM, "out of memory");
            }
            out->f = p;
        }
        def_file *f = &out->f[out->n++];
        snprintf(f->name, sizeof f->name, "%s", name);
        f->data = blob + i;
        f->len = (size_t)nbytes;
        i += (size_t)nbytes + 1;
    }
    return HELBY_OK;
bad:
    free(out->f);
    out->f = NULL;
    out->n = 0;
    return helby_error_set(err, HELBY_EINPUT, "serialized survey definition is damaged");
}

/* ---- CSV tables of the definition ---- */

typedef struct table {
    size_t ncols, nrows;
    char **head;   /* ncols */
    char ***cells; /* nrows x ncols (NULL for missing trailing fields) */
    long *line;    /* nrows */
    const char *file;
} table;

struct soft_errors;

typedef struct table_ctx {
    survey_impl *s;
    table *t;
    size_t cap;
    struct soft_errors *se; /* a row of too many fields listed and left out (survey check) */
} table_ctx;

static helby_status soft(struct soft_errors *se, helby_status st, const helby_error *err);

/* A label must read as it is written: a bidirectional embedding, override or isolate control
 * (U+202A..U+202E, U+2066..U+2069) reorders the text around it on screen, so that a label
 * in a report, a workbook or a terminal would say what its bytes do not. Refused where
 * definitions (and the register CSV, report.c) enter helby. */
static helby_status bidi_error(const char *file, long line, long col, const char *text, size_t len,
                               helby_error *err)
{
    long at = helby_bidi_control_at(text, len);
    if (at < 0)
        return HELBY_OK;
    const unsigned char *p = (const unsigned char *)text + at;
    unsigned cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
    return helby_error_at(err, HELBY_EINPUT, file, line, col, NULL,
                          "a bidirectional control character (U+%04X) in the text: it "
                          "reorders what a reader sees; remove it",
                          cp);
}

/* A survey.ini line with a NUL byte or a bidirectional control character is refused. */
static helby_status ini_line_error(const char *file, long line, const char *q, size_t n,
                                   helby_error *err)
{
    if (memchr(q, '\0', n))
        return helby_error_at(err, HELBY_EINPUT, file, line, 0, NULL, "NUL byte");
    return bidi_error(file, line, 0, q, n, err);
}

static helby_status table_row(void *ctx, size_t ri, long line, const helby_field *f, size_t nf,
                              helby_error *err)
{
    table_ctx *c = ctx;
    table *t = c->t;
    for (size_t j = 0; j < nf; j++)
        if (bidi_error(t->file, line, (long)j + 1, f[j].text, f[j].len, err))
            return HELBY_EINPUT;
    if (ri == 0) {
        t->ncols = nf;
        t->head = arena_alloc(c->s, nf * sizeof *t->head);
        if (!t->head)
            return helby_error_set(err, HELBY_ENOMEM, "out of memory");
        for (size_t j = 0; j < nf; j++) {
            const char *p = f[j].text;
            size_t n = f[j].len;
            trim(&p, &n);
            if (!(t->head[j] = arena_strndup(c->s, p, n)))
                return helby_error_set(err, HELBY_ENOMEM, "out of memory");
        }
        return HELBY_OK;
    }
    /* Comment rows start with '#'. */
    if (nf >= 1 && f[0].len && f[0].text[0] == '#')
        return HELBY_OK;
    if (nf > t->ncols)
        return soft(c->se,
                    helby_error_at(err, HELBY_EINPUT, t->file, line, (long)t->ncols + 1, NULL,
                                   "row has %zu fields, the header has %zu", nf, t->ncols),
                    err);
    if (t->nrows == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        char ***cells = arena_alloc(c->s, cap * sizeof *cells);
        long *lines = arena_alloc(c->s, cap * sizeof *lines);
        if (!cells || !lines)
            return helby_error_set(err, HELBY_ENOMEM, "out of memory");
        if (t->nrows) {
            memcpy(cells, t->cells, t->nrows * sizeof *cells);
            memcpy(lines, t->line, t->nrows * sizeof *lines);
        }
        t->cells = cells;
        t->line = lines;
        c->cap = cap;
    }
    char **row = arena_alloc(c->s, t->ncols * sizeof *row);
    if (!row)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    for (size_t j = 0; j < t->ncols; j++) {
        const char *p = j < nf ? f[j].text : "";
        size_t n = j < nf ? f[j].len : 0;
        trim(&p, &n);
        if (!(row[j] = arena_strndup(c->s, p, n)))
            return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    t->cells[t->nrows] = row;
    t->line[t->nrows] = line;
    t->nrows++;
    return HELBY_OK;
}

/* A table of a definition file. With se (helby_survey_check), a row of too many fields is
 * listed and left out, and the caller checks the other rows. */
static helby_status read_table_se(survey_impl *s, const def_file *f, const char *const *required,
                                  table *t, struct soft_errors *se, helby_error *err)
{
    memset(t, 0, sizeof *t);
    t->file = arena_strndup(s, f->name, strlen(f->name));
    if (!t->file)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    helby_dialect d = {.delimiter = ';', .decimal = '.', .encoding = HELBY_ENC_UTF8};
    table_ctx c = {s, t, 0, se};
    helby_status st = helby_csv_parse((const unsigned char *)f->data, f->len, &d, NULL, f->name,
                                      table_row, &c, err);
    if (st)
        return st;
    for (size_t k = 0; required && required[k]; k++) {
        size_t j = 0;
        while (j < t->ncols && strcmp(t->head[j], required[k]) != 0)
            j++;
        if (j == t->ncols)
            return helby_error_at(err, HELBY_EINPUT, f->name, 1, 0, required[k],
                                  "required column is missing from the header");
    }
    return HELBY_OK;
}

static helby_status read_table(survey_impl *s, const def_file *f, const char *const *required,
                               table *t, helby_error *err)
{
    return read_table_se(s, f, required, t, NULL, err);
}

/* Column index by name, or -1. */
static long col_of(const table *t, const char *name)
{
    for (size_t j = 0; j < t->ncols; j++)
        if (strcmp(t->head[j], name) == 0)
            return (long)j;
    return -1;
}

static const char *cell(const table *t, size_t r, const char *name)
{
    long j = col_of(t, name);
    return j < 0 ? "" : t->cells[r][j];
}

static long cell_col(const table *t, const char *name)
{
    long j = col_of(t, name);
    return j < 0 ? 0 : j + 1;
}

/* ---- survey.ini ---- */

typedef struct ini_entry {
    const char *section, *key, *value;
    long line;
} ini_entry;

typedef struct ini {
    ini_entry *e;
    size_t n;
} ini;

static const char *const ini_keys[] = {"survey.id",
                                       "survey.title_da",
                                       "survey.title_en",
                                       "survey.id_column",
                                       "survey.wave_column",
                                       "survey.waves",
                                       "design.strata",
                                       "design.psu",
                                       "design.weight",
                                       "design.fpc",
                                       "design.lonely_psu",
                                       "design.sampling_da",
                                       "design.sampling_en",
                                       "groups.column",
                                       "groups.danes",
                                       "groups.minorities",
                                       "district.column",
                                       "report.min_cell",
                                       "report.language",
                                       "replicates.type",
                                       "replicates.scale",
                                       "replicates.rscales",
                                       "replicates.rho",
                                       "replicates.mse",
                                       NULL};

/* An inline comment starts at a ';' or '#' after a space or tab (the convention of
 * surveys/README.md's annotated example); a value keeps any other ';' or '#'. */
static void cut_inline_comment(const char *v, size_t *vn)
{
    for (size_t i = 1; i < *vn; i++)
        if ((v[i] == ';' || v[i] == '#') && (v[i - 1] == ' ' || v[i - 1] == '\t')) {
            *vn = i;
            break;
        }
}

/* Checking a definition (helby_survey_check) lists every error of survey.ini and of the
 * codebook's rows instead of stopping at the first: an input error is added to the list
 * and the caller goes on with the next line, key or row. Without a list it is returned. */
typedef struct soft_errors {
    helby_error_list *list;
    size_t n;
} soft_errors;

static helby_status soft(struct soft_errors *se, helby_status st, const helby_error *err)
{
    if (st != HELBY_EINPUT || !se || !se->list)
        return st;
    se->n++;
    return helby_error_list_add(se->list, err);
}

static helby_status parse_ini(survey_impl *s, const def_file *f, ini *out, soft_errors *se,
                              helby_error *err)
{
    out->n = 0;
    size_t cap = 64;
    out->e = arena_alloc(s, cap * sizeof *out->e);
    if (!out->e)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    const char *section = "";
    const char *p = f->data, *end = f->data + f->len;
    if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    for (long line = 1; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *q = p;
        size_t n = (size_t)(le - p);
        p = nl ? nl + 1 : end;
        if (ini_line_error(f->name, line, q, n, err))
            return HELBY_EINPUT;
        trim(&q, &n);
        if (n == 0 || q[0] == ';' || q[0] == '#')
            continue;
        helby_status st;
#define SOFT_CONTINUE(call)                                                                        \
    {                                                                                              \
        if ((st = soft(se, (call), err)))                                                          \
            return st;                                                                             \
        continue;                                                                                  \
    }
        if (q[0] == '[') {
            if (q[n - 1] != ']')
                SOFT_CONTINUE(helby_error_at(err, HELBY_EINPUT, f->name, line, 1, NULL,
                                             "section header must look like [name]"));
            const char *sp = q + 1;
            size_t sn = n - 2;
            trim(&sp, &sn);
            if (!eq(sp, sn, "survey") && !eq(sp, sn, "design") && !eq(sp, sn, "groups") &&
                !eq(sp, sn, "district") && !eq(sp, sn, "report") && !eq(sp, sn, "replicates")) {
                section = NULL; /* its keys are not checked: the section is the error */
                SOFT_CONTINUE(helby_error_at(err, HELBY_EINPUT, f->name, line, 1, NULL,
                                             "unknown section [%.*s] (expected survey, design, "
                                             "groups, district, report or replicates)",
                                             (int)sn, sp));
            }
            section = arena_strndup(s, sp, sn);
            if (!section)
                return helby_error_set(err, HELBY_ENOMEM, "out of memory");
            continue;
        }
        if (!section)
            continue;
        const char *eqs = memchr(q, '=', n);
        if (!eqs)
            SOFT_CONTINUE(helby_error_at(err, HELBY_EINPUT, f->name, line, 1, NULL,
                                         "expected 'key = value'"));
        const char *k = q, *v = eqs + 1;
        size_t kn = (size_t)(eqs - q), vn = n - kn - 1;
        trim(&k, &kn);
        trim(&v, &vn);
        cut_inline_comment(v, &vn);
        trim(&v, &vn);
        char full[160];
        snprintf(full, sizeof full, "%s.%.*s", section, (int)(kn < 100 ? kn : 100), k);
        int known = 0;
        for (size_t i = 0; ini_keys[i]; i++)
            known |= strcmp(ini_keys[i], full) == 0;
        if (!known)
            SOFT_CONTINUE(helby_error_at(err, HELBY_EINPUT, f->name, line, 1, NULL,
                                         "unknown key '%.*s' in [%s]", (int)kn, k, section));
        const ini_entry *twice = NULL;
        for (size_t i = 0; i < out->n; i++)
            if (strcmp(out->e[i].section, section) == 0 && eq(k, kn, out->e[i].key))
                twice = &out->e[i];
        if (twice)
            SOFT_CONTINUE(helby_error_at(err, HELBY_EINPUT, f->name, line, 1, NULL,
                                         "'%.*s' is set twice in [%s] (also on line %ld)", (int)kn,
                                         k, section, twice->line));
#undef SOFT_CONTINUE
        if (out->n == cap) {
            ini_entry *ne = arena_alloc(s, cap * 2 * sizeof *ne);
            if (!ne)
                return helby_error_set(err, HELBY_ENOMEM, "out of memory");
            memcpy(ne, out->e, cap * sizeof *ne);
            out->e = ne;
            cap *= 2;
        }
        ini_entry *e = &out->e[out->n++];
        e->section = section;
        e->key = arena_strndup(s, k, kn);
        e->value = arena_strndup(s, v, vn);
        e->line = line;
        if (!e->key || !e->value)
            return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    return HELBY_OK;
}

static const ini_entry *ini_get(const ini *in, const char *section, const char *key)
{
    for (size_t i = 0; i < in->n; i++)
        if (strcmp(in->e[i].section, section) == 0 && strcmp(in->e[i].key, key) == 0)
            return &in->e[i];
    return NULL;
}

static const char *ini_str(const ini *in, const char *section, const char *key)
{
    const ini_entry *e = ini_get(in, section, key);
    return e && e->value[0] ? e->value : NULL;
}

/* ---- parsing the parts ---- */

typedef struct loader {
    survey_impl *s;
    helby_error *err;
    soft_errors se; /* list: check every key and codebook row (helby_survey_check) */
    ini ini;
    const double *waves;
    size_t n_waves;
    /* targets.csv's adjust columns, checked once derived.csv and standard.csv are read. */
    const char *tg_file;
    long *tg_line;
    long tg_col_adjust, tg_col_method;
} loader;

static helby_status ini_required(loader *L, const char *section, const char *key, const char **out)
{
    *out = ini_str(&L->ini, section, key);
    if (!*out)
        return helby_error_at(L->err, HELBY_EINPUT, "survey.ini", 0, 0, NULL, "[%s] %s is required",
                              section, key);
    return HELBY_OK;
}

static int parse_role(const char *r, helby_role *out)
{
    static const char *names[] = {"item", "id",    "wave",     "stratum",   "psu",      "weight",
                                  "fpc",  "group", "district", "covariate", "repweight"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(r, names[i]) == 0) {
            *out = (helby_role)i;
            return 1;
        }
    return 0;
}

static int parse_bool(const char *v, int *out)
{
    if (!*v || !strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "nej")) {
        *out = 0;
        return 1;
    }
    if (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "ja")) {
        *out = 1;
        return 1;
    }
    return 0;
}

/* "1=Indre By|2=Østerbro": column col of row r into *out, *n_out (left as they are when the cell
 * is empty). */
static helby_status parse_label_col(loader *L, const table *t, size_t r, const char *col,
                                    helby_variable *v, const helby_value_label **out, size_t *n_out,
                                    int aliases)
{
    const char *p = cell(t, r, col);
    size_t n = strlen(p);
    if (!n)
        return HELBY_OK;
    size_t cap = 1;
    for (size_t i = 0; i < n; i++)
        cap += p[i] == '|';
    helby_value_label *lab = arena_alloc(L->s, cap * sizeof *lab);
    helby_value_label *al = arena_alloc(L->s, cap * sizeof *al);
    if (!lab || !al)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    size_t k = 0, na = 0, i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && p[j] != '|')
            j++;
        const char *item = p + i;
        size_t in = j - i;
        trim(&item, &in);
        if (in) {
            size_t sep = strcspn(item, "=~");
            int alias = sep < in && item[sep] == '~';
            double code;
            const char *l = item + sep + 1;
            size_t ln = sep < in ? in - sep - 1 : 0;
            trim(&l, &ln);
            if (sep >= in || !helby_parse_number(item, sep, '.', &code) || (alias && !ln) ||
                (alias && !aliases))
                return helby_error_at(
                    L->err, HELBY_EINPUT, t->file, t->line[r], cell_col(t, col), v->name,
                    aliases ? "value labels must look like '1=label|2=label' (and '9~other "
                              "wording' for an alias of code 9's label), not '%.*s'"
                            : "value labels must look like '1=label|2=label', not '%.*s'",
                    (int)in, item);
            for (size_t q = 0; q < k && !alias; q++)
                if (lab[q].value == code)
                    return helby_error_at(L->err, HELBY_EINPUT, t->file, t->line[r],
                                          cell_col(t, col), v->name, "code %g is labelled twice",
                                          code);
            helby_value_label *x = alias ? &al[na++] : &lab[k++];
            x->value = code;
            if (!(x->label = arena_strndup(L->s, l, ln)))
                return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
        }
        i = j + 1;
    }
    *out = lab;
    *n_out = k;
    if (aliases) {
        v->aliases = al;
        v->n_aliases = na;
    }
    return HELBY_OK;
}

/* Each alias (`9~Vil ikke svare`) names a labelled code and no other code's label or alias. */
static helby_status check_aliases(loader *L, const table *t, size_t r, const helby_variable *v)
{
    for (size_t a = 0; a < v->n_aliases; a++) {
        const helby_value_label *x = &v->aliases[a];
        int clash = 0; /* 1: a label's wording, 2: an earlier alias's */
        double other = 0;
        for (size_t k = 0; !clash && k < v->n_labels; k++)
            if (!strcasecmp(v->labels[k].label, x->label))
                clash = 1, other = v->labels[k].value;
        for (size_t b = 0; !clash && b < a; b++)
            if (!strcasecmp(v->aliases[b].label, x->label))
                clash = 2, other = v->aliases[b].value;
        long col = cell_col(t, "values");
        if (!helby_variable_value_label(v, x->value))
            return helby_error_at(L->err, HELBY_EINPUT, t->file, t->line[r], col, v->name,
                                  "'%g~%s' is an alias of code %g, which has no label: give the "
                                  "code its label first (%g=...)",
                                  x->value, x->label, x->value, x->value);
        if (clash)
            return helby_error_at(L->err, HELBY_EINPUT, t->file, t->line[r], col, v->name,
                                  "alias '%g~%s': '%s' is the %s of code %g%s", x->value, x->label,
                                  x->label, clash == 1 ? "label" : "alias", other,
                                  other == x->value ? " already"
                                                    : " (one wording can name one code only)");
    }
    return HELBY_OK;
}

/* values and values_en of row r. */
static helby_status parse_labels(loader *L, const table *t, size_t r, helby_variable *v)
{
    helby_status st = parse_label_col(L, t, r, "values", v, &v->labels, &v->n_labels, 1);
    if (!st)
        st = check_aliases(L, t, r, v);
    return st ? st : parse_label_col(L, t, r, "values_en", v, &v->labels_en, &v->n_labels_en, 0);
}

/* values_en, when given, labels exactly the codes values labels, so that no code of an English
 * report falls back to its Danish label (surveys/README.md). */
static helby_status check_labels_en(loader *L, const table *t, size_t r, const helby_variable *v)
{
    if (!v->n_labels_en)
        return HELBY_OK;
    for (size_t k = 0; k < v->n_labels_en; k++)
        if (!helby_variable_value_label(v, v->labels_en[k].value))
            return helby_error_at(
                L->err, HELBY_EINPUT, t->file, t->line[r], cell_col(t, "values_en"), v->name,
                "code %g has an English label but no label in values", v->labels_en[k].value);
    for (size_t k = 0; k < v->n_labels; k++) {
        size_t q = 0;
        while (q < v->n_labels_en && v->labels_en[q].value != v->labels[k].value)
            q++;
        if (q == v->n_labels_en)
            return helby_error_at(L->err, HELBY_EINPUT, t->file, t->line[r],
                                  cell_col(t, "values_en"), v->name,
                                  "code %g ('%s') has no English label: values_en labels every "
                                  "code values labels",
                                  v->labels[k].value, v->labels[k].label);
    }
    return HELBY_OK;
}

/* One row of the codebook into vars[r]; the rows before it are read already. */
static helby_status codebook_row(loader *L, const def_file *f, const table *t, helby_variable *vars,
                                 size_t r)
{
    helby_variable *v = &vars[r];
    v->name = cell(t, r, "variable");
    long line = t->line[r];
    if (!v->name[0])
        return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(t, "variable"), NULL,
                              "variable name is empty");
    for (const char *c = v->name; *c; c++)
        /* Bytes from 0x80 are UTF-8 letters (the codebook is checked to be UTF-8): Danish
         * names like 'tryg_på_gaden' are names a survey team writes. */
        if (!(isalnum((unsigned char)*c) || (unsigned char)*c >= 0x80 || *c == '_' || *c == '.' ||
              *c == '-'))
            return helby_error_at(
                L->err, HELBY_EINPUT, f->name, line, cell_col(t, "variable"), v->name,
                "variable names may hold letters (also æ, ø, å), digits, '_', '.' "
                "and '-' only");
    for (size_t q = 0; q < r; q++)
        if (strcmp(vars[q].name, v->name) == 0)
            return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(t, "variable"),
                                  v->name, "variable defined twice (also on line %ld)", t->line[q]);
    v->label_da = cell(t, r, "label_da");
    v->label_en = cell(t, r, "label_en");
    if (!parse_role(cell(t, r, "role"), &v->role))
        return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(t, "role"), v->name,
                              "unknown role '%s' (item, id, wave, stratum, psu, weight, fpc, "
                              "group, district, covariate)",
                              cell(t, r, "role"));
    const char *type = cell(t, r, "type");
    if (!strcmp(type, "code"))
        v->type = HELBY_TYPE_CODE;
    else if (!strcmp(type, "real"))
        v->type = HELBY_TYPE_REAL;
    else if (!strcmp(type, "text"))
        v->type = HELBY_TYPE_TEXT;
    else
        return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(t, "type"), v->name,
                              "unknown type '%s' (code, real or text)", type);
    const char *mn = cell(t, r, "min"), *mx = cell(t, r, "max");
    if (*mn || *mx) {
        if (!helby_parse_number(mn, strlen(mn), '.', &v->min))
            return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(t, "min"), v->name,
                                  "min must be a number, not '%s'", mn);
        if (!helby_parse_number(mx, strlen(mx), '.', &v->max))
            return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(t, "max"), v->name,
                                  "max must be a number, not '%s'", mx);
        if (v->min >= v->max)
            return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(t, "max"), v->name,
                                  "min %g must be below max %g", v->min, v->max);
        v->has_range = 1;
    }
    const char *miss = cell(t, r, "missing");
    int ok = parse_codes(L->s, miss, strlen(miss), &v->missing, &v->n_missing);
    if (ok < 0)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    if (!ok)
        return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(t, "missing"), v->name,
                              "missing codes must be numbers like '8|9', not '%s'", miss);
    for (size_t k = 0; k < v->n_missing; k++)
        if (v->has_range && v->missing[k] >= v->min && v->missing[k] <= v->max)
            return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(t, "missing"),
                                  v->name, "missing code %g lies inside the valid range %g–%g",
                                  v->missing[k], v->min, v->max);
    if (!parse_bool(cell(t, r, "reverse"), &v->reverse))
        return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(t, "reverse"), v->name,
                              "reverse must be 0 or 1");
    if (v->reverse && !v->has_range)
        return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(t, "reverse"), v->name,
                              "a reversed item needs min and max");
    if (col_of(t, "required") >= 0 && !parse_bool(cell(t, r, "required"), &v->required))
        return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(t, "required"), v->name,
                              "required must be 0 or 1");
    helby_status st = parse_labels(L, t, r, v);
    if (st || (st = check_labels_en(L, t, r, v)))
        return st;
    if (v->type == HELBY_TYPE_TEXT && (v->has_range || v->n_missing || v->reverse))
        return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(t, "type"), v->name,
                              "a text variable has no range, missing codes or "
                              "reverse coding");
    return HELBY_OK;
}

static helby_status parse_codebook(loader *L, const def_file *f)
{
    static const char *const req[] = {"variable", "label_da", "label_en", "role",   "type", "min",
                                      "max",      "missing",  "reverse",  "values", NULL};
    table t;
    helby_status st = read_table_se(L->s, f, req, &t, &L->se, L->err);
    if (st)
        return st;
    if (t.nrows == 0)
        return helby_error_at(L->err, HELBY_EINPUT, f->name, 2, 0, NULL,
                              "the codebook has no variables");
    helby_variable *vars = arena_alloc(L->s, t.nrows * sizeof *vars);
    if (!vars)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    for (size_t r = 0; r < t.nrows; r++) {
        if ((st = soft(&L->se, codebook_row(L, f, &t, vars, r), L->err)))
            return st;
    }
    L->s->pub.vars = vars;
    L->s->pub.n_vars = t.nrows;
    return HELBY_OK;
}

/* Find the variable named by survey.ini [section] key and check its role. */
static helby_status role_var(loader *L, const char *section, const char *key, helby_role role,
                             int required, size_t *out)
{
    *out = HELBY_NO_VAR;
    const ini_entry *e = ini_get(&L->ini, section, key);
    if (!e || !e->value[0]) {
        if (required)
            return helby_error_at(L->err, HELBY_EINPUT, "survey.ini", 0, 0, NULL,
                                  "[%s] %s is required", section, key);
        return HELBY_OK;
    }
    size_t v = helby_survey_find_var(&L->s->pub, e->value);
    if (v == HELBY_NO_VAR)
        return helby_error_at(L->err, HELBY_EINPUT, "survey.ini", e->line, 0, e->value,
                              "[%s] %s names a column that is not in codebook.csv", section, key);
    helby_variable *var = (helby_variable *)&L->s->pub.vars[v];
    if (var->role != role)
        return helby_error_at(L->err, HELBY_EINPUT, "survey.ini", e->line, 0, e->value,
                              "[%s] %s names a column whose codebook role is not '%s'", section,
                              key, key);
    var->required = 1;
    *out = v;
    return HELBY_OK;
}

static int in_list(const double *v, size_t n, double x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

/* An error about a survey.ini key: listed and gone past when checking, else returned. */
#define INI_ERROR(key_section, key, ...)                                                           \
    do {                                                                                           \
        const ini_entry *e_ = ini_get(&L->ini, key_section, key);                                  \
        if ((st = soft(&L->se,                                                                     \
                       helby_error_at(L->err, HELBY_EINPUT, "survey.ini", e_ ? e_->line : 0, 0,    \
                                      NULL, __VA_ARGS__),                                          \
                       L->err)))                                                                   \
            return st;                                                                             \
    } while (0)

static helby_status parse_waves(loader *L)
{
    helby_status st = HELBY_OK;
    const char *waves;
    if ((st = soft(&L->se, ini_required(L, "survey", "waves", &waves), L->err)) || !waves)
        return st;
    int ok = parse_codes(L->s, waves, strlen(waves), &L->waves, &L->n_waves);
    if (ok < 0)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    if (!ok || L->n_waves == 0) {
        INI_ERROR("survey", "waves",
                  "waves must list codes of the wave variable: whole numbers such as years "
                  "'2011, 2012' or half-years '201506, 201512' (labelled in codebook.csv's "
                  "values, e.g. 201506=Forår 2015)");
        return HELBY_OK;
    }
    /* Waves are stored and compared as long: a wave of 1e300 made (long)wave undefined
     * (found by tests/fuzz/survey with UBSan). */
    for (size_t i = 0; i < L->n_waves; i++)
        if (!(L->waves[i] >= 1 && L->waves[i] <= HELBY_MAX_WAVE) ||
            L->waves[i] != floor(L->waves[i])) {
            INI_ERROR("survey", "waves", "wave %g is not a whole number from 1 to %ld", L->waves[i],
                      (long)HELBY_MAX_WAVE);
            break;
        }
    L->s->pub.waves = L->waves;
    L->s->pub.n_waves = L->n_waves;
    return HELBY_OK;
}

static helby_status parse_report(loader *L)
{
    helby_survey *s = &L->s->pub;
    helby_status st = HELBY_OK;
    const char *mc = ini_str(&L->ini, "report", "min_cell");
    s->min_cell = 30;
    if (mc) {
        char *end;
        long v = strtol(mc, &end, 10);
        if (*end || v < 1)
            INI_ERROR("report", "min_cell", "min_cell must be a positive whole number");
        else
            s->min_cell = (size_t)v;
    }
    s->language = ini_str(&L->ini, "report", "language");
    if (!s->language)
        s->language = "da";
    if (strcmp(s->language, "da") && strcmp(s->language, "en"))
        INI_ERROR("report", "language", "language must be da or en");
    return HELBY_OK;
}

static helby_status parse_survey_ini(loader *L, const def_file *f)
{
    helby_status st = parse_ini(L->s, f, &L->ini, &L->se, L->err);
    if (st)
        return st;
    helby_survey *s = &L->s->pub;
    if ((st = soft(&L->se, ini_required(L, "survey", "id", &s->id), L->err)))
        return st;
    for (const char *c = s->id; c && *c; c++)
        if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_' || *c == '-')) {
            INI_ERROR("survey", "id", "survey id '%s' may hold a-z, 0-9, '_' and '-' only", s->id);
            break;
        }
    s->title_da = ini_str(&L->ini, "survey", "title_da");
    s->title_en = ini_str(&L->ini, "survey", "title_en");
    if (!s->title_da)
        s->title_da = s->id;
    if (!s->title_en)
        s->title_en = s->title_da;
    s->sampling_da = ini_str(&L->ini, "design", "sampling_da");
    s->sampling_en = ini_str(&L->ini, "design", "sampling_en");
    if ((st = parse_waves(L)))
        return st;
    const char *lonely = ini_str(&L->ini, "design", "lonely_psu");
    if (!lonely)
        lonely = "fail";
    if (strcmp(lonely, "fail") && strcmp(lonely, "remove") && strcmp(lonely, "certainty") &&
        strcmp(lonely, "adjust") && strcmp(lonely, "average"))
        INI_ERROR("design", "lonely_psu",
                  "lonely_psu must be fail, remove, certainty, adjust or average");
    s->lonely_psu = lonely;
    return parse_report(L);
}

static helby_status resolve_roles(loader *L)
{
    helby_survey *s = &L->s->pub;
    helby_status st;
    if ((st = role_var(L, "survey", "id_column", HELBY_ROLE_ID, 1, &s->id_var)) ||
        (st = role_var(L, "survey", "wave_column", HELBY_ROLE_WAVE, 1, &s->wave_var)) ||
        (st = role_var(L, "design", "strata", HELBY_ROLE_STRATUM, 0, &s->stratum_var)) ||
        (st = role_var(L, "design", "psu", HELBY_ROLE_PSU, 0, &s->psu_var)) ||
        (st = role_var(L, "design", "weight", HELBY_ROLE_WEIGHT, 1, &s->weight_var)) ||
        (st = role_var(L, "design", "fpc", HELBY_ROLE_FPC, 0, &s->fpc_var)) ||
        (st = role_var(L, "groups", "column", HELBY_ROLE_GROUP, 1, &s->group_var)) ||
        (st = role_var(L, "district", "column", HELBY_ROLE_DISTRICT, 1, &s->district_var)))
        return st;
    /* Every design role in the codebook must be the one survey.ini names. */
    for (size_t v = 0; v < s->n_vars; v++) {
        helby_role r = s->vars[v].role;
        size_t want = r == HELBY_ROLE_ID         ? s->id_var
                      : r == HELBY_ROLE_WAVE     ? s->wave_var
                      : r == HELBY_ROLE_STRATUM  ? s->stratum_var
                      : r == HELBY_ROLE_PSU      ? s->psu_var
                      : r == HELBY_ROLE_WEIGHT   ? s->weight_var
                      : r == HELBY_ROLE_FPC      ? s->fpc_var
                      : r == HELBY_ROLE_GROUP    ? s->group_var
                      : r == HELBY_ROLE_DISTRICT ? s->district_var
                                                 : v;
        if (want != v)
            return helby_error_at(L->err, HELBY_EINPUT, "codebook.csv", 0, 0, s->vars[v].name,
                                  "has a design role that survey.ini does not give it");
    }
    if (s->vars[s->weight_var].type != HELBY_TYPE_REAL)
        return helby_error_at(L->err, HELBY_EINPUT, "codebook.csv", 0, 0,
                              s->vars[s->weight_var].name, "the weight must have type real");
    if (s->vars[s->wave_var].type != HELBY_TYPE_CODE ||
        s->vars[s->group_var].type != HELBY_TYPE_CODE ||
        s->vars[s->district_var].type != HELBY_TYPE_CODE)
        return helby_error_at(L->err, HELBY_EINPUT, "codebook.csv", 0, 0, NULL,
                              "the wave, group and district columns must have type code");
    const helby_variable *g = &s->vars[s->group_var];
    const char *list[2] = {"danes", "minorities"};
    const double **codes[2] = {&s->danes_codes, &s->minority_codes};
    size_t *counts[2] = {&s->n_danes_codes, &s->n_minority_codes};
    for (int k = 0; k < 2; k++) {
        const ini_entry *e = ini_get(&L->ini, "groups", list[k]);
        if (!e || !e->value[0])
            return helby_error_at(L->err, HELBY_EINPUT, "survey.ini", 0, 0, NULL,
                                  "[groups] %s is required", list[k]);
        int ok = parse_codes(L->s, e->value, strlen(e->value), codes[k], counts[k]);
        if (ok < 0)
            return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
        if (!ok || *counts[k] == 0)
            return helby_error_at(L->err, HELBY_EINPUT, "survey.ini", e->line, 0, NULL,
                                  "[groups] %s must list codes of %s", list[k], g->name);
        for (size_t i = 0; i < *counts[k]; i++) {
            double c = (*codes[k])[i];
            if (g->n_labels && !helby_variable_value_label(g, c))
                return helby_error_at(L->err, HELBY_EINPUT, "survey.ini", e->line, 0, g->name,
                                      "group code %g has no value label in codebook.csv", c);
            if (k == 1 && in_list(s->danes_codes, s->n_danes_codes, c))
                return helby_error_at(L->err, HELBY_EINPUT, "survey.ini", e->line, 0, g->name,
                                      "code %g is both ethnic Danes and minorities", c);
        }
    }
    return HELBY_OK;
}

/* survey.ini's waves must be codes the wave variable allows: in its min-max, or labelled when
 * it has labels and no range. */
/* An error of survey.ini's [replicates] at key's line (the codebook is read by then: these
 * checks come after the soft ones of survey.ini). */
#define REP_ERROR(key, ...)                                                                        \
    do {                                                                                           \
        const ini_entry *e_ = ini_get(&L->ini, "replicates", key);                                 \
        return helby_error_at(L->err, HELBY_EINPUT, "survey.ini", e_ ? e_->line : 0, 0, NULL,      \
                              __VA_ARGS__);                                                        \
    } while (0)

/* A positive number of [replicates] key, or NaN when not given; -1 when it is no number. */
static double rep_number(loader *L, const char *key)
{
    const char *v = ini_str(&L->ini, "replicates", key);
    if (!v)
        return NAN;
    char *end;
    double x = strtod(v, &end);
    return *v && !*end && x > 0 && isfinite(x) ? x : -1;
}

/* The codebook's repweight columns, in its order; 0 or an error. */
static helby_status rep_columns(loader *L)
{
    helby_survey *s = &L->s->pub;
    size_t R = 0;
    for (size_t v = 0; v < s->n_vars; v++)
        if (s->vars[v].role == HELBY_ROLE_REPWEIGHT) {
            if (s->vars[v].type != HELBY_TYPE_REAL)
                return helby_error_at(L->err, HELBY_EINPUT, "codebook.csv", 0, 0, s->vars[v].name,
                                      "a replicate weight (role repweight) must have type real");
            R++;
        }
    size_t *idx = arena_alloc(L->s, (R + 1) * sizeof *idx);
    if (!idx)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    for (size_t v = 0, k = 0; v < s->n_vars; v++)
        if (s->vars[v].role == HELBY_ROLE_REPWEIGHT)
            idx[k++] = v;
    s->repweight_vars = idx;
    s->n_repweights = R;
    return HELBY_OK;
}

/* rscales: one number for all or one per replicate weight, each >= 0 (NULL: all 1). */
static helby_status rep_rscales(loader *L, int given_ok)
{
    helby_survey *s = &L->s->pub;
    const size_t R = s->n_repweights;
    double *r = arena_alloc(L->s, R * sizeof *r);
    if (!r)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    for (size_t k = 0; k < R; k++)
        r[k] = 1;
    s->rep_rscales = r;
    const char *v = ini_str(&L->ini, "replicates", "rscales");
    if (!v)
        return HELBY_OK;
    if (!given_ok)
        REP_ERROR("rscales", "type %s sets rscales itself (R svrepdesign): remove rscales",
                  s->rep_type);
    const double *x;
    size_t n;
    int ok = parse_codes(L->s, v, strlen(v), &x, &n);
    if (ok < 0)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    for (size_t k = 0; ok && k < n; k++)
        ok = x[k] >= 0 && isfinite(x[k]);
    if (!ok || (n != 1 && n != R))
        REP_ERROR("rscales",
                  "rscales must be one number >= 0 or one for each of the %zu replicate weights "
                  "(in the codebook's order), not '%s'",
                  R, v);
    for (size_t k = 0; k < R; k++)
        r[k] = x[n == 1 ? 0 : k];
    return HELBY_OK;
}

/* survey.ini [replicates] with the codebook's repweight columns: R svrepdesign's type, its
 * defaults of scale and rscales (combined weights), Fay's rho, mse. */
static helby_status parse_replicates(loader *L)
{
    helby_survey *s = &L->s->pub;
    helby_status st;
    if ((st = rep_columns(L)))
        return st;
    const size_t R = s->n_repweights;
    const char *type = ini_str(&L->ini, "replicates", "type");
    static const char *const keys[] = {"scale", "rscales", "rho", "mse"};
    if (!type) {
        for (size_t k = 0; k < 4; k++)
            if (ini_str(&L->ini, "replicates", keys[k]))
                REP_ERROR(keys[k], "[replicates] needs type");
        if (R)
            return helby_error_at(L->err, HELBY_EINPUT, "codebook.csv", 0, 0,
                                  s->vars[s->repweight_vars[0]].name,
                                  "%zu replicate weights (role repweight) but survey.ini has no "
                                  "[replicates] type (JK1, JKn, BRR, Fay, bootstrap, ACS, "
                                  "successive-difference or other)",
                                  R);
        return HELBY_OK;
    }
    static const char *const types[] = {
        "JK1", "JKn", "BRR", "Fay", "bootstrap", "ACS", "successive-difference", "other"};
    int t = -1;
    for (int k = 0; k < 8; k++)
        if (!strcmp(type, types[k]))
            t = k;
    if (t < 0)
        REP_ERROR("type",
                  "type must be JK1, JKn, BRR, Fay, bootstrap, ACS, successive-difference or "
                  "other (R svrepdesign), not '%s'",
                  type);
    if (R < 2)
        REP_ERROR("type",
                  "[replicates] needs at least 2 replicate weights in codebook.csv (role "
                  "repweight), not %zu",
                  R);
    s->rep_type = types[t];
    double scale = rep_number(L, "scale"), rho = rep_number(L, "rho");
    if (scale < 0)
        REP_ERROR("scale", "scale must be a positive number");
    if (t == 3 && !(rho > 0 && rho < 1))
        REP_ERROR("rho", "type Fay needs rho between 0 and 1 (exclusive)");
    if (t != 3 && !isnan(rho))
        REP_ERROR("rho", "rho is Fay's alone (type Fay)");
    int fixed = t == 2 || t == 3 || t == 5 || t == 6; /* BRR, Fay, ACS, SD set scale */
    if (fixed && !isnan(scale))
        REP_ERROR("scale", "type %s sets scale itself (R svrepdesign): remove scale", type);
    if (t == 7 && isnan(scale))
        REP_ERROR("scale", "type other needs scale (the variance's factor)");
    if ((st = rep_rscales(L, !(t == 5 || t == 6))))
        return st;
    if (t == 1 && !ini_str(&L->ini, "replicates", "rscales"))
        REP_ERROR("type", "type JKn needs rscales ((n_h - 1) / n_h of each replicate's stratum)");
    double n = (double)R;
    s->rep_rho = t == 3 ? rho : NAN;
    s->rep_scale = t == 2          ? 1 / n
                   : t == 3        ? 1 / (n * (1 - rho) * (1 - rho))
                   : fixed         ? 4 / n
                   : !isnan(scale) ? scale
                   : t == 0        ? (n - 1) / n
                   : t == 4        ? 1 / (n - 1)
                                   : 1;
    const char *mse = ini_str(&L->ini, "replicates", "mse");
    if (mse && !parse_bool(mse, &s->rep_mse))
        REP_ERROR("mse", "mse must be 0 or 1");
    return HELBY_OK;
}

#undef REP_ERROR

static helby_status check_waves_codes(loader *L)
{
    const helby_survey *s = &L->s->pub;
    const helby_variable *w = &s->vars[s->wave_var];
    const ini_entry *e = ini_get(&L->ini, "survey", "waves");
    long line = e ? e->line : 0;
    for (size_t i = 0; i < L->n_waves; i++) {
        double x = L->waves[i];
        int labelled = helby_variable_value_label(w, x) != NULL;
        int in_range = w->has_range && x >= w->min && x <= w->max;
        if (in_range || (labelled && !w->has_range) || (!w->has_range && !w->n_labels))
            continue;
        if (w->has_range)
            return helby_error_at(L->err, HELBY_EINPUT, "survey.ini", line, 0, NULL,
                                  "wave %.0f is not a code of the wave variable %s (codebook.csv: "
                                  "%.0f-%.0f): widen its range or correct waves",
                                  x, w->name, w->min, w->max);
        return helby_error_at(L->err, HELBY_EINPUT, "survey.ini", line, 0, NULL,
                              "wave %.0f has no value label in codebook.csv's values of %s: label "
                              "it (e.g. %.0f=Forår 2015) or correct waves",
                              x, w->name, x);
    }
    return HELBY_OK;
}

/* The optional `better` column: which way of a measure is good (reports' direction cues).
 * Empty means higher. Returns -1 for anything else. */
static int parse_better(const char *v)
{
    return !v[0] || !strcmp(v, "higher") ? 0 : !strcmp(v, "lower") ? 1 : -1;
}

/* Row r's item of dimension d: *v its variable and *wt its weight (*v HELBY_NO_VAR on error). */
static helby_status index_item(loader *L, const def_file *f, const table *t, size_t r,
                               const helby_dimension *d, size_t *v, double *wt)
{
    const helby_survey *s = &L->s->pub;
    const char *item = cell(t, r, "item"), *w = cell(t, r, "item_weight");
    long line = t->line[r], col = cell_col(t, "item");
    size_t var = helby_survey_find_var(s, item);
    *v = HELBY_NO_VAR;
    *wt = 1;
    if (var == HELBY_NO_VAR)
        return helby_error_at(L->err, HELBY_EINPUT, f->name, line, col, item,
                              "item is not in codebook.csv");
    if (s->vars[var].role != HELBY_ROLE_ITEM || !s->vars[var].has_range)
        return helby_error_at(L->err, HELBY_EINPUT, f->name, line, col, item,
                              "an index item must have role item and a valid range");
    for (size_t q = 0; q < d->n_items; q++)
        if (d->items[q] == var)
            return helby_error_at(L->err, HELBY_EINPUT, f->name, line, col, item,
                                  "item listed twice in dimension %s", d->name);
    if (w[0] && (!helby_parse_number(w, strlen(w), '.', wt) || !(*wt > 0)))
        return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(t, "item_weight"), item,
                              "item_weight must be a positive number, not '%s'", w);
    *v = var;
    return HELBY_OK;
}

static helby_status parse_indices(loader *L, const def_file *f)
{
    static const char *const req[] = {"index", "dimension", "item", NULL};
    table t;
    size_t listed = L->se.n;
    helby_status st = read_table_se(L->s, f, req, &t, &L->se, L->err);
    if (st)
        return st;
    helby_survey *s = &L->s->pub;
    /* Count distinct indices and dimensions (rows are grouped by index, dimension). */
    helby_index *ix = arena_alloc(L->s, (t.nrows + 1) * sizeof *ix);
    helby_dimension *dims = arena_alloc(L->s, (t.nrows + 1) * sizeof *dims);
    size_t *items = arena_alloc(L->s, (t.nrows + 1) * sizeof *items);
    double *iw = arena_alloc(L->s, (t.nrows + 1) * sizeof *iw);
    if (!ix || !dims || !items || !iw)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    size_t n_ix = 0, n_dims = 0;
    for (size_t r = 0; r < t.nrows; r++) {
        const char *iname = cell(&t, r, "index"), *dname = cell(&t, r, "dimension");
        long line = t.line[r];
        if (!iname[0] || !dname[0])
            return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(&t, "index"), NULL,
                                  "index and dimension must be named");
        helby_index *cur = n_ix ? &ix[n_ix - 1] : NULL;
        if (!cur || strcmp(cur->name, iname) != 0) {
            for (size_t q = 0; q < n_ix; q++)
                if (!strcmp(ix[q].name, iname))
                    return helby_error_at(L->err, HELBY_EINPUT, f->name, line,
                                          cell_col(&t, "index"), iname,
                                          "rows of an index must stand together");
            cur = &ix[n_ix++];
            cur->name = iname;
            cur->label_da = cell(&t, r, "index_label_da");
            cur->label_en = cell(&t, r, "index_label_en");
            cur->lower_is_better = parse_better(cell(&t, r, "better"));
            if (cur->lower_is_better < 0)
                return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(&t, "better"),
                                      iname, "better must be higher or lower, not '%s'",
                                      cell(&t, r, "better"));
            const char *agg = cell(&t, r, "aggregation");
            if (!agg[0] || !strcmp(agg, "arithmetic"))
                cur->aggregation = HELBY_AGG_ARITHMETIC;
            else if (!strcmp(agg, "geometric"))
                cur->aggregation = HELBY_AGG_GEOMETRIC;
            else
                return helby_error_at(L->err, HELBY_EINPUT, f->name, line,
                                      cell_col(&t, "aggregation"), iname,
                                      "aggregation must be arithmetic or geometric, not '%s'", agg);
            cur->dims = &dims[n_dims];
        }
        helby_dimension *d = cur->n_dims ? (helby_dimension *)&cur->dims[cur->n_dims - 1] : NULL;
        if (!d || strcmp(d->name, dname) != 0) {
            for (size_t q = 0; q < cur->n_dims; q++)
                if (!strcmp(cur->dims[q].name, dname))
                    return helby_error_at(L->err, HELBY_EINPUT, f->name, line,
                                          cell_col(&t, "dimension"), dname,
                                          "rows of a dimension must stand together");
            d = &dims[n_dims++];
            ((helby_index *)cur)->n_dims++;
            d->name = dname;
            d->label_da = cell(&t, r, "dimension_label_da");
            d->label_en = cell(&t, r, "dimension_label_en");
            d->items = &items[r];
            d->item_weights = &iw[r];
            const char *dw = cell(&t, r, "dimension_weight");
            d->weight = 1;
            if (dw[0] && (!helby_parse_number(dw, strlen(dw), '.', &d->weight) || !(d->weight > 0)))
                return helby_error_at(L->err, HELBY_EINPUT, f->name, line,
                                      cell_col(&t, "dimension_weight"), dname,
                                      "dimension_weight must be a positive number, not '%s'", dw);
        }
        size_t v;
        double wt;
        /* A bad item is listed (survey check) and its row left out: the next rows are checked. */
        if ((st = soft(&L->se, index_item(L, f, &t, r, d, &v, &wt), L->err)))
            return st;
        if (v == HELBY_NO_VAR)
            continue;
        size_t at = (size_t)(d->items - items) + d->n_items; /* the dimension's rows, in order */
        items[at] = v;
        iw[at] = wt;
        d->n_items++;
        const char *mv = cell(&t, r, "min_valid");
        if (mv[0]) {
            char *end;
            long m = strtol(mv, &end, 10);
            if (*end || m < 1)
                return helby_error_at(L->err, HELBY_EINPUT, f->name, line,
                                      cell_col(&t, "min_valid"), d->name,
                                      "min_valid must be a positive whole number");
            if (d->min_valid && d->min_valid != (size_t)m)
                return helby_error_at(L->err, HELBY_EINPUT, f->name, line,
                                      cell_col(&t, "min_valid"), d->name,
                                      "min_valid differs between rows of the dimension");
            d->min_valid = (size_t)m;
        }
    }
    if (L->se.n > listed)
        return HELBY_OK; /* listed; the dimensions' item counts would mislead */
    for (size_t k = 0; k < n_dims; k++) {
        helby_dimension *d = &dims[k];
        if (d->min_valid == 0)
            d->min_valid = d->n_items / 2 + 1; /* more than half (docs/method.md §1) */
        if (d->min_valid > d->n_items)
            return helby_error_at(L->err, HELBY_EINPUT, f->name, 0, 0, d->name,
                                  "min_valid %zu is more than the dimension's %zu items",
                                  d->min_valid, d->n_items);
    }
    s->indices = ix;
    s->n_indices = n_ix;
    return HELBY_OK;
}

/* Names that targets may refer to: indices, dimensions, shares. */
static int known_measure(const helby_survey *s, const char *name)
{
    for (size_t i = 0; i < s->n_indices; i++) {
        if (!strcmp(s->indices[i].name, name))
            return 1;
        for (size_t j = 0; j < s->indices[i].n_dims; j++)
            if (!strcmp(s->indices[i].dims[j].name, name))
                return 1;
    }
    for (size_t i = 0; i < s->n_shares; i++)
        if (!strcmp(s->shares[i].name, name))
            return 1;
    return 0;
}

static helby_status parse_shares(loader *L, const def_file *f)
{
    static const char *const req[] = {"share", "variable", "codes", NULL};
    table t;
    helby_status st = read_table(L->s, f, req, &t, L->err);
    if (st)
        return st;
    helby_survey *s = &L->s->pub;
    helby_share *sh = arena_alloc(L->s, (t.nrows + 1) * sizeof *sh);
    if (!sh)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    for (size_t r = 0; r < t.nrows; r++) {
        helby_share *x = &sh[r];
        long line = t.line[r];
        x->name = cell(&t, r, "share");
        x->label_da = cell(&t, r, "label_da");
        x->label_en = cell(&t, r, "label_en");
        x->lower_is_better = parse_better(cell(&t, r, "better"));
        if (x->lower_is_better < 0)
            return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(&t, "better"),
                                  x->name, "better must be higher or lower, not '%s'",
                                  cell(&t, r, "better"));
        if (!x->name[0] || known_measure(s, x->name))
            return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(&t, "share"),
                                  x->name, "share name is empty or already used");
        for (size_t q = 0; q < r; q++)
            if (!strcmp(sh[q].name, x->name))
                return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(&t, "share"),
                                      x->name, "share defined twice");
        const char *var = cell(&t, r, "variable");
        x->var = helby_survey_find_var(s, var);
        if (x->var == HELBY_NO_VAR || s->vars[x->var].type != HELBY_TYPE_CODE)
            return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(&t, "variable"),
                                  var, "a share needs a coded variable from codebook.csv");
        const char *codes = cell(&t, r, "codes");
        int ok = parse_codes(L->s, codes, strlen(codes), &x->codes, &x->n_codes);
        if (ok < 0)
            return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
        if (!ok || !x->n_codes)
            return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(&t, "codes"),
                                  x->name, "codes must list the categories counted, like '1|2'");
        const helby_variable *v = &s->vars[x->var];
        for (size_t k = 0; k < x->n_codes; k++)
            if ((v->has_range && (x->codes[k] < v->min || x->codes[k] > v->max)) ||
                helby_variable_is_missing_code(v, x->codes[k]))
                return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(&t, "codes"),
                                      x->name, "code %g is not a valid answer of %s", x->codes[k],
                                      v->name);
        s->n_shares = r + 1;
        s->shares = sh;
    }
    return HELBY_OK;
}

/* A target's optional adjust ("ageband|sex") and adjust_method (regression, standardise):
 * split here, the covariates checked by check_adjust once derived.csv is read. */
static helby_status target_adjust(loader *L, const table *t, size_t r, helby_target *x)
{
    const char *a = cell(t, r, "adjust"), *m = cell(t, r, "adjust_method");
    long line = L->tg_line[r];
    if (!strcmp(m, "standardise"))
        x->adjust_standardise = 1;
    else if (m[0] && strcmp(m, "regression"))
        return helby_error_at(L->err, HELBY_EINPUT, L->tg_file, line, L->tg_col_method, x->goal,
                              "adjust_method must be regression or standardise, not '%s'", m);
    if (!a[0]) {
        if (m[0])
            return helby_error_at(L->err, HELBY_EINPUT, L->tg_file, line, L->tg_col_method, x->goal,
                                  "adjust_method without adjust");
        return HELBY_OK;
    }
    if (x->kind != HELBY_TARGET_RELATIVE_GAP_REDUCTION)
        return helby_error_at(L->err, HELBY_EINPUT, L->tg_file, line, L->tg_col_adjust, x->goal,
                              "adjust applies to relative_gap_reduction targets (a gap) only");
    size_t n = 1;
    for (const char *p = a; *p; p++)
        n += *p == '|';
    const char **v = arena_alloc(L->s, (n + 1) * sizeof *v);
    if (!v)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    for (size_t k = 0; k < n; k++) {
        const char *e = strchr(a, '|');
        size_t len = e ? (size_t)(e - a) : strlen(a);
        char *c = arena_alloc(L->s, len + 1);
        if (!c)
            return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
        memcpy(c, a, len);
        v[k] = c;
        a += len + (e != NULL);
    }
    x->adjust = v;
    x->n_adjust = n;
    return HELBY_OK;
}

/* After derived.csv and standard.csv: each covariate a code variable (not the group), named
 * once; standardise needs a standard.csv with every covariate's column. */
static helby_status check_adjust(loader *L)
{
    helby_survey *s = &L->s->pub;
    for (size_t r = 0; r < s->n_targets; r++) {
        const helby_target *x = &s->targets[r];
        long line = L->tg_line[r], col = L->tg_col_adjust;
        for (size_t k = 0; k < x->n_adjust; k++) {
            size_t v = helby_survey_find_var(s, x->adjust[k]);
            if (v == HELBY_NO_VAR || s->vars[v].type != HELBY_TYPE_CODE || v == s->group_var)
                return helby_error_at(L->err, HELBY_EINPUT, L->tg_file, line, col, x->adjust[k],
                                      "a covariate of adjust must be a coded variable of "
                                      "codebook.csv or derived.csv other than the group");
            for (size_t q = 0; q < k; q++)
                if (!strcmp(x->adjust[q], x->adjust[k]))
                    return helby_error_at(L->err, HELBY_EINPUT, L->tg_file, line, col, x->adjust[k],
                                          "covariate named twice in adjust");
            if (!x->adjust_standardise)
                continue;
            const helby_standard *sd = L->s->has_standard ? &L->s->standard : NULL;
            int found = 0;
            for (size_t j = 0; sd && j < sd->n_vars; j++)
                found |= !strcmp(sd->vars[j], x->adjust[k]);
            if (!found)
                return helby_error_at(L->err, HELBY_EINPUT, L->tg_file, line, L->tg_col_method,
                                      x->adjust[k],
                                      "adjust_method standardise needs standard.csv with a "
                                      "column %s",
                                      x->adjust[k]);
        }
    }
    return HELBY_OK;
}

static helby_status parse_targets(loader *L, const def_file *f)
{
    static const char *const req[] = {"goal",  "measure",       "kind", "x",
                                      "group", "baseline_wave", NULL};
    table t;
    helby_status st = read_table(L->s, f, req, &t, L->err);
    if (st)
        return st;
    helby_survey *s = &L->s->pub;
    helby_target *tg = arena_alloc(L->s, (t.nrows + 1) * sizeof *tg);
    L->tg_line = arena_alloc(L->s, (t.nrows + 1) * sizeof *L->tg_line);
    if (!tg || !L->tg_line)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    L->tg_file = f->name;
    L->tg_col_adjust = cell_col(&t, "adjust");
    L->tg_col_method = cell_col(&t, "adjust_method");
    for (size_t r = 0; r < t.nrows; r++) {
        helby_target *x = &tg[r];
        long line = t.line[r];
        x->goal = cell(&t, r, "goal");
        x->label_da = cell(&t, r, "label_da");
        x->label_en = cell(&t, r, "label_en");
        x->measure = cell(&t, r, "measure");
        if (!known_measure(s, x->measure))
            return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(&t, "measure"),
                                  x->measure, "not an index, dimension or share of the survey");
        const char *kind = cell(&t, r, "kind");
        if (!strcmp(kind, "relative_gap_reduction"))
            x->kind = HELBY_TARGET_RELATIVE_GAP_REDUCTION;
        else if (!strcmp(kind, "ratio_increase"))
            x->kind = HELBY_TARGET_RATIO_INCREASE;
        else if (!strcmp(kind, "change_positive"))
            x->kind = HELBY_TARGET_CHANGE_POSITIVE;
        else
            return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(&t, "kind"),
                                  x->goal,
                                  "kind must be relative_gap_reduction, ratio_increase or "
                                  "change_positive, not '%s'",
                                  kind);
        const char *xs = cell(&t, r, "x");
        x->x = 0;
        if (xs[0] && !helby_parse_number(xs, strlen(xs), '.', &x->x))
            return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(&t, "x"), x->goal,
                                  "x must be a number, not '%s'", xs);
        x->group = cell(&t, r, "group");
        if (strcmp(x->group, "all") && strcmp(x->group, "danes") && strcmp(x->group, "minorities"))
            return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(&t, "group"),
                                  x->goal, "group must be all, danes or minorities");
        const char *b = cell(&t, r, "baseline_wave"), *tw = cell(&t, r, "target_wave");
        double bw = 0, twv = 0;
        if (!helby_parse_number(b, strlen(b), '.', &bw) || !in_list(L->waves, L->n_waves, bw))
            return helby_error_at(L->err, HELBY_EINPUT, f->name, line,
                                  cell_col(&t, "baseline_wave"), x->goal,
                                  "baseline wave '%s' is not one of the survey's waves", b);
        if (tw[0] &&
            (!helby_parse_number(tw, strlen(tw), '.', &twv) || !in_list(L->waves, L->n_waves, twv)))
            return helby_error_at(L->err, HELBY_EINPUT, f->name, line, cell_col(&t, "target_wave"),
                                  x->goal, "target wave '%s' is not one of the survey's waves", tw);
        x->baseline_wave = (long)bw;
        x->target_wave = (long)twv;
        L->tg_line[r] = line;
        if ((st = target_adjust(L, &t, r, x)))
            return st;
    }
    s->targets = tg;
    s->n_targets = t.nrows;
    return HELBY_OK;
}

/* ---- sensitivity.csv: the space of construction choices (surveys/README.md) ---- */

#define SENS_ERR(col, var, ...)                                                                    \
    helby_error_at(L->err, HELBY_EINPUT, t->file, t->line[r], cell_col(t, col), var, __VA_ARGS__)

/* The next '|'-separated name of list at *pos (trimmed) into name; 0 when none is left. */
static int next_name(const char *list, size_t *pos, char *name, size_t n)
{
    const char *p = list + *pos;
    if (!*p)
        return 0;
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    *pos += len + (bar ? 1 : 0);
    trim(&p, &len);
    snprintf(name, n, "%.*s", (int)(len < n ? len : n - 1), p);
    return 1;
}

/* Weights: "0.5..2" (uniform on the range) or "0.5|1|2"; each >= 0. */
static helby_status sens_weights(loader *L, const table *t, size_t r, helby_choice *c)
{
    const char *v = cell(t, r, "values"), *dots = strstr(v, "..");
    if (dots) {
        c->is_range = 1;
        if (!helby_parse_number(v, (size_t)(dots - v), '.', &c->low) ||
            !helby_parse_number(dots + 2, strlen(dots + 2), '.', &c->high) || !(c->low >= 0) ||
            !(c->high > c->low))
            return SENS_ERR("values", v, "a weight range is 'low..high' with 0 <= low < high");
        return HELBY_OK;
    }
    int ok = parse_codes(L->s, v, strlen(v), &c->values, &c->n_values);
    if (ok < 0)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    for (size_t k = 0; ok && k < c->n_values; k++)
        ok = c->values[k] >= 0;
    if (!ok || c->n_values < 1)
        return SENS_ERR("values", v,
                        "weights are 'low..high' or alternatives like '0.5|1|2', "
                        "each >= 0, not '%s'",
                        v);
    return HELBY_OK;
}

/* min_valid alternatives: whole numbers from 1 to the dimension's items. */
static helby_status sens_min_valid(loader *L, const table *t, size_t r, helby_choice *c,
                                   const helby_dimension *d)
{
    const char *v = cell(t, r, "values");
    int ok = parse_codes(L->s, v, strlen(v), &c->values, &c->n_values);
    if (ok < 0)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    for (size_t k = 0; ok && k < c->n_values; k++)
        ok = c->values[k] >= 1 && c->values[k] <= (double)d->n_items &&
             c->values[k] == floor(c->values[k]);
    if (!ok || c->n_values < 1)
        return SENS_ERR("values", v,
                        "min_valid alternatives are whole numbers from 1 to the "
                        "%zu items of %s, not '%s'",
                        d->n_items, d->name, v);
    return HELBY_OK;
}

/* The dimension of ix holding item v, or HELBY_NO_VAR. */
static size_t dim_of_item(const helby_index *ix, size_t v)
{
    for (size_t j = 0; j < ix->n_dims; j++)
        for (size_t q = 0; q < ix->dims[j].n_items; q++)
            if (ix->dims[j].items[q] == v)
                return j;
    return HELBY_NO_VAR;
}

/* Aggregations "arithmetic|geometric", or items that may be left out ("*": every item of
 * the dimension, or of the index). A dimension keeps at least one item. */
static helby_status sens_names(loader *L, const table *t, size_t r, helby_choice *c,
                               const helby_index *ix)
{
    const helby_survey *s = &L->s->pub;
    const char *v = cell(t, r, "values");
    double *vals = arena_alloc(L->s, (strlen(v) + s->n_vars + 2) * sizeof *vals);
    if (!vals)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    char name[256];
    size_t pos = 0, n = 0;
    while (next_name(v, &pos, name, sizeof name)) {
        if (c->kind == HELBY_CHOICE_AGGREGATION) {
            if (strcmp(name, "arithmetic") && strcmp(name, "geometric"))
                return SENS_ERR("values", name,
                                "aggregation must be arithmetic or geometric, "
                                "not '%s'",
                                name);
            vals[n++] = strcmp(name, "geometric") ? HELBY_AGG_ARITHMETIC : HELBY_AGG_GEOMETRIC;
            continue;
        }
        for (size_t j = 0; j < ix->n_dims; j++)
            for (size_t q = 0; q < ix->dims[j].n_items; q++) {
                size_t it = ix->dims[j].items[q];
                int star = !strcmp(name, "*") && (c->dim == HELBY_NO_VAR || c->dim == j);
                if (star || !strcmp(name, s->vars[it].name))
                    vals[n++] = (double)it;
            }
        size_t it = helby_survey_find_var(s, name);
        if (strcmp(name, "*") && (it == HELBY_NO_VAR || dim_of_item(ix, it) == HELBY_NO_VAR ||
                                  (c->dim != HELBY_NO_VAR && dim_of_item(ix, it) != c->dim)))
            return SENS_ERR("values", name, "%s is not an item of %s", name,
                            c->dim == HELBY_NO_VAR ? ix->name : ix->dims[c->dim].name);
    }
    for (size_t k = 0; k < n && c->kind == HELBY_CHOICE_DROP_ITEM; k++)
        if (ix->dims[dim_of_item(ix, (size_t)vals[k])].n_items < 2)
            return SENS_ERR("values", s->vars[(size_t)vals[k]].name,
                            "the only item of a dimension cannot be left out");
    if (!n)
        return SENS_ERR("values", v, "values must list at least one alternative");
    c->values = vals;
    c->n_values = n;
    return HELBY_OK;
}

/* The index and (when named) dimension of row r. */
static helby_status sens_target(loader *L, const table *t, size_t r, helby_choice *c)
{
    const helby_survey *s = &L->s->pub;
    const char *in = cell(t, r, "index"), *dn = cell(t, r, "dimension");
    for (c->index = 0; c->index < s->n_indices; c->index++)
        if (!strcmp(s->indices[c->index].name, in))
            break;
    if (c->index == s->n_indices)
        return SENS_ERR("index", in, "not an index of indices.csv");
    const helby_index *ix = &s->indices[c->index];
    c->dim = HELBY_NO_VAR;
    for (size_t j = 0; dn[0] && j < ix->n_dims; j++)
        if (!strcmp(ix->dims[j].name, dn))
            c->dim = j;
    if (dn[0] && c->dim == HELBY_NO_VAR)
        return SENS_ERR("dimension", dn, "not a dimension of index %s", in);
    int needs = c->kind == HELBY_CHOICE_WEIGHT || c->kind == HELBY_CHOICE_MIN_VALID;
    if (needs && c->dim == HELBY_NO_VAR)
        return SENS_ERR("dimension", in, "a %s choice names a dimension of %s",
                        cell(t, r, "choice"), in);
    if (c->kind == HELBY_CHOICE_AGGREGATION && c->dim != HELBY_NO_VAR)
        return SENS_ERR("dimension", dn,
                        "aggregation is the whole index's: leave dimension "
                        "empty");
    return HELBY_OK;
}

static helby_status sens_row(loader *L, const table *t, size_t r, helby_choice *c)
{
    static const char *const kinds[] = {"weight", "aggregation", "min_valid", "drop_item"};
    const char *k = cell(t, r, "choice");
    size_t kk = 0;
    while (kk < 4 && strcmp(kinds[kk], k))
        kk++;
    if (kk == 4)
        return SENS_ERR("choice", k,
                        "choice must be weight, aggregation, min_valid or "
                        "drop_item, not '%s'",
                        k);
    c->kind = (helby_choice_kind)kk;
    c->line = t->line[r];
    helby_status st = sens_target(L, t, r, c);
    if (st)
        return st;
    const helby_index *ix = &L->s->pub.indices[c->index];
    if (c->kind == HELBY_CHOICE_WEIGHT)
        return sens_weights(L, t, r, c);
    if (c->kind == HELBY_CHOICE_MIN_VALID)
        return sens_min_valid(L, t, r, c, &ix->dims[c->dim]);
    return sens_names(L, t, r, c, ix);
}

static helby_status parse_sensitivity(loader *L, const def_file *f)
{
    static const char *const req[] = {"index", "choice", "dimension", "values", NULL};
    table tb, *t = &tb;
    helby_status st = read_table(L->s, f, req, t, L->err);
    if (st)
        return st;
    helby_choice *ch = arena_alloc(L->s, (t->nrows + 1) * sizeof *ch);
    if (!ch)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    memset(ch, 0, (t->nrows + 1) * sizeof *ch);
    for (size_t r = 0; r < t->nrows; r++) {
        if ((st = sens_row(L, t, r, &ch[r])))
            return st;
        for (size_t q = 0; q < r; q++)
            if (ch[q].index == ch[r].index && ch[q].kind == ch[r].kind && ch[q].dim == ch[r].dim)
                return SENS_ERR("choice", cell(t, r, "choice"),
                                "the same choice is given on line %ld", ch[q].line);
            else if (ch[q].index == ch[r].index && ch[q].kind == HELBY_CHOICE_DROP_ITEM &&
                     ch[r].kind == HELBY_CHOICE_DROP_ITEM)
                return SENS_ERR("choice", "drop_item",
                                "items are left out one at a time: "
                                "list them on one drop_item row (line %ld)",
                                ch[q].line);
    }
    L->s->pub.choices = ch;
    L->s->pub.n_choices = t->nrows;
    return HELBY_OK;
}
#undef SENS_ERR

/* margins/2011.csv: variable;level;total. A variable may be a cross-classification
 * "sex*ageband" with levels "1*3". */
static helby_status check_margin_level(loader *L, const table *t, size_t r, const char *var,
                                       const char *level)
{
    const helby_survey *s = &L->s->pub;
    const char *vp = var, *lp = level;
    for (;;) {
        const char *ve = strchr(vp, '*'), *le = strchr(lp, '*');
        size_t vn = ve ? (size_t)(ve - vp) : strlen(vp), ln = le ? (size_t)(le - lp) : strlen(lp);
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(vn < 127 ? vn : 127), vp);
        size_t v = helby_survey_find_var(s, name);
        if (v == HELBY_NO_VAR || s->vars[v].type != HELBY_TYPE_CODE)
            return helby_error_at(L->err, HELBY_EINPUT, t->file, t->line[r],
                                  cell_col(t, "variable"), name,
                                  "margin variable is not a coded variable of codebook.csv");
        double code;
        if (!helby_parse_number(lp, ln, '.', &code) ||
            (s->vars[v].n_labels && !helby_variable_value_label(&s->vars[v], code)) ||
            (s->vars[v].has_range && (code < s->vars[v].min || code > s->vars[v].max)))
            return helby_error_at(L->err, HELBY_EINPUT, t->file, t->line[r], cell_col(t, "level"),
                                  name, "'%.*s' is not a code of %s", (int)ln, lp, name);
        if (!ve != !le)
            return helby_error_at(L->err, HELBY_EINPUT, t->file, t->line[r], cell_col(t, "level"),
                                  var, "level '%s' does not match the variables '%s'", level, var);
        if (!ve)
            return HELBY_OK;
        vp = ve + 1;
        lp = le + 1;
    }
}

static helby_status parse_margins(loader *L, const def_files *fs)
{
    helby_survey *s = &L->s->pub;
    size_t n = 0;
    for (size_t i = 0; i < fs->n; i++)
        n += strncmp(fs->f[i].name, "margins/", 8) == 0;
    helby_margins *m = arena_alloc(L->s, (n + 1) * sizeof *m);
    if (!m)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    size_t k = 0;
    static const char *const req[] = {"variable", "level", "total", NULL};
    for (size_t i = 0; i < fs->n; i++) {
        const def_file *f = &fs->f[i];
        if (strncmp(f->name, "margins/", 8) != 0)
            continue;
        double wave;
        const char *base = f->name + 8;
        const char *dot = strrchr(base, '.');
        if (!dot || strcmp(dot, ".csv") != 0 ||
            !helby_parse_number(base, (size_t)(dot - base), '.', &wave) ||
            !in_list(L->waves, L->n_waves, wave))
            return helby_error_at(L->err, HELBY_EINPUT, f->name, 0, 0, NULL,
                                  "margin files are named WAVE.csv for a wave of the survey");
        table t;
        helby_status st = read_table(L->s, f, req, &t, L->err);
        if (st)
            return st;
        helby_margin_cell *cells = arena_alloc(L->s, (t.nrows + 1) * sizeof *cells);
        if (!cells)
            return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
        for (size_t r = 0; r < t.nrows; r++) {
            cells[r].variable = cell(&t, r, "variable");
            cells[r].level = cell(&t, r, "level");
            const char *tot = cell(&t, r, "total");
            if (!helby_parse_number(tot, strlen(tot), '.', &cells[r].total) ||
                !(cells[r].total > 0))
                return helby_error_at(L->err, HELBY_EINPUT, f->name, t.line[r],
                                      cell_col(&t, "total"), cells[r].variable,
                                      "total must be a positive number, not '%s'", tot);
            if ((st = check_margin_level(L, &t, r, cells[r].variable, cells[r].level)))
                return st;
            for (size_t q = 0; q < r; q++)
                if (!strcmp(cells[q].variable, cells[r].variable) &&
                    !strcmp(cells[q].level, cells[r].level))
                    return helby_error_at(L->err, HELBY_EINPUT, f->name, t.line[r],
                                          cell_col(&t, "level"), cells[r].variable,
                                          "level %s given twice", cells[r].level);
        }
        m[k].wave = (long)wave;
        m[k].cells = cells;
        m[k].n_cells = t.nrows;
        k++;
    }
    s->margins = m;
    s->n_margins = k;
    return HELBY_OK;
}

/* ---- derived.csv: variables recoded from a codebook variable (surveys/README.md) ---- */

#define ROW_ERR(col, var, ...)                                                                     \
    helby_error_at(L->err, HELBY_EINPUT, t->file, t->line[r], cell_col(t, col), var, __VA_ARGS__)

/* 1 if x is a code a response file may hold for v (not a missing code): a whole number in
 * v's range, or labelled when v has no range (any whole number when it has neither). */
static int is_code_of(const helby_variable *v, double x)
{
    if (!isfinite(x) || x != floor(x) || helby_variable_is_missing_code(v, x))
        return 0;
    if (v->has_range)
        return x >= v->min && x <= v->max;
    return !v->n_labels || helby_variable_value_label(v, x) != NULL;
}

/* Every code of v (is_code_of), ascending, into the arena. Returns 1, 0 when they cannot be
 * listed (no range and no labels, or more than max of them), -1 out of memory. */
static int list_codes(survey_impl *s, const helby_variable *v, size_t max, double **out, size_t *n)
{
    *n = 0;
    if (!v->has_range && !v->n_labels)
        return 0;
    double lo = v->has_range ? ceil(v->min) : 0, hi = v->has_range ? floor(v->max) : 0;
    if (v->has_range && hi - lo + 1 > (double)max)
        return 0;
    size_t cap = v->has_range ? (size_t)(hi - lo + 1) : v->n_labels;
    if (!(*out = arena_alloc(s, (cap + 1) * sizeof **out)))
        return -1;
    for (size_t k = 0; v->has_range && k < cap; k++)
        if (!helby_variable_is_missing_code(v, lo + (double)k))
            (*out)[(*n)++] = lo + (double)k;
    for (size_t k = 0; !v->has_range && k < v->n_labels; k++)
        if (is_code_of(v, v->labels[k].value)) {
            size_t at = (*n)++; /* insertion sort: labels are few */
            while (at && (*out)[at - 1] > v->labels[k].value) {
                (*out)[at] = (*out)[at - 1];
                at--;
            }
            (*out)[at] = v->labels[k].value;
        }
    return *n > max ? 0 : 1;
}

/* The roles' words, which name a column on the command line (--by group): not derived names. */
static const char *const role_words[] = {"id",  "wave",  "stratum",  "psu", "weight",
                                         "fpc", "group", "district", NULL};

/* The name of derived row r: a name as the codebook's, not a codebook variable, role word,
 * measure or another derived variable. */
static helby_status derived_name(loader *L, const table *t, size_t r, const helby_variable *dv)
{
    const helby_survey *s = &L->s->pub;
    const char *name = cell(t, r, "variable");
    if (!name[0])
        return ROW_ERR("variable", NULL, "variable name is empty");
    for (const char *c = name; *c; c++)
        if (!(isalnum((unsigned char)*c) || (unsigned char)*c >= 0x80 || *c == '_' || *c == '.' ||
              *c == '-'))
            return ROW_ERR("variable", name,
                           "variable names may hold letters (also æ, ø, å), digits, '_', '.' "
                           "and '-' only");
    if (helby_survey_find_var(s, name) != HELBY_NO_VAR)
        return ROW_ERR("variable", name, "%s is a variable of codebook.csv already", name);
    for (size_t k = 0; role_words[k]; k++)
        if (!strcmp(name, role_words[k]))
            return ROW_ERR("variable", name,
                           "%s names a role on the command line (--by %s): choose another name",
                           name, name);
    if (known_measure(s, name))
        return ROW_ERR("variable", name, "%s is an index, dimension or share already", name);
    for (size_t q = 0; q < r; q++)
        if (!strcmp(dv[q].name, name))
            return ROW_ERR("variable", name, "variable defined twice (also on line %ld)",
                           t->line[q]);
    return HELBY_OK;
}

/* The source of row r: a code or real variable of the codebook that is not a design column
 * (a derived variable is not a source: no derived variable of a derived variable). */
static helby_status derived_source(loader *L, const table *t, size_t r, helby_derived *d)
{
    const helby_survey *s = &L->s->pub;
    const char *src = cell(t, r, "source");
    for (size_t q = 0; q < t->nrows; q++)
        if (!strcmp(cell(t, q, "variable"), src))
            return ROW_ERR("source", src,
                           "%s is a derived variable (line %ld): a derived variable is made from "
                           "a variable of codebook.csv",
                           src, t->line[q]);
    d->source = helby_survey_find_var(s, src);
    if (d->source == HELBY_NO_VAR)
        return ROW_ERR("source", src, "source '%s' is not a variable of codebook.csv", src);
    const helby_variable *v = &s->vars[d->source];
    if (v->type == HELBY_TYPE_TEXT)
        return ROW_ERR("source", src, "%s is a text variable: only code and real variables recode",
                       src);
    if (v->role != HELBY_ROLE_ITEM && v->role != HELBY_ROLE_COVARIATE &&
        v->role != HELBY_ROLE_GROUP && v->role != HELBY_ROLE_DISTRICT)
        return ROW_ERR("source", src,
                       "%s is a design column: recode an item, a covariate, the group or the "
                       "district",
                       src);
    return HELBY_OK;
}

/* One band "LOW-HIGH", "LOW-" (LOW and above), "-HIGH" (HIGH and below) or "X" (X only).
 * The separator is the first '-' after a digit, '.' or space, so "-5--1" is -5 to -1. */
static int parse_band(const char *p, size_t n, double *lo, double *hi)
{
    trim(&p, &n);
    size_t sep = n;
    for (size_t i = 1; i < n && sep == n; i++)
        if (p[i] == '-' && (isdigit((unsigned char)p[i - 1]) || p[i - 1] == '.' || p[i - 1] == ' '))
            sep = i;
    if (sep == n && n && p[0] == '-')
        sep = 0;
    if (sep == n)
        return helby_parse_number(p, n, '.', lo) && isfinite(*lo) && (*hi = *lo, 1);
    const char *a = p, *b = p + sep + 1;
    size_t an = sep, bn = n - sep - 1;
    trim(&a, &an);
    trim(&b, &bn);
    *lo = -HUGE_VAL;
    *hi = HUGE_VAL;
    if ((!an && !bn) || (an && !(helby_parse_number(a, an, '.', lo) && isfinite(*lo))) ||
        (bn && !(helby_parse_number(b, bn, '.', hi) && isfinite(*hi))))
        return 0;
    return 1;
}

/* bands: "18-29|30-44|45-64|65-", increasing and disjoint; band k is code k + 1. */
static helby_status parse_bands(loader *L, const table *t, size_t r, helby_derived *d)
{
    const char *rule = cell(t, r, "rule");
    size_t n = 1;
    for (const char *c = rule; *c; c++)
        n += *c == '|';
    double *lo = arena_alloc(L->s, n * sizeof *lo), *hi = arena_alloc(L->s, n * sizeof *hi);
    if (!lo || !hi)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    const char *p = rule;
    for (size_t k = 0; k < n; k++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (!parse_band(p, len, &lo[k], &hi[k]))
            return ROW_ERR("rule", cell(t, r, "variable"),
                           "a band is LOW-HIGH, LOW- or -HIGH (inclusive), as in "
                           "'18-29|30-44|65-', not '%.*s'",
                           (int)len, p);
        if (lo[k] > hi[k])
            return ROW_ERR("rule", cell(t, r, "variable"), "band '%.*s' runs downwards", (int)len,
                           p);
        if (k && !(hi[k - 1] < lo[k]))
            return ROW_ERR("rule", cell(t, r, "variable"),
                           "bands go upwards without overlapping: '%.*s' does not start above "
                           "band %zu",
                           (int)len, p, k);
        p += len + (bar ? 1 : 0);
    }
    d->low = lo;
    d->high = hi;
    d->n_rules = n;
    return HELBY_OK;
}

/* One "FROM,FROM=TO" of a merge into d's pairs; an empty TO leaves the codes missing. */
static helby_status merge_item(loader *L, const table *t, size_t r, const char *p, size_t n,
                               helby_derived *d, double *from, double *to)
{
    const helby_variable *src = &L->s->pub.vars[d->source];
    const char *eqs = memchr(p, '=', n), *var = cell(t, r, "variable");
    const double *codes;
    size_t nc = 0, tn = eqs ? n - (size_t)(eqs - p) - 1 : 0;
    double target = NAN;
    const char *tp = eqs ? eqs + 1 : p;
    trim(&tp, &tn);
    int ok = eqs ? parse_codes(L->s, p, (size_t)(eqs - p), &codes, &nc) : 0;
    if (ok < 0)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    if (ok && tn)
        ok =
            helby_parse_number(tp, tn, '.', &target) && isfinite(target) && target == floor(target);
    if (!ok || !nc)
        return ROW_ERR("rule", var,
                       "a merge is 'CODES=CODE|…' with whole numbers, as in '1=1|2,3=2' ('4=' "
                       "leaves 4 missing), not '%.*s'",
                       (int)n, p);
    for (size_t k = 0; k < nc; k++) {
        double c = codes[k];
        if (helby_variable_is_missing_code(src, c))
            return ROW_ERR("rule", var, "%g is a missing code of %s: missing codes stay missing", c,
                           src->name);
        if (!is_code_of(src, c))
            return ROW_ERR("rule", var, "%g is not a code of %s", c, src->name);
        for (size_t q = 0; q < d->n_rules; q++)
            if (from[q] == c)
                return ROW_ERR("rule", var, "code %g of %s is merged twice", c, src->name);
        from[d->n_rules] = c;
        to[d->n_rules++] = target;
    }
    return HELBY_OK;
}

/* merge: "1=1|2,3=2" (source codes = the derived code); every code of the source named. */
static helby_status parse_merge(loader *L, const table *t, size_t r, helby_derived *d)
{
    const char *rule = cell(t, r, "rule");
    size_t cap = strlen(rule) / 2 + 2;
    double *from = arena_alloc(L->s, cap * sizeof *from), *to = arena_alloc(L->s, cap * sizeof *to);
    if (!from || !to)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    d->n_rules = 0;
    for (const char *p = rule;;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        helby_status st = merge_item(L, t, r, p, len, d, from, to);
        if (st)
            return st;
        if (!bar)
            break;
        p = bar + 1;
    }
    d->from = from;
    d->to = to;
    return HELBY_OK;
}

/* 1 if d's rule gives source value x a band or names it in a merge. */
static int rule_covers(const helby_derived *d, double x, size_t *band)
{
    for (size_t k = 0; k < d->n_rules; k++)
        if (d->kind == HELBY_DERIVED_BANDS ? d->low[k] <= x && x <= d->high[k] : d->from[k] == x) {
            *band = k;
            return 1;
        }
    return 0;
}

/* Every code of a code source must be in a band or named by the merge. */
static helby_status derived_covers(loader *L, const table *t, size_t r, const helby_derived *d)
{
    const helby_variable *src = &L->s->pub.vars[d->source];
    size_t k = 0;
    double miss = NAN;
    if (src->type != HELBY_TYPE_CODE)
        return HELBY_OK; /* a real value in no band is missing (surveys/README.md, derived.csv) */
    if (src->has_range) {
        /* A band covers a run of codes: jump past it; a merge names each (found within
         * n_rules + 1 steps, its codes being distinct codes of the range). */
        for (double c = ceil(src->min), next; c <= src->max && isnan(miss); c = next) {
            if (!helby_variable_is_missing_code(src, c) && !rule_covers(d, c, &k))
                miss = c;
            next = d->kind == HELBY_DERIVED_BANDS && rule_covers(d, c, &k) ? floor(d->high[k]) + 1
                                                                           : c + 1;
            if (!(next > c))
                break; /* past 2^53 (or an open band): no further whole number to check */
        }
    } else
        for (size_t q = 0; q < src->n_labels && isnan(miss); q++)
            if (is_code_of(src, src->labels[q].value) && !rule_covers(d, src->labels[q].value, &k))
                miss = src->labels[q].value;
    if (isnan(miss))
        return HELBY_OK;
    if (d->kind == HELBY_DERIVED_BANDS)
        return ROW_ERR("rule", cell(t, r, "variable"), "code %g of %s is in no band", miss,
                       src->name);
    return ROW_ERR("rule", cell(t, r, "variable"),
                   "code %g of %s is not merged: give it a code, or write '%g=' to leave it "
                   "missing",
                   miss, src->name, miss);
}

/* The codes d makes (bands 1..n, a merge's distinct targets), ascending, into the arena. */
static size_t derived_codes(survey_impl *s, const helby_derived *d, double **out)
{
    if (!(*out = arena_alloc(s, (d->n_rules + 1) * sizeof **out)))
        return (size_t)-1;
    size_t n = 0;
    for (size_t k = 0; k < d->n_rules; k++) {
        double c = d->kind == HELBY_DERIVED_BANDS ? (double)(k + 1) : d->to[k];
        if (isnan(c) || in_list(*out, n, c))
            continue;
        size_t at = n++;
        while (at && (*out)[at - 1] > c) {
            (*out)[at] = (*out)[at - 1];
            at--;
        }
        (*out)[at] = c;
    }
    return n;
}

/* A band's own text as its label when values is empty: "18-29", "65+", "≤17", "5". */
static helby_status band_labels(loader *L, helby_variable *v, const helby_derived *d)
{
    helby_value_label *lab = arena_alloc(L->s, d->n_rules * sizeof *lab);
    if (!lab)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    for (size_t k = 0; k < d->n_rules; k++) {
        char text[80];
        double lo = d->low[k], hi = d->high[k];
        if (hi == HUGE_VAL)
            snprintf(text, sizeof text, "%.15g+", lo);
        else if (lo == -HUGE_VAL)
            snprintf(text, sizeof text, "≤%.15g", hi);
        else if (lo == hi)
            snprintf(text, sizeof text, "%.15g", lo);
        else
            snprintf(text, sizeof text, "%.15g-%.15g", lo, hi);
        lab[k].value = (double)(k + 1);
        if (!(lab[k].label = arena_strndup(L->s, text, strlen(text))))
            return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    }
    v->labels = lab;
    v->n_labels = d->n_rules;
    return HELBY_OK;
}

/* The value labels of row r: exactly the codes d makes (a band's text when values is empty);
 * the range is the codes' when they are consecutive. */
static helby_status derived_labels(loader *L, const table *t, size_t r, helby_variable *v,
                                   const helby_derived *d)
{
    double *codes;
    size_t n = derived_codes(L->s, d, &codes);
    helby_status st = n == (size_t)-1 ? helby_error_set(L->err, HELBY_ENOMEM, "out of memory")
                                      : parse_labels(L, t, r, v);
    if (st)
        return st;
    if (!n)
        return ROW_ERR("rule", v->name, "the merge leaves every code missing");
    for (size_t k = 0; k < v->n_labels; k++)
        if (!in_list(codes, n, v->labels[k].value))
            return ROW_ERR("values", v->name, "code %g is labelled, but the rule makes no code %g",
                           v->labels[k].value, v->labels[k].value);
    if (!v->n_labels && d->kind == HELBY_DERIVED_BANDS && (st = band_labels(L, v, d)))
        return st;
    for (size_t k = 0; k < n; k++)
        if (!helby_variable_value_label(v, codes[k]))
            return ROW_ERR("values", v->name,
                           "code %g has no label: values labels every code the rule makes, as "
                           "in '1=Danish origin|2=Minorities'",
                           codes[k]);
    if ((st = check_labels_en(L, t, r, v)))
        return st;
    v->min = codes[0];
    v->max = codes[n - 1];
    v->has_range = codes[n - 1] - codes[0] == (double)(n - 1);
    return HELBY_OK;
}

static helby_status derived_row(loader *L, const table *t, size_t r, helby_variable *dv,
                                helby_derived *d)
{
    helby_variable *v = &dv[r];
    helby_status st = derived_name(L, t, r, dv);
    if (st || (st = derived_source(L, t, r, d)))
        return st;
    v->name = cell(t, r, "variable");
    v->label_da = cell(t, r, "label_da");
    v->label_en = cell(t, r, "label_en");
    v->role = HELBY_ROLE_COVARIATE;
    v->type = HELBY_TYPE_CODE;
    d->line = t->line[r];
    const char *kind = cell(t, r, "kind");
    if (!strcmp(kind, "bands"))
        d->kind = HELBY_DERIVED_BANDS;
    else if (!strcmp(kind, "merge"))
        d->kind = HELBY_DERIVED_MERGE;
    else
        return ROW_ERR("kind", v->name, "kind must be bands or merge, not '%s'", kind);
    const helby_variable *src = &L->s->pub.vars[d->source];
    if (d->kind == HELBY_DERIVED_MERGE && src->type != HELBY_TYPE_CODE)
        return ROW_ERR("kind", v->name, "a merge needs a code variable; %s is real: use bands",
                       src->name);
    if ((st = d->kind == HELBY_DERIVED_BANDS ? parse_bands(L, t, r, d) : parse_merge(L, t, r, d)) ||
        (st = derived_covers(L, t, r, d)))
        return st;
    return derived_labels(L, t, r, v, d);
}

/* The derived variables go after the codebook's in one array: vars[n_vars + k] is
 * derived[k]'s, so helby_survey_find_var finds both and vars[0 .. n_vars) stay the columns. */
static helby_status parse_derived(loader *L, const def_file *f)
{
    static const char *const req[] = {"variable", "label_da", "label_en", "source",
                                      "kind",     "rule",     NULL};
    table tb, *t = &tb;
    helby_status st = read_table(L->s, f, req, t, L->err);
    if (st)
        return st;
    helby_survey *s = &L->s->pub;
    helby_variable *vars = arena_alloc(L->s, (s->n_vars + t->nrows) * sizeof *vars);
    helby_derived *d = arena_alloc(L->s, (t->nrows + 1) * sizeof *d);
    if (!vars || !d)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    memcpy(vars, s->vars, s->n_vars * sizeof *vars);
    for (size_t r = 0; r < t->nrows; r++) {
        if ((st = derived_row(L, t, r, vars + s->n_vars, &d[r])))
            return st;
        d[r].var = s->n_vars + r;
    }
    s->vars = vars;
    s->derived = d;
    s->n_derived = t->nrows;
    return HELBY_OK;
}

/* ---- standard.csv: a standard population over cells of code variables ---- */

#define STD_MAX_CELLS 100000

typedef struct std_row {
    double codes[8];
    size_t nv;
    long line;
} std_row;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int same_codes(const double *a, const double *b, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (a[j] != b[j])
            return 0;
    return 1;
}

static int cmp_std_row(const void *a, const void *b)
{
    const std_row *x = a, *y = b;
    for (size_t j = 0; j < x->nv; j++)
        if (x->codes[j] != y->codes[j])
            return x->codes[j] < y->codes[j] ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

/* The header: 1 to 8 code variables (codebook or derived, not the group or the wave), then
 * population. */
static helby_status standard_header(loader *L, const table *t, helby_standard *sd, size_t *vix)
{
    const helby_survey *s = &L->s->pub;
    const char *file = t->file;
    size_t nv = t->ncols - 1;
    if (col_of(t, "population") != (long)nv)
        return helby_error_at(L->err, HELBY_EINPUT, file, 1, cell_col(t, "population"), NULL,
                              "population is the last column, after the variables");
    if (nv < 1 || nv > 8)
        return helby_error_at(L->err, HELBY_EINPUT, file, 1, 1, NULL,
                              "a standard population has 1 to 8 variables before population, not "
                              "%zu",
                              nv);
    for (size_t j = 0; j < nv; j++) {
        const char *name = t->head[j];
        size_t v = helby_survey_find_var(s, name);
        if (v == HELBY_NO_VAR || s->vars[v].type != HELBY_TYPE_CODE || strlen(name) >= 64)
            return helby_error_at(L->err, HELBY_EINPUT, file, 1, (long)j + 1, name,
                                  "'%s' is not a code variable of codebook.csv or derived.csv",
                                  name);
        if (v == s->group_var || v == s->wave_var)
            return helby_error_at(L->err, HELBY_EINPUT, file, 1, (long)j + 1, name,
                                  "%s is the %s: groups are what is compared and waves are apart, "
                                  "neither is standardised over",
                                  name, v == s->group_var ? "group" : "wave");
        for (size_t q = 0; q < j; q++)
            if (vix[q] == v)
                return helby_error_at(L->err, HELBY_EINPUT, file, 1, (long)j + 1, name,
                                      "%s is named twice", name);
        vix[j] = v;
        snprintf(sd->vars[j], sizeof sd->vars[j], "%s", name);
    }
    sd->n_vars = nv;
    return HELBY_OK;
}

/* Row r's codes (each a code of its variable) and population (> 0, finite). */
static helby_status standard_row(loader *L, const table *t, size_t r, const size_t *vix,
                                 helby_standard *sd, std_row *row)
{
    const helby_survey *s = &L->s->pub;
    row->nv = sd->n_vars;
    row->line = t->line[r];
    for (size_t j = 0; j < sd->n_vars; j++) {
        const char *c = t->cells[r][j];
        const helby_variable *v = &s->vars[vix[j]];
        if (!helby_parse_number(c, strlen(c), '.', &row->codes[j]) || !is_code_of(v, row->codes[j]))
            return helby_error_at(L->err, HELBY_EINPUT, t->file, t->line[r], (long)j + 1, v->name,
                                  "'%s' is not a code of %s", c, v->name);
        row->codes[j] += 0.0; /* -0 is 0 */
        sd->codes[r * sd->n_vars + j] = row->codes[j];
    }
    const char *p = t->cells[r][sd->n_vars];
    double *pop = &sd->population[r];
    if (!helby_parse_number(p, strlen(p), '.', pop) || !isfinite(*pop) || !(*pop > 0))
        return helby_error_at(L->err, HELBY_EINPUT, t->file, t->line[r], (long)sd->n_vars + 1, NULL,
                              "population must be a positive number, not '%s'", p);
    return HELBY_OK;
}

/* Text "sex=1, ageband=4" of a cell, for messages. */
static void cell_text(const helby_standard *sd, const double *codes, char *out, size_t n)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t j = 0; j < sd->n_vars && o < n; j++)
        o += (size_t)snprintf(out + o, n - o, "%s%s=%g", j ? ", " : "", sd->vars[j], codes[j]);
}

/* Rows sorted by their codes: no cell twice, and every cell of the cross-classification of
 * the variables' codes (their codebook codes; those in the file when they cannot be listed). */
static helby_status standard_cells(loader *L, const table *t, const size_t *vix,
                                   const helby_standard *sd, std_row *rows)
{
    qsort(rows, sd->n_cells, sizeof *rows, cmp_std_row);
    for (size_t k = 1; k < sd->n_cells; k++)
        if (same_codes(rows[k].codes, rows[k - 1].codes, sd->n_vars))
            return helby_error_at(L->err, HELBY_EINPUT, t->file, rows[k].line, 1, NULL,
                                  "this cell is given on line %ld already", rows[k - 1].line);
    double *codes[8];
    size_t nc[8], cells = 1;
    for (size_t j = 0; j < sd->n_vars; j++) {
        int ok = list_codes(L->s, &L->s->pub.vars[vix[j]], STD_MAX_CELLS, &codes[j], &nc[j]);
        if (ok < 0)
            return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
        if (!ok) { /* the codes the file has, ascending */
            if (!(codes[j] = arena_alloc(L->s, (sd->n_cells + 1) * sizeof *codes[j])))
                return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
            nc[j] = 0;
            for (size_t k = 0; k < sd->n_cells; k++)
                if (!in_list(codes[j], nc[j], rows[k].codes[j]))
                    codes[j][nc[j]++] = rows[k].codes[j];
            qsort(codes[j], nc[j], sizeof *codes[j], cmp_double);
        }
        if ((cells *= nc[j]) > STD_MAX_CELLS)
            return helby_error_at(L->err, HELBY_EINPUT, t->file, 1, (long)j + 1, NULL,
                                  "more than %d cells: merge codes with derived.csv",
                                  STD_MAX_CELLS);
    }
    /* Walk the cross-classification in the rows' order beside the sorted rows. */
    size_t at[8] = {0}, k = 0;
    for (size_t c = 0; c < cells; c++) {
        double want[8];
        for (size_t j = 0; j < sd->n_vars; j++)
            want[j] = codes[j][at[j]];
        if (k < sd->n_cells && same_codes(rows[k].codes, want, sd->n_vars))
            k++;
        else {
            char text[600];
            cell_text(sd, want, text, sizeof text);
            return helby_error_at(L->err, HELBY_EINPUT, t->file, 0, 0, NULL,
                                  "no row for the cell %s: every combination of the variables' "
                                  "codes needs a population (merge codes in derived.csv for a "
                                  "coarser standard)",
                                  text);
        }
        for (size_t j = sd->n_vars; j-- > 0;)
            if (++at[j] < nc[j])
                break;
            else
                at[j] = 0;
    }
    return HELBY_OK;
}

static helby_status parse_standard(loader *L, const def_file *f)
{
    static const char *const req[] = {"population", NULL};
    table tb, *t = &tb;
    helby_status st = read_table(L->s, f, req, t, L->err);
    if (st)
        return st;
    helby_standard *sd = &L->s->standard;
    size_t vix[8];
    if ((st = standard_header(L, t, sd, vix)))
        return st;
    if (!t->nrows)
        return helby_error_at(L->err, HELBY_EINPUT, f->name, 2, 0, NULL,
                              "the standard population has no cells");
    if (t->nrows > STD_MAX_CELLS)
        return helby_error_at(L->err, HELBY_EINPUT, f->name, t->line[STD_MAX_CELLS], 0, NULL,
                              "more than %d cells: merge codes with derived.csv", STD_MAX_CELLS);
    sd->n_cells = t->nrows;
    sd->codes = arena_alloc(L->s, t->nrows * sd->n_vars * sizeof *sd->codes);
    sd->population = arena_alloc(L->s, t->nrows * sizeof *sd->population);
    std_row *rows = malloc(t->nrows * sizeof *rows);
    if (!sd->codes || !sd->population || !rows) {
        free(rows);
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    }
    for (size_t r = 0; r < t->nrows && !st; r++)
        st = standard_row(L, t, r, vix, sd, &rows[r]);
    if (!st)
        st = standard_cells(L, t, vix, sd, rows);
    free(rows);
    L->s->has_standard = st == HELBY_OK;
    return st;
}

/* ---- districts.csv: the districts' places on the report's tile map ---- */

/* A tile's row or column: a whole number 1 .. HELBY_TILE_MAX, written as digits. */
static int parse_tile_pos(const char *c, int *out)
{
    size_t n = strlen(c);
    if (n < 1 || n > 2)
        return 0;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (c[i] < '0' || c[i] > '9')
            return 0;
        v = v * 10 + (c[i] - '0');
    }
    *out = v;
    return v >= 1 && v <= HELBY_TILE_MAX;
}

/* Row r: a code of the district variable given once, a free place on the grid. */
static helby_status tile_row(loader *L, const table *t, size_t r, helby_district_tile *tiles)
{
    const helby_variable *v = &L->s->pub.vars[L->s->pub.district_var];
    const char *c = cell(t, r, "code");
    double code;
    if (!helby_parse_number(c, strlen(c), '.', &code) || !is_code_of(v, code))
        return ROW_ERR("code", v->name, "'%s' is not a code of the district variable %s", c,
                       v->name);
    helby_district_tile *x = &tiles[r];
    x->code = code + 0.0; /* -0 is 0 */
    const char *names[2] = {"row", "col"};
    int *pos[2] = {&x->row, &x->col};
    for (int k = 0; k < 2; k++) {
        const char *p = cell(t, r, names[k]);
        if (!parse_tile_pos(p, pos[k]))
            return ROW_ERR(names[k], NULL, "%s must be a whole number from 1 to %d, not '%s'",
                           names[k], HELBY_TILE_MAX, p);
    }
    for (size_t q = 0; q < r; q++) {
        if (tiles[q].code == x->code)
            return ROW_ERR("code", v->name, "district %s has a tile on line %ld already", c,
                           t->line[q]);
        if (tiles[q].row == x->row && tiles[q].col == x->col)
            return ROW_ERR("row", NULL, "row %d, col %d is already district %g's tile (line %ld)",
                           x->row, x->col, tiles[q].code, t->line[q]);
    }
    return HELBY_OK;
}

/* Every code of the district variable needs a tile (when its codes can be listed): a map
 * without a district would look complete and be wrong. */
static helby_status tiles_cover(loader *L, const table *t, const helby_district_tile *tiles)
{
    const helby_variable *v = &L->s->pub.vars[L->s->pub.district_var];
    double *codes;
    size_t nc;
    int ok = list_codes(L->s, v, 4096, &codes, &nc);
    if (ok < 0)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    for (size_t k = 0; ok && k < nc; k++) {
        size_t q = 0;
        while (q < t->nrows && tiles[q].code != codes[k])
            q++;
        if (q == t->nrows) {
            const char *lab = helby_variable_value_label(v, codes[k]);
            return helby_error_at(L->err, HELBY_EINPUT, t->file, 0, 0, v->name,
                                  "district %g%s%s%s has no tile: give every district a row and "
                                  "col",
                                  codes[k], lab ? " (" : "", lab ? lab : "", lab ? ")" : "");
        }
    }
    return HELBY_OK;
}

static helby_status parse_districts(loader *L, const def_file *f)
{
    static const char *const req[] = {"code", "row", "col", NULL};
    table tb, *t = &tb;
    helby_status st = read_table(L->s, f, req, t, L->err);
    if (st)
        return st;
    if (!t->nrows)
        return helby_error_at(L->err, HELBY_EINPUT, f->name, 2, 0, NULL,
                              "no districts: give each district code a row and col, or remove "
                              "the file");
    helby_district_tile *tiles = arena_alloc(L->s, t->nrows * sizeof *tiles);
    if (!tiles)
        return helby_error_set(L->err, HELBY_ENOMEM, "out of memory");
    for (size_t r = 0; r < t->nrows && !st; r++)
        st = tile_row(L, t, r, tiles);
    if (st || (st = tiles_cover(L, t, tiles)))
        return st;
    L->s->pub.tiles = tiles;
    L->s->pub.n_tiles = t->nrows;
    return HELBY_OK;
}
#undef ROW_ERR

/* A file's check: *ok when it passed. With a list (helby_survey_check) its error is listed
 * and OK returned, so that the files that do not build on it are checked too. */
static helby_status step(loader *L, helby_status st, size_t listed, int *ok)
{
    st = soft(&L->se, st, L->err);
    *ok = !st && L->se.n == listed;
    return st;
}

/* The errors listed before call runs: those it lists itself make its file's check fail. */
#define STEP(call, ok) (n0 = L->se.n, step(L, (call), n0, (ok)))

/* The files that build on survey.ini and the codebook, in the order of their dependencies:
 * targets on indices and shares, sensitivity on indices, margins and standard.csv on
 * derived.csv, targets' adjust on derived.csv and standard.csv. A file whose inputs have an
 * error is not checked (its errors would be their consequences). */
static helby_status later_files(loader *L, const def_files *fs)
{
    const def_file *sh = find_file(fs, "shares.csv"), *tg = find_file(fs, "targets.csv");
    const def_file *sv = find_file(fs, "sensitivity.csv"), *dv = find_file(fs, "derived.csv");
    const def_file *sp = find_file(fs, "standard.csv"), *ds = find_file(fs, "districts.csv");
    int ix = 0, sh_ok = 1, tg_ok = 1, sv_ok = 1, dv_ok = 1, mg_ok = 1, sp_ok = 1, ds_ok = 1;
    int adj_ok = 1;
    size_t n0;
    helby_status st;
    if ((st = STEP(parse_indices(L, find_file(fs, "indices.csv")), &ix)) ||
        (sh && (st = STEP(parse_shares(L, sh), &sh_ok))) ||
        (tg && ix && sh_ok && (st = STEP(parse_targets(L, tg), &tg_ok))) ||
        (sv && ix && (st = STEP(parse_sensitivity(L, sv), &sv_ok))) ||
        (dv && (st = STEP(parse_derived(L, dv), &dv_ok))) ||
        (dv_ok && (st = STEP(parse_margins(L, fs), &mg_ok))) ||
        (sp && dv_ok && (st = STEP(parse_standard(L, sp), &sp_ok))) ||
        (ds && (st = STEP(parse_districts(L, ds), &ds_ok))))
        return st;
    if (ix && sh_ok && tg_ok && dv_ok && sp_ok)
        st = STEP(check_adjust(L), &adj_ok);
    return st;
}
#undef STEP

static helby_status from_blob(helby_survey **out, const char *blob, size_t len,
                              helby_error_list *errs, helby_error *err)
{
    *out = NULL;
    survey_impl *s = calloc(1, sizeof *s);
    if (!s)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    s->blob = malloc(len + 1);
    if (!s->blob) {
        free(s);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    memcpy(s->blob, blob, len);
    s->blob[len] = '\0';
    s->blob_len = len;
    helby_sha256_hex(s->blob, len, s->pub.hash);
    def_files fs = {0};
    loader L = {.s = s, .err = err, .se = {.list = errs}};
    size_t first_listed = errs ? errs->count : 0;
    helby_status st = split_blob(s->blob, len, &fs, err);
    if (st)
        goto fail;
    const char *required[] = {"survey.ini", "codebook.csv", "indices.csv"};
    for (size_t i = 0; i < 3; i++)
        if (!find_file(&fs, required[i])) {
            st = helby_error_at(err, HELBY_EINPUT, required[i], 0, 0, NULL,
                                "the survey definition has no %s", required[i]);
            goto fail;
        }
    /* survey.ini and the codebook do not depend on each other: both are checked in full
     * before anything that builds on them (with a list, an error that stops one of them is
     * listed and the other is still checked). */
    if ((st = soft(&L.se, parse_survey_ini(&L, find_file(&fs, "survey.ini")), err)) ||
        (st = soft(&L.se, parse_codebook(&L, find_file(&fs, "codebook.csv")), err)))
        goto fail;
    if (!L.se.n &&
        ((st = resolve_roles(&L)) || (st = parse_replicates(&L)) || (st = check_waves_codes(&L))))
        goto fail;
    if (!L.se.n && (st = later_files(&L, &fs)))
        goto fail;
    if (L.se.n) {
        if (first_listed < errs->count)
            *err = errs->items[first_listed]; /* the first, as without a list */
        st = HELBY_EINPUT;
        goto fail;
    }
    free(fs.f);
    *out = &s->pub;
    return HELBY_OK;
fail:
    if (errs && st == HELBY_EINPUT && !L.se.n)
        helby_error_list_add(errs, err); /* a later file's first error */
    free(fs.f);
    helby_survey_free(&s->pub);
    return st;
}

helby_status helby_survey_from_blob(helby_survey **out, const char *blob, size_t len,
                                    helby_error *err)
{
    return from_blob(out, blob, len, NULL, err);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static helby_status add_file(helby_buf *b, const char *dir, const char *rel, int required,
                             helby_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    unsigned char *data = NULL;
    size_t len = 0;
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        if (!required && errno == ENOENT)
            return HELBY_OK;
        return helby_error_at(err, HELBY_EINPUT, path, 0, 0, NULL, "cannot read: %s",
                              strerror(errno));
    }
    fclose(probe);
    helby_status st = helby_read_file(path, &data, &len, NULL, err);
    if (st)
        return st == HELBY_EIO ? (err->code = HELBY_EINPUT) : st;
    char head[512];
    int hn = snprintf(head, sizeof head, "file %s %zu\n", rel, len);
    int bad = helby_buf_append(b, head, (size_t)hn) || helby_buf_append(b, data, len) ||
              helby_buf_append(b, "\n", 1);
    free(data);
    return bad ? helby_error_set(err, HELBY_ENOMEM, "out of memory") : HELBY_OK;
}

/* Name the directory in errors about its files. */
static void prefix_dir(helby_error *err, const char *dir)
{
    size_t dn = strlen(dir);
    /* already named by the directory: "DIR/…" (a file "codebook.csv" of DIR "c" is not) */
    int named = err && strncmp(err->file, dir, dn) == 0 && err->file[dn] == '/';
    if (err && err->file[0] && err->file[0] != '/' && !named) {
        char full[2 * HELBY_ERROR_FILE_MAX];
        snprintf(full, sizeof full, "%s/%s", dir, err->file);
        size_t n = strlen(full);
        if (n >= sizeof err->file)
            n = sizeof err->file - 1;
        memcpy(err->file, full, n);
        err->file[n] = '\0';
    }
}

static helby_status load_dir(helby_survey **out, const char *dir, helby_error_list *errs,
                             helby_error *err)
{
    *out = NULL;
    helby_buf b = {0};
    helby_status st = HELBY_OK;
    if (helby_buf_append(&b, BLOB_MAGIC, strlen(BLOB_MAGIC)))
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    DIR *probe = opendir(dir);
    if (!probe) {
        helby_buf_free(&b);
        return helby_error_at(err, HELBY_EINPUT, dir, 0, 0, NULL,
                              "cannot open survey definition directory: %s", strerror(errno));
    }
    closedir(probe);
    static const char *const files[] = {"survey.ini",  "codebook.csv", "indices.csv",
                                        "shares.csv",  "targets.csv",  "sensitivity.csv",
                                        "derived.csv", "standard.csv", "districts.csv"};
    /* An optional file absent adds nothing, so definitions without it keep their hash. */
    for (size_t i = 0; i < sizeof files / sizeof files[0] && !st; i++)
        st = add_file(&b, dir, files[i], i < 3, err);
    /* margins/NNNN.csv in name order, so the hash does not depend on the directory listing. */
    char mdir[4096];
    snprintf(mdir, sizeof mdir, "%s/margins", dir);
    DIR *d = st ? NULL : opendir(mdir);
    if (d) {
        char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *e;
        while (!st && (e = readdir(d)) != NULL) {
            size_t l = strlen(e->d_name);
            if (l < 5 || strcmp(e->d_name + l - 4, ".csv") != 0)
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                char **p = realloc(names, cap * sizeof *p);
                if (!p) {
                    st = helby_error_set(err, HELBY_ENOMEM, "out of memory");
                    break;
                }
                names = p;
            }
            if (!(names[n] = malloc(l + 9))) {
                st = helby_error_set(err, HELBY_ENOMEM, "out of memory");
                break;
            }
            snprintf(names[n], l + 9, "margins/%s", e->d_name);
            n++;
        }
        closedir(d);
        if (n)
            qsort(names, n, sizeof *names, cmp_str);
        for (size_t i = 0; i < n; i++) {
            if (!st)
                st = add_file(&b, dir, names[i], 1, err);
            free(names[i]);
        }
        free(names);
    }
    size_t first_listed = errs ? errs->count : 0;
    if (!st)
        st = from_blob(out, b.data, b.len, errs, err);
    if (st == HELBY_EINPUT) {
        prefix_dir(err, dir);
        for (size_t i = first_listed; errs && i < errs->count; i++)
            prefix_dir(&errs->items[i], dir);
    }
    helby_buf_free(&b);
    return st;
}

helby_status helby_survey_load(helby_survey **out, const char *dir, helby_error *err)
{
    return load_dir(out, dir, NULL, err);
}

/* An error at the place of a TODO (the TODO's consequence: "unknown role 'TODO'"). */
static int at_todo(const helby_error *e, const helby_error *todo, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(e->file, todo[i].file) && e->line && e->line == todo[i].line &&
            (!e->column || !todo[i].column || e->column == todo[i].column))
            return 1;
    return 0;
}

static int cmp_place(const void *pa, const void *pb)
{
    const helby_error *a = pa, *b = pb;
    int ra = helby_survey_todo_file_rank(a->file), rb = helby_survey_todo_file_rank(b->file);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return a->column < b->column ? -1 : a->column > b->column;
}

/* Errors from first on, with the TODOs of dir among them in file order: an error where a TODO
 * stands is the TODO's and left out. Returns the TODOs found (0 when none or out of memory). */
static size_t list_todos(const char *dir, helby_error_list *errs, size_t first)
{
    helby_error_list todo;
    helby_error_list_init(&todo, 1000);
    size_t n = 0;
    if (helby_survey_todos(dir, &todo, &n) || !n) {
        helby_error_list_free(&todo);
        return 0;
    }
    size_t k = first;
    for (size_t i = first; i < errs->count; i++)
        if (!at_todo(&errs->items[i], todo.items, todo.count))
            errs->items[k++] = errs->items[i];
    errs->total -= errs->count - k;
    errs->count = k;
    for (size_t i = 0; i < todo.count; i++)
        helby_error_list_add(errs, &todo.items[i]);
    /* qsort is not stable: errors of one place keep their order by line and column only. */
    qsort(errs->items + first, errs->count - first, sizeof *errs->items, cmp_place);
    helby_error_list_free(&todo);
    return n;
}

helby_status helby_survey_check(helby_survey **out, const char *dir, helby_error_list *errs,
                                helby_error *err)
{
    size_t first_listed = errs->count;
    helby_status st = load_dir(out, dir, errs, err);
    /* Errors before the definition is read (a file that cannot be opened) are listed too. */
    if (st == HELBY_EINPUT && errs->count == first_listed)
        helby_error_list_add(errs, err);
    if ((st == HELBY_OK || st == HELBY_EINPUT) && list_todos(dir, errs, first_listed)) {
        /* A definition with TODOs left is not done, however well it loads. */
        helby_survey_free(*out);
        *out = NULL;
        *err = errs->items[first_listed];
        st = HELBY_EINPUT;
    }
    return st;
}

helby_status helby_survey_serialize(const helby_survey *pub, char **out, size_t *len,
                                    helby_error *err)
{
    const survey_impl *s = (const survey_impl *)pub;
    *out = malloc(s->blob_len + 1);
    if (!*out)
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    memcpy(*out, s->blob, s->blob_len + 1);
    *len = s->blob_len;
    return HELBY_OK;
}

size_t helby_survey_changed_files(const helby_survey *pa, const helby_survey *pb, char (*out)[256],
                                  char *what, size_t cap)
{
    const survey_impl *a = (const survey_impl *)pa, *b = (const survey_impl *)pb;
    def_files fa, fb;
    helby_error e;
    if (split_blob(a->blob, a->blob_len, &fa, &e))
        fa.n = 0, fa.f = NULL;
    if (split_blob(b->blob, b->blob_len, &fb, &e))
        fb.n = 0, fb.f = NULL;
    size_t n = 0;
    for (int pass = 0; pass < 2; pass++) {
        const def_files *x = pass ? &fa : &fb, *y = pass ? &fb : &fa;
        for (size_t i = 0; i < x->n; i++) {
            const def_file *o = find_file(y, x->f[i].name);
            char w = !o ? (pass ? '-' : '+') : 0;
            if (!w && !pass && (o->len != x->f[i].len || memcmp(o->data, x->f[i].data, o->len)))
                w = '~';
            if (!w)
                continue;
            if (n < cap) {
                snprintf(out[n], sizeof out[n], "%s", x->f[i].name);
                what[n] = w;
            }
            n++;
        }
    }
    free(fa.f);
    free(fb.f);
    return n;
}

size_t helby_survey_find_var(const helby_survey *s, const char *name)
{
    for (size_t i = 0; i < s->n_vars + s->n_derived; i++)
        if (strcmp(s->vars[i].name, name) == 0)
            return i;
    return HELBY_NO_VAR;
}

const helby_derived *helby_survey_derived(const helby_survey *s, const char *name)
{
    size_t v = helby_survey_find_var(s, name);
    return v == HELBY_NO_VAR || v < s->n_vars ? NULL : &s->derived[v - s->n_vars];
}

double helby_derived_value(const helby_survey *s, const helby_derived *d, double x)
{
    const helby_variable *src = &s->vars[d->source];
    if (isnan(x) || helby_variable_is_missing_code(src, x))
        return NAN;
    for (size_t k = 0; k < d->n_rules; k++)
        if (d->kind == HELBY_DERIVED_BANDS ? d->low[k] <= x && x <= d->high[k] : d->from[k] == x)
            return d->kind == HELBY_DERIVED_BANDS ? (double)(k + 1) : d->to[k];
    return NAN;
}

const helby_standard *helby_survey_standard(const helby_survey *pub)
{
    const survey_impl *s = (const survey_impl *)pub;
    return s->has_standard ? &s->standard : NULL;
}

int helby_variable_is_missing_code(const helby_variable *v, double code)
{
    return in_list(v->missing, v->n_missing, code);
}

const char *helby_variable_value_label(const helby_variable *v, double code)
{
    for (size_t i = 0; i < v->n_labels; i++)
        if (v->labels[i].value == code)
            return v->labels[i].label;
    return NULL;
}

const char *helby_variable_value_label_lang(const helby_variable *v, double code, const char *lang)
{
    if (lang && !strcmp(lang, "en"))
        for (size_t i = 0; i < v->n_labels_en; i++)
            if (v->labels_en[i].value == code)
                return v->labels_en[i].label;
    return helby_variable_value_label(v, code);
}

const char *helby_survey_wave_label(const helby_survey *s, long wave, const char *lang)
{
    if (!s || s->wave_var == HELBY_NO_VAR)
        return NULL;
    return helby_variable_value_label_lang(&s->vars[s->wave_var], (double)wave, lang);
}

int helby_survey_labels_waves(const helby_survey *s)
{
    return s && s->wave_var != HELBY_NO_VAR && s->vars[s->wave_var].n_labels > 0;
}
