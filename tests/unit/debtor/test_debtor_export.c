/*
 * test_debtor_export.c — the export kinds: headers recognised (case, BOM),
 * every kind's line read into a row, and each reason a line is refused for:
 * wrong column count, bad amount, bad date, unknown claim type, bad debtor,
 * bad channel, bad reason, bad count, bad ids; instalment dates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "export.h"

#include "stafet.h"
#include "stafet/events/v1/debt.pb-c.h"

#include <string.h>

static char buf[1024];
static debt_row_t row;
static debt_error_t err;

static int parse(debt_kind_t kind, const char *line) {
  csv_row_t r;
  assert_int_equal(csv_split(line, strlen(line), buf, &r), 0);
  memset(&err, 0, sizeof err);
  return debt_row_parse(kind, &r, &row, &err);
}

static void expect(debt_kind_t kind, const char *line, const char *code) {
  if (parse(kind, line) != STAFET_EINVAL)
    fail_msg("accepted: %s", line);
  assert_string_equal(err.code, code);
  assert_null(strstr(err.detail, "0101901234"));
  assert_null(strstr(err.detail, "010190-1234"));
}

static debt_kind_t kind_of(const char *header) {
  csv_row_t r;
  debt_kind_t k = DEBT_KINDS;
  assert_int_equal(csv_split(header, strlen(header), buf, &r), 0);
  return debt_kind_from_header(&r, &k) == 0 ? k : DEBT_KINDS;
}

static void test_headers(void **state) {
  (void)state;
  for (int k = 0; k < DEBT_KINDS; k++)
    assert_int_equal(kind_of(debt_kind_header((debt_kind_t)k)), k);
  assert_int_equal(kind_of("\xEF\xBB\xBF"
                           "FORDRING_ID; Debitor ;fordringstype;beloeb;forfaldsdato;tekst"),
                   DEBT_CLAIMS);
  assert_int_equal(kind_of("fordring_id;debitor;beloeb"), DEBT_KINDS);
  assert_int_equal(kind_of("id;name;amount;date;channel"), DEBT_KINDS);
  assert_string_equal(debt_kind_topic(DEBT_TRANSFERS), "debt.claim.transferred_to_collection");
}

static void test_claim(void **state) {
  (void)state;
  assert_int_equal(parse(DEBT_CLAIMS, "F-1001;010190-1234;DAGINSTITUTION;1.234,50;01-02-2024;"
                                      "\"Pasning; januar\""),
                   0);
  assert_string_equal(row.id, "F-1001");
  assert_string_equal(row.debtor.cpr, "010190-1234");
  assert_string_equal(row.debtor.cvr, "");
  assert_int_equal(row.claim_type, STAFET__EVENTS__V1__DEBT__CLAIM_TYPE__CLAIM_TYPE_CHILDCARE);
  assert_int_equal(row.amount_oere, 123450);
  assert_int_equal(row.date.month, 2);
  assert_string_equal(row.text, "Pasning; januar");
  assert_int_equal(parse(DEBT_CLAIMS, "F-2;12345678;kontrolafgift;750;2024-03-01;Midttrafik"), 0);
  assert_string_equal(row.debtor.cvr, "12345678");
  assert_string_equal(row.debtor.cpr, "");
  assert_string_equal(debt_claim_type_name(row.claim_type), "control_fee");
  expect(DEBT_CLAIMS, "F-3;0101901234;HUNDESKAT;100,00;01-02-2024;", "UNKNOWN_CLAIM_TYPE");
  expect(DEBT_CLAIMS, "F-3;0101901234;FAKTURA;1,234.50;01-02-2024;", "BAD_AMOUNT");
  expect(DEBT_CLAIMS, "F-3;0101901234;FAKTURA;-100,00;01-02-2024;", "BAD_AMOUNT");
  expect(DEBT_CLAIMS, "F-3;0101901234;FAKTURA;0;01-02-2024;", "BAD_AMOUNT");
  expect(DEBT_CLAIMS, "F-3;0101901234;FAKTURA;100,00;30-02-2024;", "BAD_DATE");
  expect(DEBT_CLAIMS, "F-3;0101901234;FAKTURA;100,00;01-02-2024", "WRONG_COLUMN_COUNT");
  expect(DEBT_CLAIMS, "F-3;0101901234;FAKTURA;100,00;01-02-2024;x;y", "WRONG_COLUMN_COUNT");
  expect(DEBT_CLAIMS, "F-3;010190123;FAKTURA;100,00;01-02-2024;", "BAD_DEBTOR");
  expect(DEBT_CLAIMS, "F-3;3201901234;FAKTURA;100,00;01-02-2024;", "BAD_DEBTOR");
  expect(DEBT_CLAIMS, ";0101901234;FAKTURA;100,00;01-02-2024;", "MISSING_FIELD");
  expect(DEBT_CLAIMS, "F 3;0101901234;FAKTURA;100,00;01-02-2024;", "BAD_ID");
}

static void test_payment(void **state) {
  (void)state;
  assert_int_equal(parse(DEBT_PAYMENTS, "F-1001;010190-1234;500,00;15-02-2024;MobilePay"), 0);
  assert_int_equal(row.amount_oere, 50000);
  assert_int_equal(row.channel,
                   STAFET__EVENTS__V1__DEBT__PAYMENT_RECEIVED__CHANNEL__CHANNEL_MOBILEPAY);
  assert_int_equal(parse(DEBT_PAYMENTS, "F-1001;010190-1234;-500,00;16-02-2024;BS"), 0);
  assert_int_equal(row.amount_oere, -50000); /* a reversal */
  expect(DEBT_PAYMENTS, "F-1001;010190-1234;0,00;16-02-2024;BS", "BAD_AMOUNT");
  expect(DEBT_PAYMENTS, "F-1001;010190-1234;5,00;16-02-2024;CHECK", "BAD_CHANNEL");
}

