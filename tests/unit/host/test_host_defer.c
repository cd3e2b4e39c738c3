/*
 * test_host_defer.c — the host's promise that a plugin is never re-entered
 * and hears nothing after stop: deliveries, requests and answers that
 * arrive while one of its callbacks runs (as they do while api->subscribe
 * waits for the hub) are held and handed over, in order and intact, when
 * the callback returns; a failed start or a stop drops them. Runs the
 * host's own doors (host.c) with a fake plugin and no network.
 */
#include "host.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

typedef struct fake {
  stafet_host_t *host;
  int depth, max_depth;
  char seen[512]; /* "e:ID r:ID a:TEXT ..." in the order the plugin heard them */
  int stops;
  int start_rc;
  const stafet_delivery_t *arrive_in_start; /* arrives while start runs */
  const stafet_delivery_t *arrive_in_event; /* arrives while on_event runs */
  const stafet_request_t *request_in_event;
} fake_t;

static fake_t *the_fake; /* the fake plugin's callbacks find it here (test only) */

static void note(fake_t *f, const char *kind, const char *what) {
  snprintf(f->seen + strlen(f->seen), sizeof f->seen - strlen(f->seen), "%s:%s ", kind, what);
}

static void in(fake_t *f) {
  if (++f->depth > f->max_depth)
    f->max_depth = f->depth;
}

static int fake_init(const stafet_host_api_t *api, stafet_host_t *host, void **state) {
  *state = the_fake;
  return 0;
}

static int fake_init_fails(const stafet_host_api_t *api, stafet_host_t *host, void **state) {
  return STAFET_EINVAL;
}

static int fake_start(void *state) {
  fake_t *f = state;
  in(f);
  if (f->arrive_in_start) /* as during api->subscribe's wait */
    host_on_deliver(NULL, f->arrive_in_start, f->host);
  note(f, "started", "-");
  f->depth--;
  return f->start_rc;
}

static void fake_stop(void *state) {
  fake_t *f = state;
  f->stops++;
}

static void fake_on_event(void *state, const stafet_delivery_t *d) {
  fake_t *f = state;
  in(f);
  note(f, "e", d->envelope->message_id);
  assert_int_equal(d->payload_len, 5);
  assert_memory_equal(d->payload, "hello", 5);
  const stafet_delivery_t *next = f->arrive_in_event;
  f->arrive_in_event = NULL;
  if (next)
    host_on_deliver(NULL, next, f->host);
  const stafet_request_t *r = f->request_in_event;
  f->request_in_event = NULL;
  if (r)
    host_on_request(NULL, r, f->host);
  f->depth--;
}

static void fake_on_request(void *state, const stafet_request_t *r) {
  fake_t *f = state;
  in(f);
  note(f, "r", r->request_id);
  assert_string_equal(r->service, "cpr.person.get");
  assert_true(r->deadline_ms == 1234);
  f->depth--;
}

static void fake_reply(void *state, int status, const char *text, const void *payload, size_t len,
                       void *arg) {
  fake_t *f = state;
  in(f);
  note(f, "a", text);
  f->depth--;
}

static stafet_adapter_t adapter = {.abi_version = STAFET_ADAPTER_ABI_VERSION,
                                   .name = "fake",
                                   .init = fake_init,
                                   .start = fake_start,
                                   .stop = fake_stop,
                                   .on_event = fake_on_event,
                                   .on_request = fake_on_request};

typedef struct world {
  host_conf_t cfg;
  conf_plugin_t plugin;
  stafet_host_t host;
  fake_t fake;
} world_t;

static int setup(void **state) {
  static world_t w;
  memset(&w, 0, sizeof w);
  conf_defaults(&w.cfg);
  snprintf(w.plugin.name, sizeof w.plugin.name, "fake");
  w.host.cfg = &w.cfg;
  w.host.plugin = &w.plugin;
  w.host.adapter = &adapter;
  w.host.log = (logger_t){.level = LOG_ERROR, .out = stderr, .name = "test"};
  w.host.journal.fd = w.host.journal.lock_fd = -1;
  w.fake.host = &w.host;
  the_fake = &w.fake;
  adapter.init = fake_init;
  *state = &w;
  return 0;
}

static int teardown(void **state) {
  world_t *w = *state;
  defer_clear(&w->host.deferred);
  return 0;
}

static stafet_envelope_t env_a = {.message_id = "a", .topic = "t.x.y"};
static stafet_envelope_t env_b = {.message_id = "b", .topic = "t.x.y"};
static stafet_envelope_t env_c = {.message_id = "c", .topic = "t.x.y"};

