/*
 * log.c — formats a structured log line, masks CPR numbers in all of it and
 * writes it in one fwrite so that concurrent writers never interleave lines.
 */
#include "log.h"

#include "mask.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

static const char *level_names[] = {"debug", "info", "warn", "error"};

int log_level_parse(const char *text, log_level_t *out) {
  for (int i = 0; i < 4; i++) {
    if (strcmp(text, level_names[i]) == 0) {
      *out = (log_level_t)i;
      return 0;
    }
  }
  return -1;
}

void log_write(const logger_t *log, log_level_t level, const char *msg, const char *fmt, ...) {
  if (log == NULL || level < log->level)
    return;
  char raw[2048];
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  struct tm tm;
  gmtime_r(&now.tv_sec, &tm);
  int n = snprintf(
      raw, sizeof raw, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s comp=%s msg=\"%s\"",
      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
      now.tv_nsec / 1000000L, level_names[level], log->name ? log->name : "stafet", msg);
  if (n < 0)
    return;
  if (fmt != NULL && (size_t)n < sizeof raw - 2) {
    raw[n++] = ' ';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw + n, sizeof raw - (size_t)n, fmt, ap);
    va_end(ap);
  }
  char masked[2048 + 2];
  size_t len = cpr_mask(raw, masked, sizeof masked - 1);
  masked[len++] = '\n';
  fwrite(masked, 1, len, log->out ? log->out : stderr);
  fflush(log->out ? log->out : stderr);
}
