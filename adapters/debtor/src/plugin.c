/*
 * plugin.c — the debtor adapter as a plugin of stafet-adapter
 * (stafet_adapter.h): reads its settings, opens the spool, the store and the
 * import directory; subscribes durably to cpr.person.deceased and
 * cpr.person.relocated (consume.c); provides debt.summary.get; reads the
 * spool on every tick (job.c).
 *
 * debt.summary.get: the request payload is a CPR number ("DDMMYY-SSSS" or
 * "DDMMYYSSSS") or a CVR number (eight digits); the answer is JSON
 * (summary_json.h): open claims, what is owed, agreements, and whether
 * dunning was stopped for an estate. A debtor we do not know gets zero
 * claims, not an error.
 */
#include "adapter.h"
#include "settings.h"
#include "summary_json.h"

#include "stafet.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG(a, level, msg, ...) (a)->api->log((a)->host, level, msg, __VA_ARGS__)

static int read_kommunekode(debt_adapter_t *a) {
  const char *k = settings_required(a->api, a->host, "kommunekode");
  if (k == NULL)
    return STAFET_EINVAL;
  int ok = strlen(k) == 4;
  for (int i = 0; ok && i < 4; i++)
    ok = isdigit((unsigned char)k[i]);
  if (!ok) {
    LOG(a, STAFET_LOG_ERROR, "bad setting", "key=kommunekode value=\"%s\" want=four digits", k);
    return STAFET_EINVAL;
  }
  memcpy(a->kommunekode, k, 5);
  return 0;
}

static int read_settings(debt_adapter_t *a, const char **spool_dir, const char **data_dir) {
  static const char *const yes_no[] = {"no", "yes", NULL};
  unsigned long batch, max_mb;
  const char *import_dir = settings_required(a->api, a->host, "import_dir");
  *spool_dir = settings_required(a->api, a->host, "spool_dir");
  *data_dir = settings_required(a->api, a->host, "data_dir");
  if (*spool_dir == NULL || *data_dir == NULL || import_dir == NULL || read_kommunekode(a) < 0 ||
      settings_uint(a->api, a->host, "batch_lines", 500, 1, 100000, &batch) < 0 ||
      settings_uint(a->api, a->host, "max_file_mb", 256, 1, 4096, &max_mb) < 0 ||
      settings_choice(a->api, a->host, "known_debtors_only", yes_no, 0, &a->known_debtors_only) < 0)
    return STAFET_EINVAL;
  if (strlen(import_dir) >= sizeof a->import_dir)
    return STAFET_EINVAL;
  snprintf(a->import_dir, sizeof a->import_dir, "%s", import_dir);
  a->subscription = a->api->config(a->host, "subscription");
  if (a->subscription == NULL || a->subscription[0] == '\0')
    a->subscription = "debtor_cpr_changes";
  a->filter = a->api->config(a->host, "subscription_filter");
  if (a->filter != NULL && a->filter[0] == '\0')
    a->filter = NULL;
  a->runner.batch_records = (unsigned)batch;
  a->runner.max_file_bytes = (size_t)max_mb << 20;
  return 0;
}

static int open_dirs_and_store(debt_adapter_t *a, const char *spool_dir, const char *data_dir) {
  char path[SPOOL_PATH_MAX];
  int rc = spool_open(&a->spool, spool_dir);
  if (rc < 0) {
    LOG(a, STAFET_LOG_ERROR, "cannot open spool_dir", "path=%s error=%d", spool_dir, rc);
    return rc;
  }
  if ((rc = settings_make_dir(a->api, a->host, "import_dir", a->import_dir)) < 0 ||
      (rc = settings_make_dir(a->api, a->host, "data_dir", data_dir)) < 0)
    return rc;
  if (spool_join(path, data_dir, "debtor.sqlite") < 0)
    return STAFET_EINVAL;
  rc = debt_store_open(&a->store, path);
  if (rc < 0)
    LOG(a, STAFET_LOG_ERROR, "cannot open the store", "path=%s error=%d", path, rc);
  return rc;
}

static int debt_init(const stafet_host_api_t *api, stafet_host_t *host, void **state) {
  debt_adapter_t *a = calloc(1, sizeof *a);
  if (a == NULL)
    return STAFET_ENOMEM;
  a->api = api;
  a->host = host;
  a->runner = (filejob_runner_t){
      .ops = &debt_file_ops, .adapter = a, .api = api, .host = host, .spool = &a->spool};
  const char *spool_dir, *data_dir;
  int rc = read_settings(a, &spool_dir, &data_dir);
  if (rc == 0)
    rc = open_dirs_and_store(a, spool_dir, data_dir);
  if (rc < 0) {
    debt_store_close(a->store);
    free(a);
    return rc;
  }
  *state = a;
  return 0;
}

