/*
 * test_sh_retry.c — the HTTP plumbing of the three adapters without a host:
 * an sh_server and sh_retry jobs over sh_client on one sh_loop, one thread.
 * A job is retried after failures and settled ok on the first 2xx; with
 * max_tries it gives up with the HTTP status in the reason; a refused
 * connection counts as a failure too; each try is prepared (signed) anew.
 */
#include "sh_retry.h"
#include "sh_server.h"
#include "stafet.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct fixture {
  sh_loop_t loop;
  sh_server_t *server;
  sh_client_t *client;
  sh_retry_t retry;
  unsigned fail_first; /* the server answers 503 this many times */
  unsigned requests, prepared;
  char last_body[256], last_try_header[64];
  int settled, ok;
  char reason[256];
} fixture_t;

static void handle(void *arg, sh_request_t *req) {
  fixture_t *f = arg;
  f->requests++;
  snprintf(f->last_body, sizeof f->last_body, "%s", sh_request_body(req, NULL));
  const char *t = sh_request_header(req, "X-Try");
  snprintf(f->last_try_header, sizeof f->last_try_header, "%s", t ? t : "");
  if (f->requests <= f->fail_first)
    sh_request_reply_error(req, 503, "BUSY", "try later");
  else
    sh_request_reply(req, 204, NULL, "", 0);
}

static void prepare(void *arg, sh_job_t *job) {
  fixture_t *f = arg;
  sh_job_set_header(job, 1, "X-Try: %u", ++f->prepared);
}

static void settled(void *arg, sh_job_t *job, int ok, const char *reason) {
  fixture_t *f = arg;
  f->settled++;
  f->ok = ok;
  snprintf(f->reason, sizeof f->reason, "%s", reason ? reason : "");
}

static int setup(void **state) {
  static fixture_t f;
  memset(&f, 0, sizeof f);
  sh_loop_init(&f.loop, NULL, NULL);
  sh_server_options_t o = {.port = 0, .handler = handle, .arg = &f};
  if (sh_server_start(&f.server, &f.loop, &o) != 0 || sh_client_new(&f.client, &f.loop) != 0)
    return -1;
  f.retry = (sh_retry_t){.client = f.client,
                         .backoff = {.base_ms = 10, .max_ms = 40},
                         .ops = {.prepare = prepare, .settled = settled},
                         .arg = &f};
  *state = &f;
  return 0;
}

static int teardown(void **state) {
  fixture_t *f = *state;
  sh_client_destroy(f->client);
  sh_retry_clear(&f->retry);
  sh_server_stop(f->server);
  sh_loop_free(&f->loop);
  return 0;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs the loop until a job settled or 10 s passed. */
static void run_until_settled(fixture_t *f) {
  long long deadline = now_ms() + 10000;
  while (f->settled == 0 && now_ms() < deadline) {
    sh_loop_poll(&f->loop, 5);
    sh_server_run(f->server);
    sh_client_tick(f->client);
    sh_retry_tick(&f->retry);
  }
  assert_int_equal(f->settled, 1);
}

static void add(fixture_t *f, const char *url, const char *delivery_id) {
  const char *headers[] = {"Content-Type: application/json"};
  sh_job_spec_t spec = {.subscription = "s",
                        .delivery_id = delivery_id,
                        .message_id = "m",
                        .method = "POST",
                        .url = url,
                        .body = "{\"n\":1}",
                        .len = 7,
                        .headers = headers,
                        .n_headers = 1};
  assert_int_equal(sh_retry_add(&f->retry, &spec, NULL), 0);
  assert_int_equal(sh_retry_add(&f->retry, &spec, NULL), STAFET_EEXIST); /* a redelivery */
}

static void test_retries_until_2xx(void **state) {
  fixture_t *f = *state;
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%u/hook", sh_server_port(f->server));
  f->fail_first = 2;
  add(f, url, "1-0");
  run_until_settled(f);
  assert_true(f->ok);
  assert_int_equal(f->requests, 3);
  assert_string_equal(f->last_body, "{\"n\":1}");
  assert_string_equal(f->last_try_header, "3"); /* prepared before every try */
  assert_int_equal(f->retry.n_jobs, 0);
}

static void test_gives_up_after_max_tries(void **state) {
  fixture_t *f = *state;
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%u/hook", sh_server_port(f->server));
  f->fail_first = 100;
  f->retry.max_tries = 3;
  add(f, url, "2-0");
  run_until_settled(f);
  assert_false(f->ok);
  assert_int_equal(f->requests, 3);
  assert_string_equal(f->reason, "HTTP 503 after 3 tries");
}

static void test_connection_refused_is_a_failure(void **state) {
  fixture_t *f = *state;
  f->retry.max_tries = 2;
  add(f, "http://127.0.0.1:1/nobody-listens", "3-0");
  run_until_settled(f);
  assert_false(f->ok);
  assert_non_null(strstr(f->reason, "after 2 tries"));
  assert_null(strstr(f->reason, "HTTP"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_retries_until_2xx, setup, teardown),
      cmocka_unit_test_setup_teardown(test_gives_up_after_max_tries, setup, teardown),
      cmocka_unit_test_setup_teardown(test_connection_refused_is_a_failure, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
