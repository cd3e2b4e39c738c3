/*
 * metrics.c — the hub's counters, histograms and cached queue figures (see
 * metrics.h), and their rendering in the Prometheus text format.
 *
 * Everything here runs on the hub's loop thread: the hot path bumps plain
 * integers in small structs found by name in a dict. Families are rendered in
 * a fixed order, each with HELP and TYPE, so that `promtool check metrics`
 * accepts the page (a test runs it).
 */
#include "metrics.h"

#include "hub.h"
#include "keys.h"
#include "mask.h"
#include "queue_redis.h"
#include "sbuf.h"
#include "stafet.h"
#include "topic.h"

#include <stdlib.h>
#include <string.h>

static const double redis_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                      0.025,  0.05,    0.1,    0.25,  0.5,    1.0};
static const double request_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                        0.25,  0.5,    1.0,   2.5,  5.0,   10.0};
#define N_BOUNDS 13

typedef struct histogram {
  uint64_t buckets[N_BOUNDS]; /* not cumulative: rendered cumulative */
  uint64_t count;
  double sum; /* seconds */
} histogram_t;

/* Every table entry starts with its name: dict keys are not NUL-terminated. */
typedef struct topic_entry {
  char name[TOPIC_MAX_LEN + 1];
  msg_counters_t counters;
} topic_entry_t;

typedef struct sub_entry {
  char name[NAME_MAX_LEN + 1];
  msg_counters_t counters;
  queue_stats_t queue;
} sub_entry_t;

typedef struct service_entry {
  char name[TOPIC_MAX_LEN + 1];
  histogram_t histogram;
} service_entry_t;

struct metrics {
  dict_t *topics;   /* name -> topic_entry_t* */
  dict_t *subs;     /* name -> sub_entry_t* */
  dict_t *services; /* name -> service_entry_t* */
  msg_counters_t other_topic;
  histogram_t other_service;
  histogram_t redis_rtt;
  uint64_t started_ms;
  uint64_t refresh_outstanding; /* queue-stat scripts not answered yet */
  size_t refresh_cursor;        /* where the next round of queue stats starts */
};

/* Queue figures are refreshed for at most this many subscriptions per tick,
 * round robin, and never while the last round is unanswered: with 100,000
 * subscriptions a refresh must not flood Redis (or the hub) every second. */
#define REFRESH_PER_TICK 500

int metrics_new(metrics_t **out) {
  metrics_t *m = calloc(1, sizeof *m);
  if (m == NULL || dict_new(&m->topics) != 0 || dict_new(&m->subs) != 0 ||
      dict_new(&m->services) != 0) {
    metrics_free(m);
    return STAFET_ENOMEM;
  }
  m->started_ms = hub_now_ms();
  *out = m;
  return 0;
}

static void free_value(void *value, void *arg) {
  free(value);
}

static void free_values(dict_t *d) {
  dict_each(d, free_value, NULL);
  dict_free(d);
}

void metrics_free(metrics_t *m) {
  if (m == NULL)
    return;
  if (m->topics)
    free_values(m->topics);
  if (m->subs)
    free_values(m->subs);
  if (m->services)
    free_values(m->services);
  free(m);
}

/* The entry stored under name, created zeroed (size bytes, starting with a
 * name buffer of name_size) if there is room; NULL when the table is full or
 * memory is short. */
static void *entry(dict_t *d, const char *name, size_t size, size_t name_size, size_t max) {
  void *v = dict_gets(d, name);
  if (v != NULL || dict_size(d) >= max || strlen(name) >= name_size)
    return v;
  v = calloc(1, size);
  if (v != NULL && dict_sets(d, name, v) != 0) {
    free(v);
    v = NULL;
  }
  if (v != NULL)
    memcpy(v, name, strlen(name) + 1);
  return v;
}

static msg_counters_t *topic_counters(hub_t *hub, const char *topic) {
  topic_entry_t *t =
      entry(hub->metrics->topics, topic, sizeof *t, sizeof t->name, METRICS_MAX_TOPICS);
  return t ? &t->counters : &hub->metrics->other_topic;
}

