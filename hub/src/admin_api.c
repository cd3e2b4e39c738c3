/*
 * admin_api.c — the admin API's routes: health, metrics, status, adapters,
 * topics and subscriptions (dead letters and traces are in admin_dlq.c).
 *
 *   GET  /healthz                      200 while the loop runs
 *   GET  /readyz                       200 when Redis is ready and routing loaded, else 503
 *   GET  /metrics                      Prometheus text format
 *   GET  /api/status                   hub, Redis, totals
 *   GET  /api/adapters                 sessions connected to this hub, by adapter
 *   GET  /api/topics                   topics seen, their counters, who subscribes
 *   GET  /api/subscriptions            durable (with cached queue figures) and transient
 *   POST /api/subscriptions            create a durable subscription (JSON body)
 *   GET  /api/subscriptions/NAME       definition, fresh depth, pending, consumers
 *   DELETE /api/subscriptions/NAME     remove it with its queue and dead letters
 *   .../NAME/dead-letters...           see admin_dlq.c
 *   GET  /api/dead-letters             the newest dead letters of every subscription
 *   GET  /api/messages/ID              where a message went (trace)
 *
 * Lists come from the hub's memory (the routing table mirrors Redis) and the
 * cached queue figures, so the dashboard's polling costs Redis nothing; one
 * subscription's page asks Redis afresh.
 */
#include "admin_http.h"

#include "keys.h"
#include "metrics.h"
#include "queue_redis.h"
#include "stafet.h"
#include "subscription.h"
#include "topic.h"

#include <stdlib.h>
#include <string.h>

#define STAFET_VERSION "0.1.0"

void admin_stats_tick(uv_timer_t *timer) {
  hub_t *hub = timer->data;
  if (store_ready(hub) && !hub->draining)
    metrics_refresh_queues(hub);
}

static bool is_get(const admin_req_t *req) {
  return strcmp(admin_req_method(req), "GET") == 0 || strcmp(admin_req_method(req), "HEAD") == 0;
}

static void not_allowed(admin_req_t *req) {
  admin_respond_error(req, 405, "%s is not allowed on %s", admin_req_method(req),
                      admin_req_path(req));
}

/* ---- health and metrics ---- */

static void handle_readyz(hub_t *hub, admin_req_t *req) {
  bool redis = store_ready(hub), ready = redis && hub->routing_loaded && !hub->draining;
  admin_respond_json(req, ready ? 200 : 503,
                     json_pack("{s:b,s:b,s:b,s:b}", "ready", ready, "redis", redis, "routing",
                               hub->routing_loaded, "draining", hub->draining));
}

