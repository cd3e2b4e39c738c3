/*
 * queue_redis.c — hiredis async on the libuv loop.
 *
 * Two connections: `cmd` carries every command, pipelined (hiredis writes
 * them as they come and calls back in order); `sub` is in SUBSCRIBE mode for
 * the change channel. On (re)connect we load the Lua scripts, and only when
 * their SHAs are known does the store become ready: then the routing table is
 * reloaded (it may have changed while we were away) and delivery resumes.
 *
 * When a connection drops, hiredis calls every pending callback with a NULL
 * reply; callers treat that as "not done" (a publish is answered
 * STORE_UNAVAILABLE, a delivery read is simply retried later).
 */
#include "queue_redis.h"

#include "auth.h"
#include "keys.h"
#include "metrics.h"
#include "request.h"
#include "sentinel.h"
#include "stafet.h"

#include <hiredis/adapters/libuv.h>
#include <hiredis/async.h>
#include <stdlib.h>
#include <string.h>

typedef struct pending_cmd {
  hub_t *hub;
  store_reply_fn fn;
  void *arg;
  uint64_t sent_ns; /* uv_hrtime() at send: the round trip goes to metrics */
} pending_cmd_t;

static void store_schedule_reconnect(hub_t *hub);

bool reply_is_error(const redisReply *r) {
  return r == NULL || r->type == REDIS_REPLY_ERROR;
}

const redisReply *reply_field(const redisReply *fields, const char *name) {
  if (fields == NULL || fields->type != REDIS_REPLY_ARRAY)
    return NULL;
  for (size_t i = 0; i + 1 < fields->elements; i += 2)
    if (fields->element[i]->type == REDIS_REPLY_STRING &&
        strcmp(fields->element[i]->str, name) == 0)
      return fields->element[i + 1];
  return NULL;
}

bool store_ready(const hub_t *hub) {
  return hub->store.ready && !hub->store.closing;
}

void store_key(const hub_t *hub, char *out, size_t out_size, const char *fmt, const char *name) {
  snprintf(out, out_size, fmt, hub->cfg.prefix, name);
}

dedupe_window_t dedupe_window(const hub_t *hub, uint64_t now_ms) {
  uint64_t ttl = hub->cfg.dedupe_ttl_ms;
  uint64_t width = ttl / 2 + ttl % 2;
  if (width == 0)
    width = 1;
  dedupe_window_t w = {.now_bucket = now_ms / width};
  w.lo = now_ms >= ttl ? (now_ms - ttl) / width : 0;
  w.hi = w.now_bucket + 1;
  w.expire_at_ms = (w.now_bucket + 1) * width + ttl;
  return w;
}

void dedupe_spec(const hub_t *hub, uint64_t now_ms, char *out, size_t out_size) {
  dedupe_window_t w = dedupe_window(hub, now_ms);
  snprintf(out, out_size, "%llu:%llu:%s", (unsigned long long)w.lo, (unsigned long long)w.hi,
           hub->cfg.prefix);
}

static void on_command_reply(redisAsyncContext *ac, void *reply, void *privdata) {
  pending_cmd_t *p = privdata;
  hub_t *hub = p->hub;
  const redisReply *r = reply;
  if (r != NULL)
    hub->store.last_reply_ms = hub_now_ms();
  if (r != NULL && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "READONLY", 8) == 0 &&
      !hub->store.demoted) {
    /* Our master was demoted (a failover): find the new one. */
    hub->store.demoted = true;
    log_warn(&hub->log, "redis master is now a replica; reconnecting", "host=%s port=%d",
             hub->store.host, hub->store.port);
    redisAsyncDisconnect(ac);
  }
  hub->store.pending--;
  if (reply != NULL)
    metrics_observe_redis(hub, uv_hrtime() - p->sent_ns);
  if (p->fn != NULL)
    p->fn(hub, reply, p->arg);
  free(p);
}

/* Writes v in decimal at p; returns the end. */
static char *put_number(char *p, size_t v) {
  char digits[24];
  size_t n = 0;
  do
    digits[n++] = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  while (n > 0)
    *p++ = digits[--n];
  return p;
}

/*
 * hiredis 0.14 formats a command argument by argument (sdscatfmt, then a
 * buffer grown piece by piece): for the store script, with thousands of
 * arguments per call, that was 11 % of the hub's instructions per durable
 * message (callgrind). This sizes the buffer first and copies each argument
 * once; test_resp checks it byte for byte against redisFormatCommandArgv().
 */
