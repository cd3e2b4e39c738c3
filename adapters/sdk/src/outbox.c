/*
 * outbox.c — the ordered, seq-indexed store of unacknowledged publishes
 * (see outbox.h for how the client uses it).
 */
#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUTBOX_MIN_BUCKETS 64

void sdk_outbox_init(sdk_outbox_t *ob) {
  memset(ob, 0, sizeof *ob);
}

void sdk_outbox_free(sdk_outbox_t *ob) {
  sdk_entry_t *e = ob->head;
  while (e) {
    sdk_entry_t *next = e->next;
    free(e);
    e = next;
  }
  free(ob->buckets);
  sdk_outbox_init(ob);
}

sdk_entry_t *sdk_entry_new(uint64_t seq, const char *message_id, const void *frame,
                           size_t frame_len, const void *payload, size_t payload_len) {
  sdk_entry_t *e = calloc(1, sizeof *e + frame_len + payload_len);
  if (!e)
    return NULL;
  e->seq = seq;
  snprintf(e->message_id, sizeof e->message_id, "%s", message_id);
  e->frame_len = frame_len;
  e->payload_len = payload_len;
  if (frame)
    memcpy(e->data, frame, frame_len);
  if (payload_len > 0)
    memcpy(e->data + frame_len, payload, payload_len);
  return e;
}

static size_t bucket_of(const sdk_outbox_t *ob, uint64_t seq) {
  return (size_t)(seq * 0x9e3779b97f4a7c15ull >> 32) & (ob->n_buckets - 1);
}

/* Doubles the hash table (or creates it). 0 or STAFET_ENOMEM. */
static int grow(sdk_outbox_t *ob) {
  size_t n = ob->n_buckets ? ob->n_buckets * 2 : OUTBOX_MIN_BUCKETS;
  sdk_entry_t **b = calloc(n, sizeof *b);
  if (!b)
    return STAFET_ENOMEM;
  free(ob->buckets);
  ob->buckets = b;
  ob->n_buckets = n;
  for (sdk_entry_t *e = ob->head; e; e = e->next) {
    size_t i = bucket_of(ob, e->seq);
    e->hnext = b[i];
    b[i] = e;
  }
  return 0;
}

int sdk_outbox_append(sdk_outbox_t *ob, sdk_entry_t *e) {
  if (ob->count + 1 > ob->n_buckets && grow(ob) < 0)
    return STAFET_ENOMEM;
  size_t i = bucket_of(ob, e->seq);
  e->hnext = ob->buckets[i];
  ob->buckets[i] = e;
  e->prev = ob->tail;
  e->next = NULL;
  if (ob->tail)
    ob->tail->next = e;
  else
    ob->head = e;
  ob->tail = e;
  if (!ob->cursor)
    ob->cursor = e;
  ob->count++;
  ob->unsent++;
  return 0;
}

sdk_entry_t *sdk_outbox_find(const sdk_outbox_t *ob, uint64_t seq) {
  if (ob->n_buckets == 0)
    return NULL;
  sdk_entry_t *e = ob->buckets[bucket_of(ob, seq)];
  while (e && e->seq != seq)
    e = e->hnext;
  return e;
}

sdk_entry_t *sdk_outbox_find_id(const sdk_outbox_t *ob, const char *message_id) {
  for (sdk_entry_t *e = ob->head; e; e = e->next)
    if (strcmp(e->message_id, message_id) == 0)
      return e;
  return NULL;
}

/* True if e is before the cursor, i.e. it was sent in this session. */
static int was_sent(const sdk_outbox_t *ob, const sdk_entry_t *e) {
  if (!ob->cursor)
    return 1;
  return e->seq < ob->cursor->seq; /* seqs grow along the list */
}

static void retry_unlink(sdk_outbox_t *ob, sdk_entry_t *e) {
  for (sdk_entry_t **p = &ob->retry; *p; p = &(*p)->rnext) {
    if (*p == e) {
      *p = e->rnext;
      break;
    }
  }
  e->rnext = NULL;
  e->retrying = 0;
}

void sdk_outbox_remove(sdk_outbox_t *ob, sdk_entry_t *e) {
  sdk_entry_t **p = &ob->buckets[bucket_of(ob, e->seq)];
  while (*p != e)
    p = &(*p)->hnext;
  *p = e->hnext;
  if (e->retrying)
    retry_unlink(ob, e);
  if (!was_sent(ob, e))
    ob->unsent--;
  if (ob->cursor == e)
    ob->cursor = e->next;
  if (e->prev)
    e->prev->next = e->next;
  else
    ob->head = e->next;
  if (e->next)
    e->next->prev = e->prev;
  else
    ob->tail = e->prev;
  e->prev = e->next = e->hnext = NULL;
  ob->count--;
}

void sdk_outbox_rewind(sdk_outbox_t *ob) {
  while (ob->retry)
    retry_unlink(ob, ob->retry);
  ob->cursor = ob->head;
  ob->unsent = ob->count;
}

void sdk_outbox_mark_sent(sdk_outbox_t *ob) {
  if (ob->cursor) {
    ob->cursor = ob->cursor->next;
    ob->unsent--;
  }
}

void sdk_outbox_defer(sdk_outbox_t *ob, sdk_entry_t *e, int64_t retry_at) {
  if (e->retrying || !was_sent(ob, e))
    return; /* already waiting, or the cursor will send it anyway */
  e->retry_at = retry_at;
  e->retrying = 1;
  sdk_entry_t **p = &ob->retry;
  while (*p && (*p)->seq < e->seq)
    p = &(*p)->rnext;
  e->rnext = *p;
  *p = e;
}

sdk_entry_t *sdk_outbox_take_due(sdk_outbox_t *ob, int64_t now) {
  for (sdk_entry_t *e = ob->retry; e; e = e->rnext) {
    if (e->retry_at <= now) {
      retry_unlink(ob, e);
      return e;
    }
  }
  return NULL;
}

int64_t sdk_outbox_next_retry(const sdk_outbox_t *ob) {
  int64_t next = INT64_MAX;
  for (const sdk_entry_t *e = ob->retry; e; e = e->rnext)
    if (e->retry_at < next)
      next = e->retry_at;
  return next;
}

size_t sdk_outbox_retry_silent(sdk_outbox_t *ob, int64_t now, int64_t silent_ms) {
  size_t n = 0;
  for (sdk_entry_t *e = ob->head; e && was_sent(ob, e); e = e->next) {
    if (!e->retrying && now - e->sent_at >= silent_ms) {
      sdk_outbox_defer(ob, e, now);
      n++;
    }
  }
  return n;
}
