/*
 * registry.c — see registry.h. Plain hiredis (synchronous): these are
 * administrative one-shot commands.
 */
#include "registry.h"

#include "stafet.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

struct registry {
  redisContext *c;
  char prefix[64];
};

static int failed(redisReply *r, redisContext *c, char *err, size_t n) {
  if (r == NULL) {
    snprintf(err, n, "redis: %s", c->errstr);
    return 1;
  }
  if (r->type == REDIS_REPLY_ERROR) {
    snprintf(err, n, "redis: %s", r->str);
    freeReplyObject(r);
    return 1;
  }
  return 0;
}

/* Runs a command; STAFET_EIO with the reason on failure. */
static int run(registry_t *r, char *err, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  redisReply *rep = redisvCommand(r->c, fmt, ap);
  va_end(ap);
  if (failed(rep, r->c, err, n))
    return STAFET_EIO;
  freeReplyObject(rep);
  return 0;
}

int registry_open(registry_t **out, const char *addr, const char *user, const char *password,
                  const char *prefix, char *err, size_t err_size) {
  registry_t *r = calloc(1, sizeof *r);
  if (r == NULL)
    return STAFET_ENOMEM;
  snprintf(r->prefix, sizeof r->prefix, "%s", prefix ? prefix : "stafet:");
  const char *colon = strrchr(addr, ':');
  if (strncmp(addr, "unix:", 5) == 0)
    r->c = redisConnectUnix(addr + 5);
  else if (colon != NULL) {
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
    r->c = redisConnect(host, atoi(colon + 1));
  }
  if (r->c == NULL || r->c->err) {
    snprintf(err, err_size, "cannot connect to redis at %s: %s", addr,
             r->c ? r->c->errstr : "bad address (unix:/path or host:port)");
    registry_close(r);
    return STAFET_EUNAVAIL;
  }
  if (password != NULL && password[0]) {
    int rc = user && user[0] ? run(r, err, err_size, "AUTH %s %s", user, password)
                             : run(r, err, err_size, "AUTH %s", password);
    if (rc != 0) {
      registry_close(r);
      return STAFET_EACCES;
    }
  }
  *out = r;
  return 0;
}

void registry_close(registry_t *r) {
  if (r == NULL)
    return;
  if (r->c)
    redisFree(r->c);
  free(r);
}

static int write_file(const char *path, const char *text, mode_t mode, char *err, size_t n) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
  if (fd < 0) {
    snprintf(err, n, "cannot create %s (it must not exist yet)", path);
    return STAFET_EIO;
  }
  size_t len = strlen(text);
  bool ok = write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
  close(fd);
  if (!ok)
    snprintf(err, n, "cannot write %s", path);
  return ok ? 0 : STAFET_EIO;
}

int registry_keypair_write(const char *dir, const char *name, char *public_out, char *err,
                           size_t err_size) {
  char secret[41], path[512];
  if (zmq_curve_keypair(public_out, secret) != 0) {
    snprintf(err, err_size, "libzmq has no CURVE support");
    return STAFET_EIO;
  }
  snprintf(path, sizeof path, "%s/%s.key", dir, name);
  int rc = write_file(path, secret, 0600, err, err_size);
  snprintf(path, sizeof path, "%s/%s.pub", dir, name);
  if (rc == 0)
    rc = write_file(path, public_out, 0644, err, err_size);
  memset(secret, 0, sizeof secret);
  return rc;
}

static int announce(registry_t *r, char *err, size_t n) {
  return run(r, err, n, "PUBLISH %schanges keys", r->prefix);
}

bool registry_key_valid(const char *key) {
  uint8_t raw[32];
  return strlen(key) == 40 && zmq_z85_decode(raw, key) != NULL;
}

int registry_key_add(registry_t *r, const char *adapter, const char *public_key, char *err,
                     size_t n) {
  if (!registry_key_valid(public_key)) {
    snprintf(err, n, "'%s' is not a Z85 public key (40 characters)", public_key);
    return STAFET_EINVAL;
  }
  char now[24];
  snprintf(now, sizeof now, "%lld", (long long)time(NULL) * 1000);
  int rc = run(r, err, n, "HSET %skey:%s adapter %s status active created_at_ms %s", r->prefix,
               public_key, adapter, now);
  if (rc == 0)
    rc = run(r, err, n, "SADD %skeys %s", r->prefix, public_key);
  return rc == 0 ? announce(r, err, n) : rc;
}

