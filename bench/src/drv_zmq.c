/*
 * drv_zmq.c — raw ZeroMQ through one broker hop: the transport limit for
 * transient messages (no envelope, no routing, no acknowledgements).
 *
 * The broker (`stafet-bench zmq-broker PORT`, a separate process like the
 * hub) runs three zmq_proxy()s on loopback:
 *   PORT   PULL <- publishers' PUSH      PORT+1 PUSH -> consumer's PULL   (1 -> 1)
 *   PORT+2 XSUB <- publishers' PUB       PORT+3 XPUB -> consumers' SUB    (fan-out)
 *   PORT+4 ROUTER <- requesters' REQ     PORT+5 DEALER -> servers' REP    (request/reply)
 */
#include "bench.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define HWM 100000

static void *zctx;
static pthread_mutex_t zctx_lock = PTHREAD_MUTEX_INITIALIZER;

static void *ctx(void) {
  pthread_mutex_lock(&zctx_lock);
  if (!zctx)
    zctx = zmq_ctx_new();
  pthread_mutex_unlock(&zctx_lock);
  return zctx;
}

static void *sock(int type, const char *how, int port, int connect) {
  void *s = zmq_socket(ctx(), type);
  int hwm = HWM, zero = 0;
  zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
  zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
  zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
  char ep[64];
  snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
  int rc = connect ? zmq_connect(s, ep) : zmq_bind(s, ep);
  if (rc != 0) {
    fprintf(stderr, "bench: zmq %s %s: %s\n", how, ep, zmq_strerror(zmq_errno()));
    zmq_close(s);
    return NULL;
  }
  return s;
}

/* ---- the broker ---- */

typedef struct proxy {
  void *front, *back;
} proxy_t;

static void *proxy_thread(void *arg) {
  proxy_t *p = arg;
  zmq_proxy(p->front, p->back, NULL); /* returns when the context is shut down */
  zmq_close(p->front);
  zmq_close(p->back);
  return NULL;
}

int zmq_broker_main(int port) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, NULL); /* threads inherit: only sigwait sees them */
  proxy_t px[3] = {{sock(ZMQ_PULL, "bind", port, 0), sock(ZMQ_PUSH, "bind", port + 1, 0)},
                   {sock(ZMQ_XSUB, "bind", port + 2, 0), sock(ZMQ_XPUB, "bind", port + 3, 0)},
                   {sock(ZMQ_ROUTER, "bind", port + 4, 0), sock(ZMQ_DEALER, "bind", port + 5, 0)}};
  for (int i = 0; i < 3; i++)
    if (!px[i].front || !px[i].back)
      return 1;
  pthread_t th[3];
  for (int i = 0; i < 3; i++)
    pthread_create(&th[i], NULL, proxy_thread, &px[i]);
  fprintf(stderr, "zmq-broker: ready on 127.0.0.1:%d..%d\n", port, port + 5);
  int sig = 0;
  sigwait(&set, &sig);
  zmq_ctx_shutdown(zctx);
  for (int i = 0; i < 3; i++)
    pthread_join(th[i], NULL);
  zmq_ctx_term(zctx);
  return 0;
}

/* ---- clients ---- */

static int pub_open(bench_pub_t *p) {
  int fan = p->cfg->n_subs > 1;
  void *s = fan ? sock(ZMQ_PUB, "connect", p->cfg->zmq_port + 2, 1)
                : sock(ZMQ_PUSH, "connect", p->cfg->zmq_port, 1);
  if (!s)
    return -1;
  p->d = s;
  sleep_ns(100000000); /* let the connection come up */
  return 0;
}

static int pub_send(bench_pub_t *p, uint64_t seq, const void *buf, size_t len) {
  (void)seq;
  return zmq_send(p->d, buf, len, 0) < 0 ? -1 : 0; /* PUSH blocks at the high-water mark */
}

static int pub_poll(bench_pub_t *p, int timeout_ms) {
  (void)p;
  if (timeout_ms > 0)
    sleep_ns((uint64_t)timeout_ms * 1000000);
  return 0;
}

static void pub_close(bench_pub_t *p) {
  if (p->d)
    zmq_close(p->d);
  p->d = NULL;
}

typedef struct zcon {
  int n;
  void *s[BENCH_MAX_SUBS];
  zmq_msg_t msg;
} zcon_t;

