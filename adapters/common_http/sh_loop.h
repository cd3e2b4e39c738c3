/*
 * sh_loop.h — the fd table the HTTP server and client of the three HTTP
 * adapters (case, contact, webhook) register their sockets in.
 *
 * Inside a plugin the host owns the event loop: sh_loop forwards every
 * watch to api->watch_fd (through the watch function given at init) and the
 * plugin's one fd callback hands readiness back with sh_loop_dispatch(). In
 * the simulators and unit tests there is no host: sh_loop_poll() runs poll(2)
 * over the same table. Either way everything happens on the caller's thread.
 *
 *   sh_loop_t loop;
 *   sh_loop_init(&loop, NULL, NULL);          // own poll loop
 *   sh_server_start(&srv, &loop, &opts);
 *   while (running) { sh_loop_poll(&loop, 100); sh_server_run(srv); }
 */
#ifndef STAFET_SH_LOOP_H
#define STAFET_SH_LOOP_H

#include <stddef.h>

/* Readiness bits; equal to STAFET_FD_READ / STAFET_FD_WRITE of the plugin ABI. */
enum { SH_FD_READ = 1, SH_FD_WRITE = 2 };

/* Called when fd is ready (events: SH_FD_READ | SH_FD_WRITE). */
typedef void (*sh_fd_fn)(void *arg, int fd, int events);
/* Forwards a watch to an outside loop (the host); events 0 stops watching. */
typedef int (*sh_watch_fn)(void *watch_arg, int fd, int events);

typedef struct sh_loop_entry {
  int fd;
  int events;
  sh_fd_fn fn;
  void *arg;
} sh_loop_entry_t;

typedef struct sh_loop {
  sh_watch_fn watch; /* NULL: sh_loop_poll() drives the table */
  void *watch_arg;
  sh_loop_entry_t *entries; /* owned */
  size_t n, cap;
} sh_loop_t;

/* Initialises an empty table; watch may be NULL (own poll loop). */
void sh_loop_init(sh_loop_t *l, sh_watch_fn watch, void *watch_arg);
/* Stops watching every fd still registered and frees the table. */
void sh_loop_free(sh_loop_t *l);
/* Watches fd for events (replacing an earlier watch of it); events 0 removes
 * it. Returns 0, STAFET_ENOMEM or the outside loop's error. */
int sh_loop_watch(sh_loop_t *l, int fd, int events, sh_fd_fn fn, void *arg);
/* Calls the handler of fd, if fd is still watched. */
void sh_loop_dispatch(sh_loop_t *l, int fd, int events);
/* poll(2) over the table up to timeout_ms and dispatches what is ready.
 * Returns the number of ready fds or a negative STAFET_E* code. */
int sh_loop_poll(sh_loop_t *l, int timeout_ms);

#endif
