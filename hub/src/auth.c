/*
 * auth.c — CURVE authentication through a ZAP handler, the key and ACL
 * registry cache, and the ACL checks (see auth.h).
 *
 * The ZAP handler is a REP socket on inproc://zeromq.zap.01 in the hub's
 * ZeroMQ context, watched on the libuv loop like the ROUTER. It answers from
 * the in-memory cache, never waiting on Redis: a handshake must not stall the
 * loop, and an unknown key is simply refused until the cache knows it.
 */
#include "auth.h"

#include "keys.h"
#include "queue_redis.h"
#include "stafet.h"
#include "topic.h"

#include <stdlib.h>
#include <string.h>

typedef struct acl {
  char adapter[NAME_MAX_LEN + 1];
  router_t *publish, *call, *provide; /* target = the acl itself */
  char **subscribe;
  size_t n_subscribe;
  bool cleared;
} acl_t;

struct auth {
  void *zap; /* REP */
  uv_poll_t poll;
  uv_idle_t idle;
  char secret[41]; /* Z85 */
  dict_t *keys;    /* Z85 public key -> adapter name (strdup) */
  dict_t *acls;    /* adapter -> acl_t* */
  bool loaded;
  bool reload_in_flight;
  bool reload_again; /* a notice came while a reload was in flight */
};

bool auth_enabled(const hub_t *hub) {
  return hub->auth != NULL;
}

/* ---- pattern subsumption ---- */

static bool covers_segs(char **a, size_t na, char **p, size_t np) {
  if (na == 0)
    return np == 0;
  if (strcmp(a[0], "#") == 0) {
    if (covers_segs(a + 1, na - 1, p, np))
      return true;                                      /* '#' matches nothing here */
    return np > 0 && covers_segs(a, na, p + 1, np - 1); /* '#' eats p[0], whatever it is */
  }
  if (np == 0 || strcmp(p[0], "#") == 0)
    return false; /* p can match more (or fewer) segments than a allows */
  if (strcmp(a[0], "*") == 0 || (strcmp(p[0], "*") != 0 && strcmp(a[0], p[0]) == 0))
    return covers_segs(a + 1, na - 1, p + 1, np - 1);
  return false;
}

static size_t split_segments(char *text, char **segs, size_t max) {
  size_t n = 0;
  for (char *save = NULL, *tok = strtok_r(text, ".", &save); tok && n < max;
       tok = strtok_r(NULL, ".", &save))
    segs[n++] = tok;
  return n;
}

bool pattern_covers(const char *allowed, const char *pattern) {
  char a_buf[TOPIC_MAX_LEN + 1], p_buf[TOPIC_MAX_LEN + 1];
  char *a[TOPIC_MAX_SEGMENTS], *p[TOPIC_MAX_SEGMENTS];
  snprintf(a_buf, sizeof a_buf, "%s", allowed);
  snprintf(p_buf, sizeof p_buf, "%s", pattern);
  size_t na = split_segments(a_buf, a, TOPIC_MAX_SEGMENTS);
  size_t np = split_segments(p_buf, p, TOPIC_MAX_SEGMENTS);
  return covers_segs(a, na, p, np);
}

/* ---- the cache ---- */

static void acl_free(void *value, void *arg) {
  acl_t *acl = value;
  router_free(acl->publish);
  router_free(acl->call);
  router_free(acl->provide);
  for (size_t i = 0; i < acl->n_subscribe; i++)
    free(acl->subscribe[i]);
  free(acl->subscribe);
  free(acl);
}

static void key_free(void *value, void *arg) {
  free(value);
}

/* Adds each newline-separated pattern of text to r (invalid ones are logged and skipped). */
static void add_patterns(hub_t *hub, router_t *r, const char *text, acl_t *acl) {
  char copy[4096];
  snprintf(copy, sizeof copy, "%s", text);
  for (char *save = NULL, *tok = strtok_r(copy, "\n", &save); tok;
       tok = strtok_r(NULL, "\n", &save))
    if (router_add(r, tok, acl) != 0)
      log_warn(&hub->log, "bad acl pattern", "adapter=%s pattern=\"%s\"", acl->adapter, tok);
}

