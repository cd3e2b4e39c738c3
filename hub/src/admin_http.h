/*
 * admin_http.h — the hub's admin HTTP server (libmicrohttpd on the hub's
 * libuv loop) and what its request handlers need.
 *
 * admin_http.c owns the server: it runs MHD without threads of its own (MHD's
 * epoll fd is watched by a uv_poll_t, MHD's time-outs by a uv_timer_t), so
 * every handler runs on the loop thread and may read hub state freely.
 * admin_api.c routes requests to handlers (admin_dlq.c: dead letters and
 * traces); admin_json.c turns Redis replies and envelopes into JSON, with CPR
 * numbers masked.
 *
 * A handler answers at once with admin_respond*(), or starts Redis commands
 * and answers from their callbacks: the connection is then suspended until the
 * answer is there. An async handler holds a reference on the request
 * (admin_req_hold) and drops it in the callback (admin_req_release); if the
 * client went away meanwhile, admin_respond*() does nothing.
 *
 *   static void on_reply(hub_t *hub, redisReply *r, void *arg) {
 *     admin_req_t *req = arg;
 *     admin_respond_json(req, 200, json_integer(r->integer));
 *     admin_req_release(req);
 *   }
 *   admin_req_hold(req);
 *   if (store_command(hub, on_reply, req, 2, argv, NULL) != 0) {
 *     admin_req_release(req);
 *     admin_respond_error(req, 503, "redis is unavailable");
 *   }
 */
#ifndef STAFET_ADMIN_HTTP_H
#define STAFET_ADMIN_HTTP_H

#include "hub.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct admin_req admin_req_t;

/* Starts the server on cfg.admin_bind (nothing if "" or "none") and logs the
 * address it listens on. 0, or STAFET_EINVAL (bad address) / STAFET_EIO
 * (cannot listen). */
int admin_start(hub_t *hub);
/* Answers suspended requests with 503 and stops the server. Safe to call twice. */
void admin_stop(hub_t *hub);
/* "host:port" the server listens on ("" when off). Borrowed. */
const char *admin_address(const hub_t *hub);

/* The request. Everything returned is borrowed from the request. */
const char *admin_req_method(const admin_req_t *req);
const char *admin_req_path(const admin_req_t *req);
/* A query argument (?count=10), or NULL. */
const char *admin_req_query(const admin_req_t *req, const char *key);
/* The request body (may be empty, never NULL); its length in *len. */
const char *admin_req_body(const admin_req_t *req, size_t *len);

void admin_req_hold(admin_req_t *req);
void admin_req_release(admin_req_t *req);

/* Answers. body (malloc'd) becomes the server's. Only the first answer counts. */
void admin_respond(admin_req_t *req, unsigned status, const char *content_type, char *body,
                   size_t len);
/* Steals the reference to json (may be NULL: answers 500). */
void admin_respond_json(admin_req_t *req, unsigned status, json_t *json);
/* {"error": "<text>"} with the given status. */
void admin_respond_error(admin_req_t *req, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- admin_api.c ---- */
/* Routes one request (every path but the static files). */
void admin_api_route(hub_t *hub, admin_req_t *req);
/* The periodic queue-figures refresh (stats_interval_ms). */
void admin_stats_tick(uv_timer_t *timer);

/* ---- admin_dlq.c ---- */
/* /api/subscriptions/NAME/dead-letters[/ID[/replay]] and .../replay; rest = what follows NAME. */
void admin_dlq_route(hub_t *hub, admin_req_t *req, const char *name, const char *rest);
/* GET /api/dead-letters: the newest dead letters of every subscription. */
void admin_dlq_all(hub_t *hub, admin_req_t *req);
/* GET /api/messages/ID: the message's trace. */
void admin_trace(hub_t *hub, admin_req_t *req, const char *message_id);

/* ---- admin_json.c ---- */
struct redisReply;
/* A JSON string of text with CPR numbers masked. */
json_t *json_masked(const char *text);
/* JSON of a serialized Envelope (masked strings), or null if it does not decode. */
json_t *json_envelope(const void *bytes, size_t len);
/* JSON of a stream entry [id, [field, value, ...]]: dead letters and queue
 * entries (envelope decoded, payload size and a masked printable preview). */
json_t *json_stream_entry(const struct redisReply *entry);

#endif
