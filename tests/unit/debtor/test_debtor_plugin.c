/*
 * test_debtor_plugin.c — the debtor plugin's callbacks against a recording
 * fake host, with real files: an export with bad lines (amount, date, claim
 * type, columns, quoting) publishes its good lines and rejects the bad ones
 * with line and reason; an unknown header rejects the file whole;
 * debt.summary.get answers from the store; cpr.person.deceased and
 * cpr.person.relocated become instruction files, acked only once written,
 * not written twice, not acked when the write fails, dead-lettered when the
 * payload does not decode; known_debtors_only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_host.h"
#include "testkit.h"

#include "stafet/events/v1/cpr.pb-c.h"
#include "stafet/events/v1/debt.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct ctx {
  char dir[256], spool[300], data[300], import[300], done[320], rejected[320];
  fake_host_t host;
  const stafet_adapter_t *plugin;
  void *state;
} ctx_t;

static int setup(void **state) {
  ctx_t *c = calloc(1, sizeof *c);
  testkit_tempdir(c->dir, "debtplugin");
  snprintf(c->spool, sizeof c->spool, "%s/spool", c->dir);
  snprintf(c->data, sizeof c->data, "%s/data", c->dir);
  snprintf(c->import, sizeof c->import, "%s/import", c->dir);
  snprintf(c->done, sizeof c->done, "%s/done", c->spool);
  snprintf(c->rejected, sizeof c->rejected, "%s/rejected", c->spool);
  fake_host_init(&c->host);
  fake_host_set(&c->host, "spool_dir", c->spool);
  fake_host_set(&c->host, "data_dir", c->data);
  fake_host_set(&c->host, "import_dir", c->import);
  fake_host_set(&c->host, "kommunekode", "0751");
  c->plugin = stafet_adapter_entry();
  *state = c;
  return 0;
}

static int teardown(void **state) {
  ctx_t *c = *state;
  if (c->state)
    c->plugin->stop(c->state);
  assert_false(fake_log_has_cpr(&c->host));
  fake_host_free(&c->host);
  int rc = testkit_rmrf(c->dir);
  free(c);
  return rc;
}

static void start(ctx_t *c) {
  assert_int_equal(c->plugin->init(&c->host.api, fake_host_handle(&c->host), &c->state), 0);
  assert_int_equal(c->plugin->start(c->state), 0);
}

static const char claims_csv[] =
    "fordring_id;debitor;fordringstype;beloeb;forfaldsdato;tekst\r\n"
    "F-1;010190-1234;DAGINSTITUTION;1.234,50;01-02-2024;\"Pasning; januar\"\r\n"
    "F-2;010190-1234;FAKTURA;12,34.5;01-02-2024;bad amount\r\n"
    "F-3;010190-1234;FAKTURA;100,00;31-02-2024;bad date\r\n"
    "F-4;010190-1234;HUNDESKAT;100,00;01-02-2024;unknown type\r\n"
    "F-5;010190-1234;FAKTURA;100,00\r\n"
    "F-6;010190-1234;FAKTURA;100,00;01-02-2024;\"not closed\r\n"
    "F-7;12345678;KONTROLAFGIFT;750;01-03-2024;Midttrafik\r\n"
    "F-8;010190-1234;FAKTURA;-5,00;01-03-2024;negative claim\r\n";

static void test_export_with_bad_lines(void **state) {
  ctx_t *c = *state;
  start(c);
  assert_int_equal(c->host.n_subscribed, 1);
  assert_string_equal(c->host.subscribed[0], "debtor_cpr_changes");
  assert_string_equal(c->host.sub_patterns[0], "cpr.person.deceased cpr.person.relocated");
  assert_string_equal(c->host.provided[0], "debt.summary.get");
  testkit_drop(c->spool, "fordringer-20240201.csv", claims_csv);
  c->plugin->on_tick(c->state);
  assert_int_equal(c->host.n_pubs, 2);
  fake_pub_t *p = &c->host.pubs[0];
  assert_string_equal(p->topic, "debt.claim.created");
  assert_string_equal(p->tenant, "0751");
  assert_string_equal(p->correlation_id, "fordringer-20240201.csv");
  assert_int_equal(p->sensitivity, STAFET_SENSITIVITY_PERSONAL);
  assert_string_equal(fake_pub_attr(p, "claim_type"), "childcare");
  assert_string_equal(p->message_id + strlen(p->message_id) - 2, "-2");
  Stafet__Events__V1__Debt__ClaimCreated *m =
      stafet__events__v1__debt__claim_created__unpack(NULL, p->len, p->payload);
  assert_int_equal(m->amount_oere, 123450);
  assert_string_equal(m->description, "Pasning; januar");
  stafet__events__v1__debt__claim_created__free_unpacked(m, NULL);
  assert_int_equal(c->host.pubs[1].sensitivity, 0); /* a company */
  assert_string_equal(fake_pub_attr(&c->host.pubs[1], "debtor_kind"), "cvr");

  char *rejects = testkit_slurp(c->rejected, "fordringer-20240201.csv.rejects");
  assert_non_null(rejects);
  const char *want[] = {"\n3;BAD_AMOUNT;beloeb is not an amount like 1.234,50;F-2;",
                        "\n4;BAD_DATE;",
                        "\n5;UNKNOWN_CLAIM_TYPE;",
                        "\n6;WRONG_COLUMN_COUNT;",
                        "\n7;BAD_QUOTING;",
                        "\n9;BAD_AMOUNT;beloeb must be more than 0;"};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    if (strstr(rejects, want[i]) == NULL)
      fail_msg("'%s' not in rejects:\n%s", want[i], rejects);
  free(rejects);
  char *done = testkit_slurp(c->done, "fordringer-20240201.csv");
  assert_non_null(done);
  free(done);
}

