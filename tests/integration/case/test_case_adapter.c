/*
 * test_case_adapter.c — the case adapter end to end: a real hub (private
 * Redis), the real plugin host (stafet-adapter) running
 * libstafet_adapter_case.so, the fake ESDH (stafet-sim-esdh), and libstafet
 * clients as the other systems.
 *
 *  - an ESDH webhook becomes case.case.opened, routed by its KLE and
 *    department attributes and its tenant;
 *  - bad JSON gets 400 with a stable code, and the body is kept in rejected/;
 *  - cpr.person.relocated updates the party through the ESDH's REST API,
 *    also when the ESDH fails the first tries (retries, ack only after 2xx);
 *  - case.list.get answers from the cases the adapter has seen.
 */
#include "fixture.h"
#include "http_it.h"
#include "stafet/events/v1/case.pb-c.h"
#include "stafet/events/v1/cpr.pb-c.h"

#include <jansson.h>

typedef struct it_case {
  world_t *w;
  char dir[256];
  pid_t esdh_pid;
  unsigned esdh_port, case_port;
  th_adapter_t host;
  char url[128], esdh_url[128];
} it_case_t;

static it_case_t T;

static int setup(void **state) {
  static const char *const extra[] = {"--ack-timeout-ms", "5000", NULL};
  if (world_up(state, extra) != 0)
    return -1;
  T.w = *state;
  snprintf(T.dir, sizeof T.dir, "%s", T.w->dir);
  T.esdh_port = it_esdh_start(&T.esdh_pid, T.dir, NULL);
  if (T.esdh_port == 0)
    return -1;
  char conf[4096];
  snprintf(conf, sizeof conf,
           "hub = %s\nlog_level = debug\ntick_ms = 50\nstate_dir = %s/state\n"
           "[plugin case]\npath = %s\nlisten = 127.0.0.1:0\nport_file = %s/case.port\n"
           "data_dir = %s/case\nesdh_url = http://127.0.0.1:%u\nretry_min_ms = 50\n"
           "retry_max_ms = 200\n",
           T.w->hub.endpoint, T.dir, STAFET_CASE_PLUGIN, T.dir, T.dir, T.esdh_port);
  if (th_adapter_start(&T.host, STAFET_ADAPTER_BIN, T.dir, "host", conf) != 0)
    return -1;
  char port_file[400];
  snprintf(port_file, sizeof port_file, "%s/case.port", T.dir);
  T.case_port = it_wait_port(port_file, 20000, NULL);
  snprintf(T.url, sizeof T.url, "http://127.0.0.1:%u/esdh/events", T.case_port);
  snprintf(T.esdh_url, sizeof T.esdh_url, "http://127.0.0.1:%u", T.esdh_port);
  const char *ready[] = {"msg=\"ready\"", "service=case.list.get", NULL};
  return T.case_port != 0 && th_log_wait(T.host.log_path, ready, 1, 20000, NULL) ? 0 : -1;
}

static int teardown(void **state) {
  th_adapter_stop(&T.host, SIGTERM);
  it_stop(T.esdh_pid);
  int sanitizer = th_log_count_all(T.host.log_path, (const char *[]){"Sanitizer", NULL}) +
                  th_log_count_all(T.host.log_path, (const char *[]){"runtime error", NULL});
  if (sanitizer > 0)
    fprintf(stderr, "sanitizer reports in %s\n", T.host.log_path);
  return world_down(state) != 0 || sanitizer > 0 ? -1 : 0;
}

/* Records what a subscriber of case events saw. */
typedef struct seen {
  size_t n;
  char topic[128], tenant[8], kle[16], department[64], case_id[64];
  unsigned sensitivity;
} seen_t;

static void on_case(stafet_client_t *c, const stafet_delivery_t *d, void *arg) {
  seen_t *s = arg;
  snprintf(s->topic, sizeof s->topic, "%s", d->envelope->topic);
  snprintf(s->tenant, sizeof s->tenant, "%s", d->envelope->tenant);
  s->sensitivity = d->envelope->sensitivity;
  for (size_t i = 0; i < d->envelope->n_attributes; i++) {
    const stafet_attribute_t *a = &d->envelope->attributes[i];
    if (strcmp(a->key, "kle") == 0)
      snprintf(s->kle, sizeof s->kle, "%s", a->value);
    if (strcmp(a->key, "department") == 0)
      snprintf(s->department, sizeof s->department, "%s", a->value);
  }
  Stafet__Events__V1__Casemgmt__CaseOpened *m =
      stafet__events__v1__casemgmt__case_opened__unpack(NULL, d->payload_len, d->payload);
  if (m != NULL && m->case_ref != NULL)
    snprintf(s->case_id, sizeof s->case_id, "%s", m->case_ref->case_id);
  stafet__events__v1__casemgmt__case_opened__free_unpacked(m, NULL);
  stafet_client_ack(c, d->subscription, d->delivery_id);
  s->n++;
}

