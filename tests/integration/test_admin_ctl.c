/*
 * test_admin_ctl.c — stafetctl end to end against a real hub: subscriptions
 * added, shown (a growing queue) and removed; a poison message dead-lettered,
 * found with its reason via dlq ls/show and trace, replayed and delivered; a
 * message that is never acked dead-lettered after max deliveries; the wire
 * tap with CPR numbers masked; and every kind of error with its exit code.
 */
#include "admin.h"
#include "fixture.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

static void admin_of(world_t *w, char *addr) {
  assert_true(th_admin_ready(&w->hub, addr, 64, 10000));
}

/* Runs stafetctl with the args (NULL-terminated), expects exit code `want`
 * and, if text is not NULL, text in its output. */
static void ctl_expect(const char *addr, int want, const char *text, ...) {
  char *out = NULL;
  va_list ap;
  va_start(ap, text);
  int rc = th_ctlv(addr, &out, ap);
  va_end(ap);
  if (rc != want || (text != NULL && strstr(out, text) == NULL))
    fprintf(stderr, "stafetctl -> %d (want %d, \"%s\"):\n%s\n", rc, want, text ? text : "", out);
  assert_int_equal(rc, want);
  if (text != NULL)
    assert_non_null(strstr(out, text));
  free(out);
}

#define CTL_EXPECT(addr, want, text, ...) ctl_expect((addr), (want), (text), __VA_ARGS__, NULL)

/* subs add, a queue that grows with nobody consuming (subs show, --json), rm. */
static void test_subs_add_show_rm(void **state) {
  world_t *w = *state;
  char addr[64], *out = NULL;
  admin_of(w, addr);
  CTL_EXPECT(addr, 0, "created folkeregister", "subs", "add", "folkeregister", "--pattern",
             "cpr.person.*", "--filter", "tenant=0751", "--max-deliveries", "3");
  stafet_client_t *c = th_client(w->hub.endpoint, "cpr");
  for (int i = 0; i < 4; i++)
    assert_int_equal(th_publish_wait(c, "cpr.person.relocated", "0751", NULL, 0, NULL), 0);
  assert_int_equal(th_publish_wait(c, "cpr.person.relocated", "0101", NULL, 0, NULL), 0);
  CTL_EXPECT(addr, 0, "queue depth    4 (unread 4", "subs", "show", "folkeregister");
  for (int i = 0; i < 3; i++)
    assert_int_equal(th_publish_wait(c, "cpr.person.deceased", "0751", NULL, 0, NULL), 0);
  assert_int_equal(th_ctl(addr, &out, "subs", "show", "folkeregister", "--json", NULL), 0);
  json_t *j = json_loads(out, 0, NULL);
  assert_int_equal(th_json_int(j, (const char *const[]){"queue", "depth", NULL}), 7);
  assert_int_equal(th_json_int(j, (const char *const[]){"max_deliveries", NULL}), 3);
  assert_string_equal(json_string_value(json_array_get(json_object_get(j, "filters"), 0)),
                      "tenant=0751");
  json_decref(j);
  free(out);
  CTL_EXPECT(addr, 0, "folkeregister", "subs", "ls");
  CTL_EXPECT(addr, 0, "removed folkeregister", "subs", "rm", "folkeregister", "--yes");
  CTL_EXPECT(addr, 1, "no subscription named 'folkeregister'", "subs", "show", "folkeregister");
  stafet_client_destroy(c);
}

typedef struct rejecter {
  size_t seen;
  char message_id[65];
} rejecter_t;

/* A consumer that rejects everything: nack without requeue, with a reason
 * that names a (synthetic) CPR number, which must never be shown whole. */
static void on_reject(stafet_client_t *c, const stafet_delivery_t *d, void *arg) {
  rejecter_t *r = arg;
  r->seen++;
  snprintf(r->message_id, sizeof r->message_id, "%s", d->envelope->message_id);
  stafet_client_nack(c, d->subscription, d->delivery_id, 0, "no such person 010190-1234");
}

/* The dead letter's id as `dlq ls --json` lists it. */
static void first_dead_letter(const char *addr, const char *sub, char *id, size_t size) {
  char *out = NULL;
  assert_int_equal(th_ctl(addr, &out, "dlq", "ls", sub, "--json", NULL), 0);
  json_t *j = json_loads(out, 0, NULL);
  json_t *d = json_array_get(json_object_get(j, "dead_letters"), 0);
  assert_non_null(d);
  snprintf(id, size, "%s", json_string_value(json_object_get(d, "id")));
  json_decref(j);
  free(out);
}

