/*
 * run.c — stafet-bench: the command line and the three workloads.
 *
 *   pubsub   P publishers -> N subscriptions (1 consumer connection), at full
 *            speed (rate 0) or paced at --rate msgs/s; optional --noise
 *            subscriptions that do not match (routing cost)
 *   backlog  publish --count messages while no consumer is connected, then
 *            connect one and drain: publish rate, drain rate, bytes per message
 *   reqrep   one requester, one echo server, one call at a time
 *
 * Every loop is bounded in count and in time. The result is one JSON object
 * per run, appended to --out (and printed).
 */
#include "bench.h"

#include <dirent.h>
#include <stdarg.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- processes we watch: CPU and RSS ---- */

typedef struct proc_sample {
  double cpu_s[BENCH_MAX_WATCH];
  long rss_kb[BENCH_MAX_WATCH], hwm_kb[BENCH_MAX_WATCH];
  double self_cpu_s;
  uint64_t t_ns;
} proc_sample_t;

static double proc_cpu_s(int pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f)
    return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  char *p = strrchr(buf, ')'); /* comm may contain spaces */
  if (!p)
    return -1;
  unsigned long utime = 0, stime = 0;
  /* after ')': state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
    return -1;
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static void proc_mem_kb(int pid, long *rss, long *hwm) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  *rss = *hwm = -1;
  FILE *f = fopen(path, "r");
  if (!f)
    return;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "VmRSS:", 6) == 0)
      *rss = strtol(line + 6, NULL, 10);
    else if (strncmp(line, "VmHWM:", 6) == 0)
      *hwm = strtol(line + 6, NULL, 10);
  }
  fclose(f);
}

static void sample(const cfg_t *cfg, proc_sample_t *s) {
  s->t_ns = now_ns();
  for (int i = 0; i < cfg->n_watch; i++) {
    s->cpu_s[i] = proc_cpu_s(cfg->watch_pid[i]);
    proc_mem_kb(cfg->watch_pid[i], &s->rss_kb[i], &s->hwm_kb[i]);
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  s->self_cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                  (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Disk blocks under a directory, in bytes. */
static long long dir_bytes(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0)
    return 0;
  long long total = (long long)st.st_blocks * 512;
  if (!S_ISDIR(st.st_mode))
    return total;
  DIR *d = opendir(path);
  if (!d)
    return total;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    char child[4096];
    snprintf(child, sizeof child, "%s/%s", path, e->d_name);
    total += dir_bytes(child);
  }
  closedir(d);
  return total;
}

/* ---- JSON output ---- */

typedef struct out {
  char buf[16384];
  size_t len;
} out_t;

static void out_raw(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_raw(out_t *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(o->buf + o->len, sizeof o->buf - o->len, fmt, ap);
  va_end(ap);
  if (n > 0 && (size_t)n < sizeof o->buf - o->len)
    o->len += (size_t)n;
}
static void out_sep(out_t *o) {
  if (o->len > 1)
    out_raw(o, ",");
}
static void out_str(out_t *o, const char *k, const char *v) {
  out_sep(o);
  out_raw(o, "\"%s\":\"%s\"", k, v ? v : "");
}
static void out_num(out_t *o, const char *k, double v) {
  out_sep(o);
  out_raw(o, "\"%s\":%.6g", k, v);
}
static void out_hist(out_t *o, const char *prefix, const hist_t *h) {
  char k[64];
  static const struct {
    const char *name;
    double pct;
  } ps[] = {{"p50", 50}, {"p90", 90}, {"p99", 99}, {"p999", 99.9}};
  for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
    snprintf(k, sizeof k, "%s_%s_us", prefix, ps[i].name);
    out_num(o, k, h->n ? (double)hist_pct(h, ps[i].pct) / 1e3 : -1);
  }
  snprintf(k, sizeof k, "%s_max_us", prefix);
  out_num(o, k, h->n ? (double)h->max / 1e3 : -1);
  snprintf(k, sizeof k, "%s_n", prefix);
  out_num(o, k, (double)h->n);
}

static void out_procs(out_t *o, const cfg_t *cfg, const proc_sample_t *a, const proc_sample_t *b) {
  double wall = (double)(b->t_ns - a->t_ns) / 1e9;
  char k[64];
  for (int i = 0; i < cfg->n_watch; i++) {
    snprintf(k, sizeof k, "cpu_%s", cfg->watch_name[i]);
    out_num(o, k, a->cpu_s[i] >= 0 && b->cpu_s[i] >= 0 ? (b->cpu_s[i] - a->cpu_s[i]) / wall : -1);
    snprintf(k, sizeof k, "rss_kb_%s", cfg->watch_name[i]);
    out_num(o, k, (double)b->rss_kb[i]);
    snprintf(k, sizeof k, "hwm_kb_%s", cfg->watch_name[i]);
    out_num(o, k, (double)b->hwm_kb[i]);
  }
  out_num(o, "cpu_harness", (b->self_cpu_s - a->self_cpu_s) / wall);
  out_num(o, "wall_s", wall);
}

