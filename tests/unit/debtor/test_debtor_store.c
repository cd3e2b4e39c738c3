/*
 * test_debtor_store.c — the debtor adapter's SQLite store: claims, payments
 * (applied twice, counted once), transfers, closures, agreements, the
 * debt.summary.get numbers and JSON, estates, instructions, and that it all
 * survives closing and reopening.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "debtor_rows.h"
#include "store.h"
#include "summary_json.h"

#include "stafet.h"
#include "testkit.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

static char dir[256], db[300];

static int setup(void **state) {
  testkit_tempdir(dir, "debtstore");
  snprintf(db, sizeof db, "%s/debtor.sqlite", dir);
  debt_store_t *s;
  if (debt_store_open(&s, db) != 0)
    return -1;
  *state = s;
  return 0;
}

static int teardown(void **state) {
  debt_store_close(*state);
  return testkit_rmrf(dir);
}

static void apply(debt_store_t *s, debt_kind_t kind, const char *line, const char *source) {
  debt_row_t row = row_of(kind, line);
  assert_int_equal(debt_store_apply(s, &row, source), 0);
}

static const debt_party_t ANNA = {"010190-1234", ""};

static void seed(debt_store_t *s) {
  apply(s, DEBT_CLAIMS, "F-1;010190-1234;DAGINSTITUTION;1.234,50;01-02-2024;jan", "m1");
  apply(s, DEBT_CLAIMS, "F-2;010190-1234;FAKTURA;100,00;01-01-2024;", "m2");
  apply(s, DEBT_CLAIMS, "F-3;020292-1234;FAKTURA;999,00;01-01-2024;", "m3");
  apply(s, DEBT_PAYMENTS, "F-1;010190-1234;234,50;10-02-2024;BS", "m4");
}

static void test_summary_numbers(void **state) {
  debt_store_t *s = *state;
  seed(s);
  apply(s, DEBT_PAYMENTS, "F-1;010190-1234;234,50;10-02-2024;BS", "m4"); /* the same line again */
  debt_summary_t sum;
  assert_int_equal(debt_store_summary(s, &ANNA, &sum), 0);
  assert_int_equal(sum.n_claims, 2);
  assert_string_equal(sum.claims[0].claim_id, "F-2"); /* by due date */
  assert_string_equal(sum.claims[1].claim_id, "F-1");
  assert_int_equal(sum.claims[1].paid_oere, 23450);
  assert_int_equal(sum.claims[1].owed_oere, 100000);
  assert_int_equal(sum.total_owed_oere, 110000);
  assert_int_equal(sum.estate_date.year, 0);
  debt_summary_free(&sum);
  /* Transferred: owed is the remaining amount; closed: gone from the summary. */
  apply(s, DEBT_TRANSFERS, "F-1;010190-1234;01-06-2024;900,00", "m5");
  apply(s, DEBT_CLOSURES, "F-2;010190-1234;01-07-2024;BETALT", "m6");
  assert_int_equal(debt_store_summary(s, &ANNA, &sum), 0);
  assert_int_equal(sum.n_claims, 1);
  assert_true(sum.claims[0].transferred);
  assert_int_equal(sum.claims[0].owed_oere, 90000);
  assert_int_equal(sum.total_owed_oere, 90000);
  debt_summary_free(&sum);
  /* A closed claim stays closed when a late transfer line comes. */
  apply(s, DEBT_TRANSFERS, "F-2;010190-1234;02-07-2024;10,00", "m7");
  assert_int_equal(debt_store_summary(s, &ANNA, &sum), 0);
  assert_int_equal(sum.n_claims, 1);
  debt_summary_free(&sum);
  debt_party_t nobody = {"050505-1234", ""};
  assert_int_equal(debt_store_summary(s, &nobody, &sum), 0);
  assert_int_equal(sum.n_claims, 0);
  assert_int_equal(sum.total_owed_oere, 0);
  debt_summary_free(&sum);
}

