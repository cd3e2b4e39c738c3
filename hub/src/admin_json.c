/*
 * admin_json.c — JSON for the admin API from what the hub has: envelopes
 * (protobuf), stream entries (Redis replies) and plain text.
 *
 * Every string that came from a client or from Redis passes through
 * cpr_mask() on its way into JSON: the API, stafetctl and the dashboard show
 * "010190-****", never a whole CPR number. Numbers are not masked (a counter
 * is not personal data, and masking it would corrupt it).
 */
#include "admin_http.h"

#include "mask.h"
#include "queue_redis.h"
#include "stafet/wire/v1/envelope.pb-c.h"

#include <hiredis/hiredis.h>
#include <stdlib.h>
#include <string.h>

#define PREVIEW_MAX 200

json_t *json_masked(const char *text) {
  char stack[512];
  size_t len = text ? strlen(text) : 0;
  char *out = len < sizeof stack ? stack : malloc(len + 1);
  if (out == NULL)
    return json_string("");
  cpr_mask(text ? text : "", out, len + 1);
  json_t *j = json_string(out);
  if (j == NULL) /* not UTF-8: keep what is printable ASCII */
    for (char *p = out; *p; p++)
      if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
        *p = '?';
  if (j == NULL)
    j = json_string(out);
  if (out != stack)
    free(out);
  return j;
}

json_t *json_envelope(const void *bytes, size_t len) {
  Stafet__Wire__V1__Envelope *env = stafet__wire__v1__envelope__unpack(NULL, len, bytes);
  if (env == NULL)
    return json_null();
  json_t *attrs = json_object();
  for (size_t i = 0; attrs && i < env->n_attributes; i++)
    json_object_set_new(attrs, env->attributes[i]->key, json_masked(env->attributes[i]->value));
  json_t *j =
      json_pack("{s:o,s:o,s:o,s:i,s:o,s:I,s:I,s:o,s:o,s:o,s:i,s:o}", "message_id",
                json_masked(env->message_id), "topic", json_masked(env->topic), "type_name",
                json_masked(env->type_name), "schema_version", (int)env->schema_version, "source",
                json_masked(env->source), "occurred_at_ms", (json_int_t)env->occurred_at_ms,
                "published_at_ms", (json_int_t)env->published_at_ms, "correlation_id",
                json_masked(env->correlation_id), "causation_id", json_masked(env->causation_id),
                "tenant", json_masked(env->tenant), "sensitivity", (int)env->sensitivity,
                "attributes", attrs ? attrs : json_object());
  stafet__wire__v1__envelope__free_unpacked(env, NULL);
  return j ? j : json_null();
}

/* Printable ASCII of a payload ('.' for anything else), masked, cut to PREVIEW_MAX. */
static json_t *payload_preview(const char *bytes, size_t len) {
  char *text = malloc(len + 1), *masked = malloc(len + 1);
  json_t *j = NULL;
  if (text != NULL && masked != NULL) {
    for (size_t i = 0; i < len; i++)
      text[i] = bytes[i] >= 0x20 && bytes[i] <= 0x7e ? bytes[i] : '.';
    text[len] = '\0';
    cpr_mask(text, masked, len + 1);
    if (strlen(masked) > PREVIEW_MAX)
      masked[PREVIEW_MAX] = '\0';
    j = json_string(masked);
  }
  free(text);
  free(masked);
  return j ? j : json_string("");
}

static json_t *field_string(const redisReply *fields, const char *name) {
  const redisReply *r = reply_field(fields, name);
  return json_masked(r && r->type == REDIS_REPLY_STRING ? r->str : "");
}

static json_int_t field_int(const redisReply *fields, const char *name) {
  const redisReply *r = reply_field(fields, name);
  return r && r->type == REDIS_REPLY_STRING ? (json_int_t)strtoll(r->str, NULL, 10) : 0;
}

json_t *json_stream_entry(const redisReply *entry) {
  if (entry == NULL || entry->type != REDIS_REPLY_ARRAY || entry->elements < 2 ||
      entry->element[0]->type != REDIS_REPLY_STRING)
    return json_null();
  const redisReply *fields = entry->element[1];
  const redisReply *e = reply_field(fields, "e"), *p = reply_field(fields, "p");
  json_t *j = json_pack("{s:s,s:o,s:o,s:I}", "id", entry->element[0]->str, "envelope",
                        e ? json_envelope(e->str, e->len) : json_null(), "payload_preview",
                        p ? payload_preview(p->str, p->len) : json_string(""), "payload_bytes",
                        (json_int_t)(p ? p->len : 0));
  if (j == NULL)
    return json_null();
  if (reply_field(fields, "reason") != NULL) {
    json_object_set_new(j, "reason", field_string(fields, "reason"));
    json_object_set_new(j, "queue_id", field_string(fields, "id"));
    json_object_set_new(j, "deliveries", json_integer(field_int(fields, "deliveries")));
    json_object_set_new(j, "at_ms", json_integer(field_int(fields, "at")));
  }
  return j;
}
