/*
 * test_contact_adapter.c — the contact adapter end to end: a real hub, the
 * real plugin host running the contact and case plugins, and libstafet
 * clients standing in for the cpr and debtor adapters (cpr.person.get,
 * debt.summary.get), so each can be present, missing or silent.
 *
 *  - a call.ended posted over HTTP becomes contact.call.ended with its
 *    attributes; a bad body is 400 and kept in rejected/;
 *  - the citizen overview is partial and marked when the debtor system has
 *    no provider, or does not answer before the deadline, and complete when
 *    all three answer (cases from the real case adapter's store);
 *  - CPR numbers do not reach the host's log whole.
 */
#include "fixture.h"
#include "http_it.h"

#include <jansson.h>
#include <sys/wait.h>

typedef struct it_contact {
  world_t *w;
  char dir[256];
  th_adapter_t host;
  char events_url[128], esdh_url[128], overview_url[160];
} it_contact_t;

static it_contact_t T;

static const char CONF[] =
    "hub = %s\nlog_level = info\ntick_ms = 50\nstate_dir = %s/state\n"
    "[plugin contact]\npath = %s\nlisten = 127.0.0.1:0\nport_file = %s/contact.port\n"
    "data_dir = %s/contact\noverview_timeout_ms = 3000\n"
    "[plugin case]\npath = %s\nlisten = 127.0.0.1:0\nport_file = %s/case.port\n"
    "data_dir = %s/case\nesdh_url = http://127.0.0.1:9\n";

static int setup(void **state) {
  if (world_default(state) != 0)
    return -1;
  T.w = *state;
  snprintf(T.dir, sizeof T.dir, "%s", T.w->dir);
  char conf[4096], contact_port[400], case_port[400];
  snprintf(conf, sizeof conf, CONF, T.w->hub.endpoint, T.dir, STAFET_CONTACT_PLUGIN, T.dir, T.dir,
           STAFET_CASE_PLUGIN, T.dir, T.dir);
  if (th_adapter_start(&T.host, STAFET_ADAPTER_BIN, T.dir, "host", conf) != 0)
    return -1;
  snprintf(contact_port, sizeof contact_port, "%s/contact.port", T.dir);
  snprintf(case_port, sizeof case_port, "%s/case.port", T.dir);
  unsigned cp = it_wait_port(contact_port, 20000, NULL), kp = it_wait_port(case_port, 20000, NULL);
  snprintf(T.events_url, sizeof T.events_url, "http://127.0.0.1:%u/contact/events", cp);
  snprintf(T.esdh_url, sizeof T.esdh_url, "http://127.0.0.1:%u/esdh/events", kp);
  snprintf(T.overview_url, sizeof T.overview_url,
           "http://127.0.0.1:%u/citizens/010190-1234/overview", cp);
  const char *ready[] = {"msg=\"ready\"", "service=case.list.get", NULL};
  return cp && kp && th_log_wait(T.host.log_path, ready, 1, 20000, NULL) ? 0 : -1;
}

static int teardown(void **state) {
  th_adapter_stop(&T.host, SIGTERM);
  int sanitizer = th_log_count_all(T.host.log_path, (const char *[]){"Sanitizer", NULL}) +
                  th_log_count_all(T.host.log_path, (const char *[]){"runtime error", NULL});
  return world_down(state) != 0 || sanitizer > 0 ? -1 : 0;
}

typedef struct seen {
  size_t n;
  char topic[128], resolved[8], transferred_to[64];
  unsigned sensitivity;
} seen_t;

static void on_contact(stafet_client_t *c, const stafet_delivery_t *d, void *arg) {
  seen_t *s = arg;
  snprintf(s->topic, sizeof s->topic, "%s", d->envelope->topic);
  s->sensitivity = d->envelope->sensitivity;
  for (size_t i = 0; i < d->envelope->n_attributes; i++) {
    const stafet_attribute_t *a = &d->envelope->attributes[i];
    if (strcmp(a->key, "resolved_first_contact") == 0)
      snprintf(s->resolved, sizeof s->resolved, "%s", a->value);
    if (strcmp(a->key, "transferred_to") == 0)
      snprintf(s->transferred_to, sizeof s->transferred_to, "%s", a->value);
  }
  stafet_client_ack(c, d->subscription, d->delivery_id);
  s->n++;
}

