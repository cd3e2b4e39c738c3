/*
 * hostapi.c — stafet_host_api_t, the calls a plugin makes into the host
 * (semantics in stafet_adapter.h). Each is a thin layer over libstafet that
 * adds what a plugin should not have to think about: the outbox journal in
 * front of publish, waiting for the hub's answer to subscribe and provide
 * without re-entering the plugin, keeping the plugin's reply callbacks, CPR
 * masking in log lines, and metrics.
 */
#include "host.h"

#include "envcodec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int api_publish(stafet_host_t *h, const stafet_envelope_t *env, const void *payload,
                       size_t len) {
  if (h == NULL || env == NULL || (len > 0 && payload == NULL))
    return STAFET_EINVAL;
  int rc = sdk_envelope_check(env);
  if (rc < 0)
    return rc;
  if (stafet_client_outbox_size(h->client) >= h->cfg->outbox_max)
    return STAFET_EFULL;
  char id[65];
  if (env->message_id != NULL)
    snprintf(id, sizeof id, "%s", env->message_id);
  else if ((rc = stafet_id_new(id)) < 0)
    return rc;
  void *bytes;
  size_t n;
  if ((rc = envcodec_pack(env, id, payload, len, &bytes, &n)) < 0)
    return rc;
  rc = journal_append(&h->journal, id, bytes, n);
  free(bytes);
  if (rc < 0) {
    log_error(&h->log, "outbox journal write failed: publish refused", "plugin=%s error=\"%s\"",
              h->plugin->name, stafet_strerror(rc));
    return rc == STAFET_EINVAL ? rc : STAFET_EIO;
  }
  stafet_envelope_t with_id = *env;
  with_id.message_id = id;
  rc = stafet_client_publish(h->client, &with_id, payload, len, host_on_published, h, NULL);
  if (rc < 0) {
    (void)journal_settle(&h->journal, id);
    return rc;
  }
  host_count(h, "stafet_adapter_publish_accepted_total", 1);
  return 0;
}

/* A wait for the hub that ran out of time is not an error: libstafet keeps
 * the subscription (or service) and it takes effect when the hub answers. */
static int settled(stafet_host_t *h, int rc, const char *what, const char *name) {
  if (rc == STAFET_ETIMEDOUT) {
    log_warn(&h->log, "no answer from the hub yet: it takes effect when the hub answers",
             "plugin=%s %s=%s", h->plugin->name, what, name);
    return 0;
  }
  if (rc < 0)
    log_warn(&h->log, "refused", "plugin=%s %s=%s error=\"%s\"", h->plugin->name, what, name,
             stafet_strerror(rc));
  else
    log_info(&h->log, "ready", "plugin=%s %s=%s", h->plugin->name, what, name);
  return rc;
}

static int api_subscribe(stafet_host_t *h, const stafet_subscription_t *sub) {
  if (h == NULL || sub == NULL || sub->name == NULL)
    return STAFET_EINVAL;
  int rc = stafet_client_subscribe(h->client, sub, host_on_deliver, h, (int)h->cfg->hub_timeout_ms);
  return settled(h, rc, "subscription", sub->name);
}

static int api_provide(stafet_host_t *h, const char *service) {
  if (h == NULL || service == NULL)
    return STAFET_EINVAL;
  int rc =
      stafet_client_provide(h->client, service, host_on_request, h, (int)h->cfg->hub_timeout_ms);
  return settled(h, rc, "service", service);
}

static int api_ack(stafet_host_t *h, const char *subscription, const char *delivery_id) {
  if (h == NULL)
    return STAFET_EINVAL;
  int rc = stafet_client_ack(h->client, subscription, delivery_id);
  host_count(h, rc == 0 ? "stafet_adapter_acks_total" : "stafet_adapter_settle_failed_total", 1);
  return rc;
}

static int api_nack(stafet_host_t *h, const char *subscription, const char *delivery_id,
                    int requeue, const char *reason) {
  if (h == NULL)
    return STAFET_EINVAL;
  int rc = stafet_client_nack(h->client, subscription, delivery_id, requeue, reason);
  host_count(h, rc == 0 ? "stafet_adapter_nacks_total" : "stafet_adapter_settle_failed_total", 1);
  return rc;
}

