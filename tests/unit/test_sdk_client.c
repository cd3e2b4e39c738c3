/*
 * test_sdk_client.c — libstafet against a fake hub, through real sockets.
 *
 * The fake hub is a ZeroMQ ROUTER on an ipc:// endpoint in a mkdtemp()
 * directory, run in a thread. It records every frame it receives, answers
 * according to a per-test policy (Hello -> Welcome, Publish -> PublishAck or
 * an Error, ...), sends Heartbeats to its session when the test asks for a
 * short heartbeat, and sends frames the test queues (Deliver). The test
 * thread drives the client with stafet_client_poll() until a condition holds
 * (WAIT_FOR), or waits on the hub's condition variable while the client is
 * idle: no sleeps for synchronisation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "stafet.h"
#include "stafet/wire/v1/wire.pb-c.h"

#define MAX_RECS 1024
#define MAX_OUT  16
#define WAIT_MS  3000

typedef Stafet__Wire__V1__Frame frame_t;
typedef Stafet__Wire__V1__Frame__BodyCase body_t;

#define B(x) STAFET__WIRE__V1__FRAME__BODY_##x
#define E(x) STAFET__WIRE__V1__ERROR_CODE__ERROR_##x

typedef struct rec {
  frame_t *f;
  unsigned char *payload; /* NULL when the message had one part */
  size_t payload_len;
  int message; /* which message (counted from 0) it came in */
  int pairs;   /* [Frame][payload] pairs in that message (1 for a lone frame) */
} rec_t;

typedef struct fake_hub fake_hub_t;
/* Answers one received frame (runs on the hub thread). */
typedef void (*policy_fn)(fake_hub_t *h, const frame_t *f);

struct fake_hub {
  char endpoint[300];
  void *ctx, *router;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  atomic_int stop;
  policy_fn policy;
  unsigned welcome_heartbeat_ms; /* 0: none in Welcome, and no hub heartbeats */
  int welcome_batches;           /* Welcome.accepts_publish_batches */
  int messages;                  /* messages received */
  int sessions;                  /* Welcomes sent */
  unsigned char peer[256];       /* routing id of the last Hello */
  size_t peer_len;
  int64_t last_beat;
  rec_t recs[MAX_RECS];
  size_t n_recs;
  struct {
    unsigned char *frame, *payload;
    size_t frame_len, payload_len;
    int joined; /* the next one goes in the same message (gathered deliveries) */
  } out[MAX_OUT];
  size_t n_out;
};

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the hub's side (hub thread) ---- */

static void hub_send(fake_hub_t *h, frame_t *f, const void *payload, size_t len) {
  size_t n = stafet__wire__v1__frame__get_packed_size(f);
  unsigned char *buf = malloc(n + 1);
  stafet__wire__v1__frame__pack(f, buf);
  zmq_send(h->router, h->peer, h->peer_len, ZMQ_SNDMORE);
  zmq_send(h->router, buf, n, payload ? ZMQ_SNDMORE : 0);
  if (payload)
    zmq_send(h->router, payload, len, 0);
  free(buf);
}

static void reply_welcome(fake_hub_t *h, const frame_t *in) {
  frame_t f = STAFET__WIRE__V1__FRAME__INIT;
  Stafet__Wire__V1__Welcome w = STAFET__WIRE__V1__WELCOME__INIT;
  char session[32];
  snprintf(session, sizeof session, "session-%d", ++h->sessions);
  w.hub_id = "fake";
  w.session_id = session;
  w.heartbeat_ms = h->welcome_heartbeat_ms;
  w.max_frame_bytes = 1 << 20;
  w.accepts_publish_batches = h->welcome_batches;
  f.seq = in->seq;
  f.body_case = B(WELCOME);
  f.welcome = &w;
  hub_send(h, &f, NULL, 0);
  h->last_beat = now_ms();
}

static void reply_publish_ack(fake_hub_t *h, const frame_t *in) {
  frame_t f = STAFET__WIRE__V1__FRAME__INIT;
  Stafet__Wire__V1__PublishAck a = STAFET__WIRE__V1__PUBLISH_ACK__INIT;
  a.message_id = in->publish->envelope->message_id;
  a.durable_queues = 1;
  f.seq = in->seq;
  f.body_case = B(PUBLISH_ACK);
  f.publish_ack = &a;
  hub_send(h, &f, NULL, 0);
}

static void reply_subscribe_ack(fake_hub_t *h, const frame_t *in, const char *name) {
  frame_t f = STAFET__WIRE__V1__FRAME__INIT;
  Stafet__Wire__V1__SubscribeAck a = STAFET__WIRE__V1__SUBSCRIBE_ACK__INIT;
  a.name = (char *)name;
  a.created = 1;
  f.seq = in->seq;
  f.body_case = B(SUBSCRIBE_ACK);
  f.subscribe_ack = &a;
  hub_send(h, &f, NULL, 0);
}

static void reply_error(fake_hub_t *h, const frame_t *in, int code, const char *name,
                        int retryable) {
  frame_t f = STAFET__WIRE__V1__FRAME__INIT;
  Stafet__Wire__V1__Error e = STAFET__WIRE__V1__ERROR__INIT;
  e.code = code;
  e.name = (char *)name;
  e.text = "fake hub says so";
  e.retryable = retryable;
  f.seq = in->seq;
  f.body_case = B(ERROR);
  f.error = &e;
  hub_send(h, &f, NULL, 0);
}

/* Counts received frames of one kind (caller holds mu). */
static int count_locked(fake_hub_t *h, body_t body) {
  int n = 0;
  for (size_t i = 0; i < h->n_recs; i++)
    n += h->recs[i].f->body_case == body;
  return n;
}

/* The well-behaved hub: welcomes, acks every publish, subscribe, unsubscribe. */
static void policy_ok(fake_hub_t *h, const frame_t *f) {
  switch (f->body_case) {
  case B(HELLO): reply_welcome(h, f); break;
  case B(PUBLISH): reply_publish_ack(h, f); break;
  case B(SUBSCRIBE): reply_subscribe_ack(h, f, f->subscribe->name); break;
  case B(UNSUBSCRIBE): reply_subscribe_ack(h, f, f->unsubscribe->name); break;
  default: break;
  }
}

