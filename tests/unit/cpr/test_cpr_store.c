/*
 * test_cpr_store.c — the cpr adapter's SQLite register: every record type
 * updates its columns only, replays change nothing, a rolled-back batch
 * leaves no trace, the data survives closing and reopening, and the
 * cpr.person.get JSON answer (found, not found, protection withheld).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpr_lines.h"
#include "person_json.h"
#include "store.h"

#include "stafet.h"
#include "testkit.h"

#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[256], db[300];

static int setup(void **state) {
  testkit_tempdir(dir, "cprstore");
  snprintf(db, sizeof db, "%s/cpr.sqlite", dir);
  cpr_store_t *s;
  if (cpr_store_open(&s, db) != 0)
    return -1;
  *state = s;
  return 0;
}

static int teardown(void **state) {
  cpr_store_close(*state);
  return testkit_rmrf(dir);
}

static void apply(cpr_store_t *s, const line_t *l, unsigned long line) {
  cpr_record_t rec;
  cpr_error_t err;
  assert_int_equal(cpr_record_parse(l->s, l->len, &rec, &err), 0);
  assert_int_equal(cpr_store_apply(s, &rec, "F1.txt", line), 0);
}

static void register_anna(cpr_store_t *s) {
  line_t l = rec_registered("0101901234", "0580", "19900101", "F", "19900101", "Anna", "Ødegård",
                            &ADDR_AABENRAA);
  apply(s, &l, 2);
}

static void test_registered_then_relocated(void **state) {
  cpr_store_t *s = *state;
  cpr_person_t p;
  assert_int_equal(cpr_store_get(s, "0101901234", &p), STAFET_ENOTFOUND);
  register_anna(s);
  assert_int_equal(cpr_store_get(s, "0101901234", &p), 0);
  assert_string_equal(p.name.last_name, "Ødegård");
  assert_int_equal(p.birth_date.year, 1990);
  assert_string_equal(p.address.street, "Ærøvej");
  assert_string_equal(p.kommunekode, "0580");
  assert_string_equal(p.status, "active");
  assert_string_equal(p.source_file, "F1.txt");
  assert_int_equal(p.source_line, 2);
  line_t l = rec_relocated("0101901234", "0751", "20240401", "0580", &ADDR_AABENRAA, &ADDR_AARHUS);
  apply(s, &l, 3);
  assert_int_equal(cpr_store_get(s, "0101901234", &p), 0);
  assert_string_equal(p.address.street, "Vestergade");
  assert_string_equal(p.address.house_number, "12B");
  assert_string_equal(p.address.floor, "2");
  assert_string_equal(p.address.door, "tv");
  assert_string_equal(p.address.postcode, "8000");
  assert_string_equal(p.address.city, "Aarhus C");
  assert_string_equal(p.kommunekode, "0751");
  assert_string_equal(p.name.first_names, "Anna"); /* untouched */
  assert_int_equal(p.source_line, 3);
  /* Applying the same record again changes nothing. */
  apply(s, &l, 3);
  cpr_person_t again;
  assert_int_equal(cpr_store_get(s, "0101901234", &again), 0);
  assert_memory_equal(&p, &again, sizeof p);
}

static void test_every_other_type(void **state) {
  cpr_store_t *s = *state;
  register_anna(s);
  line_t l = rec_name("0101901234", "0580", "20240501", "Anna", "Ødegård", "Anna Sofie", "Bæk");
  apply(s, &l, 3);
  l = rec_civil("0101901234", "0580", "20240601", "G", "0202921234");
  apply(s, &l, 4);
  l = rec_protection("0101901234", "0580", "20240701", "1", "");
  apply(s, &l, 5);
  cpr_person_t p;
  int on = -1;
  assert_int_equal(cpr_store_get(s, "0101901234", &p), 0);
  assert_string_equal(p.name.first_names, "Anna Sofie");
  assert_string_equal(p.name.last_name, "Bæk");
  assert_int_equal(p.civil_status, 'G');
  assert_string_equal(p.spouse_cpr, "0202921234");
  assert_int_equal(p.civil_status_date.month, 6);
  assert_int_equal(p.protected_, 1);
  assert_int_equal(p.protected_from.month, 7);
  assert_int_equal(p.protected_to.year, 0);
  assert_int_equal(cpr_store_protected(s, "0101901234", &on), 0);
  assert_int_equal(on, 1);
  assert_int_equal(cpr_store_protected(s, "0202921234", &on), 0);
  assert_int_equal(on, 0); /* unknown: not protected */
  l = rec_emigrated("0101901234", "0580", "20240801", "NO");
  apply(s, &l, 6);
  assert_int_equal(cpr_store_get(s, "0101901234", &p), 0);
  assert_string_equal(p.status, "emigrated");
  assert_string_equal(p.country, "NO");
  l = rec_deceased("0101901234", "0580", "20240901");
  apply(s, &l, 7);
  assert_int_equal(cpr_store_get(s, "0101901234", &p), 0);
  assert_string_equal(p.status, "deceased");
  assert_int_equal(p.status_date.month, 9);
  assert_string_equal(p.address.street, "Ærøvej"); /* the last known address stays */
}

