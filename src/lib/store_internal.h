/* store_internal.h — what other library modules (not callers) may use of the store. */
#ifndef HELBY_STORE_INTERNAL_H
#define HELBY_STORE_INTERNAL_H

#include <sqlite3.h>

#include "helby/store.h"

/* The underlying connection, for modules that add their own tables (runs, weights). */
sqlite3 *helby_store_db(helby_store *st);

/* Run SQL without parameters (transactions, pragmas); `what` names it in errors. */
helby_status helby_store_exec(helby_store *st, const char *sql, const char *what,
                              helby_error *err);

#endif
