/*
 * hub.h — the hub's context and the types its modules share.
 *
 * One hub_t per process, created in main.c and passed to every module; no
 * global state. The hot path is single-threaded on one libuv loop:
 *
 *   net_zmq.c      ROUTER socket on the loop (uv_poll on ZMQ_FD), frame in/out
 *   session.c      Hello/Welcome, heartbeats, reaping dead peers
 *   publish.c      Publish -> validate -> route -> store -> PublishAck
 *   durable.c      durable subscriptions: consumers, credit, deliver, ack, nack
 *   transient.c    transient subscriptions, in memory
 *   queue_redis.c  hiredis async connection, Lua scripts, reconnects
 *   routing.c      the routing table mirrored from Redis, reloaded on notice
 *   redis_embed.c  the embedded redis-server the hub starts and supervises
 *
 * Redis keys are documented once, in keys.h and docs/redis-keys.md.
 */
#ifndef STAFET_HUB_H
#define STAFET_HUB_H

#include "config.h"
#include "dict.h"
#include "filter.h"
#include "log.h"
#include "pbarena.h"
#include "router.h"
#include "stafet/wire/v1/wire.pb-c.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>
#include <zmq.h>

struct redisAsyncContext;
typedef struct hub hub_t;
typedef struct session session_t;
typedef struct dsub dsub_t;
typedef struct consumer consumer_t;
typedef struct tsub tsub_t;
typedef struct provider provider_t;
typedef struct service service_t;

#define ROUTING_ID_MAX 256
#define NAME_MAX_LEN   64
#define SESSION_ID_MAX 128

/* A delivery a consumer holds: a Redis stream id, parsed. */
typedef struct stream_id {
  uint64_t ms;
  uint64_t seq;
} stream_id_t;

/* The deliveries one consumer holds (open addressing set of stream ids), each
 * with an optional tag (metrics.c: the message's topic counters). */
typedef struct inflight {
  stream_id_t *slots;
  void **tags;     /* parallel to slots; borrowed */
  uint8_t *used;   /* 0 empty, 1 used, 2 deleted */
  size_t capacity; /* power of two */
  size_t count;
  size_t tombstones;
} inflight_t;

/* One session's membership in a durable subscription. */
struct consumer {
  session_t *session;
  dsub_t *sub;
  uint32_t credit;     /* window: most unacked deliveries in flight */
  uint32_t reserved;   /* of it, asked for by reads and claims not answered yet */
  inflight_t inflight; /* deliveries held */
  consumer_t *next_in_session;
  consumer_t *prev_in_sub, *next_in_sub;
};

/* A durable subscription: mirror of its definition in Redis. */
struct dsub {
  char name[NAME_MAX_LEN + 1];
  char **patterns;
  size_t n_patterns;
  filter_t *filter;
  uint64_t ack_timeout_ms, max_deliveries, retention_ms, max_len;
  char *patterns_joined; /* "\n"-joined, sorted: how Redis stores them */
  char *filters_joined;
  consumer_t *consumers;    /* local consumers (doubly linked) */
  consumer_t *rr_next;      /* round robin: who is served next */
  unsigned reads_in_flight; /* XREADGROUPs outstanding (durable.c: at most READS_IN_FLIGHT) */
  bool read_wanted;         /* something may be waiting: read again when it returns */
  bool claim_in_flight;
  uint64_t load_mark; /* routing reload generation */
  uint64_t kick_mark; /* publish.c: batch_generation it was last woken for */
};

/* A transient subscription of one session. */
struct tsub {
  session_t *session;
  char name[NAME_MAX_LEN + 1];
  char **patterns;
  size_t n_patterns;
  filter_t *filter;
  tsub_t *next_in_session;
  uint64_t dropped;
};

struct session {
  hub_t *hub;
  uint8_t rid[ROUTING_ID_MAX];
  size_t rid_len;
  char id[SESSION_ID_MAX]; /* consumer name in Redis */
  char adapter[NAME_MAX_LEN + 1];
  char instance[128];
  uint64_t last_recv_ms, last_send_ms;
  consumer_t *consumers;
  tsub_t *tsubs;
  provider_t *providers; /* services this session answers (request.c) */
  bool dead;             /* unreachable: reap at the next heartbeat tick */
  bool batch_acks;       /* its Hello accepts PublishAcks (several answers per frame) */
  struct ack_buf *acks;  /* publish.c: answers gathered for one PublishAcks, or NULL */
  bool batch_deliveries; /* its Hello accepts several [Deliver][payload] pairs per message */
  struct dlv_buf *dlv;   /* net_zmq.c: deliveries gathered for one message, or NULL */
};

