/* test_codes.c — design codes (src/lib/store/codes.c, schemas/004_codes.sql): stratum and PSU
 * columns numbered by first appearance at import, read back, upgraded into old stores. */
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
#include <unistd.h>

#include "helby/store.h"
#include "helby/survey.h"

static char tmpdir[256];
static helby_survey *survey; /* surveys/copenhagen: strata = stratum, psu = psu */

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/helby-test-codes-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    helby_error err;
    return helby_survey_load(&survey, HELBY_SOURCE_ROOT "/surveys/copenhagen", &err) ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    helby_survey_free(survey);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd);
}

/* ---- the example wave, numbered by hand ---- */

/* stratum (numeric): 1e6 and 1000000.4 both print "1e+06", so they are one level, as
 * they were one stratum when estimation keyed strata by "%g". Empty cells are "nan". */
static const double stratum_vals[] = {3, 1, 3, NAN, 1, 2.5, NAN, 1e6, 1000000.4, -7};
static const uint32_t stratum_codes[] = {0, 1, 0, 2, 1, 3, 2, 4, 4, 5};
static const char *const stratum_labels[] = {"3", "1", "nan", "2.5", "1e+06", "-7"};
/* psu (text) */
static const char psu_text[] = "B\0A\0B\0Østerbro\0A\0\0B\0Østerbro\0C\0A";
static const uint32_t psu_codes[] = {0, 1, 0, 2, 1, 3, 0, 2, 4, 1};
static const char *const psu_labels[] = {"B", "A", "Østerbro", "", "C"};
/* x (numeric, not a design column: numbered on load) */
static const double x_vals[] = {5, 5, 5, 4, 4, 5, 0.1, 0.1, 5, 4};
static const uint32_t x_codes[] = {0, 0, 0, 1, 1, 0, 2, 2, 0, 1};
static const char *const x_labels[] = {"5", "4", "0.1"};
#define N_ROWS 10

static helby_frame *example_frame(long wave)
{
    helby_frame *f = NULL;
    helby_error err;
    assert_int_equal(helby_frame_new(&f, wave, N_ROWS, 3, &err), HELBY_OK);
    f->cols[0].name = strdup("stratum");
    f->cols[0].num = malloc(sizeof stratum_vals);
    memcpy(f->cols[0].num, stratum_vals, sizeof stratum_vals);
    f->cols[1].name = strdup("psu");
    f->cols[1].is_text = 1;
    f->cols[1].text_len = sizeof psu_text;
    f->cols[1].text_buf = malloc(sizeof psu_text);
    memcpy(f->cols[1].text_buf, psu_text, sizeof psu_text);
    f->cols[1].text = malloc(N_ROWS * sizeof(char *));
    for (size_t i = 0, at = 0; i < N_ROWS; i++) {
        f->cols[1].text[i] = f->cols[1].text_buf + at;
        at += strlen(f->cols[1].text[i]) + 1;
    }
    f->cols[2].name = strdup("x");
    f->cols[2].num = malloc(sizeof x_vals);
    memcpy(f->cols[2].num, x_vals, sizeof x_vals);
    return f;
}

static helby_store *new_store(const char *name, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", tmpdir, name);
    helby_store *st = NULL;
    helby_error err;
    assert_int_equal(helby_store_open(&st, path, HELBY_OPEN_CREATE, &err), HELBY_OK);
    assert_int_equal(helby_store_add_survey(st, survey, 0, NULL, &err), HELBY_OK);
    return st;
}

static void write_example(helby_store *st, long wave, const char *sha)
{
    helby_frame *f = example_frame(wave);
    helby_import_record rec = {"wave.csv", sha, 100, "delimiter=;", 0};
    helby_error err;
    assert_int_equal(helby_store_write_wave(st, survey, f, &rec, NULL, &err), HELBY_OK);
    helby_frame_free(f);
}

static void assert_codes(helby_store *st, long wave, const char *var, const uint32_t *codes,
                         const char *const *labels, size_t n_levels)
{
    helby_wave_codes *c = NULL;
    helby_error err;
    assert_int_equal(helby_store_load_codes(st, survey->id, wave, var, &c, &err), HELBY_OK);
    assert_int_equal(c->n, N_ROWS);
    assert_int_equal(c->n_levels, n_levels);
    for (size_t i = 0; i < N_ROWS; i++)
        assert_int_equal(c->code[i], codes[i]);
    for (size_t k = 0; k < n_levels; k++)
        assert_string_equal(c->labels[k], labels[k]);
    helby_wave_codes_free(c);
}

