/*
 * routing.c — the hub's cached copy of the durable subscriptions in Redis.
 *
 * Routing never waits on Redis per message: publish.c matches against this
 * cache (a trie of patterns plus each subscription's filter). The cache is
 * loaded when Redis becomes ready and kept current by change notices on the
 * `changes` channel, which every hub (and stafetctl) publishes after it
 * creates or removes a subscription.
 */
#include "hub.h"

#include "keys.h"
#include "queue_redis.h"
#include "stafet.h"

#include <stdlib.h>
#include <string.h>

static void dsub_free(dsub_t *sub) {
  for (size_t i = 0; i < sub->n_patterns; i++)
    free(sub->patterns[i]);
  free(sub->patterns);
  filter_free(sub->filter);
  free(sub->patterns_joined);
  free(sub->filters_joined);
  free(sub);
}

/* Splits "a\nb" into a new array of new strings. */
static char **split_lines(const char *text, size_t *n_out) {
  size_t n = text[0] ? 1 : 0;
  for (const char *p = text; *p; p++)
    n += *p == '\n';
  char **items = calloc(n ? n : 1, sizeof *items);
  if (items == NULL)
    return NULL;
  const char *start = text;
  for (size_t i = 0; i < n; i++) {
    const char *end = strchr(start, '\n');
    size_t len = end ? (size_t)(end - start) : strlen(start);
    items[i] = strndup(start, len);
    start = end ? end + 1 : start + len;
  }
  *n_out = n;
  return items;
}

static const char *field_value(char **fields, size_t n, const char *name) {
  for (size_t i = 0; i + 1 < n; i += 2)
    if (fields[i] && strcmp(fields[i], name) == 0)
      return fields[i + 1] ? fields[i + 1] : "";
  return NULL;
}

static uint64_t field_u64(char **fields, size_t n, const char *name, uint64_t fallback) {
  const char *v = field_value(fields, n, name);
  return v && *v ? strtoull(v, NULL, 10) : fallback;
}

/* Builds a new dsub from the definition fields; NULL if unusable. */
static dsub_t *dsub_from_fields(hub_t *hub, const char *name, char **fields, size_t n) {
  const char *patterns = field_value(fields, n, "patterns");
  const char *filters = field_value(fields, n, "filters");
  if (patterns == NULL || patterns[0] == '\0')
    return NULL;
  dsub_t *sub = calloc(1, sizeof *sub);
  if (sub == NULL)
    return NULL;
  snprintf(sub->name, sizeof sub->name, "%s", name);
  sub->patterns_joined = strdup(patterns);
  sub->filters_joined = strdup(filters ? filters : "");
  sub->patterns = split_lines(patterns, &sub->n_patterns);
  size_t n_filters = 0;
  char **exprs = split_lines(filters ? filters : "", &n_filters);
  char why[256];
  int rc = exprs
               ? filter_parse((const char *const *)exprs, n_filters, &sub->filter, why, sizeof why)
               : STAFET_ENOMEM;
  for (size_t i = 0; exprs && i < n_filters; i++)
    free(exprs[i]);
  free(exprs);
  sub->ack_timeout_ms = field_u64(fields, n, "ack_timeout_ms", hub->cfg.ack_timeout_ms);
  sub->max_deliveries = field_u64(fields, n, "max_deliveries", hub->cfg.max_deliveries);
  sub->retention_ms = field_u64(fields, n, "retention_ms", hub->cfg.retention_ms);
  sub->max_len = field_u64(fields, n, "max_len", 0);
  if (rc != 0 || sub->patterns == NULL || sub->patterns_joined == NULL ||
      sub->filters_joined == NULL) {
    log_error(&hub->log, "unusable subscription definition", "sub=%s", name);
    dsub_free(sub);
    return NULL;
  }
  return sub;
}

dsub_t *routing_upsert(hub_t *hub, const char *name, char **fields, size_t n_fields) {
  dsub_t *fresh = dsub_from_fields(hub, name, fields, n_fields);
  if (fresh == NULL)
    return NULL;
  dsub_t *cur = dict_gets(hub->dsubs, name);
  if (cur != NULL && strcmp(cur->patterns_joined, fresh->patterns_joined) == 0 &&
      strcmp(cur->filters_joined, fresh->filters_joined) == 0) {
    cur->ack_timeout_ms = fresh->ack_timeout_ms;
    cur->max_deliveries = fresh->max_deliveries;
    cur->retention_ms = fresh->retention_ms;
    cur->max_len = fresh->max_len;
    cur->load_mark = hub->load_generation;
    dsub_free(fresh);
    return cur;
  }
  if (cur != NULL) {
    /* Redefined (removed and created again elsewhere): swap in place so that
     * consumers keep their pointer. */
    router_remove_target(hub->durable_routes, cur);
    for (size_t i = 0; i < cur->n_patterns; i++)
      free(cur->patterns[i]);
    free(cur->patterns);
    filter_free(cur->filter);
    free(cur->patterns_joined);
    free(cur->filters_joined);
    cur->patterns = fresh->patterns;
    cur->n_patterns = fresh->n_patterns;
    cur->filter = fresh->filter;
    cur->patterns_joined = fresh->patterns_joined;
    cur->filters_joined = fresh->filters_joined;
    cur->ack_timeout_ms = fresh->ack_timeout_ms;
    cur->max_deliveries = fresh->max_deliveries;
    cur->retention_ms = fresh->retention_ms;
    cur->max_len = fresh->max_len;
    free(fresh);
    fresh = cur;
  } else if (dict_sets(hub->dsubs, name, fresh) != 0) {
    dsub_free(fresh);
    return NULL;
  }
  for (size_t i = 0; i < fresh->n_patterns; i++)
    router_add(hub->durable_routes, fresh->patterns[i], fresh);
  fresh->load_mark = hub->load_generation;
  return fresh;
}