/* Answers publishes three at a time with one PublishAcks frame, the three in
 * reverse order (the client must go by seq, not by position). */
static void policy_acks_together(fake_hub_t *h, const frame_t *f) {
  if (f->body_case != B(PUBLISH)) {
    policy_ok(h, f);
    return;
  }
  const frame_t *held[3];
  size_t n = 0;
  for (size_t i = h->n_recs; i-- > 0 && n < 3;)
    if (h->recs[i].f->body_case == B(PUBLISH))
      held[n++] = h->recs[i].f; /* newest first */
  if (count_locked(h, B(PUBLISH)) % 3 != 0)
    return;
  uint64_t seqs[3];
  Stafet__Wire__V1__PublishAck acks[3], *ptrs[3];
  for (size_t i = 0; i < 3; i++) {
    stafet__wire__v1__publish_ack__init(&acks[i]);
    acks[i].message_id = held[i]->publish->envelope->message_id;
    acks[i].durable_queues = 1;
    acks[i].duplicate = i == 1; /* the middle one: an id the hub had seen */
    seqs[i] = held[i]->seq;
    ptrs[i] = &acks[i];
  }
  Stafet__Wire__V1__PublishAcks all = STAFET__WIRE__V1__PUBLISH_ACKS__INIT;
  all.n_seqs = all.n_acks = 3;
  all.seqs = seqs;
  all.acks = ptrs;
  frame_t out = STAFET__WIRE__V1__FRAME__INIT;
  out.body_case = B(PUBLISH_ACKS);
  out.publish_acks = &all;
  hub_send(h, &out, NULL, 0);
}

/* Welcomes, takes publishes and never acks them. */
static void policy_no_acks(fake_hub_t *h, const frame_t *f) {
  if (f->body_case == B(HELLO))
    reply_welcome(h, f);
}

/* The first publish finds no session (as after a hub restart). */
static void policy_not_connected_once(fake_hub_t *h, const frame_t *f) {
  if (f->body_case == B(PUBLISH) && count_locked(h, B(PUBLISH)) == 1)
    reply_error(h, f, E(NOT_CONNECTED), "NOT_CONNECTED", 1);
  else
    policy_ok(h, f);
}

/* The first publish meets an unreachable Redis. */
static void policy_store_unavailable_once(fake_hub_t *h, const frame_t *f) {
  if (f->body_case == B(PUBLISH) && count_locked(h, B(PUBLISH)) == 1)
    reply_error(h, f, E(STORE_UNAVAILABLE), "STORE_UNAVAILABLE", 1);
  else
    policy_ok(h, f);
}

static void policy_invalid_topic(fake_hub_t *h, const frame_t *f) {
  if (f->body_case == B(PUBLISH))
    reply_error(h, f, E(INVALID_TOPIC), "INVALID_TOPIC", 0);
  else
    policy_ok(h, f);
}

static void policy_conflict(fake_hub_t *h, const frame_t *f) {
  if (f->body_case == B(SUBSCRIBE))
    reply_error(h, f, E(SUBSCRIPTION_CONFLICT), "SUBSCRIPTION_CONFLICT", 0);
  else
    policy_ok(h, f);
}

/* Receives one message, records it and lets the policy answer. 0 when none. */
/* Receives one message: a lone frame, [Frame][payload], or several
 * [Frame][payload] pairs; records each frame (and answers it by policy). */
static int hub_receive(fake_hub_t *h) {
  enum { PARTS_MAX = 2 * 128 };
  unsigned char peer[256];
  int peer_len = zmq_recv(h->router, peer, sizeof peer, ZMQ_DONTWAIT);
  if (peer_len < 0)
    return 0;
  static zmq_msg_t parts[PARTS_MAX]; /* the hub thread's */
  int n = 0, more = 1;
  size_t more_len = sizeof more;
  while (more) {
    if (n == PARTS_MAX)
      abort(); /* more than the client ever sends in one message */
    zmq_msg_init(&parts[n]);
    zmq_msg_recv(&parts[n], h->router, 0);
    n++;
    zmq_getsockopt(h->router, ZMQ_RCVMORE, &more, &more_len);
  }
  if (n > 2 && n % 2 != 0)
    abort(); /* pairs, or one or two parts */
  pthread_mutex_lock(&h->mu);
  int message = h->messages++;
  for (int i = 0; i < n; i += 2) {
    frame_t *f =
        stafet__wire__v1__frame__unpack(NULL, zmq_msg_size(&parts[i]), zmq_msg_data(&parts[i]));
    if (!f)
      abort(); /* the client sent something that is not a Frame (no cmocka here: other thread) */
    rec_t r = {.f = f, .message = message, .pairs = n > 2 ? n / 2 : 1};
    if (i + 1 < n) {
      r.payload_len = zmq_msg_size(&parts[i + 1]);
      r.payload = malloc(r.payload_len + 1);
      memcpy(r.payload, zmq_msg_data(&parts[i + 1]), r.payload_len);
    }
    if (f->body_case == B(HELLO)) {
      memcpy(h->peer, peer, (size_t)peer_len);
      h->peer_len = (size_t)peer_len;
    }
    if (h->n_recs >= MAX_RECS)
      abort();
    h->recs[h->n_recs++] = r;
    h->policy(h, f);
  }
  pthread_cond_broadcast(&h->cv);
  pthread_mutex_unlock(&h->mu);
  for (int i = 0; i < n; i++)
    zmq_msg_close(&parts[i]);
  return 1;
}

