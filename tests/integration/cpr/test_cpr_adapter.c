/*
 * test_cpr_adapter.c — the cpr adapter end to end: a real hub (private
 * Redis), the real plugin host (stafet-adapter) running
 * libstafet_adapter_cpr.so on a spool directory, and libstafet clients as the
 * departments.
 *
 *  - a CPR file with a relocation: cpr.person.relocated reaches a subscriber
 *    with the right fields, envelope and attributes (and a subscription of
 *    the old municipality, by attribute filter);
 *  - a corrupt record ends in rejected/ with its line and reason while the
 *    rest of the file is published and the file goes to done/;
 *  - a file with a wrong record count is rejected whole, nothing published;
 *  - cpr.person.get is answered, and again after the host was restarted;
 *  - the plugin killed with SIGKILL in the middle of a large file: the host
 *    restarts it, the file is read again, and every record reaches the
 *    subscriber exactly once (deterministic message ids, hub dedupe).
 */
#include "cpr_lines.h"
#include "it_adapter.h"

#include "stafet/events/v1/cpr.pb-c.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct it {
  world_t *w;
  char spool[300], data[300], done[320], rejected[320];
  th_adapter_t host;
} it_t;

static it_t T;

/* Starts a host (its log: <name>.log) running the cpr plugin; waits until
 * the plugin provides its service and reads the spool. */
static void start_host(const char *name, const char *batch_records) {
  char plugin[1024];
  snprintf(plugin, sizeof plugin,
           "[plugin cpr]\npath = %s\nspool_dir = %s\ndata_dir = %s\nbatch_records = %s\n",
           STAFET_CPR_PLUGIN, T.spool, T.data, batch_records);
  it_host_start(&T.host, T.w, name, plugin);
  assert_true(it_host_wait_log(&T.host, "cpr", "reading spool", 1, NULL));
}

static int setup(void **state) {
  static const char *const extra[] = {"--ack-timeout-ms", "5000", NULL};
  memset(&T, 0, sizeof T);
  if (world_up(state, extra) != 0)
    return -1;
  T.w = *state;
  snprintf(T.spool, sizeof T.spool, "%s/spool", T.w->dir);
  snprintf(T.data, sizeof T.data, "%s/data", T.w->dir);
  snprintf(T.done, sizeof T.done, "%s/done", T.spool);
  snprintf(T.rejected, sizeof T.rejected, "%s/rejected", T.spool);
  return mkdir(T.spool, 0750);
}

static int teardown(void **state) {
  if (T.host.pid > 0)
    it_host_stop(&T.host);
  return world_down(state);
}

/* What a department saw of cpr.person.* events. */
typedef struct seen {
  size_t n, relocated;
  char topics[8][64];
  char tenant[8], old_kommune_attr[8], correlation[64];
  unsigned sensitivity;
  Stafet__Events__V1__Cpr__PersonRelocated *moved; /* the last relocation */
} seen_t;

static const char *attr(const stafet_envelope_t *env, const char *key) {
  for (size_t i = 0; i < env->n_attributes; i++)
    if (strcmp(env->attributes[i].key, key) == 0)
      return env->attributes[i].value;
  return "";
}

static void on_cpr(stafet_client_t *c, const stafet_delivery_t *d, void *arg) {
  seen_t *s = arg;
  if (s->n < 8)
    snprintf(s->topics[s->n], sizeof s->topics[0], "%s", d->envelope->topic);
  s->n++;
  if (strcmp(d->envelope->topic, "cpr.person.relocated") == 0) {
    s->relocated++;
    snprintf(s->tenant, sizeof s->tenant, "%s", d->envelope->tenant);
    snprintf(s->old_kommune_attr, sizeof s->old_kommune_attr, "%s",
             attr(d->envelope, "old_kommunekode"));
    snprintf(s->correlation, sizeof s->correlation, "%s", d->envelope->correlation_id);
    s->sensitivity = d->envelope->sensitivity;
    if (s->moved)
      stafet__events__v1__cpr__person_relocated__free_unpacked(s->moved, NULL);
    s->moved = stafet__events__v1__cpr__person_relocated__unpack(NULL, d->payload_len, d->payload);
  }
  stafet_client_ack(c, d->subscription, d->delivery_id);
}

static stafet_client_t *department(const char *name, const char *pattern, const char *filter,
                                   seen_t *s) {
  stafet_client_t *c = th_client(T.w->hub.endpoint, name);
  assert_non_null(c);
  const char *patterns[] = {pattern};
  const char *filters[] = {filter};
  stafet_subscription_t sub = {.name = name,
                               .patterns = patterns,
                               .n_patterns = 1,
                               .filters = filters,
                               .n_filters = filter ? 1 : 0};
  assert_int_equal(stafet_client_subscribe(c, &sub, on_cpr, s, 15000), 0);
  return c;
}

