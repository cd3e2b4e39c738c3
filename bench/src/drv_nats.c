/*
 * drv_nats.c — NATS through cnats (libnats).
 *
 * nats-js: JetStream as its documentation advises for durability: a stream
 * with file storage, asynchronous publishes that wait for the stream's
 * PubAck (up to --window pending), durable push consumers with explicit acks
 * and MaxAckPending = --credit. (Which fsync policy the server applies is the
 * server's configuration: see bench/run.sh and docs/benchmarks.md.)
 *
 * nats: core NATS, at most once (the transient peer), and request/reply.
 *
 * cnats delivers messages and publish acks on its own threads: the consumer's
 * connection uses the global delivery pool (one thread for every
 * subscription, so deliveries are never counted concurrently).
 */
#include "bench.h"

#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static natsConnection *noise_nc;

/* send_asap: write every publish at once instead of through cnats's flusher
 * thread (for latency: request/reply). */
static natsConnection *connect_nats_opt(const cfg_t *cfg, int global_delivery, int send_asap) {
  natsOptions *o = NULL;
  natsConnection *nc = NULL;
  if (natsOptions_Create(&o) != NATS_OK)
    return NULL;
  natsOptions_SetURL(o, cfg->nats_url);
  natsOptions_SetMaxPendingMsgs(o, 10000000);
  if (global_delivery)
    natsOptions_UseGlobalMessageDelivery(o, true);
  if (send_asap)
    natsOptions_SetSendAsap(o, true);
  natsStatus s = natsConnection_Connect(&nc, o);
  natsOptions_Destroy(o);
  if (s != NATS_OK) {
    fprintf(stderr, "bench: nats connect %s: %s\n", cfg->nats_url, natsStatus_GetText(s));
    return NULL;
  }
  return nc;
}

static natsConnection *connect_nats(const cfg_t *cfg, int global_delivery) {
  return connect_nats_opt(cfg, global_delivery, 0); /* cnats's default: buffered */
}

static void stream_name(const cfg_t *cfg, char *out, size_t n) {
  snprintf(out, n, "B%s", cfg->run);
}

static int js_setup(const cfg_t *cfg) {
  natsConnection *nc = connect_nats(cfg, 0);
  if (!nc)
    return -1;
  jsCtx *js = NULL;
  int rc = -1;
  if (natsConnection_JetStream(&js, nc, NULL) != NATS_OK)
    goto out;
  char name[BENCH_NAME_MAX], subject[BENCH_NAME_MAX];
  stream_name(cfg, name, sizeof name);
  snprintf(subject, sizeof subject, "bench.r%s.>", cfg->run);
  const char *subjects[] = {subject};
  jsStreamConfig sc;
  jsStreamConfig_Init(&sc);
  sc.Name = name;
  sc.Subjects = subjects;
  sc.SubjectsLen = 1;
  sc.Storage = js_FileStorage;
  sc.Retention = js_LimitsPolicy;
  jsErrCode err = 0;
  jsStreamInfo *si = NULL;
  natsStatus s = js_AddStream(&si, js, &sc, NULL, &err);
  if (s != NATS_OK) {
    fprintf(stderr, "bench: nats add stream: %s (%d)\n", natsStatus_GetText(s), (int)err);
    goto out;
  }
  jsStreamInfo_Destroy(si);
  rc = 0;
  for (int i = 0; i < cfg->n_subs && rc == 0; i++) {
    char durable[BENCH_NAME_MAX], deliver[BENCH_NAME_MAX];
    sub_name(cfg, i, durable, sizeof durable);
    snprintf(deliver, sizeof deliver, "_d.%s.%d", cfg->run, i);
    jsConsumerConfig cc;
    jsConsumerConfig_Init(&cc);
    cc.Durable = durable;
    cc.DeliverSubject = deliver;
    cc.DeliverPolicy = js_DeliverAll;
    cc.AckPolicy = js_AckExplicit;
    cc.MaxAckPending = cfg->credit;
    cc.FilterSubject = cfg->topic;
    jsConsumerInfo *ci = NULL;
    s = js_AddConsumer(&ci, js, name, &cc, NULL, &err);
    if (s != NATS_OK) {
      fprintf(stderr, "bench: nats add consumer: %s (%d)\n", natsStatus_GetText(s), (int)err);
      rc = -1;
    }
    jsConsumerInfo_Destroy(ci);
  }
out:
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  return rc;
}