/* Sends what the test queued, and a Heartbeat when one is due. */
static void hub_send_pending(fake_hub_t *h) {
  pthread_mutex_lock(&h->mu);
  for (size_t i = 0; i < h->n_out; i++) {
    if (i == 0 || !h->out[i - 1].joined)
      zmq_send(h->router, h->peer, h->peer_len, ZMQ_SNDMORE);
    zmq_send(h->router, h->out[i].frame, h->out[i].frame_len, ZMQ_SNDMORE);
    zmq_send(h->router, h->out[i].payload, h->out[i].payload_len,
             h->out[i].joined ? ZMQ_SNDMORE : 0);
    free(h->out[i].frame);
    free(h->out[i].payload);
  }
  h->n_out = 0;
  if (h->welcome_heartbeat_ms && h->peer_len &&
      now_ms() - h->last_beat >= h->welcome_heartbeat_ms) {
    frame_t f = STAFET__WIRE__V1__FRAME__INIT;
    Stafet__Wire__V1__Heartbeat b = STAFET__WIRE__V1__HEARTBEAT__INIT;
    f.body_case = B(HEARTBEAT);
    f.heartbeat = &b;
    hub_send(h, &f, NULL, 0);
    h->last_beat = now_ms();
  }
  pthread_mutex_unlock(&h->mu);
}

static void *hub_main(void *arg) {
  fake_hub_t *h = arg;
  while (!atomic_load(&h->stop)) {
    zmq_pollitem_t item = {.socket = h->router, .events = ZMQ_POLLIN};
    zmq_poll(&item, 1, 5); /* also the pace of queued sends and heartbeats */
    while (hub_receive(h))
      ;
    hub_send_pending(h);
  }
  return NULL;
}

/* ---- the test's side ---- */

static fake_hub_t *hub_start(const char *endpoint, policy_fn policy, unsigned heartbeat_ms) {
  fake_hub_t *h = calloc(1, sizeof *h);
  assert_non_null(h);
  snprintf(h->endpoint, sizeof h->endpoint, "%s", endpoint);
  h->policy = policy;
  h->welcome_heartbeat_ms = heartbeat_ms;
  pthread_mutex_init(&h->mu, NULL);
  pthread_cond_init(&h->cv, NULL);
  h->ctx = zmq_ctx_new();
  h->router = zmq_socket(h->ctx, ZMQ_ROUTER);
  int zero = 0;
  zmq_setsockopt(h->router, ZMQ_LINGER, &zero, sizeof zero);
  assert_int_equal(zmq_bind(h->router, endpoint), 0);
  assert_int_equal(pthread_create(&h->thread, NULL, hub_main, h), 0);
  return h;
}

static void hub_stop(fake_hub_t *h) {
  atomic_store(&h->stop, 1);
  pthread_join(h->thread, NULL);
  zmq_close(h->router);
  zmq_ctx_term(h->ctx);
  for (size_t i = 0; i < h->n_recs; i++) {
    stafet__wire__v1__frame__free_unpacked(h->recs[i].f, NULL);
    free(h->recs[i].payload);
  }
  for (size_t i = 0; i < h->n_out; i++) {
    free(h->out[i].frame);
    free(h->out[i].payload);
  }
  pthread_cond_destroy(&h->cv);
  pthread_mutex_destroy(&h->mu);
  free(h);
}

static int hub_count(fake_hub_t *h, body_t body) {
  pthread_mutex_lock(&h->mu);
  int n = count_locked(h, body);
  pthread_mutex_unlock(&h->mu);
  return n;
}

/* The i-th received frame of one kind (NULL if none). Valid until hub_stop. */
static const rec_t *hub_nth(fake_hub_t *h, body_t body, int i) {
  const rec_t *found = NULL;
  pthread_mutex_lock(&h->mu);
  for (size_t k = 0; k < h->n_recs && !found; k++)
    if (h->recs[k].f->body_case == body && i-- == 0)
      found = &h->recs[k];
  pthread_mutex_unlock(&h->mu);
  return found;
}

/* Waits (no client polling: it is idle or gone) until n frames of a kind arrived. */
static int hub_wait_count(fake_hub_t *h, body_t body, int n, int timeout_ms) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += timeout_ms / 1000;
  until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&h->mu);
  int rc = 0;
  while (count_locked(h, body) < n && rc == 0)
    rc = pthread_cond_timedwait(&h->cv, &h->mu, &until);
  int ok = count_locked(h, body) >= n;
  pthread_mutex_unlock(&h->mu);
  return ok;
}

/* Queues a frame (and payload) for the hub thread to send to the client. */
/* Queues a message for the hub thread to send; with h->mu held by the caller. */
static void hub_push_locked(fake_hub_t *h, frame_t *f, const void *payload, size_t len,
                            int joined) {
  assert_true(h->n_out < MAX_OUT);
  size_t n = stafet__wire__v1__frame__get_packed_size(f);
  h->out[h->n_out].frame = malloc(n);
  h->out[h->n_out].frame_len = stafet__wire__v1__frame__pack(f, h->out[h->n_out].frame);
  h->out[h->n_out].payload = malloc(len + 1);
  memcpy(h->out[h->n_out].payload, payload, len);
  h->out[h->n_out].payload_len = len;
  h->out[h->n_out].joined = joined;
  h->n_out++;
}

static void hub_push(fake_hub_t *h, frame_t *f, const void *payload, size_t len) {
  pthread_mutex_lock(&h->mu);
  hub_push_locked(h, f, payload, len, 0);
  pthread_mutex_unlock(&h->mu);
}

/* Polls the client until expr holds or WAIT_MS pass; fails the test if it never does. */
#define WAIT_FOR(c, expr)                                                                          \
  do {                                                                                             \
    int64_t wait_end_ = now_ms() + WAIT_MS;                                                        \
    while (!(expr) && now_ms() < wait_end_)                                                        \
      assert_true(stafet_client_poll((c), 10) >= 0);                                               \
    assert_true(expr);                                                                             \
  } while (0)

typedef struct fixture {
  char dir[64];
  char endpoint[128];
} fixture_t;

static int setup(void **state) {
  fixture_t *fx = calloc(1, sizeof *fx);
  snprintf(fx->dir, sizeof fx->dir, "/tmp/stafet-sdk-XXXXXX");
  if (!mkdtemp(fx->dir))
    return -1;
  snprintf(fx->endpoint, sizeof fx->endpoint, "ipc://%s/hub.sock", fx->dir);
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  fixture_t *fx = *state;
  char path[128];
  snprintf(path, sizeof path, "%s/hub.sock", fx->dir);
  unlink(path);
  rmdir(fx->dir);
  free(fx);
  return 0;
}

