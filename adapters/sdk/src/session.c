/*
 * session.c — the session's life: open a socket, Hello, Welcome, keep it
 * alive with heartbeats, notice a dead hub, and start over with back-off.
 *
 * sdk_session_tick() is called by every poll before it waits. It does all
 * the sending that is due: the Hello of a new socket, the Subscribe of every
 * remembered subscription not yet acknowledged in this session, the outbox
 * (first due retries, then everything after the cursor, in order) and a
 * Heartbeat when nothing else went out for heartbeat_ms. So a reconnect is
 * only "close the socket, reset the session state, wait": the next ticks
 * after Welcome re-subscribe and re-send the outbox.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <zmq.h>

#define PROTOCOL_VERSION  1
#define DEAD_AFTER_BEATS  3
#define GOODBYE_LINGER_MS 200

static int64_t dead_after_ms(const stafet_client_t *c) {
  return (int64_t)c->heartbeat_ms * DEAD_AFTER_BEATS;
}

/* Forgets everything that belonged to the hub's session. */
static void reset_session(stafet_client_t *c) {
  c->session_id[0] = '\0';
  c->hello_sent = 0;
  sdk_sub_reset_all(c->subs);
  sdk_ops_retry_all(c);
  sdk_rpc_session_reset(c);
  sdk_acks_drop(c);
}

void sdk_session_down(stafet_client_t *c) {
  sdk_socket_close(c);
  if (c->n_endpoints > 1) /* that hub is gone or draining: try the next one */
    c->endpoint_index = (c->endpoint_index + 1) % c->n_endpoints;
  reset_session(c);
  c->state = SDK_DOWN;
  c->reconnect_at = sdk_now_ms() + sdk_backoff_ms(c, c->reconnect_attempts++);
}

static int send_hello(stafet_client_t *c) {
  Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
  Stafet__Wire__V1__Hello h = STAFET__WIRE__V1__HELLO__INIT;
  h.protocol_version = PROTOCOL_VERSION;
  h.adapter = c->adapter;
  h.instance = c->instance;
  h.heartbeat_ms = c->heartbeat_opt;
  h.accepts_publish_acks = 1;    /* dispatch.c reads PublishAcks */
  h.accepts_deliver_batches = 1; /* and messages of several [Deliver][payload] pairs */
  f.body_case = STAFET__WIRE__V1__FRAME__BODY_HELLO;
  f.hello = &h;
  int rc = sdk_send_frame(c, &f, &c->hello_seq);
  if (rc == 0)
    c->hello_sent = 1;
  return rc == STAFET_EUNAVAIL ? 0 : rc;
}

void sdk_session_rehello(stafet_client_t *c) {
  if (c->state == SDK_HELLO && c->hello_sent)
    return; /* a Hello is on its way: the other NOT_CONNECTEDs answer older frames */
  reset_session(c);
  c->state = SDK_HELLO;
  c->last_recv = sdk_now_ms();
  send_hello(c);
}

void sdk_session_welcome(stafet_client_t *c, const Stafet__Wire__V1__Welcome *w) {
  c->state = SDK_UP;
  c->hello_error = 0;
  c->reconnect_attempts = 0;
  if (w->heartbeat_ms)
    c->heartbeat_ms = w->heartbeat_ms;
  c->max_frame_bytes = w->max_frame_bytes;
  c->batch_publishes = w->accepts_publish_batches;
  snprintf(c->session_id, sizeof c->session_id, "%s", w->session_id ? w->session_id : "");
  sdk_sub_reset_all(c->subs);
  sdk_outbox_rewind(&c->outbox);
}

static int open_socket(stafet_client_t *c) {
  int rc = sdk_socket_open(c);
  if (rc < 0) {
    c->reconnect_at = sdk_now_ms() + sdk_backoff_ms(c, c->reconnect_attempts++);
    return rc;
  }
  c->state = SDK_HELLO;
  c->heartbeat_ms = c->heartbeat_opt;
  c->last_recv = c->last_send = sdk_now_ms();
  reset_session(c);
  return 0;
}

static int send_subscriptions(stafet_client_t *c, int64_t now) {
  for (sdk_sub_t *s = c->subs; s; s = s->next) {
    if (s->active || s->sent_seq || s->retry_at > now)
      continue;
    int rc = sdk_sub_send(c, s);
    if (rc < 0)
      return rc;
  }
  return 0;
}

/* A publish with no answer this long is sent again (its answer was lost). */
#define PUBLISH_ANSWER_TIMEOUT_MS 5000
#define SILENT_SCAN_MS            1000

