/*
 * admin_http.c — libmicrohttpd driven from the hub's libuv loop.
 *
 * MHD runs with MHD_USE_EPOLL and no thread of its own: its epoll fd (from
 * MHD_get_daemon_info) is watched by a uv_poll_t, and a uv_timer_t fires at
 * MHD_get_timeout(); both call MHD_run(), which never blocks. So handlers run
 * on the loop thread, like everything else in the hub, and need no locks.
 *
 * Requests that need Redis suspend their connection (MHD_suspend_connection)
 * until the answer is there; admin_respond() resumes it and schedules an
 * MHD_run. Requests are reference counted: MHD holds one until its
 * "completed" notice, each outstanding Redis callback holds one.
 *
 * Static files of the dashboard are served from www_dir: flat names only
 * ([A-Za-z0-9_.-], no leading dot), so no path can leave the directory.
 */
#include "admin_http.h"

#include "stafet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#define BODY_MAX  (64 * 1024)
#define FILE_MAX  (4 * 1024 * 1024)
#define PATH_MAX_ 1024

typedef struct admin {
  hub_t *hub;
  struct MHD_Daemon *daemon;
  uv_poll_t poll;
  uv_timer_t timer, stats_timer;
  admin_req_t *suspended; /* doubly linked */
  char address[128];
  char token[129]; /* changes need "Authorization: Bearer <token>" */
  bool stopped;
} admin_t;

struct admin_req {
  admin_t *admin;
  struct MHD_Connection *conn; /* NULL once MHD is done with it */
  int refs;
  char method[16];
  char path[PATH_MAX_];
  char *body;
  size_t body_len;
  bool body_too_big, started, suspended, answered;
  unsigned status;
  const char *content_type;
  char *answer;
  size_t answer_len;
  admin_req_t *prev, *next;
};

/* ---- the loop side ---- */

static void admin_run(admin_t *a);

static void on_timer(uv_timer_t *t) {
  admin_run(t->data);
}

static void on_poll(uv_poll_t *p, int status, int events) {
  admin_run(p->data);
}

/* Runs MHD once and arms the timer for its next time-out. */
static void admin_run(admin_t *a) {
  if (a->daemon == NULL)
    return;
  MHD_run(a->daemon);
  MHD_UNSIGNED_LONG_LONG timeout = 0;
  uint64_t wait_ms = 1000;
  if (MHD_get_timeout(a->daemon, &timeout) == MHD_YES)
    wait_ms = timeout < 1000 ? (uint64_t)timeout : 1000;
  uv_timer_start(&a->timer, on_timer, wait_ms, 0);
}

/* Something changed outside MHD (a resumed connection): run it soon. */
static void admin_schedule(admin_t *a) {
  if (!a->stopped)
    uv_timer_start(&a->timer, on_timer, 0, 0);
}

/* ---- requests ---- */

const char *admin_req_method(const admin_req_t *req) {
  return req->method;
}

const char *admin_req_path(const admin_req_t *req) {
  return req->path;
}

const char *admin_req_query(const admin_req_t *req, const char *key) {
  return req->conn ? MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key) : NULL;
}

const char *admin_req_body(const admin_req_t *req, size_t *len) {
  *len = req->body_len;
  return req->body ? req->body : "";
}

void admin_req_hold(admin_req_t *req) {
  req->refs++;
}

void admin_req_release(admin_req_t *req) {
  if (--req->refs > 0)
    return;
  free(req->body);
  free(req->answer);
  free(req);
}

static void unlink_suspended(admin_req_t *req) {
  admin_t *a = req->admin;
  if (req->prev)
    req->prev->next = req->next;
  else
    a->suspended = req->next;
  if (req->next)
    req->next->prev = req->prev;
  req->prev = req->next = NULL;
  req->suspended = false;
}

void admin_respond(admin_req_t *req, unsigned status, const char *content_type, char *body,
                   size_t len) {
  if (req->answered || req->conn == NULL) {
    free(body);
    return;
  }
  req->answered = true;
  req->status = status;
  req->content_type = content_type;
  req->answer = body;
  req->answer_len = len;
  if (req->suspended) {
    unlink_suspended(req);
    MHD_resume_connection(req->conn);
    admin_schedule(req->admin);
  }
}

void admin_respond_json(admin_req_t *req, unsigned status, json_t *json) {
  char *text = json ? json_dumps(json, JSON_COMPACT) : NULL;
  json_decref(json);
  if (text == NULL) {
    static const char oom[] = "{\"error\":\"out of memory\"}\n";
    admin_respond(req, 500, "application/json", strdup(oom), sizeof oom - 1);
    return;
  }
  size_t len = strlen(text);
  char *body = realloc(text, len + 2);
  if (body == NULL) {
    admin_respond(req, status, "application/json", text, len);
    return;
  }
  body[len++] = '\n';
  body[len] = '\0';
  admin_respond(req, status, "application/json", body, len);
}

