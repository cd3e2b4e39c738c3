/*
 * test_webhook_adapter.c — the webhook adapter end to end: a real hub, the
 * real plugin host running libstafet_adapter_webhook.so with two
 * subscriptions, and a department's endpoint played by an HTTP server in
 * this test (stafet_http's sh_server on the test's own poll loop).
 *
 *  - a case.case.opened is POSTed to the endpoint, signed (HMAC-SHA256 over
 *    timestamp "." body, checked here), retried once after a 500, and acked
 *    after the 2xx: nothing is dead-lettered;
 *  - a contact.call.ended whose endpoint always answers 503 is tried
 *    max_tries times and then dead-lettered by the hub with the reason.
 */
#include "fixture.h"
#include "http_it.h"
#include "sh_hmac.h"
#include "sh_server.h"
#include "stafet/events/v1/case.pb-c.h"

#include <jansson.h>

typedef struct received {
  char path[64], timestamp[32], signature[128], message_id[80];
  char *body;
} received_t;

typedef struct endpoint {
  sh_loop_t loop;
  sh_server_t *server;
  received_t got[16];
  size_t n_ok, n_fail;
  unsigned ok_failures; /* /ok answers 500 this many times first */
} endpoint_t;

typedef struct it_webhook {
  world_t *w;
  th_adapter_t host;
  endpoint_t ep;
} it_webhook_t;

static it_webhook_t T;

static void copy_header(sh_request_t *req, const char *name, char *out, size_t size) {
  const char *v = sh_request_header(req, name);
  snprintf(out, size, "%s", v ? v : "");
}

static void on_http(void *arg, sh_request_t *req) {
  endpoint_t *ep = arg;
  int ok = strcmp(sh_request_path(req), "/ok") == 0;
  size_t i = ep->n_ok + ep->n_fail;
  if (i < 16) {
    received_t *r = &ep->got[i];
    snprintf(r->path, sizeof r->path, "%s", sh_request_path(req));
    copy_header(req, "Stafet-Timestamp", r->timestamp, sizeof r->timestamp);
    copy_header(req, "Stafet-Signature", r->signature, sizeof r->signature);
    copy_header(req, "Stafet-Message-Id", r->message_id, sizeof r->message_id);
    r->body = strdup(sh_request_body(req, NULL));
  }
  if (ok && ep->n_ok++ >= ep->ok_failures)
    sh_request_reply(req, 204, NULL, "", 0);
  else if (ok)
    sh_request_reply_error(req, 500, "BROKEN", "first try fails");
  else
    sh_request_reply_error(req, 503, "DOWN", "always down"), ep->n_fail++;
}

/* Runs the endpoint and polls the clients until *counter >= target. */
static int run_until(stafet_client_t *c, const size_t *counter, size_t target, int timeout_ms) {
  long long deadline = th_now_ms() + timeout_ms;
  while (*counter < target && th_now_ms() < deadline) {
    sh_loop_poll(&T.ep.loop, 10);
    sh_server_run(T.ep.server);
    stafet_client_poll(c, 0);
  }
  return *counter >= target;
}

static const char CONF[] =
    "hub = %s\nlog_level = info\ntick_ms = 50\nstate_dir = %s/state\n"
    "[plugin webhook]\npath = %s\nsubscriptions = wh_ok, wh_fail\n"
    "wh_ok_patterns = case.case.opened\nwh_ok_filters = tenant=0751\n"
    "wh_ok_url = http://127.0.0.1:%u/ok\nwh_ok_secret = s3cret\n"
    "wh_ok_retry_min_ms = 50\nwh_ok_retry_max_ms = 100\n"
    "wh_fail_patterns = contact.call.ended\nwh_fail_url = http://127.0.0.1:%u/fail\n"
    "wh_fail_secret = other\nwh_fail_max_tries = 3\nwh_fail_retry_min_ms = 50\n"
    "wh_fail_retry_max_ms = 100\n";

static int setup(void **state) {
  if (world_default(state) != 0)
    return -1;
  T.w = *state;
  sh_loop_init(&T.ep.loop, NULL, NULL);
  T.ep.ok_failures = 1;
  sh_server_options_t o = {.port = 0, .handler = on_http, .arg = &T.ep};
  if (sh_server_start(&T.ep.server, &T.ep.loop, &o) != 0)
    return -1;
  unsigned port = sh_server_port(T.ep.server);
  char conf[4096];
  snprintf(conf, sizeof conf, CONF, T.w->hub.endpoint, T.w->dir, STAFET_WEBHOOK_PLUGIN, port, port);
  if (th_adapter_start(&T.host, STAFET_ADAPTER_BIN, T.w->dir, "host", conf) != 0)
    return -1;
  const char *ok[] = {"msg=\"ready\"", "subscription=wh_ok", NULL};
  const char *fail[] = {"msg=\"ready\"", "subscription=wh_fail", NULL};
  return th_log_wait(T.host.log_path, ok, 1, 20000, NULL) &&
                 th_log_wait(T.host.log_path, fail, 1, 20000, NULL)
             ? 0
             : -1;
}

