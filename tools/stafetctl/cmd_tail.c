/*
 * cmd_tail.c — stafetctl tail: a live wire tap.
 *
 * Opens a session with the hub (libstafet) as adapter "stafetctl" and a
 * transient subscription to PATTERN: at-most-once and in memory, so tapping
 * costs the durable queues nothing and leaves nothing behind (if the tap
 * cannot keep up, the hub drops for it, never for others). Every line is
 * passed through cpr_mask() before it is printed.
 */
#include "ctl.h"

#include "mask.h"
#include "stafet.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define N_OPTS(o) (sizeof(o) / sizeof((o)[0]))
#define PREVIEW   120

static const char tail_usage[] =
    "usage: stafetctl tail PATTERN [--filter F ...] [--count N] [--seconds N] [--json]\n"
    "\n"
    "Prints messages matching PATTERN (cpr.#, *.*.deceased, ...) as they pass\n"
    "through the hub, until Ctrl-C, --count messages or --seconds. Uses the\n"
    "hub's ZeroMQ endpoint (--endpoint, $STAFET_ENDPOINT), not the admin API.\n"
    "CPR numbers are masked (010190-****). The tap is transient: it sees only\n"
    "what is published while it runs and takes nothing from any queue.\n";

typedef struct tail {
  ctl_t *ctl;
  unsigned long long seen;
} tail_t;

static void masked_print(FILE *out, const char *text) {
  size_t len = strlen(text);
  char *m = malloc(len + 1);
  if (m == NULL)
    return;
  cpr_mask(text, m, len + 1);
  fputs(m, out);
  free(m);
}

static void preview(const stafet_delivery_t *d, char *out, size_t size) {
  size_t n = d->payload_len < size - 1 ? d->payload_len : size - 1;
  const unsigned char *p = d->payload;
  for (size_t i = 0; i < n; i++)
    out[i] = p[i] >= 0x20 && p[i] <= 0x7e ? (char)p[i] : '.';
  out[n] = '\0';
}

static char *line_json(const stafet_delivery_t *d, const char *pre) {
  const stafet_envelope_t *e = d->envelope;
  json_t *attrs = json_object();
  for (size_t i = 0; i < e->n_attributes; i++)
    json_object_set_new(attrs, e->attributes[i].key, json_string(e->attributes[i].value));
  json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:I,s:s}", "message_id", e->message_id,
                        "topic", e->topic, "type_name", e->type_name, "source", e->source, "tenant",
                        e->tenant, "published_at_ms", (json_int_t)e->published_at_ms, "attributes",
                        attrs, "payload_bytes", (json_int_t)d->payload_len, "payload_preview", pre);
  char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
  json_decref(j);
  return text;
}

static void on_deliver(stafet_client_t *c, const stafet_delivery_t *d, void *arg) {
  tail_t *t = arg;
  const stafet_envelope_t *e = d->envelope;
  char pre[PREVIEW + 1], line[2048], when[32];
  preview(d, pre, sizeof pre);
  t->seen++;
  if (t->ctl->json) {
    char *text = line_json(d, pre);
    masked_print(t->ctl->out, text ? text : "{}");
    fputc('\n', t->ctl->out);
    free(text);
  } else {
    ctl_time(e->published_at_ms, when, sizeof when);
    int n = snprintf(line, sizeof line, "%s %s %s source=%s tenant=%s", when, e->topic,
                     e->message_id, e->source, e->tenant);
    for (size_t i = 0; i < e->n_attributes && n > 0 && (size_t)n < sizeof line; i++)
      n += snprintf(line + n, sizeof line - (size_t)n, " %s=%s", e->attributes[i].key,
                    e->attributes[i].value);
    if (n > 0 && (size_t)n < sizeof line)
      snprintf(line + n, sizeof line - (size_t)n, " payload=%zuB \"%s\"\n", d->payload_len, pre);
    masked_print(t->ctl->out, line);
  }
  fflush(t->ctl->out);
}

static int tail_run(ctl_t *ctl, const char *pattern, const ctl_opt_t *filters,
                    unsigned long long count, unsigned long long seconds) {
  stafet_client_options_t o = {.endpoint = ctl->endpoint, .adapter = "stafetctl"};
  stafet_client_t *c = NULL;
  int rc = stafet_client_new(&c, &o);
  if (rc == 0)
    rc = stafet_client_connect(c, (int)ctl->timeout_ms);
  if (rc != 0) {
    fprintf(ctl->err, "stafetctl: cannot open a session with the hub at %s: %s\n", ctl->endpoint,
            stafet_strerror(rc));
    stafet_client_destroy(c);
    return CTL_UNREACHABLE;
  }
  char name[64];
  snprintf(name, sizeof name, "stafetctl-tail-%ld", (long)getpid());
  const char *patterns[] = {pattern};
  stafet_subscription_t s = {.name = name,
                             .patterns = patterns,
                             .n_patterns = 1,
                             .filters = filters->values,
                             .n_filters = filters->n,
                             .transient = 1};
  tail_t t = {ctl, 0};
  rc = stafet_client_subscribe(c, &s, on_deliver, &t, (int)ctl->timeout_ms);
  if (rc != 0) {
    fprintf(ctl->err, "stafetctl: the hub refused the tap on '%s': %s\n", pattern,
            stafet_strerror(rc));
    stafet_client_destroy(c);
    return rc == STAFET_ETIMEDOUT ? CTL_UNREACHABLE : CTL_FAILED;
  }
  fprintf(ctl->err, "tapping %s on %s (Ctrl-C stops)\n", pattern, ctl->endpoint);
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  while (!*ctl->stop && (count == 0 || t.seen < count)) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (seconds > 0 && (unsigned long long)(now.tv_sec - start.tv_sec) >= seconds)
      break;
    stafet_client_poll(c, 100);
  }
  stafet_client_destroy(c);
  return CTL_OK;
}

int cmd_tail(ctl_t *ctl, int argc, char **argv) {
  ctl_opt_t opts[] = {CTL_OPT("filter", true), CTL_OPT("count", true), CTL_OPT("seconds", true)};
  const char *pos[1];
  size_t n = 0;
  unsigned long long count = 0, seconds = 0;
  if (ctl->help) {
    fputs(tail_usage, ctl->out);
    return CTL_OK;
  }
  if (ctl_args(ctl, argc, argv, opts, N_OPTS(opts), pos, 1, &n) != CTL_OK || n != 1 ||
      ctl_opt_u64(ctl, opts, N_OPTS(opts), "count", &count) != CTL_OK ||
      ctl_opt_u64(ctl, opts, N_OPTS(opts), "seconds", &seconds) != CTL_OK) {
    fputs(tail_usage, ctl->err);
    return CTL_USAGE;
  }
  return tail_run(ctl, pos[0], &opts[0], count, seconds);
}
