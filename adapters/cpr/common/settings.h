/*
 * settings.h — reading a plugin's settings (api->config) with checks, and
 * saying clearly in the log which one is wrong, so that a plugin with bad
 * settings fails its init with a reason an operator can act on.
 */
#ifndef STAFET_SETTINGS_H
#define STAFET_SETTINGS_H

#include "stafet_adapter.h"

/* A required setting, or NULL (logged as "missing setting"). */
const char *settings_required(const stafet_host_api_t *api, stafet_host_t *host, const char *key);

/* A whole number in [min, max]; def when absent or empty. 0 or STAFET_EINVAL
 * (logged as "bad setting"). */
int settings_uint(const stafet_host_api_t *api, stafet_host_t *host, const char *key,
                  unsigned long def, unsigned long min, unsigned long max, unsigned long *out);

/* One of the NULL-terminated `allowed` words; def when absent. *out is the
 * index in allowed. 0 or STAFET_EINVAL (logged). */
int settings_choice(const stafet_host_api_t *api, stafet_host_t *host, const char *key,
                    const char *const *allowed, int def, int *out);

/* Makes a directory if it does not exist (one level): 0 or STAFET_EIO (logged). */
int settings_make_dir(const stafet_host_api_t *api, stafet_host_t *host, const char *key,
                      const char *path);

#endif