static void out_begin(out_t *o, const cfg_t *cfg) {
  o->len = 0;
  out_raw(o, "{");
  out_str(o, "system", cfg->system);
  out_str(o, "workload", cfg->workload);
  out_str(o, "label", cfg->label);
  out_num(o, "size", (double)cfg->size);
  out_num(o, "subs", cfg->n_subs);
  out_num(o, "pubs", cfg->n_pubs);
  out_num(o, "noise", cfg->noise);
  out_num(o, "rate_target", cfg->rate);
  out_num(o, "window", cfg->window);
  out_num(o, "credit", cfg->credit);
}

static void out_end(out_t *o, const cfg_t *cfg) {
  out_raw(o, "}\n");
  fputs(o->buf, stdout);
  fflush(stdout);
  if (cfg->out) {
    FILE *f = fopen(cfg->out, "a");
    if (f) {
      fputs(o->buf, f);
      fclose(f);
    }
  }
}

static void out_error(const cfg_t *cfg, const char *what) {
  out_t o;
  out_begin(&o, cfg);
  out_str(&o, "error", what);
  out_end(&o, cfg);
}

/* ---- publishers and consumer threads ---- */

typedef struct run {
  cfg_t *cfg;
  const driver_t *drv;
  bench_pub_t pubs[BENCH_MAX_PUBS];
  bench_con_t con;
  pthread_t pub_threads[BENCH_MAX_PUBS], con_thread;
  _Atomic int con_stop;
  _Atomic uint64_t total_sent; /* over all publishers, warm-up included */
  _Atomic uint64_t stalls;     /* transient: waits for the window that timed out */
  uint64_t t0, t_end;
  uint64_t pub_done_ns[BENCH_MAX_PUBS];
  uint64_t confirm_done_ns[BENCH_MAX_PUBS];
  int con_running;
} run_t;

static volatile sig_atomic_t interrupted;
static void on_signal(int sig) {
  (void)sig;
  interrupted = 1;
}

static uint64_t inflight(bench_pub_t *p) {
  uint64_t done = atomic_load(&p->confirmed) + atomic_load(&p->failed);
  return p->sent > done ? p->sent - done : 0;
}

/* Sends one message: waits for room in the window, then sends. 0 or -1. */
static int send_one(run_t *r, bench_pub_t *p, uint64_t seq, uint64_t stamp, uint32_t flags,
                    uint8_t *buf, uint64_t deadline) {
  const driver_t *drv = r->drv;
  while (inflight(p) >= (uint64_t)r->cfg->window) {
    if (now_ns() > deadline || interrupted)
      return -1;
    if (drv->pub_poll(p, 5) < 0)
      return -1;
  }
  /* Transient systems have no end-to-end flow control (or drop when the
   * consumer lags): the harness keeps at most --window messages per publisher
   * not yet delivered, so throughput is measured without loss. A message lost
   * would shrink the window for good: after 100 ms the publisher goes on. */
  if (!drv->durable && r->con_running) {
    uint64_t limit = (uint64_t)r->cfg->window * (uint64_t)r->cfg->n_pubs;
    uint64_t stall_end = now_ns() + 100000000ull;
    for (;;) {
      uint64_t delivered = atomic_load(&r->con.received) / (uint64_t)r->cfg->n_subs;
      uint64_t out = atomic_load(&r->total_sent);
      if (out < delivered + limit)
        break;
      if (now_ns() > stall_end) {
        atomic_fetch_add(&r->stalls, 1);
        break;
      }
      drv->pub_poll(p, 0);
      sleep_ns(20000);
    }
  }
  msg_hdr_t h = {.t_ns = stamp, .seq = seq, .pub = (uint32_t)p->idx, .flags = flags};
  if (!stamp)
    h.t_ns = now_ns();
  memcpy(buf, &h, sizeof h);
  p->ring[seq & p->ring_mask] = h.t_ns > now_ns() ? h.t_ns : now_ns();
  if (flags & MSG_WARM)
    p->ring[seq & p->ring_mask] = 0;
  for (;;) {
    int rc = drv->pub_send(p, seq, buf, r->cfg->size);
    if (rc == 0)
      break;
    if (rc != BENCH_FULL || now_ns() > deadline || interrupted)
      return -1;
    if (drv->pub_poll(p, 5) < 0)
      return -1;
  }
  p->sent++;
  atomic_fetch_add(&r->total_sent, 1);
  if (!drv->confirms)
    bench_confirmed(p, seq);
  return 0;
}

