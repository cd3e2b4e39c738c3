/*
 * webhook_pbjson.c — generic protobuf-c message -> JSON through the
 * message descriptors (see webhook_pbjson.h).
 */
#include "webhook_pbjson.h"

#include "stafet_event_types.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

json_t *wh_base64_json(const void *data, size_t len) {
  char *out = malloc(4 * ((len + 2) / 3) + 1);
  if (out == NULL)
    return NULL;
  EVP_EncodeBlock((unsigned char *)out, data, (int)len);
  json_t *s = json_string(out);
  free(out);
  return s;
}

static json_t *enum_json(const ProtobufCFieldDescriptor *f, int v) {
  const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor, v);
  return ev != NULL ? json_string(ev->name) : json_integer(v);
}

static json_t *string_json(const char *s) {
  json_t *j = json_string(s != NULL ? s : "");
  return j != NULL ? j : json_null(); /* not UTF-8 */
}

static json_t *value_json(const ProtobufCFieldDescriptor *f, const void *p) {
  switch (f->type) {
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_SINT32:
  case PROTOBUF_C_TYPE_SFIXED32: return json_integer(*(const int32_t *)p);
  case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_FIXED32: return json_integer(*(const uint32_t *)p);
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64: return json_integer(*(const int64_t *)p);
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64: return json_integer((json_int_t) * (const uint64_t *)p);
  case PROTOBUF_C_TYPE_FLOAT: return json_real(*(const float *)p);
  case PROTOBUF_C_TYPE_DOUBLE: return json_real(*(const double *)p);
  case PROTOBUF_C_TYPE_BOOL: return json_boolean(*(const protobuf_c_boolean *)p);
  case PROTOBUF_C_TYPE_ENUM: return enum_json(f, *(const int *)p);
  case PROTOBUF_C_TYPE_STRING: return string_json(*(char *const *)p);
  case PROTOBUF_C_TYPE_BYTES: {
    const ProtobufCBinaryData *b = p;
    return wh_base64_json(b->data, b->len);
  }
  case PROTOBUF_C_TYPE_MESSAGE: {
    const ProtobufCMessage *m = *(ProtobufCMessage *const *)p;
    return m != NULL ? wh_pb_message_json(m) : json_null();
  }
  }
  return json_null();
}

static size_t element_size(ProtobufCType t) {
  switch (t) {
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64: return 8;
  case PROTOBUF_C_TYPE_DOUBLE: return sizeof(double);
  case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
  case PROTOBUF_C_TYPE_STRING:
  case PROTOBUF_C_TYPE_MESSAGE: return sizeof(void *);
  case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
  default: return 4;
  }
}

static json_t *repeated_json(const ProtobufCFieldDescriptor *f, const char *base) {
  size_t n = *(const size_t *)(base + f->quantifier_offset);
  const char *items = *(char *const *)(base + f->offset);
  json_t *a = json_array();
  for (size_t i = 0; a != NULL && i < n; i++)
    json_array_append_new(a, value_json(f, items + i * element_size(f->type)));
  return a;
}

/* Whether a field is present: oneof members only when chosen, optional
 * scalars only when has_ is set; proto3 plain fields always. */
static int present(const ProtobufCFieldDescriptor *f, const char *base) {
  if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
    return *(const uint32_t *)(base + f->quantifier_offset) == f->id;
  if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING &&
      f->type != PROTOBUF_C_TYPE_MESSAGE)
    return *(const protobuf_c_boolean *)(base + f->quantifier_offset);
  return 1;
}

json_t *wh_pb_message_json(const ProtobufCMessage *m) {
  const char *base = (const char *)m;
  json_t *o = json_object();
  for (unsigned i = 0; o != NULL && i < m->descriptor->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &m->descriptor->fields[i];
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
      json_object_set_new(o, f->name, repeated_json(f, base));
    else if (present(f, base))
      json_object_set_new(o, f->name, value_json(f, base + f->offset));
  }
  return o;
}

json_t *wh_pb_render(const char *type_name, const void *payload, size_t len) {
  const ProtobufCMessageDescriptor *d = stafet_event_type(type_name);
  if (d == NULL)
    return NULL;
  ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, len, payload);
  if (m == NULL)
    return NULL;
  json_t *o = wh_pb_message_json(m);
  protobuf_c_message_free_unpacked(m, NULL);
  return o;
}
