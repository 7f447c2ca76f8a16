/* draft.c — a draft survey definition from data files (helby/draft.h): CSV columns here,
 * ReadStat files' through ingest_readstat.c; what a column is seen to hold in draft_col.c. */
#include "helby/draft.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helby/csv.h"
#include "helby/ingest.h"
#include "ingest/ingest_internal.h"
#include "base/util_internal.h"

/* ---- CSV: types and observed codes ---- */

typedef struct csv_draft {
    helby_draft_col *cols;
    size_t n;
    char decimal;
    size_t rows;
} csv_draft;

static helby_status csv_row(void *ctx, size_t ri, long line, const helby_field *f, size_t nf,
                            helby_error *err)
{
    csv_draft *d = ctx;
    (void)line;
    (void)err;
    if (ri == 0) {
        d->cols = calloc(nf ? nf : 1, sizeof *d->cols);
        if (!d->cols)
            return HELBY_ENOMEM;
        d->n = nf;
        for (size_t j = 0; j < nf; j++) {
            d->cols[j].all_whole = 1;
            if (!(d->cols[j].name = strdup(f[j].text)))
                return HELBY_ENOMEM;
        }
        return HELBY_OK;
    }
    d->rows++;
    for (size_t j = 0; j < nf && j < d->n; j++) {
        helby_draft_col *c = &d->cols[j];
        double x;
        if (f[j].len == 0)
            c->n_empty++;
        else if (helby_parse_number(f[j].text, f[j].len, d->decimal, &x))
            helby_draft_col_observe(c, x);
        else {
            c->is_text = 1;
            c->n_values++;
            helby_draft_col_add_text(c, f[j].text, f[j].len);
        }
    }
    return HELBY_OK;
}

static helby_status csv_columns(const unsigned char *buf, size_t len, const char *name,
                                helby_draft_col **out, size_t *n, size_t *rows, helby_error *err)
{
    helby_dialect dl = {0};
    helby_status st = helby_csv_sniff(buf, len, &dl, name, err);
    if (st)
        return st;
    csv_draft d = {.decimal = dl.decimal};
    st = helby_csv_parse(buf, len, &dl, NULL, name, csv_row, &d, err);
    if (st == HELBY_ENOMEM)
        helby_error_set(err, HELBY_ENOMEM, "out of memory reading %s", name);
    *out = d.cols;
    *n = d.n;
    *rows = d.rows;
    return st;
}

/* ---- Reading and merging files ---- */

static helby_status file_columns(const char *path, helby_draft_col **out, size_t *n, size_t *rows,
                                 helby_error *err)
{
    unsigned char *buf;
    size_t len;
    *out = NULL;
    *n = *rows = 0;
    helby_status st = helby_read_file(path, &buf, &len, NULL, err);
    if (st)
        return st;
    helby_file_format fmt = helby_file_format_sniff(buf, len, path);
    if (fmt == HELBY_FORMAT_CSV) {
        st = csv_columns(buf, len, path, out, n, rows, err);
    } else {
        helby_rs_table *t = NULL;
        st = helby_rs_read(buf, len, path, fmt, &t, err);
        if (!st) {
            *rows = helby_rs_table_rows(t);
            if ((st = helby_rs_draft_columns(t, out, n)))
                helby_error_set(err, st, "out of memory reading %s", path);
        }
        helby_rs_table_free(t);
    }
    free(buf);
    return st;
}

