/*
 * test_host_curve.c — the host against a hub with CURVE and ACLs on: each
 * plugin connects with its own key pair, read from files that `stafet-keys
 * gen` wrote (curve_server_key_file, curve_keys_dir/NAME.key and .pub), and
 * then does what its ACL allows; a plugin without key files is reported
 * with the file it could not read, and the others keep working.
 */
#include "host_fixture.h"

#include "curve_fixture.h"

typedef struct scene {
  world_t *w;
  th_adapter_t adapter;
  stafet_client_t *client;
  th_collector_t col;
} scene_t;

static int setup(void **state) {
  if (world_curve(state) != 0)
    return -1;
  scene_t *s = calloc(1, sizeof *s);
  s->w = *state;
  *state = s;
  s->client = curve_adapter(
      s->w, "it_curve", "--publish 'cpr.#' --subscribe 'template.#' --call template.status.get");
  th_collector_init(&s->col, true);
  stafet_subscription_t sub = {
      .name = "it_curve_out", .patterns = PATTERNS("template.#"), .n_patterns = 1};
  if (th_subscribe(s->client, &sub, &s->col) != 0)
    return -1;
  keypair_t k;
  gen_keys(s->w, "template", &k);
  char args[600];
  snprintf(args, sizeof args, "add template '%s'", k.public_key);
  assert_int_equal(keys_tool(s->w, args), 0);
  assert_int_equal(keys_tool(s->w, "acl template --publish 'template.#' --subscribe "
                                   "cpr.person.relocated --provide template.status.get"),
                   0);
  await_registry(s->w, 2, 2); /* it_curve's and template's */
  char plugins[2048];
  snprintf(plugins, sizeof plugins,
           "curve_server_key_file = %s/hub.pub\ncurve_keys_dir = %s\n"
           "[plugin template]\npath = %s\n"
           "[plugin nokey]\npath = %s\n",
           s->w->dir, s->w->dir, STAFET_TEMPLATE_PLUGIN, STAFET_TEMPLATE_PLUGIN);
  host_start(&s->adapter, s->w, "host", plugins);
  return 0;
}

static int teardown(void **state) {
  scene_t *s = *state;
  th_adapter_stop(&s->adapter, SIGKILL); /* only if the test failed before stopping it */
  stafet_client_destroy(s->client);
  th_collector_free(&s->col);
  void *w = s->w;
  free(s);
  return world_down(&w);
}

static void test_plugins_authenticate(void **state) {
  scene_t *s = *state;
  stafet_client_t *cs[] = {s->client, NULL};
  assert_true(host_wait_running(&s->adapter, "template", 1, cs));
  char text[256];
  assert_int_equal(host_ask(cs, "template.status.get", "", text), 0);
  assert_string_equal(text, "hej seen=0 notes=0");
  assert_int_equal(th_publish_wait(s->client, "cpr.person.relocated", "0751", NULL, 0, NULL), 0);
  assert_true(host_wait_topic(cs, &s->col, "template.relocation.seen", 1, 10000));

  char reason[512];
  snprintf(reason, sizeof reason, "reason=\"cannot read CURVE key %s/nokey.pub", s->w->dir);
  assert_true(th_log_wait(s->adapter.log_path,
                          TEXTS("msg=\"plugin failed\"", "plugin=nokey ", "phase=prepare", reason),
                          2, 15000, cs));
  host_stop_clean(&s->adapter);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_plugins_authenticate, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
