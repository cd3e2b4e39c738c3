/*
 * case_adapter.c — the case adapter plugin (stafet_adapter_case): connects
 * the case-management systems (ESDH) to the hub.
 *
 *  - ESDH webhooks in (case_http.c): validated JSON -> case.* events with
 *    kle/department/case_type attributes, tenant and sensitivity.
 *  - CPR changes out: consumes cpr.person.relocated and name_changed from a
 *    durable subscription and PUTs the party's new data to the ESDH's REST
 *    API (case_party.c), retrying with back-off until a 2xx, and only then
 *    acks the delivery.
 *  - case.list.get: answers from its own store of the cases it has seen.
 *
 * Settings ([plugin case] section of the host config) are listed in
 * docs/case-adapter.md.
 */
#include "case_adapter.h"

#include "case_party.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_fd(void *state, int fd, int events) {
  case_adapter_t *a = state;
  sh_loop_dispatch(&a->loop, fd, events);
}

static int read_numbers(case_adapter_t *a) {
  unsigned base, max;
  int rc = sh_cfg_uint(&a->ref, "retry_min_ms", 500, &base);
  rc = rc ? rc : sh_cfg_uint(&a->ref, "retry_max_ms", 60000, &max);
  rc = rc ? rc : sh_cfg_uint(&a->ref, "credit", 32, &a->credit);
  rc = rc ? rc : sh_cfg_uint(&a->ref, "ack_timeout_ms", 600000, &a->ack_timeout_ms);
  rc = rc ? rc : sh_cfg_uint(&a->ref, "max_deliveries", 1000, &a->max_deliveries);
  rc = rc ? rc : sh_cfg_uint(&a->ref, "list_max", 200, &a->list_max);
  rc = rc ? rc : sh_cfg_uint(&a->ref, "max_body", 1u << 20, &a->max_body);
  if (rc == 0)
    a->retry.backoff = (sh_backoff_t){.base_ms = base, .max_ms = max, .jitter = 1};
  return rc;
}

static int read_settings(case_adapter_t *a) {
  const char *listen = sh_cfg_str(&a->ref, "listen", "127.0.0.1:8081");
  if (sh_listen_parse(listen, a->listen_addr, &a->port) != 0) {
    a->ref.api->log(a->ref.host, STAFET_LOG_ERROR, "bad setting", "listen=%s", listen);
    return STAFET_EINVAL;
  }
  a->port_file = sh_cfg_str(&a->ref, "port_file", NULL);
  a->data_dir = sh_cfg_str(&a->ref, "data_dir", "stafet-case");
  a->esdh_url = sh_cfg_str(&a->ref, "esdh_url", "http://127.0.0.1:8090");
  a->subscription = sh_cfg_str(&a->ref, "subscription", "case_esdh_parties");
  if (read_numbers(a) != 0) {
    a->ref.api->log(a->ref.host, STAFET_LOG_ERROR, "bad setting",
                    "message=\"a number setting is not a number\"");
    return STAFET_EINVAL;
  }
  return 0;
}

static void on_settled(void *arg, sh_job_t *job, int ok, const char *reason) {
  case_adapter_t *a = arg;
  a->ref.api->ack(a->ref.host, job->subscription, job->delivery_id);
  a->ref.api->counter_add(a->ref.host, "case_party_updates", 1);
  a->ref.api->log(a->ref.host, STAFET_LOG_INFO, "ESDH party updated",
                  "message_id=%s tries=%u status=%ld", job->message_id, job->attempts,
                  job->last_status);
}

static int init(const stafet_host_api_t *api, stafet_host_t *host, void **state) {
  case_adapter_t *a = calloc(1, sizeof *a);
  if (a == NULL)
    return STAFET_ENOMEM;
  a->ref = (sh_hostref_t){.api = api, .host = host, .on_fd = on_fd};
  a->retry.ops = (sh_retry_ops_t){.settled = on_settled};
  a->retry.arg = a;
  if (read_settings(a) != 0) {
    free(a);
    return STAFET_EINVAL;
  }
  sh_loop_init(&a->loop, sh_host_watch, &a->ref);
  *state = a;
  return 0;
}

static int open_files(case_adapter_t *a) {
  char path[600];
  snprintf(path, sizeof path, "%s/rejected", a->data_dir);
  if (sh_mkdirs(a->data_dir, 0700) != 0 || sh_rejected_init(&a->rejected, path) != 0) {
    a->ref.api->log(a->ref.host, STAFET_LOG_ERROR, "cannot create data dir", "dir=%s", a->data_dir);
    return STAFET_EIO;
  }
  snprintf(path, sizeof path, "%s/cases.sqlite", a->data_dir);
  if (case_store_open(&a->store, path) != 0) {
    a->ref.api->log(a->ref.host, STAFET_LOG_ERROR, "cannot open case store", "path=%s", path);
    return STAFET_EIO;
  }
  return 0;
}

static int open_http(case_adapter_t *a) {
  sh_server_options_t o = {.address = a->listen_addr,
                           .port = a->port,
                           .max_body = a->max_body,
                           .handler = case_http_handle,
                           .arg = a};
  int rc = sh_server_start(&a->server, &a->loop, &o);
  if (rc != 0) {
    a->ref.api->log(a->ref.host, STAFET_LOG_ERROR, "cannot listen", "address=%s port=%u error=%s",
                    a->listen_addr, a->port, sh_errname(rc));
    return rc;
  }
  unsigned port = sh_server_port(a->server);
  a->ref.api->log(a->ref.host, STAFET_LOG_INFO, "listening", "address=%s port=%u", a->listen_addr,
                  port);
  if (a->port_file != NULL && sh_port_file_write(a->port_file, port) != 0)
    a->ref.api->log(a->ref.host, STAFET_LOG_WARN, "cannot write port file", "path=%s",
                    a->port_file);
  rc = sh_client_new(&a->client, &a->loop);
  a->retry.client = a->client;
  return rc;
}

