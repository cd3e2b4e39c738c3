/*
 * defer.c — see defer.h.
 */
#include "defer.h"

#include <stdlib.h>
#include <string.h>

static void push(defer_queue_t *q, defer_item_t *it) {
  if (q->tail != NULL)
    q->tail->next = it;
  else
    q->head = it;
  q->tail = it;
  q->n++;
}

/* A new item with name, id and the event's bytes copied; NULL on failure. */
static defer_item_t *item_new(defer_kind_t kind, const char *name, const char *id,
                              const stafet_envelope_t *env, const void *payload, size_t len,
                              int *rc) {
  defer_item_t *it = calloc(1, sizeof *it);
  *rc = STAFET_ENOMEM;
  if (it == NULL)
    return NULL;
  it->kind = kind;
  if ((it->name = strdup(name ? name : "")) == NULL || (it->id = strdup(id ? id : "")) == NULL ||
      (*rc = envcodec_pack(env, env->message_id, payload, len, &it->bytes, &it->len)) < 0) {
    defer_item_free(it);
    return NULL;
  }
  *rc = 0;
  return it;
}

int defer_event(defer_queue_t *q, const stafet_delivery_t *d) {
  int rc;
  defer_item_t *it = item_new(DEFER_EVENT, d->subscription, d->delivery_id, d->envelope, d->payload,
                              d->payload_len, &rc);
  if (it == NULL)
    return rc;
  it->count = d->delivery_count;
  push(q, it);
  return 0;
}

int defer_request(defer_queue_t *q, const stafet_request_t *r) {
  int rc;
  defer_item_t *it = item_new(DEFER_REQUEST, r->service, r->request_id, r->envelope, r->payload,
                              r->payload_len, &rc);
  if (it == NULL)
    return rc;
  it->deadline_ms = r->deadline_ms;
  push(q, it);
  return 0;
}

int defer_reply(defer_queue_t *q, stafet_host_reply_fn fn, void *arg, int status, const char *text,
                const void *payload, size_t len) {
  defer_item_t *it = calloc(1, sizeof *it);
  if (it == NULL)
    return STAFET_ENOMEM;
  it->kind = DEFER_REPLY;
  it->fn = fn;
  it->arg = arg;
  it->status = status;
  it->len = len;
  if ((it->text = strdup(text ? text : "")) == NULL ||
      (it->bytes = malloc(len ? len : 1)) == NULL) {
    defer_item_free(it);
    return STAFET_ENOMEM;
  }
  if (len > 0)
    memcpy(it->bytes, payload, len);
  push(q, it);
  return 0;
}

defer_item_t *defer_pop(defer_queue_t *q) {
  defer_item_t *it = q->head;
  if (it == NULL)
    return NULL;
  q->head = it->next;
  if (q->head == NULL)
    q->tail = NULL;
  q->n--;
  it->next = NULL;
  return it;
}

void defer_item_free(defer_item_t *it) {
  if (it == NULL)
    return;
  free(it->name);
  free(it->id);
  free(it->text);
  free(it->bytes);
  free(it);
}

void defer_clear(defer_queue_t *q) {
  defer_item_t *it;
  while ((it = defer_pop(q)) != NULL)
    defer_item_free(it);
}

int defer_as_delivery(const defer_item_t *it, envcodec_view_t *v, stafet_delivery_t *d) {
  int rc = envcodec_view(v, it->bytes, it->len);
  if (rc < 0)
    return rc;
  *d = (stafet_delivery_t){.subscription = it->name,
                           .delivery_id = it->id,
                           .delivery_count = it->count,
                           .envelope = &v->env,
                           .payload = v->payload,
                           .payload_len = v->payload_len};
  return 0;
}

int defer_as_request(const defer_item_t *it, envcodec_view_t *v, stafet_request_t *r) {
  int rc = envcodec_view(v, it->bytes, it->len);
  if (rc < 0)
    return rc;
  *r = (stafet_request_t){.service = it->name,
                          .request_id = it->id,
                          .deadline_ms = it->deadline_ms,
                          .envelope = &v->env,
                          .payload = v->payload,
                          .payload_len = v->payload_len};
  return 0;
}