int registry_key_revoke(registry_t *r, const char *public_key, char *err, size_t n) {
  redisReply *rep = redisCommand(r->c, "EXISTS %skey:%s", r->prefix, public_key);
  if (failed(rep, r->c, err, n))
    return STAFET_EIO;
  long long exists = rep->integer;
  freeReplyObject(rep);
  if (!exists) {
    snprintf(err, n, "no registered key %s", public_key);
    return STAFET_ENOTFOUND;
  }
  int rc = run(r, err, n, "HSET %skey:%s status revoked", r->prefix, public_key);
  return rc == 0 ? announce(r, err, n) : rc;
}

int registry_acl_set(registry_t *r, const char *adapter, const char *publish, const char *subscribe,
                     const char *call, const char *provide, const char *clearance, char *err,
                     size_t n) {
  int rc = run(r, err, n, "HSET %sacl:%s publish %s subscribe %s call %s provide %s clearance %s",
               r->prefix, adapter, publish ? publish : "", subscribe ? subscribe : "",
               call ? call : "", provide ? provide : "", clearance ? clearance : "");
  if (rc == 0)
    rc = run(r, err, n, "SADD %sacls %s", r->prefix, adapter);
  return rc == 0 ? announce(r, err, n) : rc;
}

static void print_flat(const char *label, const char *name, redisReply *h) {
  printf("%s %s", label, name);
  for (size_t i = 0; i + 1 < h->elements; i += 2) {
    char value[1024];
    snprintf(value, sizeof value, "%s", h->element[i + 1]->str);
    for (char *p = value; *p; p++)
      if (*p == '\n')
        *p = ',';
    printf(" %s=%s", h->element[i]->str, value);
  }
  printf("\n");
}

static int list_set(registry_t *r, const char *set, const char *hash_prefix, const char *label,
                    char *err, size_t n) {
  redisReply *names = redisCommand(r->c, "SMEMBERS %s%s", r->prefix, set);
  if (failed(names, r->c, err, n))
    return STAFET_EIO;
  for (size_t i = 0; i < names->elements; i++) {
    redisReply *h =
        redisCommand(r->c, "HGETALL %s%s%s", r->prefix, hash_prefix, names->element[i]->str);
    if (!failed(h, r->c, err, n)) {
      print_flat(label, names->element[i]->str, h);
      freeReplyObject(h);
    }
  }
  freeReplyObject(names);
  return 0;
}

int registry_list(registry_t *r, char *err, size_t n) {
  int rc = list_set(r, "keys", "key:", "key", err, n);
  return rc == 0 ? list_set(r, "acls", "acl:", "acl", err, n) : rc;
}

static const char *field_of(const redisReply *fields, const char *name) {
  for (size_t k = 0; k + 1 < fields->elements; k += 2)
    if (strcmp(fields->element[k]->str, name) == 0)
      return fields->element[k + 1]->str;
  return "";
}

/* The audit stream holds CPR numbers in the clear (it is the record of who saw
 * whose data); what this prints is for the auditor's eyes and is not logged. */
int registry_audit(registry_t *r, const char *cpr, const char *adapter, long limit, char *err,
                   size_t n) {
  char last[64] = "+";
  long shown = 0;
  while (shown < limit) {
    redisReply *page = redisCommand(r->c, "XREVRANGE %saudit %s - COUNT 1000", r->prefix, last);
    if (failed(page, r->c, err, n))
      return STAFET_EIO;
    for (size_t i = 0; i < page->elements && shown < limit; i++) {
      redisReply *e = page->element[i], *f = e->element[1];
      const char *cprs = field_of(f, "cpr");
      if ((cpr == NULL || strstr(cprs, cpr) != NULL) &&
          (adapter == NULL || strcmp(field_of(f, "adapter"), adapter) == 0)) {
        printf("%s at=%s adapter=%s subscription=%s msg_id=%s topic=%s cpr=%s "
               "protected_fields_removed=%s hub=%s\n",
               e->element[0]->str, field_of(f, "at"), field_of(f, "adapter"),
               field_of(f, "subscription"), field_of(f, "msg_id"), field_of(f, "topic"), cprs,
               field_of(f, "protected_fields_removed"), field_of(f, "hub"));
        shown++;
      }
    }
    size_t got = page->elements;
    if (got > 0) /* next page: strictly older than the last id seen */
      snprintf(last, sizeof last, "(%s", page->element[got - 1]->element[0]->str);
    freeReplyObject(page);
    if (got < 1000)
      break;
  }
  return 0;
}