/* Subscriptions are few (operators create them): no cap beyond memory. */
static sub_entry_t *sub_entry(hub_t *hub, const char *sub) {
  return entry(hub->metrics->subs, sub, sizeof(sub_entry_t), NAME_MAX_LEN + 1, SIZE_MAX);
}

void metrics_on_publish(hub_t *hub, const char *topic) {
  if (hub->metrics != NULL)
    topic_counters(hub, topic)->published++;
}

void *metrics_on_deliver(hub_t *hub, const char *sub, const char *topic, uint32_t delivery_count) {
  if (hub->metrics == NULL)
    return NULL;
  msg_counters_t *t = topic_counters(hub, topic);
  sub_entry_t *s = sub_entry(hub, sub);
  t->delivered++;
  t->redelivered += delivery_count > 1;
  if (s != NULL) {
    s->counters.delivered++;
    s->counters.redelivered += delivery_count > 1;
  }
  return t;
}

/* Dead-letter reasons fold into three: max_deliveries_exceeded, corrupt_entry,
 * and whatever a consumer said when it rejected (nacked). */
static void count_dead(msg_counters_t *c, size_t n, const char *reason) {
  if (reason != NULL && strcmp(reason, "max_deliveries_exceeded") == 0)
    c->dead_max_deliveries += n;
  else if (reason != NULL && strcmp(reason, "corrupt_entry") == 0)
    c->dead_corrupt += n;
  else
    c->dead_nacked += n;
}

void metrics_on_topic_acked(void *tag) {
  if (tag != NULL)
    ((msg_counters_t *)tag)->acked++;
}

void metrics_on_topic_dead(void *tag, const char *reason) {
  if (tag != NULL)
    count_dead(tag, 1, reason);
}

void metrics_on_topic_dead_name(hub_t *hub, const char *topic, const char *reason) {
  if (hub->metrics != NULL && topic != NULL && topic[0] != '\0')
    count_dead(topic_counters(hub, topic), 1, reason);
}

void metrics_on_ack(hub_t *hub, const char *sub, size_t n) {
  sub_entry_t *s = hub->metrics ? sub_entry(hub, sub) : NULL;
  if (s != NULL)
    s->counters.acked += n;
}

void metrics_on_nack(hub_t *hub, const char *sub, size_t n) {
  sub_entry_t *s = hub->metrics ? sub_entry(hub, sub) : NULL;
  if (s != NULL)
    s->counters.nacked += n;
}

void metrics_on_dead_letter(hub_t *hub, const char *sub, size_t n, const char *reason) {
  sub_entry_t *s = hub->metrics ? sub_entry(hub, sub) : NULL;
  if (s != NULL)
    count_dead(&s->counters, n, reason);
}

static void observe(histogram_t *h, const double *bounds, double seconds) {
  for (size_t i = 0; i < N_BOUNDS; i++)
    if (seconds <= bounds[i]) {
      h->buckets[i]++;
      break;
    }
  h->count++;
  h->sum += seconds;
}

void metrics_observe_redis(hub_t *hub, uint64_t ns) {
  if (hub->metrics != NULL)
    observe(&hub->metrics->redis_rtt, redis_bounds, (double)ns / 1e9);
}

void metrics_observe_request(hub_t *hub, const char *service, double ms) {
  if (hub->metrics == NULL)
    return;
  service_entry_t *e =
      entry(hub->metrics->services, service, sizeof *e, sizeof e->name, METRICS_MAX_SERVICES);
  observe(e ? &e->histogram : &hub->metrics->other_service, request_bounds, ms / 1000.0);
}

const msg_counters_t *metrics_topic(const hub_t *hub, const char *topic) {
  topic_entry_t *t = hub->metrics ? dict_gets(hub->metrics->topics, topic) : NULL;
  return t ? &t->counters : NULL;
}