static void drain_confirms(run_t *r, bench_pub_t *p, uint64_t deadline) {
  while (inflight(p) > 0 && now_ns() < deadline && !interrupted)
    if (r->drv->pub_poll(p, 10) < 0)
      break;
}

typedef struct pub_arg {
  run_t *r;
  int idx;
} pub_arg_t;

static void *pub_thread(void *arg) {
  pub_arg_t *a = arg;
  run_t *r = a->r;
  cfg_t *cfg = r->cfg;
  bench_pub_t *p = &r->pubs[a->idx];
  uint8_t *buf = calloc(1, cfg->size);
  for (size_t i = sizeof(msg_hdr_t); i < cfg->size; i++)
    buf[i] = (uint8_t)('a' + i % 26);
  double per_pub_rate = cfg->rate > 0 ? cfg->rate / cfg->n_pubs : 0;
  uint64_t interval = per_pub_rate > 0 ? (uint64_t)(1e9 / per_pub_rate) : 0;
  /* spread the publishers' schedules */
  uint64_t offset = interval ? interval * (uint64_t)a->idx / (uint64_t)cfg->n_pubs : 0;
  uint64_t hard_deadline = r->t_end + (uint64_t)(cfg->drain_timeout * 1e9);
  uint64_t k = 0;
  for (uint64_t seq = (uint64_t)cfg->warm; k < cfg->count; seq++, k++) {
    uint64_t now = now_ns();
    if (now >= r->t_end || interrupted)
      break;
    uint64_t stamp = 0;
    if (interval) {
      uint64_t sched = r->t0 + offset + k * interval;
      if (sched >= r->t_end)
        break;
      while ((now = now_ns()) < sched) {
        r->drv->pub_poll(p, 0);
        uint64_t left = sched - now_ns();
        if ((int64_t)left > 0)
          sleep_ns(left < 1000000 ? left : 1000000);
      }
      stamp = sched;
    }
    if (send_one(r, p, seq, stamp, 0, buf, hard_deadline) != 0)
      break;
  }
  r->pub_done_ns[a->idx] = now_ns();
  drain_confirms(r, p, hard_deadline);
  r->confirm_done_ns[a->idx] = now_ns();
  free(buf);
  return NULL;
}

static void *con_thread(void *arg) {
  run_t *r = arg;
  while (!atomic_load(&r->con_stop) && !interrupted)
    if (r->drv->con_poll(&r->con, 20) < 0)
      break;
  return NULL;
}

static void pub_init(run_t *r, int i) {
  bench_pub_t *p = &r->pubs[i];
  memset(p, 0, sizeof *p);
  p->cfg = r->cfg;
  p->idx = i;
  uint64_t ring = 1;
  while (ring < (uint64_t)r->cfg->window * 4 + 64)
    ring <<= 1;
  p->ring = calloc(ring, sizeof *p->ring);
  p->ring_mask = ring - 1;
  pthread_mutex_init(&p->lock, NULL);
}

static void con_init(run_t *r) {
  bench_con_t *c = &r->con;
  memset(c, 0, sizeof *c);
  c->cfg = r->cfg;
  c->n_subs = r->cfg->n_subs;
  c->seen_bits = r->cfg->count + (uint64_t)r->cfg->warm + 8;
  for (int p = 0; p < r->cfg->n_pubs; p++)
    for (int s = 0; s < r->cfg->n_subs; s++)
      c->seen[p][s] = calloc(c->seen_bits / 8 + 1, 1);
}

static void con_free(run_t *r) {
  for (int p = 0; p < BENCH_MAX_PUBS; p++)
    for (int s = 0; s < BENCH_MAX_SUBS; s++)
      free(r->con.seen[p][s]);
}

static int con_start(run_t *r) {
  if (r->drv->con_open(&r->con) != 0)
    return -1;
  atomic_store(&r->con_stop, 0);
  pthread_create(&r->con_thread, NULL, con_thread, r);
  r->con_running = 1;
  return 0;
}

static void con_stop(run_t *r) {
  if (!r->con_running)
    return;
  atomic_store(&r->con_stop, 1);
  pthread_join(r->con_thread, NULL);
  r->drv->con_close(&r->con);
  r->con_running = 0;
}