static void test_call_event_published(void **state) {
  stafet_client_t *sub = th_client(T.w->hub.endpoint, "debitorvagten");
  seen_t seen = {0};
  const char *filters[] = {"transferred_to=opkraevningen"};
  stafet_subscription_t s = {.name = "it_transfers",
                             .patterns = PATTERNS("contact.call.*"),
                             .n_patterns = 1,
                             .filters = filters,
                             .n_filters = 1};
  assert_int_equal(stafet_client_subscribe(sub, &s, on_contact, &seen, 15000), 0);
  const char call[] = "{\"event\":\"call.ended\",\"tenant\":\"0751\",\"call_id\":\"C1\","
                      "\"wait_seconds\":30,\"talk_seconds\":200,\"resolved_first_contact\":false,"
                      "\"transferred_to\":\"opkraevningen\",\"cpr\":\"010190-1234\"}";
  assert_int_equal(it_http("POST", T.events_url, call, NULL), 202);
  assert_true(th_poll_until((stafet_client_t *[]){sub, NULL}, &seen.n, 1, 10000));
  assert_string_equal(seen.topic, "contact.call.ended");
  assert_string_equal(seen.resolved, "false");
  assert_true(seen.sensitivity & STAFET_SENSITIVITY_PERSONAL);
  char *resp = NULL;
  assert_int_equal(it_http("POST", T.events_url, "{\"event\":\"call.ended\"}", &resp), 400);
  assert_non_null(strstr(resp, "MISSING_FIELD"));
  free(resp);
  char rejected[400];
  snprintf(rejected, sizeof rejected, "%s/contact/rejected", T.dir);
  assert_int_equal(it_count_files(rejected, ".body"), 1);
  stafet_client_destroy(sub);
}

/* A stand-in provider: answers with its JSON, or never (silent). */
typedef struct stub {
  const char *json;
  size_t asked;
} stub_t;

static void on_stub_request(stafet_client_t *c, const stafet_request_t *r, void *arg) {
  stub_t *s = arg;
  s->asked++;
  if (s->json != NULL)
    stafet_client_reply(c, r->request_id, s->json, strlen(s->json));
}

static stafet_client_t *provider(const char *service, stub_t *stub) {
  stafet_client_t *c = th_client(T.w->hub.endpoint, "stub");
  assert_int_equal(stafet_client_provide(c, service, on_stub_request, stub, 10000), 0);
  return c;
}

/* GETs the overview while polling the stand-ins; returns the parsed answer. */
static json_t *overview(stafet_client_t **clients, const char *query) {
  char url[256];
  snprintf(url, sizeof url, "%s%s", T.overview_url, query);
  it_http_t h = {.method = "GET", .url = url};
  it_http_start(&h);
  assert_true(it_http_wait(&h, clients, 15000));
  assert_int_equal(h.status, 200);
  json_t *doc = json_loads(h.response, 0, NULL);
  it_http_free(&h);
  assert_non_null(doc);
  return doc;
}

static const char *part_field(json_t *doc, const char *part, const char *field) {
  return json_string_value(json_object_get(json_object_get(doc, part), field));
}

static stub_t PERSON = {.json =
                            "{\"cpr\":\"010190-1234\",\"found\":true,\"last_name\":\"Jensen\"}"};

static void test_overview_partial_without_debtor(void **state) {
  const char opened[] = "{\"event\":\"case.opened\",\"tenant\":\"0751\",\"case\":{\"id\":\"S-C1\","
                        "\"system\":\"sim\",\"kle\":\"32.18.00\",\"department\":\"jobcenter\","
                        "\"parties\":[{\"cpr\":\"010190-1234\"}]}}";
  assert_int_equal(it_http("POST", T.esdh_url, opened, NULL), 202);
  stafet_client_t *person = provider("cpr.person.get", &PERSON);
  json_t *doc = overview((stafet_client_t *[]){person, NULL}, "");
  assert_false(json_is_true(json_object_get(doc, "complete")));
  assert_string_equal(part_field(doc, "person", "status"), "ok");
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(json_object_get(doc, "person"), "data"), "last_name")),
                      "Jensen");
  assert_string_equal(part_field(doc, "debt", "status"), "unavailable");
  assert_string_equal(part_field(doc, "debt", "error"), "NO_PROVIDER");
  assert_string_equal(part_field(doc, "cases", "status"), "ok");
  json_t *cases = json_object_get(json_object_get(json_object_get(doc, "cases"), "data"), "cases");
  assert_string_equal(json_string_value(json_object_get(json_array_get(cases, 0), "case_id")),
                      "S-C1");
  json_decref(doc);
  stafet_client_destroy(person);
}

