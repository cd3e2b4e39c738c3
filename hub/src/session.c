/*
 * session.c — one session per connected client (per ZeroMQ routing id).
 *
 * A session starts with Hello and ends with Goodbye, a heartbeat time-out
 * (3 intervals of silence), a failed send, or a new Hello from the same peer.
 * Ending a session drops its transient subscriptions and hands its
 * unacknowledged durable deliveries back for immediate redelivery, so a
 * consumer that dies costs its messages no more than the heartbeat time-out.
 */
#include "hub.h"

#include "keys.h"
#include "queue_redis.h"
#include "request.h"
#include "sbuf.h"
#include "stafet.h"
#include "topic.h"

#include <stdlib.h>
#include <string.h>

session_t *session_find(hub_t *hub, const uint8_t *rid, size_t rid_len) {
  return dict_get(hub->sessions, rid, rid_len);
}

session_t *session_lookup(hub_t *hub, const uint8_t *rid, size_t rid_len, const char *session_id) {
  session_t *s = session_find(hub, rid, rid_len);
  return s != NULL && strcmp(s->id, session_id) == 0 ? s : NULL;
}

static void record_adapter(hub_t *hub, const session_t *s) {
  char key[KEY_MAX], now[24];
  store_key(hub, key, sizeof key, KEY_ADAPTER_FMT, s->adapter);
  snprintf(now, sizeof now, "%llu", (unsigned long long)hub_now_ms());
  const char *argv[] = {"HSET",          key,        "last_seen_ms", now,       "hub",
                        hub->cfg.hub_id, "instance", s->instance,    "session", s->id};
  (void)store_command(hub, NULL, NULL, 10, argv, NULL);
}

void session_on_hello(hub_t *hub, const uint8_t *rid, size_t rid_len, uint64_t seq,
                      const Stafet__Wire__V1__Hello *hello) {
  if (hello->protocol_version != 1) {
    net_send_error(hub, rid, rid_len, seq, STAFET__WIRE__V1__ERROR_CODE__ERROR_PROTOCOL_VERSION,
                   "protocol_version %u not supported; this hub speaks 1", hello->protocol_version);
    return;
  }
  if (name_validate(hello->adapter) != 0) {
    net_send_error(hub, rid, rid_len, seq, STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_ENVELOPE,
                   "adapter name must be [a-z0-9_-]{1,64}");
    return;
  }
  if (rid_len > ROUTING_ID_MAX)
    return;
  session_t *old = session_find(hub, rid, rid_len);
  if (old != NULL)
    session_end(hub, old, "new hello");
  session_t *s = calloc(1, sizeof *s);
  if (s == NULL)
    return;
  s->hub = hub;
  memcpy(s->rid, rid, rid_len);
  s->rid_len = rid_len;
  snprintf(s->id, sizeof s->id, "%s.%s.%llu", hub->cfg.hub_id, hub->boot_id,
           (unsigned long long)++hub->session_counter);
  snprintf(s->adapter, sizeof s->adapter, "%s", hello->adapter);
  snprintf(s->instance, sizeof s->instance, "%s", hello->instance ? hello->instance : "");
  s->batch_acks = hello->accepts_publish_acks;
  s->batch_deliveries = hello->accepts_deliver_batches;
  s->last_recv_ms = s->last_send_ms = hub_now_ms();
  if (dict_set(hub->sessions, rid, rid_len, s) != 0) {
    free(s);
    return;
  }
  Stafet__Wire__V1__Welcome welcome = STAFET__WIRE__V1__WELCOME__INIT;
  welcome.hub_id = hub->cfg.hub_id;
  welcome.session_id = s->id;
  welcome.heartbeat_ms = (uint32_t)hub->cfg.heartbeat_ms;
  welcome.max_frame_bytes = (uint32_t)hub->cfg.max_frame_bytes;
  welcome.accepts_publish_batches = true; /* net_zmq.c reads [Frame][payload] pairs */
  Stafet__Wire__V1__Frame frame = STAFET__WIRE__V1__FRAME__INIT;
  frame.seq = seq;
  frame.body_case = STAFET__WIRE__V1__FRAME__BODY_WELCOME;
  frame.welcome = &welcome;
  net_send(hub, s, &frame, NULL);
  record_adapter(hub, s);
  log_info(&hub->log, "session opened", "session=%s adapter=%s instance=\"%s\"", s->id, s->adapter,
           s->instance);
}

