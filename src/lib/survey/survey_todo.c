/* survey_todo.c — the TODOs left in a definition's files (survey/survey_internal.h), for
 * helby_survey_check: every "TODO" in a survey.ini value or a cell of a CSV file, named by
 * file, line, column and key or variable, and a definition with nothing to compute. Comment
 * lines are the survey team's notes and are not read. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helby/csv.h"
#include "survey/survey_internal.h"

static const char *const todo_files[] = {"survey.ini",  "codebook.csv", "indices.csv",
                                         "shares.csv",  "targets.csv",  "sensitivity.csv",
                                         "derived.csv", "standard.csv", "districts.csv"};
#define N_TODO_FILES (sizeof todo_files / sizeof todo_files[0])

static void trim(const char **p, const char **end)
{
    while (*p < *end && (**p == ' ' || **p == '\t'))
        (*p)++;
    while (*end > *p && ((*end)[-1] == ' ' || (*end)[-1] == '\t' || (*end)[-1] == '\r'))
        (*end)--;
}

static int has_todo(const char *p, const char *end)
{
    for (; p + 4 <= end; p++)
        if (!memcmp(p, "TODO", 4))
            return 1;
    return 0;
}

static void add(helby_error_list *errs, size_t *n, const char *path, long line, long col,
                const char *var, const char *msg)
{
    helby_error e;
    helby_error_at(&e, HELBY_EINPUT, path, line, col, var && *var ? var : NULL, "%s", msg);
    helby_error_list_add(errs, &e);
    (*n)++;
}

/* survey.ini: "key = TODO" in a section (the value up to a comment after a blank). */
static void ini_todos(const char *path, const char *text, size_t len, helby_error_list *errs,
                      size_t *n)
{
    char section[64] = "";
    long line = 0;
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end, *a = p, *b = le;
        line++;
        p = nl ? nl + 1 : end;
        trim(&a, &b);
        if (a == b || *a == ';' || *a == '#')
            continue;
        if (*a == '[') {
            const char *close = memchr(a, ']', (size_t)(b - a));
            snprintf(section, sizeof section, "%.*s", close ? (int)(close - a - 1) : 0, a + 1);
            continue;
        }
        const char *eq = memchr(a, '=', (size_t)(b - a));
        if (!eq)
            continue;
        const char *v = eq + 1, *ve = b;
        for (const char *c = v; c < b; c++)
            if ((*c == ';' || *c == '#') && c > v && (c[-1] == ' ' || c[-1] == '\t')) {
                ve = c;
                break;
            }
        if (!has_todo(v, ve))
            continue;
        const char *ke = eq;
        trim(&a, &ke);
        char msg[256];
        snprintf(msg, sizeof msg, "TODO left: [%s] %.*s is still TODO: fill it in", section,
                 (int)(ke - a), a);
        add(errs, n, path, line, 0, NULL, msg);
    }
}

typedef struct csv_scan {
    const char *path;
    helby_error_list *errs;
    size_t *n;
    char **header;
    size_t n_header;
    size_t data_rows;
} csv_scan;

static helby_status scan_row(void *ctx, size_t ri, long line, const helby_field *f, size_t nf,
                             helby_error *err)
{
    (void)err;
    csv_scan *c = ctx;
    if (nf && f[0].len && f[0].text[0] == '#')
        return HELBY_OK;
    if (!c->header) {
        c->header = calloc(nf ? nf : 1, sizeof *c->header);
        if (!c->header)
            return HELBY_ENOMEM;
        for (size_t j = 0; j < nf; j++)
            if (!(c->header[j] = strdup(f[j].text)))
                return HELBY_ENOMEM;
        c->n_header = nf;
        return HELBY_OK;
    }
    (void)ri;
    int any = 0;
    for (size_t j = 0; j < nf; j++)
        any |= f[j].len != 0;
    c->data_rows += any;
    for (size_t j = 0; j < nf; j++) {
        if (!has_todo(f[j].text, f[j].text + f[j].len))
            continue;
        char msg[256];
        snprintf(msg, sizeof msg, "TODO left: %s is still TODO: fill it in",
                 j < c->n_header ? c->header[j] : "this cell");
        add(c->errs, c->n, c->path, line, (long)j + 1, j ? f[0].text : NULL, msg);
    }
    return HELBY_OK;
}