static stafet_delivery_t delivery(const stafet_envelope_t *env) {
  return (stafet_delivery_t){.subscription = "s",
                             .delivery_id = "1-0",
                             .delivery_count = 1,
                             .envelope = env,
                             .payload = "hello",
                             .payload_len = 5};
}

static void test_held_during_start(void **state) {
  world_t *w = *state;
  stafet_delivery_t a = delivery(&env_a);
  w->fake.arrive_in_start = &a;
  assert_int_equal(host_call_init(&w->host), 0);
  assert_int_equal(host_call_start(&w->host), 0);
  assert_string_equal(w->fake.seen, "started:- e:a ");
  assert_int_equal(w->fake.max_depth, 1);
}

static void test_held_during_event_in_order(void **state) {
  world_t *w = *state;
  stafet_delivery_t a = delivery(&env_a), b = delivery(&env_b), c = delivery(&env_c);
  stafet_request_t r = {.service = "cpr.person.get",
                        .request_id = "req-1",
                        .deadline_ms = 1234,
                        .envelope = &env_c,
                        .payload = "x",
                        .payload_len = 1};
  assert_int_equal(host_call_init(&w->host), 0);
  assert_int_equal(host_call_start(&w->host), 0);
  w->fake.arrive_in_event = &b;
  w->fake.request_in_event = &r;
  host_on_deliver(NULL, &a, &w->host); /* a; while a runs, b and the request arrive */
  host_on_deliver(NULL, &c, &w->host);
  assert_string_equal(w->fake.seen, "started:- e:a e:b r:req-1 e:c ");
  assert_int_equal(w->fake.max_depth, 1);
  assert_int_equal(w->host.deferred.n, 0);
}

static void test_answer_held_while_busy(void **state) {
  world_t *w = *state;
  assert_int_equal(host_call_init(&w->host), 0);
  assert_int_equal(host_call_start(&w->host), 0);
  w->host.busy = 1; /* as inside a callback */
  host_call_reply(&w->host, fake_reply, NULL, STAFET_ETIMEDOUT, "late", NULL, 0);
  assert_string_equal(w->fake.seen, "started:- ");
  w->host.busy = 0;
  stafet_delivery_t a = delivery(&env_a);
  host_on_deliver(NULL, &a, &w->host); /* leaving this callback hands the answer over */
  assert_string_equal(w->fake.seen, "started:- e:a a:late ");
}

static void test_failed_start_drops_and_stops_once(void **state) {
  world_t *w = *state;
  stafet_delivery_t a = delivery(&env_a);
  w->fake.arrive_in_start = &a;
  w->fake.start_rc = STAFET_EUNAVAIL;
  assert_int_equal(host_call_init(&w->host), 0);
  assert_int_equal(host_call_start(&w->host), STAFET_EUNAVAIL);
  host_call_stop(&w->host);
  host_call_stop(&w->host);
  assert_int_equal(w->fake.stops, 1);
  assert_string_equal(w->fake.seen, "started:- "); /* a is not handed to a failed plugin */
}

static void test_nothing_after_stop(void **state) {
  world_t *w = *state;
  assert_int_equal(host_call_init(&w->host), 0);
  assert_int_equal(host_call_start(&w->host), 0);
  host_call_stop(&w->host);
  stafet_delivery_t a = delivery(&env_a);
  host_on_deliver(NULL, &a, &w->host);
  host_call_reply(&w->host, fake_reply, NULL, 0, "x", NULL, 0);
  host_call_tick(&w->host);
  assert_string_equal(w->fake.seen, "started:- ");
  assert_int_equal(w->host.deferred.n, 0);
}

static void test_failed_init_is_never_stopped(void **state) {
  world_t *w = *state;
  adapter.init = fake_init_fails;
  assert_int_equal(host_call_init(&w->host), STAFET_EINVAL);
  host_call_stop(&w->host);
  assert_int_equal(w->fake.stops, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_held_during_start, setup, teardown),
      cmocka_unit_test_setup_teardown(test_held_during_event_in_order, setup, teardown),
      cmocka_unit_test_setup_teardown(test_answer_held_while_busy, setup, teardown),
      cmocka_unit_test_setup_teardown(test_failed_start_drops_and_stops_once, setup, teardown),
      cmocka_unit_test_setup_teardown(test_nothing_after_stop, setup, teardown),
      cmocka_unit_test_setup_teardown(test_failed_init_is_never_stopped, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
