/*
 * drv_redis.c — raw Redis Streams, the durable-store limit: what Stafet's
 * durable path costs at least, with no hub in between.
 *
 * Publisher: XADD <stream> * p <payload> for each subscription's stream,
 * pipelined (up to --window messages unanswered); a message is confirmed when
 * Redis has answered every XADD of it (with appendfsync always, after the
 * AOF fsync). Consumer: XREADGROUP ... COUNT <credit> BLOCK over all the
 * run's streams, and one XACK per stream per batch, sent in the same pipeline
 * as the next XREADGROUP.
 */
#include "bench.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GROUP "g"

typedef struct rpub {
  redisContext *r;
  uint64_t *fifo; /* seqs waiting for their replies */
  uint64_t head, tail, mask;
  int replies_for_head;
  int unflushed;
} rpub_t;

typedef struct rcon {
  redisContext *r;
  char keys[BENCH_MAX_SUBS][BENCH_NAME_MAX];
  /* ids to acknowledge, per stream */
  char **ack_ids[BENCH_MAX_SUBS];
  size_t n_ack[BENCH_MAX_SUBS];
} rcon_t;

static void key_of(const cfg_t *cfg, int i, char *out, size_t n) {
  snprintf(out, n, "bench:%s:s%d", cfg->run, i);
}

static redisContext *connect_redis(const cfg_t *cfg) {
  struct timeval tv = {10, 0};
  redisContext *r = redisConnectUnixWithTimeout(cfg->redis_sock ? cfg->redis_sock : "", tv);
  if (r == NULL || r->err) {
    fprintf(stderr, "bench: redis %s: %s\n", cfg->redis_sock ? cfg->redis_sock : "(none)",
            r ? r->errstr : "out of memory");
    if (r)
      redisFree(r);
    return NULL;
  }
  struct timeval none = {0, 0};
  redisSetTimeout(r, none); /* blocking reads: BLOCK bounds them */
  return r;
}

static int command_ok(redisContext *r, const char *fmt, const char *key) {
  redisReply *rep = redisCommand(r, fmt, key);
  int ok = rep && rep->type != REDIS_REPLY_ERROR;
  if (rep && !ok)
    fprintf(stderr, "bench: redis %s: %s\n", fmt, rep->str);
  if (rep)
    freeReplyObject(rep);
  return ok ? 0 : -1;
}

static int setup(const cfg_t *cfg) {
  redisContext *r = connect_redis(cfg);
  if (!r)
    return -1;
  int rc = 0;
  for (int i = 0; i < cfg->n_subs && rc == 0; i++) {
    char key[BENCH_NAME_MAX];
    key_of(cfg, i, key, sizeof key);
    rc = command_ok(r, "DEL %s", key);
    if (rc == 0)
      rc = command_ok(r, "XGROUP CREATE %s " GROUP " $ MKSTREAM", key);
  }
  redisFree(r);
  return rc;
}

static void teardown(const cfg_t *cfg) {
  redisContext *r = connect_redis(cfg);
  if (!r)
    return;
  for (int i = 0; i < cfg->n_subs; i++) {
    char key[BENCH_NAME_MAX];
    key_of(cfg, i, key, sizeof key);
    command_ok(r, "DEL %s", key);
  }
  redisFree(r);
}

static int pub_open(bench_pub_t *p) {
  rpub_t *s = calloc(1, sizeof *s);
  s->r = connect_redis(p->cfg);
  if (!s->r) {
    free(s);
    return -1;
  }
  s->mask = p->ring_mask;
  s->fifo = calloc(s->mask + 1, sizeof *s->fifo);
  p->d = s;
  return 0;
}

static int flush_out(rpub_t *s) {
  int done = 0;
  while (!done)
    if (redisBufferWrite(s->r, &done) != REDIS_OK)
      return -1;
  s->unflushed = 0;
  return 0;
}

static int pub_send(bench_pub_t *p, uint64_t seq, const void *buf, size_t len) {
  rpub_t *s = p->d;
  for (int i = 0; i < p->cfg->n_subs; i++) {
    char key[BENCH_NAME_MAX];
    key_of(p->cfg, i, key, sizeof key);
    if (redisAppendCommand(s->r, "XADD %s * p %b", key, buf, len) != REDIS_OK)
      return -1;
  }
  s->fifo[s->tail++ & s->mask] = seq;
  if (++s->unflushed >= 64 || p->cfg->rate > 0)
    return flush_out(s);
  return 0;
}

static int pub_poll(bench_pub_t *p, int timeout_ms) {
  rpub_t *s = p->d;
  if (flush_out(s) != 0)
    return -1;
  if (s->head == s->tail)
    return 0;
  struct pollfd pfd = {.fd = s->r->fd, .events = POLLIN};
  if (poll(&pfd, 1, timeout_ms) <= 0)
    return 0;
  if (redisBufferRead(s->r) != REDIS_OK)
    return -1;
  int n = 0;
  for (;;) {
    void *reply = NULL;
    if (redisGetReplyFromReader(s->r, &reply) != REDIS_OK)
      return -1;
    if (!reply)
      break;
    redisReply *rep = reply;
    int err = rep->type == REDIS_REPLY_ERROR;
    freeReplyObject(rep);
    if (s->head == s->tail)
      continue;
    if (++s->replies_for_head == p->cfg->n_subs) {
      uint64_t seq = s->fifo[s->head++ & s->mask];
      s->replies_for_head = 0;
      if (err)
        bench_failed(p, seq);
      else
        bench_confirmed(p, seq);
      n++;
    }
  }
  return n;
}

