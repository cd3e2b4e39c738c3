/*
 * sh_client.c — libcurl multi with the socket interface (see sh_client.h):
 * curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to
 * call it back (CURLMOPT_TIMERFUNCTION); we never call curl from inside its
 * own callbacks, and completed transfers are finished after
 * curl_multi_socket_action() has returned.
 */
#include "sh_client.h"

#include "stafet.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct transfer {
  CURL *easy;
  struct curl_slist *headers;
  char *request_body;
  char *body;
  size_t len, cap;
  char error[CURL_ERROR_SIZE];
  sh_done_fn fn;
  void *arg;
  struct transfer *next;
} transfer_t;

struct sh_client {
  CURLM *multi;
  sh_loop_t *loop;
  long long timer_at_ms; /* -1: no timer */
  size_t active;
  transfer_t *transfers;
};

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void transfer_free(sh_client_t *c, transfer_t *t) {
  for (transfer_t **p = &c->transfers; *p != NULL; p = &(*p)->next)
    if (*p == t) {
      *p = t->next;
      break;
    }
  curl_multi_remove_handle(c->multi, t->easy);
  curl_easy_cleanup(t->easy);
  curl_slist_free_all(t->headers);
  free(t->request_body);
  free(t->body);
  free(t);
  c->active--;
}

static void finish_done(sh_client_t *c) {
  CURLMsg *m;
  int left;
  while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
    if (m->msg != CURLMSG_DONE)
      continue;
    transfer_t *t = NULL;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
    long status = 0;
    if (m->data.result == CURLE_OK)
      curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    else if (t->error[0] == '\0')
      snprintf(t->error, sizeof t->error, "%s", curl_easy_strerror(m->data.result));
    char error[CURL_ERROR_SIZE]; /* t is freed before fn runs: keep a copy */
    snprintf(error, sizeof error, "%s", m->data.result == CURLE_OK ? "" : t->error);
    sh_response_t r = {.status = status,
                       .error = error,
                       .body = t->body ? t->body : "",
                       .body_len = t->len};
    sh_done_fn fn = t->fn;
    void *arg = t->arg;
    /* Free first, so that fn may start a new call (or destroy nothing of ours). */
    char *keep = t->body;
    t->body = NULL;
    transfer_free(c, t);
    fn(arg, &r);
    free(keep);
  }
}

static void action(sh_client_t *c, curl_socket_t fd, int ev_bitmask) {
  int running = 0;
  curl_multi_socket_action(c->multi, fd, ev_bitmask, &running);
  finish_done(c);
}

static void on_ready(void *arg, int fd, int events) {
  int mask = ((events & SH_FD_READ) ? CURL_CSELECT_IN : 0) |
             ((events & SH_FD_WRITE) ? CURL_CSELECT_OUT : 0);
  action(arg, fd, mask);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
  sh_client_t *c = userp;
  int events = 0;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
    events |= SH_FD_READ;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
    events |= SH_FD_WRITE;
  sh_loop_watch(c->loop, fd, events, on_ready, c);
  return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp) {
  sh_client_t *c = userp;
  c->timer_at_ms = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
  return 0;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *userp) {
  transfer_t *t = userp;
  size_t n = size * nmemb;
  if (t->len + n + 1 > t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 1024;
    while (cap < t->len + n + 1)
      cap *= 2;
    char *b = realloc(t->body, cap);
    if (b == NULL)
      return 0;
    t->body = b;
    t->cap = cap;
  }
  memcpy(t->body + t->len, data, n);
  t->len += n;
  t->body[t->len] = '\0';
  return n;
}

int sh_client_new(sh_client_t **out, sh_loop_t *loop) {
  sh_client_t *c = calloc(1, sizeof *c);
  if (c == NULL)
    return STAFET_ENOMEM;
  c->multi = curl_multi_init();
  if (c->multi == NULL) {
    free(c);
    return STAFET_EIO;
  }
  c->loop = loop;
  c->timer_at_ms = -1;
  curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
  curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timer);
  curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
  *out = c;
  return 0;
}

void sh_client_destroy(sh_client_t *c) {
  if (c == NULL)
    return;
  while (c->transfers != NULL)
    transfer_free(c, c->transfers);
  curl_multi_cleanup(c->multi);
  free(c);
}

static int transfer_setup(transfer_t *t, const sh_call_t *call) {
  for (size_t i = 0; i < call->n_headers; i++) {
    struct curl_slist *h = curl_slist_append(t->headers, call->headers[i]);
    if (h == NULL)
      return STAFET_ENOMEM;
    t->headers = h;
  }
  if (call->body != NULL) {
    t->request_body = malloc(call->len + 1);
    if (t->request_body == NULL)
      return STAFET_ENOMEM;
    memcpy(t->request_body, call->body, call->len);
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->request_body);
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->len);
  }
  curl_easy_setopt(t->easy, CURLOPT_URL, call->url);
  curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, call->method ? call->method : "GET");
  curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
  curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, call->timeout_ms ? call->timeout_ms : 10000L);
  curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
  curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
  return 0;
}

int sh_client_send(sh_client_t *c, const sh_call_t *call, sh_done_fn fn, void *arg) {
  if (call->url == NULL || fn == NULL)
    return STAFET_EINVAL;
  transfer_t *t = calloc(1, sizeof *t);
  if (t == NULL)
    return STAFET_ENOMEM;
  t->easy = curl_easy_init();
  t->fn = fn;
  t->arg = arg;
  int rc = t->easy != NULL ? transfer_setup(t, call) : STAFET_ENOMEM;
  if (rc == 0 && curl_multi_add_handle(c->multi, t->easy) != CURLM_OK)
    rc = STAFET_EIO;
  if (rc != 0) {
    if (t->easy != NULL)
      curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    free(t->request_body);
    free(t);
    return rc;
  }
  t->next = c->transfers;
  c->transfers = t;
  c->active++;
  /* Start connecting now rather than at the next tick; completions are left
   * queued for the next dispatch or tick, so fn never runs inside this call. */
  int running = 0;
  curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  return 0;
}

void sh_client_tick(sh_client_t *c) {
  if (c == NULL)
    return;
  if (c->timer_at_ms >= 0 && now_ms() >= c->timer_at_ms) {
    c->timer_at_ms = -1;
    action(c, CURL_SOCKET_TIMEOUT, 0);
  } else {
    finish_done(c);
  }
}

size_t sh_client_active(const sh_client_t *c) {
  return c->active;
}

long sh_client_timeout_ms(const sh_client_t *c) {
  if (c->timer_at_ms < 0)
    return -1;
  long long left = c->timer_at_ms - now_ms();
  return left < 0 ? 0 : (long)left;
}