static int send_outbox(stafet_client_t *c, int64_t now) {
  sdk_outbox_t *ob = &c->outbox;
  sdk_entry_t *e;
  int rc;
  if (now - c->last_silent_scan >= SILENT_SCAN_MS) {
    c->last_silent_scan = now;
    sdk_outbox_retry_silent(ob, now, PUBLISH_ANSWER_TIMEOUT_MS);
  }
  while ((e = sdk_outbox_take_due(ob, now))) {
    if ((rc = sdk_send_entry(c, e)) < 0) {
      sdk_outbox_defer(ob, e, now); /* back in the list; try on the next tick */
      return rc;
    }
  }
  return sdk_send_unsent(c);
}

static int send_heartbeat(stafet_client_t *c) {
  Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
  Stafet__Wire__V1__Heartbeat h = STAFET__WIRE__V1__HEARTBEAT__INIT;
  h.sent_at_ms = sdk_wall_ms();
  f.body_case = STAFET__WIRE__V1__FRAME__BODY_HEARTBEAT;
  f.heartbeat = &h;
  return sdk_send_frame(c, &f, NULL);
}

static int tick_up(stafet_client_t *c, int64_t now) {
  sdk_acks_flush(c); /* acks given outside a callback since the last poll */
  int rc = send_subscriptions(c, now);
  if (rc == 0)
    rc = sdk_rpc_tick(c, now);
  if (rc == 0)
    rc = send_outbox(c, now);
  if (rc == 0 && now - c->last_send >= (int64_t)c->heartbeat_ms)
    rc = send_heartbeat(c);
  return rc == STAFET_EUNAVAIL ? 0 : rc; /* no connection right now: later */
}

int sdk_session_tick(stafet_client_t *c) {
  int64_t now = sdk_now_ms();
  int rc = 0;
  if (c->state == SDK_DOWN && now >= c->reconnect_at && (rc = open_socket(c)) < 0)
    return rc;
  if (c->state != SDK_DOWN && now - c->last_recv >= dead_after_ms(c)) {
    sdk_session_down(c); /* silent for 3 heartbeats (or no Welcome): dead */
    return 0;
  }
  if (c->state == SDK_HELLO && !c->hello_sent)
    rc = send_hello(c);
  else if (c->state == SDK_UP)
    rc = tick_up(c, now);
  if (rc == STAFET_EIO || rc == STAFET_ECLOSED) {
    sdk_session_down(c); /* a broken socket is a reconnect, not an error */
    return 0;
  }
  return rc;
}

static int64_t min64(int64_t a, int64_t b) {
  return a < b ? a : b;
}

int sdk_session_next_timer(const stafet_client_t *c, int64_t now) {
  int64_t at;
  if (c->state == SDK_DOWN) {
    at = c->reconnect_at;
  } else {
    at = c->last_recv + dead_after_ms(c);
    if (c->state == SDK_UP) {
      at = min64(at, c->last_send + c->heartbeat_ms);
      at = min64(at, sdk_outbox_next_retry(&c->outbox));
      at = min64(at, sdk_rpc_next_deadline(c));
      for (const sdk_sub_t *s = c->subs; s; s = s->next)
        if (!s->active && !s->sent_seq)
          at = min64(at, s->retry_at);
    }
  }
  int64_t wait = at - now;
  return wait < 0 ? 0 : wait > INT32_MAX ? INT32_MAX : (int)wait;
}

int sdk_session_wants_write(const stafet_client_t *c) {
  if (c->state == SDK_HELLO)
    return !c->hello_sent;
  return c->state == SDK_UP && sdk_outbox_unsent(&c->outbox) != NULL;
}

static void send_goodbye(stafet_client_t *c) {
  Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
  Stafet__Wire__V1__Goodbye g = STAFET__WIRE__V1__GOODBYE__INIT;
  g.reason = (char *)"client closing";
  f.body_case = STAFET__WIRE__V1__FRAME__BODY_GOODBYE;
  f.goodbye = &g;
  if (sdk_send_frame(c, &f, NULL) == 0) {
    /* Give the Goodbye a moment to leave; LINGER 0 would drop it. */
    int linger = GOODBYE_LINGER_MS;
    zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger);
  }
}

void sdk_session_close(stafet_client_t *c) {
  if (c->state == SDK_UP && c->sock)
    send_goodbye(c);
  sdk_socket_close(c);
  if (c->zctx)
    zmq_ctx_term(c->zctx);
  c->zctx = NULL;
  c->state = SDK_DOWN;
}
