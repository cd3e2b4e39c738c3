/*
 * pub.c — `stafet-demo pub`: publishes synthetic events round robin over four
 * topics (events.h) at a given rate, prints one line per acknowledgement with
 * the CPR number masked, and on SIGINT/SIGTERM (or after --count) flushes the
 * outbox before it exits.
 */
#include "demo.h"
#include "events.h"

#include <stdlib.h>
#include <string.h>

#define FLUSH_TIMEOUT_MS 10000
#define FULL_WAIT_MS     100

/* One publish waiting for its outcome (owned by the list in pub_state). */
typedef struct pending {
  struct pending *prev, *next;
  struct pub_state *state;
  const char *topic; /* static */
  char cpr[12];
} pending_t;

typedef struct pub_state {
  pending_t *head;
  unsigned long published, acked, duplicates, failed;
} pub_state_t;

static const char pub_usage[] =
    "usage: stafet-demo pub --endpoint E [--rate N] [--count N]\n"
    "\n"
    "Publishes synthetic events (synthetic CPR numbers only) round robin on\n"
    "cpr.person.relocated, debt.claim.created, case.case.status_changed and\n"
    "contact.call.ended, tenant 0751, and prints one line per acknowledgement.\n"
    "\n"
    "  --endpoint E  hub endpoint, e.g. tcp://127.0.0.1:7400 or ipc:///path/hub.sock\n"
    "  --rate N      events per second (default 0: as fast as the hub acknowledges)\n"
    "  --count N     stop after N events (default 0: until SIGINT/SIGTERM)\n"
    "  --help        this text\n";

int demo_pub_parse(int argc, char **argv, demo_pub_opts_t *o, FILE *out, FILE *err) {
  memset(o, 0, sizeof *o);
  for (int i = 1; i < argc;) {
    const char *opt = argv[i], *v = NULL;
    unsigned long n = 0;
    int r;
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(pub_usage, out);
      return DEMO_HELP;
    } else if ((r = demo_arg(argc, argv, &i, "--endpoint", &v)) != 0) {
      o->endpoint = v;
    } else if ((r = demo_arg(argc, argv, &i, "--rate", &v)) != 0) {
      if (r > 0 && (demo_parse_ulong(v, &n) < 0 || n > 1000000))
        r = -1;
      o->rate = (unsigned)n;
    } else if ((r = demo_arg(argc, argv, &i, "--count", &v)) != 0) {
      if (r > 0 && demo_parse_ulong(v, &n) < 0)
        r = -1;
      o->count = n;
    } else {
      fprintf(err, "stafet-demo pub: unknown option '%s'\n%s", argv[i], pub_usage);
      return DEMO_USAGE;
    }
    if (r < 0) {
      fprintf(err, "stafet-demo pub: %s needs a valid value\n", opt);
      return DEMO_USAGE;
    }
  }
  if (!o->endpoint) {
    fprintf(err, "stafet-demo pub: --endpoint is required\n%s", pub_usage);
    return DEMO_USAGE;
  }
  return DEMO_RUN;
}

static void pending_unlink(pub_state_t *s, pending_t *p) {
  if (p->prev)
    p->prev->next = p->next;
  else
    s->head = p->next;
  if (p->next)
    p->next->prev = p->prev;
}

static void on_ack(stafet_client_t *c, const char *id, int status, int duplicate, void *arg) {
  (void)c;
  pending_t *p = arg;
  pub_state_t *s = p->state;
  char line[512];
  if (status == 0) {
    s->acked++;
    s->duplicates += duplicate != 0;
    snprintf(line, sizeof line, "acked %s %s cpr=%s%s", id, p->topic, p->cpr,
             duplicate ? " duplicate" : "");
    demo_print_masked(stdout, line);
  } else {
    s->failed++;
    snprintf(line, sizeof line, "FAILED %s %s cpr=%s: %s", id, p->topic, p->cpr,
             stafet_strerror(status));
    demo_print_masked(stderr, line);
  }
  pending_unlink(s, p);
  free(p);
}

/* Publishes event n. 0, or the STAFET_E* code of publish (EFULL: try later). */
static int publish_one(stafet_client_t *c, pub_state_t *s, unsigned long n) {
  demo_event_t ev;
  pending_t *p = calloc(1, sizeof *p);
  if (!p || demo_event_make((unsigned)n, demo_wall_ms(), &ev) < 0) {
    free(p);
    return STAFET_ENOMEM;
  }
  p->state = s;
  p->topic = ev.env.topic;
  memcpy(p->cpr, ev.cpr, sizeof p->cpr);
  int rc = stafet_client_publish(c, &ev.env, ev.payload, ev.payload_len, on_ack, p, NULL);
  demo_event_free(&ev);
  if (rc < 0) {
    free(p);
    return rc;
  }
  p->next = s->head;
  if (s->head)
    s->head->prev = p;
  s->head = p;
  s->published++;
  return 0;
}

/* Publishes until --count or a signal. 0, or a fatal STAFET_E* code. */
static int publish_loop(stafet_client_t *c, pub_state_t *s, const demo_pub_opts_t *o,
                        volatile sig_atomic_t *stop) {
  int64_t start = demo_now_ms();
  unsigned long n = 0;
  while (!*stop && (o->count == 0 || n < o->count)) {
    if (o->rate) {
      int64_t due = start + (int64_t)(n * 1000 / o->rate);
      int64_t wait = due - demo_now_ms();
      if (wait > 0) {
        stafet_client_poll(c, (int)wait);
        continue;
      }
    }
    int rc = publish_one(c, s, n);
    if (rc == STAFET_EFULL) {
      stafet_client_poll(c, FULL_WAIT_MS); /* the outbox is at its bound: let acks in */
      continue;
    }
    if (rc < 0)
      return rc;
    n++;
    stafet_client_poll(c, 0);
  }
  return 0;
}

int demo_pub_run(const demo_pub_opts_t *o, volatile sig_atomic_t *stop) {
  stafet_client_t *c;
  pub_state_t s = {0};
  if (demo_connect(o->endpoint, &c) < 0)
    return 1;
  int rc = publish_loop(c, &s, o, stop);
  if (rc < 0)
    fprintf(stderr, "stafet-demo pub: publish failed: %s\n", stafet_strerror(rc));
  int flushed = stafet_client_flush(c, FLUSH_TIMEOUT_MS);
  size_t left = stafet_client_outbox_size(c);
  stafet_client_destroy(c);
  while (s.head) { /* publishes the hub never acknowledged: their callbacks will not come */
    pending_t *p = s.head;
    s.head = p->next;
    free(p);
  }
  fprintf(stderr, "stafet-demo pub: %lu published, %lu acked (%lu duplicates), %lu failed\n",
          s.published, s.acked, s.duplicates, s.failed);
  if (flushed < 0)
    fprintf(stderr, "stafet-demo pub: %zu publishes not acknowledged: %s\n", left,
            stafet_strerror(flushed));
  return rc < 0 || flushed < 0 || s.failed ? 1 : 0;
}
