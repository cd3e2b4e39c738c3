/*
 * publish.c — from a Publish frame to a PublishAck.
 *
 *   validate envelope -> match durable routes (trie + filters)
 *   -> into this loop turn's batch; at the end of the turn one EVALSHA stores
 *      the batch: per message, dedupe check + XADD to every matching queue +
 *      its id and trace into the dedupe bucket, atomically
 *   -> PublishAck, then hand the message to transient subscribers and wake
 *      the durable subscriptions' consumers.
 *
 * Batching: the hub reads up to DRAIN_BUDGET frames per turn (net_zmq.c) and
 * sends the batch at the end of the turn, so a publish waits for no timer;
 * one script call then carries the whole turn's publishes (Redis runs one
 * script and writes one MULTI/EXEC to its AOF instead of one per message).
 * Under moderate load publishes come one per turn, so while
 * store_batches_in_flight (default 4) store calls wait for Redis, the next
 * batch keeps growing until one is answered: at 14k msg/s a third fewer
 * script calls, and p99 latency ~5 ms instead of 5-9 ms in bench/. Each
 * message keeps its own outcome.
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
#include "sbuf.h"
#include "stafet.h"
#include "topic.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ATTRIBUTES      32
#define MAX_ATTRIBUTE_VALUE 256
#define MAX_MESSAGE_ID      64
/* A batch is sent when it holds this many messages or bytes, or at the end of
 * the loop turn, whichever comes first. */
#define BATCH_MAX_MESSAGES 256
#define BATCH_MAX_BYTES    (1u << 20)

typedef struct publish_ctx {
  uint8_t rid[ROUTING_ID_MAX];
  size_t rid_len;
  char session_id[SESSION_ID_MAX];
  uint64_t seq;
  Stafet__Wire__V1__Frame *frame; /* owned: the decoded Publish */
  zmq_msg_t payload;
  uint8_t *env_bytes; /* owned: the envelope as stored (with source and time) */
  size_t env_len;
  size_t n_subs;
  char **sub_names; /* owned: subscriptions to wake after the store */
  bool duplicate;   /* the store's answer, kept while WAIT runs */
  uint32_t stored;
} publish_ctx_t;

/* Publishes sent to Redis together: the store script's or WAIT's reply context. */
typedef struct publish_group {
  size_t count;
  publish_ctx_t *items[];
} publish_group_t;

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
  if (array_reserve(&m->items, &m->capacity, m->count, sizeof *m->items, 8) != 0) {
    m->failed = true;
    return;
  }
  m->items[m->count++] = sub;
}

static void publish_ctx_free(publish_ctx_t *ctx) {
  for (size_t i = 0; i < ctx->n_subs; i++)
    free(ctx->sub_names[i]);
  free(ctx->sub_names);
  free(ctx->env_bytes);
  zmq_msg_close(&ctx->payload);
  stafet__wire__v1__frame__free_unpacked(ctx->frame, NULL);
  free(ctx);
}

static const char *ctx_message_id(const publish_ctx_t *ctx) {
  return ctx->frame->publish->envelope->message_id;
}

/* ---- answers ----
 * A client whose Hello accepts PublishAcks gets the answers to its publishes
 * gathered: one frame per loop turn or store reply instead of one per
 * message, so a batch of 256 stored publishes costs the hub one pack and send
 * and the client one receive. */

#define ACKS_PER_FRAME 512 /* a bigger gathering is sent at once */

typedef struct ack_out {
  uint64_t seq;
  uint32_t durable_queues;
  bool duplicate;
  char message_id[MAX_MESSAGE_ID + 1];
} ack_out_t;

struct ack_buf {
  ack_out_t *items;
  size_t count, capacity;
  bool listed; /* in hub->acking */
};

static void send_one_ack(hub_t *hub, session_t *s, uint64_t seq, const char *message_id,
                         bool duplicate, uint32_t stored) {
  Stafet__Wire__V1__PublishAck ack = STAFET__WIRE__V1__PUBLISH_ACK__INIT;
  ack.message_id = (char *)message_id;
  ack.duplicate = duplicate;
  ack.durable_queues = stored;
  Stafet__Wire__V1__Frame frame = STAFET__WIRE__V1__FRAME__INIT;
  frame.seq = seq;
  frame.body_case = STAFET__WIRE__V1__FRAME__BODY_PUBLISH_ACK;
  frame.publish_ack = &ack;
  net_send(hub, s, &frame, NULL);
}

