/*
 * redis_embed.c — the embedded default: with no Redis address configured, the
 * hub starts its own redis-server under data_dir and supervises it.
 *
 * The server listens on a unix socket only (no TCP port), keeps an AOF with
 * the configured fsync policy ("always" by default, so an acknowledged
 * message survives even a kill -9 of Redis), and is started through
 * `setpriv --pdeathsig TERM` so that it stops when the hub dies, even by
 * kill -9. A Redis left over from a hub that died is stopped before a new one
 * is started on the same files: two servers must never share an AOF.
 */
#include "hub.h"

#include "keys.h"
#include "stafet.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void spawn(hub_t *hub);

/* Stops a redis-server left running by a previous hub on these files. */
static void stop_leftover(hub_t *hub) {
  FILE *f = fopen(hub->embed.pid_path, "r");
  if (f == NULL)
    return;
  long pid = 0;
  if (fscanf(f, "%ld", &pid) != 1)
    pid = 0;
  fclose(f);
  char comm_path[64], comm[64] = "";
  snprintf(comm_path, sizeof comm_path, "/proc/%ld/comm", pid);
  FILE *c = pid > 0 ? fopen(comm_path, "r") : NULL;
  if (c == NULL)
    return;
  if (fgets(comm, sizeof comm, c) == NULL)
    comm[0] = '\0';
  fclose(c);
  if (strncmp(comm, "redis-server", 12) != 0)
    return;
  log_warn(&hub->log, "stopping leftover embedded redis", "pid=%ld", pid);
  kill((pid_t)pid, SIGTERM);
  for (int i = 0; i < 200 && kill((pid_t)pid, 0) == 0; i++) {
    struct timespec ts = {0, 25 * 1000 * 1000};
    nanosleep(&ts, NULL); /* start-up only: nothing else runs yet */
  }
}

static void on_restart_timer(uv_timer_t *t) {
  spawn(t->data);
}

static void on_exit_cb(uv_process_t *proc, int64_t status, int signal) {
  hub_t *hub = proc->data;
  redis_embed_t *e = &hub->embed;
  e->running = false;
  uv_close((uv_handle_t *)proc, NULL);
  if (e->stopping) {
    log_info(&hub->log, "embedded redis stopped", "status=%lld", (long long)status);
    if (e->on_stopped)
      e->on_stopped(hub);
    return;
  }
  e->restart_delay_ms = e->restart_delay_ms ? e->restart_delay_ms * 2 : 100;
  if (e->restart_delay_ms > 5000)
    e->restart_delay_ms = 5000;
  log_error(&hub->log, "embedded redis exited; restarting", "status=%lld signal=%d delay_ms=%llu",
            (long long)status, signal, (unsigned long long)e->restart_delay_ms);
  uv_timer_start(&e->restart_timer, on_restart_timer, e->restart_delay_ms, 0);
}

/* Random hex of 2 * n_bytes characters into out (size > 2 * n_bytes). */
static int random_hex(char *out, size_t n_bytes) {
  uint8_t raw[32];
  if (n_bytes > sizeof raw || getrandom(raw, n_bytes, 0) != (ssize_t)n_bytes)
    return STAFET_EIO;
  for (size_t i = 0; i < n_bytes; i++)
    snprintf(out + 2 * i, 3, "%02x", raw[i]);
  return 0;
}

/* Reads the embedded Redis password from data_dir, making one the first time
 * (random, hex, mode 0600). Returns 0 or STAFET_EIO. */
static int load_password(hub_t *hub, char *out, size_t out_size) {
  char path[CONFIG_STR_MAX + 16];
  snprintf(path, sizeof path, "%s/redis.pass", hub->cfg.data_dir);
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    char fresh[49];
    if (random_hex(fresh, 24) != 0)
      return STAFET_EIO;
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || (f = fdopen(fd, "w+")) == NULL)
      return STAFET_EIO;
    fputs(fresh, f);
    rewind(f);
  }
  bool ok = fgets(out, (int)out_size, f) != NULL;
  fclose(f);
  out[strcspn(out, "\r\n")] = '\0';
  return ok && out[0] ? 0 : STAFET_EIO;
}

/*
 * Writes data_dir/redis.conf (0600): unix socket only, AOF, and the ACL user
 * the hub logs in as. The password never appears on a command line, where
 * other local users could read it.
 *
 * Why the default user stays "on": Redis replays the AOF as the default user,
 * and Redis 7.0 re-checks ACLs at EXEC during that replay, so with
 * "user default off" every MULTI/EXEC in the AOF — which is how the effects of
 * our Lua scripts are persisted — is silently dropped on restart
 * (redis/redis#14541, fixed upstream after 7.0). So the default user keeps its
 * permissions but gets a random password made at every start and never
 * stored: nobody can log in as it, and the replay still works. The test
 * "embedded Redis survives a hub kill" catches a regression.
 */