static const char OPENED[] =
    "{\"event\":\"case.opened\",\"event_id\":\"it-1\",\"tenant\":\"0751\",\"case\":{"
    "\"id\":\"S-IT-1\",\"system\":\"sim-esdh\",\"kle\":\"27.24.00\",\"department\":\"ydelse\","
    "\"title\":\"Boligst\\u00f8tte\",\"parties\":[{\"cpr\":\"010190-1234\"}]}}";

static void test_webhook_becomes_case_opened(void **state) {
  stafet_client_t *sub = th_client(T.w->hub.endpoint, "ydelse");
  seen_t seen = {0};
  const char *filters[] = {"kle^=27.", "department=ydelse", "tenant=0751"};
  stafet_subscription_t s = {.name = "it_ydelse_cases",
                             .patterns = PATTERNS("case.case.*"),
                             .n_patterns = 1,
                             .filters = filters,
                             .n_filters = 3};
  assert_int_equal(stafet_client_subscribe(sub, &s, on_case, &seen, 15000), 0);
  char *resp = NULL;
  assert_int_equal(it_http("POST", T.url, OPENED, &resp), 202);
  json_t *doc = json_loads(resp, 0, NULL);
  assert_string_equal(json_string_value(json_object_get(doc, "topic")), "case.case.opened");
  json_decref(doc);
  free(resp);
  assert_true(th_poll_until((stafet_client_t *[]){sub, NULL}, &seen.n, 1, 10000));
  assert_string_equal(seen.topic, "case.case.opened");
  assert_string_equal(seen.tenant, "0751");
  assert_string_equal(seen.kle, "27.24.00");
  assert_string_equal(seen.department, "ydelse");
  assert_string_equal(seen.case_id, "S-IT-1");
  assert_true(seen.sensitivity & STAFET_SENSITIVITY_PERSONAL);
  /* The ESDH posts it again (it missed our answer): the hub stores it once. */
  assert_int_equal(it_http("POST", T.url, OPENED, NULL), 202);
  th_poll_for((stafet_client_t *[]){sub, NULL}, 500);
  assert_int_equal(seen.n, 1);
  stafet_client_destroy(sub);
}

static void test_bad_json_is_rejected_and_kept(void **state) {
  char rejected[400];
  snprintf(rejected, sizeof rejected, "%s/case/rejected", T.dir);
  int before = it_count_files(rejected, ".body");
  const char bad[] = "{\"event\":\"case.opened\",\"tenant\":";
  char *resp = NULL;
  assert_int_equal(it_http("POST", T.url, bad, &resp), 400);
  json_t *doc = json_loads(resp, 0, NULL);
  assert_string_equal(json_string_value(json_object_get(doc, "code")), "INVALID_JSON");
  assert_non_null(json_string_value(json_object_get(doc, "message")));
  json_decref(doc);
  free(resp);
  assert_int_equal(it_count_files(rejected, ".body"), before + 1);
  char *kept = it_read_first(rejected, ".body");
  assert_string_equal(kept, bad);
  free(kept);
  char *reason = it_read_first(rejected, ".reason.json");
  assert_non_null(strstr(reason, "INVALID_JSON"));
  free(reason);
  const char bad_kle[] = "{\"event\":\"case.opened\",\"tenant\":\"0751\",\"case\":{\"id\":\"S\","
                         "\"system\":\"x\",\"kle\":\"27\",\"department\":\"d\"}}";
  assert_int_equal(it_http("POST", T.url, bad_kle, &resp), 400);
  assert_non_null(strstr(resp, "INVALID_KLE"));
  free(resp);
  assert_int_equal(it_count_files(rejected, ".body"), before + 2);
}

static int publish_relocation(stafet_client_t *c, const char *cpr, char *id_out) {
  Stafet__Events__V1__Address addr = STAFET__EVENTS__V1__ADDRESS__INIT;
  addr.street = "Nørregade";
  addr.house_number = "7";
  addr.postcode = "8000";
  addr.city = "Aarhus C";
  addr.kommunekode = "0751";
  Stafet__Events__V1__Cpr__PersonRelocated m = STAFET__EVENTS__V1__CPR__PERSON_RELOCATED__INIT;
  m.cpr = (char *)cpr;
  m.new_address = &addr;
  m.new_kommunekode = "0751";
  uint8_t buf[512];
  size_t len = stafet__events__v1__cpr__person_relocated__pack(&m, buf);
  stafet_envelope_t env = {.topic = "cpr.person.relocated",
                           .type_name = "stafet.events.v1.cpr.PersonRelocated",
                           .tenant = "0751",
                           .sensitivity = STAFET_SENSITIVITY_PERSONAL};
  if (stafet_client_publish(c, &env, buf, len, NULL, NULL, id_out) != 0)
    return -1;
  return stafet_client_flush(c, 10000);
}

