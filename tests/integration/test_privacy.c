/*
 * test_privacy.c — a protected person's address never reaches a subscriber
 * whose adapter is not cleared: not directly, not through a wildcard, not on
 * replay, not on a transient tap; a cleared one gets it whole; events that are
 * not protected pass untouched; and every delivery of personal data is in the
 * audit stream with the receiver and the CPR number.
 */
#include "admin.h"
#include "curve_fixture.h"
#include "fixture.h"
#include "stafet/events/v1/cpr.pb-c.h"

typedef struct payloads {
  size_t n;
  uint8_t data[16][512];
  size_t len[16];
  char topic[16][64];
} payloads_t;

static void on_deliver(stafet_client_t *c, const stafet_delivery_t *d, void *arg) {
  payloads_t *p = arg;
  if (p->n < 16) {
    memcpy(p->data[p->n], d->payload, d->payload_len < 512 ? d->payload_len : 512);
    p->len[p->n] = d->payload_len;
    snprintf(p->topic[p->n], 64, "%s", d->envelope->topic);
    p->n++;
  }
  if (d->delivery_id[0])
    stafet_client_ack(c, d->subscription, d->delivery_id);
}

/* Whether the bytes contain text (memmem is a GNU extension). */
static bool contains(const uint8_t *data, size_t len, const char *text) {
  size_t n = strlen(text);
  for (size_t i = 0; i + n <= len; i++)
    if (memcmp(data + i, text, n) == 0)
      return true;
  return false;
}

static Stafet__Events__V1__Cpr__PersonRelocated *decode(const payloads_t *p, size_t i) {
  Stafet__Events__V1__Cpr__PersonRelocated *m =
      stafet__events__v1__cpr__person_relocated__unpack(NULL, p->len[i], p->data[i]);
  assert_non_null(m);
  return m;
}

static void publish_relocation(stafet_client_t *c, unsigned sensitivity, const char *cpr) {
  Stafet__Events__V1__Address old_a = STAFET__EVENTS__V1__ADDRESS__INIT,
                              new_a = STAFET__EVENTS__V1__ADDRESS__INIT;
  old_a.street = "Testvej";
  old_a.house_number = "1";
  old_a.postcode = "8000";
  new_a.street = "Skjultvej";
  new_a.house_number = "7";
  new_a.postcode = "8200";
  Stafet__Events__V1__Cpr__PersonRelocated m = STAFET__EVENTS__V1__CPR__PERSON_RELOCATED__INIT;
  m.cpr = (char *)cpr;
  m.old_address = &old_a;
  m.new_address = &new_a;
  m.new_kommunekode = "0751";
  uint8_t buf[512];
  size_t len = stafet__events__v1__cpr__person_relocated__pack(&m, buf);
  stafet_envelope_t env = {.topic = "cpr.person.relocated",
                           .type_name = "stafet.events.v1.cpr.PersonRelocated",
                           .schema_version = 1,
                           .tenant = "0751",
                           .sensitivity = sensitivity};
  assert_int_equal(stafet_client_publish(c, &env, buf, len, NULL, NULL, NULL), 0);
  assert_int_equal(stafet_client_flush(c, 5000), 0);
}

static void subscribe(stafet_client_t *c, const char *name, const char *pattern, int transient,
                      payloads_t *p, const char *start_id) {
  const char *patterns[] = {pattern};
  stafet_subscription_t s = {.name = name,
                             .patterns = patterns,
                             .n_patterns = pattern ? 1 : 0,
                             .transient = transient,
                             .start_id = start_id};
  assert_int_equal(stafet_client_subscribe(c, &s, on_deliver, p, 15000), 0);
}

