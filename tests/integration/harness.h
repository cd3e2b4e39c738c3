/*
 * harness.h — what integration tests need to run the real thing: a private
 * redis-server on a unix socket in a temp dir, stafet-hub processes against
 * it, libstafet clients, and a collector that records deliveries.
 *
 * Nothing here sleeps to synchronise: every wait polls for a condition with a
 * deadline (a socket that answers PING, a Welcome, a count of deliveries).
 */
#ifndef STAFET_TEST_HARNESS_H
#define STAFET_TEST_HARNESS_H

#include "stafet.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct th_redis {
  char dir[256];
  char socket[320];
  pid_t pid;
} th_redis_t;

typedef struct th_hub {
  char dir[256];
  char endpoint[320]; /* ipc:// endpoint clients use */
  char log_path[320];
  char redis_socket[340];
  const char *extra[16]; /* extra flags, NULL-terminated */
  bool embedded;         /* no --redis: the hub starts its own */
  pid_t pid;
} th_hub_t;

/* A fresh temp dir (mkdtemp under $TMPDIR or /tmp); out must hold 256 bytes. */
void th_tempdir(char *out);
/* Removes a temp dir and everything in it. */
void th_rmdir(const char *dir);

/* Starts a process (argv[0] found on PATH) with stdout and stderr appended to
 * log_path, in its own process group. Returns its pid. */
pid_t th_spawn(char *const argv[], const char *log_path);
/* A free TCP port on 127.0.0.1 (asked from the kernel). */
int th_free_port(void);

/* Starts redis-server (AOF, appendfsync always) on dir/redis.sock; waits for PING. */
int th_redis_start(th_redis_t *r, const char *dir);
/* Sends sig (SIGTERM: clean shutdown, SIGKILL: crash) and reaps it. */
void th_redis_stop(th_redis_t *r, int sig);
/* Runs one Redis command (printf-style, hiredis sync) and returns its integer
 * reply, or the number of elements of an array reply; -1 on error. */
long long th_redis_int(th_redis_t *r, const char *fmt, ...);

/* Sends PING over the unix socket, after AUTH user password if user is not
 * NULL; returns the reply's text ("PONG" or the error), in out (size 128). */
void th_redis_ping_as(const char *socket, const char *user, const char *password, char *out);
/* How many of the hub's dedupe records ("stafet:ids:*" buckets, and the
 * per-id "stafet:dedupe:ID" keys of earlier hubs) hold message id `id`. */
long long th_redis_dedupe_count(th_redis_t *r, const char *id);
/* True if any entry of stream `key` has field `field` equal to `value`. */
bool th_redis_stream_has(th_redis_t *r, const char *key, const char *field, const char *value);

/* Starts stafet-hub on dir with its own ipc endpoint against redis; extra flags
 * may be set in h->extra before the call (e.g. "--ack-timeout-ms", "500"). */
int th_hub_start(th_hub_t *h, const char *dir, const th_redis_t *r);
/* Sends sig and reaps the hub; returns its wait status. */
int th_hub_stop(th_hub_t *h, int sig);
/* Another hub on the same Redis, in a fresh temp dir of its own (dir: 256
 * bytes); the stop also removes the dir. */
int th_hub_start_extra(th_hub_t *h, char *dir, const th_redis_t *r);
void th_hub_stop_extra(th_hub_t *h, const char *dir);
/* Counts lines of the hub's log containing text. */
int th_hub_log_count(const th_hub_t *h, const char *text);

/* Counts lines of the file at path containing every one of texts (NULL-terminated). */
int th_log_count_all(const char *path, const char *const *texts);
/* Polls the clients (NULL-terminated array, or NULL) until the file has at
 * least count lines containing every one of texts, or the deadline passes. */
bool th_log_wait(const char *path, const char *const *texts, int count, int timeout_ms,
                 stafet_client_t **clients);
/* `text` as it appears in a hub or host log line: anything that looks like a
 * CPR number masked (a message id with ten digits in a row is, too). Search
 * logs for th_logged(id) rather than the id. out: at least strlen(text) + 1. */
const char *th_logged(const char *text, char *out, size_t out_size);

/* A stafet-adapter process (the plugin host, adapters/host/). */
typedef struct th_adapter {
  char config_path[320];
  char log_path[320];
  pid_t pid;
} th_adapter_t;

