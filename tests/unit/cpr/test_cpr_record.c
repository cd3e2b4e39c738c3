/*
 * test_cpr_record.c — the fixed-width record parser: every record type with
 * its fields, the documented lengths, wrong lengths, bad dates, bad record
 * types, bad codes, encodings, and CPR numbers that fail modulus 11 but have
 * the right format (accepted: numbers since 2007 need not pass it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpr_lines.h"
#include "record.h"

#include "stafet.h"

static cpr_record_t rec;
static cpr_error_t err;

static int parse(const line_t *l) {
  memset(&err, 0, sizeof err);
  return cpr_record_parse(l->s, l->len, &rec, &err);
}

/* Parses and expects the reason code; the detail must never hold a CPR number. */
static void expect_reject(const line_t *l, const char *code) {
  assert_int_equal(parse(l), STAFET_EINVAL);
  assert_non_null(err.code);
  assert_string_equal(err.code, code);
  assert_true(strlen(err.detail) > 0);
  assert_null(strstr(err.detail, "0101901234"));
}

static void test_documented_lengths(void **state) {
  (void)state;
  assert_int_equal(cpr_record_length(CPR_REC_START), 35);
  assert_int_equal(cpr_record_length(CPR_REC_REGISTERED), 198);
  assert_int_equal(cpr_record_length(CPR_REC_RELOCATED), 177);
  assert_int_equal(cpr_record_length(CPR_REC_NAME_CHANGED), 205);
  assert_int_equal(cpr_record_length(CPR_REC_CIVIL_STATUS), 36);
  assert_int_equal(cpr_record_length(CPR_REC_PROTECTION), 34);
  assert_int_equal(cpr_record_length(CPR_REC_EMIGRATED), 27);
  assert_int_equal(cpr_record_length(CPR_REC_DECEASED), 25);
  assert_int_equal(cpr_record_length(CPR_REC_END), 31);
  assert_int_equal(cpr_record_length((cpr_record_type_t)8), 0);
  assert_string_equal(cpr_record_topic(CPR_REC_RELOCATED), "cpr.person.relocated");
  assert_null(cpr_record_topic(CPR_REC_START));
}

static void test_control_records(void **state) {
  (void)state;
  line_t l = rec_start("CPR-0751-000042", "20240315");
  assert_int_equal(parse(&l), 0);
  assert_int_equal(rec.type, CPR_REC_START);
  assert_string_equal(rec.file_id, "CPR-0751-000042");
  assert_int_equal(rec.produced.year, 2024);
  assert_int_equal(rec.produced.day, 15);
  l = rec_end("CPR-0751-000042", 1234);
  assert_int_equal(parse(&l), 0);
  assert_int_equal(rec.type, CPR_REC_END);
  assert_int_equal(rec.count, 1234);
  l = rec_start("bad id!", "20240315");
  expect_reject(&l, "BAD_FILE_ID");
  l = rec_start("F1", "20240315");
  memcpy(l.s + 31, "0002", 4);
  expect_reject(&l, "BAD_VERSION");
  l = rec_end("F1", 3);
  memcpy(l.s + 23, "00x00003", 8);
  expect_reject(&l, "BAD_COUNT");
}

static void test_registered(void **state) {
  (void)state;
  line_t l = rec_registered("0101901234", "0580", "19900101", "F", "19900101", "Åse Marie",
                            "Ødegård", &ADDR_AABENRAA);
  assert_int_equal(l.len > 198, 1); /* æøå take two bytes, one character */
  assert_int_equal(parse(&l), 0);
  assert_int_equal(rec.type, CPR_REC_REGISTERED);
  assert_string_equal(rec.cpr, "0101901234");
  assert_string_equal(rec.kommunekode, "0580");
  assert_int_equal(rec.reason, 'F');
  assert_int_equal(rec.birth_date.year, 1990);
  assert_string_equal(rec.name.first_names, "Åse Marie");
  assert_string_equal(rec.name.last_name, "Ødegård");
  assert_string_equal(rec.address.street, "Ærøvej");
  assert_string_equal(rec.address.house_number, "3");
  assert_string_equal(rec.address.floor, "st");
  assert_string_equal(rec.address.door, "");
  assert_string_equal(rec.address.postcode, "6200");
  assert_string_equal(rec.address.city, "Aabenraa");
  l = rec_registered("0101901234", "0580", "20240101", "I", "19900101", "A", "B", &ADDR_AARHUS);
  assert_int_equal(parse(&l), 0);
  assert_int_equal(rec.reason, 'I');
  l = rec_registered("0101901234", "0580", "20240101", "X", "19900101", "A", "B", &ADDR_AARHUS);
  expect_reject(&l, "BAD_REASON");
  l = rec_registered("0101901234", "0580", "20240101", "F", "19900101", "A", " ", &ADDR_AARHUS);
  expect_reject(&l, "MISSING_FIELD");
  assert_non_null(strstr(err.detail, "last name"));
}

