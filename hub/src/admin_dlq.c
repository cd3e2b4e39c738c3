/*
 * admin_dlq.c — dead letters and message traces in the admin API.
 *
 *   GET    /api/subscriptions/NAME/dead-letters?count=N    newest first, with reasons
 *   GET    /api/subscriptions/NAME/dead-letters/ID         one, envelope decoded
 *   POST   /api/subscriptions/NAME/dead-letters/replay?count=N   the N oldest
 *   POST   /api/subscriptions/NAME/dead-letters/ID/replay  one
 *   DELETE /api/subscriptions/NAME/dead-letters            purge all
 *   DELETE /api/subscriptions/NAME/dead-letters/ID         drop one
 *   GET    /api/dead-letters?count=N                       newest of every subscription
 *   GET    /api/messages/ID                                trace of one message
 *
 * Replay (the dlq_replay script) puts a dead letter back into its
 * subscription's queue as a new entry and removes it from the dead letters,
 * in one step, so a message is never in both or in neither. Batches are
 * bounded (count <= 1000) so that one call never blocks Redis for long;
 * stafetctl loops and shows progress.
 */
#include "admin_http.h"

#include "keys.h"
#include "queue_redis.h"
#include "stafet.h"
#include "topic.h"

#include <stdlib.h>
#include <string.h>

#define LIST_DEFAULT 100
#define LIST_MAX     1000
#define REPLAY_MAX   1000

/* One admin operation's state across pipelined Redis commands. */
typedef struct op {
  admin_req_t *req;
  char name[NAME_MAX_LEN + 1];
  int outstanding;
  long long number; /* XLEN before a list or purge */
  json_t *items;
} op_t;

static op_t *op_new(admin_req_t *req, const char *name) {
  op_t *op = calloc(1, sizeof *op);
  if (op == NULL) {
    admin_respond_error(req, 500, "out of memory");
    return NULL;
  }
  op->req = req;
  op->outstanding = 1; /* the caller's reference */
  admin_req_hold(req);
  snprintf(op->name, sizeof op->name, "%s", name ? name : "");
  return op;
}

static void op_unref(op_t *op) {
  if (--op->outstanding > 0)
    return;
  admin_req_release(op->req);
  json_decref(op->items);
  free(op);
}

/* Sends a command for op; on failure answers 503 (once). */
static void op_send(hub_t *hub, op_t *op, store_reply_fn fn, int argc, const char **argv) {
  if (store_command(hub, fn, op, argc, argv, NULL) == 0)
    op->outstanding++;
  else
    admin_respond_error(op->req, 503, "redis is unavailable");
}

static long count_arg(admin_req_t *req, long def, long max) {
  const char *text = admin_req_query(req, "count");
  long n = text ? strtol(text, NULL, 10) : def;
  return n <= 0 ? def : n > max ? max : n;
}

static bool valid_stream_id(const char *id) {
  stream_id_t sid;
  return stream_id_parse(id, &sid) == 0;
}

/* ---- list, show ---- */

static void on_number(hub_t *hub, redisReply *reply, void *arg) {
  op_t *op = arg;
  op->number = reply && reply->type == REDIS_REPLY_INTEGER ? reply->integer : -1;
  op_unref(op);
}

static json_t *entries_json(const redisReply *reply, const char *sub) {
  json_t *list = json_array();
  for (size_t i = 0; list && reply && reply->type == REDIS_REPLY_ARRAY && i < reply->elements;
       i++) {
    json_t *e = json_stream_entry(reply->element[i]);
    if (sub != NULL && json_is_object(e))
      json_object_set_new(e, "subscription", json_string(sub));
    json_array_append_new(list, e);
  }
  return list ? list : json_array();
}

static void on_list(hub_t *hub, redisReply *reply, void *arg) {
  op_t *op = arg;
  if (reply == NULL || reply->type != REDIS_REPLY_ARRAY)
    admin_respond_error(op->req, 503, "redis did not answer the listing");
  else
    admin_respond_json(op->req, 200,
                       json_pack("{s:s,s:I,s:o}", "subscription", op->name, "total",
                                 (json_int_t)op->number, "dead_letters",
                                 entries_json(reply, op->name)));
  op_unref(op);
}

