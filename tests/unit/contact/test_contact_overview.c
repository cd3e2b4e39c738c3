/*
 * test_contact_overview.c — merging the citizen overview: all parts
 * answered, parts missing (no provider, deadline, provider error, bad
 * reply) marked without failing the whole.
 */
#include "contact_overview.h"
#include "stafet.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

static const char PERSON[] = "{\"cpr\":\"010190-1234\",\"found\":true,\"last_name\":\"Jensen\"}";
static const char CASES[] = "{\"cpr\":\"010190-1234\",\"cases\":[]}";
static const char DEBT[] = "{\"total_ore\":123450}";

static json_t *part(json_t *doc, const char *name) {
  json_t *p = json_object_get(doc, name);
  assert_non_null(p);
  return p;
}

static void test_all_answered_is_complete(void **state) {
  ov_part_t parts[OV_PARTS];
  ov_parts_init(parts);
  assert_string_equal(parts[OV_DEBT].service, "debt.summary.get");
  ov_part_answer(&parts[OV_PERSON], PERSON, strlen(PERSON));
  ov_part_answer(&parts[OV_DEBT], DEBT, strlen(DEBT));
  ov_part_answer(&parts[OV_CASES], CASES, strlen(CASES));
  json_t *doc = ov_render("010190-1234", parts, 12);
  assert_true(json_is_true(json_object_get(doc, "complete")));
  assert_int_equal(json_integer_value(json_object_get(doc, "elapsed_ms")), 12);
  json_t *person = part(doc, "person");
  assert_string_equal(json_string_value(json_object_get(person, "status")), "ok");
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(person, "data"), "last_name")), "Jensen");
  assert_int_equal(
      json_integer_value(json_object_get(json_object_get(part(doc, "debt"), "data"), "total_ore")),
      123450);
  json_decref(doc);
  ov_parts_free(parts);
}

static void expect_unavailable(json_t *doc, const char *name, const char *error) {
  json_t *p = part(doc, name);
  assert_string_equal(json_string_value(json_object_get(p, "status")), "unavailable");
  assert_string_equal(json_string_value(json_object_get(p, "error")), error);
  assert_null(json_object_get(p, "data"));
}

static void test_missing_parts_are_marked(void **state) {
  ov_part_t parts[OV_PARTS];
  ov_parts_init(parts);
  ov_part_answer(&parts[OV_PERSON], PERSON, strlen(PERSON));
  ov_part_fail(&parts[OV_DEBT], STAFET_ENOPROVIDER, "no provider for debt.summary.get");
  /* cases never answered: reported as past the deadline */
  json_t *doc = ov_render("010190-1234", parts, 2000);
  assert_false(json_is_true(json_object_get(doc, "complete")));
  assert_string_equal(json_string_value(json_object_get(part(doc, "person"), "status")), "ok");
  expect_unavailable(doc, "debt", "NO_PROVIDER");
  expect_unavailable(doc, "cases", "DEADLINE_EXCEEDED");
  assert_string_equal(json_string_value(json_object_get(part(doc, "debt"), "message")),
                      "no provider for debt.summary.get");
  json_decref(doc);
  ov_parts_free(parts);
}

static void test_first_outcome_wins_and_bad_replies(void **state) {
  ov_part_t parts[OV_PARTS];
  ov_parts_init(parts);
  ov_part_answer(&parts[OV_PERSON], "not json", 8);
  ov_part_fail(&parts[OV_DEBT], STAFET_EPROVIDER, "debtor system down");
  ov_part_answer(&parts[OV_DEBT], DEBT, strlen(DEBT)); /* too late: stays failed */
  ov_part_fail(&parts[OV_CASES], STAFET_EUNAVAIL, NULL);
  json_t *doc = ov_render("010190-1234", parts, 5);
  expect_unavailable(doc, "person", "INVALID_REPLY");
  expect_unavailable(doc, "debt", "PROVIDER_ERROR");
  expect_unavailable(doc, "cases", "HUB_UNAVAILABLE");
  json_decref(doc);
  ov_parts_free(parts);
}

static void test_error_codes(void **state) {
  assert_string_equal(ov_error_code(STAFET_ENOPROVIDER), "NO_PROVIDER");
  assert_string_equal(ov_error_code(STAFET_ETIMEDOUT), "DEADLINE_EXCEEDED");
  assert_string_equal(ov_error_code(STAFET_EPROVIDER), "PROVIDER_ERROR");
  assert_string_equal(ov_error_code(STAFET_ECLOSED), "HUB_UNAVAILABLE");
  assert_string_equal(ov_error_code(STAFET_ENOMEM), "REQUEST_FAILED");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_all_answered_is_complete),
      cmocka_unit_test(test_missing_parts_are_marked),
      cmocka_unit_test(test_first_outcome_wins_and_bad_replies),
      cmocka_unit_test(test_error_codes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