/* Sends the session's gathered answers (a lone one as a plain PublishAck). */
static void send_gathered(hub_t *hub, session_t *s) {
  struct ack_buf *b = s->acks;
  size_t n = b->count;
  b->count = 0;
  if (n == 1) {
    send_one_ack(hub, s, b->items[0].seq, b->items[0].message_id, b->items[0].duplicate,
                 b->items[0].durable_queues);
    return;
  }
  uint64_t *seqs = malloc(n * sizeof *seqs);
  Stafet__Wire__V1__PublishAck *acks = malloc(n * sizeof *acks);
  Stafet__Wire__V1__PublishAck **ptrs = malloc(n * sizeof *ptrs);
  if (seqs == NULL || acks == NULL || ptrs == NULL) { /* no memory: one frame each */
    for (size_t i = 0; i < n; i++)
      send_one_ack(hub, s, b->items[i].seq, b->items[i].message_id, b->items[i].duplicate,
                   b->items[i].durable_queues);
  } else {
    for (size_t i = 0; i < n; i++) {
      seqs[i] = b->items[i].seq;
      stafet__wire__v1__publish_ack__init(&acks[i]);
      acks[i].message_id = b->items[i].message_id;
      acks[i].duplicate = b->items[i].duplicate;
      acks[i].durable_queues = b->items[i].durable_queues;
      ptrs[i] = &acks[i];
    }
    Stafet__Wire__V1__PublishAcks msg = STAFET__WIRE__V1__PUBLISH_ACKS__INIT;
    msg.n_seqs = n;
    msg.seqs = seqs;
    msg.n_acks = n;
    msg.acks = ptrs;
    Stafet__Wire__V1__Frame frame = STAFET__WIRE__V1__FRAME__INIT;
    frame.body_case = STAFET__WIRE__V1__FRAME__BODY_PUBLISH_ACKS;
    frame.publish_acks = &msg;
    net_send(hub, s, &frame, NULL);
  }
  free(seqs);
  free(acks);
  free(ptrs);
}

/* Keeps an answer for the session's next PublishAcks; false if out of memory. */
static bool gather_ack(hub_t *hub, session_t *s, const publish_ctx_t *ctx, bool duplicate,
                       uint32_t stored) {
  if (s->acks == NULL && (s->acks = calloc(1, sizeof *s->acks)) == NULL)
    return false;
  struct ack_buf *b = s->acks;
  if (array_reserve(&b->items, &b->capacity, b->count, sizeof *b->items, 64) != 0)
    return false;
  if (!b->listed) {
    if (session_list_add(&hub->acking, s) != 0)
      return false;
    b->listed = true;
  }
  ack_out_t *a = &b->items[b->count++];
  a->seq = ctx->seq;
  a->duplicate = duplicate;
  a->durable_queues = stored;
  const char *id = ctx_message_id(ctx);
  size_t len = strnlen(id, MAX_MESSAGE_ID); /* validated: at most MAX_MESSAGE_ID */
  memcpy(a->message_id, id, len);
  a->message_id[len] = '\0';
  if (b->count >= ACKS_PER_FRAME)
    send_gathered(hub, s); /* stays listed, with nothing to send */
  return true;
}

void publish_send_acks(hub_t *hub) {
  session_list_t *l = &hub->acking;
  for (size_t i = 0; i < l->count; i++) {
    l->items[i]->acks->listed = false;
    if (l->items[i]->acks->count > 0)
      send_gathered(hub, l->items[i]);
  }
  l->count = 0;
}

void publish_session_ended(hub_t *hub, session_t *s) {
  if (s->acks == NULL)
    return;
  if (s->acks->count > 0 && hub->zsock != NULL)
    send_gathered(hub, s);
  if (s->acks->listed)
    session_list_remove(&hub->acking, s);
  free(s->acks->items);
  free(s->acks);
  s->acks = NULL;
}

static void send_ack(hub_t *hub, publish_ctx_t *ctx, bool duplicate, uint32_t stored) {
  session_t *s = session_lookup(hub, ctx->rid, ctx->rid_len, ctx->session_id);
  if (s == NULL)
    return; /* publisher gone: it re-sends, and dedupe answers "duplicate" */
  if (!s->batch_acks || !gather_ack(hub, s, ctx, duplicate, stored))
    send_one_ack(hub, s, ctx->seq, ctx_message_id(ctx), duplicate, stored);
}

