/*
 * sh_host.h — the glue between the host's plugin ABI (stafet_adapter.h) and
 * the HTTP plumbing: settings with defaults, the listen address, the port
 * file tests read when the port is 0, and forwarding sh_loop watches to
 * api->watch_fd.
 *
 *   typedef struct { sh_hostref_t ref; sh_loop_t loop; ... } my_state_t;
 *   static void on_fd(void *state, int fd, int ev) {
 *     sh_loop_dispatch(&((my_state_t *)state)->loop, fd, ev);
 *   }
 *   s->ref = (sh_hostref_t){api, host, on_fd};
 *   sh_loop_init(&s->loop, sh_host_watch, &s->ref);
 */
#ifndef STAFET_SH_HOST_H
#define STAFET_SH_HOST_H

#include "stafet_adapter.h"

typedef struct sh_hostref {
  const stafet_host_api_t *api;
  stafet_host_t *host;
  stafet_host_fd_fn on_fd; /* the plugin's fd callback, which calls sh_loop_dispatch */
} sh_hostref_t;

/* sh_watch_fn for sh_loop_init: arg is an sh_hostref_t. */
int sh_host_watch(void *arg, int fd, int events);

/* A setting, or def when absent or empty. */
const char *sh_cfg_str(const sh_hostref_t *r, const char *key, const char *def);
/* An unsigned setting (decimal), def when absent. STAFET_EINVAL when not a number. */
int sh_cfg_uint(const sh_hostref_t *r, const char *key, unsigned def, unsigned *out);

/* Splits "ADDR:PORT", ":PORT" or "PORT" (ADDR defaults to 127.0.0.1).
 * addr must hold 64 bytes. Returns 0 or STAFET_EINVAL. */
int sh_listen_parse(const char *listen, char addr[64], unsigned *port);
/* Writes the port, a newline, to path atomically. Returns 0 or STAFET_EIO. */
int sh_port_file_write(const char *path, unsigned port);

/* The name of a STAFET_E* code ("EFULL", "ECLOSED"...). Plugins do not link
 * libstafet (it is the host's), so they cannot call stafet_strerror(). */
const char *sh_errname(int code);

/* A random id "<prefix>-<32 hex>" (getrandom) for messages that have no
 * stable id of their own; out must hold 65 bytes, prefix at most 16. */
void sh_random_id(const char *prefix, char out[65]);

/* Wall-clock Unix milliseconds, and a monotonic clock for time-outs. */
long long sh_wall_ms(void);
long long sh_mono_ms(void);

#endif
