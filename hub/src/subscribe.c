/*
 * subscribe.c — Subscribe and Unsubscribe frames.
 *
 * A durable Subscribe runs the sub_create script: it creates the subscription
 * (definition hash, stream, consumer group, change notice) or joins an
 * existing one, atomically, and returns the stored definition, which we
 * mirror locally before the session starts consuming. Patterns and filters are
 * normalised (sorted, "\n"-joined) so "same definition" is a string compare.
 */
#include "hub.h"

#include "auth.h"
#include "keys.h"
#include "queue_redis.h"
#include "stafet.h"
#include "subscription.h"
#include "topic.h"

#include <stdlib.h>
#include <string.h>

typedef struct sub_ctx {
  uint8_t rid[ROUTING_ID_MAX];
  size_t rid_len;
  char session_id[SESSION_ID_MAX];
  uint64_t seq;
  char name[NAME_MAX_LEN + 1];
  uint32_t credit;
  char start_id[48];
} sub_ctx_t;

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, "\n"-joined copy of strings; caller frees. */
static char *join_sorted(const char *const *items, size_t n) {
  const char **copy = calloc(n ? n : 1, sizeof *copy);
  size_t len = 1;
  for (size_t i = 0; i < n; i++)
    len += strlen(items[i]) + 1;
  char *out = malloc(len);
  if (copy == NULL || out == NULL) {
    free(copy);
    free(out);
    return NULL;
  }
  if (n > 0)
    memcpy(copy, items, n * sizeof *copy);
  qsort(copy, n, sizeof *copy, cmp_str);
  out[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    if (i > 0)
      strcat(out, "\n");
    strcat(out, copy[i]);
  }
  free(copy);
  return out;
}

static void send_sub_ack(hub_t *hub, session_t *s, uint64_t seq, const char *name, bool created) {
  Stafet__Wire__V1__SubscribeAck ack = STAFET__WIRE__V1__SUBSCRIBE_ACK__INIT;
  ack.name = (char *)name;
  ack.created = created;
  Stafet__Wire__V1__Frame frame = STAFET__WIRE__V1__FRAME__INIT;
  frame.seq = seq;
  frame.body_case = STAFET__WIRE__V1__FRAME__BODY_SUBSCRIBE_ACK;
  frame.subscribe_ack = &ack;
  net_send(hub, s, &frame, NULL);
}

static void replay_from(hub_t *hub, const char *name, const char *start_id) {
  char key[KEY_MAX];
  store_key(hub, key, sizeof key, KEY_QUEUE_FMT, name);
  const char *argv[] = {"XGROUP", "SETID", key, CONSUMER_GROUP, start_id};
  (void)store_command(hub, NULL, NULL, 5, argv, NULL);
  log_info(&hub->log, "replay", "sub=%s from=%s", name, start_id);
}

static void on_sub_created(hub_t *hub, redisReply *reply, void *arg) {
  sub_ctx_t *ctx = arg;
  session_t *s = session_lookup(hub, ctx->rid, ctx->rid_len, ctx->session_id);
  if (s == NULL)
    goto out;
  if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1) {
    net_send_error(hub, s->rid, s->rid_len, ctx->seq,
                   reply ? STAFET__WIRE__V1__ERROR_CODE__ERROR_INTERNAL
                         : STAFET__WIRE__V1__ERROR_CODE__ERROR_STORE_UNAVAILABLE,
                   "subscription '%s' could not be stored: %s", ctx->name,
                   reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "redis unavailable");
    goto out;
  }
  long long status = reply->element[0]->integer;
  if (status == -2) {
    net_send_error(hub, s->rid, s->rid_len, ctx->seq,
                   STAFET__WIRE__V1__ERROR_CODE__ERROR_UNKNOWN_SUBSCRIPTION,
                   "no subscription named '%s'; give patterns to create it", ctx->name);
    goto out;
  }
  if (status == -1) {
    net_send_error(hub, s->rid, s->rid_len, ctx->seq,
                   STAFET__WIRE__V1__ERROR_CODE__ERROR_SUBSCRIPTION_CONFLICT,
                   "subscription '%s' exists with other patterns or filters; join with none "
                   "or remove it first",
                   ctx->name);
    goto out;
  }
  dsub_t *sub = subscription_from_reply(hub, ctx->name, reply);
  if (sub == NULL) {
    net_send_error(hub, s->rid, s->rid_len, ctx->seq, STAFET__WIRE__V1__ERROR_CODE__ERROR_INTERNAL,
                   "stored definition of '%s' is unreadable", ctx->name);
    goto out;
  }
  char why[256];
  if (!auth_may_subscribe(hub, s, sub->patterns, sub->n_patterns, why, sizeof why)) {
    net_send_error(hub, s->rid, s->rid_len, ctx->seq,
                   STAFET__WIRE__V1__ERROR_CODE__ERROR_NOT_AUTHORIZED, "%s", why);
    goto out;
  }
  if (status == 1)
    log_info(&hub->log, "subscription created", "sub=%s patterns=\"%s\" filters=\"%s\"", sub->name,
             sub->patterns_joined, sub->filters_joined);
  if (ctx->start_id[0])
    replay_from(hub, sub->name, ctx->start_id);
  send_sub_ack(hub, s, ctx->seq, sub->name, status == 1);
  durable_attach(hub, s, sub, ctx->credit);
