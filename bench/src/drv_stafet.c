/*
 * drv_stafet.c — Stafet through libstafet: durable subscriptions (stored in
 * Redis before the PublishAck) and transient ones (in memory, at most once).
 *
 * The publisher keeps up to --window publishes in flight (the outbox) and
 * polls for PublishAcks; the consumer holds every subscription of the run on
 * one client with a credit window of --credit, and acks each delivery.
 */
#include "bench.h"
#include "stafet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct slot {
  bench_pub_t *p;
  uint64_t seq;
} slot_t;

typedef struct spub {
  stafet_client_t *c;
  slot_t *slots;
  uint64_t mask;
} spub_t;

typedef struct scon scon_t;
typedef struct subarg {
  scon_t *s;
  int i;
} subarg_t;
struct scon {
  stafet_client_t *c;
  bench_con_t *bc;
  subarg_t args[BENCH_MAX_SUBS];
};

static int client_new(const cfg_t *cfg, const char *adapter, size_t outbox, stafet_client_t **out) {
  stafet_client_options_t o = {
      .endpoint = cfg->stafet_ep, .adapter = adapter, .outbox_max = outbox};
  if (stafet_client_new(out, &o) != 0)
    return -1;
  int rc = stafet_client_connect(*out, 10000);
  if (rc != 0) {
    fprintf(stderr, "bench: stafet connect %s: %s\n", cfg->stafet_ep, stafet_strerror(rc));
    stafet_client_destroy(*out);
    *out = NULL;
    return -1;
  }
  return 0;
}

static void pattern_of(const cfg_t *cfg, char *out, size_t n) {
  snprintf(out, n, "bench.r%s.*", cfg->run);
}

static void on_deliver(stafet_client_t *c, const stafet_delivery_t *d, void *arg) {
  subarg_t *a = arg;
  bench_delivered(a->s->bc, a->i, d->payload, d->payload_len);
  if (d->delivery_id[0])
    stafet_client_ack(c, d->subscription, d->delivery_id);
}

static void noop_deliver(stafet_client_t *c, const stafet_delivery_t *d, void *arg) {
  (void)c;
  (void)d;
  (void)arg;
}

/* Subscribes to the run's n subscriptions; s == NULL: deliveries are ignored. */
static int subscribe_all(const cfg_t *cfg, stafet_client_t *c, int transient, scon_t *s) {
  char pattern[BENCH_NAME_MAX];
  pattern_of(cfg, pattern, sizeof pattern);
  const char *patterns[] = {pattern};
  for (int i = 0; i < cfg->n_subs; i++) {
    char name[BENCH_NAME_MAX];
    sub_name(cfg, i, name, sizeof name);
    stafet_subscription_t sub = {.name = name,
                                 .patterns = patterns,
                                 .n_patterns = 1,
                                 .transient = transient,
                                 .credit = (unsigned)cfg->credit};
    int rc = s ? stafet_client_subscribe(c, &sub, on_deliver, &s->args[i], 10000)
               : stafet_client_subscribe(c, &sub, noop_deliver, NULL, 10000);
    if (rc != 0) {
      fprintf(stderr, "bench: stafet subscribe %s: %s\n", name, stafet_strerror(rc));
      return -1;
    }
  }
  return 0;
}

/* Durable: the subscriptions exist (collecting) before anything is published. */
static int setup(const cfg_t *cfg) {
  stafet_client_t *c;
  if (client_new(cfg, "bench_setup", 0, &c) != 0)
    return -1;
  int rc = subscribe_all(cfg, c, 0, NULL);
  stafet_client_destroy(c); /* Goodbye: the subscriptions stay, without consumers */
  return rc;
}

/*
 * k durable subscriptions whose patterns do not match the run's topic, so the
 * router holds them. Created in batches: subscribe without waiting, then one
 * waited subscribe; the batch's client then says Goodbye (no consumers remain,
 * so the hub does no work for them per message except routing).
 */
