/*
 * test_host_template.c — the template adapter end to end, in a real
 * stafet-adapter against a real hub: its service answers (and answers
 * errors), its subscription receives a relocation, publishes what it made
 * of it and acks it (nothing left pending in Redis), the files of its inbox
 * become events, its counters reach the metrics files, and SIGTERM stops
 * the plugin process and the host with exit 0.
 */
#include "host_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int setup(void **state) {
  if (host_scene_up(state, sizeof(host_scene_t), "it_template_out", PATTERNS("template.#"), 1,
                    NULL) != 0)
    return -1;
  host_scene_t *s = *state;
  char plugins[1024];
  snprintf(plugins, sizeof plugins,
           "[plugin template]\npath = %s\ninbox_dir = %s\ngreeting = goddag\n",
           STAFET_TEMPLATE_PLUGIN, s->inbox);
  host_start(&s->adapter, s->w, "host", plugins);
  return 0;
}

/* Polls until the queue of subscription has no pending (unacked) entry. */
static bool wait_nothing_pending(host_scene_t *s, const char *queue, stafet_client_t **cs) {
  for (long long end = th_now_ms() + 10000; th_now_ms() < end; th_poll_for(cs, 20))
    if (th_redis_int(&s->w->redis, "XPENDING %s stafet - + 10", queue) == 0)
      return true;
  return false;
}

/* Polls until the file holds a line containing text. */
static bool wait_file_line(const char *path, const char *text, stafet_client_t **cs) {
  return th_log_wait(path, TEXTS(text), 1, 10000, cs);
}

static void test_template_end_to_end(void **state) {
  host_scene_t *s = *state;
  stafet_client_t **cs = s->clients;
  assert_true(host_wait_running(&s->adapter, "template", 1, cs));

  /* 3. its service */
  char text[256];
  assert_int_equal(host_ask(cs, "template.status.get", "", text), 0);
  assert_string_equal(text, "goddag seen=0 notes=0");
  assert_int_equal(host_ask(cs, "template.status.get", "fail", text), STAFET_EPROVIDER);
  assert_non_null(strstr(text, "asked to fail")); /* the hub prefixes the service */

  /* 2. its subscription: a relocation in, what it made of it out, acked */
  char id[65];
  assert_int_equal(th_publish_wait(s->client, "cpr.person.relocated", "0751", NULL, 0, id), 0);
  assert_true(host_wait_topic(cs, &s->col, "template.relocation.seen", 1, 10000));
  char seen_id[80];
  snprintf(seen_id, sizeof seen_id, "seen-%s", id);
  assert_true(th_collector_has(&s->col, seen_id)); /* derived id: idempotent on redelivery */
  assert_true(wait_nothing_pending(s, "stafet:q:{template_relocations}", cs));

  /* 1. its inbox: every file one event, then gone */
  host_drop_file(s->inbox, "a.txt", "first note");
  host_drop_file(s->inbox, "b.txt", "second note");
  host_drop_file(s->inbox, "c.txt", "third note");
  assert_true(host_wait_topic(cs, &s->col, "template.note.created", 3, 10000));
  assert_int_equal(rmdir(s->inbox), 0); /* empty: every file was taken */

  assert_int_equal(host_ask(cs, "template.status.get", "", text), 0);
  assert_string_equal(text, "goddag seen=1 notes=3");

  /* metrics: the plugin's own counters and the host's */
  char prom[400];
  snprintf(prom, sizeof prom, "%s/stafet-adapter-template.prom", s->w->dir);
  assert_true(
      wait_file_line(prom, "stafet_plugin_notes_published_total{plugin=\"template\"} 3", cs));
  assert_true(
      wait_file_line(prom, "stafet_plugin_relocations_seen_total{plugin=\"template\"} 1", cs));
  assert_true(wait_file_line(prom, "stafet_adapter_published_total{plugin=\"template\"} 4", cs));
  assert_true(wait_file_line(prom, "stafet_adapter_hub_connected{plugin=\"template\"} 1", cs));
  snprintf(prom, sizeof prom, "%s/stafet-adapter.prom", s->w->dir);
  assert_true(wait_file_line(prom, "stafet_adapter_plugin_up{plugin=\"template\"} 1", cs));

  /* SIGTERM: the plugin is stopped (its stop ran), its process is gone, exit 0 */
  pid_t child = th_adapter_plugin_pid(&s->adapter, "template");
  assert_true(host_pid_alive(child));
  host_stop_clean(&s->adapter);
  assert_false(host_pid_alive(child));
  assert_int_equal(th_log_count_all(s->adapter.log_path, TEXTS("msg=\"template stopped\"")), 1);
  assert_int_equal(
      th_log_count_all(s->adapter.log_path, TEXTS("msg=\"plugin stopped\"", "plugin=template")), 1);
  assert_int_equal(th_log_count_all(s->adapter.log_path, TEXTS("msg=\"plugin failed\"")), 0);
}

static void test_bad_config_is_refused(void **state) {
  host_scene_t *s = *state;
  th_adapter_stop(&s->adapter, SIGTERM); /* not needed here */
  th_adapter_t bad;
  assert_int_equal(th_adapter_start(&bad, STAFET_ADAPTER_BIN, s->w->dir, "bad",
                                    "tick_ms = often\n[plugin x]\npath = /x.so\n"),
                   0);
  int status = th_adapter_stop(&bad, 0); /* it exits by itself: just reap it */
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 2);
  assert_int_equal(th_log_count_all(bad.log_path, TEXTS("bad.conf:1: tick_ms: 'often'")), 1);
}

/* A second host on the same state_dir must not touch the first one's journal. */
static void test_one_host_per_state_dir(void **state) {
  host_scene_t *s = *state;
  stafet_client_t **cs = s->clients;
  assert_true(host_wait_running(&s->adapter, "template", 1, cs));
  char plugins[512];
  snprintf(plugins, sizeof plugins, "[plugin template]\npath = %s\n", STAFET_TEMPLATE_PLUGIN);
  host_start(&s->other, s->w, "second", plugins);
  assert_true(th_log_wait(s->other.log_path,
                          TEXTS("msg=\"plugin failed\"", "plugin=template ", "phase=prepare",
                                "template.outbox is in use by another process"),
                          1, 15000, cs));
  host_stop_clean(&s->other);
  char text[256]; /* the first one is unharmed */
  assert_int_equal(host_ask(cs, "template.status.get", "", text), 0);
  host_stop_clean(&s->adapter);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_template_end_to_end, setup, host_scene_down),
      cmocka_unit_test_setup_teardown(test_bad_config_is_refused, setup, host_scene_down),
      cmocka_unit_test_setup_teardown(test_one_host_per_state_dir, setup, host_scene_down),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