static stafet_client_t *client_new(const fixture_t *fx, unsigned heartbeat_ms) {
  stafet_client_options_t o = {.endpoint = fx->endpoint,
                               .adapter = "test_adapter",
                               .instance = "test-host:1",
                               .heartbeat_ms = heartbeat_ms,
                               .reconnect_min_ms = 10,
                               .reconnect_max_ms = 50};
  stafet_client_t *c = NULL;
  assert_int_equal(stafet_client_new(&c, &o), 0);
  return c;
}

/* Starts a hub (policy, Welcome heartbeat hub_hb) and a client (heartbeat
 * client_hb) connected to it. *h and the client are the caller's: finish(). */
static stafet_client_t *connected(const fixture_t *fx, policy_fn policy, unsigned hub_hb,
                                  unsigned client_hb, fake_hub_t **h) {
  *h = hub_start(fx->endpoint, policy, hub_hb);
  stafet_client_t *c = client_new(fx, client_hb);
  assert_int_equal(stafet_client_connect(c, WAIT_MS), 0);
  return c;
}

static void finish(stafet_client_t *c, fake_hub_t *h) {
  stafet_client_destroy(c);
  hub_stop(h);
}

/* What publish callbacks report, in order. */
typedef struct acks {
  int n;
  char ids[16][65];
  int status[16];
  int duplicate[16];
} acks_t;

static void on_publish(stafet_client_t *c, const char *id, int status, int dup, void *arg) {
  (void)c;
  acks_t *a = arg;
  snprintf(a->ids[a->n], sizeof a->ids[a->n], "%s", id);
  a->status[a->n] = status;
  a->duplicate[a->n] = dup;
  a->n++;
}

static int publish_simple(stafet_client_t *c, acks_t *acks, char id[65]) {
  stafet_envelope_t env = {.topic = "cpr.person.relocated", .tenant = "0751"};
  return stafet_client_publish(c, &env, "p", 1, on_publish, acks, id);
}

static const char *published_id(fake_hub_t *h, int i) {
  const rec_t *r = hub_nth(h, B(PUBLISH), i);
  return r ? r->f->publish->envelope->message_id : "(none)";
}

/* ---- tests ---- */

static void test_hello_first_then_goodbye(void **state) {
  fixture_t *fx = *state;
  fake_hub_t *h = hub_start(fx->endpoint, policy_ok, 0);
  stafet_client_t *c = client_new(fx, 0);
  assert_int_equal(stafet_client_is_connected(c), 0);
  assert_int_equal(stafet_client_connect(c, WAIT_MS), 0);
  assert_int_equal(stafet_client_is_connected(c), 1);
  assert_string_equal(stafet_client_session_id(c), "session-1");
  pthread_mutex_lock(&h->mu);
  const rec_t *first = &h->recs[0];
  pthread_mutex_unlock(&h->mu);
  assert_int_equal(first->f->body_case, B(HELLO));
  assert_int_equal(first->f->hello->protocol_version, 1);
  assert_string_equal(first->f->hello->adapter, "test_adapter");
  assert_string_equal(first->f->hello->instance, "test-host:1");
  assert_true(first->f->seq > 0);
  stafet_client_destroy(c);
  assert_true(hub_wait_count(h, B(GOODBYE), 1, WAIT_MS));
  hub_stop(h);
}

static void test_connect_times_out_without_hub(void **state) {
  fixture_t *fx = *state;
  stafet_client_t *c = client_new(fx, 0);
  int64_t t0 = now_ms();
  assert_int_equal(stafet_client_connect(c, 100), STAFET_ETIMEDOUT);
  assert_true(now_ms() - t0 >= 100);
  assert_int_equal(stafet_client_is_connected(c), 0);
  stafet_client_destroy(c);
}

static void test_publish_reaches_hub_and_ack_empties_outbox(void **state) {
  fixture_t *fx = *state;
  fake_hub_t *h;
  stafet_client_t *c = connected(fx, policy_ok, 0, 0, &h);
  stafet_attribute_t attrs[] = {{"kle", "27.24.00"}, {"department", "borgerservice"}};
  stafet_envelope_t env = {.topic = "cpr.person.relocated",
                           .type_name = "stafet.events.v1.cpr.PersonRelocated",
                           .schema_version = 1,
                           .occurred_at_ms = 1732412345678,
                           .correlation_id = "batch-7",
                           .tenant = "0751",
                           .sensitivity = STAFET_SENSITIVITY_PERSONAL,
                           .attributes = attrs,
                           .n_attributes = 2};
  static const unsigned char payload[] = {0x0a, 0x0b, 0x00, 'x', 'y'};
  acks_t acks = {0};
  char id[65];
  assert_int_equal(stafet_client_publish(c, &env, payload, sizeof payload, on_publish, &acks, id),
                   0);
  assert_int_equal(strlen(id), 36);
  assert_int_equal(stafet_client_outbox_size(c), 1);
  WAIT_FOR(c, acks.n == 1);
  assert_int_equal(acks.status[0], 0);
  assert_int_equal(acks.duplicate[0], 0);
  assert_string_equal(acks.ids[0], id);
  assert_int_equal(stafet_client_outbox_size(c), 0);

  const rec_t *r = hub_nth(h, B(PUBLISH), 0);
  assert_non_null(r);
  const Stafet__Wire__V1__Envelope *w = r->f->publish->envelope;
  assert_string_equal(w->message_id, id);
  assert_string_equal(w->topic, "cpr.person.relocated");
  assert_string_equal(w->type_name, "stafet.events.v1.cpr.PersonRelocated");
  assert_int_equal(w->schema_version, 1);
  assert_int_equal(w->occurred_at_ms, 1732412345678);
  assert_string_equal(w->correlation_id, "batch-7");
  assert_string_equal(w->tenant, "0751");
  assert_int_equal(w->sensitivity, 1);
  assert_int_equal(w->n_attributes, 2);
  assert_string_equal(w->attributes[0]->key, "kle");
  assert_string_equal(w->attributes[0]->value, "27.24.00");
  assert_non_null(r->payload);
  assert_int_equal(r->payload_len, sizeof payload);
  assert_memory_equal(r->payload, payload, sizeof payload);
  finish(c, h);
}

