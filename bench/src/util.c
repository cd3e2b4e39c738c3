/*
 * util.c — clocks, the latency histogram, the callbacks drivers report
 * through, and small helpers.
 */
#include "bench.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sleep_ns(uint64_t ns) {
  struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000ull),
                        .tv_nsec = (long)(ns % 1000000000ull)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* Bucket index: values below 64 are exact; above, 64 sub-buckets per power of two. */
static size_t hist_index(uint64_t v) {
  if (v < HIST_SUB)
    return (size_t)v;
  int e = 63 - __builtin_clzll(v); /* >= 6 */
  size_t sub = (size_t)(v >> (e - 6)) & (HIST_SUB - 1);
  size_t i = (size_t)(e - 5) * HIST_SUB + sub;
  return i < HIST_BUCKETS ? i : HIST_BUCKETS - 1;
}

/* Lower edge of a bucket. */
static uint64_t hist_value(size_t i) {
  if (i < HIST_SUB)
    return i;
  int e = (int)(i / HIST_SUB) + 5;
  uint64_t sub = i % HIST_SUB;
  return (HIST_SUB + sub) << (e - 6);
}

void hist_add(hist_t *h, uint64_t v) {
  h->counts[hist_index(v)]++;
  h->n++;
  h->sum += v;
  if (v > h->max)
    h->max = v;
}

void hist_merge(hist_t *into, const hist_t *from) {
  for (size_t i = 0; i < HIST_BUCKETS; i++)
    into->counts[i] += from->counts[i];
  into->n += from->n;
  into->sum += from->sum;
  if (from->max > into->max)
    into->max = from->max;
}

uint64_t hist_pct(const hist_t *h, double pct) {
  if (h->n == 0)
    return 0;
  uint64_t rank = (uint64_t)((double)h->n * pct / 100.0);
  if (rank >= h->n)
    rank = h->n - 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < HIST_BUCKETS; i++) {
    seen += h->counts[i];
    if (seen > rank) {
      /* middle of the bucket, but never above the largest value seen */
      uint64_t lo = hist_value(i), hi = i + 1 < HIST_BUCKETS ? hist_value(i + 1) : lo;
      uint64_t mid = lo + (hi - lo) / 2;
      return mid > h->max ? h->max : mid;
    }
  }
  return h->max;
}

void hdr_read(const void *payload, size_t len, msg_hdr_t *h) {
  if (len >= sizeof *h)
    memcpy(h, payload, sizeof *h);
  else
    memset(h, 0, sizeof *h);
}

void bench_confirmed(bench_pub_t *p, uint64_t seq) {
  uint64_t t = now_ns();
  if (p->ring && seq >= (uint64_t)p->cfg->warm) {
    uint64_t sent_at = p->ring[seq & p->ring_mask];
    if (sent_at && t >= sent_at)
      hist_add(&p->confirm, t - sent_at);
  }
  atomic_fetch_add(&p->confirmed, 1);
}

void bench_failed(bench_pub_t *p, uint64_t seq) {
  (void)seq;
  atomic_fetch_add(&p->failed, 1);
}

void bench_delivered(bench_con_t *c, int sub, const void *payload, size_t len) {
  uint64_t t = now_ns();
  msg_hdr_t h;
  hdr_read(payload, len, &h);
  if (sub < 0 || sub >= BENCH_MAX_SUBS)
    sub = 0;
  if (h.pub < BENCH_MAX_PUBS && c->seen[h.pub][sub] && h.seq < c->seen_bits) {
    uint8_t *b = &c->seen[h.pub][sub][h.seq >> 3];
    uint8_t bit = (uint8_t)(1u << (h.seq & 7));
    if (*b & bit) {
      c->dups++;
      return; /* a redelivery of something already counted */
    }
    *b |= bit;
  }
  if (!(h.flags & MSG_WARM)) {
    hist_add(&c->lat, t > h.t_ns ? t - h.t_ns : 0);
    atomic_fetch_add(&c->measured, 1);
  }
  atomic_store(&c->last_ns, t);
  atomic_fetch_add(&c->received, 1);
}

void sub_name(const cfg_t *cfg, int i, char *out, size_t n) {
  snprintf(out, n, "b%ss%d", cfg->run, i);
}

void logf_(const cfg_t *cfg, const char *fmt, ...) {
  if (cfg && !cfg->verbose)
    return;
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "bench: ");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "bench: error: ");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(2);
}

long long redis_used_memory(const char *sock) {
  if (sock == NULL || sock[0] == '\0')
    return -1;
  struct timeval tv = {5, 0};
  redisContext *r = redisConnectUnixWithTimeout(sock, tv);
  if (r == NULL || r->err) {
    if (r)
      redisFree(r);
    return -1;
  }
  long long used = -1;
  redisReply *rep = redisCommand(r, "INFO memory");
  if (rep && rep->type == REDIS_REPLY_STRING) {
    const char *p = strstr(rep->str, "used_memory:");
    if (p)
      used = strtoll(p + strlen("used_memory:"), NULL, 10);
  }
  if (rep)
    freeReplyObject(rep);
  redisFree(r);
  return used;
}