/* Waits until the consumer has `want` deliveries (all, or measured ones). */
static int wait_received(run_t *r, uint64_t want, int measured, double timeout_s,
                         double idle_s) {
  uint64_t deadline = now_ns() + (uint64_t)(timeout_s * 1e9);
  uint64_t last = 0, last_change = now_ns();
  while (!interrupted) {
    uint64_t got = measured ? atomic_load(&r->con.measured) : atomic_load(&r->con.received);
    if (got >= want)
      return 0;
    uint64_t now = now_ns();
    if (got != last) {
      last = got;
      last_change = now;
    }
    if (now > deadline)
      return -1;
    if (idle_s > 0 && now - last_change > (uint64_t)(idle_s * 1e9))
      return -1;
    sleep_ns(2000000);
  }
  return -1;
}

/* Warm-up through publisher 0 (before the publisher threads start). */
static int warm_up(run_t *r, int expect_deliveries) {
  cfg_t *cfg = r->cfg;
  if (cfg->warm <= 0)
    return 0;
  bench_pub_t *p = &r->pubs[0];
  uint8_t *buf = calloc(1, cfg->size);
  uint64_t deadline = now_ns() + (uint64_t)(cfg->drain_timeout * 1e9);
  int rc = 0;
  for (int i = 0; i < cfg->warm && rc == 0; i++)
    rc = send_one(r, p, (uint64_t)i, 0, MSG_WARM, buf, deadline);
  drain_confirms(r, p, deadline);
  free(buf);
  if (rc != 0 || inflight(p) != 0)
    return -1;
  if (expect_deliveries &&
      wait_received(r, (uint64_t)cfg->warm * (uint64_t)cfg->n_subs, 0, cfg->drain_timeout,
                    r->drv->durable ? 0 : 2.0) != 0 &&
      r->drv->durable)
    return -1;
  return 0;
}

static int open_pubs(run_t *r) {
  for (int i = 0; i < r->cfg->n_pubs; i++) {
    pub_init(r, i);
    if (r->drv->pub_open(&r->pubs[i]) != 0)
      return -1;
  }
  return 0;
}

static void close_pubs(run_t *r) {
  for (int i = 0; i < r->cfg->n_pubs; i++) {
    r->drv->pub_close(&r->pubs[i]);
    free(r->pubs[i].ring);
  }
}

static double setup_noise(run_t *r) {
  if (r->cfg->noise <= 0)
    return 0;
  if (r->drv->noise == NULL)
    return -1;
  uint64_t t = now_ns();
  if (r->drv->noise(r->cfg, r->cfg->noise) != 0)
    return -1;
  return (double)(now_ns() - t) / 1e9;
}

