/*
 * sh_server.h — a small HTTP server on libmicrohttpd for the plugins and the
 * simulators, run without any MHD thread: MHD's epoll fd is watched through
 * sh_loop (so inside a plugin, through the host's watch_fd) and MHD_run() is
 * called on readiness and from sh_server_run() (the plugin's on_tick).
 *
 * The handler sees a request once its whole body has arrived. It answers at
 * once with sh_request_reply*() or later: a request not answered when the
 * handler returns is suspended (the connection waits, the thread does not)
 * and resumed by the sh_request_reply*() call that answers it, from any
 * later callback on the same thread (a reply from the hub, a tick).
 *
 *   static void handle(void *arg, sh_request_t *req) {
 *     if (strcmp(sh_request_method(req), "GET") == 0)
 *       sh_request_reply_error(req, 405, "METHOD_NOT_ALLOWED", "use POST");
 *     ...
 *   }
 *   sh_server_options_t o = {.address = "127.0.0.1", .port = 0, .handler = handle};
 *   sh_server_start(&srv, &loop, &o);  printf("%u\n", sh_server_port(srv));
 */
#ifndef STAFET_SH_SERVER_H
#define STAFET_SH_SERVER_H

#include "sh_loop.h"

#include <jansson.h>
#include <stddef.h>

typedef struct sh_server sh_server_t;
typedef struct sh_request sh_request_t;

typedef void (*sh_handler_fn)(void *arg, sh_request_t *req);

typedef struct sh_server_options {
  const char *address; /* IPv4 address to bind; NULL: 127.0.0.1 */
  unsigned port;       /* 0: any free port (see sh_server_port) */
  size_t max_body;     /* 0: 1 MiB; a longer body is cut there (sh_request_too_large) */
  unsigned timeout_s;  /* idle connection time-out; 0: 30 */
  sh_handler_fn handler;
  void *arg;
} sh_server_options_t;

/* Binds and listens. On success *out is owned by the caller (sh_server_stop).
 * Returns 0, STAFET_EINVAL (bad address) or STAFET_EIO (cannot bind). */
int sh_server_start(sh_server_t **out, sh_loop_t *loop, const sh_server_options_t *o);
/* Answers every request still waiting with 503, stops and frees. NULL ok. */
void sh_server_stop(sh_server_t *s);
/* The port actually bound. */
unsigned sh_server_port(const sh_server_t *s);
/* Lets MHD do due work (time-outs, resumed connections); call every tick. */
void sh_server_run(sh_server_t *s);

/* Request accessors: valid until the request is answered. */
const char *sh_request_method(const sh_request_t *r);
const char *sh_request_path(const sh_request_t *r);
const char *sh_request_body(const sh_request_t *r, size_t *len); /* NUL-terminated */
int sh_request_too_large(const sh_request_t *r);
/* A request header (case-insensitive name) or NULL. */
const char *sh_request_header(const sh_request_t *r, const char *name);

/* A query-string argument (?key=value) or NULL. */
const char *sh_request_query(const sh_request_t *r, const char *key);

/* Answers the request (body copied). After this the request is gone. Returns
 * 0, STAFET_EEXIST (answered already) or STAFET_ENOMEM. */
int sh_request_reply(sh_request_t *r, unsigned status, const char *content_type, const char *body,
                     size_t len);
/* Answers with a JSON document (taken over and freed: the caller's reference
 * is stolen). */
int sh_request_reply_json(sh_request_t *r, unsigned status, json_t *doc);
/* Answers {"code": code, "message": message}. */
int sh_request_reply_error(sh_request_t *r, unsigned status, const char *code, const char *message);

#endif