static void test_overview_marks_a_silent_debtor(void **state) {
  stafet_client_t *person = provider("cpr.person.get", &PERSON);
  stub_t silent = {.json = NULL};
  stafet_client_t *debt = provider("debt.summary.get", &silent);
  long long started = th_now_ms();
  json_t *doc = overview((stafet_client_t *[]){person, debt, NULL}, "?timeout_ms=600");
  assert_true(th_now_ms() - started < 5000); /* answered by its deadline, not hanging */
  assert_int_equal(silent.asked, 1);
  assert_false(json_is_true(json_object_get(doc, "complete")));
  assert_string_equal(part_field(doc, "debt", "error"), "DEADLINE_EXCEEDED");
  assert_string_equal(part_field(doc, "person", "status"), "ok");
  assert_string_equal(part_field(doc, "cases", "status"), "ok");
  json_decref(doc);
  stafet_client_destroy(debt);
  stafet_client_destroy(person);
}

static void test_overview_complete_when_all_answer(void **state) {
  stafet_client_t *person = provider("cpr.person.get", &PERSON);
  stub_t debt_stub = {.json = "{\"cpr\":\"010190-1234\",\"open_claims\":2,\"total_ore\":123450}"};
  stafet_client_t *debt = provider("debt.summary.get", &debt_stub);
  json_t *doc = overview((stafet_client_t *[]){person, debt, NULL}, "");
  assert_true(json_is_true(json_object_get(doc, "complete")));
  assert_int_equal(json_integer_value(json_object_get(
                       json_object_get(json_object_get(doc, "debt"), "data"), "total_ore")),
                   123450);
  json_decref(doc);
  stafet_client_destroy(debt);
  stafet_client_destroy(person);
  /* a bad CPR in the path is a 400, not a request to anyone */
  char url[160], *resp = NULL;
  snprintf(url, sizeof url, "%s", T.overview_url);
  memcpy(strstr(url, "010190-1234"), "999999-1234", 11);
  assert_int_equal(it_http("GET", url, NULL, &resp), 400);
  assert_non_null(strstr(resp, "INVALID_CPR"));
  free(resp);
}

/* The simulators post at a chosen rate; every event they make is accepted. */
static void test_generators_accepted(void **state) {
  char log[400], case_url[160];
  snprintf(log, sizeof log, "%s/sim.log", T.dir);
  snprintf(case_url, sizeof case_url, "%s", T.esdh_url);
  char *calls[] = {STAFET_SIM_EVENTS_BIN,
                   "--url",
                   T.events_url,
                   "--count",
                   "30",
                   "--rate",
                   "300",
                   "--seed",
                   "3",
                   "--quiet",
                   NULL};
  char *hooks[] = {
      STAFET_SIM_HOOKS_BIN, "--url", case_url, "--count", "20", "--rate", "300", "--quiet", NULL};
  char *const *runs[] = {calls, hooks};
  for (int i = 0; i < 2; i++) {
    pid_t pid = it_spawn(runs[i], log);
    int status = -1;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0); /* exits 1 if any event was refused */
  }
  const char *calls_done[] = {"posted=30 accepted=30 rejected=0 failed=0", NULL};
  const char *hooks_done[] = {"posted=20 accepted=20 rejected=0 failed=0", NULL};
  assert_int_equal(th_log_count_all(log, calls_done), 1);
  assert_int_equal(th_log_count_all(log, hooks_done), 1);
}

static void test_cpr_masked_in_logs(void **state) {
  const char *whole[] = {"010190-1234", NULL};
  const char *bare[] = {"0101901234", NULL};
  const char *masked[] = {"overview answered", "cpr=010190-****", NULL};
  assert_int_equal(th_log_count_all(T.host.log_path, whole), 0);
  assert_int_equal(th_log_count_all(T.host.log_path, bare), 0);
  assert_true(th_log_count_all(T.host.log_path, masked) >= 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_call_event_published),
      cmocka_unit_test(test_overview_partial_without_debtor),
      cmocka_unit_test(test_overview_marks_a_silent_debtor),
      cmocka_unit_test(test_overview_complete_when_all_answer),
      cmocka_unit_test(test_generators_accepted),
      cmocka_unit_test(test_cpr_masked_in_logs),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
