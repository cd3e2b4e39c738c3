/*
 * format.c — small output helpers for stafetctl's human-readable tables:
 * ages, times, a progress bar, and forgiving JSON accessors.
 */
#include "ctl.h"

#include <string.h>
#include <time.h>

void ctl_age(long long ms, char *out, size_t size) {
  long long s = ms / 1000;
  if (ms <= 0)
    snprintf(out, size, "-");
  else if (s < 60)
    snprintf(out, size, "%llds", s);
  else if (s < 3600)
    snprintf(out, size, "%lldm%02llds", s / 60, s % 60);
  else if (s < 86400)
    snprintf(out, size, "%lldh%02lldm", s / 3600, s % 3600 / 60);
  else
    snprintf(out, size, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
}

void ctl_time(long long ms, char *out, size_t size) {
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  if (ms <= 0 || gmtime_r(&t, &tm) == NULL)
    snprintf(out, size, "-");
  else
    strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm);
}

void ctl_progress(FILE *stream, long long done, long long total) {
  enum { WIDTH = 30 };
  int filled = total > 0 ? (int)(done * WIDTH / total) : WIDTH;
  if (filled > WIDTH)
    filled = WIDTH;
  char bar[WIDTH + 1];
  memset(bar, '#', (size_t)filled);
  memset(bar + filled, '.', (size_t)(WIDTH - filled));
  bar[WIDTH] = '\0';
  fprintf(stream, "\r[%s] %lld/%lld", bar, done, total);
  fflush(stream);
}

const char *jstr(const json_t *obj, const char *key) {
  const char *s = json_string_value(json_object_get(obj, key));
  return s ? s : "";
}

long long jint(const json_t *obj, const char *key) {
  return (long long)json_integer_value(json_object_get(obj, key));
}

void jjoin(const json_t *array, const char *sep, char *out, size_t size) {
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < json_array_size(array) && used < size; i++) {
    const char *s = json_string_value(json_array_get(array, i));
    int n = snprintf(out + used, size - used, "%s%s", i ? sep : "", s ? s : "");
    if (n < 0)
      break;
    used += (size_t)n;
  }
}