static void test_change_for_unknown_person(void **state) {
  cpr_store_t *s = *state;
  line_t l = rec_relocated("0303931234", "0751", "20240401", "0580", &ADDR_AABENRAA, &ADDR_AARHUS);
  apply(s, &l, 2);
  cpr_person_t p;
  assert_int_equal(cpr_store_get(s, "0303931234", &p), 0);
  assert_string_equal(p.address.street, "Vestergade");
  assert_string_equal(p.name.last_name, "");
  assert_int_equal(p.birth_date.year, 0);
}

static void test_rollback_and_reopen(void **state) {
  cpr_store_t *s = *state;
  assert_int_equal(cpr_store_begin(s), 0);
  register_anna(s);
  cpr_store_rollback(s);
  cpr_person_t p;
  assert_int_equal(cpr_store_get(s, "0101901234", &p), STAFET_ENOTFOUND);
  assert_int_equal(cpr_store_begin(s), 0);
  register_anna(s);
  assert_int_equal(cpr_store_commit(s), 0);
  cpr_store_close(s);
  assert_int_equal(cpr_store_open(&s, db), 0);
  *state = s;
  assert_int_equal(cpr_store_get(s, "0101901234", &p), 0);
  assert_string_equal(p.name.last_name, "Ødegård");
}

static json_t *answer(const cpr_person_t *p, int withhold) {
  char *text;
  size_t len;
  assert_int_equal(cpr_person_json(p, withhold, &text, &len), 0);
  assert_int_equal(strlen(text), len);
  json_t *root = json_loads(text, 0, NULL);
  free(text);
  assert_non_null(root);
  return root;
}

static void test_json_answer(void **state) {
  cpr_store_t *s = *state;
  register_anna(s);
  line_t l = rec_civil("0101901234", "0580", "20240601", "G", "0202921234");
  apply(s, &l, 3);
  cpr_person_t p;
  assert_int_equal(cpr_store_get(s, "0101901234", &p), 0);
  json_t *root = answer(&p, 1);
  assert_string_equal(json_string_value(json_object_get(root, "cpr")), "010190-1234");
  assert_true(json_is_true(json_object_get(root, "found")));
  assert_string_equal(json_string_value(json_object_get(root, "last_name")), "Ødegård");
  assert_string_equal(json_string_value(json_object_get(root, "birth_date")), "1990-01-01");
  json_t *a = json_object_get(root, "address");
  assert_string_equal(json_string_value(json_object_get(a, "street")), "Ærøvej");
  assert_string_equal(json_string_value(json_object_get(a, "kommunekode")), "0580");
  assert_string_equal(json_string_value(json_object_get(root, "civil_status")), "gift");
  assert_string_equal(json_string_value(json_object_get(root, "spouse_cpr")), "020292-1234");
  assert_true(json_is_false(json_object_get(root, "protected")));
  assert_true(json_is_null(json_object_get(root, "protected_from")));
  assert_null(json_object_get(root, "withheld"));
  json_decref(root);

  l = rec_protection("0101901234", "0580", "20240701", "1", "20251231");
  apply(s, &l, 4);
  assert_int_equal(cpr_store_get(s, "0101901234", &p), 0);
  root = answer(&p, 1);
  assert_true(json_is_true(json_object_get(root, "protected")));
  assert_null(json_object_get(root, "address"));
  assert_null(json_object_get(root, "last_name"));
  assert_non_null(json_object_get(root, "withheld"));
  assert_string_equal(json_string_value(json_object_get(root, "protected_to")), "2025-12-31");
  json_decref(root);
  root = answer(&p, 0); /* configured to include them */
  assert_non_null(json_object_get(root, "address"));
  json_decref(root);

  char *text;
  size_t len;
  assert_int_equal(cpr_person_json_not_found("050505-1234", &text, &len), 0);
  assert_string_equal(text, "{\"cpr\":\"050505-1234\",\"found\":false}");
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_registered_then_relocated, setup, teardown),
      cmocka_unit_test_setup_teardown(test_every_other_type, setup, teardown),
      cmocka_unit_test_setup_teardown(test_change_for_unknown_person, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rollback_and_reopen, setup, teardown),
      cmocka_unit_test_setup_teardown(test_json_answer, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
