/*
 * defer.h — callbacks held back while the plugin is busy.
 *
 * api->subscribe and api->provide wait for the hub's answer by running
 * libstafet's poll loop, which may receive a delivery, a request or the
 * answer to one of the plugin's requests meanwhile. Handing those to the
 * plugin there would re-enter it in the middle of its own callback. Instead
 * the host copies them into this queue and hands them over, in order, as
 * soon as the plugin's callback has returned (see host.c). Copies are
 * needed because what libstafet passes is valid only during its callback.
 */
#ifndef STAFET_HOST_DEFER_H
#define STAFET_HOST_DEFER_H

#include "envcodec.h"
#include "stafet_adapter.h"

#include <stddef.h>
#include <stdint.h>

typedef enum { DEFER_EVENT, DEFER_REQUEST, DEFER_REPLY } defer_kind_t;

typedef struct defer_item {
  struct defer_item *next;
  defer_kind_t kind;
  char *name;          /* event: subscription; request: service */
  char *id;            /* event: delivery id; request: request id */
  unsigned count;      /* event: delivery count */
  int64_t deadline_ms; /* request */
  int status;          /* reply */
  char *text;          /* reply: error text */
  void *bytes;         /* event, request: envcodec bytes; reply: the payload */
  size_t len;
  stafet_host_reply_fn fn; /* reply */
  void *arg;               /* reply */
} defer_item_t;

typedef struct defer_queue {
  defer_item_t *head, *tail;
  size_t n;
} defer_queue_t;

/* Copy and queue. 0 or STAFET_ENOMEM / STAFET_EINVAL (nothing queued). */
int defer_event(defer_queue_t *q, const stafet_delivery_t *d);
int defer_request(defer_queue_t *q, const stafet_request_t *r);
int defer_reply(defer_queue_t *q, stafet_host_reply_fn fn, void *arg, int status, const char *text,
                const void *payload, size_t len);

/* The oldest item (the caller frees it with defer_item_free()), or NULL. */
defer_item_t *defer_pop(defer_queue_t *q);
void defer_item_free(defer_item_t *it);
/* Frees everything queued, without handing it over. */
void defer_clear(defer_queue_t *q);

/* Rebuilds the delivery or request of an item; d / r borrow from it and from
 * v, which the caller frees with envcodec_view_free(). 0 or STAFET_EPROTO. */
int defer_as_delivery(const defer_item_t *it, envcodec_view_t *v, stafet_delivery_t *d);
int defer_as_request(const defer_item_t *it, envcodec_view_t *v, stafet_request_t *r);

#endif
