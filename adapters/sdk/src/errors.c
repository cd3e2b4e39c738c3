/*
 * errors.c — stafet_strerror(): the text of every STAFET_E* code, and the one
 * place that maps the hub's stable error codes (docs/protocol.md, "Errors")
 * to STAFET_E* codes and says which of them are worth retrying.
 */
#include "stafet.h"

#include "internal.h"

const char *stafet_strerror(int code) {
  switch (code) {
  case STAFET_OK: return "success";
  case STAFET_EINVAL: return "invalid argument";
  case STAFET_ENOMEM: return "out of memory";
  case STAFET_EPROTO: return "malformed frame or protocol violation";
  case STAFET_ETOPIC: return "invalid topic";
  case STAFET_EPATTERN: return "invalid subscription pattern";
  case STAFET_EFILTER: return "invalid attribute filter";
  case STAFET_ENOTFOUND: return "not found";
  case STAFET_EEXIST: return "already exists or conflicts";
  case STAFET_ETIMEDOUT: return "timed out";
  case STAFET_EIO: return "I/O error";
  case STAFET_ECLOSED: return "closed";
  case STAFET_EFULL: return "queue full";
  case STAFET_EUNAVAIL: return "unavailable, retry later";
  case STAFET_EHUB: return "the hub answered with an error";
  case STAFET_ETOOBIG: return "message too large";
  case STAFET_ENOPROVIDER: return "no live provider for the service";
  case STAFET_EPROVIDER: return "the provider could not answer";
  case STAFET_EACCES: return "not allowed (key or ACL)";
  default: return "unknown error";
  }
}

int stafet_error_from_hub(int hub_code) {
  switch (hub_code) {
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_NONE: return STAFET_OK;
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_MALFORMED_FRAME: return STAFET_EPROTO;
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_FRAME_TOO_LARGE: return STAFET_ETOOBIG;
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_PROTOCOL_VERSION: return STAFET_EPROTO;
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_NOT_CONNECTED: return STAFET_ECLOSED;
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_TOPIC: return STAFET_ETOPIC;
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_PATTERN: return STAFET_EPATTERN;
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_FILTER: return STAFET_EFILTER;
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_UNKNOWN_DELIVERY: return STAFET_ENOTFOUND;
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_UNKNOWN_SUBSCRIPTION: return STAFET_ENOTFOUND;
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_SUBSCRIPTION_CONFLICT: return STAFET_EEXIST;
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_QUEUE_FULL: return STAFET_EFULL;
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_STORE_UNAVAILABLE: return STAFET_EUNAVAIL;
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_SHUTTING_DOWN: return STAFET_EUNAVAIL;
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_NO_PROVIDER: return STAFET_ENOPROVIDER;
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_DEADLINE_EXCEEDED: return STAFET_ETIMEDOUT;
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_PROVIDER_ERROR: return STAFET_EPROVIDER;
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_NOT_AUTHORIZED: return STAFET_EACCES;
  default: return STAFET_EHUB;
  }
}

int sdk_hub_code_retryable(int hub_code) {
  switch (hub_code) {
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_NOT_CONNECTED:
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_QUEUE_FULL:
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_STORE_UNAVAILABLE:
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_SHUTTING_DOWN:
  case STAFET__WIRE__V1__ERROR_CODE__ERROR_INTERNAL: return 1;
  default: return 0;
  }
}
