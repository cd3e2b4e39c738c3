/*
 * demo.h — the two commands of stafet-demo and what they share.
 *
 * `pub` publishes synthetic events (events.h) and prints one line per
 * acknowledgement; `sub` subscribes durably and prints and acks every
 * delivery. Each command is split into parsing (testable) and running; main.c
 * owns the process: the signal flag and the exit code.
 */
#ifndef STAFET_DEMO_H
#define STAFET_DEMO_H

#include "stafet.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#define DEMO_MAX_LIST           16 /* most --pattern / --filter options */
#define DEMO_CONNECT_TIMEOUT_MS 5000

typedef struct demo_pub_opts {
  const char *endpoint;
  unsigned rate;       /* events per second; 0: as fast as the outbox allows */
  unsigned long count; /* 0: until stopped */
} demo_pub_opts_t;

typedef struct demo_sub_opts {
  const char *endpoint;
  const char *name;
  const char *patterns[DEMO_MAX_LIST];
  size_t n_patterns;
  const char *filters[DEMO_MAX_LIST];
  size_t n_filters;
  unsigned long reject_every; /* 0: ack all; N: reject (dead-letter) every Nth delivery */
} demo_sub_opts_t;

/* Parse results: go on, --help was printed (exit 0), or a usage error was printed (exit 2). */
enum { DEMO_RUN = 0, DEMO_HELP = 1, DEMO_USAGE = 2 };

/* Parses `pub` arguments (argv[0] is "pub"); messages go to out/err. argv is borrowed. */
int demo_pub_parse(int argc, char **argv, demo_pub_opts_t *o, FILE *out, FILE *err);
/* Parses `sub` arguments (argv[0] is "sub"). */
int demo_sub_parse(int argc, char **argv, demo_sub_opts_t *o, FILE *out, FILE *err);

/* Runs until done or *stop is set; returns the process exit code. */
int demo_pub_run(const demo_pub_opts_t *o, volatile sig_atomic_t *stop);
int demo_sub_run(const demo_sub_opts_t *o, volatile sig_atomic_t *stop);

/*
 * Argument helper: if argv[*i] is `name VALUE` or `name=VALUE`, sets *value
 * (borrowed from argv), advances *i past it and returns 1; returns -1 if the
 * value is missing, 0 if argv[*i] is another option.
 */
int demo_arg(int argc, char **argv, int *i, const char *name, const char **value);

/* Parses a whole unsigned number; 0 or -1. */
int demo_parse_ulong(const char *text, unsigned long *out);

/* Monotonic milliseconds. */
int64_t demo_now_ms(void);
/* Unix milliseconds. */
int64_t demo_wall_ms(void);

/*
 * Creates a client (adapter "demo") and connects it; prints why not on
 * stderr. On success *out is owned by the caller (stafet_client_destroy()).
 */
int demo_connect(const char *endpoint, stafet_client_t **out);

/* Prints line to f with CPR numbers masked, then a newline. */
void demo_print_masked(FILE *f, const char *line);

#endif
