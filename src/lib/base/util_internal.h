/* util_internal.h — small containers shared by library modules. */
#ifndef HELBY_UTIL_INTERNAL_H
#define HELBY_UTIL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* malloc for large arrays (a column of a million values): 2 MB aligned and marked for
 * transparent huge pages, which turns ~2,000 page faults per 8 MB into a handful
 * (measured by scripts/bench). Free with free(). */
void *helby_alloc_big(size_t bytes);

/* A growable byte buffer. */
typedef struct helby_buf {
    char *data;
    size_t len, cap;
} helby_buf;

/* Append n bytes; returns 0 on success, -1 when out of memory. */
int helby_buf_append(helby_buf *b, const void *p, size_t n);
void helby_buf_free(helby_buf *b);

/* A hash map from strings to a size_t value, keys copied into the map.
 * Open addressing; for respondent ids, stratum and PSU labels. */
typedef struct helby_strmap {
    size_t *slots;   /* 0 = empty, else entry index + 1 */
    size_t n_slots;  /* power of two */
    size_t *key_off; /* offset of each key in keys */
    size_t *key_len;
    size_t *values;
    size_t count, cap;
    helby_buf keys;
} helby_strmap;

void helby_strmap_init(helby_strmap *m);
void helby_strmap_free(helby_strmap *m);
/* Find key; returns 1 and sets *value if present. */
int helby_strmap_get(const helby_strmap *m, const char *key, size_t len, size_t *value);
/* Insert key if absent. Returns 1 if inserted, 0 if it was present (then
 * *value holds the existing value), -1 when out of memory. On insert the
 * value stored is `value_if_new`, and *value is set to it. */
int helby_strmap_put(helby_strmap *m, const char *key, size_t len, size_t value_if_new,
                     size_t *value);
/* The same as helby_strmap_put, with h = helby_strmap_hash(key, len) computed before: a
 * caller that knows its next key early calls helby_strmap_prefetch(m, h) then, and the
 * map's slot (most often a cache miss in a map of a million ids) is read while it does
 * other work. The prefetch is a hint only: any put in between is fine. */
uint64_t helby_strmap_hash(const char *key, size_t len);
void helby_strmap_prefetch(const helby_strmap *m, uint64_t h);
int helby_strmap_put_hashed(helby_strmap *m, const char *key, size_t len, uint64_t h,
                            size_t value_if_new, size_t *value);
/* Room for n entries without growing (the map is never rehashed below n); 0, or -1 when out
 * of memory (the map unchanged and usable). */
int helby_strmap_reserve(helby_strmap *m, size_t n);
/* The key of entry i (0..count-1), NUL-terminated. */
const char *helby_strmap_key(const helby_strmap *m, size_t i);

#endif
