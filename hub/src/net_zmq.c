/*
 * net_zmq.c — the hub's ROUTER socket on the libuv loop.
 *
 * ZMQ_FD is edge-triggered: it signals "something changed", not "there is a
 * message". So whenever it fires we read until a receive says EAGAIN (with a
 * budget, so one busy peer cannot starve timers and Redis replies), and
 * after every send we re-check via an idle handle, because a send can consume
 * the edge that announced pending input.
 *
 * Each inbound message is [routing id][frame 0][payload?], or [routing id]
 * followed by several [Frame][payload] pairs (the Welcome says the hub takes
 * them; libstafet gathers its publishes so); anything else is answered with
 * MALFORMED_FRAME. ZMQ_ROUTER_MANDATORY makes a send to a
 * vanished peer fail (EHOSTUNREACH) instead of vanishing silently, so the
 * session can be ended and its deliveries handed to others.
 *
 * Deliveries to a client whose Hello accepts deliver batches are gathered
 * per session and leave as one message of [Deliver][payload] pairs: when the
 * loop turn ends (a prepare handle, before the loop waits; durable.c sends
 * a queue read's deliveries as soon as the read is handled), when
 * DELIVERIES_PER_MESSAGE are gathered, or before any other frame to that
 * session, so frames reach a client in the order they were made. One send of
 * the routing id and one wake-up of ZeroMQ's I/O thread and of the client
 * then serve many deliveries.
 */
#include "hub.h"

#include "auth.h"
#include "stafet.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define DRAIN_BUDGET 512
/* Deliveries per gathered message: enough to spread the per-message costs,
 * few enough that a burst leaves in several messages the client can start on. */
#define DELIVERIES_PER_MESSAGE 64

/* A session's gathered deliveries: parts[2i] the packed Frame, parts[2i+1]
 * its payload; tsubs[i] the transient subscription (NULL: durable). */
struct dlv_buf {
  zmq_msg_t parts[2 * DELIVERIES_PER_MESSAGE];
  tsub_t *tsubs[DELIVERIES_PER_MESSAGE];
  size_t count;
  bool listed; /* in hub->delivering */
};

static const char *const error_names[] = {
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_NONE] = "NONE",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_MALFORMED_FRAME] = "MALFORMED_FRAME",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_FRAME_TOO_LARGE] = "FRAME_TOO_LARGE",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_UNKNOWN_FRAME_TYPE] = "UNKNOWN_FRAME_TYPE",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_NOT_CONNECTED] = "NOT_CONNECTED",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_PROTOCOL_VERSION] = "PROTOCOL_VERSION",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_TOPIC] = "INVALID_TOPIC",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_PATTERN] = "INVALID_PATTERN",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_FILTER] = "INVALID_FILTER",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_ENVELOPE] = "INVALID_ENVELOPE",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_UNKNOWN_DELIVERY] = "UNKNOWN_DELIVERY",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_UNKNOWN_SUBSCRIPTION] = "UNKNOWN_SUBSCRIPTION",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_SUBSCRIPTION_CONFLICT] = "SUBSCRIPTION_CONFLICT",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_QUEUE_FULL] = "QUEUE_FULL",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_STORE_UNAVAILABLE] = "STORE_UNAVAILABLE",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_SHUTTING_DOWN] = "SHUTTING_DOWN",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_UNSUPPORTED] = "UNSUPPORTED",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_INTERNAL] = "INTERNAL",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_NO_PROVIDER] = "NO_PROVIDER",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_DEADLINE_EXCEEDED] = "DEADLINE_EXCEEDED",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_PROVIDER_ERROR] = "PROVIDER_ERROR",
    [STAFET__WIRE__V1__ERROR_CODE__ERROR_NOT_AUTHORIZED] = "NOT_AUTHORIZED",
};

const char *error_code_name(Stafet__Wire__V1__ErrorCode code) {
  if ((size_t)code < sizeof error_names / sizeof error_names[0] && error_names[code] != NULL)
    return error_names[code];
  return "UNKNOWN";
}

static bool error_retryable(Stafet__Wire__V1__ErrorCode code) {
  switch (code) {
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_NOT_CONNECTED:
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_QUEUE_FULL:
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_STORE_UNAVAILABLE:
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_SHUTTING_DOWN:
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_INTERNAL: return true;
  default: return false;
  }
}