static acl_t *acl_from_reply(hub_t *hub, const redisReply *r) {
  /* {"acl", name, publish, subscribe, call, provide, clearance} */
  acl_t *acl = calloc(1, sizeof *acl);
  if (acl == NULL || router_new(&acl->publish) || router_new(&acl->call) ||
      router_new(&acl->provide)) {
    if (acl)
      acl_free(acl, NULL);
    return NULL;
  }
  snprintf(acl->adapter, sizeof acl->adapter, "%s", r->element[1]->str);
  add_patterns(hub, acl->publish, r->element[2]->str, acl);
  add_patterns(hub, acl->call, r->element[4]->str, acl);
  add_patterns(hub, acl->provide, r->element[5]->str, acl);
  acl->cleared = strcmp(r->element[6]->str, "protected") == 0;
  char copy[4096];
  snprintf(copy, sizeof copy, "%s", r->element[3]->str);
  for (char *save = NULL, *tok = strtok_r(copy, "\n", &save); tok;
       tok = strtok_r(NULL, "\n", &save)) {
    char **grown = realloc(acl->subscribe, (acl->n_subscribe + 1) * sizeof *grown);
    if (grown == NULL)
      break;
    acl->subscribe = grown;
    acl->subscribe[acl->n_subscribe++] = strdup(tok);
  }
  return acl;
}

static void on_registry(hub_t *hub, redisReply *reply, void *arg) {
  struct auth *a = hub->auth;
  a->reload_in_flight = false;
  if (a->reload_again) {
    /* Redis may have run this read before the change the notice announced:
     * read once more, after it. */
    a->reload_again = false;
    auth_reload(hub);
  }
  if (reply == NULL || reply->type != REDIS_REPLY_ARRAY)
    return; /* kept what we had; the reconnect reloads */
  dict_each(a->keys, key_free, NULL);
  dict_each(a->acls, acl_free, NULL);
  dict_free(a->keys);
  dict_free(a->acls);
  dict_new(&a->keys);
  dict_new(&a->acls);
  size_t n_keys = 0;
  for (size_t i = 0; i < reply->elements; i++) {
    const redisReply *e = reply->element[i];
    if (e->type != REDIS_REPLY_ARRAY || e->elements < 4)
      continue;
    if (strcmp(e->element[0]->str, "key") == 0 && strcmp(e->element[3]->str, "active") == 0 &&
        e->element[2]->str[0]) {
      dict_sets(a->keys, e->element[1]->str, strdup(e->element[2]->str));
      n_keys++;
    } else if (strcmp(e->element[0]->str, "acl") == 0 && e->elements == 7) {
      acl_t *acl = acl_from_reply(hub, e);
      if (acl != NULL)
        dict_sets(a->acls, acl->adapter, acl);
    }
  }
  a->loaded = true;
  log_info(&hub->log, "adapter registry loaded", "active_keys=%zu acls=%zu", n_keys,
           dict_size(a->acls));
}

static const char registry_lua[] =
    "local out = {}\n"
    "for _, k in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
    "  local h = redis.call('HMGET', ARGV[1] .. 'key:' .. k, 'adapter', 'status')\n"
    "  out[#out + 1] = {'key', k, h[1] or '', h[2] or ''}\n"
    "end\n"
    "for _, n in ipairs(redis.call('SMEMBERS', KEYS[2])) do\n"
    "  local h = redis.call('HMGET', ARGV[1] .. 'acl:' .. n, 'publish', 'subscribe', 'call',\n"
    "                       'provide', 'clearance')\n"
    "  out[#out + 1] = {'acl', n, h[1] or '', h[2] or '', h[3] or '', h[4] or '', h[5] or ''}\n"
    "end\n"
    "return out\n";

void auth_reload(hub_t *hub) {
  struct auth *a = hub->auth;
  if (a == NULL)
    return;
  if (a->reload_in_flight) {
    a->reload_again = true;
    return;
  }
  char keys[KEY_MAX], acls[KEY_MAX];
  snprintf(keys, sizeof keys, "%s%s", hub->cfg.prefix, KEY_KEYS);
  snprintf(acls, sizeof acls, "%s%s", hub->cfg.prefix, KEY_ACLS);
  const char *argv[] = {"EVAL", registry_lua, "2", keys, acls, hub->cfg.prefix};
  if (store_command(hub, on_registry, NULL, 6, argv, NULL) == 0)
    a->reload_in_flight = true;
}

/* ---- the ZAP handler (RFC 27) ---- */

static void zap_reply(void *sock, const zmq_msg_t *request_id, const char *status, const char *text,
                      const char *user_id) {
  zmq_send(sock, "1.0", 3, ZMQ_SNDMORE);
  zmq_send(sock, zmq_msg_data((zmq_msg_t *)request_id), zmq_msg_size((zmq_msg_t *)request_id),
           ZMQ_SNDMORE);
  zmq_send(sock, status, strlen(status), ZMQ_SNDMORE);
  zmq_send(sock, text, strlen(text), ZMQ_SNDMORE);
  zmq_send(sock, user_id, strlen(user_id), ZMQ_SNDMORE);
  zmq_send(sock, "", 0, 0);
}