static int noise(const cfg_t *cfg, int k) {
  const int batch = 500;
  uint64_t deadline = now_ns() + (uint64_t)(cfg->setup_timeout * 1e9);
  for (int base = 0; base < k; base += batch) {
    if (now_ns() > deadline)
      return -1;
    stafet_client_t *c;
    if (client_new(cfg, "bench_noise", 0, &c) != 0)
      return -1;
    int n = k - base < batch ? k - base : batch;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
      char name[BENCH_NAME_MAX], pattern[BENCH_NAME_MAX];
      snprintf(name, sizeof name, "n%sk%d", cfg->run, base + i);
      /* three kinds of pattern, so the trie has literal, '*' and '#' branches */
      switch ((base + i) % 3) {
      case 0: snprintf(pattern, sizeof pattern, "noise.k%d.*", base + i); break;
      case 1: snprintf(pattern, sizeof pattern, "bench.x%d.#", base + i); break;
      default: snprintf(pattern, sizeof pattern, "*.n%d.m", base + i); break;
      }
      const char *patterns[] = {pattern};
      stafet_subscription_t sub = {
          .name = name, .patterns = patterns, .n_patterns = 1, .credit = 1};
      rc = stafet_client_subscribe(c, &sub, noop_deliver, NULL, i == n - 1 ? 30000 : 0);
      if (rc == -9 /* STAFET_ETIMEDOUT */ && i < n - 1)
        rc = 0;
      if (i % 50 == 0)
        stafet_client_poll(c, 0);
    }
    stafet_client_destroy(c);
    if (rc != 0) {
      fprintf(stderr, "bench: stafet noise subscribe: %s\n", stafet_strerror(rc));
      return -1;
    }
  }
  return 0;
}

static void teardown(const cfg_t *cfg) {
  stafet_client_t *c;
  if (client_new(cfg, "bench_teardown", 0, &c) != 0)
    return;
  /* join then remove: deletes the queue, so Redis memory goes back */
  char pattern[BENCH_NAME_MAX];
  pattern_of(cfg, pattern, sizeof pattern);
  for (int i = 0; i < cfg->n_subs; i++) {
    char name[BENCH_NAME_MAX];
    sub_name(cfg, i, name, sizeof name);
    const char *patterns[] = {pattern};
    stafet_subscription_t sub = {.name = name, .patterns = patterns, .n_patterns = 1, .credit = 1};
    if (stafet_client_subscribe(c, &sub, noop_deliver, NULL, 10000) == 0)
      stafet_client_unsubscribe(c, name, 1, 10000);
  }
  stafet_client_destroy(c);
}

static void on_ack(stafet_client_t *c, const char *id, int status, int dup, void *arg) {
  (void)c;
  (void)id;
  (void)dup;
  slot_t *s = arg;
  if (status == 0)
    bench_confirmed(s->p, s->seq);
  else
    bench_failed(s->p, s->seq);
}

static int pub_open(bench_pub_t *p) {
  spub_t *s = calloc(1, sizeof *s);
  s->mask = p->ring_mask;
  s->slots = calloc(s->mask + 1, sizeof *s->slots);
  /* the outbox bound is above the harness's window: the window decides */
  if (client_new(p->cfg, "bench_pub", (size_t)p->cfg->window * 2 + 16, &s->c) != 0) {
    free(s->slots);
    free(s);
    return -1;
  }
  p->d = s;
  return 0;
}

static int pub_send(bench_pub_t *p, uint64_t seq, const void *buf, size_t len) {
  spub_t *s = p->d;
  slot_t *slot = &s->slots[seq & s->mask];
  slot->p = p;
  slot->seq = seq;
  stafet_envelope_t env = {
      .topic = p->cfg->topic, .type_name = "bench.v1.Message", .schema_version = 1};
  int rc = stafet_client_publish(s->c, &env, buf, len, on_ack, slot, NULL);
  if (rc == -12 /* STAFET_EFULL */)
    return BENCH_FULL;
  return rc == 0 ? 0 : -1;
}

static int pub_poll(bench_pub_t *p, int timeout_ms) {
  spub_t *s = p->d;
  int rc = stafet_client_poll(s->c, timeout_ms);
  return rc < 0 ? -1 : rc;
}