static int teardown(void **state) {
  th_adapter_stop(&T.host, SIGTERM);
  sh_server_stop(T.ep.server);
  sh_loop_free(&T.ep.loop);
  for (size_t i = 0; i < 16; i++)
    free(T.ep.got[i].body);
  int sanitizer = th_log_count_all(T.host.log_path, (const char *[]){"Sanitizer", NULL}) +
                  th_log_count_all(T.host.log_path, (const char *[]){"runtime error", NULL});
  return world_down(state) != 0 || sanitizer > 0 ? -1 : 0;
}

static int publish_opened(stafet_client_t *c, char id[65]) {
  Stafet__Events__V1__Casemgmt__CaseRef ref = STAFET__EVENTS__V1__CASEMGMT__CASE_REF__INIT;
  ref.case_id = "S-WH-1";
  ref.kle = "27.24.00";
  Stafet__Events__V1__Casemgmt__CaseOpened m = STAFET__EVENTS__V1__CASEMGMT__CASE_OPENED__INIT;
  m.case_ref = &ref;
  m.status = STAFET__EVENTS__V1__CASEMGMT__CASE_STATUS__CASE_STATUS_OPEN;
  uint8_t buf[256];
  size_t len = stafet__events__v1__casemgmt__case_opened__pack(&m, buf);
  stafet_attribute_t attrs[] = {{"kle", "27.24.00"}};
  stafet_envelope_t env = {.topic = "case.case.opened",
                           .type_name = "stafet.events.v1.casemgmt.CaseOpened",
                           .tenant = "0751",
                           .attributes = attrs,
                           .n_attributes = 1};
  if (stafet_client_publish(c, &env, buf, len, NULL, NULL, id) != 0)
    return -1;
  return stafet_client_flush(c, 10000);
}

static void test_delivered_signed_and_acked(void **state) {
  stafet_client_t *c = th_client(T.w->hub.endpoint, "case");
  char id[65];
  assert_int_equal(publish_opened(c, id), 0);
  assert_true(run_until(c, &T.ep.n_ok, 2, 15000)); /* a 500, then the retry */
  received_t *r = &T.ep.got[1];
  assert_string_equal(r->path, "/ok");
  assert_string_equal(r->message_id, id);
  assert_int_equal(strncmp(r->signature, "sha256=", 7), 0);
  assert_true(sh_hmac_verify("s3cret", r->timestamp, r->body, strlen(r->body), r->signature + 7));
  assert_false(sh_hmac_verify("wrong", r->timestamp, r->body, strlen(r->body), r->signature + 7));
  received_t *first = &T.ep.got[0]; /* the failed try was signed too, for its own time */
  assert_true(sh_hmac_verify("s3cret", first->timestamp, first->body, strlen(first->body),
                             first->signature + 7));
  json_t *doc = json_loads(r->body, 0, NULL);
  assert_non_null(doc);
  assert_string_equal(json_string_value(json_object_get(doc, "topic")), "case.case.opened");
  assert_string_equal(json_string_value(json_object_get(doc, "subscription")), "wh_ok");
  json_t *ref = json_object_get(json_object_get(doc, "payload"), "case_ref");
  assert_string_equal(json_string_value(json_object_get(ref, "case_id")), "S-WH-1");
  json_decref(doc);
  char logged[65];
  const char *acked[] = {"webhook delivered", th_logged(id, logged, sizeof logged), "tries=2",
                         NULL};
  assert_true(th_log_wait(T.host.log_path, acked, 1, 10000, (stafet_client_t *[]){c, NULL}));
  assert_int_equal(th_redis_int(&T.w->redis, "XLEN stafet:dlq:{wh_ok}"), 0);
  /* nothing further comes for it: it was acked, not redelivered */
  size_t before = T.ep.n_ok;
  th_poll_for((stafet_client_t *[]){c, NULL}, 300);
  sh_loop_poll(&T.ep.loop, 0);
  assert_int_equal(T.ep.n_ok, before);
  stafet_client_destroy(c);
}

static void test_dead_lettered_after_max_tries(void **state) {
  stafet_client_t *c = th_client(T.w->hub.endpoint, "contact");
  char id[65];
  assert_int_equal(th_publish_wait(c, "contact.call.ended", "0751", NULL, 0, id), 0);
  assert_true(run_until(c, &T.ep.n_fail, 3, 15000));
  long long deadline = th_now_ms() + 10000;
  bool dead = false;
  while (!dead && th_now_ms() < deadline) {
    dead = th_redis_stream_has(&T.w->redis, "stafet:dlq:{wh_fail}", "reason",
                               "webhook: HTTP 503 after 3 tries");
    if (!dead)
      run_until(c, &(size_t){0}, 1, 50);
  }
  assert_true(dead);
  assert_int_equal(T.ep.n_fail, 3); /* no fourth try */
  char logged[65];
  const char *gave_up[] = {"webhook gave up", th_logged(id, logged, sizeof logged), NULL};
  assert_true(th_log_wait(T.host.log_path, gave_up, 1, 5000, NULL));
  stafet_client_destroy(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_delivered_signed_and_acked),
      cmocka_unit_test(test_dead_lettered_after_max_tries),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
