/*
 * test_delivery.c — at-least-once delivery on a real hub and Redis:
 * redelivery after an ack time-out and after a consumer process dies,
 * dead letters (max deliveries, nack), duplicate publishes, replay, a consumer
 * that was offline, and credit-based flow control.
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static stafet_subscription_t durable(const char *name, const char *const *patterns, size_t n) {
  stafet_subscription_t s = {.name = name, .patterns = patterns, .n_patterns = n};
  return s;
}

static void publish_n(stafet_client_t *p, const char *topic, size_t n, char (*ids)[65]) {
  for (size_t i = 0; i < n; i++) {
    stafet_envelope_t env = {.topic = topic, .tenant = "0751"};
    assert_int_equal(stafet_client_publish(p, &env, "x", 1, NULL, NULL, ids ? ids[i] : NULL), 0);
  }
  assert_int_equal(stafet_client_flush(p, 20000), 0);
}

static void test_redelivery_after_ack_timeout(void **state) {
  world_t *w = *state;
  stafet_client_t *c = th_client(w->hub.endpoint, "folkeregister");
  th_collector_t col;
  th_collector_init(&col, false);
  col.ignore = true; /* receives, never acks */
  stafet_subscription_t s = durable("folkeregister", PATTERNS("cpr.#"), 1);
  assert_int_equal(th_subscribe(c, &s, &col), 0);
  char id[65];
  assert_int_equal(th_publish_wait(c, "cpr.person.relocated", "0751", NULL, 0, id), 0);
  stafet_client_t *cs[] = {c, NULL};
  assert_true(th_poll_until(cs, &col.n, 2, 10000)); /* ack time-out is 1 s */
  assert_string_equal(col.ids[0], id);
  assert_string_equal(col.ids[1], id);
  assert_int_equal(col.counts[0], 1);
  assert_int_equal(col.counts[1], 2);
  th_collector_free(&col);
  stafet_client_destroy(c);
}

/* A consumer process that takes deliveries and dies without acking. */
static pid_t crashing_consumer(const char *endpoint, size_t expect) {
  pid_t pid = fork();
  if (pid == 0) {
    stafet_client_t *c = th_client(endpoint, "crasher");
    th_collector_t col;
    th_collector_init(&col, false);
    col.ignore = true;
    stafet_subscription_t s = {.name = "jobcenter", .credit = 100};
    if (c == NULL || th_subscribe(c, &s, &col) != 0)
      _exit(2);
    stafet_client_t *cs[] = {c, NULL};
    _exit(th_poll_until(cs, &col.n, expect, 10000) ? 0 : 3); /* no Goodbye, no acks */
  }
  return pid;
}

static void test_redelivery_after_consumer_dies(void **state) {
  world_t *w = *state;
  stafet_client_t *p = th_client(w->hub.endpoint, "cpr");
  th_collector_t col;
  th_collector_init(&col, true);
  stafet_subscription_t s = durable("jobcenter", PATTERNS("cpr.person.*"), 1);
  s.credit = 100;
  assert_int_equal(th_subscribe(p, &s, &col), 0);
  assert_int_equal(stafet_client_unsubscribe(p, "jobcenter", 0, 5000), 0);
  char ids[20][65];
  publish_n(p, "cpr.person.relocated", 20, ids);
  int status = -1;
  pid_t pid = crashing_consumer(w->hub.endpoint, 20);
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_int_equal(WEXITSTATUS(status), 0); /* it held all 20 when it died */
  /* A survivor joins; the dead session's 20 are redelivered to it. */
  stafet_client_t *b = th_client(w->hub.endpoint, "survivor");
  stafet_subscription_t join = {.name = "jobcenter", .credit = 100};
  assert_int_equal(th_subscribe(b, &join, &col), 0);
  stafet_client_t *cs[] = {b, NULL};
  assert_true(th_poll_until(cs, &col.n, 20, 15000));
  for (size_t i = 0; i < 20; i++)
    assert_true(th_collector_has(&col, ids[i]));
  for (size_t i = 0; i < col.n; i++)
    assert_int_equal(col.counts[i], 2);
  th_collector_free(&col);
  stafet_client_destroy(b);
  stafet_client_destroy(p);
}

