/*
 * person_json.h — the answer of the cpr.person.get service: JSON (UTF-8),
 * documented in docs/cpr-format.md. JSON because its main reader, the
 * contact centre's citizen overview, merges it into JSON for the agent
 * desktop; a consumer in any language reads it without our .proto files.
 *
 * A person with name and address protection is answered with
 * "protected": true and, unless the adapter is configured to include them,
 * without name and address ("withheld": ["name", "address"]).
 */
#ifndef STAFET_CPR_PERSON_JSON_H
#define STAFET_CPR_PERSON_JSON_H

#include "store.h"

#include <stddef.h>

/* Renders p. withhold != 0: leave out name and address when p is protected.
 * On success *out (NUL-terminated, *len bytes) is the caller's to free(). */
int cpr_person_json(const cpr_person_t *p, int withhold, char **out, size_t *len);

/* {"cpr": "...", "found": false} for a number the register does not know;
 * cpr is the normal form DDMMYY-SSSS. */
int cpr_person_json_not_found(const char *cpr, char **out, size_t *len);

#endif
