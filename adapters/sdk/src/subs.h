/*
 * subs.h — the subscriptions a client remembers, so it can subscribe again
 * after every reconnect without the application noticing.
 *
 * Each record is a deep copy of the caller's stafet_subscription_t plus its
 * callback and its state in the current session: not sent yet, sent with some
 * seq (waiting for SubscribeAck), or active. The replay position (start_id /
 * start_time_ms) is sent only until the hub has acknowledged it once, so a
 * reconnect does not replay again. A plain list: clients have few.
 */
#ifndef STAFET_SDK_SUBS_H
#define STAFET_SDK_SUBS_H

#include "stafet.h"
#include "stafet/wire/v1/wire.pb-c.h"

typedef struct sdk_sub {
  struct sdk_sub *next;
  char *name;
  char **patterns;
  size_t n_patterns;
  char **filters;
  size_t n_filters;
  int transient;
  unsigned credit, ack_timeout_ms, max_deliveries;
  uint64_t retention_ms, max_len;
  char *start_id;
  uint64_t start_time_ms;
  int paused;         /* credit set to 0: send Credit 0 after every SubscribeAck */
  int replay_pending; /* start_id/start_time_ms not yet acknowledged by the hub */
  stafet_deliver_cb cb;
  void *arg;
  uint64_t sent_seq; /* seq of the Subscribe awaiting an answer; 0: none */
  int active;        /* the hub acknowledged it in this session */
  int64_t retry_at;  /* monotonic ms before which it is not (re)sent */
  unsigned attempts; /* retryable errors so far */
} sdk_sub_t;

/*
 * Deep-copies def (nothing of it is kept) into a new record. On success *out
 * is owned by the caller (sdk_sub_free(), or a list). 0, STAFET_EINVAL (no
 * name, NULL patterns) or STAFET_ENOMEM.
 */
int sdk_sub_new(const stafet_subscription_t *def, stafet_deliver_cb cb, void *arg, sdk_sub_t **out);

/* Frees a record and every copy it holds. NULL ok. */
void sdk_sub_free(sdk_sub_t *s);

/* Frees a whole list. */
void sdk_sub_free_all(sdk_sub_t *list);

/* The record named name, or NULL. Borrowed. */
sdk_sub_t *sdk_sub_find(sdk_sub_t *list, const char *name);

/* The record whose Subscribe was sent with seq, or NULL. Borrowed. */
sdk_sub_t *sdk_sub_find_seq(sdk_sub_t *list, uint64_t seq);

/* Unlinks s from *list (s stays allocated; ownership returns to the caller). */
void sdk_sub_unlink(sdk_sub_t **list, sdk_sub_t *s);

/* Marks every record as not subscribed in the current session (new session). */
void sdk_sub_reset_all(sdk_sub_t *list);

/* Fills w (initialised here) from s; w borrows s's strings and arrays. */
void sdk_sub_to_wire(const sdk_sub_t *s, Stafet__Wire__V1__Subscribe *w);

#endif
