/*
 * test_admin_api.c — the hub's admin HTTP server against a real hub and Redis:
 * health and readiness (following Redis), /metrics (checked by promtool, and a
 * growing queue visible in it), the JSON API's answers and its refusals.
 */
#include "admin.h"
#include "fixture.h"

#include <sys/stat.h>

static const char *const DEPTH[] = {"queue", "depth", NULL};

/* The hub's admin address, once the hub is ready (Redis up, routing loaded). */
static void admin_of(world_t *w, char *addr) {
  assert_true(th_admin_ready(&w->hub, addr, 64, 10000));
}

static void create_sub(const char *addr, const char *json) {
  char *body = NULL;
  long status = th_http(addr, "POST", "/api/subscriptions", "application/json", json, &body);
  if (status != 201)
    fprintf(stderr, "POST /api/subscriptions: %ld %s\n", status, body);
  assert_int_equal(status, 201);
  free(body);
}

static void test_health_and_readiness(void **state) {
  world_t *w = *state;
  char addr[64], *body = NULL;
  admin_of(w, addr);
  assert_int_equal(th_http(addr, "GET", "/healthz", NULL, NULL, &body), 200);
  assert_string_equal(body, "ok\n");
  free(body);
  long status = 200; /* admin_of waited for /readyz to say 200 */
  /* Redis goes away: not ready (503), while /healthz still answers. */
  th_redis_stop(&w->redis, SIGKILL);
  for (long long end = th_now_ms() + 10000; th_now_ms() < end && status != 503;)
    status = th_http(addr, "GET", "/readyz", NULL, NULL, &body), free(body), body = NULL;
  assert_int_equal(status, 503);
  assert_int_equal(th_http(addr, "GET", "/healthz", NULL, NULL, NULL), 200);
  json_t *st = th_get_json(addr, "/api/status");
  assert_non_null(st);
  assert_true(json_is_false(json_object_get(st, "redis")));
  json_decref(st);
}

/* Metrics with real traffic pass promtool, and say what happened. */
static void test_metrics_pass_promtool(void **state) {
  world_t *w = *state;
  char addr[64], path[300], *text = NULL;
  admin_of(w, addr);
  if (STAFET_PROMTOOL[0] == '\0')
    fail_msg("promtool is not installed (Debian package prometheus): run deploy/install-deps.sh");
  stafet_client_t *c = th_client(w->hub.endpoint, "metrics_test");
  th_collector_t col;
  th_collector_init(&col, true);
  stafet_subscription_t s = {
      .name = "folkeregister", .patterns = PATTERNS("cpr.#"), .n_patterns = 1};
  assert_int_equal(th_subscribe(c, &s, &col), 0);
  for (int i = 0; i < 7; i++)
    assert_int_equal(th_publish_wait(c, "cpr.person.relocated", "0751", NULL, 0, NULL), 0);
  assert_int_equal(th_publish_wait(c, "debt.claim.created", "0751", NULL, 0, NULL), 0);
  stafet_client_t *clients[] = {c, NULL};
  assert_true(th_poll_until(clients, &col.n, 7, 10000));
  th_poll_for(clients, 200); /* lets the acks reach the hub */
  assert_int_equal(th_http(addr, "GET", "/metrics", NULL, NULL, &text), 200);
  assert_non_null(strstr(text, "stafet_topic_published_total{topic=\"cpr.person.relocated\"} 7\n"));
  assert_non_null(strstr(text, "stafet_topic_published_total{topic=\"debt.claim.created\"} 1\n"));
  assert_non_null(
      strstr(text, "stafet_subscription_delivered_total{subscription=\"folkeregister\"} 7\n"));
  assert_non_null(
      strstr(text, "stafet_subscription_acked_total{subscription=\"folkeregister\"} 7\n"));
  assert_non_null(strstr(text, "stafet_topic_acked_total{topic=\"cpr.person.relocated\"} 7\n"));
  assert_non_null(strstr(text, "stafet_adapters_connected{adapter=\"metrics_test\"} 1\n"));
  assert_non_null(strstr(text, "# TYPE stafet_redis_roundtrip_seconds histogram\n"));
  assert_non_null(strstr(text, "# TYPE stafet_request_duration_seconds histogram\n"));
  snprintf(path, sizeof path, "%s/metrics.txt", w->dir);
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
  char cmd[700], *out = NULL;
  snprintf(cmd, sizeof cmd, "'%s' check metrics < '%s'", STAFET_PROMTOOL, path);
  char *argv[] = {"/bin/sh", "-c", cmd, NULL};
  int rc = th_run(argv, &out);
  if (rc != 0)
    fprintf(stderr, "promtool: %s\n", out);
  assert_int_equal(rc, 0);
  free(out);
  free(text);
  th_collector_free(&col);
  stafet_client_destroy(c);
}