static int con_open(bench_con_t *c) {
  zcon_t *z = calloc(1, sizeof *z);
  int fan = c->cfg->n_subs > 1;
  z->n = fan ? c->cfg->n_subs : 1;
  for (int i = 0; i < z->n; i++) {
    z->s[i] = fan ? sock(ZMQ_SUB, "connect", c->cfg->zmq_port + 3, 1)
                  : sock(ZMQ_PULL, "connect", c->cfg->zmq_port + 1, 1);
    if (!z->s[i])
      return -1;
    if (fan)
      zmq_setsockopt(z->s[i], ZMQ_SUBSCRIBE, "", 0);
  }
  zmq_msg_init(&z->msg);
  c->d = z;
  sleep_ns(300000000); /* subscriptions travel to the publisher through the broker */
  return 0;
}

static int con_poll(bench_con_t *c, int timeout_ms) {
  zcon_t *z = c->d;
  zmq_pollitem_t items[BENCH_MAX_SUBS];
  for (int i = 0; i < z->n; i++)
    items[i] = (zmq_pollitem_t){.socket = z->s[i], .events = ZMQ_POLLIN};
  if (zmq_poll(items, z->n, timeout_ms) <= 0)
    return 0;
  for (int i = 0; i < z->n; i++) {
    for (int k = 0; k < 10000; k++) {
      if (zmq_msg_recv(&z->msg, z->s[i], ZMQ_DONTWAIT) < 0)
        break;
      bench_delivered(c, i, zmq_msg_data(&z->msg), zmq_msg_size(&z->msg));
    }
  }
  return 0;
}

static void con_close(bench_con_t *c) {
  zcon_t *z = c->d;
  if (!z)
    return;
  for (int i = 0; i < z->n; i++)
    zmq_close(z->s[i]);
  zmq_msg_close(&z->msg);
  free(z);
  c->d = NULL;
}

static int rr_server_open(bench_rr_t *r) {
  r->d = sock(ZMQ_REP, "connect", r->cfg->zmq_port + 5, 1);
  return r->d ? 0 : -1;
}

static int rr_server_poll(bench_rr_t *r, int timeout_ms) {
  zmq_pollitem_t item = {.socket = r->d, .events = ZMQ_POLLIN};
  if (zmq_poll(&item, 1, timeout_ms) <= 0)
    return 0;
  zmq_msg_t m;
  zmq_msg_init(&m);
  if (zmq_msg_recv(&m, r->d, 0) >= 0)
    zmq_msg_send(&m, r->d, 0); /* echo */
  zmq_msg_close(&m);
  return 0;
}

static void rr_close(bench_rr_t *r) {
  if (r->d)
    zmq_close(r->d);
  r->d = NULL;
}

static int rr_client_open(bench_rr_t *r) {
  r->d = sock(ZMQ_REQ, "connect", r->cfg->zmq_port + 4, 1);
  sleep_ns(100000000);
  return r->d ? 0 : -1;
}

static int rr_call(bench_rr_t *r, const void *buf, size_t len, int timeout_ms) {
  if (zmq_send(r->d, buf, len, 0) < 0)
    return -1;
  zmq_pollitem_t item = {.socket = r->d, .events = ZMQ_POLLIN};
  if (zmq_poll(&item, 1, timeout_ms) <= 0)
    return -1; /* a REQ socket is stuck after a lost reply: the run ends */
  zmq_msg_t m;
  zmq_msg_init(&m);
  int rc = zmq_msg_recv(&m, r->d, 0) < 0 ? -1 : 0;
  zmq_msg_close(&m);
  return rc;
}

const driver_t drv_zmq = {
    .name = "zmq",
    .durable = 0,
    .confirms = 0,
    .can_backlog = 0,
    .pub_open = pub_open,
    .pub_send = pub_send,
    .pub_poll = pub_poll,
    .pub_close = pub_close,
    .con_open = con_open,
    .con_poll = con_poll,
    .con_close = con_close,
    .rr_server_open = rr_server_open,
    .rr_server_poll = rr_server_poll,
    .rr_server_close = rr_close,
    .rr_client_open = rr_client_open,
    .rr_call = rr_call,
    .rr_client_close = rr_close,
};
