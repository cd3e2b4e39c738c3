/*
 * test_host_loader.c — loading plugins: a good one, and each way of being
 * broken with the reason the host will log (built by
 * adapters/host/CMakeLists.txt from tests/integration/host/plugins/).
 */
#include "loader.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

static void expect_refused(const char *path, int rc, const char *why_part) {
  loaded_plugin_t lp;
  char why[512] = "";
  assert_int_equal(loader_open(&lp, path, why, sizeof why), rc);
  if (strstr(why, why_part) == NULL)
    fail_msg("reason '%s' lacks '%s'", why, why_part);
  assert_null(lp.dl);
}

static void test_good_plugin(void **state) {
  loaded_plugin_t lp;
  char why[512] = "";
  assert_int_equal(loader_open(&lp, STAFET_TEST_PLUGIN_PROBE, why, sizeof why), 0);
  assert_string_equal(lp.adapter->name, "probe");
  assert_int_equal(lp.adapter->abi_version, STAFET_ADAPTER_ABI_VERSION);
  loader_close(&lp);
}

static void test_broken_plugins(void **state) {
  expect_refused(STAFET_TEST_PLUGIN_WRONG_ABI, STAFET_EINVAL,
                 "ABI version mismatch: the plugin has 99, this host speaks 1");
  expect_refused(STAFET_TEST_PLUGIN_NO_ENTRY, STAFET_ENOTFOUND,
                 "missing symbol stafet_adapter_entry");
  expect_refused("/nonexistent/libstafet_adapter_ghost.so", STAFET_ENOTFOUND,
                 "cannot load /nonexistent/libstafet_adapter_ghost.so: No such file or directory");
  expect_refused("/etc/hostname", STAFET_EIO, "dlopen failed: /etc/hostname");
}

static int nothing(const stafet_host_api_t *api, stafet_host_t *host, void **state) {
  return 0;
}
static int start(void *state) {
  return 0;
}
static void stop(void *state) {}
static void on_event(void *state, const stafet_delivery_t *d) {}
static void on_request(void *state, const stafet_request_t *r) {}

static void test_table_checks(void **state) {
  stafet_adapter_t a = {.abi_version = STAFET_ADAPTER_ABI_VERSION,
                        .name = "ok",
                        .init = nothing,
                        .start = start,
                        .stop = stop,
                        .on_event = on_event,
                        .on_request = on_request};
  char why[512];
  assert_int_equal(loader_check(&a, why, sizeof why), 0);
  assert_int_equal(loader_check(NULL, why, sizeof why), STAFET_EINVAL);
  assert_non_null(strstr(why, "returned NULL"));
  a.name = "Not-Snake";
  assert_int_equal(loader_check(&a, why, sizeof why), STAFET_EINVAL);
  assert_non_null(strstr(why, "lower snake case"));
  a.name = "ok";
  a.on_request = NULL;
  assert_int_equal(loader_check(&a, why, sizeof why), STAFET_EINVAL);
  assert_non_null(strstr(why, "has no on_request callback"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_plugin),
      cmocka_unit_test(test_broken_plugins),
      cmocka_unit_test(test_table_checks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