/* Nobody consumes: the queue grows, and /metrics and the API say so. */
static void test_growing_queue_in_metrics(void **state) {
  world_t *w = *state;
  char addr[64], *text = NULL;
  admin_of(w, addr);
  create_sub(addr, "{\"name\":\"opkraevning\",\"patterns\":[\"debt.#\"]}");
  stafet_client_t *c = th_client(w->hub.endpoint, "debtor");
  for (int i = 0; i < 5; i++)
    assert_int_equal(th_publish_wait(c, "debt.claim.created", "0751", NULL, 0, NULL), 0);
  assert_true(th_wait_json_int(addr, "/api/subscriptions/opkraevning", DEPTH, 5, 10000));
  for (int i = 0; i < 5; i++)
    assert_int_equal(th_publish_wait(c, "debt.claim.created", "0751", NULL, 0, NULL), 0);
  assert_true(th_wait_json_int(addr, "/api/subscriptions/opkraevning", DEPTH, 10, 10000));
  /* The metrics' cached figure follows within a stats interval. */
  bool seen = false;
  for (long long end = th_now_ms() + 10000; th_now_ms() < end && !seen; free(text)) {
    th_http(addr, "GET", "/metrics", NULL, NULL, &text);
    seen = strstr(text, "stafet_subscription_queue_depth{subscription=\"opkraevning\"} 10\n");
  }
  assert_true(seen);
  json_t *list = th_get_json(addr, "/api/subscriptions");
  json_t *first = json_array_get(json_object_get(list, "subscriptions"), 0);
  assert_string_equal(json_string_value(json_object_get(first, "name")), "opkraevning");
  assert_int_equal(th_json_int(first, DEPTH), 10);
  json_decref(list);
  stafet_client_destroy(c);
}

static void expect_status(const char *addr, const char *method, const char *path, const char *type,
                          const char *body, long want, const char *text) {
  char *got = NULL;
  long status = th_http(addr, method, path, type, body, &got);
  if (status != want || (text && strstr(got, text) == NULL))
    fprintf(stderr, "%s %s: %ld %s\n", method, path, status, got);
  assert_int_equal(status, want);
  if (text != NULL)
    assert_non_null(strstr(got, text));
  free(got);
}