static void dlq_list(hub_t *hub, admin_req_t *req, const char *name, const char *dlq) {
  op_t *op = op_new(req, name);
  if (op == NULL)
    return;
  char count[24];
  snprintf(count, sizeof count, "%ld", count_arg(req, LIST_DEFAULT, LIST_MAX));
  const char *xlen[] = {"XLEN", dlq};
  const char *range[] = {"XREVRANGE", dlq, "+", "-", "COUNT", count};
  op_send(hub, op, on_number, 2, xlen);
  op_send(hub, op, on_list, 6, range);
  op_unref(op);
}

static void on_show(hub_t *hub, redisReply *reply, void *arg) {
  op_t *op = arg;
  if (reply == NULL || reply->type != REDIS_REPLY_ARRAY)
    admin_respond_error(op->req, 503, "redis did not answer");
  else if (reply->elements == 0)
    admin_respond_error(op->req, 404, "no dead letter with that id in '%s'", op->name);
  else {
    json_t *e = json_stream_entry(reply->element[0]);
    json_object_set_new(e, "subscription", json_string(op->name));
    admin_respond_json(op->req, 200, e);
  }
  op_unref(op);
}

/* ---- purge ---- */

static void on_purged(hub_t *hub, redisReply *reply, void *arg) {
  op_t *op = arg;
  if (reply == NULL || reply->type != REDIS_REPLY_INTEGER)
    admin_respond_error(op->req, 503, "redis did not answer; the dead letters may remain");
  else if (op->number < 0 && reply->integer == 0)
    admin_respond_error(op->req, 404, "no dead letter with that id in '%s'", op->name);
  else {
    long long n = op->number >= 0 ? op->number : reply->integer;
    admin_respond_json(op->req, 200,
                       json_pack("{s:s,s:I}", "subscription", op->name, "purged", (json_int_t)n));
    log_info(&hub->log, "dead letters purged", "sub=%s count=%lld by=admin", op->name, n);
  }
  op_unref(op);
}

static void dlq_purge(hub_t *hub, admin_req_t *req, const char *name, const char *dlq,
                      const char *id) {
  op_t *op = op_new(req, name);
  if (op == NULL)
    return;
  op->number = -1;
  if (id == NULL) {
    const char *xlen[] = {"XLEN", dlq}, *del[] = {"DEL", dlq};
    op_send(hub, op, on_number, 2, xlen);
    op_send(hub, op, on_purged, 2, del);
  } else {
    const char *xdel[] = {"XDEL", dlq, id};
    op_send(hub, op, on_purged, 3, xdel);
  }
  op_unref(op);
}

/* ---- replay ---- */

static void on_replayed(hub_t *hub, redisReply *reply, void *arg) {
  op_t *op = arg;
  if (reply == NULL)
    admin_respond_error(op->req, 503, "redis connection lost during replay; list again");
  else if (reply->type == REDIS_REPLY_ERROR)
    admin_respond_error(op->req, 409, "cannot replay into '%s': %s", op->name, reply->str);
  else if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2)
    admin_respond_error(op->req, 500, "unexpected reply from the replay script");
  else if (op->number == 1 && reply->element[0]->integer == 0)
    admin_respond_error(op->req, 404, "no dead letter with that id in '%s'", op->name);
  else {
    long long n = reply->element[0]->integer, left = reply->element[1]->integer;
    admin_respond_json(op->req, 200,
                       json_pack("{s:s,s:I,s:I}", "subscription", op->name, "replayed",
                                 (json_int_t)n, "remaining", (json_int_t)left));
    log_info(&hub->log, "dead letters replayed", "sub=%s count=%lld remaining=%lld by=admin",
             op->name, n, left);
    dsub_t *sub = dict_gets(hub->dsubs, op->name);
    if (sub != NULL && n > 0)
      durable_kick(hub, sub);
  }
  op_unref(op);
}

static void dlq_replay(hub_t *hub, admin_req_t *req, const char *name, const char *id) {
  op_t *op = op_new(req, name);
  if (op == NULL)
    return;
  char queue[KEY_MAX], dlq[KEY_MAX], trace[KEY_MAX + 48], now[24], count[24];
  store_key(hub, queue, sizeof queue, KEY_QUEUE_FMT, name);
  store_key(hub, dlq, sizeof dlq, KEY_DLQ_FMT, name);
  dedupe_spec(hub, hub_now_ms(), trace, sizeof trace);
  snprintf(now, sizeof now, "%llu", (unsigned long long)hub_now_ms());
  snprintf(count, sizeof count, "%ld", count_arg(req, REPLAY_MAX, REPLAY_MAX));
  const char *argv[] = {queue, dlq, trace, now, count, id};
  op->number = id != NULL; /* 1: a single id, 404 if absent */
  if (store_script(hub, SCRIPT_DLQ_REPLAY, on_replayed, op, 2, id ? 6 : 5, argv, NULL) == 0)
    op->outstanding++;
  else
    admin_respond_error(req, 503, "redis is unavailable; nothing was replayed");
  op_unref(op);
}