static void handle_metrics(hub_t *hub, admin_req_t *req) {
  char *text = NULL;
  size_t len = 0;
  if (metrics_render(hub, &text, &len) != 0) {
    admin_respond_error(req, 500, "out of memory");
    return;
  }
  admin_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

static void handle_status(hub_t *hub, admin_req_t *req) {
  const hub_stats_t *st = &hub->stats;
  json_t *totals = json_pack(
      "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "published", (json_int_t)st->published, "duplicates",
      (json_int_t)st->duplicates, "delivered", (json_int_t)st->delivered, "redelivered",
      (json_int_t)st->redelivered, "acked", (json_int_t)st->acked, "nacked", (json_int_t)st->nacked,
      "dead_lettered", (json_int_t)st->dead_lettered, "transient_delivered",
      (json_int_t)st->transient_delivered, "transient_dropped", (json_int_t)st->transient_dropped);
  admin_respond_json(
      req, 200,
      json_pack("{s:s,s:s,s:I,s:b,s:b,s:b,s:b,s:I,s:I,s:I,s:o}", "hub_id", hub->cfg.hub_id,
                "version", STAFET_VERSION, "now_ms", (json_int_t)hub_now_ms(), "redis",
                store_ready(hub), "routing_loaded", hub->routing_loaded, "draining", hub->draining,
                "ready", store_ready(hub) && hub->routing_loaded && !hub->draining, "sessions",
                (json_int_t)dict_size(hub->sessions), "subscriptions",
                (json_int_t)dict_size(hub->dsubs), "redis_pending", (json_int_t)hub->store.pending,
                "totals", totals ? totals : json_object()));
}

/* ---- adapters ---- */

static json_t *session_json(const session_t *s) {
  json_t *subs = json_array();
  for (const consumer_t *c = s->consumers; subs && c != NULL; c = c->next_in_session)
    json_array_append_new(subs, json_pack("{s:s,s:s,s:I,s:I}", "name", c->sub->name, "mode",
                                          "durable", "credit", (json_int_t)c->credit, "in_flight",
                                          (json_int_t)c->inflight.count));
  for (const tsub_t *t = s->tsubs; subs && t != NULL; t = t->next_in_session)
    json_array_append_new(subs, json_pack("{s:s,s:s,s:I}", "name", t->name, "mode", "transient",
                                          "dropped", (json_int_t)t->dropped));
  return json_pack("{s:s,s:o,s:s,s:I,s:o}", "session", s->id, "instance", json_masked(s->instance),
                   "adapter", s->adapter, "last_seen_ms", (json_int_t)s->last_recv_ms,
                   "subscriptions", subs ? subs : json_array());
}

static void handle_adapters(hub_t *hub, admin_req_t *req) {
  json_t *by_name = json_object();
  dict_iter_t it;
  const void *k;
  size_t kl;
  void *v;
  for (dict_iter_init(&it, hub->sessions); by_name && dict_iter_next(&it, &k, &kl, &v);) {
    const session_t *s = v;
    json_t *a = json_object_get(by_name, s->adapter);
    if (a == NULL) {
      a = json_pack("{s:s,s:[]}", "name", s->adapter, "sessions");
      json_object_set_new(by_name, s->adapter, a);
    }
    json_array_append_new(json_object_get(a, "sessions"), session_json(s));
  }
  json_t *list = json_array();
  const char *key;
  json_t *value;
  json_object_foreach(by_name, key, value) json_array_append(list, value);
  json_decref(by_name);
  admin_respond_json(req, 200, json_pack("{s:o}", "adapters", list ? list : json_array()));
}

/* ---- topics ---- */

typedef struct topics_walk {
  hub_t *hub;
  json_t *list;
} topics_walk_t;

static void add_sub_name(void *target, void *arg) {
  json_array_append_new(arg, json_string(((dsub_t *)target)->name));
}

static void add_topic(const char *topic, const msg_counters_t *c, void *arg) {
  topics_walk_t *w = arg;
  json_t *names = json_array();
  if (names != NULL) /* by patterns only: filters depend on each message */
    router_match(w->hub->durable_routes, topic, add_sub_name, names);
  json_array_append_new(
      w->list,
      json_pack("{s:o,s:I,s:I,s:I,s:I,s:I,s:o}", "topic", json_masked(topic), "published",
                (json_int_t)c->published, "delivered", (json_int_t)c->delivered, "redelivered",
                (json_int_t)c->redelivered, "acked", (json_int_t)c->acked, "dead_lettered",
                (json_int_t)(c->dead_max_deliveries + c->dead_nacked + c->dead_corrupt),
                "subscriptions", names ? names : json_array()));
}

static void handle_topics(hub_t *hub, admin_req_t *req) {
  topics_walk_t w = {hub, json_array()};
  if (w.list != NULL)
    metrics_each_topic(hub, add_topic, &w);
  admin_respond_json(req, 200, json_pack("{s:o}", "topics", w.list ? w.list : json_array()));
}

/* ---- subscriptions ---- */

static json_t *lines_json(const char *joined) {
  json_t *a = json_array();
  const char *p = joined;
  while (a && p && *p) {
    const char *end = strchr(p, '\n');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    char item[512];
    snprintf(item, sizeof item, "%.*s", (int)(len < sizeof item ? len : sizeof item - 1), p);
    json_array_append_new(a, json_masked(item));
    p = end ? end + 1 : p + len;
  }
  return a ? a : json_array();
}

static json_t *queue_json(const queue_stats_t *q) {
  if (!q->known)
    return json_null();
  uint64_t now = hub_now_ms();
  uint64_t age = q->oldest_ms && now > q->oldest_ms ? now - q->oldest_ms : 0;
  return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "depth", (json_int_t)(q->unread + q->pending),
                   "unread", (json_int_t)q->unread, "pending", (json_int_t)q->pending,
                   "dead_letters", (json_int_t)q->dead_letters, "oldest_unacked_age_ms",
                   (json_int_t)age, "group_consumers", (json_int_t)q->redis_consumers, "fetched_ms",
                   (json_int_t)q->fetched_ms);
}

