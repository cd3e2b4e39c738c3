/*
 * test_case_store.c — the case adapter's store: cases and parties from
 * events, case.list.get's answer, what a document event learns from it.
 */
#include "case_store.h"
#include "stafet.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void apply(case_store_t *s, const char *json, int64_t now) {
  case_event_t ev;
  sh_verr_t err;
  if (case_event_parse(json, strlen(json), &ev, &err) != 0)
    fail_msg("%s: %s", err.code, err.message);
  assert_int_equal(case_store_apply(s, &ev, now), 0);
  case_event_free(&ev);
}

static json_t *list(case_store_t *s, const char *cpr, size_t max) {
  char *text;
  assert_int_equal(case_store_list_json(s, cpr, max, &text), 0);
  json_t *doc = json_loads(text, 0, NULL);
  free(text);
  assert_non_null(doc);
  return doc;
}

static void test_cases_of_a_citizen(void **state) {
  case_store_t *s;
  assert_int_equal(case_store_open(&s, ":memory:"), 0);
  apply(s,
        "{\"event\":\"case.opened\",\"tenant\":\"0751\",\"case\":{\"id\":\"S1\",\"system\":\"x\","
        "\"kle\":\"27.24.00\",\"department\":\"ydelse\",\"title\":\"A\",\"parties\":["
        "{\"cpr\":\"010190-1234\"}]}}",
        1000);
  apply(s,
        "{\"event\":\"case.opened\",\"tenant\":\"0751\",\"case\":{\"id\":\"S2\",\"system\":\"x\","
        "\"kle\":\"32.18.00\",\"department\":\"jobcenter\",\"parties\":[{\"cpr\":\"0101901234\"},"
        "{\"cpr\":\"020202-0002\"}]}}",
        2000);
  apply(s,
        "{\"event\":\"case.status_changed\",\"tenant\":\"0751\",\"case\":{\"id\":\"S1\","
        "\"system\":\"x\",\"kle\":\"27.24.00\",\"department\":\"ydelse\"},\"new_status\":"
        "\"decided\"}",
        3000);
  json_t *doc = list(s, "010190-1234", 10);
  json_t *cases = json_object_get(doc, "cases");
  assert_int_equal(json_array_size(cases), 2);
  json_t *first = json_array_get(cases, 0); /* newest first */
  assert_string_equal(json_string_value(json_object_get(first, "case_id")), "S1");
  assert_string_equal(json_string_value(json_object_get(first, "status")), "decided");
  assert_string_equal(json_string_value(json_object_get(first, "title")), "A"); /* kept */
  assert_int_equal(json_integer_value(json_object_get(first, "opened_at_ms")), 1000);
  assert_false(json_is_true(json_object_get(doc, "truncated")));
  json_decref(doc);
  doc = list(s, "010190-1234", 1);
  assert_int_equal(json_array_size(json_object_get(doc, "cases")), 1);
  assert_true(json_is_true(json_object_get(doc, "truncated")));
  json_decref(doc);
  doc = list(s, "030303-0003", 10);
  assert_int_equal(json_array_size(json_object_get(doc, "cases")), 0);
  json_decref(doc);
  case_store_close(s);
}

static void test_lookup_for_documents(void **state) {
  case_store_t *s;
  assert_int_equal(case_store_open(&s, ":memory:"), 0);
  apply(s,
        "{\"event\":\"case.opened\",\"tenant\":\"0751\",\"case\":{\"id\":\"S1\",\"system\":\"x\","
        "\"kle\":\"27.24.00\",\"department\":\"ydelse\",\"case_type\":\"klage\",\"parties\":["
        "{\"cpr\":\"010190-1234\"}]}}",
        1000);
  case_info_t info;
  assert_int_equal(case_store_lookup(s, "x", "S1", &info), 0);
  assert_string_equal(info.kle, "27.24.00");
  assert_string_equal(info.department, "ydelse");
  assert_string_equal(info.case_type, "klage");
  assert_true(info.personal);
  assert_int_equal(case_store_lookup(s, "x", "S9", &info), STAFET_ENOTFOUND);
  /* a document touches the case without changing what it is */
  apply(s,
        "{\"event\":\"document.journalised\",\"tenant\":\"0751\",\"case\":{\"id\":\"S1\","
        "\"system\":\"x\"},\"document\":{\"id\":\"D1\"}}",
        5000);
  json_t *doc = list(s, "010190-1234", 10);
  json_t *c = json_array_get(json_object_get(doc, "cases"), 0);
  assert_int_equal(json_integer_value(json_object_get(c, "updated_at_ms")), 5000);
  assert_string_equal(json_string_value(json_object_get(c, "kle")), "27.24.00");
  json_decref(doc);
  case_store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cases_of_a_citizen),
      cmocka_unit_test(test_lookup_for_documents),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
