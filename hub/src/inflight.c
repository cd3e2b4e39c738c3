/*
 * inflight.c — the set of deliveries one consumer holds, keyed by stream id.
 *
 * An ack must name a delivery the acking session holds (otherwise the hub
 * answers UNKNOWN_DELIVERY), and the set's size is what credit is measured
 * against. Open addressing with linear probing: no allocation per delivery.
 * Each held id may carry a tag: the metrics' counters of its topic, so that an
 * ack can be counted per topic without asking Redis what it was.
 */
#include "hub.h"

#include "stafet.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int stream_id_parse(const char *text, stream_id_t *out) {
  char *end = NULL;
  if (text == NULL || *text < '0' || *text > '9')
    return STAFET_EINVAL;
  unsigned long long ms = strtoull(text, &end, 10);
  if (*end != '-' || end[1] < '0' || end[1] > '9')
    return STAFET_EINVAL;
  unsigned long long seq = strtoull(end + 1, &end, 10);
  if (*end != '\0')
    return STAFET_EINVAL;
  out->ms = ms;
  out->seq = seq;
  return 0;
}

void stream_id_format(stream_id_t id, char *out, size_t out_size) {
  snprintf(out, out_size, "%" PRIu64 "-%" PRIu64, id.ms, id.seq);
}

/* Ids come in runs (one millisecond, consecutive sequence numbers), so the
 * whole id goes through a full 64-bit mix (splitmix64's finalizer): a weaker
 * mix put a run into neighbouring slots, and linear probing through those
 * clusters made an add cost ~1,100 instructions (rehashes included)
 * instead of ~250 (callgrind, durable benchmark). */
static size_t slot_of(stream_id_t id, size_t capacity) {
  uint64_t h = id.ms * 0x9E3779B97F4A7C15ULL + id.seq;
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBULL;
  h ^= h >> 31;
  return (size_t)(h & (capacity - 1));
}

static int grow(inflight_t *set) {
  size_t capacity = set->capacity ? set->capacity * 2 : 64;
  if (set->count * 4 < set->capacity * 2 && set->capacity > 0)
    capacity = set->capacity; /* only tombstones: rehash in place */
  inflight_t bigger = {0};
  bigger.slots = calloc(capacity, sizeof *bigger.slots);
  bigger.tags = calloc(capacity, sizeof *bigger.tags);
  bigger.used = calloc(capacity, 1);
  bigger.capacity = capacity;
  if (bigger.slots == NULL || bigger.tags == NULL || bigger.used == NULL) {
    inflight_free(&bigger);
    return STAFET_ENOMEM;
  }
  for (size_t i = 0; i < set->capacity; i++)
    if (set->used[i] == 1)
      inflight_add_tagged(&bigger, set->slots[i], set->tags[i]);
  inflight_free(set);
  *set = bigger;
  return 0;
}

int inflight_add(inflight_t *set, stream_id_t id) {
  return inflight_add_tagged(set, id, NULL);
}

int inflight_add_tagged(inflight_t *set, stream_id_t id, void *tag) {
  if ((set->count + set->tombstones + 1) * 4 > set->capacity * 3) {
    int rc = grow(set);
    if (rc != 0)
      return rc;
  }
  size_t free_slot = SIZE_MAX;
  for (size_t i = slot_of(id, set->capacity);; i = (i + 1) & (set->capacity - 1)) {
    if (set->used[i] == 1 && set->slots[i].ms == id.ms && set->slots[i].seq == id.seq)
      return 0; /* held already (a redelivery to the same consumer) */
    if (set->used[i] == 2 && free_slot == SIZE_MAX)
      free_slot = i;
    if (set->used[i] == 0) {
      if (free_slot == SIZE_MAX)
        free_slot = i;
      else
        set->tombstones--;
      set->used[free_slot] = 1;
      set->slots[free_slot] = id;
      set->tags[free_slot] = tag;
      set->count++;
      return 0;
    }
  }
}

bool inflight_remove(inflight_t *set, stream_id_t id) {
  return inflight_take(set, id, NULL);
}

bool inflight_take(inflight_t *set, stream_id_t id, void **tag) {
  if (set->capacity == 0)
    return false;
  for (size_t i = slot_of(id, set->capacity), n = 0; n < set->capacity;
       i = (i + 1) & (set->capacity - 1), n++) {
    if (set->used[i] == 0)
      return false;
    if (set->used[i] == 1 && set->slots[i].ms == id.ms && set->slots[i].seq == id.seq) {
      if (tag != NULL)
        *tag = set->tags[i];
      set->used[i] = 2;
      set->count--;
      set->tombstones++;
      return true;
    }
  }
  return false;
}

void inflight_free(inflight_t *set) {
  free(set->slots);
  free(set->tags);
  free(set->used);
  memset(set, 0, sizeof *set);
}
