/*
 * test_e2e.c — issue 3's "Done when", with real processes only: a private
 * redis-server and a hub (world_up), the fake ESDH (stafet-sim-esdh), and ONE
 * stafet-adapter host running the cpr, debtor, case and contact plugins, plus
 * a test plugin that crashes in its init.
 *
 *  (a) a case is opened for a synthetic citizen through the case adapter's
 *      webhook endpoint, so case.list.get knows it;
 *  (b) a CPR change file with the citizen's relocation → the fake ESDH got
 *      the party update over REST, the debtor adapter wrote NY_ADRESSE, and
 *      the contact adapter's overview shows the new address, complete;
 *  (c) a death → DOEDSBO_STOP_RYKKER written, debt.summary.get (through the
 *      overview's debt part) says dunning stopped;
 *  (d) a corrupt record ends in rejected/<file>.rejects with its reason while
 *      the records around it are processed;
 *  (e) the host restarted without the debtor plugin → the overview answers,
 *      the debt part unavailable (complete=false), person and cases present;
 *  (f) the plugin that crashes on init is reported in the host's log, again
 *      and again, while the others serve all of the above.
 *
 * Every wait polls a condition (a file, an HTTP answer, a log line) with a
 * deadline. Synthetic CPR numbers only.
 */
#include "cpr_lines.h"
#include "http_it.h"
#include "it_adapter.h"

#include <dirent.h>
#include <jansson.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#define WAIT_MS 60000

/* The synthetic people: A moves, B dies, C and D surround a corrupt record. */
#define A_CPR "0101901234"
#define A_CPR_DASH "010190-1234"
#define B_CPR "0202920002"
#define B_CPR_DASH "020292-0002"
#define C_CPR "0303930003"
#define D_CPR "0404940004"

typedef struct e2e {
  world_t *w;
  char dir[256];
  char cpr_spool[300], debtor_spool[300], import[300];
  pid_t esdh_pid;
  unsigned esdh_port, case_port, contact_port;
  th_adapter_t host;
} e2e_t;

static e2e_t T;

/* A segfault in the crashing plugin must reach the host as the signal it is:
 * under AddressSanitizer, ask it not to turn SIGSEGV into a report. */
static void keep_segv_a_signal(void) {
  const char *old = getenv("ASAN_OPTIONS");
  char opts[512];
  snprintf(opts, sizeof opts, "%s%shandle_segv=0", old ? old : "", old && *old ? ":" : "");
  setenv("ASAN_OPTIONS", opts, 1);
}

static void pause_ms(int ms) { poll(NULL, 0, ms); }

/* Starts the host; with_debtor = 0 leaves the debtor plugin out. Waits for
 * the HTTP ports and the plugins' readiness. */
static int host_up(const char *name, int with_debtor) {
  const char *d = T.dir;
  char port_file[400];
  snprintf(port_file, sizeof port_file, "%s/case.port", d);
  unlink(port_file);
  snprintf(port_file, sizeof port_file, "%s/contact.port", d);
  unlink(port_file);
  char plugins[4096];
  int n = snprintf(plugins, sizeof plugins,
                   "[plugin cpr]\npath = %s\nspool_dir = %s\ndata_dir = %s/cpr-data\n"
                   "[plugin case]\npath = %s\nlisten = 127.0.0.1:0\nport_file = %s/case.port\n"
                   "data_dir = %s/case\nesdh_url = http://127.0.0.1:%u\nretry_min_ms = 50\n"
                   "retry_max_ms = 400\n"
                   "[plugin contact]\npath = %s\nlisten = 127.0.0.1:0\n"
                   "port_file = %s/contact.port\ndata_dir = %s/contact\n"
                   "overview_timeout_ms = 3000\n"
                   "[plugin crasher]\npath = %s\n",
                   STAFET_CPR_PLUGIN, T.cpr_spool, d, STAFET_CASE_PLUGIN, d, d, T.esdh_port,
                   STAFET_CONTACT_PLUGIN, d, d, STAFET_TEST_PLUGIN_INIT_CRASHES);
  if (with_debtor)
    snprintf(plugins + n, sizeof plugins - (size_t)n,
             "[plugin debtor]\npath = %s\nspool_dir = %s\ndata_dir = %s/debtor-data\n"
             "import_dir = %s\nkommunekode = 0751\n",
             STAFET_DEBTOR_PLUGIN, T.debtor_spool, d, T.import);
  memset(&T.host, 0, sizeof T.host);
  it_host_start(&T.host, T.w, name, plugins);
  snprintf(port_file, sizeof port_file, "%s/case.port", d);
  T.case_port = it_wait_port(port_file, WAIT_MS, NULL);
  snprintf(port_file, sizeof port_file, "%s/contact.port", d);
  T.contact_port = it_wait_port(port_file, WAIT_MS, NULL);
  if (T.case_port == 0 || T.contact_port == 0)
    return -1;
  if (!it_host_wait_log(&T.host, "cpr", "reading spool", 1, NULL))
    return -1;
  if (with_debtor && !it_host_wait_log(&T.host, "debtor", "reading spool", 1, NULL))
    return -1;
  return th_log_wait(T.host.log_path, IT_TEXTS("msg=\"ready\"", "service=case.list.get"), 1,
                     WAIT_MS, NULL)
             ? 0
             : -1;
}

