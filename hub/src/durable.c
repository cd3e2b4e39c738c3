/*
 * durable.c — durable subscriptions: consumers, credit, delivery, ack, nack,
 * redelivery and dead letters, on Redis Streams with one consumer group.
 *
 * Each local consumer is a Redis consumer named after its session. The hub
 * reads for a consumer only as many entries as its credit window has room
 * for (XREADGROUP COUNT), so a slow consumer costs the hub no memory: its
 * messages wait in Redis. Deliveries not acked within ack_timeout_ms are
 * claimed by the claim sweep (claim script: XPENDING IDLE + XCLAIM, or
 * dead-letter after max_deliveries). When a session ends, its deliveries are
 * parked with the "orphans" consumer, already idle, so the next sweep hands
 * them to someone else at once.
 *
 * Async replies never hold pointers to sessions or subscriptions (either may
 * be gone when the reply comes): they carry names and look them up.
 */
#include "hub.h"

#include "keys.h"
#include "metrics.h"
#include "privacy.h"
#include "queue_redis.h"
#include "stafet.h"
#include "stafet/wire/v1/packed.pb-c.h"

#include <stdlib.h>
#include <string.h>

/* Queue reads a subscription may have outstanding at once. With one, a
 * message stored while the read is out waits for it to return and for one
 * more Redis turn; with several, the read sent behind each store batch
 * (publish.c) goes at once, as the store batches do (store_batches_in_flight,
 * default 4). Each read reserves the credit it asks for (ask_count). In bench/
 * at 12k msg/s p50 went from 2.8-4.1 to 1.7-2.7 ms (the machine's noise is of
 * that size), and a backlog drains no slower. */
#define READS_IN_FLIGHT 4

typedef struct read_ctx {
  char sub[NAME_MAX_LEN + 1];
  uint8_t rid[ROUTING_ID_MAX];
  size_t rid_len;
  char session_id[SESSION_ID_MAX];
  size_t asked;
  bool claim;
  bool released; /* the credit it reserved is given back */
} read_ctx_t;

static void durable_claim(hub_t *hub, dsub_t *sub);

static uint32_t free_credit(const consumer_t *c) {
  uint64_t used = (uint64_t)c->inflight.count + c->reserved;
  return c->credit > used ? c->credit - (uint32_t)used : 0;
}

/* Round robin over the consumers that have room. */
static consumer_t *pick_consumer(dsub_t *sub) {
  consumer_t *start = sub->rr_next ? sub->rr_next : sub->consumers;
  consumer_t *c = start;
  if (c == NULL)
    return NULL;
  do {
    consumer_t *next = c->next_in_sub ? c->next_in_sub : sub->consumers;
    if (free_credit(c) > 0 && !c->session->dead) {
      sub->rr_next = next;
      return c;
    }
    c = next;
  } while (c != start);
  return NULL;
}

static consumer_t *find_consumer(session_t *s, const char *sub_name) {
  for (consumer_t *c = s->consumers; c != NULL; c = c->next_in_session)
    if (strcmp(c->sub->name, sub_name) == 0)
      return c;
  return NULL;
}

/* A read or claim for `asked` entries: reserves that much of c's credit until
 * its answer gives it back (read_ctx_release). */
static read_ctx_t *read_ctx_new(dsub_t *sub, consumer_t *c, size_t asked, bool claim) {
  read_ctx_t *ctx = calloc(1, sizeof *ctx);
  if (ctx == NULL)
    return NULL;
  c->reserved += (uint32_t)asked;
  memcpy(ctx->sub, sub->name, sizeof ctx->sub);
  memcpy(ctx->rid, c->session->rid, c->session->rid_len);
  ctx->rid_len = c->session->rid_len;
  memcpy(ctx->session_id, c->session->id, sizeof ctx->session_id);
  ctx->asked = asked;
  ctx->claim = claim;
  return ctx;
}

/* How many entries a read or claim asks for: half of the consumer's free
 * credit (so that the read behind the next store batch has some too), at most
 * read_batch. */
