/*
 * test_host_restart.c — what a plugin process's death costs, with the
 * template adapter in a real host against a real hub:
 *
 *   * kill -9 of the plugin process: reported with the signal, started
 *     again, and it serves requests and its subscription as before;
 *   * kill -9 while the hub is down and the plugin has published 20 notes
 *     the hub never acknowledged (their source files are already deleted):
 *     the restarted process re-sends them from the outbox journal, and all
 *     20 arrive, each once;
 *   * SIGTERM while the hub is down: the host stops with exit 0 after a
 *     bounded wait, says what is left, and a new host on the same state_dir
 *     delivers it.
 *
 * What is NOT kept across a crash, by design (docs/writing-an-adapter.md):
 * the plugin's own memory, deliveries it had not acked (the hub redelivers
 * them), and answers to requests in flight (the requester gets an error).
 */
#include "host_fixture.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct scene {
  host_scene_t base;
  char plugins[1024];
} scene_t;

static int setup(void **state) {
  if (host_scene_up(state, sizeof(scene_t), "it_restart_out", PATTERNS("template.#"), 1, NULL) != 0)
    return -1;
  scene_t *s = *state;
  snprintf(s->plugins, sizeof s->plugins, "[plugin template]\npath = %s\ninbox_dir = %s\n",
           STAFET_TEMPLATE_PLUGIN, s->base.inbox);
  host_start(&s->base.adapter, s->base.w, "host", s->plugins);
  return 0;
}

static void drop_notes(const char *inbox, int n) {
  for (int i = 0; i < n; i++) {
    char name[32], text[32];
    snprintf(name, sizeof name, "note-%d", i);
    snprintf(text, sizeof text, "note %d", i);
    host_drop_file(inbox, name, text);
  }
}

static int dir_entries(const char *path) {
  DIR *d = opendir(path);
  int n = 0;
  for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;)
    n += e->d_name[0] != '.';
  if (d != NULL)
    closedir(d);
  return n;
}

/* Polls the clients until the inbox is empty: every note published. */
static bool wait_inbox_empty(host_scene_t *s, stafet_client_t **cs) {
  for (long long end = th_now_ms() + 10000; th_now_ms() < end; th_poll_for(cs, 20))
    if (dir_entries(s->inbox) == 0)
      return true;
  return false;
}

/* kill -9 of the plugin process; waits until the supervisor reported it. */
static pid_t kill_plugin(host_scene_t *s, stafet_client_t **cs, int times_before) {
  pid_t pid = th_adapter_plugin_pid(&s->adapter, "template");
  assert_true(host_pid_alive(pid));
  assert_int_equal(kill(pid, SIGKILL), 0);
  assert_true(th_log_wait(
      s->adapter.log_path,
      TEXTS("msg=\"plugin failed\"", "plugin=template ", "reason=\"crashed by signal 9 (Killed)\""),
      times_before + 1, 10000, cs));
  return pid;
}

static void test_killed_plugin_is_restarted(void **state) {
  host_scene_t *s = *state;
  stafet_client_t **cs = s->clients;
  assert_true(host_wait_running(&s->adapter, "template", 1, cs));
  pid_t first = kill_plugin(s, cs, 0);
  assert_true(th_log_count_all(s->adapter.log_path,
                               TEXTS("plugin=template ", "phase=running", "signal 9")) == 1);
  assert_true(host_wait_running(&s->adapter, "template", 2, cs));
  assert_int_not_equal(th_adapter_plugin_pid(&s->adapter, "template"), first);
  /* The hub noticed the dead process's session: its provision and its
   * unacked deliveries are released (heartbeat_ms 200: within a second). */
  assert_true(th_log_wait(s->w->hub.log_path, TEXTS("msg=\"session ended\"", "adapter=template"), 1,
                          5000, cs));

  char text[256];
  assert_int_equal(host_ask(cs, "template.status.get", "", text), 0);
  assert_string_equal(text, "hej seen=0 notes=0"); /* a new process: a fresh memory */
  assert_int_equal(th_publish_wait(s->client, "cpr.person.relocated", "0751", NULL, 0, NULL), 0);
  assert_true(host_wait_topic(cs, &s->col, "template.relocation.seen", 1, 10000));
  host_stop_clean(&s->adapter);
}

static void test_unacked_publishes_survive_kill(void **state) {
  host_scene_t *s = *state;
  stafet_client_t **cs = s->clients;
  assert_true(host_wait_running(&s->adapter, "template", 1, cs));

  th_hub_stop(&s->w->hub, SIGKILL); /* the hub dies: nothing published can be acknowledged */
  drop_notes(s->inbox, 20);
  assert_true(wait_inbox_empty(s, cs)); /* published: journalled, sources deleted */
  kill_plugin(s, cs, 0);

  /* The new process finds the 20 in the journal before it even reaches the hub. */
  assert_true(th_log_wait(s->adapter.log_path,
                          TEXTS("msg=\"re-sending publishes", "plugin=template ", "count=20"), 1,
                          10000, cs));
  assert_int_equal(th_hub_start(&s->w->hub, s->w->dir, &s->w->redis), 0);
  assert_true(host_wait_running(&s->adapter, "template", 2, cs));
  assert_true(host_wait_topic(cs, &s->col, "template.note.created", 20, 15000));
  th_poll_for(cs, 300); /* room for a duplicate to show up, if there were one */
  assert_int_equal(host_count_topic(&s->col, "template.note.created"), 20);
  assert_int_equal(th_collector_distinct(&s->col), 20);

  /* Settled: the journal is back to its 8-byte header. */
  char journal[400];
  snprintf(journal, sizeof journal, "%s/state/template.outbox", s->w->dir);
  struct stat st;
  for (long long end = th_now_ms() + 5000; th_now_ms() < end; th_poll_for(cs, 20))
    if (stat(journal, &st) == 0 && st.st_size == 8)
      break;
  assert_int_equal(st.st_size, 8);
  host_stop_clean(&s->adapter);
}

static void test_sigterm_keeps_the_rest_for_next_time(void **state) {
  host_scene_t *s = *state;
  stafet_client_t **cs = s->clients;
  assert_true(host_wait_running(&s->adapter, "template", 1, cs));
  th_hub_stop(&s->w->hub, SIGKILL);
  drop_notes(s->inbox, 5);
  assert_true(wait_inbox_empty(s, cs));

  long long asked = th_now_ms();
  host_stop_clean(&s->adapter);                   /* exit 0, though the hub never took the 5 */
  assert_true(th_now_ms() - asked < 2000 + 3000); /* stop_timeout_ms, and not much more */
  assert_int_equal(th_log_count_all(s->adapter.log_path,
                                    TEXTS("msg=\"plugin stopped with publishes", "pending=5")),
                   1);

  assert_int_equal(th_hub_start(&s->w->hub, s->w->dir, &s->w->redis), 0);
  host_start(&s->other, s->w, "again", ((scene_t *)s)->plugins);
  assert_true(host_wait_topic(cs, &s->col, "template.note.created", 5, 15000));
  assert_int_equal(th_collector_distinct(&s->col), 5);
  host_stop_clean(&s->other);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_killed_plugin_is_restarted, setup, host_scene_down),
      cmocka_unit_test_setup_teardown(test_unacked_publishes_survive_kill, setup, host_scene_down),
      cmocka_unit_test_setup_teardown(test_sigterm_keeps_the_rest_for_next_time, setup,
                                      host_scene_down),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
