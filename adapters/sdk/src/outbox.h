/*
 * outbox.h — the publisher's outbox: every publish the hub has not yet
 * acknowledged, in publish order, as the serialized frames that go on the
 * wire (so a re-send is the same bytes, same message_id, same seq).
 *
 * One doubly linked list holds the entries in order; a hash on Frame.seq finds
 * the entry a PublishAck or Error answers. A cursor marks the first entry not
 * yet sent in the current session: after a reconnect it is rewound to the
 * head, which re-sends everything in order. Entries refused with a retryable
 * error wait in a short retry list until their back-off has passed.
 *
 * The module knows nothing of sockets; the client drives it.
 */
#ifndef STAFET_SDK_OUTBOX_H
#define STAFET_SDK_OUTBOX_H

#include "stafet.h"

#include <stddef.h>
#include <stdint.h>

typedef struct sdk_entry {
  struct sdk_entry *prev, *next; /* publish order */
  struct sdk_entry *hnext;       /* hash chain */
  struct sdk_entry *rnext;       /* retry list */
  uint64_t seq;                  /* Frame.seq inside frame[] */
  int64_t retry_at;              /* monotonic ms; while in the retry list */
  int64_t sent_at;               /* monotonic ms of the last send */
  unsigned attempts;             /* retryable errors so far: the back-off exponent */
  int retrying;                  /* in the retry list */
  stafet_publish_cb cb;
  void *arg;
  char message_id[65];
  size_t frame_len, payload_len;
  unsigned char data[]; /* frame_len bytes of Frame, then payload_len bytes of payload */
} sdk_entry_t;

typedef struct sdk_outbox {
  sdk_entry_t *head, *tail;
  sdk_entry_t *cursor; /* first entry not sent in this session; NULL: all sent */
  sdk_entry_t *retry;  /* entries waiting for their back-off, by seq */
  sdk_entry_t **buckets;
  size_t n_buckets; /* power of two */
  size_t count;
  size_t unsent; /* entries from the cursor on */
} sdk_outbox_t;

/* Initialises an empty outbox (allocates nothing yet). */
void sdk_outbox_init(sdk_outbox_t *ob);

/* Frees every entry (no callbacks) and the hash table. */
void sdk_outbox_free(sdk_outbox_t *ob);

/*
 * Allocates one entry holding copies of frame and payload (frame NULL: leave
 * frame_len bytes for the caller to fill). Returns it (owned by the caller
 * until sdk_outbox_append()) or NULL when out of memory.
 */
sdk_entry_t *sdk_entry_new(uint64_t seq, const char *message_id, const void *frame,
                           size_t frame_len, const void *payload, size_t payload_len);

/* Payload bytes of an entry (inside the entry). */
static inline const unsigned char *sdk_entry_payload(const sdk_entry_t *e) {
  return e->data + e->frame_len;
}

/* Appends e (ownership passes to the outbox) as not yet sent. 0 or STAFET_ENOMEM. */
int sdk_outbox_append(sdk_outbox_t *ob, sdk_entry_t *e);

/* The entry with this seq, or NULL. Borrowed. */
sdk_entry_t *sdk_outbox_find(const sdk_outbox_t *ob, uint64_t seq);

/* The entry with this message id (linear: a fallback), or NULL. Borrowed. */
sdk_entry_t *sdk_outbox_find_id(const sdk_outbox_t *ob, const char *message_id);

/* Unlinks e from every list; ownership returns to the caller (free() it). */
void sdk_outbox_remove(sdk_outbox_t *ob, sdk_entry_t *e);

/* Marks every entry as not sent (after a new Welcome) and empties the retry list. */
void sdk_outbox_rewind(sdk_outbox_t *ob);

/* The next entry to send in order (the cursor), or NULL. Borrowed. */
static inline sdk_entry_t *sdk_outbox_unsent(const sdk_outbox_t *ob) {
  return ob->cursor;
}

/* Moves the cursor past the entry it points at (it was sent). */
void sdk_outbox_mark_sent(sdk_outbox_t *ob);

/* Puts an already sent e into the retry list, to be sent again at retry_at. */
void sdk_outbox_defer(sdk_outbox_t *ob, sdk_entry_t *e, int64_t retry_at);

/* Takes the first retry entry due at now out of the retry list, or NULL. Borrowed. */
sdk_entry_t *sdk_outbox_take_due(sdk_outbox_t *ob, int64_t now);

/* The earliest retry_at in the retry list, or INT64_MAX. */
int64_t sdk_outbox_next_retry(const sdk_outbox_t *ob);
/* Puts every entry sent before now - silent_ms that is still unanswered (and
 * not already waiting) in the retry list, due now: its answer was lost (the
 * hub's queue to us overflowed, or the hub died). Re-sending is safe: the hub
 * deduplicates by message id. Returns how many. */
size_t sdk_outbox_retry_silent(sdk_outbox_t *ob, int64_t now, int64_t silent_ms);

#endif
