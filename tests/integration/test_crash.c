/*
 * test_crash.c — no acknowledged message is lost when the hub is killed with
 * SIGKILL in the middle of a stream, when Redis is killed (AOF, fsync
 * always), when the hub drains on SIGTERM, or when a hub with its embedded
 * Redis is killed. Each test counts: published, acknowledged, delivered,
 * duplicated, lost — and lost must be 0. And a hub whose Redis refuses its
 * scripts at first becomes ready once Redis takes them.
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

static void subscribe_audit(stafet_client_t *c, th_collector_t *col) {
  stafet_subscription_t s = {
      .name = "audit", .patterns = PATTERNS("cpr.#"), .n_patterns = 1, .credit = 500};
  assert_int_equal(th_subscribe(c, &s, col), 0);
}

/* Polls publisher and consumer until every message is acked and delivered. */
static void run_until_done(stafet_client_t *p, stafet_client_t *c, th_stream_t *s,
                           th_collector_t *col, int timeout_ms) {
  stafet_client_t *cs[] = {p, c, NULL};
  th_stream_finish(cs, s, col, timeout_ms);
}

static void test_kill9_hub_mid_stream(void **state) {
  world_t *w = *state;
  stafet_client_t *c = th_client(w->hub.endpoint, "audit");
  stafet_client_t *p = th_client(w->hub.endpoint, "cpr");
  th_collector_t col;
  th_collector_init(&col, true);
  subscribe_audit(c, &col);
  th_stream_t s;
  th_stream_init(&s, 10000);
  assert_int_equal(th_stream_publish(p, &s, 0, s.total, "cpr.person.relocated"), 0);
  stafet_client_t *cs[] = {p, c, NULL};
  assert_true(th_poll_until(cs, &s.n_acked, 3000, 60000));
  th_hub_stop(&w->hub, SIGKILL); /* mid-stream: thousands in flight */
  size_t acked_at_kill = s.n_acked;
  assert_true(acked_at_kill < s.total);
  assert_int_equal(th_hub_start(&w->hub, w->dir, &w->redis), 0);
  run_until_done(p, c, &s, &col, 120000);
  printf("[ RESULT   ] hub killed after %zu acks\n", acked_at_kill);
  assert_int_equal(th_stream_report("kill -9 hub", &s, &col), 0);
  assert_int_equal(s.n_acked, s.total); /* the outbox re-sent the rest */
  assert_int_equal(s.n_failed, 0);
  assert_int_equal(th_collector_distinct(&col), s.total);
  th_stream_free(&s);
  th_collector_free(&col);
  stafet_client_destroy(p);
  stafet_client_destroy(c);
}

static void test_kill9_redis_with_aof(void **state) {
  world_t *w = *state;
  stafet_client_t *c = th_client(w->hub.endpoint, "audit");
  stafet_client_t *p = th_client(w->hub.endpoint, "cpr");
  th_collector_t col;
  th_collector_init(&col, true);
  subscribe_audit(c, &col);
  stafet_client_destroy(c); /* everything must come from Redis after the crash */
  th_stream_t s;
  th_stream_init(&s, 2000);
  assert_int_equal(th_stream_publish(p, &s, 0, 1000, "cpr.person.relocated"), 0);
  assert_int_equal(stafet_client_flush(p, 30000), 0);
  assert_int_equal(s.n_acked, 1000);
  th_redis_stop(&w->redis, SIGKILL);
  assert_int_equal(th_stream_publish(p, &s, 1000, 2000, "cpr.person.relocated"),
                   0); /* answered STORE_UNAVAILABLE and retried */
  stafet_client_t *ps[] = {p, NULL};
  th_poll_for(ps, 300);
  assert_true(s.n_acked < 2000);
  assert_int_equal(th_redis_start(&w->redis, w->dir), 0);
  c = th_client(w->hub.endpoint, "audit");
  stafet_subscription_t join = {.name = "audit", .credit = 500};
  assert_int_equal(th_subscribe(c, &join, &col), 0);
  run_until_done(p, c, &s, &col, 60000);
  assert_int_equal(th_stream_report("kill -9 redis", &s, &col), 0);
  assert_int_equal(s.n_acked, s.total);
  assert_int_equal(th_collector_distinct(&col), s.total);
  th_stream_free(&s);
  th_collector_free(&col);
  stafet_client_destroy(p);
  stafet_client_destroy(c);
}

