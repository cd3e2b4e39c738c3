/*
 * transient.c — at-most-once subscriptions that live in memory with their
 * session: for live views such as queue displays and the wire tap.
 *
 * Delivery shares the payload with zmq_msg_copy (reference counted, no byte
 * copy). If the subscriber's ZeroMQ queue is full, the message is dropped for
 * that subscriber and counted: a slow live view must never make the hub
 * buffer without bound.
 */
#include "hub.h"

#include "keys.h"
#include "privacy.h"
#include "queue_redis.h"
#include "stafet.h"
#include "stafet/wire/v1/packed.pb-c.h"
#include "topic.h"

#include <stdlib.h>
#include <string.h>

static void tsub_free(hub_t *hub, tsub_t *t) {
  router_remove_target(hub->transient_routes, t);
  for (size_t i = 0; i < t->n_patterns; i++)
    free(t->patterns[i]);
  free(t->patterns);
  filter_free(t->filter);
  free(t);
}

int transient_subscribe(hub_t *hub, session_t *s, const Stafet__Wire__V1__Subscribe *req, char *err,
                        size_t err_size, Stafet__Wire__V1__ErrorCode *code) {
  if (req->n_patterns == 0) {
    snprintf(err, err_size, "a transient subscription needs at least one pattern");
    *code = STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_PATTERN;
    return STAFET_EPATTERN;
  }
  for (tsub_t *t = s->tsubs; t != NULL; t = t->next_in_session) {
    if (strcmp(t->name, req->name) == 0) {
      snprintf(err, err_size, "this session has a subscription named '%s' already", req->name);
      *code = STAFET__WIRE__V1__ERROR_CODE__ERROR_SUBSCRIPTION_CONFLICT;
      return STAFET_EEXIST;
    }
  }
  tsub_t *t = calloc(1, sizeof *t);
  if (t == NULL)
    goto nomem;
  t->session = s;
  snprintf(t->name, sizeof t->name, "%s", req->name);
  t->patterns = calloc(req->n_patterns, sizeof *t->patterns);
  if (t->patterns == NULL || filter_parse((const char *const *)req->filters, req->n_filters,
                                          &t->filter, err, err_size) != 0)
    goto nomem;
  for (size_t i = 0; i < req->n_patterns; i++) {
    t->patterns[i] = strdup(req->patterns[i]);
    if (t->patterns[i] == NULL)
      goto nomem;
    t->n_patterns++;
    router_add(hub->transient_routes, req->patterns[i], t);
  }
  t->next_in_session = s->tsubs;
  s->tsubs = t;
  return 0;
nomem:
  if (t != NULL)
    tsub_free(hub, t);
  snprintf(err, err_size, "out of memory");
  *code = STAFET__WIRE__V1__ERROR_CODE__ERROR_INTERNAL;
  return STAFET_ENOMEM;
}

int transient_unsubscribe(hub_t *hub, session_t *s, const char *name) {
  for (tsub_t **pp = &s->tsubs; *pp != NULL; pp = &(*pp)->next_in_session) {
    if (strcmp((*pp)->name, name) == 0) {
      tsub_t *t = *pp;
      net_flush_session(hub, s); /* its gathered deliveries name it */
      *pp = t->next_in_session;
      tsub_free(hub, t);
      return 0;
    }
  }
  return STAFET_ENOTFOUND;
}

void transient_free_all(hub_t *hub, session_t *s) {
  while (s->tsubs != NULL) {
    tsub_t *t = s->tsubs;
    s->tsubs = t->next_in_session;
    tsub_free(hub, t);
  }
}

typedef struct fanout {
  hub_t *hub;
  const Stafet__Wire__V1__Envelope *env;
  ProtobufCBinaryData env_bytes; /* env, packed once for every subscriber */
  zmq_msg_t *payload;
  size_t matched; /* subscriptions whose pattern matched, filters aside */
} fanout_t;

static void deliver_one(void *target, void *arg) {
  tsub_t *t = target;
  fanout_t *f = arg;
  f->matched++;
  if (!filter_match(t->filter, f->env))
    return;
  Stafet__Wire__V1__PackedDeliver d = STAFET__WIRE__V1__PACKED_DELIVER__INIT;
  d.subscription = t->name;
  d.delivery_id = (char *)"";
  d.envelope = f->env_bytes;
  d.delivery_count = 1;
  Stafet__Wire__V1__PackedDeliverFrame frame = STAFET__WIRE__V1__PACKED_DELIVER_FRAME__INIT;
  frame.deliver = &d;
  zmq_msg_t copy;
  bool stripped = false;
  if (f->env->sensitivity & STAFET__WIRE__V1__SENSITIVITY__SENSITIVITY_PROTECTED) {
    stripped = privacy_payload_for(f->hub, t->session, f->env, zmq_msg_data(f->payload),
                                   zmq_msg_size(f->payload), &copy);
  } else { /* shared, not copied */
    zmq_msg_init(&copy);
    zmq_msg_copy(&copy, f->payload);
  }
  if (net_deliver(f->hub, t->session, &frame.base, &copy, t) == 0) {
    f->hub->stats.transient_delivered++;
    privacy_audit(f->hub, t->session, t->name, f->env, zmq_msg_data(f->payload),
                  zmq_msg_size(f->payload), stripped);
  } else {
    t->dropped++;
    f->hub->stats.transient_dropped++;
  }
}

