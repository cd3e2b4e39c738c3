/*
 * codec.h — between the public stafet_envelope_t and the generated
 * Stafet__Wire__V1__Envelope, plus the checks the SDK makes before a publish
 * leaves the process (the same rules the hub applies, docs/protocol.md
 * "Publishing"), so a bad topic fails at once instead of after a round trip.
 *
 * No sockets here: everything is testable with plain structs.
 */
#ifndef STAFET_SDK_CODEC_H
#define STAFET_SDK_CODEC_H

#include "stafet.h"
#include "stafet/wire/v1/wire.pb-c.h"

#define SDK_MAX_ATTRIBUTES 32

/* 1 if topic is lower snake case segments joined by dots, within the limits. */
int sdk_topic_valid(const char *topic);

/* 1 if id is 1..64 printable ASCII bytes. */
int sdk_message_id_valid(const char *id);

/*
 * Checks an envelope for publishing: 0, STAFET_ETOPIC or STAFET_EINVAL (bad
 * message_id, too many or malformed attributes).
 */
int sdk_envelope_check(const stafet_envelope_t *env);

/* Storage for the attributes of one wire envelope (lives on the caller's stack). */
typedef struct sdk_wire_attrs {
  Stafet__Wire__V1__Attribute items[SDK_MAX_ATTRIBUTES];
  Stafet__Wire__V1__Attribute *ptrs[SDK_MAX_ATTRIBUTES];
} sdk_wire_attrs_t;

/*
 * Fills w (initialised here) from env, with message_id in place of
 * env->message_id. w borrows every string from env and message_id, and its
 * attributes from store: all must outlive w. env must have passed
 * sdk_envelope_check().
 */
void sdk_envelope_to_wire(const stafet_envelope_t *env, const char *message_id,
                          Stafet__Wire__V1__Envelope *w, sdk_wire_attrs_t *store);

/*
 * Makes out a view of w: out borrows every string from w (NULL strings become
 * ""), and out->attributes points at attrs, which must hold w->n_attributes
 * items. Valid while w and attrs are.
 */
void sdk_envelope_view(const Stafet__Wire__V1__Envelope *w, stafet_envelope_t *out,
                       stafet_attribute_t *attrs);

/*
 * Serializes a frame into a new buffer. On success *buf is owned by the
 * caller (free()). 0 or STAFET_ENOMEM.
 */
int sdk_frame_pack(const Stafet__Wire__V1__Frame *f, unsigned char **buf, size_t *len);

#endif
