/*
 * test_cpr_to_debtor.c — the CPR register and the debtor system through the
 * hub, with real processes only: one stafet-adapter host runs the cpr and
 * the debtor plugins; the simulators write the files and play the debtor
 * system.
 *
 *  - a CPR file with a relocation and a death of a debtor: the debtor adapter
 *    writes NY_ADRESSE and DOEDSBO_STOP_RYKKER instruction files, and the
 *    fake debtor system (stafet-sim-debtor import) accepts both;
 *    debt.summary.get then says dunning stopped;
 *  - files from stafet-sim-cpr --corrupt and stafet-sim-debtor --bad: the
 *    adapters reject exactly the lines the simulators spoiled, with the
 *    reasons they announced, and publish the rest.
 */
#include "cpr_lines.h"
#include "it_adapter.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>

typedef struct it {
  world_t *w;
  char cpr_spool[300], debtor_spool[300], import[300];
  th_adapter_t host;
} it_t;

static it_t T;

static int setup(void **state) {
  static const char *const extra[] = {"--ack-timeout-ms", "5000", NULL};
  memset(&T, 0, sizeof T);
  if (world_up(state, extra) != 0)
    return -1;
  T.w = *state;
  const char *d = T.w->dir;
  snprintf(T.cpr_spool, sizeof T.cpr_spool, "%s/cpr-spool", d);
  snprintf(T.debtor_spool, sizeof T.debtor_spool, "%s/debtor-spool", d);
  snprintf(T.import, sizeof T.import, "%s/debtor-import", d);
  char plugins[4096];
  snprintf(plugins, sizeof plugins,
           "[plugin cpr]\npath = %s\nspool_dir = %s\ndata_dir = %s/cpr-data\n"
           "[plugin debtor]\npath = %s\nspool_dir = %s\ndata_dir = %s/debtor-data\n"
           "import_dir = %s\nkommunekode = 0751\n",
           STAFET_CPR_PLUGIN, T.cpr_spool, d, STAFET_DEBTOR_PLUGIN, T.debtor_spool, d, T.import);
  it_host_start(&T.host, T.w, "host", plugins);
  return it_host_wait_log(&T.host, "cpr", "reading spool", 1, NULL) &&
                 it_host_wait_log(&T.host, "debtor", "reading spool", 1, NULL)
             ? 0
             : -1;
}

static int teardown(void **state) {
  if (T.host.pid > 0)
    it_host_stop(&T.host);
  return world_down(state);
}

/* Runs a simulator to its end; its stdout and stderr go to log. Returns its
 * exit status (-1 if it did not exit normally). */