char *store_format_command(int argc, const char **argv, const size_t *lens, size_t *len) {
  size_t total = 1 + 20 + 2; /* "*" argc "\r\n" */
  for (int i = 0; i < argc; i++)
    total += 1 + 20 + 2 + (lens ? lens[i] : strlen(argv[i])) + 2;
  char *out = malloc(total), *p = out;
  if (out == NULL)
    return NULL;
  *p++ = '*';
  p = put_number(p, (size_t)argc);
  *p++ = '\r';
  *p++ = '\n';
  for (int i = 0; i < argc; i++) {
    size_t n = lens ? lens[i] : strlen(argv[i]);
    *p++ = '$';
    p = put_number(p, n);
    *p++ = '\r';
    *p++ = '\n';
    if (n > 0)
      memcpy(p, argv[i], n);
    p += n;
    *p++ = '\r';
    *p++ = '\n';
  }
  *len = (size_t)(p - out);
  return out;
}

static int send_argv(hub_t *hub, store_reply_fn fn, void *arg, int argc, const char **argv,
                     const size_t *lens) {
  if (hub->store.cmd == NULL || !hub->store.cmd_connected)
    return STAFET_EUNAVAIL;
  pending_cmd_t *p = malloc(sizeof *p);
  if (p == NULL)
    return STAFET_ENOMEM;
  *p = (pending_cmd_t){hub, fn, arg, uv_hrtime()};
  size_t len = 0;
  char *cmd = store_format_command(argc, argv, lens, &len);
  if (cmd == NULL) {
    free(p);
    return STAFET_ENOMEM;
  }
  int rc = redisAsyncFormattedCommand(hub->store.cmd, on_command_reply, p, cmd, len);
  free(cmd); /* hiredis copied it into its output buffer */
  if (rc != REDIS_OK) {
    free(p);
    return STAFET_EUNAVAIL;
  }
  if (hub->store.pending++ == 0)
    hub->store.last_reply_ms = hub_now_ms(); /* the clock starts with the first one waiting */
  return 0;
}

/*
 * hiredis 0.14 has no command time-outs, and a cut network often looks like
 * a connection that simply stops answering. So: when commands are waiting and
 * nothing has come back for redis_timeout_ms, give the connection up. Freeing
 * it answers every pending callback with NULL (publishes get
 * STORE_UNAVAILABLE and are re-sent) and the reconnect starts over.
 */
void store_check_stalled(hub_t *hub) {
  store_t *st = &hub->store;
  if (st->cmd == NULL || !st->cmd_connected || st->pending == 0 ||
      hub_now_ms() - st->last_reply_ms < hub->cfg.redis_timeout_ms)
    return;
  log_warn(&hub->log, "redis not answering; dropping the connection", "pending=%llu waited_ms=%llu",
           (unsigned long long)st->pending, (unsigned long long)(hub_now_ms() - st->last_reply_ms));
  redisAsyncContext *cmd = st->cmd, *sub = st->sub;
  if (sub != NULL)
    redisAsyncFree(sub); /* its disconnect callback forgets it */
  if (st->cmd == cmd)
    redisAsyncFree(cmd); /* the same for cmd, and every pending callback gets NULL */
}

int store_command(hub_t *hub, store_reply_fn fn, void *arg, int argc, const char **argv,
                  const size_t *lens) {
  if (!store_ready(hub))
    return STAFET_EUNAVAIL;
  return send_argv(hub, fn, arg, argc, argv, lens);
}

int store_script(hub_t *hub, script_id_t script, store_reply_fn fn, void *arg, int nkeys, int argc,
                 const char **argv, const size_t *lens) {
  if (!store_ready(hub))
    return STAFET_EUNAVAIL;
  enum { STACK_ARGS = 64 };
  const char *stack_argv[STACK_ARGS];
  size_t stack_lens[STACK_ARGS];
  bool on_heap = argc + 3 > STACK_ARGS;
  const char **full = on_heap ? malloc((size_t)(argc + 3) * sizeof *full) : stack_argv;
  size_t *full_lens = on_heap ? malloc((size_t)(argc + 3) * sizeof *full_lens) : stack_lens;
  int rc = STAFET_ENOMEM;
  char nkeys_text[16];
  if (full == NULL || full_lens == NULL)
    goto out;
  snprintf(nkeys_text, sizeof nkeys_text, "%d", nkeys);
  full[0] = "EVALSHA";
  full[1] = hub->store.script_sha[script];
  full[2] = nkeys_text;
  full_lens[0] = 7;
  full_lens[1] = strlen(full[1]);
  full_lens[2] = strlen(nkeys_text);
  for (int i = 0; i < argc; i++) {
    full[3 + i] = argv[i];
    full_lens[3 + i] = lens ? lens[i] : strlen(argv[i]);
  }
  rc = send_argv(hub, fn, arg, argc + 3, full, full_lens);
out:
  if (on_heap) {
    free(full);
    free(full_lens);
  }
  return rc;
}