void admin_respond_error(admin_req_t *req, unsigned status, const char *fmt, ...) {
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  admin_respond_json(req, status, json_pack("{s:o}", "error", json_masked(text)));
}

/* ---- static files ---- */

static const char *content_type_of(const char *name) {
  const char *dot = strrchr(name, '.');
  static const char *const types[][2] = {{".html", "text/html; charset=utf-8"},
                                         {".js", "text/javascript; charset=utf-8"},
                                         {".css", "text/css; charset=utf-8"},
                                         {".svg", "image/svg+xml"},
                                         {".png", "image/png"},
                                         {".ico", "image/x-icon"},
                                         {".json", "application/json"},
                                         {".txt", "text/plain; charset=utf-8"}};
  for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
    if (strcmp(dot, types[i][0]) == 0)
      return types[i][1];
  return "application/octet-stream";
}

static bool safe_file_name(const char *name) {
  if (name[0] == '\0' || name[0] == '.' || strlen(name) > 128)
    return false;
  for (const char *p = name; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '_' || *p == '.' || *p == '-'))
      return false;
  return true;
}

/* Reads a whole (small) file; NULL if missing or too large. */
static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  char *data = NULL;
  if (fseek(f, 0, SEEK_END) == 0) {
    long size = ftell(f);
    if (size >= 0 && size <= FILE_MAX && fseek(f, 0, SEEK_SET) == 0 &&
        (data = malloc((size_t)size + 1)) != NULL) {
      *len = fread(data, 1, (size_t)size, f);
      data[*len] = '\0';
    }
  }
  fclose(f);
  return data;
}

static void serve_file(hub_t *hub, admin_req_t *req, const char *name) {
  if (strcmp(req->method, "GET") != 0) {
    admin_respond_error(req, 405, "%s is not allowed here", req->method);
    return;
  }
  char path[CONFIG_STR_MAX + 160];
  size_t len = 0;
  char *data = NULL;
  if (safe_file_name(name)) {
    snprintf(path, sizeof path, "%s/%s", hub->cfg.www_dir, name);
    data = read_file(path, &len);
  }
  if (data == NULL) {
    admin_respond_error(req, 404, "no such page: /%s", name);
    return;
  }
  admin_respond(req, 200, content_type_of(name), data, len);
}

/* A change (POST, DELETE, ...) must say Content-Type: application/json. A web
 * page elsewhere cannot send that to us without a CORS preflight, which this
 * server never grants: so no other site can replay or purge through a browser. */
static bool cross_site_safe(const admin_req_t *req) {
  if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0)
    return true;
  const char *type =
      MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
  return type != NULL && strncmp(type, "application/json", 16) == 0;
}

/* Constant-time comparison: the time taken says nothing about the token. */
static bool token_equal(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  unsigned char diff = la != lb;
  for (size_t i = 0; i < la && i < lb; i++)
    diff |= (unsigned char)(a[i] ^ b[i]);
  return diff == 0;
}

/* Reading is open (on loopback by default); a change needs the admin token. */
static bool authorized(const admin_t *a, const admin_req_t *req) {
  if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0)
    return true;
  const char *auth =
      MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
  return auth != NULL && strncmp(auth, "Bearer ", 7) == 0 && token_equal(auth + 7, a->token);
}

/* The token from admin_token_file, or data_dir/admin.token made (0600) the
 * first time. */
static int load_token(hub_t *hub, char *out, size_t size) {
  char path[CONFIG_STR_MAX + 16];
  if (hub->cfg.admin_token_file[0])
    snprintf(path, sizeof path, "%s", hub->cfg.admin_token_file);
  else
    snprintf(path, sizeof path, "%.500s/admin.token", hub->cfg.data_dir);
  FILE *f = fopen(path, "r");
  if (f == NULL && hub->cfg.admin_token_file[0] == '\0') {
    uint8_t raw[24];
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw ||
        (f = fdopen(fd, "w+")) == NULL)
      return STAFET_EIO;
    for (size_t i = 0; i < sizeof raw; i++)
      fprintf(f, "%02x", raw[i]);
    rewind(f);
  }
  bool ok = f != NULL && fgets(out, (int)size, f) != NULL;
  if (f)
    fclose(f);
  out[strcspn(out, "\r\n")] = '\0';
  if (!ok || out[0] == '\0') {
    log_error(&hub->log, "cannot read the admin token", "file=%s", path);
    return STAFET_EINVAL;
  }
  return 0;
}

