/*
 * publish.c — from a Publish frame to a PublishAck.
 *
 *   validate envelope -> match durable routes (trie + filters)
 *   -> one EVALSHA: dedupe key + XADD to every matching queue, atomically
 *   -> PublishAck, then hand the message to transient subscribers and wake
 *      the durable subscriptions' consumers.
 *
 * The ack is sent only from the Redis reply: once the publisher has it, the
 * message is in every queue that should hold it. A message no subscription
 * matches is stored in the unroutable stream rather than dropped. A message
 * that only transient subscribers want skips Redis altogether (at-most-once
 * needs no store, and transient traffic then keeps flowing when Redis is away).
 */
#include "hub.h"

#include "auth.h"
#include "keys.h"
#include "metrics.h"
#include "queue_redis.h"
#include "stafet.h"
#include "topic.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ATTRIBUTES      32
#define MAX_ATTRIBUTE_VALUE 256
#define MAX_MESSAGE_ID      64

typedef struct publish_ctx {
  uint8_t rid[ROUTING_ID_MAX];
  size_t rid_len;
  char session_id[SESSION_ID_MAX];
  uint64_t seq;
  Stafet__Wire__V1__Frame *frame; /* owned: the decoded Publish */
  zmq_msg_t payload;
  size_t n_subs;
  char **sub_names; /* owned: subscriptions to wake after the store */
  bool duplicate;   /* the store's answer, kept while WAIT runs */
  uint32_t stored;
} publish_ctx_t;

typedef struct match_list {
  hub_t *hub;
  const Stafet__Wire__V1__Envelope *env;
  dsub_t **items;
  size_t count, capacity;
  bool failed;
} match_list_t;

static bool printable_ascii(const char *s) {
  for (; *s; s++)
    if (*s < 0x21 || *s > 0x7e)
      return false;
  return true;
}

int envelope_validate(const Stafet__Wire__V1__Envelope *env, char *err, size_t err_size) {
  if (env == NULL) {
    snprintf(err, err_size, "publish without envelope");
    return STAFET_EINVAL;
  }
  size_t id_len = env->message_id ? strlen(env->message_id) : 0;
  if (id_len == 0 || id_len > MAX_MESSAGE_ID || !printable_ascii(env->message_id)) {
    snprintf(err, err_size, "message_id must be 1..64 printable ASCII bytes");
    return STAFET_EINVAL;
  }
  if (env->n_attributes > MAX_ATTRIBUTES) {
    snprintf(err, err_size, "%zu attributes: at most %d", env->n_attributes, MAX_ATTRIBUTES);
    return STAFET_EINVAL;
  }
  for (size_t i = 0; i < env->n_attributes; i++) {
    const Stafet__Wire__V1__Attribute *a = env->attributes[i];
    if (name_validate(a->key) != 0) {
      snprintf(err, err_size, "attribute key '%.64s' must be lower snake case, 1..64 bytes",
               a->key);
      return STAFET_EINVAL;
    }
    if (strlen(a->value) > MAX_ATTRIBUTE_VALUE) {
      snprintf(err, err_size, "attribute '%s' longer than %d bytes", a->key, MAX_ATTRIBUTE_VALUE);
      return STAFET_EINVAL;
    }
  }
  return 0;
}

static void collect_match(void *target, void *arg) {
  match_list_t *m = arg;
  dsub_t *sub = target;
  if (!filter_match(sub->filter, m->env))
    return;
  if (m->count == m->capacity) {
    size_t cap = m->capacity ? m->capacity * 2 : 8;
    dsub_t **items = realloc(m->items, cap * sizeof *items);
    if (items == NULL) {
      m->failed = true;
      return;
    }
    m->items = items;
    m->capacity = cap;
  }
  m->items[m->count++] = sub;
}

static void publish_ctx_free(publish_ctx_t *ctx) {
  for (size_t i = 0; i < ctx->n_subs; i++)
    free(ctx->sub_names[i]);
  free(ctx->sub_names);
  zmq_msg_close(&ctx->payload);
  stafet__wire__v1__frame__free_unpacked(ctx->frame, NULL);
  free(ctx);
}

static void send_ack(hub_t *hub, publish_ctx_t *ctx, bool duplicate, uint32_t stored) {
  session_t *s = session_lookup(hub, ctx->rid, ctx->rid_len, ctx->session_id);
  if (s == NULL)
    return; /* publisher gone: it re-sends, and dedupe answers "duplicate" */
  Stafet__Wire__V1__PublishAck ack = STAFET__WIRE__V1__PUBLISH_ACK__INIT;
  ack.message_id = ctx->frame->publish->envelope->message_id;
  ack.duplicate = duplicate;
  ack.durable_queues = stored;
  Stafet__Wire__V1__Frame frame = STAFET__WIRE__V1__FRAME__INIT;
  frame.seq = ctx->seq;
  frame.body_case = STAFET__WIRE__V1__FRAME__BODY_PUBLISH_ACK;
  frame.publish_ack = &ack;
  net_send(hub, s, &frame, NULL);
}