static int setup(void **state) {
  static const char *const extra[] = {"--ack-timeout-ms", "5000", NULL};
  memset(&T, 0, sizeof T);
  keep_segv_a_signal();
  if (world_up(state, extra) != 0)
    return -1;
  T.w = *state;
  snprintf(T.dir, sizeof T.dir, "%s", T.w->dir);
  snprintf(T.cpr_spool, sizeof T.cpr_spool, "%s/cpr-spool", T.dir);
  snprintf(T.debtor_spool, sizeof T.debtor_spool, "%s/debtor-spool", T.dir);
  snprintf(T.import, sizeof T.import, "%s/debtor-import", T.dir);
  T.esdh_port = it_esdh_start(&T.esdh_pid, T.dir, NULL);
  if (T.esdh_port == 0)
    return -1;
  return host_up("host", 1);
}

static int teardown(void **state) {
  int rc = 0;
  if (T.host.pid > 0 && th_adapter_stop_clean(&T.host) != 0)
    rc = -1;
  if (T.esdh_pid > 0)
    it_stop(T.esdh_pid);
  return world_down(state) != 0 ? -1 : rc;
}

/* Polls until some *.csv in the import dir holds needle. */
static bool wait_instruction(const char *needle) {
  for (long long end = th_now_ms() + WAIT_MS; th_now_ms() < end; pause_ms(20)) {
    DIR *d = opendir(T.import);
    struct dirent *e;
    bool found = false;
    while (d != NULL && !found && (e = readdir(d)) != NULL) {
      size_t len = strlen(e->d_name);
      if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".csv") != 0)
        continue;
      char *text = testkit_slurp(T.import, e->d_name);
      found = text != NULL && strstr(text, needle) != NULL;
      free(text);
    }
    if (d != NULL)
      closedir(d);
    if (found)
      return true;
  }
  return false;
}

static bool wait_file(const char *dir, const char *name) {
  for (long long end = th_now_ms() + WAIT_MS; th_now_ms() < end; pause_ms(20))
    if (testkit_exists(dir, name))
      return true;
  return false;
}

/* GET the overview of cpr; NULL unless 200 with JSON. */
static json_t *overview(const char *cpr) {
  char url[256], *resp = NULL;
  snprintf(url, sizeof url, "http://127.0.0.1:%u/citizens/%s/overview", T.contact_port, cpr);
  long status = it_http("GET", url, NULL, &resp);
  json_t *doc = status == 200 && resp != NULL ? json_loads(resp, 0, NULL) : NULL;
  if (status != 200)
    fprintf(stderr, "overview %s: HTTP %ld %s\n", cpr, status, resp ? resp : "");
  free(resp);
  return doc;
}

