/* write_readstat — turn a ';'-separated, decimal-comma response CSV into an SPSS, Stata or
 * SAS file with ReadStat's writer, the way a data producer's export would look:
 *
 *   write_readstat CODEBOOK.csv IN.csv OUT.{sav,zsav,por,dta,sas7bdat,xpt} [OPTIONS]
 *
 * Every variable gets the codebook's label_da as its variable label. SPSS files get the
 * codebook's value labels and its missing codes as user-missing values;
 * Stata files get the value labels and write each missing code as an extended missing value
 * (.a for the first missing code, .b for the second, ...) labelled with the code's label;
 * SAS files carry the plain codes. Options make the broken files the tests need:
 *   --rows N              only the first N data rows
 *   --label VAR:CODE:TEXT a value label other than the codebook's
 *   --missing VAR:CODE    declare one more user-missing value (SPSS)
 *   --value ROW:VAR:X     set a cell (ROW 1-based); X ".c" is extended missing .c (Stata)
 *
 * It reads the CSV itself (split on ';', ',' → '.' in numbers) and shares no code with
 * helby, so that a file it writes tests helby's reading, not helby against itself.
 * A test and fixture tool only: it exits on any error. */
#include <errno.h>
#include <readstat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXCOL 256
#define MAXROW 20000

typedef struct cb_var {
    char name[128];
    char label[256];
    int is_text;
    double missing[8];
    int n_missing;
    char labels[1024]; /* "1=Ja|2=Nej" */
    readstat_variable_t *rv;
} cb_var;

static cb_var cb[MAXCOL];
static int n_cb;
static char *cells[MAXROW][64];
static char *header[64];
static int n_cols, n_rows;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "write_readstat: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static int split(char *line, char **out, int max)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line;; p++) {
        if (n == max)
            die("too many columns", NULL);
        out[n++] = p;
        p = strchr(p, ';');
        if (!p)
            return n;
        *p = '\0';
    }
}

static void read_codebook(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die(path, strerror(errno));
    char line[8192], *fld[16];
    int first = 1;
    while (fgets(line, sizeof line, f)) {
        int n = split(line, fld, 16);
        if (first || n < 11) {
            first = 0;
            continue;
        }
        cb_var *v = &cb[n_cb++];
        snprintf(v->name, sizeof v->name, "%s", fld[0]);
        snprintf(v->label, sizeof v->label, "%s", fld[1]);
        v->is_text = strcmp(fld[4], "text") == 0;
        for (char *p = fld[7]; *p && v->n_missing < 8; p++) {
            v->missing[v->n_missing++] = strtod(p, &p);
            if (*p != '|')
                break;
        }
        snprintf(v->labels, sizeof v->labels, "%s", fld[10]);
    }
    fclose(f);
}

static cb_var *find(const char *name)
{
    for (int i = 0; i < n_cb; i++)
        if (strcmp(cb[i].name, name) == 0)
            return &cb[i];
    die("not in the codebook", name);
    return NULL;
}

static void read_csv(const char *path, int max_rows)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die(path, strerror(errno));
    char line[65536];
    if (!fgets(line, sizeof line, f))
        die(path, "empty");
    char *start = line + (memcmp(line, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0);
    n_cols = split(strdup(start), header, 64);
    while (n_rows < max_rows && fgets(line, sizeof line, f)) {
        if (line[0] == '\n' || line[0] == '\r')
            continue;
        if (split(strdup(line), cells[n_rows], 64) != n_cols)
            die("ragged row in", path);
        n_rows++;
    }
    fclose(f);
}

static ssize_t write_bytes(const void *data, size_t len, void *ctx)
{
    return (ssize_t)fwrite(data, 1, len, ctx);
}

static readstat_label_set_t *label_set(readstat_writer_t *w, cb_var *v, int stata,
                                       const char *override)
{
    if (!v->labels[0] && !override)
        return NULL;
    readstat_label_set_t *ls =
        readstat_add_label_set(w, stata ? READSTAT_TYPE_INT32 : READSTAT_TYPE_DOUBLE, v->name);
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", v->labels);
    for (char *item = strtok(buf, "|"); item; item = strtok(NULL, "|")) {
        char *eq = strchr(item, '=');
        double code = strtod(item, NULL);
        const char *text = eq ? eq + 1 : "";
        /* override is "CODE:TEXT" */
        if (override && strtod(override, NULL) == code)
            text = strchr(override, ':') + 1;
        int tag = -1;
        for (int k = 0; stata && k < v->n_missing; k++)
            if (v->missing[k] == code)
                tag = k;
        if (tag >= 0)
            readstat_label_tagged_value(ls, (char)('a' + tag), text);
        else if (stata)
            readstat_label_int32_value(ls, (int32_t)code, text);
        else
            readstat_label_double_value(ls, code, text);
    }
    return ls;
}

static void insert(readstat_writer_t *w, cb_var *v, const char *text, int stata)
{
    if (v->is_text) {
        readstat_insert_string_value(w, v->rv, text);
        return;
    }
    if (!*text) {
        readstat_insert_missing_value(w, v->rv);
        return;
    }
    if (text[0] == '.' && text[1] >= 'a' && text[1] <= 'z') {
        readstat_insert_tagged_missing_value(w, v->rv, text[1]);
        return;
    }
    char num[128];
    snprintf(num, sizeof num, "%s", text);
    for (char *p = num; *p; p++)
        if (*p == ',')
            *p = '.';
    char *end;
    double x = strtod(num, &end);
    if (*end)
        die("not a number", text);
    for (int k = 0; stata && k < v->n_missing; k++)
        if (v->missing[k] == x) {
            readstat_insert_tagged_missing_value(w, v->rv, (char)('a' + k));
            return;
        }
    readstat_insert_double_value(w, v->rv, x);
}

