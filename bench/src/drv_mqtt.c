/*
 * drv_mqtt.c — Mosquitto through libmosquitto (MQTT 3.1.1).
 *
 * mqtt (QoS 1): persistent sessions (clean_session = false) that keep
 * collecting while the consumer is away, QoS 1 publishes confirmed by PUBACK
 * (up to --window in flight), QoS 1 deliveries acknowledged by the library
 * after the callback. Each subscription is its own client session.
 * mqtt0 (QoS 0): the transient peer.
 *
 * All clients run without libmosquitto's thread: the harness calls
 * mosquitto_loop() itself, so callbacks run on the polling thread.
 */
#include "bench.h"

#include <mosquitto.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void lib_init(void) {
  mosquitto_lib_init();
}

typedef struct mclient {
  struct mosquitto *m;
  int connected;
  int suback_pending;
  int qos;
  /* consumer */
  bench_con_t *c;
  int sub;
  /* publisher */
  bench_pub_t *p;
  uint64_t seq_of_mid[65536];
  /* request/reply */
  int replies;
  int is_server;
  char reply_topic[BENCH_NAME_MAX];
} mclient_t;

static mclient_t *noise_client; /* holds the noise subscriptions during the run */

static void topic_of(const cfg_t *cfg, char *out, size_t n) {
  snprintf(out, n, "bench/r%s/m", cfg->run);
}

static void filter_of(const cfg_t *cfg, char *out, size_t n) {
  snprintf(out, n, "bench/r%s/+", cfg->run);
}

static void on_connect(struct mosquitto *m, void *obj, int rc) {
  (void)m;
  mclient_t *mc = obj;
  mc->connected = rc == 0 ? 1 : -1;
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *granted) {
  (void)m;
  (void)mid;
  (void)n;
  (void)granted;
  mclient_t *mc = obj;
  mc->suback_pending--;
}

static void on_publish(struct mosquitto *m, void *obj, int mid) {
  (void)m;
  mclient_t *mc = obj;
  if (mc->p && mc->qos > 0)
    bench_confirmed(mc->p, mc->seq_of_mid[mid & 0xffff]);
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg) {
  mclient_t *mc = obj;
  if (mc->is_server) {
    mosquitto_publish(m, NULL, mc->reply_topic, msg->payloadlen, msg->payload, mc->qos, false);
    return;
  }
  if (mc->c)
    bench_delivered(mc->c, mc->sub, msg->payload, (size_t)msg->payloadlen);
  else
    mc->replies++;
}

/* Runs the client's loop until cond is true or timeout_ms passes. */
static int loop_until(mclient_t *mc, int (*cond)(mclient_t *), int timeout_ms) {
  uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ull;
  while (!cond(mc)) {
    if (now_ns() > deadline)
      return -1;
    int rc = mosquitto_loop(mc->m, 10, 1);
    if (rc != MOSQ_ERR_SUCCESS)
      return -1;
  }
  return 0;
}

static int is_connected(mclient_t *mc) {
  return mc->connected != 0;
}

static int subacked(mclient_t *mc) {
  return mc->suback_pending <= 0;
}

static mclient_t *client_new(const cfg_t *cfg, const char *id, int clean, int qos) {
  pthread_once(&init_once, lib_init);
  mclient_t *mc = calloc(1, sizeof *mc);
  mc->qos = qos;
  mc->m = mosquitto_new(id, clean, mc);
  if (!mc->m) {
    free(mc);
    return NULL;
  }
  mosquitto_connect_callback_set(mc->m, on_connect);
  mosquitto_subscribe_callback_set(mc->m, on_subscribe);
  mosquitto_publish_callback_set(mc->m, on_publish);
  mosquitto_message_callback_set(mc->m, on_message);
  mosquitto_max_inflight_messages_set(mc->m, (unsigned)cfg->window);
  mosquitto_int_option(mc->m, MOSQ_OPT_TCP_NODELAY, 1);
  if (mosquitto_connect(mc->m, cfg->mqtt_host, cfg->mqtt_port, 600) != MOSQ_ERR_SUCCESS ||
      loop_until(mc, is_connected, 10000) != 0 || mc->connected != 1) {
    fprintf(stderr, "bench: mqtt connect %s:%d failed\n", cfg->mqtt_host, cfg->mqtt_port);
    mosquitto_destroy(mc->m);
    free(mc);
    return NULL;
  }
  return mc;
}

static void client_free(mclient_t *mc) {
  if (!mc)
    return;
  mosquitto_disconnect(mc->m);
  mosquitto_loop(mc->m, 10, 1);
  mosquitto_destroy(mc->m);
  free(mc);
}

static int subscribe_wait(mclient_t *mc, const char *filter, int qos) {
  mc->suback_pending++;
  if (mosquitto_subscribe(mc->m, NULL, filter, qos) != MOSQ_ERR_SUCCESS)
    return -1;
  return loop_until(mc, subacked, 10000);
}

static void client_id(const cfg_t *cfg, int i, char *out, size_t n) {
  snprintf(out, n, "b%sc%d", cfg->run, i);
}

