/*
 * test_host_failures.c — one host running the template adapter next to six
 * broken plugins: init fails, init dies of SIGSEGV, start fails, wrong ABI
 * version, no entry symbol, a path that does not exist. Each must be
 * reported, again and again with a growing back-off, in one line that names
 * the plugin, its path, the phase and the reason; the template must keep
 * working all the while (shown by traffic, not by the absence of errors),
 * and SIGTERM must still stop everything with exit 0.
 */
#include "host_fixture.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct broken_case {
  const char *name, *path, *phase, *reason;
} broken_case_t;

static const broken_case_t cases[] = {
    {"init_fails", STAFET_TEST_PLUGIN_INIT_FAILS, "phase=init",
     "reason=\"init returned -1 (invalid argument)\""},
    {"init_crashes", STAFET_TEST_PLUGIN_INIT_CRASHES, "phase=init",
     "reason=\"crashed by signal 11 (Segmentation fault)\""},
    {"start_fails", STAFET_TEST_PLUGIN_START_FAILS, "phase=start",
     "reason=\"start returned -13 (unavailable, retry later)\""},
    {"wrong_abi", STAFET_TEST_PLUGIN_WRONG_ABI, "phase=load",
     "reason=\"ABI version mismatch: the plugin has 99, this host speaks 1"},
    {"no_entry", STAFET_TEST_PLUGIN_NO_ENTRY, "phase=load",
     "reason=\"missing symbol stafet_adapter_entry"},
    {"ghost", "/nonexistent/libstafet_adapter_ghost.so", "phase=load",
     "reason=\"cannot load /nonexistent/libstafet_adapter_ghost.so: No such file or directory\""},
};
#define N_CASES (sizeof cases / sizeof cases[0])

/* A segfault must reach the supervisor as the signal it is: under
 * AddressSanitizer, ask it not to turn SIGSEGV into its own report and exit. */
static void keep_segv_a_signal(void) {
  const char *old = getenv("ASAN_OPTIONS");
  char opts[512];
  snprintf(opts, sizeof opts, "%s%shandle_segv=0", old ? old : "", old && *old ? ":" : "");
  setenv("ASAN_OPTIONS", opts, 1);
}

static int setup(void **state) {
  if (host_scene_up(state, sizeof(host_scene_t), "it_failures_out", PATTERNS("template.#"), 1,
                    NULL) != 0)
    return -1;
  host_scene_t *s = *state;
  char plugins[4096];
  int n =
      snprintf(plugins, sizeof plugins, "[plugin template]\npath = %s\n", STAFET_TEMPLATE_PLUGIN);
  for (size_t i = 0; i < N_CASES; i++)
    n += snprintf(plugins + n, sizeof plugins - (size_t)n, "[plugin %s]\npath = %s\n",
                  cases[i].name, cases[i].path);
  keep_segv_a_signal();
  host_start(&s->adapter, s->w, "host", plugins);
  return 0;
}

/* The template answers and handles a relocation: it is alive and well. */
static void template_works(host_scene_t *s, stafet_client_t **cs, size_t relocations_before) {
  char text[256];
  assert_int_equal(host_ask(cs, "template.status.get", "", text), 0);
  assert_non_null(strstr(text, "hej seen="));
  assert_int_equal(th_publish_wait(s->client, "cpr.person.relocated", "0751", NULL, 0, NULL), 0);
  assert_true(
      host_wait_topic(cs, &s->col, "template.relocation.seen", relocations_before + 1, 10000));
}

static void test_broken_plugins_reported_good_one_works(void **state) {
  host_scene_t *s = *state;
  stafet_client_t **cs = s->clients;
  const char *log = s->adapter.log_path;
  assert_true(host_wait_running(&s->adapter, "template", 1, cs));
  template_works(s, cs, 0);

  /* Every broken plugin: reported with name, path, phase and reason, at
   * least three times (it is retried), the back-off growing to its cap. */
  for (size_t i = 0; i < N_CASES; i++) {
    const broken_case_t *c = &cases[i];
    char who[64], path[300];
    snprintf(who, sizeof who, "plugin=%s ", c->name);
    snprintf(path, sizeof path, "path=%s ", c->path);
    if (!th_log_wait(log,
                     TEXTS("level=error", "msg=\"plugin failed\"", who, path, c->phase, c->reason),
                     3, 15000, cs))
      fail_msg("%s not reported 3 times as '%s %s' in %s", c->name, c->phase, c->reason, log);
    assert_int_equal(th_log_count_all(log, TEXTS(who, "restart_in_ms=100\n")), 1);
    assert_int_equal(th_log_count_all(log, TEXTS(who, "restart_in_ms=200\n")), 1);
    assert_true(th_log_wait(log, TEXTS(who, "restart_in_ms=400\n"), 1, 5000, cs));
  }
  /* A failed start still gets its stop (so it can free what init made). */
  assert_true(
      th_log_count_all(log, TEXTS("msg=\"broken plugin stop called\"", "plugin=start_fails")) >= 3);

  /* Meanwhile the template was never touched, and still works. */
  template_works(s, cs, 1);
  assert_int_equal(th_log_count_all(log, TEXTS("msg=\"plugin failed\"", "plugin=template ")), 0);
  assert_int_equal(th_log_count_all(log, TEXTS("msg=\"plugin starting\"", "plugin=template ")), 1);

  host_stop_clean(&s->adapter);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_broken_plugins_reported_good_one_works, setup,
                                      host_scene_down),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
