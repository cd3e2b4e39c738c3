/*
 * webhook_pbjson.h — a protobuf payload rendered as JSON for webhook
 * receivers that do not have our .proto files: every event type of
 * schemas/stafet/events/v1 is known by its full name (Envelope.type_name,
 * stafet_event_type());
 * fields keep their proto names (snake_case), enums their value names,
 * bytes become base64, int64 become JSON integers.
 */
#ifndef STAFET_WEBHOOK_PBJSON_H
#define STAFET_WEBHOOK_PBJSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/* Decodes payload as type_name and renders it; NULL when the type is
 * unknown or the payload does not decode. New reference, the caller's. */
json_t *wh_pb_render(const char *type_name, const void *payload, size_t len);
/* Renders a decoded message (new reference). */
json_t *wh_pb_message_json(const ProtobufCMessage *m);
/* Standard base64 of data (new reference to a JSON string). */
json_t *wh_base64_json(const void *data, size_t len);

#endif