static void on_idle(uv_idle_t *idle);

/* A send may have eaten the edge that announced input: look again soon. */
static void schedule_drain(hub_t *hub) {
  if (!uv_is_active((uv_handle_t *)&hub->zidle))
    uv_idle_start(&hub->zidle, on_idle);
}

/* Packs m (a Frame, or a mirror of one: packed.proto) and sends it. */
static int send_packed(hub_t *hub, const uint8_t *rid, size_t rid_len, const ProtobufCMessage *m,
                       zmq_msg_t *payload) {
  size_t len = protobuf_c_message_get_packed_size(m);
  uint8_t stackbuf[512];
  uint8_t *buf = len <= sizeof stackbuf ? stackbuf : malloc(len);
  if (buf == NULL) {
    if (payload != NULL)
      zmq_msg_close(payload);
    return STAFET_ENOMEM;
  }
  protobuf_c_message_pack(m, buf);
  int rc = 0;
  if (zmq_send(hub->zsock, rid, rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
    rc = errno == EAGAIN ? STAFET_EFULL : STAFET_ECLOSED;
    goto out;
  }
  /* After the routing id is accepted, the rest of the message cannot fail on
   * EAGAIN: ZeroMQ queues multipart messages atomically. */
  if (zmq_send(hub->zsock, buf, len, (payload ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT) < 0) {
    rc = STAFET_EIO;
    goto out;
  }
  if (payload != NULL && zmq_msg_send(payload, hub->zsock, ZMQ_DONTWAIT) < 0)
    rc = STAFET_EIO;
  hub->stats.frames_out++;
out:
  if (buf != stackbuf)
    free(buf);
  if (payload != NULL)
    zmq_msg_close(payload);
  schedule_drain(hub);
  return rc;
}

/* The gathered deliveries could not be sent: transient ones count as dropped;
 * durable ones stay in the consumer's pending list and are redelivered. */
static void gathered_lost(hub_t *hub, session_t *s, size_t n, int rc) {
  size_t durable = 0;
  for (size_t i = 0; i < n; i++) {
    tsub_t *t = s->dlv->tsubs[i];
    if (t == NULL) {
      durable++;
      continue;
    }
    t->dropped++;
    hub->stats.transient_dropped++;
    hub->stats.transient_delivered--;
  }
  if (durable > 0)
    log_warn(&hub->log, "deliveries not sent", "session=%s count=%zu why=%s", s->id, durable,
             rc == STAFET_ECLOSED ? "session_gone"
             : rc == STAFET_EFULL ? "queue_full"
                                  : "io");
}

/* Sends the session's gathered deliveries as one message. */
static void send_gathered(hub_t *hub, session_t *s) {
  struct dlv_buf *b = s->dlv;
  size_t n = b->count, parts = 2 * n;
  b->count = 0;
  if (n == 0)
    return;
  int rc = 0;
  if (s->dead)
    rc = STAFET_ECLOSED;
  else if (zmq_send(hub->zsock, s->rid, s->rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
    rc = errno == EAGAIN ? STAFET_EFULL : STAFET_ECLOSED;
  /* After the routing id is accepted, the rest cannot fail on EAGAIN. */
  for (size_t i = 0; i < parts; i++) {
    if (rc == 0 && zmq_msg_send(&b->parts[i], hub->zsock,
                                (i + 1 < parts ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT) < 0)
      rc = STAFET_EIO;
    zmq_msg_close(&b->parts[i]); /* a sent one is empty already */
  }
  if (rc == 0) {
    hub->stats.frames_out += n;
    s->last_send_ms = hub_now_ms();
  } else {
    if (rc == STAFET_ECLOSED)
      s->dead = true;
    gathered_lost(hub, s, n, rc);
  }
  schedule_drain(hub);
}

void net_flush_session(hub_t *hub, session_t *s) {
  if (s->dlv != NULL && s->dlv->count > 0)
    send_gathered(hub, s);
}

void net_session_ended(hub_t *hub, session_t *s) {
  struct dlv_buf *b = s->dlv;
  if (b == NULL)
    return;
  for (size_t i = 0; i < 2 * b->count; i++)
    zmq_msg_close(&b->parts[i]);
  gathered_lost(hub, s, b->count, STAFET_ECLOSED);
  if (b->listed)
    session_list_remove(&hub->delivering, s);
  free(b);
  s->dlv = NULL;
}

static void on_prepare(uv_prepare_t *prepare) {
  hub_t *hub = prepare->data;
  session_list_t *l = &hub->delivering;
  for (size_t i = 0; i < l->count; i++) {
    l->items[i]->dlv->listed = false;
    net_flush_session(hub, l->items[i]);
  }
  l->count = 0;
}

/* Keeps a delivery in the session's gathering; false if out of memory. */
static bool gather(hub_t *hub, session_t *s, const ProtobufCMessage *frame, zmq_msg_t *payload,
                   tsub_t *tsub) {
  if (s->dlv == NULL && (s->dlv = calloc(1, sizeof *s->dlv)) == NULL)
    return false;
  struct dlv_buf *b = s->dlv;
  if (!b->listed) {
    if (session_list_add(&hub->delivering, s) != 0)
      return false;
    b->listed = true;
  }
  zmq_msg_t *head = &b->parts[2 * b->count];
  if (zmq_msg_init_size(head, protobuf_c_message_get_packed_size(frame)) != 0)
    return false;
  protobuf_c_message_pack(frame, zmq_msg_data(head)); /* straight into the message */
  zmq_msg_init(&b->parts[2 * b->count + 1]);
  zmq_msg_move(&b->parts[2 * b->count + 1], payload);
  zmq_msg_close(payload);
  b->tsubs[b->count++] = tsub;
  if (b->count == DELIVERIES_PER_MESSAGE)
    send_gathered(hub, s); /* stays listed, with nothing to send */
  return true;
}

int net_send_to(hub_t *hub, const uint8_t *rid, size_t rid_len,
                const Stafet__Wire__V1__Frame *frame, zmq_msg_t *payload) {
  return send_packed(hub, rid, rid_len, &frame->base, payload);
}

static int session_send(hub_t *hub, session_t *s, const ProtobufCMessage *m, zmq_msg_t *payload) {
  net_flush_session(hub, s); /* what was gathered for it goes first */
  if (s->dead) {
    if (payload != NULL)
      zmq_msg_close(payload);
    return STAFET_ECLOSED;
  }
  int rc = send_packed(hub, s->rid, s->rid_len, m, payload);
  if (rc == STAFET_ECLOSED)
    s->dead = true;
  else if (rc == 0)
    s->last_send_ms = hub_now_ms();
  return rc;
}

int net_send(hub_t *hub, session_t *s, const Stafet__Wire__V1__Frame *frame, zmq_msg_t *payload) {
  return session_send(hub, s, &frame->base, payload);
}

int net_deliver(hub_t *hub, session_t *s, const ProtobufCMessage *frame, zmq_msg_t *payload,
                tsub_t *tsub) {
  if (!s->batch_deliveries || s->dead || !gather(hub, s, frame, payload, tsub))
    return session_send(hub, s, frame, payload);
  return 0;
}

void net_send_error(hub_t *hub, const uint8_t *rid, size_t rid_len, uint64_t seq,
                    Stafet__Wire__V1__ErrorCode code, const char *fmt, ...) {
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if ((size_t)code < sizeof hub->stats.errors_by_code / sizeof hub->stats.errors_by_code[0])
    hub->stats.errors_by_code[code]++;
  log_warn(&hub->log, "error sent", "code=%s seq=%llu text=\"%s\"", error_code_name(code),
           (unsigned long long)seq, text);
  Stafet__Wire__V1__Error err = STAFET__WIRE__V1__ERROR__INIT;
  err.code = code;
  err.name = (char *)error_code_name(code);
  err.text = text;
  err.retryable = error_retryable(code);
  Stafet__Wire__V1__Frame frame = STAFET__WIRE__V1__FRAME__INIT;
  frame.seq = seq;
  frame.body_case = STAFET__WIRE__V1__FRAME__BODY_ERROR;
  frame.error = &err;
  (void)net_send_to(hub, rid, rid_len, &frame, NULL);
}

/* Frames in one message from a client: one, two ([Frame][payload]), or up to
 * PAIRS_PER_MESSAGE [Frame][payload] pairs (Welcome.accepts_publish_batches). */
#define PAIRS_PER_MESSAGE 256
#define PARTS_MAX         (2 * PAIRS_PER_MESSAGE)

/* Reads the rest of a message we will not use. */
static void discard_rest(void *sock) {
  int more = 1;
  size_t sz = sizeof more;
  while (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &sz) == 0 && more) {
    zmq_msg_t m;
    zmq_msg_init(&m);
    zmq_msg_recv(&m, sock, 0);
    zmq_msg_close(&m);
  }
}

/* Checks one [Frame][payload?] of a message; false (and an Error sent) if too large. */
static bool parts_fit(hub_t *hub, const uint8_t *rid, size_t rid_len, zmq_msg_t *head,
                      zmq_msg_t *body) {
  if (zmq_msg_size(head) <= hub->cfg.max_frame_bytes &&
      (body == NULL || zmq_msg_size(body) <= hub->cfg.max_frame_bytes))
    return true;
  net_send_error(hub, rid, rid_len, 0, STAFET__WIRE__V1__ERROR_CODE__ERROR_FRAME_TOO_LARGE,
                 "frame larger than max_frame_bytes=%llu",
                 (unsigned long long)hub->cfg.max_frame_bytes);
  return false;
}

/* Receives one whole message; returns 1 if one was handled, 0 if none waiting.
 * Its frames are received before any is handled, so a message of the wrong
 * shape is refused whole. */
static int recv_one(hub_t *hub) {
  zmq_msg_t rid_msg;
  zmq_msg_init(&rid_msg);
  if (zmq_msg_recv(&rid_msg, hub->zsock, ZMQ_DONTWAIT) < 0) {
    zmq_msg_close(&rid_msg);
    return 0;
  }
  static zmq_msg_t parts[PARTS_MAX]; /* one loop thread */
  size_t n = 0;
  bool more = zmq_msg_more(&rid_msg);
  while (more && n < PARTS_MAX) {
    zmq_msg_init(&parts[n]);
    if (zmq_msg_recv(&parts[n], hub->zsock, 0) < 0) {
      zmq_msg_close(&parts[n]);
      break;
    }
    more = zmq_msg_more(&parts[n++]);
  }
  const uint8_t *rid = zmq_msg_data(&rid_msg);
  size_t rid_len = zmq_msg_size(&rid_msg);
  if (more) {
    discard_rest(hub->zsock);
    net_send_error(hub, rid, rid_len, 0, STAFET__WIRE__V1__ERROR_CODE__ERROR_MALFORMED_FRAME,
                   "a message has at most %d [Frame][payload] pairs", PAIRS_PER_MESSAGE);
  } else if (n == 0) {
    net_send_error(hub, rid, rid_len, 0, STAFET__WIRE__V1__ERROR_CODE__ERROR_MALFORMED_FRAME,
                   "empty message: expected a Frame");
  } else if (n > 2 && n % 2 != 0) {
    net_send_error(hub, rid, rid_len, 0, STAFET__WIRE__V1__ERROR_CODE__ERROR_MALFORMED_FRAME,
                   "a message of %zu frames: more than 2 frames must be [Frame][payload] pairs", n);
  } else if (n <= 2) {
    hub->stats.frames_in++;
    if (parts_fit(hub, rid, rid_len, &parts[0], n == 2 ? &parts[1] : NULL))
      hub_dispatch(hub, rid, rid_len, &parts[0], n == 2 ? &parts[1] : NULL);
  } else { /* each pair as if it had come alone */
    for (size_t i = 0; i < n; i += 2) {
      hub->stats.frames_in++;
      if (parts_fit(hub, rid, rid_len, &parts[i], &parts[i + 1]))
        hub_dispatch(hub, rid, rid_len, &parts[i], &parts[i + 1]);
    }
  }
  for (size_t i = 0; i < n; i++)
    zmq_msg_close(&parts[i]);
  zmq_msg_close(&rid_msg);
  return 1;
}

/* Handles what has arrived, then sends the turn's batch of publishes.
 * Receiving until EAGAIN (rather than asking ZMQ_EVENTS before every message,
 * which costs a poll(2) each time) also re-arms the edge-triggered ZMQ_FD:
 * the failing receive processes ZeroMQ's pending commands. */
static void drain(hub_t *hub) {
  for (int i = 0; i < DRAIN_BUDGET; i++) {
    if (hub->zsock == NULL || recv_one(hub) == 0) {
      uv_idle_stop(&hub->zidle);
      publish_end_of_turn(hub);
      return;
    }
  }
  publish_end_of_turn(hub);
  schedule_drain(hub); /* budget spent: let timers and Redis replies run first */
}

static void on_idle(uv_idle_t *idle) {
  drain(idle->data);
}

static void on_readable(uv_poll_t *poll, int status, int events) {
  drain(poll->data);
}

int net_open(hub_t *hub) {
  hub->zctx = zmq_ctx_new();
  int rc = auth_open(hub); /* the ZAP handler must exist before the ROUTER binds */
  if (rc != 0)
    return rc;
  hub->zsock = zmq_socket(hub->zctx, ZMQ_ROUTER);
  if (auth_configure_router(hub, hub->zsock) != 0)
    return STAFET_EIO;
  int one = 1, linger = 1000;
  /* ZeroMQ's default of 1000 per peer overflowed with bursts of acks (a
   * publisher may have 1000 publishes in flight, and its acks leave together
   * when a batch is stored): a send that fails is an answer lost. */
  int sndhwm = hub->cfg.send_hwm > INT_MAX ? INT_MAX : (int)hub->cfg.send_hwm;
  zmq_setsockopt(hub->zsock, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm);
  int64_t hard_max = (int64_t)hub->cfg.max_frame_bytes * 4 + 4096;
  zmq_setsockopt(hub->zsock, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
  zmq_setsockopt(hub->zsock, ZMQ_LINGER, &linger, sizeof linger);
  /* Frames above max_frame_bytes get an Error; far above, the peer is cut off
   * before the hub buffers it. */
  zmq_setsockopt(hub->zsock, ZMQ_MAXMSGSIZE, &hard_max, sizeof hard_max);
  const char *endpoints[] = {hub->cfg.bind_tcp, hub->cfg.bind_ipc};
  for (size_t i = 0; i < 2; i++) {
    if (endpoints[i][0] == '\0')
      continue;
    if (zmq_bind(hub->zsock, endpoints[i]) != 0) {
      log_error(&hub->log, "cannot bind", "endpoint=%s err=\"%s\"", endpoints[i],
                zmq_strerror(errno));
      return STAFET_EIO;
    }
    log_info(&hub->log, "listening", "endpoint=%s", endpoints[i]);
  }
  int fd;
  size_t sz = sizeof fd;
  zmq_getsockopt(hub->zsock, ZMQ_FD, &fd, &sz);
  uv_poll_init(hub->loop, &hub->zpoll, fd);
  hub->zpoll.data = hub;
  uv_poll_start(&hub->zpoll, UV_READABLE, on_readable);
  uv_idle_init(hub->loop, &hub->zidle);
  hub->zidle.data = hub;
  uv_prepare_init(hub->loop, &hub->zflush);
  hub->zflush.data = hub;
  uv_prepare_start(&hub->zflush, on_prepare);
  schedule_drain(hub);
  return 0;
}

void net_close(hub_t *hub) {
  if (hub->zsock == NULL)
    return;
  uv_poll_stop(&hub->zpoll);
  uv_close((uv_handle_t *)&hub->zpoll, NULL);
  uv_idle_stop(&hub->zidle);
  uv_close((uv_handle_t *)&hub->zidle, NULL);
  uv_prepare_stop(&hub->zflush);
  uv_close((uv_handle_t *)&hub->zflush, NULL);
  free(hub->delivering.items); /* the sessions have ended: nothing is listed */
  hub->delivering = (session_list_t){0};
  zmq_close(hub->zsock);
  hub->zsock = NULL;
  auth_close(hub);
  zmq_ctx_term(hub->zctx);
  hub->zctx = NULL;
}
