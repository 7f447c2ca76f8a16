/* export_write.c — an export table as CSV, SPSS .sav or Stata .dta (helby/export.h).
 *
 * Layer: above nothing but ReadStat and the C library; export.c builds the tables. Files are
 * microdata, so they are created 0600: a temporary file beside the output, renamed onto it
 * only when every byte was written (docs/method.md §9, docs/exports.md). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <readstat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helby/csv.h"
#include "helby/export.h"

int helby_export_format_parse(const char *text, helby_export_format *fmt)
{
    static const char *const names[] = {"csv", "sav", "dta"};
    const char *dot = strrchr(text, '.');
    const char *ext = dot ? dot + 1 : text;
    for (int i = 0; i < 3; i++)
        if (!strcmp(ext, names[i]) || !strcmp(text, names[i])) {
            *fmt = (helby_export_format)i;
            return 0;
        }
    return -1;
}

helby_status helby_export_write_csv(const helby_export_table *t, FILE *f, helby_error *err)
{
    char buf[40];
    char sep = t->csv_sep ? t->csv_sep : ';';
    for (size_t c = 0; c < t->n_cols; c++) {
        if (c)
            fputc(sep, f);
        helby_csv_write_cell(f, t->cols[c].name, sep, t->csv_raw);
    }
    fputc('\n', f);
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t c = 0; c < t->n_cols; c++) {
            const helby_export_column *k = &t->cols[c];
            if (c)
                fputc(sep, f);
            if (k->is_text) {
                helby_csv_write_cell(f, k->text[r], sep, t->csv_raw);
            } else if (isfinite(k->num[r])) {
                helby_format_number(buf, sizeof buf, k->num[r]);
                fputs(buf, f);
            }
        }
        fputc('\n', f);
    }
    if (fflush(f) || ferror(f))
        return helby_error_set(err, HELBY_EIO, "writing the export failed: %s", strerror(errno));
    return HELBY_OK;
}

/* ---- ReadStat ---- */

/* Where ReadStat's writer puts its bytes. ReadStat stores the handler's result in a size_t
 * and calls the write failed only when that is below the length asked for, so -1 would read
 * as success: a failure returns 0 and is remembered (errno in err), and every later write
 * fails too. */
typedef struct rs_sink {
    int fd;
    int err;
} rs_sink;

static ssize_t rs_write(const void *bytes, size_t len, void *ctx)
{
    rs_sink *s = ctx;
    const char *p = bytes;
    size_t done = 0;
    while (done < len && !s->err) {
        ssize_t w = write(s->fd, p + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            s->err = w < 0 && errno ? errno : EIO;
        else
            done += (size_t)w;
    }
    return s->err ? 0 : (ssize_t)len;
}

/* A label cut to at most max bytes on a UTF-8 character boundary (Stata allows 80). */
static void cut_utf8(char *out, size_t max, const char *in)
{
    size_t n = strlen(in);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)in[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, in, n);
    out[n] = '\0';
}

static size_t text_width(const helby_export_column *k, size_t n_rows)
{
    size_t w = 1;
    for (size_t r = 0; r < n_rows; r++)
        if (strlen(k->text[r]) > w)
            w = strlen(k->text[r]);
    return w;
}

/* Which missing code of k x is: 0 for none, k + 1 for k->missing[k]. */
static int missing_index(const helby_export_column *k, double x)
{
    for (size_t i = 0; i < k->n_missing && i < 26; i++)
        if (k->missing[i] == x)
            return (int)i + 1;
    return 0;
}

/* The value labels of k: in Stata a missing code is extended missing .a, .b, ... (in the order
 * of the codebook's missing codes) and its label goes there; SPSS keeps the codes, declared
 * user-missing (at most three discrete values). */
static readstat_error_t rs_labels(readstat_writer_t *w, const helby_export_column *k,
                                  readstat_variable_t *var, int stata)
{
    readstat_label_set_t *ls = readstat_add_label_set(w, READSTAT_TYPE_INT32, k->name);
    if (!ls)
        return READSTAT_ERROR_MALLOC;
    for (size_t l = 0; l < k->n_labels; l++) {
        int m = stata ? missing_index(k, k->labels[l].value) : 0;
        if (m)
            readstat_label_tagged_value(ls, (char)('a' + m - 1), k->labels[l].label);
        else
            readstat_label_int32_value(ls, (int32_t)k->labels[l].value, k->labels[l].label);
    }
    readstat_variable_set_label_set(var, ls);
    return READSTAT_OK;
}

static readstat_error_t rs_missing(const helby_export_column *k, readstat_variable_t *var,
                                   int stata)
{
    readstat_error_t e = READSTAT_OK;
    for (size_t i = 0; !stata && i < k->n_missing && i < 3 && !e; i++)
        e = readstat_variable_add_missing_double_value(var, k->missing[i]);
    return e;
}

/* Declare the table's variables: a column with value labels is an int32 variable (Stata
 * labels only integers; the codes are integers by the codebook), others double or string. */
static readstat_error_t rs_declare(readstat_writer_t *w, const helby_export_table *t,
                                   readstat_variable_t **vars, int stata)
{
    char label[81];
    for (size_t c = 0; c < t->n_cols; c++) {
        const helby_export_column *k = &t->cols[c];
        readstat_type_t type = k->is_text    ? READSTAT_TYPE_STRING
                               : k->n_labels ? READSTAT_TYPE_INT32
                                             : READSTAT_TYPE_DOUBLE;
        vars[c] =
            readstat_add_variable(w, k->name, type, k->is_text ? text_width(k, t->n_rows) : 0);
        if (!vars[c])
            return READSTAT_ERROR_MALLOC;
        if (k->label) {
            cut_utf8(label, 80, k->label);
            readstat_variable_set_label(vars[c], label);
        }
        readstat_error_t e = rs_missing(k, vars[c], stata);
        if (!e && k->n_labels)
            e = rs_labels(w, k, vars[c], stata);
        if (e)
            return e;
        if (k->n_labels) {
            readstat_variable_set_measure(vars[c], READSTAT_MEASURE_NOMINAL);
        } else if (!k->is_text) {
            readstat_variable_set_measure(vars[c], READSTAT_MEASURE_SCALE);
        }
    }
    return READSTAT_OK;
}