static void merge_col(helby_draft_col *a, helby_draft_col *b)
{
    a->is_text |= b->is_text;
    a->all_whole &= b->all_whole;
    if (b->n_numbers) {
        if (!a->n_numbers || b->min < a->min)
            a->min = b->min;
        if (!a->n_numbers || b->max > a->max)
            a->max = b->max;
    }
    a->n_numbers += b->n_numbers;
    a->n_values += b->n_values;
    for (size_t i = 0; i < b->n_codes; i++)
        helby_draft_col_add_code(a, b->codes[i]);
    a->more_codes |= b->more_codes;
    a->n_empty += b->n_empty;
    a->n_tagged += b->n_tagged;
    for (size_t i = 0; i < b->n_missing && a->n_missing < 8; i++) {
        size_t k = 0;
        while (k < a->n_missing && a->missing[k] != b->missing[i])
            k++;
        if (k == a->n_missing)
            a->missing[a->n_missing++] = b->missing[i];
    }
    a->missing_ranges |= b->missing_ranges;
    if (!a->label && b->label) {
        a->label = b->label;
        b->label = NULL;
    }
    a->n_files += b->n_files;
    /* Value labels from every file; a code labelled otherwise in another file is listed. */
    if (!a->labels.len) {
        helby_buf tmp = a->labels;
        a->labels = b->labels;
        b->labels = tmp;
    } else {
        helby_draft_col_merge_labels(a, b);
    }
    if (b->conflicts.len)
        helby_buf_append(&a->conflicts, b->conflicts.data, b->conflicts.len);
    a->n_conflicts += b->n_conflicts;
    const char *p = b->texts.data, *end = p ? p + b->texts.len : NULL;
    while (p && p < end) {
        const char *bar = memchr(p, '|', (size_t)(end - p));
        helby_draft_col_add_text(a, p, (size_t)((bar ? bar : end) - p));
        p = bar ? bar + 1 : end;
    }
    a->more_texts |= b->more_texts;
    if (!a->tagged.len) {
        helby_buf tmp = a->tagged;
        a->tagged = b->tagged;
        b->tagged = tmp;
    }
}

/* Merge b's columns into *acc by name; b is consumed. */
static helby_status merge(helby_draft_col **acc, size_t *n_acc, helby_draft_col *b, size_t nb)
{
    helby_draft_col *a = realloc(*acc, (*n_acc + nb + 1) * sizeof *a);
    if (!a) {
        helby_draft_cols_free(b, nb);
        return HELBY_ENOMEM;
    }
    *acc = a;
    for (size_t j = 0; j < nb; j++) {
        size_t k = 0;
        while (k < *n_acc && strcmp(a[k].name, b[j].name) != 0)
            k++;
        if (k == *n_acc) {
            a[(*n_acc)++] = b[j];
            memset(&b[j], 0, sizeof b[j]);
        } else {
            merge_col(&a[k], &b[j]);
        }
    }
    helby_draft_cols_free(b, nb);
    return HELBY_OK;
}

/* ---- Writing the draft ---- */

typedef struct out_file {
    FILE *f;
    size_t todo;
    size_t n_files; /* files drafted from */
} out_file;

/* Text for a comment or a cell: no quotes, line breaks or the codebook's separators. */
static void put_clean(out_file *o, const char *s)
{
    for (; s && *s; s++)
        fputc(*s == '"' ? '\'' : *s == '\n' || *s == '\r' ? ' ' : *s == ';' ? ',' : *s, o->f);
}

static void put_codes(out_file *o, const double *v, size_t n, const char *sep)
{
    for (size_t i = 0; i < n; i++)
        fprintf(o->f, "%s%.17g", i ? sep : "", v[i]);
}

/* The range of the codes the file labels, missing codes left out: the questionnaire's
 * scale, when the data happen not to use its ends. */
static int label_range(const helby_draft_col *c, double *lo, double *hi)
{
    int any = 0;
    const char *p = c->labels.data, *end = p ? p + c->labels.len : NULL;
    while (p && p < end) {
        char *stop;
        double x = strtod(p, &stop);
        int missing = 0;
        for (size_t i = 0; i < c->n_missing; i++)
            missing |= c->missing[i] == x;
        if (stop != p && !missing) {
            if (!any || x < *lo)
                *lo = x;
            if (!any || x > *hi)
                *hi = x;
            any = 1;
        }
        const char *bar = memchr(p, '|', (size_t)(end - p));
        p = bar ? bar + 1 : end;
    }
    return any;
}

/* Every text value of c is one of its value labels (a labels export of a file whose labels
 * another file gave): the column is coded, its labels read as codes at import. */