/* Polls the fake ESDH until the party has `updates` updates (or 15 s). */
static json_t *wait_party(stafet_client_t *c, const char *cpr, int updates) {
  char url[256];
  snprintf(url, sizeof url, "%s/api/parties/%s", T.esdh_url, cpr);
  long long deadline = th_now_ms() + 15000;
  while (th_now_ms() < deadline) {
    char *resp = NULL;
    json_t *doc = it_http("GET", url, NULL, &resp) == 200 ? json_loads(resp, 0, NULL) : NULL;
    free(resp);
    if (doc != NULL && json_integer_value(json_object_get(doc, "updates")) >= updates)
      return doc;
    json_decref(doc);
    th_poll_for((stafet_client_t *[]){c, NULL}, 50);
  }
  return NULL;
}

static void test_relocation_updates_esdh_party(void **state) {
  stafet_client_t *cpr = th_client(T.w->hub.endpoint, "cpr");
  char id[65];
  assert_int_equal(publish_relocation(cpr, "020202-0002", id), 0);
  json_t *party = wait_party(cpr, "020202-0002", 1);
  assert_non_null(party);
  json_t *last = json_object_get(party, "last");
  assert_string_equal(json_string_value(json_object_get(last, "change")), "relocated");
  assert_string_equal(json_string_value(json_object_get(last, "message_id")), id);
  assert_string_equal(json_string_value(json_object_get(json_object_get(last, "address"), "city")),
                      "Aarhus C");
  json_decref(party);
  /* acked only after the 2xx: the adapter logs the ack with the tries */
  char logged[65];
  const char *acked[] = {"ESDH party updated", th_logged(id, logged, sizeof logged), "tries=1",
                         NULL};
  assert_true(th_log_wait(T.host.log_path, acked, 1, 30000, NULL));
  stafet_client_destroy(cpr);
}

static void test_relocation_retried_after_esdh_failures(void **state) {
  char url[256];
  snprintf(url, sizeof url, "%s/control/fail", T.esdh_url);
  assert_int_equal(it_http("POST", url, "{\"count\":3,\"status\":503}", NULL), 200);
  stafet_client_t *cpr = th_client(T.w->hub.endpoint, "cpr");
  char id[65];
  assert_int_equal(publish_relocation(cpr, "030303-0003", id), 0);
  json_t *party = wait_party(cpr, "030303-0003", 1);
  assert_non_null(party);
  assert_int_equal(json_integer_value(json_object_get(party, "attempts")), 4);
  assert_int_equal(json_integer_value(json_object_get(party, "updates")), 1);
  json_decref(party);
  char logged[65];
  const char *acked[] = {"ESDH party updated", th_logged(id, logged, sizeof logged), "tries=4",
                         "status=200", NULL};
  assert_true(th_log_wait(T.host.log_path, acked, 1, 30000, NULL));
  stafet_client_destroy(cpr);
}

typedef struct answer {
  size_t n;
  int status;
  char body[4096];
} answer_t;

static void on_answer(stafet_client_t *c, int status, const char *error_text, const void *payload,
                      size_t len, void *arg) {
  answer_t *a = arg;
  a->status = status;
  snprintf(a->body, sizeof a->body, "%.*s", (int)len, (const char *)payload);
  a->n++;
}

static void test_case_list_from_store(void **state) {
  /* test_webhook_becomes_case_opened ran first: 010190-1234 is party to S-IT-1 */
  stafet_client_t *desk = th_client(T.w->hub.endpoint, "desk");
  answer_t a = {0};
  assert_int_equal(
      stafet_client_request(desk, "case.list.get", "0101901234", 10, 5000, on_answer, &a), 0);
  assert_true(th_poll_until((stafet_client_t *[]){desk, NULL}, &a.n, 1, 10000));
  assert_int_equal(a.status, 0);
  json_t *doc = json_loads(a.body, 0, NULL);
  assert_non_null(doc);
  assert_string_equal(json_string_value(json_object_get(doc, "cpr")), "010190-1234");
  json_t *c0 = json_array_get(json_object_get(doc, "cases"), 0);
  assert_string_equal(json_string_value(json_object_get(c0, "case_id")), "S-IT-1");
  assert_string_equal(json_string_value(json_object_get(c0, "kle")), "27.24.00");
  assert_string_equal(json_string_value(json_object_get(c0, "status")), "open");
  json_decref(doc);
  stafet_client_destroy(desk);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_webhook_becomes_case_opened),
      cmocka_unit_test(test_bad_json_is_rejected_and_kept),
      cmocka_unit_test(test_relocation_updates_esdh_party),
      cmocka_unit_test(test_relocation_retried_after_esdh_failures),
      cmocka_unit_test(test_case_list_from_store),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