static void test_sigterm_drains_cleanly(void **state) {
  world_t *w = *state;
  stafet_client_t *c = th_client(w->hub.endpoint, "audit");
  stafet_client_t *p = th_client(w->hub.endpoint, "cpr");
  th_collector_t col;
  th_collector_init(&col, true);
  subscribe_audit(c, &col);
  th_stream_t s;
  th_stream_init(&s, 3000);
  assert_int_equal(th_stream_publish(p, &s, 0, s.total, "cpr.person.relocated"), 0);
  stafet_client_t *cs[] = {p, c, NULL};
  assert_true(th_poll_until(cs, &s.n_acked, 500, 30000));
  int status = th_hub_stop(&w->hub, SIGTERM);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  assert_int_equal(th_hub_log_count(&w->hub, "msg=\"draining\""), 1);
  assert_int_equal(th_hub_start(&w->hub, w->dir, &w->redis), 0);
  run_until_done(p, c, &s, &col, 60000);
  assert_int_equal(th_stream_report("SIGTERM hub", &s, &col), 0);
  assert_int_equal(s.n_acked, s.total);
  th_stream_free(&s);
  th_collector_free(&col);
  stafet_client_destroy(p);
  stafet_client_destroy(c);
}

static int world_embedded(void **state) {
  static world_t w;
  memset(&w, 0, sizeof w);
  th_tempdir(w.dir);
  w.hub.embedded = true;
  w.hub.extra[0] = "--ack-timeout-ms";
  w.hub.extra[1] = "1000";
  *state = &w;
  return th_hub_start(&w.hub, w.dir, &w.redis);
}

static void test_embedded_redis_survives_hub_kill(void **state) {
  world_t *w = *state;
  stafet_client_t *c = th_client(w->hub.endpoint, "audit");
  stafet_client_t *p = th_client(w->hub.endpoint, "cpr");
  th_collector_t col;
  th_collector_init(&col, true);
  subscribe_audit(c, &col);
  stafet_client_destroy(c);
  th_stream_t s;
  th_stream_init(&s, 500);
  assert_int_equal(th_stream_publish(p, &s, 0, s.total, "cpr.person.relocated"), 0);
  assert_int_equal(stafet_client_flush(p, 30000), 0);
  th_hub_stop(&w->hub, SIGKILL); /* its Redis gets SIGTERM through pdeathsig */
  assert_int_equal(th_hub_start(&w->hub, w->dir, &w->redis), 0);
  c = th_client(w->hub.endpoint, "audit");
  stafet_subscription_t join = {.name = "audit", .credit = 500};
  assert_int_equal(th_subscribe(c, &join, &col), 0);
  run_until_done(p, c, &s, &col, 60000);
  assert_int_equal(th_stream_report("kill -9 hub, embedded redis", &s, &col), 0);
  assert_int_equal(th_collector_distinct(&col), s.total);
  th_stream_free(&s);
  th_collector_free(&col);
  stafet_client_destroy(p);
  stafet_client_destroy(c);
  int status = th_hub_stop(&w->hub, SIGTERM);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  assert_int_equal(th_hub_log_count(&w->hub, "embedded redis stopped"), 1);
}

static int world_stale_consumers(void **state) {
  static const char *const extra[] = {
      "--ack-timeout-ms", "300", "--trim-interval-ms", "100", "--stale-consumer-ms", "500", NULL};
  return world_up(state, extra);
}

/* Consumers of sessions that died with a killed hub are forgotten once their
 * deliveries have been claimed; the live consumer stays. */
static void test_dead_hubs_consumers_are_forgotten(void **state) {
  world_t *w = *state;
  stafet_client_t *c = th_client(w->hub.endpoint, "audit");
  th_collector_t col;
  th_collector_init(&col, false);
  col.ignore = true;
  subscribe_audit(c, &col);
  assert_int_equal(th_publish_wait(c, "cpr.person.relocated", "0751", NULL, 0, NULL), 0);
  stafet_client_t *cs[] = {c, NULL};
  assert_true(th_poll_until(cs, &col.n, 1, 5000));
  assert_int_equal(th_redis_int(&w->redis, "XINFO CONSUMERS stafet:q:{audit} stafet"), 1);
  th_hub_stop(&w->hub, SIGKILL); /* the old session's consumer is left behind, holding 1 */
  assert_int_equal(th_hub_start(&w->hub, w->dir, &w->redis), 0);
  col.ignore = false;
  col.auto_ack = true;
  /* The client reconnects as a new session: the message is claimed for it and acked. */
  assert_true(th_poll_until(cs, &col.n, 2, 15000));
  long long consumers = 2;
  for (long long end = th_now_ms() + 10000; consumers != 1 && th_now_ms() < end;) {
    th_poll_for(cs, 50);
    consumers = th_redis_int(&w->redis, "XINFO CONSUMERS stafet:q:{audit} stafet");
  }
  assert_int_equal(consumers, 1);
  th_collector_free(&col);
  stafet_client_destroy(c);
}

