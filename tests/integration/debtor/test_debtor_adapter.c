/*
 * test_debtor_adapter.c — the debtor adapter end to end: a real hub (private
 * Redis), the real plugin host (stafet-adapter) running
 * libstafet_adapter_debtor.so, and libstafet clients as the CPR adapter and
 * the departments.
 *
 *  - a claims export with a bad amount: the good lines are published as
 *    debt.claim.created (amounts in øre), the bad one is in rejected/ with its
 *    line and reason;
 *  - cpr.person.deceased -> the "stop dunning" instruction file
 *    (DOEDSBO_STOP_RYKKER) in the import directory;
 *  - debt.summary.get answers what the person owes and that dunning stopped.
 */
#include "it_adapter.h"

#include "stafet/events/v1/cpr.pb-c.h"
#include "stafet/events/v1/debt.pb-c.h"

#include <sys/stat.h>

typedef struct it {
  world_t *w;
  char spool[300], data[300], import[300], done[320], rejected[320];
  th_adapter_t host;
} it_t;

static it_t T;

static int setup(void **state) {
  static const char *const extra[] = {"--ack-timeout-ms", "5000", NULL};
  memset(&T, 0, sizeof T);
  if (world_up(state, extra) != 0)
    return -1;
  T.w = *state;
  snprintf(T.spool, sizeof T.spool, "%s/debtor-spool", T.w->dir);
  snprintf(T.data, sizeof T.data, "%s/debtor-data", T.w->dir);
  snprintf(T.import, sizeof T.import, "%s/debtor-import", T.w->dir);
  snprintf(T.done, sizeof T.done, "%s/done", T.spool);
  snprintf(T.rejected, sizeof T.rejected, "%s/rejected", T.spool);
  char plugin[2048];
  snprintf(plugin, sizeof plugin,
           "[plugin debtor]\npath = %s\nspool_dir = %s\ndata_dir = %s\nimport_dir = %s\n"
           "kommunekode = 0751\n",
           STAFET_DEBTOR_PLUGIN, T.spool, T.data, T.import);
  it_host_start(&T.host, T.w, "host", plugin);
  /* "reading spool" comes after the subscription and the service are in place. */
  return it_host_wait_log(&T.host, "debtor", "reading spool", 1, NULL) ? 0 : -1;
}

static int teardown(void **state) {
  if (T.host.pid > 0)
    it_host_stop(&T.host);
  return world_down(state);
}

/* What the collection department saw. */
typedef struct seen {
  size_t n;
  int64_t amounts[8];
  char tenant[8];
} seen_t;

static void on_debt(stafet_client_t *c, const stafet_delivery_t *d, void *arg) {
  seen_t *s = arg;
  if (strcmp(d->envelope->topic, "debt.claim.created") == 0 && s->n < 8) {
    Stafet__Events__V1__Debt__ClaimCreated *m =
        stafet__events__v1__debt__claim_created__unpack(NULL, d->payload_len, d->payload);
    s->amounts[s->n] = m ? m->amount_oere : -1;
    if (m)
      stafet__events__v1__debt__claim_created__free_unpacked(m, NULL);
  }
  snprintf(s->tenant, sizeof s->tenant, "%s", d->envelope->tenant);
  s->n++;
  stafet_client_ack(c, d->subscription, d->delivery_id);
}

static const char claims_csv[] =
    "fordring_id;debitor;fordringstype;beloeb;forfaldsdato;tekst\r\n"
    "F-1;010190-1234;DAGINSTITUTION;1.234,50;01-02-2024;Pasning januar\r\n"
    "F-2;010190-1234;FAKTURA;12,345;01-02-2024;bad amount\r\n"
    "F-3;010190-1234;FAKTURA;100,00;01-03-2024;\"Faktura; marts\"\r\n"
    "F-4;12345678;KONTROLAFGIFT;750;01-03-2024;Midttrafik\r\n";

