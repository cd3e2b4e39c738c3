/*
 * test_request.c — request/reply through real hubs: an answer, round robin
 * between providers, and the errors a requester must always get instead of
 * silence: NO_PROVIDER, DEADLINE_EXCEEDED, PROVIDER_ERROR (an error answer,
 * or a provider that dies); and a provider on another hub.
 */
#include "admin.h"
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct answer {
  int n;
  int status;
  char text[128];
  char payload[128];
} answer_t;

static void on_reply(stafet_client_t *c, int status, const char *text, const void *payload,
                     size_t len, void *arg) {
  answer_t *a = arg;
  a->n++;
  a->status = status;
  snprintf(a->text, sizeof a->text, "%s", text ? text : "");
  snprintf(a->payload, sizeof a->payload, "%.*s", (int)len, payload ? (const char *)payload : "");
}

typedef struct provider_state {
  const char *name;
  int served;
  bool silent;  /* never answers */
  bool refuses; /* answers with an error */
} provider_state_t;

static void on_request(stafet_client_t *c, const stafet_request_t *r, void *arg) {
  provider_state_t *p = arg;
  p->served++;
  if (p->silent)
    return;
  if (p->refuses) {
    stafet_client_reply_error(c, r->request_id, "cpr 010190-**** unknown");
    return;
  }
  char out[128];
  int n =
      snprintf(out, sizeof out, "%s:%.*s", p->name, (int)r->payload_len, (const char *)r->payload);
  stafet_client_reply(c, r->request_id, out, (size_t)n);
}

/* Polls the clients until the answer arrives (or timeout). */
static bool wait_answer(stafet_client_t **cs, answer_t *a, int timeout_ms) {
  long long end = th_now_ms() + timeout_ms;
  while (a->n == 0 && th_now_ms() < end)
    th_poll_for(cs, 5);
  return a->n == 1;
}

static void test_answer_and_round_robin(void **state) {
  world_t *w = *state;
  stafet_client_t *p1 = th_client(w->hub.endpoint, "cpr");
  stafet_client_t *p2 = th_client(w->hub.endpoint, "cpr");
  stafet_client_t *rq = th_client(w->hub.endpoint, "contact");
  provider_state_t s1 = {.name = "one"}, s2 = {.name = "two"};
  assert_int_equal(stafet_client_provide(p1, "cpr.person.get", on_request, &s1, 5000), 0);
  assert_int_equal(stafet_client_provide(p2, "cpr.person.get", on_request, &s2, 5000), 0);
  stafet_client_t *cs[] = {p1, p2, rq, NULL};
  for (int i = 0; i < 10; i++) {
    answer_t a = {0};
    assert_int_equal(
        stafet_client_request(rq, "cpr.person.get", "0101901234", 10, 3000, on_reply, &a), 0);
    assert_true(wait_answer(cs, &a, 5000));
    assert_int_equal(a.status, 0);
    assert_non_null(strstr(a.payload, ":0101901234"));
  }
  assert_int_equal(s1.served + s2.served, 10);
  assert_true(s1.served >= 4 && s2.served >= 4); /* round robin */
  /* Their latency is in /metrics: ten observations for the service. */
  char addr[64], *metrics = NULL;
  assert_true(th_admin_ready(&w->hub, addr, sizeof addr, 10000));
  assert_int_equal(th_http(addr, "GET", "/metrics", NULL, NULL, &metrics), 200);
  assert_non_null(
      strstr(metrics, "stafet_request_duration_seconds_count{service=\"cpr.person.get\"} 10"));
  free(metrics);
  stafet_client_destroy(p1);
  stafet_client_destroy(p2);
  stafet_client_destroy(rq);
}