static void test_dead_letter_after_max_deliveries(void **state) {
  world_t *w = *state;
  stafet_client_t *c = th_client(w->hub.endpoint, "poison");
  th_collector_t col;
  th_collector_init(&col, false);
  col.nack_requeue = true; /* processing always fails */
  stafet_subscription_t s = durable("naevn", PATTERNS("case.#"), 1);
  s.max_deliveries = 3;
  assert_int_equal(th_subscribe(c, &s, &col), 0);
  char id[65];
  assert_int_equal(th_publish_wait(c, "case.case.opened", "0751", NULL, 0, id), 0);
  stafet_client_t *cs[] = {c, NULL};
  assert_true(th_poll_until(cs, &col.n, 3, 10000));
  long long dlq = 0;
  for (long long end = th_now_ms() + 10000; dlq < 1 && th_now_ms() < end;) {
    th_poll_for(cs, 50);
    dlq = th_redis_int(&w->redis, "XLEN stafet:dlq:{naevn}");
  }
  assert_int_equal(dlq, 1);
  th_poll_for(cs, 300);
  assert_int_equal(col.n, 3); /* delivered exactly max_deliveries times */
  assert_int_equal(col.counts[2], 3);
  assert_true(
      th_redis_stream_has(&w->redis, "stafet:dlq:{naevn}", "reason", "max_deliveries_exceeded"));
  assert_true(th_hub_log_count(&w->hub, "dead-lettered") >= 1);
  th_collector_free(&col);
  stafet_client_destroy(c);
}

static void on_reject(stafet_client_t *c, const stafet_delivery_t *d, void *arg) {
  size_t *n = arg;
  (*n)++;
  stafet_client_nack(c, d->subscription, d->delivery_id, 0, "kle number unknown to ESDH");
}

static void test_nack_without_requeue_dead_letters_with_reason(void **state) {
  world_t *w = *state;
  stafet_client_t *c = th_client(w->hub.endpoint, "esdh");
  size_t n = 0;
  stafet_subscription_t s = durable("esdh", PATTERNS("case.#"), 1);
  assert_int_equal(stafet_client_subscribe(c, &s, on_reject, &n, 15000), 0);
  assert_int_equal(th_publish_wait(c, "case.case.opened", "0751", NULL, 0, NULL), 0);
  stafet_client_t *cs[] = {c, NULL};
  assert_true(th_poll_until(cs, &n, 1, 5000));
  long long dlq = 0;
  for (long long end = th_now_ms() + 5000; dlq < 1 && th_now_ms() < end;) {
    th_poll_for(cs, 20);
    dlq = th_redis_int(&w->redis, "XLEN stafet:dlq:{esdh}");
  }
  assert_int_equal(dlq, 1);
  assert_true(
      th_redis_stream_has(&w->redis, "stafet:dlq:{esdh}", "reason", "kle number unknown to ESDH"));
  stafet_client_destroy(c);
}

typedef struct dup_result {
  int n;
  int duplicates;
} dup_result_t;

static void on_dup_ack(stafet_client_t *c, const char *id, int status, int dup, void *arg) {
  dup_result_t *r = arg;
  r->n++;
  r->duplicates += dup;
}

