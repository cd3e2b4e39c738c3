/*
 * webhook_config.c — reading the webhook subscriptions (see
 * webhook_config.h).
 */
#include "webhook_config.h"

#include "stafet.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wh_split_list(const char *text, char **out, size_t max) {
  size_t n = 0;
  const char *p = text;
  while (*p != '\0') {
    const char *end = strchr(p, ',');
    size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
    const char *s = p;
    while (len > 0 && isspace((unsigned char)*s))
      s++, len--;
    while (len > 0 && isspace((unsigned char)s[len - 1]))
      len--;
    if (len > 0) {
      char *item = n < max ? strndup(s, len) : NULL;
      if (item == NULL) {
        int rc = n == max ? STAFET_EINVAL : STAFET_ENOMEM;
        while (n > 0)
          free(out[--n]);
        return rc;
      }
      out[n++] = item;
    }
    p = end != NULL ? end + 1 : p + strlen(p);
  }
  return (int)n;
}

static const char *get_key(wh_get_fn get, void *arg, const char *name, const char *suffix) {
  char key[128];
  snprintf(key, sizeof key, "%s_%s", name, suffix);
  const char *v = get(arg, key);
  return v != NULL && v[0] != '\0' ? v : NULL;
}

static int get_uint(wh_get_fn get, void *arg, const char *name, const char *suffix, unsigned def,
                    unsigned *out, sh_verr_t *e) {
  const char *v = get_key(get, arg, name, suffix);
  if (v == NULL) {
    *out = def;
    return 0;
  }
  char *end;
  errno = 0;
  unsigned long n = strtoul(v, &end, 10);
  if (errno != 0 || *end != '\0' || !isdigit((unsigned char)v[0]) || n > 0xffffffffUL)
    return sh_verr_set(e, "INVALID_SETTING", "%s_%s must be a number", name, suffix);
  *out = (unsigned)n;
  return 0;
}

static char *read_secret_file(const char *path) {
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return NULL;
  char buf[512];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  while (n > 0 && isspace((unsigned char)buf[n - 1]))
    n--;
  buf[n] = '\0';
  return n > 0 ? strdup(buf) : NULL;
}

static int load_secret(wh_get_fn get, void *arg, wh_sub_cfg_t *s, sh_verr_t *e) {
  const char *secret = get_key(get, arg, s->name, "secret");
  const char *file = get_key(get, arg, s->name, "secret_file");
  if (secret != NULL)
    s->secret = strdup(secret);
  else if (file != NULL)
    s->secret = read_secret_file(file);
  if (s->secret == NULL)
    return sh_verr_set(e, "INVALID_SETTING",
                       "%s_secret or a readable, non-empty %s_secret_file "
                       "is required",
                       s->name, s->name);
  return 0;
}

static int load_lists(wh_get_fn get, void *arg, wh_sub_cfg_t *s, sh_verr_t *e) {
  const char *patterns = get_key(get, arg, s->name, "patterns");
  const char *filters = get_key(get, arg, s->name, "filters");
  int n = patterns != NULL ? wh_split_list(patterns, s->patterns, WH_MAX_PATTERNS) : 0;
  if (n <= 0)
    return sh_verr_set(e, "INVALID_SETTING", "%s_patterns: 1-%d comma-separated patterns", s->name,
                       WH_MAX_PATTERNS);
  s->n_patterns = (size_t)n;
  n = filters != NULL ? wh_split_list(filters, s->filters, WH_MAX_PATTERNS) : 0;
  if (n < 0)
    return sh_verr_set(e, "INVALID_SETTING", "%s_filters: at most %d filters", s->name,
                       WH_MAX_PATTERNS);
  s->n_filters = (size_t)n;
  return 0;
}

static int load_numbers(wh_get_fn get, void *arg, wh_sub_cfg_t *s, sh_verr_t *e) {
  const char *n = s->name;
  int rc = get_uint(get, arg, n, "max_tries", 5, &s->max_tries, e);
  rc = rc ? rc : get_uint(get, arg, n, "retry_min_ms", 1000, &s->retry_min_ms, e);
  rc = rc ? rc : get_uint(get, arg, n, "retry_max_ms", 60000, &s->retry_max_ms, e);
  rc = rc ? rc : get_uint(get, arg, n, "timeout_ms", 10000, &s->timeout_ms, e);
  rc = rc ? rc : get_uint(get, arg, n, "credit", 16, &s->credit, e);
  rc = rc ? rc : get_uint(get, arg, n, "ack_timeout_ms", 600000, &s->ack_timeout_ms, e);
  rc = rc ? rc : get_uint(get, arg, n, "max_deliveries", 100, &s->max_deliveries, e);
  if (rc == 0 && s->max_tries == 0)
    return sh_verr_set(e, "INVALID_SETTING", "%s_max_tries must be at least 1", n);
  return rc;
}

static int load_one(wh_get_fn get, void *arg, wh_sub_cfg_t *s, sh_verr_t *e) {
  const char *url = get_key(get, arg, s->name, "url");
  if (url == NULL || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
    return sh_verr_set(e, "INVALID_SETTING", "%s_url must be an http:// or https:// URL", s->name);
  s->url = strdup(url);
  const char *format = get_key(get, arg, s->name, "format");
  if (format != NULL && strcmp(format, "json") != 0 && strcmp(format, "base64") != 0)
    return sh_verr_set(e, "INVALID_SETTING", "%s_format must be json or base64", s->name);
  s->format = format != NULL && strcmp(format, "base64") == 0 ? WH_FORMAT_BASE64 : WH_FORMAT_JSON;
  int rc = s->url != NULL ? load_secret(get, arg, s, e) : STAFET_ENOMEM;
  rc = rc ? rc : load_lists(get, arg, s, e);
  return rc ? rc : load_numbers(get, arg, s, e);
}

int wh_config_load(wh_get_fn get, void *arg, wh_sub_cfg_t **subs, size_t *n, sh_verr_t *e) {
  const char *list = get(arg, "subscriptions");
  char *names[WH_MAX_SUBS];
  int count = list != NULL ? wh_split_list(list, names, WH_MAX_SUBS) : 0;
  if (count <= 0)
    return sh_verr_set(e, "INVALID_SETTING", "subscriptions: 1-%d comma-separated names",
                       WH_MAX_SUBS);
  wh_sub_cfg_t *s = calloc((size_t)count, sizeof *s);
  int rc = s != NULL ? 0 : STAFET_ENOMEM;
  for (int i = 0; i < count; i++) {
    if (rc == 0 && strlen(names[i]) >= sizeof s[i].name)
      rc = sh_verr_set(e, "INVALID_SETTING", "subscription name %s is too long", names[i]);
    if (rc == 0) {
      snprintf(s[i].name, sizeof s[i].name, "%s", names[i]);
      rc = load_one(get, arg, &s[i], e);
    }
    free(names[i]);
  }
  if (rc != 0) {
    wh_config_free(s, s != NULL ? (size_t)count : 0);
    return rc;
  }
  *subs = s;
  *n = (size_t)count;
  return 0;
}

void wh_config_free(wh_sub_cfg_t *subs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    for (size_t k = 0; k < subs[i].n_patterns; k++)
      free(subs[i].patterns[k]);
    for (size_t k = 0; k < subs[i].n_filters; k++)
      free(subs[i].filters[k]);
    free(subs[i].url);
    free(subs[i].secret);
  }
  free(subs);
}
