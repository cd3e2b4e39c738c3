/*
 * raw.h — a bare ZeroMQ DEALER speaking frames directly, for tests that must
 * send what libstafet never would (garbage, oversize, no Hello) or see errors
 * the SDK handles by itself (QUEUE_FULL is retried there).
 */
#ifndef STAFET_TEST_RAW_H
#define STAFET_TEST_RAW_H

#include "stafet/wire/v1/wire.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct raw_client {
  void *ctx;
  void *sock;
} raw_client_t;

int raw_open(raw_client_t *rc, const char *endpoint);
void raw_close(raw_client_t *rc);
/* Sends bytes as frames (n_frames of them). */
int raw_send_bytes(raw_client_t *rc, const void *const *frames, const size_t *lens,
                   size_t n_frames);
/* Packs and sends a Frame, with an optional payload frame. */
int raw_send(raw_client_t *rc, const Stafet__Wire__V1__Frame *f, const void *payload, size_t len);
/* Receives the next Frame that is not a Heartbeat (caller frees with
 * stafet__wire__v1__frame__free_unpacked), or NULL after timeout_ms. */
Stafet__Wire__V1__Frame *raw_recv(raw_client_t *rc, int timeout_ms);
/* Hello + Welcome (a client that wants one PublishAck frame per publish). */
bool raw_hello(raw_client_t *rc, const char *adapter);
/* Hello + Welcome; accepts_publish_acks: answers may come as PublishAcks. */
bool raw_hello_acks(raw_client_t *rc, const char *adapter, bool accepts_publish_acks);
/* Hello + Welcome with both options: answers may come as PublishAcks, and
 * deliveries several per message ([Deliver][payload] pairs). */
bool raw_hello_opts(raw_client_t *rc, const char *adapter, bool accepts_publish_acks,
                    bool accepts_deliver_batches);
/* A packed Publish frame with the given seq, id and topic; *len gets its
 * size (caller frees). */
uint8_t *raw_pack_publish(uint64_t seq, const char *id, const char *topic, size_t *len);
/* Sends a Publish with the given id and topic (payload "x"); does not wait. */
int raw_send_publish(raw_client_t *rc, uint64_t seq, const char *id, const char *topic);
/* Publishes with the given id and topic; returns the answer frame. */
Stafet__Wire__V1__Frame *raw_publish(raw_client_t *rc, uint64_t seq, const char *id,
                                     const char *topic);

#endif
