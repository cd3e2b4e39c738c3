/*
 * test_debtor_event.c — export lines as debt.* events (every kind decoded
 * again with the generated code: ids, debtor, amounts in øre, dates,
 * instalments), sensitivity by debtor kind, and instruction files (text,
 * quoting, names).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "debtor_rows.h"
#include "event.h"
#include "instruction.h"

#include "stafet/events/v1/debt.pb-c.h"

static debt_event_t ev;

static void build(debt_kind_t kind, const char *line) {
  debt_row_t row = row_of(kind, line);
  assert_int_equal(debt_event_build(&row, &ev), 0);
}

static void test_claim_created(void **state) {
  (void)state;
  build(DEBT_CLAIMS, "F-1;010190-1234;DAGINSTITUTION;1.234,50;01-02-2024;\"Pasning; jan\"");
  assert_string_equal(ev.topic, "debt.claim.created");
  assert_string_equal(ev.type_name, "stafet.events.v1.debt.ClaimCreated");
  assert_int_equal(ev.sensitivity, STAFET_SENSITIVITY_PERSONAL);
  stafet_envelope_t env;
  debt_event_envelope(&ev, &env);
  assert_int_equal(env.schema_version, 1);
  assert_int_equal(env.n_attributes, 2);
  assert_string_equal(env.attributes[0].value, "cpr");
  assert_string_equal(env.attributes[1].key, "claim_type");
  assert_string_equal(env.attributes[1].value, "childcare");
  Stafet__Events__V1__Debt__ClaimCreated *m =
      stafet__events__v1__debt__claim_created__unpack(NULL, ev.len, ev.payload);
  assert_non_null(m);
  assert_string_equal(m->claim_id, "F-1");
  assert_int_equal(m->debtor->id_case, STAFET__EVENTS__V1__PARTY_REF__ID_CPR);
  assert_string_equal(m->debtor->cpr, "010190-1234");
  assert_int_equal(m->amount_oere, 123450);
  assert_int_equal(m->due_date->month, 2);
  assert_string_equal(m->description, "Pasning; jan");
  stafet__events__v1__debt__claim_created__free_unpacked(m, NULL);
  debt_event_free(&ev);
  build(DEBT_CLAIMS, "F-2;12345678;KONTROLAFGIFT;750;01-02-2024;");
  assert_int_equal(ev.sensitivity, 0); /* a company */
  m = stafet__events__v1__debt__claim_created__unpack(NULL, ev.len, ev.payload);
  assert_int_equal(m->debtor->id_case, STAFET__EVENTS__V1__PARTY_REF__ID_CVR);
  assert_string_equal(m->debtor->cvr, "12345678");
  stafet__events__v1__debt__claim_created__free_unpacked(m, NULL);
  debt_event_free(&ev);
}

static void test_payment_transfer_closure(void **state) {
  (void)state;
  build(DEBT_PAYMENTS, "F-1;010190-1234;-12,50;10-02-2024;MODREGNING");
  Stafet__Events__V1__Debt__PaymentReceived *p =
      stafet__events__v1__debt__payment_received__unpack(NULL, ev.len, ev.payload);
  assert_int_equal(p->amount_oere, -1250);
  assert_int_equal(p->channel,
                   STAFET__EVENTS__V1__DEBT__PAYMENT_RECEIVED__CHANNEL__CHANNEL_SET_OFF);
  stafet__events__v1__debt__payment_received__free_unpacked(p, NULL);
  debt_event_free(&ev);
  build(DEBT_TRANSFERS, "F-1;010190-1234;01-06-2024;900,00");
  assert_string_equal(ev.topic, "debt.claim.transferred_to_collection");
  Stafet__Events__V1__Debt__ClaimTransferredToCollection *t =
      stafet__events__v1__debt__claim_transferred_to_collection__unpack(NULL, ev.len, ev.payload);
  assert_int_equal(t->remaining_oere, 90000);
  assert_int_equal(t->date->day, 1);
  stafet__events__v1__debt__claim_transferred_to_collection__free_unpacked(t, NULL);
  debt_event_free(&ev);
  build(DEBT_CLOSURES, "F-1;010190-1234;01-07-2024;DOEDSBO");
  Stafet__Events__V1__Debt__ClaimClosed *c =
      stafet__events__v1__debt__claim_closed__unpack(NULL, ev.len, ev.payload);
  assert_int_equal(c->reason, STAFET__EVENTS__V1__DEBT__CLAIM_CLOSED__REASON__REASON_ESTATE);
  stafet__events__v1__debt__claim_closed__free_unpacked(c, NULL);
  debt_event_free(&ev);
}

static void test_agreement(void **state) {
  (void)state;
  build(DEBT_AGREEMENTS, "A-1;010190-1234;F-1,F-2;31-01-2024;3;400,00");
  Stafet__Events__V1__Debt__AgreementCreated *a =
      stafet__events__v1__debt__agreement_created__unpack(NULL, ev.len, ev.payload);
  assert_non_null(a);
  assert_string_equal(a->agreement_id, "A-1");
  assert_int_equal(a->n_claim_ids, 2);
  assert_string_equal(a->claim_ids[1], "F-2");
  assert_int_equal(a->n_instalments, 3);
  assert_int_equal(a->instalments[1]->due_date->month, 2);
  assert_int_equal(a->instalments[1]->due_date->day, 29);
  assert_int_equal(a->instalments[2]->due_date->day, 31);
  assert_int_equal(a->instalments[2]->amount_oere, 40000);
  stafet__events__v1__debt__agreement_created__free_unpacked(a, NULL);
  debt_event_free(&ev);
}

static void test_instruction_files(void **state) {
  (void)state;
  char text[1024], name[SPOOL_NAME_MAX];
  size_t len;
  debt_instruction_t stop = {
      .kind = DEBT_STOP_DUNNING, .id = "cpr-00ff-5", .cpr = "010190-1234", .date = {2024, 3, 15}};
  assert_int_equal(debt_instruction_render(&stop, text, sizeof text, &len), 0);
  assert_string_equal(text, DEBT_INSTRUCTION_HEADER "\n"
                                                    "cpr-00ff-5;DOEDSBO_STOP_RYKKER;010190-1234;15-"
                                                    "03-2024;;;;;;;;0\n");
  assert_int_equal(len, strlen(text));
  debt_instruction_file_name(&stop, name);
  assert_string_equal(name, "stafet-doedsbo-cpr-00ff-5.csv");
  debt_instruction_t move = {.kind = DEBT_NEW_ADDRESS,
                             .id = "cpr:x/7",
                             .cpr = "010190-1234",
                             .date = {2024, 4, 1},
                             .street = "Vestergade; baghuset",
                             .house_number = "12B",
                             .floor = "2",
                             .door = "tv",
                             .postcode = "8000",
                             .city = "Aarhus C",
                             .kommunekode = "0751",
                             .protected_ = 1};
  assert_int_equal(debt_instruction_render(&move, text, sizeof text, &len), 0);
  assert_non_null(strstr(text, "\ncpr:x/7;NY_ADRESSE;010190-1234;01-04-2024;\"Vestergade; "
                               "baghuset\";12B;2;tv;8000;Aarhus C;0751;1\n"));
  debt_instruction_file_name(&move, name);
  assert_string_equal(name, "stafet-adresse-cpr_x_7.csv");
  assert_int_equal(debt_instruction_render(&move, text, 40, &len), STAFET_ETOOBIG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_claim_created),
      cmocka_unit_test(test_payment_transfer_closure),
      cmocka_unit_test(test_agreement),
      cmocka_unit_test(test_instruction_files),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