static uint32_t ask_count(const hub_t *hub, const consumer_t *c) {
  uint32_t n = (free_credit(c) + 1) / 2;
  return n > hub->cfg.read_batch ? (uint32_t)hub->cfg.read_batch : n;
}

/* Gives back the credit a read or claim reserved (once), if its consumer is still there. */
static void read_ctx_release(hub_t *hub, read_ctx_t *ctx) {
  if (ctx->released)
    return;
  ctx->released = true;
  session_t *s = session_lookup(hub, ctx->rid, ctx->rid_len, ctx->session_id);
  consumer_t *c = s ? find_consumer(s, ctx->sub) : NULL;
  if (c != NULL)
    c->reserved -= c->reserved < ctx->asked ? c->reserved : (uint32_t)ctx->asked;
}

static void read_ctx_free(hub_t *hub, read_ctx_t *ctx) {
  read_ctx_release(hub, ctx);
  free(ctx);
}

/* Parks ids (or, with n == 0, all of `consumer`'s deliveries) for redelivery. */
static void release_ids(hub_t *hub, const char *sub_name, const char *consumer,
                        bool delete_consumer, const char **ids, size_t n, uint64_t idle_ms);

static void dead_letter(hub_t *hub, dsub_t *sub, const char **ids, size_t n, const char *reason);

/* Sends one entry to a consumer. Returns 0, or an error if it could not be sent. */
static int deliver_entry(hub_t *hub, consumer_t *c, const char *id, const redisReply *fields,
                         uint32_t count) {
  const redisReply *e = reply_field(fields, "e"), *p = reply_field(fields, "p");
  stream_id_t sid;
  if (stream_id_parse(id, &sid) != 0)
    return STAFET_EPROTO;
  ProtobufCAllocator *arena = &hub->deliver_arena.allocator;
  Stafet__Wire__V1__Envelope *env =
      e ? stafet__wire__v1__envelope__unpack(arena, e->len, (const uint8_t *)e->str) : NULL;
  if (env == NULL) {
    pbarena_reset(&hub->deliver_arena);
    log_error(&hub->log, "corrupt queue entry", "sub=%s id=%s", c->sub->name, id);
    dead_letter(hub, c->sub, &id, 1, "corrupt_entry");
    return 0;
  }
  /* The envelope goes on as stored: its bytes, not unpacked and re-packed. */
  Stafet__Wire__V1__PackedDeliver d = STAFET__WIRE__V1__PACKED_DELIVER__INIT;
  d.subscription = c->sub->name;
  d.delivery_id = (char *)id;
  d.envelope.data = (uint8_t *)e->str;
  d.envelope.len = e->len;
  d.delivery_count = count;
  Stafet__Wire__V1__PackedDeliverFrame frame = STAFET__WIRE__V1__PACKED_DELIVER_FRAME__INIT;
  frame.deliver = &d;
  zmq_msg_t payload;
  size_t len = p ? p->len : 0;
  bool stripped = privacy_payload_for(hub, c->session, env, p ? p->str : "", len, &payload);
  int rc = net_deliver(hub, c->session, &frame.base, &payload, NULL);
  if (rc == 0) {
    privacy_audit(hub, c->session, c->sub->name, env, p ? p->str : "", len, stripped);
    inflight_add_tagged(&c->inflight, sid,
                        metrics_on_deliver(hub, c->sub->name, env->topic, count));
    hub->stats.delivered++;
    if (count > 1)
      hub->stats.redelivered++;
    log_debug(&hub->log, "delivered", "msg_id=%s sub=%s delivery_id=%s count=%u session=%s",
              env->message_id, c->sub->name, id, count, c->session->id);
  }
  stafet__wire__v1__envelope__free_unpacked(env, arena);
  pbarena_reset(&hub->deliver_arena);
  return rc;
}