static void test_publish_acks_answer_several_publishes(void **state) {
  fixture_t *fx = *state;
  fake_hub_t *h;
  stafet_client_t *c = connected(fx, policy_acks_together, 0, 0, &h);
  pthread_mutex_lock(&h->mu);
  assert_true(h->recs[0].f->hello->accepts_publish_acks); /* the client said it reads them */
  pthread_mutex_unlock(&h->mu);
  acks_t acks = {0};
  char ids[6][65];
  for (int i = 0; i < 6; i++)
    assert_int_equal(publish_simple(c, &acks, ids[i]), 0);
  WAIT_FOR(c, acks.n == 6);
  assert_int_equal(stafet_client_outbox_size(c), 0);
  /* answered newest first within each three; the middle of each a duplicate */
  const int order[6] = {2, 1, 0, 5, 4, 3};
  for (int k = 0; k < 6; k++) {
    assert_string_equal(acks.ids[k], ids[order[k]]);
    assert_int_equal(acks.status[k], 0);
    assert_int_equal(acks.duplicate[k], order[k] % 3 == 1);
  }
  finish(c, h);
}

static void count_acked(stafet_client_t *c, const char *id, int status, int dup, void *arg) {
  (void)c;
  (void)id;
  (void)dup;
  *(int *)arg += status == 0;
}

/* To a hub whose Welcome says it takes them, publishes made while others wait
 * for their answers gather into messages of [Frame][payload] pairs: a lone
 * publish leaves at once, SDK_PUBLISHES_PER_MESSAGE (64) leave as soon as
 * they wait, and the rest leave with the next poll; all in order. */
static void test_publishes_gather_into_pairs(void **state) {
  fixture_t *fx = *state;
  fake_hub_t *h = hub_start(fx->endpoint, policy_ok, 0);
  pthread_mutex_lock(&h->mu);
  h->welcome_batches = 1;
  pthread_mutex_unlock(&h->mu);
  stafet_client_t *c = client_new(fx, 0);
  assert_int_equal(stafet_client_connect(c, WAIT_MS), 0);
  enum { N = 70 };
  int acked = 0;
  stafet_envelope_t env = {.topic = "debt.claim.created", .tenant = "0751"};
  for (int i = 0; i < N; i++) { /* no poll in between: the answers wait */
    char payload[24];
    int len = snprintf(payload, sizeof payload, "claim-%d", i);
    assert_int_equal(
        stafet_client_publish(c, &env, payload, (size_t)len, count_acked, &acked, NULL), 0);
  }
  WAIT_FOR(c, acked == N);
  assert_int_equal(stafet_client_outbox_size(c), 0);
  pthread_mutex_lock(&h->mu);
  int k = 0, pairs[3] = {0}, first_message = -1;
  for (size_t i = 0; i < h->n_recs; i++) {
    const rec_t *r = &h->recs[i];
    if (r->f->body_case != B(PUBLISH))
      continue;
    char want[24];
    snprintf(want, sizeof want, "claim-%d", k);
    assert_non_null(r->payload);
    assert_int_equal(r->payload_len, strlen(want));
    assert_memory_equal(r->payload, want, strlen(want));
    if (first_message < 0)
      first_message = r->message;
    int m = r->message - first_message;
    assert_true(m >= 0 && m < 3);
    pairs[m] = r->pairs;
    k++;
  }
  pthread_mutex_unlock(&h->mu);
  assert_int_equal(k, N);
  assert_int_equal(pairs[0], 1);      /* alone */
  assert_int_equal(pairs[1], 64);     /* full */
  assert_int_equal(pairs[2], N - 65); /* the rest, with the poll */
  finish(c, h);
}

static void test_not_connected_rehellos_and_resends_same_id(void **state) {
  fixture_t *fx = *state;
  fake_hub_t *h;
  stafet_client_t *c = connected(fx, policy_not_connected_once, 0, 0, &h);
  acks_t acks = {0};
  char id[65];
  assert_int_equal(publish_simple(c, &acks, id), 0);
  WAIT_FOR(c, acks.n == 1);
  assert_int_equal(acks.status[0], 0);
  assert_int_equal(hub_count(h, B(HELLO)), 2);
  assert_int_equal(hub_count(h, B(PUBLISH)), 2);
  assert_string_equal(published_id(h, 0), id);
  assert_string_equal(published_id(h, 1), id);
  assert_string_equal(stafet_client_session_id(c), "session-2");
  finish(c, h);
}

static void test_hub_restart_resends_unacked_in_order(void **state) {
  fixture_t *fx = *state;
  fake_hub_t *h1;
  stafet_client_t *c = connected(fx, policy_no_acks, 50, 50, &h1);
  acks_t acks = {0};
  char ids[3][65];
  for (int i = 0; i < 3; i++)
    assert_int_equal(publish_simple(c, &acks, ids[i]), 0);
  WAIT_FOR(c, hub_count(h1, B(PUBLISH)) == 3);
  hub_stop(h1); /* the hub dies with three publishes unacknowledged */

  fake_hub_t *h2 = hub_start(fx->endpoint, policy_ok, 50);
  WAIT_FOR(c, acks.n == 3); /* silence for 3 x 50 ms, new socket, Hello, re-send */
  assert_int_equal(stafet_client_outbox_size(c), 0);
  const rec_t *first = NULL;
  pthread_mutex_lock(&h2->mu);
  for (size_t i = 0; i < h2->n_recs && !first; i++)
    if (h2->recs[i].f->body_case != B(HEARTBEAT))
      first = &h2->recs[i];
  pthread_mutex_unlock(&h2->mu);
  assert_non_null(first);
  assert_int_equal(first->f->body_case, B(HELLO));
  assert_int_equal(hub_count(h2, B(PUBLISH)), 3);
  for (int i = 0; i < 3; i++) {
    assert_string_equal(published_id(h2, i), ids[i]);
    assert_string_equal(acks.ids[i], ids[i]);
    assert_int_equal(acks.status[i], 0);
  }
  finish(c, h2);
}