static int run_pubsub(cfg_t *cfg, const driver_t *drv) {
  run_t *r = calloc(1, sizeof *r);
  r->cfg = cfg;
  r->drv = drv;
  int rc = 1;
  const char *err = NULL;
  if (drv->setup && drv->setup(cfg) != 0) {
    err = "setup failed";
    goto out_nocon;
  }
  double noise_s = setup_noise(r);
  if (noise_s < 0) {
    err = "noise subscriptions failed";
    goto out_teardown;
  }
  con_init(r);
  if (con_start(r) != 0) {
    err = "consumer failed to open";
    goto out_teardown;
  }
  if (open_pubs(r) != 0) {
    err = "publisher failed to open";
    goto out_con;
  }
  if (warm_up(r, 1) != 0) {
    err = "warm-up did not complete";
    goto out_pubs;
  }
  /* a quiet moment after the warm-up, then the timed part */
  sleep_ns(200000000);
  proc_sample_t s0, s1;
  sample(cfg, &s0);
  uint64_t warm_received = atomic_load(&r->con.received);
  r->t0 = now_ns() + 1000000;
  r->t_end = r->t0 + (uint64_t)(cfg->duration * 1e9);
  pub_arg_t args[BENCH_MAX_PUBS];
  for (int i = 0; i < cfg->n_pubs; i++) {
    args[i] = (pub_arg_t){r, i};
    pthread_create(&r->pub_threads[i], NULL, pub_thread, &args[i]);
  }
  for (int i = 0; i < cfg->n_pubs; i++)
    pthread_join(r->pub_threads[i], NULL);
  uint64_t sent = 0, confirmed = 0, failed = 0, pub_done = 0, confirm_done = 0;
  for (int i = 0; i < cfg->n_pubs; i++) {
    sent += r->pubs[i].sent;
    confirmed += atomic_load(&r->pubs[i].confirmed);
    failed += atomic_load(&r->pubs[i].failed);
    if (r->pub_done_ns[i] > pub_done)
      pub_done = r->pub_done_ns[i];
    if (r->confirm_done_ns[i] > confirm_done)
      confirm_done = r->confirm_done_ns[i];
  }
  uint64_t warm_sent = (uint64_t)cfg->warm;
  sent -= warm_sent;
  confirmed -= warm_sent;
  /* durable: every confirmed message must arrive; transient: what was sent, until idle */
  uint64_t expect = (drv->durable ? confirmed : sent) * (uint64_t)cfg->n_subs;
  double remaining = cfg->drain_timeout;
  int complete = wait_received(r, expect, 1, remaining, drv->durable ? 0 : 1.5) == 0;
  sample(cfg, &s1);
  uint64_t measured = atomic_load(&r->con.measured);
  uint64_t last = atomic_load(&r->con.last_ns);
  con_stop(r);

  double pub_s = (double)(pub_done - r->t0) / 1e9;
  double conf_s = (double)(confirm_done - r->t0) / 1e9;
  double elapsed = last > r->t0 ? (double)(last - r->t0) / 1e9 : pub_s;
  out_t o;
  out_begin(&o, cfg);
  out_num(&o, "sent", (double)sent);
  out_num(&o, "confirmed", (double)confirmed);
  out_num(&o, "failed", (double)failed);
  out_num(&o, "delivered", (double)measured);
  out_num(&o, "expected", (double)expect);
  out_num(&o, "lost", expect > measured ? (double)(expect - measured) : 0);
  out_num(&o, "dups", (double)r->con.dups);
  out_num(&o, "warm_received", (double)warm_received);
  out_num(&o, "complete", complete);
  out_num(&o, "publish_s", pub_s);
  out_num(&o, "elapsed_s", elapsed);
  out_num(&o, "offered_rate", pub_s > 0 ? (double)sent / pub_s : 0);
  out_num(&o, "confirm_rate", conf_s > 0 ? (double)confirmed / conf_s : 0);
  out_num(&o, "throughput", elapsed > 0 ? (double)measured / cfg->n_subs / elapsed : 0);
  out_num(&o, "deliveries_per_s", elapsed > 0 ? (double)measured / elapsed : 0);
  out_num(&o, "noise_setup_s", noise_s);
  out_num(&o, "window_stalls", (double)atomic_load(&r->stalls));
  out_hist(&o, "lat", &r->con.lat);
  hist_t conf = {0};
  for (int i = 0; i < cfg->n_pubs; i++)
    hist_merge(&conf, &r->pubs[i].confirm);
  out_hist(&o, "confirm", &conf);
  out_procs(&o, cfg, &s0, &s1);
  out_end(&o, cfg);
  rc = 0;
out_pubs:
  close_pubs(r);
out_con:
  con_stop(r);
  con_free(r);
out_teardown:
  if (drv->teardown)
    drv->teardown(cfg);
out_nocon:
  if (err)
    out_error(cfg, err);
  free(r);
  return rc;
}

