/*
 * metrics.h — what the hub counts, for /metrics (Prometheus text format), the
 * JSON admin API and the dashboard.
 *
 * Counters are kept per topic and per durable subscription in the hub's own
 * memory (they are about this process: Prometheus sums hubs); the hot path
 * only bumps numbers. What lives in Redis — queue depth, pending deliveries,
 * the age of the oldest unacknowledged message, dead letters — is fetched
 * asynchronously by a timer (one small Lua script per subscription) and
 * cached here, so a scrape never waits on Redis.
 *
 * Cardinality is bounded: at most METRICS_MAX_TOPICS topics and
 * METRICS_MAX_SERVICES request services get their own label; the rest are
 * counted under "_other". Dead-letter reasons are folded into three values.
 *
 *   metrics_on_publish(hub, "cpr.person.relocated");
 *   metrics_observe_request(hub, "cpr.person.get", 12.5);   // request/reply
 *   char *text; size_t len;
 *   if (metrics_render(hub, &text, &len) == 0) { serve(text, len); free(text); }
 */
#ifndef STAFET_METRICS_H
#define STAFET_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hub hub_t;
typedef struct metrics metrics_t;

#define METRICS_MAX_TOPICS   1000
#define METRICS_MAX_SERVICES 256
#define METRICS_OTHER        "_other"

/* Message counters of one topic or one subscription. */
typedef struct msg_counters {
  uint64_t published, delivered, redelivered, acked, nacked;
  uint64_t dead_max_deliveries, dead_nacked, dead_corrupt;
} msg_counters_t;

/* A subscription's queue as last seen in Redis (see metrics_refresh_queues). */
typedef struct queue_stats {
  bool known;               /* fetched at least once */
  uint64_t fetched_ms;      /* when */
  uint64_t unread;          /* stored, not yet delivered to any consumer */
  uint64_t pending;         /* delivered, not yet acknowledged */
  uint64_t dead_letters;    /* entries in the dead-letter stream */
  uint64_t oldest_ms;       /* time the oldest unacknowledged entry was stored, 0 = none */
  uint64_t redis_consumers; /* consumers in the group (all hubs, idle ones too) */
} queue_stats_t;

/* Creates the hub's metrics (owned by the hub; free with metrics_free). 0 or STAFET_ENOMEM. */
int metrics_new(metrics_t **out);
void metrics_free(metrics_t *m);

/* Hooks for the hot path; all names are borrowed. Cheap; never fail loudly. */
void metrics_on_publish(hub_t *hub, const char *topic);
/* Returns a tag for the delivery (the topic's counters; stable until
 * metrics_free) to keep with it, for metrics_on_topic_acked/dead. */
void *metrics_on_deliver(hub_t *hub, const char *sub, const char *topic, uint32_t delivery_count);
/* Per-topic outcome of a delivery, by its tag (NULL: not counted). */
void metrics_on_topic_acked(void *tag);
void metrics_on_topic_dead(void *tag, const char *reason);
/* The same by topic name, where no tag is at hand (the claim sweep's dead letters). */
void metrics_on_topic_dead_name(hub_t *hub, const char *topic, const char *reason);
void metrics_on_ack(hub_t *hub, const char *sub, size_t n);
void metrics_on_nack(hub_t *hub, const char *sub, size_t n);
void metrics_on_dead_letter(hub_t *hub, const char *sub, size_t n, const char *reason);
/* A Redis command's round trip, in nanoseconds. */
void metrics_observe_redis(hub_t *hub, uint64_t ns);
/* A request's latency in milliseconds, by service: for request/reply. */
void metrics_observe_request(hub_t *hub, const char *service, double ms);

/* Counters of a topic or subscription, or NULL if none were counted yet. Borrowed. */
const msg_counters_t *metrics_topic(const hub_t *hub, const char *topic);
const msg_counters_t *metrics_sub(const hub_t *hub, const char *sub);
/* Calls fn for every topic counted (not the "_other" bucket); all borrowed. */
typedef void (*metrics_topic_fn)(const char *topic, const msg_counters_t *c, void *arg);
void metrics_each_topic(const hub_t *hub, metrics_topic_fn fn, void *arg);

/* The cached queue figures of a subscription (zeroed, known=false, if none yet). */
queue_stats_t metrics_queue(const hub_t *hub, const char *sub);
/* Stores fresh queue figures (called from the refresh and the admin API). */
void metrics_set_queue(hub_t *hub, const char *sub, const queue_stats_t *q);
/* Parses the reply of the queue_stats script into *q. 0 or STAFET_EPROTO. */
struct redisReply;
int metrics_parse_queue_reply(const struct redisReply *r, uint64_t now_ms, queue_stats_t *q);
/* Asks Redis for the queue figures of every durable subscription (timer callback). */
void metrics_refresh_queues(hub_t *hub);

/* Renders every family in the Prometheus text format (0.0.4). *out is the
 * caller's (free()). 0 or STAFET_ENOMEM. */
int metrics_render(hub_t *hub, char **out, size_t *len);

#endif