static void test_unknown_header_rejects_file(void **state) {
  ctx_t *c = *state;
  start(c);
  testkit_drop(c->spool, "x.csv", "id;amount\n1;2\n");
  c->plugin->on_tick(c->state);
  assert_int_equal(c->host.n_pubs, 0);
  char *reason = testkit_slurp(c->rejected, "x.csv.reason");
  assert_non_null(reason);
  assert_int_equal(strncmp(reason, "1;UNKNOWN_HEADER;", 17), 0);
  free(reason);
}

static void request(ctx_t *c, const char *payload) {
  stafet_envelope_t env = {0};
  stafet_request_t r = {.service = "debt.summary.get",
                        .request_id = "q1",
                        .envelope = &env,
                        .payload = payload,
                        .payload_len = strlen(payload)};
  fake_host_clear(&c->host);
  c->plugin->on_request(c->state, &r);
}

static void test_summary(void **state) {
  ctx_t *c = *state;
  start(c);
  testkit_drop(c->spool, "a-claims.csv", claims_csv);
  testkit_drop(c->spool, "b-payments.csv",
               "fordring_id;debitor;beloeb;betalingsdato;kanal\n"
               "F-1;010190-1234;234,50;10-02-2024;MobilePay\n");
  c->plugin->on_tick(c->state);
  c->plugin->on_tick(c->state);
  request(c, "0101901234");
  assert_int_equal(c->host.n_replies, 1);
  assert_non_null(strstr(c->host.reply, "\"debtor\":\"010190-1234\""));
  assert_non_null(strstr(c->host.reply, "\"open_claims\":1"));
  assert_non_null(strstr(c->host.reply, "\"total_owed_oere\":100000"));
  assert_non_null(strstr(c->host.reply, "\"total_owed_dkk\":\"1.000,00\""));
  request(c, "12345678");
  assert_non_null(strstr(c->host.reply, "\"total_owed_oere\":75000"));
  request(c, "050505-1234");
  assert_non_null(strstr(c->host.reply, "\"open_claims\":0"));
  request(c, "hello");
  assert_int_equal(c->host.n_reply_errors, 1);
}