/* Handles one ZAP request; 0 if none was waiting. */
static int zap_handle_one(hub_t *hub) {
  struct auth *a = hub->auth;
  zmq_msg_t parts[7];
  int n = 0;
  for (int i = 0; i < 7; i++)
    zmq_msg_init(&parts[i]);
  if (zmq_msg_recv(&parts[0], a->zap, ZMQ_DONTWAIT) < 0)
    return 0;
  for (n = 1; n < 7 && zmq_msg_more(&parts[n - 1]); n++)
    zmq_msg_recv(&parts[n], a->zap, 0);
  while (zmq_msg_more(&parts[n - 1])) { /* more than we expect: drop the rest */
    zmq_msg_t extra;
    zmq_msg_init(&extra);
    zmq_msg_recv(&extra, a->zap, 0);
    bool more = zmq_msg_more(&extra);
    zmq_msg_close(&extra);
    if (!more)
      break;
  }
  char key[41] = "";
  const char *adapter = NULL;
  /* version, request id, domain, address, identity, mechanism, credentials */
  if (n == 7 && zmq_msg_size(&parts[5]) == 5 && memcmp(zmq_msg_data(&parts[5]), "CURVE", 5) == 0 &&
      zmq_msg_size(&parts[6]) == 32) {
    zmq_z85_encode(key, zmq_msg_data(&parts[6]), 32);
    adapter = dict_gets(a->keys, key);
  }
  if (adapter != NULL) {
    zap_reply(a->zap, &parts[1], "200", "OK", key);
  } else {
    hub->stats.auth_refused++;
    log_warn(&hub->log, "connection refused", "key=%s reason=\"%s\"", key[0] ? key : "-",
             !a->loaded ? "registry not loaded yet"
             : key[0]   ? "unknown or revoked key"
                        : "not CURVE");
    zap_reply(a->zap, &parts[1], "400", "unknown or revoked key", "");
  }
  for (int i = 0; i < 7; i++)
    zmq_msg_close(&parts[i]);
  return 1;
}

static void on_zap_idle(uv_idle_t *idle);

static void zap_drain(hub_t *hub) {
  struct auth *a = hub->auth;
  for (int i = 0; i < 64; i++) {
    uint32_t events = 0;
    size_t sz = sizeof events;
    if (zmq_getsockopt(a->zap, ZMQ_EVENTS, &events, &sz) != 0 || !(events & ZMQ_POLLIN)) {
      uv_idle_stop(&a->idle);
      return;
    }
    zap_handle_one(hub);
  }
  uv_idle_start(&a->idle, on_zap_idle); /* budget spent: go on after other work */
}

static void on_zap_idle(uv_idle_t *idle) {
  zap_drain(idle->data);
}

static void on_zap_readable(uv_poll_t *poll, int status, int events) {
  zap_drain(poll->data);
}

static int read_secret(hub_t *hub, char out[41]) {
  FILE *f = fopen(hub->cfg.curve_secret_key_file, "r");
  char line[128] = "";
  if (f != NULL) {
    if (fgets(line, sizeof line, f) == NULL)
      line[0] = '\0';
    fclose(f);
  }
  line[strcspn(line, "\r\n \t")] = '\0';
  uint8_t raw[32];
  if (strlen(line) != 40 || zmq_z85_decode(raw, line) == NULL) {
    log_error(&hub->log, "cannot read CURVE secret key", "file=%s want=\"40 Z85 characters\"",
              hub->cfg.curve_secret_key_file);
    return STAFET_EINVAL;
  }
  memcpy(out, line, 41);
  return 0;
}

int auth_open(hub_t *hub) {
  if (hub->cfg.curve_secret_key_file[0] == '\0')
    return 0;
  struct auth *a = calloc(1, sizeof *a);
  if (a == NULL)
    return STAFET_ENOMEM;
  hub->auth = a;
  if (read_secret(hub, a->secret) != 0 || dict_new(&a->keys) != 0 || dict_new(&a->acls) != 0)
    return STAFET_EINVAL;
  a->zap = zmq_socket(hub->zctx, ZMQ_REP);
  int linger = 0;
  zmq_setsockopt(a->zap, ZMQ_LINGER, &linger, sizeof linger);
  if (zmq_bind(a->zap, "inproc://zeromq.zap.01") != 0)
    return STAFET_EIO;
  int fd;
  size_t sz = sizeof fd;
  zmq_getsockopt(a->zap, ZMQ_FD, &fd, &sz);
  uv_poll_init(hub->loop, &a->poll, fd);
  a->poll.data = hub;
  uv_poll_start(&a->poll, UV_READABLE, on_zap_readable);
  uv_idle_init(hub->loop, &a->idle);
  a->idle.data = hub;
  char public[41];
  zmq_curve_public(public, a->secret);
  log_info(&hub->log, "CURVE on", "server_public_key=%s", public);
  return 0;
}