static int run_backlog(cfg_t *cfg, const driver_t *drv) {
  run_t *r = calloc(1, sizeof *r);
  r->cfg = cfg;
  r->drv = drv;
  const char *err = NULL;
  int rc = 1;
  if (!drv->can_backlog) {
    err = "no backlog: messages are not kept for an absent consumer";
    goto out_nocon;
  }
  if (drv->setup && drv->setup(cfg) != 0) {
    err = "setup failed";
    goto out_nocon;
  }
  con_init(r);
  if (open_pubs(r) != 0) {
    err = "publisher failed to open";
    goto out_teardown;
  }
  sleep_ns(500000000);
  proc_sample_t s0, s1, s2;
  long long store0 = drv->store_bytes ? drv->store_bytes(cfg) : -1;
  long long disk0 = cfg->store_dir ? dir_bytes(cfg->store_dir) : -1;
  sample(cfg, &s0);
  r->t0 = now_ns();
  r->t_end = r->t0 + (uint64_t)(cfg->setup_timeout * 1e9);
  cfg->warm = 0;
  pub_arg_t args[BENCH_MAX_PUBS];
  for (int i = 0; i < cfg->n_pubs; i++) {
    args[i] = (pub_arg_t){r, i};
    pthread_create(&r->pub_threads[i], NULL, pub_thread, &args[i]);
  }
  for (int i = 0; i < cfg->n_pubs; i++)
    pthread_join(r->pub_threads[i], NULL);
  uint64_t sent = 0, confirmed = 0, confirm_done = 0;
  for (int i = 0; i < cfg->n_pubs; i++) {
    sent += r->pubs[i].sent;
    confirmed += atomic_load(&r->pubs[i].confirmed);
    if (r->confirm_done_ns[i] > confirm_done)
      confirm_done = r->confirm_done_ns[i];
  }
  sample(cfg, &s1);
  sleep_ns(1000000000); /* let the stores settle before measuring them */
  long long store1 = drv->store_bytes ? drv->store_bytes(cfg) : -1;
  long long disk1 = cfg->store_dir ? dir_bytes(cfg->store_dir) : -1;
  proc_sample_t s_mem;
  sample(cfg, &s_mem);
  /* the consumer comes back */
  uint64_t t_drain = now_ns();
  if (con_start(r) != 0) {
    err = "consumer failed to open";
    goto out_pubs;
  }
  uint64_t expect = confirmed * (uint64_t)cfg->n_subs;
  int complete = wait_received(r, expect, 1, cfg->setup_timeout, 0) == 0;
  uint64_t drained = atomic_load(&r->con.measured);
  uint64_t last = atomic_load(&r->con.last_ns);
  sample(cfg, &s2);
  con_stop(r);
  double pub_s = (double)(confirm_done - r->t0) / 1e9;
  double drain_s = last > t_drain ? (double)(last - t_drain) / 1e9 : 0;
  out_t o;
  out_begin(&o, cfg);
  out_num(&o, "sent", (double)sent);
  out_num(&o, "confirmed", (double)confirmed);
  out_num(&o, "delivered", (double)drained);
  out_num(&o, "expected", (double)expect);
  out_num(&o, "lost", expect > drained ? (double)(expect - drained) : 0);
  out_num(&o, "dups", (double)r->con.dups);
  out_num(&o, "complete", complete);
  out_num(&o, "publish_s", pub_s);
  out_num(&o, "confirm_rate", pub_s > 0 ? (double)confirmed / pub_s : 0);
  out_num(&o, "drain_s", drain_s);
  out_num(&o, "drain_rate", drain_s > 0 ? (double)drained / drain_s : 0);
  out_num(&o, "throughput", drain_s > 0 ? (double)drained / drain_s : 0);
  out_num(&o, "store_bytes_before", (double)store0);
  out_num(&o, "store_bytes_after", (double)store1);
  out_num(&o, "store_bytes_per_msg",
          store0 >= 0 && store1 >= 0 && confirmed ? (double)(store1 - store0) / confirmed : -1);
  out_num(&o, "disk_bytes_per_msg",
          disk0 >= 0 && disk1 >= 0 && confirmed ? (double)(disk1 - disk0) / confirmed : -1);
  char k[64];
  for (int i = 0; i < cfg->n_watch; i++) {
    snprintf(k, sizeof k, "rss_bytes_per_msg_%s", cfg->watch_name[i]);
    out_num(&o, k,
            confirmed && s0.rss_kb[i] >= 0 && s_mem.rss_kb[i] >= 0
                ? (double)(s_mem.rss_kb[i] - s0.rss_kb[i]) * 1024.0 / confirmed
                : -1);
  }
  hist_t conf = {0};
  for (int i = 0; i < cfg->n_pubs; i++)
    hist_merge(&conf, &r->pubs[i].confirm);
  out_hist(&o, "confirm", &conf);
  /* CPU during publishing (s0..s1); memory at the end of the drain */
  out_procs(&o, cfg, &s0, &s1);
  out_end(&o, cfg);
  rc = 0;
out_pubs:
  close_pubs(r);
  con_stop(r);
  con_free(r);
out_teardown:
  if (drv->teardown)
    drv->teardown(cfg);
out_nocon:
  if (err)
    out_error(cfg, err);
  free(r);
  return rc;
}

typedef struct rr_server {
  const driver_t *drv;
  bench_rr_t rr;
  _Atomic int stop;
} rr_server_t;

static void *rr_server_thread(void *arg) {
  rr_server_t *s = arg;
  while (!atomic_load(&s->stop) && !interrupted)
    if (s->drv->rr_server_poll(&s->rr, 20) < 0)
      break;
  return NULL;
}

