/*
 * loop.c — the engine: stafet_client_poll() and the calls built on it that
 * wait for a condition (connect, flush, and the waits of subscribe and
 * unsubscribe through sdk_wait()).
 *
 * One poll: run the timers (sdk_session_tick: connect, Hello, re-sends,
 * heartbeats, dead-hub check), handle everything already received, and if
 * nothing was, sleep in zmq_poll() until a message arrives, the next timer
 * is due or the caller's timeout ends; then go round again.
 */
#include "internal.h"

#include <errno.h>
#include <poll.h>
#include <zmq.h>

/*
 * Waits up to wait_ms (-1: no limit) for the socket. 0, 1 when a signal
 * interrupted the wait (so the caller's loop can look at its flags), or
 * STAFET_EIO.
 */
static int wait_io(stafet_client_t *c, int wait_ms) {
  int rc;
  if (!c->sock) {
    rc = poll(NULL, 0, wait_ms); /* no socket while waiting to reconnect: just sleep */
  } else {
    zmq_pollitem_t item = {.socket = c->sock, .events = ZMQ_POLLIN};
    if (sdk_session_wants_write(c))
      item.events |= ZMQ_POLLOUT;
    rc = zmq_poll(&item, 1, wait_ms);
  }
  if (rc < 0)
    return errno == EINTR ? 1 : STAFET_EIO;
  return 0;
}

static int min_wait(int a, int b) {
  if (a < 0)
    return b;
  if (b < 0)
    return a;
  return a < b ? a : b;
}

int stafet_client_poll(stafet_client_t *c, int timeout_ms) {
  if (!c)
    return STAFET_EINVAL;
  int64_t deadline = timeout_ms < 0 ? -1 : sdk_now_ms() + timeout_ms;
  int handled = 0;
  for (;;) {
    int rc = sdk_session_tick(c);
    if (rc < 0)
      return rc;
    handled += sdk_dispatch_all(c);
    int64_t now = sdk_now_ms();
    if (handled > 0 || (deadline >= 0 && now >= deadline))
      return handled;
    int left = deadline < 0 ? -1 : (int)(deadline - now);
    if ((rc = wait_io(c, min_wait(left, sdk_session_next_timer(c, now)))) != 0)
      return rc < 0 ? rc : handled;
  }
}

int sdk_wait(stafet_client_t *c, sdk_cond_fn cond, void *arg, int timeout_ms) {
  int64_t deadline = timeout_ms < 0 ? -1 : sdk_now_ms() + timeout_ms;
  for (;;) {
    int rc = cond(c, arg);
    if (rc != 0)
      return rc < 0 ? rc : 0;
    int left = deadline < 0 ? -1 : (int)(deadline - sdk_now_ms());
    if (deadline >= 0 && left <= 0)
      return STAFET_ETIMEDOUT;
    if ((rc = stafet_client_poll(c, left)) < 0)
      return rc;
  }
}

static int is_up(stafet_client_t *c, void *arg) {
  (void)arg;
  if (c->state == SDK_UP)
    return 1;
  return c->hello_error; /* 0, or why the hub refused our Hello */
}

int stafet_client_connect(stafet_client_t *c, int timeout_ms) {
  if (!c)
    return STAFET_EINVAL;
  c->hello_error = 0;
  if (c->state == SDK_DOWN)
    c->reconnect_at = sdk_now_ms(); /* asked to connect: no back-off now */
  return sdk_wait(c, is_up, NULL, timeout_ms);
}

static int outbox_empty(stafet_client_t *c, void *arg) {
  (void)arg;
  return c->outbox.count == 0;
}

int stafet_client_flush(stafet_client_t *c, int timeout_ms) {
  if (!c)
    return STAFET_EINVAL;
  return sdk_wait(c, outbox_empty, NULL, timeout_ms);
}