/* Delivers entries [id, fields(, count)] to the consumer, or parks them if it is gone. */
static size_t deliver_entries(hub_t *hub, dsub_t *sub, read_ctx_t *ctx, redisReply **entries,
                              size_t n) {
  session_t *s = session_lookup(hub, ctx->rid, ctx->rid_len, ctx->session_id);
  consumer_t *c = s ? find_consumer(s, sub->name) : NULL;
  const char **unsent = calloc(n ? n : 1, sizeof *unsent);
  size_t n_unsent = 0, got = 0;
  for (size_t i = 0; i < n; i++) {
    redisReply *entry = entries[i];
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements < 2 ||
        entry->element[0]->type != REDIS_REPLY_STRING)
      continue;
    got++;
    uint32_t count = entry->elements >= 3 ? (uint32_t)entry->element[2]->integer : 1;
    if (c == NULL || deliver_entry(hub, c, entry->element[0]->str, entry->element[1], count) != 0)
      if (unsent != NULL)
        unsent[n_unsent++] = entry->element[0]->str;
  }
  if (c != NULL) /* a read's entries leave now, together, not at the end of the turn */
    net_flush_session(hub, c->session);
  if (n_unsent > 0)
    release_ids(hub, sub->name, ctx->session_id, false, unsent, n_unsent, sub->ack_timeout_ms + 1);
  free(unsent);
  return got;
}

static void on_read(hub_t *hub, redisReply *reply, void *arg) {
  read_ctx_t *ctx = arg;
  read_ctx_release(hub, ctx);
  dsub_t *sub = dict_gets(hub->dsubs, ctx->sub);
  if (sub == NULL)
    goto out;
  if (sub->reads_in_flight > 0)
    sub->reads_in_flight--;
  size_t got = 0;
  /* [[key, [[id, [f, v ...]], ...]]] or nil */
  if (reply != NULL && reply->type == REDIS_REPLY_ARRAY && reply->elements == 1) {
    redisReply *stream = reply->element[0];
    if (stream->type == REDIS_REPLY_ARRAY && stream->elements == 2 &&
        stream->element[1]->type == REDIS_REPLY_ARRAY)
      got =
          deliver_entries(hub, sub, ctx, stream->element[1]->element, stream->element[1]->elements);
  } else if (reply_is_error(reply) && reply != NULL) {
    log_warn(&hub->log, "queue read failed", "sub=%s err=\"%s\"", sub->name, reply->str);
  }
  if (reply != NULL && (got == ctx->asked || sub->read_wanted)) {
    sub->read_wanted = false;
    durable_kick(hub, sub);
  }
out:
  read_ctx_free(hub, ctx);
}

void durable_kick(hub_t *hub, dsub_t *sub) {
  if (!store_ready(hub) || hub->draining)
    return;
  if (sub->reads_in_flight >= READS_IN_FLIGHT) {
    sub->read_wanted = true;
    return;
  }
  consumer_t *c = pick_consumer(sub);
  if (c == NULL) {
    if (sub->reads_in_flight > 0 || sub->claim_in_flight)
      sub->read_wanted = true; /* their answers give credit back */
    return;
  }
  uint32_t n = ask_count(hub, c);
  read_ctx_t *ctx = read_ctx_new(sub, c, n, false);
  if (ctx == NULL)
    return;
  char key[KEY_MAX], count[16];
  store_key(hub, key, sizeof key, KEY_QUEUE_FMT, sub->name);
  snprintf(count, sizeof count, "%u", n);
  const char *argv[] = {
      "XREADGROUP", "GROUP", CONSUMER_GROUP, c->session->id, "COUNT", count, "STREAMS", key, ">"};
  if (store_command(hub, on_read, ctx, 9, argv, NULL) != 0) {
    read_ctx_free(hub, ctx);
    return;
  }
  sub->reads_in_flight++;
}

typedef struct sub_visit {
  hub_t *hub;
  void (*fn)(hub_t *, dsub_t *);
  bool only_consumed; /* skip subscriptions with no local consumer */
} sub_visit_t;