const msg_counters_t *metrics_sub(const hub_t *hub, const char *sub) {
  sub_entry_t *s = hub->metrics ? dict_gets(hub->metrics->subs, sub) : NULL;
  return s ? &s->counters : NULL;
}

typedef struct each_topic {
  metrics_topic_fn fn;
  void *arg;
} each_topic_t;

static void call_topic(void *value, void *arg) {
  const topic_entry_t *t = value;
  each_topic_t *e = arg;
  e->fn(t->name, &t->counters, e->arg);
}

void metrics_each_topic(const hub_t *hub, metrics_topic_fn fn, void *arg) {
  each_topic_t e = {fn, arg};
  if (hub->metrics != NULL)
    dict_each(hub->metrics->topics, call_topic, &e);
}

queue_stats_t metrics_queue(const hub_t *hub, const char *sub) {
  sub_entry_t *s = hub->metrics ? dict_gets(hub->metrics->subs, sub) : NULL;
  return s ? s->queue : (queue_stats_t){0};
}

void metrics_set_queue(hub_t *hub, const char *sub, const queue_stats_t *q) {
  sub_entry_t *s = hub->metrics ? sub_entry(hub, sub) : NULL;
  if (s != NULL)
    s->queue = *q;
}

/* ---- queue figures from Redis ---- */

static uint64_t id_ms(const redisReply *r) {
  return r->type == REDIS_REPLY_STRING && r->len > 0 ? strtoull(r->str, NULL, 10) : 0;
}

/* Reply of the queue_stats script: {unread, pending, oldest pending id,
 * first unread id, dead letters, consumers}. */
int metrics_parse_queue_reply(const redisReply *r, uint64_t now_ms, queue_stats_t *q) {
  if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 6)
    return STAFET_EPROTO;
  for (size_t i = 0; i < 6; i++)
    if (i != 2 && i != 3 && r->element[i]->type != REDIS_REPLY_INTEGER)
      return STAFET_EPROTO;
  memset(q, 0, sizeof *q);
  q->known = true;
  q->fetched_ms = now_ms;
  q->unread = (uint64_t)r->element[0]->integer;
  q->pending = (uint64_t)r->element[1]->integer;
  uint64_t oldest_pending = id_ms(r->element[2]), first_unread = id_ms(r->element[3]);
  q->oldest_ms = oldest_pending ? oldest_pending : first_unread;
  if (first_unread && first_unread < q->oldest_ms)
    q->oldest_ms = first_unread;
  q->dead_letters = (uint64_t)r->element[4]->integer;
  q->redis_consumers = (uint64_t)r->element[5]->integer;
  return 0;
}

static void on_queue_stats(hub_t *hub, redisReply *reply, void *arg) {
  char *name = arg;
  queue_stats_t q;
  if (hub->metrics != NULL && hub->metrics->refresh_outstanding > 0)
    hub->metrics->refresh_outstanding--;
  if (reply != NULL && metrics_parse_queue_reply(reply, hub_now_ms(), &q) == 0)
    metrics_set_queue(hub, name, &q);
  else if (reply != NULL && reply->type == REDIS_REPLY_ERROR)
    log_warn(&hub->log, "queue stats failed", "sub=%s err=\"%s\"", name, reply->str);
  free(name);
}

static void refresh_one(void *value, void *arg) {
  const dsub_t *sub = value;
  hub_t *hub = arg;
  char queue[KEY_MAX], dlq[KEY_MAX];
  store_key(hub, queue, sizeof queue, KEY_QUEUE_FMT, sub->name);
  store_key(hub, dlq, sizeof dlq, KEY_DLQ_FMT, sub->name);
  const char *argv[] = {queue, dlq, CONSUMER_GROUP};
  char *name = strdup(sub->name);
  if (name == NULL ||
      store_script(hub, SCRIPT_QUEUE_STATS, on_queue_stats, name, 2, 3, argv, NULL) != 0)
    free(name);
  else
    hub->metrics->refresh_outstanding++;
}

