/*
 * test_mask.c — CPR numbers never reach a log line whole.
 */
#include "log.h"
#include "mask.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void expect_mask(const char *in, const char *want) {
  char out[256];
  cpr_mask(in, out, sizeof out);
  assert_string_equal(out, want);
}

static void test_masks_cpr_shapes(void **state) {
  expect_mask("cpr=010190-1234", "cpr=010190-****");
  expect_mask("0101901234", "010190****");
  expect_mask("a 311299-9999 b 010101-0001.", "a 311299-**** b 010101-****.");
  expect_mask("\"cpr\":\"2802871234\"", "\"cpr\":\"280287****\"");
  /* A false positive, by design: a message id (UUIDv7) with ten digits in a
   * row loses four of them in logs, so tests look for the id masked too. */
  expect_mask("message_id=01a20c5d-a291-7507-b653-1234567890ab",
              "message_id=01a20c5d-a291-7507-b653-123456****ab");
}

static void test_leaves_other_numbers(void **state) {
  expect_mask("kle=27.24.00 tenant=0751", "kle=27.24.00 tenant=0751");
  expect_mask("id=1795491278103-0", "id=1795491278103-0"); /* stream ids are longer */
  expect_mask("12345678901", "12345678901");               /* 11 digits: not a CPR */
  expect_mask("12345-1234", "12345-1234");
  expect_mask("", "");
}

static void test_truncates_safely(void **state) {
  char out[8];
  size_t n = cpr_mask("010190-1234 and more", out, sizeof out);
  assert_int_equal(n, 7);
  assert_string_equal(out, "010190-");
}

static void test_log_lines_are_masked(void **state) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  logger_t log = {.level = LOG_INFO, .out = f, .name = "test"};
  log_info(&log, "relocated 010190-1234", "cpr=%s topic=%s", "0101901234", "cpr.person.relocated");
  log_debug(&log, "hidden", "cpr=%s", "010190-1234");
  fclose(f);
  assert_null(strstr(text, "1234"));
  assert_non_null(strstr(text, "level=info"));
  assert_non_null(strstr(text, "cpr=010190****"));
  assert_null(strstr(text, "hidden")); /* below the level */
  free(text);
  log_level_t level;
  assert_int_equal(log_level_parse("warn", &level), 0);
  assert_int_equal(level, LOG_WARN);
  assert_int_equal(log_level_parse("loud", &level), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_masks_cpr_shapes),
      cmocka_unit_test(test_leaves_other_numbers),
      cmocka_unit_test(test_truncates_safely),
      cmocka_unit_test(test_log_lines_are_masked),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