static void js_teardown(const cfg_t *cfg) {
  if (noise_nc) {
    natsConnection_Destroy(noise_nc);
    noise_nc = NULL;
  }
  natsConnection *nc = connect_nats(cfg, 0);
  if (!nc)
    return;
  jsCtx *js = NULL;
  if (natsConnection_JetStream(&js, nc, NULL) == NATS_OK) {
    char name[BENCH_NAME_MAX];
    stream_name(cfg, name, sizeof name);
    js_DeleteStream(js, name, NULL, NULL);
    jsCtx_Destroy(js);
  }
  natsConnection_Destroy(nc);
}

static void core_teardown(const cfg_t *cfg) {
  (void)cfg;
  if (noise_nc) {
    natsConnection_Destroy(noise_nc);
    noise_nc = NULL;
  }
}

/* k subscriptions that do not match, held on one connection during the run. */
static int noise(const cfg_t *cfg, int k) {
  noise_nc = connect_nats(cfg, 0);
  if (!noise_nc)
    return -1;
  for (int i = 0; i < k; i++) {
    char subj[BENCH_NAME_MAX];
    switch (i % 3) {
    case 0: snprintf(subj, sizeof subj, "noise.k%d.*", i); break;
    case 1: snprintf(subj, sizeof subj, "bench.x%d.>", i); break;
    default: snprintf(subj, sizeof subj, "*.n%d.m", i); break;
    }
    natsSubscription *sub = NULL;
    if (natsConnection_SubscribeSync(&sub, noise_nc, subj) != NATS_OK)
      return -1;
    /* the connection keeps it; destroying the connection ends them all */
  }
  return natsConnection_FlushTimeout(noise_nc, 60000) == NATS_OK ? 0 : -1;
}

/* ---- publisher ---- */

typedef struct npub {
  natsConnection *nc;
  jsCtx *js;
  pthread_cond_t cond;
} npub_t;

static void on_pub_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure) {
  (void)js;
  (void)pae;
  bench_pub_t *p = closure;
  npub_t *s = p->d;
  msg_hdr_t h;
  hdr_read(natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg), &h);
  pthread_mutex_lock(&p->lock);
  if (pa)
    bench_confirmed(p, h.seq);
  else
    bench_failed(p, h.seq);
  pthread_cond_signal(&s->cond);
  pthread_mutex_unlock(&p->lock);
  natsMsg_Destroy(msg);
}

static int pub_open_mode(bench_pub_t *p, int jetstream) {
  npub_t *s = calloc(1, sizeof *s);
  pthread_cond_init(&s->cond, NULL);
  p->d = s;
  s->nc = connect_nats(p->cfg, 0);
  if (!s->nc)
    return -1;
  if (jetstream) {
    jsOptions o;
    jsOptions_Init(&o);
    o.PublishAsync.MaxPending = p->cfg->window + 64;
    o.PublishAsync.AckHandler = on_pub_ack;
    o.PublishAsync.AckHandlerClosure = p;
    if (natsConnection_JetStream(&s->js, s->nc, &o) != NATS_OK)
      return -1;
  }
  return 0;
}

static int js_pub_open(bench_pub_t *p) {
  return pub_open_mode(p, 1);
}

static int core_pub_open(bench_pub_t *p) {
  return pub_open_mode(p, 0);
}

static int js_pub_send(bench_pub_t *p, uint64_t seq, const void *buf, size_t len) {
  (void)seq;
  npub_t *s = p->d;
  natsStatus st = js_PublishAsync(s->js, p->cfg->topic, buf, (int)len, NULL);
  if (st == NATS_TIMEOUT)
    return BENCH_FULL;
  return st == NATS_OK ? 0 : -1;
}

