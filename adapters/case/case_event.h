/*
 * case_event.h — the JSON the ESDH posts to the case adapter (one event per
 * request), validated and turned into a case.* event: topic, type name,
 * filter attributes (kle, department, case_type), tenant, sensitivity and the
 * protobuf payload (schemas/stafet/events/v1/case.proto). No I/O here, so the
 * unit tests run it on strings. The format and error codes are documented in
 * docs/case-adapter.md.
 *
 *   case_event_t ev;  sh_verr_t err;
 *   if (case_event_parse(body, len, &ev, &err) != 0) -> 400 {err.code, err.message}
 *   case_event_pack(&ev, &buf, &n);  ... publish ...;  free(buf);  case_event_free(&ev);
 */
#ifndef STAFET_CASE_EVENT_H
#define STAFET_CASE_EVENT_H

#include "sh_json.h"
#include "stafet.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define CASE_MAX_PARTIES 50

typedef enum {
  CASE_EV_OPENED,
  CASE_EV_STATUS_CHANGED,
  CASE_EV_CLOSED,
  CASE_EV_DOCUMENT,
} case_event_kind_t;

typedef struct case_party {
  char cpr[SH_CPR_LEN + 1]; /* "" when the party is a company */
  char cvr[9];              /* "" when the party is a person */
} case_party_t;

/* A validated event. Strings point into doc (owned) or are static. */
typedef struct case_event {
  case_event_kind_t kind;
  const char *topic;     /* "case.case.opened", ... (static) */
  const char *type_name; /* "stafet.events.v1.casemgmt.CaseOpened", ... (static) */
  char message_id[65];   /* from event_id (stable across re-posts), or "" */
  char tenant[5];
  int64_t occurred_at_ms; /* 0: not given */
  const char *case_id, *system, *kle, *department, *title, *case_type, *outcome;
  case_party_t parties[CASE_MAX_PARTIES];
  size_t n_parties;
  int status, old_status, new_status; /* CaseStatus values */
  const char *document_id, *document_title;
  int direction; /* DocumentJournalised.Direction */
  json_t *doc;   /* owned */
} case_event_t;

/* Validates body. On success ev holds the event (free with case_event_free);
 * on failure e has the code and message and ev needs no free.
 * Returns 0 or STAFET_EINVAL. */
int case_event_parse(const char *body, size_t len, case_event_t *ev, sh_verr_t *e);
void case_event_free(case_event_t *ev);

/* Serialises the protobuf payload. *buf is malloc'ed, owned by the caller.
 * Returns 0 or STAFET_ENOMEM. */
int case_event_pack(const case_event_t *ev, uint8_t **buf, size_t *len);

/* Fills up to 3 attributes (kle, department, case_type; empty ones left out)
 * pointing into ev; returns how many. */
size_t case_event_attributes(const case_event_t *ev, stafet_attribute_t attrs[3]);

/* 1 if any party is a person (the event is PERSONAL). */
int case_event_personal(const case_event_t *ev);

/* The status names of the JSON API ("open", ...) for CaseStatus value v
 * (1..5), or "unspecified". */
const char *case_status_name(int v);

/* 1 if kle is a KLE subject number NN.NN.NN (main group, group, subject). */
int case_kle_valid(const char *kle);

#endif
