/*
 * harness.c — see harness.h. Processes are started with fork/exec and reaped
 * with waitpid; readiness is a condition we poll for, never a sleep.
 */
#include "harness.h"

#include "mask.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

long long th_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *th_logged(const char *text, char *out, size_t out_size) {
  cpr_mask(text, out, out_size);
  return out;
}

void th_tempdir(char *out) {
  const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  snprintf(out, 256, "%.200s/stafet-it-XXXXXX", base);
  if (mkdtemp(out) == NULL) {
    perror("mkdtemp");
    abort();
  }
}

void th_rmdir(const char *dir) {
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
}

pid_t th_spawn(char *const argv[], const char *log_path) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    setpgid(0, 0); /* a test's ctrl-c kills the test, we stop children ourselves */
    execvp(argv[0], argv);
    _exit(127);
  }
  return pid;
}

int th_free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  int port = -1;
  if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &len) == 0)
    port = ntohs(a.sin_port);
  if (fd >= 0)
    close(fd);
  return port;
}

static bool redis_answers(const char *socket) {
  redisContext *c = redisConnectUnix(socket);
  bool ok = false;
  if (c != NULL && !c->err) {
    redisReply *r = redisCommand(c, "PING");
    ok = r != NULL && r->type == REDIS_REPLY_STATUS;
    freeReplyObject(r);
  }
  redisFree(c);
  return ok;
}

