/*
 * case_party.h — what the case adapter sends the ESDH's REST API when the
 * CPR register reports a change of a person who may be a party to cases:
 *
 *   cpr.person.relocated    -> PUT {base}/api/parties/{cpr}
 *                              {"cpr", "change": "relocated", "message_id",
 *                               "address": {...}, "kommunekode", "move_date"}
 *   cpr.person.name_changed -> PUT {base}/api/parties/{cpr}
 *                              {"cpr", "change": "name_changed", "message_id",
 *                               "first_names", "last_name", "effective_date"}
 *
 * The PUT is idempotent (the ESDH keeps the party's latest data; the
 * message id also goes in an Idempotency-Key header), so a retry or a
 * redelivery does no harm. No I/O here: the unit tests run it on payloads.
 */
#ifndef STAFET_CASE_PARTY_H
#define STAFET_CASE_PARTY_H

#include "sh_cpr.h"
#include "sh_json.h"

#include <stddef.h>

typedef struct case_party_update {
  char cpr[SH_CPR_LEN + 1];
  char *body; /* JSON, malloc'ed: free with case_party_update_free */
} case_party_update_t;

/* Decodes a cpr.person.relocated / name_changed payload (protobuf) into the
 * update. Returns 0, or STAFET_EINVAL with e filled (undecodable payload,
 * bad CPR, unknown topic): such a delivery can never succeed and is
 * dead-lettered with that reason. */
int case_party_update_build(const char *topic, const void *payload, size_t len,
                            const char *message_id, case_party_update_t *out, sh_verr_t *e);
void case_party_update_free(case_party_update_t *u);

/* The URL of the party: base (no trailing slash needed) + /api/parties/{cpr}.
 * Writes at most size bytes; returns 0 or STAFET_EINVAL if it does not fit. */
int case_party_url(const char *base, const char *cpr, char *out, size_t size);

#endif
