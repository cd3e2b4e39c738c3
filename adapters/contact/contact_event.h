/*
 * contact_event.h — the JSON the contact centre's systems (telephony,
 * booking, queue system) post to the contact adapter, validated and turned
 * into contact.* events (schemas/stafet/events/v1/contact.proto). No I/O:
 * the unit tests run it on strings. Format and error codes:
 * docs/contact-adapter.md.
 *
 *   contact_event_t ev;  sh_verr_t err;
 *   if (contact_event_parse(body, len, &ev, &err) != 0) -> 400 {err.code, err.message}
 *   contact_event_pack(&ev, &buf, &n);  ... publish ...;  free(buf);  contact_event_free(&ev);
 */
#ifndef STAFET_CONTACT_EVENT_H
#define STAFET_CONTACT_EVENT_H

#include "sh_json.h"
#include "stafet.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
  CONTACT_EV_INQUIRY,
  CONTACT_EV_CALL_ENDED,
  CONTACT_EV_BOOKING_CREATED,
  CONTACT_EV_BOOKING_CANCELLED,
} contact_event_kind_t;

#define CONTACT_MAX_ATTRS 3

/* A validated event; strings point into doc (owned) or are static. */
typedef struct contact_event {
  contact_event_kind_t kind;
  const char *topic;     /* "contact.call.ended", ... */
  const char *type_name; /* "stafet.events.v1.contact.CallEnded", ... */
  char message_id[65];   /* from event_id, or "" */
  char tenant[5];
  int64_t occurred_at_ms; /* 0: not given */
  char cpr[SH_CPR_LEN + 1];
  const char *id; /* inquiry_id, call_id or booking_id */
  /* inquiry */
  int channel;
  const char *topic_text, *queue;
  /* call */
  int64_t wait_seconds, talk_seconds;
  int resolved;
  const char *transferred_to;
  /* booking */
  int service;
  int64_t slot_start_ms, slot_end_ms;
  const char *location, *reason;
  json_t *doc; /* owned */
} contact_event_t;

/* Validates body. On success free ev with contact_event_free; on failure e
 * says why and ev needs no free. Returns 0 or STAFET_EINVAL. */
int contact_event_parse(const char *body, size_t len, contact_event_t *ev, sh_verr_t *e);
void contact_event_free(contact_event_t *ev);

/* Serialises the protobuf payload; *buf is malloc'ed, the caller's.
 * Returns 0 or STAFET_ENOMEM. */
int contact_event_pack(const contact_event_t *ev, uint8_t **buf, size_t *len);

/* Filter attributes (channel, queue; resolved, transferred_to; service,
 * location), pointing into ev or static; returns how many. */
size_t contact_event_attributes(const contact_event_t *ev,
                                stafet_attribute_t attrs[CONTACT_MAX_ATTRS]);

#endif