void metrics_refresh_queues(hub_t *hub) {
  metrics_t *m = hub->metrics;
  if (m == NULL || m->refresh_outstanding > 0)
    return; /* the last round is still out: Redis is busy enough */
  size_t n = dict_size(hub->dsubs), i = 0, done = 0;
  if (m->refresh_cursor >= n)
    m->refresh_cursor = 0;
  dict_iter_t it;
  void *value;
  for (dict_iter_init(&it, hub->dsubs);
       done < REFRESH_PER_TICK && dict_iter_next(&it, NULL, NULL, &value); i++) {
    if (i < m->refresh_cursor)
      continue;
    refresh_one(value, hub);
    done++;
  }
  m->refresh_cursor = i >= n ? 0 : i;
}

/* ---- Prometheus text ---- */

/* Writes a label value: masked (CPR numbers) and escaped (\, ", newline). */
static void label_value(sbuf_t *b, const char *value) {
  char masked[512];
  cpr_mask(value, masked, sizeof masked);
  for (const char *p = masked; *p; p++) {
    if (*p == '\\' || *p == '"')
      sbuf_printf(b, "\\%c", *p);
    else if (*p == '\n')
      sbuf_puts(b, "\\n");
    else
      sbuf_append(b, p, 1);
  }
}

static void family(sbuf_t *b, const char *name, const char *type, const char *help) {
  sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Writes `name suffix{label="value"` and, with more, a comma for further labels;
 * closes the brace only if nothing follows (the caller closes it otherwise). */
static void series(sbuf_t *b, const char *name, const char *suffix, const char *label,
                   const char *value, bool more) {
  sbuf_printf(b, "%s%s", name, suffix);
  if (label == NULL && !more)
    return;
  sbuf_puts(b, "{");
  if (label != NULL) {
    sbuf_printf(b, "%s=\"", label);
    label_value(b, value);
    sbuf_puts(b, more ? "\"," : "\"");
  }
}

static void sample(sbuf_t *b, const char *name, const char *label, const char *value, uint64_t n) {
  series(b, name, "", label, value, false);
  sbuf_printf(b, "%s %llu\n", label ? "}" : "", (unsigned long long)n);
}

static void histogram(sbuf_t *b, const char *name, const char *label, const char *value,
                      const histogram_t *h, const double *bounds) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < N_BOUNDS; i++) {
    cumulative += h->buckets[i];
    series(b, name, "_bucket", label, value, true);
    sbuf_printf(b, "le=\"%g\"} %llu\n", bounds[i], (unsigned long long)cumulative);
  }
  series(b, name, "_bucket", label, value, true);
  sbuf_printf(b, "le=\"+Inf\"} %llu\n", (unsigned long long)h->count);
  series(b, name, "_sum", label, value, false);
  sbuf_printf(b, "%s %.9f\n", label ? "}" : "", h->sum);
  series(b, name, "_count", label, value, false);
  sbuf_printf(b, "%s %llu\n", label ? "}" : "", (unsigned long long)h->count);
}

typedef uint64_t (*counter_get_fn)(const msg_counters_t *c);
static uint64_t get_published(const msg_counters_t *c) {
  return c->published;
}
static uint64_t get_delivered(const msg_counters_t *c) {
  return c->delivered;
}
static uint64_t get_redelivered(const msg_counters_t *c) {
  return c->redelivered;
}
static uint64_t get_acked(const msg_counters_t *c) {
  return c->acked;
}
static uint64_t get_nacked(const msg_counters_t *c) {
  return c->nacked;
}
static uint64_t get_dead(const msg_counters_t *c) {
  return c->dead_max_deliveries + c->dead_nacked + c->dead_corrupt;
}

/* One counter family over a table: each entry is a name and msg_counters_t. */
typedef struct family_walk {
  sbuf_t *b;
  const char *name, *label;
  counter_get_fn get;
} family_walk_t;