/* Starts delivery of the message's subscriptions (once per batch each): the
 * read goes to Redis right behind the store script, so Redis answers both in
 * one turn and the deliveries leave with the acks, a round trip sooner than
 * if the read waited for the script's reply. A read that finds the message
 * not stored (a duplicate, a full queue) just finds nothing. With WAIT for
 * replicas, consumers are woken only once the message is replicated
 * (once_per_batch false: every accepted message wakes its subscriptions). */
static void wake_consumers(hub_t *hub, const publish_ctx_t *ctx, bool once_per_batch) {
  for (size_t i = 0; i < ctx->n_subs; i++) {
    dsub_t *sub = dict_gets(hub->dsubs, ctx->sub_names[i]);
    if (sub == NULL || (once_per_batch && sub->kick_mark == hub->batch_generation))
      continue;
    sub->kick_mark = hub->batch_generation;
    durable_kick(hub, sub);
  }
}

/* The message is accepted: count it, hand it on (to the transient
 * subscribers unless that was done already). */
static void publish_accepted(hub_t *hub, publish_ctx_t *ctx, uint32_t stored, bool transient_done) {
  const Stafet__Wire__V1__Envelope *env = ctx->frame->publish->envelope;
  hub->stats.published++;
  metrics_on_publish(hub, env->topic);
  log_debug(&hub->log, "publish accepted", "msg_id=%s topic=%s source=%s queues=%u",
            env->message_id, env->topic, env->source, stored);
  send_ack(hub, ctx, false, stored);
  if (!transient_done)
    transient_deliver(hub, env, ctx->env_bytes, ctx->env_len, &ctx->payload);
  transient_fanout(hub, ctx->env_bytes, ctx->env_len, &ctx->payload);
  if (hub->cfg.redis_wait_replicas > 0) /* else woken when the batch was sent */
    wake_consumers(hub, ctx, false);
}

/* The store's answer is final: acknowledge (or hand on) the publish. */
static void publish_done(hub_t *hub, publish_ctx_t *ctx) {
  if (ctx->duplicate) {
    hub->stats.duplicates++;
    log_debug(&hub->log, "publish duplicate", "msg_id=%s", ctx_message_id(ctx));
    send_ack(hub, ctx, true, 0);
  } else {
    publish_accepted(hub, ctx, ctx->stored, false);
  }
}

static void send_unavailable(hub_t *hub, publish_ctx_t *ctx, const char *why) {
  net_send_error(hub, ctx->rid, ctx->rid_len, ctx->seq,
                 STAFET__WIRE__V1__ERROR_CODE__ERROR_STORE_UNAVAILABLE,
                 "%s; message %s was not stored, re-send it", why, ctx_message_id(ctx));
}

/* WAIT answered: as many replicas as asked hold the group's messages, or not yet. */
static void on_replicated(hub_t *hub, redisReply *reply, void *arg) {
  publish_group_t *g = arg;
  bool replicated = reply != NULL && reply->type == REDIS_REPLY_INTEGER &&
                    (uint64_t)reply->integer >= hub->cfg.redis_wait_replicas;
  for (size_t i = 0; i < g->count; i++) {
    publish_ctx_t *ctx = g->items[i];
    if (replicated)
      publish_done(hub, ctx);
    else
      net_send_error(hub, ctx->rid, ctx->rid_len, ctx->seq,
                     STAFET__WIRE__V1__ERROR_CODE__ERROR_STORE_UNAVAILABLE,
                     "%s is stored but not yet on %llu replica(s); re-send it (it will not be "
                     "stored twice)",
                     ctx_message_id(ctx), (unsigned long long)hub->cfg.redis_wait_replicas);
    publish_ctx_free(ctx);
  }
  free(g);
  publish_send_acks(hub);
}

/* With redis_wait_replicas, the acks wait until that many replicas have the
 * group: one WAIT for all of it. Takes the group. */
