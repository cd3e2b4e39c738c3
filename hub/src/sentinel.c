/*
 * sentinel.c — see sentinel.h. One short-lived hiredis async connection per
 * question, on the hub's loop; sentinels are tried in turn, starting after the
 * one that answered last, so a dead sentinel costs one connect attempt.
 */
#include "sentinel.h"

#include <hiredis/adapters/libuv.h>
#include <hiredis/async.h>
#include <stdlib.h>
#include <string.h>

#define SENTINEL_CONNECT_TIMEOUT_MS 500

typedef struct resolve {
  hub_t *hub;
  void (*done)(hub_t *hub, bool ok);
  size_t tried;
  redisAsyncContext *ac; /* the attempt in progress */
  uv_timer_t watchdog;   /* hiredis 0.14's libuv adapter drops connect errors: time out */
} resolve_t;

static void free_resolve(uv_handle_t *h) {
  free(h->data);
}

/* Ends the question (once): reports, and frees r when its timer has closed. */
static void finish(resolve_t *r, bool ok) {
  uv_timer_stop(&r->watchdog);
  r->done(r->hub, ok);
  uv_close((uv_handle_t *)&r->watchdog, free_resolve);
}

bool sentinel_enabled(const hub_t *hub) {
  return hub->cfg.redis_sentinels[0] != '\0';
}

/* The i-th "host:port" of the comma-separated list into host/port. */
static bool sentinel_address(const hub_t *hub, size_t i, char *host, size_t host_size, int *port) {
  const char *p = hub->cfg.redis_sentinels;
  for (size_t k = 0; k < i && p; k++) {
    p = strchr(p, ',');
    p = p ? p + 1 : NULL;
  }
  if (p == NULL || *p == '\0')
    return false;
  size_t len = strcspn(p, ",");
  const char *colon = memchr(p, ':', len);
  if (colon == NULL)
    return false;
  snprintf(host, host_size, "%.*s", (int)(colon - p), p);
  *port = atoi(colon + 1);
  return *port > 0;
}

static size_t sentinel_count(const hub_t *hub) {
  size_t n = 1;
  for (const char *p = hub->cfg.redis_sentinels; *p; p++)
    n += *p == ',';
  return n;
}

static void ask_next(resolve_t *r);

static void on_master(redisAsyncContext *ac, void *reply_ptr, void *privdata) {
  resolve_t *r = privdata;
  redisReply *reply = reply_ptr;
  hub_t *hub = r->hub;
  bool ok = reply != NULL && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2;
  if (ok) {
    snprintf(hub->store.host, sizeof hub->store.host, "%s", reply->element[0]->str);
    hub->store.port = atoi(reply->element[1]->str);
    log_info(&hub->log, "sentinel: master found", "master=%s host=%s port=%d",
             hub->cfg.redis_master_name, hub->store.host, hub->store.port);
  }
  r->ac = NULL;
  redisAsyncDisconnect(ac);
  if (ok) {
    finish(r, true);
  } else {
    log_warn(&hub->log, "sentinel: no master", "master=%s", hub->cfg.redis_master_name);
    ask_next(r);
  }
}

static void on_sentinel_connect(const redisAsyncContext *ac, int status) {
  resolve_t *r = ac->data;
  if (status != REDIS_OK) {
    log_warn(&r->hub->log, "sentinel unreachable", "err=\"%s\"", ac->errstr);
    r->ac = NULL; /* hiredis frees ac after this callback */
    ask_next(r);
    return;
  }
  const char *argv[] = {"SENTINEL", "get-master-addr-by-name", r->hub->cfg.redis_master_name};
  redisAsyncCommandArgv((redisAsyncContext *)ac, on_master, r, 3, argv, NULL);
}

static void on_watchdog(uv_timer_t *t) {
  resolve_t *r = t->data;
  if (r->ac != NULL) {
    log_warn(&r->hub->log, "sentinel unreachable", "err=\"connect timed out\"");
    redisAsyncFree(r->ac);
    r->ac = NULL;
  }
  ask_next(r);
}

static void ask_next(resolve_t *r) {
  hub_t *hub = r->hub;
  size_t n = sentinel_count(hub);
  while (r->tried < n) {
    size_t i = hub->store.sentinel_cursor++ % n;
    r->tried++;
    char host[256];
    int port;
    if (!sentinel_address(hub, i, host, sizeof host, &port))
      continue;
    redisAsyncContext *ac = redisAsyncConnect(host, port);
    if (ac == NULL || ac->err) {
      if (ac)
        redisAsyncFree(ac);
      continue;
    }
    ac->data = r;
    r->ac = ac;
    redisLibuvAttach(ac, hub->loop);
    redisAsyncSetConnectCallback(ac, on_sentinel_connect);
    uv_timer_start(&r->watchdog, on_watchdog, SENTINEL_CONNECT_TIMEOUT_MS, 0);
    return;
  }
  log_warn(&hub->log, "sentinel: none answered", "sentinels=%s", hub->cfg.redis_sentinels);
  finish(r, false);
}

void sentinel_resolve(hub_t *hub, void (*done)(hub_t *hub, bool ok)) {
  resolve_t *r = calloc(1, sizeof *r);
  if (r == NULL) { /* (no timer yet: plain return) */
    done(hub, false);
    return;
  }
  r->hub = hub;
  r->done = done;
  uv_timer_init(hub->loop, &r->watchdog);
  r->watchdog.data = r;
  ask_next(r);
}
