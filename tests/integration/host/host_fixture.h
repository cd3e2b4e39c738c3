/*
 * host_fixture.h — what the stafet-adapter integration tests share, on top
 * of fixture.h (a private redis-server and a real hub) and the harness's
 * th_adapter_* helpers: a scene with a test client subscribed to what the
 * plugins publish, a host config with fast timings in the test's dir, and
 * waits on log lines and on collected topics. Include once per test file.
 */
#ifndef STAFET_TEST_HOST_FIXTURE_H
#define STAFET_TEST_HOST_FIXTURE_H

#include "fixture.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define TEXTS(...) ((const char *const[]){__VA_ARGS__, NULL})

/*
 * A scene: the world, one host, one test client with a durable
 * subscription whose deliveries are collected (and acked) in col, and an
 * inbox folder w->dir/inbox for the template adapter. A test that needs
 * more embeds host_scene_t as the first member of its own struct.
 */
typedef struct host_scene {
  world_t *w;
  th_adapter_t adapter;
  th_adapter_t other; /* a second host, for the tests that need one */
  stafet_client_t *client;
  stafet_client_t *clients[2]; /* {client, NULL}: for the polling waits */
  th_collector_t col;
  char inbox[300];
} host_scene_t;

/*
 * world_default(), then a scene of `size` bytes (>= sizeof(host_scene_t))
 * in *state, its client subscribed as sub_name to the patterns. deliver:
 * NULL collects into col; else deliver(client, d, scene) is called (it
 * may pass d on to th_on_deliver(c, d, &scene->col)).
 */
static inline int host_scene_up(void **state, size_t size, const char *sub_name,
                                const char *const *patterns, size_t n_patterns,
                                stafet_deliver_cb deliver) {
  if (world_default(state) != 0)
    return -1;
  host_scene_t *s = calloc(1, size);
  s->w = *state;
  *state = s;
  snprintf(s->inbox, sizeof s->inbox, "%s/inbox", s->w->dir);
  mkdir(s->inbox, 0700);
  th_collector_init(&s->col, true);
  s->client = th_client(s->w->hub.endpoint, sub_name);
  s->clients[0] = s->client;
  stafet_subscription_t sub = {.name = sub_name, .patterns = patterns, .n_patterns = n_patterns};
  if (s->client == NULL)
    return -1;
  return stafet_client_subscribe(s->client, &sub, deliver ? deliver : th_on_deliver,
                                 deliver ? (void *)s : (void *)&s->col, 15000);
}

/* Kills the hosts a failed test left running, and takes the world down. */
static inline int host_scene_down(void **state) {
  host_scene_t *s = *state;
  th_adapter_stop(&s->adapter, SIGKILL);
  th_adapter_stop(&s->other, SIGKILL);
  stafet_client_destroy(s->client);
  th_collector_free(&s->col);
  void *w = s->w;
  free(s);
  return world_down(&w);
}

/*
 * Starts stafet-adapter for the scene's hub: state and metrics in w->dir,
 * fast ticks, heartbeats, restarts and metrics, then `plugins` ([plugin
 * NAME] sections). name: its .conf and .log in w->dir.
 */
static inline void host_start(th_adapter_t *a, const world_t *w, const char *name,
                              const char *plugins) {
  char config[8192];
  snprintf(config, sizeof config,
           "hub = %s\nstate_dir = %s/state\nmetrics_dir = %s\nmetrics_interval_ms = 100\n"
           "tick_ms = 50\nheartbeat_ms = 200\nreconnect_max_ms = 200\nrestart_min_ms = 100\n"
           "restart_max_ms = 400\nstop_timeout_ms = 2000\nlog_level = info\n%s",
           w->hub.endpoint, w->dir, w->dir, plugins);
  assert_int_equal(th_adapter_start(a, STAFET_ADAPTER_BIN, w->dir, name, config), 0);
}

/* Waits (polling the clients) until the supervisor has logged `count` times
 * that plugin is running. */
static inline bool host_wait_running(const th_adapter_t *a, const char *plugin, int count,
                                     stafet_client_t **clients) {
  char who[96];
  snprintf(who, sizeof who, "plugin=%s ", plugin);
  return th_log_wait(a->log_path, TEXTS("msg=\"plugin running\"", who, "restarts="), count, 30000,
                     clients);
}

/* Asks service; returns the status, the answer or error text in text (256 bytes). */
static inline int host_ask(stafet_client_t **clients, const char *service, const char *payload,
                           char text[256]) {
  return th_ask(clients, service, payload, text, 256, 5000);
}

/* Number of collected deliveries with this topic. */
static inline size_t host_count_topic(const th_collector_t *col, const char *topic) {
  size_t n = 0;
  for (size_t i = 0; i < col->n; i++)
    n += strcmp(col->topics[i], topic) == 0;
  return n;
}

/* Polls the clients until col holds `count` deliveries of topic. */
static inline bool host_wait_topic(stafet_client_t **clients, const th_collector_t *col,
                                   const char *topic, size_t count, int timeout_ms) {
  for (long long end = th_now_ms() + timeout_ms; th_now_ms() < end;) {
    if (host_count_topic(col, topic) >= count)
      return true;
    th_poll_for(clients, 5);
  }
  return host_count_topic(col, topic) >= count;
}

/* SIGTERM: the host must stop every plugin and exit 0, with a clean log. */
static inline void host_stop_clean(th_adapter_t *a) {
  assert_int_equal(th_adapter_stop_clean(a), 0);
}

/* True while a process with this pid exists. */
static inline bool host_pid_alive(pid_t pid) {
  return pid > 0 && kill(pid, 0) == 0;
}

/* Writes a file the way a producer should: a dot file, renamed into place. */
static inline void host_drop_file(const char *dir, const char *name, const char *text) {
  char tmp[400], final[400];
  snprintf(tmp, sizeof tmp, "%s/.%s", dir, name);
  snprintf(final, sizeof final, "%s/%s", dir, name);
  FILE *f = fopen(tmp, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  assert_int_equal(rename(tmp, final), 0);
}

#endif
