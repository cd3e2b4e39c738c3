/*
 * test_host_conf.c — stafet-adapter's config file: defaults, globals,
 * plugin sections and their keys, quoting and comments, and every error
 * naming the file and line.
 */
#include "conf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

/* Parses text; returns the rc, the error text in err. */
static int parse(host_conf_t *cfg, const char *text, char *err, size_t err_size) {
  conf_defaults(cfg);
  FILE *f = fmemopen((void *)text, strlen(text), "r");
  assert_non_null(f);
  err[0] = '\0';
  int rc = conf_load_stream(cfg, f, "test.conf", err, err_size);
  fclose(f);
  return rc;
}

static void test_defaults(void **state) {
  host_conf_t cfg;
  conf_defaults(&cfg);
  assert_string_equal(cfg.hub, "tcp://127.0.0.1:7400");
  assert_int_equal(cfg.tick_ms, 200);
  assert_int_equal(cfg.outbox_fsync, 1);
  assert_int_equal(cfg.restart_min_ms, 500);
  assert_int_equal(cfg.restart_max_ms, 60000);
  assert_string_equal(cfg.metrics_dir, "");
  assert_int_equal(cfg.n_plugins, 0);
}

static void test_globals_and_plugins(void **state) {
  const char *text = "# a comment\n"
                     "  ; another comment\n"
                     "hub = ipc:///run/stafet/hub.sock,tcp://hub2:7400\n"
                     "tick_ms=50\n"
                     "outbox_fsync = no\n"
                     "metrics_dir = \"/var/lib/metrics\"\n"
                     "\n"
                     "[plugin cpr]\n"
                     "path = /usr/lib/libstafet_adapter_cpr.so\n"
                     "spool_dir = /var/spool/cpr\n"
                     "secret = \"  a#b c  \"\n"
                     "url = http://esdh.example/x#frag\n"
                     "empty =\n"
                     "[ plugin   case_2 ]\n"
                     "path = /usr/lib/libstafet_adapter_case.so\n";
  host_conf_t cfg;
  char err[256];
  assert_int_equal(parse(&cfg, text, err, sizeof err), 0);
  assert_string_equal(cfg.hub, "ipc:///run/stafet/hub.sock,tcp://hub2:7400");
  assert_int_equal(cfg.tick_ms, 50);
  assert_int_equal(cfg.outbox_fsync, 0);
  assert_string_equal(cfg.metrics_dir, "/var/lib/metrics");
  assert_int_equal(cfg.n_plugins, 2);
  const conf_plugin_t *cpr = &cfg.plugins[0];
  assert_string_equal(cpr->name, "cpr");
  assert_string_equal(cpr->path, "/usr/lib/libstafet_adapter_cpr.so");
  assert_string_equal(conf_plugin_get(cpr, "spool_dir"), "/var/spool/cpr");
  assert_string_equal(conf_plugin_get(cpr, "secret"), "  a#b c  ");
  assert_string_equal(conf_plugin_get(cpr, "url"), "http://esdh.example/x#frag");
  assert_string_equal(conf_plugin_get(cpr, "empty"), "");
  assert_string_equal(conf_plugin_get(cpr, "path"), cpr->path);
  assert_null(conf_plugin_get(cpr, "missing"));
  assert_string_equal(cfg.plugins[1].name, "case_2");
  assert_null(conf_plugin_get(&cfg.plugins[1], "spool_dir")); /* sections do not leak */
  conf_free(&cfg);
}

/* Each bad file fails with "test.conf:LINE: ..." containing the words. */
static void expect_error(const char *text, const char *where_and_why) {
  host_conf_t cfg;
  char err[256];
  assert_int_not_equal(parse(&cfg, text, err, sizeof err), 0);
  if (strstr(err, where_and_why) == NULL)
    fail_msg("error '%s' lacks '%s'", err, where_and_why);
  conf_free(&cfg);
}