static void pause_ms(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

int th_redis_start(th_redis_t *r, const char *dir) {
  snprintf(r->dir, sizeof r->dir, "%s", dir);
  snprintf(r->socket, sizeof r->socket, "%s/redis.sock", dir);
  char log_path[320];
  snprintf(log_path, sizeof log_path, "%s/redis.log", dir);
  char *argv[] = {STAFET_REDIS_SERVER,
                  "--port",
                  "0",
                  "--unixsocket",
                  r->socket,
                  "--dir",
                  r->dir,
                  "--appendonly",
                  "yes",
                  "--appendfsync",
                  "always",
                  "--save",
                  "",
                  NULL};
  r->pid = th_spawn(argv, log_path);
  /* Redis loads its AOF before it answers: wait for the answer (polling a
   * condition; the short pause only spaces the attempts). */
  for (long long end = th_now_ms() + 10000; th_now_ms() < end; pause_ms(10))
    if (redis_answers(r->socket))
      return 0;
  return -1;
}

void th_redis_stop(th_redis_t *r, int sig) {
  if (r->pid <= 0)
    return;
  kill(r->pid, sig);
  waitpid(r->pid, NULL, 0);
  r->pid = 0;
}

long long th_redis_int(th_redis_t *r, const char *fmt, ...) {
  redisContext *c = redisConnectUnix(r->socket);
  long long out = -1;
  if (c != NULL && !c->err) {
    va_list ap;
    va_start(ap, fmt);
    redisReply *rep = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (rep != NULL && rep->type == REDIS_REPLY_INTEGER)
      out = rep->integer;
    else if (rep != NULL && rep->type == REDIS_REPLY_ARRAY)
      out = (long long)rep->elements;
    freeReplyObject(rep);
  }
  redisFree(c);
  return out;
}

long long th_redis_dedupe_count(th_redis_t *r, const char *id) {
  return th_redis_int(r, "EVAL %s 0 %s",
                      "local n = redis.call('EXISTS', 'stafet:dedupe:' .. ARGV[1])\n"
                      "for _, k in ipairs(redis.call('KEYS', 'stafet:ids:*')) do\n"
                      "  n = n + redis.call('HEXISTS', k, ARGV[1])\n"
                      "end\n"
                      "return n\n",
                      id);
}

void th_redis_ping_as(const char *socket, const char *user, const char *password, char *out) {
  redisContext *c = redisConnectUnix(socket);
  snprintf(out, 128, "no connection");
  if (c == NULL || c->err) {
    redisFree(c);
    return;
  }
  if (user != NULL)
    freeReplyObject(redisCommand(c, "AUTH %s %s", user, password));
  redisReply *r = redisCommand(c, "PING");
  if (r != NULL)
    snprintf(out, 128, "%s", r->str ? r->str : "");
  freeReplyObject(r);
  redisFree(c);
}

bool th_redis_stream_has(th_redis_t *r, const char *key, const char *field, const char *value) {
  redisContext *c = redisConnectUnix(r->socket);
  bool found = false;
  redisReply *rep = c && !c->err ? redisCommand(c, "XRANGE %s - +", key) : NULL;
  for (size_t i = 0; rep && rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
    redisReply *fields = rep->element[i]->element[1];
    for (size_t k = 0; k + 1 < fields->elements; k += 2)
      found |= strcmp(fields->element[k]->str, field) == 0 &&
               strcmp(fields->element[k + 1]->str, value) == 0;
  }
  freeReplyObject(rep);
  redisFree(c);
  return found;
}

int th_hub_start(th_hub_t *h, const char *dir, const th_redis_t *r) {
  snprintf(h->dir, sizeof h->dir, "%s", dir);
  snprintf(h->endpoint, sizeof h->endpoint, "ipc://%s/hub.sock", dir);
  snprintf(h->log_path, sizeof h->log_path, "%s/hub.log", dir);
  snprintf(h->redis_socket, sizeof h->redis_socket, "unix:%s", r->socket);
  char *argv[48] = {STAFET_HUB_BIN,
                    "--redis",
                    h->redis_socket,
                    "--data-dir",
                    h->dir,
                    "--bind-tcp",
                    "",
                    "--bind-ipc",
                    h->endpoint,
                    "--heartbeat-ms",
                    "200",
                    "--claim-interval-ms",
                    "100",
                    "--poll-interval-ms",
                    "100",
                    "--log-level",
                    "info",
                    "--admin-bind", /* any free port: tests run side by side */
                    "127.0.0.1:0"};
  int n = 19;
  if (h->embedded) { /* drop "--redis <addr>": the hub starts its own */
    memmove(&argv[1], &argv[3], (size_t)(n - 3) * sizeof argv[0]);
    n -= 2;
  }
  for (int i = 0; h->extra[i] != NULL && n < 46; i++)
    argv[n++] = (char *)h->extra[i];
  argv[n] = NULL;
  h->pid = th_spawn(argv, h->log_path);
  return h->pid > 0 ? 0 : -1;
}

int th_hub_stop(th_hub_t *h, int sig) {
  int status = -1;
  if (h->pid <= 0)
    return status;
  kill(h->pid, sig);
  waitpid(h->pid, &status, 0);
  h->pid = 0;
  return status;
}

int th_hub_start_extra(th_hub_t *h, char *dir, const th_redis_t *r) {
  th_tempdir(dir);
  memset(h, 0, sizeof *h);
  return th_hub_start(h, dir, r);
}

void th_hub_stop_extra(th_hub_t *h, const char *dir) {
  th_hub_stop(h, SIGTERM);
  th_rmdir(dir);
}

int th_hub_log_count(const th_hub_t *h, const char *text) {
  const char *texts[] = {text, NULL};
  return th_log_count_all(h->log_path, texts);
}

static bool line_has_all(const char *line, const char *const *texts) {
  for (size_t i = 0; texts[i] != NULL; i++)
    if (strstr(line, texts[i]) == NULL)
      return false;
  return true;
}

int th_log_count_all(const char *path, const char *const *texts) {
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return 0;
  char line[4096];
  int n = 0;
  while (fgets(line, sizeof line, f) != NULL)
    n += line_has_all(line, texts);
  fclose(f);
  return n;
}

bool th_log_wait(const char *path, const char *const *texts, int count, int timeout_ms,
                 stafet_client_t **clients) {
  for (long long end = th_now_ms() + timeout_ms;;) {
    if (th_log_count_all(path, texts) >= count)
      return true;
    if (th_now_ms() >= end)
      return false;
    for (size_t i = 0; clients != NULL && clients[i] != NULL; i++)
      stafet_client_poll(clients[i], 5);
    pause_ms(clients != NULL && clients[0] != NULL ? 0 : 10); /* spaces the looks */
  }
}

int th_adapter_start(th_adapter_t *a, const char *bin, const char *dir, const char *name,
                     const char *config_text) {
  snprintf(a->config_path, sizeof a->config_path, "%s/%s.conf", dir, name);
  snprintf(a->log_path, sizeof a->log_path, "%s/%s.log", dir, name);
  FILE *f = fopen(a->config_path, "w");
  if (f == NULL || fputs(config_text, f) < 0 || fclose(f) != 0)
    return -1;
  char *argv[] = {(char *)bin, "--config", a->config_path, NULL};
  a->pid = th_spawn(argv, a->log_path);
  return a->pid > 0 ? 0 : -1;
}

int th_adapter_stop(th_adapter_t *a, int sig) {
  int status = -1;
  if (a->pid <= 0)
    return status;
  kill(a->pid, sig);
  waitpid(a->pid, &status, 0);
  a->pid = 0;
  return status;
}

pid_t th_adapter_plugin_pid(const th_adapter_t *a, const char *plugin) {
  char name[128];
  snprintf(name, sizeof name, "plugin=%s ", plugin);
  FILE *f = fopen(a->log_path, "r");
  if (f == NULL)
    return -1;
  char line[4096];
  pid_t pid = -1;
  const char *texts[] = {"msg=\"plugin running\"", name, NULL};
  while (fgets(line, sizeof line, f) != NULL) {
    const char *p = strstr(line, " pid=");
    if (line_has_all(line, texts) && p != NULL)
      pid = (pid_t)atol(p + 5);
  }
  fclose(f);
  return pid;
}

int th_adapter_stop_clean(th_adapter_t *a) {
  int status = th_adapter_stop(a, SIGTERM);
  const char *runtime[] = {"runtime error", NULL}, *sanitizer[] = {"Sanitizer", NULL};
  int reports = th_log_count_all(a->log_path, runtime) + th_log_count_all(a->log_path, sanitizer);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || reports > 0) {
    fprintf(stderr, "stafet-adapter: wait status %d, %d sanitizer report lines in %s\n", status,
            reports, a->log_path);
    return -1;
  }
  return 0;
}