/* The message is accepted: count it, hand it on. */
static void publish_accepted(hub_t *hub, publish_ctx_t *ctx, uint32_t stored) {
  const Stafet__Wire__V1__Envelope *env = ctx->frame->publish->envelope;
  hub->stats.published++;
  metrics_on_publish(hub, env->topic);
  log_debug(&hub->log, "publish accepted", "msg_id=%s topic=%s source=%s queues=%u",
            env->message_id, env->topic, env->source, stored);
  send_ack(hub, ctx, false, stored);
  transient_deliver(hub, ctx->frame->publish->envelope, &ctx->payload);
  transient_fanout(hub, ctx->frame->publish->envelope, &ctx->payload);
  for (size_t i = 0; i < ctx->n_subs; i++) {
    dsub_t *sub = dict_gets(hub->dsubs, ctx->sub_names[i]);
    if (sub != NULL)
      durable_kick(hub, sub);
  }
}

/* The store's answer is final: acknowledge (or hand on) the publish. */
static void publish_done(hub_t *hub, publish_ctx_t *ctx) {
  if (ctx->duplicate) {
    hub->stats.duplicates++;
    log_debug(&hub->log, "publish duplicate", "msg_id=%s",
              ctx->frame->publish->envelope->message_id);
    send_ack(hub, ctx, true, 0);
  } else {
    publish_accepted(hub, ctx, ctx->stored);
  }
}

/* WAIT answered: as many replicas as asked hold the message, or not yet. */
static void on_replicated(hub_t *hub, redisReply *reply, void *arg) {
  publish_ctx_t *ctx = arg;
  if (reply != NULL && reply->type == REDIS_REPLY_INTEGER &&
      (uint64_t)reply->integer >= hub->cfg.redis_wait_replicas) {
    publish_done(hub, ctx);
  } else {
    net_send_error(hub, ctx->rid, ctx->rid_len, ctx->seq,
                   STAFET__WIRE__V1__ERROR_CODE__ERROR_STORE_UNAVAILABLE,
                   "%s is stored but not yet on %llu replica(s); re-send it (it will not be "
                   "stored twice)",
                   ctx->frame->publish->envelope->message_id,
                   (unsigned long long)hub->cfg.redis_wait_replicas);
  }
  publish_ctx_free(ctx);
}

/* With redis_wait_replicas, the ack waits until that many replicas have it. */
static bool wait_for_replicas(hub_t *hub, publish_ctx_t *ctx) {
  if (hub->cfg.redis_wait_replicas == 0)
    return false;
  char n[24], timeout[24];
  snprintf(n, sizeof n, "%llu", (unsigned long long)hub->cfg.redis_wait_replicas);
  snprintf(timeout, sizeof timeout, "%llu", (unsigned long long)hub->cfg.redis_wait_timeout_ms);
  const char *argv[] = {"WAIT", n, timeout};
  if (store_command(hub, on_replicated, ctx, 3, argv, NULL) == 0)
    return true;
  net_send_error(hub, ctx->rid, ctx->rid_len, ctx->seq,
                 STAFET__WIRE__V1__ERROR_CODE__ERROR_STORE_UNAVAILABLE,
                 "redis unavailable before replication was confirmed; re-send it");
  publish_ctx_free(ctx);
  return true;
}

static void on_stored(hub_t *hub, redisReply *reply, void *arg) {
  publish_ctx_t *ctx = arg;
  const char *id = ctx->frame->publish->envelope->message_id;
  if (reply == NULL) {
    net_send_error(hub, ctx->rid, ctx->rid_len, ctx->seq,
                   STAFET__WIRE__V1__ERROR_CODE__ERROR_STORE_UNAVAILABLE,
                   "redis connection lost before message %s was stored; re-send it", id);
  } else if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
    log_error(&hub->log, "publish script failed", "msg_id=%s err=\"%s\"", id,
              reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
    net_send_error(hub, ctx->rid, ctx->rid_len, ctx->seq,
                   STAFET__WIRE__V1__ERROR_CODE__ERROR_INTERNAL, "store failed for %s", id);
  } else {
    long long status = reply->element[0]->integer, value = reply->element[1]->integer;
    if (status == 2 && value >= 1 && (size_t)value <= ctx->n_subs) {
      net_send_error(hub, ctx->rid, ctx->rid_len, ctx->seq,
                     STAFET__WIRE__V1__ERROR_CODE__ERROR_QUEUE_FULL,
                     "subscription '%s' is at its max_len; %s was not stored anywhere",
                     ctx->sub_names[value - 1], id);
    } else {
      ctx->duplicate = status == 0;
      ctx->stored = status == 1 && ctx->n_subs ? (uint32_t)value : 0;
      if (wait_for_replicas(hub, ctx))
        return; /* on_replicated finishes */
      publish_done(hub, ctx);
    }
  }
  publish_ctx_free(ctx);
}

