/*
 * raw.c — see raw.h.
 */
#include "raw.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

int raw_open(raw_client_t *rc, const char *endpoint) {
  rc->ctx = zmq_ctx_new();
  rc->sock = zmq_socket(rc->ctx, ZMQ_DEALER);
  int linger = 0;
  zmq_setsockopt(rc->sock, ZMQ_LINGER, &linger, sizeof linger);
  return zmq_connect(rc->sock, endpoint);
}

void raw_close(raw_client_t *rc) {
  zmq_close(rc->sock);
  zmq_ctx_term(rc->ctx);
}

int raw_send_bytes(raw_client_t *rc, const void *const *frames, const size_t *lens, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (zmq_send(rc->sock, frames[i], lens[i], i + 1 < n ? ZMQ_SNDMORE : 0) < 0)
      return -1;
  return 0;
}

int raw_send(raw_client_t *rc, const Stafet__Wire__V1__Frame *f, const void *payload, size_t len) {
  size_t n = stafet__wire__v1__frame__get_packed_size(f);
  uint8_t *buf = malloc(n ? n : 1);
  stafet__wire__v1__frame__pack(f, buf);
  const void *frames[] = {buf, payload};
  size_t lens[] = {n, len};
  int rc_ = raw_send_bytes(rc, frames, lens, payload ? 2 : 1);
  free(buf);
  return rc_;
}

Stafet__Wire__V1__Frame *raw_recv(raw_client_t *rc, int timeout_ms) {
  for (;;) {
    zmq_pollitem_t item = {rc->sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, timeout_ms) <= 0)
      return NULL;
    zmq_msg_t m;
    zmq_msg_init(&m);
    zmq_msg_recv(&m, rc->sock, 0);
    Stafet__Wire__V1__Frame *f =
        stafet__wire__v1__frame__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
    while (zmq_msg_more(&m)) {
      zmq_msg_close(&m);
      zmq_msg_init(&m);
      zmq_msg_recv(&m, rc->sock, 0);
    }
    zmq_msg_close(&m);
    if (f != NULL && f->body_case == STAFET__WIRE__V1__FRAME__BODY_HEARTBEAT) {
      stafet__wire__v1__frame__free_unpacked(f, NULL);
      continue;
    }
    return f;
  }
}

bool raw_hello(raw_client_t *rc, const char *adapter) {
  return raw_hello_acks(rc, adapter, false);
}

bool raw_hello_acks(raw_client_t *rc, const char *adapter, bool accepts_publish_acks) {
  return raw_hello_opts(rc, adapter, accepts_publish_acks, false);
}

bool raw_hello_opts(raw_client_t *rc, const char *adapter, bool accepts_publish_acks,
                    bool accepts_deliver_batches) {
  Stafet__Wire__V1__Hello hello = STAFET__WIRE__V1__HELLO__INIT;
  hello.protocol_version = 1;
  hello.adapter = (char *)adapter;
  hello.accepts_publish_acks = accepts_publish_acks;
  hello.accepts_deliver_batches = accepts_deliver_batches;
  Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
  f.seq = 1;
  f.body_case = STAFET__WIRE__V1__FRAME__BODY_HELLO;
  f.hello = &hello;
  raw_send(rc, &f, NULL, 0);
  Stafet__Wire__V1__Frame *w = raw_recv(rc, 5000);
  bool ok = w != NULL && w->body_case == STAFET__WIRE__V1__FRAME__BODY_WELCOME;
  if (w)
    stafet__wire__v1__frame__free_unpacked(w, NULL);
  return ok;
}

uint8_t *raw_pack_publish(uint64_t seq, const char *id, const char *topic, size_t *len) {
  Stafet__Wire__V1__Envelope env = STAFET__WIRE__V1__ENVELOPE__INIT;
  env.message_id = (char *)id;
  env.topic = (char *)topic;
  Stafet__Wire__V1__Publish pub = STAFET__WIRE__V1__PUBLISH__INIT;
  pub.envelope = &env;
  Stafet__Wire__V1__Frame f = STAFET__WIRE__V1__FRAME__INIT;
  f.seq = seq;
  f.body_case = STAFET__WIRE__V1__FRAME__BODY_PUBLISH;
  f.publish = &pub;
  *len = stafet__wire__v1__frame__get_packed_size(&f);
  uint8_t *buf = malloc(*len ? *len : 1);
  stafet__wire__v1__frame__pack(&f, buf);
  return buf;
}

int raw_send_publish(raw_client_t *rc, uint64_t seq, const char *id, const char *topic) {
  size_t lens[2] = {0, 1};
  uint8_t *frame = raw_pack_publish(seq, id, topic, &lens[0]);
  const void *parts[2] = {frame, "x"};
  int rc_ = raw_send_bytes(rc, parts, lens, 2);
  free(frame);
  return rc_;
}

Stafet__Wire__V1__Frame *raw_publish(raw_client_t *rc, uint64_t seq, const char *id,
                                     const char *topic) {
  raw_send_publish(rc, seq, id, topic);
  return raw_recv(rc, 5000);
}