void routing_remove(hub_t *hub, dsub_t *sub) {
  while (sub->consumers != NULL)
    durable_consumer_release(hub, sub->consumers);
  router_remove_target(hub->durable_routes, sub);
  dict_dels(hub->dsubs, sub->name);
  log_info(&hub->log, "subscription dropped from routing", "sub=%s", sub->name);
  dsub_free(sub);
}

void routing_free_all(hub_t *hub) {
  dict_iter_t it;
  dict_iter_init(&it, hub->dsubs);
  const void *k;
  size_t kl;
  void *v;
  while (dict_iter_next(&it, &k, &kl, &v)) {
    router_remove_target(hub->durable_routes, v);
    dict_del(hub->dsubs, k, kl);
    dsub_free(v);
  }
}

typedef struct load_ctx {
  uint64_t generation;
  size_t *outstanding;
  char name[NAME_MAX_LEN + 1];
} load_ctx_t;

static void reload_finished(hub_t *hub, uint64_t generation) {
  dict_iter_t it;
  dict_iter_init(&it, hub->dsubs);
  const void *k;
  size_t kl;
  void *v;
  while (dict_iter_next(&it, &k, &kl, &v))
    if (((dsub_t *)v)->load_mark != generation)
      routing_remove(hub, v);
  hub->routing_loaded = true;
  hub->reload_in_flight = false;
  log_info(&hub->log, "routing loaded", "subscriptions=%zu", dict_size(hub->dsubs));
  publish_on_store_ready(hub);
  if (hub->reload_wanted) {
    hub->reload_wanted = false;
    routing_reload(hub);
  }
  durable_kick_all(hub);
}

static void on_definition(hub_t *hub, redisReply *reply, void *arg) {
  load_ctx_t *ctx = arg;
  if (reply != NULL && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0) {
    char **fields = calloc(reply->elements, sizeof *fields);
    for (size_t i = 0; fields && i < reply->elements; i++)
      fields[i] = reply->element[i]->str;
    if (fields != NULL)
      routing_upsert(hub, ctx->name, fields, reply->elements);
    free(fields);
  }
  if (ctx->outstanding != NULL && --*ctx->outstanding == 0) {
    if (reply != NULL)
      reload_finished(hub, ctx->generation);
    else
      hub->reload_in_flight = false; /* lost Redis: the reconnect reloads */
    free(ctx->outstanding);
  }
  free(ctx);
}

static int request_definition(hub_t *hub, const char *name, size_t *outstanding) {
  load_ctx_t *ctx = calloc(1, sizeof *ctx);
  if (ctx == NULL)
    return STAFET_ENOMEM;
  ctx->generation = hub->load_generation;
  ctx->outstanding = outstanding;
  snprintf(ctx->name, sizeof ctx->name, "%s", name);
  char key[KEY_MAX];
  store_key(hub, key, sizeof key, KEY_SUB_FMT, name);
  const char *argv[] = {"HGETALL", key};
  int rc = store_command(hub, on_definition, ctx, 2, argv, NULL);
  if (rc != 0)
    free(ctx);
  return rc;
}

static void on_names(hub_t *hub, redisReply *reply, void *arg) {
  if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
    hub->reload_in_flight = false;
    return;
  }
  if (reply->elements == 0) {
    reload_finished(hub, hub->load_generation);
    return;
  }
  size_t *outstanding = malloc(sizeof *outstanding);
  if (outstanding == NULL) {
    hub->reload_in_flight = false;
    return;
  }
  *outstanding = reply->elements;
  for (size_t i = 0; i < reply->elements; i++) {
    if (request_definition(hub, reply->element[i]->str, outstanding) != 0 && --*outstanding == 0) {
      free(outstanding);
      hub->reload_in_flight = false;
      return;
    }
  }
}

void routing_reload(hub_t *hub) {
  if (hub->reload_in_flight) {
    hub->reload_wanted = true;
    return;
  }
  char key[KEY_MAX];
  snprintf(key, sizeof key, "%s%s", hub->cfg.prefix, KEY_SUBS);
  const char *argv[] = {"SMEMBERS", key};
  hub->load_generation++;
  if (store_command(hub, on_names, NULL, 2, argv, NULL) == 0)
    hub->reload_in_flight = true;
}

static void on_changed_definition(hub_t *hub, redisReply *reply, void *arg) {
  load_ctx_t *ctx = arg;
  if (reply != NULL && reply->type == REDIS_REPLY_ARRAY) {
    dsub_t *cur = dict_gets(hub->dsubs, ctx->name);
    if (reply->elements == 0 && cur != NULL)
      routing_remove(hub, cur);
    else if (reply->elements > 0)
      on_definition(hub, reply, ctx), ctx = NULL;
  }
  free(ctx);
}

void routing_on_change(hub_t *hub, const char *notice) {
  if (strncmp(notice, "sub:", 4) != 0)
    return;
  load_ctx_t *ctx = calloc(1, sizeof *ctx);
  if (ctx == NULL)
    return;
  ctx->generation = hub->load_generation;
  snprintf(ctx->name, sizeof ctx->name, "%s", notice + 4);
  char key[KEY_MAX];
  store_key(hub, key, sizeof key, KEY_SUB_FMT, ctx->name);
  const char *argv[] = {"HGETALL", key};
  if (store_command(hub, on_changed_definition, ctx, 2, argv, NULL) != 0)
    free(ctx);
}
