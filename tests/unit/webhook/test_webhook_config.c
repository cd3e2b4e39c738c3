/*
 * test_webhook_config.c — reading the webhook subscriptions from settings:
 * defaults, lists, secrets from files, and the errors that stop init.
 */
#include "stafet.h"
#include "webhook_config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Settings as a NULL-terminated list of key, value pairs. */
static const char *get(void *arg, const char *key) {
  const char *const *kv = arg;
  for (size_t i = 0; kv[i] != NULL; i += 2)
    if (strcmp(kv[i], key) == 0)
      return kv[i + 1];
  return NULL;
}

static void test_two_subscriptions(void **state) {
  char path[] = "/tmp/wh-secret-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "from-file\n", 10), 10);
  close(fd);
  const char *kv[] = {"subscriptions",
                      " kontrol , folkeregister ",
                      "kontrol_patterns",
                      "cpr.person.*, case.case.opened",
                      "kontrol_filters",
                      "tenant=0751,kle^=32.",
                      "kontrol_url",
                      "http://127.0.0.1:9/hook",
                      "kontrol_secret",
                      "s3cret",
                      "kontrol_max_tries",
                      "3",
                      "folkeregister_patterns",
                      "cpr.#",
                      "folkeregister_url",
                      "https://folk.example/in",
                      "folkeregister_secret_file",
                      path,
                      "folkeregister_format",
                      "base64",
                      NULL};
  wh_sub_cfg_t *subs;
  size_t n;
  sh_verr_t err;
  assert_int_equal(wh_config_load(get, kv, &subs, &n, &err), 0);
  assert_int_equal(n, 2);
  assert_string_equal(subs[0].name, "kontrol");
  assert_int_equal(subs[0].n_patterns, 2);
  assert_string_equal(subs[0].patterns[1], "case.case.opened");
  assert_int_equal(subs[0].n_filters, 2);
  assert_string_equal(subs[0].filters[1], "kle^=32.");
  assert_int_equal(subs[0].max_tries, 3);
  assert_int_equal(subs[0].format, WH_FORMAT_JSON);
  assert_int_equal(subs[0].retry_min_ms, 1000); /* defaults */
  assert_int_equal(subs[0].credit, 16);
  assert_string_equal(subs[1].secret, "from-file");
  assert_int_equal(subs[1].format, WH_FORMAT_BASE64);
  assert_int_equal(subs[1].n_filters, 0);
  wh_config_free(subs, n);
  unlink(path);
}

static void expect_error(const char *const *kv, const char *mentions) {
  wh_sub_cfg_t *subs = NULL;
  size_t n = 0;
  sh_verr_t err = {0};
  assert_int_equal(wh_config_load(get, (void *)kv, &subs, &n, &err), STAFET_EINVAL);
  if (strstr(err.message, mentions) == NULL)
    fail_msg("message \"%s\" does not mention %s", err.message, mentions);
}

static void test_errors(void **state) {
  const char *none[] = {NULL};
  expect_error(none, "subscriptions");
  const char *no_url[] = {"subscriptions", "a", "a_patterns", "x.y", "a_secret", "s", NULL};
  expect_error(no_url, "a_url");
  const char *no_secret[] = {"subscriptions", "a", "a_patterns", "x.y", "a_url", "http://h/", NULL};
  expect_error(no_secret, "a_secret");
  const char *no_patterns[] = {"subscriptions", "a", "a_url", "http://h/", "a_secret", "s", NULL};
  expect_error(no_patterns, "a_patterns");
  const char *bad_number[] = {"subscriptions", "a",   "a_url",       "http://h/", "a_secret", "s",
                              "a_patterns",    "x.y", "a_max_tries", "5x",        NULL};
  expect_error(bad_number, "a_max_tries");
  const char *bad_format[] = {"subscriptions", "a",   "a_url",    "http://h/", "a_secret", "s",
                              "a_patterns",    "x.y", "a_format", "xml",       NULL};
  expect_error(bad_format, "a_format");
}

static void test_split_list(void **state) {
  char *out[3];
  assert_int_equal(wh_split_list(" a, ,b ,c", out, 3), 3);
  assert_string_equal(out[1], "b");
  for (int i = 0; i < 3; i++)
    free(out[i]);
  assert_int_equal(wh_split_list("a,b,c,d", out, 3), STAFET_EINVAL); /* nothing leaks */
  assert_int_equal(wh_split_list("", out, 3), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_two_subscriptions),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_split_list),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
