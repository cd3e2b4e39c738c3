/*
 * webhook_adapter.c — the webhook adapter plugin (stafet_adapter_webhook):
 * delivers departments' durable subscriptions to their HTTP endpoints, the
 * push side of what KOMBIT's Beskedfordeler offers. For each delivery: POST
 * the JSON body (webhook_body.h), signed with the subscription's secret;
 * ack after a 2xx; after a failure retry with exponential back-off; after
 * max_tries nack without requeue, so the hub dead-letters the message with
 * the reason ("HTTP 503 after 5 tries", "Connection refused after 5 tries").
 * Settings: webhook_config.h and docs/webhook-adapter.md.
 */
#include "sh_client.h"
#include "sh_host.h"
#include "sh_loop.h"
#include "sh_retry.h"
#include "webhook_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct webhook_adapter webhook_adapter_t;

typedef struct webhook_sub {
  webhook_adapter_t *a;
  const wh_sub_cfg_t *cfg;
  sh_retry_t retry;
} webhook_sub_t;

struct webhook_adapter {
  sh_hostref_t ref;
  sh_loop_t loop;
  sh_client_t *client;
  wh_sub_cfg_t *cfgs;
  webhook_sub_t *subs;
  size_t n_subs;
};

/* Header slots of a job: fixed ones first, the signature renewed per try. */
enum { HDR_TYPE, HDR_MESSAGE, HDR_SUBSCRIPTION, HDR_COUNT, HDR_TIMESTAMP, HDR_SIGNATURE };

static void on_fd(void *state, int fd, int events) {
  webhook_adapter_t *a = state;
  sh_loop_dispatch(&a->loop, fd, events);
}

static const char *get_setting(void *arg, const char *key) {
  const sh_hostref_t *ref = arg;
  return ref->api->config(ref->host, key);
}

static void prepare(void *arg, sh_job_t *job) {
  webhook_sub_t *s = arg;
  char ts[128], sig[128];
  if (wh_sign_headers(s->cfg->secret, sh_wall_ms(), job->body, job->len, ts, sig) == 0) {
    sh_job_set_header(job, HDR_TIMESTAMP, "%s", ts);
    sh_job_set_header(job, HDR_SIGNATURE, "%s", sig);
  }
}

static void settled(void *arg, sh_job_t *job, int ok, const char *reason) {
  webhook_sub_t *s = arg;
  const sh_hostref_t *r = &s->a->ref;
  if (ok) {
    r->api->ack(r->host, job->subscription, job->delivery_id);
    r->api->counter_add(r->host, "webhook_delivered", 1);
    r->api->log(r->host, STAFET_LOG_INFO, "webhook delivered",
                "subscription=%s message_id=%s tries=%u status=%ld", job->subscription,
                job->message_id, job->attempts, job->last_status);
    return;
  }
  char why[300];
  snprintf(why, sizeof why, "webhook: %s", reason);
  r->api->nack(r->host, job->subscription, job->delivery_id, 0, why);
  r->api->counter_add(r->host, "webhook_dead_lettered", 1);
  r->api->log(r->host, STAFET_LOG_WARN, "webhook gave up",
              "subscription=%s message_id=%s reason=\"%s\"", job->subscription, job->message_id,
              why);
}

static void sub_init(webhook_adapter_t *a, webhook_sub_t *s, const wh_sub_cfg_t *cfg) {
  s->a = a;
  s->cfg = cfg;
  s->retry = (sh_retry_t){
      .backoff = {.base_ms = cfg->retry_min_ms, .max_ms = cfg->retry_max_ms, .jitter = 1},
      .max_tries = cfg->max_tries,
      .timeout_ms = cfg->timeout_ms,
      .ops = {.prepare = prepare, .settled = settled},
      .arg = s};
}

static int init(const stafet_host_api_t *api, stafet_host_t *host, void **state) {
  webhook_adapter_t *a = calloc(1, sizeof *a);
  if (a == NULL)
    return STAFET_ENOMEM;
  a->ref = (sh_hostref_t){.api = api, .host = host, .on_fd = on_fd};
  sh_verr_t err;
  if (wh_config_load(get_setting, &a->ref, &a->cfgs, &a->n_subs, &err) != 0) {
    api->log(host, STAFET_LOG_ERROR, "bad settings", "message=\"%s\"", err.message);
    free(a);
    return STAFET_EINVAL;
  }
  a->subs = calloc(a->n_subs, sizeof *a->subs);
  if (a->subs == NULL) {
    wh_config_free(a->cfgs, a->n_subs);
    free(a);
    return STAFET_ENOMEM;
  }
  for (size_t i = 0; i < a->n_subs; i++)
    sub_init(a, &a->subs[i], &a->cfgs[i]);
  sh_loop_init(&a->loop, sh_host_watch, &a->ref);
  *state = a;
  return 0;
}