/* Builds and sends the EVALSHA (argument layout: scripts.c, publish_lua).
 * Keys: dedupe/trace, then one queue per subscription (or the unroutable
 * stream when there is none). */
enum { PUB_FIXED_ARGS = 6 }; /* ttl, envelope, payload, message id, topic, now */

static int store_publish(hub_t *hub, publish_ctx_t *ctx, const uint8_t *env_bytes, size_t env_len) {
  const Stafet__Wire__V1__Envelope *env = ctx->frame->publish->envelope;
  size_t n_queues = ctx->n_subs ? ctx->n_subs : 1;
  size_t argc = 1 + n_queues + PUB_FIXED_ARGS + n_queues;
  const char **argv = calloc(argc, sizeof *argv);
  size_t *lens = calloc(argc, sizeof *lens);
  char *keys = calloc(1 + n_queues, KEY_MAX);
  char *numbers = calloc(2 + n_queues, 24); /* ttl, now, max_len of each queue */
  int rc = STAFET_ENOMEM;
  if (argv == NULL || lens == NULL || keys == NULL || numbers == NULL)
    goto out;
  store_key(hub, keys, KEY_MAX, KEY_DEDUPE_FMT, env->message_id);
  for (size_t i = 0; i < n_queues; i++) {
    char *key = keys + (1 + i) * KEY_MAX;
    if (ctx->n_subs)
      store_key(hub, key, KEY_MAX, KEY_QUEUE_FMT, ctx->sub_names[i]);
    else
      snprintf(key, KEY_MAX, "%s%s", hub->cfg.prefix, KEY_UNROUTABLE);
    dsub_t *sub = ctx->n_subs ? dict_gets(hub->dsubs, ctx->sub_names[i]) : NULL;
    snprintf(numbers + (2 + i) * 24, 24, "%llu", sub ? (unsigned long long)sub->max_len : 0ULL);
  }
  snprintf(numbers, 24, "%llu", (unsigned long long)hub->cfg.dedupe_ttl_ms);
  snprintf(numbers + 24, 24, "%llu", (unsigned long long)hub_now_ms());
  size_t k = 0;
  for (size_t i = 0; i < 1 + n_queues; i++)
    argv[k++] = keys + i * KEY_MAX;
  argv[k++] = numbers;
  size_t env_arg = k++, payload_arg = k++;
  argv[k++] = env->message_id;
  argv[k++] = env->topic;
  argv[k++] = numbers + 24;
  for (size_t i = 0; i < n_queues; i++)
    argv[k++] = numbers + (2 + i) * 24;
  for (size_t i = 0; i < argc; i++)
    lens[i] = strlen(argv[i] ? argv[i] : "");
  argv[env_arg] = (const char *)env_bytes;
  lens[env_arg] = env_len;
  size_t payload_len = zmq_msg_size(&ctx->payload);
  argv[payload_arg] = payload_len ? (const char *)zmq_msg_data(&ctx->payload) : "";
  lens[payload_arg] = payload_len;
  rc =
      store_script(hub, SCRIPT_PUBLISH, on_stored, ctx, (int)(1 + n_queues), (int)argc, argv, lens);
out:
  free(argv);
  free(lens);
  free(keys);
  free(numbers);
  return rc;
}

static int remember_subs(publish_ctx_t *ctx, const match_list_t *m) {
  if (m->count == 0)
    return 0;
  ctx->sub_names = calloc(m->count, sizeof *ctx->sub_names);
  if (ctx->sub_names == NULL)
    return STAFET_ENOMEM;
  for (size_t i = 0; i < m->count; i++) {
    ctx->sub_names[i] = strdup(m->items[i]->name);
    if (ctx->sub_names[i] == NULL)
      return STAFET_ENOMEM;
    ctx->n_subs++;
  }
  return 0;
}

static bool has_transient_match(hub_t *hub, const char *topic);