static void topic_sample(void *value, void *arg) {
  const topic_entry_t *t = value;
  family_walk_t *w = arg;
  sample(w->b, w->name, w->label, t->name, w->get(&t->counters));
}

static void sub_sample(void *value, void *arg) {
  const sub_entry_t *s = value;
  family_walk_t *w = arg;
  sample(w->b, w->name, w->label, s->name, w->get(&s->counters));
}

static void topic_family(sbuf_t *b, const metrics_t *m, const char *name, const char *help,
                         counter_get_fn get) {
  family(b, name, "counter", help);
  family_walk_t w = {b, name, "topic", get};
  dict_each(m->topics, topic_sample, &w);
  sample(b, name, "topic", METRICS_OTHER, get(&m->other_topic));
}

static void sub_family(sbuf_t *b, const metrics_t *m, const char *name, const char *help,
                       counter_get_fn get) {
  family(b, name, "counter", help);
  family_walk_t w = {b, name, "subscription", get};
  dict_each(m->subs, sub_sample, &w);
}

static void dead_letter_samples(void *value, void *arg) {
  const sub_entry_t *s = value;
  sbuf_t *b = arg;
  const msg_counters_t *c = &s->counters;
  const char *reasons[] = {"max_deliveries_exceeded", "nacked", "corrupt_entry"};
  const uint64_t values[] = {c->dead_max_deliveries, c->dead_nacked, c->dead_corrupt};
  for (size_t i = 0; i < 3; i++) {
    series(b, "stafet_subscription_dead_lettered_total", "", "subscription", s->name, true);
    sbuf_printf(b, "reason=\"%s\"} %llu\n", reasons[i], (unsigned long long)values[i]);
  }
}

static void render_dead_letters(sbuf_t *b, const metrics_t *m) {
  family(b, "stafet_subscription_dead_lettered_total", "counter",
         "Messages moved to the dead-letter stream, by reason.");
  dict_each(m->subs, dead_letter_samples, b);
}

static size_t local_consumers(const dsub_t *sub) {
  size_t n = 0;
  for (const consumer_t *c = sub->consumers; c != NULL; c = c->next_in_sub)
    n++;
  return n;
}

typedef uint64_t (*queue_get_fn)(const dsub_t *sub, const queue_stats_t *q, uint64_t now);
static uint64_t q_depth(const dsub_t *s, const queue_stats_t *q, uint64_t now) {
  return q->unread + q->pending;
}
static uint64_t q_pending(const dsub_t *s, const queue_stats_t *q, uint64_t now) {
  return q->pending;
}
static uint64_t q_dead(const dsub_t *s, const queue_stats_t *q, uint64_t now) {
  return q->dead_letters;
}
static uint64_t q_age(const dsub_t *s, const queue_stats_t *q, uint64_t now) {
  return q->oldest_ms && now > q->oldest_ms ? (now - q->oldest_ms) / 1000 : 0;
}
static uint64_t q_consumers(const dsub_t *s, const queue_stats_t *q, uint64_t now) {
  return local_consumers(s);
}

typedef struct queue_walk {
  sbuf_t *b;
  hub_t *hub;
  const char *name;
  queue_get_fn get;
  uint64_t now;
} queue_walk_t;

static void queue_sample(void *value, void *arg) {
  const dsub_t *sub = value;
  queue_walk_t *w = arg;
  queue_stats_t q = metrics_queue(w->hub, sub->name);
  if (q.known || w->get == q_consumers)
    sample(w->b, w->name, "subscription", sub->name, w->get(sub, &q, w->now));
}

static void queue_family(sbuf_t *b, hub_t *hub, const char *name, const char *help,
                         queue_get_fn get) {
  family(b, name, "gauge", help);
  queue_walk_t w = {b, hub, name, get, hub_now_ms()};
  dict_each(hub->dsubs, queue_sample, &w);
}

typedef struct name_list {
  const char **items;
  size_t n;
} name_list_t;