static void test_store_unavailable_is_retried(void **state) {
  fixture_t *fx = *state;
  fake_hub_t *h;
  stafet_client_t *c = connected(fx, policy_store_unavailable_once, 0, 0, &h);
  acks_t acks = {0};
  char id[65];
  assert_int_equal(publish_simple(c, &acks, id), 0);
  assert_int_equal(stafet_client_flush(c, WAIT_MS), 0);
  assert_int_equal(acks.n, 1); /* one callback, with success: the failure stayed inside */
  assert_int_equal(acks.status[0], 0);
  assert_int_equal(hub_count(h, B(PUBLISH)), 2);
  assert_string_equal(published_id(h, 1), id);
  assert_int_equal(hub_count(h, B(HELLO)), 1); /* no reconnect for this */
  finish(c, h);
}

static void test_invalid_topic_fails_for_good(void **state) {
  fixture_t *fx = *state;
  fake_hub_t *h;
  stafet_client_t *c = connected(fx, policy_invalid_topic, 0, 0, &h);
  acks_t acks = {0};
  char id[65];
  assert_int_equal(publish_simple(c, &acks, id), 0);
  WAIT_FOR(c, acks.n == 1);
  assert_int_equal(acks.status[0], STAFET_ETOPIC);
  assert_string_equal(acks.ids[0], id);
  assert_int_equal(stafet_client_outbox_size(c), 0);
  assert_int_equal(stafet_client_poll(c, 50), 0); /* and nothing is re-sent */
  assert_int_equal(hub_count(h, B(PUBLISH)), 1);
  finish(c, h);
}

static void test_local_checks_and_outbox_bound(void **state) {
  fixture_t *fx = *state;
  stafet_client_options_t o = {.endpoint = fx->endpoint, .adapter = "t", .outbox_max = 3};
  stafet_client_t *c = NULL;
  assert_int_equal(stafet_client_new(&c, &o), 0);
  stafet_envelope_t bad = {.topic = "cpr.person.*"};
  assert_int_equal(stafet_client_publish(c, &bad, NULL, 0, NULL, NULL, NULL), STAFET_ETOPIC);
  /* Not connected: publishes wait in the outbox, with strictly increasing ids. */
  acks_t acks = {0};
  char ids[3][65];
  for (int i = 0; i < 3; i++)
    assert_int_equal(publish_simple(c, &acks, ids[i]), 0);
  assert_true(strcmp(ids[0], ids[1]) < 0 && strcmp(ids[1], ids[2]) < 0);
  assert_int_equal(publish_simple(c, &acks, NULL), STAFET_EFULL);
  assert_int_equal(stafet_client_outbox_size(c), 3);
  stafet_client_destroy(c); /* frees the unsent publishes */

  stafet_client_options_t bad_opts = {.endpoint = "udp://x", .adapter = "t"};
  assert_int_equal(stafet_client_new(&c, &bad_opts), STAFET_EINVAL);
  bad_opts.endpoint = fx->endpoint;
  bad_opts.adapter = NULL;
  assert_int_equal(stafet_client_new(&c, &bad_opts), STAFET_EINVAL);
}

/* What the deliver callback saw (copies: the delivery dies with the callback). */
typedef struct seen {
  int n;
  char subscription[64], delivery_id[64], topic[64], tenant[16], attr[64], message_id[65];
  unsigned count;
  char payload[64];
  size_t payload_len;
  int ack_rc;
} seen_t;

static void on_deliver(stafet_client_t *c, const stafet_delivery_t *d, void *arg) {
  seen_t *s = arg;
  s->n++;
  snprintf(s->subscription, sizeof s->subscription, "%s", d->subscription);
  snprintf(s->delivery_id, sizeof s->delivery_id, "%s", d->delivery_id);
  snprintf(s->topic, sizeof s->topic, "%s", d->envelope->topic);
  snprintf(s->tenant, sizeof s->tenant, "%s", d->envelope->tenant);
  snprintf(s->message_id, sizeof s->message_id, "%s", d->envelope->message_id);
  if (d->envelope->n_attributes > 0)
    snprintf(s->attr, sizeof s->attr, "%s=%s", d->envelope->attributes[0].key,
             d->envelope->attributes[0].value);
  s->count = d->delivery_count;
  s->payload_len = d->payload_len < sizeof s->payload ? d->payload_len : sizeof s->payload;
  memcpy(s->payload, d->payload, s->payload_len);
  s->ack_rc = stafet_client_ack(c, d->subscription, d->delivery_id);
}

static void push_deliver(fake_hub_t *h, const char *sub, const char *delivery_id) {
  frame_t f = STAFET__WIRE__V1__FRAME__INIT;
  Stafet__Wire__V1__Deliver d = STAFET__WIRE__V1__DELIVER__INIT;
  Stafet__Wire__V1__Envelope env = STAFET__WIRE__V1__ENVELOPE__INIT;
  Stafet__Wire__V1__Attribute a = STAFET__WIRE__V1__ATTRIBUTE__INIT;
  Stafet__Wire__V1__Attribute *ap = &a;
  a.key = "kle";
  a.value = "27.24.00";
  env.message_id = "m-1";
  env.topic = "cpr.person.relocated";
  env.tenant = "0751";
  env.n_attributes = 1;
  env.attributes = &ap;
  d.subscription = (char *)sub;
  d.delivery_id = (char *)delivery_id;
  d.delivery_count = 2;
  d.envelope = &env;
  f.body_case = B(DELIVER);
  f.deliver = &d;
  hub_push(h, &f, "event-bytes", 11);
}

static const char *const patterns[] = {"cpr.person.*", "debt.#"};
static const char *const filters[] = {"tenant=0751"};

static stafet_subscription_t borgerservice(void) {
  stafet_subscription_t s = {.name = "borgerservice",
                             .patterns = patterns,
                             .n_patterns = 2,
                             .filters = filters,
                             .n_filters = 1,
                             .credit = 10,
                             .start_id = "0"};
  return s;
}