static json_t *counters_json(const msg_counters_t *c) {
  msg_counters_t zero = {0};
  if (c == NULL)
    c = &zero;
  return json_pack("{s:I,s:I,s:I,s:I,s:I}", "delivered", (json_int_t)c->delivered, "redelivered",
                   (json_int_t)c->redelivered, "acked", (json_int_t)c->acked, "nacked",
                   (json_int_t)c->nacked, "dead_lettered",
                   (json_int_t)(c->dead_max_deliveries + c->dead_nacked + c->dead_corrupt));
}

static json_t *dsub_json(hub_t *hub, const dsub_t *sub, const queue_stats_t *q) {
  size_t consumers = 0;
  for (const consumer_t *c = sub->consumers; c != NULL; c = c->next_in_sub)
    consumers++;
  return json_pack("{s:s,s:s,s:o,s:o,s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "name", sub->name, "mode",
                   "durable", "patterns", lines_json(sub->patterns_joined), "filters",
                   lines_json(sub->filters_joined), "ack_timeout_ms",
                   (json_int_t)sub->ack_timeout_ms, "max_deliveries",
                   (json_int_t)sub->max_deliveries, "retention_ms", (json_int_t)sub->retention_ms,
                   "max_len", (json_int_t)sub->max_len, "consumers", (json_int_t)consumers, "queue",
                   queue_json(q), "counters", counters_json(metrics_sub(hub, sub->name)));
}

static void append_transient(hub_t *hub, json_t *list) {
  dict_iter_t it;
  const void *k;
  size_t kl;
  void *v;
  for (dict_iter_init(&it, hub->sessions); dict_iter_next(&it, &k, &kl, &v);) {
    const session_t *s = v;
    for (const tsub_t *t = s->tsubs; t != NULL; t = t->next_in_session) {
      json_t *patterns = json_array();
      for (size_t i = 0; patterns && i < t->n_patterns; i++)
        json_array_append_new(patterns, json_masked(t->patterns[i]));
      json_array_append_new(
          list, json_pack("{s:s,s:s,s:o,s:s,s:s,s:I}", "name", t->name, "mode", "transient",
                          "patterns", patterns ? patterns : json_array(), "session", s->id,
                          "adapter", s->adapter, "dropped", (json_int_t)t->dropped));
    }
  }
}

static void add_dsub(void *value, void *arg) {
  topics_walk_t *w = arg;
  const dsub_t *sub = value;
  queue_stats_t q = metrics_queue(w->hub, sub->name);
  json_array_append_new(w->list, dsub_json(w->hub, sub, &q));
}

static void handle_subs_list(hub_t *hub, admin_req_t *req) {
  topics_walk_t w = {hub, json_array()};
  if (w.list != NULL) {
    dict_each(hub->dsubs, add_dsub, &w);
    append_transient(hub, w.list);
  }
  admin_respond_json(req, 200, json_pack("{s:o}", "subscriptions", w.list ? w.list : json_array()));
}

/* GET /api/subscriptions/NAME: three pipelined commands, answered on the last. */
typedef struct show_ctx {
  admin_req_t *req;
  char name[NAME_MAX_LEN + 1];
  queue_stats_t queue;
  json_t *consumers;
  int outstanding; /* commands sent and not yet answered */
} show_ctx_t;

static void show_ctx_unref(show_ctx_t *ctx) {
  if (--ctx->outstanding > 0)
    return;
  admin_req_release(ctx->req);
  json_decref(ctx->consumers);
  free(ctx);
}

static void on_show_stats(hub_t *hub, redisReply *reply, void *arg) {
  show_ctx_t *ctx = arg;
  if (reply != NULL && metrics_parse_queue_reply(reply, hub_now_ms(), &ctx->queue) == 0)
    metrics_set_queue(hub, ctx->name, &ctx->queue);
  show_ctx_unref(ctx);
}

static void on_show_consumers(hub_t *hub, redisReply *reply, void *arg) {
  show_ctx_t *ctx = arg;
  ctx->consumers = json_array();
  for (size_t i = 0; reply && reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++) {
    const redisReply *c = reply->element[i];
    const redisReply *name = reply_field(c, "name"), *pending = reply_field(c, "pending"),
                     *idle = reply_field(c, "idle");
    if (name == NULL || name->type != REDIS_REPLY_STRING)
      continue;
    session_t *local = NULL;
    dict_iter_t it;
    const void *k;
    size_t kl;
    void *v;
    for (dict_iter_init(&it, hub->sessions); local == NULL && dict_iter_next(&it, &k, &kl, &v);)
      if (strcmp(((session_t *)v)->id, name->str) == 0)
        local = v;
    json_array_append_new(ctx->consumers,
                          json_pack("{s:s,s:I,s:I,s:b,s:s}", "name", name->str, "pending",
                                    (json_int_t)(pending ? pending->integer : 0), "idle_ms",
                                    (json_int_t)(idle ? idle->integer : 0), "connected_here",
                                    local != NULL, "adapter", local ? local->adapter : ""));
  }
  show_ctx_unref(ctx);
}