static void visit_sub(void *value, void *arg) {
  sub_visit_t *v = arg;
  dsub_t *sub = value;
  if (!v->only_consumed || sub->consumers != NULL)
    v->fn(v->hub, sub);
}

/* Runs `fn` on every subscription that has local consumers. */
static void for_each_consumed(hub_t *hub, void (*fn)(hub_t *, dsub_t *)) {
  sub_visit_t v = {hub, fn, true};
  dict_each(hub->dsubs, visit_sub, &v);
}

void durable_kick_all(hub_t *hub) {
  for_each_consumed(hub, durable_kick);
}

/* ---- redelivery ---- */

/* The claim script's last element: {"dead", n, id1, message_id1, topic1, ...}. */
static void note_claim_dead(hub_t *hub, dsub_t *sub, const redisReply *tail) {
  hub->stats.dead_lettered += (uint64_t)tail->element[1]->integer;
  metrics_on_dead_letter(hub, sub->name, (size_t)tail->element[1]->integer,
                         "max_deliveries_exceeded");
  for (size_t i = 2; i + 2 < tail->elements; i += 3)
    metrics_on_topic_dead_name(hub, tail->element[i + 2]->str, "max_deliveries_exceeded");
  for (size_t i = 2; i + 2 < tail->elements; i += 3)
    log_warn(&hub->log, "dead-lettered",
             "sub=%s msg_id=%s delivery_id=%s reason=max_deliveries_exceeded deliveries=%llu",
             sub->name, tail->element[i + 1]->str ? tail->element[i + 1]->str : "",
             tail->element[i]->str ? tail->element[i]->str : "",
             (unsigned long long)sub->max_deliveries);
}

static void on_claim(hub_t *hub, redisReply *reply, void *arg) {
  read_ctx_t *ctx = arg;
  read_ctx_release(hub, ctx);
  dsub_t *sub = dict_gets(hub->dsubs, ctx->sub);
  if (sub == NULL)
    goto out;
  sub->claim_in_flight = false;
  if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) {
    if (reply != NULL && reply->type == REDIS_REPLY_ERROR)
      log_warn(&hub->log, "claim failed", "sub=%s err=\"%s\"", sub->name, reply->str);
  } else {
    redisReply *tail = reply->element[reply->elements - 1];
    if (tail->type == REDIS_REPLY_ARRAY && tail->elements >= 2 && tail->element[1]->integer > 0)
      note_claim_dead(hub, sub, tail);
    size_t got = deliver_entries(hub, sub, ctx, reply->element, reply->elements - 1);
    if (got == ctx->asked)
      durable_claim(hub, sub); /* there may be more waiting */
  }
  if (reply != NULL && sub->read_wanted && sub->reads_in_flight == 0) {
    sub->read_wanted = false; /* a read waited for the credit this claim held */
    durable_kick(hub, sub);
  }
out:
  read_ctx_free(hub, ctx);
}

static void durable_claim(hub_t *hub, dsub_t *sub) {
  if (!store_ready(hub) || hub->draining || sub->claim_in_flight)
    return;
  consumer_t *c = pick_consumer(sub);
  if (c == NULL)
    return;
  uint32_t n = ask_count(hub, c);
  read_ctx_t *ctx = read_ctx_new(sub, c, n, true);
  if (ctx == NULL)
    return;
  char queue[KEY_MAX], dlq[KEY_MAX], idle[24], count[16], max[24], now[24], trace[KEY_MAX + 48];
  store_key(hub, queue, sizeof queue, KEY_QUEUE_FMT, sub->name);
  dedupe_spec(hub, hub_now_ms(), trace, sizeof trace);
  store_key(hub, dlq, sizeof dlq, KEY_DLQ_FMT, sub->name);
  snprintf(idle, sizeof idle, "%llu", (unsigned long long)sub->ack_timeout_ms);
  snprintf(count, sizeof count, "%u", n);
  snprintf(max, sizeof max, "%llu", (unsigned long long)sub->max_deliveries);
  snprintf(now, sizeof now, "%llu", (unsigned long long)hub_now_ms());
  const char *argv[] = {queue, dlq, CONSUMER_GROUP, c->session->id, idle, count, max, now, trace};
  if (store_script(hub, SCRIPT_CLAIM, on_claim, ctx, 2, 9, argv, NULL) != 0) {
    read_ctx_free(hub, ctx);
    return;
  }
  sub->claim_in_flight = true;
}

