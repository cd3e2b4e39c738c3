/*
 * sh_server.c — libmicrohttpd in external-epoll mode with suspend/resume,
 * driven by sh_loop (see sh_server.h). MHD never starts a thread here: every
 * MHD call happens on the thread that calls sh_loop_dispatch/sh_server_run,
 * so handlers may touch plugin state and call the host freely.
 */
#include "sh_server.h"

#include "stafet.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

struct sh_request {
  sh_server_t *server;
  struct MHD_Connection *conn;
  char method[16];
  char *path;
  char *body;
  size_t len, cap;
  int too_large;
  int handled;   /* handler called */
  int suspended; /* waiting for a later reply */
  int answered;  /* a reply was given */
  struct MHD_Response *response;
  unsigned status;
  sh_request_t *next_waiting, *prev_waiting; /* list of suspended requests */
};

struct sh_server {
  struct MHD_Daemon *daemon;
  sh_loop_t *loop;
  int epoll_fd;
  unsigned port;
  size_t max_body;
  sh_handler_fn handler;
  void *arg;
  int in_run;  /* inside MHD_run: a resume waits for the next pass */
  int resumed; /* a connection was resumed since the last MHD_run */
  sh_request_t *waiting;
};

static void run(sh_server_t *s) {
  if (s->in_run) {
    s->resumed = 1;
    return;
  }
  for (int pass = 0; pass < 8; pass++) {
    s->resumed = 0;
    s->in_run = 1;
    MHD_run(s->daemon);
    s->in_run = 0;
    if (!s->resumed)
      break;
  }
}

void sh_server_run(sh_server_t *s) {
  if (s != NULL)
    run(s);
}

static void on_ready(void *arg, int fd, int events) {
  run(arg);
}

static void unlink_waiting(sh_request_t *r) {
  if (!r->suspended)
    return;
  if (r->prev_waiting != NULL)
    r->prev_waiting->next_waiting = r->next_waiting;
  else
    r->server->waiting = r->next_waiting;
  if (r->next_waiting != NULL)
    r->next_waiting->prev_waiting = r->prev_waiting;
  r->suspended = 0;
}

static void suspend(sh_request_t *r) {
  MHD_suspend_connection(r->conn);
  r->suspended = 1;
  r->prev_waiting = NULL;
  r->next_waiting = r->server->waiting;
  if (r->next_waiting != NULL)
    r->next_waiting->prev_waiting = r;
  r->server->waiting = r;
}

static sh_request_t *request_new(sh_server_t *s, struct MHD_Connection *c, const char *url,
                                 const char *method) {
  sh_request_t *r = calloc(1, sizeof *r);
  if (r == NULL)
    return NULL;
  r->server = s;
  r->conn = c;
  snprintf(r->method, sizeof r->method, "%s", method);
  r->path = strdup(url);
  r->body = calloc(1, 1);
  if (r->path == NULL || r->body == NULL) {
    free(r->path);
    free(r->body);
    free(r);
    return NULL;
  }
  return r;
}

static void append_body(sh_request_t *r, const char *data, size_t n) {
  size_t room = r->server->max_body - r->len;
  if (n > room) {
    r->too_large = 1;
    n = room;
  }
  if (n == 0)
    return;
  if (r->len + n + 1 > r->cap) {
    size_t cap = r->cap ? r->cap : 1024;
    while (cap < r->len + n + 1)
      cap *= 2;
    char *b = realloc(r->body, cap);
    if (b == NULL) {
      r->too_large = 1;
      return;
    }
    r->body = b;
    r->cap = cap;
  }
  memcpy(r->body + r->len, data, n);
  r->len += n;
  r->body[r->len] = '\0';
}

static enum MHD_Result queue(sh_request_t *r) {
  enum MHD_Result ok = MHD_queue_response(r->conn, r->status, r->response);
  MHD_destroy_response(r->response);
  r->response = NULL;
  return ok;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *data,
                                 size_t *data_size, void **con_cls) {
  sh_server_t *s = cls;
  sh_request_t *r = *con_cls;
  if (r == NULL) {
    r = request_new(s, c, url, method);
    *con_cls = r;
    return r != NULL ? MHD_YES : MHD_NO;
  }
  if (*data_size > 0) {
    append_body(r, data, *data_size);
    *data_size = 0;
    return MHD_YES;
  }
  if (r->response != NULL)
    return queue(r);
  if (r->handled) /* resumed without an answer: cannot happen, but never hang */
    return MHD_NO;
  r->handled = 1;
  s->handler(s->arg, r);
  if (r->response != NULL)
    return queue(r);
  suspend(r);
  return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  sh_request_t *r = *con_cls;
  if (r == NULL)
    return;
  unlink_waiting(r);
  if (r->response != NULL)
    MHD_destroy_response(r->response);
  free(r->path);
  free(r->body);
  free(r);
  *con_cls = NULL;
}

