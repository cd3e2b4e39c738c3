/*
 * envcodec.h — one event (envelope + payload) as one byte string, in the
 * wire format's own Envelope encoding: [u32 envelope length][Envelope
 * protobuf][payload]. The outbox journal stores publishes this way, and the
 * host keeps a delivery or request this way while the plugin is busy (see
 * defer.h). Built on libstafet's envelope codec, so there is one mapping
 * between stafet_envelope_t and the wire, not two.
 */
#ifndef STAFET_HOST_ENVCODEC_H
#define STAFET_HOST_ENVCODEC_H

#include "codec.h" /* libstafet's envelope codec (adapters/sdk/src) */
#include "stafet.h"

#include <stddef.h>

/*
 * Encodes env, with message_id in place of env->message_id, and the payload
 * into a new buffer: on success *out (free()) and *out_len belong to the
 * caller. 0, STAFET_EINVAL (more than SDK_MAX_ATTRIBUTES attributes) or
 * STAFET_ENOMEM.
 */
int envcodec_pack(const stafet_envelope_t *env, const char *message_id, const void *payload,
                  size_t len, void **out, size_t *out_len);

/* A decoded event. env's strings and payload borrow from the view and the
 * bytes it was decoded from: both must outlive every use. */
typedef struct envcodec_view {
  Stafet__Wire__V1__Envelope *wire; /* owned: envcodec_view_free() */
  stafet_envelope_t env;
  stafet_attribute_t attrs[SDK_MAX_ATTRIBUTES];
  const void *payload;
  size_t payload_len;
} envcodec_view_t;

/* Decodes bytes made by envcodec_pack(). 0 or STAFET_EPROTO (corrupt). */
int envcodec_view(envcodec_view_t *v, const void *data, size_t len);
void envcodec_view_free(envcodec_view_t *v);

#endif
