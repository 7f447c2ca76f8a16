/* args.h — comma-separated option values (lists of names, waves) for the command files. */
#ifndef HELBY_CLI_ARGS_H
#define HELBY_CLI_ARGS_H

#include <stddef.h>

/* "a,b,c" split at commas (empty items dropped); item points into buf. */
typedef struct cli_list {
    char *buf;
    const char **item;
    size_t n;
} cli_list;

/* Split s (NULL: an empty list). Returns -1 when out of memory. */
int cli_list_split(const char *s, cli_list *out);
void cli_list_free(cli_list *l);

/* "2011,2012" into *waves (malloc'ed; NULL and 0 for s == NULL). Returns -1 when an item is
 * not a whole number (or out of memory). */
int cli_parse_waves(const char *s, long **waves, size_t *n);

#endif