static void on_ready(hub_t *hub) {
  hub->store.ready = true;
  hub->store.reconnect_delay_ms = 0;
  log_info(&hub->log, "redis ready", "scripts=%d", SCRIPT_COUNT);
  auth_reload(hub);
  routing_reload(hub);
}

static void on_script_loaded(hub_t *hub, redisReply *reply, void *arg) {
  intptr_t id = (intptr_t)arg;
  if (reply_is_error(reply) || reply->type != REDIS_REPLY_STRING || reply->len != 40) {
    log_error(&hub->log, "redis script load failed", "script=%ld err=\"%s\"", (long)id,
              reply ? reply->str : "disconnected");
    /* Redis answered, but no: still loading its data (LOADING), or refusing
     * the command. Without its scripts the hub can never be ready, so start
     * the connection over (with back-off), as after a lost connection. */
    if (reply != NULL && hub->store.cmd != NULL && !hub->store.scripts_failed) {
      hub->store.scripts_failed = true;
      redisAsyncDisconnect(hub->store.cmd);
    }
    return;
  }
  memcpy(hub->store.script_sha[id], reply->str, 40);
  hub->store.script_sha[id][40] = '\0';
  if (++hub->store.scripts_loaded == SCRIPT_COUNT)
    on_ready(hub);
}

static void on_auth(hub_t *hub, redisReply *reply, void *arg) {
  if (reply_is_error(reply)) {
    log_error(&hub->log, "redis AUTH refused", "user=%s err=\"%s\"",
              hub->store.user[0] ? hub->store.user : "default",
              reply ? reply->str : "disconnected");
    if (hub->store.cmd != NULL)
      redisAsyncDisconnect(hub->store.cmd);
  }
}

/* AUTH goes first on a new connection; replies come back in order, so the
 * commands queued behind it run authenticated. */
static void send_auth(hub_t *hub, redisAsyncContext *ac) {
  store_t *st = &hub->store;
  if (st->password[0] == '\0')
    return;
  const char *argv[] = {"AUTH", st->user, st->password};
  int argc = st->user[0] ? 3 : 2;
  if (argc == 2)
    argv[1] = st->password;
  if (ac == st->cmd)
    (void)send_argv(hub, on_auth, NULL, argc, argv, NULL);
  else
    redisAsyncCommandArgv(ac, NULL, NULL, argc, argv, NULL);
}

/* Reads the external Redis password from redis_password_file, if set. */
static int read_password(hub_t *hub) {
  if (hub->cfg.redis_password_file[0] == '\0')
    return 0;
  FILE *f = fopen(hub->cfg.redis_password_file, "r");
  if (f == NULL || fgets(hub->store.password, sizeof hub->store.password, f) == NULL) {
    log_error(&hub->log, "cannot read redis password file", "file=%s",
              hub->cfg.redis_password_file);
    if (f)
      fclose(f);
    return STAFET_EINVAL;
  }
  fclose(f);
  hub->store.password[strcspn(hub->store.password, "\r\n")] = '\0';
  snprintf(hub->store.user, sizeof hub->store.user, "%s", hub->cfg.redis_user);
  return 0;
}

static void load_scripts(hub_t *hub) {
  hub->store.scripts_loaded = 0;
  hub->store.scripts_failed = false;
  for (intptr_t i = 0; i < SCRIPT_COUNT; i++) {
    const char *argv[] = {"SCRIPT", "LOAD", script_sources[i]};
    (void)send_argv(hub, on_script_loaded, (void *)i, 3, argv, NULL);
  }
}

static void on_change_message(redisAsyncContext *ac, void *reply_ptr, void *privdata) {
  hub_t *hub = privdata;
  redisReply *r = reply_ptr;
  if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 3)
    return;
  if (r->element[0]->type != REDIS_REPLY_STRING || strcmp(r->element[0]->str, "message") != 0 ||
      r->element[1]->type != REDIS_REPLY_STRING || r->element[2]->type != REDIS_REPLY_STRING)
    return;
  char rpc[KEY_MAX];
  snprintf(rpc, sizeof rpc, CHANNEL_RPC_FMT, hub->cfg.prefix, hub->cfg.hub_id);
  char fanout[KEY_MAX];
  snprintf(fanout, sizeof fanout, "%s%s", hub->cfg.prefix, CHANNEL_FANOUT);
  if (strcmp(r->element[1]->str, rpc) == 0)
    request_on_hub_message(hub, (const uint8_t *)r->element[2]->str, r->element[2]->len);
  else if (strcmp(r->element[1]->str, fanout) == 0)
    transient_on_fanout(hub, (const uint8_t *)r->element[2]->str, r->element[2]->len);
  else if (strcmp(r->element[2]->str, "keys") == 0)
    auth_reload(hub);
  else
    routing_on_change(hub, r->element[2]->str);
}

