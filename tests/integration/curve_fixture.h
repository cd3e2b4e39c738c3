/*
 * curve_fixture.h — a hub with CURVE on, key pairs made with the real
 * stafet-keys tool, and clients that authenticate. Include after fixture.h
 * in one test file each.
 */
#ifndef STAFET_TEST_CURVE_FIXTURE_H
#define STAFET_TEST_CURVE_FIXTURE_H

#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct keypair {
  char public_key[41], secret_key[41];
} keypair_t;

static inline void read_key(const char *path, char out[41]) {
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  assert_non_null(fgets(out, 41, f));
  fclose(f);
}

/* stafet-keys with the test's Redis; returns its exit status. */
static inline int keys_tool(world_t *w, const char *args) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "%s %s --redis unix:%s >/dev/null 2>&1", STAFET_KEYS_BIN, args,
           w->redis.socket);
  return system(cmd);
}

static inline void gen_keys(world_t *w, const char *name, keypair_t *k) {
  char cmd[1024], path[400];
  snprintf(cmd, sizeof cmd, "%s gen %s --dir %s >/dev/null", STAFET_KEYS_BIN, name, w->dir);
  assert_int_equal(system(cmd), 0);
  snprintf(path, sizeof path, "%s/%s.pub", w->dir, name);
  read_key(path, k->public_key);
  snprintf(path, sizeof path, "%s/%s.key", w->dir, name);
  read_key(path, k->secret_key);
}

static keypair_t hub_keys;
static int registered_keys, registered_acls; /* what curve_adapter() added so far */

/* Waits until the hub has read a registry with exactly `keys` active keys and
 * `acls` ACLs: stafet-keys returns once Redis has the change, the hub applies
 * it a moment later (on the "keys" notice). */
static inline void await_registry(world_t *w, int keys, int acls) {
  char counts[64];
  snprintf(counts, sizeof counts, "active_keys=%d acls=%d\n", keys, acls);
  const char *texts[] = {"adapter registry loaded", counts, NULL};
  assert_true(th_log_wait(w->hub.log_path, texts, 1, 10000, NULL));
}

static inline int world_curve(void **state) {
  static world_t w;
  memset(&w, 0, sizeof w);
  registered_keys = registered_acls = 0;
  th_tempdir(w.dir);
  if (th_redis_start(&w.redis, w.dir) != 0)
    return -1;
  gen_keys(&w, "hub", &hub_keys);
  static char key_file[400];
  snprintf(key_file, sizeof key_file, "%s/hub.key", w.dir);
  w.hub.extra[0] = "--curve-secret-key-file";
  w.hub.extra[1] = key_file;
  *state = &w;
  return th_hub_start(&w.hub, w.dir, &w.redis);
}

static inline stafet_client_t *curve_client(world_t *w, const char *adapter, const keypair_t *k,
                                            int timeout_ms, int *rc_out) {
  stafet_client_options_t o = {.endpoint = w->hub.endpoint,
                               .adapter = adapter,
                               .heartbeat_ms = 200,
                               .reconnect_min_ms = 20,
                               .reconnect_max_ms = 200,
                               .curve_server_key = hub_keys.public_key,
                               .curve_public_key = k->public_key,
                               .curve_secret_key = k->secret_key};
  stafet_client_t *c = NULL;
  assert_int_equal(stafet_client_new(&c, &o), 0);
  *rc_out = stafet_client_connect(c, timeout_ms);
  return c;
}

/* Registers a new key pair for a new adapter (with an ACL given as
 * stafet-keys arguments), waits for the hub to know both, and connects it. */
static inline stafet_client_t *curve_adapter(world_t *w, const char *adapter,
                                             const char *acl_args) {
  keypair_t k;
  gen_keys(w, adapter, &k);
  char args[600];
  snprintf(args, sizeof args, "add %s '%s'", adapter, k.public_key);
  assert_int_equal(keys_tool(w, args), 0);
  snprintf(args, sizeof args, "acl %s %s", adapter, acl_args);
  assert_int_equal(keys_tool(w, args), 0);
  await_registry(w, ++registered_keys, ++registered_acls);
  int rc;
  stafet_client_t *c = curve_client(w, adapter, &k, 10000, &rc);
  assert_int_equal(rc, 0);
  return c;
}

#endif
