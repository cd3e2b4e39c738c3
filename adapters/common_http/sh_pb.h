/*
 * sh_pb.h — serialising a protobuf-c message into a fresh buffer, the last
 * step of every event the HTTP adapters publish.
 */
#ifndef STAFET_SH_PB_H
#define STAFET_SH_PB_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/* *buf is malloc'ed (at least 1 byte), owned by the caller.
 * Returns 0 or STAFET_ENOMEM. */
int sh_pb_pack(const ProtobufCMessage *m, uint8_t **buf, size_t *len);

#endif