static int texts_are_labels(const helby_draft_col *c)
{
    if (!c->n_texts || c->more_texts || !c->labels.len)
        return 0;
    const char *p = c->texts.data, *end = p + c->texts.len;
    while (p < end) {
        const char *bar = memchr(p, '|', (size_t)(end - p));
        size_t n = (size_t)((bar ? bar : end) - p);
        int found = 0;
        for (const char *l = c->labels.data, *le = l + c->labels.len; l < le && !found;) {
            const char *lb = memchr(l, '|', (size_t)(le - l));
            const char *eq = memchr(l, '=', (size_t)((lb ? lb : le) - l));
            found = eq && (size_t)((lb ? lb : le) - eq - 1) == n && !memcmp(eq + 1, p, n);
            l = lb ? lb + 1 : le;
        }
        if (!found)
            return 0;
        p = bar ? bar + 1 : end;
    }
    return 1;
}

static const char *col_type(const helby_draft_col *c)
{
    if (c->is_text && texts_are_labels(c))
        return c->all_whole ? "code" : "real";
    if (c->is_text)
        return "text";
    if (!c->n_numbers)
        return "TODO";
    return c->all_whole ? "code" : "real";
}

static int free_number(const helby_draft_col *c);

static void comment_col(out_file *o, const helby_draft_col *c, double lo, double hi)
{
    FILE *f = o->f;
    const char *type = col_type(c);
    fprintf(f, "# %s: ", c->name);
    if (!strcmp(type, "TODO"))
        fprintf(f, "no values in the file, type TODO (code, real or text)");
    else if (!strcmp(type, "text"))
        fprintf(f, "type text: not every value is a number");
    else
        fprintf(f, "type %s: %zu values%s, observed %.15g to %.15g", type, c->n_numbers,
                c->all_whole ? ", all whole numbers" : ", some with decimals", c->min, c->max);
    if (!strcmp(type, "code") && (lo < c->min || hi > c->max))
        fprintf(f, ", range widened to %.17g-%.17g by the file's value labels", lo, hi);
    if (!strcmp(type, "code") && !c->more_codes) {
        fprintf(f, ", codes seen ");
        put_codes(o, c->codes, c->n_codes, " ");
    }
    if (c->n_empty)
        fprintf(f, ", %zu empty", c->n_empty);
    if (c->n_missing) {
        fprintf(f, ", missing ");
        put_codes(o, c->missing, c->n_missing, "|");
        fprintf(f, " declared user-missing in the file");
    }
    if (c->labels.len)
        fprintf(f, ", values: the file's value labels");
    if (c->label)
        fprintf(f, ", labels: the file's variable label (translate label_en)");
    fprintf(f, ", role TODO\n");
    if (!strcmp(type, "code") && !c->n_missing && !c->labels.len && !free_number(c))
        fprintf(f, "#   TODO: codes meaning 'missing' (e.g. 8 = ved ikke, 9 = oensker ikke at "
                   "svare) go in 'missing' and out of min-max\n");
    if (c->missing_ranges)
        fprintf(f, "#   TODO: the file declares user-missing ranges, not carried over: list "
                   "their codes in 'missing'\n");
    if (c->tagged.len || c->n_tagged) {
        fprintf(f, "#   TODO: extended missing values ");
        put_clean(o, c->tagged.len ? c->tagged.data : "without labels");
        fprintf(f,
                " (%zu cells): give each a code in 'missing' with the same value label, so "
                "imports map them\n",
                c->n_tagged);
        o->todo++;
    }
}

/* Whole numbers without value labels that are many, or large: an id, a wave or year, or a free
 * number (an age, a count), whose observed range the next wave's values would leave. Answers
 * on a scale are few and small. */
static int free_number(const helby_draft_col *c)
{
    return !strcmp(col_type(c), "code") && !c->labels.len && (c->more_codes || c->max > 1000);
}

/* The comment lines a column gets besides its type: a free number's range left out, the text
 * values of a labels export, labels that differ between files, a column not in every file. */
