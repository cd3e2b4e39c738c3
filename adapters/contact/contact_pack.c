/*
 * contact_pack.c — a validated contact event as its contact.proto message
 * (contact_event_pack in contact_event.h), built on the stack.
 */
#include "contact_event.h"

#include "stafet/events/v1/contact.pb-c.h"

#include "sh_pb.h"

#include <stdlib.h>

#define STR(s) ((char *)((s) != NULL ? (s) : ""))

static int pack_inquiry(const contact_event_t *ev, uint8_t **buf, size_t *len) {
  Stafet__Events__V1__Contact__InquiryReceived m =
      STAFET__EVENTS__V1__CONTACT__INQUIRY_RECEIVED__INIT;
  m.inquiry_id = STR(ev->id);
  m.channel = (Stafet__Events__V1__Contact__Channel)ev->channel;
  m.topic = STR(ev->topic_text);
  m.cpr = (char *)ev->cpr;
  m.queue = STR(ev->queue);
  m.received_at_ms = ev->occurred_at_ms;
  return sh_pb_pack(&m.base, buf, len);
}

static int pack_call(const contact_event_t *ev, uint8_t **buf, size_t *len) {
  Stafet__Events__V1__Contact__CallEnded m = STAFET__EVENTS__V1__CONTACT__CALL_ENDED__INIT;
  m.call_id = STR(ev->id);
  m.wait_seconds = (uint32_t)ev->wait_seconds;
  m.talk_seconds = (uint32_t)ev->talk_seconds;
  m.resolved_first_contact = ev->resolved;
  m.transferred_to = STR(ev->transferred_to);
  m.cpr = (char *)ev->cpr;
  return sh_pb_pack(&m.base, buf, len);
}

static int pack_booking(const contact_event_t *ev, uint8_t **buf, size_t *len) {
  if (ev->kind == CONTACT_EV_BOOKING_CANCELLED) {
    Stafet__Events__V1__Contact__BookingCancelled m =
        STAFET__EVENTS__V1__CONTACT__BOOKING_CANCELLED__INIT;
    m.booking_id = STR(ev->id);
    m.reason = STR(ev->reason);
    m.cpr = (char *)ev->cpr;
    return sh_pb_pack(&m.base, buf, len);
  }
  Stafet__Events__V1__Contact__BookingCreated m =
      STAFET__EVENTS__V1__CONTACT__BOOKING_CREATED__INIT;
  m.booking_id = STR(ev->id);
  m.service = (Stafet__Events__V1__Contact__Service)ev->service;
  m.slot_start_ms = ev->slot_start_ms;
  m.slot_end_ms = ev->slot_end_ms;
  m.cpr = (char *)ev->cpr;
  m.location = STR(ev->location);
  return sh_pb_pack(&m.base, buf, len);
}

int contact_event_pack(const contact_event_t *ev, uint8_t **buf, size_t *len) {
  if (ev->kind == CONTACT_EV_INQUIRY)
    return pack_inquiry(ev, buf, len);
  if (ev->kind == CONTACT_EV_CALL_ENDED)
    return pack_call(ev, buf, len);
  return pack_booking(ev, buf, len);
}
