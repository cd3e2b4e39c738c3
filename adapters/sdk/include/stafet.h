/*
 * stafet.h — the one public header of libstafet, the C client of the Stafet hub.
 *
 * Every adapter and tool talks to the hub through this library. Conventions
 * (after libuv): names are stafet_<noun>_<verb>; functions return 0 or a
 * negative STAFET_E* code, described by stafet_strerror(); handles are created
 * and freed by the caller through the matching _new/_destroy pair.
 *
 * The wire protocol it speaks is documented in docs/protocol.md.
 */
#ifndef STAFET_H
#define STAFET_H

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes: 0 is success, everything else is negative. Stable. */
enum {
  STAFET_OK = 0,
  STAFET_EINVAL = -1,     /* invalid argument */
  STAFET_ENOMEM = -2,     /* out of memory */
  STAFET_EPROTO = -3,     /* malformed frame or protocol violation */
  STAFET_ETOPIC = -4,     /* invalid topic */
  STAFET_EPATTERN = -5,   /* invalid subscription pattern */
  STAFET_EFILTER = -6,    /* invalid attribute filter */
  STAFET_ENOTFOUND = -7,  /* no such thing */
  STAFET_EEXIST = -8,     /* exists already / conflicts */
  STAFET_ETIMEDOUT = -9,  /* timed out */
  STAFET_EIO = -10,       /* I/O or socket error */
  STAFET_ECLOSED = -11,   /* handle closed or session ended */
  STAFET_EFULL = -12,     /* queue or buffer full */
  STAFET_EUNAVAIL = -13,  /* store or peer unavailable, retry later */
  STAFET_EHUB = -14,      /* the hub answered with an Error frame */
  STAFET_ETOOBIG = -15,   /* message too large */
};

/* Returns a static, human-readable description of a STAFET_E* code. */
const char *stafet_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif /* STAFET_H */
