/* test_store.c — the SQLite store (src/lib/store/store.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helby/ingest.h"
#include "helby/store.h"
#include "helby/survey.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/helby-test-store-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd);
}

static void path_in_tmp(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", tmpdir, name);
}

static void new_store_is_created_with_mode_0600(void **state)
{
    (void)state;
    char p[300];
    path_in_tmp(p, sizeof p, "a.db");
    helby_store *st = NULL;
    helby_error err;
    mode_t old = umask(0);
    helby_status s = helby_store_open(&st, p, HELBY_OPEN_CREATE, &err);
    umask(old);
    assert_int_equal(s, HELBY_OK);
    helby_store_close(st);
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
}

static void creating_over_an_existing_file_is_refused(void **state)
{
    (void)state;
    char p[300];
    path_in_tmp(p, sizeof p, "b.db");
    helby_store *st = NULL;
    helby_error err;
    assert_int_equal(helby_store_open(&st, p, HELBY_OPEN_CREATE, &err), HELBY_OK);
    helby_store_close(st);
    assert_int_equal(helby_store_open(&st, p, HELBY_OPEN_CREATE, &err), HELBY_EEXISTS);
    assert_null(st);
    assert_non_null(strstr(err.message, "already exists"));
}

static void opening_a_missing_store_says_how_to_create_one(void **state)
{
    (void)state;
    char p[300];
    path_in_tmp(p, sizeof p, "missing.db");
    helby_store *st = NULL;
    helby_error err;
    assert_int_equal(helby_store_open(&st, p, HELBY_OPEN_EXISTING, &err), HELBY_ENOTFOUND);
    assert_non_null(strstr(err.message, "helby init"));
}

static void schema_version_is_recorded_and_reopening_keeps_it(void **state)
{
    (void)state;
    char p[300];
    path_in_tmp(p, sizeof p, "c.db");
    helby_store *st = NULL;
    helby_error err;
    assert_int_equal(helby_store_open(&st, p, HELBY_OPEN_CREATE, &err), HELBY_OK);
    helby_store_close(st);
    assert_int_equal(helby_store_open(&st, p, HELBY_OPEN_EXISTING, &err), HELBY_OK);
    helby_store_close(st);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), helby_store_engine_schema_version());
    sqlite3_finalize(q);
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    sqlite3_close(db);
}

static void store_from_a_newer_engine_is_refused(void **state)
{
    (void)state;
    char p[300];
    path_in_tmp(p, sizeof p, "d.db");
    helby_store *st = NULL;
    helby_error err;
    assert_int_equal(helby_store_open(&st, p, HELBY_OPEN_CREATE, &err), HELBY_OK);
    helby_store_close(st);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(helby_store_open(&st, p, HELBY_OPEN_EXISTING, &err), HELBY_ESTORE);
    assert_non_null(strstr(err.message, "newer"));
    assert_non_null(strstr(err.message, "999"));
}

static void other_sqlite_database_is_not_adopted(void **state)
{
    (void)state;
    char p[300];
    path_in_tmp(p, sizeof p, "other.db");
    sqlite3 *db;
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    helby_store *st = NULL;
    helby_error err;
    assert_int_equal(helby_store_open(&st, p, HELBY_OPEN_EXISTING, &err), HELBY_ESTORE);
    assert_non_null(strstr(err.message, "not a helby store"));
}

static void text_file_is_not_a_store(void **state)
{
    (void)state;
    char p[300];
    path_in_tmp(p, sizeof p, "text.db");
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    for (int i = 0; i < 100; i++)
        fputs("this is not a database at all\n", f);
    fclose(f);
    helby_store *st = NULL;
    helby_error err;
    assert_int_equal(helby_store_open(&st, p, HELBY_OPEN_EXISTING, &err), HELBY_ESTORE);
    assert_non_null(strstr(err.message, "not a helby store"));
}

/* Write a small frame as a wave and read it back, columns and values intact. */
static void written_wave_loads_back_column_for_column(void **state)
{
    (void)state;
    char p[300], dir[300];
    path_in_tmp(p, sizeof p, "e.db");
    snprintf(dir, sizeof dir, "%s/surveys/copenhagen", HELBY_SOURCE_ROOT);
    helby_error err;
    helby_survey *s = NULL;
    assert_int_equal(helby_survey_load(&s, dir, &err), HELBY_OK);
    helby_store *st = NULL;
    assert_int_equal(helby_store_open(&st, p, HELBY_OPEN_CREATE, &err), HELBY_OK);
    int changed = 0;
    assert_int_equal(helby_store_add_survey(st, s, 0, &changed, &err), HELBY_OK);
    assert_int_equal(changed, 1);
    assert_int_equal(helby_store_add_survey(st, s, 0, &changed, &err), HELBY_OK);
    assert_int_equal(changed, 0); /* same definition: nothing written */

    helby_frame *f = NULL;
    assert_int_equal(helby_frame_new(&f, 2011, 3, 2, &err), HELBY_OK);
    f->cols[0].name = strdup("x");
    f->cols[0].num = malloc(3 * sizeof(double));
    f->cols[0].num[0] = 1.5;
    f->cols[0].num[1] = NAN;
    f->cols[0].num[2] = 99;
    f->cols[1].name = strdup("id");
    f->cols[1].is_text = 1;
    static const char ids[] = "a\0bb\0Østerbro";
    f->cols[1].text_len = sizeof ids;
    f->cols[1].text_buf = malloc(sizeof ids);
    memcpy(f->cols[1].text_buf, ids, sizeof ids);
    helby_import_record rec = {"test.csv", "00ff", 10, "delimiter=;", 0};
    int64_t import_id = 0;
    assert_int_equal(helby_store_write_wave(st, s, f, &rec, &import_id, &err), HELBY_OK);
    assert_true(import_id > 0);
    /* The same file again, and another file for the same wave, are refused. */
    assert_int_equal(helby_store_write_wave(st, s, f, &rec, NULL, &err), HELBY_EEXISTS);
    assert_non_null(strstr(err.message, "already imported"));
    helby_import_record rec2 = {"other.csv", "11ee", 10, "delimiter=;", 0};
    assert_int_equal(helby_store_write_wave(st, s, f, &rec2, NULL, &err), HELBY_EEXISTS);
    assert_non_null(strstr(err.message, "--replace"));
    rec2.replace = 1;
    assert_int_equal(helby_store_write_wave(st, s, f, &rec2, NULL, &err), HELBY_OK);
    helby_frame_free(f);

    helby_frame *g = NULL;
    assert_int_equal(helby_store_load_wave(st, s->id, 2011, NULL, 0, &g, &err), HELBY_OK);
    assert_int_equal(g->n_rows, 3);
    assert_int_equal(g->n_cols, 2);
    const helby_column *x = helby_frame_col(g, "x");
    assert_non_null(x);
    assert_true(x->num[0] == 1.5 && isnan(x->num[1]) && x->num[2] == 99);
    const helby_column *id = helby_frame_col(g, "id");
    assert_non_null(id);
    assert_true(id->is_text);
    assert_string_equal(id->text[1], "bb");
    assert_string_equal(id->text[2], "Østerbro");
    helby_frame_free(g);

    const char *want[] = {"id"};
    assert_int_equal(helby_store_load_wave(st, s->id, 2011, want, 1, &g, &err), HELBY_OK);
    assert_int_equal(g->n_cols, 1);
    helby_frame_free(g);
    const char *bad[] = {"nosuch"};
    assert_int_equal(helby_store_load_wave(st, s->id, 2011, bad, 1, &g, &err), HELBY_ENOTFOUND);
    assert_int_equal(helby_store_load_wave(st, s->id, 1999, NULL, 0, &g, &err), HELBY_ENOTFOUND);

    helby_wave_info *w = NULL;
    size_t n = 0;
    assert_int_equal(helby_store_list_waves(st, s->id, &w, &n, &err), HELBY_OK);
    assert_int_equal(n, 1);
    assert_string_equal(w[0].file_name, "other.csv");
    free(w);
    helby_store_close(st);
    helby_survey_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_store_is_created_with_mode_0600),
        cmocka_unit_test(creating_over_an_existing_file_is_refused),
        cmocka_unit_test(opening_a_missing_store_says_how_to_create_one),
        cmocka_unit_test(schema_version_is_recorded_and_reopening_keeps_it),
        cmocka_unit_test(store_from_a_newer_engine_is_refused),
        cmocka_unit_test(other_sqlite_database_is_not_adopted),
        cmocka_unit_test(text_file_is_not_a_store),
        cmocka_unit_test(written_wave_loads_back_column_for_column),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