static int subscribe(webhook_adapter_t *a, const wh_sub_cfg_t *c) {
  stafet_subscription_t sub = {.name = c->name,
                               .patterns = (const char *const *)c->patterns,
                               .n_patterns = c->n_patterns,
                               .filters = (const char *const *)c->filters,
                               .n_filters = c->n_filters,
                               .credit = c->credit,
                               .ack_timeout_ms = c->ack_timeout_ms,
                               .max_deliveries = c->max_deliveries};
  int rc = a->ref.api->subscribe(a->ref.host, &sub);
  a->ref.api->log(a->ref.host, rc ? STAFET_LOG_ERROR : STAFET_LOG_INFO, "subscription",
                  "name=%s url=%s status=%s", c->name, c->url, sh_errname(rc));
  return rc;
}

static int start(void *state) {
  webhook_adapter_t *a = state;
  int rc = sh_client_new(&a->client, &a->loop);
  for (size_t i = 0; rc == 0 && i < a->n_subs; i++) {
    a->subs[i].retry.client = a->client;
    rc = subscribe(a, &a->cfgs[i]);
  }
  return rc;
}

static void stop(void *state) {
  webhook_adapter_t *a = state;
  sh_client_destroy(a->client);
  for (size_t i = 0; i < a->n_subs; i++)
    sh_retry_clear(&a->subs[i].retry);
  sh_loop_free(&a->loop);
  wh_config_free(a->cfgs, a->n_subs);
  free(a->subs);
  free(a);
}

static webhook_sub_t *find_sub(webhook_adapter_t *a, const char *name) {
  for (size_t i = 0; i < a->n_subs; i++)
    if (strcmp(a->cfgs[i].name, name) == 0)
      return &a->subs[i];
  return NULL;
}

static int add_job(webhook_sub_t *s, const stafet_delivery_t *d, const char *body, size_t len) {
  char message[120], subscription[120], count[64];
  snprintf(message, sizeof message, "Stafet-Message-Id: %s", d->envelope->message_id);
  snprintf(subscription, sizeof subscription, "Stafet-Subscription: %s", d->subscription);
  snprintf(count, sizeof count, "Stafet-Delivery-Count: %u", d->delivery_count);
  const char *headers[] = {"Content-Type: application/json", message, subscription, count};
  sh_job_spec_t spec = {.subscription = d->subscription,
                        .delivery_id = d->delivery_id,
                        .message_id = d->envelope->message_id,
                        .method = "POST",
                        .url = s->cfg->url,
                        .body = body,
                        .len = len,
                        .headers = headers,
                        .n_headers = 4};
  return sh_retry_add(&s->retry, &spec, NULL);
}

static void on_event(void *state, const stafet_delivery_t *d) {
  webhook_adapter_t *a = state;
  webhook_sub_t *s = find_sub(a, d->subscription);
  if (s == NULL) {
    a->ref.api->nack(a->ref.host, d->subscription, d->delivery_id, 1, "no such webhook");
    return;
  }
  size_t len = 0;
  char *body = wh_body_render(d, s->cfg->format, &len);
  int rc = body != NULL ? add_job(s, d, body, len) : STAFET_ENOMEM;
  free(body);
  if (rc == STAFET_ENOMEM)
    a->ref.api->nack(a->ref.host, d->subscription, d->delivery_id, 1, "webhook adapter busy");
  sh_retry_tick(&s->retry);
}

static void on_request(void *state, const stafet_request_t *r) {
  webhook_adapter_t *a = state;
  a->ref.api->reply_error(a->ref.host, r->request_id, "the webhook adapter provides no service");
}

static void on_tick(void *state) {
  webhook_adapter_t *a = state;
  sh_client_tick(a->client);
  size_t pending = 0;
  for (size_t i = 0; i < a->n_subs; i++) {
    sh_retry_tick(&a->subs[i].retry);
    pending += a->subs[i].retry.n_jobs;
  }
  a->ref.api->gauge_set(a->ref.host, "webhook_pending", (double)pending);
}

static const stafet_adapter_t ADAPTER = {.abi_version = STAFET_ADAPTER_ABI_VERSION,
                                         .name = "webhook",
                                         .init = init,
                                         .start = start,
                                         .stop = stop,
                                         .on_event = on_event,
                                         .on_request = on_request,
                                         .on_tick = on_tick};

const stafet_adapter_t *stafet_adapter_entry(void) {
  return &ADAPTER;
}