static void route(hub_t *hub, admin_req_t *req) {
  if (!authorized(hub->admin, req)) {
    admin_respond_error(req, 401,
                        "%s needs Authorization: Bearer <token> (the hub's admin token file)",
                        req->method);
    return;
  }
  if (req->body_too_big) {
    admin_respond_error(req, 413, "request body larger than %d bytes", BODY_MAX);
    return;
  }
  if (!cross_site_safe(req)) {
    admin_respond_error(req, 415, "%s needs Content-Type: application/json", req->method);
    return;
  }
  const char *p = req->path;
  if (strcmp(p, "/") == 0)
    serve_file(hub, req, "index.html");
  else if (strncmp(p, "/api/", 5) == 0 || strcmp(p, "/metrics") == 0 ||
           strcmp(p, "/healthz") == 0 || strcmp(p, "/readyz") == 0)
    admin_api_route(hub, req);
  else if (strchr(p + 1, '/') == NULL)
    serve_file(hub, req, p + 1);
  else
    admin_respond_error(req, 404, "no such page: %s", p);
}

/* ---- MHD callbacks ---- */

static enum MHD_Result queue_answer(admin_req_t *req) {
  struct MHD_Response *r =
      MHD_create_response_from_buffer(req->answer_len, req->answer, MHD_RESPMEM_MUST_FREE);
  if (r == NULL)
    return MHD_NO;
  req->answer = NULL; /* MHD frees it now */
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, req->content_type);
  MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(r, "Content-Security-Policy",
                          "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
  enum MHD_Result rc = MHD_queue_response(req->conn, req->status, r);
  MHD_destroy_response(r);
  return rc;
}

static admin_req_t *req_new(admin_t *a, struct MHD_Connection *conn, const char *url,
                            const char *method) {
  admin_req_t *req = calloc(1, sizeof *req);
  if (req == NULL)
    return NULL;
  req->admin = a;
  req->conn = conn;
  req->refs = 1;
  snprintf(req->method, sizeof req->method, "%s", method);
  snprintf(req->path, sizeof req->path, "%s", url);
  return req;
}

