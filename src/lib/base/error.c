/* error.c — the error record (helby/error.h). */
#include "helby/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void helby_error_clear(helby_error *err)
{
    if (!err)
        return;
    err->code = HELBY_OK;
    err->message[0] = '\0';
    err->file[0] = '\0';
    err->line = 0;
    err->column = 0;
    err->variable[0] = '\0';
}

static void copy_str(char *dst, size_t n, const char *src)
{
    if (!src) {
        dst[0] = '\0';
        return;
    }
    size_t len = strlen(src);
    if (len >= n)
        len = n - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

helby_status helby_error_set(helby_error *err, helby_status code, const char *fmt, ...)
{
    if (!err)
        return code;
    helby_error_clear(err);
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

helby_status helby_error_at(helby_error *err, helby_status code, const char *file, long line,
                            long column, const char *variable, const char *fmt, ...)
{
    if (!err)
        return code;
    helby_error_clear(err);
    err->code = code;
    copy_str(err->file, sizeof err->file, file);
    err->line = line;
    err->column = column;
    copy_str(err->variable, sizeof err->variable, variable);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

char *helby_error_format(const helby_error *err, char *buf, size_t n)
{
    if (!buf || n == 0)
        return buf;
    buf[0] = '\0';
    if (!err)
        return buf;
    size_t off = 0;
#define APPEND(...)                                                                                \
    do {                                                                                           \
        if (off < n) {                                                                             \
            int w_ = snprintf(buf + off, n - off, __VA_ARGS__);                                    \
            if (w_ > 0)                                                                            \
                off += (size_t)w_;                                                                 \
        }                                                                                          \
    } while (0)
    if (err->file[0]) {
        APPEND("%s:", err->file);
        if (err->line > 0) {
            APPEND("%ld:", err->line);
            if (err->column > 0)
                APPEND("%ld:", err->column);
        }
        APPEND(" ");
    }
    if (err->variable[0])
        APPEND("%s: ", err->variable);
    APPEND("%s", err->message[0] ? err->message : helby_status_name(err->code));
#undef APPEND
    return buf;
}

const char *helby_status_name(helby_status code)
{
    switch (code) {
    case HELBY_OK: return "ok";
    case HELBY_EUSAGE: return "usage error";
    case HELBY_EINPUT: return "bad input";
    case HELBY_ESTORE: return "store problem";
    case HELBY_ENUMERIC: return "numerical failure";
    case HELBY_ENOMEM: return "out of memory";
    case HELBY_EIO: return "input/output error";
    case HELBY_EEXISTS: return "already exists";
    case HELBY_ENOTFOUND: return "not found";
    }
    return "unknown error";
}

int helby_status_exit_code(helby_status code)
{
    switch (code) {
    case HELBY_OK: return 0;
    case HELBY_EUSAGE: return 1;
    case HELBY_EINPUT:
    case HELBY_EEXISTS:
    case HELBY_ENOTFOUND: return 2;
    case HELBY_ESTORE:
    case HELBY_ENOMEM:
    case HELBY_EIO: return 3;
    case HELBY_ENUMERIC: return 4;
    }
    return 3;
}

void helby_error_list_init(helby_error_list *list, size_t limit)
{
    list->items = NULL;
    list->count = 0;
    list->total = 0;
    list->limit = limit ? limit : 100;
    list->capacity = 0;
    list->n_summaries = 0;
    list->has_unstored = 0;
}

void helby_error_list_free(helby_error_list *list)
{
    if (!list)
        return;
    free(list->items);
    list->items = NULL;
    list->count = list->total = list->capacity = list->n_summaries = 0;
    list->has_unstored = 0;
}

helby_status helby_error_list_add(helby_error_list *list, const helby_error *err)
{
    list->total++;
    if (list->count >= list->limit)
        return HELBY_OK;
    if (list->count == list->capacity) {
        size_t cap = list->capacity ? list->capacity * 2 : 16;
        if (cap > list->limit)
            cap = list->limit;
        helby_error *p = realloc(list->items, cap * sizeof *p);
        if (!p) {
            list->unstored = *err;
            list->has_unstored = 1;
            return HELBY_ENOMEM;
        }
        list->items = p;
        list->capacity = cap;
    }
    list->items[list->count++] = *err;
    return HELBY_OK;
}