static int parse_address(const char *address, unsigned port, struct sockaddr_in *sa) {
  memset(sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  sa->sin_port = htons((uint16_t)port);
  return inet_pton(AF_INET, address ? address : "127.0.0.1", &sa->sin_addr) == 1 ? 0
                                                                                 : STAFET_EINVAL;
}

static int daemon_start(sh_server_t *s, const sh_server_options_t *o) {
  struct sockaddr_in sa;
  if (o->port > 65535 || parse_address(o->address, o->port, &sa) != 0)
    return STAFET_EINVAL;
  s->daemon = MHD_start_daemon(
      MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, (uint16_t)o->port, NULL, NULL, on_access, s,
      MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(o->timeout_s ? o->timeout_s : 30),
      MHD_OPTION_CONNECTION_LIMIT, (unsigned)256, MHD_OPTION_END);
  if (s->daemon == NULL)
    return STAFET_EIO;
  const union MHD_DaemonInfo *port = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
  const union MHD_DaemonInfo *efd = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_EPOLL_FD);
  if (port == NULL || efd == NULL)
    return STAFET_EIO;
  s->port = port->port;
  s->epoll_fd = efd->epoll_fd;
  return 0;
}

int sh_server_start(sh_server_t **out, sh_loop_t *loop, const sh_server_options_t *o) {
  if (o->handler == NULL)
    return STAFET_EINVAL;
  sh_server_t *s = calloc(1, sizeof *s);
  if (s == NULL)
    return STAFET_ENOMEM;
  s->loop = loop;
  s->max_body = o->max_body ? o->max_body : 1u << 20;
  s->handler = o->handler;
  s->arg = o->arg;
  int rc = daemon_start(s, o);
  if (rc == 0)
    rc = sh_loop_watch(loop, s->epoll_fd, SH_FD_READ, on_ready, s);
  if (rc != 0) {
    if (s->daemon != NULL)
      MHD_stop_daemon(s->daemon);
    free(s);
    return rc;
  }
  *out = s;
  return 0;
}

void sh_server_stop(sh_server_t *s) {
  if (s == NULL)
    return;
  while (s->waiting != NULL)
    sh_request_reply_error(s->waiting, 503, "SHUTTING_DOWN", "the adapter is stopping");
  run(s);
  sh_loop_watch(s->loop, s->epoll_fd, 0, NULL, NULL);
  MHD_stop_daemon(s->daemon);
  free(s);
}

unsigned sh_server_port(const sh_server_t *s) {
  return s->port;
}

const char *sh_request_method(const sh_request_t *r) {
  return r->method;
}

const char *sh_request_path(const sh_request_t *r) {
  return r->path;
}

const char *sh_request_body(const sh_request_t *r, size_t *len) {
  if (len != NULL)
    *len = r->len;
  return r->body;
}

int sh_request_too_large(const sh_request_t *r) {
  return r->too_large;
}

const char *sh_request_header(const sh_request_t *r, const char *name) {
  return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *sh_request_query(const sh_request_t *r, const char *key) {
  return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

int sh_request_reply(sh_request_t *r, unsigned status, const char *content_type, const char *body,
                     size_t len) {
  if (r->answered)
    return STAFET_EEXIST;
  r->response = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
  if (r->response == NULL)
    return STAFET_ENOMEM;
  if (content_type != NULL)
    MHD_add_response_header(r->response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  r->status = status;
  r->answered = 1;
  if (r->suspended) {
    sh_server_t *s = r->server;
    unlink_waiting(r);
    MHD_resume_connection(r->conn);
    run(s);
  }
  return 0;
}

int sh_request_reply_json(sh_request_t *r, unsigned status, json_t *doc) {
  char *text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
  json_decref(doc);
  if (text == NULL)
    return sh_request_reply(r, 500, "application/json",
                            "{\"code\":\"INTERNAL\",\"message\":\"out of memory\"}", 44);
  int rc = sh_request_reply(r, status, "application/json", text, strlen(text));
  free(text);
  return rc;
}

int sh_request_reply_error(sh_request_t *r, unsigned status, const char *code,
                           const char *message) {
  return sh_request_reply_json(r, status,
                               json_pack("{s:s, s:s}", "code", code, "message", message));
}
