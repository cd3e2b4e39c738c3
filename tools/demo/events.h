/*
 * events.h — synthetic back-office events for stafet-demo.
 *
 * Event n (0, 1, 2, ...) is, round robin, a cpr.person.relocated,
 * debt.claim.created, case.case.status_changed or contact.call.ended, with a
 * payload serialized from the matching message in schemas/stafet/events/v1,
 * tenant 0751 and the attributes a subscription would filter on (kle,
 * department). Every CPR number is synthetic: day 01-28, month 01-12 and a
 * serial from n, never a real person's.
 */
#ifndef STAFET_DEMO_EVENTS_H
#define STAFET_DEMO_EVENTS_H

#include "stafet.h"

#include <stddef.h>

#define DEMO_TENANT "0751"

typedef struct demo_event {
  stafet_envelope_t env; /* points into this struct and static strings */
  stafet_attribute_t attrs[2];
  char cpr[12]; /* "DDMMYY-SSSS" */
  char kle[12];
  unsigned char *payload; /* owned: demo_event_free() */
  size_t payload_len;
} demo_event_t;

/* Writes the synthetic CPR number of event n ("DDMMYY-SSSS") to out. */
void demo_synthetic_cpr(unsigned n, char out[12]);

/*
 * Fills ev with event n, occurred at occurred_at_ms. On success ev owns its
 * payload (demo_event_free()). 0 or STAFET_ENOMEM.
 */
int demo_event_make(unsigned n, int64_t occurred_at_ms, demo_event_t *ev);

/* Frees what ev owns (not ev itself). */
void demo_event_free(demo_event_t *ev);

/*
 * Decodes a payload of one of the four demo types (by type_name) and writes
 * the CPR number it names to out (size > 0). Returns 0, or STAFET_ENOTFOUND
 * for other types, payloads without a CPR number or undecodable ones.
 */
int demo_payload_cpr(const char *type_name, const void *payload, size_t len, char *out,
                     size_t size);

#endif