static int core_pub_send(bench_pub_t *p, uint64_t seq, const void *buf, size_t len) {
  (void)seq;
  npub_t *s = p->d;
  return natsConnection_Publish(s->nc, p->cfg->topic, buf, (int)len) == NATS_OK ? 0 : -1;
}

/* Acks arrive on cnats's thread: wait until one does, or the time-out. */
static int pub_poll(bench_pub_t *p, int timeout_ms) {
  npub_t *s = p->d;
  if (timeout_ms <= 0 || !s->js)
    return 0;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += (long)timeout_ms * 1000000L;
  ts.tv_sec += ts.tv_nsec / 1000000000L;
  ts.tv_nsec %= 1000000000L;
  pthread_mutex_lock(&p->lock);
  uint64_t done = atomic_load(&p->confirmed) + atomic_load(&p->failed);
  if (done >= p->sent)
    ; /* nothing pending */
  else
    pthread_cond_timedwait(&s->cond, &p->lock, &ts);
  pthread_mutex_unlock(&p->lock);
  return 0;
}

static void pub_close(bench_pub_t *p) {
  npub_t *s = p->d;
  if (!s)
    return;
  if (s->js) {
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = 2000;
    js_PublishAsyncComplete(s->js, &po);
    jsCtx_Destroy(s->js);
  }
  if (s->nc) {
    natsConnection_FlushTimeout(s->nc, 2000);
    natsConnection_Destroy(s->nc);
  }
  pthread_cond_destroy(&s->cond);
  free(s);
  p->d = NULL;
}

/* ---- consumer ---- */

typedef struct ncon ncon_t;
typedef struct nsubarg {
  ncon_t *n;
  int i;
} nsubarg_t;
struct ncon {
  natsConnection *nc;
  jsCtx *js;
  bench_con_t *c;
  natsSubscription *subs[BENCH_MAX_SUBS];
  nsubarg_t args[BENCH_MAX_SUBS];
  int jetstream;
};

static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure) {
  (void)nc;
  (void)sub;
  nsubarg_t *a = closure;
  bench_delivered(a->n->c, a->i, natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg));
  if (a->n->jetstream)
    natsMsg_Ack(msg, NULL);
  natsMsg_Destroy(msg);
}

static int con_open_mode(bench_con_t *c, int jetstream) {
  ncon_t *n = calloc(1, sizeof *n);
  n->c = c;
  n->jetstream = jetstream;
  c->d = n;
  n->nc = connect_nats(c->cfg, 1);
  if (!n->nc)
    return -1;
  if (jetstream && natsConnection_JetStream(&n->js, n->nc, NULL) != NATS_OK)
    return -1;
  char stream[BENCH_NAME_MAX];
  stream_name(c->cfg, stream, sizeof stream);
  for (int i = 0; i < c->cfg->n_subs; i++) {
    n->args[i] = (nsubarg_t){n, i};
    natsStatus s;
    if (jetstream) {
      char durable[BENCH_NAME_MAX];
      sub_name(c->cfg, i, durable, sizeof durable);
      jsSubOptions so;
      jsSubOptions_Init(&so);
      so.Stream = stream;
      so.Consumer = durable;
      so.ManualAck = true;
      jsErrCode err = 0;
      s = js_Subscribe(&n->subs[i], n->js, c->cfg->topic, on_msg, &n->args[i], NULL, &so, &err);
    } else {
      s = natsConnection_Subscribe(&n->subs[i], n->nc, c->cfg->topic, on_msg, &n->args[i]);
    }
    if (s != NATS_OK) {
      fprintf(stderr, "bench: nats subscribe: %s\n", natsStatus_GetText(s));
      return -1;
    }
    natsSubscription_SetPendingLimits(n->subs[i], -1, -1);
  }
  natsConnection_FlushTimeout(n->nc, 5000);
  return 0;
}

static int js_con_open(bench_con_t *c) {
  return con_open_mode(c, 1);
}

static int core_con_open(bench_con_t *c) {
  return con_open_mode(c, 0);
}

