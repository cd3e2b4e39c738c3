/*
 * stafet_adapter.h — the plugin ABI of the Stafet adapter host (stafet-adapter).
 *
 * An adapter is a shared object that exports one function,
 *
 *   const stafet_adapter_t *stafet_adapter_entry(void);
 *
 * returning a static table of five callbacks (init, start, stop, on_event,
 * on_request) plus an optional on_tick. The host owns everything else: the
 * connection to the hub (libstafet), the outbox, reconnects, back-pressure,
 * re-subscribing and re-providing after a reconnect, logging with CPR numbers
 * masked, and metrics. Each plugin runs in its own process under the host's
 * supervision, so a plugin that crashes (even in init) is reported and
 * restarted with back-off while the others keep running.
 *
 * Threading: every callback and every host call happens on the plugin
 * process's one thread. A plugin that needs its own sockets (an HTTP server)
 * registers their fds with watch_fd and does its I/O in the callback.
 *
 * Versioning: abi_version must equal STAFET_ADAPTER_ABI_VERSION; the host
 * refuses other versions with a clear message. New members are only ever
 * appended, and a new major version of this header changes the number.
 *
 * The smallest adapter (see adapters/template/ and docs/writing-an-adapter.md):
 *
 *   static int init(const stafet_host_api_t *api, stafet_host_t *host, void **state) {
 *     *state = host;  // keep what you need; api stays valid for the process
 *     return 0;
 *   }
 *   static int start(void *state) { return 0; }
 *   static void stop(void *state) {}
 *   static void on_event(void *state, const stafet_delivery_t *d) { ... api->ack(host, d); }
 *   static void on_request(void *state, const stafet_request_t *r) { ... api->reply(...); }
 *   static const stafet_adapter_t adapter = {
 *       .abi_version = STAFET_ADAPTER_ABI_VERSION, .name = "template",
 *       .init = init, .start = start, .stop = stop,
 *       .on_event = on_event, .on_request = on_request};
 *   const stafet_adapter_t *stafet_adapter_entry(void) { return &adapter; }
 */
#ifndef STAFET_ADAPTER_H
#define STAFET_ADAPTER_H

#include "stafet.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STAFET_ADAPTER_ABI_VERSION 1u

/* The host, as a plugin sees it: opaque, owned by the host. */
typedef struct stafet_host stafet_host_t;

typedef enum {
  STAFET_LOG_DEBUG = 0,
  STAFET_LOG_INFO = 1,
  STAFET_LOG_WARN = 2,
  STAFET_LOG_ERROR = 3,
} stafet_log_level_t;

/* fd readiness for watch_fd. */
enum { STAFET_FD_READ = 1, STAFET_FD_WRITE = 2 };

/* Answer to a request the plugin made (api->request). */
typedef void (*stafet_host_reply_fn)(void *state, int status, const char *error_text,
                                     const void *payload, size_t len, void *arg);
typedef void (*stafet_host_fd_fn)(void *state, int fd, int events);

/* What a plugin may call. Every function returns 0 or a negative STAFET_E*
 * code unless it says otherwise. Strings and buffers are copied: the caller
 * keeps ownership. */
typedef struct stafet_host_api {
  uint32_t abi_version;

  /* Publishes through the host's outbox: once this returns 0 the host keeps
   * re-sending until the hub has stored it (at-least-once, same message id). */
  int (*publish)(stafet_host_t *h, const stafet_envelope_t *env, const void *payload, size_t len);
  /* Subscribes; deliveries arrive in on_event. Kept across reconnects. */
  int (*subscribe)(stafet_host_t *h, const stafet_subscription_t *sub);
  /* Settles a delivery given to on_event (may be called later, e.g. after an
   * HTTP call succeeded: copy subscription and delivery_id first). */
  int (*ack)(stafet_host_t *h, const char *subscription, const char *delivery_id);
  int (*nack)(stafet_host_t *h, const char *subscription, const char *delivery_id, int requeue,
              const char *reason);
  /* Answers requests for service in on_request. Kept across reconnects. */
  int (*provide)(stafet_host_t *h, const char *service);
  int (*reply)(stafet_host_t *h, const char *request_id, const void *payload, size_t len);
  int (*reply_error)(stafet_host_t *h, const char *request_id, const char *error_text);
  /* Asks a service; fn(state, ...) runs exactly once with the answer or an error. */
  int (*request)(stafet_host_t *h, const char *service, const void *payload, size_t len,
                 int timeout_ms, stafet_host_reply_fn fn, void *arg);

  /* One structured log line (key=value), CPR numbers masked by the host. */
  void (*log)(stafet_host_t *h, stafet_log_level_t level, const char *msg, const char *fmt, ...)
      __attribute__((format(printf, 4, 5)));
  /* Metrics the host exposes (Prometheus text on the host's metrics file/endpoint):
   * a counter grows by delta; a gauge is set. Names: lower snake case. */
  void (*counter_add)(stafet_host_t *h, const char *name, double delta);
  void (*gauge_set)(stafet_host_t *h, const char *name, double value);

  /* The plugin's own settings from the host config file ([plugin NAME]
   * section); NULL if absent. Valid for the life of the process. */
  const char *(*config)(stafet_host_t *h, const char *key);
  /* Calls fn(state, fd, events) when fd is ready (STAFET_FD_READ/WRITE);
   * events 0 stops watching. */
  int (*watch_fd)(stafet_host_t *h, int fd, int events, stafet_host_fd_fn fn);
} stafet_host_api_t;

typedef struct stafet_adapter {
  uint32_t abi_version; /* STAFET_ADAPTER_ABI_VERSION */
  const char *name;     /* lower snake case; the hub sees it as the adapter name */

  /* Reads settings (api->config), allocates *state. No hub traffic yet.
   * Non-zero: the plugin is reported as failed and not started. */
  int (*init)(const stafet_host_api_t *api, stafet_host_t *host, void **state);
  /* Connected to the hub: subscribe, provide, open files and sockets. */
  int (*start)(void *state);
  /* Stop work and free state. The host flushes the outbox afterwards. */
  void (*stop)(void *state);
  /* A delivery from one of the plugin's subscriptions; settle it with
   * api->ack / api->nack (now or later). */
  void (*on_event)(void *state, const stafet_delivery_t *d);
  /* A request for a provided service; answer with api->reply / reply_error
   * (now or later, before r->deadline_ms). */
  void (*on_request)(void *state, const stafet_request_t *r);
  /* Optional: called about every tick_ms (host config, default 200 ms), for
   * polling a spool directory, retries and the like. */
  void (*on_tick)(void *state);
} stafet_adapter_t;

/* The one symbol a plugin exports. */
typedef const stafet_adapter_t *(*stafet_adapter_entry_fn)(void);
#define STAFET_ADAPTER_ENTRY "stafet_adapter_entry"

#ifdef __cplusplus
}
#endif

#endif /* STAFET_ADAPTER_H */
