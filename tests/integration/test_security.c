/*
 * test_security.c — CURVE authentication against the adapter registry, key
 * revocation, and ACLs (publish, subscribe without leaks through wildcards,
 * call, provide), with the registry managed by the real stafet-keys tool.
 */
#include "admin.h"
#include "curve_fixture.h"
#include "fixture.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct acked {
  int n, status;
} acked_t;

static void on_ack(stafet_client_t *c, const char *id, int status, int dup, void *arg) {
  acked_t *a = arg;
  a->n++;
  a->status = status;
}

static int publish_status(stafet_client_t *c, const char *topic) {
  acked_t a = {0};
  stafet_envelope_t env = {.topic = topic, .tenant = "0751"};
  assert_int_equal(stafet_client_publish(c, &env, "x", 1, on_ack, &a, NULL), 0);
  for (long long end = th_now_ms() + 5000; a.n == 0 && th_now_ms() < end;)
    stafet_client_poll(c, 10);
  assert_int_equal(a.n, 1);
  return a.status;
}

/* Z85 keys may begin with '-' (about 1 in 85): taken as the key, not an option,
 * while an unknown option is still refused. */
static void test_key_beginning_with_dash_is_a_key(void **state) {
  world_t *w = *state;
  const char *key = "-000000000000000000000000000000000000000"; /* 40 characters */
  char args[200];
  snprintf(args, sizeof args, "add cpr '%.40s'", key);
  assert_int_equal(keys_tool(w, args), 0);
  snprintf(args, sizeof args, "revoke '%.40s'", key);
  assert_int_equal(keys_tool(w, args), 0);
  assert_int_equal(WEXITSTATUS(keys_tool(w, "add cpr --bogus")), 2);
}

static void test_unknown_key_is_refused_until_registered(void **state) {
  world_t *w = *state;
  keypair_t k;
  gen_keys(w, "cpr", &k);
  int rc;
  stafet_client_t *c = curve_client(w, "cpr", &k, 1500, &rc);
  assert_int_equal(rc, STAFET_ETIMEDOUT); /* the handshake never completes */
  assert_true(th_hub_log_count(&w->hub, "connection refused") >= 1);
  char addr[64]; /* and counted */
  assert_true(th_admin_ready(&w->hub, addr, sizeof addr, 10000));
  assert_true(th_metric(addr, "stafet_auth_refused_total") >= 1);
  char args[200];
  snprintf(args, sizeof args, "add cpr '%s'", k.public_key);
  assert_int_equal(keys_tool(w, args), 0);
  assert_int_equal(stafet_client_connect(c, 10000), 0); /* ZeroMQ retried; now admitted */
  stafet_client_destroy(c);

  /* Tools take the keys from the environment: no key options at all. */
  char server_file[400], secret_file[400];
  snprintf(server_file, sizeof server_file, "%s/hub.pub", w->dir);
  snprintf(secret_file, sizeof secret_file, "%s/cpr.key", w->dir);
  setenv("STAFET_CURVE_SERVER_KEY_FILE", server_file, 1);
  setenv("STAFET_CURVE_SECRET_KEY_FILE", secret_file, 1);
  stafet_client_t *from_env = th_client(w->hub.endpoint, "cpr");
  assert_non_null(from_env); /* th_client asserts nothing: NULL means no Welcome */
  stafet_client_destroy(from_env);
  setenv("STAFET_CURVE_SECRET_KEY_FILE", "/nonexistent/cpr.key", 1);
  stafet_client_options_t o = {.endpoint = w->hub.endpoint, .adapter = "cpr"};
  stafet_client_t *broken = NULL;
  assert_int_equal(stafet_client_new(&broken, &o), STAFET_EINVAL);
  unsetenv("STAFET_CURVE_SERVER_KEY_FILE");
  unsetenv("STAFET_CURVE_SECRET_KEY_FILE");

  /* Someone else's name with this key is refused. */
  stafet_client_t *liar = curve_client(w, "debtor", &k, 3000, &rc);
  assert_int_not_equal(rc, 0);
  stafet_client_destroy(liar);
}

/* Registers adapter cpr with the ACL --publish 'cpr.#' and connects it: it may
 * publish cpr.person.relocated and not debt.claim.created. */
static stafet_client_t *cpr_client(world_t *w, keypair_t *k) {
  gen_keys(w, "cpr", k);
  char args[300];
  snprintf(args, sizeof args, "add cpr '%s'", k->public_key);
  assert_int_equal(keys_tool(w, args), 0);
  assert_int_equal(keys_tool(w, "acl cpr --publish 'cpr.#'"), 0);
  await_registry(w, 1, 1);
  int rc;
  stafet_client_t *c = curve_client(w, "cpr", k, 10000, &rc);
  assert_int_equal(rc, 0);
  assert_int_equal(publish_status(c, "cpr.person.relocated"), 0);
  assert_int_equal(publish_status(c, "debt.claim.created"), STAFET_EACCES);
  return c;
}

