/*
 * test_sentinel.c — Redis high availability with Sentinel: a master, a
 * replica and three sentinels on loopback; the hub finds the master through
 * the sentinels and acknowledges a publish only once a replica holds it
 * (--redis-wait-replicas 1). The master is killed with SIGKILL in the middle
 * of a stream: the sentinels promote the replica, the hub follows, the
 * publisher re-sends what was not acknowledged, and every acknowledged
 * message is delivered.
 */
#include "fixture.h"

#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

typedef struct ha {
  char dir[256];
  int master_port, replica_port, sentinel_ports[3];
  pid_t master, replica, sentinels[3];
  th_hub_t hub;
} ha_t;

static pid_t start_redis(ha_t *ha, const char *name, int port, int replica_of) {
  char dir[300], log_path[320], port_s[16], master_s[16];
  snprintf(dir, sizeof dir, "%s/%s", ha->dir, name);
  mkdir(dir, 0700);
  snprintf(log_path, sizeof log_path, "%s/redis.log", dir);
  snprintf(port_s, sizeof port_s, "%d", port);
  snprintf(master_s, sizeof master_s, "%d", replica_of);
  char *argv[] = {STAFET_REDIS_SERVER,
                  "--port",
                  port_s,
                  "--bind",
                  "127.0.0.1",
                  "--dir",
                  dir,
                  "--appendonly",
                  "yes",
                  "--appendfsync",
                  "always",
                  "--save",
                  "",
                  replica_of ? "--replicaof" : NULL,
                  "127.0.0.1",
                  master_s,
                  NULL};
  return th_spawn(argv, log_path);
}

static pid_t start_sentinel(ha_t *ha, int i) {
  char path[320], log_path[320];
  snprintf(path, sizeof path, "%s/sentinel%d.conf", ha->dir, i);
  snprintf(log_path, sizeof log_path, "%s/sentinel%d.log", ha->dir, i);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f,
          "port %d\nbind 127.0.0.1\ndir %s\n"
          "sentinel monitor stafet 127.0.0.1 %d 2\n"
          "sentinel down-after-milliseconds stafet 1000\n"
          "sentinel failover-timeout stafet 5000\n"
          "sentinel parallel-syncs stafet 1\n",
          ha->sentinel_ports[i], ha->dir, ha->master_port);
  fclose(f);
  char *argv[] = {STAFET_REDIS_SERVER, path, "--sentinel", NULL};
  return th_spawn(argv, log_path);
}

/* INFO replication of the Redis on port contains text. */
static bool info_has(int port, const char *text) {
  redisContext *c = redisConnect("127.0.0.1", port);
  bool found = false;
  if (c != NULL && !c->err) {
    redisReply *r = redisCommand(c, "INFO replication");
    found = r != NULL && r->str != NULL && strstr(r->str, text) != NULL;
    freeReplyObject(r);
  }
  redisFree(c);
  return found;
}

static void pause_ms(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static int ha_up(void **state) {
  static ha_t ha;
  memset(&ha, 0, sizeof ha);
  th_tempdir(ha.dir);
  ha.master_port = th_free_port();
  ha.replica_port = th_free_port();
  ha.master = start_redis(&ha, "master", ha.master_port, 0);
  ha.replica = start_redis(&ha, "replica", ha.replica_port, ha.master_port);
  /* The replica has synced: poll the condition (the pause only spaces attempts). */
  bool synced = false;
  for (long long end = th_now_ms() + 20000; !synced && th_now_ms() < end; pause_ms(50))
    synced = info_has(ha.master_port, "connected_slaves:1") &&
             info_has(ha.replica_port, "master_link_status:up");
  if (!synced)
    return -1;
  char sentinels[200] = "";
  for (int i = 0; i < 3; i++) {
    ha.sentinel_ports[i] = th_free_port();
    ha.sentinels[i] = start_sentinel(&ha, i);
    size_t used = strlen(sentinels);
    snprintf(sentinels + used, sizeof sentinels - used, "%s127.0.0.1:%d", i ? "," : "",
             ha.sentinel_ports[i]);
  }
  static char sentinel_arg[200];
  snprintf(sentinel_arg, sizeof sentinel_arg, "%s", sentinels);
  ha.hub.embedded = true; /* no --redis: the sentinels say where */
  const char *extra[] = {"--redis-sentinels",
                         sentinel_arg,
                         "--redis-wait-replicas",
                         "1",
                         "--ack-timeout-ms",
                         "1000",
                         NULL};
  memcpy(ha.hub.extra, extra, sizeof extra);
  th_redis_t none = {0};
  *state = &ha;
  return th_hub_start(&ha.hub, ha.dir, &none);
}

static int ha_down(void **state) {
  ha_t *ha = *state;
  th_hub_stop(&ha->hub, SIGTERM);
  pid_t pids[] = {ha->sentinels[0], ha->sentinels[1], ha->sentinels[2], ha->master, ha->replica};
  for (size_t i = 0; i < 5; i++)
    if (pids[i] > 0 && kill(pids[i], SIGTERM) == 0)
      waitpid(pids[i], NULL, 0);
  if (getenv("STAFET_KEEP_TEST_DIRS") == NULL)
    th_rmdir(ha->dir);
  return 0;
}

static void test_master_killed_mid_stream(void **state) {
  ha_t *ha = *state;
  stafet_client_t *c = th_client(ha->hub.endpoint, "audit");
  stafet_client_t *p = th_client(ha->hub.endpoint, "cpr");
  assert_non_null(c);
  assert_non_null(p);
  th_collector_t col;
  th_collector_init(&col, true);
  stafet_subscription_t sub = {
      .name = "audit", .patterns = PATTERNS("cpr.#"), .n_patterns = 1, .credit = 200};
  assert_int_equal(th_subscribe(c, &sub, &col), 0);
  th_stream_t s;
  th_stream_init(&s, 3000);
  assert_int_equal(th_stream_publish(p, &s, 0, s.total, "cpr.person.relocated"), 0);
  stafet_client_t *cs[] = {p, c, NULL};
  assert_true(th_poll_until(cs, &s.n_acked, 1000, 60000));
  size_t acked_at_kill = s.n_acked;
  kill(ha->master, SIGKILL);
  waitpid(ha->master, NULL, 0);
  ha->master = 0;
  /* The sentinels promote the replica; with no replica left, WAIT 1 cannot be
   * met, so publishes are refused (retryable) until the old master comes
   * back and the sentinels make it the new master's replica. */
  bool promoted = false;
  for (long long until = th_now_ms() + 30000; !promoted && th_now_ms() < until;) {
    th_poll_for(cs, 100);
    promoted = info_has(ha->replica_port, "role:master");
  }
  assert_true(promoted);
  ha->master = start_redis(ha, "master", ha->master_port, 0);
  th_stream_finish(cs, &s, &col, 120000);
  char name[160];
  snprintf(name, sizeof name,
           "kill -9 of the Redis master (Sentinel failover, WAIT 1 replica), after %zu acks",
           acked_at_kill);
  size_t lost = th_stream_report(name, &s, &col);
  size_t distinct = th_collector_distinct(&col);
  assert_true(th_hub_log_count(&ha->hub, "sentinel: master found") >= 2);
  assert_int_equal(lost, 0);
  assert_int_equal(s.n_acked, s.total);
  assert_int_equal(distinct, s.total);
  th_stream_free(&s);
  th_collector_free(&col);
  stafet_client_destroy(p);
  stafet_client_destroy(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_master_killed_mid_stream, ha_up, ha_down),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
