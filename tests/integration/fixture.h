/*
 * fixture.h — the cmocka fixture every integration test starts from: a temp
 * dir, a private redis-server and one hub. Include once per test file.
 */
#ifndef STAFET_TEST_FIXTURE_H
#define STAFET_TEST_FIXTURE_H

#include "harness.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct world {
  char dir[256];
  th_redis_t redis;
  th_hub_t hub;
} world_t;

/* Starts redis and a hub with the given extra flags (NULL-terminated list). */
static inline int world_up(void **state, const char *const *extra) {
  static world_t w;
  memset(&w, 0, sizeof w);
  th_tempdir(w.dir);
  if (th_redis_start(&w.redis, w.dir) != 0)
    return -1;
  for (size_t i = 0; extra != NULL && extra[i] != NULL && i < 15; i++)
    w.hub.extra[i] = extra[i];
  if (th_hub_start(&w.hub, w.dir, &w.redis) != 0)
    return -1;
  *state = &w;
  return 0;
}

/* Stops everything; fails the test if the hub's log holds a sanitizer report
 * (the hub runs as its own process, so its reports would otherwise go unseen). */
static inline int world_down(void **state) {
  world_t *w = *state;
  th_hub_stop(&w->hub, SIGTERM);
  th_redis_stop(&w->redis, SIGTERM);
  int reports = th_hub_log_count(&w->hub, "runtime error") + th_hub_log_count(&w->hub, "Sanitizer");
  if (reports > 0) {
    fprintf(stderr, "hub log %s has %d sanitizer report lines\n", w->hub.log_path, reports);
    return -1;
  }
  if (getenv("STAFET_KEEP_TEST_DIRS") == NULL)
    th_rmdir(w->dir);
  return 0;
}

static inline int world_default(void **state) {
  static const char *const extra[] = {"--ack-timeout-ms", "1000", NULL};
  return world_up(state, extra);
}

#define PATTERNS(...) ((const char *const[]){__VA_ARGS__})

#endif