/* QoS 1: a persistent session per subscription, subscribed before publishing. */
static int setup(const cfg_t *cfg) {
  char filter[BENCH_NAME_MAX];
  filter_of(cfg, filter, sizeof filter);
  for (int i = 0; i < cfg->n_subs; i++) {
    char id[BENCH_NAME_MAX];
    client_id(cfg, i, id, sizeof id);
    mclient_t *mc = client_new(cfg, id, 0, 1);
    if (!mc)
      return -1;
    int rc = subscribe_wait(mc, filter, 1);
    client_free(mc);
    if (rc != 0)
      return -1;
  }
  return 0;
}

static int noise(const cfg_t *cfg, int k) {
  char id[BENCH_NAME_MAX];
  snprintf(id, sizeof id, "n%s", cfg->run);
  noise_client = NULL;
  mclient_t *mc = client_new(cfg, id, 1, 0);
  if (!mc)
    return -1;
  enum { BATCH = 100 };
  char bufs[BATCH][BENCH_NAME_MAX];
  char *subs[BATCH];
  for (int base = 0; base < k; base += BATCH) {
    int n = k - base < BATCH ? k - base : BATCH;
    for (int j = 0; j < n; j++) {
      int i = base + j;
      switch (i % 3) {
      case 0: snprintf(bufs[j], sizeof bufs[j], "noise/k%d/+", i); break;
      case 1: snprintf(bufs[j], sizeof bufs[j], "bench/x%d/#", i); break;
      default: snprintf(bufs[j], sizeof bufs[j], "+/n%d/m", i); break;
      }
      subs[j] = bufs[j];
    }
    mc->suback_pending++;
    if (mosquitto_subscribe_multiple(mc->m, NULL, n, subs, 0, 0, NULL) != MOSQ_ERR_SUCCESS)
      return -1;
    if (mc->suback_pending > 20 && loop_until(mc, subacked, 30000) != 0)
      return -1;
    mosquitto_loop(mc->m, 0, 1);
  }
  if (loop_until(mc, subacked, 60000) != 0)
    return -1;
  noise_client = mc; /* kept connected (keepalive 600 s) until teardown */
  return 0;
}

static void teardown_qos1(const cfg_t *cfg) {
  if (noise_client) {
    client_free(noise_client);
    noise_client = NULL;
  }
  for (int i = 0; i < cfg->n_subs; i++) {
    char id[BENCH_NAME_MAX];
    client_id(cfg, i, id, sizeof id);
    mclient_t *mc = client_new(cfg, id, 1, 1); /* a clean session ends the stored one */
    client_free(mc);
  }
}

static void teardown_qos0(const cfg_t *cfg) {
  (void)cfg;
  if (noise_client) {
    client_free(noise_client);
    noise_client = NULL;
  }
}

static int pub_open_qos(bench_pub_t *p, int qos) {
  char id[BENCH_NAME_MAX];
  snprintf(id, sizeof id, "b%sp%d", p->cfg->run, p->idx);
  mclient_t *mc = client_new(p->cfg, id, 1, qos);
  if (!mc)
    return -1;
  mc->p = p;
  p->d = mc;
  return 0;
}

static int pub_open1(bench_pub_t *p) {
  return pub_open_qos(p, 1);
}

static int pub_open0(bench_pub_t *p) {
  return pub_open_qos(p, 0);
}

static int pub_send(bench_pub_t *p, uint64_t seq, const void *buf, size_t len) {
  mclient_t *mc = p->d;
  char topic[BENCH_NAME_MAX];
  topic_of(p->cfg, topic, sizeof topic);
  int mid = 0;
  if (mosquitto_publish(mc->m, &mid, topic, (int)len, buf, mc->qos, false) != MOSQ_ERR_SUCCESS)
    return -1;
  mc->seq_of_mid[mid & 0xffff] = seq;
  if (mc->qos == 0 && mosquitto_want_write(mc->m))
    mosquitto_loop_write(mc->m, 1);
  return 0;
}

static int pub_poll(bench_pub_t *p, int timeout_ms) {
  mclient_t *mc = p->d;
  return mosquitto_loop(mc->m, timeout_ms, 1) == MOSQ_ERR_SUCCESS ? 0 : -1;
}

static void pub_close(bench_pub_t *p) {
  client_free(p->d);
  p->d = NULL;
}

typedef struct mcon {
  int n;
  mclient_t *clients[BENCH_MAX_SUBS];
} mcon_t;

static int con_open_qos(bench_con_t *c, int qos) {
  mcon_t *mc = calloc(1, sizeof *mc);
  c->d = mc;
  char filter[BENCH_NAME_MAX];
  filter_of(c->cfg, filter, sizeof filter);
  for (int i = 0; i < c->cfg->n_subs; i++) {
    char id[BENCH_NAME_MAX];
    client_id(c->cfg, i, id, sizeof id);
    mclient_t *cl = client_new(c->cfg, id, qos == 0, qos);
    if (!cl)
      return -1;
    cl->c = c;
    cl->sub = i;
    mc->clients[mc->n++] = cl;
    if (qos == 0 && subscribe_wait(cl, filter, 0) != 0)
      return -1;
  }
  return 0;
}

