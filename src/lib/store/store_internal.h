/* store_internal.h — what the files of store/ share: the layout of an open store, the
 * connection, errors, transactions and the design codes. Folder-private (scripts/check-layers):
 * the other folders use the store through helby/store.h. */
#ifndef HELBY_STORE_INTERNAL_H
#define HELBY_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "helby/store.h"

/* An open store (helby_store_open, store_open.c). */
struct helby_store {
    sqlite3 *db;
    char *path;
    int readonly;
    int schema; /* version after migrate(): the engine's, or older when read-only */
    /* Prepared when the store opens, so undoing a write needs no memory: with memory gone,
     * sqlite3_exec("ROLLBACK") cannot even compile its statement and would leave the
     * transaction open for the next write to join (tests/unit/test_faults.c). */
    sqlite3_stmt *rollback, *rollback_to, *release;
};

/* Undo the open transaction (or, with savepoint, this write's savepoint within it). */
void helby_store_undo(helby_store *st, int savepoint);

/* Column BLOBs are little-endian doubles; swap on a big-endian host. */
static inline int helby_host_is_little_endian(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

static inline void helby_swap_doubles(double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char *b = (unsigned char *)&v[i];
        for (int k = 0; k < 4; k++) {
            unsigned char t = b[k];
            b[k] = b[7 - k];
            b[7 - k] = t;
        }
    }
}

/* The underlying connection, for the files that add their own tables (runs, weights). */
sqlite3 *helby_store_db(helby_store *st);

/* Run SQL without parameters (transactions, pragmas); `what` names it in errors. */
helby_status helby_store_exec(helby_store *st, const char *sql, const char *what, helby_error *err);

/* The store's last SQLite error as HELBY_ENOMEM or HELBY_ESTORE naming `what`. */
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