static void test_relocated(void **state) {
  (void)state;
  line_t l = rec_relocated("0101901234", "0751", "20240401", "0580", &ADDR_AABENRAA, &ADDR_AARHUS);
  assert_int_equal(parse(&l), 0);
  assert_int_equal(rec.type, CPR_REC_RELOCATED);
  assert_string_equal(rec.kommunekode, "0751");
  assert_string_equal(rec.old_kommunekode, "0580");
  assert_string_equal(rec.old_address.street, "Ærøvej");
  assert_string_equal(rec.address.street, "Vestergade");
  assert_string_equal(rec.address.house_number, "12B");
  assert_string_equal(rec.address.door, "tv");
  assert_int_equal(rec.date.month, 4);
  addr_t bad = ADDR_AARHUS;
  bad.postcode = "80O0";
  l = rec_relocated("0101901234", "0751", "20240401", "0580", &ADDR_AABENRAA, &bad);
  expect_reject(&l, "BAD_POSTCODE");
  assert_non_null(strstr(err.detail, "new address"));
  l = rec_relocated("0101901234", "0751", "20240401", "58", &ADDR_AABENRAA, &ADDR_AARHUS);
  expect_reject(&l, "BAD_KOMMUNEKODE");
}

static void test_name_changed(void **state) {
  (void)state;
  line_t l = rec_name("0101901234", "0751", "20240501", "Anna", "Hansen", "Anna Sofie", "Bæk");
  assert_int_equal(parse(&l), 0);
  assert_int_equal(rec.type, CPR_REC_NAME_CHANGED);
  assert_string_equal(rec.old_name.first_names, "Anna");
  assert_string_equal(rec.old_name.last_name, "Hansen");
  assert_string_equal(rec.name.first_names, "Anna Sofie");
  assert_string_equal(rec.name.last_name, "Bæk");
}

static void test_civil_status(void **state) {
  (void)state;
  line_t l = rec_civil("0101901234", "0751", "20240601", "G", "0202921234");
  assert_int_equal(parse(&l), 0);
  assert_int_equal(rec.civil_status, CPR_CIVIL_GIFT);
  assert_string_equal(rec.spouse_cpr, "0202921234");
  l = rec_civil("0101901234", "0751", "20240601", "F", "");
  assert_int_equal(parse(&l), 0);
  assert_int_equal(rec.civil_status, CPR_CIVIL_FRASKILT);
  assert_string_equal(rec.spouse_cpr, "");
  l = rec_civil("0101901234", "0751", "20240601", "Z", "");
  expect_reject(&l, "BAD_CIVIL_STATUS");
  l = rec_civil("0101901234", "0751", "20240601", "G", "02029212");
  expect_reject(&l, "BAD_SPOUSE_CPR");
}

static void test_protection(void **state) {
  (void)state;
  line_t l = rec_protection("0101901234", "0751", "20240101", "1", "20241231");
  assert_int_equal(parse(&l), 0);
  assert_int_equal(rec.protection_on, 1);
  assert_int_equal(rec.protection_to.year, 2024);
  l = rec_protection("0101901234", "0751", "20240101", "0", "");
  assert_int_equal(parse(&l), 0);
  assert_int_equal(rec.protection_on, 0);
  assert_int_equal(rec.protection_to.year, 0);
  l = rec_protection("0101901234", "0751", "20240101", "J", "");
  expect_reject(&l, "BAD_PROTECTION_FLAG");
  l = rec_protection("0101901234", "0751", "20240101", "1", "20241331");
  expect_reject(&l, "BAD_DATE");
}

static void test_emigrated_and_deceased(void **state) {
  (void)state;
  line_t l = rec_emigrated("0101901234", "0751", "20240701", "SE");
  assert_int_equal(parse(&l), 0);
  assert_int_equal(rec.type, CPR_REC_EMIGRATED);
  assert_string_equal(rec.country, "SE");
  l = rec_emigrated("0101901234", "0751", "20240701", "");
  assert_int_equal(parse(&l), 0);
  assert_string_equal(rec.country, "");
  l = rec_emigrated("0101901234", "0751", "20240701", "se");
  expect_reject(&l, "BAD_COUNTRY");
  l = rec_deceased("0101901234", "0751", "20240801");
  assert_int_equal(parse(&l), 0);
  assert_int_equal(rec.type, CPR_REC_DECEASED);
  assert_int_equal(rec.date.year, 2024);
  assert_int_equal(rec.date.month, 8);
}

