/*
 * plugin.c — the cpr adapter as a plugin of stafet-adapter (stafet_adapter.h):
 * reads its settings, opens the spool and the register, provides
 * cpr.person.get and reads the spool on every tick (job.c).
 *
 * cpr.person.get: the request payload is a CPR number, "DDMMYY-SSSS" or
 * "DDMMYYSSSS"; the answer is the person as JSON (person_json.h), or
 * {"cpr": ..., "found": false}. A payload that is not a CPR number is answered
 * with an error. Logs show CPR numbers masked (DDMMYY-****).
 */
#include "adapter.h"
#include "person_json.h"
#include "settings.h"

#include "stafet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG(a, level, msg, ...) (a)->api->log((a)->host, level, msg, __VA_ARGS__)

static int read_settings(cpr_adapter_t *a, const char **spool_dir, const char **data_dir) {
  static const char *const details[] = {"withhold", "include", NULL};
  unsigned long batch, max_mb;
  int detail;
  *spool_dir = settings_required(a->api, a->host, "spool_dir");
  *data_dir = settings_required(a->api, a->host, "data_dir");
  if (*spool_dir == NULL || *data_dir == NULL ||
      settings_uint(a->api, a->host, "batch_records", 500, 1, 100000, &batch) < 0 ||
      settings_uint(a->api, a->host, "max_file_mb", 256, 1, 4096, &max_mb) < 0 ||
      settings_choice(a->api, a->host, "protected_details", details, 0, &detail) < 0)
    return STAFET_EINVAL;
  a->runner.batch_records = (unsigned)batch;
  a->runner.max_file_bytes = (size_t)max_mb << 20;
  a->withhold_protected = detail == 0;
  return 0;
}

static int open_store(cpr_adapter_t *a, const char *data_dir) {
  char path[SPOOL_PATH_MAX];
  int rc = settings_make_dir(a->api, a->host, "data_dir", data_dir);
  if (rc < 0)
    return rc;
  if (spool_join(path, data_dir, "cpr.sqlite") < 0)
    return STAFET_EINVAL;
  rc = cpr_store_open(&a->store, path);
  if (rc < 0)
    LOG(a, STAFET_LOG_ERROR, "cannot open the register", "path=%s error=%d", path, rc);
  return rc;
}

static int cpr_init(const stafet_host_api_t *api, stafet_host_t *host, void **state) {
  cpr_adapter_t *a = calloc(1, sizeof *a);
  if (a == NULL)
    return STAFET_ENOMEM;
  a->api = api;
  a->host = host;
  a->runner = (filejob_runner_t){
      .ops = &cpr_file_ops, .adapter = a, .api = api, .host = host, .spool = &a->spool};
  const char *spool_dir, *data_dir;
  int rc = read_settings(a, &spool_dir, &data_dir);
  if (rc == 0 && (rc = spool_open(&a->spool, spool_dir)) < 0)
    LOG(a, STAFET_LOG_ERROR, "cannot open spool_dir", "path=%s error=%d", spool_dir, rc);
  if (rc == 0)
    rc = open_store(a, data_dir);
  if (rc < 0) {
    cpr_store_close(a->store);
    free(a);
    return rc;
  }
  *state = a;
  return 0;
}

static int cpr_start(void *state) {
  cpr_adapter_t *a = state;
  int rc = a->api->provide(a->host, CPR_SERVICE_PERSON_GET);
  if (rc < 0)
    LOG(a, STAFET_LOG_ERROR, "cannot provide service", "service=%s error=%d",
        CPR_SERVICE_PERSON_GET, rc);
  else
    LOG(a, STAFET_LOG_INFO, "reading spool", "spool=%s batch_records=%u", a->spool.root,
        a->runner.batch_records);
  return rc;
}

static void cpr_stop(void *state) {
  cpr_adapter_t *a = state;
  filejob_abandon(&a->runner);
  cpr_store_close(a->store);
  free(a);
}

static void cpr_tick(void *state) {
  cpr_adapter_t *a = state;
  filejob_tick(&a->runner);
}

/* The cpr adapter subscribes to nothing; an event here is a host bug. */
static void cpr_on_event(void *state, const stafet_delivery_t *d) {
  cpr_adapter_t *a = state;
  a->api->nack(a->host, d->subscription, d->delivery_id, 0, "cpr adapter subscribes to nothing");
}

/* Looks the number up and answers with JSON. */
static void answer_person(cpr_adapter_t *a, const char *request_id, const char *cpr) {
  char digits[11], masked[12], *json = NULL;
  size_t len = 0;
  snprintf(digits, sizeof digits, "%.6s%.4s", cpr, cpr + 7);
  cpr_masked(cpr, masked);
  cpr_person_t *p = malloc(sizeof *p);
  int rc = p ? cpr_store_get(a->store, digits, p) : STAFET_ENOMEM;
  if (rc == 0)
    rc = cpr_person_json(p, a->withhold_protected, &json, &len);
  else if (rc == STAFET_ENOTFOUND)
    rc = cpr_person_json_not_found(cpr, &json, &len);
  free(p);
  if (rc < 0) {
    LOG(a, STAFET_LOG_ERROR, "person lookup failed", "cpr=%s error=%d", masked, rc);
    a->api->reply_error(a->host, request_id, "the cpr register is unavailable");
    return;
  }
  a->api->reply(a->host, request_id, json, len);
  LOG(a, STAFET_LOG_DEBUG, "person looked up", "cpr=%s", masked);
  free(json);
}

static void cpr_on_request(void *state, const stafet_request_t *r) {
  cpr_adapter_t *a = state;
  char cpr[12];
  if (strcmp(r->service, CPR_SERVICE_PERSON_GET) != 0) {
    a->api->reply_error(a->host, r->request_id, "unknown service");
    return;
  }
  if (cpr_normalize(r->payload, r->payload_len, cpr) < 0) {
    a->api->reply_error(a->host, r->request_id,
                        "the payload must be a CPR number DDMMYY-SSSS or DDMMYYSSSS");
    return;
  }
  a->api->counter_add(a->host, "cpr_person_get", 1);
  answer_person(a, r->request_id, cpr);
}

static const stafet_adapter_t cpr_adapter = {
    .abi_version = STAFET_ADAPTER_ABI_VERSION,
    .name = "cpr",
    .init = cpr_init,
    .start = cpr_start,
    .stop = cpr_stop,
    .on_event = cpr_on_event,
    .on_request = cpr_on_request,
    .on_tick = cpr_tick,
};

const stafet_adapter_t *stafet_adapter_entry(void) {
  return &cpr_adapter;
}