static void on_show_definition(hub_t *hub, redisReply *reply, void *arg) {
  show_ctx_t *ctx = arg;
  dsub_t *sub = dict_gets(hub->dsubs, ctx->name);
  if (reply == NULL) {
    admin_respond_error(ctx->req, 503, "redis connection lost");
  } else if (sub == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) {
    admin_respond_error(ctx->req, 404, "no subscription named '%s'", ctx->name);
  } else {
    json_t *j = dsub_json(hub, sub, &ctx->queue);
    const redisReply *created = reply_field(reply, "created_at_ms");
    json_object_set_new(j, "created_at_ms",
                        json_integer(created ? strtoll(created->str, NULL, 10) : 0));
    json_object_set(j, "group_consumers", ctx->consumers ? ctx->consumers : json_array());
    admin_respond_json(ctx->req, 200, j);
  }
  show_ctx_unref(ctx);
}

static void handle_sub_show(hub_t *hub, admin_req_t *req, const char *name) {
  if (dict_gets(hub->dsubs, name) == NULL) {
    admin_respond_error(req, 404, "no subscription named '%s'", name);
    return;
  }
  show_ctx_t *ctx = calloc(1, sizeof *ctx);
  if (ctx == NULL) {
    admin_respond_error(req, 500, "out of memory");
    return;
  }
  ctx->req = req;
  admin_req_hold(req);
  snprintf(ctx->name, sizeof ctx->name, "%s", name);
  char queue[KEY_MAX], dlq[KEY_MAX], def[KEY_MAX];
  store_key(hub, queue, sizeof queue, KEY_QUEUE_FMT, name);
  store_key(hub, dlq, sizeof dlq, KEY_DLQ_FMT, name);
  store_key(hub, def, sizeof def, KEY_SUB_FMT, name);
  const char *stats[] = {queue, dlq, CONSUMER_GROUP};
  const char *consumers[] = {"XINFO", "CONSUMERS", queue, CONSUMER_GROUP};
  const char *hgetall[] = {"HGETALL", def};
  /* Replies come back in order: the last one (the definition) answers. */
  ctx->outstanding = 1; /* ours, dropped below */
  ctx->outstanding +=
      store_script(hub, SCRIPT_QUEUE_STATS, on_show_stats, ctx, 2, 3, stats, NULL) == 0;
  ctx->outstanding += store_command(hub, on_show_consumers, ctx, 4, consumers, NULL) == 0;
  if (store_command(hub, on_show_definition, ctx, 2, hgetall, NULL) == 0)
    ctx->outstanding++;
  else
    admin_respond_error(req, 503, "redis is unavailable");
  show_ctx_unref(ctx);
}

/* POST /api/subscriptions */
typedef struct create_ctx {
  admin_req_t *req;
  char name[NAME_MAX_LEN + 1];
} create_ctx_t;

static void on_created(hub_t *hub, redisReply *reply, void *arg) {
  create_ctx_t *ctx = arg;
  long long status = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0
                         ? reply->element[0]->integer
                         : -3;
  dsub_t *sub = status >= 0 ? subscription_from_reply(hub, ctx->name, reply) : NULL;
  if (reply == NULL)
    admin_respond_error(ctx->req, 503, "redis connection lost; the subscription may not exist");
  else if (status == -1)
    admin_respond_error(ctx->req, 409,
                        "subscription '%s' exists with other patterns or filters; remove it first",
                        ctx->name);
  else if (sub == NULL)
    admin_respond_error(ctx->req, 500, "subscription '%s' could not be stored", ctx->name);
  else {
    queue_stats_t q = metrics_queue(hub, sub->name);
    json_t *j = dsub_json(hub, sub, &q);
    json_object_set_new(j, "created", json_boolean(status == 1));
    admin_respond_json(ctx->req, status == 1 ? 201 : 200, j);
    if (status == 1)
      log_info(&hub->log, "subscription created", "sub=%s patterns=\"%s\" filters=\"%s\" by=admin",
               sub->name, sub->patterns_joined, sub->filters_joined);
  }
  admin_req_release(ctx->req);
  free(ctx);
}