static void test_duplicate_publish_is_dropped(void **state) {
  world_t *w = *state;
  stafet_client_t *c = th_client(w->hub.endpoint, "debtor");
  th_collector_t col;
  th_collector_init(&col, true);
  stafet_subscription_t s = durable("opkraevning", PATTERNS("debt.#"), 1);
  assert_int_equal(th_subscribe(c, &s, &col), 0);
  dup_result_t r = {0};
  stafet_envelope_t env = {.message_id = "0192f1e4-7c3a-7b1e-9d2c-000000000001",
                           .topic = "debt.claim.created",
                           .tenant = "0751"};
  assert_int_equal(stafet_client_publish(c, &env, "a", 1, on_dup_ack, &r, NULL), 0);
  assert_int_equal(stafet_client_flush(c, 5000), 0);
  assert_int_equal(stafet_client_publish(c, &env, "a", 1, on_dup_ack, &r, NULL), 0);
  assert_int_equal(stafet_client_flush(c, 5000), 0);
  assert_int_equal(r.n, 2);
  assert_int_equal(r.duplicates, 1);
  stafet_client_t *cs[] = {c, NULL};
  assert_true(th_poll_until(cs, &col.n, 1, 5000));
  th_poll_for(cs, 300);
  assert_int_equal(col.n, 1);
  assert_int_equal(th_redis_int(&w->redis, "XLEN stafet:q:{opkraevning}"), 1);
  th_collector_free(&col);
  stafet_client_destroy(c);
}

/* Unix time in ms (what the hub stamps messages and buckets dedupe records by). */
static long long wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Accepted ids live in time buckets (stafet:ids:B, B = time / width, width =
 * dedupe_ttl_ms / 2, an hour by default), and the per-id keys earlier hubs
 * wrote still count: a re-sent id found in any of them is a duplicate. */
static void test_duplicates_found_in_every_kind_of_record(void **state) {
  world_t *w = *state;
  const long long width = 3600000 / 2;
  stafet_client_t *c = th_client(w->hub.endpoint, "debtor");
  th_collector_t col;
  th_collector_init(&col, true);
  stafet_subscription_t s = durable("opkraevning", PATTERNS("debt.#"), 1);
  assert_int_equal(th_subscribe(c, &s, &col), 0);
  long long before = wall_ms() / width;
  /* An upgrade: what an earlier hub wrote (a string trace; a hash from the first ones). */
  assert_int_equal(th_redis_int(&w->redis, "SET stafet:dedupe:old-string %s PX 60000",
                                "topic=debt.claim.created\n"),
                   -1);
  assert_int_equal(th_redis_int(&w->redis, "HSET stafet:dedupe:old-hash topic debt.claim.created"),
                   1);
  /* An id accepted half an hour ago or more: in the bucket before now's. */
  assert_int_equal(th_redis_int(&w->redis, "HSET stafet:ids:%lld old-bucket %s", before - 1,
                                "topic=debt.claim.created\n"),
                   1);
  const char *ids[] = {"old-string", "old-hash", "old-bucket", "new-1", "new-1"};
  dup_result_t r = {0};
  for (size_t i = 0; i < 5; i++) {
    stafet_envelope_t env = {.message_id = ids[i], .topic = "debt.claim.created"};
    assert_int_equal(stafet_client_publish(c, &env, "a", 1, on_dup_ack, &r, NULL), 0);
  }
  assert_int_equal(stafet_client_flush(c, 5000), 0);
  long long after = wall_ms() / width;
  assert_int_equal(r.n, 5);
  assert_int_equal(r.duplicates, 4);
  assert_int_equal(th_redis_int(&w->redis, "XLEN stafet:q:{opkraevning}"), 1);
  assert_true(th_redis_stream_has(&w->redis, "stafet:q:{opkraevning}", "m", "new-1"));
  /* The new id went into now's bucket, which expires as a whole: after at
   * least dedupe_ttl_ms, at most 1.5 times that. */
  long long bucket =
      th_redis_int(&w->redis, "HEXISTS stafet:ids:%lld new-1", after) == 1 ? after : before;
  assert_int_equal(th_redis_int(&w->redis, "HEXISTS stafet:ids:%lld new-1", bucket), 1);
  assert_int_equal(th_redis_dedupe_count(&w->redis, "new-1"), 1);
  long long pttl = th_redis_int(&w->redis, "PTTL stafet:ids:%lld", bucket);
  assert_true(pttl > 3600000 - 60000);
  assert_true(pttl <= 3600000 + width);
  th_collector_free(&col);
  stafet_client_destroy(c);
}