static int con_open1(bench_con_t *c) {
  return con_open_qos(c, 1);
}

static int con_open0(bench_con_t *c) {
  return con_open_qos(c, 0);
}

/* libmosquitto reads one packet per mosquitto_loop_read() when it has no
 * QoS 2 state: read on while the socket has more, so a busy consumer costs
 * one poll() per packet, not one select() and a sleep. */
static void read_all(struct mosquitto *m, int fd) {
  for (int k = 0; k < 4096; k++) {
    if (mosquitto_loop_read(m, 1) != MOSQ_ERR_SUCCESS)
      return;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (poll(&pfd, 1, 0) <= 0)
      return;
  }
}

static int con_poll(bench_con_t *c, int timeout_ms) {
  mcon_t *mc = c->d;
  struct pollfd fds[BENCH_MAX_SUBS];
  for (int i = 0; i < mc->n; i++) {
    fds[i].fd = mosquitto_socket(mc->clients[i]->m);
    fds[i].events = POLLIN | (mosquitto_want_write(mc->clients[i]->m) ? POLLOUT : 0);
  }
  if (poll(fds, (nfds_t)mc->n, timeout_ms) < 0)
    return 0;
  for (int i = 0; i < mc->n; i++) {
    struct mosquitto *m = mc->clients[i]->m;
    if (fds[i].revents & POLLIN)
      read_all(m, fds[i].fd);
    if (mosquitto_want_write(m))
      mosquitto_loop_write(m, 1);
    if (mosquitto_loop_misc(m) != MOSQ_ERR_SUCCESS)
      return -1;
  }
  return 0;
}

static void con_close(bench_con_t *c) {
  mcon_t *mc = c->d;
  if (!mc)
    return;
  for (int i = 0; i < mc->n; i++)
    client_free(mc->clients[i]);
  free(mc);
  c->d = NULL;
}

/* ---- request/reply: QoS 1 both ways ---- */

static int rr_server_open(bench_rr_t *r) {
  char id[BENCH_NAME_MAX], req[BENCH_NAME_MAX];
  snprintf(id, sizeof id, "b%srs", r->cfg->run);
  snprintf(req, sizeof req, "rpc/r%s/req", r->cfg->run);
  mclient_t *mc = client_new(r->cfg, id, 1, 1);
  if (!mc)
    return -1;
  mc->is_server = 1;
  snprintf(mc->reply_topic, sizeof mc->reply_topic, "rpc/r%s/rep", r->cfg->run);
  r->d = mc;
  return subscribe_wait(mc, req, 1);
}

static int rr_server_poll(bench_rr_t *r, int timeout_ms) {
  mclient_t *mc = r->d;
  return mosquitto_loop(mc->m, timeout_ms, 1) == MOSQ_ERR_SUCCESS ? 0 : -1;
}

static int rr_client_open(bench_rr_t *r) {
  char id[BENCH_NAME_MAX], rep[BENCH_NAME_MAX];
  snprintf(id, sizeof id, "b%src", r->cfg->run);
  snprintf(rep, sizeof rep, "rpc/r%s/rep", r->cfg->run);
  mclient_t *mc = client_new(r->cfg, id, 1, 1);
  if (!mc)
    return -1;
  r->d = mc;
  return subscribe_wait(mc, rep, 1);
}

static int got_reply(mclient_t *mc) {
  return mc->replies > 0;
}

static int rr_call(bench_rr_t *r, const void *buf, size_t len, int timeout_ms) {
  mclient_t *mc = r->d;
  char req[BENCH_NAME_MAX];
  snprintf(req, sizeof req, "rpc/r%s/req", r->cfg->run);
  mc->replies = 0;
  if (mosquitto_publish(mc->m, NULL, req, (int)len, buf, 1, false) != MOSQ_ERR_SUCCESS)
    return -1;
  return loop_until(mc, got_reply, timeout_ms);
}

static void rr_close(bench_rr_t *r) {
  client_free(r->d);
  r->d = NULL;
}

const driver_t drv_mqtt1 = {
    .name = "mqtt",
    .durable = 1,
    .confirms = 1,
    .can_backlog = 1,
    .setup = setup,
    .noise = noise,
    .teardown = teardown_qos1,
    .pub_open = pub_open1,
    .pub_send = pub_send,
    .pub_poll = pub_poll,
    .pub_close = pub_close,
    .con_open = con_open1,
    .con_poll = con_poll,
    .con_close = con_close,
    .rr_server_open = rr_server_open,
    .rr_server_poll = rr_server_poll,
    .rr_server_close = rr_close,
    .rr_client_open = rr_client_open,
    .rr_call = rr_call,
    .rr_client_close = rr_close,
};

const driver_t drv_mqtt0 = {
    .name = "mqtt0",
    .durable = 0,
    .confirms = 0,
    .can_backlog = 0,
    .noise = noise,
    .teardown = teardown_qos0,
    .pub_open = pub_open0,
    .pub_send = pub_send,
    .pub_poll = pub_poll,
    .pub_close = pub_close,
    .con_open = con_open0,
    .con_poll = con_poll,
    .con_close = con_close,
};