/* Validation; returns true if the publish may go on (an Error was sent otherwise). */
static bool publish_check(hub_t *hub, session_t *s, uint64_t seq, Stafet__Wire__V1__Envelope *env) {
  char why[256];
  if (hub->draining) {
    net_send_error(hub, s->rid, s->rid_len, seq, STAFET__WIRE__V1__ERROR_CODE__ERROR_SHUTTING_DOWN,
                   "hub %s is draining; publish to another hub or retry", hub->cfg.hub_id);
    return false;
  }
  if (!hub->routing_loaded) {
    /* Until the subscriptions are known, a message would match none and be
     * filed as unroutable: the publisher retries in a moment instead. */
    net_send_error(hub, s->rid, s->rid_len, seq,
                   STAFET__WIRE__V1__ERROR_CODE__ERROR_STORE_UNAVAILABLE,
                   "hub %s is still loading its routing table; re-send", hub->cfg.hub_id);
    return false;
  }
  if (envelope_validate(env, why, sizeof why) != 0) {
    net_send_error(hub, s->rid, s->rid_len, seq,
                   STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_ENVELOPE, "%s", why);
    return false;
  }
  if (topic_validate(env->topic) != 0) {
    net_send_error(hub, s->rid, s->rid_len, seq, STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_TOPIC,
                   "topic '%.255s' is not lower snake case segments joined by dots "
                   "(1..32 segments, no wildcards, <= 255 bytes)",
                   env->topic);
    return false;
  }
  if (!auth_may_publish(hub, s, env->topic, why, sizeof why)) {
    net_send_error(hub, s->rid, s->rid_len, seq, STAFET__WIRE__V1__ERROR_CODE__ERROR_NOT_AUTHORIZED,
                   "%s", why);
    return false;
  }
  return true;
}

void publish_on_frame(hub_t *hub, session_t *s, Stafet__Wire__V1__Frame *frame,
                      zmq_msg_t *payload) {
  uint64_t seq = frame->seq;
  Stafet__Wire__V1__Envelope *env = frame->publish ? frame->publish->envelope : NULL;
  publish_ctx_t *ctx = NULL;
  match_list_t m = {.hub = hub, .env = env};
  if (!publish_check(hub, s, seq, env))
    goto fail;
  if (env->source == NULL || env->source[0] == '\0') {
    if (env->source != NULL && env->source != protobuf_c_empty_string)
      free(env->source);
    env->source = strdup(s->adapter);
  }
  if (env->published_at_ms == 0)
    env->published_at_ms = (int64_t)hub_now_ms();
  ctx = calloc(1, sizeof *ctx);
  if (ctx == NULL || env->source == NULL)
    goto internal;
  memcpy(ctx->rid, s->rid, s->rid_len);
  ctx->rid_len = s->rid_len;
  memcpy(ctx->session_id, s->id, sizeof ctx->session_id);
  ctx->seq = seq;
  ctx->frame = frame;
  zmq_msg_init(&ctx->payload);
  if (payload != NULL)
    zmq_msg_move(&ctx->payload, payload);
  router_match(hub->durable_routes, env->topic, collect_match, &m);
  if (m.failed || remember_subs(ctx, &m) != 0)
    goto internal_ctx;
  free(m.items);
  m.items = NULL;
  if (ctx->n_subs == 0 && has_transient_match(hub, env->topic)) {
    publish_accepted(hub, ctx, 0);
    publish_ctx_free(ctx);
    return;
  }
  size_t env_len = stafet__wire__v1__envelope__get_packed_size(env);
  uint8_t *env_bytes = malloc(env_len ? env_len : 1);
  if (env_bytes == NULL)
    goto internal_ctx;
  stafet__wire__v1__envelope__pack(env, env_bytes);
  int rc = store_publish(hub, ctx, env_bytes, env_len);
  free(env_bytes);
  if (rc == STAFET_EUNAVAIL) {
    net_send_error(hub, s->rid, s->rid_len, seq,
                   STAFET__WIRE__V1__ERROR_CODE__ERROR_STORE_UNAVAILABLE,
                   "redis is unavailable; message %s was not stored, re-send it", env->message_id);
    publish_ctx_free(ctx);
  } else if (rc != 0) {
    goto internal_ctx;
  }
  return;
internal_ctx:
  publish_ctx_free(ctx);
  frame = NULL;
  ctx = NULL;
internal:
  net_send_error(hub, s->rid, s->rid_len, seq, STAFET__WIRE__V1__ERROR_CODE__ERROR_INTERNAL,
                 "out of memory");
  free(ctx);
fail:
  free(m.items);
  if (frame != NULL)
    stafet__wire__v1__frame__free_unpacked(frame, NULL);
}

static void note_match(void *target, void *arg) {
  (void)target;
  *(bool *)arg = true;
}

static bool has_transient_match(hub_t *hub, const char *topic) {
  bool found = false;
  router_match(hub->transient_routes, topic, note_match, &found);
  return found;
}

void publish_on_store_ready(hub_t *hub) {
  char key[KEY_MAX];
  snprintf(key, sizeof key, "%s%s", hub->cfg.prefix, KEY_UNROUTABLE);
  const char *argv[] = {"XGROUP", "CREATE", key, CONSUMER_GROUP, "$", "MKSTREAM"};
  (void)store_command(hub, NULL, NULL, 6, argv, NULL); /* BUSYGROUP when it exists: fine */
}
