/*
 * envcodec.c — see envcodec.h.
 */
#include "envcodec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int envcodec_pack(const stafet_envelope_t *env, const char *message_id, const void *payload,
                  size_t len, void **out, size_t *out_len) {
  if (env->n_attributes > SDK_MAX_ATTRIBUTES || (len > 0 && payload == NULL))
    return STAFET_EINVAL;
  Stafet__Wire__V1__Envelope w;
  sdk_wire_attrs_t attrs;
  sdk_envelope_to_wire(env, message_id, &w, &attrs);
  size_t env_len = stafet__wire__v1__envelope__get_packed_size(&w);
  if (env_len > UINT32_MAX)
    return STAFET_EINVAL;
  unsigned char *buf = malloc(4 + env_len + len);
  if (buf == NULL)
    return STAFET_ENOMEM;
  uint32_t n = (uint32_t)env_len;
  memcpy(buf, &n, 4); /* host byte order: these bytes never leave the machine */
  stafet__wire__v1__envelope__pack(&w, buf + 4);
  if (len > 0)
    memcpy(buf + 4 + env_len, payload, len);
  *out = buf;
  *out_len = 4 + env_len + len;
  return 0;
}

int envcodec_view(envcodec_view_t *v, const void *data, size_t len) {
  memset(v, 0, sizeof *v);
  const unsigned char *bytes = data;
  uint32_t env_len;
  if (len < 4)
    return STAFET_EPROTO;
  memcpy(&env_len, bytes, 4);
  if (env_len > len - 4)
    return STAFET_EPROTO;
  v->wire = stafet__wire__v1__envelope__unpack(NULL, env_len, bytes + 4);
  if (v->wire == NULL || v->wire->n_attributes > SDK_MAX_ATTRIBUTES) {
    envcodec_view_free(v);
    return STAFET_EPROTO;
  }
  sdk_envelope_view(v->wire, &v->env, v->attrs);
  v->payload = bytes + 4 + env_len;
  v->payload_len = len - 4 - env_len;
  return 0;
}

void envcodec_view_free(envcodec_view_t *v) {
  if (v->wire != NULL)
    stafet__wire__v1__envelope__free_unpacked(v->wire, NULL);
  v->wire = NULL;
}
