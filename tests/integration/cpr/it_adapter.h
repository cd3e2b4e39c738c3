/*
 * it_adapter.h — what the cpr and debtor integration tests share on top of
 * fixture.h (a private redis-server and a real hub): a stafet-adapter host
 * with fast timings running the plugins under test, waits on log lines and
 * files (polling clients meanwhile, never sleeping blind), asking a service
 * and keeping the whole answer, and a clean stop (th_adapter_stop_clean: exit
 * 0, no sanitizer report in the host's log). Include once per test file.
 */
#ifndef STAFET_IT_ADAPTER_H
#define STAFET_IT_ADAPTER_H

#include "fixture.h"
#include "testkit.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Generous: the suite also runs under ASan on small, busy CI machines. */
#define IT_WAIT_MS 60000

#define IT_TEXTS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Starts stafet-adapter for the world's hub with `plugins` ([plugin NAME]
 * sections); its config and log are <name>.conf and <name>.log in w->dir. */
static inline void it_host_start(th_adapter_t *a, const world_t *w, const char *name,
                                 const char *plugins) {
  char config[8192];
  snprintf(config, sizeof config,
           "hub = %s\nstate_dir = %s/state\ntick_ms = 50\nheartbeat_ms = 200\n"
           "reconnect_max_ms = 200\nrestart_min_ms = 100\nrestart_max_ms = 400\n"
           "stop_timeout_ms = 2000\nlog_level = info\n%s",
           w->hub.endpoint, w->dir, plugins);
  assert_int_equal(th_adapter_start(a, STAFET_ADAPTER_BIN, w->dir, name, config), 0);
}

/* Waits until the plugin has logged `msg` (e.g. "reading spool", which the
 * cpr and debtor plugins log once they subscribe and provide) count times. */
static inline bool it_host_wait_log(const th_adapter_t *a, const char *plugin, const char *msg,
                                    int count, stafet_client_t **clients) {
  char who[96], what[128];
  snprintf(who, sizeof who, "plugin=%s ", plugin);
  snprintf(what, sizeof what, "msg=\"%s\"", msg);
  return th_log_wait(a->log_path, IT_TEXTS(what, who), count, IT_WAIT_MS, clients);
}

/* SIGTERM: the host must stop its plugins and exit 0, with a clean log. */
static inline void it_host_stop(th_adapter_t *a) {
  assert_int_equal(th_adapter_stop_clean(a), 0);
}

/* Asks a service and keeps the whole answer (or error text) in text. */
#define IT_ASK(clients, service, payload, text)                                                    \
  th_ask(clients, service, payload, text, sizeof text, 5000)

/* Polls the clients until dir/name exists. */
static inline bool it_wait_file(stafet_client_t **clients, const char *dir, const char *name) {
  for (long long end = th_now_ms() + IT_WAIT_MS; th_now_ms() < end;) {
    if (testkit_exists(dir, name))
      return true;
    th_poll_for(clients, 5);
  }
  return testkit_exists(dir, name);
}

/* Polls the clients until *count >= want. */
static inline bool it_wait_count(stafet_client_t **clients, const size_t *count, size_t want) {
  return th_poll_until(clients, count, want, IT_WAIT_MS);
}

#endif