static int run_sim(char *const argv[], const char *log) {
  pid_t pid = th_spawn(argv, log);
  int status = -1;
  if (pid <= 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
    return -1;
  return WEXITSTATUS(status);
}

/* Number of instruction files (*.csv, not temporary) in the import dir. */
static size_t instruction_files(void) {
  size_t n = 0;
  DIR *d = opendir(T.import);
  struct dirent *e;
  while (d != NULL && (e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    n += e->d_name[0] != '.' && len > 4 && strcmp(e->d_name + len - 4, ".csv") == 0;
  }
  if (d != NULL)
    closedir(d);
  return n;
}

static void test_relocation_and_death_reach_the_debtor_system(void **state) {
  (void)state;
  stafet_client_t *contact = th_client(T.w->hub.endpoint, "contact");
  stafet_client_t *clients[] = {contact, NULL};
  testkit_drop(T.debtor_spool, "fordringer.csv",
               "fordring_id;debitor;fordringstype;beloeb;forfaldsdato;tekst\n"
               "F-1;010190-1234;DAGINSTITUTION;1.234,50;01-02-2024;Pasning\n");
  char done[320];
  snprintf(done, sizeof done, "%s/done", T.debtor_spool);
  assert_true(it_wait_file(clients, done, "fordringer.csv"));

  char text[4096] = "";
  line_t l = rec_start("CPR-0751-000099", "20240401");
  file_add(text, sizeof text, &l, "\n");
  l = rec_relocated("0101901234", "0751", "20240401", "0580", &ADDR_AABENRAA, &ADDR_AARHUS);
  file_add(text, sizeof text, &l, "\n");
  l = rec_deceased("0101901234", "0751", "20240415");
  file_add(text, sizeof text, &l, "\n");
  l = rec_end("CPR-0751-000099", 2);
  file_add(text, sizeof text, &l, "\n");
  testkit_drop(T.cpr_spool, "CPR-0751-000099.txt", text);

  for (long long end = th_now_ms() + IT_WAIT_MS; instruction_files() < 2 && th_now_ms() < end;)
    th_poll_for(clients, 5);
  assert_int_equal(instruction_files(), 2);

  char log[400];
  snprintf(log, sizeof log, "%s/debtor-system.log", T.w->dir);
  char *argv[] = {STAFET_SIM_DEBTOR_BIN, "import", "--dir", T.import, "--once", NULL};
  assert_int_equal(run_sim(argv, log), 0);
  char *report = testkit_slurp(T.w->dir, "debtor-system.log");
  assert_non_null(report);
  assert_non_null(strstr(report, " instruktion=NY_ADRESSE debitor=010190-**** dato=01-04-2024 "
                                 "postnr=8000\n"));
  assert_non_null(strstr(report, " instruktion=DOEDSBO_STOP_RYKKER debitor=010190-**** "
                                 "dato=15-04-2024\n"));
  assert_non_null(strstr(report, "imported=2 duplicates=0 failed=0"));
  free(report);

  char answer[8192];
  assert_int_equal(IT_ASK(clients, "debt.summary.get", "010190-1234", answer), 0);
  assert_non_null(strstr(answer, "\"dunning_stopped\":\"2024-04-15\""));
  assert_non_null(strstr(answer, "\"total_owed_oere\":123450"));
  stafet_client_destroy(contact);
}

/* From a simulator's line "wrote DIR/NAME ... <key>6:BAD_CPR,9:BAD_LENGTH":
 * the file's NAME and the spoiled lines as rejects-list needles "\n6;BAD_CPR;". */
static size_t spoiled(const char *report, const char *key, char name[128], char needles[][48],
                      size_t max) {
  const char *path = report + strlen("wrote "), *end = path + strcspn(path, " "), *base = end;
  while (base > path && base[-1] != '/')
    base--;
  snprintf(name, 128, "%.*s", (int)(end - base), base);
  const char *p = strstr(report, key);
  size_t n = 0;
  for (p = p ? p + strlen(key) : ""; *p && *p != '\n' && n < max;) {
    size_t len = strcspn(p, ",\n"), colon = strcspn(p, ":");
    snprintf(needles[n++], 48, "\n%.*s;%.*s;", (int)colon, p, (int)(len - colon - 1),
             p + colon + 1);
    p += len + (p[len] == ',');
  }
  return n;
}

static void test_simulated_files_with_bad_lines(void **state) {
  (void)state;
  th_collector_t col;
  th_collector_init(&col, true);
  stafet_client_t *c = th_client(T.w->hub.endpoint, "watcher");
  const char *patterns[] = {"#"};
  stafet_subscription_t sub = {.name = "watcher", .patterns = patterns, .n_patterns = 1};
  assert_int_equal(th_subscribe(c, &sub, &col), 0);
  stafet_client_t *clients[] = {c, NULL};
  char log[2][400];
  snprintf(log[0], sizeof log[0], "%s/sim-cpr.log", T.w->dir);
  snprintf(log[1], sizeof log[1], "%s/sim-debtor.log", T.w->dir);
  char *cpr_argv[] = {STAFET_SIM_CPR_BIN, "--out", T.cpr_spool, "--records", "60",
                      "--corrupt",        "5",     "--seed",    "7",         NULL};
  char *debtor_argv[] = {STAFET_SIM_DEBTOR_BIN,
                         "export",
                         "--out",
                         T.debtor_spool,
                         "--kind",
                         "claims",
                         "--lines",
                         "40",
                         "--bad",
                         "4",
                         "--seed",
                         "7",
                         NULL};
  assert_int_equal(run_sim(cpr_argv, log[0]), 0);
  assert_int_equal(run_sim(debtor_argv, log[1]), 0);
  const char *files[] = {"sim-cpr.log", "sim-debtor.log"},
             *spools[] = {T.cpr_spool, T.debtor_spool};
  const char *keys[] = {"lines=", "bad_lines="};
  for (int i = 0; i < 2; i++) {
    char *report = testkit_slurp(T.w->dir, files[i]), name[128], needles[8][48], dir[340];
    size_t n = spoiled(report, keys[i], name, needles, 8);
    assert_int_equal(n, i == 0 ? 5 : 4);
    snprintf(dir, sizeof dir, "%s/done", spools[i]);
    assert_true(it_wait_file(clients, dir, name));
    snprintf(dir, sizeof dir, "%s/rejected", spools[i]);
    char list[160];
    snprintf(list, sizeof list, "%s.rejects", name);
    char *rejects = testkit_slurp(dir, list);
    assert_non_null(rejects);
    for (size_t k = 0; k < n; k++)
      if (strstr(rejects, needles[k]) == NULL)
        fail_msg("%s not in %s:\n%s", needles[k] + 1, list, rejects);
    size_t lines = 0;
    for (const char *p = rejects; (p = strchr(p, '\n')) != NULL; p++)
      lines++;
    assert_int_equal(lines, n + 1); /* the header and one line each */
    free(rejects);
    free(report);
  }
  assert_true(th_poll_until(clients, &col.n, 55 + 36, IT_WAIT_MS));
  th_poll_for(clients, 200);
  assert_int_equal(col.n, 55 + 36);
  th_collector_free(&col);
  stafet_client_destroy(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_relocation_and_death_reach_the_debtor_system, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_simulated_files_with_bad_lines, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