size_t transient_deliver(hub_t *hub, const Stafet__Wire__V1__Envelope *env,
                         const uint8_t *env_bytes, size_t env_len, zmq_msg_t *payload) {
  fanout_t f = {hub, env, {env_len, (uint8_t *)env_bytes}, payload, 0};
  router_match_valid(hub->transient_routes, env->topic, deliver_one, &f);
  return f.matched;
}

/* ---- between hubs ---- */

void transient_fanout(hub_t *hub, const uint8_t *env_bytes, size_t env_len, zmq_msg_t *payload) {
  if (hub->other_transient_hubs == 0)
    return; /* nobody else listens: no cost per message */
  Stafet__Wire__V1__PackedFanout f = STAFET__WIRE__V1__PACKED_FANOUT__INIT;
  f.origin_hub = hub->cfg.hub_id;
  f.envelope.data = (uint8_t *)env_bytes;
  f.envelope.len = env_len;
  f.payload.data = zmq_msg_data(payload);
  f.payload.len = zmq_msg_size(payload);
  size_t len = stafet__wire__v1__packed_fanout__get_packed_size(&f);
  uint8_t *buf = malloc(len ? len : 1);
  if (buf == NULL)
    return;
  stafet__wire__v1__packed_fanout__pack(&f, buf);
  char channel[KEY_MAX];
  snprintf(channel, sizeof channel, "%s%s", hub->cfg.prefix, CHANNEL_FANOUT);
  const char *argv[] = {"PUBLISH", channel, (const char *)buf};
  size_t lens[] = {7, strlen(channel), len};
  (void)store_command(hub, NULL, NULL, 3, argv, lens);
  free(buf);
}

void transient_on_fanout(hub_t *hub, const uint8_t *data, size_t len) {
  Stafet__Wire__V1__PackedFanout *f = stafet__wire__v1__packed_fanout__unpack(NULL, len, data);
  Stafet__Wire__V1__Envelope *env = NULL;
  if (f != NULL && strcmp(f->origin_hub, hub->cfg.hub_id) != 0)
    env = stafet__wire__v1__envelope__unpack(NULL, f->envelope.len, f->envelope.data);
  if (env != NULL && topic_validate(env->topic) == 0) {
    zmq_msg_t payload;
    zmq_msg_init_size(&payload, f->payload.len);
    if (f->payload.len)
      memcpy(zmq_msg_data(&payload), f->payload.data, f->payload.len);
    transient_deliver(hub, env, f->envelope.data, f->envelope.len, &payload);
    zmq_msg_close(&payload);
  }
  if (env != NULL)
    stafet__wire__v1__envelope__free_unpacked(env, NULL);
  if (f != NULL)
    stafet__wire__v1__packed_fanout__free_unpacked(f, NULL);
}

static void on_transient_hubs(hub_t *hub, redisReply *reply, void *arg) {
  if (reply == NULL || reply->type != REDIS_REPLY_ARRAY)
    return;
  uint64_t others = 0;
  for (size_t i = 0; i < reply->elements; i++)
    others += strcmp(reply->element[i]->str, hub->cfg.hub_id) != 0;
  hub->other_transient_hubs = others;
}

void transient_registry_tick(hub_t *hub) {
  char key[KEY_MAX], expiry[24], now[24];
  snprintf(key, sizeof key, "%s%s", hub->cfg.prefix, KEY_TRANSIENT_HUBS);
  uint64_t t = hub_now_ms();
  snprintf(expiry, sizeof expiry, "%llu", (unsigned long long)(t + 3 * hub->cfg.heartbeat_ms));
  snprintf(now, sizeof now, "%llu", (unsigned long long)t);
  const char *add[] = {"ZADD", key, expiry, hub->cfg.hub_id};
  const char *rem[] = {"ZREM", key, hub->cfg.hub_id};
  if (router_size(hub->transient_routes) > 0)
    (void)store_command(hub, NULL, NULL, 4, add, NULL);
  else
    (void)store_command(hub, NULL, NULL, 3, rem, NULL);
  const char *live[] = {"ZRANGEBYSCORE", key, now, "+inf"};
  (void)store_command(hub, on_transient_hubs, NULL, 4, live, NULL);
}