static void test_agreement(void **state) {
  (void)state;
  assert_int_equal(parse(DEBT_AGREEMENTS, "A-7;010190-1234;F-1001, F-1002;31-01-2024;3;400,00"), 0);
  assert_string_equal(row.id, "A-7");
  assert_int_equal(row.n_claim_ids, 2);
  assert_string_equal(row.claim_ids[1], "F-1002");
  assert_int_equal(row.n_instalments, 3);
  assert_int_equal(row.amount_oere, 40000);
  expect(DEBT_AGREEMENTS, "A-7;010190-1234;F-1001;31-01-2024;0;400,00", "BAD_COUNT");
  expect(DEBT_AGREEMENTS, "A-7;010190-1234;F-1001;31-01-2024;121;400,00", "BAD_COUNT");
  expect(DEBT_AGREEMENTS, "A-7;010190-1234;F-1001;31-01-2024;x;400,00", "BAD_COUNT");
  expect(DEBT_AGREEMENTS, "A-7;010190-1234;F 1001;31-01-2024;3;400,00", "BAD_ID");
  expect(DEBT_AGREEMENTS, "A-7;010190-1234;,;31-01-2024;3;400,00", "BAD_ID");
  sdate_t first = {2024, 1, 31};
  sdate_t d = debt_instalment_date(first, 1);
  assert_int_equal(d.month, 2);
  assert_int_equal(d.day, 29); /* leap year, shorter month */
  d = debt_instalment_date(first, 11);
  assert_int_equal(d.year, 2024);
  assert_int_equal(d.month, 12);
  d = debt_instalment_date(first, 12);
  assert_int_equal(d.year, 2025);
  assert_int_equal(d.month, 1);
  assert_int_equal(d.day, 31);
}

static void test_transfer_and_closure(void **state) {
  (void)state;
  assert_int_equal(parse(DEBT_TRANSFERS, "F-1001;010190-1234;01-06-2024;734,50"), 0);
  assert_int_equal(row.amount_oere, 73450);
  expect(DEBT_TRANSFERS, "F-1001;010190-1234;01-06-2024;-1,00", "BAD_AMOUNT");
  assert_int_equal(parse(DEBT_CLOSURES, "F-1001;010190-1234;01-07-2024;doedsbo"), 0);
  assert_int_equal(row.close_reason, STAFET__EVENTS__V1__DEBT__CLAIM_CLOSED__REASON__REASON_ESTATE);
  assert_string_equal(debt_close_reason_name(row.close_reason), "estate");
  expect(DEBT_CLOSURES, "F-1001;010190-1234;01-07-2024;GLEMT", "BAD_REASON");
  expect(DEBT_CLOSURES, "F-1001;010190-1234;2024-07-32;BETALT", "BAD_DATE");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_headers),
      cmocka_unit_test(test_claim),
      cmocka_unit_test(test_payment),
      cmocka_unit_test(test_agreement),
      cmocka_unit_test(test_transfer_and_closure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