static void test_export_with_bad_amount(void **state) {
  (void)state;
  stafet_client_t *c = th_client(T.w->hub.endpoint, "opkraevning");
  seen_t seen = {0};
  const char *patterns[] = {"debt.#"};
  stafet_subscription_t sub = {.name = "opkraevning", .patterns = patterns, .n_patterns = 1};
  assert_int_equal(stafet_client_subscribe(c, &sub, on_debt, &seen, 15000), 0);
  stafet_client_t *clients[] = {c, NULL};
  testkit_drop(T.spool, "fordringer-20240201.csv", claims_csv);
  assert_true(it_wait_count(clients, &seen.n, 3));
  assert_int_equal(seen.amounts[0], 123450);
  assert_int_equal(seen.amounts[1], 10000);
  assert_int_equal(seen.amounts[2], 75000);
  assert_string_equal(seen.tenant, "0751");
  assert_true(it_wait_file(clients, T.done, "fordringer-20240201.csv"));
  char *rejects = testkit_slurp(T.rejected, "fordringer-20240201.csv.rejects");
  assert_non_null(rejects);
  assert_non_null(strstr(rejects, "\n3;BAD_AMOUNT;beloeb is not an amount like 1.234,50;F-2;"));
  free(rejects);
  th_poll_for(clients, 200); /* the bad line must not arrive late */
  assert_int_equal(seen.n, 3);
  stafet_client_destroy(c);
}

/* Publishes cpr.person.deceased as the cpr adapter would, and waits for the ack. */
static void publish_death(stafet_client_t *c, const char *message_id, const char *cpr) {
  Stafet__Events__V1__Cpr__PersonDeceased m = STAFET__EVENTS__V1__CPR__PERSON_DECEASED__INIT;
  Stafet__Events__V1__Date date = STAFET__EVENTS__V1__DATE__INIT;
  date.year = 2024, date.month = 3, date.day = 15;
  m.cpr = (char *)cpr;
  m.date = &date;
  uint8_t buf[128];
  size_t len = stafet__events__v1__cpr__person_deceased__pack(&m, buf);
  stafet_envelope_t env = {.message_id = message_id,
                           .topic = "cpr.person.deceased",
                           .type_name = "stafet.events.v1.cpr.PersonDeceased",
                           .schema_version = 1,
                           .tenant = "0751",
                           .sensitivity = STAFET_SENSITIVITY_PERSONAL};
  assert_int_equal(stafet_client_publish(c, &env, buf, len, NULL, NULL, NULL), 0);
  assert_int_equal(stafet_client_flush(c, 10000), 0);
}

static void test_death_stops_dunning(void **state) {
  (void)state;
  stafet_client_t *cpr = th_client(T.w->hub.endpoint, "cpr");
  stafet_client_t *clients[] = {cpr, NULL};
  testkit_drop(T.spool, "fordringer.csv", claims_csv);
  assert_true(it_wait_file(clients, T.done, "fordringer.csv"));
  char answer[8192];
  assert_int_equal(IT_ASK(clients, "debt.summary.get", "010190-1234", answer), 0);
  assert_non_null(strstr(answer, "\"open_claims\":2"));
  assert_non_null(strstr(answer, "\"total_owed_oere\":133450"));
  assert_non_null(strstr(answer, "\"dunning_stopped\":null"));

  publish_death(cpr, "cpr-it-death-1", "010190-1234");
  assert_true(it_wait_file(clients, T.import, "stafet-doedsbo-cpr-it-death-1.csv"));
  char *text = testkit_slurp(T.import, "stafet-doedsbo-cpr-it-death-1.csv");
  assert_string_equal(text, "instruktion_id;instruktion;debitor;dato;vejnavn;husnr;etage;doer;"
                            "postnr;postdistrikt;kommunekode;beskyttet\n"
                            "cpr-it-death-1;DOEDSBO_STOP_RYKKER;010190-1234;15-03-2024;;;;;;;;0\n");
  free(text);
  assert_false(testkit_exists(T.import, ".stafet-doedsbo-cpr-it-death-1.csv.tmp"));
  assert_int_equal(IT_ASK(clients, "debt.summary.get", "010190-1234", answer), 0);
  assert_non_null(strstr(answer, "\"dunning_stopped\":\"2024-03-15\""));
  assert_int_equal(IT_ASK(clients, "debt.summary.get", "12345678", answer), 0);
  assert_non_null(strstr(answer, "\"total_owed_dkk\":\"750,00\""));
  assert_int_equal(th_log_count_all(T.host.log_path, IT_TEXTS("010190-1234")), 0);
  stafet_client_destroy(cpr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_export_with_bad_amount, setup, teardown),
      cmocka_unit_test_setup_teardown(test_death_stops_dunning, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
