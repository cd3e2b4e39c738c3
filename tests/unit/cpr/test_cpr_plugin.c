/*
 * test_cpr_plugin.c — the cpr plugin's callbacks against a recording fake
 * host (fake_host.h), with real files in a temp spool: a file's good records
 * published with the right envelopes while a bad record goes to rejected/
 * with its line and reason; a bad frame rejects the file whole; back-pressure
 * (STAFET_EFULL) resumes where it stopped without loss or repeats; a file read
 * again after a stop mid-file gives the same message ids; cpr.person.get from
 * the register after a restart; protection marks events and withholds the
 * address; settings are checked; logs never hold a whole CPR number.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpr_lines.h"
#include "fake_host.h"
#include "testkit.h"

#include "stafet/events/v1/cpr.pb-c.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct ctx {
  char dir[256], spool[300], data[300], work[320], done[320], rejected[320];
  fake_host_t host;
  const stafet_adapter_t *plugin;
  void *state;
} ctx_t;

static int setup(void **state) {
  ctx_t *c = calloc(1, sizeof *c);
  testkit_tempdir(c->dir, "cprplugin");
  snprintf(c->spool, sizeof c->spool, "%s/spool", c->dir);
  snprintf(c->data, sizeof c->data, "%s/data", c->dir);
  snprintf(c->work, sizeof c->work, "%s/work", c->spool);
  snprintf(c->done, sizeof c->done, "%s/done", c->spool);
  snprintf(c->rejected, sizeof c->rejected, "%s/rejected", c->spool);
  fake_host_init(&c->host);
  fake_host_set(&c->host, "spool_dir", c->spool);
  fake_host_set(&c->host, "data_dir", c->data);
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
  assert_int_equal(c->plugin->abi_version, STAFET_ADAPTER_ABI_VERSION);
  assert_int_equal(c->plugin->init(&c->host.api, fake_host_handle(&c->host), &c->state), 0);
  assert_int_equal(c->plugin->start(c->state), 0);
}

static void restart(ctx_t *c) {
  c->plugin->stop(c->state);
  c->state = NULL;
  start(c);
}

/* start; registered 0101901234 (Aabenraa); relocated to Aarhus; a record
 * with a bad date; deceased 0202921234; end. */
static void mixed_file(char *text, size_t cap) {
  text[0] = '\0';
  line_t l = rec_start("CPR-0580-000001", "20240401");
  file_add(text, cap, &l, "\n");
  l = rec_registered("0101901234", "0580", "20240101", "I", "19900101", "Anna", "Ødegård",
                     &ADDR_AABENRAA);
  file_add(text, cap, &l, "\n");
  l = rec_relocated("0101901234", "0751", "20240401", "0580", &ADDR_AABENRAA, &ADDR_AARHUS);
  file_add(text, cap, &l, "\n");
  l = rec_deceased("0303931234", "0751", "20240231");
  file_add(text, cap, &l, "\n");
  l = rec_deceased("0202921234", "0751", "20240315");
  file_add(text, cap, &l, "\n");
  l = rec_end("CPR-0580-000001", 4);
  file_add(text, cap, &l, "\n");
}