static void test_api_answers_and_refusals(void **state) {
  world_t *w = *state;
  char addr[64];
  admin_of(w, addr);
  stafet_client_t *c = th_client(w->hub.endpoint, "kontaktcenter");
  th_wait_json_int(addr, "/api/status", (const char *const[]){"sessions", NULL}, 1, 10000);
  json_t *a = th_get_json(addr, "/api/adapters");
  json_t *first = json_array_get(json_object_get(a, "adapters"), 0);
  assert_string_equal(json_string_value(json_object_get(first, "name")), "kontaktcenter");
  json_decref(a);
  expect_status(addr, "GET", "/api/nothing", NULL, NULL, 404, "no such page");
  expect_status(addr, "GET", "/api/subscriptions/nobody", NULL, NULL, 404, "nobody");
  expect_status(addr, "PUT", "/api/status", "application/json", "{}", 405, NULL);
  /* A change without Content-Type: application/json (what a cross-site form sends). */
  expect_status(addr, "POST", "/api/subscriptions", "text/plain", "{}", 415, "Content-Type");
  expect_status(addr, "POST", "/api/subscriptions", "application/json", "not json", 400, "JSON");
  expect_status(addr, "POST", "/api/subscriptions", "application/json",
                "{\"name\":\"x\",\"patterns\":[\"Bad.Pattern\"]}", 400, "pattern");
  expect_status(addr, "POST", "/api/subscriptions", "application/json",
                "{\"name\":\"x\",\"patterns\":[\"a.#\"],\"filters\":[\"nonsense\"]}", 400, NULL);
  expect_status(addr, "POST", "/api/subscriptions", "application/json",
                "{\"name\":\"x\",\"patterns\":[\"a.#\"],\"mode\":\"transient\"}", 400, "transient");
  create_sub(addr, "{\"name\":\"sager\",\"patterns\":[\"case.#\"]}");
  expect_status(addr, "POST", "/api/subscriptions", "application/json",
                "{\"name\":\"sager\",\"patterns\":[\"case.case.*\"]}", 409, "other patterns");
  expect_status(addr, "POST", "/api/subscriptions", "application/json",
                "{\"name\":\"sager\",\"patterns\":[\"case.#\"]}", 200, "\"created\":false");
  /* Published topics are listed with the subscriptions that match them. */
  char msg_id[65];
  assert_int_equal(th_publish_wait(c, "case.case.status_changed", "0751", NULL, 0, msg_id), 0);
  /* Its trace names the queue entry, and the entry is queued: no consumer has it. */
  char path[128];
  snprintf(path, sizeof path, "/api/messages/%s", msg_id);
  json_t *trace = th_get_json(addr, path);
  assert_non_null(trace);
  json_t *in_sager = json_array_get(json_object_get(trace, "subscriptions"), 0);
  assert_string_equal(json_string_value(json_object_get(in_sager, "subscription")), "sager");
  assert_string_equal(json_string_value(json_object_get(in_sager, "state")), "queued");
  const char *entry = json_string_value(json_object_get(in_sager, "entry_id"));
  assert_non_null(entry);
  assert_int_equal(th_redis_int(&w->redis, "XRANGE stafet:q:{sager} %s %s", entry, entry), 1);
  assert_true(th_redis_stream_has(&w->redis, "stafet:q:{sager}", "m", msg_id));
  json_decref(trace);
  json_t *t = th_get_json(addr, "/api/topics");
  json_t *topic = json_array_get(json_object_get(t, "topics"), 0);
  assert_string_equal(json_string_value(json_object_get(topic, "topic")),
                      "case.case.status_changed");
  assert_string_equal(json_string_value(json_array_get(json_object_get(topic, "subscriptions"), 0)),
                      "sager");
  json_decref(t);
  expect_status(addr, "DELETE", "/api/subscriptions/sager", "application/json", NULL, 200, NULL);
  expect_status(addr, "GET", "/api/subscriptions/sager", NULL, NULL, 404, NULL);
  expect_status(addr, "DELETE", "/api/subscriptions/sager", "application/json", NULL, 404, NULL);
  expect_status(addr, "GET", "/api/messages/unknown-id", NULL, NULL, 404, "no trace");
  /* A trace kept as a hash under its own key (written by the first hubs) still reads. */
  assert_int_equal(th_redis_int(&w->redis, "HSET stafet:dedupe:legacy-1 topic case.opened at 1 "
                                           "q:gone 1-0 dead:gone nacked_by_hand"),
                   4);
  expect_status(addr, "GET", "/api/messages/legacy-1", NULL, NULL, 200, "nacked_by_hand");
  /* So does one kept as a string under its own key (hubs before the dedupe buckets). */
  assert_int_equal(th_redis_int(&w->redis, "SET stafet:dedupe:legacy-2 %s",
                                "topic=case.opened\nat=1\nq:gone=2-0\ndead:gone=nacked_later\n"),
                   -1);
  expect_status(addr, "GET", "/api/messages/legacy-2", NULL, NULL, 200, "nacked_later");
  stafet_client_destroy(c);
}

/* Reading is open on loopback; every change needs the hub's admin token. */
static void test_changes_need_the_token(void **state) {
  world_t *w = *state;
  char addr[64], token_file[400];
  admin_of(w, addr);
  snprintf(token_file, sizeof token_file, "%s", getenv("STAFET_ADMIN_TOKEN_FILE"));
  struct stat st;
  assert_int_equal(stat(token_file, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  const char *json = "{\"name\":\"tokened\",\"patterns\":[\"cpr.#\"]}";
  unsetenv("STAFET_ADMIN_TOKEN_FILE"); /* th_http sends no token now */
  expect_status(addr, "POST", "/api/subscriptions", "application/json", json, 401, "Bearer");
  expect_status(addr, "DELETE", "/api/subscriptions/tokened", "application/json", NULL, 401, NULL);
  expect_status(addr, "GET", "/api/subscriptions", NULL, NULL, 200, NULL);
  char wrong[400];
  snprintf(wrong, sizeof wrong, "%s/wrong.token", w->dir);
  FILE *f = fopen(wrong, "w");
  fputs("not-the-token\n", f);
  fclose(f);
  setenv("STAFET_ADMIN_TOKEN_FILE", wrong, 1);
  expect_status(addr, "POST", "/api/subscriptions", "application/json", json, 401, NULL);
  setenv("STAFET_ADMIN_TOKEN_FILE", token_file, 1);
  expect_status(addr, "POST", "/api/subscriptions", "application/json", json, 201, "tokened");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_health_and_readiness, world_default, world_down),
      cmocka_unit_test_setup_teardown(test_metrics_pass_promtool, world_default, world_down),
      cmocka_unit_test_setup_teardown(test_growing_queue_in_metrics, world_default, world_down),
      cmocka_unit_test_setup_teardown(test_api_answers_and_refusals, world_default, world_down),
      cmocka_unit_test_setup_teardown(test_changes_need_the_token, world_default, world_down),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