static void test_wrong_lengths(void **state) {
  (void)state;
  line_t l = rec_deceased("0101901234", "0751", "20240801");
  l.len--; /* one short */
  expect_reject(&l, "BAD_LENGTH");
  assert_non_null(strstr(err.detail, "25"));
  l = rec_deceased("0101901234", "0751", "20240801");
  put(&l, "X", 1); /* one long */
  expect_reject(&l, "BAD_LENGTH");
  l = rec_relocated("0101901234", "0751", "20240401", "0580", &ADDR_AABENRAA, &ADDR_AARHUS);
  l.len -= 20; /* the city left out */
  expect_reject(&l, "BAD_LENGTH");
  /* Bytes are not characters: a 198-byte record with æøå is too short. */
  l = rec_registered("0101901234", "0580", "19900101", "F", "19900101", "Ærlig", "Ø", &ADDR_AARHUS);
  l.len = 198;
  l.s[198] = '\0';
  assert_int_equal(parse(&l), STAFET_EINVAL);
  line_t empty = {.len = 0};
  expect_reject(&empty, "BAD_RECORD_TYPE");
}

static void test_bad_dates(void **state) {
  (void)state;
  const char *bad[] = {"20240231", "20230229", "20241301", "20240100",
                       "2024 101", "00000000", "        ", "17991231"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    line_t l = rec_deceased("0101901234", "0751", bad[i]);
    expect_reject(&l, "BAD_DATE");
    assert_non_null(strstr(err.detail, "event date"));
  }
  line_t l = rec_deceased("0101901234", "0751", "20240229"); /* a leap day */
  assert_int_equal(parse(&l), 0);
  l = rec_registered("0101901234", "0580", "19900101", "F", "19900230", "A", "B", &ADDR_AARHUS);
  expect_reject(&l, "BAD_DATE");
  assert_non_null(strstr(err.detail, "birth date"));
  l = rec_start("F1", "20241232");
  expect_reject(&l, "BAD_DATE");
}

static void test_bad_record_type(void **state) {
  (void)state;
  line_t l = rec_deceased("0101901234", "0751", "20240801");
  memcpy(l.s, "008", 3);
  expect_reject(&l, "BAD_RECORD_TYPE");
  assert_non_null(strstr(err.detail, "008"));
  memcpy(l.s, "0A7", 3);
  expect_reject(&l, "BAD_RECORD_TYPE");
  line_t two = {.s = "00", .len = 2};
  expect_reject(&two, "BAD_RECORD_TYPE");
}

/* The modulus-11 check (weights 4 3 2 7 6 5 4 3 2 1). */
static int mod11_ok(const char *cpr) {
  static const int w[] = {4, 3, 2, 7, 6, 5, 4, 3, 2, 1};
  int sum = 0;
  for (int i = 0; i < 10; i++)
    sum += (cpr[i] - '0') * w[i];
  return sum % 11 == 0;
}

static void test_modulus11_failure_accepted(void **state) {
  (void)state;
  const char *numbers[] = {"0101901234", "2812994321", "1506071111"};
  for (size_t i = 0; i < 3; i++) {
    assert_false(mod11_ok(numbers[i]));
    line_t l = rec_deceased(numbers[i], "0751", "20240801");
    assert_int_equal(parse(&l), 0);
    assert_string_equal(rec.cpr, numbers[i]);
  }
  const char *bad[] = {"3201901234", "0113901234", "0001901234", "01019O1234", "010190123 "};
  for (size_t i = 0; i < 5; i++) {
    line_t l = rec_deceased(bad[i], "0751", "20240801");
    expect_reject(&l, "BAD_CPR");
  }
  line_t l = rec_deceased("0101901234", "07A1", "20240801");
  expect_reject(&l, "BAD_KOMMUNEKODE");
}

static void test_encoding(void **state) {
  (void)state;
  /* Latin-1 'Æ' (0xC6) where UTF-8 is expected. */
  line_t l = rec_name("0101901234", "0751", "20240501", "A", "B", "C", "D");
  l.s[30] = (char)0xC6;
  expect_reject(&l, "BAD_ENCODING");
  l = rec_name("0101901234", "0751", "20240501", "A", "B", "C", "D");
  l.s[40] = '\x01';
  expect_reject(&l, "BAD_ENCODING");
  /* An overlong encoding of '/' is not UTF-8 either. */
  l = rec_name("0101901234", "0751", "20240501", "A", "B", "C", "D");
  l.s[30] = (char)0xC0;
  l.s[31] = (char)0xAF;
  expect_reject(&l, "BAD_ENCODING");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_documented_lengths), cmocka_unit_test(test_control_records),
      cmocka_unit_test(test_registered),         cmocka_unit_test(test_relocated),
      cmocka_unit_test(test_name_changed),       cmocka_unit_test(test_civil_status),
      cmocka_unit_test(test_protection),         cmocka_unit_test(test_emigrated_and_deceased),
      cmocka_unit_test(test_wrong_lengths),      cmocka_unit_test(test_bad_dates),
      cmocka_unit_test(test_bad_record_type),    cmocka_unit_test(test_modulus11_failure_accepted),
      cmocka_unit_test(test_encoding),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