typedef struct th_answer {
  int n, status;
  char *text;
  size_t text_size;
} th_answer_t;

static void on_answer(stafet_client_t *c, int status, const char *error_text, const void *payload,
                      size_t len, void *arg) {
  th_answer_t *a = arg;
  a->n++;
  a->status = status;
  if (status == 0)
    snprintf(a->text, a->text_size, "%.*s", (int)len, payload ? (const char *)payload : "");
  else
    snprintf(a->text, a->text_size, "%s", error_text ? error_text : "");
}

int th_ask(stafet_client_t **clients, const char *service, const char *payload, char *text,
           size_t text_size, int timeout_ms) {
  th_answer_t a = {.text = text, .text_size = text_size};
  text[0] = '\0';
  int rc = stafet_client_request(clients[0], service, payload, strlen(payload), timeout_ms,
                                 on_answer, &a);
  if (rc < 0)
    return rc;
  for (long long end = th_now_ms() + timeout_ms + 2000; a.n == 0 && th_now_ms() < end;)
    th_poll_for(clients, 5);
  return a.n == 1 ? a.status : STAFET_ETIMEDOUT;
}

stafet_client_t *th_client(const char *endpoint, const char *adapter) {
  stafet_client_options_t o = {.endpoint = endpoint,
                               .adapter = adapter,
                               .heartbeat_ms = 200,
                               .reconnect_min_ms = 20,
                               .reconnect_max_ms = 200};
  stafet_client_t *c = NULL;
  if (stafet_client_new(&c, &o) != 0)
    return NULL;
  if (stafet_client_connect(c, 10000) != 0) {
    stafet_client_destroy(c);
    return NULL;
  }
  return c;
}

void th_collector_init(th_collector_t *col, bool auto_ack) {
  memset(col, 0, sizeof *col);
  col->auto_ack = auto_ack;
}

void th_collector_free(th_collector_t *col) {
  free(col->ids);
  free(col->delivery);
  free(col->counts);
  free(col->topics);
  memset(col, 0, sizeof *col);
}

static void collector_grow(th_collector_t *col) {
  if (col->n < col->cap)
    return;
  col->cap = col->cap ? col->cap * 2 : 256;
  col->ids = realloc(col->ids, col->cap * sizeof *col->ids);
  col->delivery = realloc(col->delivery, col->cap * sizeof *col->delivery);
  col->counts = realloc(col->counts, col->cap * sizeof *col->counts);
  col->topics = realloc(col->topics, col->cap * sizeof *col->topics);
  if (!col->ids || !col->delivery || !col->counts || !col->topics)
    abort();
}

void th_on_deliver(stafet_client_t *c, const stafet_delivery_t *d, void *arg) {
  th_collector_t *col = arg;
  collector_grow(col);
  snprintf(col->ids[col->n], 65, "%s", d->envelope->message_id);
  snprintf(col->delivery[col->n], 48, "%s", d->delivery_id);
  snprintf(col->topics[col->n], 128, "%s", d->envelope->topic);
  col->counts[col->n] = d->delivery_count;
  col->n++;
  if (d->delivery_id[0] == '\0' || col->ignore)
    return;
  if (col->nack_requeue)
    stafet_client_nack(c, d->subscription, d->delivery_id, 1, "test says no");
  else if (col->auto_ack)
    stafet_client_ack(c, d->subscription, d->delivery_id);
}

static int cmp_id(const void *a, const void *b) {
  return strcmp(a, b);
}

