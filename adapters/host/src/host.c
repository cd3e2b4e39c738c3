/*
 * host.c — the doors into the plugin (see host.h for the rule they keep:
 * never re-entered, nothing after stop), the libstafet callbacks that feed
 * them, the replay of the outbox journal, the fd watch list and metrics.
 */
#include "host.h"

#include "envcodec.h"

#include <stdlib.h>
#include <string.h>

static void enter(stafet_host_t *h) {
  h->busy++;
}

static void drain(stafet_host_t *h);

static void leave(stafet_host_t *h) {
  if (--h->busy == 0)
    drain(h);
}

/* ---- calls into the plugin ---- */

static void deliver_now(stafet_host_t *h, const stafet_delivery_t *d) {
  host_count(h, "stafet_adapter_deliveries_total", 1);
  enter(h);
  h->adapter->on_event(h->state, d);
  leave(h);
}

static void request_now(stafet_host_t *h, const stafet_request_t *r) {
  host_count(h, "stafet_adapter_requests_total", 1);
  enter(h);
  h->adapter->on_request(h->state, r);
  leave(h);
}

static void reply_now(stafet_host_t *h, stafet_host_reply_fn fn, void *arg, int status,
                      const char *text, const void *payload, size_t len) {
  enter(h);
  fn(h->state, status, text, payload, len, arg);
  leave(h);
}

int host_call_init(stafet_host_t *h) {
  enter(h);
  int rc = h->adapter->init(host_api(), h, &h->state);
  leave(h);
  if (rc != 0)
    h->stopped = 1; /* init failed: the plugin has nothing to stop */
  return rc;
}

int host_call_start(stafet_host_t *h) {
  h->accepting = 1;
  enter(h);
  int rc = h->adapter->start(h->state);
  if (rc != 0)
    h->accepting = 0; /* what arrived meanwhile is not handed over */
  leave(h);
  return rc;
}

/* Answers held-back requests with an error and drops held events (the hub
 * redelivers those once this session ends). */
static void drop_deferred(stafet_host_t *h) {
  defer_item_t *it;
  while ((it = defer_pop(&h->deferred)) != NULL) {
    if (it->kind == DEFER_REQUEST)
      stafet_client_reply_error(h->client, it->id, "adapter is stopping");
    defer_item_free(it);
  }
}

void host_call_stop(stafet_host_t *h) {
  if (h->stopped)
    return;
  h->accepting = 0;
  drop_deferred(h);
  enter(h);
  h->adapter->stop(h->state);
  h->busy--;
  h->stopped = 1;
  h->state = NULL;
  drop_deferred(h);
}

void host_call_tick(stafet_host_t *h) {
  if (h->stopped || !h->accepting || h->adapter->on_tick == NULL)
    return;
  enter(h);
  h->adapter->on_tick(h->state);
  leave(h);
}

void host_call_fd(stafet_host_t *h, stafet_host_fd_fn fn, int fd, int events) {
  if (h->stopped)
    return;
  enter(h);
  fn(h->state, fd, events);
  leave(h);
}

void host_call_reply(stafet_host_t *h, stafet_host_reply_fn fn, void *arg, int status,
                     const char *text, const void *payload, size_t len) {
  if (h->stopped)
    return;
  if (h->busy == 0) {
    reply_now(h, fn, arg, status, text, payload, len);
    return;
  }
  host_count(h, "stafet_adapter_held_back_total", 1);
  if (defer_reply(&h->deferred, fn, arg, status, text, payload, len) < 0)
    log_error(&h->log, "answer lost: no memory to hold it", "plugin=%s", h->plugin->name);
}