static void test_protected_address_reaches_only_the_cleared(void **state) {
  world_t *w = *state;
  stafet_client_t *cpr = curve_adapter(w, "cpr", "--publish 'cpr.#'");
  stafet_client_t *valg = curve_adapter(w, "valg", "--subscribe 'cpr.#'");
  stafet_client_t *folk = curve_adapter(w, "folkeregister", "--subscribe 'cpr.#' --cleared");
  static payloads_t direct, wild, tap, cleared;
  memset(&direct, 0, sizeof direct);
  memset(&wild, 0, sizeof wild);
  memset(&tap, 0, sizeof tap);
  memset(&cleared, 0, sizeof cleared);
  subscribe(valg, "valg_direct", "cpr.person.relocated", 0, &direct, NULL);
  subscribe(valg, "valg_wild", "cpr.#", 0, &wild, NULL);
  subscribe(valg, "valg_tap", "cpr.#", 1, &tap, NULL);
  subscribe(folk, "folkeregister", "cpr.#", 0, &cleared, NULL);

  publish_relocation(cpr, STAFET_SENSITIVITY_PERSONAL | STAFET_SENSITIVITY_PROTECTED, "0101901234");
  stafet_client_t *cs[] = {valg, folk, NULL};
  assert_true(th_poll_until(cs, &direct.n, 1, 5000));
  assert_true(th_poll_until(cs, &wild.n, 1, 5000));
  assert_true(th_poll_until(cs, &tap.n, 1, 5000));
  assert_true(th_poll_until(cs, &cleared.n, 1, 5000));
  payloads_t *uncleared[] = {&direct, &wild, &tap};
  for (size_t i = 0; i < 3; i++) {
    Stafet__Events__V1__Cpr__PersonRelocated *m = decode(uncleared[i], 0);
    assert_null(m->old_address);
    assert_null(m->new_address);
    assert_string_equal(m->cpr, "0101901234"); /* who moved is not secret; where to is */
    assert_false(contains(uncleared[i]->data[0], uncleared[i]->len[0], "Skjultvej"));
    stafet__events__v1__cpr__person_relocated__free_unpacked(m, NULL);
  }
  Stafet__Events__V1__Cpr__PersonRelocated *full = decode(&cleared, 0);
  assert_non_null(full->new_address);
  assert_string_equal(full->new_address->street, "Skjultvej");
  stafet__events__v1__cpr__person_relocated__free_unpacked(full, NULL);

  /* Replay the queue from the start: still without the address. */
  assert_int_equal(stafet_client_unsubscribe(valg, "valg_direct", 0, 5000), 0);
  subscribe(valg, "valg_direct", NULL, 0, &direct, "0");
  assert_true(th_poll_until(cs, &direct.n, 2, 5000));
  Stafet__Events__V1__Cpr__PersonRelocated *replayed = decode(&direct, 1);
  assert_null(replayed->new_address);
  stafet__events__v1__cpr__person_relocated__free_unpacked(replayed, NULL);

  /* A relocation of a person without protection passes untouched. */
  publish_relocation(cpr, STAFET_SENSITIVITY_PERSONAL, "0202902345");
  assert_true(th_poll_until(cs, &wild.n, 2, 5000));
  Stafet__Events__V1__Cpr__PersonRelocated *open_m = decode(&wild, 1);
  assert_non_null(open_m->new_address);
  stafet__events__v1__cpr__person_relocated__free_unpacked(open_m, NULL);

  /* Every personal-data delivery is audited, with receiver and CPR number. */
  long long audited = 0;
  size_t expected = direct.n + wild.n + tap.n + cleared.n;
  for (long long end = th_now_ms() + 5000; audited < (long long)expected && th_now_ms() < end;) {
    th_poll_for(cs, 20);
    expected = direct.n + wild.n + tap.n + cleared.n;
    audited = th_redis_int(&w->redis, "XLEN stafet:audit");
  }
  assert_int_equal(audited, (long long)expected);
  assert_true(th_redis_stream_has(&w->redis, "stafet:audit", "adapter", "valg"));
  assert_true(th_redis_stream_has(&w->redis, "stafet:audit", "adapter", "folkeregister"));
  assert_true(th_redis_stream_has(&w->redis, "stafet:audit", "cpr", "0101901234"));
  assert_true(th_redis_stream_has(&w->redis, "stafet:audit", "protected_fields_removed", "1"));
  /* The auditor's question, through stafetctl: who received 010190-1234's data? */
  char cmd[1024], line[1024];
  snprintf(cmd, sizeof cmd, "%s audit --cpr 0101901234 --redis unix:%s 2>&1", STAFET_CTL_BIN,
           w->redis.socket);
  FILE *out = popen(cmd, "r");
  assert_non_null(out);
  int lines = 0, to_valg = 0, to_folk = 0, other_person = 0;
  while (fgets(line, sizeof line, out) != NULL) {
    lines++;
    to_valg += strstr(line, "adapter=valg ") != NULL;
    to_folk += strstr(line, "adapter=folkeregister ") != NULL;
    other_person += strstr(line, "0202902345") != NULL;
  }
  assert_int_equal(pclose(out), 0);
  assert_true(to_valg >= 3); /* direct, wildcard, tap (and the replay) */
  assert_true(to_folk >= 1);
  assert_int_equal(other_person, 0); /* only deliveries naming that person */
  assert_int_equal(lines, to_valg + to_folk);
  stafet_client_destroy(cpr);
  stafet_client_destroy(valg);
  stafet_client_destroy(folk);
}

