/*
 * stafet_adapter.h — the plugin ABI of the Stafet adapter host (stafet-adapter).
 *
 * An adapter is a shared object (libstafet_adapter_<name>.so) that exports
 * one function,
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
 * registers their fds with watch_fd and does its I/O in the callback. The
 * host never re-enters a plugin: while one of its callbacks runs (even one
 * that waits inside api->subscribe or api->provide), deliveries, requests and
 * replies that arrive are held and handed over, in order, after it returns.
 *
 * Life of a plugin process: init -> (host connects to the hub) -> start ->
 * on_event / on_request / on_tick / fd callbacks ... -> stop. After init
 * succeeded, stop is called exactly once (also when start fails or SIGTERM
 * comes before the hub was reached); after stop nothing reaches the plugin.
 * A plugin whose init or start fails, or that crashes, is reported with the
 * reason and started again (a new process) with exponential back-off.
 *
 * Versioning: abi_version must equal STAFET_ADAPTER_ABI_VERSION; the host
 * refuses other versions with a clear message. New members are only ever
 * appended, and a new major version of this header changes the number.
 *
 * The smallest adapter (see adapters/template/ and docs/writing-an-adapter.md):
 *
 *   typedef struct mine { const stafet_host_api_t *api; stafet_host_t *host; } mine_t;
 *
 *   static int init(const stafet_host_api_t *api, stafet_host_t *host, void **state) {
 *     mine_t *m = calloc(1, sizeof *m);  // api and host stay valid for the process
 *     if (m == NULL)
 *       return STAFET_ENOMEM;
 *     m->api = api, m->host = host;
 *     *state = m;
 *     return 0;
 *   }
 *   static int start(void *state) {
 *     mine_t *m = state;
 *     return m->api->provide(m->host, "mine.status.get");
 *   }
 *   static void stop(void *state) { free(state); }
 *   static void on_event(void *state, const stafet_delivery_t *d) {
 *     mine_t *m = state;
 *     m->api->ack(m->host, d->subscription, d->delivery_id);
 *   }
 *   static void on_request(void *state, const stafet_request_t *r) {
 *     mine_t *m = state;
 *     m->api->reply(m->host, r->request_id, "ok", 2);
 *   }
 *   static const stafet_adapter_t adapter = {
 *       .abi_version = STAFET_ADAPTER_ABI_VERSION, .name = "mine",
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

/*
 * What a plugin may call. Every function returns 0 or a negative STAFET_E*
 * code unless it says otherwise. Strings and buffers are copied: the caller
 * keeps ownership. None of them calls back into the plugin before it returns.
 */
