/*
 * sh_loop.c — fd table for the HTTP plumbing of the plugins and simulators
 * (see sh_loop.h): forwards watches to the host, or polls them itself.
 */
#include "sh_loop.h"

#include "stafet.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

void sh_loop_init(sh_loop_t *l, sh_watch_fn watch, void *watch_arg) {
  memset(l, 0, sizeof *l);
  l->watch = watch;
  l->watch_arg = watch_arg;
}

void sh_loop_free(sh_loop_t *l) {
  for (size_t i = 0; l->watch != NULL && i < l->n; i++)
    l->watch(l->watch_arg, l->entries[i].fd, 0);
  free(l->entries);
  memset(l, 0, sizeof *l);
}

static sh_loop_entry_t *find(sh_loop_t *l, int fd) {
  for (size_t i = 0; i < l->n; i++)
    if (l->entries[i].fd == fd)
      return &l->entries[i];
  return NULL;
}

static int add(sh_loop_t *l, int fd, int events, sh_fd_fn fn, void *arg) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    sh_loop_entry_t *e = realloc(l->entries, cap * sizeof *e);
    if (e == NULL)
      return STAFET_ENOMEM;
    l->entries = e;
    l->cap = cap;
  }
  l->entries[l->n++] = (sh_loop_entry_t){.fd = fd, .events = events, .fn = fn, .arg = arg};
  return 0;
}

int sh_loop_watch(sh_loop_t *l, int fd, int events, sh_fd_fn fn, void *arg) {
  sh_loop_entry_t *e = find(l, fd);
  int rc = 0;
  if (events == 0) {
    if (e != NULL)
      *e = l->entries[--l->n];
  } else if (e != NULL) {
    e->events = events;
    e->fn = fn;
    e->arg = arg;
  } else {
    rc = add(l, fd, events, fn, arg);
  }
  if (rc == 0 && l->watch != NULL)
    rc = l->watch(l->watch_arg, fd, events);
  return rc;
}

void sh_loop_dispatch(sh_loop_t *l, int fd, int events) {
  sh_loop_entry_t *e = find(l, fd);
  if (e != NULL && e->fn != NULL)
    e->fn(e->arg, fd, events);
}

int sh_loop_poll(sh_loop_t *l, int timeout_ms) {
  size_t n = l->n;
  struct pollfd *p = calloc(n ? n : 1, sizeof *p);
  if (p == NULL)
    return STAFET_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    p[i].fd = l->entries[i].fd;
    p[i].events = (short)(((l->entries[i].events & SH_FD_READ) ? POLLIN : 0) |
                          ((l->entries[i].events & SH_FD_WRITE) ? POLLOUT : 0));
  }
  int ready = poll(p, n, timeout_ms);
  /* Handlers may change the table: dispatch by fd against the live table. */
  for (size_t i = 0; ready > 0 && i < n; i++) {
    int ev = ((p[i].revents & (POLLIN | POLLHUP | POLLERR)) ? SH_FD_READ : 0) |
             ((p[i].revents & POLLOUT) ? SH_FD_WRITE : 0);
    if (ev != 0)
      sh_loop_dispatch(l, p[i].fd, ev);
  }
  free(p);
  return ready < 0 ? STAFET_EIO : ready;
}