static int run_reqrep(cfg_t *cfg, const driver_t *drv) {
  if (drv->rr_call == NULL) {
    out_error(cfg, "request/reply not available");
    return 1;
  }
  rr_server_t srv = {.drv = drv, .rr = {.cfg = cfg}};
  bench_rr_t cli = {.cfg = cfg};
  if (drv->rr_server_open(&srv.rr) != 0) {
    out_error(cfg, "request server failed to open");
    return 1;
  }
  pthread_t th;
  pthread_create(&th, NULL, rr_server_thread, &srv);
  int rc = 1;
  if (drv->rr_client_open(&cli) != 0) {
    out_error(cfg, "requester failed to open");
    goto out;
  }
  uint8_t *buf = calloc(1, cfg->size);
  for (int i = 0; i < cfg->warm; i++)
    if (drv->rr_call(&cli, buf, cfg->size, 5000) != 0) {
      out_error(cfg, "warm-up call failed");
      free(buf);
      drv->rr_client_close(&cli);
      goto out;
    }
  hist_t h = {0};
  proc_sample_t s0, s1;
  sample(cfg, &s0);
  uint64_t t0 = now_ns(), t_end = t0 + (uint64_t)(cfg->duration * 1e9);
  uint64_t calls = 0, errors = 0;
  while (calls < cfg->count && !interrupted) {
    uint64_t t = now_ns();
    if (t >= t_end)
      break;
    if (drv->rr_call(&cli, buf, cfg->size, 5000) != 0) {
      if (++errors > 10)
        break;
      continue;
    }
    hist_add(&h, now_ns() - t);
    calls++;
  }
  double elapsed = (double)(now_ns() - t0) / 1e9;
  sample(cfg, &s1);
  free(buf);
  drv->rr_client_close(&cli);
  out_t o;
  out_begin(&o, cfg);
  out_num(&o, "calls", (double)calls);
  out_num(&o, "errors", (double)errors);
  out_num(&o, "elapsed_s", elapsed);
  out_num(&o, "throughput", elapsed > 0 ? (double)calls / elapsed : 0);
  out_hist(&o, "lat", &h);
  out_procs(&o, cfg, &s0, &s1);
  out_end(&o, cfg);
  rc = 0;
out:
  atomic_store(&srv.stop, 1);
  pthread_join(th, NULL);
  drv->rr_server_close(&srv.rr);
  return rc;
}

/* ---- command line ---- */

static const driver_t *const DRIVERS[] = {&drv_stafet, &drv_stafet_transient, &drv_redis,
                                          &drv_zmq,    &drv_amqp,             &drv_nats_js,
                                          &drv_nats,   &drv_mqtt1,            &drv_mqtt0};

static void usage(void) {
  fprintf(stderr,
          "usage: stafet-bench --system S --workload pubsub|backlog|reqrep [options]\n"
          "       stafet-bench zmq-broker PORT\n"
          "systems:");
  for (size_t i = 0; i < sizeof DRIVERS / sizeof DRIVERS[0]; i++)
    fprintf(stderr, " %s", DRIVERS[i]->name);
  fprintf(stderr,
          "\noptions: --size B --subs N --pubs N --noise K --rate R --duration S --count N\n"
          "  --window N --credit N --warm N --drain-timeout S --setup-timeout S --label T\n"
          "  --stafet EP --redis-sock PATH --amqp HOST:PORT --amqp-queue-type quorum|classic\n"
          "  --nats URL --mqtt HOST:PORT --zmq-port P --store-dir DIR\n"
          "  --watch name=pid[,name=pid...] --out FILE --verbose\n");
  exit(2);
}

static void parse_hostport(const char *s, const char **host, int *port) {
  const char *colon = strrchr(s, ':');
  if (!colon)
    die("expected HOST:PORT, got %s", s);
  *host = strndup(s, (size_t)(colon - s));
  *port = atoi(colon + 1);
}