/* Hands one held-back item to the plugin (busy is 0). */
static void hand_over(stafet_host_t *h, defer_item_t *it) {
  envcodec_view_t v;
  stafet_delivery_t d;
  stafet_request_t r;
  if (it->kind == DEFER_REPLY) {
    reply_now(h, it->fn, it->arg, it->status, it->text, it->bytes, it->len);
  } else if (it->kind == DEFER_EVENT && defer_as_delivery(it, &v, &d) == 0) {
    deliver_now(h, &d);
    envcodec_view_free(&v);
  } else if (it->kind == DEFER_REQUEST && defer_as_request(it, &v, &r) == 0) {
    request_now(h, &r);
    envcodec_view_free(&v);
  }
}

static void drain(stafet_host_t *h) {
  if (h->draining)
    return; /* the loop below is already running further up the stack */
  h->draining = 1;
  defer_item_t *it;
  while (h->busy == 0 && !h->stopped && (it = defer_pop(&h->deferred)) != NULL) {
    if (h->accepting || it->kind == DEFER_REPLY)
      hand_over(h, it);
    else if (it->kind == DEFER_REQUEST)
      stafet_client_reply_error(h->client, it->id, "adapter is not running");
    defer_item_free(it);
  }
  h->draining = 0;
}

/* ---- from libstafet ---- */

void host_on_deliver(stafet_client_t *c, const stafet_delivery_t *d, void *arg) {
  stafet_host_t *h = arg;
  if (h->stopped || !h->accepting)
    return; /* not acked: redelivered once this session ends */
  if (h->busy == 0) {
    deliver_now(h, d);
    return;
  }
  host_count(h, "stafet_adapter_held_back_total", 1);
  if (defer_event(&h->deferred, d) < 0)
    log_warn(&h->log, "delivery not held (no memory): it will be redelivered",
             "plugin=%s subscription=%s", h->plugin->name, d->subscription);
}

void host_on_request(stafet_client_t *c, const stafet_request_t *r, void *arg) {
  stafet_host_t *h = arg;
  if (h->stopped || !h->accepting) {
    stafet_client_reply_error(c, r->request_id, "adapter is not running");
    return;
  }
  if (h->busy == 0) {
    request_now(h, r);
    return;
  }
  host_count(h, "stafet_adapter_held_back_total", 1);
  if (defer_request(&h->deferred, r) < 0)
    stafet_client_reply_error(c, r->request_id, "adapter out of memory");
}

void host_on_published(stafet_client_t *c, const char *message_id, int status, int duplicate,
                       void *arg) {
  stafet_host_t *h = arg;
  if (journal_settle(&h->journal, message_id) == STAFET_EIO)
    log_warn(&h->log, "outbox journal: cannot record a settled publish (it may be re-sent)",
             "plugin=%s message_id=%s", h->plugin->name, message_id);
  if (status == 0) {
    host_count(h, "stafet_adapter_published_total", 1);
    host_count(h, "stafet_adapter_published_duplicate_total", duplicate ? 1 : 0);
    return;
  }
  host_count(h, "stafet_adapter_publish_failed_total", 1);
  log_error(&h->log, "publish refused by the hub for good: dropped",
            "plugin=%s message_id=%s error=\"%s\"", h->plugin->name, message_id,
            stafet_strerror(status));
}

void host_on_error(stafet_client_t *c, int hub_code, const char *name, const char *text,
                   void *arg) {
  stafet_host_t *h = arg;
  host_count(h, "stafet_adapter_hub_errors_total", 1);
  log_warn(&h->log, "hub error", "plugin=%s code=%d name=%s text=\"%s\"", h->plugin->name, hub_code,
           name, text);
}

/* ---- the journal's replay ---- */

/* Hands one journalled publish to libstafet: 0, or STAFET_EFULL to stop for now. */
static int replay_one(stafet_host_t *h, const char *id, const void *data, size_t len) {
  envcodec_view_t v;
  int rc = envcodec_view(&v, data, len);
  if (rc == 0) {
    v.env.message_id = id;
    rc = stafet_client_publish(h->client, &v.env, v.payload, v.payload_len, host_on_published, h,
                               NULL);
    envcodec_view_free(&v);
  }
  if (rc == STAFET_EFULL)
    return rc;
  if (rc < 0) {
    log_error(&h->log, "outbox journal: a publish cannot be re-sent: dropped",
              "plugin=%s message_id=%s error=\"%s\"", h->plugin->name, id, stafet_strerror(rc));
    (void)journal_settle(&h->journal, id);
    return 0;
  }
  host_count(h, "stafet_adapter_replayed_total", 1);
  return 0;
}