static void assert_example_codes(helby_store *st, long wave)
{
    assert_codes(st, wave, "stratum", stratum_codes, stratum_labels, 6);
    assert_codes(st, wave, "psu", psu_codes, psu_labels, 5);
    assert_codes(st, wave, "x", x_codes, x_labels, 3);
}

/* An integer from SQL on the store file, through a connection of its own. */
static long long sql_int(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    long long v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static void sql_exec(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* ---- tests ---- */

static void import_stores_codes_of_strata_and_psus_numbered_by_first_appearance(void **state)
{
    (void)state;
    char p[300];
    helby_store *st = new_store("import.db", p, sizeof p);
    write_example(st, 2011, "aa01");
    /* Stored for the design columns only: x is numbered when loaded. */
    assert_int_equal(sql_int(p, "SELECT count(*) FROM wave_codes"), 2);
    assert_int_equal(sql_int(p, "SELECT count(*) FROM wave_codes WHERE variable = 'x'"), 0);
    assert_int_equal(sql_int(p, "SELECT n_levels FROM wave_codes WHERE variable = 'stratum'"), 6);
    assert_int_equal(sql_int(p, "SELECT length(codes) FROM wave_codes WHERE variable = 'psu'"),
                     4 * N_ROWS);
    assert_example_codes(st, 2011);
    helby_store_close(st);
}

static void stored_and_computed_codes_agree(void **state)
{
    (void)state;
    char p[300];
    helby_store *st = new_store("agree.db", p, sizeof p);
    write_example(st, 2011, "bb01");
    helby_error err;
    helby_wave_codes *stored[2] = {NULL, NULL}, *computed[2] = {NULL, NULL};
    const char *vars[2] = {"stratum", "psu"};
    for (int v = 0; v < 2; v++)
        assert_int_equal(helby_store_load_codes(st, survey->id, 2011, vars[v], &stored[v], &err),
                         HELBY_OK);
    sql_exec(p, "DELETE FROM wave_codes");
    for (int v = 0; v < 2; v++) {
        assert_int_equal(helby_store_load_codes(st, survey->id, 2011, vars[v], &computed[v], &err),
                         HELBY_OK);
        assert_int_equal(stored[v]->n, computed[v]->n);
        assert_int_equal(stored[v]->n_levels, computed[v]->n_levels);
        assert_memory_equal(stored[v]->code, computed[v]->code, N_ROWS * sizeof(uint32_t));
        for (size_t k = 0; k < stored[v]->n_levels; k++)
            assert_string_equal(stored[v]->labels[k], computed[v]->labels[k]);
        helby_wave_codes_free(stored[v]);
        helby_wave_codes_free(computed[v]);
    }
    assert_example_codes(st, 2011); /* computed: the same numbers written out above */
    helby_store_close(st);
}

static void unknown_survey_wave_or_variable_is_not_found(void **state)
{
    (void)state;
    char p[300];
    helby_store *st = new_store("unknown.db", p, sizeof p);
    write_example(st, 2011, "cc01");
    helby_error err;
    helby_wave_codes *c = (helby_wave_codes *)&err; /* must be reset to NULL */
    assert_int_equal(helby_store_load_codes(st, "nosuch", 2011, "psu", &c, &err), HELBY_ENOTFOUND);
    assert_null(c);
    assert_int_equal(helby_store_load_codes(st, survey->id, 1999, "psu", &c, &err),
                     HELBY_ENOTFOUND);
    assert_int_equal(helby_store_load_codes(st, survey->id, 2011, "nosuch", &c, &err),
                     HELBY_ENOTFOUND);
    assert_null(c);
    helby_wave_codes_free(NULL);
    helby_store_close(st);
}

/* Many levels (hash tables grow): 200,000 rows cycling through 7,919 values, so level k is
 * the k-th value and row i has code i % 7919. Numeric: value k is k / 4 - 1000 (labels by
 * "%g", all distinct); text: "L<k>". */
static void many_levels_are_numbered_like_a_cycle(void **state)
{
    (void)state;
    enum { N = 200000, L = 7919 };
    char p[300];
    helby_store *st = new_store("many.db", p, sizeof p);
    helby_frame *f = NULL;
    helby_error err;
    assert_int_equal(helby_frame_new(&f, 2012, N, 2, &err), HELBY_OK);
    f->cols[0].name = strdup("stratum");
    f->cols[0].num = malloc(N * sizeof(double));
    f->cols[1].name = strdup("psu");
    f->cols[1].is_text = 1;
    f->cols[1].text_buf = malloc((size_t)N * 8);
    f->cols[1].text = malloc(N * sizeof(char *));
    size_t at = 0;
    for (size_t i = 0; i < N; i++) {
        f->cols[0].num[i] = (double)(i % L) / 4 - 1000;
        f->cols[1].text[i] = f->cols[1].text_buf + at;
        at += (size_t)sprintf(f->cols[1].text_buf + at, "L%zu", i % L) + 1;
    }
    f->cols[1].text_len = at;
    helby_import_record rec = {"many.csv", "dd01", 100, "delimiter=;", 0};
    assert_int_equal(helby_store_write_wave(st, survey, f, &rec, NULL, &err), HELBY_OK);
    helby_frame_free(f);
    const char *vars[2] = {"stratum", "psu"};
    for (int v = 0; v < 2; v++) {
        helby_wave_codes *c = NULL;
        assert_int_equal(helby_store_load_codes(st, survey->id, 2012, vars[v], &c, &err), HELBY_OK);
        assert_int_equal(c->n, N);
        assert_int_equal(c->n_levels, L);
        for (size_t i = 0; i < N; i++)
            if (c->code[i] != i % L)
                fail_msg("%s row %zu: code %u, want %zu", vars[v], i, c->code[i], i % L);
        char want[64];
        for (size_t k = 0; k < L; k++) {
            if (v == 0)
                snprintf(want, sizeof want, "%g", (double)k / 4 - 1000);
            else
                snprintf(want, sizeof want, "L%zu", k);
            assert_string_equal(c->labels[k], want);
        }
        helby_wave_codes_free(c);
    }
    helby_store_close(st);
}

/* A schema-3 store (migrations 001-003: everything but wave_codes) with one wave. */
static void make_schema3_store(const char *name, char *path, size_t n)
{
    helby_store *st = new_store(name, path, n);
    write_example(st, 2011, "ee01");
    helby_store_close(st);
    sql_exec(
        path,
        "DROP TABLE wave_codes; DROP TABLE IF EXISTS weight_set_version; DROP TABLE run_dropped; "
        "PRAGMA user_version = 3;");
    assert_int_equal(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'wave_codes'"),
                     0);
}

static void schema3_store_reads_read_only_with_codes_computed_and_nothing_written(void **state)
{
    (void)state;
    char p[300];
    make_schema3_store("old-ro.db", p, sizeof p);
    helby_store *st = NULL;
    helby_error err;
    assert_int_equal(helby_store_open(&st, p, HELBY_OPEN_READONLY, &err), HELBY_OK);
    assert_example_codes(st, 2011);
    helby_store_close(st);
    assert_int_equal(sql_int(p, "PRAGMA user_version"), 3);
    assert_int_equal(sql_int(p, "SELECT count(*) FROM sqlite_master WHERE name = 'wave_codes'"), 0);
}

static void schema3_store_is_upgraded_in_place_with_codes_of_its_waves(void **state)
{
    (void)state;
    char p[300];
    make_schema3_store("old-rw.db", p, sizeof p);
    helby_store *st = NULL;
    helby_error err;
    assert_int_equal(helby_store_open(&st, p, HELBY_OPEN_EXISTING, &err), HELBY_OK);
    assert_int_equal(sql_int(p, "PRAGMA user_version"), helby_store_engine_schema_version());
    assert_int_equal(sql_int(p, "SELECT count(*) FROM wave_codes"), 2);
    assert_example_codes(st, 2011);
    /* and it keeps working: another wave imports with its codes */
    write_example(st, 2012, "ee02");
    assert_int_equal(sql_int(p, "SELECT count(*) FROM wave_codes"), 4);
    assert_example_codes(st, 2012);
    helby_store_close(st);
}

static void older_store_is_still_refused_read_only(void **state)
{
    (void)state;
    char p[300];
    make_schema3_store("old2.db", p, sizeof p);
    sql_exec(p, "DROP TABLE weight_set; PRAGMA user_version = 2;");
    helby_store *st = NULL;
    helby_error err;
    assert_int_equal(helby_store_open(&st, p, HELBY_OPEN_READONLY, &err), HELBY_ESTORE);
    assert_non_null(strstr(err.message, "needs upgrading"));
}

/* A trigger makes storing the PSU codes fail after the stratum codes were stored. */
static void failed_import_leaves_no_codes_behind(void **state)
{
    (void)state;
    char p[300];
    helby_store *st = new_store("fail.db", p, sizeof p);
    sql_exec(p, "CREATE TRIGGER no_psu BEFORE INSERT ON wave_codes WHEN NEW.variable = 'psu' "
                "AND (SELECT wave FROM wave WHERE id = NEW.wave_id) = 2012 "
                "BEGIN SELECT RAISE(ABORT, 'injected'); END;");
    helby_error err;
    helby_frame *f = example_frame(2012);
    helby_import_record rec = {"wave.csv", "ff01", 100, "delimiter=;", 0};
    assert_int_equal(helby_store_write_wave(st, survey, f, &rec, NULL, &err), HELBY_ESTORE);
    assert_non_null(strstr(err.message, "injected"));
    assert_int_equal(sql_int(p, "SELECT count(*) FROM wave_codes"), 0);
    assert_int_equal(sql_int(p, "SELECT count(*) FROM wave"), 0);
    assert_int_equal(sql_int(p, "SELECT count(*) FROM import"), 0);

    /* Inside a caller's transaction: the failed wave is undone alone. */
    assert_int_equal(helby_store_begin(st, &err), HELBY_OK);
    write_example(st, 2011, "ff02");
    rec.sha256 = "ff03";
    assert_int_equal(helby_store_write_wave(st, survey, f, &rec, NULL, &err), HELBY_ESTORE);
    assert_int_equal(helby_store_commit(st, &err), HELBY_OK);
    assert_int_equal(sql_int(p, "SELECT count(*) FROM wave_codes"), 2);
    assert_int_equal(sql_int(p, "SELECT count(*) FROM wave_codes c JOIN wave w ON "
                                "w.id = c.wave_id WHERE w.wave = 2012"),
                     0);
    assert_example_codes(st, 2011);
    helby_frame_free(f);
    helby_store_close(st);
}

static void replacing_a_wave_replaces_its_codes(void **state)
{
    (void)state;
    char p[300];
    helby_store *st = new_store("replace.db", p, sizeof p);
    write_example(st, 2011, "ab01");
    helby_frame *f = example_frame(2011);
    f->cols[0].num[0] = 42; /* stratum of row 0: a new level, first */
    helby_import_record rec = {"wave2.csv", "ab02", 100, "delimiter=;", 1};
    helby_error err;
    assert_int_equal(helby_store_write_wave(st, survey, f, &rec, NULL, &err), HELBY_OK);
    helby_frame_free(f);
    assert_int_equal(sql_int(p, "SELECT count(*) FROM wave_codes"), 2);
    static const uint32_t codes[] = {0, 1, 2, 3, 1, 4, 3, 5, 5, 6};
    static const char *const labels[] = {"42", "1", "3", "nan", "2.5", "1e+06", "-7"};
    assert_codes(st, 2011, "stratum", codes, labels, 7);
    helby_store_close(st);
}

/* Damage is reported, not passed on as codes out of range. */
static void damaged_codes_are_an_error(void **state)
{
    (void)state;
    char p[300];
    helby_store *st = new_store("damaged.db", p, sizeof p);
    write_example(st, 2011, "da01");
    sql_exec(p, "UPDATE wave_codes SET n_levels = 2 WHERE variable = 'psu'");
    helby_wave_codes *c = NULL;
    helby_error err;
    assert_int_equal(helby_store_load_codes(st, survey->id, 2011, "psu", &c, &err), HELBY_ESTORE);
    assert_null(c);
    assert_non_null(strstr(err.message, "damaged"));
    sql_exec(p, "UPDATE wave_codes SET n_levels = 6, codes = x'00' WHERE variable = 'stratum'");
    assert_int_equal(helby_store_load_codes(st, survey->id, 2011, "stratum", &c, &err),
                     HELBY_ESTORE);
    helby_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(import_stores_codes_of_strata_and_psus_numbered_by_first_appearance),
        cmocka_unit_test(stored_and_computed_codes_agree),
        cmocka_unit_test(unknown_survey_wave_or_variable_is_not_found),
        cmocka_unit_test(many_levels_are_numbered_like_a_cycle),
        cmocka_unit_test(schema3_store_reads_read_only_with_codes_computed_and_nothing_written),
        cmocka_unit_test(schema3_store_is_upgraded_in_place_with_codes_of_its_waves),
        cmocka_unit_test(older_store_is_still_refused_read_only),
        cmocka_unit_test(failed_import_leaves_no_codes_behind),
        cmocka_unit_test(replacing_a_wave_replaces_its_codes),
        cmocka_unit_test(damaged_codes_are_an_error),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
