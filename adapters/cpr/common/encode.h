/*
 * encode.h — small encoding helpers the cpr and debtor adapters share: packing
 * a protobuf event payload (protoc-c) and the JSON answers of their services
 * (jansson).
 */
#ifndef STAFET_ENCODE_H
#define STAFET_ENCODE_H

#include "textutil.h"

#include "stafet/events/v1/common.pb-c.h"

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/* Packs m into a new buffer: *out is the caller's to free(), *type_name the
 * message's protobuf full name (static). 0 or STAFET_ENOMEM. */
int encode_pack(const ProtobufCMessage *m, uint8_t **out, size_t *len, const char **type_name);

/* A stafet.events.v1.Date (all zero for an unset date). */
Stafet__Events__V1__Date encode_pb_date(sdate_t d);

/* "YYYY-MM-DD", or JSON null for an unset date. */
json_t *encode_json_date(sdate_t d);

/* Serialises root compactly, keeping key order, and releases it (also on
 * failure). *out (NUL-terminated, *len bytes) is the caller's to free().
 * root NULL (a failed json_pack): STAFET_ENOMEM. */
int encode_json_dump(json_t *root, char **out, size_t *len);

#endif
