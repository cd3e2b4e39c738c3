/*
 * test_routing.c — topics reach exactly the subscriptions whose patterns and
 * filters match, through a real hub and a real Redis: wildcards, attribute
 * filters, competing consumers, transient subscriptions, unroutable messages.
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>

static void sub_durable(stafet_client_t *c, const char *name, const char *const *patterns,
                        size_t np, const char *const *filters, size_t nf, th_collector_t *col) {
  stafet_subscription_t s = {
      .name = name, .patterns = patterns, .n_patterns = np, .filters = filters, .n_filters = nf};
  assert_int_equal(th_subscribe(c, &s, col), 0);
}

static void test_wildcards_and_filters(void **state) {
  world_t *w = *state;
  stafet_client_t *c = th_client(w->hub.endpoint, "kontrolteamet");
  assert_non_null(c);
  th_collector_t kontrol, kle27, all, deaths;
  th_collector_init(&kontrol, true);
  th_collector_init(&kle27, true);
  th_collector_init(&all, true);
  th_collector_init(&deaths, true);
  sub_durable(c, "kontrol", PATTERNS("cpr.person.*", "debt.#"), 2, PATTERNS("tenant=0751"), 1,
              &kontrol);
  sub_durable(c, "kle27", PATTERNS("case.#"), 1, PATTERNS("kle^=27."), 1, &kle27);
  sub_durable(c, "everything", PATTERNS("#"), 1, NULL, 0, &all);
  sub_durable(c, "deaths", PATTERNS("#.deceased"), 1, NULL, 0, &deaths);

  stafet_attribute_t kle_27[] = {{"kle", "27.24.00"}}, kle_32[] = {{"kle", "32.18.00"}};
  struct {
    const char *topic, *tenant;
    stafet_attribute_t *attrs;
    bool to_kontrol, to_kle27, to_deaths;
  } cases[] = {
      {"cpr.person.relocated", "0751", NULL, true, false, false},
      {"cpr.person.relocated", "0101", NULL, false, false, false},
      {"cpr.person.deceased", "0751", NULL, true, false, true},
      {"cpr.person.name.changed", "0751", NULL, false, false, false}, /* * is one segment */
      {"debt.claim.transferred_to_collection", "0751", NULL, true, false, false},
      {"debt", "0751", NULL, true, false, false}, /* # matches zero segments */
      {"case.case.opened", "0751", kle_27, false, true, false},
      {"case.case.opened", "0751", kle_32, false, false, false},
      {"case.case.closed", "0751", NULL, false, false, false}, /* missing attribute */
  };
  size_t n = sizeof cases / sizeof cases[0];
  char ids[16][65];
  for (size_t i = 0; i < n; i++)
    assert_int_equal(th_publish_wait(c, cases[i].topic, cases[i].tenant, cases[i].attrs,
                                     cases[i].attrs ? 1 : 0, ids[i]),
                     0);
  stafet_client_t *cs[] = {c, NULL};
  assert_true(th_poll_until(cs, &all.n, n, 5000));
  th_poll_for(cs, 300); /* anything wrongly routed would arrive by now */
  for (size_t i = 0; i < n; i++) {
    assert_true(th_collector_has(&all, ids[i]));
    assert_int_equal(th_collector_has(&kontrol, ids[i]), cases[i].to_kontrol);
    assert_int_equal(th_collector_has(&kle27, ids[i]), cases[i].to_kle27);
    assert_int_equal(th_collector_has(&deaths, ids[i]), cases[i].to_deaths);
  }
  assert_int_equal(kontrol.n, 4);
  assert_int_equal(kle27.n, 1);
  assert_int_equal(deaths.n, 1);
  th_collector_free(&kontrol);
  th_collector_free(&kle27);
  th_collector_free(&all);
  th_collector_free(&deaths);
  stafet_client_destroy(c);
}