typedef struct stafet_host_api {
  uint32_t abi_version; /* STAFET_ADAPTER_ABI_VERSION of the host */

  /*
   * Publishes through the host's outbox. The event is first written to the
   * plugin's outbox journal (<state_dir>/<NAME>.outbox, fsync'ed unless the
   * host runs with outbox_fsync = no), then handed to libstafet, which sends
   * it and re-sends it with the same message id until the hub has stored it.
   * So once this returns 0 the event reaches the hub even if the plugin
   * process crashes or is killed: the restarted process re-sends what the
   * hub had not acknowledged. env->message_id NULL: the host makes a UUIDv7;
   * derive your own from the source record to make re-publishing idempotent
   * (the hub drops an id it stored within its dedupe_ttl_ms).
   * Returns 0, STAFET_EFULL (outbox_max events already wait for the hub:
   * back-pressure; keep the source record and try again on a later tick),
   * STAFET_ETOPIC, STAFET_EINVAL, STAFET_ETOOBIG, or STAFET_EIO (the journal
   * could not be written: nothing was published).
   */
  int (*publish)(stafet_host_t *h, const stafet_envelope_t *env, const void *payload, size_t len);
  /*
   * Subscribes; deliveries arrive in on_event. Kept across reconnects. Waits
   * up to hub_timeout_ms for the hub's answer (other callbacks are held
   * meanwhile), so call it from start. Returns 0 (also when the hub did not
   * answer in time: the subscription stays and takes effect when it does;
   * the host logs it), STAFET_EPATTERN, STAFET_EFILTER, STAFET_EINVAL, or
   * STAFET_EEXIST (this plugin has the name already, or the durable
   * subscription exists with other patterns or filters).
   */
  int (*subscribe)(stafet_host_t *h, const stafet_subscription_t *sub);
  /*
   * Settles a delivery given to on_event, now or later (e.g. after an HTTP
   * call succeeded: copy subscription and delivery_id first). nack: requeue
   * != 0 delivers it again at once; 0 dead-letters it with reason. Both
   * return STAFET_ECLOSED when the connection to the hub was lost since the
   * delivery: the hub redelivers it, so processing must be idempotent
   * (envelope->message_id is the same on every delivery). Transient
   * deliveries (delivery_id "") need no ack.
   */
  int (*ack)(stafet_host_t *h, const char *subscription, const char *delivery_id);
  int (*nack)(stafet_host_t *h, const char *subscription, const char *delivery_id, int requeue,
              const char *reason);
  /* Answers requests for service in on_request. Kept across reconnects.
   * Waits for the hub's answer as subscribe does; STAFET_EEXIST if this
   * plugin provides it already. */
  int (*provide)(stafet_host_t *h, const char *service);
  /* Answers a request (at most once per request_id, before its deadline; a
   * later answer is dropped by the hub). reply_error: the requester gets
   * STAFET_EPROVIDER with error_text. */
  int (*reply)(stafet_host_t *h, const char *request_id, const void *payload, size_t len);
  int (*reply_error)(stafet_host_t *h, const char *request_id, const char *error_text);
  /*
   * Asks a service with a deadline timeout_ms (> 0) from now. fn(state,
   * status, error_text, payload, len, arg) runs exactly once, later, from
   * the host loop: status 0 with the answer (payload valid during fn only),
   * or STAFET_ENOPROVIDER, STAFET_ETIMEDOUT, STAFET_EPROVIDER (error_text
   * from the provider), STAFET_EUNAVAIL (connection lost). Returns
   * STAFET_EUNAVAIL at once while not connected (then fn is not called).
   * Answers still pending at stop are dropped.
   */
  int (*request)(stafet_host_t *h, const char *service, const void *payload, size_t len,
                 int timeout_ms, stafet_host_reply_fn fn, void *arg);

  /*
   * One structured log line on stderr: `ts=.. level=.. comp=stafet-adapter
   * msg="msg" plugin=NAME <fmt...>`; fmt formats key=value pairs (may be
   * NULL; quote values with spaces: key="a b"). The whole line passes through
   * the CPR mask (DDMMYY-SSSS -> DDMMYY-****); still, log ids, not personal data.
   */
  void (*log)(stafet_host_t *h, stafet_log_level_t level, const char *msg, const char *fmt, ...)
      __attribute__((format(printf, 4, 5)));
  /*
   * Metrics, written as Prometheus text to <metrics_dir>/stafet-adapter-NAME.prom
   * (node_exporter's textfile collector reads it): a counter grows by delta
   * and appears as stafet_plugin_<name>_total{plugin="NAME"}; a gauge is set
   * and appears as stafet_plugin_<name>{plugin="NAME"}. Names: lower snake
   * case, at most 48 bytes, at most 200 of them; others are logged and ignored.
   */
  void (*counter_add)(stafet_host_t *h, const char *name, double delta);
  void (*gauge_set)(stafet_host_t *h, const char *name, double value);

  /* The plugin's own settings from the host config file ([plugin NAME]
   * section, `path` included); NULL if absent. Valid for the life of the
   * process. */
  const char *(*config)(stafet_host_t *h, const char *key);
  /*
   * Calls fn(state, fd, events) from the host loop when fd is ready
   * (STAFET_FD_READ and/or STAFET_FD_WRITE; an error or hang-up is reported
   * as the events watched, so the plugin's own read or write sees it).
   * Watching an fd again replaces its watch; events 0 stops watching: do
   * that before closing the fd. 0 or STAFET_EINVAL.
   */
  int (*watch_fd)(stafet_host_t *h, int fd, int events, stafet_host_fd_fn fn);
} stafet_host_api_t;

typedef struct stafet_adapter {
  uint32_t abi_version; /* STAFET_ADAPTER_ABI_VERSION */
  /* Lower snake case: the plugin's kind, checked by the host and shown in its
   * logs. The hub sees the config section's name ([plugin NAME]) as the
   * adapter name, so one .so can run as several instances with different
   * settings; usually the two are the same. */
  const char *name;

  /* Reads settings (api->config), allocates *state. No hub connection yet.
   * Non-zero (a STAFET_E* code): reported as failed ("init returned -1
   * (invalid argument)"), stop is not called (free what you allocated), and
   * the plugin is started again after a back-off. */
  int (*init)(const stafet_host_api_t *api, stafet_host_t *host, void **state);
  /* Connected to the hub: subscribe, provide, open files and sockets, watch
   * fds. Non-zero: reported, stop is called, started again after a back-off. */
  int (*start)(void *state);
  /* SIGTERM (or a failed start): stop work, stop watching and close fds,
   * free state. Publish and ack still work here; the host then flushes the
   * outbox (up to stop_timeout_ms; what is left stays in the journal for the
   * next start). Nothing reaches the plugin after stop returns. */
  void (*stop)(void *state);
  /* A delivery from one of the plugin's subscriptions, valid only during the
   * call (copy what you keep). Settle it with api->ack / api->nack, now or
   * later; an unsettled one is redelivered after the subscription's
   * ack_timeout_ms (d->delivery_count > 1). Must return quickly. */
  void (*on_event)(void *state, const stafet_delivery_t *d);
  /* A request for a provided service, valid only during the call; answer
   * with api->reply / reply_error now or later (copy r->request_id), before
   * r->deadline_ms (absolute Unix milliseconds). */
  void (*on_request)(void *state, const stafet_request_t *r);
  /* Optional (NULL: none): called about every tick_ms (host config, default
   * 200 ms), for polling a spool directory, retries and the like. */
  void (*on_tick)(void *state);
} stafet_adapter_t;

/* The one symbol a plugin exports. Declared here with default visibility so
 * that a plugin built with -fvisibility=hidden still exports it. */
typedef const stafet_adapter_t *(*stafet_adapter_entry_fn)(void);
#define STAFET_ADAPTER_ENTRY "stafet_adapter_entry"
__attribute__((visibility("default"))) const stafet_adapter_t *stafet_adapter_entry(void);

#ifdef __cplusplus
}
#endif

#endif /* STAFET_ADAPTER_H */