/* Counters for metrics and tests. */
typedef struct hub_stats {
  uint64_t frames_in, frames_out;
  uint64_t published, duplicates, delivered, redelivered, acked, nacked, dead_lettered;
  uint64_t transient_delivered, transient_dropped;
  uint64_t requests, late_replies, requests_by_result[2]; /* [0] answered, [1] failed */
  uint64_t auth_refused;                                  /* connections the ZAP handler refused */
  uint64_t audited; /* deliveries of personal data written to the audit stream */
  uint64_t errors_by_code[32];
  uint64_t publish_batches; /* store script calls for publishes (publish.c) */
} hub_stats_t;

/* The Redis side (queue_redis.c). */
typedef struct store {
  struct redisAsyncContext *cmd; /* commands */
  struct redisAsyncContext *sub; /* pub/sub: change notices */
  bool ready;                    /* connected and scripts loaded */
  bool cmd_connected, sub_connected;
  char script_sha[16][41]; /* indexed by script_id_t (scripts.h) */
  int scripts_loaded;
  bool scripts_failed;    /* a SCRIPT LOAD of this connection was refused */
  uint64_t pending;       /* commands awaiting a reply */
  uint64_t last_reply_ms; /* when Redis last answered (stall detection) */
  uint64_t reconnect_delay_ms;
  uv_timer_t reconnect_timer;
  uv_timer_t connect_timer; /* gives up on a connect that never completes */
  char host[256];
  int port;
  char unix_path[CONFIG_STR_MAX];
  bool resolved;          /* sentinel: host/port is the current master */
  bool resolving;         /* sentinel: a question is out */
  size_t sentinel_cursor; /* sentinel: which one to ask first */
  bool demoted;           /* saw READONLY: the master became a replica */
  char user[64];          /* AUTH user ("" = none) */
  char password[128];     /* AUTH password ("" = no AUTH) */
  bool closing;
} store_t;

/* The embedded redis-server (redis_embed.c). */
typedef struct redis_embed {
  bool enabled;
  uv_process_t process;
  bool running;
  bool stopping;
  char socket_path[CONFIG_STR_MAX];
  char pid_path[CONFIG_STR_MAX];
  uv_timer_t restart_timer;
  uint64_t restart_delay_ms;
  void (*on_stopped)(hub_t *hub);
} redis_embed_t;

/* Publishes of this loop turn, waiting to be stored together (publish.c). */
typedef struct publish_batch {
  struct publish_ctx **items;
  size_t count, capacity;
  size_t bytes;       /* envelopes and payloads */
  unsigned in_flight; /* store script calls not answered yet */
} publish_batch_t;

/* Sessions with answers gathered for a PublishAcks frame (publish.c), or
 * with deliveries gathered for one message (net_zmq.c). */
typedef struct session_list {
  session_t **items;
  size_t count, capacity;
} session_list_t;

struct hub {
  uv_loop_t *loop;
  hub_config_t cfg;
  logger_t log;
  char boot_id[32]; /* unique per process start: makes session ids unique */
  uint64_t session_counter;

  void *zctx;
  void *zsock; /* ROUTER */
  uv_poll_t zpoll;
  uv_idle_t zidle;           /* drains ZMQ after sends: ZMQ_FD is edge-triggered */
  uv_prepare_t zflush;       /* sends the gathered deliveries before the loop waits */
  session_list_t delivering; /* sessions with deliveries gathered (net_zmq.c) */

  dict_t *sessions;           /* routing id -> session_t* */
  dict_t *dsubs;              /* name -> dsub_t* */
  router_t *durable_routes;   /* pattern -> dsub_t* */
  router_t *transient_routes; /* pattern -> tsub_t* */
  pbarena_t deliver_arena;    /* unpacks each delivered entry's envelope (durable.c) */
  dict_t *services;           /* service name -> service_t* (request.c) */
  dict_t *pending_requests;   /* request key -> pending request (request.c) */
  uint64_t request_counter;
  uint64_t other_transient_hubs; /* other hubs with transient subscriptions (transient.c) */
  uint64_t load_generation;
  uint64_t batch_generation; /* publish.c: counts store script calls for publishes */
  bool routing_loaded;
  bool reload_in_flight, reload_wanted;

  store_t store;
  redis_embed_t embed;
  publish_batch_t publishing;
  session_list_t acking;