static void test_file_published_bad_record_rejected(void **state) {
  ctx_t *c = *state;
  start(c);
  assert_int_equal(c->host.n_provided, 1);
  assert_string_equal(c->host.provided[0], "cpr.person.get");
  char text[4096];
  mixed_file(text, sizeof text);
  testkit_drop(c->spool, "cpr_a.txt", text);
  c->plugin->on_tick(c->state);

  assert_int_equal(c->host.n_pubs, 3);
  const char *topics[] = {"cpr.person.registered", "cpr.person.relocated", "cpr.person.deceased"};
  const unsigned lines[] = {2, 3, 5};
  for (int i = 0; i < 3; i++) {
    fake_pub_t *p = &c->host.pubs[i];
    assert_string_equal(p->topic, topics[i]);
    assert_string_equal(p->correlation_id, "CPR-0580-000001");
    assert_int_equal(p->schema_version, 1);
    assert_int_equal(p->sensitivity, STAFET_SENSITIVITY_PERSONAL);
    char suffix[8];
    snprintf(suffix, sizeof suffix, "-%u", lines[i]);
    assert_int_equal(strncmp(p->message_id, "cpr-", 4), 0);
    assert_string_equal(p->message_id + strlen(p->message_id) - strlen(suffix), suffix);
  }
  fake_pub_t *moved = &c->host.pubs[1];
  assert_string_equal(moved->tenant, "0751");
  assert_string_equal(moved->type_name, "stafet.events.v1.cpr.PersonRelocated");
  assert_string_equal(fake_pub_attr(moved, "old_kommunekode"), "0580");
  assert_string_equal(fake_pub_attr(moved, "new_kommunekode"), "0751");
  Stafet__Events__V1__Cpr__PersonRelocated *m =
      stafet__events__v1__cpr__person_relocated__unpack(NULL, moved->len, moved->payload);
  assert_non_null(m);
  assert_string_equal(m->cpr, "010190-1234");
  assert_string_equal(m->new_address->street, "Vestergade");
  stafet__events__v1__cpr__person_relocated__free_unpacked(m, NULL);

  assert_true(testkit_exists(c->done, "cpr_a.txt"));
  assert_false(testkit_exists(c->work, "cpr_a.txt"));
  char *rejects = testkit_slurp(c->rejected, "cpr_a.txt.rejects");
  assert_non_null(rejects);
  assert_non_null(strstr(rejects, "\n4;BAD_DATE;event date is not a calendar date YYYYMMDD;007"));
  assert_null(strstr(rejects, "\n2;"));
  free(rejects);
  assert_true(c->host.n_warn >= 1);
}

static void request(ctx_t *c, const char *payload) {
  stafet_envelope_t env = {0};
  stafet_request_t r = {.service = "cpr.person.get",
                        .request_id = "req-1",
                        .envelope = &env,
                        .payload = payload,
                        .payload_len = strlen(payload)};
  fake_host_clear(&c->host);
  c->plugin->on_request(c->state, &r);
}

static void test_person_get_after_restart(void **state) {
  ctx_t *c = *state;
  start(c);
  char text[4096];
  mixed_file(text, sizeof text);
  testkit_drop(c->spool, "cpr_a.txt", text);
  c->plugin->on_tick(c->state);
  restart(c);
  request(c, "010190-1234");
  assert_int_equal(c->host.n_replies, 1);
  assert_string_equal(c->host.reply_id, "req-1");
  assert_non_null(strstr(c->host.reply, "\"found\":true"));
  assert_non_null(strstr(c->host.reply, "\"street\":\"Vestergade\""));
  assert_non_null(strstr(c->host.reply, "\"kommunekode\":\"0751\""));
  assert_non_null(strstr(c->host.reply, "\"last_name\":\"Ødegård\""));
  request(c, "0202921234"); /* without the hyphen */
  assert_non_null(strstr(c->host.reply, "\"status\":\"deceased\""));
  assert_non_null(strstr(c->host.reply, "\"status_date\":\"2024-03-15\""));
  request(c, "050505-1234");
  assert_string_equal(c->host.reply, "{\"cpr\":\"050505-1234\",\"found\":false}");
  request(c, "not a number");
  assert_int_equal(c->host.n_replies, 0);
  assert_int_equal(c->host.n_reply_errors, 1);
  assert_non_null(strstr(c->host.reply_error, "CPR number"));
}

static void test_bad_frame_rejects_file_whole(void **state) {
  ctx_t *c = *state;
  start(c);
  char text[4096];
  mixed_file(text, sizeof text);
  char *count = strstr(text, "\n999") + 1 + 23;
  memcpy(count, "00000005", 8);
  testkit_drop(c->spool, "cpr_b.txt", text);
  c->plugin->on_tick(c->state);
  assert_int_equal(c->host.n_pubs, 0);
  assert_true(testkit_exists(c->rejected, "cpr_b.txt"));
  char *reason = testkit_slurp(c->rejected, "cpr_b.txt.reason");
  assert_non_null(reason);
  assert_string_equal(reason, "6;COUNT_MISMATCH;the end record counts 5 data records, the file "
                              "has 4\n");
  free(reason);
}