static json_t *part(json_t *doc, const char *name) { return json_object_get(doc, name); }
static const char *str_at(json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

/* Polls the overview until check(doc) holds; returns that doc (or NULL). */
static json_t *wait_overview(const char *cpr, bool (*check)(json_t *)) {
  for (long long end = th_now_ms() + WAIT_MS; th_now_ms() < end; pause_ms(50)) {
    json_t *doc = overview(cpr);
    if (doc != NULL && check(doc))
      return doc;
    json_decref(doc);
  }
  return NULL;
}

static bool moved_to_aarhus(json_t *doc) {
  json_t *addr = json_object_get(json_object_get(part(doc, "person"), "data"), "address");
  const char *pc = str_at(addr, "postcode");
  return pc != NULL && strcmp(pc, "8000") == 0 && json_is_true(json_object_get(doc, "complete"));
}

static bool dunning_stopped(json_t *doc) {
  return str_at(json_object_get(part(doc, "debt"), "data"), "dunning_stopped") != NULL;
}

static bool debt_unavailable(json_t *doc) {
  const char *s = str_at(part(doc, "debt"), "status");
  return s != NULL && strcmp(s, "unavailable") == 0;
}

/* Polls the fake ESDH until the party has at least one update. */
static json_t *wait_party(const char *cpr) {
  char url[256];
  snprintf(url, sizeof url, "http://127.0.0.1:%u/api/parties/%s", T.esdh_port, cpr);
  for (long long end = th_now_ms() + WAIT_MS; th_now_ms() < end; pause_ms(50)) {
    char *resp = NULL;
    json_t *doc = it_http("GET", url, NULL, &resp) == 200 ? json_loads(resp, 0, NULL) : NULL;
    free(resp);
    if (doc != NULL && json_integer_value(json_object_get(doc, "updates")) >= 1)
      return doc;
    json_decref(doc);
  }
  return NULL;
}

static void drop_cpr(const char *file_id, const line_t *records, size_t n) {
  char text[8192] = "";
  line_t l = rec_start(file_id, "20240401");
  file_add(text, sizeof text, &l, "\n");
  for (size_t i = 0; i < n; i++)
    file_add(text, sizeof text, &records[i], "\n");
  l = rec_end(file_id, n);
  file_add(text, sizeof text, &l, "\n");
  char name[64];
  snprintf(name, sizeof name, "%s.txt", file_id);
  testkit_drop(T.cpr_spool, name, text);
}

static void check_crasher_reported(int times) {
  if (!th_log_wait(T.host.log_path,
                   IT_TEXTS("level=error", "msg=\"plugin failed\"", "plugin=crasher ",
                            "phase=init", "reason=\"crashed by signal 11"),
                   times, WAIT_MS, NULL))
    fail_msg("the crashing plugin was not reported %d times in %s", times, T.host.log_path);
  const char *real[] = {"plugin=cpr ", "plugin=debtor ", "plugin=case ", "plugin=contact "};
  for (size_t i = 0; i < 4; i++)
    assert_int_equal(th_log_count_all(T.host.log_path, IT_TEXTS("msg=\"plugin failed\"", real[i])),
                     0);
}

static void test_relocation_death_corrupt_record_and_partial_overview(void **state) {
  (void)state;
  char dir[400], url[160];

  /* (f) first: the crash is reported, and retried; the others start anyway. */
  check_crasher_reported(2);

  /* Claims for A and B, so both are debtors. */
  testkit_drop(T.debtor_spool, "fordringer.csv",
               "fordring_id;debitor;fordringstype;beloeb;forfaldsdato;tekst\n"
               "F-1;" A_CPR_DASH ";DAGINSTITUTION;1.234,50;01-02-2024;Pasning\n"
               "F-2;" B_CPR_DASH ";EJENDOMSSKAT;500,00;01-03-2024;Ejendomsskat\n");
  snprintf(dir, sizeof dir, "%s/done", T.debtor_spool);
  assert_true(wait_file(dir, "fordringer.csv"));

  /* (a) the ESDH opens a case with A as party. */
  snprintf(url, sizeof url, "http://127.0.0.1:%u/esdh/events", T.case_port);
  const char opened[] = "{\"event\":\"case.opened\",\"event_id\":\"e2e-1\",\"tenant\":\"0751\","
                        "\"case\":{\"id\":\"S-E2E-1\",\"system\":\"sim-esdh\",\"kle\":\"27.24.00\","
                        "\"department\":\"ydelse\",\"title\":\"Boligstøtte\","
                        "\"parties\":[{\"cpr\":\"" A_CPR_DASH "\"}]}}";
  assert_int_equal(it_http("POST", url, opened, NULL), 202);

  /* A and B are in the register, A in Aabenraa. */
  snprintf(dir, sizeof dir, "%s/done", T.cpr_spool);
  line_t regs[] = {
      rec_registered(A_CPR, "0580", "20240101", "F", "19900101", "Anna", "Ødegård",
                     &ADDR_AABENRAA),
      rec_registered(B_CPR, "0751", "20240101", "F", "19920202", "Bent", "Berg", &ADDR_AARHUS),
  };
  drop_cpr("CPR-0751-000001", regs, 2);
  assert_true(wait_file(dir, "CPR-0751-000001.txt"));

  /* (b) A moves to Aarhus. */
  line_t moved[] = {
      rec_relocated(A_CPR, "0751", "20240401", "0580", &ADDR_AABENRAA, &ADDR_AARHUS),
  };
  drop_cpr("CPR-0751-000002", moved, 1);
  assert_true(wait_file(dir, "CPR-0751-000002.txt"));

  json_t *party = wait_party(A_CPR_DASH);
  if (party == NULL)
    fail_msg("the fake ESDH never got A's party update (log %s)", T.host.log_path);
  json_t *last = json_object_get(party, "last");
  assert_string_equal(str_at(last, "change"), "relocated");
  assert_string_equal(str_at(json_object_get(last, "address"), "postcode"), "8000");
  assert_string_equal(str_at(json_object_get(last, "address"), "city"), "Aarhus C");
  json_decref(party);

  assert_true(wait_instruction(";NY_ADRESSE;" A_CPR_DASH ";01-04-2024;Vestergade;12B;"));

  json_t *doc = wait_overview(A_CPR_DASH, moved_to_aarhus);
  if (doc == NULL)
    fail_msg("the overview never showed A in Aarhus, complete");
  json_t *person = json_object_get(part(doc, "person"), "data");
  assert_string_equal(str_at(person, "last_name"), "Ødegård");
  assert_string_equal(str_at(json_object_get(person, "address"), "street"), "Vestergade");
  assert_string_equal(str_at(part(doc, "debt"), "status"), "ok");
  assert_string_equal(str_at(part(doc, "cases"), "status"), "ok");
  json_t *cases = json_object_get(json_object_get(part(doc, "cases"), "data"), "cases");
  assert_string_equal(str_at(json_array_get(cases, 0), "case_id"), "S-E2E-1");
  json_decref(doc);

  /* (c) B dies: dunning stops. */
  line_t died[] = {rec_deceased(B_CPR, "0751", "20240415")};
  drop_cpr("CPR-0751-000003", died, 1);
  assert_true(wait_instruction(";DOEDSBO_STOP_RYKKER;" B_CPR_DASH ";15-04-2024"));
  doc = wait_overview(B_CPR_DASH, dunning_stopped);
  if (doc == NULL)
    fail_msg("debt.summary.get never said dunning stopped for B");
  assert_string_equal(str_at(json_object_get(part(doc, "debt"), "data"), "dunning_stopped"),
                      "2024-04-15");
  assert_string_equal(str_at(json_object_get(part(doc, "person"), "data"), "status"), "deceased");
  json_decref(doc);

  /* (d) a corrupt record (a date that is no date) between two good ones. */
  line_t mixed[] = {
      rec_registered(C_CPR, "0751", "20240101", "F", "19930303", "Carl", "Clausen", &ADDR_AARHUS),
      rec_relocated(A_CPR, "0751", "20240231", "0580", &ADDR_AABENRAA, &ADDR_AARHUS),
      rec_registered(D_CPR, "0751", "20240101", "F", "19940404", "Dorte", "Dahl", &ADDR_AARHUS),
  };
  drop_cpr("CPR-0751-000004", mixed, 3);
  assert_true(wait_file(dir, "CPR-0751-000004.txt"));
  snprintf(dir, sizeof dir, "%s/rejected", T.cpr_spool);
  assert_true(wait_file(dir, "CPR-0751-000004.txt.rejects"));
  char *rejects = testkit_slurp(dir, "CPR-0751-000004.txt.rejects");
  assert_non_null(rejects);
  if (strstr(rejects, "\n3;BAD_DATE;") == NULL)
    fail_msg("line 3 not rejected as BAD_DATE:\n%s", rejects);
  size_t lines = 0;
  for (const char *p = rejects; (p = strchr(p, '\n')) != NULL; p++)
    lines++;
  assert_int_equal(lines, 2); /* the header and the one bad record */
  free(rejects);
  const char *good[] = {"030393-0003", "040494-0004"};
  for (size_t i = 0; i < 2; i++) {
    doc = overview(good[i]);
    assert_non_null(doc);
    assert_true(json_is_true(json_object_get(json_object_get(part(doc, "person"), "data"),
                                             "found")));
    json_decref(doc);
  }

  /* (e) the host again, without the debtor plugin. */
  check_crasher_reported(3);
  assert_int_equal(th_adapter_stop_clean(&T.host), 0);
  assert_int_equal(host_up("host-nodebtor", 0), 0);
  doc = wait_overview(A_CPR_DASH, debt_unavailable);
  if (doc == NULL)
    fail_msg("the overview never marked the debt part unavailable");
  assert_false(json_is_true(json_object_get(doc, "complete")));
  assert_string_equal(str_at(part(doc, "debt"), "error"), "NO_PROVIDER");
  assert_string_equal(str_at(part(doc, "person"), "status"), "ok");
  assert_string_equal(
      str_at(json_object_get(json_object_get(part(doc, "person"), "data"), "address"), "city"),
      "Aarhus C");
  assert_string_equal(str_at(part(doc, "cases"), "status"), "ok");
  cases = json_object_get(json_object_get(part(doc, "cases"), "data"), "cases");
  assert_string_equal(str_at(json_array_get(cases, 0), "case_id"), "S-E2E-1");
  json_decref(doc);
  check_crasher_reported(1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_relocation_death_corrupt_record_and_partial_overview,
                                      setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
