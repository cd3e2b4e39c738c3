/*
 * template.c — the template adapter: copy this folder to start a new one
 * (docs/writing-an-adapter.md walks through it).
 *
 * It shows the three things every adapter does, each in a few lines:
 *
 *   1. Publish from a source. Every file dropped into `inbox_dir` becomes one
 *      `template.note.created` event (the file's bytes are the payload) and
 *      is then deleted. The host has journalled the event before publish()
 *      returns 0, so deleting the file right away is safe even if this
 *      process is killed the next moment.
 *   2. Consume a subscription. Each `cpr.person.relocated` (setting
 *      `pattern`) is answered with a `template.relocation.seen` event and
 *      then acked. Its message id is derived from the delivered one, so a
 *      redelivery publishes the same id again and the hub drops the copy:
 *      idempotent without a database.
 *   3. Provide a service. `template.status.get` answers with a line of
 *      counters; a request whose payload is "fail" gets an error answer.
 *
 * Settings ([plugin NAME] section of the host config):
 *   subscription  durable subscription name   (default template_relocations)
 *   pattern       what it subscribes to       (default cpr.person.relocated)
 *   inbox_dir     folder to publish files from (default: none)
 *   greeting      a word the service answers with (default hej)
 *
 * Rules kept here that every adapter must keep: never block (no sleeping,
 * no waiting on the network: the host's loop is the only loop); log ids,
 * never personal data; synthetic data only in tests and examples.
 */
#include "stafet_adapter.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SERVICE        "template.status.get"
#define MAX_NOTE_BYTES (64 * 1024)
#define NOTES_PER_TICK 100 /* a tick must return quickly: the rest waits for the next */

typedef struct template {
  const stafet_host_api_t *api; /* valid for the life of the process */
  stafet_host_t *host;
  const char *subscription, *pattern, *inbox_dir, *greeting; /* owned by the host config */
  unsigned long seen, notes;
}
template_t;

/* A setting, or its default. */
static const char *setting(template_t *t, const char *key, const char *def) {
  const char *v = t->api->config(t->host, key);
  return v != NULL && v[0] != '\0' ? v : def;
}

static int init(const stafet_host_api_t *api, stafet_host_t *host, void **state) {
  template_t *t = calloc(1, sizeof *t);
  if (t == NULL)
    return STAFET_ENOMEM;
  t->api = api;
  t->host = host;
  t->subscription = setting(t, "subscription", "template_relocations");
  t->pattern = setting(t, "pattern", "cpr.person.relocated");
  t->inbox_dir = setting(t, "inbox_dir", NULL);
  t->greeting = setting(t, "greeting", "hej");
  *state = t;
  return 0;
}

/* Connected: subscribe and provide. An error here makes the host report
 * the plugin as failed and start it again later. */
static int start(void *state) {
  template_t *t = state;
  const char *patterns[] = {t->pattern};
  stafet_subscription_t sub = {.name = t->subscription, .patterns = patterns, .n_patterns = 1};
  if (t->inbox_dir != NULL && mkdir(t->inbox_dir, 0700) != 0 && errno != EEXIST)
    t->api->log(t->host, STAFET_LOG_WARN, "cannot create the inbox", "inbox=%s error=\"%s\"",
                t->inbox_dir, strerror(errno));
  int rc = t->api->subscribe(t->host, &sub);
  if (rc == 0)
    rc = t->api->provide(t->host, SERVICE);
  t->api->log(t->host, STAFET_LOG_INFO, "template started", "subscription=%s pattern=%s inbox=%s",
              t->subscription, t->pattern, t->inbox_dir ? t->inbox_dir : "-");
  return rc;
}

static void stop(void *state) {
  template_t *t = state;
  t->api->log(t->host, STAFET_LOG_INFO, "template stopped", "seen=%lu notes=%lu", t->seen,
              t->notes);
  free(t);
}

