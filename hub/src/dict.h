/*
 * dict.h — a hash map from byte-string keys to pointers.
 *
 * The hub keeps its in-memory tables in dicts: sessions by ZeroMQ routing id
 * (binary, may contain NUL bytes, hence the explicit key length),
 * subscriptions by name, targets of the router by pointer. Keys are copied in;
 * values are borrowed: the dict never frees or looks into them.
 *
 * Open addressing with linear probing; deleted slots become tombstones, so
 * deleting the entry an iterator has just returned is safe (nothing moves).
 * The table grows (and drops its tombstones) on insertion only.
 *
 *   dict_t *d; dict_new(&d);
 *   dict_sets(d, "cpr", adapter);
 *   adapter_t *a = dict_gets(d, "cpr");
 *   dict_iter_t it; const void *k; size_t klen; void *v;
 *   for (dict_iter_init(&it, d); dict_iter_next(&it, &k, &klen, &v);)
 *     if (is_dead(v)) dict_del(d, k, klen);   // fine: k stays valid until then
 *   dict_free(d);
 */
#ifndef STAFET_DICT_H
#define STAFET_DICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct dict dict_t;

/* Creates an empty dict in *out (owned by the caller, free with dict_free). 0 or STAFET_ENOMEM. */
int dict_new(dict_t **out);

/* Frees the dict and the key copies it made; never the values. NULL is fine. */
void dict_free(dict_t *d);

/*
 * Maps key (key_len bytes, copied; key may be NULL only if key_len is 0) to
 * value (borrowed). Replaces the value if the key is present. A NULL value is
 * stored, but dict_get cannot tell it from absence: use dict_has.
 * Returns 0, STAFET_EINVAL or STAFET_ENOMEM (the dict is unchanged then).
 */
int dict_set(dict_t *d, const void *key, size_t key_len, void *value);

/* The value stored under key (borrowed), or NULL if absent. */
void *dict_get(const dict_t *d, const void *key, size_t key_len);

/* Whether key is present. */
bool dict_has(const dict_t *d, const void *key, size_t key_len);

/* Removes key and frees its copy; returns the removed value (now the caller's) or NULL. */
void *dict_del(dict_t *d, const void *key, size_t key_len);

/* Number of entries. */
size_t dict_size(const dict_t *d);

/* The hash the dict uses (64-bit, FNV-1a with a final mix); other tables may share it. */
uint64_t dict_hash(const void *key, size_t key_len);

/*
 * Iteration in no particular order. Deleting the entry just returned (or any
 * other) is safe; inserting during iteration is not (the table may grow).
 * *key points at the dict's copy and stays valid until that entry is deleted.
 */
typedef struct dict_iter {
  const dict_t *d;
  size_t pos;
} dict_iter_t;

void dict_iter_init(dict_iter_t *it, const dict_t *d);
bool dict_iter_next(dict_iter_t *it, const void **key, size_t *key_len, void **value);

/* Calls fn(value, arg) for every entry; fn may delete the entry it is given
 * (or others), but must not insert. */
void dict_each(const dict_t *d, void (*fn)(void *value, void *arg), void *arg);

/* Conveniences for NUL-terminated string keys (the NUL is not part of the key). */
static inline int dict_sets(dict_t *d, const char *key, void *value) {
  return dict_set(d, key, strlen(key), value);
}
static inline void *dict_gets(const dict_t *d, const char *key) {
  return dict_get(d, key, strlen(key));
}
static inline void *dict_dels(dict_t *d, const char *key) {
  return dict_del(d, key, strlen(key));
}

#endif