static void lost(hub_t *hub, const char *which, const char *why) {
  bool was_ready = hub->store.ready;
  hub->store.ready = false;
  hub->store.resolved = false; /* with Sentinel: ask again who the master is */
  if (!hub->store.closing) {
    log_warn(&hub->log, "redis connection lost", "conn=%s err=\"%s\"", which, why);
    store_schedule_reconnect(hub);
  }
  (void)was_ready;
}

static void on_cmd_connect(const redisAsyncContext *ac, int status) {
  hub_t *hub = ac->data;
  if (status != REDIS_OK) {
    hub->store.cmd = NULL; /* hiredis frees it after this callback */
    lost(hub, "cmd", ac->errstr);
    return;
  }
  hub->store.cmd_connected = true;
  hub->store.demoted = false;
  send_auth(hub, hub->store.cmd);
  load_scripts(hub);
}

static void on_cmd_disconnect(const redisAsyncContext *ac, int status) {
  hub_t *hub = ac->data;
  hub->store.cmd = NULL;
  hub->store.cmd_connected = false;
  lost(hub, "cmd", status == REDIS_OK ? "closed" : ac->errstr);
}

static void on_sub_connect(const redisAsyncContext *ac, int status) {
  hub_t *hub = ac->data;
  if (status != REDIS_OK) {
    hub->store.sub = NULL;
    /* Without notices our routing table could go stale: reconnect both. */
    if (!hub->store.closing && hub->store.cmd_connected)
      redisAsyncDisconnect(hub->store.cmd);
    return;
  }
  hub->store.sub_connected = true;
  send_auth(hub, hub->store.sub);
  char channel[KEY_MAX];
  snprintf(channel, sizeof channel, "%s%s", hub->cfg.prefix, CHANNEL_CHANGES);
  char rpc[KEY_MAX];
  snprintf(rpc, sizeof rpc, CHANNEL_RPC_FMT, hub->cfg.prefix, hub->cfg.hub_id);
  char fanout[KEY_MAX];
  snprintf(fanout, sizeof fanout, "%s%s", hub->cfg.prefix, CHANNEL_FANOUT);
  const char *argv[] = {"SUBSCRIBE", channel, rpc, fanout};
  redisAsyncCommandArgv(hub->store.sub, on_change_message, hub, 4, argv, NULL);
}

static void on_sub_disconnect(const redisAsyncContext *ac, int status) {
  hub_t *hub = ac->data;
  hub->store.sub = NULL;
  hub->store.sub_connected = false;
  if (!hub->store.closing && hub->store.cmd_connected) {
    /* Without notices our routing table could go stale: reconnect both. */
    redisAsyncDisconnect(hub->store.cmd);
  }
}

static redisAsyncContext *connect_one(hub_t *hub) {
  store_t *st = &hub->store;
  redisAsyncContext *ac = st->unix_path[0] ? redisAsyncConnectUnix(st->unix_path)
                                           : redisAsyncConnect(st->host, st->port);
  if (ac == NULL)
    return NULL;
  if (ac->err) {
    log_debug(&hub->log, "redis connect failed", "err=\"%s\"", ac->errstr);
    redisAsyncFree(ac);
    return NULL;
  }
  ac->data = hub;
  redisLibuvAttach(ac, hub->loop);
  return ac;
}

static void store_connect(hub_t *hub);

/* hiredis 0.14's libuv adapter drops poll errors, so a TCP connect that
 * fails after EINPROGRESS never calls back: give up on it after a while. */
#define CONNECT_TIMEOUT_MS 1000

static void on_connect_watchdog(uv_timer_t *t) {
  hub_t *hub = t->data;
  store_t *st = &hub->store;
  bool stuck = false;
  if (st->cmd != NULL && !st->cmd_connected) {
    redisAsyncFree(st->cmd); /* never connected: no disconnect callback */
    st->cmd = NULL;
    stuck = true;
  }
  if (st->sub != NULL && !st->sub_connected) {
    redisAsyncFree(st->sub);
    st->sub = NULL;
    stuck = true;
  }
  if (stuck)
    lost(hub, "cmd", "connect timed out");
}

