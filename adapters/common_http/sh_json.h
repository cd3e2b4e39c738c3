/*
 * sh_json.h — reading the JSON bodies systems post to the HTTP adapters,
 * with one stable error code and a message naming the field for every way
 * a body can be wrong. The codes are part of each adapter's HTTP API
 * (docs/case-adapter.md, docs/contact-adapter.md):
 *
 *   INVALID_JSON    the body does not parse (the message says where)
 *   NOT_AN_OBJECT   the body is JSON but not an object
 *   MISSING_FIELD   a required field is absent or null
 *   INVALID_FIELD   a field has the wrong type, length or value
 *   INVALID_CPR     a CPR number that is not DDMMYY-SSSS
 *   INVALID_TIME    a time that is neither Unix ms nor YYYY-MM-DDTHH:MM:SS[.fff]Z
 *
 * Every getter returns 0, or STAFET_EINVAL after filling *e.
 */
#ifndef STAFET_SH_JSON_H
#define STAFET_SH_JSON_H

#include "sh_cpr.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sh_verr {
  const char *code; /* static string, one of the codes above or an adapter's own */
  char message[256];
} sh_verr_t;

/* Fills e and returns STAFET_EINVAL. */
int sh_verr_set(sh_verr_t *e, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parses body as a JSON object; *out is a new reference owned by the caller. */
int sh_json_parse_object(const char *body, size_t len, json_t **out, sh_verr_t *e);

/* String field obj[key] (path names it in messages, e.g. "case.title").
 * *out points into obj (NULL when absent and not required). max_len 0: 256. */
int sh_json_string(const json_t *obj, const char *key, const char *path, int required,
                   size_t max_len, const char **out, sh_verr_t *e);
/* Integer field in [min, max]; *out unchanged when absent and not required. */
int sh_json_int(const json_t *obj, const char *key, const char *path, int required, int64_t min,
                int64_t max, int64_t *out, sh_verr_t *e);
/* Boolean field; *out unchanged when absent and not required. */
int sh_json_bool(const json_t *obj, const char *key, const char *path, int required, int *out,
                 sh_verr_t *e);
/* A time: Unix milliseconds (integer) or "YYYY-MM-DDTHH:MM:SS[.fff]Z".
 * *out unchanged when absent and not required. */
int sh_json_time_ms(const json_t *obj, const char *key, const char *path, int required,
                    int64_t *out, sh_verr_t *e);
/* A CPR number, normalised to DDMMYY-SSSS into out ("" when absent and not
 * required). */
int sh_json_cpr(const json_t *obj, const char *key, const char *path, int required,
                char out[SH_CPR_LEN + 1], sh_verr_t *e);
/* Maps a string field through a table of names (NULL-terminated) to its
 * index + first_value; unknown names are INVALID_FIELD listing the choices. */
int sh_json_enum(const json_t *obj, const char *key, const char *path, int required,
                 const char *const *names, int first_value, int *out, sh_verr_t *e);
/* doc["event"] must be one of names (NULL-terminated); *index gets its
 * position. Anything else is UNKNOWN_EVENT naming the choices. */
int sh_json_event_kind(const json_t *doc, const char *const *names, int *index, sh_verr_t *e);
/* doc["tenant"] must be a four-digit kommunekode (INVALID_TENANT). */
int sh_json_tenant(const json_t *doc, char out[5], sh_verr_t *e);
/* Optional doc["event_id"] (1-128 printable ASCII): the sender's own id of
 * the event, turned into a stable message id "<prefix>-<32 hex of
 * sha256(scope "\n" event_id)>" so that a re-post is stored once by the
 * hub's dedupe. out is "" when there is no event_id. */
int sh_json_event_id(const json_t *doc, const char *prefix, const char *scope, char out[65],
                     sh_verr_t *e);
/* Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" to Unix ms. Returns 0 or STAFET_EINVAL. */
int sh_parse_iso_ms(const char *s, int64_t *out);

#endif