static void test_acl_publish_and_revocation(void **state) {
  world_t *w = *state;
  keypair_t k;
  stafet_client_t *c = cpr_client(w, &k);
  char args[300];
  snprintf(args, sizeof args, "revoke '%s'", k.public_key);
  assert_int_equal(keys_tool(w, args), 0);
  int status = 0;
  for (long long end = th_now_ms() + 5000; status != STAFET_EACCES && th_now_ms() < end;)
    status = publish_status(c, "cpr.person.relocated"); /* the notice takes a moment */
  assert_int_equal(status, STAFET_EACCES);
  stafet_client_destroy(c);
}

static void test_acl_subscribe_has_no_wildcard_leaks(void **state) {
  world_t *w = *state;
  keypair_t pub_k, sub_k;
  gen_keys(w, "cpr", &pub_k);
  gen_keys(w, "valg", &sub_k);
  char args[300];
  snprintf(args, sizeof args, "add cpr '%s'", pub_k.public_key);
  assert_int_equal(keys_tool(w, args), 0);
  /* The same registry through stafetctl's front door. */
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "%s adapters add valg '%s' --redis unix:%s >/dev/null 2>&1",
           STAFET_CTL_BIN, sub_k.public_key, w->redis.socket);
  assert_int_equal(system(cmd), 0);
  assert_int_equal(keys_tool(w, "acl cpr --publish '#'"), 0);
  assert_int_equal(keys_tool(w, "acl valg --subscribe 'cpr.person.*'"), 0);
  await_registry(w, 2, 2); /* else the refusals below could be for want of any ACL */
  int rc;
  stafet_client_t *p = curve_client(w, "cpr", &pub_k, 10000, &rc);
  assert_int_equal(rc, 0);
  stafet_client_t *s = curve_client(w, "valg", &sub_k, 10000, &rc);
  assert_int_equal(rc, 0);
  th_collector_t col;
  th_collector_init(&col, true);
  stafet_subscription_t all = {.name = "valg_all", .patterns = PATTERNS("#"), .n_patterns = 1};
  assert_int_equal(th_subscribe(s, &all, &col), STAFET_EACCES);
  stafet_subscription_t wider = {
      .name = "valg_cpr", .patterns = PATTERNS("cpr.#"), .n_patterns = 1};
  assert_int_equal(th_subscribe(s, &wider, &col), STAFET_EACCES);
  stafet_subscription_t live = {
      .name = "valg_live", .patterns = PATTERNS("#"), .n_patterns = 1, .transient = 1};
  assert_int_equal(th_subscribe(s, &live, &col), STAFET_EACCES);
  stafet_subscription_t ok = {
      .name = "valg", .patterns = PATTERNS("cpr.person.*"), .n_patterns = 1};
  assert_int_equal(th_subscribe(s, &ok, &col), 0);
  assert_int_equal(publish_status(p, "cpr.person.relocated"), 0);
  assert_int_equal(publish_status(p, "debt.claim.created"), 0);
  stafet_client_t *cs[] = {s, NULL};
  assert_true(th_poll_until(cs, &col.n, 1, 5000));
  th_poll_for(cs, 300);
  assert_int_equal(col.n, 1);
  assert_string_equal(col.topics[0], "cpr.person.relocated");
  /* No queue was created for the refused subscriptions. */
  assert_int_equal(th_redis_int(&w->redis, "EXISTS stafet:q:{valg_all}"), 0);
  assert_int_equal(th_redis_int(&w->redis, "EXISTS stafet:q:{valg_cpr}"), 0);
  th_collector_free(&col);
  stafet_client_destroy(p);
  stafet_client_destroy(s);
}

/* Waits (on a MONITOR connection) until Redis has taken a command containing
 * `needle`; true if it did within timeout_ms. */
static bool monitor_sees(redisContext *mon, const char *needle, int timeout_ms) {
  for (long long end = th_now_ms() + timeout_ms; th_now_ms() < end;) {
    redisReply *r = NULL;
    if (redisGetReply(mon, (void **)&r) != REDIS_OK)
      return false;
    bool seen = r->type == REDIS_REPLY_STATUS && strstr(r->str, needle) != NULL;
    freeReplyObject(r);
    if (seen)
      return true;
  }
  return false;
}

/* A registry change announced while the hub is still reading the registry
 * (a large one, so the read's reply takes a while) must not be lost: the hub
 * reads it again after the change. Redis ran the read before the change, so
 * without that second read the new ACL would never take effect. */
