/*
 * bench.h — the benchmark harness: one workload runner, one driver per system.
 *
 * Every system (Stafet durable and transient, raw Redis Streams, raw ZeroMQ
 * through a broker hop, RabbitMQ, NATS JetStream and core NATS, Mosquitto)
 * is reached through the same small driver interface, so every workload is
 * written once (run.c) and the systems differ only in how a message is
 * published, confirmed, delivered and acknowledged.
 *
 * A message's payload starts with a header (send time, sequence number,
 * publisher index); the consumer takes publish -> delivery latency from it.
 * All clocks are CLOCK_MONOTONIC in one process, so no clock skew.
 */
#ifndef STAFET_BENCH_H
#define STAFET_BENCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_FULL       1  /* pub_send: window full, poll and try again */
#define BENCH_MAX_PUBS   16
#define BENCH_MAX_SUBS   16
#define BENCH_MAX_WATCH  8
#define BENCH_NAME_MAX   96

/* ---- time ---- */
uint64_t now_ns(void);
void sleep_ns(uint64_t ns);

/* ---- latency histogram: log-linear, ~1.6% resolution, 1 ns .. ~18 min ---- */
#define HIST_SUB     64
#define HIST_BUCKETS (HIST_SUB * 36)
typedef struct hist {
  uint64_t counts[HIST_BUCKETS];
  uint64_t n, max, sum;
} hist_t;
void hist_add(hist_t *h, uint64_t v_ns);
void hist_merge(hist_t *into, const hist_t *from);
uint64_t hist_pct(const hist_t *h, double pct); /* ns */

/* ---- the payload header ---- */
typedef struct msg_hdr {
  uint64_t t_ns; /* intended send time (paced runs) or actual send time */
  uint64_t seq;  /* per publisher, from 0 */
  uint32_t pub;  /* publisher index */
  uint32_t flags;
} msg_hdr_t;
#define MSG_WARM 1u /* warm-up message: counted, not measured */

/* ---- configuration of one run ---- */
typedef struct cfg {
  const char *system;
  const char *workload; /* pubsub, backlog, reqrep */
  const char *label;    /* free text copied to the result */
  size_t size;          /* payload bytes (>= sizeof(msg_hdr_t)) */
  int n_subs;           /* subscriptions that match (fan-out) */
  int n_pubs;           /* publishers */
  int noise;            /* subscriptions that do not match */
  double rate;          /* msgs/s over all publishers; 0 = as fast as possible */
  double duration;      /* s of timed publishing */
  uint64_t count;       /* most messages per publisher */
  int window;           /* unconfirmed publishes in flight per publisher */
  int credit;           /* consumer window (prefetch, credit, max ack pending) */
  int warm;             /* warm-up messages */
  double drain_timeout; /* s to wait for confirms and deliveries after publishing */
  double setup_timeout; /* s for noise subscriptions and backlog publishing */
  char run[32];         /* unique id of this run: names of queues and topics */
  char topic[BENCH_NAME_MAX];
  /* endpoints */
  const char *stafet_ep; /* tcp://127.0.0.1:port */
  const char *redis_sock;
  const char *amqp_host;
  int amqp_port;
  const char *amqp_queue_type; /* quorum or classic */
  const char *nats_url;
  const char *mqtt_host;
  int mqtt_port;
  int zmq_port; /* broker base port */
  const char *store_dir; /* data dir whose size is measured (backlog) */
  const char *out;       /* JSON lines file */
  int n_watch;
  char watch_name[BENCH_MAX_WATCH][32];
  int watch_pid[BENCH_MAX_WATCH];
  int verbose;
} cfg_t;

/* ---- publisher and consumer state shared between runner and driver ---- */
typedef struct bench_pub {
  const cfg_t *cfg;
  int idx;
  void *d; /* driver state */
  uint64_t sent;
  _Atomic uint64_t confirmed, failed;
  uint64_t ring_mask;
  uint64_t *ring; /* actual send time by seq & ring_mask, for confirm latency */
  hist_t confirm;  /* publish -> confirm (publisher ack), measured messages only */
  pthread_mutex_t lock; /* for drivers that confirm from another thread */
} bench_pub_t;

typedef struct bench_con {
  const cfg_t *cfg;
  int idx;
  void *d; /* driver state */
  int n_subs;
  _Atomic uint64_t received; /* every delivery, warm-up included */
  _Atomic uint64_t measured; /* deliveries of measured messages */
  _Atomic uint64_t last_ns;  /* time of the last delivery */
  uint64_t dups, redelivered;
  hist_t lat;
  uint8_t *seen[BENCH_MAX_PUBS][BENCH_MAX_SUBS]; /* bitmaps: duplicate detection */
  uint64_t seen_bits;
} bench_con_t;

/* Drivers call these. bench_confirmed takes the publisher's seq. */
void bench_confirmed(bench_pub_t *p, uint64_t seq);
void bench_failed(bench_pub_t *p, uint64_t seq);
void bench_delivered(bench_con_t *c, int sub, const void *payload, size_t len);

/* Request/reply: the server echoes; the client makes one call at a time. */
typedef struct bench_rr {
  const cfg_t *cfg;
  void *d;
} bench_rr_t;

typedef struct driver {
  const char *name;
  int durable;       /* at-least-once, stored before confirmed */
  int confirms;      /* the publisher gets acknowledgements */
  int can_backlog;   /* keeps messages for a consumer that is away */
  /* Creates the run's n matching subscriptions (durable: before any publish). */
  int (*setup)(const cfg_t *cfg);
  /* Adds k subscriptions that do not match the run's topic. */
  int (*noise)(const cfg_t *cfg, int k);
  void (*teardown)(const cfg_t *cfg);
  int (*pub_open)(bench_pub_t *p);
  int (*pub_send)(bench_pub_t *p, uint64_t seq, const void *buf, size_t len);
  int (*pub_poll)(bench_pub_t *p, int timeout_ms);
  void (*pub_close)(bench_pub_t *p);
  int (*con_open)(bench_con_t *c);
  int (*con_poll)(bench_con_t *c, int timeout_ms);
  void (*con_close)(bench_con_t *c);
  int (*rr_server_open)(bench_rr_t *r);
  int (*rr_server_poll)(bench_rr_t *r, int timeout_ms);
  void (*rr_server_close)(bench_rr_t *r);
  int (*rr_client_open)(bench_rr_t *r);
  int (*rr_call)(bench_rr_t *r, const void *buf, size_t len, int timeout_ms);
  void (*rr_client_close)(bench_rr_t *r);
  /* Bytes used by the store (e.g. Redis used_memory); -1 if not known. */
  long long (*store_bytes)(const cfg_t *cfg);
} driver_t;

extern const driver_t drv_stafet, drv_stafet_transient, drv_redis, drv_zmq, drv_amqp, drv_nats_js,
    drv_nats, drv_mqtt1, drv_mqtt0;

/* ---- helpers for drivers ---- */
void sub_name(const cfg_t *cfg, int i, char *out, size_t n); /* "b<run>s<i>" */
void logf_(const cfg_t *cfg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
long long redis_used_memory(const char *sock);
int zmq_broker_main(int port);
void hdr_read(const void *payload, size_t len, msg_hdr_t *h);

#endif