/* ---- routing ---- */

void admin_dlq_route(hub_t *hub, admin_req_t *req, const char *name, const char *rest) {
  const char *method = admin_req_method(req);
  bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0,
       del = strcmp(method, "DELETE") == 0;
  if (dict_gets(hub->dsubs, name) == NULL) {
    admin_respond_error(req, 404, "no subscription named '%s'", name);
    return;
  }
  char dlq[KEY_MAX], id[48];
  store_key(hub, dlq, sizeof dlq, KEY_DLQ_FMT, name);
  if (rest[0] == '\0' || strcmp(rest, "/") == 0) {
    if (get)
      dlq_list(hub, req, name, dlq);
    else if (del)
      dlq_purge(hub, req, name, dlq, NULL);
    else
      admin_respond_error(req, 405, "%s is not allowed here", method);
    return;
  }
  if (strcmp(rest, "/replay") == 0) {
    if (post)
      dlq_replay(hub, req, name, NULL);
    else
      admin_respond_error(req, 405, "replay needs POST");
    return;
  }
  size_t len = strcspn(rest + 1, "/");
  snprintf(id, sizeof id, "%.*s", (int)(len < sizeof id ? len : sizeof id - 1), rest + 1);
  const char *after = rest + 1 + len;
  if (!valid_stream_id(id)) {
    admin_respond_error(req, 404, "'%s' is not a dead-letter id (<ms>-<seq>)", id);
  } else if (after[0] == '\0' && get) {
    op_t *op = op_new(req, name);
    const char *argv[] = {"XRANGE", dlq, id, id};
    if (op != NULL) {
      op_send(hub, op, on_show, 4, argv);
      op_unref(op);
    }
  } else if (after[0] == '\0' && del) {
    dlq_purge(hub, req, name, dlq, id);
  } else if (strcmp(after, "/replay") == 0 && post) {
    dlq_replay(hub, req, name, id);
  } else {
    admin_respond_error(req, after[0] ? 404 : 405, "%s %s is not served", method,
                        admin_req_path(req));
  }
}

/* ---- every subscription's dead letters ---- */

static int cmp_newest_first(const void *a, const void *b) {
  const char *x = json_string_value(json_object_get(*(json_t *const *)a, "id"));
  const char *y = json_string_value(json_object_get(*(json_t *const *)b, "id"));
  stream_id_t sx = {0}, sy = {0};
  stream_id_parse(x ? x : "0-0", &sx);
  stream_id_parse(y ? y : "0-0", &sy);
  if (sx.ms != sy.ms)
    return sx.ms < sy.ms ? 1 : -1;
  return sx.seq < sy.seq ? 1 : sx.seq > sy.seq ? -1 : 0;
}

static void answer_all(op_t *op) {
  size_t n = json_array_size(op->items);
  json_t **items = calloc(n ? n : 1, sizeof *items);
  json_t *sorted = json_array();
  for (size_t i = 0; items && i < n; i++)
    items[i] = json_array_get(op->items, i);
  if (items)
    qsort(items, n, sizeof *items, cmp_newest_first);
  for (size_t i = 0; items && sorted && i < n && i < (size_t)op->number; i++)
    json_array_append(sorted, items[i]);
  free(items);
  admin_respond_json(op->req, 200,
                     json_pack("{s:o}", "dead_letters", sorted ? sorted : json_array()));
}

/* Reply for one subscription; arg carries the op and the name. */
typedef struct all_part {
  op_t *op;
  char name[NAME_MAX_LEN + 1];
} all_part_t;

static void on_all_part(hub_t *hub, redisReply *reply, void *arg) {
  all_part_t *part = arg;
  op_t *op = part->op;
  json_t *list = entries_json(reply, part->name);
  json_array_extend(op->items, list);
  json_decref(list);
  free(part);
  if (op->outstanding == 1) /* the last reply: answer before dropping it */
    answer_all(op);
  op_unref(op);
}

typedef struct all_walk {
  hub_t *hub;
  op_t *op;
  const char *count;
} all_walk_t;

