/*
 * contact_event.c — validation of contact-centre events (see
 * contact_event.h and docs/contact-adapter.md).
 */
#include "contact_event.h"

#include <stdio.h>
#include <string.h>

static const char *const EVENT_NAMES[] = {"inquiry.received", "call.ended", "booking.created",
                                          "booking.cancelled", NULL};
static const char *const TOPICS[] = {"contact.inquiry.received", "contact.call.ended",
                                     "contact.booking.created", "contact.booking.cancelled"};
static const char *const TYPE_NAMES[] = {
    "stafet.events.v1.contact.InquiryReceived", "stafet.events.v1.contact.CallEnded",
    "stafet.events.v1.contact.BookingCreated", "stafet.events.v1.contact.BookingCancelled"};
static const char *const CHANNELS[] = {"phone", "visit", "digital", "chat", NULL};
static const char *const SERVICES[] = {"pas", "koerkort", "mitid", "vielse", "other", NULL};
#define SERVICE_OTHER 99

static int parse_kind(const json_t *doc, contact_event_t *ev, sh_verr_t *e) {
  int i;
  int rc = sh_json_event_kind(doc, EVENT_NAMES, &i, e);
  if (rc != 0)
    return rc;
  ev->kind = (contact_event_kind_t)i;
  ev->topic = TOPICS[i];
  ev->type_name = TYPE_NAMES[i];
  return 0;
}

static int parse_header(const json_t *doc, contact_event_t *ev, sh_verr_t *e) {
  int rc = sh_json_tenant(doc, ev->tenant, e);
  rc = rc ? rc : sh_json_event_id(doc, "contact", ev->tenant, ev->message_id, e);
  rc = rc ? rc : sh_json_time_ms(doc, "occurred_at", "occurred_at", 0, &ev->occurred_at_ms, e);
  return rc ? rc : sh_json_cpr(doc, "cpr", "cpr", 0, ev->cpr, e);
}

static int parse_inquiry(const json_t *doc, contact_event_t *ev, sh_verr_t *e) {
  int rc = sh_json_string(doc, "inquiry_id", "inquiry_id", 1, 64, &ev->id, e);
  rc = rc ? rc : sh_json_enum(doc, "channel", "channel", 1, CHANNELS, 1, &ev->channel, e);
  rc = rc ? rc : sh_json_string(doc, "topic", "topic", 0, 128, &ev->topic_text, e);
  return rc ? rc : sh_json_string(doc, "queue", "queue", 0, 64, &ev->queue, e);
}

static int parse_call(const json_t *doc, contact_event_t *ev, sh_verr_t *e) {
  const int64_t day = 86400;
  int rc = sh_json_string(doc, "call_id", "call_id", 1, 64, &ev->id, e);
  rc = rc ? rc : sh_json_int(doc, "wait_seconds", "wait_seconds", 1, 0, day, &ev->wait_seconds, e);
  rc = rc ? rc : sh_json_int(doc, "talk_seconds", "talk_seconds", 1, 0, day, &ev->talk_seconds, e);
  rc = rc ? rc
          : sh_json_bool(doc, "resolved_first_contact", "resolved_first_contact", 1, &ev->resolved,
                         e);
  return rc ? rc
            : sh_json_string(doc, "transferred_to", "transferred_to", 0, 64, &ev->transferred_to,
                             e);
}

static int parse_booking(const json_t *doc, contact_event_t *ev, sh_verr_t *e) {
  int rc = sh_json_string(doc, "booking_id", "booking_id", 1, 64, &ev->id, e);
  if (ev->kind == CONTACT_EV_BOOKING_CANCELLED)
    return rc ? rc : sh_json_string(doc, "reason", "reason", 0, 256, &ev->reason, e);
  rc = rc ? rc : sh_json_enum(doc, "service", "service", 1, SERVICES, 1, &ev->service, e);
  if (rc == 0 && ev->service == 5)
    ev->service = SERVICE_OTHER;
  rc = rc ? rc : sh_json_time_ms(doc, "slot_start", "slot_start", 1, &ev->slot_start_ms, e);
  rc = rc ? rc : sh_json_time_ms(doc, "slot_end", "slot_end", 1, &ev->slot_end_ms, e);
  if (rc == 0 && ev->slot_end_ms < ev->slot_start_ms)
    return sh_verr_set(e, "INVALID_FIELD", "slot_end must not be before slot_start");
  return rc ? rc : sh_json_string(doc, "location", "location", 0, 128, &ev->location, e);
}

int contact_event_parse(const char *body, size_t len, contact_event_t *ev, sh_verr_t *e) {
  memset(ev, 0, sizeof *ev);
  json_t *doc;
  int rc = sh_json_parse_object(body, len, &doc, e);
  if (rc != 0)
    return rc;
  ev->doc = doc;
  rc = parse_kind(doc, ev, e);
  rc = rc ? rc : parse_header(doc, ev, e);
  if (rc == 0 && ev->kind == CONTACT_EV_INQUIRY)
    rc = parse_inquiry(doc, ev, e);
  else if (rc == 0 && ev->kind == CONTACT_EV_CALL_ENDED)
    rc = parse_call(doc, ev, e);
  else if (rc == 0)
    rc = parse_booking(doc, ev, e);
  if (rc != 0)
    contact_event_free(ev);
  return rc;
}

void contact_event_free(contact_event_t *ev) {
  json_decref(ev->doc);
  ev->doc = NULL;
}

static size_t add_attr(stafet_attribute_t *attrs, size_t n, const char *key, const char *value) {
  if (value == NULL || value[0] == '\0' || n >= CONTACT_MAX_ATTRS)
    return n;
  attrs[n] = (stafet_attribute_t){key, value};
  return n + 1;
}

size_t contact_event_attributes(const contact_event_t *ev,
                                stafet_attribute_t attrs[CONTACT_MAX_ATTRS]) {
  size_t n = 0;
  switch (ev->kind) {
  case CONTACT_EV_INQUIRY:
    n = add_attr(attrs, n, "channel", CHANNELS[ev->channel - 1]);
    return add_attr(attrs, n, "queue", ev->queue);
  case CONTACT_EV_CALL_ENDED:
    n = add_attr(attrs, n, "resolved_first_contact", ev->resolved ? "true" : "false");
    return add_attr(attrs, n, "transferred_to", ev->transferred_to);
  case CONTACT_EV_BOOKING_CREATED:
    n = add_attr(attrs, n, "service", SERVICES[ev->service == SERVICE_OTHER ? 4 : ev->service - 1]);
    return add_attr(attrs, n, "location", ev->location);
  case CONTACT_EV_BOOKING_CANCELLED: return 0;
  }
  return n;
}