static int write_conf(hub_t *hub, const char *password) {
  redis_embed_t *e = &hub->embed;
  char throwaway[65];
  if (random_hex(throwaway, 32) != 0)
    return STAFET_EIO;
  char path[CONFIG_STR_MAX + 16];
  snprintf(path, sizeof path, "%s/redis.conf", hub->cfg.data_dir);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (f == NULL)
    return STAFET_EIO;
  fprintf(f,
          "# Written by stafet-hub at every start: edits are lost.\n"
          "port 0\nunixsocket %s\nunixsocketperm 700\ndir %s\n"
          "appendonly yes\nappendfsync %s\nsave \"\"\npidfile %s\nlogfile %s/redis.log\n"
          "daemonize no\nuser default on >%s ~* &* +@all\nuser %s on >%s ~* &* +@all\n",
          e->socket_path, hub->cfg.data_dir, hub->cfg.redis_appendfsync, e->pid_path,
          hub->cfg.data_dir, throwaway, EMBEDDED_REDIS_USER, password);
  bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
  return fclose(f) == 0 && ok ? 0 : STAFET_EIO;
}

static void spawn(hub_t *hub) {
  redis_embed_t *e = &hub->embed;
  char conf[CONFIG_STR_MAX + 16];
  snprintf(conf, sizeof conf, "%s/redis.conf", hub->cfg.data_dir);
  char *args[] = {"setpriv", "--pdeathsig", "TERM", "--", hub->cfg.redis_server, conf, NULL};
  uv_process_options_t opts = {0};
  opts.file = "setpriv";
  opts.args = args;
  opts.exit_cb = on_exit_cb;
  uv_stdio_container_t stdio[3] = {
      {.flags = UV_IGNORE}, {.flags = UV_IGNORE}, {.flags = UV_INHERIT_FD, .data.fd = 2}};
  opts.stdio = stdio;
  opts.stdio_count = 3;
  e->process.data = hub;
  int rc = uv_spawn(hub->loop, &e->process, &opts);
  if (rc != 0) {
    log_error(&hub->log, "cannot start embedded redis", "binary=%s err=\"%s\"",
              hub->cfg.redis_server, uv_strerror(rc));
    uv_close((uv_handle_t *)&e->process, NULL);
    uv_timer_start(&e->restart_timer, on_restart_timer, 1000, 0);
    return;
  }
  e->running = true;
  log_info(&hub->log, "embedded redis started", "pid=%d socket=%s appendfsync=%s", e->process.pid,
           e->socket_path, hub->cfg.redis_appendfsync);
}

int redis_embed_start(hub_t *hub) {
  redis_embed_t *e = &hub->embed;
  if (mkdir(hub->cfg.data_dir, 0700) != 0 && errno != EEXIST) {
    log_error(&hub->log, "cannot create data dir", "dir=%s err=\"%s\"", hub->cfg.data_dir,
              strerror(errno));
    return STAFET_EIO;
  }
  char real[PATH_MAX];
  if (realpath(hub->cfg.data_dir, real) != NULL)
    snprintf(hub->cfg.data_dir, sizeof hub->cfg.data_dir, "%.500s", real);
  snprintf(e->socket_path, sizeof e->socket_path, "%.480s/redis.sock", hub->cfg.data_dir);
  snprintf(e->pid_path, sizeof e->pid_path, "%.480s/redis.pid", hub->cfg.data_dir);
  uv_timer_init(hub->loop, &e->restart_timer);
  e->restart_timer.data = hub;
  if (hub->cfg.redis[0] != '\0' || hub->cfg.redis_sentinels[0] != '\0')
    return 0; /* external Redis */
  e->enabled = true;
  char password[128];
  if (load_password(hub, password, sizeof password) != 0 || write_conf(hub, password) != 0) {
    log_error(&hub->log, "cannot write embedded redis config", "dir=%s err=\"%s\"",
              hub->cfg.data_dir, strerror(errno));
    return STAFET_EIO;
  }
  snprintf(hub->store.user, sizeof hub->store.user, "%s", EMBEDDED_REDIS_USER);
  snprintf(hub->store.password, sizeof hub->store.password, "%s", password);
  stop_leftover(hub);
  spawn(hub);
  return e->running ? 0 : STAFET_EIO;
}

void redis_embed_stop(hub_t *hub, void (*on_stopped)(hub_t *hub)) {
  redis_embed_t *e = &hub->embed;
  uv_timer_stop(&e->restart_timer);
  uv_close((uv_handle_t *)&e->restart_timer, NULL);
  e->stopping = true;
  e->on_stopped = on_stopped;
  if (!e->running) {
    if (on_stopped)
      on_stopped(hub);
    return;
  }
  uv_process_kill(&e->process, SIGTERM);
}