static void test_offline_consumer_gets_everything_on_return(void **state) {
  world_t *w = *state;
  stafet_client_t *c = th_client(w->hub.endpoint, "valg");
  th_collector_t col;
  th_collector_init(&col, true);
  stafet_subscription_t s = durable("valgorganisationen", PATTERNS("cpr.person.relocated"), 1);
  assert_int_equal(th_subscribe(c, &s, &col), 0);
  stafet_client_destroy(c); /* the department goes home for the night */
  stafet_client_t *p = th_client(w->hub.endpoint, "cpr");
  char ids[300][65];
  publish_n(p, "cpr.person.relocated", 300, ids);
  stafet_client_t *back = th_client(w->hub.endpoint, "valg");
  stafet_subscription_t join = {.name = "valgorganisationen"};
  assert_int_equal(th_subscribe(back, &join, &col), 0);
  stafet_client_t *cs[] = {back, NULL};
  assert_true(th_poll_until(cs, &col.n, 300, 15000));
  for (size_t i = 0; i < 300; i++)
    assert_string_equal(col.ids[i], ids[i]); /* all of them, in order */
  th_collector_free(&col);
  stafet_client_destroy(back);
  stafet_client_destroy(p);
}

static void test_replay_from_start_and_from_time(void **state) {
  world_t *w = *state;
  stafet_client_t *c = th_client(w->hub.endpoint, "pladsanvisning");
  th_collector_t col;
  th_collector_init(&col, true);
  stafet_subscription_t s = durable("pladsanvisning", PATTERNS("cpr.#"), 1);
  assert_int_equal(th_subscribe(c, &s, &col), 0);
  char first[5][65], second[5][65];
  publish_n(c, "cpr.person.registered", 5, first);
  stafet_client_t *cs[] = {c, NULL};
  assert_true(th_poll_until(cs, &col.n, 5, 5000));
  th_poll_for(cs, 100);
  long long boundary = wall_ms() + 1;
  th_poll_for(cs, 20);
  publish_n(c, "cpr.person.registered", 5, second);
  assert_true(th_poll_until(cs, &col.n, 10, 5000));
  stafet_client_destroy(c); /* every message acked */

  th_collector_t replay;
  th_collector_init(&replay, true);
  stafet_client_t *r = th_client(w->hub.endpoint, "pladsanvisning");
  stafet_subscription_t from_start = {.name = "pladsanvisning", .start_id = "0"};
  assert_int_equal(th_subscribe(r, &from_start, &replay), 0);
  stafet_client_t *rs[] = {r, NULL};
  assert_true(th_poll_until(rs, &replay.n, 10, 5000));
  for (size_t i = 0; i < 5; i++) {
    assert_string_equal(replay.ids[i], first[i]);
    assert_string_equal(replay.ids[5 + i], second[i]);
  }
  stafet_client_destroy(r);

  th_collector_t later;
  th_collector_init(&later, true);
  stafet_client_t *t = th_client(w->hub.endpoint, "pladsanvisning");
  stafet_subscription_t from_time = {.name = "pladsanvisning", .start_time_ms = (uint64_t)boundary};
  assert_int_equal(th_subscribe(t, &from_time, &later), 0);
  stafet_client_t *ts_[] = {t, NULL};
  assert_true(th_poll_until(ts_, &later.n, 5, 5000));
  th_poll_for(ts_, 300);
  assert_int_equal(later.n, 5);
  for (size_t i = 0; i < 5; i++)
    assert_string_equal(later.ids[i], second[i]);
  th_collector_free(&col);
  th_collector_free(&replay);
  th_collector_free(&later);
  stafet_client_destroy(t);
}