void durable_claim_tick(uv_timer_t *timer) {
  for_each_consumed(timer->data, durable_claim);
}

void durable_poll_tick(uv_timer_t *timer) {
  for_each_consumed(timer->data, durable_kick);
}

static void trim_one(hub_t *hub, dsub_t *sub) {
  char queue[KEY_MAX], cutoff[48], stale[24];
  uint64_t now = hub_now_ms();
  uint64_t edge = now > sub->retention_ms ? now - sub->retention_ms : 0;
  store_key(hub, queue, sizeof queue, KEY_QUEUE_FMT, sub->name);
  snprintf(cutoff, sizeof cutoff, "%llu-0", (unsigned long long)edge);
  snprintf(stale, sizeof stale, "%llu", (unsigned long long)hub->cfg.stale_consumer_ms);
  const char *argv[] = {queue, CONSUMER_GROUP, cutoff, stale};
  (void)store_script(hub, SCRIPT_TRIM, NULL, NULL, 1, 4, argv, NULL);
}

void durable_trim_tick(uv_timer_t *timer) {
  hub_t *hub = timer->data;
  sub_visit_t v = {hub, trim_one, false};
  dict_each(hub->dsubs, visit_sub, &v);
  char key[KEY_MAX];
  snprintf(key, sizeof key, "%s%s", hub->cfg.prefix, KEY_UNROUTABLE);
  const char *argv[] = {"XTRIM", key, "MAXLEN", "~", UNROUTABLE_MAX};
  (void)store_command(hub, NULL, NULL, 5, argv, NULL);
}

/* ---- release, dead letters ---- */

static void on_released(hub_t *hub, redisReply *reply, void *arg) {
  char *name = arg;
  dsub_t *sub = dict_gets(hub->dsubs, name);
  if (sub != NULL && reply != NULL && reply->type == REDIS_REPLY_INTEGER && reply->integer > 0)
    durable_claim(hub, sub);
  free(name);
}

static void release_ids(hub_t *hub, const char *sub_name, const char *consumer,
                        bool delete_consumer, const char **ids, size_t n, uint64_t idle_ms) {
  const char **argv = calloc(5 + n, sizeof *argv);
  char *name = strdup(sub_name);
  char queue[KEY_MAX], idle[24];
  if (argv == NULL || name == NULL)
    goto out;
  store_key(hub, queue, sizeof queue, KEY_QUEUE_FMT, sub_name);
  snprintf(idle, sizeof idle, "%llu", (unsigned long long)idle_ms);
  argv[0] = queue;
  argv[1] = CONSUMER_GROUP;
  argv[2] = consumer;
  argv[3] = idle;
  argv[4] = delete_consumer ? "1" : "0";
  for (size_t i = 0; i < n; i++)
    argv[5 + i] = ids[i];
  if (store_script(hub, SCRIPT_RELEASE, on_released, name, 1, (int)(5 + n), argv, NULL) == 0)
    name = NULL;
out:
  free(argv);
  free(name);
}