static void wait_for_replicas(hub_t *hub, publish_group_t *g) {
  char n[24], timeout[24];
  snprintf(n, sizeof n, "%llu", (unsigned long long)hub->cfg.redis_wait_replicas);
  snprintf(timeout, sizeof timeout, "%llu", (unsigned long long)hub->cfg.redis_wait_timeout_ms);
  const char *argv[] = {"WAIT", n, timeout};
  if (store_command(hub, on_replicated, g, 3, argv, NULL) == 0)
    return;
  for (size_t i = 0; i < g->count; i++) {
    net_send_error(hub, g->items[i]->rid, g->items[i]->rid_len, g->items[i]->seq,
                   STAFET__WIRE__V1__ERROR_CODE__ERROR_STORE_UNAVAILABLE,
                   "redis unavailable before replication was confirmed; re-send it");
    publish_ctx_free(g->items[i]);
  }
  free(g);
}

/* One message's answer from the store script: {status, value} (scripts.c).
 * Returns true when the message is stored (or a duplicate) and may be
 * acknowledged; false when an Error was sent instead. */
static bool take_outcome(hub_t *hub, publish_ctx_t *ctx, long long status, long long value) {
  if (status == 2 && value >= 1 && (size_t)value <= ctx->n_subs) {
    net_send_error(hub, ctx->rid, ctx->rid_len, ctx->seq,
                   STAFET__WIRE__V1__ERROR_CODE__ERROR_QUEUE_FULL,
                   "subscription '%s' is at its max_len; %s was not stored anywhere",
                   ctx->sub_names[value - 1], ctx_message_id(ctx));
    return false;
  }
  ctx->duplicate = status == 0;
  ctx->stored = status == 1 && ctx->n_subs ? (uint32_t)value : 0;
  return true;
}

