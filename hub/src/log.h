/*
 * log.h — structured log lines to stderr, for journald.
 *
 * One line per event: `ts=... level=info msg="..." key=value ...`. The whole
 * line passes through cpr_mask() before it is written, so a CPR number in a
 * topic, an attribute or an error text never reaches the log. The logger is a
 * plain struct the caller owns (no global state outside main.c).
 */
#ifndef STAFET_LOG_H
#define STAFET_LOG_H

#include <stdio.h>

typedef enum { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 } log_level_t;

typedef struct logger {
  log_level_t level;
  FILE *out;        /* stderr unless a test points it elsewhere */
  const char *name; /* component, e.g. the hub id; not owned */
} logger_t;

/* Parses "debug"/"info"/"warn"/"error"; returns 0 or -1 if unknown. */
int log_level_parse(const char *text, log_level_t *out);

/*
 * Writes one line: `msg` is the event, `fmt` formats key=value pairs (may be
 * NULL). Values with spaces should be quoted by the caller: key="a b".
 */
void log_write(const logger_t *log, log_level_t level, const char *msg, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define log_debug(l, msg, ...) log_write((l), LOG_DEBUG, (msg), __VA_ARGS__)
#define log_info(l, msg, ...)  log_write((l), LOG_INFO, (msg), __VA_ARGS__)
#define log_warn(l, msg, ...)  log_write((l), LOG_WARN, (msg), __VA_ARGS__)
#define log_error(l, msg, ...) log_write((l), LOG_ERROR, (msg), __VA_ARGS__)

#endif