/* A delivery of a CPR event, as the host hands it over. */
static void deliver(ctx_t *c, const char *topic, const char *message_id, const void *payload,
                    size_t len, unsigned sensitivity) {
  stafet_envelope_t env = {.message_id = message_id,
                           .topic = topic,
                           .type_name = "",
                           .source = "cpr",
                           .correlation_id = "",
                           .causation_id = "",
                           .tenant = "0751",
                           .sensitivity = sensitivity};
  stafet_delivery_t d = {.subscription = "debtor_cpr_changes",
                         .delivery_id = "1-0",
                         .delivery_count = 1,
                         .envelope = &env,
                         .payload = payload,
                         .payload_len = len};
  c->plugin->on_event(c->state, &d);
}

static void deliver_death(ctx_t *c, const char *message_id, const char *cpr) {
  Stafet__Events__V1__Cpr__PersonDeceased m = STAFET__EVENTS__V1__CPR__PERSON_DECEASED__INIT;
  Stafet__Events__V1__Date date = STAFET__EVENTS__V1__DATE__INIT;
  date.year = 2024, date.month = 3, date.day = 15;
  m.cpr = (char *)cpr;
  m.date = &date;
  uint8_t buf[128];
  size_t len = stafet__events__v1__cpr__person_deceased__pack(&m, buf);
  deliver(c, "cpr.person.deceased", message_id, buf, len, STAFET_SENSITIVITY_PERSONAL);
}

static void test_death_stops_dunning(void **state) {
  ctx_t *c = *state;
  start(c);
  testkit_drop(c->spool, "claims.csv", claims_csv);
  c->plugin->on_tick(c->state);
  deliver_death(c, "cpr-0a1b-5", "010190-1234");
  assert_int_equal(c->host.n_acked, 1);
  assert_int_equal(c->host.n_nacked, 0);
  char *text = testkit_slurp(c->import, "stafet-doedsbo-cpr-0a1b-5.csv");
  assert_non_null(text);
  assert_string_equal(text,
                      "instruktion_id;instruktion;debitor;dato;vejnavn;husnr;etage;doer;postnr;"
                      "postdistrikt;kommunekode;beskyttet\n"
                      "cpr-0a1b-5;DOEDSBO_STOP_RYKKER;010190-1234;15-03-2024;;;;;;;;0\n");
  free(text);
  request(c, "010190-1234");
  assert_non_null(strstr(c->host.reply, "\"dunning_stopped\":\"2024-03-15\""));
  /* Delivered again (the ack was lost): acked, not written again. */
  char path[600];
  snprintf(path, sizeof path, "%s/stafet-doedsbo-cpr-0a1b-5.csv", c->import);
  assert_int_equal(unlink(path), 0); /* the debtor system imported it */
  fake_host_clear(&c->host);
  deliver_death(c, "cpr-0a1b-5", "010190-1234");
  assert_int_equal(c->host.n_acked, 1);
  assert_int_equal(access(path, F_OK), -1);
}

static void test_relocation_new_address(void **state) {
  ctx_t *c = *state;
  start(c);
  Stafet__Events__V1__Cpr__PersonRelocated m = STAFET__EVENTS__V1__CPR__PERSON_RELOCATED__INIT;
  Stafet__Events__V1__Address to = STAFET__EVENTS__V1__ADDRESS__INIT;
  Stafet__Events__V1__Date date = STAFET__EVENTS__V1__DATE__INIT;
  date.year = 2024, date.month = 4, date.day = 1;
  to.street = "Vestergade", to.house_number = "12B", to.floor = "2", to.door = "tv";
  to.postcode = "8000", to.city = "Aarhus C", to.kommunekode = "0751";
  m.cpr = "0101901234";
  m.new_address = &to;
  m.new_kommunekode = "0751";
  m.old_kommunekode = "0580";
  m.move_date = &date;
  uint8_t buf[512];
  size_t len = stafet__events__v1__cpr__person_relocated__pack(&m, buf);
  deliver(c, "cpr.person.relocated", "cpr-77-3", buf, len,
          STAFET_SENSITIVITY_PERSONAL | STAFET_SENSITIVITY_PROTECTED);
  assert_int_equal(c->host.n_acked, 1);
  char *text = testkit_slurp(c->import, "stafet-adresse-cpr-77-3.csv");
  assert_non_null(text);
  assert_non_null(strstr(text, "\ncpr-77-3;NY_ADRESSE;010190-1234;01-04-2024;Vestergade;12B;2;tv;"
                               "8000;Aarhus C;0751;1\n"));
  free(text);
}