int auth_configure_router(hub_t *hub, void *router) {
  if (hub->auth == NULL)
    return 0;
  int one = 1;
  if (zmq_setsockopt(router, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
      zmq_setsockopt(router, ZMQ_CURVE_SECRETKEY, hub->auth->secret, 40) != 0 ||
      zmq_setsockopt(router, ZMQ_ZAP_DOMAIN, "stafet", 6) != 0)
    return STAFET_EIO;
  return 0;
}

void auth_close(hub_t *hub) {
  struct auth *a = hub->auth;
  if (a == NULL || a->zap == NULL)
    return;
  uv_poll_stop(&a->poll);
  uv_close((uv_handle_t *)&a->poll, NULL);
  uv_idle_stop(&a->idle);
  uv_close((uv_handle_t *)&a->idle, NULL);
  zmq_close(a->zap);
  a->zap = NULL;
}

void auth_free(hub_t *hub) {
  struct auth *a = hub->auth;
  if (a == NULL)
    return;
  dict_each(a->keys, key_free, NULL);
  dict_each(a->acls, acl_free, NULL);
  dict_free(a->keys);
  dict_free(a->acls);
  free(a);
  hub->auth = NULL;
}

/* ---- per-frame identity and ACL checks ---- */

const char *auth_frame_adapter(hub_t *hub, zmq_msg_t *frame) {
  if (hub->auth == NULL)
    return "";
  const char *key = zmq_msg_gets(frame, "User-Id");
  return key ? dict_gets(hub->auth->keys, key) : NULL;
}

static const acl_t *acl_of(hub_t *hub, const session_t *s, char *why, size_t n) {
  const acl_t *acl = dict_gets(hub->auth->acls, s->adapter);
  if (acl == NULL)
    snprintf(why, n, "adapter '%s' has no ACL: it may do nothing", s->adapter);
  return acl;
}

static void note_match(void *target, void *arg) {
  *(bool *)arg = true;
}

static bool allowed_by(router_t *r, const char *name) {
  bool found = false;
  router_match(r, name, note_match, &found);
  return found;
}

static bool may(hub_t *hub, const session_t *s, const char *name, const char *what, char *why,
                size_t n, size_t which) {
  if (hub->auth == NULL)
    return true;
  const acl_t *acl = acl_of(hub, s, why, n);
  if (acl == NULL)
    return false;
  router_t *r = which == 0 ? acl->publish : which == 1 ? acl->call : acl->provide;
  if (allowed_by(r, name))
    return true;
  snprintf(why, n, "adapter '%s' may not %s '%.200s'", s->adapter, what, name);
  return false;
}

bool auth_may_publish(hub_t *hub, const session_t *s, const char *topic, char *why, size_t n) {
  return may(hub, s, topic, "publish to", why, n, 0);
}

bool auth_may_call(hub_t *hub, const session_t *s, const char *service, char *why, size_t n) {
  return may(hub, s, service, "call", why, n, 1);
}

bool auth_may_provide(hub_t *hub, const session_t *s, const char *service, char *why, size_t n) {
  return may(hub, s, service, "provide", why, n, 2);
}

bool auth_may_subscribe(hub_t *hub, const session_t *s, char *const *patterns, size_t n_patterns,
                        char *why, size_t n) {
  if (hub->auth == NULL)
    return true;
  const acl_t *acl = acl_of(hub, s, why, n);
  if (acl == NULL)
    return false;
  for (size_t i = 0; i < n_patterns; i++) {
    bool covered = false;
    for (size_t k = 0; k < acl->n_subscribe && !covered; k++)
      covered = pattern_covers(acl->subscribe[k], patterns[i]);
    if (!covered) {
      snprintf(why, n, "pattern '%.200s' reaches topics adapter '%s' may not read", patterns[i],
               s->adapter);
      return false;
    }
  }
  return true;
}

bool auth_cleared(hub_t *hub, const session_t *s) {
  if (hub->auth == NULL)
    return true;
  const acl_t *acl = dict_gets(hub->auth->acls, s->adapter);
  return acl != NULL && acl->cleared;
}
