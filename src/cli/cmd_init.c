/* cmd_init.c — helby init: create a store. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

void help_init(FILE *out)
{
    fprintf(out, "Usage: helby init [--db FILE]\n\n"
                 "Create an empty store (a SQLite file, mode 0600). Refuses to overwrite an\n"
                 "existing file.\n\n"
                 "Example:\n  helby --db city.db init\n");
}

int cmd_init(cli_global *g, int argc, char **argv)
{
    static const struct option opts[] = {{0, 0, 0, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1)
        return cli_usage("init", "unknown option '%s'", argv[optind - 1]);
    if (optind < argc)
        return cli_usage("init", "unexpected argument '%s'", argv[optind]);
    helby_store *st = NULL;
    int rc = cli_open_store(g, HELBY_OPEN_CREATE, &st);
    if (rc)
        return rc;
    helby_store_close(st);
    if (!g->quiet)
        printf("created store %s (schema version %d)\n", g->db,
               helby_store_engine_schema_version());
    return 0;
}
