/*
 * codec.c — envelope conversion and the publish-side checks (see codec.h).
 */
#include "codec.h"

#include <stdlib.h>
#include <string.h>

#define TOPIC_MAX_BYTES      255
#define TOPIC_MAX_SEGMENTS   32
#define SEGMENT_MAX_BYTES    64
#define MESSAGE_ID_MAX_BYTES 64
#define ATTR_KEY_MAX_BYTES   64
#define ATTR_VALUE_MAX_BYTES 256

static int snake_char(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
}

int sdk_topic_valid(const char *topic) {
  if (!topic || !*topic || strlen(topic) > TOPIC_MAX_BYTES)
    return 0;
  size_t segments = 1, seg_len = 0;
  for (const char *p = topic; *p; p++) {
    if (*p == '.') {
      if (seg_len == 0 || ++segments > TOPIC_MAX_SEGMENTS)
        return 0;
      seg_len = 0;
    } else if (!snake_char(*p) || ++seg_len > SEGMENT_MAX_BYTES) {
      return 0;
    }
  }
  return seg_len > 0;
}

int sdk_message_id_valid(const char *id) {
  size_t n = 0;
  for (; id[n]; n++)
    if (id[n] <= ' ' || id[n] > '~' || n >= MESSAGE_ID_MAX_BYTES)
      return 0;
  return n > 0;
}

static int attr_key_valid(const char *key) {
  if (!key)
    return 0;
  size_t n = 0;
  for (; key[n]; n++)
    if (!snake_char(key[n]) || n >= ATTR_KEY_MAX_BYTES)
      return 0;
  return n > 0;
}

int sdk_envelope_check(const stafet_envelope_t *env) {
  if (!sdk_topic_valid(env->topic))
    return STAFET_ETOPIC;
  if (env->message_id && !sdk_message_id_valid(env->message_id))
    return STAFET_EINVAL;
  if (env->n_attributes > SDK_MAX_ATTRIBUTES || (env->n_attributes && !env->attributes))
    return STAFET_EINVAL;
  for (size_t i = 0; i < env->n_attributes; i++) {
    const stafet_attribute_t *a = &env->attributes[i];
    if (!attr_key_valid(a->key) || (a->value && strlen(a->value) > ATTR_VALUE_MAX_BYTES))
      return STAFET_EINVAL;
  }
  return 0;
}

/* protobuf-c wants char * for strings it will only read when packing. */
static char *wire_str(const char *s) {
  return (char *)(s ? s : "");
}

void sdk_envelope_to_wire(const stafet_envelope_t *env, const char *message_id,
                          Stafet__Wire__V1__Envelope *w, sdk_wire_attrs_t *store) {
  stafet__wire__v1__envelope__init(w);
  w->message_id = wire_str(message_id);
  w->topic = wire_str(env->topic);
  w->type_name = wire_str(env->type_name);
  w->schema_version = env->schema_version;
  w->source = wire_str(env->source);
  w->occurred_at_ms = env->occurred_at_ms;
  w->published_at_ms = env->published_at_ms;
  w->correlation_id = wire_str(env->correlation_id);
  w->causation_id = wire_str(env->causation_id);
  w->tenant = wire_str(env->tenant);
  w->sensitivity = env->sensitivity;
  for (size_t i = 0; i < env->n_attributes; i++) {
    stafet__wire__v1__attribute__init(&store->items[i]);
    store->items[i].key = wire_str(env->attributes[i].key);
    store->items[i].value = wire_str(env->attributes[i].value);
    store->ptrs[i] = &store->items[i];
  }
  w->n_attributes = env->n_attributes;
  w->attributes = env->n_attributes ? store->ptrs : NULL;
}

static const char *view_str(const char *s) {
  return s ? s : "";
}

void sdk_envelope_view(const Stafet__Wire__V1__Envelope *w, stafet_envelope_t *out,
                       stafet_attribute_t *attrs) {
  memset(out, 0, sizeof *out);
  out->message_id = view_str(w->message_id);
  out->topic = view_str(w->topic);
  out->type_name = view_str(w->type_name);
  out->schema_version = w->schema_version;
  out->source = view_str(w->source);
  out->occurred_at_ms = w->occurred_at_ms;
  out->published_at_ms = w->published_at_ms;
  out->correlation_id = view_str(w->correlation_id);
  out->causation_id = view_str(w->causation_id);
  out->tenant = view_str(w->tenant);
  out->sensitivity = w->sensitivity;
  for (size_t i = 0; i < w->n_attributes; i++) {
    attrs[i].key = view_str(w->attributes[i]->key);
    attrs[i].value = view_str(w->attributes[i]->value);
  }
  out->attributes = w->n_attributes ? attrs : NULL;
  out->n_attributes = w->n_attributes;
}

int sdk_frame_pack(const Stafet__Wire__V1__Frame *f, unsigned char **buf, size_t *len) {
  size_t n = stafet__wire__v1__frame__get_packed_size(f);
  unsigned char *b = malloc(n ? n : 1);
  if (!b)
    return STAFET_ENOMEM;
  *len = stafet__wire__v1__frame__pack(f, b);
  *buf = b;
  return 0;
}
