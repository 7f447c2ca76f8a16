/* args.c — comma-separated option values (args.h). */
#include "args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cli_list_split(const char *s, cli_list *out)
{
    memset(out, 0, sizeof *out);
    out->buf = strdup(s ? s : "");
    size_t room = 1;
    for (const char *p = out->buf ? out->buf : ""; *p; p++)
        room += *p == ',';
    out->item = malloc(room * sizeof *out->item);
    if (!out->buf || !out->item) {
        cli_list_free(out);
        return -1;
    }
    char *save = NULL;
    for (char *t = strtok_r(out->buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        out->item[out->n++] = t;
    return 0;
}

void cli_list_free(cli_list *l)
{
    free(l->buf);
    free(l->item);
    memset(l, 0, sizeof *l);
}

int cli_parse_waves(const char *s, long **waves, size_t *n)
{
    *waves = NULL;
    *n = 0;
    if (!s)
        return 0;
    cli_list l;
    if (cli_list_split(s, &l))
        return -1;
    long *w = malloc((l.n ? l.n : 1) * sizeof *w);
    int rc = w && l.n ? 0 : -1;
    for (size_t i = 0; !rc && i < l.n; i++) {
        char *end;
        errno = 0;
        w[i] = strtol(l.item[i], &end, 10);
        if (*end || end == l.item[i] || errno)
            rc = -1;
    }
    size_t count = l.n;
    cli_list_free(&l);
    if (rc) {
        free(w);
        return -1;
    }
    *waves = w;
    *n = count;
    return 0;
}
