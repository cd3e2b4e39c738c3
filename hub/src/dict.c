/*
 * dict.c — the hub's hash map (see dict.h for the contract).
 *
 * Layout: one array of slots, capacity a power of two, linear probing. A slot
 * is empty, full, or a tombstone left by a deletion. Tombstones keep probe
 * chains intact without moving entries, which is what makes deletion during
 * iteration safe; they are swept out when the table is rebuilt on growth.
 * The load (full + tombstones) is kept at or below 3/4 so probes stay short.
 */
#include "dict.h"

#include <stdlib.h>

#include "stafet.h"

#define DICT_MIN_CAP 16

typedef enum { SLOT_EMPTY = 0, SLOT_FULL, SLOT_TOMBSTONE } slot_state_t;

typedef struct slot {
  uint64_t hash;
  void *key; /* owned copy, key_len bytes */
  size_t key_len;
  void *value; /* borrowed */
  slot_state_t state;
} slot_t;

struct dict {
  slot_t *slots;
  size_t cap;        /* power of two */
  size_t size;       /* full slots */
  size_t tombstones; /* tombstone slots */
};

uint64_t dict_hash(const void *key, size_t key_len) {
  const unsigned char *p = key;
  uint64_t h = 14695981039346656037ULL; /* FNV-1a offset basis */
  for (size_t i = 0; i < key_len; i++) {
    h ^= p[i];
    h *= 1099511628211ULL; /* FNV prime */
  }
  /* Final mix (MurmurHash3 fmix64) so the low bits we index with are good. */
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

int dict_new(dict_t **out) {
  if (out == NULL)
    return STAFET_EINVAL;
  dict_t *d = calloc(1, sizeof(*d));
  if (d == NULL)
    return STAFET_ENOMEM;
  d->slots = calloc(DICT_MIN_CAP, sizeof(slot_t));
  if (d->slots == NULL) {
    free(d);
    return STAFET_ENOMEM;
  }
  d->cap = DICT_MIN_CAP;
  *out = d;
  return 0;
}

void dict_free(dict_t *d) {
  if (d == NULL)
    return;
  for (size_t i = 0; i < d->cap; i++)
    if (d->slots[i].state == SLOT_FULL)
      free(d->slots[i].key);
  free(d->slots);
  free(d);
}

/* Index of the full slot holding key, or d->cap if absent. */
static size_t find_slot(const dict_t *d, const void *key, size_t key_len, uint64_t hash) {
  size_t mask = d->cap - 1;
  for (size_t i = hash & mask, probes = 0; probes < d->cap; i = (i + 1) & mask, probes++) {
    const slot_t *s = &d->slots[i];
    if (s->state == SLOT_EMPTY)
      break;
    if (s->state == SLOT_FULL && s->hash == hash && s->key_len == key_len &&
        (key_len == 0 || memcmp(s->key, key, key_len) == 0))
      return i;
  }
  return d->cap;
}

/* First empty or tombstone slot on hash's probe chain; the table always has one. */
static size_t free_slot(const dict_t *d, uint64_t hash) {
  size_t mask = d->cap - 1;
  size_t i = hash & mask;
  while (d->slots[i].state == SLOT_FULL)
    i = (i + 1) & mask;
  return i;
}

/* Rebuilds the table with room for one more entry at load <= 1/2; drops tombstones. */
static int rehash(dict_t *d) {
  size_t cap = DICT_MIN_CAP;
  while ((d->size + 1) * 2 > cap)
    cap *= 2;
  slot_t *slots = calloc(cap, sizeof(slot_t));
  if (slots == NULL)
    return STAFET_ENOMEM;
  slot_t *old = d->slots;
  size_t old_cap = d->cap;
  d->slots = slots;
  d->cap = cap;
  d->tombstones = 0;
  for (size_t i = 0; i < old_cap; i++)
    if (old[i].state == SLOT_FULL)
      d->slots[free_slot(d, old[i].hash)] = old[i];
  free(old);
  return 0;
}

int dict_set(dict_t *d, const void *key, size_t key_len, void *value) {
  if (d == NULL || (key == NULL && key_len > 0))
    return STAFET_EINVAL;
  uint64_t hash = dict_hash(key, key_len);
  size_t i = find_slot(d, key, key_len, hash);
  if (i < d->cap) {
    d->slots[i].value = value;
    return 0;
  }
  if ((d->size + d->tombstones + 1) * 4 > d->cap * 3 && rehash(d) != 0)
    return STAFET_ENOMEM;
  void *copy = malloc(key_len ? key_len : 1);
  if (copy == NULL)
    return STAFET_ENOMEM;
  if (key_len > 0)
    memcpy(copy, key, key_len);
  i = free_slot(d, hash);
  if (d->slots[i].state == SLOT_TOMBSTONE)
    d->tombstones--;
  d->slots[i] =
      (slot_t){.hash = hash, .key = copy, .key_len = key_len, .value = value, .state = SLOT_FULL};
  d->size++;
  return 0;
}

void *dict_get(const dict_t *d, const void *key, size_t key_len) {
  if (d == NULL || (key == NULL && key_len > 0))
    return NULL;
  size_t i = find_slot(d, key, key_len, dict_hash(key, key_len));
  return i < d->cap ? d->slots[i].value : NULL;
}

bool dict_has(const dict_t *d, const void *key, size_t key_len) {
  if (d == NULL || (key == NULL && key_len > 0))
    return false;
  return find_slot(d, key, key_len, dict_hash(key, key_len)) < d->cap;
}

void *dict_del(dict_t *d, const void *key, size_t key_len) {
  if (d == NULL || (key == NULL && key_len > 0))
    return NULL;
  size_t i = find_slot(d, key, key_len, dict_hash(key, key_len));
  if (i == d->cap)
    return NULL;
  slot_t *s = &d->slots[i];
  void *value = s->value;
  free(s->key);
  *s = (slot_t){.state = SLOT_TOMBSTONE};
  d->size--;
  d->tombstones++;
  return value;
}

size_t dict_size(const dict_t *d) {
  return d ? d->size : 0;
}

void dict_iter_init(dict_iter_t *it, const dict_t *d) {
  it->d = d;
  it->pos = 0;
}

bool dict_iter_next(dict_iter_t *it, const void **key, size_t *key_len, void **value) {
  const dict_t *d = it->d;
  if (d == NULL)
    return false;
  for (; it->pos < d->cap; it->pos++) {
    const slot_t *s = &d->slots[it->pos];
    if (s->state != SLOT_FULL)
      continue;
    it->pos++;
    if (key)
      *key = s->key;
    if (key_len)
      *key_len = s->key_len;
    if (value)
      *value = s->value;
    return true;
  }
  return false;
}

void dict_each(const dict_t *d, void (*fn)(void *value, void *arg), void *arg) {
  dict_iter_t it;
  void *value;
  for (dict_iter_init(&it, d); dict_iter_next(&it, NULL, NULL, &value);)
    fn(value, arg);
}
