/* util.c — small containers (util_internal.h). */
#include "base/util_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void *helby_alloc_big(size_t bytes)
{
    const size_t huge = 2u << 20;
    if (bytes < 2 * huge)
        return malloc(bytes ? bytes : 1);
    void *p = NULL;
    if (posix_memalign(&p, huge, bytes) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

int helby_buf_append(helby_buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) {
            if (cap > SIZE_MAX / 2)
                return -1;
            cap *= 2;
        }
        char *d = realloc(b->data, cap);
        if (!d)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

void helby_buf_free(helby_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void helby_strmap_init(helby_strmap *m)
{
    memset(m, 0, sizeof *m);
}

void helby_strmap_free(helby_strmap *m)
{
    free(m->slots);
    free(m->key_off);
    free(m->key_len);
    free(m->values);
    helby_buf_free(&m->keys);
    memset(m, 0, sizeof *m);
}

/* A 64-bit hash of n bytes, eight at a time (FNV-1a, a byte at a time, was a fifth of the
 * import's time on a million respondent ids). */
static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)n;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 31;
    }
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)(unsigned char)p[i] << (8 * i);
    h = (h ^ w) * 0x94d049bb133111ebULL;
    /* splitmix64 finalizer: every input bit reaches the low bits the slot index takes. */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

/* A slot holds entry + 1 in its low 32 bits and the high 32 bits of the key's hash above
 * them, so a probe compares hashes before it touches the entry's key (a cache miss). */
#if SIZE_MAX > 0xffffffffu
#define SLOT_LOW ((size_t)0xffffffffu)
#define SLOT_TAG(h) ((size_t)((h) >> 32) << 32)
#else
#define SLOT_LOW SIZE_MAX
#define SLOT_TAG(h) ((size_t)0)
#endif

static int key_eq(const helby_strmap *m, size_t e, const char *key, size_t len)
{
    return m->key_len[e] == len && memcmp(m->keys.data + m->key_off[e], key, len) == 0;
}

/* The entry of key (hash h), or SIZE_MAX. */
static size_t find(const helby_strmap *m, const char *key, size_t len, uint64_t h)
{
    if (!m->n_slots)
        return SIZE_MAX;
    size_t mask = m->n_slots - 1;
    size_t tag = SLOT_TAG(h);
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        size_t s = m->slots[i];
        if (!s)
            return SIZE_MAX;
        size_t e = (s & SLOT_LOW) - 1;
        if ((s & ~SLOT_LOW) == tag && key_eq(m, e, key, len))
            return e;
    }
}

int helby_strmap_get(const helby_strmap *m, const char *key, size_t len, size_t *value)
{
    size_t e = find(m, key, len, hash_bytes(key, len));
    if (e == SIZE_MAX)
        return 0;
    if (value)
        *value = m->values[e];
    return 1;
}

static int rehash(helby_strmap *m, size_t n_slots)
{
    size_t *slots = calloc(n_slots, sizeof *slots);
    if (!slots)
        return -1;
    size_t mask = n_slots - 1;
    for (size_t e = 0; e < m->count; e++) {
        uint64_t h = hash_bytes(m->keys.data + m->key_off[e], m->key_len[e]);
        size_t i = (size_t)h & mask;
        while (slots[i])
            i = (i + 1) & mask;
        slots[i] = SLOT_TAG(h) | (e + 1);
    }
    free(m->slots);
    m->slots = slots;
    m->n_slots = n_slots;
    return 0;
}

/* Room for n entries: the slots (at most half full) and the arrays of the entries. */
static int reserve(helby_strmap *m, size_t n)
{
    size_t slots = m->n_slots ? m->n_slots : 64;
    while (n * 2 > slots)
        slots *= 2;
    if (slots != m->n_slots && rehash(m, slots))
        return -1;
    if (n <= m->cap)
        return 0;
    size_t *a = realloc(m->key_off, n * sizeof *a);
    if (!a)
        return -1;
    m->key_off = a;
    a = realloc(m->key_len, n * sizeof *a);
    if (!a)
        return -1;
    m->key_len = a;
    a = realloc(m->values, n * sizeof *a);
    if (!a)
        return -1;
    m->values = a;
    m->cap = n;
    return 0;
}

int helby_strmap_reserve(helby_strmap *m, size_t n)
{
    return reserve(m, n);
}

uint64_t helby_strmap_hash(const char *key, size_t len)
{
    return hash_bytes(key, len);
}

void helby_strmap_prefetch(const helby_strmap *m, uint64_t h)
{
#if defined(__GNUC__) || defined(__clang__)
    if (m->n_slots)
        __builtin_prefetch(&m->slots[(size_t)h & (m->n_slots - 1)]);
#else
    (void)m;
    (void)h;
#endif
}

int helby_strmap_put_hashed(helby_strmap *m, const char *key, size_t len, uint64_t h,
                            size_t value_if_new, size_t *value)
{
    size_t found = find(m, key, len, h);
    if (found != SIZE_MAX) {
        if (value)
            *value = m->values[found];
        return 0;
    }
    if ((m->count + 1) * 2 > m->n_slots && rehash(m, m->n_slots ? m->n_slots * 2 : 64))
        return -1;
    if (m->count == m->cap && reserve(m, m->cap ? m->cap * 2 : 32))
        return -1;
    size_t off = m->keys.len;
    if (helby_buf_append(&m->keys, key, len) || helby_buf_append(&m->keys, "", 1))
        return -1;
    size_t e = m->count++;
    m->key_off[e] = off;
    m->key_len[e] = len;
    m->values[e] = value_if_new;
    size_t mask = m->n_slots - 1;
    size_t i = (size_t)h & mask;
    while (m->slots[i])
        i = (i + 1) & mask;
    m->slots[i] = SLOT_TAG(h) | (e + 1);
    if (value)
        *value = value_if_new;
    return 1;
}

int helby_strmap_put(helby_strmap *m, const char *key, size_t len, size_t value_if_new,
                     size_t *value)
{
    return helby_strmap_put_hashed(m, key, len, hash_bytes(key, len), value_if_new, value);
}

const char *helby_strmap_key(const helby_strmap *m, size_t i)
{
    return m->keys.data + m->key_off[i];
}
