/*
 * settings.c — checked plugin settings (see settings.h).
 */
#include "settings.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *settings_required(const stafet_host_api_t *api, stafet_host_t *host, const char *key) {
  const char *v = api->config(host, key);
  if (v != NULL && v[0] != '\0')
    return v;
  api->log(host, STAFET_LOG_ERROR, "missing setting", "key=%s", key);
  return NULL;
}

int settings_uint(const stafet_host_api_t *api, stafet_host_t *host, const char *key,
                  unsigned long def, unsigned long min, unsigned long max, unsigned long *out) {
  const char *v = api->config(host, key);
  if (v == NULL || v[0] == '\0') {
    *out = def;
    return 0;
  }
  char *end;
  errno = 0;
  unsigned long n = strtoul(v, &end, 10);
  if (errno != 0 || *end != '\0' || v[0] == '-' || v[0] == '+' || n < min || n > max) {
    api->log(host, STAFET_LOG_ERROR, "bad setting", "key=%s value=\"%s\" range=%lu..%lu", key, v,
             min, max);
    return STAFET_EINVAL;
  }
  *out = n;
  return 0;
}

int settings_choice(const stafet_host_api_t *api, stafet_host_t *host, const char *key,
                    const char *const *allowed, int def, int *out) {
  const char *v = api->config(host, key);
  if (v == NULL || v[0] == '\0') {
    *out = def;
    return 0;
  }
  for (int i = 0; allowed[i] != NULL; i++)
    if (strcmp(v, allowed[i]) == 0) {
      *out = i;
      return 0;
    }
  api->log(host, STAFET_LOG_ERROR, "bad setting", "key=%s value=\"%s\" allowed=%s|%s", key, v,
           allowed[0], allowed[1] ? allowed[1] : "");
  return STAFET_EINVAL;
}

int settings_make_dir(const stafet_host_api_t *api, stafet_host_t *host, const char *key,
                      const char *path) {
  if (mkdir(path, 0750) == 0 || errno == EEXIST)
    return 0;
  api->log(host, STAFET_LOG_ERROR, "cannot create directory", "key=%s path=%s errno=%d", key, path,
           errno);
  return STAFET_EIO;
}