static int json_u64(json_t *body, const char *key, uint64_t *out) {
  json_t *v = json_object_get(body, key);
  if (v == NULL || json_is_null(v))
    return 0;
  if (!json_is_integer(v) || json_integer_value(v) < 0)
    return STAFET_EINVAL;
  *out = (uint64_t)json_integer_value(v);
  return 0;
}

/* Reads a JSON array of strings into items (borrowed from body). */
static int json_strings(json_t *body, const char *key, const char **items, size_t max, size_t *n) {
  json_t *a = json_object_get(body, key);
  *n = 0;
  if (a == NULL)
    return 0;
  if (!json_is_array(a) || json_array_size(a) > max)
    return STAFET_EINVAL;
  for (size_t i = 0; i < json_array_size(a); i++) {
    const char *s = json_string_value(json_array_get(a, i));
    if (s == NULL)
      return STAFET_EINVAL;
    items[(*n)++] = s;
  }
  return 0;
}

/* Checks a creation body; on failure answers 400 and returns false. */
static bool parse_definition(admin_req_t *req, json_t *body, subscription_def_t *def,
                             const char **patterns, const char **filters, filter_t **filter) {
  size_t n_filters = 0;
  const char *mode = json_string_value(json_object_get(body, "mode"));
  def->name = json_string_value(json_object_get(body, "name"));
  char why[256] = "";
  if (def->name == NULL || name_validate(def->name) != 0)
    snprintf(why, sizeof why, "\"name\" must be [a-z0-9_-]{1,64}");
  else if (mode != NULL && strcmp(mode, "durable") != 0)
    snprintf(why, sizeof why,
             "mode '%.32s': only durable subscriptions can be created here (a transient one "
             "lives in a client session: see stafetctl tail)",
             mode);
  else if (json_strings(body, "patterns", patterns, 64, &def->n_patterns) != 0 ||
           def->n_patterns == 0)
    snprintf(why, sizeof why, "\"patterns\" must be a non-empty array of at most 64 strings");
  else if (json_strings(body, "filters", filters, 16, &n_filters) != 0)
    snprintf(why, sizeof why, "\"filters\" must be an array of at most 16 strings");
  else if (json_u64(body, "ack_timeout_ms", &def->ack_timeout_ms) != 0 ||
           json_u64(body, "max_deliveries", &def->max_deliveries) != 0 ||
           json_u64(body, "retention_ms", &def->retention_ms) != 0 ||
           json_u64(body, "max_len", &def->max_len) != 0)
    snprintf(why, sizeof why, "numbers must be non-negative integers");
  for (size_t i = 0; why[0] == '\0' && i < def->n_patterns; i++)
    if (pattern_validate(patterns[i]) != 0)
      snprintf(why, sizeof why, "pattern '%.200s': segments of [a-z0-9_], '*' or '#'", patterns[i]);
  if (why[0] == '\0' && filter_parse(filters, n_filters, filter, why, sizeof why) != 0)
    *filter = NULL;
  def->patterns = patterns;
  def->filter = *filter;
  if (why[0] != '\0')
    admin_respond_error(req, 400, "%s", why);
  return why[0] == '\0';
}

static void handle_sub_create(hub_t *hub, admin_req_t *req) {
  size_t len = 0;
  const char *text = admin_req_body(req, &len);
  json_t *body = json_loadb(text, len, 0, NULL);
  const char *patterns[64], *filters[16];
  subscription_def_t def = {0};
  filter_t *filter = NULL;
  create_ctx_t *ctx = NULL;
  if (!json_is_object(body)) {
    admin_respond_error(req, 400, "the body must be a JSON object");
    goto out;
  }
  if (!parse_definition(req, body, &def, patterns, filters, &filter))
    goto out;
  if ((ctx = calloc(1, sizeof *ctx)) == NULL) {
    admin_respond_error(req, 500, "out of memory");
    goto out;
  }
  ctx->req = req;
  snprintf(ctx->name, sizeof ctx->name, "%s", def.name);
  admin_req_hold(req);
  if (subscription_store(hub, &def, on_created, ctx) != 0) {
    admin_req_release(req);
    free(ctx);
    admin_respond_error(req, 503, "redis is unavailable; nothing was stored");
  }
out:
  filter_free(filter);
  json_decref(body);
}

