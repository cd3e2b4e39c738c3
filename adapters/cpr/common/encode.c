/*
 * encode.c — protobuf packing and JSON output shared by the adapters.
 */
#include "encode.h"

#include "stafet.h"

#include <stdlib.h>
#include <string.h>

int encode_pack(const ProtobufCMessage *m, uint8_t **out, size_t *len, const char **type_name) {
  *type_name = m->descriptor->name;
  *len = protobuf_c_message_get_packed_size(m);
  *out = malloc(*len ? *len : 1);
  if (*out == NULL)
    return STAFET_ENOMEM;
  protobuf_c_message_pack(m, *out);
  return 0;
}

Stafet__Events__V1__Date encode_pb_date(sdate_t d) {
  Stafet__Events__V1__Date out = STAFET__EVENTS__V1__DATE__INIT;
  out.year = d.year, out.month = d.month, out.day = d.day;
  return out;
}

json_t *encode_json_date(sdate_t d) {
  char iso[11];
  sdate_iso(d, iso);
  return iso[0] ? json_string(iso) : json_null();
}

int encode_json_dump(json_t *root, char **out, size_t *len) {
  if (root == NULL)
    return STAFET_ENOMEM;
  char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(root);
  if (text == NULL)
    return STAFET_ENOMEM;
  *out = text;
  *len = strlen(text);
  return 0;
}