/* A CSV file's TODO cells; *rows receives its data rows (comments left out). */
static void csv_todos(const char *path, const unsigned char *text, size_t len,
                      helby_error_list *errs, size_t *n, size_t *rows)
{
    helby_dialect d = {0};
    d.delimiter = ';';
    d.decimal = '.';
    helby_error err;
    csv_scan c = {.path = path, .errs = errs, .n = n};
    /* A file that does not parse is reported by the definition's own check. */
    helby_csv_parse(text, len, &d, NULL, path, scan_row, &c, &err);
    for (size_t j = 0; j < c.n_header; j++)
        free(c.header[j]);
    free(c.header);
    *rows = c.data_rows;
}

/* The TODOs of file `name` of dir (absent: none); *rows as csv_todos, -1 when absent. */
static helby_status file_todos(const char *dir, const char *name, helby_error_list *errs, size_t *n,
                               long *rows)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unsigned char *buf = NULL;
    size_t len = 0;
    helby_error err;
    *rows = -1;
    FILE *probe = fopen(path, "rb");
    if (!probe)
        return HELBY_OK;
    fclose(probe);
    if (helby_read_file(path, &buf, &len, NULL, &err))
        return err.code == HELBY_ENOMEM ? HELBY_ENOMEM : HELBY_OK;
    size_t r = 0;
    if (!strcmp(name, "survey.ini"))
        ini_todos(path, (const char *)buf, len, errs, n);
    else
        csv_todos(path, buf, len, errs, n, &r);
    *rows = (long)r;
    free(buf);
    return HELBY_OK;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The CSV files of margins/, in name order. */
static helby_status margins_todos(const char *dir, helby_error_list *errs, size_t *n)
{
    char mdir[4096];
    snprintf(mdir, sizeof mdir, "%s/margins", dir);
    DIR *d = opendir(mdir);
    if (!d)
        return HELBY_OK;
    char *names[1024];
    size_t k = 0;
    struct dirent *e;
    while (k < 1024 && (e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l > 4 && !strcmp(e->d_name + l - 4, ".csv") && (names[k] = malloc(l + 9)))
            snprintf(names[k++], l + 9, "margins/%s", e->d_name);
    }
    closedir(d);
    qsort(names, k, sizeof *names, cmp_name);
    helby_status st = HELBY_OK;
    for (size_t i = 0; i < k; i++) {
        long rows;
        if (!st)
            st = file_todos(dir, names[i], errs, n, &rows);
        free(names[i]);
    }
    return st;
}

helby_status helby_survey_todos(const char *dir, helby_error_list *errs, size_t *n)
{
    *n = 0;
    long rows[N_TODO_FILES];
    helby_status st = HELBY_OK;
    for (size_t i = 0; i < N_TODO_FILES && !st; i++)
        st = file_todos(dir, todo_files[i], errs, n, &rows[i]);
    if (!st)
        st = margins_todos(dir, errs, n);
    if (!st && rows[2] == 0 && rows[3] <= 0) {
        char path[4096];
        snprintf(path, sizeof path, "%s/indices.csv", dir);
        add(errs, n, path, 0, 0, NULL,
            "TODO left: no index and no shares.csv, so nothing to compute: one row per item of "
            "each dimension of each index (surveys/README.md)");
    }
    return st;
}

int helby_survey_todo_file_rank(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (slash && slash - path >= 7 && !strncmp(slash - 7, "margins", 7))
        return (int)N_TODO_FILES;
    for (size_t i = 0; i < N_TODO_FILES; i++)
        if (!strcmp(base, todo_files[i]))
            return (int)i;
    return (int)N_TODO_FILES + 1;
}
