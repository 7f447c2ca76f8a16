/* test_util.c — the small containers of src/lib/base/util.c: the string map that holds a
 * file's respondent ids, strata and PSUs while it is imported (helby_strmap_*, internal). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/util_internal.h"

/* A map reserved for n keys takes n distinct keys without being rehashed, finds each again
 * with its own value, and tells a key put twice, by put and by put_hashed alike. */
static void a_reserved_map_takes_its_keys_without_growing(void **state)
{
    (void)state;
    enum { N = 5000 };
    helby_strmap m;
    helby_strmap_init(&m);
    assert_int_equal(helby_strmap_reserve(&m, N), 0);
    size_t slots = m.n_slots, cap = m.cap;
    assert_true(slots >= 2 * N); /* at most half full: probes stay short */
    assert_true(cap >= N);
    char key[32];
    for (size_t i = 0; i < N; i++) {
        int n = snprintf(key, sizeof key, "2011-%07zu", i);
        uint64_t h = helby_strmap_hash(key, (size_t)n);
        helby_strmap_prefetch(&m, h);
        size_t v = 0;
        assert_int_equal(helby_strmap_put_hashed(&m, key, (size_t)n, h, i + 100, &v), 1);
        assert_int_equal(v, i + 100);
    }
    assert_int_equal(m.count, N);
    assert_int_equal(m.n_slots, slots);
    assert_true(m.key_off != NULL && m.cap == cap);
    for (size_t i = 0; i < N; i += 7) {
        int n = snprintf(key, sizeof key, "2011-%07zu", i);
        size_t v = 0;
        assert_int_equal(helby_strmap_get(&m, key, (size_t)n, &v), 1);
        assert_int_equal(v, i + 100);
        /* Put again: not inserted, the first value given back. */
        assert_int_equal(helby_strmap_put(&m, key, (size_t)n, 1, &v), 0);
        assert_int_equal(v, i + 100);
        uint64_t h = helby_strmap_hash(key, (size_t)n);
        assert_int_equal(helby_strmap_put_hashed(&m, key, (size_t)n, h, 2, &v), 0);
        assert_int_equal(v, i + 100);
        assert_string_equal(helby_strmap_key(&m, i), key);
    }
    assert_int_equal(m.count, N);
    assert_int_equal(helby_strmap_get(&m, "2011-9999999", 12, NULL), 0);
    helby_strmap_free(&m);
}

/* Past its reservation the map grows as before; a key that is a prefix of another, and the
 * empty key, are keys of their own. */
static void a_map_grows_past_its_reservation(void **state)
{
    (void)state;
    helby_strmap m;
    helby_strmap_init(&m);
    assert_int_equal(helby_strmap_reserve(&m, 4), 0);
    char key[32];
    for (size_t i = 0; i < 1000; i++) {
        int n = snprintf(key, sizeof key, "S%zu", i);
        assert_int_equal(helby_strmap_put(&m, key, (size_t)n, i, NULL), 1);
    }
    assert_int_equal(helby_strmap_put(&m, "", 0, 1000, NULL), 1);
    assert_int_equal(m.count, 1001);
    size_t v = 0;
    assert_int_equal(helby_strmap_get(&m, "S1", 2, &v), 1); /* not S10, S100 */
    assert_int_equal(v, 1);
    assert_int_equal(helby_strmap_get(&m, "S999", 4, &v), 1);
    assert_int_equal(v, 999);
    assert_int_equal(helby_strmap_get(&m, "", 0, &v), 1);
    assert_int_equal(v, 1000);
    /* A reservation below the count changes nothing. */
    size_t slots = m.n_slots;
    assert_int_equal(helby_strmap_reserve(&m, 10), 0);
    assert_int_equal(m.n_slots, slots);
    assert_int_equal(helby_strmap_get(&m, "S500", 4, &v), 1);
    assert_int_equal(v, 500);
    helby_strmap_free(&m);
}

/* A prefetch on an empty map (no slots yet) is harmless. */
static void a_prefetch_on_an_empty_map_does_nothing(void **state)
{
    (void)state;
    helby_strmap m;
    helby_strmap_init(&m);
    helby_strmap_prefetch(&m, helby_strmap_hash("x", 1));
    assert_int_equal(helby_strmap_put_hashed(&m, "x", 1, helby_strmap_hash("x", 1), 7, NULL), 1);
    size_t v = 0;
    assert_int_equal(helby_strmap_get(&m, "x", 1, &v), 1);
    assert_int_equal(v, 7);
    helby_strmap_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_reserved_map_takes_its_keys_without_growing),
        cmocka_unit_test(a_map_grows_past_its_reservation),
        cmocka_unit_test(a_prefetch_on_an_empty_map_does_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