/* Writes config_text to dir/name.conf and starts `bin --config` on it, its
 * stderr going to dir/name.log (bin: the test's STAFET_ADAPTER_BIN). */
int th_adapter_start(th_adapter_t *a, const char *bin, const char *dir, const char *name,
                     const char *config_text);
/* Sends sig and reaps the host; returns its wait status (-1 if not running). */
int th_adapter_stop(th_adapter_t *a, int sig);
/* The pid of a plugin's process from the host's last "plugin running" line
 * for it, or -1. */
pid_t th_adapter_plugin_pid(const th_adapter_t *a, const char *plugin);
/* SIGTERM to the host and reap it: 0 if it exited 0 and its log (where its
 * plugin processes log too) has no sanitizer report, else -1 (why: stderr). */
int th_adapter_stop_clean(th_adapter_t *a);

/* Asks service (clients[0] asks; all of the NULL-terminated clients are
 * polled) and waits up to timeout_ms for the one answer: returns its status,
 * with the answer, or the error text, in text. */
int th_ask(stafet_client_t **clients, const char *service, const char *payload, char *text,
           size_t text_size, int timeout_ms);

/* Connects a client (heartbeat 200 ms, fast reconnects) and waits for Welcome. */
stafet_client_t *th_client(const char *endpoint, const char *adapter);

/* Records deliveries; optionally acks them. */
typedef struct th_collector {
  char (*ids)[65];      /* message ids in arrival order */
  char (*delivery)[48]; /* delivery ids */
  unsigned *counts;     /* delivery counts */
  char (*topics)[128];
  size_t n, cap;
  bool auto_ack;
  bool nack_requeue; /* instead of acking: nack with requeue */
  bool ignore;       /* neither ack nor nack (a consumer that hangs) */
} th_collector_t;

void th_collector_init(th_collector_t *col, bool auto_ack);
void th_collector_free(th_collector_t *col);
void th_on_deliver(stafet_client_t *c, const stafet_delivery_t *d, void *arg);
/* Number of distinct message ids seen. */
size_t th_collector_distinct(const th_collector_t *col);
bool th_collector_has(const th_collector_t *col, const char *message_id);

/* Polls the clients (NULL-terminated array) until *counter >= target or the
 * deadline passes; returns true if reached. */
bool th_poll_until(stafet_client_t **clients, const size_t *counter, size_t target, int timeout_ms);
/* Polls the clients for a while with nothing expected (to show nothing arrives). */
void th_poll_for(stafet_client_t **clients, int ms);

/* Subscribes (waiting up to 15 s, while the hub's store gets ready). */
int th_subscribe(stafet_client_t *c, const stafet_subscription_t *sub, th_collector_t *col);

/* Publishes one event and waits for its ack; returns the ack status.
 * id_out (65 bytes) receives the message id if not NULL. */
int th_publish_wait(stafet_client_t *c, const char *topic, const char *tenant,
                    const stafet_attribute_t *attrs, size_t n_attrs, char *id_out);

long long th_now_ms(void);

/* A stream of publishes whose acknowledgements are tracked, to count what
 * an acknowledged-but-never-delivered message would be: a loss. */
typedef struct th_stream {
  size_t total, n_acked, n_failed;
  char (*ids)[65];
  bool *acked;
  struct th_stream_slot {
    struct th_stream *s;
    size_t i;
  } * slots;
} th_stream_t;

void th_stream_init(th_stream_t *s, size_t total);
void th_stream_free(th_stream_t *s);
/* Publishes messages [from, to) on topic; returns 0 or the first error. */
int th_stream_publish(stafet_client_t *p, th_stream_t *s, size_t from, size_t to,
                      const char *topic);
/* Polls the clients until every message is acknowledged and delivered (col),
 * or timeout_ms passes. */
void th_stream_finish(stafet_client_t **clients, th_stream_t *s, const th_collector_t *col,
                      int timeout_ms);
/* Prints "[ RESULT   ] name: published= acknowledged= delivered= duplicated= lost="
 * and returns lost: acknowledged messages the collector never received. */
size_t th_stream_report(const char *name, const th_stream_t *s, const th_collector_t *col);

#endif