static void test_poison_message_found_and_replayed(void **state) {
  world_t *w = *state;
  char addr[64], msg_id[65], dead_id[64];
  admin_of(w, addr);
  stafet_client_t *pub = th_client(w->hub.endpoint, "cpr");
  stafet_client_t *bad = th_client(w->hub.endpoint, "sagssystem");
  rejecter_t r = {0};
  stafet_subscription_t s = {
      .name = "sagsbehandling", .patterns = PATTERNS("cpr.#"), .n_patterns = 1};
  assert_int_equal(stafet_client_subscribe(bad, &s, on_reject, &r, 15000), 0);
  stafet_attribute_t attrs[] = {{"cpr", "0101901234"}};
  assert_int_equal(th_publish_wait(pub, "cpr.person.relocated", "0751", attrs, 1, msg_id), 0);
  stafet_client_t *clients[] = {bad, NULL};
  assert_true(th_poll_until(clients, &r.seen, 1, 10000));
  assert_true(th_wait_json_int(addr, "/api/subscriptions/sagsbehandling",
                               (const char *const[]){"queue", "dead_letters", NULL}, 1, 10000));
  /* Found with its reason, the CPR number masked, in ls and show and trace. */
  CTL_EXPECT(addr, 0, "no such person 010190-****", "dlq", "ls", "sagsbehandling");
  first_dead_letter(addr, "sagsbehandling", dead_id, sizeof dead_id);
  char shown[65]; /* as stafetctl prints it: a UUIDv7 with ten digits in a row is masked */
  CTL_EXPECT(addr, 0, th_logged(msg_id, shown, sizeof shown), "dlq", "show", "sagsbehandling",
             dead_id);
  CTL_EXPECT(addr, 0, "cpr=010190****", "dlq", "show", "sagsbehandling", dead_id);
  char *out = NULL;
  th_ctl(addr, &out, "dlq", "show", "sagsbehandling", dead_id, "--json", NULL);
  assert_null(strstr(out, "1234")); /* the serial number appears nowhere */
  free(out);
  CTL_EXPECT(addr, 0, "dead_lettered", "trace", msg_id);
  /* The consumer is fixed: a good one takes over, the dead letter is replayed. */
  stafet_client_destroy(bad);
  stafet_client_t *good = th_client(w->hub.endpoint, "sagssystem");
  th_collector_t col;
  th_collector_init(&col, true);
  stafet_subscription_t join = {.name = "sagsbehandling"};
  assert_int_equal(th_subscribe(good, &join, &col), 0);
  CTL_EXPECT(addr, 0, "replayed 1 dead letters into sagsbehandling", "dlq", "replay",
             "sagsbehandling", "--all");
  stafet_client_t *good_only[] = {good, NULL};
  assert_true(th_poll_until(good_only, &col.n, 1, 10000));
  assert_string_equal(col.ids[0], msg_id);
  CTL_EXPECT(addr, 0, "0 dead letters in sagsbehandling", "dlq", "ls", "sagsbehandling");
  /* Once the ack is in, the trace says so. */
  bool acked = false;
  for (long long end = th_now_ms() + 10000; th_now_ms() < end && !acked; free(out)) {
    stafet_client_poll(good, 20);
    th_ctl(addr, &out, "trace", msg_id, NULL);
    acked = strstr(out, "acked") != NULL;
  }
  assert_true(acked);
  th_collector_free(&col);
  stafet_client_destroy(good);
  stafet_client_destroy(pub);
}

/* A consumer that never acks: after max deliveries the message is dead-lettered
 * with the reason max_deliveries_exceeded; replay one by id, purge the rest. */
static void test_max_deliveries_then_replay_and_purge(void **state) {
  world_t *w = *state;
  char addr[64], dead_id[64];
  admin_of(w, addr);
  CTL_EXPECT(addr, 0, "created", "subs", "add", "kontaktcenter", "--pattern", "contact.#",
             "--max-deliveries", "2", "--ack-timeout-ms", "200");
  stafet_client_t *c = th_client(w->hub.endpoint, "contact");
  th_collector_t col;
  th_collector_init(&col, false);
  col.ignore = true;
  stafet_subscription_t join = {.name = "kontaktcenter"};
  assert_int_equal(th_subscribe(c, &join, &col), 0);
  for (int i = 0; i < 3; i++)
    assert_int_equal(th_publish_wait(c, "contact.call.ended", "0751", NULL, 0, NULL), 0);
  stafet_client_t *clients[] = {c, NULL};
  const char *const dead[] = {"queue", "dead_letters", NULL};
  for (long long end = th_now_ms() + 15000; th_now_ms() < end;) {
    th_poll_for(clients, 100);
    json_t *j = th_get_json(addr, "/api/subscriptions/kontaktcenter");
    long long n = th_json_int(j, dead);
    json_decref(j);
    if (n >= 3)
      break;
  }
  CTL_EXPECT(addr, 0, "max_deliveries_exceeded", "dlq", "ls", "kontaktcenter");
  stafet_client_destroy(c);
  first_dead_letter(addr, "kontaktcenter", dead_id, sizeof dead_id);
  CTL_EXPECT(addr, 0, "2 dead letters left", "dlq", "replay", "kontaktcenter", dead_id);
  CTL_EXPECT(addr, 1, "no dead letter with that id", "dlq", "replay", "kontaktcenter", dead_id);
  CTL_EXPECT(addr, 0, "purged 2 dead letters", "dlq", "purge", "kontaktcenter", "--all", "--yes");
  th_collector_free(&col);
}