/* Registered in Aabenraa, moved to Aarhus, a corrupt record, died. */
static void drop_relocation_file(const char *name) {
  char text[4096] = "";
  line_t l = rec_start("CPR-0580-000017", "20240401");
  file_add(text, sizeof text, &l, "\r\n");
  l = rec_registered("0101901234", "0580", "19900101", "F", "19900101", "Anna", "Ødegård",
                     &ADDR_AABENRAA);
  file_add(text, sizeof text, &l, "\r\n");
  l = rec_relocated("0101901234", "0751", "20240401", "0580", &ADDR_AABENRAA, &ADDR_AARHUS);
  file_add(text, sizeof text, &l, "\r\n");
  l = rec_relocated("0303931234", "0751", "20240431", "0580", &ADDR_AABENRAA, &ADDR_AARHUS);
  file_add(text, sizeof text, &l, "\r\n");
  l = rec_deceased("0202921234", "0751", "20240315");
  file_add(text, sizeof text, &l, "\r\n");
  l = rec_end("CPR-0580-000017", 4);
  file_add(text, sizeof text, &l, "\r\n");
  testkit_drop(T.spool, name, text);
}

static void test_relocation_reaches_departments(void **state) {
  (void)state;
  start_host("host", "500");
  seen_t all = {0}, old_kommune = {0};
  stafet_client_t *folkeregister = department("folkeregister", "cpr.person.*", NULL, &all);
  stafet_client_t *aabenraa = department("aabenraa_borgerservice", "cpr.person.relocated",
                                         "old_kommunekode=0580", &old_kommune);
  stafet_client_t *clients[] = {folkeregister, aabenraa, NULL};
  drop_relocation_file("CPR-0580-000017.txt");

  assert_true(it_wait_count(clients, &all.n, 3));
  assert_true(it_wait_count(clients, &old_kommune.relocated, 1));
  assert_string_equal(all.topics[0], "cpr.person.registered");
  assert_string_equal(all.topics[1], "cpr.person.relocated");
  assert_string_equal(all.topics[2], "cpr.person.deceased");
  assert_string_equal(all.tenant, "0751");
  assert_string_equal(all.old_kommune_attr, "0580");
  assert_string_equal(all.correlation, "CPR-0580-000017");
  assert_int_equal(all.sensitivity, STAFET_SENSITIVITY_PERSONAL);
  Stafet__Events__V1__Cpr__PersonRelocated *m = all.moved;
  assert_non_null(m);
  assert_string_equal(m->cpr, "010190-1234");
  assert_string_equal(m->old_kommunekode, "0580");
  assert_string_equal(m->new_kommunekode, "0751");
  assert_string_equal(m->old_address->street, "Ærøvej");
  assert_string_equal(m->old_address->postcode, "6200");
  assert_string_equal(m->new_address->street, "Vestergade");
  assert_string_equal(m->new_address->house_number, "12B");
  assert_string_equal(m->new_address->floor, "2");
  assert_string_equal(m->new_address->door, "tv");
  assert_string_equal(m->new_address->postcode, "8000");
  assert_string_equal(m->new_address->city, "Aarhus C");
  assert_int_equal(m->move_date->year, 2024);
  assert_int_equal(m->move_date->month, 4);
  assert_int_equal(m->move_date->day, 1);

  /* The corrupt record (line 4: 31 April) is in rejected/ with its reason. */
  assert_true(it_wait_file(clients, T.done, "CPR-0580-000017.txt"));
  char *rejects = testkit_slurp(T.rejected, "CPR-0580-000017.txt.rejects");
  assert_non_null(rejects);
  assert_non_null(strstr(rejects, "\n4;BAD_DATE;event date is not a calendar date YYYYMMDD;002"));
  free(rejects);
  assert_int_equal(all.relocated, 1);
  assert_int_equal(old_kommune.n, 1);

  /* The host's log names files and reasons, never a whole CPR number. */
  assert_int_equal(th_log_count_all(T.host.log_path, IT_TEXTS("0101901234")), 0);
  assert_int_equal(th_log_count_all(T.host.log_path, IT_TEXTS("010190-1234")), 0);
  stafet__events__v1__cpr__person_relocated__free_unpacked(all.moved, NULL);
  stafet__events__v1__cpr__person_relocated__free_unpacked(old_kommune.moved, NULL);
  stafet_client_destroy(folkeregister);
  stafet_client_destroy(aabenraa);
}

static void test_bad_count_rejects_whole_file(void **state) {
  (void)state;
  start_host("host", "500");
  seen_t all = {0};
  stafet_client_t *c = department("folkeregister", "cpr.#", NULL, &all);
  stafet_client_t *clients[] = {c, NULL};
  char text[2048] = "";
  line_t l = rec_start("CPR-BAD-1", "20240401");
  file_add(text, sizeof text, &l, "\n");
  l = rec_deceased("0202921234", "0751", "20240315");
  file_add(text, sizeof text, &l, "\n");
  l = rec_end("CPR-BAD-1", 2);
  file_add(text, sizeof text, &l, "\n");
  testkit_drop(T.spool, "bad-count.txt", text);
  assert_true(it_wait_file(clients, T.rejected, "bad-count.txt.reason"));
  char *reason = testkit_slurp(T.rejected, "bad-count.txt.reason");
  assert_string_equal(reason, "3;COUNT_MISMATCH;the end record counts 2 data records, the file "
                              "has 1\n");
  free(reason);
  assert_true(testkit_exists(T.rejected, "bad-count.txt"));
  /* A good file after it is published: so the bad one published nothing. */
  drop_relocation_file("good.txt");
  assert_true(it_wait_count(clients, &all.n, 3));
  assert_string_equal(all.topics[0], "cpr.person.registered");
  stafet__events__v1__cpr__person_relocated__free_unpacked(all.moved, NULL);
  stafet_client_destroy(c);
}

