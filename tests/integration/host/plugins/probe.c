/*
 * probe.c — a plugin the host's tests drive from outside, through a unix
 * datagram socket it watches with api->watch_fd (setting socket_path).
 * Each datagram is a command:
 *
 *   pub:TEXT             publish probe.datagram.received with payload TEXT
 *   ask:SERVICE:PAYLOAD  api->request(SERVICE); the answer is published as
 *                        probe.answer.received, payload "STATUS:TEXT"
 *   log:TEXT             api->log a line with TEXT (the CPR masking test)
 *   count:NAME           api->counter_add(NAME, 1)
 *
 * It also provides probe.echo.get (answers "echo:PAYLOAD"), and with setting
 * `pattern` subscribes (name `subscription`) and for every delivery
 * publishes probe.event.seen (payload: the message id), then acks. It logs
 * "probe reentered" if the host ever calls it while it is inside start —
 * start waits on three api->provide calls, so deliveries of a backlog
 * arrive meanwhile and must be held back until start has returned.
 */
#include "stafet_adapter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct probe {
  const stafet_host_api_t *api;
  stafet_host_t *host;
  const char *socket_path;
  int fd;
  int in_start;
} probe_t;

static int init(const stafet_host_api_t *api, stafet_host_t *host, void **state) {
  probe_t *p = calloc(1, sizeof *p);
  if (p == NULL)
    return STAFET_ENOMEM;
  p->api = api;
  p->host = host;
  p->fd = -1;
  p->socket_path = api->config(host, "socket_path");
  *state = p;
  return 0;
}

static void publish_text(probe_t *p, const char *topic, const char *text, size_t len) {
  stafet_envelope_t env = {.topic = topic};
  int rc = p->api->publish(p->host, &env, text, len);
  if (rc < 0)
    p->api->log(p->host, STAFET_LOG_ERROR, "probe publish failed", "error=%d", rc);
}

static void on_answer(void *state, int status, const char *error_text, const void *payload,
                      size_t len, void *arg) {
  probe_t *p = state;
  char out[600];
  int n = status == 0
              ? snprintf(out, sizeof out, "%d:%.*s", status, (int)len, (const char *)payload)
              : snprintf(out, sizeof out, "%d:%s", status, error_text);
  publish_text(p, "probe.answer.received", out, (size_t)n);
}

static void command(probe_t *p, char *cmd) {
  if (strncmp(cmd, "pub:", 4) == 0) {
    publish_text(p, "probe.datagram.received", cmd + 4, strlen(cmd + 4));
  } else if (strncmp(cmd, "ask:", 4) == 0) {
    char *service = cmd + 4, *payload = strchr(service, ':');
    if (payload != NULL)
      *payload++ = '\0';
    int rc = p->api->request(p->host, service, payload, payload ? strlen(payload) : 0, 2000,
                             on_answer, NULL);
    if (rc < 0)
      on_answer(p, rc, "request refused at once", NULL, 0, NULL);
  } else if (strncmp(cmd, "log:", 4) == 0) {
    p->api->log(p->host, STAFET_LOG_INFO, "probe says", "text=\"%s\"", cmd + 4);
  } else if (strncmp(cmd, "count:", 6) == 0) {
    p->api->counter_add(p->host, cmd + 6, 1);
  }
}

static void on_readable(void *state, int fd, int events) {
  probe_t *p = state;
  char buf[512];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT)) > 0) {
    buf[n] = '\0';
    command(p, buf);
  }
}

static int open_socket(probe_t *p) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (p->socket_path == NULL || strlen(p->socket_path) >= sizeof addr.sun_path)
    return STAFET_EINVAL;
  snprintf(addr.sun_path, sizeof addr.sun_path, "%s", p->socket_path);
  unlink(p->socket_path);
  p->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (p->fd < 0 || bind(p->fd, (struct sockaddr *)&addr, sizeof addr) != 0)
    return STAFET_EIO;
  return p->api->watch_fd(p->host, p->fd, STAFET_FD_READ, on_readable);
}

static int start(void *state) {
  probe_t *p = state;
  p->in_start = 1;
  int rc = open_socket(p);
  const char *pattern = p->api->config(p->host, "pattern");
  if (rc == 0 && pattern != NULL) {
    const char *patterns[] = {pattern};
    const char *name = p->api->config(p->host, "subscription");
    stafet_subscription_t sub = {
        .name = name ? name : "probe", .patterns = patterns, .n_patterns = 1, .credit = 100};
    rc = p->api->subscribe(p->host, &sub);
  }
  const char *services[] = {"probe.echo.get", "probe.spare_one.get", "probe.spare_two.get"};
  for (int i = 0; rc == 0 && i < 3; i++)
    rc = p->api->provide(p->host, services[i]);
  p->in_start = 0;
  return rc;
}

static void stop(void *state) {
  probe_t *p = state;
  if (p->fd >= 0) {
    p->api->watch_fd(p->host, p->fd, 0, NULL);
    close(p->fd);
    unlink(p->socket_path);
  }
  p->api->log(p->host, STAFET_LOG_INFO, "probe stopped", NULL);
  free(p);
}

static void on_event(void *state, const stafet_delivery_t *d) {
  probe_t *p = state;
  if (p->in_start)
    p->api->log(p->host, STAFET_LOG_ERROR, "probe reentered", "message_id=%s",
                d->envelope->message_id);
  publish_text(p, "probe.event.seen", d->envelope->message_id, strlen(d->envelope->message_id));
  p->api->ack(p->host, d->subscription, d->delivery_id);
}

static void on_request(void *state, const stafet_request_t *r) {
  probe_t *p = state;
  if (p->in_start)
    p->api->log(p->host, STAFET_LOG_ERROR, "probe reentered", "request=%s", r->request_id);
  char out[600];
  int n = snprintf(out, sizeof out, "echo:%.*s", (int)r->payload_len, (const char *)r->payload);
  p->api->reply(p->host, r->request_id, out, (size_t)n);
}

static const stafet_adapter_t adapter = {
    .abi_version = STAFET_ADAPTER_ABI_VERSION,
    .name = "probe",
    .init = init,
    .start = start,
    .stop = stop,
    .on_event = on_event,
    .on_request = on_request,
};

const stafet_adapter_t *stafet_adapter_entry(void) {
  return &adapter;
}
