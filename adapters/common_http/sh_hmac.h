/*
 * sh_hmac.h — the webhook signature: HMAC-SHA256 (OpenSSL libcrypto) over
 * "<timestamp>.<body>", as lower-case hex. A receiver recomputes it with the
 * shared secret and compares in constant time (sh_hmac_verify), and rejects
 * timestamps too far from its clock to stop replays.
 */
#ifndef STAFET_SH_HMAC_H
#define STAFET_SH_HMAC_H

#include <stddef.h>

#define SH_HMAC_HEX_LEN 64

/* Writes the 64 hex digits + NUL to hex. Returns 0 or STAFET_EINVAL. */
int sh_hmac_sign(const char *secret, const char *timestamp, const char *body, size_t len,
                 char hex[SH_HMAC_HEX_LEN + 1]);
/* 1 if hex is the signature of timestamp.body under secret, else 0. */
int sh_hmac_verify(const char *secret, const char *timestamp, const char *body, size_t len,
                   const char *hex);
/* SHA-256 of data as hex (64 digits + NUL): stable ids from content, e.g.
 * the message id of an ESDH event from its system and event id. */
void sh_sha256_hex(const void *data, size_t len, char hex[SH_HMAC_HEX_LEN + 1]);

#endif