static int api_reply(stafet_host_t *h, const char *request_id, const void *payload, size_t len) {
  if (h == NULL)
    return STAFET_EINVAL;
  host_count(h, "stafet_adapter_replies_total", 1);
  return stafet_client_reply(h->client, request_id, payload, len);
}

static int api_reply_error(stafet_host_t *h, const char *request_id, const char *error_text) {
  if (h == NULL)
    return STAFET_EINVAL;
  host_count(h, "stafet_adapter_replies_error_total", 1);
  return stafet_client_reply_error(h->client, request_id, error_text);
}

/* libstafet's answer to a plugin's request: unlink the call, hand it over. */
static void on_answer(stafet_client_t *c, int status, const char *error_text, const void *payload,
                      size_t len, void *arg) {
  host_call_t *call = arg;
  stafet_host_t *h = call->host;
  for (host_call_t **pp = &h->calls; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == call) {
      *pp = call->next;
      break;
    }
  }
  host_call_reply(h, call->fn, call->arg, status, error_text, payload, len);
  free(call);
}

static int api_request(stafet_host_t *h, const char *service, const void *payload, size_t len,
                       int timeout_ms, stafet_host_reply_fn fn, void *arg) {
  if (h == NULL || service == NULL || fn == NULL || timeout_ms <= 0)
    return STAFET_EINVAL;
  host_call_t *call = calloc(1, sizeof *call);
  if (call == NULL)
    return STAFET_ENOMEM;
  *call = (host_call_t){.next = h->calls, .host = h, .fn = fn, .arg = arg};
  int rc = stafet_client_request(h->client, service, payload, len, timeout_ms, on_answer, call);
  if (rc < 0) {
    free(call);
    return rc;
  }
  h->calls = call;
  host_count(h, "stafet_adapter_requests_sent_total", 1);
  return 0;
}

static void api_log(stafet_host_t *h, stafet_log_level_t level, const char *msg, const char *fmt,
                    ...) {
  if (h == NULL || (int)level < (int)h->log.level)
    return;
  char pairs[1536] = "";
  if (fmt != NULL) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pairs, sizeof pairs, fmt, ap);
    va_end(ap);
  }
  log_level_t l = level > STAFET_LOG_ERROR ? LOG_ERROR : (log_level_t)level;
  log_write(&h->log, l, msg ? msg : "", "plugin=%s%s%s", h->plugin->name, pairs[0] ? " " : "",
            pairs);
}

static void plugin_metric(stafet_host_t *h, const char *name, double v, int gauge) {
  char full[STATS_NAME_MAX];
  int rc = stats_plugin_name(name, gauge, full);
  if (rc == 0)
    rc = gauge ? stats_set(&h->stats, full, v) : stats_add(&h->stats, full, v);
  if (rc < 0 && h->metric_warnings++ < 10)
    log_warn(&h->log, "metric ignored (lower snake case, at most 48 bytes, 200 names)",
             "plugin=%s name=\"%s\"", h->plugin->name, name ? name : "(null)");
}

static void api_counter_add(stafet_host_t *h, const char *name, double delta) {
  if (h != NULL)
    plugin_metric(h, name, delta, 0);
}

static void api_gauge_set(stafet_host_t *h, const char *name, double value) {
  if (h != NULL)
    plugin_metric(h, name, value, 1);
}

static const char *api_config(stafet_host_t *h, const char *key) {
  return h ? conf_plugin_get(h->plugin, key) : NULL;
}

static int api_watch_fd(stafet_host_t *h, int fd, int events, stafet_host_fd_fn fn) {
  return h ? host_watch_set(h, fd, events, fn) : STAFET_EINVAL;
}

static const stafet_host_api_t api = {
    .abi_version = STAFET_ADAPTER_ABI_VERSION,
    .publish = api_publish,
    .subscribe = api_subscribe,
    .ack = api_ack,
    .nack = api_nack,
    .provide = api_provide,
    .reply = api_reply,
    .reply_error = api_reply_error,
    .request = api_request,
    .log = api_log,
    .counter_add = api_counter_add,
    .gauge_set = api_gauge_set,
    .config = api_config,
    .watch_fd = api_watch_fd,
};

const stafet_host_api_t *host_api(void) {
  return &api;
}