static int subscribe(case_adapter_t *a) {
  static const char *const patterns[] = {"cpr.person.relocated", "cpr.person.name_changed"};
  stafet_subscription_t sub = {.name = a->subscription,
                               .patterns = patterns,
                               .n_patterns = 2,
                               .credit = a->credit,
                               .ack_timeout_ms = a->ack_timeout_ms,
                               .max_deliveries = a->max_deliveries};
  int rc = a->ref.api->subscribe(a->ref.host, &sub);
  return rc ? rc : a->ref.api->provide(a->ref.host, "case.list.get");
}

static int start(void *state) {
  case_adapter_t *a = state;
  int rc = open_files(a);
  rc = rc ? rc : open_http(a);
  return rc ? rc : subscribe(a);
}

static void stop(void *state) {
  case_adapter_t *a = state;
  sh_server_stop(a->server);
  sh_client_destroy(a->client);
  sh_retry_clear(&a->retry);
  case_store_close(a->store);
  sh_loop_free(&a->loop);
  free(a);
}

static void on_event(void *state, const stafet_delivery_t *d) {
  case_adapter_t *a = state;
  case_party_update_t u;
  sh_verr_t err;
  if (case_party_update_build(d->envelope->topic, d->payload, d->payload_len,
                              d->envelope->message_id, &u, &err) != 0) {
    char reason[300];
    snprintf(reason, sizeof reason, "%s: %s", err.code, err.message);
    a->ref.api->log(a->ref.host, STAFET_LOG_WARN, "CPR event cannot be applied",
                    "message_id=%s reason=\"%s\"", d->envelope->message_id, reason);
    a->ref.api->nack(a->ref.host, d->subscription, d->delivery_id, 0, reason);
    return;
  }
  char url[700], idem[120];
  snprintf(idem, sizeof idem, "Idempotency-Key: %s", d->envelope->message_id);
  const char *headers[] = {"Content-Type: application/json", idem};
  int rc = case_party_url(a->esdh_url, u.cpr, url, sizeof url);
  sh_job_spec_t spec = {.subscription = d->subscription,
                        .delivery_id = d->delivery_id,
                        .message_id = d->envelope->message_id,
                        .method = "PUT",
                        .url = url,
                        .body = u.body,
                        .len = u.body ? strlen(u.body) : 0,
                        .headers = headers,
                        .n_headers = 2};
  if (rc == 0)
    rc = sh_retry_add(&a->retry, &spec, NULL);
  if (rc == STAFET_ENOMEM || rc == STAFET_EINVAL)
    a->ref.api->nack(a->ref.host, d->subscription, d->delivery_id, 1, "case adapter busy");
  case_party_update_free(&u);
  sh_retry_tick(&a->retry);
}

/* case.list.get: payload is the CPR number as text, or {"cpr": "..."}. */
static int request_cpr(const stafet_request_t *r, char cpr[SH_CPR_LEN + 1]) {
  char text[64];
  snprintf(text, sizeof text, "%.*s", (int)(r->payload_len < 63 ? r->payload_len : 63),
           (const char *)r->payload);
  if (sh_cpr_normalise(text, cpr) == 0)
    return 0;
  json_t *doc = json_loadb(r->payload, r->payload_len, 0, NULL);
  sh_verr_t err;
  int rc = doc != NULL && json_is_object(doc) ? sh_json_cpr(doc, "cpr", "cpr", 1, cpr, &err)
                                              : STAFET_EINVAL;
  json_decref(doc);
  return rc;
}

static void on_request(void *state, const stafet_request_t *r) {
  case_adapter_t *a = state;
  char cpr[SH_CPR_LEN + 1], *json = NULL;
  if (request_cpr(r, cpr) != 0) {
    a->ref.api->reply_error(a->ref.host, r->request_id,
                            "INVALID_CPR: the request must be a CPR number DDMMYY-SSSS");
    return;
  }
  if (case_store_list_json(a->store, cpr, a->list_max, &json) != 0) {
    a->ref.api->reply_error(a->ref.host, r->request_id, "STORE_UNAVAILABLE: case store failed");
    return;
  }
  a->ref.api->reply(a->ref.host, r->request_id, json, strlen(json));
  free(json);
}

static void on_tick(void *state) {
  case_adapter_t *a = state;
  sh_server_run(a->server);
  sh_client_tick(a->client);
  sh_retry_tick(&a->retry);
  a->ref.api->gauge_set(a->ref.host, "case_party_updates_pending", (double)a->retry.n_jobs);
}

static const stafet_adapter_t ADAPTER = {.abi_version = STAFET_ADAPTER_ABI_VERSION,
                                         .name = "case",
                                         .init = init,
                                         .start = start,
                                         .stop = stop,
                                         .on_event = on_event,
                                         .on_request = on_request,
                                         .on_tick = on_tick};

const stafet_adapter_t *stafet_adapter_entry(void) {
  return &ADAPTER;
}
