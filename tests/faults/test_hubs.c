/*
 * test_hubs.c — two hubs on one Redis; publisher and consumer know both.
 * A hub killed with SIGKILL in the middle of a stream, or paused with SIGSTOP
 * past its heartbeat: the clients move to the other hub, the outbox re-sends
 * what was not acknowledged, the other hub claims the dead sessions' pending
 * deliveries, and every acknowledged message is delivered.
 */
#include "fixture.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct two_hubs {
  world_t *w;
  th_hub_t second;
  char second_dir[256];
  char both[700];
} two_hubs_t;

static void start_second(world_t *w, two_hubs_t *t) {
  t->w = w;
  assert_int_equal(th_hub_start_extra(&t->second, t->second_dir, &w->redis), 0);
  snprintf(t->both, sizeof t->both, "%s,%s", w->hub.endpoint, t->second.endpoint);
}

static stafet_client_t *client_for_both(const two_hubs_t *t, const char *adapter) {
  return th_client(t->both, adapter); /* starts on the first; fails over to the second */
}

/* Publishes `total`, injects the fault after `at` acks, waits for all. */
static void run_scenario(world_t *w, const char *name, void (*fault)(two_hubs_t *),
                         void (*recover)(two_hubs_t *)) {
  two_hubs_t t;
  memset(&t, 0, sizeof t);
  start_second(w, &t);
  stafet_client_t *c = client_for_both(&t, "audit");
  stafet_client_t *p = client_for_both(&t, "cpr");
  assert_non_null(c);
  assert_non_null(p);
  th_collector_t col;
  th_collector_init(&col, true);
  stafet_subscription_t sub = {
      .name = "audit", .patterns = PATTERNS("cpr.#"), .n_patterns = 1, .credit = 200};
  assert_int_equal(th_subscribe(c, &sub, &col), 0);
  th_stream_t s;
  th_stream_init(&s, 5000);
  assert_int_equal(th_stream_publish(p, &s, 0, s.total, "cpr.person.relocated"), 0);
  stafet_client_t *cs[] = {p, c, NULL};
  assert_true(th_poll_until(cs, &s.n_acked, 1500, 60000));
  fault(&t);
  th_stream_finish(cs, &s, &col, 90000);
  if (recover)
    recover(&t);
  assert_int_equal(th_stream_report(name, &s, &col), 0);
  assert_int_equal(s.n_acked, s.total);
  assert_int_equal(th_collector_distinct(&col), s.total);
  th_stream_free(&s);
  th_collector_free(&col);
  stafet_client_destroy(p);
  stafet_client_destroy(c);
  th_hub_stop_extra(&t.second, t.second_dir);
}

static void kill_first(two_hubs_t *t) {
  th_hub_stop(&t->w->hub, SIGKILL);
}

static void pause_first(two_hubs_t *t) {
  kill(t->w->hub.pid, SIGSTOP); /* alive but silent past 3 heartbeats */
}

static void resume_first(two_hubs_t *t) {
  kill(t->w->hub.pid, SIGCONT);
}

static void test_hub_killed_clients_fail_over(void **state) {
  run_scenario(*state, "kill -9 of one of two hubs", kill_first, NULL);
}

static void test_hub_paused_clients_fail_over(void **state) {
  run_scenario(*state, "SIGSTOP of one of two hubs", pause_first, resume_first);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_hub_killed_clients_fail_over, world_default, world_down),
      cmocka_unit_test_setup_teardown(test_hub_paused_clients_fail_over, world_default, world_down),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