static void test_company_and_agreement(void **state) {
  debt_store_t *s = *state;
  apply(s, DEBT_CLAIMS, "F-9;12345678;KONTROLAFGIFT;750,00;01-03-2024;Midttrafik", "m1");
  apply(s, DEBT_AGREEMENTS, "A-1;010190-1234;F-1,F-2;31-01-2024;3;400,00", "m2");
  debt_party_t company = {"", "12345678"};
  debt_summary_t sum;
  assert_int_equal(debt_store_summary(s, &company, &sum), 0);
  assert_int_equal(sum.n_claims, 1);
  assert_int_equal(sum.n_agreements, 0);
  debt_summary_free(&sum);
  assert_int_equal(debt_store_summary(s, &ANNA, &sum), 0);
  assert_int_equal(sum.n_agreements, 1);
  assert_string_equal(sum.agreements[0].claim_ids, "F-1,F-2");
  assert_int_equal(sum.agreements[0].n_instalments, 3);
  assert_int_equal(sum.agreements[0].instalment_oere, 40000);
  debt_summary_free(&sum);
}

static void test_instructions_estates_and_reopen(void **state) {
  debt_store_t *s = *state;
  seed(s);
  int flag = -1;
  assert_int_equal(debt_store_is_debtor(s, "010190-1234", &flag), 0);
  assert_int_equal(flag, 1);
  assert_int_equal(debt_store_is_debtor(s, "050505-1234", &flag), 0);
  assert_int_equal(flag, 0);
  assert_int_equal(debt_store_instruction_written(s, "cpr-x-5", &flag), 0);
  assert_int_equal(flag, 0);
  assert_int_equal(debt_store_begin(s), 0);
  assert_int_equal(debt_store_instruction_record(s, "cpr-x-5", "DOEDSBO_STOP_RYKKER", "010190-1234",
                                                 "stafet-doedsbo-cpr-x-5.csv"),
                   0);
  sdate_t died = {2024, 3, 15};
  assert_int_equal(debt_store_estate_record(s, "010190-1234", died), 0);
  assert_int_equal(debt_store_commit(s), 0);
  debt_store_close(s);
  assert_int_equal(debt_store_open(&s, db), 0);
  *state = s;
  assert_int_equal(debt_store_instruction_written(s, "cpr-x-5", &flag), 0);
  assert_int_equal(flag, 1);
  debt_summary_t sum;
  assert_int_equal(debt_store_summary(s, &ANNA, &sum), 0);
  assert_int_equal(sum.estate_date.day, 15);
  assert_int_equal(sum.n_claims, 2);
  char *json;
  size_t len;
  assert_int_equal(debt_summary_json("010190-1234", &sum, &json, &len), 0);
  json_t *root = json_loads(json, 0, NULL);
  assert_non_null(root);
  assert_string_equal(json_string_value(json_object_get(root, "debtor")), "010190-1234");
  assert_int_equal(json_integer_value(json_object_get(root, "open_claims")), 2);
  assert_int_equal(json_integer_value(json_object_get(root, "total_owed_oere")), 110000);
  assert_string_equal(json_string_value(json_object_get(root, "total_owed_dkk")), "1.100,00");
  assert_string_equal(json_string_value(json_object_get(root, "dunning_stopped")), "2024-03-15");
  json_t *c = json_array_get(json_object_get(root, "claims"), 1);
  assert_string_equal(json_string_value(json_object_get(c, "claim_type")), "childcare");
  assert_int_equal(json_integer_value(json_object_get(c, "owed_oere")), 100000);
  assert_string_equal(json_string_value(json_object_get(c, "status")), "open");
  assert_string_equal(json_string_value(json_object_get(c, "due_date")), "2024-02-01");
  json_decref(root);
  free(json);
  debt_summary_free(&sum);
}

static void test_rollback(void **state) {
  debt_store_t *s = *state;
  assert_int_equal(debt_store_begin(s), 0);
  seed(s);
  debt_store_rollback(s);
  debt_summary_t sum;
  assert_int_equal(debt_store_summary(s, &ANNA, &sum), 0);
  assert_int_equal(sum.n_claims, 0);
  debt_summary_free(&sum);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_summary_numbers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_company_and_agreement, setup, teardown),
      cmocka_unit_test_setup_teardown(test_instructions_estates_and_reopen, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