static void test_change_during_registry_read_is_not_lost(void **state) {
  world_t *w = *state;
  keypair_t k;
  stafet_client_t *c = cpr_client(w, &k);
  /* 30,000 unregistered names in the key set: each read takes Redis tens of
   * milliseconds and its reply is about a megabyte. */
  assert_int_equal(
      th_redis_int(&w->redis, "EVAL %s 1 stafet:keys",
                   "for i = 1, 30000 do redis.call('SADD', KEYS[1], 'unused' .. i) end "
                   "return 0"),
      0);
  redisContext *mon = redisConnectUnix(w->redis.socket);
  assert_true(mon != NULL && !mon->err);
  struct timeval tv = {.tv_sec = 5};
  redisSetTimeout(mon, tv);
  redisReply *ok = redisCommand(mon, "MONITOR");
  assert_non_null(ok);
  freeReplyObject(ok);
  assert_true(th_redis_int(&w->redis, "PUBLISH stafet:changes keys") >= 1);
  assert_true(monitor_sees(mon, "acl:", 5000)); /* the hub's read has reached Redis */
  /* So the change lands after the read, and its notice reaches the hub while the
   * read's reply is still on its way. */
  assert_int_equal(th_redis_int(&w->redis, "HSET stafet:acl:cpr publish #"), 0);
  assert_true(th_redis_int(&w->redis, "PUBLISH stafet:changes keys") >= 1);
  redisFree(mon);
  int status = STAFET_EACCES;
  for (long long end = th_now_ms() + 5000; status == STAFET_EACCES && th_now_ms() < end;)
    status = publish_status(c, "debt.claim.created");
  assert_int_equal(status, 0);
  stafet_client_destroy(c);
}

static void on_request(stafet_client_t *c, const stafet_request_t *r, void *arg) {
  stafet_client_reply(c, r->request_id, "ok", 2);
}

static void on_reply(stafet_client_t *c, int status, const char *text, const void *payload,
                     size_t len, void *arg) {
  acked_t *a = arg;
  a->n++;
  a->status = status;
}

static void test_acl_call_and_provide(void **state) {
  world_t *w = *state;
  keypair_t prov_k, call_k;
  gen_keys(w, "cprp", &prov_k);
  gen_keys(w, "contact", &call_k);
  char args[300];
  snprintf(args, sizeof args, "add cprp '%s'", prov_k.public_key);
  assert_int_equal(keys_tool(w, args), 0);
  snprintf(args, sizeof args, "add contact '%s'", call_k.public_key);
  assert_int_equal(keys_tool(w, args), 0);
  assert_int_equal(keys_tool(w, "acl cprp --provide cpr.person.get"), 0);
  assert_int_equal(keys_tool(w, "acl contact --call cpr.person.get"), 0);
  await_registry(w, 2, 2);
  int rc;
  stafet_client_t *prov = curve_client(w, "cprp", &prov_k, 10000, &rc);
  assert_int_equal(rc, 0);
  stafet_client_t *caller = curve_client(w, "contact", &call_k, 10000, &rc);
  assert_int_equal(rc, 0);
  assert_int_equal(stafet_client_provide(prov, "cpr.person.get", on_request, NULL, 5000), 0);
  assert_int_equal(stafet_client_provide(prov, "debt.summary.get", on_request, NULL, 5000),
                   STAFET_EACCES);
  stafet_client_t *cs[] = {prov, caller, NULL};
  acked_t ok = {0}, refused = {0};
  assert_int_equal(stafet_client_request(caller, "cpr.person.get", "x", 1, 3000, on_reply, &ok), 0);
  assert_int_equal(stafet_client_request(caller, "case.list.get", "x", 1, 3000, on_reply, &refused),
                   0);
  for (long long end = th_now_ms() + 5000; (ok.n == 0 || refused.n == 0) && th_now_ms() < end;)
    th_poll_for(cs, 10);
  assert_int_equal(ok.status, 0);
  assert_int_equal(refused.status, STAFET_EACCES);
  stafet_client_destroy(prov);
  stafet_client_destroy(caller);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_unknown_key_is_refused_until_registered, world_curve,
                                      world_down),
      cmocka_unit_test_setup_teardown(test_key_beginning_with_dash_is_a_key, world_curve,
                                      world_down),
      cmocka_unit_test_setup_teardown(test_acl_publish_and_revocation, world_curve, world_down),
      cmocka_unit_test_setup_teardown(test_acl_subscribe_has_no_wildcard_leaks, world_curve,
                                      world_down),
      cmocka_unit_test_setup_teardown(test_acl_call_and_provide, world_curve, world_down),
      cmocka_unit_test_setup_teardown(test_change_during_registry_read_is_not_lost, world_curve,
                                      world_down),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
