/*
 * contact_overview.h — the citizen overview of the agent desktop, as data:
 * three parts (person from cpr.person.get, debt from debt.summary.get, cases
 * from case.list.get), each answered, failed or still pending, merged into
 * one JSON document. A part whose system did not answer is marked, never
 * fatal:
 *
 *   {"cpr": "010190-1234", "complete": false, "elapsed_ms": 41,
 *    "person": {"status": "ok", "data": {...cpr.person.get's JSON...}},
 *    "debt":   {"status": "unavailable", "error": "NO_PROVIDER", "message": "..."},
 *    "cases":  {"status": "ok", "data": {...}}}
 *
 * Error codes of a part: NO_PROVIDER, DEADLINE_EXCEEDED, PROVIDER_ERROR,
 * HUB_UNAVAILABLE, INVALID_REPLY (not JSON), REQUEST_FAILED. No I/O here:
 * the unit tests feed it answers.
 */
#ifndef STAFET_CONTACT_OVERVIEW_H
#define STAFET_CONTACT_OVERVIEW_H

#include <jansson.h>
#include <stddef.h>

typedef enum { OV_PENDING, OV_OK, OV_FAILED } ov_state_t;

enum { OV_PERSON, OV_DEBT, OV_CASES, OV_PARTS };

typedef struct ov_part {
  const char *name;    /* "person", "debt", "cases" (static) */
  const char *service; /* "cpr.person.get", ... (static) */
  ov_state_t state;
  json_t *data;      /* OV_OK: owned */
  const char *error; /* OV_FAILED: static code */
  char message[200];
} ov_part_t;

/* The three parts, pending, with their names and services. */
void ov_parts_init(ov_part_t parts[OV_PARTS]);
void ov_parts_free(ov_part_t parts[OV_PARTS]);
/* A reply arrived: JSON -> OV_OK, anything else -> OV_FAILED INVALID_REPLY.
 * Ignored unless the part is pending. */
void ov_part_answer(ov_part_t *p, const void *payload, size_t len);
/* A request failed with a STAFET_E* status (and the hub's or provider's
 * text, may be NULL). Ignored unless the part is pending. */
void ov_part_fail(ov_part_t *p, int status, const char *text);
/* The error code a STAFET_E* status of a request stands for. */
const char *ov_error_code(int status);
/* The merged document (new reference, the caller's): pending parts are
 * reported as DEADLINE_EXCEEDED. */
json_t *ov_render(const char *cpr, const ov_part_t parts[OV_PARTS], long long elapsed_ms);

#endif