void session_end(hub_t *hub, session_t *s, const char *why) {
  log_info(&hub->log, "session ended", "session=%s adapter=%s reason=\"%s\"", s->id, s->adapter,
           why);
  /* Not sent now: durable ones go back to the queue below, and transient
   * ones are at most once (counted as dropped). */
  net_session_ended(hub, s);
  while (s->consumers != NULL) {
    consumer_t *c = s->consumers;
    s->consumers = c->next_in_session;
    durable_consumer_release(hub, c);
  }
  transient_free_all(hub, s);
  request_session_ended(hub, s);
  publish_session_ended(hub, s);
  dict_del(hub->sessions, s->rid, s->rid_len);
  free(s);
}

static void send_heartbeat(hub_t *hub, session_t *s, uint64_t now) {
  Stafet__Wire__V1__Heartbeat hb = STAFET__WIRE__V1__HEARTBEAT__INIT;
  hb.sent_at_ms = (int64_t)now;
  Stafet__Wire__V1__Frame frame = STAFET__WIRE__V1__FRAME__INIT;
  frame.body_case = STAFET__WIRE__V1__FRAME__BODY_HEARTBEAT;
  frame.heartbeat = &hb;
  net_send(hub, s, &frame, NULL);
}

static void refresh_live_hub(hub_t *hub) {
  char key[KEY_MAX], ttl[24];
  store_key(hub, key, sizeof key, KEY_HUB_FMT, hub->cfg.hub_id);
  snprintf(ttl, sizeof ttl, "%llu", (unsigned long long)(hub->cfg.heartbeat_ms * 3));
  const char *argv[] = {"SET", key, hub->boot_id, "PX", ttl};
  (void)store_command(hub, NULL, NULL, 5, argv, NULL);
}

void session_heartbeat_tick(uv_timer_t *timer) {
  hub_t *hub = timer->data;
  uint64_t now = hub_now_ms();
  uint64_t dead_after = hub->cfg.heartbeat_ms * 3;
  dict_iter_t it;
  dict_iter_init(&it, hub->sessions);
  const void *key;
  size_t key_len;
  void *value;
  while (dict_iter_next(&it, &key, &key_len, &value)) {
    session_t *s = value;
    if (s->dead)
      session_end(hub, s, "peer unreachable");
    else if (now - s->last_recv_ms > dead_after)
      session_end(hub, s, "heartbeat timeout");
    else if (now - s->last_send_ms >= hub->cfg.heartbeat_ms)
      send_heartbeat(hub, s, now);
  }
  refresh_live_hub(hub);
  request_announce_all(hub);
  transient_registry_tick(hub);
  store_check_stalled(hub);
}

void session_end_all(hub_t *hub, const char *why) {
  Stafet__Wire__V1__Goodbye bye = STAFET__WIRE__V1__GOODBYE__INIT;
  bye.reason = (char *)why;
  Stafet__Wire__V1__Frame frame = STAFET__WIRE__V1__FRAME__INIT;
  frame.body_case = STAFET__WIRE__V1__FRAME__BODY_GOODBYE;
  frame.goodbye = &bye;
  dict_iter_t it;
  dict_iter_init(&it, hub->sessions);
  const void *key;
  size_t key_len;
  void *value;
  while (dict_iter_next(&it, &key, &key_len, &value)) {
    net_send(hub, value, &frame, NULL);
    session_end(hub, value, why);
  }
}

int session_list_add(session_list_t *l, session_t *s) {
  if (array_reserve(&l->items, &l->capacity, l->count, sizeof *l->items, 16) != 0)
    return STAFET_ENOMEM;
  l->items[l->count++] = s;
  return 0;
}

void session_list_remove(session_list_t *l, session_t *s) {
  for (size_t i = 0; i < l->count; i++)
    if (l->items[i] == s) {
      l->items[i] = l->items[--l->count];
      return;
    }
}