static void pub_close(bench_pub_t *p) {
  rpub_t *s = p->d;
  if (!s)
    return;
  redisFree(s->r);
  free(s->fifo);
  free(s);
  p->d = NULL;
}

static int con_open(bench_con_t *c) {
  rcon_t *s = calloc(1, sizeof *s);
  s->r = connect_redis(c->cfg);
  if (!s->r) {
    free(s);
    return -1;
  }
  for (int i = 0; i < c->cfg->n_subs; i++) {
    key_of(c->cfg, i, s->keys[i], sizeof s->keys[i]);
    s->ack_ids[i] = calloc((size_t)c->cfg->credit + 1, sizeof(char *));
  }
  c->d = s;
  return 0;
}

static int con_poll(bench_con_t *c, int timeout_ms) {
  rcon_t *s = c->d;
  int n_subs = c->cfg->n_subs;
  /* acknowledge the last batch, in the same pipeline as the next read */
  int n_acks = 0;
  for (int i = 0; i < n_subs; i++) {
    if (s->n_ack[i] == 0)
      continue;
    size_t argc = 3 + s->n_ack[i];
    const char **argv = malloc(argc * sizeof *argv);
    argv[0] = "XACK";
    argv[1] = s->keys[i];
    argv[2] = GROUP;
    for (size_t k = 0; k < s->n_ack[i]; k++)
      argv[3 + k] = s->ack_ids[i][k];
    redisAppendCommandArgv(s->r, (int)argc, argv, NULL);
    free(argv);
    n_acks++;
  }
  char count[16], block[16];
  snprintf(count, sizeof count, "%d", c->cfg->credit);
  snprintf(block, sizeof block, "%d", timeout_ms > 0 ? timeout_ms : 1);
  const char *argv[8 + 2 * BENCH_MAX_SUBS];
  int argc = 0;
  argv[argc++] = "XREADGROUP";
  argv[argc++] = "GROUP";
  argv[argc++] = GROUP;
  argv[argc++] = "c1";
  argv[argc++] = "COUNT";
  argv[argc++] = count;
  argv[argc++] = "BLOCK";
  argv[argc++] = block;
  argv[argc++] = "STREAMS";
  for (int i = 0; i < n_subs; i++)
    argv[argc++] = s->keys[i];
  for (int i = 0; i < n_subs; i++)
    argv[argc++] = ">";
  redisAppendCommandArgv(s->r, argc, argv, NULL);
  for (int i = 0; i < n_acks; i++) {
    void *rep = NULL;
    if (redisGetReply(s->r, &rep) != REDIS_OK)
      return -1;
    freeReplyObject(rep);
  }
  for (int i = 0; i < n_subs; i++) {
    for (size_t k = 0; k < s->n_ack[i]; k++)
      free(s->ack_ids[i][k]);
    s->n_ack[i] = 0;
  }
  void *reply = NULL;
  if (redisGetReply(s->r, &reply) != REDIS_OK)
    return -1;
  redisReply *rep = reply;
  if (rep->type == REDIS_REPLY_ARRAY) {
    for (size_t si = 0; si < rep->elements; si++) {
      redisReply *stream = rep->element[si];
      if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2)
        continue;
      int sub = 0;
      for (int i = 0; i < n_subs; i++)
        if (strcmp(stream->element[0]->str, s->keys[i]) == 0)
          sub = i;
      redisReply *entries = stream->element[1];
      for (size_t e = 0; e < entries->elements; e++) {
        redisReply *entry = entries->element[e];
        if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2)
          continue;
        redisReply *fields = entry->element[1];
        if (fields->type == REDIS_REPLY_ARRAY && fields->elements >= 2)
          bench_delivered(c, sub, fields->element[1]->str, fields->element[1]->len);
        if (s->n_ack[sub] < (size_t)c->cfg->credit)
          s->ack_ids[sub][s->n_ack[sub]++] = strdup(entry->element[0]->str);
      }
    }
  }
  freeReplyObject(rep);
  return 0;
}

static void con_close(bench_con_t *c) {
  rcon_t *s = c->d;
  if (!s)
    return;
  for (int i = 0; i < BENCH_MAX_SUBS; i++) {
    for (size_t k = 0; k < s->n_ack[i]; k++)
      free(s->ack_ids[i][k]);
    free(s->ack_ids[i]);
  }
  redisFree(s->r);
  free(s);
  c->d = NULL;
}

static long long store_bytes(const cfg_t *cfg) {
  return redis_used_memory(cfg->redis_sock);
}

const driver_t drv_redis = {
    .name = "redis",
    .durable = 1,
    .confirms = 1,
    .can_backlog = 1,
    .setup = setup,
    .teardown = teardown,
    .pub_open = pub_open,
    .pub_send = pub_send,
    .pub_poll = pub_poll,
    .pub_close = pub_close,
    .con_open = con_open,
    .con_poll = con_poll,
    .con_close = con_close,
    .store_bytes = store_bytes,
};
