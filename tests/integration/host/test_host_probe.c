/*
 * test_host_probe.c — the rest of the host API, through the probe plugin
 * (tests/integration/host/plugins/probe.c) driven over its unix datagram
 * socket: watch_fd, a plugin's own requests (an answer from the template
 * next to it, NO_PROVIDER), log lines with CPR numbers masked, its own
 * counters in the metrics file, its service; and a backlog of deliveries
 * that arrives while its start is still waiting on the hub, which must be
 * held back until start returned and then handed over, every one.
 */
#include "host_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define BACKLOG 30

typedef struct scene {
  host_scene_t base;
  char answers[8][256]; /* payloads of probe.answer.received: "STATUS:TEXT" */
  int n_answers;
  char socket_path[300];
} scene_t;

/* Collects everything, and keeps the payloads of the probe's answers. */
static void on_out(stafet_client_t *c, const stafet_delivery_t *d, void *arg) {
  scene_t *s = arg;
  if (strcmp(d->envelope->topic, "probe.answer.received") == 0 && s->n_answers < 8)
    snprintf(s->answers[s->n_answers++], sizeof s->answers[0], "%.*s", (int)d->payload_len,
             (const char *)d->payload);
  th_on_deliver(c, d, &s->base.col);
}

static bool has_answer(const scene_t *s, const char *prefix) {
  for (int i = 0; i < s->n_answers; i++)
    if (strncmp(s->answers[i], prefix, strlen(prefix)) == 0)
      return true;
  return false;
}

/* A durable subscription for the probe with BACKLOG messages waiting in it. */
static void make_backlog(stafet_client_t *c) {
  th_collector_t none;
  th_collector_init(&none, false);
  stafet_subscription_t sub = {
      .name = "probe_backlog", .patterns = PATTERNS("probe.backlog.#"), .n_patterns = 1};
  assert_int_equal(th_subscribe(c, &sub, &none), 0);
  assert_int_equal(stafet_client_unsubscribe(c, "probe_backlog", 0, 5000), 0);
  for (int i = 0; i < BACKLOG; i++)
    assert_int_equal(th_publish_wait(c, "probe.backlog.item", "0751", NULL, 0, NULL), 0);
  th_collector_free(&none);
}

static int setup(void **state) {
  if (host_scene_up(state, sizeof(scene_t), "it_probe_out",
                    PATTERNS("probe.*.received", "probe.event.seen"), 2, on_out) != 0)
    return -1;
  scene_t *s = *state;
  snprintf(s->socket_path, sizeof s->socket_path, "%s/probe.sock", s->base.w->dir);
  make_backlog(s->base.client);
  char plugins[2048];
  snprintf(plugins, sizeof plugins,
           "[plugin template]\npath = %s\n"
           "[plugin probe]\npath = %s\nsocket_path = %s\n"
           "subscription = probe_backlog\npattern = probe.backlog.#\n",
           STAFET_TEMPLATE_PLUGIN, STAFET_TEST_PLUGIN_PROBE, s->socket_path);
  host_start(&s->base.adapter, s->base.w, "host", plugins);
  return 0;
}

/* Sends one command datagram to the probe. */
static void tell(const scene_t *s, const char *command) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  snprintf(addr.sun_path, sizeof addr.sun_path, "%.100s", s->socket_path);
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  assert_true(fd >= 0);
  ssize_t n = sendto(fd, command, strlen(command), 0, (struct sockaddr *)&addr, sizeof addr);
  close(fd);
  assert_int_equal(n, (ssize_t)strlen(command));
}

static void test_probe(void **state) {
  scene_t *s = *state;
  host_scene_t *b = &s->base;
  stafet_client_t **cs = b->clients;
  assert_true(host_wait_running(&b->adapter, "probe", 1, cs));
  assert_true(host_wait_running(&b->adapter, "template", 1, cs));
  const char *log = b->adapter.log_path;

  /* The backlog: every delivery handed over, none while start was running. */
  assert_true(host_wait_topic(cs, &b->col, "probe.event.seen", BACKLOG, 15000));
  assert_int_equal(th_log_count_all(log, TEXTS("probe reentered")), 0);

  /* watch_fd: a datagram in, an event out */
  tell(s, "pub:hello");
  assert_true(host_wait_topic(cs, &b->col, "probe.datagram.received", 1, 10000));

  /* the plugin's own requests: an answer, and NO_PROVIDER (never silence) */
  tell(s, "ask:template.status.get:");
  tell(s, "ask:nobody.home.get:x");
  assert_true(host_wait_topic(cs, &b->col, "probe.answer.received", 2, 10000));
  assert_true(has_answer(s, "0:hej seen=0 notes=0"));
  assert_true(has_answer(s, "-16:")); /* STAFET_ENOPROVIDER */

  /* its service */
  char text[256];
  assert_int_equal(host_ask(cs, "probe.echo.get", "x", text), 0);
  assert_string_equal(text, "echo:x");

  /* log lines: CPR numbers masked, whoever wrote them */
  tell(s, "log:citizen 010190-1234 called, then 0101901234");
  assert_true(th_log_wait(log, TEXTS("msg=\"probe says\"", "plugin=probe "), 1, 10000, cs));
  assert_int_equal(th_log_count_all(log, TEXTS("citizen 010190-**** called, then 010190****")), 1);
  assert_int_equal(th_log_count_all(log, TEXTS("1234")), 0);

  /* its counters */
  tell(s, "count:calls_taken");
  tell(s, "count:calls_taken");
  tell(s, "count:Not A Name");
  char prom[400];
  snprintf(prom, sizeof prom, "%s/stafet-adapter-probe.prom", b->w->dir);
  assert_true(th_log_wait(prom, TEXTS("stafet_plugin_calls_taken_total{plugin=\"probe\"} 2"), 1,
                          10000, cs));
  assert_true(th_log_wait(log, TEXTS("msg=\"metric ignored", "name=\"Not A Name\""), 1, 10000, cs));

  host_stop_clean(&b->adapter);
  assert_int_equal(th_log_count_all(log, TEXTS("msg=\"probe stopped\"")), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_probe, setup, host_scene_down),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
