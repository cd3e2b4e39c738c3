/*
 * sh_client.h — non-blocking HTTP calls on libcurl's multi interface, driven
 * by sh_loop (inside a plugin: the host's watch_fd) and sh_client_tick()
 * (the plugin's on_tick), so a slow endpoint never blocks the plugin thread.
 *
 *   sh_call_t call = {.method = "PUT", .url = url, .body = json, .len = n,
 *                     .headers = hdrs, .n_headers = 2, .timeout_ms = 5000};
 *   sh_client_send(client, &call, on_done, job);
 *   static void on_done(void *job, const sh_response_t *r) {
 *     if (r->status >= 200 && r->status < 300) ... else retry later ...
 *   }
 */
#ifndef STAFET_SH_CLIENT_H
#define STAFET_SH_CLIENT_H

#include "sh_loop.h"

#include <stddef.h>

typedef struct sh_client sh_client_t;

typedef struct sh_call {
  const char *method; /* "GET", "POST", "PUT", ... */
  const char *url;
  const char *const *headers; /* "Name: value" lines */
  size_t n_headers;
  const char *body; /* copied; may be NULL */
  size_t len;
  long timeout_ms; /* whole call; 0: 10000 */
} sh_call_t;

/* The outcome of a call. status: the HTTP status, 0 when there was none (then
 * error says why: connection refused, time-out...). Valid during the callback. */
typedef struct sh_response {
  long status;
  const char *error; /* "" when the exchange completed */
  const char *body;  /* NUL-terminated */
  size_t body_len;
} sh_response_t;

typedef void (*sh_done_fn)(void *arg, const sh_response_t *r);

/* Creates a client on loop. *out is owned by the caller (sh_client_destroy).
 * Returns 0, STAFET_ENOMEM or STAFET_EIO (curl could not start). */
int sh_client_new(sh_client_t **out, sh_loop_t *loop);
/* Cancels every call in flight (their callbacks are not called) and frees. */
void sh_client_destroy(sh_client_t *c);
/* Starts a call; fn(arg, response) runs exactly once, from a later
 * sh_loop_dispatch / sh_client_tick (never from inside this call).
 * Returns 0, STAFET_EINVAL or STAFET_ENOMEM (then fn is not called). */
int sh_client_send(sh_client_t *c, const sh_call_t *call, sh_done_fn fn, void *arg);
/* Runs curl's due timers and finishes completed calls; call every tick. */
void sh_client_tick(sh_client_t *c);
/* Calls in flight. */
size_t sh_client_active(const sh_client_t *c);
/* Milliseconds until curl wants sh_client_tick() (-1: no timer). */
long sh_client_timeout_ms(const sh_client_t *c);

#endif