static void test_competing_consumers_share_the_work(void **state) {
  world_t *w = *state;
  stafet_client_t *a = th_client(w->hub.endpoint, "ydelse");
  stafet_client_t *b = th_client(w->hub.endpoint, "ydelse");
  stafet_client_t *p = th_client(w->hub.endpoint, "debtor");
  th_collector_t ca, cb;
  th_collector_init(&ca, true);
  th_collector_init(&cb, true);
  stafet_subscription_t s = {
      .name = "ydelse", .patterns = PATTERNS("debt.#"), .n_patterns = 1, .credit = 10};
  assert_int_equal(th_subscribe(a, &s, &ca), 0);
  stafet_subscription_t join = {.name = "ydelse", .credit = 10}; /* join: no patterns */
  assert_int_equal(th_subscribe(b, &join, &cb), 0);
  const size_t total = 400;
  for (size_t i = 0; i < total; i++) {
    stafet_envelope_t env = {.topic = "debt.payment.received", .tenant = "0751"};
    assert_int_equal(stafet_client_publish(p, &env, "x", 1, NULL, NULL, NULL), 0);
  }
  assert_int_equal(stafet_client_flush(p, 20000), 0);
  size_t sum = 0;
  stafet_client_t *cs[] = {a, b, NULL};
  for (long long end = th_now_ms() + 20000; sum < total && th_now_ms() < end;) {
    th_poll_for(cs, 20);
    sum = ca.n + cb.n;
  }
  assert_int_equal(sum, total);
  assert_true(ca.n > 0);
  assert_true(cb.n > 0);
  /* No message went to both consumers. */
  for (size_t i = 0; i < ca.n; i++)
    assert_false(th_collector_has(&cb, ca.ids[i]));
  th_collector_free(&ca);
  th_collector_free(&cb);
  stafet_client_destroy(a);
  stafet_client_destroy(b);
  stafet_client_destroy(p);
}

static void test_conflicting_definition_is_refused(void **state) {
  world_t *w = *state;
  stafet_client_t *c = th_client(w->hub.endpoint, "jobcenter");
  th_collector_t col;
  th_collector_init(&col, true);
  stafet_subscription_t s = {.name = "jobcenter", .patterns = PATTERNS("cpr.#"), .n_patterns = 1};
  assert_int_equal(th_subscribe(c, &s, &col), 0);
  stafet_client_t *d = th_client(w->hub.endpoint, "jobcenter2");
  stafet_subscription_t other = {
      .name = "jobcenter", .patterns = PATTERNS("debt.#"), .n_patterns = 1};
  assert_int_equal(th_subscribe(d, &other, &col), STAFET_EEXIST);
  stafet_subscription_t unknown = {.name = "no_such_sub"};
  assert_int_not_equal(th_subscribe(d, &unknown, &col), 0);
  stafet_subscription_t bad = {.name = "bad", .patterns = PATTERNS("cpr.per*"), .n_patterns = 1};
  assert_int_equal(th_subscribe(d, &bad, &col), STAFET_EPATTERN);
  stafet_subscription_t badf = {.name = "badf",
                                .patterns = PATTERNS("cpr.#"),
                                .n_patterns = 1,
                                .filters = PATTERNS("kle~27"),
                                .n_filters = 1};
  assert_int_equal(th_subscribe(d, &badf, &col), STAFET_EFILTER);
  th_collector_free(&col);
  stafet_client_destroy(c);
  stafet_client_destroy(d);
}

static void test_transient_is_live_only(void **state) {
  world_t *w = *state;
  stafet_client_t *tap = th_client(w->hub.endpoint, "wiretap");
  stafet_client_t *p = th_client(w->hub.endpoint, "contact");
  th_collector_t col;
  th_collector_init(&col, false);
  stafet_subscription_t s = {
      .name = "live", .patterns = PATTERNS("contact.#"), .n_patterns = 1, .transient = 1};
  assert_int_equal(th_subscribe(tap, &s, &col), 0);
  char id[65];
  assert_int_equal(th_publish_wait(p, "contact.call.ended", "0751", NULL, 0, id), 0);
  stafet_client_t *cs[] = {tap, NULL};
  assert_true(th_poll_until(cs, &col.n, 1, 5000));
  assert_string_equal(col.ids[0], id);
  assert_string_equal(col.delivery[0], ""); /* transient: nothing to ack */
  assert_int_equal(stafet_client_unsubscribe(tap, "live", 0, 5000), 0);
  assert_int_equal(th_publish_wait(p, "contact.call.ended", "0751", NULL, 0, NULL), 0);
  th_poll_for(cs, 300);
  assert_int_equal(col.n, 1);
  th_collector_free(&col);
  stafet_client_destroy(tap);
  stafet_client_destroy(p);
}

static void test_unroutable_is_kept(void **state) {
  world_t *w = *state;
  stafet_client_t *p = th_client(w->hub.endpoint, "cpr");
  assert_int_equal(th_publish_wait(p, "cpr.person.emigrated", "0751", NULL, 0, NULL), 0);
  assert_int_equal(th_redis_int(&w->redis, "XLEN stafet:unroutable"), 1);
  stafet_client_destroy(p);
}

