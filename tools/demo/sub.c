/*
 * sub.c — `stafet-demo sub`: joins (or creates) a durable subscription,
 * prints every delivery on one line (topic, ids, delivery count, tenant,
 * attributes and, for the demo's own event types, the CPR number; every CPR
 * number masked) and acks it, until SIGINT/SIGTERM. With --reject-every N it
 * rejects every Nth delivery instead (nack without requeue: a dead letter with
 * a reason), so the demo has something for operations to find and replay.
 */
#include "demo.h"
#include "events.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#define SUBSCRIBE_TIMEOUT_MS 5000
#define POLL_MS              1000
#define LINE_BYTES           4096

static const char sub_usage[] =
    "usage: stafet-demo sub --endpoint E --name N --pattern P [--pattern P]... [--filter F]...\n"
    "\n"
    "Subscribes durably (creating the subscription if it is new), prints each\n"
    "delivery with CPR numbers masked, and acknowledges it.\n"
    "\n"
    "  --endpoint E  hub endpoint, e.g. tcp://127.0.0.1:7400 or ipc:///path/hub.sock\n"
    "  --name N      subscription name (lower snake case), e.g. borgerservice\n"
    "  --pattern P   topic pattern: '*' one segment, '#' any, e.g. 'cpr.person.*'\n"
    "  --filter F    attribute filter: key=value, key^=prefix or key!=value,\n"
    "                e.g. 'tenant=0751' or 'kle^=27.'\n"
    "  --reject-every N  reject every Nth delivery (it is dead-lettered with a reason)\n"
    "  --help        this text\n";

/* Appends to list (at most DEMO_MAX_LIST). 0 or -1. */
static int add_item(const char **list, size_t *n, const char *v) {
  if (*n >= DEMO_MAX_LIST || !*v)
    return -1;
  list[(*n)++] = v;
  return 0;
}

int demo_sub_parse(int argc, char **argv, demo_sub_opts_t *o, FILE *out, FILE *err) {
  memset(o, 0, sizeof *o);
  for (int i = 1; i < argc;) {
    const char *opt = argv[i], *v = NULL;
    int r;
    if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
      fputs(sub_usage, out);
      return DEMO_HELP;
    } else if ((r = demo_arg(argc, argv, &i, "--endpoint", &v)) != 0) {
      o->endpoint = v;
    } else if ((r = demo_arg(argc, argv, &i, "--name", &v)) != 0) {
      o->name = v;
    } else if ((r = demo_arg(argc, argv, &i, "--pattern", &v)) != 0) {
      if (r > 0 && add_item(o->patterns, &o->n_patterns, v) < 0)
        r = -1;
    } else if ((r = demo_arg(argc, argv, &i, "--filter", &v)) != 0) {
      if (r > 0 && add_item(o->filters, &o->n_filters, v) < 0)
        r = -1;
    } else if ((r = demo_arg(argc, argv, &i, "--reject-every", &v)) != 0) {
      if (r > 0 && demo_parse_ulong(v, &o->reject_every) < 0)
        r = -1;
    } else {
      fprintf(err, "stafet-demo sub: unknown option '%s'\n%s", opt, sub_usage);
      return DEMO_USAGE;
    }
    if (r < 0) {
      fprintf(err, "stafet-demo sub: %s needs a valid value (at most %d of each list)\n", opt,
              DEMO_MAX_LIST);
      return DEMO_USAGE;
    }
  }
  if (!o->endpoint || !o->name || o->n_patterns == 0) {
    fprintf(err, "stafet-demo sub: --endpoint, --name and --pattern are required\n%s", sub_usage);
    return DEMO_USAGE;
  }
  return DEMO_RUN;
}

/* snprintf at the end of line[LINE_BYTES]; silently truncates. */
static void append(char *line, const char *fmt, ...) {
  size_t used = strlen(line);
  if (used + 1 >= LINE_BYTES)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line + used, LINE_BYTES - used, fmt, ap);
  va_end(ap);
}

typedef struct sub_state {
  const demo_sub_opts_t *opts;
  unsigned long seen;
} sub_state_t;

/* Rejects the delivery: the hub dead-letters it with this reason. */
static bool rejected(stafet_client_t *c, const stafet_delivery_t *d, sub_state_t *st) {
  if (!d->delivery_id[0] || st->opts->reject_every == 0 || ++st->seen % st->opts->reject_every)
    return false;
  stafet_client_nack(c, d->subscription, d->delivery_id, 0,
                     "demo: record rejected, field 'kommunekode' unreadable");
  fprintf(stderr, "stafet-demo sub: rejected %s (dead-lettered)\n", d->delivery_id);
  return true;
}

static void on_deliver(stafet_client_t *c, const stafet_delivery_t *d, void *arg) {
  if (rejected(c, d, arg))
    return;
  const stafet_envelope_t *e = d->envelope;
  char line[LINE_BYTES] = "";
  char cpr[32];
  append(line, "%s id=%s delivery=%s count=%u tenant=%s", e->topic, e->message_id, d->delivery_id,
         d->delivery_count, e->tenant);
  for (size_t i = 0; i < e->n_attributes; i++)
    append(line, " %s=%s", e->attributes[i].key, e->attributes[i].value);
  if (demo_payload_cpr(e->type_name, d->payload, d->payload_len, cpr, sizeof cpr) == 0)
    append(line, " cpr=%s", cpr);
  demo_print_masked(stdout, line);
  if (d->delivery_id[0]) { /* transient deliveries have no id and need no ack */
    int rc = stafet_client_ack(c, d->subscription, d->delivery_id);
    if (rc < 0)
      fprintf(stderr, "stafet-demo sub: ack of %s not sent (%s); it will be redelivered\n",
              d->delivery_id, stafet_strerror(rc));
  }
}

static void on_error(stafet_client_t *c, int code, const char *name, const char *text, void *arg) {
  (void)c;
  (void)arg;
  char line[LINE_BYTES];
  snprintf(line, sizeof line, "stafet-demo sub: hub error %d %s: %s", code, name, text);
  demo_print_masked(stderr, line);
}

int demo_sub_run(const demo_sub_opts_t *o, volatile sig_atomic_t *stop) {
  stafet_client_t *c;
  if (demo_connect(o->endpoint, &c) < 0)
    return 1;
  stafet_client_on_error(c, on_error, NULL);
  stafet_subscription_t def = {.name = o->name,
                               .patterns = o->patterns,
                               .n_patterns = o->n_patterns,
                               .filters = o->filters,
                               .n_filters = o->n_filters};
  sub_state_t state = {o, 0};
  int rc = stafet_client_subscribe(c, &def, on_deliver, &state, SUBSCRIBE_TIMEOUT_MS);
  if (rc < 0) {
    fprintf(stderr, "stafet-demo sub: cannot subscribe '%s': %s\n", o->name, stafet_strerror(rc));
    stafet_client_destroy(c);
    return 1;
  }
  fprintf(stderr, "stafet-demo sub: subscribed '%s'; Ctrl-C to stop\n", o->name);
  while (!*stop && rc >= 0)
    rc = stafet_client_poll(c, POLL_MS);
  if (rc < 0)
    fprintf(stderr, "stafet-demo sub: %s\n", stafet_strerror(rc));
  stafet_client_destroy(c);
  return rc < 0 ? 1 : 0;
}
