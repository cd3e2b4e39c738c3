/*
 * event.h — a data record of a CPR change file as the event the cpr adapter
 * publishes: topic, protobuf payload (schemas/stafet/events/v1/cpr.proto)
 * and the envelope fields that come from the record (tenant, attributes,
 * occurred_at). The plugin adds what comes from the file and the store:
 * message id, correlation id, sensitivity.
 *
 * Attributes (for subscription filters): record_type ("002"), and per type
 * reason (birth/immigration), old_kommunekode and new_kommunekode,
 * civil_status (ugift, gift, ...), protection (on/off). Never a CPR number.
 */
#ifndef STAFET_CPR_EVENT_H
#define STAFET_CPR_EVENT_H

#include "record.h"

#include "stafet.h"

#include <stdint.h>

#define CPR_EVENT_MAX_ATTRS 4

typedef struct cpr_event {
  const char *topic;     /* static */
  const char *type_name; /* static: the payload's protobuf full name */
  uint8_t *payload;      /* owned: free with cpr_event_free() */
  size_t len;
  char tenant[5]; /* kommunekode after the change */
  int64_t occurred_at_ms;
  stafet_attribute_t attrs[CPR_EVENT_MAX_ATTRS]; /* point into attr_values or static */
  size_t n_attrs;
  char attr_values[CPR_EVENT_MAX_ATTRS][24];
} cpr_event_t;

/* Builds the event of a data record (001-007). STAFET_EINVAL for control
 * records, STAFET_ENOMEM. Free with cpr_event_free() in either case. */
int cpr_event_build(const cpr_record_t *rec, cpr_event_t *ev);
void cpr_event_free(cpr_event_t *ev);

/* Fills env from ev (pointing into it: ev must outlive env); message_id,
 * correlation_id and sensitivity are the caller's. */
void cpr_event_envelope(const cpr_event_t *ev, stafet_envelope_t *env);

/* "ugift", "gift", "skilt", "enke", "registreret_partner",
 * "oploest_partnerskab" for a civil status code, "" if unknown. */
const char *cpr_civil_status_name(char code);

#endif