out:
  free(ctx);
}

/* Checks name, patterns and filters; on failure sends the Error and returns false. */
static bool subscribe_check(hub_t *hub, session_t *s, uint64_t seq,
                            const Stafet__Wire__V1__Subscribe *req, filter_t **filter) {
  char why[256];
  if (name_validate(req->name) != 0) {
    net_send_error(hub, s->rid, s->rid_len, seq,
                   STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_ENVELOPE,
                   "subscription name '%.64s' must be [a-z0-9_-]{1,64}", req->name);
    return false;
  }
  for (size_t i = 0; i < req->n_patterns; i++) {
    if (pattern_validate(req->patterns[i]) != 0) {
      net_send_error(
          hub, s->rid, s->rid_len, seq, STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_PATTERN,
          "pattern '%.255s': segments of [a-z0-9_], '*' or '#', joined by dots", req->patterns[i]);
      return false;
    }
  }
  if (filter_parse((const char *const *)req->filters, req->n_filters, filter, why, sizeof why) !=
      0) {
    net_send_error(hub, s->rid, s->rid_len, seq, STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_FILTER,
                   "%s", why);
    return false;
  }
  return true;
}

static bool parse_start(const Stafet__Wire__V1__Subscribe *req, char *out, size_t out_size) {
  stream_id_t sid;
  out[0] = '\0';
  if (req->start_id && req->start_id[0]) {
    if (strcmp(req->start_id, "0") != 0 && stream_id_parse(req->start_id, &sid) != 0)
      return false;
    snprintf(out, out_size, "%s", strcmp(req->start_id, "0") == 0 ? "0-0" : req->start_id);
  } else if (req->start_time_ms > 0) {
    /* Entries at or after start_time_ms: the read position is just before it. */
    snprintf(out, out_size, "%llu-18446744073709551615",
             (unsigned long long)(req->start_time_ms - 1));
  }
  return true;
}

int subscription_store(hub_t *hub, const subscription_def_t *def, store_reply_fn fn, void *arg) {
  const filter_t *filter = def->filter;
  const char **exprs = calloc(filter_count(filter) + 1, sizeof *exprs);
  for (size_t i = 0; exprs && i < filter_count(filter); i++)
    exprs[i] = filter_expr(filter, i);
  char *patterns = join_sorted(def->patterns, def->n_patterns);
  char *filters = exprs ? join_sorted(exprs, filter_count(filter)) : NULL;
  int rc = STAFET_ENOMEM;
  if (patterns != NULL && filters != NULL) {
    char key[KEY_MAX], queue[KEY_MAX], set[KEY_MAX], channel[KEY_MAX];
    char ack[24], maxd[24], ret[24], maxlen[24], now[24];
    store_key(hub, key, sizeof key, KEY_SUB_FMT, def->name);
    store_key(hub, queue, sizeof queue, KEY_QUEUE_FMT, def->name);
    snprintf(set, sizeof set, "%s%s", hub->cfg.prefix, KEY_SUBS);
    snprintf(channel, sizeof channel, "%s%s", hub->cfg.prefix, CHANNEL_CHANGES);
    snprintf(
        ack, sizeof ack, "%llu",
        (unsigned long long)(def->ack_timeout_ms ? def->ack_timeout_ms : hub->cfg.ack_timeout_ms));
    snprintf(
        maxd, sizeof maxd, "%llu",
        (unsigned long long)(def->max_deliveries ? def->max_deliveries : hub->cfg.max_deliveries));
    snprintf(ret, sizeof ret, "%llu",
             (unsigned long long)(def->retention_ms ? def->retention_ms : hub->cfg.retention_ms));
    snprintf(maxlen, sizeof maxlen, "%llu", (unsigned long long)def->max_len);
    snprintf(now, sizeof now, "%llu", (unsigned long long)hub_now_ms());
    const char *argv[] = {key, queue, set, def->name, patterns, filters,
                          ack, maxd,  ret, maxlen,    now,      channel};
    rc = store_script(hub, SCRIPT_SUB_CREATE, fn, arg, 3, 12, argv, NULL);
  }
  free(exprs);
  free(patterns);
  free(filters);
  return rc;
}

dsub_t *subscription_from_reply(hub_t *hub, const char *name, const redisReply *reply) {
  char **fields = calloc(reply->elements, sizeof *fields);
  if (fields == NULL)
    return NULL;
  for (size_t i = 1; i < reply->elements; i++)
    fields[i - 1] = reply->element[i]->str;
  dsub_t *sub = routing_upsert(hub, name, fields, reply->elements - 1);
  free(fields);
  return sub;
}