size_t th_collector_distinct(const th_collector_t *col) {
  if (col->n == 0)
    return 0;
  char(*copy)[65] = malloc(col->n * sizeof *copy);
  memcpy(copy, col->ids, col->n * sizeof *copy);
  qsort(copy, col->n, sizeof *copy, cmp_id);
  size_t distinct = 1;
  for (size_t i = 1; i < col->n; i++)
    distinct += strcmp(copy[i], copy[i - 1]) != 0;
  free(copy);
  return distinct;
}

bool th_collector_has(const th_collector_t *col, const char *message_id) {
  for (size_t i = 0; i < col->n; i++)
    if (strcmp(col->ids[i], message_id) == 0)
      return true;
  return false;
}

bool th_poll_until(stafet_client_t **clients, const size_t *counter, size_t target,
                   int timeout_ms) {
  long long end = th_now_ms() + timeout_ms;
  while (*counter < target && th_now_ms() < end)
    for (size_t i = 0; clients[i] != NULL; i++)
      stafet_client_poll(clients[i], 5);
  return *counter >= target;
}

void th_poll_for(stafet_client_t **clients, int ms) {
  long long end = th_now_ms() + ms;
  while (th_now_ms() < end)
    for (size_t i = 0; clients[i] != NULL; i++)
      stafet_client_poll(clients[i], 5);
}

int th_subscribe(stafet_client_t *c, const stafet_subscription_t *sub, th_collector_t *col) {
  /* libstafet retries a retryable answer (STORE_UNAVAILABLE while the hub's
   * Redis is not ready) by itself: one call with a generous deadline. */
  return stafet_client_subscribe(c, sub, th_on_deliver, col, 15000);
}

typedef struct wait_ack {
  int status;
  bool done;
} wait_ack_t;

static void on_ack(stafet_client_t *c, const char *id, int status, int dup, void *arg) {
  wait_ack_t *w = arg;
  w->status = status;
  w->done = true;
}

int th_publish_wait(stafet_client_t *c, const char *topic, const char *tenant,
                    const stafet_attribute_t *attrs, size_t n_attrs, char *id_out) {
  wait_ack_t w = {0};
  stafet_envelope_t env = {
      .topic = topic, .tenant = tenant, .attributes = attrs, .n_attributes = n_attrs};
  int rc = stafet_client_publish(c, &env, "payload", 7, on_ack, &w, id_out);
  if (rc != 0)
    return rc;
  for (long long end = th_now_ms() + 10000; !w.done && th_now_ms() < end;)
    stafet_client_poll(c, 10);
  return w.done ? w.status : STAFET_ETIMEDOUT;
}

void th_stream_init(th_stream_t *s, size_t total) {
  memset(s, 0, sizeof *s);
  s->total = total;
  s->ids = calloc(total, sizeof *s->ids);
  s->acked = calloc(total, sizeof *s->acked);
  s->slots = calloc(total, sizeof *s->slots);
  if (!s->ids || !s->acked || !s->slots)
    abort();
}

void th_stream_free(th_stream_t *s) {
  free(s->ids);
  free(s->acked);
  free(s->slots);
  memset(s, 0, sizeof *s);
}

static void on_stream_ack(stafet_client_t *c, const char *id, int status, int dup, void *arg) {
  struct th_stream_slot *slot = arg;
  if (status != 0) {
    slot->s->n_failed++;
  } else if (!slot->s->acked[slot->i]) {
    slot->s->acked[slot->i] = true;
    slot->s->n_acked++;
  }
}

int th_stream_publish(stafet_client_t *p, th_stream_t *s, size_t from, size_t to,
                      const char *topic) {
  for (size_t i = from; i < to; i++) {
    s->slots[i] = (struct th_stream_slot){s, i};
    stafet_envelope_t env = {.topic = topic, .tenant = "0751"};
    int rc =
        stafet_client_publish(p, &env, "relocation", 10, on_stream_ack, &s->slots[i], s->ids[i]);
    if (rc != 0)
      return rc;
  }
  return 0;
}

void th_stream_finish(stafet_client_t **clients, th_stream_t *s, const th_collector_t *col,
                      int timeout_ms) {
  long long end = th_now_ms() + timeout_ms;
  while (th_now_ms() < end && (s->n_acked < s->total || th_collector_distinct(col) < s->total))
    th_poll_for(clients, 50);
}

size_t th_stream_report(const char *name, const th_stream_t *s, const th_collector_t *col) {
  size_t lost = 0;
  for (size_t i = 0; i < s->total; i++)
    lost += s->acked[i] && !th_collector_has(col, s->ids[i]);
  size_t distinct = th_collector_distinct(col);
  printf("[ RESULT   ] %s: published=%zu acknowledged=%zu delivered=%zu duplicated=%zu lost=%zu\n",
         name, s->total, s->n_acked, col->n, col->n - distinct, lost);
  return lost;
}
