/*
 * fake_host.c — the recording stand-in for the adapter host (fake_host.h).
 */
#include "fake_host.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static fake_host_t *fh(stafet_host_t *h) {
  return (fake_host_t *)h;
}

stafet_host_t *fake_host_handle(fake_host_t *h) {
  return (stafet_host_t *)h;
}

static void copy(char *dst, size_t cap, const char *src) {
  snprintf(dst, cap, "%s", src ? src : "");
}

static void record_attrs(fake_pub_t *p, const stafet_envelope_t *env) {
  size_t n = 0;
  for (size_t i = 0; i < env->n_attributes && n < sizeof p->attrs; i++)
    n += (size_t)snprintf(p->attrs + n, sizeof p->attrs - n, "%s=%s;", env->attributes[i].key,
                          env->attributes[i].value);
}

static int fake_publish(stafet_host_t *h, const stafet_envelope_t *env, const void *payload,
                        size_t len) {
  fake_host_t *f = fh(h);
  if (f->publish_error != 0)
    return f->publish_error;
  if (f->publish_limit >= 0 && (long)f->n_pubs >= f->publish_limit)
    return STAFET_EFULL;
  if (f->n_pubs == f->cap_pubs) {
    f->cap_pubs = f->cap_pubs ? 2 * f->cap_pubs : 16;
    f->pubs = realloc(f->pubs, f->cap_pubs * sizeof *f->pubs);
  }
  fake_pub_t *p = &f->pubs[f->n_pubs++];
  memset(p, 0, sizeof *p);
  copy(p->message_id, sizeof p->message_id, env->message_id);
  copy(p->topic, sizeof p->topic, env->topic);
  copy(p->type_name, sizeof p->type_name, env->type_name);
  copy(p->tenant, sizeof p->tenant, env->tenant);
  copy(p->correlation_id, sizeof p->correlation_id, env->correlation_id);
  p->sensitivity = env->sensitivity;
  p->schema_version = env->schema_version;
  p->occurred_at_ms = env->occurred_at_ms;
  record_attrs(p, env);
  p->payload = malloc(len ? len : 1);
  memcpy(p->payload, payload, len);
  p->len = len;
  return 0;
}

static void join(char *dst, size_t cap, const char *const *items, size_t n) {
  size_t w = 0;
  dst[0] = '\0';
  for (size_t i = 0; i < n && w < cap; i++)
    w += (size_t)snprintf(dst + w, cap - w, "%s%s", i ? " " : "", items[i]);
}

static int fake_subscribe(stafet_host_t *h, const stafet_subscription_t *sub) {
  fake_host_t *f = fh(h);
  if (f->n_subscribed == 8)
    return STAFET_EFULL;
  size_t i = f->n_subscribed++;
  copy(f->subscribed[i], sizeof f->subscribed[i], sub->name);
  join(f->sub_patterns[i], sizeof f->sub_patterns[i], sub->patterns, sub->n_patterns);
  join(f->sub_filters[i], sizeof f->sub_filters[i], sub->filters, sub->n_filters);
  return 0;
}

static int fake_ack(stafet_host_t *h, const char *subscription, const char *delivery_id) {
  fake_host_t *f = fh(h);
  (void)subscription;
  if (f->n_acked < FAKE_MAX)
    copy(f->acked[f->n_acked++], 64, delivery_id);
  return 0;
}

static int fake_nack(stafet_host_t *h, const char *subscription, const char *delivery_id,
                     int requeue, const char *reason) {
  fake_host_t *f = fh(h);
  (void)subscription;
  if (f->n_nacked < FAKE_MAX) {
    copy(f->nacked[f->n_nacked], 64, delivery_id);
    copy(f->nack_reason[f->n_nacked], 128, reason);
    f->nack_requeue[f->n_nacked++] = requeue;
  }
  return 0;
}

static int fake_provide(stafet_host_t *h, const char *service) {
  fake_host_t *f = fh(h);
  if (f->n_provided == 8)
    return STAFET_EFULL;
  copy(f->provided[f->n_provided++], 64, service);
  return 0;
}

static int fake_reply(stafet_host_t *h, const char *request_id, const void *payload, size_t len) {
  fake_host_t *f = fh(h);
  copy(f->reply_id, sizeof f->reply_id, request_id);
  free(f->reply);
  f->reply = malloc(len + 1);
  memcpy(f->reply, payload, len);
  f->reply[len] = '\0';
  f->reply_len = len;
  f->n_replies++;
  return 0;
}

static int fake_reply_error(stafet_host_t *h, const char *request_id, const char *text) {
  fake_host_t *f = fh(h);
  copy(f->reply_id, sizeof f->reply_id, request_id);
  copy(f->reply_error, sizeof f->reply_error, text);
  f->n_reply_errors++;
  return 0;
}

