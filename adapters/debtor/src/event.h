/*
 * event.h — an export line as the debt.* event the debtor adapter publishes:
 * topic, protobuf payload (schemas/stafet/events/v1/debt.proto), and the
 * envelope fields that come from the line. The plugin adds the message id,
 * correlation id (the file name) and tenant (its kommunekode setting).
 *
 * Sensitivity: PERSONAL when the debtor is a person (CPR number), none for a
 * company (CVR). Attributes: debtor_kind (cpr/cvr), and claim_type, channel
 * or reason by kind. Never a CPR number.
 */
#ifndef STAFET_DEBT_EVENT_H
#define STAFET_DEBT_EVENT_H

#include "export.h"

#include "stafet.h"

#define DEBT_EVENT_MAX_ATTRS 2

typedef struct debt_event {
  const char *topic, *type_name; /* static */
  uint8_t *payload;              /* owned: debt_event_free() */
  size_t len;
  unsigned sensitivity;
  int64_t occurred_at_ms;
  stafet_attribute_t attrs[DEBT_EVENT_MAX_ATTRS];
  size_t n_attrs;
} debt_event_t;

/* Builds the event of a checked line: 0 or STAFET_ENOMEM. Free with
 * debt_event_free() in either case. */
int debt_event_build(const debt_row_t *row, debt_event_t *ev);
void debt_event_free(debt_event_t *ev);

/* Fills env from ev (pointing into it); the rest is the caller's. */
void debt_event_envelope(const debt_event_t *ev, stafet_envelope_t *env);

#endif
