/*
 * test_config.c — defaults, the config file, flags and their precedence,
 * and clear errors for bad settings.
 */
#include "config.h"
#include "stafet.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void test_defaults(void **state) {
  hub_config_t c;
  config_defaults(&c);
  assert_string_equal(c.bind_tcp, "tcp://127.0.0.1:7400");
  assert_string_equal(c.redis, "");
  assert_string_equal(c.prefix, "stafet:");
  assert_string_equal(c.redis_appendfsync, "always");
  assert_int_equal(c.heartbeat_ms, 1000);
  assert_int_equal(c.ack_timeout_ms, 30000);
  assert_int_equal(c.max_deliveries, 5);
  config_finish(&c);
  assert_string_equal(c.bind_ipc, "ipc://./stafet-data/hub.sock");
  assert_true(strlen(c.hub_id) > 0);
}

static void test_file_then_flags(void **state) {
  char path[] = "/tmp/stafet-config-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  write_file(path, "# a comment\n"
                   "heartbeat_ms = 250   # trailing comment\n"
                   "redis = \"unix:/run/redis.sock\"\n"
                   "\n"
                   "ack_timeout_ms=5000\n");
  hub_config_t c;
  config_defaults(&c);
  char *argv[] = {"stafet-hub", "--ack-timeout-ms", "7000", "--config", path, "--hub-id=h1"};
  config_action_t action;
  char err[256];
  assert_int_equal(config_parse_args(&c, 6, argv, &action, err, sizeof err), 0);
  assert_int_equal(action, CONFIG_RUN);
  assert_int_equal(c.heartbeat_ms, 250);                /* from the file */
  assert_string_equal(c.redis, "unix:/run/redis.sock"); /* quotes removed */
  assert_int_equal(c.ack_timeout_ms, 7000);             /* flag wins over file */
  assert_string_equal(c.hub_id, "h1");
  unlink(path);
}

static void test_errors_are_clear(void **state) {
  hub_config_t c;
  config_defaults(&c);
  config_action_t action;
  char err[256];
  char *unknown[] = {"stafet-hub", "--no-such-thing", "1"};
  assert_int_equal(config_parse_args(&c, 3, unknown, &action, err, sizeof err), STAFET_EINVAL);
  assert_non_null(strstr(err, "no_such_thing"));
  char *bad_number[] = {"stafet-hub", "--heartbeat-ms", "-5"};
  assert_int_equal(config_parse_args(&c, 3, bad_number, &action, err, sizeof err), STAFET_EINVAL);
  assert_non_null(strstr(err, "heartbeat_ms"));
  char *missing[] = {"stafet-hub", "--redis"};
  assert_int_equal(config_parse_args(&c, 2, missing, &action, err, sizeof err), STAFET_EINVAL);
  char *stray[] = {"stafet-hub", "redis"};
  assert_int_equal(config_parse_args(&c, 2, stray, &action, err, sizeof err), STAFET_EINVAL);

  char path[] = "/tmp/stafet-config-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  write_file(path, "heartbeat_ms = 10\nthis line has no equals sign\n");
  assert_int_equal(config_load_file(&c, path, err, sizeof err), STAFET_EINVAL);
  assert_non_null(strstr(err, ":2:"));
  unlink(path);
  assert_int_equal(config_load_file(&c, "/nonexistent/stafet.conf", err, sizeof err),
                   STAFET_EINVAL);
}

static void test_help_lists_every_setting(void **state) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  config_print_help(f, "stafet-hub");
  fclose(f);
  const char *flags[] = {
      "--bind-tcp", "--bind-ipc",      "--data-dir",        "--redis ",           "--redis-server",
      "--prefix",   "--heartbeat-ms",  "--ack-timeout-ms",  "--max-deliveries",   "--retention-ms",
      "--credit",   "--dedupe-ttl-ms", "--max-frame-bytes", "--drain-timeout-ms", "--config",
      "--help",     "--version"};
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
    assert_non_null(strstr(text, flags[i]));
  free(text);
  hub_config_t c;
  config_defaults(&c);
  config_action_t action;
  char err[64];
  char *help[] = {"stafet-hub", "--help"};
  assert_int_equal(config_parse_args(&c, 2, help, &action, err, sizeof err), 0);
  assert_int_equal(action, CONFIG_HELP);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_file_then_flags),
      cmocka_unit_test(test_errors_are_clear),
      cmocka_unit_test(test_help_lists_every_setting),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