static void test_subscribe_deliver_ack(void **state) {
  fixture_t *fx = *state;
  fake_hub_t *h = hub_start(fx->endpoint, policy_ok, 0);
  stafet_client_t *c = client_new(fx, 0);
  seen_t seen = {0};
  stafet_subscription_t def = borgerservice();
  /* Subscribing before connecting: it waits for the session, then for the ack. */
  assert_int_equal(stafet_client_subscribe(c, &def, on_deliver, &seen, WAIT_MS), 0);
  const rec_t *r = hub_nth(h, B(SUBSCRIBE), 0);
  assert_non_null(r);
  const Stafet__Wire__V1__Subscribe *w = r->f->subscribe;
  assert_string_equal(w->name, "borgerservice");
  assert_int_equal(w->n_patterns, 2);
  assert_string_equal(w->patterns[1], "debt.#");
  assert_int_equal(w->n_filters, 1);
  assert_string_equal(w->filters[0], "tenant=0751");
  assert_int_equal(w->mode, STAFET__WIRE__V1__SUBSCRIPTION_MODE__MODE_DURABLE);
  assert_int_equal(w->credit, 10);
  assert_string_equal(w->start_id, "0");
  assert_int_equal(stafet_client_subscribe(c, &def, on_deliver, &seen, WAIT_MS), STAFET_EEXIST);

  push_deliver(h, "borgerservice", "1732412345678-0");
  WAIT_FOR(c, seen.n == 1);
  assert_string_equal(seen.subscription, "borgerservice");
  assert_string_equal(seen.delivery_id, "1732412345678-0");
  assert_string_equal(seen.topic, "cpr.person.relocated");
  assert_string_equal(seen.tenant, "0751");
  assert_string_equal(seen.message_id, "m-1");
  assert_string_equal(seen.attr, "kle=27.24.00");
  assert_int_equal(seen.count, 2);
  assert_int_equal(seen.payload_len, 11);
  assert_memory_equal(seen.payload, "event-bytes", 11);
  assert_int_equal(seen.ack_rc, 0);
  WAIT_FOR(c, hub_count(h, B(ACK)) == 1);
  const Stafet__Wire__V1__Ack *ack = hub_nth(h, B(ACK), 0)->f->ack;
  assert_string_equal(ack->subscription, "borgerservice");
  assert_int_equal(ack->n_delivery_ids, 1);
  assert_string_equal(ack->delivery_ids[0], "1732412345678-0");

  assert_int_equal(stafet_client_nack(c, "borgerservice", "1732412345678-1", 0, "bad data"), 0);
  WAIT_FOR(c, hub_count(h, B(NACK)) == 1);
  const Stafet__Wire__V1__Nack *nack = hub_nth(h, B(NACK), 0)->f->nack;
  assert_int_equal(nack->requeue, 0);
  assert_string_equal(nack->reason, "bad data");

  assert_int_equal(stafet_client_unsubscribe(c, "borgerservice", 1, WAIT_MS), 0);
  const Stafet__Wire__V1__Unsubscribe *u = hub_nth(h, B(UNSUBSCRIBE), 0)->f->unsubscribe;
  assert_string_equal(u->name, "borgerservice");
  assert_int_equal(u->remove, 1);
  assert_int_equal(stafet_client_unsubscribe(c, "borgerservice", 0, WAIT_MS), STAFET_ENOTFOUND);
  finish(c, h);
}

/* What a run of deliveries looked like, in the order the callback saw them. */
typedef struct seen_many {
  int n;
  char delivery_id[8][32], payload[8][32];
} seen_many_t;

static void on_deliver_many(stafet_client_t *c, const stafet_delivery_t *d, void *arg) {
  (void)c;
  seen_many_t *s = arg;
  if (s->n >= 8)
    return;
  snprintf(s->delivery_id[s->n], sizeof s->delivery_id[0], "%s", d->delivery_id);
  snprintf(s->payload[s->n], sizeof s->payload[0], "%.*s", (int)d->payload_len,
           (const char *)d->payload);
  s->n++;
}

/* A hub may gather deliveries into one message of [Deliver][payload] pairs
 * (the client's Hello says it reads them): each pair is one delivery, in
 * order, with its own payload. */
static void test_gathered_deliveries_in_one_message(void **state) {
  fixture_t *fx = *state;
  fake_hub_t *h;
  stafet_client_t *c = connected(fx, policy_ok, 0, 0, &h);
  pthread_mutex_lock(&h->mu);
  assert_true(h->recs[0].f->hello->accepts_deliver_batches);
  pthread_mutex_unlock(&h->mu);
  seen_many_t seen = {0};
  stafet_subscription_t def = borgerservice();
  assert_int_equal(stafet_client_subscribe(c, &def, on_deliver_many, &seen, WAIT_MS), 0);

  pthread_mutex_lock(&h->mu); /* all three queued before the hub thread sends */
  for (int i = 0; i < 3; i++) {
    char id[32], payload[32];
    snprintf(id, sizeof id, "1732412345678-%d", i);
    snprintf(payload, sizeof payload, "event-%d", i);
    frame_t f = STAFET__WIRE__V1__FRAME__INIT;
    Stafet__Wire__V1__Deliver d = STAFET__WIRE__V1__DELIVER__INIT;
    Stafet__Wire__V1__Envelope env = STAFET__WIRE__V1__ENVELOPE__INIT;
    env.message_id = id;
    env.topic = "cpr.person.relocated";
    d.subscription = "borgerservice";
    d.delivery_id = id;
    d.delivery_count = 1;
    d.envelope = &env;
    f.body_case = B(DELIVER);
    f.deliver = &d;
    hub_push_locked(h, &f, payload, strlen(payload), i < 2);
  }
  pthread_mutex_unlock(&h->mu);
  WAIT_FOR(c, seen.n == 3);
  for (int i = 0; i < 3; i++) {
    char id[32], payload[32];
    snprintf(id, sizeof id, "1732412345678-%d", i);
    snprintf(payload, sizeof payload, "event-%d", i);
    assert_string_equal(seen.delivery_id[i], id);
    assert_string_equal(seen.payload[i], payload);
  }
  finish(c, h);
}