static void pub_close(bench_pub_t *p) {
  spub_t *s = p->d;
  if (!s)
    return;
  stafet_client_flush(s->c, 2000);
  stafet_client_destroy(s->c);
  free(s->slots);
  free(s);
  p->d = NULL;
}

static int con_open_mode(bench_con_t *c, int transient) {
  scon_t *s = calloc(1, sizeof *s);
  s->bc = c;
  for (int i = 0; i < BENCH_MAX_SUBS; i++)
    s->args[i] = (subarg_t){s, i};
  if (client_new(c->cfg, "bench_con", 0, &s->c) != 0 ||
      subscribe_all(c->cfg, s->c, transient, s) != 0) {
    if (s->c)
      stafet_client_destroy(s->c);
    free(s);
    return -1;
  }
  c->d = s;
  return 0;
}

static int con_open(bench_con_t *c) {
  return con_open_mode(c, 0);
}

static int con_open_transient(bench_con_t *c) {
  return con_open_mode(c, 1);
}

static int con_poll(bench_con_t *c, int timeout_ms) {
  scon_t *s = c->d;
  return stafet_client_poll(s->c, timeout_ms) < 0 ? -1 : 0;
}

static void con_close(bench_con_t *c) {
  scon_t *s = c->d;
  if (!s)
    return;
  stafet_client_destroy(s->c);
  free(s);
  c->d = NULL;
}

static long long store_bytes(const cfg_t *cfg) {
  return redis_used_memory(cfg->redis_sock);
}

/* ---- request/reply: an echo provider and a requester, one call at a time ---- */

#define RR_SERVICE "bench.echo.get"

static void on_echo(stafet_client_t *c, const stafet_request_t *r, void *arg) {
  (void)arg;
  stafet_client_reply(c, r->request_id, r->payload, r->payload_len);
}

static int rr_server_open(bench_rr_t *r) {
  stafet_client_t *c;
  if (client_new(r->cfg, "bench_echo", 1000, &c) != 0)
    return -1;
  if (stafet_client_provide(c, RR_SERVICE, on_echo, NULL, 10000) != 0) {
    stafet_client_destroy(c);
    return -1;
  }
  r->d = c;
  return 0;
}

static int rr_server_poll(bench_rr_t *r, int timeout_ms) {
  return stafet_client_poll(r->d, timeout_ms) < 0 ? -1 : 0;
}

static void rr_close(bench_rr_t *r) {
  stafet_client_destroy(r->d);
  r->d = NULL;
}

static int rr_client_open(bench_rr_t *r) {
  stafet_client_t *c;
  if (client_new(r->cfg, "bench_requester", 1000, &c) != 0)
    return -1;
  r->d = c;
  return 0;
}

typedef struct rr_answer {
  int done, status;
} rr_answer_t;

static void on_answer(stafet_client_t *c, int status, const char *text, const void *payload,
                      size_t len, void *arg) {
  rr_answer_t *a = arg;
  a->done = 1;
  a->status = status;
}

static int rr_call(bench_rr_t *r, const void *buf, size_t len, int timeout_ms) {
  rr_answer_t a = {0};
  if (stafet_client_request(r->d, RR_SERVICE, buf, len, timeout_ms, on_answer, &a) != 0)
    return -1;
  while (!a.done)
    if (stafet_client_poll(r->d, timeout_ms) < 0)
      return -1;
  return a.status == 0 ? 0 : -1;
}

const driver_t drv_stafet = {
    .name = "stafet",
    .durable = 1,
    .confirms = 1,
    .can_backlog = 1,
    .setup = setup,
    .noise = noise,
    .teardown = teardown,
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
    .store_bytes = store_bytes,
};

const driver_t drv_stafet_transient = {
    .name = "stafet-transient",
    .durable = 0,
    .confirms = 1,
    .can_backlog = 0,
    .pub_open = pub_open,
    .pub_send = pub_send,
    .pub_poll = pub_poll,
    .pub_close = pub_close,
    .con_open = con_open_transient,
    .con_poll = con_poll,
    .con_close = con_close,
    .store_bytes = store_bytes,
};