static void test_credit_bounds_unacked_deliveries(void **state) {
  world_t *w = *state;
  stafet_client_t *c = th_client(w->hub.endpoint, "slow");
  th_collector_t col;
  th_collector_init(&col, false);
  col.ignore = true;
  stafet_subscription_t s = durable("slow", PATTERNS("contact.#"), 1);
  s.credit = 5;
  s.ack_timeout_ms = 60000;
  assert_int_equal(th_subscribe(c, &s, &col), 0);
  publish_n(c, "contact.inquiry.received", 20, NULL);
  stafet_client_t *cs[] = {c, NULL};
  assert_true(th_poll_until(cs, &col.n, 5, 5000));
  th_poll_for(cs, 500);
  assert_int_equal(col.n, 5); /* the window is full: nothing more comes */
  for (size_t i = 0; i < 5; i++)
    assert_int_equal(stafet_client_ack(c, "slow", col.delivery[i]), 0);
  assert_true(th_poll_until(cs, &col.n, 10, 5000));
  th_poll_for(cs, 300);
  assert_int_equal(col.n, 10);
  assert_int_equal(stafet_client_credit(c, "slow", 100), 0);
  assert_true(th_poll_until(cs, &col.n, 20, 5000));
  th_collector_free(&col);
  stafet_client_destroy(c);
}

static int world_fast_trim(void **state) {
  static const char *const extra[] = {"--trim-interval-ms", "100", NULL};
  return world_up(state, extra);
}

/* Retention removes old acknowledged messages, never unacknowledged ones. */
static void test_retention_trims_only_acknowledged(void **state) {
  world_t *w = *state;
  stafet_client_t *c = th_client(w->hub.endpoint, "retention");
  th_collector_t col;
  th_collector_init(&col, false);
  col.ignore = true;
  stafet_subscription_t s = durable("shortlived", PATTERNS("contact.#"), 1);
  s.retention_ms = 1; /* acknowledged messages may go at once */
  s.ack_timeout_ms = 60000;
  assert_int_equal(th_subscribe(c, &s, &col), 0);
  publish_n(c, "contact.booking.created", 5, NULL);
  stafet_client_t *cs[] = {c, NULL};
  assert_true(th_poll_until(cs, &col.n, 5, 5000));
  for (size_t i = 0; i < 3; i++)
    assert_int_equal(stafet_client_ack(c, "shortlived", col.delivery[i]), 0);
  long long len = 5;
  for (long long end = th_now_ms() + 5000; len != 2 && th_now_ms() < end;) {
    th_poll_for(cs, 50);
    len = th_redis_int(&w->redis, "XLEN stafet:q:{shortlived}");
  }
  assert_int_equal(len, 2); /* the 3 acked went; the 2 pending stay */
  th_poll_for(cs, 300);
  assert_int_equal(th_redis_int(&w->redis, "XLEN stafet:q:{shortlived}"), 2);
  th_collector_free(&col);
  stafet_client_destroy(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_redelivery_after_ack_timeout, world_default, world_down),
      cmocka_unit_test_setup_teardown(test_redelivery_after_consumer_dies, world_default,
                                      world_down),
      cmocka_unit_test_setup_teardown(test_dead_letter_after_max_deliveries, world_default,
                                      world_down),
      cmocka_unit_test_setup_teardown(test_nack_without_requeue_dead_letters_with_reason,
                                      world_default, world_down),
      cmocka_unit_test_setup_teardown(test_duplicate_publish_is_dropped, world_default, world_down),
      cmocka_unit_test_setup_teardown(test_duplicates_found_in_every_kind_of_record, world_default,
                                      world_down),
      cmocka_unit_test_setup_teardown(test_offline_consumer_gets_everything_on_return,
                                      world_default, world_down),
      cmocka_unit_test_setup_teardown(test_replay_from_start_and_from_time, world_default,
                                      world_down),
      cmocka_unit_test_setup_teardown(test_credit_bounds_unacked_deliveries, world_default,
                                      world_down),
      cmocka_unit_test_setup_teardown(test_retention_trims_only_acknowledged, world_fast_trim,
                                      world_down),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
