/*
 * host.h — struct stafet_host: everything one plugin process holds (the
 * plugin's table and state, its libstafet client, its outbox journal, its
 * metrics, the fds it watches, the callbacks held back while it is busy),
 * and the only doors into the plugin's code.
 *
 * Every call into the plugin goes through a host_call_*() function here.
 * They count how deep the plugin is (busy); whatever arrives from the hub
 * while busy > 0 is queued (defer.h) and handed over when the outermost
 * callback returns. So a plugin is never re-entered, and after stop nothing
 * reaches it at all.
 */
#ifndef STAFET_HOST_HOST_H
#define STAFET_HOST_HOST_H

#include "conf.h"
#include "defer.h"
#include "journal.h"
#include "log.h" /* the hub's key=value logger, shared (hub/src/log.h) */
#include "stafet.h"
#include "stafet_adapter.h"
#include "stats.h"

typedef struct host_watch {
  int fd;
  int events; /* STAFET_FD_READ | STAFET_FD_WRITE */
  stafet_host_fd_fn fn;
} host_watch_t;

/* A request the plugin made, waiting for its answer (see hostapi.c). */
typedef struct host_call {
  struct host_call *next;
  stafet_host_t *host;
  stafet_host_reply_fn fn;
  void *arg;
} host_call_t;

struct stafet_host {
  const host_conf_t *cfg;          /* not owned */
  const conf_plugin_t *plugin;     /* not owned; its name is the hub adapter name */
  const stafet_adapter_t *adapter; /* the plugin's table, not owned */
  void *state;                     /* the plugin's, from init */
  logger_t log;
  stafet_client_t *client; /* owned */
  journal_t journal;       /* owned */
  stats_t stats;
  host_watch_t *watches; /* owned array */
  size_t n_watches, cap_watches;
  defer_queue_t deferred;
  host_call_t *calls; /* owned list */
  int busy;           /* plugin callbacks on the stack */
  int draining;       /* handing deferred callbacks over */
  int accepting;      /* events and requests may reach the plugin (start .. stop) */
  int stopped;        /* stop was called (or init failed): nothing reaches the plugin */
  int replay_done;    /* every journalled publish has been handed to libstafet */
  unsigned metric_warnings;
};

/* The table a plugin's init receives (hostapi.c). Static and constant. */
const stafet_host_api_t *host_api(void);

/* ---- into the plugin (host.c) ---- */
int host_call_init(stafet_host_t *h);
int host_call_start(stafet_host_t *h);
/* Calls stop once (later calls do nothing); drops what was held back. */
void host_call_stop(stafet_host_t *h);
void host_call_tick(stafet_host_t *h);
void host_call_fd(stafet_host_t *h, stafet_host_fd_fn fn, int fd, int events);
/* Hands an answer to a request the plugin made (or holds it while busy). */
void host_call_reply(stafet_host_t *h, stafet_host_reply_fn fn, void *arg, int status,
                     const char *text, const void *payload, size_t len);

/* ---- from libstafet (host.c); arg is the stafet_host_t ---- */
void host_on_deliver(stafet_client_t *c, const stafet_delivery_t *d, void *arg);
void host_on_request(stafet_client_t *c, const stafet_request_t *r, void *arg);
void host_on_published(stafet_client_t *c, const char *message_id, int status, int duplicate,
                       void *arg);
void host_on_error(stafet_client_t *c, int hub_code, const char *name, const char *text, void *arg);

/* ---- the outbox journal (host.c) ---- */
/* Hands journalled publishes to libstafet until done or its outbox is full.
 * Sets replay_done when all are handed over. */
void host_replay(stafet_host_t *h);

/* ---- fds (host.c) ---- */
/* Sets (events != 0) or removes (events == 0) the watch of fd. 0 or STAFET_E*. */
int host_watch_set(stafet_host_t *h, int fd, int events, stafet_host_fd_fn fn);
const host_watch_t *host_watch_find(const stafet_host_t *h, int fd);

/* ---- metrics (host.c) ---- */
/* The host's own counters (names stafet_adapter_*). */
void host_count(stafet_host_t *h, const char *name, double delta);
/* Writes <metrics_dir>/stafet-adapter-<plugin>.prom if metrics_dir is set. */
void host_write_metrics(stafet_host_t *h);

/* Frees what h holds (client, journal, watches, queues). The plugin's
 * state is the plugin's: stop frees it. */
void host_free(stafet_host_t *h);

#endif