/* Asks for one subscription's newest dead letters. */
static void ask_part(void *value, void *arg) {
  const dsub_t *sub = value;
  all_walk_t *w = arg;
  all_part_t *part = calloc(1, sizeof *part);
  if (part == NULL)
    return;
  char dlq[KEY_MAX];
  store_key(w->hub, dlq, sizeof dlq, KEY_DLQ_FMT, sub->name);
  const char *argv[] = {"XREVRANGE", dlq, "+", "-", "COUNT", w->count};
  part->op = w->op;
  snprintf(part->name, sizeof part->name, "%s", sub->name);
  if (store_command(w->hub, on_all_part, part, 6, argv, NULL) == 0)
    w->op->outstanding++;
  else
    free(part);
}

void admin_dlq_all(hub_t *hub, admin_req_t *req) {
  op_t *op = op_new(req, NULL);
  if (op == NULL)
    return;
  long count = count_arg(req, LIST_DEFAULT, LIST_MAX);
  char count_text[24];
  snprintf(count_text, sizeof count_text, "%ld", count);
  op->number = count;
  op->items = json_array();
  all_walk_t w = {hub, op, count_text};
  dict_each(hub->dsubs, ask_part, &w);
  if (op->outstanding == 1) /* no subscriptions, or Redis is down */
    store_ready(hub) ? answer_all(op) : admin_respond_error(req, 503, "redis is unavailable");
  op_unref(op);
}

/* ---- trace ---- */

static json_t *trace_queue_json(const redisReply *q) {
  if (q->type != REDIS_REPLY_ARRAY || q->elements != 7)
    return json_null();
  return json_pack("{s:s,s:s,s:s,s:I,s:s,s:I,s:o}", "subscription", q->element[0]->str, "entry_id",
                   q->element[1]->str, "state", q->element[2]->str, "deliveries",
                   (json_int_t)q->element[3]->integer, "consumer",
                   q->element[4]->str ? q->element[4]->str : "", "idle_ms",
                   (json_int_t)q->element[5]->integer, "dead_letter_reason",
                   json_masked(q->element[6]->str ? q->element[6]->str : ""));
}

static void on_trace(hub_t *hub, redisReply *reply, void *arg) {
  op_t *op = arg;
  if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
    admin_respond_error(op->req, 503, "redis did not answer the trace");
  } else if (reply->elements == 0) {
    admin_respond_error(op->req, 404,
                        "no trace of message '%s': unknown, or older than dedupe_ttl_ms", op->name);
  } else {
    const redisReply *h = reply->element[0];
    const redisReply *topic = reply_field(h, "topic"), *at = reply_field(h, "at"),
                     *unroutable = reply_field(h, "unroutable");
    json_t *queues = json_array();
    for (size_t i = 1; queues && i < reply->elements; i++)
      json_array_append_new(queues, trace_queue_json(reply->element[i]));
    admin_respond_json(op->req, 200,
                       json_pack("{s:o,s:o,s:I,s:o,s:o}", "message_id", json_masked(op->name),
                                 "topic", json_masked(topic ? topic->str : ""), "stored_at_ms",
                                 (json_int_t)(at ? strtoll(at->str, NULL, 10) : 0),
                                 "unroutable_entry",
                                 unroutable ? json_string(unroutable->str) : json_null(),
                                 "subscriptions", queues ? queues : json_array()));
  }
  op_unref(op);
}

void admin_trace(hub_t *hub, admin_req_t *req, const char *message_id) {
  size_t len = strlen(message_id);
  bool printable = len > 0 && len <= 64;
  for (const char *p = message_id; printable && *p; p++)
    printable = *p > 0x20 && *p < 0x7f;
  if (!printable) {
    admin_respond_error(req, 400, "a message id is 1..64 printable ASCII characters");
    return;
  }
  char key[KEY_MAX], prefix[KEY_MAX], spec[KEY_MAX + 48];
  store_key(hub, key, sizeof key, KEY_DEDUPE_FMT, message_id);
  snprintf(prefix, sizeof prefix, "%s", hub->cfg.prefix);
  dedupe_spec(hub, hub_now_ms(), spec, sizeof spec);
  op_t *op = op_new(req, NULL);
  if (op == NULL)
    return;
  snprintf(op->name, sizeof op->name, "%s", message_id);
  const char *argv[] = {key, prefix, CONSUMER_GROUP, spec, message_id};
  if (store_script(hub, SCRIPT_TRACE, on_trace, op, 1, 5, argv, NULL) == 0)
    op->outstanding++;
  else
    admin_respond_error(req, 503, "redis is unavailable");
  op_unref(op);
}
