/* store_internal.h — what other library modules (not callers) may use of the store. */
#ifndef HELBY_STORE_INTERNAL_H
#define HELBY_STORE_INTERNAL_H

#include <sqlite3.h>

#include "helby/store.h"

/* The underlying connection, for modules that add their own tables (runs, weights). */
sqlite3 *helby_store_db(helby_store *st);

/* Run SQL without parameters (transactions, pragmas); `what` names it in errors. */
helby_status helby_store_exec(helby_store *st, const char *sql, const char *what, helby_error *err);

/* db_error for modules beside store.c: HELBY_ENOMEM or HELBY_ESTORE naming `what`. */
helby_status helby_store_db_error(helby_store *st, const char *what, helby_error *err);

/* The schema version of the open store: the engine's, except for a read-only open of an
 * older store that needs no upgrade to be read (HELBY_SCHEMA_READABLE). */
int helby_store_schema(const helby_store *st);

/* Schema 4 (schemas/004_codes.sql) adds the table of design codes. */
#define HELBY_SCHEMA_CODES 4

/* ---- design codes (codes.c) ---- */

/* Number the n values of col by first appearance (helby_wave_codes, store.h). */
helby_status helby_codes_factorize(const helby_column *col, size_t n, helby_wave_codes **out,
                                   helby_error *err);
/* Store codes c of column var of wave row wave_id (inside the caller's transaction). */
helby_status helby_codes_write(helby_store *st, int64_t wave_id, const char *var,
                               const helby_wave_codes *c, helby_error *err);
/* Number and store the stratum and PSU columns of s found in frame f (an import). */
helby_status helby_codes_write_design(helby_store *st, int64_t wave_id, const helby_survey *s,
                                      const helby_frame *f, helby_error *err);
/* Number and store the design columns of every stored wave, by each survey's current
 * definition (the upgrade to schema 4, inside its transaction). */
helby_status helby_codes_backfill(helby_store *st, helby_error *err);

#endif