static void test_person_get_survives_restart(void **state) {
  (void)state;
  start_host("host", "500");
  stafet_client_t *contact = th_client(T.w->hub.endpoint, "contact");
  stafet_client_t *clients[] = {contact, NULL};
  drop_relocation_file("CPR-0580-000017.txt");
  assert_true(it_wait_file(clients, T.done, "CPR-0580-000017.txt"));
  char answer[8192];
  assert_int_equal(IT_ASK(clients, "cpr.person.get", "010190-1234", answer), 0);
  assert_non_null(strstr(answer, "\"found\":true"));
  assert_non_null(strstr(answer, "\"street\":\"Vestergade\""));

  it_host_stop(&T.host);
  start_host("host2", "500");
  assert_int_equal(IT_ASK(clients, "cpr.person.get", "0101901234", answer), 0);
  assert_non_null(strstr(answer, "\"cpr\":\"010190-1234\""));
  assert_non_null(strstr(answer, "\"last_name\":\"Ødegård\""));
  assert_non_null(strstr(answer, "\"street\":\"Vestergade\""));
  assert_non_null(strstr(answer, "\"kommunekode\":\"0751\""));
  assert_int_equal(IT_ASK(clients, "cpr.person.get", "020292-1234", answer), 0);
  assert_non_null(strstr(answer, "\"status\":\"deceased\""));
  assert_int_equal(IT_ASK(clients, "cpr.person.get", "050505-1234", answer), 0);
  assert_string_equal(answer, "{\"cpr\":\"050505-1234\",\"found\":false}");
  assert_int_equal(IT_ASK(clients, "cpr.person.get", "not-a-number", answer), STAFET_EPROVIDER);
  assert_non_null(strstr(answer, "CPR number"));
  stafet_client_destroy(contact);
}

/* A file of n deceased records with distinct synthetic numbers. */
static char *big_file(unsigned n) {
  size_t cap = (size_t)n * 27 + 200;
  char *text = calloc(1, cap);
  line_t l = rec_start("CPR-BIG-1", "20240401");
  file_add(text, cap, &l, "\n");
  size_t len = strlen(text);
  for (unsigned i = 0; i < n; i++) {
    char cpr[11];
    snprintf(cpr, sizeof cpr, "%02u%02u90%04u", 1 + i % 28, 1 + (i / 28) % 12, i % 10000);
    l = rec_deceased(cpr, "0751", "20240301");
    memcpy(text + len, l.s, l.len);
    len += l.len;
    text[len++] = '\n';
  }
  text[len] = '\0';
  l = rec_end("CPR-BIG-1", n);
  file_add(text, cap, &l, "\n");
  return text;
}

static void test_plugin_killed_mid_file(void **state) {
  (void)state;
  enum { N = 2000 };
  start_host("host", "50"); /* 50 records a tick: the file takes many ticks */
  stafet_client_t *c = th_client(T.w->hub.endpoint, "doedsfald");
  th_collector_t col;
  th_collector_init(&col, true);
  const char *patterns[] = {"cpr.person.deceased"};
  stafet_subscription_t sub = {
      .name = "doedsfald", .patterns = patterns, .n_patterns = 1, .credit = 1000};
  assert_int_equal(th_subscribe(c, &sub, &col), 0);
  stafet_client_t *clients[] = {c, NULL};
  char *text = big_file(N);
  testkit_drop(T.spool, "big.txt", text);
  free(text);
  assert_true(th_poll_until(clients, &col.n, 100, IT_WAIT_MS));
  pid_t plugin = th_adapter_plugin_pid(&T.host, "cpr");
  assert_true(plugin > 0);
  assert_int_equal(kill(plugin, SIGKILL), 0);
  assert_true(col.n < N); /* killed in the middle */
  assert_true(it_host_wait_log(&T.host, "cpr", "reading spool", 2, clients));
  assert_true(it_wait_file(clients, T.done, "big.txt"));
  assert_true(th_poll_until(clients, &col.n, N, IT_WAIT_MS));
  th_poll_for(clients, 300); /* any duplicate would arrive now */
  assert_int_equal(th_collector_distinct(&col), N);
  assert_int_equal(col.n, N);
  th_collector_free(&col);
  stafet_client_destroy(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_relocation_reaches_departments, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_count_rejects_whole_file, setup, teardown),
      cmocka_unit_test_setup_teardown(test_person_get_survives_restart, setup, teardown),
      cmocka_unit_test_setup_teardown(test_plugin_killed_mid_file, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