static void test_back_pressure_resumes(void **state) {
  ctx_t *c = *state;
  start(c);
  char text[4096];
  mixed_file(text, sizeof text);
  testkit_drop(c->spool, "cpr_a.txt", text);
  c->host.publish_limit = 1; /* the outbox takes one, then is full */
  c->plugin->on_tick(c->state);
  assert_int_equal(c->host.n_pubs, 1);
  assert_true(testkit_exists(c->work, "cpr_a.txt"));
  c->plugin->on_tick(c->state);
  assert_int_equal(c->host.n_pubs, 1);
  c->host.publish_limit = -1;
  c->plugin->on_tick(c->state);
  assert_int_equal(c->host.n_pubs, 3);
  for (size_t i = 0; i < 3; i++)
    for (size_t k = i + 1; k < 3; k++)
      assert_string_not_equal(c->host.pubs[i].message_id, c->host.pubs[k].message_id);
  assert_true(testkit_exists(c->done, "cpr_a.txt"));
  char *rejects = testkit_slurp(c->rejected, "cpr_a.txt.rejects");
  assert_non_null(rejects);
  assert_null(strstr(strstr(rejects, "4;BAD_DATE") + 1, "4;BAD_DATE")); /* once */
  free(rejects);
}

static void test_stop_mid_file_gives_same_ids(void **state) {
  ctx_t *c = *state;
  fake_host_set(&c->host, "batch_records", "1");
  start(c);
  char text[4096];
  mixed_file(text, sizeof text);
  testkit_drop(c->spool, "cpr_a.txt", text);
  c->plugin->on_tick(c->state); /* line 2 only */
  assert_int_equal(c->host.n_pubs, 1);
  char first_id[65];
  snprintf(first_id, sizeof first_id, "%s", c->host.pubs[0].message_id);
  restart(c); /* the file stays in work/ and is read again */
  assert_true(testkit_exists(c->work, "cpr_a.txt"));
  fake_host_clear(&c->host);
  for (int i = 0; i < 10 && !testkit_exists(c->done, "cpr_a.txt"); i++)
    c->plugin->on_tick(c->state);
  assert_true(testkit_exists(c->done, "cpr_a.txt"));
  assert_int_equal(c->host.n_pubs, 3);
  assert_string_equal(c->host.pubs[0].message_id, first_id);
  /* The same content under another name is another file: other ids. */
  fake_host_clear(&c->host);
  testkit_drop(c->spool, "cpr_c.txt", text);
  for (int i = 0; i < 10 && !testkit_exists(c->done, "cpr_c.txt"); i++)
    c->plugin->on_tick(c->state);
  assert_int_equal(c->host.n_pubs, 3);
  assert_string_not_equal(c->host.pubs[0].message_id, first_id);
}

static void test_protection(void **state) {
  ctx_t *c = *state;
  start(c);
  char text[4096] = "";
  line_t l = rec_start("P1", "20240401");
  file_add(text, sizeof text, &l, "\n");
  l = rec_registered("0101901234", "0580", "20240101", "F", "20240101", "Ib", "Bo", &ADDR_AARHUS);
  file_add(text, sizeof text, &l, "\n");
  l = rec_protection("0101901234", "0580", "20240201", "1", "");
  file_add(text, sizeof text, &l, "\n");
  l = rec_relocated("0101901234", "0751", "20240401", "0580", &ADDR_AARHUS, &ADDR_AABENRAA);
  file_add(text, sizeof text, &l, "\n");
  l = rec_protection("0101901234", "0751", "20240501", "0", "");
  file_add(text, sizeof text, &l, "\n");
  l = rec_name("0101901234", "0751", "20240601", "Ib", "Bo", "Ib", "Boe");
  file_add(text, sizeof text, &l, "\n");
  l = rec_end("P1", 5);
  file_add(text, sizeof text, &l, "\n");
  testkit_drop(c->spool, "p.txt", text);
  c->plugin->on_tick(c->state);
  assert_int_equal(c->host.n_pubs, 5);
  const unsigned P = STAFET_SENSITIVITY_PERSONAL, PP = P | STAFET_SENSITIVITY_PROTECTED;
  const unsigned want[] = {P, PP, PP, PP, P};
  for (int i = 0; i < 5; i++)
    assert_int_equal(c->host.pubs[i].sensitivity, want[i]);
  /* Protected again: the answer withholds name and address. */
  fake_host_clear(&c->host);
  text[0] = '\0';
  l = rec_start("P2", "20240701");
  file_add(text, sizeof text, &l, "\n");
  l = rec_protection("0101901234", "0751", "20240701", "1", "20261231");
  file_add(text, sizeof text, &l, "\n");
  l = rec_end("P2", 1);
  file_add(text, sizeof text, &l, "\n");
  testkit_drop(c->spool, "p2.txt", text);
  c->plugin->on_tick(c->state);
  request(c, "010190-1234");
  assert_non_null(strstr(c->host.reply, "\"protected\":true"));
  assert_null(strstr(c->host.reply, "Aabenraa"));
  assert_null(strstr(c->host.reply, "Boe"));
  /* protected_details = include: shown. */
  fake_host_set(&c->host, "protected_details", "include");
  restart(c);
  request(c, "010190-1234");
  assert_non_null(strstr(c->host.reply, "Aabenraa"));
}