  uv_timer_t heartbeat_timer, claim_timer, poll_timer, trim_timer, drain_timer;
  uv_signal_t sigterm, sigint;
  bool draining;
  uint64_t drain_started_ms;
  int exit_code;

  hub_stats_t stats;
  struct metrics *metrics; /* metrics.c: counters, histograms, cached queue figures */
  struct admin *admin;     /* admin_http.c: the admin HTTP server, NULL when off */
  struct auth *auth;       /* auth.c: CURVE + ACLs, NULL when off */
};

uint64_t hub_now_ms(void);

/* ---- net_zmq.c ---- */
int net_open(hub_t *hub);
void net_close(hub_t *hub);
/* Sends frame (+ optional payload, which is consumed) to a session.
 * Returns 0, STAFET_EFULL (peer's queue full) or STAFET_ECLOSED (peer gone). */
int net_send(hub_t *hub, session_t *s, const Stafet__Wire__V1__Frame *frame, zmq_msg_t *payload);
int net_send_to(hub_t *hub, const uint8_t *rid, size_t rid_len,
                const Stafet__Wire__V1__Frame *frame, zmq_msg_t *payload);
/* Sends a Deliver frame (+ payload, consumed) to a session: frame is a Frame
 * or its mirror PackedDeliverFrame (packed.proto, the envelope already
 * serialized). To a session whose Hello accepts deliver batches it is
 * gathered instead, and sent with the session's other gathered deliveries in
 * one message when the loop turn ends, the gathering is full, or another
 * frame goes to the session first. A gathered delivery that then cannot be
 * sent is, if tsub is not NULL, counted as dropped for it; a durable one
 * stays pending and is redelivered (after the session ends, or its ack
 * time-out). */
int net_deliver(hub_t *hub, session_t *s, const ProtobufCMessage *frame, zmq_msg_t *payload,
                tsub_t *tsub);