static void on_reject(stafet_client_t *c, const stafet_delivery_t *d, void *arg) {
  payloads_t *p = arg;
  if (p->n < 16) {
    memcpy(p->data[p->n], d->payload, d->payload_len < 512 ? d->payload_len : 512);
    p->len[p->n] = d->payload_len;
    p->n++;
  }
  /* The first delivery is rejected (dead-lettered); the replayed one acked. */
  if (p->n == 1)
    stafet_client_nack(c, d->subscription, d->delivery_id, 0, "cannot file it");
  else
    stafet_client_ack(c, d->subscription, d->delivery_id);
}

/* A dead letter replayed by an operator reaches an uncleared consumer without
 * the address too: the check is at delivery, whatever the way in. */
static void test_dead_lettered_and_replayed_stays_protected(void **state) {
  world_t *w = *state;
  stafet_client_t *cpr = curve_adapter(w, "cpr", "--publish 'cpr.#'");
  stafet_client_t *valg = curve_adapter(w, "valg", "--subscribe 'cpr.#'");
  static payloads_t got;
  memset(&got, 0, sizeof got);
  const char *patterns[] = {"cpr.person.relocated"};
  stafet_subscription_t s = {.name = "valg_dlq", .patterns = patterns, .n_patterns = 1};
  assert_int_equal(stafet_client_subscribe(valg, &s, on_reject, &got, 15000), 0);
  publish_relocation(cpr, STAFET_SENSITIVITY_PERSONAL | STAFET_SENSITIVITY_PROTECTED, "0303903456");
  stafet_client_t *cs[] = {valg, NULL};
  assert_true(th_poll_until(cs, &got.n, 1, 5000));
  long long dlq = 0;
  for (long long end = th_now_ms() + 5000; dlq < 1 && th_now_ms() < end;) {
    th_poll_for(cs, 20);
    dlq = th_redis_int(&w->redis, "XLEN stafet:dlq:{valg_dlq}");
  }
  assert_int_equal(dlq, 1);
  char addr[64], cmd[1024];
  assert_true(th_admin_ready(&w->hub, addr, sizeof addr, 10000));
  snprintf(cmd, sizeof cmd, "%s --admin %s dlq replay valg_dlq --all >/dev/null 2>&1",
           STAFET_CTL_BIN, addr);
  assert_int_equal(system(cmd), 0);
  assert_true(th_poll_until(cs, &got.n, 2, 10000));
  Stafet__Events__V1__Cpr__PersonRelocated *m = decode(&got, 1);
  assert_null(m->new_address);
  assert_string_equal(m->cpr, "0303903456");
  stafet__events__v1__cpr__person_relocated__free_unpacked(m, NULL);
  stafet_client_destroy(cpr);
  stafet_client_destroy(valg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_protected_address_reaches_only_the_cleared, world_curve,
                                      world_down),
      cmocka_unit_test_setup_teardown(test_dead_lettered_and_replayed_stays_protected, world_curve,
                                      world_down),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
