/*
 * sh_json.c — validating getters for posted JSON (see sh_json.h).
 */
#include "sh_json.h"

#include "sh_hmac.h"
#include "stafet.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int sh_verr_set(sh_verr_t *e, const char *code, const char *fmt, ...) {
  e->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->message, sizeof e->message, fmt, ap);
  va_end(ap);
  return STAFET_EINVAL;
}

int sh_json_parse_object(const char *body, size_t len, json_t **out, sh_verr_t *e) {
  json_error_t err;
  json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
  if (doc == NULL)
    return sh_verr_set(e, "INVALID_JSON", "body is not valid JSON: %s at line %d column %d",
                       err.text, err.line, err.column);
  if (!json_is_object(doc)) {
    json_decref(doc);
    return sh_verr_set(e, "NOT_AN_OBJECT", "body must be a JSON object");
  }
  *out = doc;
  return 0;
}

/* obj[key] or NULL when absent or null; MISSING_FIELD if required. */
static json_t *field(const json_t *obj, const char *key, const char *path, int required,
                     sh_verr_t *e, int *rc) {
  json_t *v = json_object_get(obj, key);
  *rc = 0;
  if (v == NULL || json_is_null(v)) {
    if (required)
      *rc = sh_verr_set(e, "MISSING_FIELD", "%s is required", path);
    return NULL;
  }
  return v;
}

int sh_json_string(const json_t *obj, const char *key, const char *path, int required,
                   size_t max_len, const char **out, sh_verr_t *e) {
  int rc;
  json_t *v = field(obj, key, path, required, e, &rc);
  *out = NULL;
  if (v == NULL)
    return rc;
  if (!json_is_string(v))
    return sh_verr_set(e, "INVALID_FIELD", "%s must be a string", path);
  size_t len = json_string_length(v);
  if (len > (max_len ? max_len : 256))
    return sh_verr_set(e, "INVALID_FIELD", "%s is longer than %zu bytes", path,
                       max_len ? max_len : 256);
  if (strlen(json_string_value(v)) != len)
    return sh_verr_set(e, "INVALID_FIELD", "%s contains a NUL character", path);
  if (required && len == 0)
    return sh_verr_set(e, "MISSING_FIELD", "%s must not be empty", path);
  *out = json_string_value(v);
  return 0;
}

int sh_json_int(const json_t *obj, const char *key, const char *path, int required, int64_t min,
                int64_t max, int64_t *out, sh_verr_t *e) {
  int rc;
  json_t *v = field(obj, key, path, required, e, &rc);
  if (v == NULL)
    return rc;
  if (!json_is_integer(v))
    return sh_verr_set(e, "INVALID_FIELD", "%s must be an integer", path);
  json_int_t n = json_integer_value(v);
  if (n < min || n > max)
    return sh_verr_set(e, "INVALID_FIELD", "%s must be between %lld and %lld", path, (long long)min,
                       (long long)max);
  *out = n;
  return 0;
}

int sh_json_bool(const json_t *obj, const char *key, const char *path, int required, int *out,
                 sh_verr_t *e) {
  int rc;
  json_t *v = field(obj, key, path, required, e, &rc);
  if (v == NULL)
    return rc;
  if (!json_is_boolean(v))
    return sh_verr_set(e, "INVALID_FIELD", "%s must be true or false", path);
  *out = json_is_true(v);
  return 0;
}

static int two(const char *s) {
  if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
    return -1;
  return (s[0] - '0') * 10 + (s[1] - '0');
}

