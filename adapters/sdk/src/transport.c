/*
 * transport.c — the client's ZeroMQ socket: opening a DEALER per session
 * attempt, sending frames without ever blocking, clocks and back-off.
 *
 * Socket options and why: ZMQ_LINGER 0, so closing a dead session never
 * waits; ZMQ_IMMEDIATE 1, so nothing is queued for a connection that is not
 * up (the outbox, not ZeroMQ, holds what must survive); ZMQ_SNDHWM 0, so a
 * burst of publishes or acks is never refused by ZeroMQ while connected (the
 * outbox bounds publishes, credit bounds acks). Every send is ZMQ_DONTWAIT:
 * "would block" means "no connection yet" and the session timers try again.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <zmq.h>

#define BACKOFF_MAX_SHIFT 20

static int64_t clock_ms(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sdk_now_ms(void) {
  return clock_ms(CLOCK_MONOTONIC);
}

int64_t sdk_wall_ms(void) {
  return clock_ms(CLOCK_REALTIME);
}

static uint64_t next_random(stafet_client_t *c) {
  uint64_t x = c->rng ? c->rng : 0x2545f4914f6cdd1dull;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return c->rng = x;
}

int64_t sdk_backoff_ms(stafet_client_t *c, unsigned attempt) {
  unsigned shift = attempt > BACKOFF_MAX_SHIFT ? BACKOFF_MAX_SHIFT : attempt;
  uint64_t base = (uint64_t)c->reconnect_min_ms << shift;
  if (base > c->reconnect_max_ms)
    base = c->reconnect_max_ms;
  /* Full jitter on the upper half: many clients of a restarted hub spread out. */
  uint64_t half = base / 2;
  return (int64_t)(half + next_random(c) % (base - half + 1));
}

int sdk_socket_open(stafet_client_t *c) {
  int zero = 0, one = 1;
  void *s = zmq_socket(c->zctx, ZMQ_DEALER);
  if (!s)
    return STAFET_EIO;
  if (c->curve_server[0] && (zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, c->curve_server, 40) < 0 ||
                             zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, c->curve_public, 40) < 0 ||
                             zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, c->curve_secret, 40) < 0)) {
    zmq_close(s);
    return STAFET_EINVAL;
  }
  if (zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero) < 0 ||
      zmq_setsockopt(s, ZMQ_IMMEDIATE, &one, sizeof one) < 0 ||
      zmq_setsockopt(s, ZMQ_SNDHWM, &zero, sizeof zero) < 0 ||
      zmq_connect(s, c->endpoints[c->endpoint_index]) < 0) {
    int err = errno;
    zmq_close(s);
    return err == EINVAL || err == EPROTONOSUPPORT ? STAFET_EINVAL : STAFET_EIO;
  }
  c->sock = s;
  return 0;
}

void sdk_socket_close(stafet_client_t *c) {
  if (c->sock)
    zmq_close(c->sock);
  c->sock = NULL;
}

static int send_error(void) {
  return errno == EAGAIN ? STAFET_EUNAVAIL : STAFET_EIO;
}

int sdk_send_frame(stafet_client_t *c, Stafet__Wire__V1__Frame *f, uint64_t *seq_out) {
  return sdk_send_frame_payload(c, f, NULL, 0, seq_out);
}

int sdk_send_frame_payload(stafet_client_t *c, Stafet__Wire__V1__Frame *f, const void *payload,
                           size_t len, uint64_t *seq_out) {
  if (!c->sock)
    return STAFET_ECLOSED;
  f->seq = c->next_seq++;
  zmq_msg_t m;
  if (zmq_msg_init_size(&m, stafet__wire__v1__frame__get_packed_size(f)) < 0)
    return STAFET_ENOMEM;
  stafet__wire__v1__frame__pack(f, zmq_msg_data(&m)); /* straight into the message */
  if (zmq_msg_send(&m, c->sock, ZMQ_DONTWAIT | (payload ? ZMQ_SNDMORE : 0)) < 0) {
    int rc = send_error();
    zmq_msg_close(&m);
    return rc;
  }
  /* Once the first part is queued ZeroMQ takes the rest of the message. */
  if (payload && zmq_send(c->sock, len ? payload : "", len, ZMQ_DONTWAIT) < 0)
    return STAFET_EIO;
  c->last_send = sdk_now_ms();
  if (seq_out)
    *seq_out = f->seq;
  return 0;
}

int sdk_send_entry(stafet_client_t *c, sdk_entry_t *e) {
  if (!c->sock)
    return STAFET_ECLOSED;
  int more = e->payload_len > 0 ? ZMQ_SNDMORE : 0;
  if (zmq_send(c->sock, e->data, e->frame_len, ZMQ_DONTWAIT | more) < 0)
    return send_error();
  /* Once the first part is queued ZeroMQ takes the rest of the message. */
  if (more && zmq_send(c->sock, sdk_entry_payload(e), e->payload_len, ZMQ_DONTWAIT) < 0)
    return STAFET_EIO;
  c->last_send = sdk_now_ms();
  e->sent_at = c->last_send; /* an answer is due from now on (outbox.c) */
  return 0;
}

/* Sends up to SDK_PUBLISHES_PER_MESSAGE unsent entries as one message of pairs. */
static int send_pairs(stafet_client_t *c) {
  sdk_outbox_t *ob = &c->outbox;
  size_t n = ob->unsent < SDK_PUBLISHES_PER_MESSAGE ? ob->unsent : SDK_PUBLISHES_PER_MESSAGE;
  int64_t now = sdk_now_ms();
  sdk_entry_t *e = sdk_outbox_unsent(ob);
  for (size_t i = 0; i < n; i++, e = e->next) {
    if (zmq_send(c->sock, e->data, e->frame_len, ZMQ_DONTWAIT | ZMQ_SNDMORE) < 0)
      return i == 0 ? send_error() : STAFET_EIO; /* after the first part ZeroMQ takes the rest */
    int last = i + 1 == n ? 0 : ZMQ_SNDMORE;
    if (zmq_send(c->sock, sdk_entry_payload(e), e->payload_len, ZMQ_DONTWAIT | last) < 0)
      return STAFET_EIO;
    e->sent_at = now; /* an answer is due from now on (outbox.c) */
    sdk_outbox_mark_sent(ob);
  }
  c->last_send = now;
  return 0;
}

int sdk_send_unsent(stafet_client_t *c) {
  sdk_outbox_t *ob = &c->outbox;
  sdk_entry_t *e;
  int rc;
  while ((e = sdk_outbox_unsent(ob))) {
    if (c->batch_publishes && ob->unsent > 1)
      rc = send_pairs(c);
    else if ((rc = sdk_send_entry(c, e)) == 0)
      sdk_outbox_mark_sent(ob);
    if (rc < 0)
      return rc;
  }
  return 0;
}