static void collect_adapter(void *value, void *arg) {
  name_list_t *l = arg;
  l->items[l->n++] = ((const session_t *)value)->adapter;
}

static int cmp_name(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sessions per adapter name: sort the names, count the runs. */
static void render_adapters(sbuf_t *b, hub_t *hub) {
  family(b, "stafet_adapters_connected", "gauge",
         "Sessions connected to this hub, by adapter name.");
  name_list_t l = {calloc(dict_size(hub->sessions) + 1, sizeof(char *)), 0};
  if (l.items == NULL) {
    b->failed = true;
    return;
  }
  dict_each(hub->sessions, collect_adapter, &l);
  qsort(l.items, l.n, sizeof *l.items, cmp_name);
  for (size_t i = 0, run = 1; i < l.n; i++, run++)
    if (i + 1 == l.n || strcmp(l.items[i], l.items[i + 1]) != 0) {
      sample(b, "stafet_adapters_connected", "adapter", l.items[i], run);
      run = 0;
    }
  free(l.items);
}

static void render_errors(sbuf_t *b, const hub_t *hub) {
  family(b, "stafet_errors_total", "counter", "Error frames sent to clients, by error code name.");
  size_t n = sizeof hub->stats.errors_by_code / sizeof hub->stats.errors_by_code[0];
  for (size_t i = 1; i < n; i++) {
    const char *code = error_code_name((Stafet__Wire__V1__ErrorCode)i);
    if (strcmp(code, "UNKNOWN") != 0)
      sample(b, "stafet_errors_total", "code", code, hub->stats.errors_by_code[i]);
  }
}

static void render_hub(sbuf_t *b, hub_t *hub) {
  family(b, "stafet_hub_info", "gauge", "Constant 1, labelled with this hub's id.");
  sample(b, "stafet_hub_info", "hub_id", hub->cfg.hub_id, 1);
  family(b, "stafet_hub_start_time_seconds", "gauge", "When this hub process started (Unix time).");
  sample(b, "stafet_hub_start_time_seconds", NULL, NULL, hub->metrics->started_ms / 1000);
  family(b, "stafet_redis_up", "gauge", "1 while the hub's Redis connection is ready.");
  sample(b, "stafet_redis_up", NULL, NULL, store_ready(hub));
  family(b, "stafet_routing_loaded", "gauge", "1 once the routing table has been loaded.");
  sample(b, "stafet_routing_loaded", NULL, NULL, hub->routing_loaded);
  family(b, "stafet_redis_pending_commands", "gauge", "Redis commands awaiting a reply.");
  sample(b, "stafet_redis_pending_commands", NULL, NULL, hub->store.pending);
  family(b, "stafet_sessions", "gauge", "Client sessions connected to this hub.");
  sample(b, "stafet_sessions", NULL, NULL, dict_size(hub->sessions));
  family(b, "stafet_frames_received_total", "counter", "Frames received from clients.");
  sample(b, "stafet_frames_received_total", NULL, NULL, hub->stats.frames_in);
  family(b, "stafet_frames_sent_total", "counter", "Frames sent to clients.");
  sample(b, "stafet_frames_sent_total", NULL, NULL, hub->stats.frames_out);
  family(b, "stafet_duplicates_total", "counter", "Publishes of an already accepted message id.");
  sample(b, "stafet_duplicates_total", NULL, NULL, hub->stats.duplicates);
  family(b, "stafet_publish_batches_total", "counter",
         "Store script calls for publishes: one per batch of publishes that arrived together.");
  sample(b, "stafet_publish_batches_total", NULL, NULL, hub->stats.publish_batches);
  family(b, "stafet_transient_delivered_total", "counter", "Deliveries to transient subscribers.");
  sample(b, "stafet_transient_delivered_total", NULL, NULL, hub->stats.transient_delivered);
  family(b, "stafet_transient_dropped_total", "counter",
         "Messages dropped for transient subscribers that could not keep up.");
  sample(b, "stafet_transient_dropped_total", NULL, NULL, hub->stats.transient_dropped);
  family(b, "stafet_auth_refused_total", "counter",
         "Connections the CURVE handshake refused (unknown or revoked key).");
  sample(b, "stafet_auth_refused_total", NULL, NULL, hub->stats.auth_refused);
  family(b, "stafet_audit_records_total", "counter",
         "Deliveries of personal data written to the audit stream.");
  sample(b, "stafet_audit_records_total", NULL, NULL, hub->stats.audited);
}

static void service_histogram(void *value, void *arg) {
  const service_entry_t *e = value;
  histogram(arg, "stafet_request_duration_seconds", "service", e->name, &e->histogram,
            request_bounds);
}

static void render_histograms(sbuf_t *b, const metrics_t *m) {
  family(b, "stafet_redis_roundtrip_seconds", "histogram",
         "Time from sending a Redis command to its reply.");
  histogram(b, "stafet_redis_roundtrip_seconds", NULL, NULL, &m->redis_rtt, redis_bounds);
  family(b, "stafet_request_duration_seconds", "histogram",
         "Request/reply latency seen by the hub, by service.");
  dict_each(m->services, service_histogram, b);
  if (m->other_service.count > 0)
    histogram(b, "stafet_request_duration_seconds", "service", METRICS_OTHER, &m->other_service,
              request_bounds);
}

static void render_queues(sbuf_t *b, hub_t *hub) {
  queue_family(b, hub, "stafet_subscription_queue_depth",
               "Messages stored and not yet acknowledged (unread + pending), from Redis.", q_depth);
  queue_family(b, hub, "stafet_subscription_pending_messages",
               "Messages delivered and awaiting acknowledgement, from Redis.", q_pending);
  queue_family(b, hub, "stafet_subscription_dead_letters",
               "Messages in the subscription's dead-letter stream, from Redis.", q_dead);
  queue_family(b, hub, "stafet_subscription_oldest_unacked_age_seconds",
               "Age of the oldest message not yet acknowledged (0 when none), from Redis.", q_age);
  queue_family(b, hub, "stafet_subscription_consumers",
               "Consumers of the subscription connected to this hub.", q_consumers);
}

int metrics_render(hub_t *hub, char **out, size_t *len) {
  if (hub->metrics == NULL)
    return STAFET_EINVAL;
  const metrics_t *m = hub->metrics;
  sbuf_t b = {0};
  render_hub(&b, hub);
  render_adapters(&b, hub);
  topic_family(&b, m, "stafet_topic_published_total", "Messages accepted, by topic.",
               get_published);
  topic_family(&b, m, "stafet_topic_delivered_total",
               "Durable deliveries (first and repeated), by topic.", get_delivered);
  topic_family(&b, m, "stafet_topic_redelivered_total", "Durable redeliveries, by topic.",
               get_redelivered);
  topic_family(&b, m, "stafet_topic_acked_total",
               "Acknowledged deliveries, by topic (acks of deliveries made by this hub).",
               get_acked);
  topic_family(&b, m, "stafet_topic_dead_lettered_total",
               "Messages moved to a dead-letter stream, by topic.", get_dead);
  sub_family(&b, m, "stafet_subscription_delivered_total",
             "Durable deliveries (first and repeated), by subscription.", get_delivered);
  sub_family(&b, m, "stafet_subscription_redelivered_total",
             "Durable redeliveries, by subscription.", get_redelivered);
  sub_family(&b, m, "stafet_subscription_acked_total", "Acknowledged deliveries, by subscription.",
             get_acked);
  sub_family(&b, m, "stafet_subscription_nacked_total",
             "Negatively acknowledged deliveries, by subscription.", get_nacked);
  render_dead_letters(&b, m);
  render_queues(&b, hub);
  render_errors(&b, hub);
  render_histograms(&b, m);
  *out = sbuf_take(&b, len);
  return *out ? 0 : STAFET_ENOMEM;
}
