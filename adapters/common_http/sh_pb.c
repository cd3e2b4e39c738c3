/*
 * sh_pb.c — protobuf-c message to a malloc'ed buffer (see sh_pb.h).
 */
#include "sh_pb.h"

#include "stafet.h"

#include <stdlib.h>

int sh_pb_pack(const ProtobufCMessage *m, uint8_t **buf, size_t *len) {
  size_t n = protobuf_c_message_get_packed_size(m);
  *buf = malloc(n ? n : 1);
  if (*buf == NULL)
    return STAFET_ENOMEM;
  *len = protobuf_c_message_pack(m, *buf);
  return 0;
}