static int debt_start(void *state) {
  debt_adapter_t *a = state;
  static const char *const patterns[] = {DEBT_TOPIC_DECEASED, DEBT_TOPIC_RELOCATED};
  const char *filters[] = {a->filter};
  stafet_subscription_t sub = {.name = a->subscription,
                               .patterns = patterns,
                               .n_patterns = 2,
                               .filters = filters,
                               .n_filters = a->filter ? 1 : 0};
  int rc = a->api->subscribe(a->host, &sub);
  if (rc < 0) {
    LOG(a, STAFET_LOG_ERROR, "cannot subscribe", "subscription=%s error=%d", a->subscription, rc);
    return rc;
  }
  rc = a->api->provide(a->host, DEBT_SERVICE_SUMMARY_GET);
  if (rc < 0) {
    LOG(a, STAFET_LOG_ERROR, "cannot provide service", "service=%s error=%d",
        DEBT_SERVICE_SUMMARY_GET, rc);
    return rc;
  }
  LOG(a, STAFET_LOG_INFO, "reading spool", "spool=%s import_dir=%s subscription=%s tenant=%s",
      a->spool.root, a->import_dir, a->subscription, a->kommunekode);
  return 0;
}

static void debt_stop(void *state) {
  debt_adapter_t *a = state;
  filejob_abandon(&a->runner);
  debt_store_close(a->store);
  free(a);
}

static void debt_tick(void *state) {
  debt_adapter_t *a = state;
  filejob_tick(&a->runner);
}

static void debt_on_event(void *state, const stafet_delivery_t *d) {
  debt_consume(state, d);
}

/* The debtor a request asks about: a CPR or a CVR number. */
static int request_debtor(const stafet_request_t *r, debt_party_t *p, char *text, size_t cap) {
  memset(p, 0, sizeof *p);
  if (cpr_normalize(r->payload, r->payload_len, p->cpr) == 0) {
    snprintf(text, cap, "%s", p->cpr);
    return 0;
  }
  p->cpr[0] = '\0';
  const char *s = r->payload;
  size_t n = r->payload_len;
  while (n > 0 && isspace((unsigned char)*s))
    s++, n--;
  while (n > 0 && isspace((unsigned char)s[n - 1]))
    n--;
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i]))
      return STAFET_EINVAL;
  if (n != 8)
    return STAFET_EINVAL;
  memcpy(p->cvr, s, 8);
  snprintf(text, cap, "%s", p->cvr);
  return 0;
}

static void debt_on_request(void *state, const stafet_request_t *r) {
  debt_adapter_t *a = state;
  debt_party_t debtor;
  char text[16], masked[12], *json = NULL;
  size_t len = 0;
  if (strcmp(r->service, DEBT_SERVICE_SUMMARY_GET) != 0 ||
      request_debtor(r, &debtor, text, sizeof text) < 0) {
    a->api->reply_error(a->host, r->request_id,
                        "the payload must be a CPR number (DDMMYY-SSSS) or a CVR number");
    return;
  }
  debt_summary_t sum;
  int rc = debt_store_summary(a->store, &debtor, &sum);
  if (rc == 0) {
    rc = debt_summary_json(text, &sum, &json, &len);
    debt_summary_free(&sum);
  }
  cpr_masked(text, masked);
  if (rc < 0) {
    LOG(a, STAFET_LOG_ERROR, "summary failed", "debtor=%s error=%d", debtor.cpr[0] ? masked : text,
        rc);
    a->api->reply_error(a->host, r->request_id, "the debtor store is unavailable");
    return;
  }
  a->api->reply(a->host, r->request_id, json, len);
  a->api->counter_add(a->host, "debt_summary_get", 1);
  free(json);
}

static const stafet_adapter_t debt_adapter = {
    .abi_version = STAFET_ADAPTER_ABI_VERSION,
    .name = "debtor",
    .init = debt_init,
    .start = debt_start,
    .stop = debt_stop,
    .on_event = debt_on_event,
    .on_request = debt_on_request,
    .on_tick = debt_tick,
};

const stafet_adapter_t *stafet_adapter_entry(void) {
  return &debt_adapter;
}