static void test_errors(void **state) {
  const char *plugin = "[plugin a]\npath = /x.so\n";
  char text[512];
  snprintf(text, sizeof text, "%snonsense\n", plugin);
  expect_error(text, "test.conf:3: expected 'key = value'");
  expect_error("tick_ms = soon\n[plugin a]\npath=/x.so\n",
               "test.conf:1: tick_ms: 'soon' is not a non-negative whole number");
  expect_error("tick_ms = -5\n[plugin a]\npath=/x.so\n", "test.conf:1: tick_ms");
  expect_error("outbox_fsync = maybe\n[plugin a]\npath=/x.so\n", "yes or no");
  expect_error("colour = blue\n[plugin a]\npath=/x.so\n", "test.conf:1: unknown global key");
  expect_error("[plugin Bad-Name]\npath=/x.so\n", "test.conf:1: plugin name must be lower snake");
  expect_error("[plugin a]\npath=/x.so\n[plugin a]\npath=/y.so\n", "test.conf:3: a plugin of this");
  expect_error("[plugin a]\npath=/x.so\npath=/y.so\n", "test.conf:3: key given twice");
  expect_error("[plugin a]\nspool = /tmp\n", "test.conf:1: plugin section has no 'path");
  expect_error("[plugins a]\npath=/x.so\n", "test.conf:1: unknown section");
  expect_error("[plugin a\npath=/x.so\n", "test.conf:1: section header without ']'");
  expect_error("hub = http://x\n[plugin a]\npath=/x.so\n", "test.conf: hub: expected tcp://");
  expect_error("hub = tcp://a:1,\n[plugin a]\npath=/x.so\n", "test.conf: hub: expected tcp://");
  expect_error("hub = tcp://a:1,http://b\n[plugin a]\npath=/x.so\n", "hub: expected");
  expect_error("outbox_max = 0\n[plugin a]\npath=/x.so\n", "must be above 0");
  expect_error("metrics_interval_ms = 0\n[plugin a]\npath=/x.so\n", "must be above 0");
  expect_error("tick_ms = 5\n", "test.conf: no [plugin NAME] section");
  expect_error("restart_min_ms = 10\nrestart_max_ms = 5\n[plugin a]\npath=/x.so\n",
               "restart_max_ms is below restart_min_ms");
  expect_error("log_level = loud\n[plugin a]\npath=/x.so\n", "log_level: expected");
  expect_error("[plugin a]\npath=/x.so\nBad Key = 1\n", "test.conf:3: key must be lower snake");
}

static void test_long_line_refused(void **state) {
  char text[6000];
  int n = snprintf(text, sizeof text, "[plugin a]\npath=/x.so\nk = ");
  memset(text + n, 'v', 5000);
  snprintf(text + n + 5000, sizeof text - (size_t)n - 5000, "\n");
  expect_error(text, "test.conf:3: line longer than 4095 bytes");
}

static void test_missing_file(void **state) {
  host_conf_t cfg;
  char err[256];
  conf_defaults(&cfg);
  assert_int_not_equal(conf_load(&cfg, "/nonexistent/stafet-adapter.conf", err, sizeof err), 0);
  assert_non_null(strstr(err, "/nonexistent/stafet-adapter.conf: No such file"));
  conf_free(&cfg);
}

static void test_names(void **state) {
  assert_true(conf_name_valid("cpr", 64));
  assert_true(conf_name_valid("case_2", 64));
  assert_false(conf_name_valid("", 64));
  assert_false(conf_name_valid("2cpr", 64));
  assert_false(conf_name_valid("Cpr", 64));
  assert_false(conf_name_valid("c-pr", 64));
  assert_false(conf_name_valid("abcd", 4));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),     cmocka_unit_test(test_globals_and_plugins),
      cmocka_unit_test(test_errors),       cmocka_unit_test(test_long_line_refused),
      cmocka_unit_test(test_missing_file), cmocka_unit_test(test_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