static int create_durable(hub_t *hub, const Stafet__Wire__V1__Subscribe *req,
                          const filter_t *filter, sub_ctx_t *ctx) {
  subscription_def_t def = {.name = req->name,
                            .patterns = (const char *const *)req->patterns,
                            .n_patterns = req->n_patterns,
                            .filter = filter,
                            .ack_timeout_ms = req->ack_timeout_ms,
                            .max_deliveries = req->max_deliveries,
                            .retention_ms = req->retention_ms,
                            .max_len = req->max_len};
  return subscription_store(hub, &def, on_sub_created, ctx);
}

void durable_on_subscribe(hub_t *hub, session_t *s, uint64_t seq,
                          const Stafet__Wire__V1__Subscribe *req) {
  filter_t *filter = NULL;
  sub_ctx_t *ctx = NULL;
  char why[256];
  if (!subscribe_check(hub, s, seq, req, &filter))
    return;
  /* Checked before anything is created; a join is checked against the
   * subscription's own patterns when its definition comes back. */
  if (!auth_may_subscribe(hub, s, req->patterns, req->n_patterns, why, sizeof why)) {
    net_send_error(hub, s->rid, s->rid_len, seq, STAFET__WIRE__V1__ERROR_CODE__ERROR_NOT_AUTHORIZED,
                   "%s", why);
    goto out;
  }
  if (req->mode == STAFET__WIRE__V1__SUBSCRIPTION_MODE__MODE_TRANSIENT) {
    Stafet__Wire__V1__ErrorCode code = STAFET__WIRE__V1__ERROR_CODE__ERROR_NONE;
    if (transient_subscribe(hub, s, req, why, sizeof why, &code) != 0)
      net_send_error(hub, s->rid, s->rid_len, seq, code, "%s", why);
    else
      send_sub_ack(hub, s, seq, req->name, true);
    goto out;
  }
  ctx = calloc(1, sizeof *ctx);
  if (ctx == NULL)
    goto out;
  memcpy(ctx->rid, s->rid, s->rid_len);
  ctx->rid_len = s->rid_len;
  memcpy(ctx->session_id, s->id, sizeof ctx->session_id);
  ctx->seq = seq;
  snprintf(ctx->name, sizeof ctx->name, "%s", req->name);
  ctx->credit = req->credit;
  if (!parse_start(req, ctx->start_id, sizeof ctx->start_id)) {
    net_send_error(hub, s->rid, s->rid_len, seq,
                   STAFET__WIRE__V1__ERROR_CODE__ERROR_INVALID_ENVELOPE,
                   "start_id '%.40s' is not a stream id (<ms>-<seq>) or 0", req->start_id);
    goto out;
  }
  int rc = create_durable(hub, req, filter, ctx);
  if (rc == 0) {
    ctx = NULL;
  } else {
    net_send_error(hub, s->rid, s->rid_len, seq,
                   rc == STAFET_EUNAVAIL ? STAFET__WIRE__V1__ERROR_CODE__ERROR_STORE_UNAVAILABLE
                                         : STAFET__WIRE__V1__ERROR_CODE__ERROR_INTERNAL,
                   "subscription '%s' could not be stored now; retry", req->name);
  }
out:
  free(ctx);
  filter_free(filter);
}

void subscription_on_removed(hub_t *hub, redisReply *reply, void *arg) {
  char *name = arg;
  dsub_t *sub = dict_gets(hub->dsubs, name);
  if (sub != NULL && reply != NULL && reply->type == REDIS_REPLY_INTEGER)
    routing_remove(hub, sub);
  free(name);
}

int subscription_delete(hub_t *hub, const char *name, store_reply_fn fn, void *arg) {
  char key[KEY_MAX], queue[KEY_MAX], dlq[KEY_MAX], set[KEY_MAX], channel[KEY_MAX];
  store_key(hub, key, sizeof key, KEY_SUB_FMT, name);
  store_key(hub, queue, sizeof queue, KEY_QUEUE_FMT, name);
  store_key(hub, dlq, sizeof dlq, KEY_DLQ_FMT, name);
  snprintf(set, sizeof set, "%s%s", hub->cfg.prefix, KEY_SUBS);
  snprintf(channel, sizeof channel, "%s%s", hub->cfg.prefix, CHANNEL_CHANGES);
  const char *argv[] = {key, queue, dlq, set, name, channel};
  return store_script(hub, SCRIPT_SUB_REMOVE, fn, arg, 4, 6, argv, NULL);
}

int durable_unsubscribe(hub_t *hub, session_t *s, const char *name, bool remove) {
  int rc = transient_unsubscribe(hub, s, name);
  if (rc == 0)
    return 0;
  bool found = false;
  for (consumer_t *c = s->consumers; c != NULL; c = c->next_in_session) {
    if (strcmp(c->sub->name, name) == 0) {
      durable_consumer_release(hub, c);
      found = true;
      break;
    }
  }
  if (!remove)
    return found ? 0 : STAFET_ENOTFOUND;
  if (name_validate(name) != 0)
    return STAFET_ENOTFOUND;
  char *copy = strdup(name);
  if (copy == NULL || subscription_delete(hub, name, subscription_on_removed, copy) != 0) {
    free(copy);
    return STAFET_EUNAVAIL;
  }
  log_info(&hub->log, "subscription removed", "sub=%s session=%s", name, s->id);
  return 0;
}