static void test_errors_instead_of_silence(void **state) {
  world_t *w = *state;
  stafet_client_t *p = th_client(w->hub.endpoint, "debtor");
  stafet_client_t *rq = th_client(w->hub.endpoint, "contact");
  provider_state_t silent = {.name = "silent", .silent = true};
  provider_state_t refuses = {.name = "refuses", .refuses = true};
  assert_int_equal(stafet_client_provide(p, "debt.summary.get", on_request, &silent, 5000), 0);
  assert_int_equal(stafet_client_provide(p, "case.list.get", on_request, &refuses, 5000), 0);
  stafet_client_t *cs[] = {p, rq, NULL};

  answer_t none = {0};
  assert_int_equal(stafet_client_request(rq, "nothing.here.get", "x", 1, 3000, on_reply, &none), 0);
  assert_true(wait_answer(cs, &none, 5000));
  assert_int_equal(none.status, STAFET_ENOPROVIDER);

  answer_t late = {0};
  long long start = th_now_ms();
  assert_int_equal(stafet_client_request(rq, "debt.summary.get", "x", 1, 300, on_reply, &late), 0);
  assert_true(wait_answer(cs, &late, 5000));
  assert_int_equal(late.status, STAFET_ETIMEDOUT);
  assert_int_equal(silent.served, 1);
  assert_true(th_now_ms() - start < 1200); /* the hub's deadline, not our local fallback */

  answer_t refused = {0};
  assert_int_equal(stafet_client_request(rq, "case.list.get", "x", 1, 3000, on_reply, &refused), 0);
  assert_true(wait_answer(cs, &refused, 5000));
  assert_int_equal(refused.status, STAFET_EPROVIDER);
  assert_non_null(strstr(refused.text, "unknown"));
  stafet_client_destroy(p);
  stafet_client_destroy(rq);
}

static void test_provider_that_dies_is_reported(void **state) {
  world_t *w = *state;
  int ready[2];
  assert_int_equal(pipe(ready), 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(ready[0]);
    stafet_client_t *c = th_client(w->hub.endpoint, "case");
    provider_state_t silent = {.name = "dies", .silent = true};
    if (c == NULL || stafet_client_provide(c, "case.list.get", on_request, &silent, 5000) != 0)
      _exit(2);
    (void)!write(ready[1], "r", 1);
    stafet_client_t *cs[] = {c, NULL};
    while (silent.served == 0)
      th_poll_for(cs, 10);
    _exit(0); /* takes the request and dies without a word */
  }
  close(ready[1]);
  char byte;
  assert_int_equal(read(ready[0], &byte, 1), 1);
  close(ready[0]);
  stafet_client_t *rq = th_client(w->hub.endpoint, "contact");
  answer_t a = {0};
  assert_int_equal(stafet_client_request(rq, "case.list.get", "x", 1, 20000, on_reply, &a), 0);
  stafet_client_t *cs[] = {rq, NULL};
  assert_true(wait_answer(cs, &a, 10000)); /* long before the 20 s deadline */
  assert_int_equal(a.status, STAFET_EPROVIDER);
  assert_non_null(strstr(a.text, "disconnected"));
  waitpid(pid, NULL, 0);
  stafet_client_destroy(rq);
}

static void test_provider_on_another_hub(void **state) {
  world_t *w = *state;
  char dir2[256];
  th_hub_t hub2;
  assert_int_equal(th_hub_start_extra(&hub2, dir2, &w->redis), 0);
  stafet_client_t *p = th_client(hub2.endpoint, "cpr");
  provider_state_t s = {.name = "hub2"};
  assert_int_equal(stafet_client_provide(p, "cpr.person.get", on_request, &s, 5000), 0);
  stafet_client_t *rq = th_client(w->hub.endpoint, "contact");
  stafet_client_t *cs[] = {p, rq, NULL};
  answer_t a = {0};
  assert_int_equal(
      stafet_client_request(rq, "cpr.person.get", "2802871234", 10, 3000, on_reply, &a), 0);
  assert_true(wait_answer(cs, &a, 5000));
  assert_int_equal(a.status, 0);
  assert_string_equal(a.payload, "hub2:2802871234");
  /* The provider leaves: its hub withdraws the service from the registry. */
  stafet_client_destroy(p);
  answer_t gone = {0};
  stafet_client_t *rs[] = {rq, NULL};
  th_poll_for(rs, 100);
  assert_int_equal(stafet_client_request(rq, "cpr.person.get", "x", 1, 3000, on_reply, &gone), 0);
  assert_true(wait_answer(rs, &gone, 5000));
  assert_int_equal(gone.status, STAFET_ENOPROVIDER);
  stafet_client_destroy(rq);
  th_hub_stop_extra(&hub2, dir2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_answer_and_round_robin, world_default, world_down),
      cmocka_unit_test_setup_teardown(test_errors_instead_of_silence, world_default, world_down),
      cmocka_unit_test_setup_teardown(test_provider_that_dies_is_reported, world_default,
                                      world_down),
      cmocka_unit_test_setup_teardown(test_provider_on_another_hub, world_default, world_down),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