/* 2. A relocation: publish what we made of it, then ack. */
static void on_event(void *state, const stafet_delivery_t *d) {
  template_t *t = state;
  const stafet_envelope_t *in = d->envelope;
  char id[65];
  char body[160];
  int n = snprintf(body, sizeof body, "seen %s", in->message_id);
  /* Same input id, same output id: a redelivery cannot publish twice. */
  int derived = strlen(in->message_id) <= 59;
  snprintf(id, sizeof id, "seen-%s", in->message_id);
  stafet_envelope_t out = {.message_id = derived ? id : NULL, /* NULL: the host makes one */
                           .topic = "template.relocation.seen",
                           .tenant = in->tenant,
                           .correlation_id =
                               in->correlation_id[0] ? in->correlation_id : in->message_id,
                           .causation_id = in->message_id};
  int rc = t->api->publish(t->host, &out, body, (size_t)n);
  if (rc == STAFET_EFULL) {
    /* Back-pressure: leave it unacked; the hub delivers it again later. */
    t->api->log(t->host, STAFET_LOG_WARN, "outbox full: not acked", "message_id=%s",
                in->message_id);
    return;
  }
  if (rc < 0) { /* cannot ever work: dead-letter it with the reason */
    t->api->nack(t->host, d->subscription, d->delivery_id, 0, stafet_strerror(rc));
    return;
  }
  t->seen++;
  t->api->counter_add(t->host, "relocations_seen", 1);
  t->api->ack(t->host, d->subscription, d->delivery_id);
}

/* 3. The service: answer now (a slow answer would be kept and sent later). */
static void on_request(void *state, const stafet_request_t *r) {
  template_t *t = state;
  if (r->payload_len == 4 && memcmp(r->payload, "fail", 4) == 0) {
    t->api->reply_error(t->host, r->request_id, "asked to fail");
    return;
  }
  char answer[256];
  int n = snprintf(answer, sizeof answer, "%s seen=%lu notes=%lu", t->greeting, t->seen, t->notes);
  t->api->reply(t->host, r->request_id, answer, (size_t)n);
}

/* Reads a whole small file; returns its length or -1. */
static long read_note(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return -1;
  size_t n = fread(buf, 1, cap, f);
  int too_big = n == cap && fgetc(f) != EOF;
  fclose(f);
  return too_big ? -1 : (long)n;
}

/* 1. One file of the inbox: publish it, then delete it. 0, or the publish
 * error (STAFET_EFULL: stop for this tick; the file stays for the next). */
static int publish_note(template_t *t, const char *name, char *buf) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", t->inbox_dir, name);
  long len = read_note(path, buf, MAX_NOTE_BYTES);
  if (len < 0) {
    t->api->log(t->host, STAFET_LOG_ERROR, "note unreadable or too large: set aside", "file=%s",
                name);
    char aside[4200];
    snprintf(aside, sizeof aside, "%s.rejected", path);
    rename(path, aside);
    return 0;
  }
  stafet_attribute_t attrs[] = {{"file", name}};
  stafet_envelope_t env = {
      .topic = "template.note.created", .attributes = attrs, .n_attributes = 1};
  int rc = t->api->publish(t->host, &env, buf, (size_t)len);
  if (rc < 0)
    return rc;
  remove(path); /* journalled by the host: safe to let go of the source */
  t->notes++;
  t->api->counter_add(t->host, "notes_published", 1);
  return 0;
}

static int is_note(const char *name) {
  size_t n = strlen(name);
  return name[0] != '.' && !(n > 9 && strcmp(name + n - 9, ".rejected") == 0);
}

static void on_tick(void *state) {
  template_t *t = state;
  if (t->inbox_dir == NULL)
    return;
  DIR *dir = opendir(t->inbox_dir);
  char *buf = malloc(MAX_NOTE_BYTES);
  struct dirent *e;
  for (int done = 0;
       dir != NULL && buf != NULL && done < NOTES_PER_TICK && (e = readdir(dir)) != NULL;) {
    if (!is_note(e->d_name))
      continue; /* dot files are still being written: write a.tmp, rename to a */
    int rc = publish_note(t, e->d_name, buf);
    if (rc == STAFET_EFULL)
      break;
    if (rc < 0)
      t->api->log(t->host, STAFET_LOG_ERROR, "note not published", "file=%s error=\"%s\"",
                  e->d_name, stafet_strerror(rc));
    done++;
  }
  free(buf);
  if (dir != NULL)
    closedir(dir);
}

static const stafet_adapter_t adapter = {
    .abi_version = STAFET_ADAPTER_ABI_VERSION,
    .name = "template",
    .init = init,
    .start = start,
    .stop = stop,
    .on_event = on_event,
    .on_request = on_request,
    .on_tick = on_tick,
};

const stafet_adapter_t *stafet_adapter_entry(void) {
  return &adapter;
}