static void dead_letter(hub_t *hub, dsub_t *sub, const char **ids, size_t n, const char *reason) {
  const char **argv = calloc(6 + n, sizeof *argv);
  char queue[KEY_MAX], dlq[KEY_MAX], now[24], trace[KEY_MAX + 48];
  if (argv == NULL)
    return;
  store_key(hub, queue, sizeof queue, KEY_QUEUE_FMT, sub->name);
  dedupe_spec(hub, hub_now_ms(), trace, sizeof trace);
  store_key(hub, dlq, sizeof dlq, KEY_DLQ_FMT, sub->name);
  snprintf(now, sizeof now, "%llu", (unsigned long long)hub_now_ms());
  argv[0] = queue;
  argv[1] = dlq;
  argv[2] = CONSUMER_GROUP;
  argv[3] = reason && reason[0] ? reason : "nacked";
  argv[4] = now;
  argv[5] = trace;
  for (size_t i = 0; i < n; i++)
    argv[6 + i] = ids[i];
  if (store_script(hub, SCRIPT_DEADLETTER, NULL, NULL, 2, (int)(6 + n), argv, NULL) == 0) {
    hub->stats.dead_lettered += n;
    metrics_on_dead_letter(hub, sub->name, n, argv[3]);
    log_warn(&hub->log, "dead-lettered", "sub=%s count=%zu first_delivery_id=%s reason=\"%s\"",
             sub->name, n, n ? ids[0] : "", argv[3]);
  }
  free(argv);
}

void durable_consumer_release(hub_t *hub, consumer_t *c) {
  dsub_t *sub = c->sub;
  session_t *s = c->session;
  for (consumer_t **pp = &s->consumers; *pp != NULL; pp = &(*pp)->next_in_session)
    if (*pp == c) {
      *pp = c->next_in_session;
      break;
    }
  if (c->prev_in_sub)
    c->prev_in_sub->next_in_sub = c->next_in_sub;
  else
    sub->consumers = c->next_in_sub;
  if (c->next_in_sub)
    c->next_in_sub->prev_in_sub = c->prev_in_sub;
  if (sub->rr_next == c)
    sub->rr_next = c->next_in_sub;
  release_ids(hub, sub->name, s->id, true, NULL, 0, sub->ack_timeout_ms + 1);
  inflight_free(&c->inflight);
  free(c);
}

/* ---- ack, nack, credit ---- */

/* What becomes of settled deliveries, for the per-topic counts. */
typedef struct settle {
  enum { SETTLE_ACK, SETTLE_REQUEUE, SETTLE_DEAD } how;
  const char *reason; /* SETTLE_DEAD */
} settle_t;

static void count_settled(void *tag, settle_t how) {
  if (how.how == SETTLE_ACK)
    metrics_on_topic_acked(tag);
  else if (how.how == SETTLE_DEAD)
    metrics_on_topic_dead(tag, how.reason);
}

/* Takes the ids this consumer holds out of its in-flight set; returns how many
 * it held (in `held`, as pointers into `ids`) and reports the first unknown. */
static size_t take_held(consumer_t *c, char **ids, size_t n, const char **held,
                        const char **first_unknown, settle_t how) {
  size_t k = 0;
  *first_unknown = NULL;
  for (size_t i = 0; i < n; i++) {
    stream_id_t sid;
    void *tag = NULL;
    if (stream_id_parse(ids[i], &sid) == 0 && inflight_take(&c->inflight, sid, &tag)) {
      held[k++] = ids[i];
      count_settled(tag, how);
    } else if (*first_unknown == NULL) {
      *first_unknown = ids[i];
    }
  }
  return k;
}

/* Common part of ack and nack: finds the consumer and the held ids.
 * Returns the consumer, or NULL after answering with an Error. */
static consumer_t *settle_begin(hub_t *hub, session_t *s, uint64_t seq, const char *sub_name,
                                char **ids, size_t n, const char ***held, size_t *n_held,
                                settle_t how) {
  consumer_t *c = find_consumer(s, sub_name);
  if (c == NULL) {
    net_send_error(hub, s->rid, s->rid_len, seq,
                   STAFET__WIRE__V1__ERROR_CODE__ERROR_UNKNOWN_SUBSCRIPTION,
                   "this session does not consume subscription '%.64s'", sub_name);
    return NULL;
  }
  *held = calloc(n ? n : 1, sizeof **held);
  if (*held == NULL)
    return NULL;
  const char *unknown = NULL;
  *n_held = take_held(c, ids, n, *held, &unknown, how);
  if (unknown != NULL)
    net_send_error(hub, s->rid, s->rid_len, seq,
                   STAFET__WIRE__V1__ERROR_CODE__ERROR_UNKNOWN_DELIVERY,
                   "delivery '%.40s' of '%s' is not held by this session (%zu of %zu unknown)",
                   unknown, sub_name, n - *n_held, n);
  return c;
}