static void on_master_resolved(hub_t *hub, bool ok) {
  hub->store.resolving = false;
  hub->store.resolved = ok;
  if (hub->store.closing)
    return;
  if (ok)
    store_connect(hub);
  else
    store_schedule_reconnect(hub);
}

static void store_connect(hub_t *hub) {
  store_t *st = &hub->store;
  if (sentinel_enabled(hub) && !st->resolved) {
    if (!st->resolving) {
      st->resolving = true;
      sentinel_resolve(hub, on_master_resolved);
    }
    return;
  }
  if (st->cmd == NULL) {
    st->cmd = connect_one(hub);
    if (st->cmd != NULL) {
      redisAsyncSetConnectCallback(st->cmd, on_cmd_connect);
      redisAsyncSetDisconnectCallback(st->cmd, on_cmd_disconnect);
    }
  }
  if (st->sub == NULL && st->cmd != NULL) {
    st->sub = connect_one(hub);
    if (st->sub != NULL) {
      redisAsyncSetConnectCallback(st->sub, on_sub_connect);
      redisAsyncSetDisconnectCallback(st->sub, on_sub_disconnect);
    }
  }
  if (st->cmd == NULL) {
    st->resolved = false; /* with Sentinel: that master is gone, ask again */
    store_schedule_reconnect(hub);
  } else {
    uv_timer_start(&st->connect_timer, on_connect_watchdog, CONNECT_TIMEOUT_MS, 0);
  }
}

static void on_reconnect_timer(uv_timer_t *t) {
  hub_t *hub = t->data;
  if (!hub->store.closing)
    store_connect(hub);
}

static void store_schedule_reconnect(hub_t *hub) {
  store_t *st = &hub->store;
  if (uv_is_active((uv_handle_t *)&st->reconnect_timer))
    return;
  st->reconnect_delay_ms = st->reconnect_delay_ms == 0 ? 50 : st->reconnect_delay_ms * 2;
  if (st->reconnect_delay_ms > 2000)
    st->reconnect_delay_ms = 2000;
  uv_timer_start(&st->reconnect_timer, on_reconnect_timer, st->reconnect_delay_ms, 0);
}

static int parse_address(store_t *st, const char *addr) {
  if (strncmp(addr, "unix:", 5) == 0) {
    snprintf(st->unix_path, sizeof st->unix_path, "%s", addr + 5);
    return 0;
  }
  const char *colon = strrchr(addr, ':');
  if (colon == NULL || colon == addr)
    return STAFET_EINVAL;
  snprintf(st->host, sizeof st->host, "%.*s", (int)(colon - addr), addr);
  st->port = atoi(colon + 1);
  return st->port > 0 && st->port < 65536 ? 0 : STAFET_EINVAL;
}

int store_open(hub_t *hub) {
  store_t *st = &hub->store;
  uv_timer_init(hub->loop, &st->reconnect_timer);
  st->reconnect_timer.data = hub;
  uv_timer_init(hub->loop, &st->connect_timer);
  st->connect_timer.data = hub;
  const char *addr = hub->cfg.redis;
  char embedded[CONFIG_STR_MAX + 8];
  if (addr[0] == '\0') {
    snprintf(embedded, sizeof embedded, "unix:%s", hub->embed.socket_path);
    addr = embedded;
  }
  if ((hub->cfg.redis[0] != '\0' || sentinel_enabled(hub)) && read_password(hub) != 0)
    return STAFET_EINVAL;
  if (sentinel_enabled(hub)) {
    store_connect(hub); /* the master's address comes from the sentinels */
    return 0;
  }
  if (parse_address(st, addr) != 0) {
    log_error(&hub->log, "bad redis address", "redis=\"%s\" want=\"unix:/path or host:port\"",
              addr);
    return STAFET_EINVAL;
  }
  store_connect(hub);
  return 0;
}

void store_close(hub_t *hub) {
  store_t *st = &hub->store;
  st->closing = true;
  st->ready = false;
  uv_timer_stop(&st->reconnect_timer);
  uv_close((uv_handle_t *)&st->reconnect_timer, NULL);
  uv_timer_stop(&st->connect_timer);
  uv_close((uv_handle_t *)&st->connect_timer, NULL);
  if (st->sub != NULL)
    redisAsyncDisconnect(st->sub);
  if (st->cmd != NULL)
    redisAsyncDisconnect(st->cmd);
}
