/*
 * webhook_body.c — the JSON body and signature of a webhook delivery (see
 * webhook_body.h).
 */
#include "webhook_body.h"

#include "sh_hmac.h"
#include "webhook_pbjson.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *str(const char *s) {
  json_t *j = json_string(s != NULL ? s : "");
  return j != NULL ? j : json_string("");
}

static json_t *sensitivity_json(unsigned flags) {
  json_t *a = json_array();
  if (flags & STAFET_SENSITIVITY_PERSONAL)
    json_array_append_new(a, json_string("personal"));
  if (flags & STAFET_SENSITIVITY_PROTECTED)
    json_array_append_new(a, json_string("protected"));
  return a;
}

static json_t *attributes_json(const stafet_envelope_t *env) {
  json_t *o = json_object();
  for (size_t i = 0; o != NULL && i < env->n_attributes; i++)
    json_object_set_new(o, env->attributes[i].key, str(env->attributes[i].value));
  return o;
}

static json_t *envelope_json(const stafet_delivery_t *d) {
  const stafet_envelope_t *env = d->envelope;
  json_t *o = json_object();
  json_object_set_new(o, "subscription", str(d->subscription));
  json_object_set_new(o, "delivery_count", json_integer(d->delivery_count));
  json_object_set_new(o, "message_id", str(env->message_id));
  json_object_set_new(o, "topic", str(env->topic));
  json_object_set_new(o, "type_name", str(env->type_name));
  json_object_set_new(o, "schema_version", json_integer(env->schema_version));
  json_object_set_new(o, "source", str(env->source));
  json_object_set_new(o, "occurred_at_ms", json_integer(env->occurred_at_ms));
  json_object_set_new(o, "published_at_ms", json_integer(env->published_at_ms));
  json_object_set_new(o, "correlation_id", str(env->correlation_id));
  json_object_set_new(o, "causation_id", str(env->causation_id));
  json_object_set_new(o, "tenant", str(env->tenant));
  json_object_set_new(o, "sensitivity", sensitivity_json(env->sensitivity));
  json_object_set_new(o, "attributes", attributes_json(env));
  return o;
}

char *wh_body_render(const stafet_delivery_t *d, wh_format_t format, size_t *len) {
  json_t *o = envelope_json(d);
  if (o == NULL)
    return NULL;
  json_t *payload = format == WH_FORMAT_JSON
                        ? wh_pb_render(d->envelope->type_name, d->payload, d->payload_len)
                        : NULL;
  if (payload != NULL)
    json_object_set_new(o, "payload", payload);
  else
    json_object_set_new(o, "payload_base64", wh_base64_json(d->payload, d->payload_len));
  char *text = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  if (text != NULL && len != NULL)
    *len = strlen(text);
  return text;
}

int wh_sign_headers(const char *secret, long long now_ms, const char *body, size_t len,
                    char ts_header[128], char sig_header[128]) {
  char ts[32], hex[SH_HMAC_HEX_LEN + 1];
  snprintf(ts, sizeof ts, "%lld", now_ms);
  int rc = sh_hmac_sign(secret, ts, body, len, hex);
  if (rc != 0)
    return rc;
  snprintf(ts_header, 128, "Stafet-Timestamp: %s", ts);
  snprintf(sig_header, 128, "Stafet-Signature: sha256=%s", hex);
  return 0;
}