static readstat_error_t rs_rows(readstat_writer_t *w, const helby_export_table *t,
                                readstat_variable_t **vars, int stata)
{
    readstat_error_t e = READSTAT_OK;
    for (size_t r = 0; r < t->n_rows && !e; r++) {
        if ((e = readstat_begin_row(w)))
            break;
        for (size_t c = 0; c < t->n_cols && !e; c++) {
            const helby_export_column *k = &t->cols[c];
            if (k->is_text)
                e = readstat_insert_string_value(w, vars[c], k->text[r]);
            else if (!isfinite(k->num[r]))
                e = readstat_insert_missing_value(w, vars[c]);
            else if (stata && missing_index(k, k->num[r]))
                e = readstat_insert_tagged_missing_value(
                    w, vars[c], (char)('a' + missing_index(k, k->num[r]) - 1));
            else if (k->n_labels)
                e = readstat_insert_int32_value(w, vars[c], (int32_t)k->num[r]);
            else
                e = readstat_insert_double_value(w, vars[c], k->num[r]);
        }
        if (!e)
            e = readstat_end_row(w);
    }
    return e;
}

static helby_status write_readstat(const helby_export_table *t, int fd, helby_export_format fmt,
                                   helby_error *err)
{
    rs_sink sink = {fd, 0};
    readstat_writer_t *w = readstat_writer_init();
    readstat_variable_t **vars = calloc(t->n_cols ? t->n_cols : 1, sizeof *vars);
    if (!w || !vars) {
        free(vars);
        if (w)
            readstat_writer_free(w);
        return helby_error_set(err, HELBY_ENOMEM, "out of memory");
    }
    readstat_error_t e = readstat_set_data_writer(w, rs_write);
    char label[81];
    cut_utf8(label, 80, t->file_label);
    if (!e)
        e = readstat_writer_set_file_label(w, label);
    if (!e)
        e = rs_declare(w, t, vars, fmt == HELBY_EXPORT_DTA);
    if (!e && fmt == HELBY_EXPORT_DTA)
        e = readstat_writer_set_file_format_version(w, 118);
    if (!e)
        e = fmt == HELBY_EXPORT_SAV ? readstat_begin_writing_sav(w, &sink, (long)t->n_rows)
                                    : readstat_begin_writing_dta(w, &sink, (long)t->n_rows);
    if (!e)
        e = readstat_validate_metadata(w);
    for (size_t c = 0; c < t->n_cols && !e; c++)
        e = readstat_validate_variable(w, vars[c]);
    if (!e)
        e = rs_rows(w, t, vars, fmt == HELBY_EXPORT_DTA);
    if (!e)
        e = readstat_end_writing(w);
    readstat_writer_free(w);
    free(vars);
    if (sink.err || e == READSTAT_ERROR_WRITE)
        return helby_error_set(err, HELBY_EIO, "writing the export failed: %s",
                               strerror(sink.err ? sink.err : EIO));
    if (e)
        return helby_error_set(err, e == READSTAT_ERROR_MALLOC ? HELBY_ENOMEM : HELBY_EINPUT,
                               "%s export: %s", fmt == HELBY_EXPORT_SAV ? "SPSS" : "Stata",
                               readstat_error_message(e));
    return HELBY_OK;
}

/* The table into the open file fd (closed here), as fmt. */
static helby_status write_fd(const helby_export_table *t, int fd, helby_export_format fmt,
                             helby_error *err)
{
    helby_status r;
    if (fmt == HELBY_EXPORT_CSV) {
        FILE *f = fdopen(fd, "w");
        if (!f) {
            close(fd);
            return helby_error_set(err, HELBY_EIO, "cannot write: %s", strerror(errno));
        }
        r = helby_export_write_csv(t, f, err);
        if (fclose(f) && !r)
            r = helby_error_set(err, HELBY_EIO, "writing the export failed: %s", strerror(errno));
        return r;
    }
    r = write_readstat(t, fd, fmt, err);
    if (!r && fsync(fd) && errno != EINVAL && errno != EROFS)
        r = helby_error_set(err, HELBY_EIO, "writing the export failed: %s", strerror(errno));
    if (close(fd) && !r)
        r = helby_error_set(err, HELBY_EIO, "writing the export failed: %s", strerror(errno));
    return r;
}

helby_status helby_export_write(const helby_export_table *t, const char *path,
                                helby_export_format fmt, helby_error *err)
{
    /* A temporary file beside path, 0600 from the start (microdata), renamed onto path only
     * when every byte was written: a full disk or a killed process never leaves a partial
     * export, nor removes an older one. */
    char *tmp;
    int fd;
    helby_status r = helby_outfile_begin(path, 1, &tmp, &fd, err);
    if (r)
        return r;
    r = write_fd(t, fd, fmt, err);
    if (r) {
        helby_outfile_abort(tmp);
        if (err)
            snprintf(err->file, sizeof err->file, "%s", path);
        return r;
    }
    return helby_outfile_commit(tmp, path, err);
}
