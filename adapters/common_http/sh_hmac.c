/*
 * sh_hmac.c — HMAC-SHA256 webhook signatures (see sh_hmac.h).
 */
#include "sh_hmac.h"

#include "stafet.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sh_hmac_sign(const char *secret, const char *timestamp, const char *body, size_t len,
                 char hex[SH_HMAC_HEX_LEN + 1]) {
  if (secret == NULL || timestamp == NULL || (body == NULL && len > 0))
    return STAFET_EINVAL;
  size_t tlen = strlen(timestamp);
  unsigned char *msg = malloc(tlen + 1 + len + 1);
  if (msg == NULL)
    return STAFET_ENOMEM;
  memcpy(msg, timestamp, tlen);
  msg[tlen] = '.';
  if (len > 0)
    memcpy(msg + tlen + 1, body, len);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned mac_len = 0;
  unsigned char *ok =
      HMAC(EVP_sha256(), secret, (int)strlen(secret), msg, tlen + 1 + len, mac, &mac_len);
  free(msg);
  if (ok == NULL || mac_len != SH_HMAC_HEX_LEN / 2)
    return STAFET_EINVAL;
  for (unsigned i = 0; i < mac_len; i++)
    snprintf(hex + 2 * i, 3, "%02x", mac[i]);
  return 0;
}

int sh_hmac_verify(const char *secret, const char *timestamp, const char *body, size_t len,
                   const char *hex) {
  char want[SH_HMAC_HEX_LEN + 1];
  if (hex == NULL || strlen(hex) != SH_HMAC_HEX_LEN ||
      sh_hmac_sign(secret, timestamp, body, len, want) != 0)
    return 0;
  return CRYPTO_memcmp(want, hex, SH_HMAC_HEX_LEN) == 0;
}

void sh_sha256_hex(const void *data, size_t len, char hex[SH_HMAC_HEX_LEN + 1]) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(data, len, md);
  for (unsigned i = 0; i < SHA256_DIGEST_LENGTH; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);
}