static void comment_more(out_file *o, const helby_draft_col *c)
{
    FILE *f = o->f;
    if (free_number(c))
        fprintf(f,
                "#   no range written: no value labels and %s, so an id, a wave or year, or "
                "a free number (age, count); the next wave's values would fall outside the "
                "observed %.15g-%.15g\n",
                c->more_codes ? "many distinct values" : "values above 1000", c->min, c->max);
    if (c->is_text && !strcmp(col_type(c), "code"))
        fprintf(f, "#   type code: every text value is one of the value labels (a labels "
                   "export), read as its code at import\n");
    else if (c->is_text && c->n_texts && !c->more_texts) {
        fprintf(f, "#   TODO: text values seen: ");
        put_clean(o, c->texts.data ? c->texts.data : "");
        fprintf(f, " - if these are value labels (a labels export), make the type code and "
                   "give each its code in values (code=label|...): imports read such labels "
                   "as their codes\n");
        o->todo++;
    }
    if (c->n_conflicts) {
        fprintf(f,
                "#   TODO: the files label %zu code%s differently (values keeps the first "
                "file's): ",
                c->n_conflicts, c->n_conflicts == 1 ? "" : "s");
        for (const char *p = c->conflicts.data, *end = p ? p + c->conflicts.len : NULL;
             p && p < end; p++)
            fputc(*p == '\n' ? (p + 1 < end ? ';' : ' ') : *p == '"' ? '\'' : *p, f);
        fputc('\n', f);
        o->todo++;
    }
    if (c->n_files < o->n_files)
        fprintf(f,
                "#   in %zu of the %zu files: required 0 (a column every file has is "
                "required 1)\n",
                c->n_files, o->n_files);
}

static void write_col(out_file *o, const helby_draft_col *c)
{
    double lo = c->min, hi = c->max, llo = 0, lhi = 0;
    const char *type = col_type(c);
    int code = !strcmp(type, "code");
    if (code && label_range(c, &llo, &lhi)) {
        lo = llo < lo ? llo : lo;
        hi = lhi > hi ? lhi : hi;
    }
    comment_col(o, c, lo, hi);
    comment_more(o, c);
    FILE *f = o->f;
    put_clean(o, c->name);
    fputc(';', f);
    put_clean(o, c->label ? c->label : "TODO");
    fputc(';', f);
    put_clean(o, c->label ? c->label : "TODO");
    fprintf(f, ";TODO;%s;", type);
    o->todo += 1 + !c->label * 2 + !strcmp(type, "TODO");
    if (code && lo < hi && !free_number(c))
        fprintf(f, "%.17g;%.17g;", lo, hi);
    else
        fputs(";;", f);
    put_codes(o, c->missing, c->n_missing, "|");
    fprintf(f, ";0;%d;", c->n_files >= o->n_files);
    if (c->labels.len)
        fwrite(c->labels.data, 1, c->labels.len, f);
    fputc('\n', f);
}

static void write_ini(out_file *o, const char *const *paths, size_t n_paths,
                      const helby_draft_col *cols, size_t n)
{
    FILE *f = o->f;
    fprintf(f, "; Draft survey definition written by 'helby survey draft' from:\n");
    for (size_t i = 0; i < n_paths; i++) {
        fprintf(f, ";   ");
        put_clean(o, paths[i]);
        fputc('\n', f);
    }
    fprintf(f, "; helby decides no roles: fill in every TODO (here, in codebook.csv and in\n"
               "; indices.csv); 'helby survey check DIR' lists what is still missing.\n");
    static const char *const kinds[] = {"text", "code", "real"};
    for (int k = 0; k < 3; k++) {
        fprintf(f, "; %s columns:", kinds[k]);
        for (size_t j = 0; j < n; j++)
            if (!strcmp(col_type(&cols[j]), kinds[k])) {
                fputc(' ', f);
                put_clean(o, cols[j].name);
            }
        fputc('\n', f);
    }
    fprintf(f, "\n[survey]\n"
               "id = TODO                       ; a-z 0-9 _ -\n"
               "title_da = TODO\n"
               "title_en = TODO\n"
               "id_column = TODO                ; respondent id (role id)\n"
               "wave_column = TODO              ; (role wave)\n"
               "waves = TODO                    ; e.g. 2011, 2012\n\n"
               "[design]\n"
               "; strata = TODO                 ; optional (role stratum)\n"
               "; psu = TODO                    ; optional (role psu)\n"
               "weight = TODO                   ; base weight (role weight, type real)\n"
               "; fpc = TODO                    ; optional (role fpc)\n"
               "lonely_psu = fail\n\n"
               "[groups]\n"
               "column = TODO                   ; origin group (role group)\n"
               "danes = TODO                    ; codes of ethnic Danes\n"
               "minorities = TODO               ; codes of minorities\n\n"
               "[district]\n"
               "column = TODO                   ; (role district)\n\n"
               "[report]\n"
               "min_cell = 30\n"
               "language = da\n");
    o->todo += 12;
}