void durable_on_ack(hub_t *hub, session_t *s, uint64_t seq, const Stafet__Wire__V1__Ack *ack) {
  const char **held = NULL;
  size_t n_held = 0;
  consumer_t *c = settle_begin(hub, s, seq, ack->subscription, ack->delivery_ids,
                               ack->n_delivery_ids, &held, &n_held, (settle_t){SETTLE_ACK, NULL});
  if (c == NULL)
    return;
  if (n_held > 0) {
    const char **argv = calloc(3 + n_held, sizeof *argv);
    char queue[KEY_MAX];
    store_key(hub, queue, sizeof queue, KEY_QUEUE_FMT, c->sub->name);
    if (argv != NULL) {
      argv[0] = "XACK";
      argv[1] = queue;
      argv[2] = CONSUMER_GROUP;
      memcpy(argv + 3, held, n_held * sizeof *held);
      (void)store_command(hub, NULL, NULL, (int)(3 + n_held), argv, NULL);
      free(argv);
    }
    hub->stats.acked += n_held;
    metrics_on_ack(hub, c->sub->name, n_held);
    for (size_t i = 0; i < n_held && hub->log.level <= LOG_DEBUG; i++)
      log_debug(&hub->log, "acked", "sub=%s delivery_id=%s session=%s", c->sub->name, held[i],
                s->id);
    durable_kick(hub, c->sub);
  }
  free(held);
}

void durable_on_nack(hub_t *hub, session_t *s, uint64_t seq, const Stafet__Wire__V1__Nack *nack) {
  const char **held = NULL;
  size_t n_held = 0;
  settle_t how = {nack->requeue ? SETTLE_REQUEUE : SETTLE_DEAD, nack->reason};
  consumer_t *c = settle_begin(hub, s, seq, nack->subscription, nack->delivery_ids,
                               nack->n_delivery_ids, &held, &n_held, how);
  if (c == NULL)
    return;
  if (n_held > 0) {
    hub->stats.nacked += n_held;
    metrics_on_nack(hub, c->sub->name, n_held);
    for (size_t i = 0; i < n_held && hub->log.level <= LOG_DEBUG; i++)
      log_debug(&hub->log, "nacked", "sub=%s delivery_id=%s session=%s requeue=%d", c->sub->name,
                held[i], s->id, nack->requeue);
    if (nack->requeue)
      release_ids(hub, c->sub->name, s->id, false, held, n_held, c->sub->ack_timeout_ms + 1);
    else
      dead_letter(hub, c->sub, held, n_held, nack->reason);
    durable_kick(hub, c->sub);
  }
  free(held);
}

int durable_on_credit(hub_t *hub, session_t *s, const char *name, uint32_t credit) {
  consumer_t *c = find_consumer(s, name);
  if (c == NULL)
    return STAFET_ENOTFOUND;
  c->credit = credit;
  durable_kick(hub, c->sub);
  durable_claim(hub, c->sub);
  return 0;
}

/* Joins a session to a durable subscription (or updates its window). */
consumer_t *durable_attach(hub_t *hub, session_t *s, dsub_t *sub, uint32_t credit) {
  consumer_t *c = find_consumer(s, sub->name);
  if (c == NULL) {
    c = calloc(1, sizeof *c);
    if (c == NULL)
      return NULL;
    c->session = s;
    c->sub = sub;
    c->next_in_session = s->consumers;
    s->consumers = c;
    c->next_in_sub = sub->consumers;
    if (sub->consumers)
      sub->consumers->prev_in_sub = c;
    sub->consumers = c;
  }
  c->credit = credit ? credit : (uint32_t)hub->cfg.credit;
  durable_kick(hub, sub);
  durable_claim(hub, sub);
  return c;
}
