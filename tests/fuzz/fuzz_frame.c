/*
 * fuzz_frame.c — libFuzzer target for everything the hub does with a frame
 * before it touches Redis: decode frame 0 (protobuf), then the checks each
 * frame type goes through — envelope and topic validation, subscription
 * patterns into a router and filters, stream ids of acks, service names.
 * Any crash, leak or sanitizer report is a bug in input the hub accepts from
 * the network.
 */
#include "filter.h"
#include "hub.h"
#include "router.h"
#include "stafet/wire/v1/wire.pb-c.h"
#include "topic.h"

#include <stddef.h>
#include <stdint.h>

static void noop(void *target, void *arg) {
  (void)target;
  (void)arg;
}

static void check_subscribe(const Stafet__Wire__V1__Subscribe *s) {
  router_t *r = NULL;
  if (router_new(&r) != 0)
    return;
  for (size_t i = 0; i < s->n_patterns; i++)
    if (pattern_validate(s->patterns[i]) == 0)
      router_add(r, s->patterns[i], (void *)s);
  filter_t *f = NULL;
  char err[256];
  if (filter_parse((const char *const *)s->filters, s->n_filters, &f, err, sizeof err) == 0) {
    Stafet__Wire__V1__Envelope env = STAFET__WIRE__V1__ENVELOPE__INIT;
    env.topic = s->name;
    filter_match(f, &env);
    filter_free(f);
  }
  if (topic_validate(s->name) == 0)
    router_match(r, s->name, noop, NULL);
  router_free(r);
}

static void check_publish(const Stafet__Wire__V1__Publish *p) {
  char err[256];
  if (envelope_validate(p->envelope, err, sizeof err) != 0)
    return;
  if (topic_validate(p->envelope->topic) != 0)
    return;
  router_t *r = NULL;
  if (router_new(&r) != 0)
    return;
  router_add(r, "#", r);
  router_add(r, "cpr.*.relocated", r);
  router_match(r, p->envelope->topic, noop, NULL);
  router_free(r);
}

static void check_ids(char **ids, size_t n) {
  for (size_t i = 0; i < n; i++) {
    stream_id_t sid;
    stream_id_parse(ids[i], &sid);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Stafet__Wire__V1__Frame *f = stafet__wire__v1__frame__unpack(NULL, size, data);
  if (f == NULL)
    return 0;
  switch (f->body_case) {
  case STAFET__WIRE__V1__FRAME__BODY_PUBLISH: check_publish(f->publish); break;
  case STAFET__WIRE__V1__FRAME__BODY_SUBSCRIBE: check_subscribe(f->subscribe); break;
  case STAFET__WIRE__V1__FRAME__BODY_ACK:
    check_ids(f->ack->delivery_ids, f->ack->n_delivery_ids);
    break;
  case STAFET__WIRE__V1__FRAME__BODY_NACK:
    check_ids(f->nack->delivery_ids, f->nack->n_delivery_ids);
    break;
  case STAFET__WIRE__V1__FRAME__BODY_REQUEST: topic_validate(f->request->service); break;
  case STAFET__WIRE__V1__FRAME__BODY_HELLO: name_validate(f->hello->adapter); break;
  default: break;
  }
  stafet__wire__v1__frame__free_unpacked(f, NULL);
  return 0;
}