static helby_status open_out(out_file *o, const char *dir, const char *name, helby_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat sb;
    if (stat(path, &sb) == 0)
        return helby_error_at(err, HELBY_EEXISTS, path, 0, 0, NULL,
                              "exists already: survey draft does not overwrite a definition");
    if (!(o->f = fopen(path, "w")))
        return helby_error_at(err, HELBY_EIO, path, 0, 0, NULL, "cannot write: %s",
                              strerror(errno));
    return HELBY_OK;
}

static helby_status close_out(out_file *o, const char *dir, const char *name, helby_error *err)
{
    int bad = ferror(o->f);
    bad |= fclose(o->f) != 0;
    o->f = NULL;
    if (bad)
        return helby_error_at(err, HELBY_EIO, dir, 0, 0, NULL, "cannot write %s", name);
    return HELBY_OK;
}

static helby_status write_draft(const char *dir, const char *const *paths, size_t n_paths,
                                const helby_draft_col *cols, size_t n, size_t *todo,
                                helby_error *err)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return helby_error_at(err, HELBY_EIO, dir, 0, 0, NULL, "cannot create: %s",
                              strerror(errno));
    static const char *const names[] = {"survey.ini", "codebook.csv", "indices.csv"};
    struct stat sb;
    char path[4096];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (stat(path, &sb) == 0)
            return helby_error_at(err, HELBY_EEXISTS, path, 0, 0, NULL,
                                  "exists already: survey draft does not overwrite a "
                                  "definition");
    }
    out_file o = {.n_files = n_paths};
    helby_status st;
    if ((st = open_out(&o, dir, "survey.ini", err)))
        return st;
    write_ini(&o, paths, n_paths, cols, n);
    if ((st = close_out(&o, dir, "survey.ini", err)) ||
        (st = open_out(&o, dir, "codebook.csv", err)))
        return st;
    fprintf(o.f, "variable;label_da;label_en;role;type;min;max;missing;reverse;required;values\n"
                 "# Inferred from the data (comment rows start with '#'). role: item, covariate, "
                 "id, wave, stratum, psu, weight, fpc, group or district. reverse is 0: TODO "
                 "set 1 for negatively worded items (the data cannot tell).\n");
    for (size_t j = 0; j < n; j++)
        write_col(&o, &cols[j]);
    if ((st = close_out(&o, dir, "codebook.csv", err)) ||
        (st = open_out(&o, dir, "indices.csv", err)))
        return st;
    fprintf(o.f, "index;index_label_da;index_label_en;aggregation;dimension;dimension_label_da;"
                 "dimension_label_en;dimension_weight;min_valid;item;item_weight\n"
                 "# TODO: one row per item of each dimension of each index (surveys/README.md)"
                 "\n");
    o.todo++;
    *todo = o.todo;
    return close_out(&o, dir, "indices.csv", err);
}

helby_status helby_survey_draft(const char *const *paths, size_t n_paths, const char *out_dir,
                                helby_draft_summary *sum, helby_error *err)
{
    memset(sum, 0, sizeof *sum);
    helby_draft_col *acc = NULL;
    size_t n = 0;
    helby_status st = HELBY_OK;
    for (size_t i = 0; i < n_paths && !st; i++) {
        helby_draft_col *cols = NULL;
        size_t nc = 0, rows = 0;
        st = file_columns(paths[i], &cols, &nc, &rows, err);
        if (st) {
            helby_draft_cols_free(cols, nc);
            break;
        }
        sum->n_rows += rows;
        for (size_t j = 0; j < nc; j++) {
            cols[j].file = paths[i];
            cols[j].n_files = 1;
        }
        if ((st = merge(&acc, &n, cols, nc)))
            helby_error_set(err, st, "out of memory");
    }
    if (!st && n == 0)
        st = helby_error_set(err, HELBY_EINPUT, "no columns in the files");
    if (!st)
        st = write_draft(out_dir, paths, n_paths, acc, n, &sum->n_todo, err);
    sum->n_files = n_paths;
    sum->n_vars = n;
    helby_draft_cols_free(acc, n);
    return st;
}