int sh_parse_iso_ms(const char *s, int64_t *out) {
  /* YYYY-MM-DDTHH:MM:SS[.fff]Z */
  size_t len = strlen(s);
  if (len < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
    return STAFET_EINVAL;
  int hi = two(s), lo = two(s + 2), mon = two(s + 5), day = two(s + 8);
  int h = two(s + 11), m = two(s + 14), sec = two(s + 17);
  if (hi < 0 || lo < 0 || mon < 1 || mon > 12 || day < 1 || day > 31 || h < 0 || h > 23 || m < 0 ||
      m > 59 || sec < 0 || sec > 60)
    return STAFET_EINVAL;
  int ms = 0;
  const char *p = s + 19;
  if (*p == '.') {
    int digits = 0;
    for (p++; *p >= '0' && *p <= '9'; p++, digits++)
      if (digits < 3)
        ms = ms * 10 + (*p - '0');
    if (digits == 0)
      return STAFET_EINVAL;
    for (; digits < 3; digits++)
      ms *= 10;
  }
  if (p[0] != 'Z' || p[1] != '\0')
    return STAFET_EINVAL;
  struct tm tm = {.tm_year = hi * 100 + lo - 1900,
                  .tm_mon = mon - 1,
                  .tm_mday = day,
                  .tm_hour = h,
                  .tm_min = m,
                  .tm_sec = sec};
  *out = (int64_t)timegm(&tm) * 1000 + ms;
  return 0;
}

int sh_json_time_ms(const json_t *obj, const char *key, const char *path, int required,
                    int64_t *out, sh_verr_t *e) {
  int rc;
  json_t *v = field(obj, key, path, required, e, &rc);
  if (v == NULL)
    return rc;
  if (json_is_integer(v) && json_integer_value(v) >= 0) {
    *out = json_integer_value(v);
    return 0;
  }
  if (json_is_string(v) && sh_parse_iso_ms(json_string_value(v), out) == 0)
    return 0;
  return sh_verr_set(e, "INVALID_TIME",
                     "%s must be Unix milliseconds or YYYY-MM-DDTHH:MM:SS[.fff]Z", path);
}

int sh_json_cpr(const json_t *obj, const char *key, const char *path, int required,
                char out[SH_CPR_LEN + 1], sh_verr_t *e) {
  const char *s;
  out[0] = '\0';
  int rc = sh_json_string(obj, key, path, required, 16, &s, e);
  if (rc != 0 || s == NULL || s[0] == '\0')
    return rc;
  if (sh_cpr_normalise(s, out) != 0)
    return sh_verr_set(e, "INVALID_CPR", "%s must be a CPR number DDMMYY-SSSS", path);
  return 0;
}

int sh_json_enum(const json_t *obj, const char *key, const char *path, int required,
                 const char *const *names, int first_value, int *out, sh_verr_t *e) {
  const char *s;
  int rc = sh_json_string(obj, key, path, required, 64, &s, e);
  if (rc != 0 || s == NULL)
    return rc;
  char choices[160] = "";
  for (int i = 0; names[i] != NULL; i++) {
    if (strcmp(s, names[i]) == 0) {
      *out = first_value + i;
      return 0;
    }
    size_t used = strlen(choices);
    snprintf(choices + used, sizeof choices - used, "%s%s", i ? ", " : "", names[i]);
  }
  return sh_verr_set(e, "INVALID_FIELD", "%s must be one of: %s", path, choices);
}

int sh_json_event_kind(const json_t *doc, const char *const *names, int *index, sh_verr_t *e) {
  int rc = sh_json_enum(doc, "event", "event", 1, names, 0, index, e);
  if (rc != 0 && strcmp(e->code, "INVALID_FIELD") == 0)
    e->code = "UNKNOWN_EVENT";
  return rc;
}

int sh_json_tenant(const json_t *doc, char out[5], sh_verr_t *e) {
  const char *t;
  int rc = sh_json_string(doc, "tenant", "tenant", 1, 8, &t, e);
  if (rc != 0)
    return rc;
  for (int i = 0; i < 4; i++)
    if (!isdigit((unsigned char)t[i]))
      rc = STAFET_EINVAL;
  if (rc != 0 || t[4] != '\0')
    return sh_verr_set(e, "INVALID_TENANT", "tenant must be a four-digit kommunekode, e.g. 0751");
  memcpy(out, t, 5);
  return 0;
}

int sh_json_event_id(const json_t *doc, const char *prefix, const char *scope, char out[65],
                     sh_verr_t *e) {
  const char *id;
  out[0] = '\0';
  int rc = sh_json_string(doc, "event_id", "event_id", 0, 128, &id, e);
  if (rc != 0 || id == NULL)
    return rc;
  for (const char *c = id; *c != '\0'; c++)
    if (*c <= 0x20 || *c >= 0x7f)
      rc = STAFET_EINVAL;
  if (rc != 0 || id[0] == '\0')
    return sh_verr_set(e, "INVALID_FIELD", "event_id must be 1-128 printable ASCII characters");
  char key[300], hex[SH_HMAC_HEX_LEN + 1];
  int n = snprintf(key, sizeof key, "%s\n%s", scope ? scope : "", id);
  sh_sha256_hex(key, n < (int)sizeof key ? (size_t)n : sizeof key - 1, hex);
  snprintf(out, 65, "%.16s-%.32s", prefix, hex);
  return 0;
}