/* Sends what the session has gathered (before one of its tsubs goes). */
void net_flush_session(hub_t *hub, session_t *s);
/* Drops what the session has gathered, counting transient drops (session end). */
void net_session_ended(hub_t *hub, session_t *s);
/* Sends Error{code} answering seq to a peer; counts and logs it. */
void net_send_error(hub_t *hub, const uint8_t *rid, size_t rid_len, uint64_t seq,
                    Stafet__Wire__V1__ErrorCode code, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
const char *error_code_name(Stafet__Wire__V1__ErrorCode code);

/* ---- session.c ---- */
session_t *session_find(hub_t *hub, const uint8_t *rid, size_t rid_len);
/* Session by routing id and session id: NULL if it ended meanwhile. */
session_t *session_lookup(hub_t *hub, const uint8_t *rid, size_t rid_len, const char *session_id);
void session_on_hello(hub_t *hub, const uint8_t *rid, size_t rid_len, uint64_t seq,
                      const Stafet__Wire__V1__Hello *hello);
void session_end(hub_t *hub, session_t *s, const char *why);
void session_heartbeat_tick(uv_timer_t *timer);
void session_end_all(hub_t *hub, const char *why);
/* Adds s to a list of sessions (0, or STAFET_ENOMEM); removes it again. */
int session_list_add(session_list_t *l, session_t *s);
void session_list_remove(session_list_t *l, session_t *s);

/* ---- publish.c ---- */
/* Takes ownership of frame (a Publish) and of payload (moved out; may be NULL). */
void publish_on_frame(hub_t *hub, session_t *s, Stafet__Wire__V1__Frame *frame, zmq_msg_t *payload);
/* Sends the batch of publishes gathered so far. */
void publish_flush(hub_t *hub);
/* The end of a loop turn (net_zmq.c): sends the batch, unless
 * store_batches_in_flight batches already wait for Redis; then the first
 * answer sends it. */
void publish_end_of_turn(hub_t *hub);
/* Sends every session's gathered publish answers, one PublishAcks frame each
 * (publish_end_of_turn does, after every loop turn and store reply). */
void publish_send_acks(hub_t *hub);
/* Sends what the session has gathered and forgets it (before it ends). */
void publish_session_ended(hub_t *hub, session_t *s);
/* Answers what is still batched (STORE_UNAVAILABLE when closed) and frees the batch. */
void publish_dispose(hub_t *hub);
/* Makes sure the unroutable stream exists (called when Redis becomes ready). */
void publish_on_store_ready(hub_t *hub);
int envelope_validate(const Stafet__Wire__V1__Envelope *env, char *err, size_t err_size);

/* ---- durable.c ---- */
void durable_on_subscribe(hub_t *hub, session_t *s, uint64_t seq,
                          const Stafet__Wire__V1__Subscribe *sub);
void durable_on_ack(hub_t *hub, session_t *s, uint64_t seq, const Stafet__Wire__V1__Ack *ack);
void durable_on_nack(hub_t *hub, session_t *s, uint64_t seq, const Stafet__Wire__V1__Nack *nack);
int durable_on_credit(hub_t *hub, session_t *s, const char *name, uint32_t credit);
int durable_unsubscribe(hub_t *hub, session_t *s, const char *name, bool remove);
/* Joins a session to a durable subscription (or sets its window); starts delivery. */
consumer_t *durable_attach(hub_t *hub, session_t *s, dsub_t *sub, uint32_t credit);
/* Detaches a consumer and makes its deliveries available to others. Frees it. */
void durable_consumer_release(hub_t *hub, consumer_t *c);
/* Something may be waiting in the subscription's queue: deliver if there is credit. */
void durable_kick(hub_t *hub, dsub_t *sub);
void durable_kick_all(hub_t *hub);
void durable_claim_tick(uv_timer_t *timer);
void durable_trim_tick(uv_timer_t *timer);
void durable_poll_tick(uv_timer_t *timer);
int stream_id_parse(const char *text, stream_id_t *out);
void stream_id_format(stream_id_t id, char *out, size_t out_size);

/* inflight set */
int inflight_add(inflight_t *set, stream_id_t id);
/* Adds id with a tag (borrowed); a held id keeps its tag. */
int inflight_add_tagged(inflight_t *set, stream_id_t id, void *tag);
bool inflight_remove(inflight_t *set, stream_id_t id);
/* Removes id; *tag (may be NULL) gets its tag. False if it was not held. */
bool inflight_take(inflight_t *set, stream_id_t id, void **tag);
void inflight_free(inflight_t *set);

/* ---- transient.c ---- */
int transient_subscribe(hub_t *hub, session_t *s, const Stafet__Wire__V1__Subscribe *sub, char *err,
                        size_t err_size, Stafet__Wire__V1__ErrorCode *code);
int transient_unsubscribe(hub_t *hub, session_t *s, const char *name);
void transient_free_all(hub_t *hub, session_t *s);
/* Hands a message to the matching transient subscribers; env_bytes is env
 * packed, passed on to each as it is. env->topic must have passed
 * topic_validate(). Returns how many subscriptions' patterns matched (their
 * filters aside): 0 means no transient subscriber here wants the topic. */
size_t transient_deliver(hub_t *hub, const Stafet__Wire__V1__Envelope *env,
                         const uint8_t *env_bytes, size_t env_len, zmq_msg_t *payload);
/* Hands an accepted message to the other hubs' transient subscribers (only
 * while some other hub has any): a Fanout (hub.proto) carrying env_bytes, the
 * envelope as packed for the store, as they are (its mirror PackedFanout). */
void transient_fanout(hub_t *hub, const uint8_t *env_bytes, size_t env_len, zmq_msg_t *payload);
/* A Fanout from another hub (the fanout channel): its envelope is unpacked
 * for routing and passed on to subscribers as the bytes that came. */
void transient_on_fanout(hub_t *hub, const uint8_t *data, size_t len);
/* Heartbeat: announces whether this hub has transient subscriptions, and
 * learns how many other hubs do. */
void transient_registry_tick(hub_t *hub);

/* ---- routing.c ---- */
void routing_reload(hub_t *hub);
void routing_on_change(hub_t *hub, const char *notice);
/* Creates or updates the local mirror of a durable subscription from its
 * Redis hash fields (name/value pairs). Returns it, or NULL on bad data. */
dsub_t *routing_upsert(hub_t *hub, const char *name, char **fields, size_t n_fields);
void routing_remove(hub_t *hub, dsub_t *sub);
void routing_free_all(hub_t *hub);

/* ---- redis_embed.c ---- */
int redis_embed_start(hub_t *hub);
void redis_embed_stop(hub_t *hub, void (*on_stopped)(hub_t *hub));

/* ---- hub.c ---- */
int hub_init(hub_t *hub, uv_loop_t *loop, const hub_config_t *cfg);
int hub_start(hub_t *hub);
void hub_begin_drain(hub_t *hub, const char *why);
void hub_dispose(hub_t *hub);
/* Called by net_zmq.c for each frame of a known or unknown peer. */
void hub_dispatch(hub_t *hub, const uint8_t *rid, size_t rid_len, zmq_msg_t *frame0,
                  zmq_msg_t *payload);

#endif