static void on_deleted(hub_t *hub, redisReply *reply, void *arg) {
  admin_req_t *req = arg;
  if (reply == NULL || reply->type != REDIS_REPLY_INTEGER)
    admin_respond_error(req, 503, "redis connection lost; the subscription may still exist");
  else if (reply->integer == 0)
    admin_respond_error(req, 404, "no such subscription");
  else
    admin_respond_json(req, 200, json_pack("{s:b}", "removed", 1));
  admin_req_release(req);
}

/* Deletes in Redis, then drops it from this hub's routing table at once. */
static void on_deleted_here(hub_t *hub, redisReply *reply, void *arg) {
  admin_req_t *req = ((void **)arg)[0];
  char *name = ((void **)arg)[1];
  free(arg);
  on_deleted(hub, reply, req);
  subscription_on_removed(hub, reply, name);
}

static void handle_sub_delete(hub_t *hub, admin_req_t *req, const char *name) {
  void **pair = calloc(2, sizeof *pair);
  char *copy = strdup(name);
  if (pair == NULL || copy == NULL) {
    free(pair);
    free(copy);
    admin_respond_error(req, 500, "out of memory");
    return;
  }
  pair[0] = req;
  pair[1] = copy;
  admin_req_hold(req);
  if (subscription_delete(hub, name, on_deleted_here, pair) != 0) {
    admin_req_release(req);
    free(pair);
    free(copy);
    admin_respond_error(req, 503, "redis is unavailable; nothing was removed");
    return;
  }
  log_info(&hub->log, "subscription removed", "sub=%s by=admin", name);
}

/* /api/subscriptions/NAME[/rest] */
static void route_subscription(hub_t *hub, admin_req_t *req, const char *tail) {
  char name[NAME_MAX_LEN + 1];
  size_t len = strcspn(tail, "/");
  if (len == 0 || len > NAME_MAX_LEN) {
    admin_respond_error(req, 404, "no such subscription");
    return;
  }
  memcpy(name, tail, len);
  name[len] = '\0';
  if (name_validate(name) != 0) {
    admin_respond_error(req, 404, "no such subscription");
    return;
  }
  const char *rest = tail + len;
  if (strncmp(rest, "/dead-letters", 13) == 0)
    admin_dlq_route(hub, req, name, rest + 13);
  else if (rest[0] != '\0')
    admin_respond_error(req, 404, "no such page: %s", admin_req_path(req));
  else if (is_get(req))
    handle_sub_show(hub, req, name);
  else if (strcmp(admin_req_method(req), "DELETE") == 0)
    handle_sub_delete(hub, req, name);
  else
    not_allowed(req);
}

/* A GET-only route: name and handler. */
typedef struct get_route {
  const char *path;
  void (*fn)(hub_t *hub, admin_req_t *req);
} get_route_t;

static void handle_healthz(hub_t *hub, admin_req_t *req) {
  admin_respond(req, 200, "text/plain; charset=utf-8", strdup("ok\n"), 3);
}

static const get_route_t get_routes[] = {
    {"/healthz", handle_healthz},         {"/readyz", handle_readyz},
    {"/metrics", handle_metrics},         {"/api/status", handle_status},
    {"/api/adapters", handle_adapters},   {"/api/topics", handle_topics},
    {"/api/dead-letters", admin_dlq_all},
};

void admin_api_route(hub_t *hub, admin_req_t *req) {
  const char *path = admin_req_path(req);
  for (size_t i = 0; i < sizeof get_routes / sizeof get_routes[0]; i++) {
    if (strcmp(path, get_routes[i].path) != 0)
      continue;
    if (is_get(req))
      get_routes[i].fn(hub, req);
    else
      not_allowed(req);
    return;
  }
  if (strcmp(path, "/api/subscriptions") == 0) {
    if (is_get(req))
      handle_subs_list(hub, req);
    else if (strcmp(admin_req_method(req), "POST") == 0)
      handle_sub_create(hub, req);
    else
      not_allowed(req);
  } else if (strncmp(path, "/api/subscriptions/", 19) == 0) {
    route_subscription(hub, req, path + 19);
  } else if (strncmp(path, "/api/messages/", 14) == 0 && path[14] != '\0') {
    if (is_get(req))
      admin_trace(hub, req, path + 14);
    else
      not_allowed(req);
  } else {
    admin_respond_error(req, 404, "no such page: %s", path);
  }
}