/* A subscription created through one hub is routed by another hub on the
 * same Redis: the change notice reloads its routing table. */
static void test_second_hub_learns_new_subscription(void **state) {
  world_t *w = *state;
  char dir2[256];
  th_hub_t hub2;
  assert_int_equal(th_hub_start_extra(&hub2, dir2, &w->redis), 0);
  stafet_client_t *p = th_client(hub2.endpoint, "cpr");
  /* hub2 is up and serving before the subscription exists. */
  assert_int_equal(th_publish_wait(p, "cpr.person.deceased", "0751", NULL, 0, NULL), 0);
  assert_int_equal(th_redis_int(&w->redis, "XLEN stafet:unroutable"), 1);

  stafet_client_t *c = th_client(w->hub.endpoint, "debitorvagten");
  th_collector_t col;
  th_collector_init(&col, true);
  stafet_subscription_t s = {
      .name = "estates", .patterns = PATTERNS("cpr.person.deceased"), .n_patterns = 1};
  assert_int_equal(th_subscribe(c, &s, &col), 0);
  /* Publish on hub2 until it routes to the new subscription (the notice is
   * asynchronous); each attempt that is not yet routed lands in unroutable. */
  char id[65];
  bool routed = false;
  for (long long end = th_now_ms() + 5000; !routed && th_now_ms() < end;) {
    assert_int_equal(th_publish_wait(p, "cpr.person.deceased", "0751", NULL, 0, id), 0);
    routed = th_redis_int(&w->redis, "XLEN stafet:q:{estates}") == 1;
  }
  assert_true(routed);
  stafet_client_t *cs[] = {c, NULL};
  assert_true(th_poll_until(cs, &col.n, 1, 5000)); /* consumed through hub 1 */
  assert_string_equal(col.ids[0], id);
  th_collector_free(&col);
  stafet_client_destroy(c);
  stafet_client_destroy(p);
  th_hub_stop_extra(&hub2, dir2);
}

/* A live view on one hub sees what is published on another. */
static void test_transient_subscriber_on_another_hub(void **state) {
  world_t *w = *state;
  char dir2[256];
  th_hub_t hub2;
  assert_int_equal(th_hub_start_extra(&hub2, dir2, &w->redis), 0);
  stafet_client_t *tap = th_client(hub2.endpoint, "wiretap");
  th_collector_t col;
  th_collector_init(&col, false);
  stafet_subscription_t s = {
      .name = "live", .patterns = PATTERNS("contact.#"), .n_patterns = 1, .transient = 1};
  assert_int_equal(th_subscribe(tap, &s, &col), 0);
  stafet_client_t *p = th_client(w->hub.endpoint, "contact");
  /* Until hub 1 has seen hub 2 in the registry (a heartbeat), a publish may
   * miss it: transient is at-most-once. Publish until one arrives. */
  char id[65];
  stafet_client_t *cs[] = {tap, p, NULL};
  for (long long end = th_now_ms() + 5000; col.n == 0 && th_now_ms() < end;) {
    assert_int_equal(th_publish_wait(p, "contact.call.ended", "0751", NULL, 0, id), 0);
    th_poll_for(cs, 50);
  }
  assert_true(col.n >= 1);
  size_t before = col.n;
  assert_int_equal(th_publish_wait(p, "contact.call.ended", "0751", NULL, 0, id), 0);
  assert_true(th_poll_until(cs, &col.n, before + 1, 5000));
  assert_string_equal(col.ids[col.n - 1], id);
  assert_string_equal(col.delivery[col.n - 1], "");
  th_collector_free(&col);
  stafet_client_destroy(p);
  stafet_client_destroy(tap);
  th_hub_stop_extra(&hub2, dir2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_wildcards_and_filters, world_default, world_down),
      cmocka_unit_test_setup_teardown(test_competing_consumers_share_the_work, world_default,
                                      world_down),
      cmocka_unit_test_setup_teardown(test_conflicting_definition_is_refused, world_default,
                                      world_down),
      cmocka_unit_test_setup_teardown(test_transient_is_live_only, world_default, world_down),
      cmocka_unit_test_setup_teardown(test_unroutable_is_kept, world_default, world_down),
      cmocka_unit_test_setup_teardown(test_second_hub_learns_new_subscription, world_default,
                                      world_down),
      cmocka_unit_test_setup_teardown(test_transient_subscriber_on_another_hub, world_default,
                                      world_down),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