static int con_poll(bench_con_t *c, int timeout_ms) {
  (void)c;
  sleep_ns((uint64_t)(timeout_ms > 0 ? timeout_ms : 1) * 1000000);
  return 0;
}

static void con_close(bench_con_t *c) {
  ncon_t *n = c->d;
  if (!n)
    return;
  for (int i = 0; i < BENCH_MAX_SUBS; i++)
    if (n->subs[i]) {
      natsSubscription_Unsubscribe(n->subs[i]); /* bound durable consumers stay */
      natsSubscription_Destroy(n->subs[i]);
    }
  jsCtx_Destroy(n->js);
  natsConnection_Destroy(n->nc);
  free(n);
  c->d = NULL;
}

/* ---- request/reply (core NATS) ---- */

typedef struct nrr {
  natsConnection *nc;
  natsSubscription *sub;
  char subject[BENCH_NAME_MAX];
} nrr_t;

static void on_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure) {
  (void)sub;
  (void)closure;
  const char *reply = natsMsg_GetReply(msg);
  if (reply)
    natsConnection_Publish(nc, reply, natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
  natsMsg_Destroy(msg);
}

static int rr_server_open(bench_rr_t *r) {
  nrr_t *n = calloc(1, sizeof *n);
  r->d = n;
  snprintf(n->subject, sizeof n->subject, "rpc.r%s", r->cfg->run);
  n->nc = connect_nats_opt(r->cfg, 0, 1);
  if (!n->nc ||
      natsConnection_Subscribe(&n->sub, n->nc, n->subject, on_request, NULL) != NATS_OK)
    return -1;
  return natsConnection_FlushTimeout(n->nc, 5000) == NATS_OK ? 0 : -1;
}

static int rr_server_poll(bench_rr_t *r, int timeout_ms) {
  (void)r;
  sleep_ns((uint64_t)(timeout_ms > 0 ? timeout_ms : 1) * 1000000);
  return 0;
}

static int rr_client_open(bench_rr_t *r) {
  nrr_t *n = calloc(1, sizeof *n);
  r->d = n;
  snprintf(n->subject, sizeof n->subject, "rpc.r%s", r->cfg->run);
  n->nc = connect_nats_opt(r->cfg, 0, 1);
  return n->nc ? 0 : -1;
}

static int rr_call(bench_rr_t *r, const void *buf, size_t len, int timeout_ms) {
  nrr_t *n = r->d;
  natsMsg *reply = NULL;
  natsStatus s = natsConnection_Request(&reply, n->nc, n->subject, buf, (int)len, timeout_ms);
  natsMsg_Destroy(reply);
  return s == NATS_OK ? 0 : -1;
}

static void rr_close(bench_rr_t *r) {
  nrr_t *n = r->d;
  if (!n)
    return;
  if (n->sub)
    natsSubscription_Destroy(n->sub);
  natsConnection_Destroy(n->nc);
  free(n);
  r->d = NULL;
}

const driver_t drv_nats_js = {
    .name = "nats-js",
    .durable = 1,
    .confirms = 1,
    .can_backlog = 1,
    .setup = js_setup,
    .noise = noise,
    .teardown = js_teardown,
    .pub_open = js_pub_open,
    .pub_send = js_pub_send,
    .pub_poll = pub_poll,
    .pub_close = pub_close,
    .con_open = js_con_open,
    .con_poll = con_poll,
    .con_close = con_close,
};

const driver_t drv_nats = {
    .name = "nats",
    .durable = 0,
    .confirms = 0,
    .can_backlog = 0,
    .noise = noise,
    .teardown = core_teardown,
    .pub_open = core_pub_open,
    .pub_send = core_pub_send,
    .pub_poll = pub_poll,
    .pub_close = pub_close,
    .con_open = core_con_open,
    .con_poll = con_poll,
    .con_close = con_close,
    .rr_server_open = rr_server_open,
    .rr_server_poll = rr_server_poll,
    .rr_server_close = rr_close,
    .rr_client_open = rr_client_open,
    .rr_call = rr_call,
    .rr_client_close = rr_close,
};