static void parse_watch(cfg_t *cfg, const char *s) {
  char *copy = strdup(s), *save = NULL;
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(tok, '=');
    if (!eq || cfg->n_watch >= BENCH_MAX_WATCH)
      continue;
    *eq = '\0';
    snprintf(cfg->watch_name[cfg->n_watch], sizeof cfg->watch_name[0], "%s", tok);
    cfg->watch_pid[cfg->n_watch] = atoi(eq + 1);
    if (cfg->watch_pid[cfg->n_watch] > 0)
      cfg->n_watch++;
  }
  free(copy);
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "zmq-broker") == 0)
    return zmq_broker_main(atoi(argv[2]));
  cfg_t cfg = {.workload = "pubsub",
               .label = "",
               .size = 256,
               .n_subs = 1,
               .n_pubs = 1,
               .duration = 5,
               .count = 20000000,
               .window = 1000,
               .credit = 1000,
               .warm = 2000,
               .drain_timeout = 60,
               .setup_timeout = 300,
               .stafet_ep = "tcp://127.0.0.1:17400",
               .amqp_host = "127.0.0.1",
               .amqp_port = 15672,
               .amqp_queue_type = "quorum",
               .nats_url = "nats://127.0.0.1:14222",
               .mqtt_host = "127.0.0.1",
               .mqtt_port = 11883,
               .zmq_port = 17500};
  static const struct option opts[] = {
      {"system", 1, 0, 's'},       {"workload", 1, 0, 'w'},      {"size", 1, 0, 'b'},
      {"subs", 1, 0, 'n'},         {"pubs", 1, 0, 'p'},          {"noise", 1, 0, 'k'},
      {"rate", 1, 0, 'r'},         {"duration", 1, 0, 'd'},      {"count", 1, 0, 'c'},
      {"window", 1, 0, 'W'},       {"credit", 1, 0, 'C'},        {"warm", 1, 0, 'u'},
      {"drain-timeout", 1, 0, 'D'}, {"setup-timeout", 1, 0, 'T'}, {"label", 1, 0, 'l'},
      {"stafet", 1, 0, 'S'},       {"redis-sock", 1, 0, 'R'},    {"amqp", 1, 0, 'A'},
      {"amqp-queue-type", 1, 0, 'Q'}, {"nats", 1, 0, 'N'},       {"mqtt", 1, 0, 'M'},
      {"zmq-port", 1, 0, 'Z'},     {"store-dir", 1, 0, 'F'},     {"watch", 1, 0, 'x'},
      {"out", 1, 0, 'o'},          {"verbose", 0, 0, 'v'},       {"help", 0, 0, 'h'},
      {0, 0, 0, 0}};
  int ch;
  while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (ch) {
    case 's': cfg.system = optarg; break;
    case 'w': cfg.workload = optarg; break;
    case 'b': cfg.size = strtoul(optarg, NULL, 10); break;
    case 'n': cfg.n_subs = atoi(optarg); break;
    case 'p': cfg.n_pubs = atoi(optarg); break;
    case 'k': cfg.noise = atoi(optarg); break;
    case 'r': cfg.rate = atof(optarg); break;
    case 'd': cfg.duration = atof(optarg); break;
    case 'c': cfg.count = strtoull(optarg, NULL, 10); break;
    case 'W': cfg.window = atoi(optarg); break;
    case 'C': cfg.credit = atoi(optarg); break;
    case 'u': cfg.warm = atoi(optarg); break;
    case 'D': cfg.drain_timeout = atof(optarg); break;
    case 'T': cfg.setup_timeout = atof(optarg); break;
    case 'l': cfg.label = optarg; break;
    case 'S': cfg.stafet_ep = optarg; break;
    case 'R': cfg.redis_sock = optarg; break;
    case 'A': parse_hostport(optarg, &cfg.amqp_host, &cfg.amqp_port); break;
    case 'Q': cfg.amqp_queue_type = optarg; break;
    case 'N': cfg.nats_url = optarg; break;
    case 'M': parse_hostport(optarg, &cfg.mqtt_host, &cfg.mqtt_port); break;
    case 'Z': cfg.zmq_port = atoi(optarg); break;
    case 'F': cfg.store_dir = optarg; break;
    case 'x': parse_watch(&cfg, optarg); break;
    case 'o': cfg.out = optarg; break;
    case 'v': cfg.verbose = 1; break;
    default: usage();
    }
  }
  if (!cfg.system)
    usage();
  const driver_t *drv = NULL;
  for (size_t i = 0; i < sizeof DRIVERS / sizeof DRIVERS[0]; i++)
    if (strcmp(DRIVERS[i]->name, cfg.system) == 0)
      drv = DRIVERS[i];
  if (!drv)
    usage();
  if (cfg.size < sizeof(msg_hdr_t))
    cfg.size = sizeof(msg_hdr_t);
  if (cfg.n_subs < 1 || cfg.n_subs > BENCH_MAX_SUBS || cfg.n_pubs < 1 ||
      cfg.n_pubs > BENCH_MAX_PUBS || cfg.window < 1 || cfg.duration <= 0 || cfg.duration > 600 ||
      cfg.count < 1)
    die("option out of range");
  if (cfg.credit < 1)
    cfg.credit = 1;
  snprintf(cfg.run, sizeof cfg.run, "%x%04x", (unsigned)getpid(), (unsigned)(now_ns() & 0xffff));
  snprintf(cfg.topic, sizeof cfg.topic, "bench.r%s.m", cfg.run);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);
  if (strcmp(cfg.workload, "pubsub") == 0)
    return run_pubsub(&cfg, drv);
  if (strcmp(cfg.workload, "backlog") == 0)
    return run_backlog(&cfg, drv);
  if (strcmp(cfg.workload, "reqrep") == 0) {
    cfg.n_subs = 1;
    return run_reqrep(&cfg, drv);
  }
  usage();
}
