/*
 * test_case_party.c — CPR events as ESDH party updates: the JSON body the
 * case adapter PUTs, and the reasons a delivery can never succeed.
 */
#include "case_party.h"
#include "stafet.h"
#include "stafet/events/v1/cpr.pb-c.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *relocated(size_t *len, const char *cpr) {
  Stafet__Events__V1__Address addr = STAFET__EVENTS__V1__ADDRESS__INIT;
  addr.street = "Rådhuspladsen";
  addr.house_number = "2";
  addr.postcode = "8000";
  addr.city = "Aarhus C";
  addr.kommunekode = "0751";
  Stafet__Events__V1__Date date = STAFET__EVENTS__V1__DATE__INIT;
  date.year = 2024, date.month = 5, date.day = 1;
  Stafet__Events__V1__Cpr__PersonRelocated m = STAFET__EVENTS__V1__CPR__PERSON_RELOCATED__INIT;
  m.cpr = (char *)cpr;
  m.new_address = &addr;
  m.new_kommunekode = "0751";
  m.move_date = &date;
  *len = stafet__events__v1__cpr__person_relocated__get_packed_size(&m);
  uint8_t *buf = malloc(*len);
  stafet__events__v1__cpr__person_relocated__pack(&m, buf);
  return buf;
}

static void test_relocation_body(void **state) {
  size_t len;
  uint8_t *buf = relocated(&len, "0101901234");
  case_party_update_t u;
  sh_verr_t err;
  assert_int_equal(case_party_update_build("cpr.person.relocated", buf, len, "msg-1", &u, &err), 0);
  assert_string_equal(u.cpr, "010190-1234");
  json_t *doc = json_loads(u.body, 0, NULL);
  assert_non_null(doc);
  assert_string_equal(json_string_value(json_object_get(doc, "change")), "relocated");
  assert_string_equal(json_string_value(json_object_get(doc, "cpr")), "010190-1234");
  assert_string_equal(json_string_value(json_object_get(doc, "message_id")), "msg-1");
  assert_string_equal(json_string_value(json_object_get(doc, "move_date")), "2024-05-01");
  json_t *addr = json_object_get(doc, "address");
  assert_string_equal(json_string_value(json_object_get(addr, "postcode")), "8000");
  assert_string_equal(json_string_value(json_object_get(addr, "city")), "Aarhus C");
  json_decref(doc);
  case_party_update_free(&u);
  free(buf);
}

static void test_name_change_body(void **state) {
  Stafet__Events__V1__Cpr__PersonNameChanged m = STAFET__EVENTS__V1__CPR__PERSON_NAME_CHANGED__INIT;
  m.cpr = "020202-0002";
  m.new_first_names = "Ane";
  m.new_last_name = "Jensen";
  size_t len = stafet__events__v1__cpr__person_name_changed__get_packed_size(&m);
  uint8_t *buf = malloc(len);
  stafet__events__v1__cpr__person_name_changed__pack(&m, buf);
  case_party_update_t u;
  sh_verr_t err;
  assert_int_equal(case_party_update_build("cpr.person.name_changed", buf, len, "m", &u, &err), 0);
  json_t *doc = json_loads(u.body, 0, NULL);
  assert_string_equal(json_string_value(json_object_get(doc, "change")), "name_changed");
  assert_string_equal(json_string_value(json_object_get(doc, "last_name")), "Jensen");
  assert_true(json_is_null(json_object_get(doc, "effective_date")));
  json_decref(doc);
  case_party_update_free(&u);
  free(buf);
}

static void test_hopeless_deliveries(void **state) {
  case_party_update_t u;
  sh_verr_t err;
  const uint8_t garbage[] = {0xff, 0xff, 0xff, 0x0f};
  assert_int_equal(
      case_party_update_build("cpr.person.relocated", garbage, sizeof garbage, "m", &u, &err),
      STAFET_EINVAL);
  assert_string_equal(err.code, "INVALID_PAYLOAD");
  size_t len;
  uint8_t *buf = relocated(&len, "not-a-cpr");
  assert_int_equal(case_party_update_build("cpr.person.relocated", buf, len, "m", &u, &err),
                   STAFET_EINVAL);
  assert_string_equal(err.code, "INVALID_CPR");
  assert_int_equal(case_party_update_build("cpr.person.deceased", buf, len, "m", &u, &err),
                   STAFET_EINVAL);
  assert_string_equal(err.code, "UNKNOWN_EVENT");
  free(buf);
}

static void test_party_url(void **state) {
  char url[128];
  assert_int_equal(case_party_url("http://esdh:8090/", "010190-1234", url, sizeof url), 0);
  assert_string_equal(url, "http://esdh:8090/api/parties/010190-1234");
  assert_int_equal(case_party_url("http://esdh", "010190-1234", url, 10), STAFET_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_relocation_body),
      cmocka_unit_test(test_name_change_body),
      cmocka_unit_test(test_hopeless_deliveries),
      cmocka_unit_test(test_party_url),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