static void test_errors_and_exit_codes(void **state) {
  world_t *w = *state;
  char addr[64];
  admin_of(w, addr);
  CTL_EXPECT(addr, 2, "unknown command", "frobnicate");
  CTL_EXPECT(addr, 2, "unknown option", "subs", "ls", "--colour");
  CTL_EXPECT(addr, 2, "needs at least one --pattern", "subs", "add", "x");
  CTL_EXPECT(addr, 2, "not a non-negative whole number", "subs", "add", "x", "--pattern", "a.#",
             "--max-deliveries", "-3");
  CTL_EXPECT(addr, 2, "--yes", "subs", "rm", "x");
  CTL_EXPECT(addr, 2, "either one ID or --all", "dlq", "replay", "x");
  CTL_EXPECT(addr, 2, "--yes", "dlq", "purge", "x", "--all");
  CTL_EXPECT(addr, 1, "pattern", "subs", "add", "x", "--pattern", "Not.Valid");
  CTL_EXPECT(addr, 1, "no subscription named 'nobody'", "dlq", "ls", "nobody");
  CTL_EXPECT(addr, 1, "no trace of message", "trace", "no-such-message");
  CTL_EXPECT("127.0.0.1:1", 3, "did not answer", "status");
  CTL_EXPECT(addr, 0, "usage: stafetctl subs", "subs", "--help");
  CTL_EXPECT(addr, 0, "usage: stafetctl dlq", "dlq", "--help");
  CTL_EXPECT(addr, 0, "usage: stafetctl tail", "tail", "--help");
  CTL_EXPECT(addr, 0, "usage: stafetctl trace", "trace", "--help");
  CTL_EXPECT(addr, 0, "commands:", "--help");
  CTL_EXPECT(addr, 0, "ready", "status");
  char *out = NULL;
  assert_int_equal(th_ctl(addr, &out, "status", "--json", NULL), 0);
  json_t *j = json_loads(out, 0, NULL);
  assert_true(json_is_true(json_object_get(j, "ready")));
  json_decref(j);
  free(out);
}

/* tail: a transient tap that prints what passes, CPR numbers masked. */
static void test_tail_masks_cpr(void **state) {
  world_t *w = *state;
  char addr[64], out_path[300];
  admin_of(w, addr);
  snprintf(out_path, sizeof out_path, "%s/tail.out", w->dir);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(STAFET_CTL_BIN, STAFET_CTL_BIN, "--endpoint", w->hub.endpoint, "tail", "cpr.#", "--count",
          "1", "--seconds", "20", (char *)NULL);
    _exit(127);
  }
  /* The tap is live once the hub lists its transient subscription. */
  bool live = false;
  for (long long end = th_now_ms() + 10000; th_now_ms() < end && !live;) {
    char *body = NULL;
    th_http(addr, "GET", "/api/subscriptions", NULL, NULL, &body);
    live = strstr(body, "\"mode\":\"transient\"") != NULL;
    free(body);
  }
  assert_true(live);
  stafet_client_t *c = th_client(w->hub.endpoint, "cpr");
  stafet_attribute_t attrs[] = {{"cpr", "311299-4321"}};
  char msg_id[65];
  assert_int_equal(th_publish_wait(c, "cpr.person.relocated", "0751", attrs, 1, msg_id), 0);
  int status = 0;
  waitpid(pid, &status, 0);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  char *out = th_read_file(out_path);
  char shown[65]; /* as tail prints it: a UUIDv7 with ten digits in a row is masked */
  assert_non_null(strstr(out, th_logged(msg_id, shown, sizeof shown)));
  assert_non_null(strstr(out, "cpr=311299-****"));
  assert_null(strstr(out, "4321"));
  free(out);
  stafet_client_destroy(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_subs_add_show_rm, world_default, world_down),
      cmocka_unit_test_setup_teardown(test_poison_message_found_and_replayed, world_default,
                                      world_down),
      cmocka_unit_test_setup_teardown(test_max_deliveries_then_replay_and_purge, world_default,
                                      world_down),
      cmocka_unit_test_setup_teardown(test_errors_and_exit_codes, world_default, world_down),
      cmocka_unit_test_setup_teardown(test_tail_masks_cpr, world_default, world_down),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