static void test_files_in_the_making_are_left_alone(void **state) {
  ctx_t *c = *state;
  start(c);
  char path[400];
  snprintf(path, sizeof path, "%s/big.txt.tmp", c->spool);
  FILE *f = fopen(path, "w");
  fputs("000half a file", f);
  fclose(f);
  c->plugin->on_tick(c->state);
  assert_int_equal(c->host.n_pubs, 0);
  assert_false(testkit_exists(c->rejected, "big.txt.tmp"));
  assert_int_equal(access(path, F_OK), 0);
}

static void test_unreadable_file_moved_aside(void **state) {
  ctx_t *c = *state;
  if (geteuid() == 0)
    skip(); /* root reads a file of mode 000 */
  start(c);
  char text[4096], path[400];
  mixed_file(text, sizeof text);
  testkit_drop(c->spool, "locked.txt", text);
  snprintf(path, sizeof path, "%s/locked.txt", c->spool);
  assert_int_equal(chmod(path, 0), 0);
  testkit_drop(c->spool, "open.txt", text);
  c->plugin->on_tick(c->state);
  char *reason = testkit_slurp(c->rejected, "locked.txt.reason");
  assert_non_null(reason);
  assert_int_equal(strncmp(reason, "0;UNREADABLE;", 13), 0);
  free(reason);
  assert_true(testkit_exists(c->done, "open.txt")); /* the spool went on */
}

static void test_settings_checked(void **state) {
  ctx_t *c = *state;
  fake_host_set(&c->host, "batch_records", "0");
  assert_int_equal(c->plugin->init(&c->host.api, fake_host_handle(&c->host), &c->state),
                   STAFET_EINVAL);
  fake_host_set(&c->host, "batch_records", "12x");
  assert_int_equal(c->plugin->init(&c->host.api, fake_host_handle(&c->host), &c->state),
                   STAFET_EINVAL);
  fake_host_set(&c->host, "batch_records", "");
  fake_host_set(&c->host, "protected_details", "maybe");
  assert_int_equal(c->plugin->init(&c->host.api, fake_host_handle(&c->host), &c->state),
                   STAFET_EINVAL);
  fake_host_set(&c->host, "protected_details", "withhold");
  fake_host_set(&c->host, "spool_dir", "");
  assert_int_equal(c->plugin->init(&c->host.api, fake_host_handle(&c->host), &c->state),
                   STAFET_EINVAL);
  assert_non_null(strstr(c->host.log, "missing setting"));
  c->state = NULL;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_file_published_bad_record_rejected, setup, teardown),
      cmocka_unit_test_setup_teardown(test_person_get_after_restart, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_frame_rejects_file_whole, setup, teardown),
      cmocka_unit_test_setup_teardown(test_back_pressure_resumes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stop_mid_file_gives_same_ids, setup, teardown),
      cmocka_unit_test_setup_teardown(test_protection, setup, teardown),
      cmocka_unit_test_setup_teardown(test_files_in_the_making_are_left_alone, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unreadable_file_moved_aside, setup, teardown),
      cmocka_unit_test_setup_teardown(test_settings_checked, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