static void test_bad_payload_and_failed_write(void **state) {
  ctx_t *c = *state;
  start(c);
  deliver(c, "cpr.person.deceased", "cpr-x-1", "\xff\xff\xff", 3, STAFET_SENSITIVITY_PERSONAL);
  assert_int_equal(c->host.n_nacked, 1);
  assert_int_equal(c->host.nack_requeue[0], 0);
  assert_int_equal(c->host.n_acked, 0);
  /* The import directory is gone: nothing is acked, the hub will redeliver. */
  assert_int_equal(testkit_rmrf(c->import), 0);
  fake_host_clear(&c->host);
  deliver_death(c, "cpr-x-2", "010190-1234");
  assert_int_equal(c->host.n_acked, 0);
  assert_int_equal(c->host.n_nacked, 0);
  assert_true(c->host.n_error >= 1);
  /* Back again: the redelivery writes it. */
  assert_int_equal(mkdir(c->import, 0750), 0);
  deliver_death(c, "cpr-x-2", "010190-1234");
  assert_int_equal(c->host.n_acked, 1);
  char *text = testkit_slurp(c->import, "stafet-doedsbo-cpr-x-2.csv");
  assert_non_null(text);
  free(text);
}

static void test_known_debtors_only(void **state) {
  ctx_t *c = *state;
  fake_host_set(&c->host, "known_debtors_only", "yes");
  fake_host_set(&c->host, "subscription_filter", "tenant=0751");
  start(c);
  assert_string_equal(c->host.sub_filters[0], "tenant=0751");
  testkit_drop(c->spool, "claims.csv", claims_csv);
  c->plugin->on_tick(c->state);
  deliver_death(c, "cpr-k-1", "020292-1234"); /* not a debtor */
  assert_int_equal(c->host.n_acked, 1);
  char *text = testkit_slurp(c->import, "stafet-doedsbo-cpr-k-1.csv");
  assert_null(text);
  deliver_death(c, "cpr-k-2", "010190-1234");
  text = testkit_slurp(c->import, "stafet-doedsbo-cpr-k-2.csv");
  assert_non_null(text);
  free(text);
}

static void test_settings_checked(void **state) {
  ctx_t *c = *state;
  fake_host_set(&c->host, "kommunekode", "751");
  assert_int_equal(c->plugin->init(&c->host.api, fake_host_handle(&c->host), &c->state),
                   STAFET_EINVAL);
  fake_host_set(&c->host, "kommunekode", "0751");
  fake_host_set(&c->host, "known_debtors_only", "maybe");
  assert_int_equal(c->plugin->init(&c->host.api, fake_host_handle(&c->host), &c->state),
                   STAFET_EINVAL);
  fake_host_set(&c->host, "known_debtors_only", "no");
  fake_host_set(&c->host, "import_dir", "");
  assert_int_equal(c->plugin->init(&c->host.api, fake_host_handle(&c->host), &c->state),
                   STAFET_EINVAL);
  assert_non_null(strstr(c->host.log, "key=import_dir"));
  c->state = NULL;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_export_with_bad_lines, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unknown_header_rejects_file, setup, teardown),
      cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
      cmocka_unit_test_setup_teardown(test_death_stops_dunning, setup, teardown),
      cmocka_unit_test_setup_teardown(test_relocation_new_address, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_payload_and_failed_write, setup, teardown),
      cmocka_unit_test_setup_teardown(test_known_debtors_only, setup, teardown),
      cmocka_unit_test_setup_teardown(test_settings_checked, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
