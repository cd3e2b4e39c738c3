/*
 * sim_post.h — posts generated events to an adapter's HTTP endpoint at a
 * chosen rate (a separate process: blocking libcurl calls are fine here),
 * and the command line the two generators share:
 *
 *   stafet-sim-events     --url http://127.0.0.1:8082/contact/events --kind mixed
 *   stafet-sim-esdh-hooks --url http://127.0.0.1:8081/esdh/events
 *     [--rate PER_SECOND] [--count N (0: until killed)] [--seed N] [--tenant 0751] [--quiet]
 *
 * Prints one line per event (unless --quiet) and a summary:
 * "posted=N accepted=N rejected=N failed=N".
 */
#ifndef STAFET_SIM_POST_H
#define STAFET_SIM_POST_H

#include "sim_gen.h"

typedef struct sim_options {
  const char *url;
  sim_kind_t kind;
  double rate;         /* events per second; 0: as fast as answered */
  unsigned long count; /* 0: until killed */
  uint64_t seed;
  const char *tenant;
  int quiet;
} sim_options_t;

typedef struct sim_totals {
  unsigned long posted, accepted, rejected, failed;
} sim_totals_t;

/* Parses argv into o (defaults set by the caller). 0, 1 for --help, -1 on
 * a bad option (a message went to stderr). */
int sim_options_parse(int argc, char **argv, sim_options_t *o);
/* Runs the generator; fills t. Returns 0, or -1 if curl cannot start. */
int sim_post_run(const sim_options_t *o, sim_totals_t *t);
/* main() of both generators. */
int sim_main(int argc, char **argv, const char *default_url, sim_kind_t default_kind);

#endif
