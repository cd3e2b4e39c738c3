/*
 * test_admin_dashboard.c — the dashboard in a real browser: a hub with
 * traffic (a queue nobody consumes, a poison message a consumer rejects), then
 * headless Chromium loads the page, lets its JavaScript fetch and render
 * (--virtual-time-budget), and we read the DOM it dumps: the subscriptions
 * with their depths in the table and the flow picture, the view of one
 * subscription, and the dead letter with its reason, CPR number masked.
 */
#include "admin.h"
#include "fixture.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

static void rejecting(stafet_client_t *c, const stafet_delivery_t *d, void *arg) {
  (*(size_t *)arg)++;
  stafet_client_nack(c, d->subscription, d->delivery_id, 0, "schema_mismatch for 010190-1234");
}

/* Fails with the page's DOM in the log, so a failure says what the page showed. */
static void assert_dom_has(const char *dom, const char *text, bool present) {
  if ((strstr(dom, text) != NULL) != present)
    fail_msg("the page %s \"%s\"; it was:\n%.20000s", present ? "lacks" : "shows", text, dom);
}

/* A subscription's queue figure as GET /api/subscriptions lists it (cached), or -1. */
static long long cached_figure(const char *addr, const char *name, const char *figure) {
  json_t *list = th_get_json(addr, "/api/subscriptions"), *s;
  long long value = -1;
  size_t i;
  json_array_foreach(json_object_get(list, "subscriptions"), i, s) {
    if (strcmp(json_string_value(json_object_get(s, "name")), name) == 0)
      value = th_json_int(s, (const char *const[]){"queue", figure, NULL});
  }
  json_decref(list);
  return value;
}

static void post(const char *addr, const char *json) {
  assert_int_equal(th_http(addr, "POST", "/api/subscriptions", "application/json", json, NULL),
                   201);
}

/* Loads url in headless Chromium and returns the DOM after the scripts ran.
 * Meanwhile the clients are polled, so their sessions stay alive on the page. */
static char *browser_dom(const world_t *w, const char *url, stafet_client_t **clients) {
  if (STAFET_CHROMIUM[0] == '\0')
    fail_msg("chromium is not installed: run deploy/install-deps.sh");
  char profile_flag[320], out_path[300], log_path[300];
  snprintf(log_path, sizeof log_path, "%s/chromium.log", w->dir);
  snprintf(profile_flag, sizeof profile_flag, "--user-data-dir=%s/chromium-profile", w->dir);
  snprintf(out_path, sizeof out_path, "%s/dom.html", w->dir);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600); /* its chatter */
    dup2(fd, 1);
    dup2(log, 2);
    execl(STAFET_CHROMIUM, STAFET_CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
          "--disable-quic", "--no-first-run", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", profile_flag,
          "--virtual-time-budget=10000", "--dump-dom", url, (char *)NULL);
    _exit(127);
  }
  int status = 0;
  for (long long end = th_now_ms() + 60000; waitpid(pid, &status, WNOHANG) == 0;) {
    for (size_t i = 0; clients[i] != NULL; i++)
      stafet_client_poll(clients[i], 20);
    if (th_now_ms() > end)
      kill(pid, SIGKILL);
  }
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return th_read_file(out_path);
}

static void test_dashboard_shows_flow_depths_and_dead_letters(void **state) {
  world_t *w = *state;
  char addr[64], url[128];
  assert_true(th_admin_ready(&w->hub, addr, 64, 10000));
  post(addr, "{\"name\":\"folkeregister\",\"patterns\":[\"cpr.#\"]}");
  post(addr, "{\"name\":\"opkraevning\",\"patterns\":[\"debt.#\"]}");
  stafet_client_t *pub = th_client(w->hub.endpoint, "cpr");
  stafet_client_t *bad = th_client(w->hub.endpoint, "sagssystem");
  size_t rejected = 0;
  stafet_subscription_t s = {.name = "folkeregister"};
  assert_int_equal(stafet_client_subscribe(bad, &s, rejecting, &rejected, 15000), 0);
  assert_int_equal(th_publish_wait(pub, "cpr.person.relocated", "0751", NULL, 0, NULL), 0);
  for (int i = 0; i < 3; i++)
    assert_int_equal(th_publish_wait(pub, "debt.claim.created", "0751", NULL, 0, NULL), 0);
  stafet_client_t *clients[] = {bad, NULL};
  assert_true(th_poll_until(clients, &rejected, 1, 10000));
  /* The page shows the hub's cached queue figures: wait until they are in
   * (polling the clients meanwhile, so that their sessions stay alive). */
  stafet_client_t *both[] = {bad, pub, NULL};
  bool cached = false;
  for (long long end = th_now_ms() + 15000; th_now_ms() < end && !cached;) {
    th_poll_for(both, 20);
    cached = cached_figure(addr, "opkraevning", "depth") == 3 &&
             cached_figure(addr, "folkeregister", "dead_letters") == 1;
  }
  assert_true(cached);

  snprintf(url, sizeof url, "http://%s/#/sub/folkeregister", addr);
  char *dom = browser_dom(w, url, both);
  assert_dom_has(dom, "data-rendered=", true); /* the scripts ran to the end */
  /* The table and the flow picture show the backlog of the idle subscription. */
  assert_dom_has(dom, "<td class=\"depth\" data-sub=\"opkraevning\">3</td>", true);
  assert_dom_has(dom, "data-name=\"opkraevning\" data-depth=\"3\"", true);
  assert_dom_has(dom, "data-name=\"cpr.person.relocated\"", true); /* a topic node */
  assert_dom_has(dom, "class=\"node adapter\" data-name=\"sagssystem\"", true);
  /* The view of one subscription, and the dead letter with its reason, masked. */
  assert_dom_has(dom, "<span id=\"sub-name\">folkeregister</span>", true);
  assert_dom_has(dom, "schema_mismatch for 010190-****", true);
  assert_dom_has(dom, "010190-1234", false);
  free(dom);
  stafet_client_destroy(bad);
  stafet_client_destroy(pub);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_dashboard_shows_flow_depths_and_dead_letters,
                                      world_default, world_down),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