static int ends(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && strcmp(s + n - k, suf) == 0;
}

int main(int argc, char **argv)
{
    if (argc < 4)
        die("usage: write_readstat CODEBOOK.csv IN.csv OUT [--rows N] [--label V:C:T] "
            "[--missing V:C] [--value R:V:X]",
            NULL);
    int max_rows = MAXROW;
    const char *relabel_var = NULL, *relabel = NULL, *miss_var = NULL;
    double miss_code = 0;
    for (int i = 4; i + 1 < argc; i += 2)
        if (strcmp(argv[i], "--rows") == 0)
            max_rows = atoi(argv[i + 1]);
    read_codebook(argv[1]);
    read_csv(argv[2], max_rows);
    for (int i = 4; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--rows") == 0)
            continue;
        /* argv strings are the program's to modify (C11 5.1.2.2.1) */
        char *a = argv[i + 1], *c1 = strchr(a, ':');
        if (!c1)
            die("bad option value", argv[i + 1]);
        *c1 = '\0';
        if (strcmp(argv[i], "--label") == 0) {
            relabel_var = a;
            relabel = c1 + 1;
        } else if (strcmp(argv[i], "--missing") == 0) {
            miss_var = a;
            miss_code = strtod(c1 + 1, NULL);
        } else if (strcmp(argv[i], "--value") == 0) {
            char *c2 = strchr(c1 + 1, ':');
            int row = atoi(a), col = -1;
            if (!c2 || row < 1 || row > n_rows)
                die("bad --value", argv[i + 1]);
            *c2 = '\0';
            for (int j = 0; j < n_cols; j++)
                if (strcmp(header[j], c1 + 1) == 0)
                    col = j;
            if (col < 0)
                die("no such column", c1 + 1);
            cells[row - 1][col] = c2 + 1;
        } else {
            die("unknown option", argv[i]);
        }
    }
    const char *out = argv[3];
    int stata = ends(out, ".dta"),
        spss = ends(out, ".sav") || ends(out, ".zsav") || ends(out, ".por");
    readstat_writer_t *w = readstat_writer_init();
    readstat_set_data_writer(w, write_bytes);
    for (int j = 0; j < n_cols; j++) {
        cb_var *v = find(header[j]);
        size_t width = 0;
        for (int r = 0; v->is_text && r < n_rows; r++)
            if (strlen(cells[r][j]) > width)
                width = strlen(cells[r][j]);
        v->rv = readstat_add_variable(w, v->name,
                                      v->is_text ? READSTAT_TYPE_STRING : READSTAT_TYPE_DOUBLE,
                                      v->is_text ? (width ? width : 1) : 0);
        readstat_variable_set_label(v->rv, v->label);
        if ((spss || stata) && !v->is_text) {
            int mine = relabel_var && strcmp(relabel_var, v->name) == 0;
            readstat_label_set_t *ls = label_set(w, v, stata, mine ? relabel : NULL);
            if (ls)
                readstat_variable_set_label_set(v->rv, ls);
        }
        for (int k = 0; spss && !v->is_text && k < v->n_missing; k++)
            readstat_variable_add_missing_double_value(v->rv, v->missing[k]);
        if (spss && miss_var && strcmp(miss_var, v->name) == 0)
            readstat_variable_add_missing_double_value(v->rv, miss_code);
    }
    FILE *f = fopen(out, "wb");
    if (!f)
        die(out, strerror(errno));
    readstat_error_t rc;
    /* Fixed timestamps: the same input gives the same bytes, so committed fixtures are
     * reproducible. */
    readstat_writer_set_file_timestamp(w, 1300000000);
    if (ends(out, ".sav") || ends(out, ".zsav")) {
        readstat_writer_set_compression(w, ends(out, ".zsav") ? READSTAT_COMPRESS_BINARY
                                                              : READSTAT_COMPRESS_ROWS);
        rc = readstat_begin_writing_sav(w, f, n_rows);
    } else if (ends(out, ".por")) {
        rc = readstat_begin_writing_por(w, f, n_rows);
    } else if (stata) {
        rc = readstat_begin_writing_dta(w, f, n_rows);
    } else if (ends(out, ".sas7bdat")) {
        rc = readstat_begin_writing_sas7bdat(w, f, n_rows);
    } else if (ends(out, ".xpt")) {
        readstat_writer_set_file_format_version(w, 8); /* v8: names longer than 8 */
        rc = readstat_begin_writing_xport(w, f, n_rows);
    } else {
        die("unknown output format", out);
        return 1;
    }
    if (rc != READSTAT_OK)
        die("cannot begin writing", readstat_error_message(rc));
    for (int r = 0; r < n_rows && rc == READSTAT_OK; r++) {
        readstat_begin_row(w);
        for (int j = 0; j < n_cols; j++)
            insert(w, find(header[j]), cells[r][j], stata);
        rc = readstat_end_row(w);
    }
    if (rc == READSTAT_OK)
        rc = readstat_end_writing(w);
    if (rc != READSTAT_OK)
        die("writing failed", readstat_error_message(rc));
    readstat_writer_free(w);
    if (fclose(f))
        die(out, strerror(errno));
    return 0;
}