static int fake_request(stafet_host_t *h, const char *service, const void *payload, size_t len,
                        int timeout_ms, stafet_host_reply_fn fn, void *arg) {
  (void)h, (void)service, (void)payload, (void)len, (void)timeout_ms, (void)fn, (void)arg;
  return STAFET_EUNAVAIL;
}

static void fake_log(stafet_host_t *h, stafet_log_level_t level, const char *msg, const char *fmt,
                     ...) {
  fake_host_t *f = fh(h);
  char line[1024];
  int n = snprintf(line, sizeof line, "level=%d msg=\"%s\" ", (int)level, msg);
  if (fmt != NULL && n > 0 && (size_t)n < sizeof line) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
  }
  size_t len = strlen(line);
  f->log = realloc(f->log, f->log_len + len + 2);
  memcpy(f->log + f->log_len, line, len);
  f->log_len += len;
  f->log[f->log_len++] = '\n';
  f->log[f->log_len] = '\0';
  f->n_warn += level == STAFET_LOG_WARN;
  f->n_error += level == STAFET_LOG_ERROR;
  if (getenv("FAKE_HOST_VERBOSE"))
    fprintf(stderr, "%s\n", line);
}

static void fake_counter_add(stafet_host_t *h, const char *name, double delta) {
  (void)h, (void)name, (void)delta;
}

static void fake_gauge_set(stafet_host_t *h, const char *name, double value) {
  (void)h, (void)name, (void)value;
}

static const char *fake_config(stafet_host_t *h, const char *key) {
  fake_host_t *f = fh(h);
  for (size_t i = 0; i < f->n_settings; i++)
    if (strcmp(f->keys[i], key) == 0)
      return f->values[i];
  return NULL;
}

static int fake_watch_fd(stafet_host_t *h, int fd, int events, stafet_host_fd_fn fn) {
  (void)h, (void)fd, (void)events, (void)fn;
  return 0;
}

void fake_host_init(fake_host_t *h) {
  memset(h, 0, sizeof *h);
  h->publish_limit = -1;
  h->api = (stafet_host_api_t){
      .abi_version = STAFET_ADAPTER_ABI_VERSION,
      .publish = fake_publish,
      .subscribe = fake_subscribe,
      .ack = fake_ack,
      .nack = fake_nack,
      .provide = fake_provide,
      .reply = fake_reply,
      .reply_error = fake_reply_error,
      .request = fake_request,
      .log = fake_log,
      .counter_add = fake_counter_add,
      .gauge_set = fake_gauge_set,
      .config = fake_config,
      .watch_fd = fake_watch_fd,
  };
}

void fake_host_set(fake_host_t *h, const char *key, const char *value) {
  for (size_t i = 0; i < h->n_settings; i++)
    if (strcmp(h->keys[i], key) == 0) {
      h->values[i] = value;
      return;
    }
  h->keys[h->n_settings] = key;
  h->values[h->n_settings++] = value;
}

void fake_host_clear(fake_host_t *h) {
  for (size_t i = 0; i < h->n_pubs; i++)
    free(h->pubs[i].payload);
  h->n_pubs = 0;
  h->n_acked = h->n_nacked = h->n_replies = h->n_reply_errors = 0;
  free(h->reply);
  h->reply = NULL;
  h->reply_error[0] = '\0';
}

void fake_host_free(fake_host_t *h) {
  fake_host_clear(h);
  free(h->pubs);
  free(h->log);
}

const char *fake_pub_attr(const fake_pub_t *p, const char *key) {
  static char value[128];
  char needle[80];
  snprintf(needle, sizeof needle, "%s=", key);
  for (const char *s = p->attrs; (s = strstr(s, needle)) != NULL; s++) {
    if (s != p->attrs && s[-1] != ';')
      continue;
    s += strlen(needle);
    size_t n = strcspn(s, ";");
    snprintf(value, sizeof value, "%.*s", (int)n, s);
    return value;
  }
  return NULL;
}

int fake_log_has_cpr(const fake_host_t *h) {
  const char *s = h->log ? h->log : "";
  for (size_t i = 0; s[i]; i++) {
    if (i > 0 && isdigit((unsigned char)s[i - 1]))
      continue;
    size_t k = 0;
    while (k < 6 && isdigit((unsigned char)s[i + k]))
      k++;
    if (k < 6)
      continue;
    size_t j = i + 6 + (s[i + 6] == '-');
    size_t d = 0;
    while (d < 4 && isdigit((unsigned char)s[j + d]))
      d++;
    if (d == 4 && !isdigit((unsigned char)s[j + 4]))
      return 1;
  }
  return 0;
}