static void take_body(admin_req_t *req, const char *data, size_t len) {
  if (req->body_too_big || req->body_len + len > BODY_MAX) {
    req->body_too_big = true;
    return;
  }
  char *body = realloc(req->body, req->body_len + len + 1);
  if (body == NULL) {
    req->body_too_big = true;
    return;
  }
  memcpy(body + req->body_len, data, len);
  req->body_len += len;
  body[req->body_len] = '\0';
  req->body = body;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_size, void **con_cls) {
  admin_t *a = cls;
  admin_req_t *req = *con_cls;
  if (req == NULL) {
    *con_cls = req = req_new(a, conn, url, method);
    return req ? MHD_YES : MHD_NO;
  }
  if (*upload_size > 0) {
    take_body(req, upload_data, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  if (!req->started) {
    req->started = true;
    route(a->hub, req);
  }
  if (req->answered)
    return queue_answer(req);
  /* Waiting for Redis: park the connection until admin_respond(). */
  req->suspended = true;
  req->next = a->suspended;
  if (a->suspended)
    a->suspended->prev = req;
  a->suspended = req;
  MHD_suspend_connection(conn);
  return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode why) {
  admin_req_t *req = *con_cls;
  if (req == NULL)
    return;
  if (req->suspended)
    unlink_suspended(req);
  req->conn = NULL;
  *con_cls = NULL;
  admin_req_release(req);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
  admin_t *a = cls;
  char text[512];
  vsnprintf(text, sizeof text, fmt, ap);
  text[strcspn(text, "\r\n")] = '\0';
  log_warn(&a->hub->log, "admin http", "err=\"%s\"", text);
}

/* ---- start and stop ---- */

/* "host:port" or "[v6]:port" into a socket address. */
static int parse_bind(const char *text, struct sockaddr_storage *ss) {
  char host[128];
  const char *colon = strrchr(text, ':');
  if (colon == NULL || colon == text || (size_t)(colon - text) >= sizeof host)
    return STAFET_EINVAL;
  char *end = NULL;
  long port = strtol(colon + 1, &end, 10);
  if (*end != '\0' || colon[1] == '\0' || port < 0 || port > 65535)
    return STAFET_EINVAL;
  memcpy(host, text, (size_t)(colon - text));
  host[colon - text] = '\0';
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
  size_t hl = strlen(host);
  if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
    host[hl - 1] = '\0';
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    return inet_pton(AF_INET6, host + 1, &v6->sin6_addr) == 1 ? 0 : STAFET_EINVAL;
  }
  v4->sin_family = AF_INET;
  v4->sin_port = htons((uint16_t)port);
  return inet_pton(AF_INET, host, &v4->sin_addr) == 1 ? 0 : STAFET_EINVAL;
}

/* The address actually bound (port 0 = the kernel's pick). */
static void note_address(admin_t *a) {
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(a->daemon, MHD_DAEMON_INFO_LISTEN_FD);
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (info != NULL && getsockname(info->listen_fd, (struct sockaddr *)&ss, &sl) == 0) {
    if (ss.ss_family == AF_INET6) {
      struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
      inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
      port = ntohs(v6->sin6_port);
      snprintf(a->address, sizeof a->address, "[%s]:%d", host, port);
      return;
    }
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
    port = ntohs(v4->sin_port);
  }
  snprintf(a->address, sizeof a->address, "%s:%d", host, port);
}

static int start_daemon(admin_t *a, const struct sockaddr_storage *ss) {
  unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
  if (ss->ss_family == AF_INET6)
    flags |= MHD_USE_IPv6;
  a->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_access, a, MHD_OPTION_EXTERNAL_LOGGER,
                               on_mhd_log, a, MHD_OPTION_SOCK_ADDR, ss, MHD_OPTION_NOTIFY_COMPLETED,
                               on_completed, a, MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
                               MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
  if (a->daemon == NULL)
    return STAFET_EIO;
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(a->daemon, MHD_DAEMON_INFO_EPOLL_FD);
  if (info == NULL || uv_poll_init(a->hub->loop, &a->poll, info->epoll_fd) != 0)
    return STAFET_EIO;
  a->poll.data = a;
  uv_poll_start(&a->poll, UV_READABLE, on_poll);
  return 0;
}

int admin_start(hub_t *hub) {
  const char *bind = hub->cfg.admin_bind;
  if (bind[0] == '\0' || strcmp(bind, "none") == 0)
    return 0;
  struct sockaddr_storage ss;
  if (parse_bind(bind, &ss) != 0) {
    log_error(&hub->log, "bad admin_bind", "admin_bind=\"%s\" want=\"host:port\"", bind);
    return STAFET_EINVAL;
  }
  admin_t *a = calloc(1, sizeof *a);
  if (a == NULL)
    return STAFET_ENOMEM;
  a->hub = hub;
  hub->admin = a;
  if (load_token(hub, a->token, sizeof a->token) != 0)
    return STAFET_EINVAL;
  uv_timer_init(hub->loop, &a->timer);
  uv_timer_init(hub->loop, &a->stats_timer);
  a->timer.data = a;
  a->stats_timer.data = hub;
  if (start_daemon(a, &ss) != 0) {
    log_error(&hub->log, "admin http cannot listen", "admin_bind=\"%s\" err=\"%s\"", bind,
              strerror(errno));
    return STAFET_EIO;
  }
  note_address(a);
  uint64_t every = hub->cfg.stats_interval_ms ? hub->cfg.stats_interval_ms : 1000;
  uv_timer_start(&a->stats_timer, admin_stats_tick, every, every);
  /* A port the kernel picked is known only from this line: log it at any level. */
  bool picked = strcmp(strrchr(bind, ':'), ":0") == 0;
  log_write(&hub->log, picked ? LOG_WARN : LOG_INFO, "admin http listening",
            "addr=%s www_dir=\"%s\"", a->address, hub->cfg.www_dir);
  admin_run(a);
  return 0;
}

static void on_closed(uv_handle_t *h) {
  admin_t *a = h->data;
  if (h == (uv_handle_t *)&a->stats_timer)
    free(a);
}

void admin_stop(hub_t *hub) {
  admin_t *a = hub->admin;
  if (a == NULL || a->stopped)
    return;
  a->stopped = true;
  while (a->suspended != NULL)
    admin_respond_error(a->suspended, 503, "the hub is shutting down");
  if (a->daemon != NULL) {
    uv_poll_stop(&a->poll);
    uv_close((uv_handle_t *)&a->poll, NULL);
    MHD_stop_daemon(a->daemon);
    a->daemon = NULL;
  }
  hub->admin = NULL;
  a->stats_timer.data = a;
  uv_close((uv_handle_t *)&a->timer, NULL);
  uv_close((uv_handle_t *)&a->stats_timer, on_closed);
}

const char *admin_address(const hub_t *hub) {
  return hub->admin ? ((const admin_t *)hub->admin)->address : "";
}
