/* cli_util.c — errors, usage, store opening and wave names for the helby program. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "helby/csv.h"

int cli_fail(const helby_error *err)
{
    char buf[2048];
    fprintf(stderr, "helby: %s\n", helby_error_format(err, buf, sizeof buf));
    return helby_status_exit_code(err->code);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "helby%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'helby %s%s--help' for more information.\n", cmd ? cmd : "",
            cmd ? " " : "");
    return 1;
}

int cli_input(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "helby %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

int cli_share_df(const char *cmd, const char *arg, helby_share_df *out)
{
    if (!strcmp(arg, "domain") || !strcmp(arg, "design")) {
        *out = !strcmp(arg, "domain") ? HELBY_SHARE_DF_DOMAIN : HELBY_SHARE_DF_DESIGN;
        return 0;
    }
    return cli_usage(cmd, "--share-df must be domain or design, not '%s'", arg);
}

int cli_open_store(cli_global *g, helby_open_mode mode, helby_store **st)
{
    helby_error err;
    helby_error_clear(&err);
    helby_status s = helby_store_open(st, g->db, mode, &err);
    if (s == HELBY_ESTORE && mode == HELBY_OPEN_READONLY &&
        strstr(err.message, "needs upgrading")) {
        /* A store from an older helby: upgrade it once (each migration is a transaction),
         * then read as asked. */
        if ((s = helby_store_open(st, g->db, HELBY_OPEN_EXISTING, &err)) == HELBY_OK) {
            helby_store_close(*st);
            fprintf(stderr, "helby: upgraded %s to schema version %d\n", g->db,
                    helby_store_engine_schema_version());
            s = helby_store_open(st, g->db, mode, &err);
        }
    }
    if (s)
        return cli_fail(&err);
    int perm = helby_store_file_mode(*st);
    if (perm >= 0 && (perm & 044) && !g->quiet)
        fprintf(stderr,
                "helby: warning: store %s is readable by others (mode %04o): it holds "
                "respondents' answers; chmod 600 %s\n",
                g->db, perm, g->db);
    return 0;
}

int cli_not_the_store(const cli_global *g, const char *cmd, const char *out_path)
{
    if (!out_path || !(helby_same_file(out_path, g->db) || !strcmp(out_path, g->db)))
        return 0;
    return cli_usage(cmd,
                     "-o %s is the store itself (--db %s): writing there would replace "
                     "the store; give another file",
                     out_path, g->db);
}

const char *cli_wave_name(const helby_survey *s, long wave, const char *lang, char *buf, size_t n)
{
    const char *l = helby_survey_wave_label(s, wave, lang ? lang : s ? s->language : NULL);
    if (l)
        snprintf(buf, n, "%ld (%s)", wave, l);
    else
        snprintf(buf, n, "%ld", wave);
    return buf;
}

int cli_stderr_is_tty(void)
{
    return isatty(STDERR_FILENO);
}