static void test_subscription_conflict_maps_to_eexist(void **state) {
  fixture_t *fx = *state;
  fake_hub_t *h;
  stafet_client_t *c = connected(fx, policy_conflict, 0, 0, &h);
  seen_t seen = {0};
  stafet_subscription_t def = borgerservice();
  assert_int_equal(stafet_client_subscribe(c, &def, on_deliver, &seen, WAIT_MS), STAFET_EEXIST);
  /* Refused subscriptions are not remembered: nothing to unsubscribe. */
  assert_int_equal(stafet_client_unsubscribe(c, "borgerservice", 0, WAIT_MS), STAFET_ENOTFOUND);
  finish(c, h);
}

static void test_resubscribe_after_reconnect(void **state) {
  fixture_t *fx = *state;
  fake_hub_t *h1 = hub_start(fx->endpoint, policy_ok, 50);
  stafet_client_t *c = client_new(fx, 50);
  seen_t seen = {0};
  stafet_subscription_t def = borgerservice();
  assert_int_equal(stafet_client_connect(c, WAIT_MS), 0);
  assert_int_equal(stafet_client_subscribe(c, &def, on_deliver, &seen, WAIT_MS), 0);
  assert_string_equal(hub_nth(h1, B(SUBSCRIBE), 0)->f->subscribe->start_id, "0");
  hub_stop(h1);

  fake_hub_t *h2 = hub_start(fx->endpoint, policy_ok, 50);
  WAIT_FOR(c, hub_count(h2, B(SUBSCRIBE)) == 1 && stafet_client_is_connected(c));
  const Stafet__Wire__V1__Subscribe *w = hub_nth(h2, B(SUBSCRIBE), 0)->f->subscribe;
  assert_string_equal(w->name, "borgerservice");
  assert_int_equal(w->n_patterns, 2);
  assert_int_equal(w->credit, 10);
  assert_string_equal(w->start_id, ""); /* the replay is not repeated */
  assert_int_equal(w->start_time_ms, 0);
  push_deliver(h2, "borgerservice", "1732412345678-5");
  WAIT_FOR(c, seen.n == 1);
  assert_string_equal(seen.delivery_id, "1732412345678-5");
  finish(c, h2);
}

static void test_heartbeats_when_quiet(void **state) {
  fixture_t *fx = *state;
  fake_hub_t *h;
  stafet_client_t *c = connected(fx, policy_ok, 30, 0, &h);
  WAIT_FOR(c, hub_count(h, B(HEARTBEAT)) >= 3);
  /* The hub's 30 ms won over the client's 1000 ms, and the hub's beats keep us up. */
  assert_int_equal(stafet_client_is_connected(c), 1);
  assert_int_equal(hub_count(h, B(HELLO)), 1);
  int fd = -1;
  assert_int_equal(stafet_client_fd(c, &fd), 0);
  assert_true(fd >= 0);
  assert_true(stafet_client_timeout_ms(c) <= 90);
  finish(c, h);
}

/*
 * Embedding in an external loop: wait on ZMQ_FD with poll(2) for as long as
 * stafet_client_timeout_ms() says (about a heartbeat here), call
 * stafet_client_poll(c, 0) when woken. An answer and a delivery must wake the
 * loop well before the timer would.
 */
static int external_loop_until(stafet_client_t *c, const int *flag, int64_t limit_ms) {
  int64_t end = now_ms() + limit_ms;
  for (;;) {
    assert_true(stafet_client_poll(c, 0) >= 0);
    if (*flag || now_ms() >= end)
      return *flag;
    int fd;
    assert_int_equal(stafet_client_fd(c, &fd), 0);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    poll(&p, 1, stafet_client_timeout_ms(c));
  }
}

static void test_external_loop_on_fd(void **state) {
  fixture_t *fx = *state;
  fake_hub_t *h;
  stafet_client_t *c = connected(fx, policy_ok, 0, 2000, &h);
  seen_t seen = {0};
  stafet_subscription_t def = borgerservice();
  assert_int_equal(stafet_client_subscribe(c, &def, on_deliver, &seen, WAIT_MS), 0);
  assert_true(stafet_client_timeout_ms(c) > 1000);

  acks_t acks = {0};
  assert_int_equal(publish_simple(c, &acks, NULL), 0);
  int64_t t0 = now_ms();
  assert_true(external_loop_until(c, &acks.n, WAIT_MS));
  assert_true(now_ms() - t0 < 1000); /* woken by the fd, not by the heartbeat timer */

  push_deliver(h, "borgerservice", "1732412345678-9");
  t0 = now_ms();
  assert_true(external_loop_until(c, &seen.n, WAIT_MS));
  assert_true(now_ms() - t0 < 1000);
  assert_string_equal(seen.delivery_id, "1732412345678-9");
  finish(c, h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_hello_first_then_goodbye, setup, teardown),
      cmocka_unit_test_setup_teardown(test_connect_times_out_without_hub, setup, teardown),
      cmocka_unit_test_setup_teardown(test_publish_reaches_hub_and_ack_empties_outbox, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_publish_acks_answer_several_publishes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_publishes_gather_into_pairs, setup, teardown),
      cmocka_unit_test_setup_teardown(test_not_connected_rehellos_and_resends_same_id, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_hub_restart_resends_unacked_in_order, setup, teardown),
      cmocka_unit_test_setup_teardown(test_store_unavailable_is_retried, setup, teardown),
      cmocka_unit_test_setup_teardown(test_invalid_topic_fails_for_good, setup, teardown),
      cmocka_unit_test_setup_teardown(test_local_checks_and_outbox_bound, setup, teardown),
      cmocka_unit_test_setup_teardown(test_subscribe_deliver_ack, setup, teardown),
      cmocka_unit_test_setup_teardown(test_gathered_deliveries_in_one_message, setup, teardown),
      cmocka_unit_test_setup_teardown(test_subscription_conflict_maps_to_eexist, setup, teardown),
      cmocka_unit_test_setup_teardown(test_resubscribe_after_reconnect, setup, teardown),
      cmocka_unit_test_setup_teardown(test_heartbeats_when_quiet, setup, teardown),
      cmocka_unit_test_setup_teardown(test_external_loop_on_fd, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