void host_replay(stafet_host_t *h) {
  char id[65];
  void *data;
  size_t len;
  int rc;
  while (!h->replay_done && (rc = journal_replay_next(&h->journal, id, &data, &len)) != 0) {
    if (rc < 0) {
      log_error(&h->log, "outbox journal unreadable: the rest is not re-sent",
                "plugin=%s error=\"%s\"", h->plugin->name, stafet_strerror(rc));
      break;
    }
    rc = replay_one(h, id, data, len);
    free(data);
    if (rc == STAFET_EFULL) {
      journal_replay_undo(&h->journal);
      return; /* the outbox is full: again on a later round */
    }
  }
  h->replay_done = 1;
}

/* ---- fds ---- */

const host_watch_t *host_watch_find(const stafet_host_t *h, int fd) {
  for (size_t i = 0; i < h->n_watches; i++)
    if (h->watches[i].fd == fd)
      return &h->watches[i];
  return NULL;
}

int host_watch_set(stafet_host_t *h, int fd, int events, stafet_host_fd_fn fn) {
  if (fd < 0 || (events & ~(STAFET_FD_READ | STAFET_FD_WRITE)) != 0 || (events && fn == NULL))
    return STAFET_EINVAL;
  host_watch_t *w = (host_watch_t *)host_watch_find(h, fd);
  if (events == 0) {
    if (w != NULL)
      *w = h->watches[--h->n_watches];
    return 0;
  }
  if (w == NULL) {
    if (h->n_watches == h->cap_watches) {
      size_t cap = h->cap_watches ? h->cap_watches * 2 : 8;
      host_watch_t *grown = realloc(h->watches, cap * sizeof *grown);
      if (grown == NULL)
        return STAFET_ENOMEM;
      h->watches = grown;
      h->cap_watches = cap;
    }
    w = &h->watches[h->n_watches++];
  }
  *w = (host_watch_t){.fd = fd, .events = events, .fn = fn};
  return 0;
}

/* ---- metrics ---- */

void host_count(stafet_host_t *h, const char *name, double delta) {
  (void)stats_add(&h->stats, name, delta);
}

void host_write_metrics(stafet_host_t *h) {
  if (h->cfg->metrics_dir[0] == '\0')
    return;
  stats_set(&h->stats, "stafet_adapter_outbox_pending", (double)journal_pending(&h->journal));
  stats_set(&h->stats, "stafet_adapter_hub_connected",
            stafet_client_is_connected(h->client) ? 1 : 0);
  char file_name[CONF_NAME_MAX + 32];
  snprintf(file_name, sizeof file_name, "stafet-adapter-%s.prom", h->plugin->name);
  stats_file_t sf;
  if (stats_file_open(&sf, h->cfg->metrics_dir, file_name) < 0) {
    log_warn(&h->log, "cannot write metrics", "plugin=%s dir=%s", h->plugin->name,
             h->cfg->metrics_dir);
    return;
  }
  stats_format(&h->stats, h->plugin->name, sf.f);
  if (stats_file_commit(&sf) < 0)
    log_warn(&h->log, "cannot write metrics", "plugin=%s file=%s", h->plugin->name, sf.path);
}

void host_free(stafet_host_t *h) {
  defer_clear(&h->deferred);
  stafet_client_destroy(h->client); /* pending request callbacks are not run */
  h->client = NULL;
  while (h->calls != NULL) {
    host_call_t *call = h->calls;
    h->calls = call->next;
    free(call);
  }
  journal_close(&h->journal);
  free(h->watches);
  h->watches = NULL;
  h->n_watches = h->cap_watches = 0;
}