static void on_stored(hub_t *hub, redisReply *reply, void *arg) {
  publish_group_t *g = arg;
  if (hub->publishing.in_flight > 0)
    hub->publishing.in_flight--;
  bool answered =
      reply != NULL && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 * g->count;
  if (reply != NULL && !answered)
    log_error(&hub->log, "publish script failed", "messages=%zu first_msg_id=%s err=\"%s\"",
              g->count, ctx_message_id(g->items[0]),
              reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
  size_t waiting = 0;
  for (size_t i = 0; i < g->count; i++) {
    publish_ctx_t *ctx = g->items[i];
    if (reply == NULL) {
      send_unavailable(hub, ctx, "redis connection lost before the message was stored");
    } else if (!answered) {
      net_send_error(hub, ctx->rid, ctx->rid_len, ctx->seq,
                     STAFET__WIRE__V1__ERROR_CODE__ERROR_INTERNAL, "store failed for %s",
                     ctx_message_id(ctx));
    } else if (take_outcome(hub, ctx, reply->element[2 * i]->integer,
                            reply->element[2 * i + 1]->integer)) {
      if (hub->cfg.redis_wait_replicas > 0) {
        g->items[waiting++] = ctx; /* kept for WAIT (waiting <= i) */
        continue;
      }
      publish_done(hub, ctx);
    }
    publish_ctx_free(ctx);
  }
  g->count = waiting;
  if (waiting > 0)
    wait_for_replicas(hub, g);
  else
    free(g);
  publish_end_of_turn(hub); /* the batch that waited for this answer */
}

/* The store script's arguments (layout: scripts.c, publish_lua). Text
 * arguments are written into one buffer and pointed to once it has stopped
 * moving; envelope and payload are pointed to where they are. */
typedef struct script_args {
  const char **argv;
  size_t *lens;
  size_t *offsets; /* into text; SIZE_MAX for arguments that point elsewhere */
  size_t n;
  sbuf_t text;
} script_args_t;

/* One text argument made of up to four pieces (NULL ends them early). Plain
 * copies: formatting every key with printf cost ~8 % of the hub's
 * instructions per message. */
static void arg_text(script_args_t *a, const char *p1, const char *p2, const char *p3,
                     const char *p4) {
  size_t at = a->text.len;
  const char *pieces[] = {p1, p2, p3, p4};
  for (size_t i = 0; i < 4 && pieces[i] != NULL; i++)
    sbuf_puts(&a->text, pieces[i]);
  a->lens[a->n] = a->text.len - at;
  a->offsets[a->n++] = at;
  sbuf_append(&a->text, "", 1); /* NUL between arguments */
}

static void arg_number(script_args_t *a, uint64_t v) {
  char text[24], *p = text + sizeof text - 1;
  *p = '\0';
  do
    *--p = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  arg_text(a, p, NULL, NULL, NULL);
}

static void arg_bytes(script_args_t *a, const void *data, size_t len) {
  a->argv[a->n] = len ? data : "";
  a->lens[a->n] = len;
  a->offsets[a->n++] = SIZE_MAX;
}

static void arg_bucket(script_args_t *a, const hub_t *hub, uint64_t bucket) {
  char number[24];
  snprintf(number, sizeof number, "%llu", (unsigned long long)bucket);
  arg_text(a, hub->cfg.prefix, KEY_IDS_INFIX, number, NULL);
}

static size_t ctx_queues(const publish_ctx_t *ctx) {
  return ctx->n_subs ? ctx->n_subs : 1; /* none matched: the unroutable stream */
}

/* Sends the group's store script. Returns 0 (on_stored answers every message)
 * or an error (nothing was sent). */
static int store_group(hub_t *hub, publish_group_t *g) {
  uint64_t now = hub_now_ms();
  dedupe_window_t win = dedupe_window(hub, now);
  size_t nb = (size_t)(win.hi - win.lo + 1);
  size_t argc = 3 + nb, nkeys = nb;
  for (size_t i = 0; i < g->count; i++) {
    nkeys += 1 + ctx_queues(g->items[i]);
    argc += 1 + ctx_queues(g->items[i]) + 5 + ctx_queues(g->items[i]);
  }
  script_args_t a = {.argv = malloc(argc * sizeof *a.argv),
                     .lens = malloc(argc * sizeof *a.lens),
                     .offsets = malloc(argc * sizeof *a.offsets)};
  int rc = STAFET_ENOMEM;
  if (a.argv == NULL || a.lens == NULL || a.offsets == NULL)
    goto out;
  arg_bucket(&a, hub, win.now_bucket); /* KEYS: the dedupe buckets, now's first */
  for (uint64_t b = win.lo; b <= win.hi; b++)
    if (b != win.now_bucket)
      arg_bucket(&a, hub, b);
  for (size_t i = 0; i < g->count; i++) { /* per message */
    const publish_ctx_t *ctx = g->items[i];
    arg_text(&a, hub->cfg.prefix, KEY_DEDUPE_INFIX, ctx_message_id(ctx), NULL);
    if (ctx->n_subs == 0)
      arg_text(&a, hub->cfg.prefix, KEY_UNROUTABLE, NULL, NULL);
    for (size_t q = 0; q < ctx->n_subs; q++)
      arg_text(&a, hub->cfg.prefix, KEY_QUEUE_OPEN, ctx->sub_names[q], KEY_QUEUE_CLOSE);
  }
  arg_number(&a, win.expire_at_ms); /* ARGV */
  arg_number(&a, now);
  arg_number(&a, nb);
  for (size_t i = 0; i < g->count; i++) {
    const publish_ctx_t *ctx = g->items[i];
    const Stafet__Wire__V1__Envelope *env = ctx->frame->publish->envelope;
    arg_number(&a, ctx_queues(ctx));
    arg_bytes(&a, ctx->env_bytes, ctx->env_len);
    arg_bytes(&a, zmq_msg_data((zmq_msg_t *)&ctx->payload), zmq_msg_size(&ctx->payload));
    arg_text(&a, env->message_id, NULL, NULL, NULL);
    arg_text(&a, env->topic, NULL, NULL, NULL);
    if (ctx->n_subs == 0)
      arg_number(&a, 0);
    for (size_t q = 0; q < ctx->n_subs; q++) {
      const dsub_t *sub = dict_gets(hub->dsubs, ctx->sub_names[q]);
      arg_number(&a, sub ? sub->max_len : 0);
    }
  }
  if (sbuf_failed(&a.text))
    goto out;
  for (size_t i = 0; i < a.n; i++)
    if (a.offsets[i] != SIZE_MAX)
      a.argv[i] = a.text.data + a.offsets[i];
  rc = store_script(hub, SCRIPT_PUBLISH, on_stored, g, (int)nkeys, (int)a.n, a.argv, a.lens);
  if (rc == 0) {
    hub->stats.publish_batches++;
    hub->publishing.in_flight++;
    hub->batch_generation++;
    for (size_t i = 0; i < g->count && hub->cfg.redis_wait_replicas == 0; i++)
      wake_consumers(hub, g->items[i], true); /* without WAIT: deliver before the ack is back */
  }
out:
  free(a.argv);
  free(a.lens);
  free(a.offsets);
  sbuf_free(&a.text);
  return rc;
}

void publish_flush(hub_t *hub) {
  publish_batch_t *b = &hub->publishing;
  size_t n = b->count;
  if (n == 0)
    return;
  publish_group_t *g = malloc(sizeof *g + n * sizeof g->items[0]);
  int rc = STAFET_ENOMEM;
  if (g != NULL) {
    memcpy(g->items, b->items, n * sizeof g->items[0]);
    g->count = n;
    b->count = 0;
    b->bytes = 0;
    rc = store_group(hub, g);
    if (rc == 0)
      return; /* on_stored answers every message */
  }
  publish_ctx_t **items = g != NULL ? g->items : b->items;
  for (size_t i = 0; i < n; i++) {
    publish_ctx_t *ctx = items[i];
    if (rc == STAFET_EUNAVAIL)
      send_unavailable(hub, ctx, "redis is unavailable");
    else
      net_send_error(hub, ctx->rid, ctx->rid_len, ctx->seq,
                     STAFET__WIRE__V1__ERROR_CODE__ERROR_INTERNAL, "out of memory");
    publish_ctx_free(ctx);
  }
  b->count = 0;
  b->bytes = 0;
  free(g);
}

void publish_end_of_turn(hub_t *hub) {
  if (hub->cfg.store_batches_in_flight == 0 ||
      hub->publishing.in_flight < hub->cfg.store_batches_in_flight)
    publish_flush(hub);
  publish_send_acks(hub);
}

/* Adds a publish to this turn's batch. Returns 0, or an error (ctx not taken). */
static int publish_enqueue(hub_t *hub, publish_ctx_t *ctx) {
  publish_batch_t *b = &hub->publishing;
  if (array_reserve(&b->items, &b->capacity, b->count, sizeof *b->items, 64) != 0)
    return STAFET_ENOMEM;
  b->items[b->count++] = ctx;
  b->bytes += ctx->env_len + zmq_msg_size(&ctx->payload);
  if (b->count >= BATCH_MAX_MESSAGES || b->bytes >= BATCH_MAX_BYTES)
    publish_flush(hub);
  return 0;
}

void publish_dispose(hub_t *hub) {
  publish_flush(hub); /* answers "unavailable" when the store is closed */
  free(hub->publishing.items);
  hub->publishing = (publish_batch_t){0};
  free(hub->acking.items); /* the sessions have ended: nothing is listed */
  hub->acking = (session_list_t){0};
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
  router_match_valid(hub->durable_routes, env->topic, collect_match, &m); /* checked above */
  if (m.failed || remember_subs(ctx, &m) != 0)
    goto internal_ctx;
  free(m.items);
  m.items = NULL;
  /* Packed once: stored as it is, and passed on as it is to transient subscribers. */
  ctx->env_len = stafet__wire__v1__envelope__get_packed_size(env);
  ctx->env_bytes = malloc(ctx->env_len ? ctx->env_len : 1);
  if (ctx->env_bytes == NULL)
    goto internal_ctx;
  stafet__wire__v1__envelope__pack(env, ctx->env_bytes);
  /* Only transient subscribers want it: handed to them now (one trie walk),
   * and nothing is stored. */
  if (ctx->n_subs == 0 &&
      transient_deliver(hub, env, ctx->env_bytes, ctx->env_len, &ctx->payload) > 0) {
    publish_accepted(hub, ctx, 0, true);
    publish_ctx_free(ctx);
    return;
  }
  if (!store_ready(hub)) {
    send_unavailable(hub, ctx, "redis is unavailable");
    publish_ctx_free(ctx);
    return;
  }
  if (publish_enqueue(hub, ctx) != 0)
    goto internal_ctx;
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

void publish_on_store_ready(hub_t *hub) {
  char key[KEY_MAX];
  snprintf(key, sizeof key, "%s%s", hub->cfg.prefix, KEY_UNROUTABLE);
  const char *argv[] = {"XGROUP", "CREATE", key, CONSUMER_GROUP, "$", "MKSTREAM"};
  (void)store_command(hub, NULL, NULL, 6, argv, NULL); /* BUSYGROUP when it exists: fine */
}
