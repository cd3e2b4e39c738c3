/*
 * errors.c — stafet_strerror(): the text of every STAFET_E* code.
 */
#include "stafet.h"

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
  default: return "unknown error";
  }
}