/* The embedded Redis has no default user: only the hub, with its generated
 * password, gets in; the secrets are readable by the hub's user only. */
static void test_embedded_redis_requires_auth(void **state) {
  world_t *w = *state;
  stafet_client_t *c = th_client(w->hub.endpoint, "audit");
  th_collector_t col;
  th_collector_init(&col, true);
  subscribe_audit(c, &col); /* the hub is up and talking to its Redis */
  char sock[300], pass_path[300], conf_path[300], password[128] = "", answer[128];
  snprintf(sock, sizeof sock, "%s/redis.sock", w->dir);
  snprintf(pass_path, sizeof pass_path, "%s/redis.pass", w->dir);
  snprintf(conf_path, sizeof conf_path, "%s/redis.conf", w->dir);
  th_redis_ping_as(sock, NULL, NULL, answer);
  assert_non_null(strstr(answer, "NOAUTH"));
  th_redis_ping_as(sock, "default", "", answer);
  assert_string_not_equal(answer, "PONG");
  FILE *f = fopen(pass_path, "r");
  assert_non_null(f);
  assert_non_null(fgets(password, sizeof password, f));
  fclose(f);
  password[strcspn(password, "\n")] = '\0';
  assert_int_equal(strlen(password), 48);
  th_redis_ping_as(sock, "stafet", password, answer);
  assert_string_equal(answer, "PONG");
  struct stat st;
  assert_int_equal(stat(pass_path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  assert_int_equal(stat(conf_path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  th_collector_free(&col);
  stafet_client_destroy(c);
}

/* Waits up to 10 s until the hub's log has at least n lines with text. */
static bool hub_logs(const th_hub_t *h, const char *text, int n) {
  const char *texts[] = {text, NULL};
  return th_log_wait(h->log_path, texts, n, 10000, NULL);
}

/* A Redis that refuses the hub's scripts at first (here an ACL without
 * SCRIPT; in life, LOADING while it reads a large AOF after a restart) must
 * not leave the hub never ready: it starts the connection over, with
 * back-off, until Redis takes them, and then publishes are stored. */
static void test_refused_scripts_are_loaded_once_redis_takes_them(void **state) {
  world_t *w = *state;
  th_hub_stop(&w->hub, SIGTERM);
  th_redis_int(&w->redis, "ACL SETUSER default -script");
  int lost0 = th_hub_log_count(&w->hub, "redis connection lost");
  int ready0 = th_hub_log_count(&w->hub, "redis ready");
  assert_int_equal(th_hub_start(&w->hub, w->dir, &w->redis), 0);
  assert_true(hub_logs(&w->hub, "redis script load failed", 1));
  /* it gave that connection up and tried again: refused again */
  assert_true(hub_logs(&w->hub, "redis connection lost", lost0 + 2));
  assert_int_equal(th_hub_log_count(&w->hub, "redis ready"), ready0);
  th_redis_int(&w->redis, "ACL SETUSER default +script");
  assert_true(hub_logs(&w->hub, "redis ready", ready0 + 1));
  stafet_client_t *p = th_client(w->hub.endpoint, "cpr");
  assert_int_equal(th_publish_wait(p, "cpr.person.relocated", "0751", NULL, 0, NULL), 0);
  stafet_client_destroy(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_kill9_hub_mid_stream, world_default, world_down),
      cmocka_unit_test_setup_teardown(test_kill9_redis_with_aof, world_default, world_down),
      cmocka_unit_test_setup_teardown(test_sigterm_drains_cleanly, world_default, world_down),
      cmocka_unit_test_setup_teardown(test_refused_scripts_are_loaded_once_redis_takes_them,
                                      world_default, world_down),
      cmocka_unit_test_setup_teardown(test_embedded_redis_survives_hub_kill, world_embedded,
                                      world_down),
      cmocka_unit_test_setup_teardown(test_embedded_redis_requires_auth, world_embedded,
                                      world_down),
      cmocka_unit_test_setup_teardown(test_dead_hubs_consumers_are_forgotten, world_stale_consumers,
                                      world_down),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
